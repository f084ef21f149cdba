#version 450
#extension GL_GOOGLE_include_directive : require
// A strided copy over up to 6 axes: transposes, slices (negative steps
// included), concatenation and splitting, expansion and depth-to-space are
// all this one gather with different strides and offsets.
#include "common.glsl"

layout(local_size_x = 256) in;

layout(binding = 0) readonly buffer X { sfloat x[]; };
layout(binding = 1) writeonly buffer Y { sfloat y[]; };
layout(push_constant) uniform P {
  uint n;
  int in_offset;
  int out_offset;
  uint dims[6];
  int in_strides[6];
  int out_strides[6];
} p;

void main()
{
  uint i = cs_linear_id(256);
  if (i >= p.n)
    return;
  uint rem = i;
  int src = p.in_offset, dst = p.out_offset;
  for (int k = 5; k >= 0; k--)
    {
      int c = int(rem % p.dims[k]);
      rem /= p.dims[k];
      src += c * p.in_strides[k];
      dst += c * p.out_strides[k];
    }
  y[dst] = x[src];
}
