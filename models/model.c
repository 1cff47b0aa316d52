/* models/model: the life cycle every family shares (build, size the batch buffers, free), the
 * forward and backward walks over the layer list, the head's loss, and the summary table. Families
 * only decide which layers to stack; parameters, initialisation and buffers are laid out here. */
#include "models/model.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/error.h"
#include "common/threads.h"
#include "models/heads.h"
#include "models/init.h"
#include "models/layers.h"
#include "models/reference/reference.h"

#define MAX_PARAMS   ((size_t)1 << 30)   /* floats; a bigger model is a spec mistake here */
#define MAX_IN       (1 << 24)           /* floats per input image */
#define MAX_CLASSES  65536

/* ---- memory ---- */

/* 64-byte aligned so SIMD loads never straddle a cache line; at least one line, so an empty block
 * is still a real pointer that offsets can be added to. */
static float *alloc_floats(size_t n)
{
    size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
    return aligned_alloc(64, bytes ? bytes : 64);
}

static void free_batch_buffers(Model *m)
{
    free(m->act_block), free(m->dact_block), free(m->scratch_block);
    free(m->dlogits), free(m->probs);
    m->act_block = m->dact_block = m->scratch_block = m->dlogits = m->probs = NULL;
    m->act_size = m->scratch_size = 0;
    m->max_batch = 0;
}

void model_free(Model *m)
{
    if (!m)
        return;
    free_batch_buffers(m);
    free(m->layers);
    free(m->param_block), free(m->grad_block), free(m->params);
    free(m->profile);
    if (m->dropout_rng)
        gsl_rng_free(m->dropout_rng);
    memset(m, 0, sizeof *m);
}

/* ---- build ---- */

static int check_spec(const ModelSpec *spec)
{
    if (spec->in_c < 1 || spec->in_h < 1 || spec->in_w < 1 ||
        (size_t)spec->in_c * spec->in_h * spec->in_w > MAX_IN)
        return mnl_fail(MNL_ERR_ARG, "input shape %dx%dx%d is impossible",
                        spec->in_c, spec->in_h, spec->in_w);
    if (spec->num_classes < 2 || spec->num_classes > MAX_CLASSES)
        return mnl_fail(MNL_ERR_SPEC, "%d classes: expected 2..%d", spec->num_classes, MAX_CLASSES);
    if (spec->head != HEAD_SOFTMAX && spec->head != HEAD_SIGMOID)
        return mnl_fail(MNL_ERR_SPEC, "unknown head %d", (int)spec->head);
    if (spec->head == HEAD_SIGMOID && spec->num_classes != 2)
        return mnl_fail(MNL_ERR_SPEC, "the sigmoid head classifies 2 classes, not %d",
                        spec->num_classes);
    if (spec->init == INIT_UNIFORM && !(spec->init_scale > 0.0f && isfinite(spec->init_scale)))
        return mnl_fail(MNL_ERR_SPEC, "uniform init needs a scale A > 0, not %g",
                        (double)spec->init_scale);
    if (spec->init != INIT_PYTORCH && spec->init != INIT_UNIFORM && spec->init != INIT_HE)
        return mnl_fail(MNL_ERR_SPEC, "unknown init %d", (int)spec->init);
    return 0;
}

/* The last layer must produce exactly what the head consumes. */
static int check_head_width(const Model *m)
{
    if (m->n_layers == 0)
        return mnl_fail(MNL_ERR_SPEC, "%s: the model has no layers", m->spec.family);
    const Layer *last = &m->layers[m->n_layers - 1];
    size_t width = layer_out_size(last);
    if (width == (size_t)m->num_outputs)
        return 0;
    if (m->head == HEAD_SIGMOID)
        return mnl_fail(MNL_ERR_SPEC, "layer %d \"%s\": output width %zu, but the sigmoid head "
                        "takes a single logit (end with \"dense 1\")", m->n_layers, last->item, width);
    return mnl_fail(MNL_ERR_SPEC, "layer %d \"%s\": output width %zu does not match the softmax "
                    "head's %d classes", m->n_layers, last->item, width, m->num_outputs);
}

static void describe_tensor(ParamTensor *t, const Layer *l, const char *what, float *value,
                            float *grad, size_t n, int is_weight)
{
    snprintf(t->name, sizeof t->name, "%s.%s", l->name, what);
    t->value = value, t->grad = grad, t->n = n, t->is_weight = is_weight;
    if (is_weight) {
        t->rank = l->w_rank;
        memcpy(t->shape, l->w_shape, sizeof t->shape);
    } else {
        t->rank = 1;
        t->shape[0] = (int)n;
    }
}

/* One parameter block for the whole model, each layer's weight then bias, in layer order; the
 * ParamTensor list holds views into it (and into the gradient block, same layout). */
static int layout_params(Model *m)
{
    size_t total = 0;
    int tensors = 0;
    for (int i = 0; i < m->n_layers; i++) {
        Layer *l = &m->layers[i];
        l->param_off = total;
        total += l->n_w + l->n_b;
        tensors += (l->n_w > 0) + (l->n_b > 0);
        if (total > MAX_PARAMS)
            return mnl_fail(MNL_ERR_SPEC, "layer %d \"%s\": the model would have over %zu parameters",
                            i + 1, l->item, MAX_PARAMS);
    }
    m->param_block = alloc_floats(total);
    m->grad_block = alloc_floats(total);
    m->params = calloc(tensors ? tensors : 1, sizeof *m->params);
    if (!m->param_block || !m->grad_block || !m->params)
        return mnl_fail(MNL_ERR_NOMEM, "%zu parameters", total);
    m->n_param_values = total;
    memset(m->grad_block, 0, total * sizeof(float));
    for (int i = 0; i < m->n_layers; i++) {
        const Layer *l = &m->layers[i];
        float *v = m->param_block + l->param_off, *g = m->grad_block + l->param_off;
        if (l->n_w)
            describe_tensor(&m->params[m->n_params++], l, "weight", v, g, l->n_w, 1);
        if (l->n_b)
            describe_tensor(&m->params[m->n_params++], l, "bias", v + l->n_w, g + l->n_w, l->n_b, 0);
    }
    return 0;
}

static void init_params(Model *m, gsl_rng *rng)
{
    for (int i = 0; i < m->n_layers; i++) {
        const Layer *l = &m->layers[i];
        if (l->n_w + l->n_b == 0)
            continue;
        float *w = m->param_block + l->param_off;
        init_fill(w, l->n_w, w + l->n_w, l->n_b, l->fan_in, m->spec.init, m->spec.init_scale, rng);
    }
}

int model_build(Model *m, const ModelSpec *spec, gsl_rng *rng)
{
    memset(m, 0, sizeof *m);
    if (!spec || !rng)
        return mnl_fail(MNL_ERR_ARG, "model_build: no spec or no rng");
    const ModelFamily *family = model_family_find(spec->family);
    if (!family)
        return mnl_fail(MNL_ERR_SPEC, "unknown model family \"%.32s\"", spec->family);
    int rc = check_spec(spec);
    if (rc)
        return rc;
    m->spec = *spec;
    m->head = spec->head;
    m->num_outputs = spec->head == HEAD_SIGMOID ? 1 : spec->num_classes;
    m->in_c = spec->in_c, m->in_h = spec->in_h, m->in_w = spec->in_w;
    m->threads = 1;
    m->layers = calloc(MODEL_MAX_LAYERS, sizeof *m->layers);
    if (!m->layers)
        rc = mnl_fail(MNL_ERR_NOMEM, "layer list");
    if (!rc)
        rc = family->build(m, spec, rng);
    if (!rc)
        rc = check_head_width(m);
    if (!rc)
        rc = layout_params(m);
    if (!rc) {
        init_params(m, rng);
        /* its own stream, so dropout draws never shift the batch order or the weights */
        m->dropout_rng = gsl_rng_alloc(gsl_rng_mt19937);
        if (m->dropout_rng)
            gsl_rng_set(m->dropout_rng, gsl_rng_get(rng));
        else
            rc = mnl_fail(MNL_ERR_NOMEM, "dropout rng");
    }
    if (rc)
        model_free(m);
    return rc;
}

/* ---- batch buffers ---- */

/* The per-image layers walk the batch in CHUNKS slices, a number fixed whatever the thread count:
 * each slice's weight gradients are summed apart and then added in slice order, so the result is
 * bitwise the same at any thread count. 24 slices share out evenly over 1, 2, 3, 4, 6, 8 or 12
 * threads; the sum over 24 partial copies of the conv weights costs well under 1% of a step. */
#define CHUNKS 24

static size_t round16(size_t n) { return (n + 15) / 16 * 16; }

static int max_int(int a, int b) { return a > b ? a : b; }

int model_alloc_batch(Model *m, int max_batch)
{
    if (max_batch < 1)
        return mnl_fail(MNL_ERR_ARG, "batch size %d", max_batch);
    free_batch_buffers(m);
    size_t act = 0, keep = 0, temp = 0, part = 0;
    for (int i = 0; i < m->n_layers; i++) {
        Layer *l = &m->layers[i];
        size_t widest = layer_out_size(l) > layer_in_size(l) ? layer_out_size(l) : layer_in_size(l);
        if (widest > (size_t)INT_MAX / max_batch)     /* kernels take int dimensions */
            return mnl_fail(MNL_ERR_ARG, "batch %d is too large for layer %d \"%s\"",
                            max_batch, i + 1, l->item);
        l->act_off = act;
        act += layer_out_size(l) * max_batch;
        l->keep_off = keep;
        keep += l->keep_per_image * max_batch;
        if (l->temp_per_thread > temp)
            temp = l->temp_per_thread;
        l->part_off = part;
        if (l->kind->per_image)
            part += l->n_w + l->n_b;
    }
    /* per-thread scratch for the model's threads, or every core if more (m->threads may be raised
     * later; walk_threads never uses more than this) */
    int threads = max_int(1, max_int(m->threads, (int)sysconf(_SC_NPROCESSORS_ONLN)));
    m->partial_off = round16(keep);
    m->partial_stride = round16(part);
    m->temp_off = m->partial_off + CHUNKS * m->partial_stride;
    m->temp_stride = round16(temp);
    size_t scratch = m->temp_off + (size_t)threads * m->temp_stride;
    m->act_block = alloc_floats(act);
    m->dact_block = alloc_floats(act);
    m->scratch_block = alloc_floats(scratch);
    m->dlogits = alloc_floats((size_t)max_batch * m->num_outputs);
    m->probs = alloc_floats((size_t)max_batch * m->spec.num_classes);
    if (!m->act_block || !m->dact_block || !m->scratch_block || !m->dlogits || !m->probs) {
        free_batch_buffers(m);
        return mnl_fail(MNL_ERR_NOMEM, "activations for batch %d (%zu floats)", max_batch,
                        2 * act + scratch);
    }
    m->act_size = act;
    m->scratch_size = scratch;
    m->scratch_threads = threads;
    m->max_batch = max_batch;
    return 0;
}

/* ---- profile ---- */

static int fuses_next_relu(const Model *m, int i);

/* Rows: one per layer, then the loss (the head), then the optimizer (zero_grad + step). */
#define PROFILE_EXTRA_ROWS 2

double model_clock(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int model_profile_enable(Model *m, int on)
{
    free(m->profile);
    m->profile = NULL;
    if (!on)
        return 0;
    m->profile = calloc((size_t)m->n_layers + PROFILE_EXTRA_ROWS, sizeof *m->profile);
    return m->profile ? 0 : mnl_fail(MNL_ERR_NOMEM, "profile rows");
}

/* optim_step calls this once per step, so the row's call count is the step count; zero_grad's
 * time is added to the same row without counting a call. */
void model_profile_optimizer(Model *m, double seconds)
{
    if (!m->profile)
        return;
    m->profile[m->n_layers + 1].bwd_s += seconds;
    m->profile[m->n_layers + 1].bwd_n++;
}

static double per_call_ms(double seconds, long calls)
{
    return calls > 0 ? 1e3 * seconds / (double)calls : 0.0;
}

static void profile_row_label(const Model *m, int i, const char **name, const char **spec)
{
    if (i > 0 && i < m->n_layers && fuses_next_relu(m, i - 1)) {
        *name = m->layers[i].name, *spec = "(in the layer above)";
    } else if (i < m->n_layers) {
        *name = m->layers[i].name, *spec = m->layers[i].item;
    } else if (i == m->n_layers) {
        *name = "loss", *spec = m->head == HEAD_SIGMOID ? "sigmoid BCE" : "softmax CE";
    } else {
        *name = "optimizer", *spec = "zero_grad + step";
    }
}

void model_profile_print(const Model *m, FILE *out)
{
    if (!m->profile)
        return;
    const int rows = m->n_layers + PROFILE_EXTRA_ROWS;
    double step = 0.0, eval = 0.0;
    for (int i = 0; i < rows; i++) {
        const ProfileRow *r = &m->profile[i];
        step += per_call_ms(r->train_fwd_s, r->train_fwd_n) + per_call_ms(r->bwd_s, r->bwd_n);
        eval += per_call_ms(r->eval_fwd_s, r->eval_fwd_n);
    }
    fprintf(out, "\nprofile: milliseconds per batch, wall clock, %d thread%s\n", m->threads,
            m->threads == 1 ? "" : "s");
    fprintf(out, "%-10s %-20s %10s %10s %7s %10s\n", "layer", "spec", "train fwd", "backward",
            "share", "eval fwd");
    for (int i = 0; i < rows; i++) {
        const ProfileRow *r = &m->profile[i];
        const char *name, *spec;
        profile_row_label(m, i, &name, &spec);
        double fwd = per_call_ms(r->train_fwd_s, r->train_fwd_n), bwd = per_call_ms(r->bwd_s, r->bwd_n);
        fprintf(out, "%-10s %-20.20s %10.3f %10.3f %6.1f%% %10.3f\n", name, spec, fwd, bwd,
                step > 0 ? 100.0 * (fwd + bwd) / step : 0.0, per_call_ms(r->eval_fwd_s, r->eval_fwd_n));
    }
    fprintf(out, "%-10s %-20s %21.3f %7s %10.3f\n", "total", "(training step)", step, "", eval);
}

/* ---- one step ---- */

/* Threads a pass may use: the model's setting, within what the scratch was sized for. */
static int walk_threads(const Model *m)
{
    int t = m->threads < m->scratch_threads ? m->threads : m->scratch_threads;
    return t < 1 ? 1 : t;
}

int kernels_parse(const char *name, Kernels *k)
{
    if (name && strcmp(name, "fast") == 0)
        *k = KERNELS_FAST;
    else if (name && strcmp(name, "reference") == 0)
        *k = KERNELS_REFERENCE;
    else
        return -1;
    return 0;
}

const char *kernels_name(Kernels k)
{
    return k == KERNELS_REFERENCE ? "reference" : "fast";
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
    c.keep = m->scratch_block + l->keep_off;
    c.temp = m->scratch_block + m->temp_off + (size_t)thread * m->temp_stride;
    c.train = m->train;
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

/* The layers [first, end) that can run image by image: first itself and those after it. */
static int segment_end(const Model *m, int first)
{
    int end = first;
    while (end < m->n_layers && m->layers[end].kind->per_image)
        end++;
    return end;
}

static int chunk_count(int B) { return B < CHUNKS ? B : CHUNKS; }
static int chunk_start(int B, int chunks, int c) { return (int)((long)B * c / chunks); }

/* Threads for a segment over B images: one when the work would not cover the cost of a fork. */
static int segment_threads(const Model *m, int B, int first, int end)
{
    size_t floats = 0;
    for (int i = first; i < end; i++)
        floats += layer_out_size(&m->layers[i]);
    return (size_t)B * floats < 65536 ? 1 : walk_threads(m);
}

/* Profile: seconds of layer i measured on thread 0 (which walks its share of the chunks; the
 * others do as much at the same time), counted once per pass by the caller. */
static void profile_add(Model *m, int i, int backward, double seconds)
{
    ProfileRow *r = &m->profile[i];
    if (backward)
        r->bwd_s += seconds;
    else if (m->train)
        r->train_fwd_s += seconds;
    else
        r->eval_fwd_s += seconds;
}

static void profile_count(Model *m, int first, int end, int backward)
{
    for (int i = first; i < end && m->profile; i++) {
        ProfileRow *r = &m->profile[i];
        if (backward)
            r->bwd_n++;
        else if (m->train)
            r->train_fwd_n++;
        else
            r->eval_fwd_n++;
    }
}

/* Layer i takes in the ReLU that follows it (conv then relu): the walk runs the pair as one. */
static int fuses_next_relu(const Model *m, int i)
{
    return i + 1 < m->n_layers && m->layers[i].kind->fuses_relu &&
           strcmp(m->layers[i + 1].kind->name, "relu") == 0;
}

/* Layers [first, end) forward over images [b0, b1), on the calling thread. */
static void forward_chunk(Model *m, const float *x, int first, int end, int b0, int b1, int thread)
{
    const int timed = m->profile && thread == 0;
    for (int i = first; i < end; i++) {
        const Layer *l = &m->layers[i];
        const int fused = i + 1 < end && fuses_next_relu(m, i);
        LayerCtx c = layer_ctx(m, l, b1 - b0, thread);
        c.threads = 1;
        c.keep += (size_t)b0 * l->keep_per_image;
        const float *in = (i ? model_layer_act(m, i - 1) : x) + (size_t)b0 * layer_in_size(l);
        float *out = model_layer_act(m, i) + (size_t)b0 * layer_out_size(l);
        if (fused)
            c.relu_out = model_layer_act(m, i + 1) + (size_t)b0 * layer_out_size(l);
        double t0 = timed ? model_clock() : 0.0;
        layer_fast_forward(l->kind)(l, &c, in, out);
        if (timed)
            profile_add(m, i, 0, model_clock() - t0);
        i += fused;                         /* the ReLU's output is written */
    }
}

/* Layers [first, end) backward over images [b0, b1); parameter gradients go to part, this
 * chunk's block of partial gradients. */
static void backward_chunk(Model *m, const float *x, int first, int end, int b0, int b1,
                           int thread, float *part)
{
    const int timed = m->profile && thread == 0;
    for (int i = end - 1; i >= first; i--) {
        if (i > first && fuses_next_relu(m, i - 1))
            continue;                       /* a fused ReLU: its layer before does its backward */
        const Layer *l = &m->layers[i];
        const int fused = i + 1 < end && fuses_next_relu(m, i);
        const int top = i + fused;          /* the last layer of the pair */
        LayerCtx c = layer_ctx(m, l, b1 - b0, thread);
        c.threads = 1;
        c.keep += (size_t)b0 * l->keep_per_image;
        if (l->n_w + l->n_b) {
            c.dw = part + l->part_off;
            c.db = c.dw + l->n_w;
        }
        const size_t in_off = (size_t)b0 * layer_in_size(l), out_off = (size_t)b0 * layer_out_size(l);
        const float *in = (i ? model_layer_act(m, i - 1) : x) + in_off;
        const float *dout = (top == m->n_layers - 1 ? m->dlogits : model_layer_dact(m, top)) + out_off;
        float *din = i ? model_layer_dact(m, i - 1) + in_off : NULL;   /* nobody needs d(loss)/d(image) */
        if (fused)
            c.relu_out = model_layer_act(m, top) + out_off;
        double t0 = timed ? model_clock() : 0.0;
        layer_fast_backward(l->kind)(l, &c, in, model_layer_act(m, i) + out_off, dout, din);
        if (timed)
            profile_add(m, i, 1, model_clock() - t0);
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

/* One pass over a segment: which layers, which images, and where the chunks' gradients go. */
typedef struct {
    Model *m;
    const float *x;
    int B, first, end, chunks;
    size_t part_lo, part_hi;     /* the segment's floats in each chunk's partial gradients */
} SegmentJob;

/* Thread t's chunks: a contiguous run, so each thread walks neighbouring images. */
static void forward_piece(void *arg, int t, int n)
{
    const SegmentJob *j = arg;
    for (int c = j->chunks * t / n; c < j->chunks * (t + 1) / n; c++)
        forward_chunk(j->m, j->x, j->first, j->end, chunk_start(j->B, j->chunks, c),
                      chunk_start(j->B, j->chunks, c + 1), t);
}

static void backward_piece(void *arg, int t, int n)
{
    const SegmentJob *j = arg;
    for (int c = j->chunks * t / n; c < j->chunks * (t + 1) / n; c++) {
        float *part = chunk_partials(j->m, c);
        memset(part + j->part_lo, 0, sizeof(float) * (j->part_hi - j->part_lo));
        backward_chunk(j->m, j->x, j->first, j->end, chunk_start(j->B, j->chunks, c),
                       chunk_start(j->B, j->chunks, c + 1), t, part);
    }
}

static void forward_segment(Model *m, const float *x, int B, int first, int end)
{
    SegmentJob j = {.m = m, .x = x, .B = B, .first = first, .end = end, .chunks = chunk_count(B)};
    threads_run(segment_threads(m, B, first, end), forward_piece, &j);
    profile_count(m, first, end, 0);
}

static void backward_segment(Model *m, const float *x, int B, int first, int end)
{
    SegmentJob j = {.m = m, .x = x, .B = B, .first = first, .end = end, .chunks = chunk_count(B)};
    segment_partials(m, first, end, &j.part_lo, &j.part_hi);
    threads_run(segment_threads(m, B, first, end), backward_piece, &j);
    if (j.part_hi > j.part_lo)
        reduce_partials(m, first, end, j.chunks);
    profile_count(m, first, end, 1);
}

/* A layer that sees the whole batch (dense, dropout) and splits its own work among threads. */
static void forward_whole(Model *m, const float *x, int B, int i)
{
    const Layer *l = &m->layers[i];
    LayerCtx c = layer_ctx(m, l, B, 0);
    double t0 = m->profile ? model_clock() : 0.0;
    layer_fast_forward(l->kind)(l, &c, i ? model_layer_act(m, i - 1) : x, model_layer_act(m, i));
    if (m->profile)
        profile_add(m, i, 0, model_clock() - t0);
    profile_count(m, i, i + 1, 0);
}

static void backward_whole(Model *m, const float *x, int B, int i)
{
    const Layer *l = &m->layers[i];
    LayerCtx c = layer_ctx(m, l, B, 0);
    const float *in = i ? model_layer_act(m, i - 1) : x;
    const float *dout = i == m->n_layers - 1 ? m->dlogits : model_layer_dact(m, i);
    float *din = i ? model_layer_dact(m, i - 1) : NULL;
    double t0 = m->profile ? model_clock() : 0.0;
    layer_fast_backward(l->kind)(l, &c, in, model_layer_act(m, i), dout, din);
    if (m->profile)
        profile_add(m, i, 1, model_clock() - t0);
    profile_count(m, i, i + 1, 1);
}

const float *model_forward(Model *m, const float *x, int B, int train)
{
    if (!m->act_block || B < 1 || B > m->max_batch) {
        mnl_fail(MNL_ERR_ARG, "forward of %d images, buffers sized for %d", B, m->max_batch);
        return NULL;
    }
    m->train = train;
    if (m->kernels == KERNELS_REFERENCE) {
        model_forward_ref(m, x, B);
        return model_layer_act(m, m->n_layers - 1);
    }
    for (int i = 0; i < m->n_layers;) {
        int end = segment_end(m, i);
        if (end > i) {
            forward_segment(m, x, B, i, end);
            i = end;
        } else {
            forward_whole(m, x, B, i++);
        }
    }
    return model_layer_act(m, m->n_layers - 1);
}

double model_loss(Model *m, const int *y, int B, int *pred)
{
    if (!m->act_block || B < 1 || B > m->max_batch)
        return NAN;
    const float *logits = model_layer_act(m, m->n_layers - 1);
    double t0 = m->profile ? model_clock() : 0.0, loss;
    if (m->head == HEAD_SIGMOID)        /* one function for both paths: nothing to speed up */
        loss = sigmoid_bce_ref(logits, y, B, m->dlogits, m->probs, pred);
    else if (m->kernels == KERNELS_REFERENCE)
        loss = softmax_ce_ref(logits, y, B, m->num_outputs, m->dlogits, m->probs, pred);
    else
        loss = softmax_ce(logits, y, B, m->num_outputs, m->dlogits, m->probs, pred);
    if (m->profile) {
        profile_add(m, m->n_layers, 0, model_clock() - t0);
        profile_count(m, m->n_layers, m->n_layers + 1, 0);
    }
    return loss;
}

void model_zero_grad(Model *m)
{
    double t0 = m->profile ? model_clock() : 0.0;
    memset(m->grad_block, 0, m->n_param_values * sizeof(float));
    if (m->profile)
        m->profile[m->n_layers + 1].bwd_s += model_clock() - t0;
}

void model_backward(Model *m, const float *x, int B)
{
    if (!m->act_block || B < 1 || B > m->max_batch)
        return;
    if (m->kernels == KERNELS_REFERENCE) {
        model_backward_ref(m, x, B);
        return;
    }
    for (int end = m->n_layers; end > 0;) {
        int first = end;
        while (first > 0 && m->layers[first - 1].kind->per_image)
            first--;
        if (first < end) {
            backward_segment(m, x, B, first, end);
            end = first;
        } else {
            backward_whole(m, x, B, --end);
        }
    }
}

/* ---- description ---- */

size_t model_param_count(const Model *m)
{
    return m->n_param_values;
}

double model_mflops(const Model *m)
{
    double flops = 0.0;
    for (int i = 0; i < m->n_layers; i++)
        flops += m->layers[i].kind->flops(&m->layers[i]);
    return flops / 1e6;
}

int model_layer_info(const Model *m, LayerInfo *rows, int max_rows)
{
    int n = m->n_layers < max_rows ? m->n_layers : max_rows;
    for (int i = 0; i < n; i++) {
        const Layer *l = &m->layers[i];
        LayerInfo *r = &rows[i];
        memset(r, 0, sizeof *r);
        snprintf(r->name, sizeof r->name, "%s", l->name);
        snprintf(r->kind, sizeof r->kind, "%s", l->kind->name);
        r->out_c = l->out_c, r->out_h = l->out_h, r->out_w = l->out_w;
        r->params = l->n_w + l->n_b;
        r->mflops = l->kind->flops(l) / 1e6;
    }
    return n;
}

const float *model_layer_output(const Model *m, int i, int b, int *c, int *h, int *w)
{
    if (!m->act_block || i < 0 || i >= m->n_layers || b < 0 || b >= m->max_batch)
        return NULL;
    const Layer *l = &m->layers[i];
    if (c)
        *c = l->out_c;
    if (h)
        *h = l->out_h;
    if (w)
        *w = l->out_w;
    return model_layer_act(m, i) + (size_t)b * layer_out_size(l);
}

/* 206922 -> "206,922" */
static const char *with_commas(size_t v, char *buf, size_t len)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%zu", v), o = 0;
    for (int i = 0; i < n && o + 2 < (int)len; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
    return buf;
}

static const char *shape_text(int flat, int c, int h, int w, char *buf, size_t len)
{
    if (flat)
        snprintf(buf, len, "%d", c);
    else
        snprintf(buf, len, "%dx%dx%d", c, h, w);
    return buf;
}

void model_print_summary(const Model *m, FILE *out)
{
    char shape[48], num[32];
    fprintf(out, "model %s: input %s, ", m->spec.family,
            shape_text(0, m->in_c, m->in_h, m->in_w, shape, sizeof shape));
    if (m->head == HEAD_SIGMOID)
        fprintf(out, "sigmoid binary cross-entropy head (1 logit, 2 classes)\n\n");
    else
        fprintf(out, "softmax cross-entropy head (%d classes)\n\n", m->num_outputs);
    fprintf(out, "%3s  %-10s %-22s %-14s %12s %10s\n", "#", "layer", "spec", "output", "params",
            "MFLOPs");
    for (int i = 0; i < m->n_layers; i++) {
        const Layer *l = &m->layers[i];
        fprintf(out, "%3d  %-10s %-22s %-14s %12s %10.3f\n", i + 1, l->name, l->item,
                shape_text(l->flat, l->out_c, l->out_h, l->out_w, shape, sizeof shape),
                with_commas(l->n_w + l->n_b, num, sizeof num), l->kind->flops(l) / 1e6);
    }
    fprintf(out, "%3s  %-10s %-22s %-14s %12s %10.3f\n", "", "total", "", "",
            with_commas(model_param_count(m), num, sizeof num), model_mflops(m));
    fprintf(out, "\nParameters: %s (%.2f MB as float32). MFLOPs: one forward pass of one image,\n"
            "a multiply-add counted as 2 FLOPs, in conv and dense layers only (bias, ReLU and\n"
            "pooling not counted); a training step costs about 3 times that.\n",
            with_commas(model_param_count(m), num, sizeof num),
            model_param_count(m) * 4.0 / (1024.0 * 1024.0));
}
