/* cs-export-button.c: the header bar's view of a running export
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "cs-export-button.h"

struct _CsExportButton
{
  GtkWidget       parent_instance;

  /* Template children. */
  GtkMenuButton  *menu_button;
  GtkLabel       *button_label;
  GtkLabel       *title_label;
  GtkProgressBar *progress_bar;
  GtkLabel       *detail_label;

  CsExportJob    *job;
  gulong          handlers[4];
};

G_DEFINE_FINAL_TYPE (CsExportButton, cs_export_button, GTK_TYPE_WIDGET)

/* Opening the result ------------------------------------------------------------------------ */

static GtkWindow *
parent_window (GtkWidget *widget)
{
  GtkRoot *root = gtk_widget_get_root (widget);

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

#if GTK_CHECK_VERSION (4, 10, 0)
static void
on_launched (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!gtk_file_launcher_launch_finish (GTK_FILE_LAUNCHER (source), result, &error))
    g_debug ("export: cannot open the file: %s", error->message);
}

static void
on_folder_opened (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!gtk_file_launcher_open_containing_folder_finish (GTK_FILE_LAUNCHER (source), result, &error))
    g_debug ("export: cannot show the file: %s", error->message);
}
#endif

void
cs_export_open_file (GtkWindow *parent,
                     GFile     *file)
{
  g_return_if_fail (G_IS_FILE (file));

#if GTK_CHECK_VERSION (4, 10, 0)
  {
    g_autoptr(GtkFileLauncher) launcher = gtk_file_launcher_new (file);

    gtk_file_launcher_launch (launcher, parent, NULL, on_launched, NULL);
  }
#else
  {
    g_autofree char *uri = g_file_get_uri (file);

    gtk_show_uri (parent, uri, GDK_CURRENT_TIME);
  }
#endif
}

#if !GTK_CHECK_VERSION (4, 10, 0)
typedef struct {
  GtkWindow *parent;   /* weak */
  GFile     *file;
} ShowRequest;

static void
show_request_free (ShowRequest *request)
{
  g_clear_weak_pointer (&request->parent);
  g_object_unref (request->file);
  g_free (request);
}

static void
open_folder (ShowRequest *request)
{
  g_autoptr(GFile) folder = g_file_get_parent (request->file);
  g_autofree char *uri = folder != NULL ? g_file_get_uri (folder) : NULL;

  if (uri != NULL)
    gtk_show_uri (request->parent, uri, GDK_CURRENT_TIME);
}

static void
on_show_items (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  ShowRequest *request = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  /* No file manager on the bus: its folder in whatever opens folders. */
  if (reply == NULL)
    {
      g_debug ("export: FileManager1.ShowItems: %s", error->message);
      open_folder (request);
    }
  show_request_free (request);
}

static void
on_session_bus (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  ShowRequest *request = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_finish (result, &error);
  g_autofree char *uri = g_file_get_uri (request->file);
  const char *uris[] = { uri, NULL };

  if (bus == NULL)
    {
      g_debug ("export: no session bus: %s", error->message);
      open_folder (request);
      show_request_free (request);
      return;
    }
  g_dbus_connection_call (bus, "org.freedesktop.FileManager1", "/org/freedesktop/FileManager1",
                          "org.freedesktop.FileManager1", "ShowItems",
                          g_variant_new ("(^ass)", uris, ""), NULL,
                          G_DBUS_CALL_FLAGS_NONE, 5000, NULL, on_show_items, request);
}
#endif

void
cs_export_show_in_folder (GtkWindow *parent,
                          GFile     *file)
{
  g_return_if_fail (G_IS_FILE (file));

#if GTK_CHECK_VERSION (4, 10, 0)
  {
    g_autoptr(GtkFileLauncher) launcher = gtk_file_launcher_new (file);

    gtk_file_launcher_open_containing_folder (launcher, parent, NULL, on_folder_opened, NULL);
  }
#else
  {
    ShowRequest *request = g_new0 (ShowRequest, 1);

    g_set_weak_pointer (&request->parent, parent);
    request->file = g_object_ref (file);
    g_bus_get (G_BUS_TYPE_SESSION, NULL, on_session_bus, request);
  }
#endif
}

/* Toasts ----------------------------------------------------------------------------------- */

static void
on_toast_open (AdwToast *toast,
               GFile    *file)
{
  GtkWidget *overlay = g_object_get_data (G_OBJECT (toast), "cs-overlay");

  cs_export_open_file (overlay != NULL ? parent_window (overlay) : NULL, file);
}

static void
on_toast_show (GtkButton *button,
               GFile     *file)
{
  AdwToast *toast = g_object_get_data (G_OBJECT (button), "cs-toast");

  cs_export_show_in_folder (parent_window (GTK_WIDGET (button)), file);
  if (toast != NULL)
    adw_toast_dismiss (toast);
}

static void
add_toast (CsExportButton *self,
           AdwToast       *toast)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  if (overlay == NULL)
    {
      g_object_unref (g_object_ref_sink (toast));
      return;
    }
  g_object_set_data (G_OBJECT (toast), "cs-overlay", overlay);
  adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), toast);
}

static void
announce_end (CsExportButton *self)
{
  CsExportJob *job = self->job;
  g_autoptr(GFile) file = g_file_new_for_path (cs_export_job_get_output (job));
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *title = NULL;
  AdwToast *toast;

  switch (cs_export_job_get_state (job))
    {
    case CS_EXPORT_STATE_DONE:
      {
        GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
        GtkWidget *label;
        GtkWidget *show;

        title = g_strdup_printf (_("Exported “%s”"), name);
        label = gtk_label_new (title);
        gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
        gtk_widget_set_hexpand (label, TRUE);
        gtk_label_set_xalign (GTK_LABEL (label), 0);
        show = gtk_button_new_with_mnemonic (_("Show in _Folder"));
        gtk_widget_set_valign (show, GTK_ALIGN_CENTER);
        gtk_box_append (GTK_BOX (box), label);
        gtk_box_append (GTK_BOX (box), show);

        toast = adw_toast_new (title);
        adw_toast_set_custom_title (toast, box);
        adw_toast_set_button_label (toast, _("_Open"));
        adw_toast_set_timeout (toast, 10);
        g_signal_connect_data (toast, "button-clicked", G_CALLBACK (on_toast_open),
                               g_object_ref (file), (GClosureNotify) (void (*) (void)) g_object_unref, 0);
        g_object_set_data (G_OBJECT (show), "cs-toast", toast);
        g_signal_connect_data (show, "clicked", G_CALLBACK (on_toast_show),
                               g_object_ref (file), (GClosureNotify) (void (*) (void)) g_object_unref, 0);
      }
      break;
    case CS_EXPORT_STATE_FAILED:
      /* Translators: the file name, then why the export failed. */
      title = g_strdup_printf (_("“%s” could not be exported: %s"), name,
                               cs_export_job_get_error (job)->message);
      toast = adw_toast_new (title);
      adw_toast_set_timeout (toast, 0);
      break;
    case CS_EXPORT_STATE_CANCELLED:
      title = g_strdup_printf (_("Export of “%s” stopped; nothing was written"), name);
      toast = adw_toast_new (title);
      adw_toast_set_timeout (toast, 5);
      break;
    case CS_EXPORT_STATE_READY:
    case CS_EXPORT_STATE_RUNNING:
    default:
      return;
    }
  add_toast (self, toast);
}

/* Progress --------------------------------------------------------------------------------- */

static void
update (CsExportButton *self)
{
  double fraction, eta, fps;
  g_autofree char *percent = NULL;
  g_autofree char *left = NULL;
  g_autofree char *rate = NULL;
  g_autofree char *detail = NULL;
  g_autofree char *tooltip = NULL;
  g_autofree char *name = NULL;
  g_autofree char *title = NULL;

  if (self->job == NULL)
    return;
  fraction = cs_export_job_get_fraction (self->job);
  eta = cs_export_job_get_eta (self->job);
  fps = cs_export_job_get_fps (self->job);
  name = g_path_get_basename (cs_export_job_get_output (self->job));

  /* Translators: the share of an export done, in percent. */
  percent = g_strdup_printf (_("%d %%"), (int) floor (fraction * 100));
  gtk_progress_bar_set_fraction (self->progress_bar, fraction);
  gtk_label_set_label (self->button_label, percent);

  title = g_strdup_printf (_("Exporting “%s”"), name);
  gtk_label_set_label (self->title_label, title);
  left = cs_export_format_eta (eta);
  if (fps > 0)
    /* Translators: how fast an export goes, in frames styled per second. */
    rate = g_strdup_printf (_("%.1f frames/s"), fps);
  if (fraction <= 0 && fps <= 0)
    detail = g_strdup (_("Preparing the styles…"));
  else if (rate != NULL && left != NULL)
    detail = g_strdup_printf ("%s · %s · %s", percent, rate, left);
  else
    detail = g_strdup_printf ("%s%s%s", percent, left != NULL ? " · " : "", left != NULL ? left : "");
  gtk_label_set_label (self->detail_label, detail);
  /* Translators: the tooltip of the header bar's export progress: the file, then the progress. */
  tooltip = g_strdup_printf (_("Exporting “%s”: %s"), name, detail);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->menu_button), tooltip);
}

static void disconnect_job (CsExportButton *self);

static void
on_state (CsExportButton *self)
{
  gboolean running = self->job != NULL && cs_export_job_is_running (self->job);

  gtk_widget_set_visible (GTK_WIDGET (self), running);
  if (running || self->job == NULL)
    return;
  gtk_menu_button_popdown (self->menu_button);
  announce_end (self);
  disconnect_job (self);
}

static void
on_stop_clicked (CsExportButton *self)
{
  if (self->job != NULL)
    cs_export_job_cancel (self->job);
  gtk_menu_button_popdown (self->menu_button);
}

static void
disconnect_job (CsExportButton *self)
{
  if (self->job == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (self->handlers); i++)
    g_clear_signal_handler (&self->handlers[i], self->job);
  g_clear_object (&self->job);
}

void
cs_export_button_set_job (CsExportButton *self,
                          CsExportJob    *job)
{
  g_return_if_fail (CS_IS_EXPORT_BUTTON (self));
  g_return_if_fail (job == NULL || CS_IS_EXPORT_JOB (job));

  disconnect_job (self);
  if (job != NULL)
    {
      self->job = g_object_ref (job);
      self->handlers[0] = g_signal_connect_swapped (job, "notify::fraction", G_CALLBACK (update), self);
      self->handlers[1] = g_signal_connect_swapped (job, "notify::eta", G_CALLBACK (update), self);
      self->handlers[2] = g_signal_connect_swapped (job, "notify::fps", G_CALLBACK (update), self);
      self->handlers[3] = g_signal_connect_swapped (job, "notify::state", G_CALLBACK (on_state), self);
      update (self);
    }
  gtk_widget_set_visible (GTK_WIDGET (self), job != NULL && cs_export_job_is_running (job));
}

CsExportJob *
cs_export_button_get_job (CsExportButton *self)
{
  g_return_val_if_fail (CS_IS_EXPORT_BUTTON (self), NULL);
  return self->job;
}

void
cs_export_button_popup (CsExportButton *self)
{
  g_return_if_fail (CS_IS_EXPORT_BUTTON (self));
  if (gtk_widget_get_visible (GTK_WIDGET (self)))
    gtk_menu_button_popup (self->menu_button);
}

/* GObject ---------------------------------------------------------------------------------- */

static void
cs_export_button_dispose (GObject *object)
{
  CsExportButton *self = CS_EXPORT_BUTTON (object);

  disconnect_job (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), CS_TYPE_EXPORT_BUTTON);
  G_OBJECT_CLASS (cs_export_button_parent_class)->dispose (object);
}

static void
cs_export_button_class_init (CsExportButtonClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cs_export_button_dispose;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/celshade/Celshade/cs-export-button.ui");
  gtk_widget_class_bind_template_child (widget_class, CsExportButton, menu_button);
  gtk_widget_class_bind_template_child (widget_class, CsExportButton, button_label);
  gtk_widget_class_bind_template_child (widget_class, CsExportButton, title_label);
  gtk_widget_class_bind_template_child (widget_class, CsExportButton, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, CsExportButton, detail_label);
  gtk_widget_class_bind_template_callback (widget_class, on_stop_clicked);
}

static void
cs_export_button_init (CsExportButton *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
