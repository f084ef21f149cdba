/* cs-encoder.c: encoding and muxing on a thread of its own
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "cs-media-private.h"
#include "cs-encoder.h"
#include "cs-media-enums.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/channel_layout.h>
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>

#define DEFAULT_QUEUE_SIZE 8

/* Bits per second per channel for re-encoded audio. */
#define AUDIO_BIT_RATE_PER_CHANNEL 64000

typedef struct {
  int               in_index;
  AVRational        in_time_base;
  AVStream         *out;
  gboolean          copy;
  AVCodecContext   *dec;
  AVCodecContext   *enc;
  SwrContext       *swr;
  gboolean          swr_checked;
  AVAudioFifo      *fifo;
  AVFrame          *decoded;
  /* Output position in samples of the encoder's rate; -1 before the first sample. */
  gint64            next_pts;
  gboolean          done;
} AudioTrack;

struct _CsEncoder {
  GObject           parent_instance;

  /* Settings, fixed once started. */
  char             *destination;
  CsContainer       container;
  CsVideoCodec      video_codec;
  int               width;
  int               height;
  AVRational        frame_rate;
  AVRational        sample_aspect_ratio;
  int               rotation;
  enum AVColorRange color_range;
  enum AVColorSpace color_space;
  enum AVColorPrimaries color_primaries;
  enum AVColorTransferCharacteristic color_trc;
  int               crf;
  gint64            bit_rate;
  int               pixel_format;
  gint64            total_frames;
  gboolean          audio;
  int               queue_size;
  char             *source;
  gint64            range_start;
  gint64            range_end;
  CsEncoderProgressFunc progress_func;
  gpointer          progress_data;
  GDestroyNotify    progress_destroy;

  /* Output, owned by the encoder thread once started. */
  char             *temp_path;
  const AVOutputFormat *ofmt;
  AVFormatContext  *out;
  gboolean          header_written;
  const AVCodec    *vcodec;
  AVCodecContext   *venc;
  AVStream         *vstream;
  struct SwsContext *sws;
  AVFrame          *converted;
  AVPacket         *pkt;
  gint64            frames_in;
  gint64            frames_out;
  gint64            started_us;

  AVFormatContext  *asrc;
  GPtrArray        *tracks;
  AVPacket         *apkt;
  /* Encoded audio; video's packet may be waiting in pkt while audio is written. */
  AVPacket         *aenc_pkt;
  gboolean          apkt_pending;
  gboolean          audio_eof;
  /* Audio stops here, relative to range_start; known for sure only at the end. */
  gint64            audio_end_rel;

  /* Shared with the encoder thread, under lock. */
  GMutex            lock;
  GCond             cond;
  GThread          *thread;
  GQueue            queue;
  gboolean          started;
  gboolean          finishing;
  gboolean          done;
  gboolean          cancelled;
  GError           *error;
  double            fraction;
  double            eta;
  GCancellable     *cancellable;
  gulong            cancel_handler;
};

G_DEFINE_FINAL_TYPE (CsEncoder, cs_encoder, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_DESTINATION,
  PROP_CONTAINER,
  PROP_VIDEO_CODEC,
  PROP_WIDTH,
  PROP_HEIGHT,
  PROP_CRF,
  PROP_BIT_RATE,
  PROP_PIXEL_FORMAT,
  PROP_TOTAL_FRAMES,
  PROP_AUDIO,
  PROP_QUEUE_SIZE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
audio_track_free (gpointer data)
{
  AudioTrack *track = data;

  avcodec_free_context (&track->dec);
  avcodec_free_context (&track->enc);
  swr_free (&track->swr);
  g_clear_pointer (&track->fifo, av_audio_fifo_free);
  av_frame_free (&track->decoded);
  g_free (track);
}

/* Codec and container tables ------------------------------------------------------ */

static const char *
codec_label (CsVideoCodec codec)
{
  switch (codec)
    {
    case CS_VIDEO_CODEC_H264: return "H.264";
    case CS_VIDEO_CODEC_VP9: return "VP9";
    case CS_VIDEO_CODEC_AV1: return "AV1";
    case CS_VIDEO_CODEC_FFV1: return "FFV1";
    case CS_VIDEO_CODEC_AUTO:
    default: return "?";
    }
}

static const char *
container_label (CsContainer container)
{
  switch (container)
    {
    case CS_CONTAINER_MP4: return "MP4";
    case CS_CONTAINER_MKV: return "Matroska";
    case CS_CONTAINER_WEBM: return "WebM";
    case CS_CONTAINER_AUTO:
    default: return "?";
    }
}

static const AVCodec *
find_video_encoder (CsVideoCodec codec)
{
  static const char * const h264[] = { "libx264", NULL };
  static const char * const vp9[] = { "libvpx-vp9", NULL };
  static const char * const av1[] = { "libsvtav1", "libaom-av1", NULL };
  static const char * const ffv1[] = { "ffv1", NULL };
  const char * const *names;

  switch (codec)
    {
    case CS_VIDEO_CODEC_H264: names = h264; break;
    case CS_VIDEO_CODEC_VP9: names = vp9; break;
    case CS_VIDEO_CODEC_AV1: names = av1; break;
    case CS_VIDEO_CODEC_FFV1: names = ffv1; break;
    case CS_VIDEO_CODEC_AUTO:
    default: return NULL;
    }

  for (guint i = 0; names[i] != NULL; i++)
    {
      const AVCodec *found = avcodec_find_encoder_by_name (names[i]);

      if (found != NULL)
        return found;
    }

  return NULL;
}

gboolean
cs_encoder_codec_available (CsVideoCodec codec)
{
  return find_video_encoder (codec) != NULL;
}

static CsContainer
container_from_path (const char *path)
{
  const char *dot = strrchr (path, '.');

  if (dot == NULL || strchr (dot, G_DIR_SEPARATOR) != NULL)
    return CS_CONTAINER_AUTO;
  if (g_ascii_strcasecmp (dot, ".mp4") == 0 || g_ascii_strcasecmp (dot, ".m4v") == 0)
    return CS_CONTAINER_MP4;
  if (g_ascii_strcasecmp (dot, ".mkv") == 0)
    return CS_CONTAINER_MKV;
  if (g_ascii_strcasecmp (dot, ".webm") == 0)
    return CS_CONTAINER_WEBM;

  return CS_CONTAINER_AUTO;
}

/* Errors --------------------------------------------------------------------------- */

static void
set_write_error (CsEncoder  *self,
                 int         averr,
                 GError    **error)
{
  g_autofree char *name = g_filename_display_basename (self->destination);
  g_autofree char *folder = g_path_get_dirname (self->destination);
  g_autofree char *folder_name = g_filename_display_name (folder);

  if (cs_media_error_code_from_av (averr, CS_MEDIA_ERROR_WRITE) == CS_MEDIA_ERROR_NO_SPACE)
    cs_media_set_av_error (error, CS_MEDIA_ERROR_NO_SPACE, averr,
                           _("The disk holding “%s” is full; free some space and export “%s” again"),
                           folder_name, name);
  else
    cs_media_set_av_error (error, CS_MEDIA_ERROR_WRITE, averr,
                           _("Cannot write “%s”"), name);
}

/* Video ---------------------------------------------------------------------------- */

static enum AVPixelFormat
choose_pixel_format (CsEncoder  *self,
                     GError    **error)
{
  enum AVPixelFormat wanted = self->pixel_format != AV_PIX_FMT_NONE ? self->pixel_format
                                                                   : AV_PIX_FMT_YUV420P;
  const enum AVPixelFormat *p = self->vcodec->pix_fmts;

  if (p == NULL)
    return wanted;
  for (; *p != AV_PIX_FMT_NONE; p++)
    if (*p == wanted)
      return wanted;

  g_set_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_INVALID_ARGUMENT,
               _("The %s encoder %s cannot store %s pictures"),
               codec_label (self->video_codec), self->vcodec->name,
               av_get_pix_fmt_name (wanted) ? av_get_pix_fmt_name (wanted) : "?");
  return AV_PIX_FMT_NONE;
}

/* Quality and speed options for each encoder: CRF when no bit rate is set. */
static gboolean
video_options (CsEncoder     *self,
               AVDictionary **opts,
               GError       **error)
{
  const char *name = self->vcodec->name;
  int crf_max = 63;
  int crf_default;

  if (g_str_equal (name, "ffv1"))
    {
      av_dict_set (opts, "level", "3", 0);
      av_dict_set (opts, "slicecrc", "1", 0);
      return TRUE;
    }

  if (g_str_equal (name, "libx264"))
    {
      crf_max = 51;
      crf_default = 23;
      av_dict_set (opts, "preset", "medium", 0);
    }
  else if (g_str_equal (name, "libvpx-vp9"))
    {
      crf_default = 32;
      av_dict_set (opts, "deadline", "good", 0);
      av_dict_set (opts, "cpu-used", "4", 0);
      av_dict_set (opts, "row-mt", "1", 0);
    }
  else if (g_str_equal (name, "libsvtav1"))
    {
      crf_default = 35;
      av_dict_set (opts, "preset", "8", 0);
    }
  else
    {
      crf_default = 32;
      av_dict_set (opts, "cpu-used", "6", 0);
      av_dict_set (opts, "row-mt", "1", 0);
    }

  if (self->crf > crf_max)
    {
      g_set_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_INVALID_ARGUMENT,
                   _("%s quality (CRF) goes from 0 to %d, not %d"),
                   codec_label (self->video_codec), crf_max, self->crf);
      return FALSE;
    }

  if (self->bit_rate > 0)
    self->venc->bit_rate = self->bit_rate;
  else
    {
      av_dict_set_int (opts, "crf", self->crf >= 0 ? self->crf : crf_default, 0);
      /* libvpx and libaom treat a bit rate of 0 with CRF as constant quality. */
      if (!g_str_equal (name, "libx264") && !g_str_equal (name, "libsvtav1"))
        av_dict_set (opts, "b", "0", 0);
    }

  return TRUE;
}

static gboolean
open_video (CsEncoder  *self,
            GError    **error)
{
  AVDictionary *opts = NULL;
  const AVPixFmtDescriptor *desc;
  enum AVPixelFormat pix_fmt;
  int ret;

  pix_fmt = choose_pixel_format (self, error);
  if (pix_fmt == AV_PIX_FMT_NONE)
    return FALSE;

  desc = av_pix_fmt_desc_get (pix_fmt);
  if ((self->video_codec == CS_VIDEO_CODEC_H264 || self->video_codec == CS_VIDEO_CODEC_AV1) &&
      ((self->width & ((1 << desc->log2_chroma_w) - 1)) || (self->height & ((1 << desc->log2_chroma_h) - 1))))
    {
      g_set_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_INVALID_ARGUMENT,
                   _("%s with %s pictures needs an even width and height, not %d×%d; "
                     "crop or scale by one pixel, or use VP9 or FFV1"),
                   codec_label (self->video_codec), desc->name, self->width, self->height);
      return FALSE;
    }

  self->venc = avcodec_alloc_context3 (self->vcodec);
  if (self->venc == NULL)
    g_error ("Out of memory while allocating an encoder");

  self->venc->width = self->width;
  self->venc->height = self->height;
  self->venc->pix_fmt = pix_fmt;
  self->venc->time_base = av_inv_q (self->frame_rate);
  self->venc->framerate = self->frame_rate;
  self->venc->sample_aspect_ratio = self->sample_aspect_ratio;
  self->venc->color_range = self->color_range;
  self->venc->colorspace = self->color_space;
  self->venc->color_primaries = self->color_primaries;
  self->venc->color_trc = self->color_trc;
  self->venc->thread_count = 0;
  if (self->ofmt->flags & AVFMT_GLOBALHEADER)
    self->venc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;

  if (!video_options (self, &opts, error))
    {
      av_dict_free (&opts);
      return FALSE;
    }

  ret = avcodec_open2 (self->venc, self->vcodec, &opts);
  if (av_dict_count (opts) > 0)
    g_debug ("%s ignored %d options", self->vcodec->name, av_dict_count (opts));
  av_dict_free (&opts);
  if (ret < 0)
    {
      cs_media_set_av_error (error, CS_MEDIA_ERROR_UNSUPPORTED_CODEC, ret,
                             _("Cannot open the %s encoder %s for %d×%d %s at %d/%d fps"),
                             codec_label (self->video_codec), self->vcodec->name,
                             self->width, self->height, desc->name,
                             self->frame_rate.num, self->frame_rate.den);
      return FALSE;
    }

  self->vstream = avformat_new_stream (self->out, NULL);
  if (self->vstream == NULL)
    g_error ("Out of memory while adding a stream");

  ret = avcodec_parameters_from_context (self->vstream->codecpar, self->venc);
  if (ret < 0)
    {
      cs_media_set_av_error (error, CS_MEDIA_ERROR_FAILED, ret,
                             _("Cannot describe the video stream to the muxer"));
      return FALSE;
    }
  self->vstream->time_base = self->venc->time_base;
  self->vstream->avg_frame_rate = self->frame_rate;
  self->vstream->r_frame_rate = self->frame_rate;
  self->vstream->sample_aspect_ratio = self->sample_aspect_ratio;

  if (self->rotation != 0)
    {
      int32_t *matrix = (int32_t *) av_stream_new_side_data (self->vstream, AV_PKT_DATA_DISPLAYMATRIX,
                                                              9 * sizeof (int32_t));

      if (matrix == NULL)
        g_error ("Out of memory while adding a display matrix");
      /* The matrix turns counter-clockwise; rotation is clockwise. */
      av_display_rotation_set (matrix, -self->rotation);
    }

  return TRUE;
}

/* Audio ---------------------------------------------------------------------------- */

static const AVCodec *
find_audio_encoder (CsContainer container)
{
  static const char * const mp4[] = { "aac", NULL };
  static const char * const webm[] = { "libopus", "opus", NULL };
  const char * const *names = container == CS_CONTAINER_MP4 ? mp4 : webm;

  for (guint i = 0; names[i] != NULL; i++)
    {
      const AVCodec *found = avcodec_find_encoder_by_name (names[i]);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static int
choose_sample_rate (const AVCodec *codec,
                    int            wanted)
{
  const int *r = codec->supported_samplerates;
  int lowest_above = 0, highest = 0;

  if (r == NULL)
    return wanted;

  /* The source's rate, else the lowest above it, else the highest there is. */
  for (; *r != 0; r++)
    {
      if (*r == wanted)
        return wanted;
      if (*r > wanted && (lowest_above == 0 || *r < lowest_above))
        lowest_above = *r;
      highest = MAX (highest, *r);
    }

  return lowest_above != 0 ? lowest_above : highest;
}

static gboolean
choose_channel_layout (const AVCodec         *codec,
                       const AVChannelLayout *wanted,
                       AVChannelLayout       *chosen)
{
  const AVChannelLayout *l = codec->ch_layouts;

  if (l == NULL)
    {
      if (wanted->order == AV_CHANNEL_ORDER_UNSPEC)
        av_channel_layout_default (chosen, wanted->nb_channels);
      else if (av_channel_layout_copy (chosen, wanted) < 0)
        return FALSE;
      return TRUE;
    }

  for (; l->nb_channels != 0; l++)
    if (av_channel_layout_compare (l, wanted) == 0)
      return av_channel_layout_copy (chosen, l) >= 0;
  for (l = codec->ch_layouts; l->nb_channels != 0; l++)
    if (l->nb_channels == wanted->nb_channels)
      return av_channel_layout_copy (chosen, l) >= 0;

  return av_channel_layout_copy (chosen, &(AVChannelLayout) AV_CHANNEL_LAYOUT_STEREO) >= 0;
}

static gboolean
open_audio_track (CsEncoder  *self,
                  AVStream   *in,
                  GError    **error)
{
  g_autofree char *name = g_filename_display_basename (self->source);
  AudioTrack *track;
  const AVCodec *codec;
  int ret;

  track = g_new0 (AudioTrack, 1);
  track->in_index = in->index;
  track->in_time_base = in->time_base;
  track->next_pts = -1;
  g_ptr_array_add (self->tracks, track);

  track->out = avformat_new_stream (self->out, NULL);
  if (track->out == NULL)
    g_error ("Out of memory while adding a stream");
  if (av_dict_copy (&track->out->metadata, in->metadata, 0) < 0)
    g_error ("Out of memory while copying stream metadata");
  track->out->disposition = in->disposition;

  /* FFmpeg writes Vorbis into MP4 but hardly any player reads it back: convert it. */
  track->copy = avformat_query_codec (self->ofmt, in->codecpar->codec_id, FF_COMPLIANCE_NORMAL) == 1 &&
                !(self->container == CS_CONTAINER_MP4 && in->codecpar->codec_id == AV_CODEC_ID_VORBIS);
  if (track->copy)
    {
      ret = avcodec_parameters_copy (track->out->codecpar, in->codecpar);
      if (ret < 0)
        {
          cs_media_set_av_error (error, CS_MEDIA_ERROR_FAILED, ret,
                                 _("Cannot copy audio stream %d of “%s”"), in->index, name);
          return FALSE;
        }
      track->out->codecpar->codec_tag = 0;
      track->out->time_base = in->time_base;
      return TRUE;
    }

  /* The container cannot hold this codec: decode and encode again. */
  track->dec = cs_media_open_decoder (in, 0, error);
  if (track->dec == NULL)
    return FALSE;

  codec = find_audio_encoder (self->container);
  if (codec == NULL)
    {
      g_set_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_UNSUPPORTED_CODEC,
                   _("%s files cannot hold the %s audio of “%s”, and this FFmpeg has no "
                     "encoder to convert it; export without audio or to MKV"),
                   container_label (self->container), avcodec_get_name (in->codecpar->codec_id), name);
      return FALSE;
    }

  track->enc = avcodec_alloc_context3 (codec);
  if (track->enc == NULL)
    g_error ("Out of memory while allocating an encoder");

  track->enc->sample_rate = choose_sample_rate (codec, track->dec->sample_rate);
  if (!choose_channel_layout (codec, &track->dec->ch_layout, &track->enc->ch_layout))
    g_error ("Out of memory while copying a channel layout");
  track->enc->sample_fmt = codec->sample_fmts != NULL ? codec->sample_fmts[0] : track->dec->sample_fmt;
  for (const enum AVSampleFormat *f = codec->sample_fmts; f != NULL && *f != AV_SAMPLE_FMT_NONE; f++)
    if (*f == track->dec->sample_fmt)
      track->enc->sample_fmt = *f;
  track->enc->bit_rate = (gint64) AUDIO_BIT_RATE_PER_CHANNEL * MIN (track->enc->ch_layout.nb_channels, 8);
  track->enc->time_base = av_make_q (1, track->enc->sample_rate);
  if (codec->capabilities & AV_CODEC_CAP_EXPERIMENTAL)
    track->enc->strict_std_compliance = FF_COMPLIANCE_EXPERIMENTAL;
  if (self->ofmt->flags & AVFMT_GLOBALHEADER)
    track->enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;

  ret = avcodec_open2 (track->enc, codec, NULL);
  if (ret < 0)
    {
      cs_media_set_av_error (error, CS_MEDIA_ERROR_UNSUPPORTED_CODEC, ret,
                             _("Cannot open the %s encoder for audio stream %d of “%s”"),
                             codec->name, in->index, name);
      return FALSE;
    }

  ret = avcodec_parameters_from_context (track->out->codecpar, track->enc);
  if (ret < 0)
    {
      cs_media_set_av_error (error, CS_MEDIA_ERROR_FAILED, ret,
                             _("Cannot describe an audio stream to the muxer"));
      return FALSE;
    }
  track->out->time_base = track->enc->time_base;

  track->fifo = av_audio_fifo_alloc (track->enc->sample_fmt, track->enc->ch_layout.nb_channels,
                                     MAX (track->enc->frame_size, 1024));
  track->decoded = av_frame_alloc ();
  if (track->fifo == NULL || track->decoded == NULL)
    g_error ("Out of memory while allocating audio buffers");

  return TRUE;
}

static gboolean
open_audio (CsEncoder  *self,
            GError    **error)
{
  gint64 seek_ts;
  int ret;

  self->tracks = g_ptr_array_new_with_free_func (audio_track_free);

  if (!self->audio || self->source == NULL)
    return TRUE;

  self->asrc = cs_media_open_input (self->source, error);
  if (self->asrc == NULL)
    return FALSE;

  for (guint i = 0; i < self->asrc->nb_streams; i++)
    {
      AVStream *in = self->asrc->streams[i];

      if (in->codecpar->codec_type != AVMEDIA_TYPE_AUDIO)
        {
          in->discard = AVDISCARD_ALL;
          continue;
        }
      if (!open_audio_track (self, in, error))
        return FALSE;
    }

  if (self->tracks->len == 0)
    return TRUE;

  self->apkt = av_packet_alloc ();
  self->aenc_pkt = av_packet_alloc ();
  if (self->apkt == NULL || self->aenc_pkt == NULL)
    g_error ("Out of memory while allocating a packet");

  if (self->range_start > 0)
    {
      seek_ts = self->range_start;
      ret = avformat_seek_file (self->asrc, -1, INT64_MIN, seek_ts, seek_ts, 0);
      if (ret < 0)
        g_debug ("Cannot seek the audio of %s to %" G_GINT64_FORMAT " µs; reading from the start",
                 self->source, seek_ts);
    }

  return TRUE;
}

static AudioTrack *
track_for_stream (CsEncoder *self,
                  int        stream_index)
{
  for (guint i = 0; i < self->tracks->len; i++)
    {
      AudioTrack *track = g_ptr_array_index (self->tracks, i);

      if (track->in_index == stream_index)
        return track;
    }

  return NULL;
}

static gboolean
write_packet (CsEncoder  *self,
              AVPacket   *pkt,
              GError    **error)
{
  int ret = av_interleaved_write_frame (self->out, pkt);

  if (ret < 0)
    {
      set_write_error (self, ret, error);
      return FALSE;
    }

  return TRUE;
}

static gboolean
drain_audio_encoder (CsEncoder   *self,
                     AudioTrack  *track,
                     GError     **error)
{
  for (;;)
    {
      AVPacket *pkt = self->aenc_pkt;
      int ret = avcodec_receive_packet (track->enc, pkt);

      if (ret == AVERROR (EAGAIN) || ret == AVERROR_EOF)
        return TRUE;
      if (ret < 0)
        {
          cs_media_set_av_error (error, CS_MEDIA_ERROR_FAILED, ret, _("Cannot encode audio"));
          return FALSE;
        }

      av_packet_rescale_ts (pkt, track->enc->time_base, track->out->time_base);
      pkt->stream_index = track->out->index;
      if (!write_packet (self, pkt, error))
        return FALSE;
    }
}

/* Encodes whole frames from the track's FIFO; with @flush also the short remainder,
 * then drains the encoder. */
static gboolean
encode_audio_fifo (CsEncoder   *self,
                   AudioTrack  *track,
                   gboolean     flush,
                   GError     **error)
{
  AVCodecContext *enc = track->enc;
  int frame_size = enc->frame_size > 0 ? enc->frame_size : 1024;
  int ret;

  while (av_audio_fifo_size (track->fifo) >= frame_size ||
         (flush && av_audio_fifo_size (track->fifo) > 0))
    {
      AVFrame *chunk = av_frame_alloc ();
      int n = MIN (av_audio_fifo_size (track->fifo), frame_size);
      gboolean pad = n < frame_size &&
                     !(enc->codec->capabilities & (AV_CODEC_CAP_VARIABLE_FRAME_SIZE | AV_CODEC_CAP_SMALL_LAST_FRAME));

      if (chunk == NULL)
        g_error ("Out of memory while allocating a frame");
      chunk->nb_samples = pad ? frame_size : n;
      chunk->format = enc->sample_fmt;
      chunk->sample_rate = enc->sample_rate;
      if (av_channel_layout_copy (&chunk->ch_layout, &enc->ch_layout) < 0 ||
          av_frame_get_buffer (chunk, 0) < 0)
        g_error ("Out of memory while allocating audio samples");
      if (pad)
        av_samples_set_silence (chunk->extended_data, 0, chunk->nb_samples,
                                enc->ch_layout.nb_channels, enc->sample_fmt);

      if (av_audio_fifo_read (track->fifo, (void **) chunk->extended_data, n) < n)
        {
          av_frame_free (&chunk);
          g_set_error_literal (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_FAILED,
                               _("Lost audio samples while re-encoding"));
          return FALSE;
        }
      chunk->pts = track->next_pts;
      track->next_pts += n;

      ret = avcodec_send_frame (enc, chunk);
      av_frame_free (&chunk);
      if (ret < 0)
        {
          cs_media_set_av_error (error, CS_MEDIA_ERROR_FAILED, ret, _("Cannot encode audio"));
          return FALSE;
        }
      if (!drain_audio_encoder (self, track, error))
        return FALSE;
    }

  if (flush)
    {
      ret = avcodec_send_frame (enc, NULL);
      if (ret < 0 && ret != AVERROR_EOF)
        {
          cs_media_set_av_error (error, CS_MEDIA_ERROR_FAILED, ret, _("Cannot finish the audio"));
          return FALSE;
        }
      return drain_audio_encoder (self, track, error);
    }

  return TRUE;
}

/* Feeds the samples of a decoded frame that fall inside the range to the FIFO,
 * resampling only when the encoder wants another rate, format or layout. */
static gboolean
queue_decoded_audio (CsEncoder   *self,
                     AudioTrack  *track,
                     AVFrame     *frame,
                     GError     **error)
{
  AVCodecContext *enc = track->enc;
  g_autofree uint8_t **in = NULL;
  gint64 frame_start, skip, end, keep;
  int bps, planes;

  if (frame->best_effort_timestamp == AV_NOPTS_VALUE)
    frame_start = self->range_start + (track->next_pts >= 0
                                       ? av_rescale (track->next_pts + av_audio_fifo_size (track->fifo),
                                                     AV_TIME_BASE, enc->sample_rate)
                                       : 0);
  else
    frame_start = av_rescale_q (frame->best_effort_timestamp, track->in_time_base, AV_TIME_BASE_Q);

  skip = MAX (0, av_rescale (self->range_start - frame_start, frame->sample_rate, AV_TIME_BASE));
  end = self->audio_end_rel == G_MAXINT64
        ? frame->nb_samples
        : av_rescale (self->range_start + self->audio_end_rel - frame_start, frame->sample_rate, AV_TIME_BASE);
  keep = MIN (frame->nb_samples, end) - skip;
  if (end <= 0)
    track->done = TRUE;
  if (keep <= 0)
    return TRUE;

  if (track->next_pts < 0)
    track->next_pts = av_rescale (MAX (frame_start, self->range_start) - self->range_start,
                                  enc->sample_rate, AV_TIME_BASE);

  if (!track->swr_checked)
    {
      AVChannelLayout in_layout = { 0 };

      track->swr_checked = TRUE;
      if (frame->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC)
        av_channel_layout_default (&in_layout, frame->ch_layout.nb_channels);
      else if (av_channel_layout_copy (&in_layout, &frame->ch_layout) < 0)
        g_error ("Out of memory while copying a channel layout");

      if (frame->format != enc->sample_fmt || frame->sample_rate != enc->sample_rate ||
          av_channel_layout_compare (&in_layout, &enc->ch_layout) != 0)
        {
          int ret = swr_alloc_set_opts2 (&track->swr, &enc->ch_layout, enc->sample_fmt, enc->sample_rate,
                                         &in_layout, frame->format, frame->sample_rate, 0, NULL);

          if (ret >= 0)
            ret = swr_init (track->swr);
          if (ret < 0)
            {
              av_channel_layout_uninit (&in_layout);
              cs_media_set_av_error (error, CS_MEDIA_ERROR_FAILED, ret,
                                     _("Cannot convert %d Hz %s audio to %d Hz %s"),
                                     frame->sample_rate, av_get_sample_fmt_name (frame->format),
                                     enc->sample_rate, av_get_sample_fmt_name (enc->sample_fmt));
              return FALSE;
            }
        }
      av_channel_layout_uninit (&in_layout);
    }

  /* Point at the first kept sample of every plane. */
  bps = av_get_bytes_per_sample (frame->format);
  planes = av_sample_fmt_is_planar (frame->format) ? frame->ch_layout.nb_channels : 1;
  in = g_new (uint8_t *, planes);
  for (int p = 0; p < planes; p++)
    in[p] = frame->extended_data[p] + skip * bps * (planes == 1 ? frame->ch_layout.nb_channels : 1);

  if (track->swr == NULL)
    {
      if (av_audio_fifo_write (track->fifo, (void **) in, (int) keep) < keep)
        g_error ("Out of memory while buffering audio");
    }
  else
    {
      uint8_t **out = NULL;
      int capacity = swr_get_out_samples (track->swr, (int) keep);
      int converted;

      if (av_samples_alloc_array_and_samples (&out, NULL, enc->ch_layout.nb_channels, MAX (capacity, 1),
                                              enc->sample_fmt, 0) < 0)
        g_error ("Out of memory while resampling audio");
      converted = swr_convert (track->swr, out, capacity, (const uint8_t **) in, (int) keep);
      if (converted > 0 && av_audio_fifo_write (track->fifo, (void **) out, converted) < converted)
        g_error ("Out of memory while buffering audio");
      av_freep (&out[0]);
      av_freep (&out);
      if (converted < 0)
        {
          cs_media_set_av_error (error, CS_MEDIA_ERROR_FAILED, converted, _("Cannot resample audio"));
          return FALSE;
        }
    }

  return encode_audio_fifo (self, track, FALSE, error);
}

/* Decodes @pkt (NULL drains) and re-encodes what it held. */
static gboolean
transcode_audio_packet (CsEncoder   *self,
                        AudioTrack  *track,
                        AVPacket    *pkt,
                        GError     **error)
{
  int ret = avcodec_send_packet (track->dec, pkt);

  if (ret == AVERROR_INVALIDDATA)
    {
      g_debug ("Skipping a damaged audio packet of %s", self->source);
      return TRUE;
    }
  if (ret < 0 && !(pkt == NULL && ret == AVERROR_EOF))
    {
      cs_media_set_av_error (error, CS_MEDIA_ERROR_CORRUPT, ret,
                             _("Cannot decode audio stream %d"), track->in_index);
      return FALSE;
    }

  for (;;)
    {
      ret = avcodec_receive_frame (track->dec, track->decoded);
      if (ret == AVERROR (EAGAIN) || ret == AVERROR_EOF)
        return TRUE;
      if (ret < 0)
        {
          cs_media_set_av_error (error, CS_MEDIA_ERROR_CORRUPT, ret,
                                 _("Cannot decode audio stream %d"), track->in_index);
          return FALSE;
        }

      ret = queue_decoded_audio (self, track, track->decoded, error);
      av_frame_unref (track->decoded);
      if (!ret)
        return FALSE;
    }
}

static gboolean
copy_audio_packet (CsEncoder   *self,
                   AudioTrack  *track,
                   AVPacket    *pkt,
                   GError     **error)
{
  gint64 ts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
  gint64 shift = av_rescale_q (self->range_start, AV_TIME_BASE_Q, track->in_time_base);
  gint64 rel;

  if (ts == AV_NOPTS_VALUE)
    {
      g_debug ("Dropping an audio packet of %s without a timestamp", self->source);
      return TRUE;
    }

  /* Copied audio is cut on packet boundaries: whole packets that start in range. */
  rel = av_rescale_q (ts, track->in_time_base, AV_TIME_BASE_Q) - self->range_start;
  if (rel < 0)
    return TRUE;
  if (rel >= self->audio_end_rel)
    {
      track->done = TRUE;
      return TRUE;
    }

  if (pkt->pts != AV_NOPTS_VALUE)
    pkt->pts -= shift;
  if (pkt->dts != AV_NOPTS_VALUE)
    pkt->dts -= shift;
  av_packet_rescale_ts (pkt, track->in_time_base, track->out->time_base);
  pkt->stream_index = track->out->index;
  pkt->pos = -1;

  return write_packet (self, pkt, error);
}

static gboolean
all_tracks_done (CsEncoder *self)
{
  for (guint i = 0; i < self->tracks->len; i++)
    if (!((AudioTrack *) g_ptr_array_index (self->tracks, i))->done)
      return FALSE;

  return TRUE;
}

/* Writes source audio up to @limit_us after the range start, so that audio and video
 * reach the muxer side by side. */
static gboolean
write_audio_until (CsEncoder  *self,
                   gint64      limit_us,
                   GError    **error)
{
  while (!self->audio_eof && self->tracks->len > 0)
    {
      AudioTrack *track;
      gint64 ts;
      gboolean ok;

      if (!self->apkt_pending)
        {
          int ret = av_read_frame (self->asrc, self->apkt);

          if (ret < 0)
            {
              if (ret != AVERROR_EOF)
                g_debug ("Reading the audio of %s stopped early", self->source);
              self->audio_eof = TRUE;
              break;
            }
          if (track_for_stream (self, self->apkt->stream_index) == NULL)
            {
              av_packet_unref (self->apkt);
              continue;
            }
          self->apkt_pending = TRUE;
        }

      track = track_for_stream (self, self->apkt->stream_index);
      ts = self->apkt->pts != AV_NOPTS_VALUE ? self->apkt->pts : self->apkt->dts;
      if (ts != AV_NOPTS_VALUE &&
          av_rescale_q (ts, track->in_time_base, AV_TIME_BASE_Q) - self->range_start > limit_us)
        break;

      if (track->done)
        ok = TRUE;
      else if (track->copy)
        ok = copy_audio_packet (self, track, self->apkt, error);
      else
        ok = transcode_audio_packet (self, track, self->apkt, error);
      av_packet_unref (self->apkt);
      self->apkt_pending = FALSE;
      if (!ok)
        return FALSE;

      if (all_tracks_done (self))
        self->audio_eof = TRUE;
    }

  return TRUE;
}

static gboolean
finish_audio (CsEncoder  *self,
              GError    **error)
{
  gint64 video_us = av_rescale_q (self->frames_in, av_inv_q (self->frame_rate), AV_TIME_BASE_Q);

  self->audio_end_rel = MIN (self->audio_end_rel, video_us);
  if (!write_audio_until (self, G_MAXINT64, error))
    return FALSE;

  for (guint i = 0; i < self->tracks->len; i++)
    {
      AudioTrack *track = g_ptr_array_index (self->tracks, i);

      if (track->copy)
        continue;
      if (!transcode_audio_packet (self, track, NULL, error))
        return FALSE;
      if (track->swr != NULL)
        {
          uint8_t **out = NULL;
          int capacity = MAX (swr_get_out_samples (track->swr, 0), 1);
          int converted;

          if (av_samples_alloc_array_and_samples (&out, NULL, track->enc->ch_layout.nb_channels, capacity,
                                                  track->enc->sample_fmt, 0) < 0)
            g_error ("Out of memory while resampling audio");
          converted = swr_convert (track->swr, out, capacity, NULL, 0);
          if (converted > 0 && av_audio_fifo_write (track->fifo, (void **) out, converted) < converted)
            g_error ("Out of memory while buffering audio");
          av_freep (&out[0]);
          av_freep (&out);
        }
      /* Nothing reached the encoder when the range held no audio of this stream. */
      if (track->next_pts < 0)
        track->next_pts = 0;
      if (!encode_audio_fifo (self, track, TRUE, error))
        return FALSE;
    }

  return TRUE;
}

/* The encoder thread ------------------------------------------------------------- */

static void
report_progress (CsEncoder *self)
{
  double fraction = 0.0, eta = -1.0;

  if (self->total_frames > 0)
    {
      double elapsed = (g_get_monotonic_time () - self->started_us) / (double) G_USEC_PER_SEC;

      fraction = MIN (1.0, (double) self->frames_out / self->total_frames);
      if (fraction > 0.0)
        eta = elapsed * (1.0 - fraction) / fraction;
    }

  g_mutex_lock (&self->lock);
  self->fraction = fraction;
  self->eta = eta;
  g_mutex_unlock (&self->lock);

  if (self->progress_func != NULL)
    self->progress_func (self, fraction, eta, self->progress_data);
}

static gboolean
drain_video_encoder (CsEncoder  *self,
                     GError    **error)
{
  for (;;)
    {
      gint64 video_us;
      int ret = avcodec_receive_packet (self->venc, self->pkt);

      if (ret == AVERROR (EAGAIN) || ret == AVERROR_EOF)
        return TRUE;
      if (ret < 0)
        {
          cs_media_set_av_error (error, CS_MEDIA_ERROR_FAILED, ret,
                                 _("The %s encoder failed"), self->vcodec->name);
          return FALSE;
        }

      av_packet_rescale_ts (self->pkt, self->venc->time_base, self->vstream->time_base);
      self->pkt->stream_index = self->vstream->index;

      video_us = av_rescale_q (self->pkt->dts != AV_NOPTS_VALUE ? self->pkt->dts : self->pkt->pts,
                               self->vstream->time_base, AV_TIME_BASE_Q);
      if (!write_audio_until (self, video_us, error))
        return FALSE;
      if (!write_packet (self, self->pkt, error))
        return FALSE;

      self->frames_out++;
      report_progress (self);
    }
}

static gboolean
encode_video_frame (CsEncoder  *self,
                    AVFrame    *frame,
                    GError    **error)
{
  AVFrame *send = frame;
  int ret;

  if (frame != NULL &&
      (frame->format != self->venc->pix_fmt || frame->width != self->venc->width ||
       frame->height != self->venc->height))
    {
      const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get (frame->format);
      gboolean rgb_in = desc != NULL && (desc->flags & AV_PIX_FMT_FLAG_RGB);
      enum AVColorSpace out_space = self->venc->colorspace;
      enum AVColorSpace in_space = frame->colorspace;
      int *inv_table, *table, src_range, dst_range, brightness, contrast, saturation;

      self->sws = sws_getCachedContext (self->sws, frame->width, frame->height, frame->format,
                                        self->venc->width, self->venc->height, self->venc->pix_fmt,
                                        SWS_BICUBIC, NULL, NULL, NULL);
      if (self->sws == NULL)
        {
          g_set_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_INVALID_ARGUMENT,
                       _("Cannot convert %d×%d %s frames to %d×%d %s"),
                       frame->width, frame->height, desc != NULL ? desc->name : "?",
                       self->venc->width, self->venc->height,
                       av_get_pix_fmt_name (self->venc->pix_fmt));
          return FALSE;
        }

      /* An untagged output gets the matrix players assume: BT.709 above SD. */
      if (out_space == AVCOL_SPC_UNSPECIFIED)
        out_space = self->venc->height > 576 ? AVCOL_SPC_BT709 : AVCOL_SPC_SMPTE170M;
      if (in_space == AVCOL_SPC_UNSPECIFIED)
        in_space = out_space;
      if (sws_getColorspaceDetails (self->sws, &inv_table, &src_range, &table, &dst_range,
                                    &brightness, &contrast, &saturation) < 0 ||
          sws_setColorspaceDetails (self->sws, sws_getCoefficients (in_space),
                                    rgb_in || frame->color_range == AVCOL_RANGE_JPEG,
                                    sws_getCoefficients (out_space),
                                    self->venc->color_range == AVCOL_RANGE_JPEG,
                                    brightness, contrast, saturation) < 0)
        g_debug ("Converting %s frames keeps swscale's default colour matrix",
                 desc != NULL ? desc->name : "?");

      if (self->converted == NULL)
        {
          self->converted = av_frame_alloc ();
          if (self->converted == NULL)
            g_error ("Out of memory while allocating a frame");
          self->converted->format = self->venc->pix_fmt;
          self->converted->width = self->venc->width;
          self->converted->height = self->venc->height;
          ret = av_frame_get_buffer (self->converted, 0);
          if (ret < 0)
            g_error ("Out of memory while allocating a frame");
        }
      /* The encoder may still hold the previous picture. */
      ret = av_frame_make_writable (self->converted);
      if (ret < 0)
        g_error ("Out of memory while allocating a frame");

      ret = sws_scale (self->sws, (const uint8_t * const *) frame->data, frame->linesize, 0, frame->height,
                       self->converted->data, self->converted->linesize);
      if (ret <= 0)
        {
          cs_media_set_av_error (error, CS_MEDIA_ERROR_FAILED, ret < 0 ? ret : AVERROR_BUG,
                                 _("Cannot convert a frame for the encoder"));
          return FALSE;
        }
      send = self->converted;
    }

  if (send != NULL)
    {
      /* A decoded frame's type would force keyframes where the source had them, and
       * its side data describes the source, not this file. */
      send->pict_type = AV_PICTURE_TYPE_NONE;
      while (send->nb_side_data > 0)
        av_frame_remove_side_data (send, send->side_data[0]->type);
      send->color_range = self->venc->color_range;
      send->colorspace = self->venc->colorspace;
      send->color_primaries = self->venc->color_primaries;
      send->color_trc = self->venc->color_trc;
      send->sample_aspect_ratio = self->venc->sample_aspect_ratio;
      send->pts = self->frames_in++;
    }

  ret = avcodec_send_frame (self->venc, send);
  if (ret < 0)
    {
      cs_media_set_av_error (error, CS_MEDIA_ERROR_FAILED, ret,
                             _("The %s encoder refused a frame"), self->vcodec->name);
      return FALSE;
    }

  return drain_video_encoder (self, error);
}

static gboolean
is_cancelled (CsEncoder *self)
{
  gboolean cancelled;

  g_mutex_lock (&self->lock);
  cancelled = self->cancelled;
  g_mutex_unlock (&self->lock);

  return cancelled;
}

static void
set_cancelled_error (CsEncoder  *self,
                     GError    **error)
{
  g_autofree char *name = g_filename_display_basename (self->destination);

  g_set_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_CANCELLED,
               _("The export was cancelled; “%s” was left as it was"), name);
}

/* Writes the trailer, closes the file and moves it over the destination. */
static gboolean
complete_output (CsEncoder  *self,
                 GError    **error)
{
  int ret;
  int fd;

  ret = av_write_trailer (self->out);
  if (ret < 0)
    {
      set_write_error (self, ret, error);
      return FALSE;
    }

  ret = avio_closep (&self->out->pb);
  if (ret < 0)
    {
      set_write_error (self, ret, error);
      return FALSE;
    }

  /* The data must be on disk before the rename makes it the destination. */
  fd = g_open (self->temp_path, O_RDONLY, 0);
  if (fd < 0 || fsync (fd) != 0)
    {
      int errsv = errno;

      if (fd >= 0)
        close (fd);
      set_write_error (self, AVERROR (errsv), error);
      return FALSE;
    }
  close (fd);

  if (is_cancelled (self))
    {
      set_cancelled_error (self, error);
      return FALSE;
    }

  if (g_rename (self->temp_path, self->destination) != 0)
    {
      int errsv = errno;

      set_write_error (self, AVERROR (errsv), error);
      return FALSE;
    }
  g_clear_pointer (&self->temp_path, g_free);

  return TRUE;
}

/* Drops the half-written file: the destination never sees it. */
static void
discard_output (CsEncoder *self)
{
  if (self->out != NULL && self->out->pb != NULL)
    avio_closep (&self->out->pb);

  if (self->temp_path != NULL)
    {
      if (g_unlink (self->temp_path) != 0 && errno != ENOENT)
        g_warning ("Cannot delete the unfinished export %s: %s", self->temp_path, g_strerror (errno));
      g_clear_pointer (&self->temp_path, g_free);
    }
}

static gpointer
cs_encoder_worker (gpointer data)
{
  CsEncoder *self = data;
  g_autoptr(GError) error = NULL;
  gboolean ok = TRUE;

  for (;;)
    {
      AVFrame *frame;
      gboolean finishing;

      g_mutex_lock (&self->lock);
      while (g_queue_is_empty (&self->queue) && !self->finishing && !self->cancelled)
        g_cond_wait (&self->cond, &self->lock);
      frame = g_queue_pop_head (&self->queue);
      finishing = self->finishing;
      ok = !self->cancelled;
      g_cond_broadcast (&self->cond);
      g_mutex_unlock (&self->lock);

      if (!ok)
        {
          av_frame_free (&frame);
          set_cancelled_error (self, &error);
          break;
        }

      if (frame != NULL)
        {
          ok = encode_video_frame (self, frame, &error);
          av_frame_free (&frame);
          if (!ok)
            break;
          continue;
        }

      if (finishing)
        {
          if (self->frames_in == 0)
            {
              g_set_error_literal (&error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_INVALID_ARGUMENT,
                                   _("No frame was given to export"));
              ok = FALSE;
            }
          else
            ok = encode_video_frame (self, NULL, &error) &&
                 finish_audio (self, &error) &&
                 complete_output (self, &error);
          break;
        }
    }

  if (!ok)
    discard_output (self);

  g_mutex_lock (&self->lock);
  self->done = TRUE;
  if (!ok)
    self->error = g_steal_pointer (&error);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  return NULL;
}

/* Starting ------------------------------------------------------------------------- */

static gboolean
check_destination (CsEncoder  *self,
                   GError    **error)
{
  g_autofree char *name = g_filename_display_basename (self->destination);
  GStatBuf dest_st, src_st;

  if (g_stat (self->destination, &dest_st) != 0)
    return TRUE;

  if (S_ISDIR (dest_st.st_mode))
    {
      g_set_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_WRITE,
                   _("“%s” is a folder; choose a file name to export to"), name);
      return FALSE;
    }

  if (self->source != NULL && g_stat (self->source, &src_st) == 0 &&
      src_st.st_dev == dest_st.st_dev && src_st.st_ino == dest_st.st_ino)
    {
      g_set_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_SAME_FILE,
                   _("“%s” is the clip being exported; choose another file name"), name);
      return FALSE;
    }

  return TRUE;
}

static gboolean
create_temp_file (CsEncoder  *self,
                  GError    **error)
{
  g_autofree char *folder = g_path_get_dirname (self->destination);
  g_autofree char *base = g_path_get_basename (self->destination);
  g_autofree char *template = NULL;
  const char *dot = strrchr (base, '.');
  int fd;

  /* Hidden, beside the destination (so the rename stays on one file system), and
   * with the destination's extension. */
  if (dot != NULL && dot != base)
    {
      g_autofree char *stem = g_strndup (base, dot - base);

      template = g_strdup_printf (".%s.XXXXXX.partial%s", stem, dot);
    }
  else
    template = g_strdup_printf (".%s.XXXXXX.partial", base);

  self->temp_path = g_build_filename (folder, template, NULL);
  fd = g_mkstemp_full (self->temp_path, O_RDWR | O_CLOEXEC, 0666);
  if (fd < 0)
    {
      int errsv = errno;
      g_autofree char *folder_name = g_filename_display_name (folder);

      g_clear_pointer (&self->temp_path, g_free);
      if (errsv == ENOSPC || errsv == EDQUOT)
        g_set_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_NO_SPACE,
                     _("The disk holding “%s” is full: %s"), folder_name, g_strerror (errsv));
      else
        g_set_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_WRITE,
                     _("Cannot write to the folder “%s”: %s"), folder_name, g_strerror (errsv));
      return FALSE;
    }
  close (fd);

  return TRUE;
}

static void
on_cancelled (GCancellable *cancellable,
              CsEncoder    *self)
{
  g_mutex_lock (&self->lock);
  self->cancelled = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

static void
close_contexts (CsEncoder *self)
{
  avcodec_free_context (&self->venc);
  g_clear_pointer (&self->tracks, g_ptr_array_unref);
  if (self->out != NULL && self->out->pb != NULL)
    avio_closep (&self->out->pb);
  avformat_free_context (g_steal_pointer (&self->out));
  avformat_close_input (&self->asrc);
  g_clear_pointer (&self->sws, sws_freeContext);
  av_frame_free (&self->converted);
  av_packet_free (&self->pkt);
  av_packet_free (&self->apkt);
  av_packet_free (&self->aenc_pkt);
}

gboolean
cs_encoder_start (CsEncoder     *self,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autofree char *name = NULL;
  const char *muxer;
  int ret;

  g_return_val_if_fail (CS_IS_ENCODER (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  g_return_val_if_fail (!self->started, FALSE);

  cs_media_init_logging ();
  self->started = TRUE;
  name = g_filename_display_basename (self->destination);

  if (cs_media_set_cancelled (cancellable, error))
    return FALSE;

  if (self->width <= 0 || self->height <= 0 || self->width > 16384 || self->height > 16384)
    {
      g_set_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_INVALID_ARGUMENT,
                   _("Cannot export %d×%d video; the size must be 1 to 16384 pixels each way"),
                   self->width, self->height);
      return FALSE;
    }
  if (self->frame_rate.num <= 0 || self->frame_rate.den <= 0)
    {
      g_set_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_INVALID_ARGUMENT,
                   _("Cannot export at %d/%d frames per second"),
                   self->frame_rate.num, self->frame_rate.den);
      return FALSE;
    }
  if (self->range_end >= 0 && self->range_end <= self->range_start)
    {
      g_set_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_INVALID_ARGUMENT,
                   _("The time range ends before it starts"));
      return FALSE;
    }

  if (self->container == CS_CONTAINER_AUTO)
    self->container = container_from_path (self->destination);
  if (self->container == CS_CONTAINER_AUTO)
    {
      g_set_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_UNSUPPORTED_FORMAT,
                   _("Cannot tell the format of “%s”; name it .mp4, .mkv or .webm"), name);
      return FALSE;
    }
  if (self->video_codec == CS_VIDEO_CODEC_AUTO)
    self->video_codec = self->container == CS_CONTAINER_WEBM ? CS_VIDEO_CODEC_VP9 : CS_VIDEO_CODEC_H264;

  muxer = self->container == CS_CONTAINER_MP4 ? "mp4" :
          self->container == CS_CONTAINER_WEBM ? "webm" : "matroska";
  self->ofmt = av_guess_format (muxer, NULL, NULL);
  if (self->ofmt == NULL)
    {
      g_set_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_UNSUPPORTED_FORMAT,
                   _("This FFmpeg cannot write %s files"), container_label (self->container));
      return FALSE;
    }

  self->vcodec = find_video_encoder (self->video_codec);
  if (self->vcodec == NULL)
    {
      g_set_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_UNSUPPORTED_CODEC,
                   _("This FFmpeg has no %s encoder; choose another codec"),
                   codec_label (self->video_codec));
      return FALSE;
    }
  if (avformat_query_codec (self->ofmt, self->vcodec->id, FF_COMPLIANCE_NORMAL) != 1)
    {
      g_set_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_UNSUPPORTED_FORMAT,
                   _("%s files cannot hold %s video; choose another codec or format"),
                   container_label (self->container), codec_label (self->video_codec));
      return FALSE;
    }

  if (!check_destination (self, error))
    return FALSE;

  ret = avformat_alloc_output_context2 (&self->out, self->ofmt, NULL, NULL);
  if (ret < 0)
    {
      cs_media_set_av_error (error, CS_MEDIA_ERROR_FAILED, ret, _("Cannot set up the %s muxer"),
                             container_label (self->container));
      return FALSE;
    }

  self->pkt = av_packet_alloc ();
  if (self->pkt == NULL)
    g_error ("Out of memory while allocating a packet");

  if (!open_video (self, error) || !open_audio (self, error))
    goto fail;

  if (!create_temp_file (self, error))
    goto fail;

  /* The MP4 muxer reopens the file by name to move its index to the front. */
  av_freep (&self->out->url);
  self->out->url = av_strdup (self->temp_path);
  if (self->out->url == NULL)
    g_error ("Out of memory while naming the output");

  ret = avio_open (&self->out->pb, self->temp_path, AVIO_FLAG_WRITE);
  if (ret < 0)
    {
      set_write_error (self, ret, error);
      goto fail;
    }

  {
    AVDictionary *opts = NULL;

    /* Put the index first so that players can start before the download ends. */
    if (self->container == CS_CONTAINER_MP4)
      av_dict_set (&opts, "movflags", "+faststart", 0);
    ret = avformat_write_header (self->out, &opts);
    av_dict_free (&opts);
  }
  if (ret < 0)
    {
      if (cs_media_error_code_from_av (ret, CS_MEDIA_ERROR_FAILED) == CS_MEDIA_ERROR_NO_SPACE ||
          ret == AVERROR (EIO))
        set_write_error (self, ret, error);
      else
        cs_media_set_av_error (error, CS_MEDIA_ERROR_UNSUPPORTED_FORMAT, ret,
                               _("Cannot start writing “%s”"), name);
      goto fail;
    }
  self->header_written = TRUE;

  self->audio_end_rel = self->range_end >= 0 ? self->range_end - self->range_start : G_MAXINT64;
  self->started_us = g_get_monotonic_time ();

  if (cancellable != NULL)
    {
      self->cancellable = g_object_ref (cancellable);
      self->cancel_handler = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), self, NULL);
    }

  self->thread = g_thread_try_new ("cs-encoder", cs_encoder_worker, self, error);
  if (self->thread == NULL)
    goto fail;

  return TRUE;

fail:
  discard_output (self);
  close_contexts (self);
  g_mutex_lock (&self->lock);
  self->done = TRUE;
  g_mutex_unlock (&self->lock);
  return FALSE;
}

/* Feeding and finishing -------------------------------------------------------------- */

gboolean
cs_encoder_push_frame (CsEncoder     *self,
                       const AVFrame *frame,
                       GError       **error)
{
  AVFrame *copy;

  g_return_val_if_fail (CS_IS_ENCODER (self), FALSE);
  g_return_val_if_fail (frame != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  g_return_val_if_fail (self->started, FALSE);

  g_mutex_lock (&self->lock);
  while ((int) g_queue_get_length (&self->queue) >= self->queue_size && !self->done && !self->cancelled)
    g_cond_wait (&self->cond, &self->lock);

  if (self->cancelled || self->done || self->finishing)
    {
      if (self->error != NULL)
        g_propagate_error (error, g_error_copy (self->error));
      else if (self->cancelled)
        set_cancelled_error (self, error);
      else if (self->thread == NULL && !self->finishing)
        g_set_error_literal (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_INVALID_ARGUMENT,
                             _("The export never started"));
      else
        g_set_error_literal (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_INVALID_ARGUMENT,
                             _("The export is already finished"));
      g_mutex_unlock (&self->lock);
      return FALSE;
    }

  copy = av_frame_clone (frame);
  if (copy == NULL)
    g_error ("Out of memory while queueing a frame");
  g_queue_push_tail (&self->queue, copy);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  return TRUE;
}

static void
stop_thread (CsEncoder *self)
{
  if (self->thread != NULL)
    g_clear_pointer (&self->thread, g_thread_join);

  if (self->cancellable != NULL)
    {
      g_cancellable_disconnect (self->cancellable, self->cancel_handler);
      self->cancel_handler = 0;
      g_clear_object (&self->cancellable);
    }
}

gboolean
cs_encoder_finish (CsEncoder  *self,
                   GError    **error)
{
  gboolean ok;

  g_return_val_if_fail (CS_IS_ENCODER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  g_return_val_if_fail (self->started, FALSE);

  g_mutex_lock (&self->lock);
  self->finishing = TRUE;
  g_cond_broadcast (&self->cond);
  while (!self->done)
    g_cond_wait (&self->cond, &self->lock);
  ok = self->error == NULL;
  if (!ok)
    g_propagate_error (error, g_error_copy (self->error));
  else if (self->thread == NULL)
    {
      /* start() failed: there is nothing to finish. */
      g_set_error_literal (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_INVALID_ARGUMENT,
                           _("The export never started"));
      ok = FALSE;
    }
  g_mutex_unlock (&self->lock);

  stop_thread (self);
  close_contexts (self);

  return ok;
}

double
cs_encoder_get_progress (CsEncoder *self,
                         double    *eta_seconds)
{
  double fraction;

  g_return_val_if_fail (CS_IS_ENCODER (self), 0.0);

  g_mutex_lock (&self->lock);
  fraction = self->fraction;
  if (eta_seconds != NULL)
    *eta_seconds = self->eta;
  g_mutex_unlock (&self->lock);

  return fraction;
}

const char *
cs_encoder_get_encoder_name (CsEncoder *self)
{
  g_return_val_if_fail (CS_IS_ENCODER (self), NULL);

  return self->vcodec != NULL ? self->vcodec->name : NULL;
}

/* Settings --------------------------------------------------------------------------- */

void
cs_encoder_set_source (CsEncoder               *self,
                       const char              *path,
                       const CsVideoStreamInfo *video)
{
  g_return_if_fail (CS_IS_ENCODER (self));
  g_return_if_fail (!self->started);

  g_free (self->source);
  self->source = g_strdup (path);

  if (video == NULL)
    return;

  self->width = video->width;
  self->height = video->height;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WIDTH]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HEIGHT]);
  if (video->frame_rate.num > 0 && video->frame_rate.den > 0)
    self->frame_rate = video->frame_rate;
  self->sample_aspect_ratio = video->sample_aspect_ratio;
  self->rotation = video->rotation;
  self->color_range = video->color_range;
  self->color_space = video->color_space;
  self->color_primaries = video->color_primaries;
  self->color_trc = video->color_trc;
}

void
cs_encoder_set_frame_rate (CsEncoder  *self,
                           AVRational  frame_rate)
{
  g_return_if_fail (CS_IS_ENCODER (self));
  g_return_if_fail (!self->started);

  self->frame_rate = frame_rate;
}

void
cs_encoder_set_range (CsEncoder *self,
                      gint64     start_us,
                      gint64     end_us)
{
  g_return_if_fail (CS_IS_ENCODER (self));
  g_return_if_fail (!self->started);

  self->range_start = start_us;
  self->range_end = end_us;
}

void
cs_encoder_set_progress_func (CsEncoder             *self,
                              CsEncoderProgressFunc  func,
                              gpointer               user_data,
                              GDestroyNotify         destroy)
{
  g_return_if_fail (CS_IS_ENCODER (self));
  g_return_if_fail (!self->started);

  if (self->progress_destroy != NULL)
    self->progress_destroy (self->progress_data);
  self->progress_func = func;
  self->progress_data = user_data;
  self->progress_destroy = destroy;
}

CsEncoder *
cs_encoder_new (const char *destination)
{
  g_return_val_if_fail (destination != NULL, NULL);

  return g_object_new (CS_TYPE_ENCODER, "destination", destination, NULL);
}

static void
cs_encoder_dispose (GObject *object)
{
  CsEncoder *self = CS_ENCODER (object);

  /* Dropped without finishing: same as cancelling. */
  if (self->thread != NULL)
    {
      g_mutex_lock (&self->lock);
      self->cancelled = TRUE;
      g_cond_broadcast (&self->cond);
      g_mutex_unlock (&self->lock);
    }
  stop_thread (self);
  discard_output (self);
  close_contexts (self);

  if (self->progress_destroy != NULL)
    self->progress_destroy (self->progress_data);
  self->progress_destroy = NULL;
  self->progress_func = NULL;

  G_OBJECT_CLASS (cs_encoder_parent_class)->dispose (object);
}

static void
cs_encoder_finalize (GObject *object)
{
  CsEncoder *self = CS_ENCODER (object);
  AVFrame *frame;

  while ((frame = g_queue_pop_head (&self->queue)) != NULL)
    av_frame_free (&frame);
  g_clear_error (&self->error);
  g_free (self->destination);
  g_free (self->source);
  g_free (self->temp_path);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (cs_encoder_parent_class)->finalize (object);
}

static void
cs_encoder_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  CsEncoder *self = CS_ENCODER (object);

  switch (prop_id)
    {
    case PROP_DESTINATION: g_value_set_string (value, self->destination); break;
    case PROP_CONTAINER: g_value_set_enum (value, self->container); break;
    case PROP_VIDEO_CODEC: g_value_set_enum (value, self->video_codec); break;
    case PROP_WIDTH: g_value_set_int (value, self->width); break;
    case PROP_HEIGHT: g_value_set_int (value, self->height); break;
    case PROP_CRF: g_value_set_int (value, self->crf); break;
    case PROP_BIT_RATE: g_value_set_int64 (value, self->bit_rate); break;
    case PROP_PIXEL_FORMAT: g_value_set_int (value, self->pixel_format); break;
    case PROP_TOTAL_FRAMES: g_value_set_int64 (value, self->total_frames); break;
    case PROP_AUDIO: g_value_set_boolean (value, self->audio); break;
    case PROP_QUEUE_SIZE: g_value_set_int (value, self->queue_size); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cs_encoder_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  CsEncoder *self = CS_ENCODER (object);

  if (self->started)
    {
      g_critical ("%s: “%s” cannot change once the encoder started", G_STRFUNC, pspec->name);
      return;
    }

  switch (prop_id)
    {
    case PROP_DESTINATION:
      g_free (self->destination);
      self->destination = g_value_dup_string (value);
      break;
    case PROP_CONTAINER: self->container = g_value_get_enum (value); break;
    case PROP_VIDEO_CODEC: self->video_codec = g_value_get_enum (value); break;
    case PROP_WIDTH: self->width = g_value_get_int (value); break;
    case PROP_HEIGHT: self->height = g_value_get_int (value); break;
    case PROP_CRF: self->crf = g_value_get_int (value); break;
    case PROP_BIT_RATE: self->bit_rate = g_value_get_int64 (value); break;
    case PROP_PIXEL_FORMAT: self->pixel_format = g_value_get_int (value); break;
    case PROP_TOTAL_FRAMES: self->total_frames = g_value_get_int64 (value); break;
    case PROP_AUDIO: self->audio = g_value_get_boolean (value); break;
    case PROP_QUEUE_SIZE: self->queue_size = g_value_get_int (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cs_encoder_class_init (CsEncoderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  object_class->dispose = cs_encoder_dispose;
  object_class->finalize = cs_encoder_finalize;
  object_class->get_property = cs_encoder_get_property;
  object_class->set_property = cs_encoder_set_property;

  properties[PROP_DESTINATION] =
    g_param_spec_string ("destination", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONTAINER] =
    g_param_spec_enum ("container", NULL, NULL, CS_TYPE_CONTAINER, CS_CONTAINER_AUTO, rw);
  properties[PROP_VIDEO_CODEC] =
    g_param_spec_enum ("video-codec", NULL, NULL, CS_TYPE_VIDEO_CODEC, CS_VIDEO_CODEC_AUTO, rw);
  properties[PROP_WIDTH] =
    g_param_spec_int ("width", NULL, NULL, 0, G_MAXINT, 0, rw);
  properties[PROP_HEIGHT] =
    g_param_spec_int ("height", NULL, NULL, 0, G_MAXINT, 0, rw);
  /* -1 keeps each encoder's own default quality. */
  properties[PROP_CRF] =
    g_param_spec_int ("crf", NULL, NULL, -1, 63, -1, rw);
  /* Bits per second; 0 encodes for constant quality (CRF) instead. */
  properties[PROP_BIT_RATE] =
    g_param_spec_int64 ("bit-rate", NULL, NULL, 0, G_MAXINT64, 0, rw);
  /* An AVPixelFormat; AV_PIX_FMT_NONE (-1) picks yuv420p. */
  properties[PROP_PIXEL_FORMAT] =
    g_param_spec_int ("pixel-format", NULL, NULL, AV_PIX_FMT_NONE, G_MAXINT, AV_PIX_FMT_NONE, rw);
  /* How many frames will come, for progress; 0 when unknown. */
  properties[PROP_TOTAL_FRAMES] =
    g_param_spec_int64 ("total-frames", NULL, NULL, 0, G_MAXINT64, 0, rw);
  /* Copy (or convert, where the container needs it) every audio stream of the source. */
  properties[PROP_AUDIO] =
    g_param_spec_boolean ("audio", NULL, NULL, TRUE, rw);
  properties[PROP_QUEUE_SIZE] =
    g_param_spec_int ("queue-size", NULL, NULL, 1, 256, DEFAULT_QUEUE_SIZE, rw);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cs_encoder_init (CsEncoder *self)
{
  self->crf = -1;
  self->pixel_format = AV_PIX_FMT_NONE;
  self->audio = TRUE;
  self->queue_size = DEFAULT_QUEUE_SIZE;
  self->frame_rate = av_make_q (25, 1);
  self->sample_aspect_ratio = av_make_q (0, 1);
  /* Zero would mean RGB for the matrix and "reserved" for the others. */
  self->color_range = AVCOL_RANGE_UNSPECIFIED;
  self->color_space = AVCOL_SPC_UNSPECIFIED;
  self->color_primaries = AVCOL_PRI_UNSPECIFIED;
  self->color_trc = AVCOL_TRC_UNSPECIFIED;
  self->range_end = -1;
  self->audio_end_rel = G_MAXINT64;
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  g_queue_init (&self->queue);
}
