#version 450
#extension GL_GOOGLE_include_directive : require
// Instance normalization, first half: one workgroup per (image, channel)
// plane reduces it to a per-plane scale and shift, folding in the learnt
// ones: y = x * a + b with a = gamma / sqrt(var + eps), b = beta - mean * a.
// The mean is taken first and the variance around it, in fp32, which keeps
// large planes accurate where a single sum of squares would cancel.
#include "common.glsl"

layout(local_size_x = 256) in;
// Planes of a multiple of 4 values are read 4 at a time.
layout(constant_id = 0) const bool VEC4 = false;

// Read as a texel buffer: SIMD CPU drivers fetch texels without the
// per-lane loop they use for storage buffers.
layout(binding = 0) uniform samplerBuffer x;
layout(binding = 1) readonly buffer Gamma { sfloat gamma[]; };
layout(binding = 2) readonly buffer Beta { sfloat beta[]; };
layout(binding = 3) writeonly buffer Coef { float coef[]; };  // [plane][2]
layout(push_constant) uniform P { uint plane_size; uint C; float eps; } p;

shared float partial[256];

float reduce_sum(float v)
{
  uint t = gl_LocalInvocationID.x;
  partial[t] = v;
  barrier();
  for (uint s = 128; s > 0; s >>= 1)
    {
      if (t < s)
        partial[t] += partial[t + s];
      barrier();
    }
  float r = partial[0];
  barrier();
  return r;
}

void main()
{
  uint plane = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
  uint t = gl_LocalInvocationID.x;
  uint base = plane * p.plane_size;

  float s = 0.0;
  if (VEC4)
    for (uint i = t; i < p.plane_size / 4; i += 256)
      s += dot(texelFetch(x, int(base / 4 + i)), vec4(1.0));
  else
    for (uint i = t; i < p.plane_size; i += 256)
      s += texelFetch(x, int(base + i)).r;
  float mean = reduce_sum(s) / float(p.plane_size);

  float q = 0.0;
  if (VEC4)
    for (uint i = t; i < p.plane_size / 4; i += 256)
      {
        vec4 d = texelFetch(x, int(base / 4 + i)) - mean;
        q += dot(d, d);
      }
  else
    for (uint i = t; i < p.plane_size; i += 256)
      {
        float d = texelFetch(x, int(base + i)).r - mean;
        q += d * d;
      }
  float var = reduce_sum(q) / float(p.plane_size);

  if (t == 0)
    {
      uint c = plane % p.C;
      float a = float(gamma[c]) / sqrt(var + p.eps);
      coef[plane * 2] = a;
      coef[plane * 2 + 1] = float(beta[c]) - mean * a;
    }
}
