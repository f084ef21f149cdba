/* cs-decoder.c: frame-exact video decoding on a worker thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "cs-media-private.h"
#include "cs-decoder.h"

#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#define DEFAULT_PREFETCH 4

/* Seeks that land after the target step back this many times, each twice as far,
 * before decoding from the very start. */
#define SEEK_RETRIES 4

/* A thumbnail tries this many keyframes before giving up on a damaged stretch. */
#define THUMBNAIL_KEYFRAME_TRIES 8

struct _CsDecoder {
  GObject          parent_instance;

  char            *path;
  int              prefetch;
  CsMediaInfo     *info;
  CsVideoStreamInfo *video;
  CsFrameIndex    *index;
  int              stream_index;
  AVRational       time_base;
  AVRational       frame_rate;
  gint64           n_frames;
  /* Timestamp of frame 0: places frames by frame rate when the index has no pts. */
  gint64           origin_pts;

  /* Decoding state: the caller's thread owns it during construction, then the worker. */
  AVFormatContext *fmt;
  AVCodecContext  *codec;
  AVPacket        *pkt;
  AVFrame         *frame;
  gboolean         demux_eof;
  gboolean         drained;
  gint64           last_index;

  /* Shared with the worker, under lock. */
  GMutex           lock;
  GCond            cond;
  GThread         *thread;
  GQueue           queue;
  gint             generation;  /* also read atomically by the worker between frames */
  gboolean         seek_pending;
  gint64           seek_target;
  gboolean         eos;
  GError          *worker_error;
  gboolean         quit;

  /* Thumbnails: their own demuxer and keyframe-only decoder, under thumb_lock. */
  GMutex           thumb_lock;
  AVFormatContext *thumb_fmt;
  AVCodecContext  *thumb_codec;
  struct SwsContext *thumb_sws;
};

static void cs_decoder_initable_iface_init (GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CsDecoder, cs_decoder, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, cs_decoder_initable_iface_init))

enum {
  PROP_0,
  PROP_PATH,
  PROP_PREFETCH,
  PROP_INFO,
  PROP_N_FRAMES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Frame index to timestamp and back ------------------------------------------------ */

static gint64
pts_for_index (CsDecoder *self,
               gint64     index)
{
  if (self->index->pts != NULL)
    return g_array_index (self->index->pts, gint64, CLAMP (index, 0, (gint64) self->index->pts->len - 1));

  return self->origin_pts + av_rescale_q (index, av_inv_q (self->frame_rate), self->time_base);
}

static gint64
index_for_pts (CsDecoder *self,
               gint64     ts,
               gint64     fallback)
{
  GArray *pts = self->index->pts;
  gint64 lo, hi;

  if (ts == AV_NOPTS_VALUE)
    return fallback;

  if (pts == NULL)
    return av_rescale_q_rnd (ts - self->origin_pts, self->time_base, av_inv_q (self->frame_rate),
                             AV_ROUND_NEAR_INF | AV_ROUND_PASS_MINMAX);

  /* First entry at or after ts, then whichever neighbour is closer. */
  lo = 0;
  hi = pts->len;
  while (lo < hi)
    {
      gint64 mid = lo + (hi - lo) / 2;

      if (g_array_index (pts, gint64, mid) < ts)
        lo = mid + 1;
      else
        hi = mid;
    }

  if (lo == (gint64) pts->len)
    return lo - 1;
  if (lo > 0 && ts - g_array_index (pts, gint64, lo - 1) < g_array_index (pts, gint64, lo) - ts)
    return lo - 1;

  return lo;
}

/* The last keyframe at or before @index, or -1 when the index does not know. */
static gint64
keyframe_before (CsDecoder *self,
                 gint64     index)
{
  GArray *keys = self->index->keyframes;
  gint64 found = -1;
  gint64 lo = 0, hi = (gint64) keys->len - 1;

  while (lo <= hi)
    {
      gint64 mid = lo + (hi - lo) / 2;

      if (g_array_index (keys, gint64, mid) <= index)
        {
          found = g_array_index (keys, gint64, mid);
          lo = mid + 1;
        }
      else
        hi = mid - 1;
    }

  return found;
}

gint64
cs_decoder_get_frame_time_us (CsDecoder *self,
                              gint64     index)
{
  g_return_val_if_fail (CS_IS_DECODER (self), 0);

  return av_rescale_q (pts_for_index (self, index), self->time_base, AV_TIME_BASE_Q);
}

gint64
cs_decoder_get_index_at_time (CsDecoder *self,
                              gint64     time_us)
{
  gint64 index;

  g_return_val_if_fail (CS_IS_DECODER (self), 0);

  /* Start from the nearest frame, then settle on the last one not after time_us, so
   * rounding between time bases never puts a frame's own time on its predecessor. */
  index = index_for_pts (self, av_rescale_q (time_us, AV_TIME_BASE_Q, self->time_base), 0);
  index = CLAMP (index, 0, self->n_frames - 1);
  while (index > 0 && cs_decoder_get_frame_time_us (self, index) > time_us)
    index--;
  while (index + 1 < self->n_frames && cs_decoder_get_frame_time_us (self, index + 1) <= time_us)
    index++;

  return index;
}

/* Decoding (caller's thread during init, the worker afterwards) -------------------- */

static gboolean
superseded (CsDecoder *self,
            gint       generation)
{
  return g_atomic_int_get (&self->generation) != generation || g_atomic_int_get (&self->quit);
}

/* Reads the next packet of the video stream into self->pkt. */
static int
read_video_packet (CsDecoder *self)
{
  int ret;

  for (;;)
    {
      ret = av_read_frame (self->fmt, self->pkt);
      if (ret < 0)
        return ret;
      if (self->pkt->stream_index == self->stream_index)
        return 0;
      av_packet_unref (self->pkt);
    }
}

/* Decodes the next frame into self->frame. Returns 1 with a frame, 0 at the end of the
 * stream, a negative AVERROR with @error set on failure. */
static int
decode_frame (CsDecoder  *self,
              GError    **error)
{
  int ret;

  for (;;)
    {
      ret = avcodec_receive_frame (self->codec, self->frame);
      if (ret >= 0)
        return 1;
      if (ret == AVERROR_EOF)
        {
          self->drained = TRUE;
          return 0;
        }
      if (ret != AVERROR (EAGAIN))
        {
          g_autofree char *name = g_filename_display_basename (self->path);

          cs_media_set_av_error (error, CS_MEDIA_ERROR_CORRUPT, ret,
                                 _("Cannot decode the video of “%s”"), name);
          return ret;
        }

      /* The decoder needs more input; once drained it must not ask again. */
      if (self->demux_eof)
        {
          self->drained = TRUE;
          return 0;
        }
      ret = read_video_packet (self);
      if (ret < 0)
        {
          /* A damaged tail reads as the end: the frames before it stay usable, as the
           * packet scan that counted the frames stopped at the same place. */
          if (ret != AVERROR_EOF)
            {
              char errbuf[AV_ERROR_MAX_STRING_SIZE];

              av_strerror (ret, errbuf, sizeof errbuf);
              g_debug ("Reading %s stopped early: %s", self->path, errbuf);
            }
          self->demux_eof = TRUE;
          ret = avcodec_send_packet (self->codec, NULL);
          if (ret < 0 && ret != AVERROR_EOF)
            {
              cs_media_set_av_error (error, CS_MEDIA_ERROR_FAILED, ret,
                                     _("Cannot flush the video decoder"));
              return ret;
            }
          continue;
        }

      ret = avcodec_send_packet (self->codec, self->pkt);
      av_packet_unref (self->pkt);
      /* A damaged packet costs one frame, not the clip: skip it as players do. */
      if (ret == AVERROR_INVALIDDATA)
        g_debug ("Skipping a damaged packet of %s", self->path);
      else if (ret < 0)
        {
          g_autofree char *name = g_filename_display_basename (self->path);

          cs_media_set_av_error (error, CS_MEDIA_ERROR_CORRUPT, ret,
                                 _("Cannot decode the video of “%s”"), name);
          return ret;
        }
    }
}

/* Wraps the frame in self->frame with its index and releases the decoder's copy. */
static CsFrame *
take_frame (CsDecoder *self)
{
  CsFrame *frame;
  gint64 index;

  index = index_for_pts (self, self->frame->best_effort_timestamp, self->last_index + 1);
  self->last_index = index;
  /* Frames drained at the end of AVI streams come without a timestamp. */
  if (self->frame->best_effort_timestamp == AV_NOPTS_VALUE)
    self->frame->best_effort_timestamp = pts_for_index (self, index);
  frame = cs_frame_new (self->frame, index, self->time_base);
  av_frame_unref (self->frame);

  return frame;
}

static void
reset_decoder (CsDecoder *self)
{
  avcodec_flush_buffers (self->codec);
  self->demux_eof = FALSE;
  self->drained = FALSE;
  self->last_index = -1;
}

static gboolean
open_decoding (CsDecoder  *self,
               GError    **error)
{
  self->fmt = cs_media_open_input (self->path, error);
  if (self->fmt == NULL)
    return FALSE;

  if (self->stream_index >= (int) self->fmt->nb_streams)
    {
      g_set_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_FAILED,
                   _("“%s” changed while it was being opened"), self->path);
      return FALSE;
    }

  for (guint i = 0; i < self->fmt->nb_streams; i++)
    self->fmt->streams[i]->discard = (int) i == self->stream_index ? AVDISCARD_DEFAULT : AVDISCARD_ALL;

  return TRUE;
}

/* Positions the demuxer for frame @target: the keyframe at or before @seek_ts, or the
 * very start when @from_start (reopening the file, which works for every format). */
static gboolean
position_demuxer (CsDecoder  *self,
                  gint64      seek_ts,
                  gboolean    from_start,
                  GError    **error)
{
  int ret;

  if (!from_start)
    {
      ret = avformat_seek_file (self->fmt, self->stream_index, INT64_MIN, seek_ts, seek_ts, 0);
      if (ret >= 0)
        {
          reset_decoder (self);
          return TRUE;
        }
      g_debug ("Seek to %" G_GINT64_FORMAT " in %s failed; rewinding", seek_ts, self->path);
    }

  avformat_close_input (&self->fmt);
  if (!open_decoding (self, error))
    return FALSE;
  reset_decoder (self);

  return TRUE;
}

/* Decodes exactly frame @target. Returns %NULL without error when a newer request
 * superseded this one. */
static CsFrame *
decode_exact (CsDecoder  *self,
              gint64      target,
              gint        generation,
              GError    **error)
{
  g_autofree char *name = g_filename_display_basename (self->path);
  gint64 target_pts = pts_for_index (self, target);
  gint64 step;
  gint64 seek_ts = target_pts;
  int ret;

  /* Going on from the current position is as good as a seek when no keyframe lies
   * between here and the target: a seek would land at or before where we are. */
  if (!self->drained && self->last_index >= 0 && target > self->last_index &&
      (self->index->pts == NULL ? target - self->last_index <= self->prefetch
                                : keyframe_before (self, target) <= self->last_index))
    {
      while ((ret = decode_frame (self, error)) > 0)
        {
          g_autoptr(CsFrame) frame = take_frame (self);

          if (cs_frame_get_index (frame) == target)
            return g_steal_pointer (&frame);
          if (cs_frame_get_index (frame) > target || superseded (self, generation))
            break;
        }
      if (ret < 0)
        return NULL;
      if (superseded (self, generation))
        return NULL;
    }

  /* How far to step back when a seek lands after the target (a keyframe whose
   * decoding timestamp precedes the target but whose presentation does not). */
  step = MAX (av_rescale_q (1, av_make_q (1, 1), self->time_base),
              av_rescale_q (2, av_inv_q (self->frame_rate), self->time_base));

  for (int attempt = 0; attempt <= SEEK_RETRIES; attempt++)
    {
      gboolean from_start = attempt == SEEK_RETRIES;
      gboolean overshot = FALSE;

      if (!position_demuxer (self, seek_ts, from_start, error))
        return NULL;

      while (!overshot)
        {
          g_autoptr(CsFrame) frame = NULL;
          gint64 index;

          if (superseded (self, generation))
            return NULL;

          ret = decode_frame (self, error);
          if (ret < 0)
            return NULL;
          if (ret == 0)
            {
              overshot = TRUE;
              break;
            }

          frame = take_frame (self);
          index = cs_frame_get_index (frame);
          if (index == target)
            return g_steal_pointer (&frame);
          if (index > target)
            overshot = TRUE;
        }

      g_debug ("Seek for frame %" G_GINT64_FORMAT " of %s landed after it (attempt %d)",
               target, self->path, attempt);
      seek_ts = MIN (seek_ts, target_pts) - step;
      step *= 2;
    }

  g_set_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_CORRUPT,
               _("Frame %" G_GINT64_FORMAT " of “%s” cannot be decoded; the file may be damaged"),
               target, name);
  return NULL;
}

/* The worker thread ------------------------------------------------------------------ */

static void
clear_queue (CsDecoder *self)
{
  CsFrame *frame;

  while ((frame = g_queue_pop_head (&self->queue)) != NULL)
    cs_frame_unref (frame);
}

static gpointer
cs_decoder_worker (gpointer data)
{
  CsDecoder *self = data;

  g_mutex_lock (&self->lock);

  while (!self->quit)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CsFrame) frame = NULL;
      gint generation = self->generation;
      int ret = 0;

      if (self->seek_pending)
        {
          gint64 target = self->seek_target;

          self->seek_pending = FALSE;
          g_mutex_unlock (&self->lock);

          frame = decode_exact (self, target, generation, &error);

          g_mutex_lock (&self->lock);
          if (generation == self->generation && !self->seek_pending)
            {
              if (frame != NULL)
                g_queue_push_tail (&self->queue, g_steal_pointer (&frame));
              else if (error != NULL)
                self->worker_error = g_steal_pointer (&error);
              g_cond_broadcast (&self->cond);
            }
          continue;
        }

      if (self->eos || self->worker_error != NULL ||
          (int) g_queue_get_length (&self->queue) >= self->prefetch)
        {
          g_cond_wait (&self->cond, &self->lock);
          continue;
        }

      g_mutex_unlock (&self->lock);
      ret = self->drained ? 0 : decode_frame (self, &error);
      if (ret > 0)
        frame = take_frame (self);
      g_mutex_lock (&self->lock);

      /* A seek asked for meanwhile makes this frame stale. */
      if (generation != self->generation || self->seek_pending)
        continue;

      if (frame != NULL)
        g_queue_push_tail (&self->queue, g_steal_pointer (&frame));
      else if (ret == 0)
        self->eos = TRUE;
      else
        self->worker_error = g_steal_pointer (&error);
      g_cond_broadcast (&self->cond);
    }

  g_mutex_unlock (&self->lock);

  return NULL;
}

static void
on_cancelled (GCancellable *cancellable,
              CsDecoder    *self)
{
  g_mutex_lock (&self->lock);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

/* Waits, with self->lock held, for the worker's next frame, its error or the end. */
static CsFrame *
wait_for_frame (CsDecoder     *self,
                GCancellable  *cancellable,
                GError       **error)
{
  for (;;)
    {
      CsFrame *frame = g_queue_pop_head (&self->queue);

      if (frame != NULL)
        {
          g_cond_broadcast (&self->cond);
          return frame;
        }
      if (self->worker_error != NULL)
        {
          g_propagate_error (error, g_error_copy (self->worker_error));
          return NULL;
        }
      if (self->eos)
        return NULL;
      if (cs_media_set_cancelled (cancellable, error))
        return NULL;

      g_cond_wait (&self->cond, &self->lock);
    }
}

CsFrame *
cs_decoder_next_frame (CsDecoder     *self,
                       GCancellable  *cancellable,
                       GError       **error)
{
  CsFrame *frame;
  gulong handler = 0;

  g_return_val_if_fail (CS_IS_DECODER (self), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (cancellable != NULL)
    handler = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), self, NULL);

  g_mutex_lock (&self->lock);
  frame = wait_for_frame (self, cancellable, error);
  g_mutex_unlock (&self->lock);

  if (cancellable != NULL)
    g_cancellable_disconnect (cancellable, handler);

  return frame;
}

CsFrame *
cs_decoder_seek_frame (CsDecoder     *self,
                       gint64         index,
                       GCancellable  *cancellable,
                       GError       **error)
{
  CsFrame *frame = NULL;
  CsFrame *head, *tail;
  gulong handler = 0;

  g_return_val_if_fail (CS_IS_DECODER (self), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (index < 0 || index >= self->n_frames)
    {
      g_autofree char *name = g_filename_display_basename (self->path);

      g_set_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_INVALID_ARGUMENT,
                   _("Frame %" G_GINT64_FORMAT " is outside “%s”, which has %" G_GINT64_FORMAT " frames"),
                   index, name, self->n_frames);
      return NULL;
    }

  if (cancellable != NULL)
    handler = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), self, NULL);

  g_mutex_lock (&self->lock);

  head = g_queue_peek_head (&self->queue);
  tail = g_queue_peek_tail (&self->queue);
  if (head != NULL && cs_frame_get_index (head) <= index && index <= cs_frame_get_index (tail))
    {
      /* Already decoded ahead: drop what lies before it. */
      while ((frame = g_queue_pop_head (&self->queue)) != NULL && cs_frame_get_index (frame) < index)
        cs_frame_unref (frame);
      g_cond_broadcast (&self->cond);
    }

  if (frame == NULL || cs_frame_get_index (frame) != index)
    {
      g_clear_pointer (&frame, cs_frame_unref);
      g_atomic_int_inc (&self->generation);
      clear_queue (self);
      self->seek_pending = TRUE;
      self->seek_target = index;
      self->eos = FALSE;
      g_clear_error (&self->worker_error);
      g_cond_broadcast (&self->cond);

      frame = wait_for_frame (self, cancellable, error);
      if (frame == NULL && error != NULL && *error == NULL)
        g_set_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_CORRUPT,
                     _("Frame %" G_GINT64_FORMAT " cannot be decoded"), index);
    }

  g_mutex_unlock (&self->lock);

  if (cancellable != NULL)
    g_cancellable_disconnect (cancellable, handler);

  return frame;
}

CsFrame *
cs_decoder_seek_time (CsDecoder     *self,
                      gint64         time_us,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_return_val_if_fail (CS_IS_DECODER (self), NULL);

  return cs_decoder_seek_frame (self, cs_decoder_get_index_at_time (self, time_us),
                                cancellable, error);
}

/* Thumbnails --------------------------------------------------------------------------- */

static gboolean
open_thumbnailer (CsDecoder  *self,
                  GError    **error)
{
  if (self->thumb_codec != NULL)
    return TRUE;

  self->thumb_fmt = cs_media_open_input (self->path, error);
  if (self->thumb_fmt == NULL)
    return FALSE;

  for (guint i = 0; i < self->thumb_fmt->nb_streams; i++)
    self->thumb_fmt->streams[i]->discard = (int) i == self->stream_index ? AVDISCARD_NONKEY : AVDISCARD_ALL;

  /* One thread: frame threads would hold the keyframe back until more input came. */
  self->thumb_codec = cs_media_open_decoder (self->thumb_fmt->streams[self->stream_index], 1, error);
  if (self->thumb_codec == NULL)
    {
      avformat_close_input (&self->thumb_fmt);
      return FALSE;
    }
  self->thumb_codec->skip_frame = AVDISCARD_NONKEY;

  return TRUE;
}

/* Decodes the first keyframe at or after the demuxer's position into @frame. */
static gboolean
decode_keyframe (CsDecoder     *self,
                 AVFrame       *frame,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autofree char *name = g_filename_display_basename (self->path);
  AVPacket *pkt = av_packet_alloc ();
  int tries = 0;
  int ret = 0;

  if (pkt == NULL)
    g_error ("Out of memory while allocating a packet");

  while (tries < THUMBNAIL_KEYFRAME_TRIES)
    {
      if (cs_media_set_cancelled (cancellable, error))
        goto fail;

      ret = av_read_frame (self->thumb_fmt, pkt);
      if (ret < 0)
        break;
      if (pkt->stream_index != self->stream_index || !(pkt->flags & AV_PKT_FLAG_KEY))
        {
          av_packet_unref (pkt);
          continue;
        }

      tries++;
      ret = avcodec_send_packet (self->thumb_codec, pkt);
      av_packet_unref (pkt);
      if (ret < 0)
        {
          avcodec_flush_buffers (self->thumb_codec);
          continue;
        }

      /* Drain at once: the keyframe alone makes the picture. */
      ret = avcodec_send_packet (self->thumb_codec, NULL);
      if (ret < 0 && ret != AVERROR_EOF)
        break;
      ret = avcodec_receive_frame (self->thumb_codec, frame);
      avcodec_flush_buffers (self->thumb_codec);
      if (ret >= 0)
        {
          av_packet_free (&pkt);
          return TRUE;
        }
    }

  cs_media_set_av_error (error, CS_MEDIA_ERROR_CORRUPT, ret < 0 ? ret : AVERROR_INVALIDDATA,
                         _("No keyframe of “%s” could be decoded for a thumbnail"), name);
fail:
  av_packet_free (&pkt);
  return FALSE;
}

/* Turns @src (width × height RGBA) by @rotation degrees clockwise. */
static guint32 *
rotate_rgba (const guint32 *src,
             int            width,
             int            height,
             int            rotation)
{
  guint32 *dst = g_new (guint32, (gsize) width * height);

  for (int r = 0; r < height; r++)
    for (int c = 0; c < width; c++)
      {
        guint32 px = src[(gsize) r * width + c];

        switch (rotation)
          {
          case 90:
            dst[(gsize) c * height + (height - 1 - r)] = px;
            break;
          case 180:
            dst[(gsize) (height - 1 - r) * width + (width - 1 - c)] = px;
            break;
          case 270:
            dst[(gsize) (width - 1 - c) * height + r] = px;
            break;
          default:
            dst[(gsize) r * width + c] = px;
            break;
          }
      }

  return dst;
}

GBytes *
cs_decoder_get_thumbnail (CsDecoder     *self,
                          gint64         index,
                          int            height,
                          int           *width,
                          GCancellable  *cancellable,
                          GError       **error)
{
  g_autofree guint32 *pixels = NULL;
  g_autofree guint32 *turned = NULL;
  GBytes *bytes = NULL;
  AVFrame *frame = NULL;
  int display_w, display_h, out_w, out_h, scaled_w, scaled_h;
  int dst_stride;
  gint64 seek_ts;
  int ret;

  g_return_val_if_fail (CS_IS_DECODER (self), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (height < 1 || height > 4096)
    {
      g_set_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_INVALID_ARGUMENT,
                   _("A thumbnail must be 1 to 4096 pixels high, not %d"), height);
      return NULL;
    }

  index = CLAMP (index, 0, self->n_frames - 1);

  g_mutex_lock (&self->thumb_lock);

  if (!open_thumbnailer (self, error))
    goto out;

  seek_ts = pts_for_index (self, index);
  ret = avformat_seek_file (self->thumb_fmt, self->stream_index, INT64_MIN, seek_ts, seek_ts, 0);
  if (ret < 0)
    {
      /* Streams that cannot seek still give their first keyframe. */
      avformat_close_input (&self->thumb_fmt);
      avcodec_free_context (&self->thumb_codec);
      if (!open_thumbnailer (self, error))
        goto out;
    }
  avcodec_flush_buffers (self->thumb_codec);

  frame = av_frame_alloc ();
  if (frame == NULL)
    g_error ("Out of memory while allocating a frame");

  if (!decode_keyframe (self, frame, cancellable, error))
    goto out;

  cs_video_stream_info_get_display_size (self->video, &display_w, &display_h);
  out_h = height;
  out_w = MAX (1, (int) av_rescale (display_w, height, MAX (display_h, 1)));
  /* The picture is scaled as stored, then turned: a quarter turn swaps the sides. */
  scaled_w = (self->video->rotation % 180) ? out_h : out_w;
  scaled_h = (self->video->rotation % 180) ? out_w : out_h;

  self->thumb_sws = sws_getCachedContext (self->thumb_sws,
                                          frame->width, frame->height, frame->format,
                                          scaled_w, scaled_h, AV_PIX_FMT_RGBA,
                                          SWS_BILINEAR, NULL, NULL, NULL);
  if (self->thumb_sws == NULL)
    {
      g_set_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_UNSUPPORTED_CODEC,
                   _("Cannot convert %s pictures to RGBA"),
                   av_get_pix_fmt_name (frame->format));
      goto out;
    }

  {
    enum AVColorSpace space = frame->colorspace;
    int *inv_table, *table, src_range, dst_range, brightness, contrast, saturation;

    /* Follow the frame's own matrix and range, or, untagged, the matrix players assume
     * (BT.709 above SD); swscale would take BT.601 for everything. RGB sources have no
     * matrix, and swscale says so by refusing. */
    if (space == AVCOL_SPC_UNSPECIFIED)
      space = frame->height > 576 ? AVCOL_SPC_BT709 : AVCOL_SPC_SMPTE170M;
    if (sws_getColorspaceDetails (self->thumb_sws, &inv_table, &src_range, &table, &dst_range,
                                  &brightness, &contrast, &saturation) < 0 ||
        sws_setColorspaceDetails (self->thumb_sws, sws_getCoefficients (space),
                                  frame->color_range == AVCOL_RANGE_JPEG, table, 1,
                                  brightness, contrast, saturation) < 0)
      g_debug ("Thumbnails of %s keep swscale's default colour conversion", self->path);
  }

  pixels = g_new (guint32, (gsize) scaled_w * scaled_h);
  dst_stride = scaled_w * 4;
  {
    uint8_t *dst[4] = { (uint8_t *) pixels, NULL, NULL, NULL };
    int dst_linesize[4] = { dst_stride, 0, 0, 0 };

    ret = sws_scale (self->thumb_sws, (const uint8_t * const *) frame->data, frame->linesize,
                     0, frame->height, dst, dst_linesize);
    if (ret <= 0)
      {
        cs_media_set_av_error (error, CS_MEDIA_ERROR_FAILED, ret < 0 ? ret : AVERROR_BUG,
                               _("Cannot scale a thumbnail"));
        goto out;
      }
  }

  if (self->video->rotation != 0)
    {
      turned = rotate_rgba (pixels, scaled_w, scaled_h, self->video->rotation);
      bytes = g_bytes_new_take (g_steal_pointer (&turned), (gsize) out_w * out_h * 4);
    }
  else
    bytes = g_bytes_new_take (g_steal_pointer (&pixels), (gsize) out_w * out_h * 4);

  if (width != NULL)
    *width = out_w;

out:
  av_frame_free (&frame);
  g_mutex_unlock (&self->thumb_lock);

  return bytes;
}

/* Construction ----------------------------------------------------------------------- */

static gboolean
cs_decoder_initable_init (GInitable     *initable,
                          GCancellable  *cancellable,
                          GError       **error)
{
  CsDecoder *self = CS_DECODER (initable);
  g_autofree char *name = NULL;
  AVFormatContext *probe_fmt;
  CsFrame *first;
  int ret;

  if (self->path == NULL)
    {
      g_set_error_literal (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_INVALID_ARGUMENT,
                           _("No file was given to decode"));
      return FALSE;
    }
  name = g_filename_display_basename (self->path);

  probe_fmt = cs_media_open_input (self->path, error);
  if (probe_fmt == NULL)
    return FALSE;
  self->info = cs_media_info_new_from_context (probe_fmt, self->path, &self->index, cancellable, error);
  avformat_close_input (&probe_fmt);
  if (self->info == NULL)
    return FALSE;

  if (self->info->video == NULL)
    {
      g_set_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_NO_VIDEO,
                   g_dngettext (GETTEXT_PACKAGE,
                                "“%s” has no video, only %u audio stream",
                                "“%s” has no video, only %u audio streams",
                                self->info->audio_streams->len),
                   name, self->info->audio_streams->len);
      return FALSE;
    }

  self->video = self->info->video;
  self->stream_index = self->video->index;
  self->time_base = self->video->time_base;
  self->frame_rate = self->video->frame_rate;
  if (self->frame_rate.num <= 0 || self->frame_rate.den <= 0)
    self->frame_rate = av_make_q (25, 1);
  self->n_frames = self->video->frame_count;

  if (!open_decoding (self, error))
    return FALSE;

  self->codec = cs_media_open_decoder (self->fmt->streams[self->stream_index], 0, error);
  if (self->codec == NULL)
    return FALSE;
  /* Frames whose references are missing after a seek must not pass for the real ones. */
  self->codec->flags &= ~AV_CODEC_FLAG_OUTPUT_CORRUPT;

  self->pkt = av_packet_alloc ();
  self->frame = av_frame_alloc ();
  if (self->pkt == NULL || self->frame == NULL)
    g_error ("Out of memory while allocating a decoder");
  self->last_index = -1;

  ret = decode_frame (self, error);
  if (ret < 0)
    return FALSE;
  if (ret == 0)
    {
      g_set_error (error, CS_MEDIA_ERROR, CS_MEDIA_ERROR_CORRUPT,
                   _("No frame of “%s” can be decoded; the file may be damaged"), name);
      return FALSE;
    }

  if (self->index->pts == NULL)
    self->origin_pts = self->frame->best_effort_timestamp != AV_NOPTS_VALUE
                       ? self->frame->best_effort_timestamp : 0;
  else
    self->origin_pts = g_array_index (self->index->pts, gint64, 0);

  first = take_frame (self);
  g_queue_push_tail (&self->queue, first);

  self->thread = g_thread_try_new ("cs-decoder", cs_decoder_worker, self, error);
  if (self->thread == NULL)
    return FALSE;

  return TRUE;
}

static void
cs_decoder_initable_iface_init (GInitableIface *iface)
{
  iface->init = cs_decoder_initable_init;
}

CsDecoder *
cs_decoder_new (const char    *path,
                GCancellable  *cancellable,
                GError       **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return g_initable_new (CS_TYPE_DECODER, cancellable, error, "path", path, NULL);
}

static void
cs_decoder_dispose (GObject *object)
{
  CsDecoder *self = CS_DECODER (object);

  if (self->thread != NULL)
    {
      g_mutex_lock (&self->lock);
      g_atomic_int_set (&self->quit, TRUE);
      g_cond_broadcast (&self->cond);
      g_mutex_unlock (&self->lock);
      g_clear_pointer (&self->thread, g_thread_join);
    }

  clear_queue (self);

  G_OBJECT_CLASS (cs_decoder_parent_class)->dispose (object);
}

static void
cs_decoder_finalize (GObject *object)
{
  CsDecoder *self = CS_DECODER (object);

  avcodec_free_context (&self->codec);
  avformat_close_input (&self->fmt);
  av_packet_free (&self->pkt);
  av_frame_free (&self->frame);
  avcodec_free_context (&self->thumb_codec);
  avformat_close_input (&self->thumb_fmt);
  g_clear_pointer (&self->thumb_sws, sws_freeContext);
  g_clear_pointer (&self->index, cs_frame_index_free);
  g_clear_pointer (&self->info, cs_media_info_unref);
  g_clear_error (&self->worker_error);
  g_free (self->path);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_mutex_clear (&self->thumb_lock);

  G_OBJECT_CLASS (cs_decoder_parent_class)->finalize (object);
}

static void
cs_decoder_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  CsDecoder *self = CS_DECODER (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_PREFETCH:
      g_value_set_int (value, self->prefetch);
      break;
    case PROP_INFO:
      g_value_set_boxed (value, self->info);
      break;
    case PROP_N_FRAMES:
      g_value_set_int64 (value, self->n_frames);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cs_decoder_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  CsDecoder *self = CS_DECODER (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_free (self->path);
      self->path = g_value_dup_string (value);
      break;
    case PROP_PREFETCH:
      self->prefetch = g_value_get_int (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cs_decoder_class_init (CsDecoderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cs_decoder_dispose;
  object_class->finalize = cs_decoder_finalize;
  object_class->get_property = cs_decoder_get_property;
  object_class->set_property = cs_decoder_set_property;

  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PREFETCH] =
    g_param_spec_int ("prefetch", NULL, NULL, 1, 64, DEFAULT_PREFETCH,
                      G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_INFO] =
    g_param_spec_boxed ("info", NULL, NULL, CS_TYPE_MEDIA_INFO,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_FRAMES] =
    g_param_spec_int64 ("n-frames", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cs_decoder_init (CsDecoder *self)
{
  self->prefetch = DEFAULT_PREFETCH;
  self->last_index = -1;
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  g_mutex_init (&self->thumb_lock);
  g_queue_init (&self->queue);
}

const char *
cs_decoder_get_path (CsDecoder *self)
{
  g_return_val_if_fail (CS_IS_DECODER (self), NULL);

  return self->path;
}

CsMediaInfo *
cs_decoder_get_info (CsDecoder *self)
{
  g_return_val_if_fail (CS_IS_DECODER (self), NULL);

  return self->info;
}

const CsVideoStreamInfo *
cs_decoder_get_video_info (CsDecoder *self)
{
  g_return_val_if_fail (CS_IS_DECODER (self), NULL);

  return self->video;
}

gint64
cs_decoder_get_n_frames (CsDecoder *self)
{
  g_return_val_if_fail (CS_IS_DECODER (self), 0);

  return self->n_frames;
}
