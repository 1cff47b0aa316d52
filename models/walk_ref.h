/* models/walk_ref: the reference walk over a network's layers (see walk_ref.c): what
 * model_forward and model_backward run on the reference path, and the oracle of the fast walk. */
#ifndef MNL_WALK_REF_H
#define MNL_WALK_REF_H

#include "models/network.h"

/* x: [B, in_c, in_h, in_w]; each layer's output into the model's activation block */
void model_forward_ref(Model *m, const float *x, int B);
/* from m->dlogits back to the first layer's parameters */
void model_backward_ref(Model *m, const float *x, int B);

#endif
