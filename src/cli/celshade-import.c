/* celshade-import: turns foreign checkpoints into Celshade styles
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "cs-onnx-import.h"
#include "cs-styles.h"

static char *opt_name;
static char **opt_authors;
static char *opt_licence;
static char *opt_source;
static char *opt_thumbnail;
static char *opt_device;
static char *opt_style_pack;
static char *opt_manifest;
static char *opt_dest;
static gboolean opt_version;

static const GOptionEntry entries[] = {
  { "name", 'n', 0, G_OPTION_ARG_STRING, &opt_name,
    N_("The style's name as users see it (default: from the checkpoint folder's name)"), N_("NAME") },
  { "author", 'a', 0, G_OPTION_ARG_STRING_ARRAY, &opt_authors,
    N_("An author of the network or of the artwork it imitates; repeat for several"), N_("AUTHOR") },
  { "licence", 'l', 0, G_OPTION_ARG_STRING, &opt_licence,
    N_("The licence the checkpoint is distributed under (default: unknown)"), N_("LICENCE") },
  { "source", 's', 0, G_OPTION_ARG_STRING, &opt_source,
    N_("Where the checkpoint came from: a URL or a description (default: its folder)"), N_("SOURCE") },
  { "thumbnail-image", 't', 0, G_OPTION_ARG_FILENAME, &opt_thumbnail,
    N_("A photo to stylize for the thumbnail (default: a built-in test card)"), N_("IMAGE") },
  { "device", 'd', 0, G_OPTION_ARG_STRING, &opt_device,
    N_("Vulkan device index or name for the thumbnail (default: $CELSHADE_DEVICE, else the best)"), N_("DEVICE") },
  { "style-pack", 0, 0, G_OPTION_ARG_FILENAME, &opt_style_pack,
    N_("Install the style pack whose checkpoints are in DIR (one folder per style), after checking every file"), N_("DIR") },
  { "manifest", 'm', 0, G_OPTION_ARG_FILENAME, &opt_manifest,
    N_("The style pack's manifest (default: the style-pack.json installed with Celshade)"), N_("FILE") },
  { "dest", 0, 0, G_OPTION_ARG_FILENAME, &opt_dest,
    N_("Where --style-pack installs the styles (default: your style folder)"), N_("STYLES_DIR") },
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
  g_printerr ("celshade-import: %s\n", message);
  return EXIT_FAILURE;
}

/* The pack manifest that belongs to this executable: the source tree's when
 * it runs from the build tree, else the installed one. */
static char *
default_manifest (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *build_dir = g_canonicalize_filename (CS_BUILD_DIR, NULL);

  if (exe != NULL && g_str_has_prefix (exe, build_dir) && exe[strlen (build_dir)] == '/')
    return g_build_filename (CS_SOURCE_DIR, "data", "style-pack.json", NULL);
  return g_strdup (CS_STYLE_PACK_FILE);
}

static void
pack_progress (const char *style_id,
               const char *style_name,
               guint       index,
               guint       n_styles,
               gboolean    skipped,
               gpointer    user_data)
{
  if (skipped)
    /* Translators: [1/7] Udnie: already installed */
    g_print (_("[%u/%u] %s: already installed\n"), index + 1, n_styles, style_name);
  else
    /* Translators: [1/7] Udnie: importing */
    g_print (_("[%u/%u] %s: importing\n"), index + 1, n_styles, style_name);
}

static int
install_style_pack (CsDevice *device)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTimer) timer = g_timer_new ();
  g_autofree char *manifest = opt_manifest != NULL ? g_strdup (opt_manifest) : default_manifest ();
  g_autofree char *dest = opt_dest != NULL ? g_strdup (opt_dest) : cs_style_library_get_user_dir ();
  guint n_installed = 0;
  guint n_skipped = 0;

  g_print (_("Installing the style pack of %s into %s\n"), opt_style_pack, dest);
  if (!cs_style_pack_install (manifest, opt_style_pack, dest, device, pack_progress, NULL,
                              &n_installed, &n_skipped, NULL, &error))
    return fail ("%s", error->message);

  g_print (_("%u styles installed and %u already there, in %.1f s\n"),
           n_installed, n_skipped, g_timer_elapsed (timer, NULL));
  if (cs_device_get_validation_errors (device) > 0)
    return fail (_("%u Vulkan validation messages (CELSHADE_VALIDATION is set)"),
                 cs_device_get_validation_errors (device));
  return EXIT_SUCCESS;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CsDevice) device = NULL;
  g_autoptr(CsStyle) style = NULL;
  g_autoptr(GTimer) timer = NULL;
  CsFstImportOptions options = { NULL };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");

  context = g_option_context_new (_("fast-style-transfer CHECKPOINT_DIR STYLE_DIR | onnx MODEL.onnx STYLE_DIR | --style-pack DIR"));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
    _("Imports a checkpoint trained elsewhere as a Celshade style: a folder holding\n"
      "style.json, model.onnx and thumbnail.png."));
  g_option_context_set_description (context,
    _("Formats:\n"
      "  fast-style-transfer   a folder with manifest.json and the raw float32\n"
      "                        variables Variable … Variable_47 of a fast style\n"
      "                        transfer network (Johnson et al. 2016 architecture)\n"
      "  onnx                  an ONNX model (opset 9 to 17) with one input and one\n"
      "                        output, each an NCHW RGB image [1, 3, height, width]\n"
      "                        in 0..255 with free height and width\n"
      "\n"
      "STYLE_DIR must not exist yet; its parent folders are made as needed. A failed\n"
      "import leaves nothing behind.\n"
      "\n"
      "--style-pack DIR installs every style of a pack manifest (the default pack's\n"
      "is installed with Celshade) from DIR/STYLE_ID/FILE. Every file's size and\n"
      "SHA-256 are checked first: a missing or damaged file is named and nothing is\n"
      "installed. Styles already installed from the same files are skipped.\n"
      "\n"
      "Examples:\n"
      "  celshade-import fast-style-transfer ~/checkpoints/udnie ~/styles/udnie \\\n"
      "                  --name Udnie --licence MIT\n"
      "  celshade-import onnx ~/models/candy.onnx ~/styles/candy --name Candy\n"
      "  celshade-import --style-pack ~/Downloads/ml5-styles\n"));

  if (!g_option_context_parse (context, &argc, &argv, &error))
    return fail ("%s", error->message);

  if (opt_version)
    {
      g_print ("celshade-import %s\n", CS_VERSION);
      return EXIT_SUCCESS;
    }

  if (opt_style_pack != NULL)
    {
      if (argc != 1)
        return fail ("%s", _("--style-pack takes no FORMAT, CHECKPOINT_DIR or STYLE_DIR (see --help)"));
      if (opt_name != NULL || opt_authors != NULL || opt_licence != NULL || opt_source != NULL)
        return fail ("%s", _("--style-pack takes the names, authors, licences and sources from the pack's manifest"));
    }
  else if (opt_manifest != NULL || opt_dest != NULL)
    return fail ("%s", _("--manifest and --dest go with --style-pack (see --help)"));
  else if (argc != 4)
    return fail ("%s", _("expected FORMAT CHECKPOINT_DIR STYLE_DIR (see --help)"));
  else if (g_strcmp0 (argv[1], "fast-style-transfer") != 0 && g_strcmp0 (argv[1], "onnx") != 0)
    return fail (_("unknown checkpoint format “%s”; the formats are: fast-style-transfer, onnx"), argv[1]);
  else if (g_strcmp0 (argv[1], "onnx") == 0 && opt_thumbnail != NULL)
    return fail ("%s", _("--thumbnail-image goes with fast-style-transfer only: an ONNX model's thumbnail "
                         "shows the test card that proves the model runs"));

  /* Opened here rather than by the importer so that a wrong --device is
   * reported before any work is done. */
  device = cs_device_new (opt_device, &error);
  if (device == NULL)
    return fail ("%s", error->message);

  if (opt_style_pack != NULL)
    return install_style_pack (device);

  options.name = opt_name;
  options.authors = (const char * const *) opt_authors;
  options.licence = opt_licence;
  options.source = opt_source;
  options.thumbnail_image = opt_thumbnail;
  options.device = device;

  timer = g_timer_new ();
  if (g_strcmp0 (argv[1], "onnx") == 0)
    {
      CsOnnxImportOptions onnx_options = {
        .name = opt_name,
        .authors = (const char * const *) opt_authors,
        .licence = opt_licence,
        .source = opt_source,
        .device = device,
      };

      if (!cs_onnx_style_import (argv[2], argv[3], &onnx_options, NULL, &error))
        return fail ("%s", error->message);
    }
  else if (!cs_fst_import_with_options (argv[2], argv[3], &options, NULL, &error))
    return fail ("%s", error->message);

  style = cs_style_new_from_folder (argv[3], &error);
  if (style == NULL)
    return fail ("%s", error->message);

  g_print (_("Imported “%s” into %s in %.1f s\n"), cs_style_get_name (style),
           cs_style_get_folder (style), g_timer_elapsed (timer, NULL));

  if (cs_device_get_validation_errors (device) > 0)
    return fail (_("%u Vulkan validation messages (CELSHADE_VALIDATION is set)"),
                 cs_device_get_validation_errors (device));
  return EXIT_SUCCESS;
}
