/* cs-yuv.h: planar YUV frames as the GPU colour conversion sees them
 *
 * A CsYuvFormat is a frame's pixel format with its colour description made
 * definite: what a file leaves unspecified is filled in the way players do
 * (BT.601 below 720 lines, BT.709 from 720 up; limited range; chroma sited
 * left as in MPEG-2 and H.264, or centred for JPEG's yuvj formats). The
 * conversion shaders take their matrices, plane layout and chroma siting
 * from here.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>

G_BEGIN_DECLS

typedef struct {
  int                    width;
  int                    height;
  enum AVPixelFormat     format;        /* planar YUV, see cs_yuv_format_is_supported() */
  int                    depth;         /* bits per sample: 8 to 16 */
  int                    bytes_per_sample; /* 1, or 2 (little-endian) above 8 bits */
  int                    log2_chroma_w; /* 0 or 1 */
  int                    log2_chroma_h; /* 0 or 1 */
  enum AVColorSpace      matrix;        /* SMPTE170M (BT.601), BT709, BT2020_NCL, FCC or SMPTE240M */
  enum AVColorRange      range;         /* MPEG (limited) or JPEG (full) */
  enum AVChromaLocation  siting;        /* never unspecified */
} CsYuvFormat;

/* Where each plane lies in a buffer: rows start on 64-byte boundaries, so the
 * shader that writes them can write whole 32-bit words. */
typedef struct {
  gsize  offset[3];
  int    stride[3];  /* bytes per row */
  int    width[3];   /* samples per row */
  int    height[3];  /* rows */
  gsize  size;       /* bytes for all three planes */
} CsYuvLayout;

/* Planar YUV with 4:2:0, 4:2:2 or 4:4:4 chroma, 8 bits, or up to 16 bits in
 * little-endian 16-bit words (yuv420p, yuvj422p, yuv444p10le, …). */
gboolean    cs_yuv_format_is_supported   (enum AVPixelFormat       format);

/* Describes width x height frames of format; the colour description may be
 * unspecified (see above). Fails with CS_RENDER_ERROR_UNSUPPORTED_FORMAT. */
gboolean    cs_yuv_format_init           (CsYuvFormat             *self,
                                          int                      width,
                                          int                      height,
                                          enum AVPixelFormat       format,
                                          enum AVColorSpace        matrix,
                                          enum AVColorRange        range,
                                          enum AVChromaLocation    siting,
                                          GError                 **error);
/* The same, from a frame's size, format and colour fields. */
gboolean    cs_yuv_format_init_from_frame (CsYuvFormat            *self,
                                          const AVFrame           *frame,
                                          GError                 **error);

void        cs_yuv_format_get_layout     (const CsYuvFormat       *self,
                                          CsYuvLayout             *layout);
/* RGB (gamma-encoded, 0..255) = m[c][0..2] . (Y, Cb, Cr codes) + m[c][3]. */
void        cs_yuv_format_get_to_rgb     (const CsYuvFormat       *self,
                                          float                    m[3][4]);
/* (Y, Cb, Cr codes)[k] = m[k][0..2] . (R, G, B in 0..255) + m[k][3]; the inverse
 * of cs_yuv_format_get_to_rgb(). */
void        cs_yuv_format_get_from_rgb   (const CsYuvFormat       *self,
                                          float                    m[3][4]);
/* Where chroma sample (0, 0) sits, in luma samples from luma sample (0, 0). */
void        cs_yuv_format_get_chroma_origin (const CsYuvFormat    *self,
                                          float                   *x,
                                          float                   *y);

/* Copies the frame's planes into buffer, laid out as layout; the frame must
 * have the format's size and pixel format. */
void        cs_yuv_copy_from_frame       (const CsYuvFormat       *self,
                                          const CsYuvLayout       *layout,
                                          const AVFrame           *frame,
                                          guint8                  *buffer);
/* A new frame of the format, holding the planes of buffer, tagged with the
 * format's colour description. */
AVFrame    *cs_yuv_copy_to_frame         (const CsYuvFormat       *self,
                                          const CsYuvLayout       *layout,
                                          const guint8            *buffer);

/* A short description for messages and logs: "yuv420p BT.709 limited left". */
char       *cs_yuv_format_describe       (const CsYuvFormat       *self);

G_END_DECLS
