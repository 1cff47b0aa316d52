/* tests/test_dataset: DataSpec -> DataSplits on a small synthetic set written here (normalisation,
 * class subset and relabelling, seeded subset draw and validation split, spec errors), the batch
 * iterator, and the real MNIST / Fashion-MNIST files when present. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "common/dataset.h"
#include "common/error.h"
#include "common/fileio.h"
#include "common/idx.h"
#include "tests/test_util.h"

/* ---- the synthetic set ----------------------------------------------------------------------- */

/* 4x3 images. Pixel 0 and 1 spell the image's index in its file (so tests can tell which image
 * went where), pixels 2 and 3 are 0 and 255 (the ends of every normalisation), the rest vary.
 * Training labels (3i) mod 10 give each class 20 of the 200; test labels i mod 10, 5 each of 50. */
enum { SYN_TRAIN = 200, SYN_TEST = 50, SYN_H = 4, SYN_W = 3, SYN_HW = SYN_H * SYN_W };

static int syn_train_label(int i) { return (3 * i) % 10; }

static void write_set(const char *dir, const char *prefix, int n, int label_mul, int gz)
{
    IdxImages im = {malloc((size_t)n * SYN_HW), n, SYN_H, SYN_W};
    IdxLabels lb = {malloc((size_t)n), n};
    for (int i = 0; i < n; i++) {
        uint8_t *p = im.pixels + (size_t)i * SYN_HW;
        p[0] = (uint8_t)(i & 255), p[1] = (uint8_t)(i >> 8), p[2] = 0, p[3] = 255;
        for (int j = 4; j < SYN_HW; j++)
            p[j] = (uint8_t)((i * 13 + j * 71) % 256);
        lb.labels[i] = (uint8_t)((label_mul * i) % 10);
    }
    char path[1200];
    snprintf(path, sizeof path, "%s/%s-images-idx3-ubyte%s", dir, prefix, gz ? ".gz" : "");
    CU_ASSERT_EQUAL_FATAL(idx_write_images(path, &im, gz), MNL_OK);
    snprintf(path, sizeof path, "%s/%s-labels-idx1-ubyte%s", dir, prefix, gz ? ".gz" : "");
    CU_ASSERT_EQUAL_FATAL(idx_write_labels(path, &lb, gz), MNL_OK);
    idx_images_free(&im);
    idx_labels_free(&lb);
}

/* The synthetic directory (raw, or gzip-only), written once per run. */
static const char *syn_dir(int gz)
{
    static char dirs[2][1024];
    char *d = dirs[gz != 0];
    if (!d[0]) {
        snprintf(d, sizeof dirs[0], "%s", test_path(gz ? "syn-gz" : "syn-raw"));
        CU_ASSERT_EQUAL_FATAL(make_dirs(d), MNL_OK);
        write_set(d, "train", SYN_TRAIN, 3, gz);
        write_set(d, "t10k", SYN_TEST, 1, gz);
    }
    return d;
}

static DataSpec syn_spec(void)
{
    DataSpec s;
    memset(&s, 0, sizeof s);
    snprintf(s.name, sizeof s.name, "mnist");
    snprintf(s.dir, sizeof s.dir, "%s", syn_dir(0));
    s.seed = 1;
    return s;
}

/* The byte a float pixel came from under NORM_NONE. */
static int byte_of(float x) { return (int)lrintf(x * 255.0f); }

/* Which file index an image came from, read back from its pixels (NORM_NONE only). */
static int source_of(const Dataset *d, int i)
{
    const float *x = d->x + (size_t)i * d->h * d->w;
    return byte_of(x[0]) + 256 * byte_of(x[1]);
}

static int is_increasing(const int *a, int n)
{
    for (int i = 1; i < n; i++)
        if (a[i] <= a[i - 1])
            return 0;
    return 1;
}

static int load_code(const DataSpec *spec)
{
    DataSplits s;
    mnl_clear_error();
    int rc = dataset_load(spec, &s);
    if (rc)
        CU_ASSERT(s.train.x == NULL && s.test.x == NULL && s.valid.x == NULL);
    dataset_splits_free(&s);
    return rc;
}

/* ---- directory and files ----------------------------------------------------------------- */

static void test_dataset_default_dir_follows_environment(void)
{
    const char *old = getenv("MNIST_DIR");
    char saved[1024] = "";
    if (old)
        snprintf(saved, sizeof saved, "%s", old);
    unsetenv("MNIST_DIR");
    CU_ASSERT_STRING_EQUAL(dataset_default_dir("mnist"), "data/mnist");
    setenv("MNIST_DIR", "/elsewhere/mnist", 1);
    CU_ASSERT_STRING_EQUAL(dataset_default_dir("mnist"), "/elsewhere/mnist");
    if (old)
        setenv("MNIST_DIR", saved, 1);
    else
        unsetenv("MNIST_DIR");
    if (!getenv("FASHION_DIR"))
        CU_ASSERT_STRING_EQUAL(dataset_default_dir("fashion"), "/usr/share/datasets/fashion-mnist");
    CU_ASSERT_PTR_NULL(dataset_default_dir("cifar"));
}

static void test_dataset_loads_every_image_in_file_order(void)
{
    DataSpec spec = syn_spec();
    DataSplits s;
    CU_ASSERT_EQUAL_FATAL(dataset_load(&spec, &s), MNL_OK);
    CU_ASSERT_EQUAL(s.num_classes, 10);
    CU_ASSERT(s.train.n == SYN_TRAIN && s.test.n == SYN_TEST && s.valid.n == 0);
    CU_ASSERT(s.train.h == SYN_H && s.train.w == SYN_W && s.train.num_classes == 10);
    for (int i = 0; i < s.train.n; i++) {
        CU_ASSERT_EQUAL(s.train.orig_index[i], i);
        CU_ASSERT_EQUAL(source_of(&s.train, i), i);
        CU_ASSERT_EQUAL(s.train.y[i], syn_train_label(i));
    }
    for (int i = 0; i < s.test.n; i++)
        CU_ASSERT_EQUAL(s.test.y[i], i % 10);
    for (int c = 0; c < 10; c++)
        CU_ASSERT_EQUAL(s.class_names[c], c);
    dataset_splits_free(&s);
}

static void test_dataset_reads_gz_files_when_no_raw_ones(void)
{
    DataSpec spec = syn_spec();
    snprintf(spec.dir, sizeof spec.dir, "%s", syn_dir(1));
    DataSplits s;
    CU_ASSERT_EQUAL_FATAL(dataset_load(&spec, &s), MNL_OK);
    CU_ASSERT(s.train.n == SYN_TRAIN && s.test.n == SYN_TEST);
    CU_ASSERT_EQUAL(source_of(&s.train, 123), 123);
    dataset_splits_free(&s);
}

static void test_dataset_names_the_missing_file(void)
{
    DataSpec spec = syn_spec();
    snprintf(spec.dir, sizeof spec.dir, "%s", test_path("no-data-here"));
    CU_ASSERT_EQUAL(load_code(&spec), MNL_ERR_IO);
    CU_ASSERT_PTR_NOT_NULL(strstr(mnl_last_error(), "no-data-here/train-images-idx3-ubyte"));
}

/* ---- normalisation --------------------------------------------------------------------------- */

static void test_dataset_plain_pixels_are_divided_by_255(void)
{
    DataSpec spec = syn_spec();
    DataSplits s;
    CU_ASSERT_EQUAL_FATAL(dataset_load(&spec, &s), MNL_OK);
    CU_ASSERT_EQUAL(s.train.x[2], 0.0f);
    CU_ASSERT_EQUAL(s.train.x[3], 1.0f);
    CU_ASSERT_DOUBLE_EQUAL(s.train.x[SYN_HW + 0], 1.0 / 255.0, 1e-7);   /* image 1, pixel 0 = 1 */
    dataset_splits_free(&s);
}

static void test_dataset_minus1_1_maps_0_to_minus1_and_255_to_1(void)
{
    DataSpec plain = syn_spec(), spec = syn_spec();
    spec.norm = NORM_MINUS1_1;
    DataSplits a, b;
    CU_ASSERT_EQUAL_FATAL(dataset_load(&plain, &a), MNL_OK);
    CU_ASSERT_EQUAL_FATAL(dataset_load(&spec, &b), MNL_OK);
    CU_ASSERT_EQUAL(b.train.x[2], -1.0f);
    CU_ASSERT_EQUAL(b.train.x[3], 1.0f);
    size_t n = (size_t)a.train.n * SYN_HW;
    int ok = 1;
    for (size_t i = 0; i < n; i++)
        ok &= fabs(b.train.x[i] - (byte_of(a.train.x[i]) / 127.5 - 1.0)) < 1e-6;
    CU_ASSERT(ok);
    dataset_splits_free(&a), dataset_splits_free(&b);
}

static void mean_std(const float *x, size_t n, double *mean, double *std)
{
    double s = 0, ss = 0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    *mean = s / (double)n;
    for (size_t i = 0; i < n; i++)
        ss += (x[i] - *mean) * (x[i] - *mean);
    *std = sqrt(ss / (double)n);
}

/* Normalising with the training set's own mean and std of p/255 gives mean 0, std 1. */
static void test_dataset_mean_std_normalisation_standardises(void)
{
    DataSpec spec = syn_spec();
    DataSplits a, b;
    CU_ASSERT_EQUAL_FATAL(dataset_load(&spec, &a), MNL_OK);
    double m, sd;
    mean_std(a.train.x, (size_t)a.train.n * SYN_HW, &m, &sd);
    spec.norm = NORM_MEAN_STD;
    spec.mean = (float)m;
    spec.std = (float)sd;
    CU_ASSERT_EQUAL_FATAL(dataset_load(&spec, &b), MNL_OK);
    double m2, sd2;
    mean_std(b.train.x, (size_t)b.train.n * SYN_HW, &m2, &sd2);
    CU_ASSERT_DOUBLE_EQUAL(m2, 0.0, 1e-5);
    CU_ASSERT_DOUBLE_EQUAL(sd2, 1.0, 1e-5);
    /* The test set goes through the same formula, with the training statistics. */
    CU_ASSERT_DOUBLE_EQUAL(b.test.x[3], (1.0 - spec.mean) / spec.std, 1e-5);
    dataset_splits_free(&a), dataset_splits_free(&b);
}

/* ---- classes ----------------------------------------------------------------------------- */

static void test_dataset_class_subset_relabels_in_given_order(void)
{
    DataSpec spec = syn_spec();
    spec.n_classes = 2;
    spec.classes[0] = 9;
    spec.classes[1] = 4;
    DataSplits s;
    CU_ASSERT_EQUAL_FATAL(dataset_load(&spec, &s), MNL_OK);
    CU_ASSERT(s.num_classes == 2 && s.train.num_classes == 2);
    CU_ASSERT(s.class_names[0] == 9 && s.class_names[1] == 4);
    CU_ASSERT_EQUAL(s.train.n, 40);   /* 20 nines and 20 fours */
    CU_ASSERT_EQUAL(s.test.n, 10);
    int ok = 1;
    for (int i = 0; i < s.train.n; i++) {
        int orig = syn_train_label(s.train.orig_index[i]);
        ok &= (s.train.y[i] == 0 && orig == 9) || (s.train.y[i] == 1 && orig == 4);
        ok &= source_of(&s.train, i) == s.train.orig_index[i];
    }
    CU_ASSERT(ok);
    CU_ASSERT(is_increasing(s.train.orig_index, s.train.n));
    dataset_splits_free(&s);
}

static void test_dataset_rejects_impossible_specs(void)
{
    DataSpec spec = syn_spec();
    spec.n_classes = 2, spec.classes[0] = 4, spec.classes[1] = 4;
    CU_ASSERT_EQUAL(load_code(&spec), MNL_ERR_CONFIG);
    CU_ASSERT_PTR_NOT_NULL(strstr(mnl_last_error(), "4 appears twice"));
    spec.classes[1] = 11;
    CU_ASSERT_EQUAL(load_code(&spec), MNL_ERR_CONFIG);
    CU_ASSERT_PTR_NOT_NULL(strstr(mnl_last_error(), "11"));
    spec.n_classes = 1, spec.classes[0] = 3;
    CU_ASSERT_EQUAL(load_code(&spec), MNL_ERR_CONFIG);

    spec = syn_spec();
    spec.subset_train = -1;
    CU_ASSERT_EQUAL(load_code(&spec), MNL_ERR_CONFIG);
    spec = syn_spec();
    spec.norm = NORM_MEAN_STD, spec.mean = 0.1f, spec.std = 0.0f;
    CU_ASSERT_EQUAL(load_code(&spec), MNL_ERR_CONFIG);
    spec = syn_spec();
    spec.dir[0] = '\0';
    snprintf(spec.name, sizeof spec.name, "cifar");
    CU_ASSERT_EQUAL(load_code(&spec), MNL_ERR_CONFIG);
}

static void test_dataset_rejects_subset_larger_than_the_classes_hold(void)
{
    DataSpec spec = syn_spec();
    spec.n_classes = 2, spec.classes[0] = 4, spec.classes[1] = 9;
    spec.subset_train = 41;   /* 40 exist */
    CU_ASSERT_EQUAL(load_code(&spec), MNL_ERR_CONFIG);
    CU_ASSERT_PTR_NOT_NULL(strstr(mnl_last_error(), "only 40 training"));
    spec.subset_train = 40, spec.subset_test = 11;
    CU_ASSERT_EQUAL(load_code(&spec), MNL_ERR_CONFIG);
    spec.subset_test = 10;
    CU_ASSERT_EQUAL(load_code(&spec), MNL_OK);
}

static void test_dataset_rejects_split_not_smaller_than_train(void)
{
    DataSpec spec = syn_spec();
    spec.split = SPLIT_LAST, spec.split_n = SYN_TRAIN;
    CU_ASSERT_EQUAL(load_code(&spec), MNL_ERR_CONFIG);
    /* Counted after the subset draw: 100 drawn cannot give 100 to validation. */
    spec.split = SPLIT_RANDOM, spec.split_n = 100, spec.subset_train = 100;
    CU_ASSERT_EQUAL(load_code(&spec), MNL_ERR_CONFIG);
    CU_ASSERT_PTR_NOT_NULL(strstr(mnl_last_error(), "smaller than the 100 training"));
    spec.split_n = 0;
    CU_ASSERT_EQUAL(load_code(&spec), MNL_ERR_CONFIG);
}

/* ---- random subset --------------------------------------------------------------------------- */

static int *subset_of(unsigned long seed, int n_train, int n_test, int *test_first)
{
    DataSpec spec = syn_spec();
    spec.seed = seed, spec.subset_train = n_train, spec.subset_test = n_test;
    DataSplits s;
    CU_ASSERT_EQUAL_FATAL(dataset_load(&spec, &s), MNL_OK);
    CU_ASSERT_EQUAL(s.train.n, n_train);
    CU_ASSERT_EQUAL(s.test.n, n_test);
    int *idx = malloc((size_t)n_train * sizeof *idx);
    memcpy(idx, s.train.orig_index, (size_t)n_train * sizeof *idx);
    if (test_first)
        *test_first = s.test.orig_index[0];
    dataset_splits_free(&s);
    return idx;
}

static void test_dataset_subset_draw_is_seeded(void)
{
    int *a = subset_of(7, 50, 20, NULL), *b = subset_of(7, 50, 20, NULL), *c = subset_of(8, 50, 20, NULL);
    CU_ASSERT_EQUAL(memcmp(a, b, 50 * sizeof *a), 0);
    CU_ASSERT_NOT_EQUAL(memcmp(a, c, 50 * sizeof *a), 0);
    /* Distinct images, kept in file order. */
    CU_ASSERT(is_increasing(a, 50) && is_increasing(c, 50));
    free(a), free(b), free(c);
}

/* Over 200 seeds, drawing 50 of 200 picks each image about 50 times (sd ~6): no image may be
 * starved or favoured, which a draw biased to the front or back of the file would be. */
static void test_dataset_subset_draw_is_uniform(void)
{
    int hits[SYN_TRAIN] = {0};
    for (unsigned long seed = 1; seed <= 200; seed++) {
        int *a = subset_of(seed, 50, 5, NULL);
        for (int i = 0; i < 50; i++)
            hits[a[i]]++;
        free(a);
    }
    int lo = hits[0], hi = hits[0];
    for (int i = 1; i < SYN_TRAIN; i++)
        lo = hits[i] < lo ? hits[i] : lo, hi = hits[i] > hi ? hits[i] : hi;
    CU_ASSERT(lo >= 25 && hi <= 75);
}

static void test_dataset_test_subset_does_not_depend_on_train_subset(void)
{
    int t1, t2;
    free(subset_of(3, 50, 20, &t1));
    free(subset_of(3, 120, 20, &t2));
    CU_ASSERT_EQUAL(t1, t2);
}

/* ---- validation split ------------------------------------------------------------------------ */

static DataSplits load_split(SplitKind kind, int n, unsigned long seed, int subset)
{
    DataSpec spec = syn_spec();
    spec.split = kind, spec.split_n = n, spec.seed = seed, spec.subset_train = subset;
    DataSplits s;
    CU_ASSERT_EQUAL_FATAL(dataset_load(&spec, &s), MNL_OK);
    return s;
}

static void test_dataset_random_split_partitions_train(void)
{
    DataSplits s = load_split(SPLIT_RANDOM, 60, 5, 0);
    CU_ASSERT_EQUAL(s.valid.n, 60);
    CU_ASSERT_EQUAL(s.train.n, SYN_TRAIN - 60);
    int seen[SYN_TRAIN] = {0};
    for (int i = 0; i < s.train.n; i++)
        seen[s.train.orig_index[i]]++;
    for (int i = 0; i < s.valid.n; i++)
        seen[s.valid.orig_index[i]]++;
    int each_once = 1;
    for (int i = 0; i < SYN_TRAIN; i++)
        each_once &= seen[i] == 1;
    CU_ASSERT(each_once);   /* no overlap, and the union is the whole training set */
    CU_ASSERT(is_increasing(s.valid.orig_index, s.valid.n) && is_increasing(s.train.orig_index, s.train.n));
    CU_ASSERT_EQUAL(source_of(&s.valid, 7), s.valid.orig_index[7]);
    CU_ASSERT_EQUAL(s.valid.y[7], syn_train_label(s.valid.orig_index[7]));
    CU_ASSERT(s.valid.orig_index[59] != SYN_TRAIN - 1 || s.valid.orig_index[0] != SYN_TRAIN - 60);
    dataset_splits_free(&s);
}

static void test_dataset_random_split_is_seeded(void)
{
    DataSplits a = load_split(SPLIT_RANDOM, 60, 5, 0), b = load_split(SPLIT_RANDOM, 60, 5, 0),
               c = load_split(SPLIT_RANDOM, 60, 6, 0);
    CU_ASSERT_EQUAL(memcmp(a.valid.orig_index, b.valid.orig_index, 60 * sizeof(int)), 0);
    CU_ASSERT_NOT_EQUAL(memcmp(a.valid.orig_index, c.valid.orig_index, 60 * sizeof(int)), 0);
    dataset_splits_free(&a), dataset_splits_free(&b), dataset_splits_free(&c);
}

static void test_dataset_last_split_takes_the_last_images(void)
{
    DataSplits s = load_split(SPLIT_LAST, 30, 1, 0);
    CU_ASSERT_EQUAL_FATAL(s.valid.n, 30);
    CU_ASSERT_EQUAL(s.train.n, SYN_TRAIN - 30);
    int ok = 1;
    for (int i = 0; i < 30; i++)
        ok &= s.valid.orig_index[i] == SYN_TRAIN - 30 + i;
    for (int i = 0; i < s.train.n; i++)
        ok &= s.train.orig_index[i] == i;
    CU_ASSERT(ok);
    dataset_splits_free(&s);
}

/* The split has its own random stream: turning it on must not change the drawn subset. */
static void test_dataset_split_does_not_change_the_subset_draw(void)
{
    DataSplits plain = load_split(SPLIT_NONE, 0, 9, 100), split = load_split(SPLIT_RANDOM, 30, 9, 100);
    CU_ASSERT_EQUAL_FATAL(split.train.n + split.valid.n, plain.train.n);
    int in_plain[SYN_TRAIN] = {0}, all_in = 1;
    for (int i = 0; i < plain.train.n; i++)
        in_plain[plain.train.orig_index[i]] = 1;
    for (int i = 0; i < split.train.n; i++)
        all_in &= in_plain[split.train.orig_index[i]];
    for (int i = 0; i < split.valid.n; i++)
        all_in &= in_plain[split.valid.orig_index[i]];
    CU_ASSERT(all_in);
    dataset_splits_free(&plain), dataset_splits_free(&split);
}

/* ---- batch iterator ------------------------------------------------------------------------ */

/* n images of 1x2: x[i] = {i, -i}, y[i] = i mod 10. */
static Dataset tiny_dataset(int n)
{
    Dataset d = {malloc((size_t)n * 2 * sizeof(float)), malloc((size_t)n * sizeof(int)),
                 malloc((size_t)n * sizeof(int)), n, 1, 2, 10, NULL, 0, 0};
    for (int i = 0; i < n; i++) {
        d.x[2 * i] = (float)i, d.x[2 * i + 1] = (float)-i;
        d.y[i] = i % 10, d.orig_index[i] = i;
    }
    return d;
}

/* One epoch's image order (from the gathered x), written to out[n]. */
static void epoch_order(BatchIter *it, gsl_rng *rng, int *out)
{
    batch_iter_reset(it, rng);
    int k = 0, b;
    while ((b = batch_iter_next(it)) > 0)
        for (int i = 0; i < b; i++)
            out[k++] = (int)it->x[2 * i];
}

static void test_batch_iter_last_batch_is_short(void)
{
    Dataset d = tiny_dataset(10);
    BatchIter it;
    CU_ASSERT_EQUAL_FATAL(batch_iter_init(&it, &d, 4), MNL_OK);
    CU_ASSERT_EQUAL(batch_iter_count(&it), 3);
    batch_iter_reset(&it, NULL);
    CU_ASSERT_EQUAL(batch_iter_next(&it), 4);
    CU_ASSERT_EQUAL(batch_iter_next(&it), 4);
    CU_ASSERT_EQUAL(batch_iter_next(&it), 2);
    CU_ASSERT_EQUAL(batch_iter_next(&it), 0);
    batch_iter_free(&it);
    dataset_free(&d);
}

static void test_batch_iter_without_rng_keeps_order(void)
{
    Dataset d = tiny_dataset(7);
    BatchIter it;
    CU_ASSERT_EQUAL_FATAL(batch_iter_init(&it, &d, 3), MNL_OK);
    int order[7], ok = 1;
    epoch_order(&it, NULL, order);
    for (int i = 0; i < 7; i++)
        ok &= order[i] == i;
    CU_ASSERT(ok);
    batch_iter_free(&it);
    dataset_free(&d);
}

/* In order, a batch is the data set's own memory (evaluation copies nothing); shuffled, it is the
 * iterator's gather buffer; a shuffle after an in-order pass gathers again. */
static void test_batch_iter_in_order_batches_are_views(void)
{
    Dataset d = tiny_dataset(10);
    BatchIter it;
    CU_ASSERT_EQUAL_FATAL(batch_iter_init(&it, &d, 4), MNL_OK);
    batch_iter_reset(&it, NULL);
    CU_ASSERT_EQUAL(batch_iter_next(&it), 4);
    CU_ASSERT_EQUAL(batch_iter_next(&it), 4);
    CU_ASSERT_PTR_EQUAL(it.x, d.x + 4 * 2);
    CU_ASSERT_PTR_EQUAL(it.y, d.y + 4);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    batch_iter_reset(&it, r);
    CU_ASSERT_EQUAL(batch_iter_next(&it), 4);
    CU_ASSERT_PTR_EQUAL(it.x, it.gather_x);
    CU_ASSERT_PTR_EQUAL(it.y, it.gather_y);
    gsl_rng_free(r);
    batch_iter_free(&it);
    dataset_free(&d);
}

/* A shuffled batch gathered on 2 or 3 threads (batches of 200 kB, over the bar for a start) is
 * the one gathered on 1, images and labels, to the last short batch. */
static void test_batch_iter_gathers_the_same_batches_on_any_thread_count(void)
{
    enum { N = 300, HW = 28 * 28, BATCH = 64 };
    Dataset d = {malloc(sizeof(float) * N * HW), malloc(sizeof(int) * N), malloc(sizeof(int) * N),
                 N, 28, 28, 10, NULL, 0, 0};
    CU_ASSERT_FATAL(d.x && d.y && d.orig_index);
    for (int i = 0; i < N * HW; i++)
        d.x[i] = (float)(i % 1009) * 0.25f;
    for (int i = 0; i < N; i++)
        d.y[i] = (i * 7) % 10, d.orig_index[i] = i;
    float *one = malloc(sizeof(float) * N * HW);
    int labels[N], same = 1, batches = 0;
    CU_ASSERT_FATAL(one != NULL);
    for (int threads = 1; threads <= 3; threads++) {
        BatchIter it;
        CU_ASSERT_EQUAL_FATAL(batch_iter_init(&it, &d, BATCH), MNL_OK);
        it.threads = threads;
        gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
        batch_iter_reset(&it, r);
        for (int b, at = 0; (b = batch_iter_next(&it)) > 0; at += b) {
            if (threads == 1) {
                memcpy(one + (size_t)at * HW, it.x, sizeof(float) * (size_t)b * HW);
                memcpy(labels + at, it.y, sizeof(int) * (size_t)b);
                batches++;
            } else {
                same &= memcmp(one + (size_t)at * HW, it.x, sizeof(float) * (size_t)b * HW) == 0;
                same &= memcmp(labels + at, it.y, sizeof(int) * (size_t)b) == 0;
            }
        }
        gsl_rng_free(r);
        batch_iter_free(&it);
    }
    CU_ASSERT_EQUAL(batches, 5);                       /* 4 of 64 and one of 44 */
    CU_ASSERT(same);
    free(one);
    dataset_free(&d);
}

/* A saved order comes back only whole and in range; the batches then follow it. */
static void test_batch_iter_restore_order_checks_and_follows_it(void)
{
    Dataset d = tiny_dataset(5);
    BatchIter it;
    CU_ASSERT_EQUAL_FATAL(batch_iter_init(&it, &d, 2), MNL_OK);
    const int saved[5] = {4, 2, 0, 1, 3}, bad[5] = {4, 2, 5, 1, 3};
    CU_ASSERT_EQUAL(batch_iter_restore_order(&it, saved, 4), -1);      /* not the data set's size */
    CU_ASSERT_EQUAL(batch_iter_restore_order(&it, bad, 5), -1);        /* 5 is no index */
    CU_ASSERT_EQUAL(it.order[2], 2);                                    /* left as it was */
    CU_ASSERT_EQUAL(batch_iter_restore_order(&it, saved, 5), 0);
    int got[5], k = 0, b;
    while ((b = batch_iter_next(&it)) > 0)
        for (int i = 0; i < b; i++)
            got[k++] = (int)it.x[2 * i];
    CU_ASSERT_EQUAL(k, 5);
    CU_ASSERT(memcmp(got, saved, sizeof got) == 0);
    batch_iter_free(&it);
    dataset_free(&d);
}

static void test_batch_iter_gathers_matching_images_and_labels(void)
{
    Dataset d = tiny_dataset(25);
    BatchIter it;
    CU_ASSERT_EQUAL_FATAL(batch_iter_init(&it, &d, 8), MNL_OK);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 1);
    batch_iter_reset(&it, r);
    int seen[25] = {0}, ok = 1, b;
    while ((b = batch_iter_next(&it)) > 0)
        for (int i = 0; i < b; i++) {
            int src = (int)it.x[2 * i];
            ok &= it.x[2 * i + 1] == -src && it.y[i] == src % 10;
            seen[src]++;
        }
    for (int i = 0; i < 25; i++)
        ok &= seen[i] == 1;   /* an epoch shows every image exactly once */
    CU_ASSERT(ok);
    gsl_rng_free(r);
    batch_iter_free(&it);
    dataset_free(&d);
}

static void test_batch_iter_same_seed_same_batches(void)
{
    Dataset d = tiny_dataset(50);
    BatchIter it;
    CU_ASSERT_EQUAL_FATAL(batch_iter_init(&it, &d, 16), MNL_OK);
    gsl_rng *r1 = gsl_rng_alloc(gsl_rng_mt19937), *r2 = gsl_rng_alloc(gsl_rng_mt19937),
            *r3 = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r1, 42), gsl_rng_set(r2, 42), gsl_rng_set(r3, 43);
    int a[2][50], b[2][50], c[50];
    for (int e = 0; e < 2; e++) {
        epoch_order(&it, r1, a[e]);
        epoch_order(&it, r2, b[e]);
    }
    epoch_order(&it, r3, c);
    CU_ASSERT_EQUAL(memcmp(a, b, sizeof a), 0);
    CU_ASSERT_NOT_EQUAL(memcmp(a[0], c, sizeof c), 0);
    CU_ASSERT_NOT_EQUAL(memcmp(a[0], a[1], sizeof c), 0);   /* reshuffled every epoch */
    gsl_rng_free(r1), gsl_rng_free(r2), gsl_rng_free(r3);
    batch_iter_free(&it);
    dataset_free(&d);
}

/* An epoch depends only on the rng state at its start, so a run resumed with a saved state sees
 * the batches an uninterrupted run would have seen. */
static void test_batch_iter_epoch_depends_only_on_rng_state(void)
{
    Dataset d = tiny_dataset(30);
    BatchIter a, b;
    CU_ASSERT_EQUAL_FATAL(batch_iter_init(&a, &d, 8), MNL_OK);
    CU_ASSERT_EQUAL_FATAL(batch_iter_init(&b, &d, 8), MNL_OK);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 5);
    int first[30], second[30], resumed[30];
    epoch_order(&a, r, first);
    gsl_rng *saved = gsl_rng_clone(r);
    epoch_order(&a, r, second);
    epoch_order(&b, saved, resumed);   /* a fresh iterator, only the rng state carried over */
    CU_ASSERT_EQUAL(memcmp(second, resumed, sizeof second), 0);
    gsl_rng_free(r), gsl_rng_free(saved);
    batch_iter_free(&a), batch_iter_free(&b);
    dataset_free(&d);
}

static void test_batch_iter_rejects_empty_batch(void)
{
    Dataset d = tiny_dataset(3);
    BatchIter it;
    CU_ASSERT_EQUAL(batch_iter_init(&it, &d, 0), MNL_ERR_ARG);
    dataset_free(&d);
}

/* ---- the real files ------------------------------------------------------------------------ */

static int skip_without(const char *dir, const char *test)
{
    char p[1200], q[1210];
    snprintf(p, sizeof p, "%s/train-images-idx3-ubyte", dir ? dir : "");
    snprintf(q, sizeof q, "%s.gz", p);
    if (dir && (file_exists(p) || file_exists(q)))
        return 0;
    char why[1400];
    snprintf(why, sizeof why, "%s needs the data in %s", test, dir ? dir : "data/mnist ($MNIST_DIR)");
    return test_skip(why);
}

static void test_dataset_real_mnist_4_vs_9(void)
{
    const char *dir = test_mnist_dir();
    if (skip_without(dir, "real_mnist_4_vs_9"))
        return;
    DataSpec spec = syn_spec();
    snprintf(spec.dir, sizeof spec.dir, "%s", dir);
    spec.n_classes = 2, spec.classes[0] = 4, spec.classes[1] = 9;
    DataSplits s;
    CU_ASSERT_EQUAL_FATAL(dataset_load(&spec, &s), MNL_OK);
    CU_ASSERT_EQUAL(s.train.n, 11791);
    CU_ASSERT_EQUAL(s.test.n, 1991);
    CU_ASSERT(s.class_names[0] == 4 && s.class_names[1] == 9);
    /* The third training image is the first 4 in the file, the fifth the first 9. */
    CU_ASSERT(s.train.orig_index[0] == 2 && s.train.y[0] == 0);
    CU_ASSERT(s.train.orig_index[1] == 4 && s.train.y[1] == 1);
    dataset_splits_free(&s);
}

/* 0.1307 and 0.3081, the constants every MNIST tutorial uses, are the training set's own mean
 * and std of p/255: normalised with them, the training set is standardised. */
static void test_dataset_real_mnist_standardised_by_its_constants(void)
{
    const char *dir = test_mnist_dir();
    if (skip_without(dir, "real_mnist_standardised_by_its_constants"))
        return;
    DataSpec spec = syn_spec();
    snprintf(spec.dir, sizeof spec.dir, "%s", dir);
    spec.norm = NORM_MEAN_STD, spec.mean = 0.1307f, spec.std = 0.3081f;
    spec.split = SPLIT_LAST, spec.split_n = 10000;
    DataSplits s;
    CU_ASSERT_EQUAL_FATAL(dataset_load(&spec, &s), MNL_OK);
    CU_ASSERT(s.train.n == 50000 && s.valid.n == 10000 && s.test.n == 10000);
    CU_ASSERT(s.train.h == 28 && s.train.w == 28);
    double m, sd;
    mean_std(s.train.x, (size_t)s.train.n * 784, &m, &sd);
    CU_ASSERT_DOUBLE_EQUAL(m, 0.0, 0.01);
    CU_ASSERT_DOUBLE_EQUAL(sd, 1.0, 0.01);
    dataset_splits_free(&s);
}

static void test_dataset_real_fashion_gz(void)
{
    const char *dir = dataset_default_dir("fashion");
    if (skip_without(dir, "real_fashion_gz"))
        return;
    DataSpec spec;
    memset(&spec, 0, sizeof spec);
    snprintf(spec.name, sizeof spec.name, "fashion");
    DataSplits s;
    CU_ASSERT_EQUAL_FATAL(dataset_load(&spec, &s), MNL_OK);
    CU_ASSERT_EQUAL(s.train.n, 60000);
    CU_ASSERT_EQUAL(s.test.n, 10000);
    CU_ASSERT(s.train.h == 28 && s.train.w == 28 && s.num_classes == 10);
    dataset_splits_free(&s);
}

/* normalize = dataset: the loader computes the training images' own mean and std, and the
 * training set comes out standardised (the synthetic set: the same numbers as computing them
 * by hand from plain pixels). */
static void test_dataset_own_statistics_standardise_the_training_set(void)
{
    DataSpec spec = syn_spec();
    DataSplits plain, own;
    CU_ASSERT_EQUAL_FATAL(dataset_load(&spec, &plain), MNL_OK);
    double m, sd;
    mean_std(plain.train.x, (size_t)plain.train.n * SYN_HW, &m, &sd);
    spec.norm = NORM_DATASET;
    CU_ASSERT_EQUAL_FATAL(dataset_load(&spec, &own), MNL_OK);
    CU_ASSERT_EQUAL(own.norm, NORM_MEAN_STD);
    CU_ASSERT_DOUBLE_EQUAL(own.mean, m, 1e-5);
    CU_ASSERT_DOUBLE_EQUAL(own.std, sd, 1e-5);
    double m2, sd2;
    mean_std(own.train.x, (size_t)own.train.n * SYN_HW, &m2, &sd2);
    CU_ASSERT_DOUBLE_EQUAL(m2, 0.0, 1e-5);
    CU_ASSERT_DOUBLE_EQUAL(sd2, 1.0, 1e-5);
    dataset_splits_free(&plain), dataset_splits_free(&own);
}

/* On Fashion-MNIST the loader's statistics are Fashion's (0.2860, 0.3530), not MNIST's. */
static void test_dataset_real_fashion_gets_its_own_statistics(void)
{
    const char *dir = dataset_default_dir("fashion");
    if (skip_without(dir, "real_fashion_gets_its_own_statistics"))
        return;
    DataSpec spec;
    memset(&spec, 0, sizeof spec);
    snprintf(spec.name, sizeof spec.name, "fashion");
    spec.norm = NORM_DATASET;
    DataSplits s;
    CU_ASSERT_EQUAL_FATAL(dataset_load(&spec, &s), MNL_OK);
    CU_ASSERT_DOUBLE_EQUAL(s.mean, 0.2860, 0.0001);
    CU_ASSERT_DOUBLE_EQUAL(s.std, 0.3530, 0.0001);
    double m, sd;
    mean_std(s.train.x, (size_t)s.train.n * 784, &m, &sd);
    CU_ASSERT_DOUBLE_EQUAL(m, 0.0, 1e-4);
    CU_ASSERT_DOUBLE_EQUAL(sd, 1.0, 1e-4);
    dataset_splits_free(&s);
}

int register_dataset_tests(void)
{
    CU_pSuite s = CU_add_suite("dataset", NULL, NULL);
    if (!s)
        return -1;
    static const struct { const char *name; CU_TestFunc fn; } tests[] = {
        {"default_dir_follows_environment", test_dataset_default_dir_follows_environment},
        {"loads_every_image_in_file_order", test_dataset_loads_every_image_in_file_order},
        {"reads_gz_files_when_no_raw_ones", test_dataset_reads_gz_files_when_no_raw_ones},
        {"names_the_missing_file", test_dataset_names_the_missing_file},
        {"plain_pixels_are_divided_by_255", test_dataset_plain_pixels_are_divided_by_255},
        {"minus1_1_maps_0_to_minus1_and_255_to_1", test_dataset_minus1_1_maps_0_to_minus1_and_255_to_1},
        {"mean_std_normalisation_standardises", test_dataset_mean_std_normalisation_standardises},
        {"class_subset_relabels_in_given_order", test_dataset_class_subset_relabels_in_given_order},
        {"rejects_impossible_specs", test_dataset_rejects_impossible_specs},
        {"rejects_subset_larger_than_the_classes_hold", test_dataset_rejects_subset_larger_than_the_classes_hold},
        {"rejects_split_not_smaller_than_train", test_dataset_rejects_split_not_smaller_than_train},
        {"subset_draw_is_seeded", test_dataset_subset_draw_is_seeded},
        {"subset_draw_is_uniform", test_dataset_subset_draw_is_uniform},
        {"test_subset_does_not_depend_on_train_subset", test_dataset_test_subset_does_not_depend_on_train_subset},
        {"random_split_partitions_train", test_dataset_random_split_partitions_train},
        {"random_split_is_seeded", test_dataset_random_split_is_seeded},
        {"last_split_takes_the_last_images", test_dataset_last_split_takes_the_last_images},
        {"split_does_not_change_the_subset_draw", test_dataset_split_does_not_change_the_subset_draw},
        {"batch_iter_last_batch_is_short", test_batch_iter_last_batch_is_short},
        {"batch_iter_without_rng_keeps_order", test_batch_iter_without_rng_keeps_order},
        {"batch_iter_in_order_batches_are_views", test_batch_iter_in_order_batches_are_views},
        {"batch_iter_gathers_the_same_batches_on_any_thread_count",
         test_batch_iter_gathers_the_same_batches_on_any_thread_count},
        {"batch_iter_restore_order_checks_and_follows_it", test_batch_iter_restore_order_checks_and_follows_it},
        {"batch_iter_gathers_matching_images_and_labels", test_batch_iter_gathers_matching_images_and_labels},
        {"batch_iter_same_seed_same_batches", test_batch_iter_same_seed_same_batches},
        {"batch_iter_epoch_depends_only_on_rng_state", test_batch_iter_epoch_depends_only_on_rng_state},
        {"batch_iter_rejects_empty_batch", test_batch_iter_rejects_empty_batch},
        {"real_mnist_4_vs_9", test_dataset_real_mnist_4_vs_9},
        {"real_mnist_standardised_by_its_constants", test_dataset_real_mnist_standardised_by_its_constants},
        {"real_fashion_gz", test_dataset_real_fashion_gz},
        {"own_statistics_standardise_the_training_set",
         test_dataset_own_statistics_standardise_the_training_set},
        {"real_fashion_gets_its_own_statistics", test_dataset_real_fashion_gets_its_own_statistics},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            return -1;
    return 0;
}
