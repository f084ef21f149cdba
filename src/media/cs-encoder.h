/* cs-encoder.h: encoding and muxing on a thread of its own
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <libavutil/frame.h>
#include <libavutil/rational.h>

#include "cs-media-info.h"

G_BEGIN_DECLS

/**
 * CsContainer:
 * @CS_CONTAINER_AUTO: chosen from the destination's extension.
 * @CS_CONTAINER_MP4: MPEG-4 Part 14 (`.mp4`).
 * @CS_CONTAINER_MKV: Matroska (`.mkv`).
 * @CS_CONTAINER_WEBM: WebM (`.webm`).
 */
typedef enum {
  CS_CONTAINER_AUTO,
  CS_CONTAINER_MP4,
  CS_CONTAINER_MKV,
  CS_CONTAINER_WEBM,
} CsContainer;

/**
 * CsVideoCodec:
 * @CS_VIDEO_CODEC_AUTO: H.264 for MP4 and MKV, VP9 for WebM.
 * @CS_VIDEO_CODEC_H264: H.264 with libx264.
 * @CS_VIDEO_CODEC_VP9: VP9 with libvpx.
 * @CS_VIDEO_CODEC_AV1: AV1 with libsvtav1, or libaom when FFmpeg lacks SVT-AV1.
 * @CS_VIDEO_CODEC_FFV1: FFV1, lossless (MKV only).
 */
typedef enum {
  CS_VIDEO_CODEC_AUTO,
  CS_VIDEO_CODEC_H264,
  CS_VIDEO_CODEC_VP9,
  CS_VIDEO_CODEC_AV1,
  CS_VIDEO_CODEC_FFV1,
} CsVideoCodec;

#define CS_TYPE_ENCODER (cs_encoder_get_type ())

G_DECLARE_FINAL_TYPE (CsEncoder, cs_encoder, CS, ENCODER, GObject)

/**
 * CsEncoderProgressFunc:
 * @encoder: the encoder
 * @fraction: share of the frames written, 0 to 1 (0 while #CsEncoder:total-frames is unset)
 * @eta_seconds: estimated seconds left, or -1 when unknown
 * @user_data: the data given to cs_encoder_set_progress_func()
 *
 * Called on the encoder's thread after each frame is written.
 */
typedef void (*CsEncoderProgressFunc) (CsEncoder *encoder,
                                       double     fraction,
                                       double     eta_seconds,
                                       gpointer   user_data);

/* An encoder that will write @destination; configure it, then cs_encoder_start(). */
CsEncoder   *cs_encoder_new                (const char             *destination);
/* Whether this FFmpeg has an encoder for @codec. */
gboolean     cs_encoder_codec_available    (CsVideoCodec            codec);

/* Takes frame size, frame rate, sample aspect ratio, colour description and rotation
 * from @video (may be %NULL); @path may not be the destination, and is where the
 * audio comes from (see #CsEncoder:audio). */
void         cs_encoder_set_source         (CsEncoder              *self,
                                            const char             *path,
                                            const CsVideoStreamInfo *video);
/* Frames per second of the output (25 unless set here or by cs_encoder_set_source()). */
void         cs_encoder_set_frame_rate     (CsEncoder              *self,
                                            AVRational              frame_rate);
/* The stretch of the source, in microseconds on its timeline, that the frames come
 * from; audio is cut to it and never runs past the last frame. @end_us -1: no end. */
void         cs_encoder_set_range          (CsEncoder              *self,
                                            gint64                  start_us,
                                            gint64                  end_us);
/* Called on the encoder thread after each frame; see #CsEncoderProgressFunc. */
void         cs_encoder_set_progress_func  (CsEncoder              *self,
                                            CsEncoderProgressFunc   func,
                                            gpointer                user_data,
                                            GDestroyNotify          destroy);

/* Checks the settings, opens the encoders and a hidden temporary file beside the
 * destination, and starts the encoder thread. Cancelling @cancellable at any time
 * stops it, deletes the temporary file and leaves the destination untouched. */
gboolean     cs_encoder_start              (CsEncoder              *self,
                                            GCancellable           *cancellable,
                                            GError                **error);
/* Queues a reference to @frame (any size and pixel format swscale knows; converted on
 * the encoder thread). Returns at once unless the queue is full. Frames are shown
 * one after another at the frame rate; their timestamps are ignored. */
gboolean     cs_encoder_push_frame         (CsEncoder              *self,
                                            const AVFrame          *frame,
                                            GError                **error);
/* Encodes what is queued, adds the remaining audio, closes the file and moves it over
 * the destination. Blocks until done. */
gboolean     cs_encoder_finish             (CsEncoder              *self,
                                            GError                **error);
/* Progress so far, as given to the progress function. Safe from any thread. */
double       cs_encoder_get_progress       (CsEncoder              *self,
                                            double                 *eta_seconds);
/* The FFmpeg encoder chosen ("libx264", …), once started. */
const char  *cs_encoder_get_encoder_name   (CsEncoder              *self);

G_END_DECLS
