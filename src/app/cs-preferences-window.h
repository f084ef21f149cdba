/* cs-preferences-window.h: the application's preferences
 *
 * The rendering device (lavapipe marked as the CPU), half precision, the
 * quick preview's size, the frame cache, and the export defaults: each a
 * key of the io.github.celshade.Celshade settings, applied as it changes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CS_TYPE_PREFERENCES_WINDOW (cs_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (CsPreferencesWindow, cs_preferences_window, CS, PREFERENCES_WINDOW, AdwPreferencesWindow)

/* Preferences over settings, listing the devices in devices (CsDeviceInfo;
 * NULL: none could be listed). */
GtkWidget *cs_preferences_window_new (GSettings *settings,
                                      GPtrArray *devices);

G_END_DECLS
