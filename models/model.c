/* models/model: the life cycle every family shares (build, size the batch buffers, free), the
 * forward and backward walks over the layer list, the head's loss, and the summary table. Families
 * only decide which layers to stack; parameters, initialisation and buffers are laid out here. */
#include "models/model.h"

#include <limits.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "models/heads.h"
#include "models/init.h"
#include "models/layers.h"

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

int model_alloc_batch(Model *m, int max_batch)
{
    if (max_batch < 1)
        return mnl_fail(MNL_ERR_ARG, "batch size %d", max_batch);
    free_batch_buffers(m);
    size_t act = 0, keep = 0, temp = 0;
    for (int i = 0; i < m->n_layers; i++) {
        Layer *l = &m->layers[i];
        size_t widest = layer_out_size(l) > layer_in_size(l) ? layer_out_size(l) : layer_in_size(l);
        if (widest > (size_t)INT_MAX / max_batch)     /* BLAS takes int dimensions */
            return mnl_fail(MNL_ERR_ARG, "batch %d is too large for layer %d \"%s\"",
                            max_batch, i + 1, l->item);
        l->act_off = act;
        act += layer_out_size(l) * max_batch;
        l->keep_off = keep;
        keep += l->keep_per_image * max_batch;
        if (l->temp_per_image * max_batch > temp)
            temp = l->temp_per_image * max_batch;
    }
    m->act_block = alloc_floats(act);
    m->dact_block = alloc_floats(act);
    m->scratch_block = alloc_floats(keep + temp);
    m->dlogits = alloc_floats((size_t)max_batch * m->num_outputs);
    m->probs = alloc_floats((size_t)max_batch * m->spec.num_classes);
    if (!m->act_block || !m->dact_block || !m->scratch_block || !m->dlogits || !m->probs) {
        free_batch_buffers(m);
        return mnl_fail(MNL_ERR_NOMEM, "activations for batch %d (%zu floats)", max_batch,
                        2 * act + keep + temp);
    }
    m->act_size = act;
    m->scratch_size = keep + temp;
    m->max_batch = max_batch;
    return 0;
}

/* ---- profile ---- */

/* Rows: one per layer, then the loss (the head), then the optimizer (zero_grad + step). */
#define PROFILE_EXTRA_ROWS 2

double model_clock(void)
{
    return omp_get_wtime();
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

/* A forward of row i (a layer, or the loss at row n_layers) in the mode of the current pass. */
static void profile_forward(Model *m, int i, double seconds)
{
    ProfileRow *r = &m->profile[i];
    if (m->train)
        r->train_fwd_s += seconds, r->train_fwd_n++;
    else
        r->eval_fwd_s += seconds, r->eval_fwd_n++;
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
    if (i < m->n_layers) {
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

/* The shared temporary scratch sits after every layer's kept scratch. */
static size_t temp_offset(const Model *m)
{
    const Layer *last = &m->layers[m->n_layers - 1];
    return last->keep_off + last->keep_per_image * m->max_batch;
}

static LayerCtx layer_ctx(const Model *m, const Layer *l, int B)
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
    c.temp = m->scratch_block + temp_offset(m);
    c.train = m->train;
    c.rng = m->dropout_rng;
    c.threads = m->threads > 0 ? m->threads : 1;
    return c;
}

static float *layer_act(const Model *m, int i) { return m->act_block + m->layers[i].act_off; }
static float *layer_dact(const Model *m, int i) { return m->dact_block + m->layers[i].act_off; }

const float *model_forward(Model *m, const float *x, int B, int train)
{
    if (!m->act_block || B < 1 || B > m->max_batch) {
        mnl_fail(MNL_ERR_ARG, "forward of %d images, buffers sized for %d", B, m->max_batch);
        return NULL;
    }
    m->train = train;
    const float *in = x;
    for (int i = 0; i < m->n_layers; i++) {
        const Layer *l = &m->layers[i];
        LayerCtx c = layer_ctx(m, l, B);
        float *out = layer_act(m, i);
        double t0 = m->profile ? model_clock() : 0.0;
        l->kind->forward(l, &c, in, out);
        if (m->profile)
            profile_forward(m, i, model_clock() - t0);
        in = out;
    }
    return in;
}

double model_loss(Model *m, const int *y, int B, int *pred)
{
    if (!m->act_block || B < 1 || B > m->max_batch)
        return NAN;
    const float *logits = layer_act(m, m->n_layers - 1);
    double t0 = m->profile ? model_clock() : 0.0, loss;
    if (m->head == HEAD_SIGMOID)
        loss = sigmoid_bce(logits, y, B, m->dlogits, m->probs, pred);
    else
        loss = softmax_ce(logits, y, B, m->num_outputs, m->dlogits, m->probs, pred);
    if (m->profile)
        profile_forward(m, m->n_layers, model_clock() - t0);
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
    for (int i = m->n_layers - 1; i >= 0; i--) {
        const Layer *l = &m->layers[i];
        LayerCtx c = layer_ctx(m, l, B);
        const float *in = i ? layer_act(m, i - 1) : x;
        const float *dout = i == m->n_layers - 1 ? m->dlogits : layer_dact(m, i);
        float *din = i ? layer_dact(m, i - 1) : NULL;   /* nobody needs d(loss)/d(image) */
        double t0 = m->profile ? model_clock() : 0.0;
        l->kind->backward(l, &c, in, layer_act(m, i), dout, din);
        if (m->profile) {
            m->profile[i].bwd_s += model_clock() - t0;
            m->profile[i].bwd_n++;
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
    return layer_act(m, i) + (size_t)b * layer_out_size(l);
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
