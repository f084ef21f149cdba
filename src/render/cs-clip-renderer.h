/* cs-clip-renderer.h: a whole clip, or a stretch of it, styled into a new file
 *
 * Three stages overlap: the decoder's thread decodes frames ahead, the
 * calling thread uploads each frame and styles it on the GPU (one
 * submission, see CsVideoStyler), and the encoder's thread encodes and muxes
 * the frames before it. The output has the range's frames, one for one, at
 * the source's frame rate, with the source's audio cut to the range. Nothing
 * appears at the destination until the file is complete: a failed or
 * cancelled render leaves the destination as it was.
 *
 *   g_autoptr(CsClipRenderer) r = cs_clip_renderer_new ("in.mp4", "out.mp4");
 *   cs_clip_renderer_set_style (r, style);
 *   cs_clip_renderer_set_range (r, 2 * G_USEC_PER_SEC, 5 * G_USEC_PER_SEC);
 *   if (!cs_clip_renderer_run (r, cancellable, &error)) …
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cs-engine.h"
#include "cs-media.h"
#include "cs-segment.h"
#include "cs-style.h"

G_BEGIN_DECLS

#define CS_TYPE_CLIP_RENDERER (cs_clip_renderer_get_type ())
G_DECLARE_FINAL_TYPE (CsClipRenderer, cs_clip_renderer, CS, CLIP_RENDERER, GObject)

/**
 * CsRenderStats:
 * @frames: frames written.
 * @setup: seconds opening the clip and the encoder and preparing the network.
 * @wall: seconds from the start of cs_clip_renderer_run() to the file in place.
 * @decode: seconds the GPU loop waited for decoded frames (the decoder's thread
 *   works ahead, so this is only what it could not hide).
 * @upload: seconds copying frames into the GPU's input buffer.
 * @gpu: seconds the GPU spent converting, styling and converting back.
 * @download: seconds copying styled frames out of the GPU's output buffer.
 * @encode: seconds the GPU loop waited for the encoder (a full queue), plus
 *   flushing the last frames, the audio and the container at the end.
 *
 * Where the time of a render went. The loop's own parts (decode, upload, gpu,
 * download, encode) add up to the time after setup; when the GPU is the
 * slowest stage, decode and encode are near zero and (upload + gpu + download)
 * / (wall - setup) says how close the pipeline comes to the GPU alone.
 */
typedef struct {
  gint64 frames;
  double setup;
  double wall;
  double decode;
  double upload;
  double gpu;
  double download;
  double encode;
} CsRenderStats;

/**
 * CsRenderProgressFunc:
 * @renderer: the renderer
 * @fraction: share of the range's frames styled and handed to the encoder, 0 to 1
 * @eta_seconds: estimated seconds left, or -1 while unknown
 * @user_data: the data given to cs_clip_renderer_set_progress_func()
 *
 * Called on the thread running the render after each frame, and with 1 once
 * the file is in place.
 */
typedef void (*CsRenderProgressFunc) (CsClipRenderer *renderer,
                                      double          fraction,
                                      double          eta_seconds,
                                      gpointer        user_data);

/* The most styles one frame mixes (a cross-fade mixes two). */
#define CS_RENDER_MAX_STEPS 2

/**
 * CsRenderStep:
 * @style: the style, or NULL for the original frame; one of the styles given
 *   to cs_clip_renderer_set_plan() (borrowed).
 * @weight: the share of this step in the output frame, in (0, 1]; the
 *   weights of one frame's steps sum to 1.
 * @degree: how much style, 0 to 1 (0 runs no network, but for VToonify-D
 *   styles).
 * @stability: how steady the style is on video, 0 (frame by frame) to 1:
 *   the style's output is mixed with its previous frame's, warped by the
 *   motion of the input (see cs-temporal.h). 0 when the plan leaves it unset.
 * @cut: the frame starts a new shot for this step's style (a hard cut between
 *   segments): nothing of the frames before it is mixed in. A style that did
 *   not style the frame just before starts anew anyway.
 * @reference: VToonify-D styles: the style reference (extrinsic style code).
 * @has_face: VToonify-D styles: whether @face is set (FALSE: the frame's
 *   centred square).
 * @face: VToonify-D styles: the face rectangle, in the source frame's pixels.
 * @segment: VToonify-D styles: the first frame of the stretch (a project's
 *   segment) the step belongs to. The stretch's face code is computed once,
 *   from this frame, and kept for every frame of the stretch.
 *
 * One styled version of a frame that goes into the output frame:
 *   output = Σ weight[k] · ((1 − degree[k]) · frame + degree[k] · style[k] (frame))
 * except for VToonify-D styles, whose degree is the network's own input
 * (at degree 0 the network still runs):
 *   output = Σ weight[k] · vtoonify[k] (frame, degree[k])
 * VToonify-D output is not stabilized (the network is trained to be steady
 * on video): their steps' stability has no effect.
 */
typedef struct {
  CsStyle   *style;
  double     weight;
  double     degree;
  double     stability;
  gboolean   cut;
  guint      reference;
  gboolean   has_face;
  CsFaceRect face;
  gint64     segment;
} CsRenderStep;

/**
 * CsRenderPlanFunc:
 * @frame: the frame's index in the clip (not in the range)
 * @steps: (out): the steps to fill
 * @n_steps: (out): how many were filled, 1 to %CS_RENDER_MAX_STEPS
 * @user_data: the data given to cs_clip_renderer_set_plan()
 * @error: where to say why the frame cannot be planned
 *
 * Says how to make one frame; called on the render's thread, once a frame,
 * in order. Returns FALSE and sets @error to stop the render.
 */
typedef gboolean (*CsRenderPlanFunc) (gint64        frame,
                                      CsRenderStep *steps,
                                      guint        *n_steps,
                                      gpointer      user_data,
                                      GError      **error);

/* A render of the clip at input into a new file at output (.mp4, .mkv or
 * .webm); configure it with the setters, then run it once. */
CsClipRenderer *cs_clip_renderer_new             (const char           *input,
                                                  const char           *output);

const char     *cs_clip_renderer_get_input       (CsClipRenderer       *self);
const char     *cs_clip_renderer_get_output      (CsClipRenderer       *self);

/* The GPU to run on; NULL (the default) opens cs_device_new (NULL) at run. */
void            cs_clip_renderer_set_device      (CsClipRenderer       *self,
                                                  CsDevice             *device);
/* The style; NULL (the default) passes the frames through the colour
 * conversions alone, as degree 0 does. */
void            cs_clip_renderer_set_style       (CsClipRenderer       *self,
                                                  CsStyle              *style);
/* How much style, 0 (the original; the network is then not run at all) to 1
 * (the default). Out-of-range values are refused when the render runs. */
void            cs_clip_renderer_set_degree      (CsClipRenderer       *self,
                                                  double                degree);
/* How steady the style is on video, 0 (frame by frame) to 1; the default is
 * CS_DEFAULT_STABILITY. A plan gives its own, step by step. Out-of-range
 * values are refused when the render runs. */
void            cs_clip_renderer_set_stability   (CsClipRenderer       *self,
                                                  double                stability);
/* VToonify-D styles: the style reference to use (default 0); one the style
 * does not have is refused when the render runs. */
void            cs_clip_renderer_set_reference   (CsClipRenderer       *self,
                                                  guint                 reference);
/* VToonify-D styles: the face rectangle in the clip's pixels (NULL, the
 * default: the centred square). One wholly outside the frame is refused
 * when the render runs, before anything is written. */
void            cs_clip_renderer_set_face        (CsClipRenderer       *self,
                                                  const CsFaceRect     *face);
/* Arithmetic of the network; CS_PRECISION_AUTO (the default) takes the device's. */
void            cs_clip_renderer_set_precision   (CsClipRenderer       *self,
                                                  CsPrecision           precision);
/* The stretch [from_us, to_us) to render, in microseconds from the clip's
 * first frame: from the frame on screen at from_us up to the last frame that
 * starts before to_us. to_us -1 (the default) runs to the end. */
void            cs_clip_renderer_set_range       (CsClipRenderer       *self,
                                                  gint64                from_us,
                                                  gint64                to_us);
/* CS_VIDEO_CODEC_AUTO (the default): H.264 for .mp4 and .mkv, VP9 for .webm. */
void            cs_clip_renderer_set_video_codec (CsClipRenderer       *self,
                                                  CsVideoCodec          codec);
/* Constant quality for the encoder; -1 (the default) keeps the codec's own. */
void            cs_clip_renderer_set_crf         (CsClipRenderer       *self,
                                                  int                   crf);
/* The size of the output's pictures; 0 × 0 (the default) keeps the
 * source's. Frames are styled at the source's size and scaled on the
 * encoder's thread. Sizes the codec cannot take (odd sides for 4:2:0) are
 * refused when the render runs. */
void            cs_clip_renderer_set_output_size (CsClipRenderer       *self,
                                                  int                   width,
                                                  int                   height);
/* Copy the source's audio streams (TRUE, the default) or leave them out. */
void            cs_clip_renderer_set_audio       (CsClipRenderer       *self,
                                                  gboolean              audio);
/* Replaces the one style and degree with a plan that chooses, frame by
 * frame, up to two styles with their weights and degrees. @styles (element
 * type CsStyle, NULL entries allowed) are all the styles the plan may name:
 * each gets its network prepared once, before the first frame. */
void            cs_clip_renderer_set_plan        (CsClipRenderer       *self,
                                                  GPtrArray            *styles,
                                                  CsRenderPlanFunc      func,
                                                  gpointer              user_data,
                                                  GDestroyNotify        destroy);
void            cs_clip_renderer_set_progress_func (CsClipRenderer     *self,
                                                  CsRenderProgressFunc  func,
                                                  gpointer              user_data,
                                                  GDestroyNotify        destroy);

/* Renders; blocks until the file is in place, the render failed, or
 * cancellable was cancelled (CS_RENDER_ERROR_CANCELLED). A renderer runs once. */
gboolean        cs_clip_renderer_run             (CsClipRenderer       *self,
                                                  GCancellable         *cancellable,
                                                  GError              **error);
/* The same on a thread of its own; callback runs in the thread-default main
 * context of the caller. The progress function still runs on the render's thread. */
void            cs_clip_renderer_run_async       (CsClipRenderer       *self,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gboolean        cs_clip_renderer_run_finish      (CsClipRenderer       *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

/* Where the time went; complete once the run returns (also after a failure,
 * for the frames done). */
const CsRenderStats *cs_clip_renderer_get_stats  (CsClipRenderer       *self);
/* The pixel format written ("yuv420p", …), known once the run has started the encoder. */
const char     *cs_clip_renderer_get_output_format (CsClipRenderer     *self);
/* Number of frames the range holds, known once the run has opened the clip. */
gint64          cs_clip_renderer_get_n_frames    (CsClipRenderer       *self);

G_END_DECLS
