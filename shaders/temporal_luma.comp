#version 450
#extension GL_GOOGLE_include_directive : require
// Level 0 of the current frame's luma pyramid: the network's RGB input
// averaged over factor × factor blocks. Flow at a reduced size costs a small
// part of the network's time and still follows every motion that makes
// textures crawl; the blend interpolates it back to full size.
#include "common.glsl"
#include "temporal.glsl"

layout(local_size_x = 16, local_size_y = 16) in;

layout(binding = 0) buffer Pyramid { float pyr[]; };
layout(binding = 1) buffer ParamsBuf { Params q; };
layout(binding = 2) readonly buffer Image { sfloat image[]; };

void main()
{
  uvec2 pos = gl_GlobalInvocationID.xy;
  uvec4 l0 = p.level[0];
  if (pos.x >= l0.x || pos.y >= l0.y)
    return;
  uint f = p.info.x;
  uint plane = p.size.x * p.size.y;
  float sum = 0.0;
  for (uint dy = 0u; dy < f; dy++)
    for (uint dx = 0u; dx < f; dx++)
      {
        uint x = min(pos.x * f + dx, p.size.x - 1u);
        uint y = min(pos.y * f + dy, p.size.y - 1u);
        uint i = y * p.size.x + x;
        sum += 0.299 * float(image[i]) + 0.587 * float(image[plane + i]) + 0.114 * float(image[2u * plane + i]);
      }
  pyr[slot_base(q.parity) + l0.z + pos.y * l0.x + pos.x] = sum / float(f * f);
}
