/* models/layer_ctx: where layer i's data sit in the model's blocks, and the context of one call of
 * its adapters (see layer_ctx.h). The offsets were laid out by model_build and model_alloc_batch. */
#include "models/layer_ctx.h"

/* Threads a pass may use: the model's setting, within what the scratch was sized for. */
static int walk_threads(const Model *m)
{
    int t = m->threads < m->scratch_threads ? m->threads : m->scratch_threads;
    return t < 1 ? 1 : t;
}

static LayerCtx layer_ctx(const Model *m, const Layer *l, int B, int thread)
{
    LayerCtx c = {0};
    c.B = B;
    if (l->n_w + l->n_b) {
        c.w = m->param_block + l->param_off;
        c.b = c.w + l->n_w;
        c.dw = m->grad_block + l->param_off;
        c.db = c.dw + l->n_w;
    }
    if (l->n_s)
        c.state = m->param_block + l->param_off + l->n_w + l->n_b;
    c.keep = m->scratch_block + l->keep_off;
    c.temp = m->scratch_block + m->temp_off + (size_t)thread * m->temp_stride;
    c.train = m->train;
    c.keep_maps = m->keep_maps;
    c.rng = m->dropout_rng;
    c.threads = walk_threads(m);
    return c;
}

float *model_layer_act(const Model *m, int i) { return m->act_block + m->layers[i].act_off; }
float *model_layer_dact(const Model *m, int i) { return m->dact_block + m->layers[i].act_off; }

LayerCtx model_layer_ctx(const Model *m, int i, int B)
{
    return layer_ctx(m, &m->layers[i], B, 0);
}

LayerCtx model_layer_ctx_thread(const Model *m, int i, int B, int thread)
{
    return layer_ctx(m, &m->layers[i], B, thread);
}
