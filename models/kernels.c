/* models/kernels: dense (through models/gemm), ReLU, 2x2 max pooling, inverted dropout and flatten,
 * forward and backward over plain buffers. Batch-major layouts; the innermost loop runs along
 * contiguous memory. */
#include "models/kernels.h"

#include <omp.h>
#include <string.h>

#include "models/gemm.h"

/* Elementwise loops split across threads only when there is enough work to pay for the fork. */
#define PARALLEL_MIN 32768

/* The hand-written loops below are compiled for AVX-512, AVX2 and plain x86-64, and the loader picks
 * the clone the CPU runs; `omp simd` makes the vectoriser take them whatever its cost model says. */
#if defined(__x86_64__)
#define VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define VECTOR_CLONES
#endif

/* ---- dense ---- */

/* Part p of `parts` of [0, n) in whole tiles of `tile` (the last part takes the rest). */
static void split_range(int n, int tile, int parts, int p, int *lo, int *hi)
{
    int tiles = (n + tile - 1) / tile;
    *lo = (int)((long)tiles * p / parts) * tile;
    *hi = (int)((long)tiles * (p + 1) / parts) * tile;
    if (*hi > n)
        *hi = n;
    if (*lo > n)
        *lo = n;
}

/* Threads worth using on `work` multiply-adds: a fork costs a few microseconds. */
static int threads_for(double work, int threads)
{
    return work < 2e5 ? 1 : threads;
}

void dense_forward(float *out, const float *in, const float *w, const float *b,
                   int B, int In, int Out, int threads)
{
    /* out [B, Out] = b + in [B, In] x w^T [In, Out]: split the larger of the two output sides, so
     * each thread reads only its part of the larger operand */
    const int split_cols = Out >= B;
    threads = threads_for((double)B * In * Out, threads);
#pragma omp parallel num_threads(threads) if (threads > 1)
    {
        int lo, hi, t = omp_get_thread_num(), n = omp_get_num_threads();
        if (split_cols) {
            split_range(Out, 16, n, t, &lo, &hi);
            gemm_nt(B, hi - lo, In, in, In, w + (size_t)lo * In, In, out + lo, Out, GEMM_COL_BIAS, b + lo);
        } else {
            split_range(B, 4, n, t, &lo, &hi);
            gemm_nt(hi - lo, Out, In, in + (size_t)lo * In, In, w, In, out + (size_t)lo * Out, Out,
                    GEMM_COL_BIAS, b);
        }
    }
}

void dense_backward(float *din, float *dw, float *db, const float *dout, const float *in,
                    const float *w, int B, int In, int Out, int threads)
{
    /* db[o] += sum over the batch, image by image in order */
    for (int i = 0; i < B; i++) {
        const float *row = dout + (size_t)i * Out;
        for (int o = 0; o < Out; o++)
            db[o] += row[o];
    }
    threads = threads_for(2.0 * B * In * Out, threads);
#pragma omp parallel num_threads(threads) if (threads > 1)
    {
        /* every thread takes the same slice of In columns in both products */
        int lo, hi;
        split_range(In, 64, omp_get_num_threads(), omp_get_thread_num(), &lo, &hi);
        /* dw [Out, In] += dout^T [Out, B] x in [B, In] */
        gemm_nn(Out, hi - lo, B, dout, 1, Out, in + lo, In, dw + lo, In, GEMM_ACCUMULATE, NULL);
        /* din [B, In] = dout [B, Out] x w [Out, In] */
        if (din)
            gemm_nn(B, hi - lo, Out, dout, Out, 1, w + lo, In, din + lo, In, GEMM_ZERO, NULL);
    }
}

/* ---- ReLU ---- */

VECTOR_CLONES static void relu_span(float *out, const float *in, size_t n)
{
#pragma omp simd
    for (size_t i = 0; i < n; i++)
        out[i] = in[i] > 0.0f ? in[i] : 0.0f;
}

VECTOR_CLONES static void relu_grad_span(float *din, const float *dout, const float *out, size_t n)
{
#pragma omp simd
    for (size_t i = 0; i < n; i++)
        din[i] = out[i] > 0.0f ? dout[i] : 0.0f;
}

/* This thread's contiguous piece of [0, n), in 16-float multiples so no two threads share a line. */
static void piece_of(size_t n, size_t *lo, size_t *hi)
{
    size_t t = (size_t)omp_get_thread_num(), parts = (size_t)omp_get_num_threads();
    size_t blocks = (n + 15) / 16;
    *lo = blocks * t / parts * 16;
    *hi = blocks * (t + 1) / parts * 16;
    *lo = *lo < n ? *lo : n;
    *hi = *hi < n ? *hi : n;
}

void relu_forward(float *out, const float *in, size_t n, int threads)
{
#pragma omp parallel num_threads(threads) if (threads > 1 && n >= PARALLEL_MIN)
    {
        size_t lo, hi;
        piece_of(n, &lo, &hi);
        relu_span(out + lo, in + lo, hi - lo);
    }
}

void relu_backward(float *din, const float *dout, const float *out, size_t n, int threads)
{
#pragma omp parallel num_threads(threads) if (threads > 1 && n >= PARALLEL_MIN)
    {
        size_t lo, hi;
        piece_of(n, &lo, &hi);
        relu_grad_span(din + lo, dout + lo, out + lo, hi - lo);
    }
}

/* ---- 2x2 max pooling (the vector loops are in models/gemm.c) ---- */

void maxpool2_forward(float *out, const float *in, int B, int C, int H, int W, int threads)
{
    const int planes = B * C;
    const size_t in_plane = (size_t)H * W, out_plane = (size_t)(H / 2) * (W / 2);
#pragma omp parallel num_threads(threads) if (threads > 1 && planes * in_plane >= PARALLEL_MIN)
    {
        int lo, hi;
        split_range(planes, 1, omp_get_num_threads(), omp_get_thread_num(), &lo, &hi);
        maxpool_planes(out + lo * out_plane, in + lo * in_plane, hi - lo, H, W);
    }
}

void maxpool2_backward(float *din, const float *dout, const float *in,
                       int B, int C, int H, int W, int threads)
{
    const int planes = B * C;
    const size_t in_plane = (size_t)H * W, out_plane = (size_t)(H / 2) * (W / 2);
#pragma omp parallel num_threads(threads) if (threads > 1 && planes * in_plane >= PARALLEL_MIN)
    {
        int lo, hi;
        split_range(planes, 1, omp_get_num_threads(), omp_get_thread_num(), &lo, &hi);
        maxpool_grad_planes(din + lo * in_plane, dout + lo * out_plane, in + lo * in_plane, hi - lo,
                            H, W);
    }
}

void dropout_make_mask(float *mask, size_t n, float p, gsl_rng *rng)
{
    const float keep = 1.0f / (1.0f - p);
    /* drawn in order on one thread, so a seed gives the same mask at any thread count */
    for (size_t i = 0; i < n; i++)
        mask[i] = gsl_rng_uniform(rng) < p ? 0.0f : keep;
}

void dropout_apply(float *out, const float *in, const float *mask, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = in[i] * mask[i];
}

void copy_forward(float *out, const float *in, size_t n)
{
    memcpy(out, in, sizeof(float) * n);
}
