/* models/optim: SGD (L2 on weights, optional momentum) and Adam (bias-corrected as in PyTorch,
 * optional weight decay), walking a Model's flat parameter list. Owns its moment buffers. */
#ifndef MNL_OPTIM_H
#define MNL_OPTIM_H

#include "models/model.h"

typedef enum { OPT_SGD = 0, OPT_ADAM = 1 } OptimKind;

typedef struct {
    OptimKind kind;
    float lr;
    float l2;              /* SGD: lambda, adds lambda*w to the gradient of weights (not biases) */
    float momentum;        /* SGD: 0 = plain SGD; PyTorch-style buffer v = mu*v + g; w -= lr*v */
    float beta1, beta2, eps;   /* Adam: 0.9, 0.999, 1e-8 by default */
    float weight_decay;    /* Adam: added to the gradient of weights (PyTorch Adam, not AdamW) */
} OptimSpec;

typedef struct {
    OptimSpec spec;
    long step;             /* steps taken (Adam's t) */
    size_t n;              /* = model->n_param_values */
    float *m, *v;          /* Adam moments / SGD momentum buffer (m); NULL when unused */
} Optimizer;

void optim_spec_defaults(OptimSpec *s, OptimKind kind);   /* lr 0.1 SGD / 1e-3 Adam, betas, eps */
int optim_init(Optimizer *o, const OptimSpec *spec, const Model *m);
/* One update from the model's gradients (which it does not zero). */
void optim_step(Optimizer *o, Model *m);
void optim_free(Optimizer *o);

#endif
