/* cs-frame.h: one decoded video frame
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>
#include <libavutil/frame.h>

G_BEGIN_DECLS

/**
 * CsFrame:
 *
 * A decoded video frame: a reference to FFmpeg's #AVFrame (planes, strides, pixel
 * format, colour description) plus where the frame sits in its stream. Reference
 * counted, immutable and safe to pass between threads.
 */
typedef struct _CsFrame CsFrame;

#define CS_TYPE_FRAME (cs_frame_get_type ())

GType               cs_frame_get_type       (void) G_GNUC_CONST;
/* Takes a reference; frames are freed with their last one. */
CsFrame            *cs_frame_ref            (CsFrame *frame);
void                cs_frame_unref          (CsFrame *frame);

/* The underlying frame; valid while @frame is alive. Do not write to its planes. */
const AVFrame      *cs_frame_get_av_frame   (CsFrame *frame);
/* The frame's position in its stream, counting from 0 in presentation order. */
gint64              cs_frame_get_index      (CsFrame *frame);
/* Presentation timestamp in the stream's time base (cs_frame_get_time_base()). */
gint64              cs_frame_get_pts        (CsFrame *frame);
/* The unit of cs_frame_get_pts(): the stream's time base. */
AVRational          cs_frame_get_time_base  (CsFrame *frame);
/* Presentation time in microseconds on the file's timeline. */
gint64              cs_frame_get_time_us    (CsFrame *frame);
/* Size in pixels as decoded (no rotation, no aspect ratio applied). */
int                 cs_frame_get_width      (CsFrame *frame);
int                 cs_frame_get_height     (CsFrame *frame);
/* Pixel format as decoded (yuv420p, yuv420p10le, …); colour details are in the AVFrame. */
enum AVPixelFormat  cs_frame_get_format     (CsFrame *frame);
/* Number of planes of the pixel format (3 for yuv420p, 1 for rgba). */
int                 cs_frame_get_n_planes   (CsFrame *frame);
/* Plane @plane's first byte and its stride in bytes (may exceed the row's width). */
const guint8       *cs_frame_get_plane      (CsFrame *frame,
                                             int      plane,
                                             int     *stride);
/* Copies the visible pixels of every plane, row after row with no padding (the
 * layout of FFmpeg's rawvideo), into a new buffer; %NULL for hardware formats. */
GBytes             *cs_frame_dup_pixels     (CsFrame *frame);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsFrame, cs_frame_unref)

G_END_DECLS
