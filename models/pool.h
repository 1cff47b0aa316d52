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

/* ---- a ReLU and the pool after it, whose forward keeps its picks for the backward ----
 * One byte per window: the corner the pool picked, 0 (0,0), 1 (0,1), 2 (1,0) or 3 (1,1) by the
 * rule above, or POOL_BLOCKED when the picked value (a ReLU's output) is not > 0, so that the
 * ReLU's backward passes nothing there. A plane's codes are H/2 rows of pool_codes_row(W) bytes
 * (whole vectors of them, the bytes past W/2 of no meaning). The backward reads these instead of
 * the ReLU's output: for cnn's first conv, 3 kB an image instead of 50 kB. */
#define POOL_BLOCKED 4

static inline size_t pool_codes_row(int W)
{
    return ((size_t)(W / 2) + 15) / 16 * 16;
}

/* Bytes of codes of C planes [H, W]. */
static inline size_t pool_codes_size(int C, int H, int W)
{
    return (size_t)C * (size_t)(H / 2) * pool_codes_row(W);
}

/* out: [C, H/2, W/2] the pool of in: [C, H, W] (a ReLU's output), bitwise maxpool2_forward; codes:
 * pool_codes_size(C, H, W) bytes, its picks. */
void maxpool2_forward_codes(float *out, unsigned char *codes, const float *in, int C, int H, int W);
/* The same of the ReLU of in, read in place: C planes of H rows of W floats, the rows lds apart and
 * the planes in_plane apart (a convolution's wide rows, models/conv.c), so that the ReLU's output
 * is never written. */
void maxpool2_relu_forward_codes(float *out, unsigned char *codes, const float *in, ptrdiff_t lds,
                                 size_t in_plane, int C, int H, int W);

/* One [H, W] plane's gradient into rows of stride ldd (dst[y*ldd + x], x < W; nothing else is
 * written): g [H/2, W/2], the pool's output gradient, to the corner each window's code names, 0
 * elsewhere, 0 to all four where the code is POOL_BLOCKED and to the row and column an odd size
 * drops; bitwise maxpool2_backward_ref followed by relu_backward_ref on the ReLU's output the codes
 * were made from. What a convolution's backward uses to spread a pooled gradient straight into its
 * padded rows (models/conv.c, conv2d_relu_pool_backward). */
void maxpool2_relu_backward_codes(float *dst, ptrdiff_t ldd, const float *g,
                                  const unsigned char *codes, int H, int W);

#endif
