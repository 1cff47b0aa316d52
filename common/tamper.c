/* common/tamper: label noise, shuffled labels, leaked test images, permuted pixels, and the
 * train/test overlap check. */
#include "common/tamper.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "common/error.h"

/* Random streams of their own (dataset_load's are 1-3), so one change does not move another's. */
enum { STREAM_SHUFFLE = 10, STREAM_NOISE = 11, STREAM_LEAK = 12, STREAM_PERMUTE = 13 };

int tamper_enabled(const TamperSpec *t)
{
    return t->label_noise > 0.0f || t->shuffle_labels || t->leak_test > 0.0f || t->permute_pixels;
}

static gsl_rng *rng_or_fail(unsigned long seed, int stream)
{
    gsl_rng *r = dataset_stream_rng(seed, stream);
    if (!r)
        mnl_fail(MNL_ERR_NOMEM, "tamper: cannot allocate a random generator");
    return r;
}

/* k of 0..n-1 at random, ascending (selection sampling); *out malloc'd. */
static int choose_indices(gsl_rng *r, int n, int k, int **out)
{
    int *all = malloc(sizeof *all * (size_t)(n > 0 ? n : 1));
    *out = malloc(sizeof **out * (size_t)(k > 0 ? k : 1));
    if (!all || !*out) {
        free(all), free(*out);
        *out = NULL;
        return mnl_fail(MNL_ERR_NOMEM, "tamper: cannot allocate %d indices", n);
    }
    for (int i = 0; i < n; i++)
        all[i] = i;
    if (k > 0)
        gsl_ran_choose(r, *out, (size_t)k, all, (size_t)n, sizeof *all);
    free(all);
    return MNL_OK;
}

static int shuffle_labels(Dataset *train, unsigned long seed)
{
    gsl_rng *r = rng_or_fail(seed, STREAM_SHUFFLE);
    if (!r)
        return MNL_ERR_NOMEM;
    if (train->n > 1)
        gsl_ran_shuffle(r, train->y, (size_t)train->n, sizeof *train->y);
    gsl_rng_free(r);
    return MNL_OK;
}

/* round(f n) labels, each replaced by one of the other K - 1 classes, uniformly. */
static int add_label_noise(Dataset *train, float f, unsigned long seed)
{
    const int K = train->num_classes, k = (int)lround((double)f * train->n);
    if (k == 0 || K < 2)
        return MNL_OK;
    gsl_rng *r = rng_or_fail(seed, STREAM_NOISE);
    if (!r)
        return MNL_ERR_NOMEM;
    int *pick, rc = choose_indices(r, train->n, k, &pick);
    for (int j = 0; !rc && j < k; j++) {
        int *y = &train->y[pick[j]];
        *y = (*y + 1 + (int)gsl_rng_uniform_int(r, (unsigned long)(K - 1))) % K;
    }
    free(pick);
    gsl_rng_free(r);
    return rc;
}

/* round(f m) test images appended to train (new buffers: the old ones may be huge-page aligned). */
static int leak_test_images(Dataset *train, const Dataset *test, float f, unsigned long seed)
{
    const int k = (int)lround((double)f * test->n);
    if (k == 0)
        return MNL_OK;
    gsl_rng *r = rng_or_fail(seed, STREAM_LEAK);
    if (!r)
        return MNL_ERR_NOMEM;
    int *pick;
    int rc = choose_indices(r, test->n, k, &pick);
    gsl_rng_free(r);
    if (rc)
        return rc;
    const size_t hw = (size_t)train->h * train->w, n = (size_t)train->n + (size_t)k;
    float *x = malloc(sizeof *x * hw * n);
    int *y = malloc(sizeof *y * n), *orig = malloc(sizeof *orig * n);
    if (!x || !y || !orig) {
        free(pick), free(x), free(y), free(orig);
        return mnl_fail(MNL_ERR_NOMEM, "tamper: cannot allocate %zu training images", n);
    }
    memcpy(x, train->x, sizeof *x * hw * (size_t)train->n);
    memcpy(y, train->y, sizeof *y * (size_t)train->n);
    memcpy(orig, train->orig_index, sizeof *orig * (size_t)train->n);
    for (int j = 0; j < k; j++) {
        const size_t at = (size_t)train->n + (size_t)j;
        memcpy(x + at * hw, test->x + (size_t)pick[j] * hw, sizeof *x * hw);
        y[at] = test->y[pick[j]];
        orig[at] = -1 - test->orig_index[pick[j]];
    }
    free(pick);
    free(train->x), free(train->y), free(train->orig_index);
    train->x = x, train->y = y, train->orig_index = orig;
    train->n = (int)n;
    return MNL_OK;
}

int tamper_pixel_permutation(unsigned long seed, int n, int *perm)
{
    gsl_rng *r = rng_or_fail(seed, STREAM_PERMUTE);
    if (!r)
        return MNL_ERR_NOMEM;
    for (int i = 0; i < n; i++)
        perm[i] = i;
    gsl_ran_shuffle(r, perm, (size_t)n, sizeof *perm);
    gsl_rng_free(r);
    return MNL_OK;
}

int tamper_permute_rows(float *x, long rows, int len, const int *perm)
{
    float *row = malloc(sizeof *row * (size_t)(len > 0 ? len : 1));
    if (!row)
        return mnl_fail(MNL_ERR_NOMEM, "tamper: cannot allocate a row of %d", len);
    for (long i = 0; i < rows; i++) {
        float *dst = x + (size_t)i * (size_t)len;
        memcpy(row, dst, sizeof *row * (size_t)len);
        for (int p = 0; p < len; p++)
            dst[p] = row[perm[p]];
    }
    free(row);
    return MNL_OK;
}

static int permute_pixels(DataSplits *d, unsigned long seed)
{
    const int hw = d->train.h * d->train.w;
    int *perm = malloc(sizeof *perm * (size_t)hw);
    if (!perm)
        return mnl_fail(MNL_ERR_NOMEM, "tamper: cannot allocate a permutation of %d", hw);
    int rc = tamper_pixel_permutation(seed, hw, perm);
    Dataset *sets[3] = {&d->train, &d->valid, &d->test};
    for (int s = 0; s < 3 && !rc; s++)
        rc = tamper_permute_rows(sets[s]->x, sets[s]->n, hw, perm);
    free(perm);
    return rc;
}

int tamper_apply(const TamperSpec *t, DataSplits *d)
{
    if (!(t->label_noise >= 0.0f && t->label_noise <= 1.0f) ||
        !(t->leak_test >= 0.0f && t->leak_test <= 1.0f))
        return mnl_fail(MNL_ERR_ARG, "tamper: label_noise %g and leak_test %g must lie in [0, 1]",
                        (double)t->label_noise, (double)t->leak_test);
    int rc = MNL_OK;
    if (t->shuffle_labels)
        rc = shuffle_labels(&d->train, t->seed);
    if (!rc && t->label_noise > 0.0f)
        rc = add_label_noise(&d->train, t->label_noise, t->seed);
    if (!rc && t->leak_test > 0.0f)
        rc = leak_test_images(&d->train, &d->test, t->leak_test, t->seed);
    if (!rc && t->permute_pixels)
        rc = permute_pixels(d, t->seed);
    return rc;
}

/* ---- the overlap check ---- */

typedef struct {
    uint64_t hash;
    int index;
} Hashed;

/* FNV-1a taken 8 bytes at a time (an image is 3136 bytes, a multiple of 8; a tail goes byte by
 * byte): only a way to find candidates, which are then compared byte for byte. */
static uint64_t fnv1a(const void *data, size_t n)
{
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325ull, word;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        memcpy(&word, p + i, 8);
        h = (h ^ word) * 0x100000001b3ull;
    }
    for (; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

static int by_hash(const void *a, const void *b)
{
    uint64_t x = ((const Hashed *)a)->hash, y = ((const Hashed *)b)->hash;
    return (x > y) - (x < y);
}

/* 1 when some training image with hash h (its run starts at lo in the sorted table) has the same
 * bytes as img. */
static int found_in(const Hashed *t, long n, long lo, uint64_t h, const Dataset *train,
                    const float *img, size_t bytes)
{
    for (long j = lo; j < n && t[j].hash == h; j++)
        if (memcmp(train->x + (size_t)t[j].index * (bytes / sizeof *img), img, bytes) == 0)
            return 1;
    return 0;
}

int tamper_count_overlap(const Dataset *train, const Dataset *test, long *count)
{
    *count = 0;
    if (train->n == 0 || test->n == 0)
        return MNL_OK;
    const size_t bytes = sizeof(float) * (size_t)train->h * (size_t)train->w;
    Hashed *t = malloc(sizeof *t * (size_t)train->n);
    if (!t)
        return mnl_fail(MNL_ERR_NOMEM, "overlap check: cannot allocate %d hashes", train->n);
    for (int i = 0; i < train->n; i++)
        t[i] = (Hashed){fnv1a(train->x + (size_t)i * (bytes / sizeof(float)), bytes), i};
    qsort(t, (size_t)train->n, sizeof *t, by_hash);
    for (int i = 0; i < test->n; i++) {
        const float *img = test->x + (size_t)i * (bytes / sizeof(float));
        const uint64_t h = fnv1a(img, bytes);
        long lo = 0, hi = train->n;          /* the first entry with hash >= h */
        while (lo < hi) {
            long mid = lo + (hi - lo) / 2;
            if (t[mid].hash < h)
                lo = mid + 1;
            else
                hi = mid;
        }
        *count += found_in(t, train->n, lo, h, train, img, bytes);
    }
    free(t);
    return MNL_OK;
}
