/* cs-infer-private.h: shape helpers shared by inference and execution. */
#pragma once

#include "cs-graph.h"

G_BEGIN_DECLS

/* Spatial parameters of a 1-D or 2-D convolution or pooling, always as 2-D:
 * a 1-D operation has height 1 (index 0), its axis is index 1. */
typedef struct {
  int     nsp;               /* spatial axes in the model: 1 or 2 */
  int64_t k[2], s[2], d[2];  /* kernel, stride, dilation */
  int64_t pb[2], pe[2];      /* pads at the beginning and the end */
  int64_t in[2], out[2];
} CsSpatial;

gboolean cs_spatial_params    (CsGraph *g, CsNode *node, CsSpatial *sp, GError **error);
gboolean cs_slice_params      (CsGraph *g, CsNode *node, int64_t *starts, int64_t *steps,
                               int64_t *dims, GError **error);
gboolean cs_broadcast_shape   (const CsTensor *a, const CsTensor *b, int *rank, int64_t *dims);
void     cs_broadcast_strides (const CsTensor *t, int rank, const int64_t *dims, int64_t *strides);

G_END_DECLS

G_BEGIN_DECLS
/* A live node that only renames its input's shape (Reshape, Flatten, ...):
 * its output shares the input's memory and it runs nothing. */
gboolean cs_node_is_view      (CsGraph *g, const CsNode *n);
G_END_DECLS
