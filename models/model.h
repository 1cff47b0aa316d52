/* models/model: the plug-in interface. A family (softmax, mlp, cnn, ...) builds a Model from a
 * ModelSpec (models/network.h); every built Model then goes through the same life cycle (build,
 * size the batch buffers, free) and the same step (forward, loss, backward). Nothing here knows
 * about files, configs or plots. */
#ifndef MNL_MODEL_H
#define MNL_MODEL_H

#include <stdio.h>
#include <gsl/gsl_rng.h>

#include "models/network.h"
#include "models/profile.h"
#include "models/registry.h"

/* ---- life cycle ---- */
/* Build spec->family; on failure the model is left freed and the detail names the bad item. */
int model_build(Model *m, const ModelSpec *spec, gsl_rng *rng);
/* Size activation and scratch buffers for batches of up to max_batch images (once per run). */
/* What a spec asks for, found without allocating it: for refusing a model (a hostile checkpoint's
 * settings, a batch too large) before the memory is taken. */
typedef struct {
    size_t params;           /* parameter values: weights, biases, running statistics */
    int tensors;             /* parameter tensors, in model order */
    size_t act_per_image;    /* floats of layer outputs per image */
    size_t widest;           /* the widest layer input or output per image */
    size_t outputs;          /* logits and class probabilities per image */
} ModelPlan;
/* Plan spec; *tensors (when not NULL) gets the malloc'd list of its tensors' names and shapes, with
 * NULL values (free it). */
int model_plan(const ModelSpec *spec, ModelPlan *plan, ParamTensor **tensors);
/* About the bytes model_build and model_alloc_batch(batch) would take (the walk's scratch aside). */
double model_plan_bytes(const ModelPlan *plan, int batch);
int model_alloc_batch(Model *m, int max_batch);
void model_free(Model *m);

/* ---- a fitted family ---- */
/* Fit m->fitted on train (x: [n, in_c*in_h*in_w]); see models/fitted.h for watch and hooks. */
int model_fit(Model *m, const FitSet *train, const FitSet *const *watch, const FitHooks *hooks);
/* Its size; count 0 and unit "parameters" for a network. */
void model_size(const Model *m, FittedSize *s);

/* ---- one step ---- */
/* x: [B, in_c, in_h, in_w]. Returns the logits (a fitted model: log-probabilities) [B, num_outputs] (owned by the model). train=1
 * enables dropout. B <= max_batch. */
const float *model_forward(Model *m, const float *x, int B, int train);
/* Mean loss over the batch of the last forward; writes model->dlogits (gradient of the mean loss),
 * model->probs [B, num_classes], pred[B] (argmax class) when pred != NULL. y: [B] in 0..K-1. */
double model_loss(Model *m, const int *y, int B, int *pred);
/* Zero every gradient, as PyTorch's zero_grad(set_to_none=True): nothing is written; the next
 * backward stores the gradients instead of adding to them (Model.grads_unset). */
void model_zero_grad(Model *m);
/* Write the zeros a model_zero_grad left unwritten (nothing to do otherwise): call it before
 * reading grad_block when no backward may have come since (optim_step does). */
void model_settle_grads(Model *m);
/* Backpropagate model->dlogits through the layers of the last forward; gradients accumulate
 * (onto zeros after model_zero_grad). */
void model_backward(Model *m, const float *x, int B);

/* "fast" or "reference" -> *k; 0, or -1 for any other name. */
int kernels_parse(const char *name, Kernels *k);
const char *kernels_name(Kernels k);

/* ---- description ---- */
size_t model_param_count(const Model *m);
double model_mflops(const Model *m);                 /* forward MFLOPs per image */
int model_layer_info(const Model *m, LayerInfo *rows, int max_rows);   /* returns rows written */
void model_print_summary(const Model *m, FILE *out); /* the `mnistlab info` table */
/* Output of layer i for image b of the last forward, and its shape (feature maps). A conv whose
 * ReLU and pool the fast walk fuses writes its own output only when m->keep_maps was set before
 * that forward. */
const float *model_layer_output(const Model *m, int i, int b, int *c, int *h, int *w);

#endif
