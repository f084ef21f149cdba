#version 450
#extension GL_GOOGLE_include_directive : require
// Element-wise binary operators with numpy broadcasting: each operand is
// read through its own strides (0 along broadcast axes) over up to 6 axes.
#include "common.glsl"
#include "act.glsl"

layout(local_size_x = 256) in;
layout(constant_id = 0) const uint OP = 0;
layout(constant_id = 1) const uint ACT = 0;

#define OP_ADD 0
#define OP_SUB 1
#define OP_MUL 2
#define OP_DIV 3
#define OP_POW 4
#define OP_PRELU 5
#define OP_WHERE 6   // cond ? a : b, the condition as a third operand

layout(binding = 0) readonly buffer A { sfloat a[]; };
layout(binding = 1) readonly buffer B { sfloat b[]; };
layout(binding = 2) writeonly buffer Y { sfloat y[]; };
layout(binding = 3) readonly buffer Cond { sfloat cond[]; };
layout(push_constant) uniform P {
  uint n;
  uint dims[6];
  uint sa[6];
  uint sb[6];
  uint sc[6];
  CsEpilogue e;
} p;

float cs_pow(float x, float e)
{
  // GLSL's pow is undefined for negative bases; ONNX follows C's pow.
  if (x >= 0.0)
    return pow(x, e);
  if (e == floor(e))
    {
      float r = pow(-x, e);
      return mod(e, 2.0) == 0.0 ? r : -r;
    }
  return 0.0 / 0.0;
}

void main()
{
  uint i = cs_linear_id(256);
  if (i >= p.n)
    return;
  uint rem = i, ia = 0, ib = 0, ic = 0;
  for (int k = 5; k >= 0; k--)
    {
      uint c = rem % p.dims[k];
      rem /= p.dims[k];
      ia += c * p.sa[k];
      ib += c * p.sb[k];
      ic += c * p.sc[k];
    }
  float x = float(a[ia]), z = float(b[ib]), v;
  if (OP == OP_ADD)
    v = x + z;
  else if (OP == OP_SUB)
    v = x - z;
  else if (OP == OP_MUL)
    v = x * z;
  else if (OP == OP_DIV)
    v = x / z;
  else if (OP == OP_POW)
    v = cs_pow(x, z);
  else if (OP == OP_PRELU)
    v = x < 0.0 ? x * z : x;
  else
    v = float(cond[ic]) != 0.0 ? x : z;
  y[i] = sfloat(cs_epilogue(v, ACT, p.e));
}
