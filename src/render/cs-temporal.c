/* cs-temporal.c: temporal stabilization of a network's output on the GPU
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "cs-render-error.h"
#include "cs-temporal.h"

/* The shaders' Params block (shaders/temporal.glsl), std430. */
typedef struct {
  float   stability;
  guint32 parity;
  guint32 history;
  float   max_weight;
  float   cut_mad;
  float   cut_unsure;
  float   sigma_luma;
  float   fb_rel;
  float   fb_abs;
  float   mad;
  float   unsure;
  guint32 cut;
} TemporalParams;

G_STATIC_ASSERT (sizeof (TemporalParams) == 48);

#define MAX_LEVELS 6

/* The shaders' push-constant block. */
typedef struct {
  guint32 size[4];
  guint32 info[4];
  guint32 level[MAX_LEVELS][4];
} TemporalPush;

G_STATIC_ASSERT (sizeof (TemporalPush) == 128);

/* Flow is computed on frames whose longer side is at most this: enough to
 * follow the motions that make textures crawl, a small part of a network's
 * time, and the same work whatever the clip's size. */
#define FLOW_SIDE 320
/* The pyramid stops before a level's shorter side falls under this. */
#define MIN_LEVEL_SIDE 12

/* The weight the previous frame gets where the flow is sure, at stability 1:
 * below 1 so that the output always follows the network. */
#define MAX_WEIGHT 0.9f
/* A scene cut: the mean absolute luma change (0..255) or the share of
 * pixels with unsure flow above these. */
#define CUT_MEAN_CHANGE 48.0f
#define CUT_UNSURE 0.6f
/* Luma change (0..255) at which a pixel's confidence falls to 1/e. */
#define SIGMA_LUMA 12.0f
/* Forward-backward tolerance: relative and absolute (flow pixels squared). */
#define FB_RELATIVE 0.01f
#define FB_ABSOLUTE 0.5f

#define GROUP 16

struct _CsTemporalPass
{
  GObject   parent_instance;

  CsDevice *device;
  int       tensor_width;
  int       tensor_height;
  int       frame_width;
  int       frame_height;
  int       factor;
  guint     n_levels;
  guint32   level[MAX_LEVELS][4];
  guint32   slot_size;      /* floats in one slot of the pyramid */

  CsBuffer *pyramid;        /* two slots */
  CsBuffer *flow;           /* backward then forward, vec2 */
  CsBuffer *confidence;
  CsBuffer *history;        /* two slots of planar RGB float */
  CsBuffer *params;         /* TemporalParams, host-visible */

  double    stability;
  guint     parity;
  gboolean  has_history;
  gboolean  last_cut;
  double    last_mad;
  double    last_unsure;
};

G_DEFINE_FINAL_TYPE (CsTemporalPass, cs_temporal_pass, G_TYPE_OBJECT)

static void
cs_temporal_pass_finalize (GObject *object)
{
  CsTemporalPass *self = CS_TEMPORAL_PASS (object);
  CsBuffer **buffers[] = { &self->pyramid, &self->flow, &self->confidence, &self->history, &self->params };

  for (guint i = 0; i < G_N_ELEMENTS (buffers); i++)
    if (*buffers[i] != NULL)
      cs_device_release_buffer (self->device, *buffers[i]);
  g_clear_object (&self->device);

  G_OBJECT_CLASS (cs_temporal_pass_parent_class)->finalize (object);
}

static void
cs_temporal_pass_class_init (CsTemporalPassClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cs_temporal_pass_finalize;
}

static void
cs_temporal_pass_init (CsTemporalPass *self)
{
}

static CsBuffer *
alloc (CsTemporalPass *self,
       guint64         bytes,
       gboolean        host_visible,
       GError        **error)
{
  return cs_device_alloc_buffer (self->device, MAX (bytes, 16), host_visible, error);
}

CsTemporalPass *
cs_temporal_pass_new (CsDevice  *device,
                      int        tensor_width,
                      int        tensor_height,
                      int        frame_width,
                      int        frame_height,
                      GError   **error)
{
  g_autoptr(CsTemporalPass) self = NULL;
  guint32 w, h, offset = 0;
  guint64 plane;

  g_return_val_if_fail (CS_IS_DEVICE (device), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (frame_width < 1 || frame_height < 1 || tensor_width < frame_width || tensor_height < frame_height ||
      tensor_width > 16384 || tensor_height > 16384)
    {
      g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT,
                   _("Frames of %d×%d pixels in tensors of %d×%d cannot be stabilized"),
                   frame_width, frame_height, tensor_width, tensor_height);
      return NULL;
    }

  self = g_object_new (CS_TYPE_TEMPORAL_PASS, NULL);
  self->device = g_object_ref (device);
  self->tensor_width = tensor_width;
  self->tensor_height = tensor_height;
  self->frame_width = frame_width;
  self->frame_height = frame_height;
  self->factor = MAX (1, (MAX (tensor_width, tensor_height) + FLOW_SIDE - 1) / FLOW_SIDE);

  w = (guint32) ((tensor_width + self->factor - 1) / self->factor);
  h = (guint32) ((tensor_height + self->factor - 1) / self->factor);
  do
    {
      guint32 *l = self->level[self->n_levels++];

      l[0] = w;
      l[1] = h;
      l[2] = offset;
      l[3] = 0;
      offset += w * h;
      w = (w + 1) / 2;
      h = (h + 1) / 2;
    }
  while (self->n_levels < MAX_LEVELS && MIN (w, h) >= MIN_LEVEL_SIDE);
  self->slot_size = offset;

  plane = (guint64) tensor_width * tensor_height;
  if ((self->pyramid = alloc (self, 2ull * offset * sizeof (float), FALSE, error)) == NULL ||
      (self->flow = alloc (self, 2ull * offset * 2 * sizeof (float), FALSE, error)) == NULL ||
      (self->confidence = alloc (self, (guint64) self->level[0][0] * self->level[0][1] * sizeof (float), FALSE, error)) == NULL ||
      (self->history = alloc (self, 2ull * 3 * plane * sizeof (float), FALSE, error)) == NULL ||
      (self->params = alloc (self, sizeof (TemporalParams), TRUE, error)) == NULL)
    return NULL;
  memset (self->params->mapped, 0, sizeof (TemporalParams));
  return g_steal_pointer (&self);
}

static void
fill_push (CsTemporalPass *self,
           TemporalPush   *push,
           guint           level)
{
  memset (push, 0, sizeof *push);
  push->size[0] = (guint32) self->tensor_width;
  push->size[1] = (guint32) self->tensor_height;
  push->size[2] = (guint32) self->frame_width;
  push->size[3] = (guint32) self->frame_height;
  push->info[0] = (guint32) self->factor;
  push->info[1] = self->n_levels;
  push->info[2] = level;
  push->info[3] = self->slot_size;
  memcpy (push->level, self->level, sizeof self->level);
}

static guint32
groups_for (guint32 n)
{
  return (n + GROUP - 1) / GROUP;
}

gboolean
cs_temporal_pass_add_stages (CsTemporalPass  *self,
                             CsNetwork       *network,
                             const char      *input_name,
                             const char      *output_name,
                             GError         **error)
{
  TemporalPush push;
  const char *input[] = { input_name, NULL };
  const char *output[] = { output_name, NULL };
  guint32 groups[3];

  g_return_val_if_fail (CS_IS_TEMPORAL_PASS (self), FALSE);
  g_return_val_if_fail (CS_IS_NETWORK (network), FALSE);
  g_return_val_if_fail (input_name != NULL && output_name != NULL, FALSE);

  /* The current frame's luma pyramid. */
  fill_push (self, &push, 0);
  groups[0] = groups_for (self->level[0][0]);
  groups[1] = groups_for (self->level[0][1]);
  groups[2] = 1;
  if (!cs_network_add_stage (network, CS_STAGE_AFTER, "temporal_luma", NULL, 0,
                             (CsBuffer *[]) { self->pyramid, self->params }, 2, input,
                             &push, sizeof push, groups, error))
    return FALSE;
  for (guint l = 1; l < self->n_levels; l++)
    {
      fill_push (self, &push, l);
      groups[0] = groups_for (self->level[l][0]);
      groups[1] = groups_for (self->level[l][1]);
      if (!cs_network_add_stage (network, CS_STAGE_AFTER, "temporal_down", NULL, 0,
                                 (CsBuffer *[]) { self->pyramid, self->params }, 2, NULL,
                                 &push, sizeof push, groups, error))
        return FALSE;
    }

  /* Both flows, coarse to fine. */
  for (guint l = self->n_levels; l-- > 0;)
    {
      fill_push (self, &push, l);
      groups[0] = groups_for (self->level[l][0]);
      groups[1] = groups_for (self->level[l][1]);
      groups[2] = 2;
      if (!cs_network_add_stage (network, CS_STAGE_AFTER, "temporal_flow", NULL, 0,
                                 (CsBuffer *[]) { self->pyramid, self->flow, self->params }, 3, NULL,
                                 &push, sizeof push, groups, error))
        return FALSE;
    }

  fill_push (self, &push, 0);
  groups[0] = groups_for (self->level[0][0]);
  groups[1] = groups_for (self->level[0][1]);
  groups[2] = 1;
  if (!cs_network_add_stage (network, CS_STAGE_AFTER, "temporal_confidence", NULL, 0,
                             (CsBuffer *[]) { self->pyramid, self->flow, self->confidence, self->params }, 4, NULL,
                             &push, sizeof push, groups, error))
    return FALSE;
  if (!cs_network_add_stage (network, CS_STAGE_AFTER, "temporal_cut", NULL, 0,
                             (CsBuffer *[]) { self->pyramid, self->confidence, self->params }, 3, NULL,
                             &push, sizeof push, (guint32[]) { 1, 1, 1 }, error))
    return FALSE;

  groups[0] = groups_for ((guint32) self->tensor_width);
  groups[1] = groups_for ((guint32) self->tensor_height);
  return cs_network_add_stage (network, CS_STAGE_AFTER, "temporal_blend", NULL, 0,
                               (CsBuffer *[]) { self->history, self->flow, self->confidence, self->params }, 4,
                               output, &push, sizeof push, groups, error);
}

void
cs_temporal_pass_set_stability (CsTemporalPass *self,
                                double          stability)
{
  g_return_if_fail (CS_IS_TEMPORAL_PASS (self));
  g_return_if_fail (stability >= 0.0 && stability <= 1.0);
  self->stability = stability;
}

double
cs_temporal_pass_get_stability (CsTemporalPass *self)
{
  g_return_val_if_fail (CS_IS_TEMPORAL_PASS (self), 0.0);
  return self->stability;
}

void
cs_temporal_pass_reset (CsTemporalPass *self)
{
  g_return_if_fail (CS_IS_TEMPORAL_PASS (self));
  self->has_history = FALSE;
}

gboolean
cs_temporal_pass_has_history (CsTemporalPass *self)
{
  g_return_val_if_fail (CS_IS_TEMPORAL_PASS (self), FALSE);
  return self->has_history;
}

void
cs_temporal_pass_begin_frame (CsTemporalPass *self)
{
  TemporalParams *q;

  g_return_if_fail (CS_IS_TEMPORAL_PASS (self));

  q = self->params->mapped;
  q->stability = (float) self->stability;
  q->parity = self->parity;
  q->history = self->has_history;
  q->max_weight = MAX_WEIGHT;
  q->cut_mad = CUT_MEAN_CHANGE;
  q->cut_unsure = CUT_UNSURE;
  q->sigma_luma = SIGMA_LUMA;
  q->fb_rel = FB_RELATIVE;
  q->fb_abs = FB_ABSOLUTE;
  q->mad = 0.0f;
  q->unsure = 0.0f;
  q->cut = 0;
}

void
cs_temporal_pass_end_frame (CsTemporalPass *self)
{
  const TemporalParams *q;

  g_return_if_fail (CS_IS_TEMPORAL_PASS (self));

  q = self->params->mapped;
  if (q->history && q->stability > 0.0f)
    {
      self->last_cut = q->cut != 0;
      self->last_mad = q->mad;
      self->last_unsure = q->unsure;
    }
  self->parity ^= 1;
  self->has_history = TRUE;
}

gboolean
cs_temporal_pass_get_last_cut (CsTemporalPass *self,
                               double         *mean_change,
                               double         *unsure)
{
  g_return_val_if_fail (CS_IS_TEMPORAL_PASS (self), FALSE);
  if (mean_change != NULL)
    *mean_change = self->last_mad;
  if (unsure != NULL)
    *unsure = self->last_unsure;
  return self->last_cut;
}

int
cs_temporal_pass_get_factor (CsTemporalPass *self,
                             int            *flow_width,
                             int            *flow_height)
{
  g_return_val_if_fail (CS_IS_TEMPORAL_PASS (self), 0);
  if (flow_width != NULL)
    *flow_width = (int) self->level[0][0];
  if (flow_height != NULL)
    *flow_height = (int) self->level[0][1];
  return self->factor;
}

gboolean
cs_temporal_pass_read_flow (CsTemporalPass  *self,
                            float           *xy,
                            gsize            n,
                            GError         **error)
{
  gsize want;
  const float *flow;

  g_return_val_if_fail (CS_IS_TEMPORAL_PASS (self), FALSE);

  want = 2 * (gsize) self->level[0][0] * self->level[0][1];
  if (n != want)
    {
      g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT,
                   _("The flow holds %" G_GSIZE_FORMAT " values, not %" G_GSIZE_FORMAT), want, n);
      return FALSE;
    }
  if (self->flow->mapped == NULL)
    {
      g_set_error_literal (error, CS_RENDER_ERROR, CS_RENDER_ERROR_FAILED,
                           _("The device keeps the flow in memory the host cannot read"));
      return FALSE;
    }
  /* Level 0 of the backward flow comes first. */
  flow = self->flow->mapped;
  for (gsize i = 0; i < n; i++)
    xy[i] = flow[i] * (float) self->factor;
  return TRUE;
}
