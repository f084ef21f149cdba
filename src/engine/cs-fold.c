/* cs-fold.c: evaluating float nodes whose inputs are all known at load time.
 *
 * Shape arithmetic folds in cs-infer.c; this pass covers the float
 * subgraphs that hang off inputs bound with cs_network_bind_constant (a
 * style code, a degree): modulated and demodulated convolution weights,
 * normalisation parameters, label embeddings. They are computed once per
 * prepare in double precision on the host instead of once per run on the
 * device, and a convolution whose weights they produce gets constant weights
 * like any other.
 */
#include "cs-config.h"

#include <math.h>
#include <string.h>

#include "cs-fold.h"
#include "cs-infer-private.h"

static gboolean
is_const_float (const CsTensor *t)
{
  return t != NULL && t->data != NULL && t->dtype == CS_DTYPE_FLOAT;
}

static CsTensor *
input (CsGraph *g, const CsNode *n, int i)
{
  return i < n->n_inputs ? cs_graph_tensor (g, n->inputs[i]) : NULL;
}

static void
unravel (guint64 i, int rank, const int64_t *dims, int64_t *c)
{
  for (int k = rank - 1; k >= 0; k--)
    {
      c[k] = (int64_t) (i % (guint64) dims[k]);
      i /= (guint64) dims[k];
    }
}

static double
apply_unary (CsOp op, double x, const CsNode *n)
{
  switch (op)
    {
    case CS_OP_RELU: return x > 0 ? x : 0;
    case CS_OP_LEAKY_RELU: return x >= 0 ? x : x * cs_node_attr_float (n, "alpha", 0.01f);
    case CS_OP_SIGMOID: return 1.0 / (1.0 + exp (-x));
    case CS_OP_TANH: return tanh (x);
    case CS_OP_SQRT: return sqrt (x);
    case CS_OP_RECIPROCAL: return 1.0 / x;
    case CS_OP_EXP: return exp (x);
    case CS_OP_NEG: return -x;
    case CS_OP_ABS: return fabs (x);
    case CS_OP_IDENTITY: return x;
    default: g_assert_not_reached ();
    }
}

static double
apply_binary (CsOp op, double x, double y)
{
  switch (op)
    {
    case CS_OP_ADD: return x + y;
    case CS_OP_SUB: return x - y;
    case CS_OP_MUL: return x * y;
    case CS_OP_DIV: return x / y;
    case CS_OP_POW: return pow (x, y);
    case CS_OP_PRELU: return x < 0 ? x * y : x;
    default: g_assert_not_reached ();
    }
}

/* Walks the output in order with an odometer over its axes, so that each
 * element costs additions rather than divisions (modulated weights run to
 * millions of elements and are folded again at every new code or degree). */
static void
fold_binary (CsGraph *g, CsNode *n, CsTensor *o)
{
  CsTensor *a = input (g, n, 0), *b = input (g, n, 1);
  int64_t sa[CS_MAX_RANK], sb[CS_MAX_RANK], c[CS_MAX_RANK] = { 0 };
  const float *ad = a->data, *bd = b->data;
  float *od = o->data;
  guint64 count = cs_tensor_numel (o), na = cs_tensor_numel (a), nb = cs_tensor_numel (b);
  int64_t ia = 0, ib = 0;
  int r = o->rank;

  if (na == count && nb == count)
    {
      for (guint64 i = 0; i < count; i++)
        od[i] = (float) apply_binary (n->op, ad[i], bd[i]);
      return;
    }
  if (nb == 1 || na == 1)
    {
      for (guint64 i = 0; i < count; i++)
        od[i] = (float) apply_binary (n->op, ad[na == 1 ? 0 : i], bd[nb == 1 ? 0 : i]);
      return;
    }
  cs_broadcast_strides (a, r, o->dims, sa);
  cs_broadcast_strides (b, r, o->dims, sb);
  for (guint64 i = 0; i < count; i++)
    {
      od[i] = (float) apply_binary (n->op, ad[ia], bd[ib]);
      for (int k = r - 1; k >= 0; k--)
        {
          ia += sa[k];
          ib += sb[k];
          if (++c[k] < o->dims[k])
            break;
          ia -= sa[k] * o->dims[k];
          ib -= sb[k] * o->dims[k];
          c[k] = 0;
        }
    }
}

/* Batched matrix product with NumPy broadcasting of the batch axes; a 1-D
 * operand is a row (first) or a column (second), as in MatMul. */
static gboolean
fold_matmul (CsGraph *g, CsNode *n, CsTensor *o)
{
  CsTensor *a = input (g, n, 0), *b = input (g, n, 1);
  int64_t m, k, nn, ka;
  int ar = a->rank, br = b->rank;
  guint64 batch = 1;
  const float *ad = a->data, *bd = b->data;
  float *od = o->data;

  if (ar < 1 || br < 1)
    return FALSE;
  m = ar >= 2 ? a->dims[ar - 2] : 1;
  ka = a->dims[ar - 1];
  k = br >= 2 ? b->dims[br - 2] : b->dims[0];
  nn = br >= 2 ? b->dims[br - 1] : 1;
  if (ka != k)
    return FALSE;
  batch = m * nn > 0 ? cs_tensor_numel (o) / (guint64) (m * nn) : 0;
  for (guint64 bi = 0; bi < batch; bi++)
    {
      /* The batch index in each operand, broadcasting size-1 axes. */
      guint64 rem = bi, oa = 0, ob = 0, sta = (guint64) (m * k), stb = (guint64) (k * nn);
      int ob_rank = o->rank - (ar >= 2 && br >= 2 ? 2 : 1);
      for (int d = ob_rank - 1; d >= 0; d--)
        {
          int64_t size = o->dims[d], idx = (int64_t) (rem % (guint64) size);
          int da = d - (ob_rank - (ar - 2)), db = d - (ob_rank - (br - 2));
          rem /= (guint64) size;
          if (ar > 2 && da >= 0)
            {
              oa += (a->dims[da] == 1 ? 0 : idx) * sta;
              sta *= a->dims[da];
            }
          if (br > 2 && db >= 0)
            {
              ob += (b->dims[db] == 1 ? 0 : idx) * stb;
              stb *= b->dims[db];
            }
        }
      for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < nn; j++)
          {
            double s = 0;
            for (int64_t t = 0; t < k; t++)
              s += (double) ad[oa + i * k + t] * bd[ob + t * nn + j];
            od[bi * m * nn + i * nn + j] = (float) s;
          }
    }
  return TRUE;
}

static gboolean
fold_gemm (CsGraph *g, CsNode *n, CsTensor *o)
{
  CsTensor *a = input (g, n, 0), *b = input (g, n, 1), *c = input (g, n, 2);
  gboolean ta = cs_node_attr_int (n, "transA", 0) != 0, tb = cs_node_attr_int (n, "transB", 0) != 0;
  double alpha = cs_node_attr_float (n, "alpha", 1.0f), beta = cs_node_attr_float (n, "beta", 1.0f);
  int64_t m, k, nn, sc[CS_MAX_RANK], idx[2];
  const float *ad = a->data, *bd = b->data;

  if (a->rank != 2 || b->rank != 2 || o->rank != 2)
    return FALSE;
  m = o->dims[0];
  nn = o->dims[1];
  k = ta ? a->dims[0] : a->dims[1];
  if (c != NULL)
    cs_broadcast_strides (c, 2, o->dims, sc);
  for (int64_t i = 0; i < m; i++)
    for (int64_t j = 0; j < nn; j++)
      {
        double s = 0;
        for (int64_t t = 0; t < k; t++)
          s += (double) ad[ta ? t * m + i : i * k + t] * bd[tb ? j * k + t : t * nn + j];
        s *= alpha;
        if (c != NULL)
          {
            idx[0] = i;
            idx[1] = j;
            s += beta * ((const float *) c->data)[idx[0] * sc[0] + idx[1] * sc[1]];
          }
        ((float *) o->data)[i * nn + j] = (float) s;
      }
  return TRUE;
}

/* ReduceSum and ReduceMean: the reduced axes are those the output shape
 * does not keep, so keepdims needs no separate case. */
static gboolean
fold_reduce (CsGraph *g, CsNode *n, CsTensor *o)
{
  CsTensor *x = input (g, n, 0), *at = input (g, n, 1);
  gboolean reduced[CS_MAX_RANK] = { FALSE };
  int n_axes = 0;
  const int64_t *axes = cs_node_attr_ints (n, "axes", &n_axes);
  int64_t axes_buf[CS_MAX_RANK], c[CS_MAX_RANK], xs[CS_MAX_RANK];
  guint64 count = cs_tensor_numel (x), per = 1;
  double *acc;

  if (at != NULL && at->data != NULL && at->dtype == CS_DTYPE_INT64)
    {
      n_axes = (int) MIN (cs_tensor_numel (at), CS_MAX_RANK);
      for (int i = 0; i < n_axes; i++)
        axes_buf[i] = ((const int64_t *) at->data)[i];
      axes = axes_buf;
    }
  if (n_axes == 0 && cs_node_attr_int (n, "noop_with_empty_axes", 0))
    {
      memcpy (o->data, x->data, count * sizeof (float));
      return TRUE;
    }
  for (int i = 0; i < x->rank; i++)
    reduced[i] = n_axes == 0;
  for (int i = 0; i < n_axes; i++)
    {
      int64_t ax = axes[i] < 0 ? axes[i] + x->rank : axes[i];
      if (ax < 0 || ax >= x->rank)
        return FALSE;
      reduced[ax] = TRUE;
    }
  /* Output index strides over x's axes, zero along reduced ones. */
  for (int i = x->rank - 1, s = 1; i >= 0; i--)
    {
      xs[i] = reduced[i] ? 0 : s;
      if (!reduced[i])
        s *= (int) x->dims[i];
      else
        per *= (guint64) x->dims[i];
    }
  acc = g_new0 (double, MAX (cs_tensor_numel (o), 1));
  memset (c, 0, sizeof c);
  {
    int64_t oi = 0;
    for (guint64 i = 0; i < count; i++)
      {
        acc[oi] += ((const float *) x->data)[i];
        for (int k = x->rank - 1; k >= 0; k--)
          {
            oi += xs[k];
            if (++c[k] < x->dims[k])
              break;
            oi -= xs[k] * x->dims[k];
            c[k] = 0;
          }
      }
  }
  for (guint64 i = 0; i < cs_tensor_numel (o); i++)
    ((float *) o->data)[i] = (float) (n->op == CS_OP_REDUCE_MEAN && per > 0 ? acc[i] / per : acc[i]);
  g_free (acc);
  return TRUE;
}

/* Tile and Expand read x at the output index, modulo x's own size (Tile)
 * or at zero along broadcast axes (Expand). */
static void
fold_repeat (CsGraph *g, CsNode *n, CsTensor *o)
{
  CsTensor *x = input (g, n, 0);
  int64_t c[CS_MAX_RANK], xs[CS_MAX_RANK];
  int off = o->rank - x->rank;

  for (int i = x->rank - 1, s = 1; i >= 0; i--)
    {
      xs[i] = s;
      s *= (int) x->dims[i];
    }
  for (guint64 i = 0; i < cs_tensor_numel (o); i++)
    {
      guint64 xi = 0;
      unravel (i, o->rank, o->dims, c);
      for (int k = 0; k < x->rank; k++)
        xi += (c[k + off] % x->dims[k]) * xs[k];
      ((float *) o->data)[i] = ((const float *) x->data)[xi];
    }
}

/* A product of known matrices is folded only when it is cheap next to
 * loading a model (a code through a mapping network, not two weight
 * matrices multiplied); the device runs larger ones. */
static gboolean
small_product (CsGraph *g, CsNode *n, CsTensor *o)
{
  CsTensor *a = input (g, n, 0);
  double k = a->rank >= 1 ? (double) a->dims[a->rank - 1] : 1;

  if (n->op == CS_OP_GEMM && cs_node_attr_int (n, "transA", 0) && a->rank == 2)
    k = (double) a->dims[0];
  return (double) cs_tensor_numel (o) * k <= 1e9;
}

gboolean
cs_fold_node (CsGraph *g, CsNode *node)
{
  CsTensor *o;
  gboolean done = TRUE;

  if (node->dead || node->n_outputs != 1)
    return FALSE;
  o = cs_graph_tensor (g, node->outputs[0]);
  if (o == NULL || o->data != NULL || o->dtype != CS_DTYPE_FLOAT || o->rank < 0 || o->is_output)
    return FALSE;
  /* Every float input must be known; integer inputs are parameters (axes,
   * repeats, shapes) that inference already read. */
  for (int i = 0; i < node->n_inputs; i++)
    {
      CsTensor *t = input (g, node, i);
      if (t == NULL)
        continue;
      if (t->data == NULL)
        return FALSE;
    }
  if (node->n_inputs < 1 || !is_const_float (input (g, node, 0)))
    return FALSE;

  switch (node->op)
    {
    case CS_OP_RELU: case CS_OP_LEAKY_RELU: case CS_OP_SIGMOID: case CS_OP_TANH:
    case CS_OP_SQRT: case CS_OP_RECIPROCAL: case CS_OP_EXP: case CS_OP_NEG:
    case CS_OP_ABS: case CS_OP_IDENTITY:
      {
        CsTensor *x = input (g, node, 0);
        o->data = g_new (float, MAX (cs_tensor_numel (o), 1));
        for (guint64 i = 0; i < cs_tensor_numel (o); i++)
          ((float *) o->data)[i] = (float) apply_unary (node->op, ((const float *) x->data)[i], node);
        break;
      }
    case CS_OP_ADD: case CS_OP_SUB: case CS_OP_MUL: case CS_OP_DIV:
    case CS_OP_POW: case CS_OP_PRELU:
      if (!is_const_float (input (g, node, 1)))
        return FALSE;
      o->data = g_new (float, MAX (cs_tensor_numel (o), 1));
      fold_binary (g, node, o);
      break;
    case CS_OP_MATMUL:
      if (!is_const_float (input (g, node, 1)) || !small_product (g, node, o))
        return FALSE;
      o->data = g_new (float, MAX (cs_tensor_numel (o), 1));
      done = fold_matmul (g, node, o);
      break;
    case CS_OP_GEMM:
      if (!is_const_float (input (g, node, 1)) || !small_product (g, node, o) ||
          (input (g, node, 2) != NULL && !is_const_float (input (g, node, 2))))
        return FALSE;
      o->data = g_new (float, MAX (cs_tensor_numel (o), 1));
      done = fold_gemm (g, node, o);
      break;
    case CS_OP_REDUCE_SUM: case CS_OP_REDUCE_MEAN:
      o->data = g_new (float, MAX (cs_tensor_numel (o), 1));
      done = fold_reduce (g, node, o);
      break;
    case CS_OP_TILE: case CS_OP_EXPAND:
      o->data = g_new (float, MAX (cs_tensor_numel (o), 1));
      fold_repeat (g, node, o);
      break;
    default:
      return FALSE;
    }
  if (!done)
    {
      g_clear_pointer (&o->data, g_free);
      return FALSE;
    }
  node->dead = TRUE;
  return TRUE;
}

gboolean
cs_infer_tile (CsGraph *g, CsNode *node, GError **error)
{
  CsTensor *x = input (g, node, 0), *r = input (g, node, 1), *o;
  int64_t dims[CS_MAX_RANK];

  if (x == NULL || r == NULL || node->n_outputs < 1)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                   "Tile node '%s' needs an input and repeats", node->name ? node->name : "");
      return FALSE;
    }
  if (r->data == NULL || r->dtype != CS_DTYPE_INT64)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_UNSUPPORTED,
                   "Tile node '%s': the repeats must be known at load time", node->name ? node->name : "");
      return FALSE;
    }
  if ((int) cs_tensor_numel (r) != x->rank || x->rank < 1)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_INVALID_MODEL,
                   "Tile node '%s': %d repeats for an input of rank %d", node->name ? node->name : "",
                   (int) cs_tensor_numel (r), x->rank);
      return FALSE;
    }
  for (int i = 0; i < x->rank; i++)
    {
      int64_t k = ((const int64_t *) r->data)[i];
      if (k < 0 || (x->dims[i] > 0 && k > G_MAXINT32 / x->dims[i]))
        {
          g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_SHAPE,
                       "Tile node '%s': repeat %" G_GINT64_FORMAT " on axis %d is out of range",
                       node->name ? node->name : "", k, i);
          return FALSE;
        }
      dims[i] = x->dims[i] * k;
    }
  o = cs_graph_tensor (g, node->outputs[0]);
  o->dtype = x->dtype;
  o->rank = x->rank;
  memcpy (o->dims, dims, sizeof (int64_t) * x->rank);
  if (x->data != NULL && x->dtype != CS_DTYPE_FLOAT)
    {
      int64_t c[CS_MAX_RANK], xs[CS_MAX_RANK];
      for (int i = x->rank - 1, s = 1; i >= 0; i--)
        {
          xs[i] = s;
          s *= (int) x->dims[i];
        }
      o->data = g_new (int64_t, MAX (cs_tensor_numel (o), 1));
      for (guint64 i = 0; i < cs_tensor_numel (o); i++)
        {
          guint64 xi = 0;
          unravel (i, o->rank, o->dims, c);
          for (int k = 0; k < x->rank; k++)
            xi += (c[k] % x->dims[k]) * xs[k];
          ((int64_t *) o->data)[i] = ((const int64_t *) x->data)[xi];
        }
      node->dead = TRUE;
    }
  else if (x->data == NULL && x->dtype != CS_DTYPE_FLOAT)
    {
      g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_UNSUPPORTED,
                   "Tile node '%s': integer tensors are supported only as constants",
                   node->name ? node->name : "");
      return FALSE;
    }
  return TRUE;
}
