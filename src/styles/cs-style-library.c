/* cs-style-library.c: the search path of style folders, and style packs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "cs-fst-import.h"
#include "cs-style-library.h"

/* Events in a watched folder are gathered for this long before a rescan:
 * one import or copy makes dozens of them. */
#define RELOAD_DELAY_MS 250

/* Written into each style installed from a pack: the digest of the pack's
 * description of it, so that installing the same pack again can tell an
 * identical style from an older one and from a user's own style. */
#define PACK_DIGEST_FILE ".pack-digest"

struct _CsStyleLibrary
{
  GObject    parent_instance;

  char     **search_path;
  GPtrArray *styles;    /* CsStyle, sorted by name */
  GPtrArray *warnings;  /* GError */
  GPtrArray *monitors;  /* GFileMonitor */
  guint      reload_id;
};

static void cs_style_library_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CsStyleLibrary, cs_style_library, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      cs_style_library_list_model_init))

enum {
  PROP_0,
  PROP_SEARCH_PATH,
  N_PROPS
};

enum {
  CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* Search path ---------------------------------------------------------------------- */

char *
cs_style_library_get_user_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "celshade", "styles", NULL);
}

static void
add_folder (GPtrArray  *folders,
            const char *folder)
{
  g_autofree char *abs = NULL;

  if (folder == NULL || *folder == '\0')
    return;
  abs = g_canonicalize_filename (folder, NULL);
  for (guint i = 0; i < folders->len; i++)
    if (strcmp (g_ptr_array_index (folders, i), abs) == 0)
      return;
  g_ptr_array_add (folders, g_steal_pointer (&abs));
}

char **
cs_style_library_get_default_search_path (void)
{
  g_autoptr(GPtrArray) folders = g_ptr_array_new_with_free_func (g_free);
  const char *env = g_getenv (CS_STYLES_PATH_ENV);

  g_ptr_array_add (folders, cs_style_library_get_user_dir ());
  if (env != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (env, G_SEARCHPATH_SEPARATOR_S, -1);

      for (guint i = 0; parts[i] != NULL; i++)
        add_folder (folders, parts[i]);
    }
  add_folder (folders, CS_STYLES_DIR);
  g_ptr_array_add (folders, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&folders), FALSE);
}

/* Scanning ------------------------------------------------------------------------- */

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  CsStyle *sa = *(CsStyle **) a;
  CsStyle *sb = *(CsStyle **) b;
  int r = g_utf8_collate (cs_style_get_name (sa), cs_style_get_name (sb));

  /* Equal names still need a stable order for the list model. */
  return r != 0 ? r : strcmp (cs_style_get_id (sa), cs_style_get_id (sb));
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char **) a, *(const char **) b);
}

static void
scan_folder (const char *folder,
             GHashTable *seen,
             GPtrArray  *styles,
             GPtrArray  *warnings)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) local = NULL;
  const char *name;

  dir = g_dir_open (folder, 0, &local);
  if (dir == NULL)
    {
      /* A folder of the search path that does not exist is normal: the
       * user's folder appears with the first import. */
      if (!g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT) &&
          !g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOTDIR))
        g_ptr_array_add (warnings,
                         g_error_new (CS_STYLE_ERROR, CS_STYLE_ERROR_NOT_FOUND,
                                      _("Cannot read the style folder “%s”: %s"),
                                      folder, local->message));
      return;
    }

  while ((name = g_dir_read_name (dir)) != NULL)
    if (name[0] != '.')  /* imports in progress and other hidden files */
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_strings);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (folder, g_ptr_array_index (names, i), NULL);
      g_autoptr(CsStyle) style = NULL;
      g_autoptr(GError) error = NULL;

      if (!g_file_test (path, G_FILE_TEST_IS_DIR))
        continue;

      style = cs_style_new_from_folder (path, &error);
      if (style == NULL)
        {
          g_ptr_array_add (warnings,
                           g_error_new (error->domain, error->code,
                                        _("Skipped the style in “%s”: %s"), path, error->message));
          continue;
        }
      if (g_hash_table_contains (seen, cs_style_get_id (style)))
        continue;
      g_hash_table_add (seen, g_strdup (cs_style_get_id (style)));
      g_ptr_array_add (styles, g_steal_pointer (&style));
    }
}

static gboolean
same_style (CsStyle *a,
            CsStyle *b)
{
  return g_strcmp0 (cs_style_get_folder (a), cs_style_get_folder (b)) == 0 &&
         g_strcmp0 (cs_style_get_id (a), cs_style_get_id (b)) == 0 &&
         g_strcmp0 (cs_style_get_name (a), cs_style_get_name (b)) == 0 &&
         g_strcmp0 (cs_style_get_thumbnail_path (a), cs_style_get_thumbnail_path (b)) == 0;
}

void
cs_style_library_reload (CsStyleLibrary *self)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) styles = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  guint old_n, new_n;
  gboolean same;

  g_return_if_fail (CS_IS_STYLE_LIBRARY (self));

  for (guint i = 0; self->search_path[i] != NULL; i++)
    scan_folder (self->search_path[i], seen, styles, warnings);
  g_ptr_array_sort (styles, compare_names);

  g_clear_pointer (&self->warnings, g_ptr_array_unref);
  self->warnings = g_steal_pointer (&warnings);

  old_n = self->styles->len;
  new_n = styles->len;
  same = old_n == new_n;
  for (guint i = 0; same && i < new_n; i++)
    same = same_style (g_ptr_array_index (self->styles, i), g_ptr_array_index (styles, i));
  /* Unchanged styles keep their objects, so that views holding them stay valid. */
  if (same)
    return;

  g_clear_pointer (&self->styles, g_ptr_array_unref);
  self->styles = g_steal_pointer (&styles);
  g_list_model_items_changed (G_LIST_MODEL (self), 0, old_n, new_n);
  g_signal_emit (self, signals[CHANGED], 0);
}

/* Watching ------------------------------------------------------------------------- */

static gboolean
reload_cb (gpointer data)
{
  CsStyleLibrary *self = data;

  g_assert (CS_IS_STYLE_LIBRARY (self));

  self->reload_id = 0;
  cs_style_library_reload (self);
  return G_SOURCE_REMOVE;
}

static gboolean
is_hidden (GFile *file)
{
  g_autofree char *base = file != NULL ? g_file_get_basename (file) : NULL;

  return base == NULL || base[0] == '.';
}

static void
folder_changed_cb (GFileMonitor      *monitor,
                   GFile             *file,
                   GFile             *other_file,
                   GFileMonitorEvent  event,
                   gpointer           data)
{
  CsStyleLibrary *self = data;

  g_assert (G_IS_FILE_MONITOR (monitor));
  g_assert (CS_IS_STYLE_LIBRARY (self));

  /* Work inside hidden folders (imports in progress) is not a change until
   * it is renamed into a visible name. */
  if (is_hidden (file) && is_hidden (other_file))
    return;
  if (self->reload_id == 0)
    self->reload_id = g_timeout_add (RELOAD_DELAY_MS, reload_cb, self);
}

static void
watch_search_path (CsStyleLibrary *self)
{
  for (guint i = 0; self->search_path[i] != NULL; i++)
    {
      g_autoptr(GFile) folder = g_file_new_for_path (self->search_path[i]);
      g_autoptr(GError) error = NULL;
      GFileMonitor *monitor;

      monitor = g_file_monitor_directory (folder, G_FILE_MONITOR_WATCH_MOVES, NULL, &error);
      if (monitor == NULL)
        {
          /* Still usable without: cs_style_library_reload() picks changes up. */
          g_debug ("Not watching %s: %s", self->search_path[i], error->message);
          continue;
        }
      g_signal_connect_object (monitor, "changed", G_CALLBACK (folder_changed_cb), self, 0);
      g_ptr_array_add (self->monitors, monitor);
    }
}

/* The object ----------------------------------------------------------------------- */

static GType
cs_style_library_get_item_type (GListModel *model)
{
  return CS_TYPE_STYLE;
}

static guint
cs_style_library_get_n_items (GListModel *model)
{
  return CS_STYLE_LIBRARY (model)->styles->len;
}

static gpointer
cs_style_library_get_item (GListModel *model,
                           guint       position)
{
  CsStyleLibrary *self = CS_STYLE_LIBRARY (model);

  if (position >= self->styles->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->styles, position));
}

static void
cs_style_library_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = cs_style_library_get_item_type;
  iface->get_n_items = cs_style_library_get_n_items;
  iface->get_item = cs_style_library_get_item;
}

static void
cs_style_library_constructed (GObject *object)
{
  CsStyleLibrary *self = CS_STYLE_LIBRARY (object);

  G_OBJECT_CLASS (cs_style_library_parent_class)->constructed (object);

  if (self->search_path == NULL || self->search_path[0] == NULL)
    {
      g_strfreev (self->search_path);
      self->search_path = cs_style_library_get_default_search_path ();
    }
  cs_style_library_reload (self);
  watch_search_path (self);
}

static void
cs_style_library_dispose (GObject *object)
{
  CsStyleLibrary *self = CS_STYLE_LIBRARY (object);

  g_clear_handle_id (&self->reload_id, g_source_remove);
  if (self->monitors != NULL)
    {
      for (guint i = 0; i < self->monitors->len; i++)
        g_file_monitor_cancel (g_ptr_array_index (self->monitors, i));
      g_ptr_array_set_size (self->monitors, 0);
    }

  G_OBJECT_CLASS (cs_style_library_parent_class)->dispose (object);
}

static void
cs_style_library_finalize (GObject *object)
{
  CsStyleLibrary *self = CS_STYLE_LIBRARY (object);

  g_strfreev (self->search_path);
  g_clear_pointer (&self->styles, g_ptr_array_unref);
  g_clear_pointer (&self->warnings, g_ptr_array_unref);
  g_clear_pointer (&self->monitors, g_ptr_array_unref);

  G_OBJECT_CLASS (cs_style_library_parent_class)->finalize (object);
}

static void
cs_style_library_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  CsStyleLibrary *self = CS_STYLE_LIBRARY (object);

  switch (prop_id)
    {
    case PROP_SEARCH_PATH:
      g_value_set_boxed (value, self->search_path);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cs_style_library_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  CsStyleLibrary *self = CS_STYLE_LIBRARY (object);

  switch (prop_id)
    {
    case PROP_SEARCH_PATH:
      {
        const char * const *folders = g_value_get_boxed (value);
        g_autoptr(GPtrArray) abs = g_ptr_array_new_with_free_func (g_free);

        for (guint i = 0; folders != NULL && folders[i] != NULL; i++)
          add_folder (abs, folders[i]);
        g_ptr_array_add (abs, NULL);
        g_strfreev (self->search_path);
        self->search_path = (char **) g_ptr_array_free (g_steal_pointer (&abs), FALSE);
      }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cs_style_library_class_init (CsStyleLibraryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = cs_style_library_constructed;
  object_class->dispose = cs_style_library_dispose;
  object_class->finalize = cs_style_library_finalize;
  object_class->get_property = cs_style_library_get_property;
  object_class->set_property = cs_style_library_set_property;

  /**
   * CsStyleLibrary:search-path:
   *
   * The folders searched for styles, earlier ones first; NULL or empty at
   * construction means cs_style_library_get_default_search_path().
   */
  properties[PROP_SEARCH_PATH] =
    g_param_spec_boxed ("search-path", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * CsStyleLibrary::changed:
   *
   * The list of styles changed (after ::items-changed).
   */
  signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
cs_style_library_init (CsStyleLibrary *self)
{
  self->styles = g_ptr_array_new_with_free_func (g_object_unref);
  self->warnings = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  self->monitors = g_ptr_array_new_with_free_func (g_object_unref);
}

CsStyleLibrary *
cs_style_library_new (void)
{
  return g_object_new (CS_TYPE_STYLE_LIBRARY, NULL);
}

CsStyleLibrary *
cs_style_library_new_for_search_path (const char * const *folders)
{
  return g_object_new (CS_TYPE_STYLE_LIBRARY, "search-path", folders, NULL);
}

const char * const *
cs_style_library_get_search_path (CsStyleLibrary *self)
{
  g_return_val_if_fail (CS_IS_STYLE_LIBRARY (self), NULL);

  return (const char * const *) self->search_path;
}

const char *
cs_style_library_get_import_dir (CsStyleLibrary *self)
{
  g_return_val_if_fail (CS_IS_STYLE_LIBRARY (self), NULL);

  return self->search_path[0];
}

GPtrArray *
cs_style_library_get_warnings (CsStyleLibrary *self)
{
  g_return_val_if_fail (CS_IS_STYLE_LIBRARY (self), NULL);

  return self->warnings;
}

CsStyle *
cs_style_library_lookup (CsStyleLibrary *self,
                         const char     *id)
{
  g_return_val_if_fail (CS_IS_STYLE_LIBRARY (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  for (guint i = 0; i < self->styles->len; i++)
    {
      CsStyle *style = g_ptr_array_index (self->styles, i);

      if (strcmp (cs_style_get_id (style), id) == 0)
        return style;
    }
  return NULL;
}

/* Style packs ---------------------------------------------------------------------- */

typedef struct {
  char   *path;
  char   *sha256;
  gint64  size;
} PackFile;

typedef struct {
  char      *id;
  char      *name;
  char     **authors;
  char      *licence;
  char      *source;
  GPtrArray *files;  /* PackFile */
  char      *digest;
} PackStyle;

static void
pack_file_free (PackFile *file)
{
  g_free (file->path);
  g_free (file->sha256);
  g_free (file);
}

static void
pack_style_free (PackStyle *style)
{
  g_free (style->id);
  g_free (style->name);
  g_strfreev (style->authors);
  g_free (style->licence);
  g_free (style->source);
  g_clear_pointer (&style->files, g_ptr_array_unref);
  g_free (style->digest);
  g_free (style);
}

/* A name that stays inside its folder and that a library scan does not skip. */
static gboolean
is_plain_name (const char *name)
{
  if (name == NULL || *name == '\0' || name[0] == '.')
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-' && *p != '.')
      return FALSE;
  return TRUE;
}

static gboolean
is_sha256 (const char *hex)
{
  if (hex == NULL || strlen (hex) != 64)
    return FALSE;
  for (const char *p = hex; *p != '\0'; p++)
    if (!g_ascii_isxdigit (*p) || g_ascii_isupper (*p))
      return FALSE;
  return TRUE;
}

static const char *
member_string (JsonObject *object,
               const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean
pack_error (GError    **error,
            const char *manifest_path,
            const char *what)
{
  g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_INVALID,
               _("The style pack manifest “%s” is not valid: %s"), manifest_path, what);
  return FALSE;
}

/* Everything about a style that ends up in its folder: a change to any of
 * it makes a reinstall replace the style. */
static char *
pack_style_digest (PackStyle *style)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);

#define ADD(s) g_checksum_update (sum, (const guchar *) (s), strlen (s) + 1)
  ADD (style->id);
  ADD (style->name);
  for (guint i = 0; style->authors[i] != NULL; i++)
    ADD (style->authors[i]);
  ADD ("");
  ADD (style->licence);
  ADD (style->source);
  for (guint i = 0; i < style->files->len; i++)
    {
      PackFile *file = g_ptr_array_index (style->files, i);

      ADD (file->path);
      ADD (file->sha256);
    }
#undef ADD
  return g_strdup (g_checksum_get_string (sum));
}

static GPtrArray *
pack_load (const char *manifest_path,
           GError    **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GPtrArray) styles = g_ptr_array_new_with_free_func ((GDestroyNotify) pack_style_free);
  g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) local = NULL;
  JsonNode *root;
  JsonNode *styles_node;
  JsonArray *array;

  if (!json_parser_load_from_file (parser, manifest_path, &local))
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_NOT_FOUND,
                     _("The style pack manifest “%s” does not exist"), manifest_path);
      else
        pack_error (error, manifest_path, local->message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return pack_error (error, manifest_path, _("it is not a JSON object")), NULL;
  if (json_object_get_int_member_with_default (json_node_get_object (root), "format-version", 0) != 1)
    return pack_error (error, manifest_path, _("its “format-version” is not 1")), NULL;
  styles_node = json_object_get_member (json_node_get_object (root), "styles");
  if (styles_node == NULL || !JSON_NODE_HOLDS_ARRAY (styles_node) ||
      json_array_get_length (json_node_get_array (styles_node)) == 0)
    return pack_error (error, manifest_path, _("it lists no “styles”")), NULL;

  array = json_node_get_array (styles_node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      JsonObject *object;
      JsonNode *files_node;
      JsonNode *authors_node;
      PackStyle *style;
      JsonArray *files;
      g_autoptr(GStrvBuilder) authors = g_strv_builder_new ();

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return pack_error (error, manifest_path, _("a style is not a JSON object")), NULL;
      object = json_node_get_object (node);

      if (g_strcmp0 (member_string (object, "format"), "fast-style-transfer") != 0)
        {
          g_autofree char *what = g_strdup_printf (_("style %u is not in the “fast-style-transfer” format"), i + 1);

          return pack_error (error, manifest_path, what), NULL;
        }
      if (!is_plain_name (member_string (object, "id")) || member_string (object, "name") == NULL)
        {
          g_autofree char *what = g_strdup_printf (_("style %u has no valid “id” and “name”"), i + 1);

          return pack_error (error, manifest_path, what), NULL;
        }

      style = g_new0 (PackStyle, 1);
      g_ptr_array_add (styles, style);
      style->id = g_strdup (member_string (object, "id"));
      style->name = g_strdup (member_string (object, "name"));
      style->licence = g_strdup (member_string (object, "licence") != NULL
                                 ? member_string (object, "licence") : "unknown");
      style->source = g_strdup (member_string (object, "source") != NULL
                                ? member_string (object, "source") : "");
      style->files = g_ptr_array_new_with_free_func ((GDestroyNotify) pack_file_free);

      if (!g_hash_table_add (ids, style->id))
        {
          g_autofree char *what = g_strdup_printf (_("the style id “%s” appears twice"), style->id);

          return pack_error (error, manifest_path, what), NULL;
        }

      authors_node = json_object_get_member (object, "authors");
      if (authors_node != NULL && JSON_NODE_HOLDS_ARRAY (authors_node))
        {
          JsonArray *list = json_node_get_array (authors_node);

          for (guint k = 0; k < json_array_get_length (list); k++)
            {
              JsonNode *author = json_array_get_element (list, k);

              if (JSON_NODE_HOLDS_VALUE (author) && json_node_get_value_type (author) == G_TYPE_STRING)
                g_strv_builder_add (authors, json_node_get_string (author));
            }
        }
      style->authors = g_strv_builder_end (authors);

      files_node = json_object_get_member (object, "files");
      if (files_node == NULL || !JSON_NODE_HOLDS_ARRAY (files_node) ||
          json_array_get_length (json_node_get_array (files_node)) == 0)
        {
          g_autofree char *what = g_strdup_printf (_("the style “%s” lists no “files”"), style->id);

          return pack_error (error, manifest_path, what), NULL;
        }
      files = json_node_get_array (files_node);
      for (guint k = 0; k < json_array_get_length (files); k++)
        {
          JsonNode *file_node = json_array_get_element (files, k);
          JsonObject *file_object;
          PackFile *file;

          if (!JSON_NODE_HOLDS_OBJECT (file_node))
            return pack_error (error, manifest_path, _("a file entry is not a JSON object")), NULL;
          file_object = json_node_get_object (file_node);
          if (!is_plain_name (member_string (file_object, "path")) ||
              !is_sha256 (member_string (file_object, "sha256")) ||
              json_object_get_int_member_with_default (file_object, "size", -1) < 0)
            {
              g_autofree char *what =
                g_strdup_printf (_("file %u of the style “%s” needs a plain “path”, a “size” and a lower-case hexadecimal “sha256”"),
                                 k + 1, style->id);

              return pack_error (error, manifest_path, what), NULL;
            }
          file = g_new0 (PackFile, 1);
          file->path = g_strdup (member_string (file_object, "path"));
          file->sha256 = g_strdup (member_string (file_object, "sha256"));
          file->size = json_object_get_int_member (file_object, "size");
          g_ptr_array_add (style->files, file);
        }
      style->digest = pack_style_digest (style);
    }

  return g_steal_pointer (&styles);
}

/* The SHA-256 of a file as lower-case hex, or NULL with errno's message. */
static char *
file_sha256 (const char   *path,
             GCancellable *cancellable,
             GError      **error)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guchar *buffer = g_malloc (1 << 16);
  FILE *f;
  size_t n;

  f = g_fopen (path, "rbe");
  if (f == NULL)
    {
      int saved = errno;

      g_set_error_literal (error, G_FILE_ERROR, g_file_error_from_errno (saved), g_strerror (saved));
      return NULL;
    }
  while ((n = fread (buffer, 1, 1 << 16, f)) > 0)
    {
      g_checksum_update (sum, buffer, n);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          fclose (f);
          return NULL;
        }
    }
  if (ferror (f))
    {
      g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_IO, g_strerror (EIO));
      fclose (f);
      return NULL;
    }
  fclose (f);
  return g_strdup (g_checksum_get_string (sum));
}

/* Every problem is listed, not only the first, so that one download of the
 * missing or damaged files is enough. */
static gboolean
pack_verify (GPtrArray    *styles,
             const char   *source_dir,
             GCancellable *cancellable,
             GError      **error)
{
  g_autoptr(GString) problems = g_string_new (NULL);
  guint n_problems = 0;

  for (guint i = 0; i < styles->len; i++)
    {
      PackStyle *style = g_ptr_array_index (styles, i);

      for (guint k = 0; k < style->files->len; k++)
        {
          PackFile *file = g_ptr_array_index (style->files, k);
          g_autofree char *path = g_build_filename (source_dir, style->id, file->path, NULL);
          g_autofree char *digest = NULL;
          g_autoptr(GError) local = NULL;
          GStatBuf st;

          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            return FALSE;

          if (g_stat (path, &st) != 0 || !S_ISREG (st.st_mode))
            {
              g_string_append_printf (problems, _("\n  %s: missing"), path);
              n_problems++;
              continue;
            }
          if (st.st_size != file->size)
            {
              g_string_append_printf (problems,
                                      _("\n  %s: %lld bytes, expected %lld"),
                                      path, (long long) st.st_size, (long long) file->size);
              n_problems++;
              continue;
            }
          digest = file_sha256 (path, cancellable, &local);
          if (digest == NULL)
            {
              if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                {
                  g_propagate_error (error, g_steal_pointer (&local));
                  return FALSE;
                }
              g_string_append_printf (problems, _("\n  %s: cannot be read: %s"), path, local->message);
              n_problems++;
            }
          else if (strcmp (digest, file->sha256) != 0)
            {
              g_string_append_printf (problems, _("\n  %s: SHA-256 %s, expected %s"),
                                      path, digest, file->sha256);
              n_problems++;
            }
        }
    }

  if (n_problems > 0)
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_CHECKPOINT,
                   g_dngettext (GETTEXT_PACKAGE,
                                "The style pack in “%s” is incomplete or damaged; nothing was installed. "
                                "Download %u file again:%s",
                                "The style pack in “%s” is incomplete or damaged; nothing was installed. "
                                "Download %u files again:%s",
                                n_problems),
                   source_dir, n_problems, problems->str);
      return FALSE;
    }
  return TRUE;
}

gboolean
cs_style_pack_verify (const char   *manifest_path,
                      const char   *source_dir,
                      GCancellable *cancellable,
                      GError      **error)
{
  g_autoptr(GPtrArray) styles = NULL;

  g_return_val_if_fail (manifest_path != NULL, FALSE);
  g_return_val_if_fail (source_dir != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  styles = pack_load (manifest_path, error);
  return styles != NULL && pack_verify (styles, source_dir, cancellable, error);
}

/* Deletes a folder this code made, with what is in it. Symbolic links are
 * removed, never followed. */
static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_SYMLINK) && g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      dir = g_dir_open (path, 0, NULL);
      if (dir != NULL)
        while ((name = g_dir_read_name (dir)) != NULL)
          {
            g_autofree char *child = g_build_filename (path, name, NULL);

            remove_tree (child);
          }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

typedef enum {
  PLAN_INSTALL,  /* nothing there yet */
  PLAN_REPLACE,  /* an earlier pack version, or a damaged copy of one */
  PLAN_SKIP,     /* an identical copy */
} Plan;

static Plan
plan_style (PackStyle  *style,
            const char *target,
            GError    **error)
{
  g_autofree char *digest_path = g_build_filename (target, PACK_DIGEST_FILE, NULL);
  g_autofree char *digest = NULL;
  g_autoptr(CsStyle) installed = NULL;

  if (!g_file_test (target, G_FILE_TEST_EXISTS) && !g_file_test (target, G_FILE_TEST_IS_SYMLINK))
    return PLAN_INSTALL;

  if (g_file_test (target, G_FILE_TEST_IS_SYMLINK) || !g_file_test (target, G_FILE_TEST_IS_DIR) ||
      !g_file_get_contents (digest_path, &digest, NULL, NULL))
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_EXISTS,
                   _("“%s” already exists and did not come from a style pack; move it away, "
                     "or install the pack into another folder"), target);
      return PLAN_INSTALL;
    }

  installed = cs_style_new_from_folder (target, NULL);
  if (installed != NULL && strcmp (g_strstrip (digest), style->digest) == 0)
    return PLAN_SKIP;
  return PLAN_REPLACE;
}

/* Puts a finished style in place: a new one only where nothing appeared in
 * the meantime, a replacement by exchanging the two folders in one step so
 * that the library never sees the style missing. The old copy ends up at
 * new_path, for the caller to delete. */
static gboolean
move_style (const char *new_path,
            const char *target,
            Plan        plan,
            GError    **error)
{
  unsigned int flags = plan == PLAN_REPLACE ? RENAME_EXCHANGE : RENAME_NOREPLACE;
  int saved;

  if (renameat2 (AT_FDCWD, new_path, AT_FDCWD, target, flags) == 0)
    return TRUE;
  saved = errno;
  if (saved == EINVAL || saved == ENOSYS)
    {
      /* File systems without renameat2's flags: two renames, still no
       * half-written style at any moment. */
      g_autofree char *aside = g_strconcat (new_path, ".old", NULL);

      if (plan != PLAN_REPLACE)
        {
          if (g_file_test (target, G_FILE_TEST_EXISTS))
            saved = EEXIST;
          else if (g_rename (new_path, target) == 0)
            return TRUE;
          else
            saved = errno;
        }
      else if (g_rename (target, aside) != 0)
        saved = errno;
      else if (g_rename (new_path, target) == 0)
        return TRUE;  /* the old copy, in the temporary folder, goes with it */
      else
        {
          saved = errno;
          g_rename (aside, target);
        }
    }

  g_set_error (error, CS_STYLE_ERROR, saved == EEXIST ? CS_STYLE_ERROR_EXISTS : CS_STYLE_ERROR_FAILED,
               _("Cannot move the new style into “%s”: %s"), target, g_strerror (saved));
  return FALSE;
}

gboolean
cs_style_pack_install (const char         *manifest_path,
                       const char         *source_dir,
                       const char         *dest_dir,
                       CsDevice           *device,
                       CsStylePackProgress progress,
                       gpointer            user_data,
                       guint              *n_installed,
                       guint              *n_skipped,
                       GCancellable       *cancellable,
                       GError            **error)
{
  g_autoptr(GPtrArray) styles = NULL;
  g_autoptr(CsDevice) own_device = NULL;
  g_autofree Plan *plans = NULL;
  g_autofree char *dest = NULL;
  g_autofree char *tmp = NULL;
  guint installed = 0;
  guint skipped = 0;
  gboolean ok = TRUE;

  g_return_val_if_fail (manifest_path != NULL, FALSE);
  g_return_val_if_fail (source_dir != NULL, FALSE);
  g_return_val_if_fail (dest_dir != NULL, FALSE);
  g_return_val_if_fail (device == NULL || CS_IS_DEVICE (device), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (n_installed != NULL)
    *n_installed = 0;
  if (n_skipped != NULL)
    *n_skipped = 0;

  /* Everything is checked before anything is written. */
  styles = pack_load (manifest_path, error);
  if (styles == NULL || !pack_verify (styles, source_dir, cancellable, error))
    return FALSE;

  dest = g_canonicalize_filename (dest_dir, NULL);
  plans = g_new0 (Plan, styles->len);
  for (guint i = 0; i < styles->len; i++)
    {
      PackStyle *style = g_ptr_array_index (styles, i);
      g_autofree char *target = g_build_filename (dest, style->id, NULL);
      GError *local = NULL;

      plans[i] = plan_style (style, target, &local);
      if (local != NULL)
        {
          g_propagate_error (error, local);
          return FALSE;
        }
      if (plans[i] == PLAN_SKIP)
        skipped++;
    }

  if (skipped < styles->len)
    {
      if (g_mkdir_with_parents (dest, 0755) != 0)
        {
          int saved = errno;

          g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_FAILED,
                       _("Cannot make the folder “%s”: %s"), dest, g_strerror (saved));
          return FALSE;
        }
      /* Hidden, so that a library scan skips it, and on the same file
       * system as the destination, so that moving each style is a rename. */
      tmp = g_build_filename (dest, ".pack-XXXXXX", NULL);
      if (g_mkdtemp_full (tmp, 0755) == NULL)
        {
          int saved = errno;

          g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_FAILED,
                       _("Cannot write in the folder “%s”: %s"), dest, g_strerror (saved));
          return FALSE;
        }
      if (device == NULL)
        {
          own_device = cs_device_new (NULL, error);
          device = own_device;
          ok = device != NULL;
        }
    }

  for (guint i = 0; ok && i < styles->len; i++)
    {
      PackStyle *style = g_ptr_array_index (styles, i);
      g_autofree char *checkpoint = g_build_filename (source_dir, style->id, NULL);
      g_autofree char *new_path = NULL;
      g_autofree char *digest_path = NULL;
      g_autofree char *digest = NULL;
      CsFstImportOptions options = { NULL };

      if (progress != NULL)
        progress (style->id, style->name, i, styles->len, plans[i] == PLAN_SKIP, user_data);
      if (plans[i] == PLAN_SKIP)
        continue;

      new_path = g_build_filename (tmp, style->id, NULL);
      digest_path = g_build_filename (new_path, PACK_DIGEST_FILE, NULL);
      digest = g_strconcat (style->digest, "\n", NULL);
      options.name = style->name;
      options.authors = (const char * const *) style->authors;
      options.licence = style->licence;
      options.source = *style->source != '\0' ? style->source : NULL;
      options.device = device;
      ok = cs_fst_import_with_options (checkpoint, new_path, &options, cancellable, error) &&
           g_file_set_contents (digest_path, digest, -1, error);
    }

  /* Only when every style is ready does any of them appear. */
  for (guint i = 0; ok && i < styles->len; i++)
    {
      PackStyle *style = g_ptr_array_index (styles, i);
      g_autofree char *new_path = NULL;
      g_autofree char *target = NULL;

      if (plans[i] == PLAN_SKIP)
        continue;
      new_path = g_build_filename (tmp, style->id, NULL);
      target = g_build_filename (dest, style->id, NULL);
      ok = move_style (new_path, target, plans[i], error);
      if (ok)
        installed++;
    }

  if (tmp != NULL)
    remove_tree (tmp);

  if (n_installed != NULL)
    *n_installed = installed;
  if (n_skipped != NULL)
    *n_skipped = skipped;
  return ok;
}
