#version 450
#extension GL_GOOGLE_include_directive : require
// One Jacobi step of an edge-aware variational fill of one level's flow:
// each pixel becomes the weighted mean of its Lucas–Kanade estimate, weighted
// by how sure it is (its window's texture), and of its 8 neighbours' current
// values, weighted by how alike their luma is to its own. Repeated, sure
// estimates spread through flat areas, as the smoothness term of a
// variational flow would spread them, but stop at edges, where another
// object may move otherwise. This matters for a style more than for the
// input: a style paints texture where the input has none, and that texture
// must move with the scene.
//
// FROM says where the current values are (0: the estimates themselves,
// 1: the scratch buffer, 2: the flow), TO where the step writes (1 or 2).
#include "common.glsl"
#include "temporal.glsl"

layout(local_size_x = 16, local_size_y = 16) in;
layout(constant_id = 0) const uint FROM = 0u;
layout(constant_id = 1) const uint TO = 2u;

// Per direction, one level 0's worth of (flow x, flow y, sureness, luma).
layout(binding = 0) readonly buffer Raw { vec4 raw[]; };
layout(binding = 1) buffer Scratch { vec2 scratch[]; };
layout(binding = 2) buffer Flow { vec2 flow[]; };
layout(binding = 3) buffer ParamsBuf { Params q; };

// Sureness (squared luma gradient summed over a 9 × 9 window) at which an
// estimate weighs as much as its neighbours together.
const float SURE = 400.0;
// Luma difference (0..255) at which a neighbour's weight falls to 1/e.
const float SIGMA_LUMA = 8.0;

uvec4 lv;
uint base_raw;
uint base_flow;

vec2 current(ivec2 c)
{
  uint i = uint(c.y) * lv.x + uint(c.x);
  if (FROM == 0u)
    return raw[base_raw + i].xy;
  if (FROM == 1u)
    return scratch[base_raw + i];
  return flow[base_flow + i];
}

void main()
{
  uvec2 pos = gl_GlobalInvocationID.xy;
  uint dir = gl_WorkGroupID.z;
  lv = p.level[p.info.z];
  if (pos.x >= lv.x || pos.y >= lv.y || !temporal_active(q))
    return;

  base_raw = dir * p.level[0].x * p.level[0].y;
  base_flow = dir * p.info.w + lv.z;
  uint i = pos.y * lv.x + pos.x;
  vec4 own = raw[base_raw + i];
  float data = 8.0 * own.z / SURE;
  vec2 sum = data * own.xy;
  float total = data;
  for (int dy = -1; dy <= 1; dy++)
    for (int dx = -1; dx <= 1; dx++)
      {
        ivec2 c = ivec2(pos) + ivec2(dx, dy);
        if ((dx == 0 && dy == 0) || any(lessThan(c, ivec2(0))) || any(greaterThanEqual(c, ivec2(lv.xy))))
          continue;
        float e = (raw[base_raw + uint(c.y) * lv.x + uint(c.x)].w - own.w) / SIGMA_LUMA;
        float w = exp(-e * e) + 1e-4;
        sum += w * current(c);
        total += w;
      }
  vec2 result = sum / total;
  if (TO == 1u)
    scratch[base_raw + i] = result;
  else
    flow[base_flow + i] = result;
}
