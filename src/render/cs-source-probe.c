/* cs-source-probe.c: a project's source clip described from the file itself
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <glib/gi18n-lib.h>

#include "cs-media.h"
#include "cs-project.h"
#include "cs-source-probe.h"

CsSourceClip *
cs_source_probe (const char    *path,
                 CsDecoder    **decoder_out,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autoptr(CsDecoder) decoder = NULL;
  g_autofree char *hash = NULL;
  CsSourceClip *source;
  const CsVideoStreamInfo *video;
  AVRational rate;
  gint64 n_frames;

  g_return_val_if_fail (path != NULL, NULL);

  decoder = cs_decoder_new (path, cancellable, error);
  if (decoder == NULL)
    return NULL;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  video = cs_decoder_get_video_info (decoder);
  n_frames = cs_decoder_get_n_frames (decoder);
  rate = video->frame_rate;
  if (rate.num <= 0 || rate.den <= 0)
    rate = (AVRational) { 25, 1 };

  hash = cs_project_hash_file (path, cancellable, error);
  if (hash == NULL)
    return NULL;

  source = cs_source_clip_new (path, n_frames, rate.num, rate.den,
                               video->width, video->height, hash, error);
  if (source != NULL && decoder_out != NULL)
    *decoder_out = g_steal_pointer (&decoder);
  return source;
}

static void
probe_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  GError *error = NULL;
  CsSourceClip *source = cs_source_probe (task_data, NULL, cancellable, &error);

  if (source == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, source, (GDestroyNotify) cs_source_clip_unref);
}

void
cs_source_probe_async (const char          *path,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, cs_source_probe_async);
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_run_in_thread (task, probe_thread);
}

CsSourceClip *
cs_source_probe_finish (GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
