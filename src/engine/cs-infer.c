/* cs-infer.c: static shape inference and load-time folding.
 *
 * Once the input sizes are fixed, every tensor's shape is known and all shape
 * arithmetic that exporters emit (Shape, Gather, Cast, ...) has constant
 * inputs: it is evaluated here on the host and never reaches the device.
 * What the engine cannot run is refused here, naming the node.
 */
#include "cs-config.h"

#include <math.h>
#include <string.h>

#include "cs-graph.h"
#include "cs-infer-private.h"
#include "cs-fold.h"

/* Larger than any buffer a device gives one tensor; catches absurd shapes
 * before anything is allocated. */
#define CS_MAX_ELEMENTS (G_GUINT64_CONSTANT (1) << 33)

static gboolean
fail (GError **error, CsGraph *g, const CsNode *node, int code, const char *fmt, ...) G_GNUC_PRINTF (5, 6);

static gboolean
fail (GError **error, CsGraph *g, const CsNode *node, int code, const char *fmt, ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, fmt);
  msg = g_strdup_vprintf (fmt, args);
  va_end (args);
  g_set_error (error, CS_ENGINE_ERROR, code, "%s (node '%s'): %s",
               cs_op_name (node->op), node->name ? node->name : "", msg);
  return FALSE;
}

#define UNSUPPORTED(...) fail (error, g, node, CS_ENGINE_ERROR_UNSUPPORTED, __VA_ARGS__)
#define BAD_SHAPE(...) fail (error, g, node, CS_ENGINE_ERROR_SHAPE, __VA_ARGS__)
#define INVALID(...) fail (error, g, node, CS_ENGINE_ERROR_INVALID_MODEL, __VA_ARGS__)

static CsTensor *
in_t (CsGraph *g, const CsNode *node, int i)
{
  if (i >= node->n_inputs || node->inputs[i] < 0)
    return NULL;
  return cs_graph_tensor (g, node->inputs[i]);
}

static CsTensor *
out_t (CsGraph *g, const CsNode *node, int i)
{
  if (i >= node->n_outputs || node->outputs[i] < 0)
    return NULL;
  return cs_graph_tensor (g, node->outputs[i]);
}

static void
set_shape (CsTensor *t, CsDType dtype, int rank, const int64_t *dims)
{
  t->dtype = dtype;
  t->rank = rank;
  for (int i = 0; i < rank; i++)
    t->dims[i] = dims[i];
}

static gboolean
is_const (const CsTensor *t)
{
  return t != NULL && t->data != NULL;
}

/* Reads element i of a constant as int64 or float, whatever its type. */
static int64_t
const_int (const CsTensor *t, guint64 i)
{
  if (t->dtype == CS_DTYPE_FLOAT)
    return (int64_t) ((float *) t->data)[i];
  return ((int64_t *) t->data)[i];
}

static double
const_double (const CsTensor *t, guint64 i)
{
  if (t->dtype == CS_DTYPE_FLOAT)
    return ((float *) t->data)[i];
  return (double) ((int64_t *) t->data)[i];
}

static void *
alloc_data (CsTensor *t)
{
  guint64 n = cs_tensor_numel (t);
  g_free (t->data);
  t->data = g_malloc0 (MAX (n, 1) * (t->dtype == CS_DTYPE_FLOAT ? sizeof (float) : sizeof (int64_t)));
  return t->data;
}

/* Copies element src of constant x to element dst of o, of the same type:
 * the inner step of folding gathers, transposes and slices. */
static inline void
copy_element (CsTensor *o, guint64 dst, const CsTensor *x, guint64 src)
{
  if (o->dtype == CS_DTYPE_FLOAT)
    ((float *) o->data)[dst] = ((float *) x->data)[src];
  else
    ((int64_t *) o->data)[dst] = ((int64_t *) x->data)[src];
}

static gboolean
check_size (CsGraph *g, const CsNode *node, CsTensor *t, GError **error)
{
  guint64 n = 1;
  for (int i = 0; i < t->rank; i++)
    {
      if (t->dims[i] < 0)
        return BAD_SHAPE ("output '%s' would have a negative size", t->name);
      if (t->dims[i] != 0 && n > CS_MAX_ELEMENTS / (guint64) t->dims[i])
        return BAD_SHAPE ("output '%s' would be far too large", t->name);
      n *= t->dims[i];
    }
  if (n > CS_MAX_ELEMENTS)
    {
      g_autofree char *s = cs_tensor_shape_string (t);
      return BAD_SHAPE ("output '%s' would have shape %s, too large for any device", t->name, s);
    }
  return TRUE;
}

static int
norm_axis (int64_t axis, int rank)
{
  return axis < 0 ? (int) (axis + rank) : (int) axis;
}

/* Numpy-style multidirectional broadcasting. */
gboolean
cs_broadcast_shape (const CsTensor *a, const CsTensor *b, int *rank, int64_t *dims)
{
  int r = MAX (a->rank, b->rank);
  for (int i = 0; i < r; i++)
    {
      int ia = i - (r - a->rank), ib = i - (r - b->rank);
      int64_t da = ia >= 0 ? a->dims[ia] : 1;
      int64_t db = ib >= 0 ? b->dims[ib] : 1;
      if (da != db && da != 1 && db != 1)
        return FALSE;
      dims[i] = da == 1 ? db : da;
    }
  *rank = r;
  return TRUE;
}

/* Strides of `t` seen as broadcast to an output of rank `rank` and `dims`:
 * 0 along the axes it is broadcast on. */
void
cs_broadcast_strides (const CsTensor *t, int rank, const int64_t *dims, int64_t *strides)
{
  int64_t s = 1;
  for (int i = rank - 1; i >= 0; i--)
    {
      int it = i - (rank - t->rank);
      int64_t d = it >= 0 ? t->dims[it] : 1;
      strides[i] = (d == 1 && dims[i] != 1) ? 0 : s;
      if (d == 1 && dims[i] == 1)
        strides[i] = 0;
      s *= d;
    }
}

static void
unravel (guint64 idx, int rank, const int64_t *dims, int64_t *coord)
{
  for (int i = rank - 1; i >= 0; i--)
    {
      coord[i] = dims[i] ? (int64_t) (idx % (guint64) dims[i]) : 0;
      idx = dims[i] ? idx / (guint64) dims[i] : 0;
    }
}

/* ---- element-wise ---------------------------------------------------- */

static gboolean
infer_binary (CsGraph *g, CsNode *node, GError **error)
{
  CsTensor *a = in_t (g, node, 0), *b = in_t (g, node, 1), *o = out_t (g, node, 0);
  int rank;
  int64_t dims[CS_MAX_RANK];
  CsDType dt;

  if (a == NULL || b == NULL)
    return INVALID ("needs two inputs");
  if (!cs_broadcast_shape (a, b, &rank, dims))
    {
      g_autofree char *sa = cs_tensor_shape_string (a);
      g_autofree char *sb = cs_tensor_shape_string (b);
      return BAD_SHAPE ("shapes %s and %s cannot be broadcast together", sa, sb);
    }
  dt = (a->dtype == CS_DTYPE_FLOAT || b->dtype == CS_DTYPE_FLOAT) ? CS_DTYPE_FLOAT : CS_DTYPE_INT64;
  if (node->op == CS_OP_POW)
    dt = a->dtype; /* the base's type, as ONNX says */
  if (node->op == CS_OP_EQUAL)
    dt = CS_DTYPE_BOOL;
  set_shape (o, dt, rank, dims);
  if (!check_size (g, node, o, error))
    return FALSE;

  if (is_const (a) && is_const (b) && (dt != CS_DTYPE_FLOAT || cs_tensor_numel (o) <= 4096))
    {
      int64_t sa[CS_MAX_RANK], sb[CS_MAX_RANK], c[CS_MAX_RANK];
      guint64 n = cs_tensor_numel (o);

      cs_broadcast_strides (a, rank, dims, sa);
      cs_broadcast_strides (b, rank, dims, sb);
      alloc_data (o);
      for (guint64 i = 0; i < n; i++)
        {
          guint64 ia = 0, ib = 0;
          unravel (i, rank, dims, c);
          for (int k = 0; k < rank; k++)
            {
              ia += c[k] * sa[k];
              ib += c[k] * sb[k];
            }
          if (dt == CS_DTYPE_FLOAT)
            {
              double x = const_double (a, ia), y = const_double (b, ib), r = 0;
              switch (node->op)
                {
                case CS_OP_ADD: r = x + y; break;
                case CS_OP_SUB: r = x - y; break;
                case CS_OP_MUL: r = x * y; break;
                case CS_OP_DIV: r = x / y; break;
                case CS_OP_POW: r = pow (x, y); break;
                case CS_OP_PRELU: r = x < 0 ? x * y : x; break;
                default: g_assert_not_reached ();
                }
              ((float *) o->data)[i] = (float) r;
            }
          else
            {
              int64_t x = const_int (a, ia), y = const_int (b, ib), r = 0;
              switch (node->op)
                {
                case CS_OP_ADD: r = x + y; break;
                case CS_OP_SUB: r = x - y; break;
                case CS_OP_MUL: r = x * y; break;
                case CS_OP_DIV:
                  if (y == 0)
                    return INVALID ("integer division by zero while folding");
                  r = x / y;
                  break;
                case CS_OP_POW: r = (int64_t) pow ((double) x, const_double (b, ib)); break;
                case CS_OP_EQUAL: r = const_double (a, ia) == const_double (b, ib); break;
                case CS_OP_PRELU: r = x < 0 ? x * y : x; break;
                default: g_assert_not_reached ();
                }
              ((int64_t *) o->data)[i] = r;
            }
        }
      node->dead = TRUE;
      return TRUE;
    }
  if (dt != CS_DTYPE_FLOAT || a->dtype != CS_DTYPE_FLOAT)
    return UNSUPPORTED ("integer arithmetic on run-time values; only float tensors run on the device");
  if (b->dtype != CS_DTYPE_FLOAT)
    {
      if (node->op == CS_OP_POW && is_const (b))
        return TRUE; /* an integer exponent is read as float */
      return UNSUPPORTED ("integer arithmetic on run-time values; only float tensors run on the device");
    }
  return TRUE;
}

static gboolean
infer_unary (CsGraph *g, CsNode *node, GError **error)
{
  CsTensor *x = in_t (g, node, 0), *o = out_t (g, node, 0);

  if (x == NULL)
    return INVALID ("needs an input");
  set_shape (o, x->dtype, x->rank, x->dims);
  if (node->op == CS_OP_CLIP)
    {
      for (int i = 1; i < 3; i++)
        {
          CsTensor *b = in_t (g, node, i);
          if (b != NULL && !is_const (b))
            return UNSUPPORTED ("run-time min and max are not supported; they must be constants");
          if (b != NULL && cs_tensor_numel (b) != 1)
            return INVALID ("min and max must be scalars");
        }
    }
  if (x->dtype != CS_DTYPE_FLOAT)
    {
      if (!is_const (x))
        return UNSUPPORTED ("integer tensors are supported only as constants");
      if (node->op == CS_OP_NEG || node->op == CS_OP_IDENTITY || node->op == CS_OP_CLIP)
        {
          guint64 n = cs_tensor_numel (x);
          int64_t lo = G_MININT64, hi = G_MAXINT64;
          if (in_t (g, node, 1))
            lo = const_int (in_t (g, node, 1), 0);
          if (in_t (g, node, 2))
            hi = const_int (in_t (g, node, 2), 0);
          alloc_data (o);
          for (guint64 i = 0; i < n; i++)
            {
              int64_t v = const_int (x, i);
              ((int64_t *) o->data)[i] = node->op == CS_OP_NEG ? -v :
                                         node->op == CS_OP_CLIP ? CLAMP (v, lo, hi) : v;
            }
          node->dead = TRUE;
          return TRUE;
        }
      return UNSUPPORTED ("integer input");
    }
  if (node->op == CS_OP_IDENTITY && is_const (x))
    {
      alloc_data (o);
      memcpy (o->data, x->data, cs_tensor_numel (x) * sizeof (float));
      node->dead = TRUE;
    }
  return TRUE;
}

static gboolean
infer_cast (CsGraph *g, CsNode *node, GError **error)
{
  CsTensor *x = in_t (g, node, 0), *o = out_t (g, node, 0);
  int64_t to = cs_node_attr_int (node, "to", 0);
  CsDType dt;
  guint64 n;

  /* ONNX TensorProto element types. */
  switch (to)
    {
    case 1: dt = CS_DTYPE_FLOAT; break;                  /* FLOAT */
    case 10: case 11: dt = CS_DTYPE_FLOAT; break;        /* FLOAT16, DOUBLE: float here */
    case 2: case 3: case 4: case 5: case 6: case 7:
    case 12: case 13: dt = CS_DTYPE_INT64; break;        /* integers */
    case 9: dt = CS_DTYPE_BOOL; break;
    default:
      return UNSUPPORTED ("casting to element type %" G_GINT64_FORMAT " is not supported", to);
    }
  if (x == NULL)
    return INVALID ("needs an input");
  set_shape (o, dt, x->rank, x->dims);
  if (dt == CS_DTYPE_FLOAT && x->dtype == CS_DTYPE_FLOAT && !is_const (x))
    return TRUE; /* a no-op on the device */
  if (!is_const (x))
    return UNSUPPORTED ("casts between float and integers are supported only on constants");
  n = cs_tensor_numel (x);
  alloc_data (o);
  for (guint64 i = 0; i < n; i++)
    {
      if (dt == CS_DTYPE_FLOAT)
        ((float *) o->data)[i] = (float) const_double (x, i);
      else if (dt == CS_DTYPE_BOOL)
        ((int64_t *) o->data)[i] = const_double (x, i) != 0;
      else
        ((int64_t *) o->data)[i] = x->dtype == CS_DTYPE_FLOAT ? (int64_t) ((float *) x->data)[i] : const_int (x, i);
    }
  node->dead = TRUE;
  return TRUE;
}

/* ---- shape arithmetic ------------------------------------------------ */

static gboolean
infer_shape_op (CsGraph *g, CsNode *node, GError **error)
{
  CsTensor *x = in_t (g, node, 0), *o = out_t (g, node, 0);
  int64_t start = cs_node_attr_int (node, "start", 0);
  int64_t end = cs_node_attr_int (node, "end", x ? x->rank : 0);
  int64_t n;

  if (x == NULL || x->rank < 0)
    return INVALID ("needs an input of known rank");
  if (start < 0) start += x->rank;
  if (end < 0) end += x->rank;
  start = CLAMP (start, 0, x->rank);
  end = CLAMP (end, 0, x->rank);
  n = MAX (end - start, 0);
  set_shape (o, CS_DTYPE_INT64, 1, &n);
  alloc_data (o);
  for (int64_t i = 0; i < n; i++)
    ((int64_t *) o->data)[i] = x->dims[start + i];
  node->dead = TRUE;
  return TRUE;
}

static gboolean
infer_constant (CsGraph *g, CsNode *node, GError **error)
{
  CsTensor *o = out_t (g, node, 0);
  const CsAttr *value = cs_node_attr (node, "value");

  if (value != NULL && value->type == CS_ATTR_TENSOR)
    {
      CsTensor *src = cs_graph_tensor (g, value->tensor);
      set_shape (o, src->dtype, src->rank, src->dims);
      alloc_data (o);
      memcpy (o->data, src->data, cs_tensor_numel (src) * (src->dtype == CS_DTYPE_FLOAT ? 4 : 8));
    }
  else if ((value = cs_node_attr (node, "value_float")) != NULL)
    {
      set_shape (o, CS_DTYPE_FLOAT, 0, NULL);
      ((float *) alloc_data (o))[0] = value->f;
    }
  else if ((value = cs_node_attr (node, "value_floats")) != NULL)
    {
      int64_t d = value->n;
      set_shape (o, CS_DTYPE_FLOAT, 1, &d);
      memcpy (alloc_data (o), value->floats, d * sizeof (float));
    }
  else if ((value = cs_node_attr (node, "value_int")) != NULL)
    {
      set_shape (o, CS_DTYPE_INT64, 0, NULL);
      ((int64_t *) alloc_data (o))[0] = value->i;
    }
  else if ((value = cs_node_attr (node, "value_ints")) != NULL)
    {
      int64_t d = value->n;
      set_shape (o, CS_DTYPE_INT64, 1, &d);
      memcpy (alloc_data (o), value->ints, d * sizeof (int64_t));
    }
  else
    return UNSUPPORTED ("only tensor, float and int values are supported");
  node->dead = TRUE;
  return TRUE;
}

static gboolean
infer_constant_of_shape (CsGraph *g, CsNode *node, GError **error)
{
  CsTensor *s = in_t (g, node, 0), *o = out_t (g, node, 0);
  const CsAttr *value = cs_node_attr (node, "value");
  int64_t dims[CS_MAX_RANK];
  int rank;
  guint64 n;

  if (s == NULL || !is_const (s))
    return UNSUPPORTED ("the shape must be known at load time");
  rank = (int) cs_tensor_numel (s);
  if (rank > CS_MAX_RANK)
    return UNSUPPORTED ("rank %d is above the engine's limit of %d", rank, CS_MAX_RANK);
  for (int i = 0; i < rank; i++)
    dims[i] = const_int (s, i);
  if (value != NULL && value->type == CS_ATTR_TENSOR)
    {
      CsTensor *v = cs_graph_tensor (g, value->tensor);
      set_shape (o, v->dtype, rank, dims);
      if (!check_size (g, node, o, error))
        return FALSE;
      n = cs_tensor_numel (o);
      alloc_data (o);
      for (guint64 i = 0; i < n; i++)
        {
          if (v->dtype == CS_DTYPE_FLOAT)
            ((float *) o->data)[i] = ((float *) v->data)[0];
          else
            ((int64_t *) o->data)[i] = ((int64_t *) v->data)[0];
        }
    }
  else
    {
      set_shape (o, CS_DTYPE_FLOAT, rank, dims);
      if (!check_size (g, node, o, error))
        return FALSE;
      alloc_data (o);
    }
  node->dead = TRUE;
  return TRUE;
}

static gboolean
infer_range (CsGraph *g, CsNode *node, GError **error)
{
  CsTensor *s = in_t (g, node, 0), *l = in_t (g, node, 1), *d = in_t (g, node, 2), *o = out_t (g, node, 0);
  double start, limit, delta;
  int64_t n;

  if (!is_const (s) || !is_const (l) || !is_const (d))
    return UNSUPPORTED ("start, limit and delta must be known at load time");
  start = const_double (s, 0);
  limit = const_double (l, 0);
  delta = const_double (d, 0);
  if (delta == 0)
    return INVALID ("delta is zero");
  n = (int64_t) MAX (ceil ((limit - start) / delta), 0);
  set_shape (o, s->dtype, 1, &n);
  if (!check_size (g, node, o, error))
    return FALSE;
  alloc_data (o);
  for (int64_t i = 0; i < n; i++)
    {
      if (s->dtype == CS_DTYPE_FLOAT)
        ((float *) o->data)[i] = (float) (start + i * delta);
      else
        ((int64_t *) o->data)[i] = (int64_t) start + i * (int64_t) delta;
    }
  node->dead = TRUE;
  return TRUE;
}

static gboolean
infer_where (CsGraph *g, CsNode *node, GError **error)
{
  CsTensor *c = in_t (g, node, 0), *x = in_t (g, node, 1), *y = in_t (g, node, 2), *o = out_t (g, node, 0);
  CsTensor tmp = { 0 };
  int rank;
  int64_t dims[CS_MAX_RANK];

  if (c == NULL || x == NULL || y == NULL)
    return INVALID ("needs three inputs");
  if (!cs_broadcast_shape (x, y, &tmp.rank, tmp.dims) || !cs_broadcast_shape (c, &tmp, &rank, dims))
    return BAD_SHAPE ("shapes cannot be broadcast together");
  set_shape (o, x->dtype, rank, dims);
  if (!check_size (g, node, o, error))
    return FALSE;
  if (!is_const (c))
    return UNSUPPORTED ("the condition must be known at load time");
  if (is_const (x) && is_const (y))
    {
      int64_t sc[CS_MAX_RANK], sx[CS_MAX_RANK], sy[CS_MAX_RANK], k[CS_MAX_RANK];
      guint64 n = cs_tensor_numel (o);
      cs_broadcast_strides (c, rank, dims, sc);
      cs_broadcast_strides (x, rank, dims, sx);
      cs_broadcast_strides (y, rank, dims, sy);
      alloc_data (o);
      for (guint64 i = 0; i < n; i++)
        {
          guint64 ic = 0, ix = 0, iy = 0;
          unravel (i, rank, dims, k);
          for (int a = 0; a < rank; a++)
            {
              ic += k[a] * sc[a];
              ix += k[a] * sx[a];
              iy += k[a] * sy[a];
            }
          if (o->dtype == CS_DTYPE_FLOAT)
            ((float *) o->data)[i] = const_int (c, ic) ? const_double (x, ix) : const_double (y, iy);
          else
            ((int64_t *) o->data)[i] = const_int (c, ic) ? const_int (x, ix) : const_int (y, iy);
        }
      node->dead = TRUE;
      return TRUE;
    }
  if (x->dtype != CS_DTYPE_FLOAT || y->dtype != CS_DTYPE_FLOAT)
    return UNSUPPORTED ("integer tensors are supported only as constants");
  return TRUE;
}

static gboolean
infer_gather (CsGraph *g, CsNode *node, GError **error)
{
  CsTensor *x = in_t (g, node, 0), *idx = in_t (g, node, 1), *o = out_t (g, node, 0);
  int axis, rank = 0;
  int64_t dims[CS_MAX_RANK];

  if (x == NULL || idx == NULL)
    return INVALID ("needs two inputs");
  axis = norm_axis (cs_node_attr_int (node, "axis", 0), x->rank);
  if (axis < 0 || axis >= x->rank)
    return INVALID ("axis out of range");
  if (!is_const (idx))
    return UNSUPPORTED ("indices must be known at load time");
  if (x->rank + idx->rank - 1 > CS_MAX_RANK)
    return UNSUPPORTED ("result rank above %d", CS_MAX_RANK);
  for (int i = 0; i < axis; i++)
    dims[rank++] = x->dims[i];
  for (int i = 0; i < idx->rank; i++)
    dims[rank++] = idx->dims[i];
  for (int i = axis + 1; i < x->rank; i++)
    dims[rank++] = x->dims[i];
  set_shape (o, x->dtype, rank, dims);
  if (!check_size (g, node, o, error))
    return FALSE;
  {
    guint64 ni = cs_tensor_numel (idx);
    for (guint64 i = 0; i < ni; i++)
      {
        int64_t v = const_int (idx, i);
        if (v < -x->dims[axis] || v >= x->dims[axis])
          return INVALID ("index %" G_GINT64_FORMAT " is out of range for a dimension of %" G_GINT64_FORMAT,
                          v, x->dims[axis]);
      }
  }
  if (is_const (x))
    {
      guint64 outer = 1, inner = 1, ni = cs_tensor_numel (idx), k = 0;
      for (int i = 0; i < axis; i++)
        outer *= x->dims[i];
      for (int i = axis + 1; i < x->rank; i++)
        inner *= x->dims[i];
      alloc_data (o);
      for (guint64 a = 0; a < outer; a++)
        for (guint64 j = 0; j < ni; j++)
          {
            int64_t v = const_int (idx, j);
            if (v < 0)
              v += x->dims[axis];
            for (guint64 b = 0; b < inner; b++, k++)
              {
                guint64 src = (a * x->dims[axis] + v) * inner + b;
                copy_element (o, k, x, src);
              }
          }
      node->dead = TRUE;
      return TRUE;
    }
  if (x->dtype != CS_DTYPE_FLOAT)
    return UNSUPPORTED ("integer tensors are supported only as constants");
  return TRUE;
}

/* ---- layout ---------------------------------------------------------- */

/* Copies a constant's data when a layout op only renames its shape. */
static void
fold_same_data (CsTensor *o, const CsTensor *x)
{
  alloc_data (o);
  memcpy (o->data, x->data, cs_tensor_numel (x) * (x->dtype == CS_DTYPE_FLOAT ? 4 : 8));
}

static gboolean
finish_view (CsGraph *g, CsNode *node, CsTensor *x, CsTensor *o, GError **error)
{
  if (!check_size (g, node, o, error))
    return FALSE;
  if (cs_tensor_numel (o) != cs_tensor_numel (x))
    {
      g_autofree char *sx = cs_tensor_shape_string (x);
      g_autofree char *so = cs_tensor_shape_string (o);
      return BAD_SHAPE ("cannot view %s as %s", sx, so);
    }
  if (is_const (x))
    {
      fold_same_data (o, x);
      node->dead = TRUE;
    }
  else if (x->dtype != CS_DTYPE_FLOAT)
    return UNSUPPORTED ("integer tensors are supported only as constants");
  return TRUE;
}

static gboolean
infer_reshape (CsGraph *g, CsNode *node, GError **error)
{
  CsTensor *x = in_t (g, node, 0), *s = in_t (g, node, 1), *o = out_t (g, node, 0);
  int64_t dims[CS_MAX_RANK];
  int rank, infer_at = -1;
  gboolean allowzero = cs_node_attr_int (node, "allowzero", 0) != 0;
  guint64 known = 1, total;

  if (x == NULL)
    return INVALID ("needs an input");
  if (s == NULL)
    {
      int n = 0;
      const int64_t *shape = cs_node_attr_ints (node, "shape", &n);
      if (shape == NULL)
        return INVALID ("no shape given");
      rank = n;
      if (rank > CS_MAX_RANK)
        return UNSUPPORTED ("rank %d is above the engine's limit of %d", rank, CS_MAX_RANK);
      for (int i = 0; i < n; i++)
        dims[i] = shape[i];
    }
  else
    {
      if (!is_const (s))
        return UNSUPPORTED ("the new shape must be known at load time");
      rank = (int) cs_tensor_numel (s);
      if (rank > CS_MAX_RANK)
        return UNSUPPORTED ("rank %d is above the engine's limit of %d", rank, CS_MAX_RANK);
      for (int i = 0; i < rank; i++)
        dims[i] = const_int (s, i);
    }
  total = cs_tensor_numel (x);
  for (int i = 0; i < rank; i++)
    {
      if (dims[i] == 0 && !allowzero)
        {
          if (i >= x->rank)
            return INVALID ("a 0 in the shape copies an input dimension that does not exist");
          dims[i] = x->dims[i];
        }
      if (dims[i] == -1)
        {
          if (infer_at >= 0)
            return INVALID ("more than one -1 in the new shape");
          infer_at = i;
        }
      else if (dims[i] < 0)
        return INVALID ("negative dimension %" G_GINT64_FORMAT " in the new shape", dims[i]);
      else
        known *= dims[i];
    }
  if (infer_at >= 0)
    {
      if (known == 0 || total % known != 0)
        return BAD_SHAPE ("the new shape does not divide the %" G_GUINT64_FORMAT " elements", total);
      dims[infer_at] = total / known;
    }
  set_shape (o, x->dtype, rank, dims);
  return finish_view (g, node, x, o, error);
}

static gboolean
infer_flatten (CsGraph *g, CsNode *node, GError **error)
{
  CsTensor *x = in_t (g, node, 0), *o = out_t (g, node, 0);
  int axis;
  int64_t dims[2] = { 1, 1 };

  if (x == NULL)
    return INVALID ("needs an input");
  axis = norm_axis (cs_node_attr_int (node, "axis", 1), x->rank);
  if (axis < 0 || axis > x->rank)
    return INVALID ("axis out of range");
  for (int i = 0; i < x->rank; i++)
    dims[i < axis ? 0 : 1] *= x->dims[i];
  set_shape (o, x->dtype, 2, dims);
  return finish_view (g, node, x, o, error);
}

/* Axes come from an attribute (older opsets) or a constant input. */
static gboolean
get_axes (CsGraph *g, CsNode *node, int input, int64_t *axes, int *n, GError **error)
{
  CsTensor *t = in_t (g, node, input);
  const int64_t *a;

  *n = 0;
  if (t != NULL)
    {
      if (!is_const (t))
        return UNSUPPORTED ("axes must be known at load time");
      if (cs_tensor_numel (t) > CS_MAX_RANK)
        return INVALID ("too many axes");
      *n = (int) cs_tensor_numel (t);
      for (int i = 0; i < *n; i++)
        axes[i] = const_int (t, i);
      return TRUE;
    }
  a = cs_node_attr_ints (node, "axes", n);
  if (*n > CS_MAX_RANK)
    return INVALID ("too many axes");
  for (int i = 0; i < *n; i++)
    axes[i] = a[i];
  return TRUE;
}

static gboolean
infer_squeeze (CsGraph *g, CsNode *node, GError **error)
{
  CsTensor *x = in_t (g, node, 0), *o = out_t (g, node, 0);
  int64_t axes[CS_MAX_RANK], dims[CS_MAX_RANK];
  gboolean drop[CS_MAX_RANK] = { 0 };
  int n, rank = 0;

  if (x == NULL)
    return INVALID ("needs an input");
  if (!get_axes (g, node, 1, axes, &n, error))
    return FALSE;
  for (int i = 0; i < n; i++)
    {
      int a = norm_axis (axes[i], x->rank);
      if (a < 0 || a >= x->rank)
        return INVALID ("axis %" G_GINT64_FORMAT " out of range", axes[i]);
      if (x->dims[a] != 1)
        return BAD_SHAPE ("axis %d has size %" G_GINT64_FORMAT ", not 1", a, x->dims[a]);
      drop[a] = TRUE;
    }
  for (int i = 0; i < x->rank; i++)
    if (!(n == 0 ? x->dims[i] == 1 : drop[i]))
      dims[rank++] = x->dims[i];
  set_shape (o, x->dtype, rank, dims);
  return finish_view (g, node, x, o, error);
}

static gboolean
infer_unsqueeze (CsGraph *g, CsNode *node, GError **error)
{
  CsTensor *x = in_t (g, node, 0), *o = out_t (g, node, 0);
  int64_t axes[CS_MAX_RANK], dims[CS_MAX_RANK];
  gboolean add[CS_MAX_RANK] = { 0 };
  int n, rank, k = 0;

  if (x == NULL)
    return INVALID ("needs an input");
  if (!get_axes (g, node, 1, axes, &n, error))
    return FALSE;
  rank = x->rank + n;
  if (rank > CS_MAX_RANK)
    return UNSUPPORTED ("rank %d is above the engine's limit of %d", rank, CS_MAX_RANK);
  for (int i = 0; i < n; i++)
    {
      int a = norm_axis (axes[i], rank);
      if (a < 0 || a >= rank || add[a])
        return INVALID ("axis %" G_GINT64_FORMAT " out of range or repeated", axes[i]);
      add[a] = TRUE;
    }
  for (int i = 0; i < rank; i++)
    dims[i] = add[i] ? 1 : x->dims[k++];
  set_shape (o, x->dtype, rank, dims);
  return finish_view (g, node, x, o, error);
}

/* Runs on the host for constants; on the device it is a strided copy. */
static void
fold_transpose (CsTensor *o, const CsTensor *x, const int *perm)
{
  int64_t xs[CS_MAX_RANK], c[CS_MAX_RANK];
  guint64 n = cs_tensor_numel (o);
  int64_t s = 1;

  for (int i = x->rank - 1; i >= 0; i--)
    {
      xs[i] = s;
      s *= x->dims[i];
    }
  alloc_data (o);
  for (guint64 i = 0; i < n; i++)
    {
      guint64 src = 0;
      unravel (i, o->rank, o->dims, c);
      for (int k = 0; k < o->rank; k++)
        src += c[k] * xs[perm[k]];
      copy_element (o, i, x, src);
    }
}

static gboolean
infer_transpose (CsGraph *g, CsNode *node, GError **error)
{
  CsTensor *x = in_t (g, node, 0), *o = out_t (g, node, 0);
  int n = 0, perm[CS_MAX_RANK];
  const int64_t *p = cs_node_attr_ints (node, "perm", &n);
  int64_t dims[CS_MAX_RANK];
  gboolean seen[CS_MAX_RANK] = { 0 };

  if (x == NULL)
    return INVALID ("needs an input");
  if (p != NULL && n != x->rank)
    return INVALID ("perm has %d entries for rank %d", n, x->rank);
  for (int i = 0; i < x->rank; i++)
    {
      perm[i] = p ? (int) p[i] : x->rank - 1 - i;
      if (perm[i] < 0 || perm[i] >= x->rank || seen[perm[i]])
        return INVALID ("perm is not a permutation");
      seen[perm[i]] = TRUE;
      dims[i] = x->dims[perm[i]];
    }
  set_shape (o, x->dtype, x->rank, dims);
  if (is_const (x))
    {
      fold_transpose (o, x, perm);
      node->dead = TRUE;
    }
  else if (x->dtype != CS_DTYPE_FLOAT)
    return UNSUPPORTED ("integer tensors are supported only as constants");
  return TRUE;
}

static gboolean
infer_concat (CsGraph *g, CsNode *node, GError **error)
{
  CsTensor *first = in_t (g, node, 0), *o = out_t (g, node, 0);
  int axis;
  int64_t dims[CS_MAX_RANK];
  gboolean all_const = TRUE;
  CsDType dt = CS_DTYPE_INT64;

  if (first == NULL)
    return INVALID ("needs an input");
  axis = norm_axis (cs_node_attr_int (node, "axis", 0), first->rank);
  if (axis < 0 || axis >= first->rank)
    return INVALID ("axis out of range");
  memcpy (dims, first->dims, sizeof dims);
  dims[axis] = 0;
  for (int i = 0; i < node->n_inputs; i++)
    {
      CsTensor *t = in_t (g, node, i);
      if (t == NULL)
        return INVALID ("an input is missing");
      if (t->rank != first->rank)
        return BAD_SHAPE ("inputs have different ranks");
      for (int k = 0; k < t->rank; k++)
        if (k != axis && t->dims[k] != first->dims[k])
          return BAD_SHAPE ("input %d does not match the others off the axis", i);
      dims[axis] += t->dims[axis];
      all_const &= is_const (t);
      if (t->dtype == CS_DTYPE_FLOAT)
        dt = CS_DTYPE_FLOAT;
    }
  set_shape (o, dt, first->rank, dims);
  if (!check_size (g, node, o, error))
    return FALSE;
  if (all_const)
    {
      guint64 outer = 1, inner = 1, k = 0;
      for (int i = 0; i < axis; i++)
        outer *= dims[i];
      for (int i = axis + 1; i < first->rank; i++)
        inner *= dims[i];
      alloc_data (o);
      for (guint64 a = 0; a < outer; a++)
        for (int i = 0; i < node->n_inputs; i++)
          {
            CsTensor *t = in_t (g, node, i);
            guint64 len = t->dims[axis] * inner;
            for (guint64 j = 0; j < len; j++, k++)
              {
                if (dt == CS_DTYPE_FLOAT)
                  ((float *) o->data)[k] = const_double (t, a * len + j);
                else
                  ((int64_t *) o->data)[k] = const_int (t, a * len + j);
              }
          }
      node->dead = TRUE;
      return TRUE;
    }
  if (dt != CS_DTYPE_FLOAT)
    return UNSUPPORTED ("integer tensors are supported only as constants");
  for (int i = 0; i < node->n_inputs; i++)
    if (in_t (g, node, i)->dtype != CS_DTYPE_FLOAT)
      return UNSUPPORTED ("mixing integer and float inputs");
  return TRUE;
}

/* Resolves a Slice into start and step per axis of the input. */
gboolean
cs_slice_params (CsGraph *g, CsNode *node, int64_t *starts, int64_t *steps, int64_t *dims, GError **error)
{
  CsTensor *x = in_t (g, node, 0);
  int64_t st[CS_MAX_RANK], en[CS_MAX_RANK], ax[CS_MAX_RANK], sp[CS_MAX_RANK];
  int n_st = 0, n_en = 0, n_ax = 0, n_sp = 0;

  if (g->opset < 10 || (node->n_inputs == 1))
    {
      const int64_t *a;
      a = cs_node_attr_ints (node, "starts", &n_st);
      for (int i = 0; i < MIN (n_st, CS_MAX_RANK); i++) st[i] = a[i];
      a = cs_node_attr_ints (node, "ends", &n_en);
      for (int i = 0; i < MIN (n_en, CS_MAX_RANK); i++) en[i] = a[i];
      a = cs_node_attr_ints (node, "axes", &n_ax);
      for (int i = 0; i < MIN (n_ax, CS_MAX_RANK); i++) ax[i] = a[i];
    }
  else
    {
      CsTensor *ts[4] = { in_t (g, node, 1), in_t (g, node, 2), in_t (g, node, 3), in_t (g, node, 4) };
      int64_t *dst[4] = { st, en, ax, sp };
      int *cnt[4] = { &n_st, &n_en, &n_ax, &n_sp };
      for (int k = 0; k < 4; k++)
        {
          if (ts[k] == NULL)
            continue;
          if (!is_const (ts[k]))
            return UNSUPPORTED ("starts, ends, axes and steps must be known at load time");
          *cnt[k] = (int) cs_tensor_numel (ts[k]);
          if (*cnt[k] > CS_MAX_RANK)
            return INVALID ("too many slice entries");
          for (int i = 0; i < *cnt[k]; i++)
            dst[k][i] = const_int (ts[k], i);
        }
    }
  if (n_st != n_en || n_st > CS_MAX_RANK || (n_ax && n_ax != n_st) || (n_sp && n_sp != n_st))
    return INVALID ("starts, ends, axes and steps differ in length");
  for (int i = 0; i < x->rank; i++)
    {
      starts[i] = 0;
      steps[i] = 1;
      dims[i] = x->dims[i];
    }
  for (int i = 0; i < n_st; i++)
    {
      int a = norm_axis (n_ax ? ax[i] : i, x->rank);
      int64_t d = x->dims[a], s = st[i], e = en[i], step = n_sp ? sp[i] : 1;
      if (a < 0 || a >= x->rank)
        return INVALID ("axis out of range");
      if (step == 0)
        return INVALID ("a step of 0");
      if (s < 0) s += d;
      if (e < 0) e += d;
      if (step > 0)
        {
          s = CLAMP (s, 0, d);
          e = CLAMP (e, 0, d);
          dims[a] = e > s ? (e - s + step - 1) / step : 0;
        }
      else
        {
          s = CLAMP (s, 0, d - 1);
          e = CLAMP (e, -1, d - 1);
          dims[a] = s > e ? (s - e + (-step) - 1) / (-step) : 0;
        }
      starts[a] = s;
      steps[a] = step;
    }
  return TRUE;
}

static gboolean
infer_slice (CsGraph *g, CsNode *node, GError **error)
{
  CsTensor *x = in_t (g, node, 0), *o = out_t (g, node, 0);
  int64_t starts[CS_MAX_RANK], steps[CS_MAX_RANK], dims[CS_MAX_RANK];

  if (x == NULL)
    return INVALID ("needs an input");
  if (!cs_slice_params (g, node, starts, steps, dims, error))
    return FALSE;
  set_shape (o, x->dtype, x->rank, dims);
  if (is_const (x))
    {
      int64_t xs[CS_MAX_RANK], c[CS_MAX_RANK], s = 1;
      guint64 n = cs_tensor_numel (o);
      for (int i = x->rank - 1; i >= 0; i--)
        {
          xs[i] = s;
          s *= x->dims[i];
        }
      alloc_data (o);
      for (guint64 i = 0; i < n; i++)
        {
          guint64 src = 0;
          unravel (i, o->rank, o->dims, c);
          for (int k = 0; k < o->rank; k++)
            src += (starts[k] + c[k] * steps[k]) * xs[k];
          copy_element (o, i, x, src);
        }
      node->dead = TRUE;
      return TRUE;
    }
  if (x->dtype != CS_DTYPE_FLOAT)
    return UNSUPPORTED ("integer tensors are supported only as constants");
  return TRUE;
}

static gboolean
infer_split (CsGraph *g, CsNode *node, GError **error)
{
  CsTensor *x = in_t (g, node, 0);
  int axis;
  int64_t sizes[CS_MAX_NODE_OUTPUTS];
  int n_out = node->n_outputs, n = 0;

  if (x == NULL)
    return INVALID ("needs an input");
  axis = norm_axis (cs_node_attr_int (node, "axis", 0), x->rank);
  if (axis < 0 || axis >= x->rank)
    return INVALID ("axis out of range");
  if (in_t (g, node, 1) != NULL)
    {
      CsTensor *s = in_t (g, node, 1);
      if (!is_const (s))
        return UNSUPPORTED ("split sizes must be known at load time");
      n = (int) cs_tensor_numel (s);
      if (n != n_out)
        return INVALID ("%d sizes for %d outputs", n, n_out);
      for (int i = 0; i < n; i++)
        sizes[i] = const_int (s, i);
    }
  else if (cs_node_attr (node, "split") != NULL)
    {
      const int64_t *s = cs_node_attr_ints (node, "split", &n);
      if (n != n_out)
        return INVALID ("%d sizes for %d outputs", n, n_out);
      for (int i = 0; i < n; i++)
        sizes[i] = s[i];
    }
  else
    {
      int64_t d = x->dims[axis];
      int64_t each = (d + n_out - 1) / n_out;
      for (int i = 0; i < n_out; i++)
        sizes[i] = MIN (each, MAX (d - each * i, 0));
    }
  {
    int64_t total = 0;
    for (int i = 0; i < n_out; i++)
      {
        if (sizes[i] < 0)
          return INVALID ("negative split size");
        total += sizes[i];
      }
    if (total != x->dims[axis])
      return BAD_SHAPE ("split sizes add up to %" G_GINT64_FORMAT ", not %" G_GINT64_FORMAT,
                        total, x->dims[axis]);
  }
  for (int i = 0; i < n_out; i++)
    {
      CsTensor *o = out_t (g, node, i);
      int64_t dims[CS_MAX_RANK];
      if (o == NULL)
        continue;
      memcpy (dims, x->dims, sizeof dims);
      dims[axis] = sizes[i];
      set_shape (o, x->dtype, x->rank, dims);
    }
  if (x->dtype != CS_DTYPE_FLOAT)
    return UNSUPPORTED ("integer tensors are supported only as constants");
  return TRUE;
}

static gboolean
infer_expand (CsGraph *g, CsNode *node, GError **error)
{
  CsTensor *x = in_t (g, node, 0), *s = in_t (g, node, 1), *o = out_t (g, node, 0);
  CsTensor shape = { 0 };
  int rank;
  int64_t dims[CS_MAX_RANK];

  if (x == NULL || s == NULL)
    return INVALID ("needs two inputs");
  if (!is_const (s))
    return UNSUPPORTED ("the shape must be known at load time");
  shape.rank = (int) cs_tensor_numel (s);
  if (shape.rank > CS_MAX_RANK)
    return UNSUPPORTED ("rank above %d", CS_MAX_RANK);
  for (int i = 0; i < shape.rank; i++)
    shape.dims[i] = const_int (s, i);
  if (!cs_broadcast_shape (x, &shape, &rank, dims))
    return BAD_SHAPE ("the input cannot be broadcast to the shape");
  set_shape (o, x->dtype, rank, dims);
  if (!check_size (g, node, o, error))
    return FALSE;
  if (x->dtype != CS_DTYPE_FLOAT)
    return UNSUPPORTED ("integer tensors are supported only as constants");
  return TRUE;
}

static gboolean
infer_pad (CsGraph *g, CsNode *node, GError **error)
{
  CsTensor *x = in_t (g, node, 0), *o = out_t (g, node, 0);
  int64_t pads[2 * CS_MAX_RANK], dims[CS_MAX_RANK];
  const char *mode = cs_node_attr_string (node, "mode", "constant");
  int n = 0;

  if (x == NULL)
    return INVALID ("needs an input");
  if (strcmp (mode, "constant") != 0 && strcmp (mode, "reflect") != 0 && strcmp (mode, "edge") != 0)
    return UNSUPPORTED ("mode '%s'", mode);
  if (in_t (g, node, 1) != NULL)
    {
      CsTensor *p = in_t (g, node, 1);
      if (!is_const (p))
        return UNSUPPORTED ("pads must be known at load time");
      n = (int) cs_tensor_numel (p);
      if (n != 2 * x->rank)
        return INVALID ("%d pads for rank %d", n, x->rank);
      for (int i = 0; i < n; i++)
        pads[i] = const_int (p, i);
      if (in_t (g, node, 2) != NULL && !is_const (in_t (g, node, 2)))
        return UNSUPPORTED ("the constant value must be known at load time");
      if (in_t (g, node, 3) != NULL)
        return UNSUPPORTED ("the axes input (opset 18) is not supported");
    }
  else
    {
      const int64_t *p = cs_node_attr_ints (node, "pads", &n);
      if (n != 2 * x->rank)
        return INVALID ("%d pads for rank %d", n, x->rank);
      for (int i = 0; i < n; i++)
        pads[i] = p[i];
    }
  for (int i = 0; i < x->rank; i++)
    {
      if (pads[i] < 0 || pads[i + x->rank] < 0)
        return UNSUPPORTED ("negative pads (cropping)");
      if (strcmp (mode, "reflect") == 0 && (pads[i] >= x->dims[i] || pads[i + x->rank] >= x->dims[i]))
        return BAD_SHAPE ("reflect padding of %" G_GINT64_FORMAT " needs a dimension larger than %" G_GINT64_FORMAT,
                          MAX (pads[i], pads[i + x->rank]), x->dims[i]);
      dims[i] = x->dims[i] + pads[i] + pads[i + x->rank];
    }
  set_shape (o, x->dtype, x->rank, dims);
  if (!check_size (g, node, o, error))
    return FALSE;
  if (x->dtype != CS_DTYPE_FLOAT)
    return UNSUPPORTED ("integer tensors are supported only as constants");
  return TRUE;
}

static gboolean
infer_depth_to_space (CsGraph *g, CsNode *node, GError **error)
{
  CsTensor *x = in_t (g, node, 0), *o = out_t (g, node, 0);
  int64_t b = cs_node_attr_int (node, "blocksize", 0), dims[4];
  const char *mode = cs_node_attr_string (node, "mode", "DCR");

  if (x == NULL || x->rank != 4)
    return UNSUPPORTED ("only 4-D inputs");
  if (b <= 0 || x->dims[1] % (b * b) != 0)
    return INVALID ("channels not divisible by blocksize squared");
  if (strcmp (mode, "DCR") != 0 && strcmp (mode, "CRD") != 0)
    return UNSUPPORTED ("mode '%s'", mode);
  dims[0] = x->dims[0];
  dims[1] = x->dims[1] / (b * b);
  dims[2] = x->dims[2] * b;
  dims[3] = x->dims[3] * b;
  set_shape (o, x->dtype, 4, dims);
  return check_size (g, node, o, error);
}

/* ---- convolutions and pooling --------------------------------------- */

/* Resolves kernel, strides, dilations and pads (begin, end) of a 1-D or 2-D
 * Conv, ConvTranspose or pooling node, with auto_pad. */
gboolean
cs_spatial_params (CsGraph *g, CsNode *node, CsSpatial *sp, GError **error)
{
  CsTensor *x = in_t (g, node, 0), *w = in_t (g, node, 1);
  int nsp = x->rank - 2, n;
  const int64_t *a;
  const char *auto_pad = cs_node_attr_string (node, "auto_pad", "NOTSET");
  gboolean transpose = node->op == CS_OP_CONV_TRANSPOSE;
  gboolean pool = node->op == CS_OP_MAX_POOL || node->op == CS_OP_AVERAGE_POOL;

  memset (sp, 0, sizeof *sp);
  if (x->rank < 3 || x->rank > 4)
    return UNSUPPORTED ("only 1-D and 2-D %s are supported (input rank %d)",
                        pool ? "pooling" : "convolutions", x->rank);
  sp->nsp = nsp;
  for (int i = 0; i < 2; i++)
    {
      sp->k[i] = 1; sp->s[i] = 1; sp->d[i] = 1;
      sp->in[i] = 1; sp->out[i] = 1;
    }
  for (int i = 0; i < nsp; i++)
    sp->in[i + 2 - nsp] = x->dims[2 + i];

  a = cs_node_attr_ints (node, "kernel_shape", &n);
  if (a != NULL)
    {
      if (n != nsp)
        return INVALID ("kernel_shape has %d entries for %d spatial axes", n, nsp);
      for (int i = 0; i < n; i++)
        sp->k[i + 2 - nsp] = a[i];
    }
  else if (!pool && w != NULL && w->rank == x->rank)
    {
      for (int i = 0; i < nsp; i++)
        sp->k[i + 2 - nsp] = w->dims[2 + i];
    }
  else
    return INVALID ("no kernel_shape");
  a = cs_node_attr_ints (node, "strides", &n);
  if (a != NULL)
    {
      if (n != nsp)
        return INVALID ("strides has %d entries", n);
      for (int i = 0; i < n; i++)
        sp->s[i + 2 - nsp] = a[i];
    }
  a = cs_node_attr_ints (node, "dilations", &n);
  if (a != NULL)
    {
      if (n != nsp)
        return INVALID ("dilations has %d entries", n);
      for (int i = 0; i < n; i++)
        sp->d[i + 2 - nsp] = a[i];
    }
  for (int i = 0; i < 2; i++)
    if (sp->k[i] <= 0 || sp->s[i] <= 0 || sp->d[i] <= 0 || sp->k[i] > 1024 || sp->s[i] > 1024 || sp->d[i] > 1024)
      return INVALID ("kernel, strides and dilations must be between 1 and 1024");

  if (transpose)
    {
      int64_t op[2] = { 0, 0 }, osh[2] = { -1, -1 };
      a = cs_node_attr_ints (node, "output_padding", &n);
      if (a != NULL)
        for (int i = 0; i < MIN (n, nsp); i++)
          op[i + 2 - nsp] = a[i];
      a = cs_node_attr_ints (node, "output_shape", &n);
      if (a != NULL)
        {
          if (n != nsp)
            return INVALID ("output_shape has %d entries", n);
          for (int i = 0; i < n; i++)
            osh[i + 2 - nsp] = a[i];
        }
      a = cs_node_attr_ints (node, "pads", &n);
      for (int i = 0; i < 2; i++)
        {
          int64_t full = sp->s[i] * (sp->in[i] - 1) + op[i] + (sp->k[i] - 1) * sp->d[i] + 1;
          int ax = i - (2 - nsp);
          if (osh[i] >= 0 || (ax >= 0 && strcmp (auto_pad, "NOTSET") != 0 && strcmp (auto_pad, "VALID") != 0))
            {
              int64_t target = osh[i] >= 0 ? osh[i] : sp->in[i] * sp->s[i];
              /* May be negative: the output then reaches past the full
               * result, which the gather reads as zeros. ONNX divides
               * with C's truncation here. */
              int64_t total = full - target;
              if (total < 0)
                {
                  /* ONNX's reference grows the output at its end. */
                  sp->pb[i] = 0;
                  sp->pe[i] = total;
                }
              else if (strcmp (auto_pad, "SAME_UPPER") == 0)
                {
                  sp->pb[i] = total / 2;
                  sp->pe[i] = total - total / 2;
                }
              else
                {
                  sp->pe[i] = total / 2;
                  sp->pb[i] = total - total / 2;
                }
            }
          else if (a != NULL && ax >= 0)
            {
              if (n != 2 * nsp)
                return INVALID ("pads has %d entries", n);
              sp->pb[i] = a[ax];
              sp->pe[i] = a[ax + nsp];
            }
          sp->out[i] = full - sp->pb[i] - sp->pe[i];
          if (ax < 0)
            sp->out[i] = 1;
        }
    }
  else
    {
      gboolean ceil_mode = pool && cs_node_attr_int (node, "ceil_mode", 0) != 0;
      a = cs_node_attr_ints (node, "pads", &n);
      for (int i = 0; i < 2; i++)
        {
          int ax = i - (2 - nsp);
          int64_t ek = (sp->k[i] - 1) * sp->d[i] + 1;
          if (ax < 0)
            continue;
          if (strcmp (auto_pad, "SAME_UPPER") == 0 || strcmp (auto_pad, "SAME_LOWER") == 0)
            {
              int64_t out = (sp->in[i] + sp->s[i] - 1) / sp->s[i];
              int64_t total = MAX ((out - 1) * sp->s[i] + ek - sp->in[i], 0);
              if (strcmp (auto_pad, "SAME_UPPER") == 0)
                {
                  sp->pb[i] = total / 2;
                  sp->pe[i] = total - total / 2;
                }
              else
                {
                  sp->pe[i] = total / 2;
                  sp->pb[i] = total - total / 2;
                }
            }
          else if (strcmp (auto_pad, "VALID") == 0 || a == NULL)
            {
              sp->pb[i] = sp->pe[i] = 0;
            }
          else
            {
              if (n != 2 * nsp)
                return INVALID ("pads has %d entries", n);
              sp->pb[i] = a[ax];
              sp->pe[i] = a[ax + nsp];
            }
          if (sp->pb[i] < 0 || sp->pe[i] < 0)
            return UNSUPPORTED ("negative pads");
          {
            int64_t span = sp->in[i] + sp->pb[i] + sp->pe[i] - ek;
            if (span < 0)
              return BAD_SHAPE ("the kernel is larger than the padded input");
            sp->out[i] = (ceil_mode ? (span + sp->s[i] - 1) / sp->s[i] : span / sp->s[i]) + 1;
            /* With ceil_mode the last window must start inside the input or its leading pad. */
            if (ceil_mode && (sp->out[i] - 1) * sp->s[i] >= sp->in[i] + sp->pb[i])
              sp->out[i]--;
          }
        }
    }
  return TRUE;
}

static gboolean
infer_conv (CsGraph *g, CsNode *node, GError **error)
{
  CsTensor *x = in_t (g, node, 0), *w = in_t (g, node, 1), *b = in_t (g, node, 2), *o = out_t (g, node, 0);
  CsSpatial sp;
  int64_t group = cs_node_attr_int (node, "group", 1), oc, dims[CS_MAX_RANK];
  gboolean transpose = node->op == CS_OP_CONV_TRANSPOSE;

  if (x == NULL || w == NULL)
    return INVALID ("needs an input and weights");
  if (x->dtype != CS_DTYPE_FLOAT || w->dtype != CS_DTYPE_FLOAT)
    return UNSUPPORTED ("only float inputs");
  if (w->rank != x->rank)
    return INVALID ("weights of rank %d for an input of rank %d", w->rank, x->rank);
  if (!cs_spatial_params (g, node, &sp, error))
    return FALSE;
  if (group <= 0 || x->dims[1] % group != 0)
    return INVALID ("%" G_GINT64_FORMAT " input channels cannot be split in %" G_GINT64_FORMAT " groups",
                    x->dims[1], group);
  if (!transpose)
    {
      if (w->dims[1] * group != x->dims[1])
        return BAD_SHAPE ("weights expect %" G_GINT64_FORMAT " input channels, the input has %" G_GINT64_FORMAT,
                          w->dims[1] * group, x->dims[1]);
      oc = w->dims[0];
      if (oc % group != 0)
        return INVALID ("output channels not divisible by group");
    }
  else
    {
      if (w->dims[0] != x->dims[1])
        return BAD_SHAPE ("weights expect %" G_GINT64_FORMAT " input channels, the input has %" G_GINT64_FORMAT,
                          w->dims[0], x->dims[1]);
      oc = w->dims[1] * group;
    }
  for (int i = 0; i < sp.nsp; i++)
    if (w->dims[2 + i] != sp.k[i + 2 - sp.nsp])
      return BAD_SHAPE ("kernel_shape does not match the weights");
  if (b != NULL && (b->rank != 1 || b->dims[0] != oc))
    return BAD_SHAPE ("the bias must have %" G_GINT64_FORMAT " values", oc);
  dims[0] = x->dims[0];
  dims[1] = oc;
  for (int i = 0; i < sp.nsp; i++)
    dims[2 + i] = sp.out[i + 2 - sp.nsp];
  set_shape (o, CS_DTYPE_FLOAT, x->rank, dims);
  for (int i = 0; i < o->rank; i++)
    if (o->dims[i] <= 0)
      return BAD_SHAPE ("the output would be empty");
  return check_size (g, node, o, error);
}

static gboolean
infer_pool (CsGraph *g, CsNode *node, GError **error)
{
  CsTensor *x = in_t (g, node, 0), *o = out_t (g, node, 0);
  CsSpatial sp;
  int64_t dims[CS_MAX_RANK];

  if (x == NULL)
    return INVALID ("needs an input");
  if (x->dtype != CS_DTYPE_FLOAT)
    return UNSUPPORTED ("only float inputs");
  if (node->op == CS_OP_AVERAGE_POOL && cs_node_attr (node, "dilations") != NULL)
    {
      int n;
      const int64_t *d = cs_node_attr_ints (node, "dilations", &n);
      for (int i = 0; i < n; i++)
        if (d[i] != 1)
          return UNSUPPORTED ("dilated average pooling");
    }
  if (!cs_spatial_params (g, node, &sp, error))
    return FALSE;
  dims[0] = x->dims[0];
  dims[1] = x->dims[1];
  for (int i = 0; i < sp.nsp; i++)
    dims[2 + i] = sp.out[i + 2 - sp.nsp];
  set_shape (o, CS_DTYPE_FLOAT, x->rank, dims);
  if (out_t (g, node, 1) != NULL)
    {
      if (node->op != CS_OP_MAX_POOL)
        return INVALID ("only MaxPool has a second output");
      /* Indices are computed in float on the device, exact below 2^24. */
      if (cs_tensor_numel (x) > (1u << 24))
        return UNSUPPORTED ("Indices for inputs of more than 2^24 values");
      set_shape (out_t (g, node, 1), CS_DTYPE_FLOAT, x->rank, dims);
    }
  return check_size (g, node, o, error);
}

static gboolean
infer_global_pool (CsGraph *g, CsNode *node, GError **error)
{
  CsTensor *x = in_t (g, node, 0), *o = out_t (g, node, 0);
  int64_t dims[CS_MAX_RANK];

  if (x == NULL || x->rank < 3)
    return INVALID ("needs an input of rank 3 or more");
  for (int i = 0; i < x->rank; i++)
    dims[i] = i < 2 ? x->dims[i] : 1;
  set_shape (o, CS_DTYPE_FLOAT, x->rank, dims);
  return TRUE;
}

static gboolean
infer_norm (CsGraph *g, CsNode *node, GError **error)
{
  CsTensor *x = in_t (g, node, 0), *o = out_t (g, node, 0);
  int n_params = node->op == CS_OP_INSTANCE_NORM ? 2 : 4;

  if (x == NULL || x->rank < 2)
    return INVALID ("needs an input of rank 2 or more");
  if (node->op == CS_OP_BATCH_NORM && node->n_outputs > 1)
    {
      if (cs_node_attr_int (node, "training_mode", 0) == 0)
        return UNSUPPORTED ("extra outputs outside training mode");
      if (node->n_outputs > 3)
        return UNSUPPORTED ("the saved mean and variance outputs of opset 9 and older");
      for (int i = 1; i < node->n_outputs; i++)
        if (out_t (g, node, i) != NULL)
          {
            int64_t c = x->dims[1];
            set_shape (out_t (g, node, i), CS_DTYPE_FLOAT, 1, &c);
          }
    }
  for (int i = 1; i <= n_params; i++)
    {
      CsTensor *p = in_t (g, node, i);
      if (p == NULL || p->rank != 1 || p->dims[0] != x->dims[1])
        return BAD_SHAPE ("parameter %d must have one value per channel (%" G_GINT64_FORMAT ")", i, x->dims[1]);
      if (p->dtype != CS_DTYPE_FLOAT)
        return UNSUPPORTED ("integer parameters");
    }
  set_shape (o, CS_DTYPE_FLOAT, x->rank, x->dims);
  return TRUE;
}

static gboolean
infer_matmul (CsGraph *g, CsNode *node, GError **error)
{
  CsTensor *a = in_t (g, node, 0), *b = in_t (g, node, 1), *o = out_t (g, node, 0);
  int64_t dims[CS_MAX_RANK];
  int rank;

  if (a == NULL || b == NULL)
    return INVALID ("needs two inputs");
  if (a->dtype != CS_DTYPE_FLOAT || b->dtype != CS_DTYPE_FLOAT)
    return UNSUPPORTED ("only float inputs");
  if (node->op == CS_OP_GEMM)
    {
      gboolean ta = cs_node_attr_int (node, "transA", 0), tb = cs_node_attr_int (node, "transB", 0);
      CsTensor *c = in_t (g, node, 2);
      if (a->rank != 2 || b->rank != 2)
        return BAD_SHAPE ("Gemm needs 2-D inputs");
      if (a->dims[ta ? 0 : 1] != b->dims[tb ? 1 : 0])
        return BAD_SHAPE ("inner dimensions %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT " differ",
                          a->dims[ta ? 0 : 1], b->dims[tb ? 1 : 0]);
      dims[0] = a->dims[ta ? 1 : 0];
      dims[1] = b->dims[tb ? 0 : 1];
      set_shape (o, CS_DTYPE_FLOAT, 2, dims);
      if (c != NULL)
        {
          int r2;
          int64_t d2[CS_MAX_RANK];
          if (!cs_broadcast_shape (o, c, &r2, d2) || r2 != 2 || d2[0] != dims[0] || d2[1] != dims[1])
            return BAD_SHAPE ("C cannot be broadcast to the result");
        }
      return check_size (g, node, o, error);
    }
  if (a->rank < 1 || b->rank < 1)
    return BAD_SHAPE ("MatMul needs inputs of rank 1 or more");
  {
    CsTensor ab = { 0 }, bb = { 0 };
    int64_t m = a->rank >= 2 ? a->dims[a->rank - 2] : 1;
    int64_t k = a->dims[a->rank - 1];
    int64_t kb = b->rank >= 2 ? b->dims[b->rank - 2] : b->dims[0];
    int64_t n = b->rank >= 2 ? b->dims[b->rank - 1] : 1;
    if (k != kb)
      return BAD_SHAPE ("inner dimensions %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT " differ", k, kb);
    ab.rank = MAX (a->rank - 2, 0);
    memcpy (ab.dims, a->dims, ab.rank * sizeof (int64_t));
    bb.rank = MAX (b->rank - 2, 0);
    memcpy (bb.dims, b->dims, bb.rank * sizeof (int64_t));
    if (!cs_broadcast_shape (&ab, &bb, &rank, dims))
      return BAD_SHAPE ("batch dimensions cannot be broadcast");
    if (rank > 4)
      return UNSUPPORTED ("more than 4 batch dimensions");
    if (a->rank >= 2)
      dims[rank++] = m;
    if (b->rank >= 2)
      dims[rank++] = n;
    set_shape (o, CS_DTYPE_FLOAT, rank, dims);
  }
  return check_size (g, node, o, error);
}

static gboolean
infer_reduce (CsGraph *g, CsNode *node, GError **error)
{
  CsTensor *x = in_t (g, node, 0), *o = out_t (g, node, 0);
  int64_t axes[CS_MAX_RANK], dims[CS_MAX_RANK];
  gboolean red[CS_MAX_RANK] = { 0 };
  gboolean keep = cs_node_attr_int (node, "keepdims", 1) != 0;
  gboolean noop = cs_node_attr_int (node, "noop_with_empty_axes", 0) != 0;
  int n, rank = 0;

  if (x == NULL)
    return INVALID ("needs an input");
  if (x->dtype != CS_DTYPE_FLOAT)
    return UNSUPPORTED ("only float inputs");
  if (!get_axes (g, node, 1, axes, &n, error))
    return FALSE;
  for (int i = 0; i < n; i++)
    {
      int a = norm_axis (axes[i], x->rank);
      if (a < 0 || a >= x->rank)
        return INVALID ("axis out of range");
      red[a] = TRUE;
    }
  if (n == 0 && !noop)
    for (int i = 0; i < x->rank; i++)
      red[i] = TRUE;
  for (int i = 0; i < x->rank; i++)
    {
      if (!red[i])
        dims[rank++] = x->dims[i];
      else if (keep)
        dims[rank++] = 1;
    }
  set_shape (o, CS_DTYPE_FLOAT, rank, dims);
  return TRUE;
}

static gboolean
infer_resize (CsGraph *g, CsNode *node, GError **error)
{
  CsTensor *x = in_t (g, node, 0), *o = out_t (g, node, 0);
  CsTensor *scales = NULL, *sizes = NULL;
  const char *mode = cs_node_attr_string (node, "mode", "nearest");
  const char *ctm = cs_node_attr_string (node, "coordinate_transformation_mode",
                                         node->op == CS_OP_UPSAMPLE ? "asymmetric" : "half_pixel");
  int64_t dims[CS_MAX_RANK];

  if (x == NULL)
    return INVALID ("needs an input");
  if (x->dtype != CS_DTYPE_FLOAT)
    return UNSUPPORTED ("only float inputs");
  if (strcmp (mode, "nearest") != 0 && strcmp (mode, "linear") != 0 && strcmp (mode, "bilinear") != 0 &&
      strcmp (mode, "cubic") != 0)
    return UNSUPPORTED ("mode '%s'", mode);
  if (strcmp (ctm, "half_pixel") != 0 && strcmp (ctm, "pytorch_half_pixel") != 0 &&
      strcmp (ctm, "align_corners") != 0 && strcmp (ctm, "asymmetric") != 0 &&
      strcmp (ctm, "tf_half_pixel_for_nn") != 0 && strcmp (ctm, "tf_crop_and_resize") != 0)
    return UNSUPPORTED ("coordinate_transformation_mode '%s'", ctm);
  if (node->op == CS_OP_UPSAMPLE)
    {
      if (node->n_inputs > 1)
        scales = in_t (g, node, 1);
    }
  else if (g->opset < 11)
    scales = in_t (g, node, 1);
  else
    {
      scales = in_t (g, node, 2);
      sizes = in_t (g, node, 3);
    }
  if (scales != NULL && cs_tensor_numel (scales) == 0)
    scales = NULL;
  if (sizes != NULL && cs_tensor_numel (sizes) == 0)
    sizes = NULL;
  if ((scales != NULL && !is_const (scales)) || (sizes != NULL && !is_const (sizes)))
    return UNSUPPORTED ("scales and sizes must be known at load time");
  if (strcmp (ctm, "tf_crop_and_resize") == 0)
    {
      CsTensor *roi = in_t (g, node, 1);
      if (roi == NULL || !is_const (roi) || (int) cs_tensor_numel (roi) != 2 * x->rank)
        return UNSUPPORTED ("tf_crop_and_resize needs a constant roi of 2 x rank values");
      for (int i = 0; i < x->rank - 2; i++)
        if (const_double (roi, i) != 0.0 || const_double (roi, i + x->rank) != 1.0)
          return UNSUPPORTED ("cropping any axis but the last two");
    }
  if (scales == NULL && sizes == NULL)
    {
      int n;
      const float *s = cs_node_attr_floats (node, "scales", &n);
      if (s == NULL || n != x->rank)
        return INVALID ("neither scales nor sizes given");
      for (int i = 0; i < x->rank; i++)
        dims[i] = (int64_t) floor (x->dims[i] * (double) s[i]);
    }
  else if (sizes != NULL)
    {
      if ((int) cs_tensor_numel (sizes) != x->rank)
        return INVALID ("sizes has the wrong length");
      for (int i = 0; i < x->rank; i++)
        dims[i] = const_int (sizes, i);
    }
  else
    {
      if ((int) cs_tensor_numel (scales) != x->rank)
        return INVALID ("scales has the wrong length");
      for (int i = 0; i < x->rank; i++)
        {
          double s = const_double (scales, i);
          if (!(s > 0) || s > 1e4)
            return INVALID ("scale %g is not usable", s);
          dims[i] = (int64_t) floor (x->dims[i] * s);
        }
    }
  for (int i = 0; i < x->rank - 2; i++)
    if (dims[i] != x->dims[i])
      return UNSUPPORTED ("resizing any axis but the last two");
  if (x->rank < 2)
    return UNSUPPORTED ("inputs of rank below 2");
  set_shape (o, CS_DTYPE_FLOAT, x->rank, dims);
  return check_size (g, node, o, error);
}

/* ---- driver ---------------------------------------------------------- */

static gboolean
infer_node (CsGraph *g, CsNode *node, GError **error)
{
  for (int i = 0; i < node->n_inputs; i++)
    {
      CsTensor *t = in_t (g, node, i);
      if (t != NULL && t->rank < 0)
        return fail (error, g, node, CS_ENGINE_ERROR_SHAPE,
                     "the shape of input '%s' is not known; give the model's input sizes", t->name);
    }
  switch (node->op)
    {
    case CS_OP_CONV:
    case CS_OP_CONV_TRANSPOSE:
      return infer_conv (g, node, error);
    case CS_OP_INSTANCE_NORM:
    case CS_OP_BATCH_NORM:
      return infer_norm (g, node, error);
    case CS_OP_RELU: case CS_OP_LEAKY_RELU: case CS_OP_SIGMOID: case CS_OP_TANH:
    case CS_OP_CLIP: case CS_OP_SQRT: case CS_OP_RECIPROCAL: case CS_OP_EXP:
    case CS_OP_NEG: case CS_OP_IDENTITY: case CS_OP_ABS:
      return infer_unary (g, node, error);
    case CS_OP_TILE:
      return cs_infer_tile (g, node, error);
    case CS_OP_ADD: case CS_OP_SUB: case CS_OP_MUL: case CS_OP_DIV:
    case CS_OP_POW: case CS_OP_PRELU: case CS_OP_EQUAL:
      return infer_binary (g, node, error);
    case CS_OP_CONCAT:
      return infer_concat (g, node, error);
    case CS_OP_PAD:
      return infer_pad (g, node, error);
    case CS_OP_RESIZE:
    case CS_OP_UPSAMPLE:
      return infer_resize (g, node, error);
    case CS_OP_DEPTH_TO_SPACE:
      return infer_depth_to_space (g, node, error);
    case CS_OP_MAX_POOL:
    case CS_OP_AVERAGE_POOL:
      return infer_pool (g, node, error);
    case CS_OP_GLOBAL_AVERAGE_POOL:
      return infer_global_pool (g, node, error);
    case CS_OP_MATMUL:
    case CS_OP_GEMM:
      return infer_matmul (g, node, error);
    case CS_OP_RESHAPE:
      return infer_reshape (g, node, error);
    case CS_OP_TRANSPOSE:
      return infer_transpose (g, node, error);
    case CS_OP_FLATTEN:
      return infer_flatten (g, node, error);
    case CS_OP_SQUEEZE:
      return infer_squeeze (g, node, error);
    case CS_OP_UNSQUEEZE:
      return infer_unsqueeze (g, node, error);
    case CS_OP_SLICE:
      return infer_slice (g, node, error);
    case CS_OP_SPLIT:
      return infer_split (g, node, error);
    case CS_OP_REDUCE_MEAN:
    case CS_OP_REDUCE_SUM:
      return infer_reduce (g, node, error);
    case CS_OP_EXPAND:
      return infer_expand (g, node, error);
    case CS_OP_CONSTANT:
      return infer_constant (g, node, error);
    case CS_OP_SHAPE:
      return infer_shape_op (g, node, error);
    case CS_OP_GATHER:
      return infer_gather (g, node, error);
    case CS_OP_CAST:
      return infer_cast (g, node, error);
    case CS_OP_CONSTANT_OF_SHAPE:
      return infer_constant_of_shape (g, node, error);
    case CS_OP_RANGE:
      return infer_range (g, node, error);
    case CS_OP_WHERE:
      return infer_where (g, node, error);
    case CS_N_OPS:
      break;
    }
  return UNSUPPORTED ("not supported");
}

/* The outputs of a node folded from a variable tensor are variable too; a
 * shape is not, since a new value never changes a shape. */
static void
mark_variable (CsGraph *g, CsNode *node)
{
  gboolean variable = FALSE;

  if (!node->dead || node->op == CS_OP_SHAPE)
    return;
  for (int k = 0; k < node->n_inputs; k++)
    {
      CsTensor *t = cs_graph_tensor (g, node->inputs[k]);
      variable |= t != NULL && t->variable;
    }
  for (int k = 0; variable && k < node->n_outputs; k++)
    {
      CsTensor *o = out_t (g, node, k);
      if (o != NULL && o->data != NULL)
        o->variable = TRUE;
    }
}

static gboolean
reads_dirty (CsGraph *g, const CsNode *node)
{
  for (int k = 0; k < node->n_inputs; k++)
    {
      CsTensor *t = cs_graph_tensor (g, node->inputs[k]);
      if (t != NULL && t->dirty)
        return TRUE;
    }
  return FALSE;
}

gboolean
cs_graph_refold (CsGraph *g, GError **error)
{
  for (guint i = 0; i < g->nodes->len; i++)
    {
      CsNode *node = cs_graph_node (g, i);
      CsTensor *o0 = node->n_outputs > 0 ? out_t (g, node, 0) : NULL;

      /* Only nodes folded at load have constant outputs; a node fused away
       * has none, and the caller checks those. */
      if (!node->dead || o0 == NULL || !o0->variable || !reads_dirty (g, node))
        continue;
      for (int k = 0; k < node->n_outputs; k++)
        {
          CsTensor *o = out_t (g, node, k);
          if (o != NULL)
            g_clear_pointer (&o->data, g_free);
        }
      node->dead = FALSE;
      if (!infer_node (g, node, error))
        return FALSE;
      cs_fold_node (g, node);
      if (!node->dead)
        {
          g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                       "The node '%s' no longer folds with the new value of its input",
                       node->name ? node->name : "");
          return FALSE;
        }
      for (int k = 0; k < node->n_outputs; k++)
        {
          CsTensor *o = out_t (g, node, k);
          if (o != NULL)
            o->dirty = TRUE;
        }
    }
  return TRUE;
}

gboolean
cs_graph_infer (CsGraph *g, GError **error)
{
  /* ONNX requires nodes in topological order, which the loader checked. */
  for (guint i = 0; i < g->nodes->len; i++)
    {
      CsNode *node = cs_graph_node (g, i);
      if (node->dead)
        continue;
      for (int k = 0; k < node->n_outputs; k++)
        {
          CsTensor *o = out_t (g, node, k);
          if (o != NULL)
            o->producer = i;
        }
      if (!infer_node (g, node, error))
        return FALSE;
      /* Float work on known values (weights, bound inputs) happens once here. */
      cs_fold_node (g, node);
      mark_variable (g, node);
      for (int k = 0; k < node->n_outputs; k++)
        {
          CsTensor *o = out_t (g, node, k);
          if (o != NULL && o->rank >= 0 && !check_size (g, node, o, error))
            return FALSE;
        }
    }
  for (guint i = 0; i < g->outputs->len; i++)
    {
      CsTensor *t = cs_graph_tensor (g, g_array_index (g->outputs, int, i));
      if (t->dtype != CS_DTYPE_FLOAT && t->data == NULL)
        {
          g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_UNSUPPORTED,
                       "The output '%s' is not a float tensor", t->name);
          return FALSE;
        }
    }
  return TRUE;
}
