#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_shuffle : require
// Convolution for SIMD devices with 8-wide subgroups (lavapipe on a CPU),
// where every memory access is a gather across the 8 lanes and costs far
// more than arithmetic. The 8 invocations of a workgroup are 8 output
// channels, each computing PX neighbouring pixels of one row. Per input
// channel and kernel row, the lanes fetch the input row segment together
// (each lane a different pixel) and every tap's pixel is then taken from a
// register with a shuffle whose index is a constant once the loops unroll;
// each weight fetch serves PX multiply-adds. Input and weights are read as
// texel buffers, which such drivers fetch without a per-lane loop.
#include "common.glsl"
#include "act.glsl"

layout(local_size_x = 8) in;
layout(constant_id = 0) const uint KH = 1;
layout(constant_id = 1) const uint KW = 1;
layout(constant_id = 2) const uint SH = 1;
layout(constant_id = 3) const uint SW = 1;
layout(constant_id = 4) const uint DH = 1;
layout(constant_id = 5) const uint DW = 1;
layout(constant_id = 6) const uint ACT = 0;
layout(constant_id = 7) const bool HAS_BIAS = false;
layout(constant_id = 8) const bool HAS_RES = false;
// Pixels per invocation: more reuse each weight fetch, fewer keep wide
// kernels' unrolled loops within the registers.
layout(constant_id = 9) const uint PX = 16;
// Weights padded to 4 taps a kernel row and read a row at a time.
layout(constant_id = 10) const bool PACKED = false;
// Output channels per invocation (lane l has l, l + 8, ...): each shuffled
// input value then feeds OCPL multiply-adds.
layout(constant_id = 11) const uint OCPL = 1;

// Input columns one row of PX outputs reads, in vectors of 8.
#define SPAN ((PX - 1) * SW + (KW - 1) * DW + 1)
#define NV ((SPAN + 7) / 8)

layout(binding = 0) uniform samplerBuffer xt;
layout(binding = 1) uniform samplerBuffer wt;
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

void main()
{
  uint lane = gl_LocalInvocationID.x;
  uint ox0 = gl_WorkGroupID.x * PX;
  uint oy = gl_WorkGroupID.y;
  uint oc_groups = (p.OC + 8 * OCPL - 1) / (8 * OCPL);
  uint n = gl_WorkGroupID.z / oc_groups;
  uint oc_base = (gl_WorkGroupID.z % oc_groups) * 8 * OCPL + lane;
  int plane = int(p.H * p.W);
  int ix0 = int(ox0 * SW) - p.pad_l;

  // Lanes past the last channel compute a copy of it and store nothing.
  uint ocs[OCPL];
  for (uint j = 0; j < OCPL; j++)
    ocs[j] = min(oc_base + 8 * j, p.OC - 1);

  float acc[OCPL * PX];
  for (uint i = 0; i < OCPL * PX; i++)
    acc[i] = 0.0;

  // Which of this lane's columns lie inside the image, and where.
  float col_ok[NV];
  int col[NV];
  for (uint v = 0; v < NV; v++)
    {
      int ix = ix0 + int(v * 8 + lane);
      col_ok[v] = ix >= 0 && ix < int(p.W) ? 1.0 : 0.0;
      col[v] = clamp(ix, 0, int(p.W) - 1);
    }

  int xn = int(n * p.C) * plane;
  for (uint ky = 0; ky < KH; ky++)
    {
      int iy = int(oy * SH + ky * DH) - p.pad_t;
      float row_ok = iy >= 0 && iy < int(p.H) ? 1.0 : 0.0;
      int row = xn + clamp(iy, 0, int(p.H) - 1) * int(p.W);
      for (uint ic = 0; ic < p.C; ic++)
        {
          float xv[NV];
          for (uint v = 0; v < NV; v++)
            xv[v] = texelFetch(xt, row + int(ic) * plane + col[v]).r * (col_ok[v] * row_ok);
          vec4 wrow[OCPL];
          for (uint j = 0; j < OCPL; j++)
            wrow[j] = PACKED ? texelFetch(wt, int((ocs[j] * p.C + ic) * KH + ky)) : vec4(0.0);
          for (uint kx = 0; kx < KW; kx++)
            {
              float wv[OCPL];
              for (uint j = 0; j < OCPL; j++)
                wv[j] = PACKED ? wrow[j][kx] : texelFetch(wt, int(((ocs[j] * p.C + ic) * KH + ky) * KW + kx)).r;
              for (uint i = 0; i < PX; i++)
                {
                  uint k = i * SW + kx * DW;
                  float xs = subgroupShuffle(xv[k / 8], k % 8);
                  for (uint j = 0; j < OCPL; j++)
                    acc[j * PX + i] += wv[j] * xs;
                }
            }
        }
    }

  for (uint j = 0; j < OCPL; j++)
    {
      uint oc = ocs[j];
      if (oc_base + 8 * j >= p.OC)
        break;
      float b = HAS_BIAS ? float(bias[oc]) : 0.0;
      for (uint i = 0; i < PX; i++)
        {
          uint ox = ox0 + i;
          if (ox >= p.OW)
            break;
          uint o = ((n * p.OC + oc) * p.OH + oy) * p.OW + ox;
          float v = acc[j * PX + i] + b;
          if (HAS_RES)
            v += float(res[o]);
          y[o] = sfloat(cs_epilogue(v, ACT, p.e));
        }
    }
}
