/* models/kernels: dense (SGEMM), ReLU, 2x2 max pooling, inverted dropout and flatten, forward and
 * backward over plain buffers. Batch-major layouts; the innermost loop runs along contiguous memory. */
#include "models/kernels.h"

#include <string.h>
#include <gsl/gsl_cblas.h>

/* Elementwise loops split across threads only when there is enough work to pay for the fork. */
#define PARALLEL_MIN 32768

void dense_forward(float *out, const float *in, const float *w, const float *b,
                   int B, int In, int Out)
{
    for (int i = 0; i < B; i++)
        memcpy(out + (size_t)i * Out, b, sizeof(float) * Out);
    /* out [B, Out] += in [B, In] x w^T [In, Out] */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, Out, In,
                1.0f, in, In, w, In, 1.0f, out, Out);
}

void dense_backward(float *din, float *dw, float *db, const float *dout, const float *in,
                    const float *w, int B, int In, int Out)
{
    /* dw [Out, In] += dout^T [Out, B] x in [B, In] */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Out, In, B,
                1.0f, dout, Out, in, In, 1.0f, dw, In);
    for (int i = 0; i < B; i++) {
        const float *row = dout + (size_t)i * Out;
        for (int o = 0; o < Out; o++)
            db[o] += row[o];
    }
    if (!din)
        return;
    /* din [B, In] = dout [B, Out] x w [Out, In] */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, In, Out,
                1.0f, dout, Out, w, In, 0.0f, din, In);
}

void relu_forward(float *out, const float *in, size_t n, int threads)
{
#pragma omp parallel for num_threads(threads) schedule(static) if (n >= PARALLEL_MIN)
    for (size_t i = 0; i < n; i++)
        out[i] = in[i] > 0.0f ? in[i] : 0.0f;
}

void relu_backward(float *din, const float *dout, const float *out, size_t n, int threads)
{
#pragma omp parallel for num_threads(threads) schedule(static) if (n >= PARALLEL_MIN)
    for (size_t i = 0; i < n; i++)
        din[i] = out[i] > 0.0f ? dout[i] : 0.0f;
}

/* Offset of the window's maximum from its top-left corner, first one on ties. */
static int window_argmax(const float *p, int W)
{
    const int offs[4] = {0, 1, W, W + 1};
    int best = 0;
    for (int k = 1; k < 4; k++)
        if (p[offs[k]] > p[offs[best]])
            best = k;
    return offs[best];
}

void maxpool2_forward(float *out, const float *in, int B, int C, int H, int W, int threads)
{
    const int OH = H / 2, OW = W / 2;
    const int planes = B * C;
#pragma omp parallel for num_threads(threads) schedule(static) if (planes > 1)
    for (int pl = 0; pl < planes; pl++) {
        const float *src = in + (size_t)pl * H * W;
        float *dst = out + (size_t)pl * OH * OW;
        for (int oy = 0; oy < OH; oy++)
            for (int ox = 0; ox < OW; ox++) {
                const float *p = src + (size_t)(2 * oy) * W + 2 * ox;
                dst[oy * OW + ox] = p[window_argmax(p, W)];
            }
    }
}

void maxpool2_backward(float *din, const float *dout, const float *in,
                       int B, int C, int H, int W, int threads)
{
    const int OH = H / 2, OW = W / 2;
    const int planes = B * C;
#pragma omp parallel for num_threads(threads) schedule(static) if (planes > 1)
    for (int pl = 0; pl < planes; pl++) {
        const float *src = in + (size_t)pl * H * W;
        const float *g = dout + (size_t)pl * OH * OW;
        float *dst = din + (size_t)pl * H * W;
        memset(dst, 0, sizeof(float) * H * W);
        for (int oy = 0; oy < OH; oy++)
            for (int ox = 0; ox < OW; ox++) {
                size_t corner = (size_t)(2 * oy) * W + 2 * ox;
                dst[corner + window_argmax(src + corner, W)] = g[oy * OW + ox];
            }
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
