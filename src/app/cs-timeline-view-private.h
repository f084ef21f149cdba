/* cs-timeline-view-private.h: the timeline view's geometry and pointer entry
 * points, shared with its test so that drags run the code the gestures run.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cs-timeline-view.h"

G_BEGIN_DECLS

/* The three bands of the widget, in widget coordinates. */
void        cs_timeline_view_get_bands          (CsTimelineView   *self,
                                                 graphene_rect_t  *ruler,
                                                 graphene_rect_t  *strip,
                                                 graphene_rect_t  *track);
/* Where @frame starts on screen (cuts, keyframes and the playhead sit there). */
double      cs_timeline_view_frame_to_x         (CsTimelineView   *self,
                                                 gint64            frame);
/* The height at which the degree curves draw @degree. */
double      cs_timeline_view_degree_to_y        (CsTimelineView   *self,
                                                 double            degree);
/* How far the view is scrolled, in pixels from the clip's start. */
double      cs_timeline_view_get_scroll_offset  (CsTimelineView   *self);
/* Zooms to @pixels_per_second keeping the time under @x where it is. */
void        cs_timeline_view_zoom_around        (CsTimelineView   *self,
                                                 double            pixels_per_second,
                                                 double            x);
/* Pans by @dx pixels (clamped). */
void        cs_timeline_view_scroll_by          (CsTimelineView   *self,
                                                 double            dx);
/* The cursor name the pointer gets at (@x, @y), or NULL for the default. */
const char *cs_timeline_view_get_cursor_at      (CsTimelineView   *self,
                                                 double            x,
                                                 double            y);

/* The ruler's label for @frame: minutes and seconds, with the frame within
 * its second when @with_frames, and hours for clips of an hour or more. */
char       *cs_timeline_view_format_time        (CsTimelineView   *self,
                                                 gint64            frame,
                                                 gboolean          with_frames);

/* What the primary button's gestures do: a press, its motion, its release,
 * and a double click. */
void        cs_timeline_view_pointer_press      (CsTimelineView   *self,
                                                 double            x,
                                                 double            y);
void        cs_timeline_view_pointer_motion     (CsTimelineView   *self,
                                                 double            x,
                                                 double            y);
void        cs_timeline_view_pointer_release    (CsTimelineView   *self);
void        cs_timeline_view_pointer_double_click (CsTimelineView *self,
                                                 double            x,
                                                 double            y);

G_END_DECLS
