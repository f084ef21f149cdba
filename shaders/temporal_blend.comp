#version 450
#extension GL_GOOGLE_include_directive : require
// The stabilized frame: the network's output mixed, in place, with the
// previous stabilized frame warped along the backward flow, by a weight of
// confidence × the weight the stability gives where the flow is sure,
// lowered where the output changed much against its local contrast
// (temporal_contrast.comp). The result is also kept (in
// this frame's slot) as the next frame's previous one. Where the weight is 0
// (no previous frame, a scene cut, stability 0, an unsure or out-of-frame
// flow) the network's output is left exactly as it was.
#include "common.glsl"
#include "temporal.glsl"

layout(local_size_x = 16, local_size_y = 16) in;

layout(binding = 0) buffer History { float history[]; };
layout(binding = 1) readonly buffer Flow { vec2 flow[]; };
layout(binding = 2) readonly buffer Confidence { float confidence[]; };
layout(binding = 3) readonly buffer ParamsBuf { Params q; };
layout(binding = 4) readonly buffer Contrast { float contrast[]; };
layout(binding = 5) buffer Styled { sfloat styled[]; };

// The contrast (luma variance, 0..255 units) every pixel counts as having on
// top of its own. SSIM's own constant C2 would be 58.5, but its window (11 ×
// 11) sees more contrast than the 5 × 5 one here, and the smooth areas of a
// style that barely flickers (dark skies, skin) must not lose their pull to
// it: with 58.5, tears_of_steel kept half its flicker with every style.
const float FLAT_CONTRAST = 256.0;

uvec4 lv;

vec2 flow_at(int x, int y)
{
  x = clamp(x, 0, int(lv.x) - 1);
  y = clamp(y, 0, int(lv.y) - 1);
  return flow[lv.z + uint(y) * lv.x + uint(x)];
}

float confidence_at(int x, int y)
{
  x = clamp(x, 0, int(lv.x) - 1);
  y = clamp(y, 0, int(lv.y) - 1);
  return confidence[uint(y) * lv.x + uint(x)];
}

float contrast_at(int x, int y)
{
  x = clamp(x, 0, int(lv.x) - 1);
  y = clamp(y, 0, int(lv.y) - 1);
  return contrast[uint(y) * lv.x + uint(x)];
}

vec3 history_at(uint base, int x, int y)
{
  uint plane = p.size.x * p.size.y;
  x = clamp(x, 0, int(p.size.z) - 1);
  y = clamp(y, 0, int(p.size.w) - 1);
  uint i = base + uint(y) * p.size.x + uint(x);
  return vec3(history[i], history[plane + i], history[2u * plane + i]);
}

void main()
{
  uvec2 pos = gl_GlobalInvocationID.xy;
  if (pos.x >= p.size.x || pos.y >= p.size.y)
    return;
  lv = p.level[0];
  uint plane = p.size.x * p.size.y;
  uint i = pos.y * p.size.x + pos.x;
  vec3 s = vec3(float(styled[i]), float(styled[plane + i]), float(styled[2u * plane + i]));
  s = clamp(s, 0.0, 255.0);

  float w = 0.0, k = 0.0;
  vec2 src = vec2(pos);
  if (temporal_active(q) && q.cut == 0u)
    {
      float f = float(p.info.x);
      vec2 r = (vec2(pos) + 0.5) / f - 0.5;
      vec2 r0 = floor(r);
      vec2 t = r - r0;
      ivec2 a = ivec2(r0);
      vec2 b = mix(mix(flow_at(a.x, a.y), flow_at(a.x + 1, a.y), t.x),
                   mix(flow_at(a.x, a.y + 1), flow_at(a.x + 1, a.y + 1), t.x), t.y);
      float c = mix(mix(confidence_at(a.x, a.y), confidence_at(a.x + 1, a.y), t.x),
                    mix(confidence_at(a.x, a.y + 1), confidence_at(a.x + 1, a.y + 1), t.x), t.y);
      src = vec2(pos) + b * f;
      bool inside = all(greaterThanEqual(src, vec2(0.0))) && all(lessThanEqual(src, vec2(p.size.zw) - 1.0));
      if (inside)
        w = q.max_weight * c;
      k = mix(mix(contrast_at(a.x, a.y), contrast_at(a.x + 1, a.y), t.x),
              mix(contrast_at(a.x, a.y + 1), contrast_at(a.x + 1, a.y + 1), t.x), t.y);
    }

  vec3 out_rgb = s;
  if (w > 0.0)
    {
      uint prev = (1u - q.parity) * 3u * plane;
      vec2 f0 = floor(src);
      vec2 t = src - f0;
      ivec2 a = ivec2(f0);
      vec3 warped = mix(mix(history_at(prev, a.x, a.y), history_at(prev, a.x + 1, a.y), t.x),
                        mix(history_at(prev, a.x, a.y + 1), history_at(prev, a.x + 1, a.y + 1), t.x), t.y);
      // Where the styled frame changed much against its own contrast while
      // the input did not, the style repaints there: a full pull would cost
      // the frame its structure (and a flow gone wrong would ghost), so the
      // weight falls.
      vec3 d = warped - s;
      float contrast_here = k + FLAT_CONTRAST;
      w *= contrast_here / (contrast_here + q.adapt * dot(d, d) / 3.0);
      out_rgb = s + w * d;
      for (uint k = 0u; k < 3u; k++)
        styled[k * plane + i] = sfloat(out_rgb[k]);
    }
  uint cur = q.parity * 3u * plane;
  for (uint k = 0u; k < 3u; k++)
    history[cur + k * plane + i] = out_rgb[k];
}
