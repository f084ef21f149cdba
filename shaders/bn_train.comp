#version 450
#extension GL_GOOGLE_include_directive : require
// Batch normalization in training mode: one workgroup per channel takes the
// mean and (population) variance over every image and position, writes the
// scale and shift that channel_affine applies, and the updated running
// statistics: running = input * momentum + batch * (1 - momentum).
#include "common.glsl"

layout(local_size_x = 256) in;

layout(binding = 0) readonly buffer X { sfloat x[]; };
layout(binding = 1) readonly buffer Gamma { sfloat gamma[]; };
layout(binding = 2) readonly buffer Beta { sfloat beta[]; };
layout(binding = 3) readonly buffer InMean { sfloat in_mean[]; };
layout(binding = 4) readonly buffer InVar { sfloat in_var[]; };
layout(binding = 5) writeonly buffer Coef { float coef[]; };
layout(binding = 6) writeonly buffer OutMean { sfloat out_mean[]; };
layout(binding = 7) writeonly buffer OutVar { sfloat out_var[]; };
layout(push_constant) uniform P { uint N; uint C; uint plane_size; float eps; float momentum; } p;

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
  uint c = gl_WorkGroupID.x;
  uint t = gl_LocalInvocationID.x;
  uint count = p.N * p.plane_size;

  float s = 0.0;
  for (uint i = t; i < count; i += 256)
    s += float(x[((i / p.plane_size) * p.C + c) * p.plane_size + i % p.plane_size]);
  float mean = reduce_sum(s) / float(count);

  float q = 0.0;
  for (uint i = t; i < count; i += 256)
    {
      float d = float(x[((i / p.plane_size) * p.C + c) * p.plane_size + i % p.plane_size]) - mean;
      q += d * d;
    }
  float var = reduce_sum(q) / float(count);

  if (t == 0)
    {
      float a = float(gamma[c]) / sqrt(var + p.eps);
      coef[c * 2] = a;
      coef[c * 2 + 1] = float(beta[c]) - mean * a;
      out_mean[c] = sfloat(float(in_mean[c]) * p.momentum + mean * (1.0 - p.momentum));
      out_var[c] = sfloat(float(in_var[c]) * p.momentum + var * (1.0 - p.momentum));
    }
}
