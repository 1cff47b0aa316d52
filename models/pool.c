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

/* The portable variants of the pool that keeps its codes and of the backward that reads them: the
 * reference rule (window_argmax of models/reference/pool.c: a later corner wins only when strictly
 * greater), then relu_backward_ref's rule on the picked value. */
static void maxpool_codes_plane_c(float *dst, unsigned char *codes, const float *src,
                                  ptrdiff_t lds, int relu, int H, int W)
{
    const int OH = H / 2, OW = W / 2;
    const size_t row = pool_codes_row(W);
    for (int oy = 0; oy < OH; oy++)
        for (int ox = 0; ox < OW; ox++) {
            const float *p = src + (2 * oy) * lds + 2 * ox;
            float v[4] = {p[0], p[1], p[lds], p[lds + 1]};
            for (int j = 0; relu && j < 4; j++)
                v[j] = v[j] > 0.0f ? v[j] : 0.0f;      /* relu_forward_ref's rule */
            int k = 0;
            for (int j = 1; j < 4; j++)
                if (v[j] > v[k])
                    k = j;
            dst[(size_t)oy * OW + ox] = v[k];
            codes[oy * row + ox] = (unsigned char)(v[k] > 0.0f ? k : POOL_BLOCKED);
        }
}

static void relu_grad_codes_c(float *dst, ptrdiff_t ldd, const float *g, const unsigned char *codes,
                              int H, int W)
{
    const int OH = H / 2, OW = W / 2;
    const size_t row = pool_codes_row(W);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            dst[y * ldd + x] = 0.0f;
    for (int oy = 0; oy < OH; oy++)
        for (int ox = 0; ox < OW; ox++) {
            const int k = codes[oy * row + ox];
            if (k != POOL_BLOCKED)
                dst[(2 * oy + k / 2) * ldd + 2 * ox + k % 2] = g[(size_t)oy * OW + ox];
        }
}

typedef void (*PlaneFn)(float *dst, const float *src, int H, int W);
typedef void (*GradPlaneFn)(float *dst, const float *g, const float *src, int H, int W);
typedef void (*CodesPlaneFn)(float *dst, unsigned char *codes, const float *src, ptrdiff_t lds,
                             int relu, int H, int W);
typedef void (*GradCodesFn)(float *dst, ptrdiff_t ldd, const float *g, const unsigned char *codes,
                            int H, int W);

static const PlaneFn plane_variants[ISA_COUNT] =
    ISA_VARIANTS(maxpool_plane_c, maxpool_plane_avx2, maxpool_plane_avx512);
static const GradPlaneFn grad_plane_variants[ISA_COUNT] =
    ISA_VARIANTS(maxpool_grad_plane_c, maxpool_grad_plane_avx2, maxpool_grad_plane_avx512);
static const CodesPlaneFn codes_plane_variants[ISA_COUNT] =
    ISA_VARIANTS(maxpool_codes_plane_c, maxpool_codes_plane_avx2, maxpool_codes_plane_avx512);
static const GradCodesFn grad_codes_variants[ISA_COUNT] =
    ISA_VARIANTS(relu_grad_codes_c, relu_grad_codes_avx2, relu_grad_codes_avx512);

static void forward_codes(float *out, unsigned char *codes, const float *in, ptrdiff_t lds,
                          size_t in_plane, int relu, int C, int H, int W)
{
    const size_t out_plane = (size_t)(H / 2) * (W / 2), code_plane = pool_codes_size(1, H, W);
    const CodesPlaneFn plane = codes_plane_variants[isa_active()];
    for (int c = 0; c < C; c++)
        plane(out + c * out_plane, codes + c * code_plane, in + c * in_plane, lds, relu, H, W);
}

void maxpool2_forward_codes(float *out, unsigned char *codes, const float *in, int C, int H, int W)
{
    forward_codes(out, codes, in, W, (size_t)H * W, 0, C, H, W);
}

void maxpool2_relu_forward_codes(float *out, unsigned char *codes, const float *in, ptrdiff_t lds,
                                 size_t in_plane, int C, int H, int W)
{
    forward_codes(out, codes, in, lds, in_plane, 1, C, H, W);
}

void maxpool2_relu_backward_codes(float *dst, ptrdiff_t ldd, const float *g,
                                  const unsigned char *codes, int H, int W)
{
    grad_codes_variants[isa_active()](dst, ldd, g, codes, H, W);
}

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
