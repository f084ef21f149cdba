/* cs-window.h: an editor window
 *
 * Shows the welcome page until a clip or a project is open, then the
 * editor: the preview above, the transport and the timeline below, and the
 * panel of the selected segment at the side. Opening, saving, playback and
 * edits are the window's actions (win.*); rendering happens in the
 * window's CsPreview, off the UI thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "cs-preview.h"
#include "cs-project.h"
#include "cs-style-library.h"

G_BEGIN_DECLS

#define CS_TYPE_WINDOW (cs_window_get_type ())
G_DECLARE_FINAL_TYPE (CsWindow, cs_window, CS, WINDOW, AdwApplicationWindow)

CsWindow   *cs_window_new            (GtkApplication *application,
                                      CsStyleLibrary *styles);

/* Opens a clip or a .celshade project in the background; the welcome page
 * stays (with a toast saying why) when it cannot be opened. */
void        cs_window_open           (CsWindow       *self,
                                      GFile          *file);

/* The open project, or NULL on the welcome page. */
CsProject  *cs_window_get_project    (CsWindow       *self);

/* The window's preview worker. */
CsPreview  *cs_window_get_preview    (CsWindow       *self);

/* TRUE while a file is being opened ("loading" property). */
gboolean    cs_window_get_loading    (CsWindow       *self);

/* Shows a message in a toast. */
void        cs_window_toast          (CsWindow       *self,
                                      const char     *message);

G_END_DECLS
