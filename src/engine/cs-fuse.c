/* cs-fuse.c: fusion of element-wise epilogues into the node before them.
 *
 * Every operator that writes a tensor ends with the same epilogue,
 * clamp (act (v + residual) * mul + add, lo, hi), so a ReLU, a residual Add,
 * a scalar Mul or Add and a Clip that follow a convolution or a
 * normalization cost no pass over memory of their own.
 */
#include "cs-config.h"

#include <math.h>
#include <string.h>

#include "cs-graph.h"

static gboolean
epilogue_is_identity (const CsNode *n)
{
  return n->act == CS_ACT_NONE && n->post_mul == 1.0f && n->post_add == 0.0f &&
         isinf (n->clip_lo) && n->clip_lo < 0 && isinf (n->clip_hi) && n->clip_hi > 0;
}

static gboolean
clip_is_open (const CsNode *n)
{
  return isinf (n->clip_lo) && isinf (n->clip_hi);
}

/* A float tensor known at load, variable or not. */
static const CsTensor *
known_input (CsGraph *g, const CsNode *n, int i)
{
  const CsTensor *t = i < n->n_inputs ? cs_graph_tensor (g, n->inputs[i]) : NULL;
  return t != NULL && t->data != NULL && t->dtype == CS_DTYPE_FLOAT ? t : NULL;
}

/* A float constant that fusion may bake into another node's weights or
 * push constants: a variable one (a bound degree) stays a tensor the device
 * reads, so that a new value needs no new plan. */
static const CsTensor *
const_input (CsGraph *g, const CsNode *n, int i)
{
  const CsTensor *t = known_input (g, n, i);
  return t != NULL && !t->variable ? t : NULL;
}

static gboolean
scalar_const (CsGraph *g, const CsNode *n, int i, float *v)
{
  const CsTensor *t = const_input (g, n, i);
  if (t == NULL || cs_tensor_numel (t) != 1)
    return FALSE;
  *v = ((float *) t->data)[0];
  return TRUE;
}

/* A Clip's bounds, variable or not: its kernel knows no other way to get
 * them (a network whose bound input changes them is planned anew). */
static gboolean
clip_bound (CsGraph *g, const CsNode *n, int i, float *v)
{
  const CsTensor *t = known_input (g, n, i);
  if (t == NULL || cs_tensor_numel (t) != 1)
    return FALSE;
  *v = ((float *) t->data)[0];
  return TRUE;
}

void
cs_graph_reset_epilogues (CsGraph *g)
{
  for (guint i = 0; i < g->nodes->len; i++)
    {
      CsNode *n = cs_graph_node (g, i);
      float v;

      n->act = CS_ACT_NONE;
      n->act_alpha = 0.0f;
      n->act_beta = 0.0f;
      n->post_mul = 1.0f;
      n->post_add = 0.0f;
      n->clip_lo = -INFINITY;
      n->clip_hi = INFINITY;
      n->fused_add = -1;
      n->packed_weights = -1;
      n->absorbed = FALSE;
      /* A standalone activation is an identity with an epilogue. */
      switch (n->op)
        {
        case CS_OP_RELU:
          n->act = CS_ACT_RELU;
          break;
        case CS_OP_LEAKY_RELU:
          n->act = CS_ACT_LEAKY_RELU;
          n->act_alpha = cs_node_attr_float (n, "alpha", 0.01f);
          break;
        case CS_OP_SIGMOID:
          n->act = CS_ACT_SIGMOID;
          break;
        case CS_OP_TANH:
          n->act = CS_ACT_TANH;
          break;
        case CS_OP_CLIP:
          if (n->n_inputs > 1 || cs_node_attr (n, "min") != NULL || cs_node_attr (n, "max") != NULL)
            {
              if (n->n_inputs > 1 || g->opset >= 11)
                {
                  if (clip_bound (g, n, 1, &v))
                    n->clip_lo = v;
                  if (clip_bound (g, n, 2, &v))
                    n->clip_hi = v;
                }
              else
                {
                  n->clip_lo = cs_node_attr_float (n, "min", -INFINITY);
                  n->clip_hi = cs_node_attr_float (n, "max", INFINITY);
                }
            }
          break;
        default:
          break;
        }
    }
}

static gboolean
is_pure_epilogue (const CsNode *n)
{
  return n->op == CS_OP_RELU || n->op == CS_OP_LEAKY_RELU || n->op == CS_OP_SIGMOID ||
         n->op == CS_OP_TANH || n->op == CS_OP_CLIP;
}

static gboolean
can_carry_epilogue (const CsNode *n)
{
  switch (n->op)
    {
    case CS_OP_CONV: case CS_OP_CONV_TRANSPOSE:
    case CS_OP_INSTANCE_NORM: case CS_OP_BATCH_NORM:
    case CS_OP_ADD: case CS_OP_SUB: case CS_OP_MUL: case CS_OP_DIV:
    case CS_OP_POW: case CS_OP_PRELU:
    case CS_OP_RELU: case CS_OP_LEAKY_RELU: case CS_OP_SIGMOID: case CS_OP_TANH: case CS_OP_CLIP:
    case CS_OP_SQRT: case CS_OP_RECIPROCAL: case CS_OP_EXP: case CS_OP_NEG:
      return TRUE;
    default:
      return FALSE;
    }
}

static gboolean
can_take_residual (const CsNode *n)
{
  return n->op == CS_OP_CONV || n->op == CS_OP_CONV_TRANSPOSE ||
         n->op == CS_OP_INSTANCE_NORM || n->op == CS_OP_BATCH_NORM;
}

static gboolean fold_batch_norm (CsGraph *g, CsNode *conv, CsNode *bn);
static gboolean fold_bias_add (CsGraph *g, CsNode *conv, CsNode *add, int out);
static gboolean fold_norm_affine (CsGraph *g, CsNode *norm, CsNode *m, int out);

/* Tries to fold consumer `m` of `n`'s only output into `n`'s epilogue. */
static gboolean
try_fuse (CsGraph *g, CsNode *n, guint n_index, CsNode *m)
{
  int out = n->outputs[0];
  float s;

  if ((n->op == CS_OP_CONV || n->op == CS_OP_CONV_TRANSPOSE) && m->op == CS_OP_BATCH_NORM)
    return epilogue_is_identity (n) && n->fused_add < 0 && fold_batch_norm (g, n, m);
  if ((n->op == CS_OP_CONV || n->op == CS_OP_CONV_TRANSPOSE) && m->op == CS_OP_ADD &&
      epilogue_is_identity (n) && n->fused_add < 0 && fold_bias_add (g, n, m, out))
    return TRUE;
  if (n->op == CS_OP_INSTANCE_NORM && (m->op == CS_OP_MUL || m->op == CS_OP_ADD) &&
      epilogue_is_identity (n) && n->fused_add < 0 && fold_norm_affine (g, n, m, out))
    return TRUE;
  if (is_pure_epilogue (m))
    {
      if (epilogue_is_identity (n))
        {
          n->act = m->act;
          n->act_alpha = m->act_alpha;
          n->act_beta = m->act_beta;
          n->clip_lo = m->clip_lo;
          n->clip_hi = m->clip_hi;
          return TRUE;
        }
      if (m->op == CS_OP_CLIP && clip_is_open (n))
        {
          n->clip_lo = m->clip_lo;
          n->clip_hi = m->clip_hi;
          return TRUE;
        }
      if (m->op == CS_OP_RELU && clip_is_open (n))
        {
          n->clip_lo = 0.0f;
          return TRUE;
        }
      return FALSE;
    }
  if (!clip_is_open (n))
    return FALSE;
  if (m->op == CS_OP_MUL && m->inputs[0] == out && scalar_const (g, m, 1, &s))
    goto mul;
  if (m->op == CS_OP_MUL && m->inputs[1] == out && scalar_const (g, m, 0, &s))
    goto mul;
  if (m->op == CS_OP_DIV && m->inputs[0] == out && scalar_const (g, m, 1, &s) && s != 0.0f)
    {
      s = 1.0f / s;
      goto mul;
    }
  if (m->op == CS_OP_ADD && ((m->inputs[0] == out && scalar_const (g, m, 1, &s)) ||
                             (m->inputs[1] == out && scalar_const (g, m, 0, &s))))
    {
      n->post_add += s;
      return TRUE;
    }
  if (m->op == CS_OP_SUB && m->inputs[0] == out && scalar_const (g, m, 1, &s))
    {
      n->post_add -= s;
      return TRUE;
    }
  if (m->op == CS_OP_ADD && can_take_residual (n) && epilogue_is_identity (n) && n->fused_add < 0)
    {
      int other = m->inputs[0] == out ? m->inputs[1] : m->inputs[0];
      CsTensor *ot = cs_graph_tensor (g, other), *tt = cs_graph_tensor (g, out);
      /* The residual must exist before n runs and have n's exact shape. */
      if (other == out || ot->dtype != CS_DTYPE_FLOAT || !cs_tensor_same_shape (ot, tt))
        return FALSE;
      if (ot->producer >= (int) n_index)
        return FALSE;
      n->fused_add = other;
      return TRUE;
    }
  return FALSE;

mul:
  n->post_mul *= s;
  n->post_add *= s;
  return TRUE;
}

/* The other input of binary node m, one value per channel of out (which m
 * reads as its other operand): its id, or -1. */
static int
per_channel_operand (CsGraph *g, const CsNode *m, int out)
{
  int k = m->inputs[0] == out ? 1 : 0;
  const CsTensor *v = known_input (g, m, k), *o = cs_graph_tensor (g, out);

  if (m->n_inputs != 2 || m->inputs[k] == out || v == NULL || o->rank < 2 || v->rank > o->rank ||
      v->rank < o->rank - 1)
    return -1;
  for (int i = 0; i < v->rank; i++)
    {
      int axis = o->rank - v->rank + i;
      if (v->dims[i] != (axis == 1 ? o->dims[1] : 1))
        return -1;
    }
  return m->inputs[k];
}

static void
compute_derived (CsGraph *g, const CsDerived *d)
{
  CsTensor *o = cs_graph_tensor (g, d->out);
  const CsTensor *a = cs_graph_tensor (g, d->a), *b = cs_graph_tensor (g, d->b);
  float *out = o->data;

  for (int64_t c = 0; c < o->dims[0]; c++)
    {
      float x = a != NULL ? ((const float *) a->data)[c] : (d->op == CS_OP_MUL ? 1.0f : 0.0f);
      float y = ((const float *) b->data)[c];
      out[c] = d->op == CS_OP_MUL ? x * y : x + y;
    }
}

/* A new [C] constant a op b (a: -1 or C values, b: C values), variable
 * when either is, remembered so that a refresh can make it again. */
static int
derive (CsGraph *g, CsOp op, int a, int b)
{
  int id = cs_graph_add_tensor (g, NULL, CS_DTYPE_FLOAT);
  CsTensor *o = cs_graph_tensor (g, id), *ta = cs_graph_tensor (g, a), *tb = cs_graph_tensor (g, b);
  CsDerived d = { op, a, b, id };

  o->rank = 1;
  o->dims[0] = (int64_t) cs_tensor_numel (tb);
  o->data = g_new (float, MAX (o->dims[0], 1));
  o->variable = tb->variable || (ta != NULL && ta->variable);
  compute_derived (g, &d);
  g_array_append_val (g->derived, d);
  return id;
}

void
cs_graph_rederive (CsGraph *g)
{
  for (guint i = 0; i < g->derived->len; i++)
    {
      const CsDerived *d = &g_array_index (g->derived, CsDerived, i);
      CsTensor *a = cs_graph_tensor (g, d->a), *b = cs_graph_tensor (g, d->b);

      if ((a != NULL && a->dirty) || b->dirty)
        {
          compute_derived (g, d);
          cs_graph_tensor (g, d->out)->dirty = TRUE;
        }
    }
}

/* Folds a per-channel Add after a convolution into its bias: StyleGAN-like
 * layers convolve without a bias and add one afterwards, which would
 * otherwise be a pass over the whole feature map of its own. */
static gboolean
fold_bias_add (CsGraph *g, CsNode *conv, CsNode *add, int out)
{
  int v = per_channel_operand (g, add, out), bias = -1;

  if (v < 0)
    return FALSE;
  if (conv->n_inputs > 2 && conv->inputs[2] >= 0)
    {
      if (known_input (g, conv, 2) == NULL ||
          cs_tensor_numel (cs_graph_tensor (g, conv->inputs[2])) != cs_tensor_numel (cs_graph_tensor (g, v)))
        return FALSE;
      bias = conv->inputs[2];
    }
  conv->inputs[2] = derive (g, CS_OP_ADD, bias, v);
  conv->n_inputs = MAX (conv->n_inputs, 3);
  add->absorbed = TRUE;
  return TRUE;
}

/* Folds a per-channel Mul or Add after an instance normalization into its
 * scale and bias: an adaptive instance norm (gamma · norm (x) + beta, its
 * gamma and beta from a style code) becomes one normalization. */
static gboolean
fold_norm_affine (CsGraph *g, CsNode *norm, CsNode *m, int out)
{
  int v = per_channel_operand (g, m, out);
  const CsTensor *scale = known_input (g, norm, 1), *bias = known_input (g, norm, 2);

  if (v < 0 || norm->n_inputs != 3 || scale == NULL || bias == NULL ||
      cs_tensor_numel (scale) != cs_tensor_numel (cs_graph_tensor (g, v)) ||
      cs_tensor_numel (bias) != cs_tensor_numel (scale))
    return FALSE;
  if (m->op == CS_OP_MUL)
    {
      int s = derive (g, CS_OP_MUL, norm->inputs[1], v);
      int b = derive (g, CS_OP_MUL, norm->inputs[2], v);
      norm->inputs[1] = s;
      norm->inputs[2] = b;
    }
  else
    norm->inputs[2] = derive (g, CS_OP_ADD, norm->inputs[2], v);
  m->absorbed = TRUE;
  return TRUE;
}

/* Folds an inference-mode BatchNormalization into the convolution before it
 * when both have constant parameters: the scale goes into the weights and
 * the shift into the bias, and the normalization costs nothing. */
static gboolean
fold_batch_norm (CsGraph *g, CsNode *conv, CsNode *bn)
{
  const CsTensor *w = const_input (g, conv, 1);
  const CsTensor *b = conv->n_inputs > 2 ? const_input (g, conv, 2) : NULL;
  const CsTensor *p[4];
  gboolean transpose = conv->op == CS_OP_CONV_TRANSPOSE;
  int64_t oc, per_oc, outer;
  float eps = cs_node_attr_float (bn, "epsilon", 1e-5f);
  int wid, bid;
  CsTensor *nw, *nb;

  if (bn->op != CS_OP_BATCH_NORM || bn->n_outputs != 1 || bn->n_inputs != 5 || w == NULL ||
      cs_node_attr_int (bn, "training_mode", 0) != 0)
    return FALSE;
  if (conv->n_inputs > 2 && conv->inputs[2] >= 0 && b == NULL)
    return FALSE;
  if (transpose && cs_node_attr_int (conv, "group", 1) != 1)
    return FALSE;
  for (int i = 0; i < 4; i++)
    if ((p[i] = const_input (g, bn, i + 1)) == NULL)
      return FALSE;
  oc = transpose ? w->dims[1] : w->dims[0];
  per_oc = cs_tensor_numel (w) / (transpose ? w->dims[0] * w->dims[1] : w->dims[0]);
  outer = transpose ? w->dims[0] : 1;
  for (int i = 0; i < 4; i++)
    if ((int64_t) cs_tensor_numel (p[i]) != oc)
      return FALSE;

  wid = cs_graph_add_tensor (g, NULL, CS_DTYPE_FLOAT);
  bid = cs_graph_add_tensor (g, NULL, CS_DTYPE_FLOAT);
  /* add_tensor may grow the array: look everything up again. */
  w = cs_graph_tensor (g, conv->inputs[1]);
  b = conv->n_inputs > 2 && conv->inputs[2] >= 0 ? cs_graph_tensor (g, conv->inputs[2]) : NULL;
  for (int i = 0; i < 4; i++)
    p[i] = cs_graph_tensor (g, bn->inputs[i + 1]);
  nw = cs_graph_tensor (g, wid);
  nb = cs_graph_tensor (g, bid);
  nw->rank = w->rank;
  memcpy (nw->dims, w->dims, sizeof nw->dims);
  nw->data = g_memdup2 (w->data, cs_tensor_numel (w) * sizeof (float));
  nb->rank = 1;
  nb->dims[0] = oc;
  nb->data = g_new (float, oc);
  for (int64_t o = 0; o < oc; o++)
    {
      const float *gamma = p[0]->data, *beta = p[1]->data, *mean = p[2]->data, *var = p[3]->data;
      double a = gamma[o] / sqrt ((double) var[o] + eps);
      double bias = b ? ((float *) b->data)[o] : 0.0;
      for (int64_t k = 0; k < outer; k++)
        for (int64_t j = 0; j < per_oc; j++)
          ((float *) nw->data)[(k * oc + o) * per_oc + j] *= (float) a;
      ((float *) nb->data)[o] = (float) ((bias - mean[o]) * a + beta[o]);
    }
  conv->inputs[1] = wid;
  conv->inputs[2] = bid;
  conv->n_inputs = MAX (conv->n_inputs, 3);
  return TRUE;
}

void
cs_graph_fuse (CsGraph *g)
{
  guint n_tensors = g->tensors->len;
  g_autofree int *consumers = g_new0 (int, n_tensors);
  g_autofree int *consumer = g_new0 (int, n_tensors);

  for (guint i = 0; i < g->nodes->len; i++)
    {
      CsNode *n = cs_graph_node (g, i);
      if (n->dead)
        continue;
      for (int k = 0; k < n->n_inputs; k++)
        if (n->inputs[k] >= 0)
          {
            consumers[n->inputs[k]]++;
            consumer[n->inputs[k]] = i;
          }
    }
  for (guint i = 0; i < g->outputs->len; i++)
    consumers[g_array_index (g->outputs, int, i)] += 2; /* never fuse a graph output away */

  for (guint i = 0; i < g->nodes->len; i++)
    {
      CsNode *n = cs_graph_node (g, i);
      if (n->dead || !can_carry_epilogue (n) || n->n_outputs != 1)
        continue;
      for (;;)
        {
          int out = n->outputs[0];
          CsNode *m;
          CsTensor *t = cs_graph_tensor (g, out);

          if (consumers[out] != 1 || t->data != NULL)
            break;
          m = cs_graph_node (g, consumer[out]);
          if (m->dead || m->n_outputs != 1 || !try_fuse (g, n, i, m))
            break;
          /* n now writes m's output; m and the tensor between them go. */
          n->outputs[0] = m->outputs[0];
          cs_graph_tensor (g, m->outputs[0])->producer = i;
          m->dead = TRUE;
          for (int k = 0; k < m->n_inputs; k++)
            if (m->inputs[k] >= 0 && m->inputs[k] != out)
              consumers[m->inputs[k]]--;
          if (n->fused_add >= 0)
            {
              consumers[n->fused_add]++;
              consumer[n->fused_add] = i;
            }
        }
    }
}
