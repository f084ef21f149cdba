/* cs-preview-view.c: the styled frame, the original, or both side by side
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <glib/gi18n.h>

#include "cs-preview-view.h"

#define HANDLE_RADIUS 14.0

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
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

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

  cs_preview_view_get_frame_rect (self, &rect);
  if (rect.size.width > 0)
    cs_preview_view_set_split_position (self, self->drag_start_split + dx / rect.size.width);
}

static void
update_cursor (CsPreviewView *self)
{
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self),
                                   self->mode == CS_PREVIEW_MODE_SPLIT ? "col-resize" : NULL);
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
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "preview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
cs_preview_view_init (CsPreviewView *self)
{
  GtkGesture *drag = gtk_gesture_drag_new ();

  self->split = 0.5;
  self->original_label = gtk_widget_create_pango_layout (GTK_WIDGET (self), _("Original"));
  self->styled_label = gtk_widget_create_pango_layout (GTK_WIDGET (self), _("Styled"));

  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));
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
