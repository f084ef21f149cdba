/* cs-project.c: the timeline document, its edits and its undo history
 *
 * Every edit builds a new immutable timeline from the current one, sharing
 * the segments it does not touch, and an undo step is just the timeline
 * before and after. Undo therefore restores the document exactly, and
 * comparing pointers tells which segments an edit replaced.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <math.h>

#include <glib/gi18n-lib.h>

#include "cs-project-private.h"

typedef enum {
  MERGE_NONE,
  MERGE_MOVE_BOUNDARY,
} MergeKind;

struct _CsUndoStep
{
  char       *label;
  CsTimeline *before;
  CsTimeline *after;

  /* Inside an open group: what the last edit was and the timeline it was
   * computed from, so that the next move of the same cut can start over
   * from there. */
  MergeKind   merge_kind;
  guint       merge_index;
  CsTimeline *merge_base;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CsProject, cs_project, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum {
  PROP_0,
  PROP_ID,
  PROP_FILE,
  PROP_SOURCE,
  PROP_SOURCE_STATUS,
  PROP_TIMELINE,
  PROP_N_FRAMES,
  PROP_MODIFIED,
  PROP_RECOVERED,
  PROP_CAN_UNDO,
  PROP_CAN_REDO,
  PROP_UNDO_LABEL,
  PROP_REDO_LABEL,
  N_PROPS
};

enum {
  CHANGED,
  AUTOSAVE_FAILED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
undo_step_free (CsUndoStep *step)
{
  g_free (step->label);
  g_clear_pointer (&step->before, cs_timeline_unref);
  g_clear_pointer (&step->after, cs_timeline_unref);
  g_clear_pointer (&step->merge_base, cs_timeline_unref);
  g_free (step);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsUndoStep, undo_step_free)

/* GListModel over the segments ---------------------------------------------------- */

static GType
cs_project_get_item_type (GListModel *model)
{
  return CS_TYPE_SEGMENT;
}

static guint
cs_project_get_n_items (GListModel *model)
{
  return cs_timeline_get_n_segments (CS_PROJECT (model)->timeline);
}

static gpointer
cs_project_get_item (GListModel *model,
                     guint       position)
{
  CsProject *self = CS_PROJECT (model);

  if (position >= cs_timeline_get_n_segments (self->timeline))
    return NULL;

  return g_object_ref (cs_timeline_get_segment (self->timeline, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = cs_project_get_item_type;
  iface->get_n_items = cs_project_get_n_items;
  iface->get_item = cs_project_get_item;
}

/* GObject ---------------------------------------------------------------------------- */

static void
cs_project_finalize (GObject *object)
{
  CsProject *self = CS_PROJECT (object);

  g_clear_pointer (&self->open_group, undo_step_free);
  g_clear_pointer (&self->undo_stack, g_ptr_array_unref);
  g_clear_pointer (&self->redo_stack, g_ptr_array_unref);
  g_free (self->id);
  g_clear_object (&self->file);
  g_clear_pointer (&self->source, cs_source_clip_unref);
  g_clear_pointer (&self->timeline, cs_timeline_unref);
  g_clear_pointer (&self->saved_timeline, cs_timeline_unref);
  g_clear_pointer (&self->warnings, g_ptr_array_unref);
  g_free (self->group_label);

  G_OBJECT_CLASS (cs_project_parent_class)->finalize (object);
}

static void
cs_project_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  CsProject *self = CS_PROJECT (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_FILE:
      g_value_set_object (value, self->file);
      break;
    case PROP_SOURCE:
      g_value_set_boxed (value, self->source);
      break;
    case PROP_SOURCE_STATUS:
      g_value_set_enum (value, self->source_status);
      break;
    case PROP_TIMELINE:
      g_value_set_boxed (value, self->timeline);
      break;
    case PROP_N_FRAMES:
      g_value_set_int64 (value, cs_project_get_n_frames (self));
      break;
    case PROP_MODIFIED:
      g_value_set_boolean (value, cs_project_get_modified (self));
      break;
    case PROP_RECOVERED:
      g_value_set_boolean (value, self->recovered);
      break;
    case PROP_CAN_UNDO:
      g_value_set_boolean (value, cs_project_get_can_undo (self));
      break;
    case PROP_CAN_REDO:
      g_value_set_boolean (value, cs_project_get_can_redo (self));
      break;
    case PROP_UNDO_LABEL:
      g_value_set_string (value, cs_project_get_undo_label (self));
      break;
    case PROP_REDO_LABEL:
      g_value_set_string (value, cs_project_get_redo_label (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cs_project_class_init (CsProjectClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cs_project_finalize;
  object_class->get_property = cs_project_get_property;

  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_FILE] =
    g_param_spec_object ("file", NULL, NULL, G_TYPE_FILE,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SOURCE] =
    g_param_spec_boxed ("source", NULL, NULL, CS_TYPE_SOURCE_CLIP,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SOURCE_STATUS] =
    g_param_spec_enum ("source-status", NULL, NULL,
                       CS_TYPE_SOURCE_STATUS, CS_SOURCE_STATUS_OK,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TIMELINE] =
    g_param_spec_boxed ("timeline", NULL, NULL, CS_TYPE_TIMELINE,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_FRAMES] =
    g_param_spec_int64 ("n-frames", NULL, NULL, 0, CS_PROJECT_MAX_FRAMES, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_MODIFIED] =
    g_param_spec_boolean ("modified", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RECOVERED] =
    g_param_spec_boolean ("recovered", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CAN_UNDO] =
    g_param_spec_boolean ("can-undo", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CAN_REDO] =
    g_param_spec_boolean ("can-redo", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_UNDO_LABEL] =
    g_param_spec_string ("undo-label", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_REDO_LABEL] =
    g_param_spec_string ("redo-label", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * CsProject::changed:
   * @first_frame: the first frame that may look different
   * @end_frame: the frame after the last one that may look different
   *
   * Emitted after every edit, undo, redo and relink, once the new timeline is
   * in place, so a frame cache can drop exactly what went stale.
   */
  signals[CHANGED] =
    g_signal_new ("changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_INT64);

  /**
   * CsProject::autosave-failed:
   * @error: why
   *
   * Emitted when the autosave source could not write, so the app can warn
   * the user that work is not being kept.
   */
  signals[AUTOSAVE_FAILED] =
    g_signal_new ("autosave-failed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
cs_project_init (CsProject *self)
{
  self->undo_stack = g_ptr_array_new_with_free_func ((GDestroyNotify) undo_step_free);
  self->redo_stack = g_ptr_array_new_with_free_func ((GDestroyNotify) undo_step_free);
  self->warnings = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  self->source_status = CS_SOURCE_STATUS_OK;
}

CsProject *
cs_project_new_internal (const char   *id,
                         CsSourceClip *source,
                         CsTimeline   *timeline)
{
  CsProject *self = g_object_new (CS_TYPE_PROJECT, NULL);

  g_assert (cs_source_clip_get_n_frames (source) == cs_timeline_get_n_frames (timeline));

  self->id = g_strdup (id);
  self->source = cs_source_clip_ref (source);
  self->timeline = cs_timeline_ref (timeline);

  return self;
}

CsProject *
cs_project_new (CsSourceClip *source)
{
  g_autofree char *id = NULL;
  g_autoptr(CsSegment) segment = NULL;
  g_autoptr(CsTimeline) timeline = NULL;
  CsKeyframe keyframe = { 0, 1.0, CS_INTERPOLATION_CONSTANT };
  GPtrArray *segments;
  CsProject *self;

  g_return_val_if_fail (source != NULL, NULL);

  id = g_uuid_string_random ();
  segment = cs_segment_new_internal (0, cs_source_clip_get_n_frames (source), NULL, 0,
                                     &keyframe, 1);
  segments = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (segments, g_steal_pointer (&segment));
  timeline = cs_timeline_new_take (cs_source_clip_get_n_frames (source), segments);

  self = cs_project_new_internal (id, source, timeline);
  /* Nothing to save in a project nobody has touched yet. */
  self->saved_timeline = cs_timeline_ref (self->timeline);

  return self;
}

/* Change tracking ------------------------------------------------------------------------ */

typedef struct {
  gboolean    can_undo;
  gboolean    can_redo;
  gboolean    modified;
  const char *undo_label;
  const char *redo_label;
} UndoState;

static UndoState
capture_state (CsProject *self)
{
  UndoState state = {
    .can_undo = cs_project_get_can_undo (self),
    .can_redo = cs_project_get_can_redo (self),
    .modified = cs_project_get_modified (self),
    .undo_label = cs_project_get_undo_label (self),
    .redo_label = cs_project_get_redo_label (self),
  };

  return state;
}

/* Labels are compared by pointer: a label belongs to its step, and a step
 * moving between the stacks is a change worth a notification anyway. */
static void
notify_state (CsProject       *self,
              const UndoState *before)
{
  UndoState after = capture_state (self);

  if (before->can_undo != after.can_undo)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_UNDO]);
  if (before->can_redo != after.can_redo)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_REDO]);
  if (before->modified != after.modified)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODIFIED]);
  if (before->undo_label != after.undo_label)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNDO_LABEL]);
  if (before->redo_label != after.redo_label)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REDO_LABEL]);
}

static void
emit_frames_changed (CsProject *self,
                     gint64     first_frame,
                     gint64     end_frame)
{
  self->change_serial++;
  g_signal_emit (self, signals[CHANGED], 0, first_frame, end_frame);
}

/* Segments an edit did not touch are the same objects in both timelines, so
 * the replaced run is what lies between the common ends. */
static void
set_timeline (CsProject  *self,
              CsTimeline *timeline)
{
  g_autoptr(CsTimeline) old = g_steal_pointer (&self->timeline);
  guint old_n = cs_timeline_get_n_segments (old);
  guint new_n = cs_timeline_get_n_segments (timeline);
  guint prefix = 0, suffix = 0, removed, added, first, last;

  self->timeline = cs_timeline_ref (timeline);

  while (prefix < old_n && prefix < new_n &&
         cs_timeline_get_segment (old, prefix) == cs_timeline_get_segment (timeline, prefix))
    prefix++;
  while (suffix < old_n - prefix && suffix < new_n - prefix &&
         cs_timeline_get_segment (old, old_n - 1 - suffix) ==
         cs_timeline_get_segment (timeline, new_n - 1 - suffix))
    suffix++;
  removed = old_n - prefix - suffix;
  added = new_n - prefix - suffix;

  if (removed == 0 && added == 0)
    return;

  g_list_model_items_changed (G_LIST_MODEL (self), prefix, removed, added);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMELINE]);

  /* The fades at both ends of the replaced run depend on their neighbours,
   * so the neighbours' frames may change too. */
  first = prefix > 0 ? prefix - 1 : 0;
  last = MIN (prefix + added, new_n - 1);
  emit_frames_changed (self,
                       cs_segment_get_start (cs_timeline_get_segment (timeline, first)),
                       cs_segment_get_end (cs_timeline_get_segment (timeline, last)));
}

/* Makes @after (owned) the document as one undoable edit, or as part of the
 * open group. @base is the timeline @after was computed from. */
static gboolean
commit (CsProject  *self,
        const char *label,
        CsTimeline *after,
        MergeKind   merge_kind,
        guint       merge_index,
        CsTimeline *base)
{
  g_autoptr(CsTimeline) owned = after;
  UndoState state;

  /* An edit that changes nothing, or a drag back to where it began, keeps
   * the old objects so that modified and the undo history stay exact. */
  if (cs_timeline_equal (owned, base))
    {
      g_clear_pointer (&owned, cs_timeline_unref);
      owned = cs_timeline_ref (base);
    }
  if (cs_timeline_equal (owned, self->timeline))
    return TRUE;
  if (self->saved_timeline != NULL && cs_timeline_equal (owned, self->saved_timeline))
    {
      g_clear_pointer (&owned, cs_timeline_unref);
      owned = cs_timeline_ref (self->saved_timeline);
    }

  state = capture_state (self);
  g_ptr_array_set_size (self->redo_stack, 0);

  if (self->open_group != NULL)
    {
      CsUndoStep *group = self->open_group;

      if (group->before == NULL)
        group->before = cs_timeline_ref (self->timeline);
      if (group->label == NULL)
        group->label = g_strdup (self->group_label != NULL ? self->group_label : label);
      g_clear_pointer (&group->after, cs_timeline_unref);
      group->after = cs_timeline_ref (owned);
      g_clear_pointer (&group->merge_base, cs_timeline_unref);
      group->merge_kind = merge_kind;
      group->merge_index = merge_index;
      group->merge_base = cs_timeline_ref (base);
    }
  else
    {
      CsUndoStep *step = g_new0 (CsUndoStep, 1);

      step->label = g_strdup (label);
      step->before = cs_timeline_ref (self->timeline);
      step->after = cs_timeline_ref (owned);
      g_ptr_array_add (self->undo_stack, step);
    }

  set_timeline (self, owned);
  notify_state (self, &state);

  return TRUE;
}

static gboolean
commit_segments (CsProject  *self,
                 const char *label,
                 guint       position,
                 guint       n_removed,
                 CsSegment **added,
                 guint       n_added)
{
  return commit (self, label,
                 cs_timeline_replace (self->timeline, position, n_removed, added, n_added),
                 MERGE_NONE, 0, self->timeline);
}

/* Getters ---------------------------------------------------------------------------------- */

GFile *
cs_project_get_file (CsProject *self)
{
  g_return_val_if_fail (CS_IS_PROJECT (self), NULL);

  return self->file;
}

const char *
cs_project_get_id (CsProject *self)
{
  g_return_val_if_fail (CS_IS_PROJECT (self), NULL);

  return self->id;
}

gboolean
cs_project_get_modified (CsProject *self)
{
  g_return_val_if_fail (CS_IS_PROJECT (self), FALSE);

  return self->timeline != self->saved_timeline || self->source_relinked;
}

gboolean
cs_project_get_recovered (CsProject *self)
{
  g_return_val_if_fail (CS_IS_PROJECT (self), FALSE);

  return self->recovered;
}

GPtrArray *
cs_project_get_warnings (CsProject *self)
{
  g_return_val_if_fail (CS_IS_PROJECT (self), NULL);

  return self->warnings;
}

CsSourceClip *
cs_project_get_source (CsProject *self)
{
  g_return_val_if_fail (CS_IS_PROJECT (self), NULL);

  return self->source;
}

CsSourceStatus
cs_project_get_source_status (CsProject *self)
{
  g_return_val_if_fail (CS_IS_PROJECT (self), CS_SOURCE_STATUS_MISSING);

  return self->source_status;
}

CsTimeline *
cs_project_get_timeline (CsProject *self)
{
  g_return_val_if_fail (CS_IS_PROJECT (self), NULL);

  return self->timeline;
}

gint64
cs_project_get_n_frames (CsProject *self)
{
  g_return_val_if_fail (CS_IS_PROJECT (self), 0);

  return cs_timeline_get_n_frames (self->timeline);
}

guint
cs_project_get_n_segments (CsProject *self)
{
  g_return_val_if_fail (CS_IS_PROJECT (self), 0);

  return cs_timeline_get_n_segments (self->timeline);
}

CsSegment *
cs_project_get_segment (CsProject *self,
                        guint      index)
{
  g_return_val_if_fail (CS_IS_PROJECT (self), NULL);

  return cs_timeline_get_segment (self->timeline, index);
}

gboolean
cs_project_query_frame (CsProject     *self,
                        gint64         frame,
                        CsFrameStyles *out)
{
  g_return_val_if_fail (CS_IS_PROJECT (self), FALSE);

  return cs_timeline_query_frame (self->timeline, frame, out);
}

/* For cs-project-io.c ---------------------------------------------------------------- */

void
cs_project_add_warning (CsProject *self,
                        GError    *warning)
{
  g_ptr_array_add (self->warnings, warning);
}

void
cs_project_set_file_internal (CsProject *self,
                              GFile     *file)
{
  if (g_set_object (&self->file, file))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILE]);
}

void
cs_project_notify_saved (CsProject *self,
                         GFile     *file)
{
  UndoState state = capture_state (self);

  cs_project_set_file_internal (self, file);
  g_clear_pointer (&self->saved_timeline, cs_timeline_unref);
  self->saved_timeline = cs_timeline_ref (self->timeline);
  self->source_relinked = FALSE;
  if (self->recovered)
    {
      self->recovered = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECOVERED]);
    }
  notify_state (self, &state);
}

void
cs_project_set_source_status_internal (CsProject      *self,
                                       CsSourceStatus  status)
{
  if (self->source_status != status)
    {
      self->source_status = status;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SOURCE_STATUS]);
    }
}

void
cs_project_set_source_internal (CsProject    *self,
                                CsSourceClip *source)
{
  if (cs_source_clip_equal (self->source, source))
    return;

  g_clear_pointer (&self->source, cs_source_clip_unref);
  self->source = cs_source_clip_ref (source);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SOURCE]);
}

void
cs_project_set_recovered_internal (CsProject *self,
                                   gboolean   recovered)
{
  self->recovered = recovered;
}

void
cs_project_emit_autosave_failed (CsProject    *self,
                                 const GError *error)
{
  g_signal_emit (self, signals[AUTOSAVE_FAILED], 0, error);
}

/* Relinking ---------------------------------------------------------------------------------- */

static void
drop_source_warnings (CsProject *self)
{
  for (guint i = self->warnings->len; i > 0; i--)
    {
      GError *warning = g_ptr_array_index (self->warnings, i - 1);

      if (g_error_matches (warning, CS_PROJECT_ERROR, CS_PROJECT_ERROR_MISSING_MEDIA) ||
          g_error_matches (warning, CS_PROJECT_ERROR, CS_PROJECT_ERROR_SOURCE_CHANGED))
        g_ptr_array_remove_index (self->warnings, i - 1);
    }
}

gboolean
cs_project_relink_source (CsProject     *self,
                          CsSourceClip  *source,
                          GError       **error)
{
  UndoState state;

  g_return_val_if_fail (CS_IS_PROJECT (self), FALSE);
  g_return_val_if_fail (source != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (cs_source_clip_get_n_frames (source) != cs_project_get_n_frames (self))
    {
      g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT,
                   _("“%s” has %" G_GINT64_FORMAT " frames but the project was made for a "
                     "clip of %" G_GINT64_FORMAT "; choose the same clip"),
                   cs_source_clip_get_path (source),
                   cs_source_clip_get_n_frames (source),
                   cs_project_get_n_frames (self));
      return FALSE;
    }

  state = capture_state (self);
  cs_project_set_source_internal (self, source);
  self->source_relinked = TRUE;
  cs_project_set_source_status_internal (self, CS_SOURCE_STATUS_OK);
  drop_source_warnings (self);
  emit_frames_changed (self, 0, cs_project_get_n_frames (self));
  notify_state (self, &state);

  return TRUE;
}

/* Edits ----------------------------------------------------------------------------------------- */

static gboolean
find_segment (CsProject  *self,
              gint64      frame,
              guint      *index,
              GError    **error)
{
  if (cs_timeline_find_segment (self->timeline, frame, index))
    return TRUE;

  g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT,
               _("Frame %" G_GINT64_FORMAT " is outside the clip, whose frames are "
                 "0 to %" G_GINT64_FORMAT),
               frame, cs_project_get_n_frames (self) - 1);
  return FALSE;
}

static gboolean
check_segment_index (CsProject  *self,
                     guint       index,
                     GError    **error)
{
  if (index < cs_project_get_n_segments (self))
    return TRUE;

  g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT,
               _("There is no segment %u; the project has %u"),
               index + 1, cs_project_get_n_segments (self));
  return FALSE;
}

static gboolean
check_degree (double   degree,
              GError **error)
{
  if (isfinite (degree) && degree >= 0.0 && degree <= 1.0)
    return TRUE;

  g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT,
               _("A style degree of %g is outside 0 to 1"), degree);
  return FALSE;
}

static gboolean
check_interpolation (CsInterpolation   interpolation,
                     GError          **error)
{
  if (interpolation == CS_INTERPOLATION_CONSTANT ||
      interpolation == CS_INTERPOLATION_LINEAR ||
      interpolation == CS_INTERPOLATION_EASE_IN_OUT)
    return TRUE;

  g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT,
               _("Unknown interpolation %d"), (int) interpolation);
  return FALSE;
}

gboolean
cs_project_split (CsProject  *self,
                  gint64      frame,
                  GError    **error)
{
  CsSegment *segment;
  CsSegment *halves[2];
  gboolean ret;
  guint index;

  g_return_val_if_fail (CS_IS_PROJECT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!find_segment (self, frame, &index, error))
    return FALSE;

  segment = cs_timeline_get_segment (self->timeline, index);
  if (cs_segment_get_start (segment) == frame)
    {
      g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT,
                   _("There is already a cut at frame %" G_GINT64_FORMAT), frame);
      return FALSE;
    }

  halves[0] = cs_segment_copy_range (segment, cs_segment_get_start (segment), frame,
                                     cs_segment_get_crossfade (segment));
  halves[1] = cs_segment_copy_range (segment, frame, cs_segment_get_end (segment), 0);
  ret = commit_segments (self, _("Split Segment"), index, 1, halves, 2);
  g_object_unref (halves[0]);
  g_object_unref (halves[1]);

  return ret;
}

gboolean
cs_project_join (CsProject  *self,
                 guint       index,
                 GError    **error)
{
  g_autoptr(GArray) keyframes = g_array_new (FALSE, FALSE, sizeof (CsKeyframe));
  g_autoptr(CsSegment) joined = NULL;
  CsSegment *left, *right;

  g_return_val_if_fail (CS_IS_PROJECT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_segment_index (self, index, error))
    return FALSE;
  if (index + 1 >= cs_project_get_n_segments (self))
    {
      g_set_error_literal (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT,
                           _("The last segment has no next segment to join"));
      return FALSE;
    }

  left = cs_timeline_get_segment (self->timeline, index);
  right = cs_timeline_get_segment (self->timeline, index + 1);
  for (guint i = 0; i < cs_segment_get_n_keyframes (left); i++)
    g_array_append_val (keyframes, *cs_segment_get_keyframe (left, i));
  for (guint i = 0; i < cs_segment_get_n_keyframes (right); i++)
    g_array_append_val (keyframes, *cs_segment_get_keyframe (right, i));

  joined = cs_segment_new_internal (cs_segment_get_start (left),
                                    cs_segment_get_n_frames (left) + cs_segment_get_n_frames (right),
                                    cs_segment_get_style (left),
                                    cs_segment_get_crossfade (left),
                                    (const CsKeyframe *) (void *) keyframes->data,
                                    keyframes->len);
  /* The joined segment is the left one grown, as its style says: its
   * stability, reference and face too. */
  {
    CsSegment *grown = cs_segment_copy_with_settings_of (joined, left);

    g_object_unref (joined);
    joined = grown;
  }

  return commit_segments (self, _("Join Segments"), index, 2, &joined, 1);
}

gboolean
cs_project_move_boundary (CsProject  *self,
                          guint       index,
                          gint64      frame,
                          GError    **error)
{
  CsTimeline *base = self->timeline;
  CsSegment *left, *right;
  CsSegment *moved[2];
  gboolean ret;

  g_return_val_if_fail (CS_IS_PROJECT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_segment_index (self, index, error))
    return FALSE;
  if (index == 0)
    {
      g_set_error_literal (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT,
                           _("The start of the first segment is the start of the clip "
                             "and cannot move"));
      return FALSE;
    }

  /* Moving the same cut again in one drag starts from the document before
   * the drag's first move of it: a keyframe the cut passed over and back is
   * still there. */
  if (self->open_group != NULL &&
      self->open_group->merge_kind == MERGE_MOVE_BOUNDARY &&
      self->open_group->merge_index == index)
    base = self->open_group->merge_base;

  left = cs_timeline_get_segment (base, index - 1);
  right = cs_timeline_get_segment (base, index);
  if (frame <= cs_segment_get_start (left) || frame >= cs_segment_get_end (right))
    {
      g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT,
                   _("The cut can move between frames %" G_GINT64_FORMAT " and %"
                     G_GINT64_FORMAT ", not to %" G_GINT64_FORMAT),
                   cs_segment_get_start (left) + 1, cs_segment_get_end (right) - 1, frame);
      return FALSE;
    }

  moved[0] = cs_segment_copy_range (left, cs_segment_get_start (left), frame,
                                    cs_segment_get_crossfade (left));
  moved[1] = cs_segment_copy_range (right, frame, cs_segment_get_end (right),
                                    cs_segment_get_crossfade (right));
  ret = commit (self, _("Move Cut"),
                cs_timeline_replace (base, index - 1, 2, moved, 2),
                MERGE_MOVE_BOUNDARY, index, base);
  g_object_unref (moved[0]);
  g_object_unref (moved[1]);

  return ret;
}

gboolean
cs_project_set_style (CsProject   *self,
                      guint        index,
                      CsStyleRef  *style,
                      GError     **error)
{
  g_autoptr(CsSegment) changed = NULL;
  CsSegment *segment;

  g_return_val_if_fail (CS_IS_PROJECT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_segment_index (self, index, error))
    return FALSE;

  segment = cs_timeline_get_segment (self->timeline, index);
  changed = cs_segment_copy_with (segment, style, cs_segment_get_crossfade (segment));

  return commit_segments (self, _("Change Style"), index, 1, &changed, 1);
}

gboolean
cs_project_set_crossfade (CsProject  *self,
                          guint       index,
                          guint       frames,
                          GError    **error)
{
  g_autoptr(CsSegment) changed = NULL;
  CsSegment *segment;

  g_return_val_if_fail (CS_IS_PROJECT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_segment_index (self, index, error))
    return FALSE;
  if (index == 0)
    {
      g_set_error_literal (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT,
                           _("The first segment has no segment before it to fade from"));
      return FALSE;
    }
  if (frames > cs_project_get_n_frames (self))
    {
      g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT,
                   _("A cross-fade of %u frames is longer than the clip (%" G_GINT64_FORMAT
                     " frames)"),
                   frames, cs_project_get_n_frames (self));
      return FALSE;
    }

  segment = cs_timeline_get_segment (self->timeline, index);
  changed = cs_segment_copy_with (segment, cs_segment_get_style (segment), frames);

  return commit_segments (self, _("Change Cross-Fade"), index, 1, &changed, 1);
}

gboolean
cs_project_set_stability (CsProject  *self,
                          guint       index,
                          double      stability,
                          GError    **error)
{
  g_autoptr(CsSegment) changed = NULL;
  CsSegment *segment;

  g_return_val_if_fail (CS_IS_PROJECT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_segment_index (self, index, error))
    return FALSE;
  if (!(stability >= 0.0 && stability <= 1.0))
    {
      g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT,
                   _("The stability must be between 0 and 1 (0 %% to 100 %%), not %g"), stability);
      return FALSE;
    }

  segment = cs_timeline_get_segment (self->timeline, index);
  changed = cs_segment_copy_with_stability (segment, stability);

  return commit_segments (self, _("Change Stability"), index, 1, &changed, 1);
}

gboolean
cs_project_set_reference (CsProject  *self,
                          guint       index,
                          guint       reference,
                          GError    **error)
{
  g_autoptr(CsSegment) changed = NULL;
  CsSegment *segment;

  g_return_val_if_fail (CS_IS_PROJECT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_segment_index (self, index, error))
    return FALSE;
  /* The file stores it as a JSON integer that json-glib reads as gint64;
   * anything above this is no real style's reference count. */
  if (reference > G_MAXINT32)
    {
      g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT,
                   _("Style reference %u does not exist"), reference);
      return FALSE;
    }

  segment = cs_timeline_get_segment (self->timeline, index);
  changed = cs_segment_copy_with_reference (segment, reference);

  return commit_segments (self, _("Change Style Reference"), index, 1, &changed, 1);
}

gboolean
cs_face_rect_check (const CsFaceRect  *rect,
                    int                width,
                    int                height,
                    GError           **error)
{
  if (rect->width <= 0 || rect->height <= 0)
    {
      g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT,
                   _("A face rectangle of %d × %d pixels is empty; its width and height "
                     "must be at least 1"), rect->width, rect->height);
      return FALSE;
    }
  /* In 64 bits: x + width may overflow an int. */
  if ((gint64) rect->x >= width || (gint64) rect->y >= height ||
      (gint64) rect->x + rect->width <= 0 || (gint64) rect->y + rect->height <= 0)
    {
      g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT,
                   _("The face rectangle at %d, %d of %d × %d pixels lies wholly outside "
                     "the clip’s %d × %d frame"),
                   rect->x, rect->y, rect->width, rect->height, width, height);
      return FALSE;
    }

  return TRUE;
}

gboolean
cs_project_set_face (CsProject         *self,
                     guint              index,
                     const CsFaceRect  *rect,
                     GError           **error)
{
  g_autoptr(CsSegment) changed = NULL;
  CsSegment *segment;

  g_return_val_if_fail (CS_IS_PROJECT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_segment_index (self, index, error))
    return FALSE;
  if (rect != NULL &&
      !cs_face_rect_check (rect, cs_source_clip_get_width (self->source),
                           cs_source_clip_get_height (self->source), error))
    return FALSE;

  segment = cs_timeline_get_segment (self->timeline, index);
  changed = cs_segment_copy_with_face (segment, rect);

  return commit_segments (self, _("Change Face Rectangle"), index, 1, &changed, 1);
}

/* The segment's keyframes, to edit. */
static GArray *
copy_keyframes (CsSegment *segment)
{
  GArray *keyframes = g_array_new (FALSE, FALSE, sizeof (CsKeyframe));

  for (guint i = 0; i < cs_segment_get_n_keyframes (segment); i++)
    g_array_append_val (keyframes, *cs_segment_get_keyframe (segment, i));

  return keyframes;
}

static void
insert_sorted (GArray           *keyframes,
               const CsKeyframe *keyframe)
{
  guint i = 0;

  while (i < keyframes->len && g_array_index (keyframes, CsKeyframe, i).frame < keyframe->frame)
    i++;
  g_array_insert_val (keyframes, i, *keyframe);
}

static gboolean
commit_keyframes (CsProject  *self,
                  const char *label,
                  guint       index,
                  GArray     *keyframes)
{
  g_autoptr(CsSegment) changed = NULL;

  changed = cs_segment_copy_with_keyframes (cs_timeline_get_segment (self->timeline, index),
                                            (const CsKeyframe *) (void *) keyframes->data,
                                            keyframes->len);

  return commit_segments (self, label, index, 1, &changed, 1);
}

/* The segment and index of the keyframe at @frame. */
static gboolean
find_keyframe (CsProject  *self,
               gint64      frame,
               guint      *segment_index,
               guint      *keyframe_index,
               GError    **error)
{
  if (!find_segment (self, frame, segment_index, error))
    return FALSE;

  if (!cs_segment_find_keyframe (cs_timeline_get_segment (self->timeline, *segment_index),
                                 frame, keyframe_index))
    {
      g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT,
                   _("There is no keyframe at frame %" G_GINT64_FORMAT), frame);
      return FALSE;
    }

  return TRUE;
}

gboolean
cs_project_add_keyframe (CsProject        *self,
                         gint64            frame,
                         double            degree,
                         CsInterpolation   interpolation,
                         GError          **error)
{
  g_autoptr(GArray) keyframes = NULL;
  CsKeyframe keyframe = { frame, degree, interpolation };
  CsSegment *segment;
  guint index;

  g_return_val_if_fail (CS_IS_PROJECT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_degree (degree, error) ||
      !check_interpolation (interpolation, error) ||
      !find_segment (self, frame, &index, error))
    return FALSE;

  segment = cs_timeline_get_segment (self->timeline, index);
  if (cs_segment_find_keyframe (segment, frame, NULL))
    {
      g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT,
                   _("There is already a keyframe at frame %" G_GINT64_FORMAT), frame);
      return FALSE;
    }

  keyframes = copy_keyframes (segment);
  insert_sorted (keyframes, &keyframe);

  return commit_keyframes (self, _("Add Keyframe"), index, keyframes);
}

gboolean
cs_project_move_keyframe (CsProject  *self,
                          gint64      frame,
                          gint64      new_frame,
                          double      degree,
                          GError    **error)
{
  g_autoptr(GArray) keyframes = NULL;
  CsKeyframe keyframe;
  CsSegment *segment;
  guint index, k;

  g_return_val_if_fail (CS_IS_PROJECT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_degree (degree, error) ||
      !find_keyframe (self, frame, &index, &k, error))
    return FALSE;

  segment = cs_timeline_get_segment (self->timeline, index);
  if (new_frame < cs_segment_get_start (segment) || new_frame >= cs_segment_get_end (segment))
    {
      g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT,
                   _("The keyframe can move between frames %" G_GINT64_FORMAT " and %"
                     G_GINT64_FORMAT " of its segment, not to %" G_GINT64_FORMAT),
                   cs_segment_get_start (segment), cs_segment_get_end (segment) - 1,
                   new_frame);
      return FALSE;
    }
  if (new_frame != frame && cs_segment_find_keyframe (segment, new_frame, NULL))
    {
      g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT,
                   _("There is already a keyframe at frame %" G_GINT64_FORMAT), new_frame);
      return FALSE;
    }

  keyframes = copy_keyframes (segment);
  keyframe = g_array_index (keyframes, CsKeyframe, k);
  g_array_remove_index (keyframes, k);
  keyframe.frame = new_frame;
  keyframe.degree = degree;
  insert_sorted (keyframes, &keyframe);

  return commit_keyframes (self, _("Move Keyframe"), index, keyframes);
}

gboolean
cs_project_set_keyframe_interpolation (CsProject        *self,
                                       gint64            frame,
                                       CsInterpolation   interpolation,
                                       GError          **error)
{
  g_autoptr(GArray) keyframes = NULL;
  guint index, k;

  g_return_val_if_fail (CS_IS_PROJECT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_interpolation (interpolation, error) ||
      !find_keyframe (self, frame, &index, &k, error))
    return FALSE;

  keyframes = copy_keyframes (cs_timeline_get_segment (self->timeline, index));
  g_array_index (keyframes, CsKeyframe, k).interpolation = interpolation;

  return commit_keyframes (self, _("Change Interpolation"), index, keyframes);
}

gboolean
cs_project_remove_keyframe (CsProject  *self,
                            gint64      frame,
                            GError    **error)
{
  g_autoptr(GArray) keyframes = NULL;
  guint index, k;

  g_return_val_if_fail (CS_IS_PROJECT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!find_keyframe (self, frame, &index, &k, error))
    return FALSE;

  keyframes = copy_keyframes (cs_timeline_get_segment (self->timeline, index));
  if (keyframes->len == 1)
    {
      g_set_error_literal (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT,
                           _("A segment keeps at least one keyframe; change its degree instead"));
      return FALSE;
    }
  g_array_remove_index (keyframes, k);

  return commit_keyframes (self, _("Remove Keyframe"), index, keyframes);
}

/* Undo ---------------------------------------------------------------------------------------- */

void
cs_project_begin_group (CsProject  *self,
                        const char *label)
{
  UndoState state;

  g_return_if_fail (CS_IS_PROJECT (self));

  if (self->group_depth++ > 0)
    return;

  state = capture_state (self);
  self->open_group = g_new0 (CsUndoStep, 1);
  g_free (self->group_label);
  self->group_label = g_strdup (label);
  notify_state (self, &state);
}

void
cs_project_end_group (CsProject *self)
{
  g_autoptr(CsUndoStep) group = NULL;
  UndoState state;

  g_return_if_fail (CS_IS_PROJECT (self));
  g_return_if_fail (self->group_depth > 0);

  if (--self->group_depth > 0)
    return;

  state = capture_state (self);
  group = g_steal_pointer (&self->open_group);
  g_clear_pointer (&self->group_label, g_free);
  g_clear_pointer (&group->merge_base, cs_timeline_unref);

  /* A drag that ended where it began leaves nothing to undo, and the old
   * objects come back so that modified is exact. */
  if (group->before != NULL && cs_timeline_equal (group->before, group->after))
    set_timeline (self, group->before);
  else if (group->before != NULL)
    g_ptr_array_add (self->undo_stack, g_steal_pointer (&group));

  notify_state (self, &state);
}

gboolean
cs_project_get_can_undo (CsProject *self)
{
  g_return_val_if_fail (CS_IS_PROJECT (self), FALSE);

  return self->open_group == NULL && self->undo_stack->len > 0;
}

gboolean
cs_project_get_can_redo (CsProject *self)
{
  g_return_val_if_fail (CS_IS_PROJECT (self), FALSE);

  return self->open_group == NULL && self->redo_stack->len > 0;
}

const char *
cs_project_get_undo_label (CsProject *self)
{
  CsUndoStep *step;

  g_return_val_if_fail (CS_IS_PROJECT (self), NULL);

  if (!cs_project_get_can_undo (self))
    return NULL;

  step = g_ptr_array_index (self->undo_stack, self->undo_stack->len - 1);
  return step->label;
}

const char *
cs_project_get_redo_label (CsProject *self)
{
  CsUndoStep *step;

  g_return_val_if_fail (CS_IS_PROJECT (self), NULL);

  if (!cs_project_get_can_redo (self))
    return NULL;

  step = g_ptr_array_index (self->redo_stack, self->redo_stack->len - 1);
  return step->label;
}

static gboolean
move_step (CsProject *self,
           GPtrArray *from,
           GPtrArray *to,
           gboolean   forward)
{
  CsUndoStep *step;
  UndoState state;

  if (self->open_group != NULL || from->len == 0)
    return FALSE;

  state = capture_state (self);
  step = g_ptr_array_steal_index (from, from->len - 1);
  g_ptr_array_add (to, step);
  set_timeline (self, forward ? step->after : step->before);
  notify_state (self, &state);

  return TRUE;
}

gboolean
cs_project_undo (CsProject *self)
{
  g_return_val_if_fail (CS_IS_PROJECT (self), FALSE);

  return move_step (self, self->undo_stack, self->redo_stack, FALSE);
}

gboolean
cs_project_redo (CsProject *self)
{
  g_return_val_if_fail (CS_IS_PROJECT (self), FALSE);

  return move_step (self, self->redo_stack, self->undo_stack, TRUE);
}
