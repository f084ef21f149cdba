/* cs-half.c: IEEE 754 half-precision conversion. */
#include "cs-half.h"

#include <string.h>

guint16
cs_float_to_half (float f)
{
  guint32 x;
  guint32 sign, exp, mant;

  memcpy (&x, &f, 4);
  sign = (x >> 16) & 0x8000;
  exp = (x >> 23) & 0xff;
  mant = x & 0x7fffff;

  if (exp == 0xff)                       /* infinity or NaN */
    return sign | 0x7c00 | (mant ? 0x200 | (mant >> 13) : 0);
  if (exp > 142)                         /* too large: infinity */
    return sign | 0x7c00;
  if (exp < 113)                         /* subnormal half or zero */
    {
      guint32 shift, half, rem, halfway;
      if (exp < 102)
        return sign;
      mant |= 0x800000;
      shift = 126 - exp;
      half = mant >> shift;
      rem = mant & ((1u << shift) - 1);
      halfway = 1u << (shift - 1);
      if (rem > halfway || (rem == halfway && (half & 1)))
        half++;
      return sign | half;
    }
  {
    guint32 h = ((exp - 112) << 10) | (mant >> 13);
    guint32 rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (h & 1)))
      h++;                               /* may carry into the exponent: still right */
    return sign | h;
  }
}

float
cs_half_to_float (guint16 h)
{
  guint32 sign = (guint32) (h & 0x8000) << 16;
  guint32 exp = (h >> 10) & 0x1f;
  guint32 mant = h & 0x3ff;
  guint32 x;
  float f;

  if (exp == 0x1f)
    x = sign | 0x7f800000 | (mant << 13);
  else if (exp != 0)
    x = sign | ((exp + 112) << 23) | (mant << 13);
  else if (mant == 0)
    x = sign;
  else
    {
      /* Subnormal: normalise the mantissa. */
      exp = 113;
      while (!(mant & 0x400))
        {
          mant <<= 1;
          exp--;
        }
      x = sign | (exp << 23) | ((mant & 0x3ff) << 13);
    }
  memcpy (&f, &x, 4);
  return f;
}

void
cs_floats_to_halves (const float *src, guint16 *dst, gsize n)
{
  for (gsize i = 0; i < n; i++)
    dst[i] = cs_float_to_half (src[i]);
}

void
cs_halves_to_floats (const guint16 *src, float *dst, gsize n)
{
  for (gsize i = 0; i < n; i++)
    dst[i] = cs_half_to_float (src[i]);
}
