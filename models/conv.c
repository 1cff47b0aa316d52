/* models/conv: convolution one image at a time, with the im2col columns read in place.
 *
 * Stride 1 makes im2col's row (c, ki, kj) a shifted view of channel c: in the zero-padded plane
 * [Hp, Wp], pixel (oy, ox) of that row is plane[c][(oy + ki)*Wp + ox + kj], i.e. element
 * oy*Wp + ox of the plane read from offset (c*Hp + ki)*Wp + kj. So the products take their
 * "columns" straight from the plane through a table of row offsets (models/gemm's *_gather), in
 * "wide" coordinates q = oy*Wp + ox, where the Wp - OW columns past each output row are junk that
 * costs a few extra multiply-adds (7-17% here) but no copying. Nw = (OH-1)*Wp + OW wide columns
 * cover every output pixel and never read past the plane.
 *
 * Products per image (CKK = C*K*K; X[CKK, Nw] is the in-place im2col):
 *   forward   out_w[OC, Nw]  = w[OC, CKK] X + b, then its OW valid columns per row copied out
 *   weights   dw[OC, CKK]   += dout_w[OC, Nw] X^T     (dout_w: dout spread to wide rows, junk 0;
 *                                                    summed over a group of images at once)
 *   bias      db[OC]        += dout_w[OC, Nw] 1
 *   input     din is itself a stride-1 convolution: of dout zero-padded by Q = K-1-P on every side
 *             (the plane D[OC, Hd, Wq], Hd = OH + 2Q, Wq = OW + 2Q) with the weights transposed
 *             and flipped, din[c][y][x] = sum over (oc, i, j) of w[oc][c][i][j] D[oc][y+K-1-i][x+K-1-j].
 *             So it is one product read in place like the forward's, in D's wide coordinates
 *             y*Wq + x: din_w[C, Nd] = wt[C, OC*K*K] Y, Y's row (oc, i, j) being D read from
 *             offset oc*Hd*Wq + (K-1-i)*Wq + K-1-j; then its W valid columns per row copied out.
 *             (The earlier form, dX[CKK, Nw] = w^T dout_w followed by col2im, did the same
 *             multiply-adds in a product of depth OC and then CKK long additions.)
 * The junk columns of dout_w are zero, so they add nothing to dw or db. With "same" padding
 * (K - 1 = 2P) D has the forward's row length (Wq = Wp) and its junk columns are D's padding, so
 * dout_w is D read from offset Q*Wq + Q and the output gradient is spread once.
 * A ReLU that follows the convolution can be fused: its output is written from the wide rows too,
 * and its backward is applied while dout is spread into D (or dout_w). */
#include "models/conv.h"

#include <string.h>

#include "models/gemm.h"
#include "models/isa.h"
#include "models/pool.h"
#include "models/reference/reference.h"
#include "models/rows.h"

#if defined(__x86_64__)
#include "models/simd_avx512.inc"
#include "models/conv_simd.inc"
#include "models/simd_end.inc"

#include "models/simd_avx2.inc"
#include "models/conv_simd.inc"
#include "models/simd_end.inc"
#endif

void conv_shape(ConvShape *s, int B, int C, int H, int W, int OC, int K, int pad)
{
    s->B = B, s->C = C, s->H = H, s->W = W;
    s->OC = OC, s->K = K, s->pad = pad;
    s->OH = H + 2 * pad - K + 1;
    s->OW = W + 2 * pad - K + 1;
}

/* The backward handles images in groups of up to GROUP: the weight gradient of a whole group is
 * one product whose dot products run across its images before their one reduction across vector
 * lanes, which costs as much as 16 multiply-adds and would otherwise come once per image. 6 covers
 * a whole chunk of the model's walk (B/24 images) for every batch size up to 144. */
#define GROUP 6

/* Where each piece of a call's scratch lives (offsets in floats, each 16-float aligned). */
typedef struct {
    int Hp, Wp;             /* padded plane */
    int ckk;                /* im2col rows */
    int nw;                 /* wide columns computed: (OH-1)*Wp + OW */
    int ld;                 /* row stride of the wide buffers: OH*Wp, so that row (oc, oy) of the
                               output sits at oc*ld + oy*Wp for every oc and oy alike */
    int Q, Hd, Wq;          /* the input gradient's padded output gradient D [OC, Hd, Wq]: Q = K-1-P
                               (negative when P >= K: then the col2im form is used) */
    int nd;                 /* its wide columns: (H-1)*Wq + W */
    int lead;               /* floats before the first D with "same" padding, so that dout_w, D
                               read from Q*Wq + Q, starts on a 64-byte line as the wide buffers do */
    size_t plane_size;      /* C*Hp*Wp, rounded up */
    size_t planes;          /* GROUP x [C, Hp, Wp]: padded images, in backward then their gradient */
    size_t rows;            /* [CKK] ptrdiff_t: offset of im2col row (c, ki, kj) in a plane */
    size_t ones;            /* [nw] ones: the bias gradient's product */
    size_t wide_size;       /* OC*ld, rounded up */
    size_t wide;            /* GROUP x [OC, ld]: the wide output, or the wide output gradients */
    size_t dplane_size;     /* OC*Hd*Wq, rounded up */
    size_t dplanes;         /* GROUP x [OC, Hd, Wq]: the padded output gradients D */
    size_t drows;           /* [OC*K*K] ptrdiff_t: offset of row (oc, i, j) of Y in D */
    size_t wt;              /* [C, OC*K*K]: the weights transposed, wt[c][(oc, i, j)] = w[oc][c][i][j] */
    size_t dwide;           /* [C, H*Wq]: one image's input gradient in D's wide coordinates; or,
                               when Q < 0, [CKK, ld]: its im2col columns' gradient; in the fused
                               forward, [OC, OH, OW]: one image's ReLU when only out is asked */
    size_t dw;              /* [OC, CKK + 1]: the call's weight gradient, then its bias gradient */
    ptrdiff_t le;           /* conv2d_relu_pool_forward: row stride of the padded plane's even and
                               odd columns, E and O [Hp, le] each, then one padded row [2 le], from
                               the scratch's start (le >= OW/2 + 16: whole vectors read from ox + 1),
                               then [OH, OW] for the portable variant's ReLU plane */
    size_t total;
} ConvScratch;

static size_t round16(size_t n) { return (n + 15) / 16 * 16; }

static size_t offsets16(size_t n) { return round16(n * sizeof(ptrdiff_t) / sizeof(float)); }

static ConvScratch scratch_layout(const ConvShape *s)
{
    ConvScratch L;
    L.Hp = s->H + 2 * s->pad, L.Wp = s->W + 2 * s->pad;
    L.ckk = s->C * s->K * s->K;
    L.nw = (s->OH - 1) * L.Wp + s->OW;
    L.ld = s->OH * L.Wp;
    L.Q = s->K - 1 - s->pad;
    L.Hd = s->OH + 2 * L.Q, L.Wq = s->OW + 2 * L.Q;
    L.nd = (s->H - 1) * L.Wq + s->W;
    L.lead = L.Q >= 0 ? (int)((16 - ((size_t)L.Q * L.Wq + L.Q) % 16) % 16) : 0;
    const size_t okk = (size_t)s->OC * s->K * s->K;
    L.plane_size = round16((size_t)s->C * L.Hp * L.Wp);
    L.planes = 0;
    L.rows = L.planes + GROUP * L.plane_size;
    L.ones = L.rows + offsets16((size_t)L.ckk);
    L.wide_size = round16((size_t)s->OC * L.ld);
    L.wide = L.ones + round16((size_t)L.nw);
    L.dplane_size = L.Q >= 0 ? round16((size_t)s->OC * L.Hd * L.Wq) : 0;
    L.dplanes = L.wide + GROUP * L.wide_size;
    L.drows = L.dplanes + GROUP * L.dplane_size + (L.Q >= 0 ? 16 : 0);      /* + room for lead */
    L.wt = L.drows + (L.Q >= 0 ? offsets16(okk) : 0);
    L.dwide = L.wt + (L.Q >= 0 ? round16((size_t)s->C * okk) : 0);
    const size_t direct = (size_t)s->C * s->H * L.Wq, cols = (size_t)L.ckk * L.ld;
    const size_t relu_img = (size_t)s->OC * s->OH * s->OW;
    const size_t dwide = direct > cols ? direct : cols;
    L.dw = L.dwide + round16(dwide > relu_img ? dwide : relu_img);
    L.total = L.dw + round16((size_t)s->OC * (L.ckk + 1));
    L.le = (ptrdiff_t)round16((size_t)(L.Wp + 1) / 2) + 16;
    const size_t one_channel = (size_t)(2 * L.Hp + 2) * L.le + round16((size_t)s->OH * s->OW);
    if (L.total < one_channel)
        L.total = one_channel;
    return L;
}

size_t conv_scratch_size(const ConvShape *s)
{
    return scratch_layout(s).total;
}

/* The offsets of im2col's rows in a [C, Hp, Wp] plane, in weight order (c, ki, kj). */
static ptrdiff_t *row_offsets(const ConvShape *s, const ConvScratch *L, float *scratch)
{
    ptrdiff_t *rows = (ptrdiff_t *)(void *)(scratch + L->rows);
    for (int c = 0, k = 0; c < s->C; c++)
        for (int ki = 0; ki < s->K; ki++)
            for (int kj = 0; kj < s->K; kj++)
                rows[k++] = ((ptrdiff_t)c * L->Hp + ki) * L->Wp + kj;
    return rows;
}

/* Image `img` into the middle of the zeroed [C, Hp, Wp] plane p. */
static void pad_image(const ConvShape *s, const ConvScratch *L, const float *img, float *p)
{
    memset(p, 0, sizeof(float) * s->C * L->Hp * L->Wp);
    for (int c = 0; c < s->C; c++)
        rows_copy(s->H, s->W, img + (size_t)c * s->H * s->W, s->W,
                  p + ((size_t)c * L->Hp + s->pad) * L->Wp + s->pad, L->Wp);
}

/* One image's convolution in wide coordinates: out_w [OC, Nw] = b + w [OC, CKK] x X [CKK, Nw],
 * X read in place from img (padded first into the scratch's plane when there is padding); returns
 * out_w, the scratch's wide rows (row stride Wp, plane stride ld). */
static const float *forward_wide(const ConvShape *s, const ConvScratch *L, const ptrdiff_t *rows,
                                 const float *img, const float *w, const float *b, float *scratch)
{
    float *wide = scratch + L->wide, *plane = scratch + L->planes;
    if (s->pad)
        pad_image(s, L, img, plane), img = plane;
    gemm_nn_gather(s->OC, L->nw, L->ckk, w, L->ckk, 1, img, rows, wide, L->ld, GEMM_ROW_BIAS, b);
    return wide;
}

void conv2d_forward(const ConvShape *s, float *out, const float *in, const float *w,
                    const float *b, float *relu_out, float *scratch)
{
    const ConvScratch L = scratch_layout(s);
    const size_t in_img = (size_t)s->C * s->H * s->W, out_img = (size_t)s->OC * s->OH * s->OW;
    const ptrdiff_t *rows = row_offsets(s, &L, scratch);
    for (int i = 0; i < s->B; i++) {
        const float *wide = forward_wide(s, &L, rows, in + i * in_img, w, b, scratch);
        /* the OW valid columns of each of the OC*OH wide rows (stride Wp), and their ReLU */
        if (relu_out)
            rows_copy_relu(s->OC * s->OH, s->OW, wide, L.Wp, out + i * out_img,
                           relu_out + i * out_img, s->OW);
        else
            rows_copy(s->OC * s->OH, s->OW, wide, L.Wp, out + i * out_img, s->OW);
    }
}

/* The im2col columns' gradient added back onto a plane at the offsets they were read from (acc,
 * zeroed here), then with padding the plane's interior copied to din. Junk columns of dcols are 0
 * and land on real pixels or on the padding, adding nothing. The input gradient's form when the
 * direct one is not used: no "same" padding, fewer than 4 channels, or P >= K (Q < 0). */
static void col2im(const ConvShape *s, const ConvScratch *L, const ptrdiff_t *rows,
                   const float *dcols, float *acc, float *din)
{
    memset(acc, 0, sizeof(float) * s->C * L->Hp * L->Wp);
    for (int k = 0; k < L->ckk; k++)
        rows_add(1, L->nw, dcols + (size_t)k * L->ld, 0, acc + rows[k], 0);
    if (acc != din)
        for (int c = 0; c < s->C; c++)
            rows_copy(s->H, s->W, acc + ((size_t)c * L->Hp + s->pad) * L->Wp + s->pad, L->Wp,
                      din + (size_t)c * s->H * s->W, s->W);
}

/* The input gradient's product operands: wt [C, OC*K*K] (w transposed) and the offsets of Y's
 * rows (oc, i, j) in D, flipped: D read from oc*Hd*Wq + (K-1-i)*Wq + K-1-j. */
static const ptrdiff_t *input_grad_operands(const ConvShape *s, const ConvScratch *L,
                                            const float *w, float *scratch)
{
    const int kk = s->K * s->K, okk = s->OC * kk;
    float *wt = scratch + L->wt;
    ptrdiff_t *drows = (ptrdiff_t *)(void *)(scratch + L->drows);
    for (int oc = 0; oc < s->OC; oc++)
        for (int c = 0; c < s->C; c++)          /* a run of kk floats (a plain loop ran scalar) */
            memcpy(wt + (size_t)c * okk + oc * kk, w + ((size_t)oc * s->C + c) * kk,
                   sizeof(float) * kk);
    for (int oc = 0, k = 0; oc < s->OC; oc++)
        for (int i = 0; i < s->K; i++)
            for (int j = 0; j < s->K; j++)
                drows[k++] = ((ptrdiff_t)oc * L->Hd + s->K - 1 - i) * L->Wq + s->K - 1 - j;
    return drows;
}

/* One image's output gradient into the middle of the padded plane dst [OC, rows_per_oc, ld] at
 * (top, left); the rest of dst is not touched (it stays 0). dout is [OC, OH, OW], passed where
 * relu_out > 0 when relu_out is given (the fused ReLU's backward); or, with the codes of a fused
 * forward (models/pool.h), the gradient [OC, OH/2, OW/2] of the 2x2 max pool after the ReLU,
 * routed to the corners the pool picked, where they were > 0, as the rows are written. */
static void spread(const ConvShape *s, const float *dout, const float *relu_out,
                   const unsigned char *codes, float *dst, int rows_per_oc, int ld, int top,
                   int left)
{
    const size_t out_plane = (size_t)s->OH * s->OW, pool_plane = (size_t)(s->OH / 2) * (s->OW / 2);
    const size_t code_plane = pool_codes_size(1, s->OH, s->OW);
    for (int oc = 0; oc < s->OC; oc++) {
        float *d = dst + ((size_t)oc * rows_per_oc + top) * ld + left;
        if (codes)
            maxpool2_relu_backward_codes(d, ld, dout + oc * pool_plane, codes + oc * code_plane,
                                         s->OH, s->OW);
        else if (relu_out)
            rows_move(ROWS_WHERE_POSITIVE, s->OH, s->OW, dout + oc * out_plane, s->OW, d, ld,
                      relu_out + oc * out_plane, s->OW);
        else
            rows_copy(s->OH, s->OW, dout + oc * out_plane, s->OW, d, ld);
    }
}

/* conv2d_backward and conv2d_relu_pool_backward: dout is pooled when there are codes. */
static void backward(const ConvShape *s, float *din, float *dw, float *db, const float *dout,
                     const float *relu_out, const unsigned char *codes, const float *in,
                     const float *w, float *scratch)
{
    const ConvScratch L = scratch_layout(s);
    const size_t in_img = (size_t)s->C * s->H * s->W;
    const size_t out_img = codes ? (size_t)s->OC * (s->OH / 2) * (s->OW / 2)
                                 : (size_t)s->OC * s->OH * s->OW;
    const size_t relu_img = (size_t)s->OC * s->OH * s->OW;
    const size_t codes_img = pool_codes_size(s->OC, s->OH, s->OW);
    const ptrdiff_t *rows = row_offsets(s, &L, scratch);
    float *ones = scratch + L.ones, *dwide = scratch + L.dwide, *wide = scratch + L.wide;
    float *planes = scratch + L.planes, *acc = scratch + L.dw;
    const int ldw = L.ckk + 1, groups = s->B < GROUP ? s->B : GROUP;
    /* The direct form of the input gradient with "same" padding, where dout_w is D itself (its
     * spread is shared) and the product has at least 4 rows (C); the col2im form otherwise, which
     * measured as fast or faster there (lenet, cnn-4v9: D's wider padding, a second spread). */
    const int use_d = din && L.Q >= 0 && L.Wq == L.Wp && s->C >= 4, shared = use_d;
    float *dplanes = scratch + L.dplanes + (shared ? L.lead : 0);
    const float *a = shared ? dplanes + (size_t)L.Q * L.Wq + L.Q : wide;
    const ptrdiff_t a_step = shared ? (ptrdiff_t)L.dplane_size : (ptrdiff_t)L.wide_size;
    const ptrdiff_t lda = shared ? (ptrdiff_t)L.Hd * L.Wq : L.ld;
    const ptrdiff_t *drows = use_d ? input_grad_operands(s, &L, w, scratch) : NULL;
#pragma omp simd
    for (int q = 0; q < L.nw; q++)
        ones[q] = 1.0f;
    memset(acc, 0, sizeof(float) * s->OC * ldw);
    if (!shared)
        memset(wide, 0, sizeof(float) * groups * L.wide_size);          /* junk columns stay 0 */
    if (use_d)
        memset(dplanes, 0, sizeof(float) * groups * L.dplane_size);     /* D's padding stays 0 */
    for (int i0 = 0; i0 < s->B; i0 += GROUP) {
        const int G = s->B - i0 < GROUP ? s->B - i0 : GROUP;
        for (int g = 0; g < G; g++) {
            const float *o = dout + (i0 + g) * out_img;
            const float *r = relu_out ? relu_out + (i0 + g) * relu_img : NULL;
            const unsigned char *k = codes ? codes + (i0 + g) * codes_img : NULL;
            if (use_d)
                spread(s, o, r, k, dplanes + g * L.dplane_size, L.Hd, L.Wq, L.Q, L.Q);
            if (!shared)
                spread(s, o, r, k, wide + g * L.wide_size, s->OH, L.Wp, 0, 0);
            if (s->pad)
                pad_image(s, &L, in + (i0 + g) * in_img, planes + g * L.plane_size);
        }
        /* the images' columns, in place: the padded planes, or the input itself */
        const float *x = s->pad ? planes : in + i0 * in_img;
        const ptrdiff_t x_step = s->pad ? (ptrdiff_t)L.plane_size : (ptrdiff_t)in_img;
        /* dw [OC, CKK] += sum over the group of dout_w [OC, Nw] x X^T [Nw, CKK];  db += dout_w 1 */
        gemm_nt_gather(G, a_step, x_step, s->OC, L.ckk, L.nw, a, lda, x, rows, acc, ldw,
                       GEMM_ACCUMULATE, NULL);
        const ptrdiff_t first = 0;
        gemm_nt_gather(G, a_step, 0, s->OC, 1, L.nw, a, lda, ones, &first, acc + L.ckk, ldw,
                       GEMM_ACCUMULATE, NULL);
        if (!din)
            continue;
        for (int g = 0; g < G; g++) {
            float *d = din + (i0 + g) * in_img;
            if (use_d) {
                /* din_w [C, Nd] = wt [C, OC*K*K] x Y [OC*K*K, Nd], Y read in place from D */
                gemm_nn_gather(s->C, L.nd, s->OC * s->K * s->K, scratch + L.wt,
                               (ptrdiff_t)s->OC * s->K * s->K, 1, dplanes + g * L.dplane_size,
                               drows, dwide, (ptrdiff_t)s->H * L.Wq, GEMM_ZERO, NULL);
                rows_copy(s->C * s->H, s->W, dwide, L.Wq, d, s->W);
            } else {
                /* dX [CKK, Nw] = w^T [CKK, OC] x dout_w [OC, Nw], then col2im */
                gemm_nn(L.ckk, L.nw, s->OC, w, 1, L.ckk, a + g * a_step, lda, dwide, L.ld,
                        GEMM_ZERO, NULL);
                col2im(s, &L, rows, dwide, s->pad ? planes + g * L.plane_size : d, d);
            }
        }
    }
    for (int oc = 0; oc < s->OC; oc++) {
        float *restrict dst = dw + (size_t)oc * L.ckk;
        const float *restrict src = acc + (size_t)oc * ldw;
#pragma omp simd
        for (int k = 0; k < L.ckk; k++)
            dst[k] += src[k];
        db[oc] += src[L.ckk];
    }
}

void conv2d_backward(const ConvShape *s, float *din, float *dw, float *db, const float *dout,
                     const float *relu_out, const float *in, const float *w, float *scratch)
{
    backward(s, din, dw, db, dout, relu_out, NULL, in, w, scratch);
}

void conv2d_relu_pool_backward(const ConvShape *s, float *din, float *dw, float *db,
                               const float *dpool, const unsigned char *codes, const float *in,
                               const float *w, float *scratch)
{
    backward(s, din, dw, db, dpool, NULL, codes, in, w, scratch);
}

/* ---- the direct forward of a one-channel 3x3 convolution, its ReLU and a 2x2 max pool ---- */

int conv_relu_pool_direct(const ConvShape *s)
{
    return s->C == 1 && s->K == 3 && s->OH % 2 == 0 && s->OW % 2 == 0;
}

/* The portable variant: each output summed as gemm_nn_c sums it (the bias, then the nine products in
 * (i, j) order, padding's zeros included), the ReLU and the pool by the reference rules; without
 * relu_out, each channel's ReLU in the scratch after the padded row. */
static void conv3_relu_pool_image_c(const float *in, int H, int W, int pad, int OC, const float *w,
                                    const float *b, float *out, float *relu_out, float *pooled,
                                    unsigned char *codes, float *E, float *O, ptrdiff_t le,
                                    float *row)
{
    (void)E, (void)O;
    const int OH = H + 2 * pad - 2, OW = W + 2 * pad - 2;
    const size_t plane = (size_t)OH * OW;
    for (int oc = 0; oc < OC; oc++) {
        float *ro = relu_out ? relu_out + oc * plane : row + 2 * le;
        for (int y = 0; y < OH; y++)
            for (int x = 0; x < OW; x++) {
                float z = b[oc];
                for (int i = 0; i < 3; i++)
                    for (int j = 0; j < 3; j++) {
                        const int iy = y + i - pad, ix = x + j - pad;
                        const float v = iy >= 0 && iy < H && ix >= 0 && ix < W ? in[iy * W + ix] : 0.0f;
                        z += w[oc * 9 + i * 3 + j] * v;
                    }
                if (out)
                    out[oc * plane + (size_t)y * OW + x] = z;
                ro[(size_t)y * OW + x] = z;
            }
        relu_forward_ref(ro, ro, plane);
        maxpool2_forward_codes(pooled + oc * (plane / 4), codes + oc * pool_codes_size(1, OH, OW),
                               ro, 1, OH, OW);
    }
}

typedef void (*DirectFn)(const float *in, int H, int W, int pad, int OC, const float *w,
                         const float *b, float *out, float *relu_out, float *pooled,
                         unsigned char *codes, float *E, float *O, ptrdiff_t le, float *row);
static const DirectFn direct_variants[ISA_COUNT] =
    ISA_VARIANTS(conv3_relu_pool_image_c, conv3_relu_pool_image_avx2, conv3_relu_pool_image_avx512);

/* Any other shape: the im2col product of conv2d_forward image by image, its ReLU out of the wide
 * rows (into relu_out, or the scratch), and the pool of that image's ReLU while it is in cache. */
static void relu_pool_image_by_image(const ConvShape *s, float *pooled, unsigned char *codes,
                                     float *relu_out, float *out, const float *in, const float *w,
                                     const float *b, float *scratch)
{
    const ConvScratch L = scratch_layout(s);
    const size_t in_img = (size_t)s->C * s->H * s->W, out_img = (size_t)s->OC * s->OH * s->OW;
    const size_t pool_img = (size_t)s->OC * (s->OH / 2) * (s->OW / 2);
    const size_t codes_img = pool_codes_size(s->OC, s->OH, s->OW);
    const ptrdiff_t *rows = row_offsets(s, &L, scratch);
    for (int i = 0; i < s->B; i++) {
        const float *wide = forward_wide(s, &L, rows, in + i * in_img, w, b, scratch);
        float *p = pooled + i * pool_img;
        unsigned char *k = codes + i * codes_img;
        if (!relu_out && !out) {            /* training: the ReLU pooled as it is read */
            maxpool2_relu_forward_codes(p, k, wide, L.Wp, (size_t)L.ld, s->OC, s->OH, s->OW);
            continue;
        }
        float *r = relu_out ? relu_out + i * out_img : scratch + L.dwide;
        if (out)
            rows_copy_relu(s->OC * s->OH, s->OW, wide, L.Wp, out + i * out_img, r, s->OW);
        else
            rows_move(ROWS_RELU, s->OC * s->OH, s->OW, wide, L.Wp, r, s->OW, NULL, 0);
        maxpool2_forward_codes(p, k, r, s->OC, s->OH, s->OW);
    }
}

void conv2d_relu_pool_forward(const ConvShape *s, float *pooled, unsigned char *codes,
                              float *relu_out, float *out, const float *in, const float *w,
                              const float *b, float *scratch)
{
    if (!conv_relu_pool_direct(s)) {
        relu_pool_image_by_image(s, pooled, codes, relu_out, out, in, w, b, scratch);
        return;
    }
    const ConvScratch L = scratch_layout(s);
    const size_t in_img = (size_t)s->H * s->W, out_img = (size_t)s->OC * s->OH * s->OW;
    const size_t codes_img = pool_codes_size(s->OC, s->OH, s->OW);
    float *E = scratch, *O = E + (size_t)L.Hp * L.le, *row = O + (size_t)L.Hp * L.le;
    const DirectFn image = direct_variants[isa_active()];
    for (int i = 0; i < s->B; i++)
        image(in + i * in_img, s->H, s->W, s->pad, s->OC, w, b, out ? out + i * out_img : NULL,
              relu_out ? relu_out + i * out_img : NULL, pooled + i * out_img / 4,
              codes + i * codes_img, E, O, L.le, row);
}
