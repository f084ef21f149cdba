/* celshade-bench: how fast the engine runs a network, per operator, against
 * the device's own arithmetic peak and against peer runtimes measured in the
 * same run. Depends only on GLib and Vulkan (through the engine) so that it
 * runs on machines that have nothing else.
 */
#include "cs-config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cs-engine.h"
#include "cs-temporal.h"
#include "cs-bench-vtoonify.h"

static gboolean opt_list;
static gboolean opt_peak;
static char *opt_size = NULL;
static int opt_runs = 5;
static char *opt_device = NULL;
static char *opt_precision = NULL;
static gboolean opt_peers;
static int opt_threads = 2;
static gboolean opt_version;
static gboolean opt_vtoonify;
static gboolean opt_flicker;
static int opt_flicker_frames = 24;
static int opt_flicker_width = 320;

static GOptionEntry entries[] = {
  { "list-devices", 0, 0, G_OPTION_ARG_NONE, &opt_list, "List the Vulkan devices and exit", NULL },
  { "peak", 0, 0, G_OPTION_ARG_NONE, &opt_peak, "Measure the device's fused multiply-add throughput", NULL },
  { "size", 's', 0, G_OPTION_ARG_STRING, &opt_size, "Input size (default 640x360)", "WxH" },
  { "runs", 'n', 0, G_OPTION_ARG_INT, &opt_runs, "Timed runs; the median is reported (default 5)", "N" },
  { "device", 'd', 0, G_OPTION_ARG_STRING, &opt_device, "Device index or name (default: $CELSHADE_DEVICE, else the best)", "DEVICE" },
  { "precision", 'p', 0, G_OPTION_ARG_STRING, &opt_precision, "fp32 or fp16 (default: the device's best)", "PRECISION" },
  { "peers", 0, 0, G_OPTION_ARG_NONE, &opt_peers, "Also run ONNX Runtime and PyTorch on the CPU on the same network", NULL },
  { "threads", 0, 0, G_OPTION_ARG_INT, &opt_threads, "CPU threads for the peers (default 2)", "N" },
  { "flicker", 0, 0, G_OPTION_ARG_NONE, &opt_flicker,
    "Also time the temporal pass against the network, and measure flicker with and without it "
    "(tests/quality/flicker.py: the shared clips, three styles)", NULL },
  { "flicker-frames", 0, 0, G_OPTION_ARG_INT, &opt_flicker_frames, "Frames of each clip for --flicker (default 24; 0 times the pass alone)", "N" },
  { "flicker-width", 0, 0, G_OPTION_ARG_INT, &opt_flicker_width, "Width the clips are scaled to for --flicker (default 320)", "W" },
  { "vtoonify", 0, 0, G_OPTION_ARG_NONE, &opt_vtoonify,
    "The argument is a VToonify-D style folder: time its parser and generator for an output of --size "
    "(with --peers, against PyTorch)", NULL },
  { "version", 0, 0, G_OPTION_ARG_NONE, &opt_version, "Print the version and exit", NULL },
  { NULL }
};

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
median (GArray *values)
{
  g_array_sort (values, compare_double);
  if (values->len == 0)
    return NAN;
  if (values->len % 2)
    return g_array_index (values, double, values->len / 2);
  return 0.5 * (g_array_index (values, double, values->len / 2 - 1) + g_array_index (values, double, values->len / 2));
}

static int
list_devices (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = cs_device_list (&error);

  if (list == NULL)
    {
      g_printerr ("celshade-bench: %s\n", error->message);
      return 1;
    }
  for (guint i = 0; i < list->len; i++)
    {
      CsDeviceInfo *d = list->pdata[i];
      g_print ("%d: %s (%s%s), Vulkan %u.%u, fp16 %s, %.1f GiB\n", d->index, d->name, d->type,
               g_strcmp0 (d->type, "cpu") == 0 ? ", lavapipe or another CPU driver" : "",
               VK_VERSION_MAJOR (d->api_version), VK_VERSION_MINOR (d->api_version),
               d->fp16 ? "yes" : "no", d->memory_bytes / 1073741824.0);
    }
  return 0;
}

/* The shader peak.comp runs ITERS x 8 chains x vec4 FMAs per invocation. */
static double
measure_peak (CsDevice *device, GError **error)
{
  const guint32 iters = 4096;
  const guint32 invocations = 64 * 1024;
  const CsPipeline *pipe;
  CsBuffer *out;
  VkDevice dev = cs_device_get_vk (device);
  VkDescriptorPool pool;
  VkDescriptorSet set;
  g_autoptr(GArray) rates = g_array_new (FALSE, FALSE, sizeof (double));
  float seed = 0.5f;

  pipe = cs_device_get_pipeline (device, "peak", CS_PRECISION_FP32, &iters, 1, 1, 0, sizeof (float), error);
  if (pipe == NULL)
    return -1;
  out = cs_device_alloc_buffer (device, invocations * sizeof (float), FALSE, error);
  if (out == NULL)
    return -1;
  {
    VkDescriptorPoolSize ps = { VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1 };
    VkDescriptorPoolCreateInfo pinfo = {
      .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
      .maxSets = 1, .poolSizeCount = 1, .pPoolSizes = &ps,
    };
    VkDescriptorSetAllocateInfo ainfo = {
      .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
      .descriptorSetCount = 1, .pSetLayouts = &pipe->set_layout,
    };
    VkDescriptorBufferInfo binfo = { out->buffer, 0, invocations * sizeof (float) };
    VkWriteDescriptorSet w = {
      .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
      .descriptorCount = 1, .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, .pBufferInfo = &binfo,
    };
    vkCreateDescriptorPool (dev, &pinfo, NULL, &pool);
    ainfo.descriptorPool = pool;
    vkAllocateDescriptorSets (dev, &ainfo, &set);
    w.dstSet = set;
    vkUpdateDescriptorSets (dev, 1, &w, 0, NULL);
  }
  for (int run = 0; run < 4; run++)
    {
      VkCommandBuffer cmd = cs_device_begin_commands (device, error);
      gint64 t0, t1;
      if (cmd == VK_NULL_HANDLE)
        break;
      vkCmdBindPipeline (cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipe->pipeline);
      vkCmdBindDescriptorSets (cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipe->layout, 0, 1, &set, 0, NULL);
      vkCmdPushConstants (cmd, pipe->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, sizeof seed, &seed);
      vkCmdDispatch (cmd, invocations / 64, 1, 1);
      vkEndCommandBuffer (cmd);
      t0 = g_get_monotonic_time ();
      if (!cs_device_submit_and_wait (device, cmd, TRUE, error))
        break;
      t1 = g_get_monotonic_time ();
      if (run > 0) /* the first run compiles */
        {
          double flops = 2.0 * 4 * 8 * (double) iters * invocations;
          double rate = flops / ((t1 - t0) * 1e-6) / 1e9;
          g_array_append_val (rates, rate);
        }
    }
  vkDestroyDescriptorPool (dev, pool, NULL);
  cs_device_release_buffer (device, out);
  return rates->len ? median (rates) : -1;
}

typedef struct {
  CsOp   op;
  double ms;
  double flops;
  guint  count;
} OpSum;

static double
run_peer (const char *argv0, const char *const *args, const char *label)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GRegex) re = g_regex_new ("\"fps_median\"\\s*:\\s*([0-9.eE+-]+)", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) args, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status, &error))
    {
      g_print ("  %-12s not run: %s\n", label, error->message);
      return -1;
    }
  if (!g_spawn_check_wait_status (status, NULL) || !g_regex_match (re, out, 0, &match))
    {
      g_print ("  %-12s failed: %s\n", label, err && *err ? g_strstrip (err) : "(no output)");
      return -1;
    }
  {
    g_autofree char *num = g_match_info_fetch (match, 1);
    return g_ascii_strtod (num, NULL);
  }
}

/* The temporal pass's GPU time per frame at the network's size, against the
 * network's (the sum of its operators' timestamps), then the flicker table
 * of tests/quality/flicker.py, which renders with the celshade-render built
 * beside this program. */
static gboolean
run_flicker (CsDevice  *device,
             CsNetwork *net,
             int        width,
             int        height,
             double     network_ms)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsTemporalPass) pass = cs_temporal_pass_new (device, width, height, width, height, &error);
  g_autofree char *self_path = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *bench_dir = self_path != NULL ? g_path_get_dirname (self_path) : NULL;
  g_autofree char *build = bench_dir != NULL ? g_build_filename (bench_dir, "..", "..", NULL) : NULL;
  g_autofree char *script = g_build_filename (CS_SOURCE_DIR, "tests", "quality", "flicker.py", NULL);
  g_autofree char *frames = g_strdup_printf ("%d", opt_flicker_frames);
  g_autofree char *fwidth = g_strdup_printf ("%d", opt_flicker_width);
  const char *args[] = { "/usr/bin/python3", script, "--build", build, "--frames", frames, "--width", fwidth,
                         "--cut", NULL };
  int factor, fw, fh, status = 0;
  double ms;

  if (pass == NULL || !cs_temporal_pass_time (pass, cs_network_get_precision (net), MAX (opt_runs, 3), &ms, &error))
    {
      g_printerr ("celshade-bench: %s\n", error->message);
      return FALSE;
    }
  factor = cs_temporal_pass_get_factor (pass, &fw, &fh);
  g_print ("\ntemporal pass at %dx%d (flow at %dx%d, 1/%d): %.2f ms per frame (GPU timestamps, median of %d); "
           "network %.1f ms: the pass costs %.1f%% of the network\n",
           width, height, fw, fh, factor, ms, MAX (opt_runs, 3), network_ms, 100.0 * ms / network_ms);

  if (opt_flicker_frames <= 0)
    return TRUE;
  if (build == NULL)
    {
      g_printerr ("celshade-bench: cannot tell where the build folder is\n");
      return FALSE;
    }
  g_print ("\nflicker (%s):\n", script);
  if (!g_spawn_sync (NULL, (char **) args, NULL, G_SPAWN_CHILD_INHERITS_STDIN, NULL, NULL, NULL, NULL,
                     &status, &error) ||
      !g_spawn_check_wait_status (status, &error))
    {
      g_printerr ("celshade-bench: the flicker measurement failed: %s\n", error->message);
      return FALSE;
    }
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) ctx = g_option_context_new ("[STYLE_DIR|MODEL.onnx]");
  g_autoptr(GError) error = NULL;
  g_autoptr(CsDevice) device = NULL;
  g_autoptr(CsNetwork) net = NULL;
  g_autofree char *model = NULL;
  int width = 640, height = 360;
  CsPrecision precision = CS_PRECISION_AUTO;
  double peak = -1;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_summary (ctx,
    "Measures frames per second, per-operator GPU time, arithmetic throughput\n"
    "and device memory for a network, and the same network on CPU peers.");
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("celshade-bench: %s\n", error->message);
      return 2;
    }
  if (opt_version)
    {
      g_print ("celshade-bench %s\n", CS_VERSION);
      return 0;
    }
  if (opt_list)
    return list_devices ();
  if (opt_size != NULL && sscanf (opt_size, "%dx%d", &width, &height) != 2)
    {
      g_printerr ("celshade-bench: --size takes WIDTHxHEIGHT, such as 640x360\n");
      return 2;
    }
  if (width <= 0 || height <= 0 || width > 16384 || height > 16384)
    {
      g_printerr ("celshade-bench: size %dx%d is out of range\n", width, height);
      return 2;
    }
  if (opt_precision != NULL)
    {
      if (g_strcmp0 (opt_precision, "fp32") == 0)
        precision = CS_PRECISION_FP32;
      else if (g_strcmp0 (opt_precision, "fp16") == 0)
        precision = CS_PRECISION_FP16;
      else
        {
          g_printerr ("celshade-bench: --precision takes fp32 or fp16\n");
          return 2;
        }
    }
  if (!opt_peak && argc < 2)
    {
      g_printerr ("celshade-bench: give a style folder or a model, or --peak (see --help)\n");
      return 2;
    }

  device = cs_device_new (opt_device, &error);
  if (device == NULL)
    {
      g_printerr ("celshade-bench: %s\n", error->message);
      return 1;
    }
  g_print ("device: %s%s\n", cs_device_get_name (device), cs_device_is_cpu (device) ? " (CPU)" : "");
  if (opt_vtoonify && argc >= 2)
    return cs_bench_vtoonify (device, argv[1], width, height, precision, opt_runs, opt_peers, opt_threads);

  if (opt_peak || argc >= 2)
    {
      peak = measure_peak (device, &error);
      if (peak < 0)
        {
          g_printerr ("celshade-bench: measuring the peak failed: %s\n", error ? error->message : "");
          return 1;
        }
      g_print ("peak fp32 FMA throughput: %.1f GFLOP/s\n", peak);
      if (argc < 2)
        return 0;
    }

  model = g_file_test (argv[1], G_FILE_TEST_IS_DIR) ? g_build_filename (argv[1], "model.onnx", NULL)
                                                     : g_strdup (argv[1]);
  net = cs_network_new_from_file (device, model, &error);
  if (net == NULL)
    {
      g_printerr ("celshade-bench: %s\n", error->message);
      return 1;
    }
  {
    int64_t dims[4] = { 1, 3, height, width }, declared[CS_MAX_RANK];
    /* Batch and channels come from the model where it fixes them. */
    if (cs_network_get_n_inputs (net) >= 1 && cs_network_get_input_dims (net, 0, declared) == 4)
      for (int i = 0; i < 2; i++)
        if (declared[i] > 0)
          dims[i] = declared[i];
    if (cs_network_get_n_inputs (net) < 1 ||
        !cs_network_set_input_shape (net, cs_network_get_input_name (net, 0), 4, dims, &error))
      {
        g_printerr ("celshade-bench: %s\n", error ? error->message : "the model has no input");
        return 1;
      }
  }
  cs_device_reset_memory_peak (device);
  {
    gint64 t0 = g_get_monotonic_time ();
    if (!cs_network_prepare (net, precision, &error))
      {
        g_printerr ("celshade-bench: %s\n", error->message);
        return 1;
      }
    g_print ("network: %s, input %dx%d, %s, %u operators after fusion, %u dispatches, prepared in %.0f ms\n",
             model, width, height, cs_network_get_precision (net) == CS_PRECISION_FP16 ? "fp16" : "fp32",
             cs_network_get_n_live_nodes (net), cs_network_get_n_dispatches (net),
             (g_get_monotonic_time () - t0) / 1000.0);
  }

  {
    guint64 n = (guint64) width * height;
    g_autofree float *input = NULL;
    g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
    g_autoptr(GArray) sums = g_array_new (FALSE, TRUE, sizeof (OpSum));
    g_autoptr(GArray) node_ms = NULL;
    double fps, ms, flops = cs_network_get_flops (net), conv_ms = 0, conv_flops = 0, gpu_ms = 0;
    GArray *timings;

    {
      int64_t in_dims[CS_MAX_RANK];
      cs_network_get_input_dims (net, 0, in_dims);
      n *= (in_dims[0] > 0 ? in_dims[0] : 1) * (in_dims[1] > 0 ? in_dims[1] : 3);
    }
    input = g_new (float, n);
    for (guint64 i = 0; i < n; i++)
      input[i] = (float) (127.5 + 127.5 * sin (i * 0.001));
    for (int run = 0; run < opt_runs + 1; run++)
      {
        gint64 t0 = g_get_monotonic_time ();
        if (!cs_network_set_input (net, cs_network_get_input_name (net, 0), input, n, &error) ||
            !cs_network_run (net, NULL, &error))
          {
            g_printerr ("celshade-bench: %s\n", error->message);
            return 1;
          }
        if (run > 0) /* the first run warms caches */
          {
            double t = (g_get_monotonic_time () - t0) / 1000.0;
            g_array_append_val (times, t);
          }
        timings = cs_network_get_timings (net);
        if (run == 0)
          {
            node_ms = g_array_sized_new (FALSE, TRUE, sizeof (double), timings->len);
            g_array_set_size (node_ms, timings->len);
          }
        if (run > 0)
          for (guint i = 0; i < timings->len && i < node_ms->len; i++)
            g_array_index (node_ms, double, i) += g_array_index (timings, CsOpTiming, i).ms / opt_runs;
      }
    ms = median (times);
    fps = 1000.0 / ms;
    g_print ("\n%-28s %10s %10s %8s\n", "operator (mean of runs)", "ms", "GFLOP/s", "of peak");
    timings = cs_network_get_timings (net);
    for (guint i = 0; i < timings->len; i++)
      {
        CsOpTiming *t = &g_array_index (timings, CsOpTiming, i);
        double tms = g_array_index (node_ms, double, i);
        OpSum *s = NULL;
        for (guint k = 0; k < sums->len; k++)
          if (g_array_index (sums, OpSum, k).op == t->op)
            s = &g_array_index (sums, OpSum, k);
        if (s == NULL)
          {
            OpSum z = { t->op, 0, 0, 0 };
            g_array_append_val (sums, z);
            s = &g_array_index (sums, OpSum, sums->len - 1);
          }
        s->ms += tms;
        s->flops += t->flops;
        s->count++;
        gpu_ms += tms;
        if (t->op == CS_OP_CONV || t->op == CS_OP_CONV_TRANSPOSE)
          {
            conv_ms += tms;
            conv_flops += t->flops;
            g_print ("  %-26.26s %10.2f %10.1f %7.0f%%\n", t->name, tms, t->flops / tms / 1e6,
                     100.0 * t->flops / tms / 1e6 / peak);
          }
      }
    g_print ("\n%-28s %10s %10s %8s\n", "by operator type", "ms", "GFLOP/s", "count");
    for (guint k = 0; k < sums->len; k++)
      {
        OpSum *s = &g_array_index (sums, OpSum, k);
        g_print ("  %-26s %10.2f %10.1f %8u\n", cs_op_name (s->op), s->ms, s->flops / s->ms / 1e6, s->count);
      }
    g_print ("\nframes per second: %.3f (median of %d runs, %.1f ms; GPU time %.1f ms)\n",
             fps, opt_runs, ms, gpu_ms);
    g_print ("arithmetic: %.2f GFLOP per frame, %.1f GFLOP/s overall\n", flops / 1e9, flops / ms / 1e6);
    g_print ("convolutions: %.1f GFLOP/s, %.0f%% of the device's peak\n",
             conv_flops / conv_ms / 1e6, 100.0 * conv_flops / conv_ms / 1e6 / peak);
    g_print ("device memory: %.1f MiB for this network, %.1f MiB peak in use\n",
             cs_network_get_device_memory (net) / 1048576.0, cs_device_get_memory_peak (device) / 1048576.0);

    if (opt_flicker && !run_flicker (device, net, width, height, gpu_ms))
      return 1;

    if (opt_peers)
      {
        g_autofree char *w = g_strdup_printf ("%d", width);
        g_autofree char *h = g_strdup_printf ("%d", height);
        g_autofree char *r = g_strdup_printf ("%d", MAX (opt_runs, 3));
        g_autofree char *th = g_strdup_printf ("%d", opt_threads);
        g_autofree char *ort = g_build_filename (CS_SOURCE_DIR, "tools", "bench", "peer-ort.mjs", NULL);
        g_autofree char *pt = g_build_filename (CS_SOURCE_DIR, "tools", "bench", "peer-torch.py", NULL);
        const char *ort_args[] = { "node", ort, model, "--width", w, "--height", h, "--runs", r, "--threads", th, NULL };
        const char *pt_args[] = { "/usr/bin/python3", pt, model, "--width", w, "--height", h, "--runs", r, "--threads", th, NULL };
        double f;

        g_print ("\npeers on the CPU, %d threads, same network and input size:\n", opt_threads);
        f = run_peer ("node", ort_args, "onnxruntime");
        if (f > 0)
          g_print ("  %-12s %.3f fps; Celshade/onnxruntime = %.2f\n", "onnxruntime", f, fps / f);
        f = run_peer ("python3", pt_args, "pytorch");
        if (f > 0)
          g_print ("  %-12s %.3f fps; Celshade/pytorch = %.2f\n", "pytorch", f, fps / f);
      }
  }
  if (cs_device_get_validation_errors (device) > 0)
    {
      g_printerr ("celshade-bench: %u Vulkan validation messages\n", cs_device_get_validation_errors (device));
      return 1;
    }
  return 0;
}
