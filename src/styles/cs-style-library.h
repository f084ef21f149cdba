/* cs-style-library.h: the styles a user can pick from, and style packs
 *
 * The library is the list of every valid style found in a search path of
 * folders, each holding one style folder per style: first the user's own
 * folder (where imports go), then each folder of $CELSHADE_STYLES_PATH,
 * then the styles installed with Celshade. A style id found twice is taken
 * from the earlier folder, so that a user's copy wins over the installed
 * one. Broken style folders are skipped and reported as warnings, so one
 * damaged download never hides the others.
 *
 * CsStyleLibrary is a GListModel of CsStyle sorted by name; it watches the
 * folders of its search path and reloads itself (emitting ::items-changed
 * and ::changed) when styles are added or removed there.
 *
 * A style pack is a set of fast-style-transfer checkpoints described by a
 * JSON manifest (data/style-pack.json): for each style its id, name,
 * authors, licence, source, and the path, size and SHA-256 of every file.
 * Installing a pack checks every file first and imports nothing when any
 * file is missing or damaged.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cs-engine.h"
#include "cs-style.h"

G_BEGIN_DECLS

/* The environment variable holding extra style folders, separated by ':'. */
#define CS_STYLES_PATH_ENV "CELSHADE_STYLES_PATH"

#define CS_TYPE_STYLE_LIBRARY (cs_style_library_get_type ())
G_DECLARE_FINAL_TYPE (CsStyleLibrary, cs_style_library, CS, STYLE_LIBRARY, GObject)

/* The user's style folder, g_get_user_data_dir()/celshade/styles, where
 * imports go. It need not exist yet. */
char               *cs_style_library_get_user_dir             (void);
/* The default search path: the user's folder, each folder of
 * $CELSHADE_STYLES_PATH, then the installed styles (CS_STYLES_DIR). */
char              **cs_style_library_get_default_search_path  (void);

/* A library over the default search path, loaded and watched. */
CsStyleLibrary     *cs_style_library_new                      (void);
/* A library over the given folders (earlier ones win), loaded and watched;
 * the first folder is where cs_style_library_get_import_dir() points. */
CsStyleLibrary     *cs_style_library_new_for_search_path      (const char * const *folders);

/* The folders searched, in order, as absolute paths. */
const char * const *cs_style_library_get_search_path          (CsStyleLibrary     *self);
/* The first folder of the search path: where new styles should go. */
const char         *cs_style_library_get_import_dir           (CsStyleLibrary     *self);
/* Scans the search path again now; emits ::changed (and ::items-changed)
 * only when the list of styles differs from the one before. */
void                cs_style_library_reload                   (CsStyleLibrary     *self);
/* The problems of the last scan, one GError (CS_STYLE_ERROR) per broken
 * style folder or unreadable search folder. Transfer none; never NULL. */
GPtrArray          *cs_style_library_get_warnings             (CsStyleLibrary     *self);
/* The style with this id, or NULL. Transfer none. */
CsStyle            *cs_style_library_lookup                   (CsStyleLibrary     *self,
                                                               const char         *id);

/**
 * CsStylePackProgress:
 * @style_id: the style about to be imported, or skipped when @skipped.
 * @style_name: its name as users see it.
 * @index: its position in the pack, from 0.
 * @n_styles: how many styles the pack holds.
 * @skipped: TRUE when an identical copy is installed already.
 *
 * Reports progress of cs_style_pack_install(), once per style.
 */
typedef void (*CsStylePackProgress) (const char *style_id,
                                     const char *style_name,
                                     guint       index,
                                     guint       n_styles,
                                     gboolean    skipped,
                                     gpointer    user_data);

/* Checks that source_dir holds every file the pack manifest lists, as
 * source_dir/STYLE_ID/PATH with the listed size and SHA-256. A damaged
 * manifest is CS_STYLE_ERROR_INVALID; missing or differing files are
 * CS_STYLE_ERROR_CHECKPOINT naming each of them. */
gboolean            cs_style_pack_verify                      (const char         *manifest_path,
                                                               const char         *source_dir,
                                                               GCancellable       *cancellable,
                                                               GError            **error);
/* Verifies the pack (as cs_style_pack_verify()), then imports each style
 * into dest_dir/STYLE_ID with the manifest's name, authors, licence and
 * source. Styles installed earlier from the same files are skipped; an
 * earlier pack version is replaced; a style folder of that id that did not
 * come from a pack is refused (CS_STYLE_ERROR_EXISTS) before anything is
 * imported. The new styles appear together at the end or not at all.
 * device renders thumbnails (NULL: the default device); progress may be
 * NULL; n_installed and n_skipped may be NULL. */
gboolean            cs_style_pack_install                     (const char         *manifest_path,
                                                               const char         *source_dir,
                                                               const char         *dest_dir,
                                                               CsDevice           *device,
                                                               CsStylePackProgress progress,
                                                               gpointer            user_data,
                                                               guint              *n_installed,
                                                               guint              *n_skipped,
                                                               GCancellable       *cancellable,
                                                               GError            **error);

G_END_DECLS
