/* cs-vtoonify.c: the VToonify-D frame pipeline
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "cs-render-error.h"
#include "cs-video-styler.h"
#include "cs-vtoonify.h"

#define N_CLASSES 19

struct _CsVToonify
{
  GObject parent_instance;

  CsStyle    *style;
  CsDevice   *device;
  CsPrecision precision;
  CsNetwork  *parser;
  CsNetwork  *encoder;
  CsNetwork  *generator;

  guint       reference;
  float      *reference_code;  /* n_latent x style_dim */
  double      degree;
  gboolean    face_default;
  CsFaceRect  face;
  float      *face_code;       /* NULL until computed from a frame */
  float      *mixed_code;

  int         parser_w, parser_h;       /* prepared sizes, 0 when not prepared */
  int         generator_w, generator_h;
  gboolean    generator_stale;          /* the code or the degree changed */
  gboolean    encoder_ready;

  double      parser_ms, generator_ms, encoder_ms;

  /* Passthrough stylers: only their colour conversions run. */
  CsVideoStyler *to_rgb;               /* configured for frames of to_rgb_format */
  CsVideoStyler *to_yuv;               /* configured for frames of to_yuv_format */
  CsYuvFormat    to_rgb_format;
  CsYuvFormat    to_yuv_format;
};

G_DEFINE_FINAL_TYPE (CsVToonify, cs_vtoonify, G_TYPE_OBJECT)

static void
cs_vtoonify_finalize (GObject *object)
{
  CsVToonify *self = CS_VTOONIFY (object);

  g_clear_object (&self->style);
  g_clear_object (&self->device);
  g_clear_object (&self->parser);
  g_clear_object (&self->encoder);
  g_clear_object (&self->generator);
  g_clear_object (&self->to_rgb);
  g_clear_object (&self->to_yuv);
  g_free (self->reference_code);
  g_free (self->face_code);
  g_free (self->mixed_code);
  G_OBJECT_CLASS (cs_vtoonify_parent_class)->finalize (object);
}

static void
cs_vtoonify_class_init (CsVToonifyClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cs_vtoonify_finalize;
}

static void
cs_vtoonify_init (CsVToonify *self)
{
  self->degree = 0.5;
  self->face_default = TRUE;
}

static const char *
tensor (CsVToonify *self, CsStyleNetwork n, const char *role)
{
  return cs_style_get_network_tensor (self->style, n, role);
}

CsVToonify *
cs_vtoonify_new (CsStyle *style, CsDevice *device, CsPrecision precision, GError **error)
{
  g_autoptr(CsVToonify) self = NULL;

  g_return_val_if_fail (CS_IS_STYLE (style), NULL);
  g_return_val_if_fail (CS_IS_DEVICE (device), NULL);

  if (!cs_style_is_vtoonify (style))
    {
      g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT,
                   _("The style “%s” is not a VToonify-D style"), cs_style_get_name (style));
      return NULL;
    }
  self = g_object_new (CS_TYPE_VTOONIFY, NULL);
  self->style = g_object_ref (style);
  self->device = g_object_ref (device);
  self->precision = precision;
  self->parser = cs_network_new_from_file (device, cs_style_get_network_model (style, CS_STYLE_NETWORK_PARSER), error);
  if (self->parser == NULL)
    return NULL;
  self->encoder = cs_network_new_from_file (device, cs_style_get_network_model (style, CS_STYLE_NETWORK_ENCODER), error);
  if (self->encoder == NULL)
    return NULL;
  self->generator = cs_network_new_from_file (device, cs_style_get_network_model (style, CS_STYLE_NETWORK_GENERATOR),
                                              error);
  if (self->generator == NULL)
    return NULL;
  if (!cs_vtoonify_set_reference (self, 0, error))
    return NULL;
  return g_steal_pointer (&self);
}

CsStyle *
cs_vtoonify_get_style (CsVToonify *self)
{
  g_return_val_if_fail (CS_IS_VTOONIFY (self), NULL);
  return self->style;
}

gboolean
cs_vtoonify_set_reference (CsVToonify *self, guint index, GError **error)
{
  float *code;

  g_return_val_if_fail (CS_IS_VTOONIFY (self), FALSE);
  if (index >= cs_style_get_n_references (self->style))
    {
      g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT,
                   _("The style “%s” has %u references (0 to %u); there is no reference %u"),
                   cs_style_get_name (self->style), cs_style_get_n_references (self->style),
                   cs_style_get_n_references (self->style) - 1, index);
      return FALSE;
    }
  if (self->reference_code != NULL && index == self->reference)
    return TRUE;
  code = cs_style_load_reference (self->style, index, error);
  if (code == NULL)
    return FALSE;
  g_free (self->reference_code);
  self->reference_code = code;
  self->reference = index;
  g_clear_pointer (&self->mixed_code, g_free);
  self->generator_stale = TRUE;
  return TRUE;
}

guint
cs_vtoonify_get_reference (CsVToonify *self)
{
  g_return_val_if_fail (CS_IS_VTOONIFY (self), 0);
  return self->reference;
}

gboolean
cs_vtoonify_set_degree (CsVToonify *self, double degree, GError **error)
{
  g_return_val_if_fail (CS_IS_VTOONIFY (self), FALSE);
  if (!(degree >= 0.0 && degree <= 1.0))
    {
      g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT,
                   _("The style degree must be between 0 and 1, not %g"), degree);
      return FALSE;
    }
  if (degree != self->degree)
    {
      self->degree = degree;
      self->generator_stale = TRUE;
    }
  return TRUE;
}

double
cs_vtoonify_get_degree (CsVToonify *self)
{
  g_return_val_if_fail (CS_IS_VTOONIFY (self), 0);
  return self->degree;
}

void
cs_vtoonify_reset_face_code (CsVToonify *self)
{
  g_return_if_fail (CS_IS_VTOONIFY (self));
  g_clear_pointer (&self->face_code, g_free);
  g_clear_pointer (&self->mixed_code, g_free);
  self->generator_stale = TRUE;
}

void
cs_vtoonify_set_face (CsVToonify *self, const CsFaceRect *rect)
{
  g_return_if_fail (CS_IS_VTOONIFY (self));
  if (rect == NULL ? self->face_default
                   : (!self->face_default && memcmp (rect, &self->face, sizeof *rect) == 0))
    return;
  self->face_default = rect == NULL;
  if (rect != NULL)
    self->face = *rect;
  cs_vtoonify_reset_face_code (self);
}

gboolean
cs_vtoonify_clamp_face (const CsFaceRect *rect, int width, int height, CsFaceRect *out, GError **error)
{
  gint64 x0, y0, x1, y1;

  if (width <= 0 || height <= 0)
    {
      g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT,
                   _("The frame is empty (%d × %d)"), width, height);
      return FALSE;
    }
  if (rect == NULL)
    {
      int side = MIN (width, height);
      *out = (CsFaceRect) { (width - side) / 2, (height - side) / 2, side, side };
      return TRUE;
    }
  if (rect->width <= 0 || rect->height <= 0)
    {
      g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT,
                   _("The face rectangle %d × %d is empty; give a width and a height above 0"),
                   rect->width, rect->height);
      return FALSE;
    }
  /* 64-bit sums: a rectangle near INT_MAX must not wrap into the frame. */
  x0 = MAX ((gint64) rect->x, 0);
  y0 = MAX ((gint64) rect->y, 0);
  x1 = MIN ((gint64) rect->x + rect->width, width);
  y1 = MIN ((gint64) rect->y + rect->height, height);
  if (x1 <= x0 || y1 <= y0)
    {
      g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT,
                   _("The face rectangle %d,%d %d × %d lies outside the %d × %d frame"),
                   rect->x, rect->y, rect->width, rect->height, width, height);
      return FALSE;
    }
  *out = (CsFaceRect) { (int) x0, (int) y0, (int) (x1 - x0), (int) (y1 - y0) };
  return TRUE;
}

/* Separable resampling of planar RGB with a triangle filter widened by the
 * reduction factor, so that shrinking a frame four times does not alias
 * (VToonify blurs large frames before scaling them for the same reason). */
static void
resample_axis (const float *src, int sw, int sh, int sx0, int sy0, int cw, int ch, int src_stride_rows,
               float *dst, int dw, gboolean horizontal)
{
  int in_len = horizontal ? cw : ch, out_len = dw;
  int other = horizontal ? ch : cw;
  double scale = (double) in_len / out_len;
  double support = MAX (scale, 1.0);

  (void) sw;
  (void) sh;
  for (int o = 0; o < out_len; o++)
    {
      double centre = (o + 0.5) * scale - 0.5;
      int lo = (int) floor (centre - support) + 1, hi = (int) ceil (centre + support) - 1;
      double wsum = 0;
      double weights[512];
      int n = 0;

      lo = MAX (lo, 0);
      hi = MIN (hi, in_len - 1);
      if (hi - lo + 1 > (int) G_N_ELEMENTS (weights))
        hi = lo + (int) G_N_ELEMENTS (weights) - 1;
      for (int i = lo; i <= hi; i++)
        {
          double w = 1.0 - fabs (i - centre) / support;
          weights[n++] = w > 0 ? w : 0;
          wsum += weights[n - 1];
        }
      if (wsum <= 0)
        {
          lo = hi = CLAMP ((int) lround (centre), 0, in_len - 1);
          weights[0] = wsum = 1;
          n = 1;
        }
      for (int k = 0; k < other; k++)
        {
          double acc = 0;
          for (int i = 0; i < n; i++)
            {
              int ii = lo + i;
              acc += weights[i] * (horizontal ? src[(sy0 + k) * src_stride_rows + sx0 + ii]
                                              : src[(sy0 + ii) * src_stride_rows + sx0 + k]);
            }
          if (horizontal)
            dst[k * dw + o] = (float) (acc / wsum);
          else
            dst[o * cw + k] = (float) (acc / wsum);
        }
    }
}

/* The (x, y, w, h) region of frame scaled to dw x dh, written into a padded
 * pw x ph planar buffer in -1..1 with its edges repeated into the padding. */
static void
prepare_input (const CsImage *frame, const CsFaceRect *r, int dw, int dh, int pw, int ph, float *out)
{
  gsize plane = (gsize) frame->width * frame->height;
  g_autofree float *tmp = g_new (float, (gsize) dw * r->height);
  g_autofree float *res = g_new (float, (gsize) dw * dh);

  for (int c = 0; c < 3; c++)
    {
      const float *src = frame->data + c * plane;
      float *dst = out + (gsize) c * pw * ph;
      /* Horizontal pass over the rectangle's rows, then vertical. */
      resample_axis (src, frame->width, frame->height, r->x, r->y, r->width, r->height, frame->width,
                     tmp, dw, TRUE);
      resample_axis (tmp, dw, r->height, 0, 0, dw, r->height, dw, res, dh, FALSE);
      for (int y = 0; y < ph; y++)
        for (int x = 0; x < pw; x++)
          {
            float v = res[MIN (y, dh - 1) * dw + MIN (x, dw - 1)];
            dst[y * pw + x] = CLAMP (v, 0.0f, 255.0f) / 127.5f - 1.0f;
          }
    }
}

void
cs_vtoonify_input_size (CsVToonify *self, int out_width, int out_height,
                        int *content_width, int *content_height, int *padded_width, int *padded_height)
{
  int scale = cs_style_get_output_scale (self->style);
  int mult = cs_style_get_size_multiple (self->style);
  int cw = (out_width + scale - 1) / scale, ch = (out_height + scale - 1) / scale;

  *content_width = cw;
  *content_height = ch;
  *padded_width = (cw + mult - 1) / mult * mult;
  *padded_height = (ch + mult - 1) / mult * mult;
}

static gboolean
set_shape4 (CsNetwork *net, const char *name, int c, int h, int w, GError **error)
{
  int64_t dims[4] = { 1, c, h, w };
  return cs_network_set_input_shape (net, name, 4, dims, error);
}

static gboolean
compute_face_code (CsVToonify *self, const CsImage *frame, GError **error)
{
  int fs = cs_style_get_face_size (self->style);
  int n = cs_style_get_n_latent (self->style), sd = cs_style_get_style_dim (self->style);
  const char *in = tensor (self, CS_STYLE_NETWORK_ENCODER, "face");
  CsFaceRect r;
  g_autofree float *face = NULL;
  g_autofree float *code = NULL;
  gint64 t0;

  if (!cs_vtoonify_clamp_face (self->face_default ? NULL : &self->face, frame->width, frame->height, &r, error))
    return FALSE;
  if (!self->encoder_ready)
    {
      if (!set_shape4 (self->encoder, in, 3, fs, fs, error) ||
          !cs_network_prepare (self->encoder, self->precision, error))
        return FALSE;
      self->encoder_ready = TRUE;
    }
  if (cs_network_get_output_numel (self->encoder, 0) != (guint64) n * sd)
    {
      g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_FAILED,
                   _("The encoder of “%s” gives %" G_GUINT64_FORMAT " values, not a %d × %d code"),
                   cs_style_get_name (self->style), cs_network_get_output_numel (self->encoder, 0), n, sd);
      return FALSE;
    }
  face = g_new (float, 3 * (gsize) fs * fs);
  prepare_input (frame, &r, fs, fs, fs, fs, face);
  code = g_new (float, (gsize) n * sd);
  t0 = g_get_monotonic_time ();
  if (!cs_network_set_input (self->encoder, in, face, 3 * (gsize) fs * fs, error) ||
      !cs_network_run (self->encoder, NULL, error) ||
      !cs_network_get_output (self->encoder, 0, code, (gsize) n * sd, error))
    return FALSE;
  self->encoder_ms = (g_get_monotonic_time () - t0) / 1000.0;
  g_free (self->face_code);
  self->face_code = g_steal_pointer (&code);
  g_clear_pointer (&self->mixed_code, g_free);
  self->generator_stale = TRUE;
  return TRUE;
}

CsImage *
cs_vtoonify_run (CsVToonify *self, const CsImage *frame, int out_width, int out_height, GError **error)
{
  int cw, ch, pw, ph, scale;
  int n = cs_style_get_n_latent (self->style), sd = cs_style_get_style_dim (self->style);
  int rows = cs_style_get_reference_rows (self->style);
  const char *p_in = tensor (self, CS_STYLE_NETWORK_PARSER, "frame");
  const char *g_frame = tensor (self, CS_STYLE_NETWORK_GENERATOR, "frame");
  const char *g_parsing = tensor (self, CS_STYLE_NETWORK_GENERATOR, "parsing");
  const char *g_style = tensor (self, CS_STYLE_NETWORK_GENERATOR, "style");
  const char *g_degree = tensor (self, CS_STYLE_NETWORK_GENERATOR, "degree");
  g_autofree float *input = NULL;
  g_autofree float *parsing = NULL;
  g_autofree float *image = NULL;
  g_autoptr(CsImage) out = NULL;
  CsFaceRect whole;
  gsize plane, oplane;
  gint64 t0;

  g_return_val_if_fail (CS_IS_VTOONIFY (self), NULL);
  g_return_val_if_fail (frame != NULL, NULL);

  if (out_width <= 0 || out_height <= 0 || out_width > 16384 || out_height > 16384)
    {
      g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT,
                   _("The output size %d × %d is not between 1 and 16384 pixels a side"), out_width, out_height);
      return NULL;
    }
  if (frame->width <= 0 || frame->height <= 0)
    {
      g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT,
                   _("The frame is empty (%d × %d)"), frame->width, frame->height);
      return NULL;
    }
  cs_vtoonify_input_size (self, out_width, out_height, &cw, &ch, &pw, &ph);
  scale = cs_style_get_output_scale (self->style);
  self->encoder_ms = 0;

  if (self->face_code == NULL && !compute_face_code (self, frame, error))
    return NULL;
  if (self->mixed_code == NULL)
    {
      /* VToonify-D: the reference sets the coarse rows (structure and
       * colour), the face the fine ones. */
      self->mixed_code = g_memdup2 (self->face_code, sizeof (float) * n * sd);
      memcpy (self->mixed_code, self->reference_code, sizeof (float) * rows * sd);
      self->generator_stale = TRUE;
    }

  whole = (CsFaceRect) { 0, 0, frame->width, frame->height };
  plane = (gsize) pw * ph;
  input = g_new (float, 3 * plane);
  prepare_input (frame, &whole, cw, ch, pw, ph, input);

  if (self->parser_w != pw || self->parser_h != ph)
    {
      self->parser_w = self->parser_h = 0;
      if (!set_shape4 (self->parser, p_in, 3, ph, pw, error) ||
          !cs_network_prepare (self->parser, self->precision, error))
        return NULL;
      self->parser_w = pw;
      self->parser_h = ph;
    }
  if (cs_network_get_output_numel (self->parser, 0) != N_CLASSES * plane)
    {
      g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_FAILED,
                   _("The parser of “%s” does not give %d classes at the frame's size"),
                   cs_style_get_name (self->style), N_CLASSES);
      return NULL;
    }
  parsing = g_new (float, N_CLASSES * plane);
  t0 = g_get_monotonic_time ();
  if (!cs_network_set_input (self->parser, p_in, input, 3 * plane, error) ||
      !cs_network_run (self->parser, NULL, error) ||
      !cs_network_get_output (self->parser, 0, parsing, N_CLASSES * plane, error))
    return NULL;
  self->parser_ms = (g_get_monotonic_time () - t0) / 1000.0;

  if (self->generator_stale || self->generator_w != pw || self->generator_h != ph)
    {
      int64_t sdims[3] = { 1, n, sd }, ddims[1] = { 1 };
      float degree = (float) self->degree;

      self->generator_w = self->generator_h = 0;
      if (!set_shape4 (self->generator, g_frame, 3, ph, pw, error) ||
          !set_shape4 (self->generator, g_parsing, N_CLASSES, ph, pw, error) ||
          !cs_network_bind_constant (self->generator, g_style, CS_DTYPE_FLOAT, 3, sdims, self->mixed_code, error) ||
          !cs_network_bind_constant (self->generator, g_degree, CS_DTYPE_FLOAT, 1, ddims, &degree, error) ||
          !cs_network_prepare (self->generator, self->precision, error))
        return NULL;
      self->generator_w = pw;
      self->generator_h = ph;
      self->generator_stale = FALSE;
    }
  oplane = plane * scale * scale;
  if (cs_network_get_output_numel (self->generator, 0) != 3 * oplane)
    {
      g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_FAILED,
                   _("The generator of “%s” does not give an image %d times its input"),
                   cs_style_get_name (self->style), scale);
      return NULL;
    }
  image = g_new (float, 3 * oplane);
  t0 = g_get_monotonic_time ();
  if (!cs_network_set_input (self->generator, g_frame, input, 3 * plane, error) ||
      !cs_network_set_input (self->generator, g_parsing, parsing, N_CLASSES * plane, error) ||
      !cs_network_run (self->generator, NULL, error) ||
      !cs_network_get_output (self->generator, 0, image, 3 * oplane, error))
    return NULL;
  self->generator_ms = (g_get_monotonic_time () - t0) / 1000.0;

  out = cs_image_new (out_width, out_height, error);
  if (out == NULL)
    return NULL;
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < out_height; y++)
      for (int x = 0; x < out_width; x++)
        {
          float v = image[c * oplane + (gsize) y * pw * scale + x];
          out->data[(gsize) c * out_width * out_height + (gsize) y * out_width + x] =
            (CLAMP (v, -1.0f, 1.0f) + 1.0f) * 127.5f;
        }
  return g_steal_pointer (&out);
}

gboolean
cs_vtoonify_compute_face_code (CsVToonify *self, const CsImage *frame, GError **error)
{
  g_return_val_if_fail (CS_IS_VTOONIFY (self), FALSE);
  g_return_val_if_fail (frame != NULL, FALSE);
  return compute_face_code (self, frame, error);
}

gboolean
cs_vtoonify_has_face_code (CsVToonify *self)
{
  g_return_val_if_fail (CS_IS_VTOONIFY (self), FALSE);
  return self->face_code != NULL;
}

const float *
cs_vtoonify_get_face_code (CsVToonify *self, gsize *n_values)
{
  g_return_val_if_fail (CS_IS_VTOONIFY (self), NULL);
  if (n_values != NULL)
    *n_values = self->face_code != NULL
                  ? (gsize) cs_style_get_n_latent (self->style) * cs_style_get_style_dim (self->style)
                  : 0;
  return self->face_code;
}

gboolean
cs_vtoonify_set_face_code (CsVToonify *self, const float *code, gsize n_values, GError **error)
{
  gsize n;

  g_return_val_if_fail (CS_IS_VTOONIFY (self), FALSE);
  g_return_val_if_fail (code != NULL, FALSE);
  n = (gsize) cs_style_get_n_latent (self->style) * cs_style_get_style_dim (self->style);
  if (n_values != n)
    {
      g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT,
                   _("A face code of “%s” must have %d × %d values; this one has %lu"),
                   cs_style_get_name (self->style), cs_style_get_n_latent (self->style),
                   cs_style_get_style_dim (self->style), (unsigned long) n_values);
      return FALSE;
    }
  if (self->face_code != NULL && memcmp (self->face_code, code, n * sizeof (float)) == 0)
    return TRUE;
  g_free (self->face_code);
  self->face_code = g_memdup2 (code, n * sizeof (float));
  g_clear_pointer (&self->mixed_code, g_free);
  self->generator_stale = TRUE;
  return TRUE;
}

static gboolean
same_format (const CsYuvFormat *a, const CsYuvFormat *b)
{
  return memcmp (a, b, sizeof *a) == 0;
}

/* A passthrough styler configured for in (to RGB) or out (from RGB), kept
 * while the format stays the same: configuring is the slow part. */
static CsVideoStyler *
converter (CsVToonify *self, const CsYuvFormat *in, const CsYuvFormat *out, GError **error)
{
  CsVideoStyler **slot = in != NULL ? &self->to_rgb : &self->to_yuv;
  CsYuvFormat *format = in != NULL ? &self->to_rgb_format : &self->to_yuv_format;
  const CsYuvFormat *want = in != NULL ? in : out;
  g_autoptr(CsVideoStyler) styler = NULL;

  if (*slot != NULL && same_format (format, want))
    return *slot;
  g_clear_object (slot);
  /* Exact arithmetic: the conversions are the same in both precisions. */
  styler = cs_video_styler_new (self->device, NULL, CS_PRECISION_FP32, error);
  if (styler == NULL || !cs_video_styler_configure (styler, in, out, error))
    return NULL;
  *format = *want;
  *slot = g_steal_pointer (&styler);
  return *slot;
}

CsImage *
cs_vtoonify_frame_to_image (CsVToonify *self, const AVFrame *frame, const CsYuvFormat *in, GError **error)
{
  g_autoptr(CsImage) image = NULL;
  CsVideoStyler *styler;
  CsNetwork *network;

  g_return_val_if_fail (CS_IS_VTOONIFY (self), NULL);
  g_return_val_if_fail (frame != NULL && in != NULL, NULL);

  styler = converter (self, in, NULL, error);
  if (styler == NULL)
    return NULL;
  network = cs_video_styler_get_network (styler);
  image = cs_image_new (in->width, in->height, error);
  if (image == NULL ||
      !cs_video_styler_upload (styler, frame, error) ||
      !cs_video_styler_run (styler, 0.0, NULL, error) ||
      !cs_network_get_output (network, 0, image->data, 3 * cs_image_plane_size (image), error))
    return NULL;
  return g_steal_pointer (&image);
}

AVFrame *
cs_vtoonify_image_to_frame (CsVToonify *self, const CsImage *image, const CsYuvFormat *out, GError **error)
{
  CsVideoStyler *styler;

  g_return_val_if_fail (CS_IS_VTOONIFY (self), NULL);
  g_return_val_if_fail (image != NULL && out != NULL, NULL);

  if (image->width != out->width || image->height != out->height)
    {
      g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT,
                   _("A %d × %d image cannot become a %d × %d frame"),
                   image->width, image->height, out->width, out->height);
      return NULL;
    }
  styler = converter (self, NULL, out, error);
  if (styler == NULL)
    return NULL;
  /* The passthrough's output is its input: any degree gives the image. */
  if (!cs_network_set_input (cs_video_styler_get_network (styler), cs_video_styler_get_input_name (styler),
                             image->data, 3 * cs_image_plane_size (image), error) ||
      !cs_video_styler_run (styler, 1.0, NULL, error))
    return NULL;
  return cs_video_styler_download (styler);
}

AVFrame *
cs_vtoonify_run_frame (CsVToonify *self, const AVFrame *frame, const CsYuvFormat *in, const CsYuvFormat *out,
                       GError **error)
{
  g_autoptr(CsImage) image = NULL;
  g_autoptr(CsImage) styled = NULL;

  g_return_val_if_fail (CS_IS_VTOONIFY (self), NULL);

  image = cs_vtoonify_frame_to_image (self, frame, in, error);
  if (image == NULL)
    return NULL;
  styled = cs_vtoonify_run (self, image, out->width, out->height, error);
  if (styled == NULL)
    return NULL;
  return cs_vtoonify_image_to_frame (self, styled, out, error);
}

void
cs_vtoonify_get_timings (CsVToonify *self, double *parser_ms, double *generator_ms, double *encoder_ms)
{
  g_return_if_fail (CS_IS_VTOONIFY (self));
  if (parser_ms)
    *parser_ms = self->parser_ms;
  if (generator_ms)
    *generator_ms = self->generator_ms;
  if (encoder_ms)
    *encoder_ms = self->encoder_ms;
}
