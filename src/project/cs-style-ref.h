/* cs-style-ref.h: what a segment keeps to find its style again
 *
 * A segment does not hold a style, only a reference: the style's id (the
 * style library looks styles up by it), its name (to tell the user which
 * style is missing) and its folder (to find it without the library). The
 * project layer knows nothing of what a style folder holds.
 *
 * A CsStyleRef is immutable and its reference count is atomic, so it may be
 * shared with other threads.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct _CsStyleRef CsStyleRef;

#define CS_TYPE_STYLE_REF (cs_style_ref_get_type ())
GType cs_style_ref_get_type (void) G_GNUC_CONST;

/* A new reference. @id must be non-empty; @name may be NULL (the id is shown
 * then); @folder is made absolute against the current folder. */
CsStyleRef *cs_style_ref_new        (const char       *id,
                                     const char       *name,
                                     const char       *folder);
/* Reference counting; the count is atomic. */
CsStyleRef *cs_style_ref_ref        (CsStyleRef       *self);
void        cs_style_ref_unref      (CsStyleRef       *self);

/* The style's id, as the style library knows it. */
const char *cs_style_ref_get_id     (const CsStyleRef *self);
/* The name shown to users; never NULL. */
const char *cs_style_ref_get_name   (const CsStyleRef *self);
/* The style folder's absolute path; it may not exist (any more). */
const char *cs_style_ref_get_folder (const CsStyleRef *self);

/* TRUE when both are NULL or all three fields are the same. */
gboolean    cs_style_ref_equal      (const CsStyleRef *a,
                                     const CsStyleRef *b);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsStyleRef, cs_style_ref_unref)

G_END_DECLS
