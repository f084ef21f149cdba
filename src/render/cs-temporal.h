/* cs-temporal.h: temporal stabilization of a network's output on the GPU
 *
 * A network applied frame by frame flickers: textures crawl and colours
 * pump where nothing moves. The temporal pass, recorded after the network in
 * its own command buffer (see cs_network_add_stage()), computes optical flow
 * between the previous and the current input frame at a reduced size
 * (coarse-to-fine Lucas–Kanade, both directions), keeps where the two
 * directions agree and the input did not change much, warps the previous
 * stabilized output along the flow and mixes it into the network's output,
 * in place, by a weight that grows with the stability, falls with the
 * confidence, and falls where the output changed much against its own local
 * contrast (a style that repaints whole strokes keeps its structure, one
 * that only shimmers is steadied fully). It resets by itself at scene cuts,
 * detected on the input, and on request (a seek, a hard cut between
 * segments). Stability 0, or no previous frame, leaves the network's output
 * bit for bit as it was.
 *
 * The pass owns its device buffers: two slots (previous and current) of the
 * reduced luma pyramid and of the stabilized RGB frame, the flow, the
 * confidence and the output's local contrast. Not thread-safe; one pass
 * per network.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cs-engine.h"

G_BEGIN_DECLS

/* The stability a new segment gets, and celshade-render's: at it the warping
 * error of every measured clip and style is at most half the unstabilized
 * one (tests/quality/). */
#define CS_DEFAULT_STABILITY 0.5

#define CS_TYPE_TEMPORAL_PASS (cs_temporal_pass_get_type ())
G_DECLARE_FINAL_TYPE (CsTemporalPass, cs_temporal_pass, CS, TEMPORAL_PASS, GObject)

/* A pass for RGB tensors of tensor_width x tensor_height whose top-left
 * frame_width x frame_height pixels are the picture (the rest repeats its
 * edge and is never warped from). Allocates the pass's buffers. */
CsTemporalPass *cs_temporal_pass_new          (CsDevice        *device,
                                               int              tensor_width,
                                               int              tensor_height,
                                               int              frame_width,
                                               int              frame_height,
                                               GError         **error);
/* Records the pass as AFTER stages of network: it reads input_name (the
 * network's RGB 0..255 input, 1x3xHxW) and stabilizes output_name (its RGB
 * output, same shape) in place. Stages recorded afterwards see the
 * stabilized output. Applies from the network's next prepare. */
gboolean        cs_temporal_pass_add_stages   (CsTemporalPass  *self,
                                               CsNetwork       *network,
                                               const char      *input_name,
                                               const char      *output_name,
                                               GError         **error);

/* The GPU time of one frame of the pass alone (timestamps around its
 * dispatches, recorded in a command buffer of their own on buffers standing
 * for the network's tensors, on a moving test pattern, at stability
 * CS_DEFAULT_STABILITY), the median of runs, in ms. Forgets the history. */
gboolean        cs_temporal_pass_time         (CsTemporalPass  *self,
                                               CsPrecision      precision,
                                               guint            runs,
                                               double          *ms,
                                               GError         **error);

/* 0 (off, the default) to 1. */
void            cs_temporal_pass_set_stability (CsTemporalPass *self,
                                               double           stability);
double          cs_temporal_pass_get_stability (CsTemporalPass *self);
/* Forgets the previous frame: the next frame is not stabilized and starts
 * the history anew. */
void            cs_temporal_pass_reset        (CsTemporalPass  *self);
/* Whether the next frame will be mixed with a previous one (a frame ran
 * since the last reset). */
gboolean        cs_temporal_pass_has_history  (CsTemporalPass  *self);

/* Around each run of the network: begin writes the frame's parameters; end,
 * after a successful run, makes this frame the previous one. After a failed
 * run, reset instead. */
void            cs_temporal_pass_begin_frame  (CsTemporalPass  *self);
void            cs_temporal_pass_end_frame    (CsTemporalPass  *self);

/* Of the last frame run with a previous one and stability above 0: whether
 * it was taken for a scene cut, the mean absolute change of its reduced luma
 * (0..255) and the share of pixels whose flow was unsure. */
gboolean        cs_temporal_pass_get_last_cut (CsTemporalPass  *self,
                                               double          *mean_change,
                                               double          *unsure);
/* The reduction factor from tensor pixels to flow pixels, and the size of
 * the flow field. */
int             cs_temporal_pass_get_factor   (CsTemporalPass  *self,
                                               int             *flow_width,
                                               int             *flow_height);
/* The last frame's backward flow (where each pixel of the current frame was
 * in the previous one), at the flow size, as x, y pairs in tensor pixels.
 * Fails when the device keeps the flow out of the host's reach. */
gboolean        cs_temporal_pass_read_flow    (CsTemporalPass  *self,
                                               float           *xy,
                                               gsize            n,
                                               GError         **error);

G_END_DECLS
