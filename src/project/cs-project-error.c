/* cs-project-error.c: the project layer's error domain
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-project-error.h"

G_DEFINE_QUARK (cs-project-error-quark, cs_project_error)
