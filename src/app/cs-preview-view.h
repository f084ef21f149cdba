/* cs-preview-view.h: the styled frame, the original, or both side by side
 *
 * Paints the last frame the preview worker made, fitted into the widget
 * with its aspect ratio kept. In split mode the original shows left of a
 * handle and the styled frame right of it; drag the handle (or anywhere)
 * to move it. Painting only: the frames are made elsewhere.
 *
 * While the face is being edited (VToonify-D segments), the face rectangle
 * is drawn over the frame, the rest dimmed, with a handle at each corner:
 * dragging inside moves it, dragging a corner resizes it as a square (the
 * face encoder takes a square crop), always inside the frame. Rectangles
 * are in the source clip's pixels, whatever the size of the preview's
 * frames; "face-changed" tells the new one when a drag ends.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "cs-preview.h"
#include "cs-segment.h"

G_BEGIN_DECLS

typedef enum {
  CS_PREVIEW_MODE_STYLED,
  CS_PREVIEW_MODE_ORIGINAL,
  CS_PREVIEW_MODE_SPLIT,
} CsPreviewMode;

#define CS_TYPE_PREVIEW_MODE (cs_preview_mode_get_type ())
GType cs_preview_mode_get_type (void) G_GNUC_CONST;

#define CS_TYPE_PREVIEW_VIEW (cs_preview_view_get_type ())
G_DECLARE_FINAL_TYPE (CsPreviewView, cs_preview_view, CS, PREVIEW_VIEW, GtkWidget)

GtkWidget     *cs_preview_view_new            (void);

/* The frame to paint (NULL: nothing, the view's background shows). */
void           cs_preview_view_set_frame      (CsPreviewView  *self,
                                               CsPreviewFrame *frame);
CsPreviewFrame *cs_preview_view_get_frame     (CsPreviewView  *self);

/* What to show ("mode" property). */
void           cs_preview_view_set_mode       (CsPreviewView  *self,
                                               CsPreviewMode   mode);
CsPreviewMode  cs_preview_view_get_mode       (CsPreviewView  *self);

/* Where the split falls, 0 (left edge) to 1 ("split-position" property). */
void           cs_preview_view_set_split_position (CsPreviewView *self,
                                               double          position);
double         cs_preview_view_get_split_position (CsPreviewView *self);

/* The rectangle the frame is painted in, in widget coordinates. */
void           cs_preview_view_get_frame_rect (CsPreviewView  *self,
                                               graphene_rect_t *rect);

/* The size of the source clip's frames, which face rectangles are in
 * (0 x 0: the preview frame's own size). */
void           cs_preview_view_set_source_size (CsPreviewView *self,
                                               int             width,
                                               int             height);

/* Whether the face rectangle is shown and edited ("face-editing"). Escape
 * ends editing. */
void           cs_preview_view_set_face_editing (CsPreviewView *self,
                                               gboolean        editing);
gboolean       cs_preview_view_get_face_editing (CsPreviewView *self);

/* The face rectangle (NULL: the frame's centred square, the default).
 * Ignored while a drag is under way, which keeps its own. */
void           cs_preview_view_set_face       (CsPreviewView  *self,
                                               const CsFaceRect *rect);
/* The rectangle shown, the centred square resolved, in source pixels;
 * FALSE when the size is not known yet (no frame, no source size). */
gboolean       cs_preview_view_get_face       (CsPreviewView  *self,
                                               CsFaceRect     *rect);
/* The face rectangle in widget coordinates. */
gboolean       cs_preview_view_get_face_widget_rect (CsPreviewView *self,
                                               graphene_rect_t *rect);

/* What the primary button does to the face while editing, in widget
 * coordinates: the drag gesture calls these, and so can tests. A press
 * returns TRUE when it grabbed the rectangle (inside it or on a corner
 * handle); a release emits "face-changed" when the rectangle moved. */
gboolean       cs_preview_view_face_press     (CsPreviewView  *self,
                                               double          x,
                                               double          y);
void           cs_preview_view_face_motion    (CsPreviewView  *self,
                                               double          x,
                                               double          y);
void           cs_preview_view_face_release   (CsPreviewView  *self);

G_END_DECLS
