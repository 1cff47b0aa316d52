/* common/hog: histograms of oriented gradients (Dalal and Triggs), the hand-made features an SVM
 * was given before networks learned their own (`data.features = hog`). An image's gradients are
 * binned by their unsigned direction into a histogram per cell of CELL x CELL pixels, weighted by
 * their length; each block of BLOCK x BLOCK cells (sliding one cell at a time) is normalised
 * L2-Hys (L2, values capped at 0.2, L2 again) and the blocks are laid end to end: a 28x28 image
 * with 7-pixel cells, 2x2 blocks and 9 orientations gives 3*3 blocks * 4 cells * 9 = 324 numbers.
 * As scikit-image's feature.hog with block_norm='L2-Hys' and hard binning. */
#ifndef MNL_HOG_H
#define MNL_HOG_H

#include "common/dataset.h"

typedef struct {
    int cell;            /* pixels per cell side */
    int block;           /* cells per block side */
    int orientations;    /* bins over 0..180 degrees */
} HogSpec;

/* Features per image of h x w pixels, or 0 when not even one block fits. */
int hog_size(const HogSpec *s, int h, int w);
/* img: [h, w] -> out: [hog_size] */
void hog_image(const HogSpec *s, const float *img, int h, int w, float *out);
/* Replace every image of d by its HOG features: d->x becomes [n, 1, 1, F] (h = 1, w = F), the
 * images move to d->pixels (for the pictures).
 * MNL_OK, MNL_ERR_CONFIG when no block fits, MNL_ERR_NOMEM. */
int hog_transform(const HogSpec *s, Dataset *d);

#endif
