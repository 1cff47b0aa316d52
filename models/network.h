/* models/network: what a built network is, types only: the spec a family builds from, the Model
 * (an ordered list of layers, a head that owns the loss, a flat list of parameter tensors that the
 * optimizer walks) and its parts. Every module of models/ stands on these; the life cycle and the
 * step are models/model.h. Nothing here knows about files, configs or plots. */
#ifndef MNL_NETWORK_H
#define MNL_NETWORK_H

#include <stddef.h>
#include <gsl/gsl_rng.h>

#include "models/fitted.h"

#define MODEL_MAX_HIDDEN 16
#define MODEL_SPEC_LEN   2048
#define LAYER_ITEM_LEN   64     /* longest spec item, e.g. "conv 16 3 pad 1" */

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
    FitSpec fit;                     /* the fitted families' settings (models/fitted.h) */
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

typedef struct LayerKind LayerKind;  /* a kind's entry in the table of models/layers.h */
typedef struct Layer Layer;

/* One layer: shapes, its small arguments, and where its data sit in the model's blocks. */
struct Layer {
    const LayerKind *kind;
    char name[24];                  /* "conv2": kind plus its ordinal among layers of that kind */
    char item[LAYER_ITEM_LEN];      /* the spec item it was made from, for messages and summaries */
    int in_c, in_h, in_w;           /* one image's input shape */
    int out_c, out_h, out_w;        /* one image's output shape; [N, 1, 1] after dense/flatten */
    int arg[3];                     /* the kind's integers: dense {N}, conv {OUT, K, P} */
    float farg;                     /* dropout's P */
    int w_rank, w_shape[4];         /* weight shape (w_rank 0: no parameters) */
    size_t n_w, n_b;                /* weight and bias element counts */
    size_t n_s;                     /* floats of each state tensor (kind->state_names), after the
                                       bias in the parameter block */
    int fan_in;                     /* inputs feeding one output, for initialisation */
    size_t param_off;               /* weight in param_block/grad_block; its bias follows */
    size_t keep_per_image;          /* kept scratch floats per image (dropout masks) */
    size_t temp_per_thread;         /* scratch floats one call needs on one thread, for any B */
    size_t act_off;                 /* output [B, out] in act_block/dact_block */
    size_t keep_off;                /* kept scratch in scratch_block */
    size_t part_off;                /* per-image kinds with parameters: where their gradients sit
                                       in each chunk's block of partial gradients (model.c) */
    int flat;                       /* output is a vector, shown as [N] rather than [N, 1, 1] */
};

/* Seconds spent in one row of the profile (a layer, the loss, or the optimizer), summed over calls;
 * training forwards and evaluation forwards apart, as they are different workloads; and the images
 * those calls covered (for the layer's GFLOP/s). */
typedef struct {
    double train_fwd_s, eval_fwd_s, bwd_s;
    long train_fwd_n, eval_fwd_n, bwd_n;
    double train_fwd_img, eval_fwd_img, bwd_img;
} ProfileRow;
typedef struct Model Model;

/* A model family: one file in models/ plus one line in the registry (models/registry.c). A network
 * family has build; a fitted family (models/fitted.h) has fitted instead. */
typedef struct {
    const char *name;
    const char *description;
    int (*build)(Model *m, const ModelSpec *spec, gsl_rng *rng);  /* 0 or an MnlStatus */
    const char *settings;            /* the family-specific [model] keys it reads ("hidden
                                        dropout"); any other set is refused, not ignored */
    const FittedOps *fitted;         /* NULL for a network */
    const char *train_settings;      /* a fitted family: the [train] keys it reads ("batch seed
                                        threads"); any other set is refused, not ignored */
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
    int keep_maps;                   /* 1: every forward writes every layer's output, also those
                                        no pass reads (a conv's before its fused ReLU and pool),
                                        for model_layer_output; 0 (the default): not */
    Fitted *fitted;                  /* a fitted family's model (no layers, no parameters), or
                                        NULL for a network; owned */
    ProfileRow *profile;             /* NULL, or n_layers + 2 rows (layers, loss, optimizer) while
                                        model_profile_enable is on; owned */
    float *dinput;                   /* NULL (training), or [max_batch, in_c, in_h, in_w] where the
                                        backward writes d(loss)/d(image): models/input_grad */
    int grads_unset;                 /* 1 after model_zero_grad until the next backward: the
                                        gradients are zero but grad_block still holds the last
                                        ones; the backward stores instead of adding, and
                                        model_settle_grads writes the zeros (models/model.h) */
};

#endif
