/* cs-onnx-import.c: ONNX image-to-image models into styles
 *
 * The checks run from the cheapest to the dearest: the file is parsed on the
 * host, the graph's shapes are inferred for a few frame sizes (host only, no
 * device memory), and only then is the network prepared and run on the
 * device, once, to render the thumbnail. The size multiple is the smallest
 * power of two for which two frame sizes of unlike proportions come out at
 * their own size: a network that halves its input n times and doubles it
 * back needs 2^n, and the styler pads frames up to it.
 *
 * Nothing here can tell whether a network expects its input in 0..255 rather
 * than in 0..1; the output can be checked, though, and a network that maps a
 * colourful 0..255 test card to values of at most ~1 was trained for 0..1 or
 * -1..1 images and is refused with what to change.
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

#include "cs-fst-import.h"
#include "cs-graph.h"
#include "cs-image.h"
#include "cs-onnx.h"
#include "cs-onnx-import.h"
#include "cs-style.h"
#include "cs-styles-private.h"
#include "cs-stylizer.h"

/* Any output value above this on the test card means the network speaks
 * 0..255 rather than 0..1 or -1..1. */
#define MIN_OUTPUT_PEAK 2.0

static char *
dims_to_string (const CsTensor *t)
{
  GString *s = g_string_new ("[");

  for (int i = 0; i < t->rank; i++)
    {
      if (i > 0)
        g_string_append (s, ", ");
      if (t->dims[i] < 0)
        g_string_append_c (s, '?');
      else
        g_string_append_printf (s, "%" G_GINT64_FORMAT, t->dims[i]);
    }
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

/* Parses the model without its folder, so that weights kept in other files
 * (which the style folder would not hold) are refused by name. */
static CsGraph *
load_graph (GBytes     *bytes,
            const char *model_path,
            GError    **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *folder = NULL;
  CsGraph *graph;
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  graph = cs_onnx_load_data (data, len, NULL, &local);
  if (graph != NULL)
    return graph;

  folder = g_path_get_dirname (model_path);
  graph = cs_onnx_load_data (data, len, folder, NULL);
  if (graph != NULL)
    {
      cs_graph_free (graph);
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_UNSUPPORTED,
                   _("“%s” keeps its weights in separate files; save the model with its weights inside "
                     "(in Python: onnx.save(model, path, save_as_external_data=False))"),
                   model_path);
      return NULL;
    }
  g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_UNSUPPORTED,
               _("Celshade cannot run the model “%s”: %s"), model_path, local->message);
  return NULL;
}

/* The declared input and output: one each, float, rank 4, three channels,
 * batch 1 or free, height and width free. */
static gboolean
check_signature (CsGraph    *graph,
                 const char *model_path,
                 char      **input_name,
                 char      **output_name,
                 GError    **error)
{
  const char *roles[2] = { "input", "output" };
  GArray *lists[2] = { graph->inputs, graph->outputs };

  for (int r = 0; r < 2; r++)
    {
      CsTensor *t;
      g_autofree char *shape = NULL;

      if (lists[r]->len != 1)
        {
          g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_UNSUPPORTED,
                       r == 0
                       ? _("The model “%s” has %u inputs; a style takes exactly one, the image")
                       : _("The model “%s” has %u outputs; a style gives exactly one, the image"),
                       model_path, lists[r]->len);
          return FALSE;
        }
      t = cs_graph_tensor (graph, g_array_index (lists[r], int, 0));
      if (r == 0 && t->dtype != CS_DTYPE_FLOAT)
        {
          g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_UNSUPPORTED,
                       _("The input “%s” of “%s” is not a float tensor; a style takes float32 RGB"),
                       t->name, model_path);
          return FALSE;
        }
      if (t->rank < 0)
        continue; /* checked after inference */
      shape = dims_to_string (t);
      if (t->rank != 4 || (t->dims[0] >= 0 && t->dims[0] != 1) || (t->dims[1] >= 0 && t->dims[1] != 3))
        {
          g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_UNSUPPORTED,
                       _("The %s “%s” of “%s” has the shape %s; a style needs one NCHW RGB image, "
                         "[1, 3, height, width]"),
                       roles[r], t->name, model_path, shape);
          return FALSE;
        }
      if (r == 0 && (t->dims[2] >= 0 || t->dims[3] >= 0))
        {
          g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_UNSUPPORTED,
                       _("The input “%s” of “%s” is fixed at %s; a style must take frames of any size: "
                         "export the model with free height and width (dynamic axes)"),
                       t->name, model_path, shape);
          return FALSE;
        }
    }
  *input_name = g_strdup (cs_graph_tensor (graph, g_array_index (graph->inputs, int, 0))->name);
  *output_name = g_strdup (cs_graph_tensor (graph, g_array_index (graph->outputs, int, 0))->name);
  return TRUE;
}

/* Infers the shapes for a height x width image; *same is whether the output
 * comes out [1, 3, height, width]. FALSE with error when the engine refuses
 * the graph at that size. */
static gboolean
infer_at (GBytes     *bytes,
          const char *model_path,
          int         height,
          int         width,
          gboolean   *same,
          GError    **error)
{
  g_autoptr(CsGraph) graph = NULL;
  g_autoptr(GError) local = NULL;
  CsTensor *in, *out;
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  graph = cs_onnx_load_data (data, len, NULL, error);
  if (graph == NULL)
    return FALSE;
  in = cs_graph_tensor (graph, g_array_index (graph->inputs, int, 0));
  in->rank = 4;
  in->dims[0] = 1;
  in->dims[1] = 3;
  in->dims[2] = height;
  in->dims[3] = width;
  if (!cs_graph_infer (graph, &local))
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_UNSUPPORTED,
                   _("Celshade cannot run the model “%s” on a %d × %d image: %s"),
                   model_path, width, height, local->message);
      return FALSE;
    }
  out = cs_graph_tensor (graph, g_array_index (graph->outputs, int, 0));
  *same = out->rank == 4 && out->dims[0] == 1 && out->dims[1] == 3 &&
          out->dims[2] == height && out->dims[3] == width;
  if (out->rank != 4 || out->dims[0] != 1 || out->dims[1] != 3)
    {
      g_autofree char *shape = dims_to_string (out);

      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_UNSUPPORTED,
                   _("The output “%s” of “%s” has the shape %s for a %d × %d image; a style must give "
                     "one RGB image, [1, 3, height, width]"),
                   out->name, model_path, shape, width, height);
      return FALSE;
    }
  return TRUE;
}

static int
find_size_multiple (GBytes       *bytes,
                    const char   *model_path,
                    const char   *output_name,
                    GCancellable *cancellable,
                    GError      **error)
{
  for (int m = 1; m <= CS_ONNX_IMPORT_MAX_MULTIPLE; m *= 2)
    {
      g_autoptr(GError) local = NULL;
      gboolean same_a = FALSE, same_b = FALSE;

      if (cs_style_import_check_cancelled (cancellable, error))
        return 0;
      /* Odd factors, unlike in height and width, so that neither a larger
       * power of two nor a transposition passes by chance. */
      if (!infer_at (bytes, model_path, 3 * m, 5 * m, &same_a, &local) ||
          (same_a && !infer_at (bytes, model_path, 7 * m, 3 * m, &same_b, &local)))
        {
          /* Small multiples may be too small for the network's pooling;
           * only the largest try's failure is final. */
          if (m == CS_ONNX_IMPORT_MAX_MULTIPLE || local->code != CS_STYLE_ERROR_UNSUPPORTED)
            {
              g_propagate_error (error, g_steal_pointer (&local));
              return 0;
            }
          continue;
        }
      if (same_a && same_b)
        return m;
    }
  g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_UNSUPPORTED,
               _("The output “%s” of “%s” is not the size of its input for any frame size; a style "
                 "must give back an image of the size it was given"),
               output_name, model_path);
  return 0;
}

/* The thumbnail, and the proof that the network runs -------------------------------- */

static gboolean
render_thumbnail (const char   *folder,
                  const char   *model_path,
                  CsDevice     *device,
                  GCancellable *cancellable,
                  GError      **error)
{
  g_autoptr(CsStyle) style = NULL;
  g_autoptr(CsDevice) own_device = NULL;
  g_autoptr(CsStylizer) stylizer = NULL;
  g_autoptr(CsImage) card = NULL;
  g_autoptr(CsImage) styled = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *path = g_build_filename (folder, "thumbnail.png", NULL);
  gsize n;
  float peak = 0;

  style = cs_style_new_from_folder (folder, error);
  if (style == NULL)
    return FALSE;
  card = cs_image_new_test_card (CS_FST_THUMBNAIL_SIZE, CS_FST_THUMBNAIL_SIZE, error);
  if (card == NULL)
    return FALSE;

  if (device == NULL)
    {
      own_device = cs_device_new (NULL, error);
      if (own_device == NULL)
        {
          g_prefix_error (error, _("Cannot try the model: "));
          return FALSE;
        }
      device = own_device;
    }

  stylizer = cs_stylizer_new (style, device, CS_PRECISION_AUTO, &local);
  if (stylizer != NULL)
    styled = cs_stylizer_run (stylizer, card, 1.0, cancellable, &local);
  if (styled == NULL)
    {
      if (cs_style_import_check_cancelled (cancellable, error))
        return FALSE;
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_UNSUPPORTED,
                   _("Celshade cannot run the model “%s”: %s"), model_path, local->message);
      return FALSE;
    }

  n = 3 * cs_image_plane_size (styled);
  for (gsize i = 0; i < n; i++)
    {
      float v = styled->data[i];

      if (!isfinite (v))
        {
          g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_INVALID,
                       _("The model “%s” gives values that are not numbers (NaN or infinite) for a test "
                         "image; its weights are damaged or it needs another input range"),
                       model_path);
          return FALSE;
        }
      peak = MAX (peak, fabsf (v));
    }
  if (peak < MIN_OUTPUT_PEAK)
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_UNSUPPORTED,
                   _("The output of “%s” stays within ±%.2f for a test image in 0..255: the model "
                     "works on images in 0..1 or −1..1, but a style takes and gives RGB in 0..255 "
                     "(scale its input and output by 255 in the model before exporting it)"),
                   model_path, peak);
      return FALSE;
    }

  return cs_image_save (styled, path, error);
}

/* Import ----------------------------------------------------------------------------- */

char *
cs_onnx_style_default_stem (const char *model_path)
{
  g_autofree char *base = g_path_get_basename (model_path);
  char *dot = strrchr (base, '.');

  if (dot != NULL && dot != base)
    *dot = '\0';
  /* Exporters' and model zoos' generic file names say nothing; the folder
   * they sit in usually names the model. */
  if (g_ascii_strcasecmp (base, "model") == 0 || g_ascii_strcasecmp (base, "style") == 0 ||
      g_ascii_strcasecmp (base, "generator") == 0 || g_ascii_strcasecmp (base, "network") == 0)
    {
      g_autofree char *folder = g_path_get_dirname (model_path);
      g_autofree char *parent = g_path_get_basename (folder);

      if (strcmp (parent, ".") != 0 && strcmp (parent, "/") != 0)
        return g_steal_pointer (&parent);
    }
  return g_steal_pointer (&base);
}

static char *
default_name (const char *model_path)
{
  g_autofree char *base = cs_onnx_style_default_stem (model_path);
  GString *name = g_string_new (NULL);
  gboolean word_start = TRUE;
  for (const char *p = base; *p != '\0'; p++)
    {
      if (*p == '_' || *p == '-')
        {
          if (name->len > 0)
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
cs_onnx_style_import (const char                *model_path,
                      const char                *style_dir,
                      const CsOnnxImportOptions *options,
                      GCancellable              *cancellable,
                      GError                   **error)
{
  static const CsOnnxImportOptions defaults = { NULL };
  g_autoptr(GFile) dest_file = NULL;
  g_autoptr(GFile) model_file = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(CsGraph) graph = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *dest = NULL;
  g_autofree char *model = NULL;
  g_autofree char *input_name = NULL;
  g_autofree char *output_name = NULL;
  g_autofree char *parent = NULL;
  g_autofree char *base = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *name = NULL;
  g_autofree char *id = NULL;
  g_autofree char *source = NULL;
  g_autofree char *copy_path = NULL;
  g_autofree char *json_path = NULL;
  char *contents = NULL;
  gsize length;
  int multiple;
  gboolean ok;

  g_return_val_if_fail (model_path != NULL, FALSE);
  g_return_val_if_fail (style_dir != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (options == NULL)
    options = &defaults;

  dest_file = g_file_new_for_path (style_dir);
  dest = g_file_get_path (dest_file);
  model_file = g_file_new_for_path (model_path);
  model = g_file_get_path (model_file);

  if (g_file_test (dest, G_FILE_TEST_EXISTS) || g_file_test (dest, G_FILE_TEST_IS_SYMLINK))
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_EXISTS,
                   _("“%s” already exists; choose another folder for the style"), dest);
      return FALSE;
    }
  if (!g_file_test (model, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_NOT_FOUND,
                   _("“%s” is not a model file"), model);
      return FALSE;
    }
  if (!g_file_get_contents (model, &contents, &length, &local))
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_NOT_FOUND,
                   _("Cannot read the model: %s"), local->message);
      return FALSE;
    }
  bytes = g_bytes_new_take (contents, length);

  /* Everything is read and checked before anything is written. */
  graph = load_graph (bytes, model, error);
  if (graph == NULL || !check_signature (graph, model, &input_name, &output_name, error))
    return FALSE;
  g_clear_pointer (&graph, cs_graph_free);
  multiple = find_size_multiple (bytes, model, output_name, cancellable, error);
  if (multiple == 0)
    return FALSE;

  name = options->name != NULL && *options->name != '\0' ? g_strdup (options->name) : default_name (model);
  id = cs_style_import_id_from_folder (dest);
  source = options->source != NULL && *options->source != '\0'
           ? g_strdup (options->source)
           : g_strdup_printf ("ONNX model %s", model);

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

  copy_path = g_build_filename (tmp, "model.onnx", NULL);
  json_path = g_build_filename (tmp, "style.json", NULL);
  ok = g_file_set_contents_full (copy_path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0666, &local);
  if (!ok)
    g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_FAILED,
                 _("Cannot copy the model: %s"), local->message);
  ok = ok && cs_style_import_write_json (json_path, &(CsStyleImportJson) {
                                           .id = id, .name = name, .authors = options->authors,
                                           .licence = options->licence, .source = source, .kind = "onnx",
                                           .input = input_name, .output = output_name,
                                           .size_multiple = multiple }, error);
  ok = ok && !cs_style_import_check_cancelled (cancellable, error);
  ok = ok && render_thumbnail (tmp, model, options->device, cancellable, error);
  ok = ok && !cs_style_import_check_cancelled (cancellable, error);
  ok = ok && cs_style_import_move_into_place (tmp, dest, error);

  if (!ok)
    cs_style_import_remove_folder (tmp);
  return ok;
}
