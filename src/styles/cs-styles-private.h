/* cs-styles-private.h: helpers shared by the style layer's own files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* TRUE for a relative path with no empty, "." or ".." component: one that
 * cannot name anything outside the folder it is relative to (symbolic links
 * aside, which callers check by resolving). */
gboolean cs_styles_is_plain_relative_path (const char *path);

G_END_DECLS
