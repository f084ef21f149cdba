/* test-preview.c: the editor's preview worker (render layer)
 *
 * A project over the shared clip whose frames show their own number, one
 * segment styled: frames arrive on the main loop at the proxy and the full
 * size, they are the decoded frames (compared with FFmpeg's own decoding of
 * the same frame), styled where the timeline says so and not elsewhere,
 * the newest request wins over older ones, the cache answers at once, an
 * edit of the timeline changes the answer, and a style that cannot be
 * loaded or a clip that cannot be opened is reported, not fatal.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "cs-render.h"
#include "cs-styles.h"
#include "cs-test.h"

static char *data_dir;
static char *tmp_dir;
static CsStyleRef *udnie_ref;

typedef struct {
  GPtrArray *frames;   /* CsPreviewFrame, in arrival order */
  GPtrArray *errors;   /* GError */
} Collected;

static void
on_frame_ready (CsPreview      *preview,
                CsPreviewFrame *frame,
                Collected      *c)
{
  g_ptr_array_add (c->frames, cs_preview_frame_ref (frame));
}

static void
on_error (CsPreview *preview,
          GError    *error,
          Collected *c)
{
  g_ptr_array_add (c->errors, g_error_copy (error));
}

static void
collected_init (Collected *c,
                CsPreview *preview)
{
  c->frames = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_preview_frame_unref);
  c->errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  g_signal_connect (preview, "frame-ready", G_CALLBACK (on_frame_ready), c);
  g_signal_connect (preview, "error", G_CALLBACK (on_error), c);
}

static void
collected_clear (Collected *c,
                 CsPreview *preview)
{
  /* Answers still on their way must not reach a test that has ended. */
  g_signal_handlers_disconnect_by_data (preview, c);
  g_ptr_array_unref (c->frames);
  g_ptr_array_unref (c->errors);
}

/* Runs the main loop until the preview is idle (or 120 s pass). */
static void
wait_idle (CsPreview *preview)
{
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;

  /* A request posts its answer through the loop even from the cache. */
  for (int i = 0; i < 3; i++)
    g_main_context_iteration (NULL, FALSE);
  while (cs_preview_get_busy (preview) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_false (cs_preview_get_busy (preview));
}

static CsProject *
make_project (const char *clip)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsSourceClip) source = cs_source_probe (clip, NULL, NULL, &error);

  g_assert_no_error (error);
  return cs_project_new (source);
}

static char *
clip_path (const char *name)
{
  return g_build_filename (data_dir, "media", name, NULL);
}

static gboolean
need_data (void)
{
  if (udnie_ref == NULL)
    {
      g_test_skip ("the shared test data (media/, styles/ml5/udnie) is missing; "
                   "set CELSHADE_TEST_DATA");
      return FALSE;
    }
  return TRUE;
}

/* Mean absolute difference of two RGBA buffers of the same size, over RGB. */
static double
mean_diff (GBytes *a,
           GBytes *b)
{
  gsize n, m;
  const guint8 *pa = g_bytes_get_data (a, &n);
  const guint8 *pb = g_bytes_get_data (b, &m);
  double sum = 0;

  g_assert_cmpuint (n, ==, m);
  for (gsize i = 0; i < n; i += 4)
    sum += abs (pa[i] - pb[i]) + abs (pa[i + 1] - pb[i + 1]) + abs (pa[i + 2] - pb[i + 2]);
  return sum / (n / 4 * 3);
}

/* Frame index of the clip decoded by the ffmpeg program, as RGBA. */
static GBytes *
ffmpeg_frame (const char *clip,
              gint64      index,
              int         width,
              int         height)
{
  g_autofree char *select = g_strdup_printf ("select=eq(n\\,%" G_GINT64_FORMAT "),scale=%d:%d:flags=bilinear+accurate_rnd+full_chroma_int",
                                             index, width, height);
  const char *argv[] = { "ffmpeg", "-nostdin", "-v", "error", "-i", clip, "-vf", select,
                         "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgba", "-", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GBytes) out = NULL;

  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate (process, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (process));
  return g_steal_pointer (&out);
}

static CsPreviewFrame *
last_of (Collected *c)
{
  g_assert_cmpuint (c->frames->len, >, 0);
  return g_ptr_array_index (c->frames, c->frames->len - 1);
}

static void
test_original_frames (void)
{
  g_autofree char *clip = clip_path ("30fps_numeroted_frames_red.mkv");
  g_autoptr(CsProject) project = NULL;
  g_autoptr(CsPreview) preview = NULL;
  CsPreviewFrame *before = NULL;
  Collected c;

  if (!need_data ())
    return;

  project = make_project (clip);
  preview = cs_preview_new (NULL, CS_PRECISION_FP32);
  collected_init (&c, preview);
  cs_preview_set_project (preview, project);
  cs_preview_set_proxy_height (preview, 120);

  /* Unstyled: the full frame is what FFmpeg decodes, for frames far apart
   * and next to each other (seek and read forward). */
  for (guint i = 0; i < 4; i++)
    {
      static const gint64 frames[] = { 37, 38, 70, 3 };
      CsPreviewFrame *frame;
      g_autoptr(GBytes) reference = NULL;

      cs_preview_request (preview, frames[i], FALSE);
      wait_idle (preview);
      frame = last_of (&c);
      g_assert_cmpint (cs_preview_frame_get_index (frame), ==, frames[i]);
      g_assert_false (cs_preview_frame_is_proxy (frame));
      g_assert_cmpint (cs_preview_frame_get_width (frame), ==, 320);
      g_assert_cmpint (cs_preview_frame_get_height (frame), ==, 240);
      g_assert_true (cs_preview_frame_get_styled (frame) == cs_preview_frame_get_original (frame));
      reference = ffmpeg_frame (clip, frames[i], 320, 240);
      g_assert_cmpfloat (mean_diff (reference, cs_preview_frame_get_original (frame)), <, 2.0);
      /* Each frame shows its own number: different frames differ. */
      if (before != NULL)
        g_assert_cmpfloat (mean_diff (cs_preview_frame_get_original (before),
                                      cs_preview_frame_get_original (frame)), >, 0.5);
      before = frame;
    }

  /* A quick request gets the proxy size, with the clip's aspect ratio. */
  cs_preview_request (preview, 60, TRUE);
  wait_idle (preview);
  g_assert_true (cs_preview_frame_is_proxy (last_of (&c)));
  g_assert_cmpint (cs_preview_frame_get_height (last_of (&c)), ==, 120);
  g_assert_cmpint (cs_preview_frame_get_width (last_of (&c)), ==, 160);
  g_assert_cmpuint (c.errors->len, ==, 0);
  collected_clear (&c, preview);
}

static void
test_styled_and_cache (void)
{
  g_autofree char *clip = clip_path ("30fps_numeroted_frames_red.mkv");
  g_autoptr(CsProject) project = NULL;
  g_autoptr(CsPreview) preview = NULL;
  g_autoptr(GError) error = NULL;
  CsPreviewFrame *styled, *unstyled, *cached;
  g_autoptr(CsPreviewFrame) first = NULL;
  Collected c;
  guint n;

  if (!need_data ())
    return;

  project = make_project (clip);
  g_assert_true (cs_project_split (project, 30, &error));
  g_assert_no_error (error);
  g_assert_true (cs_project_set_style (project, 1, udnie_ref, &error));
  g_assert_no_error (error);

  preview = cs_preview_new (NULL, CS_PRECISION_FP32);
  collected_init (&c, preview);
  cs_preview_set_project (preview, project);
  cs_preview_set_proxy_height (preview, 120);

  /* A resting request: the proxy first, then the full size. */
  cs_preview_request (preview, 50, FALSE);
  wait_idle (preview);
  g_assert_cmpuint (c.frames->len, ==, 2);
  g_assert_true (cs_preview_frame_is_proxy (g_ptr_array_index (c.frames, 0)));
  styled = last_of (&c);
  g_assert_false (cs_preview_frame_is_proxy (styled));
  g_assert_cmpint (cs_preview_frame_get_index (styled), ==, 50);
  g_assert_cmpfloat (mean_diff (cs_preview_frame_get_original (styled),
                                cs_preview_frame_get_styled (styled)), >, 10.0);
  g_assert_cmpfloat (cs_preview_frame_get_render_time (styled), >, 0.0);
  g_assert_cmpfloat (cs_preview_get_render_rate (preview, FALSE), >, 0.0);
  g_assert_nonnull (cs_preview_get_device_name (preview));
  first = cs_preview_frame_ref (styled);

  /* The segment before the cut is not styled. */
  cs_preview_request (preview, 10, FALSE);
  wait_idle (preview);
  unstyled = last_of (&c);
  g_assert_true (cs_preview_frame_get_styled (unstyled) == cs_preview_frame_get_original (unstyled));

  /* Back to 50: answered from the cache, the same frame object. */
  n = c.frames->len;
  cs_preview_request (preview, 50, FALSE);
  wait_idle (preview);
  g_assert_cmpuint (c.frames->len, ==, n + 1);
  cached = last_of (&c);
  g_assert_true (cached == first);

  /* Another degree is another answer: the edit reaches the worker. */
  g_assert_true (cs_project_add_keyframe (project, 50, 0.3, CS_INTERPOLATION_LINEAR, &error));
  g_assert_no_error (error);
  cs_preview_request (preview, 50, FALSE);
  wait_idle (preview);
  styled = last_of (&c);
  g_assert_false (styled == first);
  g_assert_cmpfloat (mean_diff (cs_preview_frame_get_styled (first),
                                cs_preview_frame_get_styled (styled)), >, 1.0);
  /* Degree 0.3 lies between the original and the full style. */
  g_assert_cmpfloat (mean_diff (cs_preview_frame_get_original (styled),
                                cs_preview_frame_get_styled (styled)), <,
                     mean_diff (cs_preview_frame_get_original (first),
                                cs_preview_frame_get_styled (first)));

  /* Undo brings the cached frame back. */
  g_assert_true (cs_project_undo (project));
  cs_preview_request (preview, 50, FALSE);
  wait_idle (preview);
  g_assert_true (last_of (&c) == first);

  /* A cache of no size keeps nothing. */
  cs_preview_set_cache_size (preview, 0);
  n = c.frames->len;
  cs_preview_request (preview, 50, TRUE);
  wait_idle (preview);
  g_assert_cmpuint (c.frames->len, ==, n + 1);
  g_assert_true (cs_preview_frame_is_proxy (last_of (&c)));
  g_assert_cmpuint (c.errors->len, ==, 0);
  collected_clear (&c, preview);
}

static void
test_newest_wins (void)
{
  g_autofree char *clip = clip_path ("30fps_numeroted_frames_red.mkv");
  g_autoptr(CsProject) project = NULL;
  g_autoptr(CsPreview) preview = NULL;
  g_autoptr(GError) error = NULL;
  Collected c;

  if (!need_data ())
    return;

  project = make_project (clip);
  g_assert_true (cs_project_set_style (project, 0, udnie_ref, &error));
  preview = cs_preview_new (NULL, CS_PRECISION_FP32);
  collected_init (&c, preview);
  cs_preview_set_project (preview, project);
  cs_preview_set_proxy_height (preview, 120);

  /* A burst of requests, as a scrub makes them: far fewer frames are made
   * than asked for, and the last one answered is the newest request at the
   * full size. */
  for (gint64 f = 5; f < 65; f++)
    cs_preview_request (preview, f, TRUE);
  cs_preview_request (preview, 66, FALSE);
  wait_idle (preview);
  g_assert_cmpuint (c.frames->len, <, 20);
  g_assert_cmpint (cs_preview_frame_get_index (last_of (&c)), ==, 66);
  g_assert_false (cs_preview_frame_is_proxy (last_of (&c)));
  g_assert_cmpuint (c.errors->len, ==, 0);
  collected_clear (&c, preview);
}

/* On a clip with motion, frame 21 styled right after frame 20 carries on
 * from it (stabilized);
 * styled after a jump it starts afresh; with stability 0 both are the
 * same. */
static void
test_stability (void)
{
  g_autofree char *clip = clip_path ("529.mp4");
  g_autoptr(CsProject) project = NULL;
  g_autoptr(CsPreview) preview = NULL;
  g_autoptr(GError) error = NULL;
  double diff[2];
  Collected c;

  if (!need_data ())
    return;

  project = make_project (clip);
  g_assert_true (cs_project_set_style (project, 0, udnie_ref, &error));
  preview = cs_preview_new (NULL, CS_PRECISION_FP32);
  collected_init (&c, preview);
  cs_preview_set_project (preview, project);
  cs_preview_set_proxy_height (preview, 0);

  for (int pass = 0; pass < 2; pass++)
    {
      g_autoptr(CsPreviewFrame) after_previous = NULL;

      g_assert_true (cs_project_set_stability (project, 0, pass == 0 ? 1.0 : 0.0, &error));
      g_assert_no_error (error);
      cs_preview_clear_cache (preview);
      cs_preview_request (preview, 20, FALSE);
      wait_idle (preview);
      cs_preview_request (preview, 21, FALSE);
      wait_idle (preview);
      after_previous = cs_preview_frame_ref (last_of (&c));
      g_assert_cmpint (cs_preview_frame_get_index (after_previous), ==, 21);

      cs_preview_clear_cache (preview);
      cs_preview_request (preview, 60, FALSE);
      wait_idle (preview);
      cs_preview_request (preview, 21, FALSE);
      wait_idle (preview);
      g_assert_cmpint (cs_preview_frame_get_index (last_of (&c)), ==, 21);
      diff[pass] = mean_diff (cs_preview_frame_get_styled (after_previous),
                              cs_preview_frame_get_styled (last_of (&c)));
    }
  g_test_message ("stabilized against the previous frame or not: %.3f; at stability 0: %.3f",
                  diff[0], diff[1]);
  g_assert_cmpfloat (diff[0], >, 0.05);
  g_assert_cmpfloat (diff[1], <, 1e-9);
  g_assert_cmpuint (c.errors->len, ==, 0);
  collected_clear (&c, preview);
}

static void
test_bad_input (void)
{
  g_autofree char *clip = clip_path ("30fps_numeroted_frames_red.mkv");
  g_autofree char *broken = g_build_filename (tmp_dir, "broken-style", NULL);
  g_autoptr(CsProject) project = NULL;
  g_autoptr(CsPreview) preview = NULL;
  g_autoptr(CsStyleRef) gone = NULL;
  g_autoptr(GError) error = NULL;
  CsPreviewFrame *frame;
  Collected c;

  if (!need_data ())
    return;

  /* A style folder whose model is not a model. */
  g_assert_cmpint (g_mkdir_with_parents (broken, 0755), ==, 0);
  {
    g_autofree char *json = g_build_filename (broken, "style.json", NULL);
    g_assert_true (g_file_set_contents (json, "{ not json", -1, NULL));
  }
  gone = cs_style_ref_new ("broken", "Broken", broken);

  project = make_project (clip);
  g_assert_true (cs_project_set_style (project, 0, gone, &error));
  preview = cs_preview_new (NULL, CS_PRECISION_FP32);
  collected_init (&c, preview);
  cs_preview_set_project (preview, project);

  cs_preview_request (preview, 5, FALSE);
  wait_idle (preview);
  /* Reported once, and the frame still arrives, unstyled. */
  g_assert_cmpuint (c.errors->len, ==, 1);
  g_assert_nonnull (strstr (((GError *) c.errors->pdata[0])->message, "broken-style"));
  frame = last_of (&c);
  g_assert_cmpint (cs_preview_frame_get_index (frame), ==, 5);
  g_assert_true (cs_preview_frame_get_styled (frame) == cs_preview_frame_get_original (frame));
  cs_preview_request (preview, 6, FALSE);
  wait_idle (preview);
  g_assert_cmpuint (c.errors->len, ==, 1);

  /* A clip that vanished: reported, no frame, no crash. */
  {
    g_autofree char *copy = g_build_filename (tmp_dir, "vanishing.mkv", NULL);
    g_autofree char *contents = NULL;
    gsize length;
    g_autoptr(CsProject) other = NULL;
    guint n = c.frames->len;

    g_assert_true (g_file_get_contents (clip, &contents, &length, NULL));
    g_assert_true (g_file_set_contents (copy, contents, length, NULL));
    other = make_project (copy);
    g_assert_cmpint (g_unlink (copy), ==, 0);
    cs_preview_set_project (preview, other);
    cs_preview_request (preview, 5, FALSE);
    wait_idle (preview);
    g_assert_cmpuint (c.frames->len, ==, n);
    g_assert_cmpuint (c.errors->len, ==, 2);
  }
  collected_clear (&c, preview);
}

static void
test_probe (void)
{
  g_autofree char *clip = clip_path ("tears_of_steel.webm");
  g_autofree char *not_media = g_build_filename (tmp_dir, "not-media.mp4", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsSourceClip) source = NULL;
  int num, den;

  if (!need_data ())
    return;

  source = cs_source_probe (clip, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cs_source_clip_get_width (source), ==, 960);
  g_assert_cmpint (cs_source_clip_get_height (source), ==, 400);
  cs_source_clip_get_frame_rate (source, &num, &den);
  g_assert_cmpfloat (fabs ((double) num / den - 24.0), <, 1e-6);
  g_assert_cmpint (cs_source_clip_get_n_frames (source), >, 24);

  g_assert_true (g_file_set_contents (not_media, "hello", -1, NULL));
  g_assert_null (cs_source_probe (not_media, NULL, NULL, &error));
  g_assert_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_NOT_MEDIA);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *checkpoint = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  data_dir = g_strdup (g_getenv ("CELSHADE_TEST_DATA"));
  if (data_dir == NULL)
    data_dir = g_build_filename (CS_SOURCE_DIR, "..", "shared", "data", NULL);
  tmp_dir = g_dir_make_tmp ("celshade-preview-XXXXXX", NULL);

  checkpoint = g_build_filename (data_dir, "styles", "ml5", "udnie", NULL);
  if (g_file_test (checkpoint, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *folder = g_build_filename (tmp_dir, "udnie", NULL);
      g_autoptr(GError) error = NULL;
      CsFstImportOptions options = { 0 };

      options.name = "Udnie";
      if (cs_fst_import_with_options (checkpoint, folder, &options, NULL, &error))
        udnie_ref = cs_style_ref_new ("udnie", "Udnie", folder);
      else
        g_printerr ("# could not import udnie: %s\n", error->message);
    }

  g_test_add_func ("/preview/probe", test_probe);
  g_test_add_func ("/preview/original-frames", test_original_frames);
  g_test_add_func ("/preview/styled-and-cache", test_styled_and_cache);
  g_test_add_func ("/preview/newest-wins", test_newest_wins);
  g_test_add_func ("/preview/stability", test_stability);
  g_test_add_func ("/preview/bad-input", test_bad_input);
  status = g_test_run ();

  g_clear_pointer (&udnie_ref, cs_style_ref_unref);
  cs_test_remove_tree (tmp_dir);
  g_free (tmp_dir);
  g_free (data_dir);
  return status;
}
