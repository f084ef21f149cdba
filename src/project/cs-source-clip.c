/* cs-source-clip.c: the clip a project styles, as the project remembers it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "cs-project-error.h"
#include "cs-project-private.h"
#include "cs-source-clip.h"

struct _CsSourceClip
{
  gatomicrefcount ref_count;
  char           *path;
  gint64          n_frames;
  int             rate_num;
  int             rate_den;
  int             width;
  int             height;
  char           *hash;
};

G_DEFINE_BOXED_TYPE (CsSourceClip, cs_source_clip, cs_source_clip_ref, cs_source_clip_unref)

gboolean
cs_project_hash_is_valid (const char *hash)
{
  gsize prefix_len = strlen (CS_PROJECT_HASH_PREFIX);

  if (hash == NULL || strlen (hash) != prefix_len + 64 ||
      strncmp (hash, CS_PROJECT_HASH_PREFIX, prefix_len) != 0)
    return FALSE;

  for (const char *p = hash + prefix_len; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p) && !(*p >= 'a' && *p <= 'f'))
      return FALSE;

  return TRUE;
}

CsSourceClip *
cs_source_clip_new (const char  *path,
                    gint64       n_frames,
                    int          rate_num,
                    int          rate_den,
                    int          width,
                    int          height,
                    const char  *hash,
                    GError     **error)
{
  CsSourceClip *self;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (path == NULL || *path == '\0')
    {
      g_set_error_literal (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT,
                           _("The clip has no file name"));
      return NULL;
    }
  if (n_frames < 1 || n_frames > CS_PROJECT_MAX_FRAMES)
    {
      g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT,
                   _("The clip “%s” has %" G_GINT64_FORMAT " frames; a project needs "
                     "between 1 and %" G_GINT64_FORMAT),
                   path, n_frames, CS_PROJECT_MAX_FRAMES);
      return NULL;
    }
  if (rate_num < 1 || rate_den < 1)
    {
      g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT,
                   _("The clip “%s” has no usable frame rate (%d/%d)"),
                   path, rate_num, rate_den);
      return NULL;
    }
  if (width < 1 || height < 1 || width > CS_PROJECT_MAX_SIZE || height > CS_PROJECT_MAX_SIZE)
    {
      g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT,
                   _("The clip “%s” is %d×%d pixels; width and height must be "
                     "between 1 and %d"),
                   path, width, height, CS_PROJECT_MAX_SIZE);
      return NULL;
    }
  if (!cs_project_hash_is_valid (hash))
    {
      g_set_error (error, CS_PROJECT_ERROR, CS_PROJECT_ERROR_INVALID_ARGUMENT,
                   _("The content hash of “%s” is not one that cs_project_hash_file() makes"),
                   path);
      return NULL;
    }

  self = g_new0 (CsSourceClip, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->path = g_canonicalize_filename (path, NULL);
  self->n_frames = n_frames;
  self->rate_num = rate_num;
  self->rate_den = rate_den;
  self->width = width;
  self->height = height;
  self->hash = g_strdup (hash);

  return self;
}

CsSourceClip *
cs_source_clip_ref (CsSourceClip *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
cs_source_clip_unref (CsSourceClip *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_ref_count_dec (&self->ref_count))
    {
      g_free (self->path);
      g_free (self->hash);
      g_free (self);
    }
}

const char *
cs_source_clip_get_path (const CsSourceClip *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->path;
}

gint64
cs_source_clip_get_n_frames (const CsSourceClip *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_frames;
}

void
cs_source_clip_get_frame_rate (const CsSourceClip *self,
                               int                *num,
                               int                *den)
{
  g_return_if_fail (self != NULL);

  if (num != NULL)
    *num = self->rate_num;
  if (den != NULL)
    *den = self->rate_den;
}

int
cs_source_clip_get_width (const CsSourceClip *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->width;
}

int
cs_source_clip_get_height (const CsSourceClip *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->height;
}

const char *
cs_source_clip_get_hash (const CsSourceClip *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->hash;
}

gboolean
cs_source_clip_equal (const CsSourceClip *a,
                      const CsSourceClip *b)
{
  if (a == b)
    return TRUE;
  if (a == NULL || b == NULL)
    return FALSE;

  return g_str_equal (a->path, b->path) &&
         a->n_frames == b->n_frames &&
         a->rate_num == b->rate_num &&
         a->rate_den == b->rate_den &&
         a->width == b->width &&
         a->height == b->height &&
         g_str_equal (a->hash, b->hash);
}
