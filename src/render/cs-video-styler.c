/* cs-video-styler.c: YUV frames through a style's network on the GPU
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <libavutil/pixdesc.h>

#include "cs-render-error.h"
#include "cs-temporal.h"
#include "cs-video-styler.h"

/* Both conversion shaders take this push-constant block (std430). */
typedef struct {
  float   m[3][4];          /* the conversion, one affine row a channel */
  guint32 size[4];          /* frame width, height; tensor width, height */
  guint32 offset[4];        /* plane byte offsets; bytes per sample */
  guint32 stride[4];        /* plane strides; rgb_to_yuv: .w the largest code */
  guint32 chroma_size[2];
  float   chroma_step[2];   /* yuv_to_rgb: chroma per luma sample; rgb_to_yuv: luma per chroma */
  float   chroma_origin[2];
} ConvertPush;

G_STATIC_ASSERT (sizeof (ConvertPush) == 120);

#define GROUP 16

struct _CsVideoStyler
{
  GObject      parent_instance;

  CsDevice    *device;
  CsNetwork   *network;
  char        *input_name;
  char        *output_name;
  char        *label;        /* for messages: the style's name */
  int          size_multiple;
  CsPrecision  precision;
  gboolean     passthrough;  /* no network: nothing to stabilize */
  gboolean     no_temporal;  /* configure records no temporal pass */
  double       stability;

  /* Configured state. */
  gboolean     configured;
  gboolean     has_in;
  gboolean     has_out;
  gboolean     from_source;  /* the blend reads the frame's own planes */
  CsYuvFormat  in;
  CsYuvFormat  out;
  CsYuvLayout  in_layout;
  CsYuvLayout  out_layout;
  int          tensor_width;
  int          tensor_height;
  CsBuffer    *in_buffer;
  CsBuffer    *out_buffer;
  CsBuffer    *params;       /* float degree */
  CsTemporalPass *temporal;  /* between the network and the degree blend */
};

G_DEFINE_FINAL_TYPE (CsVideoStyler, cs_video_styler, G_TYPE_OBJECT)

static void
release_buffers (CsVideoStyler *self)
{
  CsBuffer **buffers[] = { &self->in_buffer, &self->out_buffer, &self->params };

  for (guint i = 0; i < G_N_ELEMENTS (buffers); i++)
    if (*buffers[i] != NULL)
      {
        cs_device_release_buffer (self->device, *buffers[i]);
        *buffers[i] = NULL;
      }
}

static void
cs_video_styler_finalize (GObject *object)
{
  CsVideoStyler *self = CS_VIDEO_STYLER (object);

  /* The network's command buffer refers to the buffers: drop it first, and
   * its stages, should someone else hold the network still. */
  if (self->network != NULL)
    cs_network_clear_stages (self->network);
  g_clear_object (&self->network);
  release_buffers (self);
  g_clear_object (&self->temporal);
  g_clear_object (&self->device);
  g_free (self->input_name);
  g_free (self->output_name);
  g_free (self->label);

  G_OBJECT_CLASS (cs_video_styler_parent_class)->finalize (object);
}

static void
cs_video_styler_class_init (CsVideoStylerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cs_video_styler_finalize;
}

static void
cs_video_styler_init (CsVideoStyler *self)
{
  self->size_multiple = 1;
}

static int
find_output (CsNetwork  *network,
             const char *name)
{
  for (guint i = 0; i < cs_network_get_n_outputs (network); i++)
    if (g_strcmp0 (cs_network_get_output_name (network, i), name) == 0)
      return (int) i;
  return -1;
}

CsVideoStyler *
cs_video_styler_new_for_network (CsNetwork   *network,
                                 const char  *input_name,
                                 const char  *output_name,
                                 int          size_multiple,
                                 CsPrecision  precision,
                                 GError     **error)
{
  g_autoptr(CsVideoStyler) self = NULL;
  CsDevice *device;
  gboolean found_input = FALSE;

  g_return_val_if_fail (CS_IS_NETWORK (network), NULL);
  g_return_val_if_fail (input_name != NULL && output_name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  device = cs_network_get_device (network);
  for (guint i = 0; i < cs_network_get_n_inputs (network); i++)
    if (g_strcmp0 (cs_network_get_input_name (network, i), input_name) == 0)
      found_input = TRUE;
  if (!found_input || find_output (network, output_name) < 0)
    {
      g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT,
                   _("The network has no %s named “%s”"),
                   found_input ? _("output") : _("input"), found_input ? output_name : input_name);
      return NULL;
    }
  if (size_multiple < 1 || size_multiple > 1024)
    {
      g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT,
                   _("A size multiple of %d is out of range"), size_multiple);
      return NULL;
    }
  if (precision == CS_PRECISION_FP16 && !cs_device_supports_fp16 (device))
    {
      g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT,
                   _("The device “%s” has no 16-bit floating-point arithmetic; use fp32"),
                   cs_device_get_name (device));
      return NULL;
    }

  self = g_object_new (CS_TYPE_VIDEO_STYLER, NULL);
  self->device = g_object_ref (device);
  self->network = g_object_ref (network);
  self->input_name = g_strdup (input_name);
  self->output_name = g_strdup (output_name);
  self->size_multiple = size_multiple;
  self->precision = precision == CS_PRECISION_AUTO ? cs_device_default_precision (device) : precision;
  self->label = g_strdup (output_name);
  return g_steal_pointer (&self);
}

/* A model whose output is its input: Identity is a view, so the network
 * itself records no work and only the two conversions run. */
static CsNetwork *
passthrough_network (CsDevice  *device,
                     GError   **error)
{
  g_autoptr(CsOnnxWriter) writer = cs_onnx_writer_new ("passthrough", 13);
  g_autoptr(GBytes) bytes = NULL;

  cs_onnx_writer_set_producer (writer, "celshade", CS_VERSION);
  cs_onnx_writer_add_input (writer, "image", "1,3,height,width");
  cs_onnx_writer_add_node (writer, "Identity", "passthrough", CS_ONNX_NAMES ("image"), CS_ONNX_NAMES ("styled"));
  cs_onnx_writer_add_output (writer, "styled", "1,3,height,width");
  bytes = cs_onnx_writer_serialize (writer);
  return cs_network_new_from_bytes (device, bytes, NULL, error);
}

CsVideoStyler *
cs_video_styler_new (CsDevice    *device,
                     CsStyle     *style,
                     CsPrecision  precision,
                     GError     **error)
{
  g_autoptr(CsNetwork) network = NULL;
  g_autoptr(GError) local = NULL;
  CsVideoStyler *self;

  g_return_val_if_fail (CS_IS_DEVICE (device), NULL);
  g_return_val_if_fail (style == NULL || CS_IS_STYLE (style), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (style == NULL)
    {
      network = passthrough_network (device, error);
      if (network == NULL)
        return NULL;
      self = cs_video_styler_new_for_network (network, "image", "styled", 1, precision, error);
      if (self != NULL)
        self->passthrough = TRUE;
      return self;
    }

  network = cs_network_new_from_file (device, cs_style_get_model_path (style), &local);
  if (network == NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local), _("Style “%s”: "), cs_style_get_name (style));
      return NULL;
    }
  self = cs_video_styler_new_for_network (network, cs_style_get_input_name (style), cs_style_get_output_name (style),
                                          cs_style_get_size_multiple (style), precision, &local);
  if (self == NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local), _("Style “%s”: "), cs_style_get_name (style));
      return NULL;
    }
  g_free (self->label);
  self->label = g_strdup (cs_style_get_name (style));
  return self;
}

static void
fill_push (ConvertPush       *push,
           const CsYuvFormat *fmt,
           const CsYuvLayout *layout,
           int                tensor_width,
           int                tensor_height,
           gboolean           to_rgb)
{
  float ox, oy;

  memset (push, 0, sizeof *push);
  if (to_rgb)
    cs_yuv_format_get_to_rgb (fmt, push->m);
  else
    cs_yuv_format_get_from_rgb (fmt, push->m);
  push->size[0] = fmt->width;
  push->size[1] = fmt->height;
  push->size[2] = tensor_width;
  push->size[3] = tensor_height;
  for (int i = 0; i < 3; i++)
    {
      push->offset[i] = (guint32) layout->offset[i];
      push->stride[i] = layout->stride[i];
    }
  push->offset[3] = fmt->bytes_per_sample;
  push->stride[3] = (1u << fmt->depth) - 1;
  push->chroma_size[0] = layout->width[1];
  push->chroma_size[1] = layout->height[1];
  push->chroma_step[0] = to_rgb ? 1.0f / (1 << fmt->log2_chroma_w) : (float) (1 << fmt->log2_chroma_w);
  push->chroma_step[1] = to_rgb ? 1.0f / (1 << fmt->log2_chroma_h) : (float) (1 << fmt->log2_chroma_h);
  cs_yuv_format_get_chroma_origin (fmt, &ox, &oy);
  push->chroma_origin[0] = ox;
  push->chroma_origin[1] = oy;
}

static guint32
groups_for (guint32 n)
{
  return (n + GROUP - 1) / GROUP;
}

/* Words of 32 bits that hold one row of samples. */
static guint32
row_words (const CsYuvFormat *fmt,
           int                samples)
{
  return (guint32) ((samples * fmt->bytes_per_sample + 3) / 4);
}

/* Whether frames of in can be blended sample by sample into frames of out:
 * the same samples in the same places meaning the same colours. */
static gboolean
same_grid (const CsYuvFormat *in,
           const CsYuvFormat *out)
{
  float ix, iy, ox, oy;

  cs_yuv_format_get_chroma_origin (in, &ix, &iy);
  cs_yuv_format_get_chroma_origin (out, &ox, &oy);
  return in->width == out->width && in->height == out->height && in->depth == out->depth &&
         in->log2_chroma_w == out->log2_chroma_w && in->log2_chroma_h == out->log2_chroma_h &&
         in->matrix == out->matrix && in->range == out->range && ix == ox && iy == oy;
}

static int
round_up (int value,
          int multiple)
{
  return (value + multiple - 1) / multiple * multiple;
}

gboolean
cs_video_styler_configure (CsVideoStyler     *self,
                           const CsYuvFormat *in,
                           const CsYuvFormat *out,
                           GError           **error)
{
  g_autoptr(GError) local = NULL;
  int width, height;
  int64_t dims[8];
  int index;

  g_return_val_if_fail (CS_IS_VIDEO_STYLER (self), FALSE);
  g_return_val_if_fail (in != NULL || out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  width = in != NULL ? in->width : out->width;
  height = in != NULL ? in->height : out->height;
  if (in != NULL && out != NULL && (in->width != out->width || in->height != out->height))
    {
      g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT,
                   _("Frames cannot change size from %d×%d to %d×%d while being styled"),
                   in->width, in->height, out->width, out->height);
      return FALSE;
    }

  /* The old stages refer to the old buffers: both go together. */
  self->configured = FALSE;
  cs_network_clear_stages (self->network);
  release_buffers (self);
  g_clear_object (&self->temporal);

  self->from_source = FALSE;
  self->has_in = in != NULL;
  self->has_out = out != NULL;
  if (in != NULL)
    {
      self->in = *in;
      cs_yuv_format_get_layout (in, &self->in_layout);
    }
  if (out != NULL)
    {
      self->out = *out;
      cs_yuv_format_get_layout (out, &self->out_layout);
    }
  self->tensor_width = round_up (width, self->size_multiple);
  self->tensor_height = round_up (height, self->size_multiple);

  if (!cs_network_set_input_shape (self->network, self->input_name, 4,
                                   (const int64_t[]) { 1, 3, self->tensor_height, self->tensor_width }, &local))
    goto fail;

  if (in != NULL)
    {
      ConvertPush push;
      guint32 groups[3] = { groups_for (self->tensor_width), groups_for (self->tensor_height), 1 };
      const char *tensors[] = { self->input_name, NULL };

      self->in_buffer = cs_device_alloc_buffer (self->device, self->in_layout.size, TRUE, &local);
      if (self->in_buffer == NULL)
        goto fail;
      fill_push (&push, in, &self->in_layout, self->tensor_width, self->tensor_height, TRUE);
      if (!cs_network_add_stage (self->network, CS_STAGE_BEFORE, "yuv_to_rgb", NULL, 0,
                                 &self->in_buffer, 1, tensors, &push, sizeof push, groups, &local))
        goto fail;
    }

  /* The temporal pass comes before the degree blend, so that the blend's
   * original part is always the current frame. */
  if (!self->passthrough && !self->no_temporal)
    {
      self->temporal = cs_temporal_pass_new (self->device, self->tensor_width, self->tensor_height,
                                             width, height, &local);
      if (self->temporal == NULL ||
          !cs_temporal_pass_add_stages (self->temporal, self->network, self->input_name, self->output_name, &local))
        goto fail;
      cs_temporal_pass_set_stability (self->temporal, self->stability);
    }

  if (out != NULL)
    {
      ConvertPush push;
      const char *tensors[] = { self->output_name, self->input_name, NULL };
      CsBuffer *buffers[3];
      gboolean source = in != NULL && same_grid (in, out);
      const guint32 luma[2] = { 0, source }, chroma[2] = { 1, source };
      guint32 luma_groups[3] = { groups_for (row_words (out, self->out_layout.width[0])),
                                 groups_for (self->out_layout.height[0]), 1 };
      guint32 chroma_groups[3] = { groups_for (row_words (out, self->out_layout.width[1])),
                                   groups_for (self->out_layout.height[1]), 1 };

      self->out_buffer = cs_device_alloc_buffer (self->device, self->out_layout.size, TRUE, &local);
      if (self->out_buffer == NULL)
        goto fail;
      self->params = cs_device_alloc_buffer (self->device, 16, TRUE, &local);
      if (self->params == NULL)
        goto fail;
      memset (self->params->mapped, 0, 16);
      buffers[0] = self->out_buffer;
      buffers[1] = self->params;
      /* Unread without SOURCE, but the shader declares the binding. */
      buffers[2] = source ? self->in_buffer : self->params;
      fill_push (&push, out, &self->out_layout, self->tensor_width, self->tensor_height, FALSE);
      if (!cs_network_add_stage (self->network, CS_STAGE_AFTER, "rgb_to_yuv", luma, 2,
                                 buffers, 3, tensors, &push, sizeof push, luma_groups, &local) ||
          !cs_network_add_stage (self->network, CS_STAGE_AFTER, "rgb_to_yuv", chroma, 2,
                                 buffers, 3, tensors, &push, sizeof push, chroma_groups, &local))
        goto fail;
      self->from_source = source;
    }

  if (!cs_network_prepare (self->network, self->precision, &local))
    goto fail;

  index = find_output (self->network, self->output_name);
  if (cs_network_get_output_dims (self->network, index, dims) != 4 || dims[0] != 1 || dims[1] != 3 ||
      dims[2] != self->tensor_height || dims[3] != self->tensor_width)
    {
      g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_UNSUPPORTED_FORMAT,
                   _("“%s” does not give one RGB image of its input's size (%d×%d)"),
                   self->label, self->tensor_width, self->tensor_height);
      cs_network_clear_stages (self->network);
      release_buffers (self);
      g_clear_object (&self->temporal);
      return FALSE;
    }

  self->configured = TRUE;
  return TRUE;

fail:
  cs_network_clear_stages (self->network);
  release_buffers (self);
  g_clear_object (&self->temporal);
  g_propagate_prefixed_error (error, g_steal_pointer (&local), _("“%s” at %d×%d pixels: "),
                              self->label, width, height);
  return FALSE;
}

CsNetwork *
cs_video_styler_get_network (CsVideoStyler *self)
{
  g_return_val_if_fail (CS_IS_VIDEO_STYLER (self), NULL);
  return self->network;
}

const char *
cs_video_styler_get_input_name (CsVideoStyler *self)
{
  g_return_val_if_fail (CS_IS_VIDEO_STYLER (self), NULL);
  return self->input_name;
}

const char *
cs_video_styler_get_output_name (CsVideoStyler *self)
{
  g_return_val_if_fail (CS_IS_VIDEO_STYLER (self), NULL);
  return self->output_name;
}

void
cs_video_styler_get_tensor_size (CsVideoStyler *self,
                                 int           *width,
                                 int           *height)
{
  g_return_if_fail (CS_IS_VIDEO_STYLER (self));
  if (width != NULL)
    *width = self->configured ? self->tensor_width : 0;
  if (height != NULL)
    *height = self->configured ? self->tensor_height : 0;
}

gboolean
cs_video_styler_blends_source_planes (CsVideoStyler *self)
{
  g_return_val_if_fail (CS_IS_VIDEO_STYLER (self), FALSE);
  return self->configured && self->from_source;
}

gboolean
cs_video_styler_upload (CsVideoStyler  *self,
                        const AVFrame  *frame,
                        GError        **error)
{
  g_return_val_if_fail (CS_IS_VIDEO_STYLER (self), FALSE);
  g_return_val_if_fail (frame != NULL, FALSE);

  if (!self->configured || !self->has_in)
    {
      g_set_error_literal (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT,
                           _("The styler is not configured for input frames"));
      return FALSE;
    }
  if (frame->width != self->in.width || frame->height != self->in.height || frame->format != self->in.format)
    {
      g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_FORMAT_CHANGED,
                   _("A %d×%d %s frame came where %d×%d %s frames were expected"),
                   frame->width, frame->height, av_get_pix_fmt_name (frame->format),
                   self->in.width, self->in.height, av_get_pix_fmt_name (self->in.format));
      return FALSE;
    }
  cs_yuv_copy_from_frame (&self->in, &self->in_layout, frame, self->in_buffer->mapped);
  return TRUE;
}

gboolean
cs_video_styler_run (CsVideoStyler *self,
                     double         degree,
                     GCancellable  *cancellable,
                     GError       **error)
{
  g_return_val_if_fail (CS_IS_VIDEO_STYLER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!self->configured)
    {
      g_set_error_literal (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT,
                           _("The styler is not configured"));
      return FALSE;
    }
  if (!(degree >= 0.0 && degree <= 1.0))
    {
      g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT,
                   _("The style degree must be between 0 and 1, not %g"), degree);
      return FALSE;
    }
  if (self->params != NULL)
    *(float *) self->params->mapped = (float) degree;
  if (self->temporal == NULL)
    return cs_network_run (self->network, cancellable, error);

  cs_temporal_pass_begin_frame (self->temporal);
  if (!cs_network_run (self->network, cancellable, error))
    {
      /* Whatever the GPU left in the history is no previous frame. */
      cs_temporal_pass_reset (self->temporal);
      return FALSE;
    }
  cs_temporal_pass_end_frame (self->temporal);
  return TRUE;
}

void
cs_video_styler_set_stability (CsVideoStyler *self,
                               double         stability)
{
  g_return_if_fail (CS_IS_VIDEO_STYLER (self));
  g_return_if_fail (stability >= 0.0 && stability <= 1.0);

  self->stability = stability;
  if (self->temporal != NULL)
    cs_temporal_pass_set_stability (self->temporal, stability);
}

double
cs_video_styler_get_stability (CsVideoStyler *self)
{
  g_return_val_if_fail (CS_IS_VIDEO_STYLER (self), 0.0);
  return self->stability;
}

void
cs_video_styler_set_temporal (CsVideoStyler *self,
                              gboolean       enabled)
{
  g_return_if_fail (CS_IS_VIDEO_STYLER (self));
  self->no_temporal = !enabled;
}

void
cs_video_styler_reset_history (CsVideoStyler *self)
{
  g_return_if_fail (CS_IS_VIDEO_STYLER (self));
  if (self->temporal != NULL)
    cs_temporal_pass_reset (self->temporal);
}

gboolean
cs_video_styler_has_history (CsVideoStyler *self)
{
  g_return_val_if_fail (CS_IS_VIDEO_STYLER (self), FALSE);
  return self->temporal != NULL && cs_temporal_pass_has_history (self->temporal);
}

CsTemporalPass *
cs_video_styler_get_temporal_pass (CsVideoStyler *self)
{
  g_return_val_if_fail (CS_IS_VIDEO_STYLER (self), NULL);
  return self->temporal;
}

AVFrame *
cs_video_styler_download (CsVideoStyler *self)
{
  g_return_val_if_fail (CS_IS_VIDEO_STYLER (self), NULL);
  g_return_val_if_fail (self->configured && self->has_out, NULL);

  return cs_yuv_copy_to_frame (&self->out, &self->out_layout, self->out_buffer->mapped);
}

AVFrame *
cs_video_styler_process (CsVideoStyler  *self,
                         const AVFrame  *frame,
                         double          degree,
                         GCancellable   *cancellable,
                         GError        **error)
{
  if (!cs_video_styler_upload (self, frame, error) ||
      !cs_video_styler_run (self, degree, cancellable, error))
    return NULL;
  if (!self->has_out)
    {
      g_set_error_literal (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT,
                           _("The styler is not configured for output frames"));
      return NULL;
    }
  return cs_video_styler_download (self);
}
