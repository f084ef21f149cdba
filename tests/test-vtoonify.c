/* test-vtoonify.c: VToonify-D exported from random-weight checkpoints and
 * run by the engine, against PyTorch's float32 outputs of the same
 * checkpoints (tests/vtoonify/make_reference.py, run into the build folder
 * on first use): the parser, the encoder and the generator alone, and the
 * whole per-frame pipeline, at two frame sizes (one not square) and degrees
 * 0, 0.5 and 1, in fp32 (1e-3 relative) and fp16 (1e-2 relative). Then
 * video: a clip and a two-segment project rendered through CsClipRenderer,
 * the editor's preview and celshade-render, each frame against
 * cs_vtoonify_run() on the same decoded source frame.
 */
#include "cs-config.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "cs-engine.h"
#include "cs-media.h"
#include "cs-preview.h"
#include "cs-project-renderer.h"
#include "cs-render-error.h"
#include "cs-style.h"
#include "cs-test.h"
#include "cs-vtoonify.h"

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

static char *
style_dir (void)
{
  return g_build_filename (material, "style", NULL);
}

static void
test_style_load (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStyle) style = NULL;

  if (!want (CS_PRECISION_FP32))
    return;
  dir = style_dir ();
  style = cs_style_new_from_folder (dir, &error);
  g_assert_no_error (error);
  g_assert_true (cs_style_is_vtoonify (style));
  g_assert_cmpstr (cs_style_get_kind (style), ==, CS_STYLE_KIND_VTOONIFY_D);
  g_assert_cmpstr (cs_style_get_degree_kind (style), ==, CS_STYLE_DEGREE_INPUT);
  g_assert_cmpint (cs_style_get_n_latent (style), ==, N_LATENT);
  g_assert_cmpint (cs_style_get_style_dim (style), ==, STYLE_DIM);
  g_assert_cmpint (cs_style_get_face_size (style), ==, FACE);
  g_assert_cmpint (cs_style_get_output_scale (style), ==, 4);
  g_assert_cmpint (cs_style_get_size_multiple (style), ==, 8);
  g_assert_cmpint (cs_style_get_reference_rows (style), ==, 7);
  g_assert_cmpuint (cs_style_get_n_references (style), ==, 3);
  g_assert_cmpstr (cs_style_get_reference_name (style, 2), ==, "test-002.png");
  g_assert_null (cs_style_get_reference_name (style, 3));
  g_assert_cmpstr (cs_style_get_network_tensor (style, CS_STYLE_NETWORK_GENERATOR, "degree"), ==, "d_s");
  g_assert_cmpstr (cs_style_get_network_tensor (style, CS_STYLE_NETWORK_ENCODER, "face"), ==, "face");
  g_assert_null (cs_style_get_network_tensor (style, CS_STYLE_NETWORK_PARSER, "style"));
  {
    g_autofree float *code = cs_style_load_reference (style, 1, &error);
    g_autofree float *none = NULL;
    g_autofree char *rpath = g_build_filename (dir, "references.bin", NULL);
    g_autofree char *all = NULL;
    gsize len;
    g_assert_no_error (error);
    g_assert_true (g_file_get_contents (rpath, &all, &len, NULL));
    g_assert_cmpmem (code, N_LATENT * STYLE_DIM * sizeof (float),
                     all + N_LATENT * STYLE_DIM * sizeof (float), N_LATENT * STYLE_DIM * sizeof (float));
    none = cs_style_load_reference (style, 3, &error);
    g_assert_null (none);
    g_assert_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_INVALID_ARGUMENT);
  }
}

/* A copy of the test style (models hard-linked) whose style.json has
 * `from` replaced by `to`; loading must fail naming `expect`. */
static void
assert_style_refused (const char *from, const char *to, const char *expect)
{
  g_autofree char *src = style_dir ();
  g_autofree char *dir = g_build_filename (material, "broken-style", NULL);
  g_autofree char *json = NULL;
  g_autofree char *json_path = g_build_filename (src, "style.json", NULL);
  g_autofree char *out_path = g_build_filename (dir, "style.json", NULL);
  const char *files[] = { "parser.onnx", "encoder.onnx", "generator.onnx", "references.bin" };
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStyle) style = NULL;
  g_auto(GStrv) parts = NULL;
  g_autofree char *edited = NULL;

  g_mkdir_with_parents (dir, 0755);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *a = g_build_filename (src, files[i], NULL);
      g_autofree char *b = g_build_filename (dir, files[i], NULL);
      if (!g_file_test (b, G_FILE_TEST_EXISTS))
        g_assert_cmpint (link (a, b), ==, 0);
    }
  g_assert_true (g_file_get_contents (json_path, &json, NULL, NULL));
  g_assert_nonnull (strstr (json, from));
  parts = g_strsplit (json, from, 2);
  edited = g_strjoin (to, parts[0], parts[1], NULL);
  g_assert_true (g_file_set_contents (out_path, edited, -1, NULL));
  style = cs_style_new_from_folder (dir, &error);
  g_assert_null (style);
  g_assert_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_INVALID);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, expect));
}

static void
test_style_refused (void)
{
  if (!want (CS_PRECISION_FP32))
    return;
  /* A declared input the model does not have. */
  assert_style_refused ("\"style\": \"style\"", "\"style\": \"code\"", "“code”");
  /* A model input the style does not declare. */
  assert_style_refused ("\"parsing\": \"parsing\",", "\"parsing\": \"parsing\", \"extra\": \"x\",", "“x”");
  /* A role the generator needs, left out. */
  assert_style_refused ("\"parsing\": \"parsing\",", "", "generator.inputs.parsing");
  /* The degree names another tensor than the generator's degree input. */
  assert_style_refused ("\"input\": \"d_s\"", "\"input\": \"degree\"", "degree.input");
  /* The references file does not hold the named codes. */
  assert_style_refused ("\"test-002.png\"", "\"test-002.png\", \"extra\"", "bytes");
}

static CsImage *
frame_image (int h, int w)
{
  g_autofree char *fn = g_strdup_printf ("frame_%dx%d.f32", h, w);
  g_autofree float *f = read_f32 (fn, 3 * h * w);
  CsImage *img = cs_image_new (w, h, NULL);
  for (int i = 0; i < 3 * h * w; i++)
    img->data[i] = (f[i] + 1.0f) * 127.5f;
  return img;
}

/* CsVToonify on a frame, at four times its size (no resampling), with the
 * default face, reference 0, degree 0.5, against the same in PyTorch. */
static void
test_vtoonify_api (gconstpointer data)
{
  CsPrecision p = GPOINTER_TO_INT (data);
  const int h = 32, w = 48;
  g_autofree char *dir = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStyle) style = NULL;
  g_autoptr(CsVToonify) vt = NULL;
  g_autoptr(CsImage) frame = NULL;
  g_autoptr(CsImage) out = NULL;
  g_autoptr(CsImage) out1 = NULL;
  g_autoptr(CsImage) again = NULL;
  g_autofree float *ref = NULL;
  double e, pm, gm, em;

  if (!want (p))
    return;
  dir = style_dir ();
  style = cs_style_new_from_folder (dir, &error);
  g_assert_no_error (error);
  vt = cs_vtoonify_new (style, device, p, &error);
  g_assert_no_error (error);
  frame = frame_image (h, w);
  g_assert_true (cs_vtoonify_set_degree (vt, 0.5, &error));
  out = cs_vtoonify_run (vt, frame, 4 * w, 4 * h, &error);
  g_assert_no_error (error);
  g_assert_cmpint (out->width, ==, 4 * w);
  g_assert_cmpint (out->height, ==, 4 * h);
  ref = read_f32 ("pipeline_32x48.f32", 3 * 16 * h * w);
  e = rel_error (out->data, ref, 3 * 16 * h * w);
  cs_vtoonify_get_timings (vt, &pm, &gm, &em);
  g_test_message ("CsVToonify %dx%d: relative error %.3g (parser %.1f ms, generator %.1f ms, encoder %.1f ms)",
                  h, w, e, pm, gm, em);
  g_assert_cmpfloat (e, <, tolerance (p));
  g_assert_cmpfloat (em, >, 0);

  /* The face code is kept: a second frame does not run the encoder. */
  again = cs_vtoonify_run (vt, frame, 4 * w, 4 * h, &error);
  g_assert_no_error (error);
  cs_vtoonify_get_timings (vt, NULL, NULL, &em);
  g_assert_cmpfloat (em, ==, 0);
  g_assert_cmpfloat (rel_error (again->data, out->data, 3 * 16 * h * w), <, 1e-6);

  /* The degree changes the output. */
  g_assert_true (cs_vtoonify_set_degree (vt, 1.0, &error));
  out1 = cs_vtoonify_run (vt, frame, 4 * w, 4 * h, &error);
  g_assert_no_error (error);
  g_test_message ("degree 1 against 0.5: %.3g", rel_error (out1->data, out->data, 3 * 16 * h * w));
  g_assert_cmpfloat (rel_error (out1->data, out->data, 3 * 16 * h * w), >, 0.05);
  g_assert_false (cs_vtoonify_set_degree (vt, 1.5, &error));
  g_assert_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* Another reference changes it too; one that does not exist is refused. */
  {
    g_autoptr(CsImage) out2 = NULL;
    g_assert_true (cs_vtoonify_set_reference (vt, 2, &error));
    out2 = cs_vtoonify_run (vt, frame, 4 * w, 4 * h, &error);
    g_assert_no_error (error);
    g_assert_cmpfloat (rel_error (out2->data, out1->data, 3 * 16 * h * w), >, 0.05);
    g_assert_false (cs_vtoonify_set_reference (vt, 3, &error));
    g_assert_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }

  /* An output size that is no multiple of 4 x 8: padded, then cropped. */
  {
    g_autoptr(CsImage) odd = cs_vtoonify_run (vt, frame, 70, 45, &error);
    int cw, ch, pw, ph;
    g_assert_no_error (error);
    g_assert_cmpint (odd->width, ==, 70);
    g_assert_cmpint (odd->height, ==, 45);
    cs_vtoonify_input_size (vt, 70, 45, &cw, &ch, &pw, &ph);
    g_assert_cmpint (cw, ==, 18);
    g_assert_cmpint (ch, ==, 12);
    g_assert_cmpint (pw, ==, 24);
    g_assert_cmpint (ph, ==, 16);
  }
  g_assert_cmpuint (cs_device_get_validation_errors (device), ==, 0);
}

static void
test_face_rect (void)
{
  g_autoptr(GError) error = NULL;
  CsFaceRect r, in;

  g_assert_true (cs_vtoonify_clamp_face (NULL, 48, 32, &r, &error));
  g_assert_cmpint (r.x, ==, 8);
  g_assert_cmpint (r.y, ==, 0);
  g_assert_cmpint (r.width, ==, 32);
  g_assert_cmpint (r.height, ==, 32);

  in = (CsFaceRect) { -10, 20, 30, 100 };
  g_assert_true (cs_vtoonify_clamp_face (&in, 48, 32, &r, &error));
  g_assert_cmpint (r.x, ==, 0);
  g_assert_cmpint (r.y, ==, 20);
  g_assert_cmpint (r.width, ==, 20);
  g_assert_cmpint (r.height, ==, 12);

  in = (CsFaceRect) { 48, 0, 10, 10 };
  g_assert_false (cs_vtoonify_clamp_face (&in, 48, 32, &r, &error));
  g_assert_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "outside"));
  g_clear_error (&error);

  in = (CsFaceRect) { G_MAXINT - 5, G_MAXINT - 5, G_MAXINT, G_MAXINT };
  g_assert_false (cs_vtoonify_clamp_face (&in, 48, 32, &r, &error));
  g_clear_error (&error);

  in = (CsFaceRect) { 0, 0, 0, 5 };
  g_assert_false (cs_vtoonify_clamp_face (&in, 48, 32, &r, &error));
  g_assert_nonnull (strstr (error->message, "empty"));
}

static int
run_render (const char *const *args, char **err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_ptr_array_add (argv, (char *) CS_RENDER_EXE);
  for (int i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, err,
                     &status, &error))
    g_error ("%s", error->message);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

/* celshade-render on a still: --reference and --face reach the pipeline,
 * and a rectangle outside the frame is refused before anything is written. */
static void
test_cli (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *in = NULL, *out = NULL, *out_bad = NULL;
  g_autoptr(CsImage) frame = NULL;
  g_autoptr(CsImage) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;

  if (!want (CS_PRECISION_FP32))
    return;
  dir = style_dir ();
  in = g_build_filename (material, "cli-in.png", NULL);
  out = g_build_filename (material, "cli-out.png", NULL);
  out_bad = g_build_filename (material, "cli-bad.png", NULL);
  frame = frame_image (32, 48);
  g_assert_true (cs_image_save (frame, in, &error));
  g_unlink (out);
  {
    const char *args[] = { "-q", "-s", dir, "--reference", "1", "--face", "4,0,40,32", "--degree", "0.3",
                           "-o", out, in, NULL };
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (run_render (args, &err), ==, 0);
  }
  result = cs_image_load (out, &error);
  g_assert_no_error (error);
  g_assert_cmpint (result->width, ==, 48);
  g_assert_cmpint (result->height, ==, 32);
  {
    const char *args[] = { "-s", dir, "--face", "60,0,10,10", "-o", out_bad, in, NULL };
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (run_render (args, &err), ==, 1);
    g_assert_nonnull (strstr (err, "outside"));
    g_assert_false (g_file_test (out_bad, G_FILE_TEST_EXISTS));
  }
  {
    const char *args[] = { "-s", dir, "--reference", "3", "-o", out_bad, in, NULL };
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (run_render (args, &err), ==, 1);
    g_assert_nonnull (strstr (err, "--reference"));
    g_assert_false (g_file_test (out_bad, G_FILE_TEST_EXISTS));
  }
}

/* ---- video ---------------------------------------------------------------- */

#define CLIP_W 96
#define CLIP_H 88
#define CLIP_FRAMES 4

static char *video_dir;     /* scratch folder of the video tests */
static char *clip_path;     /* CLIP_FRAMES frames at 10 fps with AAC audio, or NULL */
static char *clip_skip;     /* why there is no clip */

static const char *
data_dir (void)
{
  const char *env = g_getenv ("CELSHADE_TEST_DATA");
  static char *fallback;

  if (env != NULL)
    return env;
  if (fallback == NULL)
    fallback = g_build_filename (CS_SOURCE_DIR, "..", "shared", "data", NULL);
  return fallback;
}

/* A few frames of a real portrait clip, small, with a sine as audio (the
 * portrait clips have none), made once. */
static gboolean
want_clip (void)
{
  g_autofree char *source = NULL;
  g_autofree char *path = NULL;
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  if (!want (CS_PRECISION_FP32))
    return FALSE;
  if (clip_path != NULL || clip_skip != NULL)
    goto done;

  source = g_build_filename (data_dir (), "media", "529.mp4", NULL);
  if (!g_file_test (source, G_FILE_TEST_EXISTS))
    {
      clip_skip = g_strdup_printf ("%s is missing: set CELSHADE_TEST_DATA to the shared data folder", source);
      goto done;
    }
  video_dir = g_dir_make_tmp ("test-vtoonify-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (video_dir, "portrait.mp4", NULL);
  {
    g_autofree char *frames = g_strdup_printf ("%d", CLIP_FRAMES);
    g_autofree char *scale = g_strdup_printf ("scale=%d:%d", CLIP_W, CLIP_H);
    const char *argv[] = { "ffmpeg", "-v", "error", "-y", "-i", source,
                           "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=2",
                           "-map", "0:v", "-map", "1:a", "-vf", scale, "-r", "10", "-frames:v", frames,
                           "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-t", "0.4",
                           path, NULL };

    if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                       NULL, &out, &status, &error))
      g_error ("%s", error->message);
    if (!g_spawn_check_wait_status (status, NULL))
      g_error ("ffmpeg could not make the test clip: %s", out);
  }
  clip_path = g_steal_pointer (&path);

done:
  if (clip_path == NULL)
    g_test_skip (clip_skip);
  return clip_path != NULL;
}

/* "key=value" lines of ffprobe on path's streams. */
static char *
ffprobe_streams (const char *path)
{
  const char *argv[] = { "ffprobe", "-v", "error", "-count_frames", "-show_entries",
                         "stream=codec_type,codec_name,width,height,nb_read_frames", "-of", "default=nw=1",
                         path, NULL };
  g_autoptr(GError) error = NULL;
  char *out = NULL;
  int status = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                               NULL, NULL, &out, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return out;
}

/* PSNR over every sample of two 8-bit planar frames of one format. */
static double
frames_psnr (const AVFrame *a, const AVFrame *b)
{
  const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get (a->format);
  double se = 0;
  gsize n = 0;

  g_assert_cmpint (a->format, ==, b->format);
  g_assert_cmpint (a->width, ==, b->width);
  g_assert_cmpint (a->height, ==, b->height);
  g_assert_cmpint (desc->comp[0].depth, ==, 8);
  for (int p = 0; p < 3; p++)
    {
      int w = p ? AV_CEIL_RSHIFT (a->width, desc->log2_chroma_w) : a->width;
      int h = p ? AV_CEIL_RSHIFT (a->height, desc->log2_chroma_h) : a->height;

      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
          {
            double d = (double) a->data[p][(gsize) y * a->linesize[p] + x] -
                       b->data[p][(gsize) y * b->linesize[p] + x];
            se += d * d;
            n++;
          }
    }
  return se == 0 ? INFINITY : 10.0 * log10 (255.0 * 255.0 * n / se);
}

/* Every frame of path, decoded. */
static GPtrArray *
decode_all (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsDecoder) decoder = cs_decoder_new (path, NULL, &error);
  GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_frame_unref);
  CsFrame *frame;

  g_assert_no_error (error);
  while ((frame = cs_decoder_next_frame (decoder, NULL, &error)) != NULL)
    g_ptr_array_add (frames, frame);
  g_assert_no_error (error);
  return frames;
}

/* What a VToonify-D stretch should give for source frame index: vt (set up
 * as the stretch) on the decoded frame, converted to the output's format. */
static AVFrame *
expected_frame (CsVToonify *vt, GPtrArray *source, guint index, const AVFrame *like)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsImage) image = NULL;
  g_autoptr(CsImage) styled = NULL;
  const AVFrame *src = cs_frame_get_av_frame (g_ptr_array_index (source, index));
  CsYuvFormat in, out;
  AVFrame *frame;

  g_assert_true (cs_yuv_format_init_from_frame (&in, src, &error));
  g_assert_true (cs_yuv_format_init_from_frame (&out, like, &error));
  g_assert_no_error (error);
  image = cs_vtoonify_frame_to_image (vt, src, &in, &error);
  g_assert_no_error (error);
  styled = cs_vtoonify_run (vt, image, in.width, in.height, &error);
  g_assert_no_error (error);
  frame = cs_vtoonify_image_to_frame (vt, styled, &out, &error);
  g_assert_no_error (error);
  return frame;
}

/* A fresh CsVToonify (fp32) with these settings and no code yet. */
static CsVToonify *
new_vtoonify (CsStyle *style, guint reference, double degree, const CsFaceRect *face)
{
  g_autoptr(GError) error = NULL;
  CsVToonify *vt = cs_vtoonify_new (style, device, CS_PRECISION_FP32, &error);

  g_assert_no_error (error);
  g_assert_true (cs_vtoonify_set_reference (vt, reference, &error));
  g_assert_true (cs_vtoonify_set_degree (vt, degree, &error));
  cs_vtoonify_set_face (vt, face);
  return vt;
}

/* A stretch as a fresh CsVToonify: its code from source frame code_frame. */
static CsVToonify *
stretch (CsStyle *style, GPtrArray *source, guint code_frame, guint reference, double degree,
         const CsFaceRect *face)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsImage) image = NULL;
  CsVToonify *vt = new_vtoonify (style, reference, degree, face);
  const AVFrame *src = cs_frame_get_av_frame (g_ptr_array_index (source, code_frame));
  CsYuvFormat in;

  g_assert_true (cs_yuv_format_init_from_frame (&in, src, &error));
  image = cs_vtoonify_frame_to_image (vt, src, &in, &error);
  g_assert_no_error (error);
  g_assert_true (cs_vtoonify_compute_face_code (vt, image, &error));
  g_assert_no_error (error);
  return vt;
}

static CsStyle *
load_style (void)
{
  g_autofree char *dir = style_dir ();
  g_autoptr(GError) error = NULL;
  CsStyle *style = cs_style_new_from_folder (dir, &error);

  g_assert_no_error (error);
  return style;
}

/* A clip with one VToonify-D style, reference, face and degree: every frame
 * is cs_vtoonify_run() on the decoded frame (FFV1: exactly), the size, the
 * frame count and the audio are kept. */
static void
test_video_clip (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStyle) style = NULL;
  g_autoptr(CsClipRenderer) renderer = NULL;
  g_autoptr(CsVToonify) vt = NULL;
  g_autoptr(GPtrArray) source = NULL;
  g_autoptr(GPtrArray) output = NULL;
  g_autofree char *out_path = NULL;
  g_autofree char *streams = NULL;
  const CsFaceRect face = { 20, 10, 60, 70 };
  const CsRenderStats *stats;

  if (!want_clip ())
    return;
  style = load_style ();
  out_path = g_build_filename (video_dir, "clip.mkv", NULL);
  renderer = cs_clip_renderer_new (clip_path, out_path);
  cs_clip_renderer_set_device (renderer, device);
  cs_clip_renderer_set_precision (renderer, CS_PRECISION_FP32);
  cs_clip_renderer_set_style (renderer, style);
  cs_clip_renderer_set_degree (renderer, 0.7);
  cs_clip_renderer_set_reference (renderer, 1);
  cs_clip_renderer_set_face (renderer, &face);
  cs_clip_renderer_set_video_codec (renderer, CS_VIDEO_CODEC_FFV1);
  /* Stability must change nothing: VToonify-D output is not stabilized. */
  cs_clip_renderer_set_stability (renderer, 1.0);
  g_assert_true (cs_clip_renderer_run (renderer, NULL, &error));
  g_assert_no_error (error);
  stats = cs_clip_renderer_get_stats (renderer);
  g_test_message ("VToonify-D clip %dx%d, %" G_GINT64_FORMAT " frames: %.2f s a frame after setup "
                  "(setup %.2f s)", CLIP_W, CLIP_H, stats->frames,
                  (stats->wall - stats->setup) / MAX (stats->frames, 1), stats->setup);

  streams = ffprobe_streams (out_path);
  g_test_message ("%s", streams);
  g_assert_nonnull (strstr (streams, "codec_name=ffv1"));
  g_assert_nonnull (strstr (streams, "width=96\nheight=88"));
  g_assert_nonnull (strstr (streams, "nb_read_frames=4"));
  g_assert_nonnull (strstr (streams, "codec_type=audio"));

  source = decode_all (clip_path);
  output = decode_all (out_path);
  g_assert_cmpuint (source->len, ==, CLIP_FRAMES);
  g_assert_cmpuint (output->len, ==, CLIP_FRAMES);
  vt = stretch (style, source, 0, 1, 0.7, &face);
  for (guint i = 0; i < output->len; i++)
    {
      const AVFrame *got = cs_frame_get_av_frame (g_ptr_array_index (output, i));
      AVFrame *want = expected_frame (vt, source, i, got);
      double psnr = frames_psnr (want, got);

      g_test_message ("frame %u: PSNR %.1f dB against cs_vtoonify_run()", i, psnr);
      g_assert_cmpfloat (psnr, >, 50.0);
      av_frame_free (&want);
    }
  g_assert_cmpuint (cs_device_get_validation_errors (device), ==, 0);
}

static CsProject *
two_segment_project (CsStyle *style, const CsFaceRect *face)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = cs_project_hash_file (clip_path, NULL, &error);
  g_autoptr(CsSourceClip) clip = NULL;
  g_autoptr(CsStyleRef) ref = NULL;
  CsProject *project;

  g_assert_no_error (error);
  clip = cs_source_clip_new (clip_path, CLIP_FRAMES, 10, 1, CLIP_W, CLIP_H, hash, &error);
  g_assert_no_error (error);
  ref = cs_style_ref_new (cs_style_get_id (style), cs_style_get_name (style), cs_style_get_folder (style));
  project = cs_project_new (clip);
  g_assert_true (cs_project_split (project, 2, &error));
  g_assert_true (cs_project_set_style (project, 0, ref, &error));
  g_assert_true (cs_project_set_style (project, 1, ref, &error));
  g_assert_true (cs_project_set_reference (project, 1, 2, &error));
  g_assert_true (cs_project_set_face (project, 1, face, &error));
  g_assert_true (cs_project_move_keyframe (project, 0, 0, 0.3, &error));
  g_assert_true (cs_project_move_keyframe (project, 2, 2, 0.9, &error));
  g_assert_true (cs_project_set_stability (project, 1, 0.8, &error));
  g_assert_no_error (error);
  return project;
}

/* Two VToonify-D segments of one style with their own references, faces
 * and degrees: each frame is cs_vtoonify_run() with its segment's settings
 * and the code of its segment's first frame, even when the render starts
 * inside the first segment. */
static void
test_video_project (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStyle) style = NULL;
  g_autoptr(CsProject) project = NULL;
  g_autoptr(CsClipRenderer) renderer = NULL;
  g_autoptr(CsVToonify) first = NULL;
  g_autoptr(CsVToonify) second = NULL;
  g_autoptr(GPtrArray) source = NULL;
  g_autoptr(GPtrArray) output = NULL;
  g_autofree char *out_path = NULL;
  const CsFaceRect face = { -10, 30, 70, 70 };

  if (!want_clip ())
    return;
  style = load_style ();
  project = two_segment_project (style, &face);
  out_path = g_build_filename (video_dir, "project.mkv", NULL);
  renderer = cs_project_renderer_new (project, out_path, &error);
  g_assert_no_error (error);
  cs_clip_renderer_set_device (renderer, device);
  cs_clip_renderer_set_precision (renderer, CS_PRECISION_FP32);
  cs_clip_renderer_set_video_codec (renderer, CS_VIDEO_CODEC_FFV1);
  /* Frames 1 to 3: the first segment's code still comes from frame 0. */
  cs_clip_renderer_set_range (renderer, G_USEC_PER_SEC / 10, -1);
  g_assert_true (cs_clip_renderer_run (renderer, NULL, &error));
  g_assert_no_error (error);

  source = decode_all (clip_path);
  output = decode_all (out_path);
  g_assert_cmpuint (output->len, ==, CLIP_FRAMES - 1);
  first = stretch (style, source, 0, 0, 0.3, NULL);
  second = stretch (style, source, 2, 2, 0.9, &face);
  for (guint i = 0; i < output->len; i++)
    {
      guint index = i + 1;
      const AVFrame *got = cs_frame_get_av_frame (g_ptr_array_index (output, i));
      AVFrame *want = expected_frame (index < 2 ? first : second, source, index, got);
      AVFrame *other = expected_frame (index < 2 ? second : first, source, index, got);
      double psnr = frames_psnr (want, got), other_psnr = frames_psnr (other, got);

      g_test_message ("frame %u: PSNR %.1f dB against its segment's settings, %.1f dB against the other's",
                      index, psnr, other_psnr);
      g_assert_cmpfloat (psnr, >, 50.0);
      g_assert_cmpfloat (other_psnr, <, 30.0);
      av_frame_free (&want);
      av_frame_free (&other);
    }

  /* A cross-fade between the two segments mixes their outputs by weight;
   * the second segment's code still comes from its own first frame, which
   * comes after the fade's first. */
  {
    g_autoptr(CsClipRenderer) faded = NULL;
    g_autoptr(GPtrArray) fade_output = NULL;
    g_autofree char *fade_path = g_build_filename (video_dir, "fade.mkv", NULL);
    guint mixed = 0;

    g_assert_true (cs_project_set_crossfade (project, 1, 2, &error));
    g_assert_no_error (error);
    faded = cs_project_renderer_new (project, fade_path, &error);
    g_assert_no_error (error);
    cs_clip_renderer_set_device (faded, device);
    cs_clip_renderer_set_precision (faded, CS_PRECISION_FP32);
    cs_clip_renderer_set_video_codec (faded, CS_VIDEO_CODEC_FFV1);
    g_assert_true (cs_clip_renderer_run (faded, NULL, &error));
    g_assert_no_error (error);
    fade_output = decode_all (fade_path);
    g_assert_cmpuint (fade_output->len, ==, CLIP_FRAMES);
    for (guint i = 0; i < fade_output->len; i++)
      {
        const AVFrame *got = cs_frame_get_av_frame (g_ptr_array_index (fade_output, i));
        const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get (got->format);
        CsFrameStyles styles;
        AVFrame *parts[2] = { NULL, NULL };
        AVFrame *want;
        double psnr;

        g_assert_true (cs_project_query_frame (project, i, &styles));
        for (guint k = 0; k < styles.n_styles; k++)
          parts[k] = expected_frame (styles.styles[k].segment_index == 0 ? first : second, source, i, got);
        want = parts[0];
        if (styles.n_styles == 2)
          {
            double w = styles.styles[0].weight / (styles.styles[0].weight + styles.styles[1].weight);

            mixed++;
            g_assert_cmpint (av_frame_make_writable (want), >=, 0);
            for (int p = 0; p < 3; p++)
              {
                int pw = p ? AV_CEIL_RSHIFT (want->width, desc->log2_chroma_w) : want->width;
                int ph = p ? AV_CEIL_RSHIFT (want->height, desc->log2_chroma_h) : want->height;

                for (int y = 0; y < ph; y++)
                  for (int x = 0; x < pw; x++)
                    {
                      guint8 *a = &want->data[p][(gsize) y * want->linesize[p] + x];
                      guint8 b = parts[1]->data[p][(gsize) y * parts[1]->linesize[p] + x];

                      *a = (guint8) (w * *a + (1.0 - w) * b + 0.5);
                    }
              }
          }
        psnr = frames_psnr (want, got);
        g_test_message ("cross-faded frame %u (%u styles): PSNR %.1f dB against the mix of cs_vtoonify_run()",
                        i, styles.n_styles, psnr);
        g_assert_cmpfloat (psnr, >, 50.0);
        av_frame_free (&parts[0]);
        av_frame_free (&parts[1]);
      }
    g_assert_cmpuint (mixed, >, 0);
  }

  /* A reference the style does not have is refused before anything runs,
   * naming the segment. */
  {
    g_autoptr(CsClipRenderer) bad = NULL;
    g_autofree char *bad_path = g_build_filename (video_dir, "bad.mkv", NULL);

    g_assert_true (cs_project_set_reference (project, 1, 7, &error));
    bad = cs_project_renderer_new (project, bad_path, &error);
    g_assert_null (bad);
    g_assert_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "Segment 2"));
    g_assert_nonnull (strstr (error->message, "reference 7"));
    g_assert_false (g_file_test (bad_path, G_FILE_TEST_EXISTS));
  }
  g_assert_cmpuint (cs_device_get_validation_errors (device), ==, 0);
}

static void
on_preview_frame (CsPreview *preview, CsPreviewFrame *frame, gpointer user_data)
{
  CsPreviewFrame **out = user_data;

  if (cs_preview_frame_get_index (frame) == 3 && !cs_preview_frame_is_proxy (frame))
    {
      g_clear_pointer (out, cs_preview_frame_unref);
      *out = cs_preview_frame_ref (frame);
    }
}

static void
on_preview_error (CsPreview *preview, GError *error, gpointer user_data)
{
  g_error ("preview: %s", error->message);
}

typedef struct {
  gint64          index;
  CsPreviewFrame *got;
} PreviewWait;

static void
on_preview_frame_at (CsPreview *preview, CsPreviewFrame *frame, gpointer user_data)
{
  PreviewWait *wait = user_data;

  if (cs_preview_frame_get_index (frame) == wait->index && !cs_preview_frame_is_proxy (frame) &&
      wait->got == NULL)
    wait->got = cs_preview_frame_ref (frame);
}

/* The preview's full frame at index, as the editor would get it. */
static CsPreviewFrame *
preview_frame_at (CsPreview *preview, gint64 index)
{
  PreviewWait wait = { index, NULL };
  gulong handler = g_signal_connect (preview, "frame-ready", G_CALLBACK (on_preview_frame_at), &wait);
  gint64 deadline = g_get_monotonic_time () + 300 * G_USEC_PER_SEC;

  cs_preview_request (preview, index, FALSE);
  while (wait.got == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (preview, handler);
  g_assert_nonnull (wait.got);
  return wait.got;
}

/* RGBA as the preview shows frames (its own conversion for the screen). */
static guint8 *
to_rgba (const AVFrame *frame)
{
  guint8 *pixels = g_malloc ((gsize) frame->width * 4 * frame->height + 256);
  uint8_t *dst[4] = { pixels };
  int dst_stride[4] = { frame->width * 4 };
  const int *coefs = sws_getCoefficients (SWS_CS_ITU601);
  struct SwsContext *sws = sws_getContext (frame->width, frame->height, frame->format, frame->width,
                                           frame->height, AV_PIX_FMT_RGBA,
                                           SWS_BILINEAR | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, NULL, NULL, NULL);

  sws_setColorspaceDetails (sws, coefs, frame->color_range == AVCOL_RANGE_JPEG, coefs, 1, 0, 1 << 16, 1 << 16);
  sws_scale (sws, (const uint8_t * const *) frame->data, frame->linesize, 0, frame->height, dst, dst_stride);
  sws_freeContext (sws);
  return pixels;
}

/* The editor's preview of a VToonify-D segment's frame is
 * cs_vtoonify_run() with the segment's settings and its first frame's
 * code. */
static void
test_video_preview (void)
{
  g_autoptr(CsStyle) style = NULL;
  g_autoptr(CsProject) project = NULL;
  g_autoptr(CsPreview) preview = NULL;
  g_autoptr(CsVToonify) second = NULL;
  g_autoptr(GPtrArray) source = NULL;
  g_autofree guint8 *want_rgba = NULL;
  CsPreviewFrame *got = NULL;
  const CsFaceRect face = { 10, 0, 50, 60 };
  const AVFrame *src;
  AVFrame *want;
  const guint8 *got_rgba;
  gsize n;
  double se = 0, psnr;
  gint64 deadline;

  if (!want_clip ())
    return;
  style = load_style ();
  project = two_segment_project (style, &face);
  preview = cs_preview_new (NULL, CS_PRECISION_FP32);
  cs_preview_set_proxy_height (preview, 0);
  g_signal_connect (preview, "frame-ready", G_CALLBACK (on_preview_frame), &got);
  g_signal_connect (preview, "error", G_CALLBACK (on_preview_error), NULL);
  cs_preview_set_project (preview, project);
  cs_preview_request (preview, 3, FALSE);
  deadline = g_get_monotonic_time () + 300 * G_USEC_PER_SEC;
  while (got == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (got);

  source = decode_all (clip_path);
  second = stretch (style, source, 2, 2, 0.9, &face);
  src = cs_frame_get_av_frame (g_ptr_array_index (source, 3));
  want = expected_frame (second, source, 3, src);
  want_rgba = to_rgba (want);
  av_frame_free (&want);
  g_assert_cmpint (cs_preview_frame_get_width (got), ==, CLIP_W);
  g_assert_cmpint (cs_preview_frame_get_height (got), ==, CLIP_H);
  got_rgba = g_bytes_get_data (cs_preview_frame_get_styled (got), &n);
  g_assert_cmpuint (n, ==, (gsize) CLIP_W * CLIP_H * 4);
  for (gsize i = 0; i < n; i++)
    se += ((double) got_rgba[i] - want_rgba[i]) * ((double) got_rgba[i] - want_rgba[i]);
  psnr = se == 0 ? INFINITY : 10.0 * log10 (255.0 * 255.0 * n / se);
  g_test_message ("preview frame 3: PSNR %.1f dB against cs_vtoonify_run()", psnr);
  g_assert_cmpfloat (psnr, >, 45.0);

  /* Another reference is another frame, not the cached one. */
  {
    g_autoptr(GError) error = NULL;
    CsPreviewFrame *before = got;
    gsize m;
    const guint8 *again;
    gsize differ = 0;

    got = NULL;
    g_assert_true (cs_project_set_reference (project, 1, 1, &error));
    g_assert_no_error (error);
    cs_preview_request (preview, 3, FALSE);
    deadline = g_get_monotonic_time () + 300 * G_USEC_PER_SEC;
    while (got == NULL && g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, TRUE);
    g_assert_nonnull (got);
    g_assert_true (got != before);
    again = g_bytes_get_data (cs_preview_frame_get_styled (got), &m);
    g_assert_cmpuint (m, ==, n);
    for (gsize i = 0; i < n; i++)
      differ += again[i] != got_rgba[i];
    g_assert_cmpuint (differ, >, n / 4);
    cs_preview_frame_unref (before);
  }
  cs_preview_frame_unref (got);
  /* A new reference reuses the segment's face code. */
  g_assert_cmpuint (cs_preview_get_n_face_codes (preview), ==, 1);

  /* A cross-fade between the two segments of one style mixes their outputs
   * by weight, each with its own segment's code; the codes are computed
   * once each, not again on every frame as the fade alternates them. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(CsVToonify) first = stretch (style, source, 0, 0, 0.3, NULL);
    g_autoptr(CsVToonify) second_now = stretch (style, source, 2, 1, 0.9, &face);
    guint mixed = 0;

    g_assert_true (cs_project_set_crossfade (project, 1, 2, &error));
    g_assert_no_error (error);
    for (guint pass = 0; pass < 2; pass++)
      for (gint64 i = 0; i < CLIP_FRAMES; i++)
        {
          CsFrameStyles styles;
          g_autofree guint8 *parts[2] = { NULL, NULL };
          CsPreviewFrame *frame;
          const guint8 *rgba;
          double w = 1.0;

          g_assert_true (cs_project_query_frame (project, i, &styles));
          if (styles.n_styles < 2)
            continue;
          /* The second pass asks again with the cache emptied. */
          if (pass == 1)
            cs_preview_clear_cache (preview);
          frame = preview_frame_at (preview, i);
          src = cs_frame_get_av_frame (g_ptr_array_index (source, i));
          for (guint k = 0; k < 2; k++)
            {
              AVFrame *part = expected_frame (styles.styles[k].segment_index == 0 ? first : second_now,
                                              source, i, src);

              parts[k] = to_rgba (part);
              av_frame_free (&part);
            }
          w = styles.styles[0].weight / (styles.styles[0].weight + styles.styles[1].weight);
          rgba = g_bytes_get_data (cs_preview_frame_get_styled (frame), &n);
          se = 0;
          for (gsize j = 0; j < n; j++)
            {
              double want_v = (j % 4 == 3) ? rgba[j] : w * parts[0][j] + (1.0 - w) * parts[1][j];

              se += (rgba[j] - want_v) * (rgba[j] - want_v);
            }
          psnr = se == 0 ? INFINITY : 10.0 * log10 (255.0 * 255.0 * n / se);
          g_test_message ("preview, cross-faded frame %" G_GINT64_FORMAT " (weight %.2f): PSNR %.1f dB "
                          "against the mix of cs_vtoonify_run()", i, w, psnr);
          g_assert_cmpfloat (psnr, >, 40.0);
          mixed++;
          cs_preview_frame_unref (frame);
        }
    g_assert_cmpuint (mixed, >=, 2);
    g_test_message ("face codes computed by the preview: %u", cs_preview_get_n_face_codes (preview));
    g_assert_cmpuint (cs_preview_get_n_face_codes (preview), ==, 2);
  }
}

/* A face code kept from one CsVToonify and given to another styles a frame
 * exactly as computing it there would; a code of the wrong size is refused. */
static void
test_face_code_reuse (void)
{
  g_autoptr(CsStyle) style = NULL;
  g_autoptr(GPtrArray) source = NULL;
  g_autoptr(CsVToonify) computed = NULL;
  g_autoptr(CsVToonify) given = NULL;
  g_autoptr(GError) error = NULL;
  const CsFaceRect face = { 10, 0, 50, 60 };
  const AVFrame *src;
  const float *code;
  AVFrame *want, *got;
  gsize n = 0, m = 7;

  if (!want_clip ())
    return;
  style = load_style ();
  source = decode_all (clip_path);
  computed = stretch (style, source, 2, 1, 0.6, &face);
  code = cs_vtoonify_get_face_code (computed, &n);
  g_assert_nonnull (code);
  g_assert_cmpuint (n, ==, (gsize) cs_style_get_n_latent (style) * cs_style_get_style_dim (style));

  given = new_vtoonify (style, 1, 0.6, &face);
  g_assert_null (cs_vtoonify_get_face_code (given, &m));
  g_assert_cmpuint (m, ==, 0);
  g_assert_false (cs_vtoonify_set_face_code (given, code, n - 1, &error));
  g_assert_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (cs_vtoonify_has_face_code (given));
  g_assert_true (cs_vtoonify_set_face_code (given, code, n, &error));
  g_assert_no_error (error);
  g_assert_true (cs_vtoonify_has_face_code (given));

  src = cs_frame_get_av_frame (g_ptr_array_index (source, 3));
  want = expected_frame (computed, source, 3, src);
  got = expected_frame (given, source, 3, src);
  g_assert_cmpfloat (frames_psnr (want, got), ==, INFINITY);
  av_frame_free (&want);
  av_frame_free (&got);
}

/* celshade-render on a clip: a VToonify-D style runs; a reference the style
 * lacks or a face outside the frame fails with the reason, writing
 * nothing. */
static void
test_video_cli (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *out = NULL, *out_bad = NULL;
  g_autofree char *err = NULL;
  g_autofree char *streams = NULL;

  if (!want_clip ())
    return;
  dir = style_dir ();
  out = g_build_filename (video_dir, "cli.mp4", NULL);
  out_bad = g_build_filename (video_dir, "cli-bad.mp4", NULL);
  {
    const char *args[] = { "-q", "-s", dir, "--reference", "2", "--face", "0,0,40,40", "--degree", "0.4",
                           "--to", "0.2", "-o", out, clip_path, NULL };
    g_assert_cmpint (run_render (args, &err), ==, 0);
  }
  streams = ffprobe_streams (out);
  g_assert_nonnull (strstr (streams, "width=96\nheight=88"));
  g_assert_nonnull (strstr (streams, "nb_read_frames=2"));
  g_assert_nonnull (strstr (streams, "codec_type=audio"));
  {
    const char *args[] = { "-s", dir, "--reference", "3", "-o", out_bad, clip_path, NULL };
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (run_render (args, &err), ==, 1);
    g_assert_nonnull (strstr (err, "--reference 3"));
    g_assert_false (g_file_test (out_bad, G_FILE_TEST_EXISTS));
  }
  {
    const char *args[] = { "-s", dir, "--face", "200,0,10,10", "-o", out_bad, clip_path, NULL };
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (run_render (args, &err), ==, 1);
    g_assert_nonnull (strstr (err, "outside"));
    g_assert_false (g_file_test (out_bad, G_FILE_TEST_EXISTS));
  }
  {
    /* Nothing would stabilize the frames: said, not silently ignored. */
    const char *args[] = { "-s", dir, "--stability", "0.8", "-o", out_bad, clip_path, NULL };
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (run_render (args, &err), ==, 1);
    g_assert_nonnull (strstr (err, "--stability does not apply"));
    g_assert_false (g_file_test (out_bad, G_FILE_TEST_EXISTS));
  }

  /* --project: the segments' references and faces come from the file, which
   * a bad reference makes unrenderable before anything is written. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(CsStyle) style = load_style ();
    const CsFaceRect face = { 10, 0, 50, 60 };
    g_autoptr(CsProject) project = two_segment_project (style, &face);
    g_autofree char *project_path = g_build_filename (video_dir, "edit.celshade", NULL);
    g_autoptr(GFile) file = g_file_new_for_path (project_path);
    g_autofree char *project_out = g_build_filename (video_dir, "edit.mkv", NULL);
    g_autofree char *project_streams = NULL;
    const char *args[] = { "-q", "--project", project_path, "-o", project_out, NULL };

    g_assert_true (cs_project_save (project, file, NULL, &error));
    g_assert_no_error (error);
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (run_render (args, &err), ==, 0);
    project_streams = ffprobe_streams (project_out);
    g_assert_nonnull (strstr (project_streams, "nb_read_frames=4"));

    g_assert_true (cs_project_set_reference (project, 0, 5, &error));
    g_assert_true (cs_project_save (project, file, NULL, &error));
    g_assert_no_error (error);
    g_clear_pointer (&err, g_free);
    {
      const char *bad_args[] = { "--project", project_path, "-o", out_bad, NULL };
      g_assert_cmpint (run_render (bad_args, &err), ==, 1);
    }
    g_assert_nonnull (strstr (err, "reference 5"));
    g_assert_false (g_file_test (out_bad, G_FILE_TEST_EXISTS));
  }
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;

  g_test_init (&argc, &argv, NULL);
  material = cs_test_vtoonify_material (&skip_reason);
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

  g_test_add_func ("/vtoonify/style/load", test_style_load);
  g_test_add_func ("/vtoonify/style/refused", test_style_refused);
  g_test_add_func ("/vtoonify/face-rect", test_face_rect);
  g_test_add_func ("/vtoonify/cli", test_cli);
  g_test_add_data_func ("/vtoonify/render/fp32", GINT_TO_POINTER (CS_PRECISION_FP32), test_vtoonify_api);
  g_test_add_data_func ("/vtoonify/render/fp16", GINT_TO_POINTER (CS_PRECISION_FP16), test_vtoonify_api);
  g_test_add_func ("/vtoonify/video/clip", test_video_clip);
  g_test_add_func ("/vtoonify/video/project", test_video_project);
  g_test_add_func ("/vtoonify/video/face-code", test_face_code_reuse);
  g_test_add_func ("/vtoonify/video/preview", test_video_preview);
  g_test_add_func ("/vtoonify/video/cli", test_video_cli);

  {
    int r = g_test_run ();
    if (video_dir != NULL)
      cs_test_remove_tree (video_dir);
    g_free (video_dir);
    g_free (clip_path);
    g_free (clip_skip);
    g_clear_object (&device);
    g_free (material);
    g_free (skip_reason);
    return r;
  }
}
