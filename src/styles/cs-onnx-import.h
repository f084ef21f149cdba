/* cs-onnx-import.h: ONNX image-to-image models into styles
 *
 * Any network that takes one RGB image and gives one back at the same size
 * can be a style: an ONNX model exported from PyTorch or TensorFlow whose
 * input and output are NCHW float tensors of three channels in 0..255. The
 * import checks that the engine loads the model, that its height and width
 * are free, finds the size multiple the network needs, renders a thumbnail
 * through the engine (which proves that every operator runs), copies the
 * model beside a style.json and renames the whole folder into place at the
 * end, so a refused or cancelled import leaves nothing behind.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cs-engine.h"

G_BEGIN_DECLS

typedef struct {
  const char         *name;     /* shown to users; NULL: from cs_onnx_style_default_stem() */
  const char * const *authors;  /* NULL-terminated, or NULL for none known */
  const char         *licence;  /* NULL: "unknown" */
  const char         *source;   /* NULL: the model's path */
  CsDevice           *device;   /* loads the model, renders the thumbnail; NULL: cs_device_new (NULL) */
} CsOnnxImportOptions;

/* The largest size multiple looked for: networks with more down-sampling
 * than this are refused. */
#define CS_ONNX_IMPORT_MAX_MULTIPLE 64

/* The file name a style made from model_path is named after, without its
 * extension: the model file's, or its folder's when the file has a generic
 * name such as model.onnx. */
char    *cs_onnx_style_default_stem (const char *model_path);

/* Imports the model at model_path into the new style folder style_dir (its
 * parents are made as needed; an existing style_dir is CS_STYLE_ERROR_EXISTS).
 * A model the engine cannot run, with other than one input and one output,
 * whose tensors are not [1, 3, height, width] with free sides, whose output
 * size differs from its input's, or whose output on a test image is not in
 * 0..255, is refused with CS_STYLE_ERROR_UNSUPPORTED or _INVALID naming the
 * model file and the tensor. options may be NULL. */
gboolean cs_onnx_style_import (const char                *model_path,
                               const char                *style_dir,
                               const CsOnnxImportOptions *options,
                               GCancellable              *cancellable,
                               GError                   **error);

G_END_DECLS
