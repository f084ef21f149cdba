/* cs-video-styler.h: YUV frames through a style's network on the GPU
 *
 * One submission a frame: the frame's planes, copied as they are into a
 * host-visible buffer, become the network's RGB input in a shader recorded
 * before the network (yuv_to_rgb.comp); a shader recorded after it
 * (rgb_to_yuv.comp) blends the network's output with its input by the style
 * degree and writes the planes of the output pixel format into another
 * host-visible buffer. Frames cross between host and device memory once each
 * way. The network runs at the frame's size rounded up to the style's size
 * multiple; the extra border repeats the frame's edge and is cropped away.
 * With a stability above 0, a temporal pass between the network and the
 * degree blend mixes in the previous frame's stabilized output, warped by the
 * input's motion (see cs-temporal.h): runs must then come in frame order,
 * and a seek or a hard cut needs cs_video_styler_reset_history().
 * Not thread-safe: use one styler per thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <libavutil/frame.h>

#include "cs-engine.h"
#include "cs-style.h"
#include "cs-temporal.h"
#include "cs-yuv.h"

G_BEGIN_DECLS

#define CS_TYPE_VIDEO_STYLER (cs_video_styler_get_type ())
G_DECLARE_FINAL_TYPE (CsVideoStyler, cs_video_styler, CS, VIDEO_STYLER, GObject)

/* Loads style's network on device. A NULL style is a passthrough: no
 * network runs and frames only go through the two conversions, as a styled
 * frame's unstyled part does at degree 0. precision AUTO: the device's. */
CsVideoStyler *cs_video_styler_new              (CsDevice          *device,
                                                 CsStyle           *style,
                                                 CsPrecision        precision,
                                                 GError           **error);
/* Any network whose input and output are one NCHW RGB 0..255 image of the
 * same size, whose sides must be multiples of size_multiple. The styler owns
 * the network's stages: run the network through it, not on its own. */
CsVideoStyler *cs_video_styler_new_for_network  (CsNetwork         *network,
                                                 const char        *input_name,
                                                 const char        *output_name,
                                                 int                size_multiple,
                                                 CsPrecision        precision,
                                                 GError           **error);

/* Prepares the network for frames of format in, giving frames of format out
 * (same size; pixel format and colour description may differ). A NULL in
 * leaves the network's input to cs_network_set_input(); a NULL out leaves the
 * output to cs_network_get_output(). Preparing is slow: configure once a clip. */
gboolean       cs_video_styler_configure        (CsVideoStyler     *self,
                                                 const CsYuvFormat *in,
                                                 const CsYuvFormat *out,
                                                 GError           **error);
/* The network as configured: its input and output tensors are
 * tensor_width x tensor_height, the frame size rounded up. */
CsNetwork     *cs_video_styler_get_network      (CsVideoStyler     *self);
const char    *cs_video_styler_get_input_name   (CsVideoStyler     *self);
const char    *cs_video_styler_get_output_name  (CsVideoStyler     *self);
void           cs_video_styler_get_tensor_size  (CsVideoStyler     *self,
                                                 int               *width,
                                                 int               *height);

/* Whether the degree blend reads the frame's own planes, as it does when the
 * input and output formats share their samples (same subsampling, siting,
 * depth, matrix and range): degree 0 then gives the frame back bit for bit,
 * and the original part of a blend keeps its chroma unfiltered. Otherwise it
 * reads the network's RGB input. */
gboolean       cs_video_styler_blends_source_planes (CsVideoStyler *self);

/* Copies frame's planes into the GPU's input buffer (the one upload). */
gboolean       cs_video_styler_upload           (CsVideoStyler     *self,
                                                 const AVFrame     *frame,
                                                 GError           **error);
/* Converts, runs the network and converts back, with degree 0..1:
 * out = (1 - degree) * input + degree * network output, in RGB 0..255; the
 * network output stabilized first when the stability is above 0. */
gboolean       cs_video_styler_run              (CsVideoStyler     *self,
                                                 double             degree,
                                                 GCancellable      *cancellable,
                                                 GError           **error);
/* How steady the style is on video, 0 (the default: frame by frame, the
 * network's output untouched) to 1; may change from frame to frame. A
 * passthrough styler has nothing to stabilize and ignores it. */
void           cs_video_styler_set_stability    (CsVideoStyler     *self,
                                                 double             stability);
double         cs_video_styler_get_stability    (CsVideoStyler     *self);
/* Whether the next configure records the temporal pass (TRUE, the default).
 * Without it the stability is ignored and a frame costs the network and the
 * conversions alone, as for a single still. */
void           cs_video_styler_set_temporal     (CsVideoStyler     *self,
                                                 gboolean           enabled);
/* The next run starts without a previous frame (after a seek, a cut, a
 * frame run out of order): its output is the unstabilized one. */
void           cs_video_styler_reset_history    (CsVideoStyler     *self);
/* Whether the next run will be stabilized against the frame run before it. */
gboolean       cs_video_styler_has_history      (CsVideoStyler     *self);
/* The temporal pass once configured, or NULL for a passthrough. */
CsTemporalPass *cs_video_styler_get_temporal_pass (CsVideoStyler   *self);

/* A new frame of the output format with what the last run wrote (the one
 * download), tagged with its colour description. */
AVFrame       *cs_video_styler_download         (CsVideoStyler     *self);

/* upload, run and download in one call. */
AVFrame       *cs_video_styler_process          (CsVideoStyler     *self,
                                                 const AVFrame     *frame,
                                                 double             degree,
                                                 GCancellable      *cancellable,
                                                 GError           **error);

G_END_DECLS
