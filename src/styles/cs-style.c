/* cs-style.c: reading and checking a style folder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "cs-style.h"
#include "cs-styles-private.h"

G_DEFINE_QUARK (cs-style-error-quark, cs_style_error)

struct _CsStyle
{
  GObject parent_instance;

  char   *folder;
  int     format_version;
  char   *id;
  char   *name;
  char  **authors;
  char   *licence;
  char   *source;
  char   *kind;
  char   *model_path;
  char   *input_name;
  char   *output_name;
  int     size_multiple;
  char   *degree_kind;
  char   *degree_description;
  char   *thumbnail_path;
};

G_DEFINE_FINAL_TYPE (CsStyle, cs_style, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_FOLDER,
  PROP_ID,
  PROP_NAME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
cs_style_finalize (GObject *object)
{
  CsStyle *self = CS_STYLE (object);

  g_free (self->folder);
  g_free (self->id);
  g_free (self->name);
  g_strfreev (self->authors);
  g_free (self->licence);
  g_free (self->source);
  g_free (self->kind);
  g_free (self->model_path);
  g_free (self->input_name);
  g_free (self->output_name);
  g_free (self->degree_kind);
  g_free (self->degree_description);
  g_free (self->thumbnail_path);

  G_OBJECT_CLASS (cs_style_parent_class)->finalize (object);
}

static void
cs_style_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  CsStyle *self = CS_STYLE (object);

  switch (prop_id)
    {
    case PROP_FOLDER:
      g_value_set_string (value, self->folder);
      break;
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cs_style_class_init (CsStyleClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cs_style_finalize;
  object_class->get_property = cs_style_get_property;

  properties[PROP_FOLDER] =
    g_param_spec_string ("folder", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cs_style_init (CsStyle *self)
{
}

/* Path checks ---------------------------------------------------------------------- */

gboolean
cs_styles_is_plain_relative_path (const char *path)
{
  g_auto(GStrv) parts = NULL;

  if (path == NULL || *path == '\0' || g_path_is_absolute (path) || strchr (path, '\\') != NULL)
    return FALSE;

  parts = g_strsplit (path, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    if (*parts[i] == '\0' || strcmp (parts[i], ".") == 0 || strcmp (parts[i], "..") == 0)
      return FALSE;

  return TRUE;
}

/* Symbolic links could still lead out of the folder, so the resolved path
 * must lie under the resolved folder too. */
static gboolean
resolves_inside (const char *folder,
                 const char *path)
{
  g_autofree char *real_folder = realpath (folder, NULL);
  g_autofree char *real_path = realpath (path, NULL);
  gsize n;

  if (real_folder == NULL || real_path == NULL)
    return FALSE;

  n = strlen (real_folder);
  return strncmp (real_path, real_folder, n) == 0 && (real_path[n] == '/' || strcmp (real_folder, "/") == 0);
}

/* Field readers ---------------------------------------------------------------------- */

typedef struct {
  const char *file;  /* style.json's path, for messages */
  GError    **error;
} Ctx;

static gboolean
fail (Ctx        *ctx,
      int         code,
      const char *field,
      const char *format,
      ...) G_GNUC_PRINTF (4, 5);

static gboolean
fail (Ctx        *ctx,
      int         code,
      const char *field,
      const char *format,
      ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (ctx->error, CS_STYLE_ERROR, code,
               _("%s: field “%s” %s"), ctx->file, field, what);
  return FALSE;
}

static JsonNode *
member (JsonObject *object,
        const char *name)
{
  return object != NULL && json_object_has_member (object, name) ? json_object_get_member (object, name) : NULL;
}

static gboolean
read_string (Ctx         *ctx,
             JsonObject  *object,
             const char  *name,
             const char  *field,
             gboolean     required,
             char       **out)
{
  JsonNode *node = member (object, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (required)
        return fail (ctx, CS_STYLE_ERROR_INVALID, field, "%s", _("is missing"));
      *out = NULL;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return fail (ctx, CS_STYLE_ERROR_INVALID, field, "%s", _("must be a string"));
  if (required && *json_node_get_string (node) == '\0')
    return fail (ctx, CS_STYLE_ERROR_INVALID, field, "%s", _("must not be empty"));

  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
read_int (Ctx        *ctx,
          JsonObject *object,
          const char *name,
          const char *field,
          gint64      min,
          gint64      max,
          gint64     *out)
{
  JsonNode *node = member (object, name);

  if (node == NULL)
    return fail (ctx, CS_STYLE_ERROR_INVALID, field, "%s", _("is missing"));
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return fail (ctx, CS_STYLE_ERROR_INVALID, field, "%s", _("must be a whole number"));

  *out = json_node_get_int (node);
  if (*out < min || *out > max)
    return fail (ctx, CS_STYLE_ERROR_INVALID, field, _("is %" G_GINT64_FORMAT ", not between %"
                                                       G_GINT64_FORMAT " and %" G_GINT64_FORMAT),
                 *out, min, max);
  return TRUE;
}

static JsonObject *
read_object (Ctx        *ctx,
             JsonObject *object,
             const char *name,
             const char *field)
{
  JsonNode *node = member (object, name);

  if (node == NULL)
    {
      fail (ctx, CS_STYLE_ERROR_INVALID, field, "%s", _("is missing"));
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      fail (ctx, CS_STYLE_ERROR_INVALID, field, "%s", _("must be an object"));
      return NULL;
    }
  return json_node_get_object (node);
}

/* A string field that must hold one of the values this version can use. */
static gboolean
expect_string (Ctx        *ctx,
               JsonObject *object,
               const char *name,
               const char *field,
               const char *expected)
{
  g_autofree char *value = NULL;

  if (!read_string (ctx, object, name, field, TRUE, &value))
    return FALSE;
  if (strcmp (value, expected) != 0)
    return fail (ctx, CS_STYLE_ERROR_UNSUPPORTED, field, _("is “%s”; Celshade supports only “%s”"),
                 value, expected);
  return TRUE;
}

/* input/output: {"tensor", "layout": "NCHW", "channels": "RGB", "range": [0, 255]} */
static gboolean
read_convention (Ctx        *ctx,
                 JsonObject *root,
                 const char *name,
                 char      **tensor)
{
  g_autofree char *f_tensor = g_strconcat (name, ".tensor", NULL);
  g_autofree char *f_layout = g_strconcat (name, ".layout", NULL);
  g_autofree char *f_channels = g_strconcat (name, ".channels", NULL);
  g_autofree char *f_range = g_strconcat (name, ".range", NULL);
  JsonObject *object = read_object (ctx, root, name, name);
  JsonNode *range;
  JsonArray *array;

  if (object == NULL ||
      !read_string (ctx, object, "tensor", f_tensor, TRUE, tensor) ||
      !expect_string (ctx, object, "layout", f_layout, "NCHW") ||
      !expect_string (ctx, object, "channels", f_channels, "RGB"))
    return FALSE;

  range = member (object, "range");
  if (range == NULL)
    return fail (ctx, CS_STYLE_ERROR_INVALID, f_range, "%s", _("is missing"));
  if (!JSON_NODE_HOLDS_ARRAY (range) || json_array_get_length (array = json_node_get_array (range)) != 2)
    return fail (ctx, CS_STYLE_ERROR_INVALID, f_range, "%s", _("must be a pair of numbers such as [0, 255]"));
  for (guint i = 0; i < 2; i++)
    {
      JsonNode *n = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (n) ||
          (json_node_get_value_type (n) != G_TYPE_INT64 && json_node_get_value_type (n) != G_TYPE_DOUBLE))
        return fail (ctx, CS_STYLE_ERROR_INVALID, f_range, "%s", _("must be a pair of numbers such as [0, 255]"));
    }
  if (json_array_get_double_element (array, 0) != 0.0 || json_array_get_double_element (array, 1) != 255.0)
    return fail (ctx, CS_STYLE_ERROR_UNSUPPORTED, f_range, _("is [%g, %g]; Celshade supports only [0, 255]"),
                 json_array_get_double_element (array, 0), json_array_get_double_element (array, 1));
  return TRUE;
}

static gboolean
read_authors (Ctx        *ctx,
              JsonObject *root,
              char     ***out)
{
  JsonNode *node = member (root, "authors");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonArray *array;

  if (node == NULL)
    return fail (ctx, CS_STYLE_ERROR_INVALID, "authors", "%s", _("is missing (it may be an empty list)"));
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return fail (ctx, CS_STYLE_ERROR_INVALID, "authors", "%s", _("must be a list of names"));

  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *n = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
        return fail (ctx, CS_STYLE_ERROR_INVALID, "authors", "%s", _("must be a list of names"));
      g_strv_builder_add (builder, json_node_get_string (n));
    }

  *out = g_strv_builder_end (builder);
  return TRUE;
}

static gboolean
is_id (const char *id)
{
  for (const char *p = id; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-' && *p != '.')
      return FALSE;
  return *id != '\0' && *id != '.';
}

/* A file named by style.json, relative to the folder and inside it. */
static gboolean
read_file_field (Ctx         *ctx,
                 JsonObject  *root,
                 const char  *name,
                 const char  *folder,
                 gboolean     required,
                 char       **out)
{
  g_autofree char *relative = NULL;
  g_autofree char *path = NULL;

  *out = NULL;
  if (!read_string (ctx, root, name, name, required, &relative))
    return FALSE;
  if (relative == NULL || *relative == '\0')
    return TRUE;
  if (!cs_styles_is_plain_relative_path (relative))
    return fail (ctx, CS_STYLE_ERROR_INVALID, name,
                 _("is “%s”; it must be a path inside the style's folder, without “..”"), relative);

  path = g_build_filename (folder, relative, NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      if (!required)
        return TRUE;
      g_set_error (ctx->error, CS_STYLE_ERROR, CS_STYLE_ERROR_NOT_FOUND,
                   _("%s: the file “%s” named by field “%s” does not exist"), ctx->file, path, name);
      return FALSE;
    }
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return fail (ctx, CS_STYLE_ERROR_INVALID, name, _("names “%s”, which is not a regular file"), path);
  if (!resolves_inside (folder, path))
    return fail (ctx, CS_STYLE_ERROR_INVALID, name,
                 _("names “%s”, which leads outside the style's folder"), path);

  *out = g_steal_pointer (&path);
  return TRUE;
}

/* Loading ---------------------------------------------------------------------------- */

static char *
absolute_path (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  return g_file_get_path (file);
}

CsStyle *
cs_style_new_from_folder (const char *folder,
                          GError    **error)
{
  g_autoptr(CsStyle) self = NULL;
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *abs_folder = NULL;
  g_autofree char *json_path = NULL;
  JsonNode *root_node;
  JsonObject *root, *degree;
  gint64 version, multiple;
  Ctx ctx;

  g_return_val_if_fail (folder != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  abs_folder = absolute_path (folder);
  if (!g_file_test (abs_folder, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_NOT_FOUND,
                   _("The style folder “%s” does not exist or is not a folder"), abs_folder);
      return NULL;
    }

  json_path = g_build_filename (abs_folder, "style.json", NULL);
  if (!g_file_test (json_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_NOT_FOUND,
                   _("“%s” is not a style folder: it has no style.json"), abs_folder);
      return NULL;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_mapped_file (parser, json_path, &local))
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_INVALID,
                   _("%s: not valid JSON: %s"), json_path, local->message);
      return NULL;
    }

  ctx.file = json_path;
  ctx.error = error;

  root_node = json_parser_get_root (parser);
  if (root_node == NULL || !JSON_NODE_HOLDS_OBJECT (root_node))
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_INVALID,
                   _("%s: the top level must be a JSON object"), json_path);
      return NULL;
    }
  root = json_node_get_object (root_node);

  self = g_object_new (CS_TYPE_STYLE, NULL);
  self->folder = g_strdup (abs_folder);

  /* The version first: a newer file may use fields this code would misread. */
  if (!read_int (&ctx, root, "format", "format", 1, G_MAXINT, &version))
    return NULL;
  if (version > CS_STYLE_FORMAT_VERSION)
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_UNSUPPORTED,
                   _("%s: format version %" G_GINT64_FORMAT " is newer than this version of "
                     "Celshade reads (%d); update Celshade to use this style"),
                   json_path, version, CS_STYLE_FORMAT_VERSION);
      return NULL;
    }
  self->format_version = (int) version;

  if (!read_string (&ctx, root, "id", "id", TRUE, &self->id))
    return NULL;
  if (!is_id (self->id))
    {
      fail (&ctx, CS_STYLE_ERROR_INVALID, "id",
            _("is “%s”; use only letters, digits, “_”, “-” and “.”"), self->id);
      return NULL;
    }

  if (!read_string (&ctx, root, "name", "name", TRUE, &self->name) ||
      !read_authors (&ctx, root, &self->authors) ||
      !read_string (&ctx, root, "licence", "licence", TRUE, &self->licence) ||
      !read_string (&ctx, root, "source", "source", TRUE, &self->source) ||
      !read_string (&ctx, root, "kind", "kind", FALSE, &self->kind) ||
      !read_convention (&ctx, root, "input", &self->input_name) ||
      !read_convention (&ctx, root, "output", &self->output_name) ||
      !read_int (&ctx, root, "size_multiple", "size_multiple", 1, 64, &multiple))
    return NULL;
  self->size_multiple = (int) multiple;

  degree = read_object (&ctx, root, "degree", "degree");
  if (degree == NULL ||
      !read_string (&ctx, degree, "kind", "degree.kind", TRUE, &self->degree_kind) ||
      !read_string (&ctx, degree, "description", "degree.description", FALSE, &self->degree_description))
    return NULL;
  if (strcmp (self->degree_kind, CS_STYLE_DEGREE_BLEND) != 0)
    {
      fail (&ctx, CS_STYLE_ERROR_UNSUPPORTED, "degree.kind",
            _("is “%s”; Celshade supports only “%s”"), self->degree_kind, CS_STYLE_DEGREE_BLEND);
      return NULL;
    }
  if (self->degree_description == NULL)
    self->degree_description = g_strdup (_("0 keeps the original image, 1 gives the full style; "
                                           "values between blend the two"));

  if (!read_file_field (&ctx, root, "model", abs_folder, TRUE, &self->model_path) ||
      !read_file_field (&ctx, root, "thumbnail", abs_folder, FALSE, &self->thumbnail_path))
    return NULL;

  return g_steal_pointer (&self);
}

/* Getters ---------------------------------------------------------------------------- */

const char *
cs_style_get_folder (CsStyle *self)
{
  g_return_val_if_fail (CS_IS_STYLE (self), NULL);
  return self->folder;
}

int
cs_style_get_format_version (CsStyle *self)
{
  g_return_val_if_fail (CS_IS_STYLE (self), 0);
  return self->format_version;
}

const char *
cs_style_get_id (CsStyle *self)
{
  g_return_val_if_fail (CS_IS_STYLE (self), NULL);
  return self->id;
}

const char *
cs_style_get_name (CsStyle *self)
{
  g_return_val_if_fail (CS_IS_STYLE (self), NULL);
  return self->name;
}

const char * const *
cs_style_get_authors (CsStyle *self)
{
  g_return_val_if_fail (CS_IS_STYLE (self), NULL);
  return (const char * const *) self->authors;
}

const char *
cs_style_get_licence (CsStyle *self)
{
  g_return_val_if_fail (CS_IS_STYLE (self), NULL);
  return self->licence;
}

const char *
cs_style_get_source (CsStyle *self)
{
  g_return_val_if_fail (CS_IS_STYLE (self), NULL);
  return self->source;
}

const char *
cs_style_get_kind (CsStyle *self)
{
  g_return_val_if_fail (CS_IS_STYLE (self), NULL);
  return self->kind;
}

const char *
cs_style_get_model_path (CsStyle *self)
{
  g_return_val_if_fail (CS_IS_STYLE (self), NULL);
  return self->model_path;
}

const char *
cs_style_get_input_name (CsStyle *self)
{
  g_return_val_if_fail (CS_IS_STYLE (self), NULL);
  return self->input_name;
}

const char *
cs_style_get_output_name (CsStyle *self)
{
  g_return_val_if_fail (CS_IS_STYLE (self), NULL);
  return self->output_name;
}

int
cs_style_get_size_multiple (CsStyle *self)
{
  g_return_val_if_fail (CS_IS_STYLE (self), 1);
  return self->size_multiple;
}

const char *
cs_style_get_degree_kind (CsStyle *self)
{
  g_return_val_if_fail (CS_IS_STYLE (self), NULL);
  return self->degree_kind;
}

const char *
cs_style_get_degree_description (CsStyle *self)
{
  g_return_val_if_fail (CS_IS_STYLE (self), NULL);
  return self->degree_description;
}

const char *
cs_style_get_thumbnail_path (CsStyle *self)
{
  g_return_val_if_fail (CS_IS_STYLE (self), NULL);
  return self->thumbnail_path;
}
