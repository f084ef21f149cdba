/* cs-reference-picker.c: a VToonify-D style's references, each on the frame
 *
 * Cards are recycled by the grid, so a card knows its reference only while
 * it is bound; only bound cards ask for pictures, last card first, so that
 * the thumbnailer's newest-first queue renders the top of the grid first.
 * Each reference costs a rebinding of the generator on the thumbnailer's
 * worker, so nothing is asked for while the popover is closed except the
 * segment's own reference (the panel row shows it). The plain frame is
 * asked for last, and so comes first: the cards show it, dimmed, until
 * their own picture arrives.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "cs-reference-picker.h"
#include "cs-style-thumbnailer.h"

/* How long the playhead must rest before the cards follow it. */
#define FRAME_SETTLE_MS 150
/* Pictures are rendered a little higher than shown, so that they stay
 * sharp on a doubled scale without costing much on the CPU device. */
#define PICTURE_HEIGHT 112
#define CARD_WIDTH 156
#define CARD_PICTURE_HEIGHT 96

typedef struct {
  CsReferencePicker *self;
  GtkListItem       *list_item;
  gboolean           bound;
  guint              reference;   /* while bound */
  GtkWidget         *picture;
  GtkWidget         *check;
  GtkWidget         *spinner;
  GtkWidget         *problem;
  GtkWidget         *name;
} Card;

struct _CsReferencePicker {
  GtkPopover          parent_instance;

  /* Template children. */
  GtkLabel           *subtitle;
  GtkScrolledWindow  *scroller;
  GtkGridView        *grid;

  CsStyleThumbnailer *thumbnailer;
  GtkStringList      *names;
  GHashTable         *cards;           /* Card* set, the bound ones */
  GHashTable         *pictures;        /* reference + 1 → GdkTexture, current frame and face */
  GHashTable         *failed;          /* reference + 1 → message, current frame and face */
  GdkTexture         *original;        /* the plain frame, current frame */
  GdkTexture         *current_picture; /* the segment's reference, maybe of an earlier frame */

  CsStyle            *style;
  char               *clip;
  gint64              frame;
  gint64              wanted_frame;
  guint               frame_timeout;
  gboolean            has_face;
  CsFaceRect          face;
  guint               reference;
};

G_DEFINE_FINAL_TYPE (CsReferencePicker, cs_reference_picker, GTK_TYPE_POPOVER)

enum {
  PROP_0,
  PROP_CURRENT_PICTURE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_REFERENCE_CHOSEN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void refresh (CsReferencePicker *self);

/* Helpers --------------------------------------------------------------------------------- */

#define KEY(reference) GUINT_TO_POINTER ((reference) + 1)

static const CsFaceRect *
face_or_null (CsReferencePicker *self)
{
  return self->has_face ? &self->face : NULL;
}

static gboolean
can_render (CsReferencePicker *self)
{
  return self->style != NULL && self->clip != NULL;
}

static GdkTexture *
texture_from (GBytes *pixels,
              int     width,
              int     height)
{
  return gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8A8, pixels, (gsize) width * 4);
}

/* The reference's picture on the current frame and face, from the
 * thumbnailer's cache when it has one. Transfer none. */
static GdkTexture *
picture_for (CsReferencePicker *self,
             guint              reference)
{
  GdkTexture *texture = g_hash_table_lookup (self->pictures, KEY (reference));
  g_autoptr(GBytes) pixels = NULL;
  int width = 0, height = 0;

  if (texture != NULL || !can_render (self))
    return texture;
  pixels = cs_style_thumbnailer_lookup_reference (self->thumbnailer, self->style, self->frame, reference,
                                                  face_or_null (self), &width, &height);
  if (pixels == NULL)
    return NULL;
  texture = texture_from (pixels, width, height);
  g_hash_table_insert (self->pictures, KEY (reference), texture);
  return texture;
}

/* Forgets what was rendered for the frame and face shown until now. */
static void
forget_pictures (CsReferencePicker *self)
{
  g_hash_table_remove_all (self->pictures);
  g_hash_table_remove_all (self->failed);
  g_clear_object (&self->original);
}

static void
update_current_picture (CsReferencePicker *self)
{
  GdkTexture *texture = self->style != NULL ? picture_for (self, self->reference) : NULL;

  /* The last frame's picture stays until the new one comes: no flicker. */
  if (texture == NULL && self->style != NULL)
    return;
  if (g_set_object (&self->current_picture, texture))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CURRENT_PICTURE]);
}

/* Cards ----------------------------------------------------------------------------------- */

/* Shows what is at hand for the card; TRUE when its picture is still to come. */
static gboolean
card_show (CsReferencePicker *self,
           Card              *card)
{
  GdkTexture *texture = picture_for (self, card->reference);
  const char *problem = g_hash_table_lookup (self->failed, KEY (card->reference));
  GtkWidget *child = gtk_list_item_get_child (card->list_item);
  gboolean waiting = texture == NULL && problem == NULL && can_render (self);

  /* While the playhead moves, the last frame's picture is a better stand-in
   * than nothing until the plain frame comes: no flicker. */
  if (texture != NULL || self->original != NULL)
    gtk_picture_set_paintable (GTK_PICTURE (card->picture),
                               GDK_PAINTABLE (texture != NULL ? texture : self->original));
  if (texture != NULL)
    gtk_widget_remove_css_class (child, "waiting");
  else
    gtk_widget_add_css_class (child, "waiting");
  gtk_widget_set_visible (card->spinner, waiting);
  gtk_spinner_set_spinning (GTK_SPINNER (card->spinner), waiting);
  gtk_widget_set_visible (card->problem, problem != NULL);
  gtk_widget_set_tooltip_text (card->problem, problem);
  return waiting;
}

static void
card_update_current (CsReferencePicker *self,
                     Card              *card)
{
  gboolean current = card->reference == self->reference;
  GtkWidget *child = gtk_list_item_get_child (card->list_item);

  gtk_widget_set_visible (card->check, current);
  if (current)
    gtk_widget_add_css_class (child, "current");
  else
    gtk_widget_remove_css_class (child, "current");
}

static void
on_setup (GtkSignalListItemFactory *factory,
          GtkListItem              *list_item,
          CsReferencePicker        *self)
{
  Card *card = g_new0 (Card, 1);
  GtkWidget *box, *overlay;

  card->self = self;
  card->list_item = list_item;

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_add_css_class (box, "card");
  gtk_widget_add_css_class (box, "cs-reference-card");
  gtk_widget_set_overflow (box, GTK_OVERFLOW_HIDDEN);
  gtk_widget_set_size_request (box, CARD_WIDTH, -1);
  gtk_widget_set_margin_start (box, 5);
  gtk_widget_set_margin_end (box, 5);
  gtk_widget_set_margin_top (box, 5);
  gtk_widget_set_margin_bottom (box, 5);

  overlay = gtk_overlay_new ();
  card->picture = gtk_picture_new ();
  gtk_widget_add_css_class (card->picture, "cs-reference-picture");
  gtk_picture_set_content_fit (GTK_PICTURE (card->picture), GTK_CONTENT_FIT_COVER);
  gtk_picture_set_can_shrink (GTK_PICTURE (card->picture), TRUE);
  gtk_widget_set_size_request (card->picture, CARD_WIDTH, CARD_PICTURE_HEIGHT);
  gtk_overlay_set_child (GTK_OVERLAY (overlay), card->picture);

  card->check = gtk_image_new_from_icon_name ("object-select-symbolic");
  gtk_widget_add_css_class (card->check, "cs-reference-check");
  gtk_widget_set_halign (card->check, GTK_ALIGN_END);
  gtk_widget_set_valign (card->check, GTK_ALIGN_START);
  gtk_widget_set_margin_top (card->check, 6);
  gtk_widget_set_margin_end (card->check, 6);
  gtk_image_set_pixel_size (GTK_IMAGE (card->check), 14);
  gtk_widget_set_size_request (card->check, 24, 24);
  gtk_widget_set_tooltip_text (card->check, _("The segment’s reference"));
  gtk_overlay_add_overlay (GTK_OVERLAY (overlay), card->check);

  card->spinner = gtk_spinner_new ();
  gtk_widget_set_halign (card->spinner, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (card->spinner, GTK_ALIGN_CENTER);
  gtk_widget_set_size_request (card->spinner, 24, 24);
  gtk_widget_set_tooltip_text (card->spinner, _("Rendering this frame with the reference"));
  gtk_overlay_add_overlay (GTK_OVERLAY (overlay), card->spinner);

  card->problem = gtk_image_new_from_icon_name ("dialog-warning-symbolic");
  gtk_widget_set_halign (card->problem, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (card->problem, GTK_ALIGN_CENTER);
  gtk_image_set_pixel_size (GTK_IMAGE (card->problem), 24);
  gtk_widget_add_css_class (card->problem, "warning");
  gtk_overlay_add_overlay (GTK_OVERLAY (overlay), card->problem);
  gtk_box_append (GTK_BOX (box), overlay);

  card->name = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (card->name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (card->name), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_set_margin_start (card->name, 8);
  gtk_widget_set_margin_end (card->name, 8);
  gtk_widget_set_margin_top (card->name, 6);
  gtk_widget_set_margin_bottom (card->name, 7);
  gtk_widget_add_css_class (card->name, "caption-heading");
  gtk_box_append (GTK_BOX (box), card->name);

  g_object_set_data_full (G_OBJECT (list_item), "cs-card", card, g_free);
  gtk_list_item_set_child (list_item, box);
}

static void
on_bind (GtkSignalListItemFactory *factory,
         GtkListItem              *list_item,
         CsReferencePicker        *self)
{
  Card *card = g_object_get_data (G_OBJECT (list_item), "cs-card");
  GtkStringObject *item = gtk_list_item_get_item (list_item);

  card->bound = TRUE;
  card->reference = gtk_list_item_get_position (list_item);
  gtk_label_set_text (GTK_LABEL (card->name), gtk_string_object_get_string (item));
  gtk_widget_set_tooltip_text (gtk_list_item_get_child (list_item), gtk_string_object_get_string (item));
  g_hash_table_add (self->cards, card);
  card_update_current (self, card);
  if (card_show (self, card) && gtk_widget_get_mapped (GTK_WIDGET (self)))
    cs_style_thumbnailer_request_reference (self->thumbnailer, self->style, self->frame, card->reference,
                                            face_or_null (self));
}

static void
on_unbind (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           CsReferencePicker        *self)
{
  Card *card = g_object_get_data (G_OBJECT (list_item), "cs-card");

  g_hash_table_remove (self->cards, card);
  card->bound = FALSE;
  gtk_picture_set_paintable (GTK_PICTURE (card->picture), NULL);
}

static void
on_teardown (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             CsReferencePicker        *self)
{
  Card *card = g_object_get_data (G_OBJECT (list_item), "cs-card");

  if (card != NULL)
    g_hash_table_remove (self->cards, card);
}

static gint
by_reference_descending (gconstpointer a,
                         gconstpointer b)
{
  const Card *ca = *(Card * const *) a;
  const Card *cb = *(Card * const *) b;

  return ca->reference < cb->reference ? 1 : ca->reference > cb->reference ? -1 : 0;
}

/* Asks for what the cards and the panel row lack, the most wanted last. */
static void
refresh (CsReferencePicker *self)
{
  g_autoptr(GPtrArray) cards = g_ptr_array_new ();
  GHashTableIter iter;
  Card *card;
  gboolean open = gtk_widget_get_mapped (GTK_WIDGET (self));

  g_clear_handle_id (&self->frame_timeout, g_source_remove);
  cs_style_thumbnailer_cancel_pending (self->thumbnailer);

  if (can_render (self) && picture_for (self, self->reference) == NULL &&
      !g_hash_table_contains (self->failed, KEY (self->reference)))
    cs_style_thumbnailer_request_reference (self->thumbnailer, self->style, self->frame, self->reference,
                                            face_or_null (self));
  update_current_picture (self);

  g_hash_table_iter_init (&iter, self->cards);
  while (g_hash_table_iter_next (&iter, (gpointer *) &card, NULL))
    g_ptr_array_add (cards, card);
  g_ptr_array_sort (cards, by_reference_descending);
  for (guint i = 0; i < cards->len; i++)
    {
      card = g_ptr_array_index (cards, i);
      card_update_current (self, card);
      if (card_show (self, card) && open)
        cs_style_thumbnailer_request_reference (self->thumbnailer, self->style, self->frame,
                                                card->reference, face_or_null (self));
    }
  if (open && can_render (self) && self->original == NULL)
    cs_style_thumbnailer_request (self->thumbnailer, NULL, self->frame);
}

/* Shows the cards of reference again, now that its picture or its
 * failure came. */
static void
show_cards_of (CsReferencePicker *self,
               guint              reference)
{
  GHashTableIter iter;
  Card *card;

  g_hash_table_iter_init (&iter, self->cards);
  while (g_hash_table_iter_next (&iter, (gpointer *) &card, NULL))
    if (card->reference == reference)
      card_show (self, card);
}

static void
on_reference_ready (CsStyleThumbnailer *thumbnailer,
                    const char         *key,
                    gint64              frame,
                    guint               reference,
                    GBytes             *pixels,
                    int                 width,
                    int                 height,
                    CsReferencePicker  *self)
{
  g_assert (CS_IS_REFERENCE_PICKER (self));

  /* Pictures of other frames or faces stay cached for when they come back;
   * picture_for() finds only the current ones. */
  if (self->style == NULL || frame != self->frame ||
      g_strcmp0 (key, cs_style_thumbnailer_style_key (self->style)) != 0 ||
      picture_for (self, reference) == NULL)
    return;
  show_cards_of (self, reference);
  if (reference == self->reference)
    update_current_picture (self);
}

static void
on_reference_failed (CsStyleThumbnailer *thumbnailer,
                     const char         *key,
                     gint64              frame,
                     guint               reference,
                     const char         *message,
                     CsReferencePicker  *self)
{
  g_assert (CS_IS_REFERENCE_PICKER (self));

  if (self->style == NULL || frame != self->frame ||
      g_strcmp0 (key, cs_style_thumbnailer_style_key (self->style)) != 0)
    return;
  g_debug ("%s", message);
  g_hash_table_insert (self->failed, KEY (reference), g_strdup (message));
  show_cards_of (self, reference);
}

/* The plain frame, shown dimmed under the spinners. */
static void
on_original_ready (CsStyleThumbnailer *thumbnailer,
                   const char         *key,
                   gint64              frame,
                   GBytes             *pixels,
                   int                 width,
                   int                 height,
                   CsReferencePicker  *self)
{
  GHashTableIter iter;
  Card *card;

  g_assert (CS_IS_REFERENCE_PICKER (self));

  if (*key != '\0' || frame != self->frame)
    return;
  g_set_object (&self->original, NULL);
  self->original = texture_from (pixels, width, height);
  g_hash_table_iter_init (&iter, self->cards);
  while (g_hash_table_iter_next (&iter, (gpointer *) &card, NULL))
    card_show (self, card);
}

static void
on_activate (GtkGridView       *grid,
             guint              position,
             CsReferencePicker *self)
{
  cs_reference_picker_choose (self, position);
}

/* The object ------------------------------------------------------------------------------ */

/* Cards as in the style gallery, the segment's own outlined in the accent
 * colour; a card still rendering shows the plain frame dimmed. */
static const char picker_css[] =
  "gridview.cs-reference-grid { background: none; }\n"
  "gridview.cs-reference-grid > child { padding: 0; border-radius: 12px; }\n"
  ".cs-reference-card.current { outline: 3px solid @accent_bg_color; outline-offset: -3px; }\n"
  ".cs-reference-card.waiting .cs-reference-picture { opacity: 0.45; }\n"
  ".cs-reference-check { background-color: @accent_bg_color; color: @accent_fg_color; border-radius: 999px; }\n";

static void
cs_reference_picker_dispose (GObject *object)
{
  CsReferencePicker *self = CS_REFERENCE_PICKER (object);

  g_clear_handle_id (&self->frame_timeout, g_source_remove);
  if (self->thumbnailer != NULL)
    g_signal_handlers_disconnect_by_data (self->thumbnailer, self);
  g_clear_object (&self->thumbnailer);
  g_clear_object (&self->original);
  g_clear_object (&self->current_picture);
  g_clear_object (&self->style);
  gtk_widget_dispose_template (GTK_WIDGET (self), CS_TYPE_REFERENCE_PICKER);
  G_OBJECT_CLASS (cs_reference_picker_parent_class)->dispose (object);
}

static void
cs_reference_picker_finalize (GObject *object)
{
  CsReferencePicker *self = CS_REFERENCE_PICKER (object);

  g_hash_table_unref (self->cards);
  g_hash_table_unref (self->pictures);
  g_hash_table_unref (self->failed);
  g_clear_object (&self->names);
  g_free (self->clip);
  G_OBJECT_CLASS (cs_reference_picker_parent_class)->finalize (object);
}

static void
cs_reference_picker_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  CsReferencePicker *self = CS_REFERENCE_PICKER (object);

  switch (prop_id)
    {
    case PROP_CURRENT_PICTURE:
      g_value_set_object (value, self->current_picture);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cs_reference_picker_class_init (CsReferencePickerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cs_reference_picker_dispose;
  object_class->finalize = cs_reference_picker_finalize;
  object_class->get_property = cs_reference_picker_get_property;

  properties[PROP_CURRENT_PICTURE] =
    g_param_spec_object ("current-picture", NULL, NULL, GDK_TYPE_PAINTABLE,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * CsReferencePicker::reference-chosen:
   * @reference: the index of the reference chosen
   */
  signals[SIGNAL_REFERENCE_CHOSEN] =
    g_signal_new ("reference-chosen", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/celshade/Celshade/cs-reference-picker.ui");
  gtk_widget_class_bind_template_child (widget_class, CsReferencePicker, subtitle);
  gtk_widget_class_bind_template_child (widget_class, CsReferencePicker, scroller);
  gtk_widget_class_bind_template_child (widget_class, CsReferencePicker, grid);
}

static void
cs_reference_picker_init (CsReferencePicker *self)
{
  static gsize css_loaded;
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  GtkNoSelection *selection;

  if (g_once_init_enter (&css_loaded))
    {
      g_autoptr(GtkCssProvider) provider = gtk_css_provider_new ();

#if GTK_CHECK_VERSION (4, 12, 0)
      gtk_css_provider_load_from_string (provider, picker_css);
#else
      gtk_css_provider_load_from_data (provider, picker_css, -1);
#endif
      gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (provider),
                                                  GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
      g_once_init_leave (&css_loaded, 1);
    }
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cards = g_hash_table_new (NULL, NULL);
  self->pictures = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  self->failed = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->names = gtk_string_list_new (NULL);

  /* Three cards a row (the grid measures its natural height for that
   * many): its own natural width would be one card. */
  gtk_widget_set_size_request (GTK_WIDGET (self->scroller), 3 * (CARD_WIDTH + 10) + 12, -1);

  g_signal_connect (factory, "setup", G_CALLBACK (on_setup), self);
  g_signal_connect (factory, "bind", G_CALLBACK (on_bind), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (on_unbind), self);
  g_signal_connect (factory, "teardown", G_CALLBACK (on_teardown), self);
  selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->names)));
  gtk_grid_view_set_model (self->grid, GTK_SELECTION_MODEL (selection));
  g_object_unref (selection);
  gtk_grid_view_set_factory (self->grid, factory);
  g_signal_connect (self->grid, "activate", G_CALLBACK (on_activate), self);
  g_signal_connect_swapped (self, "map", G_CALLBACK (refresh), self);
}

CsReferencePicker *
cs_reference_picker_new (const char  *device_selector,
                         CsPrecision  precision)
{
  CsReferencePicker *self = g_object_new (CS_TYPE_REFERENCE_PICKER, NULL);

  self->thumbnailer = cs_style_thumbnailer_new (device_selector, precision);
  cs_style_thumbnailer_set_height (self->thumbnailer, PICTURE_HEIGHT);
  g_signal_connect (self->thumbnailer, "reference-ready", G_CALLBACK (on_reference_ready), self);
  g_signal_connect (self->thumbnailer, "reference-failed", G_CALLBACK (on_reference_failed), self);
  g_signal_connect (self->thumbnailer, "thumbnail-ready", G_CALLBACK (on_original_ready), self);
  return self;
}

char *
cs_reference_picker_reference_label (CsStyle *style,
                                     guint    reference)
{
  const char *name;

  g_return_val_if_fail (CS_IS_STYLE (style), NULL);

  name = cs_style_get_reference_name (style, reference);
  if (name != NULL && *name != '\0')
    return g_strdup (name);
  /* TRANSLATORS: a style reference without a name, numbered from 1 */
  return g_strdup_printf (_("Reference %u"), reference + 1);
}

void
cs_reference_picker_set_style (CsReferencePicker *self,
                               CsStyle           *style)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  guint n;

  g_return_if_fail (CS_IS_REFERENCE_PICKER (self));
  g_return_if_fail (style == NULL || CS_IS_STYLE (style));

  if (style != NULL && !cs_style_is_vtoonify (style))
    style = NULL;
  if (self->style == style)
    return;
  g_set_object (&self->style, style);
  forget_pictures (self);
  g_clear_object (&self->current_picture);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CURRENT_PICTURE]);

  n = style != NULL ? cs_style_get_n_references (style) : 0;
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (names, cs_reference_picker_reference_label (style, i));
  g_ptr_array_add (names, NULL);
  if (style != NULL)
    {
      g_autofree char *subtitle = g_strdup_printf (_("Each artwork of “%s”, on the frame at the playhead"),
                                                   cs_style_get_name (style));

      gtk_label_set_text (self->subtitle, subtitle);
    }
  gtk_string_list_splice (self->names, 0, g_list_model_get_n_items (G_LIST_MODEL (self->names)),
                          (const char * const *) names->pdata);
  refresh (self);
}

CsStyle *
cs_reference_picker_get_style (CsReferencePicker *self)
{
  g_return_val_if_fail (CS_IS_REFERENCE_PICKER (self), NULL);
  return self->style;
}

void
cs_reference_picker_set_clip (CsReferencePicker *self,
                              const char        *path)
{
  g_return_if_fail (CS_IS_REFERENCE_PICKER (self));

  if (g_strcmp0 (self->clip, path) == 0)
    return;
  g_free (self->clip);
  self->clip = g_strdup (path);
  cs_style_thumbnailer_set_clip (self->thumbnailer, path);
  forget_pictures (self);
  refresh (self);
}

static gboolean
on_frame_settled (gpointer data)
{
  CsReferencePicker *self = data;

  self->frame_timeout = 0;
  if (self->frame != self->wanted_frame)
    {
      self->frame = self->wanted_frame;
      forget_pictures (self);
      refresh (self);
    }
  return G_SOURCE_REMOVE;
}

void
cs_reference_picker_set_frame (CsReferencePicker *self,
                               gint64             frame)
{
  g_return_if_fail (CS_IS_REFERENCE_PICKER (self));

  self->wanted_frame = frame;
  g_clear_handle_id (&self->frame_timeout, g_source_remove);
  if (frame != self->frame)
    self->frame_timeout = g_timeout_add (FRAME_SETTLE_MS, on_frame_settled, self);
}

gint64
cs_reference_picker_get_frame (CsReferencePicker *self)
{
  g_return_val_if_fail (CS_IS_REFERENCE_PICKER (self), 0);
  return self->frame;
}

void
cs_reference_picker_set_face (CsReferencePicker *self,
                              const CsFaceRect  *face)
{
  g_return_if_fail (CS_IS_REFERENCE_PICKER (self));

  if (face == NULL ? !self->has_face
                   : self->has_face && memcmp (face, &self->face, sizeof *face) == 0)
    return;
  self->has_face = face != NULL;
  if (face != NULL)
    self->face = *face;
  forget_pictures (self);
  refresh (self);
}

void
cs_reference_picker_set_reference (CsReferencePicker *self,
                                   guint              reference)
{
  g_return_if_fail (CS_IS_REFERENCE_PICKER (self));

  if (self->reference == reference)
    return;
  self->reference = reference;
  refresh (self);
}

guint
cs_reference_picker_get_reference (CsReferencePicker *self)
{
  g_return_val_if_fail (CS_IS_REFERENCE_PICKER (self), 0);
  return self->reference;
}

GListModel *
cs_reference_picker_get_model (CsReferencePicker *self)
{
  g_return_val_if_fail (CS_IS_REFERENCE_PICKER (self), NULL);
  return G_LIST_MODEL (self->names);
}

gboolean
cs_reference_picker_choose (CsReferencePicker *self,
                            guint              reference)
{
  g_return_val_if_fail (CS_IS_REFERENCE_PICKER (self), FALSE);

  if (self->style == NULL || reference >= cs_style_get_n_references (self->style))
    return FALSE;
  gtk_popover_popdown (GTK_POPOVER (self));
  g_signal_emit (self, signals[SIGNAL_REFERENCE_CHOSEN], 0, reference);
  return TRUE;
}

GdkPaintable *
cs_reference_picker_get_picture (CsReferencePicker *self,
                                 guint              reference)
{
  g_return_val_if_fail (CS_IS_REFERENCE_PICKER (self), NULL);
  return GDK_PAINTABLE (picture_for (self, reference));
}

GdkPaintable *
cs_reference_picker_get_current_picture (CsReferencePicker *self)
{
  g_return_val_if_fail (CS_IS_REFERENCE_PICKER (self), NULL);
  return GDK_PAINTABLE (self->current_picture);
}

guint
cs_reference_picker_get_n_waiting (CsReferencePicker *self)
{
  GHashTableIter iter;
  Card *card;
  guint n = 0;

  g_return_val_if_fail (CS_IS_REFERENCE_PICKER (self), 0);

  g_hash_table_iter_init (&iter, self->cards);
  while (g_hash_table_iter_next (&iter, (gpointer *) &card, NULL))
    if (gtk_widget_get_visible (card->spinner))
      n++;
  return n;
}
