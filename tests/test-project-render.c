/* test-project-render.c: a project rendered headless, segment by segment
 *
 * A 20-frame 96×64 lavfi clip with AAC audio is tiled by three segments:
 * the original (frames 0–5), "wave" with a linear degree ramp (6–12) and
 * "udnie" at degree 0.8 (13–19), with a 4-frame cross-fade between the last
 * two (frames 11–14). celshade-render --project writes it as FFV1, so frames
 * compare exactly with renders of each segment alone made by CsClipRenderer.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "cs-project-renderer.h"
#include "cs-render.h"
#include "cs-styles.h"
#include "cs-test.h"

#define W 96
#define H 64
#define N_FRAMES 20
#define FRAME_BYTES (W * H * 3 / 2)
#define FRAME_US 40000

static CsDevice *device;
static char *data_dir;
static char *tmp_dir;
static char *clip_path;
static CsStyleRef *wave_ref;
static CsStyleRef *udnie_ref;

static char *
tmp_file (const char *name)
{
  return g_build_filename (tmp_dir, name, NULL);
}

/* Runs a program; its standard output, and its standard error in @err_text. */
static GBytes *
run_tool (const char * const *argv,
          gboolean            *success,
          char               **err_text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GBytes) err = NULL;
  GBytes *out = NULL;

  proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate (proc, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  *success = g_subprocess_get_successful (proc);
  if (err_text != NULL)
    *err_text = g_strndup (g_bytes_get_data (err, NULL), g_bytes_get_size (err));
  return out;
}

static GBytes *
run_ok (const char * const *argv)
{
  g_autofree char *err = NULL;
  gboolean ok;
  GBytes *out = run_tool (argv, &ok, &err);

  if (!ok)
    g_error ("%s failed: %s", argv[0], err);
  return out;
}

/* The frames of a clip as 8-bit 4:2:0, decoded by the ffmpeg CLI. */
static GBytes *
decode_frames (const char *path)
{
  const char *argv[] = { "ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "rawvideo",
                         "-pix_fmt", "yuv420p", "-", NULL };

  return run_ok (argv);
}

static const guint8 *
frame_at (GBytes *frames,
          guint   index)
{
  g_assert_cmpuint (g_bytes_get_size (frames), >=, (gsize) (index + 1) * FRAME_BYTES);
  return (const guint8 *) g_bytes_get_data (frames, NULL) + (gsize) index * FRAME_BYTES;
}

static double
psnr (const guint8 *a,
      const guint8 *b)
{
  double se = 0;

  for (guint i = 0; i < FRAME_BYTES; i++)
    se += (a[i] - b[i]) * (double) (a[i] - b[i]);
  if (se == 0)
    return INFINITY;
  return 10 * log10 (255.0 * 255.0 / (se / FRAME_BYTES));
}

/* Root-mean-square difference of the luma planes. */
static double
luma_distance (const guint8 *a,
               const guint8 *b)
{
  double se = 0;

  for (guint i = 0; i < W * H; i++)
    se += (a[i] - b[i]) * (double) (a[i] - b[i]);
  return sqrt (se / (W * H));
}

static CsStyleRef *
import_style (const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *checkpoint = g_build_filename (data_dir, "styles", "ml5", name, NULL);
  g_autofree char *folder = tmp_file (name);
  CsFstImportOptions options = { .device = device };

  g_assert_true (cs_fst_import_with_options (checkpoint, folder, &options, NULL, &error));
  g_assert_no_error (error);
  return cs_style_ref_new (name, name, folder);
}

static gboolean
have_program (const char *name)
{
  g_autofree char *path = g_find_program_in_path (name);

  return path != NULL;
}

/* What every test needs; FALSE (and the test skipped) without the data. */
static gboolean
setup (void)
{
  g_autofree char *wave = NULL;
  g_autofree char *udnie = NULL;

  if (clip_path != NULL)
    return TRUE;
  if (!have_program ("ffmpeg") || !have_program ("ffprobe"))
    {
      g_test_skip ("the ffmpeg and ffprobe programs are needed");
      return FALSE;
    }
  wave = g_build_filename (data_dir != NULL ? data_dir : "", "styles", "ml5", "wave", NULL);
  udnie = g_build_filename (data_dir != NULL ? data_dir : "", "styles", "ml5", "udnie", NULL);
  if (data_dir == NULL || !g_file_test (wave, G_FILE_TEST_IS_DIR) || !g_file_test (udnie, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("the wave and udnie checkpoints are missing; set CELSHADE_TEST_DATA to the shared data");
      return FALSE;
    }

  {
    g_autofree char *path = tmp_file ("clip.mkv");
    const char *argv[] = { "ffmpeg", "-nostdin", "-v", "error", "-y",
                           "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25",
                           "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                           "-frames:v", "20", "-t", "0.8", "-pix_fmt", "yuv420p", "-c:v", "ffv1",
                           "-c:a", "aac", path, NULL };
    g_autoptr(GBytes) out = run_ok (argv);

    clip_path = g_steal_pointer (&path);
  }
  wave_ref = import_style ("wave");
  udnie_ref = import_style ("udnie");
  return TRUE;
}

static CsSourceClip *
make_source (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = cs_project_hash_file (path, NULL, &error);
  CsSourceClip *source;

  g_assert_no_error (error);
  source = cs_source_clip_new (path, N_FRAMES, 25, 1, W, H, hash, &error);
  g_assert_no_error (error);
  return source;
}

static GArray *
keyframe_frames (CsSegment *segment)
{
  GArray *frames = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint k = 0; k < cs_segment_get_n_keyframes (segment); k++)
    g_array_append_val (frames, cs_segment_get_keyframe (segment, k)->frame);
  return frames;
}

/* Segments [0, 6) original, [6, 13) wave ramping 0.1 → 0.9 over frames
 * 6–10, [13, 20) udnie at 0.8, cross-fading 4 frames from the second. */
static CsProject *
make_project (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsSourceClip) source = make_source (path);
  CsProject *project = cs_project_new (source);
  CsSegment *segment;
  GArray *frames;

  g_assert_true (cs_project_split (project, 6, &error));
  g_assert_true (cs_project_split (project, 13, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cs_project_get_n_segments (project), ==, 3);
  g_assert_true (cs_project_set_style (project, 1, wave_ref, &error));
  g_assert_true (cs_project_set_style (project, 2, udnie_ref, &error));
  g_assert_no_error (error);

  /* The second segment's ramp: whatever keyframes the split left, frame 6
   * is 0.1 and frame 10 is 0.9, linear between. */
  segment = cs_project_get_segment (project, 1);
  if (cs_segment_find_keyframe (segment, 6, NULL))
    g_assert_true (cs_project_move_keyframe (project, 6, 6, 0.1, &error)
                   && cs_project_set_keyframe_interpolation (project, 6, CS_INTERPOLATION_LINEAR, &error));
  else
    g_assert_true (cs_project_add_keyframe (project, 6, 0.1, CS_INTERPOLATION_LINEAR, &error));
  g_assert_no_error (error);
  g_assert_true (cs_project_add_keyframe (project, 10, 0.9, CS_INTERPOLATION_LINEAR, &error));
  g_assert_no_error (error);
  /* Edits replace segments: read the keyframes before changing them. */
  frames = keyframe_frames (cs_project_get_segment (project, 1));
  for (guint k = 0; k < frames->len; k++)
    if (g_array_index (frames, gint64, k) != 6 && g_array_index (frames, gint64, k) != 10)
      g_assert_true (cs_project_remove_keyframe (project, g_array_index (frames, gint64, k), &error));
  g_clear_pointer (&frames, g_array_unref);

  /* The third segment at a constant 0.8. */
  frames = keyframe_frames (cs_project_get_segment (project, 2));
  for (guint k = 0; k < frames->len; k++)
    {
      gint64 f = g_array_index (frames, gint64, k);

      g_assert_true (cs_project_move_keyframe (project, f, f, 0.8, &error));
    }
  g_clear_pointer (&frames, g_array_unref);
  g_assert_no_error (error);

  g_assert_true (cs_project_set_crossfade (project, 2, 4, &error));
  g_assert_no_error (error);

  /* Frame by frame, so that each frame can be compared with the segments
   * rendered alone; the temporal pass has its own suite. */
  for (guint i = 0; i < cs_project_get_n_segments (project); i++)
    g_assert_true (cs_project_set_stability (project, i, 0.0, &error));
  g_assert_no_error (error);
  return project;
}

/* frames [first, end) of the clip with one style at one degree, as FFV1. */
static GBytes *
render_alone (CsStyleRef *ref,
              double      degree,
              gint64      first,
              gint64      end,
              const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *output = tmp_file (name);
  g_autoptr(CsClipRenderer) renderer = cs_clip_renderer_new (clip_path, output);
  g_autoptr(CsStyle) style = NULL;

  if (ref != NULL)
    {
      style = cs_style_new_from_folder (cs_style_ref_get_folder (ref), &error);
      g_assert_no_error (error);
    }
  cs_clip_renderer_set_device (renderer, device);
  cs_clip_renderer_set_style (renderer, style);
  cs_clip_renderer_set_degree (renderer, degree);
  cs_clip_renderer_set_stability (renderer, 0.0);
  cs_clip_renderer_set_range (renderer, first * FRAME_US, end * FRAME_US);
  cs_clip_renderer_set_video_codec (renderer, CS_VIDEO_CODEC_FFV1);
  cs_clip_renderer_set_audio (renderer, FALSE);
  g_assert_true (cs_clip_renderer_run (renderer, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cs_clip_renderer_get_stats (renderer)->frames, ==, end - first);
  return decode_frames (output);
}

static void
test_render_project (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsProject) project = NULL;
  g_autofree char *project_path = NULL;
  g_autofree char *output = NULL;
  g_autofree char *probe = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) rendered = NULL;
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(GBytes) wave = NULL;
  g_autoptr(GBytes) udnie = NULL;
  double worst_psnr = INFINITY, prev = -1;
  int worst_blend = 0;

  if (!setup ())
    return;

  project = make_project (clip_path);
  project_path = tmp_file ("edit.celshade");
  file = g_file_new_for_path (project_path);
  g_assert_true (cs_project_save (project, file, NULL, &error));
  g_assert_no_error (error);

  output = tmp_file ("project.mkv");
  {
    const char *argv[] = { CS_RENDER_EXE, "--project", project_path, "-o", output, "--codec", "ffv1", NULL };
    g_autoptr(GBytes) text = run_ok (argv);

    g_test_message ("%.*s", (int) g_bytes_get_size (text), (const char *) g_bytes_get_data (text, NULL));
    g_assert_nonnull (strstr (g_bytes_get_data (text, NULL), "3 segments with 2 styles"));
  }

  /* The file: every frame, at the clip's rate, with its audio. */
  {
    const char *argv[] = { "ffprobe", "-v", "error", "-count_frames", "-show_entries",
                           "stream=codec_type,codec_name,nb_read_frames,r_frame_rate:format=duration",
                           "-of", "default=nw=1", output, NULL };
    double duration;
    const char *d;

    out = run_ok (argv);
    probe = g_strndup (g_bytes_get_data (out, NULL), g_bytes_get_size (out));
    g_test_message ("%s", probe);
    g_assert_nonnull (strstr (probe, "codec_name=ffv1"));
    g_assert_nonnull (strstr (probe, "r_frame_rate=25/1"));
    g_assert_nonnull (strstr (probe, "nb_read_frames=20\n"));
    g_assert_nonnull (strstr (probe, "codec_type=audio"));
    d = strstr (probe, "duration=");
    g_assert_nonnull (d);
    duration = g_ascii_strtod (d + strlen ("duration="), NULL);
    g_assert_cmpfloat (fabs (duration - 0.8), <, 0.05);
  }

  rendered = decode_frames (output);
  g_assert_cmpuint (g_bytes_get_size (rendered), ==, N_FRAMES * FRAME_BYTES);

  /* Each segment alone: the original, wave at the ramp's held 0.9 over the
   * cross-fade, udnie at 0.8 from the cross-fade on. */
  plain = render_alone (NULL, 1.0, 0, N_FRAMES, "plain.mkv");
  wave = render_alone (wave_ref, 0.9, 11, 15, "wave.mkv");
  udnie = render_alone (udnie_ref, 0.8, 11, N_FRAMES, "udnie.mkv");

  /* Outside cross-fades the project's frames are the segments' own. */
  for (guint i = 0; i < 6; i++)
    worst_psnr = MIN (worst_psnr, psnr (frame_at (rendered, i), frame_at (plain, i)));
  for (guint i = 15; i < N_FRAMES; i++)
    worst_psnr = MIN (worst_psnr, psnr (frame_at (rendered, i), frame_at (udnie, i - 11)));
  g_test_message ("worst PSNR against the segments alone: %.1f dB", worst_psnr);
  g_assert_cmpfloat (worst_psnr, >, 50.0);

  /* In the cross-fade, the weighted mix of the two styled frames. Both are
   * the same GPU computation as the renders alone, and the mix rounds once
   * to 8 bits, so no sample may be more than 1 away (the FFV1 round trip is
   * lossless). */
  for (guint i = 11; i < 15; i++)
    {
      CsFrameStyles styles;
      const guint8 *got = frame_at (rendered, i);
      const guint8 *a = frame_at (wave, i - 11);
      const guint8 *b = frame_at (udnie, i - 11);
      double wa;

      g_assert_true (cs_project_query_frame (project, i, &styles));
      g_assert_cmpuint (styles.n_styles, ==, 2);
      g_assert_true (cs_style_ref_equal (styles.styles[0].style, wave_ref));
      g_assert_cmpfloat (fabs (styles.styles[0].degree - 0.9), <, 1e-9);
      g_assert_cmpfloat (fabs (styles.styles[1].degree - 0.8), <, 1e-9);
      wa = styles.styles[0].weight;
      g_assert_cmpfloat (wa, >, 0.0);
      g_assert_cmpfloat (wa, <, 1.0);
      for (guint s = 0; s < FRAME_BYTES; s++)
        {
          int want = (int) floor (wa * a[s] + (1 - wa) * b[s] + 0.5);

          worst_blend = MAX (worst_blend, ABS (got[s] - want));
        }
      /* A real mix: far from either side alone. */
      g_assert_cmpfloat (psnr (got, a), <, 40.0);
      g_assert_cmpfloat (psnr (got, b), <, 40.0);
    }
  g_test_message ("largest difference from the weighted mix in the cross-fade: %d", worst_blend);
  g_assert_cmpint (worst_blend, <=, 1);

  /* On the ramp the style grows frame by frame: each frame is further from
   * the original than the one before. */
  for (guint i = 6; i <= 10; i++)
    {
      double dist = luma_distance (frame_at (rendered, i), frame_at (plain, i));

      g_test_message ("frame %u: luma RMS distance to the original %.2f", i, dist);
      g_assert_cmpfloat (dist, >, prev);
      prev = dist;
    }

  g_assert_cmpuint (cs_device_get_validation_errors (device), ==, 0);
}

/* A missing style folder stops the render before it starts, naming the
 * segment and the style; a changed clip asks for relinking. */
static void
test_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsProject) project = NULL;
  g_autoptr(CsStyleRef) gone = NULL;
  g_autoptr(CsClipRenderer) renderer = NULL;
  g_autofree char *copy = NULL;
  g_autofree char *project_path = NULL;
  g_autofree char *output = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GBytes) contents = NULL;
  g_autoptr(GBytes) out = NULL;
  gboolean ok;

  if (!setup ())
    return;

  copy = tmp_file ("copy.mkv");
  output = tmp_file ("never.mkv");
  {
    g_autoptr(GFile) from = g_file_new_for_path (clip_path);
    g_autoptr(GFile) to = g_file_new_for_path (copy);

    g_assert_true (g_file_copy (from, to, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error));
    g_assert_no_error (error);
  }

  project = make_project (copy);
  gone = cs_style_ref_new ("gone", "Gone Style", "/nonexistent/celshade/gone");
  g_assert_true (cs_project_set_style (project, 1, gone, &error));
  g_assert_no_error (error);
  renderer = cs_project_renderer_new (project, output, &error);
  g_assert_null (renderer);
  g_assert_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "Segment 2"));
  g_assert_nonnull (strstr (error->message, "Gone Style"));
  g_clear_error (&error);

  /* The same clip, edited after the project was saved. */
  g_assert_true (cs_project_set_style (project, 1, wave_ref, &error));
  project_path = tmp_file ("changed.celshade");
  file = g_file_new_for_path (project_path);
  g_assert_true (cs_project_save (project, file, NULL, &error));
  g_assert_no_error (error);
  {
    const char *argv[] = { "ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                           "testsrc=size=96x64:rate=25", "-frames:v", "20", "-c:v", "ffv1", copy, NULL };
    g_autoptr(GBytes) made = run_ok (argv);
  }
  {
    const char *argv[] = { CS_RENDER_EXE, "--project", project_path, "-o", output, NULL };

    out = run_tool (argv, &ok, &err);
  }
  g_test_message ("%s", err);
  g_assert_false (ok);
  g_assert_nonnull (strstr (err, "relink"));
  g_assert_false (g_file_test (output, G_FILE_TEST_EXISTS));

  /* --project takes neither an input nor a style. */
  {
    const char *argv[] = { CS_RENDER_EXE, "--project", project_path, "-o", output, clip_path, NULL };

    g_clear_pointer (&out, g_bytes_unref);
    g_clear_pointer (&err, g_free);
    out = run_tool (argv, &ok, &err);
    g_assert_false (ok);
    g_assert_nonnull (strstr (err, "no INPUT"));
  }
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  const char *env = g_getenv ("CELSHADE_TEST_DATA");
  int status;

  g_test_init (&argc, &argv, NULL);

  data_dir = g_strdup (env != NULL ? env : CS_SOURCE_DIR "/../shared/data");
  if (!g_file_test (data_dir, G_FILE_TEST_IS_DIR))
    g_clear_pointer (&data_dir, g_free);
  tmp_dir = g_dir_make_tmp ("celshade-project-render-XXXXXX", &error);
  g_assert_no_error (error);
  device = cs_device_new (NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/project-render/segments", test_render_project);
  g_test_add_func ("/project-render/errors", test_errors);

  status = g_test_run ();

  g_clear_object (&device);
  g_clear_pointer (&wave_ref, cs_style_ref_unref);
  g_clear_pointer (&udnie_ref, cs_style_ref_unref);
  cs_test_remove_tree (tmp_dir);
  g_free (tmp_dir);
  g_free (data_dir);
  g_free (clip_path);
  return status;
}
