/* models/knn: k nearest neighbours. "Fitting" stores the training images; the cost is at
 * prediction: every test image is compared with every stored one.
 *
 * L2 distances come from the suite's matrix kernel: ||q - t||^2 = ||q||^2 + ||t||^2 - 2 q.t, the
 * dot products of a block of queries with a block of stored images being one gemm_nt. L1 distances
 * are a plain loop. The queries are split among threads, each query's distances summed in the same
 * order whichever thread has it, so the result is the same at any thread count. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/threads.h"
#include "models/gemm.h"
#include "models/network.h"

#define QUERY_BLOCK 64        /* queries per gemm */
#define STORED_BLOCK 1024     /* stored images per gemm: C is [64, 1024], 256 KB */

typedef struct {
    float *x;                 /* [n, d] the stored images; owned */
    int *y;                   /* [n] their labels; owned */
    float *norm2;             /* [n] ||x_i||^2; owned */
    float *xt;                /* [d, n] the stored images transposed, for gemm_nn; owned */
    int n;
} Knn;

static int knn_check(const FitSpec *s, int n_train, int d, int k)
{
    (void)d, (void)k;
    if (s->k > n_train)
        return mnl_fail(MNL_ERR_CONFIG, "model.k = %d is more than the %d training images", s->k,
                        n_train);
    return MNL_OK;
}

static void knn_release(Fitted *f)
{
    Knn *m = f->state;
    if (m) {
        free(m->x), free(m->y), free(m->norm2), free(m->xt);
        free(m);
    }
    f->state = NULL;
}

static float dot_self(const float *a, int d)
{
    float s = 0.0f;
    for (int j = 0; j < d; j++)
        s += a[j] * a[j];
    return s;
}

/* A Knn of n images; x and y copied when given. */
static int knn_make(Fitted *f, int n)
{
    Knn *m = calloc(1, sizeof *m);
    if (!m)
        return mnl_fail(MNL_ERR_NOMEM, "knn");
    f->state = m;
    m->n = n;
    m->x = malloc(sizeof(float) * (size_t)n * f->d);
    m->y = malloc(sizeof(int) * (size_t)n);
    m->norm2 = malloc(sizeof(float) * (size_t)n);
    if (!m->x || !m->y || !m->norm2)
        return mnl_fail(MNL_ERR_NOMEM, "knn: %d stored images", n);
    return MNL_OK;
}

/* ||x_i||^2 and the transposed copy the L2 products read (B of gemm_nn: [d, n] row-major). */
static int knn_norms(Knn *m, int d)
{
    for (int i = 0; i < m->n; i++)
        m->norm2[i] = dot_self(m->x + (size_t)i * d, d);
    if (!(m->xt = malloc(sizeof(float) * (size_t)m->n * d)))
        return mnl_fail(MNL_ERR_NOMEM, "knn: %d stored images", m->n);
    for (int i = 0; i < m->n; i++)
        for (int j = 0; j < d; j++)
            m->xt[(size_t)j * m->n + i] = m->x[(size_t)i * d + j];
    return MNL_OK;
}

static int knn_fit(Fitted *f, const FitSet *train, const FitSet *const *watch, const FitHooks *h)
{
    (void)watch, (void)h;
    int rc = knn_make(f, train->n);
    if (rc)
        return rc;
    Knn *m = f->state;
    memcpy(m->x, train->x, sizeof(float) * (size_t)train->n * f->d);
    memcpy(m->y, train->y, sizeof(int) * (size_t)train->n);
    return knn_norms(m, f->d);
}

/* ---- the k best of a query: kept sorted, nearest first; ties go to the lower index ---- */

typedef struct {
    float dist;
    int idx;
} Neighbour;

static void offer(Neighbour *best, int k, int *have, float dist, int idx)
{
    if (*have == k && !(dist < best[k - 1].dist))
        return;
    int i = *have < k ? (*have)++ : k - 1;
    while (i > 0 && dist < best[i - 1].dist) {
        best[i] = best[i - 1];
        i--;
    }
    best[i].dist = dist, best[i].idx = idx;
}

/* The vote of the k neighbours: probs[K]. dist is squared for L2 (sqrt taken here). */
static void vote(const Fitted *f, const Knn *m, Neighbour *best, int have, float *probs)
{
    int K = f->k, zero = 0;
    memset(probs, 0, sizeof(float) * (size_t)K);
    for (int i = 0; i < have; i++) {
        float d = f->spec.metric == METRIC_L2 ? sqrtf(best[i].dist > 0 ? best[i].dist : 0) : best[i].dist;
        best[i].dist = d;
        zero += d == 0.0f;
    }
    double sum = 0.0, w[have > 0 ? have : 1];
    for (int i = 0; i < have; i++) {
        if (f->spec.weights == WEIGHTS_UNIFORM)
            w[i] = 1.0;
        else if (zero)          /* an exact match: the exact matches alone vote (as scikit-learn) */
            w[i] = best[i].dist == 0.0f;
        else
            w[i] = 1.0 / best[i].dist;
        sum += w[i];
    }
    for (int i = 0; i < have; i++)
        probs[m->y[best[i].idx]] += (float)(w[i] / sum);
}

typedef struct {
    const Fitted *f;
    const float *x;           /* [B, d] */
    int B;
    float *probs;             /* [B, K] */
    float *scratch;           /* per thread: C [QUERY_BLOCK, STORED_BLOCK] + qnorm [QUERY_BLOCK] */
    Neighbour *best;          /* [B, k] */
} KnnJob;

/* Queries q0..q1 (at most QUERY_BLOCK) against every stored image, L2 through gemm_nt. */
static void l2_block(const KnnJob *j, int q0, int q1, float *c, float *qn)
{
    const Knn *m = j->f->state;
    int d = j->f->d, k = j->f->spec.k, nq = q1 - q0;
    int have[QUERY_BLOCK] = {0};
    for (int q = 0; q < nq; q++)
        qn[q] = dot_self(j->x + (size_t)(q0 + q) * d, d);
    for (int t0 = 0; t0 < m->n; t0 += STORED_BLOCK) {
        int nt = m->n - t0 < STORED_BLOCK ? m->n - t0 : STORED_BLOCK;
        /* c: [nq, nt] = Q [nq, d] T^T[d, t0 .. t0+nt] */
        gemm_nn(nq, nt, d, j->x + (size_t)q0 * d, d, 1, m->xt + t0, m->n, c, nt, GEMM_ZERO, NULL);
        for (int q = 0; q < nq; q++) {
            Neighbour *best = j->best + (size_t)(q0 + q) * k;
            const float *row = c + (size_t)q * nt;
            for (int t = 0; t < nt; t++) {
                float dist = qn[q] + m->norm2[t0 + t] - 2.0f * row[t];
                if (have[q] < k || dist < best[k - 1].dist)
                    offer(best, k, &have[q], dist, t0 + t);
            }
        }
    }
    for (int q = 0; q < nq; q++)
        vote(j->f, m, j->best + (size_t)(q0 + q) * k, have[q],
             j->probs + (size_t)(q0 + q) * j->f->k);
}

/* One query against every stored image, L1 in plain vector code. */
static void l1_query(const KnnJob *j, int q)
{
    const Knn *m = j->f->state;
    int d = j->f->d, k = j->f->spec.k, have = 0;
    const float *a = j->x + (size_t)q * d;
    Neighbour *best = j->best + (size_t)q * k;
    for (int t = 0; t < m->n; t++) {
        const float *b = m->x + (size_t)t * d;
        float s = 0.0f;
#pragma omp simd reduction(+ : s)
        for (int p = 0; p < d; p++)
            s += fabsf(a[p] - b[p]);
        if (have < k || s < best[k - 1].dist)
            offer(best, k, &have, s, t);
    }
    vote(j->f, m, best, have, j->probs + (size_t)q * j->f->k);
}

static void knn_piece(void *arg, int thread, int threads)
{
    const KnnJob *j = arg;
    long lo, hi;
    threads_piece(j->B, 1, thread, threads, &lo, &hi);
    float *c = j->scratch + (size_t)thread * (QUERY_BLOCK * STORED_BLOCK + QUERY_BLOCK);
    for (long q = lo; q < hi; q += QUERY_BLOCK) {
        int q1 = (int)(q + QUERY_BLOCK < hi ? q + QUERY_BLOCK : hi);
        if (j->f->spec.metric == METRIC_L2)
            l2_block(j, (int)q, q1, c, c + QUERY_BLOCK * STORED_BLOCK);
        else
            for (int i = (int)q; i < q1; i++)
                l1_query(j, i);
    }
}

static int knn_predict(const Fitted *f, const float *x, int B, float *probs)
{
    int threads = f->threads < B ? f->threads : B;
    threads = threads < 1 ? 1 : threads;
    KnnJob j = {.f = f, .x = x, .B = B, .probs = probs};
    j.scratch = malloc(sizeof(float) * (size_t)threads * (QUERY_BLOCK * STORED_BLOCK + QUERY_BLOCK));
    j.best = malloc(sizeof(Neighbour) * (size_t)B * f->spec.k);
    if (!j.scratch || !j.best) {
        free(j.scratch), free(j.best);
        return mnl_fail(MNL_ERR_NOMEM, "knn: distances of %d images", B);
    }
    threads_run(threads, knn_piece, &j);
    free(j.scratch), free(j.best);
    return MNL_OK;
}

/* ---- format: u32 n, u32 d, n x u32 label, n*d x f32 image ---- */

static int knn_save(const Fitted *f, unsigned char **blob, size_t *len)
{
    const Knn *m = f->state;
    Blob b = {0};
    blob_put_u32(&b, (unsigned)m->n);
    blob_put_u32(&b, (unsigned)f->d);
    for (int i = 0; i < m->n; i++)
        blob_put_u32(&b, (unsigned)m->y[i]);
    for (size_t i = 0; i < (size_t)m->n * f->d; i++)
        blob_put_f32(&b, m->x[i]);
    if (b.failed) {
        free(b.p);
        return mnl_fail(MNL_ERR_NOMEM, "knn: cannot format the stored images");
    }
    *blob = b.p, *len = b.len;
    return MNL_OK;
}

static int knn_load(Fitted *f, const unsigned char *p, size_t len)
{
    BlobReader r = {p, len, 0, 0};
    unsigned n = blob_get_u32(&r), d = blob_get_u32(&r);
    if (r.failed || d != (unsigned)f->d || n < 1 || n > (len - 8) / (4 + 4 * (size_t)d) ||
        (size_t)n * (4 + 4 * (size_t)d) != len - 8)
        return mnl_fail(MNL_ERR_CKPT, "knn: the stored images do not fit the model section");
    int rc = knn_make(f, (int)n);
    if (rc)
        return rc;
    Knn *m = f->state;
    for (unsigned i = 0; i < n; i++) {
        unsigned y = blob_get_u32(&r);
        if (y >= (unsigned)f->k)
            return mnl_fail(MNL_ERR_CKPT, "knn: stored label %u is not a class", y);
        m->y[i] = (int)y;
    }
    for (size_t i = 0; i < (size_t)n * d; i++)
        m->x[i] = blob_get_f32(&r);
    return knn_norms(m, f->d);
}

static void knn_size(const Fitted *f, FittedSize *s)
{
    const Knn *m = f->state;
    s->count = m ? m->n : 0;
    s->unit = "stored images";
    s->bytes = m ? 8 + (size_t)m->n * (4 + 4 * (size_t)f->d) : 0;
}

static const char *ordinal(int i)
{
    static const char *const words[] = {"1st", "2nd", "3rd"};
    return i < 3 ? words[i] : "th";
}

/* The test image and its k nearest stored images (plain loops: one query is little work). */
static int knn_maps(const Fitted *f, const float *x, FittedMaps *out)
{
    const Knn *m = f->state;
    int k = f->spec.k < out->max - 1 ? f->spec.k : out->max - 1, have = 0, d = f->d;
    Neighbour *best = malloc(sizeof *best * (size_t)k);
    if (!best || !x) {
        free(best);
        return mnl_fail(MNL_ERR_ARG, "knn: the neighbours of which image?");
    }
    for (int t = 0; t < m->n; t++) {
        const float *b = m->x + (size_t)t * d;
        float s = 0.0f;
        for (int p = 0; p < d; p++)
            s += f->spec.metric == METRIC_L2 ? (x[p] - b[p]) * (x[p] - b[p]) : fabsf(x[p] - b[p]);
        offer(best, k, &have, s, t);
    }
    memcpy(out->maps, x, sizeof(float) * (size_t)d);
    snprintf(out->labels[0], sizeof out->labels[0], "test image");
    for (int i = 0; i < have; i++) {
        memcpy(out->maps + (size_t)(i + 1) * d, m->x + (size_t)best[i].idx * d, sizeof(float) * (size_t)d);
        float dist = f->spec.metric == METRIC_L2 ? sqrtf(best[i].dist) : best[i].dist;
        if (i < 3)
            snprintf(out->labels[i + 1], sizeof out->labels[i + 1], "%s: %d (d %.1f)", ordinal(i),
                     m->y[best[i].idx], (double)dist);
        else
            snprintf(out->labels[i + 1], sizeof out->labels[i + 1], "%dth: %d (d %.1f)", i + 1,
                     m->y[best[i].idx], (double)dist);
    }
    out->n = have + 1;
    out->images = 1;
    snprintf(out->title, sizeof out->title, "the %d nearest of the %d stored training images (%s "
             "distance d)", have, m->n, f->spec.metric == METRIC_L2 ? "Euclidean" : "Manhattan");
    free(best);
    return MNL_OK;
}

static const FittedOps knn_ops = {knn_check, knn_fit, knn_predict, knn_save, knn_load, knn_release,
                                  knn_size, knn_maps};

const ModelFamily knn_family = {
    "knn", "k nearest neighbours: stores the training images, votes among the k closest",
    NULL, "k metric weights", &knn_ops,
    "batch seed threads",
};
