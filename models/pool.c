/* models/pool: 2x2 max pooling, one [H, W] plane at a time, in AVX-512, AVX2 and portable C (the
 * reference functions, one plane at a time). */
#include "models/pool.h"

#include <stddef.h>

#include "models/isa.h"
#include "models/reference/reference.h"

#if defined(__x86_64__)
#include "models/simd_avx512.inc"
#include "models/pool_simd.inc"
#include "models/simd_end.inc"

#include "models/simd_avx2.inc"
#include "models/pool_simd.inc"
#include "models/simd_end.inc"
#endif

static void maxpool_plane_c(float *dst, const float *src, int H, int W)
{
    maxpool2_forward_ref(dst, src, 1, 1, H, W);
}

static void maxpool_grad_plane_c(float *dst, const float *g, const float *src, int H, int W)
{
    maxpool2_backward_ref(dst, g, src, 1, 1, H, W);
}

typedef void (*PlaneFn)(float *dst, const float *src, int H, int W);
typedef void (*GradPlaneFn)(float *dst, const float *g, const float *src, int H, int W);

static const PlaneFn plane_variants[ISA_COUNT] =
    ISA_VARIANTS(maxpool_plane_c, maxpool_plane_avx2, maxpool_plane_avx512);
static const GradPlaneFn grad_plane_variants[ISA_COUNT] =
    ISA_VARIANTS(maxpool_grad_plane_c, maxpool_grad_plane_avx2, maxpool_grad_plane_avx512);

void maxpool2_forward(float *out, const float *in, int B, int C, int H, int W)
{
    const size_t in_plane = (size_t)H * W, out_plane = (size_t)(H / 2) * (W / 2);
    const PlaneFn plane = plane_variants[isa_active()];
    for (int p = 0; p < B * C; p++)
        plane(out + p * out_plane, in + p * in_plane, H, W);
}

void maxpool2_backward(float *din, const float *dout, const float *in, int B, int C, int H, int W)
{
    const size_t in_plane = (size_t)H * W, out_plane = (size_t)(H / 2) * (W / 2);
    const GradPlaneFn plane = grad_plane_variants[isa_active()];
    for (int p = 0; p < B * C; p++)
        plane(din + p * in_plane, dout + p * out_plane, in + p * in_plane, H, W);
}
