// The epilogue fused into whatever produces a tensor: a nonlinearity, then
// an affine map, then a clamp. ACT picks the nonlinearity at pipeline
// creation so that the unused branches compile away.
#define CS_ACT_NONE 0
#define CS_ACT_RELU 1
#define CS_ACT_LEAKY_RELU 2
#define CS_ACT_CLIP 3
#define CS_ACT_SIGMOID 4
#define CS_ACT_TANH 5

struct CsEpilogue {
  float alpha;  // LeakyRelu slope
  float mul;    // applied after the nonlinearity
  float add;
  float lo;     // final clamp
  float hi;
};

float cs_epilogue(float v, uint act, CsEpilogue e)
{
  if (act == CS_ACT_RELU)
    v = max(v, 0.0);
  else if (act == CS_ACT_LEAKY_RELU)
    v = v < 0.0 ? v * e.alpha : v;
  else if (act == CS_ACT_SIGMOID)
    v = 1.0 / (1.0 + exp(-v));
  else if (act == CS_ACT_TANH)
    v = tanh(clamp(v, -15.0, 15.0));
  v = v * e.mul + e.add;
  return clamp(v, e.lo, e.hi);
}
