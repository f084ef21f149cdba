/* cs-yuv.c: planar YUV frames as the GPU colour conversion sees them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>

#include "cs-render-error.h"
#include "cs-yuv.h"

#define ROW_ALIGN 64

gboolean
cs_yuv_format_is_supported (enum AVPixelFormat format)
{
  const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get (format);

  if (desc == NULL || desc->nb_components != 3)
    return FALSE;
  if (desc->flags & (AV_PIX_FMT_FLAG_BE | AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_BITSTREAM |
                     AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_FLOAT |
                     AV_PIX_FMT_FLAG_ALPHA | AV_PIX_FMT_FLAG_BAYER))
    return FALSE;
  if (!(desc->flags & AV_PIX_FMT_FLAG_PLANAR) || desc->log2_chroma_w > 1 || desc->log2_chroma_h > 1)
    return FALSE;
  for (int i = 0; i < 3; i++)
    {
      const AVComponentDescriptor *c = &desc->comp[i];
      int bytes = c->depth > 8 ? 2 : 1;

      if (c->plane != i || c->shift != 0 || c->offset != 0 || c->step != bytes ||
          c->depth < 8 || c->depth > 16 || c->depth != desc->comp[0].depth)
        return FALSE;
    }
  return TRUE;
}

static gboolean
is_jpeg_format (enum AVPixelFormat format)
{
  return format == AV_PIX_FMT_YUVJ420P || format == AV_PIX_FMT_YUVJ422P ||
         format == AV_PIX_FMT_YUVJ444P || format == AV_PIX_FMT_YUVJ440P ||
         format == AV_PIX_FMT_YUVJ411P;
}

/* Luma weights of red and blue; FALSE for matrices that are not one luma
 * weighting (RGB, YCgCo, constant-luminance BT.2020, ICtCp). */
static gboolean
matrix_weights (enum AVColorSpace matrix,
                double           *kr,
                double           *kb)
{
  switch (matrix)
    {
    case AVCOL_SPC_BT709: *kr = 0.2126; *kb = 0.0722; return TRUE;
    case AVCOL_SPC_BT470BG:
    case AVCOL_SPC_SMPTE170M: *kr = 0.299; *kb = 0.114; return TRUE;
    case AVCOL_SPC_BT2020_NCL: *kr = 0.2627; *kb = 0.0593; return TRUE;
    case AVCOL_SPC_FCC: *kr = 0.30; *kb = 0.11; return TRUE;
    case AVCOL_SPC_SMPTE240M: *kr = 0.212; *kb = 0.087; return TRUE;
    default: return FALSE;
    }
}

gboolean
cs_yuv_format_init (CsYuvFormat          *self,
                    int                   width,
                    int                   height,
                    enum AVPixelFormat    format,
                    enum AVColorSpace     matrix,
                    enum AVColorRange     range,
                    enum AVChromaLocation siting,
                    GError              **error)
{
  const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get (format);
  double kr, kb;

  memset (self, 0, sizeof *self);
  if (!cs_yuv_format_is_supported (format))
    {
      g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_UNSUPPORTED_FORMAT,
                   _("Frames in the pixel format %s cannot be converted on the GPU; "
                     "planar YUV 4:2:0, 4:2:2 or 4:4:4 is needed"),
                   desc != NULL ? desc->name : "?");
      return FALSE;
    }
  if (width < 1 || height < 1 || width > 16384 || height > 16384)
    {
      g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_UNSUPPORTED_FORMAT,
                   _("Frames of %d×%d pixels are not supported; each side must be 1 to 16384 pixels"),
                   width, height);
      return FALSE;
    }

  self->width = width;
  self->height = height;
  self->format = format;
  self->depth = desc->comp[0].depth;
  self->bytes_per_sample = self->depth > 8 ? 2 : 1;
  self->log2_chroma_w = desc->log2_chroma_w;
  self->log2_chroma_h = desc->log2_chroma_h;

  /* What players assume for untagged video. */
  self->matrix = matrix_weights (matrix, &kr, &kb) ? matrix
               : height < 720 ? AVCOL_SPC_SMPTE170M : AVCOL_SPC_BT709;
  if (is_jpeg_format (format))
    self->range = AVCOL_RANGE_JPEG;
  else
    self->range = range == AVCOL_RANGE_JPEG ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG;
  if (siting > AVCHROMA_LOC_UNSPECIFIED && siting < AVCHROMA_LOC_NB)
    self->siting = siting;
  else
    self->siting = is_jpeg_format (format) ? AVCHROMA_LOC_CENTER : AVCHROMA_LOC_LEFT;
  return TRUE;
}

gboolean
cs_yuv_format_init_from_frame (CsYuvFormat   *self,
                               const AVFrame *frame,
                               GError       **error)
{
  return cs_yuv_format_init (self, frame->width, frame->height, frame->format, frame->colorspace,
                             frame->color_range, frame->chroma_location, error);
}

void
cs_yuv_format_get_layout (const CsYuvFormat *self,
                          CsYuvLayout       *layout)
{
  gsize offset = 0;

  memset (layout, 0, sizeof *layout);
  for (int i = 0; i < 3; i++)
    {
      int sw = i == 0 ? 0 : self->log2_chroma_w;
      int sh = i == 0 ? 0 : self->log2_chroma_h;

      layout->width[i] = -((-self->width) >> sw);
      layout->height[i] = -((-self->height) >> sh);
      layout->stride[i] = FFALIGN (layout->width[i] * self->bytes_per_sample, ROW_ALIGN);
      layout->offset[i] = offset;
      offset += (gsize) layout->stride[i] * layout->height[i];
    }
  layout->size = offset;
}

/* Code values of black and of the largest luma and chroma excursions. */
static void
code_scale (const CsYuvFormat *self,
            double            *y_offset,
            double            *y_scale,
            double            *c_offset,
            double            *c_scale)
{
  double unit = (double) (1 << (self->depth - 8));

  if (self->range == AVCOL_RANGE_JPEG)
    {
      double max = (double) ((1 << self->depth) - 1);

      *y_offset = 0.0;
      *y_scale = max;
      *c_offset = (double) (1 << (self->depth - 1));
      *c_scale = max;
    }
  else
    {
      *y_offset = 16.0 * unit;
      *y_scale = 219.0 * unit;
      *c_offset = 128.0 * unit;
      *c_scale = 224.0 * unit;
    }
}

void
cs_yuv_format_get_to_rgb (const CsYuvFormat *self,
                          float              m[3][4])
{
  double kr, kb, kg, yo, ys, co, cs;
  /* R', G', B' (0..1) from Y' (0..1) and Pb, Pr (-0.5..0.5). */
  double rows[3][3];

  if (!matrix_weights (self->matrix, &kr, &kb))
    g_assert_not_reached ();
  kg = 1.0 - kr - kb;
  code_scale (self, &yo, &ys, &co, &cs);

  rows[0][0] = 1.0; rows[0][1] = 0.0;                          rows[0][2] = 2.0 * (1.0 - kr);
  rows[1][0] = 1.0; rows[1][1] = -2.0 * kb * (1.0 - kb) / kg; rows[1][2] = -2.0 * kr * (1.0 - kr) / kg;
  rows[2][0] = 1.0; rows[2][1] = 2.0 * (1.0 - kb);            rows[2][2] = 0.0;

  for (int c = 0; c < 3; c++)
    {
      double a = rows[c][0] / ys, b = rows[c][1] / cs, d = rows[c][2] / cs;

      m[c][0] = (float) (255.0 * a);
      m[c][1] = (float) (255.0 * b);
      m[c][2] = (float) (255.0 * d);
      m[c][3] = (float) (-255.0 * (a * yo + (b + d) * co));
    }
}

void
cs_yuv_format_get_from_rgb (const CsYuvFormat *self,
                            float              m[3][4])
{
  double kr, kb, kg, yo, ys, co, cs;
  double luma[3];

  if (!matrix_weights (self->matrix, &kr, &kb))
    g_assert_not_reached ();
  kg = 1.0 - kr - kb;
  code_scale (self, &yo, &ys, &co, &cs);
  luma[0] = kr;
  luma[1] = kg;
  luma[2] = kb;

  for (int i = 0; i < 3; i++)
    {
      /* Pb = (B' - Y') / (2 (1 - Kb)), Pr = (R' - Y') / (2 (1 - Kr)). */
      double pb = ((i == 2 ? 1.0 : 0.0) - luma[i]) / (2.0 * (1.0 - kb));
      double pr = ((i == 0 ? 1.0 : 0.0) - luma[i]) / (2.0 * (1.0 - kr));

      m[0][i] = (float) (luma[i] * ys / 255.0);
      m[1][i] = (float) (pb * cs / 255.0);
      m[2][i] = (float) (pr * cs / 255.0);
    }
  m[0][3] = (float) yo;
  m[1][3] = (float) co;
  m[2][3] = (float) co;
}

void
cs_yuv_format_get_chroma_origin (const CsYuvFormat *self,
                                 float             *x,
                                 float             *y)
{
  float h, v;

  switch (self->siting)
    {
    case AVCHROMA_LOC_CENTER: h = 0.5f; v = 0.5f; break;
    case AVCHROMA_LOC_TOPLEFT: h = 0.0f; v = 0.0f; break;
    case AVCHROMA_LOC_TOP: h = 0.5f; v = 0.0f; break;
    case AVCHROMA_LOC_BOTTOMLEFT: h = 0.0f; v = 1.0f; break;
    case AVCHROMA_LOC_BOTTOM: h = 0.5f; v = 1.0f; break;
    case AVCHROMA_LOC_LEFT:
    default: h = 0.0f; v = 0.5f; break;
    }
  /* A fraction of the span of luma samples one chroma sample covers. */
  *x = h * (float) ((1 << self->log2_chroma_w) - 1);
  *y = v * (float) ((1 << self->log2_chroma_h) - 1);
}

void
cs_yuv_copy_from_frame (const CsYuvFormat *self,
                        const CsYuvLayout *layout,
                        const AVFrame     *frame,
                        guint8            *buffer)
{
  g_return_if_fail (frame->width == self->width && frame->height == self->height &&
                    frame->format == self->format);

  for (int i = 0; i < 3; i++)
    av_image_copy_plane (buffer + layout->offset[i], layout->stride[i], frame->data[i], frame->linesize[i],
                         layout->width[i] * self->bytes_per_sample, layout->height[i]);
}

AVFrame *
cs_yuv_copy_to_frame (const CsYuvFormat *self,
                      const CsYuvLayout *layout,
                      const guint8      *buffer)
{
  AVFrame *frame = av_frame_alloc ();

  if (frame == NULL)
    g_error ("Out of memory while allocating a frame");
  frame->width = self->width;
  frame->height = self->height;
  frame->format = self->format;
  if (av_frame_get_buffer (frame, 0) < 0)
    g_error ("Out of memory while allocating a %d×%d frame", self->width, self->height);
  for (int i = 0; i < 3; i++)
    av_image_copy_plane (frame->data[i], frame->linesize[i], buffer + layout->offset[i], layout->stride[i],
                         layout->width[i] * self->bytes_per_sample, layout->height[i]);
  frame->colorspace = self->matrix;
  frame->color_range = self->range;
  frame->chroma_location = self->siting;
  return frame;
}

char *
cs_yuv_format_describe (const CsYuvFormat *self)
{
  const char *matrix;
  const char *siting = av_chroma_location_name (self->siting);

  switch (self->matrix)
    {
    case AVCOL_SPC_BT709: matrix = "BT.709"; break;
    case AVCOL_SPC_BT2020_NCL: matrix = "BT.2020"; break;
    case AVCOL_SPC_FCC: matrix = "FCC"; break;
    case AVCOL_SPC_SMPTE240M: matrix = "SMPTE 240M"; break;
    default: matrix = "BT.601"; break;
    }
  return g_strdup_printf ("%d×%d %s %s %s %s", self->width, self->height,
                          av_get_pix_fmt_name (self->format), matrix,
                          self->range == AVCOL_RANGE_JPEG ? "full" : "limited",
                          siting != NULL ? siting : "?");
}
