/* models/conv: convolution one image at a time: the image is zero-padded, unrolled into im2col
 * columns [C*K*K, OH*OW] (about 100 KB for the largest layer here, so it stays in L2), and multiplied
 * by the weights with the AVX-512/AVX2 tiles of models/gemm. The backward rebuilds the columns from
 * the input instead of keeping them from the forward: rebuilding costs less than reading megabytes
 * of kept columns back from memory, and peak memory drops by the same amount.
 *
 * Products per image (P = OH*OW pixels, CKK = C*K*K):
 *   forward   out[OC, P]         = w[OC, CKK] cols[CKK, P] + b
 *   weights   dwT[CKK + 1, OC]  += cols1[CKK + 1, P] doutT[P, OC]   (row CKK of cols1 is all ones,
 *                                                                    so row CKK of dwT sums db)
 *   input     dcols[CKK, P]      = w^T[CKK, OC] dout[OC, P], then col2im adds it back onto pixels */
#include "models/conv.h"

#include <string.h>

#include "models/gemm.h"

void conv_shape(ConvShape *s, int B, int C, int H, int W, int OC, int K, int pad)
{
    s->B = B, s->C = C, s->H = H, s->W = W;
    s->OC = OC, s->K = K, s->pad = pad;
    s->OH = H + 2 * pad - K + 1;
    s->OW = W + 2 * pad - K + 1;
}

/* Where each piece of a call's scratch lives (offsets in floats, each 16-float aligned). */
typedef struct {
    int Hp, Wp;             /* padded image */
    int ckk, P, ld;         /* ld: row stride of the columns, P rounded up to 16 */
    size_t padded, cols, dout_t, dw_t, total;
} ConvScratch;

static size_t round16(size_t n) { return (n + 15) / 16 * 16; }

static ConvScratch scratch_layout(const ConvShape *s)
{
    ConvScratch L;
    L.Hp = s->H + 2 * s->pad, L.Wp = s->W + 2 * s->pad;
    L.ckk = s->C * s->K * s->K;
    L.P = s->OH * s->OW;
    L.ld = (int)round16((size_t)L.P);
    L.padded = 0;
    L.cols = L.padded + (s->pad ? round16((size_t)s->C * L.Hp * L.Wp) : 0);
    L.dout_t = L.cols + (size_t)(L.ckk + 1) * L.ld;
    L.dw_t = L.dout_t + round16((size_t)L.P * s->OC);
    L.total = L.dw_t + round16((size_t)(L.ckk + 1) * s->OC);
    return L;
}

size_t conv_scratch_size(const ConvShape *s)
{
    return scratch_layout(s).total;
}

/* The image as the columns read it: itself when there is no padding, else copied into the middle of
 * a zeroed [C, Hp, Wp] plane. */
static const float *padded_image(const ConvShape *s, const ConvScratch *L, const float *img,
                                 float *scratch)
{
    if (!s->pad)
        return img;
    float *p = scratch + L->padded;
    memset(p, 0, sizeof(float) * s->C * L->Hp * L->Wp);
    for (int c = 0; c < s->C; c++)
        rows_copy(s->H, s->W, img + (size_t)c * s->H * s->W, s->W,
                  p + ((size_t)c * L->Hp + s->pad) * L->Wp + s->pad, L->Wp);
    return p;
}

/* cols[(c, ki, kj), oy*OW + ox] = padded[c][oy + ki][ox + kj]: each row is OH runs of OW floats. */
static void im2col(const ConvShape *s, const ConvScratch *L, const float *padded, float *cols)
{
    const int K = s->K;
    for (int c = 0; c < s->C; c++)
        for (int ki = 0; ki < K; ki++)
            for (int kj = 0; kj < K; kj++) {
                const float *src = padded + ((size_t)c * L->Hp + ki) * L->Wp + kj;
                float *row = cols + (size_t)((c * K + ki) * K + kj) * L->ld;
                rows_copy(s->OH, s->OW, src, L->Wp, row, s->OW);
            }
}

/* The adjoint of im2col: din[c][iy][ix] = the sum of the column entries copied from that pixel.
 * With padding the sums land in the padded plane first, whose border is then dropped. */
static void col2im(const ConvShape *s, const ConvScratch *L, const float *cols, float *din,
                   float *scratch)
{
    const int K = s->K;
    float *acc = s->pad ? scratch + L->padded : din;
    memset(acc, 0, sizeof(float) * s->C * L->Hp * L->Wp);
    for (int c = 0; c < s->C; c++)
        for (int ki = 0; ki < K; ki++)
            for (int kj = 0; kj < K; kj++) {
                const float *row = cols + (size_t)((c * K + ki) * K + kj) * L->ld;
                rows_add(s->OH, s->OW, row, s->OW, acc + ((size_t)c * L->Hp + ki) * L->Wp + kj, L->Wp);
            }
    if (s->pad)
        for (int c = 0; c < s->C; c++)
            rows_copy(s->H, s->W, acc + ((size_t)c * L->Hp + s->pad) * L->Wp + s->pad, L->Wp,
                      din + (size_t)c * s->H * s->W, s->W);
}

void conv2d_forward(const ConvShape *s, float *out, const float *in, const float *w,
                    const float *b, float *scratch)
{
    const ConvScratch L = scratch_layout(s);
    const size_t in_img = (size_t)s->C * s->H * s->W, out_img = (size_t)s->OC * L.P;
    float *cols = scratch + L.cols;
    for (int i = 0; i < s->B; i++) {
        im2col(s, &L, padded_image(s, &L, in + i * in_img, scratch), cols);
        /* out [OC, P] = b + w [OC, CKK] x cols [CKK, P] */
        gemm_nn(s->OC, L.P, L.ckk, w, L.ckk, 1, cols, L.ld, out + i * out_img, L.P, GEMM_ROW_BIAS, b);
    }
}

/* doutT[p][oc] = dout[oc][p] for one image: the weight product wants output channels contiguous. */
static void transpose_image(const float *dout, float *dout_t, int OC, int P)
{
    for (int oc = 0; oc < OC; oc++)
        for (int p = 0; p < P; p++)
            dout_t[(size_t)p * OC + oc] = dout[(size_t)oc * P + p];
}

void conv2d_backward(const ConvShape *s, float *din, float *dw, float *db, const float *dout,
                     const float *in, const float *w, float *scratch)
{
    const ConvScratch L = scratch_layout(s);
    const size_t in_img = (size_t)s->C * s->H * s->W, out_img = (size_t)s->OC * L.P;
    float *cols = scratch + L.cols, *dout_t = scratch + L.dout_t, *dw_t = scratch + L.dw_t;
    float *ones = cols + (size_t)L.ckk * L.ld;
    for (int p = 0; p < L.P; p++)
        ones[p] = 1.0f;
    memset(dw_t, 0, sizeof(float) * (L.ckk + 1) * s->OC);
    for (int i = 0; i < s->B; i++) {
        const float *g = dout + i * out_img;
        im2col(s, &L, padded_image(s, &L, in + i * in_img, scratch), cols);
        transpose_image(g, dout_t, s->OC, L.P);
        /* dwT [CKK + 1, OC] += cols1 [CKK + 1, P] x doutT [P, OC] */
        gemm_nn(L.ckk + 1, s->OC, L.P, cols, L.ld, 1, dout_t, s->OC, dw_t, s->OC,
                GEMM_ACCUMULATE, NULL);
        if (!din)
            continue;
        /* dcols [CKK, P] = w^T [CKK, OC] x dout [OC, P], over the columns (rebuilt next image) */
        gemm_nn(L.ckk, L.P, s->OC, w, 1, L.ckk, g, L.P, cols, L.ld, GEMM_ZERO, NULL);
        col2im(s, &L, cols, din + i * in_img, scratch);
    }
    for (int oc = 0; oc < s->OC; oc++) {
        for (int k = 0; k < L.ckk; k++)
            dw[(size_t)oc * L.ckk + k] += dw_t[(size_t)k * s->OC + oc];
        db[oc] += dw_t[(size_t)L.ckk * s->OC + oc];
    }
}
