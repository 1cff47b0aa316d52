/* models/walk: the fast walk over the layer list, the same passes as models/walk_ref.c
 * scheduled for speed. Runs of per-image layers (conv, relu, maxpool, ...) go over the batch in
 * WALK_CHUNKS slices shared among the threads, a conv takes in the ReLU after it, and the slices'
 * weight gradients are summed apart and added in slice order, so the result is bitwise the same at
 * any thread count. Whole-batch layers (dense, dropout) split their own work; a dense layer takes
 * in the ReLU after it when a dense layer follows, which does the ReLU's backward as it stores its
 * input gradient. */
#include "models/walk.h"

#include <string.h>

#include "common/threads.h"
#include "models/layer_ctx.h"
#include "models/layers.h"
#include "models/profile.h"

static int walk_threads(const Model *m)
{
    return model_layer_ctx(m, 0, 1).threads;
}

/* Layer i's fast adapters; with the profile on, timed when `timed` (thread 0, which walks its
 * share of the chunks while the others do as much at the same time). */
static void run_forward(Model *m, int i, const LayerCtx *c, const float *in, float *out, int timed)
{
    const Layer *l = &m->layers[i];
    if (!(timed && m->profile)) {
        layer_fast_forward(l->kind)(l, c, in, out);
        return;
    }
    double t0 = model_clock();
    layer_fast_forward(l->kind)(l, c, in, out);
    profile_add(m, i, 0, model_clock() - t0);
}

static void run_backward(Model *m, int i, const LayerCtx *c, const float *in, const float *out,
                         const float *dout, float *din, int timed)
{
    const Layer *l = &m->layers[i];
    if (!(timed && m->profile)) {
        layer_fast_backward(l->kind)(l, c, in, out, dout, din);
        return;
    }
    double t0 = model_clock();
    layer_fast_backward(l->kind)(l, c, in, out, dout, din);
    profile_add(m, i, 1, model_clock() - t0);
}

/* The layers [first, end) that can run image by image: first itself and those after it. */
static int segment_end(const Model *m, int first)
{
    int end = first;
    while (end < m->n_layers && m->layers[end].kind->per_image)
        end++;
    return end;
}

static int chunk_count(int B) { return B < WALK_CHUNKS ? B : WALK_CHUNKS; }
static int chunk_start(int B, int chunks, int c) { return (int)((long)B * c / chunks); }

/* Threads for a segment over B images: one when the work would not cover the cost of a fork. */
static int segment_threads(const Model *m, int B, int first, int end)
{
    size_t floats = 0;
    for (int i = first; i < end; i++)
        floats += layer_out_size(&m->layers[i]);
    return (size_t)B * floats < 65536 ? 1 : walk_threads(m);
}

/* Layers [first, end) forward over images [b0, b1), on the calling thread. */
static void forward_chunk(Model *m, const float *x, int first, int end, int b0, int b1, int thread)
{
    for (int i = first; i < end; i++) {
        const Layer *l = &m->layers[i];
        const int fused = i + 1 < end && walk_fuses_next_relu(m, i);
        const int pooled = fused && i + 2 < end && walk_fuses_pool_forward(m, i);
        LayerCtx c = model_layer_ctx_thread(m, i, b1 - b0, thread);
        c.threads = 1;
        c.keep += (size_t)b0 * l->keep_per_image;
        const float *in = (i ? model_layer_act(m, i - 1) : x) + (size_t)b0 * layer_in_size(l);
        float *out = model_layer_act(m, i) + (size_t)b0 * layer_out_size(l);
        if (fused)
            c.relu_out = model_layer_act(m, i + 1) + (size_t)b0 * layer_out_size(l);
        if (pooled)
            c.pool_out = model_layer_act(m, i + 2) + (size_t)b0 * layer_out_size(&m->layers[i + 2]);
        run_forward(m, i, &c, in, out, thread == 0);
        i += fused + pooled;                /* the ReLU's (and the pool's) output is written */
    }
}

/* Layers [first, end) backward over images [b0, b1); parameter gradients go to part, this
 * chunk's block of partial gradients. */
static void backward_chunk(Model *m, const float *x, int first, int end, int b0, int b1,
                           int thread, float *part)
{
    for (int i = end - 1; i >= first; i--) {
        if (i > first && walk_fuses_next_relu(m, i - 1))
            continue;                       /* a fused ReLU: its layer before does its backward */
        if (i > first + 1 && walk_fuses_pool_backward(m, i - 2))
            continue;                       /* a pool whose backward its conv does */
        const Layer *l = &m->layers[i];
        const int fused = i + 1 < end && walk_fuses_next_relu(m, i);
        const int pooled = fused && i + 2 < end && walk_fuses_pool_backward(m, i);
        const int top = i + fused + pooled; /* the last layer of the pair (or of the three) */
        LayerCtx c = model_layer_ctx_thread(m, i, b1 - b0, thread);
        c.threads = 1;
        c.keep += (size_t)b0 * l->keep_per_image;
        if (l->n_w + l->n_b) {
            c.dw = part + l->part_off;
            c.db = c.dw + l->n_w;
        }
        const size_t in_off = (size_t)b0 * layer_in_size(l), out_off = (size_t)b0 * layer_out_size(l);
        const float *in = (i ? model_layer_act(m, i - 1) : x) + in_off;
        const float *dout = (top == m->n_layers - 1 ? m->dlogits : model_layer_dact(m, top)) +
                            (size_t)b0 * layer_out_size(&m->layers[top]);
        /* d(loss)/d(image) only when models/input_grad asks for it */
        float *din = i ? model_layer_dact(m, i - 1) + in_off : m->dinput ? m->dinput + in_off : NULL;
        if (fused)
            c.relu_out = model_layer_act(m, i + 1) + out_off;
        c.pooled = pooled;
        run_backward(m, i, &c, in, model_layer_act(m, i) + out_off, dout, din, thread == 0);
    }
}

static float *chunk_partials(const Model *m, int c)
{
    return m->scratch_block + m->partial_off + (size_t)c * m->partial_stride;
}

/* Floats [lo, hi) of a chunk's partial block that belong to layers [first, end) (their places
 * were given in layer order by model_alloc_batch). */
static void segment_partials(const Model *m, int first, int end, size_t *lo, size_t *hi)
{
    const Layer *last = &m->layers[end - 1];
    *lo = m->layers[first].part_off;
    *hi = last->part_off + last->n_w + last->n_b;
}

/* The chunks' gradients of layers [first, end) added to the model's, chunk after chunk. */
static void reduce_partials(Model *m, int first, int end, int chunks)
{
    for (int i = first; i < end; i++) {
        const Layer *l = &m->layers[i];
        const size_t n = l->n_w + l->n_b;
        double t0 = m->profile ? model_clock() : 0.0;
        float *g = m->grad_block + l->param_off;
        for (int c = 0; c < chunks && n; c++) {
            const float *p = chunk_partials(m, c) + l->part_off;
#pragma omp simd
            for (size_t e = 0; e < n; e++)
                g[e] += p[e];
        }
        if (m->profile)
            profile_add(m, i, 1, model_clock() - t0);
    }
}

/* One pass over a segment: which layers, which images, where the chunks' gradients go, and which
 * chunks are taken (WalkChunks, walk.h). */
typedef struct {
    Model *m;
    const float *x;
    int B, first, end;
    size_t part_lo, part_hi;     /* the segment's floats in each chunk's partial gradients */
    WalkChunks chunks;
} SegmentJob;

static void segment_job_init(SegmentJob *j, Model *m, const float *x, int B, int first, int end)
{
    j->m = m, j->x = x, j->B = B, j->first = first, j->end = end;
    j->part_lo = j->part_hi = 0;
    walk_chunks_init(&j->chunks, chunk_count(B), segment_threads(m, B, first, end));
}

void walk_chunks_init(WalkChunks *w, int chunks, int threads)
{
    w->chunks = chunks;
    w->runs = threads < chunks ? threads : chunks;
    for (int r = 0; r < WALK_CHUNKS; r++)
        atomic_init(&w->taken[r], 0);
}

/* The next chunk of run r (chunks*r/runs .. chunks*(r+1)/runs), or -1 when none is left. */
static int claim_chunk(WalkChunks *w, int r)
{
    const int lo = w->chunks * r / w->runs, size = w->chunks * (r + 1) / w->runs - lo;
    if (atomic_load_explicit(&w->taken[r], memory_order_relaxed) >= size)
        return -1;
    const int k = atomic_fetch_add_explicit(&w->taken[r], 1, memory_order_relaxed);
    return k < size ? lo + k : -1;
}

int walk_next_chunk(WalkChunks *w, int thread, int *emptied)
{
    for (; *emptied < w->runs; ++*emptied) {
        const int c = claim_chunk(w, (thread + *emptied) % w->runs);
        if (c >= 0)
            return c;
    }
    return -1;
}

static void forward_piece(void *arg, int t, int n)
{
    SegmentJob *j = arg;
    (void)n;
    for (int emptied = 0, c; (c = walk_next_chunk(&j->chunks, t, &emptied)) >= 0;)
        forward_chunk(j->m, j->x, j->first, j->end, chunk_start(j->B, j->chunks.chunks, c),
                      chunk_start(j->B, j->chunks.chunks, c + 1), t);
}

static void backward_piece(void *arg, int t, int n)
{
    SegmentJob *j = arg;
    (void)n;
    for (int emptied = 0, c; (c = walk_next_chunk(&j->chunks, t, &emptied)) >= 0;) {
        float *part = chunk_partials(j->m, c);
        memset(part + j->part_lo, 0, sizeof(float) * (j->part_hi - j->part_lo));
        backward_chunk(j->m, j->x, j->first, j->end, chunk_start(j->B, j->chunks.chunks, c),
                       chunk_start(j->B, j->chunks.chunks, c + 1), t, part);
    }
}

static void forward_segment(Model *m, const float *x, int B, int first, int end)
{
    SegmentJob j;
    segment_job_init(&j, m, x, B, first, end);
    threads_run(j.chunks.runs, forward_piece, &j);
    profile_count(m, first, end, 0, B);
}

static void backward_segment(Model *m, const float *x, int B, int first, int end)
{
    SegmentJob j;
    segment_job_init(&j, m, x, B, first, end);
    segment_partials(m, first, end, &j.part_lo, &j.part_hi);
    threads_run(j.chunks.runs, backward_piece, &j);
    if (j.part_hi > j.part_lo)
        reduce_partials(m, first, end, j.chunks.chunks);
    profile_count(m, first, end, 1, B);
}

/* A layer that sees the whole batch (dense, dropout) and splits its own work among threads; a
 * dense layer with the ReLU after it (walk_fuses_next_relu). Returns the layers done, 1 or 2. */
static int forward_whole(Model *m, const float *x, int B, int i)
{
    const int fused = walk_fuses_next_relu(m, i);
    LayerCtx c = model_layer_ctx(m, i, B);
    if (fused)
        c.relu_out = model_layer_act(m, i + 1);
    run_forward(m, i, &c, i ? model_layer_act(m, i - 1) : x, model_layer_act(m, i), 1);
    profile_count(m, i, i + 1 + fused, 0, B);
    return 1 + fused;
}

/* Its backward: with the ReLU taken in, the gradient the layer above stored for the ReLU's output
 * is already its input's (walk_masks_input_grad), and is this layer's dout. */
static int backward_whole(Model *m, const float *x, int B, int i)
{
    const int fused = walk_fuses_next_relu(m, i), top = i + fused;
    LayerCtx c = model_layer_ctx(m, i, B);
    c.grads_unset = m->grads_unset && m->layers[i].kind->stores_grads;
    if (walk_masks_input_grad(m, i))
        c.din_mask = model_layer_act(m, i - 1);
    const float *in = i ? model_layer_act(m, i - 1) : x;
    const float *dout = top == m->n_layers - 1 ? m->dlogits : model_layer_dact(m, top);
    float *din = i ? model_layer_dact(m, i - 1) : m->dinput;
    run_backward(m, i, &c, in, model_layer_act(m, i), dout, din, 1);
    profile_count(m, i, top + 1, 1, B);
    return 1 + fused;
}

void walk_forward(Model *m, const float *x, int B)
{
    for (int i = 0; i < m->n_layers;) {
        int end = segment_end(m, i);
        if (end > i) {
            forward_segment(m, x, B, i, end);
            i = end;
        } else {
            i += forward_whole(m, x, B, i);
        }
    }
}

/* After model_zero_grad: every gradient no backward will store is zeroed here -- the weights and
 * biases of the layers that cannot store theirs (all but dense), and the slots of running
 * statistics, which no backward writes. The dense layers' (most of a model's) are stored by their
 * backward, so no pass over memory zeroes them first. */
static void zero_unstored_grads(Model *m)
{
    for (int i = 0; i < m->n_layers; i++) {
        const Layer *l = &m->layers[i];
        const size_t stored = l->kind->stores_grads ? l->n_w + l->n_b : 0;
        const size_t all = layer_param_values(l);
        if (all > stored)
            memset(m->grad_block + l->param_off + stored, 0, sizeof(float) * (all - stored));
    }
}

void walk_backward(Model *m, const float *x, int B)
{
    if (m->grads_unset)
        zero_unstored_grads(m);
    for (int end = m->n_layers; end > 0;) {
        if (end >= 2 && !m->layers[end - 2].kind->per_image && walk_fuses_next_relu(m, end - 2)) {
            end -= backward_whole(m, x, B, end - 2);     /* a dense layer and its ReLU */
            continue;
        }
        int first = end;
        while (first > 0 && m->layers[first - 1].kind->per_image)
            first--;
        if (first < end) {
            backward_segment(m, x, B, first, end);
            end = first;
        } else {
            end -= backward_whole(m, x, B, end - 1);
        }
    }
}
