/* models/linear: linear models through liblinear (Debian liblinear-dev): L2-regularised logistic
 * regression or a linear SVM, one-vs-rest (one weight vector per class against all the others,
 * where the suite's softmax regression learns all ten jointly). Probabilities: logistic regression's
 * own (each class's sigmoid, normalised); the SVM's decision values through a softmax. The model
 * kept is the one read back from liblinear's own file format, so a reloaded model predicts exactly
 * as the fitted one. */
#include <linear.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/threads.h"
#include "models/network.h"

static void quiet(const char *s) { (void)s; }

static int linear_check(const FitSpec *s, int n_train, int d, int k)
{
    (void)s, (void)n_train, (void)d, (void)k;
    return MNL_OK;
}

static void linear_release(Fitted *f)
{
    struct model *m = f->state;
    if (m)
        free_and_destroy_model(&m);
    f->state = NULL;
}

/* One image as liblinear's sparse row: the non-zero features (1-based) and the end mark. */
static int sparse_row(const float *x, int d, struct feature_node *row)
{
    int n = 0;
    for (int j = 0; j < d; j++)
        if (x[j] != 0.0f)
            row[n].index = j + 1, row[n++].value = x[j];
    row[n].index = -1;
    return n + 1;
}

static int save_cb(const char *path, const void *m) { return save_model(path, m); }
static void *load_cb(const char *path) { return load_model(path); }

static int linear_save(const Fitted *f, unsigned char **blob, size_t *len)
{
    return fitted_save_via_file(save_cb, f->state, "liblinear", blob, len);
}

static int linear_load(Fitted *f, const unsigned char *blob, size_t len)
{
    void *m;
    int rc = fitted_load_via_file(load_cb, blob, len, "liblinear", &m);
    if (rc)
        return rc;
    f->state = m;
    struct model *lm = m;
    if (get_nr_feature(lm) > f->d || get_nr_class(lm) < 2 || get_nr_class(lm) > f->k)
        return mnl_fail(MNL_ERR_CKPT, "liblinear: the saved model has %d features and %d classes, "
                        "not %d and %d", get_nr_feature(lm), get_nr_class(lm), f->d, f->k);
    int labels[64];
    get_labels(lm, labels);
    for (int c = 0; c < get_nr_class(lm) && c < 64; c++)
        if (labels[c] < 0 || labels[c] >= f->k)
            return mnl_fail(MNL_ERR_CKPT, "liblinear: the saved model has class %d", labels[c]);
    return MNL_OK;
}

static int linear_fit(Fitted *f, const FitSet *set, const FitSet *const *watch, const FitHooks *h)
{
    (void)watch, (void)h;
    const FitSet *train_set = set;
    size_t nonzero = 0;
    for (size_t i = 0; i < (size_t)train_set->n * train_set->d; i++)
        nonzero += train_set->x[i] != 0.0f;
    struct feature_node *nodes = malloc(sizeof *nodes * (nonzero + 2 * (size_t)train_set->n));
    struct feature_node **rows = malloc(sizeof *rows * (size_t)train_set->n);
    double *y = malloc(sizeof *y * (size_t)train_set->n);
    if (!nodes || !rows || !y) {
        free(nodes), free(rows), free(y);
        return mnl_fail(MNL_ERR_NOMEM, "liblinear: %d images", train_set->n);
    }
    struct feature_node *p = nodes;
    for (int i = 0; i < train_set->n; i++) {
        rows[i] = p;
        int n = sparse_row(train_set->x + (size_t)i * train_set->d, train_set->d, p);
        p[n - 1].index = train_set->d + 1, p[n - 1].value = 1.0;    /* the bias feature */
        p[n].index = -1;
        p += n + 1;
        y[i] = train_set->y[i];
    }
    struct problem prob = {.l = train_set->n, .n = train_set->d + 1, .y = y, .x = rows, .bias = 1.0};
    struct parameter par = {.solver_type = f->spec.solver == SOLVER_SVM ? L2R_L2LOSS_SVC_DUAL : L2R_LR,
                            .eps = f->spec.solver == SOLVER_SVM ? 0.1 : 0.01, .C = f->spec.c};
    set_print_string_function(quiet);
    int rc = MNL_OK;
    const char *why = check_parameter(&prob, &par);
    if (why)
        rc = mnl_fail(MNL_ERR_CONFIG, "liblinear refuses the settings: %s", why);
    struct model *m = rc ? NULL : train(&prob, &par);
    if (!rc && !m)
        rc = mnl_fail(MNL_ERR_NOMEM, "liblinear: the fit failed");
    unsigned char *blob = NULL;
    size_t len = 0;
    if (!rc) {               /* keep the model as its own file format reads it back */
        f->state = m;
        rc = linear_save(f, &blob, &len);
        free_and_destroy_model(&m);
        f->state = NULL;
    }
    if (!rc)
        rc = linear_load(f, blob, len);
    free(blob), free(nodes), free(rows), free(y);
    return rc;
}

typedef struct {
    const Fitted *f;
    const float *x;
    int B;
    float *probs;
    struct feature_node *rows;    /* per thread [d + 2] */
} PredictJob;

static void predict_piece(void *arg, int thread, int threads)
{
    PredictJob *j = arg;
    const struct model *m = j->f->state;
    int d = j->f->d, K = j->f->k, nc = get_nr_class(m), labels[64];
    get_labels(m, labels);
    struct feature_node *row = j->rows + (size_t)thread * (d + 2);
    double out[64];
    long lo, hi;
    threads_piece(j->B, 1, thread, threads, &lo, &hi);
    for (long i = lo; i < hi; i++) {
        int n = sparse_row(j->x + (size_t)i * d, d, row);
        row[n - 1].index = d + 1, row[n - 1].value = 1.0;
        row[n].index = -1;
        float *p = j->probs + (size_t)i * K;
        memset(p, 0, sizeof(float) * (size_t)K);
        if (check_probability_model(m)) {
            predict_probability(m, row, out);
        } else {         /* the decision values through a softmax (two classes: one value) */
            predict_values(m, row, out);
            if (nc == 2)
                out[1] = -out[0];
            double top = out[0], sum = 0.0;
            for (int c = 1; c < nc; c++)
                top = out[c] > top ? out[c] : top;
            for (int c = 0; c < nc; c++)
                sum += out[c] = exp(out[c] - top);
            for (int c = 0; c < nc; c++)
                out[c] /= sum;
        }
        for (int c = 0; c < nc; c++)
            p[labels[c]] = (float)out[c];
    }
}

static int linear_predict(const Fitted *f, const float *x, int B, float *probs)
{
    int threads = f->threads < B ? f->threads : B;
    PredictJob j = {f, x, B, probs, malloc(sizeof(struct feature_node) * (size_t)threads * (f->d + 2))};
    if (!j.rows)
        return mnl_fail(MNL_ERR_NOMEM, "liblinear: prediction rows");
    threads_run(threads, predict_piece, &j);
    free(j.rows);
    return MNL_OK;
}

static void linear_size(const Fitted *f, FittedSize *s)
{
    const struct model *m = f->state;
    int nc = m ? get_nr_class(m) : 0, vectors = nc == 2 ? 1 : nc;
    s->count = m ? (double)vectors * (get_nr_feature(m) + 1) : 0;
    s->unit = "weights";
    s->bytes = (size_t)s->count * sizeof(double);
}

/* One weight template per class: red pixels vote for it, blue against (one-vs-rest). */
static int linear_maps(const Fitted *f, const float *x, FittedMaps *out)
{
    (void)x;
    const struct model *m = f->state;
    int nc = get_nr_class(m), labels[64], vectors = nc == 2 ? 1 : nc;
    get_labels(m, labels);
    out->n = vectors < out->max ? vectors : out->max;
    out->images = 0;
    for (int c = 0; c < out->n; c++) {
        for (int j = 0; j < f->d; j++)
            out->maps[(size_t)c * f->d + j] = j < get_nr_feature(m) ? (float)get_decfun_coef(m, j + 1, c) : 0.0f;
        snprintf(out->labels[c], sizeof out->labels[c], "%d against the rest", labels[c]);
    }
    snprintf(out->title, sizeof out->title, "weight templates of the %s, one per class against the "
             "rest", f->spec.solver == SOLVER_SVM ? "linear SVM" : "logistic regression");
    return MNL_OK;
}

static const FittedOps linear_ops = {linear_check, linear_fit, linear_predict, linear_save,
                                     linear_load, linear_release, linear_size, linear_maps};

const ModelFamily linear_family = {
    "linear", "a linear model by liblinear: logistic regression or linear SVM, one-vs-rest",
    NULL, "solver c", &linear_ops,
    "batch seed threads",
};
