/* cs-preferences-window.c: the application's preferences
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <glib/gi18n.h>

#include "cs-engine.h"
#include "cs-preferences-window.h"

static const char *const containers[] = { "mp4", "mkv", "webm" };

/* The codecs each container holds, as the export names them. */
static const char *const mp4_codecs[] = { "h264", "vp9", "av1", NULL };
static const char *const mkv_codecs[] = { "h264", "vp9", "av1", "ffv1", NULL };
static const char *const webm_codecs[] = { "vp9", "av1", NULL };

struct _CsPreferencesWindow {
  AdwPreferencesWindow parent_instance;

  AdwComboRow   *device_row;
  GtkSwitch     *fp16_switch;
  GtkAdjustment *proxy_adjustment;
  GtkAdjustment *cache_adjustment;
  AdwComboRow   *container_row;
  AdwComboRow   *codec_row;
  GtkAdjustment *quality_adjustment;

  GSettings     *settings;
  GPtrArray     *device_selectors;  /* "" for automatic, then device names */
  gboolean       updating;
};

G_DEFINE_FINAL_TYPE (CsPreferencesWindow, cs_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static const char *const *
codecs_for (const char *container)
{
  if (g_str_equal (container, "mkv"))
    return mkv_codecs;
  if (g_str_equal (container, "webm"))
    return webm_codecs;
  return mp4_codecs;
}

static const char *
codec_label (const char *codec)
{
  if (g_str_equal (codec, "h264"))
    return _("H.264 (plays everywhere)");
  if (g_str_equal (codec, "vp9"))
    return _("VP9");
  if (g_str_equal (codec, "av1"))
    return _("AV1 (smallest files, slow)");
  return _("FFV1 (lossless, large)");
}

static void
fill_codecs (CsPreferencesWindow *self)
{
  g_autofree char *container = g_settings_get_string (self->settings, "export-container");
  g_autofree char *codec = g_settings_get_string (self->settings, "export-codec");
  const char *const *codecs = codecs_for (container);
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
  guint selected = 0;

  for (guint i = 0; codecs[i] != NULL; i++)
    {
      gtk_string_list_append (labels, codec_label (codecs[i]));
      if (g_str_equal (codecs[i], codec))
        selected = i;
    }
  self->updating = TRUE;
  adw_combo_row_set_model (self->codec_row, G_LIST_MODEL (labels));
  adw_combo_row_set_selected (self->codec_row, selected);
  self->updating = FALSE;
}

static void
on_device_selected (AdwComboRow         *row,
                    GParamSpec          *pspec,
                    CsPreferencesWindow *self)
{
  guint selected = adw_combo_row_get_selected (row);

  if (self->updating || selected >= self->device_selectors->len)
    return;
  g_settings_set_string (self->settings, "device", g_ptr_array_index (self->device_selectors, selected));
}

static void
on_container_selected (AdwComboRow         *row,
                       GParamSpec          *pspec,
                       CsPreferencesWindow *self)
{
  guint selected = adw_combo_row_get_selected (row);
  g_autofree char *codec = NULL;
  const char *const *codecs;
  gboolean held = FALSE;

  if (self->updating || selected >= G_N_ELEMENTS (containers))
    return;
  g_settings_set_string (self->settings, "export-container", containers[selected]);
  /* A codec the container cannot hold becomes its first. */
  codec = g_settings_get_string (self->settings, "export-codec");
  codecs = codecs_for (containers[selected]);
  for (guint i = 0; codecs[i] != NULL; i++)
    held |= g_str_equal (codecs[i], codec);
  if (!held)
    g_settings_set_string (self->settings, "export-codec", codecs[0]);
  fill_codecs (self);
}

static void
on_codec_selected (AdwComboRow         *row,
                   GParamSpec          *pspec,
                   CsPreferencesWindow *self)
{
  g_autofree char *container = NULL;
  const char *const *codecs;
  guint selected = adw_combo_row_get_selected (row);

  if (self->updating)
    return;
  container = g_settings_get_string (self->settings, "export-container");
  codecs = codecs_for (container);
  if (selected < g_strv_length ((char **) codecs))
    g_settings_set_string (self->settings, "export-codec", codecs[selected]);
}

static void
cs_preferences_window_dispose (GObject *object)
{
  CsPreferencesWindow *self = CS_PREFERENCES_WINDOW (object);

  g_clear_object (&self->settings);
  g_clear_pointer (&self->device_selectors, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), CS_TYPE_PREFERENCES_WINDOW);
  G_OBJECT_CLASS (cs_preferences_window_parent_class)->dispose (object);
}

static void
cs_preferences_window_class_init (CsPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cs_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/celshade/Celshade/cs-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CsPreferencesWindow, device_row);
  gtk_widget_class_bind_template_child (widget_class, CsPreferencesWindow, fp16_switch);
  gtk_widget_class_bind_template_child (widget_class, CsPreferencesWindow, proxy_adjustment);
  gtk_widget_class_bind_template_child (widget_class, CsPreferencesWindow, cache_adjustment);
  gtk_widget_class_bind_template_child (widget_class, CsPreferencesWindow, container_row);
  gtk_widget_class_bind_template_child (widget_class, CsPreferencesWindow, codec_row);
  gtk_widget_class_bind_template_child (widget_class, CsPreferencesWindow, quality_adjustment);
}

static void
cs_preferences_window_init (CsPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->device_selectors = g_ptr_array_new_with_free_func (g_free);
}

GtkWidget *
cs_preferences_window_new (GSettings *settings,
                           GPtrArray *devices)
{
  CsPreferencesWindow *self = g_object_new (CS_TYPE_PREFERENCES_WINDOW, NULL);
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  g_autofree char *device = g_settings_get_string (settings, "device");
  g_autofree char *container = g_settings_get_string (settings, "export-container");
  guint selected = 0;

  self->settings = g_object_ref (settings);

  gtk_string_list_append (names, _("Automatic"));
  g_ptr_array_add (self->device_selectors, g_strdup (""));
  for (guint i = 0; devices != NULL && i < devices->len; i++)
    {
      CsDeviceInfo *info = g_ptr_array_index (devices, i);
      g_autofree char *label = g_str_equal (info->type, "cpu")
        ? g_strdup_printf (_("%s (CPU)"), info->name)
        : g_strdup (info->name);

      gtk_string_list_append (names, label);
      g_ptr_array_add (self->device_selectors, g_strdup (info->name));
      if (g_str_equal (device, info->name))
        selected = i + 1;
    }
  /* A device chosen before and not there now stays shown, so that choosing
   * nothing changes nothing. */
  if (*device != '\0' && selected == 0)
    {
      g_autofree char *label = g_strdup_printf (_("%s (not found)"), device);

      gtk_string_list_append (names, label);
      g_ptr_array_add (self->device_selectors, g_strdup (device));
      selected = self->device_selectors->len - 1;
    }
  self->updating = TRUE;
  adw_combo_row_set_model (self->device_row, G_LIST_MODEL (names));
  adw_combo_row_set_selected (self->device_row, selected);
  for (guint i = 0; i < G_N_ELEMENTS (containers); i++)
    if (g_str_equal (container, containers[i]))
      adw_combo_row_set_selected (self->container_row, i);
  self->updating = FALSE;
  fill_codecs (self);

  g_signal_connect (self->device_row, "notify::selected", G_CALLBACK (on_device_selected), self);
  g_signal_connect (self->container_row, "notify::selected", G_CALLBACK (on_container_selected), self);
  g_signal_connect (self->codec_row, "notify::selected", G_CALLBACK (on_codec_selected), self);
  g_settings_bind (settings, "fp16", self->fp16_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "proxy-size", self->proxy_adjustment, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "cache-size", self->cache_adjustment, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "export-quality", self->quality_adjustment, "value", G_SETTINGS_BIND_DEFAULT);
  return GTK_WIDGET (self);
}
