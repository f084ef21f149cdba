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

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "cs-app-resources.h"
#include "cs-application.h"
#include "cs-render.h"
#include "cs-style-gallery.h"
#include "cs-styles.h"
#include "cs-timeline-view.h"
#include "cs-window.h"

static const char * const ml5[] = {
  "la_muse", "mathura", "matilde_perez", "rain_princess", "scream", "udnie", "wave",
};

static char *data_dir;
static char *tmp_dir;
static char *user_dir;
static char *installed_dir;
static char *shots_dir;
static CsApplication *app;
static CsStyleLibrary *styles;
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

static void
iterate (int n)
{
  for (int i = 0; i < n; i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
}

static void
wait_until (gboolean  (*cond) (gpointer),
            gpointer    data,
            double      timeout_s,
            const char *what)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (timeout_s * G_USEC_PER_SEC);

  while (!cond (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for %s", what);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static gpointer
child (CsWindow   *window,
       const char *name)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (window), CS_TYPE_WINDOW, name);

  g_assert_nonnull (object);
  return object;
}

static gboolean
project_open (gpointer data)
{
  return cs_window_get_project (data) != NULL && !cs_window_get_loading (data);
}

static CsWindow *
open_clip (void)
{
  g_autofree char *path = g_build_filename (data_dir, "media", "529.mp4", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  CsWindow *window = cs_window_new (GTK_APPLICATION (app), styles);

  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 760);
  gtk_window_present (GTK_WINDOW (window));
  iterate (50);
  cs_window_open (window, file);
  wait_until (project_open, window, 120, "the clip to open");
  return window;
}

static void
close_window (CsWindow *window)
{
  CsProject *project = cs_window_get_project (window);

  if (project != NULL)
    cs_project_discard_autosave (project);
  gtk_window_destroy (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* The first visible toplevel of type, transient for parent when given. */
static gpointer
find_toplevel (GType      type,
               GtkWindow *parent)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (w, type) && gtk_widget_get_visible (GTK_WIDGET (w)) &&
          (parent == NULL || gtk_window_get_transient_for (w) == parent))
        return w;
    }
  return NULL;
}

/* Opens the gallery as the segment panel's row does. */
static CsStyleGallery *
open_gallery (CsWindow *window)
{
  CsStyleGallery *gallery;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.style-gallery", NULL));
  iterate (50);
  gallery = find_toplevel (CS_TYPE_STYLE_GALLERY, GTK_WINDOW (window));
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

static GdkTexture *
render_widget (GtkWidget *widget)
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

static void
screenshot (GtkWidget  *widget,
            const char *name)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = g_build_filename (shots_dir, name, NULL);

  iterate (30);
  texture = render_widget (widget);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

/* The mean absolute difference of two tiles' pictures, over colour. */
static double
picture_diff (GdkPaintable *a,
              GdkPaintable *b)
{
  GdkTexture *ta = GDK_TEXTURE (a), *tb = GDK_TEXTURE (b);
  int w = gdk_texture_get_width (ta), h = gdk_texture_get_height (ta);
  g_autofree guint8 *pa = g_malloc ((gsize) w * h * 4);
  g_autofree guint8 *pb = g_malloc ((gsize) w * h * 4);
  double sum = 0;

  g_assert_cmpint (gdk_texture_get_width (tb), ==, w);
  g_assert_cmpint (gdk_texture_get_height (tb), ==, h);
  gdk_texture_download (ta, pa, (gsize) w * 4);
  gdk_texture_download (tb, pb, (gsize) w * 4);
  for (gsize i = 0; i < (gsize) w * h * 4; i += 4)
    for (int c = 0; c < 3; c++)
      sum += abs (pa[i + c] - pb[i + c]);
  return sum / ((double) w * h * 3);
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
  wait_until (import_done, r, 300, "the import");
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
  AdwMessageDialog *dialog = find_toplevel (ADW_TYPE_MESSAGE_DIALOG, GTK_WINDOW (gallery));
  char *body;

  g_assert_nonnull (dialog);
  body = g_strdup (adw_message_dialog_get_body (dialog));
  /* As its button does: the response, then the dialog closes. */
  adw_message_dialog_response (dialog, "close");
  gtk_window_close (GTK_WINDOW (dialog));
  iterate (20);
  g_assert_null (find_toplevel (ADW_TYPE_MESSAGE_DIALOG, GTK_WINDOW (gallery)));
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
                    1 + g_list_model_get_n_items (G_LIST_MODEL (styles)));
  {
    g_autoptr(GObject) first = g_list_model_get_item (model, 0);

    g_assert_false (CS_IS_STYLE (first));
  }
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (styles)); i++)
    {
      g_autoptr(GObject) a = g_list_model_get_item (model, i + 1);
      g_autoptr(GObject) b = g_list_model_get_item (G_LIST_MODEL (styles), i);

      g_assert_true (a == b);
    }

  /* A tile gives the selected segment its style, one undo step; the panel's
   * compact picker follows. */
  g_assert_null (cs_segment_get_style (cs_project_get_segment (project, 0)));
  g_assert_false (cs_project_get_can_undo (project));
  wave = position_of (gallery, "wave");
  g_assert_true (cs_style_gallery_choose (gallery, wave));
  iterate (10);
  g_assert_cmpstr (cs_style_ref_get_id (cs_segment_get_style (cs_project_get_segment (project, 0))), ==, "wave");
  g_assert_true (cs_project_get_can_undo (project));
  g_assert_cmpstr (gtk_string_object_get_string (adw_combo_row_get_selected_item (child (window, "style_row"))),
                   ==, cs_style_get_name (cs_style_library_lookup (styles, "wave")));
  screenshot (GTK_WIDGET (window), "style-gallery-panel.png");
  g_assert_true (cs_project_undo (project));
  iterate (10);
  g_assert_null (cs_segment_get_style (cs_project_get_segment (project, 0)));
  g_assert_false (cs_project_get_can_undo (project));

  /* The second segment, chosen in the timeline, gets its own. */
  g_assert_true (cs_project_split (project, 60, NULL));
  cs_timeline_view_set_selected_segment (child (window, "timeline_view"), 1);
  iterate (10);
  g_assert_true (cs_style_gallery_choose (gallery, position_of (gallery, "udnie")));
  g_assert_null (cs_segment_get_style (cs_project_get_segment (project, 0)));
  g_assert_cmpstr (cs_style_ref_get_id (cs_segment_get_style (cs_project_get_segment (project, 1))), ==, "udnie");
  g_assert_true (cs_project_undo (project));
  g_assert_null (cs_segment_get_style (cs_project_get_segment (project, 1)));

  close_window (window);
  iterate (10);
  g_assert_null (find_toplevel (CS_TYPE_STYLE_GALLERY, NULL));
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

  wait_until (all_pictures_current, gallery, 300, "the gallery's pictures of frame 0");
  d_styles = picture_diff (cs_style_gallery_get_picture (gallery, udnie),
                           cs_style_gallery_get_picture (gallery, wave));
  d_style_original = picture_diff (cs_style_gallery_get_picture (gallery, udnie),
                                   cs_style_gallery_get_picture (gallery, 0));
  g_test_message ("udnie vs. wave: mean |Δ| %.1f; udnie vs. original %.1f", d_styles, d_style_original);
  g_assert_cmpfloat (d_styles, >, 10);
  g_assert_cmpfloat (d_style_original, >, 10);
  screenshot (GTK_WIDGET (gallery), "style-gallery.png");

  /* The tiles follow the playhead. */
  original_before = g_object_ref (cs_style_gallery_get_picture (gallery, 0));
  cs_timeline_view_set_playhead (child (window, "timeline_view"), 90);
  iterate (10);
  g_assert_cmpint (cs_style_gallery_get_frame (gallery), ==, 90);
  /* Coalesced: the tiles still show frame 0's pictures at first. */
  wait_until (all_pictures_current, gallery, 300, "the gallery's pictures of frame 90");
  d_frames = picture_diff (original_before, cs_style_gallery_get_picture (gallery, 0));
  g_test_message ("frame 0 vs. frame 90 (original): mean |Δ| %.1f", d_frames);
  g_assert_cmpfloat (d_frames, >, 1);

  close_window (window);
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
      g_autofree char *checkpoint = g_build_filename (data_dir, "styles", "ml5", ml5[i], NULL);
      g_autofree char *folder = NULL;
      CsStyle *style;
      g_autoptr(GTimer) timer = g_timer_new ();

      import_through_gallery (gallery, checkpoint, &r);
      g_assert_no_error (r.error);
      g_assert_cmpstr (r.id, ==, ml5[i]);
      g_test_message ("imported %s in %.1f s", ml5[i], g_timer_elapsed (timer, NULL));
      folder = g_build_filename (user_dir, ml5[i], NULL);
      style = cs_style_library_lookup (styles, ml5[i]);
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
  g_assert_cmpstr (cs_style_get_kind (cs_style_library_lookup (styles, "wave-2")), ==, "onnx");
  g_assert_cmpstr (cs_style_get_name (cs_style_library_lookup (styles, "wave-2")), ==, "Wave");
  import_result_clear (&r);
  import_through_gallery (gallery, onnx, &r);
  g_assert_no_error (r.error);
  g_assert_cmpstr (r.id, ==, "wave-3");
  position_of (gallery, "wave-3");
  import_result_clear (&r);

  /* udnie and wave were installed already: the user's copies replace them. */
  g_assert_cmpuint (g_list_model_get_n_items (cs_style_gallery_get_model (gallery)), ==,
                    n_before + G_N_ELEMENTS (ml5) - 2 + 2);
  wait_until (all_pictures_current, gallery, 600, "the pictures of the imported styles");
  screenshot (GTK_WIDGET (gallery), "style-gallery-imported.png");
  close_window (window);
}

static void
test_import_refusals (void)
{
  CsWindow *window;
  CsStyleGallery *gallery;
  g_autofree char *source = g_build_filename (data_dir, "styles", "ml5", "scream", NULL);
  g_autofree char *broken = g_build_filename (tmp_dir, "damaged", "scream_damaged", NULL);
  g_autofree char *variable = g_build_filename (broken, "Variable_7", NULL);
  g_autofree char *text = g_build_filename (tmp_dir, "damaged", "notes.txt", NULL);
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
  n_styles = g_list_model_get_n_items (G_LIST_MODEL (styles));

  import_through_gallery (gallery, broken, &r);
  g_assert_null (r.id);
  g_assert_error (r.error, CS_STYLE_ERROR, CS_STYLE_ERROR_CHECKPOINT);
  body = take_refusal (gallery);
  g_test_message ("refused: %s", body);
  g_assert_nonnull (strstr (body, "Variable_7"));
  g_assert_cmpuint (count_entries (user_dir), ==, n_entries);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (styles)), ==, n_styles);
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
    g_autofree char *checkpoint = g_build_filename (data_dir, "styles", "ml5", "la_muse", NULL);
    g_autoptr(GFile) file = g_file_new_for_path (checkpoint);
    gulong handler;

    memset (&r, 0, sizeof r);
    handler = g_signal_connect (gallery, "import-finished", G_CALLBACK (on_import_finished), &r);
    cs_style_gallery_import (gallery, file);
    g_assert_true (cs_style_gallery_get_importing (gallery));
    /* Stopped at once: an idle machine finishes this import in a fraction
     * of a second, before any screenshot could be taken. */
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (gallery), "gallery.cancel-import", NULL));
    wait_until (import_done, &r, 300, "the import to stop");
    g_signal_handler_disconnect (gallery, handler);
    g_assert_error (r.error, CS_STYLE_ERROR, CS_STYLE_ERROR_CANCELLED);
    g_assert_null (find_toplevel (ADW_TYPE_MESSAGE_DIALOG, GTK_WINDOW (gallery)));
    g_assert_cmpuint (count_entries (user_dir), ==, n_entries);
    import_result_clear (&r);
  }

  close_window (window);
}

static gboolean
library_lacks_mathura (gpointer data)
{
  return cs_style_library_lookup (styles, "mathura") == NULL;
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
  g_autofree char *checkpoint = g_build_filename (data_dir, "styles", "ml5", "mathura", NULL);

  if (!need_data ())
    return;

  window = open_clip ();
  gallery = open_gallery (window);
  project = cs_window_get_project (window);
  if (cs_style_library_lookup (styles, "mathura") == NULL)
    {
      ImportResult r;

      import_through_gallery (gallery, checkpoint, &r);
      g_assert_no_error (r.error);
      import_result_clear (&r);
    }
  style = cs_style_library_lookup (styles, "mathura");
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
  iterate (20);
  dialog = find_toplevel (ADW_TYPE_MESSAGE_DIALOG, GTK_WINDOW (gallery));
  g_assert_nonnull (dialog);
  screenshot (GTK_WIDGET (dialog), "style-gallery-remove.png");
  adw_message_dialog_response (dialog, "cancel");
  gtk_window_close (GTK_WINDOW (dialog));
  iterate (20);
  g_assert_true (g_file_test (folder, G_FILE_TEST_IS_DIR));
  g_assert_nonnull (cs_style_library_lookup (styles, "mathura"));

  cs_style_gallery_confirm_remove (gallery, style);
  iterate (20);
  dialog = find_toplevel (ADW_TYPE_MESSAGE_DIALOG, GTK_WINDOW (gallery));
  g_assert_nonnull (dialog);
  adw_message_dialog_response (dialog, "remove");
  gtk_window_close (GTK_WINDOW (dialog));
  wait_until (library_lacks_mathura, NULL, 10, "the style to go");
  iterate (20);
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
  g_assert_nonnull (strstr (gtk_string_object_get_string (adw_combo_row_get_selected_item (child (window, "style_row"))),
                            "Mathura"));
  screenshot (GTK_WIDGET (gallery), "style-gallery-missing.png");
  close_window (window);
}

/* Set-up ------------------------------------------------------------------------------------ */

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *entry = g_build_filename (path, name, NULL);

      if (g_file_test (entry, G_FILE_TEST_IS_DIR) && !g_file_test (entry, G_FILE_TEST_IS_SYMLINK))
        remove_tree (entry);
      else
        g_unlink (entry);
    }
  g_rmdir (path);
}

/* Two styles installed beside the empty user folder, as a system's would be. */
static void
install_styles (void)
{
  static const char * const ids[] = { "udnie", "wave" };
  static const char * const names[] = { "Udnie", "The Great Wave" };
  g_autofree char *clip = g_build_filename (data_dir, "media", "529.mp4", NULL);
  const char *folders[] = { user_dir, installed_dir, NULL };

  have_data = g_file_test (clip, G_FILE_TEST_EXISTS);
  for (guint i = 0; i < G_N_ELEMENTS (ids) && have_data; i++)
    {
      g_autofree char *checkpoint = g_build_filename (data_dir, "styles", "ml5", ids[i], NULL);
      g_autofree char *style = g_build_filename (installed_dir, ids[i], NULL);
      g_autoptr(GError) error = NULL;
      const char *authors[] = { "ml5.js", NULL };
      CsFstImportOptions options = { .name = names[i], .authors = authors, .licence = "MIT" };

      if (!g_file_test (checkpoint, G_FILE_TEST_IS_DIR))
        have_data = FALSE;
      else if (!cs_fst_import_with_options (checkpoint, style, &options, NULL, &error))
        g_error ("Cannot install %s: %s", ids[i], error->message);
    }
  styles = cs_style_library_new_for_search_path (folders);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  const char *build_dir;
  int status;

  g_test_init (&argc, &argv, NULL);
  gtk_init ();
  adw_init ();

  data_dir = g_strdup (g_getenv ("CELSHADE_TEST_DATA"));
  if (data_dir == NULL)
    data_dir = g_build_filename (CS_SOURCE_DIR, "..", "shared", "data", NULL);
  tmp_dir = g_dir_make_tmp ("celshade-gallery-XXXXXX", NULL);
  user_dir = g_build_filename (tmp_dir, "user-styles", NULL);
  installed_dir = g_build_filename (tmp_dir, "installed-styles", NULL);
  build_dir = g_getenv ("G_TEST_BUILDDIR");
  shots_dir = g_build_filename (build_dir != NULL ? build_dir : ".", "screenshots", NULL);
  g_mkdir_with_parents (shots_dir, 0755);

  cs_app_register_resource ();
  app = cs_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE | G_APPLICATION_HANDLES_OPEN);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  install_styles ();

  g_test_add_func ("/style-gallery/lists-and-chooses", test_lists_and_chooses);
  g_test_add_func ("/style-gallery/pictures", test_pictures);
  g_test_add_func ("/style-gallery/import-ml5", test_import_ml5);
  g_test_add_func ("/style-gallery/import-refusals", test_import_refusals);
  g_test_add_func ("/style-gallery/remove", test_remove);
  status = g_test_run ();

  g_clear_object (&styles);
  g_clear_object (&app);
  remove_tree (tmp_dir);
  g_free (tmp_dir);
  g_free (user_dir);
  g_free (installed_dir);
  g_free (shots_dir);
  g_free (data_dir);
  return status;
}
