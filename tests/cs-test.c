/* cs-test.c: helpers every test program shares, whatever layer it links
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-test.h"

#include <glib/gstdio.h>

void
cs_test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (g_file_test (path, G_FILE_TEST_IS_SYMLINK) || !g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_unlink (path);
      return;
    }
  dir = g_dir_open (path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      cs_test_remove_tree (child);
    }
  g_rmdir (path);
}
