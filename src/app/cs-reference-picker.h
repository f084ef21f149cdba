/* cs-reference-picker.h: a VToonify-D style's references, each on the frame
 *
 * A popover over a grid of the style's references (its extrinsic style
 * codes, one per artwork of its dataset): each card is the frame at the
 * playhead styled with that reference and the segment's face rectangle,
 * rendered small in the background (the plain frame and a spinner until
 * then), with the reference's name. Activating a card emits
 * "reference-chosen"; the owner gives the segment that reference.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "cs-engine.h"
#include "cs-segment.h"
#include "cs-style.h"

G_BEGIN_DECLS

#define CS_TYPE_REFERENCE_PICKER (cs_reference_picker_get_type ())
G_DECLARE_FINAL_TYPE (CsReferencePicker, cs_reference_picker, CS, REFERENCE_PICKER, GtkPopover)

/* A picker whose pictures render on the device chosen by device_selector
 * (as in cs_device_new()) with precision. */
CsReferencePicker *cs_reference_picker_new          (const char        *device_selector,
                                                     CsPrecision        precision);

/* The VToonify-D style whose references are shown (NULL: none). */
void               cs_reference_picker_set_style    (CsReferencePicker *self,
                                                     CsStyle           *style);
CsStyle           *cs_reference_picker_get_style    (CsReferencePicker *self);
/* The clip the frames come from (NULL: none). */
void               cs_reference_picker_set_clip     (CsReferencePicker *self,
                                                     const char        *path);
/* The frame the cards show (the playhead); changes are coalesced so that
 * scrubbing renders only where the playhead rests. */
void               cs_reference_picker_set_frame    (CsReferencePicker *self,
                                                     gint64             frame);
gint64             cs_reference_picker_get_frame    (CsReferencePicker *self);
/* The face rectangle the codes come from, in source-clip pixels (NULL: the
 * centred square). */
void               cs_reference_picker_set_face     (CsReferencePicker *self,
                                                     const CsFaceRect  *face);
/* The segment's reference: its card is marked, and its picture is the
 * "current-picture" even while the popover is closed. */
void               cs_reference_picker_set_reference (CsReferencePicker *self,
                                                     guint              reference);
guint              cs_reference_picker_get_reference (CsReferencePicker *self);

/* The grid's model: one GtkStringObject per reference, its name. */
GListModel        *cs_reference_picker_get_model    (CsReferencePicker *self);
/* The name users see for a reference of style. */
char              *cs_reference_picker_reference_label (CsStyle        *style,
                                                     guint              reference);

/* Chooses reference as activating its card does: emits "reference-chosen"
 * and closes the popover. FALSE when the style has no such reference. */
gboolean           cs_reference_picker_choose       (CsReferencePicker *self,
                                                     guint              reference);

/* The picture of reference on the current frame and face when it has been
 * rendered (transfer none), else NULL. */
GdkPaintable      *cs_reference_picker_get_picture  (CsReferencePicker *self,
                                                     guint              reference);
/* The segment's reference's picture ("current-picture"): the current
 * frame's when rendered, else the last one shown, else NULL. */
GdkPaintable      *cs_reference_picker_get_current_picture (CsReferencePicker *self);
/* The number of bound cards still waiting for their picture. */
guint              cs_reference_picker_get_n_waiting (CsReferencePicker *self);

G_END_DECLS
