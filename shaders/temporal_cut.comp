#version 450
#extension GL_GOOGLE_include_directive : require
// Whether this frame starts a new shot, decided on the GPU so that the blend
// of the same submission can honour it: the mean absolute luma change from
// the previous frame, and the share of pixels whose flow is unsure. One
// workgroup over the reduced frame, which is small.
#include "common.glsl"
#include "temporal.glsl"

layout(local_size_x = 256) in;

layout(binding = 0) readonly buffer Pyramid { float pyr[]; };
layout(binding = 1) readonly buffer Confidence { float confidence[]; };
layout(binding = 2) buffer ParamsBuf { Params q; };

shared float sum_diff[256];
shared float sum_unsure[256];

void main()
{
  uint t = gl_LocalInvocationID.x;
  uvec4 lv = p.level[0];
  uint n = lv.x * lv.y;
  bool running = temporal_active(q);
  float diff = 0.0, unsure = 0.0;

  if (running)
    {
      uint cur = slot_base(q.parity) + lv.z;
      uint prev = slot_base(1u - q.parity) + lv.z;
      for (uint i = t; i < n; i += 256u)
        {
          diff += abs(pyr[cur + i] - pyr[prev + i]);
          unsure += confidence[i] < 0.5 ? 1.0 : 0.0;
        }
    }
  sum_diff[t] = diff;
  sum_unsure[t] = unsure;
  barrier();
  for (uint s = 128u; s > 0u; s >>= 1)
    {
      if (t < s)
        {
          sum_diff[t] += sum_diff[t + s];
          sum_unsure[t] += sum_unsure[t + s];
        }
      barrier();
    }
  if (t == 0u)
    {
      q.mad = sum_diff[0] / float(n);
      q.unsure = sum_unsure[0] / float(n);
      q.cut = running && (q.mad > q.cut_mad || q.unsure > q.cut_unsure) ? 1u : 0u;
    }
}
