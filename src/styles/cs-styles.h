/* cs-styles.h: the style layer's public headers.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cs-fst-import.h"
#include "cs-image.h"
#include "cs-style.h"
#include "cs-style-library.h"
#include "cs-stylizer.h"
