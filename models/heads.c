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

/* exp_row for K <= 16, two vectors of 8 at once (e[K..15] are set to 0). */
__attribute__((target("avx512f"))) static double exp_row_avx512(const float *z, int K, float zmax,
                                                                double *e)
{
    const __mmask16 valid = (__mmask16)((1u << K) - 1u);
    __m512 zs = _mm512_maskz_loadu_ps(valid, z);
    __m512d lo = _mm512_cvtps_pd(_mm512_castps512_ps256(zs));
    __m512d hi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(zs), 1)));
    __m512d m = _mm512_set1_pd((double)zmax);
    lo = _mm512_maskz_mov_pd((__mmask8)(valid & 0xFF), exp_avx512(_mm512_sub_pd(lo, m)));
    hi = _mm512_maskz_mov_pd((__mmask8)(valid >> 8), exp_avx512(_mm512_sub_pd(hi, m)));
    _mm512_storeu_pd(e, lo);
    _mm512_storeu_pd(e + 8, hi);
    return _mm512_reduce_add_pd(_mm512_add_pd(lo, hi));
}
#endif

/* exp_row in the widest vectors the CPU has, when a row fits them (e: 16 doubles). */
static double exp_row_fast(const float *z, int K, float zmax, double *e)
{
#if defined(__x86_64__)
    if (gemm_isa() == GEMM_ISA_AVX512)
        return exp_row_avx512(z, K, zmax, e);
#endif
    return exp_row(z, K, zmax, e);
}

double softmax_ce(const float *logits, const int *y, int B, int K,
                  float *dlogits, float *probs, int *pred)
{
    /* a row's exps are kept when K is small (every head here); wider rows take them twice */
    const int keep = K <= 16;
    double e[16];
    double total = 0.0;
    for (int i = 0; i < B; i++) {
        const float *z = logits + (size_t)i * K;
        int best = 0;
        for (int k = 1; k < K; k++)
            if (z[k] > z[best])
                best = k;
        /* log sum exp(z) = max + log sum exp(z - max): no overflow, and the largest term is 1.
         * Each exp is taken once, into e, and then p = exp(z - max) / sum, which is
         * exp(z - lse). */
        double sum = keep ? exp_row_fast(z, K, z[best], e) : exp_row(z, K, z[best], NULL);
        double lse = z[best] + log(sum);
        total += lse - z[y[i]];
        for (int k = 0; k < K; k++) {
            double p = (keep ? e[k] : exp((double)z[k] - z[best])) / sum;
            if (probs)
                probs[(size_t)i * K + k] = (float)p;
            if (dlogits)
                dlogits[(size_t)i * K + k] = (float)((p - (k == y[i])) / B);
        }
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
