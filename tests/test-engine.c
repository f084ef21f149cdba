/* test-engine.c: the engine's own kernels against float64 loops written
 * here, on shapes that exercise every path (the SIMD shuffle kernels, the
 * general ones, ragged channel counts, strides, dilations, odd sizes), plus
 * fusion, memory planning, fp16 and bad input. */
#include "cs-config.h"

#include <math.h>
#include <string.h>

#include "cs-engine.h"

static CsDevice *device;

typedef struct {
  int c, oc, h, w, k, stride, dil, pad_b, pad_e, group;
  gboolean transpose, bias, relu;
} ConvCase;

/* Plain float64 convolution, NCHW, batch 1, symmetric kernel, pads given
 * separately at the beginning and the end. */
static void
ref_conv (const ConvCase *cc, const float *x, const float *w, const float *b,
          double *y, int oh, int ow)
{
  int icpg = cc->c / cc->group, ocpg = cc->oc / cc->group;
  for (int o = 0; o < cc->oc; o++)
    for (int yy = 0; yy < oh; yy++)
      for (int xx = 0; xx < ow; xx++)
        {
          double s = b ? b[o] : 0.0;
          int g = o / ocpg;
          for (int i = 0; i < icpg; i++)
            for (int ky = 0; ky < cc->k; ky++)
              for (int kx = 0; kx < cc->k; kx++)
                {
                  int iy = yy * cc->stride + ky * cc->dil - cc->pad_b;
                  int ix = xx * cc->stride + kx * cc->dil - cc->pad_b;
                  if (iy < 0 || iy >= cc->h || ix < 0 || ix >= cc->w)
                    continue;
                  s += (double) x[((g * icpg + i) * cc->h + iy) * cc->w + ix] *
                       w[((o * icpg + i) * cc->k + ky) * cc->k + kx];
                }
          y[(o * oh + yy) * ow + xx] = cc->relu ? MAX (s, 0.0) : s;
        }
}

/* Transposed convolution as a scatter, the way it is defined. */
static void
ref_deconv (const ConvCase *cc, const float *x, const float *w, const float *b,
            double *y, int oh, int ow)
{
  int ocpg = cc->oc / cc->group, icpg = cc->c / cc->group;
  for (int i = 0; i < cc->oc * oh * ow; i++)
    y[i] = 0.0;
  for (int ci = 0; ci < cc->c; ci++)
    for (int iy = 0; iy < cc->h; iy++)
      for (int ix = 0; ix < cc->w; ix++)
        for (int o = 0; o < ocpg; o++)
          for (int ky = 0; ky < cc->k; ky++)
            for (int kx = 0; kx < cc->k; kx++)
              {
                int g = ci / icpg;
                int yy = iy * cc->stride + ky * cc->dil - cc->pad_b;
                int xx = ix * cc->stride + kx * cc->dil - cc->pad_b;
                if (yy < 0 || yy >= oh || xx < 0 || xx >= ow)
                  continue;
                y[((g * ocpg + o) * oh + yy) * ow + xx] +=
                  (double) x[(ci * cc->h + iy) * cc->w + ix] * w[((ci * ocpg + o) * cc->k + ky) * cc->k + kx];
              }
  for (int o = 0; o < cc->oc; o++)
    for (int i = 0; i < oh * ow; i++)
      {
        double v = y[o * oh * ow + i] + (b ? b[o] : 0.0);
        y[o * oh * ow + i] = cc->relu ? MAX (v, 0.0) : v;
      }
}

static float
rnd (guint32 *state)
{
  *state = *state * 1664525u + 1013904223u;
  return ((*state >> 8) / 16777216.0f) * 2.0f - 1.0f;
}

static double
rel_error (const float *got, const double *want, gsize n)
{
  double num = 0, den = 0;
  for (gsize i = 0; i < n; i++)
    {
      num += (got[i] - want[i]) * (got[i] - want[i]);
      den += want[i] * want[i];
    }
  return sqrt (num / MAX (den, 1e-30));
}

static void
run_conv_case (const ConvCase *cc, CsPrecision precision, double tolerance)
{
  g_autoptr(CsOnnxWriter) wr = cs_onnx_writer_new ("conv", 13);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(CsNetwork) net = NULL;
  g_autoptr(GError) error = NULL;
  int wc = cc->transpose ? cc->c : cc->oc;
  int wk = cc->transpose ? cc->oc / cc->group : cc->c / cc->group;
  int ek = (cc->k - 1) * cc->dil + 1;
  int oh = cc->transpose ? (cc->h - 1) * cc->stride + ek - cc->pad_b - cc->pad_e
                         : (cc->h + cc->pad_b + cc->pad_e - ek) / cc->stride + 1;
  int ow = cc->transpose ? (cc->w - 1) * cc->stride + ek - cc->pad_b - cc->pad_e
                         : (cc->w + cc->pad_b + cc->pad_e - ek) / cc->stride + 1;
  gsize nx = (gsize) cc->c * cc->h * cc->w, nw = (gsize) wc * wk * cc->k * cc->k, ny = (gsize) cc->oc * oh * ow;
  g_autofree float *x = g_new (float, nx);
  g_autofree float *w = g_new (float, nw);
  g_autofree float *b = g_new (float, cc->oc);
  g_autofree float *y = g_new (float, ny);
  g_autofree double *ref = g_new (double, ny);
  guint32 seed = 12345 + cc->c * 7 + cc->oc * 13 + cc->k * 31 + cc->stride;
  int64_t wdims[4] = { wc, wk, cc->k, cc->k }, bdims[1] = { cc->oc };
  int64_t in_dims[4] = { 1, cc->c, cc->h, cc->w };
  const char *conv_in[] = { "x", "w", cc->bias ? "b" : NULL, NULL };
  const char *conv_out[] = { cc->relu ? "t" : "y", NULL };
  int64_t k2[2] = { cc->k, cc->k }, s2[2] = { cc->stride, cc->stride }, d2[2] = { cc->dil, cc->dil };
  int64_t pads[4] = { cc->pad_b, cc->pad_b, cc->pad_e, cc->pad_e };
  double err;

  for (gsize i = 0; i < nx; i++)
    x[i] = rnd (&seed) * 2.0f;
  for (gsize i = 0; i < nw; i++)
    w[i] = rnd (&seed) * 0.3f;
  for (int i = 0; i < cc->oc; i++)
    b[i] = rnd (&seed);

  cs_onnx_writer_add_input (wr, "x", "1,C,H,W");
  cs_onnx_writer_add_output (wr, "y", NULL);
  cs_onnx_writer_add_float_initializer (wr, "w", wdims, 4, w, nw);
  if (cc->bias)
    cs_onnx_writer_add_float_initializer (wr, "b", bdims, 1, b, cc->oc);
  cs_onnx_writer_add_node (wr, cc->transpose ? "ConvTranspose" : "Conv", "conv", conv_in, conv_out);
  cs_onnx_writer_node_set_ints (wr, "kernel_shape", k2, 2);
  cs_onnx_writer_node_set_ints (wr, "strides", s2, 2);
  cs_onnx_writer_node_set_ints (wr, "dilations", d2, 2);
  cs_onnx_writer_node_set_ints (wr, "pads", pads, 4);
  cs_onnx_writer_node_set_int (wr, "group", cc->group);
  if (cc->relu)
    {
      const char *ri[] = { "t", NULL }, *ro[] = { "y", NULL };
      cs_onnx_writer_add_node (wr, "Relu", "relu", ri, ro);
    }
  bytes = cs_onnx_writer_serialize (wr);
  net = cs_network_new_from_bytes (device, bytes, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (cs_network_set_input_shape (net, "x", 4, in_dims, &error));
  g_assert_true (cs_network_prepare (net, precision, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cs_network_get_output_numel (net, 0), ==, ny);
  if (cc->relu)
    g_assert_cmpuint (cs_network_get_n_live_nodes (net), ==, 1); /* the ReLU is fused */
  g_assert_true (cs_network_set_input (net, "x", x, nx, &error));
  g_assert_true (cs_network_run (net, NULL, &error));
  g_assert_true (cs_network_get_output (net, 0, y, ny, &error));
  if (cc->transpose)
    ref_deconv (cc, x, w, cc->bias ? b : NULL, ref, oh, ow);
  else
    ref_conv (cc, x, w, cc->bias ? b : NULL, ref, oh, ow);
  err = rel_error (y, ref, ny);
  g_test_message ("%s c%d oc%d %dx%d k%d s%d d%d pads %d/%d g%d %s: relative error %.2e",
                  cc->transpose ? "ConvTranspose" : "Conv", cc->c, cc->oc, cc->h, cc->w, cc->k,
                  cc->stride, cc->dil, cc->pad_b, cc->pad_e, cc->group,
                  precision == CS_PRECISION_FP16 ? "fp16" : "fp32", err);
  g_assert_cmpfloat (err, <, tolerance);
}

static const ConvCase conv_cases[] = {
  /* c, oc, h, w, k, stride, dil, pad_b, pad_e, group, transpose, bias, relu */
  { 3, 32, 37, 29, 9, 1, 1, 4, 4, 1, FALSE, TRUE, TRUE },     /* the style networks' first layer */
  { 32, 64, 20, 27, 3, 2, 1, 0, 1, 1, FALSE, FALSE, FALSE },  /* TF SAME, stride 2 */
  { 16, 16, 13, 31, 3, 1, 1, 1, 1, 1, FALSE, TRUE, TRUE },
  { 32, 3, 23, 17, 9, 1, 1, 4, 4, 1, FALSE, TRUE, FALSE },    /* ragged output channels */
  { 8, 12, 9, 11, 3, 1, 2, 2, 2, 1, FALSE, TRUE, FALSE },     /* dilation */
  { 8, 8, 10, 10, 1, 1, 1, 0, 0, 1, FALSE, FALSE, FALSE },    /* 1x1 */
  { 8, 8, 12, 12, 3, 1, 1, 1, 1, 4, FALSE, TRUE, FALSE },     /* groups: general kernel */
  { 5, 7, 9, 8, 5, 3, 1, 2, 1, 1, FALSE, TRUE, TRUE },
  { 8, 20, 11, 37, 3, 1, 1, 1, 1, 1, FALSE, TRUE, TRUE },    /* two channels a lane, ragged */
  { 16, 24, 9, 9, 1, 1, 1, 0, 0, 1, FALSE, FALSE, FALSE },
  { 12, 32, 15, 21, 3, 2, 1, 1, 1, 1, FALSE, TRUE, FALSE },
  { 64, 32, 11, 14, 3, 2, 1, 0, 1, 1, TRUE, FALSE, TRUE },    /* the style networks' upsampling */
  { 16, 8, 7, 9, 4, 2, 1, 1, 1, 1, TRUE, TRUE, FALSE },
  { 6, 3, 5, 6, 3, 3, 2, 1, 0, 1, TRUE, TRUE, FALSE },
  { 8, 8, 6, 6, 3, 2, 1, 1, 1, 2, TRUE, TRUE, FALSE },         /* groups: general kernel */
};

static void
test_conv_fp32 (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (conv_cases); i++)
    run_conv_case (&conv_cases[i], CS_PRECISION_FP32, 1e-5);
  g_assert_cmpuint (cs_device_get_validation_errors (device), ==, 0);
}

static void
test_conv_fp16 (void)
{
  if (!cs_device_supports_fp16 (device))
    {
      g_test_skip ("the device has no fp16");
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (conv_cases); i++)
    run_conv_case (&conv_cases[i], CS_PRECISION_FP16, 5e-3);
  g_assert_cmpuint (cs_device_get_validation_errors (device), ==, 0);
}

/* A residual block: conv, instance norm, relu, conv, instance norm, + x.
 * Checks fusion (norm + relu, norm + add) and the memory plan's reuse. */
static void
residual_block (int H, int W)
{
  const int C = 8;
  g_autoptr(CsOnnxWriter) wr = cs_onnx_writer_new ("res", 13);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(CsNetwork) net = NULL;
  g_autoptr(GError) error = NULL;
  float w1[8 * 8 * 9], w2[8 * 8 * 9], g1[8], b1[8], g2[8], b2[8];
  float x[8 * 10 * 13], y[8 * 10 * 13];
  double t[8 * 10 * 13], u[8 * 10 * 13], ref[8 * 10 * 13];
  gsize n = (gsize) C * H * W;
  g_autofree char *shape = g_strdup_printf ("1,8,%d,%d", H, W);
  guint32 seed = 99;
  int64_t wd[4] = { C, C, 3, 3 }, cd[1] = { C }, in_dims[4] = { 1, C, H, W };
  int64_t k2[2] = { 3, 3 }, pads[4] = { 1, 1, 1, 1 };
  ConvCase cc = { C, C, H, W, 3, 1, 1, 1, 1, 1, FALSE, FALSE, FALSE };

  for (guint i = 0; i < G_N_ELEMENTS (w1); i++)
    {
      w1[i] = rnd (&seed) * 0.3f;
      w2[i] = rnd (&seed) * 0.3f;
    }
  for (int i = 0; i < C; i++)
    {
      g1[i] = 1.0f + rnd (&seed) * 0.5f;
      b1[i] = rnd (&seed);
      g2[i] = 1.0f + rnd (&seed) * 0.5f;
      b2[i] = rnd (&seed);
    }
  for (guint i = 0; i < G_N_ELEMENTS (x); i++)
    x[i] = rnd (&seed) * 3.0f;

  g_assert_cmpuint (n, <=, G_N_ELEMENTS (x));
  cs_onnx_writer_add_input (wr, "x", shape);
  cs_onnx_writer_add_output (wr, "y", NULL);
  cs_onnx_writer_add_float_initializer (wr, "w1", wd, 4, w1, G_N_ELEMENTS (w1));
  cs_onnx_writer_add_float_initializer (wr, "w2", wd, 4, w2, G_N_ELEMENTS (w2));
  cs_onnx_writer_add_float_initializer (wr, "g1", cd, 1, g1, C);
  cs_onnx_writer_add_float_initializer (wr, "b1", cd, 1, b1, C);
  cs_onnx_writer_add_float_initializer (wr, "g2", cd, 1, g2, C);
  cs_onnx_writer_add_float_initializer (wr, "b2", cd, 1, b2, C);
  {
    const char *i1[] = { "x", "w1", NULL }, *o1[] = { "c1", NULL };
    const char *i2[] = { "c1", "g1", "b1", NULL }, *o2[] = { "n1", NULL };
    const char *i3[] = { "n1", NULL }, *o3[] = { "r1", NULL };
    const char *i4[] = { "r1", "w2", NULL }, *o4[] = { "c2", NULL };
    const char *i5[] = { "c2", "g2", "b2", NULL }, *o5[] = { "n2", NULL };
    const char *i6[] = { "n2", "x", NULL }, *o6[] = { "y", NULL };
    cs_onnx_writer_add_node (wr, "Conv", "c1", i1, o1);
    cs_onnx_writer_node_set_ints (wr, "kernel_shape", k2, 2);
    cs_onnx_writer_node_set_ints (wr, "pads", pads, 4);
    cs_onnx_writer_add_node (wr, "InstanceNormalization", "n1", i2, o2);
    cs_onnx_writer_node_set_float (wr, "epsilon", 1e-3f);
    cs_onnx_writer_add_node (wr, "Relu", "r1", i3, o3);
    cs_onnx_writer_add_node (wr, "Conv", "c2", i4, o4);
    cs_onnx_writer_node_set_ints (wr, "kernel_shape", k2, 2);
    cs_onnx_writer_node_set_ints (wr, "pads", pads, 4);
    cs_onnx_writer_add_node (wr, "InstanceNormalization", "n2", i5, o5);
    cs_onnx_writer_node_set_float (wr, "epsilon", 1e-3f);
    cs_onnx_writer_add_node (wr, "Add", "add", i6, o6);
  }
  bytes = cs_onnx_writer_serialize (wr);
  net = cs_network_new_from_bytes (device, bytes, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (cs_network_set_input_shape (net, "x", 4, in_dims, &error));
  g_assert_true (cs_network_prepare (net, CS_PRECISION_FP32, &error));
  /* Relu and Add ride on the normalizations. */
  g_assert_cmpuint (cs_network_get_n_live_nodes (net), ==, 4);
  g_assert_true (cs_network_set_input (net, "x", x, n, &error));
  g_assert_true (cs_network_run (net, NULL, &error));
  g_assert_true (cs_network_get_output (net, 0, y, n, &error));

  {
    double *bufs[2] = { t, u };
    const float *gs[2] = { g1, g2 }, *bs[2] = { b1, b2 }, *ws[2] = { w1, w2 };
    g_autofree float *in = g_memdup2 (x, sizeof x);
    for (int layer = 0; layer < 2; layer++)
      {
        double *o = bufs[layer];
        ref_conv (&cc, in, ws[layer], NULL, o, H, W);
        for (int c = 0; c < C; c++)
          {
            double m = 0, v = 0;
            for (int i = 0; i < H * W; i++)
              m += o[c * H * W + i];
            m /= H * W;
            for (int i = 0; i < H * W; i++)
              v += (o[c * H * W + i] - m) * (o[c * H * W + i] - m);
            v /= H * W;
            for (int i = 0; i < H * W; i++)
              {
                double z = gs[layer][c] * (o[c * H * W + i] - m) / sqrt (v + 1e-3) + bs[layer][c];
                o[c * H * W + i] = layer == 0 ? MAX (z, 0.0) : z + x[c * H * W + i];
              }
          }
        for (int i = 0; i < C * H * W; i++)
          in[i] = (float) o[i];
      }
    memcpy (ref, u, n * sizeof (double));
  }
  g_assert_cmpfloat (rel_error (y, ref, n), <, 1e-5);
  g_assert_cmpuint (cs_device_get_validation_errors (device), ==, 0);
}

/* Planes of 130 values take the scalar path, of 96 the four-wide one. */
static void
test_residual_block (void)
{
  residual_block (10, 13);
  residual_block (8, 12);
}

/* Conv, BatchNormalization, Relu become one convolution. */
static void
test_conv_batch_norm (void)
{
  const int C = 4, OC = 8, H = 9, W = 7;
  g_autoptr(CsOnnxWriter) wr = cs_onnx_writer_new ("cbr", 13);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(CsNetwork) net = NULL;
  g_autoptr(GError) error = NULL;
  float w[8 * 4 * 9], b[8], gamma[8], beta[8], mean[8], var[8], x[4 * 9 * 7], y[8 * 9 * 7];
  double ref[8 * 9 * 7];
  guint32 seed = 7;
  int64_t wd[4] = { OC, C, 3, 3 }, cd[1] = { OC }, in_dims[4] = { 1, C, H, W };
  int64_t k2[2] = { 3, 3 }, pads[4] = { 1, 1, 1, 1 };
  ConvCase cc = { C, OC, H, W, 3, 1, 1, 1, 1, 1, FALSE, TRUE, FALSE };
  const char *i1[] = { "x", "w", "b", NULL }, *o1[] = { "c", NULL };
  const char *i2[] = { "c", "gamma", "beta", "mean", "var", NULL }, *o2[] = { "n", NULL };
  const char *i3[] = { "n", NULL }, *o3[] = { "y", NULL };

  for (guint i = 0; i < G_N_ELEMENTS (w); i++)
    w[i] = rnd (&seed) * 0.5f;
  for (int i = 0; i < OC; i++)
    {
      b[i] = rnd (&seed);
      gamma[i] = 1.0f + 0.5f * rnd (&seed);
      beta[i] = rnd (&seed);
      mean[i] = rnd (&seed);
      var[i] = 1.0f + 0.5f * rnd (&seed);
    }
  for (guint i = 0; i < G_N_ELEMENTS (x); i++)
    x[i] = rnd (&seed) * 2.0f;
  cs_onnx_writer_add_input (wr, "x", "1,4,9,7");
  cs_onnx_writer_add_output (wr, "y", NULL);
  cs_onnx_writer_add_float_initializer (wr, "w", wd, 4, w, G_N_ELEMENTS (w));
  cs_onnx_writer_add_float_initializer (wr, "b", cd, 1, b, OC);
  cs_onnx_writer_add_float_initializer (wr, "gamma", cd, 1, gamma, OC);
  cs_onnx_writer_add_float_initializer (wr, "beta", cd, 1, beta, OC);
  cs_onnx_writer_add_float_initializer (wr, "mean", cd, 1, mean, OC);
  cs_onnx_writer_add_float_initializer (wr, "var", cd, 1, var, OC);
  cs_onnx_writer_add_node (wr, "Conv", "conv", i1, o1);
  cs_onnx_writer_node_set_ints (wr, "kernel_shape", k2, 2);
  cs_onnx_writer_node_set_ints (wr, "pads", pads, 4);
  cs_onnx_writer_add_node (wr, "BatchNormalization", "bn", i2, o2);
  cs_onnx_writer_node_set_float (wr, "epsilon", 1e-3f);
  cs_onnx_writer_add_node (wr, "Relu", "relu", i3, o3);
  bytes = cs_onnx_writer_serialize (wr);
  net = cs_network_new_from_bytes (device, bytes, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (cs_network_set_input_shape (net, "x", 4, in_dims, &error));
  g_assert_true (cs_network_prepare (net, CS_PRECISION_FP32, &error));
  g_assert_cmpuint (cs_network_get_n_live_nodes (net), ==, 1);
  g_assert_true (cs_network_set_input (net, "x", x, G_N_ELEMENTS (x), &error));
  g_assert_true (cs_network_run (net, NULL, &error));
  g_assert_true (cs_network_get_output (net, 0, y, G_N_ELEMENTS (y), &error));
  ref_conv (&cc, x, w, b, ref, H, W);
  for (int o = 0; o < OC; o++)
    for (int i = 0; i < H * W; i++)
      {
        double v = (ref[o * H * W + i] - mean[o]) / sqrt (var[o] + 1e-3) * gamma[o] + beta[o];
        ref[o * H * W + i] = MAX (v, 0.0);
      }
  g_assert_cmpfloat (rel_error (y, ref, G_N_ELEMENTS (y)), <, 1e-5);
}

/* A convolution without a bias, then a constant per-channel Add and a
 * LeakyRelu (how StyleGAN's layers add their bias) become one convolution;
 * an Add of a whole feature map or of a per-row vector is left alone. */
static void
check_bias_add (gboolean transpose, const int64_t *bias_dims, int bias_rank, guint live)
{
  const int C = 4, OC = 6, H = 5, W = 7;
  g_autoptr(CsOnnxWriter) wr = cs_onnx_writer_new ("bias", 13);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(CsNetwork) net = NULL;
  g_autoptr(GError) error = NULL;
  float w[6 * 4 * 9], v[6 * 7], x[4 * 5 * 7], y[6 * 5 * 7];
  double ref[6 * 5 * 7];
  guint32 seed = 11;
  int64_t wd[4] = { transpose ? C : OC, transpose ? OC : C, 3, 3 }, in_dims[4] = { 1, C, H, W };
  ConvCase cc = { C, OC, H, W, 3, 1, 1, 1, 1, 1, transpose, FALSE, FALSE };
  gsize n_v = 1;

  for (int i = 0; i < bias_rank; i++)
    n_v *= bias_dims[i];
  for (guint i = 0; i < G_N_ELEMENTS (w); i++)
    w[i] = rnd (&seed) * 0.5f;
  for (guint i = 0; i < G_N_ELEMENTS (v); i++)
    v[i] = rnd (&seed);
  for (guint i = 0; i < G_N_ELEMENTS (x); i++)
    x[i] = rnd (&seed) * 2.0f;
  cs_onnx_writer_add_input (wr, "x", "1,4,5,7");
  cs_onnx_writer_add_output (wr, "y", NULL);
  cs_onnx_writer_add_float_initializer (wr, "w", wd, 4, w, G_N_ELEMENTS (w));
  cs_onnx_writer_add_float_initializer (wr, "v", bias_dims, bias_rank, v, n_v);
  cs_onnx_writer_add_node (wr, transpose ? "ConvTranspose" : "Conv", "conv", CS_ONNX_NAMES ("x", "w"),
                           CS_ONNX_NAMES ("c"));
  cs_onnx_writer_node_set_ints (wr, "pads", CS_ONNX_DIMS (1, 1, 1, 1));
  cs_onnx_writer_add_node (wr, "Add", "bias", CS_ONNX_NAMES ("v", "c"), CS_ONNX_NAMES ("a"));
  cs_onnx_writer_add_node (wr, "LeakyRelu", "act", CS_ONNX_NAMES ("a"), CS_ONNX_NAMES ("y"));
  cs_onnx_writer_node_set_float (wr, "alpha", 0.2f);
  bytes = cs_onnx_writer_serialize (wr);
  net = cs_network_new_from_bytes (device, bytes, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (cs_network_set_input_shape (net, "x", 4, in_dims, &error));
  g_assert_true (cs_network_prepare (net, CS_PRECISION_FP32, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cs_network_get_n_live_nodes (net), ==, live);
  g_assert_true (cs_network_set_input (net, "x", x, G_N_ELEMENTS (x), &error));
  g_assert_true (cs_network_run (net, NULL, &error));
  g_assert_true (cs_network_get_output (net, 0, y, G_N_ELEMENTS (y), &error));
  if (transpose)
    ref_deconv (&cc, x, w, NULL, ref, H, W);
  else
    ref_conv (&cc, x, w, NULL, ref, H, W);
  for (int o = 0; o < OC; o++)
    for (int yy = 0; yy < H; yy++)
      for (int xx = 0; xx < W; xx++)
        {
          double *r = &ref[(o * H + yy) * W + xx];
          double a = *r + (n_v == (gsize) OC ? v[o] : v[o * W + xx]);
          *r = a >= 0 ? a : 0.2 * a;
        }
  g_assert_cmpfloat (rel_error (y, ref, G_N_ELEMENTS (y)), <, 1e-5);
}

static void
test_conv_bias_add (void)
{
  check_bias_add (FALSE, (const int64_t[]) { 1, 6, 1, 1 }, 4, 1);
  check_bias_add (FALSE, (const int64_t[]) { 6, 1, 1 }, 3, 1);
  check_bias_add (TRUE, (const int64_t[]) { 1, 6, 1, 1 }, 4, 1);
  /* Not per channel: the Add stays (and carries the activation). */
  check_bias_add (FALSE, (const int64_t[]) { 1, 6, 1, 7 }, 4, 2);
}

/* Shape arithmetic on constants is folded on the host: nothing runs. */
static void
test_folding (void)
{
  g_autoptr(CsOnnxWriter) wr = cs_onnx_writer_new ("fold", 13);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(CsNetwork) net = NULL;
  g_autoptr(GError) error = NULL;
  const int64_t values[6] = { 0, 1, 2, 3, 4, 5 }, dims[2] = { 2, 3 }, one[1] = { 1 };
  const int64_t starts[1] = { 1 }, ends[1] = { 3 }, axes[1] = { 0 }, perm[2] = { 1, 0 };
  const char *t_in[] = { "v", NULL }, *t_out[] = { "t", NULL };
  const char *s_in[] = { "t", "starts", "ends", "axes", NULL }, *s_out[] = { "s", NULL };
  const char *g_in[] = { "s", "idx", NULL }, *g_out[] = { "g", NULL };
  const char *c_in[] = { "g", NULL }, *c_out[] = { "y", NULL };
  float y[2];

  cs_onnx_writer_add_output (wr, "y", NULL);
  cs_onnx_writer_add_int64_initializer (wr, "v", dims, 2, values, 6);
  cs_onnx_writer_add_int64_initializer (wr, "starts", one, 1, starts, 1);
  cs_onnx_writer_add_int64_initializer (wr, "ends", one, 1, ends, 1);
  cs_onnx_writer_add_int64_initializer (wr, "axes", one, 1, axes, 1);
  cs_onnx_writer_add_int64_initializer (wr, "idx", one, 1, one, 1);
  cs_onnx_writer_add_node (wr, "Transpose", "t", t_in, t_out);
  cs_onnx_writer_node_set_ints (wr, "perm", perm, 2);
  cs_onnx_writer_add_node (wr, "Slice", "s", s_in, s_out);
  cs_onnx_writer_add_node (wr, "Gather", "g", g_in, g_out);
  cs_onnx_writer_node_set_int (wr, "axis", 1);
  cs_onnx_writer_add_node (wr, "Cast", "c", c_in, c_out);
  cs_onnx_writer_node_set_int (wr, "to", 1);
  bytes = cs_onnx_writer_serialize (wr);
  net = cs_network_new_from_bytes (device, bytes, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (cs_network_prepare (net, CS_PRECISION_FP32, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cs_network_get_n_live_nodes (net), ==, 0);
  g_assert_cmpuint (cs_network_get_output_numel (net, 0), ==, 2);
  g_assert_true (cs_network_run (net, NULL, &error));
  g_assert_true (cs_network_get_output (net, 0, y, 2, &error));
  /* [[0,1,2],[3,4,5]] transposed, rows 1..2, column 1. */
  g_assert_cmpfloat (y[0], ==, 4.0f);
  g_assert_cmpfloat (y[1], ==, 5.0f);
}

/* A style code and a degree bound as constants, the way a VToonify-D
 * generator takes them: the code modulates a convolution's weights through
 * a folded linear layer, the degree scales the result and drives a
 * per-channel shift. Binding new values and preparing again refreshes what
 * they feed without a new plan, and gives what a fresh network gives. */
#define RB_C 8
#define RB_OC 8
#define RB_S 5
#define RB_H 9
#define RB_W 7

typedef struct {
  float a[RB_S * RB_C], w[RB_OC * RB_C * 9], b[RB_OC], l[RB_OC];
} RebindWeights;

static GBytes *
rebind_model (const RebindWeights *p, gboolean clip)
{
  g_autoptr(CsOnnxWriter) wr = cs_onnx_writer_new ("rebind", 13);
  const int64_t shape4[4] = { 1, RB_C, 1, 1 }, shape_l[4] = { 1, RB_OC, 1, 1 }, one[2] = { 1, 1 };

  cs_onnx_writer_add_input (wr, "x", "1," G_STRINGIFY (RB_C) ",h,w");
  cs_onnx_writer_add_input (wr, "code", "1," G_STRINGIFY (RB_S));
  cs_onnx_writer_add_input (wr, "d", "1");
  cs_onnx_writer_add_output (wr, "y", NULL);
  cs_onnx_writer_add_float_initializer (wr, "A", CS_ONNX_DIMS (RB_S, RB_C), p->a, G_N_ELEMENTS (p->a));
  cs_onnx_writer_add_float_initializer (wr, "W", CS_ONNX_DIMS (RB_OC, RB_C, 3, 3), p->w, G_N_ELEMENTS (p->w));
  cs_onnx_writer_add_float_initializer (wr, "B", CS_ONNX_DIMS (RB_OC), p->b, RB_OC);
  cs_onnx_writer_add_float_initializer (wr, "L", CS_ONNX_DIMS (1, RB_OC), p->l, RB_OC);
  cs_onnx_writer_add_float_initializer (wr, "one", CS_ONNX_DIMS (1), (const float[]) { 1.0f }, 1);
  cs_onnx_writer_add_int64_initializer (wr, "s4", CS_ONNX_DIMS (4), shape4, 4);
  cs_onnx_writer_add_int64_initializer (wr, "sl", CS_ONNX_DIMS (4), shape_l, 4);
  cs_onnx_writer_add_int64_initializer (wr, "s11", CS_ONNX_DIMS (2), one, 2);
  /* style = code · A + 1, as a [1, C, 1, 1] scale of the weights */
  cs_onnx_writer_add_node (wr, "MatMul", "lin", CS_ONNX_NAMES ("code", "A"), CS_ONNX_NAMES ("lin"));
  cs_onnx_writer_add_node (wr, "Add", "style", CS_ONNX_NAMES ("lin", "one"), CS_ONNX_NAMES ("style"));
  cs_onnx_writer_add_node (wr, "Reshape", "style4", CS_ONNX_NAMES ("style", "s4"), CS_ONNX_NAMES ("style4"));
  cs_onnx_writer_add_node (wr, "Mul", "modulate", CS_ONNX_NAMES ("W", "style4"), CS_ONNX_NAMES ("wm"));
  cs_onnx_writer_add_node (wr, "Conv", "conv", CS_ONNX_NAMES ("x", "wm", "B"), CS_ONNX_NAMES ("c"));
  cs_onnx_writer_node_set_ints (wr, "pads", CS_ONNX_DIMS (1, 1, 1, 1));
  /* y = c · d + (d · L) per channel */
  cs_onnx_writer_add_node (wr, "Mul", "scale", CS_ONNX_NAMES ("c", "d"), CS_ONNX_NAMES ("cd"));
  cs_onnx_writer_add_node (wr, "Reshape", "d2", CS_ONNX_NAMES ("d", "s11"), CS_ONNX_NAMES ("d2"));
  cs_onnx_writer_add_node (wr, "MatMul", "label", CS_ONNX_NAMES ("d2", "L"), CS_ONNX_NAMES ("label"));
  cs_onnx_writer_add_node (wr, "Reshape", "label4", CS_ONNX_NAMES ("label", "sl"), CS_ONNX_NAMES ("label4"));
  if (clip)
    {
      /* A bound that only a new plan can change. */
      cs_onnx_writer_add_node (wr, "Add", "shift", CS_ONNX_NAMES ("cd", "label4"), CS_ONNX_NAMES ("sh"));
      cs_onnx_writer_add_node (wr, "Neg", "nd", CS_ONNX_NAMES ("d"), CS_ONNX_NAMES ("nd"));
      cs_onnx_writer_add_node (wr, "Clip", "clip", CS_ONNX_NAMES ("sh", "nd", ""), CS_ONNX_NAMES ("y"));
    }
  else
    cs_onnx_writer_add_node (wr, "Add", "shift", CS_ONNX_NAMES ("cd", "label4"), CS_ONNX_NAMES ("y"));
  return cs_onnx_writer_serialize (wr);
}

static void
rebind_reference (const RebindWeights *p, const float *x, const float *code, float d, gboolean clip, double *y)
{
  float wm[RB_OC * RB_C * 9];
  ConvCase cc = { RB_C, RB_OC, RB_H, RB_W, 3, 1, 1, 1, 1, 1, FALSE, TRUE, FALSE };

  for (int c = 0; c < RB_C; c++)
    {
      double style = 1.0;
      for (int k = 0; k < RB_S; k++)
        style += (double) code[k] * p->a[k * RB_C + c];
      for (int o = 0; o < RB_OC; o++)
        for (int t = 0; t < 9; t++)
          wm[(o * RB_C + c) * 9 + t] = (float) (p->w[(o * RB_C + c) * 9 + t] * style);
    }
  ref_conv (&cc, x, wm, p->b, y, RB_H, RB_W);
  for (int o = 0; o < RB_OC; o++)
    for (int i = 0; i < RB_H * RB_W; i++)
      {
        double v = y[o * RB_H * RB_W + i] * d + (double) d * p->l[o];
        y[o * RB_H * RB_W + i] = clip ? MAX (v, -(double) d) : v;
      }
}

static void
bind_code_degree (CsNetwork *net, const float *code, float d)
{
  g_autoptr(GError) error = NULL;
  const int64_t cdims[2] = { 1, RB_S }, ddims[1] = { 1 };

  g_assert_true (cs_network_bind_constant (net, "code", CS_DTYPE_FLOAT, 2, cdims, code, &error));
  g_assert_true (cs_network_bind_constant (net, "d", CS_DTYPE_FLOAT, 1, ddims, &d, &error));
  g_assert_no_error (error);
}

static void
run_rebind (CsNetwork *net, CsPrecision precision, const float *x, float *y)
{
  g_autoptr(GError) error = NULL;
  const int64_t xdims[4] = { 1, RB_C, RB_H, RB_W };

  g_assert_true (cs_network_set_input_shape (net, "x", 4, xdims, &error));
  g_assert_true (cs_network_prepare (net, precision, &error));
  g_assert_true (cs_network_set_input (net, "x", x, RB_C * RB_H * RB_W, &error));
  g_assert_true (cs_network_run (net, NULL, &error));
  g_assert_true (cs_network_get_output (net, 0, y, RB_OC * RB_H * RB_W, &error));
  g_assert_no_error (error);
}

static void
check_rebind (CsPrecision precision, gboolean clip)
{
  RebindWeights p;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(CsNetwork) net = NULL;
  g_autoptr(CsNetwork) fresh = NULL;
  g_autoptr(GError) error = NULL;
  float x[RB_C * RB_H * RB_W], code[2][RB_S], y[RB_OC * RB_H * RB_W], y_fresh[RB_OC * RB_H * RB_W];
  double ref[RB_OC * RB_H * RB_W];
  const float degrees[3] = { 0.0f, 0.5f, 1.0f };
  double tol = precision == CS_PRECISION_FP16 ? 5e-3 : 1e-5;
  guint32 state = 7;
  guint plans;

  for (gsize i = 0; i < G_N_ELEMENTS (p.a); i++) p.a[i] = 0.3f * rnd (&state);
  for (gsize i = 0; i < G_N_ELEMENTS (p.w); i++) p.w[i] = rnd (&state);
  for (gsize i = 0; i < RB_OC; i++) { p.b[i] = rnd (&state); p.l[i] = rnd (&state); }
  for (gsize i = 0; i < G_N_ELEMENTS (x); i++) x[i] = rnd (&state);
  for (int c = 0; c < 2; c++)
    for (int k = 0; k < RB_S; k++)
      code[c][k] = rnd (&state);

  bytes = rebind_model (&p, clip);
  net = cs_network_new_from_bytes (device, bytes, NULL, &error);
  g_assert_no_error (error);
  for (int c = 0; c < 2; c++)
    for (gsize k = 0; k < G_N_ELEMENTS (degrees); k++)
      {
        bind_code_degree (net, code[c], degrees[k]);
        run_rebind (net, precision, x, y);
        rebind_reference (&p, x, code[c], degrees[k], clip, ref);
        g_assert_cmpfloat (rel_error (y, ref, G_N_ELEMENTS (y)), <, tol);
      }
  plans = cs_network_get_n_plans (net);
  /* The Clip's bound depends on the degree: every new degree is a new plan.
   * Without it, only the first prepare plans. */
  g_assert_cmpuint (plans, ==, clip ? 6 : 1);

  /* Exactly what a network planned for the same values gives. */
  fresh = cs_network_new_from_bytes (device, bytes, NULL, &error);
  bind_code_degree (fresh, code[1], degrees[2]);
  run_rebind (fresh, precision, x, y_fresh);
  g_assert_cmpmem (y, sizeof y, y_fresh, sizeof y_fresh);

  /* Preparing with nothing changed plans nothing; a new shape does. */
  run_rebind (net, precision, x, y);
  g_assert_cmpuint (cs_network_get_n_plans (net), ==, plans);
  g_assert_true (cs_network_set_input_shape (net, "x", 4, (const int64_t[]) { 1, RB_C, RB_H + 1, RB_W }, &error));
  g_assert_true (cs_network_prepare (net, precision, &error));
  g_assert_cmpuint (cs_network_get_n_plans (net), ==, plans + 1);
}

static void
test_rebind_fp32 (void)
{
  check_rebind (CS_PRECISION_FP32, FALSE);
}

static void
test_rebind_fp16 (void)
{
  if (!cs_device_supports_fp16 (device))
    {
      g_test_skip ("The device has no 16-bit floats");
      return;
    }
  check_rebind (CS_PRECISION_FP16, FALSE);
}

static void
test_rebind_replan (void)
{
  check_rebind (CS_PRECISION_FP32, TRUE);
}

/* An adaptive instance norm and a convolution whose bias follows as an Add,
 * every per-channel value from a bound code: fusion leaves one
 * normalization and one convolution, and a new code refreshes the values it
 * folded into them without a new plan. */
static GBytes *
adain_model (const float *gm, const float *bt, const float *q, const float *w)
{
  g_autoptr(CsOnnxWriter) wr = cs_onnx_writer_new ("adain", 13);
  const float ones[RB_C] = { 1, 1, 1, 1, 1, 1, 1, 1 }, zeros[RB_C] = { 0 };

  cs_onnx_writer_add_input (wr, "x", "1," G_STRINGIFY (RB_C) ",h,w");
  cs_onnx_writer_add_input (wr, "code", "1," G_STRINGIFY (RB_S));
  cs_onnx_writer_add_output (wr, "y", NULL);
  cs_onnx_writer_add_float_initializer (wr, "G", CS_ONNX_DIMS (RB_S, RB_C), gm, RB_S * RB_C);
  cs_onnx_writer_add_float_initializer (wr, "Bt", CS_ONNX_DIMS (RB_S, RB_C), bt, RB_S * RB_C);
  cs_onnx_writer_add_float_initializer (wr, "Q", CS_ONNX_DIMS (RB_S, RB_OC), q, RB_S * RB_OC);
  cs_onnx_writer_add_float_initializer (wr, "W", CS_ONNX_DIMS (RB_OC, RB_C, 3, 3), w, RB_OC * RB_C * 9);
  cs_onnx_writer_add_float_initializer (wr, "ones", CS_ONNX_DIMS (RB_C), ones, RB_C);
  cs_onnx_writer_add_float_initializer (wr, "zeros", CS_ONNX_DIMS (RB_C), zeros, RB_C);
  cs_onnx_writer_add_float_initializer (wr, "one", CS_ONNX_DIMS (1), (const float[]) { 1.0f }, 1);
  cs_onnx_writer_add_int64_initializer (wr, "s4", CS_ONNX_DIMS (4), (const int64_t[]) { 1, RB_C, 1, 1 }, 4);
  cs_onnx_writer_add_int64_initializer (wr, "so", CS_ONNX_DIMS (4), (const int64_t[]) { 1, RB_OC, 1, 1 }, 4);
  cs_onnx_writer_add_node (wr, "MatMul", "g", CS_ONNX_NAMES ("code", "G"), CS_ONNX_NAMES ("g"));
  cs_onnx_writer_add_node (wr, "Add", "g1", CS_ONNX_NAMES ("g", "one"), CS_ONNX_NAMES ("g1"));
  cs_onnx_writer_add_node (wr, "Reshape", "g4", CS_ONNX_NAMES ("g1", "s4"), CS_ONNX_NAMES ("g4"));
  cs_onnx_writer_add_node (wr, "MatMul", "b", CS_ONNX_NAMES ("code", "Bt"), CS_ONNX_NAMES ("b"));
  cs_onnx_writer_add_node (wr, "Reshape", "b4", CS_ONNX_NAMES ("b", "s4"), CS_ONNX_NAMES ("b4"));
  cs_onnx_writer_add_node (wr, "MatMul", "q", CS_ONNX_NAMES ("code", "Q"), CS_ONNX_NAMES ("qq"));
  cs_onnx_writer_add_node (wr, "Reshape", "q4", CS_ONNX_NAMES ("qq", "so"), CS_ONNX_NAMES ("q4"));
  cs_onnx_writer_add_node (wr, "InstanceNormalization", "norm", CS_ONNX_NAMES ("x", "ones", "zeros"),
                           CS_ONNX_NAMES ("n"));
  cs_onnx_writer_add_node (wr, "Mul", "gamma", CS_ONNX_NAMES ("g4", "n"), CS_ONNX_NAMES ("ng"));
  cs_onnx_writer_add_node (wr, "Add", "beta", CS_ONNX_NAMES ("ng", "b4"), CS_ONNX_NAMES ("nb"));
  cs_onnx_writer_add_node (wr, "Conv", "conv", CS_ONNX_NAMES ("nb", "W"), CS_ONNX_NAMES ("c"));
  cs_onnx_writer_node_set_ints (wr, "pads", CS_ONNX_DIMS (1, 1, 1, 1));
  cs_onnx_writer_add_node (wr, "Add", "bias", CS_ONNX_NAMES ("c", "q4"), CS_ONNX_NAMES ("y"));
  return cs_onnx_writer_serialize (wr);
}

static void
adain_reference (const float *gm, const float *bt, const float *q, const float *w, const float *x,
                 const float *code, double *y)
{
  float normed[RB_C * RB_H * RB_W];
  ConvCase cc = { RB_C, RB_OC, RB_H, RB_W, 3, 1, 1, 1, 1, 1, FALSE, FALSE, FALSE };
  const int plane = RB_H * RB_W;

  for (int c = 0; c < RB_C; c++)
    {
      double mean = 0, var = 0, g = 1, b = 0;
      for (int i = 0; i < plane; i++)
        mean += x[c * plane + i];
      mean /= plane;
      for (int i = 0; i < plane; i++)
        var += (x[c * plane + i] - mean) * (x[c * plane + i] - mean);
      var /= plane;
      for (int k = 0; k < RB_S; k++)
        {
          g += (double) code[k] * gm[k * RB_C + c];
          b += (double) code[k] * bt[k * RB_C + c];
        }
      for (int i = 0; i < plane; i++)
        normed[c * plane + i] = (float) (g * (x[c * plane + i] - mean) / sqrt (var + 1e-5) + b);
    }
  ref_conv (&cc, normed, w, NULL, y, RB_H, RB_W);
  for (int o = 0; o < RB_OC; o++)
    {
      double bias = 0;
      for (int k = 0; k < RB_S; k++)
        bias += (double) code[k] * q[k * RB_OC + o];
      for (int i = 0; i < plane; i++)
        y[o * plane + i] += bias;
    }
}

static void
test_rebind_adain (void)
{
  float gm[RB_S * RB_C], bt[RB_S * RB_C], q[RB_S * RB_OC], w[RB_OC * RB_C * 9];
  float x[RB_C * RB_H * RB_W], code[2][RB_S], y[RB_OC * RB_H * RB_W], y_fresh[RB_OC * RB_H * RB_W];
  double ref[RB_OC * RB_H * RB_W];
  const int64_t xdims[4] = { 1, RB_C, RB_H, RB_W }, cdims[2] = { 1, RB_S };
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(CsNetwork) net = NULL;
  g_autoptr(CsNetwork) fresh = NULL;
  g_autoptr(GError) error = NULL;
  guint32 state = 3;

  for (gsize i = 0; i < G_N_ELEMENTS (gm); i++) { gm[i] = 0.3f * rnd (&state); bt[i] = rnd (&state); }
  for (gsize i = 0; i < G_N_ELEMENTS (q); i++) q[i] = rnd (&state);
  for (gsize i = 0; i < G_N_ELEMENTS (w); i++) w[i] = rnd (&state);
  for (gsize i = 0; i < G_N_ELEMENTS (x); i++) x[i] = 2.0f * rnd (&state);
  for (int c = 0; c < 2; c++)
    for (int k = 0; k < RB_S; k++)
      code[c][k] = rnd (&state);

  bytes = adain_model (gm, bt, q, w);
  net = cs_network_new_from_bytes (device, bytes, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (cs_network_set_input_shape (net, "x", 4, xdims, &error));
  for (int c = 0; c < 2; c++)
    {
      g_assert_true (cs_network_bind_constant (net, "code", CS_DTYPE_FLOAT, 2, cdims, code[c], &error));
      g_assert_true (cs_network_prepare (net, CS_PRECISION_FP32, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (cs_network_get_n_live_nodes (net), ==, 2);
      g_assert_true (cs_network_set_input (net, "x", x, G_N_ELEMENTS (x), &error));
      g_assert_true (cs_network_run (net, NULL, &error));
      g_assert_true (cs_network_get_output (net, 0, y, G_N_ELEMENTS (y), &error));
      adain_reference (gm, bt, q, w, x, code[c], ref);
      g_assert_cmpfloat (rel_error (y, ref, G_N_ELEMENTS (y)), <, 1e-5);
    }
  g_assert_cmpuint (cs_network_get_n_plans (net), ==, 1);

  fresh = cs_network_new_from_bytes (device, bytes, NULL, &error);
  g_assert_true (cs_network_set_input_shape (fresh, "x", 4, xdims, &error));
  g_assert_true (cs_network_bind_constant (fresh, "code", CS_DTYPE_FLOAT, 2, cdims, code[1], &error));
  g_assert_true (cs_network_prepare (fresh, CS_PRECISION_FP32, &error));
  g_assert_true (cs_network_set_input (fresh, "x", x, G_N_ELEMENTS (x), &error));
  g_assert_true (cs_network_run (fresh, NULL, &error));
  g_assert_true (cs_network_get_output (fresh, 0, y_fresh, G_N_ELEMENTS (y_fresh), &error));
  g_assert_no_error (error);
  g_assert_cmpmem (y, sizeof y, y_fresh, sizeof y_fresh);
}

static void
test_bad_input (void)
{
  g_autoptr(CsOnnxWriter) wr = cs_onnx_writer_new ("big", 13);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(CsNetwork) net = NULL;
  g_autoptr(GError) error = NULL;
  int64_t huge[4] = { 1, 3, 1000000, 1000000 }, ok[4] = { 1, 3, 8, 8 };
  const char *in[] = { "x", NULL }, *out[] = { "y", NULL };
  float small[4] = { 0 };

  cs_onnx_writer_add_input (wr, "x", "1,3,H,W");
  cs_onnx_writer_add_output (wr, "y", NULL);
  cs_onnx_writer_add_node (wr, "Relu", "relu", in, out);
  bytes = cs_onnx_writer_serialize (wr);
  net = cs_network_new_from_bytes (device, bytes, NULL, &error);
  g_assert_no_error (error);

  /* An absurd size is refused before anything is allocated. */
  g_assert_true (cs_network_set_input_shape (net, "x", 4, huge, &error));
  g_assert_false (cs_network_prepare (net, CS_PRECISION_FP32, &error));
  g_assert_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_SHAPE);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  /* A free dimension must be given. */
  {
    g_autoptr(CsNetwork) free_net = cs_network_new_from_bytes (device, bytes, NULL, &error);
    g_assert_false (cs_network_prepare (free_net, CS_PRECISION_FP32, &error));
    g_assert_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_SHAPE);
    g_assert_nonnull (strstr (error->message, "'x'"));
    g_clear_error (&error);
  }

  /* Wrong names, ranks and counts. */
  g_assert_false (cs_network_set_input_shape (net, "nope", 4, ok, &error));
  g_assert_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (cs_network_set_input_shape (net, "x", 3, ok, &error));
  g_assert_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_SHAPE);
  g_clear_error (&error);
  g_assert_true (cs_network_set_input_shape (net, "x", 4, ok, &error));
  g_assert_true (cs_network_prepare (net, CS_PRECISION_FP32, &error));
  g_assert_false (cs_network_set_input (net, "x", small, G_N_ELEMENTS (small), &error));
  g_assert_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_SHAPE);
  g_clear_error (&error);

  /* Unsupported operators are named at load time. */
  {
    g_autoptr(CsOnnxWriter) w2 = cs_onnx_writer_new ("lstm", 13);
    g_autoptr(GBytes) b2 = NULL;
    g_autoptr(CsNetwork) n2 = NULL;
    cs_onnx_writer_add_input (w2, "x", "1,3,8,8");
    cs_onnx_writer_add_output (w2, "y", NULL);
    cs_onnx_writer_add_node (w2, "LSTM", "rnn", in, out);
    b2 = cs_onnx_writer_serialize (w2);
    n2 = cs_network_new_from_bytes (device, b2, NULL, &error);
    g_assert_null (n2);
    g_assert_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_UNSUPPORTED);
    g_assert_nonnull (strstr (error->message, "LSTM"));
  }
}

static void
test_devices (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = cs_device_list (&error);
  g_autoptr(CsDevice) by_name = NULL;
  g_autoptr(CsDevice) none = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (list->len, >, 0);
  by_name = cs_device_new (((CsDeviceInfo *) list->pdata[0])->name, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cs_device_get_name (by_name), ==, ((CsDeviceInfo *) list->pdata[0])->name);
  none = cs_device_new ("no such device", &error);
  g_assert_null (none);
  g_assert_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_NO_DEVICE);
  g_assert_nonnull (strstr (error->message, "no such device"));
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);
  device = cs_device_new (NULL, &error);
  if (device == NULL)
    {
      g_printerr ("No Vulkan device: %s\n", error->message);
      return 1;
    }
  g_test_add_func ("/engine/kernels/conv-fp32", test_conv_fp32);
  g_test_add_func ("/engine/kernels/conv-fp16", test_conv_fp16);
  g_test_add_func ("/engine/fusion/residual-block", test_residual_block);
  g_test_add_func ("/engine/fusion/conv-batch-norm", test_conv_batch_norm);
  g_test_add_func ("/engine/fusion/conv-bias-add", test_conv_bias_add);
  g_test_add_func ("/engine/folding", test_folding);
  g_test_add_func ("/engine/folding/rebind-fp32", test_rebind_fp32);
  g_test_add_func ("/engine/folding/rebind-fp16", test_rebind_fp16);
  g_test_add_func ("/engine/folding/rebind-replan", test_rebind_replan);
  g_test_add_func ("/engine/folding/rebind-adain", test_rebind_adain);
  g_test_add_func ("/engine/bad-input", test_bad_input);
  g_test_add_func ("/engine/devices", test_devices);
  ret = g_test_run ();
  g_clear_object (&device);
  return ret;
}
