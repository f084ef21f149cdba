/* test-project.c: the timeline document, its undo history and its file format
 *
 * Besides hand-written cases, most properties are checked on random
 * projects made from fixed seeds: every edit undoes and redoes back to the
 * exact document (compared as saved JSON), saved projects load back the
 * same, views that follow the signals see what the project holds, and no
 * damaged file crashes the loader or gives it a document that breaks the
 * timeline's rules.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "cs-project.h"
#include "cs-test.h"

#define N_SEEDS 200

/* Fixtures --------------------------------------------------------------------------------- */

typedef struct {
  char         *dir;
  char         *clip_path;
  CsSourceClip *source;
  CsStyleRef   *styles[4];
} Fixture;

/* A file of @size pseudo-random bytes; clips are never decoded here, only
 * hashed and found. */
static void
write_bytes_file (const char *path,
                  gsize       size,
                  guint32     seed)
{
  g_autofree guint8 *bytes = g_malloc (MAX (size, 1));
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < size; i++)
    bytes[i] = (guint8) g_rand_int (rand);
  g_file_set_contents (path, (const char *) bytes, (gssize) size, &error);
  g_assert_no_error (error);
}

static CsSourceClip *
make_source (const char *path,
             gint64      n_frames)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = cs_project_hash_file (path, NULL, &error);
  CsSourceClip *source;

  g_assert_no_error (error);
  source = cs_source_clip_new (path, n_frames, 30000, 1001, 640, 360, hash, &error);
  g_assert_no_error (error);
  return source;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  static const char *ids[] = { "mosaic", "candy", "udnie", "gone" };

  fixture->dir = g_dir_make_tmp ("test-project-XXXXXX", &error);
  g_assert_no_error (error);

  /* Each test starts with no autosaves. */
  {
    g_autofree char *autosaves = g_build_filename (g_get_user_state_dir (), "celshade", NULL);

    cs_test_remove_tree (autosaves);
  }

  fixture->clip_path = g_build_filename (fixture->dir, "clip.mp4", NULL);
  write_bytes_file (fixture->clip_path, 4096, 1);
  fixture->source = make_source (fixture->clip_path, 240);

  for (guint i = 0; i < G_N_ELEMENTS (fixture->styles); i++)
    {
      g_autofree char *folder = g_build_filename (fixture->dir, "styles", ids[i], NULL);
      g_autofree char *name = g_strdup_printf ("Style “%s”", ids[i]);

      /* The last one has no folder, as a style the user deleted. */
      if (i + 1 < G_N_ELEMENTS (fixture->styles))
        g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
      fixture->styles[i] = cs_style_ref_new (ids[i], name, folder);
    }
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  for (guint i = 0; i < G_N_ELEMENTS (fixture->styles); i++)
    cs_style_ref_unref (fixture->styles[i]);
  cs_source_clip_unref (fixture->source);
  cs_test_remove_tree (fixture->dir);
  g_free (fixture->clip_path);
  g_free (fixture->dir);
}

static CsProject *
new_project (Fixture *fixture,
             gint64   n_frames)
{
  g_autoptr(CsSourceClip) source = NULL;

  if (n_frames == cs_source_clip_get_n_frames (fixture->source))
    return cs_project_new (fixture->source);

  source = make_source (fixture->clip_path, n_frames);
  return cs_project_new (source);
}

static char *
to_json (CsProject *project)
{
  return cs_project_to_data (project, NULL);
}

static char *
fixture_path (Fixture    *fixture,
              const char *name)
{
  return g_build_filename (fixture->dir, name, NULL);
}

/* Invariants ------------------------------------------------------------------------------- */

/* The rules every document obeys, however it was made or read. */
static void
assert_timeline_valid (CsTimeline *timeline)
{
  gint64 n_frames = cs_timeline_get_n_frames (timeline);
  gint64 next = 0;

  g_assert_cmpint (n_frames, >=, 1);
  g_assert_cmpuint (cs_timeline_get_n_segments (timeline), >=, 1);

  for (guint i = 0; i < cs_timeline_get_n_segments (timeline); i++)
    {
      CsSegment *segment = cs_timeline_get_segment (timeline, i);
      gint64 previous_frame = -1;

      g_assert_cmpint (cs_segment_get_start (segment), ==, next);
      g_assert_cmpint (cs_segment_get_n_frames (segment), >=, 1);
      next = cs_segment_get_end (segment);
      if (i == 0)
        g_assert_cmpuint (cs_segment_get_crossfade (segment), ==, 0);
      g_assert_cmpint (cs_segment_get_crossfade (segment), <=, n_frames);

      g_assert_cmpuint (cs_segment_get_n_keyframes (segment), >=, 1);
      for (guint k = 0; k < cs_segment_get_n_keyframes (segment); k++)
        {
          const CsKeyframe *keyframe = cs_segment_get_keyframe (segment, k);

          g_assert_cmpint (keyframe->frame, >, previous_frame);
          g_assert_cmpint (keyframe->frame, >=, cs_segment_get_start (segment));
          g_assert_cmpint (keyframe->frame, <, cs_segment_get_end (segment));
          g_assert_true (keyframe->degree == 0.0 ||
                         (keyframe->degree >= CS_DEGREE_EPSILON && keyframe->degree <= 1.0));
          g_assert_cmpint (keyframe->interpolation, >=, CS_INTERPOLATION_CONSTANT);
          g_assert_cmpint (keyframe->interpolation, <=, CS_INTERPOLATION_EASE_IN_OUT);
          previous_frame = keyframe->frame;
        }
    }
  g_assert_cmpint (next, ==, n_frames);
}

/* What cs_timeline_query_frame() must answer for @frame. */
static void
assert_query_valid (CsTimeline *timeline,
                    gint64      frame)
{
  CsFrameStyles styles;
  double sum = 0.0;
  guint index;

  g_assert_true (cs_timeline_query_frame (timeline, frame, &styles));
  g_assert_true (cs_timeline_find_segment (timeline, frame, &index));
  g_assert_cmpuint (styles.n_styles, >=, 1);
  g_assert_cmpuint (styles.n_styles, <=, CS_FRAME_STYLES_MAX);

  for (guint i = 0; i < styles.n_styles; i++)
    {
      const CsFrameStyle *entry = &styles.styles[i];
      CsSegment *segment = cs_timeline_get_segment (timeline, entry->segment_index);

      g_assert_cmpfloat (entry->weight, >, 0.0);
      g_assert_cmpfloat (entry->weight, <=, 1.0);
      g_assert_cmpfloat (entry->degree, >=, 0.0);
      g_assert_cmpfloat (entry->degree, <=, 1.0);
      g_assert_true (entry->style == cs_segment_get_style (segment));
      if (entry->style == NULL)
        g_assert_cmpfloat (entry->degree, ==, 0.0);
      else
        g_assert_cmpfloat (entry->degree, ==, cs_segment_get_degree_at (segment, frame));
      sum += entry->weight;
    }
  g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-12);

  if (styles.n_styles == 1)
    g_assert_cmpuint (styles.styles[0].segment_index, ==, index);
  else
    {
      /* Two neighbours, one of them the frame's own segment. */
      g_assert_cmpuint (styles.styles[1].segment_index, ==, styles.styles[0].segment_index + 1);
      g_assert_true (styles.styles[0].segment_index == index ||
                     styles.styles[1].segment_index == index);
    }
}

static void
assert_project_valid (CsProject *project)
{
  CsTimeline *timeline = cs_project_get_timeline (project);
  gint64 n_frames = cs_timeline_get_n_frames (timeline);
  CsFrameStyles styles;

  assert_timeline_valid (timeline);
  g_assert_cmpint (n_frames, ==, cs_source_clip_get_n_frames (cs_project_get_source (project)));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (project)), ==,
                    cs_timeline_get_n_segments (timeline));

  /* Every frame near a cut, and some in between. */
  for (guint i = 0; i < cs_timeline_get_n_segments (timeline); i++)
    {
      CsSegment *segment = cs_timeline_get_segment (timeline, i);
      gint64 start = cs_segment_get_start (segment);

      for (gint64 f = start - 3; f <= start + 3; f++)
        if (f >= 0 && f < n_frames)
          assert_query_valid (timeline, f);
      assert_query_valid (timeline, start + cs_segment_get_n_frames (segment) / 2);
    }
  g_assert_false (cs_timeline_query_frame (timeline, -1, &styles));
  g_assert_cmpuint (styles.n_styles, ==, 0);
  g_assert_false (cs_timeline_query_frame (timeline, n_frames, &styles));
  g_assert_false (cs_timeline_query_frame (timeline, G_MININT64, &styles));
  g_assert_false (cs_timeline_query_frame (timeline, G_MAXINT64, &styles));
}

/* A view that follows the signals ------------------------------------------------------------- */

typedef struct {
  GPtrArray *segments;     /* what a list view would hold */
  gint64     first_frame;  /* the union of ::changed ranges since the last reset */
  gint64     end_frame;
  guint      n_changed;
} Follower;

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Follower   *follower)
{
  g_assert_cmpuint (position + removed, <=, follower->segments->len);
  g_ptr_array_remove_range (follower->segments, position, removed);
  for (guint i = 0; i < added; i++)
    g_ptr_array_insert (follower->segments, (int) (position + i),
                        g_list_model_get_item (model, position + i));
}

static void
on_changed (CsProject *project,
            gint64     first_frame,
            gint64     end_frame,
            Follower  *follower)
{
  g_assert_cmpint (first_frame, >=, 0);
  g_assert_cmpint (first_frame, <, end_frame);
  g_assert_cmpint (end_frame, <=, cs_project_get_n_frames (project));

  if (follower->n_changed++ == 0)
    {
      follower->first_frame = first_frame;
      follower->end_frame = end_frame;
    }
  else
    {
      follower->first_frame = MIN (follower->first_frame, first_frame);
      follower->end_frame = MAX (follower->end_frame, end_frame);
    }
}

static void
follower_init (Follower  *follower,
               CsProject *project)
{
  follower->segments = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (project)); i++)
    g_ptr_array_add (follower->segments, g_list_model_get_item (G_LIST_MODEL (project), i));
  follower->n_changed = 0;
  g_signal_connect (project, "items-changed", G_CALLBACK (on_items_changed), follower);
  g_signal_connect (project, "changed", G_CALLBACK (on_changed), follower);
}

static void
follower_clear (Follower  *follower,
                CsProject *project)
{
  g_signal_handlers_disconnect_by_data (project, follower);
  g_ptr_array_unref (follower->segments);
}

static void
assert_follower_in_step (Follower  *follower,
                         CsProject *project)
{
  g_assert_cmpuint (follower->segments->len, ==, cs_project_get_n_segments (project));
  for (guint i = 0; i < follower->segments->len; i++)
    g_assert_true (g_ptr_array_index (follower->segments, i) == cs_project_get_segment (project, i));
}

static gboolean
frame_looks_same (CsTimeline *a,
                  CsTimeline *b,
                  gint64      frame)
{
  CsFrameStyles sa, sb;

  cs_timeline_query_frame (a, frame, &sa);
  cs_timeline_query_frame (b, frame, &sb);
  if (sa.n_styles != sb.n_styles)
    return FALSE;
  for (guint i = 0; i < sa.n_styles; i++)
    if (!cs_style_ref_equal (sa.styles[i].style, sb.styles[i].style) ||
        sa.styles[i].weight != sb.styles[i].weight ||
        sa.styles[i].degree != sb.styles[i].degree)
      return FALSE;
  return TRUE;
}

/* Frames that look different after a change lie inside what ::changed said. */
static void
assert_changes_signalled (Follower   *follower,
                          CsTimeline *before,
                          CsTimeline *after)
{
  for (gint64 f = 0; f < cs_timeline_get_n_frames (after); f++)
    if (!frame_looks_same (before, after, f))
      {
        g_assert_cmpuint (follower->n_changed, >, 0);
        g_assert_cmpint (f, >=, follower->first_frame);
        g_assert_cmpint (f, <, follower->end_frame);
      }
}

/* Random edits ------------------------------------------------------------------------------------ */

static double
random_degree (GRand *rand)
{
  switch (g_rand_int_range (rand, 0, 8))
    {
    case 0:
      return 0.0;
    case 1:
      return 1.0;
    case 2:
      /* Below CS_DEGREE_EPSILON: stored as 0. */
      return g_rand_double_range (rand, 0.0, CS_DEGREE_EPSILON);
    default:
      return g_rand_double (rand);
    }
}

static CsInterpolation
random_interpolation (GRand *rand)
{
  return (CsInterpolation) g_rand_int_range (rand, CS_INTERPOLATION_CONSTANT,
                                             CS_INTERPOLATION_EASE_IN_OUT + 1);
}

static gint64
random_frame (GRand     *rand,
              CsProject *project)
{
  gint64 n = cs_project_get_n_frames (project);

  /* Mostly valid frames, now and then just outside. */
  if (g_rand_int_range (rand, 0, 20) == 0)
    return g_rand_boolean (rand) ? -1 : n;
  return g_rand_int_range (rand, 0, (gint32) n);
}

static CsSegment *
random_segment (GRand     *rand,
                CsProject *project,
                guint     *index)
{
  *index = (guint) g_rand_int_range (rand, 0, (gint32) cs_project_get_n_segments (project));
  return cs_project_get_segment (project, *index);
}

/* One random edit, valid or not; a refused edit must leave no trace. */
static void
random_edit (GRand    *rand,
             Fixture  *fixture,
             CsProject *project)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *before = to_json (project);
  gboolean can_redo = cs_project_get_can_redo (project);
  CsSegment *segment;
  guint index;
  gboolean ok = TRUE;

  switch (g_rand_int_range (rand, 0, 12))
    {
    case 0:
    case 1:
      ok = cs_project_split (project, random_frame (rand, project), &error);
      break;
    case 2:
      ok = cs_project_join (project, (guint) g_rand_int_range (rand, 0, (gint32) cs_project_get_n_segments (project) + 1), &error);
      break;
    case 3:
      {
        /* A drag of one cut, over several moves, maybe back to the start. */
        guint n_moves = (guint) g_rand_int_range (rand, 1, 6);

        random_segment (rand, project, &index);
        cs_project_begin_group (project, NULL);
        for (guint m = 0; m < n_moves && index > 0; m++)
          {
            CsSegment *left = cs_project_get_segment (project, index - 1);
            CsSegment *right = cs_project_get_segment (project, index);
            g_autoptr(GError) move_error = NULL;
            gint64 frame = g_rand_int_range (rand, (gint32) cs_segment_get_start (left),
                                             (gint32) cs_segment_get_end (right) + 1);

            if (!cs_project_move_boundary (project, index, frame, &move_error))
              g_assert_error (move_error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT);
          }
        if (index == 0)
          ok = cs_project_move_boundary (project, 0, 1, &error);
        cs_project_end_group (project);
      }
      break;
    case 4:
      random_segment (rand, project, &index);
      ok = cs_project_set_style (project, index,
                                 g_rand_int_range (rand, 0, 5) == 0 ? NULL
                                 : fixture->styles[g_rand_int_range (rand, 0, G_N_ELEMENTS (fixture->styles))],
                                 &error);
      break;
    case 5:
      random_segment (rand, project, &index);
      ok = cs_project_set_crossfade (project, index, (guint) g_rand_int_range (rand, 0, 40), &error);
      break;
    case 6:
    case 7:
      ok = cs_project_add_keyframe (project, random_frame (rand, project), random_degree (rand),
                                    random_interpolation (rand), &error);
      break;
    case 8:
      {
        const CsKeyframe *keyframe;

        segment = random_segment (rand, project, &index);
        keyframe = cs_segment_get_keyframe (segment, g_rand_int_range (rand, 0, cs_segment_get_n_keyframes (segment)));
        ok = cs_project_move_keyframe (project, keyframe->frame,
                                       g_rand_int_range (rand, (gint32) cs_segment_get_start (segment),
                                                         (gint32) cs_segment_get_end (segment)),
                                       random_degree (rand), &error);
      }
      break;
    case 9:
      segment = random_segment (rand, project, &index);
      ok = cs_project_set_keyframe_interpolation (project,
                                                  cs_segment_get_keyframe (segment, g_rand_int_range (rand, 0, cs_segment_get_n_keyframes (segment)))->frame,
                                                  random_interpolation (rand), &error);
      break;
    case 10:
      segment = random_segment (rand, project, &index);
      ok = cs_project_remove_keyframe (project,
                                       cs_segment_get_keyframe (segment, g_rand_int_range (rand, 0, cs_segment_get_n_keyframes (segment)))->frame,
                                       &error);
      break;
    case 11:
      {
        /* Several different edits as one step. */
        cs_project_begin_group (project, "Several");
        for (guint m = 0; m < 3; m++)
          {
            g_autoptr(GError) group_error = NULL;

            if (!cs_project_split (project, random_frame (rand, project), &group_error))
              g_assert_error (group_error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT);
            g_clear_error (&group_error);
            if (!cs_project_add_keyframe (project, random_frame (rand, project), random_degree (rand),
                                          random_interpolation (rand), &group_error))
              g_assert_error (group_error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT);
          }
        g_assert_false (cs_project_get_can_undo (project));
        cs_project_end_group (project);
      }
      break;
    default:
      g_assert_not_reached ();
    }

  if (!ok)
    {
      g_autofree char *after = to_json (project);

      g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT);
      g_assert_cmpstr (error->message, !=, "");
      g_assert_cmpstr (before, ==, after);
      g_assert_cmpint (can_redo, ==, cs_project_get_can_redo (project));
    }
  else
    g_assert_no_error (error);
}

static CsProject *
random_project (GRand   *rand,
                Fixture *fixture,
                guint    n_edits)
{
  gint64 n_frames = g_rand_int_range (rand, 0, 4) == 0 ? g_rand_int_range (rand, 1, 4)
                                                       : g_rand_int_range (rand, 4, 400);
  CsProject *project = new_project (fixture, n_frames);

  for (guint i = 0; i < n_edits; i++)
    random_edit (rand, fixture, project);

  return project;
}

/* The new project ------------------------------------------------------------------------------ */

static void
test_new (Fixture       *fixture,
          gconstpointer  data)
{
  g_autoptr(CsProject) project = new_project (fixture, 240);
  CsSegment *segment;
  CsFrameStyles styles;

  g_assert_cmpint (cs_project_get_n_frames (project), ==, 240);
  g_assert_cmpuint (cs_project_get_n_segments (project), ==, 1);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (project)) == CS_TYPE_SEGMENT);
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (project), 1));

  segment = cs_project_get_segment (project, 0);
  g_assert_cmpint (cs_segment_get_start (segment), ==, 0);
  g_assert_cmpint (cs_segment_get_n_frames (segment), ==, 240);
  g_assert_null (cs_segment_get_style (segment));
  g_assert_cmpuint (cs_segment_get_n_keyframes (segment), ==, 1);
  g_assert_cmpfloat (cs_segment_get_degree_at (segment, 100), ==, 1.0);

  g_assert_true (cs_project_query_frame (project, 0, &styles));
  g_assert_cmpuint (styles.n_styles, ==, 1);
  g_assert_null (styles.styles[0].style);
  g_assert_cmpfloat (styles.styles[0].weight, ==, 1.0);
  g_assert_cmpfloat (styles.styles[0].degree, ==, 0.0);

  g_assert_false (cs_project_get_modified (project));
  g_assert_false (cs_project_get_can_undo (project));
  g_assert_false (cs_project_get_can_redo (project));
  g_assert_null (cs_project_get_undo_label (project));
  g_assert_false (cs_project_undo (project));
  g_assert_false (cs_project_redo (project));
  g_assert_null (cs_project_get_file (project));
  g_assert_true (g_uuid_string_is_valid (cs_project_get_id (project)));
  g_assert_cmpint (cs_project_get_source_status (project), ==, CS_SOURCE_STATUS_OK);
  g_assert_cmpuint (cs_project_get_warnings (project)->len, ==, 0);
  assert_project_valid (project);
}

static void
test_source_clip_arguments (Fixture       *fixture,
                            gconstpointer  data)
{
  const char *hash = cs_source_clip_get_hash (fixture->source);
  struct {
    const char *path;
    gint64 n_frames;
    int num, den, width, height;
    const char *hash;
  } bad[] = {
    { "", 10, 1, 1, 1, 1, hash },
    { "a.mp4", 0, 1, 1, 1, 1, hash },
    { "a.mp4", -5, 1, 1, 1, 1, hash },
    { "a.mp4", CS_PROJECT_MAX_FRAMES + 1, 1, 1, 1, 1, hash },
    { "a.mp4", 10, 0, 1, 1, 1, hash },
    { "a.mp4", 10, 1, -1, 1, 1, hash },
    { "a.mp4", 10, 1, 1, 0, 1, hash },
    { "a.mp4", 10, 1, 1, 1, CS_PROJECT_MAX_SIZE + 1, hash },
    { "a.mp4", 10, 1, 1, 1, 1, "sha256-ht1m:xyz" },
    { "a.mp4", 10, 1, 1, 1, 1, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      CsSourceClip *clip = cs_source_clip_new (bad[i].path, bad[i].n_frames, bad[i].num,
                                               bad[i].den, bad[i].width, bad[i].height,
                                               bad[i].hash, &error);

      g_assert_null (clip);
      g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT);
    }
}

/* Edits ---------------------------------------------------------------------------------------- */

static void
test_split_join (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(CsProject) project = new_project (fixture, 100);
  g_autoptr(GError) error = NULL;
  g_autofree char *initial = to_json (project);
  g_autofree char *split_once = NULL;
  CsSegment *left, *right;

  /* A linear ramp over 0..99, then cuts: each half keeps the ramp exactly. */
  g_assert_true (cs_project_move_keyframe (project, 0, 0, 0.0, &error));
  g_assert_true (cs_project_set_keyframe_interpolation (project, 0, CS_INTERPOLATION_LINEAR, &error));
  g_assert_true (cs_project_add_keyframe (project, 99, 1.0, CS_INTERPOLATION_CONSTANT, &error));
  g_assert_no_error (error);
  g_assert_true (cs_project_set_style (project, 0, fixture->styles[0], &error));

  g_assert_true (cs_project_split (project, 40, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (cs_project_get_undo_label (project), ==, "Split Segment");
  g_assert_cmpuint (cs_project_get_n_segments (project), ==, 2);
  left = cs_project_get_segment (project, 0);
  right = cs_project_get_segment (project, 1);
  g_assert_cmpint (cs_segment_get_end (left), ==, 40);
  g_assert_cmpint (cs_segment_get_start (right), ==, 40);
  g_assert_cmpint (cs_segment_get_end (right), ==, 100);
  g_assert_true (cs_style_ref_equal (cs_segment_get_style (right), fixture->styles[0]));
  for (gint64 f = 0; f < 100; f++)
    {
      CsSegment *segment = f < 40 ? left : right;

      g_assert_cmpfloat_with_epsilon (cs_segment_get_degree_at (segment, f), f / 99.0, 1e-12);
    }
  assert_project_valid (project);
  split_once = to_json (project);

  /* A cut where one is, and frames outside the clip, are refused. */
  g_assert_false (cs_project_split (project, 40, &error));
  g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (cs_project_split (project, 0, &error));
  g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (cs_project_split (project, 100, &error));
  g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (cs_project_split (project, -1, &error));
  g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* A cut inside a constant stretch needs no keyframe on the left. */
  g_assert_true (cs_project_split (project, 70, &error));
  g_assert_cmpuint (cs_project_get_n_segments (project), ==, 3);

  /* Joining takes the first's style and both curves. */
  g_assert_true (cs_project_set_style (project, 1, fixture->styles[1], &error));
  g_assert_true (cs_project_join (project, 0, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (cs_project_get_undo_label (project), ==, "Join Segments");
  g_assert_cmpuint (cs_project_get_n_segments (project), ==, 2);
  g_assert_true (cs_style_ref_equal (cs_segment_get_style (cs_project_get_segment (project, 0)),
                                     fixture->styles[0]));
  g_assert_cmpint (cs_segment_get_end (cs_project_get_segment (project, 0)), ==, 70);
  assert_project_valid (project);

  g_assert_false (cs_project_join (project, 1, &error));
  g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (cs_project_join (project, 7, &error));
  g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* join, style, split */
  for (guint i = 0; i < 3; i++)
    g_assert_true (cs_project_undo (project));
  {
    g_autofree char *now = to_json (project);

    g_assert_cmpstr (now, ==, split_once);
  }
  while (cs_project_undo (project))
    ;
  {
    g_autofree char *now = to_json (project);

    g_assert_cmpstr (now, ==, initial);
  }
  g_assert_false (cs_project_get_modified (project));
}

static void
test_move_boundary (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(CsProject) project = new_project (fixture, 100);
  g_autoptr(GError) error = NULL;
  g_autofree char *before_drag = NULL;
  CsSegment *right;
  guint n_undo_before;

  g_assert_true (cs_project_split (project, 50, &error));
  /* Keyframes at 55 and 60 on the right; the drag below crosses them. */
  g_assert_true (cs_project_add_keyframe (project, 55, 0.25, CS_INTERPOLATION_LINEAR, &error));
  g_assert_true (cs_project_add_keyframe (project, 60, 0.75, CS_INTERPOLATION_CONSTANT, &error));
  g_assert_no_error (error);
  before_drag = to_json (project);

  /* Out of range: the cut keeps one frame on each side. */
  g_assert_false (cs_project_move_boundary (project, 1, 0, &error));
  g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (cs_project_move_boundary (project, 1, 100, &error));
  g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (cs_project_move_boundary (project, 0, 10, &error));
  g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (cs_project_move_boundary (project, 2, 10, &error));
  g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* A drag past both keyframes and back to 52: one step, and the keyframes
   * it passed are back. */
  n_undo_before = 0;
  while (cs_project_undo (project))
    n_undo_before++;
  while (cs_project_redo (project))
    ;
  cs_project_begin_group (project, "Drag Cut");
  g_assert_false (cs_project_get_can_undo (project));
  for (gint64 f = 51; f <= 70; f++)
    g_assert_true (cs_project_move_boundary (project, 1, f, &error));
  right = cs_project_get_segment (project, 1);
  g_assert_cmpint (cs_segment_get_start (right), ==, 70);
  g_assert_false (cs_segment_find_keyframe (right, 55, NULL));
  for (gint64 f = 69; f >= 52; f--)
    g_assert_true (cs_project_move_boundary (project, 1, f, &error));
  cs_project_end_group (project);
  g_assert_no_error (error);

  right = cs_project_get_segment (project, 1);
  g_assert_cmpint (cs_segment_get_start (right), ==, 52);
  g_assert_true (cs_segment_find_keyframe (right, 55, NULL));
  g_assert_true (cs_segment_find_keyframe (right, 60, NULL));
  g_assert_cmpstr (cs_project_get_undo_label (project), ==, "Drag Cut");
  g_assert_true (cs_project_undo (project));
  {
    g_autofree char *now = to_json (project);

    g_assert_cmpstr (now, ==, before_drag);
  }
  g_assert_true (cs_project_redo (project));

  /* A drag that ends where it began is no step at all. */
  {
    guint n_steps = 0;
    g_autofree char *now = to_json (project);
    g_autofree char *after = NULL;

    cs_project_begin_group (project, NULL);
    g_assert_true (cs_project_move_boundary (project, 1, 80, &error));
    g_assert_true (cs_project_move_boundary (project, 1, 52, &error));
    cs_project_end_group (project);
    after = to_json (project);
    g_assert_cmpstr (now, ==, after);
    while (cs_project_undo (project))
      n_steps++;
    g_assert_cmpuint (n_steps, ==, n_undo_before + 1);
    g_assert_false (cs_project_get_modified (project));
  }
}

static void
test_style_crossfade (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(CsProject) project = new_project (fixture, 100);
  g_autoptr(GError) error = NULL;

  g_assert_true (cs_project_split (project, 50, &error));
  g_assert_true (cs_project_set_style (project, 1, fixture->styles[2], &error));
  g_assert_cmpstr (cs_project_get_undo_label (project), ==, "Change Style");
  g_assert_true (cs_style_ref_equal (cs_segment_get_style (cs_project_get_segment (project, 1)),
                                     fixture->styles[2]));
  g_assert_true (cs_project_set_style (project, 1, NULL, &error));
  g_assert_null (cs_segment_get_style (cs_project_get_segment (project, 1)));
  g_assert_false (cs_project_set_style (project, 2, NULL, &error));
  g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_true (cs_project_set_crossfade (project, 1, 10, &error));
  g_assert_cmpstr (cs_project_get_undo_label (project), ==, "Change Cross-Fade");
  g_assert_cmpuint (cs_segment_get_crossfade (cs_project_get_segment (project, 1)), ==, 10);
  g_assert_false (cs_project_set_crossfade (project, 0, 10, &error));
  g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (cs_project_set_crossfade (project, 1, 101, &error));
  g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* Setting what is already there is no step. */
  {
    g_autofree char *label = g_strdup (cs_project_get_undo_label (project));

    g_assert_true (cs_project_set_crossfade (project, 1, 10, &error));
    g_assert_cmpstr (cs_project_get_undo_label (project), ==, label);
  }
  assert_project_valid (project);
}

static void
test_keyframes (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(CsProject) project = new_project (fixture, 100);
  g_autoptr(GError) error = NULL;
  CsSegment *segment;
  guint index;

  g_assert_true (cs_project_add_keyframe (project, 50, 0.5, CS_INTERPOLATION_LINEAR, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (cs_project_get_undo_label (project), ==, "Add Keyframe");
  segment = cs_project_get_segment (project, 0);
  g_assert_cmpuint (cs_segment_get_n_keyframes (segment), ==, 2);
  g_assert_true (cs_segment_find_keyframe (segment, 50, &index));
  g_assert_cmpuint (index, ==, 1);

  /* Refusals: taken frame, outside the clip, bad degree, bad kind. */
  g_assert_false (cs_project_add_keyframe (project, 50, 0.1, CS_INTERPOLATION_LINEAR, &error));
  g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (cs_project_add_keyframe (project, 100, 0.1, CS_INTERPOLATION_LINEAR, &error));
  g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (cs_project_add_keyframe (project, 10, 1.5, CS_INTERPOLATION_LINEAR, &error));
  g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (cs_project_add_keyframe (project, 10, NAN, CS_INTERPOLATION_LINEAR, &error));
  g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (cs_project_add_keyframe (project, 10, -0.1, CS_INTERPOLATION_LINEAR, &error));
  g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (cs_project_add_keyframe (project, 10, 0.5, (CsInterpolation) 7, &error));
  g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* Moving: within the segment, onto no other keyframe; the order follows. */
  g_assert_true (cs_project_move_keyframe (project, 50, 20, 0.3, &error));
  g_assert_no_error (error);
  segment = cs_project_get_segment (project, 0);
  g_assert_true (cs_segment_find_keyframe (segment, 20, &index));
  g_assert_cmpfloat (cs_segment_get_keyframe (segment, index)->degree, ==, 0.3);
  g_assert_cmpint (cs_segment_get_keyframe (segment, index)->interpolation, ==, CS_INTERPOLATION_LINEAR);
  g_assert_false (cs_project_move_keyframe (project, 20, 0, 0.3, &error));
  g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (cs_project_move_keyframe (project, 21, 30, 0.3, &error));
  g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_true (cs_project_split (project, 60, &error));
  g_assert_false (cs_project_move_keyframe (project, 20, 70, 0.3, &error));
  g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_true (cs_project_set_keyframe_interpolation (project, 20, CS_INTERPOLATION_EASE_IN_OUT, &error));
  g_assert_cmpstr (cs_project_get_undo_label (project), ==, "Change Interpolation");
  g_assert_false (cs_project_set_keyframe_interpolation (project, 21, CS_INTERPOLATION_LINEAR, &error));
  g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_true (cs_project_remove_keyframe (project, 20, &error));
  g_assert_cmpstr (cs_project_get_undo_label (project), ==, "Remove Keyframe");
  /* A segment's last keyframe stays. */
  g_assert_false (cs_project_remove_keyframe (project, 0, &error));
  g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (cs_project_remove_keyframe (project, 33, &error));
  g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* A tiny degree is stored as 0. */
  g_assert_true (cs_project_add_keyframe (project, 5, CS_DEGREE_EPSILON / 2, CS_INTERPOLATION_LINEAR, &error));
  segment = cs_project_get_segment (project, 0);
  g_assert_true (cs_segment_find_keyframe (segment, 5, &index));
  g_assert_cmpfloat (cs_segment_get_keyframe (segment, index)->degree, ==, 0.0);
  assert_project_valid (project);
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *counter)
{
  (*counter)++;
}

static void
test_undo_signals (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(CsProject) project = new_project (fixture, 100);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = fixture_path (fixture, "signals.celshade");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  Follower follower = { 0 };
  guint n_can_undo = 0, n_can_redo = 0, n_modified = 0, n_undo_label = 0;

  follower_init (&follower, project);
  g_signal_connect (project, "notify::can-undo", G_CALLBACK (count_notify), &n_can_undo);
  g_signal_connect (project, "notify::can-redo", G_CALLBACK (count_notify), &n_can_redo);
  g_signal_connect (project, "notify::modified", G_CALLBACK (count_notify), &n_modified);
  g_signal_connect (project, "notify::undo-label", G_CALLBACK (count_notify), &n_undo_label);

  g_assert_true (cs_project_split (project, 30, &error));
  assert_follower_in_step (&follower, project);
  g_assert_cmpuint (follower.n_changed, ==, 1);
  g_assert_cmpint (follower.first_frame, ==, 0);
  g_assert_cmpint (follower.end_frame, ==, 100);
  g_assert_cmpuint (n_can_undo, ==, 1);
  g_assert_cmpuint (n_modified, ==, 1);
  g_assert_cmpuint (n_undo_label, ==, 1);
  g_assert_true (cs_project_get_modified (project));

  g_assert_true (cs_project_split (project, 60, &error));
  g_assert_true (cs_project_split (project, 80, &error));
  /* A style change in the second segment can change the fades on both of
   * its sides, so the signalled frames reach into both neighbours. */
  follower.n_changed = 0;
  g_assert_true (cs_project_set_style (project, 1, fixture->styles[0], &error));
  assert_follower_in_step (&follower, project);
  g_assert_cmpuint (follower.n_changed, ==, 1);
  g_assert_cmpint (follower.first_frame, ==, 0);
  g_assert_cmpint (follower.end_frame, ==, 80);

  /* Undoing to the start clears modified; redo comes back. */
  n_modified = 0;
  while (cs_project_undo (project))
    assert_follower_in_step (&follower, project);
  g_assert_false (cs_project_get_modified (project));
  g_assert_cmpuint (n_modified, ==, 1);
  g_assert_true (cs_project_get_can_redo (project));
  g_assert_cmpstr (cs_project_get_redo_label (project), ==, "Split Segment");
  g_assert_true (cs_project_redo (project));
  g_assert_true (cs_project_get_modified (project));
  assert_follower_in_step (&follower, project);

  /* A new edit drops what could be redone. */
  g_assert_true (cs_project_get_can_redo (project));
  g_assert_true (cs_project_add_keyframe (project, 10, 0.5, CS_INTERPOLATION_LINEAR, &error));
  g_assert_false (cs_project_get_can_redo (project));

  /* Nested groups are one step named by the outer one; undo waits for the
   * group to close. */
  cs_project_begin_group (project, "Outer");
  g_assert_false (cs_project_get_can_undo (project));
  g_assert_false (cs_project_undo (project));
  g_assert_true (cs_project_split (project, 50, &error));
  cs_project_begin_group (project, "Inner");
  g_assert_true (cs_project_set_style (project, 1, fixture->styles[1], &error));
  cs_project_end_group (project);
  g_assert_false (cs_project_get_can_undo (project));
  g_assert_true (cs_project_set_crossfade (project, 1, 6, &error));
  cs_project_end_group (project);
  g_assert_true (cs_project_get_can_undo (project));
  g_assert_cmpstr (cs_project_get_undo_label (project), ==, "Outer");
  g_assert_cmpuint (cs_project_get_n_segments (project), ==, 3);
  g_assert_true (cs_project_undo (project));
  g_assert_cmpuint (cs_project_get_n_segments (project), ==, 2);
  g_assert_cmpstr (cs_project_get_undo_label (project), ==, "Add Keyframe");
  assert_follower_in_step (&follower, project);

  /* An empty group leaves nothing. */
  cs_project_begin_group (project, "Nothing");
  cs_project_end_group (project);
  g_assert_cmpstr (cs_project_get_undo_label (project), ==, "Add Keyframe");

  /* Saved, edited, undone: back to unmodified. */
  g_assert_true (cs_project_save (project, file, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (cs_project_get_modified (project));
  g_assert_true (cs_project_remove_keyframe (project, 10, &error));
  g_assert_true (cs_project_get_modified (project));
  g_assert_true (cs_project_undo (project));
  g_assert_false (cs_project_get_modified (project));
  g_assert_true (cs_project_undo (project));
  g_assert_true (cs_project_get_modified (project));

  follower_clear (&follower, project);
}

/* The frame query ------------------------------------------------------------------------------ */

static void
assert_entry (const CsFrameStyle *entry,
              CsStyleRef         *style,
              double              weight,
              double              degree)
{
  g_assert_true (cs_style_ref_equal (entry->style, style));
  g_assert_cmpfloat_with_epsilon (entry->weight, weight, 1e-12);
  g_assert_cmpfloat_with_epsilon (entry->degree, degree, 1e-12);
}

static void
test_query (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(CsProject) project = new_project (fixture, 100);
  g_autoptr(GError) error = NULL;
  CsStyleRef *a = fixture->styles[0], *b = fixture->styles[1];
  CsTimeline *timeline;
  CsFrameStyles styles;
  gint64 start, end;

  /* [0, 40) style A, degree ramps linearly 0 → 1 over frames 0..30;
   * [40, 70) style B, eases 0.2 → 0.8 over 40..60, then holds;
   * [70, 100) the original frames. */
  g_assert_true (cs_project_split (project, 40, &error));
  g_assert_true (cs_project_split (project, 70, &error));
  g_assert_true (cs_project_set_style (project, 0, a, &error));
  g_assert_true (cs_project_set_style (project, 1, b, &error));
  g_assert_true (cs_project_move_keyframe (project, 0, 0, 0.0, &error));
  g_assert_true (cs_project_set_keyframe_interpolation (project, 0, CS_INTERPOLATION_LINEAR, &error));
  g_assert_true (cs_project_add_keyframe (project, 30, 1.0, CS_INTERPOLATION_LINEAR, &error));
  g_assert_true (cs_project_move_keyframe (project, 40, 40, 0.2, &error));
  g_assert_true (cs_project_set_keyframe_interpolation (project, 40, CS_INTERPOLATION_EASE_IN_OUT, &error));
  g_assert_true (cs_project_add_keyframe (project, 60, 0.8, CS_INTERPOLATION_CONSTANT, &error));
  g_assert_no_error (error);

  /* Hard cuts first. */
  timeline = cs_project_get_timeline (project);
  g_assert_true (cs_timeline_query_frame (timeline, 0, &styles));
  g_assert_cmpuint (styles.n_styles, ==, 1);
  assert_entry (&styles.styles[0], a, 1.0, 0.0);
  g_assert_true (cs_timeline_query_frame (timeline, 15, &styles));
  assert_entry (&styles.styles[0], a, 1.0, 0.5);
  g_assert_true (cs_timeline_query_frame (timeline, 30, &styles));
  assert_entry (&styles.styles[0], a, 1.0, 1.0);
  g_assert_true (cs_timeline_query_frame (timeline, 39, &styles));
  g_assert_cmpuint (styles.n_styles, ==, 1);
  assert_entry (&styles.styles[0], a, 1.0, 1.0);
  g_assert_true (cs_timeline_query_frame (timeline, 40, &styles));
  g_assert_cmpuint (styles.n_styles, ==, 1);
  assert_entry (&styles.styles[0], b, 1.0, 0.2);
  g_assert_cmpuint (styles.styles[0].segment_index, ==, 1);
  g_assert_true (cs_timeline_query_frame (timeline, 45, &styles));
  /* smoothstep (0.25) = 0.15625 */
  assert_entry (&styles.styles[0], b, 1.0, 0.2 + 0.6 * 0.15625);
  g_assert_true (cs_timeline_query_frame (timeline, 50, &styles));
  assert_entry (&styles.styles[0], b, 1.0, 0.5);
  g_assert_true (cs_timeline_query_frame (timeline, 60, &styles));
  assert_entry (&styles.styles[0], b, 1.0, 0.8);
  g_assert_true (cs_timeline_query_frame (timeline, 69, &styles));
  assert_entry (&styles.styles[0], b, 1.0, 0.8);
  g_assert_true (cs_timeline_query_frame (timeline, 70, &styles));
  assert_entry (&styles.styles[0], NULL, 1.0, 0.0);
  g_assert_true (cs_timeline_query_frame (timeline, 99, &styles));
  assert_entry (&styles.styles[0], NULL, 1.0, 0.0);
  g_assert_false (cs_timeline_query_frame (timeline, 100, &styles));
  g_assert_false (cs_timeline_query_frame (timeline, -1, &styles));
  g_assert_false (cs_timeline_get_crossfade (timeline, 1, &start, &end));

  /* A 4-frame fade at 40: frames 38..41, weights 1/5 to 4/5. The earlier
   * segment's curve holds its last degree past its end, the later one's its
   * first before its start. */
  g_assert_true (cs_project_set_crossfade (project, 1, 4, &error));
  timeline = cs_project_get_timeline (project);
  g_assert_true (cs_timeline_get_crossfade (timeline, 1, &start, &end));
  g_assert_cmpint (start, ==, 38);
  g_assert_cmpint (end, ==, 42);
  g_assert_true (cs_timeline_query_frame (timeline, 37, &styles));
  g_assert_cmpuint (styles.n_styles, ==, 1);
  for (gint64 f = 38; f < 42; f++)
    {
      double w = (f - 37) / 5.0;

      g_assert_true (cs_timeline_query_frame (timeline, f, &styles));
      g_assert_cmpuint (styles.n_styles, ==, 2);
      assert_entry (&styles.styles[0], a, 1.0 - w, 1.0);
      assert_entry (&styles.styles[1], b, w,
                    f < 40 ? 0.2 : cs_segment_get_degree_at (cs_timeline_get_segment (timeline, 1), f));
      g_assert_cmpuint (styles.styles[0].segment_index, ==, 0);
      g_assert_cmpuint (styles.styles[1].segment_index, ==, 1);
    }
  g_assert_true (cs_timeline_query_frame (timeline, 42, &styles));
  g_assert_cmpuint (styles.n_styles, ==, 1);

  /* An odd length puts the extra frame after the cut. */
  g_assert_true (cs_project_set_crossfade (project, 1, 3, &error));
  timeline = cs_project_get_timeline (project);
  g_assert_true (cs_timeline_get_crossfade (timeline, 1, &start, &end));
  g_assert_cmpint (start, ==, 39);
  g_assert_cmpint (end, ==, 42);

  /* A fade longer than the segments allow shrinks to their middles: 70 is
   * 15 frames from the middle of [40, 70) and of [70, 100). */
  g_assert_true (cs_project_set_crossfade (project, 2, 100, &error));
  timeline = cs_project_get_timeline (project);
  g_assert_true (cs_timeline_get_crossfade (timeline, 2, &start, &end));
  g_assert_cmpint (start, ==, 55);
  g_assert_cmpint (end, ==, 85);
  g_assert_true (cs_timeline_query_frame (timeline, 55, &styles));
  /* smoothstep (0.75) = 0.84375 */
  assert_entry (&styles.styles[0], b, 30.0 / 31.0, 0.2 + 0.6 * 0.84375);
  assert_entry (&styles.styles[1], NULL, 1.0 / 31.0, 0.0);
  g_assert_true (cs_timeline_query_frame (timeline, 84, &styles));
  assert_entry (&styles.styles[1], NULL, 30.0 / 31.0, 0.0);
  g_assert_true (cs_timeline_query_frame (timeline, 85, &styles));
  g_assert_cmpuint (styles.n_styles, ==, 1);
  /* The fade at 40 still ends before the middle of [40, 70), where this
   * one starts. */
  g_assert_true (cs_timeline_get_crossfade (timeline, 1, &start, &end));
  g_assert_cmpint (end, <=, 55);

  /* No fade into a one-frame segment; one out of it reaches one frame back. */
  g_assert_true (cs_project_split (project, 99, &error));
  g_assert_true (cs_project_set_crossfade (project, 3, 10, &error));
  timeline = cs_project_get_timeline (project);
  g_assert_false (cs_timeline_get_crossfade (timeline, 3, &start, &end));
  g_assert_false (cs_timeline_get_crossfade (timeline, 0, &start, &end));
  g_assert_false (cs_timeline_get_crossfade (timeline, 4, &start, &end));

  assert_project_valid (project);
}

static void
test_interpolation (void)
{
  g_assert_cmpfloat (cs_interpolation_apply (CS_INTERPOLATION_CONSTANT, 0.7), ==, 0.0);
  g_assert_cmpfloat (cs_interpolation_apply (CS_INTERPOLATION_LINEAR, 0.7), ==, 0.7);
  g_assert_cmpfloat (cs_interpolation_apply (CS_INTERPOLATION_EASE_IN_OUT, 0.0), ==, 0.0);
  g_assert_cmpfloat (cs_interpolation_apply (CS_INTERPOLATION_EASE_IN_OUT, 0.5), ==, 0.5);
  g_assert_cmpfloat (cs_interpolation_apply (CS_INTERPOLATION_EASE_IN_OUT, 1.0), ==, 1.0);
  g_assert_cmpfloat_with_epsilon (cs_interpolation_apply (CS_INTERPOLATION_EASE_IN_OUT, 0.25), 0.15625, 1e-15);
  g_assert_cmpfloat (cs_interpolation_apply (CS_INTERPOLATION_LINEAR, 2.0), ==, 1.0);
  g_assert_cmpfloat (cs_interpolation_apply (CS_INTERPOLATION_LINEAR, -1.0), ==, 0.0);
}

/* Properties on random projects ----------------------------------------------------------------- */

static void
test_property_undo_redo (Fixture       *fixture,
                         gconstpointer  data)
{
  for (guint seed = 0; seed < N_SEEDS; seed++)
    {
      g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
      g_autoptr(CsProject) project = random_project (rand, fixture, 0);
      g_autoptr(GPtrArray) states = g_ptr_array_new_with_free_func (g_free);
      Follower follower = { 0 };

      follower_init (&follower, project);
      g_ptr_array_add (states, to_json (project));

      for (guint i = 0; i < 40; i++)
        {
          g_autoptr(CsTimeline) before = cs_timeline_ref (cs_project_get_timeline (project));
          g_autofree char *json = NULL;

          follower.n_changed = 0;
          random_edit (rand, fixture, project);
          assert_follower_in_step (&follower, project);
          assert_changes_signalled (&follower, before, cs_project_get_timeline (project));
          if (i % 8 == 0)
            assert_project_valid (project);

          /* An edit that made a step changed the document, and only then. */
          json = to_json (project);
          if (g_strcmp0 (json, g_ptr_array_index (states, states->len - 1)) != 0)
            g_ptr_array_add (states, g_steal_pointer (&json));
        }
      assert_project_valid (project);
      g_assert_cmpint (cs_project_get_modified (project), ==, states->len > 1);

      for (guint k = states->len - 1; k > 0; k--)
        {
          g_autoptr(CsTimeline) before = cs_timeline_ref (cs_project_get_timeline (project));
          g_autofree char *json = NULL;

          follower.n_changed = 0;
          g_assert_true (cs_project_get_can_undo (project));
          g_assert_true (cs_project_undo (project));
          json = to_json (project);
          g_assert_cmpstr (json, ==, g_ptr_array_index (states, k - 1));
          assert_follower_in_step (&follower, project);
          assert_changes_signalled (&follower, before, cs_project_get_timeline (project));
        }
      g_assert_false (cs_project_undo (project));
      g_assert_false (cs_project_get_modified (project));

      for (guint k = 1; k < states->len; k++)
        {
          g_autofree char *json = NULL;

          g_assert_true (cs_project_redo (project));
          json = to_json (project);
          g_assert_cmpstr (json, ==, g_ptr_array_index (states, k));
          assert_follower_in_step (&follower, project);
        }
      g_assert_false (cs_project_redo (project));
      assert_project_valid (project);

      follower_clear (&follower, project);
    }
}

static void
assert_only_expected_warnings (CsProject *project)
{
  GPtrArray *warnings = cs_project_get_warnings (project);

  /* The fixture's last style has no folder; nothing else may be wrong. */
  for (guint i = 0; i < warnings->len; i++)
    g_assert_error ((GError *) g_ptr_array_index (warnings, i),
                    CS_PROJECT_ERROR, CS_PROJECT_ERROR_MISSING_STYLE);
}

static void
test_property_round_trip (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *path = fixture_path (fixture, "round-trip.celshade");
  g_autoptr(GFile) file = g_file_new_for_path (path);

  for (guint seed = 0; seed < N_SEEDS; seed++)
    {
      g_autoptr(GRand) rand = g_rand_new_with_seed (1000 + seed);
      g_autoptr(CsProject) project = random_project (rand, fixture, 30);
      g_autoptr(CsProject) loaded = NULL;
      g_autoptr(CsProject) from_data = NULL;
      g_autoptr(CsProject) recovered = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *untitled_json = to_json (project);
      g_autofree char *saved = NULL;
      g_autofree char *reloaded = NULL;
      g_autofree char *contents = NULL;

      /* Untitled: no relative paths, and the data loads back the same. */
      from_data = cs_project_load_from_data (untitled_json, strlen (untitled_json), NULL,
                                             CS_PROJECT_LOAD_NONE, NULL, &error);
      g_assert_no_error (error);
      {
        g_autofree char *again = to_json (from_data);

        g_assert_cmpstr (again, ==, untitled_json);
      }

      g_assert_true (cs_project_save (project, file, NULL, &error));
      g_assert_no_error (error);
      g_assert_false (cs_project_get_modified (project));
      saved = to_json (project);
      g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
      g_assert_cmpstr (contents, ==, saved);

      loaded = cs_project_load (file, CS_PROJECT_LOAD_NONE, NULL, &error);
      g_assert_no_error (error);
      reloaded = to_json (loaded);
      g_assert_cmpstr (reloaded, ==, saved);
      g_assert_true (cs_timeline_equal (cs_project_get_timeline (loaded),
                                        cs_project_get_timeline (project)));
      g_assert_true (cs_source_clip_equal (cs_project_get_source (loaded),
                                           cs_project_get_source (project)));
      g_assert_cmpstr (cs_project_get_id (loaded), ==, cs_project_get_id (project));
      g_assert_true (g_file_equal (cs_project_get_file (loaded), file));
      g_assert_false (cs_project_get_modified (loaded));
      g_assert_false (cs_project_get_recovered (loaded));
      g_assert_cmpint (cs_project_get_source_status (loaded), ==, CS_SOURCE_STATUS_OK);
      assert_only_expected_warnings (loaded);
      assert_project_valid (loaded);

      /* Recovery mode reads a sound file the same way. */
      recovered = cs_project_load (file, CS_PROJECT_LOAD_RECOVER, NULL, &error);
      g_assert_no_error (error);
      g_assert_false (cs_project_get_recovered (recovered));
      {
        g_autofree char *again = to_json (recovered);

        g_assert_cmpstr (again, ==, saved);
      }
    }
}

static void
test_property_query (Fixture       *fixture,
                     gconstpointer  data)
{
  for (guint seed = 0; seed < N_SEEDS; seed++)
    {
      g_autoptr(GRand) rand = g_rand_new_with_seed (2000 + seed);
      g_autoptr(CsProject) project = random_project (rand, fixture, 25);
      CsTimeline *timeline = cs_project_get_timeline (project);
      double last_weight = 0.0;
      guint last_pair = G_MAXUINT;

      for (gint64 f = 0; f < cs_timeline_get_n_frames (timeline); f++)
        {
          CsFrameStyles styles;
          gint64 start, end;
          guint index;

          assert_query_valid (timeline, f);
          cs_timeline_query_frame (timeline, f, &styles);
          cs_timeline_find_segment (timeline, f, &index);

          /* Inside a fade the later segment's weight only grows. */
          if (styles.n_styles == 2)
            {
              guint into = styles.styles[1].segment_index;

              g_assert_true (cs_timeline_get_crossfade (timeline, into, &start, &end));
              g_assert_cmpint (f, >=, start);
              g_assert_cmpint (f, <, end);
              if (into == last_pair)
                g_assert_cmpfloat (styles.styles[1].weight, >, last_weight);
              last_pair = into;
              last_weight = styles.styles[1].weight;
            }
          else
            {
              last_pair = G_MAXUINT;
              g_assert_false (cs_timeline_get_crossfade (timeline, index, &start, &end) &&
                              f >= start && f < end);
              g_assert_false (cs_timeline_get_crossfade (timeline, index + 1, &start, &end) &&
                              f >= start && f < end);
            }
        }
    }
}

/* Files and paths ------------------------------------------------------------------------------ */

static void
copy_file (const char *from,
           const char *to)
{
  g_autoptr(GFile) source = g_file_new_for_path (from);
  g_autoptr(GFile) destination = g_file_new_for_path (to);
  g_autoptr(GFile) parent = g_file_get_parent (destination);
  g_autoptr(GError) error = NULL;

  g_file_make_directory_with_parents (parent, NULL, NULL);
  g_file_copy (source, destination, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
}

static JsonObject *
parse_object (JsonParser *parser,
              const char *data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, data, -1, &error));
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (parser));
}

static JsonObject *
first_source (JsonObject *root)
{
  return json_array_get_object_element (json_object_get_array_member (root, "sources"), 0);
}

static void
test_paths (Fixture       *fixture,
            gconstpointer  data)
{
  g_autofree char *dir_a = fixture_path (fixture, "a");
  g_autofree char *dir_b = fixture_path (fixture, "b");
  g_autofree char *clip_a = g_build_filename (dir_a, "media", "clip.mp4", NULL);
  g_autofree char *clip_b = g_build_filename (dir_b, "media", "clip.mp4", NULL);
  g_autofree char *style_a = g_build_filename (dir_a, "styles", "ink", NULL);
  g_autofree char *style_b = g_build_filename (dir_b, "styles", "ink", NULL);
  g_autofree char *project_a = g_build_filename (dir_a, "p.celshade", NULL);
  g_autofree char *project_b = g_build_filename (dir_b, "p.celshade", NULL);
  g_autofree char *project_c = fixture_path (fixture, "c/deeper/p.celshade");
  g_autofree char *project_d = fixture_path (fixture, "d/p.celshade");
  g_autoptr(GFile) file_a = g_file_new_for_path (project_a);
  g_autoptr(GFile) file_b = g_file_new_for_path (project_b);
  g_autoptr(GFile) file_c = g_file_new_for_path (project_c);
  g_autoptr(GFile) file_d = g_file_new_for_path (project_d);
  g_autoptr(CsSourceClip) source = NULL;
  g_autoptr(CsStyleRef) ink = NULL;
  g_autoptr(CsProject) project = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *json = NULL;
  JsonObject *root, *style;

  g_assert_cmpint (g_mkdir_with_parents (style_a, 0700), ==, 0);
  copy_file (fixture->clip_path, clip_a);
  source = make_source (clip_a, 240);
  ink = cs_style_ref_new ("ink", "Ink", style_a);
  project = cs_project_new (source);
  g_assert_true (cs_project_split (project, 100, &error));
  g_assert_true (cs_project_set_style (project, 1, ink, &error));
  g_assert_true (cs_project_save (project, file_a, NULL, &error));
  g_assert_no_error (error);

  /* Paths are stored relative to the project, absolute ones beside them. */
  json = to_json (project);
  root = parse_object (parser, json);
  g_assert_cmpstr (json_object_get_string_member (first_source (root), "path"), ==, "media/clip.mp4");
  g_assert_cmpstr (json_object_get_string_member (first_source (root), "path_absolute"), ==, clip_a);
  style = json_object_get_object_member (
    json_array_get_object_element (json_object_get_array_member (root, "segments"), 1), "style");
  g_assert_cmpstr (json_object_get_string_member (style, "folder"), ==, "styles/ink");
  g_assert_cmpstr (json_object_get_string_member (style, "folder_absolute"), ==, style_a);
  g_clear_object (&project);

  /* The folder moved whole: the relative paths find the moved files. */
  copy_file (project_a, project_b);
  copy_file (clip_a, clip_b);
  g_assert_cmpint (g_mkdir_with_parents (style_b, 0700), ==, 0);
  cs_test_remove_tree (dir_a);
  project = cs_project_load (file_b, CS_PROJECT_LOAD_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cs_source_clip_get_path (cs_project_get_source (project)), ==, clip_b);
  g_assert_cmpstr (cs_style_ref_get_folder (cs_segment_get_style (cs_project_get_segment (project, 1))), ==, style_b);
  g_assert_cmpint (cs_project_get_source_status (project), ==, CS_SOURCE_STATUS_OK);
  g_assert_cmpuint (cs_project_get_warnings (project)->len, ==, 0);
  g_assert_true (cs_project_save (project, NULL, NULL, &error));
  g_assert_no_error (error);
  g_clear_object (&project);

  /* The project alone moved: the absolute paths still find the clip, and
   * saving there writes paths that climb out of its folder. */
  copy_file (project_b, project_c);
  project = cs_project_load (file_c, CS_PROJECT_LOAD_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cs_source_clip_get_path (cs_project_get_source (project)), ==, clip_b);
  g_assert_cmpint (cs_project_get_source_status (project), ==, CS_SOURCE_STATUS_OK);
  g_clear_pointer (&json, g_free);
  json = to_json (project);
  root = parse_object (parser, json);
  g_assert_cmpstr (json_object_get_string_member (first_source (root), "path"), ==, "../../b/media/clip.mp4");
  g_clear_object (&project);

  /* The clip is gone: the project opens all the same, and says so. */
  g_assert_cmpint (g_unlink (clip_b), ==, 0);
  project = cs_project_load (file_c, CS_PROJECT_LOAD_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (project);
  g_assert_cmpint (cs_project_get_source_status (project), ==, CS_SOURCE_STATUS_MISSING);
  g_assert_cmpuint (cs_project_get_warnings (project)->len, ==, 1);
  g_assert_error ((GError *) g_ptr_array_index (cs_project_get_warnings (project), 0),
                  CS_PROJECT_ERROR, CS_PROJECT_ERROR_MISSING_MEDIA);
  g_assert_nonnull (strstr (((GError *) g_ptr_array_index (cs_project_get_warnings (project), 0))->message,
                            "clip.mp4"));
  g_assert_false (cs_project_get_modified (project));
  g_assert_cmpuint (cs_project_get_n_segments (project), ==, 2);
  assert_project_valid (project);
  g_assert_cmpint (cs_project_check_source (project, NULL, &error), ==, CS_SOURCE_STATUS_MISSING);
  g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_MISSING_MEDIA);
  g_clear_error (&error);

  /* Back, but changed: the hash tells. */
  {
    g_autofree char *contents = NULL;
    gsize length;

    g_assert_true (g_file_get_contents (fixture->clip_path, &contents, &length, NULL));
    contents[0] ^= 1;
    g_assert_true (g_file_set_contents (clip_b, contents, (gssize) length, NULL));
  }
  g_assert_cmpint (cs_project_check_source (project, NULL, &error), ==, CS_SOURCE_STATUS_CHANGED);
  g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_SOURCE_CHANGED);
  g_clear_error (&error);
  g_assert_cmpint (cs_project_get_source_status (project), ==, CS_SOURCE_STATUS_CHANGED);
  g_clear_object (&project);
  project = cs_project_load (file_c, CS_PROJECT_LOAD_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cs_project_get_source_status (project), ==, CS_SOURCE_STATUS_CHANGED);
  g_assert_error ((GError *) g_ptr_array_index (cs_project_get_warnings (project), 0),
                  CS_PROJECT_ERROR, CS_PROJECT_ERROR_SOURCE_CHANGED);

  /* Relinking: the clip must have as many frames; it is no undo step. */
  {
    g_autoptr(CsSourceClip) wrong = make_source (clip_b, 241);
    g_autoptr(CsSourceClip) right = make_source (clip_b, 240);
    Follower follower = { 0 };

    follower_init (&follower, project);
    g_assert_false (cs_project_relink_source (project, wrong, &error));
    g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
    g_assert_true (cs_project_relink_source (project, right, &error));
    g_assert_no_error (error);
    g_assert_cmpint (cs_project_get_source_status (project), ==, CS_SOURCE_STATUS_OK);
    g_assert_cmpuint (cs_project_get_warnings (project)->len, ==, 0);
    g_assert_true (cs_project_get_modified (project));
    g_assert_false (cs_project_get_can_undo (project));
    g_assert_cmpuint (follower.n_changed, ==, 1);
    g_assert_cmpint (follower.first_frame, ==, 0);
    g_assert_cmpint (follower.end_frame, ==, 240);
    g_assert_cmpint (cs_project_check_source (project, NULL, &error), ==, CS_SOURCE_STATUS_OK);
    g_assert_no_error (error);
    follower_clear (&follower, project);
  }

  /* Saving elsewhere makes that the project's file. */
  {
    g_autofree char *dir_d = g_path_get_dirname (project_d);

    g_assert_cmpint (g_mkdir_with_parents (dir_d, 0700), ==, 0);
  }
  g_assert_true (cs_project_save (project, file_d, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_equal (cs_project_get_file (project), file_d));
  g_assert_false (cs_project_get_modified (project));
}

static void
test_save_atomic (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(CsProject) project = new_project (fixture, 240);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = fixture_path (fixture, "atomic.celshade");
  g_autofree char *nowhere = fixture_path (fixture, "no/such/folder/p.celshade");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) nowhere_file = g_file_new_for_path (nowhere);
  g_autoptr(GFile) remote = g_file_new_for_uri ("resource:///io/github/celshade/p.celshade");
  g_autofree char *first = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *name;
  guint n_files = 0;

  /* No file yet. */
  g_assert_false (cs_project_save (project, NULL, NULL, &error));
  g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_true (cs_project_split (project, 10, &error));
  g_assert_true (cs_project_save (project, file, NULL, &error));
  g_assert_no_error (error);
  first = to_json (project);

  /* A second save replaces the first whole, and leaves no temporary file. */
  g_assert_true (cs_project_split (project, 20, &error));
  g_assert_true (cs_project_save (project, NULL, NULL, &error));
  g_assert_no_error (error);
  dir = g_dir_open (fixture->dir, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_assert_true (g_str_equal (name, "atomic.celshade") || g_str_equal (name, "clip.mp4") ||
                     g_str_equal (name, "styles"));
      n_files++;
    }
  g_assert_cmpuint (n_files, ==, 3);

  /* A save that cannot be made says why and changes nothing. */
  g_assert_true (cs_project_split (project, 30, &error));
  g_assert_false (cs_project_save (project, nowhere_file, NULL, &error));
  g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_WRITE);
  g_assert_nonnull (strstr (error->message, nowhere));
  g_clear_error (&error);
  g_assert_false (cs_project_save (project, remote, NULL, &error));
  g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_NOT_LOCAL);
  g_clear_error (&error);
  g_assert_true (cs_project_get_modified (project));
  g_assert_true (g_file_equal (cs_project_get_file (project), file));
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, !=, first);
  g_assert_nonnull (strstr (contents, "\"start\" : 20"));
  g_assert_null (strstr (contents, "\"start\" : 30"));

  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();

    g_cancellable_cancel (cancellable);
    g_assert_false (cs_project_save (project, NULL, cancellable, &error));
    g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_CANCELLED);
    g_clear_error (&error);
  }
}

static void
test_load_errors (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = fixture_path (fixture, "missing.celshade");
  g_autofree char *huge = fixture_path (fixture, "huge.celshade");
  g_autoptr(GFile) missing_file = g_file_new_for_path (missing);
  g_autoptr(GFile) dir_file = g_file_new_for_path (fixture->dir);
  g_autoptr(GFile) huge_file = g_file_new_for_path (huge);
  CsProject *project;
  FILE *f;

  project = cs_project_load (missing_file, CS_PROJECT_LOAD_RECOVER, NULL, &error);
  g_assert_null (project);
  g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "missing.celshade"));
  g_clear_error (&error);

  project = cs_project_load (dir_file, CS_PROJECT_LOAD_NONE, NULL, &error);
  g_assert_null (project);
  g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_DAMAGED);
  g_clear_error (&error);

  /* Refused by its size before it is read (the file is sparse). */
  f = fopen (huge, "wb");
  g_assert_nonnull (f);
  g_assert_cmpint (fseek (f, 65 * 1024 * 1024, SEEK_SET), ==, 0);
  g_assert_cmpint (fputc ('}', f), ==, '}');
  fclose (f);
  project = cs_project_load (huge_file, CS_PROJECT_LOAD_RECOVER, NULL, &error);
  g_assert_null (project);
  g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_DAMAGED);
  g_clear_error (&error);
}

/* Damaged files -------------------------------------------------------------------------------- */

/* Loads @data both ways; whatever loads must be a sound document, whatever
 * does not must say why in CS_PROJECT_ERROR. Returns the strict error code,
 * or -1 when the strict load succeeded. */
/* Stability: a setting of each segment, one undo step, kept by every other
 * edit, in the file, and the default for files written before it. */
static void
test_stability (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(CsProject) project = new_project (fixture, 100);
  g_autoptr(GError) error = NULL;
  const double bad[] = { -0.01, 1.01, NAN, INFINITY };

  g_assert_cmpfloat (cs_segment_get_stability (cs_project_get_segment (project, 0)), ==,
                     CS_SEGMENT_DEFAULT_STABILITY);
  g_assert_true (cs_project_set_stability (project, 0, 0.8, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (cs_project_get_undo_label (project), ==, "Change Stability");

  /* A split gives both halves the stability; other edits keep it. */
  g_assert_true (cs_project_split (project, 50, &error));
  g_assert_cmpfloat (cs_segment_get_stability (cs_project_get_segment (project, 0)), ==, 0.8);
  g_assert_cmpfloat (cs_segment_get_stability (cs_project_get_segment (project, 1)), ==, 0.8);
  g_assert_true (cs_project_set_stability (project, 1, 0.25, &error));
  g_assert_true (cs_project_set_style (project, 1, fixture->styles[1], &error));
  g_assert_true (cs_project_set_crossfade (project, 1, 6, &error));
  g_assert_true (cs_project_add_keyframe (project, 70, 0.3, CS_INTERPOLATION_LINEAR, &error));
  g_assert_true (cs_project_move_boundary (project, 1, 40, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (cs_segment_get_stability (cs_project_get_segment (project, 0)), ==, 0.8);
  g_assert_cmpfloat (cs_segment_get_stability (cs_project_get_segment (project, 1)), ==, 0.25);

  /* One step each way. */
  g_assert_true (cs_project_set_stability (project, 1, 0.0, &error));
  g_assert_cmpfloat (cs_segment_get_stability (cs_project_get_segment (project, 1)), ==, 0.0);
  g_assert_true (cs_project_undo (project));
  g_assert_cmpfloat (cs_segment_get_stability (cs_project_get_segment (project, 1)), ==, 0.25);
  g_assert_true (cs_project_redo (project));
  g_assert_cmpfloat (cs_segment_get_stability (cs_project_get_segment (project, 1)), ==, 0.0);
  g_assert_true (cs_project_undo (project));

  /* Setting what is already there is no step. */
  {
    g_autofree char *label = g_strdup (cs_project_get_undo_label (project));

    g_assert_true (cs_project_set_stability (project, 1, 0.25, &error));
    g_assert_cmpstr (cs_project_get_undo_label (project), ==, label);
  }

  /* Refused, and nothing changes. */
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *before = to_json (project);
      g_autofree char *after = NULL;

      g_assert_false (cs_project_set_stability (project, 1, bad[i], &error));
      g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
      after = to_json (project);
      g_assert_cmpstr (before, ==, after);
    }
  g_assert_false (cs_project_set_stability (project, 2, 0.5, &error));
  g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* A join is the left segment grown. */
  {
    g_autofree char *json = to_json (project);
    g_autoptr(CsProject) joined = cs_project_load_from_data (json, strlen (json), NULL,
                                                             CS_PROJECT_LOAD_NONE, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (cs_project_join (joined, 0, &error));
    g_assert_no_error (error);
    g_assert_cmpfloat (cs_segment_get_stability (cs_project_get_segment (joined, 0)), ==, 0.8);
  }

  /* The file keeps it exactly; a file without it (written before it
   * existed) gives every segment the default. */
  {
    g_autofree char *json = to_json (project);
    g_autoptr(GRegex) key = g_regex_new ("\"stability\"\\s*:\\s*[0-9.eE+-]+\\s*,", 0, 0, NULL);
    g_autofree char *old = g_regex_replace_literal (key, json, -1, 0, "", 0, NULL);
    g_autoptr(CsProject) loaded = cs_project_load_from_data (json, strlen (json), NULL, CS_PROJECT_LOAD_NONE,
                                                             NULL, &error);
    g_autoptr(CsProject) loaded_old = NULL;

    g_assert_no_error (error);
    g_assert_nonnull (strstr (json, "\"stability\""));
    g_assert_cmpfloat (cs_segment_get_stability (cs_project_get_segment (loaded, 0)), ==, 0.8);
    g_assert_cmpfloat (cs_segment_get_stability (cs_project_get_segment (loaded, 1)), ==, 0.25);
    g_assert_null (strstr (old, "\"stability\""));
    loaded_old = cs_project_load_from_data (old, strlen (old), NULL, CS_PROJECT_LOAD_NONE, NULL, &error);
    g_assert_no_error (error);
    for (guint i = 0; i < cs_project_get_n_segments (loaded_old); i++)
      g_assert_cmpfloat (cs_segment_get_stability (cs_project_get_segment (loaded_old, i)), ==,
                         CS_SEGMENT_DEFAULT_STABILITY);
    assert_project_valid (loaded_old);
  }
  assert_project_valid (project);
}

/* A damaged stability fails a strict load by name; recovery mends it. */
static void
test_stability_damaged (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(CsProject) project = new_project (fixture, 30);
  g_autofree char *json = to_json (project);
  const struct {
    const char *value;
    double      recovered;
  } cases[] = { { "\"high\"", CS_SEGMENT_DEFAULT_STABILITY }, { "1.5", 1.0 }, { "-2", 0.0 },
                { "null", CS_SEGMENT_DEFAULT_STABILITY } };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GRegex) key = g_regex_new ("(\"stability\"\\s*:\\s*)[0-9.eE+-]+", 0, 0, NULL);
      g_autofree char *with = g_strdup_printf ("\\g<1>%s", cases[i].value);
      g_autofree char *damaged = g_regex_replace (key, json, -1, 0, with, 0, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(CsProject) strict = NULL;
      g_autoptr(CsProject) recovered = NULL;

      g_assert_cmpstr (damaged, !=, json);
      strict = cs_project_load_from_data (damaged, strlen (damaged), NULL, CS_PROJECT_LOAD_NONE, NULL, &error);
      g_assert_null (strict);
      g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, "stability"));
      g_clear_error (&error);
      recovered = cs_project_load_from_data (damaged, strlen (damaged), NULL, CS_PROJECT_LOAD_RECOVER, NULL,
                                             &error);
      g_assert_no_error (error);
      g_assert_cmpfloat (cs_segment_get_stability (cs_project_get_segment (recovered, 0)), ==,
                         cases[i].recovered);
      assert_project_valid (recovered);
    }
}

static void
assert_face (CsSegment *segment,
             int        x,
             int        y,
             int        width,
             int        height)
{
  CsFaceRect face = { -1, -1, -1, -1 };

  g_assert_true (cs_segment_get_face (segment, &face));
  g_assert_cmpint (face.x, ==, x);
  g_assert_cmpint (face.y, ==, y);
  g_assert_cmpint (face.width, ==, width);
  g_assert_cmpint (face.height, ==, height);
}

/* The VToonify-D reference and face rectangle: settings of each segment,
 * one undo step each, copied by a split, the left one's after a join, in
 * the file only when set, compared by cs_segment_equal(). */
static void
test_reference_face (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(CsProject) project = new_project (fixture, 100);
  g_autoptr(GError) error = NULL;
  const CsFaceRect face = { 400, -20, 200, 180 };
  const CsFaceRect other = { 10, 20, 30, 40 };
  /* The clip is 640 × 360. */
  const CsFaceRect bad[] = { { 0, 0, 0, 10 }, { 0, 0, 10, -1 }, { 640, 0, 10, 10 },
                             { 0, 360, 10, 10 }, { -10, 0, 10, 10 }, { 0, -50, 10, 50 },
                             { G_MAXINT, 0, G_MAXINT, 1 }, { -G_MAXINT, 0, G_MAXINT, 1 } };
  CsFaceRect untouched = { 7, 7, 7, 7 };

  /* New segments: reference 0, the centred square, and neither in the file. */
  g_assert_cmpuint (cs_segment_get_reference (cs_project_get_segment (project, 0)), ==, 0);
  g_assert_false (cs_segment_get_face (cs_project_get_segment (project, 0), &untouched));
  g_assert_cmpint (untouched.x, ==, 7);
  {
    g_autofree char *json = to_json (project);

    g_assert_null (strstr (json, "\"reference\""));
    g_assert_null (strstr (json, "\"face\""));
  }

  g_assert_true (cs_project_set_reference (project, 0, 3, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (cs_project_get_undo_label (project), ==, "Change Style Reference");
  g_assert_true (cs_project_set_face (project, 0, &face, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (cs_project_get_undo_label (project), ==, "Change Face Rectangle");
  g_assert_cmpuint (cs_segment_get_reference (cs_project_get_segment (project, 0)), ==, 3);
  assert_face (cs_project_get_segment (project, 0), 400, -20, 200, 180);

  /* A split copies both; other edits keep them. */
  g_assert_true (cs_project_split (project, 50, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 2; i++)
    {
      g_assert_cmpuint (cs_segment_get_reference (cs_project_get_segment (project, i)), ==, 3);
      assert_face (cs_project_get_segment (project, i), 400, -20, 200, 180);
    }
  g_assert_true (cs_project_set_reference (project, 1, 1, &error));
  g_assert_true (cs_project_set_face (project, 1, &other, &error));
  g_assert_true (cs_project_set_style (project, 1, fixture->styles[1], &error));
  g_assert_true (cs_project_set_crossfade (project, 1, 6, &error));
  g_assert_true (cs_project_set_stability (project, 1, 0.25, &error));
  g_assert_true (cs_project_add_keyframe (project, 70, 0.3, CS_INTERPOLATION_LINEAR, &error));
  g_assert_true (cs_project_move_boundary (project, 1, 40, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cs_segment_get_reference (cs_project_get_segment (project, 0)), ==, 3);
  assert_face (cs_project_get_segment (project, 0), 400, -20, 200, 180);
  g_assert_cmpuint (cs_segment_get_reference (cs_project_get_segment (project, 1)), ==, 1);
  assert_face (cs_project_get_segment (project, 1), 10, 20, 30, 40);

  /* Equality sees each of them. */
  {
    g_autoptr(CsSegment) before = g_object_ref (cs_project_get_segment (project, 1));

    g_assert_true (cs_project_set_reference (project, 1, 2, &error));
    g_assert_false (cs_segment_equal (before, cs_project_get_segment (project, 1)));
    g_assert_true (cs_project_undo (project));
    g_assert_true (cs_segment_equal (before, cs_project_get_segment (project, 1)));
    g_assert_true (cs_project_set_face (project, 1, NULL, &error));
    g_assert_false (cs_segment_equal (before, cs_project_get_segment (project, 1)));
    g_assert_true (cs_project_undo (project));
    g_assert_true (cs_project_set_face (project, 1, &(CsFaceRect) { 10, 20, 30, 41 }, &error));
    g_assert_false (cs_segment_equal (before, cs_project_get_segment (project, 1)));
    g_assert_true (cs_project_undo (project));
    g_assert_true (cs_segment_equal (before, cs_project_get_segment (project, 1)));
    g_assert_no_error (error);
  }

  /* One step each way; NULL is back to the centred square. */
  g_assert_true (cs_project_set_face (project, 1, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (cs_segment_get_face (cs_project_get_segment (project, 1), NULL));
  g_assert_true (cs_project_undo (project));
  assert_face (cs_project_get_segment (project, 1), 10, 20, 30, 40);
  g_assert_true (cs_project_redo (project));
  g_assert_false (cs_segment_get_face (cs_project_get_segment (project, 1), NULL));
  g_assert_true (cs_project_undo (project));
  g_assert_true (cs_project_set_reference (project, 1, 0, &error));
  g_assert_cmpuint (cs_segment_get_reference (cs_project_get_segment (project, 1)), ==, 0);
  g_assert_true (cs_project_undo (project));
  g_assert_cmpuint (cs_segment_get_reference (cs_project_get_segment (project, 1)), ==, 1);
  g_assert_true (cs_project_redo (project));
  g_assert_true (cs_project_undo (project));

  /* Setting what is already there is no step. */
  {
    g_autofree char *label = g_strdup (cs_project_get_undo_label (project));

    g_assert_true (cs_project_set_reference (project, 1, 1, &error));
    g_assert_true (cs_project_set_face (project, 1, &other, &error));
    g_assert_cmpstr (cs_project_get_undo_label (project), ==, label);
  }

  /* Refused with a message, and nothing changes. */
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *before = to_json (project);
      g_autofree char *after = NULL;

      g_assert_false (cs_project_set_face (project, 1, &bad[i], &error));
      g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, "face rectangle"));
      g_clear_error (&error);
      after = to_json (project);
      g_assert_cmpstr (before, ==, after);
    }
  /* Touching the frame by one pixel is enough. */
  g_assert_true (cs_project_set_face (project, 1, &(CsFaceRect) { 639, 359, 500, 500 }, &error));
  g_assert_true (cs_project_set_face (project, 1, &(CsFaceRect) { -499, -499, 500, 500 }, &error));
  g_assert_no_error (error);
  g_assert_true (cs_project_undo (project));
  g_assert_true (cs_project_undo (project));
  g_assert_false (cs_project_set_reference (project, 2, 0, &error));
  g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (cs_project_set_face (project, 2, NULL, &error));
  g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* A join is the left segment grown. */
  {
    g_autofree char *json = to_json (project);
    g_autoptr(CsProject) joined = cs_project_load_from_data (json, strlen (json), NULL,
                                                             CS_PROJECT_LOAD_NONE, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (cs_project_join (joined, 0, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (cs_segment_get_reference (cs_project_get_segment (joined, 0)), ==, 3);
    assert_face (cs_project_get_segment (joined, 0), 400, -20, 200, 180);
  }

  /* The file keeps both exactly; a file without them (written before they
   * existed) loads with the defaults. */
  {
    g_autofree char *json = to_json (project);
    g_autoptr(GRegex) keys = g_regex_new ("(\"reference\"\\s*:\\s*[0-9]+|"
                                          "\"face\"\\s*:\\s*\\[[^]]*\\])\\s*,", 0, 0, NULL);
    g_autofree char *old = g_regex_replace_literal (keys, json, -1, 0, "", 0, NULL);
    g_autoptr(CsProject) loaded = cs_project_load_from_data (json, strlen (json), NULL, CS_PROJECT_LOAD_NONE,
                                                             NULL, &error);
    g_autoptr(CsProject) loaded_old = NULL;

    g_assert_no_error (error);
    g_assert_nonnull (strstr (json, "\"reference\""));
    g_assert_nonnull (strstr (json, "\"face\""));
    for (guint i = 0; i < 2; i++)
      g_assert_true (cs_segment_equal (cs_project_get_segment (loaded, i),
                                       cs_project_get_segment (project, i)));
    g_assert_null (strstr (old, "\"reference\""));
    g_assert_null (strstr (old, "\"face\""));
    loaded_old = cs_project_load_from_data (old, strlen (old), NULL, CS_PROJECT_LOAD_NONE, NULL, &error);
    g_assert_no_error (error);
    for (guint i = 0; i < cs_project_get_n_segments (loaded_old); i++)
      {
        g_assert_cmpuint (cs_segment_get_reference (cs_project_get_segment (loaded_old, i)), ==, 0);
        g_assert_false (cs_segment_get_face (cs_project_get_segment (loaded_old, i), NULL));
      }
    assert_project_valid (loaded_old);
  }
  assert_project_valid (project);
}

/* A damaged reference or face fails a strict load by name; recovery falls
 * back to the defaults. */
static void
test_reference_face_damaged (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(CsProject) project = new_project (fixture, 30);
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  const struct {
    const char *key;
    const char *value;
  } cases[] = {
    { "reference", "-1" }, { "reference", "1.5" }, { "reference", "\"two\"" },
    { "reference", "4294967296" }, { "reference", "null" },
    { "face", "[1, 2, 3]" }, { "face", "[1, 2, 3, 4, 5]" }, { "face", "[1, 2, 0, 4]" },
    { "face", "[1, 2, 3, -4]" }, { "face", "[640, 0, 10, 10]" }, { "face", "[0, -10, 10, 10]" },
    { "face", "[0.5, 2, 3, 4]" }, { "face", "\"centre\"" }, { "face", "null" },
    { "face", "[99999999, 0, 10, 10]" },
  };

  g_assert_true (cs_project_set_reference (project, 0, 2, &error));
  g_assert_true (cs_project_set_face (project, 0, &(CsFaceRect) { 1, 2, 3, 4 }, &error));
  g_assert_no_error (error);
  json = to_json (project);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *pattern = g_strdup_printf ("(\"%s\"\\s*:\\s*)(\\[[^]]*\\]|[0-9]+)", cases[i].key);
      g_autoptr(GRegex) key = g_regex_new (pattern, 0, 0, NULL);
      g_autofree char *with = g_strdup_printf ("\\g<1>%s", cases[i].value);
      g_autofree char *damaged = g_regex_replace (key, json, -1, 0, with, 0, NULL);
      g_autoptr(CsProject) strict = NULL;
      g_autoptr(CsProject) recovered = NULL;
      CsSegment *segment;

      g_assert_cmpstr (damaged, !=, json);
      strict = cs_project_load_from_data (damaged, strlen (damaged), NULL, CS_PROJECT_LOAD_NONE, NULL, &error);
      g_assert_null (strict);
      g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, cases[i].key));
      g_clear_error (&error);
      recovered = cs_project_load_from_data (damaged, strlen (damaged), NULL, CS_PROJECT_LOAD_RECOVER, NULL,
                                             &error);
      g_assert_no_error (error);
      segment = cs_project_get_segment (recovered, 0);
      /* The damaged one falls back; the other is kept. */
      if (g_str_equal (cases[i].key, "reference"))
        {
          g_assert_cmpuint (cs_segment_get_reference (segment), ==, 0);
          assert_face (segment, 1, 2, 3, 4);
        }
      else
        {
          g_assert_cmpuint (cs_segment_get_reference (segment), ==, 2);
          g_assert_false (cs_segment_get_face (segment, NULL));
        }
      assert_project_valid (recovered);
    }
}

static int
load_both_ways (const char *data,
                gsize       length,
                GFile      *file,
                CsProject **recovered_out)
{
  g_autoptr(GError) strict_error = NULL;
  g_autoptr(GError) recover_error = NULL;
  g_autoptr(CsProject) strict = NULL;
  g_autoptr(CsProject) recovered = NULL;
  int code = -1;

  strict = cs_project_load_from_data (data, length, file, CS_PROJECT_LOAD_NONE, NULL, &strict_error);
  if (strict != NULL)
    {
      g_assert_no_error (strict_error);
      g_assert_false (cs_project_get_recovered (strict));
      assert_project_valid (strict);
    }
  else
    {
      g_assert_nonnull (strict_error);
      g_assert_true (strict_error->domain == CS_PROJECT_ERROR);
      g_assert_cmpstr (strict_error->message, !=, "");
      code = strict_error->code;
      g_assert_true (code == CS_PROJECT_ERROR_DAMAGED || code == CS_PROJECT_ERROR_INVALID ||
                     code == CS_PROJECT_ERROR_NEWER_VERSION);
    }

  recovered = cs_project_load_from_data (data, length, file, CS_PROJECT_LOAD_RECOVER, NULL,
                                         &recover_error);
  if (recovered != NULL)
    {
      g_assert_no_error (recover_error);
      assert_project_valid (recovered);
      for (guint i = 0; i < cs_project_get_warnings (recovered)->len; i++)
        g_assert_true (((GError *) g_ptr_array_index (cs_project_get_warnings (recovered), i))->domain ==
                       CS_PROJECT_ERROR);
      if (strict != NULL)
        {
          g_autofree char *a = to_json (strict);
          g_autofree char *b = to_json (recovered);

          g_assert_cmpstr (a, ==, b);
        }
      else if (code == CS_PROJECT_ERROR_INVALID || code == CS_PROJECT_ERROR_NEWER_VERSION)
        {
          /* What recovery read differs from the file: it says so. */
          g_assert_true (cs_project_get_recovered (recovered));
          g_assert_true (cs_project_get_modified (recovered));
          g_assert_cmpuint (cs_project_get_warnings (recovered)->len, >, 0);
        }
    }
  else
    {
      g_assert_nonnull (recover_error);
      g_assert_true (recover_error->domain == CS_PROJECT_ERROR);
      g_assert_cmpstr (recover_error->message, !=, "");
      g_assert_null (strict);
    }

  if (recovered_out != NULL)
    *recovered_out = g_steal_pointer (&recovered);
  return code;
}

static char *
sample_project_json (Fixture *fixture,
                     guint    seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr(CsProject) project = random_project (rand, fixture, 20);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = fixture_path (fixture, "sample.celshade");
  g_autoptr(GFile) file = g_file_new_for_path (path);

  /* Saved, so that the paths in it are relative to a real folder. */
  g_assert_true (cs_project_save (project, file, NULL, &error));
  g_assert_no_error (error);
  return to_json (project);
}

static void
test_damaged_truncated (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *path = fixture_path (fixture, "sample.celshade");
  g_autoptr(GFile) file = g_file_new_for_path (path);

  for (guint seed = 0; seed < 4; seed++)
    {
      g_autofree char *json = sample_project_json (fixture, 3000 + seed);
      gsize length = strlen (json);
      gsize step = MAX (length / 400, 1);

      g_assert_cmpint (load_both_ways (json, length, file, NULL), ==, -1);
      for (gsize cut = 0; cut < length; cut += step)
        g_assert_cmpint (load_both_ways (json, cut, file, NULL), ==, CS_PROJECT_ERROR_DAMAGED);
      /* And as a file on disk. */
      for (gsize cut = 0; cut < length; cut += length / 7)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(CsProject) project = NULL;

          g_assert_true (g_file_set_contents (path, json, (gssize) cut, NULL));
          project = cs_project_load (file, CS_PROJECT_LOAD_RECOVER, NULL, &error);
          g_assert_null (project);
          g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_DAMAGED);
        }
    }
}

/* The nodes of a tree in a fixed order, to name one by its number, with
 * where each sits, so that it can be swapped for another. */
typedef struct {
  JsonNode   *node;
  JsonNode   *parent;
  const char *key;
  guint       index;
} Slot;

static void
collect_nodes (JsonNode   *node,
               JsonNode   *parent,
               const char *key,
               guint       index,
               GArray     *slots)
{
  Slot slot = { node, parent, key, index };

  g_array_append_val (slots, slot);

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      g_autoptr(GList) members = json_object_get_members (json_node_get_object (node));

      for (GList *l = members; l != NULL; l = l->next)
        collect_nodes (json_object_get_member (json_node_get_object (node), l->data),
                       node, l->data, 0, slots);
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        collect_nodes (json_array_get_element (array, i), node, NULL, i, slots);
    }
}

/* A mutation returns the node to put in the slot, or NULL when it changed
 * the node in place. (json-glib 1.6 cannot re-initialise a value node in
 * place: json_node_init_*() frees it wrongly.) */
typedef JsonNode *(*Mutation) (JsonNode *node);

static JsonNode *mutate_null (JsonNode *node) { return json_node_new (JSON_NODE_NULL); }
static JsonNode *mutate_string (JsonNode *node) { return json_node_init_string (json_node_alloc (), "../../x"); }
static JsonNode *mutate_empty_string (JsonNode *node) { return json_node_init_string (json_node_alloc (), ""); }
static JsonNode *mutate_negative (JsonNode *node) { return json_node_init_int (json_node_alloc (), -1); }
static JsonNode *mutate_zero (JsonNode *node) { return json_node_init_int (json_node_alloc (), 0); }
static JsonNode *mutate_big_int (JsonNode *node) { return json_node_init_int (json_node_alloc (), G_MAXINT64); }
static JsonNode *mutate_small_int (JsonNode *node) { return json_node_init_int (json_node_alloc (), G_MININT64); }
static JsonNode *mutate_huge_double (JsonNode *node) { return json_node_init_double (json_node_alloc (), 1e300); }
static JsonNode *mutate_fraction (JsonNode *node) { return json_node_init_double (json_node_alloc (), 0.5); }
static JsonNode *mutate_bool (JsonNode *node) { return json_node_init_boolean (json_node_alloc (), TRUE); }
static JsonNode *mutate_empty_array (JsonNode *node) { return json_node_init_array (json_node_alloc (), json_array_new ()); }
static JsonNode *mutate_empty_object (JsonNode *node) { return json_node_init_object (json_node_alloc (), json_object_new ()); }

static JsonNode *
mutate_add_key (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    json_object_set_int_member (json_node_get_object (node), "zz_unknown", 1);
  return NULL;
}

static JsonNode *
mutate_double_array (JsonNode *node)
{
  /* Two copies of every element: overlapping segments, repeated keyframes. */
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      guint n = json_array_get_length (array);

      for (guint i = 0; i < n; i++)
        json_array_add_element (array, json_node_copy (json_array_get_element (array, i)));
    }
  return NULL;
}

/* Puts @replacement (owned) where @slot's node is; returns the new root. */
static JsonNode *
replace_slot (JsonNode   *root,
              const Slot *slot,
              JsonNode   *replacement)
{
  if (slot->parent == NULL)
    {
      json_node_unref (root);
      return replacement;
    }

  if (slot->key != NULL)
    json_object_set_member (json_node_get_object (slot->parent), slot->key, replacement);
  else
    {
      JsonArray *old = json_node_get_array (slot->parent);
      JsonArray *array = json_array_new ();

      for (guint i = 0; i < json_array_get_length (old); i++)
        json_array_add_element (array, i == slot->index ? replacement
                                                        : json_node_copy (json_array_get_element (old, i)));
      json_node_take_array (slot->parent, array);
    }

  return root;
}

static char *
node_to_data (JsonNode *root)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

static void
test_damaged_mutations (Fixture       *fixture,
                        gconstpointer  data)
{
  static const Mutation mutations[] = {
    mutate_null, mutate_string, mutate_empty_string, mutate_negative, mutate_zero,
    mutate_big_int, mutate_small_int, mutate_huge_double, mutate_fraction, mutate_bool,
    mutate_empty_array, mutate_empty_object, mutate_add_key, mutate_double_array,
  };
  g_autofree char *path = fixture_path (fixture, "sample.celshade");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  guint n_loads = 0, n_strict_ok = 0;

  for (guint seed = 0; seed < 3; seed++)
    {
      g_autofree char *json = sample_project_json (fixture, 4000 + seed);
      g_autoptr(JsonNode) root = json_from_string (json, NULL);
      g_autoptr(GArray) slots = g_array_new (FALSE, FALSE, sizeof (Slot));

      g_assert_nonnull (root);
      collect_nodes (root, NULL, NULL, 0, slots);

      for (guint k = 0; k < slots->len; k++)
        {
          JsonNode *original = g_array_index (slots, Slot, k).node;

          /* Every value swapped for every kind of wrong value. */
          for (guint m = 0; m < G_N_ELEMENTS (mutations); m++)
            {
              JsonNode *copy = json_from_string (json, NULL); /* json_node_copy () is shallow */
              g_autoptr(GArray) copy_slots = g_array_new (FALSE, FALSE, sizeof (Slot));
              g_autofree char *mutated = NULL;
              const Slot *slot;
              JsonNode *replacement;
              int code;

              collect_nodes (copy, NULL, NULL, 0, copy_slots);
              slot = &g_array_index (copy_slots, Slot, k);
              replacement = mutations[m] (slot->node);
              if (replacement != NULL)
                copy = replace_slot (copy, slot, replacement);
              mutated = node_to_data (copy);
              json_node_unref (copy);
              code = load_both_ways (mutated, strlen (mutated), file, NULL);
              n_loads++;
              n_strict_ok += code == -1;

              /* Unknown keys are damage in a file of this version. */
              if (mutations[m] == mutate_add_key && JSON_NODE_HOLDS_OBJECT (original))
                g_assert_cmpint (code, ==, CS_PROJECT_ERROR_INVALID);
            }

          /* Every key removed in turn. */
          if (JSON_NODE_HOLDS_OBJECT (original))
            {
              g_autoptr(GList) members = json_object_get_members (json_node_get_object (original));

              for (GList *l = members; l != NULL; l = l->next)
                {
                  g_autoptr(JsonNode) copy = json_from_string (json, NULL);
                  g_autoptr(GArray) copy_slots = g_array_new (FALSE, FALSE, sizeof (Slot));
                  g_autofree char *mutated = NULL;

                  collect_nodes (copy, NULL, NULL, 0, copy_slots);
                  json_object_remove_member (json_node_get_object (g_array_index (copy_slots, Slot, k).node),
                                             l->data);
                  mutated = node_to_data (copy);
                  load_both_ways (mutated, strlen (mutated), file, NULL);
                  n_loads++;
                }
            }
        }
    }

  g_test_message ("%u damaged variants loaded, %u of them sound", n_loads, n_strict_ok);
  g_assert_cmpuint (n_loads, >, 1000);
}

/* A small sound project as a JSON tree, to damage in known ways. */
typedef struct {
  JsonNode   *root;
  JsonObject *object;
  JsonObject *source;
  JsonArray  *segments;
} Sample;

static void
sample_init (Sample  *sample,
             Fixture *fixture)
{
  g_autoptr(CsProject) project = new_project (fixture, 100);
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;

  g_assert_true (cs_project_split (project, 40, &error));
  g_assert_true (cs_project_set_style (project, 0, fixture->styles[0], &error));
  g_assert_true (cs_project_add_keyframe (project, 20, 0.5, CS_INTERPOLATION_LINEAR, &error));
  g_assert_true (cs_project_set_crossfade (project, 1, 4, &error));
  g_assert_no_error (error);
  json = to_json (project);

  sample->root = json_from_string (json, NULL);
  sample->object = json_node_get_object (sample->root);
  sample->source = first_source (sample->object);
  sample->segments = json_object_get_array_member (sample->object, "segments");
}

static JsonObject *
sample_segment (Sample *sample,
                guint   index)
{
  return json_array_get_object_element (sample->segments, index);
}

static JsonObject *
sample_keyframe (Sample *sample,
                 guint   segment,
                 guint   index)
{
  return json_array_get_object_element (json_object_get_array_member (sample_segment (sample, segment), "degree"),
                                        index);
}

/* Loads the sample; returns the strict error code (-1: loaded) and the
 * recovered project. */
static int
sample_load (Sample     *sample,
             CsProject **recovered)
{
  g_autofree char *data = node_to_data (sample->root);
  int code = load_both_ways (data, strlen (data), NULL, recovered);

  json_node_unref (sample->root);
  return code;
}

static void
test_damaged_specific (Fixture       *fixture,
                       gconstpointer  data)
{
  Sample sample;
  g_autoptr(CsProject) recovered = NULL;

#define EXPECT(code_, recovers_) \
  G_STMT_START { \
    g_clear_object (&recovered); \
    g_assert_cmpint (sample_load (&sample, &recovered), ==, (code_)); \
    g_assert_cmpint (recovered != NULL, ==, (recovers_)); \
  } G_STMT_END

  /* Sound as made. */
  sample_init (&sample, fixture);
  EXPECT (-1, TRUE);

  /* Negative, zero and oversized frame numbers. */
  sample_init (&sample, fixture);
  json_object_set_int_member (sample_segment (&sample, 1), "start", -5);
  EXPECT (CS_PROJECT_ERROR_INVALID, TRUE);
  g_assert_cmpuint (cs_project_get_n_segments (recovered), ==, 1);

  sample_init (&sample, fixture);
  json_object_set_int_member (sample_segment (&sample, 0), "frames", 0);
  EXPECT (CS_PROJECT_ERROR_INVALID, TRUE);
  /* The dropped first segment's frames go to the next one. */
  g_assert_cmpuint (cs_project_get_n_segments (recovered), ==, 1);
  g_assert_null (cs_segment_get_style (cs_project_get_segment (recovered, 0)));

  sample_init (&sample, fixture);
  json_object_set_int_member (sample_segment (&sample, 1), "frames", 1000);
  EXPECT (CS_PROJECT_ERROR_INVALID, TRUE);
  g_assert_cmpint (cs_segment_get_end (cs_project_get_segment (recovered, 1)), ==, 100);

  sample_init (&sample, fixture);
  json_object_set_double_member (sample_segment (&sample, 1), "frames", 1e300);
  EXPECT (CS_PROJECT_ERROR_INVALID, TRUE);

  sample_init (&sample, fixture);
  json_object_set_int_member (sample_segment (&sample, 1), "start", G_MAXINT64);
  EXPECT (CS_PROJECT_ERROR_INVALID, TRUE);

  sample_init (&sample, fixture);
  json_object_set_int_member (sample.source, "frames", -100);
  EXPECT (CS_PROJECT_ERROR_INVALID, FALSE);

  /* Overlapping segments: the later one starts where the earlier ends. */
  sample_init (&sample, fixture);
  json_object_set_int_member (sample_segment (&sample, 1), "start", 30);
  EXPECT (CS_PROJECT_ERROR_INVALID, TRUE);
  g_assert_cmpuint (cs_project_get_n_segments (recovered), ==, 2);
  g_assert_cmpint (cs_segment_get_start (cs_project_get_segment (recovered, 1)), ==, 40);
  g_assert_true (cs_project_get_recovered (recovered));
  g_assert_true (cs_project_get_modified (recovered));

  /* A gap: the segment before it stretches over it. */
  sample_init (&sample, fixture);
  json_object_set_int_member (sample_segment (&sample, 1), "start", 50);
  json_object_set_int_member (sample_segment (&sample, 1), "frames", 50);
  EXPECT (CS_PROJECT_ERROR_INVALID, TRUE);
  g_assert_cmpint (cs_segment_get_end (cs_project_get_segment (recovered, 0)), ==, 50);

  /* Segments out of order are sorted when recovering. */
  sample_init (&sample, fixture);
  {
    JsonNode *first = json_node_copy (json_array_get_element (sample.segments, 0));

    json_array_remove_element (sample.segments, 0);
    json_array_add_element (sample.segments, first);
  }
  EXPECT (CS_PROJECT_ERROR_INVALID, TRUE);
  g_assert_nonnull (cs_segment_get_style (cs_project_get_segment (recovered, 0)));
  g_assert_cmpint (cs_segment_get_end (cs_project_get_segment (recovered, 0)), ==, 40);

  /* No segments at all: recovery starts over with one. */
  sample_init (&sample, fixture);
  json_object_set_array_member (sample.object, "segments", json_array_new ());
  EXPECT (CS_PROJECT_ERROR_INVALID, TRUE);
  g_assert_cmpuint (cs_project_get_n_segments (recovered), ==, 1);

  /* Keyframes out of range, out of order, with bad values. */
  sample_init (&sample, fixture);
  json_object_set_int_member (sample_keyframe (&sample, 0, 1), "frame", 45);
  EXPECT (CS_PROJECT_ERROR_INVALID, TRUE);
  g_assert_cmpuint (cs_segment_get_n_keyframes (cs_project_get_segment (recovered, 0)), ==, 1);

  sample_init (&sample, fixture);
  json_object_set_int_member (sample_keyframe (&sample, 0, 1), "frame", 0);
  EXPECT (CS_PROJECT_ERROR_INVALID, TRUE);
  g_assert_cmpuint (cs_segment_get_n_keyframes (cs_project_get_segment (recovered, 0)), ==, 1);

  sample_init (&sample, fixture);
  json_object_set_double_member (sample_keyframe (&sample, 0, 1), "value", 1.5);
  EXPECT (CS_PROJECT_ERROR_INVALID, TRUE);
  g_assert_cmpfloat (cs_segment_get_keyframe (cs_project_get_segment (recovered, 0), 1)->degree, ==, 1.0);

  sample_init (&sample, fixture);
  json_object_set_int_member (sample_keyframe (&sample, 0, 1), "value", -3);
  EXPECT (CS_PROJECT_ERROR_INVALID, TRUE);

  sample_init (&sample, fixture);
  json_object_set_string_member (sample_keyframe (&sample, 0, 1), "value", "0.5");
  EXPECT (CS_PROJECT_ERROR_INVALID, TRUE);

  sample_init (&sample, fixture);
  json_object_set_string_member (sample_keyframe (&sample, 0, 1), "interpolation", "cubic");
  EXPECT (CS_PROJECT_ERROR_INVALID, TRUE);

  sample_init (&sample, fixture);
  json_object_set_array_member (sample_segment (&sample, 0), "degree", json_array_new ());
  EXPECT (CS_PROJECT_ERROR_INVALID, TRUE);
  g_assert_cmpuint (cs_segment_get_n_keyframes (cs_project_get_segment (recovered, 0)), ==, 1);

  /* Whole numbers are whole: 1.0 is not a frame. */
  sample_init (&sample, fixture);
  json_object_set_double_member (sample_keyframe (&sample, 0, 1), "frame", 20.0);
  EXPECT (CS_PROJECT_ERROR_INVALID, TRUE);

  /* Cross-fades. */
  sample_init (&sample, fixture);
  json_object_set_int_member (sample_segment (&sample, 0), "crossfade", 3);
  EXPECT (CS_PROJECT_ERROR_INVALID, TRUE);
  g_assert_cmpuint (cs_segment_get_crossfade (cs_project_get_segment (recovered, 0)), ==, 0);

  sample_init (&sample, fixture);
  json_object_set_int_member (sample_segment (&sample, 1), "crossfade", -4);
  EXPECT (CS_PROJECT_ERROR_INVALID, TRUE);

  /* Styles. */
  sample_init (&sample, fixture);
  json_object_set_string_member (json_object_get_object_member (sample_segment (&sample, 0), "style"), "id", "");
  EXPECT (CS_PROJECT_ERROR_INVALID, TRUE);
  g_assert_null (cs_segment_get_style (cs_project_get_segment (recovered, 0)));

  sample_init (&sample, fixture);
  json_object_set_string_member (sample_segment (&sample, 0), "style", "mosaic");
  EXPECT (CS_PROJECT_ERROR_INVALID, TRUE);

  sample_init (&sample, fixture);
  json_object_set_null_member (json_object_get_object_member (sample_segment (&sample, 0), "style"), "folder");
  json_object_set_null_member (json_object_get_object_member (sample_segment (&sample, 0), "style"), "folder_absolute");
  EXPECT (CS_PROJECT_ERROR_INVALID, TRUE);

  sample_init (&sample, fixture);
  json_object_set_string_member (json_object_get_object_member (sample_segment (&sample, 0), "style"),
                                 "folder_absolute", "relative/not/absolute");
  EXPECT (CS_PROJECT_ERROR_INVALID, TRUE);

  /* Unknown keys anywhere. */
  sample_init (&sample, fixture);
  json_object_set_int_member (sample.object, "colour", 3);
  EXPECT (CS_PROJECT_ERROR_INVALID, TRUE);
  g_assert_error ((GError *) g_ptr_array_index (cs_project_get_warnings (recovered), 0),
                  CS_PROJECT_ERROR, CS_PROJECT_ERROR_REPAIRED);
  g_assert_nonnull (strstr (((GError *) g_ptr_array_index (cs_project_get_warnings (recovered), 0))->message,
                            "colour"));

  sample_init (&sample, fixture);
  json_object_set_int_member (sample_keyframe (&sample, 1, 0), "tension", 3);
  EXPECT (CS_PROJECT_ERROR_INVALID, TRUE);

  /* The top level. */
  sample_init (&sample, fixture);
  json_object_set_int_member (sample.object, "version", 2);
  json_object_set_int_member (sample.object, "layers", 2);
  EXPECT (CS_PROJECT_ERROR_NEWER_VERSION, TRUE);
  g_assert_true (cs_project_get_recovered (recovered));
  g_assert_error ((GError *) g_ptr_array_index (cs_project_get_warnings (recovered), 0),
                  CS_PROJECT_ERROR, CS_PROJECT_ERROR_NEWER_VERSION);
  g_assert_cmpuint (cs_project_get_n_segments (recovered), ==, 2);

  sample_init (&sample, fixture);
  json_object_set_int_member (sample.object, "version", 0);
  EXPECT (CS_PROJECT_ERROR_INVALID, TRUE);

  sample_init (&sample, fixture);
  json_object_set_string_member (sample.object, "version", "1");
  EXPECT (CS_PROJECT_ERROR_INVALID, TRUE);

  sample_init (&sample, fixture);
  json_object_set_string_member (sample.object, "format", "celshade-style");
  EXPECT (CS_PROJECT_ERROR_DAMAGED, FALSE);

  sample_init (&sample, fixture);
  json_object_remove_member (sample.object, "format");
  EXPECT (CS_PROJECT_ERROR_DAMAGED, FALSE);

  /* The id names the autosave file: nothing that leaves its folder. */
  sample_init (&sample, fixture);
  json_object_set_string_member (sample.object, "id", "../../../etc/passwd");
  EXPECT (CS_PROJECT_ERROR_INVALID, TRUE);
  g_assert_true (g_uuid_string_is_valid (cs_project_get_id (recovered)));

  /* The source clip. */
  sample_init (&sample, fixture);
  json_object_set_array_member (sample.object, "sources", json_array_new ());
  EXPECT (CS_PROJECT_ERROR_INVALID, FALSE);

  sample_init (&sample, fixture);
  json_array_add_element (json_object_get_array_member (sample.object, "sources"),
                          json_node_copy (json_array_get_element (json_object_get_array_member (sample.object, "sources"), 0)));
  EXPECT (CS_PROJECT_ERROR_INVALID, TRUE);

  sample_init (&sample, fixture);
  json_object_remove_member (sample.source, "frames");
  EXPECT (CS_PROJECT_ERROR_INVALID, FALSE);

  sample_init (&sample, fixture);
  json_object_set_string_member (sample.source, "hash", "md5:1234");
  EXPECT (CS_PROJECT_ERROR_INVALID, TRUE);
  g_assert_cmpint (cs_project_get_source_status (recovered), ==, CS_SOURCE_STATUS_CHANGED);

  sample_init (&sample, fixture);
  json_object_set_int_member (sample.source, "width", 0);
  EXPECT (CS_PROJECT_ERROR_INVALID, TRUE);
  g_assert_cmpint (cs_project_get_source_status (recovered), ==, CS_SOURCE_STATUS_CHANGED);

  sample_init (&sample, fixture);
  json_object_set_array_member (sample.source, "frame_rate", json_array_new ());
  EXPECT (CS_PROJECT_ERROR_INVALID, TRUE);

  sample_init (&sample, fixture);
  json_object_set_null_member (sample.source, "path");
  json_object_set_null_member (sample.source, "path_absolute");
  EXPECT (CS_PROJECT_ERROR_INVALID, FALSE);

#undef EXPECT

  /* Not projects at all, or not text. */
  {
    static const char *garbage[] = {
      "", " ", "null", "[]", "42", "\"celshade\"", "{", "{}", "{\"format\": \"celshade-project\"}",
      "{\"format\": 7}", "\xff\xfe{}", "{\"a\": 99999999999999999999}", "[1e999]",
    };
    g_autoptr(GString) deep = g_string_new (NULL);
    const char with_nul[] = "{\"format\": \"celshade-project\"\0, \"version\": 1}";

    for (guint i = 0; i < G_N_ELEMENTS (garbage); i++)
      g_assert_cmpint (load_both_ways (garbage[i], strlen (garbage[i]), NULL, NULL), !=, -1);
    g_assert_cmpint (load_both_ways (with_nul, sizeof with_nul - 1, NULL, NULL), ==, CS_PROJECT_ERROR_DAMAGED);
    g_assert_cmpint (load_both_ways (NULL, 0, NULL, NULL), ==, CS_PROJECT_ERROR_DAMAGED);

    /* Deep enough to overflow a recursive parser's stack. */
    for (guint i = 0; i < 200000; i++)
      g_string_append_c (deep, '[');
    g_assert_cmpint (load_both_ways (deep->str, deep->len, NULL, NULL), ==, CS_PROJECT_ERROR_DAMAGED);
    g_string_assign (deep, "{\"format\": \"celshade-project\", \"x\": ");
    for (guint i = 0; i < 100; i++)
      g_string_append (deep, "{\"a\": ");
    g_assert_cmpint (load_both_ways (deep->str, deep->len, NULL, NULL), ==, CS_PROJECT_ERROR_DAMAGED);
  }
}

static void
test_recover_backup (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *path = fixture_path (fixture, "damaged.celshade");
  g_autofree char *backup = fixture_path (fixture, "damaged.celshade.bak");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(CsProject) project = NULL;
  g_autoptr(CsProject) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *damaged = NULL;
  g_autofree char *kept = NULL;
  Sample sample;

  sample_init (&sample, fixture);
  json_object_set_int_member (sample_segment (&sample, 1), "start", 30);
  damaged = node_to_data (sample.root);
  json_node_unref (sample.root);
  g_assert_true (g_file_set_contents (path, damaged, -1, NULL));

  project = cs_project_load (file, CS_PROJECT_LOAD_NONE, NULL, &error);
  g_assert_null (project);
  g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "damaged.celshade"));
  g_assert_nonnull (strstr (error->message, "segment 2"));
  g_clear_error (&error);

  project = cs_project_load (file, CS_PROJECT_LOAD_RECOVER, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (cs_project_get_recovered (project));
  g_assert_true (g_file_equal (cs_project_get_file (project), file));

  /* The first save keeps the damaged original beside it. */
  g_assert_true (cs_project_save (project, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (cs_project_get_recovered (project));
  g_assert_true (g_file_get_contents (backup, &kept, NULL, NULL));
  g_assert_cmpstr (kept, ==, damaged);
  again = cs_project_load (file, CS_PROJECT_LOAD_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (cs_timeline_equal (cs_project_get_timeline (again), cs_project_get_timeline (project)));

  /* A second recovery backs up beside the first backup. */
  g_assert_true (g_file_set_contents (path, damaged, -1, NULL));
  g_clear_object (&project);
  project = cs_project_load (file, CS_PROJECT_LOAD_RECOVER, NULL, &error);
  g_assert_true (cs_project_save (project, NULL, NULL, &error));
  g_assert_no_error (error);
  {
    g_autofree char *second = fixture_path (fixture, "damaged.celshade.1.bak");

    g_assert_true (g_file_test (second, G_FILE_TEST_EXISTS));
  }
}

/* Hashing -------------------------------------------------------------------------------------- */

/* The documented definition, written out directly. */
static char *
expected_hash (const guint8 *bytes,
               gsize         size)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  const gsize span = 1024 * 1024;
  guint8 size_le[8];
  gsize head = MIN (size, span);
  gsize tail_start = MAX (head, size > span ? size - span : 0);

  for (guint i = 0; i < 8; i++)
    size_le[i] = (guint8) ((guint64) size >> (8 * i));
  g_checksum_update (checksum, size_le, 8);
  g_checksum_update (checksum, bytes, head);
  g_checksum_update (checksum, bytes + tail_start, size - tail_start);
  return g_strconcat ("sha256-ht1m:", g_checksum_get_string (checksum), NULL);
}

static void
test_hash (Fixture       *fixture,
           gconstpointer  data)
{
  static const gsize sizes[] = { 0, 1, 1000, 1024 * 1024, 1024 * 1024 + 1, 1536 * 1024, 3 * 1024 * 1024 + 7 };
  g_autofree char *path = fixture_path (fixture, "hash.bin");
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree char *contents = NULL;
      g_autofree char *hash = NULL;
      g_autofree char *expected = NULL;
      gsize length;

      write_bytes_file (path, sizes[i], 7 + i);
      g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
      hash = cs_project_hash_file (path, NULL, &error);
      g_assert_no_error (error);
      expected = expected_hash ((const guint8 *) contents, length);
      g_assert_cmpstr (hash, ==, expected);

      if (sizes[i] == 3 * 1024 * 1024 + 7)
        {
          g_autofree char *middle = NULL;
          g_autofree char *head = NULL;
          g_autofree char *longer = NULL;

          /* The middle is not read (documented); the ends and the size are. */
          contents[length / 2] ^= 1;
          g_assert_true (g_file_set_contents (path, contents, (gssize) length, NULL));
          middle = cs_project_hash_file (path, NULL, &error);
          g_assert_cmpstr (middle, ==, hash);
          contents[length - 1] ^= 1;
          g_assert_true (g_file_set_contents (path, contents, (gssize) length, NULL));
          head = cs_project_hash_file (path, NULL, &error);
          g_assert_cmpstr (head, !=, hash);
          g_assert_true (g_file_set_contents (path, contents, (gssize) length - 1, NULL));
          longer = cs_project_hash_file (path, NULL, &error);
          g_assert_cmpstr (longer, !=, head);
          g_assert_no_error (error);
        }
    }

  {
    g_autofree char *missing = fixture_path (fixture, "no-such-clip.mp4");
    char *hash = cs_project_hash_file (missing, NULL, &error);

    g_assert_null (hash);
    g_assert_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_NOT_FOUND);
    g_assert_nonnull (strstr (error->message, "no-such-clip.mp4"));
    g_clear_error (&error);

    hash = cs_project_hash_file (fixture->dir, NULL, &error);
    g_assert_null (hash);
    g_assert_nonnull (error);
    g_assert_true (error->domain == CS_PROJECT_ERROR);
  }
}

/* Autosave and crash recovery ------------------------------------------------------------------ */

static void
test_autosave (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(CsProject) project = new_project (fixture, 240);
  g_autoptr(CsProject) restored = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GFile) autosave_file = NULL;
  g_autofree char *path = fixture_path (fixture, "auto.celshade");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *autosave_path = NULL;
  g_autofree char *state_dir = g_build_filename (g_get_user_state_dir (), "celshade", "autosave", NULL);
  CsAutosaveInfo *info;

  /* Nothing autosaved yet: no folder, no error. */
  found = cs_project_find_autosaves (&error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 0);
  g_clear_pointer (&found, g_ptr_array_unref);

  g_assert_true (cs_project_save (project, file, NULL, &error));
  g_assert_true (cs_project_split (project, 100, &error));
  g_assert_true (cs_project_set_style (project, 1, fixture->styles[1], &error));
  g_assert_true (cs_project_autosave (project, &error));
  g_assert_no_error (error);

  autosave_file = cs_project_get_autosave_file (project);
  autosave_path = g_file_get_path (autosave_file);
  g_assert_true (g_str_has_prefix (autosave_path, state_dir));
  g_assert_true (g_file_test (autosave_path, G_FILE_TEST_IS_REGULAR));

  /* After the crash: the autosave is newer than the file, and opens as the
   * project, modified. */
  found = cs_project_find_autosaves (&error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 1);
  info = g_ptr_array_index (found, 0);
  g_assert_true (g_file_equal (cs_autosave_info_get_project_file (info), file));
  g_assert_cmpstr (cs_autosave_info_get_title (info), ==, "auto.celshade");
  g_assert_cmpint (cs_autosave_info_get_time (info), <=, g_get_real_time ());
  restored = cs_project_load (cs_autosave_info_get_file (info), CS_PROJECT_LOAD_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_equal (cs_project_get_file (restored), file));
  g_assert_true (cs_project_get_modified (restored));
  g_assert_cmpstr (cs_project_get_id (restored), ==, cs_project_get_id (project));
  g_assert_true (cs_timeline_equal (cs_project_get_timeline (restored), cs_project_get_timeline (project)));
  assert_only_expected_warnings (restored);

  /* Saving makes the autosave redundant. */
  g_assert_true (cs_project_save (restored, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (autosave_path, G_FILE_TEST_EXISTS));
  g_clear_pointer (&found, g_ptr_array_unref);
  found = cs_project_find_autosaves (&error);
  g_assert_cmpuint (found->len, ==, 0);
  g_clear_pointer (&found, g_ptr_array_unref);

  /* An autosave older than its project file is stale. */
  g_assert_true (cs_project_autosave (project, &error));
  g_usleep (20000);
  {
    g_autofree char *contents = NULL;

    g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
    g_assert_true (g_file_set_contents (path, contents, -1, NULL));
  }
  found = cs_project_find_autosaves (&error);
  g_assert_cmpuint (found->len, ==, 0);
  g_clear_pointer (&found, g_ptr_array_unref);
  cs_project_discard_autosave (project);
  g_assert_false (g_file_test (autosave_path, G_FILE_TEST_EXISTS));

  /* An untitled project's autosave, and a damaged one beside it. */
  {
    g_autoptr(CsProject) untitled = new_project (fixture, 240);
    g_autoptr(CsProject) reopened = NULL;
    g_autofree char *junk = g_build_filename (state_dir, "junk.celshade", NULL);

    g_assert_true (g_file_set_contents (junk, "{\"autosave\": [", -1, NULL));
    g_assert_true (cs_project_add_keyframe (untitled, 3, 0.5, CS_INTERPOLATION_LINEAR, &error));
    g_assert_true (cs_project_autosave (untitled, &error));
    g_assert_no_error (error);
    found = cs_project_find_autosaves (&error);
    g_assert_no_error (error);
    g_assert_cmpuint (found->len, ==, 1);
    info = g_ptr_array_index (found, 0);
    g_assert_null (cs_autosave_info_get_project_file (info));
    g_assert_cmpstr (cs_autosave_info_get_title (info), ==, "Unsaved project of “clip.mp4”");
    reopened = cs_project_load (cs_autosave_info_get_file (info), CS_PROJECT_LOAD_NONE, NULL, &error);
    g_assert_no_error (error);
    g_assert_null (cs_project_get_file (reopened));
    g_assert_true (cs_project_get_modified (reopened));
    g_assert_cmpint (cs_project_get_source_status (reopened), ==, CS_SOURCE_STATUS_OK);
    g_assert_true (cs_timeline_equal (cs_project_get_timeline (reopened), cs_project_get_timeline (untitled)));

    g_assert_true (cs_autosave_info_discard (info, &error));
    g_assert_true (cs_autosave_info_discard (info, &error));
    g_assert_no_error (error);
    g_clear_pointer (&found, g_ptr_array_unref);
    found = cs_project_find_autosaves (&error);
    g_assert_cmpuint (found->len, ==, 0);
  }
}

static gboolean
quit_loop (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
run_loop_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, quit_loop, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_autosave_source (Fixture       *fixture,
                      gconstpointer  data)
{
  CsProject *project = new_project (fixture, 240);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = fixture_path (fixture, "source.celshade");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) autosave_file = cs_project_get_autosave_file (project);
  g_autofree char *autosave_path = g_file_get_path (autosave_file);
  GSource *source;

  g_assert_true (cs_project_save (project, file, NULL, &error));
  source = cs_project_autosave_source_new (project, 10);
  g_source_attach (source, NULL);

  /* Unmodified: nothing written. */
  run_loop_for (50);
  g_assert_false (g_file_test (autosave_path, G_FILE_TEST_EXISTS));

  g_assert_true (cs_project_split (project, 50, &error));
  run_loop_for (50);
  g_assert_true (g_file_test (autosave_path, G_FILE_TEST_EXISTS));

  /* Undone back to the file: the autosave would only offer stale work. */
  g_assert_true (cs_project_undo (project));
  run_loop_for (50);
  g_assert_false (g_file_test (autosave_path, G_FILE_TEST_EXISTS));

  /* The source ends with the project. */
  g_object_unref (project);
  run_loop_for (50);
  g_assert_true (g_source_is_destroyed (source));
  g_source_unref (source);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *state_dir = g_dir_make_tmp ("test-project-state-XXXXXX", NULL);
  int ret;

  /* Autosaves go to a state folder of the tests' own, set before GLib first
   * reads it. (G_TEST_OPTION_ISOLATE_DIRS would do it per test, but leaks
   * what it sets, which a leak checker then reports.) */
  g_assert_nonnull (state_dir);
  g_setenv ("XDG_STATE_HOME", state_dir, TRUE);
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/project/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("new", test_new);
  ADD ("source-clip-arguments", test_source_clip_arguments);
  ADD ("edits/split-join", test_split_join);
  ADD ("edits/move-boundary", test_move_boundary);
  ADD ("edits/style-crossfade", test_style_crossfade);
  ADD ("edits/keyframes", test_keyframes);
  ADD ("edits/stability", test_stability);
  ADD ("damaged/stability", test_stability_damaged);
  ADD ("edits/reference-face", test_reference_face);
  ADD ("damaged/reference-face", test_reference_face_damaged);
  ADD ("undo/signals", test_undo_signals);
  ADD ("query/boundaries-and-keyframes", test_query);
  g_test_add_func ("/project/query/interpolation", test_interpolation);
  ADD ("property/undo-redo", test_property_undo_redo);
  ADD ("property/round-trip", test_property_round_trip);
  ADD ("property/query", test_property_query);
  ADD ("files/paths", test_paths);
  ADD ("files/save-atomic", test_save_atomic);
  ADD ("files/load-errors", test_load_errors);
  ADD ("files/recover-backup", test_recover_backup);
  ADD ("damaged/truncated", test_damaged_truncated);
  ADD ("damaged/mutations", test_damaged_mutations);
  ADD ("damaged/specific", test_damaged_specific);
  ADD ("hash", test_hash);
  ADD ("autosave/recovery", test_autosave);
  ADD ("autosave/source", test_autosave_source);

#undef ADD

  ret = g_test_run ();
  cs_test_remove_tree (state_dir);
  return ret;
}
