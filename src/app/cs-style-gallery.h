/* cs-style-gallery.h: the styles, each shown on the frame under the playhead
 *
 * A window beside the editor: a grid of the library's styles (and the
 * original frames first), each tile the current frame of the user's clip in
 * that style (rendered in the background; the style's own thumbnail until
 * then), its name, authors and licence. Activating a tile gives the selected
 * segment that style, one undo step. Styles are imported from a
 * fast-style-transfer checkpoint folder or an ONNX model into the library's
 * import folder, in the background; styles in that folder can be removed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cs-engine.h"
#include "cs-project.h"
#include "cs-style-library.h"

G_BEGIN_DECLS

#define CS_TYPE_STYLE_GALLERY (cs_style_gallery_get_type ())
G_DECLARE_FINAL_TYPE (CsStyleGallery, cs_style_gallery, CS, STYLE_GALLERY, AdwWindow)

/* A gallery over library; its pictures render on the device chosen by
 * device_selector (as in cs_device_new()) with precision. */
CsStyleGallery *cs_style_gallery_new            (CsStyleLibrary *library,
                                                 const char     *device_selector,
                                                 CsPrecision     precision);

/* The project whose segment the gallery styles (NULL: none). */
void            cs_style_gallery_set_project    (CsStyleGallery *self,
                                                 CsProject      *project);
/* The segment a tile's style goes to. */
void            cs_style_gallery_set_segment    (CsStyleGallery *self,
                                                 guint           index);
/* The frame the tiles show (the playhead); changes are coalesced so that
 * scrubbing renders only where the playhead rests. */
void            cs_style_gallery_set_frame      (CsStyleGallery *self,
                                                 gint64          frame);
gint64          cs_style_gallery_get_frame      (CsStyleGallery *self);

/* The grid's model: the original (a GtkStringObject) then each CsStyle. */
GListModel     *cs_style_gallery_get_model      (CsStyleGallery *self);

/* Gives the segment the item at position of the model, as activating its
 * tile does; FALSE when the project refused. */
gboolean        cs_style_gallery_choose         (CsStyleGallery *self,
                                                 guint           position);

/* The picture a tile shows now (NULL while none), for the style of that
 * position. Transfer none. */
GdkPaintable   *cs_style_gallery_get_picture    (CsStyleGallery *self,
                                                 guint           position);
/* TRUE when the tile at position shows the current frame rendered in its
 * style rather than the style's own thumbnail. */
gboolean        cs_style_gallery_is_picture_current (CsStyleGallery *self,
                                                 guint           position);

/* Imports the checkpoint folder or .onnx model file into the library's
 * import folder in the background, as the Import menu does once a file is
 * chosen: "importing" is TRUE meanwhile, a refusal is shown naming the file
 * and why, and "import-finished" tells the new style's id or the error. */
void            cs_style_gallery_import         (CsStyleGallery *self,
                                                 GFile          *file);
gboolean        cs_style_gallery_get_importing  (CsStyleGallery *self);

/* TRUE for a style the user may remove: one in the library's import folder. */
gboolean        cs_style_gallery_can_remove     (CsStyleGallery *self,
                                                 CsStyle        *style);
/* Asks whether to remove style (an AdwMessageDialog), then removes it. */
void            cs_style_gallery_confirm_remove (CsStyleGallery *self,
                                                 CsStyle        *style);
/* Removes the style's folder and reloads the library; segments using it
 * keep their reference and show it as missing. */
gboolean        cs_style_gallery_remove_style   (CsStyleGallery *self,
                                                 CsStyle        *style,
                                                 GError        **error);

G_END_DECLS
