/* models/forest: a random forest. Each tree (models/tree.c) is grown on a bootstrap sample of the
 * training images (n drawn with replacement) and tries only a random sqrt(features) of the
 * features at each split; the forest's probabilities are the mean of its trees' leaf
 * distributions. Tree t draws from its own generator, seeded by (seed, t), and the trees are grown
 * in waves of one per thread, so the forest is the same at any thread count. After each tree the
 * watched sets are scored: the curve shows what averaging more trees buys. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "common/error.h"
#include "common/threads.h"
#include "models/network.h"
#include "models/tree.h"

typedef struct {
    Tree *trees;              /* [n_trees]; owned */
    int n_trees;
} Forest;

static int forest_check(const FitSpec *s, int n_train, int d, int k)
{
    if (k > 64)
        return mnl_fail(MNL_ERR_CONFIG, "forest: at most 64 classes");
    if (s->min_leaf > n_train)
        return mnl_fail(MNL_ERR_CONFIG, "model.min_leaf = %d is more than the %d training images",
                        s->min_leaf, n_train);
    if (s->split_features > d)
        return mnl_fail(MNL_ERR_CONFIG, "model.split_features = %d is more than the %d features",
                        s->split_features, d);
    return MNL_OK;
}

static void forest_release(Fitted *f)
{
    Forest *fo = f->state;
    if (fo) {
        for (int t = 0; t < fo->n_trees; t++)
            tree_free(&fo->trees[t]);
        free(fo->trees);
        free(fo);
    }
    f->state = NULL;
}

/* ---- growing a wave of trees in parallel ---- */

typedef struct {
    const BinnedSet *b;
    GrowSpec grow;
    unsigned long seed;
    Tree *trees;              /* the forest's array */
    int first, count;         /* this wave: trees first .. first+count-1 */
    int *idx;                 /* [count, n] bootstrap samples */
    int *status;              /* [count] */
} Wave;

static int cmp_index(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static void grow_piece(void *arg, int thread, int threads)
{
    Wave *w = arg;
    long lo, hi;
    threads_piece(w->count, 1, thread, threads, &lo, &hi);
    for (long i = lo; i < hi; i++) {
        int t = w->first + (int)i, n = w->b->n;
        gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
        if (!rng) {
            w->status[i] = MNL_ERR_NOMEM;
            continue;
        }
        gsl_rng_set(rng, w->seed * 1000003UL + (unsigned long)t * 7919UL + 1UL);
        int *idx = w->idx + (size_t)i * n;
        for (int j = 0; j < n; j++)               /* the bootstrap sample */
            idx[j] = (int)gsl_rng_uniform_int(rng, (unsigned long)n);
        qsort(idx, (size_t)n, sizeof(int), cmp_index);   /* ascending: read in memory order */
        w->status[i] = tree_grow(&w->trees[t], w->b, idx, n, &w->grow, rng);
        gsl_rng_free(rng);
    }
}

/* Tree t's votes added to sums: [n, K] for each watched set; then the scores of t+1 trees. */
static void score_round(const Fitted *f, const Tree *t, const FitSet *const *watch, float **sums,
                        int n_trees, RoundScores *s)
{
    for (int w = 0; w < WATCH_SETS; w++) {
        s->loss[w] = s->acc[w] = NAN;
        if (!watch || !watch[w] || !sums[w])
            continue;
        const FitSet *ws = watch[w];
        float *sum = sums[w];
        for (int i = 0; i < ws->n; i++) {
            const float *leaf = tree_leaf(t, ws->x + (size_t)i * f->d);
            for (int c = 0; c < f->k; c++)
                sum[(size_t)i * f->k + c] += leaf[c];
        }
        float *probs = malloc(sizeof(float) * (size_t)ws->n * f->k);
        if (!probs)
            continue;
        for (size_t i = 0; i < (size_t)ws->n * f->k; i++)
            probs[i] = sum[i] / n_trees;
        fitted_score(probs, ws->y, ws->n, f->k, &s->loss[w], &s->acc[w]);
        free(probs);
    }
}

static int forest_fit(Fitted *f, const FitSet *train, const FitSet *const *watch, const FitHooks *h)
{
    int T = f->spec.trees, wave = f->threads < 1 ? 1 : f->threads;
    Forest *fo = calloc(1, sizeof *fo);
    if (!fo)
        return mnl_fail(MNL_ERR_NOMEM, "forest");
    f->state = fo;
    BinnedSet b;
    int rc = binned_make(&b, train, f->k, f->threads);
    if (rc)
        return rc;
    fo->trees = calloc((size_t)T, sizeof *fo->trees);
    Wave w = {.b = &b, .seed = f->spec.seed, .trees = fo->trees};
    w.grow = (GrowSpec){f->spec.criterion, f->spec.max_depth, f->spec.min_leaf,
                        f->spec.split_features ? f->spec.split_features
                                               : (int)floor(sqrt((double)f->d))};
    w.idx = malloc(sizeof(int) * (size_t)wave * train->n);
    w.status = calloc((size_t)wave, sizeof(int));
    float *sums[WATCH_SETS] = {0};
    for (int s = 0; s < WATCH_SETS; s++)
        if (watch && watch[s])
            sums[s] = calloc((size_t)watch[s]->n * f->k, sizeof(float));
    if (!fo->trees || !w.idx || !w.status)
        rc = mnl_fail(MNL_ERR_NOMEM, "forest of %d trees", T);
    int stop = 0;
    for (int first = 0; !rc && !stop && first < T; first += wave) {
        w.first = first;
        w.count = T - first < wave ? T - first : wave;
        threads_run(w.count, grow_piece, &w);
        for (int i = 0; i < w.count && !rc; i++)
            rc = w.status[i];
        for (int i = 0; i < w.count && !rc; i++) {
            int t = first + i;
            fo->n_trees = t + 1;
            RoundScores sc;
            score_round(f, &fo->trees[t], watch, sums, t + 1, &sc);
            if (h && h->progress)
                h->progress(h->ctx, t + 1, T);
            if (!stop && h && h->round && h->round(h->ctx, t + 1, T, &sc))
                stop = 1;
        }
        if (rc)       /* the trees of the failed wave that did grow are freed with the forest */
            fo->n_trees = first + w.count;
    }
    for (int s = 0; s < WATCH_SETS; s++)
        free(sums[s]);
    free(w.idx), free(w.status);
    binned_free(&b);
    return rc;
}

static int forest_predict(const Fitted *f, const float *x, int B, float *probs)
{
    const Forest *fo = f->state;
    memset(probs, 0, sizeof(float) * (size_t)B * f->k);
    for (int i = 0; i < B; i++) {
        float *p = probs + (size_t)i * f->k;
        for (int t = 0; t < fo->n_trees; t++) {       /* summed in tree order: any thread count */
            const float *leaf = tree_leaf(&fo->trees[t], x + (size_t)i * f->d);
            for (int c = 0; c < f->k; c++)
                p[c] += leaf[c];
        }
        for (int c = 0; c < f->k; c++)
            p[c] /= fo->n_trees;
    }
    return MNL_OK;
}

/* ---- format: u32 trees, then each tree as models/tree.c writes it ---- */

static int forest_save(const Fitted *f, unsigned char **blob, size_t *len)
{
    const Forest *fo = f->state;
    int n = f->save_rounds > 0 && f->save_rounds < fo->n_trees ? f->save_rounds : fo->n_trees;
    Blob b = {0};
    blob_put_u32(&b, (unsigned)n);
    for (int t = 0; t < n; t++)          /* the first n trees are the forest of round n */
        tree_write(&fo->trees[t], &b);
    if (b.failed) {
        free(b.p);
        return mnl_fail(MNL_ERR_NOMEM, "forest: cannot format the trees");
    }
    *blob = b.p, *len = b.len;
    return MNL_OK;
}

static int forest_load(Fitted *f, const unsigned char *p, size_t len)
{
    BlobReader r = {p, len, 0, 0};
    unsigned n = blob_get_u32(&r);
    if (r.failed || n < 1 || n > len / 24)
        return mnl_fail(MNL_ERR_CKPT, "forest: the tree count does not fit the model section");
    Forest *fo = calloc(1, sizeof *fo);
    if (!fo)
        return mnl_fail(MNL_ERR_NOMEM, "forest");
    f->state = fo;
    if (!(fo->trees = calloc(n, sizeof *fo->trees)))
        return mnl_fail(MNL_ERR_NOMEM, "forest of %u trees", n);
    for (unsigned t = 0; t < n; t++) {
        int rc = tree_read(&fo->trees[t], &r, f->d, f->k);
        if (rc)
            return rc;
        fo->n_trees = (int)t + 1;
    }
    if (r.pos != len)
        return mnl_fail(MNL_ERR_CKPT, "forest: %zu bytes after the trees", len - r.pos);
    return MNL_OK;
}

static void forest_size(const Fitted *f, FittedSize *s)
{
    const Forest *fo = f->state;
    s->count = 0;
    s->bytes = 4;
    for (int t = 0; fo && t < fo->n_trees; t++) {
        s->count += fo->trees[t].n_nodes;
        s->bytes += tree_bytes(&fo->trees[t]);
    }
    s->unit = "tree nodes";
}

static int forest_maps(const Fitted *f, const float *x, FittedMaps *out)
{
    (void)x;
    const Forest *fo = f->state;
    tree_importance_map(fo->trees, fo->n_trees, out);
    snprintf(out->title, sizeof out->title, "feature importance over the %d trees: the pixels whose "
             "questions lower the impurity most", fo->n_trees);
    return MNL_OK;
}

static const FittedOps forest_ops = {forest_check, forest_fit, forest_predict, forest_save,
                                     forest_load, forest_release, forest_size, forest_maps};

const ModelFamily forest_family = {
    "forest", "a random forest: trees on bootstrap samples, sqrt(features) tried per split, "
    "averaged", NULL, "criterion max_depth min_leaf trees split_features", &forest_ops,
    "batch seed threads early_stop",
};
