/* models/conv: 2-D convolution (k x k, stride 1, zero padding p) over a batch [B, C, H, W], image by
 * image on the calling thread: im2col into a small scratch that stays in cache, then one product
 * with the weights (models/gemm). Parallelism is the caller's: models/walk.c hands each thread its
 * own images and scratch, and sums the per-chunk weight gradients in a fixed order. */
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

/* Floats of scratch one call needs (independent of B): the padded image, its im2col columns, one
 * image's output gradient transposed and the call's weight gradient transposed. */
size_t conv_scratch_size(const ConvShape *s);

/* out: [B, OC, OH, OW]  in: [B, C, H, W]  w: [OC, C, K, K]  b: [OC]
 * relu_out: NULL, or [B, OC, OH, OW] that also receives max(out, 0) (a ReLU layer that follows,
 * computed while out is in cache). scratch: conv_scratch_size(s) floats, 64-byte aligned. */
void conv2d_forward(const ConvShape *s, float *out, const float *in, const float *w,
                    const float *b, float *relu_out, float *scratch);

/* dw: [OC, C, K, K] and db: [OC] accumulate; din: [B, C, H, W] is overwritten, or skipped when
 * NULL. dout: [B, OC, OH, OW]; in: the forward's input (its columns are rebuilt, not kept). With
 * relu_out (the fused ReLU's output) dout is the ReLU's output gradient, passed where relu_out > 0.
 * Within a call the images' gradients are summed in order, so a call's result does not depend on
 * threads. */
void conv2d_backward(const ConvShape *s, float *din, float *dw, float *db, const float *dout,
                     const float *relu_out, const float *in, const float *w, float *scratch);

#endif
