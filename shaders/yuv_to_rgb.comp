#version 450
#extension GL_GOOGLE_include_directive : require
// A planar YUV frame (4:2:0, 4:2:2 or 4:4:4; 8 bits a sample, or up to 16 in
// little-endian 16-bit words) to the gamma-encoded RGB 0..255 planar tensor
// a network takes. The frame arrives as the host wrote it, so it is read as
// 32-bit words and unpacked here. The tensor may be larger than the frame
// (a network's size multiple): the extra columns and rows repeat the edge,
// which disturbs instance statistics less than a constant border would.
// Chroma is upsampled bilinearly from where its samples sit.
#include "common.glsl"

layout(local_size_x = 16, local_size_y = 16) in;

layout(binding = 0) readonly buffer Src { uint src[]; };
layout(binding = 1) writeonly buffer Dst { sfloat dst[]; };

layout(push_constant) uniform P {
  vec4 m[3];            // R, G, B (0..255) = m[c].xyz . (Y, Cb, Cr codes) + m[c].w
  uvec4 size;           // frame width, height; tensor width, height
  uvec4 offset;         // byte offsets of the Y, Cb, Cr planes; bytes per sample (1 or 2)
  uvec4 stride;         // bytes per row of the Y, Cb, Cr planes; .w unused
  uvec2 chroma_size;    // chroma plane width and height
  vec2 chroma_step;     // chroma samples per luma sample: 1 or 0.5 each way
  vec2 chroma_origin;   // where chroma sample (0, 0) sits, in luma samples
} p;

uint fetch(uint plane, uint x, uint y)
{
  uint b = p.offset[plane] + y * p.stride[plane] + x * p.offset.w;
  uint word = src[b >> 2];
  if (p.offset.w == 1u)
    return (word >> ((b & 3u) * 8u)) & 0xffu;
  return (word >> ((b & 2u) * 8u)) & 0xffffu;
}

void main()
{
  uvec2 pos = gl_GlobalInvocationID.xy;
  if (pos.x >= p.size.z || pos.y >= p.size.w)
    return;
  uint x = min(pos.x, p.size.x - 1u);
  uint y = min(pos.y, p.size.y - 1u);

  // Bilinear chroma: the two samples either side of this pixel's position
  // in chroma coordinates, repeating the edge samples outside the plane.
  vec2 c = (vec2(x, y) - p.chroma_origin) * p.chroma_step;
  vec2 c0 = floor(c);
  vec2 f = c - c0;
  ivec2 hi = ivec2(p.chroma_size) - 1;
  ivec2 a = clamp(ivec2(c0), ivec2(0), hi);
  ivec2 b = clamp(ivec2(c0) + 1, ivec2(0), hi);
  vec2 chroma = vec2(0.0);
  for (uint k = 1u; k <= 2u; k++)
    {
      float v00 = float(fetch(k, a.x, a.y));
      float v10 = float(fetch(k, b.x, a.y));
      float v01 = float(fetch(k, a.x, b.y));
      float v11 = float(fetch(k, b.x, b.y));
      chroma[k - 1u] = mix(mix(v00, v10, f.x), mix(v01, v11, f.x), f.y);
    }

  vec3 yuv = vec3(float(fetch(0u, x, y)), chroma);
  uint plane = p.size.z * p.size.w;
  uint i = pos.y * p.size.z + pos.x;
  for (uint k = 0u; k < 3u; k++)
    dst[k * plane + i] = sfloat(clamp(dot(p.m[k].xyz, yuv) + p.m[k].w, 0.0, 255.0));
}
