/* cs-fst-import.h: fast-style-transfer checkpoints into styles
 *
 * Reads a checkpoint folder (manifest.json and 48 raw little-endian float32
 * variables, laid out as DESIGN.md describes), writes the network as an
 * ONNX opset-13 model that takes any frame size, describes it in style.json
 * and renders a thumbnail through the engine. Everything is written into a
 * hidden folder beside the destination and renamed into place at the end,
 * so a failed or cancelled import leaves nothing behind.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cs-engine.h"

G_BEGIN_DECLS

typedef struct {
  const char         *name;            /* shown to users; NULL: from the checkpoint folder's name */
  const char * const *authors;         /* NULL-terminated, or NULL for none known */
  const char         *licence;         /* NULL: "unknown" */
  const char         *source;          /* NULL: the checkpoint folder's path */
  const char         *thumbnail_image; /* a photo to stylize; NULL: a procedural test card */
  CsDevice           *device;          /* renders the thumbnail; NULL: cs_device_new (NULL) */
} CsFstImportOptions;

/* The size of the thumbnail, in pixels on each side. */
#define CS_FST_THUMBNAIL_SIZE 128

/* Imports checkpoint_dir into the new style folder style_dir (its parent
 * folders are made as needed; an existing style_dir is refused with
 * CS_STYLE_ERROR_EXISTS). Checkpoint problems are CS_STYLE_ERROR_CHECKPOINT
 * naming the variable and file. name may be NULL. */
gboolean cs_fst_import              (const char               *checkpoint_dir,
                                     const char               *style_dir,
                                     const char               *name,
                                     GCancellable             *cancellable,
                                     GError                  **error);
/* As cs_fst_import(), with the metadata and thumbnail given by options
 * (which may be NULL). */
gboolean cs_fst_import_with_options (const char               *checkpoint_dir,
                                     const char               *style_dir,
                                     const CsFstImportOptions *options,
                                     GCancellable             *cancellable,
                                     GError                  **error);

G_END_DECLS
