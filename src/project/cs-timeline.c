/* cs-timeline.c: the segments of a project at one moment, and the frame query
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <string.h>

#include "cs-project-private.h"
#include "cs-timeline.h"

struct _CsTimeline
{
  gatomicrefcount ref_count;
  gint64          n_frames;
  GPtrArray      *segments;
};

G_DEFINE_BOXED_TYPE (CsTimeline, cs_timeline, cs_timeline_ref, cs_timeline_unref)

CsTimeline *
cs_timeline_new_take (gint64     n_frames,
                      GPtrArray *segments)
{
  CsTimeline *self = g_new0 (CsTimeline, 1);
  gint64 next = 0;

  g_atomic_ref_count_init (&self->ref_count);
  self->n_frames = n_frames;
  self->segments = segments;

  /* Every caller builds a tiling; checking here catches a bug in an edit
   * before it reaches a file. */
  g_assert (segments->len >= 1);
  for (guint i = 0; i < segments->len; i++)
    {
      CsSegment *segment = g_ptr_array_index (segments, i);

      g_assert (cs_segment_get_start (segment) == next);
      next = cs_segment_get_end (segment);
    }
  g_assert (next == n_frames);

  return self;
}

CsTimeline *
cs_timeline_replace (CsTimeline  *self,
                     guint        position,
                     guint        n_removed,
                     CsSegment  **added,
                     guint        n_added)
{
  GPtrArray *segments = g_ptr_array_new_full (self->segments->len - n_removed + n_added,
                                              g_object_unref);

  g_assert (position + n_removed <= self->segments->len);

  for (guint i = 0; i < position; i++)
    g_ptr_array_add (segments, g_object_ref (g_ptr_array_index (self->segments, i)));
  for (guint i = 0; i < n_added; i++)
    g_ptr_array_add (segments, g_object_ref (added[i]));
  for (guint i = position + n_removed; i < self->segments->len; i++)
    g_ptr_array_add (segments, g_object_ref (g_ptr_array_index (self->segments, i)));

  return cs_timeline_new_take (self->n_frames, segments);
}

CsTimeline *
cs_timeline_ref (CsTimeline *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
cs_timeline_unref (CsTimeline *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_ref_count_dec (&self->ref_count))
    {
      g_ptr_array_unref (self->segments);
      g_free (self);
    }
}

gint64
cs_timeline_get_n_frames (CsTimeline *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_frames;
}

guint
cs_timeline_get_n_segments (CsTimeline *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->segments->len;
}

CsSegment *
cs_timeline_get_segment (CsTimeline *self,
                         guint       index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->segments->len, NULL);

  return g_ptr_array_index (self->segments, index);
}

gboolean
cs_timeline_find_segment (CsTimeline *self,
                          gint64      frame,
                          guint      *index)
{
  guint lo = 0, hi;

  g_return_val_if_fail (self != NULL, FALSE);

  if (frame < 0 || frame >= self->n_frames)
    return FALSE;

  /* The last segment whose start is at or before the frame. */
  hi = self->segments->len;
  while (hi - lo > 1)
    {
      guint mid = lo + (hi - lo) / 2;

      if (cs_segment_get_start (g_ptr_array_index (self->segments, mid)) <= frame)
        lo = mid;
      else
        hi = mid;
    }

  if (index != NULL)
    *index = lo;
  return TRUE;
}

gboolean
cs_timeline_get_crossfade (CsTimeline *self,
                           guint       index,
                           gint64     *start,
                           gint64     *end)
{
  CsSegment *left, *right;
  gint64 cut, room_before, room_after, length, before;

  g_return_val_if_fail (self != NULL, FALSE);

  if (index == 0 || index >= self->segments->len)
    return FALSE;

  left = g_ptr_array_index (self->segments, index - 1);
  right = g_ptr_array_index (self->segments, index);
  cut = cs_segment_get_start (right);

  /* A fade of N frames puts N / 2 (rounded down) before the cut and the rest
   * after it. Keeping each side within half a segment keeps neighbouring
   * fades apart: the fade before a segment ends before its middle frame and
   * the fade after it starts there. */
  room_before = cut - (cs_segment_get_start (left) + cs_segment_get_n_frames (left) / 2);
  room_after = cs_segment_get_n_frames (right) / 2;
  length = cs_segment_get_crossfade (right);
  length = MIN (length, 2 * room_before + 1);
  length = MIN (length, 2 * room_after);
  if (length <= 0)
    return FALSE;

  before = length / 2;
  if (start != NULL)
    *start = cut - before;
  if (end != NULL)
    *end = cut - before + length;
  return TRUE;
}

static void
set_entry (CsTimeline   *self,
           CsFrameStyle *entry,
           guint         index,
           gint64        frame,
           double        weight)
{
  CsSegment *segment = g_ptr_array_index (self->segments, index);

  entry->style = cs_segment_get_style (segment);
  entry->weight = weight;
  entry->degree = entry->style != NULL ? cs_segment_get_degree_at (segment, frame) : 0.0;
  entry->segment_index = index;
}

gboolean
cs_timeline_query_frame (CsTimeline    *self,
                         gint64         frame,
                         CsFrameStyles *out)
{
  gint64 fade_start, fade_end;
  guint index, into;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  memset (out, 0, sizeof *out);

  if (!cs_timeline_find_segment (self, frame, &index))
    return FALSE;

  /* A frame lies in at most one fade: the one into its segment or the one
   * out of it. */
  into = G_MAXUINT;
  if (cs_timeline_get_crossfade (self, index, &fade_start, &fade_end) &&
      frame >= fade_start && frame < fade_end)
    into = index;
  else if (cs_timeline_get_crossfade (self, index + 1, &fade_start, &fade_end) &&
           frame >= fade_start && frame < fade_end)
    into = index + 1;

  if (into == G_MAXUINT)
    {
      out->n_styles = 1;
      set_entry (self, &out->styles[0], index, frame, 1.0);
    }
  else
    {
      /* Weights step evenly from the last frame before the fade (all the
       * earlier segment) to the first after it (all the later one), so no
       * frame inside the fade is either segment alone. */
      double w = (double) (frame - fade_start + 1) / (double) (fade_end - fade_start + 1);

      out->n_styles = 2;
      set_entry (self, &out->styles[0], into - 1, frame, 1.0 - w);
      set_entry (self, &out->styles[1], into, frame, w);
    }

  return TRUE;
}

gboolean
cs_timeline_equal (CsTimeline *a,
                   CsTimeline *b)
{
  if (a == b)
    return TRUE;
  if (a == NULL || b == NULL)
    return FALSE;

  if (a->n_frames != b->n_frames || a->segments->len != b->segments->len)
    return FALSE;

  for (guint i = 0; i < a->segments->len; i++)
    if (!cs_segment_equal (g_ptr_array_index (a->segments, i),
                           g_ptr_array_index (b->segments, i)))
      return FALSE;

  return TRUE;
}
