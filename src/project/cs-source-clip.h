/* cs-source-clip.h: the clip a project styles, as the project remembers it
 *
 * The media layer probes a clip; the project keeps what it needs to tile the
 * clip's frames and to find the same clip again: its path, frame count, frame
 * rate, size and a content hash (see cs_project_hash_file()). A CsSourceClip
 * is immutable and its reference count is atomic.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* The most frames a project may have: over two years at 30 frames a second,
 * and small enough that frame arithmetic never overflows a gint64. */
#define CS_PROJECT_MAX_FRAMES ((gint64) G_MAXINT32)

/* The largest width or height a source clip may have. */
#define CS_PROJECT_MAX_SIZE 65536

/**
 * CsSourceStatus:
 * @CS_SOURCE_STATUS_OK: the clip is where the project says and is the same.
 * @CS_SOURCE_STATUS_MISSING: the clip is neither at its relative nor at its
 *   absolute path; the user should relink it.
 * @CS_SOURCE_STATUS_CHANGED: a file is there but its content hash differs:
 *   it was replaced or edited; the user should confirm or relink.
 * @CS_SOURCE_STATUS_UNREADABLE: the file is there but could not be read.
 *
 * What a look for the source clip on disk found.
 */
typedef enum {
  CS_SOURCE_STATUS_OK,
  CS_SOURCE_STATUS_MISSING,
  CS_SOURCE_STATUS_CHANGED,
  CS_SOURCE_STATUS_UNREADABLE,
} CsSourceStatus;

typedef struct _CsSourceClip CsSourceClip;

#define CS_TYPE_SOURCE_CLIP (cs_source_clip_get_type ())
GType cs_source_clip_get_type (void) G_GNUC_CONST;

/* Describes a clip; @path is made absolute, @hash comes from
 * cs_project_hash_file(). Bad values give CS_PROJECT_ERROR_INVALID_ARGUMENT. */
CsSourceClip *cs_source_clip_new            (const char         *path,
                                             gint64              n_frames,
                                             int                 rate_num,
                                             int                 rate_den,
                                             int                 width,
                                             int                 height,
                                             const char         *hash,
                                             GError            **error);
/* Reference counting; the count is atomic. */
CsSourceClip *cs_source_clip_ref            (CsSourceClip       *self);
void          cs_source_clip_unref          (CsSourceClip       *self);

/* The clip's absolute path: where it was last found, or where the project
 * last saw it when it is missing. */
const char   *cs_source_clip_get_path       (const CsSourceClip *self);
/* How many frames the clip has; the project's segments tile them. */
gint64        cs_source_clip_get_n_frames   (const CsSourceClip *self);
/* The frame rate as a fraction: @num frames every @den seconds. */
void          cs_source_clip_get_frame_rate (const CsSourceClip *self,
                                             int                *num,
                                             int                *den);
/* The size of a frame in pixels. */
int           cs_source_clip_get_width      (const CsSourceClip *self);
int           cs_source_clip_get_height     (const CsSourceClip *self);
/* The content hash, "sha256-ht1m:" and 64 hexadecimal digits. */
const char   *cs_source_clip_get_hash       (const CsSourceClip *self);

/* TRUE when both are NULL or every field is the same. */
gboolean      cs_source_clip_equal          (const CsSourceClip *a,
                                             const CsSourceClip *b);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsSourceClip, cs_source_clip_unref)

G_END_DECLS
