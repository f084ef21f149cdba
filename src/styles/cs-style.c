/* cs-style.c: reading and checking a style folder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
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

  /* VToonify-D styles */
  gboolean vtoonify;
  char    *net_model[CS_STYLE_N_NETWORKS];
  char   **net_tensors[CS_STYLE_N_NETWORKS]; /* role, tensor, role, tensor, ..., NULL */
  int      face_size;
  int      output_scale;
  int      n_latent;
  int      style_dim;
  int      reference_rows;
  char   **reference_names;
  char    *references_path;
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
  for (int i = 0; i < CS_STYLE_N_NETWORKS; i++)
    {
      g_free (self->net_model[i]);
      g_strfreev (self->net_tensors[i]);
    }
  g_strfreev (self->reference_names);
  g_free (self->references_path);

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

/* VToonify-D styles ------------------------------------------------------------------ */

/* The inputs and outputs of an ONNX model, read by walking protobuf's wire
 * format and jumping over everything else: published encoders weigh about a
 * gigabyte, and checking a style must not read its weights. */
typedef struct {
  GPtrArray  *inputs;   /* names */
  GArray     *ranks;    /* int per input, -1 when unknown */
  GPtrArray  *outputs;
  GHashTable *initializers;
} OnnxSignature;

static void
onnx_signature_clear (OnnxSignature *sig)
{
  g_clear_pointer (&sig->inputs, g_ptr_array_unref);
  g_clear_pointer (&sig->ranks, g_array_unref);
  g_clear_pointer (&sig->outputs, g_ptr_array_unref);
  g_clear_pointer (&sig->initializers, g_hash_table_unref);
}

static gboolean
pb_varint (const guint8 **p, const guint8 *end, guint64 *v)
{
  *v = 0;
  for (int shift = 0; shift < 64 && *p < end; shift += 7)
    {
      guint8 b = *(*p)++;
      *v |= (guint64) (b & 0x7f) << shift;
      if ((b & 0x80) == 0)
        return TRUE;
    }
  return FALSE;
}

/* Reads one field's key; for length-delimited fields also its extent. */
static gboolean
pb_field (const guint8 **p, const guint8 *end, guint *field, const guint8 **sub, const guint8 **sub_end)
{
  guint64 key, len;

  if (!pb_varint (p, end, &key))
    return FALSE;
  *field = (guint) (key >> 3);
  *sub = *sub_end = NULL;
  switch (key & 7)
    {
    case 0:
      return pb_varint (p, end, &len);
    case 1:
      if (end - *p < 8)
        return FALSE;
      *p += 8;
      return TRUE;
    case 5:
      if (end - *p < 4)
        return FALSE;
      *p += 4;
      return TRUE;
    case 2:
      if (!pb_varint (p, end, &len) || len > (guint64) (end - *p))
        return FALSE;
      *sub = *p;
      *sub_end = *p + len;
      *p += len;
      return TRUE;
    default:
      return FALSE;
    }
}

/* The string field `want` of a message, or NULL. */
static char *
pb_string (const guint8 *p, const guint8 *end, guint want)
{
  guint f;
  const guint8 *s, *e;

  while (p < end)
    {
      if (!pb_field (&p, end, &f, &s, &e))
        return NULL;
      if (f == want && s != NULL)
        return g_strndup ((const char *) s, e - s);
    }
  return NULL;
}

/* ValueInfoProto.type.tensor_type.shape: the number of dims, -1 if absent. */
static int
pb_rank (const guint8 *p, const guint8 *end)
{
  guint f;
  const guint8 *s, *e;
  int rank = -1;

  for (int depth = 0; depth < 3; depth++)
    {
      /* type (2) -> tensor_type (1) -> shape (2) */
      const guint want = depth == 1 ? 1 : 2;
      const guint8 *next = NULL, *next_end = NULL;
      while (p < end)
        {
          if (!pb_field (&p, end, &f, &s, &e))
            return -1;
          if (f == want && s != NULL)
            {
              next = s;
              next_end = e;
            }
        }
      if (next == NULL)
        return -1;
      p = next;
      end = next_end;
    }
  rank = 0;
  while (p < end)
    {
      if (!pb_field (&p, end, &f, &s, &e))
        return -1;
      if (f == 1)
        rank++;
    }
  return rank;
}

static gboolean
read_onnx_signature (const char *path, OnnxSignature *sig, GError **error)
{
  g_autoptr(GMappedFile) file = g_mapped_file_new (path, FALSE, error);
  const guint8 *p, *end, *s, *e, *graph = NULL, *graph_end = NULL;
  guint f;

  if (file == NULL)
    return FALSE;
  p = (const guint8 *) g_mapped_file_get_contents (file);
  end = p + g_mapped_file_get_length (file);
  while (p < end)
    {
      if (!pb_field (&p, end, &f, &s, &e))
        goto bad;
      if (f == 7 && s != NULL)
        {
          graph = s;
          graph_end = e;
        }
    }
  if (graph == NULL)
    goto bad;
  sig->inputs = g_ptr_array_new_with_free_func (g_free);
  sig->ranks = g_array_new (FALSE, FALSE, sizeof (int));
  sig->outputs = g_ptr_array_new_with_free_func (g_free);
  sig->initializers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  p = graph;
  while (p < graph_end)
    {
      if (!pb_field (&p, graph_end, &f, &s, &e))
        goto bad;
      if (s == NULL)
        continue;
      if (f == 5)
        {
          char *name = pb_string (s, e, 8);
          if (name != NULL)
            g_hash_table_add (sig->initializers, name);
        }
      else if (f == 11 || f == 12)
        {
          char *name = pb_string (s, e, 1);
          if (name == NULL)
            goto bad;
          if (f == 11)
            {
              int rank = pb_rank (s, e);
              g_ptr_array_add (sig->inputs, name);
              g_array_append_val (sig->ranks, rank);
            }
          else
            g_ptr_array_add (sig->outputs, name);
        }
    }
  return TRUE;

bad:
  onnx_signature_clear (sig);
  g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_INVALID,
               _("“%s” is not an ONNX model Celshade can read"), path);
  return FALSE;
}

static const char *const network_keys[CS_STYLE_N_NETWORKS] = { "parser", "encoder", "generator" };
/* Roles and the rank their tensors must have. */
static const struct { const char *role; int rank; } network_inputs[CS_STYLE_N_NETWORKS][5] = {
  { { "frame", 4 } },
  { { "face", 4 } },
  { { "frame", 4 }, { "parsing", 4 }, { "style", 3 }, { "degree", 1 } },
};
static const char *const network_outputs[CS_STYLE_N_NETWORKS] = { "parsing", "wplus", "image" };

static const char *
tensor_for_role (char **pairs, const char *role)
{
  for (int i = 0; pairs != NULL && pairs[i] != NULL && pairs[i + 1] != NULL; i += 2)
    if (strcmp (pairs[i], role) == 0)
      return pairs[i + 1];
  return NULL;
}

static gboolean
read_network (CsStyle    *self,
              Ctx        *ctx,
              JsonObject *networks,
              int         n,
              const char *folder)
{
  const char *key = network_keys[n];
  g_autofree char *f_net = g_strconcat ("vtoonify.networks.", key, NULL);
  g_autofree char *f_in = g_strconcat (f_net, ".inputs", NULL);
  g_autofree char *f_out = g_strconcat (f_net, ".outputs", NULL);
  JsonObject *net = read_object (ctx, networks, key, f_net), *ins, *outs;
  g_autoptr(GStrvBuilder) pairs = g_strv_builder_new ();
  OnnxSignature sig = { 0 };
  g_autoptr(GError) local = NULL;
  gboolean ok = FALSE;

  if (net == NULL)
    return FALSE;
  {
    /* read_file_field reads from the object it is given, under the field's
     * full name for messages. */
    g_autofree char *f_model = g_strconcat (f_net, ".model", NULL);
    g_autofree char *relative = NULL;
    if (!read_string (ctx, net, "model", f_model, TRUE, &relative))
      return FALSE;
    if (!cs_styles_is_plain_relative_path (relative))
      return fail (ctx, CS_STYLE_ERROR_INVALID, f_model,
                   _("is “%s”; it must be a path inside the style's folder, without “..”"), relative);
    self->net_model[n] = g_build_filename (folder, relative, NULL);
    if (!g_file_test (self->net_model[n], G_FILE_TEST_IS_REGULAR))
      {
        g_set_error (ctx->error, CS_STYLE_ERROR, CS_STYLE_ERROR_NOT_FOUND,
                     _("%s: the file “%s” named by field “%s” does not exist"), ctx->file,
                     self->net_model[n], f_model);
        return FALSE;
      }
    if (!resolves_inside (folder, self->net_model[n]))
      return fail (ctx, CS_STYLE_ERROR_INVALID, f_model,
                   _("names “%s”, which leads outside the style's folder"), self->net_model[n]);
  }
  ins = read_object (ctx, net, "inputs", f_in);
  outs = ins != NULL ? read_object (ctx, net, "outputs", f_out) : NULL;
  if (outs == NULL)
    return FALSE;
  if (!read_onnx_signature (self->net_model[n], &sig, &local))
    {
      g_set_error (ctx->error, CS_STYLE_ERROR, CS_STYLE_ERROR_INVALID, "%s: %s", ctx->file, local->message);
      return FALSE;
    }

  for (int i = 0; network_inputs[n][i].role != NULL; i++)
    {
      const char *role = network_inputs[n][i].role;
      g_autofree char *field = g_strconcat (f_in, ".", role, NULL);
      g_autofree char *tensor = NULL;
      guint k;

      if (!read_string (ctx, ins, role, field, TRUE, &tensor))
        goto out;
      for (k = 0; k < sig.inputs->len; k++)
        if (strcmp (sig.inputs->pdata[k], tensor) == 0)
          break;
      if (k == sig.inputs->len || g_hash_table_contains (sig.initializers, tensor))
        {
          fail (ctx, CS_STYLE_ERROR_INVALID, field, _("names the input “%s”, which %s does not have"),
                tensor, self->net_model[n]);
          goto out;
        }
      if (g_array_index (sig.ranks, int, k) >= 0 && g_array_index (sig.ranks, int, k) != network_inputs[n][i].rank)
        {
          fail (ctx, CS_STYLE_ERROR_INVALID, field, _("names the input “%s”, which has %d dimensions in %s, not %d"),
                tensor, g_array_index (sig.ranks, int, k), self->net_model[n], network_inputs[n][i].rank);
          goto out;
        }
      g_strv_builder_add (pairs, role);
      g_strv_builder_add (pairs, tensor);
    }
  /* A role this version does not know would be silently ignored. */
  {
    g_autoptr(GList) keys = json_object_get_members (ins);
    for (GList *l = keys; l != NULL; l = l->next)
      {
        gboolean known = FALSE;
        for (int i = 0; network_inputs[n][i].role != NULL; i++)
          known |= strcmp (network_inputs[n][i].role, l->data) == 0;
        if (!known)
          {
            g_autofree char *field = g_strconcat (f_in, ".", (const char *) l->data, NULL);
            JsonNode *v = member (ins, l->data);
            fail (ctx, CS_STYLE_ERROR_INVALID, field, _("declares the input “%s” for a role the %s network does not have"),
                  v != NULL && JSON_NODE_HOLDS_VALUE (v) && json_node_get_value_type (v) == G_TYPE_STRING
                    ? json_node_get_string (v) : "?", key);
            goto out;
          }
      }
  }
  /* An input the style does not declare would be left unset. */
  for (guint k = 0; k < sig.inputs->len; k++)
    {
      const char *name = sig.inputs->pdata[k];
      gboolean declared = FALSE;
      if (g_hash_table_contains (sig.initializers, name))
        continue;
      for (int i = 0; network_inputs[n][i].role != NULL && !declared; i++)
        {
          JsonNode *v = member (ins, network_inputs[n][i].role);
          declared = v != NULL && JSON_NODE_HOLDS_VALUE (v) &&
                     g_strcmp0 (json_node_get_string (v), name) == 0;
        }
      if (!declared)
        {
          fail (ctx, CS_STYLE_ERROR_INVALID, f_in, _("does not declare the input “%s” of %s"),
                name, self->net_model[n]);
          goto out;
        }
    }
  {
    const char *role = network_outputs[n];
    g_autofree char *field = g_strconcat (f_out, ".", role, NULL);
    g_autofree char *tensor = NULL;
    guint k;

    if (!read_string (ctx, outs, role, field, TRUE, &tensor))
      goto out;
    for (k = 0; k < sig.outputs->len; k++)
      if (strcmp (sig.outputs->pdata[k], tensor) == 0)
        break;
    if (k == sig.outputs->len)
      {
        fail (ctx, CS_STYLE_ERROR_INVALID, field, _("names the output “%s”, which %s does not have"),
              tensor, self->net_model[n]);
        goto out;
      }
    g_strv_builder_add (pairs, role);
    g_strv_builder_add (pairs, tensor);
  }
  self->net_tensors[n] = g_strv_builder_end (pairs);
  ok = TRUE;

out:
  onnx_signature_clear (&sig);
  return ok;
}

static gboolean
read_vtoonify (CsStyle    *self,
               Ctx        *ctx,
               JsonObject *root,
               const char *folder)
{
  JsonObject *degree, *vt, *networks, *refs;
  g_autofree char *degree_input = NULL;
  g_autofree char *refs_file = NULL;
  gint64 v;
  JsonNode *names;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  guint64 expect;
  GStatBuf st;

  self->vtoonify = TRUE;
  if (!read_int (ctx, root, "size_multiple", "size_multiple", 1, 64, &v))
    return FALSE;
  self->size_multiple = (int) v;

  degree = read_object (ctx, root, "degree", "degree");
  if (degree == NULL ||
      !read_string (ctx, degree, "kind", "degree.kind", TRUE, &self->degree_kind) ||
      !read_string (ctx, degree, "description", "degree.description", FALSE, &self->degree_description))
    return FALSE;
  if (strcmp (self->degree_kind, CS_STYLE_DEGREE_INPUT) != 0)
    return fail (ctx, CS_STYLE_ERROR_UNSUPPORTED, "degree.kind",
                 _("is “%s”; a VToonify-D style takes its degree as the input “%s”"),
                 self->degree_kind, CS_STYLE_DEGREE_INPUT);
  if (!read_string (ctx, degree, "input", "degree.input", TRUE, &degree_input))
    return FALSE;
  if (self->degree_description == NULL)
    self->degree_description = g_strdup (_("0 keeps the face's own structure, 1 takes the reference's fully"));

  vt = read_object (ctx, root, "vtoonify", "vtoonify");
  if (vt == NULL || (networks = read_object (ctx, vt, "networks", "vtoonify.networks")) == NULL)
    return FALSE;
  for (int n = 0; n < CS_STYLE_N_NETWORKS; n++)
    if (!read_network (self, ctx, networks, n, folder))
      return FALSE;
  if (g_strcmp0 (tensor_for_role (self->net_tensors[CS_STYLE_NETWORK_GENERATOR], "degree"), degree_input) != 0)
    return fail (ctx, CS_STYLE_ERROR_INVALID, "degree.input",
                 _("is “%s”, but the generator's degree input is “%s”"), degree_input,
                 tensor_for_role (self->net_tensors[CS_STYLE_NETWORK_GENERATOR], "degree"));

  if (!read_int (ctx, vt, "face_size", "vtoonify.face_size", 16, 4096, &v))
    return FALSE;
  self->face_size = (int) v;
  if (!read_int (ctx, vt, "output_scale", "vtoonify.output_scale", 1, 16, &v))
    return FALSE;
  self->output_scale = (int) v;
  if (!read_int (ctx, vt, "n_latent", "vtoonify.n_latent", 1, 64, &v))
    return FALSE;
  self->n_latent = (int) v;
  if (!read_int (ctx, vt, "style_dim", "vtoonify.style_dim", 1, 4096, &v))
    return FALSE;
  self->style_dim = (int) v;
  if (!read_int (ctx, vt, "reference_rows", "vtoonify.reference_rows", 0, self->n_latent, &v))
    return FALSE;
  self->reference_rows = (int) v;

  refs = read_object (ctx, vt, "references", "vtoonify.references");
  if (refs == NULL || !read_string (ctx, refs, "file", "vtoonify.references.file", TRUE, &refs_file))
    return FALSE;
  if (!cs_styles_is_plain_relative_path (refs_file))
    return fail (ctx, CS_STYLE_ERROR_INVALID, "vtoonify.references.file",
                 _("is “%s”; it must be a path inside the style's folder, without “..”"), refs_file);
  self->references_path = g_build_filename (folder, refs_file, NULL);
  if (!resolves_inside (folder, self->references_path) || g_stat (self->references_path, &st) != 0)
    {
      g_set_error (ctx->error, CS_STYLE_ERROR, CS_STYLE_ERROR_NOT_FOUND,
                   _("%s: the file “%s” named by field “%s” does not exist"), ctx->file,
                   self->references_path, "vtoonify.references.file");
      return FALSE;
    }
  names = member (refs, "names");
  if (names == NULL || !JSON_NODE_HOLDS_ARRAY (names) || json_array_get_length (json_node_get_array (names)) == 0)
    return fail (ctx, CS_STYLE_ERROR_INVALID, "vtoonify.references.names", "%s",
                 _("must be a non-empty list of names"));
  for (guint i = 0; i < json_array_get_length (json_node_get_array (names)); i++)
    {
      JsonNode *n = json_array_get_element (json_node_get_array (names), i);
      if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
        return fail (ctx, CS_STYLE_ERROR_INVALID, "vtoonify.references.names", "%s",
                     _("must be a non-empty list of names"));
      g_strv_builder_add (builder, json_node_get_string (n));
    }
  self->reference_names = g_strv_builder_end (builder);
  expect = (guint64) g_strv_length (self->reference_names) * self->n_latent * self->style_dim * sizeof (float);
  if ((guint64) st.st_size != expect)
    return fail (ctx, CS_STYLE_ERROR_INVALID, "vtoonify.references.file",
                 _("names a file of %" G_GUINT64_FORMAT " bytes; %u codes of %d × %d floats take %"
                   G_GUINT64_FORMAT), (guint64) st.st_size, g_strv_length (self->reference_names),
                 self->n_latent, self->style_dim, expect);

  if (!read_file_field (ctx, root, "model", folder, TRUE, &self->model_path) ||
      !read_file_field (ctx, root, "thumbnail", folder, FALSE, &self->thumbnail_path))
    return FALSE;
  self->input_name = g_strdup (tensor_for_role (self->net_tensors[CS_STYLE_NETWORK_GENERATOR], "frame"));
  self->output_name = g_strdup (tensor_for_role (self->net_tensors[CS_STYLE_NETWORK_GENERATOR], "image"));
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
      !read_string (&ctx, root, "kind", "kind", FALSE, &self->kind))
    return NULL;
  if (g_strcmp0 (self->kind, CS_STYLE_KIND_VTOONIFY_D) == 0)
    return read_vtoonify (self, &ctx, root, abs_folder) ? g_steal_pointer (&self) : NULL;
  if (!read_convention (&ctx, root, "input", &self->input_name) ||
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

/* VToonify-D accessors --------------------------------------------------------------- */

gboolean
cs_style_is_vtoonify (CsStyle *self)
{
  g_return_val_if_fail (CS_IS_STYLE (self), FALSE);
  return self->vtoonify;
}

const char *
cs_style_get_network_model (CsStyle *self, CsStyleNetwork network)
{
  g_return_val_if_fail (CS_IS_STYLE (self) && network < CS_STYLE_N_NETWORKS, NULL);
  return self->net_model[network];
}

const char *
cs_style_get_network_tensor (CsStyle *self, CsStyleNetwork network, const char *role)
{
  g_return_val_if_fail (CS_IS_STYLE (self) && network < CS_STYLE_N_NETWORKS && role != NULL, NULL);
  return tensor_for_role (self->net_tensors[network], role);
}

int
cs_style_get_face_size (CsStyle *self)
{
  g_return_val_if_fail (CS_IS_STYLE (self), 0);
  return self->face_size;
}

int
cs_style_get_output_scale (CsStyle *self)
{
  g_return_val_if_fail (CS_IS_STYLE (self), 1);
  return self->vtoonify ? self->output_scale : 1;
}

int
cs_style_get_n_latent (CsStyle *self)
{
  g_return_val_if_fail (CS_IS_STYLE (self), 0);
  return self->n_latent;
}

int
cs_style_get_style_dim (CsStyle *self)
{
  g_return_val_if_fail (CS_IS_STYLE (self), 0);
  return self->style_dim;
}

int
cs_style_get_reference_rows (CsStyle *self)
{
  g_return_val_if_fail (CS_IS_STYLE (self), 0);
  return self->reference_rows;
}

guint
cs_style_get_n_references (CsStyle *self)
{
  g_return_val_if_fail (CS_IS_STYLE (self), 0);
  return self->reference_names != NULL ? g_strv_length (self->reference_names) : 0;
}

const char *
cs_style_get_reference_name (CsStyle *self, guint index)
{
  g_return_val_if_fail (CS_IS_STYLE (self), NULL);
  return index < cs_style_get_n_references (self) ? self->reference_names[index] : NULL;
}

float *
cs_style_load_reference (CsStyle *self, guint index, GError **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInputStream) in = NULL;
  gsize n, got = 0;
  g_autofree float *code = NULL;

  g_return_val_if_fail (CS_IS_STYLE (self), NULL);
  if (index >= cs_style_get_n_references (self))
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_INVALID_ARGUMENT,
                   _("The style “%s” has %u references; there is no reference %u"),
                   self->name, cs_style_get_n_references (self), index);
      return NULL;
    }
  n = (gsize) self->n_latent * self->style_dim;
  code = g_new (float, n);
  file = g_file_new_for_path (self->references_path);
  in = g_file_read (file, NULL, error);
  if (in == NULL ||
      !g_seekable_seek (G_SEEKABLE (in), (goffset) (index * n * sizeof (float)), G_SEEK_SET, NULL, error) ||
      !g_input_stream_read_all (G_INPUT_STREAM (in), code, n * sizeof (float), &got, NULL, error))
    return NULL;
  if (got != n * sizeof (float))
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_INVALID,
                   _("%s: the file ends inside reference %u"), self->references_path, index);
      return NULL;
    }
#if G_BYTE_ORDER == G_BIG_ENDIAN
  for (gsize i = 0; i < n; i++)
    {
      guint32 u;
      memcpy (&u, &code[i], 4);
      u = GUINT32_SWAP_LE_BE (u);
      memcpy (&code[i], &u, 4);
    }
#endif
  return g_steal_pointer (&code);
}
