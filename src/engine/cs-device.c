/* cs-device.c: a Vulkan compute device, its memory and its pipelines. */
#include "cs-config.h"

#include <gio/gio.h>
#include <string.h>

#include "cs-device.h"

/* Generated from shaders/ by glib-compile-resources. */
GResource *cs_shaders_get_resource (void);

/* A static library drops the resource's automatic constructor, so the
 * shaders are registered by hand, once. */
static void
register_shaders (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      g_resources_register (cs_shaders_get_resource ());
      g_once_init_leave (&done, 1);
    }
}

struct _CsDevice
{
  GObject parent_instance;

  VkInstance       instance;
  VkDebugUtilsMessengerEXT messenger;
  VkPhysicalDevice physical;
  VkDevice         device;
  VkQueue          queue;
  guint32          queue_family;
  VkCommandPool    command_pool;
  VkPipelineCache  pipeline_cache;
  char            *pipeline_cache_path;
  VkPhysicalDeviceProperties props;
  VkPhysicalDeviceMemoryProperties mem_props;
  gboolean         fp16;
  guint            shuffle_subgroup_size;
  /* $CELSHADE_STAGING: leave device buffers unmapped even on unified
   * memory, so that a CPU device takes the staging copies a discrete GPU
   * needs (tests run both ways). */
  gboolean         force_staging;
  double           timestamp_period;
  guint            validation_errors;

  GMutex           lock;
  GHashTable      *pipelines;  /* key string -> CsPipeline* */
  GPtrArray       *free_buffers; /* CsBuffer*, released and reusable */
  guint64          memory_in_use;
  guint64          memory_peak;
};

G_DEFINE_FINAL_TYPE (CsDevice, cs_device, G_TYPE_OBJECT)

static const char *
vk_result_string (VkResult r)
{
  switch (r)
    {
    case VK_SUCCESS: return "success";
    case VK_ERROR_OUT_OF_HOST_MEMORY: return "out of host memory";
    case VK_ERROR_OUT_OF_DEVICE_MEMORY: return "out of device memory";
    case VK_ERROR_INITIALIZATION_FAILED: return "initialization failed";
    case VK_ERROR_DEVICE_LOST: return "device lost";
    case VK_ERROR_MEMORY_MAP_FAILED: return "memory map failed";
    case VK_ERROR_LAYER_NOT_PRESENT: return "layer not present";
    case VK_ERROR_EXTENSION_NOT_PRESENT: return "extension not present";
    case VK_ERROR_FEATURE_NOT_PRESENT: return "feature not present";
    case VK_ERROR_INCOMPATIBLE_DRIVER: return "no compatible Vulkan driver";
    case VK_ERROR_TOO_MANY_OBJECTS: return "too many objects";
    default: return "unknown error";
    }
}

#define VK_FAIL(error, r, what) \
  g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_DEVICE, \
               "%s failed: %s (VkResult %d)", what, vk_result_string (r), (int) (r))

static VKAPI_ATTR VkBool32 VKAPI_CALL
debug_callback (VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                VkDebugUtilsMessageTypeFlagsEXT types,
                const VkDebugUtilsMessengerCallbackDataEXT *data,
                void *user_data)
{
  CsDevice *self = user_data;

  if (severity >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT)
    {
      g_atomic_int_inc (&self->validation_errors);
      g_printerr ("Vulkan validation: %s\n", data->pMessage);
    }
  return VK_FALSE;
}

static gboolean
env_flag (const char *name)
{
  const char *v = g_getenv (name);
  return v != NULL && g_strcmp0 (v, "0") != 0 && *v != '\0';
}

static gboolean
validation_wanted (void)
{
  const char *v = g_getenv ("CELSHADE_VALIDATION");
  return v != NULL && g_strcmp0 (v, "0") != 0 && *v != '\0';
}

static gboolean
create_instance (CsDevice *self, GError **error)
{
  VkApplicationInfo app = {
    .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
    .pApplicationName = "Celshade",
    .applicationVersion = VK_MAKE_VERSION (0, 1, 0),
    .pEngineName = "cs-engine",
    .apiVersion = VK_API_VERSION_1_1,
  };
  const char *layers[1];
  const char *exts[1];
  guint n_layers = 0, n_exts = 0;
  VkResult r;

  if (validation_wanted ())
    {
      guint32 count = 0;
      g_autofree VkLayerProperties *props = NULL;
      gboolean found = FALSE;

      vkEnumerateInstanceLayerProperties (&count, NULL);
      props = g_new0 (VkLayerProperties, MAX (count, 1));
      vkEnumerateInstanceLayerProperties (&count, props);
      for (guint i = 0; i < count; i++)
        if (strcmp (props[i].layerName, "VK_LAYER_KHRONOS_validation") == 0)
          found = TRUE;
      if (!found)
        {
          g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_NO_DEVICE,
                       "CELSHADE_VALIDATION is set but VK_LAYER_KHRONOS_validation is not "
                       "installed (Debian package vulkan-validationlayers)");
          return FALSE;
        }
      layers[n_layers++] = "VK_LAYER_KHRONOS_validation";
      exts[n_exts++] = VK_EXT_DEBUG_UTILS_EXTENSION_NAME;
    }

  VkInstanceCreateInfo info = {
    .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
    .pApplicationInfo = &app,
    .enabledLayerCount = n_layers,
    .ppEnabledLayerNames = layers,
    .enabledExtensionCount = n_exts,
    .ppEnabledExtensionNames = exts,
  };
  r = vkCreateInstance (&info, NULL, &self->instance);
  if (r != VK_SUCCESS)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_NO_DEVICE,
                   "Could not start Vulkan: %s. Install a Vulkan driver "
                   "(for the CPU, Debian's mesa-vulkan-drivers).", vk_result_string (r));
      return FALSE;
    }

  if (n_exts > 0)
    {
      PFN_vkCreateDebugUtilsMessengerEXT create =
        (PFN_vkCreateDebugUtilsMessengerEXT) vkGetInstanceProcAddr (self->instance,
                                                                    "vkCreateDebugUtilsMessengerEXT");
      VkDebugUtilsMessengerCreateInfoEXT dinfo = {
        .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
        .messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                           VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT,
        .messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                       VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                       VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT,
        .pfnUserCallback = debug_callback,
        .pUserData = self,
      };
      if (create != NULL)
        create (self->instance, &dinfo, NULL, &self->messenger);
    }
  return TRUE;
}

static const char *
device_type_name (VkPhysicalDeviceType t)
{
  switch (t)
    {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return "discrete";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return "integrated";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return "virtual";
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return "cpu";
    default: return "other";
    }
}

static int
device_type_rank (VkPhysicalDeviceType t)
{
  switch (t)
    {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return 4;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return 3;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return 1;
    default: return 0;
    }
}

static int
compute_queue_family (VkPhysicalDevice pd)
{
  guint32 n = 0;
  g_autofree VkQueueFamilyProperties *q = NULL;

  vkGetPhysicalDeviceQueueFamilyProperties (pd, &n, NULL);
  q = g_new0 (VkQueueFamilyProperties, MAX (n, 1));
  vkGetPhysicalDeviceQueueFamilyProperties (pd, &n, q);
  /* A compute-only family is usually the one meant for this work. */
  for (guint i = 0; i < n; i++)
    if ((q[i].queueFlags & VK_QUEUE_COMPUTE_BIT) && !(q[i].queueFlags & VK_QUEUE_GRAPHICS_BIT))
      return i;
  for (guint i = 0; i < n; i++)
    if (q[i].queueFlags & VK_QUEUE_COMPUTE_BIT)
      return i;
  return -1;
}

static gboolean
query_fp16 (VkPhysicalDevice pd)
{
  VkPhysicalDeviceShaderFloat16Int8Features f16 = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES,
  };
  VkPhysicalDevice16BitStorageFeatures s16 = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES,
    .pNext = &f16,
  };
  VkPhysicalDeviceFeatures2 f = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2,
    .pNext = &s16,
  };
  VkPhysicalDeviceProperties p;

  vkGetPhysicalDeviceProperties (pd, &p);
  if (p.apiVersion < VK_API_VERSION_1_1)
    return FALSE;
  vkGetPhysicalDeviceFeatures2 (pd, &f);
  return f16.shaderFloat16 && s16.storageBuffer16BitAccess;
}

static GPtrArray *
enumerate (VkInstance instance, VkPhysicalDevice **out_devices, GError **error)
{
  guint32 n = 0;
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_device_info_free);
  VkPhysicalDevice *pds;

  vkEnumeratePhysicalDevices (instance, &n, NULL);
  pds = g_new0 (VkPhysicalDevice, MAX (n, 1));
  vkEnumeratePhysicalDevices (instance, &n, pds);
  for (guint i = 0; i < n; i++)
    {
      VkPhysicalDeviceProperties p;
      VkPhysicalDeviceMemoryProperties m;
      CsDeviceInfo *info;

      if (compute_queue_family (pds[i]) < 0)
        continue;
      vkGetPhysicalDeviceProperties (pds[i], &p);
      vkGetPhysicalDeviceMemoryProperties (pds[i], &m);
      info = g_new0 (CsDeviceInfo, 1);
      info->index = i;
      info->name = g_strdup (p.deviceName);
      info->type = g_strdup (device_type_name (p.deviceType));
      info->api_version = p.apiVersion;
      info->fp16 = query_fp16 (pds[i]);
      for (guint h = 0; h < m.memoryHeapCount; h++)
        if (m.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)
          info->memory_bytes = MAX (info->memory_bytes, m.memoryHeaps[h].size);
      g_ptr_array_add (list, info);
    }
  if (out_devices)
    *out_devices = pds;
  else
    g_free (pds);
  return list;
}

void
cs_device_info_free (CsDeviceInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->name);
  g_free (info->type);
  g_free (info);
}

GPtrArray *
cs_device_list (GError **error)
{
  g_autoptr(CsDevice) probe = g_object_new (CS_TYPE_DEVICE, NULL);

  if (!create_instance (probe, error))
    return NULL;
  return enumerate (probe->instance, NULL, error);
}

static void
load_pipeline_cache (CsDevice *self)
{
  g_autofree char *dir = g_build_filename (g_get_user_cache_dir (), "celshade", NULL);
  g_autofree char *name = g_strdup_printf ("pipelines-%04x-%04x-%08x.bin",
                                           self->props.vendorID, self->props.deviceID,
                                           self->props.driverVersion);
  g_autofree char *contents = NULL;
  gsize len = 0;
  VkPipelineCacheCreateInfo info = { .sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO };

  self->pipeline_cache_path = g_build_filename (dir, name, NULL);
  /* The driver checks the header (vendor, device, cache UUID) and ignores a
   * cache that is not its own, so a stale file costs nothing but time. */
  if (g_file_get_contents (self->pipeline_cache_path, &contents, &len, NULL) && len > 32)
    {
      info.initialDataSize = len;
      info.pInitialData = contents;
    }
  if (vkCreatePipelineCache (self->device, &info, NULL, &self->pipeline_cache) != VK_SUCCESS)
    {
      info.initialDataSize = 0;
      info.pInitialData = NULL;
      vkCreatePipelineCache (self->device, &info, NULL, &self->pipeline_cache);
    }
}

void
cs_device_save_pipeline_cache (CsDevice *self)
{
  size_t size = 0;
  g_autofree char *data = NULL;
  g_autofree char *dir = NULL;

  g_return_if_fail (CS_IS_DEVICE (self));
  if (self->pipeline_cache == VK_NULL_HANDLE || self->pipeline_cache_path == NULL)
    return;
  if (vkGetPipelineCacheData (self->device, self->pipeline_cache, &size, NULL) != VK_SUCCESS || size == 0)
    return;
  data = g_malloc (size);
  if (vkGetPipelineCacheData (self->device, self->pipeline_cache, &size, data) != VK_SUCCESS)
    return;
  dir = g_path_get_dirname (self->pipeline_cache_path);
  if (g_mkdir_with_parents (dir, 0755) != 0)
    return;
  /* A cache is only an optimisation: failing to write it is not an error. */
  g_file_set_contents (self->pipeline_cache_path, data, size, NULL);
}

CsDevice *
cs_device_new (const char *selector, GError **error)
{
  g_autoptr(CsDevice) self = g_object_new (CS_TYPE_DEVICE, NULL);
  g_autofree VkPhysicalDevice *pds = NULL;

  register_shaders ();
  g_autoptr(GPtrArray) list = NULL;
  CsDeviceInfo *chosen = NULL;
  int qf;
  VkResult r;

  if (selector == NULL || *selector == '\0')
    selector = g_getenv ("CELSHADE_DEVICE");
  if (selector != NULL && *selector == '\0')
    selector = NULL;

  if (!create_instance (self, error))
    return NULL;
  list = enumerate (self->instance, &pds, error);
  if (list->len == 0)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_NO_DEVICE,
                   "No Vulkan device can run compute shaders. Install a GPU driver or, "
                   "for the CPU, Debian's mesa-vulkan-drivers (lavapipe).");
      return NULL;
    }

  if (selector != NULL)
    {
      char *end = NULL;
      gint64 idx = g_ascii_strtoll (selector, &end, 10);
      gboolean is_index = end != selector && *end == '\0';

      for (guint i = 0; i < list->len && chosen == NULL; i++)
        {
          CsDeviceInfo *info = list->pdata[i];
          g_autofree char *lname = g_utf8_strdown (info->name, -1);
          g_autofree char *lsel = g_utf8_strdown (selector, -1);

          if (is_index ? info->index == idx : strstr (lname, lsel) != NULL)
            chosen = info;
        }
      if (chosen == NULL)
        {
          g_autoptr(GString) names = g_string_new (NULL);
          for (guint i = 0; i < list->len; i++)
            {
              CsDeviceInfo *info = list->pdata[i];
              g_string_append_printf (names, "%s%d: %s", i ? ", " : "", info->index, info->name);
            }
          g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_NO_DEVICE,
                       "No Vulkan device matches '%s'. Devices: %s", selector, names->str);
          return NULL;
        }
    }
  else
    {
      int best_rank = -1;
      for (guint i = 0; i < list->len; i++)
        {
          CsDeviceInfo *info = list->pdata[i];
          VkPhysicalDeviceProperties p;
          int rank;

          vkGetPhysicalDeviceProperties (pds[info->index], &p);
          rank = device_type_rank (p.deviceType);
          if (rank > best_rank)
            {
              best_rank = rank;
              chosen = info;
            }
        }
    }

  self->physical = pds[chosen->index];
  vkGetPhysicalDeviceProperties (self->physical, &self->props);
  vkGetPhysicalDeviceMemoryProperties (self->physical, &self->mem_props);
  if (self->props.apiVersion < VK_API_VERSION_1_1)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_NO_DEVICE,
                   "The Vulkan device '%s' supports only Vulkan %u.%u; Celshade needs 1.1.",
                   self->props.deviceName, VK_VERSION_MAJOR (self->props.apiVersion),
                   VK_VERSION_MINOR (self->props.apiVersion));
      return NULL;
    }
  self->fp16 = chosen->fp16;
  self->force_staging = env_flag ("CELSHADE_STAGING");
  {
    VkPhysicalDeviceSubgroupProperties sg = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES };
    VkPhysicalDeviceProperties2 p2 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, .pNext = &sg };
    vkGetPhysicalDeviceProperties2 (self->physical, &p2);
    if ((sg.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) &&
        (sg.supportedOperations & VK_SUBGROUP_FEATURE_SHUFFLE_BIT))
      self->shuffle_subgroup_size = sg.subgroupSize;
  }
  qf = compute_queue_family (self->physical);
  self->queue_family = qf;

  {
    guint32 n = 0;
    g_autofree VkQueueFamilyProperties *q = NULL;
    vkGetPhysicalDeviceQueueFamilyProperties (self->physical, &n, NULL);
    q = g_new0 (VkQueueFamilyProperties, n);
    vkGetPhysicalDeviceQueueFamilyProperties (self->physical, &n, q);
    self->timestamp_period = q[qf].timestampValidBits > 0 ? self->props.limits.timestampPeriod : 0.0;
  }

  {
    float prio = 1.0f;
    VkDeviceQueueCreateInfo qinfo = {
      .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
      .queueFamilyIndex = qf,
      .queueCount = 1,
      .pQueuePriorities = &prio,
    };
    VkPhysicalDeviceShaderFloat16Int8Features f16 = {
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES,
      .shaderFloat16 = self->fp16,
    };
    VkPhysicalDevice16BitStorageFeatures s16 = {
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES,
      .pNext = &f16,
      .storageBuffer16BitAccess = self->fp16,
    };
    const char *exts[1] = { VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME };
    VkDeviceCreateInfo dinfo = {
      .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
      .pNext = self->fp16 ? (void *) &s16 : NULL,
      .queueCreateInfoCount = 1,
      .pQueueCreateInfos = &qinfo,
      /* shaderFloat16 is core only from 1.2; the extension names it on 1.1. */
      .enabledExtensionCount = self->fp16 && self->props.apiVersion < VK_API_VERSION_1_2 ? 1 : 0,
      .ppEnabledExtensionNames = exts,
    };
    r = vkCreateDevice (self->physical, &dinfo, NULL, &self->device);
    if (r != VK_SUCCESS)
      {
        g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_NO_DEVICE,
                     "Could not open the Vulkan device '%s': %s",
                     self->props.deviceName, vk_result_string (r));
        return NULL;
      }
  }
  vkGetDeviceQueue (self->device, qf, 0, &self->queue);

  {
    VkCommandPoolCreateInfo pinfo = {
      .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
      .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
      .queueFamilyIndex = qf,
    };
    r = vkCreateCommandPool (self->device, &pinfo, NULL, &self->command_pool);
    if (r != VK_SUCCESS)
      {
        VK_FAIL (error, r, "Creating a command pool");
        return NULL;
      }
  }
  load_pipeline_cache (self);
  g_debug ("Using Vulkan device '%s' (%s), fp16 %s", self->props.deviceName,
           device_type_name (self->props.deviceType), self->fp16 ? "yes" : "no");
  return g_steal_pointer (&self);
}

static void
free_pipeline (gpointer data)
{
  /* Freed in finalize where the device is known. */
}

static void
cs_device_finalize (GObject *object)
{
  CsDevice *self = CS_DEVICE (object);

  if (self->device != VK_NULL_HANDLE)
    {
      GHashTableIter iter;
      gpointer value;

      vkDeviceWaitIdle (self->device);
      cs_device_save_pipeline_cache (self);
      g_hash_table_iter_init (&iter, self->pipelines);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          CsPipeline *p = value;
          vkDestroyPipeline (self->device, p->pipeline, NULL);
          vkDestroyPipelineLayout (self->device, p->layout, NULL);
          vkDestroyDescriptorSetLayout (self->device, p->set_layout, NULL);
          g_free (p);
        }
      for (guint i = 0; i < self->free_buffers->len; i++)
        {
          CsBuffer *b = self->free_buffers->pdata[i];
          vkDestroyBuffer (self->device, b->buffer, NULL);
          vkFreeMemory (self->device, b->memory, NULL);
          g_free (b);
        }
      if (self->pipeline_cache)
        vkDestroyPipelineCache (self->device, self->pipeline_cache, NULL);
      if (self->command_pool)
        vkDestroyCommandPool (self->device, self->command_pool, NULL);
      vkDestroyDevice (self->device, NULL);
    }
  if (self->messenger != VK_NULL_HANDLE)
    {
      PFN_vkDestroyDebugUtilsMessengerEXT destroy =
        (PFN_vkDestroyDebugUtilsMessengerEXT) vkGetInstanceProcAddr (self->instance,
                                                                     "vkDestroyDebugUtilsMessengerEXT");
      if (destroy)
        destroy (self->instance, self->messenger, NULL);
    }
  if (self->instance != VK_NULL_HANDLE)
    vkDestroyInstance (self->instance, NULL);
  g_hash_table_unref (self->pipelines);
  g_ptr_array_unref (self->free_buffers);
  g_free (self->pipeline_cache_path);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (cs_device_parent_class)->finalize (object);
}

static void
cs_device_class_init (CsDeviceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cs_device_finalize;
}

static void
cs_device_init (CsDevice *self)
{
  g_mutex_init (&self->lock);
  self->pipelines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, free_pipeline);
  self->free_buffers = g_ptr_array_new ();
}

const char *
cs_device_get_name (CsDevice *self)
{
  g_return_val_if_fail (CS_IS_DEVICE (self), NULL);
  return self->props.deviceName;
}

gboolean
cs_device_is_cpu (CsDevice *self)
{
  g_return_val_if_fail (CS_IS_DEVICE (self), FALSE);
  return self->props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU;
}

gboolean
cs_device_supports_fp16 (CsDevice *self)
{
  g_return_val_if_fail (CS_IS_DEVICE (self), FALSE);
  return self->fp16;
}

CsPrecision
cs_device_default_precision (CsDevice *self)
{
  const char *env = g_getenv ("CELSHADE_PRECISION");

  if (g_strcmp0 (env, "fp32") == 0)
    return CS_PRECISION_FP32;
  if (g_strcmp0 (env, "fp16") == 0 && self->fp16)
    return CS_PRECISION_FP16;
  /* fp16 halves memory and traffic; on lavapipe it also costs nothing
   * (the kernels accumulate in fp32 and read through converting texel
   * fetches), so it is the default wherever the device has it. */
  return self->fp16 ? CS_PRECISION_FP16 : CS_PRECISION_FP32;
}

const VkPhysicalDeviceLimits *
cs_device_get_limits (CsDevice *self)
{
  return &self->props.limits;
}

VkDevice
cs_device_get_vk (CsDevice *self)
{
  return self->device;
}

double
cs_device_get_timestamp_period (CsDevice *self)
{
  return self->timestamp_period;
}

guint
cs_device_get_validation_errors (CsDevice *self)
{
  return g_atomic_int_get (&self->validation_errors);
}

guint
cs_device_get_shuffle_subgroup_size (CsDevice *self)
{
  return self->shuffle_subgroup_size;
}

VkCommandPool
cs_device_get_command_pool (CsDevice *self)
{
  return self->command_pool;
}

static int
find_memory_type (CsDevice *self, guint32 bits, VkMemoryPropertyFlags want)
{
  for (guint i = 0; i < self->mem_props.memoryTypeCount; i++)
    if ((bits & (1u << i)) && (self->mem_props.memoryTypes[i].propertyFlags & want) == want)
      return i;
  return -1;
}

/* Pool buckets are powers of two above 64 KiB so that a released buffer
 * fits the next request of a similar size. */
static VkDeviceSize
bucket_size (VkDeviceSize size)
{
  VkDeviceSize b = 64 * 1024;
  while (b < size)
    b *= 2;
  return b;
}

CsBuffer *
cs_device_alloc_buffer (CsDevice *self, VkDeviceSize size, gboolean host_visible, GError **error)
{
  VkDeviceSize want = bucket_size (MAX (size, 16));
  CsBuffer *b = NULL;
  VkResult r;
  VkMemoryRequirements req;
  int type = -1;

  g_return_val_if_fail (CS_IS_DEVICE (self), NULL);

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->free_buffers->len; i++)
    {
      CsBuffer *c = self->free_buffers->pdata[i];
      if (c->size == want && (host_visible ? c->mapped != NULL : !self->force_staging || c->mapped == NULL))
        {
          b = g_ptr_array_steal_index_fast (self->free_buffers, i);
          break;
        }
    }
  if (b != NULL)
    {
      self->memory_in_use += b->size;
      self->memory_peak = MAX (self->memory_peak, self->memory_in_use);
      g_mutex_unlock (&self->lock);
      return b;
    }
  g_mutex_unlock (&self->lock);

  if (want > self->props.limits.maxStorageBufferRange && want > size)
    want = size; /* do not let bucketing push a legal size over the limit */

  b = g_new0 (CsBuffer, 1);
  b->size = want;
  {
    VkBufferCreateInfo info = {
      .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
      .size = want,
      .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT |
               VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
               VK_BUFFER_USAGE_TRANSFER_DST_BIT,
      .sharingMode = VK_SHARING_MODE_EXCLUSIVE,
    };
    r = vkCreateBuffer (self->device, &info, NULL, &b->buffer);
    if (r != VK_SUCCESS)
      {
        VK_FAIL (error, r, "Creating a device buffer");
        g_free (b);
        return NULL;
      }
  }
  vkGetBufferMemoryRequirements (self->device, b->buffer, &req);
  /* Unified memory first: device-local and host-visible needs no staging. */
  type = find_memory_type (self, req.memoryTypeBits,
                           VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT | VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                           VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
  if (type < 0 && host_visible)
    type = find_memory_type (self, req.memoryTypeBits,
                             VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT |
                             VK_MEMORY_PROPERTY_HOST_CACHED_BIT);
  if (type < 0 && host_visible)
    type = find_memory_type (self, req.memoryTypeBits,
                             VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
  if (type < 0 && !host_visible)
    type = find_memory_type (self, req.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
  if (type < 0)
    type = find_memory_type (self, req.memoryTypeBits, 0);
  if (type < 0)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_DEVICE,
                   "The Vulkan device has no memory type for storage buffers");
      vkDestroyBuffer (self->device, b->buffer, NULL);
      g_free (b);
      return NULL;
    }
  {
    VkMemoryAllocateInfo ainfo = {
      .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
      .allocationSize = req.size,
      .memoryTypeIndex = type,
    };
    r = vkAllocateMemory (self->device, &ainfo, NULL, &b->memory);
    if (r != VK_SUCCESS)
      {
        g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_DEVICE,
                     "The Vulkan device could not allocate %.1f MiB: %s. Try a smaller size.",
                     want / 1048576.0, vk_result_string (r));
        vkDestroyBuffer (self->device, b->buffer, NULL);
        g_free (b);
        return NULL;
      }
  }
  vkBindBufferMemory (self->device, b->buffer, b->memory, 0);
  b->device_local = (self->mem_props.memoryTypes[type].propertyFlags & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT) != 0;
  if ((self->mem_props.memoryTypes[type].propertyFlags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) &&
      (host_visible || !self->force_staging))
    {
      r = vkMapMemory (self->device, b->memory, 0, VK_WHOLE_SIZE, 0, &b->mapped);
      if (r != VK_SUCCESS)
        b->mapped = NULL;
    }
  if (host_visible && b->mapped == NULL)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_DEVICE,
                   "The Vulkan device could not map a host-visible buffer");
      vkDestroyBuffer (self->device, b->buffer, NULL);
      vkFreeMemory (self->device, b->memory, NULL);
      g_free (b);
      return NULL;
    }
  g_mutex_lock (&self->lock);
  self->memory_in_use += b->size;
  self->memory_peak = MAX (self->memory_peak, self->memory_in_use);
  g_mutex_unlock (&self->lock);
  return b;
}

void
cs_device_release_buffer (CsDevice *self, CsBuffer *buffer)
{
  if (buffer == NULL)
    return;
  g_mutex_lock (&self->lock);
  self->memory_in_use -= buffer->size;
  g_ptr_array_add (self->free_buffers, buffer);
  /* Keep the pool from hoarding: beyond a few spare buffers, free the oldest. */
  while (self->free_buffers->len > 16)
    {
      CsBuffer *old = g_ptr_array_steal_index (self->free_buffers, 0);
      vkDestroyBuffer (self->device, old->buffer, NULL);
      vkFreeMemory (self->device, old->memory, NULL);
      g_free (old);
    }
  g_mutex_unlock (&self->lock);
}

guint64
cs_device_get_memory_in_use (CsDevice *self)
{
  return self->memory_in_use;
}

guint64
cs_device_get_memory_peak (CsDevice *self)
{
  return self->memory_peak;
}

void
cs_device_reset_memory_peak (CsDevice *self)
{
  g_mutex_lock (&self->lock);
  self->memory_peak = self->memory_in_use;
  g_mutex_unlock (&self->lock);
}

const CsPipeline *
cs_device_get_pipeline (CsDevice *self, const char *name, CsPrecision precision,
                        const guint32 *spec, guint n_spec, guint n_bindings, guint32 texel_mask,
                        guint push_size, GError **error)
{
  g_autoptr(GString) key = g_string_new (name);
  g_autofree char *path = NULL;
  g_autoptr(GBytes) code = NULL;
  g_autoptr(GError) local_error = NULL;
  CsPipeline *p;
  VkResult r;
  const char *variant = precision == CS_PRECISION_FP16 ? "fp16" : "fp32";

  g_string_append_printf (key, ".%s/%u/%x/%u", variant, n_bindings, texel_mask, push_size);
  for (guint i = 0; i < n_spec; i++)
    g_string_append_printf (key, ",%u", spec[i]);

  g_mutex_lock (&self->lock);
  p = g_hash_table_lookup (self->pipelines, key->str);
  g_mutex_unlock (&self->lock);
  if (p != NULL)
    return p;

  path = g_strdup_printf ("/io/github/celshade/shaders/%s.%s.spv", name, variant);
  code = g_resources_lookup_data (path, G_RESOURCE_LOOKUP_FLAGS_NONE, &local_error);
  if (code == NULL)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_UNSUPPORTED,
                   "The shader '%s' is missing from this build: %s", name, local_error->message);
      return NULL;
    }

  p = g_new0 (CsPipeline, 1);
  p->n_bindings = n_bindings;
  p->push_size = push_size;

  {
    VkDescriptorSetLayoutBinding bindings[CS_MAX_NODE_INPUTS + CS_MAX_NODE_OUTPUTS];
    for (guint i = 0; i < n_bindings; i++)
      bindings[i] = (VkDescriptorSetLayoutBinding) {
        .binding = i,
        .descriptorType = (texel_mask & (1u << i)) ? VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER
                                                   : VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
        .descriptorCount = 1,
        .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
      };
    VkDescriptorSetLayoutCreateInfo info = {
      .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
      .bindingCount = n_bindings,
      .pBindings = bindings,
    };
    vkCreateDescriptorSetLayout (self->device, &info, NULL, &p->set_layout);
  }
  {
    VkPushConstantRange range = {
      .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
      .offset = 0,
      .size = push_size,
    };
    VkPipelineLayoutCreateInfo info = {
      .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
      .setLayoutCount = 1,
      .pSetLayouts = &p->set_layout,
      .pushConstantRangeCount = push_size > 0 ? 1 : 0,
      .pPushConstantRanges = &range,
    };
    vkCreatePipelineLayout (self->device, &info, NULL, &p->layout);
  }
  {
    VkShaderModule module;
    gsize size = 0;
    const guint32 *words = g_bytes_get_data (code, &size);
    VkShaderModuleCreateInfo minfo = {
      .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
      .codeSize = size,
      .pCode = words,
    };
    VkSpecializationMapEntry entries[32];
    VkSpecializationInfo sinfo = {
      .mapEntryCount = n_spec,
      .pMapEntries = entries,
      .dataSize = n_spec * sizeof (guint32),
      .pData = spec,
    };

    g_assert (n_spec <= G_N_ELEMENTS (entries));
    for (guint i = 0; i < n_spec; i++)
      entries[i] = (VkSpecializationMapEntry) { .constantID = i, .offset = i * 4, .size = 4 };

    r = vkCreateShaderModule (self->device, &minfo, NULL, &module);
    if (r != VK_SUCCESS)
      {
        VK_FAIL (error, r, "Creating a shader module");
        goto fail;
      }
    VkComputePipelineCreateInfo cinfo = {
      .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
      .stage = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
        .stage = VK_SHADER_STAGE_COMPUTE_BIT,
        .module = module,
        .pName = "main",
        .pSpecializationInfo = n_spec > 0 ? &sinfo : NULL,
      },
      .layout = p->layout,
    };
    r = vkCreateComputePipelines (self->device, self->pipeline_cache, 1, &cinfo, NULL, &p->pipeline);
    vkDestroyShaderModule (self->device, module, NULL);
    if (r != VK_SUCCESS)
      {
        g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_DEVICE,
                     "Compiling the shader '%s' failed: %s", name, vk_result_string (r));
        goto fail;
      }
  }

  g_mutex_lock (&self->lock);
  {
    CsPipeline *other = g_hash_table_lookup (self->pipelines, key->str);
    if (other != NULL)
      {
        /* Another thread built the same one meanwhile. */
        g_mutex_unlock (&self->lock);
        vkDestroyPipeline (self->device, p->pipeline, NULL);
        vkDestroyPipelineLayout (self->device, p->layout, NULL);
        vkDestroyDescriptorSetLayout (self->device, p->set_layout, NULL);
        g_free (p);
        return other;
      }
    g_hash_table_insert (self->pipelines, g_strdup (key->str), p);
  }
  g_mutex_unlock (&self->lock);
  return p;

fail:
  vkDestroyPipelineLayout (self->device, p->layout, NULL);
  vkDestroyDescriptorSetLayout (self->device, p->set_layout, NULL);
  g_free (p);
  return NULL;
}

VkCommandBuffer
cs_device_begin_commands (CsDevice *self, GError **error)
{
  VkCommandBuffer cmd;
  VkCommandBufferAllocateInfo ainfo = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
    .commandPool = self->command_pool,
    .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
    .commandBufferCount = 1,
  };
  VkCommandBufferBeginInfo binfo = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
  };
  VkResult r;

  g_mutex_lock (&self->lock);
  r = vkAllocateCommandBuffers (self->device, &ainfo, &cmd);
  g_mutex_unlock (&self->lock);
  if (r != VK_SUCCESS)
    {
      VK_FAIL (error, r, "Allocating a command buffer");
      return VK_NULL_HANDLE;
    }
  vkBeginCommandBuffer (cmd, &binfo);
  return cmd;
}

gboolean
cs_device_submit_and_wait (CsDevice *self, VkCommandBuffer cmd, gboolean free_after, GError **error)
{
  VkFence fence;
  VkFenceCreateInfo finfo = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
  VkSubmitInfo sinfo = {
    .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
    .commandBufferCount = 1,
    .pCommandBuffers = &cmd,
  };
  VkResult r;

  vkCreateFence (self->device, &finfo, NULL, &fence);
  /* The queue is shared by every user of the device. */
  g_mutex_lock (&self->lock);
  r = vkQueueSubmit (self->queue, 1, &sinfo, fence);
  g_mutex_unlock (&self->lock);
  if (r == VK_SUCCESS)
    r = vkWaitForFences (self->device, 1, &fence, VK_TRUE, UINT64_MAX);
  vkDestroyFence (self->device, fence, NULL);
  if (free_after)
    {
      g_mutex_lock (&self->lock);
      vkFreeCommandBuffers (self->device, self->command_pool, 1, &cmd);
      g_mutex_unlock (&self->lock);
    }
  if (r != VK_SUCCESS)
    {
      VK_FAIL (error, r, "Running on the Vulkan device");
      return FALSE;
    }
  return TRUE;
}
