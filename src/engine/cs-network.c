/* cs-network.c: a model prepared to run on a device.
 *
 * Preparing walks the graph once to turn every live node into dispatches
 * (cs-ops.c), then records the whole network into one command buffer that
 * each run submits as it is: per frame the host only writes the input,
 * submits once and reads the output.
 */
#include "cs-config.h"

#include <math.h>
#include <string.h>

#include "cs-half.h"
#include "cs-infer-private.h"
#include "cs-network.h"
#include "cs-network-private.h"
#include "cs-onnx.h"

typedef struct {
  char     *name;
  CsDType   dtype;
  int       rank;
  int64_t   dims[CS_MAX_RANK];
  void     *data;  /* NULL unless bound as a constant */
  gboolean  changed; /* bound to a new value since the last prepare */
} InputSpec;

typedef struct {
  CsStageWhen when;
  char       *shader;
  guint32     spec[16];
  guint       n_spec;
  CsBuffer   *buffers[CS_MAX_BINDINGS];
  guint       n_buffers;
  char       *tensors[CS_MAX_BINDINGS];
  guint       n_tensors;
  guint8      push[CS_MAX_PUSH];
  guint       push_size;
  guint32     groups[3];
} Stage;

static void
stage_free (Stage *st)
{
  g_free (st->shader);
  for (guint i = 0; i < st->n_tensors; i++)
    g_free (st->tensors[i]);
  g_free (st);
}

struct _CsNetwork
{
  GObject parent_instance;

  CsDevice    *device;
  GBytes      *model;
  char        *base_dir;
  CsGraph     *declared;  /* as loaded, for names and declared shapes */
  GPtrArray   *inputs;    /* InputSpec*, in the model's order */
  GPtrArray   *stages;    /* Stage* */
  /* Set by what changes the plan (a shape, a stage, binding or unbinding a
   * constant); while unset, preparing again only refreshes the constants
   * whose bound values changed. */
  gboolean     layout_changed;
  guint        n_plans;

  /* Everything below belongs to the prepared state. */
  CsGraph     *graph;
  CsPrecision  precision;
  guint        elem_size;
  CsBuffer    *arena;
  CsBuffer    *weights;
  CsBuffer    *aux;
  CsBuffer    *staging;   /* inputs then outputs, when the arena is not mapped */
  guint64     *const_offsets; /* per tensor: offset in weights, or G_MAXUINT64 */
  guint64     *staging_offsets;
  GArray      *dispatches;  /* CsDispatch */
  VkDescriptorPool desc_pool;
  VkQueryPool  query_pool;
  GArray      *views;       /* VkBufferView, for texel-buffer bindings */
  guint        n_queries;
  guint64      aux_size;
  VkCommandBuffer cmd;
  GArray      *timings;     /* CsOpTiming */
  GArray      *timed_nodes; /* int node ids with timestamps, in order */
  double       flops;
  guint        n_live;
};

G_DEFINE_FINAL_TYPE (CsNetwork, cs_network, G_TYPE_OBJECT)

static void
input_spec_free (InputSpec *s)
{
  g_free (s->name);
  g_free (s->data);
  g_free (s);
}

static void
clear_timings (GArray *timings)
{
  for (guint i = 0; i < timings->len; i++)
    g_free (g_array_index (timings, CsOpTiming, i).name);
  g_array_set_size (timings, 0);
}

static void
unprepare (CsNetwork *self)
{
  VkDevice dev = self->device ? cs_device_get_vk (self->device) : VK_NULL_HANDLE;

  if (self->cmd != VK_NULL_HANDLE)
    {
      vkFreeCommandBuffers (dev, cs_device_get_command_pool (self->device), 1, &self->cmd);
      self->cmd = VK_NULL_HANDLE;
    }
  for (guint i = 0; self->views != NULL && i < self->views->len; i++)
    vkDestroyBufferView (dev, g_array_index (self->views, VkBufferView, i), NULL);
  if (self->views != NULL)
    g_array_set_size (self->views, 0);
  if (self->desc_pool != VK_NULL_HANDLE)
    {
      vkDestroyDescriptorPool (dev, self->desc_pool, NULL);
      self->desc_pool = VK_NULL_HANDLE;
    }
  if (self->query_pool != VK_NULL_HANDLE)
    {
      vkDestroyQueryPool (dev, self->query_pool, NULL);
      self->query_pool = VK_NULL_HANDLE;
    }
  if (self->device)
    {
      /* Buffers go back to the device's pool for the next prepare. */
      CsBuffer **bufs[] = { &self->arena, &self->weights, &self->aux, &self->staging };
      for (guint i = 0; i < G_N_ELEMENTS (bufs); i++)
        if (*bufs[i] != NULL)
          {
            cs_device_release_buffer (self->device, *bufs[i]);
            *bufs[i] = NULL;
          }
    }
  g_clear_pointer (&self->graph, cs_graph_free);
  g_clear_pointer (&self->const_offsets, g_free);
  g_clear_pointer (&self->staging_offsets, g_free);
  g_array_set_size (self->dispatches, 0);
  g_array_set_size (self->timed_nodes, 0);
  clear_timings (self->timings);
  self->flops = 0;
  self->n_live = 0;
}

static void
cs_network_finalize (GObject *object)
{
  CsNetwork *self = CS_NETWORK (object);

  if (self->device)
    vkDeviceWaitIdle (cs_device_get_vk (self->device));
  unprepare (self);
  g_clear_object (&self->device);
  g_clear_pointer (&self->model, g_bytes_unref);
  g_clear_pointer (&self->declared, cs_graph_free);
  g_clear_pointer (&self->inputs, g_ptr_array_unref);
  g_clear_pointer (&self->stages, g_ptr_array_unref);
  g_free (self->base_dir);
  g_array_unref (self->dispatches);
  g_array_unref (self->timings);
  g_array_unref (self->timed_nodes);
  g_array_unref (self->views);

  G_OBJECT_CLASS (cs_network_parent_class)->finalize (object);
}

static void
cs_network_class_init (CsNetworkClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cs_network_finalize;
}

static void
cs_network_init (CsNetwork *self)
{
  self->dispatches = g_array_new (FALSE, TRUE, sizeof (CsDispatch));
  self->timings = g_array_new (FALSE, TRUE, sizeof (CsOpTiming));
  self->timed_nodes = g_array_new (FALSE, FALSE, sizeof (int));
  self->views = g_array_new (FALSE, FALSE, sizeof (VkBufferView));
  self->inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) input_spec_free);
  self->stages = g_ptr_array_new_with_free_func ((GDestroyNotify) stage_free);
  self->layout_changed = TRUE;
}

CsNetwork *
cs_network_new_from_bytes (CsDevice *device, GBytes *model, const char *base_dir, GError **error)
{
  g_autoptr(CsNetwork) self = NULL;
  gsize len = 0;
  const guint8 *data;

  g_return_val_if_fail (CS_IS_DEVICE (device), NULL);
  g_return_val_if_fail (model != NULL, NULL);

  self = g_object_new (CS_TYPE_NETWORK, NULL);
  self->device = g_object_ref (device);
  self->model = g_bytes_ref (model);
  self->base_dir = g_strdup (base_dir);
  data = g_bytes_get_data (model, &len);
  self->declared = cs_onnx_load_data (data, len, base_dir, error);
  if (self->declared == NULL)
    return NULL;
  for (guint i = 0; i < self->declared->inputs->len; i++)
    {
      CsTensor *t = cs_graph_tensor (self->declared, g_array_index (self->declared->inputs, int, i));
      InputSpec *s = g_new0 (InputSpec, 1);
      s->name = g_strdup (t->name);
      s->dtype = t->dtype;
      s->rank = t->rank;
      memcpy (s->dims, t->dims, sizeof s->dims);
      g_ptr_array_add (self->inputs, s);
    }
  return g_steal_pointer (&self);
}

CsNetwork *
cs_network_new_from_file (CsDevice *device, const char *path, GError **error)
{
  g_autoptr(GMappedFile) file = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *dir = NULL;
  g_autoptr(GError) local_error = NULL;

  file = g_mapped_file_new (path, FALSE, &local_error);
  if (file == NULL)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                   "Cannot read the model '%s': %s", path, local_error->message);
      return NULL;
    }
  bytes = g_mapped_file_get_bytes (file);
  dir = g_path_get_dirname (path);
  return cs_network_new_from_bytes (device, bytes, dir, error);
}

CsDevice *
cs_network_get_device (CsNetwork *self)
{
  return self->device;
}

guint
cs_network_get_n_inputs (CsNetwork *self)
{
  return self->inputs->len;
}

const char *
cs_network_get_input_name (CsNetwork *self, guint index)
{
  g_return_val_if_fail (index < self->inputs->len, NULL);
  return ((InputSpec *) self->inputs->pdata[index])->name;
}

int
cs_network_get_input_dims (CsNetwork *self, guint index, int64_t *dims)
{
  InputSpec *s;
  g_return_val_if_fail (index < self->inputs->len, -1);
  s = self->inputs->pdata[index];
  if (dims)
    memcpy (dims, s->dims, sizeof (int64_t) * MAX (s->rank, 0));
  return s->rank;
}

guint
cs_network_get_n_outputs (CsNetwork *self)
{
  return self->declared->outputs->len;
}

const char *
cs_network_get_output_name (CsNetwork *self, guint index)
{
  g_return_val_if_fail (index < self->declared->outputs->len, NULL);
  return cs_graph_tensor (self->declared, g_array_index (self->declared->outputs, int, index))->name;
}

static InputSpec *
find_input (CsNetwork *self, const char *name, GError **error)
{
  for (guint i = 0; i < self->inputs->len; i++)
    {
      InputSpec *s = self->inputs->pdata[i];
      if (g_strcmp0 (s->name, name) == 0)
        return s;
    }
  g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_ARGUMENT,
               "The model has no input named '%s'", name);
  return NULL;
}

gboolean
cs_network_set_input_shape (CsNetwork *self, const char *name, int rank, const int64_t *dims, GError **error)
{
  InputSpec *s = find_input (self, name, error);

  if (s == NULL)
    return FALSE;
  if (rank < 0 || rank > CS_MAX_RANK)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_SHAPE,
                   "Rank %d for input '%s' is not supported", rank, name);
      return FALSE;
    }
  if (s->rank >= 0 && s->rank != rank)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_SHAPE,
                   "The input '%s' has rank %d, not %d", name, s->rank, rank);
      return FALSE;
    }
  for (int i = 0; i < rank; i++)
    {
      if (dims[i] < 0)
        {
          g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_SHAPE,
                       "Size %" G_GINT64_FORMAT " for axis %d of input '%s' is negative",
                       dims[i], i, name);
          return FALSE;
        }
      if (s->rank >= 0 && self->declared != NULL)
        {
          CsTensor *t = cs_graph_tensor (self->declared, cs_graph_find_tensor (self->declared, name));
          if (t != NULL && t->dims[i] > 0 && t->dims[i] != dims[i])
            {
              g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_SHAPE,
                           "Axis %d of input '%s' is fixed at %" G_GINT64_FORMAT " by the model, not %" G_GINT64_FORMAT,
                           i, name, t->dims[i], dims[i]);
              return FALSE;
            }
        }
    }
  if (s->rank != rank || memcmp (s->dims, dims, rank * sizeof (int64_t)) != 0)
    self->layout_changed = TRUE;
  s->rank = rank;
  memcpy (s->dims, dims, rank * sizeof (int64_t));
  return TRUE;
}

gboolean
cs_network_bind_constant (CsNetwork *self, const char *name, CsDType dtype, int rank,
                          const int64_t *dims, const void *data, GError **error)
{
  InputSpec *s;
  guint64 n = 1;
  gsize bytes;
  gboolean was_bound;

  s = find_input (self, name, error);
  if (s == NULL)
    return FALSE;
  was_bound = s->data != NULL && s->dtype == dtype;
  if (!cs_network_set_input_shape (self, name, rank, dims, error))
    return FALSE;
  for (int i = 0; i < rank; i++)
    n *= dims[i];
  bytes = n * (dtype == CS_DTYPE_FLOAT ? sizeof (float) : sizeof (int64_t));
  if (was_bound && (n == 0 || memcmp (s->data, data, bytes) == 0))
    return TRUE;
  if (was_bound)
    s->changed = TRUE;
  else
    self->layout_changed = TRUE;
  g_free (s->data);
  s->dtype = dtype;
  /* Never NULL, even for an empty tensor: data marks the input as bound. */
  s->data = g_malloc0 (MAX (n, 1) * sizeof (int64_t));
  if (n > 0)
    memcpy (s->data, data, bytes);
  return TRUE;
}

gboolean
cs_network_add_stage (CsNetwork *self, CsStageWhen when, const char *shader,
                      const guint32 *spec, guint n_spec, CsBuffer *const *buffers, guint n_buffers,
                      const char *const *tensors, const void *push, guint push_size,
                      const guint32 *groups, GError **error)
{
  Stage *st;
  guint n_tensors = tensors ? g_strv_length ((char **) tensors) : 0;

  g_return_val_if_fail (CS_IS_NETWORK (self), FALSE);
  if (n_spec > G_N_ELEMENTS (st->spec) || n_buffers + n_tensors > CS_MAX_BINDINGS || push_size > CS_MAX_PUSH)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "A stage has too many bindings, constants or push bytes");
      return FALSE;
    }
  for (guint i = 0; i < n_tensors; i++)
    if (cs_graph_find_tensor (self->declared, tensors[i]) < 0)
      {
        g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_ARGUMENT,
                     "The model has no tensor named '%s'", tensors[i]);
        return FALSE;
      }
  st = g_new0 (Stage, 1);
  st->when = when;
  st->shader = g_strdup (shader);
  st->n_spec = n_spec;
  if (n_spec)
    memcpy (st->spec, spec, n_spec * sizeof (guint32));
  st->n_buffers = n_buffers;
  for (guint i = 0; i < n_buffers; i++)
    st->buffers[i] = buffers[i];
  st->n_tensors = n_tensors;
  for (guint i = 0; i < n_tensors; i++)
    st->tensors[i] = g_strdup (tensors[i]);
  st->push_size = push_size;
  if (push_size)
    memcpy (st->push, push, push_size);
  memcpy (st->groups, groups, sizeof st->groups);
  g_ptr_array_add (self->stages, st);
  self->layout_changed = TRUE;
  return TRUE;
}

void
cs_network_clear_stages (CsNetwork *self)
{
  g_ptr_array_set_size (self->stages, 0);
  self->layout_changed = TRUE;
}

/* Turns the stages into dispatches; node -1 marks them (no timing). */
static gboolean
record_stages (CsNetwork *self, CsStageWhen when, GError **error)
{
  for (guint i = 0; i < self->stages->len; i++)
    {
      Stage *st = self->stages->pdata[i];
      CsDispatch d = { 0 };

      if (st->when != when)
        continue;
      d.node = -1;
      d.n_bindings = st->n_buffers + st->n_tensors;
      d.pipeline = cs_device_get_pipeline (self->device, st->shader, self->precision, st->spec, st->n_spec,
                                           d.n_bindings, 0, st->push_size, error);
      if (d.pipeline == NULL)
        return FALSE;
      for (guint k = 0; k < st->n_buffers; k++)
        d.bindings[k] = (CsBinding) { st->buffers[k]->buffer, 0, st->buffers[k]->size };
      for (guint k = 0; k < st->n_tensors; k++)
        d.bindings[st->n_buffers + k] = cs_network_bind_tensor (self, cs_graph_find_tensor (self->graph, st->tensors[k]));
      d.push_size = st->push_size;
      memcpy (d.push, st->push, st->push_size);
      memcpy (d.groups, st->groups, sizeof d.groups);
      g_array_append_val (self->dispatches, d);
    }
  return TRUE;
}

/* Whether a BEFORE stage writes input `name`: then nothing is uploaded for it. */
static gboolean
input_fed_by_stage (CsNetwork *self, const char *name)
{
  for (guint i = 0; i < self->stages->len; i++)
    {
      Stage *st = self->stages->pdata[i];
      if (st->when != CS_STAGE_BEFORE)
        continue;
      for (guint k = 0; k < st->n_tensors; k++)
        if (g_strcmp0 (st->tensors[k], name) == 0)
          return TRUE;
    }
  return FALSE;
}

/* ---- preparing ------------------------------------------------------- */

CsBinding
cs_network_bind_tensor (CsNetwork *self, int id)
{
  CsTensor *t = cs_graph_tensor (self->graph, id);
  CsBinding b = { 0 };

  if (t == NULL)
    {
      /* Unused bindings read a small zeroed region at the start of the weights. */
      b.buffer = self->weights->buffer;
      b.offset = 0;
      b.range = 256;
      return b;
    }
  if (t->data != NULL)
    {
      g_assert (self->const_offsets[id] != G_MAXUINT64);
      b.buffer = self->weights->buffer;
      b.offset = self->const_offsets[id];
      b.range = MAX (cs_tensor_numel (t), 1) * self->elem_size;
    }
  else
    {
      g_assert (t->offset != G_MAXUINT64);
      b.buffer = self->arena->buffer;
      b.offset = t->offset;
      b.range = t->bytes;
    }
  return b;
}

CsBinding
cs_network_alloc_aux (CsNetwork *self, guint64 bytes)
{
  CsBinding b = { .buffer = VK_NULL_HANDLE, .offset = self->aux_size, .range = bytes };
  guint64 align = MAX (cs_device_get_limits (self->device)->minStorageBufferOffsetAlignment, 16);

  self->aux_size = (self->aux_size + bytes + align - 1) / align * align;
  return b;
}

static guint64
align_up (guint64 v, guint64 a)
{
  return (v + a - 1) / a * a;
}

static gboolean
apply_inputs (CsNetwork *self, GError **error)
{
  CsGraph *g = self->graph;

  for (guint i = 0; i < self->inputs->len; i++)
    {
      InputSpec *s = self->inputs->pdata[i];
      int id = cs_graph_find_tensor (g, s->name);
      CsTensor *t = cs_graph_tensor (g, id);

      if (t == NULL)
        continue;
      if (s->rank < 0)
        {
          g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_SHAPE,
                       "The rank of input '%s' is not known; give its shape", s->name);
          return FALSE;
        }
      for (int k = 0; k < s->rank; k++)
        if (s->dims[k] < 0)
          {
            g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_SHAPE,
                         "Axis %d of input '%s' has no fixed size; give its shape", k, s->name);
            return FALSE;
          }
      t->rank = s->rank;
      memcpy (t->dims, s->dims, sizeof t->dims);
      if (s->data != NULL)
        {
          gsize bytes = MAX (cs_tensor_numel (t), 1) * sizeof (int64_t);
          t->dtype = s->dtype;
          t->data = g_memdup2 (s->data, bytes);
          t->is_input = FALSE;
          t->variable = TRUE;
        }
      else if (t->dtype != CS_DTYPE_FLOAT)
        {
          g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_UNSUPPORTED,
                       "The input '%s' holds integers; bind it to a constant value before preparing",
                       s->name);
          return FALSE;
        }
    }
  return TRUE;
}

/* A constant's values in the network's precision. */
static void
write_constant (CsNetwork *self, const CsTensor *t, guint8 *p)
{
  guint64 n = cs_tensor_numel (t);

  for (guint64 k = 0; k < n; k++)
    {
      float v = t->dtype == CS_DTYPE_FLOAT ? ((float *) t->data)[k] : (float) ((int64_t *) t->data)[k];
      if (self->elem_size == 2)
        ((guint16 *) p)[k] = cs_float_to_half (v);
      else
        ((float *) p)[k] = v;
    }
}

/* Packs every float constant a live node reads into the weights buffer. */
static gboolean
upload_constants (CsNetwork *self, GError **error)
{
  CsGraph *g = self->graph;
  guint64 align = MAX (cs_device_get_limits (self->device)->minStorageBufferOffsetAlignment, 16);
  guint64 size = 256; /* the zeroed region for unused bindings */
  g_autofree gboolean *used = g_new0 (gboolean, g->tensors->len);
  guint8 *dst;
  CsBuffer *staging = NULL;

  self->const_offsets = g_new (guint64, g->tensors->len);
  for (guint i = 0; i < g->tensors->len; i++)
    self->const_offsets[i] = G_MAXUINT64;
  for (guint i = 0; i < g->nodes->len; i++)
    {
      CsNode *n = cs_graph_node (g, i);
      if (n->dead || cs_node_is_view (g, n))
        continue;
      for (int k = 0; k < n->n_inputs; k++)
        if (n->inputs[k] >= 0 && cs_graph_tensor (g, n->inputs[k])->data != NULL)
          used[n->inputs[k]] = TRUE;
      if (n->fused_add >= 0 && cs_graph_tensor (g, n->fused_add)->data != NULL)
        used[n->fused_add] = TRUE;
      if (n->packed_weights >= 0)
        used[n->packed_weights] = TRUE;
    }
  for (guint i = 0; i < g->tensors->len; i++)
    if (used[i])
      {
        self->const_offsets[i] = size;
        size = align_up (size + MAX (cs_tensor_numel (cs_graph_tensor (g, i)), 1) * self->elem_size, align);
      }

  self->weights = cs_device_alloc_buffer (self->device, size, FALSE, error);
  if (self->weights == NULL)
    return FALSE;
  if (self->weights->mapped != NULL)
    dst = self->weights->mapped;
  else
    {
      staging = cs_device_alloc_buffer (self->device, size, TRUE, error);
      if (staging == NULL)
        return FALSE;
      dst = staging->mapped;
    }
  memset (dst, 0, 256);
  for (guint i = 0; i < g->tensors->len; i++)
    if (used[i])
      write_constant (self, cs_graph_tensor (g, i), dst + self->const_offsets[i]);
  if (staging != NULL)
    {
      g_autoptr(GError) local_error = NULL;
      VkCommandBuffer cmd = cs_device_begin_commands (self->device, error);
      VkBufferCopy region = { 0, 0, size };
      gboolean ok;

      if (cmd == VK_NULL_HANDLE)
        {
          cs_device_release_buffer (self->device, staging);
          return FALSE;
        }
      vkCmdCopyBuffer (cmd, staging->buffer, self->weights->buffer, 1, &region);
      vkEndCommandBuffer (cmd);
      ok = cs_device_submit_and_wait (self->device, cmd, TRUE, error);
      cs_device_release_buffer (self->device, staging);
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

static void
barrier (VkCommandBuffer cmd)
{
  VkMemoryBarrier mb = {
    .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
    .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
    .dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT |
                     VK_ACCESS_TRANSFER_READ_BIT,
  };
  vkCmdPipelineBarrier (cmd,
                        VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                        VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                        0, 1, &mb, 0, NULL, 0, NULL);
}

static gboolean
record (CsNetwork *self, GError **error)
{
  VkDevice dev = cs_device_get_vk (self->device);
  CsGraph *g = self->graph;
  guint n_sets = MAX (self->dispatches->len, 1);
  guint n_desc = 0;
  gboolean timestamps = cs_device_get_timestamp_period (self->device) > 0;
  VkResult r;
  int last_node = -1;
  guint query = 0;

  for (guint i = 0; i < self->dispatches->len; i++)
    n_desc += g_array_index (self->dispatches, CsDispatch, i).n_bindings;
  {
    VkDescriptorPoolSize ps[2] = {
      { VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, MAX (n_desc, 1) },
      { VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER, MAX (n_desc, 1) },
    };
    VkDescriptorPoolCreateInfo info = {
      .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
      .maxSets = n_sets,
      .poolSizeCount = 2,
      .pPoolSizes = ps,
    };
    r = vkCreateDescriptorPool (dev, &info, NULL, &self->desc_pool);
    if (r != VK_SUCCESS)
      {
        g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_DEVICE, "Creating descriptors failed (%d)", r);
        return FALSE;
      }
  }
  for (guint i = 0; i < self->dispatches->len; i++)
    {
      CsDispatch *d = &g_array_index (self->dispatches, CsDispatch, i);
      VkDescriptorSetAllocateInfo ainfo = {
        .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
        .descriptorPool = self->desc_pool,
        .descriptorSetCount = 1,
        .pSetLayouts = &d->pipeline->set_layout,
      };
      VkDescriptorBufferInfo infos[CS_MAX_BINDINGS];
      VkWriteDescriptorSet writes[CS_MAX_BINDINGS];
      VkBufferView views[CS_MAX_BINDINGS];

      r = vkAllocateDescriptorSets (dev, &ainfo, &d->set);
      if (r != VK_SUCCESS)
        {
          g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_DEVICE, "Allocating descriptors failed (%d)", r);
          return FALSE;
        }
      for (guint k = 0; k < d->n_bindings; k++)
        {
          infos[k] = (VkDescriptorBufferInfo) {
            .buffer = d->bindings[k].buffer != VK_NULL_HANDLE ? d->bindings[k].buffer : self->aux->buffer,
            .offset = d->bindings[k].offset,
            .range = d->bindings[k].range,
          };
          writes[k] = (VkWriteDescriptorSet) {
            .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
            .dstSet = d->set,
            .dstBinding = k,
            .descriptorCount = 1,
            .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
            .pBufferInfo = &infos[k],
          };
          if (d->texel_mask & (1u << k))
            {
              VkBufferViewCreateInfo vinfo = {
                .sType = VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO,
                .buffer = infos[k].buffer,
                .format = (d->texel4_mask & (1u << k))
                            ? (self->elem_size == 2 ? VK_FORMAT_R16G16B16A16_SFLOAT : VK_FORMAT_R32G32B32A32_SFLOAT)
                            : (self->elem_size == 2 ? VK_FORMAT_R16_SFLOAT : VK_FORMAT_R32_SFLOAT),
                .offset = infos[k].offset,
                .range = infos[k].range,
              };
              r = vkCreateBufferView (dev, &vinfo, NULL, &views[k]);
              if (r != VK_SUCCESS)
                {
                  g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_DEVICE, "Creating a buffer view failed (%d)", r);
                  return FALSE;
                }
              g_array_append_val (self->views, views[k]);
              writes[k].descriptorType = VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER;
              writes[k].pBufferInfo = NULL;
              writes[k].pTexelBufferView = &views[k];
            }
        }
      vkUpdateDescriptorSets (dev, d->n_bindings, writes, 0, NULL);
    }

  if (timestamps)
    {
      guint n_nodes = 0;
      for (guint i = 0; i < self->dispatches->len; i++)
        {
          CsDispatch *d = &g_array_index (self->dispatches, CsDispatch, i);
          if (d->node != last_node && d->node >= 0)
            {
              n_nodes++;
              last_node = d->node;
            }
        }
      VkQueryPoolCreateInfo qinfo = {
        .sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO,
        .queryType = VK_QUERY_TYPE_TIMESTAMP,
        .queryCount = MAX (n_nodes * 2, 2),
      };
      self->n_queries = qinfo.queryCount;
      if (vkCreateQueryPool (dev, &qinfo, NULL, &self->query_pool) != VK_SUCCESS)
        timestamps = FALSE;
      last_node = -1;
    }

  {
    VkCommandBufferAllocateInfo ainfo = {
      .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
      .commandPool = cs_device_get_command_pool (self->device),
      .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
      .commandBufferCount = 1,
    };
    VkCommandBufferBeginInfo binfo = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO };
    r = vkAllocateCommandBuffers (dev, &ainfo, &self->cmd);
    if (r != VK_SUCCESS)
      {
        g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_DEVICE, "Allocating a command buffer failed (%d)", r);
        return FALSE;
      }
    vkBeginCommandBuffer (self->cmd, &binfo);
  }
  if (timestamps)
    vkCmdResetQueryPool (self->cmd, self->query_pool, 0, self->n_queries);

  if (self->staging != NULL)
    {
      /* Inputs: staging to arena. */
      for (guint i = 0; i < g->inputs->len; i++)
        {
          CsTensor *t = cs_graph_tensor (g, g_array_index (g->inputs, int, i));
          VkBufferCopy region;
          if (t->data != NULL || t->offset == G_MAXUINT64 || input_fed_by_stage (self, t->name))
            continue;
          region = (VkBufferCopy) { self->staging_offsets[i], t->offset, cs_tensor_numel (t) * self->elem_size };
          vkCmdCopyBuffer (self->cmd, self->staging->buffer, self->arena->buffer, 1, &region);
        }
      barrier (self->cmd);
    }

  for (guint i = 0; i < self->dispatches->len; i++)
    {
      CsDispatch *d = &g_array_index (self->dispatches, CsDispatch, i);
      gboolean first = d->node != last_node && d->node >= 0;
      gboolean last = d->node >= 0 && (i + 1 == self->dispatches->len ||
                      g_array_index (self->dispatches, CsDispatch, i + 1).node != d->node);

      if (first && timestamps)
        {
          vkCmdWriteTimestamp (self->cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, self->query_pool, query * 2);
          g_array_append_val (self->timed_nodes, d->node);
        }
      last_node = d->node;
      vkCmdBindPipeline (self->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, d->pipeline->pipeline);
      vkCmdBindDescriptorSets (self->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, d->pipeline->layout,
                               0, 1, &d->set, 0, NULL);
      if (d->push_size > 0)
        vkCmdPushConstants (self->cmd, d->pipeline->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0,
                            d->push_size, d->push);
      vkCmdDispatch (self->cmd, d->groups[0], d->groups[1], d->groups[2]);
      barrier (self->cmd);
      if (last && timestamps)
        {
          vkCmdWriteTimestamp (self->cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, self->query_pool, query * 2 + 1);
          query++;
        }
    }

  if (self->staging != NULL)
    {
      for (guint i = 0; i < g->outputs->len; i++)
        {
          CsTensor *t = cs_graph_tensor (g, g_array_index (g->outputs, int, i));
          VkBufferCopy region;
          if (t->data != NULL)
            continue;
          region = (VkBufferCopy) { t->offset, self->staging_offsets[g->inputs->len + i],
                                    cs_tensor_numel (t) * self->elem_size };
          vkCmdCopyBuffer (self->cmd, self->arena->buffer, self->staging->buffer, 1, &region);
        }
    }
  {
    /* What the shaders and copies wrote is read by the host after the fence. */
    VkMemoryBarrier mb = {
      .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
      .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
      .dstAccessMask = VK_ACCESS_HOST_READ_BIT,
    };
    vkCmdPipelineBarrier (self->cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                          VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &mb, 0, NULL, 0, NULL);
  }
  r = vkEndCommandBuffer (self->cmd);
  if (r != VK_SUCCESS)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_DEVICE, "Recording the network failed (%d)", r);
      return FALSE;
    }
  return TRUE;
}

/* TRUE when live node `n` reads its input `t` only from the weights buffer
 * at run time, so that writing a new value there is all a change needs. */
static gboolean
reads_from_buffer (CsNetwork *self, const CsNode *n, int t)
{
  switch (n->op)
    {
    case CS_OP_CLIP:   /* bounds in push constants */
    case CS_OP_PAD:    /* pads and value read while recording */
    case CS_OP_RESIZE: /* scales and region read while recording */
      return FALSE;
    default:
      return !cs_node_is_view (self->graph, n) && self->const_offsets[t] != G_MAXUINT64;
    }
}

/* Brings a prepared network up to date with constants bound to new values
 * of the same shape: the folded values that depend on them are computed
 * again and written over their old ones in the weights buffer, and the
 * plan, the pipelines and the command buffer stay as they are. Sets
 * `replan` (returning FALSE without an error) when a new value reaches a
 * place only a new plan can change. */
static gboolean
refresh_constants (CsNetwork *self, gboolean *replan, GError **error)
{
  CsGraph *g = self->graph;
  g_autoptr(GArray) writes = g_array_new (FALSE, FALSE, sizeof (int));
  guint64 staged = 0;
  CsBuffer *staging = NULL;
  gboolean ok = TRUE;

  *replan = FALSE;
  for (guint i = 0; i < self->inputs->len; i++)
    {
      InputSpec *s = self->inputs->pdata[i];
      CsTensor *t;

      if (!s->changed)
        continue;
      t = cs_graph_tensor (g, cs_graph_find_tensor (g, s->name));
      if (t == NULL)
        continue;
      if (s->dtype != CS_DTYPE_FLOAT || t->data == NULL || !t->variable)
        goto replan;
      memcpy (t->data, s->data, cs_tensor_numel (t) * sizeof (float));
      t->dirty = TRUE;
    }
  if (!cs_graph_refold (g, error))
    return FALSE;
  cs_graph_rederive (g);

  for (guint i = 0; i < g->nodes->len; i++)
    {
      CsNode *n = cs_graph_node (g, i);
      CsTensor *o = n->n_outputs > 0 ? cs_graph_tensor (g, n->outputs[0]) : NULL;

      if (n->dead)
        {
          /* Folded nodes were handled above, and so were the constants of
           * one absorbed into another node's; any other fused away took
           * its constant with it. */
          gboolean folded = o != NULL && o->data != NULL;
          for (int k = 0; !folded && !n->absorbed && k < n->n_inputs; k++)
            if (n->inputs[k] >= 0 && cs_graph_tensor (g, n->inputs[k])->dirty)
              goto replan;
          continue;
        }
      for (int k = 0; k < n->n_inputs; k++)
        if (n->inputs[k] >= 0 && cs_graph_tensor (g, n->inputs[k])->dirty &&
            !reads_from_buffer (self, n, n->inputs[k]))
          goto replan;
      if (n->fused_add >= 0 && cs_graph_tensor (g, n->fused_add)->dirty &&
          self->const_offsets[n->fused_add] == G_MAXUINT64)
        goto replan;
      if (n->packed_weights >= 0 && cs_graph_tensor (g, n->inputs[1])->dirty)
        {
          cs_ops_repack_node (self, i);
          cs_graph_tensor (g, n->packed_weights)->dirty = TRUE;
        }
    }

  for (guint i = 0; i < g->tensors->len; i++)
    if (cs_graph_tensor (g, i)->dirty && self->const_offsets[i] != G_MAXUINT64)
      {
        int id = (int) i;
        g_array_append_val (writes, id);
        staged += cs_tensor_numel (cs_graph_tensor (g, i)) * self->elem_size;
      }
  if (self->weights->mapped != NULL)
    {
      for (guint i = 0; i < writes->len; i++)
        {
          int id = g_array_index (writes, int, i);
          write_constant (self, cs_graph_tensor (g, id), (guint8 *) self->weights->mapped + self->const_offsets[id]);
        }
    }
  else if (writes->len > 0)
    {
      g_autofree VkBufferCopy *regions = g_new (VkBufferCopy, writes->len);
      VkCommandBuffer cmd;
      guint64 off = 0;

      staging = cs_device_alloc_buffer (self->device, MAX (staged, 16), TRUE, error);
      if (staging == NULL)
        return FALSE;
      for (guint i = 0; i < writes->len; i++)
        {
          int id = g_array_index (writes, int, i);
          CsTensor *t = cs_graph_tensor (g, id);
          write_constant (self, t, (guint8 *) staging->mapped + off);
          regions[i] = (VkBufferCopy) { off, self->const_offsets[id], cs_tensor_numel (t) * self->elem_size };
          off += regions[i].size;
        }
      cmd = cs_device_begin_commands (self->device, error);
      ok = cmd != VK_NULL_HANDLE;
      if (ok)
        {
          vkCmdCopyBuffer (cmd, staging->buffer, self->weights->buffer, writes->len, regions);
          vkEndCommandBuffer (cmd);
          ok = cs_device_submit_and_wait (self->device, cmd, TRUE, error);
        }
      cs_device_release_buffer (self->device, staging);
    }
  if (!ok)
    return FALSE;
  for (guint i = 0; i < g->tensors->len; i++)
    cs_graph_tensor (g, i)->dirty = FALSE;
  for (guint i = 0; i < self->inputs->len; i++)
    ((InputSpec *) self->inputs->pdata[i])->changed = FALSE;
  return TRUE;

replan:
  *replan = TRUE;
  return FALSE;
}

gboolean
cs_network_prepare (CsNetwork *self, CsPrecision precision, GError **error)
{
  gsize len = 0;
  const guint8 *data;
  guint64 arena_size, max_range;
  const VkPhysicalDeviceLimits *limits = cs_device_get_limits (self->device);
  guint64 align = MAX (limits->minStorageBufferOffsetAlignment, 16);

  g_return_val_if_fail (CS_IS_NETWORK (self), FALSE);

  if (precision == CS_PRECISION_AUTO)
    precision = cs_device_default_precision (self->device);
  if (cs_network_is_prepared (self) && !self->layout_changed && precision == self->precision)
    {
      gboolean replan = FALSE;

      if (refresh_constants (self, &replan, error))
        return TRUE;
      if (!replan)
        {
          unprepare (self);
          self->layout_changed = TRUE;
          return FALSE;
        }
    }

  unprepare (self);
  self->layout_changed = TRUE;
  if (precision == CS_PRECISION_FP16 && !cs_device_supports_fp16 (self->device))
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_UNSUPPORTED,
                   "The device '%s' has no 16-bit float support; use fp32",
                   cs_device_get_name (self->device));
      return FALSE;
    }
  self->precision = precision;
  self->elem_size = precision == CS_PRECISION_FP16 ? 2 : 4;

  /* A fresh graph each time: folding and fusion rewrite it in place. */
  data = g_bytes_get_data (self->model, &len);
  self->graph = cs_onnx_load_data (data, len, self->base_dir, error);
  if (self->graph == NULL)
    goto fail;
  if (!apply_inputs (self, error) || !cs_graph_infer (self->graph, error))
    goto fail;
  cs_graph_reset_epilogues (self->graph);
  cs_graph_fuse (self->graph);
  for (guint i = 0; i < self->stages->len; i++)
    {
      Stage *st = self->stages->pdata[i];
      for (guint k = 0; st->when == CS_STAGE_AFTER && k < st->n_tensors; k++)
        {
          CsTensor *t = cs_graph_tensor (self->graph, cs_graph_find_tensor (self->graph, st->tensors[k]));
          if (t != NULL)
            t->keep_alive = TRUE;
        }
    }
  arena_size = cs_graph_plan_memory (self->graph, self->elem_size, align);

  max_range = limits->maxStorageBufferRange;
  for (guint i = 0; i < self->graph->tensors->len; i++)
    {
      CsTensor *t = cs_graph_tensor (self->graph, i);
      guint64 bytes = t->data != NULL ? cs_tensor_numel (t) * self->elem_size : t->bytes;
      if (bytes > max_range)
        {
          g_autofree char *s = cs_tensor_shape_string (t);
          g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_SHAPE,
                       "The tensor '%s' (%s) needs %.0f MiB, more than the %.0f MiB the device '%s' "
                       "allows in one buffer; use a smaller size%s",
                       t->name, s, bytes / 1048576.0, max_range / 1048576.0,
                       cs_device_get_name (self->device),
                       self->elem_size == 4 && cs_device_supports_fp16 (self->device) ? " or fp16" : "");
          goto fail;
        }
    }

  for (guint i = 0; i < self->graph->nodes->len; i++)
    if (!cs_graph_node (self->graph, i)->dead)
      cs_ops_prepack_node (self, i);
  self->arena = cs_device_alloc_buffer (self->device, arena_size, FALSE, error);
  if (self->arena == NULL || !upload_constants (self, error))
    goto fail;

  if (self->arena->mapped == NULL)
    {
      CsGraph *g = self->graph;
      guint64 off = 0;
      self->staging_offsets = g_new0 (guint64, g->inputs->len + g->outputs->len);
      for (guint i = 0; i < g->inputs->len; i++)
        {
          CsTensor *t = cs_graph_tensor (g, g_array_index (g->inputs, int, i));
          self->staging_offsets[i] = off;
          if (t->data == NULL)
            off = align_up (off + cs_tensor_numel (t) * self->elem_size, align);
        }
      for (guint i = 0; i < g->outputs->len; i++)
        {
          CsTensor *t = cs_graph_tensor (g, g_array_index (g->outputs, int, i));
          self->staging_offsets[g->inputs->len + i] = off;
          if (t->data == NULL)
            off = align_up (off + cs_tensor_numel (t) * self->elem_size, align);
        }
      self->staging = cs_device_alloc_buffer (self->device, MAX (off, 16), TRUE, error);
      if (self->staging == NULL)
        goto fail;
    }

  self->aux_size = 0;
  if (!record_stages (self, CS_STAGE_BEFORE, error))
    goto fail;
  for (guint i = 0; i < self->graph->nodes->len; i++)
    {
      CsNode *n = cs_graph_node (self->graph, i);
      if (n->dead || cs_node_is_view (self->graph, n))
        continue;
      self->n_live++;
      if (!cs_ops_record_node (self, i, error))
        goto fail;
    }
  if (!record_stages (self, CS_STAGE_AFTER, error))
    goto fail;
  self->aux = cs_device_alloc_buffer (self->device, MAX (self->aux_size, 256), FALSE, error);
  if (self->aux == NULL)
    goto fail;
  if (!record (self, error))
    goto fail;
  cs_device_save_pipeline_cache (self->device);
  self->layout_changed = FALSE;
  for (guint i = 0; i < self->inputs->len; i++)
    ((InputSpec *) self->inputs->pdata[i])->changed = FALSE;
  self->n_plans++;
  return TRUE;

fail:
  unprepare (self);
  return FALSE;
}

gboolean
cs_network_is_prepared (CsNetwork *self)
{
  return self->cmd != VK_NULL_HANDLE;
}

CsPrecision
cs_network_get_precision (CsNetwork *self)
{
  return self->precision;
}

static CsTensor *
output_tensor (CsNetwork *self, guint index)
{
  if (self->graph == NULL || index >= self->graph->outputs->len)
    return NULL;
  return cs_graph_tensor (self->graph, g_array_index (self->graph->outputs, int, index));
}

int
cs_network_get_output_dims (CsNetwork *self, guint index, int64_t *dims)
{
  CsTensor *t = output_tensor (self, index);
  if (t == NULL)
    return -1;
  if (dims)
    memcpy (dims, t->dims, sizeof (int64_t) * t->rank);
  return t->rank;
}

guint64
cs_network_get_output_numel (CsNetwork *self, guint index)
{
  CsTensor *t = output_tensor (self, index);
  return t ? cs_tensor_numel (t) : 0;
}

gboolean
cs_network_set_input (CsNetwork *self, const char *name, const float *data, gsize n, GError **error)
{
  CsGraph *g = self->graph;

  if (!cs_network_is_prepared (self))
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_ARGUMENT, "The network is not prepared");
      return FALSE;
    }
  for (guint i = 0; i < g->inputs->len; i++)
    {
      CsTensor *t = cs_graph_tensor (g, g_array_index (g->inputs, int, i));
      guint8 *dst;

      if (g_strcmp0 (t->name, name) != 0)
        continue;
      if (t->data != NULL)
        {
          g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "The input '%s' is bound to a constant", name);
          return FALSE;
        }
      if (n != cs_tensor_numel (t))
        {
          g_autofree char *s = cs_tensor_shape_string (t);
          g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_SHAPE,
                       "The input '%s' (%s) takes %" G_GUINT64_FORMAT " values, not %" G_GSIZE_FORMAT,
                       name, s, cs_tensor_numel (t), n);
          return FALSE;
        }
      if (t->offset == G_MAXUINT64)
        return TRUE; /* the network never reads it */
      dst = self->staging ? (guint8 *) self->staging->mapped + self->staging_offsets[i]
                          : (guint8 *) self->arena->mapped + t->offset;
      if (self->elem_size == 2)
        cs_floats_to_halves (data, (guint16 *) dst, n);
      else
        memcpy (dst, data, n * sizeof (float));
      return TRUE;
    }
  g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_ARGUMENT,
               "The model has no run-time input named '%s'", name);
  return FALSE;
}

gboolean
cs_network_run (CsNetwork *self, GCancellable *cancellable, GError **error)
{
  double period;

  if (!cs_network_is_prepared (self))
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_ARGUMENT, "The network is not prepared");
      return FALSE;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (!cs_device_submit_and_wait (self->device, self->cmd, FALSE, error))
    return FALSE;

  clear_timings (self->timings);
  period = cs_device_get_timestamp_period (self->device);
  if (self->query_pool != VK_NULL_HANDLE && self->timed_nodes->len > 0)
    {
      guint n = self->timed_nodes->len;
      g_autofree guint64 *ts = g_new0 (guint64, 2 * n);
      if (vkGetQueryPoolResults (cs_device_get_vk (self->device), self->query_pool, 0, 2 * n,
                                 2 * n * sizeof (guint64), ts, sizeof (guint64),
                                 VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT) == VK_SUCCESS)
        {
          for (guint i = 0; i < n; i++)
            {
              int id = g_array_index (self->timed_nodes, int, i);
              CsNode *node = cs_graph_node (self->graph, id);
              CsOpTiming t = {
                .name = g_strdup (node->name && *node->name ? node->name : cs_op_name (node->op)),
                .op = node->op,
                .ms = (ts[2 * i + 1] - ts[2 * i]) * period * 1e-6,
                .flops = cs_ops_node_flops (self->graph, node),
              };
              g_array_append_val (self->timings, t);
            }
        }
    }
  return TRUE;
}

gboolean
cs_network_get_output (CsNetwork *self, guint index, float *data, gsize n, GError **error)
{
  CsTensor *t = output_tensor (self, index);
  const guint8 *src;

  if (t == NULL || !cs_network_is_prepared (self))
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "No output %u in a prepared network", index);
      return FALSE;
    }
  if (n != cs_tensor_numel (t))
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_SHAPE,
                   "The output '%s' has %" G_GUINT64_FORMAT " values, not %" G_GSIZE_FORMAT,
                   t->name, cs_tensor_numel (t), n);
      return FALSE;
    }
  if (t->data != NULL)
    {
      for (gsize i = 0; i < n; i++)
        data[i] = t->dtype == CS_DTYPE_FLOAT ? ((float *) t->data)[i] : (float) ((int64_t *) t->data)[i];
      return TRUE;
    }
  src = self->staging ? (guint8 *) self->staging->mapped + self->staging_offsets[self->graph->inputs->len + index]
                      : (guint8 *) self->arena->mapped + t->offset;
  if (self->elem_size == 2)
    cs_halves_to_floats ((const guint16 *) src, data, n);
  else
    memcpy (data, src, n * sizeof (float));
  return TRUE;
}

GArray *
cs_network_get_timings (CsNetwork *self)
{
  return self->timings;
}

double
cs_network_get_flops (CsNetwork *self)
{
  double f = 0;
  if (self->graph == NULL)
    return 0;
  for (guint i = 0; i < self->graph->nodes->len; i++)
    {
      CsNode *n = cs_graph_node (self->graph, i);
      if (!n->dead)
        f += cs_ops_node_flops (self->graph, n);
    }
  return f;
}

guint64
cs_network_get_device_memory (CsNetwork *self)
{
  guint64 m = 0;
  CsBuffer *bufs[] = { self->arena, self->weights, self->aux, self->staging };
  for (guint i = 0; i < G_N_ELEMENTS (bufs); i++)
    if (bufs[i])
      m += bufs[i]->size;
  return m;
}

guint
cs_network_get_n_live_nodes (CsNetwork *self)
{
  return self->n_live;
}

guint
cs_network_get_n_plans (CsNetwork *self)
{
  g_return_val_if_fail (CS_IS_NETWORK (self), 0);
  return self->n_plans;
}

guint
cs_network_get_n_dispatches (CsNetwork *self)
{
  return self->dispatches->len;
}

/* For cs-ops.c */
CsGraph *
cs_network_get_graph (CsNetwork *self)
{
  return self->graph;
}

guint
cs_network_get_elem_size (CsNetwork *self)
{
  return self->elem_size;
}

void
cs_network_add_dispatch (CsNetwork *self, const CsDispatch *d)
{
  g_array_append_val (self->dispatches, *d);
}
