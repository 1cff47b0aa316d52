/* models/walk: the fast walk (see walk.c). model_forward and model_backward call it unless the
 * model is on the reference path. */
#ifndef MNL_WALK_H
#define MNL_WALK_H

#include "models/network.h"

/* The per-image layers walk the batch in this many slices whatever the thread count (24 share out
 * evenly over 1, 2, 3, 4, 6, 8 or 12 threads; summing 24 partial copies of the conv weights costs
 * well under 1% of a step). model_alloc_batch sizes the partial gradients for it. */
#define WALK_CHUNKS 24

/* x: [B, in_c, in_h, in_w]; as model_forward_ref / model_backward_ref (models/walk_ref.h), m->train already set. */
void walk_forward(Model *m, const float *x, int B);
void walk_backward(Model *m, const float *x, int B);

#endif
