/* celshade-import: turns foreign checkpoints into Celshade styles
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib/gi18n-lib.h>

#include "cs-styles.h"

static char *opt_name;
static char **opt_authors;
static char *opt_licence;
static char *opt_source;
static char *opt_thumbnail;
static char *opt_device;
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

  context = g_option_context_new (_("fast-style-transfer CHECKPOINT_DIR STYLE_DIR"));
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
      "\n"
      "STYLE_DIR must not exist yet; its parent folders are made as needed. A failed\n"
      "import leaves nothing behind.\n"
      "\n"
      "Example:\n"
      "  celshade-import fast-style-transfer ~/checkpoints/udnie ~/styles/udnie \\\n"
      "                  --name Udnie --licence MIT\n"));

  if (!g_option_context_parse (context, &argc, &argv, &error))
    return fail ("%s", error->message);

  if (opt_version)
    {
      g_print ("celshade-import %s\n", CS_VERSION);
      return EXIT_SUCCESS;
    }

  if (argc != 4)
    return fail ("%s", _("expected FORMAT CHECKPOINT_DIR STYLE_DIR (see --help)"));
  if (g_strcmp0 (argv[1], "fast-style-transfer") != 0)
    return fail (_("unknown checkpoint format “%s”; the formats are: fast-style-transfer"), argv[1]);

  /* Opened here rather than by the importer so that a wrong --device is
   * reported before any work is done. */
  device = cs_device_new (opt_device, &error);
  if (device == NULL)
    return fail ("%s", error->message);

  options.name = opt_name;
  options.authors = (const char * const *) opt_authors;
  options.licence = opt_licence;
  options.source = opt_source;
  options.thumbnail_image = opt_thumbnail;
  options.device = device;

  timer = g_timer_new ();
  if (!cs_fst_import_with_options (argv[2], argv[3], &options, NULL, &error))
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
