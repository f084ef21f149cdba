/* cs-graph.c: the graph IR's containers, operator table and attributes.
 *
 * Shape inference, fusion and memory planning live in their own files; this
 * one only builds, queries and frees graphs.
 */
#include "cs-graph.h"

#include <string.h>

G_DEFINE_QUARK (cs-engine-error-quark, cs_engine_error)

/* Indexed by CsOp; the entries are ONNX's op_type names, so that a message
 * about a node names the operator the way the model's author knows it. */
static const char *const cs_op_names[] = {
  [CS_OP_CONV] = "Conv",
  [CS_OP_CONV_TRANSPOSE] = "ConvTranspose",
  [CS_OP_INSTANCE_NORM] = "InstanceNormalization",
  [CS_OP_BATCH_NORM] = "BatchNormalization",
  [CS_OP_RELU] = "Relu",
  [CS_OP_LEAKY_RELU] = "LeakyRelu",
  [CS_OP_PRELU] = "PRelu",
  [CS_OP_SIGMOID] = "Sigmoid",
  [CS_OP_TANH] = "Tanh",
  [CS_OP_CLIP] = "Clip",
  [CS_OP_ADD] = "Add",
  [CS_OP_SUB] = "Sub",
  [CS_OP_MUL] = "Mul",
  [CS_OP_DIV] = "Div",
  [CS_OP_POW] = "Pow",
  [CS_OP_SQRT] = "Sqrt",
  [CS_OP_CONCAT] = "Concat",
  [CS_OP_PAD] = "Pad",
  [CS_OP_RESIZE] = "Resize",
  [CS_OP_UPSAMPLE] = "Upsample",
  [CS_OP_DEPTH_TO_SPACE] = "DepthToSpace",
  [CS_OP_MAX_POOL] = "MaxPool",
  [CS_OP_AVERAGE_POOL] = "AveragePool",
  [CS_OP_GLOBAL_AVERAGE_POOL] = "GlobalAveragePool",
  [CS_OP_MATMUL] = "MatMul",
  [CS_OP_GEMM] = "Gemm",
  [CS_OP_RESHAPE] = "Reshape",
  [CS_OP_TRANSPOSE] = "Transpose",
  [CS_OP_FLATTEN] = "Flatten",
  [CS_OP_SQUEEZE] = "Squeeze",
  [CS_OP_UNSQUEEZE] = "Unsqueeze",
  [CS_OP_SLICE] = "Slice",
  [CS_OP_SPLIT] = "Split",
  [CS_OP_REDUCE_MEAN] = "ReduceMean",
  [CS_OP_REDUCE_SUM] = "ReduceSum",
  [CS_OP_RECIPROCAL] = "Reciprocal",
  [CS_OP_EXP] = "Exp",
  [CS_OP_NEG] = "Neg",
  [CS_OP_EXPAND] = "Expand",
  [CS_OP_CONSTANT] = "Constant",
  [CS_OP_IDENTITY] = "Identity",
  [CS_OP_ABS] = "Abs",
  [CS_OP_TILE] = "Tile",
  [CS_OP_SHAPE] = "Shape",
  [CS_OP_GATHER] = "Gather",
  [CS_OP_CAST] = "Cast",
  [CS_OP_CONSTANT_OF_SHAPE] = "ConstantOfShape",
  [CS_OP_RANGE] = "Range",
  [CS_OP_EQUAL] = "Equal",
  [CS_OP_WHERE] = "Where",
};

/* A new CsOp without a name here fails the build instead of printing NULL. */
G_STATIC_ASSERT (G_N_ELEMENTS (cs_op_names) == CS_N_OPS);

static void
cs_attr_clear (CsAttr *attr)
{
  g_clear_pointer (&attr->name, g_free);
  g_clear_pointer (&attr->s, g_free);
  g_clear_pointer (&attr->ints, g_free);
  g_clear_pointer (&attr->floats, g_free);
}

static void
cs_node_clear (gpointer data)
{
  CsNode *node = data;

  g_clear_pointer (&node->name, g_free);
  for (int i = 0; i < node->n_attrs; i++)
    cs_attr_clear (&node->attrs[i]);
  g_clear_pointer (&node->attrs, g_free);
  node->n_attrs = 0;
}

static void
cs_tensor_free (gpointer data)
{
  CsTensor *tensor = data;

  g_free (tensor->name);
  g_free (tensor->data);
  g_free (tensor);
}

CsGraph *
cs_graph_new (void)
{
  CsGraph *graph = g_new0 (CsGraph, 1);

  graph->tensors = g_ptr_array_new_with_free_func (cs_tensor_free);
  graph->nodes = g_array_new (FALSE, TRUE, sizeof (CsNode));
  g_array_set_clear_func (graph->nodes, cs_node_clear);
  graph->inputs = g_array_new (FALSE, FALSE, sizeof (int));
  graph->outputs = g_array_new (FALSE, FALSE, sizeof (int));
  graph->derived = g_array_new (FALSE, FALSE, sizeof (CsDerived));
  /* The table owns copies of the names, so that a pass which renames a
   * tensor cannot leave a dangling key behind. */
  graph->by_name = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  return graph;
}

void
cs_graph_free (CsGraph *graph)
{
  if (graph == NULL)
    return;

  g_clear_pointer (&graph->nodes, g_array_unref);
  g_clear_pointer (&graph->tensors, g_ptr_array_unref);
  g_clear_pointer (&graph->inputs, g_array_unref);
  g_clear_pointer (&graph->outputs, g_array_unref);
  g_clear_pointer (&graph->derived, g_array_unref);
  g_clear_pointer (&graph->by_name, g_hash_table_unref);
  g_free (graph);
}

int
cs_graph_find_tensor (CsGraph    *graph,
                      const char *name)
{
  g_return_val_if_fail (graph != NULL, -1);

  if (name == NULL)
    return -1;

  return GPOINTER_TO_INT (g_hash_table_lookup (graph->by_name, name)) - 1;
}

/* A NULL name makes an anonymous tensor (a folded value, an attribute's
 * tensor): it gets a name for messages but cannot be found by name, so it
 * never shadows a tensor of the model. A name already taken keeps pointing
 * at its first tensor; the loader refuses such models before they get here. */
int
cs_graph_add_tensor (CsGraph    *graph,
                     const char *name,
                     CsDType     dtype)
{
  CsTensor *tensor;
  int id;

  g_return_val_if_fail (graph != NULL, -1);
  g_return_val_if_fail (graph->tensors->len < G_MAXINT - 1, -1);

  id = (int) graph->tensors->len;

  tensor = g_new0 (CsTensor, 1);
  tensor->dtype = dtype;
  tensor->rank = -1;
  tensor->producer = -1;
  tensor->last_use = -1;
  tensor->alias = -1;

  if (name != NULL)
    {
      tensor->name = g_strdup (name);
      if (!g_hash_table_contains (graph->by_name, name))
        g_hash_table_insert (graph->by_name, g_strdup (name), GINT_TO_POINTER (id + 1));
    }
  else
    {
      tensor->name = g_strdup_printf ("#%d", id);
    }

  g_ptr_array_add (graph->tensors, tensor);

  return id;
}

/* The node's name is copied, its attrs array is taken over. The tensors it
 * writes record it as their producer. */
int
cs_graph_add_node (CsGraph      *graph,
                   const CsNode *node)
{
  CsNode copy;
  int id;

  g_return_val_if_fail (graph != NULL, -1);
  g_return_val_if_fail (node != NULL, -1);
  g_return_val_if_fail (node->n_inputs >= 0 && node->n_inputs <= CS_MAX_NODE_INPUTS, -1);
  g_return_val_if_fail (node->n_outputs >= 0 && node->n_outputs <= CS_MAX_NODE_OUTPUTS, -1);
  g_return_val_if_fail (node->n_attrs >= 0, -1);
  g_return_val_if_fail (graph->nodes->len < G_MAXINT - 1, -1);

  id = (int) graph->nodes->len;

  copy = *node;
  copy.name = g_strdup (node->name);
  g_array_append_val (graph->nodes, copy);

  for (int i = 0; i < node->n_outputs; i++)
    {
      CsTensor *out = node->outputs[i] >= 0 &&
                      (guint) node->outputs[i] < graph->tensors->len
                      ? cs_graph_tensor (graph, node->outputs[i])
                      : NULL;

      if (out != NULL)
        out->producer = id;
    }

  return id;
}

const char *
cs_op_name (CsOp op)
{
  if ((guint) op >= CS_N_OPS)
    return "(unknown operator)";

  return cs_op_names[op];
}

gboolean
cs_op_from_onnx (const char *op_type,
                 CsOp       *op)
{
  if (op_type == NULL)
    return FALSE;

  for (guint i = 0; i < CS_N_OPS; i++)
    {
      if (strcmp (cs_op_names[i], op_type) == 0)
        {
          if (op != NULL)
            *op = (CsOp) i;
          return TRUE;
        }
    }

  return FALSE;
}

/* G_MAXUINT64 stands for "no usable count": an unknown rank or dimension, or
 * a product that does not fit. A caller sizing a buffer from it then fails
 * loudly instead of allocating too little. */
guint64
cs_tensor_numel (const CsTensor *t)
{
  guint64 numel = 1;

  g_return_val_if_fail (t != NULL, G_MAXUINT64);

  if (t->rank < 0 || t->rank > CS_MAX_RANK)
    return G_MAXUINT64;

  for (int i = 0; i < t->rank; i++)
    {
      if (t->dims[i] < 0)
        return G_MAXUINT64;
      if (!g_uint64_checked_mul (&numel, numel, (guint64) t->dims[i]))
        return G_MAXUINT64;
    }

  return numel;
}

char *
cs_tensor_shape_string (const CsTensor *t)
{
  GString *str;

  g_return_val_if_fail (t != NULL, NULL);

  if (t->rank < 0 || t->rank > CS_MAX_RANK)
    return g_strdup ("(unknown shape)");
  if (t->rank == 0)
    return g_strdup ("(scalar)");

  str = g_string_new (NULL);
  for (int i = 0; i < t->rank; i++)
    {
      if (i > 0)
        g_string_append_c (str, 'x');
      if (t->dims[i] < 0)
        g_string_append_c (str, '?');
      else
        g_string_append_printf (str, "%" G_GINT64_FORMAT, (gint64) t->dims[i]);
    }

  return g_string_free (str, FALSE);
}

gboolean
cs_tensor_same_shape (const CsTensor *a,
                      const CsTensor *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  if (a->rank < 0 || a->rank != b->rank || a->rank > CS_MAX_RANK)
    return FALSE;

  for (int i = 0; i < a->rank; i++)
    if (a->dims[i] != b->dims[i])
      return FALSE;

  return TRUE;
}

const CsAttr *
cs_node_attr (const CsNode *node,
              const char   *name)
{
  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (int i = 0; i < node->n_attrs; i++)
    if (g_strcmp0 (node->attrs[i].name, name) == 0)
      return &node->attrs[i];

  return NULL;
}

/* The getters fall back when the attribute is absent or of another type:
 * ONNX types its attributes, and a mistyped one is as good as absent. */

int64_t
cs_node_attr_int (const CsNode *node,
                  const char   *name,
                  int64_t       fallback)
{
  const CsAttr *attr = cs_node_attr (node, name);

  return attr != NULL && attr->type == CS_ATTR_INT ? attr->i : fallback;
}

float
cs_node_attr_float (const CsNode *node,
                    const char   *name,
                    float         fallback)
{
  const CsAttr *attr = cs_node_attr (node, name);

  return attr != NULL && attr->type == CS_ATTR_FLOAT ? attr->f : fallback;
}

const char *
cs_node_attr_string (const CsNode *node,
                     const char   *name,
                     const char   *fallback)
{
  const CsAttr *attr = cs_node_attr (node, name);

  return attr != NULL && attr->type == CS_ATTR_STRING && attr->s != NULL ? attr->s : fallback;
}

const int64_t *
cs_node_attr_ints (const CsNode *node,
                   const char   *name,
                   int          *n)
{
  const CsAttr *attr = cs_node_attr (node, name);

  if (attr == NULL || attr->type != CS_ATTR_INTS)
    {
      if (n != NULL)
        *n = 0;
      return NULL;
    }

  if (n != NULL)
    *n = attr->n;
  return attr->ints;
}

const float *
cs_node_attr_floats (const CsNode *node,
                     const char   *name,
                     int          *n)
{
  const CsAttr *attr = cs_node_attr (node, name);

  if (attr == NULL || attr->type != CS_ATTR_FLOATS)
    {
      if (n != NULL)
        *n = 0;
      return NULL;
    }

  if (n != NULL)
    *n = attr->n;
  return attr->floats;
}
