/* common/tamper: deliberate changes to loaded data, for the lessons that show what a family assumes
 * and how a broken run looks: training labels replaced at random (label noise) or shuffled among
 * the images, test images copied into the training set (a leak), one fixed permutation of the
 * pixels for every image; and the check that finds test images inside the training set by content
 * hash, whatever the settings. Seeded: the same seed, the same changes. */
#ifndef MNL_TAMPER_H
#define MNL_TAMPER_H

#include "common/dataset.h"

typedef struct {
    float label_noise;      /* fraction of training labels replaced by another class, at random */
    int shuffle_labels;     /* 1: the training labels permuted among the training images */
    float leak_test;        /* fraction of the test images copied, with labels, into training */
    int permute_pixels;     /* 1: one fixed permutation of the pixels, the same for every image */
    unsigned long seed;
} TamperSpec;

/* 1 when t changes anything. */
int tamper_enabled(const TamperSpec *t);

/* Apply t to loaded splits, in this order:
 *   1. shuffle_labels: the training labels (not the validation ones) shuffled among the training
 *      images, which keeps each class's count (Zhang et al. 2017's random labels);
 *   2. label_noise: round(f n) training images, drawn at random, get a label drawn uniformly from
 *      the other K - 1 classes, so exactly that fraction of the labels is wrong;
 *   3. leak_test: round(f m) of the m test images, drawn at random, are appended to the training
 *      set with their true labels (orig_index -1 - i for test file image i);
 *   4. permute_pixels: every image of train, valid and test rearranged by one permutation.
 * The validation and test labels stay true: they measure. Each step has its own random stream
 * derived from t->seed. MNL_ERR_ARG for fractions outside [0, 1]; MNL_ERR_NOMEM. */
int tamper_apply(const TamperSpec *t, DataSplits *d);

/* The permutation permute_pixels uses for n pixels and seed: image'[i] = image[perm[i]]. */
int tamper_pixel_permutation(unsigned long seed, int n, int *perm);
/* Each of the rows rows of x: [rows, len] rearranged in place, row'[i] = row[perm[i]]: images
 * [n, h w], or a dense layer's weights [Out, In], whose columns then follow permuted inputs. */
int tamper_permute_rows(float *x, long rows, int len, const int *perm);

/* How many of test's images have exactly the pixels of some training image (an FNV-1a hash of
 * the floats to find candidates, then a byte comparison). MNL_ERR_NOMEM, else MNL_OK. */
int tamper_count_overlap(const Dataset *train, const Dataset *test, long *count);

#endif
