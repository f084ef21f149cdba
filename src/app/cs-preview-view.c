/* cs-preview-view.c: the styled frame, the original, or both side by side
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "cs-preview-view.h"

#define HANDLE_RADIUS 14.0
/* The face rectangle's corner brackets: drawn this big, grabbed this far. */
#define FACE_BRACKET_LENGTH 18.0
#define FACE_BRACKET_WIDTH 4.0
#define FACE_GRAB_DISTANCE 14.0
/* The smallest face side, in source pixels: the encoder needs some face. */
#define FACE_MIN_SIDE 16

typedef enum {
  GRAB_NONE,
  GRAB_MOVE,
  GRAB_TOP_LEFT,
  GRAB_TOP_RIGHT,
  GRAB_BOTTOM_LEFT,
  GRAB_BOTTOM_RIGHT,
} FaceGrab;

struct _CsPreviewView {
  GtkWidget       parent_instance;

  CsPreviewFrame *frame;
  GdkTexture     *original;
  GdkTexture     *styled;
  CsPreviewMode   mode;
  double          split;
  double          drag_start_split;
  PangoLayout    *original_label;
  PangoLayout    *styled_label;

  /* The face rectangle, in source pixels. */
  gboolean        face_editing;
  int             source_width;
  int             source_height;
  gboolean        face_set;        /* FALSE: the centred square */
  CsFaceRect      face;
  FaceGrab        grab;
  CsFaceRect      grab_start;
  CsFaceRect      dragged;
  double          press_x;
  double          press_y;
  PangoLayout    *face_label;
};

G_DEFINE_FINAL_TYPE (CsPreviewView, cs_preview_view, GTK_TYPE_WIDGET)

G_DEFINE_ENUM_TYPE (CsPreviewMode, cs_preview_mode,
  G_DEFINE_ENUM_VALUE (CS_PREVIEW_MODE_STYLED, "styled"),
  G_DEFINE_ENUM_VALUE (CS_PREVIEW_MODE_ORIGINAL, "original"),
  G_DEFINE_ENUM_VALUE (CS_PREVIEW_MODE_SPLIT, "split"))

enum {
  PROP_0,
  PROP_MODE,
  PROP_SPLIT_POSITION,
  PROP_FACE_EDITING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_FACE_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static GdkTexture *
texture_for (CsPreviewFrame *frame,
             GBytes         *pixels)
{
  return gdk_memory_texture_new (cs_preview_frame_get_width (frame),
                                 cs_preview_frame_get_height (frame),
                                 GDK_MEMORY_R8G8B8A8, pixels,
                                 (gsize) cs_preview_frame_get_width (frame) * 4);
}

void
cs_preview_view_get_frame_rect (CsPreviewView   *self,
                                graphene_rect_t *rect)
{
  double width = gtk_widget_get_width (GTK_WIDGET (self));
  double height = gtk_widget_get_height (GTK_WIDGET (self));
  double fw, fh, scale;

  g_return_if_fail (CS_IS_PREVIEW_VIEW (self));

  if (self->frame == NULL || width <= 0 || height <= 0)
    {
      graphene_rect_init (rect, 0, 0, 0, 0);
      return;
    }
  fw = cs_preview_frame_get_width (self->frame);
  fh = cs_preview_frame_get_height (self->frame);
  scale = MIN (width / fw, height / fh);
  graphene_rect_init (rect, floor ((width - fw * scale) / 2), floor ((height - fh * scale) / 2),
                      ceil (fw * scale), ceil (fh * scale));
}

static void append_label (GtkSnapshot *snapshot,
                          PangoLayout *layout,
                          double       x,
                          double       y,
                          gboolean     align_right);

/* The face rectangle ---------------------------------------------------------------------- */

static gboolean
source_size (CsPreviewView *self,
             int           *width,
             int           *height)
{
  if (self->source_width > 0 && self->source_height > 0)
    {
      *width = self->source_width;
      *height = self->source_height;
      return TRUE;
    }
  if (self->frame == NULL)
    return FALSE;
  *width = cs_preview_frame_get_width (self->frame);
  *height = cs_preview_frame_get_height (self->frame);
  return *width > 0 && *height > 0;
}

/* rect kept inside a width x height frame, at least FACE_MIN_SIDE (or the
 * frame's smaller side) wide and high. */
static CsFaceRect
clamp_inside (CsFaceRect rect,
              int        width,
              int        height)
{
  int least = MIN (FACE_MIN_SIDE, MIN (width, height));

  rect.width = CLAMP (rect.width, least, width);
  rect.height = CLAMP (rect.height, least, height);
  rect.x = CLAMP (rect.x, 0, width - rect.width);
  rect.y = CLAMP (rect.y, 0, height - rect.height);
  return rect;
}

gboolean
cs_preview_view_get_face (CsPreviewView *self,
                          CsFaceRect    *rect)
{
  int width, height;

  g_return_val_if_fail (CS_IS_PREVIEW_VIEW (self), FALSE);
  g_return_val_if_fail (rect != NULL, FALSE);

  if (!source_size (self, &width, &height))
    return FALSE;
  if (self->grab != GRAB_NONE)
    *rect = self->dragged;
  else if (self->face_set)
    /* A rectangle set elsewhere may reach out of the frame; the part the
     * code is taken from is what shows. */
    *rect = clamp_inside (self->face, width, height);
  else
    {
      int side = MIN (width, height);

      *rect = (CsFaceRect) { (width - side) / 2, (height - side) / 2, side, side };
    }
  return TRUE;
}

gboolean
cs_preview_view_get_face_widget_rect (CsPreviewView   *self,
                                      graphene_rect_t *rect)
{
  graphene_rect_t frame;
  CsFaceRect face;
  int width, height;
  double sx, sy;

  g_return_val_if_fail (CS_IS_PREVIEW_VIEW (self), FALSE);

  cs_preview_view_get_frame_rect (self, &frame);
  if (frame.size.width <= 0 || !source_size (self, &width, &height) ||
      !cs_preview_view_get_face (self, &face))
    {
      graphene_rect_init (rect, 0, 0, 0, 0);
      return FALSE;
    }
  sx = frame.size.width / width;
  sy = frame.size.height / height;
  graphene_rect_init (rect, frame.origin.x + face.x * sx, frame.origin.y + face.y * sy,
                      face.width * sx, face.height * sy);
  return TRUE;
}

/* What a press at (x, y) would grab. */
static FaceGrab
face_hit (CsPreviewView *self,
          double         x,
          double         y)
{
  graphene_rect_t r;
  const struct { FaceGrab grab; double fx, fy; } corners[] = {
    { GRAB_TOP_LEFT, 0, 0 }, { GRAB_TOP_RIGHT, 1, 0 },
    { GRAB_BOTTOM_LEFT, 0, 1 }, { GRAB_BOTTOM_RIGHT, 1, 1 },
  };
  FaceGrab best = GRAB_NONE;
  double best_distance = FACE_GRAB_DISTANCE;

  if (!self->face_editing || !cs_preview_view_get_face_widget_rect (self, &r))
    return GRAB_NONE;
  for (guint i = 0; i < G_N_ELEMENTS (corners); i++)
    {
      double cx = r.origin.x + corners[i].fx * r.size.width;
      double cy = r.origin.y + corners[i].fy * r.size.height;
      double d = hypot (x - cx, y - cy);

      if (d <= best_distance)
        {
          best = corners[i].grab;
          best_distance = d;
        }
    }
  if (best != GRAB_NONE)
    return best;
  return graphene_rect_contains_point (&r, &GRAPHENE_POINT_INIT (x, y)) ? GRAB_MOVE : GRAB_NONE;
}

static const char *
face_cursor (FaceGrab grab)
{
  switch (grab)
    {
    case GRAB_MOVE:         return "move";
    case GRAB_TOP_LEFT:
    case GRAB_BOTTOM_RIGHT: return "nwse-resize";
    case GRAB_TOP_RIGHT:
    case GRAB_BOTTOM_LEFT:  return "nesw-resize";
    case GRAB_NONE:
    default:                return NULL;
    }
}

static void update_cursor (CsPreviewView *self);

gboolean
cs_preview_view_face_press (CsPreviewView *self,
                            double         x,
                            double         y)
{
  FaceGrab grab;

  g_return_val_if_fail (CS_IS_PREVIEW_VIEW (self), FALSE);

  grab = face_hit (self, x, y);
  if (grab == GRAB_NONE)
    return FALSE;
  cs_preview_view_get_face (self, &self->grab_start);
  self->dragged = self->grab_start;
  self->grab = grab;
  self->press_x = x;
  self->press_y = y;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), face_cursor (grab));
  return TRUE;
}

void
cs_preview_view_face_motion (CsPreviewView *self,
                             double         x,
                             double         y)
{
  graphene_rect_t frame;
  const CsFaceRect *s = &self->grab_start;
  int width, height;
  double dx, dy;

  g_return_if_fail (CS_IS_PREVIEW_VIEW (self));

  cs_preview_view_get_frame_rect (self, &frame);
  if (self->grab == GRAB_NONE || frame.size.width <= 0 || !source_size (self, &width, &height))
    return;
  dx = (x - self->press_x) * width / frame.size.width;
  dy = (y - self->press_y) * height / frame.size.height;

  if (self->grab == GRAB_MOVE)
    {
      CsFaceRect moved = *s;

      moved.x = (int) lround (s->x + dx);
      moved.y = (int) lround (s->y + dy);
      self->dragged = clamp_inside (moved, width, height);
    }
  else
    {
      /* The opposite corner stays; the square grows towards the pointer as
       * far as the frame allows. */
      gboolean left = self->grab == GRAB_TOP_LEFT || self->grab == GRAB_BOTTOM_LEFT;
      gboolean top = self->grab == GRAB_TOP_LEFT || self->grab == GRAB_TOP_RIGHT;
      double ax = left ? s->x + s->width : s->x;
      double ay = top ? s->y + s->height : s->y;
      double px = (left ? s->x : s->x + s->width) + dx;
      double py = (top ? s->y : s->y + s->height) + dy;
      double room_x = left ? ax : width - ax;
      double room_y = top ? ay : height - ay;
      double side = MAX (left ? ax - px : px - ax, top ? ay - py : py - ay);
      int least = MIN (FACE_MIN_SIDE, MIN (width, height));
      int n;

      side = MIN (side, MIN (room_x, room_y));
      n = MAX ((int) lround (side), least);
      self->dragged.width = n;
      self->dragged.height = n;
      self->dragged.x = (int) lround (left ? ax - n : ax);
      self->dragged.y = (int) lround (top ? ay - n : ay);
      self->dragged = clamp_inside (self->dragged, width, height);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
cs_preview_view_face_release (CsPreviewView *self)
{
  CsFaceRect before, after;

  g_return_if_fail (CS_IS_PREVIEW_VIEW (self));

  if (self->grab == GRAB_NONE)
    return;
  before = self->grab_start;
  after = self->dragged;
  self->grab = GRAB_NONE;
  update_cursor (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  if (memcmp (&before, &after, sizeof before) == 0)
    return;
  /* Shown at once; the owner sets it again from the project, or back when
   * the project refused it. */
  self->face_set = TRUE;
  self->face = after;
  g_signal_emit (self, signals[SIGNAL_FACE_CHANGED], 0, after.x, after.y, after.width, after.height);
}

static void
append_face (CsPreviewView   *self,
             GtkSnapshot     *snapshot,
             const graphene_rect_t *frame)
{
  graphene_rect_t r;
  GskRoundedRect outline;
  GdkRGBA dim = { 0, 0, 0, 0.6 };
  GdkRGBA white = { 1, 1, 1, 0.95 };
  GdkRGBA shadow = { 0, 0, 0, 0.45 };
  GdkRGBA whites[4] = { white, white, white, white };
  GdkRGBA shadows[4] = { shadow, shadow, shadow, shadow };
  double left, top, right, bottom;

  if (!cs_preview_view_get_face_widget_rect (self, &r))
    return;
  left = round (r.origin.x);
  top = round (r.origin.y);
  right = round (r.origin.x + r.size.width);
  bottom = round (r.origin.y + r.size.height);
  graphene_rect_init (&r, left, top, right - left, bottom - top);

  /* Everything but the face, dimmed: one border node, so that no seam
   * shows where separate bands would meet between pixels. */
  {
    GskRoundedRect outer;
    float widths[4] = {
      MAX (top - frame->origin.y, 0),
      MAX (frame->origin.x + frame->size.width - right, 0),
      MAX (frame->origin.y + frame->size.height - bottom, 0),
      MAX (left - frame->origin.x, 0),
    };
    GdkRGBA dims[4] = { dim, dim, dim, dim };

    gsk_rounded_rect_init_from_rect (&outer, frame, 0);
    gtk_snapshot_append_border (snapshot, &outer, widths, dims);
  }

  /* A white line with a dark edge either side, visible on any picture. */
  gsk_rounded_rect_init_from_rect (&outline, &GRAPHENE_RECT_INIT (left - 2, top - 2, r.size.width + 4,
                                                                  r.size.height + 4), 0);
  gtk_snapshot_append_border (snapshot, &outline, (float[4]) { 4, 4, 4, 4 }, shadows);
  gsk_rounded_rect_init_from_rect (&outline, &GRAPHENE_RECT_INIT (left - 1, top - 1, r.size.width + 2,
                                                                  r.size.height + 2), 0);
  gtk_snapshot_append_border (snapshot, &outline, (float[4]) { 2, 2, 2, 2 }, whites);

  /* Corner brackets inside the rectangle, where a drag resizes it; they
   * stay visible when the rectangle touches the view's edges. */
  for (int i = 0; i < 4; i++)
    {
      double cx = i % 2 ? right : left;
      double cy = i / 2 ? bottom : top;
      double sx = i % 2 ? -1 : 1;
      double sy = i / 2 ? -1 : 1;
      double length = MIN (FACE_BRACKET_LENGTH, MIN (r.size.width, r.size.height) / 3);
      graphene_rect_t bars[2];

      graphene_rect_init (&bars[0], MIN (cx, cx + sx * length), MIN (cy, cy + sy * FACE_BRACKET_WIDTH),
                          length, FACE_BRACKET_WIDTH);
      graphene_rect_init (&bars[1], MIN (cx, cx + sx * FACE_BRACKET_WIDTH), MIN (cy, cy + sy * length),
                          FACE_BRACKET_WIDTH, length);
      for (int b = 0; b < 2; b++)
        {
          graphene_rect_t edge;

          graphene_rect_inset_r (&bars[b], -1, -1, &edge);
          gtk_snapshot_append_color (snapshot, &shadow, &edge);
        }
      for (int b = 0; b < 2; b++)
        gtk_snapshot_append_color (snapshot, &white, &bars[b]);
    }

  /* The label sits above the rectangle, or inside it at the frame's top. */
  if (r.size.width > 60)
    {
      PangoRectangle ink;
      double y;

      pango_layout_get_pixel_extents (self->face_label, NULL, &ink);
      y = top - ink.height - 6 - 8 >= frame->origin.y ? top - ink.height - 6 - 8 : top + 8;
      append_label (snapshot, self->face_label, left + 10, y, FALSE);
    }
}

static void
append_label (GtkSnapshot *snapshot,
              PangoLayout *layout,
              double       x,
              double       y,
              gboolean     align_right)
{
  PangoRectangle ink;
  GskRoundedRect pill;
  graphene_rect_t box;
  GdkRGBA background = { 0, 0, 0, 0.55 };
  GdkRGBA white = { 1, 1, 1, 1 };
  double pad_x = 8, pad_y = 3;

  pango_layout_get_pixel_extents (layout, NULL, &ink);
  if (align_right)
    x -= ink.width + 2 * pad_x;
  graphene_rect_init (&box, x, y, ink.width + 2 * pad_x, ink.height + 2 * pad_y);
  gsk_rounded_rect_init_from_rect (&pill, &box, box.size.height / 2);
  gtk_snapshot_push_rounded_clip (snapshot, &pill);
  gtk_snapshot_append_color (snapshot, &background, &box);
  gtk_snapshot_pop (snapshot);

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x + pad_x, y + pad_y));
  gtk_snapshot_append_layout (snapshot, layout, &white);
  gtk_snapshot_restore (snapshot);
}

static void
cs_preview_view_snapshot (GtkWidget   *widget,
                          GtkSnapshot *snapshot)
{
  CsPreviewView *self = CS_PREVIEW_VIEW (widget);
  graphene_rect_t rect;

  if (self->frame == NULL)
    return;

  cs_preview_view_get_frame_rect (self, &rect);
  switch (self->mode)
    {
    case CS_PREVIEW_MODE_STYLED:
      gtk_snapshot_append_texture (snapshot, self->styled, &rect);
      break;
    case CS_PREVIEW_MODE_ORIGINAL:
      gtk_snapshot_append_texture (snapshot, self->original, &rect);
      break;
    case CS_PREVIEW_MODE_SPLIT:
      {
        double x = rect.origin.x + round (rect.size.width * self->split);
        graphene_rect_t left, right, line, handle_box;
        GskRoundedRect handle;
        GdkRGBA white = { 1, 1, 1, 0.95 };
        GdkRGBA shadow = { 0, 0, 0, 0.35 };
        GdkRGBA dark = { 0.2, 0.2, 0.2, 1 };
        double cy = rect.origin.y + rect.size.height / 2;

        graphene_rect_init (&left, rect.origin.x, rect.origin.y,
                            x - rect.origin.x, rect.size.height);
        graphene_rect_init (&right, x, rect.origin.y,
                            rect.origin.x + rect.size.width - x, rect.size.height);

        gtk_snapshot_push_clip (snapshot, &left);
        gtk_snapshot_append_texture (snapshot, self->original, &rect);
        gtk_snapshot_pop (snapshot);
        gtk_snapshot_push_clip (snapshot, &right);
        gtk_snapshot_append_texture (snapshot, self->styled, &rect);
        gtk_snapshot_pop (snapshot);

        graphene_rect_init (&line, x - 2, rect.origin.y, 4, rect.size.height);
        gtk_snapshot_append_color (snapshot, &shadow, &line);
        graphene_rect_init (&line, x - 1, rect.origin.y, 2, rect.size.height);
        gtk_snapshot_append_color (snapshot, &white, &line);

        graphene_rect_init (&handle_box, x - HANDLE_RADIUS, cy - HANDLE_RADIUS,
                            2 * HANDLE_RADIUS, 2 * HANDLE_RADIUS);
        gsk_rounded_rect_init_from_rect (&handle, &handle_box, HANDLE_RADIUS);
        gtk_snapshot_append_outset_shadow (snapshot, &handle, &shadow, 0, 1, 0, 4);
        gtk_snapshot_push_rounded_clip (snapshot, &handle);
        gtk_snapshot_append_color (snapshot, &white, &handle_box);
        gtk_snapshot_pop (snapshot);
        /* Two small arrows: the handle moves sideways. */
        {
          for (int side = -1; side <= 1; side += 2)
            for (int i = 0; i < 4; i++)
              {
                graphene_rect_t dot;
                double ax = x + side * (4 + i * 1.5);
                double half = 4 - i;

                graphene_rect_init (&dot, ax - 0.75, cy - half, 1.5, 2 * half);
                gtk_snapshot_append_color (snapshot, &dark, &dot);
              }
        }

        if (rect.size.width > 240 && rect.size.height > 60)
          {
            append_label (snapshot, self->original_label, rect.origin.x + 12, rect.origin.y + 12, FALSE);
            append_label (snapshot, self->styled_label, rect.origin.x + rect.size.width - 12,
                          rect.origin.y + 12, TRUE);
          }
      }
      break;
    default:
      g_assert_not_reached ();
    }
  if (self->face_editing)
    append_face (self, snapshot, &rect);
}

static void
cs_preview_view_measure (GtkWidget      *widget,
                         GtkOrientation  orientation,
                         int             for_size,
                         int            *minimum,
                         int            *natural,
                         int            *minimum_baseline,
                         int            *natural_baseline)
{
  CsPreviewView *self = CS_PREVIEW_VIEW (widget);

  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 160 : 90;
  *natural = *minimum;
  if (self->frame != NULL)
    *natural = orientation == GTK_ORIENTATION_HORIZONTAL
      ? cs_preview_frame_get_width (self->frame)
      : cs_preview_frame_get_height (self->frame);
}

static void
on_drag_begin (GtkGestureDrag *gesture,
               double          x,
               double          y,
               CsPreviewView  *self)
{
  graphene_rect_t rect;

  if (self->face_editing)
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), cs_preview_view_face_press (self, x, y)
                                                    ? GTK_EVENT_SEQUENCE_CLAIMED
                                                    : GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  if (self->mode != CS_PREVIEW_MODE_SPLIT || self->frame == NULL)
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  cs_preview_view_get_frame_rect (self, &rect);
  /* Pressing anywhere moves the split there, as a before/after slider does. */
  if (rect.size.width > 0)
    cs_preview_view_set_split_position (self, (x - rect.origin.x) / rect.size.width);
  self->drag_start_split = self->split;
}

static void
on_drag_update (GtkGestureDrag *gesture,
                double          dx,
                double          dy,
                CsPreviewView  *self)
{
  graphene_rect_t rect;
  double x, y;

  if (self->grab != GRAB_NONE)
    {
      if (gtk_gesture_drag_get_start_point (gesture, &x, &y))
        cs_preview_view_face_motion (self, x + dx, y + dy);
      return;
    }
  cs_preview_view_get_frame_rect (self, &rect);
  if (rect.size.width > 0)
    cs_preview_view_set_split_position (self, self->drag_start_split + dx / rect.size.width);
}

static void
on_drag_end (GtkGestureDrag *gesture,
             double          dx,
             double          dy,
             CsPreviewView  *self)
{
  double x, y;

  if (self->grab == GRAB_NONE)
    return;
  if (gtk_gesture_drag_get_start_point (gesture, &x, &y))
    cs_preview_view_face_motion (self, x + dx, y + dy);
  cs_preview_view_face_release (self);
}

static void
update_cursor (CsPreviewView *self)
{
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self),
                                   self->face_editing ? NULL
                                   : self->mode == CS_PREVIEW_MODE_SPLIT ? "col-resize" : NULL);
}

/* While editing, the cursor tells what a drag from there does. */
static void
on_motion (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           CsPreviewView            *self)
{
  if (!self->face_editing || self->grab != GRAB_NONE)
    return;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), face_cursor (face_hit (self, x, y)));
}

static gboolean
on_escape (GtkWidget *widget,
           GVariant  *args,
           gpointer   data)
{
  CsPreviewView *self = CS_PREVIEW_VIEW (widget);

  if (!self->face_editing)
    return FALSE;
  cs_preview_view_set_face_editing (self, FALSE);
  return TRUE;
}

static void
cs_preview_view_dispose (GObject *object)
{
  CsPreviewView *self = CS_PREVIEW_VIEW (object);

  g_clear_pointer (&self->frame, cs_preview_frame_unref);
  g_clear_object (&self->original);
  g_clear_object (&self->styled);
  g_clear_object (&self->original_label);
  g_clear_object (&self->styled_label);
  g_clear_object (&self->face_label);

  G_OBJECT_CLASS (cs_preview_view_parent_class)->dispose (object);
}

static void
cs_preview_view_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  CsPreviewView *self = CS_PREVIEW_VIEW (object);

  switch (prop_id)
    {
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_SPLIT_POSITION:
      g_value_set_double (value, self->split);
      break;
    case PROP_FACE_EDITING:
      g_value_set_boolean (value, self->face_editing);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cs_preview_view_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  CsPreviewView *self = CS_PREVIEW_VIEW (object);

  switch (prop_id)
    {
    case PROP_MODE:
      cs_preview_view_set_mode (self, g_value_get_enum (value));
      break;
    case PROP_SPLIT_POSITION:
      cs_preview_view_set_split_position (self, g_value_get_double (value));
      break;
    case PROP_FACE_EDITING:
      cs_preview_view_set_face_editing (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cs_preview_view_class_init (CsPreviewViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cs_preview_view_dispose;
  object_class->get_property = cs_preview_view_get_property;
  object_class->set_property = cs_preview_view_set_property;
  widget_class->snapshot = cs_preview_view_snapshot;
  widget_class->measure = cs_preview_view_measure;

  properties[PROP_MODE] =
    g_param_spec_enum ("mode", NULL, NULL, CS_TYPE_PREVIEW_MODE, CS_PREVIEW_MODE_STYLED,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SPLIT_POSITION] =
    g_param_spec_double ("split-position", NULL, NULL, 0.0, 1.0, 0.5,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FACE_EDITING] =
    g_param_spec_boolean ("face-editing", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * CsPreviewView::face-changed:
   * @x, @y, @width, @height: the new face rectangle, in source pixels
   *
   * A drag of the face rectangle ended somewhere else than it started.
   */
  signals[SIGNAL_FACE_CHANGED] =
    g_signal_new ("face-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 4, G_TYPE_INT, G_TYPE_INT, G_TYPE_INT, G_TYPE_INT);

  gtk_widget_class_set_css_name (widget_class, "preview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
cs_preview_view_init (CsPreviewView *self)
{
  GtkGesture *drag = gtk_gesture_drag_new ();
  GtkEventController *motion = gtk_event_controller_motion_new ();
  GtkEventController *shortcuts = gtk_shortcut_controller_new ();

  self->split = 0.5;
  self->original_label = gtk_widget_create_pango_layout (GTK_WIDGET (self), _("Original"));
  self->styled_label = gtk_widget_create_pango_layout (GTK_WIDGET (self), _("Styled"));

  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
  /* Escape ends editing wherever the focus is (the preview never takes
   * it); it passes on when nothing is being edited. */
  self->face_label = gtk_widget_create_pango_layout (GTK_WIDGET (self), _("Face"));
  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (shortcuts), GTK_SHORTCUT_SCOPE_GLOBAL);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Escape, 0),
                                                          gtk_callback_action_new (on_escape, NULL, NULL)));
  gtk_widget_add_controller (GTK_WIDGET (self), shortcuts);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Preview"),
                                  -1);
}

GtkWidget *
cs_preview_view_new (void)
{
  return g_object_new (CS_TYPE_PREVIEW_VIEW, NULL);
}

void
cs_preview_view_set_frame (CsPreviewView  *self,
                           CsPreviewFrame *frame)
{
  gboolean resized;

  g_return_if_fail (CS_IS_PREVIEW_VIEW (self));

  if (self->frame == frame)
    return;
  resized = frame == NULL || self->frame == NULL ||
            cs_preview_frame_get_width (frame) != cs_preview_frame_get_width (self->frame) ||
            cs_preview_frame_get_height (frame) != cs_preview_frame_get_height (self->frame);

  g_clear_pointer (&self->frame, cs_preview_frame_unref);
  g_clear_object (&self->original);
  g_clear_object (&self->styled);
  if (frame != NULL)
    {
      GBytes *original = cs_preview_frame_get_original (frame);
      GBytes *styled = cs_preview_frame_get_styled (frame);

      self->frame = cs_preview_frame_ref (frame);
      self->original = texture_for (frame, original);
      self->styled = styled == original ? g_object_ref (self->original) : texture_for (frame, styled);
    }
  /* Proxies and full frames share the aspect ratio; only a new clip can
   * change the natural size. */
  if (resized)
    gtk_widget_queue_resize (GTK_WIDGET (self));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

CsPreviewFrame *
cs_preview_view_get_frame (CsPreviewView *self)
{
  g_return_val_if_fail (CS_IS_PREVIEW_VIEW (self), NULL);
  return self->frame;
}

void
cs_preview_view_set_mode (CsPreviewView *self,
                          CsPreviewMode  mode)
{
  g_return_if_fail (CS_IS_PREVIEW_VIEW (self));
  g_return_if_fail (mode <= CS_PREVIEW_MODE_SPLIT);

  if (self->mode == mode)
    return;
  self->mode = mode;
  update_cursor (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODE]);
}

CsPreviewMode
cs_preview_view_get_mode (CsPreviewView *self)
{
  g_return_val_if_fail (CS_IS_PREVIEW_VIEW (self), CS_PREVIEW_MODE_STYLED);
  return self->mode;
}

void
cs_preview_view_set_split_position (CsPreviewView *self,
                                    double         position)
{
  g_return_if_fail (CS_IS_PREVIEW_VIEW (self));

  position = CLAMP (position, 0.0, 1.0);
  if (self->split == position)
    return;
  self->split = position;
  if (self->mode == CS_PREVIEW_MODE_SPLIT)
    gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPLIT_POSITION]);
}

double
cs_preview_view_get_split_position (CsPreviewView *self)
{
  g_return_val_if_fail (CS_IS_PREVIEW_VIEW (self), 0.5);
  return self->split;
}

void
cs_preview_view_set_source_size (CsPreviewView *self,
                                 int            width,
                                 int            height)
{
  g_return_if_fail (CS_IS_PREVIEW_VIEW (self));

  self->source_width = MAX (width, 0);
  self->source_height = MAX (height, 0);
  if (self->face_editing)
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
cs_preview_view_set_face_editing (CsPreviewView *self,
                                  gboolean       editing)
{
  g_return_if_fail (CS_IS_PREVIEW_VIEW (self));

  editing = !!editing;
  if (self->face_editing == editing)
    return;
  self->face_editing = editing;
  /* A drag cut short by the end of editing is dropped, not applied. */
  self->grab = GRAB_NONE;
  update_cursor (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FACE_EDITING]);
}

gboolean
cs_preview_view_get_face_editing (CsPreviewView *self)
{
  g_return_val_if_fail (CS_IS_PREVIEW_VIEW (self), FALSE);
  return self->face_editing;
}

void
cs_preview_view_set_face (CsPreviewView    *self,
                          const CsFaceRect *rect)
{
  g_return_if_fail (CS_IS_PREVIEW_VIEW (self));

  self->face_set = rect != NULL;
  if (rect != NULL)
    self->face = *rect;
  if (self->face_editing && self->grab == GRAB_NONE)
    gtk_widget_queue_draw (GTK_WIDGET (self));
}
