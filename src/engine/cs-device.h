/* cs-device.h: a Vulkan compute device, its memory and its pipelines. */
#pragma once

#include <glib-object.h>
#include <vulkan/vulkan.h>

#include "cs-graph.h"

G_BEGIN_DECLS

typedef enum {
  CS_PRECISION_AUTO,
  CS_PRECISION_FP32,
  CS_PRECISION_FP16,
} CsPrecision;

typedef struct {
  int       index;
  char     *name;
  char     *type;         /* "discrete", "integrated", "virtual", "cpu", "other" */
  guint32   api_version;
  gboolean  fp16;         /* 16-bit storage and arithmetic */
  guint64   memory_bytes; /* largest device-local heap */
} CsDeviceInfo;

void cs_device_info_free (CsDeviceInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsDeviceInfo, cs_device_info_free)

/* A buffer from the device's pool. Host-visible where the device allows,
 * which on unified-memory devices (lavapipe, integrated GPUs) avoids staging. */
typedef struct {
  VkBuffer       buffer;
  VkDeviceMemory memory;
  VkDeviceSize   size;
  void          *mapped;  /* NULL unless host-visible */
  gboolean       device_local;
} CsBuffer;

typedef struct {
  VkPipeline       pipeline;
  VkPipelineLayout layout;
  VkDescriptorSetLayout set_layout;
  guint            n_bindings;
  guint            push_size;
  guint            local_size[3];
} CsPipeline;

#define CS_TYPE_DEVICE (cs_device_get_type ())
G_DECLARE_FINAL_TYPE (CsDevice, cs_device, CS, DEVICE, GObject)

/* Lists the Vulkan devices that can run compute, in Vulkan's order. */
GPtrArray    *cs_device_list                  (GError     **error);

/* Opens a device: `selector` (an index or a substring of the name), else
 * $CELSHADE_DEVICE, else a discrete GPU, an integrated one, then lavapipe. */
CsDevice     *cs_device_new                   (const char  *selector,
                                               GError     **error);

const char   *cs_device_get_name              (CsDevice    *self);
gboolean      cs_device_is_cpu                (CsDevice    *self);
gboolean      cs_device_supports_fp16         (CsDevice    *self);
/* fp16 where the device offers 16-bit storage and arithmetic, else fp32.
 * $CELSHADE_PRECISION (fp16/fp32) overrides. */
CsPrecision   cs_device_default_precision     (CsDevice    *self);
const VkPhysicalDeviceLimits *cs_device_get_limits (CsDevice *self);
VkDevice      cs_device_get_vk                (CsDevice    *self);
/* Nanoseconds per timestamp tick; 0 when the queue has no timestamps. */
double        cs_device_get_timestamp_period  (CsDevice    *self);
/* Number of validation-layer messages seen (validation is on when
 * $CELSHADE_VALIDATION=1). Tests fail when it is not zero. */
guint         cs_device_get_validation_errors (CsDevice    *self);

/* Buffers come from a pool keyed by size; released ones are reused. */
CsBuffer     *cs_device_alloc_buffer          (CsDevice    *self,
                                               VkDeviceSize size,
                                               gboolean     host_visible,
                                               GError     **error);
void          cs_device_release_buffer        (CsDevice    *self,
                                               CsBuffer    *buffer);
/* Bytes of device memory in use now and at most since the device opened. */
guint64       cs_device_get_memory_in_use     (CsDevice    *self);
guint64       cs_device_get_memory_peak       (CsDevice    *self);
void          cs_device_reset_memory_peak     (CsDevice    *self);

/* A compute pipeline for the embedded shader `name` ("conv" loads
 * conv.fp32.spv or conv.fp16.spv), specialized with `spec` (uint32 constants
 * 0..n_spec-1). Bindings are storage buffers, except those in texel_mask,
 * which are uniform texel buffers. Cached; owned by the device. */
const CsPipeline *cs_device_get_pipeline      (CsDevice    *self,
                                               const char  *name,
                                               CsPrecision  precision,
                                               const guint32 *spec,
                                               guint        n_spec,
                                               guint        n_bindings,
                                               guint32      texel_mask,
                                               guint        push_size,
                                               GError     **error);
/* Subgroup size when compute shaders can shuffle within a subgroup, else 0. */
guint         cs_device_get_shuffle_subgroup_size (CsDevice *self);

/* One-shot command buffers. */
VkCommandBuffer cs_device_begin_commands      (CsDevice    *self,
                                               GError     **error);
/* Submits and waits; frees the command buffer. */
gboolean      cs_device_submit_and_wait       (CsDevice    *self,
                                               VkCommandBuffer cmd,
                                               gboolean     free_after,
                                               GError     **error);
VkCommandPool cs_device_get_command_pool      (CsDevice    *self);
/* Writes the pipeline cache to the XDG cache folder. */
void          cs_device_save_pipeline_cache   (CsDevice    *self);

G_END_DECLS
