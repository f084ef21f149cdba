/* cs-stylizer.c: a style's network applied to frames, with its degree
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "cs-stylizer.h"

struct _CsStylizer
{
  GObject parent_instance;

  CsStyle     *style;
  CsDevice    *device;
  CsNetwork   *network;
  CsPrecision  precision;
  guint        output_index;

  /* The size the network is prepared for (padded), 0 when it is not. */
  int          net_width;
  int          net_height;
  float       *in_buffer;
  float       *out_buffer;
};

G_DEFINE_FINAL_TYPE (CsStylizer, cs_stylizer, G_TYPE_OBJECT)

static void
cs_stylizer_finalize (GObject *object)
{
  CsStylizer *self = CS_STYLIZER (object);

  g_clear_object (&self->network);
  g_clear_object (&self->style);
  g_clear_object (&self->device);
  g_free (self->in_buffer);
  g_free (self->out_buffer);

  G_OBJECT_CLASS (cs_stylizer_parent_class)->finalize (object);
}

static void
cs_stylizer_class_init (CsStylizerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cs_stylizer_finalize;
}

static void
cs_stylizer_init (CsStylizer *self)
{
}

CsStylizer *
cs_stylizer_new (CsStyle     *style,
                 CsDevice    *device,
                 CsPrecision  precision,
                 GError     **error)
{
  g_autoptr(CsStylizer) self = NULL;
  g_autoptr(GError) local = NULL;
  gboolean found_input = FALSE, found_output = FALSE;

  g_return_val_if_fail (CS_IS_STYLE (style), NULL);
  g_return_val_if_fail (CS_IS_DEVICE (device), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (precision == CS_PRECISION_FP16 && !cs_device_supports_fp16 (device))
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_UNSUPPORTED,
                   _("The device “%s” has no 16-bit floating-point arithmetic; use fp32"),
                   cs_device_get_name (device));
      return NULL;
    }

  self = g_object_new (CS_TYPE_STYLIZER, NULL);
  self->style = g_object_ref (style);
  self->device = g_object_ref (device);
  self->precision = precision == CS_PRECISION_AUTO ? cs_device_default_precision (device) : precision;

  self->network = cs_network_new_from_file (device, cs_style_get_model_path (style), &local);
  if (self->network == NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local), _("Style “%s”: "), cs_style_get_name (style));
      return NULL;
    }

  for (guint i = 0; i < cs_network_get_n_inputs (self->network); i++)
    if (g_strcmp0 (cs_network_get_input_name (self->network, i), cs_style_get_input_name (style)) == 0)
      found_input = TRUE;
  for (guint i = 0; i < cs_network_get_n_outputs (self->network); i++)
    if (g_strcmp0 (cs_network_get_output_name (self->network, i), cs_style_get_output_name (style)) == 0)
      {
        self->output_index = i;
        found_output = TRUE;
      }
  if (!found_input || !found_output)
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_INVALID,
                   _("Style “%s”: the model “%s” has no %s tensor “%s”, which style.json names"),
                   cs_style_get_name (style), cs_style_get_model_path (style),
                   found_input ? _("output") : _("input"),
                   found_input ? cs_style_get_output_name (style) : cs_style_get_input_name (style));
      return NULL;
    }

  return g_steal_pointer (&self);
}

CsStyle *
cs_stylizer_get_style (CsStylizer *self)
{
  g_return_val_if_fail (CS_IS_STYLIZER (self), NULL);
  return self->style;
}

CsDevice *
cs_stylizer_get_device (CsStylizer *self)
{
  g_return_val_if_fail (CS_IS_STYLIZER (self), NULL);
  return self->device;
}

CsPrecision
cs_stylizer_get_precision (CsStylizer *self)
{
  g_return_val_if_fail (CS_IS_STYLIZER (self), CS_PRECISION_FP32);
  return self->precision;
}

static int
round_up (int value,
          int multiple)
{
  return (value + multiple - 1) / multiple * multiple;
}

gboolean
cs_stylizer_prepare (CsStylizer *self,
                     int         width,
                     int         height,
                     GError    **error)
{
  g_autoptr(GError) local = NULL;
  int multiple, pw, ph;
  int64_t out_dims[8];
  gsize n;

  g_return_val_if_fail (CS_IS_STYLIZER (self), FALSE);

  if (width <= 0 || height <= 0 || width > 16384 || height > 16384)
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_INVALID_ARGUMENT,
                   _("Frames of %d × %d pixels are not supported"), width, height);
      return FALSE;
    }

  multiple = cs_style_get_size_multiple (self->style);
  pw = round_up (width, multiple);
  ph = round_up (height, multiple);
  if (pw == self->net_width && ph == self->net_height)
    return TRUE;

  /* A failed prepare leaves nothing usable behind. */
  self->net_width = self->net_height = 0;
  g_clear_pointer (&self->in_buffer, g_free);
  g_clear_pointer (&self->out_buffer, g_free);

  if (!cs_network_set_input_shape (self->network, cs_style_get_input_name (self->style),
                                   4, (const int64_t[]) { 1, 3, ph, pw }, &local) ||
      !cs_network_prepare (self->network, self->precision, &local))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local), _("Style “%s” at %d × %d pixels: "),
                                  cs_style_get_name (self->style), width, height);
      return FALSE;
    }

  if (cs_network_get_output_dims (self->network, self->output_index, out_dims) != 4 ||
      out_dims[0] != 1 || out_dims[1] != 3 || out_dims[2] != ph || out_dims[3] != pw)
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_UNSUPPORTED,
                   _("Style “%s”: its model does not give one RGB image of its input's size "
                     "(%d × %d); Celshade cannot use it"),
                   cs_style_get_name (self->style), pw, ph);
      return FALSE;
    }

  n = (gsize) 3 * pw * ph;
  self->in_buffer = g_try_new (float, n);
  self->out_buffer = g_try_new (float, n);
  if (self->in_buffer == NULL || self->out_buffer == NULL)
    {
      g_clear_pointer (&self->in_buffer, g_free);
      g_clear_pointer (&self->out_buffer, g_free);
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_FAILED,
                   _("Not enough memory for frames of %d × %d pixels"), width, height);
      return FALSE;
    }

  self->net_width = pw;
  self->net_height = ph;
  return TRUE;
}

/* Copies the frame into the network's padded input, repeating the last
 * column and row: a border of the frame's own colours disturbs the
 * network's instance statistics and edges far less than zeros would. */
static void
pad_input (CsStylizer    *self,
           const CsImage *input)
{
  gsize in_plane = cs_image_plane_size (input);
  gsize out_plane = (gsize) self->net_width * self->net_height;

  for (int c = 0; c < 3; c++)
    for (int y = 0; y < self->net_height; y++)
      {
        const float *src = input->data + c * in_plane + (gsize) MIN (y, input->height - 1) * input->width;
        float *dst = self->in_buffer + c * out_plane + (gsize) y * self->net_width;

        memcpy (dst, src, sizeof (float) * input->width);
        for (int x = input->width; x < self->net_width; x++)
          dst[x] = src[input->width - 1];
      }
}

CsImage *
cs_stylizer_run (CsStylizer    *self,
                 const CsImage *input,
                 double         degree,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autoptr(CsImage) output = NULL;
  g_autoptr(GError) local = NULL;
  gsize plane, net_plane;
  float d;

  g_return_val_if_fail (CS_IS_STYLIZER (self), NULL);
  g_return_val_if_fail (input != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(degree >= 0.0 && degree <= 1.0))
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_INVALID_ARGUMENT,
                   _("The style degree must be between 0 and 1, not %g"), degree);
      return NULL;
    }

  if (g_cancellable_set_error_if_cancelled (cancellable, &local))
    {
      g_set_error_literal (error, CS_STYLE_ERROR, CS_STYLE_ERROR_CANCELLED, local->message);
      return NULL;
    }

  /* Degree 0 is the original exactly, whatever the network would give. */
  if (degree == 0.0)
    return cs_image_copy (input);

  if (!cs_stylizer_prepare (self, input->width, input->height, error))
    return NULL;

  output = cs_image_new (input->width, input->height, error);
  if (output == NULL)
    return NULL;

  net_plane = (gsize) self->net_width * self->net_height;
  pad_input (self, input);
  if (!cs_network_set_input (self->network, cs_style_get_input_name (self->style),
                             self->in_buffer, 3 * net_plane, &local) ||
      !cs_network_run (self->network, cancellable, &local) ||
      !cs_network_get_output (self->network, self->output_index, self->out_buffer, 3 * net_plane, &local))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local), _("Style “%s”: "),
                                  cs_style_get_name (self->style));
      return NULL;
    }

  plane = cs_image_plane_size (input);
  d = (float) degree;
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < input->height; y++)
      {
        const float *styled = self->out_buffer + c * net_plane + (gsize) y * self->net_width;
        const float *orig = input->data + c * plane + (gsize) y * input->width;
        float *dst = output->data + c * plane + (gsize) y * input->width;

        if (degree == 1.0)
          memcpy (dst, styled, sizeof (float) * input->width);
        else
          for (int x = 0; x < input->width; x++)
            dst[x] = orig[x] + d * (styled[x] - orig[x]);
      }

  return g_steal_pointer (&output);
}
