/* fuzz-onnx-loader.c: libFuzzer target for the ONNX loader.
 *
 * Every input must either load or be refused with a GError; the sanitizers
 * turn anything else (a crash, a leak, undefined behaviour, a GLib critical)
 * into a finding. Inputs are loaded against a folder holding one small
 * external data file, so that external-data paths are exercised too.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <stdlib.h>

#include "cs-graph.h"
#include "cs-onnx.h"

static char *base_dir;

static void
remove_base_dir (void)
{
  g_autofree char *weights = g_build_filename (base_dir, "weights.bin", NULL);

  g_unlink (weights);
  g_rmdir (base_dir);
  g_clear_pointer (&base_dir, g_free);
}

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_autofree char *weights = NULL;
  float values[64];

  /* A GLib critical means a check the loader should have made itself. */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);

  base_dir = g_dir_make_tmp ("cs-fuzz-onnx-XXXXXX", NULL);
  if (base_dir == NULL)
    abort ();

  for (int i = 0; i < 64; i++)
    values[i] = (float) i;
  weights = g_build_filename (base_dir, "weights.bin", NULL);
  if (!g_file_set_contents (weights, (const char *) values, sizeof values, NULL))
    abort ();

  atexit (remove_base_dir);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsGraph) graph = cs_onnx_load_data (data, size, base_dir, &error);

  if ((graph == NULL) == (error == NULL))
    abort ();
  if (graph == NULL)
    return 0;

  /* Touch what later passes read, so that a bad id or length shows here. */
  for (guint i = 0; i < graph->tensors->len; i++)
    {
      CsTensor *t = cs_graph_tensor (graph, (int) i);
      guint64 numel = cs_tensor_numel (t);

      g_free (cs_tensor_shape_string (t));

      if (t->data != NULL && numel != G_MAXUINT64 && numel > 0)
        {
          volatile guint8 last = ((guint8 *) t->data)[numel * (t->dtype == CS_DTYPE_FLOAT ? 4 : 8) - 1];
          (void) last;
        }
    }

  for (guint i = 0; i < graph->nodes->len; i++)
    {
      CsNode *node = cs_graph_node (graph, (int) i);

      for (int k = 0; k < node->n_inputs; k++)
        if (node->inputs[k] >= (int) graph->tensors->len)
          abort ();
      for (int k = 0; k < node->n_outputs; k++)
        if (node->outputs[k] >= (int) graph->tensors->len)
          abort ();
      for (int k = 0; k < node->n_attrs; k++)
        {
          const CsAttr *attr = &node->attrs[k];
          int n;

          if (attr->type == CS_ATTR_TENSOR &&
              (attr->tensor < 0 || attr->tensor >= (int) graph->tensors->len))
            abort ();
          cs_node_attr_ints (node, attr->name, &n);
          cs_node_attr_floats (node, attr->name, &n);
          cs_node_attr_string (node, attr->name, NULL);
        }
    }

  return 0;
}
