/* models/model: the plug-in interface. A family (softmax, mlp, cnn, ...) builds a Model from a
 * ModelSpec; every built Model is the same thing: an ordered list of layers, a head that owns the
 * loss, and a flat list of parameter tensors (value + gradient) that the optimizer walks.
 * Nothing here knows about files, configs or plots. */
#ifndef MNL_MODEL_H
#define MNL_MODEL_H

#include <stddef.h>
#include <stdio.h>
#include <gsl/gsl_rng.h>

#define MODEL_MAX_HIDDEN 16
#define MODEL_SPEC_LEN   2048

typedef enum { HEAD_SOFTMAX = 0, HEAD_SIGMOID = 1 } HeadKind;      /* K-way CE | 1 logit + BCE */
typedef enum { INIT_PYTORCH = 0, INIT_UNIFORM = 1, INIT_HE = 2 } InitKind;
/* Which functions compute a step: the fast path (SIMD kernels, the chunked walk, threads) or the
 * reference path (models/reference/: plain loops, the plain walk, one thread), the same numbers to
 * float32 rounding. */
typedef enum { KERNELS_FAST = 0, KERNELS_REFERENCE = 1 } Kernels;

/* What a family needs to build a network. Filled by the runner from an experiment's [model]. */
typedef struct {
    char family[32];                 /* registry name: "softmax", "mlp", "cnn" */
    int in_c, in_h, in_w;            /* input image shape, 1x28x28 for MNIST */
    int num_classes;                 /* K classes of the task (2 for 4-vs-9) */
    HeadKind head;                   /* HEAD_SIGMOID needs num_classes == 2 and one output logit */
    int hidden[MODEL_MAX_HIDDEN];    /* mlp: widths of the hidden dense+ReLU layers */
    int n_hidden;
    char layers[MODEL_SPEC_LEN];     /* cnn: "conv 16 3 pad 1, relu, maxpool 2, ..., dense 10" */
    float dropout;                   /* mlp: dropout after each hidden ReLU (0 = none) */
    InitKind init;
    float init_scale;                /* INIT_UNIFORM: weights U(-A, A), biases 0 */
} ModelSpec;

/* One parameter tensor: a view into the model's single parameter and gradient blocks. */
typedef struct {
    char name[32];                   /* "conv1.weight", "dense2.bias", ... (unique, stable) */
    float *value;
    float *grad;
    size_t n;                        /* element count */
    int is_weight;                   /* 1: weight (gets L2 / weight decay), 0: bias */
    int is_state;                    /* 1: running statistics (batchnorm): saved in checkpoints,
                                        never trained (the optimizers skip it, its grad stays 0) */
    int rank, shape[4];              /* e.g. conv weight [Out, In, k, k], dense weight [Out, In] */
} ParamTensor;

typedef struct Layer Layer;          /* defined in models/layers.h */

/* Seconds spent in one row of the profile (a layer, the loss, or the optimizer), summed over calls;
 * training forwards and evaluation forwards apart, as they are different workloads. */
typedef struct {
    double train_fwd_s, eval_fwd_s, bwd_s;
    long train_fwd_n, eval_fwd_n, bwd_n;
} ProfileRow;
typedef struct Model Model;

/* A model family: one file in models/ plus one line in the registry (models/registry.c). */
typedef struct {
    const char *name;
    const char *description;
    int (*build)(Model *m, const ModelSpec *spec, gsl_rng *rng);  /* 0 or an MnlStatus */
    const char *settings;            /* the family-specific [model] keys it reads ("hidden
                                        dropout"); any other set is refused, not ignored */
} ModelFamily;

/* Per-layer row of the summary table (what torchsummary prints). */
typedef struct {
    char name[32];                   /* "conv1", "relu1", ... */
    char kind[16];                   /* "conv", "relu", ... */
    int out_c, out_h, out_w;         /* output shape per image */
    size_t params;
    double mflops;                   /* forward MFLOPs per image (multiply-add = 2 FLOPs) */
} LayerInfo;

struct Model {
    ModelSpec spec;
    HeadKind head;
    int num_outputs;                 /* logits per image: K, or 1 for the sigmoid head */
    int in_c, in_h, in_w;

    Layer *layers;                   /* ordered; owned */
    int n_layers;

    float *param_block;              /* every parameter, contiguous; owned */
    float *grad_block;               /* same layout; owned */
    size_t n_param_values;
    ParamTensor *params;             /* views into the blocks; owned */
    int n_params;

    int max_batch;                   /* activations are sized for this many images */
    float *act_block;                /* layer outputs (forward) */
    float *dact_block;               /* their gradients (backward) */
    float *scratch_block;            /* dropout masks, per-chunk partial gradients, per-thread
                                        scratch (im2col columns) */
    size_t act_size, scratch_size;   /* floats in each block */
    size_t partial_off, partial_stride;   /* chunk c's partial gradients of the per-image layers:
                                             scratch_block + partial_off + c * partial_stride */
    size_t temp_off, temp_stride;    /* thread t's scratch: scratch_block + temp_off + t * temp_stride */
    int scratch_threads;             /* threads the per-thread scratch was sized for */
    float *dlogits;                  /* [max_batch, num_outputs] */
    float *probs;                    /* [max_batch, num_classes]: class probabilities */

    gsl_rng *dropout_rng;            /* owned; seeded by model_build from the build rng */
    int threads;                     /* threads for this model's kernels (>= 1; at most
                                        scratch_threads are used; the reference path uses one) */
    Kernels kernels;                 /* KERNELS_FAST unless set after model_build */
    int train;                       /* mode of the last forward (1: training, dropout active);
                                        the backward that follows uses the same masks */
    ProfileRow *profile;             /* NULL, or n_layers + 2 rows (layers, loss, optimizer) while
                                        model_profile_enable is on; owned */
};

/* ---- registry ---- */
const ModelFamily *model_family_find(const char *name);      /* NULL when unknown */
const ModelFamily *model_family_at(int i);                    /* NULL past the end */

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

/* ---- per-layer timing (`mnistlab train --profile`) ---- */
/* on=1: start summing wall-clock seconds per layer (forward, backward), loss and optimizer step
 * (optim_step reports to it); on=0: stop and forget. 0, or MNL_ERR_NOMEM. */
int model_profile_enable(Model *m, int on);
/* Add seconds to the optimizer's row (zero_grad and optim_step); no-op when profiling is off. */
void model_profile_optimizer(Model *m, double seconds);
/* The table: milliseconds per batch for each layer's training forward, backward and evaluation
 * forward, and each row's share of the training step. Prints nothing when profiling is off. */
void model_profile_print(const Model *m, FILE *out);
/* Wall clock in seconds, for the profile. */
double model_clock(void);

/* ---- description ---- */
size_t model_param_count(const Model *m);
double model_mflops(const Model *m);                 /* forward MFLOPs per image */
int model_layer_info(const Model *m, LayerInfo *rows, int max_rows);   /* returns rows written */
void model_print_summary(const Model *m, FILE *out); /* the `mnistlab info` table */
/* Output of layer i for image b of the last forward, and its shape (feature maps). */
const float *model_layer_output(const Model *m, int i, int b, int *c, int *h, int *w);

#endif
