/* celshade-render: styles a still image or a clip from the command line
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <errno.h>
#include <math.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "cs-media.h"
#include "cs-project-renderer.h"
#include "cs-render.h"
#include "cs-vtoonify.h"
#include "cs-styles.h"

static char *opt_output;
static char *opt_style;
/* NaN until given, so that --project can refuse it: a project's degrees
 * come from its keyframes. */
static double opt_degree = NAN;
static char *opt_device;
static char *opt_precision;
static gboolean opt_quiet;
static gboolean opt_version;
static double opt_from = -1;
static double opt_to = -1;
static char *opt_codec;
static int opt_crf = -1;
static gboolean opt_no_audio;
static char *opt_project;
static char *opt_stability;
/* G_MININT until given. */
static int opt_reference = G_MININT;
static char *opt_face;
/* --stability as 0..1, or -1 when not given. */
static double stability = -1;

static const GOptionEntry entries[] = {
  { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt_output,
    N_("The file to write: .png or .jpg for an image, .mp4, .mkv or .webm for a clip (required)"), N_("OUTPUT") },
  { "project", 'P', 0, G_OPTION_ARG_FILENAME, &opt_project,
    N_("Render a Celshade project (segments, keyframes, cross-fades) instead of INPUT with one style"),
    N_("FILE.celshade") },
  { "style", 's', 0, G_OPTION_ARG_FILENAME, &opt_style,
    N_("The style folder (style.json, model.onnx), e.g. one made by celshade-import (required)"), N_("STYLE_DIR") },
  { "degree", 'g', 0, G_OPTION_ARG_DOUBLE, &opt_degree,
    N_("How much style, from 0 (the original) to 1 (the full style; the default)"), N_("D") },
  { "stability", 0, 0, G_OPTION_ARG_STRING, &opt_stability,
    N_("Clips: how steady the style is from frame to frame, 0 to 1 or 0% to 100% (default: 0.5; "
       "with --project, replaces every segment's own)"), N_("S") },
  { "reference", 0, 0, G_OPTION_ARG_INT, &opt_reference,
    N_("VToonify-D styles: the style reference (artwork) to take the style from, from 0 (default: 0)"), N_("N") },
  { "face", 0, 0, G_OPTION_ARG_STRING, &opt_face,
    N_("VToonify-D styles: the face rectangle in input pixels (default: the centred square)"), N_("X,Y,W,H") },
  { "device", 'd', 0, G_OPTION_ARG_STRING, &opt_device,
    N_("Vulkan device index or name (default: $CELSHADE_DEVICE, else the best)"), N_("DEVICE") },
  { "precision", 'p', 0, G_OPTION_ARG_STRING, &opt_precision,
    N_("Arithmetic: fp32 or fp16 (default: the device's best)"), N_("PRECISION") },
  { "from", 0, 0, G_OPTION_ARG_DOUBLE, &opt_from,
    N_("Clips: start at this time, in seconds (default: the start)"), N_("T") },
  { "to", 0, 0, G_OPTION_ARG_DOUBLE, &opt_to,
    N_("Clips: stop before this time, in seconds (default: the end)"), N_("T") },
  { "codec", 'c', 0, G_OPTION_ARG_STRING, &opt_codec,
    N_("Clips: video codec h264, vp9, av1 or ffv1 (default: H.264 for .mp4/.mkv, VP9 for .webm)"), N_("NAME") },
  { "crf", 0, 0, G_OPTION_ARG_INT, &opt_crf,
    N_("Clips: constant quality, lower is better (default: the codec's own)"), N_("N") },
  { "no-audio", 0, 0, G_OPTION_ARG_NONE, &opt_no_audio,
    N_("Clips: leave the audio out (default: every audio stream is kept)"), NULL },
  { "quiet", 'q', 0, G_OPTION_ARG_NONE, &opt_quiet,
    N_("Print nothing but errors"), NULL },
  { "version", 0, 0, G_OPTION_ARG_NONE, &opt_version,
    N_("Print the version and exit"), NULL },
  { NULL }
};

static int
fail (const char *format,
      ...) G_GNUC_PRINTF (1, 2);

static int
fail (const char *format,
      ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("celshade-render: %s\n", message);
  return EXIT_FAILURE;
}

/* Whether gdk-pixbuf reads path as a still image; anything else is taken
 * for a clip and goes to FFmpeg, which says clearly what it is not. */
static gboolean
is_still_image (const char *path)
{
  return gdk_pixbuf_get_file_info (path, NULL, NULL) != NULL;
}

static gboolean
same_file (const char *a,
           const char *b)
{
  GStatBuf sa, sb;
  g_autofree char *ca = NULL;
  g_autofree char *cb = NULL;

  if (g_stat (a, &sa) == 0 && g_stat (b, &sb) == 0)
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;

  ca = g_canonicalize_filename (a, NULL);
  cb = g_canonicalize_filename (b, NULL);
  return g_strcmp0 (ca, cb) == 0;
}

/* Writes and removes a scratch file where the output will go: permissions
 * alone do not tell (a root user may pass access() on /proc), and finding
 * out only after the network has run would waste the user's time. */
static gboolean
can_write_beside (const char *path,
                  GError    **error)
{
  g_autofree char *probe = g_strconcat (path, ".XXXXXX", NULL);
  int fd = g_mkstemp (probe);

  if (fd < 0)
    {
      int saved = errno;

      g_set_error_literal (error, G_FILE_ERROR, g_file_error_from_errno (saved), g_strerror (saved));
      return FALSE;
    }
  close (fd);
  g_unlink (probe);
  return TRUE;
}

static gboolean
has_suffix (const char *path, const char *const *suffixes)
{
  g_autofree char *lower = g_ascii_strdown (path, -1);

  for (guint i = 0; suffixes[i] != NULL; i++)
    if (g_str_has_suffix (lower, suffixes[i]))
      return TRUE;
  return FALSE;
}

static const char *const image_suffixes[] = { ".png", ".jpg", ".jpeg", NULL };
static const char *const clip_suffixes[] = { ".mp4", ".mkv", ".webm", NULL };

/* ---- interruption ----------------------------------------------------- */

/* Ctrl+C or SIGTERM at any moment, loading included: a clip's render stops
 * and removes its partial file, a still is not written, and the exit status
 * is 130. The handlers are installed first thing, so an early signal is
 * never the default, abrupt end. */
static GCancellable *interrupted;

static gboolean
on_interrupt (gpointer user_data)
{
  g_cancellable_cancel (interrupted);
  return G_SOURCE_CONTINUE;
}

/* Whether a signal came, dispatching any that is pending. */
static gboolean
was_interrupted (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return g_cancellable_is_cancelled (interrupted);
}

static int
interrupted_status (void)
{
  if (!opt_quiet)
    g_printerr ("%s\n", _("celshade-render: interrupted; nothing written"));
  return 130;
}

/* ---- clips ------------------------------------------------------------ */

typedef struct {
  GMainLoop *loop;
  gboolean ok;
  GError *error;
  gboolean tty;
  gint64 started;
  gint64 last_print;
} ClipRun;

static void
format_duration (double seconds, char *buf, gsize len)
{
  int s = (int) (seconds + 0.5);
  if (s >= 3600)
    g_snprintf (buf, len, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
  else
    g_snprintf (buf, len, "%d:%02d", s / 60, s % 60);
}

/* Runs on the render's thread: a progress line that rewrites itself on a
 * terminal, and one line every ten seconds otherwise. */
static void
on_progress (CsClipRenderer *renderer, double fraction, double eta, gpointer user_data)
{
  ClipRun *run = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 n = cs_clip_renderer_get_n_frames (renderer);
  double elapsed = (now - run->started) / 1e6;
  char eta_text[32] = "?";

  if (opt_quiet)
    return;
  if (!run->tty && now - run->last_print < 10 * G_USEC_PER_SEC && fraction < 1.0)
    return;
  run->last_print = now;
  if (eta >= 0)
    format_duration (eta, eta_text, sizeof eta_text);
  g_printerr ("%s%5.1f%%  frame %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT "  %.2f fps  ETA %s%s",
              run->tty ? "\r" : "", 100.0 * fraction, (gint64) (fraction * n + 0.5), n,
              elapsed > 0 ? fraction * n / elapsed : 0.0, eta_text, run->tty ? "  " : "\n");
}

static void
on_clip_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ClipRun *run = user_data;

  run->ok = cs_clip_renderer_run_finish (CS_CLIP_RENDERER (source), result, &run->error);
  g_main_loop_quit (run->loop);
}

/* A project's clip is rendered with the project's own styles; a single
 * clip with @style at --degree (and, for VToonify-D, --reference and
 * @face). */
static int
render_clip (const char *input_path, CsStyle *style, CsProject *project, CsPrecision precision,
             const CsFaceRect *face)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsMediaInfo) info = NULL;
  g_autoptr(CsDevice) device = NULL;
  g_autoptr(CsClipRenderer) renderer = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  ClipRun run = { loop, FALSE, NULL, isatty (STDERR_FILENO), 0, 0 };
  CsVideoCodec codec = CS_VIDEO_CODEC_AUTO;
  const CsRenderStats *stats;

  /* A clip that cannot be read is refused before anything else. */
  info = cs_media_probe (input_path, CS_MEDIA_PROBE_NONE, NULL, &error);
  if (info == NULL)
    return fail ("%s", error->message);
  if (info->video == NULL)
    return fail (_("“%s” has no video stream"), input_path);
  if (!has_suffix (opt_output, clip_suffixes))
    return fail (_("the output “%s” of a clip must end in .mp4, .mkv or .webm"), opt_output);
  if (opt_codec != NULL)
    {
      g_autoptr(GEnumClass) codecs = g_type_class_ref (CS_TYPE_VIDEO_CODEC);
      GEnumValue *value = g_enum_get_value_by_nick (codecs, opt_codec);
      if (value == NULL || value->value == CS_VIDEO_CODEC_AUTO)
        return fail (_("--codec takes h264, vp9, av1 or ffv1, not “%s”"), opt_codec);
      codec = value->value;
      if (!cs_encoder_codec_available (codec))
        return fail (_("this FFmpeg has no encoder for %s"), opt_codec);
    }
  if (opt_from >= 0 && opt_to >= 0 && opt_to <= opt_from)
    return fail (_("--to (%g s) must come after --from (%g s)"), opt_to, opt_from);

  device = cs_device_new (opt_device, &error);
  if (device == NULL)
    return fail ("%s", error->message);

  if (project != NULL)
    {
      /* Only the render sees the change: the file stays as it is. */
      for (guint i = 0; stability >= 0 && i < cs_project_get_n_segments (project); i++)
        if (!cs_project_set_stability (project, i, stability, &error))
          return fail ("%s", error->message);
      renderer = cs_project_renderer_new (project, opt_output, &error);
      if (renderer == NULL)
        return fail ("%s", error->message);
    }
  else
    {
      renderer = cs_clip_renderer_new (input_path, opt_output);
      cs_clip_renderer_set_style (renderer, style);
      cs_clip_renderer_set_degree (renderer, opt_degree);
      if (opt_reference != G_MININT)
        cs_clip_renderer_set_reference (renderer, (guint) opt_reference);
      cs_clip_renderer_set_face (renderer, face);
      if (stability >= 0)
        cs_clip_renderer_set_stability (renderer, stability);
    }
  cs_clip_renderer_set_device (renderer, device);
  cs_clip_renderer_set_precision (renderer, precision);
  cs_clip_renderer_set_range (renderer, opt_from >= 0 ? (gint64) (opt_from * G_USEC_PER_SEC) : 0,
                              opt_to >= 0 ? (gint64) (opt_to * G_USEC_PER_SEC) : -1);
  cs_clip_renderer_set_video_codec (renderer, codec);
  cs_clip_renderer_set_crf (renderer, opt_crf);
  cs_clip_renderer_set_audio (renderer, !opt_no_audio);
  cs_clip_renderer_set_progress_func (renderer, on_progress, &run, NULL);

  /* The render stops and removes its partial file on a signal; the
   * destination is left as it was. */
  if (was_interrupted ())
    return interrupted_status ();
  run.started = g_get_monotonic_time ();
  cs_clip_renderer_run_async (renderer, interrupted, on_clip_done, &run);
  g_main_loop_run (loop);
  if (run.tty && !opt_quiet)
    g_printerr ("\n");

  if (!run.ok)
    {
      int status = g_cancellable_is_cancelled (interrupted) ? interrupted_status ()
                                                            : fail ("%s", run.error->message);
      g_clear_error (&run.error);
      return status;
    }
  if (cs_device_get_validation_errors (device) > 0)
    {
      /* The file is complete, but the run was not clean: say so. */
      return fail (_("%u Vulkan validation messages (CELSHADE_VALIDATION is set)"),
                   cs_device_get_validation_errors (device));
    }

  stats = cs_clip_renderer_get_stats (renderer);
  if (!opt_quiet && stats != NULL)
    {
      double work = stats->wall - stats->setup;
      double gpu = stats->upload + stats->gpu + stats->download;
      if (project != NULL)
        g_print (_("%s → %s: %u segments with %u styles on %s: %" G_GINT64_FORMAT " frames (%s) in %.1f s, "
                   "%.2f frames per second\n"),
                 opt_project, opt_output, cs_project_get_n_segments (project),
                 cs_project_renderer_get_n_styles (renderer), cs_device_get_name (device), stats->frames,
                 cs_clip_renderer_get_output_format (renderer), stats->wall, work > 0 ? stats->frames / work : 0.0);
      else
        g_print (_("%s → %s with “%s” at degree %.2f on %s: %" G_GINT64_FORMAT " frames (%s) in %.1f s, "
                   "%.2f frames per second\n"),
                 input_path, opt_output, style ? cs_style_get_name (style) : _("no style"), opt_degree,
                 cs_device_get_name (device), stats->frames, cs_clip_renderer_get_output_format (renderer),
                 stats->wall, work > 0 ? stats->frames / work : 0.0);
      g_print (_("stages: setup %.2f s, waiting for the decoder %.2f s, GPU %.2f s "
                 "(upload %.2f, run %.2f, download %.2f), waiting for the encoder %.2f s; "
                 "total / GPU stage alone = %.3f\n"),
               stats->setup, stats->decode, gpu, stats->upload, stats->gpu, stats->download,
               stats->encode, gpu > 0 ? work / gpu : 0.0);
    }
  cs_device_save_pipeline_cache (device);
  return EXIT_SUCCESS;
}

static const char *
precision_name (CsPrecision precision)
{
  return precision == CS_PRECISION_FP16 ? "fp16" : "fp32";
}

/* ---- VToonify-D ------------------------------------------------------- */

/* --face X,Y,W,H into rect; FALSE (with a message) when it is no such list. */
static gboolean
parse_face (const char *text, CsFaceRect *rect)
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);
  gint64 v[4];

  if (g_strv_length (parts) != 4)
    return FALSE;
  for (int i = 0; i < 4; i++)
    {
      g_autofree char *p = g_strstrip (g_strdup (parts[i]));
      char *end = NULL;
      v[i] = g_ascii_strtoll (p, &end, 10);
      if (end == p || *end != '\0' || v[i] < (i < 2 ? G_MININT : 1) || v[i] > G_MAXINT)
        return FALSE;
    }
  *rect = (CsFaceRect) { (int) v[0], (int) v[1], (int) v[2], (int) v[3] };
  return TRUE;
}

/* A still through CsVToonify: the output has the input's size. */
static int
render_vtoonify_image (const char *input_path, CsStyle *style, CsPrecision precision,
                       const CsFaceRect *face)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsImage) input = NULL;
  g_autoptr(CsImage) output = NULL;
  g_autoptr(CsDevice) device = NULL;
  g_autoptr(CsVToonify) vt = NULL;
  g_autoptr(GTimer) timer = g_timer_new ();
  double parser_ms, generator_ms, encoder_ms, load_s;
  CsFaceRect clamped;

  input = cs_image_load (input_path, &error);
  if (input == NULL)
    return fail ("%s", error->message);
  /* The face is checked against the frame before anything heavy runs. */
  if (!cs_vtoonify_clamp_face (face, input->width, input->height, &clamped, &error))
    return fail (_("--face: %s"), error->message);
  device = cs_device_new (opt_device, &error);
  if (device == NULL)
    return fail ("%s", error->message);
  vt = cs_vtoonify_new (style, device, precision, &error);
  if (vt == NULL ||
      !cs_vtoonify_set_reference (vt, opt_reference == G_MININT ? 0 : (guint) opt_reference, &error) ||
      !cs_vtoonify_set_degree (vt, opt_degree, &error))
    return fail ("%s", error->message);
  cs_vtoonify_set_face (vt, face);
  load_s = g_timer_elapsed (timer, NULL);
  g_timer_start (timer);
  output = cs_vtoonify_run (vt, input, input->width, input->height, &error);
  if (output == NULL)
    return fail ("%s", error->message);
  if (cs_device_get_validation_errors (device) > 0)
    return fail (_("%u Vulkan validation messages (CELSHADE_VALIDATION is set); nothing written"),
                 cs_device_get_validation_errors (device));
  if (was_interrupted ())
    return interrupted_status ();
  if (!cs_image_save (output, opt_output, &error))
    return fail ("%s", error->message);
  cs_vtoonify_get_timings (vt, &parser_ms, &generator_ms, &encoder_ms);
  if (!opt_quiet)
    g_print (_("%s (%d × %d) → %s with “%s”, reference %u (%s), face %d,%d %d × %d, degree %.2f on %s: "
               "loaded in %.2f s, styled in %.2f s (encoder %.0f ms, parser %.0f ms, generator %.0f ms)\n"),
             input_path, input->width, input->height, opt_output, cs_style_get_name (style),
             cs_vtoonify_get_reference (vt), cs_style_get_reference_name (style, cs_vtoonify_get_reference (vt)),
             clamped.x, clamped.y, clamped.width, clamped.height, opt_degree, cs_device_get_name (device),
             load_s, g_timer_elapsed (timer, NULL), encoder_ms, parser_ms, generator_ms);
  cs_device_save_pipeline_cache (device);
  return EXIT_SUCCESS;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStyle) style = NULL;
  g_autoptr(CsDevice) device = NULL;
  g_autoptr(CsStylizer) stylizer = NULL;
  g_autoptr(CsImage) input = NULL;
  g_autoptr(CsImage) output = NULL;
  g_autoptr(CsProject) project = NULL;
  g_autoptr(GTimer) timer = NULL;
  g_autofree char *out_dir = NULL;
  CsPrecision precision = CS_PRECISION_AUTO;
  const char *input_path;
  double load_s, run_s;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");

  context = g_option_context_new (_("INPUT -o OUTPUT --style STYLE_DIR | --project FILE.celshade -o OUTPUT"));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
    _("Styles a still image (PNG or JPEG) or a clip (anything FFmpeg reads) with a\n"
      "Celshade style and writes the result; a clip keeps its frames, timing and audio."));
  g_option_context_set_description (context,
    _("The degree blends the original and the styled image:\n"
      "  output = (1 - D) * input + D * styled\n"
      "The output has the input's size; it is written whole or not at all, and never\n"
      "over the input.\n"
      "\n"
      "Examples:\n"
      "  celshade-render photo.jpg -o styled.png --style ~/styles/udnie --degree 0.8\n"
      "  celshade-render clip.mp4 -o styled.mp4 --style ~/styles/udnie --from 2 --to 5\n"
      "  celshade-render --project edit.celshade -o styled.mkv\n"));

  interrupted = g_cancellable_new ();
  g_unix_signal_add (SIGINT, on_interrupt, NULL);
  g_unix_signal_add (SIGTERM, on_interrupt, NULL);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    return fail ("%s", error->message);

  if (opt_version)
    {
      g_print ("celshade-render %s\n", CS_VERSION);
      return EXIT_SUCCESS;
    }

  if (opt_project != NULL)
    {
      if (argc != 1)
        return fail ("%s", _("--project takes no INPUT: the clip comes from the project"));
      if (opt_style != NULL)
        return fail ("%s", _("--project takes no --style: the styles come from the project"));
    }
  else if (argc != 2)
    return fail ("%s", argc < 2 ? _("no input given (see --help)")
                                : _("give exactly one input (see --help)"));
  if (opt_output == NULL)
    return fail ("%s", opt_project != NULL ? _("no output given: add -o OUTPUT.mkv")
                                           : _("no output given: add -o OUTPUT.png"));
  if (opt_project != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (opt_project);

      project = cs_project_load (file, CS_PROJECT_LOAD_NONE, NULL, &error);
      if (project == NULL)
        return fail (_("cannot open the project “%s”: %s"), opt_project, error->message);
      input_path = cs_source_clip_get_path (cs_project_get_source (project));
    }
  else
    input_path = argv[1];
  if (opt_project == NULL && opt_style == NULL)
    return fail ("%s", _("no style given: add --style STYLE_DIR"));
  if (opt_project != NULL && !isnan (opt_degree))
    return fail ("%s", _("--project takes no --degree: the degrees come from the project's keyframes"));
  if (isnan (opt_degree))
    opt_degree = 1.0;
  if (!(opt_degree >= 0.0 && opt_degree <= 1.0))
    return fail (_("--degree must be between 0 and 1, not %g"), opt_degree);
  if (opt_reference != G_MININT && opt_reference < 0)
    return fail (_("--reference must be 0 or more, not %d"), opt_reference);
  if (opt_project != NULL && (opt_reference != G_MININT || opt_face != NULL))
    return fail ("%s", _("--project takes no --reference or --face: they come from the project's segments"));
  if (opt_stability != NULL)
    {
      g_autofree char *text = g_strstrip (g_strdup (opt_stability));
      char *end = NULL;
      gboolean percent;

      stability = g_ascii_strtod (text, &end);
      percent = end != NULL && end != text && *g_strchug (end) == '%' && end[1] == '\0';
      if (end == NULL || end == text || (*end != '\0' && !percent) || !isfinite (stability))
        return fail (_("--stability takes a number from 0 to 1 or a percentage such as 50%%, not “%s”"),
                     opt_stability);
      if (percent)
        stability /= 100.0;
      if (!(stability >= 0.0 && stability <= 1.0))
        return fail (_("--stability must be from 0 to 1 (0%% to 100%%), not “%s”"), opt_stability);
    }
  if (opt_precision != NULL)
    {
      if (g_ascii_strcasecmp (opt_precision, "fp32") == 0)
        precision = CS_PRECISION_FP32;
      else if (g_ascii_strcasecmp (opt_precision, "fp16") == 0)
        precision = CS_PRECISION_FP16;
      else
        return fail (_("--precision takes fp32 or fp16, not “%s”"), opt_precision);
    }

  /* Everything that can be checked cheaply is checked before the network
   * runs, so a mistake costs no time. */
  if (project != NULL && cs_project_check_source (project, NULL, &error) != CS_SOURCE_STATUS_OK)
    return fail (_("%s Open the project in Celshade and relink its clip."), error->message);
  if (!g_file_test (input_path, G_FILE_TEST_EXISTS))
    return fail (_("the input “%s” does not exist"), input_path);
  if (!g_file_test (input_path, G_FILE_TEST_IS_REGULAR))
    return fail (_("the input “%s” is not a file"), input_path);
  if (same_file (input_path, opt_output))
    return fail (_("the output “%s” is the input itself; choose another file"), opt_output);
  if (g_file_test (opt_output, G_FILE_TEST_IS_DIR))
    return fail (_("the output “%s” is a folder"), opt_output);
  out_dir = g_path_get_dirname (opt_output);
  if (!g_file_test (out_dir, G_FILE_TEST_IS_DIR))
    return fail (_("cannot write “%s”: the folder “%s” does not exist"), opt_output, out_dir);
  if (!can_write_beside (opt_output, &error))
    return fail (_("cannot write “%s”: %s"), opt_output, error->message);

  if (project != NULL)
    return render_clip (input_path, NULL, project, precision, NULL);

  style = cs_style_new_from_folder (opt_style, &error);
  if (style == NULL)
    return fail ("%s", error->message);
  if (cs_style_is_vtoonify (style))
    {
      CsFaceRect face;

      if (opt_face != NULL && !parse_face (opt_face, &face))
        return fail (_("--face takes X,Y,W,H in pixels with W and H above 0, not “%s”"), opt_face);
      if (opt_stability != NULL)
        return fail ("%s", _("--stability does not apply to VToonify-D styles: their network is trained to be "
                             "steady on video, and its frames are not stabilized further"));
      if (opt_reference >= (int) cs_style_get_n_references (style))
        return fail (_("--reference %d: the style “%s” has references 0 to %u"), opt_reference,
                     cs_style_get_name (style), cs_style_get_n_references (style) - 1);
      if (!is_still_image (input_path))
        return render_clip (input_path, style, NULL, precision, opt_face != NULL ? &face : NULL);
      if (!has_suffix (opt_output, image_suffixes))
        return fail (_("the output “%s” of an image must end in .png, .jpg or .jpeg"), opt_output);
      return render_vtoonify_image (input_path, style, precision, opt_face != NULL ? &face : NULL);
    }
  if (opt_reference != G_MININT || opt_face != NULL)
    return fail (_("--reference and --face apply to VToonify-D styles; “%s” is not one"), cs_style_get_name (style));

  if (!is_still_image (input_path))
    return render_clip (input_path, style, NULL, precision, NULL);
  if (opt_stability != NULL)
    return fail ("%s", _("--stability applies to clips, not images: a still has no frame before it"));
  if (opt_from >= 0 || opt_to >= 0 || opt_codec != NULL || opt_crf >= 0 || opt_no_audio)
    return fail ("%s", _("--from, --to, --codec, --crf and --no-audio apply to clips, not images"));
  if (!has_suffix (opt_output, image_suffixes))
    return fail (_("the output “%s” of an image must end in .png, .jpg or .jpeg"), opt_output);

  input = cs_image_load (input_path, &error);
  if (input == NULL)
    return fail ("%s", error->message);

  timer = g_timer_new ();
  device = cs_device_new (opt_device, &error);
  if (device == NULL)
    return fail ("%s", error->message);
  stylizer = cs_stylizer_new (style, device, precision, &error);
  if (stylizer == NULL)
    return fail ("%s", error->message);
  /* Degree 0 never runs the network, so it need not be prepared. */
  if (opt_degree > 0.0 && !cs_stylizer_prepare (stylizer, input->width, input->height, &error))
    return fail ("%s", error->message);
  load_s = g_timer_elapsed (timer, NULL);

  if (was_interrupted ())
    return interrupted_status ();
  g_timer_start (timer);
  output = cs_stylizer_run (stylizer, input, opt_degree, NULL, &error);
  if (output == NULL)
    return fail ("%s", error->message);
  run_s = g_timer_elapsed (timer, NULL);

  if (cs_device_get_validation_errors (device) > 0)
    return fail (_("%u Vulkan validation messages (CELSHADE_VALIDATION is set); nothing written"),
                 cs_device_get_validation_errors (device));

  if (was_interrupted ())
    return interrupted_status ();
  if (!cs_image_save (output, opt_output, &error))
    return fail ("%s", error->message);

  if (!opt_quiet)
    g_print (_("%s (%d × %d) → %s with “%s” at degree %.2f on %s (%s): "
               "prepared in %.2f s, styled in %.2f s\n"),
             input_path, input->width, input->height, opt_output, cs_style_get_name (style),
             opt_degree, cs_device_get_name (device), precision_name (cs_stylizer_get_precision (stylizer)),
             load_s, run_s);

  cs_device_save_pipeline_cache (device);
  return EXIT_SUCCESS;
}
