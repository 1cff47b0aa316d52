/* models/layer_ctx: the context of one call of a layer's adapters -- its parameters and their
 * gradients, its scratch, the mode, the threads -- and where layer i's output and output gradient
 * sit in the model's blocks. What both walks (models/walk_ref.c, models/walk.c) ask of a Model. */
#ifndef MNL_LAYER_CTX_H
#define MNL_LAYER_CTX_H

#include <gsl/gsl_rng.h>

#include "models/network.h"

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
    /* A ReLU fused into a kind with fuses_relu: forward also writes the ReLU's output to relu_out
     * (a dense layer: instead of its own, unless keep_maps); a conv's backward receives the ReLU's
     * output gradient as dout and its output as relu_out; a dense layer's receives the ReLU's input
     * gradient as dout, which the dense layer above stored through din_mask. */
    float *relu_out;
    /* A dense layer above a dense layer and its ReLU (walk_masks_input_grad): that ReLU's output,
     * [B, in]; the input gradient is stored where it is positive, +0 elsewhere. NULL otherwise. */
    const float *din_mask;
    /* With relu_out, a conv's backward also does the backward of a 2x2 max pool after the ReLU
     * (models/layers.c: walk_fuses_pool_backward): dout is then the pool's output gradient. */
    int pooled;
    /* With relu_out, a conv's forward also does the forward of a 2x2 max pool after the ReLU, into
     * pool_out (models/layers.c: walk_fuses_pool_forward); NULL otherwise. The conv's own output
     * and the ReLU's are then written only with keep_maps (nothing but model_layer_output reads
     * them): the backward reads the pool's picks, which the forward keeps in the conv's keep. */
    float *pool_out;
    int keep_maps;          /* the model's keep_maps */
    /* dw and db hold nothing yet (Model.grads_unset): a kind with stores_grads overwrites them;
     * the walk zeroes every other kind's before its backward, so this is 0 for those. */
    int grads_unset;
} LayerCtx;

/* Layer i's output [B, out...] and its gradient, in the model's activation blocks. */
float *model_layer_act(const Model *m, int i);
float *model_layer_dact(const Model *m, int i);
/* The context of a call of layer i over B images (thread 0's scratch, the model's threads). */
LayerCtx model_layer_ctx(const Model *m, int i, int B);
/* The same with thread `thread`'s scratch (the fast walk's threads each have their own). */
LayerCtx model_layer_ctx_thread(const Model *m, int i, int B, int thread);

#endif
