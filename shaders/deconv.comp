#version 450
#extension GL_GOOGLE_include_directive : require
// Transposed convolution as a gather. Outputs are split by their phase
// (oy mod SH, ox mod SW): within one phase every invocation uses the same
// kernel taps, so the tap tests are uniform and the loops do no wasted work.
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
layout(binding = 1) readonly buffer Wt { sfloat w[]; };   // [C][OC/group][KH][KW]
layout(binding = 2) readonly buffer Bias { sfloat bias[]; };
layout(binding = 3) readonly buffer Res { sfloat res[]; };
layout(binding = 4) writeonly buffer Y { sfloat y[]; };
layout(push_constant) uniform P {
  uint C, H, W;
  uint OC, OH, OW;
  int pad_t, pad_l;
  uint icpg, ocpg;
  uint oc_blocks;
  uint ocb;
  CsEpilogue e;
} p;

void main()
{
  uint phases = SH * SW;
  uint z = gl_GlobalInvocationID.z;
  uint phase = z % phases;
  z /= phases;
  uint n = z / p.oc_blocks;
  uint oc0 = (z % p.oc_blocks) * p.ocb;
  uint ox = phase % SW + SW * gl_GlobalInvocationID.x;
  uint oy = phase / SW + SH * gl_GlobalInvocationID.y;
  if (ox >= p.OW || oy >= p.OH)
    return;
  uint g = oc0 / p.ocpg;
  uint ocg = oc0 - g * p.ocpg;   // channel within its group
  uint ic0 = g * p.icpg;

  float acc[OCB];
  for (uint j = 0; j < OCB; j++)
    acc[j] = 0.0;

  for (uint ky = 0; ky < KH; ky++)
    {
      int ty = int(oy) + p.pad_t - int(ky * DH);
      if (ty < 0 || ty % int(SH) != 0)
        continue;
      int iy = ty / int(SH);
      if (iy >= int(p.H))
        continue;
      for (uint kx = 0; kx < KW; kx++)
        {
          int tx = int(ox) + p.pad_l - int(kx * DW);
          if (tx < 0 || tx % int(SW) != 0)
            continue;
          int ix = tx / int(SW);
          if (ix >= int(p.W))
            continue;
          for (uint ic = 0; ic < p.icpg; ic++)
            {
              float v = float(x[((n * p.C + ic0 + ic) * p.H + uint(iy)) * p.W + uint(ix)]);
              uint wi = (((ic0 + ic) * p.ocpg + ocg) * KH + ky) * KW + kx;
              for (uint j = 0; j < OCB; j++)
                if (j < p.ocb && oc0 + j < p.OC)
                  acc[j] += v * float(w[wi + j * KH * KW]);
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
