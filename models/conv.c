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
 *   input     dX[CKK, Nw]    = w^T[CKK, OC] dout_w, then row (c, ki, kj) of dX added onto the
 *                              padded plane at the offset it was read from: col2im as CKK long adds
 * The junk columns of dout_w are zero, so they add nothing to dw, db or the input gradient.
 * A ReLU that follows the convolution can be fused: its output is written from the wide rows too,
 * and its backward is applied while dout is spread into dout_w. */
#include "models/conv.h"

#include <string.h>

#include "models/gemm.h"
#include "models/rows.h"

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
    size_t plane_size;      /* C*Hp*Wp, rounded up */
    size_t planes;          /* GROUP x [C, Hp, Wp]: padded images, in backward then their gradient */
    size_t rows;            /* [CKK] ptrdiff_t: offset of im2col row (c, ki, kj) in a plane */
    size_t ones;            /* [nw] ones: the bias gradient's product */
    size_t wide_size;       /* OC*ld, rounded up */
    size_t wide;            /* GROUP x [OC, ld]: the wide output, or the wide output gradients */
    size_t dcols;           /* [CKK, ld]: one image's im2col columns' gradient */
    size_t dw;              /* [OC, CKK + 1]: the call's weight gradient, then its bias gradient */
    size_t total;
} ConvScratch;

static size_t round16(size_t n) { return (n + 15) / 16 * 16; }

static ConvScratch scratch_layout(const ConvShape *s)
{
    ConvScratch L;
    L.Hp = s->H + 2 * s->pad, L.Wp = s->W + 2 * s->pad;
    L.ckk = s->C * s->K * s->K;
    L.nw = (s->OH - 1) * L.Wp + s->OW;
    L.ld = s->OH * L.Wp;
    L.plane_size = round16((size_t)s->C * L.Hp * L.Wp);
    L.planes = 0;
    L.rows = L.planes + GROUP * L.plane_size;
    L.ones = L.rows + round16((size_t)L.ckk * sizeof(ptrdiff_t) / sizeof(float));
    L.wide_size = round16((size_t)s->OC * L.ld);
    L.wide = L.ones + round16((size_t)L.nw);
    L.dcols = L.wide + GROUP * L.wide_size;
    L.dw = L.dcols + round16((size_t)L.ckk * L.ld);
    L.total = L.dw + round16((size_t)s->OC * (L.ckk + 1));
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

void conv2d_forward(const ConvShape *s, float *out, const float *in, const float *w,
                    const float *b, float *relu_out, float *scratch)
{
    const ConvScratch L = scratch_layout(s);
    const size_t in_img = (size_t)s->C * s->H * s->W, out_img = (size_t)s->OC * s->OH * s->OW;
    const ptrdiff_t *rows = row_offsets(s, &L, scratch);
    float *wide = scratch + L.wide, *plane = scratch + L.planes;
    for (int i = 0; i < s->B; i++) {
        const float *x = in + i * in_img;
        if (s->pad)
            pad_image(s, &L, x, plane), x = plane;
        /* out_w [OC, Nw] = b + w [OC, CKK] x X [CKK, Nw] */
        gemm_nn_gather(s->OC, L.nw, L.ckk, w, L.ckk, 1, x, rows, wide, L.ld, GEMM_ROW_BIAS, b);
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
 * and land on real pixels or on the padding, adding nothing. */
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

void conv2d_backward(const ConvShape *s, float *din, float *dw, float *db, const float *dout,
                     const float *relu_out, const float *in, const float *w, float *scratch)
{
    const ConvScratch L = scratch_layout(s);
    const size_t in_img = (size_t)s->C * s->H * s->W, out_img = (size_t)s->OC * s->OH * s->OW;
    const ptrdiff_t *rows = row_offsets(s, &L, scratch);
    float *ones = scratch + L.ones, *wide = scratch + L.wide, *dcols = scratch + L.dcols;
    float *planes = scratch + L.planes, *acc = scratch + L.dw;
    const int ldw = L.ckk + 1;
    for (int q = 0; q < L.nw; q++)
        ones[q] = 1.0f;
    memset(acc, 0, sizeof(float) * s->OC * ldw);
    memset(wide, 0, sizeof(float) * GROUP * L.wide_size);      /* junk columns stay 0 */
    for (int i0 = 0; i0 < s->B; i0 += GROUP) {
        const int G = s->B - i0 < GROUP ? s->B - i0 : GROUP;
        for (int g = 0; g < G; g++) {
            const size_t o = (i0 + g) * out_img;
            if (relu_out)       /* the fused ReLU's backward on the way */
                rows_move(ROWS_WHERE_POSITIVE, s->OC * s->OH, s->OW, dout + o, s->OW,
                          wide + g * L.wide_size, L.Wp, relu_out + o, s->OW);
            else
                rows_copy(s->OC * s->OH, s->OW, dout + o, s->OW, wide + g * L.wide_size, L.Wp);
            if (s->pad)
                pad_image(s, &L, in + (i0 + g) * in_img, planes + g * L.plane_size);
        }
        /* the images' columns, in place: the padded planes, or the input itself */
        const float *x = s->pad ? planes : in + i0 * in_img;
        const ptrdiff_t x_step = s->pad ? (ptrdiff_t)L.plane_size : (ptrdiff_t)in_img;
        /* dw [OC, CKK] += sum over the group of dout_w [OC, Nw] x X^T [Nw, CKK];  db += dout_w 1 */
        gemm_nt_gather(G, (ptrdiff_t)L.wide_size, x_step, s->OC, L.ckk, L.nw, wide, L.ld, x, rows,
                       acc, ldw, GEMM_ACCUMULATE, NULL);
        const ptrdiff_t first = 0;
        gemm_nt_gather(G, (ptrdiff_t)L.wide_size, 0, s->OC, 1, L.nw, wide, L.ld, ones, &first,
                       acc + L.ckk, ldw, GEMM_ACCUMULATE, NULL);
        if (!din)
            continue;
        for (int g = 0; g < G; g++) {
            float *d = din + (i0 + g) * in_img;
            /* dX [CKK, Nw] = w^T [CKK, OC] x dout_w [OC, Nw] */
            gemm_nn(L.ckk, L.nw, s->OC, w, 1, L.ckk, wide + g * L.wide_size, L.ld, dcols, L.ld,
                    GEMM_ZERO, NULL);
            col2im(s, &L, rows, dcols, s->pad ? planes + g * L.plane_size : d, d);
        }
    }
    for (int oc = 0; oc < s->OC; oc++) {
        for (int k = 0; k < L.ckk; k++)
            dw[(size_t)oc * L.ckk + k] += acc[(size_t)oc * ldw + k];
        db[oc] += acc[(size_t)oc * ldw + L.ckk];
    }
}
