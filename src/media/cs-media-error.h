/* cs-media-error.h: the media layer's error domain
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CS_MEDIA_ERROR (cs_media_error_quark ())

/**
 * CsMediaError:
 * @CS_MEDIA_ERROR_FAILED: a failure that fits no other code.
 * @CS_MEDIA_ERROR_NOT_FOUND: the file does not exist.
 * @CS_MEDIA_ERROR_PERMISSION_DENIED: the file or folder may not be read or written.
 * @CS_MEDIA_ERROR_NOT_MEDIA: the file is not audio or video that FFmpeg recognises.
 * @CS_MEDIA_ERROR_NO_VIDEO: the file has no video stream.
 * @CS_MEDIA_ERROR_UNSUPPORTED_CODEC: no decoder or encoder for the codec.
 * @CS_MEDIA_ERROR_UNSUPPORTED_FORMAT: the container cannot be written or cannot hold the codec.
 * @CS_MEDIA_ERROR_CORRUPT: the file is truncated or damaged.
 * @CS_MEDIA_ERROR_WRITE: the destination could not be written.
 * @CS_MEDIA_ERROR_NO_SPACE: the destination's disk is full.
 * @CS_MEDIA_ERROR_SAME_FILE: the destination is the source clip itself.
 * @CS_MEDIA_ERROR_CANCELLED: the operation was cancelled.
 * @CS_MEDIA_ERROR_INVALID_ARGUMENT: a parameter is out of range or inconsistent.
 *
 * Error codes of the %CS_MEDIA_ERROR domain.
 */
typedef enum {
  CS_MEDIA_ERROR_FAILED,
  CS_MEDIA_ERROR_NOT_FOUND,
  CS_MEDIA_ERROR_PERMISSION_DENIED,
  CS_MEDIA_ERROR_NOT_MEDIA,
  CS_MEDIA_ERROR_NO_VIDEO,
  CS_MEDIA_ERROR_UNSUPPORTED_CODEC,
  CS_MEDIA_ERROR_UNSUPPORTED_FORMAT,
  CS_MEDIA_ERROR_CORRUPT,
  CS_MEDIA_ERROR_WRITE,
  CS_MEDIA_ERROR_NO_SPACE,
  CS_MEDIA_ERROR_SAME_FILE,
  CS_MEDIA_ERROR_CANCELLED,
  CS_MEDIA_ERROR_INVALID_ARGUMENT,
} CsMediaError;

/* The quark of the %CS_MEDIA_ERROR domain. */
GQuark cs_media_error_quark (void);

G_END_DECLS
