/* cs-render-error.h: the render layer's error domain
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CS_RENDER_ERROR (cs_render_error_quark ())

/**
 * CsRenderError:
 * @CS_RENDER_ERROR_FAILED: a failure that fits no other code.
 * @CS_RENDER_ERROR_INVALID_ARGUMENT: a parameter is out of range or inconsistent.
 * @CS_RENDER_ERROR_UNSUPPORTED_FORMAT: frames of a pixel format or size the render cannot convert.
 * @CS_RENDER_ERROR_EMPTY_RANGE: the time range holds no frame.
 * @CS_RENDER_ERROR_FORMAT_CHANGED: the clip changes size or pixel format part way.
 * @CS_RENDER_ERROR_CANCELLED: the render was cancelled.
 *
 * Error codes of the %CS_RENDER_ERROR domain. Failures of the layers below keep
 * their own domains (%CS_MEDIA_ERROR, %CS_ENGINE_ERROR, %CS_STYLE_ERROR).
 */
typedef enum {
  CS_RENDER_ERROR_FAILED,
  CS_RENDER_ERROR_INVALID_ARGUMENT,
  CS_RENDER_ERROR_UNSUPPORTED_FORMAT,
  CS_RENDER_ERROR_EMPTY_RANGE,
  CS_RENDER_ERROR_FORMAT_CHANGED,
  CS_RENDER_ERROR_CANCELLED,
} CsRenderError;

GQuark cs_render_error_quark (void);

G_END_DECLS
