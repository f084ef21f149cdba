/* cs-frame.c: one decoded video frame
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "cs-media-private.h"

#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>

struct _CsFrame {
  AVFrame    *frame;
  gint64      index;
  AVRational  time_base;
};

G_DEFINE_BOXED_TYPE (CsFrame, cs_frame, cs_frame_ref, cs_frame_unref)

static void
cs_frame_clear (gpointer data)
{
  CsFrame *self = data;

  av_frame_free (&self->frame);
}

CsFrame *
cs_frame_new (const AVFrame *frame,
              gint64         index,
              AVRational     time_base)
{
  CsFrame *self;

  g_return_val_if_fail (frame != NULL, NULL);

  self = g_atomic_rc_box_new0 (CsFrame);
  /* av_frame_clone() only fails on allocation failure, which GLib treats as fatal too. */
  self->frame = av_frame_clone (frame);
  if (self->frame == NULL)
    g_error ("Out of memory while referencing a video frame");
  self->index = index;
  self->time_base = time_base;

  return self;
}

CsFrame *
cs_frame_ref (CsFrame *frame)
{
  g_return_val_if_fail (frame != NULL, NULL);

  return g_atomic_rc_box_acquire (frame);
}

void
cs_frame_unref (CsFrame *frame)
{
  g_return_if_fail (frame != NULL);

  g_atomic_rc_box_release_full (frame, cs_frame_clear);
}

const AVFrame *
cs_frame_get_av_frame (CsFrame *frame)
{
  g_return_val_if_fail (frame != NULL, NULL);

  return frame->frame;
}

gint64
cs_frame_get_index (CsFrame *frame)
{
  g_return_val_if_fail (frame != NULL, -1);

  return frame->index;
}

gint64
cs_frame_get_pts (CsFrame *frame)
{
  g_return_val_if_fail (frame != NULL, AV_NOPTS_VALUE);

  return frame->frame->best_effort_timestamp;
}

AVRational
cs_frame_get_time_base (CsFrame *frame)
{
  g_return_val_if_fail (frame != NULL, av_make_q (0, 1));

  return frame->time_base;
}

gint64
cs_frame_get_time_us (CsFrame *frame)
{
  g_return_val_if_fail (frame != NULL, 0);

  if (frame->frame->best_effort_timestamp == AV_NOPTS_VALUE)
    return 0;

  return av_rescale_q (frame->frame->best_effort_timestamp, frame->time_base, AV_TIME_BASE_Q);
}

int
cs_frame_get_width (CsFrame *frame)
{
  g_return_val_if_fail (frame != NULL, 0);

  return frame->frame->width;
}

int
cs_frame_get_height (CsFrame *frame)
{
  g_return_val_if_fail (frame != NULL, 0);

  return frame->frame->height;
}

enum AVPixelFormat
cs_frame_get_format (CsFrame *frame)
{
  g_return_val_if_fail (frame != NULL, AV_PIX_FMT_NONE);

  return frame->frame->format;
}

int
cs_frame_get_n_planes (CsFrame *frame)
{
  g_return_val_if_fail (frame != NULL, 0);

  return MAX (av_pix_fmt_count_planes (frame->frame->format), 0);
}

const guint8 *
cs_frame_get_plane (CsFrame *frame,
                    int      plane,
                    int     *stride)
{
  g_return_val_if_fail (frame != NULL, NULL);
  g_return_val_if_fail (plane >= 0 && plane < cs_frame_get_n_planes (frame), NULL);

  if (stride != NULL)
    *stride = frame->frame->linesize[plane];

  return frame->frame->data[plane];
}

GBytes *
cs_frame_dup_pixels (CsFrame *frame)
{
  const AVPixFmtDescriptor *desc;
  g_autoptr(GByteArray) bytes = NULL;
  int n_planes;

  g_return_val_if_fail (frame != NULL, NULL);

  desc = av_pix_fmt_desc_get (frame->frame->format);
  g_return_val_if_fail (desc != NULL, NULL);

  n_planes = cs_frame_get_n_planes (frame);
  bytes = g_byte_array_new ();

  for (int p = 0; p < n_planes; p++)
    {
      const AVFrame *f = frame->frame;
      int row_bytes;
      int rows;

      if ((desc->flags & AV_PIX_FMT_FLAG_PAL) && p == 1)
        {
          row_bytes = 256 * 4;
          rows = 1;
        }
      else
        {
          gboolean chroma = (p == 1 || p == 2) && !(desc->flags & AV_PIX_FMT_FLAG_RGB);

          row_bytes = av_image_get_linesize (f->format, f->width, p);
          if (row_bytes < 0)
            return NULL;
          rows = chroma ? AV_CEIL_RSHIFT (f->height, desc->log2_chroma_h) : f->height;
        }

      for (int y = 0; y < rows; y++)
        g_byte_array_append (bytes, f->data[p] + (gsize) y * f->linesize[p], row_bytes);
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&bytes));
}
