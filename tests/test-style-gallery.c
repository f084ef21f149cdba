/* test-style-gallery.c: the style gallery of the editor, under Xvfb
 *
 * A real editor window on the shared clip opens its gallery from the
 * segment panel's action: the gallery lists the library's styles after the
 * original, a tile gives the selected segment its style as one undo step,
 * and the tiles show the frame under the playhead rendered in each style
 * (different for each style, following the playhead). Every checkpoint of
 * styles/ml5, an ONNX model, a damaged checkpoint and a file of another kind
 * go through the gallery's own import function into an empty user style
 * folder; the damaged one is refused naming its file and leaves nothing.
 * Removing a user style asks first, and a segment that used it keeps it as
 * missing. Screenshots of the gallery go to the build's screenshots/.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <string.h>

#include "cs-application.h"
#include "cs-render.h"
#include "cs-style-gallery.h"
#include "cs-styles.h"
#include "cs-timeline-view.h"
#include "cs-ui-test.h"
#include "cs-window.h"

static const char * const ml5[] = {
  "la_muse", "mathura", "matilde_perez", "rain_princess", "scream", "udnie", "wave",
};

static CsUiTest ui;
static char *user_dir;
static char *installed_dir;
static gboolean have_data;

/* Helpers --------------------------------------------------------------------------------- */

static gboolean
need_data (void)
{
  if (!have_data)
    {
      g_test_skip ("the shared test data (media/529.mp4, styles/ml5) is missing; set CELSHADE_TEST_DATA");
      return FALSE;
    }
  return TRUE;
}

static CsWindow *
open_clip (void)
{
  g_autofree char *path = g_build_filename (ui.data_dir, "media", "529.mp4", NULL);

  return cs_ui_test_open (&ui, path);
}

/* Opens the gallery as the segment panel's row does. */
static CsStyleGallery *
open_gallery (CsWindow *window)
{
  CsStyleGallery *gallery;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.style-gallery", NULL));
  cs_ui_test_iterate (50);
  gallery = cs_ui_test_find_toplevel (CS_TYPE_STYLE_GALLERY, GTK_WINDOW (window));
  g_assert_nonnull (gallery);
  return gallery;
}

static guint
position_of (CsStyleGallery *gallery,
             const char     *id)
{
  GListModel *model = cs_style_gallery_get_model (gallery);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (model, i);

      if (CS_IS_STYLE (item) && g_strcmp0 (cs_style_get_id (CS_STYLE (item)), id) == 0)
        return i;
    }
  g_error ("The gallery has no style %s", id);
  return 0;
}

static gboolean
all_pictures_current (gpointer data)
{
  CsStyleGallery *gallery = data;
  guint n = g_list_model_get_n_items (cs_style_gallery_get_model (gallery));

  for (guint i = 0; i < n; i++)
    if (!cs_style_gallery_is_picture_current (gallery, i))
      return FALSE;
  return TRUE;
}

/* Lets the gallery draw what it just received first. */
static void
screenshot (GtkWidget  *widget,
            const char *name)
{
  cs_ui_test_iterate (30);
  cs_ui_test_screenshot (&ui, widget, name);
}

static guint
count_entries (const char *folder)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  guint n = 0;

  while (dir != NULL && g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

typedef struct {
  gboolean  done;
  char     *id;
  GError   *error;
} ImportResult;

static void
on_import_finished (CsStyleGallery *gallery,
                    const char     *id,
                    const GError   *error,
                    ImportResult   *r)
{
  r->done = TRUE;
  r->id = g_strdup (id);
  r->error = error != NULL ? g_error_copy (error) : NULL;
}

static gboolean
import_done (gpointer data)
{
  return ((ImportResult *) data)->done;
}

/* Imports path through the gallery, as its Import menu does once the file
 * is chosen, and waits for the result. */
static void
import_through_gallery (CsStyleGallery *gallery,
                        const char     *path,
                        ImportResult   *r)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  gulong handler;

  memset (r, 0, sizeof *r);
  handler = g_signal_connect (gallery, "import-finished", G_CALLBACK (on_import_finished), r);
  cs_style_gallery_import (gallery, file);
  cs_ui_test_wait_until (import_done, r, 300, "the import");
  g_signal_handler_disconnect (gallery, handler);
  g_assert_false (cs_style_gallery_get_importing (gallery));
}

static void
import_result_clear (ImportResult *r)
{
  g_clear_pointer (&r->id, g_free);
  g_clear_error (&r->error);
}

/* Closes the refusal the gallery shows and returns its text. */
static char *
take_refusal (CsStyleGallery *gallery)
{
  AdwMessageDialog *dialog = cs_ui_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, GTK_WINDOW (gallery));
  char *body;

  g_assert_nonnull (dialog);
  body = g_strdup (adw_message_dialog_get_body (dialog));
  /* As its button does: the response, then the dialog closes. */
  adw_message_dialog_response (dialog, "close");
  gtk_window_close (GTK_WINDOW (dialog));
  cs_ui_test_iterate (20);
  g_assert_null (cs_ui_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, GTK_WINDOW (gallery)));
  return body;
}

static void
copy_tree (const char *from,
           const char *to)
{
  g_autoptr(GDir) dir = g_dir_open (from, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  g_assert_cmpint (g_mkdir_with_parents (to, 0755), ==, 0);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *src = g_build_filename (from, name, NULL);
      g_autofree char *dst = g_build_filename (to, name, NULL);
      g_autofree char *contents = NULL;
      g_autoptr(GError) error = NULL;
      gsize length;

      g_file_get_contents (src, &contents, &length, &error);
      g_assert_no_error (error);
      g_file_set_contents (dst, contents, length, &error);
      g_assert_no_error (error);
    }
}

/* Tests ------------------------------------------------------------------------------------ */

static void
test_lists_and_chooses (void)
{
  CsWindow *window;
  CsStyleGallery *gallery;
  CsProject *project;
  GListModel *model;
  guint wave;

  if (!need_data ())
    return;

  window = open_clip ();
  gallery = open_gallery (window);
  project = cs_window_get_project (window);
  model = cs_style_gallery_get_model (gallery);

  /* The original first, then every style of the library, in its order. */
  g_assert_cmpuint (g_list_model_get_n_items (model), ==,
                    1 + g_list_model_get_n_items (G_LIST_MODEL (ui.styles)));
  {
    g_autoptr(GObject) first = g_list_model_get_item (model, 0);

    g_assert_false (CS_IS_STYLE (first));
  }
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (ui.styles)); i++)
    {
      g_autoptr(GObject) a = g_list_model_get_item (model, i + 1);
      g_autoptr(GObject) b = g_list_model_get_item (G_LIST_MODEL (ui.styles), i);

      g_assert_true (a == b);
    }

  /* A tile gives the selected segment its style, one undo step; the panel's
   * compact picker follows. */
  g_assert_null (cs_segment_get_style (cs_project_get_segment (project, 0)));
  g_assert_false (cs_project_get_can_undo (project));
  wave = position_of (gallery, "wave");
  g_assert_true (cs_style_gallery_choose (gallery, wave));
  cs_ui_test_iterate (10);
  g_assert_cmpstr (cs_style_ref_get_id (cs_segment_get_style (cs_project_get_segment (project, 0))), ==, "wave");
  g_assert_true (cs_project_get_can_undo (project));
  g_assert_cmpstr (gtk_string_object_get_string (
                     adw_combo_row_get_selected_item (cs_ui_test_child (window, "style_row"))),
                   ==, cs_style_get_name (cs_style_library_lookup (ui.styles, "wave")));
  screenshot (GTK_WIDGET (window), "style-gallery-panel.png");
  g_assert_true (cs_project_undo (project));
  cs_ui_test_iterate (10);
  g_assert_null (cs_segment_get_style (cs_project_get_segment (project, 0)));
  g_assert_false (cs_project_get_can_undo (project));

  /* The second segment, chosen in the timeline, gets its own. */
  g_assert_true (cs_project_split (project, 60, NULL));
  cs_timeline_view_set_selected_segment (cs_ui_test_child (window, "timeline_view"), 1);
  cs_ui_test_iterate (10);
  g_assert_true (cs_style_gallery_choose (gallery, position_of (gallery, "udnie")));
  g_assert_null (cs_segment_get_style (cs_project_get_segment (project, 0)));
  g_assert_cmpstr (cs_style_ref_get_id (cs_segment_get_style (cs_project_get_segment (project, 1))), ==, "udnie");
  g_assert_true (cs_project_undo (project));
  g_assert_null (cs_segment_get_style (cs_project_get_segment (project, 1)));

  cs_ui_test_close_window (window);
  cs_ui_test_iterate (10);
  g_assert_null (cs_ui_test_find_toplevel (CS_TYPE_STYLE_GALLERY, NULL));
}

static void
test_pictures (void)
{
  CsWindow *window;
  CsStyleGallery *gallery;
  guint udnie, wave;
  double d_styles, d_style_original, d_frames;
  g_autoptr(GdkPaintable) original_before = NULL;

  if (!need_data ())
    return;

  window = open_clip ();
  gallery = open_gallery (window);
  udnie = position_of (gallery, "udnie");
  wave = position_of (gallery, "wave");

  cs_ui_test_wait_until (all_pictures_current, gallery, 300, "the gallery's pictures of frame 0");
  d_styles = cs_ui_test_texture_diff (GDK_TEXTURE (cs_style_gallery_get_picture (gallery, udnie)),
                                      GDK_TEXTURE (cs_style_gallery_get_picture (gallery, wave)));
  d_style_original = cs_ui_test_texture_diff (GDK_TEXTURE (cs_style_gallery_get_picture (gallery, udnie)),
                                              GDK_TEXTURE (cs_style_gallery_get_picture (gallery, 0)));
  g_test_message ("udnie vs. wave: mean |Δ| %.1f; udnie vs. original %.1f", d_styles, d_style_original);
  g_assert_cmpfloat (d_styles, >, 10);
  g_assert_cmpfloat (d_style_original, >, 10);
  screenshot (GTK_WIDGET (gallery), "style-gallery.png");

  /* The tiles follow the playhead. */
  original_before = g_object_ref (cs_style_gallery_get_picture (gallery, 0));
  cs_timeline_view_set_playhead (cs_ui_test_child (window, "timeline_view"), 90);
  cs_ui_test_iterate (10);
  g_assert_cmpint (cs_style_gallery_get_frame (gallery), ==, 90);
  /* Coalesced: the tiles still show frame 0's pictures at first. */
  cs_ui_test_wait_until (all_pictures_current, gallery, 300, "the gallery's pictures of frame 90");
  d_frames = cs_ui_test_texture_diff (GDK_TEXTURE (original_before),
                                      GDK_TEXTURE (cs_style_gallery_get_picture (gallery, 0)));
  g_test_message ("frame 0 vs. frame 90 (original): mean |Δ| %.1f", d_frames);
  g_assert_cmpfloat (d_frames, >, 1);

  cs_ui_test_close_window (window);
}

static void
test_import_ml5 (void)
{
  CsWindow *window;
  CsStyleGallery *gallery;
  g_autofree char *onnx = NULL;
  ImportResult r;
  guint n_before;

  if (!need_data ())
    return;

  window = open_clip ();
  gallery = open_gallery (window);
  n_before = g_list_model_get_n_items (cs_style_gallery_get_model (gallery));

  for (guint i = 0; i < G_N_ELEMENTS (ml5); i++)
    {
      g_autofree char *checkpoint = g_build_filename (ui.data_dir, "styles", "ml5", ml5[i], NULL);
      g_autofree char *folder = NULL;
      CsStyle *style;
      g_autoptr(GTimer) timer = g_timer_new ();

      import_through_gallery (gallery, checkpoint, &r);
      g_assert_no_error (r.error);
      g_assert_cmpstr (r.id, ==, ml5[i]);
      g_test_message ("imported %s in %.1f s", ml5[i], g_timer_elapsed (timer, NULL));
      folder = g_build_filename (user_dir, ml5[i], NULL);
      style = cs_style_library_lookup (ui.styles, ml5[i]);
      g_assert_nonnull (style);
      /* The user's copy wins over an installed one of the same id. */
      g_assert_cmpstr (cs_style_get_folder (style), ==, folder);
      g_assert_true (cs_style_gallery_can_remove (gallery, style));
      position_of (gallery, ml5[i]);
      import_result_clear (&r);
    }
  g_assert_cmpuint (count_entries (user_dir), ==, G_N_ELEMENTS (ml5));

  /* An ONNX model, from the gallery too, named after its folder since its
   * file name says nothing; each import gets an id of its own. */
  onnx = g_build_filename (installed_dir, "wave", "model.onnx", NULL);
  import_through_gallery (gallery, onnx, &r);
  g_assert_no_error (r.error);
  g_assert_cmpstr (r.id, ==, "wave-2");
  g_assert_cmpstr (cs_style_get_kind (cs_style_library_lookup (ui.styles, "wave-2")), ==, "onnx");
  g_assert_cmpstr (cs_style_get_name (cs_style_library_lookup (ui.styles, "wave-2")), ==, "Wave");
  import_result_clear (&r);
  import_through_gallery (gallery, onnx, &r);
  g_assert_no_error (r.error);
  g_assert_cmpstr (r.id, ==, "wave-3");
  position_of (gallery, "wave-3");
  import_result_clear (&r);

  /* udnie and wave were installed already: the user's copies replace them. */
  g_assert_cmpuint (g_list_model_get_n_items (cs_style_gallery_get_model (gallery)), ==,
                    n_before + G_N_ELEMENTS (ml5) - 2 + 2);
  cs_ui_test_wait_until (all_pictures_current, gallery, 600, "the pictures of the imported styles");
  screenshot (GTK_WIDGET (gallery), "style-gallery-imported.png");
  cs_ui_test_close_window (window);
}

static void
test_import_refusals (void)
{
  CsWindow *window;
  CsStyleGallery *gallery;
  g_autofree char *source = g_build_filename (ui.data_dir, "styles", "ml5", "scream", NULL);
  g_autofree char *broken = g_build_filename (ui.tmp_dir, "damaged", "scream_damaged", NULL);
  g_autofree char *variable = g_build_filename (broken, "Variable_7", NULL);
  g_autofree char *text = g_build_filename (ui.tmp_dir, "damaged", "notes.txt", NULL);
  g_autofree char *body = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  ImportResult r;
  gsize length;
  guint n_entries, n_styles;

  if (!need_data ())
    return;

  /* A checkpoint with one variable cut short. */
  copy_tree (source, broken);
  g_file_get_contents (variable, &contents, &length, &error);
  g_assert_no_error (error);
  g_file_set_contents (variable, contents, length / 2, &error);
  g_assert_no_error (error);
  g_file_set_contents (text, "not a style", -1, &error);
  g_assert_no_error (error);

  window = open_clip ();
  gallery = open_gallery (window);
  g_assert_true (g_mkdir_with_parents (user_dir, 0755) == 0);
  n_entries = count_entries (user_dir);
  n_styles = g_list_model_get_n_items (G_LIST_MODEL (ui.styles));

  import_through_gallery (gallery, broken, &r);
  g_assert_null (r.id);
  g_assert_error (r.error, CS_STYLE_ERROR, CS_STYLE_ERROR_CHECKPOINT);
  body = take_refusal (gallery);
  g_test_message ("refused: %s", body);
  g_assert_nonnull (strstr (body, "Variable_7"));
  g_assert_cmpuint (count_entries (user_dir), ==, n_entries);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (ui.styles)), ==, n_styles);
  import_result_clear (&r);
  g_clear_pointer (&body, g_free);

  import_through_gallery (gallery, text, &r);
  g_assert_error (r.error, CS_STYLE_ERROR, CS_STYLE_ERROR_UNSUPPORTED);
  body = take_refusal (gallery);
  g_test_message ("refused: %s", body);
  g_assert_nonnull (strstr (body, text));
  g_assert_cmpuint (count_entries (user_dir), ==, n_entries);
  import_result_clear (&r);

  /* Stopped halfway: nothing is added, and no dialog is needed. */
  {
    g_autofree char *checkpoint = g_build_filename (ui.data_dir, "styles", "ml5", "la_muse", NULL);
    g_autoptr(GFile) file = g_file_new_for_path (checkpoint);
    gulong handler;

    memset (&r, 0, sizeof r);
    handler = g_signal_connect (gallery, "import-finished", G_CALLBACK (on_import_finished), &r);
    cs_style_gallery_import (gallery, file);
    g_assert_true (cs_style_gallery_get_importing (gallery));
    /* Stopped at once: an idle machine finishes this import in a fraction
     * of a second, before any screenshot could be taken. */
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (gallery), "gallery.cancel-import", NULL));
    cs_ui_test_wait_until (import_done, &r, 300, "the import to stop");
    g_signal_handler_disconnect (gallery, handler);
    g_assert_error (r.error, CS_STYLE_ERROR, CS_STYLE_ERROR_CANCELLED);
    g_assert_null (cs_ui_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, GTK_WINDOW (gallery)));
    g_assert_cmpuint (count_entries (user_dir), ==, n_entries);
    import_result_clear (&r);
  }

  cs_ui_test_close_window (window);
}

static gboolean
library_lacks_mathura (gpointer data)
{
  return cs_style_library_lookup (ui.styles, "mathura") == NULL;
}

static void
test_remove (void)
{
  CsWindow *window;
  CsStyleGallery *gallery;
  CsProject *project;
  CsStyle *style;
  AdwMessageDialog *dialog;
  g_autoptr(GError) error = NULL;
  g_autofree char *folder = g_build_filename (user_dir, "mathura", NULL);
  g_autofree char *checkpoint = g_build_filename (ui.data_dir, "styles", "ml5", "mathura", NULL);

  if (!need_data ())
    return;

  window = open_clip ();
  gallery = open_gallery (window);
  project = cs_window_get_project (window);
  if (cs_style_library_lookup (ui.styles, "mathura") == NULL)
    {
      ImportResult r;

      import_through_gallery (gallery, checkpoint, &r);
      g_assert_no_error (r.error);
      import_result_clear (&r);
    }
  style = cs_style_library_lookup (ui.styles, "mathura");
  g_assert_nonnull (style);
  g_assert_true (cs_style_gallery_choose (gallery, position_of (gallery, "mathura")));

  /* Installed styles stay. */
  {
    g_autofree char *wave_folder = g_build_filename (installed_dir, "wave", NULL);
    g_autoptr(CsStyle) installed_wave = cs_style_new_from_folder (wave_folder, &error);

    g_assert_no_error (error);
    g_assert_false (cs_style_gallery_can_remove (gallery, installed_wave));
    g_assert_false (cs_style_gallery_remove_style (gallery, installed_wave, &error));
    g_assert_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
    g_assert_true (g_file_test (wave_folder, G_FILE_TEST_IS_DIR));
  }

  /* Asked first: cancelling keeps it. */
  cs_style_gallery_confirm_remove (gallery, style);
  cs_ui_test_iterate (20);
  dialog = cs_ui_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, GTK_WINDOW (gallery));
  g_assert_nonnull (dialog);
  screenshot (GTK_WIDGET (dialog), "style-gallery-remove.png");
  adw_message_dialog_response (dialog, "cancel");
  gtk_window_close (GTK_WINDOW (dialog));
  cs_ui_test_iterate (20);
  g_assert_true (g_file_test (folder, G_FILE_TEST_IS_DIR));
  g_assert_nonnull (cs_style_library_lookup (ui.styles, "mathura"));

  cs_style_gallery_confirm_remove (gallery, style);
  cs_ui_test_iterate (20);
  dialog = cs_ui_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, GTK_WINDOW (gallery));
  g_assert_nonnull (dialog);
  adw_message_dialog_response (dialog, "remove");
  gtk_window_close (GTK_WINDOW (dialog));
  cs_ui_test_wait_until (library_lacks_mathura, NULL, 10, "the style to go");
  cs_ui_test_iterate (20);
  g_assert_false (g_file_test (folder, G_FILE_TEST_EXISTS));
  /* Nothing hidden left behind either. */
  {
    g_autoptr(GDir) dir = g_dir_open (user_dir, 0, NULL);
    const char *name;

    while ((name = g_dir_read_name (dir)) != NULL)
      g_assert_false (g_str_has_prefix (name, ".mathura"));
  }

  /* The segment keeps its reference, shown as missing. */
  g_assert_cmpstr (cs_style_ref_get_id (cs_segment_get_style (cs_project_get_segment (project, 0))), ==, "mathura");
  g_assert_true (gtk_revealer_get_reveal_child (
    GTK_REVEALER (gtk_widget_get_template_child (GTK_WIDGET (gallery), CS_TYPE_STYLE_GALLERY, "missing_revealer"))));
  g_assert_nonnull (strstr (gtk_string_object_get_string (
                              adw_combo_row_get_selected_item (cs_ui_test_child (window, "style_row"))),
                            "Mathura"));
  screenshot (GTK_WIDGET (gallery), "style-gallery-missing.png");
  cs_ui_test_close_window (window);
}

/* Set-up ------------------------------------------------------------------------------------ */

/* Two styles installed beside the empty user folder, as a system's would be. */
static void
install_styles (void)
{
  g_autofree char *clip = g_build_filename (ui.data_dir, "media", "529.mp4", NULL);
  const char *folders[] = { user_dir, installed_dir, NULL };

  have_data = g_file_test (clip, G_FILE_TEST_EXISTS) && cs_ui_test_install_udnie_and_wave (&ui, installed_dir);
  ui.styles = cs_style_library_new_for_search_path (folders);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  cs_ui_test_init (&ui, &argc, &argv, "celshade-gallery-XXXXXX");
  user_dir = g_build_filename (ui.tmp_dir, "user-styles", NULL);
  installed_dir = g_build_filename (ui.tmp_dir, "installed-styles", NULL);
  install_styles ();

  g_test_add_func ("/style-gallery/lists-and-chooses", test_lists_and_chooses);
  g_test_add_func ("/style-gallery/pictures", test_pictures);
  g_test_add_func ("/style-gallery/import-ml5", test_import_ml5);
  g_test_add_func ("/style-gallery/import-refusals", test_import_refusals);
  g_test_add_func ("/style-gallery/remove", test_remove);
  status = cs_ui_test_run (&ui);

  g_free (user_dir);
  g_free (installed_dir);
  return status;
}
