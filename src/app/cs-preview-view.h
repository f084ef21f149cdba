/* cs-preview-view.h: the styled frame, the original, or both side by side
 *
 * Paints the last frame the preview worker made, fitted into the widget
 * with its aspect ratio kept. In split mode the original shows left of a
 * handle and the styled frame right of it; drag the handle (or anywhere)
 * to move it. Painting only: the frames are made elsewhere.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "cs-preview.h"

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

G_END_DECLS
