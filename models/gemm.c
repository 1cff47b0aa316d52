/* models/gemm: blocked matrix products for the layer kit, in AVX-512, AVX2 + FMA and portable C.
 * The SIMD kernels are one source (gemm_simd.inc) included once per instruction set with that set's
 * vector operations; each carries a target attribute, so the portable -O2 build contains all of them
 * and picks the widest the CPU reports. OpenBLAS (0.3.21, which drives Zen 4/5 with its Haswell AVX2
 * kernels) reached 30-55 GFLOP/s on the conv shapes here where the AVX-512 tiles reach 100-115. */
#include "models/gemm.h"

#include "models/isa.h"

#if defined(__x86_64__) || defined(__i386__)
#define GEMM_X86 1
#include <immintrin.h>
#else
#define GEMM_X86 0
#endif

/* Tiles of at most 12 rows; bias pointers follow the block being computed. */
#define MR_MAX 12

/* clang's sanitizers instrument every index and branch of the fully unrolled tiles and then need
 * minutes and gigabytes to compile this file (gcc: seconds); the builds that use clang (make fuzz)
 * leave these kernels uninstrumented. They run instrumented in gcc's SANITIZE=1 build. */
#if defined(__clang__)
#define NO_SANITIZERS __attribute__((no_sanitize("undefined", "address")))
#else
#define NO_SANITIZERS
#endif

static inline const float *bias_at(GemmInit init, const float *bias, int i)
{
    return init == GEMM_ROW_BIAS ? bias + i : bias;
}

static inline const float *bias_at_col(GemmInit init, const float *bias, int j)
{
    return init == GEMM_COL_BIAS ? bias + j : bias;
}

#define nt_bias bias_at_col

#if GEMM_X86
/* ---- AVX-512: 16 lanes, 32 registers: tiles of 6 x 64 or 12 x 32 floats (24 accumulators) ---- */
#define SFX(name) name##_avx512
#define TARGET __attribute__((target("avx512f"))) NO_SANITIZERS
#define V __m512
#define VW 16
#define M_T __mmask16
#define VLOAD(p) _mm512_loadu_ps(p)
#define VSTORE(p, v) _mm512_storeu_ps(p, v)
#define VLOADM(p, m) _mm512_maskz_loadu_ps(m, p)
#define VSTOREM(p, m, v) _mm512_mask_storeu_ps(p, m, v)
#define VSET1(x) _mm512_set1_ps(x)
#define VZERO() _mm512_setzero_ps()
#define VFMA(a, b, acc) _mm512_fmadd_ps(a, b, acc)
#define VADD(a, b) _mm512_add_ps(a, b)
#define VHSUM(v) _mm512_reduce_add_ps(v)
#define VMASK(n) ((__mmask16)((1u << (n)) - 1u))
#define C_T __mmask16
#define VGT(x, y) _mm512_cmp_ps_mask(x, y, _CMP_GT_OQ)
#define VBLEND(c, x, y) _mm512_mask_blend_ps(c, x, y)
#define VCOR(p, q) ((__mmask16)((p) | (q)))
#define VCANDNOT(p, q) ((__mmask16)(~(p) & (q)))
#define VKEEP(c, v) _mm512_maskz_mov_ps(c, v)
#define VKEEP_NOT(c, v) _mm512_maskz_mov_ps((__mmask16)~(c), v)
#define VDEINTERLEAVE(a, b, even, odd)                                                             \
    ((even) = _mm512_permutex2var_ps(a, _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20,  \
                                                           22, 24, 26, 28, 30), b),                \
     (odd) = _mm512_permutex2var_ps(a, _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21,   \
                                                          23, 25, 27, 29, 31), b))
#define VINTERLEAVE(even, odd, a, b)                                                               \
    ((a) = _mm512_permutex2var_ps(even, _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5,   \
                                                           21, 6, 22, 7, 23), odd),                \
     (b) = _mm512_permutex2var_ps(even, _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28,   \
                                                           13, 29, 14, 30, 15, 31), odd))
#define NV_BIG 4
#define MR_BIG(nv) ((nv) == 4 ? 6 : 12)
#define NT_MR_BIG 6
#include "models/gemm_simd.inc"   /* which #undefs every macro above */

/* ---- AVX2 + FMA: 8 lanes, 16 registers: tiles of 6 x 16 or 12 x 8 floats (12 accumulators) ---- */
__attribute__((target("avx2,fma"))) static inline float hsum_avx2(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

__attribute__((target("avx2,fma"))) static inline __m256i mask_avx2(int n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

#define SFX(name) name##_avx2
#define TARGET __attribute__((target("avx2,fma"))) NO_SANITIZERS
#define V __m256
#define VW 8
#define M_T __m256i
#define VLOAD(p) _mm256_loadu_ps(p)
#define VSTORE(p, v) _mm256_storeu_ps(p, v)
#define VLOADM(p, m) _mm256_maskload_ps(p, m)
#define VSTOREM(p, m, v) _mm256_maskstore_ps(p, m, v)
#define VSET1(x) _mm256_set1_ps(x)
#define VZERO() _mm256_setzero_ps()
#define VFMA(a, b, acc) _mm256_fmadd_ps(a, b, acc)
#define VADD(a, b) _mm256_add_ps(a, b)
#define VHSUM(v) hsum_avx2(v)
#define VMASK(n) mask_avx2(n)
#define C_T __m256
#define VGT(x, y) _mm256_cmp_ps(x, y, _CMP_GT_OQ)
#define VBLEND(c, x, y) _mm256_blendv_ps(x, y, c)
#define VCOR(p, q) _mm256_or_ps(p, q)
#define VCANDNOT(p, q) _mm256_andnot_ps(p, q)
#define VKEEP(c, v) _mm256_and_ps(c, v)
#define VKEEP_NOT(c, v) _mm256_andnot_ps(c, v)
/* 64-bit lane order (0, 2, 1, 3) undoes shuffle_ps's per-128-bit-half result */
#define VDEINTERLEAVE(a, b, even, odd)                                                             \
    ((even) = _mm256_castpd_ps(_mm256_permute4x64_pd(                                              \
         _mm256_castps_pd(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0))), 0xD8)),              \
     (odd) = _mm256_castpd_ps(_mm256_permute4x64_pd(                                               \
         _mm256_castps_pd(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1))), 0xD8)))
#define VINTERLEAVE(even, odd, a, b)                                                               \
    ((a) = _mm256_permute2f128_ps(_mm256_unpacklo_ps(even, odd), _mm256_unpackhi_ps(even, odd),    \
                                  0x20),                                                           \
     (b) = _mm256_permute2f128_ps(_mm256_unpacklo_ps(even, odd), _mm256_unpackhi_ps(even, odd),    \
                                  0x31))
#define NV_BIG 2
#define MR_BIG(nv) ((nv) == 2 ? 6 : 12)
#define NT_MR_BIG 4
#include "models/gemm_simd.inc"   /* which #undefs every macro above */
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

static void rows_move_c(RowsMode mode, int rows, int len, const float *src, ptrdiff_t sld,
                        float *dst, ptrdiff_t dld, const float *mask, ptrdiff_t mld)
{
    for (int r = 0; r < rows; r++, src += sld, dst += dld, mask += mld)
        for (int x = 0; x < len; x++)
            switch (mode) {
            case ROWS_ADD: dst[x] += src[x]; break;
            case ROWS_RELU: dst[x] = src[x] > 0.0f ? src[x] : 0.0f; break;
            case ROWS_WHERE_POSITIVE: dst[x] = mask[x] > 0.0f ? src[x] : 0.0f; break;
            default: dst[x] = src[x];
            }
}

static void nn_dispatch(int M, int N, int K, const float *a, ptrdiff_t rsa, ptrdiff_t csa,
                        const float *b, ptrdiff_t ldb, const ptrdiff_t *brow, float *c,
                        ptrdiff_t ldc, GemmInit init, const float *bias)
{
    if (M <= 0 || N <= 0)
        return;
    switch (isa_active()) {
#if GEMM_X86
    case ISA_AVX512:
        gemm_nn_avx512(M, N, K, a, rsa, csa, b, ldb, brow, c, ldc, init, bias);
        return;
    case ISA_AVX2:
        gemm_nn_avx2(M, N, K, a, rsa, csa, b, ldb, brow, c, ldc, init, bias);
        return;
#endif
    default:
        gemm_nn_c(M, N, K, a, rsa, csa, b, ldb, brow, c, ldc, init, bias);
    }
}

static void nt_dispatch(int G, ptrdiff_t a_step, ptrdiff_t b_step, int M, int N, int K,
                        const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb,
                        const ptrdiff_t *brow, float *c, ptrdiff_t ldc, GemmInit init,
                        const float *bias)
{
    if (M <= 0 || N <= 0)
        return;
    switch (isa_active()) {
#if GEMM_X86
    case ISA_AVX512:
        gemm_nt_avx512(G, a_step, b_step, M, N, K, a, lda, b, ldb, brow, c, ldc, init, bias);
        return;
    case ISA_AVX2:
        gemm_nt_avx2(G, a_step, b_step, M, N, K, a, lda, b, ldb, brow, c, ldc, init, bias);
        return;
#endif
    default:
        gemm_nt_c(G, a_step, b_step, M, N, K, a, lda, b, ldb, brow, c, ldc, init, bias);
    }
}

void gemm_nn(int M, int N, int K, const float *a, ptrdiff_t rsa, ptrdiff_t csa,
             const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc, GemmInit init, const float *bias)
{
    nn_dispatch(M, N, K, a, rsa, csa, b, ldb, NULL, c, ldc, init, bias);
}

void gemm_nn_gather(int M, int N, int K, const float *a, ptrdiff_t rsa, ptrdiff_t csa,
                    const float *b, const ptrdiff_t *brow, float *c, ptrdiff_t ldc, GemmInit init,
                    const float *bias)
{
    nn_dispatch(M, N, K, a, rsa, csa, b, 0, brow, c, ldc, init, bias);
}

void gemm_nt(int M, int N, int K, const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb,
             float *c, ptrdiff_t ldc, GemmInit init, const float *bias)
{
    nt_dispatch(1, 0, 0, M, N, K, a, lda, b, ldb, NULL, c, ldc, init, bias);
}

void gemm_nt_gather(int G, ptrdiff_t a_step, ptrdiff_t b_step, int M, int N, int K,
                    const float *a, ptrdiff_t lda, const float *b, const ptrdiff_t *brow, float *c,
                    ptrdiff_t ldc, GemmInit init, const float *bias)
{
    nt_dispatch(G, a_step, b_step, M, N, K, a, lda, b, 0, brow, c, ldc, init, bias);
}

static void maxpool_plane_c(float *dst, const float *src, int H, int W)
{
    const int OH = H / 2, OW = W / 2;
    for (int oy = 0; oy < OH; oy++)
        for (int ox = 0; ox < OW; ox++) {
            const float *p = src + (size_t)(2 * oy) * W + 2 * ox;
            float best = p[0];
            best = p[1] > best ? p[1] : best;
            best = p[W] > best ? p[W] : best;
            best = p[W + 1] > best ? p[W + 1] : best;
            dst[oy * OW + ox] = best;
        }
}

static void maxpool_grad_plane_c(float *dst, const float *g, const float *src, int H, int W)
{
    const int OH = H / 2, OW = W / 2;
    for (size_t i = 0; i < (size_t)H * W; i++)
        dst[i] = 0.0f;
    for (int oy = 0; oy < OH; oy++)
        for (int ox = 0; ox < OW; ox++) {
            const size_t corner = (size_t)(2 * oy) * W + 2 * ox;
            const size_t offs[4] = {0, 1, (size_t)W, (size_t)W + 1};
            int k = 0;
            for (int j = 1; j < 4; j++)
                if (src[corner + offs[j]] > src[corner + offs[k]])
                    k = j;
            dst[corner + offs[k]] = g[oy * OW + ox];
        }
}

void rows_move(RowsMode mode, int rows, int len, const float *src, ptrdiff_t sld, float *dst,
               ptrdiff_t dld, const float *mask, ptrdiff_t mld)
{
    if (rows <= 0 || len <= 0)
        return;
    if (!mask)
        mask = src, mld = sld;              /* read by no mode but ROWS_WHERE_POSITIVE */
    switch (isa_active()) {
#if GEMM_X86
    case ISA_AVX512:
        rows_move_avx512(mode, rows, len, src, sld, dst, dld, mask, mld);
        return;
    case ISA_AVX2:
        rows_move_avx2(mode, rows, len, src, sld, dst, dld, mask, mld);
        return;
#endif
    default:
        rows_move_c(mode, rows, len, src, sld, dst, dld, mask, mld);
    }
}

void rows_copy_relu(int rows, int len, const float *src, ptrdiff_t sld, float *dst,
                    float *relu_dst, ptrdiff_t dld)
{
    if (rows <= 0 || len <= 0)
        return;
    switch (isa_active()) {
#if GEMM_X86
    case ISA_AVX512:
        rows_copy_relu_avx512(rows, len, src, sld, dst, relu_dst, dld);
        return;
    case ISA_AVX2:
        rows_copy_relu_avx2(rows, len, src, sld, dst, relu_dst, dld);
        return;
#endif
    default:
        rows_move_c(ROWS_COPY, rows, len, src, sld, dst, dld, src, sld);
        rows_move_c(ROWS_RELU, rows, len, src, sld, relu_dst, dld, src, sld);
    }
}

void rows_copy(int rows, int len, const float *src, ptrdiff_t sld, float *dst, ptrdiff_t dld)
{
    rows_move(ROWS_COPY, rows, len, src, sld, dst, dld, NULL, 0);
}

void rows_add(int rows, int len, const float *src, ptrdiff_t sld, float *dst, ptrdiff_t dld)
{
    rows_move(ROWS_ADD, rows, len, src, sld, dst, dld, NULL, 0);
}

void maxpool_planes(float *dst, const float *src, int planes, int H, int W)
{
    const size_t in_plane = (size_t)H * W, out_plane = (size_t)(H / 2) * (W / 2);
    const Isa isa = isa_active();
    for (int p = 0; p < planes; p++, src += in_plane, dst += out_plane)
        switch (isa) {
#if GEMM_X86
        case ISA_AVX512: maxpool_plane_avx512(dst, src, H, W); break;
        case ISA_AVX2: maxpool_plane_avx2(dst, src, H, W); break;
#endif
        default: maxpool_plane_c(dst, src, H, W);
        }
}

void maxpool_grad_planes(float *dst, const float *g, const float *src, int planes, int H, int W)
{
    const size_t in_plane = (size_t)H * W, out_plane = (size_t)(H / 2) * (W / 2);
    const Isa isa = isa_active();
    for (int p = 0; p < planes; p++, src += in_plane, dst += in_plane, g += out_plane)
        switch (isa) {
#if GEMM_X86
        case ISA_AVX512: maxpool_grad_plane_avx512(dst, g, src, H, W); break;
        case ISA_AVX2: maxpool_grad_plane_avx2(dst, g, src, H, W); break;
#endif
        default: maxpool_grad_plane_c(dst, g, src, H, W);
        }
}
