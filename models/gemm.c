/* models/gemm: blocked matrix products for the layer kit, in AVX-512, AVX2 + FMA and portable C.
 * The SIMD kernels are one source (gemm_simd.inc) included once per instruction set with that set's
 * vector vocabulary (simd_<isa>.inc); each carries a target attribute, so the portable -O2 build
 * contains all of them, and models/isa picks the variant. OpenBLAS (0.3.21, which drives Zen 4/5
 * with its Haswell AVX2 kernels) reached 30-55 GFLOP/s on the conv shapes here where the AVX-512
 * tiles reach 100-115. */
#include "models/gemm.h"

#include "models/isa.h"

/* Tiles of at most 12 rows; bias pointers follow the block being computed. */
#define MR_MAX 12

static inline const float *bias_at(GemmInit init, const float *bias, int i)
{
    return init == GEMM_ROW_BIAS ? bias + i : bias;
}

static inline const float *bias_at_col(GemmInit init, const float *bias, int j)
{
    return init == GEMM_COL_BIAS ? bias + j : bias;
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
    case GEMM_COL_BIAS: return bias[j];
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
            c[i * ldc + j] = start_value(init, c + i * ldc + j, bias, i, j) + s;
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
