#version 450
#extension GL_GOOGLE_include_directive : require
// Direct convolution (1-D and 2-D, groups, strides, dilations, pads) with the
// bias, a residual add and the activation fused in. Each invocation computes
// OCB output channels of one pixel, so every input load feeds OCB FMAs.
// Kernel size, strides and dilations are specialization constants so the
// loops over the kernel unroll fully.
#include "common.glsl"
#include "act.glsl"

layout(local_size_x = 64) in;
layout(constant_id = 0) const uint KH = 1;
layout(constant_id = 1) const uint KW = 1;
layout(constant_id = 2) const uint SH = 1;
layout(constant_id = 3) const uint SW = 1;
layout(constant_id = 4) const uint DH = 1;
layout(constant_id = 5) const uint DW = 1;
layout(constant_id = 6) const uint ACT = 0;
layout(constant_id = 7) const bool HAS_BIAS = false;
layout(constant_id = 8) const bool HAS_RES = false;
#define OCB 4

layout(binding = 0) readonly buffer X { sfloat x[]; };
layout(binding = 1) readonly buffer Wt { sfloat w[]; };
layout(binding = 2) readonly buffer Bias { sfloat bias[]; };
layout(binding = 3) readonly buffer Res { sfloat res[]; };
layout(binding = 4) writeonly buffer Y { sfloat y[]; };
layout(push_constant) uniform P {
  uint C, H, W;
  uint OC, OH, OW;
  int pad_t, pad_l;
  uint icpg, ocpg;    // channels per group
  uint oc_blocks;     // ceil(OC / OCB), or OC when a block would span groups
  uint ocb;           // channels in a block: OCB, or 1
  CsEpilogue e;
} p;

void main()
{
  uint ox = gl_GlobalInvocationID.x;
  uint oy = gl_GlobalInvocationID.y;
  uint n = gl_GlobalInvocationID.z / p.oc_blocks;
  uint oc0 = (gl_GlobalInvocationID.z % p.oc_blocks) * p.ocb;
  if (ox >= p.OW || oy >= p.OH)
    return;
  uint g = oc0 / p.ocpg;
  uint ic0 = g * p.icpg;
  uint ksize = p.icpg * KH * KW;

  float acc[OCB];
  for (uint j = 0; j < OCB; j++)
    acc[j] = 0.0;

  int iy0 = int(oy * SH) - p.pad_t;
  int ix0 = int(ox * SW) - p.pad_l;
  for (uint ic = 0; ic < p.icpg; ic++)
    {
      uint xbase = (n * p.C + ic0 + ic) * p.H * p.W;
      uint wbase = oc0 * ksize + ic * KH * KW;
      for (uint ky = 0; ky < KH; ky++)
        {
          int iy = iy0 + int(ky * DH);
          if (iy < 0 || iy >= int(p.H))
            continue;
          for (uint kx = 0; kx < KW; kx++)
            {
              int ix = ix0 + int(kx * DW);
              if (ix < 0 || ix >= int(p.W))
                continue;
              float v = float(x[xbase + uint(iy) * p.W + uint(ix)]);
              uint wi = wbase + ky * KW + kx;
              for (uint j = 0; j < OCB; j++)
                if (j < p.ocb && oc0 + j < p.OC)
                  acc[j] += v * float(w[wi + j * ksize]);
            }
        }
    }

  for (uint j = 0; j < OCB; j++)
    {
      uint oc = oc0 + j;
      if (j >= p.ocb || oc >= p.OC)
        break;
      float v = acc[j];
      if (HAS_BIAS)
        v += float(bias[oc]);
      uint o = ((n * p.OC + oc) * p.OH + oy) * p.OW + ox;
      if (HAS_RES)
        v += float(res[o]);
      y[o] = sfloat(cs_epilogue(v, ACT, p.e));
    }
}
