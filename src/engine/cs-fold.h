/* cs-fold.h: host evaluation of float nodes whose inputs are all known at
 * load time (weights, and inputs bound with cs_network_bind_constant). */
#pragma once

#include "cs-graph.h"

G_BEGIN_DECLS

/* Computes node's output on the host and marks the node dead when every
 * input is constant and the operator is one it evaluates; FALSE otherwise
 * (the node then runs on the device). The output's shape must be inferred. */
gboolean cs_fold_node  (CsGraph *g, CsNode *node);

/* Shape inference for Tile (repeats known at load time); folds it when its
 * input is constant. */
gboolean cs_infer_tile (CsGraph *g, CsNode *node, GError **error);

G_END_DECLS
