/* models/conv: 2-D convolution as batched im2col + SGEMM. The columns of the whole batch sit side by
 * side ([C*K*K, B*OH*OW]) so each pass is one fat GEMM instead of B thin ones; the price is a cheap
 * permutation between the GEMM's [OC, B, OH*OW] order and the [B, OC, OH, OW] the next layer wants. */
#include "models/conv.h"

#include <string.h>
#include <gsl/gsl_cblas.h>

void conv_shape(ConvShape *s, int B, int C, int H, int W, int OC, int K, int pad)
{
    s->B = B, s->C = C, s->H = H, s->W = W;
    s->OC = OC, s->K = K, s->pad = pad;
    s->OH = H + 2 * pad - K + 1;
    s->OW = W + 2 * pad - K + 1;
}

size_t conv_cols_size(const ConvShape *s)
{
    return (size_t)s->C * s->K * s->K * s->B * s->OH * s->OW;
}

size_t conv_temp_size(const ConvShape *s)
{
    return (size_t)s->OC * s->B * s->OH * s->OW;
}

static int imin(int a, int b) { return a < b ? a : b; }
static int imax(int a, int b) { return a > b ? a : b; }

/* For kernel column kj, the output columns ox whose input column ox + kj - pad lies inside the
 * image: [*lo, *hi). Outside that range the column entry is padding (zero). */
static void valid_columns(const ConvShape *s, int kj, int *lo, int *hi)
{
    *lo = imin(imax(0, s->pad - kj), s->OW);
    *hi = imax(imin(s->OW, s->W + s->pad - kj), *lo);
}

/* Image b's columns: row (c, ki, kj), column b*OH*OW + oy*OW + ox holds img[c][oy+ki-pad][ox+kj-pad]. */
static void im2col_image(const ConvShape *s, const float *img, float *cols, int b)
{
    const size_t n = (size_t)s->B * s->OH * s->OW;     /* row stride of cols */
    const int K = s->K;
    for (int c = 0; c < s->C; c++)
        for (int ki = 0; ki < K; ki++)
            for (int kj = 0; kj < K; kj++) {
                float *dst = cols + ((size_t)(c * K + ki) * K + kj) * n + (size_t)b * s->OH * s->OW;
                int lo, hi;
                valid_columns(s, kj, &lo, &hi);
                for (int oy = 0; oy < s->OH; oy++, dst += s->OW) {
                    int iy = oy + ki - s->pad;
                    if (iy < 0 || iy >= s->H) {
                        memset(dst, 0, sizeof(float) * s->OW);
                        continue;
                    }
                    const float *row = img + ((size_t)c * s->H + iy) * s->W;
                    for (int ox = 0; ox < lo; ox++)
                        dst[ox] = 0.0f;
                    for (int ox = lo; ox < hi; ox++)
                        dst[ox] = row[ox + kj - s->pad];
                    for (int ox = hi; ox < s->OW; ox++)
                        dst[ox] = 0.0f;
                }
            }
}

/* The adjoint of im2col_image: every column entry is added back to the pixel it came from. */
static void col2im_image(const ConvShape *s, const float *cols, float *img, int b)
{
    const size_t n = (size_t)s->B * s->OH * s->OW;
    const int K = s->K;
    memset(img, 0, sizeof(float) * s->C * s->H * s->W);
    for (int c = 0; c < s->C; c++)
        for (int ki = 0; ki < K; ki++)
            for (int kj = 0; kj < K; kj++) {
                const float *src = cols + ((size_t)(c * K + ki) * K + kj) * n + (size_t)b * s->OH * s->OW;
                int lo, hi;
                valid_columns(s, kj, &lo, &hi);
                for (int oy = 0; oy < s->OH; oy++, src += s->OW) {
                    int iy = oy + ki - s->pad;
                    if (iy < 0 || iy >= s->H)
                        continue;
                    float *row = img + ((size_t)c * s->H + iy) * s->W;
                    for (int ox = lo; ox < hi; ox++)
                        row[ox + kj - s->pad] += src[ox];
                }
            }
}

void conv_im2col(const ConvShape *s, const float *in, float *cols, int threads)
{
    const size_t img = (size_t)s->C * s->H * s->W;
#pragma omp parallel for num_threads(threads) schedule(static) if (s->B > 1)
    for (int b = 0; b < s->B; b++)
        im2col_image(s, in + b * img, cols, b);
}

void conv_col2im(const ConvShape *s, const float *cols, float *din, int threads)
{
    const size_t img = (size_t)s->C * s->H * s->W;
#pragma omp parallel for num_threads(threads) schedule(static) if (s->B > 1)
    for (int b = 0; b < s->B; b++)
        col2im_image(s, cols, din + b * img, b);
}

void conv2d_forward(const ConvShape *s, float *out, const float *in, const float *w,
                    const float *b, float *cols, float *temp, int threads)
{
    const int ckk = s->C * s->K * s->K;
    const int n = s->B * s->OH * s->OW;
    const int plane = s->OH * s->OW;
    conv_im2col(s, in, cols, threads);
    /* temp [OC, B*OH*OW] = w [OC, C*K*K] x cols [C*K*K, B*OH*OW] */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s->OC, n, ckk,
                1.0f, w, ckk, cols, n, 0.0f, temp, n);
    /* temp [OC, B, OH*OW] -> out [B, OC, OH*OW], adding the bias on the way */
#pragma omp parallel for num_threads(threads) schedule(static) if (s->B > 1)
    for (int i = 0; i < s->B; i++)
        for (int oc = 0; oc < s->OC; oc++) {
            const float *src = temp + ((size_t)oc * s->B + i) * plane;
            float *dst = out + ((size_t)i * s->OC + oc) * plane;
            for (int p = 0; p < plane; p++)
                dst[p] = src[p] + b[oc];
        }
}

void conv2d_backward(const ConvShape *s, float *din, float *dw, float *db, const float *dout,
                     float *cols, const float *w, float *temp, int threads)
{
    const int ckk = s->C * s->K * s->K;
    const int n = s->B * s->OH * s->OW;
    const int plane = s->OH * s->OW;
    /* dout [B, OC, OH*OW] -> temp [OC, B, OH*OW]: the GEMM order of the forward */
#pragma omp parallel for num_threads(threads) schedule(static) if (s->B > 1)
    for (int i = 0; i < s->B; i++)
        for (int oc = 0; oc < s->OC; oc++)
            memcpy(temp + ((size_t)oc * s->B + i) * plane,
                   dout + ((size_t)i * s->OC + oc) * plane, sizeof(float) * plane);
    /* db[oc] = sum of temp's row oc, in a fixed order so runs repeat exactly */
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int oc = 0; oc < s->OC; oc++) {
        const float *row = temp + (size_t)oc * n;
        double sum = 0.0;
        for (int j = 0; j < n; j++)
            sum += row[j];
        db[oc] += (float)sum;
    }
    /* dw [OC, C*K*K] += temp [OC, B*OH*OW] x cols^T [B*OH*OW, C*K*K] */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, s->OC, ckk, n,
                1.0f, temp, n, cols, n, 1.0f, dw, ckk);
    if (!din)
        return;
    /* dcols [C*K*K, B*OH*OW] = w^T [C*K*K, OC] x temp [OC, B*OH*OW], into cols (no longer needed) */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, ckk, n, s->OC,
                1.0f, w, ckk, temp, n, 0.0f, cols, n);
    conv_col2im(s, cols, din, threads);
}
