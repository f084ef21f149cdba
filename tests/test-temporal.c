/* test-temporal.c: the temporal pass after the network
 *
 * Stability 0 must give the output of a styler without the pass bit for bit;
 * on a still picture with a little noise the stabilized output must change
 * less from frame to frame than the plain one; the frame after a cut between
 * two unrelated pictures must be the plain frame (no ghost of the first
 * picture); and the flow shaders must recover a known sub-pixel translation
 * of an analytic pattern, computed here in float64. The style is udnie,
 * imported from the shared fast-style-transfer checkpoints.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "cs-render.h"
#include "cs-styles.h"
#include "cs-test.h"

static void
frame_free (AVFrame *frame)
{
  av_frame_free (&frame);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AVFrame, frame_free)

#define W 128
#define H 96

static CsDevice *device;
static char *data_dir;
static char *tmp_dir;
static CsStyle *udnie;
static gboolean udnie_tried;

static CsStyle *
get_udnie (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *checkpoint = NULL;
  g_autofree char *folder = NULL;
  CsFstImportOptions options = { 0 };

  if (udnie_tried)
    {
      if (udnie == NULL)
        g_test_skip ("the udnie checkpoint is not in the shared test data");
      return udnie;
    }
  udnie_tried = TRUE;
  if (data_dir == NULL)
    {
      g_test_skip ("shared test data not found; set CELSHADE_TEST_DATA to the folder holding styles/ml5/udnie");
      return NULL;
    }
  checkpoint = g_build_filename (data_dir, "styles", "ml5", "udnie", NULL);
  if (!g_file_test (checkpoint, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("the udnie checkpoint is not in the shared test data");
      return NULL;
    }
  folder = g_build_filename (tmp_dir, "udnie-style", NULL);
  options.device = device;
  g_assert_true (cs_fst_import_with_options (checkpoint, folder, &options, NULL, &error));
  g_assert_no_error (error);
  udnie = cs_style_new_from_folder (folder, &error);
  g_assert_no_error (error);
  return udnie;
}

/* Analytic pictures ------------------------------------------------------------------- */

/* A smooth, textured picture with features at several scales, 0..255; seed
 * picks an unrelated one. Sampled at any real position, so a translation is
 * exact. */
static double
pattern (int    seed,
         double x,
         double y)
{
  double v = 128.0;

  if (seed == 0)
    {
      v += 40.0 * sin (0.21 * x + 0.5) * cos (0.17 * y);
      v += 25.0 * sin (0.053 * x - 0.071 * y + 1.0);
      v += 20.0 * cos (0.41 * x + 0.29 * y);
      v += 10.0 * sin (0.7 * y - 0.13 * x);
    }
  else
    {
      v = 70.0 + 35.0 * cos (0.09 * x * (1.0 + 0.002 * y)) + 30.0 * sin (0.33 * y + 0.8 * sin (0.05 * x));
      v += 15.0 * ((((int) floor (x / 9.0)) + ((int) floor (y / 7.0))) & 1);
    }
  return CLAMP (v, 0.0, 255.0);
}

/* A 4:2:0 frame of the pattern shifted by (dx, dy), with uniform noise of
 * ±noise codes from rand (NULL: none). Chroma is a fixed tint of the pattern. */
static AVFrame *
make_frame (enum AVPixelFormat format,
            int                seed,
            double             dx,
            double             dy,
            double             noise,
            GRand             *rand)
{
  AVFrame *frame = av_frame_alloc ();
  int cw = format == AV_PIX_FMT_YUV444P ? W : W / 2;
  int ch = format == AV_PIX_FMT_YUV444P ? H : H / 2;
  int sx = W / cw, sy = H / ch;

  frame->width = W;
  frame->height = H;
  frame->format = format;
  frame->color_range = AVCOL_RANGE_JPEG;
  frame->colorspace = AVCOL_SPC_BT709;
  g_assert_cmpint (av_frame_get_buffer (frame, 0), >=, 0);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        double v = pattern (seed, x - dx, y - dy);

        if (rand != NULL)
          v += g_rand_double_range (rand, -noise, noise);
        frame->data[0][y * frame->linesize[0] + x] = (guint8) CLAMP (floor (v + 0.5), 0, 255);
      }
  for (int y = 0; y < ch; y++)
    for (int x = 0; x < cw; x++)
      {
        double v = pattern (seed, x * sx - dx, y * sy - dy);

        frame->data[1][y * frame->linesize[1] + x] =
          format == AV_PIX_FMT_YUV444P ? 128 : (guint8) CLAMP (128.0 + 0.2 * (v - 128.0), 0, 255);
        frame->data[2][y * frame->linesize[2] + x] =
          format == AV_PIX_FMT_YUV444P ? 128 : (guint8) CLAMP (128.0 - 0.15 * (v - 128.0), 0, 255);
      }
  return frame;
}

static CsVideoStyler *
make_styler (CsStyle            *style,
             gboolean            temporal,
             enum AVPixelFormat  format)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsVideoStyler) styler = cs_video_styler_new (device, style, CS_PRECISION_AUTO, &error);
  CsYuvFormat fmt;

  g_assert_no_error (error);
  cs_video_styler_set_temporal (styler, temporal);
  g_assert_true (cs_yuv_format_init (&fmt, W, H, format, AVCOL_SPC_BT709, AVCOL_RANGE_JPEG,
                                     AVCHROMA_LOC_CENTER, &error));
  g_assert_true (cs_video_styler_configure (styler, &fmt, &fmt, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&styler);
}

static AVFrame *
style_frame (CsVideoStyler *styler,
             const AVFrame *frame)
{
  g_autoptr(GError) error = NULL;
  AVFrame *out = cs_video_styler_process (styler, frame, 1.0, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (out);
  return out;
}

static gboolean
frames_equal (const AVFrame *a,
              const AVFrame *b)
{
  for (int p = 0; p < 3; p++)
    {
      int w = p == 0 ? a->width : AV_CEIL_RSHIFT (a->width, 1);
      int h = p == 0 ? a->height : AV_CEIL_RSHIFT (a->height, 1);

      if (a->format == AV_PIX_FMT_YUV444P)
        w = a->width, h = a->height;
      for (int y = 0; y < h; y++)
        if (memcmp (a->data[p] + y * a->linesize[p], b->data[p] + y * b->linesize[p], w) != 0)
          return FALSE;
    }
  return TRUE;
}

/* Mean squared difference of the luma planes. */
static double
luma_msd (const AVFrame *a,
          const AVFrame *b)
{
  double sum = 0.0;

  for (int y = 0; y < a->height; y++)
    for (int x = 0; x < a->width; x++)
      {
        double d = (double) a->data[0][y * a->linesize[0] + x] - b->data[0][y * b->linesize[0] + x];
        sum += d * d;
      }
  return sum / ((double) a->width * a->height);
}

/* Tests -------------------------------------------------------------------------------- */

/* Stability 0 over a moving clip: the same bytes as a styler without the pass. */
static void
test_stability_zero (void)
{
  CsStyle *style = get_udnie ();
  g_autoptr(CsVideoStyler) plain = NULL;
  g_autoptr(CsVideoStyler) zero = NULL;

  if (style == NULL)
    return;
  plain = make_styler (style, FALSE, AV_PIX_FMT_YUV420P);
  zero = make_styler (style, TRUE, AV_PIX_FMT_YUV420P);
  g_assert_null (cs_video_styler_get_temporal_pass (plain));
  g_assert_nonnull (cs_video_styler_get_temporal_pass (zero));
  cs_video_styler_set_stability (zero, 0.0);

  for (int i = 0; i < 4; i++)
    {
      g_autoptr(AVFrame) in = make_frame (AV_PIX_FMT_YUV420P, 0, 1.5 * i, -0.5 * i, 0, NULL);
      g_autoptr(AVFrame) a = style_frame (plain, in);
      g_autoptr(AVFrame) b = style_frame (zero, in);

      g_assert_true (frames_equal (a, b));
    }
  g_assert_cmpuint (cs_device_get_validation_errors (device), ==, 0);
}

/* A still picture with fresh noise in every frame: the styled frames crawl;
 * stabilized, they must crawl much less, without drifting from the plain ones. */
static void
test_static_noise (void)
{
  CsStyle *style = get_udnie ();
  g_autoptr(CsVideoStyler) plain = NULL;
  g_autoptr(CsVideoStyler) steady = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autoptr(AVFrame) last_plain = NULL;
  g_autoptr(AVFrame) last_steady = NULL;
  double plain_change = 0.0, steady_change = 0.0, drift = 0.0;
  const int n = 6;

  if (style == NULL)
    return;
  plain = make_styler (style, FALSE, AV_PIX_FMT_YUV420P);
  steady = make_styler (style, TRUE, AV_PIX_FMT_YUV420P);
  cs_video_styler_set_stability (steady, CS_DEFAULT_STABILITY);

  for (int i = 0; i < n; i++)
    {
      g_autoptr(AVFrame) in = make_frame (AV_PIX_FMT_YUV420P, 0, 0, 0, 4.0, rand);
      AVFrame *a = style_frame (plain, in);
      AVFrame *b = style_frame (steady, in);

      if (i == 0)
        g_assert_true (frames_equal (a, b)); /* no previous frame yet */
      else
        {
          plain_change += luma_msd (a, last_plain);
          steady_change += luma_msd (b, last_steady);
          drift += luma_msd (a, b);
          g_assert_false (cs_temporal_pass_get_last_cut (cs_video_styler_get_temporal_pass (steady), NULL, NULL));
        }
      av_frame_free (&last_plain);
      av_frame_free (&last_steady);
      last_plain = a;
      last_steady = b;
    }
  g_test_message ("frame-to-frame luma MSD: plain %.2f, stabilized %.2f; plain to stabilized %.2f",
                  plain_change / (n - 1), steady_change / (n - 1), drift / (n - 1));
  g_assert_cmpfloat (plain_change, >, 0.0);
  g_assert_cmpfloat (steady_change, <, 0.5 * plain_change);
  /* Steadiness must not be bought by drifting from what the network paints:
   * 0.11 of the plain change here; a recursive blend weighted near 1 with
   * its pull capped (this pass before) drifted 0.22. */
  g_assert_cmpfloat (drift, <, 0.15 * plain_change);
  g_assert_cmpuint (cs_device_get_validation_errors (device), ==, 0);
}

/* Two unrelated pictures, each moving, cut from one to the other: the frame
 * after the cut is the plain frame, byte for byte, and the one after that is
 * stabilized again. */
static void
test_cut (void)
{
  CsStyle *style = get_udnie ();
  g_autoptr(CsVideoStyler) plain = NULL;
  g_autoptr(CsVideoStyler) steady = NULL;
  CsTemporalPass *pass;

  if (style == NULL)
    return;
  plain = make_styler (style, FALSE, AV_PIX_FMT_YUV420P);
  steady = make_styler (style, TRUE, AV_PIX_FMT_YUV420P);
  cs_video_styler_set_stability (steady, CS_DEFAULT_STABILITY);
  pass = cs_video_styler_get_temporal_pass (steady);

  for (int i = 0; i < 6; i++)
    {
      int seed = i < 3 ? 0 : 1;
      g_autoptr(AVFrame) in = make_frame (AV_PIX_FMT_YUV420P, seed, 0.7 * i, 0.3 * i, 0, NULL);
      g_autoptr(AVFrame) a = style_frame (plain, in);
      g_autoptr(AVFrame) b = style_frame (steady, in);
      double change = 0, unsure = 0;
      gboolean cut = cs_temporal_pass_get_last_cut (pass, &change, &unsure);

      if (i > 0)
        g_test_message ("frame %d: %s, mean luma change %.1f, unsure %.0f %%",
                        i, cut ? "cut" : "same shot", change, 100 * unsure);
      if (i == 0 || i == 3)
        g_assert_true (frames_equal (a, b));
      if (i == 3)
        g_assert_true (cut);
      else if (i > 0)
        {
          g_assert_false (cut);
          g_assert_false (frames_equal (a, b));
        }
    }

  /* A reset, as after a seek, gives the plain frame as well. */
  {
    g_autoptr(AVFrame) in = make_frame (AV_PIX_FMT_YUV420P, 1, 5.0, 2.0, 0, NULL);
    g_autoptr(AVFrame) a = style_frame (plain, in);
    g_autoptr(AVFrame) b = NULL;

    cs_video_styler_reset_history (steady);
    g_assert_false (cs_video_styler_has_history (steady));
    b = style_frame (steady, in);
    g_assert_true (frames_equal (a, b));
    g_assert_true (cs_video_styler_has_history (steady));
  }
  g_assert_cmpuint (cs_device_get_validation_errors (device), ==, 0);
}

/* An identity network (y = relu (x), the input being 0..255), so that the
 * pass sees exactly the converted frames. */
static CsVideoStyler *
identity_styler (void)
{
  g_autoptr(CsOnnxWriter) w = cs_onnx_writer_new ("identity", 13);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CsNetwork) network = NULL;
  g_autoptr(CsVideoStyler) styler = NULL;
  CsYuvFormat fmt;

  cs_onnx_writer_add_input (w, "image", "1,3,height,width");
  cs_onnx_writer_add_node (w, "Relu", "identity", CS_ONNX_NAMES ("image"), CS_ONNX_NAMES ("styled"));
  cs_onnx_writer_add_output (w, "styled", "1,3,height,width");
  bytes = cs_onnx_writer_serialize (w);
  network = cs_network_new_from_bytes (device, bytes, NULL, &error);
  g_assert_no_error (error);
  styler = cs_video_styler_new_for_network (network, "image", "styled", 1, CS_PRECISION_FP32, &error);
  g_assert_no_error (error);
  g_assert_true (cs_yuv_format_init (&fmt, W, H, AV_PIX_FMT_YUV444P, AVCOL_SPC_BT709, AVCOL_RANGE_JPEG,
                                     AVCHROMA_LOC_CENTER, &error));
  g_assert_true (cs_video_styler_configure (styler, &fmt, &fmt, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&styler);
}

static int
compare_floats (gconstpointer a,
                gconstpointer b)
{
  float x = *(const float *) a, y = *(const float *) b;
  return x < y ? -1 : x > y;
}

/* The pattern moved by a known sub-pixel step: the backward flow must be
 * minus that step wherever the pixel's window stays inside both frames. */
static void
test_flow_translation (gconstpointer data)
{
  const double *step = data;
  g_autoptr(CsVideoStyler) styler = identity_styler ();
  g_autoptr(GError) error = NULL;
  g_autofree float *flow = NULL;
  g_autoptr(GArray) errors = g_array_new (FALSE, FALSE, sizeof (float));
  CsTemporalPass *pass = cs_video_styler_get_temporal_pass (styler);
  int factor, fw, fh, margin;
  float median, p95;

  cs_video_styler_set_stability (styler, 1.0);
  for (int i = 0; i < 2; i++)
    {
      g_autoptr(AVFrame) in = make_frame (AV_PIX_FMT_YUV444P, 0, i * step[0], i * step[1], 0, NULL);
      g_autoptr(AVFrame) out = style_frame (styler, in);
    }

  factor = cs_temporal_pass_get_factor (pass, &fw, &fh);
  flow = g_new (float, 2 * fw * fh);
  g_assert_true (cs_temporal_pass_read_flow (pass, flow, 2 * fw * fh, &error));
  g_assert_no_error (error);

  margin = (int) ceil ((fabs (step[0]) + fabs (step[1]) + 6) / factor);
  for (int y = margin; y < fh - margin; y++)
    for (int x = margin; x < fw - margin; x++)
      {
        /* Frame 1 at x is the pattern at x - step, frame 0 there: flow -step. */
        double ex = flow[2 * (y * fw + x)] + step[0];
        double ey = flow[2 * (y * fw + x) + 1] + step[1];
        float e = (float) sqrt (ex * ex + ey * ey);

        g_array_append_val (errors, e);
      }
  g_array_sort (errors, compare_floats);
  median = g_array_index (errors, float, errors->len / 2);
  p95 = g_array_index (errors, float, errors->len * 95 / 100);
  g_test_message ("step (%.2f, %.2f): flow error median %.3f px, 95th percentile %.3f px over %u pixels",
                  step[0], step[1], median, p95, errors->len);
  g_assert_cmpfloat (median, <, 0.15);
  g_assert_cmpfloat (p95, <, 0.5);
  g_assert_cmpuint (cs_device_get_validation_errors (device), ==, 0);
}

/* The pattern turned by `angle` radians and scaled by `scale` about the
 * picture's centre, full-range 4:4:4 with neutral chroma: a motion that
 * differs at every pixel, as a turning head or a zoom gives. */
static AVFrame *
make_turned_frame (double angle,
                   double scale)
{
  AVFrame *frame = av_frame_alloc ();
  double cx = 0.5 * (W - 1), cy = 0.5 * (H - 1), c = cos (angle), s = sin (angle);

  frame->width = W;
  frame->height = H;
  frame->format = AV_PIX_FMT_YUV444P;
  frame->color_range = AVCOL_RANGE_JPEG;
  frame->colorspace = AVCOL_SPC_BT709;
  g_assert_cmpint (av_frame_get_buffer (frame, 0), >=, 0);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        /* Where this pixel was before the turn: the inverse transform. */
        double u = (c * (x - cx) + s * (y - cy)) / scale + cx;
        double v = (-s * (x - cx) + c * (y - cy)) / scale + cy;

        frame->data[0][y * frame->linesize[0] + x] = (guint8) CLAMP (floor (pattern (0, u, v) + 0.5), 0, 255);
        frame->data[1][y * frame->linesize[1] + x] = 128;
        frame->data[2][y * frame->linesize[2] + x] = 128;
      }
  return frame;
}

/* A turn with a zoom: the backward flow must follow the motion, which
 * changes from pixel to pixel, to a fraction of a pixel, against the
 * transform evaluated in float64. */
static void
test_flow_turn (void)
{
  const double angle = 0.04, scale = 1.03;
  g_autoptr(CsVideoStyler) styler = identity_styler ();
  g_autoptr(GError) error = NULL;
  g_autofree float *flow = NULL;
  g_autoptr(GArray) errors = g_array_new (FALSE, FALSE, sizeof (float));
  CsTemporalPass *pass = cs_video_styler_get_temporal_pass (styler);
  double cx = 0.5 * (W - 1), cy = 0.5 * (H - 1), c = cos (angle), s = sin (angle);
  int factor, fw, fh, margin = 8;
  float median, p95;

  cs_video_styler_set_stability (styler, 1.0);
  for (int i = 0; i < 2; i++)
    {
      g_autoptr(AVFrame) in = i == 0 ? make_turned_frame (0.0, 1.0) : make_turned_frame (angle, scale);
      g_autoptr(AVFrame) out = style_frame (styler, in);
    }

  factor = cs_temporal_pass_get_factor (pass, &fw, &fh);
  flow = g_new (float, 2 * fw * fh);
  g_assert_true (cs_temporal_pass_read_flow (pass, flow, 2 * fw * fh, &error));
  g_assert_no_error (error);

  for (int y = margin; y < fh - margin; y++)
    for (int x = margin; x < fw - margin; x++)
      {
        double px = x * factor, py = y * factor;
        double u = (c * (px - cx) + s * (py - cy)) / scale + cx;
        double v = (-s * (px - cx) + c * (py - cy)) / scale + cy;
        double ex = flow[2 * (y * fw + x)] - (u - px);
        double ey = flow[2 * (y * fw + x) + 1] - (v - py);
        float e = (float) sqrt (ex * ex + ey * ey);

        g_array_append_val (errors, e);
      }
  g_array_sort (errors, compare_floats);
  median = g_array_index (errors, float, errors->len / 2);
  p95 = g_array_index (errors, float, errors->len * 95 / 100);
  g_test_message ("turn %.3f rad, scale %.2f: flow error median %.3f px, 95th percentile %.3f px over %u pixels",
                  angle, scale, median, p95, errors->len);
  g_assert_cmpfloat (median, <, 0.15);
  g_assert_cmpfloat (p95, <, 0.3);
  g_assert_cmpuint (cs_device_get_validation_errors (device), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  static const double steps[][2] = { { 0.0, 0.0 }, { 1.3, -0.6 }, { -3.4, 2.25 }, { 7.5, 4.0 } };
  g_autoptr(GError) error = NULL;
  const char *env = g_getenv ("CELSHADE_TEST_DATA");
  int status;

  g_test_init (&argc, &argv, NULL);

  data_dir = g_strdup (env != NULL ? env : CS_SOURCE_DIR "/../shared/data");
  if (!g_file_test (data_dir, G_FILE_TEST_IS_DIR))
    g_clear_pointer (&data_dir, g_free);
  tmp_dir = g_dir_make_tmp ("celshade-temporal-XXXXXX", &error);
  g_assert_no_error (error);
  device = cs_device_new (NULL, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_autofree char *path = g_strdup_printf ("/temporal/flow/translation/%g,%g", steps[i][0], steps[i][1]);
      g_test_add_data_func (path, steps[i], test_flow_translation);
    }
  g_test_add_func ("/temporal/flow/turn", test_flow_turn);
  g_test_add_func ("/temporal/stability-zero", test_stability_zero);
  g_test_add_func ("/temporal/static-noise", test_static_noise);
  g_test_add_func ("/temporal/cut", test_cut);

  status = g_test_run ();

  g_clear_object (&udnie);
  g_clear_object (&device);
  cs_test_remove_tree (tmp_dir);
  g_free (tmp_dir);
  g_free (data_dir);
  return status;
}
