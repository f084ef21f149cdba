/* celshade-render: styles a still image from the command line
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "cs-styles.h"

static char *opt_output;
static char *opt_style;
static double opt_degree = 1.0;
static char *opt_device;
static char *opt_precision;
static gboolean opt_quiet;
static gboolean opt_version;

static const GOptionEntry entries[] = {
  { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt_output,
    N_("The image to write: .png, or .jpg/.jpeg (required)"), N_("OUTPUT") },
  { "style", 's', 0, G_OPTION_ARG_FILENAME, &opt_style,
    N_("The style folder (style.json, model.onnx), e.g. one made by celshade-import (required)"), N_("STYLE_DIR") },
  { "degree", 'g', 0, G_OPTION_ARG_DOUBLE, &opt_degree,
    N_("How much style, from 0 (the original) to 1 (the full style; the default)"), N_("D") },
  { "device", 'd', 0, G_OPTION_ARG_STRING, &opt_device,
    N_("Vulkan device index or name (default: $CELSHADE_DEVICE, else the best)"), N_("DEVICE") },
  { "precision", 'p', 0, G_OPTION_ARG_STRING, &opt_precision,
    N_("Arithmetic: fp32 or fp16 (default: the device's best)"), N_("PRECISION") },
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

/* NULL when gdk-pixbuf can read path as a still image, else why not. */
static char *
why_not_an_image (const char *path)
{
  g_autofree char *content_type = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) stream = NULL;
  guint8 head[4096];
  gssize n = 0;

  if (gdk_pixbuf_get_file_info (path, NULL, NULL) != NULL)
    return NULL;

  stream = g_file_read (file, NULL, NULL);
  if (stream != NULL)
    n = g_input_stream_read (G_INPUT_STREAM (stream), head, sizeof head, NULL, NULL);
  content_type = g_content_type_guess (path, n > 0 ? head : NULL, MAX (n, 0), NULL);

  if (g_content_type_is_mime_type (content_type, "video/*") ||
      g_str_has_prefix (content_type, "video/"))
    return g_strdup_printf (_("“%s” is a video; celshade-render styles still images (PNG, JPEG) "
                              "only for now"), path);
  return g_strdup_printf (_("“%s” is not an image celshade-render can read (PNG or JPEG)"), path);
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
has_image_suffix (const char *path)
{
  g_autofree char *lower = g_ascii_strdown (path, -1);

  return g_str_has_suffix (lower, ".png") || g_str_has_suffix (lower, ".jpg") ||
         g_str_has_suffix (lower, ".jpeg");
}

static const char *
precision_name (CsPrecision precision)
{
  return precision == CS_PRECISION_FP16 ? "fp16" : "fp32";
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
  g_autoptr(GTimer) timer = NULL;
  g_autofree char *why = NULL;
  g_autofree char *out_dir = NULL;
  CsPrecision precision = CS_PRECISION_AUTO;
  const char *input_path;
  double load_s, run_s;

  setlocale (LC_ALL, "");

  context = g_option_context_new (_("INPUT -o OUTPUT --style STYLE_DIR"));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
    _("Styles a still image (PNG or JPEG) with a Celshade style and writes the result.\n"
      "Video input will come with the media layer."));
  g_option_context_set_description (context,
    _("The degree blends the original and the styled image:\n"
      "  output = (1 - D) * input + D * styled\n"
      "The output has the input's size; it is written whole or not at all, and never\n"
      "over the input.\n"
      "\n"
      "Example:\n"
      "  celshade-render photo.jpg -o styled.png --style ~/styles/udnie --degree 0.8\n"));

  if (!g_option_context_parse (context, &argc, &argv, &error))
    return fail ("%s", error->message);

  if (opt_version)
    {
      g_print ("celshade-render %s\n", CS_VERSION);
      return EXIT_SUCCESS;
    }

  if (argc != 2)
    return fail ("%s", argc < 2 ? _("no input image given (see --help)")
                                : _("give exactly one input image (see --help)"));
  input_path = argv[1];
  if (opt_output == NULL)
    return fail ("%s", _("no output given: add -o OUTPUT.png"));
  if (opt_style == NULL)
    return fail ("%s", _("no style given: add --style STYLE_DIR"));
  if (!(opt_degree >= 0.0 && opt_degree <= 1.0))
    return fail (_("--degree must be between 0 and 1, not %g"), opt_degree);
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
  if (!g_file_test (input_path, G_FILE_TEST_EXISTS))
    return fail (_("the input “%s” does not exist"), input_path);
  if (!g_file_test (input_path, G_FILE_TEST_IS_REGULAR))
    return fail (_("the input “%s” is not a file"), input_path);
  why = why_not_an_image (input_path);
  if (why != NULL)
    return fail ("%s", why);
  if (!has_image_suffix (opt_output))
    return fail (_("the output “%s” must end in .png, .jpg or .jpeg"), opt_output);
  if (same_file (input_path, opt_output))
    return fail (_("the output “%s” is the input itself; choose another file"), opt_output);
  if (g_file_test (opt_output, G_FILE_TEST_IS_DIR))
    return fail (_("the output “%s” is a folder"), opt_output);
  out_dir = g_path_get_dirname (opt_output);
  if (!g_file_test (out_dir, G_FILE_TEST_IS_DIR))
    return fail (_("cannot write “%s”: the folder “%s” does not exist"), opt_output, out_dir);
  if (!can_write_beside (opt_output, &error))
    return fail (_("cannot write “%s”: %s"), opt_output, error->message);

  style = cs_style_new_from_folder (opt_style, &error);
  if (style == NULL)
    return fail ("%s", error->message);

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

  g_timer_start (timer);
  output = cs_stylizer_run (stylizer, input, opt_degree, NULL, &error);
  if (output == NULL)
    return fail ("%s", error->message);
  run_s = g_timer_elapsed (timer, NULL);

  if (cs_device_get_validation_errors (device) > 0)
    return fail (_("%u Vulkan validation messages (CELSHADE_VALIDATION is set); nothing written"),
                 cs_device_get_validation_errors (device));

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
