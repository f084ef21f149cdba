/* cs-decoder.h: frame-exact video decoding on a worker thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "cs-frame.h"
#include "cs-media-info.h"

G_BEGIN_DECLS

#define CS_TYPE_DECODER (cs_decoder_get_type ())

G_DECLARE_FINAL_TYPE (CsDecoder, cs_decoder, CS, DECODER, GObject)

/* Opens @path and reads where each frame of its main video stream sits (one pass over
 * the packets, no decoding), then decodes its first frame to prove it can. Blocking. */
CsDecoder               *cs_decoder_new               (const char    *path,
                                                       GCancellable  *cancellable,
                                                       GError       **error);
/* The file being decoded. */
const char              *cs_decoder_get_path          (CsDecoder     *self);
/* What the file holds; frame count and frame rate come from the packet scan. */
CsMediaInfo             *cs_decoder_get_info          (CsDecoder     *self);
/* The stream being decoded (the info's main video stream). */
const CsVideoStreamInfo *cs_decoder_get_video_info    (CsDecoder     *self);
/* Number of frames, counted by the packet scan: frames are numbered 0 to n − 1. */
gint64                   cs_decoder_get_n_frames      (CsDecoder     *self);
/* Presentation time of frame @index in microseconds on the file's timeline. */
gint64                   cs_decoder_get_frame_time_us (CsDecoder     *self,
                                                       gint64         index);
/* The frame on screen at @time_us: the last one whose time is at or before it. */
gint64                   cs_decoder_get_index_at_time (CsDecoder     *self,
                                                       gint64         time_us);

/* The frame after the last one returned (frame 0 first); the worker thread keeps a few
 * decoded ahead. Returns %NULL without error at the end of the stream. */
CsFrame                 *cs_decoder_next_frame        (CsDecoder     *self,
                                                       GCancellable  *cancellable,
                                                       GError       **error);
/* Exactly frame @index (0 ≤ @index < n-frames); cs_decoder_next_frame() then goes on
 * from there. Cancelling stops the wait; the request is superseded by the next one. */
CsFrame                 *cs_decoder_seek_frame        (CsDecoder     *self,
                                                       gint64         index,
                                                       GCancellable  *cancellable,
                                                       GError       **error);
/* Exactly the frame on screen at @time_us (see cs_decoder_get_index_at_time()). */
CsFrame                 *cs_decoder_seek_time         (CsDecoder     *self,
                                                       gint64         time_us,
                                                       GCancellable  *cancellable,
                                                       GError       **error);

/* A quick picture near frame @index: the closest keyframe at or before it, decoded on
 * its own demuxer (so it never disturbs playback), scaled to @height pixels high with
 * the aspect ratio and rotation a player shows. Returns tightly packed RGBA rows of
 * *@width pixels. Safe to call from any thread. */
GBytes                  *cs_decoder_get_thumbnail     (CsDecoder     *self,
                                                       gint64         index,
                                                       int            height,
                                                       int           *width,
                                                       GCancellable  *cancellable,
                                                       GError       **error);

G_END_DECLS
