/* cs-vtoonify.h: the VToonify-D frame pipeline
 *
 * Per frame: the frame is scaled so that the generator's output (four times
 * its input in VToonify) has the requested size, padded to the networks'
 * size multiple, parsed (the parser network works at twice that size) and
 * run through the generator, then cropped back. Per segment: the face
 * rectangle's crop is encoded into a W+ code once, its leading rows are
 * replaced by the chosen reference's (as VToonify-D mixes them), and the
 * code and the degree are bound into the generator, which folds everything
 * that depends on them alone (modulated weights, normalisation parameters,
 * the degree's label layers) once per change rather than once per frame.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "cs-engine.h"
#include "cs-image.h"
#include "cs-segment.h"
#include "cs-style.h"
#include "cs-yuv.h"

G_BEGIN_DECLS

/* CsFaceRect (a rectangle in frame pixels) comes from cs-segment.h. */

#define CS_TYPE_VTOONIFY (cs_vtoonify_get_type ())
G_DECLARE_FINAL_TYPE (CsVToonify, cs_vtoonify, CS, VTOONIFY, GObject)

/* Loads the style's three networks on device; the style must be VToonify-D.
 * Starts with reference 0, degree 0.5 and the centred square face. */
CsVToonify *cs_vtoonify_new             (CsStyle          *style,
                                         CsDevice         *device,
                                         CsPrecision       precision,
                                         GError          **error);
CsStyle    *cs_vtoonify_get_style       (CsVToonify       *self);
/* Chooses the extrinsic style code (the style's reference `index`). */
gboolean    cs_vtoonify_set_reference   (CsVToonify       *self,
                                         guint             index,
                                         GError          **error);
guint       cs_vtoonify_get_reference   (CsVToonify       *self);
/* The style degree, 0 to 1: the generator's d_s input. */
gboolean    cs_vtoonify_set_degree      (CsVToonify       *self,
                                         double            degree,
                                         GError          **error);
double      cs_vtoonify_get_degree      (CsVToonify       *self);
/* The face rectangle the segment's code comes from, or NULL for the frame's
 * centred square. Clamped to each frame when the code is computed. */
void        cs_vtoonify_set_face        (CsVToonify       *self,
                                         const CsFaceRect *rect);
/* Forgets the face code, so that the next frame computes it again (a new
 * segment over the same style and rectangle). */
void        cs_vtoonify_reset_face_code (CsVToonify       *self);
/* rect clamped to a width x height frame (NULL: the centred square) into
 * out; fails, saying why, when nothing of it lies inside the frame. */
gboolean    cs_vtoonify_clamp_face      (const CsFaceRect *rect,
                                         int               width,
                                         int               height,
                                         CsFaceRect       *out,
                                         GError          **error);
/* Styles frame (RGB, 0 to 255) into a new out_width x out_height image. */
CsImage    *cs_vtoonify_run             (CsVToonify       *self,
                                         const CsImage    *frame,
                                         int               out_width,
                                         int               out_height,
                                         GError          **error);
/* Computes the face code from frame now (the face rectangle clamped to it),
 * rather than from the next frame run: a segment's code then comes from the
 * frame of its choosing, whichever frame is styled first. */
gboolean    cs_vtoonify_compute_face_code (CsVToonify     *self,
                                         const CsImage    *frame,
                                         GError          **error);
/* Whether a face code is at hand (computed, and not reset since). */
gboolean    cs_vtoonify_has_face_code   (CsVToonify       *self);
/* The face code at hand (n_values = n_latent x style_dim), or NULL; owned
 * by self until the face or the code changes. With set, a code kept from
 * earlier (for the same face rectangle and frame) is used again without
 * running the encoder; it must have the style's n_latent x style_dim values. */
const float *cs_vtoonify_get_face_code  (CsVToonify       *self,
                                         gsize            *n_values);
gboolean    cs_vtoonify_set_face_code   (CsVToonify       *self,
                                         const float      *code,
                                         gsize             n_values,
                                         GError          **error);

/* Video frames go in and out through the GPU colour conversions every
 * other style's frames take (cs-video-styler.h), so that a VToonify-D
 * segment and its neighbours share their colours exactly. */

/* frame (planar YUV of format in) as RGB 0..255. */
CsImage    *cs_vtoonify_frame_to_image  (CsVToonify       *self,
                                         const AVFrame    *frame,
                                         const CsYuvFormat *in,
                                         GError          **error);
/* image (of out's size) as a new frame of format out. */
AVFrame    *cs_vtoonify_image_to_frame  (CsVToonify       *self,
                                         const CsImage    *image,
                                         const CsYuvFormat *out,
                                         GError          **error);
/* frame styled at the current reference, degree and face into a new frame
 * of format out (the same size): the degree is the network's own input, so
 * nothing is blended with the original afterwards. */
AVFrame    *cs_vtoonify_run_frame       (CsVToonify       *self,
                                         const AVFrame    *frame,
                                         const CsYuvFormat *in,
                                         const CsYuvFormat *out,
                                         GError          **error);

/* Milliseconds of the last run's networks on the device, measured from the
 * host around each network (encoder 0 when the code was cached). */
void        cs_vtoonify_get_timings     (CsVToonify       *self,
                                         double           *parser_ms,
                                         double           *generator_ms,
                                         double           *encoder_ms);
/* The generator's input size for an output size: content, then padded. */
void        cs_vtoonify_input_size      (CsVToonify       *self,
                                         int               out_width,
                                         int               out_height,
                                         int              *content_width,
                                         int              *content_height,
                                         int              *padded_width,
                                         int              *padded_height);

G_END_DECLS
