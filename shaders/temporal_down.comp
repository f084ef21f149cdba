#version 450
#extension GL_GOOGLE_include_directive : require
// One level of the current frame's luma pyramid from the level below it:
// the mean of each 2 × 2 block (edge pixels repeated for odd sizes).
#include "common.glsl"
#include "temporal.glsl"

layout(local_size_x = 16, local_size_y = 16) in;

layout(binding = 0) buffer Pyramid { float pyr[]; };
layout(binding = 1) buffer ParamsBuf { Params q; };

void main()
{
  uvec2 pos = gl_GlobalInvocationID.xy;
  uvec4 dst = p.level[p.info.z];
  uvec4 src = p.level[p.info.z - 1u];
  if (pos.x >= dst.x || pos.y >= dst.y)
    return;
  uint base = slot_base(q.parity);
  float sum = 0.0;
  for (uint dy = 0u; dy < 2u; dy++)
    for (uint dx = 0u; dx < 2u; dx++)
      {
        uint x = min(pos.x * 2u + dx, src.x - 1u);
        uint y = min(pos.y * 2u + dy, src.y - 1u);
        sum += pyr[base + src.z + y * src.x + x];
      }
  pyr[base + dst.z + pos.y * dst.x + pos.x] = 0.25 * sum;
}
