/* models/tree: CART, grown depth first. At a node, for each feature tried, count the classes of
 * the node's images per bin; sweeping the bins left to right moves those counts from the right
 * child to the left one, and the split that lowers the impurity (Gini or entropy) the most wins.
 * Ties go to the lower feature, then the lower bin, so a tree is the same on every machine. */
#include "models/tree.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "common/error.h"
#include "common/threads.h"
#include "models/network.h"

/* ---- binning ---- */

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* The index of the first of a[0..n) (ascending) that is >= v, n when none is. The range halves
 * each step whatever the comparison says (a conditional move, not a branch the processor would
 * have to guess): a binary search without mispredictions. */
static int first_at_least(const float *a, int n, float v)
{
    if (n == 0)
        return 0;
    const float *base = a;
    for (int len = n; len > 1; len -= len / 2)
        base = base[len / 2] < v ? base + len / 2 : base;
    return (int)(base - a) + (*base < v);
}

/* The distinct values of col into sorted (ascending); their count, or -1 past TREE_MAX_BINS.
 * A run of equal values (the blank background of most images) costs one comparison each. */
static int distinct_values(const float *col, int n, float *sorted)
{
    int distinct = 0;
    float last = NAN;
    for (int i = 0; i < n; i++) {
        float v = col[i];
        if (v == last)
            continue;
        last = v;
        int lo = first_at_least(sorted, distinct, v);
        if (lo < distinct && sorted[lo] == v)
            continue;
        if (distinct == TREE_MAX_BINS)
            return -1;
        memmove(sorted + lo + 1, sorted + lo, sizeof(float) * (size_t)(distinct - lo));
        sorted[lo] = v;
        distinct++;
    }
    return distinct;
}

/* Cut points of one feature: midpoints between its distinct values when there are at most 256,
 * else 255 quantiles of its sorted values. */
static int feature_cuts(const float *col, int n, float *sorted, float *cuts)
{
    int distinct = distinct_values(col, n, sorted), nc = 0;
    if (distinct >= 0) {
        for (int i = 0; i + 1 < distinct; i++)
            cuts[nc++] = sorted[i] + (sorted[i + 1] - sorted[i]) / 2;
        return nc;
    }
    memcpy(sorted, col, sizeof(float) * (size_t)n);
    qsort(sorted, (size_t)n, sizeof(float), cmp_float);
    for (int q = 1; q < TREE_MAX_BINS; q++) {
        float c = sorted[(size_t)q * n / TREE_MAX_BINS];
        if ((nc == 0 || c > cuts[nc - 1]) && c < sorted[n - 1])
            cuts[nc++] = c;
    }
    return nc;
}

/* The bin of v: how many cuts lie below it. */
static int bin_of(const float *cuts, int nc, float v)
{
    return first_at_least(cuts, nc, v);
}

/* Bin one feature: its cuts, then every image's bin (col: the feature's n values). */
static void bin_feature(BinnedSet *b, int f, const float *col, float *sorted)
{
    float *cuts = b->cuts + (size_t)f * (TREE_MAX_BINS - 1);
    b->n_cuts[f] = feature_cuts(col, b->n, sorted, cuts);
    float last = NAN;
    int last_bin = 0;
    for (int i = 0; i < b->n; i++) {
        if (col[i] != last)
            last = col[i], last_bin = bin_of(cuts, b->n_cuts[f], col[i]);
        b->bins[(size_t)f * b->n + i] = (uint8_t)last_bin;
    }
}

/* The features are binned in blocks of BIN_BLOCK: the block's columns are copied out of the
 * row-major images together, so each cache line of a row read serves BIN_BLOCK features. */
#define BIN_BLOCK 16
typedef struct {
    BinnedSet *b;
    const float *x;           /* [n, d] */
    int failed[THREADS_MAX];  /* [thread]: 1 when its piece could not allocate */
} BinJob;

static void bin_piece(void *arg, int thread, int threads)
{
    BinJob *job = arg;
    BinnedSet *b = job->b;
    long lo, hi;
    threads_piece(b->d, BIN_BLOCK, thread, threads, &lo, &hi);
    float *cols = malloc(sizeof(float) * (size_t)b->n * BIN_BLOCK);
    float *sorted = malloc(sizeof(float) * (size_t)b->n);
    if (!cols || !sorted) {
        job->failed[thread] = 1;
        free(cols), free(sorted);
        return;
    }
    for (long f0 = lo; f0 < hi; f0 += BIN_BLOCK) {
        int m = hi - f0 < BIN_BLOCK ? (int)(hi - f0) : BIN_BLOCK;
        for (int i = 0; i < b->n; i++)            /* cols: [m, n] */
            for (int j = 0; j < m; j++)
                cols[(size_t)j * b->n + i] = job->x[(size_t)i * b->d + f0 + j];
        for (int j = 0; j < m; j++)
            bin_feature(b, (int)f0 + j, cols + (size_t)j * b->n, sorted);
        for (int i = 0; i < b->n; i++)            /* the block's bins into the rows */
            for (int j = 0; j < m; j++)
                b->rows[(size_t)i * b->d + f0 + j] = b->bins[(size_t)(f0 + j) * b->n + i];
    }
    free(cols), free(sorted);
}

int binned_make(BinnedSet *b, const FitSet *s, int k, int threads)
{
    memset(b, 0, sizeof *b);
    b->n = s->n, b->d = s->d, b->k = k, b->y = s->y;
    b->bins = malloc((size_t)s->n * s->d);
    b->rows = malloc((size_t)s->n * s->d);
    b->cuts = malloc(sizeof(float) * (size_t)s->d * (TREE_MAX_BINS - 1));
    b->n_cuts = malloc(sizeof(int) * (size_t)s->d);
    BinJob job = {.b = b, .x = s->x};
    int failed = !b->bins || !b->rows || !b->cuts || !b->n_cuts;
    if (!failed)
        threads_run(threads, bin_piece, &job);      /* each feature's bins depend on it alone */
    for (int t = 0; t < THREADS_MAX; t++)
        failed |= job.failed[t];
    if (failed) {
        binned_free(b);
        return mnl_fail(MNL_ERR_NOMEM, "binning %d images of %d features", s->n, s->d);
    }
    return MNL_OK;
}

void binned_free(BinnedSet *b)
{
    free(b->bins), free(b->rows), free(b->cuts), free(b->n_cuts);
    memset(b, 0, sizeof *b);
}

/* ---- impurity ---- */

/* n * impurity of a node with class counts c[k] (n images): Gini n - sum c^2 / n, entropy
 * n log n - sum c log c. A split is scored by the sum of this over its two children. */
static double weighted_impurity(const long *c, int k, long n, TreeCriterion crit)
{
    if (n == 0)
        return 0.0;
    double s = 0.0;
    if (crit == CRITERION_GINI) {
        for (int j = 0; j < k; j++)
            s += (double)c[j] * c[j];
        return n - s / n;
    }
    for (int j = 0; j < k; j++)
        s += c[j] ? c[j] * log((double)c[j]) : 0.0;
    return n * log((double)n) - s;
}

/* ---- growing ---- */

typedef struct {
    const BinnedSet *b;
    const GrowSpec *g;
    gsl_rng *rng;
    Tree *t;
    long *hist;               /* [TREE_MAX_BINS, k] */
    int *features;            /* [d] the features, partly shuffled per split */
    int *right;               /* [n] scratch of the partition */
    uint8_t *ys;              /* [n] the labels of the node being split, in idx order (read once
                                 per node, not once per feature tried) */
} Grower;

typedef struct {
    int feature, bin;
    double score;             /* children's weighted impurity: lower is better */
} Split;

static int add_node(Tree *t)
{
    if (t->n_nodes == t->cap_nodes) {
        int cap = t->cap_nodes ? 2 * t->cap_nodes : 256;
        TreeNode *p = realloc(t->nodes, sizeof *p * (size_t)cap);
        if (!p)
            return -1;
        t->nodes = p, t->cap_nodes = cap;
    }
    return t->n_nodes++;
}

static int add_leaf(Tree *t, const long *counts, long n)
{
    if (t->n_leaves == t->cap_leaves) {
        int cap = t->cap_leaves ? 2 * t->cap_leaves : 256;
        float *p = realloc(t->values, sizeof *p * (size_t)cap * t->k);
        if (!p)
            return -1;
        t->values = p, t->cap_leaves = cap;
    }
    for (int j = 0; j < t->k; j++)
        t->values[(size_t)t->n_leaves * t->k + j] = (float)((double)counts[j] / n);
    return t->n_leaves++;
}

/* The running counts of a sweep over a feature's bins, left and right of the boundary. For Gini
 * the sums of squared counts are kept as they change (moving h images of class c from right to
 * left adds 2 L h + h^2 to the left's and takes 2 R h - h^2 from the right's), so a boundary
 * costs O(1) to score; in whole numbers, so the score is exactly weighted_impurity's. */
typedef struct {
    long left[64], right[64], nl;
    long sq_left, sq_right;
} Sweep;

static void sweep_start(Sweep *w, const long *counts, int k)
{
    memset(w, 0, sizeof *w);
    for (int j = 0; j < k; j++)
        w->right[j] = counts[j], w->sq_right += counts[j] * counts[j];
}

static void sweep_move(Sweep *w, int c, long h)
{
    w->sq_left += 2 * w->left[c] * h + h * h;
    w->sq_right -= 2 * w->right[c] * h - h * h;
    w->left[c] += h, w->right[c] -= h, w->nl += h;
}

/* Score the split "bin <= at" (the sweep's left side); into *best when strictly better (ties keep
 * the earlier feature and bin). */
static void consider(Grower *gr, const Sweep *w, int n, int f, int at, Split *best)
{
    long nl = w->nl, nr = n - nl;
    if (nl < gr->g->min_leaf || nr < gr->g->min_leaf)
        return;
    double s;
    if (gr->g->criterion == CRITERION_GINI)
        s = (nl - (double)w->sq_left / nl) + (nr - (double)w->sq_right / nr);
    else
        s = weighted_impurity(w->left, gr->b->k, nl, gr->g->criterion) +
            weighted_impurity(w->right, gr->b->k, nr, gr->g->criterion);
    if (s < best->score - 1e-9)
        best->score = s, best->feature = f, best->bin = at;
}

/* Where a node finds feature f's bins: image i's is at[i * step]. A node of more than ROWS_BELOW
 * images reads the feature's column; a smaller one reads its images' rows (at most ROWS_BELOW *
 * d bytes, which stay in the cache while its subtree grows, where the columns would not). */
#define ROWS_BELOW 512
typedef struct {
    const uint8_t *at;
    size_t step;
} FeatureBins;

static FeatureBins feature_bins(const BinnedSet *b, int f, int n)
{
    if (n > ROWS_BELOW)
        return (FeatureBins){b->bins + (size_t)f * b->n, 1};
    return (FeatureBins){b->rows + f, (size_t)b->d};
}

/* A small node: its (bin, class) pairs sorted by bin, the splits between distinct bins swept in
 * order (a 256-bin histogram would cost more than the images). */
#define SMALL_NODE 48
#define PREFETCH 16
static void try_feature_sorted(Grower *gr, const int *idx, int n, const long *counts, int f,
                               Split *best)
{
    const BinnedSet *b = gr->b;
    FeatureBins fb = feature_bins(b, f, n);
    int key[SMALL_NODE], cls[SMALL_NODE];
    for (int i = 0; i < n; i++) {                  /* insertion sort by bin */
        int kb = fb.at[idx[i] * fb.step], c = gr->ys[i], j = i;
        for (; j > 0 && key[j - 1] > kb; j--)
            key[j] = key[j - 1], cls[j] = cls[j - 1];
        key[j] = kb, cls[j] = c;
    }
    Sweep w;
    sweep_start(&w, counts, b->k);
    for (int i = 0; i + 1 < n; i++) {
        sweep_move(&w, cls[i], 1);
        if (key[i + 1] != key[i])
            consider(gr, &w, n, f, key[i], best);
    }
}

/* The best split of idx[0..n) on feature f, into *best when better: count the classes per bin
 * (gr->hist is all zero between calls; only the bins the node uses are touched and cleared). */
static void try_feature(Grower *gr, const int *idx, int n, const long *counts, int f, Split *best)
{
    if (n <= SMALL_NODE) {
        try_feature_sorted(gr, idx, n, counts, f, best);
        return;
    }
    const BinnedSet *b = gr->b;
    int k = b->k, lo = TREE_MAX_BINS, hi = -1;
    long *h = gr->hist;
    FeatureBins fb = feature_bins(b, f, n);
    for (int i = 0; i < n; i++) {
        /* the bins of a node's images lie apart: ask for the one needed PREFETCH images later
         * now, so that the memory latency overlaps the counting */
        if (i + PREFETCH < n)
            __builtin_prefetch(fb.at + idx[i + PREFETCH] * fb.step);
        int bin = fb.at[idx[i] * fb.step];
        h[bin * k + gr->ys[i]]++;
        lo = bin < lo ? bin : lo;
        hi = bin > hi ? bin : hi;
    }
    Sweep w;
    sweep_start(&w, counts, k);
    for (int bin = lo; bin < hi; bin++) {       /* "bin <= hi" would send every image left */
        long moved = 0;
        for (int j = 0; j < k; j++)
            if (h[bin * k + j]) {
                sweep_move(&w, j, h[bin * k + j]);
                moved = 1;
            }
        if (moved)
            consider(gr, &w, n, f, bin, best);
    }
    memset(h + lo * k, 0, sizeof(long) * (size_t)(hi - lo + 1) * k);
}

/* The features tried at this node: all of them, or split_features drawn without replacement. */
static int pick_features(Grower *gr)
{
    int d = gr->b->d, m = gr->g->split_features;
    if (m >= d || !gr->rng) {
        for (int f = 0; f < d; f++)
            gr->features[f] = f;
        return d;
    }
    for (int i = 0; i < m; i++) {            /* partial Fisher-Yates */
        int j = i + (int)gsl_rng_uniform_int(gr->rng, (unsigned long)(d - i));
        int tmp = gr->features[i];
        gr->features[i] = gr->features[j], gr->features[j] = tmp;
    }
    return m;
}

static int cmp_int(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

/* Grow the subtree of idx[0..n) at depth; returns its node index, or -1 when out of memory. */
static int grow(Grower *gr, int *idx, int n, int depth)
{
    const BinnedSet *b = gr->b;
    int k = b->k;
    long counts[64] = {0};
    for (int i = 0; i < n; i++) {
        gr->ys[i] = (uint8_t)b->y[idx[i]];
        counts[gr->ys[i]]++;
    }
    int node = add_node(gr->t);
    if (node < 0)
        return -1;
    double parent = weighted_impurity(counts, k, n, gr->g->criterion);
    Split best = {.feature = -1, .score = parent};
    int can_split = parent > 1e-12 && n >= 2 * gr->g->min_leaf &&
                    (gr->g->max_depth == 0 || depth < gr->g->max_depth);
    if (can_split) {
        int m = pick_features(gr);
        int tried[m > 0 ? m : 1];
        memcpy(tried, gr->features, sizeof(int) * (size_t)m);
        qsort(tried, (size_t)m, sizeof(int), cmp_int);   /* ties go to the lower feature */
        for (int i = 0; i < m; i++)
            try_feature(gr, idx, n, counts, tried[i], &best);
    }
    if (best.feature < 0) {
        int leaf = add_leaf(gr->t, counts, n);
        if (leaf < 0)
            return -1;
        gr->t->nodes[node] = (TreeNode){.feature = -1, .left = leaf, .right = -1};
        return node;
    }
    gr->t->importance[best.feature] += parent - best.score;
    FeatureBins fb = feature_bins(b, best.feature, n);
    /* partition, left (bin <= best.bin) first, keeping the order: the indices of a node stay
     * ascending, so every pass over its images reads the binned columns front to back */
    int nl = 0, nr = 0;
    for (int i = 0; i < n; i++)
        if (fb.at[idx[i] * fb.step] <= best.bin)
            idx[nl++] = idx[i];
        else
            gr->right[nr++] = idx[i];
    memcpy(idx + nl, gr->right, sizeof(int) * (size_t)nr);
    gr->t->nodes[node] = (TreeNode){.feature = best.feature,
                                    .threshold = b->cuts[(size_t)best.feature * (TREE_MAX_BINS - 1) + best.bin]};
    int left = grow(gr, idx, nl, depth + 1);
    int right = left < 0 ? -1 : grow(gr, idx + nl, n - nl, depth + 1);
    if (right < 0)
        return -1;
    gr->t->nodes[node].left = left, gr->t->nodes[node].right = right;
    return node;
}

int tree_grow(Tree *t, const BinnedSet *b, int *idx, int n, const GrowSpec *g, gsl_rng *rng)
{
    memset(t, 0, sizeof *t);
    t->k = b->k, t->d = b->d;
    if (b->k > 64)
        return mnl_fail(MNL_ERR_ARG, "tree: at most 64 classes");
    Grower gr = {.b = b, .g = g, .rng = rng, .t = t};
    t->importance = calloc((size_t)b->d, sizeof(double));
    gr.hist = calloc(TREE_MAX_BINS * (size_t)b->k, sizeof(long));
    gr.features = malloc(sizeof(int) * (size_t)b->d);
    gr.right = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    gr.ys = malloc((size_t)(n > 0 ? n : 1));
    int rc = MNL_OK;
    if (!t->importance || !gr.hist || !gr.features || !gr.right || !gr.ys) {
        rc = mnl_fail(MNL_ERR_NOMEM, "tree: growing on %d images", n);
    } else {
        for (int f = 0; f < b->d; f++)
            gr.features[f] = f;
        if (grow(&gr, idx, n, 0) < 0)
            rc = mnl_fail(MNL_ERR_NOMEM, "tree: %d nodes", t->n_nodes);
    }
    free(gr.hist), free(gr.features), free(gr.right), free(gr.ys);
    if (rc)
        tree_free(t);
    return rc;
}

const float *tree_leaf(const Tree *t, const float *x)
{
    const TreeNode *nd = &t->nodes[0];
    while (nd->feature >= 0)
        nd = &t->nodes[x[nd->feature] <= nd->threshold ? nd->left : nd->right];
    return t->values + (size_t)nd->left * t->k;
}

void tree_free(Tree *t)
{
    free(t->nodes), free(t->values), free(t->importance);
    memset(t, 0, sizeof *t);
}

/* ---- format: u32 nodes, u32 leaves, nodes (i32 feature, f32 threshold, u32 left, u32 right),
 * leaves (f32 [k]), importance (f32 [d]) ---- */

void tree_write(const Tree *t, Blob *b)
{
    blob_put_u32(b, (unsigned)t->n_nodes);
    blob_put_u32(b, (unsigned)t->n_leaves);
    for (int i = 0; i < t->n_nodes; i++) {
        const TreeNode *nd = &t->nodes[i];
        blob_put_u32(b, (unsigned)nd->feature);
        blob_put_f32(b, nd->threshold);
        blob_put_u32(b, (unsigned)nd->left);
        blob_put_u32(b, (unsigned)nd->right);
    }
    for (size_t i = 0; i < (size_t)t->n_leaves * t->k; i++)
        blob_put_f32(b, t->values[i]);
    for (int f = 0; f < t->d; f++)
        blob_put_f32(b, (float)t->importance[f]);
}

size_t tree_bytes(const Tree *t)
{
    return 8 + 16 * (size_t)t->n_nodes + 4 * (size_t)t->n_leaves * t->k + 4 * (size_t)t->d;
}

/* Every child index must point forwards (the root is node 0, children come after their parent),
 * so a damaged file can neither loop nor reach outside the arrays. */
int tree_read(Tree *t, BlobReader *r, int d, int k)
{
    memset(t, 0, sizeof *t);
    t->d = d, t->k = k;
    unsigned nn = blob_get_u32(r), nl = blob_get_u32(r);
    size_t left = r->len - r->pos;
    if (r->failed || nn < 1 || nl < 1 || nn > left / 16 || nl > left / 4 / (unsigned)k)
        return mnl_fail(MNL_ERR_CKPT, "tree: node counts do not fit the model section");
    t->nodes = malloc(sizeof *t->nodes * nn);
    t->values = malloc(sizeof(float) * nl * (size_t)k);
    t->importance = malloc(sizeof(double) * (size_t)d);
    if (!t->nodes || !t->values || !t->importance) {
        tree_free(t);
        return mnl_fail(MNL_ERR_NOMEM, "tree: %u nodes", nn);
    }
    t->n_nodes = t->cap_nodes = (int)nn, t->n_leaves = t->cap_leaves = (int)nl;
    for (unsigned i = 0; i < nn; i++) {
        TreeNode *nd = &t->nodes[i];
        nd->feature = (int)blob_get_u32(r);
        nd->threshold = blob_get_f32(r);
        nd->left = (int)blob_get_u32(r);
        nd->right = (int)blob_get_u32(r);
        int ok = nd->feature >= 0 ? nd->feature < d && nd->left > (int)i && nd->left < (int)nn &&
                                        nd->right > (int)i && nd->right < (int)nn
                                  : nd->feature == -1 && nd->left >= 0 && nd->left < (int)nl;
        if (!ok) {
            tree_free(t);
            return mnl_fail(MNL_ERR_CKPT, "tree: node %u is damaged", i);
        }
    }
    for (size_t i = 0; i < (size_t)nl * k; i++)
        t->values[i] = blob_get_f32(r);
    for (int f = 0; f < d; f++)
        t->importance[f] = blob_get_f32(r);
    if (r->failed) {
        tree_free(t);
        return mnl_fail(MNL_ERR_CKPT, "tree: the model section ends early");
    }
    return MNL_OK;
}

void tree_importance_map(const Tree *trees, int n, FittedMaps *out)
{
    int d = trees[0].d;
    double total = 0.0;
    for (int f = 0; f < d; f++) {
        double v = 0.0;
        for (int t = 0; t < n; t++)
            v += trees[t].importance[f];
        out->maps[f] = (float)v;
        total += v;
    }
    for (int f = 0; f < d && total > 0; f++)
        out->maps[f] = (float)(out->maps[f] / total);
    out->n = 1;
    out->images = 0;
    snprintf(out->labels[0], sizeof out->labels[0], "share of the impurity decrease");
}

/* ---- the `tree` family: one CART on every training image and every feature ---- */

static int tree_check(const FitSpec *s, int n_train, int d, int k)
{
    (void)d;
    if (k > 64)
        return mnl_fail(MNL_ERR_CONFIG, "tree: at most 64 classes");
    if (s->min_leaf > n_train)
        return mnl_fail(MNL_ERR_CONFIG, "model.min_leaf = %d is more than the %d training images",
                        s->min_leaf, n_train);
    return MNL_OK;
}

static void tree_release(Fitted *f)
{
    if (f->state) {
        tree_free(f->state);
        free(f->state);
    }
    f->state = NULL;
}

static int tree_fit(Fitted *f, const FitSet *train, const FitSet *const *watch, const FitHooks *h)
{
    (void)watch, (void)h;
    BinnedSet b;
    int rc = binned_make(&b, train, f->k, f->threads);
    int *idx = malloc(sizeof(int) * (size_t)train->n);
    Tree *t = calloc(1, sizeof *t);
    if (!rc && (!idx || !t))
        rc = mnl_fail(MNL_ERR_NOMEM, "tree");
    if (!rc) {
        for (int i = 0; i < train->n; i++)
            idx[i] = i;
        GrowSpec g = {f->spec.criterion, f->spec.max_depth, f->spec.min_leaf, f->d};
        rc = tree_grow(t, &b, idx, train->n, &g, NULL);
    }
    if (!rc)
        f->state = t, t = NULL;
    free(t), free(idx);
    binned_free(&b);
    return rc;
}

static int tree_predict(const Fitted *f, const float *x, int B, float *probs)
{
    const Tree *t = f->state;
    for (int i = 0; i < B; i++)
        memcpy(probs + (size_t)i * f->k, tree_leaf(t, x + (size_t)i * f->d), sizeof(float) * f->k);
    return MNL_OK;
}

static int tree_save(const Fitted *f, unsigned char **blob, size_t *len)
{
    Blob b = {0};
    tree_write(f->state, &b);
    if (b.failed) {
        free(b.p);
        return mnl_fail(MNL_ERR_NOMEM, "tree: cannot format the tree");
    }
    *blob = b.p, *len = b.len;
    return MNL_OK;
}

static int tree_load(Fitted *f, const unsigned char *p, size_t len)
{
    BlobReader r = {p, len, 0, 0};
    Tree *t = calloc(1, sizeof *t);
    if (!t)
        return mnl_fail(MNL_ERR_NOMEM, "tree");
    int rc = tree_read(t, &r, f->d, f->k);
    if (!rc && r.pos != len)
        rc = mnl_fail(MNL_ERR_CKPT, "tree: %zu bytes after the tree", len - r.pos), tree_free(t);
    if (rc) {
        free(t);
        return rc;
    }
    f->state = t;
    return MNL_OK;
}

static void tree_size(const Fitted *f, FittedSize *s)
{
    const Tree *t = f->state;
    s->count = t ? t->n_nodes : 0;
    s->unit = "tree nodes";
    s->bytes = t ? tree_bytes(t) : 0;
}

static int tree_maps(const Fitted *f, const float *x, FittedMaps *out)
{
    (void)x;
    tree_importance_map(f->state, 1, out);
    snprintf(out->title, sizeof out->title, "feature importance: how much each pixel's questions "
             "lower the impurity (%d nodes)", ((const Tree *)f->state)->n_nodes);
    return MNL_OK;
}

static const FittedOps tree_ops = {tree_check, tree_fit, tree_predict, tree_save, tree_load,
                                   tree_release, tree_size, tree_maps};

const ModelFamily tree_family = {
    "tree", "a decision tree (CART): yes/no questions about single pixels, Gini or entropy",
    NULL, "criterion max_depth min_leaf", &tree_ops,
    "batch seed threads",
};
