/* make-seed-corpus.c: writes small valid models, one per file, into the
 * folder given as the only argument: the fuzzer's starting points. Each
 * reaches a different part of the loader (attributes of every kind, tensor
 * attributes, optional inputs, int64 constants, external data).
 */
#include <glib.h>
#include <stdio.h>

#include "cs-onnx-writer.h"

static gboolean
save (CsOnnxWriter *writer,
      const char   *dir,
      const char   *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  if (!cs_onnx_writer_save (writer, path, &error))
    {
      fprintf (stderr, "%s: %s\n", path, error->message);
      return FALSE;
    }

  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  const float w[2 * 3 * 3 * 3] = { 1, -1, 0.5f, 2, 0, 0, 3, 1, 1 };
  const float b[2] = { 0.5f, -0.5f };
  const float scales[4] = { 1, 1, 2, 2 };
  const int64_t shape[2] = { 1, -1 };
  const int64_t zero = 0;
  const char *dir;
  gboolean ok = TRUE;

  if (argc != 2)
    {
      fprintf (stderr, "usage: %s FOLDER\n", argv[0]);
      return 2;
    }
  dir = argv[1];

  {
    g_autoptr(CsOnnxWriter) m = cs_onnx_writer_new ("relu", 13);

    cs_onnx_writer_add_input (m, "x", "1,3,height,width");
    cs_onnx_writer_add_node (m, "Relu", "relu", CS_ONNX_NAMES ("x"), CS_ONNX_NAMES ("y"));
    cs_onnx_writer_add_output (m, "y", "1,3,height,width");
    ok &= save (m, dir, "relu.onnx");
  }

  {
    g_autoptr(CsOnnxWriter) m = cs_onnx_writer_new ("conv", 11);

    cs_onnx_writer_add_input (m, "x", "1,3,8,8");
    cs_onnx_writer_add_float_initializer (m, "w", CS_ONNX_DIMS (2, 3, 3, 3), w, G_N_ELEMENTS (w));
    cs_onnx_writer_add_float_initializer (m, "b", CS_ONNX_DIMS (2), b, 2);
    cs_onnx_writer_add_node (m, "Conv", "conv", CS_ONNX_NAMES ("x", "w", "b"), CS_ONNX_NAMES ("c"));
    cs_onnx_writer_node_set_ints (m, "pads", CS_ONNX_DIMS (1, 1, 1, 1));
    cs_onnx_writer_node_set_ints (m, "strides", CS_ONNX_DIMS (2, 2));
    cs_onnx_writer_node_set_int (m, "group", 1);
    cs_onnx_writer_node_set_string (m, "auto_pad", "NOTSET");
    cs_onnx_writer_add_node (m, "LeakyRelu", NULL, CS_ONNX_NAMES ("c"), CS_ONNX_NAMES ("l"));
    cs_onnx_writer_node_set_float (m, "alpha", 0.2f);
    cs_onnx_writer_add_node (m, "Clip", NULL, CS_ONNX_NAMES ("l", "", ""), CS_ONNX_NAMES ("y"));
    cs_onnx_writer_add_output (m, "y", "1,2,4,4");
    ok &= save (m, dir, "conv.onnx");
  }

  {
    g_autoptr(CsOnnxWriter) m = cs_onnx_writer_new ("constants", 13);

    cs_onnx_writer_add_input (m, "x", "1,2,2,2");
    cs_onnx_writer_add_int64_initializer (m, "shape", CS_ONNX_DIMS (2), shape, 2);
    cs_onnx_writer_add_float_initializer (m, "scales", CS_ONNX_DIMS (4), scales, 4);
    cs_onnx_writer_add_node (m, "Constant", "k", NULL, CS_ONNX_NAMES ("kv"));
    cs_onnx_writer_node_set_float_tensor (m, "value", CS_ONNX_DIMS (2, 2), scales);
    cs_onnx_writer_add_node (m, "ConstantOfShape", "zeros", CS_ONNX_NAMES ("shape"), CS_ONNX_NAMES ("z"));
    cs_onnx_writer_node_set_int64_tensor (m, "value", CS_ONNX_DIMS (1), &zero);
    cs_onnx_writer_add_node (m, "Resize", "up", CS_ONNX_NAMES ("x", "", "scales"), CS_ONNX_NAMES ("u"));
    cs_onnx_writer_node_set_string (m, "mode", "nearest");
    cs_onnx_writer_add_node (m, "Reshape", "flat", CS_ONNX_NAMES ("u", "shape"), CS_ONNX_NAMES ("y"));
    cs_onnx_writer_add_node (m, "Clip", "clip", CS_ONNX_NAMES ("kv"), CS_ONNX_NAMES ("c"));
    cs_onnx_writer_node_set_floats (m, "bounds", scales, 2);
    cs_onnx_writer_add_output (m, "y", NULL);
    cs_onnx_writer_add_output (m, "c", "2,2");
    ok &= save (m, dir, "constants.onnx");
  }

  {
    g_autoptr(CsOnnxWriter) m = cs_onnx_writer_new ("external", 17);

    /* weights.bin is the file the fuzz target puts in its base folder. */
    cs_onnx_writer_add_input (m, "x", "4,4");
    cs_onnx_writer_add_external_initializer (m, "w", CS_ONNX_DIMS (4, 4), "weights.bin", 16, 64);
    cs_onnx_writer_add_node (m, "MatMul", "mm", CS_ONNX_NAMES ("x", "w"), CS_ONNX_NAMES ("y"));
    cs_onnx_writer_add_output (m, "y", "4,4");
    ok &= save (m, dir, "external.onnx");
  }

  return ok ? 0 : 1;
}
