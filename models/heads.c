/* models/heads: the fast softmax cross-entropy head (AVX-512, rows in blocks, a polynomial exp
 * over groups of vectors); its definition, and the sigmoid head, are in models/reference/heads.c.
 * Per-image work in double, as the reference. */
#include "models/heads.h"

#include <math.h>
#include <stddef.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "models/isa.h"
#include "models/reference/reference.h"

#if defined(__x86_64__)
/* exp(x) in place for G vectors of 8 doubles at x (64-byte aligned), within 2 ulp of libm's:
 * x = n ln2 + r with |r| <= ln2/2 (ln2 in two parts, the first with trailing zeros so that n ln2_hi
 * is exact), exp(r) from its Taylor series to r^13 (truncation below 1e-17), and the 2^n applied by
 * scalef, which underflows to 0 as exp does. NaN stays NaN. The G polynomial chains are
 * independent and interleaved: one chain alone waits out each step's latency (33 ns a softmax row
 * one vector at a time, 18 ns four at a time). 10 libm calls per image had been a third of
 * softmax's loss and a sixth of its step. */
__attribute__((target("avx512f"), always_inline)) static inline void exp_group(double *x,
                                                                               const int G)
{
    static const double inv_factorial[14] = {
        1.0, 1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040, 1.0 / 40320,
        1.0 / 362880, 1.0 / 3628800, 1.0 / 39916800, 1.0 / 479001600, 1.0 / 6227020800.0,
    };
    __m512d r[4], n[4], p[4];
#pragma GCC unroll 4
    for (int q = 0; q < G; q++) {
        __m512d t = _mm512_load_pd(x + q * 8);
        t = _mm512_max_pd(_mm512_set1_pd(-746.0), t);  /* exp is 0 below; keeps n in range */
        t = _mm512_min_pd(_mm512_set1_pd(710.0), t);   /* and inf above */
        n[q] = _mm512_roundscale_pd(_mm512_mul_pd(t, _mm512_set1_pd(1.4426950408889634)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        r[q] = _mm512_fnmadd_pd(n[q], _mm512_set1_pd(6.93147180369123816490e-01), t);
        r[q] = _mm512_fnmadd_pd(n[q], _mm512_set1_pd(1.90821492927058770002e-10), r[q]);
        p[q] = _mm512_set1_pd(inv_factorial[13]);
    }
#pragma GCC unroll 13
    for (int k = 12; k >= 0; k--)
#pragma GCC unroll 4
        for (int q = 0; q < G; q++)
            p[q] = _mm512_fmadd_pd(p[q], r[q], _mm512_set1_pd(inv_factorial[k]));
#pragma GCC unroll 4
    for (int q = 0; q < G; q++)
        _mm512_store_pd(x + q * 8, _mm512_scalef_pd(p[q], n[q]));
}

/* exp of the n vectors of 8 doubles at x (64-byte aligned), in place, four at a time. */
__attribute__((target("avx512f"))) static void exp_avx512_many(double *x, int n)
{
    int v = 0;
    for (; v + 4 <= n; v += 4)
        exp_group(x + v * 8, 4);
    for (; v < n; v++)
        exp_group(x + v * 8, 1);
}

/* Two vectors of 8 doubles as one of 16 floats. */
__attribute__((target("avx512f"))) static __m512 to_floats(__m512d lo, __m512d hi)
{
    __m512d both = _mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(_mm512_cvtpd_ps(lo))),
                                      _mm256_castps_pd(_mm512_cvtpd_ps(hi)), 1);
    return _mm512_castpd_ps(both);
}

/* The index of the first largest of z[0..K-1] (K <= 16), as the scalar loop finds it, without its
 * unpredictable branches; -1 when no lane equals the maximum (a NaN among them). */
__attribute__((target("avx512f"))) static int row_argmax_avx512(const float *z, int K)
{
    const __mmask16 valid = (__mmask16)((1u << K) - 1u);
    __m512 zs = _mm512_maskz_loadu_ps(valid, z);
    float zmax = _mm512_mask_reduce_max_ps(valid, zs);
    unsigned at = _mm512_mask_cmp_ps_mask(valid, zs, _mm512_set1_ps(zmax), _CMP_EQ_OQ);
    return at ? __builtin_ctz(at) : -1;
}

/* softmax_ce for K <= 16, rows in blocks: the shifted logits z - max of a block's rows first (two
 * vectors of 8 doubles a row), then all their exps at once -- independent, so they overlap instead
 * of each row waiting out its own 13-step polynomial -- then each row's sum, probabilities and
 * gradient. The same operations in the same order per row as one row at a time. */
__attribute__((target("avx512f"))) static double softmax_ce_avx512(const float *logits,
                                                                   const int *y, int B, int K,
                                                                   float *dlogits, float *probs,
                                                                   int *pred)
{
    enum { ROWS = 32 };
    double shifted[ROWS * 16] __attribute__((aligned(64)));
    float zmax[ROWS];
    const __mmask16 valid = (__mmask16)((1u << K) - 1u);
    const __mmask8 vlo = (__mmask8)(valid & 0xFF), vhi = (__mmask8)(valid >> 8);
    const int vecs = K <= 8 ? 1 : 2;                   /* vectors of 8 a row holds */
    const __m512d inv_b = _mm512_set1_pd(1.0 / B), one = _mm512_set1_pd(1.0);
    double total = 0.0;
    for (int i0 = 0; i0 < B; i0 += ROWS) {
        const int rows = B - i0 < ROWS ? B - i0 : ROWS;
        for (int r = 0; r < rows; r++) {
            const float *z = logits + (size_t)(i0 + r) * K;
            int best = row_argmax_avx512(z, K);
            if (best < 0) {                            /* a NaN: the scalar loop's answer */
                best = 0;
                for (int k = 1; k < K; k++)
                    if (z[k] > z[best])
                        best = k;
            }
            if (pred)
                pred[i0 + r] = best;
            zmax[r] = z[best];
            const __m512 zs = _mm512_maskz_loadu_ps(valid, z);
            const __m512d m = _mm512_set1_pd((double)zmax[r]);
            _mm512_store_pd(shifted + r * 16,
                            _mm512_sub_pd(_mm512_cvtps_pd(_mm512_castps512_ps256(zs)), m));
            _mm512_store_pd(shifted + r * 16 + 8,
                            _mm512_sub_pd(_mm512_cvtps_pd(_mm256_castpd_ps(
                                              _mm512_extractf64x4_pd(_mm512_castps_pd(zs), 1))),
                                          m));
        }
        if (vecs == 2) {
            exp_avx512_many(shifted, 2 * rows);
        } else {                                       /* rows use their first vector only */
            for (int r = 0; r < rows; r++)
                _mm512_store_pd(shifted + r * 8, _mm512_load_pd(shifted + r * 16));
            exp_avx512_many(shifted, rows);
            for (int r = rows - 1; r >= 0; r--)
                _mm512_store_pd(shifted + r * 16, _mm512_load_pd(shifted + r * 8));
        }
        for (int r = 0; r < rows; r++) {
            const int i = i0 + r;
            __m512d lo = _mm512_maskz_mov_pd(vlo, _mm512_load_pd(shifted + r * 16));
            __m512d hi = vecs == 2 ? _mm512_maskz_mov_pd(vhi, _mm512_load_pd(shifted + r * 16 + 8))
                                   : _mm512_setzero_pd();
            const double sum = _mm512_reduce_add_pd(_mm512_add_pd(lo, hi));
            const __m512d inv = _mm512_set1_pd(1.0 / sum);
            lo = _mm512_mul_pd(lo, inv);                   /* p = exp(z - max) / sum */
            hi = _mm512_mul_pd(hi, inv);
            if (probs)
                _mm512_mask_storeu_ps(probs + (size_t)i * K, valid, to_floats(lo, hi));
            if (dlogits) {                                 /* (p - onehot(y)) / B */
                const __mmask8 ylo = (__mmask8)(y[i] < 8 ? 1u << y[i] : 0);
                const __mmask8 yhi = (__mmask8)(y[i] >= 8 ? 1u << (y[i] - 8) : 0);
                __m512d glo = _mm512_mul_pd(_mm512_mask_sub_pd(lo, ylo, lo, one), inv_b);
                __m512d ghi = _mm512_mul_pd(_mm512_mask_sub_pd(hi, yhi, hi, one), inv_b);
                _mm512_mask_storeu_ps(dlogits + (size_t)i * K, valid, to_floats(glo, ghi));
            }
            total += zmax[r] + log(sum) - logits[(size_t)i * K + y[i]];
        }
    }
    return total / B;
}
#endif

/* The AVX-512 variant covers the heads here (K <= 16); other widths take the reference loop. */
#if defined(__x86_64__)
static double softmax_ce_avx512_or_ref(const float *logits, const int *y, int B, int K,
                                       float *dlogits, float *probs, int *pred)
{
    if (K <= 16)
        return softmax_ce_avx512(logits, y, B, K, dlogits, probs, pred);
    return softmax_ce_ref(logits, y, B, K, dlogits, probs, pred);
}
#endif

typedef double (*SoftmaxFn)(const float *logits, const int *y, int B, int K, float *dlogits,
                            float *probs, int *pred);
static const SoftmaxFn softmax_variants[ISA_COUNT] =
    ISA_VARIANTS(softmax_ce_ref, softmax_ce_ref, softmax_ce_avx512_or_ref);

double softmax_ce(const float *logits, const int *y, int B, int K,
                  float *dlogits, float *probs, int *pred)
{
    return softmax_variants[isa_active()](logits, y, B, K, dlogits, probs, pred);
}
