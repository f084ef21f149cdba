/* cs-media.h: the media layer (probing, decoding, encoding), for other layers to include
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "cs-codecs.h"
#include "cs-decoder.h"
#include "cs-encoder.h"
#include "cs-frame.h"
#include "cs-media-enums.h"
#include "cs-media-error.h"
#include "cs-media-info.h"
