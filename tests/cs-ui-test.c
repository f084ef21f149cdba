/* cs-ui-test.c: what the editor's tests under Xvfb share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include "cs-ui-test.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib/gstdio.h>

#include "cs-app-resources.h"
#include "cs-styles.h"
#include "cs-test.h"

/* Set-up and tear-down ------------------------------------------------------------------------- */

void
cs_ui_test_init (CsUiTest    *ui,
                 int         *argc,
                 char      ***argv,
                 const char  *tmp_template)
{
  g_autoptr(GError) error = NULL;
  const char *build_dir;

  g_test_init (argc, argv, NULL);
  gtk_init ();
  adw_init ();

  memset (ui, 0, sizeof *ui);
  ui->data_dir = g_strdup (g_getenv ("CELSHADE_TEST_DATA"));
  if (ui->data_dir == NULL)
    ui->data_dir = g_build_filename (CS_SOURCE_DIR, "..", "shared", "data", NULL);
  ui->tmp_dir = g_dir_make_tmp (tmp_template, &error);
  g_assert_no_error (error);
  build_dir = g_getenv ("G_TEST_BUILDDIR");
  ui->shots_dir = g_build_filename (build_dir != NULL ? build_dir : ".", "screenshots", NULL);
  g_mkdir_with_parents (ui->shots_dir, 0755);

  cs_app_register_resource ();
  ui->app = cs_application_new ();
  g_assert_nonnull (ui->app);
  /* Not unique: a test's application must not hand its windows to a
   * Celshade the user is running. */
  g_application_set_flags (G_APPLICATION (ui->app), G_APPLICATION_NON_UNIQUE | G_APPLICATION_HANDLES_OPEN);
  g_assert_true (g_application_register (G_APPLICATION (ui->app), NULL, &error));
  g_assert_no_error (error);
}

int
cs_ui_test_run (CsUiTest *ui)
{
  int status = g_test_run ();

  g_clear_object (&ui->styles);
  g_clear_object (&ui->app);
  cs_test_remove_tree (ui->tmp_dir);
  g_clear_pointer (&ui->tmp_dir, g_free);
  g_clear_pointer (&ui->shots_dir, g_free);
  g_clear_pointer (&ui->data_dir, g_free);
  return status;
}

/* The main loop ------------------------------------------------------------------------------ */

gint64
cs_ui_test_thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

void
cs_ui_test_iterate (int n)
{
  for (int i = 0; i < n; i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
}

/* The processor time tells the work the UI thread did apart from waiting
 * for a core, which the wall-clock time on shared, loaded cores does not. */
gint64
cs_ui_test_wait_until_timed (gboolean  (*cond) (gpointer),
                             gpointer    data,
                             double      timeout_s,
                             const char *what,
                             gint64     *longest_wall)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (timeout_s * G_USEC_PER_SEC);
  gint64 longest = 0;
  gint64 wall = 0;

  while (!cond (data))
    {
      gint64 before = g_get_monotonic_time ();
      gint64 cpu = cs_ui_test_thread_cpu_us ();

      if (before > deadline)
        g_error ("Timed out waiting for %s", what);
      g_main_context_iteration (NULL, FALSE);
      longest = MAX (longest, cs_ui_test_thread_cpu_us () - cpu);
      wall = MAX (wall, g_get_monotonic_time () - before);
      g_usleep (1000);
    }
  if (longest_wall != NULL)
    *longest_wall = wall;
  return longest;
}

void
cs_ui_test_wait_until (gboolean  (*cond) (gpointer),
                       gpointer    data,
                       double      timeout_s,
                       const char *what)
{
  cs_ui_test_wait_until_timed (cond, data, timeout_s, what, NULL);
}

/* Widgets and windows ------------------------------------------------------------------------ */

gpointer
cs_ui_test_template_child (GtkWidget  *widget,
                           GType       type,
                           const char *name)
{
  GObject *object = gtk_widget_get_template_child (widget, type, name);

  g_assert_nonnull (object);
  return object;
}

gpointer
cs_ui_test_child (CsWindow   *window,
                  const char *name)
{
  return cs_ui_test_template_child (GTK_WIDGET (window), CS_TYPE_WINDOW, name);
}

gpointer
cs_ui_test_find_toplevel (GType      type,
                          GtkWindow *parent)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  gpointer found = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) item = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (item, type) && gtk_widget_get_visible (GTK_WIDGET (item)) &&
          (parent == NULL || gtk_window_get_transient_for (item) == parent))
        found = item;
    }
  return found;
}

gboolean
cs_ui_test_project_open (gpointer window)
{
  return cs_window_get_project (window) != NULL && !cs_window_get_loading (window);
}

CsWindow *
cs_ui_test_new_window (CsUiTest *ui)
{
  CsWindow *window = cs_window_new (GTK_APPLICATION (ui->app), ui->styles);

  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 760);
  gtk_window_present (GTK_WINDOW (window));
  cs_ui_test_iterate (50);
  return window;
}

CsWindow *
cs_ui_test_open (CsUiTest   *ui,
                 const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  CsWindow *window = cs_ui_test_new_window (ui);

  cs_window_open (window, file);
  cs_ui_test_wait_until (cs_ui_test_project_open, window, 120, "the clip to open");
  return window;
}

void
cs_ui_test_close_window (CsWindow *window)
{
  CsProject *project = cs_window_get_project (window);

  /* Nothing to ask: tests do not keep their edits. */
  if (project != NULL)
    cs_project_discard_autosave (project);
  gtk_window_destroy (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Pixels ------------------------------------------------------------------------------------- */

GdkTexture *
cs_ui_test_render_widget (GtkWidget *widget)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  return gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
}

double
cs_ui_test_texture_diff (GdkTexture *a,
                         GdkTexture *b)
{
  int width = gdk_texture_get_width (a);
  int height = gdk_texture_get_height (a);
  gsize stride = (gsize) width * 4;
  g_autofree guint8 *pa = NULL;
  g_autofree guint8 *pb = NULL;
  double sum = 0;

  g_assert_cmpint (gdk_texture_get_width (b), ==, width);
  g_assert_cmpint (gdk_texture_get_height (b), ==, height);
  pa = g_malloc (stride * height);
  pb = g_malloc (stride * height);
  gdk_texture_download (a, pa, stride);
  gdk_texture_download (b, pb, stride);
  for (gsize i = 0; i < stride * height; i += 4)
    for (int c = 0; c < 3; c++)
      sum += abs (pa[i + c] - pb[i + c]);
  return sum / ((double) width * height * 3);
}

void
cs_ui_test_save_png (CsUiTest   *ui,
                     GdkTexture *texture,
                     const char *name)
{
  g_autofree char *path = g_build_filename (ui->shots_dir, name, NULL);

  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

void
cs_ui_test_screenshot (CsUiTest   *ui,
                       GtkWidget  *widget,
                       const char *name)
{
  g_autoptr(GdkTexture) texture = cs_ui_test_render_widget (widget);

  cs_ui_test_save_png (ui, texture, name);
}

/* Styles ------------------------------------------------------------------------------------- */

gboolean
cs_ui_test_install_ml5 (CsUiTest   *ui,
                        const char *id,
                        const char *name,
                        const char *folder)
{
  g_autofree char *checkpoint = g_build_filename (ui->data_dir, "styles", "ml5", id, NULL);
  g_autofree char *style = g_build_filename (folder, id, NULL);
  g_autoptr(GError) error = NULL;
  const char *authors[] = { "ml5.js", NULL };
  CsFstImportOptions options = { .name = name, .authors = authors, .licence = "MIT" };

  if (!g_file_test (checkpoint, G_FILE_TEST_IS_DIR))
    {
      g_printerr ("# no style %s: %s is missing\n", id, checkpoint);
      return FALSE;
    }
  /* Present but refused is the importer's failure, not missing data. */
  if (!cs_fst_import_with_options (checkpoint, style, &options, NULL, &error))
    g_error ("Cannot install %s: %s", id, error->message);
  return TRUE;
}

gboolean
cs_ui_test_install_udnie_and_wave (CsUiTest   *ui,
                                   const char *folder)
{
  gboolean udnie = cs_ui_test_install_ml5 (ui, "udnie", "Udnie", folder);
  gboolean wave = cs_ui_test_install_ml5 (ui, "wave", "The Great Wave", folder);

  return udnie && wave;
}
