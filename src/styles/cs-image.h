/* cs-image.h: still images as the networks see them
 *
 * A CsImage is float RGB in 0..255, planar (all red, then all green, then
 * all blue): the NCHW layout of a one-image batch, so it goes into and comes
 * out of a network without reordering. Values are gamma-encoded as in the
 * file; nothing is linearised.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
  int    width;
  int    height;
  float *data;  /* 3 * width * height floats: planes R, G, B */
} CsImage;

#define CS_TYPE_IMAGE (cs_image_get_type ())
GType     cs_image_get_type          (void) G_GNUC_CONST;

/* A black image; NULL (and CS_STYLE_ERROR_INVALID_ARGUMENT) when a side is
 * not positive or the image would not fit in memory. */
CsImage  *cs_image_new               (int             width,
                                      int             height,
                                      GError        **error);
CsImage  *cs_image_copy              (const CsImage  *image);
void      cs_image_free              (CsImage        *image);
/* Floats per plane, width * height. */
gsize     cs_image_plane_size        (const CsImage  *image);

/* Reads a PNG or JPEG (any format gdk-pixbuf knows), turned upright by its
 * EXIF orientation; transparent pixels are composited over white. */
CsImage  *cs_image_load              (const char     *path,
                                      GError        **error);
/* The pixbuf's RGB, alpha composited over white. */
CsImage  *cs_image_new_from_pixbuf   (GdkPixbuf      *pixbuf);
/* Rounds and clamps to 8-bit RGB, without alpha. */
GdkPixbuf *cs_image_to_pixbuf        (const CsImage  *image);

/* Writes the image as PNG, or as JPEG when path ends in .jpg/.jpeg: path is
 * either left as it was or holds the whole file. */
gboolean  cs_image_save              (const CsImage  *image,
                                      const char     *path,
                                      GError        **error);

/* The image scaled to width x height with gdk-pixbuf's filtering (through
 * 8 bits per channel, which is what loaded photos hold anyway). */
CsImage  *cs_image_scale             (const CsImage  *image,
                                      int             width,
                                      int             height,
                                      GError        **error);
/* A smooth procedural test card (colour gradients, circles, stripes), for
 * thumbnails when no photo is at hand. */
CsImage  *cs_image_new_test_card     (int             width,
                                      int             height,
                                      GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsImage, cs_image_free)

G_END_DECLS
