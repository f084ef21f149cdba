/* cs-fst-import.c: fast-style-transfer checkpoints into styles
 *
 * The network (DESIGN.md, "The fast-style-transfer checkpoint layout") was
 * trained in TensorFlow with SAME padding. For stride-1 convolutions with odd
 * kernels that is (k-1)/2 on every side whatever the size; for the stride-2
 * ones the odd pixel goes after and its presence depends on whether the side
 * is odd or even, which is exactly ONNX's auto_pad=SAME_UPPER. The transposed
 * convolutions give exactly twice their input: the full (in-1)*2+3 result
 * with one pixel cropped at the end, ONNX ConvTranspose pads [0, 0, 1, 1].
 * So one model with symbolic height and width is exact for every size.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "cs-fst-import.h"
#include "cs-image.h"
#include "cs-style.h"
#include "cs-styles-private.h"
#include "cs-stylizer.h"

#define N_LAYERS 16
#define N_VARIABLES (3 * N_LAYERS)
#define IN_EPSILON 1e-3f

typedef enum {
  LAYER_CONV,
  LAYER_RES,     /* a convolution inside a residual block */
  LAYER_DECONV,
} LayerKind;

typedef struct {
  const char *name;
  LayerKind   kind;
  int         kernel;
  int         stride;
  int         in;
  int         out;
  gboolean    relu;  /* else, for LAYER_RES, the block's closing Add */
} Layer;

/* In checkpoint order: each layer owns variables 3n (weight), 3n+1
 * (instance-norm shift) and 3n+2 (instance-norm scale). */
static const Layer layers[N_LAYERS] = {
  { "conv1",   LAYER_CONV,   9, 1,   3,  32, TRUE  },
  { "conv2",   LAYER_CONV,   3, 2,  32,  64, TRUE  },
  { "conv3",   LAYER_CONV,   3, 2,  64, 128, TRUE  },
  { "res1_a",  LAYER_RES,    3, 1, 128, 128, TRUE  },
  { "res1_b",  LAYER_RES,    3, 1, 128, 128, FALSE },
  { "res2_a",  LAYER_RES,    3, 1, 128, 128, TRUE  },
  { "res2_b",  LAYER_RES,    3, 1, 128, 128, FALSE },
  { "res3_a",  LAYER_RES,    3, 1, 128, 128, TRUE  },
  { "res3_b",  LAYER_RES,    3, 1, 128, 128, FALSE },
  { "res4_a",  LAYER_RES,    3, 1, 128, 128, TRUE  },
  { "res4_b",  LAYER_RES,    3, 1, 128, 128, FALSE },
  { "res5_a",  LAYER_RES,    3, 1, 128, 128, TRUE  },
  { "res5_b",  LAYER_RES,    3, 1, 128, 128, FALSE },
  { "deconv1", LAYER_DECONV, 3, 2, 128,  64, TRUE  },
  { "deconv2", LAYER_DECONV, 3, 2,  64,  32, TRUE  },
  { "conv4",   LAYER_CONV,   9, 1,  32,   3, FALSE },
};

typedef struct {
  int     rank;
  int64_t dims[4];
  float  *data;
  gsize   n;
} Variable;

typedef struct {
  Variable vars[N_VARIABLES];
} Checkpoint;

static void
checkpoint_free (Checkpoint *ckpt)
{
  for (guint i = 0; i < N_VARIABLES; i++)
    g_free (ckpt->vars[i].data);
  g_free (ckpt);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Checkpoint, checkpoint_free)

static char *
variable_name (guint index)
{
  return index == 0 ? g_strdup ("Variable") : g_strdup_printf ("Variable_%u", index);
}

/* The shape DESIGN.md gives variable index: [kh, kw, in, out] for
 * convolutions, [kh, kw, out, in] for transposed ones, [out] for the rest. */
static int
expected_shape (guint    index,
                int64_t *dims)
{
  const Layer *l = &layers[index / 3];

  if (index % 3 != 0)
    {
      dims[0] = l->out;
      return 1;
    }
  dims[0] = dims[1] = l->kernel;
  dims[2] = l->kind == LAYER_DECONV ? l->out : l->in;
  dims[3] = l->kind == LAYER_DECONV ? l->in : l->out;
  return 4;
}

static char *
shape_to_string (const int64_t *dims,
                 int            rank)
{
  GString *s = g_string_new ("[");

  for (int i = 0; i < rank; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? ", " : "", dims[i]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

/* Reads one variable's manifest entry and file, checking both against the
 * network's layout. */
static gboolean
read_variable (const char  *folder,
               const char  *manifest_path,
               JsonObject  *manifest,
               guint        index,
               Variable    *var,
               GError     **error)
{
  g_autofree char *name = variable_name (index);
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *got = NULL;
  g_autofree char *want = NULL;
  g_autoptr(GError) local = NULL;
  int64_t dims[4];
  JsonObject *entry;
  JsonNode *node, *filename_node, *shape_node;
  JsonArray *shape;
  const char *filename;
  gsize length = 0, n_bytes;
  int rank;

  node = json_object_has_member (manifest, name) ? json_object_get_member (manifest, name) : NULL;
  if (node == NULL)
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_CHECKPOINT,
                   _("%s has no entry for the variable %s"), manifest_path, name);
      return FALSE;
    }
  entry = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  filename_node = entry != NULL && json_object_has_member (entry, "filename")
                  ? json_object_get_member (entry, "filename") : NULL;
  shape_node = entry != NULL && json_object_has_member (entry, "shape")
               ? json_object_get_member (entry, "shape") : NULL;
  if (filename_node == NULL || !JSON_NODE_HOLDS_VALUE (filename_node) ||
      json_node_get_value_type (filename_node) != G_TYPE_STRING ||
      shape_node == NULL || !JSON_NODE_HOLDS_ARRAY (shape_node))
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_CHECKPOINT,
                   _("%s: the entry for %s must be an object with a “filename” string and a “shape” list"),
                   manifest_path, name);
      return FALSE;
    }

  filename = json_node_get_string (filename_node);
  if (!cs_styles_is_plain_relative_path (filename) || strchr (filename, '/') != NULL)
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_CHECKPOINT,
                   _("%s: %s names the file “%s”, which is not a file in the checkpoint's folder"),
                   manifest_path, name, filename);
      return FALSE;
    }

  shape = json_node_get_array (shape_node);
  rank = expected_shape (index, dims);
  want = shape_to_string (dims, rank);
  {
    GString *s = g_string_new ("[");
    gboolean match = json_array_get_length (shape) == (guint) rank;

    for (guint i = 0; i < json_array_get_length (shape); i++)
      {
        JsonNode *d = json_array_get_element (shape, i);

        if (!JSON_NODE_HOLDS_VALUE (d) || json_node_get_value_type (d) != G_TYPE_INT64)
          {
            g_string_free (s, TRUE);
            g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_CHECKPOINT,
                         _("%s: the shape of %s must be a list of whole numbers"), manifest_path, name);
            return FALSE;
          }
        g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? ", " : "", json_node_get_int (d));
        if (match && json_node_get_int (d) != dims[i])
          match = FALSE;
      }
    g_string_append_c (s, ']');
    got = g_string_free (s, FALSE);

    if (!match)
      {
        g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_CHECKPOINT,
                     _("%s: %s (file “%s”) has shape %s, but a fast-style-transfer network needs %s there"),
                     manifest_path, name, filename, got, want);
        return FALSE;
      }
  }

  var->rank = rank;
  memcpy (var->dims, dims, sizeof dims);
  var->n = 1;
  for (int i = 0; i < rank; i++)
    var->n *= (gsize) dims[i];
  n_bytes = var->n * sizeof (float);

  path = g_build_filename (folder, filename, NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_CHECKPOINT,
                   _("The checkpoint is incomplete: the file “%s” of variable %s is missing"), path, name);
      return FALSE;
    }
  if (!g_file_get_contents (path, &contents, &length, &local))
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_CHECKPOINT,
                   _("Cannot read variable %s: %s"), name, local->message);
      return FALSE;
    }
  if (length != n_bytes)
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_CHECKPOINT,
                   _("The file “%s” of variable %s holds %" G_GSIZE_FORMAT " bytes, but its shape %s "
                     "needs %" G_GSIZE_FORMAT " (float32)"),
                   path, name, length, want, n_bytes);
      return FALSE;
    }

  var->data = g_new (float, var->n);
  for (gsize i = 0; i < var->n; i++)
    {
      guint32 bits;

      memcpy (&bits, contents + 4 * i, 4);
      bits = GUINT32_FROM_LE (bits);
      memcpy (&var->data[i], &bits, 4);
      if (!isfinite (var->data[i]))
        {
          g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_CHECKPOINT,
                       _("The file “%s” of variable %s holds a value that is not a finite number "
                         "(at element %" G_GSIZE_FORMAT "); the checkpoint is damaged"),
                       path, name, i);
          return FALSE;
        }
    }

  return TRUE;
}

static Checkpoint *
read_checkpoint (const char   *folder,
                 GCancellable *cancellable,
                 GError      **error)
{
  g_autoptr(Checkpoint) ckpt = g_new0 (Checkpoint, 1);
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local = NULL;
  g_autofree char *manifest_path = g_build_filename (folder, "manifest.json", NULL);
  JsonNode *root;

  if (!g_file_test (folder, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_NOT_FOUND,
                   _("The checkpoint folder “%s” does not exist or is not a folder"), folder);
      return NULL;
    }
  if (!g_file_test (manifest_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_CHECKPOINT,
                   _("“%s” is not a fast-style-transfer checkpoint: it has no manifest.json"), folder);
      return NULL;
    }
  if (!json_parser_load_from_mapped_file (parser, manifest_path, &local))
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_CHECKPOINT,
                   _("%s is not valid JSON: %s"), manifest_path, local->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_CHECKPOINT,
                   _("%s must hold a JSON object mapping variable names to files and shapes"),
                   manifest_path);
      return NULL;
    }

  for (guint i = 0; i < N_VARIABLES; i++)
    {
      if (cs_style_import_check_cancelled (cancellable, error) ||
          !read_variable (folder, manifest_path, json_node_get_object (root), i, &ckpt->vars[i], error))
        return NULL;
    }

  return g_steal_pointer (&ckpt);
}

/* [kh, kw, a, b] -> [b, a, kh, kw]: a convolution's [kh, kw, in, out]
 * becomes Conv's [out, in, kh, kw] and a transposed convolution's
 * [kh, kw, out, in] becomes ConvTranspose's [in, out, kh, kw]. */
static float *
to_onnx_layout (const Variable *v,
                int64_t        *dims)
{
  int64_t kh = v->dims[0], kw = v->dims[1], a = v->dims[2], b = v->dims[3];
  float *out = g_new (float, v->n);

  for (int64_t i = 0; i < kh; i++)
    for (int64_t j = 0; j < kw; j++)
      for (int64_t p = 0; p < a; p++)
        for (int64_t q = 0; q < b; q++)
          out[((q * a + p) * kh + i) * kw + j] = v->data[((i * kw + j) * a + p) * b + q];

  dims[0] = b;
  dims[1] = a;
  dims[2] = kh;
  dims[3] = kw;
  return out;
}

static void
add_scalar (CsOnnxWriter *w,
            const char   *name,
            float         value)
{
  cs_onnx_writer_add_float_initializer (w, name, NULL, 0, &value, 1);
}

static CsOnnxWriter *
build_model (const Checkpoint *ckpt,
             const char       *doc)
{
  g_autoptr(CsOnnxWriter) w = cs_onnx_writer_new ("fast_style_transfer", 13);
  g_autofree char *x = g_strdup ("input");
  g_autofree char *block_input = NULL;

  cs_onnx_writer_set_producer (w, "celshade-import", CS_VERSION);
  cs_onnx_writer_set_doc (w, doc);
  cs_onnx_writer_add_input (w, "input", "1,3,height,width");

  add_scalar (w, "const_150", 150.0f);
  add_scalar (w, "const_127_5", 127.5f);
  add_scalar (w, "const_0", 0.0f);
  add_scalar (w, "const_255", 255.0f);

  for (guint n = 0; n < N_LAYERS; n++)
    {
      const Layer *l = &layers[n];
      const Variable *weight = &ckpt->vars[3 * n];
      const Variable *shift = &ckpt->vars[3 * n + 1];
      const Variable *scale = &ckpt->vars[3 * n + 2];
      g_autofree char *wname = g_strconcat (l->name, ".weight", NULL);
      g_autofree char *sname = g_strconcat (l->name, ".in_scale", NULL);
      g_autofree char *bname = g_strconcat (l->name, ".in_shift", NULL);
      g_autofree char *conv = g_strconcat (l->name, ".conv", NULL);
      g_autofree char *norm = g_strconcat (l->name, ".norm", NULL);
      g_autofree float *wdata = NULL;
      int64_t wdims[4];
      int64_t k = l->kernel, s = l->stride;

      if (l->kind == LAYER_RES && l->relu)
        {
          g_free (block_input);
          block_input = g_strdup (x);
        }

      wdata = to_onnx_layout (weight, wdims);
      cs_onnx_writer_add_float_initializer (w, wname, wdims, 4, wdata, weight->n);

      if (l->kind == LAYER_DECONV)
        {
          cs_onnx_writer_add_node (w, "ConvTranspose", conv, CS_ONNX_NAMES (x, wname), CS_ONNX_NAMES (conv));
          cs_onnx_writer_node_set_ints (w, "kernel_shape", CS_ONNX_DIMS (k, k));
          cs_onnx_writer_node_set_ints (w, "strides", CS_ONNX_DIMS (s, s));
          cs_onnx_writer_node_set_ints (w, "pads", CS_ONNX_DIMS (0, 0, 1, 1));
        }
      else
        {
          cs_onnx_writer_add_node (w, "Conv", conv, CS_ONNX_NAMES (x, wname), CS_ONNX_NAMES (conv));
          cs_onnx_writer_node_set_ints (w, "kernel_shape", CS_ONNX_DIMS (k, k));
          cs_onnx_writer_node_set_ints (w, "strides", CS_ONNX_DIMS (s, s));
          if (s == 1)
            {
              int64_t p = (k - 1) / 2;

              cs_onnx_writer_node_set_ints (w, "pads", CS_ONNX_DIMS (p, p, p, p));
            }
          else
            cs_onnx_writer_node_set_string (w, "auto_pad", "SAME_UPPER");
        }

      /* The checkpoint keeps shift before scale; ONNX takes scale first. */
      cs_onnx_writer_add_float_initializer (w, sname, scale->dims, 1, scale->data, scale->n);
      cs_onnx_writer_add_float_initializer (w, bname, shift->dims, 1, shift->data, shift->n);
      cs_onnx_writer_add_node (w, "InstanceNormalization", norm, CS_ONNX_NAMES (conv, sname, bname),
                               CS_ONNX_NAMES (norm));
      cs_onnx_writer_node_set_float (w, "epsilon", IN_EPSILON);
      g_free (x);
      x = g_strdup (norm);

      if (l->relu)
        {
          g_autofree char *relu = g_strconcat (l->name, ".relu", NULL);

          cs_onnx_writer_add_node (w, "Relu", relu, CS_ONNX_NAMES (x), CS_ONNX_NAMES (relu));
          g_free (x);
          x = g_steal_pointer (&relu);
        }
      else if (l->kind == LAYER_RES)
        {
          g_autofree char *add = g_strconcat (l->name, ".add", NULL);

          cs_onnx_writer_add_node (w, "Add", add, CS_ONNX_NAMES (block_input, x), CS_ONNX_NAMES (add));
          g_free (x);
          x = g_steal_pointer (&add);
        }
    }

  cs_onnx_writer_add_node (w, "Tanh", "tanh", CS_ONNX_NAMES (x), CS_ONNX_NAMES ("tanh"));
  cs_onnx_writer_add_node (w, "Mul", "scale_150", CS_ONNX_NAMES ("tanh", "const_150"), CS_ONNX_NAMES ("scaled"));
  cs_onnx_writer_add_node (w, "Add", "add_127_5", CS_ONNX_NAMES ("scaled", "const_127_5"), CS_ONNX_NAMES ("shifted"));
  cs_onnx_writer_add_node (w, "Clip", "clip_0_255", CS_ONNX_NAMES ("shifted", "const_0", "const_255"),
                           CS_ONNX_NAMES ("output"));
  cs_onnx_writer_add_output (w, "output", "1,3,out_height,out_width");

  return g_steal_pointer (&w);
}

/* Thumbnail -------------------------------------------------------------------------- */

/* The largest centred square of the image, scaled to size x size. */
static CsImage *
square_thumbnail_source (const CsImage *image,
                         int            size,
                         GError       **error)
{
  int side = MIN (image->width, image->height);
  int x0 = (image->width - side) / 2, y0 = (image->height - side) / 2;
  g_autoptr(CsImage) square = cs_image_new (side, side, error);
  gsize in_plane, out_plane;

  if (square == NULL)
    return NULL;
  in_plane = cs_image_plane_size (image);
  out_plane = cs_image_plane_size (square);
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < side; y++)
      memcpy (square->data + c * out_plane + (gsize) y * side,
              image->data + c * in_plane + (gsize) (y0 + y) * image->width + x0,
              sizeof (float) * side);

  return cs_image_scale (square, size, size, error);
}

static gboolean
render_thumbnail (const char   *folder,
                  const char   *image_path,
                  CsDevice     *device,
                  GCancellable *cancellable,
                  GError      **error)
{
  g_autoptr(CsStyle) style = NULL;
  g_autoptr(CsDevice) own_device = NULL;
  g_autoptr(CsStylizer) stylizer = NULL;
  g_autoptr(CsImage) source = NULL;
  g_autoptr(CsImage) styled = NULL;
  g_autofree char *path = g_build_filename (folder, "thumbnail.png", NULL);

  /* Loading the new folder as a style checks what was just written. */
  style = cs_style_new_from_folder (folder, error);
  if (style == NULL)
    return FALSE;

  if (image_path != NULL)
    {
      g_autoptr(CsImage) photo = cs_image_load (image_path, error);

      if (photo == NULL)
        return FALSE;
      source = square_thumbnail_source (photo, CS_FST_THUMBNAIL_SIZE, error);
    }
  else
    source = cs_image_new_test_card (CS_FST_THUMBNAIL_SIZE, CS_FST_THUMBNAIL_SIZE, error);
  if (source == NULL)
    return FALSE;

  if (device == NULL)
    {
      own_device = cs_device_new (NULL, error);
      if (own_device == NULL)
        {
          g_prefix_error (error, _("Cannot render the style's thumbnail: "));
          return FALSE;
        }
      device = own_device;
    }

  stylizer = cs_stylizer_new (style, device, CS_PRECISION_AUTO, error);
  if (stylizer == NULL)
    return FALSE;
  styled = cs_stylizer_run (stylizer, source, 1.0, cancellable, error);
  if (styled == NULL)
    return FALSE;

  return cs_image_save (styled, path, error);
}

/* Import ----------------------------------------------------------------------------- */

static char *
default_name (const char *checkpoint_dir)
{
  g_autofree char *base = g_path_get_basename (checkpoint_dir);
  GString *name = g_string_new (NULL);
  gboolean word_start = TRUE;

  for (const char *p = base; *p != '\0'; p++)
    {
      if (*p == '_' || *p == '-')
        {
          g_string_append_c (name, ' ');
          word_start = TRUE;
        }
      else
        {
          g_string_append_c (name, word_start ? g_ascii_toupper (*p) : *p);
          word_start = FALSE;
        }
    }
  if (name->len == 0)
    g_string_append (name, _("Imported style"));
  return g_string_free (name, FALSE);
}

gboolean
cs_fst_import (const char   *checkpoint_dir,
               const char   *style_dir,
               const char   *name,
               GCancellable *cancellable,
               GError      **error)
{
  CsFstImportOptions options = { .name = name };

  return cs_fst_import_with_options (checkpoint_dir, style_dir, &options, cancellable, error);
}

gboolean
cs_fst_import_with_options (const char               *checkpoint_dir,
                            const char               *style_dir,
                            const CsFstImportOptions *options,
                            GCancellable             *cancellable,
                            GError                  **error)
{
  static const CsFstImportOptions defaults = { NULL };
  g_autoptr(GFile) dest_file = NULL;
  g_autoptr(GFile) ckpt_file = NULL;
  g_autoptr(Checkpoint) ckpt = NULL;
  g_autoptr(CsOnnxWriter) writer = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *dest = NULL;
  g_autofree char *ckpt_path = NULL;
  g_autofree char *parent = NULL;
  g_autofree char *base = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *name = NULL;
  g_autofree char *id = NULL;
  g_autofree char *source = NULL;
  g_autofree char *doc = NULL;
  g_autofree char *model_path = NULL;
  g_autofree char *json_path = NULL;
  const char *licence;
  gboolean ok;

  g_return_val_if_fail (checkpoint_dir != NULL, FALSE);
  g_return_val_if_fail (style_dir != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (options == NULL)
    options = &defaults;

  dest_file = g_file_new_for_path (style_dir);
  dest = g_file_get_path (dest_file);
  ckpt_file = g_file_new_for_path (checkpoint_dir);
  ckpt_path = g_file_get_path (ckpt_file);

  if (g_file_test (dest, G_FILE_TEST_EXISTS) || g_file_test (dest, G_FILE_TEST_IS_SYMLINK))
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_EXISTS,
                   _("“%s” already exists; choose another folder for the style"), dest);
      return FALSE;
    }

  /* Everything is read and checked before anything is written. */
  ckpt = read_checkpoint (ckpt_path, cancellable, error);
  if (ckpt == NULL)
    return FALSE;

  name = options->name != NULL && *options->name != '\0' ? g_strdup (options->name) : default_name (ckpt_path);
  id = cs_style_import_id_from_folder (dest);
  licence = options->licence != NULL && *options->licence != '\0' ? options->licence : "unknown";
  source = options->source != NULL && *options->source != '\0'
           ? g_strdup (options->source)
           : g_strdup_printf ("fast-style-transfer checkpoint %s", ckpt_path);
  doc = g_strdup_printf ("%s: fast style transfer network (Johnson et al. 2016 architecture), "
                         "imported by Celshade from %s. Licence: %s. Input and output: NCHW RGB in 0..255.",
                         name, source, licence);
  writer = build_model (ckpt, doc);
  g_clear_pointer (&ckpt, checkpoint_free);

  parent = g_path_get_dirname (dest);
  base = g_path_get_basename (dest);
  if (g_mkdir_with_parents (parent, 0777) != 0)
    {
      int saved = errno;

      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_FAILED,
                   _("Cannot make the folder “%s”: %s"), parent, g_strerror (saved));
      return FALSE;
    }

  /* A hidden sibling: on the same file system, so the final rename is
   * atomic, and not mistaken for a style by a library scan. */
  tmp = g_strdup_printf ("%s/.%s.import-XXXXXX", parent, base);
  if (g_mkdtemp_full (tmp, 0755) == NULL)
    {
      int saved = errno;

      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_FAILED,
                   _("Cannot write in the folder “%s”: %s"), parent, g_strerror (saved));
      return FALSE;
    }

  model_path = g_build_filename (tmp, "model.onnx", NULL);
  json_path = g_build_filename (tmp, "style.json", NULL);

  ok = cs_onnx_writer_save (writer, model_path, &local);
  if (!ok)
    g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_FAILED,
                 _("Cannot write the model: %s"), local->message);
  ok = ok && cs_style_import_write_json (json_path, &(CsStyleImportJson) {
                                           .id = id, .name = name, .authors = options->authors,
                                           .licence = licence, .source = source,
                                           .kind = "fast-style-transfer", .input = "input",
                                           .output = "output", .size_multiple = 4 }, error);
  ok = ok && !cs_style_import_check_cancelled (cancellable, error);
  ok = ok && render_thumbnail (tmp, options->thumbnail_image, options->device, cancellable, error);
  ok = ok && !cs_style_import_check_cancelled (cancellable, error);
  ok = ok && cs_style_import_move_into_place (tmp, dest, error);

  if (!ok)
    cs_style_import_remove_folder (tmp);
  return ok;
}
