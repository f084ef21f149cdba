/* cs-autosave-info.h: an autosaved project found after a crash
 *
 * cs_project_find_autosaves() lists the autosaves that hold work their
 * project file does not: the app offers each to the user, who opens it with
 * cs_project_load() or throws it away with cs_autosave_info_discard().
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _CsAutosaveInfo CsAutosaveInfo;

#define CS_TYPE_AUTOSAVE_INFO (cs_autosave_info_get_type ())
GType cs_autosave_info_get_type (void) G_GNUC_CONST;

/* Reference counting; the count is atomic. */
CsAutosaveInfo *cs_autosave_info_ref              (CsAutosaveInfo *self);
void            cs_autosave_info_unref            (CsAutosaveInfo *self);

/* The autosave file, in the XDG state folder; open it with cs_project_load(). */
GFile          *cs_autosave_info_get_file         (CsAutosaveInfo *self);
/* The project file it belongs to, or NULL for a project never saved. */
GFile          *cs_autosave_info_get_project_file (CsAutosaveInfo *self);
/* When it was written, in microseconds since 1970 (g_get_real_time()). */
gint64          cs_autosave_info_get_time         (CsAutosaveInfo *self);
/* A name to show: the project file's name or the source clip's. */
const char     *cs_autosave_info_get_title        (CsAutosaveInfo *self);
/* Deletes the autosave file; one already gone is no error. */
gboolean        cs_autosave_info_discard          (CsAutosaveInfo *self,
                                                   GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsAutosaveInfo, cs_autosave_info_unref)

G_END_DECLS
