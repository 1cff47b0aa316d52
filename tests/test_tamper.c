/* tests/test_tamper: the deliberate changes to data the lessons use (label noise, shuffled labels,
 * leaked test images, permuted pixels) do exactly what their settings say, seeded; the overlap
 * check finds exactly the test images that are in the training set; and an MLP is blind to a
 * pixel permutation: with its first layer permuted the same way, it gives bitwise the same
 * outputs on permuted images. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "common/config.h"
#include "common/error.h"
#include "common/tamper.h"
#include "models/model.h"
#include "tests/test_util.h"

#define H 6
#define W 5
#define HW (H * W)
#define K 10

/* n images of H x W with distinct random pixels (multiples of 1/16) and labels i % K. */
static void fake_set(Dataset *d, int n, unsigned seed)
{
    memset(d, 0, sizeof *d);
    d->x = malloc(sizeof *d->x * HW * (size_t)(n ? n : 1));
    d->y = malloc(sizeof *d->y * (size_t)(n ? n : 1));
    d->orig_index = malloc(sizeof *d->orig_index * (size_t)(n ? n : 1));
    d->n = n, d->h = H, d->w = W, d->num_classes = K;
    unsigned x = seed;
    for (int i = 0; i < n; i++) {
        for (int p = 0; p < HW; p++) {
            x = x * 1103515245u + 12345u;
            d->x[(size_t)i * HW + p] = (float)((x >> 16) % 17) / 16.0f;
        }
        d->y[i] = i % K;
        d->orig_index[i] = i;
    }
}

static void fake_splits(DataSplits *s, int n_train, int n_valid, int n_test)
{
    memset(s, 0, sizeof *s);
    fake_set(&s->train, n_train, 1);
    fake_set(&s->valid, n_valid, 2);
    fake_set(&s->test, n_test, 3);
    s->num_classes = K;
}

static int *labels_copy(const Dataset *d)
{
    int *y = malloc(sizeof *y * (size_t)d->n);
    memcpy(y, d->y, sizeof *y * (size_t)d->n);
    return y;
}

/* 30% of 1000 labels: exactly 300 differ, each now another valid class; the images and the
 * validation and test labels are untouched; the same seed draws the same changes. */
static void test_label_noise_replaces_exactly_the_fraction_by_other_classes(void)
{
    DataSplits a, b, plain;
    fake_splits(&a, 1000, 50, 50), fake_splits(&b, 1000, 50, 50), fake_splits(&plain, 1000, 50, 50);
    TamperSpec t = {.label_noise = 0.3f, .seed = 7};
    CU_ASSERT_EQUAL_FATAL(tamper_apply(&t, &a), MNL_OK);
    CU_ASSERT_EQUAL_FATAL(tamper_apply(&t, &b), MNL_OK);
    int changed = 0, valid = 1;
    for (int i = 0; i < 1000; i++) {
        changed += a.train.y[i] != plain.train.y[i];
        valid &= a.train.y[i] >= 0 && a.train.y[i] < K;
    }
    CU_ASSERT_EQUAL(changed, 300);
    CU_ASSERT(valid);
    CU_ASSERT(memcmp(a.train.y, b.train.y, sizeof(int) * 1000) == 0);
    CU_ASSERT(memcmp(a.train.x, plain.train.x, sizeof(float) * HW * 1000) == 0);
    CU_ASSERT(memcmp(a.valid.y, plain.valid.y, sizeof(int) * 50) == 0);
    CU_ASSERT(memcmp(a.test.y, plain.test.y, sizeof(int) * 50) == 0);
    t.seed = 8;
    dataset_splits_free(&b);
    fake_splits(&b, 1000, 50, 50);
    CU_ASSERT_EQUAL_FATAL(tamper_apply(&t, &b), MNL_OK);
    CU_ASSERT(memcmp(a.train.y, b.train.y, sizeof(int) * 1000) != 0);
    dataset_splits_free(&a), dataset_splits_free(&b), dataset_splits_free(&plain);
}

/* Shuffled labels keep every class's count but no longer belong to their images: about 9 in 10
 * move to an image of another class. */
static void test_shuffle_labels_keeps_class_counts_and_breaks_the_pairing(void)
{
    DataSplits s;
    fake_splits(&s, 1000, 0, 10);
    int *before = labels_copy(&s.train);
    TamperSpec t = {.shuffle_labels = 1, .seed = 3};
    CU_ASSERT_EQUAL_FATAL(tamper_apply(&t, &s), MNL_OK);
    int count[K] = {0}, moved = 0;
    for (int i = 0; i < 1000; i++) {
        count[s.train.y[i]]++;
        moved += s.train.y[i] != before[i];
    }
    for (int k = 0; k < K; k++)
        CU_ASSERT_EQUAL(count[k], 100);
    CU_ASSERT(moved > 850 && moved < 950);
    free(before);
    dataset_splits_free(&s);
}

/* A quarter of 40 test images: 10 appended to the 100 training images, each bitwise a test image
 * with its true label, orig_index -1 - its index in the test file. */
static void test_leak_test_appends_the_chosen_test_images_with_their_labels(void)
{
    DataSplits s;
    fake_splits(&s, 100, 0, 40);
    TamperSpec t = {.leak_test = 0.25f, .seed = 5};
    CU_ASSERT_EQUAL_FATAL(tamper_apply(&t, &s), MNL_OK);
    CU_ASSERT_EQUAL_FATAL(s.train.n, 110);
    int ok = 1;
    for (int j = 100; j < 110; j++) {
        int src = -1 - s.train.orig_index[j];
        ok &= src >= 0 && src < 40;
        if (!ok)
            break;
        ok &= memcmp(s.train.x + (size_t)j * HW, s.test.x + (size_t)src * HW, sizeof(float) * HW) == 0;
        ok &= s.train.y[j] == s.test.y[src];
        ok &= j == 100 || -1 - s.train.orig_index[j - 1] < src;    /* ten distinct, in order */
    }
    CU_ASSERT(ok);
    dataset_splits_free(&s);
}

/* The overlap check counts the leaked images and nothing else: 0 before the leak, 10 after, and
 * a leaked image changed in one pixel is no longer counted. */
static void test_overlap_check_counts_exactly_the_test_images_in_training(void)
{
    DataSplits s;
    fake_splits(&s, 100, 0, 40);
    long n = -1;
    CU_ASSERT_EQUAL(tamper_count_overlap(&s.train, &s.test, &n), MNL_OK);
    CU_ASSERT_EQUAL(n, 0);
    TamperSpec t = {.leak_test = 0.25f, .seed = 5};
    CU_ASSERT_EQUAL_FATAL(tamper_apply(&t, &s), MNL_OK);
    CU_ASSERT_EQUAL(tamper_count_overlap(&s.train, &s.test, &n), MNL_OK);
    CU_ASSERT_EQUAL(n, 10);
    s.train.x[(size_t)105 * HW + 7] += 1.0f / 16.0f;
    CU_ASSERT_EQUAL(tamper_count_overlap(&s.train, &s.test, &n), MNL_OK);
    CU_ASSERT_EQUAL(n, 9);
    dataset_splits_free(&s);
}

/* One permutation, the same for every image of every split: image'[i] = image[perm[i]]; it is a
 * permutation, seeded, and another seed draws another. */
static void test_permute_pixels_moves_every_image_by_one_seeded_permutation(void)
{
    DataSplits s, plain;
    fake_splits(&s, 20, 5, 7), fake_splits(&plain, 20, 5, 7);
    TamperSpec t = {.permute_pixels = 1, .seed = 9};
    CU_ASSERT_EQUAL_FATAL(tamper_apply(&t, &s), MNL_OK);
    int perm[HW], other[HW], seen[HW] = {0};
    CU_ASSERT_EQUAL_FATAL(tamper_pixel_permutation(9, HW, perm), MNL_OK);
    CU_ASSERT_EQUAL_FATAL(tamper_pixel_permutation(10, HW, other), MNL_OK);
    CU_ASSERT(memcmp(perm, other, sizeof perm) != 0);
    int fixed = 0;
    for (int p = 0; p < HW; p++)
        seen[perm[p]]++, fixed += perm[p] == p;
    for (int p = 0; p < HW; p++)
        CU_ASSERT_EQUAL(seen[p], 1);
    CU_ASSERT(fixed < HW / 2);
    const Dataset *now[3] = {&s.train, &s.valid, &s.test}, *was[3] = {&plain.train, &plain.valid,
                                                                      &plain.test};
    int ok = 1;
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < now[k]->n; i++)
            for (int p = 0; p < HW; p++)
                ok &= now[k]->x[(size_t)i * HW + p] == was[k]->x[(size_t)i * HW + perm[p]];
    CU_ASSERT(ok);
    CU_ASSERT(memcmp(s.train.y, plain.train.y, sizeof(int) * 20) == 0);
    dataset_splits_free(&s), dataset_splits_free(&plain);
}

static void test_tamper_refuses_fractions_outside_the_unit_range(void)
{
    DataSplits s;
    fake_splits(&s, 10, 0, 10);
    TamperSpec t = {.label_noise = 1.5f};
    CU_ASSERT_EQUAL(tamper_apply(&t, &s), MNL_ERR_ARG);
    t = (TamperSpec){.leak_test = -0.1f};
    CU_ASSERT_EQUAL(tamper_apply(&t, &s), MNL_ERR_ARG);
    t = (TamperSpec){.leak_test = NAN};
    CU_ASSERT_EQUAL(tamper_apply(&t, &s), MNL_ERR_ARG);
    dataset_splits_free(&s);
    ExpConfig c;
    config_defaults(&c);
    CU_ASSERT_EQUAL(config_set(&c, "data.label_noise=1.5"), MNL_ERR_CONFIG);
    CU_ASSERT_EQUAL(config_set(&c, "data.leak_test=-0.1"), MNL_ERR_CONFIG);
    CU_ASSERT_EQUAL(config_set(&c, "data.permute_pixels=2"), MNL_ERR_CONFIG);
    CU_ASSERT_EQUAL(config_set(&c, "data.shuffle_labels=1"), MNL_OK);
    CU_ASSERT_EQUAL(config_set(&c, "data.label_noise=0.2"), MNL_OK);
    CU_ASSERT_EQUAL(c.label_noise, 0.2f);
}

/* ---- the MLP does not see where a pixel is ---- */

/* An MLP on 28 x 28 inputs whose first-layer weights and biases are rounded to multiples of 2^-10
 * and whose B images have pixels that are multiples of 1/16. Then every product in the first layer
 * is a multiple of 2^-14 below 2^-4 in size, and their sums below 2^5 need at most 19 bits: the
 * sum is exact in float32 in any order. So permuting the pixels and the first layer's columns alike
 * must give the same logits bit for bit; the summation order cannot blur a wrong permutation. */
#define MB 8
#define MIN (28 * 28)

static int small_mlp(Model *m, Kernels k)
{
    ModelSpec s;
    memset(&s, 0, sizeof s);
    snprintf(s.family, sizeof s.family, "mlp");
    s.in_c = 1, s.in_h = 28, s.in_w = 28, s.num_classes = 10, s.head = HEAD_SOFTMAX;
    s.hidden[0] = 24, s.hidden[1] = 12, s.n_hidden = 2, s.init = INIT_PYTORCH;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 11);
    int rc = model_build(m, &s, rng);
    gsl_rng_free(rng);
    if (rc || (rc = model_alloc_batch(m, MB)))
        return rc;
    m->kernels = k, m->threads = 1;
    for (int t = 0; t < 2; t++)     /* first layer: weight [24, 784], bias [24] */
        for (size_t i = 0; i < m->params[t].n; i++)
            m->params[t].value[i] = roundf(m->params[t].value[i] * 1024.0f) / 1024.0f;
    return MNL_OK;
}

static void check_invariance(Kernels k)
{
    Model a, b;
    CU_ASSERT_EQUAL_FATAL(small_mlp(&a, k), MNL_OK);
    CU_ASSERT_EQUAL_FATAL(small_mlp(&b, k), MNL_OK);
    CU_ASSERT_EQUAL_FATAL(a.params[0].shape[1], MIN);
    static float x[MB * MIN], xp[MB * MIN];
    unsigned r = 99;
    for (int i = 0; i < MB * MIN; i++) {
        r = r * 1103515245u + 12345u;
        x[i] = (float)((r >> 16) % 17) / 16.0f;
    }
    memcpy(xp, x, sizeof x);
    int perm[MIN];
    CU_ASSERT_EQUAL_FATAL(tamper_pixel_permutation(4, MIN, perm), MNL_OK);
    CU_ASSERT_EQUAL(tamper_permute_rows(xp, MB, MIN, perm), MNL_OK);
    const size_t nz = (size_t)MB * 10;
    float za[MB * 10], zb[MB * 10];
    memcpy(za, model_forward(&a, x, MB, 0), sizeof za);
    /* b's first layer with its columns permuted as the pixels were: w'[o][i] = w[o][perm[i]] */
    CU_ASSERT_EQUAL(tamper_permute_rows(b.params[0].value, a.params[0].shape[0], MIN, perm), MNL_OK);
    memcpy(zb, model_forward(&b, xp, MB, 0), sizeof zb);
    CU_ASSERT(memcmp(za, zb, sizeof(float) * nz) == 0);
    /* and the permuted images through the unpermuted layer are another matter */
    memcpy(zb, model_forward(&a, xp, MB, 0), sizeof zb);
    CU_ASSERT(memcmp(za, zb, sizeof(float) * nz) != 0);
    model_free(&a), model_free(&b);
}

static void test_mlp_with_permuted_first_layer_gives_bitwise_the_same_outputs(void)
{
    check_invariance(KERNELS_FAST);
    check_invariance(KERNELS_REFERENCE);
}

/* ---- in a run: the warning names the overlap whatever the settings ---- */

static void test_run_warns_when_test_images_are_in_the_training_set(void)
{
    if (!test_need_mnist())
        return;
    const char *common = "train experiments/mlp.conf --set 'data.subset=2000 500' --set "
                         "train.epochs=1 --set 'model.hidden=16' --no-live";
    char args[1600];
    snprintf(args, sizeof args, "%s --set data.leak_test=0.2 --out %s", common,
             test_path("tamper-leak"));
    CU_ASSERT_EQUAL_FATAL(test_run_program(NULL, args, 0, test_path("tamper.out"),
                                           test_path("tamper.err")), 0);
    const char *out = test_slurp(test_path("tamper.out"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "train 2100  valid 0  test 500"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "warning: 100 of the 500 test images are also in the "
                                       "training set"));
    snprintf(args, sizeof args, "%s --out %s", common, test_path("tamper-clean"));
    CU_ASSERT_EQUAL_FATAL(test_run_program(NULL, args, 0, test_path("tamper.out"),
                                           test_path("tamper.err")), 0);
    CU_ASSERT_PTR_NULL(strstr(test_slurp(test_path("tamper.out")), "warning:"));
}

int register_tamper_tests(void)
{
    CU_pSuite s = CU_add_suite("tamper", NULL, NULL);
    if (!s)
        return -1;
    static const struct {
        const char *name;
        void (*fn)(void);
    } tests[] = {
        {"label_noise_replaces_exactly_the_fraction_by_other_classes",
         test_label_noise_replaces_exactly_the_fraction_by_other_classes},
        {"shuffle_labels_keeps_class_counts_and_breaks_the_pairing",
         test_shuffle_labels_keeps_class_counts_and_breaks_the_pairing},
        {"leak_test_appends_the_chosen_test_images_with_their_labels",
         test_leak_test_appends_the_chosen_test_images_with_their_labels},
        {"overlap_check_counts_exactly_the_test_images_in_training",
         test_overlap_check_counts_exactly_the_test_images_in_training},
        {"permute_pixels_moves_every_image_by_one_seeded_permutation",
         test_permute_pixels_moves_every_image_by_one_seeded_permutation},
        {"tamper_refuses_fractions_outside_the_unit_range",
         test_tamper_refuses_fractions_outside_the_unit_range},
        {"mlp_with_permuted_first_layer_gives_bitwise_the_same_outputs",
         test_mlp_with_permuted_first_layer_gives_bitwise_the_same_outputs},
        {"run_warns_when_test_images_are_in_the_training_set",
         test_run_warns_when_test_images_are_in_the_training_set},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            return -1;
    return 0;
}
