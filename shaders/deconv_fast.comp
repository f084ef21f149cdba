#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_shuffle : require
// Transposed convolution for 8-wide subgroups, the counterpart of
// conv_fast.comp. One dispatch per output phase (oy mod SH, ox mod SW),
// given with the pads as specialization constants: within a phase the taps
// that contribute are fixed and neighbouring outputs read neighbouring
// inputs, so it is an ordinary stride-1 convolution over a sub-kernel and
// every shuffle index is a constant.
#include "common.glsl"
#include "act.glsl"

layout(local_size_x = 8) in;
layout(constant_id = 0) const int KH = 1;
layout(constant_id = 1) const int KW = 1;
layout(constant_id = 2) const int SH = 1;
layout(constant_id = 3) const int SW = 1;
layout(constant_id = 4) const int DH = 1;
layout(constant_id = 5) const int DW = 1;
layout(constant_id = 6) const uint ACT = 0;
layout(constant_id = 7) const bool HAS_BIAS = false;
layout(constant_id = 8) const bool HAS_RES = false;
layout(constant_id = 9) const int PHASE_Y = 0;
layout(constant_id = 10) const int PHASE_X = 0;
layout(constant_id = 11) const int PAD_T = 0;
layout(constant_id = 12) const int PAD_L = 0;
layout(constant_id = 13) const int PX = 16;
// Weights padded to 4 taps a kernel row and read a row at a time.
layout(constant_id = 14) const bool PACKED = false;

#define NV ((PX + ((KW - 1) * DW) / SW + 1 + 7) / 8)

layout(binding = 0) uniform samplerBuffer xt;
layout(binding = 1) uniform samplerBuffer wt;   // [C][OC][KH][KW]
layout(binding = 2) readonly buffer Bias { sfloat bias[]; };
layout(binding = 3) readonly buffer Res { sfloat res[]; };
layout(binding = 4) writeonly buffer Y { sfloat y[]; };
layout(push_constant) uniform P {
  uint C, H, W;
  uint OC, OH, OW;
  int pad_t, pad_l;
  uint icpg, ocpg;
  uint oc_blocks, ocb;
  CsEpilogue e;
} p;

int floor_div(int a, int b)
{
  return (a - (((a % b) + b) % b)) / b;
}

bool divisible(int a, int b)
{
  return ((a % b) + b) % b == 0;
}

void main()
{
  uint lane = gl_LocalInvocationID.x;
  int j0 = int(gl_WorkGroupID.x) * PX;        // output column index within the phase
  int oy = PHASE_Y + SH * int(gl_WorkGroupID.y);
  uint oc_groups = (p.OC + 7) / 8;
  uint n = gl_WorkGroupID.z / oc_groups;
  uint oc_real = (gl_WorkGroupID.z % oc_groups) * 8 + lane;
  uint oc = min(oc_real, p.OC - 1);
  int plane = int(p.H * p.W);

  // Output column ox = PHASE_X + SW * j reads input column j + q for tap kx,
  // q = (PHASE_X + PAD_L - kx * DW) / SW; QMIN is the smallest such q.
  int qmin = 1 << 20;
  for (int kx = 0; kx < KW; kx++)
    if (divisible(PHASE_X + PAD_L - kx * DW, SW))
      qmin = min(qmin, floor_div(PHASE_X + PAD_L - kx * DW, SW));

  float acc[PX];
  for (int i = 0; i < PX; i++)
    acc[i] = 0.0;

  float col_ok[NV];
  int col[NV];
  for (int v = 0; v < NV; v++)
    {
      int ix = j0 + qmin + v * 8 + int(lane);
      col_ok[v] = ix >= 0 && ix < int(p.W) ? 1.0 : 0.0;
      col[v] = clamp(ix, 0, int(p.W) - 1);
    }

  int xn = int(n * p.C) * plane;
  for (int ky = 0; ky < KH; ky++)
    {
      int ty = PHASE_Y + PAD_T - ky * DH;
      if (!divisible(ty, SH))
        continue;
      int iy = int(gl_WorkGroupID.y) + floor_div(ty, SH);
      float row_ok = iy >= 0 && iy < int(p.H) ? 1.0 : 0.0;
      int row = xn + clamp(iy, 0, int(p.H) - 1) * int(p.W);
      for (uint ic = 0; ic < p.C; ic++)
        {
          float xv[NV];
          for (int v = 0; v < NV; v++)
            xv[v] = texelFetch(xt, row + int(ic) * plane + col[v]).r * (col_ok[v] * row_ok);
          int wi = int((ic * p.OC + oc) * uint(KH * KW)) + ky * KW;
          vec4 wrow = PACKED ? texelFetch(wt, int((ic * p.OC + oc) * uint(KH)) + ky) : vec4(0.0);
          for (int kx = 0; kx < KW; kx++)
            {
              int tx = PHASE_X + PAD_L - kx * DW;
              if (!divisible(tx, SW))
                continue;
              float wv = PACKED ? wrow[kx] : texelFetch(wt, wi + kx).r;
              int q = floor_div(tx, SW) - qmin;
              for (int i = 0; i < PX; i++)
                {
                  int k = i + q;
                  acc[i] += wv * subgroupShuffle(xv[k / 8], uint(k % 8));
                }
            }
        }
    }

  float b = HAS_BIAS ? float(bias[oc]) : 0.0;
  for (int i = 0; i < PX; i++)
    {
      int ox = PHASE_X + SW * (j0 + i);
      if (ox >= int(p.OW) || oy >= int(p.OH) || oc_real >= p.OC)
        break;
      uint o = ((n * p.OC + oc) * p.OH + uint(oy)) * p.OW + uint(ox);
      float v = acc[i] + b;
      if (HAS_RES)
        v += float(res[o]);
      y[o] = sfloat(cs_epilogue(v, ACT, p.e));
    }
}
