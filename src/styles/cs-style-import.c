/* cs-style-import.c: what every importer of foreign models into style
 * folders shares: cancelling, the input and output conventions of
 * style.json, the folder's id, and putting the finished folder in place.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "cs-style.h"
#include "cs-styles-private.h"

gboolean
cs_style_import_check_cancelled (GCancellable *cancellable,
                                 GError      **error)
{
  if (g_cancellable_is_cancelled (cancellable))
    {
      g_set_error_literal (error, CS_STYLE_ERROR, CS_STYLE_ERROR_CANCELLED,
                           _("The import was cancelled"));
      return TRUE;
    }
  return FALSE;
}

/* style.json's "input" or "output" member: NCHW, RGB, 0..255. */
static void
add_convention (JsonBuilder *b, const char *member, const char *tensor)
{
  json_builder_set_member_name (b, member);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "tensor");
  json_builder_add_string_value (b, tensor);
  json_builder_set_member_name (b, "layout");
  json_builder_add_string_value (b, "NCHW");
  json_builder_set_member_name (b, "channels");
  json_builder_add_string_value (b, "RGB");
  json_builder_set_member_name (b, "range");
  json_builder_begin_array (b);
  json_builder_add_int_value (b, 0);
  json_builder_add_int_value (b, 255);
  json_builder_end_array (b);
  json_builder_end_object (b);
}

gboolean
cs_style_import_write_json (const char             *path,
                            const CsStyleImportJson *info,
                            GError                **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *text = NULL;
  gsize length;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_int_value (b, CS_STYLE_FORMAT_VERSION);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, info->id);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, info->name);
  json_builder_set_member_name (b, "authors");
  json_builder_begin_array (b);
  for (guint i = 0; info->authors != NULL && info->authors[i] != NULL; i++)
    json_builder_add_string_value (b, info->authors[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "licence");
  json_builder_add_string_value (b, info->licence != NULL && *info->licence != '\0' ? info->licence : "unknown");
  json_builder_set_member_name (b, "source");
  json_builder_add_string_value (b, info->source);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, info->kind);
  json_builder_set_member_name (b, "model");
  json_builder_add_string_value (b, "model.onnx");
  add_convention (b, "input", info->input);
  add_convention (b, "output", info->output);
  json_builder_set_member_name (b, "size_multiple");
  json_builder_add_int_value (b, info->size_multiple);
  json_builder_set_member_name (b, "degree");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, CS_STYLE_DEGREE_BLEND);
  json_builder_set_member_name (b, "description");
  /* Not translated: style.json travels between users of any language. */
  json_builder_add_string_value (b,
    "output = (1 - degree) * input + degree * styled, per channel, on the gamma-encoded "
    "0..255 RGB values; 0 keeps the original frame exactly, 1 gives the network's full style");
  json_builder_end_object (b);
  json_builder_set_member_name (b, "thumbnail");
  json_builder_add_string_value (b, "thumbnail.png");
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_indent (gen, 2);
  text = json_generator_to_data (gen, &length);

  if (!g_file_set_contents_full (path, text, length, G_FILE_SET_CONTENTS_CONSISTENT, 0666, &local))
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_FAILED,
                   _("Cannot write the style: %s"), local->message);
      return FALSE;
    }
  return TRUE;
}

void
cs_style_import_remove_folder (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  /* Only the files this import wrote are there, and no subfolders. */
  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        g_unlink (child);
      }
  g_rmdir (path);
}

char *
cs_style_import_id_from_folder (const char *style_dir)
{
  g_autofree char *base = g_path_get_basename (style_dir);
  char *id = g_strdup (base);

  for (char *p = id; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-' && *p != '.')
      *p = '_';
  if (*id == '\0' || *id == '.')
    {
      g_free (id);
      id = g_strdup ("style");
    }
  return id;
}

gboolean
cs_style_import_move_into_place (const char *tmp,
                                 const char *dest,
                                 GError    **error)
{
  int saved;

  if (renameat2 (AT_FDCWD, tmp, AT_FDCWD, dest, RENAME_NOREPLACE) == 0)
    return TRUE;
  saved = errno;
  if (saved == EINVAL || saved == ENOSYS)
    {
      /* File systems without RENAME_NOREPLACE. */
      if (g_file_test (dest, G_FILE_TEST_EXISTS))
        saved = EEXIST;
      else if (g_rename (tmp, dest) == 0)
        return TRUE;
      else
        saved = errno;
    }

  if (saved == EEXIST || saved == ENOTEMPTY)
    g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_EXISTS,
                 _("“%s” already exists; choose another folder for the style"), dest);
  else
    g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_FAILED,
                 _("Cannot move the new style into “%s”: %s"), dest, g_strerror (saved));
  return FALSE;
}
