/* cs-export-dialog.h: the export dialog
 *
 * A modal dialog over the editor window: the container and the codec (only
 * what this FFmpeg can write; the codecs follow the container), the quality,
 * the picture size (the source's, or smaller keeping its shape), the frames
 * (the whole clip or the selected segment), the audio and the destination
 * file. "Export" asks before replacing a file, remembers the choices in the
 * settings, and hands a job of the project as it is now to whoever listens
 * to ::export-started (the window, which runs and keeps it), then closes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "cs-export-job.h"
#include "cs-project.h"

G_BEGIN_DECLS

/**
 * CsExportRange:
 * @CS_EXPORT_RANGE_ALL: every frame of the clip.
 * @CS_EXPORT_RANGE_SEGMENT: the frames of the selected segment.
 */
typedef enum {
  CS_EXPORT_RANGE_ALL,
  CS_EXPORT_RANGE_SEGMENT,
} CsExportRange;

#define CS_TYPE_EXPORT_DIALOG (cs_export_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CsExportDialog, cs_export_dialog, CS, EXPORT_DIALOG, AdwWindow)

/* A dialog exporting @project, modal over @parent; @settings has the
 * schema io.github.celshade.Celshade; @segment is the selected segment's
 * index, offered as a range of its own. */
CsExportDialog *cs_export_dialog_new             (GtkWindow      *parent,
                                                  CsProject      *project,
                                                  GSettings      *settings,
                                                  guint           segment);

/* The destination; its extension follows the container chosen, and a
 * file of a known extension chooses the container. */
void            cs_export_dialog_set_file        (CsExportDialog *self,
                                                  GFile          *file);
GFile          *cs_export_dialog_get_file        (CsExportDialog *self);

/* Choices, as the rows offer them; FALSE when this FFmpeg cannot write it. */
gboolean        cs_export_dialog_set_container   (CsExportDialog *self,
                                                  CsContainer     container);
gboolean        cs_export_dialog_set_codec       (CsExportDialog *self,
                                                  CsVideoCodec    codec);
CsContainer     cs_export_dialog_get_container   (CsExportDialog *self);
CsVideoCodec    cs_export_dialog_get_codec       (CsExportDialog *self);
/* The quality (CRF) within the codec's range; -1 for a codec without one. */
void            cs_export_dialog_set_quality     (CsExportDialog *self,
                                                  int             crf);
int             cs_export_dialog_get_quality     (CsExportDialog *self);
/* The height of the shorter side (480, 720, 1080…), 0 for the source's
 * size; FALSE when it is not offered (it would enlarge the picture). */
gboolean        cs_export_dialog_set_scale       (CsExportDialog *self,
                                                  int             short_side);
/* The picture size the export will have. */
void            cs_export_dialog_get_output_size (CsExportDialog *self,
                                                  int            *width,
                                                  int            *height);
void            cs_export_dialog_set_range       (CsExportDialog *self,
                                                  CsExportRange   range);
void            cs_export_dialog_set_audio       (CsExportDialog *self,
                                                  gboolean        audio);

/* What the "Export" button does: asks before replacing a file, then
 * starts. */
void            cs_export_dialog_export          (CsExportDialog *self);

/* The size of a @width × @height picture scaled so that its shorter side
 * is @short_side, keeping its shape, both sides even; FALSE (and the
 * source's size) when that would enlarge it. */
gboolean        cs_export_scaled_size            (int             width,
                                                  int             height,
                                                  int             short_side,
                                                  int            *out_width,
                                                  int            *out_height);

G_END_DECLS
