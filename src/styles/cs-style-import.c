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

void
cs_style_import_add_convention (JsonBuilder *b,
                                const char  *member,
                                const char  *tensor)
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
