// Shared by the temporal pass's shaders (temporal_*.comp): the push-constant
// block, the per-frame parameters and sampling of the reduced luma pyramid.
//
// The pass keeps two slots of everything that must outlive a frame (the luma
// pyramid, the stabilized RGB frame) and alternates between them by the
// parity the host writes each frame, so that the command buffer, recorded
// once, never copies a frame from one buffer to another.

layout(push_constant) uniform P {
  uvec4 size;      // tensor width, height; frame width, height
  uvec4 info;      // reduction factor, pyramid levels, this dispatch's level, floats in one pyramid slot
  uvec4 level[6];  // per level: width, height, offset (floats) in a slot, 0
} p;

// Written by the host before each run except where noted; the GPU writes
// the scene-cut fields for the host to read back.
struct Params {
  float stability;   // 0..1: 0 leaves the network's output untouched
  uint  parity;      // the slot this frame writes; the previous frame is in the other
  uint  history;     // 0: the other slot holds no previous frame
  float max_weight;  // the weight of the previous frame where the flow is sure, at this stability
  float cut_mad;     // scene cut: mean absolute luma change above this (0..255)
  float cut_unsure;  // scene cut: share of unsure pixels above this
  float sigma_luma;  // luma change (0..255) at which confidence falls to 1/e
  float fb_rel;      // forward-backward tolerance: relative part
  float fb_abs;      // forward-backward tolerance: absolute part, reduced pixels squared
  float mad;         // GPU: mean absolute luma change from the previous frame
  float unsure;      // GPU: share of pixels whose flow is unsure
  uint  cut;         // GPU: 1 when this frame starts a new shot
  float adapt;       // how much a change (squared, against the local contrast) lowers the weight
};

// Whether the flow and the blend have anything to do this frame.
bool temporal_active(Params q)
{
  return q.history != 0u && q.stability > 0.0;
}

uint slot_base(uint slot)
{
  return slot * p.info.w;
}
