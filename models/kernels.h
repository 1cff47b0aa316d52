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

/* Flatten moves the data unchanged: out = in, [n] (memcpy). */
void copy_forward(float *out, const float *in, size_t n);

#endif
