/* cs-project.h: the timeline document
 *
 * A project styles one source clip. Its frames are tiled by segments (see
 * cs-segment.h), each with a style, a degree curve and an optional cross-fade
 * from the segment before. The document at any moment is a CsTimeline;
 * rendering uses only cs_timeline_query_frame() on it.
 *
 * Every edit is one undoable step; between cs_project_begin_group() and
 * cs_project_end_group() all edits are one step (a drag). Edits that cannot
 * be made return FALSE and a CS_PROJECT_ERROR_INVALID_ARGUMENT and change
 * nothing. After every change the project emits GListModel::items-changed
 * for the segments that were replaced and CsProject::changed with the frames
 * that may look different.
 *
 * A CsProject belongs to the thread that made it (the UI thread); the
 * timelines, segments and references it hands out may go to any thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cs-autosave-info.h"
#include "cs-project-error.h"
#include "cs-project-enums.h"
#include "cs-segment.h"
#include "cs-source-clip.h"
#include "cs-style-ref.h"
#include "cs-timeline.h"

G_BEGIN_DECLS

/* The .celshade format version this code writes; it reads 1 up to this. */
#define CS_PROJECT_FORMAT_VERSION 1

/* The file name extension of projects, with its dot. */
#define CS_PROJECT_EXTENSION ".celshade"

/* How often the app should autosave, in milliseconds. */
#define CS_PROJECT_AUTOSAVE_INTERVAL_MS 60000

/**
 * CsProjectLoadFlags:
 * @CS_PROJECT_LOAD_NONE: refuse a file with anything wrong in it.
 * @CS_PROJECT_LOAD_RECOVER: open what can be read of a damaged file or one
 *   from a newer version: unknown keys are skipped, bad keyframes and
 *   segments dropped, gaps and overlaps mended, and each repair is listed in
 *   cs_project_get_warnings(). Saving such a project first keeps the
 *   original file as a backup next to it. A file that is not JSON at all is
 *   still refused.
 *
 * How cs_project_load() treats a damaged file.
 */
typedef enum /*< flags >*/ {
  CS_PROJECT_LOAD_NONE = 0,
  CS_PROJECT_LOAD_RECOVER = 1 << 0,
} CsProjectLoadFlags;

#define CS_TYPE_PROJECT (cs_project_get_type ())
G_DECLARE_FINAL_TYPE (CsProject, cs_project, CS, PROJECT, GObject)

/* Creating, opening and saving ------------------------------------------------ */

/* A new, untitled project: one segment over the whole clip, no style,
 * degree 1. */
CsProject    *cs_project_new                (CsSourceClip        *source);
/* Opens a .celshade file or an autosave (which reopens as its project file,
 * modified). A missing or changed clip or style folder is no error: see
 * cs_project_get_source_status() and cs_project_get_warnings(). */
CsProject    *cs_project_load               (GFile               *file,
                                             CsProjectLoadFlags   flags,
                                             GCancellable        *cancellable,
                                             GError             **error);
/* As cs_project_load() but from memory; @file (or NULL) is where the data
 * came from, for relative paths, and becomes the project's file. */
CsProject    *cs_project_load_from_data     (const char          *data,
                                             gsize                length,
                                             GFile               *file,
                                             CsProjectLoadFlags   flags,
                                             GCancellable        *cancellable,
                                             GError             **error);
/* Writes the project to @file (NULL: its own file) through a temporary file
 * renamed over the old one, so a crash leaves either version whole. */
gboolean      cs_project_save               (CsProject           *self,
                                             GFile               *file,
                                             GCancellable        *cancellable,
                                             GError             **error);
/* The document as .celshade JSON, with paths relative to the project file. */
char         *cs_project_to_data            (CsProject           *self,
                                             gsize               *length);

/* The project file, or NULL while untitled. */
GFile        *cs_project_get_file           (CsProject           *self);
/* A stable identifier, kept in the file, that names the autosave. */
const char   *cs_project_get_id             (CsProject           *self);
/* TRUE when the document differs from its file (undoing back clears it). */
gboolean      cs_project_get_modified       (CsProject           *self);
/* TRUE when opened with CS_PROJECT_LOAD_RECOVER and something needed
 * repair; cleared by saving. */
gboolean      cs_project_get_recovered      (CsProject           *self);
/* Problems found while opening or relinking, each a GError of
 * CS_PROJECT_ERROR with a message for the user (element-type GError). */
GPtrArray    *cs_project_get_warnings       (CsProject           *self);

/* The source clip --------------------------------------------------------------- */

CsSourceClip *cs_project_get_source         (CsProject           *self);
/* What the last look for the clip found (at opening, or the last
 * cs_project_check_source() or relink). */
CsSourceStatus cs_project_get_source_status (CsProject           *self);
/* Looks for the clip again; anything but OK also sets @error with a message
 * that says where it was looked for. */
CsSourceStatus cs_project_check_source      (CsProject           *self,
                                             GCancellable        *cancellable,
                                             GError             **error);
/* Points the project at another file for its clip; it must have as many
 * frames. Not undoable: it changes where the clip is, not the edit. */
gboolean      cs_project_relink_source      (CsProject           *self,
                                             CsSourceClip        *source,
                                             GError             **error);
/* The content hash of a file: SHA-256 over its size (8 bytes, little
 * endian), its first MiB and its last MiB (each byte once), so a clip of any
 * length hashes in milliseconds. Edits that keep the size and touch only
 * the middle go unnoticed, which re-encoding or trimming never do. */
char         *cs_project_hash_file          (const char          *path,
                                             GCancellable        *cancellable,
                                             GError             **error);

/* Reading the document ------------------------------------------------------------ */

/* The document now (transfer none: ref it to keep it past the next edit). */
CsTimeline   *cs_project_get_timeline       (CsProject           *self);
/* The source clip's frame count. */
gint64        cs_project_get_n_frames       (CsProject           *self);
/* How many segments tile the clip; at least 1. */
guint         cs_project_get_n_segments     (CsProject           *self);
/* The segment at @index (transfer none). */
CsSegment    *cs_project_get_segment        (CsProject           *self,
                                             guint                index);
/* cs_timeline_query_frame() on the document now. */
gboolean      cs_project_query_frame        (CsProject           *self,
                                             gint64               frame,
                                             CsFrameStyles       *out);

/* Edits --------------------------------------------------------------------------------- */

/* Cuts the segment that holds @frame so that a new one starts there, with
 * the same style and degree curve. */
gboolean      cs_project_split              (CsProject           *self,
                                             gint64               frame,
                                             GError             **error);
/* Joins segment @index and the next into one with the first's style,
 * cross-fade and both keyframe sets. */
gboolean      cs_project_join               (CsProject           *self,
                                             guint                index,
                                             GError             **error);
/* Moves the cut before segment @index (at least 1) to @frame; both
 * neighbours keep at least one frame. In a group, repeated moves of one cut
 * count from where the drag began, so keyframes it passes come back. */
gboolean      cs_project_move_boundary      (CsProject           *self,
                                             guint                index,
                                             gint64               frame,
                                             GError             **error);
/* Gives segment @index @style (NULL: the original frames). */
gboolean      cs_project_set_style          (CsProject           *self,
                                             guint                index,
                                             CsStyleRef          *style,
                                             GError             **error);
/* Sets the cross-fade from segment @index − 1 into @index, in frames
 * (0: a hard cut; at most the clip's frame count). */
gboolean      cs_project_set_crossfade      (CsProject           *self,
                                             guint                index,
                                             guint                frames,
                                             GError             **error);
/* Sets how steady segment @index's style is on video, one undo step:
 * @stability 0 (frame by frame) to 1; new segments have
 * %CS_SEGMENT_DEFAULT_STABILITY. */
gboolean      cs_project_set_stability      (CsProject           *self,
                                             guint                index,
                                             double               stability,
                                             GError             **error);
/* Chooses the VToonify-D style reference (the index of one of the style's
 * extrinsic style codes) segment @index uses, one undo step. Whether the
 * style has that many is checked when rendering: the project does not load
 * styles. */
gboolean      cs_project_set_reference      (CsProject           *self,
                                             guint                index,
                                             guint                reference,
                                             GError             **error);
/* Sets the face rectangle, in source-clip pixels, that segment @index's
 * VToonify-D code comes from (NULL: the frame's centred square), one undo
 * step. An empty rectangle or one wholly outside the clip's frame is
 * refused; one partly outside is kept and clamped when rendering. */
gboolean      cs_project_set_face           (CsProject           *self,
                                             guint                index,
                                             const CsFaceRect    *rect,
                                             GError             **error);
/* Adds a keyframe at @frame to the segment that holds it; there must be
 * none there yet. @degree is 0..1. */
gboolean      cs_project_add_keyframe       (CsProject           *self,
                                             gint64               frame,
                                             double               degree,
                                             CsInterpolation      interpolation,
                                             GError             **error);
/* Moves the keyframe at @frame to @new_frame, within its segment and onto no
 * other keyframe, and gives it @degree. */
gboolean      cs_project_move_keyframe      (CsProject           *self,
                                             gint64               frame,
                                             gint64               new_frame,
                                             double               degree,
                                             GError             **error);
/* Changes how the keyframe at @frame goes to the next. */
gboolean      cs_project_set_keyframe_interpolation (CsProject     *self,
                                             gint64               frame,
                                             CsInterpolation      interpolation,
                                             GError             **error);
/* Removes the keyframe at @frame; a segment's last keyframe stays. */
gboolean      cs_project_remove_keyframe    (CsProject           *self,
                                             gint64               frame,
                                             GError             **error);

/* Undo ----------------------------------------------------------------------------------- */

/* Starts a group: the edits until the matching cs_project_end_group() undo as
 * one step called @label (NULL: the first edit's name). Groups nest. */
void          cs_project_begin_group        (CsProject           *self,
                                             const char          *label);
void          cs_project_end_group          (CsProject           *self);
/* FALSE while a group is open or nothing is left to undo or redo. */
gboolean      cs_project_get_can_undo       (CsProject           *self);
gboolean      cs_project_get_can_redo       (CsProject           *self);
/* The name of the step undo or redo would take, for menus; NULL if none. */
const char   *cs_project_get_undo_label     (CsProject           *self);
const char   *cs_project_get_redo_label     (CsProject           *self);
/* Undoes or redoes one step; FALSE when it cannot. */
gboolean      cs_project_undo               (CsProject           *self);
gboolean      cs_project_redo               (CsProject           *self);

/* Autosave and crash recovery ---------------------------------------------------------- */

/* Writes the document, whole or not at all, to
 * $XDG_STATE_HOME/celshade/autosave/<id>.celshade. */
gboolean      cs_project_autosave           (CsProject           *self,
                                             GError             **error);
/* Deletes the project's autosave (after the user chose not to keep changes). */
void          cs_project_discard_autosave   (CsProject           *self);
/* The autosave file of this project, whether it exists or not. */
GFile        *cs_project_get_autosave_file  (CsProject           *self);
/* A source that autosaves @project every @interval_ms when it changed since
 * the last autosave, and deletes the autosave when undo or saving left
 * nothing to keep; attach it to the main context. It holds only a weak
 * reference and ends with the project. Failures emit ::autosave-failed. */
GSource      *cs_project_autosave_source_new (CsProject          *project,
                                             guint                interval_ms);
/* The autosaves that hold newer work than their project file (or whose
 * project was never saved), newest first (element-type CsAutosaveInfo). */
GPtrArray    *cs_project_find_autosaves     (GError             **error);

G_END_DECLS
