/* models/walk: the fast walk (see walk.c). model_forward and model_backward call it unless the
 * model is on the reference path. */
#ifndef MNL_WALK_H
#define MNL_WALK_H

#include "models/model.h"

/* The per-image layers walk the batch in this many slices whatever the thread count (24 share out
 * evenly over 1, 2, 3, 4, 6, 8 or 12 threads; summing 24 partial copies of the conv weights costs
 * well under 1% of a step). model_alloc_batch sizes the partial gradients for it. */
#define WALK_CHUNKS 24

/* x: [B, in_c, in_h, in_w]; as model_forward_ref / model_backward_ref, m->train already set. */
void walk_forward(Model *m, const float *x, int B);
void walk_backward(Model *m, const float *x, int B);
/* Layer i takes in the ReLU that follows it (conv then relu): the walk runs the pair as one. */
int walk_fuses_next_relu(const Model *m, int i);
/* Layer i, a conv that takes in its ReLU, also does the backward of the 2x2 max pool after that
 * ReLU (conv2d_relu_pool_backward): the pool's input gradient is never written. */
int walk_fuses_pool_backward(const Model *m, int i);

#endif
