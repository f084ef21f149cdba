/* test-cli.c: celshade-render on clips, end to end, as a user runs it.
 *
 * What it writes is checked with ffprobe and by decoding it; bad input must
 * give a clear message, exit 1, leave nothing at the destination and leave
 * the input as it was.
 */
#include "cs-config.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "cs-styles.h"
#include "cs-test.h"

static char *tmp_dir;
static char *style_dir;

static const char *
data_dir (void)
{
  const char *env = g_getenv ("CELSHADE_TEST_DATA");
  static char *fallback;

  if (env != NULL)
    return env;
  if (fallback == NULL)
    fallback = g_build_filename (CS_SOURCE_DIR, "..", "shared", "data", NULL);
  return fallback;
}

static char *
data_file (const char *relative)
{
  char *path = g_build_filename (data_dir (), relative, NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_free (path);
      return NULL;
    }
  return path;
}

typedef struct {
  int   status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *r)
{
  g_clear_pointer (&r->out, g_free);
  g_clear_pointer (&r->err, g_free);
}

static int
run_argv (Run *r, const char *const *argv)
{
  g_autoptr(GError) error = NULL;

  memset (r, 0, sizeof *r);
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &r->out, &r->err, &r->status, &error))
    g_error ("cannot run %s: %s", argv[0], error->message);
  return WIFEXITED (r->status) ? WEXITSTATUS (r->status) : -1;
}

static void
assert_failed_with (Run *r, const char *needle)
{
  g_assert_true (WIFEXITED (r->status));
  g_assert_cmpint (WEXITSTATUS (r->status), ==, 1);
  g_assert_true (g_str_has_prefix (r->err, "celshade-render: "));
  if (strstr (r->err, needle) == NULL)
    g_error ("expected “%s” in: %s", needle, r->err);
}

static JsonObject *
ffprobe (const char *path, JsonParser *parser)
{
  const char *argv[] = { "ffprobe", "-v", "error", "-count_frames", "-show_streams", "-show_format",
                         "-of", "json", path, NULL };
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                               NULL, NULL, &out, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  return json_node_get_object (json_parser_get_root (parser));
}

typedef struct {
  gint64 video_frames;
  char  *frame_rate;
  double duration;
  guint  audio_streams;
  char  *audio_codec;
} Probe;

static void
probe (const char *path, Probe *p)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root = ffprobe (path, parser);
  JsonArray *streams = json_object_get_array_member (root, "streams");

  memset (p, 0, sizeof *p);
  for (guint i = 0; i < json_array_get_length (streams); i++)
    {
      JsonObject *s = json_array_get_object_element (streams, i);
      const char *type = json_object_get_string_member (s, "codec_type");
      if (g_strcmp0 (type, "video") == 0)
        {
          p->video_frames = g_ascii_strtoll (json_object_get_string_member (s, "nb_read_frames"), NULL, 10);
          p->frame_rate = g_strdup (json_object_get_string_member (s, "r_frame_rate"));
        }
      else if (g_strcmp0 (type, "audio") == 0)
        {
          p->audio_streams++;
          g_free (p->audio_codec);
          p->audio_codec = g_strdup (json_object_get_string_member (s, "codec_name"));
        }
    }
  p->duration = g_ascii_strtod (json_object_get_string_member (json_object_get_object_member (root, "format"),
                                                               "duration"), NULL);
}

static void
probe_clear (Probe *p)
{
  g_free (p->frame_rate);
  g_free (p->audio_codec);
}

static char *
make_clip (const char *name, const char *const *args)
{
  g_autofree char *path = g_build_filename (tmp_dir, name, NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  g_ptr_array_add (argv, "ffmpeg");
  g_ptr_array_add (argv, "-v");
  g_ptr_array_add (argv, "error");
  g_ptr_array_add (argv, "-y");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, path);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               NULL, &out, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("ffmpeg failed: %s", out);
  return g_steal_pointer (&path);
}

static gboolean
have_style (void)
{
  if (style_dir == NULL)
    {
      g_test_skip ("the test data (../shared/data or $CELSHADE_TEST_DATA) with the ml5 styles is not there");
      return FALSE;
    }
  return TRUE;
}

/* A styled clip at 23.976 fps with AAC audio keeps every frame, its rate,
 * its length and its audio. */
static void
test_styled_clip (void)
{
  const char *const args[] = { "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=24000/1001",
                               "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
                               "-t", "0.5", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                               "-c:a", "aac", "-shortest", NULL };
  g_autofree char *input = NULL;
  g_autofree char *output = g_build_filename (tmp_dir, "styled.mp4", NULL);
  Probe in, out;
  Run r;

  if (!have_style ())
    return;
  input = make_clip ("source-aac.mp4", args);
  {
    const char *argv[] = { CS_RENDER_EXE, input, "-o", output, "--style", style_dir, "--degree", "0.8", NULL };
    g_assert_cmpint (run_argv (&r, argv), ==, 0);
    g_test_message ("%s", r.out);
    g_assert_nonnull (strstr (r.out, "total / GPU stage alone"));
    run_clear (&r);
  }
  probe (input, &in);
  probe (output, &out);
  g_assert_cmpint (out.video_frames, ==, in.video_frames);
  g_assert_cmpstr (out.frame_rate, ==, "24000/1001");
  g_assert_cmpfloat (ABS (out.duration - in.duration), <=, 1001.0 / 24000.0 + 1e-3);
  g_assert_cmpuint (out.audio_streams, ==, 1);
  g_assert_cmpstr (out.audio_codec, ==, "aac");
  probe_clear (&in);
  probe_clear (&out);
}

/* A range of a real clip with Vorbis audio, into WebM, at degree 0 (no
 * network: the frames only go through the colour conversions). */
static void
test_real_clip_range (void)
{
  g_autofree char *input = data_file ("media/tears_of_steel.webm");
  g_autofree char *output = g_build_filename (tmp_dir, "range.webm", NULL);
  Probe out;
  Run r;

  if (input == NULL || !have_style ())
    {
      if (input == NULL)
        g_test_skip ("tears_of_steel.webm is not in the test data");
      return;
    }
  {
    const char *argv[] = { CS_RENDER_EXE, input, "-o", output, "--style", style_dir, "--degree", "0",
                           "--from", "1", "--to", "1.5", NULL };
    g_assert_cmpint (run_argv (&r, argv), ==, 0);
    run_clear (&r);
  }
  probe (output, &out);
  /* 24 fps: the frames starting in [1 s, 1.5 s). */
  g_assert_cmpint (out.video_frames, ==, 12);
  g_assert_cmpstr (out.frame_rate, ==, "24/1");
  g_assert_cmpfloat (ABS (out.duration - 0.5), <=, 1.0 / 24 + 0.03);
  g_assert_cmpuint (out.audio_streams, ==, 1);
  probe_clear (&out);
}

static void
test_bad_input (void)
{
  g_autofree char *text = g_build_filename (tmp_dir, "notes.txt", NULL);
  g_autofree char *empty = g_build_filename (tmp_dir, "empty.mp4", NULL);
  g_autofree char *truncated = g_build_filename (tmp_dir, "truncated.mp4", NULL);
  g_autofree char *output = g_build_filename (tmp_dir, "bad-out.mp4", NULL);
  g_autofree char *audio = NULL;
  g_autofree char *clip = NULL;
  g_autofree char *clip_bytes = NULL;
  g_autofree char *after = NULL;
  gsize clip_len = 0, after_len = 0;
  const char *const audio_args[] = { "-f", "lavfi", "-i", "sine=duration=0.5", "-c:a", "aac", NULL };
  const char *const clip_args[] = { "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25", "-t", "1",
                                    "-c:v", "libx264", "-pix_fmt", "yuv420p", NULL };
  const struct { const char *input; const char *output; const char *needle; } cases[] = {
    { "/nonexistent/clip.mp4", NULL, "does not exist" },
    { text, NULL, "not a video or audio file" },
    { empty, NULL, "empty" },
    { truncated, NULL, "truncated" },
    { NULL /* audio */, NULL, "no video stream" },
    { NULL /* clip */, "/proc/celshade.mp4", "cannot write" },
    { NULL /* clip */, "/nonexistent-folder/out.mp4", "does not exist" },
    { NULL /* clip */, "SAME", "input itself" },
    { NULL /* clip */, "out.avi", "must end in .mp4, .mkv or .webm" },
  };
  Run r;

  if (!have_style ())
    return;
  audio = make_clip ("audio-only.m4a", audio_args);
  clip = make_clip ("small.mp4", clip_args);
  g_assert_true (g_file_set_contents (text, "hello", -1, NULL));
  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  g_assert_true (g_file_get_contents (clip, &clip_bytes, &clip_len, NULL));
  g_assert_true (g_file_set_contents (truncated, clip_bytes, clip_len / 3, NULL));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *in = cases[i].input ? cases[i].input : (i == 4 ? audio : clip);
      const char *out = cases[i].output == NULL ? output :
                        g_strcmp0 (cases[i].output, "SAME") == 0 ? clip : cases[i].output;
      const char *argv[] = { CS_RENDER_EXE, in, "-o", out, "--style", style_dir, NULL };
      run_argv (&r, argv);
      assert_failed_with (&r, cases[i].needle);
      g_assert_false (g_file_test (output, G_FILE_TEST_EXISTS));
      run_clear (&r);
    }
  {
    const char *argv[] = { CS_RENDER_EXE, clip, "-o", output, "--style", style_dir, "--codec", "mpeg2", NULL };
    run_argv (&r, argv);
    assert_failed_with (&r, "--codec takes h264, vp9, av1 or ffv1");
    run_clear (&r);
  }
  {
    const char *argv[] = { CS_RENDER_EXE, clip, "-o", output, "--style", style_dir, "--from", "2", "--to", "1", NULL };
    run_argv (&r, argv);
    assert_failed_with (&r, "must come after");
    run_clear (&r);
  }
  /* The input is never touched. */
  g_assert_true (g_file_get_contents (clip, &after, &after_len, NULL));
  g_assert_cmpmem (clip_bytes, clip_len, after, after_len);
  g_assert_false (g_file_test (output, G_FILE_TEST_EXISTS));
}

/* Waits until process @pid handles SIGINT itself (Linux's /proc tells), so
 * that a signal sent then tests the program rather than the moment it
 * reached main(). */
static void
wait_catches_sigint (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int) pid);
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      g_autofree char *status = NULL;
      const char *caught;

      if (g_file_get_contents (path, &status, NULL, NULL) &&
          (caught = strstr (status, "SigCgt:")) != NULL &&
          (g_ascii_strtoull (caught + strlen ("SigCgt:"), NULL, 16) & (1u << (SIGINT - 1))) != 0)
        return;
      g_usleep (1000);
    }
  g_error ("celshade-render never handled SIGINT");
}

/* Starts celshade-render on @clip into @dest and interrupts it as Ctrl+C
 * would: once it has styled a frame when @mid_render, else as soon as it
 * can handle the signal, while it is still loading. Either way it ends
 * with status 130, the destination stays as it was and no partial file is
 * left beside it. */
static void
interrupt_render (const char *clip,
                  const char *dest,
                  gboolean    mid_render)
{
  g_autofree char *contents = NULL;
  g_autoptr(GString) said = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *name;
  gsize len = 0;
  GPid pid;
  int status = 0, err_fd = -1;

  g_assert_true (g_file_set_contents (dest, "an earlier render", -1, NULL));
  {
    const char *argv[] = { CS_RENDER_EXE, clip, "-o", dest, "--style", style_dir, NULL };
    g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                             NULL, NULL, &pid, NULL, NULL, &err_fd, &error));
    g_assert_no_error (error);
  }
  if (mid_render)
    {
      /* The first progress line comes with the first styled frame. */
      char buf[256];
      gssize n;

      while (strstr (said->str, "frame ") == NULL && (n = read (err_fd, buf, sizeof buf)) > 0)
        g_string_append_len (said, buf, n);
      g_assert_nonnull (strstr (said->str, "frame "));
    }
  else
    wait_catches_sigint (pid);
  kill (pid, SIGINT);
  {
    char buf[256];
    gssize n;

    while ((n = read (err_fd, buf, sizeof buf)) > 0)
      g_string_append_len (said, buf, n);
  }
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_spawn_close_pid (pid);
  close (err_fd);
  g_test_message ("interrupted %s: %s", mid_render ? "mid-render" : "while loading", said->str);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 130);
  g_assert_nonnull (strstr (said->str, "interrupted; nothing written"));
  g_assert_true (g_file_get_contents (dest, &contents, &len, NULL));
  g_assert_cmpstr (contents, ==, "an earlier render");
  dir = g_dir_open (tmp_dir, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_assert_null (strstr (name, ".partial"));
}

static void
test_interrupt (void)
{
  const char *const args[] = { "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25", "-t", "8",
                               "-c:v", "libx264", "-pix_fmt", "yuv420p", NULL };
  g_autofree char *clip = NULL;
  g_autofree char *dest = g_build_filename (tmp_dir, "keep.mp4", NULL);

  if (!have_style ())
    return;
  clip = make_clip ("long.mp4", args);
  interrupt_render (clip, dest, FALSE);
  interrupt_render (clip, dest, TRUE);
}

int
main (int argc, char **argv)
{
  g_autofree char *ml5 = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp ("celshade-cli-XXXXXX", NULL);
  ml5 = g_build_filename (data_dir (), "styles", "ml5", "udnie", NULL);
  if (g_file_test (ml5, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GError) error = NULL;
      style_dir = g_build_filename (tmp_dir, "udnie", NULL);
      if (!cs_fst_import (ml5, style_dir, NULL, NULL, &error))
        g_error ("importing udnie: %s", error->message);
    }
  g_test_add_func ("/cli/render/styled-clip", test_styled_clip);
  g_test_add_func ("/cli/render/real-clip-range", test_real_clip_range);
  g_test_add_func ("/cli/render/bad-input", test_bad_input);
  g_test_add_func ("/cli/render/interrupt", test_interrupt);
  ret = g_test_run ();
  cs_test_remove_tree (tmp_dir);
  return ret;
}
