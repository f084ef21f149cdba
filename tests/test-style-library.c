/* test-style-library.c: the search path of styles and style packs
 *
 * Style folders are made in a temporary folder: the library lists the valid
 * ones, sorted by name, the earlier search folder winning on equal ids, and
 * reports broken ones as warnings; it notices styles added and removed. Pack
 * installs are checked with a pack of dummy files (verification only) and,
 * where the shared test data is present, with one real style of the default
 * pack: installed, skipped when installed again, replaced when the pack
 * changes, and never installed over a style the user made.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "cs-styles.h"
#include "cs-test.h"

static char *tmp_dir;
static char *data_dir;  /* the shared test data, or NULL */
static CsDevice *device;

/* Helpers ---------------------------------------------------------------------------- */

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmp_dir, name, NULL);
}

static void
write_file (const char *path,
            const char *contents)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

/* A style folder that loads: style.json and an (empty) model file are all
 * the library looks at. */
static void
make_style (const char *folder,
            const char *id,
            const char *name)
{
  g_autofree char *json_path = g_build_filename (folder, "style.json", NULL);
  g_autofree char *model_path = g_build_filename (folder, "model.onnx", NULL);
  g_autofree char *json = g_strdup_printf (
    "{ \"format\": 1, \"id\": \"%s\", \"name\": \"%s\", \"authors\": [],"
    "  \"licence\": \"MIT\", \"source\": \"test\", \"kind\": \"fast-style-transfer\","
    "  \"model\": \"model.onnx\","
    "  \"input\": { \"tensor\": \"input\", \"layout\": \"NCHW\", \"channels\": \"RGB\", \"range\": [0, 255] },"
    "  \"output\": { \"tensor\": \"output\", \"layout\": \"NCHW\", \"channels\": \"RGB\", \"range\": [0, 255] },"
    "  \"size_multiple\": 4,"
    "  \"degree\": { \"kind\": \"blend\", \"description\": \"d\" } }",
    id, name);

  write_file (json_path, json);
  write_file (model_path, "");
}

static void
make_style_in (const char *parent,
               const char *folder_name,
               const char *id,
               const char *name)
{
  g_autofree char *folder = g_build_filename (parent, folder_name, NULL);

  make_style (folder, id, name);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char **) a, *(const char **) b);
}

/* The names of the folder's entries, sorted, hidden ones included. */
static char *
list_folder (const char *folder)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, (char *) name);
  g_ptr_array_sort (names, compare_strings);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

static char *
style_ids (CsStyleLibrary *library)
{
  g_autoptr(GString) ids = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (library)); i++)
    {
      g_autoptr(CsStyle) style = g_list_model_get_item (G_LIST_MODEL (library), i);

      g_string_append_printf (ids, "%s%s", i > 0 ? " " : "", cs_style_get_id (style));
    }
  return g_string_free (g_steal_pointer (&ids), FALSE);
}

/* The library ------------------------------------------------------------------------ */

static void
test_library_list (void)
{
  g_autofree char *user = tmp_path ("list/user");
  g_autofree char *system = tmp_path ("list/system");
  g_autofree char *missing = tmp_path ("list/missing");
  g_autofree char *p = NULL;
  g_autofree char *ids = NULL;
  const char *path[] = { user, missing, system, NULL };
  g_autoptr(CsStyleLibrary) library = NULL;
  g_autoptr(CsStyle) first = NULL;
  CsStyle *wave;
  GPtrArray *warnings;

  make_style_in (system, "wave", "wave", "The Great Wave");
  make_style_in (system, "udnie", "udnie", "Udnie");
  make_style_in (system, "alpha", "alpha", "Alpha");
  /* The user's copy of wave, under another folder name, wins. */
  make_style_in (user, "my-wave", "wave", "My Wave");
  /* Broken: no model file; not JSON; hidden (an import in progress). */
  make_style_in (user, "broken", "broken", "Broken");
  p = g_build_filename (user, "broken", "model.onnx", NULL);
  g_unlink (p);
  g_clear_pointer (&p, g_free);
  p = g_build_filename (system, "garbled", "style.json", NULL);
  write_file (p, "{ not json");
  g_clear_pointer (&p, g_free);
  make_style_in (user, ".udnie.import-123456", "hidden", "Hidden");
  /* A plain file in a style folder is not a style and no problem. */
  p = g_build_filename (system, "README", NULL);
  write_file (p, "styles");

  library = cs_style_library_new_for_search_path (path);
  g_assert_true (G_IS_LIST_MODEL (library));
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (library)) == CS_TYPE_STYLE);
  g_assert_cmpstr (cs_style_library_get_import_dir (library), ==, user);
  g_assert_cmpuint (g_strv_length ((char **) cs_style_library_get_search_path (library)), ==, 3);

  /* Sorted by name: Alpha, My Wave, Udnie. */
  ids = style_ids (library);
  g_assert_cmpstr (ids, ==, "alpha wave udnie");
  wave = cs_style_library_lookup (library, "wave");
  g_assert_nonnull (wave);
  g_assert_cmpstr (cs_style_get_name (wave), ==, "My Wave");
  g_assert_true (g_str_has_prefix (cs_style_get_folder (wave), user));
  g_assert_null (cs_style_library_lookup (library, "broken"));
  g_assert_null (cs_style_library_lookup (library, "hidden"));
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (library), 3));

  /* Two warnings, each naming its folder; the missing search folder is none. */
  warnings = cs_style_library_get_warnings (library);
  g_assert_cmpuint (warnings->len, ==, 2);
  for (guint i = 0; i < warnings->len; i++)
    {
      GError *warning = g_ptr_array_index (warnings, i);

      g_assert_true (warning->domain == CS_STYLE_ERROR);
      g_assert_true (strstr (warning->message, "broken") != NULL ||
                     strstr (warning->message, "garbled") != NULL);
    }

  /* A reload that finds the same styles keeps the same objects. */
  first = g_list_model_get_item (G_LIST_MODEL (library), 0);
  cs_style_library_reload (library);
  {
    g_autoptr(CsStyle) again = g_list_model_get_item (G_LIST_MODEL (library), 0);

    g_assert_true (again == first);
  }
}

static void
count_cb (gpointer  instance,
          gpointer  data)
{
  (*(guint *) data)++;
}

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    data)
{
  guint *counts = data;

  counts[0] = removed;
  counts[1] = added;
}

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until the counter moves, or 5 s. */
static void
wait_for_change (guint *counter,
                 guint  before)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (5000, timeout_cb, &timed_out);

  while (*counter == before && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
}

static void
test_library_watch (void)
{
  g_autofree char *user = tmp_path ("watch/user");
  g_autofree char *style_dir = g_build_filename (user, "fresh", NULL);
  g_autofree char *tmp_style = g_build_filename (user, ".fresh.import-abcdef", NULL);
  g_autofree char *ids = NULL;
  const char *path[] = { user, NULL };
  g_autoptr(CsStyleLibrary) library = NULL;
  guint changed = 0;
  guint counts[2] = { 0, 0 };

  g_assert_cmpint (g_mkdir_with_parents (user, 0755), ==, 0);
  library = cs_style_library_new_for_search_path (path);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (library)), ==, 0);
  g_signal_connect (library, "changed", G_CALLBACK (count_cb), &changed);
  g_signal_connect (library, "items-changed", G_CALLBACK (items_changed_cb), counts);

  /* As an import does it: written hidden, then renamed into place. */
  make_style (tmp_style, "fresh", "Fresh");
  g_assert_cmpint (g_rename (tmp_style, style_dir), ==, 0);
  wait_for_change (&changed, 0);
  g_assert_cmpuint (changed, ==, 1);
  g_assert_cmpuint (counts[0], ==, 0);
  g_assert_cmpuint (counts[1], ==, 1);
  ids = style_ids (library);
  g_assert_cmpstr (ids, ==, "fresh");

  cs_test_remove_tree (style_dir);
  wait_for_change (&changed, 1);
  g_assert_cmpuint (changed, ==, 2);
  g_assert_cmpuint (counts[0], ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (library)), ==, 0);
}

static void
test_library_default_path (void)
{
  g_autofree char *user = cs_style_library_get_user_dir ();
  g_autofree char *expected_user = g_build_filename (g_get_user_data_dir (), "celshade", "styles", NULL);
  g_autofree char *extra1 = tmp_path ("env/one");
  g_autofree char *extra2 = tmp_path ("env/two");
  g_auto(GStrv) path = NULL;
  g_autoptr(CsStyleLibrary) library = NULL;

  g_assert_cmpstr (user, ==, expected_user);

  /* main() set CS_STYLES_PATH_ENV to one, an empty entry, two, one. */
  path = cs_style_library_get_default_search_path ();

  /* The user's folder, then the variable's folders once each, empty
   * entries dropped, then the installed styles. */
  g_assert_cmpuint (g_strv_length (path), ==, 4);
  g_assert_cmpstr (path[0], ==, user);
  g_assert_cmpstr (path[1], ==, extra1);
  g_assert_cmpstr (path[2], ==, extra2);
  g_assert_cmpstr (path[3], ==, CS_STYLES_DIR);

  make_style_in (extra2, "envstyle", "envstyle", "From the environment");
  library = cs_style_library_new ();
  g_assert_nonnull (cs_style_library_lookup (library, "envstyle"));
}

/* Packs ------------------------------------------------------------------------------ */

typedef struct {
  const char *path;
  const char *contents;
} DummyFile;

static const DummyFile dummy_files[] = {
  { "manifest.json", "{}" },
  { "Variable", "weights" },
  { "Variable_1", "shift" },
};

/* A pack of one style whose files hold the given contents; the manifest
 * describes dummy_files. Returns the manifest's path. */
static char *
make_dummy_pack (const char *folder,
                 const char *damaged_path)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  char *manifest = g_build_filename (folder, "pack.json", NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format-version");
  json_builder_add_int_value (b, 1);
  json_builder_set_member_name (b, "styles");
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, "dummy");
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, "Dummy");
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, "fast-style-transfer");
  json_builder_set_member_name (b, "files");
  json_builder_begin_array (b);
  for (guint i = 0; i < G_N_ELEMENTS (dummy_files); i++)
    {
      g_autofree char *sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, dummy_files[i].contents, -1);
      g_autofree char *path = g_build_filename (folder, "src", "dummy", dummy_files[i].path, NULL);
      g_autofree char *contents = g_strdup (dummy_files[i].contents);

      /* Same size, other bytes: only the hash can tell. */
      if (g_strcmp0 (dummy_files[i].path, damaged_path) == 0)
        g_strdelimit (contents, "ehwsi", 'X');
      write_file (path, contents);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "path");
      json_builder_add_string_value (b, dummy_files[i].path);
      json_builder_set_member_name (b, "size");
      json_builder_add_int_value (b, strlen (dummy_files[i].contents));
      json_builder_set_member_name (b, "sha256");
      json_builder_add_string_value (b, sum);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  json_builder_end_array (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  write_file (manifest, text);
  return manifest;
}

static void
test_pack_verify (void)
{
  g_autofree char *good = tmp_path ("verify/good");
  g_autofree char *bad = tmp_path ("verify/bad");
  g_autofree char *good_manifest = make_dummy_pack (good, NULL);
  g_autofree char *bad_manifest = make_dummy_pack (bad, "Variable");
  g_autofree char *good_src = g_build_filename (good, "src", NULL);
  g_autofree char *bad_src = g_build_filename (bad, "src", NULL);
  g_autofree char *dest = tmp_path ("verify/dest");
  g_autofree char *missing = g_build_filename (good_src, "dummy", "Variable_1", NULL);
  g_autofree char *listing = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (cs_style_pack_verify (good_manifest, good_src, NULL, &error));
  g_assert_no_error (error);

  g_assert_false (cs_style_pack_verify (bad_manifest, bad_src, NULL, &error));
  g_assert_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_CHECKPOINT);
  g_assert_nonnull (strstr (error->message, "dummy/Variable:"));
  g_assert_null (strstr (error->message, "Variable_1"));
  g_clear_error (&error);

  /* Refused before anything is written, even the destination folder. */
  g_assert_false (cs_style_pack_install (bad_manifest, bad_src, dest, device, NULL, NULL,
                                         NULL, NULL, NULL, &error));
  g_assert_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_CHECKPOINT);
  g_clear_error (&error);
  g_assert_false (g_file_test (dest, G_FILE_TEST_EXISTS));

  /* A missing file and a wrong size are named too. */
  g_assert_cmpint (g_unlink (missing), ==, 0);
  write_file ((listing = g_build_filename (good_src, "dummy", "Variable", NULL)), "weights, longer");
  g_assert_false (cs_style_pack_verify (good_manifest, good_src, NULL, &error));
  g_assert_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_CHECKPOINT);
  g_assert_nonnull (strstr (error->message, "dummy/Variable_1: missing"));
  g_assert_nonnull (strstr (error->message, "dummy/Variable: 15 bytes, expected 7"));
  g_clear_error (&error);

  /* A manifest that does not exist, or is not one. */
  g_assert_false (cs_style_pack_verify (missing, good_src, NULL, &error));
  g_assert_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (cs_style_pack_verify (listing, good_src, NULL, &error));
  g_assert_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_INVALID);
  g_clear_error (&error);
}

static void
test_pack_manifest_errors (void)
{
  static const char *bad[] = {
    "[]",
    "{ \"format-version\": 2, \"styles\": [] }",
    "{ \"format-version\": 1, \"styles\": [] }",
    "{ \"format-version\": 1, \"styles\": [ { \"id\": \"../up\", \"name\": \"U\", \"format\": \"fast-style-transfer\","
    "  \"files\": [ { \"path\": \"a\", \"size\": 1, \"sha256\": \"" "0000000000000000000000000000000000000000000000000000000000000000" "\" } ] } ] }",
    "{ \"format-version\": 1, \"styles\": [ { \"id\": \"u\", \"name\": \"U\", \"format\": \"fast-style-transfer\","
    "  \"files\": [ { \"path\": \"../a\", \"size\": 1, \"sha256\": \"" "0000000000000000000000000000000000000000000000000000000000000000" "\" } ] } ] }",
    "{ \"format-version\": 1, \"styles\": [ { \"id\": \"u\", \"name\": \"U\", \"format\": \"fast-style-transfer\","
    "  \"files\": [ { \"path\": \"a\", \"size\": 1, \"sha256\": \"123\" } ] } ] }",
    "{ \"format-version\": 1, \"styles\": [ { \"id\": \"u\", \"name\": \"U\", \"format\": \"onnx\","
    "  \"files\": [ { \"path\": \"a\", \"size\": 1, \"sha256\": \"" "0000000000000000000000000000000000000000000000000000000000000000" "\" } ] } ] }",
    "{ \"format-version\": 1, \"styles\": [ { \"id\": \"u\", \"name\": \"U\", \"format\": \"fast-style-transfer\", \"files\": [] } ] }",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *name = g_strdup_printf ("manifests/bad-%u.json", i);
      g_autofree char *path = tmp_path (name);
      g_autoptr(GError) error = NULL;

      write_file (path, bad[i]);
      g_assert_false (cs_style_pack_verify (path, tmp_dir, NULL, &error));
      g_assert_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, path));
    }
}

/* data/style-pack.json reduced to the one style id, with the name given. */
static char *
one_style_manifest (const char *id,
                    const char *name,
                    const char *file_name)
{
  g_autofree char *source = g_build_filename (CS_SOURCE_DIR, "data", "style-pack.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  char *path = tmp_path (file_name);
  JsonObject *root;
  JsonArray *styles;

  json_parser_load_from_file (parser, source, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  styles = json_object_get_array_member (root, "styles");
  for (guint i = json_array_get_length (styles); i-- > 0;)
    {
      JsonObject *style = json_array_get_object_element (styles, i);

      if (strcmp (json_object_get_string_member (style, "id"), id) != 0)
        json_array_remove_element (styles, i);
      else
        json_object_set_string_member (style, "name", name);
    }
  g_assert_cmpuint (json_array_get_length (styles), ==, 1);
  json_generator_set_root (gen, json_parser_get_root (parser));
  text = json_generator_to_data (gen, NULL);
  write_file (path, text);
  return path;
}

static void
progress_cb (const char *style_id,
             const char *style_name,
             guint       index,
             guint       n_styles,
             gboolean    skipped,
             gpointer    data)
{
  GString *log = data;

  g_string_append_printf (log, "%s %s %u/%u %s;", style_id, style_name, index, n_styles,
                          skipped ? "skip" : "import");
}

static void
test_pack_install_real (void)
{
  g_autofree char *pack = NULL;
  g_autofree char *manifest = NULL;
  g_autofree char *renamed = NULL;
  g_autofree char *dest = tmp_path ("install/styles");
  g_autofree char *style_dir = g_build_filename (dest, "udnie", NULL);
  g_autofree char *listing = NULL;
  g_autoptr(GString) log = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CsStyle) style = NULL;
  g_autoptr(CsStyle) style2 = NULL;
  guint n_installed = 99, n_skipped = 99;

  if (data_dir == NULL)
    {
      g_test_skip ("shared test data not found; set CELSHADE_TEST_DATA to the folder holding styles/ml5");
      return;
    }
  pack = g_build_filename (data_dir, "styles", "ml5", NULL);
  manifest = one_style_manifest ("udnie", "Udnie", "udnie-pack.json");
  renamed = one_style_manifest ("udnie", "Udnie (new edition)", "udnie-pack-2.json");

  g_assert_true (cs_style_pack_install (manifest, pack, dest, device, progress_cb, log,
                                        &n_installed, &n_skipped, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_installed, ==, 1);
  g_assert_cmpuint (n_skipped, ==, 0);
  g_assert_cmpstr (log->str, ==, "udnie Udnie 0/1 import;");

  style = cs_style_new_from_folder (style_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cs_style_get_id (style), ==, "udnie");
  g_assert_cmpstr (cs_style_get_name (style), ==, "Udnie");
  g_assert_cmpstr (cs_style_get_authors (style)[0], ==, "Francis Picabia");
  g_assert_cmpstr (cs_style_get_licence (style), ==, "MIT (ml5-data-and-models)");
  g_assert_true (g_str_has_prefix (cs_style_get_source (style), "https://github.com/ml5js/ml5-data-and-models/"));
  g_assert_nonnull (cs_style_get_thumbnail_path (style));
  /* Nothing else is left in the destination: no temporary folder. */
  listing = list_folder (dest);
  g_assert_cmpstr (listing, ==, "udnie");

  /* Again: skipped, untouched. */
  g_string_truncate (log, 0);
  g_assert_true (cs_style_pack_install (manifest, pack, dest, device, progress_cb, log,
                                        &n_installed, &n_skipped, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_installed, ==, 0);
  g_assert_cmpuint (n_skipped, ==, 1);
  g_assert_cmpstr (log->str, ==, "udnie Udnie 0/1 skip;");

  /* A new edition of the pack replaces it in one step. */
  g_assert_true (cs_style_pack_install (renamed, pack, dest, device, NULL, NULL,
                                        &n_installed, &n_skipped, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_installed, ==, 1);
  style2 = cs_style_new_from_folder (style_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cs_style_get_name (style2), ==, "Udnie (new edition)");
  g_clear_pointer (&listing, g_free);
  listing = list_folder (dest);
  g_assert_cmpstr (listing, ==, "udnie");

  /* A style of the same id that the user made is never replaced. */
  cs_test_remove_tree (style_dir);
  make_style (style_dir, "udnie", "My own Udnie");
  g_assert_false (cs_style_pack_install (manifest, pack, dest, device, NULL, NULL,
                                         NULL, NULL, NULL, &error));
  g_assert_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, style_dir));
  g_clear_error (&error);
  g_clear_object (&style);
  style = cs_style_new_from_folder (style_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cs_style_get_name (style), ==, "My own Udnie");
  g_clear_pointer (&listing, g_free);
  listing = list_folder (dest);
  g_assert_cmpstr (listing, ==, "udnie");
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  const char *env;
  int status;

  /* Before anything asks GLib for the user's folders. */
  tmp_dir = g_dir_make_tmp ("celshade-style-library-XXXXXX", &error);
  g_assert_no_error (error);
  {
    g_autofree char *home = g_build_filename (tmp_dir, "home", NULL);

    g_autofree char *one = g_build_filename (tmp_dir, "env", "one", NULL);
    g_autofree char *two = g_build_filename (tmp_dir, "env", "two", NULL);
    g_autofree char *styles_path = g_strjoin (":", one, "", two, one, NULL);

    /* Set once, here, while no thread runs yet. */
    g_setenv ("XDG_DATA_HOME", home, TRUE);
    g_setenv (CS_STYLES_PATH_ENV, styles_path, TRUE);
  }

  g_test_init (&argc, &argv, NULL);

  env = g_getenv ("CELSHADE_TEST_DATA");
  data_dir = g_strdup (env != NULL ? env : CS_SOURCE_DIR "/../shared/data");
  if (!g_file_test (data_dir, G_FILE_TEST_IS_DIR))
    g_clear_pointer (&data_dir, g_free);

  device = cs_device_new (NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/style-library/list", test_library_list);
  g_test_add_func ("/style-library/watch", test_library_watch);
  g_test_add_func ("/style-library/default-path", test_library_default_path);
  g_test_add_func ("/style-pack/verify", test_pack_verify);
  g_test_add_func ("/style-pack/manifest-errors", test_pack_manifest_errors);
  g_test_add_func ("/style-pack/install-real", test_pack_install_real);

  status = g_test_run ();

  if (cs_device_get_validation_errors (device) > 0)
    {
      g_printerr ("%u Vulkan validation messages\n", cs_device_get_validation_errors (device));
      status = 1;
    }
  g_clear_object (&device);
  cs_test_remove_tree (tmp_dir);
  g_free (tmp_dir);
  g_free (data_dir);
  return status;
}
