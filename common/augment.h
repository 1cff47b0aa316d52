/* common/augment: random shifts and rotations of training images, resampled bilinearly, the way a
 * learner fights overfitting with more (made-up) data. Each image's transform is drawn from a GSL
 * stream seeded by (run seed, epoch, batch) alone, so a batch's augmentation depends on nothing
 * else: not on the thread count, not on whether the run was interrupted and resumed. */
#ifndef MNL_AUGMENT_H
#define MNL_AUGMENT_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

typedef struct {
    int max_shift;          /* pixels: dx, dy uniform whole numbers in [-max_shift, max_shift] */
    float max_rotate;       /* degrees: the angle uniform in [-max_rotate, max_rotate] */
} AugmentSpec;

int augment_enabled(const AugmentSpec *s);
/* "none", or a comma list of "shift N" (0..8) and "rotate D" (0..180). 0, or -1 with the reason
 * in why. */
int augment_parse(const char *text, AugmentSpec *s, char *why, size_t why_len);
/* The canonical text augment_parse reads back ("none", "shift 2, rotate 10"). */
void augment_format(const AugmentSpec *s, char *buf, size_t n);

/* The reference: out[i][j] = in sampled bilinearly at the point that rotating by angle_deg about
 * the image centre and then shifting by (dx, dy) carries onto (i, j); a sample outside the image
 * reads fill (the background). Whole shifts without rotation copy pixels exactly.
 * out, in: [h, w] */
void augment_image_ref(float *out, const float *in, int h, int w, float dx, float dy,
                       float angle_deg, float fill);

/* The transforms of a batch, and the batch it writes. */
typedef struct {
    AugmentSpec spec;
    float fill;             /* background value in the data set's normalisation */
    int batch, h, w;
    gsl_rng *rng;           /* owned; reseeded for every batch */
    float *params;          /* [batch, 3]: dx, dy, angle of each image; owned */
    float *out;             /* [batch, 1, h, w]; owned */
} Augmenter;

/* 0, or MNL_ERR_NOMEM. */
int augmenter_init(Augmenter *a, const AugmentSpec *s, float fill, int batch, int h, int w);
/* Batch number `batch` (0-based) of epoch `epoch` of a run seeded `seed`: draws each image's dx,
 * dy, angle in image order, then transforms the B images over `threads` threads (each image's
 * result depends only on its own transform, so any thread count gives the same bits).
 * in: [B, 1, h, w]; returns a->out. */
const float *augmenter_apply(Augmenter *a, const float *in, int B, unsigned long seed, int epoch,
                             int batch, int threads);
void augmenter_free(Augmenter *a);

#endif
