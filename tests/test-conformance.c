/* test-conformance.c: ONNX's own node tests for every operator the engine
 * claims, run on the device with the Vulkan validation layer on.
 *
 * A test belongs to an operator when its model is that single operator.
 * Integer inputs are bound at load time, as the engine does for shape
 * arithmetic; float inputs are set at run time. Tests whose tensors have an
 * element type the engine does not compute in (uint8, double, strings, ...)
 * are outside the engine's scope and are listed, not run.
 */
#include "cs-config.h"

#include <math.h>
#include <string.h>

#include "cs-engine.h"
#include "onnx.pb-c.h"

#ifndef CS_ONNX_TESTDATA_DIR
#define CS_ONNX_TESTDATA_DIR "/usr/share/libonnx-testdata/data"
#endif

/* Every node test of a claimed operator that does not pass, and why. The
 * test fails if one of these starts passing (the list must stay true) or if
 * any other test fails. */
static const struct { const char *test; const char *reason; } exceptions[] = {
  { "test_averagepool_3d_default", "3-D pooling is not supported (refused at load)" },
  { "test_maxpool_3d_default", "3-D pooling is not supported (refused at load)" },
  { "test_convtranspose_3d", "3-D convolutions are not supported (refused at load)" },
};

static const char *
exception_reason (const char *test)
{
  for (guint i = 0; i < G_N_ELEMENTS (exceptions); i++)
    if (strcmp (exceptions[i].test, test) == 0)
      return exceptions[i].reason;
  return NULL;
}

/* Element types: FLOAT=1, UINT8=2, INT8=3, INT32=6, INT64=7, BOOL=9. */
static gboolean
type_in_scope (int t)
{
  return t == 1 || t == 6 || t == 7 || t == 9;
}

typedef struct {
  int      elem_type;
  int      rank;
  int64_t  dims[CS_MAX_RANK];
  double  *values;
  gsize    n;
} TestTensor;

static void
test_tensor_clear (TestTensor *t)
{
  g_free (t->values);
}

static gboolean
read_tensor (const char *path, TestTensor *out)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  Onnx__TensorProto *tp;
  gsize n = 1;

  memset (out, 0, sizeof *out);
  if (!g_file_get_contents (path, &data, &len, NULL))
    return FALSE;
  tp = onnx__tensor_proto__unpack (NULL, len, (const uint8_t *) data);
  if (tp == NULL)
    return FALSE;
  out->elem_type = tp->data_type;
  out->rank = (int) tp->n_dims;
  if (out->rank > CS_MAX_RANK)
    {
      onnx__tensor_proto__free_unpacked (tp, NULL);
      return FALSE;
    }
  for (int i = 0; i < out->rank; i++)
    {
      out->dims[i] = tp->dims[i];
      n *= tp->dims[i];
    }
  out->n = n;
  out->values = g_new0 (double, MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    {
      double v = 0;
      if (tp->has_raw_data)
        {
          const guint8 *r = tp->raw_data.data;
          switch (tp->data_type)
            {
            case 1: { float f; memcpy (&f, r + 4 * i, 4); v = f; break; }
            case 6: { gint32 x; memcpy (&x, r + 4 * i, 4); v = x; break; }
            case 7: { gint64 x; memcpy (&x, r + 8 * i, 8); v = (double) x; break; }
            case 9: v = r[i]; break;
            case 11: { double d; memcpy (&d, r + 8 * i, 8); v = d; break; }
            default: break;
            }
        }
      else if (tp->n_float_data > i)
        v = tp->float_data[i];
      else if (tp->n_int64_data > i)
        v = (double) tp->int64_data[i];
      else if (tp->n_int32_data > i)
        v = tp->int32_data[i];
      else if (tp->n_double_data > i)
        v = tp->double_data[i];
      out->values[i] = v;
    }
  onnx__tensor_proto__free_unpacked (tp, NULL);
  return TRUE;
}

/* Inputs that an operator's schema makes load-time parameters: sizes, axes,
 * pads, bounds. The engine folds them in, so they are bound as constants. */
static gboolean
is_parameter_input (const char *op, gsize index)
{
  static const struct { const char *op; guint mask; } params[] = {
    { "Resize", 0xe }, { "Upsample", 0x2 }, { "Clip", 0x6 }, { "Pad", 0xe },
    { "Reshape", 0x2 }, { "Expand", 0x2 }, { "Slice", 0x1e }, { "Split", 0x2 },
    { "Squeeze", 0x2 }, { "Unsqueeze", 0x2 }, { "ReduceMean", 0x2 }, { "ReduceSum", 0x2 },
    { "ConstantOfShape", 0x1 }, { "Range", 0x7 }, { "Gather", 0x2 }, { "Where", 0x1 },
    { "Tile", 0x2 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (params); i++)
    if (strcmp (params[i].op, op) == 0)
      return index < 32 && (params[i].mask & (1u << index)) != 0;
  return FALSE;
}

/* Operators that the engine evaluates on the host when their inputs are
 * known at load time, integers included (shape arithmetic). Elsewhere
 * integer data is outside the engine's scope: it computes in float. */
static gboolean
folds_integers (const char *op)
{
  static const char *ops[] = {
    "Shape", "Gather", "Cast", "ConstantOfShape", "Range", "Equal", "Where", "Concat",
    "Reshape", "Squeeze", "Unsqueeze", "Slice", "Identity", "Flatten", "Transpose",
    "Add", "Sub", "Mul", "Div", "Neg", "Constant",
  };
  for (guint i = 0; i < G_N_ELEMENTS (ops); i++)
    if (strcmp (ops[i], op) == 0)
      return TRUE;
  return FALSE;
}

typedef enum { RESULT_PASS, RESULT_FAIL, RESULT_OUT_OF_SCOPE, RESULT_NOT_OURS } Result;

static const char *claimed[] = {
  "Conv", "ConvTranspose", "InstanceNormalization", "BatchNormalization", "Relu", "LeakyRelu",
  "PRelu", "Sigmoid", "Tanh", "Clip", "Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Concat", "Pad",
  "Resize", "Upsample", "DepthToSpace", "MaxPool", "AveragePool", "GlobalAveragePool", "MatMul",
  "Gemm", "Reshape", "Transpose", "Flatten", "Squeeze", "Unsqueeze", "Slice", "Split",
  "ReduceMean", "ReduceSum", "Reciprocal", "Exp", "Neg", "Expand", "Constant", "Identity",
  "Shape", "Gather", "Cast", "ConstantOfShape", "Range", "Equal", "Where",
  "Abs", "Tile",
};

static gboolean
is_claimed (const char *op)
{
  for (guint i = 0; i < G_N_ELEMENTS (claimed); i++)
    if (strcmp (claimed[i], op) == 0)
      return TRUE;
  return FALSE;
}

static Result
run_one (CsDevice *device, const char *dir, const char *name, char **op_out, char **why)
{
  g_autofree char *model_path = g_build_filename (dir, "model.onnx", NULL);
  g_autofree char *model_data = NULL;
  gsize model_len = 0;
  Onnx__ModelProto *mp;
  Result result = RESULT_PASS;
  g_autoptr(GError) error = NULL;
  const char *op_out_name;

  if (!g_file_get_contents (model_path, &model_data, &model_len, NULL))
    return RESULT_NOT_OURS;
  mp = onnx__model_proto__unpack (NULL, model_len, (const uint8_t *) model_data);
  if (mp == NULL || mp->graph == NULL || mp->graph->n_node != 1 ||
      !is_claimed (mp->graph->node[0]->op_type))
    {
      if (mp)
        onnx__model_proto__free_unpacked (mp, NULL);
      return RESULT_NOT_OURS;
    }
  *op_out = g_strdup (mp->graph->node[0]->op_type);
  op_out_name = *op_out;
  for (gsize i = 0; i < mp->n_opset_import; i++)
    {
      Onnx__OperatorSetIdProto *os = mp->opset_import[i];
      if ((os->domain == NULL || *os->domain == '\0') && os->version < 7)
        {
          *why = g_strdup_printf ("operator set %" G_GINT64_FORMAT " is older than the engine reads (7 to 17)",
                                  os->version);
          onnx__model_proto__free_unpacked (mp, NULL);
          return RESULT_OUT_OF_SCOPE;
        }
    }
  for (gsize i = 0; i < mp->graph->n_input + mp->graph->n_output; i++)
    {
      Onnx__ValueInfoProto *vi = i < mp->graph->n_input ? mp->graph->input[i]
                                                         : mp->graph->output[i - mp->graph->n_input];
      int et = vi->type && vi->type->tensor_type ? vi->type->tensor_type->elem_type : -1;
      gboolean param = i < mp->graph->n_input && is_parameter_input (*op_out, i);
      /* MaxPool's Indices are integers the engine computes (in exact float). */
      gboolean indices = i >= mp->graph->n_input && strcmp (*op_out, "MaxPool") == 0;
      if (!type_in_scope (et) || (et != 1 && !param && !indices && !folds_integers (*op_out)))
        {
          *why = g_strdup_printf ("element type %d of '%s'", et, vi->name);
          onnx__model_proto__free_unpacked (mp, NULL);
          return RESULT_OUT_OF_SCOPE;
        }
    }

  for (int set = 0; result == RESULT_PASS; set++)
    {
      g_autofree char *set_name = g_strdup_printf ("test_data_set_%d", set);
      g_autofree char *set_dir = g_build_filename (dir, set_name, NULL);
      g_autoptr(CsNetwork) net = NULL;
      GArray *inputs;

      if (!g_file_test (set_dir, G_FILE_TEST_IS_DIR))
        break;
      net = cs_network_new_from_file (device, model_path, &error);
      if (net == NULL)
        {
          *why = g_strdup (error->message);
          result = RESULT_FAIL;
          break;
        }
      inputs = g_array_new (FALSE, TRUE, sizeof (TestTensor));
      g_array_set_clear_func (inputs, (GDestroyNotify) test_tensor_clear);
      for (gsize i = 0; i < mp->graph->n_input; i++)
        {
          g_autofree char *f = g_strdup_printf ("%s/input_%" G_GSIZE_FORMAT ".pb", set_dir, i);
          TestTensor t;
          const char *iname = mp->graph->input[i]->name;

          if (!read_tensor (f, &t))
            {
              *why = g_strdup_printf ("cannot read %s", f);
              result = RESULT_FAIL;
              break;
            }
          g_array_append_val (inputs, t);
          if (t.elem_type == 1 && !is_parameter_input (*op_out, i))
            {
              if (!cs_network_set_input_shape (net, iname, t.rank, t.dims, &error))
                break;
            }
          else if (t.elem_type == 1)
            {
              g_autofree float *fv = g_new0 (float, MAX (t.n, 1));
              for (gsize k = 0; k < t.n; k++)
                fv[k] = (float) t.values[k];
              if (!cs_network_bind_constant (net, iname, CS_DTYPE_FLOAT, t.rank, t.dims, fv, &error))
                break;
            }
          else
            {
              g_autofree int64_t *iv = g_new0 (int64_t, MAX (t.n, 1));
              for (gsize k = 0; k < t.n; k++)
                iv[k] = (int64_t) t.values[k];
              if (!cs_network_bind_constant (net, iname, CS_DTYPE_INT64, t.rank, t.dims, iv, &error))
                break;
            }
        }
      if (result == RESULT_PASS && error == NULL && cs_network_prepare (net, CS_PRECISION_FP32, &error))
        {
          for (gsize i = 0; i < mp->graph->n_input && error == NULL; i++)
            {
              TestTensor *t = &g_array_index (inputs, TestTensor, i);
              g_autofree float *fv = NULL;
              if (t->elem_type != 1 || is_parameter_input (op_out_name, i))
                continue;
              fv = g_new0 (float, MAX (t->n, 1));
              for (gsize k = 0; k < t->n; k++)
                fv[k] = (float) t->values[k];
              cs_network_set_input (net, mp->graph->input[i]->name, fv, t->n, &error);
            }
          if (error == NULL)
            cs_network_run (net, NULL, &error);
          for (gsize i = 0; i < mp->graph->n_output && error == NULL && result == RESULT_PASS; i++)
            {
              g_autofree char *f = g_strdup_printf ("%s/output_%" G_GSIZE_FORMAT ".pb", set_dir, i);
              TestTensor want;
              g_autofree float *got = NULL;
              int64_t dims[CS_MAX_RANK];
              int rank;

              if (!read_tensor (f, &want))
                {
                  *why = g_strdup_printf ("cannot read %s", f);
                  result = RESULT_FAIL;
                  break;
                }
              rank = cs_network_get_output_dims (net, i, dims);
              if (rank != want.rank || memcmp (dims, want.dims, rank * sizeof (int64_t)) != 0)
                {
                  g_autofree char *a = NULL;
                  CsTensor tmp = { .rank = rank };
                  memcpy (tmp.dims, dims, sizeof dims);
                  a = cs_tensor_shape_string (&tmp);
                  *why = g_strdup_printf ("output %" G_GSIZE_FORMAT " has shape %s", i, a);
                  result = RESULT_FAIL;
                }
              else
                {
                  got = g_new0 (float, MAX (want.n, 1));
                  if (cs_network_get_output (net, i, got, want.n, &error))
                    for (gsize k = 0; k < want.n; k++)
                      {
                        double w = want.values[k], v = got[k];
                        gboolean same = (isnan (w) && isnan (v)) || (isinf (w) && w == v) ||
                                        fabs (v - w) <= 1e-5 + 1e-3 * fabs (w);
                        if (!same)
                          {
                            *why = g_strdup_printf ("output %" G_GSIZE_FORMAT "[%" G_GSIZE_FORMAT "] is %g, expected %g",
                                                    i, k, v, w);
                            result = RESULT_FAIL;
                            break;
                          }
                      }
                }
              test_tensor_clear (&want);
            }
        }
      if (error != NULL && result == RESULT_PASS)
        {
          *why = g_strdup (error->message);
          result = RESULT_FAIL;
        }
      g_array_unref (inputs);
    }
  onnx__model_proto__free_unpacked (mp, NULL);
  return result;
}

typedef struct {
  guint passed, total;
} OpCount;

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static void
test_conformance (void)
{
  g_autofree char *root = g_build_filename (CS_ONNX_TESTDATA_DIR, "node", NULL);
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) per_op = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(CsDevice) device = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) failures = g_string_new (NULL);
  guint passed = 0, total = 0, out_of_scope = 0, unexpected = 0;
  const char *name;

  dir = g_dir_open (root, 0, NULL);
  if (dir == NULL)
    {
      g_test_skip ("ONNX's node tests are not installed (Debian package libonnx-testdata)");
      return;
    }
  device = cs_device_new (NULL, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      const char *test = names->pdata[i];
      g_autofree char *path = g_build_filename (root, test, NULL);
      g_autofree char *op = NULL;
      g_autofree char *why = NULL;
      Result r = run_one (device, path, test, &op, &why);
      const char *reason = exception_reason (test);
      OpCount *count;

      if (r == RESULT_NOT_OURS)
        continue;
      if (r == RESULT_OUT_OF_SCOPE)
        {
          out_of_scope++;
          g_test_message ("out of scope: %s (%s)", test, why);
          continue;
        }
      count = g_hash_table_lookup (per_op, op);
      if (count == NULL)
        {
          count = g_new0 (OpCount, 1);
          g_hash_table_insert (per_op, g_strdup (op), count);
        }
      count->total++;
      total++;
      if (r == RESULT_PASS)
        {
          count->passed++;
          passed++;
          if (reason != NULL)
            {
              g_string_append_printf (failures, "  %s passes but is listed as an exception\n", test);
              unexpected++;
            }
        }
      else if (reason != NULL)
        g_test_message ("exception: %s: %s (%s)", test, reason, why);
      else
        {
          g_string_append_printf (failures, "  %s: %s\n", test, why);
          unexpected++;
        }
    }

  {
    g_autoptr(GList) ops = g_list_sort (g_hash_table_get_keys (per_op), (GCompareFunc) strcmp);
    for (GList *l = ops; l; l = l->next)
      {
        OpCount *c = g_hash_table_lookup (per_op, l->data);
        g_printerr ("  %-24s %u/%u\n", (char *) l->data, c->passed, c->total);
      }
  }
  g_printerr ("ONNX node tests: %u/%u passed (%.1f%%), %u out of scope, %u validation messages\n",
              passed, total, 100.0 * passed / MAX (total, 1), out_of_scope,
              cs_device_get_validation_errors (device));
  if (failures->len > 0)
    g_printerr ("Unexpected results:\n%s", failures->str);
  g_assert_cmpuint (cs_device_get_validation_errors (device), ==, 0);
  g_assert_cmpuint (unexpected, ==, 0);
  g_assert_cmpfloat ((double) passed / MAX (total, 1), >=, 0.98);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/conformance/onnx-node-tests", test_conformance);
  return g_test_run ();
}
