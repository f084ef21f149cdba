/* cs-test.c: helpers every test program shares, whatever layer it links
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-test.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

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

char *
cs_test_vtoonify_material (char **skip_reason)
{
  const char *builddir = g_getenv ("G_TEST_BUILDDIR");
  const char *srcdir = g_getenv ("G_TEST_SRCDIR");
  const char *sources[] = { "tests/vtoonify/make_reference.py", "tools/vtoonify/export.py",
                            "tools/vtoonify/networks.py" };
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GError) error = NULL;
  g_autofree char *material = NULL;
  g_autofree char *manifest = NULL;
  g_autofree char *stamp_path = NULL;
  g_autofree char *lock_path = NULL;
  g_autofree char *old_stamp = NULL;
  g_autofree char *script = NULL;
  g_autofree char *out = NULL, *err = NULL;
  const char *stamp;
  int status = 0, lock;

  *skip_reason = NULL;
  material = g_build_filename (builddir != NULL ? builddir : ".", "vtoonify-material", NULL);
  manifest = g_build_filename (material, "manifest.json", NULL);
  stamp_path = g_build_filename (material, "sources.sha256", NULL);
  lock_path = g_strconcat (material, ".lock", NULL);
  /* Made again whenever the scripts that make it change. */
  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    {
      g_autofree char *path = g_build_filename (srcdir != NULL ? srcdir : ".", "..", sources[i], NULL);
      g_autofree char *text = NULL;
      gsize len = 0;

      if (g_file_get_contents (path, &text, &len, NULL))
        g_checksum_update (sum, (const guchar *) text, len);
    }
  stamp = g_checksum_get_string (sum);

  lock = g_open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock < 0 || flock (lock, LOCK_EX) != 0)
    g_error ("Cannot lock %s: %s", lock_path, g_strerror (errno));
  if (g_file_test (manifest, G_FILE_TEST_EXISTS) &&
      g_file_get_contents (stamp_path, &old_stamp, NULL, NULL) && g_strcmp0 (old_stamp, stamp) == 0)
    goto done;
  g_unlink (manifest);
  if (!g_file_test ("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE))
    {
      *skip_reason = g_strdup ("/usr/bin/python3 is missing: cannot make the VToonify-D test material");
      goto done;
    }
  script = g_build_filename (srcdir != NULL ? srcdir : ".", "vtoonify", "make_reference.py", NULL);
  {
    const char *argv[] = { "/usr/bin/python3", script, material, NULL };

    if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error))
      g_error ("%s", error->message);
  }
  if (WIFEXITED (status) && WEXITSTATUS (status) == 77)
    *skip_reason = g_strdup_printf ("PyTorch is not installed (python3-torch): %s", err);
  else if (!g_spawn_check_wait_status (status, &error))
    g_error ("make_reference.py failed: %s\n%s%s", error->message, out, err);
  else if (!g_file_set_contents (stamp_path, stamp, -1, &error))
    g_error ("%s", error->message);

done:
  flock (lock, LOCK_UN);
  close (lock);
  return g_steal_pointer (&material);
}
