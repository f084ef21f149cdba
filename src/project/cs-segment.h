/* cs-segment.h: a run of frames with one style and a degree curve
 *
 * A segment covers the frames [start, start + n_frames) of the source clip,
 * names its style (or none: the original frames) and carries the style
 * degree as keyframes. Keyframes sit at absolute frames of the clip, not at
 * offsets within the segment, so moving a cut never moves the animation of
 * the frames that stay on either side of it. Every segment has at least one
 * keyframe, all inside the segment, sorted, at most one per frame. Before its
 * first keyframe the curve holds the first degree, after its last the last.
 *
 * A segment is immutable: an edit makes new segments and keeps the old ones
 * for undo, so a view or a render thread may hold one as long as it likes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "cs-style-ref.h"

G_BEGIN_DECLS

/**
 * CsInterpolation:
 * @CS_INTERPOLATION_CONSTANT: hold the keyframe's degree up to the next one.
 * @CS_INTERPOLATION_LINEAR: change at a steady rate towards the next degree.
 * @CS_INTERPOLATION_EASE_IN_OUT: start and end gently (smoothstep,
 *   3t² − 2t³) towards the next degree.
 *
 * How the degree goes from a keyframe to the next.
 */
typedef enum {
  CS_INTERPOLATION_CONSTANT,
  CS_INTERPOLATION_LINEAR,
  CS_INTERPOLATION_EASE_IN_OUT,
} CsInterpolation;

/* Degrees below this are stored as 0: no 8-bit output can show them, and it
 * keeps every degree in the file in plain decimal notation (json-glib 1.6
 * writes tiny doubles such as 1e-300 as "1e-300.0", which no parser reads). */
#define CS_DEGREE_EPSILON 1e-4

/* The stability of a new segment, and of one read from a file that has none:
 * how steady its style is on video, 0 (frame by frame) to 1. At it, styled
 * video flickers at most half as much as frame by frame. */
#define CS_SEGMENT_DEFAULT_STABILITY 0.5

/**
 * CsFaceRect:
 * @x: the left edge, in source-clip pixels (may be negative).
 * @y: the top edge.
 * @width: at least 1.
 * @height: at least 1.
 *
 * A rectangle in frame pixels: the face a VToonify-D segment's style code
 * is computed from.
 */
typedef struct {
  int x, y, width, height;
} CsFaceRect;

/**
 * CsKeyframe:
 * @frame: the clip frame it sits on.
 * @degree: the style degree there, 0 (original) to 1 (fully styled).
 * @interpolation: how the degree goes from here to the next keyframe.
 *
 * A point of a segment's degree curve.
 */
typedef struct {
  gint64          frame;
  double          degree;
  CsInterpolation interpolation;
} CsKeyframe;

#define CS_TYPE_SEGMENT (cs_segment_get_type ())
G_DECLARE_FINAL_TYPE (CsSegment, cs_segment, CS, SEGMENT, GObject)

/* The segment's first frame. */
gint64            cs_segment_get_start         (CsSegment  *self);
/* How many frames it covers; at least 1. */
gint64            cs_segment_get_n_frames      (CsSegment  *self);
/* The frame after its last: start + n_frames. */
gint64            cs_segment_get_end           (CsSegment  *self);
/* Its style, or NULL for the original frames. */
CsStyleRef       *cs_segment_get_style         (CsSegment  *self);
/* The nominal length in frames of the cross-fade from the previous segment
 * into this one (0: a hard cut); see cs_timeline_get_crossfade(). */
guint             cs_segment_get_crossfade     (CsSegment  *self);
/* How steady the style is on video, 0 (frame by frame) to 1; see
 * cs_project_set_stability(). */
double            cs_segment_get_stability     (CsSegment  *self);
/* The VToonify-D style reference (an index into the style's extrinsic
 * style codes) its frames use; 0 for a new segment. */
guint             cs_segment_get_reference     (CsSegment  *self);
/* TRUE and the face rectangle, in source-clip pixels, when one is set;
 * FALSE (rect untouched) when the face is the frame's centred square. */
gboolean          cs_segment_get_face          (CsSegment  *self,
                                                CsFaceRect *rect);
/* At least 1. */
guint             cs_segment_get_n_keyframes   (CsSegment  *self);
/* The keyframe at @index, in frame order; valid as long as the segment. */
const CsKeyframe *cs_segment_get_keyframe      (CsSegment  *self,
                                                guint       index);
/* TRUE and its index when a keyframe sits on @frame. */
gboolean          cs_segment_find_keyframe     (CsSegment  *self,
                                                gint64      frame,
                                                guint      *index);
/* The degree curve's value at any @frame, inside the segment or not. */
double            cs_segment_get_degree_at     (CsSegment  *self,
                                                gint64      frame);
/* TRUE when both cover the same frames with the same style, cross-fade,
 * stability, reference, face rectangle and keyframes. */
gboolean          cs_segment_equal             (CsSegment  *a,
                                                CsSegment  *b);

/* Maps @t in 0..1 through @interpolation's curve. */
double            cs_interpolation_apply       (CsInterpolation interpolation,
                                                double          t);

G_END_DECLS
