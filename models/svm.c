/* models/svm: support vector machines through libsvm (Debian libsvm-dev): C-SVC with an RBF,
 * polynomial or linear kernel, one-vs-one (K(K-1)/2 two-class machines that vote). Probabilities
 * are libsvm's Platt-scaled ones when model.probability = 1 (five more fits inside), else each
 * class's share of the votes. libsvm fits on one core; the suite splits prediction over threads.
 * The model kept is the one read back from libsvm's own file format, so a reloaded model predicts
 * exactly as the fitted one. */
#include <libsvm/svm.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/progress.h"
#include "common/threads.h"
#include "models/network.h"

static int svm_check(const FitSpec *s, int n_train, int d, int k)
{
    (void)n_train, (void)d;
    if (k > 64)
        return mnl_fail(MNL_ERR_CONFIG, "svm: at most 64 classes");
    if (s->kernel != KERNEL_LINEAR && s->gamma < 0.0f)
        return mnl_fail(MNL_ERR_CONFIG, "model.gamma = %g: must be above 0 (or scale)",
                        (double)s->gamma);
    return MNL_OK;
}

static void svm_release(Fitted *f)
{
    struct svm_model *m = f->state;
    if (m)
        svm_free_and_destroy_model(&m);
    f->state = NULL;
}

static int sparse_row(const float *x, int d, struct svm_node *row)
{
    int n = 0;
    for (int j = 0; j < d; j++)
        if (x[j] != 0.0f)
            row[n].index = j + 1, row[n++].value = x[j];
    row[n].index = -1;
    return n + 1;
}

static int save_cb(const char *path, const void *m) { return svm_save_model(path, m); }
static void *load_cb(const char *path) { return svm_load_model(path); }

static int svm_save(const Fitted *f, unsigned char **blob, size_t *len)
{
    return fitted_save_via_file(save_cb, f->state, "libsvm", blob, len);
}

static int svm_load(Fitted *f, const unsigned char *blob, size_t len)
{
    void *m;
    int rc = fitted_load_via_file(load_cb, blob, len, "libsvm", &m);
    if (rc)
        return rc;
    f->state = m;
    struct svm_model *sm = m;
    int labels[64], nc = svm_get_nr_class(sm);
    if (svm_get_svm_type(sm) != C_SVC || nc < 2 || nc > f->k)
        return mnl_fail(MNL_ERR_CKPT, "libsvm: the saved model is not a C-SVC of %d classes", f->k);
    svm_get_labels(sm, labels);
    for (int c = 0; c < nc; c++)
        if (labels[c] < 0 || labels[c] >= f->k)
            return mnl_fail(MNL_ERR_CKPT, "libsvm: the saved model has class %d", labels[c]);
    for (int i = 0; i < sm->l; i++)
        for (const struct svm_node *p = sm->SV[i]; p->index != -1; p++)
            if (p->index < 1 || p->index > f->d)
                return mnl_fail(MNL_ERR_CKPT, "libsvm: a support vector has feature %d", p->index);
    return MNL_OK;
}

/* "scale", as scikit-learn's: 1 / (features * variance of every feature value). */
static double gamma_scale(const FitSet *s)
{
    double sum = 0.0, sq = 0.0, n = (double)s->n * s->d;
    for (size_t i = 0; i < (size_t)s->n * s->d; i++)
        sum += s->x[i], sq += (double)s->x[i] * s->x[i];
    double var = sq / n - (sum / n) * (sum / n);
    return var > 0 ? 1.0 / (s->d * var) : 1.0;
}

/* libsvm prints "optimization finished" once per two-class machine: that is the progress. */
static const FitHooks *print_hooks;
static int pairs_done, pairs_total;
static void on_print(const char *s)
{
    if (strstr(s, "optimization finished") && print_hooks && print_hooks->progress)
        print_hooks->progress(print_hooks->ctx, ++pairs_done, pairs_total);
}

static int svm_fit(Fitted *f, const FitSet *train, const FitSet *const *watch, const FitHooks *h)
{
    (void)watch;
    size_t nonzero = 0;
    for (size_t i = 0; i < (size_t)train->n * train->d; i++)
        nonzero += train->x[i] != 0.0f;
    struct svm_node *nodes = malloc(sizeof *nodes * (nonzero + (size_t)train->n));
    struct svm_node **rows = malloc(sizeof *rows * (size_t)train->n);
    double *y = malloc(sizeof *y * (size_t)train->n);
    if (!nodes || !rows || !y) {
        free(nodes), free(rows), free(y);
        return mnl_fail(MNL_ERR_NOMEM, "libsvm: %d images", train->n);
    }
    struct svm_node *p = nodes;
    for (int i = 0; i < train->n; i++) {
        rows[i] = p;
        p += sparse_row(train->x + (size_t)i * train->d, train->d, p);
        y[i] = train->y[i];
    }
    struct svm_problem prob = {.l = train->n, .y = y, .x = rows};
    struct svm_parameter par = {
        .svm_type = C_SVC,
        .kernel_type = f->spec.kernel == KERNEL_POLY ? POLY : f->spec.kernel == KERNEL_LINEAR ? LINEAR : RBF,
        .degree = f->spec.degree,
        .gamma = f->spec.gamma > 0 ? f->spec.gamma : gamma_scale(train),
        .coef0 = 0.0,
        .cache_size = 200,          /* MB, scikit-learn's default */
        .eps = 1e-3,
        .C = f->spec.c,
        .shrinking = 1,
        .probability = f->spec.probability,
    };
    int classes = 0, seen[64] = {0};
    for (int i = 0; i < train->n; i++)
        classes += !seen[train->y[i]]++;
    print_hooks = h, pairs_done = 0;
    pairs_total = classes * (classes - 1) / 2 * (f->spec.probability ? 6 : 1);
    svm_set_print_string_function(on_print);
    srand((unsigned)f->spec.seed);  /* libsvm's probability folds draw with rand() */
    int rc = MNL_OK;
    const char *why = svm_check_parameter(&prob, &par);
    if (why)
        rc = mnl_fail(MNL_ERR_CONFIG, "libsvm refuses the settings: %s", why);
    struct svm_model *m = rc ? NULL : svm_train(&prob, &par);
    if (!rc && !m)
        rc = mnl_fail(MNL_ERR_NOMEM, "libsvm: the fit failed");
    unsigned char *blob = NULL;
    size_t len = 0;
    if (!rc) {               /* keep the model as its own file format reads it back */
        f->state = m;
        rc = svm_save(f, &blob, &len);
        svm_free_and_destroy_model(&m);   /* its support vectors point into nodes */
        f->state = NULL;
    }
    if (!rc)
        rc = svm_load(f, blob, len);
    print_hooks = NULL;
    free(blob), free(nodes), free(rows), free(y);
    return rc;
}

typedef struct {
    const Fitted *f;
    const float *x;
    int B;
    float *probs;
    struct svm_node *rows;        /* per thread [d + 1] */
} PredictJob;

static void predict_piece(void *arg, int thread, int threads)
{
    PredictJob *j = arg;
    const struct svm_model *m = j->f->state;
    int d = j->f->d, K = j->f->k, nc = svm_get_nr_class(m), labels[64];
    svm_get_labels(m, labels);
    struct svm_node *row = j->rows + (size_t)thread * (d + 1);
    double out[64 * 63 / 2];
    long lo, hi;
    threads_piece(j->B, 1, thread, threads, &lo, &hi);
    for (long i = lo; i < hi; i++) {
        sparse_row(j->x + (size_t)i * d, d, row);
        float *p = j->probs + (size_t)i * K;
        memset(p, 0, sizeof(float) * (size_t)K);
        if (svm_check_probability_model(m)) {
            svm_predict_probability(m, row, out);
            for (int c = 0; c < nc; c++)
                p[labels[c]] = (float)out[c];
            continue;
        }
        svm_predict_values(m, row, out);       /* pairs (a, b), a < b, in label order */
        float share = 1.0f / (nc * (nc - 1) / 2);
        for (int a = 0, q = 0; a < nc; a++)
            for (int b = a + 1; b < nc; b++, q++)
                p[labels[out[q] > 0 ? a : b]] += share;
    }
}

static int svm_predict_batch(const Fitted *f, const float *x, int B, float *probs)
{
    int threads = f->threads < B ? f->threads : B;
    PredictJob j = {f, x, B, probs, malloc(sizeof(struct svm_node) * (size_t)threads * (f->d + 1))};
    if (!j.rows)
        return mnl_fail(MNL_ERR_NOMEM, "libsvm: prediction rows");
    threads_run(threads, predict_piece, &j);
    free(j.rows);
    return MNL_OK;
}

static void svm_size(const Fitted *f, FittedSize *s)
{
    const struct svm_model *m = f->state;
    s->count = m ? svm_get_nr_sv(m) : 0;
    s->unit = "support vectors";
    size_t nodes = 0;
    for (int i = 0; m && i < m->l; i++)
        for (const struct svm_node *p = m->SV[i]; ; p++, nodes++)
            if (p->index == -1)
                break;
    s->bytes = nodes * 8 + (size_t)s->count * (m ? m->nr_class - 1 : 0) * 8;
}

/* Support vectors per class: the first few of each class, as images (libsvm keeps them grouped
 * by class, in label order, nSV[c] of class c). */
static int svm_maps(const Fitted *f, const float *x, FittedMaps *out)
{
    (void)x;
    const struct svm_model *m = f->state;
    int per = out->max / m->nr_class, start = 0;
    per = per > 4 ? 4 : per;
    out->n = 0;
    out->images = 1;
    for (int c = 0; c < m->nr_class; c++) {
        for (int i = 0; i < per && i < m->nSV[c]; i++) {
            float *map = out->maps + (size_t)out->n * f->d;
            memset(map, 0, sizeof(float) * (size_t)f->d);
            for (const struct svm_node *p = m->SV[start + i]; p->index != -1; p++)
                map[p->index - 1] = (float)p->value;
            snprintf(out->labels[out->n++], sizeof out->labels[0], "class %d: %d SVs", m->label[c],
                     m->nSV[c]);
        }
        start += m->nSV[c];
    }
    snprintf(out->title, sizeof out->title, "support vectors: the training images the %d-class "
             "machine rests on (%d in all; the first %d of each class)", m->nr_class, m->l, per);
    return MNL_OK;
}

static const FittedOps svm_ops = {svm_check, svm_fit, svm_predict_batch, svm_save, svm_load,
                                  svm_release, svm_size, svm_maps};

const ModelFamily svm_family = {
    "svm", "a support vector machine by libsvm: C-SVC, RBF, polynomial or linear kernel",
    NULL, "kernel c gamma degree probability", &svm_ops,
    "batch seed threads",
};
