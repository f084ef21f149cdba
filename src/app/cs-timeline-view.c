/* cs-timeline-view.c: the timeline, drawn from the project with GtkSnapshot
 *
 * Everything is drawn from the project's current CsTimeline in one snapshot,
 * and only what is in view: the first visible segment is found by binary
 * search and drawing stops at the right edge, so a clip of hours with
 * hundreds of segments costs what the few on screen cost. The view scrolls
 * itself (an offset in pixels from the clip's start) rather than living in a
 * GtkScrolledWindow, so that zooming around the pointer and following the
 * playhead need no adjustment juggling.
 *
 * Cuts, keyframes and the playhead sit where their frame starts; frame f
 * spans [x(f), x(f + 1)).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "cs-timeline-view.h"
#include "cs-timeline-view-private.h"

/* Horizontal room before the clip's first and after its last frame, so that
 * the playhead's handle and the first cut stay grabbable. */
#define SIDE_PAD           12.0
/* The most pixels a frame may take when zoomed all the way in. */
#define MAX_PIXELS_PER_FRAME 24.0
/* Heights of the bands that do not depend on the font. */
#define STRIP_HEIGHT       40.0
/* The least room for a degree curve under a segment's title. */
#define BODY_MIN_HEIGHT    40.0
/* A segment's title bar: its name's line and this. */
#define TITLE_PAD           6.0
#define BAND_GAP            4.0
#define BOTTOM_PAD          6.0
#define BLOCK_RADIUS        6.0
#define HANDLE_RADIUS       4.5
/* How close (pixels) the pointer must be to grab a cut or a keyframe. */
#define CUT_GRAB            5.0
#define HANDLE_GRAB         (HANDLE_RADIUS + 3.0)
/* Minimum spacing between two ruler labels, beyond the label's width. */
#define LABEL_SPACING      28.0
/* One wheel click zooms by this factor. */
#define WHEEL_ZOOM         1.25
#define WHEEL_PAN          48.0

typedef enum {
  DRAG_NONE,
  DRAG_SCRUB,
  DRAG_BOUNDARY,
  DRAG_KEYFRAME,
  DRAG_SEGMENT,
} DragKind;

typedef enum {
  HIT_NOTHING,
  HIT_RULER,
  HIT_SEGMENT,
  HIT_CUT,
  HIT_KEYFRAME,
} HitKind;

typedef struct {
  HitKind kind;
  guint   segment;     /* the segment hit, the one after a cut, or the keyframe's */
  gint64  frame;       /* the keyframe's frame */
} Hit;

struct _CsTimelineView
{
  GtkWidget        parent_instance;

  CsProject       *project;
  CsTimeline      *timeline;
  gulong           timeline_handler;
  int              rate_num;
  int              rate_den;
  gboolean         rate_from_user;

  gint64           playhead;
  gboolean         scrubbing;
  guint            selected;

  double           zoom;          /* pixels per second */
  gboolean         zoom_fits;     /* refit whenever the width changes */
  double           offset;        /* pixels scrolled from the clip's start */

  CsThumbnailFunc  thumbnail_func;
  gpointer         thumbnail_data;
  GDestroyNotify   thumbnail_destroy;

  /* Everything but the playhead and the focus ring, kept while only the
   * playhead moves (playback, scrubbing): the renderer then reuses its
   * uploads of it instead of drawing the curves again every frame. */
  GskRenderNode   *content;

  /* Built from the widget's font on first use, dropped when it changes. */
  PangoLayout     *layout;
  PangoFontDescription *font;     /* the font the layout and metrics are for */
  double           label_height;
  double           label_width;

  DragKind         drag;
  gboolean         drag_moved;
  gboolean         group_open;
  double           drag_x, drag_y;
  guint            drag_segment;
  gint64           drag_frame;    /* the dragged keyframe, where it is now */
  gint64           drag_min, drag_max;

  double           last_x, last_y;  /* the dragging pointer, for autoscroll */
  guint            autoscroll_id;

  double           pointer_x;
  Hit              hover;         /* what is under the resting pointer */
  double           zoom_gesture_start;
  double           zoom_gesture_x;
  const char      *cursor_name;
};

G_DEFINE_FINAL_TYPE (CsTimelineView, cs_timeline_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_PROJECT,
  PROP_PLAYHEAD,
  PROP_SCRUBBING,
  PROP_SELECTED_SEGMENT,
  PROP_ZOOM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Time and geometry ----------------------------------------------------------------- */

static gint64
n_frames (CsTimelineView *self)
{
  return self->timeline != NULL ? cs_timeline_get_n_frames (self->timeline) : 0;
}

static double
frame_to_seconds (CsTimelineView *self,
                  double          frame)
{
  return frame * self->rate_den / self->rate_num;
}

static double
duration (CsTimelineView *self)
{
  return frame_to_seconds (self, (double) n_frames (self));
}

/* Frames in one second of clip, at least 1 (for the one-second step). */
static gint64
frames_per_second (CsTimelineView *self)
{
  return MAX (1, (gint64) llround ((double) self->rate_num / self->rate_den));
}

static double
view_width (CsTimelineView *self)
{
  return MAX (1.0, gtk_widget_get_width (GTK_WIDGET (self)) - 2 * SIDE_PAD);
}

double
cs_timeline_view_frame_to_x (CsTimelineView *self,
                             gint64          frame)
{
  g_return_val_if_fail (CS_IS_TIMELINE_VIEW (self), 0.0);

  return SIDE_PAD + frame_to_seconds (self, (double) frame) * self->zoom - self->offset;
}

/* The clip position under @x, in fractional frames. */
static double
x_to_frame_exact (CsTimelineView *self,
                  double          x)
{
  return (x - SIDE_PAD + self->offset) / self->zoom * self->rate_num / self->rate_den;
}

/* The frame whose start is nearest to @x, clamped to [lo, hi]. */
static gint64
x_to_frame (CsTimelineView *self,
            double          x,
            gint64          lo,
            gint64          hi)
{
  double f = round (x_to_frame_exact (self, x));

  return (gint64) CLAMP (f, (double) lo, (double) MAX (lo, hi));
}

static void
ensure_font_metrics (CsTimelineView *self)
{
  PangoRectangle logical;

  if (self->layout != NULL)
    return;

  self->layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  self->font = pango_font_description_copy (pango_context_get_font_description (pango_layout_get_context (self->layout)));
  /* The widest label the ruler ever shows, for spacing and for the ruler's
   * height, so that a larger text scale makes room for itself. */
  pango_layout_set_text (self->layout, "00:00:00", -1);
  pango_layout_get_pixel_extents (self->layout, NULL, &logical);
  self->label_height = logical.height;
  self->label_width = logical.width;
}

static double
ruler_height (CsTimelineView *self)
{
  ensure_font_metrics (self);
  return ceil (self->label_height * 0.85) + 14.0;
}

static double
track_min_height (CsTimelineView *self)
{
  ensure_font_metrics (self);
  return self->label_height + TITLE_PAD + BODY_MIN_HEIGHT;
}

void
cs_timeline_view_get_bands (CsTimelineView  *self,
                            graphene_rect_t *ruler,
                            graphene_rect_t *strip,
                            graphene_rect_t *track)
{
  double width, height, ruler_h, strip_y, track_y;

  g_return_if_fail (CS_IS_TIMELINE_VIEW (self));

  width = gtk_widget_get_width (GTK_WIDGET (self));
  height = gtk_widget_get_height (GTK_WIDGET (self));
  ruler_h = ruler_height (self);
  strip_y = ruler_h + BAND_GAP;
  track_y = strip_y + STRIP_HEIGHT + BAND_GAP;

  if (ruler != NULL)
    graphene_rect_init (ruler, 0, 0, width, ruler_h);
  if (strip != NULL)
    graphene_rect_init (strip, 0, strip_y, width, STRIP_HEIGHT);
  if (track != NULL)
    graphene_rect_init (track, 0, track_y, width,
                        MAX (track_min_height (self), height - track_y - BOTTOM_PAD));
}

/* A segment block is a title bar with the style's name over the body in
 * which the degree curve is drawn. */
static double
title_height (CsTimelineView *self)
{
  ensure_font_metrics (self);
  return self->label_height + TITLE_PAD;
}

static void
get_body (CsTimelineView *self,
          double         *top,
          double         *bottom)
{
  graphene_rect_t track;

  cs_timeline_view_get_bands (self, NULL, NULL, &track);
  *top = track.origin.y + title_height (self);
  *bottom = track.origin.y + track.size.height;
}

double
cs_timeline_view_degree_to_y (CsTimelineView *self,
                              double          degree)
{
  double top, bottom, inset = HANDLE_RADIUS + 2.0;

  g_return_val_if_fail (CS_IS_TIMELINE_VIEW (self), 0.0);

  get_body (self, &top, &bottom);
  return bottom - inset - CLAMP (degree, 0.0, 1.0) * MAX (1.0, bottom - top - 2 * inset);
}

static double
y_to_degree (CsTimelineView *self,
             double          y)
{
  double top, bottom, inset = HANDLE_RADIUS + 2.0, d;

  get_body (self, &top, &bottom);
  d = (bottom - inset - y) / MAX (1.0, bottom - top - 2 * inset);
  /* Three decimals are finer than a pixel and keep the file readable. */
  return round (CLAMP (d, 0.0, 1.0) * 1000.0) / 1000.0;
}

double
cs_timeline_view_get_scroll_offset (CsTimelineView *self)
{
  g_return_val_if_fail (CS_IS_TIMELINE_VIEW (self), 0.0);

  return self->offset;
}

/* Drops the cached picture and redraws: for every change but the
 * playhead's. */
static void
invalidate (CsTimelineView *self)
{
  g_clear_pointer (&self->content, gsk_render_node_unref);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Zoom and scrolling ------------------------------------------------------------------ */

static double
min_zoom (CsTimelineView *self)
{
  double d = duration (self);

  return d > 0 ? view_width (self) / d : 1.0;
}

static double
max_zoom (CsTimelineView *self)
{
  double per_frame = MAX_PIXELS_PER_FRAME * self->rate_num / self->rate_den;

  return MAX (min_zoom (self), per_frame);
}

static double
max_offset (CsTimelineView *self)
{
  return MAX (0.0, duration (self) * self->zoom - view_width (self));
}

static void
set_offset (CsTimelineView *self,
            double          offset)
{
  offset = CLAMP (offset, 0.0, max_offset (self));
  if (offset == self->offset)
    return;
  self->offset = offset;
  invalidate (self);
}

void
cs_timeline_view_scroll_by (CsTimelineView *self,
                            double          dx)
{
  g_return_if_fail (CS_IS_TIMELINE_VIEW (self));

  set_offset (self, self->offset + dx);
}

void
cs_timeline_view_zoom_around (CsTimelineView *self,
                              double          pixels_per_second,
                              double          x)
{
  double seconds, old = self->zoom;

  g_return_if_fail (CS_IS_TIMELINE_VIEW (self));

  if (!isfinite (pixels_per_second))
    return;

  seconds = (x - SIDE_PAD + self->offset) / self->zoom;
  self->zoom = CLAMP (pixels_per_second, min_zoom (self), max_zoom (self));
  self->zoom_fits = self->zoom <= min_zoom (self) * (1.0 + 1e-9);
  /* Set directly: the clamp must see the new zoom's range. */
  self->offset = CLAMP (seconds * self->zoom - (x - SIDE_PAD), 0.0, max_offset (self));

  if (self->zoom != old)
    {
      gtk_widget_queue_resize (GTK_WIDGET (self));
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
    }
  invalidate (self);
}

/* Scrolls so that @frame is in view with a margin; keyboard steps and
 * playback keep the playhead visible this way. The view turns a page at a
 * time, as editors do in playback, rather than creeping a frame at a time:
 * it stays still, and cached, for most frames. */
static void
scroll_to_frame (CsTimelineView *self,
                 gint64          frame)
{
  double x = cs_timeline_view_frame_to_x (self, frame);
  double width = gtk_widget_get_width (GTK_WIDGET (self));
  double margin = MIN (48.0, view_width (self) / 4);

  if (width <= 0)
    return;
  if (x < SIDE_PAD)
    set_offset (self, self->offset - (width - SIDE_PAD - margin - x));
  else if (x > width - SIDE_PAD)
    set_offset (self, self->offset + (x - (SIDE_PAD + margin)));
}

/* Selection and playhead ---------------------------------------------------------------- */

static guint
segment_at (CsTimelineView *self,
            gint64          frame)
{
  guint index = 0;

  if (self->timeline != NULL)
    cs_timeline_find_segment (self->timeline, CLAMP (frame, 0, MAX (0, n_frames (self) - 1)), &index);
  return index;
}

static void
set_selected (CsTimelineView *self,
              guint           index)
{
  if (self->timeline != NULL)
    index = MIN (index, cs_timeline_get_n_segments (self->timeline) - 1);
  else
    index = 0;

  if (index == self->selected)
    return;
  self->selected = index;
  invalidate (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_SEGMENT]);
}

static void
update_accessible (CsTimelineView *self)
{
  g_autofree char *timecode = cs_timeline_view_format_time (self, self->playhead, TRUE);
  g_autofree char *frame = g_strdup_printf ("%" G_GINT64_FORMAT, self->playhead);
  /* TRANSLATORS: the playhead's position for screen readers: a timecode
   * (minutes:seconds:frames) and a frame number */
  g_autofree char *text = g_strdup_printf (_("%s, frame %s"), timecode, frame);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_MIN, 0.0,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_MAX, (double) MAX (0, n_frames (self) - 1),
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_NOW, (double) self->playhead,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_TEXT, text,
                                  -1);
}

/* Moves the playhead; the selection follows it into another segment, so it
 * is the segment under the playhead unless the user clicked another since. */
static void
move_playhead (CsTimelineView *self,
               gint64          frame,
               gboolean        scroll)
{
  gint64 last = MAX (0, n_frames (self) - 1);
  guint old_segment, new_segment;

  frame = CLAMP (frame, 0, last);
  if (scroll)
    scroll_to_frame (self, frame);
  if (frame == self->playhead)
    return;

  old_segment = segment_at (self, self->playhead);
  new_segment = segment_at (self, frame);
  self->playhead = frame;
  /* Only the playhead moved: the rest of the picture is reused. */
  gtk_widget_queue_draw (GTK_WIDGET (self));
  update_accessible (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PLAYHEAD]);
  if (new_segment != old_segment)
    set_selected (self, new_segment);
}

static void
set_scrubbing (CsTimelineView *self,
               gboolean        scrubbing)
{
  if (self->scrubbing == scrubbing)
    return;
  self->scrubbing = scrubbing;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCRUBBING]);
}

static void
update_actions (CsTimelineView *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gboolean have = self->timeline != NULL;

  gtk_widget_action_set_enabled (widget, "timeline.split", have);
  gtk_widget_action_set_enabled (widget, "timeline.join",
                                 have && cs_timeline_get_n_segments (self->timeline) > 1);
  gtk_widget_action_set_enabled (widget, "timeline.step", have);
  gtk_widget_action_set_enabled (widget, "timeline.step-seconds", have);
  gtk_widget_action_set_enabled (widget, "timeline.home", have);
  gtk_widget_action_set_enabled (widget, "timeline.end", have);
}

/* Following the project ------------------------------------------------------------------ */

static void
end_drag (CsTimelineView *self)
{
  if (self->autoscroll_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->autoscroll_id);
      self->autoscroll_id = 0;
    }
  if (self->group_open && self->project != NULL)
    cs_project_end_group (self->project);
  self->group_open = FALSE;
  if (self->drag == DRAG_BOUNDARY || self->drag == DRAG_KEYFRAME)
    invalidate (self);
  self->drag = DRAG_NONE;
  self->drag_moved = FALSE;
  set_scrubbing (self, FALSE);
}

static void
timeline_changed (CsTimelineView *self)
{
  CsTimeline *old = self->timeline;
  CsTimeline *now = self->project != NULL ? cs_project_get_timeline (self->project) : NULL;
  gboolean follows = FALSE;
  gint64 old_selected_start = 0;
  guint old_n_segments = 0;
  gint64 old_playhead = self->playhead;
  gint64 old_n_frames = n_frames (self);
  double old_zoom = self->zoom;

  if (old != NULL)
    {
      follows = segment_at (self, self->playhead) == self->selected;
      old_n_segments = cs_timeline_get_n_segments (old);
      old_selected_start = cs_segment_get_start (cs_timeline_get_segment (old, MIN (self->selected, old_n_segments - 1)));
    }

  self->timeline = now != NULL ? cs_timeline_ref (now) : NULL;

  self->playhead = CLAMP (self->playhead, 0, MAX (0, n_frames (self) - 1));

  /* A split or join shifts the indices after it: find the segment that now
   * holds the selected one's first frame. Same-count edits (a moved cut,
   * keyframes, styles) keep the index. */
  if (self->timeline == NULL)
    set_selected (self, 0);
  else if (follows)
    set_selected (self, segment_at (self, self->playhead));
  else if (cs_timeline_get_n_segments (self->timeline) != old_n_segments)
    set_selected (self, segment_at (self, old_selected_start));
  else
    set_selected (self, self->selected);

  if (old != NULL)
    cs_timeline_unref (old);

  if (self->zoom_fits || self->zoom <= 0)
    self->zoom = min_zoom (self);
  self->zoom = CLAMP (self->zoom, min_zoom (self), max_zoom (self));
  self->offset = CLAMP (self->offset, 0.0, max_offset (self));

  /* What was under the pointer may be gone; the next motion finds out. */
  self->hover = (Hit) { HIT_NOTHING, 0, 0 };

  update_actions (self);
  update_accessible (self);
  /* Every step of a drag lands here: relayout only when the clip's length,
   * and with it the natural width, changed. */
  invalidate (self);
  if (n_frames (self) != old_n_frames)
    gtk_widget_queue_resize (GTK_WIDGET (self));
  if (self->zoom != old_zoom)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
  if (self->playhead != old_playhead)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PLAYHEAD]);
}

static void
on_notify_timeline (CsProject      *project,
                    GParamSpec     *pspec,
                    CsTimelineView *self)
{
  g_assert (CS_IS_PROJECT (project));
  g_assert (CS_IS_TIMELINE_VIEW (self));

  timeline_changed (self);
}

/* Colours ----------------------------------------------------------------------------------- */

static void
get_foreground (CsTimelineView *self,
                GdkRGBA        *color)
{
#if GTK_CHECK_VERSION (4, 10, 0)
  gtk_widget_get_color (GTK_WIDGET (self), color);
#else
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), color);
#endif
}

static void
get_accent (CsTimelineView *self,
            GdkRGBA        *color)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  GtkStyleContext *context = gtk_widget_get_style_context (GTK_WIDGET (self));

  /* libadwaita names it accent_bg_color, GTK's own theme
   * theme_selected_bg_color; there is no non-deprecated lookup. */
  if (!gtk_style_context_lookup_color (context, "accent_bg_color", color) &&
      !gtk_style_context_lookup_color (context, "theme_selected_bg_color", color))
    gdk_rgba_parse (color, "#3584e4");
  G_GNUC_END_IGNORE_DEPRECATIONS
}

static double
luminance (const GdkRGBA *c)
{
  return 0.2126 * c->red + 0.7152 * c->green + 0.0722 * c->blue;
}

static GdkRGBA
with_alpha (const GdkRGBA *c,
            double         alpha)
{
  return (GdkRGBA) { c->red, c->green, c->blue, c->alpha * alpha };
}

static GdkRGBA
mix (const GdkRGBA *a,
     const GdkRGBA *b,
     double         t)
{
  return (GdkRGBA) {
    a->red + (b->red - a->red) * t,
    a->green + (b->green - a->green) * t,
    a->blue + (b->blue - a->blue) * t,
    a->alpha + (b->alpha - a->alpha) * t,
  };
}

void
cs_timeline_view_get_style_color (const char *style_folder,
                                  GdkRGBA    *color)
{
  /* libadwaita's accent colours less slate (too close to the neutral):
   * made to sit under white text on light and dark backgrounds alike. */
  static const char * const palette[] = {
    "#3584e4", "#2190a4", "#3a944a", "#c88800",
    "#ed5b00", "#e62d42", "#d56199", "#9141ac",
  };
  guint32 hash = 2166136261u;

  g_return_if_fail (color != NULL);

  if (style_folder == NULL)
    {
      /* The original frames: a neutral grey, readable on both backgrounds. */
      gdk_rgba_parse (color, "#77767b");
      return;
    }

  /* FNV-1a of the folder: the colour must not change between runs or
   * versions, so no GLib hash whose function is not promised. */
  for (const guchar *p = (const guchar *) style_folder; *p != '\0'; p++)
    hash = (hash ^ *p) * 16777619u;
  hash ^= hash >> 16;

  gdk_rgba_parse (color, palette[hash % G_N_ELEMENTS (palette)]);
}

static void
segment_color (CsSegment *segment,
               GdkRGBA   *color)
{
  CsStyleRef *style = cs_segment_get_style (segment);

  cs_timeline_view_get_style_color (style != NULL ? cs_style_ref_get_folder (style) : NULL, color);
}

/* The ruler ------------------------------------------------------------------------------------ */

/* Formats the time at @frame; frames are shown only when the ruler's step
 * is under a second, hours only for clips that long. */
char *
cs_timeline_view_format_time (CsTimelineView *self,
                              gint64          frame,
                              gboolean        with_frames)
{
  double exact = frame_to_seconds (self, (double) frame);
  gint64 seconds = (gint64) floor (exact + 1e-9);
  gint64 h = seconds / 3600, m = (seconds / 60) % 60, s = seconds % 60;
  gboolean hours = duration (self) >= 3600;

  if (with_frames)
    {
      gint64 first = (gint64) ceil (seconds * (double) self->rate_num / self->rate_den - 1e-9);
      gint64 ff = MAX (0, frame - first);

      if (hours)
        return g_strdup_printf ("%" G_GINT64_FORMAT ":%02" G_GINT64_FORMAT ":%02" G_GINT64_FORMAT ":%02" G_GINT64_FORMAT, h, m, s, ff);
      return g_strdup_printf ("%02" G_GINT64_FORMAT ":%02" G_GINT64_FORMAT ":%02" G_GINT64_FORMAT, m + 60 * h, s, ff);
    }
  if (hours)
    return g_strdup_printf ("%" G_GINT64_FORMAT ":%02" G_GINT64_FORMAT ":%02" G_GINT64_FORMAT, h, m, s);
  return g_strdup_printf ("%" G_GINT64_FORMAT ":%02" G_GINT64_FORMAT, m + 60 * h, s);
}

/* Sets @label on the shared layout; FALSE when, drawn right of its tick at
 * @x, it would be cut by the widget's right edge. */
static gboolean
label_fits (CsTimelineView *self,
            const char     *label,
            double          x,
            double          width)
{
  PangoRectangle logical;

  pango_layout_set_text (self->layout, label, -1);
  pango_layout_get_pixel_extents (self->layout, NULL, &logical);
  return round (x) + 4 + logical.width <= width;
}

static void
snapshot_ruler (CsTimelineView        *self,
                GtkSnapshot           *snapshot,
                const graphene_rect_t *ruler,
                const GdkRGBA         *fg)
{
  static const double second_steps[] = { 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 18000, 36000 };
  static const guint frame_steps[] = { 1, 2, 5, 10 };
  double width = ruler->size.width;
  double min_spacing;
  double px_per_frame = frame_to_seconds (self, 1.0) * self->zoom;
  gint64 fps = frames_per_second (self);
  gint64 total = n_frames (self);
  GdkRGBA tick = with_alpha (fg, 0.35), minor = with_alpha (fg, 0.18), text = with_alpha (fg, 0.7);
  gboolean by_frames = FALSE;
  double step_seconds = 0;
  guint step_frames = 0;
  gint64 first, last;

  gtk_snapshot_append_color (snapshot, &(GdkRGBA) { fg->red, fg->green, fg->blue, fg->alpha * 0.04 }, ruler);
  gtk_snapshot_append_color (snapshot, &minor,
                             &GRAPHENE_RECT_INIT (0, ruler->size.height - 1, width, 1));
  if (total <= 0)
    return;

  /* Labels are as wide as the last frame's with its frames, the widest
   * this clip has (hours included). */
  {
    g_autofree char *widest = cs_timeline_view_format_time (self, total - 1, TRUE);
    PangoRectangle logical;

    pango_layout_set_text (self->layout, widest, -1);
    pango_layout_get_pixel_extents (self->layout, NULL, &logical);
    min_spacing = MAX (logical.width, self->label_width) + LABEL_SPACING;
  }

  /* The finest step whose labels do not collide: frames while a second is
   * wide enough for several labels, then seconds, minutes and hours. */
  for (guint i = 0; i < G_N_ELEMENTS (frame_steps) && step_frames == 0; i++)
    if (frame_steps[i] < (guint) fps && frame_steps[i] * px_per_frame >= min_spacing)
      step_frames = frame_steps[i];
  by_frames = step_frames != 0;
  if (!by_frames)
    {
      step_seconds = second_steps[G_N_ELEMENTS (second_steps) - 1];
      for (guint i = 0; i < G_N_ELEMENTS (second_steps); i++)
        if (second_steps[i] * self->zoom >= min_spacing)
          {
            step_seconds = second_steps[i];
            break;
          }
    }

  if (by_frames)
    {
      /* Frame labels restart at each second, so that they line up with
       * whole seconds even at rates such as 30000/1001. */
      gint64 first_frame = x_to_frame (self, 0, 0, total) - step_frames;
      gint64 last_frame = x_to_frame (self, width, 0, total);

      for (gint64 f = MAX (0, first_frame); f <= last_frame; f++)
        {
          double x = cs_timeline_view_frame_to_x (self, f);
          gint64 sec = (gint64) floor (frame_to_seconds (self, (double) f) + 1e-9);
          gint64 in_second = f - (gint64) ceil (sec * (double) self->rate_num / self->rate_den - 1e-9);
          gboolean major = in_second % step_frames == 0 &&
                           (in_second + step_frames <= fps || in_second == 0);

          if (major)
            {
              g_autofree char *label = cs_timeline_view_format_time (self, f, TRUE);

              gtk_snapshot_append_color (snapshot, &tick,
                                         &GRAPHENE_RECT_INIT (round (x), ruler->size.height * 0.45, 1, ruler->size.height * 0.55));
              if (!label_fits (self, label, x, width))
                continue;
              gtk_snapshot_save (snapshot);
              gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (round (x) + 4, 2));
              gtk_snapshot_append_layout (snapshot, self->layout, &text);
              gtk_snapshot_restore (snapshot);
            }
          else if (px_per_frame >= 4)
            gtk_snapshot_append_color (snapshot, &minor,
                                       &GRAPHENE_RECT_INIT (round (x), ruler->size.height * 0.75, 1, ruler->size.height * 0.25));
        }
      return;
    }

  {
    /* Minor ticks at the finest round interval that divides the step and
     * leaves them 10 pixels apart: tenths of seconds, seconds, 5 s, 15 s... */
    static const double minor_steps[] = { 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800 };
    double step_px = step_seconds * self->zoom;
    double end_seconds = duration (self);
    int sub = 1;

    for (guint i = 0; i < G_N_ELEMENTS (minor_steps); i++)
      {
        double count = step_seconds / minor_steps[i];

        if (minor_steps[i] < step_seconds && fabs (count - round (count)) < 1e-9 &&
            step_px / count >= 10)
          {
            sub = (int) round (count);
            break;
          }
      }

    first = (gint64) floor ((self->offset - SIDE_PAD) / step_px);
    last = (gint64) ceil ((self->offset + width) / step_px);
    for (gint64 k = MAX (0, first); k <= last; k++)
      {
        double t = k * step_seconds;
        double x = SIDE_PAD + t * self->zoom - self->offset;
        g_autofree char *label = NULL;

        if (t > end_seconds)
          break;

        gtk_snapshot_append_color (snapshot, &tick,
                                   &GRAPHENE_RECT_INIT (round (x), ruler->size.height * 0.45, 1, ruler->size.height * 0.55));
        label = cs_timeline_view_format_time (self, (gint64) ceil (t * self->rate_num / self->rate_den - 1e-9), FALSE);
        if (label_fits (self, label, x, width))
          {
            gtk_snapshot_save (snapshot);
            gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (round (x) + 4, 2));
            gtk_snapshot_append_layout (snapshot, self->layout, &text);
            gtk_snapshot_restore (snapshot);
          }

        for (int j = 1; j < sub; j++)
          {
            double xm = x + j * step_px / sub;

            if (t + j * step_seconds / sub > end_seconds)
              break;
            gtk_snapshot_append_color (snapshot, &minor,
                                       &GRAPHENE_RECT_INIT (round (xm), ruler->size.height * 0.75, 1, ruler->size.height * 0.25));
          }
      }
  }
}

/* The thumbnail strip --------------------------------------------------------------------------- */

static void
snapshot_strip (CsTimelineView        *self,
                GtkSnapshot           *snapshot,
                const graphene_rect_t *strip,
                const GdkRGBA         *fg)
{
  CsSourceClip *source = self->project != NULL ? cs_project_get_source (self->project) : NULL;
  double aspect = 16.0 / 9.0;
  double x0 = cs_timeline_view_frame_to_x (self, 0);
  double x1 = cs_timeline_view_frame_to_x (self, n_frames (self));
  double left = MAX (x0, 0), right = MIN (x1, strip->size.width);
  double tile_w;
  gint64 first, last;
  GdkRGBA placeholder = with_alpha (fg, 0.08), separator = with_alpha (fg, 0.12);
  GskRoundedRect clip;

  if (right <= left)
    return;
  if (source != NULL && cs_source_clip_get_height (source) > 0)
    aspect = (double) cs_source_clip_get_width (source) / cs_source_clip_get_height (source);
  tile_w = MAX (8.0, round (strip->size.height * aspect));

  gsk_rounded_rect_init_from_rect (&clip, &GRAPHENE_RECT_INIT (x0, strip->origin.y, x1 - x0, strip->size.height), 4);
  gtk_snapshot_push_rounded_clip (snapshot, &clip);
  gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (left, strip->origin.y, right - left, strip->size.height));

  /* Tiles sit on a grid fixed to the clip, not to the screen, so they do not
   * swim while scrolling; each shows the frame at its middle. */
  first = (gint64) floor ((left - x0) / tile_w);
  last = (gint64) floor ((right - x0) / tile_w);
  for (gint64 k = first; k <= last; k++)
    {
      graphene_rect_t tile = GRAPHENE_RECT_INIT (x0 + k * tile_w, strip->origin.y, tile_w, strip->size.height);
      gint64 frame = x_to_frame (self, tile.origin.x + tile_w / 2, 0, n_frames (self) - 1);
      g_autoptr(GdkTexture) texture = NULL;

      if (self->thumbnail_func != NULL)
        texture = self->thumbnail_func (frame, self->thumbnail_data);

      if (texture != NULL)
        {
          /* Cover the tile: scale to its height or width, crop the rest. */
          double tw = gdk_texture_get_width (texture), th = gdk_texture_get_height (texture);
          double scale = MAX (tile.size.width / MAX (1.0, tw), tile.size.height / MAX (1.0, th));
          double w = tw * scale, h = th * scale;

          gtk_snapshot_push_clip (snapshot, &tile);
          gtk_snapshot_append_texture (snapshot, texture,
                                       &GRAPHENE_RECT_INIT (tile.origin.x + (tile.size.width - w) / 2,
                                                            tile.origin.y + (tile.size.height - h) / 2, w, h));
          gtk_snapshot_pop (snapshot);
        }
      else
        gtk_snapshot_append_color (snapshot, &placeholder, &tile);

      gtk_snapshot_append_color (snapshot, &separator,
                                 &GRAPHENE_RECT_INIT (tile.origin.x + tile_w - 1, tile.origin.y, 1, tile.size.height));
    }

  gtk_snapshot_pop (snapshot);
  gtk_snapshot_pop (snapshot);
}

/* Segments, curves and cross-fades --------------------------------------------------------------- */

/* The index of the first keyframe of @segment at or after @frame. */
static guint
first_keyframe_from (CsSegment *segment,
                     gint64     frame)
{
  guint lo = 0, hi = cs_segment_get_n_keyframes (segment);

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (cs_segment_get_keyframe (segment, mid)->frame < frame)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* Whether the keyframes of @segment between @from and @to are far enough
 * apart on screen to be drawn and grabbed as handles; zoomed out over dense
 * keyframes they would only pile up, and the curve shows them anyway. The
 * original frames have no degree, so no curve and no handles. */
static gboolean
handles_fit (CsTimelineView *self,
             CsSegment      *segment,
             gint64          from,
             gint64          to)
{
  guint n = cs_segment_get_n_keyframes (segment);
  double min_gap = 2 * HANDLE_RADIUS + 3;
  double last = -G_MAXDOUBLE;

  if (cs_segment_get_style (segment) == NULL)
    return FALSE;

  for (guint k = first_keyframe_from (segment, from); k < n; k++)
    {
      const CsKeyframe *key = cs_segment_get_keyframe (segment, k);
      double x;

      if (key->frame > to)
        break;
      x = cs_timeline_view_frame_to_x (self, key->frame);
      if (x - last < min_gap)
        return FALSE;
      last = x;
    }
  return TRUE;
}

/* Traces the degree curve of @segment between @x_from and @x_to (clipped to
 * the segment) with the interpolation the renderer uses, as one path. */
static void
trace_curve (CsTimelineView *self,
             cairo_t        *cr,
             CsSegment      *segment,
             double          x_from,
             double          x_to)
{
  gint64 start = cs_segment_get_start (segment), end = cs_segment_get_end (segment);
  guint n = cs_segment_get_n_keyframes (segment);
  double sx = MAX (cs_timeline_view_frame_to_x (self, start), x_from);
  double ex = MIN (cs_timeline_view_frame_to_x (self, end), x_to);
  gint64 f_from = x_to_frame (self, sx, start, end);
  guint k = first_keyframe_from (segment, f_from);
  const CsKeyframe *prev;

  if (k > 0)
    k--;
  prev = cs_segment_get_keyframe (segment, k);
  cairo_move_to (cr, sx, cs_timeline_view_degree_to_y (self, cs_segment_get_degree_at (segment, f_from)));

  if (prev->frame > f_from)
    cairo_line_to (cr, MIN (cs_timeline_view_frame_to_x (self, prev->frame), ex),
                   cs_timeline_view_degree_to_y (self, prev->degree));

  for (guint i = k + 1; i < n; i++)
    {
      const CsKeyframe *next = cs_segment_get_keyframe (segment, i);
      double xa = cs_timeline_view_frame_to_x (self, prev->frame);
      double xb = cs_timeline_view_frame_to_x (self, next->frame);
      double ya = cs_timeline_view_degree_to_y (self, prev->degree);
      double yb = cs_timeline_view_degree_to_y (self, next->degree);

      switch (prev->interpolation)
        {
        case CS_INTERPOLATION_CONSTANT:
          cairo_line_to (cr, MAX (xa, sx), ya);
          cairo_line_to (cr, xb, ya);
          cairo_line_to (cr, xb, yb);
          break;

        case CS_INTERPOLATION_EASE_IN_OUT:
          {
            int steps = CLAMP ((int) ((xb - xa) / 3), 2, 48);

            for (int s = 1; s <= steps; s++)
              {
                double t = (double) s / steps;

                cairo_line_to (cr, xa + (xb - xa) * t,
                               ya + (yb - ya) * cs_interpolation_apply (CS_INTERPOLATION_EASE_IN_OUT, t));
              }
          }
          break;

        case CS_INTERPOLATION_LINEAR:
        default:
          cairo_line_to (cr, xb, yb);
          break;
        }

      prev = next;
      if (xb > ex)
        break;
    }

  cairo_line_to (cr, MAX (ex, cs_timeline_view_frame_to_x (self, prev->frame)),
                 cs_timeline_view_degree_to_y (self, prev->degree));
  cairo_line_to (cr, ex, cs_timeline_view_degree_to_y (self, prev->degree));
}

static void
block_rect (CsTimelineView        *self,
            CsSegment             *segment,
            const graphene_rect_t *track,
            graphene_rect_t       *rect)
{
  double x0 = cs_timeline_view_frame_to_x (self, cs_segment_get_start (segment));
  double x1 = cs_timeline_view_frame_to_x (self, cs_segment_get_end (segment));

  /* A pixel of gap on each side keeps the cut visible between two blocks
   * of the same colour; a block never shrinks below a pixel. */
  if (x1 - x0 > 4)
    {
      x0 += 1;
      x1 -= 1;
    }
  graphene_rect_init (rect, x0, track->origin.y, MAX (1.0, x1 - x0), track->size.height);
}

/* The cut (the index of the segment after it; 0 for none) and the keyframe
 * shown as grabbed or about to be: the one dragged, else the one under the
 * pointer. */
static guint
highlighted_cut (CsTimelineView *self)
{
  if (self->drag == DRAG_BOUNDARY)
    return self->drag_segment;
  if (self->drag == DRAG_NONE && self->hover.kind == HIT_CUT)
    return self->hover.segment;
  return 0;
}

static gboolean
is_highlighted_keyframe (CsTimelineView *self,
                         guint           segment,
                         gint64          frame)
{
  if (self->drag == DRAG_KEYFRAME)
    return segment == self->drag_segment && frame == self->drag_frame;
  return self->drag == DRAG_NONE && self->hover.kind == HIT_KEYFRAME &&
         self->hover.segment == segment && self->hover.frame == frame;
}

static void
snapshot_segments (CsTimelineView        *self,
                   GtkSnapshot           *snapshot,
                   const graphene_rect_t *track,
                   const GdkRGBA         *fg,
                   const GdkRGBA         *accent)
{
  double width = track->size.width;
  gint64 total = n_frames (self);
  guint n_segments = cs_timeline_get_n_segments (self->timeline);
  guint first, last;
  double title_h = title_height (self);
  double body_top = track->origin.y + title_h;
  gboolean dark = luminance (fg) > 0.5;
  GdkRGBA white = { 1, 1, 1, 1 }, black = { 0, 0, 0, 1 };
  cairo_t *cr;

  first = segment_at (self, x_to_frame (self, 0, 0, total - 1) - 1);
  last = segment_at (self, x_to_frame (self, width, 0, total - 1) + 1);

  /* Blocks and names, as render nodes. */
  for (guint i = first; i <= last && i < n_segments; i++)
    {
      CsSegment *segment = cs_timeline_get_segment (self->timeline, i);
      CsStyleRef *style = cs_segment_get_style (segment);
      graphene_rect_t rect;
      GskRoundedRect rounded;
      GdkRGBA color, body, title, ink;
      double radius;

      block_rect (self, segment, track, &rect);
      segment_color (segment, &color);
      radius = MIN (BLOCK_RADIUS, rect.size.width / 2);

      /* The body is the style colour washed towards the background, so that
       * the solid area under the curve reads as "how much style". */
      body = with_alpha (&color, dark ? 0.30 : 0.28);
      title = color;
      ink = luminance (&color) > 0.55 ? mix (&black, &color, 0.1) : white;

      /* Zoomed out over many segments, blocks are slivers: plain
       * rectangles there, a rounded clip each costs the renderer dearly. */
      if (rect.size.width < 2 * BLOCK_RADIUS + 2)
        {
          gtk_snapshot_append_color (snapshot, &body, &rect);
          gtk_snapshot_append_color (snapshot, &title,
                                     &GRAPHENE_RECT_INIT (rect.origin.x, rect.origin.y, rect.size.width, title_h));
          continue;
        }

      gsk_rounded_rect_init_from_rect (&rounded, &rect, radius);
      gtk_snapshot_push_rounded_clip (snapshot, &rounded);
      gtk_snapshot_append_color (snapshot, &body, &rect);
      gtk_snapshot_append_color (snapshot, &title,
                                 &GRAPHENE_RECT_INIT (rect.origin.x, rect.origin.y, rect.size.width, title_h));

      if (rect.size.width > 24)
        {
          const char *name = style != NULL ? cs_style_ref_get_name (style) : _("Original");
          double text_x = MAX (rect.origin.x, 0) + 6;
          double avail = rect.origin.x + rect.size.width - 6 - text_x;

          /* The name stays in view while its block is scrolled partly out. */
          if (avail > 12)
            {
              pango_layout_set_text (self->layout, name, -1);
              pango_layout_set_width (self->layout, (int) (avail * PANGO_SCALE));
              pango_layout_set_ellipsize (self->layout, PANGO_ELLIPSIZE_END);
              gtk_snapshot_save (snapshot);
              gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (text_x, rect.origin.y + 3));
              gtk_snapshot_append_layout (snapshot, self->layout, &ink);
              gtk_snapshot_restore (snapshot);
              pango_layout_set_width (self->layout, -1);
              pango_layout_set_ellipsize (self->layout, PANGO_ELLIPSIZE_NONE);
            }
        }
      gtk_snapshot_pop (snapshot);
    }

  /* Curves, cross-fade ramps and keyframe handles need paths, which
   * GtkSnapshot has only from GTK 4.14: one cairo node for the visible part
   * of the track. */
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, body_top, width, track->origin.y + track->size.height - body_top));
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);

  for (guint i = first; i <= last && i < n_segments; i++)
    {
      CsSegment *segment = cs_timeline_get_segment (self->timeline, i);
      graphene_rect_t rect;
      GdkRGBA color, line;
      double radius, bottom, left, right;

      block_rect (self, segment, track, &rect);
      segment_color (segment, &color);
      radius = MIN (BLOCK_RADIUS, rect.size.width / 2);
      bottom = rect.origin.y + rect.size.height;
      left = MAX (rect.origin.x, -4);
      right = MIN (rect.origin.x + rect.size.width, width + 4);
      line = dark ? mix (&color, &white, 0.55) : mix (&color, &black, 0.35);

      /* The original frames are not styled: a degree means nothing there. */
      if (cs_segment_get_style (segment) == NULL)
        continue;

      cairo_save (cr);
      /* The body, its bottom corners rounded like the block's; the curve
       * never leaves its segment's frames, so slivers need no clip. */
      if (rect.size.width >= 2 * BLOCK_RADIUS + 2)
        {
          cairo_new_path (cr);
          cairo_move_to (cr, rect.origin.x, body_top);
          cairo_line_to (cr, rect.origin.x + rect.size.width, body_top);
          cairo_arc (cr, rect.origin.x + rect.size.width - radius, bottom - radius, radius, 0, G_PI / 2);
          cairo_arc (cr, rect.origin.x + radius, bottom - radius, radius, G_PI / 2, G_PI);
          cairo_close_path (cr);
          cairo_clip (cr);
        }

      cairo_new_path (cr);
      trace_curve (self, cr, segment, left, right);
      cairo_line_to (cr, right, bottom);
      cairo_line_to (cr, left, bottom);
      cairo_close_path (cr);
      cairo_set_source_rgba (cr, color.red, color.green, color.blue, 0.75);
      cairo_fill (cr);

      cairo_new_path (cr);
      trace_curve (self, cr, segment, left, right);
      cairo_set_line_width (cr, 1.5);
      gdk_cairo_set_source_rgba (cr, &line);
      cairo_stroke (cr);
      cairo_restore (cr);
    }

  /* Cross-fades: the two colours ramp into each other over the fade, with
   * the classic crossing lines of the outgoing and incoming pictures. */
  for (guint i = MAX (first, 1); i <= last && i < n_segments; i++)
    {
      gint64 fs, fe;
      double xs, xe, top = body_top, bottom = track->origin.y + track->size.height;
      GdkRGBA a, b;
      cairo_pattern_t *ramp;

      if (!cs_timeline_get_crossfade (self->timeline, i, &fs, &fe))
        continue;
      xs = cs_timeline_view_frame_to_x (self, fs);
      xe = cs_timeline_view_frame_to_x (self, fe);
      if (xe < 0 || xs > width || xe - xs < 1)
        continue;

      segment_color (cs_timeline_get_segment (self->timeline, i - 1), &a);
      segment_color (cs_timeline_get_segment (self->timeline, i), &b);

      cairo_save (cr);
      cairo_rectangle (cr, xs, top, xe - xs, bottom - top);
      cairo_clip (cr);
      ramp = cairo_pattern_create_linear (xs, 0, xe, 0);
      cairo_pattern_add_color_stop_rgba (ramp, 0, a.red, a.green, a.blue, 0.85);
      cairo_pattern_add_color_stop_rgba (ramp, 1, b.red, b.green, b.blue, 0.85);
      cairo_set_source (cr, ramp);
      cairo_paint (cr);
      cairo_pattern_destroy (ramp);

      cairo_set_line_width (cr, 1.5);
      cairo_set_source_rgba (cr, dark ? 1 : 0, dark ? 1 : 0, dark ? 1 : 0, 0.55);
      cairo_move_to (cr, xs, top + 2);
      cairo_line_to (cr, xe, bottom - 2);
      cairo_move_to (cr, xs, bottom - 2);
      cairo_line_to (cr, xe, top + 2);
      cairo_stroke (cr);
      cairo_restore (cr);
    }

  /* Keyframe handles, over everything else on the track. */
  for (guint i = first; i <= last && i < n_segments; i++)
    {
      CsSegment *segment = cs_timeline_get_segment (self->timeline, i);
      guint n = cs_segment_get_n_keyframes (segment);
      gint64 from = x_to_frame (self, -HANDLE_GRAB, 0, total);
      gint64 to = x_to_frame (self, width + HANDLE_GRAB, 0, total);
      GdkRGBA color, rim;

      if (!handles_fit (self, segment, from, to))
        continue;

      segment_color (segment, &color);
      rim = dark ? mix (&color, &white, 0.55) : mix (&color, &black, 0.35);
      if (i == self->selected)
        rim = *accent;

      for (guint k = first_keyframe_from (segment, from); k < n; k++)
        {
          const CsKeyframe *key = cs_segment_get_keyframe (segment, k);
          double x = cs_timeline_view_frame_to_x (self, key->frame);
          double y = cs_timeline_view_degree_to_y (self, key->degree);

          if (key->frame > to)
            break;

          cairo_new_path (cr);
          if (is_highlighted_keyframe (self, i, key->frame))
            {
              cairo_arc (cr, x, y, HANDLE_RADIUS + 1.5, 0, 2 * G_PI);
              cairo_set_source_rgba (cr, 1, 1, 1, 1);
              cairo_fill_preserve (cr);
              cairo_set_line_width (cr, 2.5);
              gdk_cairo_set_source_rgba (cr, accent);
              cairo_stroke (cr);
              continue;
            }
          cairo_arc (cr, x, y, HANDLE_RADIUS, 0, 2 * G_PI);
          cairo_set_source_rgba (cr, 1, 1, 1, 1);
          cairo_fill_preserve (cr);
          cairo_set_line_width (cr, 2.0);
          gdk_cairo_set_source_rgba (cr, &rim);
          cairo_stroke (cr);
        }
    }

  cairo_destroy (cr);

  /* The cut under the pointer or being dragged. */
  if (highlighted_cut (self) > 0 && highlighted_cut (self) < n_segments)
    {
      CsSegment *after = cs_timeline_get_segment (self->timeline, highlighted_cut (self));
      double x = round (cs_timeline_view_frame_to_x (self, cs_segment_get_start (after)));

      gtk_snapshot_append_color (snapshot, accent,
                                 &GRAPHENE_RECT_INIT (x - 1.5, track->origin.y, 3, track->size.height));
    }

  /* The selected block's outline, on top of its curve. */
  if (self->selected >= first && self->selected <= last && self->selected < n_segments)
    {
      CsSegment *segment = cs_timeline_get_segment (self->timeline, self->selected);
      graphene_rect_t rect;
      GskRoundedRect rounded;
      float widths[4] = { 2, 2, 2, 2 };
      GdkRGBA colors[4] = { *accent, *accent, *accent, *accent };

      block_rect (self, segment, track, &rect);
      gsk_rounded_rect_init_from_rect (&rounded, &rect, MIN (BLOCK_RADIUS, rect.size.width / 2));
      gtk_snapshot_append_border (snapshot, &rounded, widths, colors);
    }
}

static void
snapshot_playhead (CsTimelineView        *self,
                   GtkSnapshot           *snapshot,
                   const graphene_rect_t *ruler,
                   double                 bottom,
                   const GdkRGBA         *accent)
{
  double x = round (cs_timeline_view_frame_to_x (self, self->playhead));
  double w = 11, h = MIN (ruler->size.height - 4, 16);
  double top = ruler->size.height - h - 2;
  cairo_t *cr;

  if (x < -w || x > gtk_widget_get_width (GTK_WIDGET (self)) + w)
    return;

  gtk_snapshot_append_color (snapshot, accent, &GRAPHENE_RECT_INIT (x - 1, top, 2, bottom - top));

  /* The handle: a tab on the ruler pointing down at the frame. */
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (x - w / 2 - 1, top - 1, w + 2, h + 2));
  cairo_move_to (cr, x - w / 2 + 2, top);
  cairo_line_to (cr, x + w / 2 - 2, top);
  cairo_arc (cr, x + w / 2 - 2, top + 2, 2, -G_PI / 2, 0);
  cairo_line_to (cr, x + w / 2, top + h * 0.55);
  cairo_line_to (cr, x, top + h);
  cairo_line_to (cr, x - w / 2, top + h * 0.55);
  cairo_arc (cr, x - w / 2 + 2, top + 2, 2, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
  gdk_cairo_set_source_rgba (cr, accent);
  cairo_fill (cr);
  cairo_destroy (cr);
}

static void
snapshot_empty (CsTimelineView        *self,
                GtkSnapshot           *snapshot,
                const graphene_rect_t *track,
                const GdkRGBA         *fg)
{
  GskRoundedRect rounded;
  graphene_rect_t rect = GRAPHENE_RECT_INIT (SIDE_PAD, track->origin.y,
                                             MAX (1, track->size.width - 2 * SIDE_PAD), track->size.height);
  float widths[4] = { 1, 1, 1, 1 };
  GdkRGBA border = with_alpha (fg, 0.2), text = with_alpha (fg, 0.55);
  GdkRGBA colors[4] = { border, border, border, border };
  PangoRectangle logical;

  gsk_rounded_rect_init_from_rect (&rounded, &rect, BLOCK_RADIUS);
  gtk_snapshot_append_border (snapshot, &rounded, widths, colors);

  pango_layout_set_text (self->layout, _("Open a clip to edit its timeline"), -1);
  pango_layout_get_pixel_extents (self->layout, NULL, &logical);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (round (rect.origin.x + (rect.size.width - logical.width) / 2),
                                                          round (rect.origin.y + (rect.size.height - logical.height) / 2)));
  gtk_snapshot_append_layout (snapshot, self->layout, &text);
  gtk_snapshot_restore (snapshot);
}

static void
cs_timeline_view_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  CsTimelineView *self = CS_TIMELINE_VIEW (widget);
  graphene_rect_t ruler, strip, track;
  GdkRGBA fg, accent;
  double width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);

  if (width <= 0 || height <= 0)
    return;

  get_foreground (self, &fg);
  get_accent (self, &accent);
  ensure_font_metrics (self);
  cs_timeline_view_get_bands (self, &ruler, &strip, &track);

  if (self->content == NULL)
    {
      GtkSnapshot *content = gtk_snapshot_new ();

      snapshot_ruler (self, content, &ruler, &fg);
      if (self->timeline == NULL)
        snapshot_empty (self, content, &track, &fg);
      else
        {
          snapshot_strip (self, content, &strip, &fg);
          snapshot_segments (self, content, &track, &fg, &accent);
        }
      self->content = gtk_snapshot_free_to_node (content);
    }

  gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (self->content != NULL)
    gtk_snapshot_append_node (snapshot, self->content);
  if (self->timeline != NULL)
    snapshot_playhead (self, snapshot, &ruler, track.origin.y + track.size.height, &accent);

  /* The keyboard focus, as GNOME draws it: a soft accent ring. */
  if (gtk_widget_has_visible_focus (widget))
    {
      GskRoundedRect ring;
      GdkRGBA soft = with_alpha (&accent, 0.5);
      float widths[4] = { 2, 2, 2, 2 };
      GdkRGBA colors[4] = { soft, soft, soft, soft };

      gsk_rounded_rect_init_from_rect (&ring, &GRAPHENE_RECT_INIT (1, 1, width - 2, height - 2), BLOCK_RADIUS + 2);
      gtk_snapshot_append_border (snapshot, &ring, widths, colors);
    }
  gtk_snapshot_pop (snapshot);
}

/* Size --------------------------------------------------------------------------------------- */

static void
cs_timeline_view_measure (GtkWidget      *widget,
                          GtkOrientation  orientation,
                          int             for_size,
                          int            *minimum,
                          int            *natural,
                          int            *minimum_baseline,
                          int            *natural_baseline)
{
  CsTimelineView *self = CS_TIMELINE_VIEW (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 160;
      /* Zoomed in, the clip wants its width at that zoom; fitted, it takes
       * what it is given. */
      if (self->zoom_fits || self->timeline == NULL)
        *natural = 480;
      else
        *natural = (int) MIN (ceil (duration (self) * self->zoom + 2 * SIDE_PAD), 32768.0);
      *natural = MAX (*natural, *minimum);
    }
  else
    {
      graphene_rect_t strip;

      cs_timeline_view_get_bands (self, NULL, &strip, NULL);
      *minimum = *natural = (int) ceil (strip.origin.y + strip.size.height + BAND_GAP + track_min_height (self) + BOTTOM_PAD);
    }
}

static void
cs_timeline_view_size_allocate (GtkWidget *widget,
                                int        width,
                                int        height,
                                int        baseline)
{
  CsTimelineView *self = CS_TIMELINE_VIEW (widget);
  double old = self->zoom;

  g_clear_pointer (&self->content, gsk_render_node_unref);
  if (self->zoom_fits || self->zoom < min_zoom (self))
    self->zoom = min_zoom (self);
  self->zoom = CLAMP (self->zoom, min_zoom (self), max_zoom (self));
  self->offset = CLAMP (self->offset, 0.0, max_offset (self));
  if (self->zoom != old)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
}

static void
drop_font_caches (CsTimelineView *self)
{
  g_clear_pointer (&self->content, gsk_render_node_unref);
  g_clear_object (&self->layout);
  g_clear_pointer (&self->font, pango_font_description_free);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

static void
cs_timeline_view_css_changed (GtkWidget         *widget,
                              GtkCssStyleChange *change)
{
  CsTimelineView *self = CS_TIMELINE_VIEW (widget);
  const PangoFontDescription *font;

  GTK_WIDGET_CLASS (cs_timeline_view_parent_class)->css_changed (widget, change);

  /* Hover and focus change the style too: only a new font changes the
   * bands' heights. Colours are read at each snapshot. */
  font = pango_context_get_font_description (gtk_widget_get_pango_context (widget));
  if (self->font != NULL && font != NULL && !pango_font_description_equal (font, self->font))
    drop_font_caches (self);
  invalidate (self);
}

static void
cs_timeline_view_system_setting_changed (GtkWidget        *widget,
                                         GtkSystemSetting  setting)
{
  GTK_WIDGET_CLASS (cs_timeline_view_parent_class)->system_setting_changed (widget, setting);
  if (setting == GTK_SYSTEM_SETTING_FONT_NAME || setting == GTK_SYSTEM_SETTING_DPI ||
      setting == GTK_SYSTEM_SETTING_FONT_CONFIG)
    drop_font_caches (CS_TIMELINE_VIEW (widget));
}

/* Pointer ---------------------------------------------------------------------------------------- */

static Hit
hit_test (CsTimelineView *self,
          double          x,
          double          y)
{
  graphene_rect_t strip, track;
  gint64 total = n_frames (self);
  double best = HANDLE_GRAB;
  Hit hit = { HIT_NOTHING, 0, 0 };
  guint index, lo, hi;

  if (self->timeline == NULL || total <= 0)
    return hit;

  cs_timeline_view_get_bands (self, NULL, &strip, &track);
  if (y < strip.origin.y + strip.size.height + BAND_GAP / 2)
    {
      hit.kind = HIT_RULER;
      return hit;
    }
  if (y > track.origin.y + track.size.height + BOTTOM_PAD ||
      x < cs_timeline_view_frame_to_x (self, 0) - CUT_GRAB ||
      x > cs_timeline_view_frame_to_x (self, total) + CUT_GRAB)
    return hit;

  index = segment_at (self, (gint64) floor (x_to_frame_exact (self, x)));
  lo = index > 0 ? index - 1 : 0;
  hi = MIN (index + 1, cs_timeline_get_n_segments (self->timeline) - 1);

  /* Keyframes first: one often sits on a cut, and the cut can be grabbed
   * anywhere else along its height. */
  for (guint i = lo; i <= hi; i++)
    {
      CsSegment *segment = cs_timeline_get_segment (self->timeline, i);
      gint64 from = x_to_frame (self, x - HANDLE_GRAB, 0, total);
      guint n = cs_segment_get_n_keyframes (segment);
      double width = gtk_widget_get_width (GTK_WIDGET (self));

      /* The same keyframes as drawn, or a hidden one could be grabbed. */
      if (!handles_fit (self, segment, x_to_frame (self, -HANDLE_GRAB, 0, total),
                        x_to_frame (self, width + HANDLE_GRAB, 0, total)))
        continue;

      for (guint k = first_keyframe_from (segment, from); k < n; k++)
        {
          const CsKeyframe *key = cs_segment_get_keyframe (segment, k);
          double kx = cs_timeline_view_frame_to_x (self, key->frame);
          double ky = cs_timeline_view_degree_to_y (self, key->degree);
          double d = hypot (kx - x, ky - y);

          if (kx > x + HANDLE_GRAB)
            break;
          if (d <= best)
            {
              best = d;
              hit = (Hit) { HIT_KEYFRAME, i, key->frame };
            }
        }
    }
  if (hit.kind == HIT_KEYFRAME)
    return hit;

  for (guint i = MAX (lo, 1); i <= hi; i++)
    {
      double cx = cs_timeline_view_frame_to_x (self, cs_segment_get_start (cs_timeline_get_segment (self->timeline, i)));

      if (fabs (cx - x) <= CUT_GRAB)
        return (Hit) { HIT_CUT, i, 0 };
    }

  return (Hit) { HIT_SEGMENT, index, 0 };
}

const char *
cs_timeline_view_get_cursor_at (CsTimelineView *self,
                                double          x,
                                double          y)
{
  g_return_val_if_fail (CS_IS_TIMELINE_VIEW (self), NULL);

  switch (hit_test (self, x, y).kind)
    {
    case HIT_CUT:
      return "col-resize";
    case HIT_KEYFRAME:
      return "grab";
    case HIT_SEGMENT:
      return "pointer";
    case HIT_RULER:
    case HIT_NOTHING:
    default:
      return NULL;
    }
}

static void
set_cursor (CsTimelineView *self,
            const char     *name)
{
  if (g_strcmp0 (name, self->cursor_name) == 0)
    return;
  self->cursor_name = name;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), name);
}

static void
open_group (CsTimelineView *self,
            const char     *label)
{
  if (self->group_open)
    return;
  cs_project_begin_group (self->project, label);
  self->group_open = TRUE;
}

void
cs_timeline_view_pointer_press (CsTimelineView *self,
                                double          x,
                                double          y)
{
  Hit hit;

  g_return_if_fail (CS_IS_TIMELINE_VIEW (self));

  end_drag (self);
  hit = hit_test (self, x, y);
  if (hit.kind == HIT_CUT || hit.kind == HIT_KEYFRAME)
    invalidate (self);
  self->drag_x = x;
  self->drag_y = y;
  self->drag_moved = FALSE;

  switch (hit.kind)
    {
    case HIT_RULER:
      /* Scrubbing from the press on: the preview can answer the press
       * with a quick frame and the release with the full one. */
      self->drag = DRAG_SCRUB;
      set_scrubbing (self, TRUE);
      move_playhead (self, x_to_frame (self, x, 0, n_frames (self) - 1), FALSE);
      break;

    case HIT_CUT:
      {
        CsSegment *before = cs_timeline_get_segment (self->timeline, hit.segment - 1);
        CsSegment *after = cs_timeline_get_segment (self->timeline, hit.segment);

        self->drag = DRAG_BOUNDARY;
        self->drag_segment = hit.segment;
        self->drag_min = cs_segment_get_start (before) + 1;
        self->drag_max = cs_segment_get_end (after) - 1;
        set_cursor (self, "col-resize");
      }
      break;

    case HIT_KEYFRAME:
      {
        CsSegment *segment = cs_timeline_get_segment (self->timeline, hit.segment);

        self->drag = DRAG_KEYFRAME;
        self->drag_segment = hit.segment;
        self->drag_frame = hit.frame;
        self->drag_min = cs_segment_get_start (segment);
        self->drag_max = cs_segment_get_end (segment) - 1;
        set_selected (self, hit.segment);
        set_cursor (self, "grabbing");
      }
      break;

    case HIT_SEGMENT:
      self->drag = DRAG_SEGMENT;
      set_selected (self, hit.segment);
      break;

    case HIT_NOTHING:
    default:
      self->drag = DRAG_NONE;
      break;
    }
}

static void apply_drag (CsTimelineView *self, double x, double y);

/* Pixels a frame to scroll by while a drag holds the pointer near or past
 * an edge, faster the further out; 0 away from the edges. */
static double
edge_speed (CsTimelineView *self,
            double          x)
{
  double width = gtk_widget_get_width (GTK_WIDGET (self));
  double zone = 2 * SIDE_PAD, over = 0;

  if (self->drag == DRAG_NONE || self->drag == DRAG_SEGMENT || max_offset (self) <= 0)
    return 0;
  if (x < zone)
    over = x - zone;
  else if (x > width - zone)
    over = x - (width - zone);
  return CLAMP (over / 3, -40.0, 40.0);
}

static gboolean
autoscroll_tick (GtkWidget     *widget,
                 GdkFrameClock *frame_clock,
                 gpointer       user_data)
{
  CsTimelineView *self = CS_TIMELINE_VIEW (widget);
  double speed = edge_speed (self, self->last_x);

  if (speed == 0)
    {
      self->autoscroll_id = 0;
      return G_SOURCE_REMOVE;
    }
  cs_timeline_view_scroll_by (self, speed);
  /* What is under the still pointer has changed: drag on to it. */
  apply_drag (self, self->last_x, self->last_y);
  return G_SOURCE_CONTINUE;
}

void
cs_timeline_view_pointer_motion (CsTimelineView *self,
                                 double          x,
                                 double          y)
{
  g_return_if_fail (CS_IS_TIMELINE_VIEW (self));

  if (self->drag == DRAG_NONE || self->timeline == NULL)
    return;
  /* A click that wobbles a pixel is still a click. */
  if (!self->drag_moved && hypot (x - self->drag_x, y - self->drag_y) < 2.0)
    return;
  self->drag_moved = TRUE;
  self->last_x = x;
  self->last_y = y;

  apply_drag (self, x, y);
  if (edge_speed (self, x) != 0 && self->autoscroll_id == 0)
    self->autoscroll_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), autoscroll_tick, NULL, NULL);
}

static void
apply_drag (CsTimelineView *self,
            double          x,
            double          y)
{
  g_autoptr(GError) error = NULL;

  switch (self->drag)
    {
    case DRAG_SCRUB:
      move_playhead (self, x_to_frame (self, x, 0, n_frames (self) - 1), FALSE);
      break;

    case DRAG_BOUNDARY:
      {
        gint64 frame = x_to_frame (self, x, self->drag_min, self->drag_max);

        open_group (self, _("Move Cut"));
        if (!cs_project_move_boundary (self->project, self->drag_segment, frame, &error))
          g_debug ("Cut not moved: %s", error->message);
      }
      break;

    case DRAG_KEYFRAME:
      {
        gint64 frame = x_to_frame (self, x, self->drag_min, self->drag_max);
        double degree = y_to_degree (self, y);
        CsSegment *segment;
        guint other;

        /* Another keyframe in the way: keep the frame, still follow the
         * degree, as other editors do when a point meets its neighbour. */
        segment = cs_timeline_get_segment (self->timeline, self->drag_segment);
        if (frame != self->drag_frame && cs_segment_find_keyframe (segment, frame, &other))
          frame = self->drag_frame;

        open_group (self, _("Move Keyframe"));
        if (cs_project_move_keyframe (self->project, self->drag_frame, frame, degree, &error))
          self->drag_frame = frame;
        else
          g_debug ("Keyframe not moved: %s", error->message);
      }
      break;

    case DRAG_SEGMENT:
    case DRAG_NONE:
    default:
      break;
    }
}

void
cs_timeline_view_pointer_release (CsTimelineView *self)
{
  g_return_if_fail (CS_IS_TIMELINE_VIEW (self));

  end_drag (self);
}

void
cs_timeline_view_pointer_double_click (CsTimelineView *self,
                                       double          x,
                                       double          y)
{
  g_autoptr(GError) error = NULL;
  CsSegment *segment;
  Hit hit = hit_test (self, x, y);
  gint64 frame;
  double degree, curve_y;
  guint k;

  g_return_if_fail (CS_IS_TIMELINE_VIEW (self));

  if (hit.kind != HIT_SEGMENT)
    return;

  segment = cs_timeline_get_segment (self->timeline, hit.segment);
  if (cs_segment_get_style (segment) == NULL)
    {
      /* No style, no degree to key: give the segment a style first. */
      gtk_widget_error_bell (GTK_WIDGET (self));
      return;
    }
  frame = x_to_frame (self, x, cs_segment_get_start (segment), cs_segment_get_end (segment) - 1);
  if (cs_segment_find_keyframe (segment, frame, &k))
    {
      gtk_widget_error_bell (GTK_WIDGET (self));
      return;
    }

  /* On the curve the new point keeps its shape; elsewhere in the body it
   * goes where the user clicked. */
  degree = cs_segment_get_degree_at (segment, frame);
  curve_y = cs_timeline_view_degree_to_y (self, degree);
  if (fabs (curve_y - y) > HANDLE_GRAB * 1.5)
    degree = y_to_degree (self, y);

  if (!cs_project_add_keyframe (self->project, frame, degree, CS_INTERPOLATION_LINEAR, &error))
    {
      g_debug ("Keyframe not added: %s", error->message);
      gtk_widget_error_bell (GTK_WIDGET (self));
    }
}

static void
on_drag_begin (GtkGestureDrag *gesture,
               double          x,
               double          y,
               CsTimelineView *self)
{
  g_assert (GTK_IS_GESTURE_DRAG (gesture));
  g_assert (CS_IS_TIMELINE_VIEW (self));

  if (gtk_widget_get_focus_on_click (GTK_WIDGET (self)))
    gtk_widget_grab_focus (GTK_WIDGET (self));
  cs_timeline_view_pointer_press (self, x, y);
  if (self->drag != DRAG_NONE)
    gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

static void
on_drag_update (GtkGestureDrag *gesture,
                double          dx,
                double          dy,
                CsTimelineView *self)
{
  double x, y;

  g_assert (GTK_IS_GESTURE_DRAG (gesture));
  g_assert (CS_IS_TIMELINE_VIEW (self));

  gtk_gesture_drag_get_start_point (gesture, &x, &y);
  cs_timeline_view_pointer_motion (self, x + dx, y + dy);
}

static void
on_drag_end (GtkGestureDrag *gesture,
             double          dx,
             double          dy,
             CsTimelineView *self)
{
  double x, y;

  g_assert (GTK_IS_GESTURE_DRAG (gesture));
  g_assert (CS_IS_TIMELINE_VIEW (self));

  cs_timeline_view_pointer_release (self);
  gtk_gesture_drag_get_start_point (gesture, &x, &y);
  self->cursor_name = "";
  set_cursor (self, cs_timeline_view_get_cursor_at (self, x + dx, y + dy));
}

static void
on_drag_cancel (GtkGesture       *gesture,
                GdkEventSequence *sequence,
                CsTimelineView   *self)
{
  g_assert (GTK_IS_GESTURE (gesture));
  g_assert (CS_IS_TIMELINE_VIEW (self));

  cs_timeline_view_pointer_release (self);
}

static void
on_click_pressed (GtkGestureClick *gesture,
                  int              n_press,
                  double           x,
                  double           y,
                  CsTimelineView  *self)
{
  g_assert (GTK_IS_GESTURE_CLICK (gesture));
  g_assert (CS_IS_TIMELINE_VIEW (self));

  if (n_press == 2)
    cs_timeline_view_pointer_double_click (self, x, y);
}

static void
on_motion (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           CsTimelineView           *self)
{
  g_assert (GTK_IS_EVENT_CONTROLLER_MOTION (controller));
  g_assert (CS_IS_TIMELINE_VIEW (self));

  self->pointer_x = x;
  if (self->drag == DRAG_NONE)
    {
      Hit hit = hit_test (self, x, y);

      gboolean shown = hit.kind == HIT_CUT || hit.kind == HIT_KEYFRAME ||
                       self->hover.kind == HIT_CUT || self->hover.kind == HIT_KEYFRAME;

      /* Only a cut or a keyframe under the pointer is drawn differently. */
      if (shown && (hit.kind != self->hover.kind || hit.segment != self->hover.segment ||
                    hit.frame != self->hover.frame))
        invalidate (self);
      self->hover = hit;
      set_cursor (self, cs_timeline_view_get_cursor_at (self, x, y));
    }
}

static void
on_leave (GtkEventControllerMotion *controller,
          CsTimelineView           *self)
{
  g_assert (GTK_IS_EVENT_CONTROLLER_MOTION (controller));
  g_assert (CS_IS_TIMELINE_VIEW (self));

  if (self->hover.kind == HIT_CUT || self->hover.kind == HIT_KEYFRAME)
    invalidate (self);
  self->hover = (Hit) { HIT_NOTHING, 0, 0 };
}

static gboolean
on_scroll (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           CsTimelineView           *self)
{
  GdkModifierType state;
  gboolean wheel;

  g_assert (GTK_IS_EVENT_CONTROLLER_SCROLL (controller));
  g_assert (CS_IS_TIMELINE_VIEW (self));

  if (self->timeline == NULL)
    return FALSE;

  state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));
  wheel = gtk_event_controller_scroll_get_unit (controller) == GDK_SCROLL_UNIT_WHEEL;

  if (state & GDK_CONTROL_MASK)
    {
      double steps = wheel ? dy : dy / 20.0;

      cs_timeline_view_zoom_around (self, self->zoom * pow (WHEEL_ZOOM, -steps), self->pointer_x);
      return TRUE;
    }

  /* Fitted, there is nothing to pan: let a scrolled parent have the wheel. */
  if (max_offset (self) <= 0)
    return FALSE;

  /* A timeline only scrolls sideways: vertical wheels pan it too. */
  cs_timeline_view_scroll_by (self, (dx + dy) * (wheel ? WHEEL_PAN : 1.0));
  return TRUE;
}

static void
on_zoom_begin (GtkGesture       *gesture,
               GdkEventSequence *sequence,
               CsTimelineView   *self)
{
  double x, y;

  g_assert (GTK_IS_GESTURE_ZOOM (gesture));
  g_assert (CS_IS_TIMELINE_VIEW (self));

  self->zoom_gesture_start = self->zoom;
  self->zoom_gesture_x = gtk_gesture_get_bounding_box_center (gesture, &x, &y) ? x : self->pointer_x;
}

static void
on_zoom_scale_changed (GtkGestureZoom *gesture,
                       double          scale,
                       CsTimelineView *self)
{
  g_assert (GTK_IS_GESTURE_ZOOM (gesture));
  g_assert (CS_IS_TIMELINE_VIEW (self));

  cs_timeline_view_zoom_around (self, self->zoom_gesture_start * scale, self->zoom_gesture_x);
}

/* Actions ------------------------------------------------------------------------------------------ */

static void
action_step (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  CsTimelineView *self = CS_TIMELINE_VIEW (widget);

  move_playhead (self, self->playhead + g_variant_get_int32 (param), TRUE);
}

static void
action_step_seconds (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *param)
{
  CsTimelineView *self = CS_TIMELINE_VIEW (widget);

  move_playhead (self, self->playhead + g_variant_get_int32 (param) * frames_per_second (self), TRUE);
}

static void
action_home (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  move_playhead (CS_TIMELINE_VIEW (widget), 0, TRUE);
}

static void
action_end (GtkWidget  *widget,
            const char *action_name,
            GVariant   *param)
{
  CsTimelineView *self = CS_TIMELINE_VIEW (widget);

  move_playhead (self, n_frames (self) - 1, TRUE);
}

static void
action_split (GtkWidget  *widget,
              const char *action_name,
              GVariant   *param)
{
  CsTimelineView *self = CS_TIMELINE_VIEW (widget);
  g_autoptr(GError) error = NULL;

  if (self->project == NULL || !cs_project_split (self->project, self->playhead, &error))
    {
      if (error != NULL)
        g_debug ("Not split: %s", error->message);
      gtk_widget_error_bell (widget);
      return;
    }
  set_selected (self, segment_at (self, self->playhead));
}

static void
action_join (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  CsTimelineView *self = CS_TIMELINE_VIEW (widget);
  g_autoptr(GError) error = NULL;
  guint n, index;

  if (self->project == NULL || (n = cs_project_get_n_segments (self->project)) < 2)
    {
      gtk_widget_error_bell (widget);
      return;
    }

  /* The last segment has no next: it joins the one before it. */
  index = MIN (self->selected, n - 1);
  if (index == n - 1)
    index--;
  if (!cs_project_join (self->project, index, &error))
    {
      g_debug ("Not joined: %s", error->message);
      gtk_widget_error_bell (widget);
      return;
    }
  set_selected (self, index);
}

static void
action_zoom_in (GtkWidget  *widget,
                const char *action_name,
                GVariant   *param)
{
  CsTimelineView *self = CS_TIMELINE_VIEW (widget);

  cs_timeline_view_zoom_around (self, self->zoom * 1.5, cs_timeline_view_frame_to_x (self, self->playhead));
  scroll_to_frame (self, self->playhead);
}

static void
action_zoom_out (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *param)
{
  CsTimelineView *self = CS_TIMELINE_VIEW (widget);

  cs_timeline_view_zoom_around (self, self->zoom / 1.5, cs_timeline_view_frame_to_x (self, self->playhead));
}

static void
action_zoom_fit (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *param)
{
  cs_timeline_view_zoom_to_fit (CS_TIMELINE_VIEW (widget));
}

/* GObject --------------------------------------------------------------------------------------------- */

static void
cs_timeline_view_dispose (GObject *object)
{
  CsTimelineView *self = CS_TIMELINE_VIEW (object);

  end_drag (self);
  cs_timeline_view_set_thumbnail_func (self, NULL, NULL, NULL);
  if (self->project != NULL)
    g_clear_signal_handler (&self->timeline_handler, self->project);
  g_clear_object (&self->project);
  g_clear_pointer (&self->timeline, cs_timeline_unref);
  g_clear_object (&self->layout);
  g_clear_pointer (&self->font, pango_font_description_free);
  g_clear_pointer (&self->content, gsk_render_node_unref);

  G_OBJECT_CLASS (cs_timeline_view_parent_class)->dispose (object);
}

static void
cs_timeline_view_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  CsTimelineView *self = CS_TIMELINE_VIEW (object);

  switch (prop_id)
    {
    case PROP_PROJECT:
      g_value_set_object (value, self->project);
      break;
    case PROP_PLAYHEAD:
      g_value_set_int64 (value, self->playhead);
      break;
    case PROP_SCRUBBING:
      g_value_set_boolean (value, self->scrubbing);
      break;
    case PROP_SELECTED_SEGMENT:
      g_value_set_uint (value, self->selected);
      break;
    case PROP_ZOOM:
      g_value_set_double (value, self->zoom);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cs_timeline_view_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  CsTimelineView *self = CS_TIMELINE_VIEW (object);

  switch (prop_id)
    {
    case PROP_PROJECT:
      cs_timeline_view_set_project (self, g_value_get_object (value));
      break;
    case PROP_PLAYHEAD:
      cs_timeline_view_set_playhead (self, g_value_get_int64 (value));
      break;
    case PROP_SELECTED_SEGMENT:
      cs_timeline_view_set_selected_segment (self, g_value_get_uint (value));
      break;
    case PROP_ZOOM:
      cs_timeline_view_set_zoom (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
add_binding (GtkWidgetClass  *widget_class,
             guint            key,
             GdkModifierType  mods,
             const char      *action,
             const char      *format,
             int              value)
{
  if (format != NULL)
    gtk_widget_class_add_binding_action (widget_class, key, mods, action, format, value);
  else
    gtk_widget_class_add_binding_action (widget_class, key, mods, action, NULL);
}

static void
cs_timeline_view_class_init (CsTimelineViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cs_timeline_view_dispose;
  object_class->get_property = cs_timeline_view_get_property;
  object_class->set_property = cs_timeline_view_set_property;

  widget_class->snapshot = cs_timeline_view_snapshot;
  widget_class->measure = cs_timeline_view_measure;
  widget_class->size_allocate = cs_timeline_view_size_allocate;
  widget_class->css_changed = cs_timeline_view_css_changed;
  widget_class->system_setting_changed = cs_timeline_view_system_setting_changed;

  properties[PROP_PROJECT] =
    g_param_spec_object ("project", NULL, NULL, CS_TYPE_PROJECT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PLAYHEAD] =
    g_param_spec_int64 ("playhead", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SCRUBBING] =
    g_param_spec_boolean ("scrubbing", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SELECTED_SEGMENT] =
    g_param_spec_uint ("selected-segment", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ZOOM] =
    g_param_spec_double ("zoom", NULL, NULL, 0, G_MAXDOUBLE, 0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "timeline.step", "i", action_step);
  gtk_widget_class_install_action (widget_class, "timeline.step-seconds", "i", action_step_seconds);
  gtk_widget_class_install_action (widget_class, "timeline.home", NULL, action_home);
  gtk_widget_class_install_action (widget_class, "timeline.end", NULL, action_end);
  gtk_widget_class_install_action (widget_class, "timeline.split", NULL, action_split);
  gtk_widget_class_install_action (widget_class, "timeline.join", NULL, action_join);
  gtk_widget_class_install_action (widget_class, "timeline.zoom-in", NULL, action_zoom_in);
  gtk_widget_class_install_action (widget_class, "timeline.zoom-out", NULL, action_zoom_out);
  gtk_widget_class_install_action (widget_class, "timeline.zoom-fit", NULL, action_zoom_fit);

  add_binding (widget_class, GDK_KEY_Left, 0, "timeline.step", "i", -1);
  add_binding (widget_class, GDK_KEY_KP_Left, 0, "timeline.step", "i", -1);
  add_binding (widget_class, GDK_KEY_Right, 0, "timeline.step", "i", 1);
  add_binding (widget_class, GDK_KEY_KP_Right, 0, "timeline.step", "i", 1);
  add_binding (widget_class, GDK_KEY_Left, GDK_SHIFT_MASK, "timeline.step-seconds", "i", -1);
  add_binding (widget_class, GDK_KEY_KP_Left, GDK_SHIFT_MASK, "timeline.step-seconds", "i", -1);
  add_binding (widget_class, GDK_KEY_Right, GDK_SHIFT_MASK, "timeline.step-seconds", "i", 1);
  add_binding (widget_class, GDK_KEY_KP_Right, GDK_SHIFT_MASK, "timeline.step-seconds", "i", 1);
  add_binding (widget_class, GDK_KEY_Home, 0, "timeline.home", NULL, 0);
  add_binding (widget_class, GDK_KEY_KP_Home, 0, "timeline.home", NULL, 0);
  add_binding (widget_class, GDK_KEY_End, 0, "timeline.end", NULL, 0);
  add_binding (widget_class, GDK_KEY_KP_End, 0, "timeline.end", NULL, 0);
  add_binding (widget_class, GDK_KEY_s, 0, "timeline.split", NULL, 0);
  add_binding (widget_class, GDK_KEY_Delete, 0, "timeline.join", NULL, 0);
  add_binding (widget_class, GDK_KEY_KP_Delete, 0, "timeline.join", NULL, 0);
  add_binding (widget_class, GDK_KEY_BackSpace, 0, "timeline.join", NULL, 0);
  add_binding (widget_class, GDK_KEY_plus, 0, "timeline.zoom-in", NULL, 0);
  add_binding (widget_class, GDK_KEY_plus, GDK_SHIFT_MASK, "timeline.zoom-in", NULL, 0);
  add_binding (widget_class, GDK_KEY_equal, 0, "timeline.zoom-in", NULL, 0);
  add_binding (widget_class, GDK_KEY_KP_Add, 0, "timeline.zoom-in", NULL, 0);
  add_binding (widget_class, GDK_KEY_minus, 0, "timeline.zoom-out", NULL, 0);
  add_binding (widget_class, GDK_KEY_KP_Subtract, 0, "timeline.zoom-out", NULL, 0);
  add_binding (widget_class, GDK_KEY_0, 0, "timeline.zoom-fit", NULL, 0);
  add_binding (widget_class, GDK_KEY_KP_0, 0, "timeline.zoom-fit", NULL, 0);

  gtk_widget_class_set_css_name (widget_class, "timeline");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_SLIDER);
}

static void
cs_timeline_view_init (CsTimelineView *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GtkGesture *drag, *click, *zoom;
  GtkEventController *motion, *scroll;

  self->rate_num = 30;
  self->rate_den = 1;
  self->zoom = 1.0;
  self->zoom_fits = TRUE;

  gtk_widget_set_focusable (widget, TRUE);
  gtk_widget_set_focus_on_click (widget, TRUE);
  gtk_widget_set_overflow (widget, GTK_OVERFLOW_HIDDEN);

  drag = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), GDK_BUTTON_PRIMARY);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (on_drag_end), self);
  g_signal_connect (drag, "cancel", G_CALLBACK (on_drag_cancel), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (drag));

  /* Grouped with the drag so that claiming the press for a drag does not
   * deny the double click. */
  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect (click, "pressed", G_CALLBACK (on_click_pressed), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (click));
  gtk_gesture_group (click, drag);

  zoom = gtk_gesture_zoom_new ();
  g_signal_connect (zoom, "begin", G_CALLBACK (on_zoom_begin), self);
  g_signal_connect (zoom, "scale-changed", G_CALLBACK (on_zoom_scale_changed), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (zoom));

  motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "enter", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (widget, motion);

  scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect (scroll, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (widget, scroll);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Timeline"),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  _("The clip's segments and styles; the value is the playhead"),
                                  -1);
  update_actions (self);
  update_accessible (self);
}

/* Public API ------------------------------------------------------------------------------------------------- */

GtkWidget *
cs_timeline_view_new (void)
{
  return g_object_new (CS_TYPE_TIMELINE_VIEW, NULL);
}

void
cs_timeline_view_set_project (CsTimelineView *self,
                              CsProject      *project)
{
  g_return_if_fail (CS_IS_TIMELINE_VIEW (self));
  g_return_if_fail (project == NULL || CS_IS_PROJECT (project));

  if (self->project == project)
    return;

  end_drag (self);
  if (self->project != NULL)
    g_clear_signal_handler (&self->timeline_handler, self->project);
  g_set_object (&self->project, project);
  if (project != NULL)
    {
      CsSourceClip *source = cs_project_get_source (project);

      self->timeline_handler = g_signal_connect (project, "notify::timeline",
                                                 G_CALLBACK (on_notify_timeline), self);
      if (!self->rate_from_user && source != NULL)
        {
          int num, den;

          cs_source_clip_get_frame_rate (source, &num, &den);
          if (num > 0 && den > 0)
            {
              self->rate_num = num;
              self->rate_den = den;
            }
        }
    }

  /* A new document starts fitted, at its first frame. */
  self->zoom_fits = TRUE;
  self->offset = 0;
  timeline_changed (self);
  set_selected (self, segment_at (self, self->playhead));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROJECT]);
}

CsProject *
cs_timeline_view_get_project (CsTimelineView *self)
{
  g_return_val_if_fail (CS_IS_TIMELINE_VIEW (self), NULL);

  return self->project;
}

void
cs_timeline_view_set_frame_rate (CsTimelineView *self,
                                 int             num,
                                 int             den)
{
  g_return_if_fail (CS_IS_TIMELINE_VIEW (self));
  g_return_if_fail (num > 0 && den > 0);

  self->rate_num = num;
  self->rate_den = den;
  self->rate_from_user = TRUE;
  if (self->zoom_fits)
    self->zoom = min_zoom (self);
  self->zoom = CLAMP (self->zoom, min_zoom (self), max_zoom (self));
  self->offset = CLAMP (self->offset, 0.0, max_offset (self));
  update_accessible (self);
  invalidate (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
}

gint64
cs_timeline_view_get_playhead (CsTimelineView *self)
{
  g_return_val_if_fail (CS_IS_TIMELINE_VIEW (self), 0);

  return self->playhead;
}

void
cs_timeline_view_set_playhead (CsTimelineView *self,
                               gint64          frame)
{
  g_return_if_fail (CS_IS_TIMELINE_VIEW (self));

  /* Playback sets it from outside: keep it in view, but never pull the view
   * from under a pointer that is scrubbing. */
  move_playhead (self, frame, self->drag == DRAG_NONE);
}

gboolean
cs_timeline_view_get_scrubbing (CsTimelineView *self)
{
  g_return_val_if_fail (CS_IS_TIMELINE_VIEW (self), FALSE);

  return self->scrubbing;
}

guint
cs_timeline_view_get_selected_segment (CsTimelineView *self)
{
  g_return_val_if_fail (CS_IS_TIMELINE_VIEW (self), 0);

  return self->selected;
}

void
cs_timeline_view_set_selected_segment (CsTimelineView *self,
                                       guint           index)
{
  g_return_if_fail (CS_IS_TIMELINE_VIEW (self));

  set_selected (self, index);
}

double
cs_timeline_view_get_zoom (CsTimelineView *self)
{
  g_return_val_if_fail (CS_IS_TIMELINE_VIEW (self), 0.0);

  return self->zoom;
}

void
cs_timeline_view_set_zoom (CsTimelineView *self,
                           double          pixels_per_second)
{
  g_return_if_fail (CS_IS_TIMELINE_VIEW (self));

  /* Around the playhead, as the keyboard zooms. */
  cs_timeline_view_zoom_around (self, pixels_per_second,
                                cs_timeline_view_frame_to_x (self, self->playhead));
}

void
cs_timeline_view_zoom_to_fit (CsTimelineView *self)
{
  g_return_if_fail (CS_IS_TIMELINE_VIEW (self));

  cs_timeline_view_zoom_around (self, min_zoom (self), SIDE_PAD);
  self->zoom_fits = TRUE;
}

void
cs_timeline_view_set_thumbnail_func (CsTimelineView  *self,
                                     CsThumbnailFunc  func,
                                     gpointer         user_data,
                                     GDestroyNotify   destroy)
{
  GDestroyNotify old_destroy;
  gpointer old_data;

  g_return_if_fail (CS_IS_TIMELINE_VIEW (self));

  old_destroy = self->thumbnail_destroy;
  old_data = self->thumbnail_data;
  self->thumbnail_func = func;
  self->thumbnail_data = user_data;
  self->thumbnail_destroy = destroy;
  if (old_destroy != NULL)
    old_destroy (old_data);
  invalidate (self);
}

void
cs_timeline_view_thumbnails_changed (CsTimelineView *self)
{
  g_return_if_fail (CS_IS_TIMELINE_VIEW (self));

  invalidate (self);
}
