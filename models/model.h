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
int model_alloc_batch(Model *m, int max_batch);
void model_free(Model *m);

/* ---- one step ---- */
/* x: [B, in_c, in_h, in_w]. Returns the logits [B, num_outputs] (owned by the model). train=1
 * enables dropout. B <= max_batch. */
const float *model_forward(Model *m, const float *x, int B, int train);
/* Mean loss over the batch of the last forward; writes model->dlogits (gradient of the mean loss),
 * model->probs [B, num_classes], pred[B] (argmax class) when pred != NULL. y: [B] in 0..K-1. */
double model_loss(Model *m, const int *y, int B, int *pred);
/* Zero every gradient. */
void model_zero_grad(Model *m);
/* Backpropagate model->dlogits through the layers of the last forward; gradients accumulate. */
void model_backward(Model *m, const float *x, int B);

/* "fast" or "reference" -> *k; 0, or -1 for any other name. */
int kernels_parse(const char *name, Kernels *k);
const char *kernels_name(Kernels k);

/* ---- description ---- */
size_t model_param_count(const Model *m);
double model_mflops(const Model *m);                 /* forward MFLOPs per image */
int model_layer_info(const Model *m, LayerInfo *rows, int max_rows);   /* returns rows written */
void model_print_summary(const Model *m, FILE *out); /* the `mnistlab info` table */
/* Output of layer i for image b of the last forward, and its shape (feature maps). */
const float *model_layer_output(const Model *m, int i, int b, int *c, int *h, int *w);

#endif
