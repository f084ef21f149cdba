/* cs-onnx.h: reading ONNX models into the graph IR. */
#pragma once

#include <glib.h>

#include "cs-graph.h"

G_BEGIN_DECLS

/* Reads the model at path; external data is looked up in path's folder.
 * Failures are CS_ENGINE_ERROR (or G_FILE_ERROR when the file cannot be read). */
CsGraph *cs_onnx_load_file (const char  *path,
                            GError     **error);

/* Parses a serialized model. base_dir is the folder external data must lie in;
 * NULL refuses models with external data. */
CsGraph *cs_onnx_load_data (const guint8 *data,
                            gsize         len,
                            const char   *base_dir,
                            GError      **error);

G_END_DECLS
