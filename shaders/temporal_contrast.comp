#version 450
#extension GL_GOOGLE_include_directive : require
// The local contrast of the network's output around each flow pixel: the
// variance (0..255 squared) of its luma over a window of about 5 × 5 output
// pixels. The blend weighs the previous frame by it: what the blend changes
// costs the frame's structure in proportion to the change over the contrast
// around it (as SSIM counts it), so a style whose frames repaint strong
// strokes from frame to frame is pulled only where its own contrast hides
// the pull, and a style that only shimmers is pulled everywhere. Read before
// the blend writes the output in place.
#include "common.glsl"
#include "temporal.glsl"

layout(local_size_x = 16, local_size_y = 16) in;

layout(binding = 0) writeonly buffer Contrast { float contrast[]; };
layout(binding = 1) readonly buffer ParamsBuf { Params q; };
layout(binding = 2) readonly buffer Styled { sfloat styled[]; };

float luma(int x, int y)
{
  uint plane = p.size.x * p.size.y;
  x = clamp(x, 0, int(p.size.z) - 1);
  y = clamp(y, 0, int(p.size.w) - 1);
  uint i = uint(y) * p.size.x + uint(x);
  vec3 c = clamp(vec3(float(styled[i]), float(styled[plane + i]), float(styled[2u * plane + i])), 0.0, 255.0);
  return dot(c, vec3(0.299, 0.587, 0.114));
}

void main()
{
  uvec2 pos = gl_GlobalInvocationID.xy;
  uvec4 lv = p.level[0];
  if (pos.x >= lv.x || pos.y >= lv.y)
    return;
  if (!temporal_active(q))
    return;
  int f = int(p.info.x);
  // The window's centre in output pixels, and a stride that keeps it about
  // 5 × 5 output pixels whatever the reduction.
  ivec2 c = ivec2((vec2(pos) + 0.5) * float(f));
  float sum = 0.0, sum2 = 0.0;
  for (int dy = -2; dy <= 2; dy++)
    for (int dx = -2; dx <= 2; dx++)
      {
        float v = luma(c.x + dx, c.y + dy);
        sum += v;
        sum2 += v * v;
      }
  float m = sum / 25.0;
  contrast[pos.y * lv.x + pos.x] = max(sum2 / 25.0 - m * m, 0.0);
}
