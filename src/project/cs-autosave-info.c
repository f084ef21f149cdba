/* cs-autosave-info.c: an autosaved project found after a crash
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <glib/gi18n-lib.h>

#include "cs-autosave-info.h"
#include "cs-project-error.h"
#include "cs-project-private.h"

struct _CsAutosaveInfo
{
  gatomicrefcount ref_count;
  GFile          *file;
  GFile          *project_file;
  gint64          time;
  char           *title;
};

G_DEFINE_BOXED_TYPE (CsAutosaveInfo, cs_autosave_info, cs_autosave_info_ref, cs_autosave_info_unref)

CsAutosaveInfo *
cs_autosave_info_new (GFile      *file,
                      GFile      *project_file,
                      gint64      time,
                      const char *title)
{
  CsAutosaveInfo *self = g_new0 (CsAutosaveInfo, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->file = g_object_ref (file);
  self->project_file = project_file != NULL ? g_object_ref (project_file) : NULL;
  self->time = time;
  self->title = g_strdup (title);

  return self;
}

CsAutosaveInfo *
cs_autosave_info_ref (CsAutosaveInfo *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
cs_autosave_info_unref (CsAutosaveInfo *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_ref_count_dec (&self->ref_count))
    {
      g_object_unref (self->file);
      g_clear_object (&self->project_file);
      g_free (self->title);
      g_free (self);
    }
}

GFile *
cs_autosave_info_get_file (CsAutosaveInfo *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->file;
}

GFile *
cs_autosave_info_get_project_file (CsAutosaveInfo *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->project_file;
}

gint64
cs_autosave_info_get_time (CsAutosaveInfo *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->time;
}

const char *
cs_autosave_info_get_title (CsAutosaveInfo *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->title;
}

gboolean
cs_autosave_info_discard (CsAutosaveInfo *self,
                          GError        **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!g_file_delete (self->file, NULL, &local_error) &&
      !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_WRITE,
                   _("Could not delete the autosaved copy of “%s”: %s"),
                   self->title, local_error->message);
      return FALSE;
    }

  return TRUE;
}
