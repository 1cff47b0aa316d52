/* models/walk_ref: a network's forward and backward passes as they are defined: each layer
 * in order over the whole batch, on one thread, the output of one the input of the next; then
 * backwards, each layer turning the gradient of its output into the gradients of its input and of
 * its parameters. Each layer's reference adapter calls the formulas of models/reference/.
 * (models/walk.c walks the same layers faster.) */
#include "models/walk_ref.h"

#include "models/layer_ctx.h"
#include "models/layers.h"

void model_forward_ref(Model *m, const float *x, int B)
{
    const float *in = x;                                   /* [B, in_c, in_h, in_w] */
    for (int i = 0; i < m->n_layers; i++) {
        const Layer *l = &m->layers[i];
        float *out = model_layer_act(m, i);                /* [B, out_c, out_h, out_w] */
        LayerCtx c = model_layer_ctx(m, i, B);
        l->kind->forward_ref(l, &c, in, out);
        in = out;
    }
}

void model_backward_ref(Model *m, const float *x, int B)
{
    const float *dout = m->dlogits;                        /* dL/dlogits: [B, num_outputs] */
    for (int i = m->n_layers - 1; i >= 0; i--) {
        const Layer *l = &m->layers[i];
        const float *in = i > 0 ? model_layer_act(m, i - 1) : x;
        float *din = i > 0 ? model_layer_dact(m, i - 1) : NULL;   /* nobody needs dL/dx */
        LayerCtx c = model_layer_ctx(m, i, B);
        l->kind->backward_ref(l, &c, in, model_layer_act(m, i), dout, din);
        dout = din;
    }
}
