#version 450
#extension GL_GOOGLE_include_directive : require
// Optical flow between the previous and the current frame's luma at one
// pyramid level, coarse to fine: each pixel starts from twice the flow of the
// level above (none at the top) and refines it by iterative Lucas–Kanade over
// a 9 × 9 window. Workgroup z picks the direction: 0, backward (where each
// pixel of the current frame was in the previous one), 1, forward (where
// each pixel of the previous frame went). The forward flow only serves the
// consistency check: where the two disagree, the motion is occluded or the
// flow is wrong, and the blend must not trust it.
//
// The Hessian is regularized so that a window with no texture keeps the
// coarser estimate instead of amplifying noise. The estimate goes to a
// scratch buffer with how well the window pins it down (the structure
// tensor's smaller eigenvalue); temporal_smooth.comp then spreads the sure
// estimates into the unsure ones before the next level starts from them.
#include "common.glsl"
#include "temporal.glsl"

layout(local_size_x = 16, local_size_y = 16) in;

layout(binding = 0) readonly buffer Pyramid { float pyr[]; };
// Per direction, one vec2 a pyramid pixel, levels at the pyramid's offsets.
layout(binding = 1) buffer Flow { vec2 flow[]; };
layout(binding = 2) buffer ParamsBuf { Params q; };
// Per direction, one level 0's worth of (flow x, flow y, sureness, luma).
layout(binding = 3) writeonly buffer Raw { vec4 raw[]; };

const int R = 4;
const int ITERATIONS = 5;
// Squared luma gradient per window pixel below which a window counts as flat.
const float LAMBDA = 4.0 * float((2 * R + 1) * (2 * R + 1));

uvec4 lv;

float at(uint base, int x, int y)
{
  x = clamp(x, 0, int(lv.x) - 1);
  y = clamp(y, 0, int(lv.y) - 1);
  return pyr[base + lv.z + uint(y) * lv.x + uint(x)];
}

float bilinear(uint base, vec2 s)
{
  vec2 f0 = floor(s);
  vec2 t = s - f0;
  ivec2 i = ivec2(f0);
  return mix(mix(at(base, i.x, i.y), at(base, i.x + 1, i.y), t.x),
             mix(at(base, i.x, i.y + 1), at(base, i.x + 1, i.y + 1), t.x), t.y);
}

vec2 coarse_flow(uint dir, uvec2 pos)
{
  uint l = p.info.z;
  if (l + 1u >= p.info.y)
    return vec2(0.0);
  uvec4 up = p.level[l + 1u];
  vec2 s = (vec2(pos) + 0.5) * 0.5 - 0.5;
  s = clamp(s, vec2(0.0), vec2(up.xy) - 1.0);
  vec2 f0 = floor(s);
  vec2 t = s - f0;
  uvec2 a = uvec2(f0);
  uvec2 b = min(a + 1u, up.xy - 1u);
  uint o = dir * p.info.w + up.z;
  vec2 v00 = flow[o + a.y * up.x + a.x];
  vec2 v10 = flow[o + a.y * up.x + b.x];
  vec2 v01 = flow[o + b.y * up.x + a.x];
  vec2 v11 = flow[o + b.y * up.x + b.x];
  return 2.0 * mix(mix(v00, v10, t.x), mix(v01, v11, t.x), t.y);
}

void main()
{
  uvec2 pos = gl_GlobalInvocationID.xy;
  uint dir = gl_WorkGroupID.z;
  lv = p.level[p.info.z];
  if (pos.x >= lv.x || pos.y >= lv.y || !temporal_active(q))
    return;

  uint cur = slot_base(q.parity);
  uint prev = slot_base(1u - q.parity);
  uint tmpl = dir == 0u ? cur : prev;
  uint search = dir == 0u ? prev : cur;
  ivec2 c = ivec2(pos);

  float gx[2 * R + 1][2 * R + 1];
  float gy[2 * R + 1][2 * R + 1];
  float tv[2 * R + 1][2 * R + 1];
  float hxx = LAMBDA, hxy = 0.0, hyy = LAMBDA;
  for (int dy = -R; dy <= R; dy++)
    for (int dx = -R; dx <= R; dx++)
      {
        int x = c.x + dx, y = c.y + dy;
        float a = 0.5 * (at(tmpl, x + 1, y) - at(tmpl, x - 1, y));
        float b = 0.5 * (at(tmpl, x, y + 1) - at(tmpl, x, y - 1));
        gx[dy + R][dx + R] = a;
        gy[dy + R][dx + R] = b;
        tv[dy + R][dx + R] = at(tmpl, x, y);
        hxx += a * a;
        hxy += a * b;
        hyy += b * b;
      }
  float det = hxx * hyy - hxy * hxy;
  float a = 0.5 * (hxx + hyy) - LAMBDA;
  float sure = a - sqrt(0.25 * (hxx - hyy) * (hxx - hyy) + hxy * hxy);

  vec2 u = coarse_flow(dir, pos);
  for (int it = 0; it < ITERATIONS; it++)
    {
      vec2 rhs = vec2(0.0);
      for (int dy = -R; dy <= R; dy++)
        for (int dx = -R; dx <= R; dx++)
          {
            vec2 s = vec2(c + ivec2(dx, dy)) + u;
            float e = tv[dy + R][dx + R] - bilinear(search, s);
            rhs += e * vec2(gx[dy + R][dx + R], gy[dy + R][dx + R]);
          }
      vec2 du = vec2(hyy * rhs.x - hxy * rhs.y, hxx * rhs.y - hxy * rhs.x) / det;
      // A step longer than the window says the linearization has failed.
      float len = length(du);
      if (len > float(R))
        du *= float(R) / len;
      u += du;
      if (len < 0.01)
        break;
    }

  raw[dir * p.level[0].x * p.level[0].y + pos.y * lv.x + pos.x] = vec4(u, max(sure, 0.0), tv[R][R]);
}
