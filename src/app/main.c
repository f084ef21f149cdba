/* main.c: starts Celshade
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <locale.h>

#include <glib/gi18n.h>

#include "cs-app-resources.h"
#include "cs-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(CsApplication) app = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  cs_app_register_resource ();
  app = cs_application_new ();
  if (app == NULL)
    return 1;
  return g_application_run (G_APPLICATION (app), argc, argv);
}
