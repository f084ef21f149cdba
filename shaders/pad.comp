#version 450
#extension GL_GOOGLE_include_directive : require
// Constant, reflect and edge padding over up to 6 axes.
#include "common.glsl"

layout(local_size_x = 256) in;
layout(constant_id = 0) const uint MODE = 0; // 0 constant, 1 reflect, 2 edge

layout(binding = 0) readonly buffer X { sfloat x[]; };
layout(binding = 1) writeonly buffer Y { sfloat y[]; };
layout(push_constant) uniform P {
  uint n;
  float value;
  uint out_dims[6];
  uint in_dims[6];
  int pad_begin[6];
} p;

void main()
{
  uint i = cs_linear_id(256);
  if (i >= p.n)
    return;
  uint rem = i, src = 0, stride = 1;
  bool outside = false;
  for (int k = 5; k >= 0; k--)
    {
      int c = int(rem % p.out_dims[k]) - p.pad_begin[k];
      int d = int(p.in_dims[k]);
      rem /= p.out_dims[k];
      if (c < 0 || c >= d)
        {
          if (MODE == 0)
            outside = true;
          else if (MODE == 1)
            {
              // reflect without repeating the edge: -1 -> 1, d -> d - 2
              int period = 2 * (d - 1);
              c = period > 0 ? abs(c) % period : 0;
              c = c >= d ? period - c : c;
            }
          else
            c = clamp(c, 0, d - 1);
        }
      src += uint(c) * stride;
      stride *= uint(d);
    }
  y[i] = outside ? sfloat(p.value) : x[src];
}
