/* cs-styles-private.h: helpers shared by the style layer's own files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* TRUE for a relative path with no empty, "." or ".." component: one that
 * cannot name anything outside the folder it is relative to (symbolic links
 * aside, which callers check by resolving). */
gboolean cs_styles_is_plain_relative_path (const char *path);

/* Shared by the importers (cs-style-import.c) -------------------------------------- */

/* TRUE, with CS_STYLE_ERROR_CANCELLED in error, when the import is cancelled. */
gboolean cs_style_import_check_cancelled (GCancellable *cancellable,
                                          GError      **error);
/* What an imported style's style.json says: a single network model.onnx
 * with one RGB image in and out, its degree a blend with the frame. */
typedef struct {
  const char         *id;
  const char         *name;
  const char * const *authors;
  const char         *licence;  /* NULL or empty: "unknown" */
  const char         *source;
  const char         *kind;     /* "fast-style-transfer", "onnx" */
  const char         *input;    /* the model's input and output tensors */
  const char         *output;
  int                 size_multiple;
} CsStyleImportJson;

/* Writes style.json at path in one piece. */
gboolean cs_style_import_write_json      (const char              *path,
                                          const CsStyleImportJson *info,
                                          GError                 **error);
/* Removes a half-made style folder: its files (no subfolders), then itself. */
void     cs_style_import_remove_folder   (const char   *path);
/* The folder's name, reduced to what style.json accepts as an id. */
char    *cs_style_import_id_from_folder  (const char   *style_dir);
/* Renames the finished folder tmp to dest unless something appeared at dest
 * in the meantime (a plain rename() would replace an empty folder). */
gboolean cs_style_import_move_into_place (const char   *tmp,
                                          const char   *dest,
                                          GError      **error);

G_END_DECLS
