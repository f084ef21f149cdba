/* cs-timeline-view.h: the timeline, drawn from the project with GtkSnapshot
 *
 * One widget draws the whole timeline (like Sysprof's charts, no widget per
 * segment or per thumbnail): a time ruler, a strip of thumbnails of the
 * clip, the segments with their style names and colours, each segment's
 * degree curve, and the playhead. Click or drag to move the playhead; drag a
 * cut to move it; ctrl+scroll or pinch to zoom; scroll to pan.
 *
 * Keyboard (when focused): Left/Right one frame, Home/End, S splits at the
 * playhead, Delete joins the selected segment with the next, plus/minus zoom.
 * Edits go through the project (one undo step each).
 *
 * The keys are bound to the widget's actions, which menus can activate too:
 * "timeline.step" (int32: frames, negative back), "timeline.step-seconds"
 * (int32), "timeline.home", "timeline.end", "timeline.split",
 * "timeline.join" (the selected segment with the next; the last with the
 * one before it), "timeline.zoom-in", "timeline.zoom-out",
 * "timeline.zoom-fit". An edit the project refuses (a split on a cut)
 * beeps and changes nothing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "cs-project.h"

G_BEGIN_DECLS

/**
 * CsThumbnailFunc:
 * @frame: the clip frame the strip wants a picture of
 * @user_data: the data given to cs_timeline_view_set_thumbnail_func()
 *
 * Returns (transfer full) a picture of the clip near @frame, or NULL while
 * none is ready; the owner makes one in the background and then calls
 * cs_timeline_view_thumbnails_changed(). Called on the UI thread while
 * drawing: it must not block.
 */
typedef GdkTexture *(*CsThumbnailFunc) (gint64   frame,
                                        gpointer user_data);

#define CS_TYPE_TIMELINE_VIEW (cs_timeline_view_get_type ())

G_DECLARE_FINAL_TYPE (CsTimelineView, cs_timeline_view, CS, TIMELINE_VIEW, GtkWidget)

GtkWidget  *cs_timeline_view_new                (void);

/* The document shown ("project" property); the view follows its
 * notify::timeline. NULL shows an empty timeline. */
void        cs_timeline_view_set_project        (CsTimelineView  *self,
                                                 CsProject       *project);
CsProject  *cs_timeline_view_get_project        (CsTimelineView  *self);

/* The clip's frame rate, for the ruler's labels and the frame ↔ time maths. */
void        cs_timeline_view_set_frame_rate     (CsTimelineView  *self,
                                                 int              num,
                                                 int              den);

/* The frame under the playhead ("playhead" property, clamped to the clip). */
gint64      cs_timeline_view_get_playhead       (CsTimelineView  *self);
void        cs_timeline_view_set_playhead       (CsTimelineView  *self,
                                                 gint64           frame);

/* TRUE while the user drags the playhead ("scrubbing" property): the
 * preview then asks for quick proxy frames. */
gboolean    cs_timeline_view_get_scrubbing      (CsTimelineView  *self);

/* The segment the side panel edits ("selected-segment" property): the one
 * under the playhead unless the user clicked another. */
guint       cs_timeline_view_get_selected_segment (CsTimelineView *self);
void        cs_timeline_view_set_selected_segment (CsTimelineView *self,
                                                 guint            index);

/* Pixels per second of clip ("zoom" property, clamped between the whole
 * clip in view and a few pixels per frame). */
double      cs_timeline_view_get_zoom           (CsTimelineView  *self);
void        cs_timeline_view_set_zoom           (CsTimelineView  *self,
                                                 double           pixels_per_second);
/* Zooms so that the whole clip fits the width. */
void        cs_timeline_view_zoom_to_fit        (CsTimelineView  *self);

void        cs_timeline_view_set_thumbnail_func (CsTimelineView  *self,
                                                 CsThumbnailFunc  func,
                                                 gpointer         user_data,
                                                 GDestroyNotify   destroy);
/* Redraws the strip after new thumbnails became ready. */
void        cs_timeline_view_thumbnails_changed (CsTimelineView  *self);

/* The colour a style's segments are drawn in: stable for a style folder
 * (NULL: the original frames, a grey), so the side panel can show the same
 * one. Styles share a palette of eight colours. */
void        cs_timeline_view_get_style_color    (const char      *style_folder,
                                                 GdkRGBA         *color);

G_END_DECLS
