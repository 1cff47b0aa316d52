/* models/kernels: forward and backward of the layers other than convolution (dense, ReLU, 2x2 max
 * pooling, dropout, flatten), as plain functions over explicitly shaped float32 buffers. They know
 * nothing of Model or Layer; models/layers.c adapts them into the network's walk.
 * Convention: parameter gradients accumulate (+=); input gradients are overwritten (=), so the walk
 * never has to zero the activation gradients; a NULL din skips the input gradient. Dense splits its
 * products over `threads` (common/threads); ReLU and pooling run on the calling thread, as the
 * model's walk gives each thread its own images. */
#ifndef MNL_KERNELS_H
#define MNL_KERNELS_H

#include <stddef.h>

/* out: [B, Out]  in: [B, In]  w: [Out, In]  b: [Out]   (out = in w^T + b, models/gemm).
 * With threads > 1 the output is split among them; every element is the same sum either way. */
void dense_forward(float *out, const float *in, const float *w, const float *b,
                   int B, int In, int Out, int threads);
/* dw: [Out, In] and db: [Out] accumulate; din: [B, In] overwritten (or NULL); dout: [B, Out] */
void dense_backward(float *din, float *dw, float *db, const float *dout, const float *in,
                    const float *w, int B, int In, int Out, int threads);

/* out, in: [n] */
void relu_forward(float *out, const float *in, size_t n);
/* din, dout, out: [n]; the gradient passes where the output is positive */
void relu_backward(float *din, const float *dout, const float *out, size_t n);

/* out: [B, C, H/2, W/2]  in: [B, C, H, W]; 2x2 windows, stride 2, an odd last row/column dropped
 * (floor, as PyTorch). Ties go to the first of (0,0), (0,1), (1,0), (1,1). */
void maxpool2_forward(float *out, const float *in, int B, int C, int H, int W);
/* din: [B, C, H, W] overwritten: each window's gradient goes only to the position the forward
 * picked (found again from in with the same tie rule, so no index buffer is kept). */
void maxpool2_backward(float *din, const float *dout, const float *in, int B, int C, int H, int W);

/* Flatten moves the data unchanged: out = in, [n] (memcpy). */
void copy_forward(float *out, const float *in, size_t n);

#endif
