/* cs-media-info.c: probing media files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "cs-media-private.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <libavutil/channel_layout.h>
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>

/* How many bytes of a file FFmpeg's format probes may look at to tell whether a file
 * that failed to open is damaged media or not media at all. */
#define RECOGNISE_BYTES (1 << 20)

/* Frames whose spacing differs from the average by more than this fraction (and by
 * more than one tick of the time base) make a stream variable-rate. */
#define VFR_TOLERANCE 0.1

G_DEFINE_BOXED_TYPE (CsMediaInfo, cs_media_info, cs_media_info_ref, cs_media_info_unref)

static void
cs_video_stream_info_free (gpointer data)
{
  CsVideoStreamInfo *video = data;

  g_free (video->codec_name);
  g_free (video->codec_long_name);
  g_free (video->pixel_format_name);
  g_free (video);
}

static void
cs_audio_stream_info_free (gpointer data)
{
  CsAudioStreamInfo *audio = data;

  g_free (audio->codec_name);
  g_free (audio->codec_long_name);
  g_free (audio->channel_layout);
  g_free (audio->sample_format_name);
  g_free (audio->language);
  g_free (audio);
}

static void
cs_media_info_clear (gpointer data)
{
  CsMediaInfo *info = data;

  g_free (info->path);
  g_free (info->format_name);
  g_free (info->format_long_name);
  g_clear_pointer (&info->video_streams, g_ptr_array_unref);
  g_clear_pointer (&info->audio_streams, g_ptr_array_unref);
}

CsMediaInfo *
cs_media_info_ref (CsMediaInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);

  return g_atomic_rc_box_acquire (info);
}

void
cs_media_info_unref (CsMediaInfo *info)
{
  g_return_if_fail (info != NULL);

  g_atomic_rc_box_release_full (info, cs_media_info_clear);
}

void
cs_frame_index_free (CsFrameIndex *index)
{
  if (index == NULL)
    return;

  g_clear_pointer (&index->pts, g_array_unref);
  g_clear_pointer (&index->keyframes, g_array_unref);
  g_free (index);
}

void
cs_video_stream_info_get_display_size (const CsVideoStreamInfo *video,
                                       int                     *width,
                                       int                     *height)
{
  int w, h;

  g_return_if_fail (video != NULL);

  w = video->width;
  h = video->height;
  if (video->sample_aspect_ratio.num > 0 && video->sample_aspect_ratio.den > 0)
    w = (int) av_rescale (w, video->sample_aspect_ratio.num, video->sample_aspect_ratio.den);

  if (video->rotation == 90 || video->rotation == 270)
    {
      int t = w;
      w = h;
      h = t;
    }

  if (width != NULL)
    *width = w;
  if (height != NULL)
    *height = h;
}

/* Whether the first bytes of @path are recognisably some media format: tells a damaged
 * clip (CORRUPT) from a file that is not media at all (NOT_MEDIA). */
static const char *
recognise_format (const char *path)
{
  g_autofree guint8 *buf = NULL;
  const AVInputFormat *format;
  AVProbeData probe = { 0 };
  FILE *file;
  size_t n;
  int score = 0;

  file = g_fopen (path, "rb");
  if (file == NULL)
    return NULL;

  buf = g_malloc0 (RECOGNISE_BYTES + AVPROBE_PADDING_SIZE);
  n = fread (buf, 1, RECOGNISE_BYTES, file);
  fclose (file);

  probe.filename = path;
  probe.buf = buf;
  probe.buf_size = (int) n;
  format = av_probe_input_format3 (&probe, TRUE, &score);

  /* Scores at or below RETRY come from the file name alone, not from its content. */
  if (format == NULL || score <= AVPROBE_SCORE_RETRY)
    return NULL;

  return format->long_name != NULL ? format->long_name : format->name;
}

AVFormatContext *
cs_media_open_input (const char  *path,
                     GError     **error)
{
  g_autofree char *name = NULL;
  AVFormatContext *fmt = NULL;
  GStatBuf st;
  int ret;

  g_return_val_if_fail (path != NULL, NULL);

  cs_media_init_logging ();
  name = g_filename_display_basename (path);

  if (g_stat (path, &st) != 0)
    {
      int errsv = errno;

      g_set_error (error, CS_MEDIA_ERROR,
                   cs_media_error_code_from_errno (errsv, CS_MEDIA_ERROR_FAILED),
                   _("Cannot open “%s”: %s"), name, g_strerror (errsv));
      return NULL;
    }

  if (S_ISDIR (st.st_mode))
    {
      g_set_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_NOT_MEDIA,
                   _("“%s” is a folder, not a video file"), name);
      return NULL;
    }

  if (S_ISREG (st.st_mode) && st.st_size == 0)
    {
      g_set_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_NOT_MEDIA,
                   _("“%s” is empty (0 bytes); it holds no video"), name);
      return NULL;
    }

  ret = avformat_open_input (&fmt, path, NULL, NULL);
  if (ret < 0)
    {
      const char *recognised = NULL;

      if (ret == AVERROR_INVALIDDATA && (recognised = recognise_format (path)) != NULL)
        cs_media_set_av_error (error, CS_MEDIA_ERROR_CORRUPT, ret,
                               _("“%s” looks like %s but cannot be read; it may be truncated or damaged"),
                               name, recognised);
      else if (ret == AVERROR_INVALIDDATA)
        cs_media_set_av_error (error, CS_MEDIA_ERROR_NOT_MEDIA, ret,
                               _("“%s” is not a video or audio file"), name);
      else
        cs_media_set_av_error (error, cs_media_error_code_from_av (ret, CS_MEDIA_ERROR_FAILED), ret,
                               _("Cannot open “%s”"), name);
      return NULL;
    }

  /* The tty demuxer renders any text file as video: text is not a clip. */
  if (g_strcmp0 (fmt->iformat->name, "tty") == 0)
    {
      g_set_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_NOT_MEDIA,
                   _("“%s” is a text file, not a video file"), name);
      avformat_close_input (&fmt);
      return NULL;
    }

  ret = avformat_find_stream_info (fmt, NULL);
  if (ret < 0)
    {
      cs_media_set_av_error (error, CS_MEDIA_ERROR_CORRUPT, ret,
                             _("Cannot read the streams of “%s”; it may be truncated or damaged"),
                             name);
      avformat_close_input (&fmt);
      return NULL;
    }

  return fmt;
}

AVCodecContext *
cs_media_open_decoder (AVStream  *stream,
                       int        threads,
                       GError   **error)
{
  const AVCodec *codec;
  AVCodecContext *ctx;
  int ret;

  g_return_val_if_fail (stream != NULL, NULL);

  codec = avcodec_find_decoder (stream->codecpar->codec_id);
  if (codec == NULL)
    {
      g_set_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_UNSUPPORTED_CODEC,
                   _("This FFmpeg has no decoder for the %s codec of stream %d"),
                   avcodec_get_name (stream->codecpar->codec_id), stream->index);
      return NULL;
    }

  ctx = avcodec_alloc_context3 (codec);
  if (ctx == NULL)
    g_error ("Out of memory while allocating a decoder");

  ret = avcodec_parameters_to_context (ctx, stream->codecpar);
  if (ret < 0)
    {
      cs_media_set_av_error (error, CS_MEDIA_ERROR_UNSUPPORTED_CODEC, ret,
                             _("Cannot configure the %s decoder"), codec->name);
      avcodec_free_context (&ctx);
      return NULL;
    }

  ctx->pkt_timebase = stream->time_base;
  ctx->thread_count = threads;

  ret = avcodec_open2 (ctx, codec, NULL);
  if (ret < 0)
    {
      cs_media_set_av_error (error, CS_MEDIA_ERROR_UNSUPPORTED_CODEC, ret,
                             _("Cannot open the %s decoder"), codec->name);
      avcodec_free_context (&ctx);
      return NULL;
    }

  return ctx;
}

static double
seconds_or (gint64     ts,
            AVRational time_base,
            double     fallback)
{
  if (ts == AV_NOPTS_VALUE)
    return fallback;

  return ts * av_q2d (time_base);
}

/* Clockwise rotation a player applies, snapped to a quarter turn. */
static int
stream_rotation (const AVStream *stream)
{
  const uint8_t *matrix;
  double ccw;
  long cw;

  matrix = av_stream_get_side_data (stream, AV_PKT_DATA_DISPLAYMATRIX, NULL);
  if (matrix == NULL)
    return 0;

  ccw = av_display_rotation_get ((const int32_t *) matrix);
  if (isnan (ccw))
    return 0;

  cw = lround (-ccw);
  cw = ((cw % 360) + 360) % 360;

  return (int) (((cw + 45) / 90) % 4) * 90;
}

static char *
dup_nonempty (const char *s)
{
  return s != NULL && *s != '\0' ? g_strdup (s) : NULL;
}

static CsVideoStreamInfo *
video_stream_info_new (AVFormatContext *fmt,
                       AVStream        *stream)
{
  const AVCodecParameters *par = stream->codecpar;
  const AVCodecDescriptor *codec = avcodec_descriptor_get (par->codec_id);
  const AVPixFmtDescriptor *pixdesc = av_pix_fmt_desc_get (par->format);
  CsVideoStreamInfo *video;
  AVRational guessed;

  video = g_new0 (CsVideoStreamInfo, 1);
  video->index = stream->index;
  video->codec_name = g_strdup (avcodec_get_name (par->codec_id));
  video->codec_long_name = codec != NULL ? dup_nonempty (codec->long_name) : NULL;
  video->width = par->width;
  video->height = par->height;
  video->sample_aspect_ratio = stream->sample_aspect_ratio.num > 0 ? stream->sample_aspect_ratio
                                                                    : par->sample_aspect_ratio;
  if (video->sample_aspect_ratio.num <= 0 || video->sample_aspect_ratio.den <= 0)
    video->sample_aspect_ratio = av_make_q (0, 1);
  video->rotation = stream_rotation (stream);
  video->time_base = stream->time_base;

  guessed = av_guess_frame_rate (fmt, stream, NULL);
  video->frame_rate = guessed.num > 0 && guessed.den > 0 ? guessed : stream->avg_frame_rate;
  /* Without a scan, disagreeing nominal and average rates are the only hint of VFR. */
  if (stream->avg_frame_rate.num > 0 && stream->avg_frame_rate.den > 0 &&
      guessed.num > 0 && guessed.den > 0)
    {
      double ratio = av_q2d (stream->avg_frame_rate) / av_q2d (guessed);

      video->variable_frame_rate = fabs (ratio - 1.0) > 0.01;
      if (video->variable_frame_rate)
        video->frame_rate = stream->avg_frame_rate;
    }

  video->start_time = seconds_or (stream->start_time, stream->time_base,
                                  seconds_or (fmt->start_time, AV_TIME_BASE_Q, 0.0));
  video->duration = seconds_or (stream->duration, stream->time_base,
                                seconds_or (fmt->duration, AV_TIME_BASE_Q, -1.0));

  if (stream->nb_frames > 0)
    {
      video->frame_count = stream->nb_frames;
      video->frame_count_exact = TRUE;
    }
  else if (video->duration > 0 && video->frame_rate.num > 0)
    {
      video->frame_count = llround (video->duration * av_q2d (video->frame_rate));
      video->frame_count_exact = FALSE;
    }
  else
    {
      video->frame_count = -1;
    }

  video->bit_rate = par->bit_rate;
  video->pixel_format = par->format;
  video->pixel_format_name = g_strdup (pixdesc != NULL ? pixdesc->name : "none");
  video->bit_depth = pixdesc != NULL ? pixdesc->comp[0].depth : 0;
  video->color_range = par->color_range;
  video->color_space = par->color_space;
  video->color_primaries = par->color_primaries;
  video->color_trc = par->color_trc;

  return video;
}

static CsAudioStreamInfo *
audio_stream_info_new (AVFormatContext *fmt,
                       AVStream        *stream)
{
  const AVCodecParameters *par = stream->codecpar;
  const AVCodecDescriptor *codec = avcodec_descriptor_get (par->codec_id);
  const AVDictionaryEntry *language;
  CsAudioStreamInfo *audio;
  char layout[128] = { 0 };

  audio = g_new0 (CsAudioStreamInfo, 1);
  audio->index = stream->index;
  audio->codec_name = g_strdup (avcodec_get_name (par->codec_id));
  audio->codec_long_name = codec != NULL ? dup_nonempty (codec->long_name) : NULL;
  audio->sample_rate = par->sample_rate;
  audio->channels = par->ch_layout.nb_channels;
  if (av_channel_layout_describe (&par->ch_layout, layout, sizeof layout) < 0)
    g_snprintf (layout, sizeof layout, "%d channels", audio->channels);
  audio->channel_layout = g_strdup (layout);
  audio->sample_format_name = dup_nonempty (av_get_sample_fmt_name (par->format));
  audio->time_base = stream->time_base;
  audio->start_time = seconds_or (stream->start_time, stream->time_base,
                                  seconds_or (fmt->start_time, AV_TIME_BASE_Q, 0.0));
  audio->duration = seconds_or (stream->duration, stream->time_base,
                                seconds_or (fmt->duration, AV_TIME_BASE_Q, -1.0));
  audio->bit_rate = par->bit_rate;
  language = av_dict_get (stream->metadata, "language", NULL, 0);
  audio->language = language != NULL && g_strcmp0 (language->value, "und") != 0
                    ? g_strdup (language->value) : NULL;

  return audio;
}

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* Position of @value in the sorted @array, or -1. */
static gint64
find_int64 (GArray *array,
            gint64  value)
{
  gint64 lo = 0, hi = (gint64) array->len - 1;

  while (lo <= hi)
    {
      gint64 mid = lo + (hi - lo) / 2;
      gint64 v = g_array_index (array, gint64, mid);

      if (v == value)
        return mid;
      if (v < value)
        lo = mid + 1;
      else
        hi = mid - 1;
    }

  return -1;
}

/* Reads every packet of one stream without decoding: the timestamps tell how many
 * frames there are and when each one is shown. */
static CsFrameIndex *
scan_stream (AVFormatContext  *fmt,
             AVStream         *stream,
             GCancellable     *cancellable,
             GError          **error)
{
  g_autoptr(CsFrameIndex) index = NULL;
  g_autoptr(GArray) key_pts = NULL;
  AVPacket *pkt;
  gboolean all_pts = TRUE;
  int ret;

  for (guint i = 0; i < fmt->nb_streams; i++)
    fmt->streams[i]->discard = fmt->streams[i] == stream ? AVDISCARD_DEFAULT : AVDISCARD_ALL;

  index = g_new0 (CsFrameIndex, 1);
  index->stream_index = stream->index;
  index->time_base = stream->time_base;
  index->pts = g_array_new (FALSE, FALSE, sizeof (gint64));
  index->keyframes = g_array_new (FALSE, FALSE, sizeof (gint64));
  key_pts = g_array_new (FALSE, FALSE, sizeof (gint64));

  pkt = av_packet_alloc ();
  if (pkt == NULL)
    g_error ("Out of memory while allocating a packet");

  while ((ret = av_read_frame (fmt, pkt)) >= 0)
    {
      /* Packets flagged DISCARD lie outside an edit list: their frames are never shown. */
      if (pkt->stream_index == stream->index && !(pkt->flags & AV_PKT_FLAG_DISCARD))
        {
          index->n_packets++;
          if (pkt->pts == AV_NOPTS_VALUE)
            all_pts = FALSE;
          else
            {
              g_array_append_val (index->pts, pkt->pts);
              if (pkt->flags & AV_PKT_FLAG_KEY)
                g_array_append_val (key_pts, pkt->pts);
            }
        }
      av_packet_unref (pkt);

      if ((index->n_packets & 255) == 0 && g_cancellable_is_cancelled (cancellable))
        break;
    }
  av_packet_free (&pkt);

  for (guint i = 0; i < fmt->nb_streams; i++)
    fmt->streams[i]->discard = AVDISCARD_DEFAULT;

  if (cs_media_set_cancelled (cancellable, error))
    return NULL;

  /* A damaged tail ends the scan early; the readable frames remain usable. */
  if (ret != AVERROR_EOF)
    {
      char errbuf[AV_ERROR_MAX_STRING_SIZE];

      av_strerror (ret, errbuf, sizeof errbuf);
      g_debug ("Scan of %s stopped after %" G_GINT64_FORMAT " packets: %s",
               fmt->url, index->n_packets, errbuf);
    }

  if (index->n_packets == 0)
    {
      g_autofree char *name = g_filename_display_basename (fmt->url);

      cs_media_set_av_error (error, CS_MEDIA_ERROR_CORRUPT, ret,
                             _("The video stream of “%s” holds no readable frame"), name);
      return NULL;
    }

  if (!all_pts)
    {
      g_clear_pointer (&index->pts, g_array_unref);
      return g_steal_pointer (&index);
    }

  g_array_sort (index->pts, compare_int64);
  {
    guint kept = 0;

    for (guint i = 0; i < index->pts->len; i++)
      if (kept == 0 || g_array_index (index->pts, gint64, i) != g_array_index (index->pts, gint64, kept - 1))
        g_array_index (index->pts, gint64, kept++) = g_array_index (index->pts, gint64, i);
    g_array_set_size (index->pts, kept);
  }

  g_array_sort (key_pts, compare_int64);
  for (guint i = 0; i < key_pts->len; i++)
    {
      gint64 at = find_int64 (index->pts, g_array_index (key_pts, gint64, i));

      if (at >= 0 && (index->keyframes->len == 0 ||
                      g_array_index (index->keyframes, gint64, index->keyframes->len - 1) != at))
        g_array_append_val (index->keyframes, at);
    }

  return g_steal_pointer (&index);
}

/* Replaces header guesses with what the scan saw: exact count, spacing, duration. */
static void
apply_scan (CsVideoStreamInfo  *video,
            const CsFrameIndex *index)
{
  GArray *pts = index->pts;
  double tick = av_q2d (index->time_base);
  double mean, tolerance;
  gint64 first, last;

  if (pts == NULL)
    {
      video->frame_count = index->n_packets;
      video->frame_count_exact = TRUE;
      return;
    }

  video->frame_count = pts->len;
  video->frame_count_exact = TRUE;
  first = g_array_index (pts, gint64, 0);
  last = g_array_index (pts, gint64, pts->len - 1);
  video->start_time = first * tick;

  if (pts->len < 3)
    {
      if (video->frame_rate.num > 0)
        video->duration = pts->len / av_q2d (video->frame_rate);
      return;
    }

  mean = (double) (last - first) / (pts->len - 1);
  tolerance = MAX (1.0, VFR_TOLERANCE * mean);
  video->variable_frame_rate = FALSE;
  for (guint i = 1; i < pts->len; i++)
    {
      gint64 delta = g_array_index (pts, gint64, i) - g_array_index (pts, gint64, i - 1);

      if (fabs (delta - mean) > tolerance)
        {
          video->variable_frame_rate = TRUE;
          break;
        }
    }

  /* Keep the exact nominal rate (24000/1001) when the spacing agrees with it. */
  if (video->variable_frame_rate || video->frame_rate.num <= 0 ||
      fabs (1.0 / (av_q2d (video->frame_rate) * tick) - mean) > tolerance)
    video->frame_rate = av_d2q (1.0 / (mean * tick), 1 << 20);

  video->duration = (last - first + mean) * tick;
}

CsMediaInfo *
cs_media_info_new_from_context (AVFormatContext  *fmt,
                                const char       *path,
                                CsFrameIndex    **index_out,
                                GCancellable     *cancellable,
                                GError          **error)
{
  g_autoptr(CsMediaInfo) info = NULL;
  int best;

  g_return_val_if_fail (fmt != NULL, NULL);
  g_return_val_if_fail (path != NULL, NULL);

  info = g_atomic_rc_box_new0 (CsMediaInfo);
  info->path = g_strdup (path);
  info->format_name = g_strdup (fmt->iformat->name);
  info->format_long_name = dup_nonempty (fmt->iformat->long_name);
  info->duration = seconds_or (fmt->duration, AV_TIME_BASE_Q, -1.0);
  info->start_time = seconds_or (fmt->start_time, AV_TIME_BASE_Q, 0.0);
  info->bit_rate = fmt->bit_rate;
  info->video_streams = g_ptr_array_new_with_free_func (cs_video_stream_info_free);
  info->audio_streams = g_ptr_array_new_with_free_func (cs_audio_stream_info_free);

  best = av_find_best_stream (fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);

  for (guint i = 0; i < fmt->nb_streams; i++)
    {
      AVStream *stream = fmt->streams[i];

      switch (stream->codecpar->codec_type)
        {
        case AVMEDIA_TYPE_VIDEO:
          /* Cover art is a still image stored as a one-packet video stream. */
          if (stream->disposition & AV_DISPOSITION_ATTACHED_PIC)
            break;
          g_ptr_array_add (info->video_streams, video_stream_info_new (fmt, stream));
          if ((int) i == best || info->video == NULL)
            info->video = g_ptr_array_index (info->video_streams, info->video_streams->len - 1);
          break;

        case AVMEDIA_TYPE_AUDIO:
          g_ptr_array_add (info->audio_streams, audio_stream_info_new (fmt, stream));
          break;

        default:
          break;
        }
    }

  if (index_out != NULL && info->video != NULL)
    {
      g_autoptr(CsFrameIndex) index = NULL;

      index = scan_stream (fmt, fmt->streams[info->video->index], cancellable, error);
      if (index == NULL)
        return NULL;

      apply_scan (info->video, index);
      *index_out = g_steal_pointer (&index);
    }

  return g_steal_pointer (&info);
}

CsMediaInfo *
cs_media_probe (const char         *path,
                CsMediaProbeFlags   flags,
                GCancellable       *cancellable,
                GError            **error)
{
  g_autoptr(CsFrameIndex) index = NULL;
  AVFormatContext *fmt;
  CsMediaInfo *info;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (cs_media_set_cancelled (cancellable, error))
    return NULL;

  fmt = cs_media_open_input (path, error);
  if (fmt == NULL)
    return NULL;

  info = cs_media_info_new_from_context (fmt, path,
                                         (flags & CS_MEDIA_PROBE_SCAN) ? &index : NULL,
                                         cancellable, error);
  avformat_close_input (&fmt);

  return info;
}
