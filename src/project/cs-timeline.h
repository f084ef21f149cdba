/* cs-timeline.h: the segments of a project at one moment, and the frame query
 *
 * A timeline is the list of segments that tile the source clip's frames
 * exactly, in order. It is immutable and its reference count is atomic: the
 * project swaps in a new timeline on every edit, undo and redo, so a render
 * or export thread that holds one sees a consistent document however the
 * user goes on editing.
 *
 * Rendering asks one question of it: for this frame, which styles with what
 * weights and degrees (cs_timeline_query_frame()). The answer is
 *
 *   output = Σ weight[i] · mix (frame, styled[i] (frame), degree[i])
 *
 * where mix (a, b, d) = (1 − d) · a + d · b and a NULL style is the original
 * frame (its degree is 0).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "cs-segment.h"
#include "cs-style-ref.h"

G_BEGIN_DECLS

/* The most styles that apply to one frame: a cross-fade mixes two. */
#define CS_FRAME_STYLES_MAX 2

/**
 * CsFrameStyle:
 * @style: the style, or NULL for the original frame; borrowed from the
 *   timeline, valid as long as it is.
 * @weight: in (0, 1]; the weights of a frame's entries sum to 1.
 * @degree: in [0, 1]; always 0 when @style is NULL.
 * @segment_index: the segment the entry comes from.
 *
 * One style that applies to a frame.
 */
typedef struct {
  CsStyleRef *style;
  double      weight;
  double      degree;
  guint       segment_index;
} CsFrameStyle;

/**
 * CsFrameStyles:
 * @n_styles: 1, or 2 inside a cross-fade (earlier segment first).
 * @styles: the entries.
 *
 * What cs_timeline_query_frame() answers.
 */
typedef struct {
  guint        n_styles;
  CsFrameStyle styles[CS_FRAME_STYLES_MAX];
} CsFrameStyles;

typedef struct _CsTimeline CsTimeline;

#define CS_TYPE_TIMELINE (cs_timeline_get_type ())
GType cs_timeline_get_type (void) G_GNUC_CONST;

/* Reference counting; the count is atomic, so a render thread may hold one. */
CsTimeline *cs_timeline_ref            (CsTimeline       *self);
void        cs_timeline_unref          (CsTimeline       *self);

/* The clip's frame count, which the segments tile. */
gint64      cs_timeline_get_n_frames   (CsTimeline       *self);
guint       cs_timeline_get_n_segments (CsTimeline       *self);
/* The segment at @index (transfer none). */
CsSegment  *cs_timeline_get_segment    (CsTimeline       *self,
                                        guint             index);
/* TRUE and the index of the segment that holds @frame; FALSE when @frame is
 * outside the clip. */
gboolean    cs_timeline_find_segment   (CsTimeline       *self,
                                        gint64            frame,
                                        guint            *index);
/* The frames [*start, *end) over which segment @index fades in from the one
 * before it; FALSE for a hard cut. A cross-fade is centred on the cut and
 * shrinks, when it must, to reach no further than the middle of either
 * segment, so fades never overlap. */
gboolean    cs_timeline_get_crossfade  (CsTimeline       *self,
                                        guint             index,
                                        gint64           *start,
                                        gint64           *end);
/* Fills @out with the styles that make @frame; FALSE (and @out empty) when
 * @frame is outside the clip. */
gboolean    cs_timeline_query_frame    (CsTimeline       *self,
                                        gint64            frame,
                                        CsFrameStyles    *out);
/* TRUE when both have the same frame count and equal segments. */
gboolean    cs_timeline_equal          (CsTimeline       *a,
                                        CsTimeline       *b);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsTimeline, cs_timeline_unref)

G_END_DECLS
