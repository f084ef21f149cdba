/* cs-network-private.h: what cs-ops.c needs of a network being prepared. */
#pragma once

#include "cs-network.h"

G_BEGIN_DECLS

#define CS_MAX_BINDINGS 8
#define CS_MAX_PUSH 128

/* A storage-buffer range; buffer VK_NULL_HANDLE means the aux buffer. */
typedef struct {
  VkBuffer     buffer;
  VkDeviceSize offset;
  VkDeviceSize range;
} CsBinding;

typedef struct {
  int               node;
  const CsPipeline *pipeline;
  VkDescriptorSet   set;
  guint             n_bindings;
  CsBinding         bindings[CS_MAX_BINDINGS];
  guint             push_size;
  guint8            push[CS_MAX_PUSH];
  guint32           groups[3];
  guint32           texel_mask;  /* bindings read as uniform texel buffers */
  guint32           texel4_mask; /* of those, the ones read as 4-component texels */
} CsDispatch;

CsGraph   *cs_network_get_graph      (CsNetwork *self);
guint      cs_network_get_elem_size  (CsNetwork *self);
/* Where tensor `id` lives on the device; -1 gives a zeroed dummy range. */
CsBinding  cs_network_bind_tensor    (CsNetwork *self, int id);
/* Scratch space in the aux buffer, always fp32 (normalization coefficients). */
CsBinding  cs_network_alloc_aux      (CsNetwork *self, guint64 bytes);
void       cs_network_add_dispatch   (CsNetwork *self, const CsDispatch *d);

/* Before constants are uploaded: lets a node add constants laid out for its
 * kernel (such as convolution weights padded for four-wide fetches). */
void       cs_ops_prepack_node       (CsNetwork *self, guint index);
/* Lays out again the packed weights of node `index` after its weights (a
 * variable constant) changed. */
void       cs_ops_repack_node        (CsNetwork *self, guint index);
/* Turns live node `index` into dispatches. */
gboolean   cs_ops_record_node        (CsNetwork *self, guint index, GError **error);
double     cs_ops_node_flops         (CsGraph *g, const CsNode *node);

G_END_DECLS
