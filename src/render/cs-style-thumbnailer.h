/* cs-style-thumbnailer.h: a frame of the user's clip in every style, in the background
 *
 * The style gallery shows each style applied to the frame under the
 * playhead. A CsStyleThumbnailer renders those small pictures on one worker
 * thread of low priority with its own decoder and device, so the preview
 * and the UI never wait on it. The newest request is served first (the
 * tiles the user looks at now), a request already waiting moves to the
 * front, and cs_style_thumbnailer_cancel_pending() drops the rest when the
 * playhead moves.
 *
 * Results arrive as "thumbnail-ready" on the main context the thumbnailer
 * was made in and are kept in a cache of bounded size keyed by the style
 * (its folder, and the time and size of its files, so that a style imported
 * again into the same folder is rendered anew), the clip, frame and height;
 * failures as "thumbnail-failed" with a message (a style that cannot run
 * keeps its own thumbnail.png in the gallery).
 *
 * VToonify-D styles can also be asked for with one of their references and
 * a face rectangle (the reference picker shows each reference on the
 * frame): those pictures are keyed by the reference and the face as well,
 * and answered through "reference-ready" and "reference-failed". Switching
 * references costs a rebinding of the generator on the worker, so a caller
 * asks for the pictures it shows and lets the queue serve them one by one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cs-engine.h"
#include "cs-segment.h"
#include "cs-style.h"

G_BEGIN_DECLS

/* The default height of the pictures, in pixels. */
#define CS_STYLE_THUMBNAILER_DEFAULT_HEIGHT 128

#define CS_TYPE_STYLE_THUMBNAILER (cs_style_thumbnailer_get_type ())
G_DECLARE_FINAL_TYPE (CsStyleThumbnailer, cs_style_thumbnailer, CS, STYLE_THUMBNAILER, GObject)

/* A thumbnailer rendering on the device chosen by device_selector (as in
 * cs_device_new(); NULL or "" picks one, and a device that fails to open
 * falls back to that) with precision. Nothing opens until the first request. */
CsStyleThumbnailer *cs_style_thumbnailer_new        (const char         *device_selector,
                                                     CsPrecision         precision);

/* The clip to take frames from (NULL: none; requests then fail). Pending
 * requests for another clip are dropped. */
void                cs_style_thumbnailer_set_clip   (CsStyleThumbnailer *self,
                                                     const char         *path);
const char         *cs_style_thumbnailer_get_clip   (CsStyleThumbnailer *self);

/* The pictures' height in pixels (the width follows the frame's shape as a
 * player shows it); CS_STYLE_THUMBNAILER_DEFAULT_HEIGHT at first. */
void                cs_style_thumbnailer_set_height (CsStyleThumbnailer *self,
                                                     int                 height);
int                 cs_style_thumbnailer_get_height (CsStyleThumbnailer *self);

/* The most bytes of pictures the cache keeps (the oldest go first). */
void                cs_style_thumbnailer_set_cache_size (CsStyleThumbnailer *self,
                                                     gsize               bytes);

/* The cached picture of frame in style (NULL: the frame as it is) at the
 * current clip and height: tightly packed RGBA (transfer full), or NULL. */
GBytes             *cs_style_thumbnailer_lookup     (CsStyleThumbnailer *self,
                                                     CsStyle            *style,
                                                     gint64              frame,
                                                     int                *width,
                                                     int                *height);

/* Asks for frame in style (NULL: the frame as it is), ahead of every
 * request made before. Answered through "thumbnail-ready" (at once, from
 * the main loop, when cached) or "thumbnail-failed". */
void                cs_style_thumbnailer_request    (CsStyleThumbnailer *self,
                                                     CsStyle            *style,
                                                     gint64              frame);

/* The cached picture of frame in the VToonify-D style with its reference
 * and face rectangle (in the clip's pixels as stored; NULL: the centred
 * square), as cs_style_thumbnailer_lookup(). For other styles the
 * reference and face are ignored. */
GBytes             *cs_style_thumbnailer_lookup_reference (CsStyleThumbnailer *self,
                                                     CsStyle            *style,
                                                     gint64              frame,
                                                     guint               reference,
                                                     const CsFaceRect   *face,
                                                     int                *width,
                                                     int                *height);

/* Asks for frame in the style with its reference and face (NULL: the
 * centred square), ahead of every request made before. Answered through
 * "reference-ready" or "reference-failed" (a reference the style lacks
 * fails, saying so). */
void                cs_style_thumbnailer_request_reference (CsStyleThumbnailer *self,
                                                     CsStyle            *style,
                                                     gint64              frame,
                                                     guint               reference,
                                                     const CsFaceRect   *face);

/* Drops the requests not started yet. */
void                cs_style_thumbnailer_cancel_pending (CsStyleThumbnailer *self);

/* The number of requests waiting or being rendered. */
guint               cs_style_thumbnailer_get_n_pending (CsStyleThumbnailer *self);

/* Drops every cached picture. */
void                cs_style_thumbnailer_clear_cache (CsStyleThumbnailer *self);

/* A key naming a style in the signals: its folder, or "" for the original. */
const char         *cs_style_thumbnailer_style_key  (CsStyle            *style);

G_END_DECLS
