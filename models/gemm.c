/* models/gemm: blocked matrix products for the layer kit, in AVX-512, AVX2 + FMA and portable C.
 * The SIMD kernels are one source (gemm_simd.inc) included once per instruction set with that set's
 * vector vocabulary (simd_<isa>.inc); each carries a target attribute, so the portable -O2 build
 * contains all of them, and models/isa picks the variant. OpenBLAS (0.3.21, which drives Zen 4/5
 * with its Haswell AVX2 kernels) reached 30-55 GFLOP/s on the conv shapes here where the AVX-512
 * tiles reach 100-115. */
#include "models/gemm.h"

#include <stdint.h>
#include <string.h>

#include "models/isa.h"

/* Tiles of at most 12 rows; bias pointers follow the block being computed. */
#define MR_MAX 12

/* The bias (or P, GEMM_ZERO_WHERE_POSITIVE) of the block starting at row i, or at column j */
static inline const float *bias_at(GemmInit init, const float *bias, int i, ptrdiff_t ldc)
{
    return init == GEMM_ROW_BIAS              ? bias + i
           : init == GEMM_ZERO_WHERE_POSITIVE ? bias + i * ldc
                                              : bias;
}

static inline const float *bias_at_col(GemmInit init, const float *bias, int j)
{
    return init == GEMM_COL_BIAS || init == GEMM_COL_BIAS_RELU || init == GEMM_ZERO_WHERE_POSITIVE
               ? bias + j : bias;
}

/* v when keep, else +0, without a branch: a ReLU's signs are a coin toss, and a mispredicted
 * branch per element made a dense layer's forward 1.5x slower (measured). */
static inline float keep_or_zero(int keep, float v)
{
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);
    bits &= 0u - (uint32_t)keep;
    memcpy(&v, &bits, sizeof v);
    return v;
}

/* The ReLU folded into a store: v where it (COL_BIAS_RELU) or P's element at (ZERO_WHERE_POSITIVE,
 * P = bias) is positive, +0 elsewhere; v itself for the other inits. */
static inline float finish_value(GemmInit init, float v, const float *bias, ptrdiff_t at)
{
    if (init == GEMM_COL_BIAS_RELU)
        return keep_or_zero(v > 0.0f, v);
    if (init == GEMM_ZERO_WHERE_POSITIVE)
        return keep_or_zero(bias[at] > 0.0f, v);
    return v;
}

#define nt_bias bias_at_col

#if defined(__x86_64__)
#include "models/simd_avx512.inc"
#include "models/gemm_simd.inc"
#include "models/simd_end.inc"

#include "models/simd_avx2.inc"
#include "models/gemm_simd.inc"
#include "models/simd_end.inc"
#endif

/* ---- portable C: the same definitions, one element at a time ---- */

static float start_value(GemmInit init, const float *c, const float *bias, int i, int j)
{
    switch (init) {
    case GEMM_ACCUMULATE: return *c;
    case GEMM_ROW_BIAS: return bias[i];
    case GEMM_COL_BIAS:
    case GEMM_COL_BIAS_RELU: return bias[j];
    default: return 0.0f;
    }
}

static void gemm_nn_c(int M, int N, int K, const float *a, ptrdiff_t rsa, ptrdiff_t csa,
                      const float *b, ptrdiff_t ldb, const ptrdiff_t *brow, float *c, ptrdiff_t ldc,
                      GemmInit init, const float *bias)
{
    for (int i = 0; i < M; i++) {
        float *row = c + i * ldc;
        for (int j = 0; j < N; j++)
            row[j] = start_value(init, row + j, bias, i, j);
        /* k outermost for this row: each element still sums k = 0, 1, ... in order */
        for (int k = 0; k < K; k++) {
            const float aik = a[i * rsa + k * csa], *bk = brow ? b + brow[k] : b + k * ldb;
            for (int j = 0; j < N; j++)
                row[j] += aik * bk[j];
        }
        for (int j = 0; j < N; j++)
            row[j] = finish_value(init, row[j], bias, i * ldc + j);
    }
}

static void gemm_nt_c(int G, ptrdiff_t a_step, ptrdiff_t b_step, int M, int N, int K,
                      const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb,
                      const ptrdiff_t *brow, float *c, ptrdiff_t ldc, GemmInit init,
                      const float *bias)
{
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            float s = 0.0f;
            for (int g = 0; g < G; g++) {
                const float *ai = a + g * a_step + i * lda;
                const float *bj = b + g * b_step + (brow ? brow[j] : j * ldb);
                for (int k = 0; k < K; k++)
                    s += ai[k] * bj[k];
            }
            c[i * ldc + j] = finish_value(init, start_value(init, c + i * ldc + j, bias, i, j) + s,
                                          bias, i * ldc + j);
        }
}

typedef void (*NnFn)(int M, int N, int K, const float *a, ptrdiff_t rsa, ptrdiff_t csa,
                     const float *b, ptrdiff_t ldb, const ptrdiff_t *brow, float *c, ptrdiff_t ldc,
                     GemmInit init, const float *bias);
typedef void (*NtFn)(int G, ptrdiff_t a_step, ptrdiff_t b_step, int M, int N, int K,
                     const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb,
                     const ptrdiff_t *brow, float *c, ptrdiff_t ldc, GemmInit init,
                     const float *bias);

static const NnFn nn_variants[ISA_COUNT] = ISA_VARIANTS(gemm_nn_c, gemm_nn_avx2, gemm_nn_avx512);
static const NtFn nt_variants[ISA_COUNT] = ISA_VARIANTS(gemm_nt_c, gemm_nt_avx2, gemm_nt_avx512);

void gemm_nn(int M, int N, int K, const float *a, ptrdiff_t rsa, ptrdiff_t csa,
             const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc, GemmInit init, const float *bias)
{
    if (M > 0 && N > 0)
        nn_variants[isa_active()](M, N, K, a, rsa, csa, b, ldb, NULL, c, ldc, init, bias);
}

void gemm_nn_gather(int M, int N, int K, const float *a, ptrdiff_t rsa, ptrdiff_t csa,
                    const float *b, const ptrdiff_t *brow, float *c, ptrdiff_t ldc, GemmInit init,
                    const float *bias)
{
    if (M > 0 && N > 0)
        nn_variants[isa_active()](M, N, K, a, rsa, csa, b, 0, brow, c, ldc, init, bias);
}

void gemm_nt(int M, int N, int K, const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb,
             float *c, ptrdiff_t ldc, GemmInit init, const float *bias)
{
    if (M > 0 && N > 0)
        nt_variants[isa_active()](1, 0, 0, M, N, K, a, lda, b, ldb, NULL, c, ldc, init, bias);
}

void gemm_nt_gather(int G, ptrdiff_t a_step, ptrdiff_t b_step, int M, int N, int K,
                    const float *a, ptrdiff_t lda, const float *b, const ptrdiff_t *brow, float *c,
                    ptrdiff_t ldc, GemmInit init, const float *bias)
{
    if (M > 0 && N > 0)
        nt_variants[isa_active()](G, a_step, b_step, M, N, K, a, lda, b, 0, brow, c, ldc, init,
                                  bias);
}
