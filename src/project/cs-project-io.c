/* cs-project-io.c: the .celshade file format, saving, loading and autosave
 *
 * A project file is JSON:
 *
 *   { "format": "celshade-project", "version": 1, "id": "…", "generator": "…",
 *     "sources": [ { "path": "clips/a.mp4", "path_absolute": "/home/…/a.mp4",
 *                    "frames": 240, "frame_rate": [ 30000, 1001 ],
 *                    "width": 1920, "height": 1080,
 *                    "hash": "sha256-ht1m:…" } ],
 *     "segments": [ { "start": 0, "frames": 120, "crossfade": 0, "stability": 0.5,
 *                     "reference": 2, "face": [ x, y, width, height ],
 *                     "style": { "id": "…", "name": "…", "folder": "…",
 *                                "folder_absolute": "/…" } or null,
 *                     "degree": [ { "frame": 0, "value": 1.0,
 *                                   "interpolation": "linear" } ] } ],
 *     "autosave": { "project": "/…/a.celshade" or null, "time": µs } }
 *
 * Relative paths are relative to the project file's folder and are tried
 * first, so a project moved together with its media still finds it; the
 * absolute ones are the fallback. "autosave" appears only in autosaves.
 * "sources" is a list so that a later version can hold several clips.
 * "stability" (0 to 1) came after version 1's first files: a segment without
 * it has CS_SEGMENT_DEFAULT_STABILITY. "reference" (a VToonify-D style code,
 * default 0) and "face" (the face rectangle in clip pixels, default the
 * centred square) came later still and are written only when not default.
 *
 * Reading never trusts the file: every node's type is checked before use,
 * and the raw text is scanned first so that nesting or numbers that would
 * trouble the JSON parser are refused before it sees them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "cs-project-private.h"

#define FORMAT_NAME "celshade-project"

/* Far beyond any real project (a segment is a few hundred bytes), and small
 * enough to read at once. */
#define MAX_FILE_SIZE (64 * 1024 * 1024)
/* The format nests five deep; the margin is for newer versions. */
#define MAX_NESTING 64
/* Recovery lists at most this many repairs one by one. */
#define MAX_REPAIRS_LISTED 20
/* Style ids and names are short; a longer one is damage. */
#define MAX_STYLE_STRING 1024

#define HASH_SPAN (1024 * 1024)

/* Paths ------------------------------------------------------------------------------ */

/* @path relative to the folder @base_dir, both absolute; ".." steps are
 * used so that a clip beside the project's folder is still relative. */
static char *
relative_path (const char *base_dir,
               const char *path)
{
  g_autofree char *canonical_base = g_canonicalize_filename (base_dir, NULL);
  g_autofree char *canonical_path = g_canonicalize_filename (path, NULL);
  g_auto(GStrv) base_parts = g_strsplit (canonical_base, G_DIR_SEPARATOR_S, -1);
  g_auto(GStrv) path_parts = g_strsplit (canonical_path, G_DIR_SEPARATOR_S, -1);
  g_autoptr(GString) result = g_string_new (NULL);
  guint common = 0;

  /* Both start with an empty part for the root; "/" splits into two. */
  while (base_parts[common] != NULL && path_parts[common] != NULL &&
         g_str_equal (base_parts[common], path_parts[common]))
    common++;

  for (guint i = common; base_parts[i] != NULL; i++)
    if (*base_parts[i] != '\0')
      g_string_append (result, ".." G_DIR_SEPARATOR_S);
  for (guint i = common; path_parts[i] != NULL; i++)
    if (*path_parts[i] != '\0')
      {
        g_string_append (result, path_parts[i]);
        g_string_append_c (result, G_DIR_SEPARATOR);
      }

  if (result->len == 0)
    return g_strdup (".");
  g_string_truncate (result, result->len - 1);
  return g_string_free (g_steal_pointer (&result), FALSE);
}

/* Where to look for a file the project names: the relative path against
 * @base_dir first, then the absolute one. Returns the path found, or when
 * neither exists the absolute path (or else the relative one) with @found
 * FALSE. */
static char *
resolve_path (const char *base_dir,
              const char *relative,
              const char *absolute,
              gboolean   *found)
{
  g_autofree char *from_relative = NULL;

  if (relative != NULL && base_dir != NULL)
    {
      from_relative = g_canonicalize_filename (relative, base_dir);
      if (g_file_test (from_relative, G_FILE_TEST_EXISTS))
        {
          *found = TRUE;
          return g_steal_pointer (&from_relative);
        }
    }

  if (absolute != NULL)
    {
      *found = g_file_test (absolute, G_FILE_TEST_EXISTS);
      return g_canonicalize_filename (absolute, NULL);
    }

  *found = FALSE;
  if (from_relative != NULL)
    return g_steal_pointer (&from_relative);
  /* A relative path and no project folder: the current folder is all there is. */
  return g_canonicalize_filename (relative, NULL);
}

static char *
file_dir (GFile *file)
{
  g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

  return path != NULL ? g_path_get_dirname (path) : NULL;
}

static char *
display_name (GFile *file)
{
  if (file == NULL)
    return g_strdup (_("The project"));
  return g_file_get_basename (file);
}

gboolean
cs_project_is_valid_id (const char *id)
{
  gsize len;

  if (id == NULL)
    return FALSE;

  len = strlen (id);
  if (len < 1 || len > 64)
    return FALSE;

  /* The id names the autosave file, so nothing that could leave the folder. */
  for (const char *p = id; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;

  return TRUE;
}

/* Hashing ---------------------------------------------------------------------------- */

static void
set_io_error (GError     **error,
              GError      *io_error,
              const char  *format,
              ...) G_GNUC_PRINTF (3, 4);

static void
set_io_error (GError     **error,
              GError      *io_error,
              const char  *format,
              ...)
{
  g_autofree char *what = NULL;
  CsProjectError code = CS_PROJECT_ERROR_FAILED;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);

  if (g_error_matches (io_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    code = CS_PROJECT_ERROR_NOT_FOUND;
  else if (g_error_matches (io_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    code = CS_PROJECT_ERROR_CANCELLED;

  /* Translators: the first %s says what failed, the second why. */
  g_set_error (error, CS_PROJECT_ERROR, code, _("%s: %s"), what, io_error->message);
}

static gboolean
read_exactly (GInputStream  *stream,
              guint8        *buffer,
              gsize          size,
              const char    *path,
              GCancellable  *cancellable,
              GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  gsize got = 0;

  if (!g_input_stream_read_all (stream, buffer, size, &got, cancellable, &local_error))
    {
      set_io_error (error, local_error, _("Could not read “%s”"), path);
      return FALSE;
    }
  if (got != size)
    {
      g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_FAILED,
                   _("Could not read “%s”: it became shorter while being read"), path);
      return FALSE;
    }

  return TRUE;
}

char *
cs_project_hash_file (const char    *path,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GChecksum) checksum = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree guint8 *buffer = NULL;
  guint8 size_bytes[8];
  guint64 size;
  gsize head, tail_start;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  file = g_file_new_for_path (path);
  stream = g_file_read (file, cancellable, &local_error);
  if (stream == NULL)
    {
      set_io_error (error, local_error, _("Could not open “%s”"), path);
      return NULL;
    }

  info = g_file_input_stream_query_info (stream, G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                         cancellable, &local_error);
  if (info == NULL)
    {
      set_io_error (error, local_error, _("Could not read “%s”"), path);
      return NULL;
    }
  size = (guint64) g_file_info_get_size (info);

  checksum = g_checksum_new (G_CHECKSUM_SHA256);
  for (guint i = 0; i < 8; i++)
    size_bytes[i] = (guint8) (size >> (8 * i));
  g_checksum_update (checksum, size_bytes, sizeof size_bytes);

  buffer = g_malloc (HASH_SPAN);

  head = (gsize) MIN (size, (guint64) HASH_SPAN);
  if (!read_exactly (G_INPUT_STREAM (stream), buffer, head, path, cancellable, error))
    return NULL;
  g_checksum_update (checksum, buffer, head);

  /* The tail starts after the head, so a short file counts each byte once. */
  tail_start = (gsize) MAX ((guint64) head, size > HASH_SPAN ? size - HASH_SPAN : 0);
  if (tail_start < size)
    {
      if (!g_seekable_seek (G_SEEKABLE (stream), (goffset) tail_start, G_SEEK_SET,
                            cancellable, &local_error))
        {
          set_io_error (error, local_error, _("Could not read “%s”"), path);
          return NULL;
        }
      if (!read_exactly (G_INPUT_STREAM (stream), buffer, size - tail_start, path,
                         cancellable, error))
        return NULL;
      g_checksum_update (checksum, buffer, size - tail_start);
    }

  return g_strconcat (CS_PROJECT_HASH_PREFIX, g_checksum_get_string (checksum), NULL);
}

/* Looks for the clip at @path and compares its hash; sets @error with a
 * message for the user unless it is OK. */
static CsSourceStatus
look_at_source (const char    *path,
                gboolean       found,
                const char    *alternative,
                const char    *expected_hash,
                GCancellable  *cancellable,
                GError       **error)
{
  g_autofree char *name = g_path_get_basename (path);
  g_autofree char *hash = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!found)
    {
      if (alternative != NULL && g_strcmp0 (alternative, path) != 0)
        g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_MISSING_MEDIA,
                     _("The clip “%s” is neither at “%s” nor at “%s”. Find it to relink "
                       "the project; the edit is kept meanwhile."),
                     name, alternative, path);
      else
        g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_MISSING_MEDIA,
                     _("The clip “%s” is not at “%s”. Find it to relink the project; the "
                       "edit is kept meanwhile."),
                     name, path);
      return CS_SOURCE_STATUS_MISSING;
    }

  hash = cs_project_hash_file (path, cancellable, &local_error);
  if (hash == NULL)
    {
      if (g_error_matches (local_error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return CS_SOURCE_STATUS_UNREADABLE;
        }
      g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_MISSING_MEDIA,
                   _("The clip “%s” is there but cannot be read (%s). Check its "
                     "permissions, or relink the project to a copy."),
                   name, local_error->message);
      return CS_SOURCE_STATUS_UNREADABLE;
    }

  if (g_strcmp0 (hash, expected_hash) != 0)
    {
      g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_SOURCE_CHANGED,
                   _("The clip “%s” has changed since the project was made for it. Check "
                     "that it is the right clip, or relink the project to the right one."),
                   path);
      return CS_SOURCE_STATUS_CHANGED;
    }

  return CS_SOURCE_STATUS_OK;
}

CsSourceStatus
cs_project_check_source (CsProject     *self,
                         GCancellable  *cancellable,
                         GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  CsSourceClip *source;
  CsSourceStatus status;

  g_return_val_if_fail (CS_IS_PROJECT (self), CS_SOURCE_STATUS_MISSING);
  g_return_val_if_fail (error == NULL || *error == NULL, CS_SOURCE_STATUS_MISSING);

  source = cs_project_get_source (self);
  status = look_at_source (cs_source_clip_get_path (source),
                           g_file_test (cs_source_clip_get_path (source), G_FILE_TEST_EXISTS),
                           NULL, cs_source_clip_get_hash (source), cancellable, &local_error);

  if (!g_error_matches (local_error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_CANCELLED))
    cs_project_set_source_status_internal (self, status);
  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));

  return status;
}

/* Writing ------------------------------------------------------------------------------- */

static const char *
interpolation_name (CsInterpolation interpolation)
{
  switch (interpolation)
    {
    case CS_INTERPOLATION_LINEAR:
      return "linear";
    case CS_INTERPOLATION_EASE_IN_OUT:
      return "ease-in-out";
    case CS_INTERPOLATION_CONSTANT:
    default:
      return "constant";
    }
}

static gboolean
interpolation_from_name (const char      *name,
                         CsInterpolation *out)
{
  static const CsInterpolation all[] = {
    CS_INTERPOLATION_CONSTANT, CS_INTERPOLATION_LINEAR, CS_INTERPOLATION_EASE_IN_OUT,
  };

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    if (g_strcmp0 (name, interpolation_name (all[i])) == 0)
      {
        *out = all[i];
        return TRUE;
      }

  return FALSE;
}

static void
add_path_pair (JsonBuilder *builder,
               const char  *relative_key,
               const char  *absolute_key,
               const char  *base_dir,
               const char  *path)
{
  json_builder_set_member_name (builder, relative_key);
  if (base_dir != NULL)
    {
      g_autofree char *relative = relative_path (base_dir, path);

      json_builder_add_string_value (builder, relative);
    }
  else
    json_builder_add_null_value (builder);

  json_builder_set_member_name (builder, absolute_key);
  json_builder_add_string_value (builder, path);
}

static void
add_segment (JsonBuilder *builder,
             CsSegment   *segment,
             const char  *base_dir)
{
  CsStyleRef *style = cs_segment_get_style (segment);
  CsFaceRect face;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "start");
  json_builder_add_int_value (builder, cs_segment_get_start (segment));
  json_builder_set_member_name (builder, "frames");
  json_builder_add_int_value (builder, cs_segment_get_n_frames (segment));
  json_builder_set_member_name (builder, "crossfade");
  json_builder_add_int_value (builder, cs_segment_get_crossfade (segment));
  json_builder_set_member_name (builder, "stability");
  json_builder_add_double_value (builder, cs_segment_get_stability (segment));
  /* Both only when set, so that files without VToonify-D segments read as
   * before in older versions. */
  if (cs_segment_get_reference (segment) != 0)
    {
      json_builder_set_member_name (builder, "reference");
      json_builder_add_int_value (builder, cs_segment_get_reference (segment));
    }
  if (cs_segment_get_face (segment, &face))
    {
      json_builder_set_member_name (builder, "face");
      json_builder_begin_array (builder);
      json_builder_add_int_value (builder, face.x);
      json_builder_add_int_value (builder, face.y);
      json_builder_add_int_value (builder, face.width);
      json_builder_add_int_value (builder, face.height);
      json_builder_end_array (builder);
    }

  json_builder_set_member_name (builder, "style");
  if (style != NULL)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, cs_style_ref_get_id (style));
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, cs_style_ref_get_name (style));
      add_path_pair (builder, "folder", "folder_absolute", base_dir,
                     cs_style_ref_get_folder (style));
      json_builder_end_object (builder);
    }
  else
    json_builder_add_null_value (builder);

  json_builder_set_member_name (builder, "degree");
  json_builder_begin_array (builder);
  for (guint i = 0; i < cs_segment_get_n_keyframes (segment); i++)
    {
      const CsKeyframe *keyframe = cs_segment_get_keyframe (segment, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "frame");
      json_builder_add_int_value (builder, keyframe->frame);
      json_builder_set_member_name (builder, "value");
      json_builder_add_double_value (builder, keyframe->degree);
      json_builder_set_member_name (builder, "interpolation");
      json_builder_add_string_value (builder, interpolation_name (keyframe->interpolation));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_end_object (builder);
}

/* The document as JSON text; @autosave_time > 0 makes it an autosave of
 * @autosave_of (NULL: an untitled project). */
static char *
serialize (CsProject  *self,
           const char *base_dir,
           gint64      autosave_time,
           const char *autosave_of,
           gsize      *length)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  CsSourceClip *source = cs_project_get_source (self);
  CsTimeline *timeline = cs_project_get_timeline (self);
  int rate_num, rate_den;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "format");
  json_builder_add_string_value (builder, FORMAT_NAME);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, CS_PROJECT_FORMAT_VERSION);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, cs_project_get_id (self));
  json_builder_set_member_name (builder, "generator");
  json_builder_add_string_value (builder, "Celshade " CS_VERSION);

  json_builder_set_member_name (builder, "sources");
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  add_path_pair (builder, "path", "path_absolute", base_dir, cs_source_clip_get_path (source));
  json_builder_set_member_name (builder, "frames");
  json_builder_add_int_value (builder, cs_source_clip_get_n_frames (source));
  cs_source_clip_get_frame_rate (source, &rate_num, &rate_den);
  json_builder_set_member_name (builder, "frame_rate");
  json_builder_begin_array (builder);
  json_builder_add_int_value (builder, rate_num);
  json_builder_add_int_value (builder, rate_den);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "width");
  json_builder_add_int_value (builder, cs_source_clip_get_width (source));
  json_builder_set_member_name (builder, "height");
  json_builder_add_int_value (builder, cs_source_clip_get_height (source));
  json_builder_set_member_name (builder, "hash");
  json_builder_add_string_value (builder, cs_source_clip_get_hash (source));
  json_builder_end_object (builder);
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "segments");
  json_builder_begin_array (builder);
  for (guint i = 0; i < cs_timeline_get_n_segments (timeline); i++)
    add_segment (builder, cs_timeline_get_segment (timeline, i), base_dir);
  json_builder_end_array (builder);

  if (autosave_time > 0)
    {
      json_builder_set_member_name (builder, "autosave");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "project");
      if (autosave_of != NULL)
        json_builder_add_string_value (builder, autosave_of);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "time");
      json_builder_add_int_value (builder, autosave_time);
      json_builder_end_object (builder);
    }

  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);

  return json_generator_to_data (generator, length);
}

char *
cs_project_to_data (CsProject *self,
                    gsize     *length)
{
  g_autofree char *base_dir = NULL;

  g_return_val_if_fail (CS_IS_PROJECT (self), NULL);

  base_dir = file_dir (cs_project_get_file (self));
  return serialize (self, base_dir, 0, NULL, length);
}

/* Reading: checks -------------------------------------------------------------------- */

typedef enum {
  READ_OK,
  READ_BAD,      /* recovering: noted, the caller repairs */
  READ_FAILED,   /* not recovering: @error is set */
} ReadResult;

typedef struct {
  const char  *file_name;
  gboolean     recover;
  GPtrArray   *repairs;
  guint        n_repairs;
  GError     **error;
} Reader;

static ReadResult
problem (Reader     *reader,
         const char *where,
         const char *format,
         ...) G_GNUC_PRINTF (3, 4);

/* Something is wrong at @where: recovering, it is noted and reading goes on;
 * otherwise it fails the load. */
static ReadResult
problem (Reader     *reader,
         const char *where,
         const char *format,
         ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);

  if (reader->recover)
    {
      reader->n_repairs++;
      if (reader->repairs->len < MAX_REPAIRS_LISTED)
        g_ptr_array_add (reader->repairs,
                         where != NULL ? g_strdup_printf ("%s: %s", where, what)
                                       : g_steal_pointer (&what));
      return READ_BAD;
    }

  /* Translators: the first %s is the file's name, the second names the
   * place in the file, the third the problem there. */
  g_set_error (reader->error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID,
               _("“%s” is damaged (%s: %s). Opening it in recovery mode keeps what can "
                 "be read."),
               reader->file_name, where != NULL ? where : _("top level"), what);
  return READ_FAILED;
}

static const char *
describe_node (JsonNode *node)
{
  if (node == NULL)
    return _("missing");
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_NULL:
      return _("null");
    case JSON_NODE_ARRAY:
      return _("a list");
    case JSON_NODE_OBJECT:
      return _("an object");
    case JSON_NODE_VALUE:
    default:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_STRING:
          return _("a string");
        case G_TYPE_INT64:
          return _("a whole number");
        case G_TYPE_DOUBLE:
          return _("a fraction");
        case G_TYPE_BOOLEAN:
          return _("true or false");
        default:
          return _("of an unknown kind");
        }
    }
}

static JsonNode *
member (JsonObject *object,
        const char *key)
{
  return json_object_has_member (object, key) ? json_object_get_member (object, key) : NULL;
}

static gboolean
node_is_value_of (JsonNode *node,
                  GType     type)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

static ReadResult
check_keys (Reader            *reader,
            JsonObject        *object,
            const char        *where,
            const char * const *known)
{
  g_autoptr(GList) names = json_object_get_members (object);

  for (GList *l = names; l != NULL; l = l->next)
    if (!g_strv_contains (known, l->data))
      {
        ReadResult result = problem (reader, where, _("unknown key “%s”"), (const char *) l->data);

        if (result == READ_FAILED)
          return result;
      }

  return READ_OK;
}

static ReadResult
read_int (Reader     *reader,
          JsonObject *object,
          const char *key,
          const char *where,
          gint64      min,
          gint64      max,
          gint64     *out)
{
  JsonNode *node = member (object, key);
  gint64 value;

  if (!node_is_value_of (node, G_TYPE_INT64))
    return problem (reader, where, _("“%s” should be a whole number, but it is %s"),
                    key, describe_node (node));

  value = json_node_get_int (node);
  if (value < min || value > max)
    return problem (reader, where,
                    _("“%s” is %" G_GINT64_FORMAT "; it should be from %" G_GINT64_FORMAT
                      " to %" G_GINT64_FORMAT),
                    key, value, min, max);

  *out = value;
  return READ_OK;
}

/* A string, or NULL when @nullable and the member is null or missing. */
static ReadResult
read_string (Reader      *reader,
             JsonObject  *object,
             const char  *key,
             const char  *where,
             gboolean     nullable,
             const char **out)
{
  JsonNode *node = member (object, key);

  if (nullable && (node == NULL || JSON_NODE_HOLDS_NULL (node)))
    {
      *out = NULL;
      return READ_OK;
    }
  if (!node_is_value_of (node, G_TYPE_STRING))
    return problem (reader, where, _("“%s” should be a string, but it is %s"),
                    key, describe_node (node));

  *out = json_node_get_string (node);
  return READ_OK;
}

/* Reading: the source clip ------------------------------------------------------------- */

typedef struct {
  char          *base_dir;
  GHashTable    *styles;         /* resolved key → CsStyleRef, shared by segments */
  GHashTable    *missing_styles; /* style ids already warned about */
  GPtrArray     *warnings;       /* GError */
  int            width;          /* the clip's frame, for face rectangles */
  int            height;
} LoadContext;

static void
load_context_clear (LoadContext *context)
{
  g_free (context->base_dir);
  g_clear_pointer (&context->styles, g_hash_table_unref);
  g_clear_pointer (&context->missing_styles, g_hash_table_unref);
  g_clear_pointer (&context->warnings, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (LoadContext, load_context_clear)

/* Reads the path pair @relative_key / @absolute_key: at least one must be
 * there, the absolute one must be absolute. */
static ReadResult
read_path_pair (Reader      *reader,
                JsonObject  *object,
                const char  *relative_key,
                const char  *absolute_key,
                const char  *where,
                const char **relative,
                const char **absolute)
{
  ReadResult result;

  *relative = *absolute = NULL;

  if ((result = read_string (reader, object, relative_key, where, TRUE, relative)) != READ_OK)
    return result;
  if (*relative != NULL && (*relative[0] == '\0' || g_path_is_absolute (*relative)))
    {
      *relative = NULL;
      if ((result = problem (reader, where, _("“%s” should be a relative path"),
                             relative_key)) != READ_OK)
        return result;
    }

  if ((result = read_string (reader, object, absolute_key, where, TRUE, absolute)) != READ_OK)
    return result;
  if (*absolute != NULL && !g_path_is_absolute (*absolute))
    {
      *absolute = NULL;
      if ((result = problem (reader, where, _("“%s” should be an absolute path"),
                             absolute_key)) != READ_OK)
        return result;
    }

  if (*relative == NULL && *absolute == NULL)
    return problem (reader, where, _("neither “%s” nor “%s” gives a path"),
                    relative_key, absolute_key);

  return READ_OK;
}

/* A source that cannot be read is fatal even when recovering: without the
 * clip's frame count there is nothing to lay segments on. Its other fields
 * are repaired, and the clip then counts as changed so that the user
 * relinks it, which probes the real values again. */
static CsSourceClip *
read_source (Reader        *reader,
             LoadContext   *context,
             JsonObject    *root,
             gboolean      *repaired,
             GCancellable  *cancellable)
{
  static const char * const known[] = {
    "path", "path_absolute", "frames", "frame_rate", "width", "height", "hash", NULL,
  };
  const char *where = _("source clip");
  g_autoptr(GError) status_error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *from_relative = NULL;
  const char *relative, *absolute, *hash;
  JsonNode *node;
  JsonArray *sources, *rate;
  JsonObject *object;
  gint64 n_frames, rate_num = 30, rate_den = 1, width = 1, height = 1;
  gboolean found;
  ReadResult result;

  *repaired = FALSE;

  node = member (root, "sources");
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node) ||
      json_array_get_length (sources = json_node_get_array (node)) == 0)
    {
      g_set_error (reader->error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID,
                   _("“%s” is damaged: it does not say which clip it styles"),
                   reader->file_name);
      return NULL;
    }
  if (json_array_get_length (sources) > 1 &&
      problem (reader, NULL, _("the project uses %u clips; this version of Celshade "
                               "handles one and keeps the first"),
               json_array_get_length (sources)) == READ_FAILED)
    return NULL;

  node = json_array_get_element (sources, 0);
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (reader->error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID,
                   _("“%s” is damaged: the description of its clip is %s"),
                   reader->file_name, describe_node (node));
      return NULL;
    }
  object = json_node_get_object (node);

  if (check_keys (reader, object, where, known) == READ_FAILED)
    return NULL;

  result = read_path_pair (reader, object, "path", "path_absolute", where, &relative, &absolute);
  if (result == READ_FAILED)
    return NULL;
  if (relative == NULL && absolute == NULL)
    {
      /* read_path_pair() already noted it when recovering. */
      g_set_error (reader->error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID,
                   _("“%s” is damaged: the path of its clip is lost"), reader->file_name);
      return NULL;
    }

  if (read_int (reader, object, "frames", where, 1, CS_PROJECT_MAX_FRAMES, &n_frames) != READ_OK)
    {
      if (reader->recover)
        g_set_error (reader->error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID,
                     _("“%s” is damaged: the frame count of its clip is lost"),
                     reader->file_name);
      return NULL;
    }

  node = member (object, "frame_rate");
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node) &&
      json_array_get_length (rate = json_node_get_array (node)) == 2 &&
      node_is_value_of (json_array_get_element (rate, 0), G_TYPE_INT64) &&
      node_is_value_of (json_array_get_element (rate, 1), G_TYPE_INT64) &&
      json_array_get_int_element (rate, 0) >= 1 && json_array_get_int_element (rate, 0) <= G_MAXINT32 &&
      json_array_get_int_element (rate, 1) >= 1 && json_array_get_int_element (rate, 1) <= G_MAXINT32)
    {
      rate_num = json_array_get_int_element (rate, 0);
      rate_den = json_array_get_int_element (rate, 1);
    }
  else if (problem (reader, where, _("“frame_rate” should be two whole numbers of at least 1")) ==
           READ_FAILED)
    return NULL;
  else
    *repaired = TRUE;

  result = read_int (reader, object, "width", where, 1, CS_PROJECT_MAX_SIZE, &width);
  if (result == READ_FAILED)
    return NULL;
  *repaired |= result == READ_BAD;
  result = read_int (reader, object, "height", where, 1, CS_PROJECT_MAX_SIZE, &height);
  if (result == READ_FAILED)
    return NULL;
  *repaired |= result == READ_BAD;

  result = read_string (reader, object, "hash", where, FALSE, &hash);
  if (result == READ_OK && !cs_project_hash_is_valid (hash))
    result = problem (reader, where, _("“hash” is not a content hash this version makes"));
  if (result == READ_FAILED)
    return NULL;
  if (result == READ_BAD)
    {
      /* No clip hashes to this, so the clip will show as changed. */
      hash = CS_PROJECT_HASH_PREFIX "0000000000000000000000000000000000000000000000000000000000000000";
      *repaired = TRUE;
    }

  if (relative != NULL && context->base_dir != NULL)
    from_relative = g_canonicalize_filename (relative, context->base_dir);
  path = resolve_path (context->base_dir, relative, absolute, &found);
  look_at_source (path, found, from_relative, hash, cancellable, &status_error);
  if (g_error_matches (status_error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_CANCELLED))
    {
      g_propagate_error (reader->error, g_steal_pointer (&status_error));
      return NULL;
    }
  if (status_error != NULL)
    g_ptr_array_add (context->warnings, g_steal_pointer (&status_error));

  return cs_source_clip_new (path, n_frames, (int) rate_num, (int) rate_den,
                             (int) width, (int) height, hash, reader->error);
}

/* Reading: segments ----------------------------------------------------------------------- */

typedef struct {
  gint64      start;
  gint64      end;
  CsStyleRef *style;
  guint       crossfade;
  double      stability;
  guint       reference;
  gboolean    has_face;
  CsFaceRect  face;
  GArray     *keyframes;
} RawSegment;

static void
raw_segment_free (RawSegment *raw)
{
  g_clear_pointer (&raw->style, cs_style_ref_unref);
  g_clear_pointer (&raw->keyframes, g_array_unref);
  g_free (raw);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RawSegment, raw_segment_free)

static ReadResult
read_style (Reader       *reader,
            LoadContext  *context,
            JsonObject   *segment_object,
            const char   *where,
            CsStyleRef  **out)
{
  static const char * const known[] = { "id", "name", "folder", "folder_absolute", NULL };
  g_autofree char *style_where = g_strdup_printf (_("%s, style"), where);
  g_autofree char *folder = NULL;
  g_autofree char *key = NULL;
  const char *id, *name, *relative, *absolute;
  JsonNode *node = member (segment_object, "style");
  JsonObject *object;
  CsStyleRef *style;
  ReadResult result;
  gboolean found;

  *out = NULL;

  if (node != NULL && JSON_NODE_HOLDS_NULL (node))
    return READ_OK;
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return problem (reader, where, _("“style” should be an object or null, but it is %s"),
                    describe_node (node));
  object = json_node_get_object (node);

  if ((result = check_keys (reader, object, style_where, known)) != READ_OK)
    return result;
  if ((result = read_string (reader, object, "id", style_where, FALSE, &id)) != READ_OK)
    return result;
  if (*id == '\0' || strlen (id) > MAX_STYLE_STRING)
    return problem (reader, style_where, _("“id” should be a short, non-empty string"));
  if ((result = read_string (reader, object, "name", style_where, TRUE, &name)) != READ_OK)
    {
      if (result == READ_FAILED)
        return result;
      name = NULL;
    }
  if (name != NULL && strlen (name) > MAX_STYLE_STRING)
    {
      if ((result = problem (reader, style_where, _("“name” is too long"))) == READ_FAILED)
        return result;
      name = NULL;
    }
  if ((result = read_path_pair (reader, object, "folder", "folder_absolute", style_where,
                                &relative, &absolute)) == READ_FAILED)
    return result;
  if (relative == NULL && absolute == NULL)
    return READ_BAD;

  folder = resolve_path (context->base_dir, relative, absolute, &found);
  if (!found && !g_hash_table_contains (context->missing_styles, id))
    {
      g_hash_table_add (context->missing_styles, g_strdup (id));
      g_ptr_array_add (context->warnings,
                       g_error_new (CS_PROJECT_ERROR, CS_PROJECT_ERROR_MISSING_STYLE,
                                    _("The style “%s” is not in “%s”; it is looked up by its "
                                      "id “%s” instead."),
                                    name != NULL ? name : id, folder, id));
    }

  /* Segments with the same style share one reference. */
  key = g_strjoin ("\n", id, name != NULL ? name : id, folder, NULL);
  style = g_hash_table_lookup (context->styles, key);
  if (style == NULL)
    {
      style = cs_style_ref_new (id, name, folder);
      g_hash_table_insert (context->styles, g_steal_pointer (&key), style);
    }

  *out = cs_style_ref_ref (style);
  return READ_OK;
}

static int
compare_keyframes (gconstpointer a,
                   gconstpointer b)
{
  const CsKeyframe *ka = a, *kb = b;

  return (ka->frame > kb->frame) - (ka->frame < kb->frame);
}

static ReadResult
read_keyframes (Reader     *reader,
                JsonObject *segment_object,
                const char *where,
                RawSegment *raw)
{
  static const char * const known[] = { "frame", "value", "interpolation", NULL };
  JsonNode *node = member (segment_object, "degree");
  JsonArray *array;
  ReadResult result;
  guint n;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return problem (reader, where, _("“degree” should be a list of keyframes, but it is %s"),
                    describe_node (node));
  array = json_node_get_array (node);
  n = json_array_get_length (array);
  if (n == 0 && (result = problem (reader, where, _("“degree” has no keyframe"))) != READ_OK)
    return result;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *key_where = g_strdup_printf (_("%s, keyframe %u"), where, i + 1);
      JsonNode *element = json_array_get_element (array, i);
      JsonObject *object;
      CsKeyframe keyframe;
      const char *name;
      JsonNode *value;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        {
          if (problem (reader, key_where, _("a keyframe should be an object, but it is %s"),
                       describe_node (element)) == READ_FAILED)
            return READ_FAILED;
          continue;
        }
      object = json_node_get_object (element);

      if (check_keys (reader, object, key_where, known) == READ_FAILED)
        return READ_FAILED;

      result = read_int (reader, object, "frame", key_where, raw->start, raw->end - 1,
                         &keyframe.frame);
      if (result == READ_FAILED)
        return result;
      if (result == READ_BAD)
        continue;

      value = member (object, "value");
      if (!node_is_value_of (value, G_TYPE_DOUBLE) && !node_is_value_of (value, G_TYPE_INT64))
        {
          if (problem (reader, key_where, _("“value” should be a number, but it is %s"),
                       describe_node (value)) == READ_FAILED)
            return READ_FAILED;
          continue;
        }
      keyframe.degree = json_node_get_double (value);
      if (!isfinite (keyframe.degree) || keyframe.degree < 0.0 || keyframe.degree > 1.0)
        {
          if (problem (reader, key_where, _("“value” is %g; a degree is from 0 to 1"),
                       keyframe.degree) == READ_FAILED)
            return READ_FAILED;
          keyframe.degree = isfinite (keyframe.degree) ? CLAMP (keyframe.degree, 0.0, 1.0) : 1.0;
        }

      result = read_string (reader, object, "interpolation", key_where, FALSE, &name);
      if (result == READ_OK && !interpolation_from_name (name, &keyframe.interpolation))
        result = problem (reader, key_where,
                          _("“interpolation” is “%s”; it should be “constant”, “linear” or "
                            "“ease-in-out”"), name);
      if (result == READ_FAILED)
        return result;
      if (result == READ_BAD)
        keyframe.interpolation = CS_INTERPOLATION_CONSTANT;

      if (raw->keyframes->len > 0 &&
          g_array_index (raw->keyframes, CsKeyframe, raw->keyframes->len - 1).frame >= keyframe.frame &&
          problem (reader, key_where, _("keyframes should be in frame order, one per frame")) ==
          READ_FAILED)
        return READ_FAILED;

      g_array_append_val (raw->keyframes, keyframe);
    }

  /* Recovering: order the keyframes and keep the first of any on one frame. */
  g_array_sort (raw->keyframes, compare_keyframes);
  for (guint i = 1; i < raw->keyframes->len;)
    if (g_array_index (raw->keyframes, CsKeyframe, i).frame ==
        g_array_index (raw->keyframes, CsKeyframe, i - 1).frame)
      g_array_remove_index (raw->keyframes, i);
    else
      i++;

  return READ_OK;
}

/* "face": four whole numbers, a non-empty rectangle at least partly inside
 * the clip's frame. Recovering from a bad one falls back to the centred
 * square. */
static ReadResult
read_face (Reader      *reader,
           LoadContext *context,
           JsonNode    *node,
           const char  *where,
           RawSegment  *raw)
{
  g_autoptr(GError) bad = NULL;
  JsonArray *array;
  gint64 values[4];

  if (!JSON_NODE_HOLDS_ARRAY (node) || json_array_get_length (array = json_node_get_array (node)) != 4)
    return problem (reader, where,
                    _("“face” should be a list of four whole numbers (x, y, width, height), "
                      "but it is %s"),
                    JSON_NODE_HOLDS_ARRAY (node) ? _("a list of another length") : describe_node (node));

  for (guint i = 0; i < 4; i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!node_is_value_of (element, G_TYPE_INT64))
        return problem (reader, where,
                        _("“face” should be a list of four whole numbers (x, y, width, height), "
                          "but item %u is %s"),
                        i + 1, describe_node (element));
      values[i] = json_node_get_int (element);
      if (values[i] < -CS_PROJECT_MAX_SIZE || values[i] > CS_PROJECT_MAX_SIZE)
        return problem (reader, where,
                        _("“face” item %u is %" G_GINT64_FORMAT "; it should be from %d to %d"),
                        i + 1, values[i], -CS_PROJECT_MAX_SIZE, CS_PROJECT_MAX_SIZE);
    }

  raw->face = (CsFaceRect) { (int) values[0], (int) values[1], (int) values[2], (int) values[3] };
  if (!cs_face_rect_check (&raw->face, context->width, context->height, &bad))
    return problem (reader, where, _("“face”: %s"), bad->message);

  raw->has_face = TRUE;
  return READ_OK;
}

/* Reads one segment; NULL with READ_BAD when recovering drops it. */
static ReadResult
read_segment (Reader       *reader,
              LoadContext  *context,
              JsonNode     *node,
              guint         index,
              gint64        n_frames,
              RawSegment  **out)
{
  static const char * const known[] = { "start", "frames", "crossfade", "stability", "reference",
                                        "face", "style", "degree", NULL };
  g_autofree char *where = g_strdup_printf (_("segment %u"), index + 1);
  g_autoptr(RawSegment) raw = g_new0 (RawSegment, 1);
  JsonObject *object;
  ReadResult result;
  gint64 start, length, crossfade;

  *out = NULL;
  raw->keyframes = g_array_new (FALSE, FALSE, sizeof (CsKeyframe));

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return problem (reader, where, _("a segment should be an object, but it is %s"),
                    describe_node (node));
  object = json_node_get_object (node);

  if ((result = check_keys (reader, object, where, known)) != READ_OK)
    return result;
  if ((result = read_int (reader, object, "start", where, 0, n_frames - 1, &start)) != READ_OK)
    return result;
  if ((result = read_int (reader, object, "frames", where, 1, CS_PROJECT_MAX_FRAMES, &length)) != READ_OK)
    return result;
  if (start + length > n_frames)
    {
      if (problem (reader, where,
                   _("it ends at frame %" G_GINT64_FORMAT ", after the clip’s last frame, %"
                     G_GINT64_FORMAT),
                   start + length - 1, n_frames - 1) == READ_FAILED)
        return READ_FAILED;
      length = n_frames - start;
    }
  raw->start = start;
  raw->end = start + length;

  result = read_int (reader, object, "crossfade", where, 0, n_frames, &crossfade);
  if (result == READ_FAILED)
    return result;
  raw->crossfade = result == READ_OK ? (guint) crossfade : 0;

  raw->stability = CS_SEGMENT_DEFAULT_STABILITY;
  if (member (object, "stability") != NULL)
    {
      JsonNode *value = member (object, "stability");

      if (!node_is_value_of (value, G_TYPE_DOUBLE) && !node_is_value_of (value, G_TYPE_INT64))
        {
          if (problem (reader, where, _("“stability” should be a number, but it is %s"),
                       describe_node (value)) == READ_FAILED)
            return READ_FAILED;
        }
      else
        {
          double stability = json_node_get_double (value);

          if (isfinite (stability) && stability >= 0.0 && stability <= 1.0)
            raw->stability = stability;
          else if (problem (reader, where, _("“stability” is %g; it should be from 0 to 1"),
                            stability) == READ_FAILED)
            return READ_FAILED;
          else if (isfinite (stability))
            raw->stability = CLAMP (stability, 0.0, 1.0);
        }
    }

  if (member (object, "reference") != NULL)
    {
      gint64 reference;

      result = read_int (reader, object, "reference", where, 0, G_MAXINT32, &reference);
      if (result == READ_FAILED)
        return result;
      /* Recovering: the first reference, which every style has. */
      raw->reference = result == READ_OK ? (guint) reference : 0;
    }

  if (member (object, "face") != NULL &&
      read_face (reader, context, member (object, "face"), where, raw) == READ_FAILED)
    return READ_FAILED;

  if (read_style (reader, context, object, where, &raw->style) == READ_FAILED)
    return READ_FAILED;
  if (read_keyframes (reader, object, where, raw) == READ_FAILED)
    return READ_FAILED;
  if (raw->keyframes->len == 0)
    {
      /* Recovering from a curve that is all lost: fully styled, as new. */
      CsKeyframe keyframe = { raw->start, 1.0, CS_INTERPOLATION_CONSTANT };

      g_array_append_val (raw->keyframes, keyframe);
    }

  *out = g_steal_pointer (&raw);
  return READ_OK;
}

static int
compare_raw_segments (gconstpointer a,
                      gconstpointer b)
{
  const RawSegment *ra = *(RawSegment * const *) a, *rb = *(RawSegment * const *) b;

  return (ra->start > rb->start) - (ra->start < rb->start);
}

static CsSegment *
segment_from_raw (RawSegment *raw,
                  gint64      start,
                  gint64      end)
{
  g_autoptr(CsSegment) whole = NULL;

  whole = cs_segment_new_internal (raw->start, raw->end - raw->start, raw->style, raw->crossfade,
                                   (const CsKeyframe *) (void *) raw->keyframes->data,
                                   raw->keyframes->len);
  if (raw->stability != cs_segment_get_stability (whole))
    {
      CsSegment *steady = cs_segment_copy_with_stability (whole, raw->stability);

      g_object_unref (whole);
      whole = steady;
    }
  if (raw->reference != 0)
    {
      CsSegment *referenced = cs_segment_copy_with_reference (whole, raw->reference);

      g_object_unref (whole);
      whole = referenced;
    }
  if (raw->has_face)
    {
      CsSegment *faced = cs_segment_copy_with_face (whole, &raw->face);

      g_object_unref (whole);
      whole = faced;
    }
  if (start == raw->start && end == raw->end)
    return g_steal_pointer (&whole);

  /* Mending moved an edge: cut or stretch the curve as an edit would. */
  return cs_segment_copy_range (whole, start, end, raw->crossfade);
}

static CsTimeline *
read_timeline (Reader      *reader,
               LoadContext *context,
               JsonObject  *root,
               gint64       n_frames)
{
  g_autoptr(GPtrArray) raws = g_ptr_array_new_with_free_func ((GDestroyNotify) raw_segment_free);
  GPtrArray *segments;
  JsonNode *node = member (root, "segments");
  JsonArray *array = NULL;
  gint64 next = 0;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node) ||
      json_array_get_length (array = json_node_get_array (node)) == 0)
    {
      if (problem (reader, NULL, _("“segments” should be a list of segments, but it is %s"),
                   node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? _("empty") : describe_node (node)) ==
          READ_FAILED)
        return NULL;
      array = NULL;
    }

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      RawSegment *raw = NULL;

      if (read_segment (reader, context, json_array_get_element (array, i), i, n_frames, &raw) ==
          READ_FAILED)
        return NULL;
      if (raw == NULL)
        continue;

      /* Not recovering, the segments must tile the clip as they stand. */
      if (raw->start != next)
        {
          ReadResult result;

          if (raw->start < next)
            result = problem (reader, NULL,
                              _("segment %u starts at frame %" G_GINT64_FORMAT ", inside the "
                                "segment before it"),
                              i + 1, raw->start);
          else
            result = problem (reader, NULL,
                              _("segment %u starts at frame %" G_GINT64_FORMAT ", leaving frames "
                                "%" G_GINT64_FORMAT " to %" G_GINT64_FORMAT " without a segment"),
                              i + 1, raw->start, next, raw->start - 1);
          if (result == READ_FAILED)
            {
              raw_segment_free (raw);
              return NULL;
            }
        }
      if (raw->start == 0 && raw->crossfade != 0 &&
          problem (reader, NULL, _("the first segment fades from no segment")) == READ_FAILED)
        {
          raw_segment_free (raw);
          return NULL;
        }

      next = MAX (next, raw->end);
      g_ptr_array_add (raws, raw);
    }

  if (next != n_frames &&
      problem (reader, NULL,
               _("the segments end at frame %" G_GINT64_FORMAT " but the clip has %" G_GINT64_FORMAT
                 " frames"),
               next, n_frames) == READ_FAILED)
    return NULL;

  /* From here on the segments tile the clip unless recovering, when the
   * mending below makes them: in start order, an overlapped start moves to
   * the end of the segment before, a gap is filled by the segment before it
   * (or, at the start, the one after), and a segment left empty goes. */
  g_ptr_array_sort (raws, compare_raw_segments);
  segments = g_ptr_array_new_with_free_func (g_object_unref);
  next = 0;
  for (guint i = 0; i < raws->len; i++)
    {
      RawSegment *raw = g_ptr_array_index (raws, i);
      gint64 start = MAX (raw->start, next);
      gint64 end = raw->end;

      if (start >= end)
        continue;
      if (i + 1 < raws->len)
        {
          /* Reach the next segment that will stay, filling any gap. */
          gint64 following = G_MAXINT64;

          for (guint j = i + 1; j < raws->len; j++)
            {
              RawSegment *other = g_ptr_array_index (raws, j);

              if (other->end > end)
                {
                  following = MAX (other->start, end);
                  break;
                }
            }
          end = following == G_MAXINT64 ? n_frames : following;
        }
      else
        end = n_frames;
      if (segments->len == 0)
        start = 0;

      g_ptr_array_add (segments, segment_from_raw (raw, start, end));
      next = end;
    }

  if (segments->len == 0)
    {
      CsKeyframe keyframe = { 0, 1.0, CS_INTERPOLATION_CONSTANT };

      g_ptr_array_add (segments, cs_segment_new_internal (0, n_frames, NULL, 0, &keyframe, 1));
    }
  else
    {
      /* The first segment may have inherited a fade from a dropped one. */
      CsSegment *first = g_ptr_array_index (segments, 0);

      if (cs_segment_get_crossfade (first) != 0)
        {
          g_ptr_array_index (segments, 0) = cs_segment_copy_with (first, cs_segment_get_style (first), 0);
          g_object_unref (first);
        }
    }

  return cs_timeline_new_take (n_frames, segments);
}

/* Reading: the whole file -------------------------------------------------------------------- */

/* Refuses what could trouble json-glib before it parses: nesting deeper
 * than the format needs (its parser recurses) and whole numbers too long
 * for 64 bits (it wraps them silently). */
static gboolean
prescan (const char  *data,
         gsize        length,
         const char  *file_name,
         GError     **error)
{
  gboolean in_string = FALSE, escaped = FALSE;
  int depth = 0;

  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (escaped)
            escaped = FALSE;
          else if (c == '\\')
            escaped = TRUE;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }

      if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > MAX_NESTING)
            {
              g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_DAMAGED,
                           _("“%s” is damaged: it nests deeper than any project"), file_name);
              return FALSE;
            }
        }
      else if (c == ']' || c == '}')
        depth--;
      else if (c == '-' || g_ascii_isdigit (c))
        {
          gboolean integer = TRUE, negative = c == '-';
          gsize digits = 0, first_digit = 0;

          for (; i < length; i++)
            {
              c = data[i];
              if (g_ascii_isdigit (c))
                {
                  if (digits++ == 0)
                    first_digit = i;
                }
              else if (c == '.' || c == 'e' || c == 'E')
                integer = FALSE;
              else if (c != '-' && c != '+')
                break;
            }
          i--;
          if (integer &&
              (digits > 19 ||
               (digits == 19 && memcmp (data + first_digit,
                                        negative ? "9223372036854775808" : "9223372036854775807",
                                        19) > 0)))
            {
              g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_DAMAGED,
                           _("“%s” is damaged: it holds a number too large for any project"),
                           file_name);
              return FALSE;
            }
        }
    }

  return TRUE;
}

static void
add_repairs_as_warnings (Reader      *reader,
                         LoadContext *context)
{
  for (guint i = 0; i < reader->repairs->len; i++)
    g_ptr_array_add (context->warnings,
                     g_error_new (CS_PROJECT_ERROR, CS_PROJECT_ERROR_REPAIRED,
                                  _("Repaired: %s"),
                                  (const char *) g_ptr_array_index (reader->repairs, i)));
  if (reader->n_repairs > reader->repairs->len)
    g_ptr_array_add (context->warnings,
                     g_error_new (CS_PROJECT_ERROR, CS_PROJECT_ERROR_REPAIRED,
                                  g_dngettext (GETTEXT_PACKAGE,
                                               "…and %u more repair",
                                               "…and %u more repairs",
                                               reader->n_repairs - reader->repairs->len),
                                  reader->n_repairs - reader->repairs->len));
}

CsProject *
cs_project_load_from_data (const char          *data,
                           gsize                length,
                           GFile               *file,
                           CsProjectLoadFlags   flags,
                           GCancellable        *cancellable,
                           GError             **error)
{
  static const char * const known[] = {
    "format", "version", "id", "generator", "sources", "segments", "autosave", NULL,
  };
  g_auto(LoadContext) context = { 0 };
  g_autoptr(GPtrArray) repairs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) parse_error = NULL;
  g_autoptr(CsSourceClip) source = NULL;
  g_autoptr(CsTimeline) timeline = NULL;
  g_autoptr(GFile) project_file = NULL;
  g_autofree char *file_name = display_name (file);
  g_autofree char *new_id = NULL;
  const char *id, *generator;
  gboolean is_autosave = FALSE, newer = FALSE, source_repaired = FALSE;
  JsonNode *root_node, *node;
  JsonObject *root;
  CsProject *self;
  gint64 version = CS_PROJECT_FORMAT_VERSION;
  Reader reader = {
    .file_name = file_name,
    .recover = (flags & CS_PROJECT_LOAD_RECOVER) != 0,
    .repairs = repairs,
    .error = error,
  };

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (file == NULL || G_IS_FILE (file), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (length > MAX_FILE_SIZE)
    {
      g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_DAMAGED,
                   _("“%s” is too large to be a project"), file_name);
      return NULL;
    }
  if (length == 0)
    {
      g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_DAMAGED,
                   _("“%s” is empty; it may have been cut short. An autosaved copy may hold "
                     "the work."),
                   file_name);
      return NULL;
    }
  if (!g_utf8_validate_len (data, length, NULL))
    {
      g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_DAMAGED,
                   _("“%s” is damaged or not a project: it is not text"), file_name);
      return NULL;
    }
  if (!prescan (data, length, file_name, error))
    return NULL;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, (gssize) length, &parse_error))
    {
      g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_DAMAGED,
                   _("“%s” is damaged and cannot be read; it may have been cut short (%s). An "
                     "autosaved copy may hold the work."),
                   file_name, parse_error->message);
      return NULL;
    }

  root_node = json_parser_get_root (parser);
  if (root_node == NULL || !JSON_NODE_HOLDS_OBJECT (root_node) ||
      !node_is_value_of (node = member (root = json_node_get_object (root_node), "format"),
                         G_TYPE_STRING) ||
      !g_str_equal (json_node_get_string (node), FORMAT_NAME))
    {
      g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_DAMAGED,
                   _("“%s” is not a Celshade project"), file_name);
      return NULL;
    }

  /* The version comes first: a newer file may use keys this one cannot know. */
  node = member (root, "version");
  if (node_is_value_of (node, G_TYPE_INT64) && json_node_get_int (node) > CS_PROJECT_FORMAT_VERSION)
    {
      if (!reader.recover)
        {
          g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_NEWER_VERSION,
                       _("“%s” was saved by a newer version of Celshade (format %" G_GINT64_FORMAT
                         "; this version reads up to %d). Update Celshade to open it, or open "
                         "it in recovery mode to keep what this version understands."),
                       file_name, json_node_get_int (node), CS_PROJECT_FORMAT_VERSION);
          return NULL;
        }
      newer = TRUE;
      version = json_node_get_int (node);
    }
  else if (read_int (&reader, root, "version", NULL, 1, CS_PROJECT_FORMAT_VERSION, &version) ==
           READ_FAILED)
    return NULL;

  context.styles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) cs_style_ref_unref);
  context.missing_styles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  context.warnings = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);

  if (!newer && check_keys (&reader, root, NULL, known) == READ_FAILED)
    return NULL;

  switch (read_string (&reader, root, "id", NULL, FALSE, &id))
    {
    case READ_FAILED:
      return NULL;
    case READ_OK:
      if (cs_project_is_valid_id (id))
        break;
      if (problem (&reader, NULL, _("“id” should be up to 64 letters, digits, “-” or “_”")) ==
          READ_FAILED)
        return NULL;
      G_GNUC_FALLTHROUGH;
    case READ_BAD:
    default:
      id = new_id = g_uuid_string_random ();
      break;
    }

  if (read_string (&reader, root, "generator", NULL, TRUE, &generator) == READ_FAILED)
    return NULL;

  /* An autosave stands in for its project file: relative paths are relative
   * to that, and saving goes there. */
  node = member (root, "autosave");
  if (node != NULL)
    {
      static const char * const autosave_known[] = { "project", "time", NULL };
      const char *project_path = NULL;
      gint64 time;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          if (problem (&reader, NULL, _("“autosave” should be an object, but it is %s"),
                       describe_node (node)) == READ_FAILED)
            return NULL;
        }
      else
        {
          JsonObject *autosave = json_node_get_object (node);
          ReadResult result;

          if (check_keys (&reader, autosave, "autosave", autosave_known) == READ_FAILED ||
              read_int (&reader, autosave, "time", "autosave", 0, G_MAXINT64, &time) == READ_FAILED)
            return NULL;
          result = read_string (&reader, autosave, "project", "autosave", TRUE, &project_path);
          if (result == READ_OK && project_path != NULL && !g_path_is_absolute (project_path))
            result = problem (&reader, "autosave", _("“project” should be an absolute path"));
          if (result == READ_FAILED)
            return NULL;
          if (result == READ_OK && project_path != NULL)
            project_file = g_file_new_for_path (project_path);
          is_autosave = TRUE;
        }
    }
  if (!is_autosave && file != NULL)
    project_file = g_object_ref (file);
  context.base_dir = file_dir (project_file);

  source = read_source (&reader, &context, root, &source_repaired, cancellable);
  if (source == NULL)
    return NULL;

  context.width = cs_source_clip_get_width (source);
  context.height = cs_source_clip_get_height (source);
  timeline = read_timeline (&reader, &context, root, cs_source_clip_get_n_frames (source));
  if (timeline == NULL)
    return NULL;

  self = cs_project_new_internal (id, source, timeline);
  cs_project_set_file_internal (self, project_file);

  if (newer)
    g_ptr_array_add (context.warnings,
                     g_error_new (CS_PROJECT_ERROR, CS_PROJECT_ERROR_NEWER_VERSION,
                                  _("“%s” was saved by a newer version of Celshade (format %"
                                    G_GINT64_FORMAT "); what this version does not understand is "
                                    "left out, and saving keeps the original as a backup."),
                                  file_name, version));
  add_repairs_as_warnings (&reader, &context);
  for (guint i = 0; i < context.warnings->len; i++)
    {
      GError *warning = g_ptr_array_index (context.warnings, i);

      if (g_error_matches (warning, CS_PROJECT_ERROR, CS_PROJECT_ERROR_MISSING_MEDIA))
        cs_project_set_source_status_internal (self, CS_SOURCE_STATUS_MISSING);
      else if (g_error_matches (warning, CS_PROJECT_ERROR, CS_PROJECT_ERROR_SOURCE_CHANGED))
        cs_project_set_source_status_internal (self, CS_SOURCE_STATUS_CHANGED);
      cs_project_add_warning (self, g_error_copy (warning));
    }
  if (source_repaired && cs_project_get_source_status (self) == CS_SOURCE_STATUS_OK)
    cs_project_set_source_status_internal (self, CS_SOURCE_STATUS_CHANGED);

  /* What was read stands for the file unless it is an autosave or needed
   * repair: then the file holds something else, and the project is modified. */
  if (newer || reader.n_repairs > 0)
    cs_project_set_recovered_internal (self, TRUE);
  else if (!is_autosave)
    self->saved_timeline = cs_timeline_ref (timeline);

  return self;
}

CsProject *
cs_project_load (GFile               *file,
                 CsProjectLoadFlags   flags,
                 GCancellable        *cancellable,
                 GError             **error)
{
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *name = NULL;
  gsize length;

  g_return_val_if_fail (G_IS_FILE (file), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  name = display_name (file);
  info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE "," G_FILE_ATTRIBUTE_STANDARD_TYPE,
                            G_FILE_QUERY_INFO_NONE, cancellable, &local_error);
  if (info == NULL)
    {
      set_io_error (error, local_error, _("Could not open “%s”"), name);
      return NULL;
    }
  if (g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR)
    {
      g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_DAMAGED,
                   _("“%s” is not a file"), name);
      return NULL;
    }
  /* Checked before reading, so that a huge file is never loaded whole. */
  if (g_file_info_get_size (info) > MAX_FILE_SIZE)
    {
      g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_DAMAGED,
                   _("“%s” is too large to be a project"), name);
      return NULL;
    }

  if (!g_file_load_contents (file, cancellable, &contents, &length, NULL, &local_error))
    {
      set_io_error (error, local_error, _("Could not read “%s”"), name);
      return NULL;
    }

  return cs_project_load_from_data (contents, length, file, flags, cancellable, error);
}

/* Saving ---------------------------------------------------------------------------------------- */

/* Keeps the file a recovered project came from beside it before the first
 * save replaces it, since recovery may have left parts of it out. */
static gboolean
back_up_original (const char  *path,
                  GError     **error)
{
  g_autoptr(GFile) original = g_file_new_for_path (path);
  g_autoptr(GError) local_error = NULL;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;

  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *backup_path = i == 0 ? g_strconcat (path, ".bak", NULL)
                                            : g_strdup_printf ("%s.%u.bak", path, i);
      g_autoptr(GFile) backup = g_file_new_for_path (backup_path);

      g_clear_error (&local_error);
      if (g_file_copy (original, backup, G_FILE_COPY_NONE, NULL, NULL, NULL, &local_error))
        return TRUE;
      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_EXISTS))
        break;
    }

  g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_WRITE,
               _("Could not keep a backup of “%s” before saving over it: %s"),
               path, local_error != NULL ? local_error->message : _("too many backups"));
  return FALSE;
}

static gboolean
write_atomically (const char  *path,
                  const char  *data,
                  gsize        length,
                  int          mode,
                  GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  /* A temporary file in the same folder, flushed to disk, then renamed over
   * the old one: a crash at any point leaves the old file or the new one. */
  if (!g_file_set_contents_full (path, data, (gssize) length,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 mode, &local_error))
    {
      g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_WRITE,
                   _("Could not save “%s”: %s"), path, local_error->message);
      return FALSE;
    }

  return TRUE;
}

gboolean
cs_project_save (CsProject     *self,
                 GFile         *file,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autofree char *path = NULL;
  g_autofree char *base_dir = NULL;
  g_autofree char *data = NULL;
  g_autoptr(GFile) target = NULL;
  gsize length;

  g_return_val_if_fail (CS_IS_PROJECT (self), FALSE);
  g_return_val_if_fail (file == NULL || G_IS_FILE (file), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_cancellable_set_error_if_cancelled (cancellable, NULL))
    {
      g_set_error_literal (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_CANCELLED,
                           _("Saving was cancelled"));
      return FALSE;
    }

  target = file != NULL ? g_object_ref (file)
                        : (self->file != NULL ? g_object_ref (self->file) : NULL);
  if (target == NULL)
    {
      g_set_error_literal (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT,
                           _("The project has no file yet; choose where to save it"));
      return FALSE;
    }

  path = g_file_get_path (target);
  if (path == NULL)
    {
      g_autofree char *uri = g_file_get_uri (target);

      g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_NOT_LOCAL,
                   _("Could not save to “%s”: projects are saved on local disks only"), uri);
      return FALSE;
    }

  if (self->recovered && self->file != NULL && g_file_equal (self->file, target) &&
      !back_up_original (path, error))
    return FALSE;

  base_dir = g_path_get_dirname (path);
  data = serialize (self, base_dir, 0, NULL, &length);
  if (!write_atomically (path, data, length, 0666, error))
    return FALSE;

  cs_project_notify_saved (self, target);
  /* The file now holds everything the autosave did. */
  cs_project_discard_autosave (self);
  self->autosaved_serial = self->change_serial;

  return TRUE;
}

/* Autosave ------------------------------------------------------------------------------------ */

static char *
autosave_dir (void)
{
  return g_build_filename (g_get_user_state_dir (), "celshade", "autosave", NULL);
}

GFile *
cs_project_get_autosave_file (CsProject *self)
{
  g_autofree char *dir = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (CS_IS_PROJECT (self), NULL);

  dir = autosave_dir ();
  name = g_strconcat (self->id, CS_PROJECT_EXTENSION, NULL);
  return g_file_new_build_filename (dir, name, NULL);
}

gboolean
cs_project_autosave (CsProject  *self,
                     GError    **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *project_path = NULL;
  g_autofree char *base_dir = NULL;
  g_autofree char *data = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GFile) autosave_file = NULL;
  gsize length;

  g_return_val_if_fail (CS_IS_PROJECT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  dir = autosave_dir ();
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int errsv = errno;

      g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_WRITE,
                   _("Could not make the autosave folder “%s”: %s"), dir, g_strerror (errsv));
      return FALSE;
    }

  project_path = self->file != NULL ? g_file_get_path (self->file) : NULL;
  base_dir = project_path != NULL ? g_path_get_dirname (project_path) : NULL;
  data = serialize (self, base_dir, MAX (g_get_real_time (), 1), project_path, &length);

  autosave_file = cs_project_get_autosave_file (self);
  path = g_file_get_path (autosave_file);
  if (!write_atomically (path, data, length, 0600, error))
    return FALSE;

  self->autosaved_serial = self->change_serial;
  return TRUE;
}

void
cs_project_discard_autosave (CsProject *self)
{
  g_autoptr(GFile) autosave_file = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (CS_IS_PROJECT (self));

  autosave_file = cs_project_get_autosave_file (self);
  path = g_file_get_path (autosave_file);
  g_unlink (path);
}

typedef struct {
  GWeakRef project;
} AutosaveSourceData;

static void
autosave_source_data_free (gpointer user_data)
{
  AutosaveSourceData *data = user_data;

  g_weak_ref_clear (&data->project);
  g_free (data);
}

static gboolean
autosave_tick (gpointer user_data)
{
  AutosaveSourceData *data = user_data;
  g_autoptr(CsProject) self = g_weak_ref_get (&data->project);
  g_autoptr(GError) error = NULL;

  if (self == NULL)
    return G_SOURCE_REMOVE;

  if (self->change_serial == self->autosaved_serial)
    return G_SOURCE_CONTINUE;

  /* Undone back to the file: an old autosave would only offer stale work. */
  if (!cs_project_get_modified (self))
    {
      cs_project_discard_autosave (self);
      self->autosaved_serial = self->change_serial;
      return G_SOURCE_CONTINUE;
    }

  if (!cs_project_autosave (self, &error))
    cs_project_emit_autosave_failed (self, error);

  return G_SOURCE_CONTINUE;
}

GSource *
cs_project_autosave_source_new (CsProject *project,
                                guint      interval_ms)
{
  AutosaveSourceData *data;
  GSource *source;

  g_return_val_if_fail (CS_IS_PROJECT (project), NULL);
  g_return_val_if_fail (interval_ms > 0, NULL);

  data = g_new0 (AutosaveSourceData, 1);
  g_weak_ref_init (&data->project, project);

  source = g_timeout_source_new (interval_ms);
  g_source_set_callback (source, autosave_tick, data, autosave_source_data_free);
  g_source_set_static_name (source, "[celshade] project autosave");

  return source;
}

/* Reads only what the list of autosaves shows; a damaged autosave is left
 * out, since there is nothing in it to offer. */
static CsAutosaveInfo *
read_autosave_info (GFile *file)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GFile) project_file = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *title = NULL;
  JsonNode *node;
  JsonObject *root, *autosave;
  gsize length;
  gint64 time;

  info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE,
                            NULL, NULL);
  if (info == NULL || g_file_info_get_size (info) > MAX_FILE_SIZE ||
      !g_file_load_contents (file, NULL, &contents, &length, NULL, NULL) ||
      !g_utf8_validate_len (contents, length, NULL) ||
      !prescan (contents, length, "", NULL) ||
      !json_parser_load_from_data (parser, contents, (gssize) length, NULL))
    return NULL;

  node = json_parser_get_root (parser);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  root = json_node_get_object (node);
  node = member (root, "autosave");
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  autosave = json_node_get_object (node);

  node = member (autosave, "time");
  if (!node_is_value_of (node, G_TYPE_INT64))
    return NULL;
  time = json_node_get_int (node);

  node = member (autosave, "project");
  if (node_is_value_of (node, G_TYPE_STRING) && g_path_is_absolute (json_node_get_string (node)))
    {
      g_autoptr(GFileInfo) project_info = NULL;
      g_autoptr(GDateTime) modified = NULL;

      project_file = g_file_new_for_path (json_node_get_string (node));
      title = g_file_get_basename (project_file);

      /* A project saved after its autosave was written holds everything. */
      project_info = g_file_query_info (project_file,
                                        G_FILE_ATTRIBUTE_TIME_MODIFIED ","
                                        G_FILE_ATTRIBUTE_TIME_MODIFIED_USEC,
                                        G_FILE_QUERY_INFO_NONE, NULL, NULL);
      if (project_info != NULL &&
          (modified = g_file_info_get_modification_date_time (project_info)) != NULL &&
          g_date_time_to_unix (modified) * G_USEC_PER_SEC + g_date_time_get_microsecond (modified) >= time)
        return NULL;
    }
  else
    {
      JsonArray *sources;
      JsonNode *source;
      const char *clip = NULL;

      node = member (root, "sources");
      if (node != NULL && JSON_NODE_HOLDS_ARRAY (node) &&
          json_array_get_length (sources = json_node_get_array (node)) > 0 &&
          JSON_NODE_HOLDS_OBJECT (source = json_array_get_element (sources, 0)) &&
          node_is_value_of (member (json_node_get_object (source), "path_absolute"), G_TYPE_STRING))
        clip = json_node_get_string (member (json_node_get_object (source), "path_absolute"));

      if (clip != NULL)
        {
          g_autofree char *clip_name = g_path_get_basename (clip);

          /* Translators: %s is the name of the clip an unsaved project styles. */
          title = g_strdup_printf (_("Unsaved project of “%s”"), clip_name);
        }
      else
        title = g_strdup (_("Unsaved project"));
    }

  return cs_autosave_info_new (file, project_file, time, title);
}

static int
compare_autosaves_newest_first (gconstpointer a,
                                gconstpointer b)
{
  gint64 ta = cs_autosave_info_get_time (*(CsAutosaveInfo * const *) a);
  gint64 tb = cs_autosave_info_get_time (*(CsAutosaveInfo * const *) b);

  return (ta < tb) - (ta > tb);
}

GPtrArray *
cs_project_find_autosaves (GError **error)
{
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GFileEnumerator) children = NULL;
  g_autoptr(GFile) dir = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *dir_path = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  found = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_autosave_info_unref);
  dir_path = autosave_dir ();
  dir = g_file_new_for_path (dir_path);

  children = g_file_enumerate_children (dir, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                        G_FILE_QUERY_INFO_NONE, NULL, &local_error);
  if (children == NULL)
    {
      /* No folder: nothing was ever autosaved. */
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        return g_steal_pointer (&found);
      g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_FAILED,
                   _("Could not look for autosaved projects in “%s”: %s"),
                   dir_path, local_error->message);
      return NULL;
    }

  for (;;)
    {
      GFileInfo *info = NULL;
      GFile *child = NULL;
      CsAutosaveInfo *autosave;

      if (!g_file_enumerator_iterate (children, &info, &child, NULL, &local_error))
        {
          g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_FAILED,
                       _("Could not look for autosaved projects in “%s”: %s"),
                       dir_path, local_error->message);
          return NULL;
        }
      if (info == NULL)
        break;
      if (!g_str_has_suffix (g_file_info_get_name (info), CS_PROJECT_EXTENSION))
        continue;

      autosave = read_autosave_info (child);
      if (autosave != NULL)
        g_ptr_array_add (found, autosave);
    }

  g_ptr_array_sort (found, compare_autosaves_newest_first);
  return g_steal_pointer (&found);
}
