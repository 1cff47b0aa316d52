/* models/model: the life cycle every family shares (build, size the batch buffers, free), one step
 * (forward, loss, backward: the reference walk of models/walk_ref.c or the fast walk of
 * models/walk.c), and the summary table. Families
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
#include "models/layer_ctx.h"
#include "models/layers.h"
#include "models/profile.h"
#include "models/reference/reference.h"
#include "models/walk.h"
#include "models/walk_ref.h"

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
    if (m->fitted) {
        m->fitted->ops->release(m->fitted);
        free(m->fitted);
    }
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

/* Each layer's offset in the one parameter block; the values and tensors in all. */
static int count_params(Model *m, size_t *values, int *n_tensors)
{
    size_t total = 0;
    int tensors = 0;
    for (int i = 0; i < m->n_layers; i++) {
        Layer *l = &m->layers[i];
        l->param_off = total;
        total += layer_param_values(l);
        tensors += (l->n_w > 0) + (l->n_b > 0) + layer_state_count(l);
        if (total > MAX_PARAMS)
            return mnl_fail(MNL_ERR_SPEC, "layer %d \"%s\": the model would have over %zu parameters",
                            i + 1, l->item, MAX_PARAMS);
    }
    *values = total, *n_tensors = tensors;
    return MNL_OK;
}

/* The tensors of m (value and grad pointers into the blocks when they exist, else NULL). */
static void describe_params(Model *m)
{
    m->n_params = 0;
    for (int i = 0; i < m->n_layers; i++) {
        const Layer *l = &m->layers[i];
        float *v = m->param_block ? m->param_block + l->param_off : NULL;
        float *g = m->grad_block ? m->grad_block + l->param_off : NULL;
        if (l->n_w)
            describe_tensor(&m->params[m->n_params++], l, "weight", v, g, l->n_w, 1);
        if (l->n_b)
            describe_tensor(&m->params[m->n_params++], l, "bias", v ? v + l->n_w : NULL,
                            g ? g + l->n_w : NULL, l->n_b, 0);
        size_t off = l->n_w + l->n_b;
        for (int k = 0; k < layer_state_count(l); k++, off += l->n_s) {
            ParamTensor *t = &m->params[m->n_params++];
            describe_tensor(t, l, l->kind->state_names[k], v ? v + off : NULL, g ? g + off : NULL,
                            l->n_s, 0);
            t->is_state = 1;
        }
    }
}

/* One parameter block for the whole model, each layer's weight then bias, in layer order; the
 * ParamTensor list holds views into it (and into the gradient block, same layout). */
static int layout_params(Model *m)
{
    size_t total;
    int tensors;
    int rc = count_params(m, &total, &tensors);
    if (rc)
        return rc;
    m->param_block = alloc_floats(total);
    m->grad_block = alloc_floats(total);
    m->params = calloc(tensors ? tensors : 1, sizeof *m->params);
    if (!m->param_block || !m->grad_block || !m->params)
        return mnl_fail(MNL_ERR_NOMEM, "%zu parameters", total);
    m->n_param_values = total;
    memset(m->grad_block, 0, total * sizeof(float));
    describe_params(m);
    return 0;
}

static void init_params(Model *m, gsl_rng *rng)
{
    for (int i = 0; i < m->n_layers; i++) {
        const Layer *l = &m->layers[i];
        if (l->n_w + l->n_b == 0)
            continue;
        float *w = m->param_block + l->param_off;
        if (l->kind->init)
            l->kind->init(l, w, w + l->n_w, w + l->n_w + l->n_b);
        else
            init_fill(w, l->n_w, w + l->n_w, l->n_b, l->fan_in, m->spec.init, m->spec.init_scale,
                      rng);
    }
}

/* A fitted family: no layers and no parameters, only the family's model, fitted later. */
static int build_fitted(Model *m, const ModelFamily *family)
{
    if (m->head != HEAD_SOFTMAX)
        return mnl_fail(MNL_ERR_SPEC, "%s: predicts K class probabilities; model.head = sigmoid is "
                        "for networks", family->name);
    if (!(m->fitted = calloc(1, sizeof *m->fitted)))
        return mnl_fail(MNL_ERR_NOMEM, "fitted model");
    m->fitted->ops = family->fitted;
    m->fitted->spec = m->spec.fit;
    m->fitted->d = m->in_c * m->in_h * m->in_w;
    m->fitted->k = m->spec.num_classes;
    m->fitted->threads = 1;
    return MNL_OK;
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
    if (!rc && family->fitted)
        rc = build_fitted(m, family);
    else if (!rc)
        rc = family->build(m, spec, rng);
    if (!rc && !m->fitted)
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

/* The layers alone (the family's build, which allocates only the layer list): the shapes and
 * sizes of everything model_build and model_alloc_batch would allocate, found before any of it is. */
int model_plan(const ModelSpec *spec, ModelPlan *plan, ParamTensor **tensors)
{
    memset(plan, 0, sizeof *plan);
    if (tensors)
        *tensors = NULL;
    const ModelFamily *family = model_family_find(spec->family);
    if (!family)
        return mnl_fail(MNL_ERR_SPEC, "unknown model family \"%.32s\"", spec->family);
    int rc = check_spec(spec);
    if (rc)
        return rc;
    if (family->fitted) {       /* no layers, no parameters: the logits [B, K] alone */
        plan->act_per_image = (size_t)spec->num_classes;
        plan->outputs = 2 * (size_t)spec->num_classes;
        return MNL_OK;
    }
    Model m;
    memset(&m, 0, sizeof m);
    m.spec = *spec;
    m.head = spec->head;
    m.num_outputs = spec->head == HEAD_SIGMOID ? 1 : spec->num_classes;
    m.in_c = spec->in_c, m.in_h = spec->in_h, m.in_w = spec->in_w;
    m.threads = 1;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    m.layers = calloc(MODEL_MAX_LAYERS, sizeof *m.layers);
    if (!m.layers || !rng)
        rc = mnl_fail(MNL_ERR_NOMEM, "layer list");
    if (!rc)
        rc = family->build(&m, spec, rng);
    if (!rc)
        rc = check_head_width(&m);
    if (!rc)
        rc = count_params(&m, &plan->params, &plan->tensors);
    for (int i = 0; !rc && i < m.n_layers; i++) {
        const Layer *l = &m.layers[i];
        plan->act_per_image += layer_out_size(l);
        size_t widest = layer_out_size(l) > layer_in_size(l) ? layer_out_size(l) : layer_in_size(l);
        plan->widest = widest > plan->widest ? widest : plan->widest;
    }
    plan->outputs = (size_t)m.num_outputs + (size_t)spec->num_classes;
    if (!rc && tensors) {
        m.params = calloc(plan->tensors ? (size_t)plan->tensors : 1, sizeof *m.params);
        if (!m.params)
            rc = mnl_fail(MNL_ERR_NOMEM, "tensor list");
        else {
            describe_params(&m);
            *tensors = m.params;
            m.params = NULL;
        }
    }
    if (rng)
        gsl_rng_free(rng);
    model_free(&m);
    return rc;
}

double model_plan_bytes(const ModelPlan *plan, int batch)
{
    /* parameters and their gradients; layer outputs and their gradients; logits and probabilities */
    return 4.0 * (2.0 * (double)plan->params + 2.0 * (double)plan->act_per_image * batch +
                  (double)plan->outputs * batch);
}

/* ---- batch buffers ---- */

/* Scratch for the fast walk (models/walk.c): per-chunk partial gradients of the per-image layers,
 * per-thread scratch; and the kept scratch of the kinds that need one (dropout masks). */
#define CHUNKS WALK_CHUNKS

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
    if (m->fitted)              /* the logits: log-probabilities [max_batch, K] */
        act = (size_t)max_batch * m->num_outputs;
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

/* ---- one step ---- */

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

/* The last forward's logits: [max_batch, num_outputs]. */
static float *logits_of(const Model *m)
{
    return m->fitted ? m->act_block : model_layer_act(m, m->n_layers - 1);
}

/* A fitted model's probabilities as logits: log p, so the head's softmax gives p back and its
 * cross-entropy is the model's (p clipped at 1e-30: a zero probability is a finite, large loss). */
static const float *fitted_forward(Model *m, const float *x, int B)
{
    Fitted *f = m->fitted;
    if (!f->is_fitted) {
        mnl_fail(MNL_ERR_ARG, "%s: predicting before the model was fitted", m->spec.family);
        return NULL;
    }
    f->threads = m->kernels == KERNELS_REFERENCE ? 1 : (m->threads < 1 ? 1 : m->threads);
    float *z = m->act_block;                     /* z: [B, K] */
    if (f->ops->predict(f, x, B, z) != MNL_OK)
        return NULL;
    for (size_t i = 0; i < (size_t)B * m->num_outputs; i++)
        z[i] = logf(z[i] > 1e-30f ? z[i] : 1e-30f);
    return z;
}

int model_fit(Model *m, const FitSet *train, const FitSet *const *watch, const FitHooks *hooks)
{
    Fitted *f = m->fitted;
    if (!f)
        return mnl_fail(MNL_ERR_ARG, "%s is a network: it is trained, not fitted", m->spec.family);
    if (train->d != f->d)
        return mnl_fail(MNL_ERR_ARG, "%s: fitting on %d features per image, built for %d",
                        m->spec.family, train->d, f->d);
    int rc = f->ops->check(&f->spec, train->n, f->d, f->k);
    if (rc)
        return rc;
    f->threads = m->kernels == KERNELS_REFERENCE ? 1 : (m->threads < 1 ? 1 : m->threads);
    f->ops->release(f);
    f->is_fitted = 0;
    rc = f->ops->fit(f, train, watch, hooks);
    f->is_fitted = rc == MNL_OK;
    return rc;
}

void model_size(const Model *m, FittedSize *s)
{
    if (m->fitted && m->fitted->is_fitted) {
        m->fitted->ops->size(m->fitted, s);
        return;
    }
    s->count = (double)model_param_count(m);
    s->unit = "parameters";
    s->bytes = model_param_count(m) * sizeof(float);
}

const float *model_forward(Model *m, const float *x, int B, int train)
{
    if (!m->act_block || B < 1 || B > m->max_batch) {
        mnl_fail(MNL_ERR_ARG, "forward of %d images, buffers sized for %d", B, m->max_batch);
        return NULL;
    }
    m->train = train;
    if (m->fitted)
        return fitted_forward(m, x, B);
    if (m->kernels == KERNELS_REFERENCE)
        model_forward_ref(m, x, B);
    else
        walk_forward(m, x, B);
    return model_layer_act(m, m->n_layers - 1);
}

double model_loss(Model *m, const int *y, int B, int *pred)
{
    if (!m->act_block || B < 1 || B > m->max_batch)
        return NAN;
    const float *logits = logits_of(m);
    double t0 = m->profile ? model_clock() : 0.0, loss;
    if (m->head == HEAD_SIGMOID)        /* one function for both paths: nothing to speed up */
        loss = sigmoid_bce_ref(logits, y, B, m->dlogits, m->probs, pred);
    else if (m->kernels == KERNELS_REFERENCE)
        loss = softmax_ce_ref(logits, y, B, m->num_outputs, m->dlogits, m->probs, pred);
    else
        loss = softmax_ce(logits, y, B, m->num_outputs, m->dlogits, m->probs, pred);
    if (m->profile) {
        profile_add(m, m->n_layers, 0, model_clock() - t0);
        profile_count(m, m->n_layers, m->n_layers + 1, 0, B);
    }
    return loss;
}

void model_zero_grad(Model *m)
{
    if (!m->fitted)
        m->grads_unset = 1;
}

void model_settle_grads(Model *m)
{
    if (!m->grads_unset)
        return;
    double t0 = m->profile ? model_clock() : 0.0;
    memset(m->grad_block, 0, m->n_param_values * sizeof(float));
    m->grads_unset = 0;
    if (m->profile)
        m->profile[m->n_layers + 1].bwd_s += model_clock() - t0;
}

/* The reference path adds to zeros it wrote; the fast walk stores each dense layer's gradients
 * and zeroes only the others (walk_backward). */
void model_backward(Model *m, const float *x, int B)
{
    if (m->fitted || !m->act_block || B < 1 || B > m->max_batch)
        return;
    if (m->kernels == KERNELS_REFERENCE) {
        model_settle_grads(m);
        model_backward_ref(m, x, B);
    } else {
        walk_backward(m, x, B);
        m->grads_unset = 0;
    }
}

/* ---- description ---- */

size_t model_param_count(const Model *m)
{
    size_t n = 0;                    /* what training optimises: running statistics not counted */
    for (int i = 0; i < m->n_params; i++)
        n += m->params[i].is_state ? 0 : m->params[i].n;
    return n;
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
    if (m->fitted) {
        FittedSize sz;
        model_size(m, &sz);
        fprintf(out, "model %s: input %s, %d class probabilities; fitted, not trained by gradient "
                "descent\n", m->spec.family, shape_text(0, m->in_c, m->in_h, m->in_w, shape,
                sizeof shape), m->spec.num_classes);
        if (m->fitted->is_fitted)
            fprintf(out, "size: %.0f %s (%zu bytes saved)\n", sz.count, sz.unit, sz.bytes);
        return;
    }
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
