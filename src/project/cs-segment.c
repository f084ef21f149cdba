/* cs-segment.c: a run of frames with one style and a degree curve
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <math.h>

#include "cs-project-enums.h"
#include "cs-project-private.h"
#include "cs-segment.h"

struct _CsSegment
{
  GObject     parent_instance;

  gint64      start;
  gint64      n_frames;
  CsStyleRef *style;
  guint       crossfade;
  double      stability;
  guint       reference;
  gboolean    has_face;
  CsFaceRect  face;
  guint       n_keyframes;
  CsKeyframe *keyframes;
};

G_DEFINE_FINAL_TYPE (CsSegment, cs_segment, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_START,
  PROP_N_FRAMES,
  PROP_STYLE,
  PROP_CROSSFADE,
  PROP_N_KEYFRAMES,
  PROP_STABILITY,
  PROP_REFERENCE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
cs_segment_finalize (GObject *object)
{
  CsSegment *self = CS_SEGMENT (object);

  g_clear_pointer (&self->style, cs_style_ref_unref);
  g_free (self->keyframes);

  G_OBJECT_CLASS (cs_segment_parent_class)->finalize (object);
}

static void
cs_segment_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  CsSegment *self = CS_SEGMENT (object);

  switch (prop_id)
    {
    case PROP_START:
      g_value_set_int64 (value, self->start);
      break;
    case PROP_N_FRAMES:
      g_value_set_int64 (value, self->n_frames);
      break;
    case PROP_STYLE:
      g_value_set_boxed (value, self->style);
      break;
    case PROP_CROSSFADE:
      g_value_set_uint (value, self->crossfade);
      break;
    case PROP_N_KEYFRAMES:
      g_value_set_uint (value, self->n_keyframes);
      break;
    case PROP_STABILITY:
      g_value_set_double (value, self->stability);
      break;
    case PROP_REFERENCE:
      g_value_set_uint (value, self->reference);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cs_segment_class_init (CsSegmentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cs_segment_finalize;
  object_class->get_property = cs_segment_get_property;

  properties[PROP_START] =
    g_param_spec_int64 ("start", NULL, NULL, 0, CS_PROJECT_MAX_FRAMES, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_FRAMES] =
    g_param_spec_int64 ("n-frames", NULL, NULL, 0, CS_PROJECT_MAX_FRAMES, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_STYLE] =
    g_param_spec_boxed ("style", NULL, NULL, CS_TYPE_STYLE_REF,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_CROSSFADE] =
    g_param_spec_uint ("crossfade", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_KEYFRAMES] =
    g_param_spec_uint ("n-keyframes", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_STABILITY] =
    g_param_spec_double ("stability", NULL, NULL, 0.0, 1.0, CS_SEGMENT_DEFAULT_STABILITY,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_REFERENCE] =
    g_param_spec_uint ("reference", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cs_segment_init (CsSegment *self)
{
}

double
cs_degree_normalize (double degree)
{
  if (!(degree >= CS_DEGREE_EPSILON))
    return 0.0;
  return MIN (degree, 1.0);
}

CsSegment *
cs_segment_new_internal (gint64            start,
                         gint64            n_frames,
                         CsStyleRef       *style,
                         guint             crossfade,
                         const CsKeyframe *keyframes,
                         guint             n_keyframes)
{
  CsSegment *self;

  g_assert (start >= 0 && n_frames >= 1);
  g_assert (n_keyframes >= 1);

  self = g_object_new (CS_TYPE_SEGMENT, NULL);
  self->start = start;
  self->n_frames = n_frames;
  self->style = style != NULL ? cs_style_ref_ref (style) : NULL;
  self->crossfade = crossfade;
  self->stability = CS_SEGMENT_DEFAULT_STABILITY;
  self->n_keyframes = n_keyframes;
  self->keyframes = g_memdup2 (keyframes, sizeof (CsKeyframe) * n_keyframes);

  for (guint i = 0; i < n_keyframes; i++)
    {
      g_assert (keyframes[i].frame >= start && keyframes[i].frame < start + n_frames);
      g_assert (i == 0 || keyframes[i - 1].frame < keyframes[i].frame);
      self->keyframes[i].degree = cs_degree_normalize (keyframes[i].degree);
    }

  return self;
}

/* Every copy keeps the settings that are not part of the frames and the
 * curve (stability, reference, face): only their own copy_with_*() change
 * them. */
static CsSegment *
keep_settings (CsSegment *copy,
                CsSegment *self)
{
  copy->stability = self->stability;
  copy->reference = self->reference;
  copy->has_face = self->has_face;
  copy->face = self->face;
  return copy;
}

CsSegment *
cs_segment_copy_with_settings_of (CsSegment *self,
                                  CsSegment *from)
{
  return keep_settings (cs_segment_new_internal (self->start, self->n_frames, self->style, self->crossfade,
                                                  self->keyframes, self->n_keyframes), from);
}

CsSegment *
cs_segment_copy_with_reference (CsSegment *self,
                                guint      reference)
{
  CsSegment *copy = keep_settings (cs_segment_new_internal (self->start, self->n_frames, self->style,
                                                             self->crossfade, self->keyframes,
                                                             self->n_keyframes), self);

  copy->reference = reference;
  return copy;
}

CsSegment *
cs_segment_copy_with_face (CsSegment        *self,
                           const CsFaceRect *face)
{
  CsSegment *copy = keep_settings (cs_segment_new_internal (self->start, self->n_frames, self->style,
                                                             self->crossfade, self->keyframes,
                                                             self->n_keyframes), self);

  g_assert (face == NULL || (face->width >= 1 && face->height >= 1));
  copy->has_face = face != NULL;
  copy->face = face != NULL ? *face : (CsFaceRect) { 0, 0, 0, 0 };
  return copy;
}

CsSegment *
cs_segment_copy_with (CsSegment  *self,
                      CsStyleRef *style,
                      guint       crossfade)
{
  return keep_settings (cs_segment_new_internal (self->start, self->n_frames, style, crossfade,
                                                  self->keyframes, self->n_keyframes), self);
}

CsSegment *
cs_segment_copy_with_keyframes (CsSegment        *self,
                                const CsKeyframe *keyframes,
                                guint             n_keyframes)
{
  return keep_settings (cs_segment_new_internal (self->start, self->n_frames, self->style, self->crossfade,
                                                  keyframes, n_keyframes), self);
}

CsSegment *
cs_segment_copy_with_stability (CsSegment *self,
                                double     stability)
{
  CsSegment *copy = keep_settings (cs_segment_new_internal (self->start, self->n_frames, self->style,
                                                             self->crossfade, self->keyframes,
                                                             self->n_keyframes), self);

  g_assert (stability >= 0.0 && stability <= 1.0);
  /* Stored like degrees, so that the file never holds a tiny double. */
  copy->stability = cs_degree_normalize (stability);
  return copy;
}

/* The index of the last keyframe at or before @frame, or -1 when @frame
 * comes before the first. */
static int
last_keyframe_at_or_before (CsSegment *self,
                            gint64     frame)
{
  guint lo = 0, hi = self->n_keyframes;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (self->keyframes[mid].frame <= frame)
        lo = mid + 1;
      else
        hi = mid;
    }

  return (int) lo - 1;
}

static CsInterpolation
interpolation_at (CsSegment *self,
                  gint64     frame)
{
  int i = last_keyframe_at_or_before (self, frame);

  return i < 0 ? CS_INTERPOLATION_CONSTANT : self->keyframes[i].interpolation;
}

/* Cutting a curve keeps it exact at every frame for constant and linear
 * pieces: a new keyframe on each new edge carries the value the curve had
 * there. An ease-in-out piece that is cut becomes a new, shorter ease between
 * the same values at the edges, which is as close as one keyframe can get. */
CsSegment *
cs_segment_copy_range (CsSegment *self,
                       gint64     start,
                       gint64     end,
                       guint      crossfade)
{
  g_autoptr(GArray) kept = g_array_new (FALSE, FALSE, sizeof (CsKeyframe));
  gboolean dropped_before = FALSE, dropped_after = FALSE;

  g_assert (start >= 0 && start < end);

  for (guint i = 0; i < self->n_keyframes; i++)
    {
      const CsKeyframe *k = &self->keyframes[i];

      if (k->frame < start)
        dropped_before = TRUE;
      else if (k->frame >= end)
        dropped_after = TRUE;
      else
        g_array_append_val (kept, *k);
    }

  if (kept->len == 0 || (dropped_before && g_array_index (kept, CsKeyframe, 0).frame > start))
    {
      CsKeyframe k = {
        .frame = start,
        .degree = cs_segment_get_degree_at (self, start),
        .interpolation = dropped_before ? interpolation_at (self, start) : CS_INTERPOLATION_CONSTANT,
      };

      g_array_prepend_val (kept, k);
    }

  if (dropped_after)
    {
      const CsKeyframe *last = &g_array_index (kept, CsKeyframe, kept->len - 1);

      if (last->frame < end - 1 && last->interpolation != CS_INTERPOLATION_CONSTANT)
        {
          CsKeyframe k = {
            .frame = end - 1,
            .degree = cs_segment_get_degree_at (self, end - 1),
            .interpolation = last->interpolation,
          };

          g_array_append_val (kept, k);
        }
    }

  return keep_settings (cs_segment_new_internal (start, end - start, self->style, crossfade,
                                                  (const CsKeyframe *) (void *) kept->data, kept->len),
                         self);
}

gint64
cs_segment_get_start (CsSegment *self)
{
  g_return_val_if_fail (CS_IS_SEGMENT (self), 0);

  return self->start;
}

gint64
cs_segment_get_n_frames (CsSegment *self)
{
  g_return_val_if_fail (CS_IS_SEGMENT (self), 0);

  return self->n_frames;
}

gint64
cs_segment_get_end (CsSegment *self)
{
  g_return_val_if_fail (CS_IS_SEGMENT (self), 0);

  return self->start + self->n_frames;
}

CsStyleRef *
cs_segment_get_style (CsSegment *self)
{
  g_return_val_if_fail (CS_IS_SEGMENT (self), NULL);

  return self->style;
}

guint
cs_segment_get_crossfade (CsSegment *self)
{
  g_return_val_if_fail (CS_IS_SEGMENT (self), 0);

  return self->crossfade;
}

double
cs_segment_get_stability (CsSegment *self)
{
  g_return_val_if_fail (CS_IS_SEGMENT (self), CS_SEGMENT_DEFAULT_STABILITY);

  return self->stability;
}

guint
cs_segment_get_reference (CsSegment *self)
{
  g_return_val_if_fail (CS_IS_SEGMENT (self), 0);

  return self->reference;
}

gboolean
cs_segment_get_face (CsSegment  *self,
                     CsFaceRect *rect)
{
  g_return_val_if_fail (CS_IS_SEGMENT (self), FALSE);

  if (!self->has_face)
    return FALSE;
  if (rect != NULL)
    *rect = self->face;
  return TRUE;
}

guint
cs_segment_get_n_keyframes (CsSegment *self)
{
  g_return_val_if_fail (CS_IS_SEGMENT (self), 0);

  return self->n_keyframes;
}

const CsKeyframe *
cs_segment_get_keyframe (CsSegment *self,
                         guint      index)
{
  g_return_val_if_fail (CS_IS_SEGMENT (self), NULL);
  g_return_val_if_fail (index < self->n_keyframes, NULL);

  return &self->keyframes[index];
}

gboolean
cs_segment_find_keyframe (CsSegment *self,
                          gint64     frame,
                          guint     *index)
{
  int i;

  g_return_val_if_fail (CS_IS_SEGMENT (self), FALSE);

  i = last_keyframe_at_or_before (self, frame);
  if (i < 0 || self->keyframes[i].frame != frame)
    return FALSE;

  if (index != NULL)
    *index = (guint) i;
  return TRUE;
}

double
cs_interpolation_apply (CsInterpolation interpolation,
                        double          t)
{
  t = CLAMP (t, 0.0, 1.0);

  switch (interpolation)
    {
    case CS_INTERPOLATION_LINEAR:
      return t;
    case CS_INTERPOLATION_EASE_IN_OUT:
      return t * t * (3.0 - 2.0 * t);
    case CS_INTERPOLATION_CONSTANT:
    default:
      return 0.0;
    }
}

double
cs_segment_get_degree_at (CsSegment *self,
                          gint64     frame)
{
  const CsKeyframe *a, *b;
  double t, value;
  int i;

  g_return_val_if_fail (CS_IS_SEGMENT (self), 0.0);

  i = last_keyframe_at_or_before (self, frame);
  if (i < 0)
    return self->keyframes[0].degree;
  if ((guint) i + 1 >= self->n_keyframes)
    return self->keyframes[i].degree;

  a = &self->keyframes[i];
  b = &self->keyframes[i + 1];
  t = (double) (frame - a->frame) / (double) (b->frame - a->frame);
  value = a->degree + (b->degree - a->degree) * cs_interpolation_apply (a->interpolation, t);

  /* Rounding may step a hair outside the two degrees. */
  return CLAMP (value, 0.0, 1.0);
}

gboolean
cs_segment_equal (CsSegment *a,
                  CsSegment *b)
{
  if (a == b)
    return TRUE;
  if (a == NULL || b == NULL)
    return FALSE;

  if (a->start != b->start || a->n_frames != b->n_frames ||
      a->crossfade != b->crossfade || a->n_keyframes != b->n_keyframes ||
      a->stability != b->stability || a->reference != b->reference ||
      a->has_face != b->has_face ||
      (a->has_face && (a->face.x != b->face.x || a->face.y != b->face.y ||
                       a->face.width != b->face.width || a->face.height != b->face.height)) ||
      !cs_style_ref_equal (a->style, b->style))
    return FALSE;

  for (guint i = 0; i < a->n_keyframes; i++)
    if (a->keyframes[i].frame != b->keyframes[i].frame ||
        a->keyframes[i].degree != b->keyframes[i].degree ||
        a->keyframes[i].interpolation != b->keyframes[i].interpolation)
      return FALSE;

  return TRUE;
}
