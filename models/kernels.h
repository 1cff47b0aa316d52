/* models/kernels: the fast path of dense, ReLU and flatten (convolution: models/conv.h, pooling:
 * models/pool.h), as plain functions over explicitly shaped float32 buffers; their definitions are
 * the *_ref functions of models/reference/. They know nothing of Model or Layer; models/layers.c
 * adapts them into the network's walk.
 * Convention: parameter gradients accumulate (+=); input gradients are overwritten (=), so the walk
 * never has to zero the activation gradients; a NULL din skips the input gradient. Dense splits its
 * products over `threads` (common/threads); ReLU runs on the calling thread, as the
 * model's walk gives each thread its own images. */
#ifndef MNL_KERNELS_H
#define MNL_KERNELS_H

#include <stddef.h>

/* out: [B, Out]  in: [B, In]  w: [Out, In]  b: [Out]   (out = in w^T + b, models/gemm; with
 * relu, out = relu(in w^T + b), bitwise relu_forward of the former: the ReLU after the layer).
 * With threads > 1 the output is split among them; every element is the same sum either way. */
void dense_forward(float *out, const float *in, const float *w, const float *b,
                   int B, int In, int Out, int relu, int threads);
/* dw: [Out, In] and db: [Out] accumulate, or are overwritten when `store` (what they held is
 * ignored: a model_zero_grad before, models/walk.c); din: [B, In] overwritten (or NULL);
 * dout: [B, Out].
 * din_mask: NULL, or [B, In], the output of a ReLU below this layer: din is then kept where it is
 * positive and +0 elsewhere, bitwise relu_backward of the plain din (the ReLU's backward, done as
 * din is stored). */
void dense_backward(float *din, float *dw, float *db, const float *dout, const float *in,
                    const float *w, const float *din_mask, int B, int In, int Out, int store,
                    int threads);

/* out, in: [n] */
void relu_forward(float *out, const float *in, size_t n);
/* din, dout, out: [n]; the gradient passes where the output is positive */
void relu_backward(float *din, const float *dout, const float *out, size_t n);

/* Flatten moves the data unchanged: out = in, [n] (memcpy). */
void copy_forward(float *out, const float *in, size_t n);

#endif
