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
// With planes of a multiple of 4 values, each invocation does 4 of them,
// read as one texel.
layout(constant_id = 3) const bool VEC4 = false;

layout(binding = 0) uniform samplerBuffer x;
layout(binding = 1) readonly buffer Coef { float coef[]; };
layout(binding = 2) uniform samplerBuffer res;
layout(binding = 3) writeonly buffer Y { sfloat y[]; };
layout(push_constant) uniform P { uint n; uint plane_size; uint C; CsEpilogue e; } p;

void main()
{
  uint i = cs_linear_id(256);
  uint width = VEC4 ? 4 : 1;
  if (i * width >= p.n)
    return;
  uint plane = i * width / p.plane_size;
  if (PER_CHANNEL)
    plane = plane % p.C;
  float a = coef[plane * 2], b = coef[plane * 2 + 1];
  if (VEC4)
    {
      vec4 v = texelFetch(x, int(i)) * a + b;
      if (HAS_RES)
        v += texelFetch(res, int(i));
      for (uint k = 0; k < 4; k++)
        y[i * 4 + k] = sfloat(cs_epilogue(v[k], ACT, p.e));
    }
  else
    {
      float v = texelFetch(x, int(i)).r * a + b;
      if (HAS_RES)
        v += texelFetch(res, int(i)).r;
      y[i] = sfloat(cs_epilogue(v, ACT, p.e));
    }
}
