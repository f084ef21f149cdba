#version 450
#extension GL_GOOGLE_include_directive : require
// Sum or mean over any set of axes: each invocation owns one output element
// and walks the reduced axes through their strides.
#include "common.glsl"

layout(local_size_x = 64) in;

layout(binding = 0) readonly buffer X { sfloat x[]; };
layout(binding = 1) writeonly buffer Y { sfloat y[]; };
layout(push_constant) uniform P {
  uint n_out;
  uint n_red;
  uint kdims[6];
  uint kstrides[6];
  uint rdims[6];
  uint rstrides[6];
  float scale;        // 1 for a sum, 1 / n_red for a mean
} p;

void main()
{
  uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64;
  if (i >= p.n_out)
    return;
  uint rem = i, base = 0;
  for (int k = 5; k >= 0; k--)
    {
      base += (rem % p.kdims[k]) * p.kstrides[k];
      rem /= p.kdims[k];
    }
  float s = 0.0;
  for (uint r = 0; r < p.n_red; r++)
    {
      uint rr = r, off = base;
      for (int k = 5; k >= 0; k--)
        {
          off += (rr % p.rdims[k]) * p.rstrides[k];
          rr /= p.rdims[k];
        }
      s += float(x[off]);
    }
  y[i] = sfloat(s * p.scale);
}
