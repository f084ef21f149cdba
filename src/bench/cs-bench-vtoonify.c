/* cs-bench-vtoonify.c: celshade-bench --vtoonify, the VToonify-D pipeline of
 * a style folder (parser, then generator) timed per network, against the
 * same networks in PyTorch on the CPU (tools/vtoonify/bench_torch.py) in
 * the same run. Reads the folder's fixed file names itself, so that the
 * benchmark keeps needing nothing but GLib and Vulkan.
 */
#include "cs-config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cs-bench-vtoonify.h"

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
median_of (GArray *values)
{
  g_array_sort (values, compare_double);
  if (values->len == 0)
    return NAN;
  if (values->len % 2)
    return g_array_index (values, double, values->len / 2);
  return 0.5 * (g_array_index (values, double, values->len / 2 - 1) + g_array_index (values, double, values->len / 2));
}

static double
gpu_ms (CsNetwork *net)
{
  GArray *t = cs_network_get_timings (net); /* the network's own */
  double ms = 0;
  for (guint i = 0; t != NULL && i < t->len; i++)
    ms += g_array_index (t, CsOpTiming, i).ms;
  return ms;
}

/* Times one network: a warm-up run, then `runs` runs; host wall time (with
 * upload and download) and GPU time (timestamps), medians. */
static gboolean
time_network (CsNetwork *net, const char *input, const float *data, gsize n, float *out, gsize n_out,
              int runs, double *wall_ms, double *gpu, GError **error)
{
  g_autoptr(GArray) walls = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) gpus = g_array_new (FALSE, FALSE, sizeof (double));

  for (int r = -1; r < runs; r++)
    {
      gint64 t0 = g_get_monotonic_time ();
      double w, gm;
      if (!cs_network_set_input (net, input, data, n, error) ||
          !cs_network_run (net, NULL, error) ||
          !cs_network_get_output (net, 0, out, n_out, error))
        return FALSE;
      w = (g_get_monotonic_time () - t0) / 1000.0;
      gm = gpu_ms (net);
      if (r >= 0)
        {
          g_array_append_val (walls, w);
          g_array_append_val (gpus, gm);
        }
    }
  *wall_ms = median_of (walls);
  *gpu = median_of (gpus);
  return TRUE;
}

static gboolean
torch_peer (const char *dir, int out_w, int out_h, int runs, int threads,
            double *parser_ms, double *generator_ms, double *prepare_ms)
{
  g_autofree char *script = g_build_filename (CS_SOURCE_DIR, "tools", "vtoonify", "bench_torch.py", NULL);
  g_autofree char *w = g_strdup_printf ("%d", out_w), *h = g_strdup_printf ("%d", out_h);
  g_autofree char *r = g_strdup_printf ("%d", runs), *t = g_strdup_printf ("%d", threads);
  const char *args[] = { "/usr/bin/python3", script, dir, "--width", w, "--height", h, "--runs", r,
                         "--threads", t, NULL };
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;
  const char *keys[] = { "parser_ms", "generator_ms", "prepare_ms" };
  double *vals[] = { parser_ms, generator_ms, prepare_ms };

  if (!g_spawn_sync (NULL, (char **) args, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error))
    {
      g_print ("  pytorch      not run: %s\n", error->message);
      return FALSE;
    }
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_print ("  pytorch      failed: %s\n", err && *err ? g_strstrip (err) : "(no output)");
      return FALSE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autofree char *pattern = g_strdup_printf ("\"%s\"\\s*:\\s*([0-9.eE+-]+)", keys[i]);
      g_autoptr(GRegex) re = g_regex_new (pattern, 0, 0, NULL);
      g_autoptr(GMatchInfo) m = NULL;
      g_autofree char *num = NULL;
      if (!g_regex_match (re, out, 0, &m))
        {
          g_print ("  pytorch      printed no %s: %s\n", keys[i], out);
          return FALSE;
        }
      num = g_match_info_fetch (m, 1);
      *vals[i] = g_ascii_strtod (num, NULL);
    }
  return TRUE;
}

/* Medians of preparing the generator again after binding a new degree (5
 * degrees) and a new style code (the next references in turn, or the first
 * one scaled when there is only one). */
static gboolean
time_rebinds (CsNetwork *gen, CsPrecision precision, const int64_t *sdims, const char *refs, gsize refs_len,
              double *degree_ms, double *code_ms, GError **error)
{
  g_autoptr(GArray) d_times = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) c_times = g_array_new (FALSE, FALSE, sizeof (double));
  gsize n = (gsize) (sdims[1] * sdims[2]), n_refs = refs_len / (n * sizeof (float));
  g_autofree float *code = g_new (float, n);
  int64_t dd[1] = { 1 };

  for (int k = 0; k < 5; k++)
    {
      float degree = 0.1f + 0.2f * k;
      gint64 t0 = g_get_monotonic_time ();
      double ms;
      if (!cs_network_bind_constant (gen, "d_s", CS_DTYPE_FLOAT, 1, dd, &degree, error) ||
          !cs_network_prepare (gen, precision, error))
        return FALSE;
      ms = (g_get_monotonic_time () - t0) / 1000.0;
      g_array_append_val (d_times, ms);
    }
  for (int k = 1; k <= 3; k++)
    {
      gint64 t0;
      double ms;
      memcpy (code, refs + (k % n_refs) * n * sizeof (float), n * sizeof (float));
      if (n_refs == 1)
        for (gsize i = 0; i < n; i++)
          code[i] *= 1.0f + 0.1f * k;
      t0 = g_get_monotonic_time ();
      if (!cs_network_bind_constant (gen, "style", CS_DTYPE_FLOAT, 3, sdims, code, error) ||
          !cs_network_prepare (gen, precision, error))
        return FALSE;
      ms = (g_get_monotonic_time () - t0) / 1000.0;
      g_array_append_val (c_times, ms);
    }
  *degree_ms = median_of (d_times);
  *code_ms = median_of (c_times);
  return TRUE;
}

int
cs_bench_vtoonify (CsDevice *device, const char *dir, int out_w, int out_h, CsPrecision precision,
                   int runs, gboolean peers, int threads)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ppath = g_build_filename (dir, "parser.onnx", NULL);
  g_autofree char *gpath = g_build_filename (dir, "generator.onnx", NULL);
  g_autofree char *rpath = g_build_filename (dir, "references.bin", NULL);
  g_autoptr(CsNetwork) parser = NULL;
  g_autoptr(CsNetwork) gen = NULL;
  g_autofree char *refs = NULL;
  g_autofree float *frame = NULL, *parsing = NULL, *image = NULL;
  gsize refs_len = 0;
  int64_t sdims[CS_MAX_RANK], dd[1] = { 1 }, dims[4];
  int cw = (out_w + 3) / 4, ch = (out_h + 3) / 4, pw = (cw + 7) / 8 * 8, ph = (ch + 7) / 8 * 8;
  int style_index = -1;
  float degree = 0.5f;
  double p_wall, p_gpu, g_wall, g_gpu, prep_ms, degree_ms, code_ms, t_parser, t_gen, t_prep;
  gint64 t0;
  gsize plane = (gsize) pw * ph;

  parser = cs_network_new_from_file (device, ppath, &error);
  if (parser != NULL)
    gen = cs_network_new_from_file (device, gpath, &error);
  if (gen == NULL || !g_file_get_contents (rpath, &refs, &refs_len, &error))
    goto fail;
  for (guint i = 0; i < cs_network_get_n_inputs (gen); i++)
    if (g_strcmp0 (cs_network_get_input_name (gen, i), "style") == 0)
      style_index = (int) i;
  if (style_index < 0 || cs_network_get_input_dims (gen, style_index, sdims) != 3 ||
      sdims[1] <= 0 || sdims[2] <= 0 || refs_len < (gsize) (sdims[1] * sdims[2] * sizeof (float)))
    {
      g_printerr ("celshade-bench: %s is not a VToonify-D style folder (no fixed-size style input "
                  "or no references)\n", dir);
      return 1;
    }

  frame = g_new (float, 3 * plane);
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < ph; y++)
      for (int x = 0; x < pw; x++)
        frame[c * plane + y * pw + x] = 0.8f * sinf (0.07f * x * (c + 1) + 0.05f * y);
  parsing = g_new (float, 19 * plane);
  image = g_new (float, 3 * 16 * plane);

  g_print ("VToonify-D %s: output %dx%d from a %dx%d generator input (%dx%d before padding), "
           "parser at %dx%d inside; %s\n", dir, out_w, out_h, pw, ph, cw, ch, 2 * pw, 2 * ph,
           precision == CS_PRECISION_FP16 ? "fp16" : precision == CS_PRECISION_FP32 ? "fp32" : "device's precision");

  dims[0] = 1; dims[1] = 3; dims[2] = ph; dims[3] = pw;
  if (!cs_network_set_input_shape (parser, "frame", 4, dims, &error) ||
      !cs_network_prepare (parser, precision, &error))
    goto fail;
  t0 = g_get_monotonic_time ();
  if (!cs_network_set_input_shape (gen, "frame", 4, dims, &error))
    goto fail;
  dims[1] = 19;
  if (!cs_network_set_input_shape (gen, "parsing", 4, dims, &error) ||
      !cs_network_bind_constant (gen, "style", CS_DTYPE_FLOAT, 3, sdims, refs, &error) ||
      !cs_network_bind_constant (gen, "d_s", CS_DTYPE_FLOAT, 1, dd, &degree, &error) ||
      !cs_network_prepare (gen, precision, &error))
    goto fail;
  prep_ms = (g_get_monotonic_time () - t0) / 1000.0;

  if (!time_network (parser, "frame", frame, 3 * plane, parsing, 19 * plane, runs, &p_wall, &p_gpu, &error) ||
      !cs_network_set_input (gen, "parsing", parsing, 19 * plane, &error) ||
      !time_network (gen, "frame", frame, 3 * plane, image, 3 * 16 * plane, runs, &g_wall, &g_gpu, &error))
    goto fail;

  g_print ("celshade, %s:\n", cs_device_get_name (device));
  g_print ("  parser     %9.1f ms (GPU %9.1f ms), %.2f GFLOP\n", p_wall, p_gpu, cs_network_get_flops (parser) / 1e9);
  g_print ("  generator  %9.1f ms (GPU %9.1f ms), %.2f GFLOP\n", g_wall, g_gpu, cs_network_get_flops (gen) / 1e9);
  g_print ("  per frame  %9.1f ms, %.2f frames/s\n", p_wall + g_wall, 1000.0 / (p_wall + g_wall));
  g_print ("  generator planned and uploaded in %.1f ms\n", prep_ms);
  if (!time_rebinds (gen, precision, sdims, refs, refs_len, &degree_ms, &code_ms, &error))
    goto fail;
  g_print ("  a new degree: %.2f ms, a new style code: %.1f ms (median; the plan is kept)\n", degree_ms, code_ms);
  {
    /* Where the generator's time goes, by operator, from the last run. */
    GArray *t = cs_network_get_timings (gen);
    double by_op[CS_N_OPS] = { 0 }, fl[CS_N_OPS] = { 0 };
    guint count[CS_N_OPS] = { 0 };
    for (guint i = 0; t != NULL && i < t->len; i++)
      {
        CsOpTiming *o = &g_array_index (t, CsOpTiming, i);
        by_op[o->op] += o->ms;
        fl[o->op] += o->flops;
        count[o->op]++;
      }
    g_print ("  generator by operator (last run):\n");
    for (int k = 0; k < 8; k++)
      {
        int best = -1;
        for (int op = 0; op < CS_N_OPS; op++)
          if (count[op] > 0 && (best < 0 || by_op[op] > by_op[best]))
            best = op;
        if (best < 0 || by_op[best] <= 0)
          break;
        g_print ("    %-22s %4u nodes %9.1f ms %7.2f GFLOP/s\n", cs_op_name (best), count[best], by_op[best],
                 fl[best] / (by_op[best] * 1e6));
        count[best] = 0;
      }
  }

  if (peers)
    {
      g_print ("pytorch on the CPU, %d threads, same networks and sizes:\n", threads);
      if (torch_peer (dir, out_w, out_h, runs, threads, &t_parser, &t_gen, &t_prep))
        {
          g_print ("  parser     %9.1f ms   celshade is %.2fx its speed\n", t_parser, t_parser / p_wall);
          g_print ("  generator  %9.1f ms   celshade is %.2fx its speed\n", t_gen, t_gen / g_wall);
          g_print ("  per frame  %9.1f ms   celshade is %.2fx its speed\n", t_parser + t_gen,
                   (t_parser + t_gen) / (p_wall + g_wall));
          g_print ("  (PyTorch recomputes the style-dependent weights every frame: %.1f ms of its generator;\n"
                   "   a new degree costs celshade %.2f ms once, %.0fx less)\n",
                   t_prep, degree_ms, t_prep / MAX (degree_ms, 1e-3));
        }
    }
  return 0;

fail:
  g_printerr ("celshade-bench: %s\n", error->message);
  return 1;
}
