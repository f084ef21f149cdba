/* cs-onnx-writer.h: builds ONNX models, for importers and tests.
 *
 * The writer writes what it is told: it does not check that the graph makes
 * sense, so tests can also write the broken models the loader must refuse.
 *
 *   g_autoptr(CsOnnxWriter) w = cs_onnx_writer_new ("style", 13);
 *   cs_onnx_writer_add_input (w, "image", "1,3,height,width");
 *   cs_onnx_writer_add_float_initializer (w, "w", CS_ONNX_DIMS (32, 3, 9, 9), weights, n);
 *   cs_onnx_writer_add_node (w, "Conv", "conv1", CS_ONNX_NAMES ("image", "w"), CS_ONNX_NAMES ("y"));
 *   cs_onnx_writer_node_set_ints (w, "pads", CS_ONNX_DIMS (4, 4, 4, 4));
 *   cs_onnx_writer_add_output (w, "y", "1,32,height,width");
 *   cs_onnx_writer_save (w, path, &error);
 */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef struct _CsOnnxWriter CsOnnxWriter;

/* A NULL-terminated list of tensor names, e.g. CS_ONNX_NAMES ("x", "", "scales"). */
#define CS_ONNX_NAMES(...) ((const char *const[]) { __VA_ARGS__, NULL })
/* An int64_t array and its length, for dims and INTS attributes. */
#define CS_ONNX_DIMS(...) ((const int64_t[]) { __VA_ARGS__ }), \
  (int) (sizeof ((const int64_t[]) { __VA_ARGS__ }) / sizeof (int64_t))

/* Starts an empty model whose graph is graph_name, importing opset of the
 * default ONNX domain. */
CsOnnxWriter *cs_onnx_writer_new                (const char *graph_name,
                                                 int         opset);
void          cs_onnx_writer_free               (CsOnnxWriter *writer);

/* Sets the model's producer_name and producer_version (version may be NULL). */
void          cs_onnx_writer_set_producer       (CsOnnxWriter *writer,
                                                 const char   *name,
                                                 const char   *version);
/* Sets the model's doc_string, e.g. a style's source and licence. */
void          cs_onnx_writer_set_doc            (CsOnnxWriter *writer,
                                                 const char   *doc);

/* Declares a float32 graph input. shape is comma-separated sizes, each a
 * number or a symbolic name ("1,3,height,width"); "" is a scalar, NULL an
 * unknown rank. Numbers are written as given, negative ones too. */
void          cs_onnx_writer_add_input          (CsOnnxWriter *writer,
                                                 const char   *name,
                                                 const char   *shape);
/* Declares a float32 graph output; shape as for cs_onnx_writer_add_input(). */
void          cs_onnx_writer_add_output         (CsOnnxWriter *writer,
                                                 const char   *name,
                                                 const char   *shape);

/* Adds a float32 initializer of shape dims, copying n_values values (normally
 * the product of dims) into little-endian raw_data. */
void          cs_onnx_writer_add_float_initializer (CsOnnxWriter  *writer,
                                                    const char    *name,
                                                    const int64_t *dims,
                                                    int            n_dims,
                                                    const float   *values,
                                                    gsize          n_values);
/* Adds an int64 initializer (a shape, axes, pads), copying n_values values. */
void          cs_onnx_writer_add_int64_initializer (CsOnnxWriter  *writer,
                                                    const char    *name,
                                                    const int64_t *dims,
                                                    int            n_dims,
                                                    const int64_t *values,
                                                    gsize          n_values);
/* Adds a float32 initializer whose data lies in another file: length bytes at
 * offset in location, a path relative to the model's folder. The caller
 * writes that file. */
void          cs_onnx_writer_add_external_initializer (CsOnnxWriter  *writer,
                                                       const char    *name,
                                                       const int64_t *dims,
                                                       int            n_dims,
                                                       const char    *location,
                                                       guint64        offset,
                                                       guint64        length);

/* Appends a node of the default domain. inputs and outputs are
 * NULL-terminated (see CS_ONNX_NAMES); "" leaves an optional input out.
 * name may be NULL. The node_set functions below apply to this node. */
void          cs_onnx_writer_add_node           (CsOnnxWriter       *writer,
                                                 const char         *op_type,
                                                 const char         *name,
                                                 const char *const  *inputs,
                                                 const char *const  *outputs);
/* Moves the last node to another operator domain, e.g. "com.microsoft". */
void          cs_onnx_writer_node_set_domain    (CsOnnxWriter *writer,
                                                 const char   *domain);
/* Sets an INT attribute on the last node. */
void          cs_onnx_writer_node_set_int       (CsOnnxWriter *writer,
                                                 const char   *name,
                                                 int64_t       value);
/* Sets a FLOAT attribute on the last node. */
void          cs_onnx_writer_node_set_float     (CsOnnxWriter *writer,
                                                 const char   *name,
                                                 float         value);
/* Sets a STRING attribute on the last node. */
void          cs_onnx_writer_node_set_string    (CsOnnxWriter *writer,
                                                 const char   *name,
                                                 const char   *value);
/* Sets an INTS attribute on the last node (CS_ONNX_DIMS fits values, n). */
void          cs_onnx_writer_node_set_ints      (CsOnnxWriter  *writer,
                                                 const char    *name,
                                                 const int64_t *values,
                                                 int            n);
/* Sets a FLOATS attribute on the last node. */
void          cs_onnx_writer_node_set_floats    (CsOnnxWriter *writer,
                                                 const char   *name,
                                                 const float  *values,
                                                 int           n);
/* Sets a float32 TENSOR attribute (Constant's 'value') on the last node;
 * values holds the product of dims. */
void          cs_onnx_writer_node_set_float_tensor (CsOnnxWriter  *writer,
                                                    const char    *name,
                                                    const int64_t *dims,
                                                    int            n_dims,
                                                    const float   *values);
/* Sets an int64 TENSOR attribute (ConstantOfShape's 'value', a Constant
 * shape) on the last node; values holds the product of dims. */
void          cs_onnx_writer_node_set_int64_tensor (CsOnnxWriter  *writer,
                                                    const char    *name,
                                                    const int64_t *dims,
                                                    int            n_dims,
                                                    const int64_t *values);

/* The model as protobuf bytes. */
GBytes       *cs_onnx_writer_serialize          (CsOnnxWriter *writer);
/* Writes the model to path atomically: path is either left as it was or
 * holds the whole model. Refuses models over ONNX's 2 GiB limit; write
 * failures are G_FILE_ERROR. */
gboolean      cs_onnx_writer_save               (CsOnnxWriter  *writer,
                                                 const char    *path,
                                                 GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsOnnxWriter, cs_onnx_writer_free)

G_END_DECLS
