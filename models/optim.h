/* models/optim: SGD (L2 on weights, optional momentum, optionally Nesterov's), Adam (bias-corrected
 * as in PyTorch, optional weight decay) and AdamW (Adam with decoupled weight decay), walking a Model's flat parameter list. Owns its moment buffers, which
 * share the layout of the model's parameter block (moment i belongs to param_block[i]). */
#ifndef MNL_OPTIM_H
#define MNL_OPTIM_H

#include "models/network.h"

typedef enum { OPT_SGD = 0, OPT_ADAM = 1, OPT_ADAMW = 2 } OptimKind;

typedef struct {
    OptimKind kind;
    float lr;
    float l2;              /* SGD: lambda, adds lambda*w to the gradient of weights (not biases) */
    float momentum;        /* SGD: 0 = plain SGD; PyTorch-style buffer v = mu*v + g; w -= lr*v */
    int nesterov;          /* SGD with momentum: w -= lr*(g + mu*v) instead (PyTorch nesterov=True) */
    /* Adam: 0.9, 0.999, 1e-8 by default. Double, as PyTorch's Python floats are, so that 1 - beta2
     * is 0.001 and not the 0.00099998713 a float 0.999 would leave. */
    double beta1, beta2, eps;
    /* Adam: added to the gradient of weights (PyTorch Adam). AdamW: decoupled, w *= 1 - lr*decay
     * before the Adam step, the moments never see it (torch.optim.AdamW). Unlike PyTorch, which
     * decays every parameter it is given, biases are never decayed here. */
    float weight_decay;
} OptimSpec;

typedef struct {
    OptimSpec spec;
    long step;             /* steps taken (Adam's t) */
    size_t n;              /* = model->n_param_values */
    /* Adam: first and second moments; SGD: momentum buffer in m (NULL for plain SGD), v NULL. */
    float *m, *v;
} Optimizer;

/* Adam and AdamW keep the same two moment buffers. */
static inline int optim_is_adam(OptimKind k) { return k == OPT_ADAM || k == OPT_ADAMW; }

void optim_spec_defaults(OptimSpec *s, OptimKind kind);   /* lr 0.1 SGD / 1e-3 Adam, betas, eps */
/* Validate spec (finite, lr >= 0, decay and momentum >= 0, betas in [0,1), eps > 0; else
 * MNL_ERR_ARG) and allocate zeroed buffers for m's parameters. */
int optim_init(Optimizer *o, const OptimSpec *spec, const Model *m);
/* The learning rate of the next steps: the optimizer's own, set by whoever schedules it (the
 * runner, from models/lr_schedule each epoch); optim_init starts it at spec->lr. */
void optim_set_lr(Optimizer *o, float lr);
float optim_lr(const Optimizer *o);
/* One update from the model's gradients (which it does not zero). Allocation-free. */
void optim_step(Optimizer *o, Model *m);
/* The same update by the plain formulas of models/reference/optim.c, tensor after tensor: what
 * optim_step does on the reference path (o->step already counts this step). */
void optim_step_ref(Optimizer *o, Model *m);
void optim_free(Optimizer *o);

#endif
