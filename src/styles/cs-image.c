/* cs-image.c: still images in and out of float planar RGB
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cs-config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "cs-image.h"
#include "cs-style.h"

G_DEFINE_BOXED_TYPE (CsImage, cs_image, cs_image_copy, cs_image_free)

/* Keeps a frame's three planes well inside what one allocation and one
 * int-indexed loop can address. */
#define MAX_SIDE 32768
#define MAX_PIXELS ((gsize) 1 << 28)

CsImage *
cs_image_new (int      width,
              int      height,
              GError **error)
{
  CsImage *image;

  if (width <= 0 || height <= 0 || width > MAX_SIDE || height > MAX_SIDE ||
      (gsize) width * (gsize) height > MAX_PIXELS)
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_INVALID_ARGUMENT,
                   _("An image of %d × %d pixels is not supported"), width, height);
      return NULL;
    }

  image = g_new0 (CsImage, 1);
  image->width = width;
  image->height = height;
  image->data = g_try_new0 (float, (gsize) 3 * width * height);
  if (image->data == NULL)
    {
      g_free (image);
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_FAILED,
                   _("Not enough memory for an image of %d × %d pixels"), width, height);
      return NULL;
    }
  return image;
}

CsImage *
cs_image_copy (const CsImage *image)
{
  CsImage *copy;

  g_return_val_if_fail (image != NULL, NULL);

  copy = g_new0 (CsImage, 1);
  copy->width = image->width;
  copy->height = image->height;
  copy->data = g_memdup2 (image->data, sizeof (float) * 3 * cs_image_plane_size (image));
  return copy;
}

void
cs_image_free (CsImage *image)
{
  if (image == NULL)
    return;
  g_free (image->data);
  g_free (image);
}

gsize
cs_image_plane_size (const CsImage *image)
{
  return (gsize) image->width * (gsize) image->height;
}

CsImage *
cs_image_new_from_pixbuf (GdkPixbuf *pixbuf)
{
  int width, height, stride, n_channels;
  const guint8 *pixels;
  CsImage *image;
  gsize plane;

  g_return_val_if_fail (GDK_IS_PIXBUF (pixbuf), NULL);
  g_return_val_if_fail (gdk_pixbuf_get_bits_per_sample (pixbuf) == 8, NULL);

  width = gdk_pixbuf_get_width (pixbuf);
  height = gdk_pixbuf_get_height (pixbuf);
  stride = gdk_pixbuf_get_rowstride (pixbuf);
  n_channels = gdk_pixbuf_get_n_channels (pixbuf);
  pixels = gdk_pixbuf_read_pixels (pixbuf);

  image = cs_image_new (width, height, NULL);
  if (image == NULL)
    return NULL;
  plane = cs_image_plane_size (image);

  for (int y = 0; y < height; y++)
    {
      const guint8 *row = pixels + (gsize) y * stride;

      for (int x = 0; x < width; x++)
        {
          const guint8 *p = row + (gsize) x * n_channels;
          gsize i = (gsize) y * width + x;

          if (n_channels == 4 && gdk_pixbuf_get_has_alpha (pixbuf) && p[3] != 255)
            {
              /* gdk-pixbuf's alpha is not premultiplied; white shows through. */
              float a = p[3] / 255.0f;

              for (int c = 0; c < 3; c++)
                image->data[c * plane + i] = p[c] * a + 255.0f * (1.0f - a);
            }
          else
            {
              for (int c = 0; c < 3; c++)
                image->data[c * plane + i] = p[c];
            }
        }
    }

  return image;
}

CsImage *
cs_image_load (const char *path,
               GError    **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GdkPixbuf) upright = NULL;
  CsImage *image;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_NOT_FOUND,
                   _("The image “%s” does not exist"), path);
      return NULL;
    }

  pixbuf = gdk_pixbuf_new_from_file (path, &local);
  if (pixbuf == NULL)
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_IMAGE,
                   _("Cannot read the image “%s”: %s"), path, local->message);
      return NULL;
    }
  if (gdk_pixbuf_get_bits_per_sample (pixbuf) != 8 || gdk_pixbuf_get_colorspace (pixbuf) != GDK_COLORSPACE_RGB)
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_IMAGE,
                   _("Cannot read the image “%s”: only 8-bit RGB images are supported"), path);
      return NULL;
    }

  upright = gdk_pixbuf_apply_embedded_orientation (pixbuf);
  image = cs_image_new_from_pixbuf (upright != NULL ? upright : pixbuf);
  if (image == NULL)
    g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_IMAGE,
                 _("The image “%s” is too large (%d × %d pixels)"), path,
                 gdk_pixbuf_get_width (pixbuf), gdk_pixbuf_get_height (pixbuf));
  return image;
}

static guint8
to_byte (float v)
{
  /* NaN fails both comparisons and must not reach the cast. */
  if (!(v > 0.0f))
    return 0;
  if (v >= 255.0f)
    return 255;
  return (guint8) lrintf (v);
}

GdkPixbuf *
cs_image_to_pixbuf (const CsImage *image)
{
  GdkPixbuf *pixbuf;
  guint8 *pixels;
  int stride;
  gsize plane;

  g_return_val_if_fail (image != NULL, NULL);

  pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, image->width, image->height);
  if (pixbuf == NULL)
    return NULL;

  pixels = gdk_pixbuf_get_pixels (pixbuf);
  stride = gdk_pixbuf_get_rowstride (pixbuf);
  plane = cs_image_plane_size (image);

  for (int y = 0; y < image->height; y++)
    {
      guint8 *row = pixels + (gsize) y * stride;

      for (int x = 0; x < image->width; x++)
        for (int c = 0; c < 3; c++)
          row[x * 3 + c] = to_byte (image->data[c * plane + (gsize) y * image->width + x]);
    }

  return pixbuf;
}

static gboolean
is_jpeg_name (const char *path)
{
  g_autofree char *lower = g_ascii_strdown (path, -1);

  return g_str_has_suffix (lower, ".jpg") || g_str_has_suffix (lower, ".jpeg");
}

gboolean
cs_image_save (const CsImage *image,
               const char    *path,
               GError       **error)
{
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *buffer = NULL;
  gsize length = 0;
  gboolean ok;

  g_return_val_if_fail (image != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  pixbuf = cs_image_to_pixbuf (image);
  if (pixbuf == NULL)
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_FAILED,
                   _("Not enough memory to write “%s”"), path);
      return FALSE;
    }

  /* Encoded in memory first, so that the file is written in one go and
   * renamed into place: a failure never leaves a truncated image. */
  if (is_jpeg_name (path))
    ok = gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &length, "jpeg", &local, "quality", "95", NULL);
  else
    ok = gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &length, "png", &local, NULL);
  if (!ok)
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_IMAGE,
                   _("Cannot encode “%s”: %s"), path, local->message);
      return FALSE;
    }

  if (!g_file_set_contents_full (path, buffer, length, G_FILE_SET_CONTENTS_CONSISTENT, 0666, &local))
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_IMAGE,
                   _("Cannot write the image: %s"), local->message);
      return FALSE;
    }
  return TRUE;
}

CsImage *
cs_image_scale (const CsImage *image,
                int            width,
                int            height,
                GError       **error)
{
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GdkPixbuf) scaled = NULL;
  g_autoptr(CsImage) check = NULL;

  g_return_val_if_fail (image != NULL, NULL);

  check = cs_image_new (width, height, error);
  if (check == NULL)
    return NULL;

  pixbuf = cs_image_to_pixbuf (image);
  if (pixbuf != NULL)
    scaled = gdk_pixbuf_scale_simple (pixbuf, width, height, GDK_INTERP_HYPER);
  if (scaled == NULL)
    {
      g_set_error (error, CS_STYLE_ERROR, CS_STYLE_ERROR_FAILED,
                   _("Not enough memory to scale an image to %d × %d pixels"), width, height);
      return NULL;
    }
  return cs_image_new_from_pixbuf (scaled);
}

static float
smoothstep (float edge0,
            float edge1,
            float x)
{
  float t = CLAMP ((x - edge0) / (edge1 - edge0), 0.0f, 1.0f);

  return t * t * (3.0f - 2.0f * t);
}

CsImage *
cs_image_new_test_card (int      width,
                        int      height,
                        GError **error)
{
  CsImage *image = cs_image_new (width, height, error);
  gsize plane;

  if (image == NULL)
    return NULL;
  plane = cs_image_plane_size (image);

  /* A small landscape: a sky gradient, a sun, two rows of hills and a
   * striped field, with soft edges so that no aliasing dominates what a
   * style makes of it. */
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        float u = (x + 0.5f) / width, v = (y + 0.5f) / height;
        float aa = 1.5f / MIN (width, height);
        float rgb[3], sun, hill1, hill2, field;

        rgb[0] = 60.0f + 170.0f * v;
        rgb[1] = 110.0f + 90.0f * v;
        rgb[2] = 220.0f - 80.0f * v;

        sun = 1.0f - smoothstep (0.12f - aa, 0.12f + aa, hypotf (u - 0.72f, v - 0.28f));
        for (int c = 0; c < 3; c++)
          rgb[c] += sun * ((const float[]) { 255.0f, 220.0f, 90.0f }[c] - rgb[c]);

        hill1 = smoothstep (-aa, aa, v - (0.58f - 0.08f * sinf (6.0f * u + 0.5f)));
        for (int c = 0; c < 3; c++)
          rgb[c] += hill1 * ((const float[]) { 70.0f, 120.0f + 40.0f * u, 80.0f }[c] - rgb[c]);

        hill2 = smoothstep (-aa, aa, v - (0.72f - 0.05f * sinf (11.0f * u + 2.0f)));
        for (int c = 0; c < 3; c++)
          rgb[c] += hill2 * ((const float[]) { 40.0f, 90.0f, 50.0f }[c] - rgb[c]);

        field = smoothstep (-aa, aa, v - 0.85f) * (0.5f + 0.5f * sinf (40.0f * u + 8.0f * v));
        for (int c = 0; c < 3; c++)
          rgb[c] += field * ((const float[]) { 200.0f, 170.0f, 60.0f }[c] - rgb[c]);

        for (int c = 0; c < 3; c++)
          image->data[c * plane + (gsize) y * width + x] = CLAMP (rgb[c], 0.0f, 255.0f);
      }

  return image;
}
