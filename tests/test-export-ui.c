/* test-export-ui.c: the export dialog and background exports, under Xvfb
 *
 * A real editor window: the dialog opened by win.export offers what this
 * FFmpeg writes and no enlarged sizes; a project of two segments with their
 * own styles and degrees is exported through the dialog (replacing a file
 * after confirmation) while the window keeps answering, and the file is
 * checked with ffprobe and, frame by frame, against celshade-render
 * --project of the saved project; a selected segment exports its frames
 * alone; a destination that cannot be written fails with the reason;
 * closing the window during an export asks, stops it, and leaves nothing
 * behind. Screenshots of the dialog, the running export, its popover and
 * the toasts go to screenshots/.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <math.h>
#include <string.h>

#include "cs-application.h"
#include "cs-export-button.h"
#include "cs-export-dialog.h"
#include "cs-render.h"
#include "cs-styles.h"
#include "cs-timeline-view.h"
#include "cs-ui-test.h"
#include "cs-window.h"

/* The lavfi clip: 12 frames of 160×120 at 10 frames a second, with sound. */
#define CLIP_FRAMES 12
#define CLIP_WIDTH 160
#define CLIP_HEIGHT 120

static CsUiTest ui;
static gboolean have_styles;
static gboolean have_tools;

/* Helpers --------------------------------------------------------------------------------- */

static gboolean
need_data (void)
{
  if (!have_styles)
    {
      g_test_skip ("the shared test data (styles/ml5) is missing; set CELSHADE_TEST_DATA");
      return FALSE;
    }
  if (!have_tools)
    {
      g_test_skip ("ffmpeg and ffprobe are needed to make and check clips");
      return FALSE;
    }
  return TRUE;
}

static gpointer
dialog_child (CsExportDialog *dialog,
              const char     *name)
{
  return cs_ui_test_template_child (GTK_WIDGET (dialog), CS_TYPE_EXPORT_DIALOG, name);
}

#if !GTK_CHECK_VERSION (4, 10, 0)
static gboolean
no_file_chooser (gpointer data)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  return cs_ui_test_find_toplevel (GTK_TYPE_FILE_CHOOSER_DIALOG, NULL) == NULL;
  G_GNUC_END_IGNORE_DEPRECATIONS
}
#endif

static CsExportDialog *
open_dialog (CsWindow *window)
{
  CsExportDialog *dialog;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.export", NULL));
  cs_ui_test_iterate (30);
  dialog = cs_ui_test_find_toplevel (CS_TYPE_EXPORT_DIALOG, NULL);
  g_assert_nonnull (dialog);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dialog)) == GTK_WINDOW (window));
  return dialog;
}

/* Runs a tool; returns its standard output, failing the test when it fails. */
static GBytes *
run_tool (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) err = NULL;

  proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate (proc, NULL, NULL, &out, &err, &error));
  g_assert_no_error (error);
  if (!g_subprocess_get_successful (proc))
    g_error ("%s failed: %.*s", argv[0], (int) g_bytes_get_size (err), (const char *) g_bytes_get_data (err, NULL));
  return g_steal_pointer (&out);
}

static char *
ffprobe_value (const char *path,
               const char *select,
               const char *entries)
{
  const char *argv[] = { "ffprobe", "-v", "error", "-select_streams", select, "-count_frames",
                         "-show_entries", entries, "-of", "default=nw=1:nk=1", path, NULL };
  g_autoptr(GBytes) out = run_tool (argv);

  return g_strstrip (g_strndup (g_bytes_get_data (out, NULL), g_bytes_get_size (out)));
}

/* Every frame of a file as packed RGB, decoded by the ffmpeg CLI. */
static GBytes *
decode_rgb (const char *path)
{
  const char *argv[] = { "ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "rawvideo",
                         "-pix_fmt", "rgb24", "-", NULL };

  return run_tool (argv);
}

/* The worst PSNR of one frame of a against the same frame of b, in dB. */
static double
worst_psnr (GBytes *a,
            GBytes *b,
            gsize   frame_size,
            guint  *n_frames)
{
  const guint8 *pa = g_bytes_get_data (a, NULL);
  const guint8 *pb = g_bytes_get_data (b, NULL);
  double worst = INFINITY;

  g_assert_cmpuint (g_bytes_get_size (a), ==, g_bytes_get_size (b));
  g_assert_cmpuint (g_bytes_get_size (a) % frame_size, ==, 0);
  *n_frames = g_bytes_get_size (a) / frame_size;
  for (guint f = 0; f < *n_frames; f++)
    {
      double sum = 0;

      for (gsize i = 0; i < frame_size; i++)
        {
          double d = (double) pa[f * frame_size + i] - pb[f * frame_size + i];

          sum += d * d;
        }
      worst = MIN (worst, sum == 0 ? INFINITY : 10 * log10 (255.0 * 255.0 * frame_size / sum));
    }
  return worst;
}

static guint
count_partial_files (const char *folder)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;
  guint n = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (name[0] == '.')
      n++;
  return n;
}

static guint
count_files (const char *folder)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

/* A short clip with sound, made once. */
static char *
lavfi_clip (void)
{
  char *path = g_build_filename (ui.tmp_dir, "tone.mp4", NULL);
  g_autofree char *size = g_strdup_printf ("testsrc2=size=%dx%d:rate=10", CLIP_WIDTH, CLIP_HEIGHT);
  g_autofree char *seconds = g_strdup_printf ("%g", CLIP_FRAMES / 10.0);
  const char *argv[] = { "ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", size,
                         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", seconds,
                         "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
                         "-c:a", "aac", "-shortest", path, NULL };

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    g_bytes_unref (run_tool (argv));
  return path;
}

static guint
style_index (CsWindow   *window,
             const char *name)
{
  GListModel *names = adw_combo_row_get_model (cs_ui_test_child (window, "style_row"));

  for (guint i = 0; i < g_list_model_get_n_items (names); i++)
    if (g_str_equal (gtk_string_list_get_string (GTK_STRING_LIST (names), i), name))
      return i;
  g_error ("no style %s in the panel", name);
  return 0;
}

/* Gives segment index its style and degree through the segment panel, as a user does. */
static void
style_segment (CsWindow   *window,
               guint       index,
               const char *style,
               double      percent)
{
  CsProject *project = cs_window_get_project (window);
  CsTimelineView *timeline = cs_ui_test_child (window, "timeline_view");
  CsSegment *segment = cs_project_get_segment (project, index);

  cs_timeline_view_set_selected_segment (timeline, index);
  cs_timeline_view_set_playhead (timeline, cs_segment_get_start (segment));
  cs_ui_test_iterate (5);
  adw_combo_row_set_selected (cs_ui_test_child (window, "style_row"), style_index (window, style));
  gtk_adjustment_set_value (cs_ui_test_child (window, "degree_adjustment"), percent);
  cs_ui_test_iterate (5);
  segment = cs_project_get_segment (project, index);
  g_assert_nonnull (cs_segment_get_style (segment));
  g_assert_cmpfloat (fabs (cs_segment_get_degree_at (segment, cs_segment_get_start (segment)) - percent / 100), <, 1e-9);
}

static gboolean
job_ended (gpointer data)
{
  return !cs_export_job_is_running (data);
}

static gboolean
job_started_frames (gpointer data)
{
  return cs_export_job_get_fraction (data) > 0 || !cs_export_job_is_running (data);
}

typedef struct {
  CsExportJob *job;
} Started;

static void
on_started (CsExportDialog *dialog,
            CsExportJob    *job,
            Started        *started)
{
  g_set_object (&started->job, job);
}

static gboolean
job_given (gpointer data)
{
  return ((Started *) data)->job != NULL;
}

static gboolean
window_gone (gpointer data)
{
  return *(gpointer *) data == NULL;
}

/* Tests ------------------------------------------------------------------------------------ */

static void
test_sizes (void)
{
  int w, h;

  g_assert_true (cs_export_scaled_size (1920, 1080, 720, &w, &h));
  g_assert_cmpint (w, ==, 1280);
  g_assert_cmpint (h, ==, 720);
  g_assert_true (cs_export_scaled_size (1920, 1080, 480, &w, &h));
  g_assert_cmpint (w, ==, 854);
  g_assert_cmpint (h, ==, 480);
  /* Portrait: the shorter side is the width. */
  g_assert_true (cs_export_scaled_size (1080, 1920, 720, &w, &h));
  g_assert_cmpint (w, ==, 720);
  g_assert_cmpint (h, ==, 1280);
  /* Never enlarged, never the same. */
  g_assert_false (cs_export_scaled_size (1280, 720, 1080, &w, &h));
  g_assert_cmpint (w, ==, 1280);
  g_assert_cmpint (h, ==, 720);
  g_assert_false (cs_export_scaled_size (1280, 720, 720, &w, &h));
  /* 960×400: 360 on the short side keeps 2.4:1 to the nearest even pixel. */
  g_assert_true (cs_export_scaled_size (960, 400, 360, &w, &h));
  g_assert_cmpint (w, ==, 864);
  g_assert_cmpint (h, ==, 360);
}

static void
test_dialog (void)
{
  g_autofree char *clip = NULL;
  CsWindow *window;
  CsExportDialog *dialog;
  GListModel *sizes;
  GListModel *ranges;
  int w, h;

  if (!need_data ())
    return;
  clip = g_build_filename (ui.data_dir, "media", "tears_of_steel.webm", NULL);
  if (!g_file_test (clip, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("media/tears_of_steel.webm is missing from the shared test data");
      return;
    }
  window = cs_ui_test_open (&ui, clip);
  g_assert_true (cs_project_split (cs_window_get_project (window), 24, NULL));
  dialog = open_dialog (window);

  /* The codecs follow the container: WebM holds no H.264; MP4 no FFV1. */
  g_assert_true (cs_export_dialog_set_container (dialog, CS_CONTAINER_WEBM));
  g_assert_cmpint (cs_export_dialog_get_codec (dialog), ==, CS_VIDEO_CODEC_VP9);
  g_assert_false (cs_export_dialog_set_codec (dialog, CS_VIDEO_CODEC_H264));
  g_assert_false (cs_export_dialog_set_codec (dialog, CS_VIDEO_CODEC_FFV1));
  g_assert_true (g_str_has_suffix (g_file_peek_path (cs_export_dialog_get_file (dialog)), ".webm"));
  g_assert_true (cs_export_dialog_set_container (dialog, CS_CONTAINER_MKV));
  g_assert_true (cs_export_dialog_set_codec (dialog, CS_VIDEO_CODEC_FFV1));
  g_assert_cmpint (cs_export_dialog_get_quality (dialog), ==, -1);
  g_assert_false (gtk_widget_get_sensitive (dialog_child (dialog, "quality_row")));
  g_assert_true (g_str_has_suffix (g_file_peek_path (cs_export_dialog_get_file (dialog)), ".mkv"));
  g_assert_true (cs_export_dialog_set_container (dialog, CS_CONTAINER_MP4));
  g_assert_cmpint (cs_export_dialog_get_codec (dialog), ==, CS_VIDEO_CODEC_H264);
  g_assert_true (gtk_widget_get_sensitive (dialog_child (dialog, "quality_row")));
  /* The quality slider spans x264's CRF range. */
  cs_export_dialog_set_quality (dialog, 80);
  g_assert_cmpint (cs_export_dialog_get_quality (dialog), ==, 51);
  cs_export_dialog_set_quality (dialog, 20);
  g_assert_cmpint (cs_export_dialog_get_quality (dialog), ==, 20);
  /* Each container lists exactly the codecs the media layer says it can hold. */
  {
    static const CsContainer containers[] = { CS_CONTAINER_WEBM, CS_CONTAINER_MKV, CS_CONTAINER_MP4 };

    for (guint i = 0; i < G_N_ELEMENTS (containers); i++)
      {
        g_autoptr(GPtrArray) codecs = cs_container_list_codecs (containers[i]);

        g_assert_true (cs_export_dialog_set_container (dialog, containers[i]));
        g_assert_cmpuint (g_list_model_get_n_items (adw_combo_row_get_model (dialog_child (dialog, "codec_row"))),
                          ==, codecs->len);
      }
  }
  /* A quality keeps its distance from the codec's default across codecs:
   * x264's 20 (3 better than its 23) is VP9's 29 (3 better than its 32). */
  if (cs_export_dialog_set_codec (dialog, CS_VIDEO_CODEC_VP9))
    {
      const char *subtitle = adw_action_row_get_subtitle (dialog_child (dialog, "quality_row"));

      g_assert_cmpint (cs_export_dialog_get_quality (dialog), ==,
                       20 - cs_video_codec_get_info (CS_VIDEO_CODEC_H264)->crf_default +
                       cs_video_codec_get_info (CS_VIDEO_CODEC_VP9)->crf_default);
      g_assert_nonnull (strstr (subtitle, "29"));
      g_assert_true (cs_export_dialog_set_codec (dialog, CS_VIDEO_CODEC_H264));
      g_assert_cmpint (cs_export_dialog_get_quality (dialog), ==, 20);
    }

  /* 960×400: the source, then 360p; nothing larger. */
  sizes = adw_combo_row_get_model (dialog_child (dialog, "size_row"));
  g_assert_cmpuint (g_list_model_get_n_items (sizes), ==, 2);
  g_assert_false (cs_export_dialog_set_scale (dialog, 480));
  g_assert_true (cs_export_dialog_set_scale (dialog, 360));
  cs_export_dialog_get_output_size (dialog, &w, &h);
  g_assert_cmpint (w, ==, 864);
  g_assert_cmpint (h, ==, 360);
  g_assert_true (cs_export_dialog_set_scale (dialog, 0));
  cs_export_dialog_get_output_size (dialog, &w, &h);
  g_assert_cmpint (w, ==, 960);
  g_assert_cmpint (h, ==, 400);

  /* "Choose…" opens the file chooser; its answer becomes the destination,
   * with the container following the name. */
#if !GTK_CHECK_VERSION (4, 10, 0)
  {
    g_autofree char *folder = g_build_filename (ui.tmp_dir, "chosen", NULL);
    g_autofree char *expected = g_build_filename (folder, "picked.mkv", NULL);
    g_autoptr(GFile) folder_file = g_file_new_for_path (folder);
    GtkWidget *chooser;

    g_assert_cmpint (g_mkdir_with_parents (folder, 0755), ==, 0);
    g_signal_emit_by_name (dialog_child (dialog, "choose_button"), "clicked");
    cs_ui_test_iterate (50);
    G_GNUC_BEGIN_IGNORE_DEPRECATIONS
    chooser = cs_ui_test_find_toplevel (GTK_TYPE_FILE_CHOOSER_DIALOG, NULL);
    g_assert_nonnull (chooser);
    g_assert_cmpint (gtk_file_chooser_get_action (GTK_FILE_CHOOSER (chooser)), ==, GTK_FILE_CHOOSER_ACTION_SAVE);
    g_assert_true (gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), folder_file, NULL));
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), "picked.mkv");
    cs_ui_test_iterate (20);
    gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_ACCEPT);
    G_GNUC_END_IGNORE_DEPRECATIONS
    /* The chooser checks the name in the background before it answers. */
    cs_ui_test_wait_until (no_file_chooser, NULL, 30, "the file chooser to answer");
    cs_ui_test_iterate (20);
    g_assert_cmpstr (g_file_peek_path (cs_export_dialog_get_file (dialog)), ==, expected);
    g_assert_cmpint (cs_export_dialog_get_container (dialog), ==, CS_CONTAINER_MKV);
    g_assert_true (cs_export_dialog_set_container (dialog, CS_CONTAINER_MP4));
  }
#endif

  ranges = adw_combo_row_get_model (dialog_child (dialog, "range_row"));
  g_assert_cmpuint (g_list_model_get_n_items (ranges), ==, 2);

  cs_ui_test_iterate (50);
  cs_ui_test_screenshot (&ui, GTK_WIDGET (dialog), "export-dialog.png");

  /* Closing it leaves the window as it was. */
  gtk_window_close (GTK_WINDOW (dialog));
  cs_ui_test_iterate (20);
  g_assert_null (cs_ui_test_find_toplevel (CS_TYPE_EXPORT_DIALOG, NULL));
  cs_ui_test_close_window (window);
}

static void
test_export_and_compare (void)
{
  g_autofree char *clip = NULL;
  g_autofree char *folder = g_build_filename (ui.tmp_dir, "export", NULL);
  g_autofree char *project_path = NULL;
  g_autofree char *out = NULL;
  g_autofree char *reference = NULL;
  g_autofree char *segment_out = NULL;
  g_autofree char *value = NULL;
  g_autoptr(GFile) project_file = NULL;
  g_autoptr(GFile) out_file = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) ours = NULL;
  g_autoptr(GBytes) theirs = NULL;
  g_autoptr(GSettings) settings = NULL;
  Started started = { NULL };
  CsWindow *window;
  CsProject *project;
  CsExportDialog *dialog;
  AdwMessageDialog *question;
  gint64 longest, longest_wall;
  guint n;
  double p;

  if (!need_data ())
    return;
  g_assert_cmpint (g_mkdir_with_parents (folder, 0755), ==, 0);
  clip = lavfi_clip ();
  project_path = g_build_filename (folder, "two.celshade", NULL);
  out = g_build_filename (folder, "two.mkv", NULL);
  reference = g_build_filename (ui.tmp_dir, "two-reference.mkv", NULL);
  segment_out = g_build_filename (folder, "second.mkv", NULL);

  window = cs_ui_test_open (&ui, clip);
  project = cs_window_get_project (window);
  g_assert_cmpint (cs_project_get_n_frames (project), ==, CLIP_FRAMES);
  g_assert_true (cs_project_split (project, CLIP_FRAMES / 2, &error));
  g_assert_no_error (error);
  style_segment (window, 0, "Udnie", 60);
  style_segment (window, 1, "The Great Wave", 100);
  project_file = g_file_new_for_path (project_path);
  g_assert_true (cs_project_save (project, project_file, NULL, &error));
  g_assert_no_error (error);

  /* A file of that name is there: the dialog asks first. */
  g_assert_true (g_file_set_contents (out, "an older file", -1, &error));
  dialog = open_dialog (window);
  g_signal_connect (dialog, "export-started", G_CALLBACK (on_started), &started);
  out_file = g_file_new_for_path (out);
  cs_export_dialog_set_file (dialog, out_file);
  g_assert_cmpint (cs_export_dialog_get_container (dialog), ==, CS_CONTAINER_MKV);
  g_assert_true (cs_export_dialog_set_codec (dialog, CS_VIDEO_CODEC_H264));
  cs_export_dialog_set_quality (dialog, 18);
  cs_export_dialog_set_range (dialog, CS_EXPORT_RANGE_ALL);
  cs_export_dialog_export (dialog);
  cs_ui_test_iterate (20);
  question = cs_ui_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, NULL);
  g_assert_nonnull (question);
  adw_message_dialog_response (question, "cancel");
  cs_ui_test_iterate (20);
  g_assert_null (started.job);
  cs_export_dialog_export (dialog);
  cs_ui_test_iterate (20);
  question = cs_ui_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, NULL);
  g_assert_nonnull (question);
  adw_message_dialog_response (question, "replace");
  cs_ui_test_wait_until (job_given, &started, 30, "the export to start");
  /* The dialog is gone; the window runs the job and shows it. */
  g_assert_null (cs_ui_test_find_toplevel (CS_TYPE_EXPORT_DIALOG, NULL));
  g_assert_true (gtk_widget_get_visible (cs_ui_test_child (window, "export_progress")));
  g_assert_true (cs_export_button_get_job (cs_ui_test_child (window, "export_progress")) == started.job);

  /* The header's progress, and its popover once the first frames are done. */
  cs_ui_test_wait_until (job_started_frames, started.job, 300, "the export's first frame");
  {
    CsExportButton *progress = cs_ui_test_child (window, "export_progress");
    GtkMenuButton *menu = GTK_MENU_BUTTON (gtk_widget_get_template_child (GTK_WIDGET (progress),
                                                                          CS_TYPE_EXPORT_BUTTON,
                                                                          "menu_button"));

    cs_ui_test_iterate (20);
    cs_ui_test_screenshot (&ui, GTK_WIDGET (window), "export-running.png");
    cs_export_button_popup (progress);
    cs_ui_test_iterate (40);
    cs_ui_test_screenshot (&ui, GTK_WIDGET (gtk_menu_button_get_popover (menu)), "export-progress.png");
    gtk_menu_button_popdown (menu);
  }

  /* The window stays usable: the playhead moves, and no iteration of the
   * main loop does much work while the export runs. */
  cs_timeline_view_set_playhead (cs_ui_test_child (window, "timeline_view"), 3);
  longest = cs_ui_test_wait_until_timed (job_ended, started.job, 300, "the export to end", &longest_wall);
  g_test_message ("export: %.1f frames/s on the export thread; longest main-loop iteration "
                  "%.0f ms of processor time (%.0f ms of wall-clock time)",
                  cs_export_job_get_fps (started.job), longest / 1000.0, longest_wall / 1000.0);
  g_assert_cmpint (longest, <, 50 * 1000);
  if (cs_export_job_get_error (started.job) != NULL)
    g_error ("export failed: %s", cs_export_job_get_error (started.job)->message);
  g_assert_cmpint (cs_export_job_get_state (started.job), ==, CS_EXPORT_STATE_DONE);
  g_assert_cmpfloat (cs_export_job_get_fraction (started.job), ==, 1.0);
  cs_ui_test_iterate (50);
  g_assert_false (gtk_widget_get_visible (cs_ui_test_child (window, "export_progress")));
  /* The toast saying so, with its buttons. */
  cs_ui_test_screenshot (&ui, GTK_WIDGET (window), "export-done.png");

  /* The choices are remembered. */
  settings = g_object_ref (cs_application_get_settings (ui.app));
  value = g_settings_get_string (settings, "export-container");
  g_assert_cmpstr (value, ==, "mkv");
  g_free (value);
  value = g_settings_get_string (settings, "export-codec");
  g_assert_cmpstr (value, ==, "h264");
  g_free (value);
  g_assert_cmpint (g_settings_get_int (settings, "export-quality"), ==, 18);
  value = g_settings_get_string (settings, "export-folder");
  g_assert_cmpstr (value, ==, folder);
  g_clear_pointer (&value, g_free);

  /* What ffprobe sees: H.264 and the sound, every frame, the clip's length. */
  value = ffprobe_value (out, "v:0", "stream=codec_name,width,height,nb_read_frames");
  g_test_message ("video: %s", value);
  {
    g_autofree char *expected = g_strdup_printf ("h264\n%d\n%d\n%d", CLIP_WIDTH, CLIP_HEIGHT, CLIP_FRAMES);

    g_assert_cmpstr (value, ==, expected);
  }
  g_free (value);
  value = ffprobe_value (out, "a", "stream=codec_type");
  g_assert_cmpstr (value, ==, "audio");
  g_free (value);
  value = ffprobe_value (out, "v:0", "format=duration");
  g_test_message ("duration: %s s", value);
  g_assert_cmpfloat (fabs (g_ascii_strtod (value, NULL) - CLIP_FRAMES / 10.0), <, 0.15);
  g_clear_pointer (&value, g_free);

  /* The same project rendered headless. */
  {
    const char *argv[] = { CS_RENDER_EXE, "--project", project_path, "-o", reference,
                           "--codec", "h264", "--crf", "18", NULL };

    g_bytes_unref (run_tool (argv));
  }
  ours = decode_rgb (out);
  theirs = decode_rgb (reference);
  p = worst_psnr (ours, theirs, (gsize) CLIP_WIDTH * CLIP_HEIGHT * 3, &n);
  g_test_message ("export against celshade-render --project: %u frames, worst PSNR %.1f dB", n, p);
  g_assert_cmpuint (n, ==, CLIP_FRAMES);
  g_assert_cmpfloat (p, >, 40.0);
  /* And the styles are really there: far from the unstyled clip. */
  {
    g_autoptr(GBytes) source = decode_rgb (clip);

    p = worst_psnr (ours, source, (gsize) CLIP_WIDTH * CLIP_HEIGHT * 3, &n);
    g_test_message ("export against the unstyled clip: worst PSNR %.1f dB", p);
    g_assert_cmpfloat (p, <, 25.0);
  }

  /* The selected segment alone, losslessly, against celshade-render of the
   * same stretch in seconds: the same frames, bit for bit. */
  g_clear_object (&started.job);
  cs_timeline_view_set_selected_segment (cs_ui_test_child (window, "timeline_view"), 1);
  dialog = open_dialog (window);
  g_signal_connect (dialog, "export-started", G_CALLBACK (on_started), &started);
  {
    g_autoptr(GFile) file = g_file_new_for_path (segment_out);

    cs_export_dialog_set_file (dialog, file);
  }
  g_assert_cmpint (cs_export_dialog_get_container (dialog), ==, CS_CONTAINER_MKV);
  g_assert_true (cs_export_dialog_set_codec (dialog, CS_VIDEO_CODEC_FFV1));
  cs_export_dialog_set_range (dialog, CS_EXPORT_RANGE_SEGMENT);
  cs_export_dialog_export (dialog);
  cs_ui_test_wait_until (job_given, &started, 30, "the export to start");
  cs_ui_test_wait_until (job_ended, started.job, 300, "the segment's export to end");
  g_assert_cmpint (cs_export_job_get_state (started.job), ==, CS_EXPORT_STATE_DONE);
  value = ffprobe_value (segment_out, "v:0", "stream=nb_read_frames");
  g_assert_cmpint (g_ascii_strtoll (value, NULL, 10), ==, CLIP_FRAMES - CLIP_FRAMES / 2);
  g_clear_pointer (&value, g_free);
  {
    g_autofree char *segment_ref = g_build_filename (ui.tmp_dir, "second-reference.mkv", NULL);
    g_autofree char *from = g_strdup_printf ("%g", (CLIP_FRAMES / 2) / 10.0);
    const char *argv[] = { CS_RENDER_EXE, "--project", project_path, "-o", segment_ref,
                           "--codec", "ffv1", "--from", from, NULL };
    g_autoptr(GBytes) part = NULL;
    g_autoptr(GBytes) part_ref = NULL;

    g_bytes_unref (run_tool (argv));
    part = decode_rgb (segment_out);
    part_ref = decode_rgb (segment_ref);
    p = worst_psnr (part, part_ref, (gsize) CLIP_WIDTH * CLIP_HEIGHT * 3, &n);
    g_test_message ("segment against celshade-render --from %s: %u frames, worst PSNR %.1f dB", from, n, p);
    g_assert_cmpuint (n, ==, CLIP_FRAMES - CLIP_FRAMES / 2);
    g_assert_cmpfloat (p, >, 40.0);
  }
  g_assert_cmpuint (count_partial_files (folder), ==, 0);
  g_clear_object (&started.job);
  cs_ui_test_close_window (window);
}

/* A destination that cannot be written: the job fails with the reason,
 * which the window shows, and writes nothing. */
static void
test_failure (void)
{
  g_autofree char *clip = NULL;
  g_autoptr(GFile) file = g_file_new_for_path ("/proc/celshade-export.mkv");
  Started started = { NULL };
  CsWindow *window;
  CsExportDialog *dialog;
  const GError *error;

  if (!need_data ())
    return;
  clip = lavfi_clip ();
  window = cs_ui_test_open (&ui, clip);
  style_segment (window, 0, "Udnie", 100);
  dialog = open_dialog (window);
  g_signal_connect (dialog, "export-started", G_CALLBACK (on_started), &started);
  cs_export_dialog_set_file (dialog, file);
  cs_export_dialog_export (dialog);
  cs_ui_test_wait_until (job_given, &started, 30, "the export to start");
  cs_ui_test_wait_until (job_ended, started.job, 120, "the export to fail");
  g_assert_cmpint (cs_export_job_get_state (started.job), ==, CS_EXPORT_STATE_FAILED);
  error = cs_export_job_get_error (started.job);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_true (g_error_matches (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_WRITE));
  g_assert_false (g_file_query_exists (file, NULL));
  cs_ui_test_iterate (50);
  g_assert_false (gtk_widget_get_visible (cs_ui_test_child (window, "export_progress")));
  cs_ui_test_screenshot (&ui, GTK_WIDGET (window), "export-failed.png");
  g_clear_object (&started.job);
  cs_ui_test_close_window (window);
}

static void
test_close_during_export (void)
{
  g_autofree char *clip = NULL;
  g_autofree char *folder = g_build_filename (ui.tmp_dir, "cancel", NULL);
  g_autofree char *project_path = NULL;
  g_autofree char *out = NULL;
  g_autoptr(GFile) project_file = NULL;
  g_autoptr(GError) error = NULL;
  Started started = { NULL };
  CsWindow *window;
  CsExportDialog *dialog;
  AdwMessageDialog *question;
  gpointer alive;

  if (!need_data ())
    return;
  clip = g_build_filename (ui.data_dir, "media", "529.mp4", NULL);
  if (!g_file_test (clip, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("media/529.mp4 is missing from the shared test data");
      return;
    }
  g_assert_cmpint (g_mkdir_with_parents (folder, 0755), ==, 0);
  project_path = g_build_filename (folder, "long.celshade", NULL);
  out = g_build_filename (folder, "long.mp4", NULL);

  /* Ten seconds of styled 400×368 frames: minutes on the CPU, long
   * enough to be stopped part way. */
  window = cs_ui_test_open (&ui, clip);
  style_segment (window, 0, "Udnie", 100);
  project_file = g_file_new_for_path (project_path);
  g_assert_true (cs_project_save (cs_window_get_project (window), project_file, NULL, &error));
  g_assert_no_error (error);

  dialog = open_dialog (window);
  g_signal_connect (dialog, "export-started", G_CALLBACK (on_started), &started);
  {
    g_autoptr(GFile) file = g_file_new_for_path (out);

    cs_export_dialog_set_file (dialog, file);
  }
  cs_export_dialog_export (dialog);
  cs_ui_test_wait_until (job_given, &started, 30, "the export to start");
  cs_ui_test_wait_until (job_started_frames, started.job, 300, "the export's first frame");
  g_assert_true (cs_export_job_is_running (started.job));

  /* Closing asks; "Cancel" keeps both. */
  gtk_window_close (GTK_WINDOW (window));
  cs_ui_test_iterate (20);
  question = cs_ui_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, NULL);
  g_assert_nonnull (question);
  adw_message_dialog_response (question, "cancel");
  cs_ui_test_iterate (20);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));
  g_assert_true (cs_export_job_is_running (started.job));

  /* "Stop and Close": the export stops, then the window goes. */
  alive = window;
  g_object_add_weak_pointer (G_OBJECT (window), &alive);
  gtk_window_close (GTK_WINDOW (window));
  cs_ui_test_iterate (20);
  question = cs_ui_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, NULL);
  g_assert_nonnull (question);
  adw_message_dialog_response (question, "stop");
  cs_ui_test_wait_until (job_ended, started.job, 120, "the export to stop");
  g_assert_cmpint (cs_export_job_get_state (started.job), ==, CS_EXPORT_STATE_CANCELLED);
  g_test_message ("stopped at %.0f %% of %" G_GINT64_FORMAT " frames",
                  cs_export_job_get_fraction (started.job) * 100, cs_export_job_get_n_frames (started.job));
  g_assert_cmpfloat (cs_export_job_get_fraction (started.job), <, 1.0);
  cs_ui_test_wait_until (window_gone, &alive, 30, "the window to close");

  /* Nothing is left behind: the project file alone. */
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_partial_files (folder), ==, 0);
  g_assert_cmpuint (count_files (folder), ==, 1);
  g_clear_object (&started.job);
}

/* Set-up ------------------------------------------------------------------------------------ */

int
main (int   argc,
      char *argv[])
{
  g_autofree char *ffmpeg = g_find_program_in_path ("ffmpeg");
  g_autofree char *ffprobe = g_find_program_in_path ("ffprobe");

  cs_ui_test_init (&ui, &argc, &argv, "celshade-export-XXXXXX");
  have_tools = ffmpeg != NULL && ffprobe != NULL;
  {
    g_autofree char *folder = g_build_filename (ui.tmp_dir, "styles", NULL);
    const char *folders[] = { folder, NULL };

    have_styles = cs_ui_test_install_udnie_and_wave (&ui, folder);
    ui.styles = cs_style_library_new_for_search_path (folders);
    /* celshade-render --project finds the project's styles where the app does. */
    g_setenv ("CELSHADE_STYLES_PATH", folder, TRUE);
  }

  g_test_add_func ("/export-ui/sizes", test_sizes);
  g_test_add_func ("/export-ui/dialog", test_dialog);
  g_test_add_func ("/export-ui/export-and-compare", test_export_and_compare);
  g_test_add_func ("/export-ui/failure", test_failure);
  g_test_add_func ("/export-ui/close-during-export", test_close_during_export);
  return cs_ui_test_run (&ui);
}
