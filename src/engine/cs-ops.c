/* cs-ops.c: each operator as the dispatches of its shaders.
 *
 * The push-constant structs here mirror the blocks in the shaders
 * (std430: 4-byte scalars, arrays of stride 4).
 */
#include "cs-config.h"

#include <math.h>
#include <string.h>

#include "cs-infer-private.h"
#include "cs-network-private.h"

#define MAX_AXES 6

typedef struct {
  float alpha, mul, add, lo, hi;
} Epilogue;

/* Shader-side operator codes; see the shaders. */
enum { UN_COPY, UN_SQRT, UN_RECIPROCAL, UN_EXP, UN_NEG, UN_ABS };
enum { BIN_ADD, BIN_SUB, BIN_MUL, BIN_DIV, BIN_POW, BIN_PRELU, BIN_WHERE };

typedef struct {
  CsNetwork *net;
  CsGraph   *g;
  CsNode    *node;
  int        index;
  GError   **error;
} Ctx;

static CsTensor *
T (Ctx *c, int id)
{
  return cs_graph_tensor (c->g, id);
}

static CsTensor *
IN (Ctx *c, int i)
{
  return i < c->node->n_inputs ? T (c, c->node->inputs[i]) : NULL;
}

static CsTensor *
OUT (Ctx *c, int i)
{
  return T (c, c->node->outputs[i]);
}

static Epilogue
epilogue (const CsNode *n)
{
  return (Epilogue) { n->act_alpha, n->post_mul, n->post_add, n->clip_lo, n->clip_hi };
}

static guint32
act_code (const CsNode *n)
{
  /* The shader's numbering follows CsAct; clip lives in the clamp. */
  return n->act == CS_ACT_CLIP ? 0 : (guint32) n->act;
}

static void
grid_1d (guint64 n, guint local, guint32 *groups)
{
  guint64 total = (n + local - 1) / local;
  groups[0] = (guint32) MIN (total, 65535);
  groups[1] = (guint32) ((total + 65534) / 65535);
  groups[2] = 1;
  if (groups[1] == 0)
    groups[1] = 1;
}

static gboolean
dispatch_full (Ctx *c, const char *shader, const guint32 *spec, guint n_spec,
               const int *tensors, guint n_tensors, const CsBinding *extra, guint n_extra,
               guint32 texel_mask, guint32 texel4_mask, const void *push, guint push_size,
               const guint32 *groups)
{
  CsDispatch d = { 0 };
  guint n_bindings = n_tensors + n_extra;

  for (guint k = 0; k < n_tensors; k++)
    if (tensors[k] == -2)
      n_bindings--; /* a placeholder stands where an extra range goes */

  g_assert (n_bindings <= CS_MAX_BINDINGS && push_size <= CS_MAX_PUSH);
  d.pipeline = cs_device_get_pipeline (cs_network_get_device (c->net), shader,
                                       cs_network_get_precision (c->net), spec, n_spec,
                                       n_bindings, texel_mask, push_size, c->error);
  if (d.pipeline == NULL)
    return FALSE;
  d.node = c->index;
  d.n_bindings = n_bindings;
  /* Tensors first, then extra ranges, in the order the caller lists them;
   * callers interleave by passing tensors = -2 placeholders for extras. */
  {
    guint ti = 0, ei = 0;
    for (guint k = 0; k < n_bindings; k++)
      {
        if (ti < n_tensors && tensors[ti] != -2)
          d.bindings[k] = cs_network_bind_tensor (c->net, tensors[ti++]);
        else
          {
            if (ti < n_tensors)
              ti++;
            d.bindings[k] = extra[ei++];
          }
      }
  }
  d.push_size = push_size;
  d.texel_mask = texel_mask;
  d.texel4_mask = texel4_mask;
  memcpy (d.push, push, push_size);
  memcpy (d.groups, groups, sizeof d.groups);
  for (guint k = 0; k < 3; k++)
    if (d.groups[k] == 0)
      return TRUE; /* an empty tensor: nothing to do */
  cs_network_add_dispatch (c->net, &d);
  return TRUE;
}

static gboolean
dispatch_texel (Ctx *c, const char *shader, const guint32 *spec, guint n_spec,
                const int *tensors, guint n_tensors, const CsBinding *extra, guint n_extra,
                guint32 texel_mask, const void *push, guint push_size, const guint32 *groups)
{
  return dispatch_full (c, shader, spec, n_spec, tensors, n_tensors, extra, n_extra, texel_mask, 0,
                        push, push_size, groups);
}

static gboolean
dispatch (Ctx *c, const char *shader, const guint32 *spec, guint n_spec,
          const int *tensors, guint n_tensors, const CsBinding *extra, guint n_extra,
          const void *push, guint push_size, const guint32 *groups)
{
  return dispatch_texel (c, shader, spec, n_spec, tensors, n_tensors, extra, n_extra, 0,
                         push, push_size, groups);
}

/* Whether `texels` texels fit one texel-buffer view on this device. */
static gboolean
texels_fit (CsNetwork *net, guint64 texels)
{
  return texels <= cs_device_get_limits (cs_network_get_device (net))->maxTexelBufferElements;
}

static gboolean
refuse (Ctx *c, const char *what)
{
  g_set_error (c->error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_UNSUPPORTED,
               "%s (node '%s'): %s", cs_op_name (c->node->op), c->node->name ? c->node->name : "", what);
  return FALSE;
}

static void
contiguous_strides (const CsTensor *t, int64_t *s)
{
  int64_t v = 1;
  for (int i = t->rank - 1; i >= 0; i--)
    {
      s[i] = v;
      v *= t->dims[i];
    }
}

/* Merges neighbouring axes that every operand walks contiguously and drops
 * axes of size 1, so that most shapes fit the shaders' six axes. The result
 * is right-aligned in 6 slots, padded with size-1 axes. */
static gboolean
collapse (int rank, const int64_t *dims, int n_arrays, int64_t strides[][CS_MAX_RANK],
          guint32 *out_dims, gint32 out_strides[][MAX_AXES])
{
  int64_t d[CS_MAX_RANK], s[4][CS_MAX_RANK];
  int r = 0;

  for (int i = 0; i < rank; i++)
    {
      if (dims[i] == 1)
        continue;
      if (r > 0)
        {
          gboolean merge = TRUE;
          for (int a = 0; a < n_arrays; a++)
            if (s[a][r - 1] != strides[a][i] * dims[i])
              merge = FALSE;
          if (merge)
            {
              d[r - 1] *= dims[i];
              for (int a = 0; a < n_arrays; a++)
                s[a][r - 1] = strides[a][i];
              continue;
            }
        }
      d[r] = dims[i];
      for (int a = 0; a < n_arrays; a++)
        s[a][r] = strides[a][i];
      r++;
    }
  if (r > MAX_AXES)
    return FALSE;
  for (int k = 0; k < MAX_AXES; k++)
    {
      int src = k - (MAX_AXES - r);
      out_dims[k] = src >= 0 ? (guint32) d[src] : 1;
      for (int a = 0; a < n_arrays; a++)
        out_strides[a][k] = src >= 0 ? (gint32) s[a][src] : 0;
    }
  return TRUE;
}

/* ---- element-wise ---------------------------------------------------- */

static gboolean
record_unary (Ctx *c, guint32 op)
{
  struct { guint32 n; Epilogue e; } p;
  guint32 spec[2] = { op, act_code (c->node) };
  int t[2] = { c->node->inputs[0], c->node->outputs[0] };
  guint32 groups[3];

  p.n = (guint32) cs_tensor_numel (OUT (c, 0));
  p.e = epilogue (c->node);
  grid_1d (p.n, 256, groups);
  return dispatch (c, "unary", spec, 2, t, 2, NULL, 0, &p, sizeof p, groups);
}

static gboolean
record_binary (Ctx *c, guint32 op)
{
  struct {
    guint32 n;
    guint32 dims[MAX_AXES];
    gint32 sa[MAX_AXES];
    gint32 sb[MAX_AXES];
    gint32 sc[MAX_AXES];
    Epilogue e;
  } p;
  /* Where's operands are (condition, x, y); the shader takes (x, y, condition). */
  gboolean where = op == BIN_WHERE;
  CsTensor *a = IN (c, where ? 1 : 0), *b = IN (c, where ? 2 : 1), *o = OUT (c, 0);
  CsTensor *cond = where ? IN (c, 0) : a;
  int64_t strides[3][CS_MAX_RANK];
  gint32 out_strides[3][MAX_AXES];
  guint32 spec[2] = { op, act_code (c->node) };
  int t[4] = { where ? c->node->inputs[1] : c->node->inputs[0], where ? c->node->inputs[2] : c->node->inputs[1],
               c->node->outputs[0], where ? c->node->inputs[0] : -1 };
  guint32 groups[3];

  if (c->node->op == CS_OP_PRELU)
    {
      /* The slope broadcasts to x unidirectionally. */
      int rank;
      int64_t dims[CS_MAX_RANK];
      if (!cs_broadcast_shape (a, b, &rank, dims) || !cs_tensor_same_shape (o, a))
        return refuse (c, "the slope does not broadcast to the input");
    }
  cs_broadcast_strides (a, o->rank, o->dims, strides[0]);
  cs_broadcast_strides (b, o->rank, o->dims, strides[1]);
  cs_broadcast_strides (cond, o->rank, o->dims, strides[2]);
  if (!collapse (o->rank, o->dims, 3, strides, p.dims, out_strides))
    return refuse (c, "broadcasting over more than six axes");
  memcpy (p.sa, out_strides[0], sizeof p.sa);
  memcpy (p.sb, out_strides[1], sizeof p.sb);
  memcpy (p.sc, where ? out_strides[2] : out_strides[0], sizeof p.sc);
  p.n = (guint32) cs_tensor_numel (o);
  p.e = epilogue (c->node);
  grid_1d (p.n, 256, groups);
  return dispatch (c, "binary", spec, 2, t, 4, NULL, 0, &p, sizeof p, groups);
}

/* ---- strided copies -------------------------------------------------- */

typedef struct {
  guint32 n;
  gint32 in_offset;
  gint32 out_offset;
  guint32 dims[MAX_AXES];
  gint32 in_strides[MAX_AXES];
  gint32 out_strides[MAX_AXES];
} CopyPush;

static gboolean
copy_strided (Ctx *c, int src, int dst, int rank, const int64_t *dims,
              const int64_t *in_strides, int64_t in_offset,
              const int64_t *out_strides, int64_t out_offset)
{
  CopyPush p;
  int64_t s[2][CS_MAX_RANK];
  gint32 cs[2][MAX_AXES];
  int t[2] = { src, dst };
  guint32 groups[3];
  guint64 n = 1;

  for (int i = 0; i < rank; i++)
    {
      s[0][i] = in_strides[i];
      s[1][i] = out_strides[i];
      n *= dims[i];
    }
  if (!collapse (rank, dims, 2, s, p.dims, cs))
    return refuse (c, "a copy over more than six axes");
  memcpy (p.in_strides, cs[0], sizeof p.in_strides);
  memcpy (p.out_strides, cs[1], sizeof p.out_strides);
  p.n = (guint32) n;
  p.in_offset = (gint32) in_offset;
  p.out_offset = (gint32) out_offset;
  grid_1d (n, 256, groups);
  return dispatch (c, "copy", NULL, 0, t, 2, NULL, 0, &p, sizeof p, groups);
}

static gboolean
record_transpose (Ctx *c)
{
  CsTensor *x = IN (c, 0), *o = OUT (c, 0);
  int n = 0;
  const int64_t *perm = cs_node_attr_ints (c->node, "perm", &n);
  int64_t xs[CS_MAX_RANK], is[CS_MAX_RANK], os[CS_MAX_RANK];

  contiguous_strides (x, xs);
  contiguous_strides (o, os);
  for (int i = 0; i < o->rank; i++)
    is[i] = xs[perm ? perm[i] : o->rank - 1 - i];
  return copy_strided (c, c->node->inputs[0], c->node->outputs[0], o->rank, o->dims, is, 0, os, 0);
}

static gboolean
record_slice (Ctx *c)
{
  CsTensor *x = IN (c, 0), *o = OUT (c, 0);
  int64_t starts[CS_MAX_RANK], steps[CS_MAX_RANK], dims[CS_MAX_RANK];
  int64_t xs[CS_MAX_RANK], is[CS_MAX_RANK], os[CS_MAX_RANK], off = 0;

  if (!cs_slice_params (c->g, c->node, starts, steps, dims, c->error))
    return FALSE;
  contiguous_strides (x, xs);
  contiguous_strides (o, os);
  for (int i = 0; i < x->rank; i++)
    {
      is[i] = xs[i] * steps[i];
      off += starts[i] * xs[i];
    }
  return copy_strided (c, c->node->inputs[0], c->node->outputs[0], o->rank, o->dims, is, off, os, 0);
}

static gboolean
record_concat (Ctx *c)
{
  CsTensor *o = OUT (c, 0);
  int axis = (int) cs_node_attr_int (c->node, "axis", 0);
  int64_t os[CS_MAX_RANK], pos = 0;

  if (axis < 0)
    axis += o->rank;
  contiguous_strides (o, os);
  for (int i = 0; i < c->node->n_inputs; i++)
    {
      CsTensor *x = IN (c, i);
      int64_t xs[CS_MAX_RANK];
      contiguous_strides (x, xs);
      if (cs_tensor_numel (x) > 0 &&
          !copy_strided (c, c->node->inputs[i], c->node->outputs[0], x->rank, x->dims, xs, 0, os, pos * os[axis]))
        return FALSE;
      pos += x->dims[axis];
    }
  return TRUE;
}

static gboolean
record_split (Ctx *c)
{
  CsTensor *x = IN (c, 0);
  int axis = (int) cs_node_attr_int (c->node, "axis", 0);
  int64_t xs[CS_MAX_RANK], pos = 0;

  if (axis < 0)
    axis += x->rank;
  contiguous_strides (x, xs);
  for (int i = 0; i < c->node->n_outputs; i++)
    {
      CsTensor *o = OUT (c, i);
      int64_t os[CS_MAX_RANK];
      if (o == NULL)
        continue;
      contiguous_strides (o, os);
      if (cs_tensor_numel (o) > 0 &&
          !copy_strided (c, c->node->inputs[0], c->node->outputs[i], o->rank, o->dims, xs, pos * xs[axis], os, 0))
        return FALSE;
      pos += o->dims[axis];
    }
  return TRUE;
}

/* Gather with indices known at load time: one slab copy per index. */
static gboolean
record_gather (Ctx *c)
{
  CsTensor *x = IN (c, 0), *idx = IN (c, 1);
  int axis = (int) cs_node_attr_int (c->node, "axis", 0);
  guint64 outer = 1, inner = 1, ni = cs_tensor_numel (idx);
  int64_t dims[3], is[3], os[3];

  if (axis < 0)
    axis += x->rank;
  for (int i = 0; i < axis; i++)
    outer *= x->dims[i];
  for (int i = axis + 1; i < x->rank; i++)
    inner *= x->dims[i];
  dims[0] = outer; dims[1] = 1; dims[2] = inner;
  is[0] = x->dims[axis] * inner; is[1] = 0; is[2] = 1;
  os[0] = ni * inner; os[1] = 0; os[2] = 1;
  for (guint64 j = 0; j < ni; j++)
    {
      int64_t v = ((int64_t *) idx->data)[j];
      if (v < 0)
        v += x->dims[axis];
      if (!copy_strided (c, c->node->inputs[0], c->node->outputs[0], 3, dims, is, v * inner, os, j * inner))
        return FALSE;
    }
  return TRUE;
}

static gboolean
record_expand (Ctx *c)
{
  CsTensor *x = IN (c, 0), *o = OUT (c, 0);
  int64_t is[CS_MAX_RANK], os[CS_MAX_RANK];

  cs_broadcast_strides (x, o->rank, o->dims, is);
  contiguous_strides (o, os);
  return copy_strided (c, c->node->inputs[0], c->node->outputs[0], o->rank, o->dims, is, 0, os, 0);
}

/* Tile as strided copies: each axis becomes a pair (repeat, size) that the
 * input walks with strides (0, its own) and the output with (size, 1) times
 * its own; the outermost pairs turn into separate dispatches when the rest
 * does not fit the copy shader's six axes. */
static gboolean
record_tile (Ctx *c)
{
  CsTensor *x = IN (c, 0), *o = OUT (c, 0);
  int64_t xs[CS_MAX_RANK], os[CS_MAX_RANK];
  int64_t dims[2 * CS_MAX_RANK], is[2 * CS_MAX_RANK], ost[2 * CS_MAX_RANK];
  int n = 2 * x->rank;

  contiguous_strides (x, xs);
  contiguous_strides (o, os);
  for (int i = 0; i < x->rank; i++)
    {
      dims[2 * i] = o->dims[i] / MAX (x->dims[i], 1);
      dims[2 * i + 1] = x->dims[i];
      is[2 * i] = 0;
      is[2 * i + 1] = xs[i];
      ost[2 * i] = x->dims[i] * os[i];
      ost[2 * i + 1] = os[i];
    }
  if (cs_tensor_numel (o) == 0)
    return TRUE;
  for (int k = 0; k < n; k++)
    {
      int64_t s[2][CS_MAX_RANK];
      guint32 cd[MAX_AXES];
      gint32 cst[2][MAX_AXES];
      guint64 outer = 1;

      if (n - k > CS_MAX_RANK)
        continue;
      for (int i = k; i < n; i++)
        {
          s[0][i - k] = is[i];
          s[1][i - k] = ost[i];
        }
      if (!collapse (n - k, dims + k, 2, s, cd, cst))
        continue;
      for (int i = 0; i < k; i++)
        outer *= (guint64) dims[i];
      for (guint64 b = 0; b < outer; b++)
        {
          guint64 rem = b;
          int64_t in_off = 0, out_off = 0;
          for (int i = k - 1; i >= 0; i--)
            {
              int64_t idx = (int64_t) (rem % (guint64) dims[i]);
              rem /= (guint64) dims[i];
              in_off += idx * is[i];
              out_off += idx * ost[i];
            }
          if (!copy_strided (c, c->node->inputs[0], c->node->outputs[0], n - k, dims + k,
                             is + k, in_off, ost + k, out_off))
            return FALSE;
        }
      return TRUE;
    }
  return refuse (c, "tiling over more axes than the engine copies");
}

static gboolean
record_depth_to_space (Ctx *c)
{
  CsTensor *x = IN (c, 0), *o = OUT (c, 0);
  int64_t b = cs_node_attr_int (c->node, "blocksize", 1);
  gboolean crd = g_strcmp0 (cs_node_attr_string (c->node, "mode", "DCR"), "CRD") == 0;
  int64_t N = x->dims[0], C = o->dims[1], H = x->dims[2], W = x->dims[3];
  /* The output viewed as [N, C, H, b, W, b]; the input as DCR [N, b, b, C, H, W]
   * or CRD [N, C, b, b, H, W]. */
  int64_t dims[6] = { N, C, H, b, W, b };
  int64_t os[6] = { C * H * b * W * b, H * b * W * b, b * W * b, W * b, b, 1 };
  int64_t is[6];
  int64_t sN = C * b * b * H * W, sHW = H * W;

  if (!crd)
    {
      /* view strides: b1 -> b*C*H*W, b2 -> C*H*W, C -> H*W */
      is[0] = sN; is[1] = sHW; is[2] = W; is[3] = b * C * sHW; is[4] = 1; is[5] = C * sHW;
    }
  else
    {
      /* view strides: C -> b*b*H*W, b1 -> b*H*W, b2 -> H*W */
      is[0] = sN; is[1] = b * b * sHW; is[2] = W; is[3] = b * sHW; is[4] = 1; is[5] = sHW;
    }
  return copy_strided (c, c->node->inputs[0], c->node->outputs[0], 6, dims, is, 0, os, 0);
}

static gboolean
record_pad (Ctx *c)
{
  struct {
    guint32 n;
    float value;
    guint32 out_dims[MAX_AXES];
    guint32 in_dims[MAX_AXES];
    gint32 pad_begin[MAX_AXES];
  } p;
  CsTensor *x = IN (c, 0), *o = OUT (c, 0);
  const char *mode = cs_node_attr_string (c->node, "mode", "constant");
  guint32 spec[1] = { strcmp (mode, "reflect") == 0 ? 1 : strcmp (mode, "edge") == 0 ? 2 : 0 };
  int t[2] = { c->node->inputs[0], c->node->outputs[0] };
  guint32 groups[3];
  int r = x->rank;

  if (r > MAX_AXES)
    return refuse (c, "padding more than six axes");
  p.value = 0.0f;
  if (IN (c, 1) != NULL)
    {
      CsTensor *v = IN (c, 2);
      if (v != NULL && cs_tensor_numel (v) > 0)
        p.value = v->dtype == CS_DTYPE_FLOAT ? ((float *) v->data)[0] : (float) ((int64_t *) v->data)[0];
    }
  else
    p.value = cs_node_attr_float (c->node, "value", 0.0f);
  for (int k = 0; k < MAX_AXES; k++)
    {
      int src = k - (MAX_AXES - r);
      p.out_dims[k] = src >= 0 ? (guint32) o->dims[src] : 1;
      p.in_dims[k] = src >= 0 ? (guint32) x->dims[src] : 1;
    }
  {
    int64_t pads[2 * CS_MAX_RANK] = { 0 };
    if (IN (c, 1) != NULL)
      {
        CsTensor *pt = IN (c, 1);
        for (int i = 0; i < 2 * r; i++)
          pads[i] = pt->dtype == CS_DTYPE_FLOAT ? (int64_t) ((float *) pt->data)[i] : ((int64_t *) pt->data)[i];
      }
    else
      {
        int n = 0;
        const int64_t *a = cs_node_attr_ints (c->node, "pads", &n);
        for (int i = 0; i < n && i < 2 * r; i++)
          pads[i] = a[i];
      }
    for (int k = 0; k < MAX_AXES; k++)
      {
        int src = k - (MAX_AXES - r);
        p.pad_begin[k] = src >= 0 ? (gint32) pads[src] : 0;
      }
  }
  p.n = (guint32) cs_tensor_numel (o);
  grid_1d (p.n, 256, groups);
  return dispatch (c, "pad", spec, 1, t, 2, NULL, 0, &p, sizeof p, groups);
}

/* ---- convolution ----------------------------------------------------- */

#define CONV_FAST_MAX_VECTORS 5
#define CONV_FAST_PX2 16

/* Whether conv_fast.comp runs this convolution, and with how many pixels an
 * invocation. */
static gboolean
conv_fast_ok (CsNetwork *net, CsGraph *g, CsNode *node, const CsSpatial *sp, guint32 *px)
{
  CsTensor *x = cs_graph_tensor (g, node->inputs[0]), *w = cs_graph_tensor (g, node->inputs[1]);

  *px = sp->k[1] <= 3 && sp->s[1] == 1 ? 16 : 8;
  return node->op == CS_OP_CONV && cs_node_attr_int (node, "group", 1) == 1 &&
         cs_device_get_shuffle_subgroup_size (cs_network_get_device (net)) == 8 &&
         (*px - 1) * sp->s[1] + (sp->k[1] - 1) * sp->d[1] + 1 <= 8 * CONV_FAST_MAX_VECTORS &&
         texels_fit (net, cs_tensor_numel (x)) && texels_fit (net, cs_tensor_numel (w));
}

static gboolean
deconv_fast_ok (CsNetwork *net, CsGraph *g, CsNode *node, const CsSpatial *sp)
{
  CsTensor *x = cs_graph_tensor (g, node->inputs[0]), *w = cs_graph_tensor (g, node->inputs[1]);

  return node->op == CS_OP_CONV_TRANSPOSE && cs_node_attr_int (node, "group", 1) == 1 &&
         sp->s[0] * sp->s[1] <= 16 &&
         cs_device_get_shuffle_subgroup_size (cs_network_get_device (net)) == 8 &&
         texels_fit (net, cs_tensor_numel (x)) && texels_fit (net, cs_tensor_numel (w));
}

/* Constant weights of kernels up to 4 wide are padded to 4 taps a row, so
 * that conv_fast fetches a whole kernel row as one texel. */
void
cs_ops_prepack_node (CsNetwork *net, guint index)
{
  CsGraph *g = cs_network_get_graph (net);
  CsNode *node = cs_graph_node (g, index);
  CsSpatial sp;
  guint32 px;
  CsTensor *w, *packed;
  int id;
  int64_t rows, kw;

  if ((node->op != CS_OP_CONV && node->op != CS_OP_CONV_TRANSPOSE) || node->n_inputs < 2)
    return;
  w = cs_graph_tensor (g, node->inputs[1]);
  if (w->data == NULL || w->dtype != CS_DTYPE_FLOAT || !cs_spatial_params (g, node, &sp, NULL) || sp.k[1] > 4)
    return;
  if (node->op == CS_OP_CONV ? !conv_fast_ok (net, g, node, &sp, &px) : !deconv_fast_ok (net, g, node, &sp))
    return;
  kw = sp.k[1];
  rows = cs_tensor_numel (w) / kw;
  id = cs_graph_add_tensor (g, NULL, CS_DTYPE_FLOAT);
  node = cs_graph_node (g, index);
  w = cs_graph_tensor (g, node->inputs[1]);
  packed = cs_graph_tensor (g, id);
  packed->rank = 2;
  packed->dims[0] = rows;
  packed->dims[1] = 4;
  packed->data = g_new0 (float, rows * 4);
  packed->variable = w->variable;
  node->packed_weights = id;
  cs_ops_repack_node (net, index);
}

void
cs_ops_repack_node (CsNetwork *net, guint index)
{
  CsGraph *g = cs_network_get_graph (net);
  CsNode *node = cs_graph_node (g, index);
  CsTensor *w = cs_graph_tensor (g, node->inputs[1]), *packed = cs_graph_tensor (g, node->packed_weights);
  int64_t rows = packed->dims[0], kw = rows > 0 ? (int64_t) cs_tensor_numel (w) / rows : 0;

  for (int64_t r = 0; r < rows; r++)
    for (int64_t k = 0; k < kw; k++)
      ((float *) packed->data)[r * 4 + k] = ((float *) w->data)[r * kw + k];
}

typedef struct {
  guint32 C, H, W;
  guint32 OC, OH, OW;
  gint32 pad_t, pad_l;
  guint32 icpg, ocpg;
  guint32 oc_blocks, ocb;
  Epilogue e;
} ConvPush;

#define CONV_OCB 4

static gboolean
record_conv (Ctx *c)
{
  CsTensor *x = IN (c, 0), *o = OUT (c, 0);
  gboolean transpose = c->node->op == CS_OP_CONV_TRANSPOSE;
  int64_t group = cs_node_attr_int (c->node, "group", 1);
  CsSpatial sp;
  ConvPush p;
  guint32 spec[9];
  int t[5] = { c->node->inputs[0], c->node->inputs[1],
               c->node->n_inputs > 2 ? c->node->inputs[2] : -1, c->node->fused_add, c->node->outputs[0] };
  guint32 groups[3];
  int64_t N = x->dims[0];
  guint32 px;

  if (!cs_spatial_params (c->g, c->node, &sp, c->error))
    return FALSE;
  p.C = (guint32) x->dims[1];
  p.H = (guint32) sp.in[0];
  p.W = (guint32) sp.in[1];
  p.OC = (guint32) o->dims[1];
  p.OH = (guint32) sp.out[0];
  p.OW = (guint32) sp.out[1];
  p.pad_t = (gint32) sp.pb[0];
  p.pad_l = (gint32) sp.pb[1];
  p.icpg = (guint32) (x->dims[1] / group);
  p.ocpg = (guint32) (o->dims[1] / group);
  /* A block of output channels must stay inside one group. */
  p.ocb = (p.ocpg % CONV_OCB == 0 || group == 1) ? CONV_OCB : 1;
  p.oc_blocks = (p.OC + p.ocb - 1) / p.ocb;
  p.e = epilogue (c->node);

  spec[0] = (guint32) sp.k[0];
  spec[1] = (guint32) sp.k[1];
  spec[2] = (guint32) sp.s[0];
  spec[3] = (guint32) sp.s[1];
  spec[4] = (guint32) sp.d[0];
  spec[5] = (guint32) sp.d[1];
  spec[6] = act_code (c->node);
  spec[7] = t[2] >= 0;
  spec[8] = t[3] >= 0;

  if (N * p.oc_blocks * (transpose ? sp.s[0] * sp.s[1] : 1) > 65535)
    return refuse (c, "too many images times output channels for one dispatch");
  /* On devices with 8-wide subgroups (SIMD CPU drivers), the shuffle
   * kernel: a workgroup is 8 output channels of px pixels. */
  if (!transpose && conv_fast_ok (c->net, c->g, c->node, &sp, &px))
    {
      guint32 fspec[12];
      gboolean packed = c->node->packed_weights >= 0;
      /* Two channels a lane halve the shuffles where there are channels
       * enough to fill both; the pixel block shrinks to keep registers. */
      guint32 ocpl = p.OC >= 16 && sp.k[1] <= 3 ? 2 : 1;
      if (ocpl == 2)
        px = sp.s[1] == 1 ? CONV_FAST_PX2 : 8;
      memcpy (fspec, spec, sizeof spec);
      fspec[9] = px;
      fspec[10] = packed;
      fspec[11] = ocpl;
      if (packed)
        t[1] = c->node->packed_weights;
      groups[0] = (p.OW + px - 1) / px;
      groups[1] = p.OH;
      groups[2] = (guint32) (N * ((p.OC + 8 * ocpl - 1) / (8 * ocpl)));
      return dispatch_full (c, "conv_fast", fspec, 12, t, 5, NULL, 0, 0x3, packed ? 0x2 : 0,
                            &p, sizeof p, groups);
    }
  if (transpose && deconv_fast_ok (c->net, c->g, c->node, &sp))
    {
      /* One dispatch per output phase; see deconv_fast.comp. */
      guint32 dspec[15];
      gboolean packed = c->node->packed_weights >= 0;
      memcpy (dspec, spec, sizeof spec);
      dspec[14] = packed;
      if (packed)
        t[1] = c->node->packed_weights;
      dspec[11] = (guint32) (gint32) sp.pb[0];
      dspec[12] = (guint32) (gint32) sp.pb[1];
      /* Within a phase the kernel is stride 1 and has about k / s taps. */
      dspec[13] = sp.k[1] <= 4 ? 16 : 8;
      for (int phase_y = 0; phase_y < sp.s[0]; phase_y++)
        for (int phase_x = 0; phase_x < sp.s[1]; phase_x++)
          {
            guint32 cols = (guint32) ((p.OW > (guint32) phase_x) ? (p.OW - phase_x + sp.s[1] - 1) / sp.s[1] : 0);
            guint32 rows = (guint32) ((p.OH > (guint32) phase_y) ? (p.OH - phase_y + sp.s[0] - 1) / sp.s[0] : 0);
            dspec[9] = phase_y;
            dspec[10] = phase_x;
            groups[0] = (cols + dspec[13] - 1) / dspec[13];
            groups[1] = rows;
            groups[2] = (guint32) (N * ((p.OC + 7) / 8));
            if (!dispatch_full (c, "deconv_fast", dspec, 15, t, 5, NULL, 0, 0x3, packed ? 0x2 : 0,
                                &p, sizeof p, groups))
              return FALSE;
          }
      return TRUE;
    }
  if (!transpose)
    {
      groups[0] = (p.OW + 63) / 64;
      groups[1] = p.OH;
      groups[2] = (guint32) (N * p.oc_blocks);
      return dispatch (c, "conv", spec, 9, t, 5, NULL, 0, &p, sizeof p, groups);
    }
  groups[0] = (guint32) (((p.OW + sp.s[1] - 1) / sp.s[1] + 63) / 64);
  groups[1] = (guint32) ((p.OH + sp.s[0] - 1) / sp.s[0]);
  groups[2] = (guint32) (N * p.oc_blocks * sp.s[0] * sp.s[1]);
  return dispatch (c, "deconv", spec, 9, t, 5, NULL, 0, &p, sizeof p, groups);
}

/* ---- normalization --------------------------------------------------- */

static gboolean
record_norm (Ctx *c)
{
  CsTensor *x = IN (c, 0), *o = OUT (c, 0);
  gboolean instance = c->node->op == CS_OP_INSTANCE_NORM;
  float eps = cs_node_attr_float (c->node, "epsilon", 1e-5f);
  guint64 N = x->dims[0], C = x->dims[1], plane = cs_tensor_numel (x) / MAX (N * C, 1);
  guint64 n_coef = instance ? N * C : C;
  CsBinding coef = cs_network_alloc_aux (c->net, n_coef * 2 * sizeof (float));
  guint32 groups[3];

  /* Four values per texel where planes allow it; arena tensors start
   * 16-byte aligned, and a residual shares the output's shape. */
  gboolean vec4 = plane % 4 == 0 && texels_fit (c->net, cs_tensor_numel (x) / 4);

  if (!texels_fit (c->net, cs_tensor_numel (x)) && !vec4)
    return refuse (c, "the tensor is larger than this device's texel buffers allow; use a smaller size");
  if (instance)
    {
      struct { guint32 plane_size, C; float eps; } p = { (guint32) plane, (guint32) C, eps };
      int t[4] = { c->node->inputs[0], c->node->inputs[1], c->node->inputs[2], -2 };
      groups[0] = (guint32) MIN (n_coef, 65535);
      groups[1] = (guint32) ((n_coef + 65534) / 65535);
      groups[2] = 1;
      if (n_coef % 65535 != 0 && n_coef > 65535)
        return refuse (c, "more than 65535 planes");
      guint32 vspec[1] = { vec4 };
      if (!dispatch_full (c, "norm_stats", vspec, 1, t, 4, &coef, 1, 0x1, vec4 ? 0x1 : 0, &p, sizeof p, groups))
        return FALSE;
    }
  else if (cs_node_attr_int (c->node, "training_mode", 0) != 0)
    {
      struct { guint32 N, C, plane_size; float eps, momentum; } p = {
        (guint32) N, (guint32) C, (guint32) plane, eps, cs_node_attr_float (c->node, "momentum", 0.9f)
      };
      int t[8] = { c->node->inputs[0], c->node->inputs[1], c->node->inputs[2], c->node->inputs[3],
                   c->node->inputs[4], -2,
                   c->node->n_outputs > 1 ? c->node->outputs[1] : -1,
                   c->node->n_outputs > 2 ? c->node->outputs[2] : -1 };
      if (C > 65535)
        return refuse (c, "more than 65535 channels");
      groups[0] = (guint32) C;
      groups[1] = groups[2] = 1;
      if (!dispatch (c, "bn_train", NULL, 0, t, 8, &coef, 1, &p, sizeof p, groups))
        return FALSE;
    }
  else
    {
      struct { guint32 C; float eps; } p = { (guint32) C, eps };
      int t[5] = { c->node->inputs[1], c->node->inputs[2], c->node->inputs[3], c->node->inputs[4], -2 };
      grid_1d (C, 64, groups);
      if (!dispatch (c, "bn_coef", NULL, 0, t, 5, &coef, 1, &p, sizeof p, groups))
        return FALSE;
    }
  {
    struct { guint32 n, plane_size, C; Epilogue e; } p;
    guint32 spec[4] = { act_code (c->node), c->node->fused_add >= 0, !instance, vec4 };
    int t[4] = { c->node->inputs[0], -2, c->node->fused_add, c->node->outputs[0] };
    p.n = (guint32) cs_tensor_numel (o);
    p.plane_size = (guint32) plane;
    p.C = (guint32) C;
    p.e = epilogue (c->node);
    grid_1d (vec4 ? p.n / 4 : p.n, 256, groups);
    return dispatch_full (c, "channel_affine", spec, 4, t, 4, &coef, 1, 0x5, vec4 ? 0x5 : 0,
                          &p, sizeof p, groups);
  }
}

/* ---- pooling, resizing, reductions, products ------------------------- */

static gboolean
record_pool (Ctx *c)
{
  CsTensor *x = IN (c, 0), *o = OUT (c, 0);
  struct {
    guint32 planes, H, W, OH, OW;
    guint32 KH, KW, SH, SW, DH, DW;
    gint32 pad_t, pad_l, pad_b, pad_r;
  } p;
  CsSpatial sp;
  gboolean avg = c->node->op == CS_OP_AVERAGE_POOL;
  int indices = c->node->n_outputs > 1 ? c->node->outputs[1] : -1;
  guint32 spec[4] = { avg, avg && cs_node_attr_int (c->node, "count_include_pad", 0) != 0, indices >= 0,
                      cs_node_attr_int (c->node, "storage_order", 0) != 0 };
  int t[3] = { c->node->inputs[0], c->node->outputs[0], indices };
  guint32 groups[3];

  if (!cs_spatial_params (c->g, c->node, &sp, c->error))
    return FALSE;
  p.planes = (guint32) (x->dims[0] * x->dims[1]);
  p.H = (guint32) sp.in[0]; p.W = (guint32) sp.in[1];
  p.OH = (guint32) sp.out[0]; p.OW = (guint32) sp.out[1];
  p.KH = (guint32) sp.k[0]; p.KW = (guint32) sp.k[1];
  p.SH = (guint32) sp.s[0]; p.SW = (guint32) sp.s[1];
  p.DH = (guint32) sp.d[0]; p.DW = (guint32) sp.d[1];
  p.pad_t = (gint32) sp.pb[0]; p.pad_l = (gint32) sp.pb[1];
  p.pad_b = (gint32) sp.pe[0]; p.pad_r = (gint32) sp.pe[1];
  grid_1d (cs_tensor_numel (o), 64, groups);
  if (indices >= 0 && cs_network_get_elem_size (c->net) != 4)
    return refuse (c, "MaxPool's Indices output needs fp32");
  return dispatch (c, "pool", spec, 4, t, 3, NULL, 0, &p, sizeof p, groups);
}

static gboolean
record_reduce_axes (Ctx *c, const gboolean *red, gboolean mean)
{
  CsTensor *x = IN (c, 0), *o = OUT (c, 0);
  struct {
    guint32 n_out, n_red;
    guint32 kdims[MAX_AXES], kstrides[MAX_AXES];
    guint32 rdims[MAX_AXES], rstrides[MAX_AXES];
    float scale;
  } p;
  int64_t xs[CS_MAX_RANK], kd[CS_MAX_RANK], ks[CS_MAX_RANK], rd[CS_MAX_RANK], rs[CS_MAX_RANK];
  int nk = 0, nr = 0;
  guint64 n_red = 1;
  int t[2] = { c->node->inputs[0], c->node->outputs[0] };
  guint32 groups[3];

  contiguous_strides (x, xs);
  for (int i = 0; i < x->rank; i++)
    {
      if (x->dims[i] == 1)
        continue;
      if (red[i])
        {
          rd[nr] = x->dims[i];
          rs[nr++] = xs[i];
          n_red *= x->dims[i];
        }
      else
        {
          kd[nk] = x->dims[i];
          ks[nk++] = xs[i];
        }
    }
  if (nk > MAX_AXES || nr > MAX_AXES)
    return refuse (c, "reducing over more than six axes");
  for (int k = 0; k < MAX_AXES; k++)
    {
      int a = k - (MAX_AXES - nk), b = k - (MAX_AXES - nr);
      p.kdims[k] = a >= 0 ? (guint32) kd[a] : 1;
      p.kstrides[k] = a >= 0 ? (guint32) ks[a] : 0;
      p.rdims[k] = b >= 0 ? (guint32) rd[b] : 1;
      p.rstrides[k] = b >= 0 ? (guint32) rs[b] : 0;
    }
  p.n_out = (guint32) cs_tensor_numel (o);
  p.n_red = (guint32) (cs_tensor_numel (x) == 0 ? 0 : n_red);
  p.scale = mean ? 1.0f / (float) MAX (n_red, 1) : 1.0f;
  grid_1d (p.n_out, 64, groups);
  return dispatch (c, "reduce", NULL, 0, t, 2, NULL, 0, &p, sizeof p, groups);
}

static gboolean
record_reduce (Ctx *c)
{
  CsTensor *x = IN (c, 0);
  gboolean red[CS_MAX_RANK] = { 0 };
  int n = 0;

  if (c->node->op == CS_OP_GLOBAL_AVERAGE_POOL)
    {
      for (int i = 2; i < x->rank; i++)
        red[i] = TRUE;
      return record_reduce_axes (c, red, TRUE);
    }
  {
    CsTensor *at = IN (c, 1);
    int64_t axes[CS_MAX_RANK];
    if (at != NULL)
      {
        n = (int) cs_tensor_numel (at);
        for (int i = 0; i < n; i++)
          axes[i] = ((int64_t *) at->data)[i];
      }
    else
      {
        const int64_t *a = cs_node_attr_ints (c->node, "axes", &n);
        for (int i = 0; i < n; i++)
          axes[i] = a[i];
      }
    for (int i = 0; i < n; i++)
      red[axes[i] < 0 ? axes[i] + x->rank : axes[i]] = TRUE;
    if (n == 0 && !cs_node_attr_int (c->node, "noop_with_empty_axes", 0))
      for (int i = 0; i < x->rank; i++)
        red[i] = TRUE;
  }
  return record_reduce_axes (c, red, c->node->op == CS_OP_REDUCE_MEAN);
}

static gboolean
record_resize (Ctx *c)
{
  CsTensor *x = IN (c, 0), *o = OUT (c, 0);
  struct {
    guint32 planes, H, W, OH, OW;
    float scale_y, scale_x, cubic_a;
    float roi_y0, roi_x0, roi_y1, roi_x1;
    float extrapolation;
  } p;
  const char *mode = cs_node_attr_string (c->node, "mode", "nearest");
  gboolean upsample = c->node->op == CS_OP_UPSAMPLE || c->g->opset < 11;
  const char *ctm = cs_node_attr_string (c->node, "coordinate_transformation_mode",
                                         upsample ? "asymmetric" : "half_pixel");
  const char *nm = cs_node_attr_string (c->node, "nearest_mode", upsample ? "floor" : "round_prefer_floor");
  guint32 spec[4];
  int t[2] = { c->node->inputs[0], c->node->outputs[0] };
  guint32 groups[3];
  int r = x->rank;
  CsTensor *scales = NULL;
  double sy, sx;

  if (c->node->op == CS_OP_UPSAMPLE || c->g->opset < 11)
    scales = c->node->n_inputs > 1 ? IN (c, 1) : NULL;
  else if (IN (c, 2) != NULL && cs_tensor_numel (IN (c, 2)) > 0)
    scales = IN (c, 2);
  if (scales != NULL && scales->data != NULL)
    {
      sy = scales->dtype == CS_DTYPE_FLOAT ? ((float *) scales->data)[r - 2] : 1;
      sx = scales->dtype == CS_DTYPE_FLOAT ? ((float *) scales->data)[r - 1] : 1;
    }
  else if (cs_node_attr (c->node, "scales") != NULL)
    {
      int n = 0;
      const float *s = cs_node_attr_floats (c->node, "scales", &n);
      sy = s[r - 2];
      sx = s[r - 1];
    }
  else
    {
      sy = (double) o->dims[r - 2] / x->dims[r - 2];
      sx = (double) o->dims[r - 1] / x->dims[r - 1];
    }
  spec[0] = strcmp (mode, "nearest") == 0 ? 0 : strcmp (mode, "cubic") == 0 ? 2 : 1;
  spec[1] = strcmp (ctm, "half_pixel") == 0 ? 0 : strcmp (ctm, "pytorch_half_pixel") == 0 ? 1 :
            strcmp (ctm, "align_corners") == 0 ? 2 : strcmp (ctm, "asymmetric") == 0 ? 3 :
            strcmp (ctm, "tf_crop_and_resize") == 0 ? 5 : 4;
  spec[2] = strcmp (nm, "round_prefer_floor") == 0 ? 0 : strcmp (nm, "round_prefer_ceil") == 0 ? 1 :
            strcmp (nm, "floor") == 0 ? 2 : strcmp (nm, "ceil") == 0 ? 3 : 99;
  spec[3] = cs_node_attr_int (c->node, "exclude_outside", 0) != 0;
  if (spec[2] == 99)
    return refuse (c, "unknown nearest_mode");
  p.planes = (guint32) (cs_tensor_numel (x) / (x->dims[r - 2] * x->dims[r - 1]));
  p.H = (guint32) x->dims[r - 2];
  p.W = (guint32) x->dims[r - 1];
  p.OH = (guint32) o->dims[r - 2];
  p.OW = (guint32) o->dims[r - 1];
  p.scale_y = (float) sy;
  p.scale_x = (float) sx;
  p.cubic_a = cs_node_attr_float (c->node, "cubic_coeff_a", -0.75f);
  p.extrapolation = cs_node_attr_float (c->node, "extrapolation_value", 0.0f);
  p.roi_y0 = p.roi_x0 = 0.0f;
  p.roi_y1 = p.roi_x1 = 1.0f;
  if (spec[1] == 5)
    {
      CsTensor *roi = IN (c, 1);
      const float *rv = roi->data;
      p.roi_y0 = rv[r - 2];
      p.roi_x0 = rv[r - 1];
      p.roi_y1 = rv[2 * r - 2];
      p.roi_x1 = rv[2 * r - 1];
    }
  grid_1d (cs_tensor_numel (o), 64, groups);
  return dispatch (c, "resize", spec, 4, t, 2, NULL, 0, &p, sizeof p, groups);
}

static gboolean
record_matmul (Ctx *c)
{
  CsTensor *a = IN (c, 0), *b = IN (c, 1), *o = OUT (c, 0);
  struct {
    guint32 M, N, K;
    guint32 a_rs, a_cs, b_rs, b_cs;
    guint32 c_rs, c_cs;
    guint32 bdims[3], a_bs[3], b_bs[3];
    float alpha, beta;
  } p = { 0 };
  gboolean gemm = c->node->op == CS_OP_GEMM;
  CsTensor *cin = gemm ? IN (c, 2) : NULL;
  guint32 spec[1] = { cin != NULL };
  int t[4] = { c->node->inputs[0], c->node->inputs[1], cin ? c->node->inputs[2] : -1, c->node->outputs[0] };
  guint32 groups[3];
  guint64 batch = 1;

  p.alpha = 1.0f;
  p.beta = 1.0f;
  for (int k = 0; k < 3; k++)
    p.bdims[k] = 1;
  if (gemm)
    {
      gboolean ta = cs_node_attr_int (c->node, "transA", 0), tb = cs_node_attr_int (c->node, "transB", 0);
      p.M = (guint32) o->dims[0];
      p.N = (guint32) o->dims[1];
      p.K = (guint32) a->dims[ta ? 0 : 1];
      p.a_rs = ta ? 1 : (guint32) a->dims[1];
      p.a_cs = ta ? (guint32) a->dims[1] : 1;
      p.b_rs = tb ? 1 : (guint32) b->dims[1];
      p.b_cs = tb ? (guint32) b->dims[1] : 1;
      p.alpha = cs_node_attr_float (c->node, "alpha", 1.0f);
      p.beta = cs_node_attr_float (c->node, "beta", 1.0f);
      if (cin != NULL)
        {
          int64_t cs[CS_MAX_RANK];
          cs_broadcast_strides (cin, 2, o->dims, cs);
          p.c_rs = (guint32) cs[0];
          p.c_cs = (guint32) cs[1];
        }
    }
  else
    {
      CsTensor ab = { 0 }, bb = { 0 };
      int ob_rank = 0;
      int64_t obd[CS_MAX_RANK], as_[CS_MAX_RANK], bs_[CS_MAX_RANK];
      int64_t a_mat = (a->rank >= 2 ? a->dims[a->rank - 2] : 1) * a->dims[a->rank - 1];
      int64_t b_mat = b->rank >= 2 ? b->dims[b->rank - 2] * b->dims[b->rank - 1] : b->dims[0];

      p.M = a->rank >= 2 ? (guint32) a->dims[a->rank - 2] : 1;
      p.K = (guint32) a->dims[a->rank - 1];
      p.N = b->rank >= 2 ? (guint32) b->dims[b->rank - 1] : 1;
      p.a_rs = p.K;
      p.a_cs = 1;
      p.b_rs = p.N;
      p.b_cs = 1;
      ab.rank = MAX (a->rank - 2, 0);
      memcpy (ab.dims, a->dims, ab.rank * sizeof (int64_t));
      bb.rank = MAX (b->rank - 2, 0);
      memcpy (bb.dims, b->dims, bb.rank * sizeof (int64_t));
      cs_broadcast_shape (&ab, &bb, &ob_rank, obd);
      if (ob_rank > 3)
        return refuse (c, "more than three batch axes");
      cs_broadcast_strides (&ab, ob_rank, obd, as_);
      cs_broadcast_strides (&bb, ob_rank, obd, bs_);
      for (int k = 0; k < ob_rank; k++)
        {
          int slot = k + (3 - ob_rank);
          p.bdims[slot] = (guint32) obd[k];
          p.a_bs[slot] = (guint32) (as_[k] * a_mat);
          p.b_bs[slot] = (guint32) (bs_[k] * b_mat);
          batch *= obd[k];
        }
    }
  groups[0] = (p.N + 7) / 8;
  groups[1] = (p.M + 7) / 8;
  groups[2] = (guint32) batch;
  return dispatch (c, "matmul", spec, 1, t, 4, NULL, 0, &p, sizeof p, groups);
}

gboolean
cs_ops_record_node (CsNetwork *net, guint index, GError **error)
{
  Ctx c = { net, cs_network_get_graph (net), NULL, (int) index, error };

  c.node = cs_graph_node (c.g, index);
  switch (c.node->op)
    {
    case CS_OP_CONV:
    case CS_OP_CONV_TRANSPOSE:
      return record_conv (&c);
    case CS_OP_INSTANCE_NORM:
    case CS_OP_BATCH_NORM:
      return record_norm (&c);
    case CS_OP_RELU: case CS_OP_LEAKY_RELU: case CS_OP_SIGMOID: case CS_OP_TANH:
    case CS_OP_CLIP: case CS_OP_IDENTITY: case CS_OP_CAST:
      return record_unary (&c, UN_COPY);
    case CS_OP_SQRT:
      return record_unary (&c, UN_SQRT);
    case CS_OP_RECIPROCAL:
      return record_unary (&c, UN_RECIPROCAL);
    case CS_OP_EXP:
      return record_unary (&c, UN_EXP);
    case CS_OP_NEG:
      return record_unary (&c, UN_NEG);
    case CS_OP_ABS:
      return record_unary (&c, UN_ABS);
    case CS_OP_TILE:
      return record_tile (&c);
    case CS_OP_ADD:
      return record_binary (&c, BIN_ADD);
    case CS_OP_SUB:
      return record_binary (&c, BIN_SUB);
    case CS_OP_MUL:
      return record_binary (&c, BIN_MUL);
    case CS_OP_DIV:
      return record_binary (&c, BIN_DIV);
    case CS_OP_POW:
      return record_binary (&c, BIN_POW);
    case CS_OP_PRELU:
      return record_binary (&c, BIN_PRELU);
    case CS_OP_WHERE:
      return record_binary (&c, BIN_WHERE);
    case CS_OP_GATHER:
      return record_gather (&c);
    case CS_OP_TRANSPOSE:
      return record_transpose (&c);
    case CS_OP_SLICE:
      return record_slice (&c);
    case CS_OP_CONCAT:
      return record_concat (&c);
    case CS_OP_SPLIT:
      return record_split (&c);
    case CS_OP_EXPAND:
      return record_expand (&c);
    case CS_OP_DEPTH_TO_SPACE:
      return record_depth_to_space (&c);
    case CS_OP_PAD:
      return record_pad (&c);
    case CS_OP_MAX_POOL:
    case CS_OP_AVERAGE_POOL:
      return record_pool (&c);
    case CS_OP_GLOBAL_AVERAGE_POOL:
    case CS_OP_REDUCE_MEAN:
    case CS_OP_REDUCE_SUM:
      return record_reduce (&c);
    case CS_OP_RESIZE:
    case CS_OP_UPSAMPLE:
      return record_resize (&c);
    case CS_OP_MATMUL:
    case CS_OP_GEMM:
      return record_matmul (&c);
    default:
      return refuse (&c, "this operator cannot run on run-time values");
    }
}

double
cs_ops_node_flops (CsGraph *g, const CsNode *node)
{
  CsTensor *o = cs_graph_tensor (g, node->outputs[0]);
  CsTensor *x = node->n_inputs > 0 ? cs_graph_tensor (g, node->inputs[0]) : NULL;
  CsTensor *w = node->n_inputs > 1 ? cs_graph_tensor (g, node->inputs[1]) : NULL;
  double k = 1;

  if (o == NULL || o->rank < 0 || node->dead)
    return 0;
  switch (node->op)
    {
    case CS_OP_CONV:
      for (int i = 1; i < w->rank; i++)
        k *= w->dims[i];
      return 2.0 * cs_tensor_numel (o) * k;
    case CS_OP_CONV_TRANSPOSE:
      for (int i = 1; i < w->rank; i++)
        k *= w->dims[i];
      return 2.0 * cs_tensor_numel (x) * k;
    case CS_OP_MATMUL:
    case CS_OP_GEMM:
      return 2.0 * cs_tensor_numel (o) * (node->op == CS_OP_GEMM && cs_node_attr_int (node, "transA", 0) ?
                                         x->dims[0] : x->dims[x->rank - 1]);
    default:
      return (double) cs_tensor_numel (o);
    }
}
