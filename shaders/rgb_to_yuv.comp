#version 450
#extension GL_GOOGLE_include_directive : require
// The way out of a network: blends its RGB output with the frame that went
// in by the style degree, clamps to 0..255, converts to YUV and writes the
// planes of the encoder's pixel format (8 bits a sample, or up to 16 in
// little-endian 16-bit words) into a buffer the host reads. The tensors may
// be larger than the frame; only the frame's part is read. Each invocation
// writes whole 32-bit words, so that no two invocations share one. One
// dispatch writes the luma plane, another (CHROMA) both chroma planes, each
// chroma sample the tent-weighted average of the pixels around where it
// sits: exact for 4:4:4, bilinear downscaling otherwise.
//
// The frame that went in is the network's input tensor, or, with SOURCE,
// the frame's own planes when they have the output's format: blending is
// affine, so mixing the original samples with the converted network output
// is the same blend, minus the chroma filtering of the original that an RGB
// round trip would add. Degree 0 then gives the source back bit for bit.
#include "common.glsl"

layout(local_size_x = 16, local_size_y = 16) in;
layout(constant_id = 0) const bool CHROMA = false;
layout(constant_id = 1) const bool SOURCE = false;

layout(binding = 0) writeonly buffer Dst { uint dst[]; };
// Per-frame values, so that the degree can change from frame to frame
// without recording the network again.
layout(binding = 1) readonly buffer Params { float degree; } params;
// The frame's planes, laid out as dst (bound but unread without SOURCE).
layout(binding = 2) readonly buffer Src { uint src[]; };
layout(binding = 3) readonly buffer Styled { sfloat styled[]; };
layout(binding = 4) readonly buffer Original { sfloat original[]; };

layout(push_constant) uniform P {
  vec4 m[3];            // Y, Cb, Cr codes = m[k].xyz . (R, G, B in 0..255) + m[k].w
  uvec4 size;           // frame width, height; tensor width, height
  uvec4 offset;         // byte offsets of the Y, Cb, Cr planes (multiples of 4); bytes per sample
  uvec4 stride;         // bytes per row of the planes (multiples of 4); .w the largest code
  uvec2 chroma_size;    // chroma plane width and height
  vec2 chroma_scale;    // luma samples per chroma sample: 1 or 2 each way
  vec2 chroma_origin;   // where chroma sample (0, 0) sits, in luma samples
} p;

// The RGB to convert at a pixel: with SOURCE the network's output alone (the
// blend happens on the codes), else already blended with the input tensor.
vec3 rgb_at(int x, int y, float d)
{
  uint plane = p.size.z * p.size.w;
  uint i = uint(clamp(y, 0, int(p.size.y) - 1)) * p.size.z + uint(clamp(x, 0, int(p.size.x) - 1));
  vec3 v = vec3(0.0);
  if (SOURCE || d > 0.0)
    v = vec3(float(styled[i]), float(styled[plane + i]), float(styled[2u * plane + i]));
  if (!SOURCE && d < 1.0)
    {
      vec3 o = vec3(float(original[i]), float(original[plane + i]), float(original[2u * plane + i]));
      // Degree 0 reads the original alone, whatever the network gave.
      v = d > 0.0 ? mix(o, v, d) : o;
    }
  return clamp(v, 0.0, 255.0);
}

// Chroma sample (j, i) from the pixels its tent covers, edge pixels repeated.
vec3 chroma_rgb(uint j, uint i, float d)
{
  vec2 site = vec2(j, i) * p.chroma_scale + p.chroma_origin;
  ivec2 base = ivec2(floor(site));
  vec3 sum = vec3(0.0);
  float total = 0.0;
  for (int dy = -1; dy <= 2; dy++)
    {
      float wy = 1.0 - abs(float(base.y + dy) - site.y) / p.chroma_scale.y;
      if (wy <= 0.0)
        continue;
      for (int dx = -1; dx <= 2; dx++)
        {
          float wx = 1.0 - abs(float(base.x + dx) - site.x) / p.chroma_scale.x;
          if (wx <= 0.0)
            continue;
          sum += wx * wy * rgb_at(base.x + dx, base.y + dy, d);
          total += wx * wy;
        }
    }
  return sum / total;
}

// The code of channel k for rgb, blended with the source's code with SOURCE.
uint code(uint k, vec3 rgb, uint original_code, float d)
{
  float v = dot(p.m[k].xyz, rgb) + p.m[k].w;
  if (SOURCE)
    v = mix(float(original_code), v, d);
  return uint(clamp(floor(v + 0.5), 0.0, float(p.stride.w)));
}

void main()
{
  uint word = gl_GlobalInvocationID.x;
  uint row = gl_GlobalInvocationID.y;
  uint bps = p.offset.w;
  uint per_word = 4u / bps;
  uint mask = bps == 1u ? 0xffu : 0xffffu;
  uint width = CHROMA ? p.chroma_size.x : p.size.x;
  uint height = CHROMA ? p.chroma_size.y : p.size.y;
  if (word * per_word >= width || row >= height)
    return;

  float d = params.degree;
  uint index[2];
  index[0] = CHROMA ? (p.offset.y + row * p.stride.y) / 4u + word : (p.offset.x + row * p.stride.x) / 4u + word;
  index[1] = (p.offset.z + row * p.stride.z) / 4u + word;
  uint planes = CHROMA ? 2u : 1u;

  if (SOURCE && d <= 0.0)
    {
      for (uint k = 0u; k < planes; k++)
        dst[index[k]] = src[index[k]];
      return;
    }

  uint packed[2] = uint[2](0u, 0u);
  uint orig[2] = uint[2](0u, 0u);
  if (SOURCE)
    for (uint k = 0u; k < planes; k++)
      orig[k] = src[index[k]];

  for (uint s = 0u; s < per_word; s++)
    {
      // Past the row's end the word is padding: repeat the last sample.
      uint x = min(word * per_word + s, width - 1u);
      uint shift = s * bps * 8u;
      if (CHROMA)
        {
          vec3 rgb = chroma_rgb(x, row, d);
          packed[0] |= code(1u, rgb, (orig[0] >> shift) & mask, d) << shift;
          packed[1] |= code(2u, rgb, (orig[1] >> shift) & mask, d) << shift;
        }
      else
        packed[0] |= code(0u, rgb_at(int(x), int(row), d), (orig[0] >> shift) & mask, d) << shift;
    }

  for (uint k = 0u; k < planes; k++)
    dst[index[k]] = packed[k];
}
