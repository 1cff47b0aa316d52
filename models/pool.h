/* models/pool: the fast 2x2 max pooling (stride 2, floor), plane by plane in the vector width
 * models/isa picks; the same results bit for bit as maxpool2_forward_ref / maxpool2_backward_ref
 * (a later corner of a window wins only when strictly greater). Single-threaded: the model's walk
 * gives each thread its own images. */
#ifndef MNL_POOL_H
#define MNL_POOL_H

/* out: [B, C, H/2, W/2]  in: [B, C, H, W] */
void maxpool2_forward(float *out, const float *in, int B, int C, int H, int W);
/* din: [B, C, H, W], every element written: dout to the corner that won, 0 elsewhere */
void maxpool2_backward(float *din, const float *dout, const float *in, int B, int C, int H, int W);

#endif
