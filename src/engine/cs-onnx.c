/* cs-onnx.c: reads ONNX models (protobuf, parsed by protobuf-c) into a CsGraph.
 *
 * A model is untrusted input: every count, size, name and path in it is
 * checked before it is used, and anything the engine cannot run is refused
 * here, naming it, rather than run wrongly later.
 */
#include "cs-onnx.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "onnx.pb-c.h"

#define CS_ONNX_MIN_OPSET 7
#define CS_ONNX_MAX_OPSET 17

/* Far beyond any generator network, far below where an int would overflow. */
#define CS_ONNX_MAX_NODES   (1 << 20)
#define CS_ONNX_MAX_TENSORS (1 << 22)
#define CS_ONNX_MAX_ATTRS   1024
#define CS_ONNX_MAX_VALUES  (1 << 28)

/* Shaders index tensors with 32-bit integers. */
#define CS_ONNX_MAX_ELEMENTS G_MAXUINT32

/* protobuf-c unpacks nested messages recursively, without a depth limit;
 * a few kilobytes of nested headers would otherwise exhaust the stack. Real
 * models nest a dozen levels (model, graph, node, attribute, subgraph...). */
#define CS_ONNX_MAX_DEPTH 64

static void
model_proto_free (Onnx__ModelProto *model)
{
  onnx__model_proto__free_unpacked (model, NULL);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Onnx__ModelProto, model_proto_free)

typedef struct {
  CsGraph    *graph;
  const char *base_dir;      /* NULL when the model has no folder */
  char       *real_base_dir; /* base_dir with its symlinks resolved, on first use */
} Loader;

static const char *
or_empty (const char *s)
{
  return s != NULL ? s : "";
}

/* Protobuf wire format, walked only to measure nesting. */

static gboolean
read_varint (const guint8 **p,
             const guint8  *end,
             guint64       *value)
{
  guint64 v = 0;

  for (guint shift = 0; shift < 64; shift += 7)
    {
      guint8 b;

      if (*p >= end)
        return FALSE;
      b = *(*p)++;
      v |= (guint64) (b & 0x7f) << shift;
      if ((b & 0x80) == 0)
        {
          *value = v;
          return TRUE;
        }
    }

  return FALSE;
}

/* FALSE when messages nest deeper than CS_ONNX_MAX_DEPTH. Malformed bytes
 * end the walk with TRUE: protobuf-c reports those itself. */
static gboolean
nesting_within_limit (const ProtobufCMessageDescriptor *desc,
                      const guint8                     *p,
                      const guint8                     *end,
                      guint                             depth)
{
  if (depth > CS_ONNX_MAX_DEPTH)
    return FALSE;

  while (p < end)
    {
      guint64 key, len;
      guint wire_type;

      if (!read_varint (&p, end, &key))
        return TRUE;
      wire_type = key & 7;

      switch (wire_type)
        {
        case 0: /* varint */
          if (!read_varint (&p, end, &len))
            return TRUE;
          break;

        case 1: /* 64-bit */
          if (end - p < 8)
            return TRUE;
          p += 8;
          break;

        case 5: /* 32-bit */
          if (end - p < 4)
            return TRUE;
          p += 4;
          break;

        case 2: /* length-delimited */
          {
            const ProtobufCFieldDescriptor *field;

            if (!read_varint (&p, end, &len) || len > (guint64) (end - p))
              return TRUE;

            field = key >> 3 <= G_MAXUINT32
                    ? protobuf_c_message_descriptor_get_field (desc, (unsigned) (key >> 3))
                    : NULL;
            if (field != NULL && field->type == PROTOBUF_C_TYPE_MESSAGE &&
                !nesting_within_limit (field->descriptor, p, p + len, depth + 1))
              return FALSE;

            p += len;
          }
          break;

        default:
          return TRUE;
        }
    }

  return TRUE;
}

/* Element types */

typedef struct {
  const char *name;
  gboolean    usable;
  CsDType     dtype;
  guint       size; /* bytes per element in raw_data */
} ElemType;

static ElemType
elem_type_info (int32_t elem_type)
{
  switch (elem_type)
    {
    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT:
      return (ElemType) { "float32", TRUE, CS_DTYPE_FLOAT, 4 };
    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16:
      return (ElemType) { "float16", TRUE, CS_DTYPE_FLOAT, 2 };
    case ONNX__TENSOR_PROTO__DATA_TYPE__BFLOAT16:
      return (ElemType) { "bfloat16", TRUE, CS_DTYPE_FLOAT, 2 };
    case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE:
      return (ElemType) { "float64", TRUE, CS_DTYPE_FLOAT, 8 };
    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT8:
      return (ElemType) { "uint8", TRUE, CS_DTYPE_INT64, 1 };
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT8:
      return (ElemType) { "int8", TRUE, CS_DTYPE_INT64, 1 };
    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT16:
      return (ElemType) { "uint16", TRUE, CS_DTYPE_INT64, 2 };
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT16:
      return (ElemType) { "int16", TRUE, CS_DTYPE_INT64, 2 };
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT32:
      return (ElemType) { "int32", TRUE, CS_DTYPE_INT64, 4 };
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT64:
      return (ElemType) { "int64", TRUE, CS_DTYPE_INT64, 8 };
    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT32:
      return (ElemType) { "uint32", TRUE, CS_DTYPE_INT64, 4 };
    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT64:
      return (ElemType) { "uint64", TRUE, CS_DTYPE_INT64, 8 };
    case ONNX__TENSOR_PROTO__DATA_TYPE__BOOL:
      return (ElemType) { "bool", TRUE, CS_DTYPE_BOOL, 1 };
    case ONNX__TENSOR_PROTO__DATA_TYPE__STRING:
      return (ElemType) { "string", FALSE, CS_DTYPE_FLOAT, 0 };
    case ONNX__TENSOR_PROTO__DATA_TYPE__COMPLEX64:
      return (ElemType) { "complex64", FALSE, CS_DTYPE_FLOAT, 0 };
    case ONNX__TENSOR_PROTO__DATA_TYPE__COMPLEX128:
      return (ElemType) { "complex128", FALSE, CS_DTYPE_FLOAT, 0 };
    case ONNX__TENSOR_PROTO__DATA_TYPE__UNDEFINED:
      return (ElemType) { NULL, FALSE, CS_DTYPE_FLOAT, 0 };
    default:
      return (ElemType) { NULL, FALSE, CS_DTYPE_FLOAT, 0 };
    }
}

static gboolean
check_elem_type (int32_t      elem_type,
                 const char  *what,
                 const char  *name,
                 ElemType    *info,
                 GError     **error)
{
  *info = elem_type_info (elem_type);

  if (info->name == NULL)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                   "%s '%s' has no valid element type (%d)", what, name, (int) elem_type);
      return FALSE;
    }
  if (!info->usable)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_UNSUPPORTED,
                   "%s '%s' holds %s values, which Celshade cannot use",
                   what, name, info->name);
      return FALSE;
    }

  return TRUE;
}

static float
half_to_float (guint16 h)
{
  guint32 sign = (guint32) (h & 0x8000) << 16;
  guint32 exponent = (h >> 10) & 0x1f;
  guint32 mantissa = h & 0x3ff;
  guint32 bits;
  float f;

  if (exponent == 0x1f)
    {
      bits = sign | 0x7f800000u | (mantissa << 13);
    }
  else if (exponent != 0)
    {
      bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
    }
  else if (mantissa == 0)
    {
      bits = sign;
    }
  else
    {
      /* Subnormal: mantissa × 2^-24, exact in single precision. */
      f = (float) mantissa * 0x1p-24f;
      return sign != 0 ? -f : f;
    }

  memcpy (&f, &bits, sizeof f);
  return f;
}

static float
bfloat16_to_float (guint16 b)
{
  guint32 bits = (guint32) b << 16;
  float f;

  memcpy (&f, &bits, sizeof f);
  return f;
}


static float
double_to_float (double d)
{
  /* Out-of-range conversions are undefined in C; saturate as IEEE would. */
  if (d > G_MAXFLOAT)
    return INFINITY;
  if (d < -G_MAXFLOAT)
    return -INFINITY;
  return (float) d;
}

static inline guint16
read_le16 (const guint8 *p)
{
  return (guint16) (p[0] | (p[1] << 8));
}

static inline guint32
read_le32 (const guint8 *p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
}

static inline guint64
read_le64 (const guint8 *p)
{
  return (guint64) read_le32 (p) | ((guint64) read_le32 (p + 4) << 32);
}

/* Names and text */

/* Names end up in messages, which must be UTF-8. */
static gboolean
check_name (const char  *name,
            const char  *what,
            GError     **error)
{
  if (name != NULL && !g_utf8_validate (name, -1, NULL))
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                   "the model has %s that is not valid UTF-8 text", what);
      return FALSE;
    }

  return TRUE;
}

/* Shapes */

/* "its shape 3x3x3" or "a scalar", for messages about data sizes. */
static char *
shape_phrase (const CsTensor *t)
{
  g_autofree char *shape = NULL;

  if (t->rank == 0)
    return g_strdup ("a scalar");

  shape = cs_tensor_shape_string (t);
  return g_strdup_printf ("its shape %s", shape);
}

/* Copies dims into t, refusing a rank the IR cannot hold, negative sizes and
 * element counts the engine cannot index. Where allow_unknown, -1 stands for
 * a size only known at run time and is left out of the count. */
static gboolean
set_shape (CsTensor       *t,
           const char     *what,
           const char     *name,
           const int64_t  *dims,
           size_t          n_dims,
           gboolean        allow_unknown,
           GError        **error)
{
  guint64 numel = 1;

  if (n_dims > CS_MAX_RANK)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_UNSUPPORTED,
                   "%s '%s' has %zu dimensions; Celshade handles at most %d",
                   what, name, n_dims, CS_MAX_RANK);
      return FALSE;
    }

  for (size_t i = 0; i < n_dims; i++)
    {
      if (dims[i] < 0 && !(allow_unknown && dims[i] == -1))
        {
          g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                       "%s '%s' has a negative size (%" G_GINT64_FORMAT ") in dimension %zu",
                       what, name, (gint64) dims[i], i);
          return FALSE;
        }
    }

  t->rank = (int) n_dims;
  for (size_t i = 0; i < n_dims; i++)
    t->dims[i] = dims[i];

  for (size_t i = 0; i < n_dims; i++)
    {
      if (dims[i] < 0)
        continue;

      if (!g_uint64_checked_mul (&numel, numel, (guint64) dims[i]) ||
          numel > CS_ONNX_MAX_ELEMENTS)
        {
          g_autofree char *shape = cs_tensor_shape_string (t);

          g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_SHAPE,
                       "%s '%s' has the shape %s, more than the %" G_GUINT64_FORMAT
                       " elements Celshade can hold in one tensor",
                       what, name, shape, (guint64) CS_ONNX_MAX_ELEMENTS);
          return FALSE;
        }
    }

  return TRUE;
}

/* Tensor data */

/* Converts n elements of little-endian raw data to the IR's float or int64. */
static gboolean
decode_raw (int32_t        elem_type,
            const guint8  *raw,
            guint64        n,
            void          *out,
            const char    *name,
            GError       **error)
{
  float *f = out;
  int64_t *i64 = out;

  switch (elem_type)
    {
    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT:
      for (guint64 k = 0; k < n; k++)
        {
          guint32 bits = read_le32 (raw + 4 * k);
          memcpy (&f[k], &bits, sizeof bits);
        }
      break;

    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16:
      for (guint64 k = 0; k < n; k++)
        f[k] = half_to_float (read_le16 (raw + 2 * k));
      break;

    case ONNX__TENSOR_PROTO__DATA_TYPE__BFLOAT16:
      for (guint64 k = 0; k < n; k++)
        f[k] = bfloat16_to_float (read_le16 (raw + 2 * k));
      break;

    case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE:
      for (guint64 k = 0; k < n; k++)
        {
          guint64 bits = read_le64 (raw + 8 * k);
          double d;

          memcpy (&d, &bits, sizeof d);
          f[k] = double_to_float (d);
        }
      break;

    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT8:
      for (guint64 k = 0; k < n; k++)
        i64[k] = raw[k];
      break;

    case ONNX__TENSOR_PROTO__DATA_TYPE__INT8:
      for (guint64 k = 0; k < n; k++)
        i64[k] = (gint8) raw[k];
      break;

    case ONNX__TENSOR_PROTO__DATA_TYPE__BOOL:
      for (guint64 k = 0; k < n; k++)
        i64[k] = raw[k] != 0;
      break;

    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT16:
      for (guint64 k = 0; k < n; k++)
        i64[k] = read_le16 (raw + 2 * k);
      break;

    case ONNX__TENSOR_PROTO__DATA_TYPE__INT16:
      for (guint64 k = 0; k < n; k++)
        i64[k] = (gint16) read_le16 (raw + 2 * k);
      break;

    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT32:
      for (guint64 k = 0; k < n; k++)
        i64[k] = read_le32 (raw + 4 * k);
      break;

    case ONNX__TENSOR_PROTO__DATA_TYPE__INT32:
      for (guint64 k = 0; k < n; k++)
        i64[k] = (gint32) read_le32 (raw + 4 * k);
      break;

    case ONNX__TENSOR_PROTO__DATA_TYPE__INT64:
      for (guint64 k = 0; k < n; k++)
        i64[k] = (gint64) read_le64 (raw + 8 * k);
      break;

    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT64:
      for (guint64 k = 0; k < n; k++)
        {
          guint64 v = read_le64 (raw + 8 * k);

          if (v > G_MAXINT64)
            {
              g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_UNSUPPORTED,
                           "tensor '%s' holds the value %" G_GUINT64_FORMAT
                           ", too large for Celshade's 64-bit signed integers",
                           name, v);
              return FALSE;
            }
          i64[k] = (gint64) v;
        }
      break;

    default:
      g_assert_not_reached ();
    }

  return TRUE;
}

/* How many values the typed repeated field for the tensor's element type holds. */
static size_t
typed_count (const Onnx__TensorProto *tp)
{
  switch (tp->data_type)
    {
    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT:
      return tp->n_float_data;
    case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE:
      return tp->n_double_data;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT64:
      return tp->n_int64_data;
    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT32:
    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT64:
      return tp->n_uint64_data;
    default:
      /* Narrow integers, bool and both 16-bit floats (as bit patterns). */
      return tp->n_int32_data;
    }
}

/* Converts numel values from the typed fields; typed_count() must match. */
static gboolean
decode_typed (const Onnx__TensorProto  *tp,
              guint64                   numel,
              void                     *out,
              const char               *name,
              GError                  **error)
{
  float *f = out;
  int64_t *i64 = out;

  switch (tp->data_type)
    {
    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT:
      if (numel > 0)
        memcpy (f, tp->float_data, numel * sizeof (float));
      break;

    case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE:
      for (guint64 k = 0; k < numel; k++)
        f[k] = double_to_float (tp->double_data[k]);
      break;

    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16:
      for (guint64 k = 0; k < numel; k++)
        f[k] = half_to_float ((guint16) tp->int32_data[k]);
      break;

    case ONNX__TENSOR_PROTO__DATA_TYPE__BFLOAT16:
      for (guint64 k = 0; k < numel; k++)
        f[k] = bfloat16_to_float ((guint16) tp->int32_data[k]);
      break;

    case ONNX__TENSOR_PROTO__DATA_TYPE__INT64:
      if (numel > 0)
        memcpy (i64, tp->int64_data, numel * sizeof (int64_t));
      break;

    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT32:
    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT64:
      for (guint64 k = 0; k < numel; k++)
        {
          if (tp->uint64_data[k] > G_MAXINT64)
            {
              g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_UNSUPPORTED,
                           "tensor '%s' holds the value %" G_GUINT64_FORMAT
                           ", too large for Celshade's 64-bit signed integers",
                           name, (guint64) tp->uint64_data[k]);
              return FALSE;
            }
          i64[k] = (int64_t) tp->uint64_data[k];
        }
      break;

    case ONNX__TENSOR_PROTO__DATA_TYPE__BOOL:
      for (guint64 k = 0; k < numel; k++)
        i64[k] = tp->int32_data[k] != 0;
      break;

    default:
      for (guint64 k = 0; k < numel; k++)
        i64[k] = tp->int32_data[k];
      break;
    }

  return TRUE;
}

/* External data */

/* Resolves location inside the model's folder. Absolute paths, '..' and
 * symlinks that lead elsewhere are refused: a model downloaded from the
 * web must not be able to read the user's other files into its weights. */
static char *
resolve_external_path (Loader      *ld,
                       const char  *name,
                       const char  *location,
                       GError     **error)
{
  g_auto(GStrv) parts = NULL;
  g_autofree char *joined = NULL;
  g_autofree char *resolved = NULL;
  char *tmp;
  size_t base_len;
  gboolean inside;

  if (ld->base_dir == NULL)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_UNSUPPORTED,
                   "tensor '%s' keeps its data in the file '%s', but the model "
                   "was not loaded from a folder", name, location);
      return NULL;
    }

  if (g_path_is_absolute (location) || location[0] == '/' || location[0] == '\\' ||
      (g_ascii_isalpha (location[0]) && location[1] == ':'))
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                   "tensor '%s' keeps its data at the absolute path '%s'; external "
                   "data must be a relative path inside the model's folder",
                   name, location);
      return NULL;
    }

  parts = g_strsplit_set (location, "/\\", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (strcmp (parts[i], "..") == 0)
        {
          g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                       "tensor '%s' keeps its data at '%s', which leads out of the "
                       "model's folder; external data must lie inside it",
                       name, location);
          return NULL;
        }
    }

  if (ld->real_base_dir == NULL)
    {
      tmp = realpath (ld->base_dir, NULL);
      if (tmp == NULL)
        {
          int saved_errno = errno;

          g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "cannot open the model's folder '%s': %s",
                       ld->base_dir, g_strerror (saved_errno));
          return NULL;
        }
      ld->real_base_dir = g_strdup (tmp);
      free (tmp);
    }

  joined = g_build_filename (ld->real_base_dir, location, NULL);
  tmp = realpath (joined, NULL);
  if (tmp == NULL)
    {
      int saved_errno = errno;

      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                   "cannot open the external data file '%s' of tensor '%s': %s",
                   location, name, g_strerror (saved_errno));
      return NULL;
    }
  resolved = g_strdup (tmp);
  free (tmp);

  base_len = strlen (ld->real_base_dir);
  if (strcmp (ld->real_base_dir, "/") == 0)
    inside = TRUE;
  else
    inside = strncmp (resolved, ld->real_base_dir, base_len) == 0 && resolved[base_len] == '/';

  if (!inside)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                   "the external data file '%s' of tensor '%s' lies outside the "
                   "model's folder (it leads to '%s')", location, name, resolved);
      return NULL;
    }

  return g_steal_pointer (&resolved);
}

static gboolean
parse_size (const char  *value,
            const char  *key,
            const char  *name,
            guint64     *out,
            GError     **error)
{
  if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT64, out, NULL))
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                   "tensor '%s' has an invalid external data %s '%s'", name, key, value);
      return FALSE;
    }

  return TRUE;
}

/* Reads exactly `needed` bytes of the tensor's external data. */
static guint8 *
read_external (Loader                   *ld,
               const Onnx__TensorProto  *tp,
               const CsTensor           *t,
               const char               *name,
               guint64                   needed,
               GError                  **error)
{
  const char *location = NULL;
  guint64 offset = 0;
  guint64 length = needed;
  g_autofree char *path = NULL;
  g_autofree guint8 *buf = NULL;
  struct stat st;
  guint64 done = 0;
  int fd;

  for (size_t i = 0; i < tp->n_external_data; i++)
    {
      const char *key = or_empty (tp->external_data[i]->key);
      const char *value = or_empty (tp->external_data[i]->value);

      if (!check_name (value, "an external data entry", error))
        return NULL;

      if (strcmp (key, "location") == 0)
        location = value;
      else if (strcmp (key, "offset") == 0 && !parse_size (value, key, name, &offset, error))
        return NULL;
      else if (strcmp (key, "length") == 0 && !parse_size (value, key, name, &length, error))
        return NULL;
    }

  if (location == NULL || *location == '\0')
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                   "tensor '%s' is marked as external data but names no file", name);
      return NULL;
    }

  if (length != needed)
    {
      g_autofree char *phrase = shape_phrase (t);

      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                   "tensor '%s' has %" G_GUINT64_FORMAT " bytes of data but %s needs %"
                   G_GUINT64_FORMAT, name, length, phrase, needed);
      return NULL;
    }

  path = resolve_external_path (ld, name, location, error);
  if (path == NULL)
    return NULL;

  /* O_NONBLOCK: opening a FIFO planted in the folder must not hang the load. */
  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                   "cannot open the external data file '%s' of tensor '%s': %s",
                   location, name, g_strerror (saved_errno));
      return NULL;
    }

  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                   "the external data file '%s' of tensor '%s' is not a regular file",
                   location, name);
      close (fd);
      return NULL;
    }

  if (offset > (guint64) st.st_size || needed > (guint64) st.st_size - offset)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                   "the external data file '%s' is too short for tensor '%s': it has %"
                   G_GUINT64_FORMAT " bytes, the tensor needs %" G_GUINT64_FORMAT
                   " from offset %" G_GUINT64_FORMAT,
                   location, name, (guint64) st.st_size, needed, offset);
      close (fd);
      return NULL;
    }

  buf = g_try_malloc (MAX (needed, 1));
  if (buf == NULL)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_SHAPE,
                   "not enough memory to load tensor '%s' (%" G_GUINT64_FORMAT " bytes)",
                   name, needed);
      close (fd);
      return NULL;
    }

  while (done < needed)
    {
      size_t chunk = (size_t) MIN (needed - done, (guint64) (1 << 30));
      ssize_t got = pread (fd, buf + done, chunk, (off_t) (offset + done));

      if (got < 0 && errno == EINTR)
        continue;
      if (got <= 0)
        {
          int saved_errno = got < 0 ? errno : EIO;

          g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                       "cannot read the external data file '%s' of tensor '%s': %s",
                       location, name, g_strerror (saved_errno));
          close (fd);
          return NULL;
        }
      done += (guint64) got;
    }

  close (fd);
  return g_steal_pointer (&buf);
}

/* Fills t (already in the graph, named `name` for messages) from a
 * TensorProto: dtype, shape and converted data. */
static gboolean
load_tensor_proto (Loader                   *ld,
                   const Onnx__TensorProto  *tp,
                   CsTensor                 *t,
                   const char               *name,
                   GError                  **error)
{
  ElemType info;
  guint64 numel;
  guint64 needed;
  g_autofree guint8 *external = NULL;
  const guint8 *raw = NULL;
  g_autofree void *data = NULL;

  if (!check_elem_type (tp->has_data_type ? tp->data_type : 0, "tensor", name, &info, error))
    return FALSE;
  if (!set_shape (t, "tensor", name, tp->dims, tp->n_dims, FALSE, error))
    return FALSE;
  t->dtype = info.dtype;

  if (tp->segment != NULL)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_UNSUPPORTED,
                   "tensor '%s' is stored in segments, which Celshade does not read", name);
      return FALSE;
    }

  /* Both bounded by set_shape: at most 2^32 elements of at most 8 bytes. */
  numel = cs_tensor_numel (t);
  needed = numel * info.size;

  if (tp->has_data_location &&
      tp->data_location != ONNX__TENSOR_PROTO__DATA_LOCATION__DEFAULT &&
      tp->data_location != ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                   "tensor '%s' has an unknown data location (%d)", name, (int) tp->data_location);
      return FALSE;
    }

  /* The data must be there, in full, before anything is allocated for it:
   * a few bytes of header must not make the loader reserve gigabytes. */
  if (tp->has_data_location && tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
    {
      external = read_external (ld, tp, t, name, needed, error);
      if (external == NULL)
        return FALSE;
      raw = external;
    }
  else if (tp->has_raw_data)
    {
      if (tp->raw_data.len != needed)
        {
          g_autofree char *phrase = shape_phrase (t);

          g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                       "tensor '%s' has %zu bytes of data but %s needs %" G_GUINT64_FORMAT,
                       name, tp->raw_data.len, phrase, needed);
          return FALSE;
        }
      raw = tp->raw_data.data;
    }
  else if (typed_count (tp) != numel)
    {
      g_autofree char *phrase = shape_phrase (t);

      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                   "tensor '%s' has %zu values but %s needs %" G_GUINT64_FORMAT,
                   name, typed_count (tp), phrase, numel);
      return FALSE;
    }

  /* Even an empty constant gets a buffer: data != NULL is what marks a
   * tensor as constant. */
  data = g_try_malloc0 (MAX (numel, 1) * (info.dtype == CS_DTYPE_FLOAT ? sizeof (float) : sizeof (int64_t)));
  if (data == NULL)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_SHAPE,
                   "not enough memory to load tensor '%s' (%" G_GUINT64_FORMAT " values)",
                   name, numel);
      return FALSE;
    }

  if (raw != NULL)
    {
      if (!decode_raw (tp->data_type, raw, numel, data, name, error))
        return FALSE;
    }
  else if (!decode_typed (tp, numel, data, name, error))
    {
      return FALSE;
    }

  t->data = g_steal_pointer (&data);
  return TRUE;
}

/* Graph structure */

static int
add_tensor_checked (Loader      *ld,
                    const char  *name,
                    CsDType      dtype,
                    GError     **error)
{
  if (ld->graph->tensors->len >= CS_ONNX_MAX_TENSORS)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_UNSUPPORTED,
                   "the model has more than %d tensors", CS_ONNX_MAX_TENSORS);
      return -1;
    }

  return cs_graph_add_tensor (ld->graph, name, dtype);
}

static gboolean
load_initializer (Loader                   *ld,
                  const Onnx__TensorProto  *tp,
                  GError                  **error)
{
  const char *name = or_empty (tp->name);
  int id;

  if (!check_name (name, "an initializer", error))
    return FALSE;
  if (*name == '\0')
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                   "the model has an initializer without a name");
      return FALSE;
    }
  if (cs_graph_find_tensor (ld->graph, name) >= 0)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                   "the model defines tensor '%s' twice", name);
      return FALSE;
    }

  id = add_tensor_checked (ld, name, CS_DTYPE_FLOAT, error);
  if (id < 0)
    return FALSE;

  return load_tensor_proto (ld, tp, cs_graph_tensor (ld->graph, id), name, error);
}

static gboolean
load_input (Loader                      *ld,
            const Onnx__ValueInfoProto  *vi,
            GError                     **error)
{
  const char *name = or_empty (vi->name);
  const Onnx__TypeProto__Tensor *tt;
  int64_t dims[CS_MAX_RANK];
  ElemType info;
  CsTensor *t;
  int id;

  if (!check_name (name, "an input", error))
    return FALSE;
  if (*name == '\0')
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                   "the model has an input without a name");
      return FALSE;
    }

  id = cs_graph_find_tensor (ld->graph, name);
  if (id >= 0)
    {
      /* Older exporters list initializers among the inputs too, so that a
       * runtime may override them; here they stay constants. */
      if (!cs_graph_tensor (ld->graph, id)->is_input)
        return TRUE;

      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                   "the model lists input '%s' twice", name);
      return FALSE;
    }

  if (vi->type == NULL)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                   "input '%s' has no type", name);
      return FALSE;
    }
  if (vi->type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || vi->type->tensor_type == NULL)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_UNSUPPORTED,
                   "input '%s' is a sequence, map, optional or sparse value; "
                   "Celshade reads only tensors", name);
      return FALSE;
    }

  tt = vi->type->tensor_type;
  if (!check_elem_type (tt->has_elem_type ? tt->elem_type : 0, "input", name, &info, error))
    return FALSE;

  id = add_tensor_checked (ld, name, info.dtype, error);
  if (id < 0)
    return FALSE;
  t = cs_graph_tensor (ld->graph, id);
  t->is_input = TRUE;
  g_array_append_val (ld->graph->inputs, id);

  if (tt->shape == NULL)
    return TRUE; /* rank unknown */

  if (tt->shape->n_dim > CS_MAX_RANK)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_UNSUPPORTED,
                   "input '%s' has %zu dimensions; Celshade handles at most %d",
                   name, tt->shape->n_dim, CS_MAX_RANK);
      return FALSE;
    }

  for (size_t i = 0; i < tt->shape->n_dim; i++)
    {
      const Onnx__TensorShapeProto__Dimension *dim = tt->shape->dim[i];

      /* A named or missing size is bound when the input is. */
      if (dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE)
        dims[i] = dim->dim_value;
      else
        dims[i] = -1;
    }

  return set_shape (t, "input", name, dims, tt->shape->n_dim, TRUE, error);
}

static void
attrs_free (CsAttr *attrs,
            int     n)
{
  for (int i = 0; i < n; i++)
    {
      g_free (attrs[i].name);
      g_free (attrs[i].s);
      g_free (attrs[i].ints);
      g_free (attrs[i].floats);
    }
  g_free (attrs);
}

/* Old models may leave an attribute's type out; the field that is set says it. */
static Onnx__AttributeProto__AttributeType
attr_type (const Onnx__AttributeProto *ap)
{
  if (ap->has_type)
    return ap->type;
  if (ap->g != NULL || ap->n_graphs > 0)
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH;
  if (ap->t != NULL)
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
  if (ap->n_ints > 0)
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
  if (ap->n_floats > 0)
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS;
  if (ap->has_s)
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
  if (ap->has_f)
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
  if (ap->has_i)
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
  return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED;
}

static gboolean
load_attr (Loader                      *ld,
           const Onnx__AttributeProto  *ap,
           const char                  *node_name,
           const char                  *node_desc,
           CsAttr                      *attr,
           GError                     **error)
{
  const char *name = or_empty (ap->name);

  attr->tensor = -1;

  if (!check_name (name, "an attribute", error))
    return FALSE;
  if (*name == '\0')
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                   "%s has an attribute without a name", node_desc);
      return FALSE;
    }
  attr->name = g_strdup (name);

  if (ap->ref_attr_name != NULL && *ap->ref_attr_name != '\0')
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_UNSUPPORTED,
                   "attribute '%s' of %s refers to a function's attribute, "
                   "which Celshade does not support", name, node_desc);
      return FALSE;
    }

  switch (attr_type (ap))
    {
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT:
      attr->type = CS_ATTR_INT;
      attr->i = ap->i;
      break;

    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT:
      attr->type = CS_ATTR_FLOAT;
      attr->f = ap->f;
      break;

    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING:
      /* Operators' string attributes are keywords; NUL bytes or invalid
       * UTF-8 in one can only be damage. */
      if (ap->s.len > 0 && !g_utf8_validate_len ((const char *) ap->s.data, ap->s.len, NULL))
        {
          g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                       "attribute '%s' of %s is not valid UTF-8 text", name, node_desc);
          return FALSE;
        }
      attr->type = CS_ATTR_STRING;
      attr->s = g_strndup ((const char *) ap->s.data, ap->s.len);
      break;

    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS:
      if (ap->n_ints > CS_ONNX_MAX_VALUES)
        goto too_many;
      attr->type = CS_ATTR_INTS;
      attr->n = (int) ap->n_ints;
      attr->ints = g_memdup2 (ap->ints, ap->n_ints * sizeof (int64_t));
      break;

    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS:
      if (ap->n_floats > CS_ONNX_MAX_VALUES)
        goto too_many;
      attr->type = CS_ATTR_FLOATS;
      attr->n = (int) ap->n_floats;
      attr->floats = g_memdup2 (ap->floats, ap->n_floats * sizeof (float));
      break;

    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR:
      {
        g_autofree char *tensor_name = NULL;
        CsTensor *t;
        int id;

        if (ap->t == NULL)
          {
            g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                         "attribute '%s' of %s has no tensor", name, node_desc);
            return FALSE;
          }

        /* Anonymous in the graph, so that it cannot clash with the model's
         * names, but named after its node for messages. */
        id = add_tensor_checked (ld, NULL, CS_DTYPE_FLOAT, error);
        if (id < 0)
          return FALSE;
        t = cs_graph_tensor (ld->graph, id);
        tensor_name = g_strdup_printf ("%s.%s", node_name, name);
        g_free (t->name);
        t->name = g_strdup (tensor_name);

        attr->type = CS_ATTR_TENSOR;
        attr->tensor = id;
        if (!load_tensor_proto (ld, ap->t, t, tensor_name, error))
          return FALSE;
      }
      break;

    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH:
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPHS:
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_UNSUPPORTED,
                   "attribute '%s' of %s is a subgraph; Celshade does not run "
                   "models with subgraphs", name, node_desc);
      return FALSE;

    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED:
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                   "attribute '%s' of %s has no value", name, node_desc);
      return FALSE;

    default:
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_UNSUPPORTED,
                   "attribute '%s' of %s is a list of strings, tensors or types, "
                   "which Celshade does not support", name, node_desc);
      return FALSE;
    }

  return TRUE;

too_many:
  g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_UNSUPPORTED,
               "attribute '%s' of %s has more than %d values",
               name, node_desc, CS_ONNX_MAX_VALUES);
  return FALSE;
}

static gboolean
load_node (Loader                 *ld,
           const Onnx__NodeProto  *np,
           guint                   index,
           GError                **error)
{
  const char *op_type = or_empty (np->op_type);
  const char *domain = or_empty (np->domain);
  g_autofree char *name = NULL;
  g_autofree char *desc = NULL;
  CsNode node = { 0 };
  CsAttr *attrs = NULL;

  if (!check_name (op_type, "an operator", error) ||
      !check_name (domain, "an operator domain", error) ||
      !check_name (np->name, "a node", error))
    return FALSE;

  if (*op_type == '\0')
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                   "node %u of the model has no operator", index);
      return FALSE;
    }

  /* Exporters often leave nodes unnamed; name them the way PyTorch does. */
  if (np->name != NULL && *np->name != '\0')
    name = g_strdup (np->name);
  else
    name = g_strdup_printf ("%s_%u", op_type, index);

  if (*domain != '\0' && strcmp (domain, "ai.onnx") != 0)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_UNSUPPORTED,
                   "operator '%s' from domain '%s' (node '%s') is not supported",
                   op_type, domain, name);
      return FALSE;
    }
  if (!cs_op_from_onnx (op_type, &node.op))
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_UNSUPPORTED,
                   "operator '%s' (node '%s') is not supported", op_type, name);
      return FALSE;
    }

  desc = g_strdup_printf ("node '%s' (%s)", name, op_type);

  if (np->n_input > CS_MAX_NODE_INPUTS)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_UNSUPPORTED,
                   "%s has %zu inputs; Celshade handles at most %d",
                   desc, np->n_input, CS_MAX_NODE_INPUTS);
      return FALSE;
    }
  if (np->n_output > CS_MAX_NODE_OUTPUTS)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_UNSUPPORTED,
                   "%s has %zu outputs; Celshade handles at most %d",
                   desc, np->n_output, CS_MAX_NODE_OUTPUTS);
      return FALSE;
    }
  if (np->n_attribute > CS_ONNX_MAX_ATTRS)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_UNSUPPORTED,
                   "%s has more than %d attributes", desc, CS_ONNX_MAX_ATTRS);
      return FALSE;
    }

  node.n_inputs = (int) np->n_input;
  for (size_t i = 0; i < np->n_input; i++)
    {
      const char *in = or_empty (np->input[i]);

      if (!check_name (in, "a tensor", error))
        return FALSE;

      /* An empty name leaves an optional input out. */
      if (*in == '\0')
        {
          node.inputs[i] = -1;
          continue;
        }

      node.inputs[i] = cs_graph_find_tensor (ld->graph, in);
      if (node.inputs[i] < 0)
        {
          /* ONNX stores nodes in topological order, so this also refuses cycles. */
          g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                       "%s reads '%s', which no input, initializer or earlier node defines",
                       desc, in);
          return FALSE;
        }
    }

  attrs = g_new0 (CsAttr, MAX (np->n_attribute, 1));
  for (size_t i = 0; i < np->n_attribute; i++)
    {
      if (!load_attr (ld, np->attribute[i], name, desc, &attrs[i], error))
        {
          attrs_free (attrs, (int) i + 1);
          return FALSE;
        }

      for (size_t j = 0; j < i; j++)
        {
          if (strcmp (attrs[j].name, attrs[i].name) == 0)
            {
              g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                           "%s has two attributes named '%s'", desc, attrs[i].name);
              attrs_free (attrs, (int) i + 1);
              return FALSE;
            }
        }
    }

  node.n_outputs = (int) np->n_output;
  for (size_t i = 0; i < np->n_output; i++)
    {
      const char *out = or_empty (np->output[i]);

      if (!check_name (out, "a tensor", error))
        goto fail;

      if (*out == '\0')
        {
          node.outputs[i] = -1;
          continue;
        }

      if (cs_graph_find_tensor (ld->graph, out) >= 0)
        {
          g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                       "%s writes '%s', which is already defined", desc, out);
          goto fail;
        }

      node.outputs[i] = add_tensor_checked (ld, out, CS_DTYPE_FLOAT, error);
      if (node.outputs[i] < 0)
        goto fail;
    }

  node.name = name;
  node.attrs = attrs;
  node.n_attrs = (int) np->n_attribute;
  node.act = CS_ACT_NONE;
  node.fused_add = -1;
  node.dead = FALSE;
  cs_graph_add_node (ld->graph, &node);

  return TRUE;

fail:
  attrs_free (attrs, (int) np->n_attribute);
  return FALSE;
}

static gboolean
load_output (Loader                      *ld,
             const Onnx__ValueInfoProto  *vi,
             GError                     **error)
{
  const char *name = or_empty (vi->name);
  int id;

  if (!check_name (name, "an output", error))
    return FALSE;

  id = cs_graph_find_tensor (ld->graph, name);
  if (id < 0)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                   "the model's output '%s' is not computed by any node", name);
      return FALSE;
    }

  cs_graph_tensor (ld->graph, id)->is_output = TRUE;
  g_array_append_val (ld->graph->outputs, id);

  return TRUE;
}

static gboolean
load_opset (Loader                  *ld,
            const Onnx__ModelProto  *model,
            GError                 **error)
{
  gint64 opset = -1;

  for (size_t i = 0; i < model->n_opset_import; i++)
    {
      const Onnx__OperatorSetIdProto *imp = model->opset_import[i];
      const char *domain = or_empty (imp->domain);

      if ((*domain == '\0' || strcmp (domain, "ai.onnx") == 0) && imp->has_version)
        opset = MAX (opset, imp->version);
    }

  /* Models made only of another domain's operators import only that domain. */
  if (opset < 0 && model->n_opset_import > 0 &&
      check_name (model->opset_import[0]->domain, "an operator domain", NULL))
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_UNSUPPORTED,
                   "the model uses operators from domain '%s' only, which Celshade does not support",
                   or_empty (model->opset_import[0]->domain));
      return FALSE;
    }
  if (opset < 0)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                   "the model does not say which ONNX operator set it uses");
      return FALSE;
    }
  if (opset < CS_ONNX_MIN_OPSET || opset > CS_ONNX_MAX_OPSET)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_UNSUPPORTED,
                   "the model uses ONNX operator set %" G_GINT64_FORMAT
                   "; Celshade reads operator sets %d to %d",
                   opset, CS_ONNX_MIN_OPSET, CS_ONNX_MAX_OPSET);
      return FALSE;
    }

  ld->graph->opset = (int) opset;
  return TRUE;
}

static gboolean
load_model (Loader                  *ld,
            const Onnx__ModelProto  *model,
            GError                 **error)
{
  const Onnx__GraphProto *gp = model->graph;

  if (!model->has_ir_version || gp == NULL)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                   "not a valid ONNX model: it has no %s",
                   gp == NULL ? "graph" : "IR version");
      return FALSE;
    }

  if (!load_opset (ld, model, error))
    return FALSE;

  if (gp->n_sparse_initializer > 0)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_UNSUPPORTED,
                   "the model has sparse initializers, which Celshade does not read");
      return FALSE;
    }
  if (gp->n_node > CS_ONNX_MAX_NODES)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_UNSUPPORTED,
                   "the model has %zu nodes; Celshade handles at most %d",
                   gp->n_node, CS_ONNX_MAX_NODES);
      return FALSE;
    }

  for (size_t i = 0; i < gp->n_initializer; i++)
    if (!load_initializer (ld, gp->initializer[i], error))
      return FALSE;

  for (size_t i = 0; i < gp->n_input; i++)
    if (!load_input (ld, gp->input[i], error))
      return FALSE;

  for (size_t i = 0; i < gp->n_node; i++)
    if (!load_node (ld, gp->node[i], (guint) i, error))
      return FALSE;

  if (gp->n_output == 0)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                   "the model has no outputs");
      return FALSE;
    }
  for (size_t i = 0; i < gp->n_output; i++)
    if (!load_output (ld, gp->output[i], error))
      return FALSE;

  return TRUE;
}

CsGraph *
cs_onnx_load_data (const guint8  *data,
                   gsize          len,
                   const char    *base_dir,
                   GError       **error)
{
  g_autoptr(Onnx__ModelProto) model = NULL;
  g_autoptr(CsGraph) graph = NULL;
  Loader ld = { 0 };
  gboolean ok;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (len == 0)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                   "not a valid ONNX model: the file is empty");
      return NULL;
    }

  if (!nesting_within_limit (&onnx__model_proto__descriptor, data, data + len, 0))
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                   "not a valid ONNX model: its structure nests more than %d levels deep",
                   CS_ONNX_MAX_DEPTH);
      return NULL;
    }

  model = onnx__model_proto__unpack (NULL, len, data);
  if (model == NULL)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                   "not a valid ONNX model: the file is damaged, truncated "
                   "or of another kind");
      return NULL;
    }

  graph = cs_graph_new ();
  ld.graph = graph;
  ld.base_dir = base_dir;

  ok = load_model (&ld, model, error);
  g_free (ld.real_base_dir);

  return ok ? g_steal_pointer (&graph) : NULL;
}

CsGraph *
cs_onnx_load_file (const char  *path,
                   GError     **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *base_dir = NULL;
  gsize len;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Read, not mapped: a mapped file that another program truncates while
   * it loads would kill the app with SIGBUS. */
  if (!g_file_get_contents (path, &contents, &len, error))
    return NULL;

  base_dir = g_path_get_dirname (path);

  return cs_onnx_load_data ((const guint8 *) contents, len, base_dir, error);
}
