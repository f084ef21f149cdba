/* cs-half.h: IEEE 754 half-precision conversion for uploads and downloads. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Round to nearest even; overflow gives infinity, NaN stays NaN. */
guint16 cs_float_to_half   (float    f);
float   cs_half_to_float   (guint16  h);
void    cs_floats_to_halves (const float *src, guint16 *dst, gsize n);
void    cs_halves_to_floats (const guint16 *src, float *dst, gsize n);

G_END_DECLS
