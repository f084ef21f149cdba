#version 450
#extension GL_GOOGLE_include_directive : require
// y = epilogue(x * a + b (+ residual)) with a and b per plane (instance
// norm) or per channel (batch norm): the second half of a normalization,
// with the following activation and residual add fused in.
#include "common.glsl"
#include "act.glsl"

layout(local_size_x = 256) in;
layout(constant_id = 0) const uint ACT = 0;
layout(constant_id = 1) const bool HAS_RES = false;
layout(constant_id = 2) const bool PER_CHANNEL = false;

layout(binding = 0) uniform samplerBuffer x;
layout(binding = 1) readonly buffer Coef { float coef[]; };
layout(binding = 2) uniform samplerBuffer res;
layout(binding = 3) writeonly buffer Y { sfloat y[]; };
layout(push_constant) uniform P { uint n; uint plane_size; uint C; CsEpilogue e; } p;

void main()
{
  uint i = cs_linear_id(256);
  if (i >= p.n)
    return;
  uint plane = i / p.plane_size;
  if (PER_CHANNEL)
    plane = plane % p.C;
  float v = texelFetch(x, int(i)).r * coef[plane * 2] + coef[plane * 2 + 1];
  if (HAS_RES)
    v += texelFetch(res, int(i)).r;
  y[i] = sfloat(cs_epilogue(v, ACT, p.e));
}
