/* test-timeline-view.c: the timeline widget under Xvfb
 *
 * A project over a real clip of the shared test data, shown in a window:
 * the widget's actions and drags edit the project (one undo step each), the
 * view follows the project's changes, zoom and scroll stay in range, and the
 * pixels it draws put the playhead, the style colours and the degree curves
 * where the geometry says. The rendered widget is saved as PNG next to the
 * test binary to be looked at.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "cs-timeline-view.h"
#include "cs-timeline-view-private.h"

#define WINDOW_WIDTH  1000
#define WINDOW_HEIGHT 190

static char *data_dir;
static char *tmp_dir;
static char *clip_path;
static char *clip_hash;
static gint64 clip_frames;
static int clip_rate_num, clip_rate_den, clip_width, clip_height;
static GPtrArray *thumbnails;   /* GdkTexture per frame, or NULL */

/* Set-up ---------------------------------------------------------------------------------------- */

static gboolean
run_program (const char * const *argv,
             char              **out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GBytes) bytes = NULL;

  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
  if (process == NULL || !g_subprocess_communicate (process, NULL, NULL, &bytes, NULL, &error) ||
      !g_subprocess_get_successful (process))
    return FALSE;
  if (out != NULL)
    *out = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  return TRUE;
}

static const char *
probe_value (const char *probe,
             const char *key)
{
  const char *p = strstr (probe, key);

  return p != NULL ? p + strlen (key) : NULL;
}

/* Counts the clip's frames with ffprobe (the widgets link no media layer)
 * and decodes small thumbnails of every frame with ffmpeg. */
static gboolean
setup_clip (void)
{
  g_autofree char *path = NULL;
  g_autofree char *probe = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *program_ffprobe = g_find_program_in_path ("ffprobe");
  g_autofree char *program_ffmpeg = g_find_program_in_path ("ffmpeg");
  const char *v;

  if (clip_path != NULL)
    return TRUE;

  path = g_build_filename (data_dir, "media", "30fps_numeroted_frames_red.mkv", NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_test_skip ("media/30fps_numeroted_frames_red.mkv is missing; set CELSHADE_TEST_DATA to the shared data");
      return FALSE;
    }
  if (program_ffprobe == NULL || program_ffmpeg == NULL)
    {
      g_test_skip ("the ffmpeg and ffprobe programs are needed to read the test clip");
      return FALSE;
    }

  {
    const char *argv[] = { "ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                           "-show_entries", "stream=nb_read_frames,r_frame_rate,width,height",
                           "-of", "default=noprint_wrappers=1", path, NULL };

    g_assert_true (run_program (argv, &probe));
  }
  g_test_message ("%s", probe);
  g_assert_nonnull ((v = probe_value (probe, "nb_read_frames=")));
  clip_frames = g_ascii_strtoll (v, NULL, 10);
  g_assert_nonnull ((v = probe_value (probe, "r_frame_rate=")));
  g_assert_cmpint (sscanf (v, "%d/%d", &clip_rate_num, &clip_rate_den), ==, 2);
  g_assert_nonnull ((v = probe_value (probe, "width=")));
  clip_width = atoi (v);
  g_assert_nonnull ((v = probe_value (probe, "height=")));
  clip_height = atoi (v);
  g_assert_cmpint (clip_frames, >, 60);

  clip_hash = cs_project_hash_file (path, NULL, &error);
  g_assert_no_error (error);

  {
    g_autofree char *pattern = g_build_filename (tmp_dir, "thumb-%04d.png", NULL);
    const char *argv[] = { "ffmpeg", "-nostdin", "-v", "error", "-y", "-i", path,
                           "-vf", "scale=96:-2", "-start_number", "0", pattern, NULL };

    g_assert_true (run_program (argv, NULL));
  }
  thumbnails = g_ptr_array_new_with_free_func (g_object_unref);
  for (gint64 f = 0; f < clip_frames; f++)
    {
      g_autofree char *name = g_strdup_printf ("thumb-%04" G_GINT64_FORMAT ".png", f);
      g_autofree char *file = g_build_filename (tmp_dir, name, NULL);
      GdkTexture *texture = gdk_texture_new_from_filename (file, &error);

      g_assert_no_error (error);
      g_ptr_array_add (thumbnails, texture);
      g_unlink (file);
    }

  clip_path = g_steal_pointer (&path);
  return TRUE;
}

static CsProject *
new_project (gint64 n_frames)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsSourceClip) source = NULL;

  source = cs_source_clip_new (clip_path, n_frames, clip_rate_num, clip_rate_den,
                               clip_width, clip_height, clip_hash, &error);
  g_assert_no_error (error);
  return cs_project_new (source);
}

static CsStyleRef *
new_style (const char *id,
           const char *name)
{
  /* A fixed folder (which need not exist) keeps the colours, which come
   * from the folder, the same from run to run. */
  g_autofree char *folder = g_build_filename ("/celshade-test/styles", id, NULL);

  return cs_style_ref_new (id, name, folder);
}

/* Thumbnails for the frames before @ready_limit; later ones are "not
 * ready" and the strip must draw placeholders for them. */
typedef struct {
  gint64 ready_limit;
  guint  calls;
  gint64 min_frame, max_frame;
} ThumbState;

static GdkTexture *
thumbnail_func (gint64   frame,
                gpointer user_data)
{
  ThumbState *state = user_data;

  state->calls++;
  state->min_frame = MIN (state->min_frame, frame);
  state->max_frame = MAX (state->max_frame, frame);
  g_assert_cmpint (frame, >=, 0);
  g_assert_cmpint (frame, <, (gint64) thumbnails->len);
  if (frame >= state->ready_limit)
    return NULL;
  return g_object_ref (g_ptr_array_index (thumbnails, frame));
}

static void
wait_for_width (GtkWidget *widget,
                int        width)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (gtk_widget_get_width (widget) < width && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  /* Let pending resizes and redraws settle. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpint (gtk_widget_get_width (widget), >=, width);
}

static GtkWidget *
show_view (CsProject  *project,
           GtkWidget **window_out)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *view = cs_timeline_view_new ();

  gtk_window_set_default_size (GTK_WINDOW (window), WINDOW_WIDTH, WINDOW_HEIGHT);
  gtk_window_set_decorated (GTK_WINDOW (window), FALSE);
  gtk_window_set_child (GTK_WINDOW (window), view);
  cs_timeline_view_set_project (CS_TIMELINE_VIEW (view), project);
  gtk_window_present (GTK_WINDOW (window));
  wait_for_width (view, WINDOW_WIDTH - 10);
  *window_out = window;
  return view;
}

static gboolean
activate (GtkWidget  *view,
          const char *action,
          GVariant   *param)
{
  return gtk_widget_activate_action_variant (view, action, param);
}

static gint64
playhead (GtkWidget *view)
{
  return cs_timeline_view_get_playhead (CS_TIMELINE_VIEW (view));
}

static guint
selected (GtkWidget *view)
{
  return cs_timeline_view_get_selected_segment (CS_TIMELINE_VIEW (view));
}

static gint64
segment_start (CsProject *project,
               guint      index)
{
  return cs_segment_get_start (cs_project_get_segment (project, index));
}

/* Rendering ---------------------------------------------------------------------------------------- */

typedef struct {
  GdkTexture *texture;
  guchar     *pixels;
  gsize       stride;
  int         width, height;
  double      snapshot_ms, render_ms;   /* how long the last render took */
} Image;

static void
image_clear (Image *image)
{
  g_clear_object (&image->texture);
  g_clear_pointer (&image->pixels, g_free);
}

static void
window_background (GtkWidget *widget,
                   GdkRGBA   *color)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  GtkStyleContext *context = gtk_widget_get_style_context (widget);

  if (!gtk_style_context_lookup_color (context, "window_bg_color", color) &&
      !gtk_style_context_lookup_color (context, "theme_bg_color", color))
    gdk_rgba_parse (color, "#fafafa");
  G_GNUC_END_IGNORE_DEPRECATIONS
}

/* Renders the view with the window's (cairo) renderer over the window's
 * background, as the window shows it, as it is now. */
static void
render_now (GtkWidget *view,
            Image     *image)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (view));
  int width = gtk_widget_get_width (view), height = gtk_widget_get_height (view);
  g_autoptr(GskRenderNode) node = NULL;
  GdkRGBA background;
  gint64 t0, t1;

  window_background (view, &background);
  gtk_snapshot_append_color (snapshot, &background, &GRAPHENE_RECT_INIT (0, 0, width, height));
  t0 = g_get_monotonic_time ();
  GTK_WIDGET_GET_CLASS (view)->snapshot (view, snapshot);
  node = gtk_snapshot_free_to_node (snapshot);
  t1 = g_get_monotonic_time ();
  g_assert_nonnull (node);

  image_clear (image);
  image->texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  image->snapshot_ms = (t1 - t0) / 1000.0;
  image->render_ms = (g_get_monotonic_time () - t1) / 1000.0;
  image->width = gdk_texture_get_width (image->texture);
  image->height = gdk_texture_get_height (image->texture);
  image->stride = (gsize) image->width * 4;
  image->pixels = g_malloc (image->stride * image->height);
  gdk_texture_download (image->texture, image->pixels, image->stride);
}

/* Renders the view once everything pending (layout, redraws) has run. */
static void
render (GtkWidget *view,
        Image     *image)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
  render_now (view, image);
}

/* The pixel at (@x, @y) as 0..255 RGB (the download is cairo's ARGB32). */
static void
pixel (const Image *image,
       int          x,
       int          y,
       int          rgb[3])
{
  const guchar *p;
  guint32 v;

  g_assert_cmpint (x, >=, 0);
  g_assert_cmpint (x, <, image->width);
  g_assert_cmpint (y, >=, 0);
  g_assert_cmpint (y, <, image->height);
  p = image->pixels + (gsize) y * image->stride + (gsize) x * 4;
  memcpy (&v, p, 4);
  rgb[0] = (v >> 16) & 0xff;
  rgb[1] = (v >> 8) & 0xff;
  rgb[2] = v & 0xff;
}

static int
pixel_distance (const Image *image,
                int x0, int y0,
                int x1, int y1)
{
  int a[3], b[3];

  pixel (image, x0, y0, a);
  pixel (image, x1, y1, b);
  return abs (a[0] - b[0]) + abs (a[1] - b[1]) + abs (a[2] - b[2]);
}

static int
color_distance (const Image   *image,
                int            x,
                int            y,
                const GdkRGBA *color)
{
  int a[3];

  pixel (image, x, y, a);
  return abs (a[0] - (int) lround (color->red * 255)) +
         abs (a[1] - (int) lround (color->green * 255)) +
         abs (a[2] - (int) lround (color->blue * 255));
}

static void
save_png (const Image *image,
          const char  *name)
{
  const char *dir = g_getenv ("G_TEST_BUILDDIR");
  g_autofree char *path = g_build_filename (dir != NULL ? dir : g_test_get_dir (G_TEST_BUILT), name, NULL);

  g_assert_true (gdk_texture_save_to_png (image->texture, path));
  g_test_message ("rendered timeline saved to %s", path);
}

/* The first row, going down column @x from @y_from, that differs from the
 * row at @y_from: where a degree curve's stroke starts. */
static int
first_change_down (const Image *image,
                   int          x,
                   int          y_from,
                   int          y_to)
{
  for (int y = y_from + 1; y < y_to; y++)
    if (pixel_distance (image, x, y, x, y_from) > 40)
      return y;
  return -1;
}

/* Tests ------------------------------------------------------------------------------------------------ */

static void
test_actions (void)
{
  g_autoptr(CsProject) project = NULL;
  GtkWidget *window, *view;
  gint64 last;

  if (!setup_clip ())
    return;

  project = new_project (clip_frames);
  view = show_view (project, &window);
  last = clip_frames - 1;
  g_assert_true (gtk_widget_get_focusable (view));

  g_assert_cmpint (playhead (view), ==, 0);
  g_assert_true (activate (view, "timeline.step", g_variant_new_int32 (1)));
  g_assert_cmpint (playhead (view), ==, 1);
  activate (view, "timeline.step", g_variant_new_int32 (-1));
  g_assert_cmpint (playhead (view), ==, 0);
  activate (view, "timeline.step", g_variant_new_int32 (-1));
  g_assert_cmpint (playhead (view), ==, 0);
  activate (view, "timeline.step-seconds", g_variant_new_int32 (1));
  g_assert_cmpint (playhead (view), ==, clip_rate_num / clip_rate_den);
  activate (view, "timeline.end", NULL);
  g_assert_cmpint (playhead (view), ==, last);
  activate (view, "timeline.step", g_variant_new_int32 (5));
  g_assert_cmpint (playhead (view), ==, last);
  activate (view, "timeline.home", NULL);
  g_assert_cmpint (playhead (view), ==, 0);

  /* Split at the playhead; the new segment is the one under it. */
  cs_timeline_view_set_playhead (CS_TIMELINE_VIEW (view), 30);
  g_assert_true (activate (view, "timeline.split", NULL));
  g_assert_cmpuint (cs_project_get_n_segments (project), ==, 2);
  g_assert_cmpint (segment_start (project, 1), ==, 30);
  g_assert_cmpuint (selected (view), ==, 1);

  /* On a cut there is nothing to split: a beep, and nothing changes. */
  activate (view, "timeline.split", NULL);
  g_assert_cmpuint (cs_project_get_n_segments (project), ==, 2);
  g_assert_cmpstr (cs_project_get_undo_label (project), !=, NULL);

  cs_timeline_view_set_playhead (CS_TIMELINE_VIEW (view), 10);
  g_assert_cmpuint (selected (view), ==, 0);
  activate (view, "timeline.split", NULL);
  g_assert_cmpuint (cs_project_get_n_segments (project), ==, 3);
  g_assert_cmpuint (selected (view), ==, 1);

  g_assert_true (cs_project_undo (project));
  g_assert_cmpuint (cs_project_get_n_segments (project), ==, 2);
  g_assert_cmpuint (selected (view), ==, 0);
  g_assert_true (cs_project_redo (project));
  g_assert_cmpuint (cs_project_get_n_segments (project), ==, 3);

  /* Join the selected with the next... */
  cs_timeline_view_set_selected_segment (CS_TIMELINE_VIEW (view), 0);
  g_assert_true (activate (view, "timeline.join", NULL));
  g_assert_cmpuint (cs_project_get_n_segments (project), ==, 2);
  g_assert_cmpint (segment_start (project, 1), ==, 30);
  g_assert_cmpuint (selected (view), ==, 0);

  /* ...and the last with the one before it. */
  cs_timeline_view_set_selected_segment (CS_TIMELINE_VIEW (view), 1);
  g_assert_true (activate (view, "timeline.join", NULL));
  g_assert_cmpuint (cs_project_get_n_segments (project), ==, 1);
  g_assert_cmpuint (selected (view), ==, 0);

  /* One segment: nothing to join, the action is off. */
  gtk_widget_activate_action (view, "timeline.join", NULL);
  g_assert_cmpuint (cs_project_get_n_segments (project), ==, 1);

  g_assert_true (cs_project_undo (project));
  g_assert_cmpuint (cs_project_get_n_segments (project), ==, 2);
  g_assert_true (cs_project_undo (project));
  g_assert_cmpuint (cs_project_get_n_segments (project), ==, 3);
  g_assert_true (cs_project_undo (project));
  g_assert_true (cs_project_undo (project));
  g_assert_cmpuint (cs_project_get_n_segments (project), ==, 1);
  g_assert_false (cs_project_get_can_undo (project));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
count_notify (guint *count)
{
  (*count)++;
}

/* Runs the widget's own key binding for @keyval with @mods, as a key press
 * would; FALSE when none is bound. */
static gboolean
press_key (GtkWidget       *view,
           guint            keyval,
           GdkModifierType  mods)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (view);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          GtkShortcutTrigger *trigger = gtk_shortcut_get_trigger (shortcut);

          if (GTK_IS_KEYVAL_TRIGGER (trigger) &&
              gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (trigger)) == keyval &&
              gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (trigger)) == mods)
            return gtk_shortcut_action_activate (gtk_shortcut_get_action (shortcut), 0, view,
                                                 gtk_shortcut_get_arguments (shortcut));
        }
    }
  return FALSE;
}

/* The keys a user presses reach the same actions. */
static void
test_keys (void)
{
  g_autoptr(CsProject) project = NULL;
  GtkWidget *window, *view;
  double fit;

  if (!setup_clip ())
    return;

  project = new_project (clip_frames);
  view = show_view (project, &window);
  fit = cs_timeline_view_get_zoom (CS_TIMELINE_VIEW (view));

  g_assert_true (press_key (view, GDK_KEY_Right, 0));
  g_assert_cmpint (playhead (view), ==, 1);
  g_assert_true (press_key (view, GDK_KEY_Right, GDK_SHIFT_MASK));
  g_assert_cmpint (playhead (view), ==, 1 + clip_rate_num / clip_rate_den);
  g_assert_true (press_key (view, GDK_KEY_Left, 0));
  g_assert_cmpint (playhead (view), ==, clip_rate_num / clip_rate_den);
  g_assert_true (press_key (view, GDK_KEY_Left, GDK_SHIFT_MASK));
  g_assert_cmpint (playhead (view), ==, 0);
  g_assert_true (press_key (view, GDK_KEY_End, 0));
  g_assert_cmpint (playhead (view), ==, clip_frames - 1);
  g_assert_true (press_key (view, GDK_KEY_Home, 0));
  g_assert_cmpint (playhead (view), ==, 0);

  cs_timeline_view_set_playhead (CS_TIMELINE_VIEW (view), 33);
  g_assert_true (press_key (view, GDK_KEY_s, 0));
  g_assert_cmpuint (cs_project_get_n_segments (project), ==, 2);
  g_assert_true (press_key (view, GDK_KEY_BackSpace, 0));
  g_assert_cmpuint (cs_project_get_n_segments (project), ==, 1);
  g_assert_true (cs_project_undo (project));
  g_assert_true (press_key (view, GDK_KEY_Delete, 0));
  g_assert_cmpuint (cs_project_get_n_segments (project), ==, 1);

  g_assert_true (press_key (view, GDK_KEY_plus, 0));
  g_assert_cmpfloat (cs_timeline_view_get_zoom (CS_TIMELINE_VIEW (view)), >, fit);
  g_assert_true (press_key (view, GDK_KEY_minus, 0));
  g_assert_true (press_key (view, GDK_KEY_equal, 0));
  g_assert_true (press_key (view, GDK_KEY_0, 0));
  g_assert_cmpfloat (cs_timeline_view_get_zoom (CS_TIMELINE_VIEW (view)), ==, fit);

  /* Focused from the keyboard, it shows a focus ring. */
  {
    Image image = { 0 };
    int h;
    int before[3], after[3];

    gtk_window_set_focus_visible (GTK_WINDOW (window), FALSE);
    render (view, &image);
    h = image.height / 2;
    pixel (&image, 1, h, before);
    g_assert_true (gtk_widget_grab_focus (view));
    gtk_window_set_focus_visible (GTK_WINDOW (window), TRUE);
    g_assert_true (gtk_widget_has_visible_focus (view));
    render (view, &image);
    pixel (&image, 1, h, after);
    g_assert_cmpint (abs (before[0] - after[0]) + abs (before[1] - after[1]) + abs (before[2] - after[2]), >, 30);
    image_clear (&image);
  }

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_follow (void)
{
  g_autoptr(CsProject) project = NULL;
  g_autoptr(CsProject) shorter = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *window, *view;
  guint notified = 0;

  if (!setup_clip ())
    return;

  project = new_project (clip_frames);
  view = show_view (project, &window);
  g_assert_true (cs_project_split (project, 20, &error));
  g_assert_true (cs_project_split (project, 50, &error));

  /* Following the playhead: the selection stays the segment under it. */
  cs_timeline_view_set_playhead (CS_TIMELINE_VIEW (view), 60);
  g_assert_cmpuint (selected (view), ==, 2);
  g_assert_true (cs_project_join (project, 1, &error));
  g_assert_cmpuint (selected (view), ==, 1);
  g_assert_true (cs_project_undo (project));
  g_assert_cmpuint (selected (view), ==, 2);

  /* A segment the user picked away from the playhead stays picked while
   * the indices before it shift. */
  cs_timeline_view_set_playhead (CS_TIMELINE_VIEW (view), 5);
  cs_timeline_view_set_selected_segment (CS_TIMELINE_VIEW (view), 2);
  g_assert_true (cs_project_join (project, 0, &error));
  g_assert_cmpuint (cs_project_get_n_segments (project), ==, 2);
  g_assert_cmpuint (selected (view), ==, 1);
  g_assert_true (cs_project_undo (project));
  g_assert_cmpuint (selected (view), ==, 2);

  /* Undoing the split that made the selected segment clamps it. */
  g_assert_true (cs_project_undo (project));
  g_assert_cmpuint (cs_project_get_n_segments (project), ==, 2);
  g_assert_cmpuint (selected (view), <, 2);

  /* The playhead stays inside the clip, also for a shorter one. */
  cs_timeline_view_set_playhead (CS_TIMELINE_VIEW (view), 100000);
  g_assert_cmpint (playhead (view), ==, clip_frames - 1);
  shorter = new_project (40);
  g_signal_connect_swapped (view, "notify::playhead", G_CALLBACK (count_notify), &notified);
  cs_timeline_view_set_project (CS_TIMELINE_VIEW (view), shorter);
  g_assert_cmpint (playhead (view), ==, 39);
  g_assert_cmpuint (notified, ==, 1);
  g_assert_cmpuint (selected (view), ==, 0);

  cs_timeline_view_set_project (CS_TIMELINE_VIEW (view), NULL);
  g_assert_cmpint (playhead (view), ==, 0);
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_drag_boundary (void)
{
  g_autoptr(CsProject) project = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *window, *view;
  CsTimelineView *tv;
  graphene_rect_t track;
  double x, y;
  gboolean scrubbed = FALSE;

  if (!setup_clip ())
    return;

  project = new_project (clip_frames);
  view = show_view (project, &window);
  tv = CS_TIMELINE_VIEW (view);
  g_assert_true (cs_project_split (project, 30, &error));
  g_assert_true (cs_project_split (project, 60, &error));
  cs_timeline_view_get_bands (tv, NULL, NULL, &track);

  /* Low in the track, clear of the keyframe handles at degree 1. */
  x = cs_timeline_view_frame_to_x (tv, 30);
  y = cs_timeline_view_degree_to_y (tv, 0.1);
  g_assert_cmpstr (cs_timeline_view_get_cursor_at (tv, x, y), ==, "col-resize");
  g_assert_cmpstr (cs_timeline_view_get_cursor_at (tv, x + 20, y), ==, "pointer");

  cs_timeline_view_pointer_press (tv, x, y);
  cs_timeline_view_pointer_motion (tv, cs_timeline_view_frame_to_x (tv, 38), y);
  cs_timeline_view_pointer_motion (tv, cs_timeline_view_frame_to_x (tv, 45) + 1, y + 3);
  g_assert_cmpint (segment_start (project, 1), ==, 45);
  /* A cut cannot pass its neighbour: it stops a frame before it. */
  cs_timeline_view_pointer_motion (tv, cs_timeline_view_frame_to_x (tv, 70), y);
  g_assert_cmpint (segment_start (project, 1), ==, 59);
  cs_timeline_view_pointer_motion (tv, cs_timeline_view_frame_to_x (tv, 50), y);
  cs_timeline_view_pointer_release (tv);
  g_assert_cmpint (segment_start (project, 1), ==, 50);
  g_assert_cmpint (segment_start (project, 2), ==, 60);

  /* The whole drag is one step. */
  g_assert_true (cs_project_undo (project));
  g_assert_cmpint (segment_start (project, 1), ==, 30);
  g_assert_true (cs_project_undo (project));
  g_assert_cmpuint (cs_project_get_n_segments (project), ==, 2);

  /* A click on a cut that does not move leaves no step. */
  cs_timeline_view_pointer_press (tv, x, y);
  cs_timeline_view_pointer_release (tv);
  g_assert_true (cs_project_undo (project));
  g_assert_cmpuint (cs_project_get_n_segments (project), ==, 1);
  g_assert_false (cs_project_get_can_undo (project));

  /* Scrubbing on the strip moves the playhead and says so while it lasts. */
  {
    graphene_rect_t strip;
    GValue value = G_VALUE_INIT;

    cs_timeline_view_get_bands (tv, NULL, &strip, NULL);
    cs_timeline_view_pointer_press (tv, cs_timeline_view_frame_to_x (tv, 12), strip.origin.y + 5);
    g_assert_cmpint (playhead (view), ==, 12);
    g_assert_true (cs_timeline_view_get_scrubbing (tv));
    cs_timeline_view_pointer_motion (tv, cs_timeline_view_frame_to_x (tv, 40), strip.origin.y + 5);
    scrubbed = cs_timeline_view_get_scrubbing (tv);
    g_value_init (&value, G_TYPE_BOOLEAN);
    g_object_get_property (G_OBJECT (view), "scrubbing", &value);
    g_assert_true (g_value_get_boolean (&value));
    g_assert_cmpint (playhead (view), ==, 40);
    cs_timeline_view_pointer_release (tv);
    g_assert_false (cs_timeline_view_get_scrubbing (tv));
  }
  g_assert_true (scrubbed);

  /* Clicking a segment selects it without moving the playhead. */
  g_assert_true (cs_project_split (project, 20, &error));
  cs_timeline_view_pointer_press (tv, cs_timeline_view_frame_to_x (tv, 5), y);
  cs_timeline_view_pointer_release (tv);
  g_assert_cmpuint (selected (view), ==, 0);
  g_assert_cmpint (playhead (view), ==, 40);

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_drag_keyframe (void)
{
  g_autoptr(CsProject) project = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *window, *view;
  CsTimelineView *tv;
  CsSegment *segment;
  g_autoptr(CsStyleRef) style = new_style ("mosaic", "Mosaic");
  guint k, n_before;
  double x, y;

  if (!setup_clip ())
    return;

  project = new_project (clip_frames);
  view = show_view (project, &window);
  tv = CS_TIMELINE_VIEW (view);
  g_assert_true (cs_project_add_keyframe (project, 40, 0.5, CS_INTERPOLATION_LINEAR, &error));

  /* The original frames have no degree: no handle to grab, no point to add. */
  x = cs_timeline_view_frame_to_x (tv, 40);
  y = cs_timeline_view_degree_to_y (tv, 0.5);
  g_assert_cmpstr (cs_timeline_view_get_cursor_at (tv, x, y), ==, "pointer");
  cs_timeline_view_pointer_double_click (tv, cs_timeline_view_frame_to_x (tv, 20), y);
  g_assert_cmpuint (cs_segment_get_n_keyframes (cs_project_get_segment (project, 0)), ==, 2);

  g_assert_true (cs_project_set_style (project, 0, style, &error));
  g_assert_true (cs_project_get_can_undo (project));
  /* Zoomed in, so that every frame is several pixels wide. */
  cs_timeline_view_set_zoom (tv, 1e9);
  cs_timeline_view_set_playhead (tv, 45);
  while (g_main_context_iteration (NULL, FALSE))
    ;

  x = cs_timeline_view_frame_to_x (tv, 40);
  y = cs_timeline_view_degree_to_y (tv, 0.5);
  g_assert_cmpfloat (x, >, 0);
  g_assert_cmpfloat (x, <, gtk_widget_get_width (view));
  g_assert_cmpstr (cs_timeline_view_get_cursor_at (tv, x + 2, y - 1), ==, "grab");

  cs_timeline_view_pointer_press (tv, x + 2, y - 1);
  g_assert_cmpuint (selected (view), ==, 0);
  cs_timeline_view_pointer_motion (tv, cs_timeline_view_frame_to_x (tv, 48), cs_timeline_view_degree_to_y (tv, 0.3));
  cs_timeline_view_pointer_motion (tv, cs_timeline_view_frame_to_x (tv, 52), cs_timeline_view_degree_to_y (tv, 0.2));
  cs_timeline_view_pointer_release (tv);

  segment = cs_project_get_segment (project, 0);
  g_assert_false (cs_segment_find_keyframe (segment, 40, &k));
  g_assert_true (cs_segment_find_keyframe (segment, 52, &k));
  g_assert_cmpfloat_with_epsilon (cs_segment_get_keyframe (segment, k)->degree, 0.2, 0.01);

  /* One step back to where it was, exactly. */
  g_assert_true (cs_project_undo (project));
  segment = cs_project_get_segment (project, 0);
  g_assert_true (cs_segment_find_keyframe (segment, 40, &k));
  g_assert_cmpfloat (cs_segment_get_keyframe (segment, k)->degree, ==, 0.5);
  g_assert_false (cs_segment_find_keyframe (segment, 52, &k));

  /* Double-clicking on the curve adds a point that keeps its shape. */
  n_before = cs_segment_get_n_keyframes (segment);
  x = cs_timeline_view_frame_to_x (tv, 44);
  y = cs_timeline_view_degree_to_y (tv, cs_segment_get_degree_at (segment, 44));
  cs_timeline_view_pointer_double_click (tv, x, y);
  segment = cs_project_get_segment (project, 0);
  g_assert_cmpuint (cs_segment_get_n_keyframes (segment), ==, n_before + 1);
  g_assert_true (cs_segment_find_keyframe (segment, 44, &k));
  g_assert_cmpfloat_with_epsilon (cs_segment_get_keyframe (segment, k)->degree, 0.5, 1e-9);
  /* Where there is one already: a beep, nothing added. */
  cs_timeline_view_pointer_double_click (tv, x, y);
  g_assert_cmpuint (cs_segment_get_n_keyframes (cs_project_get_segment (project, 0)), ==, n_before + 1);
  g_assert_true (cs_project_undo (project));
  g_assert_cmpuint (cs_segment_get_n_keyframes (cs_project_get_segment (project, 0)), ==, n_before);

  /* A keyframe cannot be dragged onto another one or out of its segment. */
  x = cs_timeline_view_frame_to_x (tv, 40);
  y = cs_timeline_view_degree_to_y (tv, 0.5);
  cs_timeline_view_pointer_press (tv, x, y);
  cs_timeline_view_pointer_motion (tv, cs_timeline_view_frame_to_x (tv, 100000), cs_timeline_view_degree_to_y (tv, 2.0));
  cs_timeline_view_pointer_release (tv);
  segment = cs_project_get_segment (project, 0);
  g_assert_true (cs_segment_find_keyframe (segment, clip_frames - 1, &k));
  g_assert_cmpfloat (cs_segment_get_keyframe (segment, k)->degree, ==, 1.0);
  g_assert_true (cs_project_undo (project));
  g_assert_true (cs_segment_find_keyframe (cs_project_get_segment (project, 0), 40, &k));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_zoom (void)
{
  g_autoptr(CsProject) project = NULL;
  GtkWidget *window, *view;
  CsTimelineView *tv;
  double fit, max, seconds_before, seconds_after, offset, width;
  double duration;

  if (!setup_clip ())
    return;

  project = new_project (clip_frames);
  view = show_view (project, &window);
  tv = CS_TIMELINE_VIEW (view);
  width = gtk_widget_get_width (view);
  duration = (double) clip_frames * clip_rate_den / clip_rate_num;

  /* Fitted: the clip's first and last frames at the two ends. */
  fit = cs_timeline_view_get_zoom (tv);
  g_assert_cmpfloat (cs_timeline_view_frame_to_x (tv, 0), >=, 0);
  g_assert_cmpfloat_with_epsilon (cs_timeline_view_frame_to_x (tv, clip_frames) +
                                  cs_timeline_view_frame_to_x (tv, 0), width, 1e-6);

  cs_timeline_view_set_zoom (tv, 1e12);
  max = cs_timeline_view_get_zoom (tv);
  g_assert_cmpfloat (max, >, fit);
  g_assert_cmpfloat (max * clip_rate_den / clip_rate_num, <=, 32.0);
  cs_timeline_view_set_zoom (tv, 1e-6);
  g_assert_cmpfloat (cs_timeline_view_get_zoom (tv), ==, fit);
  cs_timeline_view_set_zoom (tv, NAN);
  g_assert_cmpfloat (cs_timeline_view_get_zoom (tv), ==, fit);

  g_assert_true (activate (view, "timeline.zoom-in", NULL));
  g_assert_cmpfloat (cs_timeline_view_get_zoom (tv), >, fit);
  activate (view, "timeline.zoom-out", NULL);
  g_assert_cmpfloat_with_epsilon (cs_timeline_view_get_zoom (tv), fit, 1e-9);
  activate (view, "timeline.zoom-in", NULL);
  activate (view, "timeline.zoom-fit", NULL);
  g_assert_cmpfloat (cs_timeline_view_get_zoom (tv), ==, fit);
  g_assert_cmpfloat (cs_timeline_view_get_scroll_offset (tv), ==, 0);

  /* Fitted, there is nothing to scroll. */
  cs_timeline_view_scroll_by (tv, 500);
  g_assert_cmpfloat (cs_timeline_view_get_scroll_offset (tv), ==, 0);

  /* Zooming around the pointer keeps the time under it. */
  seconds_before = (500 - cs_timeline_view_frame_to_x (tv, 0)) / cs_timeline_view_get_zoom (tv);
  cs_timeline_view_zoom_around (tv, fit * 1.7, 500);
  seconds_after = (500 - cs_timeline_view_frame_to_x (tv, 0)) / cs_timeline_view_get_zoom (tv);
  g_assert_cmpfloat_with_epsilon (seconds_before, seconds_after, 1e-9);

  /* Scrolling stops at both ends. */
  cs_timeline_view_scroll_by (tv, 1e9);
  offset = cs_timeline_view_get_scroll_offset (tv);
  g_assert_cmpfloat_with_epsilon (offset, duration * cs_timeline_view_get_zoom (tv) - (width - 2 * cs_timeline_view_frame_to_x (tv, 0) - 2 * offset), 1e-6);
  g_assert_cmpfloat_with_epsilon (cs_timeline_view_frame_to_x (tv, clip_frames), width - (cs_timeline_view_frame_to_x (tv, 0) + offset), 1e-6);
  cs_timeline_view_scroll_by (tv, -1e9);
  g_assert_cmpfloat (cs_timeline_view_get_scroll_offset (tv), ==, 0);

  /* Zoomed in, keyboard moves keep the playhead in view. */
  cs_timeline_view_set_zoom (tv, 1e12);
  activate (view, "timeline.end", NULL);
  g_assert_cmpfloat (cs_timeline_view_frame_to_x (tv, playhead (view)), >=, 0);
  g_assert_cmpfloat (cs_timeline_view_frame_to_x (tv, playhead (view)), <=, width);
  activate (view, "timeline.home", NULL);
  g_assert_cmpfloat (cs_timeline_view_frame_to_x (tv, 0), >=, 0);
  activate (view, "timeline.step-seconds", g_variant_new_int32 (2));
  g_assert_cmpfloat (cs_timeline_view_frame_to_x (tv, playhead (view)), >=, 0);
  g_assert_cmpfloat (cs_timeline_view_frame_to_x (tv, playhead (view)), <=, width);

  /* Stepping through the clip zoomed in (playback does the same) keeps the
   * playhead in view by turning pages, not by scrolling at every frame. */
  {
    guint turns = 0;
    double last = 0;

    activate (view, "timeline.home", NULL);
    last = cs_timeline_view_get_scroll_offset (tv);
    for (gint64 f = 1; f < clip_frames; f++)
      {
        cs_timeline_view_set_playhead (tv, f);
        g_assert_cmpfloat (cs_timeline_view_frame_to_x (tv, f), >=, 0);
        g_assert_cmpfloat (cs_timeline_view_frame_to_x (tv, f), <=, width);
        if (cs_timeline_view_get_scroll_offset (tv) != last)
          turns++;
        last = cs_timeline_view_get_scroll_offset (tv);
      }
    g_test_message ("pages turned over %" G_GINT64_FORMAT " frames: %u", clip_frames, turns);
    g_assert_cmpuint (turns, >=, 1);
    g_assert_cmpuint (turns, <=, 3);
  }

  /* Scrubbing past the right edge scrolls on its own while the pointer
   * stays there. */
  {
    graphene_rect_t ruler;
    double before;
    gint64 deadline, frame_before;

    activate (view, "timeline.home", NULL);
    cs_timeline_view_get_bands (tv, &ruler, NULL, NULL);
    before = cs_timeline_view_get_scroll_offset (tv);
    cs_timeline_view_pointer_press (tv, width / 2, ruler.size.height / 2);
    cs_timeline_view_pointer_motion (tv, width + 30, ruler.size.height / 2);
    frame_before = playhead (view);
    deadline = g_get_monotonic_time () + G_USEC_PER_SEC / 2;
    while (g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, FALSE);
    g_assert_cmpfloat (cs_timeline_view_get_scroll_offset (tv), >, before);
    g_assert_cmpint (playhead (view), >, frame_before);
    cs_timeline_view_pointer_release (tv);
    before = cs_timeline_view_get_scroll_offset (tv);
    deadline = g_get_monotonic_time () + G_USEC_PER_SEC / 10;
    while (g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, FALSE);
    g_assert_cmpfloat (cs_timeline_view_get_scroll_offset (tv), ==, before);
  }

  /* Natural width follows the zoom; the height has a floor. */
  {
    int min_h, nat_w, min_w;

    gtk_widget_measure (view, GTK_ORIENTATION_HORIZONTAL, -1, &min_w, &nat_w, NULL, NULL);
    g_assert_cmpint (nat_w, >=, (int) (duration * cs_timeline_view_get_zoom (tv)));
    gtk_widget_measure (view, GTK_ORIENTATION_VERTICAL, -1, &min_h, NULL, NULL, NULL);
    g_assert_cmpint (min_h, >=, 130);
    g_assert_cmpint (min_h, <=, 200);
  }

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_render (void)
{
  g_autoptr(CsProject) project = NULL;
  g_autoptr(CsStyleRef) candy = new_style ("candy", "Candy");
  g_autoptr(CsStyleRef) udnie = new_style ("udnie", "Udnie, Young American Girl (The Dance)");
  g_autoptr(GError) error = NULL;
  ThumbState thumbs = { 60, 0, G_MAXINT64, G_MININT64 };
  GtkWidget *window, *view;
  CsTimelineView *tv;
  graphene_rect_t ruler, strip, track;
  Image image = { 0 };
  GdkRGBA color[3], accent;
  int curve_y[3], playhead_x, old_x, probe_y;
  /* On the ease from 1 down to 0.4, on its hold, and on the second
   * segment's constant 0.25. */
  const gint64 probe_frames[3] = { 3, 20, 36 };
  const guint probe_segments[3] = { 0, 0, 1 };

  if (!setup_clip ())
    return;

  project = new_project (clip_frames);
  g_assert_true (cs_project_split (project, 25, &error));
  g_assert_true (cs_project_split (project, 50, &error));
  g_assert_true (cs_project_set_style (project, 0, candy, &error));
  g_assert_true (cs_project_set_style (project, 1, udnie, &error));
  g_assert_true (cs_project_add_keyframe (project, 12, 0.4, CS_INTERPOLATION_LINEAR, &error));
  g_assert_true (cs_project_set_keyframe_interpolation (project, 0, CS_INTERPOLATION_EASE_IN_OUT, &error));
  g_assert_true (cs_project_move_keyframe (project, 25, 25, 0.25, &error));
  g_assert_true (cs_project_set_crossfade (project, 2, 8, &error));
  g_assert_no_error (error);
  view = show_view (project, &window);
  tv = CS_TIMELINE_VIEW (view);
  cs_timeline_view_set_thumbnail_func (tv, thumbnail_func, &thumbs, NULL);
  cs_timeline_view_set_playhead (tv, 40);
  g_assert_cmpuint (selected (view), ==, 1);
  cs_timeline_view_get_bands (tv, &ruler, &strip, &track);

  render (view, &image);
  save_png (&image, "timeline-view-light.png");

  /* Thumbnails were asked for across the clip and never beyond it. */
  g_assert_cmpuint (thumbs.calls, >, 5);
  g_assert_cmpint (thumbs.min_frame, <=, 5);
  g_assert_cmpint (thumbs.max_frame, >=, clip_frames - 8);
  /* A tile not ready is a plain placeholder; a ready one shows the clip. */
  {
    int xr = (int) cs_timeline_view_frame_to_x (tv, 10), xp = (int) cs_timeline_view_frame_to_x (tv, clip_frames) - 12;
    int y0 = (int) strip.origin.y + 4, y1 = (int) (strip.origin.y + strip.size.height) - 4;
    int spread_ready = 0, spread_placeholder = 0;

    for (int y = y0; y < y1; y++)
      {
        spread_ready = MAX (spread_ready, pixel_distance (&image, xr, y0, xr, y));
        spread_placeholder = MAX (spread_placeholder, pixel_distance (&image, xp, y0, xp, y));
      }
    g_assert_cmpint (spread_ready, >, 60);
    g_assert_cmpint (spread_placeholder, <, 6);
  }

  /* Each segment's title bar is its style's colour; the three differ. */
  cs_timeline_view_get_style_color (cs_style_ref_get_folder (candy), &color[0]);
  cs_timeline_view_get_style_color (cs_style_ref_get_folder (udnie), &color[1]);
  cs_timeline_view_get_style_color (NULL, &color[2]);
  for (guint i = 0; i < 3; i++)
    {
      CsSegment *segment = cs_project_get_segment (project, i);
      int x = (int) cs_timeline_view_frame_to_x (tv, cs_segment_get_end (segment)) - 10;

      g_assert_cmpint (color_distance (&image, x, (int) track.origin.y + 2, &color[i]), <=, 6);
    }
  g_assert_cmpint (color_distance (&image, (int) cs_timeline_view_frame_to_x (tv, 24), (int) track.origin.y + 2, &color[1]), >, 60);
  g_assert_cmpint (color_distance (&image, (int) cs_timeline_view_frame_to_x (tv, 49), (int) track.origin.y + 2, &color[2]), >, 60);

  /* The curve's stroke is where its degree puts it, below a plain wash. */
  for (guint i = 0; i < 3; i++)
    {
      CsSegment *segment = cs_project_get_segment (project, probe_segments[i]);
      double degree = cs_segment_get_degree_at (segment, probe_frames[i]);
      int x = (int) cs_timeline_view_frame_to_x (tv, probe_frames[i]);
      double body_top = cs_timeline_view_degree_to_y (tv, 1.0) - 6;

      curve_y[i] = first_change_down (&image, x, (int) body_top, (int) (track.origin.y + track.size.height));
      g_test_message ("frame %" G_GINT64_FORMAT ": degree %.3f, curve at y %d, expected %.1f",
                      probe_frames[i], degree, curve_y[i], cs_timeline_view_degree_to_y (tv, degree));
      g_assert_cmpfloat (fabs (curve_y[i] - cs_timeline_view_degree_to_y (tv, degree)), <=, 2.0);
    }
  g_assert_cmpint (curve_y[2], >, curve_y[1]);
  g_assert_cmpint (curve_y[1], >, curve_y[0]);

  /* The original frames have no degree: a plain block, no curve. */
  {
    int x = (int) cs_timeline_view_frame_to_x (tv, 68);
    int top = (int) cs_timeline_view_degree_to_y (tv, 1.0) - 4;

    g_assert_cmpint (first_change_down (&image, x, top, (int) (track.origin.y + track.size.height) - 3), ==, -1);
  }

  /* The cross-fade into the last segment ramps from one colour to the
   * other over the frames cs_timeline_get_crossfade() gives. */
  {
    gint64 fs, fe;
    double xs, xe;
    int y = (int) ((cs_timeline_view_degree_to_y (tv, 1.0) + cs_timeline_view_degree_to_y (tv, 0.0)) / 2);
    int early, late;

    g_assert_true (cs_timeline_get_crossfade (cs_project_get_timeline (project), 2, &fs, &fe));
    xs = cs_timeline_view_frame_to_x (tv, fs);
    xe = cs_timeline_view_frame_to_x (tv, fe);
    early = (int) (xs + 0.2 * (xe - xs));
    late = (int) (xs + 0.8 * (xe - xs));
    g_assert_cmpint (pixel_distance (&image, early, y, late, y), >, 40);
    g_assert_cmpint (color_distance (&image, early, y, &color[1]), <, color_distance (&image, early, y, &color[2]));
    g_assert_cmpint (color_distance (&image, late, y, &color[2]), <, color_distance (&image, late, y, &color[1]));
  }

  /* The playhead is a line of the accent colour, and moves. */
  playhead_x = (int) round (cs_timeline_view_frame_to_x (tv, 40));
  probe_y = (int) cs_timeline_view_degree_to_y (tv, 0.7);
  g_assert_cmpint (pixel_distance (&image, playhead_x, probe_y, playhead_x - 6, probe_y), >, 60);
  g_assert_cmpint (pixel_distance (&image, playhead_x, probe_y, playhead_x + 6, probe_y), >, 60);
  g_assert_cmpint (pixel_distance (&image, playhead_x, (int) strip.origin.y + 2, playhead_x, probe_y), <, 6);
  {
    int rgb[3];

    pixel (&image, playhead_x, probe_y, rgb);
    accent = (GdkRGBA) { rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0, 1 };
  }

  old_x = playhead_x;
  cs_timeline_view_set_playhead (tv, 62);
  render (view, &image);
  playhead_x = (int) round (cs_timeline_view_frame_to_x (tv, 62));
  g_assert_cmpint (color_distance (&image, playhead_x, probe_y, &accent), <, 6);
  g_assert_cmpint (color_distance (&image, old_x, probe_y, &accent), >, 60);
  g_assert_cmpuint (selected (view), ==, 2);

  /* Thumbnails arriving later redraw the strip. */
  thumbs.ready_limit = G_MAXINT64;
  thumbs.calls = 0;
  cs_timeline_view_thumbnails_changed (tv);
  render (view, &image);
  g_assert_cmpuint (thumbs.calls, >, 5);

  /* The dark variant, for the eye. */
  g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", TRUE, NULL);
  cs_timeline_view_set_playhead (tv, 40);
  render (view, &image);
  save_png (&image, "timeline-view-dark.png");
  g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", FALSE, NULL);

  /* Zoomed in around the cross-fade, where frames get their own ticks. */
  cs_timeline_view_set_zoom (tv, 1e9);
  cs_timeline_view_set_playhead (tv, 44);
  cs_timeline_view_set_playhead (tv, 56);
  render (view, &image);
  save_png (&image, "timeline-view-zoomed.png");
  {
    int x = (int) round (cs_timeline_view_frame_to_x (tv, 50));
    int y = (int) cs_timeline_view_degree_to_y (tv, 0.1);

    /* A cut being dragged is drawn in the accent colour. */
    g_assert_cmpint (color_distance (&image, x, y, &accent), >, 60);
    cs_timeline_view_pointer_press (tv, x, y);
    render (view, &image);
    g_assert_cmpint (color_distance (&image, x, y, &accent), <, 6);
    cs_timeline_view_pointer_release (tv);
  }

  cs_timeline_view_set_thumbnail_func (tv, NULL, NULL, NULL);
  image_clear (&image);
  gtk_window_destroy (GTK_WINDOW (window));
}

static GdkTexture *
count_thumbnail (gint64   frame,
                 gpointer user_data)
{
  ThumbState *state = user_data;

  state->calls++;
  return NULL;
}

/* Hundreds of segments with many keyframes on a long clip: the view asks
 * only for what it shows. */
static void
test_large (void)
{
  g_autoptr(CsProject) project = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CsSourceClip) source = NULL;
  ThumbState thumbs = { G_MAXINT64, 0, G_MAXINT64, G_MININT64 };
  GtkWidget *window, *view;
  CsTimelineView *tv;
  Image image = { 0 };
  const gint64 n = 30 * 60 * 60;   /* an hour at 30 frames a second */
  g_autoptr(CsStyleRef) candy = new_style ("candy", "Candy");
  g_autoptr(CsStyleRef) udnie = new_style ("udnie", "Udnie");
  CsStyleRef *styles[3] = { candy, udnie, NULL };

  if (!setup_clip ())
    return;

  source = cs_source_clip_new (clip_path, n, 30, 1, clip_width, clip_height, clip_hash, &error);
  g_assert_no_error (error);
  project = cs_project_new (source);
  cs_project_begin_group (project, NULL);
  for (gint64 f = n / 400; f < n; f += n / 400)
    g_assert_true (cs_project_split (project, f, &error));
  for (gint64 f = 1; f < n; f += 97)
    if (f % (n / 400) != 0)
      g_assert_true (cs_project_add_keyframe (project, f, (f % 7) / 6.0, CS_INTERPOLATION_EASE_IN_OUT, &error));
  for (guint i = 0; i < 400; i++)
    g_assert_true (cs_project_set_style (project, i, styles[i % 3], &error));
  cs_project_end_group (project);
  g_assert_cmpuint (cs_project_get_n_segments (project), ==, 400);

  view = show_view (project, &window);
  tv = CS_TIMELINE_VIEW (view);

  cs_timeline_view_set_thumbnail_func (tv, count_thumbnail, &thumbs, NULL);

  /* Fitted: every segment in view. The first render is with a fresh
   * picture (thumbnails_changed() drops it); the second after moving only
   * the playhead, which reuses it. */
  render (view, &image);
  save_png (&image, "timeline-view-large-fitted.png");
  cs_timeline_view_thumbnails_changed (tv);
  render_now (view, &image);
  g_test_message ("fitted, 400 segments and %" G_GINT64_FORMAT " keyframes: full redraw: snapshot %.2f ms, render %.2f ms",
                  n / 97, image.snapshot_ms, image.render_ms);
  thumbs.calls = 0;
  cs_timeline_view_set_playhead (tv, 40);
  render_now (view, &image);
  g_test_message ("fitted, the playhead moved: snapshot %.2f ms, render %.2f ms", image.snapshot_ms, image.render_ms);
  /* Nothing but the playhead was drawn again. */
  g_assert_cmpuint (thumbs.calls, ==, 0);

  cs_timeline_view_set_zoom (tv, 1e9);
  cs_timeline_view_set_playhead (tv, n / 2);
  g_assert_cmpfloat (cs_timeline_view_frame_to_x (tv, n / 2), >=, 0);
  g_assert_cmpfloat (cs_timeline_view_frame_to_x (tv, n / 2), <=, gtk_widget_get_width (view));
  render (view, &image);
  save_png (&image, "timeline-view-large.png");

  /* One tile per 50-odd pixels of strip, not one per frame or segment. */
  thumbs.calls = 0;
  cs_timeline_view_thumbnails_changed (tv);
  render_now (view, &image);
  g_test_message ("zoomed in at the middle: full redraw: snapshot %.2f ms, render %.2f ms",
                  image.snapshot_ms, image.render_ms);
  g_test_message ("thumbnails asked for in one snapshot: %u", thumbs.calls);
  g_assert_cmpuint (thumbs.calls, >, 0);
  g_assert_cmpuint (thumbs.calls, <=, WINDOW_WIDTH / 40 + 2);
  image_clear (&image);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* A larger text makes the ruler and the segments' titles taller, and the
 * widget asks for the room. */
static void
test_text_scale (void)
{
  g_autoptr(CsProject) project = NULL;
  GtkSettings *settings = gtk_settings_get_default ();
  g_autofree char *font = NULL;
  GtkWidget *window, *view;
  graphene_rect_t ruler_small, ruler_large;
  int min_small, min_large;
  Image image = { 0 };

  if (!setup_clip ())
    return;

  project = new_project (clip_frames);
  view = show_view (project, &window);
  g_object_get (settings, "gtk-font-name", &font, NULL);
  gtk_widget_measure (view, GTK_ORIENTATION_VERTICAL, -1, &min_small, NULL, NULL, NULL);
  cs_timeline_view_get_bands (CS_TIMELINE_VIEW (view), &ruler_small, NULL, NULL);

  g_object_set (settings, "gtk-font-name", "Sans 18", NULL);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  gtk_widget_measure (view, GTK_ORIENTATION_VERTICAL, -1, &min_large, NULL, NULL, NULL);
  cs_timeline_view_get_bands (CS_TIMELINE_VIEW (view), &ruler_large, NULL, NULL);
  g_test_message ("minimum height %d, with an 18 pt font %d", min_small, min_large);
  g_assert_cmpint (min_large, >, min_small + 10);
  g_assert_cmpfloat (ruler_large.size.height, >, ruler_small.size.height + 5);
  wait_for_width (view, WINDOW_WIDTH - 10);
  render (view, &image);
  save_png (&image, "timeline-view-large-text.png");

  g_object_set (settings, "gtk-font-name", font, NULL);
  image_clear (&image);
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
check_label (CsTimelineView *view,
             gint64          frame,
             gboolean        with_frames,
             const char     *expected)
{
  g_autofree char *label = cs_timeline_view_format_time (view, frame, with_frames);

  g_assert_cmpstr (label, ==, expected);
}

/* The ruler's labels at whole and fractional frame rates, and for a clip of
 * hours; and a clip of one frame. */
static void
test_labels (void)
{
  g_autoptr(CsProject) project = NULL;
  g_autoptr(CsProject) one = NULL;
  g_autoptr(CsSourceClip) source = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *window, *view;
  CsTimelineView *tv;
  Image image = { 0 };

  if (!setup_clip ())
    return;

  project = new_project (clip_frames);
  view = show_view (project, &window);
  tv = CS_TIMELINE_VIEW (view);

  cs_timeline_view_set_frame_rate (tv, 25, 1);
  check_label (tv, 0, FALSE, "0:00");
  check_label (tv, 37, TRUE, "00:01:12");
  check_label (tv, 37, FALSE, "0:01");
  check_label (tv, 25 * 61, FALSE, "1:01");

  /* 29.97: the first frame of second 1 is frame 30, of second 2 frame 60. */
  cs_timeline_view_set_frame_rate (tv, 30000, 1001);
  check_label (tv, 29, TRUE, "00:00:29");
  check_label (tv, 30, TRUE, "00:01:00");
  check_label (tv, 59, TRUE, "00:01:29");
  check_label (tv, 60, TRUE, "00:02:00");

  /* Clips of an hour or more count hours. */
  source = cs_source_clip_new (clip_path, 25 * 3600 * 2, 25, 1, clip_width, clip_height, clip_hash, &error);
  g_assert_no_error (error);
  cs_timeline_view_set_project (tv, NULL);
  g_clear_object (&project);
  project = cs_project_new (source);
  cs_timeline_view_set_frame_rate (tv, 25, 1);
  cs_timeline_view_set_project (tv, project);
  check_label (tv, 25 * 3725 + 3, FALSE, "1:02:05");
  check_label (tv, 25 * 3725 + 3, TRUE, "1:02:05:03");

  /* One frame: nothing to step, split or zoom, and nothing breaks. */
  g_clear_pointer (&source, cs_source_clip_unref);
  source = cs_source_clip_new (clip_path, 1, 25, 1, clip_width, clip_height, clip_hash, &error);
  g_assert_no_error (error);
  one = cs_project_new (source);
  cs_timeline_view_set_project (tv, one);
  activate (view, "timeline.step", g_variant_new_int32 (1));
  activate (view, "timeline.end", NULL);
  g_assert_cmpint (playhead (view), ==, 0);
  activate (view, "timeline.split", NULL);
  g_assert_cmpuint (cs_project_get_n_segments (one), ==, 1);
  activate (view, "timeline.zoom-in", NULL);
  g_assert_cmpfloat (cs_timeline_view_frame_to_x (tv, 1), <=, gtk_widget_get_width (view));
  render (view, &image);

  image_clear (&image);
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_empty (void)
{
  GtkWidget *window, *view;
  Image image = { 0 };

  view = show_view (NULL, &window);
  g_assert_null (cs_timeline_view_get_project (CS_TIMELINE_VIEW (view)));
  gtk_widget_activate_action (view, "timeline.split", NULL);
  gtk_widget_activate_action (view, "timeline.join", NULL);
  gtk_widget_activate_action (view, "timeline.step", "i", 1);
  gtk_widget_activate_action (view, "timeline.zoom-in", NULL);
  g_assert_cmpint (playhead (view), ==, 0);
  cs_timeline_view_pointer_press (CS_TIMELINE_VIEW (view), 100, 100);
  cs_timeline_view_pointer_motion (CS_TIMELINE_VIEW (view), 200, 100);
  cs_timeline_view_pointer_release (CS_TIMELINE_VIEW (view));
  cs_timeline_view_pointer_double_click (CS_TIMELINE_VIEW (view), 200, 100);
  render (view, &image);
  save_png (&image, "timeline-view-empty.png");
  image_clear (&image);
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_style_colors (void)
{
  GdkRGBA a, b, c, none;

  cs_timeline_view_get_style_color ("/styles/candy", &a);
  cs_timeline_view_get_style_color ("/styles/candy", &b);
  cs_timeline_view_get_style_color ("/styles/udnie", &c);
  cs_timeline_view_get_style_color (NULL, &none);
  g_assert_true (gdk_rgba_equal (&a, &b));
  g_assert_false (gdk_rgba_equal (&a, &c));
  g_assert_cmpfloat (a.alpha, ==, 1.0);
  /* "No style" is a grey, unlike any style's colour. */
  g_assert_cmpfloat (fabs (none.red - none.green) + fabs (none.green - none.blue), <, 0.05);
  g_assert_cmpfloat (fabs (a.red - a.green) + fabs (a.green - a.blue) + fabs (a.red - a.blue), >, 0.2);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  const char *env = g_getenv ("CELSHADE_TEST_DATA");
  int status;

  gtk_test_init (&argc, &argv, NULL);

  data_dir = g_strdup (env != NULL ? env : CS_SOURCE_DIR "/../shared/data");
  tmp_dir = g_dir_make_tmp ("celshade-timeline-view-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/timeline-view/style-colors", test_style_colors);
  g_test_add_func ("/timeline-view/empty", test_empty);
  g_test_add_func ("/timeline-view/actions", test_actions);
  g_test_add_func ("/timeline-view/keys", test_keys);
  g_test_add_func ("/timeline-view/follow", test_follow);
  g_test_add_func ("/timeline-view/drag-boundary", test_drag_boundary);
  g_test_add_func ("/timeline-view/drag-keyframe", test_drag_keyframe);
  g_test_add_func ("/timeline-view/zoom", test_zoom);
  g_test_add_func ("/timeline-view/labels", test_labels);
  g_test_add_func ("/timeline-view/render", test_render);
  g_test_add_func ("/timeline-view/large", test_large);
  g_test_add_func ("/timeline-view/text-scale", test_text_scale);

  status = g_test_run ();

  g_clear_pointer (&thumbnails, g_ptr_array_unref);
  g_rmdir (tmp_dir);
  g_free (tmp_dir);
  g_free (data_dir);
  g_free (clip_path);
  g_free (clip_hash);
  return status;
}
