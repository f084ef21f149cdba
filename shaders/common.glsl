// Shared by every compute shader. Storage and arithmetic types are macros so
// one source serves fp32 and fp16: sfloat is how tensors are stored, afloat
// how element-wise work is done. Sums over many terms (convolutions,
// reductions) always accumulate in fp32.
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require

#ifdef CS_FP16
#define sfloat float16_t
#define afloat float16_t
#else
#define sfloat float
#define afloat float
#endif

// Dispatches are two-dimensional so that large tensors stay within the
// guaranteed 65535 workgroups per axis.
uint cs_linear_id(uint local_size)
{
  return gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * local_size;
}
