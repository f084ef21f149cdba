/* test-vtoonify-ui.c: the editor's VToonify-D controls, under Xvfb
 *
 * A real editor window on the shared clip, its segment given the
 * random-weight VToonify-D style the vtoonify suite exports: the panel
 * shows the style reference and face area rows (and hides them for other
 * styles); the reference picker lists every reference by name, its cards'
 * pictures arrive and differ between references, follow the face rectangle
 * and the playhead, and choosing one sets the segment's reference as one
 * undo step. The face rectangle is dragged
 * through the entry points the preview's gesture uses: moved, clamped
 * inside the frame, resized as a square, one undo step per drag, and reset;
 * Escape ends editing.
 * Screenshots of the panel with the picker open and of the face rectangle
 * being edited go to the build's screenshots/.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "cs-application.h"
#include "cs-preview-view.h"
#include "cs-reference-picker.h"
#include "cs-render.h"
#include "cs-styles.h"
#include "cs-test.h"
#include "cs-timeline-view.h"
#include "cs-ui-test.h"
#include "cs-window.h"

static CsUiTest ui;
static char *material;
static char *skip_reason;
static gboolean have_data;

/* Helpers --------------------------------------------------------------------------------- */

static gboolean
can_run (void)
{
  if (skip_reason != NULL)
    {
      g_test_skip (skip_reason);
      return FALSE;
    }
  if (!have_data)
    {
      g_test_skip ("the shared test data (media/529.mp4, styles/ml5) is missing; set CELSHADE_TEST_DATA");
      return FALSE;
    }
  return TRUE;
}

static gboolean
has_frame (gpointer data)
{
  return cs_preview_view_get_frame (cs_ui_test_child (data, "preview_view")) != NULL;
}

/* The editor on the shared clip, its first frame on the preview. */
static CsWindow *
open_clip (void)
{
  g_autofree char *path = g_build_filename (ui.data_dir, "media", "529.mp4", NULL);
  CsWindow *window = cs_ui_test_open (&ui, path);

  cs_ui_test_wait_until (has_frame, window, 120, "the first frame on the preview");
  return window;
}

static CsStyle *
vtoonify_style (void)
{
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (ui.styles)); i++)
    {
      g_autoptr(CsStyle) style = g_list_model_get_item (G_LIST_MODEL (ui.styles), i);

      if (cs_style_is_vtoonify (style))
        return style;
    }
  g_error ("The library has no VToonify-D style");
  return NULL;
}

static void
set_style (CsWindow *window,
           CsStyle  *style)
{
  g_autoptr(CsStyleRef) ref = NULL;
  g_autoptr(GError) error = NULL;

  if (style != NULL)
    ref = cs_style_ref_new (cs_style_get_id (style), cs_style_get_name (style), cs_style_get_folder (style));
  g_assert_true (cs_project_set_style (cs_window_get_project (window), 0, ref, &error));
  g_assert_no_error (error);
  cs_ui_test_iterate (20);
}

static CsSegment *
segment (CsWindow *window)
{
  return cs_timeline_get_segment (cs_project_get_timeline (cs_window_get_project (window)), 0);
}

static void
undo (CsWindow *window)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  cs_ui_test_iterate (20);
}

/* The window, and the popover over it where its surface is, in one PNG. */
static void
screenshot (CsWindow   *window,
            GtkWidget  *popover,
            const char *name)
{
  g_autoptr(GdkTexture) texture = NULL;

  cs_ui_test_iterate (30);
  if (popover == NULL)
    texture = cs_ui_test_render_widget (GTK_WIDGET (window));
  else
    {
      g_autoptr(GdkTexture) below = cs_ui_test_render_widget (GTK_WIDGET (window));
      g_autoptr(GdkTexture) above = cs_ui_test_render_widget (popover);
      g_autoptr(GskRenderNode) node = NULL;
      GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (popover));
      GtkSnapshot *snapshot = gtk_snapshot_new ();
      double wx, wy, px, py;
      int width = gtk_widget_get_width (GTK_WIDGET (window));
      int height = gtk_widget_get_height (GTK_WIDGET (window));

      /* The popup's position is relative to the window's surface; each
       * widget's origin lies inside its surface by the shadow's width. */
      gtk_native_get_surface_transform (GTK_NATIVE (window), &wx, &wy);
      gtk_native_get_surface_transform (GTK_NATIVE (popover), &px, &py);
      gtk_snapshot_append_texture (snapshot, below, &GRAPHENE_RECT_INIT (0, 0, width, height));
      gtk_snapshot_append_texture (snapshot, above,
                                   &GRAPHENE_RECT_INIT (gdk_popup_get_position_x (GDK_POPUP (surface)) + px - wx,
                                                        gdk_popup_get_position_y (GDK_POPUP (surface)) + py - wy,
                                                        gtk_widget_get_width (popover),
                                                        gtk_widget_get_height (popover)));
      node = gtk_snapshot_free_to_node (snapshot);
      texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                             &GRAPHENE_RECT_INIT (0, 0, width, height));
    }
  cs_ui_test_save_png (&ui, texture, name);
}

/* Tests ------------------------------------------------------------------------------------- */

/* The rows are there for a VToonify-D segment only. */
static void
test_rows (void)
{
  CsWindow *window;
  CsStyle *style;
  CsStyle *udnie;

  if (!can_run ())
    return;
  window = open_clip ();
  style = vtoonify_style ();
  udnie = cs_style_library_lookup (ui.styles, "udnie");
  g_assert_nonnull (udnie);

  g_assert_false (gtk_widget_get_visible (cs_ui_test_child (window, "reference_row")));
  g_assert_false (gtk_widget_get_visible (cs_ui_test_child (window, "face_row")));

  set_style (window, style);
  g_assert_true (gtk_widget_get_visible (cs_ui_test_child (window, "reference_row")));
  g_assert_true (gtk_widget_get_visible (cs_ui_test_child (window, "face_row")));
  /* Nothing stabilizes VToonify-D frames: no setting that does nothing. */
  g_assert_false (gtk_widget_get_visible (cs_ui_test_child (window, "stability_row")));
  g_assert_cmpstr (adw_action_row_get_subtitle (cs_ui_test_child (window, "reference_row")), ==,
                   cs_style_get_reference_name (style, 0));
  g_assert_false (gtk_widget_get_sensitive (cs_ui_test_child (window, "face_reset_button")));

  set_style (window, udnie);
  g_assert_false (gtk_widget_get_visible (cs_ui_test_child (window, "reference_row")));
  g_assert_false (gtk_widget_get_visible (cs_ui_test_child (window, "face_row")));
  g_assert_true (gtk_widget_get_visible (cs_ui_test_child (window, "stability_row")));

  set_style (window, NULL);
  g_assert_false (gtk_widget_get_visible (cs_ui_test_child (window, "reference_row")));
  g_assert_false (gtk_widget_get_visible (cs_ui_test_child (window, "face_row")));
  cs_ui_test_close_window (window);
}

static gboolean
all_cards_rendered (gpointer data)
{
  CsReferencePicker *picker = data;
  CsStyle *style = cs_reference_picker_get_style (picker);

  for (guint i = 0; i < cs_style_get_n_references (style); i++)
    if (cs_reference_picker_get_picture (picker, i) == NULL)
      return FALSE;
  return cs_reference_picker_get_n_waiting (picker) == 0;
}

static gboolean
popover_closed (gpointer data)
{
  return !gtk_widget_get_visible (data);
}

static gboolean
row_has_picture (gpointer data)
{
  return gtk_picture_get_paintable (data) != NULL;
}

static gboolean
has_picture_0 (gpointer data)
{
  return cs_reference_picker_get_picture (data, 0) != NULL;
}

static gboolean
picker_at_150 (gpointer data)
{
  return cs_reference_picker_get_frame (data) == 150;
}

/* The picker lists every reference, renders each, and sets the segment's. */
static void
test_picker (void)
{
  g_autoptr(GTimer) timer = g_timer_new ();
  CsWindow *window;
  CsStyle *style;
  CsReferencePicker *picker;
  GListModel *model;
  guint n;
  double diff;

  if (!can_run ())
    return;
  window = open_clip ();
  style = vtoonify_style ();
  set_style (window, style);
  n = cs_style_get_n_references (style);
  g_assert_cmpuint (n, >=, 3);

  picker = CS_REFERENCE_PICKER (gtk_menu_button_get_popover (cs_ui_test_child (window, "reference_button")));
  g_assert_nonnull (picker);
  /* The row's picture comes while the popover is closed. */
  cs_ui_test_wait_until (row_has_picture, cs_ui_test_child (window, "reference_picture"), 300,
                         "the reference row's picture");

  g_timer_start (timer);
  gtk_menu_button_popup (cs_ui_test_child (window, "reference_button"));
  cs_ui_test_iterate (20);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (picker)));
  model = cs_reference_picker_get_model (picker);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (model, i);

      g_assert_cmpstr (gtk_string_object_get_string (item), ==, cs_style_get_reference_name (style, i));
    }
  cs_ui_test_wait_until (all_cards_rendered, picker, 300, "every reference card's picture");
  g_test_message ("%u reference cards rendered in %.0f ms (%.0f ms a card)", n,
                  g_timer_elapsed (timer, NULL) * 1000, g_timer_elapsed (timer, NULL) * 1000 / n);
  diff = cs_ui_test_texture_diff (GDK_TEXTURE (cs_reference_picker_get_picture (picker, 0)),
                                  GDK_TEXTURE (cs_reference_picker_get_picture (picker, 1)));
  g_test_message ("reference 0 vs. 1 on the frame: mean |Δ| %.1f", diff);
  g_assert_cmpfloat (diff, >, 1.0);
  screenshot (window, GTK_WIDGET (picker), "vtoonify-reference-picker.png");

  /* Choosing a card: one undo step, the row follows, the popover closes. */
  g_assert_cmpuint (cs_segment_get_reference (segment (window)), ==, 0);
  g_assert_false (cs_reference_picker_choose (picker, n));
  g_assert_true (cs_reference_picker_choose (picker, 2));
  cs_ui_test_iterate (20);
  cs_ui_test_wait_until (popover_closed, picker, 10, "the picker to close");
  g_assert_cmpuint (cs_segment_get_reference (segment (window)), ==, 2);
  g_assert_cmpstr (adw_action_row_get_subtitle (cs_ui_test_child (window, "reference_row")), ==,
                   cs_style_get_reference_name (style, 2));
  g_assert_cmpuint (cs_reference_picker_get_reference (picker), ==, 2);
  g_assert_true (gtk_picture_get_paintable (cs_ui_test_child (window, "reference_picture")) ==
                 cs_reference_picker_get_picture (picker, 2));
  undo (window);
  g_assert_cmpuint (cs_segment_get_reference (segment (window)), ==, 0);
  g_assert_cmpstr (adw_action_row_get_subtitle (cs_ui_test_child (window, "reference_row")), ==,
                   cs_style_get_reference_name (style, 0));

  /* The current reference's picture is at hand again (from the cache, or
   * rendered anew should the frame have moved on meanwhile). */
  if (cs_reference_picker_get_picture (picker, 0) == NULL)
    g_test_message ("reference 0's picture is rendered again after the undo (picker at frame %" G_GINT64_FORMAT
                    ", playhead %" G_GINT64_FORMAT ")", cs_reference_picker_get_frame (picker),
                    cs_timeline_view_get_playhead (cs_ui_test_child (window, "timeline_view")));
  cs_ui_test_wait_until (has_picture_0, picker, 300, "reference 0's picture");

  /* Another face rectangle: the cards render again, with its code. */
  {
    g_autoptr(GdkPaintable) centred = g_object_ref (cs_reference_picker_get_picture (picker, 0));
    g_autoptr(GError) error = NULL;
    CsFaceRect face = { 40, 30, 200, 200 };

    g_assert_true (cs_project_set_face (cs_window_get_project (window), 0, &face, &error));
    g_assert_no_error (error);
    cs_ui_test_iterate (20);
    g_assert_null (cs_reference_picker_get_picture (picker, 0));
    gtk_menu_button_popup (cs_ui_test_child (window, "reference_button"));
    cs_ui_test_wait_until (all_cards_rendered, picker, 300, "the cards for the new face");
    diff = cs_ui_test_texture_diff (GDK_TEXTURE (centred), GDK_TEXTURE (cs_reference_picker_get_picture (picker, 0)));
    g_test_message ("reference 0, centred square vs. a corner face: mean |Δ| %.1f", diff);
    g_assert_cmpfloat (diff, >, 0.5);
  }

  /* The cards follow the playhead once it rests. */
  {
    g_autoptr(GdkPaintable) first = g_object_ref (cs_reference_picker_get_picture (picker, 1));

    cs_timeline_view_set_playhead (cs_ui_test_child (window, "timeline_view"), 150);
    cs_ui_test_iterate (10);
    g_assert_cmpint (cs_reference_picker_get_frame (picker), ==, 0);
    cs_ui_test_wait_until (picker_at_150, picker, 10, "the picker to follow the playhead");
    cs_ui_test_wait_until (all_cards_rendered, picker, 300, "the cards at frame 150");
    diff = cs_ui_test_texture_diff (GDK_TEXTURE (first), GDK_TEXTURE (cs_reference_picker_get_picture (picker, 1)));
    g_test_message ("reference 1, frame 0 vs. 150: mean |Δ| %.1f", diff);
    g_assert_cmpfloat (diff, >, 0.5);
  }
  gtk_popover_popdown (GTK_POPOVER (picker));
  cs_ui_test_close_window (window);
}

static void
face_point (CsWindow *window,
            double    fx,
            double    fy,
            double   *x,
            double   *y)
{
  graphene_rect_t r;

  g_assert_true (cs_preview_view_get_face_widget_rect (cs_ui_test_child (window, "preview_view"), &r));
  *x = r.origin.x + fx * r.size.width;
  *y = r.origin.y + fy * r.size.height;
}

/* Runs the preview's Escape shortcut as a key press would. */
static gboolean
press_escape (CsPreviewView *view)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (view));

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint k = 0; k < g_list_model_get_n_items (G_LIST_MODEL (controller)); k++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), k);
          g_autoptr(GtkShortcutTrigger) escape = gtk_keyval_trigger_new (GDK_KEY_Escape, 0);

          if (gtk_shortcut_trigger_equal (gtk_shortcut_get_trigger (shortcut), escape))
            return gtk_shortcut_action_activate (gtk_shortcut_get_action (shortcut), 0, GTK_WIDGET (view),
                                                 NULL);
        }
    }
  g_error ("The preview has no Escape shortcut");
  return FALSE;
}

/* Dragging the face rectangle: moved, kept inside the frame, resized as a
 * square; each drag one undo step; Reset goes back to the centred square. */
static void
test_face (void)
{
  CsWindow *window;
  CsPreviewView *view;
  CsSourceClip *source;
  CsFaceRect face, shown;
  graphene_rect_t frame;
  int width, height, side;
  double x, y;

  if (!can_run ())
    return;
  window = open_clip ();
  view = cs_ui_test_child (window, "preview_view");
  source = cs_project_get_source (cs_window_get_project (window));
  width = cs_source_clip_get_width (source);
  height = cs_source_clip_get_height (source);
  side = MIN (width, height);
  set_style (window, vtoonify_style ());

  /* Not editing: a press does not grab the face. */
  face_point (window, 0.5, 0.5, &x, &y);
  g_assert_false (cs_preview_view_face_press (view, x, y));

  gtk_toggle_button_set_active (cs_ui_test_child (window, "face_edit_button"), TRUE);
  cs_ui_test_iterate (10);
  g_assert_true (cs_preview_view_get_face_editing (view));
  g_assert_true (cs_preview_view_get_face (view, &shown));
  g_assert_cmpint (shown.width, ==, side);
  g_assert_cmpint (shown.height, ==, side);
  g_assert_cmpint (shown.x, ==, (width - side) / 2);
  g_assert_cmpint (shown.y, ==, (height - side) / 2);
  g_assert_false (cs_segment_get_face (segment (window), &face));

  /* Shrink from the bottom-right corner towards the middle. */
  cs_preview_view_get_frame_rect (view, &frame);
  face_point (window, 1, 1, &x, &y);
  g_assert_true (cs_preview_view_face_press (view, x + 3, y - 2));
  cs_preview_view_face_motion (view, x + 3 - frame.size.width * 0.3, y - 2 - frame.size.height * 0.2);
  cs_preview_view_face_release (view);
  cs_ui_test_iterate (20);
  g_assert_true (cs_segment_get_face (segment (window), &face));
  g_test_message ("after the corner drag: %d,%d %d × %d", face.x, face.y, face.width, face.height);
  g_assert_cmpint (face.width, ==, face.height);
  g_assert_cmpint (face.x, ==, (width - side) / 2);
  g_assert_cmpint (face.y, ==, (height - side) / 2);
  /* The square follows the pointer's larger side: the smaller shrink. */
  g_assert_cmpint (abs (face.width - (int) lround (side - MIN (0.3 * width, 0.2 * height))), <=, 2);
  g_assert_true (gtk_widget_get_sensitive (cs_ui_test_child (window, "face_reset_button")));

  /* Move it far past the top-left corner: it stops at the frame's edges. */
  face_point (window, 0.5, 0.5, &x, &y);
  g_assert_true (cs_preview_view_face_press (view, x, y));
  cs_preview_view_face_motion (view, x - 2 * frame.size.width, y - 2 * frame.size.height);
  cs_preview_view_face_release (view);
  cs_ui_test_iterate (20);
  {
    CsFaceRect moved;

    g_assert_true (cs_segment_get_face (segment (window), &moved));
    g_assert_cmpint (moved.x, ==, 0);
    g_assert_cmpint (moved.y, ==, 0);
    g_assert_cmpint (moved.width, ==, face.width);
    g_assert_cmpint (moved.height, ==, face.height);
  }

  /* Grow from the top-left corner far outside: the square fills what the
   * frame allows from its bottom-right corner. */
  face_point (window, 1, 1, &x, &y);
  g_assert_true (cs_preview_view_face_press (view, x, y));
  cs_preview_view_face_motion (view, x + 3 * frame.size.width, y + 3 * frame.size.height);
  cs_preview_view_face_release (view);
  cs_ui_test_iterate (20);
  {
    CsFaceRect grown;

    g_assert_true (cs_segment_get_face (segment (window), &grown));
    g_assert_cmpint (grown.x, >=, 0);
    g_assert_cmpint (grown.y, >=, 0);
    g_assert_cmpint (grown.x + grown.width, <=, width);
    g_assert_cmpint (grown.y + grown.height, <=, height);
    g_assert_cmpint (grown.width, ==, side);
  }

  /* A press and release that moves nothing changes nothing. */
  face_point (window, 0.5, 0.5, &x, &y);
  g_assert_true (cs_preview_view_face_press (view, x, y));
  cs_preview_view_face_release (view);
  g_assert_true (cs_project_get_can_undo (cs_window_get_project (window)));

  /* One undo step a drag. */
  undo (window);
  {
    CsFaceRect back;

    g_assert_true (cs_segment_get_face (segment (window), &back));
    g_assert_cmpint (back.x, ==, 0);
    g_assert_cmpint (back.y, ==, 0);
    g_assert_cmpint (back.width, ==, face.width);
  }
  undo (window);
  {
    CsFaceRect back;

    g_assert_true (cs_segment_get_face (segment (window), &back));
    g_assert_true (memcmp (&back, &face, sizeof face) == 0);
  }
  undo (window);
  g_assert_false (cs_segment_get_face (segment (window), &face));
  g_assert_true (cs_preview_view_get_face (view, &shown));
  g_assert_cmpint (shown.width, ==, side);

  /* Reset after a drag. */
  face_point (window, 0.5, 0.5, &x, &y);
  g_assert_true (cs_preview_view_face_press (view, x, y));
  cs_preview_view_face_motion (view, x + 10, y);
  cs_preview_view_face_release (view);
  cs_ui_test_iterate (20);
  g_assert_true (cs_segment_get_face (segment (window), &face));
  g_signal_emit_by_name (cs_ui_test_child (window, "face_reset_button"), "clicked");
  cs_ui_test_iterate (20);
  g_assert_false (cs_segment_get_face (segment (window), &face));

  /* A smaller face, dragged off the edges: what the screenshot shows. */
  face_point (window, 1, 1, &x, &y);
  g_assert_true (cs_preview_view_face_press (view, x, y));
  cs_preview_view_face_motion (view, x - frame.size.width * 0.35, y - frame.size.height * 0.35);
  cs_preview_view_face_release (view);
  cs_ui_test_iterate (20);
  face_point (window, 0.5, 0.5, &x, &y);
  g_assert_true (cs_preview_view_face_press (view, x, y));
  cs_preview_view_face_motion (view, x + frame.size.width * 0.12, y + frame.size.height * 0.1);
  screenshot (window, NULL, "vtoonify-face-editing.png");
  cs_preview_view_face_release (view);
  cs_ui_test_iterate (20);
  g_assert_true (cs_segment_get_face (segment (window), &face));
  g_assert_cmpint (face.x, >, 0);
  g_assert_cmpint (face.y, >, 0);

  /* Escape ends editing, and passes on when nothing is being edited. */
  g_assert_true (press_escape (view));
  cs_ui_test_iterate (10);
  g_assert_false (cs_preview_view_get_face_editing (view));
  g_assert_false (gtk_toggle_button_get_active (cs_ui_test_child (window, "face_edit_button")));
  g_assert_false (press_escape (view));
  face_point (window, 0.5, 0.5, &x, &y);
  g_assert_false (cs_preview_view_face_press (view, x, y));
  gtk_toggle_button_set_active (cs_ui_test_child (window, "face_edit_button"), TRUE);
  cs_ui_test_iterate (10);

  /* Another kind of style ends editing and hides the rows. */
  set_style (window, cs_style_library_lookup (ui.styles, "udnie"));
  g_assert_false (cs_preview_view_get_face_editing (view));
  g_assert_false (gtk_widget_get_visible (cs_ui_test_child (window, "face_row")));
  cs_ui_test_close_window (window);
}

/* Set-up ------------------------------------------------------------------------------------ */

/* The VToonify-D style (a link to the material) and Udnie, in one folder. */
static void
install_styles (void)
{
  g_autofree char *clip = g_build_filename (ui.data_dir, "media", "529.mp4", NULL);
  g_autofree char *folder = g_build_filename (ui.tmp_dir, "styles", NULL);
  g_autofree char *link = g_build_filename (folder, "vtoonify-d-test", NULL);
  g_autofree char *target = g_build_filename (material, "style", NULL);
  const char *folders[] = { folder, NULL };

  g_mkdir_with_parents (folder, 0755);
  have_data = g_file_test (clip, G_FILE_TEST_EXISTS) && cs_ui_test_install_ml5 (&ui, "udnie", NULL, folder);
  if (skip_reason == NULL && symlink (target, link) != 0)
    g_error ("Cannot link %s: %s", target, g_strerror (errno));
  ui.styles = cs_style_library_new_for_search_path (folders);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  cs_ui_test_init (&ui, &argc, &argv, "celshade-vtoonify-ui-XXXXXX");
  material = cs_test_vtoonify_material (&skip_reason);
  install_styles ();

  g_test_add_func ("/vtoonify-ui/rows", test_rows);
  g_test_add_func ("/vtoonify-ui/picker", test_picker);
  g_test_add_func ("/vtoonify-ui/face", test_face);
  status = cs_ui_test_run (&ui);

  g_free (material);
  g_free (skip_reason);
  return status;
}
