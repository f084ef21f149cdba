/* cs-project-renderer.c: a project's timeline rendered into a new file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <glib/gi18n-lib.h>

#include "cs-project-renderer.h"
#include "cs-render-error.h"

/* What the plan reads on the render's thread: an immutable timeline and the
 * styles loaded for it, keyed by folder. */
typedef struct {
  CsTimeline *timeline;
  GHashTable *styles;   /* folder → CsStyle */
} ProjectPlan;

static void
project_plan_free (gpointer data)
{
  ProjectPlan *plan = data;

  g_clear_pointer (&plan->timeline, cs_timeline_unref);
  g_clear_pointer (&plan->styles, g_hash_table_unref);
  g_free (plan);
}

static gboolean
project_plan_frame (gint64        frame,
                    CsRenderStep *steps,
                    guint        *n_steps,
                    gpointer      user_data,
                    GError      **error)
{
  ProjectPlan *plan = user_data;
  CsFrameStyles styles;

  if (!cs_timeline_query_frame (plan->timeline, frame, &styles))
    {
      g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT,
                   _("The clip has more frames than the project (%" G_GINT64_FORMAT "); "
                     "open the project in Celshade and relink its clip"),
                   cs_timeline_get_n_frames (plan->timeline));
      return FALSE;
    }

  G_STATIC_ASSERT (CS_FRAME_STYLES_MAX <= CS_RENDER_MAX_STEPS);
  for (guint k = 0; k < styles.n_styles; k++)
    {
      const CsFrameStyle *fs = &styles.styles[k];
      CsSegment *segment = cs_timeline_get_segment (plan->timeline, fs->segment_index);

      steps[k].style = fs->style != NULL
        ? g_hash_table_lookup (plan->styles, cs_style_ref_get_folder (fs->style))
        : NULL;
      steps[k].weight = fs->weight;
      steps[k].degree = steps[k].style != NULL ? fs->degree : 0.0;
      steps[k].stability = cs_segment_get_stability (segment);
      /* A segment's first frame outside any cross-fade follows a hard cut:
       * nothing of the segment before may show through. */
      steps[k].cut = styles.n_styles == 1 && frame == cs_segment_get_start (segment);
      /* The clip renderer styles frames at the clip's own size (an export
       * size scales the styled frames afterwards), so the face rectangle
       * stays in clip pixels. */
      steps[k].reference = cs_segment_get_reference (segment);
      steps[k].has_face = cs_segment_get_face (segment, &steps[k].face);
      steps[k].segment = cs_segment_get_start (segment);
    }
  *n_steps = styles.n_styles;
  return TRUE;
}

/* A VToonify-D segment's reference must be one its style has. */
static gboolean
check_reference (CsStyle    *style,
                 CsSegment  *segment,
                 guint       index,
                 GError    **error)
{
  guint n;

  if (!cs_style_is_vtoonify (style))
    return TRUE;
  n = cs_style_get_n_references (style);
  if (cs_segment_get_reference (segment) < n)
    return TRUE;
  g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT,
               _("Segment %u (frames %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT ") uses reference %u of "
                 "the style “%s”, which has references 0 to %u; choose another reference for it"),
               index + 1, cs_segment_get_start (segment), cs_segment_get_end (segment) - 1,
               cs_segment_get_reference (segment), cs_style_get_name (style), n - 1);
  return FALSE;
}

static GQuark
n_styles_quark (void)
{
  return g_quark_from_static_string ("cs-project-renderer-n-styles");
}

CsClipRenderer *
cs_project_renderer_new (CsProject   *project,
                         const char  *output,
                         GError     **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(GPtrArray) styles = NULL;
  g_autoptr(CsClipRenderer) renderer = NULL;
  ProjectPlan *plan;
  CsTimeline *timeline;
  CsSourceClip *source;

  g_return_val_if_fail (CS_IS_PROJECT (project), NULL);
  g_return_val_if_fail (output != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  source = cs_project_get_source (project);
  if (cs_project_check_source (project, NULL, &local) != CS_SOURCE_STATUS_OK)
    {
      g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT,
                   _("%s Open the project in Celshade and relink its clip."), local->message);
      return NULL;
    }

  timeline = cs_project_get_timeline (project);
  plan = g_new0 (ProjectPlan, 1);
  plan->timeline = cs_timeline_ref (timeline);
  plan->styles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  styles = g_ptr_array_new ();

  /* Every style is loaded before any frame is styled, so that a missing
   * one costs the user no time. */
  for (guint i = 0; i < cs_timeline_get_n_segments (timeline); i++)
    {
      CsSegment *segment = cs_timeline_get_segment (timeline, i);
      CsStyleRef *ref = cs_segment_get_style (segment);
      const char *folder;
      CsStyle *style;

      if (ref == NULL)
        continue;
      folder = cs_style_ref_get_folder (ref);
      style = g_hash_table_lookup (plan->styles, folder);
      if (style != NULL)
        {
          if (!check_reference (style, segment, i, error))
            {
              project_plan_free (plan);
              return NULL;
            }
          continue;
        }
      style = cs_style_new_from_folder (folder, &local);
      if (style == NULL)
        {
          g_set_error (error, CS_RENDER_ERROR, CS_RENDER_ERROR_INVALID_ARGUMENT,
                       _("Segment %u (frames %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT ") uses the style "
                         "“%s”, which cannot be loaded from “%s”: %s"),
                       i + 1, cs_segment_get_start (segment), cs_segment_get_end (segment) - 1,
                       cs_style_ref_get_name (ref), folder, local->message);
          project_plan_free (plan);
          return NULL;
        }
      g_hash_table_insert (plan->styles, g_strdup (folder), style);
      g_ptr_array_add (styles, style);
      if (!check_reference (style, segment, i, error))
        {
          project_plan_free (plan);
          return NULL;
        }
    }

  renderer = cs_clip_renderer_new (cs_source_clip_get_path (source), output);
  g_object_set_qdata (G_OBJECT (renderer), n_styles_quark (), GUINT_TO_POINTER (styles->len));
  cs_clip_renderer_set_plan (renderer, styles, project_plan_frame, plan, project_plan_free);
  return g_steal_pointer (&renderer);
}

guint
cs_project_renderer_get_n_styles (CsClipRenderer *renderer)
{
  g_return_val_if_fail (CS_IS_CLIP_RENDERER (renderer), 0);
  return GPOINTER_TO_UINT (g_object_get_qdata (G_OBJECT (renderer), n_styles_quark ()));
}
