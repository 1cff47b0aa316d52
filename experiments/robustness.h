/* experiments/robustness: `mnistlab robustness RUN... --shift 0,1,2`: the accuracy of trained runs
 * on their own test images changed at test time (shifted, rotated, noised, occluded), one table
 * row and one chart line per group of runs (the seeds of one setting: mean ± std), for every
 * family alike -- the model is asked only for the class of each changed image.
 *
 * A transform is one entry of a table (robustness.c: transforms[]): its flag, the unit and range of
 * its levels, and a function that changes a batch of images at one level. An entry sees the batch
 * in the model's own normalisation, the images' labels and the model itself, so a transform that
 * needs the model (the fast gradient sign method: models/input_grad's model_fgsm on the batch, with
 * needs_gradient = 1 so that fitted families are shown as "n/a") is one more entry and nothing else.
 * Image-space entries (image_space = 1) get the pictures unpermuted (data.permute_pixels) and
 * before any features are computed from them (data.features = hog); the rest get what the model
 * reads. */
#ifndef MNL_ROBUSTNESS_H
#define MNL_ROBUSTNESS_H

#include <stdint.h>

/* The value of the uniform draw `what` (0, 1, ...) for image `image` under transform seed `seed`:
 * a hash, so every run that tests the same source image (its index in the IDX file) changes it the
 * same way, in any order and at any thread count. In [0, 1). */
double robust_uniform(unsigned long seed, long image, int what);

/* The image-space changes, each on one image in [h, w] of pixels p in the model's normalisation
 * x = scale p + offset (bg: the value of a black pixel, = offset), in and out distinct:
 * shift: the picture moved by (dx, dy) whole pixels, background filling in; */
void robust_shift(float *out, const float *in, int h, int w, int dx, int dy, float bg);
/* rotate: turned by angle degrees about its centre, bilinear (common/augment's reference); */
void robust_rotate(float *out, const float *in, int h, int w, float angle, float bg);
/* noise: p + sigma z for a standard normal z per pixel (drawn from (seed, image)), clipped to the
 * pixel range [0, 1]; */
void robust_noise(float *out, const float *in, int h, int w, float sigma, float scale, float bg,
                  unsigned long seed, long image);
/* occlude: the square of side s with top-left corner (top, left) set to the background. */
void robust_occlude(float *out, const float *in, int h, int w, int s, int top, int left, float bg);

/* argv: the words after `robustness`. An MnlStatus; MNL_ERR_ARG (the message names the flag and
 * the value) for a bad command line. */
int robustness_main(int argc, char **argv);

#endif
