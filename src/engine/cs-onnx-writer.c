/* cs-onnx-writer.c: builds ONNX models as protobuf-c messages.
 *
 * The message tree is allocated through writer_allocator, so that
 * protobuf-c's own recursive free releases all of it at once.
 */
#include "cs-onnx-writer.h"

#include <string.h>

#include "cs-graph.h"
#include "onnx.pb-c.h"

struct _CsOnnxWriter {
  Onnx__ModelProto *model;
  Onnx__NodeProto  *last_node;
};

static void *
writer_alloc (void   *allocator_data,
              size_t  size)
{
  return g_malloc (size);
}

static void
writer_free (void *allocator_data,
             void *pointer)
{
  g_free (pointer);
}

static ProtobufCAllocator writer_allocator = { writer_alloc, writer_free, NULL };

/* Grows a protobuf-c repeated field (a pointer and its count) by one item. */
#define APPEND(array, n, item)                                       \
  G_STMT_START {                                                     \
    (array) = g_renew (__typeof__ (*(array)), (array), (n) + 1);     \
    (array)[(n)++] = (item);                                         \
  } G_STMT_END

/* The IR version that introduced each operator set, as ONNX's own tools
 * record it; other runtimes check the pair. */
static int64_t
ir_version_for_opset (int opset)
{
  if (opset <= 8)
    return 3;
  if (opset == 9)
    return 4;
  if (opset == 10)
    return 5;
  if (opset == 11)
    return 6;
  if (opset <= 14)
    return 7;
  return 8;
}

CsOnnxWriter *
cs_onnx_writer_new (const char *graph_name,
                    int         opset)
{
  CsOnnxWriter *writer = g_new0 (CsOnnxWriter, 1);
  Onnx__OperatorSetIdProto *import = g_new (Onnx__OperatorSetIdProto, 1);

  writer->model = g_new (Onnx__ModelProto, 1);
  onnx__model_proto__init (writer->model);
  writer->model->has_ir_version = TRUE;
  writer->model->ir_version = ir_version_for_opset (opset);
  writer->model->producer_name = g_strdup ("Celshade");

  onnx__operator_set_id_proto__init (import);
  import->domain = g_strdup ("");
  import->has_version = TRUE;
  import->version = opset;
  APPEND (writer->model->opset_import, writer->model->n_opset_import, import);

  writer->model->graph = g_new (Onnx__GraphProto, 1);
  onnx__graph_proto__init (writer->model->graph);
  writer->model->graph->name = g_strdup (graph_name != NULL ? graph_name : "graph");

  return writer;
}

void
cs_onnx_writer_free (CsOnnxWriter *writer)
{
  if (writer == NULL)
    return;

  onnx__model_proto__free_unpacked (writer->model, &writer_allocator);
  g_free (writer);
}

void
cs_onnx_writer_set_producer (CsOnnxWriter *writer,
                             const char   *name,
                             const char   *version)
{
  g_return_if_fail (writer != NULL);

  g_free (writer->model->producer_name);
  writer->model->producer_name = g_strdup (name);
  g_free (writer->model->producer_version);
  writer->model->producer_version = g_strdup (version);
}

void
cs_onnx_writer_set_doc (CsOnnxWriter *writer,
                        const char   *doc)
{
  g_return_if_fail (writer != NULL);

  g_free (writer->model->doc_string);
  writer->model->doc_string = g_strdup (doc);
}

static Onnx__ValueInfoProto *
new_float_value_info (const char *name,
                      const char *shape)
{
  Onnx__ValueInfoProto *vi = g_new (Onnx__ValueInfoProto, 1);
  Onnx__TypeProto *type = g_new (Onnx__TypeProto, 1);
  Onnx__TypeProto__Tensor *tensor_type = g_new (Onnx__TypeProto__Tensor, 1);

  onnx__value_info_proto__init (vi);
  onnx__type_proto__init (type);
  onnx__type_proto__tensor__init (tensor_type);

  vi->name = g_strdup (name);
  vi->type = type;
  type->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
  type->tensor_type = tensor_type;
  tensor_type->has_elem_type = TRUE;
  tensor_type->elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;

  if (shape != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (shape, ",", -1);
      Onnx__TensorShapeProto *sp = g_new (Onnx__TensorShapeProto, 1);

      onnx__tensor_shape_proto__init (sp);
      tensor_type->shape = sp;

      for (guint i = 0; parts[i] != NULL; i++)
        {
          Onnx__TensorShapeProto__Dimension *dim = g_new (Onnx__TensorShapeProto__Dimension, 1);
          const char *part = g_strstrip (parts[i]);
          gint64 value;

          onnx__tensor_shape_proto__dimension__init (dim);
          if (g_ascii_string_to_signed (part, 10, G_MININT64, G_MAXINT64, &value, NULL))
            {
              dim->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
              dim->dim_value = value;
            }
          else if (*part != '\0')
            {
              dim->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
              dim->dim_param = g_strdup (part);
            }
          APPEND (sp->dim, sp->n_dim, dim);
        }
    }

  return vi;
}

void
cs_onnx_writer_add_input (CsOnnxWriter *writer,
                          const char   *name,
                          const char   *shape)
{
  Onnx__GraphProto *graph;

  g_return_if_fail (writer != NULL);
  g_return_if_fail (name != NULL);

  graph = writer->model->graph;
  APPEND (graph->input, graph->n_input, new_float_value_info (name, shape));
}

void
cs_onnx_writer_add_output (CsOnnxWriter *writer,
                           const char   *name,
                           const char   *shape)
{
  Onnx__GraphProto *graph;

  g_return_if_fail (writer != NULL);
  g_return_if_fail (name != NULL);

  graph = writer->model->graph;
  APPEND (graph->output, graph->n_output, new_float_value_info (name, shape));
}

static Onnx__TensorProto *
new_tensor (const char    *name,
            int32_t        data_type,
            const int64_t *dims,
            int            n_dims)
{
  Onnx__TensorProto *tp = g_new (Onnx__TensorProto, 1);

  onnx__tensor_proto__init (tp);
  tp->name = g_strdup (name);
  tp->has_data_type = TRUE;
  tp->data_type = data_type;
  tp->n_dims = (size_t) MAX (n_dims, 0);
  tp->dims = g_memdup2 (dims, tp->n_dims * sizeof (int64_t));

  return tp;
}

static void
set_float_data (Onnx__TensorProto *tp,
                const float       *values,
                gsize              n_values)
{
  guint8 *raw = g_malloc (MAX (n_values, 1) * 4);

  for (gsize i = 0; i < n_values; i++)
    {
      guint32 bits;

      memcpy (&bits, &values[i], 4);
      bits = GUINT32_TO_LE (bits);
      memcpy (raw + 4 * i, &bits, 4);
    }

  tp->has_raw_data = TRUE;
  tp->raw_data.data = raw;
  tp->raw_data.len = n_values * 4;
}

static void
set_int64_data (Onnx__TensorProto *tp,
                const int64_t     *values,
                gsize              n_values)
{
  guint8 *raw = g_malloc (MAX (n_values, 1) * 8);

  for (gsize i = 0; i < n_values; i++)
    {
      guint64 bits = GUINT64_TO_LE ((guint64) values[i]);

      memcpy (raw + 8 * i, &bits, 8);
    }

  tp->has_raw_data = TRUE;
  tp->raw_data.data = raw;
  tp->raw_data.len = n_values * 8;
}

void
cs_onnx_writer_add_float_initializer (CsOnnxWriter  *writer,
                                      const char    *name,
                                      const int64_t *dims,
                                      int            n_dims,
                                      const float   *values,
                                      gsize          n_values)
{
  Onnx__GraphProto *graph;
  Onnx__TensorProto *tp;

  g_return_if_fail (writer != NULL);
  g_return_if_fail (name != NULL);
  g_return_if_fail (dims != NULL || n_dims == 0);
  g_return_if_fail (values != NULL || n_values == 0);

  tp = new_tensor (name, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, dims, n_dims);
  set_float_data (tp, values, n_values);

  graph = writer->model->graph;
  APPEND (graph->initializer, graph->n_initializer, tp);
}

void
cs_onnx_writer_add_int64_initializer (CsOnnxWriter  *writer,
                                      const char    *name,
                                      const int64_t *dims,
                                      int            n_dims,
                                      const int64_t *values,
                                      gsize          n_values)
{
  Onnx__GraphProto *graph;
  Onnx__TensorProto *tp;

  g_return_if_fail (writer != NULL);
  g_return_if_fail (name != NULL);
  g_return_if_fail (dims != NULL || n_dims == 0);
  g_return_if_fail (values != NULL || n_values == 0);

  tp = new_tensor (name, ONNX__TENSOR_PROTO__DATA_TYPE__INT64, dims, n_dims);
  set_int64_data (tp, values, n_values);

  graph = writer->model->graph;
  APPEND (graph->initializer, graph->n_initializer, tp);
}

static void
add_external_entry (Onnx__TensorProto *tp,
                    const char        *key,
                    char              *value)
{
  Onnx__StringStringEntryProto *entry = g_new (Onnx__StringStringEntryProto, 1);

  onnx__string_string_entry_proto__init (entry);
  entry->key = g_strdup (key);
  entry->value = value;
  APPEND (tp->external_data, tp->n_external_data, entry);
}

void
cs_onnx_writer_add_external_initializer (CsOnnxWriter  *writer,
                                         const char    *name,
                                         const int64_t *dims,
                                         int            n_dims,
                                         const char    *location,
                                         guint64        offset,
                                         guint64        length)
{
  Onnx__GraphProto *graph;
  Onnx__TensorProto *tp;

  g_return_if_fail (writer != NULL);
  g_return_if_fail (name != NULL);
  g_return_if_fail (dims != NULL || n_dims == 0);
  g_return_if_fail (location != NULL);

  tp = new_tensor (name, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, dims, n_dims);
  tp->has_data_location = TRUE;
  tp->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
  add_external_entry (tp, "location", g_strdup (location));
  add_external_entry (tp, "offset", g_strdup_printf ("%" G_GUINT64_FORMAT, offset));
  add_external_entry (tp, "length", g_strdup_printf ("%" G_GUINT64_FORMAT, length));

  graph = writer->model->graph;
  APPEND (graph->initializer, graph->n_initializer, tp);
}

void
cs_onnx_writer_add_node (CsOnnxWriter      *writer,
                         const char        *op_type,
                         const char        *name,
                         const char *const *inputs,
                         const char *const *outputs)
{
  Onnx__GraphProto *graph;
  Onnx__NodeProto *node;

  g_return_if_fail (writer != NULL);
  g_return_if_fail (op_type != NULL);

  node = g_new (Onnx__NodeProto, 1);
  onnx__node_proto__init (node);
  node->op_type = g_strdup (op_type);
  node->name = g_strdup (name);

  for (guint i = 0; inputs != NULL && inputs[i] != NULL; i++)
    APPEND (node->input, node->n_input, g_strdup (inputs[i]));
  for (guint i = 0; outputs != NULL && outputs[i] != NULL; i++)
    APPEND (node->output, node->n_output, g_strdup (outputs[i]));

  graph = writer->model->graph;
  APPEND (graph->node, graph->n_node, node);
  writer->last_node = node;
}

void
cs_onnx_writer_node_set_domain (CsOnnxWriter *writer,
                                const char   *domain)
{
  g_return_if_fail (writer != NULL);
  g_return_if_fail (writer->last_node != NULL);

  g_free (writer->last_node->domain);
  writer->last_node->domain = g_strdup (domain);
}

static Onnx__AttributeProto *
add_attr (CsOnnxWriter                        *writer,
          const char                          *name,
          Onnx__AttributeProto__AttributeType  type)
{
  Onnx__AttributeProto *attr;
  Onnx__NodeProto *node;

  g_return_val_if_fail (writer != NULL, NULL);
  g_return_val_if_fail (writer->last_node != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  attr = g_new (Onnx__AttributeProto, 1);
  onnx__attribute_proto__init (attr);
  attr->name = g_strdup (name);
  attr->has_type = TRUE;
  attr->type = type;

  node = writer->last_node;
  APPEND (node->attribute, node->n_attribute, attr);

  return attr;
}

void
cs_onnx_writer_node_set_int (CsOnnxWriter *writer,
                             const char   *name,
                             int64_t       value)
{
  Onnx__AttributeProto *attr = add_attr (writer, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);

  if (attr == NULL)
    return;
  attr->has_i = TRUE;
  attr->i = value;
}

void
cs_onnx_writer_node_set_float (CsOnnxWriter *writer,
                               const char   *name,
                               float         value)
{
  Onnx__AttributeProto *attr = add_attr (writer, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);

  if (attr == NULL)
    return;
  attr->has_f = TRUE;
  attr->f = value;
}

void
cs_onnx_writer_node_set_string (CsOnnxWriter *writer,
                                const char   *name,
                                const char   *value)
{
  Onnx__AttributeProto *attr;

  g_return_if_fail (value != NULL);

  attr = add_attr (writer, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);
  if (attr == NULL)
    return;
  attr->has_s = TRUE;
  attr->s.len = strlen (value);
  attr->s.data = (guint8 *) g_strdup (value);
}

void
cs_onnx_writer_node_set_ints (CsOnnxWriter  *writer,
                              const char    *name,
                              const int64_t *values,
                              int            n)
{
  Onnx__AttributeProto *attr;

  g_return_if_fail (values != NULL || n == 0);

  attr = add_attr (writer, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
  if (attr == NULL)
    return;
  attr->n_ints = (size_t) MAX (n, 0);
  attr->ints = g_memdup2 (values, attr->n_ints * sizeof (int64_t));
}

void
cs_onnx_writer_node_set_floats (CsOnnxWriter *writer,
                                const char   *name,
                                const float  *values,
                                int           n)
{
  Onnx__AttributeProto *attr;

  g_return_if_fail (values != NULL || n == 0);

  attr = add_attr (writer, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS);
  if (attr == NULL)
    return;
  attr->n_floats = (size_t) MAX (n, 0);
  attr->floats = g_memdup2 (values, attr->n_floats * sizeof (float));
}

static gsize
product (const int64_t *dims,
         int            n_dims)
{
  gsize n = 1;

  for (int i = 0; i < n_dims; i++)
    n *= (gsize) MAX (dims[i], 0);

  return n;
}

void
cs_onnx_writer_node_set_float_tensor (CsOnnxWriter  *writer,
                                      const char    *name,
                                      const int64_t *dims,
                                      int            n_dims,
                                      const float   *values)
{
  Onnx__AttributeProto *attr;

  g_return_if_fail (dims != NULL || n_dims == 0);
  g_return_if_fail (values != NULL);

  attr = add_attr (writer, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR);
  if (attr == NULL)
    return;
  attr->t = new_tensor (name, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, dims, n_dims);
  set_float_data (attr->t, values, product (dims, n_dims));
}

void
cs_onnx_writer_node_set_int64_tensor (CsOnnxWriter  *writer,
                                      const char    *name,
                                      const int64_t *dims,
                                      int            n_dims,
                                      const int64_t *values)
{
  Onnx__AttributeProto *attr;

  g_return_if_fail (dims != NULL || n_dims == 0);
  g_return_if_fail (values != NULL);

  attr = add_attr (writer, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR);
  if (attr == NULL)
    return;
  attr->t = new_tensor (name, ONNX__TENSOR_PROTO__DATA_TYPE__INT64, dims, n_dims);
  set_int64_data (attr->t, values, product (dims, n_dims));
}

GBytes *
cs_onnx_writer_serialize (CsOnnxWriter *writer)
{
  size_t size;
  guint8 *buf;

  g_return_val_if_fail (writer != NULL, NULL);

  size = onnx__model_proto__get_packed_size (writer->model);
  buf = g_malloc (MAX (size, 1));
  onnx__model_proto__pack (writer->model, buf);

  return g_bytes_new_take (buf, size);
}

gboolean
cs_onnx_writer_save (CsOnnxWriter  *writer,
                     const char    *path,
                     GError       **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *display = NULL;
  gsize size;

  g_return_val_if_fail (writer != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Protobuf's readers stop at 2 GiB; bigger weights belong in external data. */
  size = onnx__model_proto__get_packed_size (writer->model);
  if (size > G_MAXINT32)
    {
      display = g_format_size (size);
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "the model is %s, more than the 2 GiB one ONNX file can hold", display);
      return FALSE;
    }

  bytes = cs_onnx_writer_serialize (writer);

  /* CONSISTENT writes a temporary file and renames it over path, so a
   * failure or a crash leaves either the old file or the whole new one. */
  return g_file_set_contents_full (path, g_bytes_get_data (bytes, NULL), (gssize) size,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}
