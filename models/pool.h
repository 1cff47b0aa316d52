/* models/pool: the fast 2x2 max pooling (stride 2, floor), plane by plane in the vector width
 * models/isa picks; the same results bit for bit as maxpool2_forward_ref / maxpool2_backward_ref
 * (a later corner of a window wins only when strictly greater). Single-threaded: the model's walk
 * gives each thread its own images. */
#ifndef MNL_POOL_H
#define MNL_POOL_H

#include <stddef.h>

/* out: [B, C, H/2, W/2]  in: [B, C, H, W] */
void maxpool2_forward(float *out, const float *in, int B, int C, int H, int W);
/* din: [B, C, H, W], every element written: dout to the corner that won, 0 elsewhere */
void maxpool2_backward(float *din, const float *dout, const float *in, int B, int C, int H, int W);

/* One [H, W] plane's gradient into rows of stride ldd (dst[y*ldd + x], x < W; nothing else is
 * written): maxpool2_backward's routing, and with relu the backward of a ReLU before the pool on
 * the way (the gradient passes only where the picked value in, the ReLU's output, is > 0), bitwise
 * maxpool2_backward_ref followed by relu_backward_ref. g: [H/2, W/2]  in: [H, W]. What a
 * convolution's backward uses to spread a pooled gradient straight into its padded rows
 * (models/conv.c, conv2d_relu_pool_backward). */
void maxpool2_relu_backward_rows(float *dst, ptrdiff_t ldd, const float *g, const float *in,
                                 int H, int W, int relu);

#endif
