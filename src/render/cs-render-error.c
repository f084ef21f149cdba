/* cs-render-error.c: the render layer's error domain
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include "cs-render-error.h"

G_DEFINE_QUARK (cs-render-error-quark, cs_render_error)
