/* cs-export-button.h: the header bar's view of a running export
 *
 * A small button with the export's progress; its popover shows the file,
 * the bar, the frames a second and the time left, and a button to stop.
 * It shows itself while its job runs. When the job ends it says so in a
 * toast of the window's toast overlay: on success with "Open" and "Show in
 * Folder", on failure with the reason.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "cs-export-job.h"

G_BEGIN_DECLS

#define CS_TYPE_EXPORT_BUTTON (cs_export_button_get_type ())
G_DECLARE_FINAL_TYPE (CsExportButton, cs_export_button, CS, EXPORT_BUTTON, GtkWidget)

/* Follows @job (a running one, or NULL for none). */
void         cs_export_button_set_job  (CsExportButton *self,
                                        CsExportJob    *job);
CsExportJob *cs_export_button_get_job  (CsExportButton *self);
/* Opens the popover with the progress. */
void         cs_export_button_popup    (CsExportButton *self);

/* Opens @file in the application the desktop prefers for it. */
void         cs_export_open_file       (GtkWindow      *parent,
                                        GFile          *file);
/* Shows @file selected in the file manager (org.freedesktop.FileManager1),
 * or opens its folder where there is none. */
void         cs_export_show_in_folder  (GtkWindow      *parent,
                                        GFile          *file);

G_END_DECLS
