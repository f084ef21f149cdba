#version 450
#extension GL_GOOGLE_include_directive : require
// The last step of one level's flow: the 3 × 3 median of the filled flow,
// each component on its own, from the scratch buffer into the flow. A single
// window whose Lucas–Kanade estimate locked onto the wrong texture period, or
// a pixel the fill left between two motions, is out of line with most of its
// neighbours: the median drops it where a mean would smear it, and keeps
// motion boundaries sharp. Such pixels are few, but the forward-backward
// check fails around each of them and the blend then leaves the flicker in.
#include "common.glsl"
#include "temporal.glsl"

layout(local_size_x = 16, local_size_y = 16) in;

layout(binding = 0) readonly buffer Scratch { vec2 scratch[]; };
layout(binding = 1) buffer Flow { vec2 flow[]; };
layout(binding = 2) readonly buffer ParamsBuf { Params q; };

#define SORT2(a, b) { vec2 lo = min(v[a], v[b]); v[b] = max(v[a], v[b]); v[a] = lo; }

void main()
{
  uvec2 pos = gl_GlobalInvocationID.xy;
  uint dir = gl_WorkGroupID.z;
  uvec4 lv = p.level[p.info.z];
  if (pos.x >= lv.x || pos.y >= lv.y || !temporal_active(q))
    return;

  uint base = dir * p.level[0].x * p.level[0].y;
  vec2 v[9];
  for (int dy = -1; dy <= 1; dy++)
    for (int dx = -1; dx <= 1; dx++)
      {
        ivec2 c = clamp(ivec2(pos) + ivec2(dx, dy), ivec2(0), ivec2(lv.xy) - 1);
        v[(dy + 1) * 3 + dx + 1] = scratch[base + uint(c.y) * lv.x + uint(c.x)];
      }
  // Paeth's median-of-9 network (19 exchanges), on both components at once.
  SORT2(1, 2); SORT2(4, 5); SORT2(7, 8);
  SORT2(0, 1); SORT2(3, 4); SORT2(6, 7);
  SORT2(1, 2); SORT2(4, 5); SORT2(7, 8);
  SORT2(0, 3); SORT2(5, 8); SORT2(4, 7);
  SORT2(3, 6); SORT2(1, 4); SORT2(2, 5);
  SORT2(4, 7); SORT2(4, 2); SORT2(6, 4);
  SORT2(4, 2);
  flow[dir * p.info.w + lv.z + pos.y * lv.x + pos.x] = v[4];
}
