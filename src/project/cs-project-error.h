/* cs-project-error.h: the project layer's error domain
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CS_PROJECT_ERROR (cs_project_error_quark ())

/**
 * CsProjectError:
 * @CS_PROJECT_ERROR_FAILED: a failure that fits no other code.
 * @CS_PROJECT_ERROR_NOT_FOUND: the project file does not exist.
 * @CS_PROJECT_ERROR_DAMAGED: the file is not a readable project: not JSON,
 *   truncated, too large or too deeply nested, or not a Celshade project.
 * @CS_PROJECT_ERROR_INVALID: the file is JSON but a field is missing, of the
 *   wrong type, out of range or inconsistent (overlapping segments, a keyframe
 *   outside its segment, an unknown key).
 * @CS_PROJECT_ERROR_NEWER_VERSION: the file was written by a newer Celshade.
 * @CS_PROJECT_ERROR_MISSING_MEDIA: the source clip was not found (a warning:
 *   the project still opens).
 * @CS_PROJECT_ERROR_SOURCE_CHANGED: the source clip was found but its content
 *   differs from the one the project was made for (a warning).
 * @CS_PROJECT_ERROR_MISSING_STYLE: a style folder was not found (a warning).
 * @CS_PROJECT_ERROR_REPAIRED: a damaged part was repaired or dropped while
 *   opening in recovery mode (a warning).
 * @CS_PROJECT_ERROR_WRITE: the project or its autosave could not be written.
 * @CS_PROJECT_ERROR_NOT_LOCAL: the file is not on a local file system.
 * @CS_PROJECT_ERROR_INVALID_ARGUMENT: an edit was refused: a frame out of
 *   range, a keyframe that does not exist, a degree outside 0..1.
 * @CS_PROJECT_ERROR_CANCELLED: the operation was cancelled.
 *
 * Error codes of the %CS_PROJECT_ERROR domain.
 */
typedef enum {
  CS_PROJECT_ERROR_FAILED,
  CS_PROJECT_ERROR_NOT_FOUND,
  CS_PROJECT_ERROR_DAMAGED,
  CS_PROJECT_ERROR_INVALID,
  CS_PROJECT_ERROR_NEWER_VERSION,
  CS_PROJECT_ERROR_MISSING_MEDIA,
  CS_PROJECT_ERROR_SOURCE_CHANGED,
  CS_PROJECT_ERROR_MISSING_STYLE,
  CS_PROJECT_ERROR_REPAIRED,
  CS_PROJECT_ERROR_WRITE,
  CS_PROJECT_ERROR_NOT_LOCAL,
  CS_PROJECT_ERROR_INVALID_ARGUMENT,
  CS_PROJECT_ERROR_CANCELLED,
} CsProjectError;

/* The quark of the %CS_PROJECT_ERROR domain. */
GQuark cs_project_error_quark (void);

G_END_DECLS
