/* test-onnx.c: the graph IR's containers, the ONNX loader and the writer.
 *
 * Valid models must load exactly; broken, hostile and unsupported ones must
 * be refused with an error that names what is wrong, and never crash.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cs-graph.h"
#include "cs-onnx.h"
#include "cs-onnx-writer.h"
#include "cs-test.h"
#include "onnx.pb-c.h"

#ifndef CS_ONNX_TESTDATA_DIR
#define CS_ONNX_TESTDATA_DIR "/usr/share/libonnx-testdata/data"
#endif

/* Helpers */

static CsGraph *
load_writer (CsOnnxWriter  *writer,
             const char    *base_dir,
             GError       **error)
{
  g_autoptr(GBytes) bytes = cs_onnx_writer_serialize (writer);
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  return cs_onnx_load_data (data, len, base_dir, error);
}

/* Loads what the writer holds and checks it is refused with domain/code and
 * a message containing every one of the NULL-terminated fragments. */
static void
assert_refused (CsOnnxWriter *writer,
                const char   *base_dir,
                int           code,
                ...)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsGraph) graph = load_writer (writer, base_dir, &error);
  const char *fragment;
  va_list args;

  g_assert_null (graph);
  g_assert_error (error, CS_ENGINE_ERROR, code);
  g_test_message ("refused as expected: %s", error->message);

  va_start (args, code);
  while ((fragment = va_arg (args, const char *)) != NULL)
    {
      if (strstr (error->message, fragment) == NULL)
        g_error ("message \"%s\" does not mention \"%s\"", error->message, fragment);
    }
  va_end (args);
}

static void
assert_bytes_refused (const guint8 *data,
                      gsize         len,
                      int           code,
                      const char   *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsGraph) graph = cs_onnx_load_data (data, len, NULL, &error);

  g_assert_null (graph);
  g_assert_error (error, CS_ENGINE_ERROR, code);
  if (fragment != NULL && strstr (error->message, fragment) == NULL)
    g_error ("message \"%s\" does not mention \"%s\"", error->message, fragment);
}

static CsTensor *
tensor_by_name (CsGraph    *graph,
                const char *name)
{
  int id = cs_graph_find_tensor (graph, name);

  g_assert_cmpint (id, >=, 0);
  return cs_graph_tensor (graph, id);
}

static void
assert_shape (const CsTensor *t,
              const char     *expected)
{
  g_autofree char *shape = cs_tensor_shape_string (t);

  g_assert_cmpstr (shape, ==, expected);
}

/* A model with one Relu: the base that the broken models below change. */
static CsOnnxWriter *
relu_writer (void)
{
  CsOnnxWriter *w = cs_onnx_writer_new ("relu", 13);

  cs_onnx_writer_add_input (w, "x", "1,3,4,4");
  cs_onnx_writer_add_node (w, "Relu", "relu", CS_ONNX_NAMES ("x"), CS_ONNX_NAMES ("y"));
  cs_onnx_writer_add_output (w, "y", "1,3,4,4");

  return w;
}

static char *
make_temp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("cs-test-onnx-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

/* The IR's containers */

static void
test_graph_op_names (void)
{
  for (int op = 0; op < CS_N_OPS; op++)
    {
      const char *name = cs_op_name (op);
      CsOp back = CS_N_OPS;

      g_assert_nonnull (name);
      g_assert_true (cs_op_from_onnx (name, &back));
      g_assert_cmpint (back, ==, op);
    }

  {
    CsOp op;

    g_assert_true (cs_op_from_onnx ("InstanceNormalization", &op));
    g_assert_cmpint (op, ==, CS_OP_INSTANCE_NORM);
    g_assert_true (cs_op_from_onnx ("ConstantOfShape", &op));
    g_assert_cmpint (op, ==, CS_OP_CONSTANT_OF_SHAPE);
    g_assert_false (cs_op_from_onnx ("NonMaxSuppression", &op));
    g_assert_false (cs_op_from_onnx ("relu", &op));
    g_assert_false (cs_op_from_onnx ("", &op));
    g_assert_false (cs_op_from_onnx (NULL, &op));
  }
}

static void
test_graph_tensors (void)
{
  g_autoptr(CsGraph) graph = cs_graph_new ();
  CsNode node = { 0 };
  CsTensor *t;
  int a, b, anon, dup;

  a = cs_graph_add_tensor (graph, "a", CS_DTYPE_FLOAT);
  b = cs_graph_add_tensor (graph, "b", CS_DTYPE_INT64);
  anon = cs_graph_add_tensor (graph, NULL, CS_DTYPE_FLOAT);
  dup = cs_graph_add_tensor (graph, "a", CS_DTYPE_FLOAT);

  g_assert_cmpint (a, ==, 0);
  g_assert_cmpint (b, ==, 1);
  g_assert_cmpint (cs_graph_find_tensor (graph, "a"), ==, a);
  g_assert_cmpint (cs_graph_find_tensor (graph, "b"), ==, b);
  g_assert_cmpint (cs_graph_find_tensor (graph, "c"), ==, -1);
  g_assert_cmpint (cs_graph_find_tensor (graph, NULL), ==, -1);
  /* An anonymous tensor has a name for messages but cannot be found. */
  g_assert_nonnull (cs_graph_tensor (graph, anon)->name);
  g_assert_cmpint (cs_graph_find_tensor (graph, cs_graph_tensor (graph, anon)->name), ==, -1);
  /* A second tensor of the same name does not shadow the first. */
  g_assert_cmpint (dup, !=, a);
  g_assert_cmpint (cs_graph_find_tensor (graph, "a"), ==, a);

  t = cs_graph_tensor (graph, b);
  g_assert_cmpint (t->rank, ==, -1);
  g_assert_cmpint (t->producer, ==, -1);
  g_assert_cmpint (t->alias, ==, -1);
  g_assert_null (t->data);
  g_assert_null (cs_graph_tensor (graph, -1));

  node.op = CS_OP_RELU;
  node.name = (char *) "relu";
  node.n_inputs = 1;
  node.inputs[0] = a;
  node.n_outputs = 1;
  node.outputs[0] = b;
  node.fused_add = -1;
  node.attrs = g_new0 (CsAttr, 1);
  node.n_attrs = 1;
  node.attrs[0].name = g_strdup ("alpha");
  node.attrs[0].type = CS_ATTR_FLOAT;
  node.attrs[0].f = 0.5f;
  g_assert_cmpint (cs_graph_add_node (graph, &node), ==, 0);
  g_assert_cmpint (cs_graph_tensor (graph, b)->producer, ==, 0);
  g_assert_cmpstr (cs_graph_node (graph, 0)->name, ==, "relu");
  g_assert_true (cs_graph_node (graph, 0)->name != node.name);
  g_assert_cmpfloat (cs_node_attr_float (cs_graph_node (graph, 0), "alpha", 0), ==, 0.5f);
  /* Mistyped or absent attributes fall back. */
  g_assert_cmpint (cs_node_attr_int (cs_graph_node (graph, 0), "alpha", 7), ==, 7);
  g_assert_cmpstr (cs_node_attr_string (cs_graph_node (graph, 0), "mode", "x"), ==, "x");
}

static void
test_graph_numel (void)
{
  CsTensor t = { 0 };
  char *s;

  t.rank = -1;
  g_assert_cmpuint (cs_tensor_numel (&t), ==, G_MAXUINT64);
  s = cs_tensor_shape_string (&t);
  g_assert_cmpstr (s, ==, "(unknown shape)");
  g_free (s);

  t.rank = 0;
  g_assert_cmpuint (cs_tensor_numel (&t), ==, 1);
  assert_shape (&t, "(scalar)");

  t.rank = 4;
  t.dims[0] = 1;
  t.dims[1] = 3;
  t.dims[2] = 256;
  t.dims[3] = 256;
  g_assert_cmpuint (cs_tensor_numel (&t), ==, 3 * 256 * 256);
  assert_shape (&t, "1x3x256x256");

  t.dims[2] = -1;
  g_assert_cmpuint (cs_tensor_numel (&t), ==, G_MAXUINT64);
  assert_shape (&t, "1x3x?x256");

  t.dims[2] = 0;
  g_assert_cmpuint (cs_tensor_numel (&t), ==, 0);

  /* 2^63 × 2^63 × ... must not wrap around to a small number. */
  t.rank = 3;
  t.dims[0] = G_MAXINT64;
  t.dims[1] = G_MAXINT64;
  t.dims[2] = 4;
  g_assert_cmpuint (cs_tensor_numel (&t), ==, G_MAXUINT64);
  t.dims[0] = G_GINT64_CONSTANT (1) << 32;
  t.dims[1] = G_GINT64_CONSTANT (1) << 32;
  t.dims[2] = 1;
  g_assert_cmpuint (cs_tensor_numel (&t), ==, G_MAXUINT64);

  {
    CsTensor u = t;

    g_assert_true (cs_tensor_same_shape (&t, &u));
    u.dims[2] = 2;
    g_assert_false (cs_tensor_same_shape (&t, &u));
    u = t;
    u.rank = 2;
    g_assert_false (cs_tensor_same_shape (&t, &u));
  }
}

/* Writer → loader */

static const float conv_w[2 * 3 * 3 * 3] = {
  0.5f, -1.0f, 2.0f, 1e-7f, -0.0f, 3.25f, 4.0f, 5.0f, 6.0f,
  7.0f, 8.0f, 9.0f, 10.0f, 11.0f, 12.0f, 13.0f, 14.0f, 15.0f,
  16.0f, 17.0f, 18.0f, 19.0f, 20.0f, 21.0f, 22.0f, 23.0f, 24.0f,
  25.0f, 26.0f, 27.0f, 28.0f, 29.0f, 30.0f, 31.0f, 32.0f, 33.0f,
  34.0f, 35.0f, 36.0f, 37.0f, 38.0f, 39.0f, 40.0f, 41.0f, 42.0f,
  43.0f, 44.0f, 45.0f, 46.0f, 47.0f, 48.0f, 49.0f, 50.0f, 1e30f,
};

static CsOnnxWriter *
round_trip_writer (void)
{
  CsOnnxWriter *w = cs_onnx_writer_new ("round-trip", 13);
  const float bias[2] = { 0.25f, -0.75f };
  const float one = 1.0f;
  const int64_t shape[2] = { 2, -1 };
  const int64_t fill = 0;
  const float scales[4] = { 1, 1, 2, 2 };

  cs_onnx_writer_set_producer (w, "test-onnx", "1.0");
  cs_onnx_writer_set_doc (w, "round trip");

  cs_onnx_writer_add_input (w, "image", "1,3,height,width");
  cs_onnx_writer_add_float_initializer (w, "conv.w", CS_ONNX_DIMS (2, 3, 3, 3),
                                        conv_w, G_N_ELEMENTS (conv_w));
  cs_onnx_writer_add_float_initializer (w, "conv.b", CS_ONNX_DIMS (2), bias, 2);
  cs_onnx_writer_add_float_initializer (w, "one", NULL, 0, &one, 1);
  cs_onnx_writer_add_int64_initializer (w, "shape", CS_ONNX_DIMS (2), shape, 2);
  cs_onnx_writer_add_float_initializer (w, "scales", CS_ONNX_DIMS (4), scales, 4);
  /* Listed as an input as well, as older exporters do: still a constant. */
  cs_onnx_writer_add_input (w, "conv.b", "2");

  cs_onnx_writer_add_node (w, "Conv", "conv1", CS_ONNX_NAMES ("image", "conv.w", "conv.b"),
                           CS_ONNX_NAMES ("c"));
  cs_onnx_writer_node_set_ints (w, "kernel_shape", CS_ONNX_DIMS (3, 3));
  cs_onnx_writer_node_set_ints (w, "pads", CS_ONNX_DIMS (1, 1, 1, 1));
  cs_onnx_writer_node_set_ints (w, "strides", CS_ONNX_DIMS (2, 2));
  cs_onnx_writer_node_set_int (w, "group", 1);
  cs_onnx_writer_node_set_string (w, "auto_pad", "NOTSET");

  cs_onnx_writer_add_node (w, "LeakyRelu", NULL, CS_ONNX_NAMES ("c"), CS_ONNX_NAMES ("r"));
  cs_onnx_writer_node_set_float (w, "alpha", 0.2f);

  cs_onnx_writer_add_node (w, "Resize", "up", CS_ONNX_NAMES ("r", "", "scales"),
                           CS_ONNX_NAMES ("u"));
  cs_onnx_writer_node_set_string (w, "mode", "nearest");

  cs_onnx_writer_add_node (w, "Constant", "k", NULL, CS_ONNX_NAMES ("kv"));
  cs_onnx_writer_node_set_float_tensor (w, "value", CS_ONNX_DIMS (2, 2),
                                        (const float[]) { 1, 2, 3, 4 });

  cs_onnx_writer_add_node (w, "ConstantOfShape", "zeros", CS_ONNX_NAMES ("shape"),
                           CS_ONNX_NAMES ("z"));
  cs_onnx_writer_node_set_int64_tensor (w, "value", CS_ONNX_DIMS (1), &fill);

  cs_onnx_writer_add_node (w, "Clip", "clip", CS_ONNX_NAMES ("u"), CS_ONNX_NAMES ("clipped"));
  cs_onnx_writer_node_set_floats (w, "bounds", (const float[]) { -1.5f, 1.5f }, 2);

  cs_onnx_writer_add_node (w, "Reshape", "flat", CS_ONNX_NAMES ("clipped", "shape"),
                           CS_ONNX_NAMES ("out"));
  cs_onnx_writer_add_output (w, "out", NULL);
  cs_onnx_writer_add_output (w, "kv", "2,2");

  return w;
}

static void
check_round_trip_graph (CsGraph *graph)
{
  const CsNode *conv, *leaky, *resize, *constant, *cos, *clip;
  const CsAttr *attr;
  const int64_t *ints;
  const float *floats;
  CsTensor *t;
  int n;

  g_assert_cmpint (graph->opset, ==, 13);
  g_assert_cmpuint (graph->nodes->len, ==, 7);

  /* Inputs: only the image; conv.b stays a constant. */
  g_assert_cmpuint (graph->inputs->len, ==, 1);
  t = cs_graph_tensor (graph, g_array_index (graph->inputs, int, 0));
  g_assert_cmpstr (t->name, ==, "image");
  g_assert_true (t->is_input);
  g_assert_cmpint (t->dtype, ==, CS_DTYPE_FLOAT);
  g_assert_null (t->data);
  assert_shape (t, "1x3x?x?");

  t = tensor_by_name (graph, "conv.b");
  g_assert_false (t->is_input);
  g_assert_nonnull (t->data);
  g_assert_cmpfloat (((float *) t->data)[1], ==, -0.75f);

  t = tensor_by_name (graph, "conv.w");
  g_assert_cmpint (t->dtype, ==, CS_DTYPE_FLOAT);
  assert_shape (t, "2x3x3x3");
  g_assert_cmpint (t->producer, ==, -1);
  g_assert_cmpmem (t->data, sizeof conv_w, conv_w, sizeof conv_w);

  t = tensor_by_name (graph, "one");
  g_assert_cmpint (t->rank, ==, 0);
  g_assert_cmpfloat (*(float *) t->data, ==, 1.0f);

  t = tensor_by_name (graph, "shape");
  g_assert_cmpint (t->dtype, ==, CS_DTYPE_INT64);
  g_assert_cmpint (((int64_t *) t->data)[0], ==, 2);
  g_assert_cmpint (((int64_t *) t->data)[1], ==, -1);

  /* Nodes, attributes and wiring */
  conv = cs_graph_node (graph, 0);
  g_assert_cmpint (conv->op, ==, CS_OP_CONV);
  g_assert_cmpstr (conv->name, ==, "conv1");
  g_assert_cmpint (conv->n_inputs, ==, 3);
  g_assert_cmpint (conv->inputs[0], ==, cs_graph_find_tensor (graph, "image"));
  g_assert_cmpint (conv->inputs[1], ==, cs_graph_find_tensor (graph, "conv.w"));
  g_assert_cmpint (conv->inputs[2], ==, cs_graph_find_tensor (graph, "conv.b"));
  g_assert_cmpint (conv->n_outputs, ==, 1);
  g_assert_cmpint (conv->outputs[0], ==, cs_graph_find_tensor (graph, "c"));
  g_assert_cmpint (tensor_by_name (graph, "c")->producer, ==, 0);
  g_assert_cmpint (conv->fused_add, ==, -1);
  g_assert_cmpint (conv->act, ==, CS_ACT_NONE);
  g_assert_false (conv->dead);
  ints = cs_node_attr_ints (conv, "pads", &n);
  g_assert_cmpint (n, ==, 4);
  g_assert_cmpint (ints[0], ==, 1);
  g_assert_cmpint (ints[3], ==, 1);
  ints = cs_node_attr_ints (conv, "strides", &n);
  g_assert_cmpint (n, ==, 2);
  g_assert_cmpint (ints[1], ==, 2);
  g_assert_cmpint (cs_node_attr_int (conv, "group", 0), ==, 1);
  g_assert_cmpstr (cs_node_attr_string (conv, "auto_pad", NULL), ==, "NOTSET");
  g_assert_null (cs_node_attr_ints (conv, "dilations", &n));
  g_assert_cmpint (n, ==, 0);

  leaky = cs_graph_node (graph, 1);
  g_assert_cmpint (leaky->op, ==, CS_OP_LEAKY_RELU);
  /* Unnamed nodes get a name for messages. */
  g_assert_cmpstr (leaky->name, ==, "LeakyRelu_1");
  g_assert_cmpfloat (cs_node_attr_float (leaky, "alpha", 0), ==, 0.2f);

  resize = cs_graph_node (graph, 2);
  g_assert_cmpint (resize->op, ==, CS_OP_RESIZE);
  g_assert_cmpint (resize->n_inputs, ==, 3);
  g_assert_cmpint (resize->inputs[1], ==, -1);
  g_assert_cmpint (resize->inputs[2], ==, cs_graph_find_tensor (graph, "scales"));
  g_assert_cmpstr (cs_node_attr_string (resize, "mode", "linear"), ==, "nearest");

  constant = cs_graph_node (graph, 3);
  g_assert_cmpint (constant->op, ==, CS_OP_CONSTANT);
  g_assert_cmpint (constant->n_inputs, ==, 0);
  attr = cs_node_attr (constant, "value");
  g_assert_nonnull (attr);
  g_assert_cmpint (attr->type, ==, CS_ATTR_TENSOR);
  t = cs_graph_tensor (graph, attr->tensor);
  g_assert_cmpint (t->dtype, ==, CS_DTYPE_FLOAT);
  assert_shape (t, "2x2");
  g_assert_cmpfloat (((float *) t->data)[3], ==, 4.0f);
  g_assert_false (t->is_input);

  cos = cs_graph_node (graph, 4);
  g_assert_cmpint (cos->op, ==, CS_OP_CONSTANT_OF_SHAPE);
  attr = cs_node_attr (cos, "value");
  t = cs_graph_tensor (graph, attr->tensor);
  g_assert_cmpint (t->dtype, ==, CS_DTYPE_INT64);
  assert_shape (t, "1");
  g_assert_cmpint (((int64_t *) t->data)[0], ==, 0);

  clip = cs_graph_node (graph, 5);
  floats = cs_node_attr_floats (clip, "bounds", &n);
  g_assert_cmpint (n, ==, 2);
  g_assert_cmpfloat (floats[0], ==, -1.5f);
  g_assert_cmpfloat (floats[1], ==, 1.5f);

  g_assert_cmpint (cs_graph_node (graph, 6)->op, ==, CS_OP_RESHAPE);

  /* Outputs in the model's order */
  g_assert_cmpuint (graph->outputs->len, ==, 2);
  t = cs_graph_tensor (graph, g_array_index (graph->outputs, int, 0));
  g_assert_cmpstr (t->name, ==, "out");
  g_assert_true (t->is_output);
  g_assert_cmpint (t->producer, ==, 6);
  t = cs_graph_tensor (graph, g_array_index (graph->outputs, int, 1));
  g_assert_cmpstr (t->name, ==, "kv");
  g_assert_cmpint (t->producer, ==, 3);
}

static void
test_round_trip_data (void)
{
  g_autoptr(CsOnnxWriter) w = round_trip_writer ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CsGraph) graph = load_writer (w, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (graph);
  check_round_trip_graph (graph);
}

static void
test_round_trip_file (void)
{
  g_autoptr(CsOnnxWriter) w = round_trip_writer ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CsGraph) graph = NULL;
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "model.onnx", NULL);

  g_assert_true (cs_onnx_writer_save (w, path, &error));
  g_assert_no_error (error);

  /* Saving again replaces the file whole. */
  g_assert_true (cs_onnx_writer_save (w, path, &error));
  g_assert_no_error (error);

  graph = cs_onnx_load_file (path, &error);
  g_assert_no_error (error);
  check_round_trip_graph (graph);

  cs_test_remove_tree (dir);
}

static void
test_writer_save_failure (void)
{
  g_autoptr(CsOnnxWriter) w = relu_writer ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *missing = g_build_filename (dir, "no-such-folder", "model.onnx", NULL);
  g_autofree char *path = g_build_filename (dir, "model.onnx", NULL);
  g_autofree char *contents = NULL;

  g_assert_false (cs_onnx_writer_save (w, missing, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&error);

  /* A folder in the way: refused, and no temporary file is left behind. */
  {
    g_autofree char *blocker = g_build_filename (dir, "blocker.onnx", NULL);
    g_autoptr(GDir) listing = NULL;
    guint entries = 0;

    g_assert_cmpint (g_mkdir (blocker, 0700), ==, 0);
    g_assert_false (cs_onnx_writer_save (w, blocker, &error));
    g_assert_nonnull (error);
    g_clear_error (&error);
    g_assert_true (g_file_test (blocker, G_FILE_TEST_IS_DIR));

    listing = g_dir_open (dir, 0, NULL);
    while (g_dir_read_name (listing) != NULL)
      entries++;
    g_assert_cmpuint (entries, ==, 1);
  }

  /* A failed save leaves an existing file as it was. */
  g_assert_true (g_file_set_contents (path, "old", -1, NULL));
  g_assert_true (g_chmod (dir, 0500) == 0);
  if (access (dir, W_OK) == 0)
    {
      g_chmod (dir, 0700);
      cs_test_remove_tree (dir);
      g_test_message ("read-only folders are writable here (root?): not testing that part");
      return;
    }
  g_assert_false (cs_onnx_writer_save (w, path, &error));
  g_assert_nonnull (error);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "old");
  g_chmod (dir, 0700);

  cs_test_remove_tree (dir);
}

static void
test_symbolic_dims (void)
{
  g_autoptr(CsOnnxWriter) w = cs_onnx_writer_new ("dims", 17);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsGraph) graph = NULL;
  g_autoptr(GBytes) bytes = NULL;
  Onnx__ModelProto *model;
  Onnx__TypeProto__Tensor *tt;

  cs_onnx_writer_add_input (w, "a", "batch, 3 ,height,width");
  cs_onnx_writer_add_input (w, "b", "");
  cs_onnx_writer_add_input (w, "c", NULL);
  cs_onnx_writer_add_input (w, "d", "0,-1");
  cs_onnx_writer_add_node (w, "Add", "add", CS_ONNX_NAMES ("a", "b"), CS_ONNX_NAMES ("y"));
  cs_onnx_writer_add_output (w, "y", "batch,3,height,width");

  /* What the writer put in the file */
  bytes = cs_onnx_writer_serialize (w);
  model = onnx__model_proto__unpack (NULL, g_bytes_get_size (bytes), g_bytes_get_data (bytes, NULL));
  g_assert_nonnull (model);
  g_assert_cmpint (model->opset_import[0]->version, ==, 17);
  g_assert_cmpint (model->ir_version, ==, 8);
  tt = model->graph->input[0]->type->tensor_type;
  g_assert_cmpint (tt->elem_type, ==, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT);
  g_assert_cmpuint (tt->shape->n_dim, ==, 4);
  g_assert_cmpint (tt->shape->dim[0]->value_case, ==, ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM);
  g_assert_cmpstr (tt->shape->dim[0]->dim_param, ==, "batch");
  g_assert_cmpint (tt->shape->dim[1]->dim_value, ==, 3);
  g_assert_cmpstr (tt->shape->dim[3]->dim_param, ==, "width");
  g_assert_null (model->graph->input[2]->type->tensor_type->shape);
  onnx__model_proto__free_unpacked (model, NULL);

  graph = load_writer (w, NULL, &error);
  g_assert_no_error (error);
  assert_shape (tensor_by_name (graph, "a"), "?x3x?x?");
  g_assert_cmpint (tensor_by_name (graph, "b")->rank, ==, 0);
  g_assert_cmpint (tensor_by_name (graph, "c")->rank, ==, -1);
  /* -1 as a number also reads as "not known yet". */
  assert_shape (tensor_by_name (graph, "d"), "0x?");
  g_assert_cmpuint (graph->inputs->len, ==, 4);
}

/* Hand-built protobuf messages, for what the writer does not write */

static GBytes *
pack_model (Onnx__GraphProto *graph,
            int64_t           opset)
{
  Onnx__ModelProto model = ONNX__MODEL_PROTO__INIT;
  Onnx__OperatorSetIdProto import = ONNX__OPERATOR_SET_ID_PROTO__INIT;
  Onnx__OperatorSetIdProto *imports[1] = { &import };
  guint8 *buf;
  size_t len;

  import.domain = (char *) "";
  import.has_version = TRUE;
  import.version = opset;
  model.has_ir_version = TRUE;
  model.ir_version = 7;
  model.n_opset_import = 1;
  model.opset_import = imports;
  model.graph = graph;

  len = onnx__model_proto__get_packed_size (&model);
  buf = g_malloc (len);
  onnx__model_proto__pack (&model, buf);

  return g_bytes_new_take (buf, len);
}

/* A graph whose output "out" is Identity of the initializer init. */
static CsGraph *
load_initializer (Onnx__TensorProto  *init,
                  GError            **error)
{
  Onnx__GraphProto graph = ONNX__GRAPH_PROTO__INIT;
  Onnx__NodeProto node = ONNX__NODE_PROTO__INIT;
  Onnx__ValueInfoProto out = ONNX__VALUE_INFO_PROTO__INIT;
  Onnx__NodeProto *nodes[1] = { &node };
  Onnx__TensorProto *inits[1] = { init };
  Onnx__ValueInfoProto *outs[1] = { &out };
  char *node_in[1] = { init->name };
  char *node_out[1] = { (char *) "out" };
  g_autoptr(GBytes) bytes = NULL;

  node.op_type = (char *) "Identity";
  node.n_input = 1;
  node.input = node_in;
  node.n_output = 1;
  node.output = node_out;
  out.name = (char *) "out";
  graph.n_node = 1;
  graph.node = nodes;
  graph.n_initializer = 1;
  graph.initializer = inits;
  graph.n_output = 1;
  graph.output = outs;

  bytes = pack_model (&graph, 13);
  return cs_onnx_load_data (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL, error);
}

static void
test_typed_fields (void)
{
  g_autoptr(GError) error = NULL;
  Onnx__TensorProto t = ONNX__TENSOR_PROTO__INIT;
  int64_t dims[2] = { 2, 2 };
  CsGraph *graph;
  CsTensor *ct;

  t.name = (char *) "w";
  t.n_dims = 2;
  t.dims = dims;
  t.has_data_type = TRUE;

  /* float_data */
  {
    float values[4] = { 1.5f, -2.0f, 0.0f, 1e-3f };

    t.data_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    t.n_float_data = 4;
    t.float_data = values;
    graph = load_initializer (&t, &error);
    g_assert_no_error (error);
    ct = tensor_by_name (graph, "w");
    g_assert_cmpint (ct->dtype, ==, CS_DTYPE_FLOAT);
    g_assert_cmpmem (ct->data, 16, values, 16);
    cs_graph_free (graph);

    /* three values for four places */
    t.n_float_data = 3;
    graph = load_initializer (&t, &error);
    g_assert_null (graph);
    g_assert_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL);
    g_assert_nonnull (strstr (error->message, "tensor 'w' has 3 values but its shape 2x2 needs 4"));
    g_clear_error (&error);
    t.n_float_data = 0;
    t.float_data = NULL;
  }

  /* int32_data carries int8, and float16 as bit patterns */
  {
    int32_t values[4] = { -128, 127, 0, 5 };
    int32_t halves[4] = { 0x3c00, 0xc000, 0x0001, 0x7c00 };

    t.data_type = ONNX__TENSOR_PROTO__DATA_TYPE__INT8;
    t.n_int32_data = 4;
    t.int32_data = values;
    graph = load_initializer (&t, &error);
    g_assert_no_error (error);
    ct = tensor_by_name (graph, "w");
    g_assert_cmpint (ct->dtype, ==, CS_DTYPE_INT64);
    g_assert_cmpint (((int64_t *) ct->data)[0], ==, -128);
    g_assert_cmpint (((int64_t *) ct->data)[3], ==, 5);
    cs_graph_free (graph);

    t.data_type = ONNX__TENSOR_PROTO__DATA_TYPE__BOOL;
    graph = load_initializer (&t, &error);
    g_assert_no_error (error);
    ct = tensor_by_name (graph, "w");
    g_assert_cmpint (ct->dtype, ==, CS_DTYPE_BOOL);
    g_assert_cmpint (((int64_t *) ct->data)[0], ==, 1);
    g_assert_cmpint (((int64_t *) ct->data)[2], ==, 0);
    cs_graph_free (graph);

    t.data_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16;
    t.int32_data = halves;
    graph = load_initializer (&t, &error);
    g_assert_no_error (error);
    ct = tensor_by_name (graph, "w");
    g_assert_cmpint (ct->dtype, ==, CS_DTYPE_FLOAT);
    g_assert_cmpfloat (((float *) ct->data)[0], ==, 1.0f);
    g_assert_cmpfloat (((float *) ct->data)[1], ==, -2.0f);
    g_assert_cmpfloat (((float *) ct->data)[2], ==, 0x1p-24f);
    g_assert_true (isinf (((float *) ct->data)[3]));
    cs_graph_free (graph);
    t.n_int32_data = 0;
    t.int32_data = NULL;
  }

  /* int64_data, double_data, uint64_data */
  {
    int64_t i64[4] = { G_MININT64, -1, 0, G_MAXINT64 };
    double f64[4] = { 0.5, -1e300, 1e300, 3.0 };
    uint64_t u64[4] = { 0, 1, G_MAXUINT64, 2 };

    t.data_type = ONNX__TENSOR_PROTO__DATA_TYPE__INT64;
    t.n_int64_data = 4;
    t.int64_data = i64;
    graph = load_initializer (&t, &error);
    g_assert_no_error (error);
    g_assert_cmpmem (tensor_by_name (graph, "w")->data, 32, i64, 32);
    cs_graph_free (graph);
    t.n_int64_data = 0;

    t.data_type = ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE;
    t.n_double_data = 4;
    t.double_data = f64;
    graph = load_initializer (&t, &error);
    g_assert_no_error (error);
    ct = tensor_by_name (graph, "w");
    g_assert_cmpfloat (((float *) ct->data)[0], ==, 0.5f);
    g_assert_true (isinf (((float *) ct->data)[1]) && ((float *) ct->data)[1] < 0);
    g_assert_true (isinf (((float *) ct->data)[2]));
    cs_graph_free (graph);
    t.n_double_data = 0;

    t.data_type = ONNX__TENSOR_PROTO__DATA_TYPE__UINT64;
    t.n_uint64_data = 4;
    t.uint64_data = u64;
    graph = load_initializer (&t, &error);
    g_assert_null (graph);
    g_assert_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_UNSUPPORTED);
    g_assert_nonnull (strstr (error->message, "'w'"));
    g_clear_error (&error);
    t.n_uint64_data = 0;
  }

  /* raw float16 and raw double */
  {
    guint8 raw16[8] = { 0x00, 0x3c, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x80 };
    double d[4] = { 1.0, 2.0, -4.0, 0.125 };

    t.data_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16;
    t.has_raw_data = TRUE;
    t.raw_data.data = raw16;
    t.raw_data.len = sizeof raw16;
    graph = load_initializer (&t, &error);
    g_assert_no_error (error);
    ct = tensor_by_name (graph, "w");
    g_assert_cmpfloat (((float *) ct->data)[0], ==, 1.0f);
    g_assert_cmpfloat (((float *) ct->data)[1], ==, -2.0f);
    g_assert_true (signbit (((float *) ct->data)[3]));
    cs_graph_free (graph);

    t.data_type = ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE;
    t.raw_data.data = (guint8 *) d;
    t.raw_data.len = sizeof d;
    graph = load_initializer (&t, &error);
    g_assert_no_error (error);
    ct = tensor_by_name (graph, "w");
    g_assert_cmpfloat (((float *) ct->data)[3], ==, 0.125f);
    cs_graph_free (graph);

    /* Raw data wins over typed fields, but must be exactly as long as the shape says. */
    t.raw_data.len = sizeof d - 1;
    graph = load_initializer (&t, &error);
    g_assert_null (graph);
    g_assert_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL);
    g_assert_nonnull (strstr (error->message, "tensor 'w' has 31 bytes of data but its shape 2x2 needs 32"));
    g_clear_error (&error);
    t.has_raw_data = FALSE;
    t.raw_data.data = NULL;
    t.raw_data.len = 0;
  }

  /* Empty tensors are constants too. */
  {
    int64_t zero_dims[1] = { 0 };

    t.data_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    t.n_dims = 1;
    t.dims = zero_dims;
    graph = load_initializer (&t, &error);
    g_assert_no_error (error);
    ct = tensor_by_name (graph, "w");
    g_assert_nonnull (ct->data);
    g_assert_cmpuint (cs_tensor_numel (ct), ==, 0);
    cs_graph_free (graph);
    t.n_dims = 2;
    t.dims = dims;
  }

  /* Types the engine has no use for */
  {
    ProtobufCBinaryData strings[4] = { { 1, (guint8 *) "a" }, { 1, (guint8 *) "b" },
                                       { 1, (guint8 *) "c" }, { 1, (guint8 *) "d" } };

    t.data_type = ONNX__TENSOR_PROTO__DATA_TYPE__STRING;
    t.n_string_data = 4;
    t.string_data = strings;
    graph = load_initializer (&t, &error);
    g_assert_null (graph);
    g_assert_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_UNSUPPORTED);
    g_assert_nonnull (strstr (error->message, "tensor 'w' holds string values"));
    g_clear_error (&error);
    t.n_string_data = 0;

    t.data_type = ONNX__TENSOR_PROTO__DATA_TYPE__COMPLEX64;
    graph = load_initializer (&t, &error);
    g_assert_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_UNSUPPORTED);
    g_assert_nonnull (strstr (error->message, "complex64"));
    g_clear_error (&error);

    t.data_type = 99;
    graph = load_initializer (&t, &error);
    g_assert_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL);
    g_clear_error (&error);

    t.has_data_type = FALSE;
    graph = load_initializer (&t, &error);
    g_assert_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL);
    g_assert_nonnull (strstr (error->message, "'w'"));
    g_clear_error (&error);
  }
}

static void
test_subgraph_attr (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  Onnx__GraphProto graph = ONNX__GRAPH_PROTO__INIT;
  Onnx__GraphProto body = ONNX__GRAPH_PROTO__INIT;
  Onnx__NodeProto node = ONNX__NODE_PROTO__INIT;
  Onnx__AttributeProto attr = ONNX__ATTRIBUTE_PROTO__INIT;
  Onnx__AttributeProto *attrs[1] = { &attr };
  Onnx__ValueInfoProto out = ONNX__VALUE_INFO_PROTO__INIT;
  Onnx__ValueInfoProto *outs[1] = { &out };
  Onnx__NodeProto *nodes[1] = { &node };
  char *node_out[1] = { (char *) "out" };
  CsGraph *loaded;

  attr.name = (char *) "body";
  attr.has_type = TRUE;
  attr.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH;
  attr.g = &body;
  /* A supported operator with a graph attribute: the attribute is refused. */
  node.op_type = (char *) "Identity";
  node.name = (char *) "with_body";
  node.n_output = 1;
  node.output = node_out;
  node.n_attribute = 1;
  node.attribute = attrs;
  out.name = (char *) "out";
  graph.n_node = 1;
  graph.node = nodes;
  graph.n_output = 1;
  graph.output = outs;

  bytes = pack_model (&graph, 13);
  loaded = cs_onnx_load_data (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL, &error);
  g_assert_null (loaded);
  g_assert_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "'body'"));
  g_assert_nonnull (strstr (error->message, "with_body"));
}

/* Conformance-suite models */

static CsGraph *
load_testdata (const char *kind,
               const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (CS_ONNX_TESTDATA_DIR, kind, name, "model.onnx", NULL);
  CsGraph *graph;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return NULL;

  graph = cs_onnx_load_file (path, &error);
  g_assert_no_error (error);
  return graph;
}

static void
test_testdata_conv (void)
{
  g_autoptr(CsGraph) graph = load_testdata ("node", "test_conv_with_strides_padding");
  const CsNode *conv;
  const int64_t *ints;
  int n;

  if (graph == NULL)
    {
      g_test_skip ("libonnx-testdata is not installed");
      return;
    }

  g_assert_cmpint (graph->opset, >=, 7);
  g_assert_cmpuint (graph->nodes->len, ==, 1);
  g_assert_cmpuint (graph->inputs->len, ==, 2);
  g_assert_cmpuint (graph->outputs->len, ==, 1);
  assert_shape (tensor_by_name (graph, "x"), "1x1x7x5");
  assert_shape (tensor_by_name (graph, "W"), "1x1x3x3");
  g_assert_true (tensor_by_name (graph, "W")->is_input);
  g_assert_true (tensor_by_name (graph, "y")->is_output);

  conv = cs_graph_node (graph, 0);
  g_assert_cmpint (conv->op, ==, CS_OP_CONV);
  g_assert_cmpint (conv->n_inputs, ==, 2);
  g_assert_cmpint (conv->inputs[0], ==, cs_graph_find_tensor (graph, "x"));
  g_assert_cmpint (conv->inputs[1], ==, cs_graph_find_tensor (graph, "W"));
  ints = cs_node_attr_ints (conv, "strides", &n);
  g_assert_cmpint (n, ==, 2);
  g_assert_cmpint (ints[0], ==, 2);
  g_assert_cmpint (ints[1], ==, 2);
  ints = cs_node_attr_ints (conv, "pads", &n);
  g_assert_cmpint (n, ==, 4);
  for (int i = 0; i < 4; i++)
    g_assert_cmpint (ints[i], ==, 1);
  ints = cs_node_attr_ints (conv, "kernel_shape", &n);
  g_assert_cmpint (n, ==, 2);
  g_assert_cmpint (ints[0], ==, 3);
}

static void
test_testdata_relu (void)
{
  g_autoptr(CsGraph) graph = load_testdata ("node", "test_relu");
  const CsNode *relu;

  if (graph == NULL)
    {
      g_test_skip ("libonnx-testdata is not installed");
      return;
    }

  g_assert_cmpuint (graph->nodes->len, ==, 1);
  relu = cs_graph_node (graph, 0);
  g_assert_cmpint (relu->op, ==, CS_OP_RELU);
  g_assert_cmpint (relu->n_inputs, ==, 1);
  g_assert_cmpint (relu->n_outputs, ==, 1);
  assert_shape (tensor_by_name (graph, "x"), "3x4x5");
  g_assert_cmpint (tensor_by_name (graph, "x")->dtype, ==, CS_DTYPE_FLOAT);
  g_assert_cmpint (relu->outputs[0], ==, cs_graph_find_tensor (graph, "y"));
  g_assert_cmpint (g_array_index (graph->outputs, int, 0), ==, relu->outputs[0]);
}

static void
test_testdata_reshape (void)
{
  g_autoptr(CsGraph) graph = load_testdata ("node", "test_reshape_reordered_all_dims");
  const CsNode *reshape;
  CsTensor *shape;

  if (graph == NULL)
    {
      g_test_skip ("libonnx-testdata is not installed");
      return;
    }

  g_assert_cmpuint (graph->nodes->len, ==, 1);
  reshape = cs_graph_node (graph, 0);
  g_assert_cmpint (reshape->op, ==, CS_OP_RESHAPE);
  g_assert_cmpint (reshape->n_inputs, ==, 2);
  assert_shape (tensor_by_name (graph, "data"), "2x3x4");
  shape = tensor_by_name (graph, "shape");
  g_assert_cmpint (shape->dtype, ==, CS_DTYPE_INT64);
  assert_shape (shape, "3");
  g_assert_cmpint (reshape->inputs[1], ==, cs_graph_find_tensor (graph, "shape"));
}

static void
test_testdata_constant (void)
{
  g_autoptr(CsGraph) graph = load_testdata ("node", "test_constant");
  const CsAttr *value;

  if (graph == NULL)
    {
      g_test_skip ("libonnx-testdata is not installed");
      return;
    }

  /* Add(x, Constant) as exported, with the value as a TENSOR attribute */
  for (guint i = 0; i < graph->nodes->len; i++)
    {
      const CsNode *node = cs_graph_node (graph, i);

      if (node->op != CS_OP_CONSTANT)
        continue;

      value = cs_node_attr (node, "value");
      g_assert_nonnull (value);
      g_assert_cmpint (value->type, ==, CS_ATTR_TENSOR);
      g_assert_nonnull (cs_graph_tensor (graph, value->tensor)->data);
      g_assert_cmpint (cs_graph_tensor (graph, value->tensor)->rank, >, 0);
      return;
    }

  g_assert_not_reached ();
}

/* Every model of ONNX's conformance suite either loads or is refused as
 * unsupported: they are all valid, so none may be called malformed. */
static void
test_testdata_all (void)
{
  const char *kinds[] = { "node", "pytorch-converted", "pytorch-operator", "simple" };
  guint loaded = 0, refused = 0;

  if (!g_file_test (CS_ONNX_TESTDATA_DIR, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("libonnx-testdata is not installed");
      return;
    }

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      g_autofree char *kind_dir = g_build_filename (CS_ONNX_TESTDATA_DIR, kinds[k], NULL);
      g_autoptr(GDir) dir = g_dir_open (kind_dir, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (kind_dir, name, "model.onnx", NULL);
          g_autoptr(GError) error = NULL;
          g_autoptr(CsGraph) graph = NULL;

          if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
            continue;

          graph = cs_onnx_load_file (path, &error);
          if (graph != NULL)
            {
              loaded++;
              continue;
            }

          refused++;
          if (!g_error_matches (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_UNSUPPORTED))
            g_error ("%s/%s: %s", kinds[k], name, error->message);
        }
    }

  g_test_message ("%u conformance models loaded, %u refused as unsupported", loaded, refused);
  g_assert_cmpuint (loaded, >, 100);
}

/* Broken and hostile input */

static void
test_bad_bytes (void)
{
  g_autoptr(CsOnnxWriter) w = round_trip_writer ();
  g_autoptr(GBytes) bytes = cs_onnx_writer_serialize (w);
  g_autoptr(GRand) rand = g_rand_new_with_seed (20240611);
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  guint8 *copy;

  /* Empty */
  assert_bytes_refused (data, 0, CS_ENGINE_ERROR_INVALID_MODEL, "empty");

  /* Every truncation of a valid model */
  for (gsize cut = 1; cut < len; cut++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CsGraph) graph = NULL;

      copy = g_memdup2 (data, cut);
      graph = cs_onnx_load_data (copy, cut, NULL, &error);
      g_free (copy);
      if (graph != NULL)
        g_error ("a model cut to %zu of %zu bytes loaded", cut, len);
      g_assert_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL);
    }

  /* Garbage */
  for (guint i = 0; i < 200; i++)
    {
      gsize n = 1 + (gsize) g_rand_int_range (rand, 0, 4096);
      g_autoptr(GError) error = NULL;
      g_autoptr(CsGraph) graph = NULL;

      copy = g_malloc (n);
      for (gsize k = 0; k < n; k++)
        copy[k] = (guint8) g_rand_int (rand);
      graph = cs_onnx_load_data (copy, n, NULL, &error);
      g_free (copy);
      g_assert_null (graph);
      g_assert_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL);
    }

  {
    const char text[] = "This is a text file, not a model.\n";
    g_autoptr(GError) error = NULL;
    g_autoptr(CsGraph) graph = cs_onnx_load_data ((const guint8 *) text, sizeof text - 1, NULL, &error);

    g_assert_null (graph);
    g_assert_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL);
    g_assert_nonnull (strstr (error->message, "not a valid ONNX model"));
  }

  /* Random damage to a valid model: anything may happen but a crash. */
  copy = g_malloc (len);
  for (guint i = 0; i < 3000; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CsGraph) graph = NULL;
      guint flips = 1 + (guint) g_rand_int_range (rand, 0, 4);

      memcpy (copy, data, len);
      for (guint f = 0; f < flips; f++)
        copy[g_rand_int_range (rand, 0, (gint32) len)] = (guint8) g_rand_int (rand);
      graph = cs_onnx_load_data (copy, len, NULL, &error);
      g_assert_true ((graph == NULL) != (error == NULL));
      if (error != NULL)
        g_assert_true (error->domain == CS_ENGINE_ERROR);
    }
  g_free (copy);
}

static void
test_bad_files (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *empty = g_build_filename (dir, "empty.onnx", NULL);
  g_autofree char *truncated = g_build_filename (dir, "truncated.onnx", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.onnx", NULL);
  g_autoptr(CsOnnxWriter) w = round_trip_writer ();
  g_autoptr(GBytes) bytes = cs_onnx_writer_serialize (w);
  g_autoptr(GError) error = NULL;
  CsGraph *graph;

  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  graph = cs_onnx_load_file (empty, &error);
  g_assert_null (graph);
  g_assert_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL);
  g_assert_nonnull (strstr (error->message, "empty"));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (truncated, g_bytes_get_data (bytes, NULL),
                                      (gssize) g_bytes_get_size (bytes) / 2, NULL));
  graph = cs_onnx_load_file (truncated, &error);
  g_assert_null (graph);
  g_assert_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL);
  g_assert_nonnull (strstr (error->message, "not a valid ONNX model"));
  g_clear_error (&error);

  graph = cs_onnx_load_file (missing, &error);
  g_assert_null (graph);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&error);

  graph = cs_onnx_load_file (dir, &error);
  g_assert_null (graph);
  g_assert_nonnull (error);

  cs_test_remove_tree (dir);
}

/* protobuf-c recurses once per nested message; the loader must refuse
 * deep nesting before it reaches protobuf-c. */
static void
test_deep_nesting (void)
{
  /* graph (7) > node (1) > attribute (5) > g (6) > node ... */
  const guint8 tags[] = { (1 << 3) | 2, (5 << 3) | 2, (6 << 3) | 2 };
  GByteArray *buf = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CsGraph) graph = NULL;

  /* Built back to front, since each header holds the length of all it wraps. */
  for (guint level = 0; level < 200000; level++)
    {
      guint8 varint[10];
      guint n = 0;
      guint64 len = buf->len;
      guint8 tag = level == 199999 ? ((7 << 3) | 2) : tags[(199998 - level) % 3];

      do
        {
          varint[n++] = (guint8) ((len & 0x7f) | (len >= 0x80 ? 0x80 : 0));
          len >>= 7;
        }
      while (len != 0);
      while (n > 0)
        g_byte_array_append (buf, &varint[--n], 1);
      g_byte_array_append (buf, &tag, 1);
    }
  for (guint i = 0; i < buf->len / 2; i++)
    {
      guint8 b = buf->data[i];

      buf->data[i] = buf->data[buf->len - 1 - i];
      buf->data[buf->len - 1 - i] = b;
    }

  graph = cs_onnx_load_data (buf->data, buf->len, NULL, &error);
  g_assert_null (graph);
  g_assert_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL);
  g_assert_nonnull (strstr (error->message, "nests"));
  g_byte_array_unref (buf);
}

static void
test_unknown_operator (void)
{
  g_autoptr(CsOnnxWriter) w = cs_onnx_writer_new ("nms", 13);
  g_autoptr(CsOnnxWriter) d = relu_writer ();

  cs_onnx_writer_add_input (w, "boxes", "1,10,4");
  cs_onnx_writer_add_input (w, "scores", "1,1,10");
  cs_onnx_writer_add_node (w, "NonMaxSuppression", "nms_1", CS_ONNX_NAMES ("boxes", "scores"),
                           CS_ONNX_NAMES ("selected"));
  cs_onnx_writer_add_output (w, "selected", NULL);
  assert_refused (w, NULL, CS_ENGINE_ERROR_UNSUPPORTED,
                  "operator 'NonMaxSuppression' (node 'nms_1') is not supported", NULL);

  /* A known name in another domain is another operator. */
  cs_onnx_writer_add_node (d, "Relu", "fused", CS_ONNX_NAMES ("y"), CS_ONNX_NAMES ("z"));
  cs_onnx_writer_node_set_domain (d, "com.microsoft");
  assert_refused (d, NULL, CS_ENGINE_ERROR_UNSUPPORTED, "com.microsoft", "'fused'", NULL);
}

static void
test_ai_onnx_domain (void)
{
  g_autoptr(CsOnnxWriter) w = relu_writer ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CsGraph) graph = NULL;

  cs_onnx_writer_node_set_domain (w, "ai.onnx");
  graph = load_writer (w, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cs_graph_node (graph, 0)->op, ==, CS_OP_RELU);
}

static void
test_opset (void)
{
  for (int opset = 1; opset <= 20; opset++)
    {
      g_autoptr(CsOnnxWriter) w = cs_onnx_writer_new ("opset", opset);
      g_autoptr(GError) error = NULL;
      g_autoptr(CsGraph) graph = NULL;
      g_autofree char *number = g_strdup_printf ("%d", opset);

      cs_onnx_writer_add_input (w, "x", "1");
      cs_onnx_writer_add_node (w, "Relu", NULL, CS_ONNX_NAMES ("x"), CS_ONNX_NAMES ("y"));
      cs_onnx_writer_add_output (w, "y", "1");

      if (opset >= 7 && opset <= 17)
        {
          graph = load_writer (w, NULL, &error);
          g_assert_no_error (error);
          g_assert_cmpint (graph->opset, ==, opset);
        }
      else
        {
          assert_refused (w, NULL, CS_ENGINE_ERROR_UNSUPPORTED, number, "operator set", NULL);
        }
    }
}

static void
test_short_data (void)
{
  g_autoptr(CsOnnxWriter) w = relu_writer ();
  float values[27] = { 0 };

  cs_onnx_writer_add_float_initializer (w, "w", CS_ONNX_DIMS (3, 3, 3), values, 25);
  assert_refused (w, NULL, CS_ENGINE_ERROR_INVALID_MODEL,
                  "tensor 'w' has 100 bytes of data but its shape 3x3x3 needs 108", NULL);
}

static void
test_huge_dims (void)
{
  g_autoptr(CsOnnxWriter) input = relu_writer ();
  g_autoptr(CsOnnxWriter) init = relu_writer ();
  g_autoptr(CsOnnxWriter) wrap = relu_writer ();
  g_autoptr(CsOnnxWriter) cnst = relu_writer ();
  g_autoptr(CsOnnxWriter) lazy = relu_writer ();
  float one = 1;

  cs_onnx_writer_add_input (input, "huge", "1000000,1000000,1000000");
  assert_refused (input, NULL, CS_ENGINE_ERROR_SHAPE, "'huge'", "1000000x1000000x1000000", NULL);

  cs_onnx_writer_add_float_initializer (init, "huge", CS_ONNX_DIMS (1000000, 1000000, 1000000), &one, 1);
  assert_refused (init, NULL, CS_ENGINE_ERROR_SHAPE, "'huge'", NULL);

  /* A product that wraps around to 0 in 64 bits */
  cs_onnx_writer_add_float_initializer (wrap, "wraps",
                                        CS_ONNX_DIMS (G_GINT64_CONSTANT (1) << 32,
                                                      G_GINT64_CONSTANT (1) << 32, 1), &one, 0);
  assert_refused (wrap, NULL, CS_ENGINE_ERROR_SHAPE, "'wraps'", NULL);

  /* Within the element limit, but the data is not there: refused before
   * 14 GB are set aside for it. */
  cs_onnx_writer_add_float_initializer (lazy, "lazy", CS_ONNX_DIMS (60000, 60000), &one, 1);
  assert_refused (lazy, NULL, CS_ENGINE_ERROR_INVALID_MODEL, "'lazy'", "60000x60000", NULL);

  cs_onnx_writer_add_node (cnst, "Constant", "big", NULL, CS_ONNX_NAMES ("k"));
  cs_onnx_writer_node_set_float_tensor (cnst, "value", CS_ONNX_DIMS (1), &one);
  {
    /* Swap the attribute's dims for huge ones after the data was sized. */
    g_autoptr(GBytes) bytes = cs_onnx_writer_serialize (cnst);
    Onnx__ModelProto *model = onnx__model_proto__unpack (NULL, g_bytes_get_size (bytes),
                                                         g_bytes_get_data (bytes, NULL));
    Onnx__TensorProto *t = model->graph->node[1]->attribute[0]->t;
    int64_t huge[3] = { 1000000, 1000000, 1000000 };
    int64_t *saved = t->dims;
    size_t saved_n = t->n_dims;
    g_autoptr(GError) error = NULL;
    g_autoptr(CsGraph) graph = NULL;
    size_t len;
    g_autofree guint8 *buf = NULL;

    t->dims = huge;
    t->n_dims = 3;
    len = onnx__model_proto__get_packed_size (model);
    buf = g_malloc (len);
    onnx__model_proto__pack (model, buf);
    t->dims = saved;
    t->n_dims = saved_n;
    onnx__model_proto__free_unpacked (model, NULL);

    graph = cs_onnx_load_data (buf, len, NULL, &error);
    g_assert_null (graph);
    g_assert_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_SHAPE);
    g_assert_nonnull (strstr (error->message, "big.value"));
  }
}

static void
test_bad_dims (void)
{
  g_autoptr(CsOnnxWriter) neg_input = relu_writer ();
  g_autoptr(CsOnnxWriter) neg_init = relu_writer ();
  g_autoptr(CsOnnxWriter) rank = relu_writer ();
  g_autoptr(CsOnnxWriter) rank_init = relu_writer ();
  float v[1] = { 0 };

  cs_onnx_writer_add_input (neg_input, "neg", "1,-3,4");
  assert_refused (neg_input, NULL, CS_ENGINE_ERROR_INVALID_MODEL, "'neg'", "-3", NULL);

  cs_onnx_writer_add_float_initializer (neg_init, "negw", CS_ONNX_DIMS (-1, 1), v, 1);
  assert_refused (neg_init, NULL, CS_ENGINE_ERROR_INVALID_MODEL, "'negw'", "-1", NULL);

  cs_onnx_writer_add_input (rank, "deep", "1,1,1,1,1,1,1,1,1");
  assert_refused (rank, NULL, CS_ENGINE_ERROR_UNSUPPORTED, "'deep'", "9 dimensions", NULL);

  cs_onnx_writer_add_float_initializer (rank_init, "deepw", CS_ONNX_DIMS (1, 1, 1, 1, 1, 1, 1, 1, 1), v, 1);
  assert_refused (rank_init, NULL, CS_ENGINE_ERROR_UNSUPPORTED, "'deepw'", NULL);
}

static void
test_bad_structure (void)
{
  /* a node reading a tensor nobody defines */
  {
    g_autoptr(CsOnnxWriter) w = relu_writer ();

    cs_onnx_writer_add_node (w, "Add", "add", CS_ONNX_NAMES ("y", "nowhere"), CS_ONNX_NAMES ("z"));
    assert_refused (w, NULL, CS_ENGINE_ERROR_INVALID_MODEL, "'add'", "'nowhere'", NULL);
  }

  /* nodes out of order (or in a cycle) */
  {
    g_autoptr(CsOnnxWriter) w = cs_onnx_writer_new ("cycle", 13);

    cs_onnx_writer_add_input (w, "x", "1");
    cs_onnx_writer_add_node (w, "Add", "a", CS_ONNX_NAMES ("x", "b_out"), CS_ONNX_NAMES ("a_out"));
    cs_onnx_writer_add_node (w, "Relu", "b", CS_ONNX_NAMES ("a_out"), CS_ONNX_NAMES ("b_out"));
    cs_onnx_writer_add_output (w, "b_out", "1");
    assert_refused (w, NULL, CS_ENGINE_ERROR_INVALID_MODEL, "'b_out'", NULL);
  }

  /* a tensor written twice */
  {
    g_autoptr(CsOnnxWriter) w = relu_writer ();

    cs_onnx_writer_add_node (w, "Relu", "again", CS_ONNX_NAMES ("x"), CS_ONNX_NAMES ("y"));
    assert_refused (w, NULL, CS_ENGINE_ERROR_INVALID_MODEL, "'again'", "'y'", NULL);
  }

  /* an output nobody computes */
  {
    g_autoptr(CsOnnxWriter) w = relu_writer ();

    cs_onnx_writer_add_output (w, "ghost", "1");
    assert_refused (w, NULL, CS_ENGINE_ERROR_INVALID_MODEL, "'ghost'", NULL);
  }

  /* no outputs at all */
  {
    g_autoptr(CsOnnxWriter) w = cs_onnx_writer_new ("no-outputs", 13);

    cs_onnx_writer_add_input (w, "x", "1");
    cs_onnx_writer_add_node (w, "Relu", NULL, CS_ONNX_NAMES ("x"), CS_ONNX_NAMES ("y"));
    assert_refused (w, NULL, CS_ENGINE_ERROR_INVALID_MODEL, "outputs", NULL);
  }

  /* more inputs than a node can hold */
  {
    g_autoptr(CsOnnxWriter) w = relu_writer ();
    g_autofree char *count = g_strdup_printf ("%d inputs", CS_MAX_NODE_INPUTS + 1);
    const char *wide[CS_MAX_NODE_INPUTS + 2];

    for (int i = 0; i <= CS_MAX_NODE_INPUTS; i++)
      wide[i] = "y";
    wide[CS_MAX_NODE_INPUTS + 1] = NULL;
    cs_onnx_writer_add_node (w, "Concat", "wide", wide, CS_ONNX_NAMES ("z"));
    cs_onnx_writer_node_set_int (w, "axis", 0);
    assert_refused (w, NULL, CS_ENGINE_ERROR_UNSUPPORTED, "'wide'", count, NULL);
  }

  /* the same attribute twice */
  {
    g_autoptr(CsOnnxWriter) w = relu_writer ();

    cs_onnx_writer_add_node (w, "LeakyRelu", "twice", CS_ONNX_NAMES ("y"), CS_ONNX_NAMES ("z"));
    cs_onnx_writer_node_set_float (w, "alpha", 0.1f);
    cs_onnx_writer_node_set_float (w, "alpha", 0.2f);
    assert_refused (w, NULL, CS_ENGINE_ERROR_INVALID_MODEL, "'twice'", "'alpha'", NULL);
  }

  /* a tensor defined twice */
  {
    g_autoptr(CsOnnxWriter) w = relu_writer ();
    float v = 0;

    cs_onnx_writer_add_float_initializer (w, "w", NULL, 0, &v, 1);
    cs_onnx_writer_add_float_initializer (w, "w", NULL, 0, &v, 1);
    assert_refused (w, NULL, CS_ENGINE_ERROR_INVALID_MODEL, "'w'", NULL);
  }
}

/* External data */

static void
write_floats (const char  *path,
              const float *values,
              gsize        n)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, (const char *) values, (gssize) (n * sizeof (float)), &error);
  g_assert_no_error (error);
}

static CsOnnxWriter *
external_writer (const char *location,
                 guint64     offset)
{
  CsOnnxWriter *w = relu_writer ();

  cs_onnx_writer_add_external_initializer (w, "ext", CS_ONNX_DIMS (2, 2), location, offset, 16);
  return w;
}

static void
test_external_data (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *outside = make_temp_dir ();
  g_autofree char *weights_dir = g_build_filename (dir, "weights", NULL);
  g_autofree char *weights = g_build_filename (weights_dir, "w.bin", NULL);
  g_autofree char *secret = g_build_filename (outside, "secret.bin", NULL);
  g_autofree char *link = g_build_filename (dir, "link.bin", NULL);
  g_autofree char *dir_link = g_build_filename (dir, "elsewhere", NULL);
  g_autofree char *inner_link = g_build_filename (dir, "inner.bin", NULL);
  g_autofree char *fifo = g_build_filename (dir, "fifo.bin", NULL);
  g_autofree char *abs_location = NULL;
  const float values[6] = { 9.0f, 1.0f, 2.0f, 3.0f, 4.0f, 8.0f };

  g_assert_cmpint (g_mkdir (weights_dir, 0700), ==, 0);
  write_floats (weights, values, 6);
  write_floats (secret, values, 6);
  g_assert_cmpint (symlink (secret, link), ==, 0);
  g_assert_cmpint (symlink (outside, dir_link), ==, 0);
  g_assert_cmpint (symlink ("weights/w.bin", inner_link), ==, 0);

  /* Valid: a file in a subfolder, read from an offset */
  {
    g_autoptr(CsOnnxWriter) w = external_writer ("weights/w.bin", 4);
    g_autoptr(GError) error = NULL;
    g_autoptr(CsGraph) graph = load_writer (w, dir, &error);
    g_autofree char *model = g_build_filename (dir, "model.onnx", NULL);
    CsTensor *t;

    g_assert_no_error (error);
    t = tensor_by_name (graph, "ext");
    assert_shape (t, "2x2");
    g_assert_cmpmem (t->data, 16, values + 1, 16);

    /* and through a file: the model's own folder is the base */
    g_clear_pointer (&graph, cs_graph_free);
    g_assert_true (cs_onnx_writer_save (w, model, &error));
    graph = cs_onnx_load_file (model, &error);
    g_assert_no_error (error);
    g_assert_cmpmem (tensor_by_name (graph, "ext")->data, 16, values + 1, 16);
  }

  /* Valid: a symlink that stays inside the folder */
  {
    g_autoptr(CsOnnxWriter) w = external_writer ("inner.bin", 0);
    g_autoptr(GError) error = NULL;
    g_autoptr(CsGraph) graph = load_writer (w, dir, &error);

    g_assert_no_error (error);
    g_assert_cmpmem (tensor_by_name (graph, "ext")->data, 16, values, 16);
  }

  /* Escapes */
  {
    g_autoptr(CsOnnxWriter) up = external_writer ("../x", 0);
    g_autoptr(CsOnnxWriter) up_inner = external_writer ("weights/../../x", 0);
    g_autoptr(CsOnnxWriter) backslash = external_writer ("weights\\..\\..\\x", 0);
    g_autoptr(CsOnnxWriter) absolute = NULL;
    g_autoptr(CsOnnxWriter) sym = external_writer ("link.bin", 0);
    g_autoptr(CsOnnxWriter) sym_dir = external_writer ("elsewhere/secret.bin", 0);

    assert_refused (up, dir, CS_ENGINE_ERROR_INVALID_MODEL, "'ext'", "'../x'", "folder", NULL);
    assert_refused (up_inner, dir, CS_ENGINE_ERROR_INVALID_MODEL, "'ext'", "folder", NULL);
    assert_refused (backslash, dir, CS_ENGINE_ERROR_INVALID_MODEL, "'ext'", "folder", NULL);

    abs_location = g_strdup (secret);
    absolute = external_writer (abs_location, 0);
    assert_refused (absolute, dir, CS_ENGINE_ERROR_INVALID_MODEL, "'ext'", "absolute", NULL);

    assert_refused (sym, dir, CS_ENGINE_ERROR_INVALID_MODEL, "'ext'", "'link.bin'", "outside", NULL);
    assert_refused (sym_dir, dir, CS_ENGINE_ERROR_INVALID_MODEL, "'ext'", "outside", NULL);
  }

  /* Missing, short, wrongly sized, not a file, no folder */
  {
    g_autoptr(CsOnnxWriter) missing = external_writer ("nothing.bin", 0);
    g_autoptr(CsOnnxWriter) past_end = external_writer ("weights/w.bin", 12);
    g_autoptr(CsOnnxWriter) folder = external_writer ("weights", 0);
    g_autoptr(CsOnnxWriter) fifo_w = external_writer ("fifo.bin", 0);
    g_autoptr(CsOnnxWriter) wrong_length = relu_writer ();
    g_autoptr(CsOnnxWriter) no_dir = external_writer ("weights/w.bin", 0);

    assert_refused (missing, dir, CS_ENGINE_ERROR_INVALID_MODEL, "'nothing.bin'", "'ext'", NULL);
    assert_refused (past_end, dir, CS_ENGINE_ERROR_INVALID_MODEL, "'ext'", "too short", NULL);
    assert_refused (folder, dir, CS_ENGINE_ERROR_INVALID_MODEL, "'ext'", "regular file", NULL);
    if (mkfifo (fifo, 0600) == 0)
      assert_refused (fifo_w, dir, CS_ENGINE_ERROR_INVALID_MODEL, "'ext'", "regular file", NULL);

    cs_onnx_writer_add_external_initializer (wrong_length, "ext", CS_ONNX_DIMS (2, 2),
                                             "weights/w.bin", 0, 12);
    assert_refused (wrong_length, dir, CS_ENGINE_ERROR_INVALID_MODEL,
                    "tensor 'ext' has 12 bytes of data but its shape 2x2 needs 16", NULL);

    assert_refused (no_dir, NULL, CS_ENGINE_ERROR_UNSUPPORTED, "'ext'", NULL);
  }

  cs_test_remove_tree (dir);
  cs_test_remove_tree (outside);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/graph/op-names", test_graph_op_names);
  g_test_add_func ("/engine/graph/tensors", test_graph_tensors);
  g_test_add_func ("/engine/graph/numel", test_graph_numel);

  g_test_add_func ("/engine/onnx/round-trip/data", test_round_trip_data);
  g_test_add_func ("/engine/onnx/round-trip/file", test_round_trip_file);
  g_test_add_func ("/engine/onnx/writer/save-failure", test_writer_save_failure);
  g_test_add_func ("/engine/onnx/symbolic-dims", test_symbolic_dims);
  g_test_add_func ("/engine/onnx/typed-fields", test_typed_fields);
  g_test_add_func ("/engine/onnx/subgraph-attr", test_subgraph_attr);

  g_test_add_func ("/engine/onnx/testdata/conv", test_testdata_conv);
  g_test_add_func ("/engine/onnx/testdata/relu", test_testdata_relu);
  g_test_add_func ("/engine/onnx/testdata/reshape", test_testdata_reshape);
  g_test_add_func ("/engine/onnx/testdata/constant", test_testdata_constant);
  g_test_add_func ("/engine/onnx/testdata/all", test_testdata_all);

  g_test_add_func ("/engine/onnx/bad/bytes", test_bad_bytes);
  g_test_add_func ("/engine/onnx/bad/files", test_bad_files);
  g_test_add_func ("/engine/onnx/bad/deep-nesting", test_deep_nesting);
  g_test_add_func ("/engine/onnx/bad/unknown-operator", test_unknown_operator);
  g_test_add_func ("/engine/onnx/ai-onnx-domain", test_ai_onnx_domain);
  g_test_add_func ("/engine/onnx/bad/opset", test_opset);
  g_test_add_func ("/engine/onnx/bad/short-data", test_short_data);
  g_test_add_func ("/engine/onnx/bad/huge-dims", test_huge_dims);
  g_test_add_func ("/engine/onnx/bad/dims", test_bad_dims);
  g_test_add_func ("/engine/onnx/bad/structure", test_bad_structure);
  g_test_add_func ("/engine/onnx/external-data", test_external_data);

  return g_test_run ();
}
