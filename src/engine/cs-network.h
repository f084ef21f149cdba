/* cs-network.h: a model prepared to run on a device.
 *
 * Load a model, give the sizes of its inputs, prepare it (shape inference,
 * folding, fusion, memory plan, pipelines, weight upload, and one command
 * buffer for the whole network), then set inputs, run and read outputs as
 * often as needed. Preparing again with other sizes is allowed.
 */
#pragma once

#include <gio/gio.h>

#include "cs-device.h"
#include "cs-graph.h"

G_BEGIN_DECLS

typedef struct {
  char   *name;   /* the node's name, or its operator's */
  CsOp    op;
  double  ms;     /* GPU time of the last run, from timestamp queries */
  double  flops;  /* multiply-adds count as two */
} CsOpTiming;

#define CS_TYPE_NETWORK (cs_network_get_type ())
G_DECLARE_FINAL_TYPE (CsNetwork, cs_network, CS, NETWORK, GObject)

/* Reads and checks a model; nothing is allocated on the device yet. */
CsNetwork    *cs_network_new_from_file     (CsDevice     *device,
                                            const char   *path,
                                            GError      **error);
/* base_dir: where external data may be read from, or NULL for none. */
CsNetwork    *cs_network_new_from_bytes    (CsDevice     *device,
                                            GBytes       *model,
                                            const char   *base_dir,
                                            GError      **error);

CsDevice     *cs_network_get_device        (CsNetwork    *self);
guint         cs_network_get_n_inputs      (CsNetwork    *self);
const char   *cs_network_get_input_name    (CsNetwork    *self,
                                            guint         index);
/* The declared shape; -1 marks a size left free. Returns the rank. */
int           cs_network_get_input_dims    (CsNetwork    *self,
                                            guint         index,
                                            int64_t      *dims);
guint         cs_network_get_n_outputs     (CsNetwork    *self);
const char   *cs_network_get_output_name   (CsNetwork    *self,
                                            guint         index);

/* Fixes an input's size for the next prepare. */
gboolean      cs_network_set_input_shape   (CsNetwork    *self,
                                            const char   *name,
                                            int           rank,
                                            const int64_t *dims,
                                            GError      **error);
/* Binds an input to a value known at load time (a shape, an index, a
 * style code): it is folded into the network like a weight. data is float
 * for CS_DTYPE_FLOAT, int64_t otherwise; it is copied. */
gboolean      cs_network_bind_constant     (CsNetwork    *self,
                                            const char   *name,
                                            CsDType       dtype,
                                            int           rank,
                                            const int64_t *dims,
                                            const void   *data,
                                            GError      **error);

/* Plans the network for its input shapes and bound constants and records
 * it. Prepared again after only float constants were bound to new values of
 * the same shape (a new degree, a new style code), it recomputes what those
 * values feed and rewrites just that on the device, keeping the plan: a
 * degree change costs microseconds of host work, not a new plan. */
gboolean      cs_network_prepare           (CsNetwork    *self,
                                            CsPrecision   precision,
                                            GError      **error);
gboolean      cs_network_is_prepared       (CsNetwork    *self);
CsPrecision   cs_network_get_precision     (CsNetwork    *self);
/* After prepare: the shape of output `index`; returns the rank. */
int           cs_network_get_output_dims   (CsNetwork    *self,
                                            guint         index,
                                            int64_t      *dims);
guint64       cs_network_get_output_numel  (CsNetwork    *self,
                                            guint         index);

/* n must be the input's element count. */
gboolean      cs_network_set_input         (CsNetwork    *self,
                                            const char   *name,
                                            const float  *data,
                                            gsize         n,
                                            GError      **error);
gboolean      cs_network_run               (CsNetwork    *self,
                                            GCancellable *cancellable,
                                            GError      **error);
gboolean      cs_network_get_output        (CsNetwork    *self,
                                            guint         index,
                                            float        *data,
                                            gsize         n,
                                            GError      **error);

typedef enum {
  CS_STAGE_BEFORE, /* fills network inputs */
  CS_STAGE_AFTER,  /* reads network outputs (and inputs) */
} CsStageWhen;

/* Records a shader of the caller's into the network's own command buffer,
 * before or after the network, so that converting a frame in and out costs
 * no extra submission and no extra trip through host memory. The shader's
 * bindings are `buffers` (whole buffers the caller owns, such as host-visible
 * frame planes), then the network tensors named in `tensors` (inputs and
 * outputs, by name; NULL-terminated). An input written by a BEFORE stage is
 * no longer set with cs_network_set_input; an input an AFTER stage reads is
 * kept intact until the end. Stages apply from the next prepare on. */
gboolean      cs_network_add_stage         (CsNetwork    *self,
                                            CsStageWhen   when,
                                            const char   *shader,
                                            const guint32 *spec,
                                            guint         n_spec,
                                            CsBuffer *const *buffers,
                                            guint         n_buffers,
                                            const char *const *tensors,
                                            const void   *push,
                                            guint         push_size,
                                            const guint32 *groups,
                                            GError      **error);
void          cs_network_clear_stages      (CsNetwork    *self);

/* Per-operator GPU time of the last run (CsOpTiming), in network order. */
GArray       *cs_network_get_timings       (CsNetwork    *self);
/* Floating-point operations of one run. */
double        cs_network_get_flops         (CsNetwork    *self);
/* Device memory held for this network: activations, weights, staging. */
guint64       cs_network_get_device_memory (CsNetwork    *self);
/* Operators left to run after folding and fusion, and dispatches recorded. */
guint         cs_network_get_n_live_nodes  (CsNetwork    *self);
guint         cs_network_get_n_dispatches  (CsNetwork    *self);
/* How many times preparing planned the network from scratch (a refresh of
 * new constant values does not count). */
guint         cs_network_get_n_plans       (CsNetwork    *self);

G_END_DECLS
