/* cs-graph.h: the engine's graph IR.
 *
 * A graph is a flat array of nodes, each an operator and the tensors it reads
 * and writes (as in ggml): loading, shape inference, folding, fusion and memory
 * planning are passes over that array, and execution is a loop over it.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

#define CS_MAX_RANK 8
#define CS_MAX_NODE_INPUTS 64 /* Concat of one code per StyleGAN layer needs 18 */
#define CS_MAX_NODE_OUTPUTS 16

#define CS_ENGINE_ERROR (cs_engine_error_quark ())
GQuark cs_engine_error_quark (void);

typedef enum {
  CS_ENGINE_ERROR_NO_DEVICE,     /* no usable Vulkan device */
  CS_ENGINE_ERROR_DEVICE,        /* the device failed (out of memory, lost) */
  CS_ENGINE_ERROR_INVALID_MODEL, /* the file is not a well-formed model */
  CS_ENGINE_ERROR_UNSUPPORTED,   /* a valid model uses what the engine does not run */
  CS_ENGINE_ERROR_SHAPE,         /* shapes do not fit, or are too large */
  CS_ENGINE_ERROR_INVALID_ARGUMENT,
  CS_ENGINE_ERROR_CANCELLED,
} CsEngineError;

typedef enum {
  CS_DTYPE_FLOAT, /* runs on the device; float32 or float16 there */
  CS_DTYPE_INT64, /* shape arithmetic; host only, folded at load time */
  CS_DTYPE_BOOL,  /* host only; stored as int64 0/1 */
} CsDType;

/* Operators. Keep in sync with cs_op_names[] in cs-graph.c. */
typedef enum {
  CS_OP_CONV,
  CS_OP_CONV_TRANSPOSE,
  CS_OP_INSTANCE_NORM,
  CS_OP_BATCH_NORM,
  CS_OP_RELU,
  CS_OP_LEAKY_RELU,
  CS_OP_PRELU,
  CS_OP_SIGMOID,
  CS_OP_TANH,
  CS_OP_CLIP,
  CS_OP_ADD,
  CS_OP_SUB,
  CS_OP_MUL,
  CS_OP_DIV,
  CS_OP_POW,
  CS_OP_SQRT,
  CS_OP_CONCAT,
  CS_OP_PAD,
  CS_OP_RESIZE,
  CS_OP_UPSAMPLE,
  CS_OP_DEPTH_TO_SPACE,
  CS_OP_MAX_POOL,
  CS_OP_AVERAGE_POOL,
  CS_OP_GLOBAL_AVERAGE_POOL,
  CS_OP_MATMUL,
  CS_OP_GEMM,
  CS_OP_RESHAPE,
  CS_OP_TRANSPOSE,
  CS_OP_FLATTEN,
  CS_OP_SQUEEZE,
  CS_OP_UNSQUEEZE,
  CS_OP_SLICE,
  CS_OP_SPLIT,
  CS_OP_REDUCE_MEAN,
  CS_OP_REDUCE_SUM,
  CS_OP_RECIPROCAL,
  CS_OP_EXP,
  CS_OP_NEG,
  CS_OP_EXPAND,
  CS_OP_CONSTANT,
  CS_OP_IDENTITY,
  CS_OP_ABS,
  CS_OP_TILE,
  /* shape arithmetic: folded at load time, never run on the device */
  CS_OP_SHAPE,
  CS_OP_GATHER,
  CS_OP_CAST,
  CS_OP_CONSTANT_OF_SHAPE,
  CS_OP_RANGE,
  CS_OP_EQUAL,
  CS_OP_WHERE,
  CS_N_OPS
} CsOp;

/* Activation fused into the node that produces a tensor. */
typedef enum {
  CS_ACT_NONE = 0,
  CS_ACT_RELU,
  CS_ACT_LEAKY_RELU, /* alpha */
  CS_ACT_CLIP,       /* alpha = min, beta = max */
  CS_ACT_SIGMOID,
  CS_ACT_TANH,
  CS_ACT_TANH_AFFINE, /* tanh(x) * alpha + beta */
} CsAct;

typedef enum {
  CS_ATTR_INT,
  CS_ATTR_FLOAT,
  CS_ATTR_STRING,
  CS_ATTR_INTS,
  CS_ATTR_FLOATS,
  CS_ATTR_TENSOR,
} CsAttrType;

typedef struct {
  char       *name;
  CsAttrType  type;
  int64_t     i;
  float       f;
  char       *s;
  int64_t    *ints;
  float      *floats;
  int         n;      /* number of ints or floats */
  int         tensor; /* CS_ATTR_TENSOR: a constant tensor's id in the graph */
} CsAttr;

typedef struct {
  char    *name;
  CsDType  dtype;
  int      rank;      /* -1 while unknown */
  int64_t  dims[CS_MAX_RANK];
  /* Constant data (initializers, folded values): float or int64_t, owned. */
  void    *data;
  gboolean is_input;  /* a graph input bound at run time */
  gboolean is_output;
  gboolean keep_alive; /* read after the network (by a stage): never reused */
  /* Constant data that depends on an input bound with
   * cs_network_bind_constant (a style code, a degree): its value may change
   * without the graph changing, so nothing bakes it into a plan. */
  gboolean variable;
  gboolean dirty;     /* variable and changed since the device last saw it */
  int      producer;  /* node id, -1 for inputs and initializers */
  /* Filled in by planning. */
  int      last_use;  /* last node id reading it */
  guint64  offset;    /* bytes into the activation arena */
  guint64  bytes;
  gboolean alias_of_input; /* shares storage with another tensor (reshape) */
  int      alias;     /* tensor whose storage it shares, -1 if none */
} CsTensor;

typedef struct {
  CsOp     op;
  char    *name;
  int      n_inputs;
  int      inputs[CS_MAX_NODE_INPUTS];   /* tensor ids; -1 for an absent optional input */
  int      n_outputs;
  int      outputs[CS_MAX_NODE_OUTPUTS];
  CsAttr  *attrs;
  int      n_attrs;
  /* Set by fusion: the epilogue applied to the output is
   * clamp (act (v + fused_add) * post_mul + post_add, clip_lo, clip_hi). */
  CsAct    act;
  float    act_alpha;
  float    act_beta;
  float    post_mul;
  float    post_add;
  float    clip_lo;
  float    clip_hi;
  int      fused_add;  /* tensor added to the output before the activation, -1 if none */
  int      packed_weights; /* constant weights laid out for the kernel, -1 if none */
  gboolean dead;       /* folded or fused away */
  gboolean absorbed;   /* fused away with its constants kept in CsDerived ones */
} CsNode;

/* A per-channel constant that fusion made out of others (a bias with an
 * Add folded in, an instance norm's scale and bias with a Mul folded in):
 * out[c] = a[c] op b[c]. Kept so that new values of a variable input can
 * make it again without a new plan. */
typedef struct {
  CsOp op;    /* CS_OP_ADD or CS_OP_MUL */
  int  a;     /* C values, or -1: zeros for ADD, ones for MUL */
  int  b;     /* C values */
  int  out;
} CsDerived;

typedef struct {
  GPtrArray  *tensors;  /* CsTensor* */
  GArray     *nodes;    /* CsNode */
  GArray     *inputs;   /* int tensor ids, in the model's order */
  GArray     *outputs;  /* int tensor ids */
  GHashTable *by_name;  /* tensor name -> GINT_TO_POINTER (id + 1) */
  int         opset;
  GArray     *derived;  /* CsDerived, in the order fusion made them */
} CsGraph;

CsGraph    *cs_graph_new              (void);
void        cs_graph_free             (CsGraph *graph);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsGraph, cs_graph_free)

/* Looks a tensor up by name, -1 if there is none. */
int         cs_graph_find_tensor      (CsGraph *graph, const char *name);
/* Adds a tensor with no shape, no data; returns its id. */
int         cs_graph_add_tensor       (CsGraph *graph, const char *name, CsDType dtype);
/* Adds a node (copied, attrs taken); returns its id. */
int         cs_graph_add_node         (CsGraph *graph, const CsNode *node);

static inline CsTensor *
cs_graph_tensor (CsGraph *graph, int id)
{
  return id < 0 ? NULL : g_ptr_array_index (graph->tensors, id);
}

static inline CsNode *
cs_graph_node (CsGraph *graph, int id)
{
  return &g_array_index (graph->nodes, CsNode, id);
}

const char *cs_op_name                (CsOp op);
/* Maps an ONNX op_type to ours; FALSE if the engine does not run it. */
gboolean    cs_op_from_onnx           (const char *op_type, CsOp *op);

guint64     cs_tensor_numel           (const CsTensor *t);
/* "1x3x256x256" for messages. */
char       *cs_tensor_shape_string    (const CsTensor *t);
gboolean    cs_tensor_same_shape      (const CsTensor *a, const CsTensor *b);

const CsAttr *cs_node_attr            (const CsNode *node, const char *name);
int64_t     cs_node_attr_int          (const CsNode *node, const char *name, int64_t fallback);
float       cs_node_attr_float        (const CsNode *node, const char *name, float fallback);
const char *cs_node_attr_string       (const CsNode *node, const char *name, const char *fallback);
/* The ints of an INTS attribute, or NULL (n set to 0). */
const int64_t *cs_node_attr_ints      (const CsNode *node, const char *name, int *n);
const float   *cs_node_attr_floats    (const CsNode *node, const char *name, int *n);

/* Shape inference and constant folding for fixed input shapes: every tensor
 * gets a shape, every node whose inputs are all constant is evaluated on the
 * host and marked dead. Refuses, naming the node, what it cannot run. */
gboolean    cs_graph_infer            (CsGraph *graph, GError **error);

/* After the data of variable tensors marked dirty changed: evaluates again
 * every folded node that reads one, marking its outputs dirty in turn. */
gboolean    cs_graph_refold           (CsGraph *graph, GError **error);

/* Resets every node's epilogue to the identity. */
void        cs_graph_reset_epilogues  (CsGraph *graph);

/* Fuses residual adds, activations and scalar affine maps into the node that
 * produces their input; folds per-channel adds into convolution biases and
 * per-channel affine maps into instance normalizations (see CsDerived). */
void        cs_graph_fuse             (CsGraph *graph);

/* After cs_graph_refold: makes again every derived constant that reads a
 * dirty tensor, marking it dirty in turn. */
void        cs_graph_rederive         (CsGraph *graph);

/* Assigns every device tensor an offset in one arena, reusing the memory of
 * tensors that are no longer read. Returns the arena's size in bytes. */
guint64     cs_graph_plan_memory      (CsGraph *graph, guint elem_size, guint64 alignment);

G_END_DECLS
