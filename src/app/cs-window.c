/* cs-window.c: an editor window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "cs-application.h"
#include "cs-export-button.h"
#include "cs-export-dialog.h"
#include "cs-media.h"
#include "cs-preview-view.h"
#include "cs-reference-picker.h"
#include "cs-render.h"
#include "cs-style-gallery.h"
#include "cs-timeline-view.h"
#include "cs-window.h"

/* The height of the timeline's thumbnails, in pixels (twice the strip's
 * height, so they stay sharp on a doubled scale). */
#define THUMBNAIL_HEIGHT 80
/* Edits of one control closer together than this undo as one step. */
#define EDIT_GROUP_MS 600
/* Recent projects on the welcome page. */
#define MAX_RECENT 5

typedef enum {
  BANNER_NONE,
  BANNER_DEVICE,
  BANNER_SOURCE,
} BannerKind;

struct _CsWindow {
  AdwApplicationWindow parent_instance;

  /* Template children. */
  AdwToastOverlay  *toast_overlay;
  AdwWindowTitle   *window_title;
  GtkWidget        *save_button;
  GtkWidget        *export_button;
  CsExportButton   *export_progress;
  GtkWidget        *panel_button;
  GtkRevealer      *banner_revealer;
  GtkLabel         *banner_label;
  GtkButton        *banner_button;
  GtkStack         *main_stack;
  GtkWidget        *recent_box;
  GtkListBox       *recent_list;
  GtkSpinner       *loading_spinner;
  GtkLabel         *loading_label;
  AdwFlap          *flap;
  CsPreviewView    *preview_view;
  GtkSpinner       *preview_spinner;
  GtkLabel         *time_label;
  GtkLabel         *duration_label;
  GtkLabel         *rate_label;
  GtkButton        *play_button;
  GtkWidget        *skip_start_button;
  GtkWidget        *previous_button;
  GtkWidget        *next_button;
  GtkWidget        *skip_end_button;
  GtkToggleButton  *mode_styled;
  GtkToggleButton  *mode_split;
  GtkToggleButton  *mode_original;
  CsTimelineView   *timeline_view;
  AdwPreferencesGroup *segment_group;
  AdwComboRow      *style_row;
  GtkAdjustment    *degree_adjustment;
  GtkWidget        *degree_row;
  GtkWidget        *crossfade_row;
  GtkAdjustment    *crossfade_adjustment;
  GtkWidget        *stability_row;
  GtkAdjustment    *stability_adjustment;
  AdwActionRow     *reference_row;
  GtkMenuButton    *reference_button;
  GtkPicture       *reference_picture;
  AdwActionRow     *face_row;
  GtkToggleButton  *face_edit_button;
  GtkWidget        *face_reset_button;

  GSettings        *settings;
  CsExportJob      *export_job;      /* the last export started here */
  CsStyleLibrary   *styles;
  CsStyleGallery   *gallery;         /* made when first shown */
  CsReferencePicker *reference_picker;
  CsProject        *project;
  CsPreview        *preview;
  GCancellable     *cancellable;
  gboolean          loading;
  BannerKind        banner;

  /* The style row's choices: index 0 is "Original", then one per style. */
  GtkStringList    *style_names;
  GPtrArray        *style_refs;      /* CsStyleRef, NULL for index 0 */
  gboolean          updating_panel;

  /* A group of edits from one control, closed after a pause. */
  guint             group_timeout;

  /* The frame asked of the preview, and what it showed last. */
  gint64            requested;
  gboolean          requested_quick;

  /* Playback. */
  gboolean          playing;
  double            speed;           /* frames of clip per frame of time, signed */
  gint64            play_origin_frame;
  gint64            play_origin_us;
  guint             tick_id;
  GtkMediaStream   *audio;
  gboolean          audio_clock;
  int               rate_num;
  int               rate_den;

  /* Thumbnails of the timeline's strip. */
  CsDecoder        *thumb_decoder;
  GThreadPool      *thumb_pool;
  GHashTable       *thumbs;          /* bucket frame → GdkTexture */
  GHashTable       *thumbs_pending;  /* bucket frame set */
  guint             thumbs_changed_id;
  guint             thumb_serial;

  gulong            project_handlers[4];
  guint             autosave_id;
  char             *preview_mode;
  guint             fold_idle;
};

G_DEFINE_FINAL_TYPE (CsWindow, cs_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_LOADING,
  PROP_PREVIEW_MODE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void set_project          (CsWindow  *self,
                                  CsProject *project,
                                  CsDecoder *decoder);
static void update_panel         (CsWindow  *self);
static void update_vtoonify_rows (CsWindow   *self,
                                  CsSegment  *segment,
                                  CsStyleRef *ref);
static void update_actions       (CsWindow  *self);
static void request_frame        (CsWindow  *self,
                                  gint64     frame,
                                  gboolean   quick);
static void stop_playback        (CsWindow  *self);
static void open_audio           (CsWindow  *self);

/* Helpers ------------------------------------------------------------------------------- */

void
cs_window_toast (CsWindow   *self,
                 const char *message)
{
  AdwToast *toast = adw_toast_new (message);

  adw_toast_set_timeout (toast, 6);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static char *
format_time (gint64 frame,
             int    num,
             int    den)
{
  double seconds = num > 0 ? (double) frame * den / num : 0;
  int minutes = (int) (seconds / 60);
  double rest = seconds - minutes * 60;
  int hours = minutes / 60;

  if (hours > 0)
    return g_strdup_printf ("%d:%02d:%05.2f", hours, minutes % 60, rest);
  return g_strdup_printf ("%02d:%05.2f", minutes, rest);
}

static gint64
get_playhead (CsWindow *self)
{
  return cs_timeline_view_get_playhead (self->timeline_view);
}

static double
frame_rate (CsWindow *self)
{
  return self->rate_den > 0 ? (double) self->rate_num / self->rate_den : 25.0;
}

/* Closes the group of edits a control opened, so that what comes next is
 * its own undo step. */
static void
flush_edit_group (CsWindow *self)
{
  if (self->group_timeout == 0)
    return;
  g_clear_handle_id (&self->group_timeout, g_source_remove);
  if (self->project != NULL)
    cs_project_end_group (self->project);
}

static gboolean
on_group_timeout (gpointer data)
{
  CsWindow *self = data;

  self->group_timeout = 0;
  if (self->project != NULL)
    cs_project_end_group (self->project);
  return G_SOURCE_REMOVE;
}

/* Opens (or prolongs) a group of edits named label. */
static void
begin_edit_group (CsWindow   *self,
                  const char *label)
{
  if (self->group_timeout != 0)
    g_source_remove (self->group_timeout);
  else
    cs_project_begin_group (self->project, label);
  self->group_timeout = g_timeout_add (EDIT_GROUP_MS, on_group_timeout, self);
}

/* Banner -------------------------------------------------------------------------------- */

static void
show_banner (CsWindow   *self,
             BannerKind  kind,
             const char *message,
             const char *button)
{
  self->banner = kind;
  gtk_label_set_label (self->banner_label, message);
  gtk_button_set_label (self->banner_button, button);
  gtk_widget_set_visible (GTK_WIDGET (self->banner_button), button != NULL);
  gtk_revealer_set_reveal_child (self->banner_revealer, TRUE);
}

static void
hide_banner (CsWindow   *self,
             BannerKind  kind)
{
  if (self->banner != kind)
    return;
  self->banner = BANNER_NONE;
  gtk_revealer_set_reveal_child (self->banner_revealer, FALSE);
}

static void relink_source (CsWindow *self);

static void
on_banner_button_clicked (CsWindow *self)
{
  switch (self->banner)
    {
    case BANNER_DEVICE:
      hide_banner (self, BANNER_DEVICE);
      gtk_widget_activate_action (GTK_WIDGET (self), "app.preferences", NULL);
      break;
    case BANNER_SOURCE:
      relink_source (self);
      break;
    case BANNER_NONE:
    default:
      break;
    }
}

/* The preview ----------------------------------------------------------------------------- */

static void
on_frame_ready (CsPreview      *preview,
                CsPreviewFrame *frame,
                CsWindow       *self)
{
  gint64 index = cs_preview_frame_get_index (frame);
  CsPreviewFrame *shown = cs_preview_view_get_frame (self->preview_view);

  g_debug ("preview: frame %" G_GINT64_FORMAT "%s in %.0f ms", index,
           cs_preview_frame_is_proxy (frame) ? " (proxy)" : "",
           cs_preview_frame_get_render_time (frame) * 1000);

  /* A proxy never replaces the full frame of the same index. */
  if (shown != NULL && cs_preview_frame_get_index (shown) == index &&
      !cs_preview_frame_is_proxy (shown) && cs_preview_frame_is_proxy (frame))
    return;
  cs_preview_view_set_frame (self->preview_view, frame);
}

static void
on_preview_busy (CsPreview  *preview,
                 GParamSpec *pspec,
                 CsWindow   *self)
{
  gboolean busy = cs_preview_get_busy (preview) && !self->playing;

  gtk_spinner_set_spinning (self->preview_spinner, busy);
  gtk_widget_set_visible (GTK_WIDGET (self->preview_spinner), busy);
}

static void
on_preview_error (CsPreview *preview,
                  GError    *error,
                  CsWindow  *self)
{
  g_debug ("preview: %s", error->message);
  cs_window_toast (self, error->message);
}

static void
on_device_name (CsPreview  *preview,
                GParamSpec *pspec,
                CsWindow   *self)
{
  g_autofree char *wanted = g_settings_get_string (self->settings, "device");
  g_autoptr(GPtrArray) devices = NULL;
  const char *name = cs_preview_get_device_name (preview);
  gboolean gpu_exists = FALSE;
  gboolean on_cpu;

  if (name == NULL)
    return;
  devices = cs_device_list (NULL);
  for (guint i = 0; devices != NULL && i < devices->len; i++)
    {
      CsDeviceInfo *info = g_ptr_array_index (devices, i);

      if (g_strcmp0 (info->type, "cpu") != 0)
        gpu_exists = TRUE;
    }
  on_cpu = strstr (name, "llvmpipe") != NULL || strstr (name, "lavapipe") != NULL;
  if (on_cpu && (gpu_exists || *wanted != '\0'))
    show_banner (self, BANNER_DEVICE,
                 _("The chosen GPU could not be used: styles run on the CPU (lavapipe), which is slower"),
                 _("_Preferences"));
}

static void
request_frame (CsWindow *self,
               gint64    frame,
               gboolean  quick)
{
  if (self->project == NULL)
    return;
  if (frame == self->requested && quick == self->requested_quick)
    return;
  self->requested = frame;
  self->requested_quick = quick;
  g_debug ("preview: asking for frame %" G_GINT64_FORMAT "%s", frame, quick ? " (quick)" : "");
  cs_preview_request (self->preview, frame, quick);
}

static void
update_time_label (CsWindow *self)
{
  g_autofree char *now = format_time (get_playhead (self), self->rate_num, self->rate_den);

  gtk_label_set_label (self->time_label, now);
}

static void
on_playhead_changed (CsTimelineView *view,
                     GParamSpec     *pspec,
                     CsWindow       *self)
{
  update_time_label (self);
  update_panel (self);
  if (!self->playing)
    request_frame (self, get_playhead (self), cs_timeline_view_get_scrubbing (view));
}

static void
on_scrubbing_changed (CsTimelineView *view,
                      GParamSpec     *pspec,
                      CsWindow       *self)
{
  if (cs_timeline_view_get_scrubbing (view))
    stop_playback (self);
  else
    request_frame (self, get_playhead (self), FALSE);
}

static void
on_selected_segment_changed (CsTimelineView *view,
                             GParamSpec     *pspec,
                             CsWindow       *self)
{
  update_panel (self);
}

/* Thumbnails of the strip ------------------------------------------------------------------ */

typedef struct {
  CsWindow *self;     /* a reference */
  guint     serial;
  gint64    frame;
  GBytes   *pixels;
  int       width;
} Thumb;

static void
thumb_free (Thumb *thumb)
{
  g_object_unref (thumb->self);
  g_clear_pointer (&thumb->pixels, g_bytes_unref);
  g_free (thumb);
}

static gboolean
on_thumbs_changed (gpointer data)
{
  CsWindow *self = data;

  self->thumbs_changed_id = 0;
  cs_timeline_view_thumbnails_changed (self->timeline_view);
  return G_SOURCE_REMOVE;
}

static gboolean
thumb_deliver (gpointer data)
{
  Thumb *thumb = data;
  CsWindow *self = thumb->self;

  if (thumb->serial != self->thumb_serial || self->thumbs == NULL)
    return G_SOURCE_REMOVE;
  g_hash_table_remove (self->thumbs_pending, &thumb->frame);
  if (thumb->pixels != NULL)
    {
      gint64 *key = g_new (gint64, 1);

      *key = thumb->frame;
      g_hash_table_insert (self->thumbs, key,
                           gdk_memory_texture_new (thumb->width, THUMBNAIL_HEIGHT,
                                                   GDK_MEMORY_R8G8B8A8, thumb->pixels,
                                                   (gsize) thumb->width * 4));
      /* One redraw for a burst of thumbnails. */
      if (self->thumbs_changed_id == 0)
        self->thumbs_changed_id = g_timeout_add (100, on_thumbs_changed, self);
    }
  return G_SOURCE_REMOVE;
}

static void
thumb_work (gpointer data,
            gpointer pool_data)
{
  Thumb *thumb = data;
  CsDecoder *decoder = pool_data;
  static GPrivate lowered;
  GSource *source;

  if (g_private_get (&lowered) == NULL)
    {
      cs_preview_lower_thread_priority ();
      g_private_set (&lowered, GINT_TO_POINTER (1));
    }

  if (thumb->serial == (guint) g_atomic_int_get (&thumb->self->thumb_serial))
    thumb->pixels = cs_decoder_get_thumbnail (decoder, thumb->frame, THUMBNAIL_HEIGHT,
                                              &thumb->width, NULL, NULL);
  source = g_idle_source_new ();
  g_source_set_callback (source, thumb_deliver, thumb, (GDestroyNotify) thumb_free);
  g_source_attach (source, NULL);
  g_source_unref (source);
}

/* The strip asks for any frame; thumbnails are made for a grid of frames
 * (about two a second) so that zooming reuses them. */
static GdkTexture *
get_thumbnail (gint64   frame,
               gpointer user_data)
{
  CsWindow *self = user_data;
  gint64 step = MAX (1, (gint64) round (frame_rate (self) / 2));
  gint64 bucket = frame / step * step;
  GdkTexture *texture;

  if (self->thumbs == NULL || self->thumb_pool == NULL)
    return NULL;
  texture = g_hash_table_lookup (self->thumbs, &bucket);
  if (texture != NULL)
    return g_object_ref (texture);

  if (!g_hash_table_contains (self->thumbs_pending, &bucket))
    {
      Thumb *thumb = g_new0 (Thumb, 1);
      gint64 *key = g_new (gint64, 1);

      *key = bucket;
      g_hash_table_add (self->thumbs_pending, key);
      thumb->self = g_object_ref (self);
      thumb->serial = self->thumb_serial;
      thumb->frame = bucket;
      g_thread_pool_push (self->thumb_pool, thumb, NULL);
    }

  /* Meanwhile the nearest thumbnail made so far, if any is close. */
  for (gint64 d = step; d <= 8 * step; d += step)
    {
      gint64 near[2] = { bucket - d, bucket + d };

      for (int i = 0; i < 2; i++)
        if ((texture = g_hash_table_lookup (self->thumbs, &near[i])) != NULL)
          return g_object_ref (texture);
    }
  return NULL;
}

static void
stop_thumbnails (CsWindow *self)
{
  g_atomic_int_inc (&self->thumb_serial);
  if (self->thumb_pool != NULL)
    {
      /* Queued work is dropped; the running one finishes. */
      g_thread_pool_free (self->thumb_pool, TRUE, TRUE);
      self->thumb_pool = NULL;
    }
  g_clear_object (&self->thumb_decoder);
  g_clear_pointer (&self->thumbs, g_hash_table_unref);
  g_clear_pointer (&self->thumbs_pending, g_hash_table_unref);
  g_clear_handle_id (&self->thumbs_changed_id, g_source_remove);
}

static void
start_thumbnails (CsWindow  *self,
                  CsDecoder *decoder)
{
  stop_thumbnails (self);
  if (decoder == NULL)
    return;
  self->thumb_decoder = g_object_ref (decoder);
  self->thumbs = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);
  self->thumbs_pending = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->thumb_pool = g_thread_pool_new (thumb_work, self->thumb_decoder, 1, TRUE, NULL);
}

/* The segment panel ----------------------------------------------------------------------- */

static guint
selected_segment (CsWindow *self)
{
  return cs_timeline_view_get_selected_segment (self->timeline_view);
}

static void
rebuild_style_choices (CsWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->styles));
  const char *first = _("None (Original Frames)");
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_set_size (self->style_refs, 0);
  g_ptr_array_add (self->style_refs, NULL);
  g_ptr_array_add (names, g_strdup (first));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CsStyle) style = g_list_model_get_item (G_LIST_MODEL (self->styles), i);

      g_ptr_array_add (self->style_refs,
                       cs_style_ref_new (cs_style_get_id (style), cs_style_get_name (style),
                                         cs_style_get_folder (style)));
      g_ptr_array_add (names, g_strdup (cs_style_get_name (style)));
    }
  /* A style the project uses but the library lacks stays choosable, marked. */
  if (self->project != NULL)
    {
      CsTimeline *timeline = cs_project_get_timeline (self->project);

      for (guint s = 0; s < cs_timeline_get_n_segments (timeline); s++)
        {
          CsStyleRef *ref = cs_segment_get_style (cs_timeline_get_segment (timeline, s));
          gboolean found = ref == NULL;

          for (guint i = 1; i < self->style_refs->len && !found; i++)
            found = g_strcmp0 (cs_style_ref_get_folder (ref),
                               cs_style_ref_get_folder (g_ptr_array_index (self->style_refs, i))) == 0;
          if (!found)
            {
              g_ptr_array_add (self->style_refs, cs_style_ref_ref (ref));
              g_ptr_array_add (names, g_strdup_printf (_("%s (missing)"), cs_style_ref_get_name (ref)));
            }
        }
    }
  g_ptr_array_add (names, NULL);

  self->updating_panel = TRUE;
  gtk_string_list_splice (self->style_names, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->style_names)),
                          (const char * const *) names->pdata);
  self->updating_panel = FALSE;
}

/* The gallery follows the selected segment and the playhead. */
static void
sync_gallery (CsWindow *self)
{
  if (self->gallery == NULL)
    return;
  cs_style_gallery_set_project (self->gallery, self->project);
  cs_style_gallery_set_segment (self->gallery, selected_segment (self));
  cs_style_gallery_set_frame (self->gallery, get_playhead (self));
}

static void
action_style_gallery (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  CsWindow *self = CS_WINDOW (widget);

  if (self->gallery == NULL)
    {
      g_autofree char *device = g_settings_get_string (self->settings, "device");

      self->gallery = cs_style_gallery_new (self->styles, device,
                                            g_settings_get_boolean (self->settings, "fp16")
                                            ? CS_PRECISION_AUTO : CS_PRECISION_FP32);
      gtk_window_set_transient_for (GTK_WINDOW (self->gallery), GTK_WINDOW (self));
      g_signal_connect_swapped (self->gallery, "before-edit", G_CALLBACK (flush_edit_group), self);
    }
  sync_gallery (self);
  gtk_window_present (GTK_WINDOW (self->gallery));
}

/* The library's VToonify-D style ref names, or NULL (another kind of
 * style, or one missing from the library). Transfer none. */
static CsStyle *
vtoonify_style (CsWindow   *self,
                CsStyleRef *ref)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->styles));

  if (ref == NULL)
    return NULL;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CsStyle) style = g_list_model_get_item (G_LIST_MODEL (self->styles), i);

      if (g_strcmp0 (cs_style_get_folder (style), cs_style_ref_get_folder (ref)) == 0)
        return cs_style_is_vtoonify (style) ? style : NULL;
    }
  return NULL;
}

/* The reference and face rows, shown for VToonify-D segments only; the
 * picker and the preview's face rectangle follow the segment. */
static void
update_vtoonify_rows (CsWindow   *self,
                      CsSegment  *segment,
                      CsStyleRef *ref)
{
  CsStyle *style = vtoonify_style (self, ref);
  CsSourceClip *source = cs_project_get_source (self->project);
  CsFaceRect face;
  gboolean has_face;
  guint reference;

  gtk_widget_set_visible (GTK_WIDGET (self->reference_row), style != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->face_row), style != NULL);
  /* VToonify-D is trained to be steady on video; its frames are not
   * stabilized further, so the setting would do nothing. */
  gtk_widget_set_visible (self->stability_row, style == NULL);
  cs_reference_picker_set_style (self->reference_picker, style);
  if (style == NULL)
    {
      gtk_toggle_button_set_active (self->face_edit_button, FALSE);
      return;
    }

  reference = cs_segment_get_reference (segment);
  has_face = cs_segment_get_face (segment, &face);
  cs_reference_picker_set_clip (self->reference_picker, cs_source_clip_get_path (source));
  cs_reference_picker_set_frame (self->reference_picker, get_playhead (self));
  cs_reference_picker_set_face (self->reference_picker, has_face ? &face : NULL);
  cs_reference_picker_set_reference (self->reference_picker, reference);
  if (reference < cs_style_get_n_references (style))
    {
      g_autofree char *label = cs_reference_picker_reference_label (style, reference);

      adw_action_row_set_subtitle (self->reference_row, label);
    }
  else
    {
      /* A project made with a style that had more references. */
      g_autofree char *label = g_strdup_printf (_("Reference %u (missing)"), reference + 1);

      adw_action_row_set_subtitle (self->reference_row, label);
    }

  cs_preview_view_set_source_size (self->preview_view, cs_source_clip_get_width (source),
                                   cs_source_clip_get_height (source));
  cs_preview_view_set_face (self->preview_view, has_face ? &face : NULL);
  gtk_widget_set_sensitive (self->face_reset_button, has_face);
  if (gtk_toggle_button_get_active (self->face_edit_button))
    adw_action_row_set_subtitle (self->face_row, _("Drag it on the preview; Escape ends"));
  else if (has_face)
    {
      /* TRANSLATORS: the face area's position and size, in pixels */
      g_autofree char *where = g_strdup_printf (_("%d × %d at %d, %d"), face.width, face.height,
                                                face.x, face.y);

      adw_action_row_set_subtitle (self->face_row, where);
    }
  else
    adw_action_row_set_subtitle (self->face_row, _("Centred square"));
}

/* The row's picture takes no room until there is one. */
static gboolean
picture_is_set (GBinding     *binding,
                const GValue *from,
                GValue       *to,
                gpointer      data)
{
  g_value_set_boolean (to, g_value_get_object (from) != NULL);
  return TRUE;
}

static void
on_reference_chosen (CsReferencePicker *picker,
                     guint              reference,
                     CsWindow          *self)
{
  g_autoptr(GError) error = NULL;

  if (self->project == NULL)
    return;
  flush_edit_group (self);
  if (!cs_project_set_reference (self->project, selected_segment (self), reference, &error))
    cs_window_toast (self, error->message);
}

static void
on_face_changed (CsPreviewView *view,
                 int            x,
                 int            y,
                 int            width,
                 int            height,
                 CsWindow      *self)
{
  g_autoptr(GError) error = NULL;
  CsFaceRect face = { x, y, width, height };

  if (self->project == NULL)
    return;
  flush_edit_group (self);
  if (!cs_project_set_face (self->project, selected_segment (self), &face, &error))
    {
      cs_window_toast (self, error->message);
      /* The view shows what the project keeps. */
      update_panel (self);
    }
}

static void
on_face_reset_clicked (CsWindow *self)
{
  g_autoptr(GError) error = NULL;

  if (self->project == NULL)
    return;
  flush_edit_group (self);
  if (!cs_project_set_face (self->project, selected_segment (self), NULL, &error))
    cs_window_toast (self, error->message);
}

static void
on_face_editing (CsWindow *self)
{
  update_panel (self);
}

static void
update_panel (CsWindow *self)
{
  CsTimeline *timeline;
  CsSegment *segment;
  CsStyleRef *style;
  guint index, n_segments, choice = 0;
  g_autofree char *title = NULL;
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  g_autofree char *description = NULL;
  gint64 playhead;
  double degree;

  sync_gallery (self);
  if (self->project == NULL)
    return;

  timeline = cs_project_get_timeline (self->project);
  n_segments = cs_timeline_get_n_segments (timeline);
  index = MIN (selected_segment (self), n_segments - 1);
  segment = cs_timeline_get_segment (timeline, index);
  style = cs_segment_get_style (segment);
  playhead = get_playhead (self);

  for (guint i = 1; i < self->style_refs->len; i++)
    if (style != NULL &&
        g_strcmp0 (cs_style_ref_get_folder (style),
                   cs_style_ref_get_folder (g_ptr_array_index (self->style_refs, i))) == 0)
      choice = i;
  if (style != NULL && choice == 0)
    {
      rebuild_style_choices (self);
      for (guint i = 1; i < self->style_refs->len; i++)
        if (g_strcmp0 (cs_style_ref_get_folder (style),
                       cs_style_ref_get_folder (g_ptr_array_index (self->style_refs, i))) == 0)
          choice = i;
    }

  /* The degree where the playhead is when it is on the segment, else at
   * the segment's start. */
  if (playhead < cs_segment_get_start (segment) || playhead >= cs_segment_get_end (segment))
    playhead = cs_segment_get_start (segment);
  degree = cs_segment_get_degree_at (segment, playhead);

  title = g_strdup_printf (_("Segment %u of %u"), index + 1, n_segments);
  from = format_time (cs_segment_get_start (segment), self->rate_num, self->rate_den);
  to = format_time (cs_segment_get_end (segment), self->rate_num, self->rate_den);
  description = g_strdup_printf (_("%s to %s"), from, to);

  self->updating_panel = TRUE;
  adw_preferences_group_set_title (self->segment_group, title);
  adw_preferences_group_set_description (self->segment_group, description);
  adw_combo_row_set_selected (self->style_row, choice);
  gtk_adjustment_set_value (self->degree_adjustment, round (degree * 100));
  gtk_widget_set_sensitive (self->degree_row, style != NULL);
  gtk_widget_set_sensitive (self->stability_row, style != NULL);
  gtk_adjustment_set_value (self->stability_adjustment, round (cs_segment_get_stability (segment) * 100));
  update_vtoonify_rows (self, segment, style);
  gtk_widget_set_visible (self->crossfade_row, index + 1 < n_segments);
  if (index + 1 < n_segments)
    {
      CsSegment *next = cs_timeline_get_segment (timeline, index + 1);

      gtk_adjustment_set_upper (self->crossfade_adjustment,
                                MIN (cs_segment_get_n_frames (segment), cs_segment_get_n_frames (next)));
      gtk_adjustment_set_value (self->crossfade_adjustment, cs_segment_get_crossfade (next));
    }
  self->updating_panel = FALSE;
}

static void
on_style_selected (AdwComboRow *row,
                   GParamSpec  *pspec,
                   CsWindow    *self)
{
  g_autoptr(GError) error = NULL;
  guint choice = adw_combo_row_get_selected (row);
  CsStyleRef *ref;

  if (self->updating_panel || self->project == NULL || choice == GTK_INVALID_LIST_POSITION ||
      choice >= self->style_refs->len)
    return;
  ref = g_ptr_array_index (self->style_refs, choice);
  flush_edit_group (self);
  if (!cs_project_set_style (self->project, selected_segment (self), ref, &error))
    cs_window_toast (self, error->message);
}

/* The degree slider sets the keyframe at the playhead when there is one
 * (or when the segment has only one: its whole curve), else adds one. */
static void
on_degree_changed (GtkAdjustment *adjustment,
                   CsWindow      *self)
{
  g_autoptr(GError) error = NULL;
  CsTimeline *timeline;
  CsSegment *segment;
  double degree = gtk_adjustment_get_value (adjustment) / 100.0;
  gint64 playhead = get_playhead (self);
  gint64 at;
  guint k;
  gboolean ok;

  if (self->updating_panel || self->project == NULL)
    return;

  timeline = cs_project_get_timeline (self->project);
  segment = cs_timeline_get_segment (timeline, MIN (selected_segment (self),
                                                    cs_timeline_get_n_segments (timeline) - 1));
  if (playhead < cs_segment_get_start (segment) || playhead >= cs_segment_get_end (segment))
    playhead = cs_segment_get_start (segment);

  begin_edit_group (self, _("Change Degree"));
  if (cs_segment_find_keyframe (segment, playhead, &k))
    at = playhead;
  else if (cs_segment_get_n_keyframes (segment) == 1)
    at = cs_segment_get_keyframe (segment, 0)->frame;
  else
    at = -1;

  if (at >= 0)
    ok = cs_project_move_keyframe (self->project, at, at, degree, &error);
  else
    ok = cs_project_add_keyframe (self->project, playhead, degree,
                                  CS_INTERPOLATION_LINEAR, &error);
  if (!ok)
    cs_window_toast (self, error->message);
}

static void
on_stability_changed (GtkAdjustment *adjustment,
                      CsWindow      *self)
{
  g_autoptr(GError) error = NULL;

  if (self->updating_panel || self->project == NULL)
    return;
  begin_edit_group (self, _("Change Stability"));
  if (!cs_project_set_stability (self->project, selected_segment (self),
                                 gtk_adjustment_get_value (adjustment) / 100.0, &error))
    cs_window_toast (self, error->message);
}

static void
on_crossfade_changed (GtkAdjustment *adjustment,
                      CsWindow      *self)
{
  g_autoptr(GError) error = NULL;

  if (self->updating_panel || self->project == NULL)
    return;
  begin_edit_group (self, _("Change Cross-fade"));
  if (!cs_project_set_crossfade (self->project, selected_segment (self) + 1,
                                 (guint) gtk_adjustment_get_value (adjustment), &error))
    cs_window_toast (self, error->message);
}

/* The project ------------------------------------------------------------------------------ */

static void
update_title (CsWindow *self)
{
  g_autofree char *title = NULL;
  g_autofree char *clip = NULL;
  GFile *file;

  if (self->project == NULL)
    {
      adw_window_title_set_title (self->window_title, _("Celshade"));
      adw_window_title_set_subtitle (self->window_title, NULL);
      gtk_window_set_title (GTK_WINDOW (self), _("Celshade"));
      return;
    }
  file = cs_project_get_file (self->project);
  if (file != NULL)
    {
      g_autofree char *base = g_file_get_basename (file);

      if (g_str_has_suffix (base, CS_PROJECT_EXTENSION))
        base[strlen (base) - strlen (CS_PROJECT_EXTENSION)] = '\0';
      title = g_steal_pointer (&base);
    }
  else
    title = g_strdup (_("Untitled Project"));
  if (cs_project_get_modified (self->project))
    {
      char *marked = g_strdup_printf ("• %s", title);

      g_free (title);
      title = marked;
    }
  clip = g_path_get_basename (cs_source_clip_get_path (cs_project_get_source (self->project)));
  adw_window_title_set_title (self->window_title, title);
  adw_window_title_set_subtitle (self->window_title, clip);
  gtk_window_set_title (GTK_WINDOW (self), title);
}

static void
on_timeline_changed (CsProject  *project,
                     GParamSpec *pspec,
                     CsWindow   *self)
{
  update_panel (self);
  update_title (self);
  /* The preview's key changes with the plan; ask again. */
  self->requested = -1;
  if (!self->playing)
    request_frame (self, get_playhead (self), FALSE);
}

static void
on_undo_state_changed (CsProject  *project,
                       GParamSpec *pspec,
                       CsWindow   *self)
{
  update_actions (self);
  update_title (self);
}

static void
on_autosave_failed (CsProject *project,
                    GError    *error,
                    CsWindow  *self)
{
  g_debug ("preview: %s", error->message);
  cs_window_toast (self, error->message);
}

static void
update_actions (CsWindow *self)
{
  gboolean open = self->project != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save", open);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-as", open);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export", open);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.undo",
                                 open && (cs_project_get_can_undo (self->project) ||
                                          self->group_timeout != 0));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.redo",
                                 open && cs_project_get_can_redo (self->project));
  for (guint i = 0; i < 9; i++)
    {
      static const char *const editor_actions[] = {
        "win.play-pause", "win.step", "win.go-start", "win.go-end", "win.split",
        "win.join", "win.add-keyframe", "win.play-forward", "win.play-backward",
      };

      gtk_widget_action_set_enabled (GTK_WIDGET (self), editor_actions[i], open);
    }
}

static void
update_source_banner (CsWindow *self)
{
  CsSourceStatus status = cs_project_get_source_status (self->project);
  g_autofree char *name = g_path_get_basename (cs_source_clip_get_path (cs_project_get_source (self->project)));
  g_autofree char *message = NULL;

  if (status == CS_SOURCE_STATUS_OK)
    {
      hide_banner (self, BANNER_SOURCE);
      return;
    }
  message = status == CS_SOURCE_STATUS_MISSING
    ? g_strdup_printf (_("The clip “%s” cannot be found. Locate it to see and export the styled video"), name)
    : g_strdup_printf (_("The clip “%s” has changed since the project was saved. Locate the original clip"), name);
  show_banner (self, BANNER_SOURCE, message, _("_Locate…"));
}

static void
set_project (CsWindow  *self,
             CsProject *project,
             CsDecoder *decoder)
{
  stop_playback (self);
  flush_edit_group (self);
  if (self->project != NULL)
    {
      for (guint i = 0; i < G_N_ELEMENTS (self->project_handlers); i++)
        g_clear_signal_handler (&self->project_handlers[i], self->project);
      g_clear_handle_id (&self->autosave_id, g_source_remove);
      g_clear_object (&self->project);
    }
  stop_thumbnails (self);
  hide_banner (self, BANNER_SOURCE);

  if (project != NULL)
    {
      CsSourceClip *source = cs_project_get_source (project);
      g_autofree char *duration = NULL;
      g_autofree char *slash = NULL;
      GSource *autosave;

      self->project = g_object_ref (project);
      self->project_handlers[0] = g_signal_connect (project, "notify::timeline",
                                                    G_CALLBACK (on_timeline_changed), self);
      self->project_handlers[1] = g_signal_connect (project, "notify::can-undo",
                                                    G_CALLBACK (on_undo_state_changed), self);
      self->project_handlers[2] = g_signal_connect (project, "notify::can-redo",
                                                    G_CALLBACK (on_undo_state_changed), self);
      self->project_handlers[3] = g_signal_connect (project, "autosave-failed",
                                                    G_CALLBACK (on_autosave_failed), self);
      autosave = cs_project_autosave_source_new (project, CS_PROJECT_AUTOSAVE_INTERVAL_MS);
      self->autosave_id = g_source_attach (autosave, NULL);
      g_source_unref (autosave);

      cs_source_clip_get_frame_rate (source, &self->rate_num, &self->rate_den);
      cs_timeline_view_set_frame_rate (self->timeline_view, self->rate_num, self->rate_den);
      cs_timeline_view_set_project (self->timeline_view, project);
      cs_timeline_view_set_playhead (self->timeline_view, 0);
      cs_timeline_view_set_selected_segment (self->timeline_view, 0);
      cs_timeline_view_zoom_to_fit (self->timeline_view);
      start_thumbnails (self, decoder);
      open_audio (self);

      duration = format_time (cs_source_clip_get_n_frames (source), self->rate_num, self->rate_den);
      slash = g_strdup_printf ("/ %s", duration);
      gtk_label_set_label (self->duration_label, slash);

      cs_preview_set_project (self->preview, project);
      cs_preview_view_set_frame (self->preview_view, NULL);
      self->requested = -1;
      rebuild_style_choices (self);
      update_time_label (self);
      update_panel (self);
      if (cs_project_get_source_status (project) != CS_SOURCE_STATUS_OK)
        update_source_banner (self);
      else
        request_frame (self, 0, FALSE);

      gtk_stack_set_visible_child_name (self->main_stack, "editor");
      gtk_widget_set_visible (self->save_button, TRUE);
      gtk_widget_set_visible (self->export_button, TRUE);
      gtk_widget_set_visible (self->panel_button, TRUE);
      gtk_widget_grab_focus (GTK_WIDGET (self->timeline_view));
    }
  else
    {
      cs_timeline_view_set_project (self->timeline_view, NULL);
      g_clear_object (&self->audio);
      cs_preview_set_project (self->preview, NULL);
      cs_preview_view_set_frame (self->preview_view, NULL);
      gtk_stack_set_visible_child_name (self->main_stack, "welcome");
      gtk_widget_set_visible (self->save_button, FALSE);
      gtk_widget_set_visible (self->export_button, FALSE);
      gtk_widget_set_visible (self->panel_button, FALSE);
    }
  update_title (self);
  update_actions (self);
}

CsProject *
cs_window_get_project (CsWindow *self)
{
  g_return_val_if_fail (CS_IS_WINDOW (self), NULL);
  return self->project;
}

CsPreview *
cs_window_get_preview (CsWindow *self)
{
  g_return_val_if_fail (CS_IS_WINDOW (self), NULL);
  return self->preview;
}

gboolean
cs_window_get_loading (CsWindow *self)
{
  g_return_val_if_fail (CS_IS_WINDOW (self), FALSE);
  return self->loading;
}

/* Opening ---------------------------------------------------------------------------------- */

typedef struct {
  CsProject *project;
  CsDecoder *decoder;
} Opened;

static void
opened_free (Opened *opened)
{
  g_clear_object (&opened->project);
  g_clear_object (&opened->decoder);
  g_free (opened);
}

static gboolean
is_project_file (GFile *file)
{
  g_autofree char *name = g_file_get_basename (file);

  return name != NULL && g_str_has_suffix (name, CS_PROJECT_EXTENSION);
}

static void
open_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GFile *file = task_data;
  g_autofree char *path = g_file_get_path (file);
  Opened *opened = g_new0 (Opened, 1);
  GError *error = NULL;

  if (is_project_file (file))
    {
      opened->project = cs_project_load (file, CS_PROJECT_LOAD_RECOVER, cancellable, &error);
      if (opened->project != NULL &&
          cs_project_get_source_status (opened->project) == CS_SOURCE_STATUS_OK)
        {
          const char *clip = cs_source_clip_get_path (cs_project_get_source (opened->project));

          /* A clip that is there but cannot be decoded still opens the
           * project: the banner says so, and relinking mends it. */
          opened->decoder = cs_decoder_new (clip, cancellable, NULL);
        }
    }
  else if (path == NULL)
    g_set_error (&error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                 _("Only local files can be opened"));
  else
    {
      g_autoptr(CsSourceClip) source = cs_source_probe (path, &opened->decoder, cancellable, &error);

      if (source != NULL)
        opened->project = cs_project_new (source);
    }

  if (opened->project == NULL)
    {
      opened_free (opened);
      g_task_return_error (task, error);
    }
  else
    g_task_return_pointer (task, opened, (GDestroyNotify) opened_free);
}

static void
set_loading (CsWindow   *self,
             gboolean    loading,
             const char *name)
{
  self->loading = loading;
  gtk_spinner_set_spinning (self->loading_spinner, loading);
  if (loading)
    {
      g_autofree char *message = g_strdup_printf (_("Opening “%s”…"), name);

      gtk_label_set_label (self->loading_label, message);
      gtk_stack_set_visible_child_name (self->main_stack, "loading");
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
add_recent (GFile *file)
{
  g_autofree char *uri = g_file_get_uri (file);
  GtkRecentData data = {
    .mime_type = (char *) "application/x-celshade",
    .app_name = (char *) "Celshade",
    .app_exec = (char *) "celshade %u",
  };

  gtk_recent_manager_add_full (gtk_recent_manager_get_default (), uri, &data);
}

static void
on_opened (GObject      *source_object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(CsWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  GFile *file = g_task_get_task_data (G_TASK (result));
  Opened *opened = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_loading (self, FALSE, NULL);
  if (opened == NULL)
    {
      g_autofree char *name = g_file_get_basename (file);
      g_autofree char *message = g_strdup_printf (_("“%s” could not be opened: %s"), name, error->message);

      gtk_stack_set_visible_child_name (self->main_stack, self->project != NULL ? "editor" : "welcome");
      cs_window_toast (self, message);
      return;
    }

  set_project (self, opened->project, opened->decoder);
  if (is_project_file (file))
    {
      GPtrArray *warnings = cs_project_get_warnings (opened->project);

      add_recent (file);
      if (warnings != NULL && warnings->len > 0)
        cs_window_toast (self, ((GError *) g_ptr_array_index (warnings, 0))->message);
    }
  opened_free (opened);
}

void
cs_window_open (CsWindow *self,
                GFile    *file)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *name = NULL;

  g_return_if_fail (CS_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  name = g_file_get_basename (file);
  set_loading (self, TRUE, name);
  task = g_task_new (NULL, self->cancellable, on_opened, g_object_ref (self));
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, open_thread);
}

/* File choosers ------------------------------------------------------------------------------ */

typedef void (*ChosenFunc) (CsWindow *self,
                            GFile    *file);

typedef struct {
  CsWindow  *self;
  ChosenFunc func;
} Choice;

static GListModel *
make_filters (gboolean projects_only)
{
  GListStore *filters = g_list_store_new (GTK_TYPE_FILE_FILTER);
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) projects = gtk_file_filter_new ();

  gtk_file_filter_set_name (projects, _("Celshade Projects"));
  gtk_file_filter_add_pattern (projects, "*" CS_PROJECT_EXTENSION);
  if (!projects_only)
    {
      gtk_file_filter_set_name (all, _("Videos and Projects"));
      gtk_file_filter_add_mime_type (all, "video/*");
      gtk_file_filter_add_pattern (all, "*" CS_PROJECT_EXTENSION);
      g_list_store_append (filters, all);
    }
  g_list_store_append (filters, projects);
  return G_LIST_MODEL (filters);
}

#if GTK_CHECK_VERSION (4, 10, 0)
static void
on_file_dialog_done (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Choice *choice = user_data;
  g_autoptr(GFile) file = NULL;

  if (g_object_get_data (source, "saving") != NULL)
    file = gtk_file_dialog_save_finish (GTK_FILE_DIALOG (source), result, NULL);
  else
    file = gtk_file_dialog_open_finish (GTK_FILE_DIALOG (source), result, NULL);
  if (file != NULL)
    choice->func (choice->self, file);
  g_object_unref (choice->self);
  g_free (choice);
}
#else
static void
on_native_response (GtkNativeDialog *dialog,
                    int              response,
                    gpointer         user_data)
{
  Choice *choice = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      G_GNUC_BEGIN_IGNORE_DEPRECATIONS
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      G_GNUC_END_IGNORE_DEPRECATIONS

      if (file != NULL)
        choice->func (choice->self, file);
    }
  g_object_unref (choice->self);
  g_free (choice);
  g_object_unref (dialog);
}
#endif

static void
choose_file (CsWindow   *self,
             gboolean    save,
             const char *title,
             const char *suggested_name,
             gboolean    projects_only,
             ChosenFunc  func)
{
  g_autoptr(GListModel) filters = make_filters (projects_only);
  g_autofree char *last = g_settings_get_string (self->settings, "last-folder");
  g_autoptr(GFile) folder = *last != '\0' ? g_file_new_for_path (last) : NULL;
  Choice *choice = g_new0 (Choice, 1);

  choice->self = g_object_ref (self);
  choice->func = func;

#if GTK_CHECK_VERSION (4, 10, 0)
  {
    g_autoptr(GtkFileDialog) dialog = gtk_file_dialog_new ();

    gtk_file_dialog_set_title (dialog, title);
    gtk_file_dialog_set_modal (dialog, TRUE);
    gtk_file_dialog_set_filters (dialog, filters);
    if (folder != NULL)
      gtk_file_dialog_set_initial_folder (dialog, folder);
    if (save)
      {
        g_object_set_data (G_OBJECT (dialog), "saving", GINT_TO_POINTER (1));
        gtk_file_dialog_set_initial_name (dialog, suggested_name);
        gtk_file_dialog_save (dialog, GTK_WINDOW (self), NULL, on_file_dialog_done, choice);
      }
    else
      gtk_file_dialog_open (dialog, GTK_WINDOW (self), NULL, on_file_dialog_done, choice);
  }
#else
  {
    G_GNUC_BEGIN_IGNORE_DEPRECATIONS
    GtkFileChooserNative *dialog =
      gtk_file_chooser_native_new (title, GTK_WINDOW (self),
                                   save ? GTK_FILE_CHOOSER_ACTION_SAVE : GTK_FILE_CHOOSER_ACTION_OPEN,
                                   save ? _("_Save") : _("_Open"), _("_Cancel"));

    gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
    for (guint i = 0; i < g_list_model_get_n_items (filters); i++)
      {
        g_autoptr(GtkFileFilter) filter = g_list_model_get_item (filters, i);

        gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
      }
    if (folder != NULL)
      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (dialog), folder, NULL);
    if (save && suggested_name != NULL)
      gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), suggested_name);
    g_signal_connect (dialog, "response", G_CALLBACK (on_native_response), choice);
    gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
    G_GNUC_END_IGNORE_DEPRECATIONS
  }
#endif
}

static void
remember_folder (CsWindow *self,
                 GFile    *file)
{
  g_autoptr(GFile) parent = g_file_get_parent (file);
  g_autofree char *path = parent != NULL ? g_file_get_path (parent) : NULL;

  if (path != NULL)
    g_settings_set_string (self->settings, "last-folder", path);
}

static void
on_open_chosen (CsWindow *self,
                GFile    *file)
{
  remember_folder (self, file);
  cs_window_open (self, file);
}

/* Relinking a missing clip ----------------------------------------------------------------- */

static void
on_relink_probed (GObject      *source_object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(CsWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CsSourceClip) source = cs_source_probe_finish (result, &error);
  g_autoptr(CsDecoder) decoder = NULL;

  if (self->project == NULL)
    return;
  if (source == NULL || !cs_project_relink_source (self->project, source, &error))
    {
      cs_window_toast (self, error->message);
      return;
    }
  decoder = cs_decoder_new (cs_source_clip_get_path (source), NULL, NULL);
  start_thumbnails (self, decoder);
  cs_preview_set_project (self->preview, NULL);
  cs_preview_set_project (self->preview, self->project);
  update_source_banner (self);
  update_title (self);
  self->requested = -1;
  request_frame (self, get_playhead (self), FALSE);
}

static void
on_relink_chosen (CsWindow *self,
                  GFile    *file)
{
  g_autofree char *path = g_file_get_path (file);

  if (path == NULL)
    return;
  cs_source_probe_async (path, NULL, on_relink_probed, g_object_ref (self));
}

static void
relink_source (CsWindow *self)
{
  choose_file (self, FALSE, _("Locate the Clip"), NULL, FALSE, on_relink_chosen);
}

/* Saving ----------------------------------------------------------------------------------- */

static gboolean
save_to (CsWindow *self,
         GFile    *file)
{
  g_autoptr(GError) error = NULL;

  flush_edit_group (self);
  if (!cs_project_save (self->project, file, NULL, &error))
    {
      g_autofree char *message = g_strdup_printf (_("The project could not be saved: %s"), error->message);

      cs_window_toast (self, message);
      return FALSE;
    }
  add_recent (cs_project_get_file (self->project));
  update_title (self);
  return TRUE;
}

static void
on_save_chosen (CsWindow *self,
                GFile    *file)
{
  g_autofree char *name = g_file_get_basename (file);
  g_autoptr(GFile) target = NULL;

  /* The extension is what makes it openable. */
  if (!g_str_has_suffix (name, CS_PROJECT_EXTENSION))
    {
      g_autoptr(GFile) parent = g_file_get_parent (file);
      g_autofree char *with = g_strconcat (name, CS_PROJECT_EXTENSION, NULL);

      target = g_file_get_child (parent, with);
    }
  else
    target = g_object_ref (file);
  remember_folder (self, target);
  save_to (self, target);
}

static void
save_as (CsWindow *self)
{
  g_autofree char *clip = g_path_get_basename (cs_source_clip_get_path (cs_project_get_source (self->project)));
  char *dot = strrchr (clip, '.');
  g_autofree char *suggested = NULL;

  if (dot != NULL)
    *dot = '\0';
  suggested = g_strconcat (clip, CS_PROJECT_EXTENSION, NULL);
  choose_file (self, TRUE, _("Save the Project"), suggested, TRUE, on_save_chosen);
}

/* Playback --------------------------------------------------------------------------------- */

static void
update_play_button (CsWindow *self)
{
  gtk_button_set_icon_name (self->play_button, self->playing ? "media-playback-pause-symbolic"
                                                             : "media-playback-start-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->play_button),
                               self->playing ? _("Pause (Space)") : _("Play (Space)"));
}

static void
update_rate_label (CsWindow *self)
{
  double rate = cs_preview_get_render_rate (self->preview, TRUE);
  g_autofree char *text = NULL;

  if (!self->playing || rate <= 0)
    {
      gtk_label_set_label (self->rate_label, "");
      return;
    }
  if (rate + 0.5 < frame_rate (self) * fabs (self->speed))
    text = g_strdup_printf (_("%.0f of %.0f fps"), rate, frame_rate (self) * fabs (self->speed));
  else
    text = g_strdup_printf (_("%.0f fps"), frame_rate (self) * fabs (self->speed));
  gtk_label_set_label (self->rate_label, text);
}

static gboolean
on_tick (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  CsWindow *self = user_data;
  gint64 n_frames, target;
  double elapsed;

  if (!self->playing || self->project == NULL)
    {
      self->tick_id = 0;
      return G_SOURCE_REMOVE;
    }
  n_frames = cs_project_get_n_frames (self->project);
  if (self->audio_clock && gtk_media_stream_get_playing (self->audio))
    elapsed = gtk_media_stream_get_timestamp (self->audio) / 1e6 -
              (double) self->play_origin_frame / frame_rate (self);
  else
    elapsed = (gdk_frame_clock_get_frame_time (clock) - self->play_origin_us) / 1e6;
  target = self->play_origin_frame + (gint64) floor (elapsed * frame_rate (self) * self->speed);

  if (target >= n_frames || target < 0)
    {
      target = CLAMP (target, 0, n_frames - 1);
      cs_timeline_view_set_playhead (self->timeline_view, target);
      stop_playback (self);
      return G_SOURCE_REMOVE;
    }
  /* The playhead runs with the clock; the preview shows the newest frame it
   * could make, so a slow device drops frames instead of lagging. */
  cs_timeline_view_set_playhead (self->timeline_view, target);
  request_frame (self, target, TRUE);
  update_rate_label (self);
  return G_SOURCE_CONTINUE;
}

static void
stop_audio (CsWindow *self)
{
  if (self->audio != NULL)
    gtk_media_stream_pause (self->audio);
  self->audio_clock = FALSE;
}

/* The clip's sound, opened with the project when it has any: opening a
 * media stream the first time loads GStreamer, which must not happen in
 * the middle of playback. */
static void
open_audio (CsWindow *self)
{
  CsMediaInfo *info;
  const char *path;

  g_clear_object (&self->audio);
  self->audio_clock = FALSE;
  if (self->project == NULL || self->thumb_decoder == NULL || g_getenv ("CELSHADE_NO_AUDIO") != NULL)
    return;
  info = cs_decoder_get_info (self->thumb_decoder);
  if (info == NULL || info->audio_streams == NULL || info->audio_streams->len == 0)
    return;
  path = cs_source_clip_get_path (cs_project_get_source (self->project));
  self->audio = gtk_media_file_new_for_filename (path);
  if (gtk_media_stream_get_error (self->audio) != NULL)
    g_clear_object (&self->audio);
}

/* Plays the clip's sound with the pictures when the device keeps up with
 * the clip's rate at normal speed; otherwise the pictures play alone. */
static void
start_audio (CsWindow *self)
{
  double rate = cs_preview_get_render_rate (self->preview, TRUE);
  gboolean unstyled = rate == 0.0;

  self->audio_clock = FALSE;
  if (self->audio == NULL || gtk_media_stream_get_error (self->audio) != NULL ||
      self->speed != 1.0 || (!unstyled && rate < frame_rate (self) * 0.95))
    return;
  gtk_media_stream_seek (self->audio, (gint64) (get_playhead (self) / frame_rate (self) * 1e6));
  gtk_media_stream_play (self->audio);
  self->audio_clock = TRUE;
}

static void
start_playback (CsWindow *self,
                double    speed)
{
  GdkFrameClock *clock;
  gint64 n_frames;

  if (self->project == NULL)
    return;
  n_frames = cs_project_get_n_frames (self->project);
  if (speed > 0 && get_playhead (self) >= n_frames - 1)
    cs_timeline_view_set_playhead (self->timeline_view, 0);
  self->playing = TRUE;
  self->speed = speed;
  self->play_origin_frame = get_playhead (self);
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (self->preview_view));
  self->play_origin_us = clock != NULL ? gdk_frame_clock_get_frame_time (clock) : g_get_monotonic_time ();
  if (self->tick_id == 0)
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self->preview_view), on_tick, self, NULL);
  start_audio (self);
  update_play_button (self);
  on_preview_busy (self->preview, NULL, self);
}

static void
stop_playback (CsWindow *self)
{
  if (!self->playing)
    return;
  self->playing = FALSE;
  stop_audio (self);
  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self->preview_view), self->tick_id);
      self->tick_id = 0;
    }
  update_play_button (self);
  update_rate_label (self);
  request_frame (self, get_playhead (self), FALSE);
  on_preview_busy (self->preview, NULL, self);
}

/* Actions ---------------------------------------------------------------------------------- */

static void
action_open (GtkWidget  *widget,
             const char *name,
             GVariant   *parameter)
{
  choose_file (CS_WINDOW (widget), FALSE, _("Open a Clip or Project"), NULL, FALSE, on_open_chosen);
}

static void
action_save (GtkWidget  *widget,
             const char *name,
             GVariant   *parameter)
{
  CsWindow *self = CS_WINDOW (widget);

  if (self->project == NULL)
    return;
  if (cs_project_get_file (self->project) == NULL)
    save_as (self);
  else
    save_to (self, NULL);
}

static void
action_save_as (GtkWidget  *widget,
                const char *name,
                GVariant   *parameter)
{
  CsWindow *self = CS_WINDOW (widget);

  if (self->project != NULL)
    save_as (self);
}

static void
action_undo (GtkWidget  *widget,
             const char *name,
             GVariant   *parameter)
{
  CsWindow *self = CS_WINDOW (widget);
  g_autofree char *label = NULL;

  if (self->project == NULL)
    return;
  flush_edit_group (self);
  label = g_strdup (cs_project_get_undo_label (self->project));
  if (cs_project_undo (self->project) && label != NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Undone: %s"), label);

      cs_window_toast (self, message);
    }
}

static void
action_redo (GtkWidget  *widget,
             const char *name,
             GVariant   *parameter)
{
  CsWindow *self = CS_WINDOW (widget);

  if (self->project == NULL)
    return;
  flush_edit_group (self);
  cs_project_redo (self->project);
}

static void
action_play_pause (GtkWidget  *widget,
                   const char *name,
                   GVariant   *parameter)
{
  CsWindow *self = CS_WINDOW (widget);

  if (self->playing)
    stop_playback (self);
  else
    start_playback (self, 1.0);
}

/* L plays forward, and faster on each press; J the same backward. */
static void
action_play_direction (GtkWidget  *widget,
                       const char *name,
                       GVariant   *parameter)
{
  CsWindow *self = CS_WINDOW (widget);
  double direction = g_str_equal (name, "win.play-forward") ? 1.0 : -1.0;
  double speed = direction;

  if (self->playing && self->speed * direction > 0)
    speed = CLAMP (self->speed * 2, -8.0, 8.0);
  stop_playback (self);
  start_playback (self, speed);
}

static void
action_pause (GtkWidget  *widget,
              const char *name,
              GVariant   *parameter)
{
  stop_playback (CS_WINDOW (widget));
}

static void
action_step (GtkWidget  *widget,
             const char *name,
             GVariant   *parameter)
{
  CsWindow *self = CS_WINDOW (widget);

  stop_playback (self);
  gtk_widget_activate_action (GTK_WIDGET (self->timeline_view), "timeline.step", "i",
                              g_variant_get_int32 (parameter));
}

static void
action_timeline (GtkWidget  *widget,
                 const char *name,
                 GVariant   *parameter)
{
  CsWindow *self = CS_WINDOW (widget);
  const char *target = NULL;

  if (g_str_equal (name, "win.go-start"))
    target = "timeline.home";
  else if (g_str_equal (name, "win.go-end"))
    target = "timeline.end";
  else if (g_str_equal (name, "win.split"))
    target = "timeline.split";
  else if (g_str_equal (name, "win.join"))
    target = "timeline.join";
  g_return_if_fail (target != NULL);

  stop_playback (self);
  flush_edit_group (self);
  gtk_widget_activate_action (GTK_WIDGET (self->timeline_view), target, NULL);
}

static void
action_add_keyframe (GtkWidget  *widget,
                     const char *name,
                     GVariant   *parameter)
{
  CsWindow *self = CS_WINDOW (widget);
  g_autoptr(GError) error = NULL;
  gint64 playhead = get_playhead (self);
  CsFrameStyles styles;
  double degree = 1.0;

  if (self->project == NULL)
    return;
  flush_edit_group (self);
  if (cs_project_query_frame (self->project, playhead, &styles))
    degree = styles.styles[styles.n_styles - 1].degree;
  if (!cs_project_add_keyframe (self->project, playhead, degree, CS_INTERPOLATION_LINEAR, &error))
    cs_window_toast (self, error->message);
}

static void
on_preview_mode_setting (GSettings  *settings,
                         const char *key,
                         CsWindow   *self)
{
  g_autofree char *mode = g_settings_get_string (settings, "preview-mode");
  CsPreviewMode value = CS_PREVIEW_MODE_STYLED;

  if (g_str_equal (mode, "original"))
    value = CS_PREVIEW_MODE_ORIGINAL;
  else if (g_str_equal (mode, "split"))
    value = CS_PREVIEW_MODE_SPLIT;
  cs_preview_view_set_mode (self->preview_view, value);
  gtk_toggle_button_set_active (value == CS_PREVIEW_MODE_STYLED ? self->mode_styled :
                                value == CS_PREVIEW_MODE_SPLIT ? self->mode_split : self->mode_original,
                                TRUE);
  g_free (self->preview_mode);
  self->preview_mode = g_steal_pointer (&mode);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PREVIEW_MODE]);
}

static void
on_mode_toggled (GtkToggleButton *button,
                 CsWindow        *self)
{
  const char *mode = button == self->mode_split ? "split"
                     : button == self->mode_original ? "original" : "styled";

  if (gtk_toggle_button_get_active (button))
    g_settings_set_string (self->settings, "preview-mode", mode);
}

/* A narrow window (the panel folded over the editor) keeps the transport
 * to what fits. */
static gboolean
apply_folded (gpointer data)
{
  CsWindow *self = data;
  gboolean folded;

  self->fold_idle = 0;
  if (self->flap == NULL)
    return G_SOURCE_REMOVE;
  folded = adw_flap_get_folded (self->flap);

  gtk_widget_set_visible (GTK_WIDGET (self->duration_label), !folded);
  gtk_widget_set_visible (GTK_WIDGET (self->rate_label), !folded);
  /* Their keys (arrows, Home, End, Ctrl+S) still work. */
  gtk_widget_set_visible (self->save_button, !folded && self->project != NULL);
  gtk_widget_set_visible (self->skip_start_button, !folded);
  gtk_widget_set_visible (self->previous_button, !folded);
  gtk_widget_set_visible (self->next_button, !folded);
  gtk_widget_set_visible (self->skip_end_button, !folded);
  return G_SOURCE_REMOVE;
}

/* The flap folds while it is being allocated: change what is shown after. */
static void
on_folded (AdwFlap    *flap,
           GParamSpec *pspec,
           CsWindow   *self)
{
  if (self->fold_idle == 0)
    self->fold_idle = g_idle_add (apply_folded, self);
}

static void
action_toggle_panel (GtkWidget  *widget,
                     const char *name,
                     GVariant   *parameter)
{
  CsWindow *self = CS_WINDOW (widget);

  if (self->project != NULL)
    adw_flap_set_reveal_flap (self->flap, !adw_flap_get_reveal_flap (self->flap));
}

/* The window keeps the job: it outlives the dialog. */
static void
on_export_started (CsExportDialog *dialog,
                   CsExportJob    *job,
                   CsWindow       *self)
{
  g_set_object (&self->export_job, job);
  cs_export_button_set_job (self->export_progress, job);
}

static void
action_export (GtkWidget  *widget,
               const char *name,
               GVariant   *parameter)
{
  CsWindow *self = CS_WINDOW (widget);

  CsExportDialog *dialog;

  if (self->project == NULL)
    return;
  flush_edit_group (self);
  /* One export at a time: the running one's progress instead. */
  if (self->export_job != NULL && cs_export_job_is_running (self->export_job))
    {
      cs_export_button_popup (self->export_progress);
      return;
    }
  dialog = cs_export_dialog_new (GTK_WINDOW (self), self->project, self->settings,
                                 cs_timeline_view_get_selected_segment (self->timeline_view));
  g_signal_connect_object (dialog, "export-started", G_CALLBACK (on_export_started), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Recent projects -------------------------------------------------------------------------- */

static gint
compare_recent (gconstpointer a,
                gconstpointer b)
{
  GtkRecentInfo *ia = *(GtkRecentInfo **) a;
  GtkRecentInfo *ib = *(GtkRecentInfo **) b;
  g_autoptr(GDateTime) ta = gtk_recent_info_get_modified (ia);
  g_autoptr(GDateTime) tb = gtk_recent_info_get_modified (ib);

  return g_date_time_compare (tb, ta);
}

static void
fill_recent (CsWindow *self)
{
  GList *items = gtk_recent_manager_get_items (gtk_recent_manager_get_default ());
  g_autoptr(GPtrArray) projects = g_ptr_array_new ();
  GtkWidget *child;
  guint shown = 0;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->recent_list))) != NULL)
    gtk_list_box_remove (self->recent_list, child);

  for (GList *l = items; l != NULL; l = l->next)
    if (g_str_has_suffix (gtk_recent_info_get_uri (l->data), CS_PROJECT_EXTENSION) &&
        gtk_recent_info_exists (l->data))
      g_ptr_array_add (projects, l->data);
  g_ptr_array_sort (projects, compare_recent);

  for (guint i = 0; i < projects->len && shown < MAX_RECENT; i++, shown++)
    {
      GtkRecentInfo *info = g_ptr_array_index (projects, i);
      g_autoptr(GFile) file = g_file_new_for_uri (gtk_recent_info_get_uri (info));
      g_autoptr(GFile) parent = g_file_get_parent (file);
      g_autofree char *name = g_file_get_basename (file);
      g_autofree char *where = parent != NULL ? g_file_get_parse_name (parent) : NULL;
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *arrow = gtk_image_new_from_icon_name ("go-next-symbolic");

      name[strlen (name) - strlen (CS_PROJECT_EXTENSION)] = '\0';
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), where);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), arrow);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_object_set_data_full (G_OBJECT (row), "file", g_object_ref (file), g_object_unref);
      gtk_list_box_append (self->recent_list, row);
    }
  gtk_widget_set_visible (self->recent_box, shown > 0);
  g_list_free_full (items, (GDestroyNotify) gtk_recent_info_unref);
}

static void
on_recent_row_activated (CsWindow      *self,
                         GtkListBoxRow *row)
{
  GFile *file = g_object_get_data (G_OBJECT (row), "file");

  if (file != NULL)
    cs_window_open (self, file);
}

/* Drag and drop ---------------------------------------------------------------------------- */

static gboolean
on_drop (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         CsWindow      *self)
{
  GSList *files;

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  files = g_value_get_boxed (value);
  if (files == NULL)
    return FALSE;
  cs_window_open (self, files->data);
  return TRUE;
}

/* Closing ---------------------------------------------------------------------------------- */

static void
on_close_response (AdwMessageDialog *dialog,
                   const char       *response,
                   CsWindow         *self)
{
  if (g_str_equal (response, "discard"))
    {
      cs_project_discard_autosave (self->project);
      set_project (self, NULL, NULL);
      gtk_window_destroy (GTK_WINDOW (self));
    }
  else if (g_str_equal (response, "save"))
    {
      if (cs_project_get_file (self->project) == NULL)
        save_as (self);
      else if (save_to (self, NULL))
        gtk_window_destroy (GTK_WINDOW (self));
    }
}

/* The window closes once the stopped export has removed its temporary file. */
static void
on_export_stopped (CsExportJob *job,
                   GParamSpec  *pspec,
                   CsWindow    *self)
{
  if (cs_export_job_is_running (job))
    return;
  g_signal_handlers_disconnect_by_func (job, on_export_stopped, self);
  gtk_window_close (GTK_WINDOW (self));
}

static void
on_stop_export_response (AdwMessageDialog *dialog,
                         const char       *response,
                         CsWindow         *self)
{
  if (!g_str_equal (response, "stop") || self->export_job == NULL)
    return;
  if (!cs_export_job_is_running (self->export_job))
    {
      gtk_window_close (GTK_WINDOW (self));
      return;
    }
  g_signal_connect_object (self->export_job, "notify::state", G_CALLBACK (on_export_stopped), self, 0);
  cs_export_job_cancel (self->export_job);
}

static void
ask_stop_export (CsWindow *self)
{
  g_autofree char *name = g_path_get_basename (cs_export_job_get_output (self->export_job));
  g_autofree char *body = g_strdup_printf (_("“%s” is still being exported. Closing the window stops "
                                             "the export, and nothing of it is kept."), name);
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Stop Export and Close?"), body);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "stop", _("_Stop and Close"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "stop", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_stop_export_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static gboolean
cs_window_close_request (GtkWindow *window)
{
  CsWindow *self = CS_WINDOW (window);
  int width, height;

  gtk_window_get_default_size (window, &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));

  if (self->export_job != NULL && cs_export_job_is_running (self->export_job))
    {
      ask_stop_export (self);
      return TRUE;
    }
  flush_edit_group (self);
  if (self->project != NULL && cs_project_get_modified (self->project))
    {
      GtkWidget *dialog = adw_message_dialog_new (window, _("Save Changes?"),
                                                  _("The project has changes that are not saved. "
                                                    "Changes that are not saved are lost."));

      adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                        "cancel", _("_Cancel"),
                                        "discard", _("_Discard"),
                                        "save", _("_Save"),
                                        NULL);
      adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "discard",
                                                  ADW_RESPONSE_DESTRUCTIVE);
      adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "save",
                                                  ADW_RESPONSE_SUGGESTED);
      adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "save");
      adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
      g_signal_connect (dialog, "response", G_CALLBACK (on_close_response), self);
      gtk_window_present (GTK_WINDOW (dialog));
      return TRUE;
    }
  return GTK_WINDOW_CLASS (cs_window_parent_class)->close_request (window);
}

/* GObject ---------------------------------------------------------------------------------- */

static void
cs_window_dispose (GObject *object)
{
  CsWindow *self = CS_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->preview != NULL)
    {
      set_project (self, NULL, NULL);
      /* Answers still on their way find no window. */
      g_signal_handlers_disconnect_by_data (self->preview, self);
    }
  stop_thumbnails (self);
  if (self->gallery != NULL)
    gtk_window_destroy (GTK_WINDOW (g_steal_pointer (&self->gallery)));
  g_clear_handle_id (&self->group_timeout, g_source_remove);
  /* Taking the template apart unfolds the flap: no idle may follow. */
  if (self->flap != NULL)
    g_signal_handlers_disconnect_by_func (self->flap, on_folded, self);
  g_clear_handle_id (&self->fold_idle, g_source_remove);
  /* A window going away without asking (the application quitting) stops
   * its export; the job holds the application until its temporary file is gone. */
  if (self->export_job != NULL)
    cs_export_job_cancel (self->export_job);
  g_clear_object (&self->export_job);
  g_clear_object (&self->preview);
  g_clear_object (&self->styles);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->style_refs, g_ptr_array_unref);
  g_clear_pointer (&self->preview_mode, g_free);

  gtk_widget_dispose_template (GTK_WIDGET (self), CS_TYPE_WINDOW);
  G_OBJECT_CLASS (cs_window_parent_class)->dispose (object);
}

static void
cs_window_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  CsWindow *self = CS_WINDOW (object);

  switch (prop_id)
    {
    case PROP_LOADING:
      g_value_set_boolean (value, self->loading);
      break;
    case PROP_PREVIEW_MODE:
      g_value_set_string (value, self->preview_mode);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cs_window_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  CsWindow *self = CS_WINDOW (object);

  switch (prop_id)
    {
    case PROP_PREVIEW_MODE:
      /* The setting is the truth; its handler updates the view. */
      g_settings_set_string (self->settings, "preview-mode", g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cs_window_class_init (CsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = cs_window_dispose;
  object_class->get_property = cs_window_get_property;
  object_class->set_property = cs_window_set_property;
  window_class->close_request = cs_window_close_request;

  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* What the preview shows: "styled", "original" or "split" (the stateful
   * action win.preview-mode, kept in the settings). */
  properties[PROP_PREVIEW_MODE] =
    g_param_spec_string ("preview-mode", NULL, NULL, "styled",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (CS_TYPE_PREVIEW_VIEW);
  g_type_ensure (CS_TYPE_TIMELINE_VIEW);
  g_type_ensure (CS_TYPE_EXPORT_BUTTON);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/celshade/Celshade/cs-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CsWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, save_button);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, export_button);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, export_progress);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, panel_button);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, banner_revealer);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, banner_label);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, banner_button);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, recent_box);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, recent_list);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, loading_spinner);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, loading_label);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, flap);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, preview_view);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, preview_spinner);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, time_label);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, duration_label);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, rate_label);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, play_button);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, skip_start_button);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, previous_button);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, next_button);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, skip_end_button);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, mode_styled);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, mode_split);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, mode_original);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, timeline_view);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, segment_group);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, style_row);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, degree_adjustment);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, degree_row);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, crossfade_row);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, crossfade_adjustment);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, stability_row);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, stability_adjustment);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, reference_row);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, reference_button);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, reference_picture);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, face_row);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, face_edit_button);
  gtk_widget_class_bind_template_child (widget_class, CsWindow, face_reset_button);
  gtk_widget_class_bind_template_callback (widget_class, on_banner_button_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_recent_row_activated);

  gtk_widget_class_install_action (widget_class, "win.open", NULL, action_open);
  gtk_widget_class_install_action (widget_class, "win.save", NULL, action_save);
  gtk_widget_class_install_action (widget_class, "win.save-as", NULL, action_save_as);
  gtk_widget_class_install_action (widget_class, "win.export", NULL, action_export);
  gtk_widget_class_install_action (widget_class, "win.undo", NULL, action_undo);
  gtk_widget_class_install_action (widget_class, "win.redo", NULL, action_redo);
  gtk_widget_class_install_action (widget_class, "win.play-pause", NULL, action_play_pause);
  gtk_widget_class_install_action (widget_class, "win.play-forward", NULL, action_play_direction);
  gtk_widget_class_install_action (widget_class, "win.play-backward", NULL, action_play_direction);
  gtk_widget_class_install_action (widget_class, "win.pause", NULL, action_pause);
  gtk_widget_class_install_action (widget_class, "win.step", "i", action_step);
  gtk_widget_class_install_action (widget_class, "win.go-start", NULL, action_timeline);
  gtk_widget_class_install_action (widget_class, "win.go-end", NULL, action_timeline);
  gtk_widget_class_install_action (widget_class, "win.split", NULL, action_timeline);
  gtk_widget_class_install_action (widget_class, "win.join", NULL, action_timeline);
  gtk_widget_class_install_action (widget_class, "win.add-keyframe", NULL, action_add_keyframe);
  gtk_widget_class_install_action (widget_class, "win.style-gallery", NULL, action_style_gallery);
  gtk_widget_class_install_property_action (widget_class, "win.preview-mode", "preview-mode");
  gtk_widget_class_install_action (widget_class, "win.toggle-panel", NULL, action_toggle_panel);

  /* Single keys act unless a text field or the timeline takes them first. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_space, 0, "win.play-pause", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, 0, "win.play-forward", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_j, 0, "win.play-backward", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_k, 0, "win.pause", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, 0, "win.split", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Home, 0, "win.go-start", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_End, 0, "win.go-end", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F9, 0, "win.toggle-panel", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, 0, "win.step", "i", -1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, 0, "win.step", "i", 1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, 0, "win.preview-mode", "s", "styled");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, 0, "win.preview-mode", "s", "split");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_3, 0, "win.preview-mode", "s", "original");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_k, GDK_CONTROL_MASK, "win.add-keyframe", NULL);
}

static void
on_styles_changed (GListModel *model,
                   guint       position,
                   guint       removed,
                   guint       added,
                   CsWindow   *self)
{
  rebuild_style_choices (self);
  update_panel (self);
}

static void
style_ref_unref (gpointer ref)
{
  if (ref != NULL)
    cs_style_ref_unref (ref);
}

static void
cs_window_init (CsWindow *self)
{
  GtkDropTarget *drop;

  /* The mode's action reads it while the template is built. */
  self->preview_mode = g_strdup ("styled");
  gtk_widget_init_template (GTK_WIDGET (self));

  self->requested = -1;
  self->speed = 1.0;
  self->style_refs = g_ptr_array_new_with_free_func (style_ref_unref);
  self->style_names = gtk_string_list_new (NULL);
  adw_combo_row_set_model (self->style_row, G_LIST_MODEL (self->style_names));
  g_object_unref (self->style_names);
  g_signal_connect (self->style_row, "notify::selected", G_CALLBACK (on_style_selected), self);
  g_signal_connect (self->degree_adjustment, "value-changed", G_CALLBACK (on_degree_changed), self);
  g_signal_connect (self->crossfade_adjustment, "value-changed", G_CALLBACK (on_crossfade_changed), self);
  g_signal_connect (self->stability_adjustment, "value-changed", G_CALLBACK (on_stability_changed), self);
  g_signal_connect (self->mode_styled, "toggled", G_CALLBACK (on_mode_toggled), self);
  g_signal_connect (self->mode_split, "toggled", G_CALLBACK (on_mode_toggled), self);
  g_signal_connect (self->mode_original, "toggled", G_CALLBACK (on_mode_toggled), self);
  g_signal_connect (self->flap, "notify::folded", G_CALLBACK (on_folded), self);
  g_object_bind_property (self->face_edit_button, "active", self->preview_view, "face-editing",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_signal_connect_swapped (self->face_edit_button, "notify::active", G_CALLBACK (on_face_editing), self);
  g_signal_connect_swapped (self->face_reset_button, "clicked", G_CALLBACK (on_face_reset_clicked), self);
  g_signal_connect (self->preview_view, "face-changed", G_CALLBACK (on_face_changed), self);

  g_signal_connect (self->timeline_view, "notify::playhead", G_CALLBACK (on_playhead_changed), self);
  g_signal_connect (self->timeline_view, "notify::scrubbing", G_CALLBACK (on_scrubbing_changed), self);
  g_signal_connect (self->timeline_view, "notify::selected-segment",
                    G_CALLBACK (on_selected_segment_changed), self);
  cs_timeline_view_set_thumbnail_func (self->timeline_view, get_thumbnail, self, NULL);

  drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (drop, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));

  fill_recent (self);
  g_signal_connect_object (gtk_recent_manager_get_default (), "changed",
                           G_CALLBACK (fill_recent), self, G_CONNECT_SWAPPED);
  update_actions (self);
}

static void
on_preview_setting (CsWindow *self)
{
  cs_preview_set_proxy_height (self->preview, g_settings_get_int (self->settings, "proxy-size"));
  cs_preview_set_cache_size (self->preview,
                             (gsize) g_settings_get_int (self->settings, "cache-size") * 1024 * 1024);
}

static void
make_preview (CsWindow *self)
{
  g_autofree char *device = g_settings_get_string (self->settings, "device");

  self->preview = cs_preview_new (device, g_settings_get_boolean (self->settings, "fp16")
                                          ? CS_PRECISION_AUTO : CS_PRECISION_FP32);
  on_preview_setting (self);
  g_signal_connect (self->preview, "frame-ready", G_CALLBACK (on_frame_ready), self);
  g_signal_connect (self->preview, "error", G_CALLBACK (on_preview_error), self);
  g_signal_connect (self->preview, "notify::busy", G_CALLBACK (on_preview_busy), self);
  g_signal_connect (self->preview, "notify::device-name", G_CALLBACK (on_device_name), self);
}

/* Another device or precision: a new worker, showing the same frame. */
static void
on_device_setting (CsWindow *self)
{
  stop_playback (self);
  hide_banner (self, BANNER_DEVICE);
  cs_preview_set_project (self->preview, NULL);
  g_signal_handlers_disconnect_by_data (self->preview, self);
  g_clear_object (&self->preview);
  make_preview (self);
  if (self->project != NULL)
    {
      cs_preview_set_project (self->preview, self->project);
      self->requested = -1;
      request_frame (self, get_playhead (self), FALSE);
    }
}

CsWindow *
cs_window_new (GtkApplication *application,
               CsStyleLibrary *styles)
{
  CsWindow *self = g_object_new (CS_TYPE_WINDOW, "application", application, NULL);

  self->settings = g_object_ref (cs_application_get_settings (CS_APPLICATION (application)));
  self->styles = g_object_ref (styles);
  g_signal_connect_object (styles, "items-changed", G_CALLBACK (on_styles_changed), self, 0);

  make_preview (self);
  {
    g_autofree char *device = g_settings_get_string (self->settings, "device");

    /* Its pictures come from a thumbnailer of its own, which opens its
     * device only when the first VToonify-D segment asks. */
    self->reference_picker = cs_reference_picker_new (device, g_settings_get_boolean (self->settings, "fp16")
                                                              ? CS_PRECISION_AUTO : CS_PRECISION_FP32);
    gtk_menu_button_set_popover (self->reference_button, GTK_WIDGET (self->reference_picker));
    g_signal_connect (self->reference_picker, "reference-chosen", G_CALLBACK (on_reference_chosen), self);
    g_object_bind_property (self->reference_picker, "current-picture", self->reference_picture, "paintable",
                            G_BINDING_SYNC_CREATE);
    g_object_bind_property_full (self->reference_picker, "current-picture", self->reference_picture, "visible",
                                 G_BINDING_SYNC_CREATE, picture_is_set, NULL, NULL, NULL);
  }
  g_signal_connect_object (self->settings, "changed::device", G_CALLBACK (on_device_setting), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::fp16", G_CALLBACK (on_device_setting), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::proxy-size", G_CALLBACK (on_preview_setting), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::cache-size", G_CALLBACK (on_preview_setting), self,
                           G_CONNECT_SWAPPED);

  g_signal_connect_object (self->settings, "changed::preview-mode",
                           G_CALLBACK (on_preview_mode_setting), self, 0);
  on_preview_mode_setting (self->settings, "preview-mode", self);

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
  rebuild_style_choices (self);
  return self;
}
