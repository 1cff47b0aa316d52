/* models/conv: 2-D convolution (k x k, stride 1, zero padding p) over a batch [B, C, H, W], as a
 * batched im2col followed by one SGEMM per pass, so the matrix products span the whole batch.
 * Owns im2col/col2im and the layout changes between GEMM order and [B, C, H, W]. */
#ifndef MNL_CONV_H
#define MNL_CONV_H

#include <stddef.h>

/* The geometry of one convolution over one batch. OH = H + 2 pad - K + 1, likewise OW. */
typedef struct {
    int B, C, H, W;       /* input [B, C, H, W] */
    int OC, K, pad;       /* weight [OC, C, K, K], bias [OC] */
    int OH, OW;           /* output [B, OC, OH, OW] */
} ConvShape;

/* Fill s; the caller has checked that K <= H + 2 pad and K <= W + 2 pad. */
void conv_shape(ConvShape *s, int B, int C, int H, int W, int OC, int K, int pad);

/* Floats of the im2col columns, [C*K*K, B*OH*OW]. Forward fills them and backward needs them. */
size_t conv_cols_size(const ConvShape *s);
/* Floats of the temporary GEMM result, [OC, B*OH*OW]; needed only during one call. */
size_t conv_temp_size(const ConvShape *s);

/* out: [B, OC, OH, OW]  in: [B, C, H, W]  w: [OC, C, K, K]  b: [OC]
 * cols: [C*K*K, B*OH*OW] (written; keep it for backward)  temp: [OC, B*OH*OW] (scratch). */
void conv2d_forward(const ConvShape *s, float *out, const float *in, const float *w,
                    const float *b, float *cols, float *temp, int threads);

/* dw: [OC, C, K, K] and db: [OC] accumulate; din: [B, C, H, W] is overwritten, or skipped when
 * NULL. dout: [B, OC, OH, OW]. cols holds the forward's columns on entry and is reused for the
 * column gradient (so call backward once per forward). temp: [OC, B*OH*OW] scratch. */
void conv2d_backward(const ConvShape *s, float *din, float *dw, float *db, const float *dout,
                     float *cols, const float *w, float *temp, int threads);

/* The two halves of the layout change, exposed for tests. cols: [C*K*K, B*OH*OW]. */
void conv_im2col(const ConvShape *s, const float *in, float *cols, int threads);
/* din: [B, C, H, W] = the sum of every column entry back onto the pixel it was copied from. */
void conv_col2im(const ConvShape *s, const float *cols, float *din, int threads);

#endif
