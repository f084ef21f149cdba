/* cs-temporal.c: temporal stabilization of a network's output on the GPU
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "cs-half.h"
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
  float   adapt;
} TemporalParams;

G_STATIC_ASSERT (sizeof (TemporalParams) == 52);

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
 * below 1 so that the output always follows the network. A stability s
 * gives MAX_WEIGHT · (1 − (1 − s)^WEIGHT_EXPONENT), 0.6 at the default 0.5.
 * A moderate weight keeps each frame close to the network's own: the
 * history of a recursive blend weighted near 1 reaches far back, and the
 * frames drift from what the network painted (SSIM falls) long before the
 * flicker that remains, most of it where the flow is unsure, goes. The
 * second half of the range trades that drift for steadiness. */
#define MAX_WEIGHT 0.95
#define WEIGHT_EXPONENT 1.44
/* A scene cut: the mean absolute luma change (0..255) or the share of
 * pixels with unsure flow above these. */
#define CUT_MEAN_CHANGE 48.0f
#define CUT_UNSURE 0.6f
/* Luma change (0..255) at which a pixel's confidence falls to 1/e. */
#define SIGMA_LUMA 32.0f
/* Forward-backward tolerance: relative and absolute (flow pixels squared).
 * The absolute part is wide: the two directions are estimated on different
 * templates and disagree by a pixel or two on fine texture where both are
 * right, and the weight's fall with the output's change (ADAPT) already
 * keeps a slightly wrong flow from leaving a ghost; only a real
 * disagreement (an occlusion, a match on another object) takes the blend
 * away. */
#define FB_RELATIVE 0.01f
#define FB_ABSOLUTE 100.0f
/* How much the output's change from the warped previous frame (squared,
 * the mean of the three channels) lowers the weight, against the output's
 * local contrast: the weight is multiplied by (c + C) / (c + C + ADAPT · d²)
 * (c the luma variance around the pixel, C FLAT_CONTRAST in
 * temporal_blend.comp). What the blend
 * changes costs the frame's structure in proportion to the change over the
 * contrast around it, so a style that only shimmers is pulled almost fully,
 * and one that repaints whole strokes from frame to frame keeps them. */
#define ADAPT 0.3f

#define GROUP 16

/* Jacobi steps of the flow's edge-aware fill at each level: each spreads
 * the sure estimates one pixel further. */
#define SMOOTHING_STEPS 8

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
  CsBuffer *raw;            /* one level's unsmoothed flow, both ways, vec4 */
  CsBuffer *scratch;        /* one level's flow between smoothing steps, vec2 */
  CsBuffer *confidence;
  CsBuffer *contrast;       /* the output's local contrast at the flow size */
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
  CsBuffer **buffers[] = { &self->pyramid, &self->flow, &self->raw, &self->scratch, &self->confidence, &self->contrast,
                           &self->history, &self->params };

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
      (self->raw = alloc (self, 2ull * self->level[0][0] * self->level[0][1] * 4 * sizeof (float), FALSE, error)) == NULL ||
      (self->scratch = alloc (self, 2ull * self->level[0][0] * self->level[0][1] * 2 * sizeof (float), FALSE, error)) == NULL ||
      (self->confidence = alloc (self, (guint64) self->level[0][0] * self->level[0][1] * sizeof (float), FALSE, error)) == NULL ||
      (self->contrast = alloc (self, (guint64) self->level[0][0] * self->level[0][1] * sizeof (float), FALSE, error)) == NULL ||
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

/* One dispatch of the pass: its shader, its own buffers, then at most one
 * network tensor (the input or the output). */
typedef enum {
  TENSOR_NONE,
  TENSOR_INPUT,
  TENSOR_OUTPUT,
} StepTensor;

typedef struct {
  const char   *shader;
  guint32       spec[2];
  guint         n_spec;
  CsBuffer     *buffers[5];
  guint         n_buffers;
  StepTensor    tensor;
  TemporalPush  push;
  guint32       groups[3];
} Step;

static Step *
add_step (GArray     *steps,
          const char *shader,
          StepTensor  tensor,
          guint32     gx,
          guint32     gy,
          guint32     gz)
{
  Step step = { 0 };

  step.shader = shader;
  step.tensor = tensor;
  step.groups[0] = gx;
  step.groups[1] = gy;
  step.groups[2] = gz;
  g_array_append_val (steps, step);
  return &g_array_index (steps, Step, steps->len - 1);
}

static void
set_buffers (Step     *step,
             guint     n,
             CsBuffer *a,
             CsBuffer *b,
             CsBuffer *c,
             CsBuffer *d,
             CsBuffer *e)
{
  CsBuffer *all[5] = { a, b, c, d, e };

  step->n_buffers = n;
  memcpy (step->buffers, all, sizeof all);
}

/* The pass's dispatches in order: the current frame's luma pyramid, both
 * flows coarse to fine (Lucas–Kanade, then Jacobi steps of the edge-aware
 * fill, from the estimates through the scratch buffer, and a 3 × 3 median
 * into the flow), the
 * confidence, the scene-cut decision and the blend. */
static GArray *
build_steps (CsTemporalPass *self)
{
  GArray *steps = g_array_new (FALSE, TRUE, sizeof (Step));
  guint32 w0 = groups_for (self->level[0][0]), h0 = groups_for (self->level[0][1]);
  Step *st;

  st = add_step (steps, "temporal_luma", TENSOR_INPUT, w0, h0, 1);
  set_buffers (st, 2, self->pyramid, self->params, NULL, NULL, NULL);
  fill_push (self, &st->push, 0);
  for (guint l = 1; l < self->n_levels; l++)
    {
      st = add_step (steps, "temporal_down", TENSOR_NONE, groups_for (self->level[l][0]),
                     groups_for (self->level[l][1]), 1);
      set_buffers (st, 2, self->pyramid, self->params, NULL, NULL, NULL);
      fill_push (self, &st->push, l);
    }

  for (guint l = self->n_levels; l-- > 0;)
    {
      guint32 gx = groups_for (self->level[l][0]), gy = groups_for (self->level[l][1]);

      st = add_step (steps, "temporal_flow", TENSOR_NONE, gx, gy, 2);
      set_buffers (st, 4, self->pyramid, self->flow, self->params, self->raw, NULL);
      fill_push (self, &st->push, l);
      for (guint k = 0; k < SMOOTHING_STEPS; k++)
        {
          st = add_step (steps, "temporal_smooth", TENSOR_NONE, gx, gy, 2);
          set_buffers (st, 4, self->raw, self->scratch, self->flow, self->params, NULL);
          fill_push (self, &st->push, l);
          /* From the estimates (0) into scratch (1) and flow (2) in turn,
           * the last step into scratch, for the median. */
          st->n_spec = 2;
          st->spec[1] = (SMOOTHING_STEPS - k) % 2 == 1 ? 1 : 2;
          st->spec[0] = k == 0 ? 0 : 3 - st->spec[1];
        }
      st = add_step (steps, "temporal_median", TENSOR_NONE, gx, gy, 2);
      set_buffers (st, 3, self->scratch, self->flow, self->params, NULL, NULL);
      fill_push (self, &st->push, l);
    }

  st = add_step (steps, "temporal_confidence", TENSOR_NONE, w0, h0, 1);
  set_buffers (st, 5, self->pyramid, self->flow, self->confidence, self->params, self->raw);
  fill_push (self, &st->push, 0);
  st = add_step (steps, "temporal_cut", TENSOR_NONE, 1, 1, 1);
  set_buffers (st, 3, self->pyramid, self->confidence, self->params, NULL, NULL);
  fill_push (self, &st->push, 0);
  st = add_step (steps, "temporal_contrast", TENSOR_OUTPUT, w0, h0, 1);
  set_buffers (st, 2, self->contrast, self->params, NULL, NULL, NULL);
  fill_push (self, &st->push, 0);
  st = add_step (steps, "temporal_blend", TENSOR_OUTPUT, groups_for ((guint32) self->tensor_width),
                 groups_for ((guint32) self->tensor_height), 1);
  set_buffers (st, 5, self->history, self->flow, self->confidence, self->params, self->contrast);
  fill_push (self, &st->push, 0);
  return steps;
}

gboolean
cs_temporal_pass_add_stages (CsTemporalPass  *self,
                             CsNetwork       *network,
                             const char      *input_name,
                             const char      *output_name,
                             GError         **error)
{
  g_autoptr(GArray) steps = NULL;

  g_return_val_if_fail (CS_IS_TEMPORAL_PASS (self), FALSE);
  g_return_val_if_fail (CS_IS_NETWORK (network), FALSE);
  g_return_val_if_fail (input_name != NULL && output_name != NULL, FALSE);

  steps = build_steps (self);
  for (guint i = 0; i < steps->len; i++)
    {
      Step *st = &g_array_index (steps, Step, i);
      const char *tensor[] = { st->tensor == TENSOR_INPUT ? input_name : output_name, NULL };

      if (!cs_network_add_stage (network, CS_STAGE_AFTER, st->shader, st->spec, st->n_spec,
                                 st->buffers, st->n_buffers, st->tensor == TENSOR_NONE ? NULL : tensor,
                                 &st->push, sizeof st->push, st->groups, error))
        return FALSE;
    }
  return TRUE;
}

static void
barrier (VkCommandBuffer cmd)
{
  VkMemoryBarrier mb = {
    .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
    .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_HOST_WRITE_BIT,
    .dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT,
  };

  vkCmdPipelineBarrier (cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_HOST_BIT,
                        VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &mb, 0, NULL, 0, NULL);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* A textured frame, moved by `shift` pixels to the right, into a planar RGB
 * tensor of the pass's size. */
static void
fill_frame (CsTemporalPass *self,
            CsPrecision     precision,
            void           *data,
            double          shift)
{
  gsize plane = (gsize) self->tensor_width * self->tensor_height;

  for (int y = 0; y < self->tensor_height; y++)
    for (int x = 0; x < self->tensor_width; x++)
      for (int c = 0; c < 3; c++)
        {
          double u = x - shift;
          float v = (float) (128.0 + 60.0 * sin (0.11 * u + 0.7 * c) * cos (0.07 * y) + 30.0 * sin (0.031 * (u + y)));
          gsize i = c * plane + (gsize) y * self->tensor_width + x;

          if (precision == CS_PRECISION_FP16)
            cs_floats_to_halves (&v, (guint16 *) data + i, 1);
          else
            ((float *) data)[i] = v;
        }
}

gboolean
cs_temporal_pass_time (CsTemporalPass  *self,
                       CsPrecision      precision,
                       guint            runs,
                       double          *ms,
                       GError         **error)
{
  g_autoptr(GArray) steps = NULL;
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  VkDevice dev = cs_device_get_vk (self->device);
  double period = cs_device_get_timestamp_period (self->device);
  VkDescriptorPool pool = VK_NULL_HANDLE;
  VkQueryPool queries = VK_NULL_HANDLE;
  VkCommandBuffer cmd = VK_NULL_HANDLE;
  CsBuffer *frames[2] = { NULL, NULL };
  VkDescriptorSet *sets = NULL;
  const CsPipeline **pipes = NULL;
  guint n_bindings = 0;
  double stability = -1;
  gsize bytes;
  gboolean ok = FALSE;

  g_return_val_if_fail (CS_IS_TEMPORAL_PASS (self), FALSE);
  g_return_val_if_fail (runs > 0 && ms != NULL, FALSE);

  if (precision == CS_PRECISION_AUTO)
    precision = cs_device_default_precision (self->device);
  if (period <= 0)
    {
      g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_FAILED,
                   _("The device “%s” has no timestamps to time the temporal pass with"),
                   cs_device_get_name (self->device));
      return FALSE;
    }

  /* The network's input and output tensors, as buffers of their own. */
  bytes = 3 * (gsize) self->tensor_width * self->tensor_height * (precision == CS_PRECISION_FP16 ? 2 : 4);
  for (guint i = 0; i < 2; i++)
    if ((frames[i] = cs_device_alloc_buffer (self->device, bytes, TRUE, error)) == NULL)
      goto out;

  steps = build_steps (self);
  pipes = g_new0 (const CsPipeline *, steps->len);
  sets = g_new0 (VkDescriptorSet, steps->len);
  for (guint i = 0; i < steps->len; i++)
    {
      Step *st = &g_array_index (steps, Step, i);
      guint n = st->n_buffers + (st->tensor != TENSOR_NONE);

      pipes[i] = cs_device_get_pipeline (self->device, st->shader, precision, st->spec, st->n_spec, n, 0,
                                         sizeof st->push, error);
      if (pipes[i] == NULL)
        goto out;
      n_bindings += n;
    }
  {
    VkDescriptorPoolSize size = { VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, n_bindings };
    VkDescriptorPoolCreateInfo info = {
      .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
      .maxSets = steps->len, .poolSizeCount = 1, .pPoolSizes = &size,
    };
    VkQueryPoolCreateInfo qinfo = {
      .sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO,
      .queryType = VK_QUERY_TYPE_TIMESTAMP, .queryCount = 2,
    };

    if (vkCreateDescriptorPool (dev, &info, NULL, &pool) != VK_SUCCESS ||
        vkCreateQueryPool (dev, &qinfo, NULL, &queries) != VK_SUCCESS)
      {
        g_set_error_literal (error, CS_RENDER_ERROR, CS_RENDER_ERROR_FAILED,
                             _("Out of device memory while timing the temporal pass"));
        goto out;
      }
  }
  for (guint i = 0; i < steps->len; i++)
    {
      Step *st = &g_array_index (steps, Step, i);
      VkDescriptorSetAllocateInfo ainfo = {
        .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
        .descriptorPool = pool, .descriptorSetCount = 1, .pSetLayouts = &pipes[i]->set_layout,
      };
      VkDescriptorBufferInfo binfo[6];
      VkWriteDescriptorSet writes[6];
      guint n = 0;

      if (vkAllocateDescriptorSets (dev, &ainfo, &sets[i]) != VK_SUCCESS)
        {
          g_set_error_literal (error, CS_RENDER_ERROR, CS_RENDER_ERROR_FAILED,
                               _("Out of device memory while timing the temporal pass"));
          goto out;
        }
      for (guint k = 0; k < st->n_buffers; k++)
        binfo[n++] = (VkDescriptorBufferInfo) { st->buffers[k]->buffer, 0, st->buffers[k]->size };
      if (st->tensor != TENSOR_NONE)
        {
          CsBuffer *b = frames[st->tensor == TENSOR_INPUT ? 0 : 1];
          binfo[n++] = (VkDescriptorBufferInfo) { b->buffer, 0, bytes };
        }
      for (guint k = 0; k < n; k++)
        writes[k] = (VkWriteDescriptorSet) {
          .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET, .dstSet = sets[i], .dstBinding = k,
          .descriptorCount = 1, .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, .pBufferInfo = &binfo[k],
        };
      vkUpdateDescriptorSets (dev, n, writes, 0, NULL);
    }

  if ((cmd = cs_device_begin_commands (self->device, error)) == VK_NULL_HANDLE)
    goto out;
  vkCmdResetQueryPool (cmd, queries, 0, 2);
  barrier (cmd);
  vkCmdWriteTimestamp (cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, queries, 0);
  for (guint i = 0; i < steps->len; i++)
    {
      Step *st = &g_array_index (steps, Step, i);

      vkCmdBindPipeline (cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipes[i]->pipeline);
      vkCmdBindDescriptorSets (cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipes[i]->layout, 0, 1, &sets[i], 0, NULL);
      vkCmdPushConstants (cmd, pipes[i]->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, sizeof st->push, &st->push);
      vkCmdDispatch (cmd, st->groups[0], st->groups[1], st->groups[2]);
      barrier (cmd);
    }
  vkCmdWriteTimestamp (cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, queries, 1);
  vkEndCommandBuffer (cmd);

  /* A frame that moves, so that the flow has work to do; the first run
   * only fills the history. */
  cs_temporal_pass_reset (self);
  stability = self->stability;
  self->stability = CS_DEFAULT_STABILITY;
  for (guint run = 0; run <= runs; run++)
    {
      guint64 ts[2];

      fill_frame (self, precision, frames[0]->mapped, 1.7 * run);
      fill_frame (self, precision, frames[1]->mapped, 1.7 * run + 0.5);
      cs_temporal_pass_begin_frame (self);
      if (!cs_device_submit_and_wait (self->device, cmd, FALSE, error))
        goto out;
      cs_temporal_pass_end_frame (self);
      if (run == 0)
        continue;
      if (vkGetQueryPoolResults (dev, queries, 0, 2, sizeof ts, ts, sizeof ts[0],
                                 VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT) == VK_SUCCESS)
        {
          double t = (ts[1] - ts[0]) * period * 1e-6;
          g_array_append_val (times, t);
        }
    }
  if (times->len == 0)
    {
      g_set_error_literal (error, CS_RENDER_ERROR, CS_RENDER_ERROR_FAILED,
                           _("The device gave no timestamps for the temporal pass"));
      goto out;
    }
  g_array_sort (times, compare_doubles);
  *ms = g_array_index (times, double, times->len / 2);
  ok = TRUE;

out:
  if (cmd != VK_NULL_HANDLE)
    vkFreeCommandBuffers (dev, cs_device_get_command_pool (self->device), 1, &cmd);
  if (queries != VK_NULL_HANDLE)
    vkDestroyQueryPool (dev, queries, NULL);
  if (pool != VK_NULL_HANDLE)
    vkDestroyDescriptorPool (dev, pool, NULL);
  for (guint i = 0; i < 2; i++)
    if (frames[i] != NULL)
      cs_device_release_buffer (self->device, frames[i]);
  g_free (sets);
  g_free (pipes);
  if (stability >= 0)
    self->stability = stability;
  cs_temporal_pass_reset (self);
  return ok;
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
  q->max_weight = (float) (MAX_WEIGHT * (1.0 - pow (1.0 - self->stability, WEIGHT_EXPONENT)));
  q->cut_mad = CUT_MEAN_CHANGE;
  q->cut_unsure = CUT_UNSURE;
  q->sigma_luma = SIGMA_LUMA;
  q->fb_rel = FB_RELATIVE;
  q->fb_abs = FB_ABSOLUTE;
  q->mad = 0.0f;
  q->unsure = 0.0f;
  q->cut = 0;
  q->adapt = ADAPT;
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
