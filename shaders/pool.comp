#version 450
#extension GL_GOOGLE_include_directive : require
// Max and average pooling over 1-D and 2-D windows.
#include "common.glsl"

layout(local_size_x = 64) in;
layout(constant_id = 0) const uint MODE = 0;   // 0 max, 1 average
layout(constant_id = 1) const bool COUNT_PAD = false;
layout(constant_id = 2) const bool INDICES = false;  // MaxPool's second output
layout(constant_id = 3) const bool COLUMN_MAJOR = false;  // storage_order 1

layout(binding = 0) readonly buffer X { sfloat x[]; };
layout(binding = 1) writeonly buffer Y { sfloat y[]; };
// Flattened positions in the whole input, as float: exact below 2^24.
layout(binding = 2) writeonly buffer Idx { float idx[]; };
layout(push_constant) uniform P {
  uint planes, H, W, OH, OW;
  uint KH, KW, SH, SW, DH, DW;
  int pad_t, pad_l;
  int pad_b, pad_r;
} p;

void main()
{
  uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64;
  if (i >= p.planes * p.OH * p.OW)
    return;
  uint ox = i % p.OW;
  uint oy = (i / p.OW) % p.OH;
  uint plane = i / (p.OW * p.OH);
  uint base = plane * p.H * p.W;
  float m = -1.0 / 0.0, s = 0.0;
  uint count = 0, arg = base;
  int y0 = int(oy * p.SH) - p.pad_t, x0 = int(ox * p.SW) - p.pad_l;
  for (uint ky = 0; ky < p.KH; ky++)
    {
      int iy = y0 + int(ky * p.DH);
      for (uint kx = 0; kx < p.KW; kx++)
        {
          int ix = x0 + int(kx * p.DW);
          if (iy < 0 || iy >= int(p.H) || ix < 0 || ix >= int(p.W))
            {
              // With count_include_pad the explicit pads count, the space
              // ceil_mode adds past them does not.
              if (COUNT_PAD && iy < int(p.H) + p.pad_b && ix < int(p.W) + p.pad_r)
                count++;
              continue;
            }
          float v = float(x[base + uint(iy) * p.W + uint(ix)]);
          if (v > m)
            {
              m = v;
              arg = base + (COLUMN_MAJOR ? uint(ix) * p.H + uint(iy) : uint(iy) * p.W + uint(ix));
            }
          s += v;
          count++;
        }
    }
  y[i] = sfloat(MODE == 0 ? m : s / float(max(count, 1u)));
  if (INDICES)
    idx[i] = float(arg);
}
