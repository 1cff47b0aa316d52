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

#include "models/layer_ctx.h"
#include "models/network.h"

#define MODEL_MAX_LAYERS 64     /* a sane cap: more is a spec error */
#define LAYER_WHY_LEN    160

typedef void (*LayerForward)(const Layer *l, const LayerCtx *c, const float *in, float *out);
typedef void (*LayerBackward)(const Layer *l, const LayerCtx *c, const float *in, const float *out,
                              const float *dout, float *din);

/* A kind's entry in the table (struct Layer, one layer of a built network, is in models/network.h). */
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
     * ReLU's own passes over memory; the walk then skips the ReLU layer (walk_fuses_next_relu). */
    int fuses_relu;
    /* 1: the fast backward stores its parameters' gradients when LayerCtx.grads_unset says they
     * hold nothing yet, instead of adding to zeros (so model_zero_grad costs no pass over them). */
    int stores_grads;
    /* Names of the layer's state tensors, NULL-terminated (batchnorm: running_mean, running_var),
     * each n_s floats: values the forward keeps that training does not optimise. */
    const char *state_names[3];
    /* Initial values of the weight, bias and state, in place of models/init's weights and biases
     * (batchnorm: gamma 1, beta 0, mean 0, variance 1); NULL: init_fill. */
    void (*init)(const Layer *l, float *w, float *b, float *state);
};

/* Layer i takes in the ReLU that follows it: the fast walk runs the pair as one, and the profile
 * shows the ReLU's row as part of the layer above. A conv always does (its backward masks the
 * gradient itself, image by image); a dense layer when another dense layer follows the ReLU, which
 * does the ReLU's backward as it stores its input gradient (walk_masks_input_grad): the masked
 * gradient is complete before the dense layer's threads split its products. */
int walk_fuses_next_relu(const Model *m, int i);
/* Layer i is a dense layer after dense i-2 and relu i-1: its backward stores the input gradient
 * only where the ReLU's output is positive (LayerCtx.din_mask), which is the ReLU's backward. */
int walk_masks_input_grad(const Model *m, int i);
/* Layer i, a conv that takes in its ReLU, also does the backward of the 2x2 max pool after that
 * ReLU (conv2d_relu_pool_backward): the pool's input gradient is never written, and the profile
 * shows the pool's backward as part of the conv's. */
int walk_fuses_pool_backward(const Model *m, int i);
/* Layer i, such a conv, also does the pool's forward (conv2d_relu_pool_forward): the pool reads its
 * input while in registers (one input channel, 3x3: a direct kernel) or in cache and keeps its
 * picks for the backward (a byte per window, models/pool.h), and the conv's own output and the
 * ReLU's are written only when the model keeps its maps (Model.keep_maps). */
int walk_fuses_pool_forward(const Model *m, int i);

/* Number of state tensors of the layer's kind. */
int layer_state_count(const Layer *l);
/* Layer l's floats in the parameter block (and the gradient block): weight, bias, state tensors. */
size_t layer_param_values(const Layer *l);

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

#endif
