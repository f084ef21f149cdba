#version 450
#extension GL_GOOGLE_include_directive : require
// Resize of the last two axes: nearest, linear and cubic, with ONNX's
// coordinate transformations. Linear and cubic are separable: the 2-D
// weights are products of the 1-D ones, with edge samples repeated.
#include "common.glsl"

layout(local_size_x = 64) in;
layout(constant_id = 0) const uint MODE = 0;     // 0 nearest, 1 linear, 2 cubic
layout(constant_id = 1) const uint CTM = 0;      // coordinate transformation, see below
layout(constant_id = 2) const uint NEAREST = 0;  // 0 round_prefer_floor, 1 round_prefer_ceil, 2 floor, 3 ceil
layout(constant_id = 3) const bool EXCLUDE_OUTSIDE = false;

#define CTM_HALF_PIXEL 0
#define CTM_PYTORCH_HALF_PIXEL 1
#define CTM_ALIGN_CORNERS 2
#define CTM_ASYMMETRIC 3
#define CTM_TF_HALF_PIXEL_FOR_NN 4
#define CTM_TF_CROP_AND_RESIZE 5

layout(binding = 0) readonly buffer X { sfloat x[]; };
layout(binding = 1) writeonly buffer Y { sfloat y[]; };
layout(push_constant) uniform P {
  uint planes, H, W, OH, OW;
  float scale_y, scale_x;
  float cubic_a;
  float roi_y0, roi_x0, roi_y1, roi_x1;  // tf_crop_and_resize, normalized
  float extrapolation;
} p;

// ONNX measures the resized length as input length times scale, unfloored.
float source_coord(uint o, float scale, uint in_len, uint out_len, float r0, float r1)
{
  float fo = float(o);
  float resized = float(in_len) * scale;
  if (CTM == CTM_HALF_PIXEL)
    return (fo + 0.5) / scale - 0.5;
  if (CTM == CTM_PYTORCH_HALF_PIXEL)
    return resized > 1.0 ? (fo + 0.5) / scale - 0.5 : 0.0;
  if (CTM == CTM_ALIGN_CORNERS)
    return resized == 1.0 ? 0.0 : fo * float(in_len - 1) / (resized - 1.0);
  if (CTM == CTM_ASYMMETRIC)
    return fo / scale;
  if (CTM == CTM_TF_CROP_AND_RESIZE)
    return out_len > 1 ? r0 * float(in_len - 1) + fo * (r1 - r0) * float(in_len - 1) / float(out_len - 1)
                       : 0.5 * (r0 + r1) * float(in_len - 1);
  return (fo + 0.5) / scale;
}

int nearest_index(float c, uint len)
{
  int i;
  if (NEAREST == 0)
    i = c == floor(c) + 0.5 ? int(floor(c)) : int(round(c));
  else if (NEAREST == 1)
    i = c == floor(c) + 0.5 ? int(ceil(c)) : int(round(c));
  else if (NEAREST == 2)
    i = int(floor(c));
  else
    i = int(ceil(c));
  return clamp(i, 0, int(len) - 1);
}

// Four cubic weights for neighbours floor(c) - 1 .. floor(c) + 2.
void cubic_weights(float c, uint len, out int i0, out vec4 wts)
{
  float f = floor(c);
  float t = c - f;
  float A = p.cubic_a;
  float d0 = t + 1.0, d1 = t, d2 = 1.0 - t, d3 = 2.0 - t;
  wts.x = ((A * d0 - 5.0 * A) * d0 + 8.0 * A) * d0 - 4.0 * A;
  wts.y = ((A + 2.0) * d1 - (A + 3.0)) * d1 * d1 + 1.0;
  wts.z = ((A + 2.0) * d2 - (A + 3.0)) * d2 * d2 + 1.0;
  wts.w = ((A * d3 - 5.0 * A) * d3 + 8.0 * A) * d3 - 4.0 * A;
  i0 = int(f) - 1;
  if (EXCLUDE_OUTSIDE)
    {
      for (int k = 0; k < 4; k++)
        if (i0 + k < 0 || i0 + k >= int(len))
          wts[k] = 0.0;
      wts /= (wts.x + wts.y + wts.z + wts.w);
    }
}

void main()
{
  uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64;
  if (i >= p.planes * p.OH * p.OW)
    return;
  uint ox = i % p.OW;
  uint oy = (i / p.OW) % p.OH;
  uint base = (i / (p.OW * p.OH)) * p.H * p.W;
  float cy = source_coord(oy, p.scale_y, p.H, p.OH, p.roi_y0, p.roi_y1);
  float cx = source_coord(ox, p.scale_x, p.W, p.OW, p.roi_x0, p.roi_x1);
  float v = 0.0;

  if (CTM == CTM_TF_CROP_AND_RESIZE &&
      (cy < 0.0 || cy > float(p.H - 1) || cx < 0.0 || cx > float(p.W - 1)))
    {
      y[i] = sfloat(p.extrapolation);
      return;
    }

  if (MODE == 0)
    {
      v = float(x[base + uint(nearest_index(cy, p.H)) * p.W + uint(nearest_index(cx, p.W))]);
    }
  else if (MODE == 1)
    {
      // Linear sampling clamps the position to the image, then blends.
      cy = clamp(cy, 0.0, float(p.H - 1));
      cx = clamp(cx, 0.0, float(p.W - 1));
      int y0 = int(floor(cy)), x0 = int(floor(cx));
      int y1 = min(y0 + 1, int(p.H) - 1), x1 = min(x0 + 1, int(p.W) - 1);
      float ty = cy - float(y0), tx = cx - float(x0);
      float a = float(x[base + uint(y0) * p.W + uint(x0)]);
      float b = float(x[base + uint(y0) * p.W + uint(x1)]);
      float c = float(x[base + uint(y1) * p.W + uint(x0)]);
      float d = float(x[base + uint(y1) * p.W + uint(x1)]);
      v = mix(mix(a, b, tx), mix(c, d, tx), ty);
    }
  else
    {
      int y0, x0;
      vec4 wy, wx;
      cubic_weights(cy, p.H, y0, wy);
      cubic_weights(cx, p.W, x0, wx);
      for (int ky = 0; ky < 4; ky++)
        {
          uint yy = uint(clamp(y0 + ky, 0, int(p.H) - 1));
          float row = 0.0;
          for (int kx = 0; kx < 4; kx++)
            row += wx[kx] * float(x[base + yy * p.W + uint(clamp(x0 + kx, 0, int(p.W) - 1))]);
          v += wy[ky] * row;
        }
    }
  y[i] = sfloat(v);
}
