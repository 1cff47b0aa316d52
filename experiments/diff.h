/* experiments/diff: `mnistlab diff RUN_A RUN_B`, two finished runs head to head on the test set
 * they share: how many images both get right, only A, only B, neither; grids of the images one
 * fixes that the other gets wrong (fixed.png, broken.png); per-class accuracy of both side by
 * side (classes.png); all of it in DIFF.md. Refused when the runs were tested on other images. */
#ifndef MNL_DIFF_H
#define MNL_DIFF_H

#include "experiments/predictions.h"

typedef struct {
    long both, only_a, only_b, neither;
    long class_n[10], class_right_a[10], class_right_b[10];
} DiffCounts;

/* Count a against b (the same images: see predictions_same_images). */
void diff_count(const Predictions *a, const Predictions *b, DiffCounts *c);

/* The `mnistlab diff` command: arguments after "diff". */
int diff_main(int argc, char **argv);

#endif
