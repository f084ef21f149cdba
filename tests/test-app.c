/* test-app.c: the editor window, under Xvfb
 *
 * A real window of the application: the welcome page, opening the shared
 * clips (and a file that is no clip), scrubbing the timeline for seconds
 * while no main-loop iteration may take 50 ms or more, splitting, joining,
 * undoing, picking a style in the segment panel, and the preview's pixels
 * following the playhead and the mode. Screenshots of the welcome page and
 * of the editor in split mode go to the build's test output (screenshots/).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <math.h>

#include "cs-application.h"
#include "cs-preferences-window.h"
#include "cs-preview-view.h"
#include "cs-render.h"
#include "cs-styles.h"
#include "cs-timeline-view-private.h"
#include "cs-ui-test.h"
#include "cs-window.h"

/* The most work one main-loop iteration may do while scrubbing or playing,
 * in the UI thread's own processor time. */
#define MAX_ITERATION_US (50 * 1000)
/* The longest one may take by the clock: on a busy two-core machine the
 * render threads can keep the UI thread waiting for the processor for a
 * while, but a wait on a render (seconds on a software device) shows. */
#define MAX_ITERATION_WALL_US (250 * 1000)

static CsUiTest ui;
static gboolean have_styles;

/* Helpers --------------------------------------------------------------------------------- */

static gboolean
need_data (void)
{
  g_autofree char *clip = g_build_filename (ui.data_dir, "media", "529.mp4", NULL);

  if (!g_file_test (clip, G_FILE_TEST_EXISTS) || !have_styles)
    {
      g_test_skip ("the shared test data (media/, styles/ml5) is missing; set CELSHADE_TEST_DATA");
      return FALSE;
    }
  return TRUE;
}

static gboolean
not_loading (gpointer data)
{
  return !cs_window_get_loading (data);
}

/* The preview shows the full frame of the playhead and is idle. */
static gboolean
preview_settled (gpointer data)
{
  CsWindow *window = data;
  CsPreviewView *view = cs_ui_test_child (window, "preview_view");
  CsTimelineView *timeline = cs_ui_test_child (window, "timeline_view");
  CsPreviewFrame *frame = cs_preview_view_get_frame (view);

  return frame != NULL && !cs_preview_get_busy (cs_window_get_preview (window)) &&
         cs_preview_frame_get_index (frame) == cs_timeline_view_get_playhead (timeline) &&
         !cs_preview_frame_is_proxy (frame);
}

static void
settle (CsWindow *window)
{
  cs_ui_test_wait_until (preview_settled, window, 180, "the preview's full frame");
  /* Let the frame reach the screen. */
  cs_ui_test_iterate (20);
}

static CsWindow *
open_clip (const char *name)
{
  g_autofree char *path = g_build_filename (ui.data_dir, "media", name, NULL);
  CsWindow *window = cs_ui_test_open (&ui, path);

  g_assert_cmpstr (gtk_stack_get_visible_child_name (cs_ui_test_child (window, "main_stack")), ==, "editor");
  settle (window);
  return window;
}

static CsStyleRef *
style_ref (const char *id)
{
  CsStyle *style = cs_style_library_lookup (ui.styles, id);

  g_assert_nonnull (style);
  return cs_style_ref_new (cs_style_get_id (style), cs_style_get_name (style),
                           cs_style_get_folder (style));
}

/* Tests ------------------------------------------------------------------------------------ */

static void
test_welcome (void)
{
  CsWindow *window = cs_ui_test_new_window (&ui);

  g_assert_null (cs_window_get_project (window));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (cs_ui_test_child (window, "main_stack")), ==, "welcome");
  g_assert_false (gtk_widget_get_visible (cs_ui_test_child (window, "export_button")));
  cs_ui_test_screenshot (&ui, GTK_WIDGET (window), "welcome.png");

  /* The about window opens from the menu; the shortcuts window's action is
   * there (opening it trips a size warning in GTK 4.8's own labels). */
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (window), "show-help-overlay"));
  {
    static const char *const actions[] = { "app.about" };
    const GType types[] = { ADW_TYPE_ABOUT_WINDOW };

    for (guint a = 0; a < G_N_ELEMENTS (actions); a++)
      {
        GtkWindow *found = NULL;

        g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), actions[a], NULL));
        for (int i = 0; i < 500 && found == NULL; i++)
          {
            g_main_context_iteration (NULL, FALSE);
            found = cs_ui_test_find_toplevel (types[a], NULL);
            g_usleep (2000);
          }
        g_assert_nonnull (found);
        gtk_window_destroy (found);
      }
  }
  cs_ui_test_close_window (window);
}

static void
test_open_bad_file (void)
{
  g_autofree char *path = g_build_filename (ui.tmp_dir, "not-a-clip.mp4", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  CsWindow *window;

  g_assert_true (g_file_set_contents (path, "This is not a video.", -1, NULL));
  window = cs_ui_test_new_window (&ui);
  cs_window_open (window, file);
  cs_ui_test_wait_until (not_loading, window, 60, "the open to fail");
  /* The window stays on the welcome page, usable, and the file untouched. */
  g_assert_null (cs_window_get_project (window));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (cs_ui_test_child (window, "main_stack")), ==, "welcome");
  {
    g_autofree char *contents = NULL;

    g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
    g_assert_cmpstr (contents, ==, "This is not a video.");
  }
  cs_ui_test_close_window (window);
}

static void
test_open_each_clip (void)
{
  static const char *const clips[] = { "529.mp4", "529_2.mp4", "651.mp4", "tears_of_steel.webm" };

  if (!need_data ())
    return;
  for (guint i = 0; i < G_N_ELEMENTS (clips); i++)
    {
      g_autofree char *path = g_build_filename (ui.data_dir, "media", clips[i], NULL);
      g_autoptr(CsSourceClip) source = cs_source_probe (path, NULL, NULL, NULL);
      CsWindow *window = open_clip (clips[i]);
      CsPreviewFrame *frame = cs_preview_view_get_frame (cs_ui_test_child (window, "preview_view"));

      g_assert_cmpint (cs_project_get_n_frames (cs_window_get_project (window)), ==,
                       cs_source_clip_get_n_frames (source));
      g_assert_cmpint (cs_preview_frame_get_index (frame), ==, 0);
      g_assert_cmpint (cs_preview_frame_get_height (frame), ==, cs_source_clip_get_height (source));
      cs_ui_test_close_window (window);
    }
}

/* A scrub with the pointer over the timeline for several seconds: every
 * main-loop iteration stays under 50 ms, the preview shows a stream of
 * frames while it moves, and the full frame of where it stopped at rest. */
static void
test_scrub (void)
{
  CsWindow *window;
  CsTimelineView *timeline;
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStyleRef) udnie = NULL;
  graphene_rect_t ruler, strip, track;
  gint64 start, worst = 0, worst_cpu = 0, iterations = 0;
  GHashTable *seen;
  double y;

  if (!need_data ())
    return;

  /* Small proxies, so that a few are made during the scrub on any device. */
  g_settings_set_int (cs_application_get_settings (ui.app), "proxy-size", 144);
  window = open_clip ("tears_of_steel.webm");
  timeline = cs_ui_test_child (window, "timeline_view");
  udnie = style_ref ("udnie");
  g_assert_true (cs_project_set_style (cs_window_get_project (window), 0, udnie, &error));
  settle (window);

  cs_timeline_view_get_bands (timeline, &ruler, &strip, &track);
  y = ruler.origin.y + ruler.size.height / 2;
  seen = g_hash_table_new (g_direct_hash, g_direct_equal);

  cs_timeline_view_pointer_press (timeline, ruler.origin.x + 10, y);
  g_assert_true (cs_timeline_view_get_scrubbing (timeline));
  start = g_get_monotonic_time ();
  /* Five seconds, and on a slow device until a frame made while moving
   * shows (at most a minute). */
  while (g_get_monotonic_time () - start < 5 * G_USEC_PER_SEC ||
         (g_hash_table_size (seen) < 2 && g_get_monotonic_time () - start < 60 * G_USEC_PER_SEC))
    {
      double t = (g_get_monotonic_time () - start) / 1e6;
      /* Back and forth over the ruler, a sweep every 2.5 s. */
      double phase = fmod (t / 2.5, 2.0);
      double u = phase < 1.0 ? phase : 2.0 - phase;
      gint64 t0 = g_get_monotonic_time ();
      CsPreviewFrame *frame;

      cs_timeline_view_pointer_motion (timeline, ruler.origin.x + 10 + u * (ruler.size.width - 20), y);
      worst = MAX (worst, g_get_monotonic_time () - t0);
      for (int i = 0; i < 20; i++)
        {
          gboolean dispatched;
          gint64 c0 = cs_ui_test_thread_cpu_us ();

          t0 = g_get_monotonic_time ();
          dispatched = g_main_context_iteration (NULL, FALSE);
          worst = MAX (worst, g_get_monotonic_time () - t0);
          worst_cpu = MAX (worst_cpu, cs_ui_test_thread_cpu_us () - c0);
          iterations++;
          if (!dispatched)
            break;
        }
      frame = cs_preview_view_get_frame (cs_ui_test_child (window, "preview_view"));
      if (frame != NULL)
        g_hash_table_add (seen, GINT_TO_POINTER ((int) cs_preview_frame_get_index (frame)));
      g_usleep (16 * 1000);
    }
  cs_timeline_view_pointer_release (timeline);
  g_assert_false (cs_timeline_view_get_scrubbing (timeline));

  g_test_message ("scrub: %" G_GINT64_FORMAT " iterations, the longest %.1f ms "
                  "(the most UI-thread CPU time in one: %.1f ms), %u frames shown",
                  iterations, worst / 1000.0, worst_cpu / 1000.0, g_hash_table_size (seen));
  g_assert_cmpint (worst_cpu, <, MAX_ITERATION_US);
  g_assert_cmpint (worst, <, MAX_ITERATION_WALL_US);
  /* The frame it started on and at least one made while moving. */
  g_assert_cmpuint (g_hash_table_size (seen), >=, 2);

  settle (window);
  g_assert_false (cs_preview_frame_is_proxy (cs_preview_view_get_frame (cs_ui_test_child (window, "preview_view"))));
  g_hash_table_unref (seen);
  cs_ui_test_close_window (window);
  g_settings_reset (cs_application_get_settings (ui.app), "proxy-size");
}

static void
test_split_join_undo (void)
{
  CsWindow *window;
  CsProject *project;
  CsTimelineView *timeline;

  if (!need_data ())
    return;

  window = open_clip ("529.mp4");
  project = cs_window_get_project (window);
  timeline = cs_ui_test_child (window, "timeline_view");

  cs_timeline_view_set_playhead (timeline, 40);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.split", NULL);
  g_assert_cmpuint (cs_project_get_n_segments (project), ==, 2);
  g_assert_cmpint (cs_segment_get_start (cs_project_get_segment (project, 1)), ==, 40);

  cs_timeline_view_set_playhead (timeline, 80);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.split", NULL);
  g_assert_cmpuint (cs_project_get_n_segments (project), ==, 3);

  /* Splitting at a cut changes nothing. */
  cs_timeline_view_set_playhead (timeline, 40);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.split", NULL);
  g_assert_cmpuint (cs_project_get_n_segments (project), ==, 3);

  cs_timeline_view_set_selected_segment (timeline, 0);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.join", NULL);
  g_assert_cmpuint (cs_project_get_n_segments (project), ==, 2);
  g_assert_cmpint (cs_segment_get_start (cs_project_get_segment (project, 1)), ==, 80);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL);
  g_assert_cmpuint (cs_project_get_n_segments (project), ==, 3);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL);
  g_assert_cmpuint (cs_project_get_n_segments (project), ==, 1);
  g_assert_false (cs_project_get_modified (project));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.redo", NULL);
  g_assert_cmpuint (cs_project_get_n_segments (project), ==, 2);

  /* A narrow window folds the panel over the editor. */
  g_assert_false (adw_flap_get_folded (cs_ui_test_child (window, "flap")));
  gtk_window_set_default_size (GTK_WINDOW (window), 360, 640);
  for (int i = 0; i < 2000 && !adw_flap_get_folded (cs_ui_test_child (window, "flap")); i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
  g_assert_true (adw_flap_get_folded (cs_ui_test_child (window, "flap")));
  /* Folded, the editor needs less: ask again for the narrow size. */
  for (int i = 0; i < 2000 && gtk_widget_get_visible (cs_ui_test_child (window, "save_button")); i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
  gtk_window_set_default_size (GTK_WINDOW (window), 360, 640);
  settle (window);
  /* It fits a narrow window (not yet a phone's 360 px: the transport needs 430). */
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (window)), <=, 440);
  cs_ui_test_screenshot (&ui, GTK_WIDGET (window), "editor-narrow.png");
  cs_ui_test_close_window (window);
}

/* The segment panel's style and degree go into the project as one undo
 * step each, and the preview's pixels follow the playhead and the mode. */
static void
test_panel_and_pixels (void)
{
  CsWindow *window;
  CsProject *project;
  CsTimelineView *timeline;
  CsPreviewView *view;
  AdwComboRow *style_row;
  GtkAdjustment *degree;
  g_autoptr(GdkTexture) styled = NULL;
  g_autoptr(GdkTexture) original = NULL;
  g_autoptr(GdkTexture) split = NULL;
  g_autoptr(GdkTexture) later = NULL;
  g_autoptr(GdkTexture) weaker = NULL;
  GListModel *names;
  guint udnie_index = 0;

  if (!need_data ())
    return;

  window = open_clip ("651.mp4");
  project = cs_window_get_project (window);
  timeline = cs_ui_test_child (window, "timeline_view");
  view = cs_ui_test_child (window, "preview_view");
  style_row = cs_ui_test_child (window, "style_row");
  degree = cs_ui_test_child (window, "degree_adjustment");

  names = adw_combo_row_get_model (style_row);
  for (guint i = 0; i < g_list_model_get_n_items (names); i++)
    if (g_str_equal (gtk_string_list_get_string (GTK_STRING_LIST (names), i), "Udnie"))
      udnie_index = i;
  g_assert_cmpuint (udnie_index, >, 0);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.preview-mode", "s", "original");
  settle (window);
  original = cs_ui_test_render_widget (GTK_WIDGET (view));

  adw_combo_row_set_selected (style_row, udnie_index);
  g_assert_nonnull (cs_segment_get_style (cs_project_get_segment (project, 0)));
  g_assert_cmpstr (cs_project_get_undo_label (project), !=, NULL);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.preview-mode", "s", "styled");
  g_assert_cmpint (cs_preview_view_get_mode (view), ==, CS_PREVIEW_MODE_STYLED);
  settle (window);
  styled = cs_ui_test_render_widget (GTK_WIDGET (view));
  g_assert_cmpfloat (cs_ui_test_texture_diff (original, styled), >, 5.0);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.preview-mode", "s", "split");
  settle (window);
  split = cs_ui_test_render_widget (GTK_WIDGET (view));
  g_assert_true (gtk_toggle_button_get_active (cs_ui_test_child (window, "mode_split")));
  g_assert_false (gtk_toggle_button_get_active (cs_ui_test_child (window, "mode_styled")));
  g_assert_cmpfloat (cs_ui_test_texture_diff (split, styled), >, 1.0);
  g_assert_cmpfloat (cs_ui_test_texture_diff (split, original), >, 1.0);
  cs_ui_test_screenshot (&ui, GTK_WIDGET (window), "editor-split.png");

  /* Another frame, other pixels. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.preview-mode", "s", "styled");
  cs_timeline_view_set_playhead (timeline, cs_project_get_n_frames (project) / 2);
  settle (window);
  later = cs_ui_test_render_widget (GTK_WIDGET (view));
  g_assert_cmpfloat (cs_ui_test_texture_diff (later, styled), >, 1.0);

  /* The degree slider: a drag of many values is one undo step. */
  gtk_adjustment_set_value (degree, 80);
  gtk_adjustment_set_value (degree, 60);
  gtk_adjustment_set_value (degree, 40);
  cs_ui_test_wait_until ((gboolean (*) (gpointer)) cs_project_get_can_undo, project, 5, "the degree edit to end");
  g_assert_cmpfloat (fabs (cs_segment_get_degree_at (cs_project_get_segment (project, 0), 0) - 0.4), <, 1e-9);
  settle (window);
  weaker = cs_ui_test_render_widget (GTK_WIDGET (view));
  g_assert_cmpfloat (cs_ui_test_texture_diff (weaker, later), >, 1.0);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL);
  g_assert_cmpfloat (fabs (cs_segment_get_degree_at (cs_project_get_segment (project, 0), 0) - 1.0), <, 1e-9);

  /* The stability slider: one undo step too. */
  {
    GtkAdjustment *stability = cs_ui_test_child (window, "stability_adjustment");

    g_assert_cmpfloat (gtk_adjustment_get_value (stability), ==,
                       round (CS_SEGMENT_DEFAULT_STABILITY * 100));
    gtk_adjustment_set_value (stability, 90);
    gtk_adjustment_set_value (stability, 20);
    cs_ui_test_wait_until ((gboolean (*) (gpointer)) cs_project_get_can_undo, project, 5, "the stability edit to end");
    g_assert_cmpfloat (fabs (cs_segment_get_stability (cs_project_get_segment (project, 0)) - 0.2), <, 1e-9);
    gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL);
    g_assert_cmpfloat (fabs (cs_segment_get_stability (cs_project_get_segment (project, 0)) -
                             CS_SEGMENT_DEFAULT_STABILITY), <, 1e-9);
  }
  gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL);
  g_assert_null (cs_segment_get_style (cs_project_get_segment (project, 0)));
  cs_ui_test_close_window (window);
}

static void
test_save_and_reopen (void)
{
  g_autofree char *path = g_build_filename (ui.tmp_dir, "saved.celshade", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStyleRef) wave = NULL;
  CsWindow *window;
  CsProject *project;

  if (!need_data ())
    return;

  window = open_clip ("529_2.mp4");
  project = cs_window_get_project (window);
  wave = style_ref ("wave");
  g_assert_true (cs_project_split (project, cs_project_get_n_frames (project) / 2, &error));
  g_assert_true (cs_project_set_style (project, 1, wave, &error));
  g_assert_true (cs_project_save (project, file, NULL, &error));
  g_assert_no_error (error);
  cs_ui_test_close_window (window);

  window = cs_ui_test_new_window (&ui);
  cs_window_open (window, file);
  cs_ui_test_wait_until (cs_ui_test_project_open, window, 60, "the project to open");
  project = cs_window_get_project (window);
  g_assert_cmpuint (cs_project_get_n_segments (project), ==, 2);
  g_assert_cmpstr (cs_style_ref_get_id (cs_segment_get_style (cs_project_get_segment (project, 1))), ==, "wave");
  g_assert_false (cs_project_get_modified (project));
  g_assert_cmpstr (adw_window_title_get_title (cs_ui_test_child (window, "window_title")), ==, "saved");
  cs_ui_test_close_window (window);
}

/* Playing runs the playhead with the clock and shows a stream of frames,
 * without a main-loop iteration of 50 ms or more; pausing shows the full
 * frame where it stopped. */
static void
test_playback (void)
{
  CsWindow *window;
  CsTimelineView *timeline;
  GtkButton *play;
  GHashTable *seen;
  gint64 start, first, worst = 0, worst_cpu = 0;
  double elapsed, rate, advanced;
  int num, den;

  if (!need_data ())
    return;

  window = open_clip ("529.mp4");
  timeline = cs_ui_test_child (window, "timeline_view");
  play = cs_ui_test_child (window, "play_button");
  cs_source_clip_get_frame_rate (cs_project_get_source (cs_window_get_project (window)), &num, &den);
  rate = (double) num / den;
  seen = g_hash_table_new (g_direct_hash, g_direct_equal);

  first = cs_timeline_view_get_playhead (timeline);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.play-pause", NULL);
  g_assert_cmpstr (gtk_button_get_icon_name (play), ==, "media-playback-pause-symbolic");
  start = g_get_monotonic_time ();
  while (g_get_monotonic_time () - start < 2 * G_USEC_PER_SEC)
    {
      gint64 t0 = g_get_monotonic_time ();
      gint64 c0 = cs_ui_test_thread_cpu_us ();
      CsPreviewFrame *frame;

      g_main_context_iteration (NULL, FALSE);
      worst = MAX (worst, g_get_monotonic_time () - t0);
      worst_cpu = MAX (worst_cpu, cs_ui_test_thread_cpu_us () - c0);
      frame = cs_preview_view_get_frame (cs_ui_test_child (window, "preview_view"));
      if (frame != NULL)
        g_hash_table_add (seen, GINT_TO_POINTER ((int) cs_preview_frame_get_index (frame)));
      g_usleep (2000);
    }
  elapsed = (g_get_monotonic_time () - start) / 1e6;
  gtk_widget_activate_action (GTK_WIDGET (window), "win.play-pause", NULL);
  g_assert_cmpstr (gtk_button_get_icon_name (play), ==, "media-playback-start-symbolic");

  advanced = (double) (cs_timeline_view_get_playhead (timeline) - first);
  g_test_message ("playback: %.0f frames in %.2f s at %.2f fps, %u shown, the longest iteration %.1f ms "
                  "(the most UI-thread CPU time in one: %.1f ms)",
                  advanced, elapsed, rate, g_hash_table_size (seen), worst / 1000.0, worst_cpu / 1000.0);
  /* The clock, not the renders, moves the playhead. */
  g_assert_cmpfloat (advanced, >, 0.7 * elapsed * rate);
  g_assert_cmpfloat (advanced, <, 1.3 * elapsed * rate + 2);
  g_assert_cmpuint (g_hash_table_size (seen), >=, 5);
  g_assert_cmpint (worst_cpu, <, MAX_ITERATION_US);
  g_assert_cmpint (worst, <, MAX_ITERATION_WALL_US);

  settle (window);
  g_assert_false (cs_preview_frame_is_proxy (cs_preview_view_get_frame (cs_ui_test_child (window, "preview_view"))));
  g_hash_table_unref (seen);
  cs_ui_test_close_window (window);
}

/* Preferences list the devices, lavapipe as the CPU, and a change of device
 * gives the open window a new preview worker that still answers. */
static void
test_preferences (void)
{
  GSettings *settings = cs_application_get_settings (ui.app);
  g_autoptr(GPtrArray) devices = cs_device_list (NULL);
  CsWindow *window;
  GtkWidget *preferences;
  AdwComboRow *device_row;
  GListModel *names;
  CsPreview *before;
  g_autoptr(CsStyleRef) udnie = NULL;
  gboolean cpu_marked = FALSE;

  if (!need_data ())
    return;

  window = open_clip ("529.mp4");
  udnie = style_ref ("udnie");
  g_assert_true (cs_project_set_style (cs_window_get_project (window), 0, udnie, NULL));
  preferences = cs_preferences_window_new (settings, devices);
  gtk_window_set_transient_for (GTK_WINDOW (preferences), GTK_WINDOW (window));
  gtk_window_present (GTK_WINDOW (preferences));
  for (int i = 0; i < 2000 && (i < 100 || gtk_widget_get_width (preferences) == 0); i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }

  device_row = ADW_COMBO_ROW (gtk_widget_get_template_child (preferences, CS_TYPE_PREFERENCES_WINDOW,
                                                              "device_row"));
  names = adw_combo_row_get_model (device_row);
  g_assert_cmpuint (g_list_model_get_n_items (names), ==, 1 + devices->len);
  g_assert_cmpuint (adw_combo_row_get_selected (device_row), ==, 0);
  for (guint i = 1; i < g_list_model_get_n_items (names); i++)
    cpu_marked |= g_str_has_suffix (gtk_string_list_get_string (GTK_STRING_LIST (names), i), "(CPU)");
  g_assert_true (cpu_marked);
  cs_ui_test_screenshot (&ui, preferences, "preferences.png");

  /* Choosing the last device (lavapipe here) replaces the worker. */
  before = cs_window_get_preview (window);
  g_object_set_data (G_OBJECT (before), "first", GINT_TO_POINTER (1));
  adw_combo_row_set_selected (device_row, g_list_model_get_n_items (names) - 1);
  g_assert_cmpstr (g_settings_get_string (settings, "device"), !=, "");
  g_assert_null (g_object_get_data (G_OBJECT (cs_window_get_preview (window)), "first"));
  settle (window);
  g_assert_nonnull (cs_preview_get_device_name (cs_window_get_preview (window)));

  /* Half precision off, then the defaults back. */
  g_settings_set_boolean (settings, "fp16", FALSE);
  settle (window);
  g_settings_reset (settings, "fp16");
  g_settings_reset (settings, "device");
  gtk_window_destroy (GTK_WINDOW (preferences));
  cs_ui_test_close_window (window);
}

/* Set-up ------------------------------------------------------------------------------------ */

int
main (int   argc,
      char *argv[])
{
  cs_ui_test_init (&ui, &argc, &argv, "celshade-app-XXXXXX");
  {
    g_autofree char *folder = g_build_filename (ui.tmp_dir, "styles", NULL);
    const char *folders[] = { folder, NULL };

    have_styles = cs_ui_test_install_udnie_and_wave (&ui, folder);
    ui.styles = cs_style_library_new_for_search_path (folders);
  }

  g_test_add_func ("/app/welcome", test_welcome);
  g_test_add_func ("/app/open-bad-file", test_open_bad_file);
  g_test_add_func ("/app/open-each-clip", test_open_each_clip);
  g_test_add_func ("/app/scrub", test_scrub);
  g_test_add_func ("/app/playback", test_playback);
  g_test_add_func ("/app/split-join-undo", test_split_join_undo);
  g_test_add_func ("/app/panel-and-pixels", test_panel_and_pixels);
  g_test_add_func ("/app/save-and-reopen", test_save_and_reopen);
  g_test_add_func ("/app/preferences", test_preferences);
  return cs_ui_test_run (&ui);
}
