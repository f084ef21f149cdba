/* cs-export-dialog.c: the export dialog
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "cs-export-dialog.h"
#include "cs-media.h"
#include "cs-project-renderer.h"

/* The shorter sides offered besides the source's, largest first. */
static const int short_sides[] = { 2160, 1440, 1080, 720, 480, 360 };

typedef struct {
  int short_side;   /* 0: the source's size */
  int width;
  int height;
} SizeChoice;

struct _CsExportDialog
{
  AdwWindow          parent_instance;

  /* Template children. */
  AdwToastOverlay   *toast_overlay;
  GtkWidget         *export_button;
  AdwComboRow       *container_row;
  AdwComboRow       *codec_row;
  AdwActionRow      *quality_row;
  GtkScale          *quality_scale;
  GtkAdjustment     *quality_adjustment;
  AdwComboRow       *size_row;
  AdwComboRow       *range_row;
  GtkSwitch         *audio_switch;
  AdwActionRow      *file_row;
  GtkWidget         *choose_button;

  CsProject         *project;
  GSettings         *settings;
  guint              segment;

  GArray            *containers;  /* CsContainer, as the container row lists them */
  GPtrArray         *codecs;      /* const CsVideoCodecInfo, as the codec row lists them */
  GArray            *sizes;       /* SizeChoice, as the size row lists them */
  const CsVideoCodecInfo *quality_codec; /* the codec the quality slider is set for */
  GFile             *file;
  GFile             *confirmed;   /* replacing it was agreed in the file chooser */
  gboolean           updating;
};

G_DEFINE_FINAL_TYPE (CsExportDialog, cs_export_dialog, ADW_TYPE_WINDOW)

enum {
  SIGNAL_EXPORT_STARTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void update_file_row (CsExportDialog *self);

/* Sizes ------------------------------------------------------------------------------------ */

static int
round_even (double value)
{
  return MAX (2, 2 * (int) lround (value / 2));
}

gboolean
cs_export_scaled_size (int  width,
                       int  height,
                       int  short_side,
                       int *out_width,
                       int *out_height)
{
  int shorter = MIN (width, height);
  double scale;

  *out_width = width;
  *out_height = height;
  if (width <= 0 || height <= 0 || short_side <= 0 || short_side >= shorter)
    return FALSE;
  scale = (double) short_side / shorter;
  /* The shorter side is exact; the other keeps the shape to the nearest
   * even pixel, as 4:2:0 pictures need. */
  *out_width = width <= height ? round_even (short_side) : round_even (width * scale);
  *out_height = width <= height ? round_even (height * scale) : round_even (short_side);
  return TRUE;
}

/* Helpers ---------------------------------------------------------------------------------- */

static void
toast (CsExportDialog *self,
       const char     *message)
{
  AdwToast *t = adw_toast_new (message);

  adw_toast_set_timeout (t, 8);
  adw_toast_overlay_add_toast (self->toast_overlay, t);
}

static char *
format_seconds (double seconds)
{
  int minutes = (int) (seconds / 60);
  double rest = seconds - minutes * 60;

  if (minutes >= 60)
    return g_strdup_printf ("%d:%02d:%04.1f", minutes / 60, minutes % 60, rest);
  return g_strdup_printf ("%d:%04.1f", minutes, rest);
}

static void
frame_rate (CsExportDialog *self,
            int            *num,
            int            *den)
{
  cs_source_clip_get_frame_rate (cs_project_get_source (self->project), num, den);
  if (*num <= 0 || *den <= 0)
    {
      *num = 25;
      *den = 1;
    }
}

static double
frame_time (CsExportDialog *self,
            gint64          frame)
{
  int num, den;

  frame_rate (self, &num, &den);
  return (double) frame * den / num;
}

static CsContainer
selected_container (CsExportDialog *self)
{
  guint i = adw_combo_row_get_selected (self->container_row);

  if (i >= self->containers->len)
    return CS_CONTAINER_AUTO;
  return g_array_index (self->containers, CsContainer, i);
}

static const CsVideoCodecInfo *
selected_codec (CsExportDialog *self)
{
  guint i = adw_combo_row_get_selected (self->codec_row);

  if (self->codecs == NULL || i >= self->codecs->len)
    return NULL;
  return g_ptr_array_index (self->codecs, i);
}

/* Quality ---------------------------------------------------------------------------------- */

static void
update_quality_subtitle (CsExportDialog *self)
{
  const CsVideoCodecInfo *info = selected_codec (self);
  g_autofree char *text = NULL;
  int crf, d;
  const char *word;

  if (info == NULL || info->crf_max < 0)
    {
      adw_action_row_set_subtitle (self->quality_row, _("Lossless: every pixel kept, large files"));
      return;
    }
  crf = (int) gtk_adjustment_get_value (self->quality_adjustment);
  /* Described against the encoder's own default, since CRF scales differ
   * between codecs. */
  d = crf - info->crf_default;
  if (crf == 0)
    word = _("Lossless where the codec allows it, very large files");
  else if (d <= -8)
    word = _("Very high, large files");
  else if (d <= -3)
    word = _("High");
  else if (d < 3)
    word = _("Standard");
  else if (d < 8)
    word = _("Smaller files, some loss");
  else
    word = _("Small files, visible loss");
  /* Translators: a description of the quality, then the encoder's constant rate factor. */
  text = g_strdup_printf (_("%s (CRF %d)"), word, crf);
  adw_action_row_set_subtitle (self->quality_row, text);
}

/* The slider follows the codec: its range is the encoder's, and a value
 * keeps its distance from the codec's default, so that "a bit better than
 * standard" stays that across codecs. */
static void
set_quality_codec (CsExportDialog         *self,
                   const CsVideoCodecInfo *info)
{
  const CsVideoCodecInfo *before = self->quality_codec;
  double value = gtk_adjustment_get_value (self->quality_adjustment);

  self->quality_codec = info;
  if (info == NULL || info->crf_max < 0)
    {
      gtk_widget_set_sensitive (GTK_WIDGET (self->quality_row), FALSE);
      update_quality_subtitle (self);
      return;
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->quality_row), TRUE);
  if (before != NULL && before->crf_max >= 0 && before != info)
    value = value - before->crf_default + info->crf_default;
  else if (before != NULL && before->crf_max < 0)
    value = info->crf_default;
  gtk_adjustment_set_upper (self->quality_adjustment, info->crf_max);
  gtk_adjustment_set_value (self->quality_adjustment, CLAMP (round (value), 0, info->crf_max));
  update_quality_subtitle (self);
}

/* Container and codec ---------------------------------------------------------------------- */

static void
fill_codecs (CsExportDialog *self,
             CsVideoCodec    keep)
{
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  guint chosen = 0;

  g_clear_pointer (&self->codecs, g_ptr_array_unref);
  self->codecs = cs_container_list_codecs (selected_container (self));
  for (guint i = 0; i < self->codecs->len; i++)
    {
      const CsVideoCodecInfo *info = g_ptr_array_index (self->codecs, i);
      g_autofree char *label = info->crf_max < 0
        /* Translators: a video codec's name, then what it is known for. */
        ? g_strdup_printf (_("%s (lossless)"), info->label)
        : g_strdup (info->label);

      gtk_string_list_append (names, label);
      if (info->codec == keep)
        chosen = i;
    }
  self->updating = TRUE;
  adw_combo_row_set_model (self->codec_row, G_LIST_MODEL (names));
  adw_combo_row_set_selected (self->codec_row, chosen);
  self->updating = FALSE;
  set_quality_codec (self, selected_codec (self));
}

static void
on_codec_selected (CsExportDialog *self)
{
  const CsVideoCodecInfo *info = selected_codec (self);

  if (self->updating)
    return;
  set_quality_codec (self, info);
}

/* The destination's name takes the container's extension. */
static void
follow_extension (CsExportDialog *self)
{
  g_autofree char *name = NULL;
  g_autofree char *renamed = NULL;
  g_autoptr(GFile) parent = NULL;
  const char *ext = cs_container_get_name (selected_container (self));
  char *dot;

  if (self->file == NULL || ext == NULL)
    return;
  name = g_file_get_basename (self->file);
  dot = strrchr (name, '.');
  if (dot != NULL && cs_container_from_name (dot + 1) != CS_CONTAINER_AUTO)
    *dot = '\0';
  renamed = g_strdup_printf ("%s.%s", name, ext);
  parent = g_file_get_parent (self->file);
  g_clear_object (&self->file);
  self->file = g_file_get_child (parent, renamed);
  update_file_row (self);
}

static void
on_container_selected (CsExportDialog *self)
{
  const CsVideoCodecInfo *info = selected_codec (self);

  if (self->updating)
    return;
  fill_codecs (self, info != NULL ? info->codec : CS_VIDEO_CODEC_AUTO);
  follow_extension (self);
}

gboolean
cs_export_dialog_set_container (CsExportDialog *self,
                                CsContainer     container)
{
  g_return_val_if_fail (CS_IS_EXPORT_DIALOG (self), FALSE);

  for (guint i = 0; i < self->containers->len; i++)
    if (g_array_index (self->containers, CsContainer, i) == container)
      {
        adw_combo_row_set_selected (self->container_row, i);
        return TRUE;
      }
  return FALSE;
}

gboolean
cs_export_dialog_set_codec (CsExportDialog *self,
                            CsVideoCodec    codec)
{
  g_return_val_if_fail (CS_IS_EXPORT_DIALOG (self), FALSE);

  for (guint i = 0; i < self->codecs->len; i++)
    if (((const CsVideoCodecInfo *) g_ptr_array_index (self->codecs, i))->codec == codec)
      {
        adw_combo_row_set_selected (self->codec_row, i);
        return TRUE;
      }
  return FALSE;
}

CsContainer
cs_export_dialog_get_container (CsExportDialog *self)
{
  g_return_val_if_fail (CS_IS_EXPORT_DIALOG (self), CS_CONTAINER_AUTO);
  return selected_container (self);
}

CsVideoCodec
cs_export_dialog_get_codec (CsExportDialog *self)
{
  const CsVideoCodecInfo *info;

  g_return_val_if_fail (CS_IS_EXPORT_DIALOG (self), CS_VIDEO_CODEC_AUTO);
  info = selected_codec (self);
  return info != NULL ? info->codec : CS_VIDEO_CODEC_AUTO;
}

void
cs_export_dialog_set_quality (CsExportDialog *self,
                              int             crf)
{
  g_return_if_fail (CS_IS_EXPORT_DIALOG (self));
  gtk_adjustment_set_value (self->quality_adjustment, crf);
}

int
cs_export_dialog_get_quality (CsExportDialog *self)
{
  const CsVideoCodecInfo *info;

  g_return_val_if_fail (CS_IS_EXPORT_DIALOG (self), -1);
  info = selected_codec (self);
  if (info == NULL || info->crf_max < 0)
    return -1;
  return (int) round (gtk_adjustment_get_value (self->quality_adjustment));
}

/* Size, range, audio ----------------------------------------------------------------------- */

static void
fill_sizes (CsExportDialog *self)
{
  CsSourceClip *source = cs_project_get_source (self->project);
  int width = cs_source_clip_get_width (source);
  int height = cs_source_clip_get_height (source);
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  SizeChoice choice = { 0, width, height };
  g_autofree char *label = NULL;

  g_array_set_size (self->sizes, 0);
  g_array_append_val (self->sizes, choice);
  /* Translators: the export's picture size when it is the clip's own, in pixels. */
  label = g_strdup_printf (_("Source (%d × %d)"), width, height);
  gtk_string_list_append (names, label);
  for (guint i = 0; i < G_N_ELEMENTS (short_sides); i++)
    {
      g_autofree char *name = NULL;

      choice.short_side = short_sides[i];
      if (!cs_export_scaled_size (width, height, short_sides[i], &choice.width, &choice.height))
        continue;
      g_array_append_val (self->sizes, choice);
      /* Translators: a picture size: the shorter side's name ("720p"), then width × height in pixels. */
      name = g_strdup_printf (_("%dp (%d × %d)"), choice.short_side, choice.width, choice.height);
      gtk_string_list_append (names, name);
    }
  adw_combo_row_set_model (self->size_row, G_LIST_MODEL (names));
  adw_combo_row_set_selected (self->size_row, 0);
}

gboolean
cs_export_dialog_set_scale (CsExportDialog *self,
                            int             short_side)
{
  g_return_val_if_fail (CS_IS_EXPORT_DIALOG (self), FALSE);

  for (guint i = 0; i < self->sizes->len; i++)
    if (g_array_index (self->sizes, SizeChoice, i).short_side == short_side)
      {
        adw_combo_row_set_selected (self->size_row, i);
        return TRUE;
      }
  return FALSE;
}

void
cs_export_dialog_get_output_size (CsExportDialog *self,
                                  int            *width,
                                  int            *height)
{
  guint i;

  g_return_if_fail (CS_IS_EXPORT_DIALOG (self));
  i = MIN (adw_combo_row_get_selected (self->size_row), self->sizes->len - 1);
  *width = g_array_index (self->sizes, SizeChoice, i).width;
  *height = g_array_index (self->sizes, SizeChoice, i).height;
}

static void
fill_ranges (CsExportDialog *self)
{
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  gint64 n = cs_project_get_n_frames (self->project);
  g_autofree char *all_time = format_seconds (frame_time (self, n));
  g_autofree char *all = NULL;
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  g_autofree char *segment = NULL;
  CsSegment *seg;

  /* Translators: the whole clip as the export's frames, then its length. */
  all = g_strdup_printf (_("Whole Clip (%s)"), all_time);
  gtk_string_list_append (names, all);
  self->segment = MIN (self->segment, cs_project_get_n_segments (self->project) - 1);
  seg = cs_project_get_segment (self->project, self->segment);
  from = format_seconds (frame_time (self, cs_segment_get_start (seg)));
  to = format_seconds (frame_time (self, cs_segment_get_end (seg)));
  /* Translators: the selected segment as the export's frames: its number, where it starts and ends. */
  segment = g_strdup_printf (_("Selected Segment %u (%s to %s)"), self->segment + 1, from, to);
  gtk_string_list_append (names, segment);
  adw_combo_row_set_model (self->range_row, G_LIST_MODEL (names));
  adw_combo_row_set_selected (self->range_row, 0);
}

void
cs_export_dialog_set_range (CsExportDialog *self,
                            CsExportRange   range)
{
  g_return_if_fail (CS_IS_EXPORT_DIALOG (self));
  adw_combo_row_set_selected (self->range_row, range == CS_EXPORT_RANGE_SEGMENT ? 1 : 0);
}

void
cs_export_dialog_set_audio (CsExportDialog *self,
                            gboolean        audio)
{
  g_return_if_fail (CS_IS_EXPORT_DIALOG (self));
  gtk_switch_set_active (self->audio_switch, audio);
}

/* Destination ------------------------------------------------------------------------------ */

static void
update_file_row (CsExportDialog *self)
{
  g_autofree char *shown = self->file != NULL ? g_file_get_parse_name (self->file) : NULL;
  const char *home = g_get_home_dir ();

  /* The home folder as "~", as the file manager's path bar shows it. */
  if (shown != NULL && home != NULL && g_str_has_prefix (shown, home) && shown[strlen (home)] == '/')
    {
      char *short_name = g_strconcat ("~", shown + strlen (home), NULL);

      g_free (shown);
      shown = short_name;
    }
  adw_action_row_set_subtitle (self->file_row, shown != NULL ? shown : _("No file chosen"));
  gtk_widget_set_sensitive (self->export_button, self->file != NULL);
}

void
cs_export_dialog_set_file (CsExportDialog *self,
                           GFile          *file)
{
  g_autofree char *name = NULL;
  CsContainer container;

  g_return_if_fail (CS_IS_EXPORT_DIALOG (self));
  g_return_if_fail (G_IS_FILE (file));

  g_set_object (&self->file, file);
  name = g_file_get_basename (file);
  container = cs_container_from_name (name);
  /* A known extension chooses the container; any other name gets one. */
  if (container == CS_CONTAINER_AUTO || !cs_export_dialog_set_container (self, container))
    follow_extension (self);
  update_file_row (self);
}

GFile *
cs_export_dialog_get_file (CsExportDialog *self)
{
  g_return_val_if_fail (CS_IS_EXPORT_DIALOG (self), NULL);
  return self->file;
}

static GFile *
default_folder (CsExportDialog *self)
{
  g_autofree char *folder = g_settings_get_string (self->settings, "export-folder");
  GFile *project_file = cs_project_get_file (self->project);
  const char *videos;

  if (*folder != '\0' && g_file_test (folder, G_FILE_TEST_IS_DIR))
    return g_file_new_for_path (folder);
  if (project_file != NULL)
    return g_file_get_parent (project_file);
  videos = g_get_user_special_dir (G_USER_DIRECTORY_VIDEOS);
  if (videos != NULL && g_file_test (videos, G_FILE_TEST_IS_DIR))
    return g_file_new_for_path (videos);
  return g_file_new_for_path (g_get_home_dir ());
}

/* "<project or clip name> (styled).ext", numbered past the files already there. */
static GFile *
default_file (CsExportDialog *self)
{
  g_autoptr(GFile) folder = default_folder (self);
  GFile *project_file = cs_project_get_file (self->project);
  g_autofree char *base = NULL;
  const char *ext = cs_container_get_name (selected_container (self));
  char *dot;

  base = project_file != NULL ? g_file_get_basename (project_file)
                              : g_path_get_basename (cs_source_clip_get_path (cs_project_get_source (self->project)));
  if ((dot = strrchr (base, '.')) != NULL && dot != base)
    *dot = '\0';
  for (int i = 1; i < 1000; i++)
    {
      g_autofree char *name = i == 1
        /* Translators: the suggested export file name: the project's name, then the extension. */
        ? g_strdup_printf (_("%s (styled).%s"), base, ext != NULL ? ext : "mp4")
        /* Translators: the same with a number, when the first name is taken. */
        : g_strdup_printf (_("%s (styled %d).%s"), base, i, ext != NULL ? ext : "mp4");
      g_autoptr(GFile) file = g_file_get_child (folder, name);

      if (!g_file_query_exists (file, NULL))
        return g_steal_pointer (&file);
    }
  return g_file_get_child (folder, base);
}

static void
on_file_chosen (CsExportDialog *self,
                GFile          *file)
{
  cs_export_dialog_set_file (self, file);
  /* The chooser asked before replacing this very file. */
  if (g_file_equal (self->file, file))
    g_set_object (&self->confirmed, file);
}

#if GTK_CHECK_VERSION (4, 10, 0)
static void
on_save_dialog_done (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(CsExportDialog) self = user_data;
  g_autoptr(GFile) file = gtk_file_dialog_save_finish (GTK_FILE_DIALOG (source), result, NULL);

  if (file != NULL)
    on_file_chosen (self, file);
}
#else
static void
on_native_response (GtkNativeDialog *native,
                    int              response,
                    gpointer         user_data)
{
  g_autoptr(CsExportDialog) self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      G_GNUC_BEGIN_IGNORE_DEPRECATIONS
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
      G_GNUC_END_IGNORE_DEPRECATIONS

      if (file != NULL)
        on_file_chosen (self, file);
    }
  g_object_unref (native);
}
#endif

static void
on_choose_clicked (CsExportDialog *self)
{
  g_autoptr(GFile) folder = self->file != NULL ? g_file_get_parent (self->file) : default_folder (self);
  g_autofree char *name = self->file != NULL ? g_file_get_basename (self->file) : NULL;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  const char *ext = cs_container_get_name (selected_container (self));
  g_autofree char *pattern = g_strdup_printf ("*.%s", ext != NULL ? ext : "mp4");

  gtk_file_filter_set_name (filter, cs_container_get_label (selected_container (self)));
  gtk_file_filter_add_pattern (filter, pattern);

#if GTK_CHECK_VERSION (4, 10, 0)
  {
    g_autoptr(GtkFileDialog) dialog = gtk_file_dialog_new ();
    g_autoptr(GListStore) filters = g_list_store_new (GTK_TYPE_FILE_FILTER);

    g_list_store_append (filters, filter);
    gtk_file_dialog_set_title (dialog, _("Export the Styled Video"));
    gtk_file_dialog_set_modal (dialog, TRUE);
    gtk_file_dialog_set_filters (dialog, G_LIST_MODEL (filters));
    gtk_file_dialog_set_initial_folder (dialog, folder);
    gtk_file_dialog_set_initial_name (dialog, name);
    gtk_file_dialog_save (dialog, GTK_WINDOW (self), NULL, on_save_dialog_done, g_object_ref (self));
  }
#else
  {
    G_GNUC_BEGIN_IGNORE_DEPRECATIONS
    GtkFileChooserNative *native =
      gtk_file_chooser_native_new (_("Export the Styled Video"), GTK_WINDOW (self),
                                   GTK_FILE_CHOOSER_ACTION_SAVE, _("_Choose"), _("_Cancel"));

    gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
    gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), filter);
    gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (native), folder, NULL);
    if (name != NULL)
      gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), name);
    g_signal_connect (native, "response", G_CALLBACK (on_native_response), g_object_ref (self));
    gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
    G_GNUC_END_IGNORE_DEPRECATIONS
  }
#endif
}

/* Exporting -------------------------------------------------------------------------------- */

static void
remember_choices (CsExportDialog *self)
{
  const CsVideoCodecInfo *info = selected_codec (self);
  g_autoptr(GFile) parent = g_file_get_parent (self->file);
  g_autofree char *folder = parent != NULL ? g_file_get_path (parent) : NULL;

  g_settings_delay (self->settings);
  g_settings_set_string (self->settings, "export-container", cs_container_get_name (selected_container (self)));
  if (info != NULL)
    g_settings_set_string (self->settings, "export-codec", info->name);
  if (info != NULL && info->crf_max >= 0)
    g_settings_set_int (self->settings, "export-quality", cs_export_dialog_get_quality (self));
  if (folder != NULL)
    g_settings_set_string (self->settings, "export-folder", folder);
  g_settings_apply (self->settings);
}

static void
start_export (CsExportDialog *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CsClipRenderer) renderer = NULL;
  g_autoptr(CsExportJob) job = NULL;
  g_autofree char *path = g_file_get_path (self->file);
  g_autofree char *device = g_settings_get_string (self->settings, "device");
  const char *source = cs_source_clip_get_path (cs_project_get_source (self->project));
  int width, height;

  if (path == NULL)
    {
      toast (self, _("Choose a folder on this computer to export to"));
      return;
    }
  if (g_strcmp0 (path, source) == 0)
    {
      toast (self, _("The export would replace the clip itself; choose another file"));
      return;
    }

  renderer = cs_project_renderer_new (self->project, path, &error);
  if (renderer == NULL)
    {
      toast (self, error->message);
      return;
    }
  cs_clip_renderer_set_video_codec (renderer, cs_export_dialog_get_codec (self));
  cs_clip_renderer_set_crf (renderer, cs_export_dialog_get_quality (self));
  cs_clip_renderer_set_audio (renderer, gtk_switch_get_active (self->audio_switch));
  cs_clip_renderer_set_precision (renderer, g_settings_get_boolean (self->settings, "fp16")
                                            ? CS_PRECISION_AUTO : CS_PRECISION_FP32);
  cs_export_dialog_get_output_size (self, &width, &height);
  if (adw_combo_row_get_selected (self->size_row) != 0)
    cs_clip_renderer_set_output_size (renderer, width, height);
  if (adw_combo_row_get_selected (self->range_row) == 1)
    {
      CsSegment *seg = cs_project_get_segment (self->project, self->segment);
      gint64 end = cs_segment_get_end (seg);
      int num, den;

      frame_rate (self, &num, &den);
      /* The renderer takes times; the first frame's start rounded up and the
       * end rounded down select exactly the segment's frames. */
      cs_clip_renderer_set_range (renderer,
                                  (gint64) ceil ((double) cs_segment_get_start (seg) * den * G_USEC_PER_SEC / num),
                                  end >= cs_project_get_n_frames (self->project)
                                  ? -1 : (gint64) floor ((double) end * den * G_USEC_PER_SEC / num));
    }

  remember_choices (self);
  job = cs_export_job_new (renderer);
  cs_export_job_set_device (job, device);
  cs_export_job_start (job);
  g_signal_emit (self, signals[SIGNAL_EXPORT_STARTED], 0, job);
  gtk_window_close (GTK_WINDOW (self));
}

static gboolean
start_export_idle (gpointer data)
{
  start_export (data);
  return G_SOURCE_REMOVE;
}

static void
on_replace_response (AdwMessageDialog *dialog,
                     const char       *response,
                     CsExportDialog   *self)
{
  /* Starting closes this dialog, which the question is transient for:
   * only once the question has gone. */
  if (g_str_equal (response, "replace"))
    g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, start_export_idle, g_object_ref (self), g_object_unref);
}

void
cs_export_dialog_export (CsExportDialog *self)
{
  g_autofree char *name = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *body = NULL;
  g_autofree char *heading = NULL;
  g_autoptr(GFile) parent = NULL;
  GtkWidget *dialog;

  g_return_if_fail (CS_IS_EXPORT_DIALOG (self));

  if (self->file == NULL)
    return;
  if (!g_file_query_exists (self->file, NULL) ||
      (self->confirmed != NULL && g_file_equal (self->confirmed, self->file)))
    {
      start_export (self);
      return;
    }

  name = g_file_get_basename (self->file);
  parent = g_file_get_parent (self->file);
  folder = parent != NULL ? g_file_get_basename (parent) : g_strdup ("/");
  heading = g_strdup_printf (_("Replace “%s”?"), name);
  body = g_strdup_printf (_("A file with this name already exists in “%s”. "
                            "Replacing it overwrites its contents once the export is complete."), folder);
  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "replace", _("_Replace"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "replace",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_replace_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* GObject ---------------------------------------------------------------------------------- */

static void
cs_export_dialog_dispose (GObject *object)
{
  CsExportDialog *self = CS_EXPORT_DIALOG (object);

  g_clear_object (&self->project);
  g_clear_object (&self->settings);
  g_clear_object (&self->file);
  g_clear_object (&self->confirmed);
  g_clear_pointer (&self->codecs, g_ptr_array_unref);
  g_clear_pointer (&self->containers, g_array_unref);
  g_clear_pointer (&self->sizes, g_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), CS_TYPE_EXPORT_DIALOG);
  G_OBJECT_CLASS (cs_export_dialog_parent_class)->dispose (object);
}

static void
cs_export_dialog_class_init (CsExportDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cs_export_dialog_dispose;

  /**
   * CsExportDialog::export-started:
   * @job: the running job
   *
   * The export has started; the handler keeps the job (the dialog closes).
   */
  signals[SIGNAL_EXPORT_STARTED] =
    g_signal_new ("export-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, CS_TYPE_EXPORT_JOB);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/celshade/Celshade/cs-export-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, CsExportDialog, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, CsExportDialog, export_button);
  gtk_widget_class_bind_template_child (widget_class, CsExportDialog, container_row);
  gtk_widget_class_bind_template_child (widget_class, CsExportDialog, codec_row);
  gtk_widget_class_bind_template_child (widget_class, CsExportDialog, quality_row);
  gtk_widget_class_bind_template_child (widget_class, CsExportDialog, quality_scale);
  gtk_widget_class_bind_template_child (widget_class, CsExportDialog, quality_adjustment);
  gtk_widget_class_bind_template_child (widget_class, CsExportDialog, size_row);
  gtk_widget_class_bind_template_child (widget_class, CsExportDialog, range_row);
  gtk_widget_class_bind_template_child (widget_class, CsExportDialog, audio_switch);
  gtk_widget_class_bind_template_child (widget_class, CsExportDialog, file_row);
  gtk_widget_class_bind_template_child (widget_class, CsExportDialog, choose_button);
  gtk_widget_class_bind_template_callback (widget_class, cs_export_dialog_export);
  gtk_widget_class_bind_template_callback (widget_class, on_choose_clicked);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
cs_export_dialog_init (CsExportDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->containers = g_array_new (FALSE, FALSE, sizeof (CsContainer));
  self->sizes = g_array_new (FALSE, FALSE, sizeof (SizeChoice));
  g_signal_connect_swapped (self->container_row, "notify::selected", G_CALLBACK (on_container_selected), self);
  g_signal_connect_swapped (self->codec_row, "notify::selected", G_CALLBACK (on_codec_selected), self);
  g_signal_connect_swapped (self->quality_adjustment, "value-changed", G_CALLBACK (update_quality_subtitle), self);
}

CsExportDialog *
cs_export_dialog_new (GtkWindow *parent,
                      CsProject *project,
                      GSettings *settings,
                      guint      segment)
{
  CsExportDialog *self;
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  g_autofree char *container_name = NULL;
  g_autofree char *codec_name = NULL;
  static const CsContainer all[] = { CS_CONTAINER_MP4, CS_CONTAINER_MKV, CS_CONTAINER_WEBM };
  CsContainer wanted;
  CsVideoCodec codec;
  int quality;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (CS_IS_PROJECT (project), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (CS_TYPE_EXPORT_DIALOG, "transient-for", parent, NULL);
  self->project = g_object_ref (project);
  self->settings = g_object_ref (settings);
  self->segment = segment;

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    {
      g_autoptr(GPtrArray) codecs = cs_container_list_codecs (all[i]);

      if (codecs->len == 0)
        continue;
      g_array_append_val (self->containers, all[i]);
      gtk_string_list_append (names, cs_container_get_label (all[i]));
    }

  container_name = g_settings_get_string (settings, "export-container");
  codec_name = g_settings_get_string (settings, "export-codec");
  wanted = cs_container_from_name (container_name);
  codec = cs_video_codec_from_name (codec_name);
  quality = g_settings_get_int (settings, "export-quality");

  self->updating = TRUE;
  adw_combo_row_set_model (self->container_row, G_LIST_MODEL (names));
  adw_combo_row_set_selected (self->container_row, 0);
  self->updating = FALSE;
  if (!cs_export_dialog_set_container (self, wanted))
    adw_combo_row_set_selected (self->container_row, 0);
  /* The remembered codec, or the container's default when it cannot hold it. */
  fill_codecs (self, codec);
  if (selected_codec (self) != NULL && selected_codec (self)->codec == codec &&
      selected_codec (self)->crf_max >= 0)
    gtk_adjustment_set_value (self->quality_adjustment, MIN (quality, selected_codec (self)->crf_max));
  update_quality_subtitle (self);

  fill_sizes (self);
  fill_ranges (self);
  self->file = default_file (self);
  update_file_row (self);
  return self;
}
