#version 450
#extension GL_GOOGLE_include_directive : require
// Batched matrix product with broadcast batch axes, and Gemm's
// transposes, alpha, beta and broadcast C: operands are read through
// strides, so a transpose costs nothing.
#include "common.glsl"

layout(local_size_x = 8, local_size_y = 8) in;
layout(constant_id = 0) const bool HAS_C = false;

layout(binding = 0) readonly buffer A { sfloat a[]; };
layout(binding = 1) readonly buffer B { sfloat b[]; };
layout(binding = 2) readonly buffer Cin { sfloat cin[]; };
layout(binding = 3) writeonly buffer Y { sfloat y[]; };
layout(push_constant) uniform P {
  uint M, N, K;
  uint a_rs, a_cs, b_rs, b_cs;
  uint c_rs, c_cs;
  uint bdims[3];
  uint a_bs[3];
  uint b_bs[3];
  float alpha, beta;
} p;

void main()
{
  uint n = gl_GlobalInvocationID.x, m = gl_GlobalInvocationID.y, batch = gl_GlobalInvocationID.z;
  if (n >= p.N || m >= p.M)
    return;
  uint rem = batch, ab = 0, bb = 0;
  for (int k = 2; k >= 0; k--)
    {
      uint c = rem % p.bdims[k];
      rem /= p.bdims[k];
      ab += c * p.a_bs[k];
      bb += c * p.b_bs[k];
    }
  float s = 0.0;
  for (uint k = 0; k < p.K; k++)
    s += float(a[ab + m * p.a_rs + k * p.a_cs]) * float(b[bb + k * p.b_rs + n * p.b_cs]);
  s *= p.alpha;
  if (HAS_C)
    s += p.beta * float(cin[m * p.c_rs + n * p.c_cs]);
  y[(batch * p.M + m) * p.N + n] = sfloat(s);
}
