/* cs-export-job.h: one export running in the background
 *
 * A job runs a configured CsClipRenderer (usually a project renderer) on a
 * thread of its own and reports, on the main context it was started from,
 * how far it is (fraction, seconds left, frames a second) and how it ended.
 * It lives on its own: the dialog that made it may close; the window that
 * starts it keeps it. While it runs, the application is held, so that the
 * last window closing does not quit before a cancelled export has removed
 * its temporary file.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "cs-clip-renderer.h"

G_BEGIN_DECLS

/**
 * CsExportState:
 * @CS_EXPORT_STATE_READY: made, not started.
 * @CS_EXPORT_STATE_RUNNING: rendering.
 * @CS_EXPORT_STATE_DONE: the file is in place.
 * @CS_EXPORT_STATE_FAILED: stopped by an error; nothing was written.
 * @CS_EXPORT_STATE_CANCELLED: cancelled; nothing was written.
 */
typedef enum {
  CS_EXPORT_STATE_READY,
  CS_EXPORT_STATE_RUNNING,
  CS_EXPORT_STATE_DONE,
  CS_EXPORT_STATE_FAILED,
  CS_EXPORT_STATE_CANCELLED,
} CsExportState;

#define CS_TYPE_EXPORT_STATE (cs_export_state_get_type ())
GType cs_export_state_get_type (void) G_GNUC_CONST;

#define CS_TYPE_EXPORT_JOB (cs_export_job_get_type ())
G_DECLARE_FINAL_TYPE (CsExportJob, cs_export_job, CS, EXPORT_JOB, GObject)

/* A job that will run @renderer (configured, not yet run). */
CsExportJob   *cs_export_job_new          (CsClipRenderer *renderer);

/* The device to run on, by index or name as the preferences give it; one
 * that cannot be opened falls back to the automatic choice. Empty or NULL
 * (the default): the automatic choice. Set before starting. */
void           cs_export_job_set_device   (CsExportJob    *self,
                                           const char     *selector);
/* Starts the render on its own thread; progress and the end are reported on
 * the thread-default main context of the caller. A job starts once. */
void           cs_export_job_start        (CsExportJob    *self);
/* Asks the render to stop; the state becomes CANCELLED once the temporary
 * file is gone. Does nothing unless the job is running. */
void           cs_export_job_cancel       (CsExportJob    *self);

CsExportState  cs_export_job_get_state    (CsExportJob    *self);
/* TRUE from start until the state leaves RUNNING. */
gboolean       cs_export_job_is_running   (CsExportJob    *self);
/* The destination's path. */
const char    *cs_export_job_get_output   (CsExportJob    *self);
/* Share of the frames done, 0 to 1. */
double         cs_export_job_get_fraction (CsExportJob    *self);
/* Estimated seconds left, or -1 while unknown. */
double         cs_export_job_get_eta      (CsExportJob    *self);
/* Frames styled a second since the first frame, or 0 while unknown. */
double         cs_export_job_get_fps      (CsExportJob    *self);
/* Frames in the range, or 0 until the clip is open. */
gint64         cs_export_job_get_n_frames (CsExportJob    *self);
/* Why the job failed (state FAILED), else NULL. */
const GError  *cs_export_job_get_error    (CsExportJob    *self);

/* "1:05 left", "12 s left" (translated); NULL while eta is unknown (< 0). */
char          *cs_export_format_eta       (double          eta_seconds);

G_END_DECLS
