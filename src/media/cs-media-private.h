/* cs-media-private.h: helpers shared by the media layer's own files, nobody else's
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib/gi18n-lib.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>

#include "cs-frame.h"
#include "cs-media-error.h"
#include "cs-media-info.h"

G_BEGIN_DECLS

/* Where every frame of a video stream sits in time, read from packet headers. */
typedef struct {
  int         stream_index;
  AVRational  time_base;
  /* Sorted, unique presentation timestamps, one per frame; NULL when a packet had
   * none (AVI with B-frames, raw streams): frames are then placed by frame rate. */
  GArray     *pts;
  /* Frame indices (into pts) of keyframes, ascending; empty without pts. */
  GArray     *keyframes;
  gint64      n_packets;
} CsFrameIndex;

void          cs_media_set_av_error         (GError      **error,
                                             CsMediaError  code,
                                             int           averr,
                                             const char   *format,
                                             ...) G_GNUC_PRINTF (4, 5);
CsMediaError  cs_media_error_code_from_av   (int           averr,
                                             CsMediaError  fallback);
CsMediaError  cs_media_error_code_from_errno (int          errsv,
                                             CsMediaError  fallback);
gboolean      cs_media_set_cancelled        (GCancellable *cancellable,
                                             GError      **error);

/* Sends FFmpeg's log to GLib's, as debug messages of the "FFmpeg" domain: what the
 * user needs to know travels in GErrors. */
void          cs_media_init_logging         (void);

/* Opens @path for demuxing and reads its stream headers; every failure is classified
 * (missing, not media, truncated …). */
AVFormatContext *cs_media_open_input        (const char   *path,
                                             GError      **error);

/* Describes an open input; with @index non-NULL, scans the packets of the main video
 * stream and returns where each frame sits. */
CsMediaInfo  *cs_media_info_new_from_context (AVFormatContext *fmt,
                                              const char      *path,
                                              CsFrameIndex   **index,
                                              GCancellable    *cancellable,
                                              GError         **error);

void          cs_frame_index_free           (CsFrameIndex *index);

/* Opens a decoder for @stream; @threads 0 lets FFmpeg choose. */
AVCodecContext *cs_media_open_decoder       (AVStream     *stream,
                                             int           threads,
                                             GError      **error);

/* Wraps a reference to @frame; @index is the frame's position in the stream. */
CsFrame      *cs_frame_new                  (const AVFrame *frame,
                                             gint64         index,
                                             AVRational     time_base);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsFrameIndex, cs_frame_index_free)

G_END_DECLS
