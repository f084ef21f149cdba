/* cs-project-private.h: what the project layer's files share and nobody else
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cs-project.h"

G_BEGIN_DECLS

/* Names the hashing method in the hash itself, so a later method can be told
 * apart. "ht1m": size, head and tail, one MiB each. */
#define CS_PROJECT_HASH_PREFIX "sha256-ht1m:"

/* One undoable step: the document before and after it. */
typedef struct _CsUndoStep CsUndoStep;

struct _CsProject
{
  GObject         parent_instance;

  char           *id;
  GFile          *file;
  CsSourceClip   *source;
  CsSourceStatus  source_status;
  CsTimeline     *timeline;

  /* What the file holds: modified is timeline != saved_timeline, so undoing
   * back to it clears modified. NULL when the file holds something else. */
  CsTimeline     *saved_timeline;
  gboolean        source_relinked;
  /* Opened in recovery: the first save backs up the original file. */
  gboolean        recovered;
  GPtrArray      *warnings;

  GPtrArray      *undo_stack;
  GPtrArray      *redo_stack;
  CsUndoStep     *open_group;
  guint           group_depth;
  char           *group_label;

  /* Counts changes, so the autosave source knows whether to write. */
  guint64         change_serial;
  guint64         autosaved_serial;
};

/* cs-segment.c */
double        cs_degree_normalize            (double              degree);
CsSegment    *cs_segment_new_internal        (gint64              start,
                                              gint64              n_frames,
                                              CsStyleRef         *style,
                                              guint               crossfade,
                                              const CsKeyframe   *keyframes,
                                              guint               n_keyframes);
CsSegment    *cs_segment_copy_with           (CsSegment          *self,
                                              CsStyleRef         *style,
                                              guint               crossfade);
CsSegment    *cs_segment_copy_with_keyframes (CsSegment          *self,
                                              const CsKeyframe   *keyframes,
                                              guint               n_keyframes);
/* @stability in [0, 1]. */
CsSegment    *cs_segment_copy_with_stability (CsSegment          *self,
                                              double              stability);
/* @self with @from's stability, reference and face rectangle. */
CsSegment    *cs_segment_copy_with_settings_of (CsSegment        *self,
                                              CsSegment          *from);
CsSegment    *cs_segment_copy_with_reference (CsSegment          *self,
                                              guint               reference);
/* @face NULL: the centred square; otherwise width and height at least 1. */
CsSegment    *cs_segment_copy_with_face      (CsSegment          *self,
                                              const CsFaceRect   *face);
/* The segment cut or extended to [start, end): keyframes outside are
 * dropped and the curve's values at the new edges kept. */
CsSegment    *cs_segment_copy_range          (CsSegment          *self,
                                              gint64              start,
                                              gint64              end,
                                              guint               crossfade);

/* cs-timeline.c; both check that the segments tile the frames. */
CsTimeline   *cs_timeline_new_take           (gint64              n_frames,
                                              GPtrArray          *segments);
CsTimeline   *cs_timeline_replace            (CsTimeline         *self,
                                              guint               position,
                                              guint               n_removed,
                                              CsSegment         **added,
                                              guint               n_added);

/* cs-source-clip.c */
gboolean      cs_project_hash_is_valid       (const char         *hash);

/* cs-autosave-info.c */
CsAutosaveInfo *cs_autosave_info_new         (GFile              *file,
                                              GFile              *project_file,
                                              gint64              time,
                                              const char         *title);

/* cs-project.c, for cs-project-io.c */
CsProject    *cs_project_new_internal        (const char         *id,
                                              CsSourceClip       *source,
                                              CsTimeline         *timeline);
void          cs_project_add_warning         (CsProject          *self,
                                              GError             *warning);
void          cs_project_notify_saved        (CsProject          *self,
                                              GFile              *file);
void          cs_project_set_file_internal   (CsProject          *self,
                                              GFile              *file);
void          cs_project_set_source_internal (CsProject          *self,
                                              CsSourceClip       *source);
void          cs_project_set_source_status_internal (CsProject   *self,
                                              CsSourceStatus      status);
void          cs_project_set_recovered_internal (CsProject       *self,
                                              gboolean            recovered);
void          cs_project_emit_autosave_failed (CsProject         *self,
                                              const GError       *error);

/* cs-project.c: @rect non-empty and at least partly inside a @width x
 * @height frame. */
gboolean      cs_face_rect_check             (const CsFaceRect   *rect,
                                              int                 width,
                                              int                 height,
                                              GError            **error);

/* cs-project-io.c */
gboolean      cs_project_is_valid_id         (const char         *id);

G_END_DECLS
