/* cs-render.h: the render layer's public headers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cs-clip-renderer.h"
#include "cs-preview.h"
#include "cs-render-error.h"
#include "cs-source-probe.h"
#include "cs-video-styler.h"
#include "cs-yuv.h"
