/* test-styles.c: the style layer against an independent reference
 *
 * Every fast-style-transfer checkpoint of the shared test data is imported
 * and run through the engine on real photos, at a size that is a multiple of
 * 4 and at one that is not, and compared with the float64 NumPy reference
 * (tests/reference/fst_reference.py) by ‖out − ref‖ / ‖ref‖. Degree blending,
 * the refusal of broken checkpoints and style folders, still images and the
 * command-line tools are checked too; those that need no shared data use a
 * synthetic checkpoint of random weights made in a temporary folder.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <math.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "cs-onnx-import.h"
#include "cs-onnx-writer.h"
#include "cs-styles.h"
#include "cs-test.h"

#define PYTHON "/usr/bin/python3"

static char *data_dir;     /* the shared test data, or NULL */
static char *tmp_dir;
static CsDevice *device;
static gboolean have_reference;

/* Helpers ---------------------------------------------------------------------------- */

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmp_dir, name, NULL);
}

static char *
data_path (const char *first,
           ...) G_GNUC_NULL_TERMINATED;

/* A path in the shared test data, or NULL (and the test skipped) when it is absent. */
static char *
data_path (const char *first,
           ...)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  char *path;
  va_list args;

  if (data_dir == NULL)
    {
      g_test_skip ("shared test data not found; set CELSHADE_TEST_DATA to the folder "
                   "holding styles/ml5 and images");
      return NULL;
    }

  g_ptr_array_add (parts, data_dir);
  va_start (args, first);
  for (const char *p = first; p != NULL; p = va_arg (args, const char *))
    g_ptr_array_add (parts, (char *) p);
  va_end (args);
  g_ptr_array_add (parts, NULL);

  path = g_build_filenamev ((char **) parts->pdata);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_autofree char *message = g_strdup_printf ("%s is missing from the shared test data", path);

      g_test_skip (message);
      g_free (path);
      return NULL;
    }
  return path;
}

static guint
count_entries (const char *folder)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  guint n = 0;

  if (dir != NULL)
    while (g_dir_read_name (dir) != NULL)
      n++;
  return n;
}

/* A fresh empty folder under the temporary folder. */
static char *
fresh_folder (const char *name)
{
  char *path = tmp_path (name);

  cs_test_remove_tree (path);
  g_assert_cmpint (g_mkdir_with_parents (path, 0755), ==, 0);
  return path;
}

static double
relative_error (const float *out,
                const float *ref,
                gsize        n)
{
  double num = 0, den = 0;

  for (gsize i = 0; i < n; i++)
    {
      double d = (double) out[i] - ref[i];

      num += d * d;
      den += (double) ref[i] * ref[i];
    }
  return sqrt (num) / MAX (sqrt (den), 1e-300);
}

static double
max_abs_difference (const float *a,
                    const float *b,
                    gsize        n)
{
  double m = 0;

  for (gsize i = 0; i < n; i++)
    m = MAX (m, fabs ((double) a[i] - b[i]));
  return m;
}

static void
assert_no_validation_errors (void)
{
  g_assert_cmpuint (cs_device_get_validation_errors (device), ==, 0);
}

/* A synthetic checkpoint --------------------------------------------------------------- */

/* The layout DESIGN.md gives, written out again here so that the test does
 * not trust the importer's own table: kernel, stride, in, out, transposed. */
static const struct {
  int k, in, out;
  gboolean transposed;
} ckpt_layers[16] = {
  { 9,   3,  32, FALSE }, { 3,  32,  64, FALSE }, { 3,  64, 128, FALSE },
  { 3, 128, 128, FALSE }, { 3, 128, 128, FALSE }, { 3, 128, 128, FALSE },
  { 3, 128, 128, FALSE }, { 3, 128, 128, FALSE }, { 3, 128, 128, FALSE },
  { 3, 128, 128, FALSE }, { 3, 128, 128, FALSE }, { 3, 128, 128, FALSE },
  { 3, 128, 128, FALSE }, { 3, 128,  64, TRUE  }, { 3,  64,  32, TRUE  },
  { 9,  32,   3, FALSE },
};

typedef enum {
  BREAK_NOTHING,
  BREAK_MISSING_FILE,     /* Variable_7's file is not there */
  BREAK_SHORT_FILE,       /* Variable_12's file is cut short */
  BREAK_WRONG_SHAPE,      /* the manifest gives Variable_3 another shape */
  BREAK_MISSING_ENTRY,    /* the manifest does not list Variable_47 */
  BREAK_NO_MANIFEST,
  BREAK_GARBAGE_MANIFEST,
  BREAK_ESCAPING_FILE,    /* Variable_5's file name leads out of the folder */
  BREAK_NAN,              /* Variable_20 holds a NaN */
} Breakage;

static int
variable_shape (guint    index,
                int64_t *dims)
{
  int l = index / 3;

  if (index % 3 != 0)
    {
      dims[0] = ckpt_layers[l].out;
      return 1;
    }
  dims[0] = dims[1] = ckpt_layers[l].k;
  dims[2] = ckpt_layers[l].transposed ? ckpt_layers[l].out : ckpt_layers[l].in;
  dims[3] = ckpt_layers[l].transposed ? ckpt_layers[l].in : ckpt_layers[l].out;
  return 4;
}

/* Random weights scaled as a trained network's roughly are, so that the
 * output is neither flat nor saturated. */
static void
write_checkpoint (const char *folder,
                  Breakage    breakage)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20240611);
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *manifest = NULL;
  g_autofree char *text = NULL;

  g_assert_cmpint (g_mkdir_with_parents (folder, 0755), ==, 0);

  json_builder_begin_object (b);
  for (guint i = 0; i < 48; i++)
    {
      g_autofree char *name = i == 0 ? g_strdup ("Variable") : g_strdup_printf ("Variable_%u", i);
      g_autofree char *path = g_build_filename (folder, name, NULL);
      g_autofree float *values = NULL;
      int64_t dims[4];
      int rank = variable_shape (i, dims);
      gsize n = 1, bytes;

      for (int d = 0; d < rank; d++)
        n *= dims[d];
      values = g_new (float, n);
      for (gsize j = 0; j < n; j++)
        {
          if (i % 3 == 0)
            values[j] = (float) (g_rand_double_range (rand, -1, 1) * sqrt (6.0 / (dims[0] * dims[1] * dims[2])));
          else if (i % 3 == 1)
            values[j] = (float) g_rand_double_range (rand, -0.5, 0.5);   /* shift */
          else
            values[j] = (float) g_rand_double_range (rand, 0.5, 1.5);    /* scale */
        }
      if (breakage == BREAK_NAN && i == 20)
        values[n / 2] = NAN;

      bytes = n * sizeof (float);
      if (breakage == BREAK_SHORT_FILE && i == 12)
        bytes -= 100;
      if (!(breakage == BREAK_MISSING_FILE && i == 7))
        {
          g_file_set_contents (path, (const char *) values, bytes, &error);
          g_assert_no_error (error);
        }

      if (breakage == BREAK_MISSING_ENTRY && i == 47)
        continue;
      json_builder_set_member_name (b, name);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "filename");
      json_builder_add_string_value (b, breakage == BREAK_ESCAPING_FILE && i == 5 ? "../Variable_5" : name);
      json_builder_set_member_name (b, "shape");
      json_builder_begin_array (b);
      for (int d = 0; d < rank; d++)
        json_builder_add_int_value (b, breakage == BREAK_WRONG_SHAPE && i == 3 && d == 3 ? dims[d] + 1 : dims[d]);
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);

  manifest = g_build_filename (folder, "manifest.json", NULL);
  if (breakage == BREAK_NO_MANIFEST)
    return;
  if (breakage == BREAK_GARBAGE_MANIFEST)
    {
      g_file_set_contents (manifest, "{ \"Variable\": { \"filename\": \"Variable\", \"shape\": [9, 9,", -1, &error);
      g_assert_no_error (error);
      return;
    }

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  g_file_set_contents (manifest, text, -1, &error);
  g_assert_no_error (error);
}

/* Imports (once) ------------------------------------------------------------------------ */

static char *
synthetic_checkpoint (void)
{
  char *folder = tmp_path ("checkpoints/synthetic");

  if (!g_file_test (folder, G_FILE_TEST_IS_DIR))
    write_checkpoint (folder, BREAK_NOTHING);
  return folder;
}

static char *
import_once (const char *checkpoint,
             const char *id)
{
  g_autofree char *folder = g_build_filename (tmp_dir, "styles", id, NULL);
  g_autoptr(GError) error = NULL;
  CsFstImportOptions options = { .device = device };

  if (!g_file_test (folder, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GTimer) timer = g_timer_new ();

      cs_fst_import_with_options (checkpoint, folder, &options, NULL, &error);
      g_assert_no_error (error);
      g_test_message ("imported %s in %.2f s", id, g_timer_elapsed (timer, NULL));
    }
  return g_steal_pointer (&folder);
}

/* The synthetic style, always available. */
static CsStyle *
synthetic_style (void)
{
  g_autofree char *ckpt = synthetic_checkpoint ();
  g_autofree char *folder = import_once (ckpt, "synthetic");
  g_autoptr(GError) error = NULL;
  CsStyle *style = cs_style_new_from_folder (folder, &error);

  g_assert_no_error (error);
  return style;
}

/* An ml5 style imported from the shared data, or NULL and skipped. */
static char *
real_style_folder (const char *name)
{
  g_autofree char *ckpt = data_path ("styles", "ml5", name, NULL);

  if (ckpt == NULL)
    return NULL;
  return import_once (ckpt, name);
}

/* The importer ------------------------------------------------------------------------ */

static void
check_style_folder (const char *folder,
                    const char *expected_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStyle) style = cs_style_new_from_folder (folder, &error);
  g_autoptr(GdkPixbuf) thumb = NULL;
  g_autofree char *model = g_build_filename (folder, "model.onnx", NULL);

  g_assert_no_error (error);
  g_assert_cmpstr (cs_style_get_id (style), ==, expected_id);
  g_assert_cmpint (cs_style_get_format_version (style), ==, CS_STYLE_FORMAT_VERSION);
  g_assert_cmpstr (cs_style_get_kind (style), ==, "fast-style-transfer");
  g_assert_cmpstr (cs_style_get_input_name (style), ==, "input");
  g_assert_cmpstr (cs_style_get_output_name (style), ==, "output");
  g_assert_cmpint (cs_style_get_size_multiple (style), ==, 4);
  g_assert_cmpstr (cs_style_get_degree_kind (style), ==, CS_STYLE_DEGREE_BLEND);
  g_assert_nonnull (strstr (cs_style_get_degree_description (style), "(1 - degree) * input + degree * styled"));
  g_assert_nonnull (cs_style_get_authors (style));
  g_assert_cmpstr (cs_style_get_model_path (style), ==, model);
  g_assert_nonnull (cs_style_get_thumbnail_path (style));

  thumb = gdk_pixbuf_new_from_file (cs_style_get_thumbnail_path (style), &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (thumb), ==, CS_FST_THUMBNAIL_SIZE);
  g_assert_cmpint (gdk_pixbuf_get_height (thumb), ==, CS_FST_THUMBNAIL_SIZE);

  /* Exactly the style's three files, and nothing left beside it. */
  g_assert_cmpuint (count_entries (folder), ==, 3);
}

static void
test_import_synthetic (void)
{
  g_autofree char *ckpt = synthetic_checkpoint ();
  g_autofree char *parent = fresh_folder ("import-synthetic");
  g_autofree char *folder = g_build_filename (parent, "deep", "er", "mine", NULL);
  g_autofree char *thumb_src = g_build_filename (parent, "card.png", NULL);
  g_autofree char *grandparent = g_build_filename (parent, "deep", "er", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStyle) style = NULL;
  g_autoptr(CsImage) card = cs_image_new_test_card (300, 200, NULL);
  const char *authors[] = { "A. Painter", "B. Trainer", NULL };
  CsFstImportOptions options = {
    .name = "My Style", .authors = authors, .licence = "CC-BY-4.0",
    .source = "https://example.org/mine", .thumbnail_image = thumb_src, .device = device,
  };

  g_assert_true (cs_image_save (card, thumb_src, &error));
  g_assert_no_error (error);

  g_assert_true (cs_fst_import_with_options (ckpt, folder, &options, NULL, &error));
  g_assert_no_error (error);
  check_style_folder (folder, "mine");
  g_assert_cmpuint (count_entries (grandparent), ==, 1);

  style = cs_style_new_from_folder (folder, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cs_style_get_name (style), ==, "My Style");
  g_assert_cmpstr (cs_style_get_licence (style), ==, "CC-BY-4.0");
  g_assert_cmpstr (cs_style_get_source (style), ==, "https://example.org/mine");
  g_assert_cmpuint (g_strv_length ((char **) cs_style_get_authors (style)), ==, 2);
  g_assert_cmpstr (cs_style_get_authors (style)[1], ==, "B. Trainer");

  /* The plain call names the style after the checkpoint folder. */
  {
    g_autofree char *plain = g_build_filename (parent, "plain", NULL);
    g_autoptr(CsStyle) s = NULL;

    g_assert_true (cs_fst_import (ckpt, plain, NULL, NULL, &error));
    g_assert_no_error (error);
    s = cs_style_new_from_folder (plain, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (cs_style_get_name (s), ==, "Synthetic");
    g_assert_cmpstr (cs_style_get_licence (s), ==, "unknown");
  }
  assert_no_validation_errors ();
}

static void
test_import_real (gconstpointer data)
{
  const char *name = data;
  g_autofree char *folder = real_style_folder (name);

  if (folder == NULL)
    return;
  check_style_folder (folder, name);
}

/* Correctness against the float64 reference ---------------------------------------------- */

typedef struct {
  const char *style;
  const char *photo;
  int         width;
  int         height;
} Case;

/* Every style at least once, both sizes for two of them, five photos. */
static const Case cases[] = {
  { "la_muse",       "content_1.jpg",       256, 256 },
  { "mathura",       "face_038648.jpg",     203, 157 },
  { "matilde_perez", "content_chicago.png", 203, 157 },
  { "rain_princess", "face_077436.jpg",     256, 256 },
  { "scream",        "face_081680.jpg",     203, 157 },
  { "udnie",         "content_chicago.png", 256, 256 },
  { "udnie",         "face_081680.jpg",     203, 157 },
  { "wave",          "face_038648.jpg",     256, 256 },
  { "wave",          "content_1.jpg",       203, 157 },
};

/* The photo, upright, scaled with gdk-pixbuf to width x height. */
static CsImage *
photo_at_size (const char *photo,
               int         width,
               int         height)
{
  g_autofree char *path = data_path ("images", photo, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GdkPixbuf) upright = NULL;
  g_autoptr(GdkPixbuf) scaled = NULL;

  if (path == NULL)
    return NULL;
  pixbuf = gdk_pixbuf_new_from_file (path, &error);
  g_assert_no_error (error);
  upright = gdk_pixbuf_apply_embedded_orientation (pixbuf);
  scaled = gdk_pixbuf_scale_simple (upright, width, height, GDK_INTERP_BILINEAR);
  g_assert_nonnull (scaled);
  return cs_image_new_from_pixbuf (scaled);
}

/* Runs fst_reference.py on image; returns ceil4(H) x ceil4(W) planar RGB. */
static float *
reference_output (const char    *checkpoint,
                  const CsImage *image,
                  int            out_w,
                  int            out_h)
{
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "reference", "fst_reference.py", NULL);
  g_autofree char *in_path = tmp_path ("ref-in.f32");
  g_autofree char *out_path = tmp_path ("ref-out.f32");
  g_autofree char *w = g_strdup_printf ("%d", image->width);
  g_autofree char *h = g_strdup_printf ("%d", image->height);
  g_autofree float *hwc = g_new (float, 3 * cs_image_plane_size (image));
  g_autofree char *contents = NULL;
  g_autofree char *out_text = NULL;
  g_autofree char *err_text = NULL;
  g_autoptr(GError) error = NULL;
  gsize plane = cs_image_plane_size (image), out_plane = (gsize) out_w * out_h, length;
  float *planar;
  int status;
  const char *argv[] = {
    PYTHON, script, checkpoint, "--input-raw", in_path, "--width", w, "--height", h,
    "--output", out_path, NULL,
  };

  for (gsize i = 0; i < plane; i++)
    for (int c = 0; c < 3; c++)
      hwc[3 * i + c] = image->data[c * plane + i];
  g_file_set_contents (in_path, (const char *) hwc, sizeof (float) * 3 * plane, &error);
  g_assert_no_error (error);

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out_text, &err_text, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("fst_reference.py failed: %s%s", out_text, err_text);

  g_file_get_contents (out_path, &contents, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (length, ==, sizeof (float) * 3 * out_plane);

  planar = g_new (float, 3 * out_plane);
  for (gsize i = 0; i < out_plane; i++)
    for (int c = 0; c < 3; c++)
      memcpy (&planar[c * out_plane + i], contents + sizeof (float) * (3 * i + c), sizeof (float));
  return planar;
}

/* The network's raw output (before cropping and degree) at image's size. */
static float *
engine_output (const char    *model,
               const CsImage *image,
               CsPrecision    precision,
               int            out_w,
               int            out_h)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsNetwork) net = cs_network_new_from_file (device, model, &error);
  int64_t dims[8];
  gsize n = (gsize) 3 * out_w * out_h;
  float *out;

  g_assert_no_error (error);
  cs_network_set_input_shape (net, "input", 4, (const int64_t[]) { 1, 3, image->height, image->width }, &error);
  g_assert_no_error (error);
  cs_network_prepare (net, precision, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cs_network_get_output_dims (net, 0, dims), ==, 4);
  g_assert_cmpint (dims[0], ==, 1);
  g_assert_cmpint (dims[1], ==, 3);
  g_assert_cmpint (dims[2], ==, out_h);
  g_assert_cmpint (dims[3], ==, out_w);

  cs_network_set_input (net, "input", image->data, 3 * cs_image_plane_size (image), &error);
  g_assert_no_error (error);
  cs_network_run (net, NULL, &error);
  g_assert_no_error (error);
  out = g_new (float, n);
  cs_network_get_output (net, 0, out, n, &error);
  g_assert_no_error (error);
  return out;
}

static void
test_fst_reference (gconstpointer data)
{
  const Case *c = data;
  g_autofree char *folder = NULL;
  g_autofree char *ckpt = NULL;
  g_autofree char *model = NULL;
  g_autofree float *ref = NULL;
  g_autofree float *out32 = NULL;
  g_autoptr(CsImage) image = NULL;
  g_autoptr(GTimer) timer = g_timer_new ();
  int out_w = (c->width + 3) / 4 * 4, out_h = (c->height + 3) / 4 * 4;
  gsize n = (gsize) 3 * out_w * out_h;
  double err32, t_ref;

  if (!have_reference)
    {
      g_test_skip ("/usr/bin/python3 with numpy is needed for the reference (Debian python3-numpy)");
      return;
    }
  if ((folder = real_style_folder (c->style)) == NULL ||
      (ckpt = data_path ("styles", "ml5", c->style, NULL)) == NULL ||
      (image = photo_at_size (c->photo, c->width, c->height)) == NULL)
    return;
  model = g_build_filename (folder, "model.onnx", NULL);

  ref = reference_output (ckpt, image, out_w, out_h);
  t_ref = g_timer_elapsed (timer, NULL);

  out32 = engine_output (model, image, CS_PRECISION_FP32, out_w, out_h);
  err32 = relative_error (out32, ref, n);
  g_test_message ("%s %s %dx%d fp32: relative error %.3g (reference %.1f s)",
                  c->style, c->photo, c->width, c->height, err32, t_ref);
  g_assert_cmpfloat (err32, <, 1e-3);

  if (cs_device_supports_fp16 (device))
    {
      g_autofree float *out16 = engine_output (model, image, CS_PRECISION_FP16, out_w, out_h);
      double err16 = relative_error (out16, ref, n);

      g_test_message ("%s %s %dx%d fp16: relative error %.3g", c->style, c->photo, c->width, c->height, err16);
      g_assert_cmpfloat (err16, <, 1e-2);
    }
  else
    g_test_message ("%s: the device has no fp16; fp32 only", c->style);

  assert_no_validation_errors ();
}

/* Degree and padding --------------------------------------------------------------------- */

/* The network's output at exactly image's size (which must fit the size
 * multiple), without the stylizer. */
static float *
network_on (CsStyle       *style,
            const CsImage *image)
{
  return engine_output (cs_style_get_model_path (style), image, CS_PRECISION_FP32, image->width, image->height);
}

static CsImage *
test_input (int width,
            int height)
{
  /* A real photo where there is one: it exercises the network as users do. */
  if (data_dir != NULL)
    {
      g_autofree char *path = g_build_filename (data_dir, "images", "content_chicago.png", NULL);

      if (g_file_test (path, G_FILE_TEST_EXISTS))
        {
          g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new_from_file (path, NULL);
          g_autoptr(GdkPixbuf) scaled = NULL;

          g_assert_nonnull (pixbuf);
          scaled = gdk_pixbuf_scale_simple (pixbuf, width, height, GDK_INTERP_BILINEAR);
          return cs_image_new_from_pixbuf (scaled);
        }
    }
  return cs_image_new_test_card (width, height, NULL);
}

static void
test_degree (void)
{
  g_autoptr(CsStyle) style = synthetic_style ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStylizer) stylizer = cs_stylizer_new (style, device, CS_PRECISION_FP32, &error);
  g_autoptr(CsImage) input = test_input (256, 192);
  g_autoptr(CsImage) d0 = NULL;
  g_autoptr(CsImage) d1 = NULL;
  g_autoptr(CsImage) d1_again = NULL;
  g_autoptr(CsImage) half = NULL;
  g_autoptr(CsImage) quarter = NULL;
  g_autofree float *direct = NULL;
  gsize n = 3 * cs_image_plane_size (input);
  double diff, diff_half = 0, diff_quarter = 0, moved = 0;

  g_assert_no_error (error);
  g_assert_cmpint (cs_stylizer_get_precision (stylizer), ==, CS_PRECISION_FP32);

  /* 0: the input itself, bit for bit. */
  d0 = cs_stylizer_run (stylizer, input, 0.0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (d0->width, ==, input->width);
  g_assert_cmpint (d0->height, ==, input->height);
  g_assert_cmpmem (d0->data, n * sizeof (float), input->data, n * sizeof (float));

  /* 1: the network's output, as a direct run gives it. */
  d1 = cs_stylizer_run (stylizer, input, 1.0, NULL, &error);
  g_assert_no_error (error);
  direct = network_on (style, input);
  diff = max_abs_difference (d1->data, direct, n);
  g_test_message ("degree 1 against a direct run: max |difference| %.3g", diff);
  g_assert_cmpfloat (diff, <=, 1e-3);
  for (gsize i = 0; i < n; i++)
    moved = MAX (moved, fabs ((double) d1->data[i] - input->data[i]));
  g_assert_cmpfloat (moved, >, 10.0);

  /* The cached network gives the same frame again. */
  d1_again = cs_stylizer_run (stylizer, input, 1.0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (d1_again->data, n * sizeof (float), d1->data, n * sizeof (float));

  /* Between: the linear blend. */
  half = cs_stylizer_run (stylizer, input, 0.5, NULL, &error);
  g_assert_no_error (error);
  quarter = cs_stylizer_run (stylizer, input, 0.25, NULL, &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < n; i++)
    {
      diff_half = MAX (diff_half, fabs (half->data[i] - 0.5 * (input->data[i] + d1->data[i])));
      diff_quarter = MAX (diff_quarter, fabs (quarter->data[i] - (0.75 * input->data[i] + 0.25 * d1->data[i])));
    }
  g_test_message ("degree 0.5: max |difference| from the midpoint %.3g; 0.25: %.3g", diff_half, diff_quarter);
  g_assert_cmpfloat (diff_half, <=, 1e-3);
  g_assert_cmpfloat (diff_quarter, <=, 1e-3);

  /* Out of range. */
  {
    const double bad[] = { -0.01, 1.01, NAN, INFINITY };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(GError) e = NULL;
        g_autoptr(CsImage) none = cs_stylizer_run (stylizer, input, bad[i], NULL, &e);

        g_assert_null (none);
        g_assert_error (e, CS_STYLE_ERROR, CS_STYLE_ERROR_INVALID_ARGUMENT);
      }
  }

  /* Cancelled before it starts. */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    g_autoptr(GError) e = NULL;
    g_autoptr(CsImage) none = NULL;

    g_cancellable_cancel (cancellable);
    none = cs_stylizer_run (stylizer, input, 1.0, cancellable, &e);
    g_assert_null (none);
    g_assert_error (e, CS_STYLE_ERROR, CS_STYLE_ERROR_CANCELLED);
  }

  assert_no_validation_errors ();
}

/* A size that is not a multiple of 4: padded by repeating the edges, run,
 * cropped back. */
static void
test_padding (void)
{
  g_autoptr(CsStyle) style = synthetic_style ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStylizer) stylizer = cs_stylizer_new (style, device, CS_PRECISION_FP32, &error);
  g_autoptr(CsImage) input = test_input (203, 157);
  g_autoptr(CsImage) padded = cs_image_new (204, 160, NULL);
  g_autoptr(CsImage) out = NULL;
  g_autoptr(CsImage) other = NULL;
  g_autofree float *direct = NULL;
  gsize plane = cs_image_plane_size (input), pplane = cs_image_plane_size (padded);
  double diff = 0;

  g_assert_no_error (error);
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < padded->height; y++)
      for (int x = 0; x < padded->width; x++)
        padded->data[c * pplane + (gsize) y * padded->width + x] =
          input->data[c * plane + (gsize) MIN (y, input->height - 1) * input->width + MIN (x, input->width - 1)];

  out = cs_stylizer_run (stylizer, input, 1.0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (out->width, ==, 203);
  g_assert_cmpint (out->height, ==, 157);

  direct = network_on (style, padded);
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < input->height; y++)
      for (int x = 0; x < input->width; x++)
        diff = MAX (diff, fabs (out->data[c * plane + (gsize) y * input->width + x] -
                                direct[c * pplane + (gsize) y * padded->width + x]));
  g_test_message ("203x157 through the stylizer against the padded network run: max |difference| %.3g", diff);
  g_assert_cmpfloat (diff, <=, 1e-3);

  /* Another size re-prepares; then the first one again. */
  other = cs_stylizer_run (stylizer, input, 1.0, NULL, &error);
  g_assert_no_error (error);
  {
    g_autoptr(CsImage) small = test_input (64, 48);
    g_autoptr(CsImage) s = cs_stylizer_run (stylizer, small, 1.0, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpint (s->width, ==, 64);
  }
  g_clear_pointer (&other, cs_image_free);
  other = cs_stylizer_run (stylizer, input, 1.0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (max_abs_difference (other->data, out->data, 3 * plane), <=, 1e-4);

  assert_no_validation_errors ();
}

/* fp16 through the stylizer, on a device that has it. */
static void
test_stylizer_fp16 (void)
{
  g_autoptr(CsStyle) style = synthetic_style ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStylizer) s32 = NULL;
  g_autoptr(CsStylizer) s16 = NULL;
  g_autoptr(CsImage) input = test_input (128, 96);
  g_autoptr(CsImage) o32 = NULL;
  g_autoptr(CsImage) o16 = NULL;
  double err;

  if (!cs_device_supports_fp16 (device))
    {
      s16 = cs_stylizer_new (style, device, CS_PRECISION_FP16, &error);
      g_assert_null (s16);
      g_assert_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_UNSUPPORTED);
      return;
    }

  s32 = cs_stylizer_new (style, device, CS_PRECISION_FP32, &error);
  g_assert_no_error (error);
  s16 = cs_stylizer_new (style, device, CS_PRECISION_FP16, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cs_stylizer_get_precision (s16), ==, CS_PRECISION_FP16);
  o32 = cs_stylizer_run (s32, input, 1.0, NULL, &error);
  g_assert_no_error (error);
  o16 = cs_stylizer_run (s16, input, 1.0, NULL, &error);
  g_assert_no_error (error);
  err = relative_error (o16->data, o32->data, 3 * cs_image_plane_size (input));
  g_test_message ("stylizer fp16 against fp32: relative difference %.3g", err);
  g_assert_cmpfloat (err, <, 1e-2);
  assert_no_validation_errors ();
}

/* Broken checkpoints ---------------------------------------------------------------------- */

typedef struct {
  const char *label;
  Breakage    breakage;
  const char *expect[3];  /* fragments the message must hold */
} BrokenCase;

static const BrokenCase broken_cases[] = {
  { "missing-file",     BREAK_MISSING_FILE,     { "Variable_7", "missing" } },
  { "short-file",       BREAK_SHORT_FILE,       { "Variable_12", "bytes" } },
  { "wrong-shape",      BREAK_WRONG_SHAPE,      { "Variable_3", "[3, 3, 32, 65]", "[3, 3, 32, 64]" } },
  { "missing-entry",    BREAK_MISSING_ENTRY,    { "Variable_47", "manifest.json" } },
  { "no-manifest",      BREAK_NO_MANIFEST,      { "manifest.json" } },
  { "garbage-manifest", BREAK_GARBAGE_MANIFEST, { "manifest.json", "JSON" } },
  { "escaping-file",    BREAK_ESCAPING_FILE,    { "Variable_5", "../Variable_5" } },
  { "nan",              BREAK_NAN,              { "Variable_20", "finite" } },
};

static void
test_broken_checkpoint (gconstpointer data)
{
  const BrokenCase *bc = data;
  g_autofree char *base = g_strdup_printf ("broken-%s", bc->label);
  g_autofree char *root = fresh_folder (base);
  g_autofree char *ckpt = g_build_filename (root, "ckpt", NULL);
  g_autofree char *out_parent = g_build_filename (root, "styles", NULL);
  g_autofree char *dest = g_build_filename (out_parent, "broken", NULL);
  g_autoptr(GError) error = NULL;
  CsFstImportOptions options = { .device = device };

  write_checkpoint (ckpt, bc->breakage);
  g_assert_cmpint (g_mkdir_with_parents (out_parent, 0755), ==, 0);

  g_assert_false (cs_fst_import_with_options (ckpt, dest, &options, NULL, &error));
  g_assert_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_CHECKPOINT);
  g_test_message ("%s: %s", bc->label, error->message);
  for (guint i = 0; i < G_N_ELEMENTS (bc->expect) && bc->expect[i] != NULL; i++)
    if (strstr (error->message, bc->expect[i]) == NULL)
      g_error ("“%s” does not mention “%s”", error->message, bc->expect[i]);

  g_assert_false (g_file_test (dest, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_entries (out_parent), ==, 0);
}

static void
test_import_refusals (void)
{
  g_autofree char *ckpt = synthetic_checkpoint ();
  g_autofree char *root = fresh_folder ("refusals");
  g_autofree char *dest = g_build_filename (root, "taken", NULL);
  g_autofree char *marker = g_build_filename (dest, "mine.txt", NULL);
  g_autofree char *missing = g_build_filename (root, "no-such-checkpoint", NULL);
  g_autofree char *other = g_build_filename (root, "other", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  CsFstImportOptions options = { .device = device };

  /* An existing destination, even an empty one, is left alone. */
  g_assert_cmpint (g_mkdir (dest, 0755), ==, 0);
  g_assert_false (cs_fst_import_with_options (ckpt, dest, &options, NULL, &error));
  g_assert_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, dest));
  g_clear_error (&error);
  g_file_set_contents (marker, "keep me", -1, &error);
  g_assert_no_error (error);
  g_assert_false (cs_fst_import_with_options (ckpt, dest, &options, NULL, &error));
  g_assert_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_true (g_file_test (marker, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (count_entries (dest), ==, 1);

  /* No checkpoint at all. */
  g_assert_false (cs_fst_import_with_options (missing, other, &options, NULL, &error));
  g_assert_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);

  /* A missing thumbnail photo fails the import and leaves nothing. */
  options.thumbnail_image = missing;
  g_assert_false (cs_fst_import_with_options (ckpt, other, &options, NULL, &error));
  g_assert_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  options.thumbnail_image = NULL;

  /* Cancelled: nothing left behind. */
  g_cancellable_cancel (cancellable);
  g_assert_false (cs_fst_import_with_options (ckpt, other, &options, cancellable, &error));
  g_assert_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_CANCELLED);
  g_clear_error (&error);

  g_assert_false (g_file_test (other, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_entries (root), ==, 1);
}

/* ONNX models ------------------------------------------------------------------------------- */

typedef enum {
  MODEL_IDENTITY,      /* Mul by 1: a valid style of size multiple 1 */
  MODEL_TWO_INPUTS,
  MODEL_ONE_CHANNEL,
  MODEL_FIXED_SIZE,
  MODEL_UNIT_RANGE,    /* output in 0..1 for 0..255 input */
  MODEL_HALF_SIZE,     /* a stride-2 convolution: never the input's size */
  MODEL_EXTERNAL_DATA,
  MODEL_NOT_ONNX,
} ModelKind;

/* Writes a small model of the given kind at folder/name; returns its path. */
static char *
write_model (const char *folder,
             const char *name,
             ModelKind   kind)
{
  g_autoptr(CsOnnxWriter) w = cs_onnx_writer_new ("test", 13);
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (folder, name, NULL);
  float scale = kind == MODEL_UNIT_RANGE ? 1.0f / 255 : 1.0f;

  if (kind == MODEL_NOT_ONNX)
    {
      g_file_set_contents (path, "{ \"this\": \"is JSON\" }", -1, &error);
      g_assert_no_error (error);
      return path;
    }

  cs_onnx_writer_add_input (w, "image", kind == MODEL_ONE_CHANNEL ? "1,1,height,width"
                                        : kind == MODEL_FIXED_SIZE ? "1,3,64,64"
                                        : "1,3,height,width");
  if (kind == MODEL_TWO_INPUTS)
    cs_onnx_writer_add_input (w, "mask", "1,1,height,width");
  if (kind == MODEL_HALF_SIZE)
    {
      float weights[3 * 3];

      for (guint i = 0; i < G_N_ELEMENTS (weights); i++)
        weights[i] = i % 4 == 0 ? 1.0f : 0.0f;
      cs_onnx_writer_add_float_initializer (w, "w", CS_ONNX_DIMS (3, 3, 1, 1), weights, 9);
      cs_onnx_writer_add_node (w, "Conv", "down", CS_ONNX_NAMES ("image", "w"), CS_ONNX_NAMES ("styled"));
      cs_onnx_writer_node_set_ints (w, "strides", CS_ONNX_DIMS (2, 2));
    }
  else if (kind == MODEL_EXTERNAL_DATA)
    {
      g_autofree char *data = g_build_filename (folder, "scale.bin", NULL);

      g_file_set_contents (data, (const char *) &scale, sizeof scale, &error);
      g_assert_no_error (error);
      cs_onnx_writer_add_external_initializer (w, "scale", CS_ONNX_DIMS (1), "scale.bin", 0, sizeof scale);
      cs_onnx_writer_add_node (w, "Mul", "scale", CS_ONNX_NAMES ("image", "scale"), CS_ONNX_NAMES ("styled"));
    }
  else
    {
      cs_onnx_writer_add_float_initializer (w, "scale", CS_ONNX_DIMS (1), &scale, 1);
      cs_onnx_writer_add_node (w, "Mul", "scale", CS_ONNX_NAMES ("image", "scale"), CS_ONNX_NAMES ("styled"));
    }
  cs_onnx_writer_add_output (w, "styled", NULL);
  if (kind == MODEL_TWO_INPUTS)
    {
      cs_onnx_writer_add_node (w, "Identity", "copy", CS_ONNX_NAMES ("mask"), CS_ONNX_NAMES ("mask_out"));
      cs_onnx_writer_add_output (w, "mask_out", NULL);
    }
  g_assert_true (cs_onnx_writer_save (w, path, &error));
  g_assert_no_error (error);
  return path;
}

/* The fast-style-transfer model, imported again as a plain ONNX model, is
 * the same style: same size multiple, bit-identical output. */
static void
test_onnx_import (void)
{
  g_autoptr(CsStyle) fst = synthetic_style ();
  g_autofree char *root = fresh_folder ("onnx");
  g_autofree char *folder = g_build_filename (root, "again", NULL);
  g_autofree char *identity_model = write_model (root, "plain_identity.onnx", MODEL_IDENTITY);
  g_autofree char *identity_folder = g_build_filename (root, "identity", NULL);
  const char *authors[] = { "A. Painter", NULL };
  CsOnnxImportOptions options = {
    .name = "Again", .authors = authors, .licence = "CC0-1.0", .source = "a test", .device = device,
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStyle) style = NULL;
  g_autoptr(CsStyle) identity = NULL;
  g_autoptr(CsStylizer) a = NULL;
  g_autoptr(CsStylizer) b = NULL;
  g_autoptr(CsImage) input = test_input (70, 45);
  g_autoptr(CsImage) out_a = NULL;
  g_autoptr(CsImage) out_b = NULL;

  g_assert_true (cs_onnx_style_import (cs_style_get_model_path (fst), folder, &options, NULL, &error));
  g_assert_no_error (error);
  style = cs_style_new_from_folder (folder, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cs_style_get_name (style), ==, "Again");
  g_assert_cmpstr (cs_style_get_id (style), ==, "again");
  g_assert_cmpstr (cs_style_get_kind (style), ==, "onnx");
  g_assert_cmpstr (cs_style_get_authors (style)[0], ==, "A. Painter");
  g_assert_cmpstr (cs_style_get_licence (style), ==, "CC0-1.0");
  g_assert_cmpstr (cs_style_get_source (style), ==, "a test");
  g_assert_cmpint (cs_style_get_size_multiple (style), ==, cs_style_get_size_multiple (fst));
  g_assert_nonnull (cs_style_get_thumbnail_path (style));
  g_assert_cmpuint (count_entries (folder), ==, 3);

  a = cs_stylizer_new (fst, device, CS_PRECISION_FP32, &error);
  g_assert_no_error (error);
  b = cs_stylizer_new (style, device, CS_PRECISION_FP32, &error);
  g_assert_no_error (error);
  out_a = cs_stylizer_run (a, input, 1.0, NULL, &error);
  g_assert_no_error (error);
  out_b = cs_stylizer_run (b, input, 1.0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (max_abs_difference (out_a->data, out_b->data, 3 * cs_image_plane_size (out_a)), ==, 0);

  /* A network that keeps the size of any input needs no multiple; the
   * default name comes from the file's. */
  g_assert_true (cs_onnx_style_import (identity_model, identity_folder, NULL, NULL, &error));
  g_assert_no_error (error);
  identity = cs_style_new_from_folder (identity_folder, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cs_style_get_size_multiple (identity), ==, 1);
  g_assert_cmpstr (cs_style_get_name (identity), ==, "Plain Identity");
  g_assert_cmpstr (cs_style_get_licence (identity), ==, "unknown");

  /* A generic file name gives way to its folder's. */
  {
    g_autofree char *a = cs_onnx_style_default_stem ("/models/candy/model.onnx");
    g_autofree char *b = cs_onnx_style_default_stem ("/models/candy.onnx");
    g_autofree char *c = cs_onnx_style_default_stem ("/models/mosaic/Generator.ONNX");

    g_assert_cmpstr (a, ==, "candy");
    g_assert_cmpstr (b, ==, "candy");
    g_assert_cmpstr (c, ==, "mosaic");
  }

  /* The destination is never replaced. */
  g_assert_false (cs_onnx_style_import (identity_model, identity_folder, NULL, NULL, &error));
  g_assert_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_EXISTS);
  assert_no_validation_errors ();
}

typedef struct {
  const char *label;
  ModelKind   kind;
  int         code;
  const char *expect;   /* a fragment of the message */
} OnnxCase;

static const OnnxCase onnx_cases[] = {
  { "two-inputs", MODEL_TWO_INPUTS, CS_STYLE_ERROR_UNSUPPORTED, "2 inputs" },
  { "one-channel", MODEL_ONE_CHANNEL, CS_STYLE_ERROR_UNSUPPORTED, "[1, 1, ?, ?]" },
  { "fixed-size", MODEL_FIXED_SIZE, CS_STYLE_ERROR_UNSUPPORTED, "dynamic axes" },
  { "unit-range", MODEL_UNIT_RANGE, CS_STYLE_ERROR_UNSUPPORTED, "0..1" },
  { "half-size", MODEL_HALF_SIZE, CS_STYLE_ERROR_UNSUPPORTED, "not the size of its input" },
  { "external-data", MODEL_EXTERNAL_DATA, CS_STYLE_ERROR_UNSUPPORTED, "save_as_external_data" },
  { "not-onnx", MODEL_NOT_ONNX, CS_STYLE_ERROR_UNSUPPORTED, "not a valid ONNX model" },
};

static void
test_onnx_refusal (gconstpointer data)
{
  const OnnxCase *c = data;
  g_autofree char *label = g_strdup_printf ("onnx-%s", c->label);
  g_autofree char *root = fresh_folder (label);
  g_autofree char *model = write_model (root, "model.onnx", c->kind);
  g_autofree char *styles = g_build_filename (root, "styles", NULL);
  g_autofree char *dest = g_build_filename (styles, "refused", NULL);
  CsOnnxImportOptions options = { .device = device };
  g_autoptr(GError) error = NULL;

  g_assert_false (cs_onnx_style_import (model, dest, &options, NULL, &error));
  g_assert_error (error, CS_STYLE_ERROR, c->code);
  g_test_message ("%s", error->message);
  if (strstr (error->message, c->expect) == NULL || strstr (error->message, model) == NULL)
    g_error ("“%s” names neither “%s” nor the model", error->message, c->expect);
  /* Nothing half-imported. */
  g_assert_cmpuint (count_entries (styles), ==, 0);
  assert_no_validation_errors ();
}

/* Broken style folders --------------------------------------------------------------------- */

typedef enum {
  EDIT_NONE,
  EDIT_REMOVE,   /* remove the member */
  EDIT_STRING,   /* set it to a string */
  EDIT_INT,      /* set it to a number */
} EditKind;

typedef struct {
  const char *label;
  const char *object;      /* NULL for the top level, else "input", "degree"… */
  const char *member;
  EditKind    edit;
  const char *string;
  gint64      number;
  int         code;
  const char *expect;
} StyleCase;

static const StyleCase style_cases[] = {
  { "missing-name",     NULL,     "name",          EDIT_REMOVE, NULL, 0, CS_STYLE_ERROR_INVALID, "“name”" },
  { "name-not-string",  NULL,     "name",          EDIT_INT, NULL, 3, CS_STYLE_ERROR_INVALID, "“name”" },
  { "newer-format",     NULL,     "format",        EDIT_INT, NULL, 99, CS_STYLE_ERROR_UNSUPPORTED, "format version 99" },
  { "no-format",        NULL,     "format",        EDIT_REMOVE, NULL, 0, CS_STYLE_ERROR_INVALID, "“format”" },
  { "model-escapes",    NULL,     "model",         EDIT_STRING, "../model.onnx", 0, CS_STYLE_ERROR_INVALID, "../model.onnx" },
  { "model-absolute",   NULL,     "model",         EDIT_STRING, "/etc/passwd", 0, CS_STYLE_ERROR_INVALID, "/etc/passwd" },
  { "model-missing",    NULL,     "model",         EDIT_STRING, "missing.onnx", 0, CS_STYLE_ERROR_NOT_FOUND, "missing.onnx" },
  { "no-model",         NULL,     "model",         EDIT_REMOVE, NULL, 0, CS_STYLE_ERROR_INVALID, "“model”" },
  { "bad-id",           NULL,     "id",            EDIT_STRING, "a/b", 0, CS_STYLE_ERROR_INVALID, "“id”" },
  { "layout",           "input",  "layout",        EDIT_STRING, "NHWC", 0, CS_STYLE_ERROR_UNSUPPORTED, "“input.layout”" },
  { "channels",         "output", "channels",      EDIT_STRING, "BGR", 0, CS_STYLE_ERROR_UNSUPPORTED, "“output.channels”" },
  { "range",            "input",  "range",         EDIT_STRING, "0..1", 0, CS_STYLE_ERROR_INVALID, "“input.range”" },
  { "no-tensor",        "output", "tensor",        EDIT_REMOVE, NULL, 0, CS_STYLE_ERROR_INVALID, "“output.tensor”" },
  { "multiple",         NULL,     "size_multiple", EDIT_STRING, "4", 0, CS_STYLE_ERROR_INVALID, "“size_multiple”" },
  { "multiple-zero",    NULL,     "size_multiple", EDIT_INT, NULL, 0, CS_STYLE_ERROR_INVALID, "“size_multiple”" },
  { "degree-kind",      "degree", "kind",          EDIT_STRING, "strength", 0, CS_STYLE_ERROR_UNSUPPORTED, "“degree.kind”" },
  { "no-degree",        NULL,     "degree",        EDIT_REMOVE, NULL, 0, CS_STYLE_ERROR_INVALID, "“degree”" },
  { "thumbnail-escapes", NULL,    "thumbnail",     EDIT_STRING, "../../thumb.png", 0, CS_STYLE_ERROR_INVALID, "“thumbnail”" },
};

/* A copy of a valid style.json beside a stand-in model file, edited. */
static char *
edited_style_folder (const char      *label,
                     const StyleCase *sc)
{
  g_autoptr(CsStyle) good = synthetic_style ();
  g_autofree char *base = g_strdup_printf ("bad-style-%s", label);
  char *folder = fresh_folder (base);
  g_autofree char *good_json = g_build_filename (cs_style_get_folder (good), "style.json", NULL);
  g_autofree char *json = g_build_filename (folder, "style.json", NULL);
  g_autofree char *model = g_build_filename (folder, "model.onnx", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  JsonObject *object;

  json_parser_load_from_file (parser, good_json, &error);
  g_assert_no_error (error);
  object = json_node_get_object (json_parser_get_root (parser));
  if (sc != NULL && sc->object != NULL)
    object = json_object_get_object_member (object, sc->object);
  if (sc != NULL)
    switch (sc->edit)
      {
      case EDIT_REMOVE:
        json_object_remove_member (object, sc->member);
        break;
      case EDIT_STRING:
        json_object_set_string_member (object, sc->member, sc->string);
        break;
      case EDIT_INT:
        json_object_set_int_member (object, sc->member, sc->number);
        break;
      case EDIT_NONE:
        break;
      }

  json_generator_set_root (gen, json_parser_get_root (parser));
  text = json_generator_to_data (gen, NULL);
  g_file_set_contents (json, text, -1, &error);
  g_assert_no_error (error);
  /* The style layer does not parse the model; the engine does. */
  g_file_set_contents (model, "not a model", -1, &error);
  g_assert_no_error (error);
  return folder;
}

static void
test_bad_style (gconstpointer data)
{
  const StyleCase *sc = data;
  g_autofree char *folder = edited_style_folder (sc->label, sc);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStyle) style = cs_style_new_from_folder (folder, &error);

  g_assert_null (style);
  g_assert_error (error, CS_STYLE_ERROR, sc->code);
  g_test_message ("%s: %s", sc->label, error->message);
  if (strstr (error->message, sc->expect) == NULL)
    g_error ("“%s” does not mention “%s”", error->message, sc->expect);
}

static void
test_style_folder_errors (void)
{
  g_autofree char *folder = edited_style_folder ("files", NULL);
  g_autofree char *json = g_build_filename (folder, "style.json", NULL);
  g_autofree char *model = g_build_filename (folder, "model.onnx", NULL);
  g_autofree char *outside = tmp_path ("outside.onnx");
  g_autofree char *thumb = g_build_filename (folder, "thumbnail.png", NULL);
  g_autofree char *nowhere = tmp_path ("no-such-style");
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStyle) style = NULL;
  g_autofree char *text = NULL;

  /* The edited copy itself loads; it has no thumbnail, which is allowed. */
  style = cs_style_new_from_folder (folder, &error);
  g_assert_no_error (error);
  g_assert_null (cs_style_get_thumbnail_path (style));
  g_clear_object (&style);

  /* A thumbnail that leads out through a symbolic link is refused. */
  g_file_set_contents (outside, "x", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (symlink (outside, thumb), ==, 0);
  style = cs_style_new_from_folder (folder, &error);
  g_assert_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "outside"));
  g_clear_error (&error);
  g_unlink (thumb);

  /* So is a model that does. */
  g_unlink (model);
  g_assert_cmpint (symlink (outside, model), ==, 0);
  style = cs_style_new_from_folder (folder, &error);
  g_assert_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "“model”"));
  g_clear_error (&error);

  /* Not JSON. */
  g_file_get_contents (json, &text, NULL, &error);
  g_assert_no_error (error);
  text[strlen (text) / 2] = '\0';
  g_file_set_contents (json, text, -1, &error);
  g_assert_no_error (error);
  style = cs_style_new_from_folder (folder, &error);
  g_assert_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "style.json"));
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  /* JSON, but not an object. */
  g_file_set_contents (json, "[1, 2]", -1, &error);
  g_assert_no_error (error);
  style = cs_style_new_from_folder (folder, &error);
  g_assert_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_INVALID);
  g_clear_error (&error);

  /* No style.json. */
  g_unlink (json);
  style = cs_style_new_from_folder (folder, &error);
  g_assert_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "style.json"));
  g_clear_error (&error);

  /* No folder. */
  style = cs_style_new_from_folder (nowhere, &error);
  g_assert_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, nowhere));
  g_clear_error (&error);
}

/* A style.json that checks out but a model the engine refuses. */
static void
test_style_bad_model (void)
{
  g_autofree char *folder = edited_style_folder ("bad-model", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStyle) style = cs_style_new_from_folder (folder, &error);
  g_autoptr(CsStylizer) stylizer = NULL;

  g_assert_no_error (error);
  stylizer = cs_stylizer_new (style, device, CS_PRECISION_AUTO, &error);
  g_assert_null (stylizer);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, cs_style_get_name (style)));
}

/* Images -------------------------------------------------------------------------------- */

static void
test_image (void)
{
  g_autofree char *folder = fresh_folder ("images");
  g_autofree char *png = g_build_filename (folder, "card.png", NULL);
  g_autofree char *jpg = g_build_filename (folder, "card.jpg", NULL);
  g_autofree char *alpha = g_build_filename (folder, "alpha.png", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsImage) card = cs_image_new_test_card (37, 23, &error);
  g_autoptr(CsImage) rounded = NULL;
  g_autoptr(CsImage) back = NULL;
  g_autoptr(CsImage) from_jpg = NULL;
  g_autoptr(CsImage) scaled = NULL;
  g_autoptr(CsImage) with_alpha = NULL;
  g_autoptr(GdkPixbuf) rgba = NULL;
  gsize n;

  g_assert_no_error (error);
  n = 3 * cs_image_plane_size (card);

  /* PNG keeps 8-bit values exactly. */
  rounded = cs_image_copy (card);
  for (gsize i = 0; i < n; i++)
    rounded->data[i] = rintf (rounded->data[i]);
  g_assert_true (cs_image_save (card, png, &error));
  g_assert_no_error (error);
  back = cs_image_load (png, &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->width, ==, 37);
  g_assert_cmpint (back->height, ==, 23);
  g_assert_cmpmem (back->data, n * sizeof (float), rounded->data, n * sizeof (float));

  /* JPEG by the file name, close to the original. */
  g_assert_true (cs_image_save (card, jpg, &error));
  g_assert_no_error (error);
  from_jpg = cs_image_load (jpg, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (relative_error (from_jpg->data, card->data, n), <, 0.05);

  scaled = cs_image_scale (card, 74, 46, &error);
  g_assert_no_error (error);
  g_assert_cmpint (scaled->width, ==, 74);
  g_assert_cmpint (scaled->height, ==, 46);

  /* Transparent pixels come out white, opaque ones as they are. */
  rgba = gdk_pixbuf_new (GDK_COLORSPACE_RGB, TRUE, 8, 2, 1);
  {
    guint8 *p = gdk_pixbuf_get_pixels (rgba);
    const guint8 px[8] = { 10, 20, 30, 0, 10, 20, 30, 255 };

    memcpy (p, px, sizeof px);
  }
  gdk_pixbuf_save (rgba, alpha, "png", &error, NULL);
  g_assert_no_error (error);
  with_alpha = cs_image_load (alpha, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (with_alpha->data[0], ==, 255.0f);
  g_assert_cmpfloat (with_alpha->data[1], ==, 10.0f);
  g_assert_cmpfloat (with_alpha->data[2 + 1], ==, 20.0f);
  g_assert_cmpfloat (with_alpha->data[4 + 1], ==, 30.0f);

  /* Failures: nothing written, clear errors. */
  g_assert_false (cs_image_save (card, "/proc/celshade-test.png", &error));
  g_assert_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_IMAGE);
  g_clear_error (&error);
  g_assert_false (g_file_test ("/proc/celshade-test.png", G_FILE_TEST_EXISTS));
  g_assert_null (cs_image_load ("/nonexistent/x.png", &error));
  g_assert_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  {
    g_autofree char *text = g_build_filename (folder, "text.png", NULL);

    g_file_set_contents (text, "not an image", -1, &error);
    g_assert_no_error (error);
    g_assert_null (cs_image_load (text, &error));
    g_assert_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_IMAGE);
    g_assert_nonnull (strstr (error->message, text));
    g_clear_error (&error);
  }
  g_assert_null (cs_image_new (0, 10, &error));
  g_assert_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* Only the three images written on purpose are there. */
  g_assert_cmpuint (count_entries (folder), ==, 4);
}

/* An upright photo from one whose EXIF orientation says it is turned. */
static void
test_image_orientation (void)
{
  g_autofree char *folder = fresh_folder ("orientation");
  g_autofree char *path = g_build_filename (folder, "turned.jpg", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 40, 20);
  g_autoptr(CsImage) image = NULL;
  g_autofree char *jpeg = NULL;
  gsize length;
  /* An APP1 Exif segment, big-endian TIFF, one IFD entry: Orientation = 6
   * (the camera was turned 90° clockwise). */
  static const guint8 app1[] = {
    0xFF, 0xE1, 0x00, 0x22, 'E', 'x', 'i', 'f', 0, 0,
    'M', 'M', 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08,
    0x00, 0x01,
    0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00,
  };
  g_autoptr(GByteArray) bytes = g_byte_array_new ();

  gdk_pixbuf_fill (pixbuf, 0x336699ff);
  gdk_pixbuf_save_to_buffer (pixbuf, &jpeg, &length, "jpeg", &error, NULL);
  g_assert_no_error (error);
  g_assert_cmpuint (length, >, 2);
  /* SOI, then the Exif segment, then the rest of the JPEG. */
  g_byte_array_append (bytes, (const guint8 *) jpeg, 2);
  g_byte_array_append (bytes, app1, sizeof app1);
  g_byte_array_append (bytes, (const guint8 *) jpeg + 2, length - 2);
  g_file_set_contents (path, (const char *) bytes->data, bytes->len, &error);
  g_assert_no_error (error);

  image = cs_image_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (image->width, ==, 20);
  g_assert_cmpint (image->height, ==, 40);
}

/* The command-line tools ------------------------------------------------------------------ */

typedef struct {
  int   status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *r)
{
  g_free (r->out);
  g_free (r->err);
}

static int
run_tool (Run        *r,
          const char *first,
          ...) G_GNUC_NULL_TERMINATED;

/* Runs a tool; returns its exit status (-1 when it did not exit normally). */
static int
run_tool (Run        *r,
          const char *first,
          ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  int wait_status;
  va_list args;

  va_start (args, first);
  for (const char *p = first; p != NULL; p = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) p);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  memset (r, 0, sizeof *r);
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &r->out, &r->err,
                &wait_status, &error);
  g_assert_no_error (error);
  r->status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : -1;
  {
    g_autofree char *line = g_strjoinv (" ", (char **) argv->pdata);

    g_test_message ("%s: exit %d\n%s%s", line, r->status, r->out, r->err);
  }
  return r->status;
}

static void
assert_failed (Run        *r,
               const char *tool,
               const char *fragment)
{
  g_autofree char *prefix = g_strdup_printf ("%s: ", tool);

  g_assert_cmpint (r->status, ==, 1);
  g_assert_true (g_str_has_prefix (r->err, prefix));
  if (fragment != NULL && strstr (r->err, fragment) == NULL)
    g_error ("“%s” does not mention “%s”", r->err, fragment);
}

static void
test_cli_errors (void)
{
  g_autoptr(CsStyle) synthetic = synthetic_style ();
  g_autofree char *ckpt = synthetic_checkpoint ();
  g_autofree char *folder = fresh_folder ("cli-errors");
  g_autofree char *input = g_build_filename (folder, "in.png", NULL);
  g_autofree char *output = g_build_filename (folder, "out.png", NULL);
  g_autofree char *text = g_build_filename (folder, "notes.txt", NULL);
  g_autofree char *video = g_build_filename (folder, "clip.mp4", NULL);
  g_autofree char *broken = g_build_filename (folder, "broken-ckpt", NULL);
  g_autofree char *broken_dest = g_build_filename (folder, "broken-style", NULL);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(CsImage) card = cs_image_new_test_card (64, 48, NULL);
  g_autoptr(GError) error = NULL;
  const char *style = cs_style_get_folder (synthetic);
  gsize before_len, after_len;
  Run r;

  g_assert_true (cs_image_save (card, input, &error));
  g_assert_no_error (error);
  g_file_set_contents (text, "hello", -1, &error);
  g_assert_no_error (error);
  /* The start of an MP4 file: enough to be recognised as video. */
  g_file_set_contents (video, "\x00\x00\x00\x18" "ftypmp42\x00\x00\x00\x00" "mp42isom", 24, &error);
  g_assert_no_error (error);

  g_assert_cmpint (run_tool (&r, CS_RENDER_EXE, "--version", NULL), ==, 0);
  g_assert_nonnull (strstr (r.out, CS_VERSION));
  run_clear (&r);
  g_assert_cmpint (run_tool (&r, CS_RENDER_EXE, "--help", NULL), ==, 0);
  g_assert_nonnull (strstr (r.out, "--degree"));
  run_clear (&r);
  g_assert_cmpint (run_tool (&r, CS_IMPORT_EXE, "--version", NULL), ==, 0);
  g_assert_nonnull (strstr (r.out, CS_VERSION));
  run_clear (&r);
  g_assert_cmpint (run_tool (&r, CS_IMPORT_EXE, "--help", NULL), ==, 0);
  g_assert_nonnull (strstr (r.out, "fast-style-transfer"));
  run_clear (&r);

  /* A bad style folder. */
  run_tool (&r, CS_RENDER_EXE, input, "-o", output, "--style", folder, NULL);
  assert_failed (&r, "celshade-render", "style.json");
  run_clear (&r);
  g_assert_false (g_file_test (output, G_FILE_TEST_EXISTS));

  /* An output that cannot be written. */
  run_tool (&r, CS_RENDER_EXE, input, "-o", "/proc/celshade-x.png", "--style", style, NULL);
  assert_failed (&r, "celshade-render", "/proc/celshade-x.png");
  run_clear (&r);
  g_assert_false (g_file_test ("/proc/celshade-x.png", G_FILE_TEST_EXISTS));

  run_tool (&r, CS_RENDER_EXE, input, "-o", "/nonexistent-folder/x.png", "--style", style, NULL);
  assert_failed (&r, "celshade-render", "/nonexistent-folder");
  run_clear (&r);

  /* The output is the input, by the same name or another. */
  g_file_get_contents (input, &before, &before_len, &error);
  g_assert_no_error (error);
  run_tool (&r, CS_RENDER_EXE, input, "-o", input, "--style", style, NULL);
  assert_failed (&r, "celshade-render", "input itself");
  run_clear (&r);
  {
    g_autofree char *dotted = g_build_filename (folder, ".", "in.png", NULL);

    run_tool (&r, CS_RENDER_EXE, input, "-o", dotted, "--style", style, NULL);
    assert_failed (&r, "celshade-render", "input itself");
    run_clear (&r);
  }
  g_file_get_contents (input, &after, &after_len, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (before, before_len, after, after_len);

  /* Neither an image nor a clip; the head of a clip and nothing more; nothing at all. */
  run_tool (&r, CS_RENDER_EXE, text, "-o", output, "--style", style, NULL);
  assert_failed (&r, "celshade-render", "not a video or audio file");
  run_clear (&r);
  run_tool (&r, CS_RENDER_EXE, video, "-o", output, "--style", style, NULL);
  assert_failed (&r, "celshade-render", "cannot be read");
  run_clear (&r);
  run_tool (&r, CS_RENDER_EXE, "/nonexistent.png", "-o", output, "--style", style, NULL);
  assert_failed (&r, "celshade-render", "does not exist");
  run_clear (&r);

  /* Bad arguments. */
  run_tool (&r, CS_RENDER_EXE, input, "-o", output, "--style", style, "--degree", "1.5", NULL);
  assert_failed (&r, "celshade-render", "--degree");
  run_clear (&r);
  run_tool (&r, CS_RENDER_EXE, input, "-o", output, "--style", style, "--precision", "fp8", NULL);
  assert_failed (&r, "celshade-render", "--precision");
  run_clear (&r);
  run_tool (&r, CS_RENDER_EXE, input, "--style", style, NULL);
  assert_failed (&r, "celshade-render", "-o");
  run_clear (&r);
  run_tool (&r, CS_RENDER_EXE, input, "-o", text, "--style", style, NULL);
  assert_failed (&r, "celshade-render", ".png");
  run_clear (&r);
  run_tool (&r, CS_RENDER_EXE, input, "-o", output, "--style", style, "--bogus", NULL);
  assert_failed (&r, "celshade-render", "--bogus");
  run_clear (&r);
  g_assert_false (g_file_test (output, G_FILE_TEST_EXISTS));

  /* The importer's refusals. */
  run_tool (&r, CS_IMPORT_EXE, "pytorch", ckpt, broken_dest, NULL);
  assert_failed (&r, "celshade-import", "pytorch");
  run_clear (&r);
  run_tool (&r, CS_IMPORT_EXE, "fast-style-transfer", ckpt, NULL);
  assert_failed (&r, "celshade-import", NULL);
  run_clear (&r);
  run_tool (&r, CS_IMPORT_EXE, "fast-style-transfer", ckpt, style, NULL);
  assert_failed (&r, "celshade-import", "already exists");
  run_clear (&r);
  write_checkpoint (broken, BREAK_SHORT_FILE);
  run_tool (&r, CS_IMPORT_EXE, "fast-style-transfer", broken, broken_dest, NULL);
  assert_failed (&r, "celshade-import", "Variable_12");
  run_clear (&r);
  g_assert_false (g_file_test (broken_dest, G_FILE_TEST_EXISTS));

  /* Nothing but what the test wrote. */
  g_assert_cmpuint (count_entries (folder), ==, 4);
}

/* celshade-import onnx: a model in, a style out; a refused model named. */
static void
test_cli_onnx (void)
{
  g_autoptr(CsStyle) synthetic = synthetic_style ();
  g_autofree char *root = fresh_folder ("cli-onnx");
  g_autofree char *style_dir = g_build_filename (root, "from-onnx", NULL);
  g_autofree char *refused_dir = g_build_filename (root, "refused", NULL);
  g_autofree char *fixed = write_model (root, "fixed.onnx", MODEL_FIXED_SIZE);
  g_autoptr(CsStyle) style = NULL;
  g_autoptr(GError) error = NULL;
  Run r;

  g_assert_cmpint (run_tool (&r, CS_IMPORT_EXE, "onnx", cs_style_get_model_path (synthetic), style_dir,
                             "--name", "From ONNX", "--licence", "MIT", NULL), ==, 0);
  g_assert_nonnull (strstr (r.out, "From ONNX"));
  run_clear (&r);
  style = cs_style_new_from_folder (style_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cs_style_get_kind (style), ==, "onnx");
  g_assert_cmpstr (cs_style_get_licence (style), ==, "MIT");

  run_tool (&r, CS_IMPORT_EXE, "onnx", fixed, refused_dir, NULL);
  assert_failed (&r, "celshade-import", fixed);
  run_clear (&r);
  g_assert_false (g_file_test (refused_dir, G_FILE_TEST_EXISTS));
}

static void
test_cli_real (void)
{
  g_autofree char *ckpt = data_path ("styles", "ml5", "udnie", NULL);
  g_autofree char *photo = data_path ("images", "face_038648.jpg", NULL);
  g_autofree char *folder = NULL;
  g_autofree char *style = NULL;
  g_autofree char *output = NULL;
  g_autofree char *output_jpg = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(CsStyle) imported = NULL;
  Run r;

  if (ckpt == NULL || photo == NULL)
    return;
  folder = fresh_folder ("cli-real");
  style = g_build_filename (folder, "styles", "udnie", NULL);
  output = g_build_filename (folder, "styled.png", NULL);
  output_jpg = g_build_filename (folder, "styled.jpg", NULL);

  g_assert_cmpint (run_tool (&r, CS_IMPORT_EXE, "fast-style-transfer", ckpt, style,
                             "--name", "Udnie", "--licence", "MIT", "--author", "Francis Picabia (artwork)",
                             "--thumbnail-image", photo, NULL), ==, 0);
  g_assert_nonnull (strstr (r.out, "Udnie"));
  run_clear (&r);
  imported = cs_style_new_from_folder (style, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cs_style_get_licence (imported), ==, "MIT");
  g_assert_cmpstr (cs_style_get_authors (imported)[0], ==, "Francis Picabia (artwork)");

  g_assert_cmpint (run_tool (&r, CS_RENDER_EXE, photo, "-o", output, "--style", style,
                             "--degree", "0.8", NULL), ==, 0);
  run_clear (&r);
  pixbuf = gdk_pixbuf_new_from_file (output, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, 500);
  g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, 333);
  g_clear_object (&pixbuf);

  /* Degree 0 gives the photo back, here through JPEG and fp16 if there is. */
  g_assert_cmpint (run_tool (&r, CS_RENDER_EXE, photo, "-o", output_jpg, "--style", style, "--degree", "0",
                             "--precision", cs_device_supports_fp16 (device) ? "fp16" : "fp32", "-q", NULL), ==, 0);
  g_assert_cmpstr (r.out, ==, "");
  run_clear (&r);
  pixbuf = gdk_pixbuf_new_from_file (output_jpg, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, 500);

  g_assert_cmpuint (count_entries (folder), ==, 3);
}

static void
test_validation (void)
{
  g_test_message ("%u validation messages on %s", cs_device_get_validation_errors (device),
                  cs_device_get_name (device));
  assert_no_validation_errors ();
}

/* Set-up -------------------------------------------------------------------------------- */

static char *
find_data_dir (void)
{
  const char *env = g_getenv ("CELSHADE_TEST_DATA");
  g_autofree char *fallback = g_build_filename (CS_SOURCE_DIR, "..", "shared", "data", NULL);

  if (env != NULL && *env != '\0')
    return g_file_test (env, G_FILE_TEST_IS_DIR) ? g_strdup (env) : NULL;
  return g_file_test (fallback, G_FILE_TEST_IS_DIR) ? g_steal_pointer (&fallback) : NULL;
}

static gboolean
find_reference (void)
{
  const char *argv[] = { PYTHON, "-c", "import numpy", NULL };
  int status;

  return g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                       NULL, NULL, NULL, NULL, &status, NULL) &&
         g_spawn_check_wait_status (status, NULL);
}

int
main (int   argc,
      char *argv[])
{
  static const char * const ml5[] = {
    "la_muse", "mathura", "matilde_perez", "rain_princess", "scream", "udnie", "wave",
  };
  g_autoptr(GError) error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);

  data_dir = find_data_dir ();
  have_reference = find_reference ();
  tmp_dir = g_dir_make_tmp ("celshade-styles-XXXXXX", &error);
  g_assert_no_error (error);
  device = cs_device_new (NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/styles/image/basics", test_image);
  g_test_add_func ("/styles/image/orientation", test_image_orientation);
  g_test_add_func ("/styles/import/synthetic", test_import_synthetic);
  for (guint i = 0; i < G_N_ELEMENTS (ml5); i++)
    {
      g_autofree char *path = g_strdup_printf ("/styles/import/ml5/%s", ml5[i]);

      g_test_add_data_func (path, ml5[i], test_import_real);
    }
  g_test_add_func ("/styles/import/refusals", test_import_refusals);
  g_test_add_func ("/styles/onnx/import", test_onnx_import);
  for (guint i = 0; i < G_N_ELEMENTS (onnx_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/styles/onnx/refused/%s", onnx_cases[i].label);

      g_test_add_data_func (path, &onnx_cases[i], test_onnx_refusal);
    }
  for (guint i = 0; i < G_N_ELEMENTS (broken_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/styles/import/broken/%s", broken_cases[i].label);

      g_test_add_data_func (path, &broken_cases[i], test_broken_checkpoint);
    }
  for (guint i = 0; i < G_N_ELEMENTS (style_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/styles/style/bad/%s", style_cases[i].label);

      g_test_add_data_func (path, &style_cases[i], test_bad_style);
    }
  g_test_add_func ("/styles/style/files", test_style_folder_errors);
  g_test_add_func ("/styles/style/bad-model", test_style_bad_model);
  g_test_add_func ("/styles/stylizer/degree", test_degree);
  g_test_add_func ("/styles/stylizer/padding", test_padding);
  g_test_add_func ("/styles/stylizer/fp16", test_stylizer_fp16);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/styles/reference/%s/%dx%d", cases[i].style,
                                               cases[i].width, cases[i].height);

      g_test_add_data_func (path, &cases[i], test_fst_reference);
    }
  g_test_add_func ("/styles/cli/errors", test_cli_errors);
  g_test_add_func ("/styles/cli/real", test_cli_real);
  g_test_add_func ("/styles/cli/onnx", test_cli_onnx);
  /* A suite of its own, added last, so that it runs after all the others. */
  g_test_add_func ("/styles/end/validation", test_validation);

  ret = g_test_run ();
  if (ret == 0 && cs_device_get_validation_errors (device) > 0)
    {
      g_printerr ("%u Vulkan validation messages\n", cs_device_get_validation_errors (device));
      ret = 1;
    }

  g_object_unref (device);
  cs_test_remove_tree (tmp_dir);
  g_free (tmp_dir);
  g_free (data_dir);
  return ret;
}
