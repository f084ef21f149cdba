#version 450
#extension GL_GOOGLE_include_directive : require
// How far the backward flow can be trusted at each pixel of the reduced
// current frame, 0 to 1. Two checks, each a soft falloff: the forward flow
// at the place the pixel came from must lead back to it (occlusions and
// wrong matches fail this; tolerance as in Sundaram et al. 2010), and the
// input luma must be the same there (a large input change means the pixel
// was occluded, changed its light, or belongs to another shot). A pixel
// takes the worst agreement of its 3 × 3 neighbourhood, so that the blend,
// which interpolates this map, stays clear of motion boundaries, and the
// mean luma change over it.
#include "common.glsl"
#include "temporal.glsl"

layout(local_size_x = 16, local_size_y = 16) in;

layout(binding = 0) readonly buffer Pyramid { float pyr[]; };
layout(binding = 1) readonly buffer Flow { vec2 flow[]; };
layout(binding = 2) writeonly buffer Confidence { float confidence[]; };
layout(binding = 3) buffer ParamsBuf { Params q; };
// Level 0's Lucas–Kanade estimates, backward first: .z says how much texture
// pinned each one down.
layout(binding = 4) readonly buffer Raw { vec4 raw[]; };

// Texture (squared luma gradient over a 9 × 9 window) below which the two
// flows cannot be told apart from noise: there the forward-backward check
// tolerates up to FLAT_TOLERANCE more (flow pixels squared). A flat area
// hides no occlusion the luma check would not see, and its flow comes from
// the textured areas around it.
const float FLAT = 400.0;
const float FLAT_TOLERANCE = 2.0;

uvec4 lv;

float luma(uint base, int x, int y)
{
  x = clamp(x, 0, int(lv.x) - 1);
  y = clamp(y, 0, int(lv.y) - 1);
  return pyr[base + lv.z + uint(y) * lv.x + uint(x)];
}

float luma_bilinear(uint base, vec2 s)
{
  vec2 f0 = floor(s);
  vec2 t = s - f0;
  ivec2 i = ivec2(f0);
  return mix(mix(luma(base, i.x, i.y), luma(base, i.x + 1, i.y), t.x),
             mix(luma(base, i.x, i.y + 1), luma(base, i.x + 1, i.y + 1), t.x), t.y);
}

vec2 flow_at(uint dir, int x, int y)
{
  x = clamp(x, 0, int(lv.x) - 1);
  y = clamp(y, 0, int(lv.y) - 1);
  return flow[dir * p.info.w + lv.z + uint(y) * lv.x + uint(x)];
}

vec2 flow_bilinear(uint dir, vec2 s)
{
  vec2 f0 = floor(s);
  vec2 t = s - f0;
  ivec2 i = ivec2(f0);
  return mix(mix(flow_at(dir, i.x, i.y), flow_at(dir, i.x + 1, i.y), t.x),
             mix(flow_at(dir, i.x, i.y + 1), flow_at(dir, i.x + 1, i.y + 1), t.x), t.y);
}

// The forward-backward agreement at one pixel, 0 to 1, and the luma change
// (0..255) along its flow through *change.
float pixel_agreement(uint cur, uint prev, ivec2 c, out float change)
{
  vec2 b = flow_at(0u, c.x, c.y);
  vec2 s = vec2(c) + b;
  change = 0.0;
  if (any(lessThan(s, vec2(-0.5))) || any(greaterThan(s, vec2(lv.xy) - 0.5)))
    return 0.0;
  vec2 f = flow_bilinear(1u, s);
  vec2 d = b + f;
  float flat_area = FLAT / (FLAT + raw[uint(c.y) * lv.x + uint(c.x)].z);
  float tolerance = q.fb_rel * (dot(b, b) + dot(f, f)) + q.fb_abs + FLAT_TOLERANCE * flat_area;
  change = abs(luma(cur, c.x, c.y) - luma_bilinear(prev, s));
  return exp(-dot(d, d) / tolerance);
}

void main()
{
  uvec2 pos = gl_GlobalInvocationID.xy;
  lv = p.level[0];
  if (pos.x >= lv.x || pos.y >= lv.y)
    return;
  uint i = pos.y * lv.x + pos.x;
  if (!temporal_active(q))
    {
      confidence[i] = 0.0;
      return;
    }
  uint cur = slot_base(q.parity);
  uint prev = slot_base(1u - q.parity);
  // Agreement is the worst of the neighbourhood; the luma change its mean,
  // since one pixel's interpolation error on fine texture says nothing.
  float agreement = 1.0, change = 0.0;
  for (int dy = -1; dy <= 1; dy++)
    for (int dx = -1; dx <= 1; dx++)
      {
        ivec2 c = clamp(ivec2(pos) + ivec2(dx, dy), ivec2(0), ivec2(lv.xy) - 1);
        float e;
        agreement = min(agreement, pixel_agreement(cur, prev, c, e));
        change += e;
      }
  float e = change / (9.0 * q.sigma_luma);
  confidence[i] = agreement * exp(-e * e);
}
