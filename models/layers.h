/* models/layers: the layer kinds a network is stacked from. Each kind registers its name, how it
 * parses its arguments ("16 3 pad 1"), its output shape, parameters and scratch, its FLOPs, and two
 * pairs of adapters inside the network's walk: the reference pair, which calls the plain functions
 * of models/reference/, and optionally a fast pair (models/kernels.h, models/conv.h). The table is
 * in layers.c: a new kind is one entry, and no spec parser grows a switch. */
#ifndef MNL_LAYERS_H
#define MNL_LAYERS_H

#include <stdio.h>

#include <stddef.h>
#include <gsl/gsl_rng.h>

#include "models/model.h"

#define MODEL_MAX_LAYERS 64     /* a sane cap: more is a spec error */
#define LAYER_ITEM_LEN   64     /* longest spec item, e.g. "conv 16 3 pad 1" */
#define LAYER_WHY_LEN    160

/* What an adapter may touch besides its input and output, for one call over B images. */
typedef struct {
    int B;
    const float *w, *b;     /* the layer's parameters (NULL for kinds without) */
    float *dw, *db;         /* their gradients, accumulated */
    float *state;           /* the layer's running statistics (batchnorm), NULL for kinds without */
    float *keep;            /* the layer's own scratch, kept from forward to backward */
    float *temp;            /* this thread's scratch (temp_per_thread floats), valid during one call */
    int train;              /* the mode of this forward (or of the forward a backward follows) */
    gsl_rng *rng;           /* dropout's mask source */
    int threads;            /* threads the adapter may split its work over (common/threads) */
    /* A ReLU fused into a kind with fuses_relu: forward also writes the ReLU's output to relu_out;
     * backward receives the ReLU's output gradient as dout and its output as relu_out. */
    float *relu_out;
} LayerCtx;

typedef struct LayerKind LayerKind;

typedef void (*LayerForward)(const Layer *l, const LayerCtx *c, const float *in, float *out);
typedef void (*LayerBackward)(const Layer *l, const LayerCtx *c, const float *in, const float *out,
                              const float *dout, float *din);

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

struct LayerKind {
    const char *name;
    const char *usage;      /* how a layer spec writes it: "conv OUT K [pad P]" (train --help) */
    const char *meaning;    /* one line: what it computes */
    /* argv[0] is the kind's name. 0, or -1 with the reason in why. */
    int (*parse)(Layer *l, int argc, char **argv, char *why);
    /* From l->in_* and the arguments: output shape, parameter shape, fan-in, scratch per image.
     * 0, or -1 with the reason in why (e.g. a pool on a 1x1 input). */
    int (*infer)(Layer *l, char *why);
    /* The reference adapters (required): single-threaded, they read only B, w, b, dw, db, keep,
     * train and rng of the context and call models/reference/ only.
     * in: [B, in_c, in_h, in_w]  out: [B, out_c, out_h, out_w] */
    LayerForward forward_ref;
    /* dout: [B, out...]; din: [B, in...] overwritten, or NULL when the input gradient is not needed. */
    LayerBackward backward_ref;
    /* The fast adapters, the same contract plus temp, threads and relu_out; NULL: the reference
     * adapter is the fast path too (a kind with nothing to speed up). */
    LayerForward forward;
    LayerBackward backward;
    double (*flops)(const Layer *l);    /* forward FLOPs per image (multiply-add = 2) */
    int flat_out;   /* output is 1: a vector (dense, flatten), 0: feature maps, -1: like its input */
    /* 1: each image's output depends on that image only and the adapters run single-threaded, so
     * the walk may hand a thread a run of such layers over a slice of the batch (conv, relu, pool).
     * 0: the adapter sees the whole batch and uses c->threads itself (dense; dropout's mask is
     * drawn in order). */
    int per_image;
    /* 1: forward and backward can take in a ReLU that follows (LayerCtx.relu_out), saving the
     * ReLU's own passes over memory; the walk then skips the ReLU layer. */
    int fuses_relu;
    /* Names of the layer's state tensors, NULL-terminated (batchnorm: running_mean, running_var),
     * each n_s floats: values the forward keeps that training does not optimise. */
    const char *state_names[3];
    /* Initial values of the weight, bias and state, in place of models/init's weights and biases
     * (batchnorm: gamma 1, beta 0, mean 0, variance 1); NULL: init_fill. */
    void (*init)(const Layer *l, float *w, float *b, float *state);
};

/* Number of state tensors of the layer's kind. */
int layer_state_count(const Layer *l);

const LayerKind *layer_kind_find(const char *name);   /* NULL when unknown */
const LayerKind *layer_kind_at(int i);                /* NULL past the end */
/* "  conv OUT K [pad P]   ..." one line per kind, for `train --help` and the guide. */
void layer_kinds_print_help(FILE *out);

/* Make l from one spec item ("conv 16 3 pad 1") applied to an input of shape c x h x w.
 * index (1-based) is only for the message: MNL_ERR_SPEC `layer 5 "maxpool 2": input 1x1 is too
 * small to pool`. l->name is left to the caller. */
int layer_init(Layer *l, const char *item, int index, int c, int h, int w);

/* Append one spec item to m's layer list, taking the previous layer's output (or the model's
 * input) as its input; names it (conv1, relu3, ...). What families call to stack their network. */
int model_add_layer(Model *m, const char *item);

size_t layer_in_size(const Layer *l);     /* floats per image in */
size_t layer_out_size(const Layer *l);    /* floats per image out */

/* The fast path's adapters of a kind: its own, or its reference ones. */
LayerForward layer_fast_forward(const LayerKind *k);
LayerBackward layer_fast_backward(const LayerKind *k);

/* What the walks (models/reference/walk.c, models/schedule.c) share, from models/model.c:
 * layer i's output [B, out...] and its gradient in the model's blocks, and the context of a call
 * of layer i over B images (thread 0's scratch, the model's threads). */
float *model_layer_act(const Model *m, int i);
float *model_layer_dact(const Model *m, int i);
LayerCtx model_layer_ctx(const Model *m, int i, int B);
/* The same with thread `thread`'s scratch (the fast walk's threads each have their own). */
LayerCtx model_layer_ctx_thread(const Model *m, int i, int B, int thread);

#endif
