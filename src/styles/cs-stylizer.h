/* cs-stylizer.h: runs a style's network on frames and applies its degree
 *
 * The network is prepared for a frame size once and kept while frames of
 * that size follow. A frame whose sides are not multiples of the style's
 * size multiple is padded by repeating its edge pixels, run, and cropped
 * back, so the output always has the input's size. Not thread-safe: use one
 * stylizer per thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cs-engine.h"
#include "cs-image.h"
#include "cs-style.h"

G_BEGIN_DECLS

#define CS_TYPE_STYLIZER (cs_stylizer_get_type ())
G_DECLARE_FINAL_TYPE (CsStylizer, cs_stylizer, CS, STYLIZER, GObject)

/* Loads the style's model on device and checks its tensors against
 * style.json. precision CS_PRECISION_AUTO takes the device's default. */
CsStylizer  *cs_stylizer_new             (CsStyle       *style,
                                          CsDevice      *device,
                                          CsPrecision    precision,
                                          GError       **error);

CsStyle     *cs_stylizer_get_style       (CsStylizer    *self);
CsDevice    *cs_stylizer_get_device      (CsStylizer    *self);
/* The precision networks are prepared in (never CS_PRECISION_AUTO). */
CsPrecision  cs_stylizer_get_precision   (CsStylizer    *self);

/* Prepares the network for width x height frames now rather than on the
 * first frame; does nothing when it is prepared for that size already. */
gboolean     cs_stylizer_prepare         (CsStylizer    *self,
                                          int            width,
                                          int            height,
                                          GError       **error);

/* The frame styled to degree (0..1): 0 returns a copy of the input without
 * running the network, 1 the network's output, values between the blend
 * (1 - degree) * input + degree * styled. */
CsImage     *cs_stylizer_run             (CsStylizer    *self,
                                          const CsImage *input,
                                          double         degree,
                                          GCancellable  *cancellable,
                                          GError       **error);

G_END_DECLS
