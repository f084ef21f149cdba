/* cs-media-info.h: what a media file holds
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <libavutil/pixfmt.h>
#include <libavutil/rational.h>

G_BEGIN_DECLS

/**
 * CsVideoStreamInfo:
 * @index: the stream's index in the container.
 * @codec_name: FFmpeg's short codec name ("h264", "vp9", …).
 * @codec_long_name: a readable codec name, or %NULL.
 * @width: coded width in pixels.
 * @height: coded height in pixels.
 * @sample_aspect_ratio: pixel aspect ratio; 0/1 when unknown (assume square).
 * @rotation: clockwise rotation a player applies, from the display matrix: 0, 90, 180 or 270.
 * @time_base: the unit of the stream's timestamps.
 * @frame_rate: the nominal rate (exact, 24000/1001 for NTSC film); for variable-rate video, the average.
 * @variable_frame_rate: frames are not evenly spaced in time (without a scan, a guess
 *   from the container's nominal and average rates disagreeing).
 * @frame_count: number of frames, or -1 when unknown.
 * @frame_count_exact: @frame_count comes from the container's header or a scan, not an estimate.
 * @start_time: presentation time of the first frame, in seconds on the file's timeline.
 * @duration: seconds, or -1 when unknown.
 * @bit_rate: bits per second, or 0 when unknown.
 * @pixel_format: FFmpeg's pixel format.
 * @pixel_format_name: its name ("yuv420p", "yuv420p10le", …).
 * @bit_depth: bits per component (8, 10, 12, …).
 * @color_range: limited (MPEG) or full (JPEG) range, or unspecified.
 * @color_space: the YUV matrix (BT.601, BT.709, BT.2020 …), or unspecified.
 * @color_primaries: the colour primaries, or unspecified.
 * @color_trc: the transfer characteristic, or unspecified.
 *
 * A video stream of a file, as cs_media_probe() found it.
 */
typedef struct {
  int                           index;
  char                         *codec_name;
  char                         *codec_long_name;
  int                           width;
  int                           height;
  AVRational                    sample_aspect_ratio;
  int                           rotation;
  AVRational                    time_base;
  AVRational                    frame_rate;
  gboolean                      variable_frame_rate;
  gint64                        frame_count;
  gboolean                      frame_count_exact;
  double                        start_time;
  double                        duration;
  gint64                        bit_rate;
  enum AVPixelFormat            pixel_format;
  char                         *pixel_format_name;
  int                           bit_depth;
  enum AVColorRange             color_range;
  enum AVColorSpace             color_space;
  enum AVColorPrimaries         color_primaries;
  enum AVColorTransferCharacteristic color_trc;
} CsVideoStreamInfo;

/**
 * CsAudioStreamInfo:
 * @index: the stream's index in the container.
 * @codec_name: FFmpeg's short codec name ("aac", "opus", …).
 * @codec_long_name: a readable codec name, or %NULL.
 * @sample_rate: samples per second.
 * @channels: number of channels.
 * @channel_layout: a description of the layout ("stereo", "5.1", …).
 * @sample_format_name: FFmpeg's name of the decoded sample format, or %NULL.
 * @time_base: the unit of the stream's timestamps.
 * @start_time: seconds on the file's timeline.
 * @duration: seconds, or -1 when unknown.
 * @bit_rate: bits per second, or 0 when unknown.
 * @language: the ISO 639 language tag, or %NULL.
 *
 * An audio stream of a file, as cs_media_probe() found it.
 */
typedef struct {
  int         index;
  char       *codec_name;
  char       *codec_long_name;
  int         sample_rate;
  int         channels;
  char       *channel_layout;
  char       *sample_format_name;
  AVRational  time_base;
  double      start_time;
  double      duration;
  gint64      bit_rate;
  char       *language;
} CsAudioStreamInfo;

/**
 * CsMediaInfo:
 * @path: the file that was probed.
 * @format_name: FFmpeg's name of the container ("matroska,webm", …).
 * @format_long_name: a readable container name.
 * @duration: seconds, or -1 when unknown.
 * @start_time: seconds, the earliest timestamp of the file.
 * @bit_rate: bits per second, or 0 when unknown.
 * @video_streams: (element-type CsVideoStreamInfo): every video stream, in file order.
 * @audio_streams: (element-type CsAudioStreamInfo): every audio stream, in file order.
 * @video: (nullable): the stream a player would show (FFmpeg's best video stream).
 *
 * What a media file holds. Reference counted and immutable once returned;
 * treat the fields as read-only.
 */
typedef struct {
  char              *path;
  char              *format_name;
  char              *format_long_name;
  double             duration;
  double             start_time;
  gint64             bit_rate;
  GPtrArray         *video_streams;
  GPtrArray         *audio_streams;
  CsVideoStreamInfo *video;
} CsMediaInfo;

/**
 * CsMediaProbeFlags:
 * @CS_MEDIA_PROBE_NONE: read the container's headers only (fast).
 * @CS_MEDIA_PROBE_SCAN: also read every packet of the main video stream (without
 *   decoding): exact frame count and variable frame rate detection.
 */
typedef enum {
  CS_MEDIA_PROBE_NONE = 0,
  CS_MEDIA_PROBE_SCAN = 1 << 0,
} CsMediaProbeFlags;

#define CS_TYPE_MEDIA_INFO (cs_media_info_get_type ())

GType        cs_media_info_get_type (void) G_GNUC_CONST;

/* Reads what @path holds; fails with a %CS_MEDIA_ERROR a user can act on. A file with
 * no video is not an error here (@video is then %NULL). */
CsMediaInfo *cs_media_probe         (const char         *path,
                                     CsMediaProbeFlags   flags,
                                     GCancellable       *cancellable,
                                     GError            **error);
/* Takes a reference; the info and its streams are freed with the last one. */
CsMediaInfo *cs_media_info_ref      (CsMediaInfo        *info);
void         cs_media_info_unref    (CsMediaInfo        *info);

/* Display size: the coded size with the sample aspect ratio applied to the width,
 * then rotation applied (90 and 270 swap width and height). */
void         cs_video_stream_info_get_display_size (const CsVideoStreamInfo *video,
                                                    int                     *width,
                                                    int                     *height);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsMediaInfo, cs_media_info_unref)

G_END_DECLS
