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

/* Whether conv2d_relu_pool_forward uses its direct kernel for this shape: one input channel, a
 * 3x3 kernel, an even output (any padding). */
int conv_relu_pool_direct(const ConvShape *s);

/* The forward of this convolution, the ReLU after it and a 2x2 max pool after that, in one pass.
 * For a shape conv_relu_pool_direct takes, a direct kernel (no im2col product, no wide rows) that
 * pools each pair of output rows while they are in registers; for any other, conv2d_forward's
 * product image by image, each image pooled while its ReLU is in cache. pooled: [B, OC, OH/2,
 * OW/2] the pool's output; codes: B x pool_codes_size(OC, OH, OW) bytes, the pool's picks, all its
 * backward needs (models/pool.h); relu_out: [B, OC, OH, OW] the ReLU's output, and out: [B, OC,
 * OH, OW] the convolution's own, each NULL not to write it (training: nothing reads them). Bitwise
 * conv2d_forward with relu_out, then maxpool2_forward, in every instruction set
 * (models/reference/: conv2d_relu_maxpool2_forward_ref). scratch: conv_scratch_size(s) floats. */
void conv2d_relu_pool_forward(const ConvShape *s, float *pooled, unsigned char *codes,
                              float *relu_out, float *out, const float *in, const float *w,
                              const float *b, float *scratch);

/* dw: [OC, C, K, K] and db: [OC] accumulate; din: [B, C, H, W] is overwritten, or skipped when
 * NULL. dout: [B, OC, OH, OW]; in: the forward's input (its columns are rebuilt, not kept). With
 * relu_out (the fused ReLU's output) dout is the ReLU's output gradient, passed where relu_out > 0.
 * Within a call the images' gradients are summed in order, so a call's result does not depend on
 * threads. */
void conv2d_backward(const ConvShape *s, float *din, float *dw, float *db, const float *dout,
                     const float *relu_out, const float *in, const float *w, float *scratch);

/* The backward of this convolution, the ReLU after it and a 2x2 max pool after that, in one pass:
 * dpool [B, OC, OH/2, OW/2] is the pool's output gradient and codes the picks of the forward above.
 * Each window's gradient goes to the corner the pool picked, and on only where that value was > 0,
 * straight into the rows the products read, so the pool's input gradient is never written nor read
 * back, nor is the ReLU's output. Bitwise maxpool2_backward, then conv2d_backward with relu_out
 * (models/reference/: conv2d_relu_maxpool2_backward_ref). */
void conv2d_relu_pool_backward(const ConvShape *s, float *din, float *dw, float *db,
                               const float *dpool, const unsigned char *codes, const float *in,
                               const float *w, float *scratch);

#endif
