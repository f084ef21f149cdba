#version 450
#extension GL_GOOGLE_include_directive : require
// Batch normalization at inference: per-channel scale and shift from the
// running statistics, in the layout channel_affine reads.
#include "common.glsl"

layout(local_size_x = 64) in;

layout(binding = 0) readonly buffer Gamma { sfloat gamma[]; };
layout(binding = 1) readonly buffer Beta { sfloat beta[]; };
layout(binding = 2) readonly buffer Mean { sfloat mean[]; };
layout(binding = 3) readonly buffer Var { sfloat var[]; };
layout(binding = 4) writeonly buffer Coef { float coef[]; };
layout(push_constant) uniform P { uint C; float eps; } p;

void main()
{
  uint c = gl_GlobalInvocationID.x;
  if (c >= p.C)
    return;
  float a = float(gamma[c]) / sqrt(float(var[c]) + p.eps);
  coef[c * 2] = a;
  coef[c * 2 + 1] = float(beta[c]) - float(mean[c]) * a;
}
