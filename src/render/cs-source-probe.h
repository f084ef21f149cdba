/* cs-source-probe.h: a project's source clip described from the file itself
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cs-decoder.h"
#include "cs-source-clip.h"

G_BEGIN_DECLS

/* Opens the clip at path and describes it for a new project: its exact
 * number of frames, frame rate, size and content hash. Slow (it reads the
 * file): call it off the UI thread, or through the async variant. The
 * decoder it opened comes back in decoder when that is not NULL. */
CsSourceClip *cs_source_probe        (const char          *path,
                                      CsDecoder          **decoder,
                                      GCancellable        *cancellable,
                                      GError             **error);
void          cs_source_probe_async  (const char          *path,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
CsSourceClip *cs_source_probe_finish (GAsyncResult        *result,
                                      GError             **error);

G_END_DECLS
