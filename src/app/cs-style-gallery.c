/* cs-style-gallery.c: the styles, each shown on the frame under the playhead
 *
 * Tiles are recycled by the grid, so a tile knows its item only while it is
 * bound; the gallery keeps the set of bound tiles, and only those ask the
 * thumbnailer for pictures, last tile first, so that the tiles at the top
 * come first from its newest-first queue. Playhead moves are coalesced: a
 * scrub renders only where it rests.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "cs-onnx-import.h"
#include "cs-style-gallery.h"
#include "cs-style-thumbnailer.h"
#include "cs-styles.h"

/* How long the playhead must rest before the tiles follow it. */
#define FRAME_SETTLE_MS 150
/* Pictures are rendered this high and shown a little smaller, so they stay
 * sharp on a doubled scale without costing much on the CPU device. */
#define PICTURE_HEIGHT 128
#define TILE_WIDTH 184
#define TILE_PICTURE_HEIGHT 104

typedef struct {
  CsStyleGallery *self;
  GtkListItem    *list_item;
  GObject        *item;        /* while bound: a GtkStringObject or a CsStyle */
  GtkWidget      *picture;
  GtkWidget      *check;
  GtkWidget      *remove;
  GtkWidget      *spinner;
  GtkWidget      *name;
  GtkWidget      *authors;
  GtkWidget      *licence;
  gboolean        picture_current;  /* the picture is of the gallery's frame */
  gboolean        has_rendered;     /* the picture is of some frame, not the style's own */
} Tile;

struct _CsStyleGallery {
  AdwWindow           parent_instance;

  /* Template children. */
  AdwToastOverlay    *toast_overlay;
  AdwWindowTitle     *window_title;
  GtkWidget          *import_button;
  GtkRevealer        *missing_revealer;
  GtkLabel           *missing_label;
  GtkStack           *stack;
  GtkGridView        *grid;
  GtkRevealer        *progress_revealer;
  GtkLabel           *progress_label;
  GtkProgressBar     *progress_bar;

  CsStyleLibrary     *library;
  CsStyleThumbnailer *thumbnailer;
  GListStore         *originals;
  GListModel         *model;
  GHashTable         *tiles;           /* Tile* set, the bound ones */
  GHashTable         *textures;        /* thumbnail.png path → GdkTexture */
  GHashTable         *failed;          /* style keys that failed at this frame */

  CsProject          *project;
  gulong              project_handler;
  guint               segment;
  gint64              frame;
  guint               frame_timeout;

  gboolean            importing;
  GCancellable       *import_cancellable;
  guint               pulse_id;
};

G_DEFINE_FINAL_TYPE (CsStyleGallery, cs_style_gallery, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_IMPORTING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_BEFORE_EDIT,
  SIGNAL_IMPORT_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void refresh_pictures (CsStyleGallery *self);
static void update_current   (CsStyleGallery *self);

/* Helpers --------------------------------------------------------------------------------- */

static void
toast (CsStyleGallery *self,
       const char     *message)
{
  AdwToast *t = adw_toast_new (message);

  adw_toast_set_timeout (t, 5);
  adw_toast_overlay_add_toast (self->toast_overlay, t);
}

/* The item's style, or NULL for the original. */
static CsStyle *
item_style (GObject *item)
{
  return CS_IS_STYLE (item) ? CS_STYLE (item) : NULL;
}

static CsStyleRef *
segment_style (CsStyleGallery *self)
{
  CsTimeline *timeline;
  guint n;

  if (self->project == NULL)
    return NULL;
  timeline = cs_project_get_timeline (self->project);
  n = cs_timeline_get_n_segments (timeline);
  return cs_segment_get_style (cs_timeline_get_segment (timeline, MIN (self->segment, n - 1)));
}

static const char *
clip_path (CsStyleGallery *self)
{
  if (self->project == NULL)
    return NULL;
  return cs_source_clip_get_path (cs_project_get_source (self->project));
}

static gboolean
same_folder (const char *a,
             const char *b)
{
  g_autofree char *ca = NULL;
  g_autofree char *cb = NULL;

  if (a == NULL || b == NULL)
    return FALSE;
  ca = g_canonicalize_filename (a, NULL);
  cb = g_canonicalize_filename (b, NULL);
  return strcmp (ca, cb) == 0;
}

/* Tiles ------------------------------------------------------------------------------------- */

static Tile *
tile_at (CsStyleGallery *self,
         guint           position)
{
  GHashTableIter iter;
  Tile *tile;

  g_hash_table_iter_init (&iter, self->tiles);
  while (g_hash_table_iter_next (&iter, (gpointer *) &tile, NULL))
    if (gtk_list_item_get_position (tile->list_item) == position)
      return tile;
  return NULL;
}

static GdkTexture *
own_thumbnail (CsStyleGallery *self,
               CsStyle        *style)
{
  const char *path = style != NULL ? cs_style_get_thumbnail_path (style) : NULL;
  GdkTexture *texture;

  if (path == NULL)
    return NULL;
  texture = g_hash_table_lookup (self->textures, path);
  if (texture == NULL)
    {
      texture = gdk_texture_new_from_filename (path, NULL);
      if (texture == NULL)
        return NULL;
      g_hash_table_insert (self->textures, g_strdup (path), texture);
    }
  return texture;
}

static void
tile_set_pixels (Tile   *tile,
                 GBytes *pixels,
                 int     width,
                 int     height)
{
  g_autoptr(GdkTexture) texture =
    gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8A8, pixels, (gsize) width * 4);

  gtk_picture_set_paintable (GTK_PICTURE (tile->picture), GDK_PAINTABLE (texture));
  tile->picture_current = TRUE;
  tile->has_rendered = TRUE;
  gtk_spinner_stop (GTK_SPINNER (tile->spinner));
  gtk_widget_set_visible (tile->spinner, FALSE);
}

/* Shows what is at hand for the tile: the cached picture of the frame, else
 * the style's own thumbnail; TRUE when the frame's picture is still to come. */
static gboolean
tile_show_cached (CsStyleGallery *self,
                  Tile           *tile)
{
  CsStyle *style = item_style (tile->item);
  g_autoptr(GBytes) pixels = NULL;
  int width = 0, height = 0;
  gboolean waiting;

  if (clip_path (self) != NULL)
    pixels = cs_style_thumbnailer_lookup (self->thumbnailer, style, self->frame, &width, &height);
  if (pixels != NULL)
    {
      tile_set_pixels (tile, pixels, width, height);
      return FALSE;
    }
  tile->picture_current = FALSE;
  /* The last frame's picture is a better stand-in than the style's own
   * thumbnail while the playhead moves: no flicker. */
  if (!tile->has_rendered)
    gtk_picture_set_paintable (GTK_PICTURE (tile->picture), GDK_PAINTABLE (own_thumbnail (self, style)));
  waiting = clip_path (self) != NULL &&
            !g_hash_table_contains (self->failed, cs_style_thumbnailer_style_key (style));
  gtk_widget_set_visible (tile->spinner, waiting);
  if (waiting)
    gtk_spinner_start (GTK_SPINNER (tile->spinner));
  else
    gtk_spinner_stop (GTK_SPINNER (tile->spinner));
  return waiting;
}

static void
tile_update_current (CsStyleGallery *self,
                     Tile           *tile,
                     CsStyleRef     *current)
{
  CsStyle *style = item_style (tile->item);
  gboolean is_current = self->project != NULL &&
    (style == NULL ? current == NULL
                   : current != NULL && same_folder (cs_style_get_folder (style),
                                                     cs_style_ref_get_folder (current)));

  gtk_widget_set_visible (tile->check, is_current);
  if (is_current)
    gtk_widget_add_css_class (gtk_list_item_get_child (tile->list_item), "current");
  else
    gtk_widget_remove_css_class (gtk_list_item_get_child (tile->list_item), "current");
}

static void
on_remove_clicked (GtkButton *button,
                   Tile      *tile)
{
  CsStyle *style = item_style (tile->item);

  if (style != NULL)
    cs_style_gallery_confirm_remove (tile->self, style);
}

static void
tile_free (Tile *tile)
{
  g_free (tile);
}

static void
on_setup (GtkSignalListItemFactory *factory,
          GtkListItem              *list_item,
          CsStyleGallery           *self)
{
  Tile *tile = g_new0 (Tile, 1);
  GtkWidget *box, *overlay, *text;

  tile->self = self;
  tile->list_item = list_item;

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_add_css_class (box, "card");
  gtk_widget_add_css_class (box, "cs-style-tile");
  gtk_widget_set_overflow (box, GTK_OVERFLOW_HIDDEN);
  gtk_widget_set_size_request (box, TILE_WIDTH, -1);
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);

  overlay = gtk_overlay_new ();
  tile->picture = gtk_picture_new ();
  gtk_picture_set_content_fit (GTK_PICTURE (tile->picture), GTK_CONTENT_FIT_COVER);
  gtk_picture_set_can_shrink (GTK_PICTURE (tile->picture), TRUE);
  gtk_widget_set_size_request (tile->picture, TILE_WIDTH, TILE_PICTURE_HEIGHT);
  gtk_overlay_set_child (GTK_OVERLAY (overlay), tile->picture);

  tile->check = gtk_image_new_from_icon_name ("object-select-symbolic");
  gtk_widget_add_css_class (tile->check, "cs-style-check");
  gtk_widget_set_halign (tile->check, GTK_ALIGN_END);
  gtk_widget_set_valign (tile->check, GTK_ALIGN_START);
  gtk_widget_set_margin_top (tile->check, 6);
  gtk_widget_set_margin_end (tile->check, 6);
  gtk_image_set_pixel_size (GTK_IMAGE (tile->check), 16);
  gtk_widget_set_size_request (tile->check, 28, 28);
  gtk_widget_set_tooltip_text (tile->check, _("The segment’s style"));
  gtk_overlay_add_overlay (GTK_OVERLAY (overlay), tile->check);

  tile->remove = gtk_button_new_from_icon_name ("user-trash-symbolic");
  gtk_widget_add_css_class (tile->remove, "osd");
  gtk_widget_add_css_class (tile->remove, "circular");
  gtk_widget_set_halign (tile->remove, GTK_ALIGN_START);
  gtk_widget_set_valign (tile->remove, GTK_ALIGN_START);
  gtk_widget_set_margin_top (tile->remove, 6);
  gtk_widget_set_margin_start (tile->remove, 6);
  gtk_widget_set_tooltip_text (tile->remove, _("Remove the Style…"));
  g_signal_connect (tile->remove, "clicked", G_CALLBACK (on_remove_clicked), tile);
  gtk_overlay_add_overlay (GTK_OVERLAY (overlay), tile->remove);

  tile->spinner = gtk_spinner_new ();
  gtk_widget_set_halign (tile->spinner, GTK_ALIGN_END);
  gtk_widget_set_valign (tile->spinner, GTK_ALIGN_END);
  gtk_widget_set_margin_end (tile->spinner, 8);
  gtk_widget_set_margin_bottom (tile->spinner, 8);
  gtk_widget_set_tooltip_text (tile->spinner, _("Rendering this frame in the style"));
  gtk_overlay_add_overlay (GTK_OVERLAY (overlay), tile->spinner);
  gtk_box_append (GTK_BOX (box), overlay);

  text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_set_margin_start (text, 10);
  gtk_widget_set_margin_end (text, 10);
  gtk_widget_set_margin_top (text, 8);
  gtk_widget_set_margin_bottom (text, 10);
  tile->name = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (tile->name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (tile->name), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (tile->name, "heading");
  tile->authors = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (tile->authors), 0);
  gtk_label_set_ellipsize (GTK_LABEL (tile->authors), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (tile->authors, "caption");
  tile->licence = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (tile->licence), 0);
  gtk_label_set_ellipsize (GTK_LABEL (tile->licence), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (tile->licence, "caption");
  gtk_widget_add_css_class (tile->licence, "dim-label");
  gtk_box_append (GTK_BOX (text), tile->name);
  gtk_box_append (GTK_BOX (text), tile->authors);
  gtk_box_append (GTK_BOX (text), tile->licence);
  gtk_box_append (GTK_BOX (box), text);

  g_object_set_data_full (G_OBJECT (list_item), "cs-tile", tile, (GDestroyNotify) tile_free);
  gtk_list_item_set_child (list_item, box);
}

static void
on_bind (GtkSignalListItemFactory *factory,
         GtkListItem              *list_item,
         CsStyleGallery           *self)
{
  Tile *tile = g_object_get_data (G_OBJECT (list_item), "cs-tile");
  CsStyle *style;

  tile->item = gtk_list_item_get_item (list_item);
  tile->has_rendered = FALSE;
  style = item_style (tile->item);
  if (style != NULL)
    {
      const char * const *authors = cs_style_get_authors (style);
      g_autofree char *joined = g_strjoinv (", ", (char **) authors);
      g_autofree char *licence = g_strdup_printf (_("Licence: %s"), cs_style_get_licence (style));
      g_autofree char *tooltip = g_strdup_printf (_("%s\nSource: %s"), cs_style_get_name (style),
                                                  cs_style_get_source (style));

      gtk_label_set_text (GTK_LABEL (tile->name), cs_style_get_name (style));
      gtk_label_set_text (GTK_LABEL (tile->authors), *joined != '\0' ? joined : _("Author unknown"));
      gtk_label_set_text (GTK_LABEL (tile->licence), licence);
      gtk_widget_set_tooltip_text (gtk_list_item_get_child (list_item), tooltip);
      gtk_widget_set_visible (tile->remove, cs_style_gallery_can_remove (self, style));
    }
  else
    {
      gtk_label_set_text (GTK_LABEL (tile->name), _("Original"));
      gtk_label_set_text (GTK_LABEL (tile->authors), _("No style"));
      gtk_label_set_text (GTK_LABEL (tile->licence), _("The frames as they are"));
      gtk_widget_set_tooltip_text (gtk_list_item_get_child (list_item), _("Show the segment’s original frames"));
      gtk_widget_set_visible (tile->remove, FALSE);
    }
  g_hash_table_add (self->tiles, tile);
  tile_update_current (self, tile, segment_style (self));
  if (tile_show_cached (self, tile) && gtk_widget_get_mapped (GTK_WIDGET (self)))
    cs_style_thumbnailer_request (self->thumbnailer, style, self->frame);
}

static void
on_unbind (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           CsStyleGallery           *self)
{
  Tile *tile = g_object_get_data (G_OBJECT (list_item), "cs-tile");

  g_hash_table_remove (self->tiles, tile);
  tile->item = NULL;
  gtk_picture_set_paintable (GTK_PICTURE (tile->picture), NULL);
}

static void
on_teardown (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             CsStyleGallery           *self)
{
  Tile *tile = g_object_get_data (G_OBJECT (list_item), "cs-tile");

  if (tile != NULL)
    g_hash_table_remove (self->tiles, tile);
}

static gint
by_position_descending (gconstpointer a,
                        gconstpointer b)
{
  const Tile *ta = *(Tile * const *) a;
  const Tile *tb = *(Tile * const *) b;
  guint pa = gtk_list_item_get_position (ta->list_item);
  guint pb = gtk_list_item_get_position (tb->list_item);

  return pa < pb ? 1 : pa > pb ? -1 : 0;
}

static void
refresh_pictures (CsStyleGallery *self)
{
  g_autoptr(GPtrArray) tiles = g_ptr_array_new ();
  GHashTableIter iter;
  Tile *tile;

  g_clear_handle_id (&self->frame_timeout, g_source_remove);
  cs_style_thumbnailer_cancel_pending (self->thumbnailer);
  g_hash_table_remove_all (self->failed);

  g_hash_table_iter_init (&iter, self->tiles);
  while (g_hash_table_iter_next (&iter, (gpointer *) &tile, NULL))
    g_ptr_array_add (tiles, tile);
  /* The last asked comes first: ask for the top tiles last. */
  g_ptr_array_sort (tiles, by_position_descending);
  for (guint i = 0; i < tiles->len; i++)
    {
      tile = g_ptr_array_index (tiles, i);
      if (tile_show_cached (self, tile) && gtk_widget_get_mapped (GTK_WIDGET (self)))
        cs_style_thumbnailer_request (self->thumbnailer, item_style (tile->item), self->frame);
    }
}

static void
on_thumbnail_ready (CsStyleThumbnailer *thumbnailer,
                    const char         *key,
                    gint64              frame,
                    GBytes             *pixels,
                    int                 width,
                    int                 height,
                    CsStyleGallery     *self)
{
  GHashTableIter iter;
  Tile *tile;

  g_assert (CS_IS_STYLE_GALLERY (self));

  /* Older frames stay in the cache for when the playhead comes back. */
  if (frame != self->frame)
    return;
  g_hash_table_iter_init (&iter, self->tiles);
  while (g_hash_table_iter_next (&iter, (gpointer *) &tile, NULL))
    if (g_strcmp0 (cs_style_thumbnailer_style_key (item_style (tile->item)), key) == 0)
      tile_set_pixels (tile, pixels, width, height);
}

static void
on_thumbnail_failed (CsStyleThumbnailer *thumbnailer,
                     const char         *key,
                     gint64              frame,
                     const char         *message,
                     CsStyleGallery     *self)
{
  GHashTableIter iter;
  Tile *tile;

  g_assert (CS_IS_STYLE_GALLERY (self));

  if (frame != self->frame)
    return;
  g_hash_table_add (self->failed, g_strdup (key));
  g_hash_table_iter_init (&iter, self->tiles);
  while (g_hash_table_iter_next (&iter, (gpointer *) &tile, NULL))
    if (g_strcmp0 (cs_style_thumbnailer_style_key (item_style (tile->item)), key) == 0)
      {
        gtk_spinner_stop (GTK_SPINNER (tile->spinner));
        gtk_widget_set_visible (tile->spinner, FALSE);
        gtk_widget_set_tooltip_text (gtk_list_item_get_child (tile->list_item), message);
      }
  g_debug ("%s", message);
}

/* The segment and its style --------------------------------------------------------------- */

static void
update_current (CsStyleGallery *self)
{
  CsStyleRef *current = segment_style (self);
  GHashTableIter iter;
  Tile *tile;
  gboolean missing = FALSE;

  g_hash_table_iter_init (&iter, self->tiles);
  while (g_hash_table_iter_next (&iter, (gpointer *) &tile, NULL))
    tile_update_current (self, tile, current);

  if (current != NULL)
    {
      guint n = g_list_model_get_n_items (G_LIST_MODEL (self->library));

      missing = TRUE;
      for (guint i = 0; i < n && missing; i++)
        {
          g_autoptr(CsStyle) style = g_list_model_get_item (G_LIST_MODEL (self->library), i);

          missing = !same_folder (cs_style_get_folder (style), cs_style_ref_get_folder (current));
        }
      if (missing)
        {
          g_autofree char *text =
            g_strdup_printf (_("This segment’s style “%s” is missing: it was removed or moved from “%s”. "
                               "Choose another one, or import it again."),
                             cs_style_ref_get_name (current), cs_style_ref_get_folder (current));

          gtk_label_set_text (self->missing_label, text);
        }
    }
  gtk_revealer_set_reveal_child (self->missing_revealer, missing);

  if (self->project != NULL)
    {
      guint n = cs_project_get_n_segments (self->project);
      g_autofree char *subtitle = g_strdup_printf (_("For Segment %u of %u"), MIN (self->segment, n - 1) + 1, n);

      adw_window_title_set_subtitle (self->window_title, subtitle);
    }
  else
    adw_window_title_set_subtitle (self->window_title, NULL);
}

static void
on_project_items_changed (GListModel     *model,
                          guint           position,
                          guint           removed,
                          guint           added,
                          CsStyleGallery *self)
{
  update_current (self);
}

static void
on_library_changed (GListModel     *model,
                    guint           position,
                    guint           removed,
                    guint           added,
                    CsStyleGallery *self)
{
  /* A style imported again into a folder has a new thumbnail.png; bind
   * shows the new tiles, and the missing notice may have changed. */
  g_hash_table_remove_all (self->textures);
  update_current (self);
}

void
cs_style_gallery_set_project (CsStyleGallery *self,
                              CsProject      *project)
{
  g_return_if_fail (CS_IS_STYLE_GALLERY (self));
  g_return_if_fail (project == NULL || CS_IS_PROJECT (project));

  if (self->project == project)
    return;
  if (self->project != NULL)
    g_clear_signal_handler (&self->project_handler, self->project);
  g_set_object (&self->project, project);
  if (project != NULL)
    self->project_handler = g_signal_connect (project, "items-changed",
                                              G_CALLBACK (on_project_items_changed), self);
  cs_style_thumbnailer_set_clip (self->thumbnailer, clip_path (self));
  {
    GHashTableIter iter;
    Tile *tile;

    g_hash_table_iter_init (&iter, self->tiles);
    while (g_hash_table_iter_next (&iter, (gpointer *) &tile, NULL))
      tile->has_rendered = FALSE;
  }
  gtk_stack_set_visible_child_name (self->stack, project != NULL ? "styles" : "empty");
  update_current (self);
  refresh_pictures (self);
}

void
cs_style_gallery_set_segment (CsStyleGallery *self,
                              guint           index)
{
  g_return_if_fail (CS_IS_STYLE_GALLERY (self));

  if (self->segment == index)
    return;
  self->segment = index;
  update_current (self);
}

static gboolean
on_frame_settled (gpointer data)
{
  CsStyleGallery *self = data;

  self->frame_timeout = 0;
  refresh_pictures (self);
  return G_SOURCE_REMOVE;
}

void
cs_style_gallery_set_frame (CsStyleGallery *self,
                            gint64          frame)
{
  g_return_if_fail (CS_IS_STYLE_GALLERY (self));

  if (self->frame == frame)
    return;
  self->frame = frame;
  /* Nobody sees a hidden gallery: it catches up when shown. */
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;
  {
    GHashTableIter iter;
    Tile *tile;

    g_hash_table_iter_init (&iter, self->tiles);
    /* Stale at once, but the spinners wait for the playhead to rest:
     * playback would otherwise keep every tile spinning. */
    while (g_hash_table_iter_next (&iter, (gpointer *) &tile, NULL))
      tile->picture_current = FALSE;
  }
  g_clear_handle_id (&self->frame_timeout, g_source_remove);
  self->frame_timeout = g_timeout_add (FRAME_SETTLE_MS, on_frame_settled, self);
}

gint64
cs_style_gallery_get_frame (CsStyleGallery *self)
{
  g_return_val_if_fail (CS_IS_STYLE_GALLERY (self), 0);
  return self->frame;
}

GListModel *
cs_style_gallery_get_model (CsStyleGallery *self)
{
  g_return_val_if_fail (CS_IS_STYLE_GALLERY (self), NULL);
  return self->model;
}

gboolean
cs_style_gallery_choose (CsStyleGallery *self,
                         guint           position)
{
  g_autoptr(GObject) item = NULL;
  g_autoptr(CsStyleRef) ref = NULL;
  g_autoptr(GError) error = NULL;
  CsStyle *style;

  g_return_val_if_fail (CS_IS_STYLE_GALLERY (self), FALSE);

  if (self->project == NULL)
    return FALSE;
  item = g_list_model_get_item (self->model, position);
  if (item == NULL)
    return FALSE;
  style = item_style (item);
  if (style != NULL)
    ref = cs_style_ref_new (cs_style_get_id (style), cs_style_get_name (style), cs_style_get_folder (style));
  if (cs_style_ref_equal (ref, segment_style (self)))
    return TRUE;

  /* Lets the window close an edit group of its own first, so the style is
   * an undo step of its own. */
  g_signal_emit (self, signals[SIGNAL_BEFORE_EDIT], 0);
  if (!cs_project_set_style (self->project, MIN (self->segment, cs_project_get_n_segments (self->project) - 1),
                             ref, &error))
    {
      toast (self, error->message);
      return FALSE;
    }
  update_current (self);
  return TRUE;
}

static void
on_activate (GtkGridView    *grid,
             guint           position,
             CsStyleGallery *self)
{
  g_assert (CS_IS_STYLE_GALLERY (self));
  cs_style_gallery_choose (self, position);
}

GdkPaintable *
cs_style_gallery_get_picture (CsStyleGallery *self,
                              guint           position)
{
  Tile *tile;

  g_return_val_if_fail (CS_IS_STYLE_GALLERY (self), NULL);
  tile = tile_at (self, position);
  return tile != NULL ? gtk_picture_get_paintable (GTK_PICTURE (tile->picture)) : NULL;
}

gboolean
cs_style_gallery_is_picture_current (CsStyleGallery *self,
                                     guint           position)
{
  Tile *tile;

  g_return_val_if_fail (CS_IS_STYLE_GALLERY (self), FALSE);
  tile = tile_at (self, position);
  return tile != NULL && tile->picture_current;
}

/* Importing --------------------------------------------------------------------------------- */

typedef enum {
  IMPORT_CHECKPOINT,
  IMPORT_ONNX,
} ImportKind;

typedef struct {
  ImportKind  kind;
  char       *source;
  char       *dest;
  char       *id;
} ImportData;

static void
import_data_free (ImportData *data)
{
  g_free (data->source);
  g_free (data->dest);
  g_free (data->id);
  g_free (data);
}

/* A style id from a file name: what style.json accepts, unique in folder. */
static char *
unique_id (const char *folder,
           const char *basename)
{
  g_autofree char *stem = g_strdup (basename);
  char *dot = strrchr (stem, '.');
  g_autofree char *path = NULL;
  char *id;

  if (dot != NULL && dot != stem && g_ascii_strcasecmp (dot, ".onnx") == 0)
    *dot = '\0';
  for (char *p = stem; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-' && *p != '.')
      *p = '_';
  if (*stem == '\0' || *stem == '.')
    {
      g_free (stem);
      stem = g_strdup ("style");
    }
  id = g_strdup (stem);
  path = g_build_filename (folder, id, NULL);
  for (int n = 2; g_file_test (path, G_FILE_TEST_EXISTS) || g_file_test (path, G_FILE_TEST_IS_SYMLINK); n++)
    {
      g_free (id);
      g_free (path);
      id = g_strdup_printf ("%s-%d", stem, n);
      path = g_build_filename (folder, id, NULL);
    }
  return id;
}

static void
import_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ImportData *data = task_data;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (data->kind == IMPORT_CHECKPOINT)
    ok = cs_fst_import_with_options (data->source, data->dest, NULL, cancellable, &error);
  else
    ok = cs_onnx_style_import (data->source, data->dest, NULL, cancellable, &error);
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

static gboolean
pulse (gpointer data)
{
  CsStyleGallery *self = data;

  gtk_progress_bar_pulse (self->progress_bar);
  return G_SOURCE_CONTINUE;
}

static void
set_importing (CsStyleGallery *self,
               gboolean        importing,
               const char     *what)
{
  self->importing = importing;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "gallery.import-checkpoint", !importing);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "gallery.import-onnx", !importing);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "gallery.cancel-import", importing);
  if (importing)
    {
      g_autofree char *label = g_strdup_printf (_("Importing “%s”…"), what);

      gtk_label_set_text (self->progress_label, label);
      gtk_progress_bar_set_fraction (self->progress_bar, 0);
      if (self->pulse_id == 0)
        self->pulse_id = g_timeout_add (120, pulse, self);
    }
  else
    g_clear_handle_id (&self->pulse_id, g_source_remove);
  gtk_revealer_set_reveal_child (self->progress_revealer, importing);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IMPORTING]);
}

static void
show_refusal (CsStyleGallery *self,
              const char     *message)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Cannot Import the Style"), message);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "close");
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_import_done (GObject      *source_object,
                GAsyncResult *result,
                gpointer      user_data)
{
  CsStyleGallery *self = CS_STYLE_GALLERY (source_object);
  ImportData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  g_clear_object (&self->import_cancellable);
  set_importing (self, FALSE, NULL);
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      /* The engine's own cancellation error may surface from inside an
       * importer; either way the user stopped it. */
      if (g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))) &&
          !g_error_matches (error, CS_STYLE_ERROR, CS_STYLE_ERROR_CANCELLED))
        {
          g_clear_error (&error);
          g_set_error_literal (&error, CS_STYLE_ERROR, CS_STYLE_ERROR_CANCELLED, _("The import was cancelled"));
        }
      if (g_error_matches (error, CS_STYLE_ERROR, CS_STYLE_ERROR_CANCELLED))
        toast (self, _("Import stopped; nothing was added"));
      else
        show_refusal (self, error->message);
      g_signal_emit (self, signals[SIGNAL_IMPORT_FINISHED], 0, NULL, error);
      return;
    }

  /* The folder monitor would find it too, a moment later. */
  cs_style_library_reload (self->library);
  {
    CsStyle *style = cs_style_library_lookup (self->library, data->id);
    g_autofree char *message = g_strdup_printf (_("Imported “%s”"), style != NULL ? cs_style_get_name (style)
                                                                                  : data->id);

    toast (self, message);
  }
  g_signal_emit (self, signals[SIGNAL_IMPORT_FINISHED], 0, data->id, NULL);
}

void
cs_style_gallery_import (CsStyleGallery *self,
                         GFile          *file)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *basename = NULL;
  g_autofree char *lower = NULL;
  const char *folder;
  ImportData *data;
  GFileType type;

  g_return_if_fail (CS_IS_STYLE_GALLERY (self));
  g_return_if_fail (G_IS_FILE (file));

  path = g_file_get_path (file);
  if (self->importing)
    {
      toast (self, _("Another style is being imported; try again when it is done"));
      return;
    }
  type = g_file_query_file_type (file, G_FILE_QUERY_INFO_NONE, NULL);
  basename = g_file_get_basename (file);
  lower = g_ascii_strdown (basename, -1);
  if (path == NULL || type == G_FILE_TYPE_UNKNOWN)
    g_set_error (&error, CS_STYLE_ERROR, CS_STYLE_ERROR_NOT_FOUND,
                 _("“%s” cannot be read as a local file"), path != NULL ? path : basename);
  else if (type != G_FILE_TYPE_DIRECTORY && !g_str_has_suffix (lower, ".onnx"))
    g_set_error (&error, CS_STYLE_ERROR, CS_STYLE_ERROR_UNSUPPORTED,
                 _("“%s” is neither a fast-style-transfer checkpoint folder nor an ONNX model (.onnx)"),
                 path);
  if (error != NULL)
    {
      show_refusal (self, error->message);
      g_signal_emit (self, signals[SIGNAL_IMPORT_FINISHED], 0, NULL, error);
      return;
    }

  folder = cs_style_library_get_import_dir (self->library);
  data = g_new0 (ImportData, 1);
  data->kind = type == G_FILE_TYPE_DIRECTORY ? IMPORT_CHECKPOINT : IMPORT_ONNX;
  data->source = g_steal_pointer (&path);
  if (data->kind == IMPORT_ONNX)
    {
      g_autofree char *stem = cs_onnx_style_default_stem (data->source);

      data->id = unique_id (folder, stem);
    }
  else
    data->id = unique_id (folder, basename);
  data->dest = g_build_filename (folder, data->id, NULL);

  self->import_cancellable = g_cancellable_new ();
  set_importing (self, TRUE, basename);
  task = g_task_new (self, self->import_cancellable, on_import_done, NULL);
  g_task_set_source_tag (task, cs_style_gallery_import);
  g_task_set_task_data (task, data, (GDestroyNotify) import_data_free);
  /* The import's own cancellation check reports it; no early return. */
  g_task_set_check_cancellable (task, FALSE);
  g_task_run_in_thread (task, import_thread);
}

gboolean
cs_style_gallery_get_importing (CsStyleGallery *self)
{
  g_return_val_if_fail (CS_IS_STYLE_GALLERY (self), FALSE);
  return self->importing;
}

typedef void (*ChosenFunc) (CsStyleGallery *self,
                            GFile          *file);

#if GTK_CHECK_VERSION (4, 10, 0)
static void
on_file_dialog_done (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(CsStyleGallery) self = user_data;
  g_autoptr(GFile) file = NULL;

  if (g_object_get_data (source, "folder") != NULL)
    file = gtk_file_dialog_select_folder_finish (GTK_FILE_DIALOG (source), result, NULL);
  else
    file = gtk_file_dialog_open_finish (GTK_FILE_DIALOG (source), result, NULL);
  if (file != NULL)
    cs_style_gallery_import (self, file);
}
#else
static void
on_native_response (GtkNativeDialog *dialog,
                    int              response,
                    CsStyleGallery  *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      G_GNUC_BEGIN_IGNORE_DEPRECATIONS
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      G_GNUC_END_IGNORE_DEPRECATIONS

      if (file != NULL)
        cs_style_gallery_import (self, file);
    }
  g_object_unref (self);
  g_object_unref (dialog);
}
#endif

static void
choose_source (CsStyleGallery *self,
               gboolean        folder)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  const char *title = folder ? _("Import a Fast-Style-Transfer Checkpoint Folder")
                             : _("Import an ONNX Model");

  gtk_file_filter_set_name (filter, _("ONNX Models"));
  gtk_file_filter_add_pattern (filter, "*.onnx");
  gtk_file_filter_add_pattern (filter, "*.ONNX");

#if GTK_CHECK_VERSION (4, 10, 0)
  {
    g_autoptr(GtkFileDialog) dialog = gtk_file_dialog_new ();

    gtk_file_dialog_set_title (dialog, title);
    gtk_file_dialog_set_modal (dialog, TRUE);
    gtk_file_dialog_set_accept_label (dialog, _("_Import"));
    if (folder)
      {
        g_object_set_data (G_OBJECT (dialog), "folder", GINT_TO_POINTER (1));
        gtk_file_dialog_select_folder (dialog, GTK_WINDOW (self), NULL, on_file_dialog_done, g_object_ref (self));
      }
    else
      {
        g_autoptr(GListStore) filters = g_list_store_new (GTK_TYPE_FILE_FILTER);

        g_list_store_append (filters, filter);
        gtk_file_dialog_set_filters (dialog, G_LIST_MODEL (filters));
        gtk_file_dialog_open (dialog, GTK_WINDOW (self), NULL, on_file_dialog_done, g_object_ref (self));
      }
  }
#else
  {
    G_GNUC_BEGIN_IGNORE_DEPRECATIONS
    GtkFileChooserNative *dialog =
      gtk_file_chooser_native_new (title, GTK_WINDOW (self),
                                   folder ? GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER : GTK_FILE_CHOOSER_ACTION_OPEN,
                                   _("_Import"), _("_Cancel"));

    gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
    if (!folder)
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
    g_signal_connect (dialog, "response", G_CALLBACK (on_native_response), g_object_ref (self));
    gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
    G_GNUC_END_IGNORE_DEPRECATIONS
  }
#endif
}

static void
action_import (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  choose_source (CS_STYLE_GALLERY (widget), g_str_equal (action_name, "gallery.import-checkpoint"));
}

static void
action_cancel_import (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  CsStyleGallery *self = CS_STYLE_GALLERY (widget);

  if (self->import_cancellable != NULL)
    g_cancellable_cancel (self->import_cancellable);
}

/* Removing ---------------------------------------------------------------------------------- */

gboolean
cs_style_gallery_can_remove (CsStyleGallery *self,
                             CsStyle        *style)
{
  g_autofree char *parent = NULL;

  g_return_val_if_fail (CS_IS_STYLE_GALLERY (self), FALSE);
  g_return_val_if_fail (CS_IS_STYLE (style), FALSE);

  parent = g_path_get_dirname (cs_style_get_folder (style));
  return same_folder (parent, cs_style_library_get_import_dir (self->library));
}

/* Deletes what lies in path without following symbolic links: a link to a
 * folder elsewhere loses the link, never what it points to. */
static gboolean
delete_tree (GFile   *file,
             GError **error)
{
  GFileType type = g_file_query_file_type (file, G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL);

  if (type == G_FILE_TYPE_DIRECTORY)
    {
      g_autoptr(GFileEnumerator) children =
        g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                   G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, error);
      GFileInfo *info;
      GFile *child;

      if (children == NULL)
        return FALSE;
      while (g_file_enumerator_iterate (children, &info, &child, NULL, error) && info != NULL)
        if (!delete_tree (child, error))
          return FALSE;
      if (error != NULL && *error != NULL)
        return FALSE;
    }
  return g_file_delete (file, NULL, error);
}

gboolean
cs_style_gallery_remove_style (CsStyleGallery *self,
                               CsStyle        *style,
                               GError        **error)
{
  g_autoptr(GFile) moved = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *parent = NULL;
  g_autofree char *base = NULL;
  g_autofree char *aside = NULL;
  const char *folder;

  g_return_val_if_fail (CS_IS_STYLE_GALLERY (self), FALSE);
  g_return_val_if_fail (CS_IS_STYLE (style), FALSE);

  folder = cs_style_get_folder (style);
  if (!cs_style_gallery_can_remove (self, style))
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not in your style folder “%s”: it came with Celshade or from "
                     "$CELSHADE_STYLES_PATH, and can be removed only there"),
                   folder, cs_style_library_get_import_dir (self->library));
      return FALSE;
    }

  /* Out of the library's sight in one rename, so a failure halfway through
   * the deletion never leaves a half style in the gallery. */
  parent = g_path_get_dirname (folder);
  base = g_path_get_basename (folder);
  aside = g_strdup_printf ("%s/.%s.removing-%08x", parent, base, g_random_int ());
  if (g_rename (folder, aside) != 0)
    {
      int saved = errno;

      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_FAILED,
                   _("Cannot remove “%s”: %s"), folder, g_strerror (saved));
      return FALSE;
    }
  moved = g_file_new_for_path (aside);
  if (!delete_tree (moved, &local))
    g_warning ("The removed style's files stay in %s: %s", aside, local->message);
  cs_style_library_reload (self->library);
  return TRUE;
}

typedef struct {
  CsStyleGallery *self;
  CsStyle        *style;
} RemoveData;

static void
remove_data_free (gpointer  data,
                  GClosure *closure)
{
  RemoveData *rd = data;

  g_object_unref (rd->self);
  g_object_unref (rd->style);
  g_free (rd);
}

static void
on_remove_response (AdwMessageDialog *dialog,
                    const char       *response,
                    RemoveData       *data)
{
  g_autoptr(GError) error = NULL;

  /* Closing the dialog answers again with the close response: only the
   * first answer counts. */
  g_signal_handlers_disconnect_by_func (dialog, on_remove_response, data);

  if (g_strcmp0 (response, "remove") == 0)
    {
      g_autofree char *name = g_strdup (cs_style_get_name (data->style));

      if (cs_style_gallery_remove_style (data->self, data->style, &error))
        {
          g_autofree char *message = g_strdup_printf (_("Removed “%s”"), name);

          toast (data->self, message);
        }
      else
        toast (data->self, error->message);
    }
}

void
cs_style_gallery_confirm_remove (CsStyleGallery *self,
                                 CsStyle        *style)
{
  g_autofree char *heading = NULL;
  GtkWidget *dialog;
  RemoveData *data;

  g_return_if_fail (CS_IS_STYLE_GALLERY (self));
  g_return_if_fail (CS_IS_STYLE (style));

  heading = g_strdup_printf (_("Remove “%s”?"), cs_style_get_name (style));
  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading,
                                   _("Its files are deleted from your style folder. Segments that use it "
                                     "keep it by name and show it as missing until it is imported again."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "remove", _("_Remove"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  data = g_new0 (RemoveData, 1);
  data->self = g_object_ref (self);
  data->style = g_object_ref (style);
  g_signal_connect_data (dialog, "response", G_CALLBACK (on_remove_response), data, remove_data_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* The object -------------------------------------------------------------------------------- */

static void
on_map (GtkWidget      *widget,
        CsStyleGallery *self)
{
  refresh_pictures (self);
}

static void
on_unmap (GtkWidget      *widget,
          CsStyleGallery *self)
{
  g_clear_handle_id (&self->frame_timeout, g_source_remove);
  cs_style_thumbnailer_cancel_pending (self->thumbnailer);
}

static void
cs_style_gallery_dispose (GObject *object)
{
  CsStyleGallery *self = CS_STYLE_GALLERY (object);

  if (self->import_cancellable != NULL)
    g_cancellable_cancel (self->import_cancellable);
  g_clear_handle_id (&self->frame_timeout, g_source_remove);
  g_clear_handle_id (&self->pulse_id, g_source_remove);
  if (self->project != NULL)
    g_clear_signal_handler (&self->project_handler, self->project);
  g_clear_object (&self->project);
  if (self->thumbnailer != NULL)
    g_signal_handlers_disconnect_by_data (self->thumbnailer, self);
  g_clear_object (&self->thumbnailer);
  if (self->library != NULL)
    g_signal_handlers_disconnect_by_data (self->library, self);

  gtk_widget_dispose_template (GTK_WIDGET (self), CS_TYPE_STYLE_GALLERY);
  G_OBJECT_CLASS (cs_style_gallery_parent_class)->dispose (object);
}

static void
cs_style_gallery_finalize (GObject *object)
{
  CsStyleGallery *self = CS_STYLE_GALLERY (object);

  g_clear_object (&self->model);
  g_clear_object (&self->originals);
  g_clear_object (&self->library);
  g_clear_object (&self->import_cancellable);
  g_hash_table_unref (self->tiles);
  g_hash_table_unref (self->textures);
  g_hash_table_unref (self->failed);
  G_OBJECT_CLASS (cs_style_gallery_parent_class)->finalize (object);
}

static void
cs_style_gallery_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  CsStyleGallery *self = CS_STYLE_GALLERY (object);

  switch (prop_id)
    {
    case PROP_IMPORTING:
      g_value_set_boolean (value, self->importing);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* Tiles on the window's background, as cards, the segment's own outlined
 * in the accent colour. */
static const char gallery_css[] =
  "gridview.cs-style-grid { background: none; }\n"
  "gridview.cs-style-grid > child { padding: 0; border-radius: 12px; }\n"
  ".cs-style-tile.current { outline: 3px solid @accent_bg_color; outline-offset: -3px; }\n"
  ".cs-style-check { background-color: @accent_bg_color; color: @accent_fg_color; border-radius: 999px; }\n";

static void
cs_style_gallery_class_init (CsStyleGalleryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cs_style_gallery_dispose;
  object_class->finalize = cs_style_gallery_finalize;
  object_class->get_property = cs_style_gallery_get_property;

  /* TRUE while a style is being imported. */
  properties[PROP_IMPORTING] =
    g_param_spec_boolean ("importing", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * CsStyleGallery::before-edit:
   *
   * Emitted just before the gallery changes the project.
   */
  signals[SIGNAL_BEFORE_EDIT] =
    g_signal_new ("before-edit", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * CsStyleGallery::import-finished:
   * @id: the new style's id, or NULL
   * @error: why nothing was imported, or NULL
   */
  signals[SIGNAL_IMPORT_FINISHED] =
    g_signal_new ("import-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_ERROR);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/celshade/Celshade/cs-style-gallery.ui");
  gtk_widget_class_bind_template_child (widget_class, CsStyleGallery, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, CsStyleGallery, window_title);
  gtk_widget_class_bind_template_child (widget_class, CsStyleGallery, import_button);
  gtk_widget_class_bind_template_child (widget_class, CsStyleGallery, missing_revealer);
  gtk_widget_class_bind_template_child (widget_class, CsStyleGallery, missing_label);
  gtk_widget_class_bind_template_child (widget_class, CsStyleGallery, stack);
  gtk_widget_class_bind_template_child (widget_class, CsStyleGallery, grid);
  gtk_widget_class_bind_template_child (widget_class, CsStyleGallery, progress_revealer);
  gtk_widget_class_bind_template_child (widget_class, CsStyleGallery, progress_label);
  gtk_widget_class_bind_template_child (widget_class, CsStyleGallery, progress_bar);

  gtk_widget_class_install_action (widget_class, "gallery.import-checkpoint", NULL, action_import);
  gtk_widget_class_install_action (widget_class, "gallery.import-onnx", NULL, action_import);
  gtk_widget_class_install_action (widget_class, "gallery.cancel-import", NULL, action_cancel_import);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
cs_style_gallery_init (CsStyleGallery *self)
{
  static gsize css_loaded;

  if (g_once_init_enter (&css_loaded))
    {
      g_autoptr(GtkCssProvider) provider = gtk_css_provider_new ();

#if GTK_CHECK_VERSION (4, 12, 0)
      gtk_css_provider_load_from_string (provider, gallery_css);
#else
      gtk_css_provider_load_from_data (provider, gallery_css, -1);
#endif
      gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (provider),
                                                  GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
      g_once_init_leave (&css_loaded, 1);
    }
  gtk_widget_init_template (GTK_WIDGET (self));

  self->tiles = g_hash_table_new (NULL, NULL);
  self->textures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->failed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->originals = g_list_store_new (G_TYPE_OBJECT);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "gallery.cancel-import", FALSE);
  gtk_stack_set_visible_child_name (self->stack, "empty");
  g_signal_connect (self, "map", G_CALLBACK (on_map), self);
  g_signal_connect (self, "unmap", G_CALLBACK (on_unmap), self);
}

CsStyleGallery *
cs_style_gallery_new (CsStyleLibrary *library,
                      const char     *device_selector,
                      CsPrecision     precision)
{
  CsStyleGallery *self;
  g_autoptr(GtkStringObject) original = NULL;
  g_autoptr(GListStore) parts = NULL;
  g_autoptr(GtkListItemFactory) factory = NULL;
  GtkNoSelection *selection;

  g_return_val_if_fail (CS_IS_STYLE_LIBRARY (library), NULL);

  self = g_object_new (CS_TYPE_STYLE_GALLERY, NULL);
  self->library = g_object_ref (library);
  self->thumbnailer = cs_style_thumbnailer_new (device_selector, precision);
  cs_style_thumbnailer_set_height (self->thumbnailer, PICTURE_HEIGHT);
  g_signal_connect (self->thumbnailer, "thumbnail-ready", G_CALLBACK (on_thumbnail_ready), self);
  g_signal_connect (self->thumbnailer, "thumbnail-failed", G_CALLBACK (on_thumbnail_failed), self);

  original = gtk_string_object_new ("original");
  g_list_store_append (self->originals, original);
  parts = g_list_store_new (G_TYPE_LIST_MODEL);
  g_list_store_append (parts, self->originals);
  g_list_store_append (parts, library);
  self->model = G_LIST_MODEL (gtk_flatten_list_model_new (G_LIST_MODEL (g_steal_pointer (&parts))));
  g_signal_connect (library, "items-changed", G_CALLBACK (on_library_changed), self);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (on_setup), self);
  g_signal_connect (factory, "bind", G_CALLBACK (on_bind), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (on_unbind), self);
  g_signal_connect (factory, "teardown", G_CALLBACK (on_teardown), self);
  selection = gtk_no_selection_new (g_object_ref (self->model));
  gtk_grid_view_set_model (self->grid, GTK_SELECTION_MODEL (selection));
  g_object_unref (selection);
  gtk_grid_view_set_factory (self->grid, factory);
  g_signal_connect (self->grid, "activate", G_CALLBACK (on_activate), self);
  return self;
}
