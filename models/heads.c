/* models/heads: softmax cross-entropy and sigmoid binary cross-entropy, with their gradients,
 * probabilities and predictions. Per-image work in double: K is small, and it keeps the mean loss
 * exact enough for finite-difference checks on float32 logits. */
#include "models/heads.h"

#include <math.h>
#include <stddef.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "models/gemm.h"

/* The sum of exp(z[k] - zmax) over k < K, in order; e[k] keeps each term when e is not NULL. */
static double exp_row(const float *z, int K, float zmax, double *e)
{
    double sum = 0.0;
    for (int k = 0; k < K; k++) {
        double ek = exp((double)z[k] - zmax);
        if (e)
            e[k] = ek;
        sum += ek;
    }
    return sum;
}

#if defined(__x86_64__)
/* exp(x) in 8 double lanes, within 2 ulp of libm's: x = n ln2 + r with |r| <= ln2/2 (ln2 in two
 * parts, the first with trailing zeros so that n ln2_hi is exact), exp(r) from its Taylor series to
 * r^13 (truncation below 1e-17), and the 2^n applied by scalef, which underflows to 0 as exp does.
 * NaN stays NaN. 10 libm calls per image were a third of softmax's loss and a sixth of its step. */
__attribute__((target("avx512f"))) static __m512d exp_avx512(__m512d x)
{
    static const double inv_factorial[14] = {
        1.0, 1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040, 1.0 / 40320,
        1.0 / 362880, 1.0 / 3628800, 1.0 / 39916800, 1.0 / 479001600, 1.0 / 6227020800.0,
    };
    x = _mm512_max_pd(_mm512_set1_pd(-746.0), x);      /* exp is 0 below; keeps n in range */
    x = _mm512_min_pd(_mm512_set1_pd(710.0), x);       /* and inf above */
    __m512d n = _mm512_roundscale_pd(_mm512_mul_pd(x, _mm512_set1_pd(1.4426950408889634)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512d r = _mm512_fnmadd_pd(n, _mm512_set1_pd(6.93147180369123816490e-01), x);
    r = _mm512_fnmadd_pd(n, _mm512_set1_pd(1.90821492927058770002e-10), r);
    __m512d p = _mm512_set1_pd(inv_factorial[13]);
    for (int k = 12; k >= 0; k--)
        p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(inv_factorial[k]));
    return _mm512_scalef_pd(p, n);
}

/* Two vectors of 8 doubles as one of 16 floats. */
__attribute__((target("avx512f"))) static __m512 to_floats(__m512d lo, __m512d hi)
{
    __m512d both = _mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(_mm512_cvtpd_ps(lo))),
                                      _mm256_castps_pd(_mm512_cvtpd_ps(hi)), 1);
    return _mm512_castpd_ps(both);
}

/* One row of softmax_ce for K <= 16, in two vectors of 8 doubles: writes probs and dlogits (either
 * may be NULL) and returns the sum of exp(z - zmax). */
__attribute__((target("avx512f"))) static double softmax_row_avx512(const float *z, int K, int y,
                                                                    int B, float zmax, float *probs,
                                                                    float *dlogits)
{
    const __mmask16 valid = (__mmask16)((1u << K) - 1u);
    const __mmask8 vlo = (__mmask8)(valid & 0xFF), vhi = (__mmask8)(valid >> 8);
    __m512 zs = _mm512_maskz_loadu_ps(valid, z);
    __m512d lo = _mm512_cvtps_pd(_mm512_castps512_ps256(zs));
    __m512d hi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(zs), 1)));
    __m512d m = _mm512_set1_pd((double)zmax);
    lo = _mm512_maskz_mov_pd(vlo, exp_avx512(_mm512_sub_pd(lo, m)));
    hi = _mm512_maskz_mov_pd(vhi, exp_avx512(_mm512_sub_pd(hi, m)));
    const double sum = _mm512_reduce_add_pd(_mm512_add_pd(lo, hi));
    const __m512d inv = _mm512_set1_pd(1.0 / sum);
    lo = _mm512_mul_pd(lo, inv);                       /* p = exp(z - max) / sum */
    hi = _mm512_mul_pd(hi, inv);
    if (probs)
        _mm512_mask_storeu_ps(probs, valid, to_floats(lo, hi));
    if (dlogits) {                                     /* (p - onehot(y)) / B */
        const __m512d inv_b = _mm512_set1_pd(1.0 / B), one = _mm512_set1_pd(1.0);
        const __mmask8 ylo = (__mmask8)(y < 8 ? 1u << y : 0);
        const __mmask8 yhi = (__mmask8)(y >= 8 ? 1u << (y - 8) : 0);
        __m512d glo = _mm512_mul_pd(_mm512_mask_sub_pd(lo, ylo, lo, one), inv_b);
        __m512d ghi = _mm512_mul_pd(_mm512_mask_sub_pd(hi, yhi, hi, one), inv_b);
        _mm512_mask_storeu_ps(dlogits, valid, to_floats(glo, ghi));
    }
    return sum;
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
#endif

/* One row of softmax_ce: probs and dlogits (either may be NULL) from z, whose maximum is zmax;
 * returns the sum of exp(z - zmax). p = exp(z - zmax) / sum, which is exp(z - lse). */
static double softmax_row(const float *z, int K, int y, int B, float zmax, float *probs,
                          float *dlogits)
{
#if defined(__x86_64__)
    if (K <= 16 && gemm_isa() == GEMM_ISA_AVX512)
        return softmax_row_avx512(z, K, y, B, zmax, probs, dlogits);
#endif
    /* each exp taken once when a row is small (every head here); wider rows take them twice */
    double e[16];
    const int keep = K <= 16;
    const double sum = exp_row(z, K, zmax, keep ? e : NULL), inv = 1.0 / sum;
    for (int k = 0; k < K; k++) {
        double p = (keep ? e[k] : exp((double)z[k] - zmax)) * inv;
        if (probs)
            probs[k] = (float)p;
        if (dlogits)
            dlogits[k] = (float)((p - (k == y)) * (1.0 / B));
    }
    return sum;
}

double softmax_ce(const float *logits, const int *y, int B, int K,
                  float *dlogits, float *probs, int *pred)
{
    double total = 0.0;
    for (int i = 0; i < B; i++) {
        const float *z = logits + (size_t)i * K;
        int best = -1;
#if defined(__x86_64__)
        if (K <= 16 && gemm_isa() == GEMM_ISA_AVX512)
            best = row_argmax_avx512(z, K);
#endif
        if (best < 0) {
            best = 0;
            for (int k = 1; k < K; k++)
                if (z[k] > z[best])
                    best = k;
        }
        /* log sum exp(z) = max + log sum exp(z - max): no overflow, and the largest term is 1 */
        double sum = softmax_row(z, K, y[i], B, z[best], probs ? probs + (size_t)i * K : NULL,
                                 dlogits ? dlogits + (size_t)i * K : NULL);
        total += z[best] + log(sum) - z[y[i]];
        if (pred)
            pred[i] = best;
    }
    return total / B;
}

double sigmoid_bce(const float *logits, const int *y, int B,
                   float *dlogits, float *probs, int *pred)
{
    double total = 0.0;
    for (int i = 0; i < B; i++) {
        double z = logits[i], t = y[i] ? 1.0 : 0.0;
        /* e = exp(-|z|) <= 1, so both class probabilities are computed without cancellation */
        double e = exp(-fabs(z));
        double s = z >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
        double s0 = z >= 0 ? e / (1.0 + e) : 1.0 / (1.0 + e);
        total += fmax(z, 0.0) - z * t + log1p(e);
        if (dlogits)
            dlogits[i] = (float)((s - t) / B);
        if (probs) {
            probs[2 * (size_t)i] = (float)s0;
            probs[2 * (size_t)i + 1] = (float)s;
        }
        if (pred)
            pred[i] = s > 0.5;
    }
    return total / B;
}
