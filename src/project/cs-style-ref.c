/* cs-style-ref.c: what a segment keeps to find its style again
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-style-ref.h"

struct _CsStyleRef
{
  gatomicrefcount ref_count;
  char           *id;
  char           *name;
  char           *folder;
};

G_DEFINE_BOXED_TYPE (CsStyleRef, cs_style_ref, cs_style_ref_ref, cs_style_ref_unref)

CsStyleRef *
cs_style_ref_new (const char *id,
                  const char *name,
                  const char *folder)
{
  CsStyleRef *self;

  g_return_val_if_fail (id != NULL && *id != '\0', NULL);
  g_return_val_if_fail (folder != NULL && *folder != '\0', NULL);

  self = g_new0 (CsStyleRef, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->id = g_strdup (id);
  self->name = g_strdup (name != NULL && *name != '\0' ? name : id);
  self->folder = g_canonicalize_filename (folder, NULL);

  return self;
}

CsStyleRef *
cs_style_ref_ref (CsStyleRef *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
cs_style_ref_unref (CsStyleRef *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_ref_count_dec (&self->ref_count))
    {
      g_free (self->id);
      g_free (self->name);
      g_free (self->folder);
      g_free (self);
    }
}

const char *
cs_style_ref_get_id (const CsStyleRef *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->id;
}

const char *
cs_style_ref_get_name (const CsStyleRef *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->name;
}

const char *
cs_style_ref_get_folder (const CsStyleRef *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->folder;
}

gboolean
cs_style_ref_equal (const CsStyleRef *a,
                    const CsStyleRef *b)
{
  if (a == b)
    return TRUE;
  if (a == NULL || b == NULL)
    return FALSE;

  return g_str_equal (a->id, b->id) &&
         g_str_equal (a->name, b->name) &&
         g_str_equal (a->folder, b->folder);
}
