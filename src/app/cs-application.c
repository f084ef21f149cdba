/* cs-application.c: the Celshade application
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <glib/gi18n.h>

#include "cs-application.h"
#include "cs-engine.h"
#include "cs-preferences-window.h"
#include "cs-style-library.h"
#include "cs-window.h"

struct _CsApplication {
  AdwApplication  parent_instance;

  GSettings      *settings;
  CsStyleLibrary *styles;
};

G_DEFINE_FINAL_TYPE (CsApplication, cs_application, ADW_TYPE_APPLICATION)

GSettings *
cs_application_get_settings (CsApplication *self)
{
  g_return_val_if_fail (CS_IS_APPLICATION (self), NULL);
  return self->settings;
}

/* The schema from the installed ones, else from the build tree, so that the
 * application also runs uninstalled. */
static GSettings *
make_settings (void)
{
  GSettingsSchemaSource *installed = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (installed != NULL)
    schema = g_settings_schema_source_lookup (installed, CS_APP_ID, TRUE);
  if (schema == NULL)
    {
      g_autofree char *dir = g_build_filename (CS_BUILD_DIR, "data", NULL);
      g_autoptr(GSettingsSchemaSource) source =
        g_settings_schema_source_new_from_directory (dir, installed, FALSE, NULL);

      if (source != NULL)
        schema = g_settings_schema_source_lookup (source, CS_APP_ID, FALSE);
    }
  if (schema == NULL)
    return NULL;
  return g_settings_new_full (schema, NULL, NULL);
}

static CsWindow *
new_window (CsApplication *self)
{
  return cs_window_new (GTK_APPLICATION (self), self->styles);
}

/* The active window when it shows its welcome page, else a new one. */
static CsWindow *
window_for_file (CsApplication *self)
{
  GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (CS_IS_WINDOW (active) && cs_window_get_project (CS_WINDOW (active)) == NULL &&
      !cs_window_get_loading (CS_WINDOW (active)))
    return CS_WINDOW (active);
  return new_window (self);
}

static void
cs_application_activate (GApplication *application)
{
  CsApplication *self = CS_APPLICATION (application);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    window = GTK_WINDOW (new_window (self));
  gtk_window_present (window);
}

static void
cs_application_open (GApplication  *application,
                     GFile        **files,
                     int            n_files,
                     const char    *hint)
{
  CsApplication *self = CS_APPLICATION (application);

  for (int i = 0; i < n_files; i++)
    {
      CsWindow *window = window_for_file (self);

      cs_window_open (window, files[i]);
      gtk_window_present (GTK_WINDOW (window));
    }
}

static void
action_new_window (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  gtk_window_present (GTK_WINDOW (new_window (CS_APPLICATION (user_data))));
}

static void
action_quit (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (user_data));

  /* Each window asks about its unsaved changes. */
  for (GList *l = g_list_copy (windows), *it = l; it != NULL; it = it->next)
    {
      gtk_window_close (it->data);
      if (it->next == NULL)
        g_list_free (l);
    }
}

static void
action_about (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  CsApplication *self = CS_APPLICATION (user_data);
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  const char *developers[] = { "The Celshade developers", NULL };
  g_autoptr(GString) credits = g_string_new (NULL);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->styles));
  AdwAboutWindow *about;

  about = ADW_ABOUT_WINDOW (adw_about_window_new ());
  adw_about_window_set_application_name (about, _("Celshade"));
  adw_about_window_set_application_icon (about, CS_APP_ID);
  adw_about_window_set_version (about, CS_VERSION);
  adw_about_window_set_developer_name (about, _("The Celshade developers"));
  adw_about_window_set_developers (about, developers);
  adw_about_window_set_license_type (about, GTK_LICENSE_GPL_3_0);
  adw_about_window_set_website (about, "https://celshade.github.io");
  adw_about_window_set_issue_url (about, "https://github.com/celshade/celshade/issues");
  adw_about_window_set_comments (about, _("Style video with neural networks: cut a clip into "
                                          "segments, give each a painterly look and how strong "
                                          "it is, and export it with its sound"));
  /* Translators: put your names here, one per line. */
  adw_about_window_set_translator_credits (about, _("translator-credits"));

  adw_about_window_add_legal_section (about, "GTK", "© The GTK Team", GTK_LICENSE_LGPL_2_1_ONLY, NULL);
  adw_about_window_add_legal_section (about, "libadwaita", "© The GNOME Project", GTK_LICENSE_LGPL_2_1_ONLY, NULL);
  adw_about_window_add_legal_section (about, "GLib, json-glib", "© The GNOME Project", GTK_LICENSE_LGPL_2_1_ONLY, NULL);
  adw_about_window_add_legal_section (about, "FFmpeg", "© The FFmpeg developers", GTK_LICENSE_LGPL_2_1, NULL);
  adw_about_window_add_legal_section (about, "protobuf-c", "© Dave Benson and the protobuf-c authors", GTK_LICENSE_BSD, NULL);
  adw_about_window_add_legal_section (about, "ONNX (onnx.proto)", "© ONNX Project Contributors", GTK_LICENSE_APACHE_2_0, NULL);
  adw_about_window_add_legal_section (about, "Vulkan loader and headers", "© The Khronos Group Inc.", GTK_LICENSE_APACHE_2_0, NULL);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CsStyle) style = g_list_model_get_item (G_LIST_MODEL (self->styles), i);
      const char * const *authors = cs_style_get_authors (style);
      g_autofree char *by = authors != NULL && authors[0] != NULL ? g_strjoinv (", ", (char **) authors) : NULL;
      g_autofree char *title = g_strdup_printf (_("Style “%s”"), cs_style_get_name (style));
      g_autofree char *copyright = NULL;
      const char *source = cs_style_get_source (style);
      const char *licence = cs_style_get_licence (style);

      copyright = g_strdup_printf ("%s%s%s\n%s %s", by != NULL ? by : "", by != NULL ? "\n" : "",
                                   source != NULL ? source : "",
                                   _("Licence:"), licence != NULL ? licence : _("unknown"));
      adw_about_window_add_legal_section (about, title, copyright, GTK_LICENSE_CUSTOM, NULL);
    }

  gtk_window_set_transient_for (GTK_WINDOW (about), parent);
  gtk_window_set_modal (GTK_WINDOW (about), TRUE);
  gtk_window_present (GTK_WINDOW (about));
}

static void
action_preferences (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  CsApplication *self = CS_APPLICATION (user_data);
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  g_autoptr(GPtrArray) devices = cs_device_list (NULL);
  GtkWidget *preferences = cs_preferences_window_new (self->settings, devices);

  gtk_window_set_transient_for (GTK_WINDOW (preferences), parent);
  gtk_window_set_modal (GTK_WINDOW (preferences), TRUE);
  gtk_window_present (GTK_WINDOW (preferences));
}

static const GActionEntry app_actions[] = {
  { "preferences", action_preferences },
  { "new-window", action_new_window },
  { "quit", action_quit },
  { "about", action_about },
};

static void
cs_application_startup (GApplication *application)
{
  CsApplication *self = CS_APPLICATION (application);
  static const struct {
    const char *action;
    const char *accels[3];
  } accels[] = {
    { "app.new-window", { "<Control>n", NULL } },
    { "app.quit", { "<Control>q", NULL } },
    { "app.preferences", { "<Control>comma", NULL } },
    { "window.close", { "<Control>w", NULL } },
    { "win.open", { "<Control>o", NULL } },
    { "win.save", { "<Control>s", NULL } },
    { "win.save-as", { "<Control><Shift>s", NULL } },
    { "win.export", { "<Control>e", NULL } },
    { "win.undo", { "<Control>z", NULL } },
    { "win.redo", { "<Control><Shift>z", "<Control>y", NULL } },
    { "win.show-help-overlay", { "<Control>question", NULL } },
  };

  G_APPLICATION_CLASS (cs_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (self), accels[i].action, accels[i].accels);

  self->styles = cs_style_library_new ();
}

static void
cs_application_dispose (GObject *object)
{
  CsApplication *self = CS_APPLICATION (object);

  g_clear_object (&self->styles);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (cs_application_parent_class)->dispose (object);
}

static void
cs_application_class_init (CsApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = cs_application_dispose;
  app_class->activate = cs_application_activate;
  app_class->open = cs_application_open;
  app_class->startup = cs_application_startup;
}

static void
cs_application_init (CsApplication *self)
{
}

CsApplication *
cs_application_new (void)
{
  CsApplication *self;
  GSettings *settings = make_settings ();

  if (settings == NULL)
    {
      g_printerr (_("Celshade’s settings schema (%s) is not installed: run “meson install”, "
                    "or set GSETTINGS_SCHEMA_DIR to the build’s “data” folder\n"), CS_APP_ID);
      return NULL;
    }
  self = g_object_new (CS_TYPE_APPLICATION,
                       "application-id", CS_APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/io/github/celshade/Celshade",
                       NULL);
  self->settings = settings;
  return self;
}
