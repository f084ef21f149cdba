#version 450
#extension GL_GOOGLE_include_directive : require
// Element-wise unary operators, with the fused epilogue.
#include "common.glsl"
#include "act.glsl"

layout(local_size_x = 256) in;
layout(constant_id = 0) const uint OP = 0;
layout(constant_id = 1) const uint ACT = 0;

#define OP_COPY 0
#define OP_SQRT 1
#define OP_RECIPROCAL 2
#define OP_EXP 3
#define OP_NEG 4
#define OP_ABS 5

layout(binding = 0) readonly buffer X { sfloat x[]; };
layout(binding = 1) writeonly buffer Y { sfloat y[]; };
layout(push_constant) uniform P { uint n; CsEpilogue e; } p;

void main()
{
  uint i = cs_linear_id(256);
  if (i >= p.n)
    return;
  float v = float(x[i]);
  if (OP == OP_SQRT)
    v = sqrt(v);
  else if (OP == OP_RECIPROCAL)
    v = 1.0 / v;
  else if (OP == OP_EXP)
    v = exp(v);
  else if (OP == OP_NEG)
    v = -v;
  else if (OP == OP_ABS)
    v = abs(v);
  y[i] = sfloat(cs_epilogue(v, ACT, p.e));
}
