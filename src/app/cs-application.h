/* cs-application.h: the Celshade application
 *
 * One AdwApplication (io.github.celshade.Celshade) holding the windows, the
 * settings and the application-wide actions: open, preferences, shortcuts,
 * about, quit. Files given on the command line or from the file manager
 * open each in a window (a fresh window's welcome page is reused).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CS_TYPE_APPLICATION (cs_application_get_type ())
G_DECLARE_FINAL_TYPE (CsApplication, cs_application, CS, APPLICATION, AdwApplication)

CsApplication *cs_application_new          (void);

/* The application's settings (schema io.github.celshade.Celshade). */
GSettings     *cs_application_get_settings (CsApplication *self);

G_END_DECLS
