/* cs-preview.h: styled frames for the editor's preview, made off the UI thread
 *
 * A CsPreview owns one worker thread with its own decoder, device and
 * stylers. The UI asks for frames with cs_preview_request(); the worker
 * always serves the newest request and drops the ones it has not started
 * (a render in progress for an older request is cancelled). A quick request
 * (while scrubbing or playing) is answered at the proxy size; a resting one
 * first at the proxy size, when that is not at hand, then at the full size.
 * Finished frames are kept in a cache of a bounded size, keyed by the frame
 * and by what the timeline asks for it (styles, weights, degrees), so an
 * edit elsewhere in the project does not throw them away.
 *
 * Results arrive as the "frame-ready" signal on the main context the preview
 * was made in; problems as "error" (the preview keeps working: a style that
 * cannot be loaded shows the original frame, a frame that cannot be decoded
 * is skipped). Nothing here blocks the caller.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "cs-engine.h"
#include "cs-project.h"

G_BEGIN_DECLS

/**
 * CsPreviewFrame:
 *
 * One answer: the clip's frame and its styled version, both tightly packed
 * RGBA (4 bytes a pixel, rows of width × 4 bytes), as a player shows them
 * (square pixels). Immutable and reference counted.
 */
typedef struct _CsPreviewFrame CsPreviewFrame;

#define CS_TYPE_PREVIEW_FRAME (cs_preview_frame_get_type ())
GType           cs_preview_frame_get_type     (void) G_GNUC_CONST;
CsPreviewFrame *cs_preview_frame_ref          (CsPreviewFrame *self);
void            cs_preview_frame_unref        (CsPreviewFrame *self);
/* The frame's index in the clip. */
gint64          cs_preview_frame_get_index    (CsPreviewFrame *self);
int             cs_preview_frame_get_width    (CsPreviewFrame *self);
int             cs_preview_frame_get_height   (CsPreviewFrame *self);
/* TRUE for a proxy-size frame, FALSE for the full size. */
gboolean        cs_preview_frame_is_proxy     (CsPreviewFrame *self);
/* The decoded frame, RGBA. */
GBytes         *cs_preview_frame_get_original (CsPreviewFrame *self);
/* The frame as the timeline styles it, RGBA (the original's bytes where no
 * style applies). */
GBytes         *cs_preview_frame_get_styled   (CsPreviewFrame *self);
/* Seconds the worker spent on the styled version (0 when it came from the
 * cache). */
double          cs_preview_frame_get_render_time (CsPreviewFrame *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsPreviewFrame, cs_preview_frame_unref)

#define CS_TYPE_PREVIEW (cs_preview_get_type ())
G_DECLARE_FINAL_TYPE (CsPreview, cs_preview, CS, PREVIEW, GObject)

/* A preview rendering on the device chosen by device_selector (as in
 * cs_device_new(); NULL or "" picks one) with precision. The device opens on
 * the worker: a failure arrives as "error", and the preview then falls back
 * to the CPU device (lavapipe) and says so in the "device-name" property. */
CsPreview  *cs_preview_new                (const char   *device_selector,
                                           CsPrecision   precision);

/* The project to show (NULL for none). The preview follows its
 * notify::timeline; the clip opens on the worker. */
void        cs_preview_set_project        (CsPreview    *self,
                                           CsProject    *project);

/* The height of quick frames, in pixels (the width follows the clip's
 * aspect ratio); 0 turns proxies off. */
void        cs_preview_set_proxy_height   (CsPreview    *self,
                                           int           height);
/* The most bytes of frames the cache keeps. */
void        cs_preview_set_cache_size     (CsPreview    *self,
                                           gsize         bytes);

/* Asks for frame; quick asks for the proxy size only. Replaces any request
 * not yet started; a frame already in the cache is answered at once (still
 * through "frame-ready", from the main loop). */
void        cs_preview_request            (CsPreview    *self,
                                           gint64        frame,
                                           gboolean      quick);

/* The last frame delivered through "frame-ready", or NULL. */
CsPreviewFrame *cs_preview_get_frame      (CsPreview    *self);

/* TRUE while the worker has a request it has not answered ("busy"). */
gboolean    cs_preview_get_busy           (CsPreview    *self);

/* The name of the device in use, NULL until it has opened ("device-name"). */
const char *cs_preview_get_device_name    (CsPreview    *self);

/* Frames per second of the last styled frames of the given quality, as the
 * worker measured them; 0 before any. */
double      cs_preview_get_render_rate    (CsPreview    *self,
                                           gboolean      quick);

/* Lowers the calling thread's priority (and that of the threads it will
 * start) below the UI's: for threads that decode or render in the
 * background. */
void        cs_preview_lower_thread_priority (void);

/* How many VToonify-D face codes the preview has computed: one a segment,
 * face rectangle and frame size, kept for as long as the clip is open. */
guint       cs_preview_get_n_face_codes   (CsPreview    *self);

/* Drops every cached frame. */
void        cs_preview_clear_cache        (CsPreview    *self);

G_END_DECLS
