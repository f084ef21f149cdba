/* cs-ui-test.h: what the editor's tests under Xvfb share
 *
 * A test program holds one CsUiTest: the shared test data, a temporary
 * folder removed when the program ends, the screenshots folder, the
 * registered application and the style library its windows get. Around it,
 * the main loop run until a condition holds, windows opened on a clip and
 * closed without keeping their edits, widgets rendered to textures and
 * compared, screenshots, and styles imported from the test data.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "cs-application.h"
#include "cs-style-library.h"
#include "cs-window.h"

G_BEGIN_DECLS

typedef struct {
  char           *data_dir;   /* CELSHADE_TEST_DATA, or ../shared/data beside the sources */
  char           *tmp_dir;    /* removed with all it holds by cs_ui_test_run() */
  char           *shots_dir;  /* screenshots/ in the build's test folder */
  CsApplication  *app;        /* registered, not unique */
  CsStyleLibrary *styles;     /* the test's library (it sets it); new windows get it */
} CsUiTest;

/* Initialises GTest, GTK and libadwaita; fills ui, its temporary folder made from tmp_template. */
void        cs_ui_test_init              (CsUiTest    *ui,
                                          int         *argc,
                                          char      ***argv,
                                          const char  *tmp_template);
/* Runs the tests, then releases ui and removes its temporary folder; returns g_test_run()'s. */
int         cs_ui_test_run               (CsUiTest    *ui);

/* The processor time the calling thread has used, in microseconds. */
gint64      cs_ui_test_thread_cpu_us     (void);
/* Runs n main-loop iterations, 2 ms apart, without waiting for events. */
void        cs_ui_test_iterate           (int          n);
/* Runs the main loop until cond (polled) holds; after timeout_s, "Timed out waiting for what". */
void        cs_ui_test_wait_until        (gboolean   (*cond) (gpointer),
                                          gpointer     data,
                                          double       timeout_s,
                                          const char  *what);
/* As cs_ui_test_wait_until(); returns an iteration's most CPU time (µs), *longest_wall (or NULL) its most wall time. */
gint64      cs_ui_test_wait_until_timed  (gboolean   (*cond) (gpointer),
                                          gpointer     data,
                                          double       timeout_s,
                                          const char  *what,
                                          gint64      *longest_wall);

/* The template child name of widget, declared by type's template; fails the test when there is none. */
gpointer    cs_ui_test_template_child    (GtkWidget   *widget,
                                          GType        type,
                                          const char  *name);
/* The CsWindow template child name; fails the test when there is none. */
gpointer    cs_ui_test_child             (CsWindow    *window,
                                          const char  *name);
/* The newest visible toplevel of type (transient for parent unless parent is NULL), or NULL. */
gpointer    cs_ui_test_find_toplevel     (GType        type,
                                          GtkWindow   *parent);

/* For cs_ui_test_wait_until(): the CsWindow window has a project and is done loading. */
gboolean    cs_ui_test_project_open      (gpointer     window);
/* A new 1200 × 760 editor window with ui's styles, presented and drawn. */
CsWindow   *cs_ui_test_new_window        (CsUiTest    *ui);
/* A new window (cs_ui_test_new_window()) opening path; returns once its project is open (in 120 s). */
CsWindow   *cs_ui_test_open              (CsUiTest    *ui,
                                          const char  *path);
/* Destroys window without asking, discarding its project's autosave, and runs what is pending. */
void        cs_ui_test_close_window      (CsWindow    *window);

/* widget as it is drawn now, rendered by its window's renderer. */
GdkTexture *cs_ui_test_render_widget     (GtkWidget   *widget);
/* The mean absolute difference of two textures of one size, over colour (0 to 255). */
double      cs_ui_test_texture_diff      (GdkTexture  *a,
                                          GdkTexture  *b);
/* Saves texture as ui's screenshots folder/name (PNG) and says where in the test's log. */
void        cs_ui_test_save_png          (CsUiTest    *ui,
                                          GdkTexture  *texture,
                                          const char  *name);
/* Renders widget (cs_ui_test_render_widget()) and saves it with cs_ui_test_save_png(). */
void        cs_ui_test_screenshot        (CsUiTest    *ui,
                                          GtkWidget   *widget,
                                          const char  *name);

/* Imports the test data's styles/ml5/id as folder/id (name may be NULL): FALSE if missing; an import error fails the test. */
gboolean    cs_ui_test_install_ml5       (CsUiTest    *ui,
                                          const char  *id,
                                          const char  *name,
                                          const char  *folder);
/* Installs Udnie and The Great Wave into folder (cs_ui_test_install_ml5()); FALSE if either is missing. */
gboolean    cs_ui_test_install_udnie_and_wave (CsUiTest   *ui,
                                               const char *folder);

G_END_DECLS
