/* test-vtoonify.c: VToonify-D exported from random-weight checkpoints and
 * run by the engine, against PyTorch's float32 outputs of the same
 * checkpoints (tests/vtoonify/make_reference.py, run into the build folder
 * on first use): the parser, the encoder and the generator alone, and the
 * whole per-frame pipeline, at two frame sizes (one not square) and degrees
 * 0, 0.5 and 1, in fp32 (1e-3 relative) and fp16 (1e-2 relative).
 */
#include "cs-config.h"

#include <math.h>
#include <string.h>

#include "cs-engine.h"

#define TOL_FP32 1e-3
#define TOL_FP16 1e-2

static CsDevice *device;
static char *material;      /* folder of the reference material */
static char *skip_reason;   /* why the suite cannot run, or NULL */

static const int sizes[][2] = { { 32, 32 }, { 32, 48 } };
static const float degrees[] = { 0.0f, 0.5f, 1.0f };
#define FACE 64
#define N_LATENT 18
#define STYLE_DIM 128

static float *
read_f32 (const char *name, gsize expect)
{
  g_autofree char *path = g_build_filename (material, name, NULL);
  g_autoptr(GError) error = NULL;
  char *data = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &data, &len, &error))
    g_error ("%s", error->message);
  g_assert_cmpuint (len, ==, expect * sizeof (float));
  return (float *) data;
}

static double
rel_error (const float *a, const float *ref, gsize n)
{
  double num = 0, den = 0;
  for (gsize i = 0; i < n; i++)
    {
      double d = (double) a[i] - ref[i];
      num += d * d;
      den += (double) ref[i] * ref[i];
    }
  return sqrt (num / MAX (den, 1e-30));
}

static CsNetwork *
load (const char *model)
{
  g_autofree char *path = g_build_filename (material, "style", model, NULL);
  g_autoptr(GError) error = NULL;
  CsNetwork *net = cs_network_new_from_file (device, path, &error);
  g_assert_no_error (error);
  return net;
}

static void
set_shape (CsNetwork *net, const char *name, int64_t c, int64_t h, int64_t w)
{
  g_autoptr(GError) error = NULL;
  int64_t dims[4] = { 1, c, h, w };
  cs_network_set_input_shape (net, name, 4, dims, &error);
  g_assert_no_error (error);
}

static void
bind_style (CsNetwork *net, const float *style, float degree)
{
  g_autoptr(GError) error = NULL;
  int64_t sd[3] = { 1, N_LATENT, STYLE_DIM }, dd[1] = { 1 };
  cs_network_bind_constant (net, "style", CS_DTYPE_FLOAT, 3, sd, style, &error);
  g_assert_no_error (error);
  cs_network_bind_constant (net, "d_s", CS_DTYPE_FLOAT, 1, dd, &degree, &error);
  g_assert_no_error (error);
}

static float *
run_out (CsNetwork *net, gsize n)
{
  g_autoptr(GError) error = NULL;
  float *out = g_new (float, n);
  cs_network_run (net, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cs_network_get_output_numel (net, 0), ==, n);
  cs_network_get_output (net, 0, out, n, &error);
  g_assert_no_error (error);
  return out;
}

static void
set_in (CsNetwork *net, const char *name, const float *data, gsize n)
{
  g_autoptr(GError) error = NULL;
  cs_network_set_input (net, name, data, n, &error);
  g_assert_no_error (error);
}

static void
prepare (CsNetwork *net, CsPrecision p)
{
  g_autoptr(GError) error = NULL;
  cs_network_prepare (net, p, &error);
  g_assert_no_error (error);
}

static gboolean
want (CsPrecision p)
{
  if (skip_reason != NULL)
    {
      g_test_skip (skip_reason);
      return FALSE;
    }
  if (p == CS_PRECISION_FP16 && !cs_device_supports_fp16 (device))
    {
      g_test_skip ("the device has no fp16");
      return FALSE;
    }
  return TRUE;
}

static double
tolerance (CsPrecision p)
{
  return p == CS_PRECISION_FP16 ? TOL_FP16 : TOL_FP32;
}

/* Engine parser on the reference frame. */
static float *
engine_parse (CsPrecision p, int h, int w, const float *frame)
{
  g_autoptr(CsNetwork) net = load ("parser.onnx");
  set_shape (net, "frame", 3, h, w);
  prepare (net, p);
  set_in (net, "frame", frame, 3 * h * w);
  return run_out (net, 19 * h * w);
}

static void
test_parser (gconstpointer data)
{
  CsPrecision p = GPOINTER_TO_INT (data);

  if (!want (p))
    return;
  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      int h = sizes[s][0], w = sizes[s][1];
      g_autofree char *fn = g_strdup_printf ("frame_%dx%d.f32", h, w);
      g_autofree char *pn = g_strdup_printf ("parsing_%dx%d.f32", h, w);
      g_autofree float *frame = read_f32 (fn, 3 * h * w);
      g_autofree float *ref = read_f32 (pn, 19 * h * w);
      g_autofree float *out = engine_parse (p, h, w, frame);
      double e = rel_error (out, ref, 19 * h * w);
      g_test_message ("parser %dx%d: relative error %.3g", h, w, e);
      g_assert_cmpfloat (e, <, tolerance (p));
    }
  g_assert_cmpuint (cs_device_get_validation_errors (device), ==, 0);
}

static float *
engine_encode (CsPrecision p, const float *face)
{
  g_autoptr(CsNetwork) net = load ("encoder.onnx");
  set_shape (net, "face", 3, FACE, FACE);
  prepare (net, p);
  set_in (net, "face", face, 3 * FACE * FACE);
  return run_out (net, N_LATENT * STYLE_DIM);
}

static void
test_encoder (gconstpointer data)
{
  CsPrecision p = GPOINTER_TO_INT (data);

  if (!want (p))
    return;
  g_autofree float *face = read_f32 ("face.f32", 3 * FACE * FACE);
  g_autofree float *ref = read_f32 ("wplus.f32", N_LATENT * STYLE_DIM);
  g_autofree float *out = engine_encode (p, face);
  double e = rel_error (out, ref, N_LATENT * STYLE_DIM);
  g_test_message ("encoder: relative error %.3g", e);
  g_assert_cmpfloat (e, <, tolerance (p));
}

static float *
engine_generate (CsPrecision p, int h, int w, const float *frame, const float *parsing,
                 const float *style, float degree)
{
  g_autoptr(CsNetwork) net = load ("generator.onnx");
  set_shape (net, "frame", 3, h, w);
  set_shape (net, "parsing", 19, h, w);
  bind_style (net, style, degree);
  prepare (net, p);
  set_in (net, "frame", frame, 3 * h * w);
  set_in (net, "parsing", parsing, 19 * h * w);
  return run_out (net, 3 * 16 * h * w);
}

static void
test_generator (gconstpointer data)
{
  CsPrecision p = GPOINTER_TO_INT (data);

  if (!want (p))
    return;
  g_autofree float *style = read_f32 ("style.f32", N_LATENT * STYLE_DIM);
  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      int h = sizes[s][0], w = sizes[s][1];
      g_autofree char *fn = g_strdup_printf ("frame_%dx%d.f32", h, w);
      g_autofree char *pn = g_strdup_printf ("parsing_%dx%d.f32", h, w);
      g_autofree float *frame = read_f32 (fn, 3 * h * w);
      g_autofree float *parsing = read_f32 (pn, 19 * h * w);
      for (guint d = 0; d < G_N_ELEMENTS (degrees); d++)
        {
          g_autofree char *in = g_strdup_printf ("image_%dx%d_d%g.f32", h, w, degrees[d]);
          g_autofree float *ref = read_f32 (in, 3 * 16 * h * w);
          g_autofree float *out = engine_generate (p, h, w, frame, parsing, style, degrees[d]);
          double e = rel_error (out, ref, 3 * 16 * h * w);
          g_test_message ("generator %dx%d degree %g: relative error %.3g", h, w, degrees[d], e);
          g_assert_cmpfloat (e, <, tolerance (p));
        }
    }
  g_assert_cmpuint (cs_device_get_validation_errors (device), ==, 0);
}

/* The whole chain on the engine alone: encoder on the face, the reference's
 * rows mixed in, parser on the frame, generator on both. */
static void
test_pipeline (gconstpointer data)
{
  CsPrecision p = GPOINTER_TO_INT (data);

  if (!want (p))
    return;
  g_autofree float *face = read_f32 ("face.f32", 3 * FACE * FACE);
  g_autofree float *refs = NULL;
  g_autofree char *rpath = g_build_filename (material, "style", "references.bin", NULL);
  gsize len = 0;
  g_autofree float *wplus = engine_encode (p, face);
  g_assert_true (g_file_get_contents (rpath, (char **) &refs, &len, NULL));
  g_assert_cmpuint (len % (N_LATENT * STYLE_DIM * sizeof (float)), ==, 0);
  memcpy (wplus, refs, 7 * STYLE_DIM * sizeof (float));

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      int h = sizes[s][0], w = sizes[s][1];
      g_autofree char *fn = g_strdup_printf ("frame_%dx%d.f32", h, w);
      g_autofree float *frame = read_f32 (fn, 3 * h * w);
      g_autofree float *parsing = engine_parse (p, h, w, frame);
      g_autofree float *first = NULL;
      for (guint d = 0; d < G_N_ELEMENTS (degrees); d++)
        {
          g_autofree char *in = g_strdup_printf ("image_%dx%d_d%g.f32", h, w, degrees[d]);
          g_autofree float *ref = read_f32 (in, 3 * 16 * h * w);
          float *out = engine_generate (p, h, w, frame, parsing, wplus, degrees[d]);
          double e = rel_error (out, ref, 3 * 16 * h * w);
          g_test_message ("pipeline %dx%d degree %g: relative error %.3g", h, w, degrees[d], e);
          g_assert_cmpfloat (e, <, tolerance (p));
          /* The degree must matter: each one moves the output well past
           * the comparison's tolerance. */
          if (first == NULL)
            first = out;
          else
            {
              double moved = rel_error (out, first, 3 * 16 * h * w);
              g_test_message ("  moved %.3g from degree %g", moved, degrees[0]);
              g_assert_cmpfloat (moved, >, 10 * tolerance (p));
              g_free (out);
            }
        }
    }
  g_assert_cmpuint (cs_device_get_validation_errors (device), ==, 0);
}

static void
make_material (void)
{
  const char *builddir = g_getenv ("G_TEST_BUILDDIR");
  const char *srcdir = g_getenv ("G_TEST_SRCDIR");
  g_autofree char *manifest = NULL;
  g_autofree char *script = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL;
  int status = 0;

  material = g_build_filename (builddir ? builddir : ".", "vtoonify-material", NULL);
  manifest = g_build_filename (material, "manifest.json", NULL);
  if (g_file_test (manifest, G_FILE_TEST_EXISTS))
    return;
  if (!g_file_test ("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE))
    {
      skip_reason = g_strdup ("/usr/bin/python3 is missing: cannot compute the PyTorch reference");
      return;
    }
  script = g_build_filename (srcdir ? srcdir : ".", "vtoonify", "make_reference.py", NULL);
  {
    const char *argv[] = { "/usr/bin/python3", script, material, NULL };
    if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error))
      g_error ("%s", error->message);
  }
  if (WIFEXITED (status) && WEXITSTATUS (status) == 77)
    skip_reason = g_strdup_printf ("PyTorch is not installed (python3-torch): %s", err);
  else if (!g_spawn_check_wait_status (status, &error))
    g_error ("make_reference.py failed: %s\n%s%s", error->message, out, err);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;

  g_test_init (&argc, &argv, NULL);
  make_material ();
  device = cs_device_new (NULL, &error);
  g_assert_no_error (error);

  g_test_add_data_func ("/vtoonify/parser/fp32", GINT_TO_POINTER (CS_PRECISION_FP32), test_parser);
  g_test_add_data_func ("/vtoonify/parser/fp16", GINT_TO_POINTER (CS_PRECISION_FP16), test_parser);
  g_test_add_data_func ("/vtoonify/encoder/fp32", GINT_TO_POINTER (CS_PRECISION_FP32), test_encoder);
  g_test_add_data_func ("/vtoonify/encoder/fp16", GINT_TO_POINTER (CS_PRECISION_FP16), test_encoder);
  g_test_add_data_func ("/vtoonify/generator/fp32", GINT_TO_POINTER (CS_PRECISION_FP32), test_generator);
  g_test_add_data_func ("/vtoonify/generator/fp16", GINT_TO_POINTER (CS_PRECISION_FP16), test_generator);
  g_test_add_data_func ("/vtoonify/pipeline/fp32", GINT_TO_POINTER (CS_PRECISION_FP32), test_pipeline);
  g_test_add_data_func ("/vtoonify/pipeline/fp16", GINT_TO_POINTER (CS_PRECISION_FP16), test_pipeline);

  {
    int r = g_test_run ();
    g_clear_object (&device);
    g_free (material);
    g_free (skip_reason);
    return r;
  }
}
