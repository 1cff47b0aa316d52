/* experiments/predictions: predictions.csv, what the final model said about every test image
 * (its index in the source file, the true and predicted class, the confidence, and for a binary
 * task the probability of the second class). Written by the runner after training; read by
 * `mnistlab diff` (which images two runs get right) and by the ROC of a binary run. */
#ifndef MNL_PREDICTIONS_H
#define MNL_PREDICTIONS_H

#define PREDICTIONS_FILE "predictions.csv"

typedef struct {
    char dataset[32];          /* "mnist" | "fashion" */
    int num_classes;           /* K */
    int class_names[10];       /* original digit of class 0..K-1 */
    int n;                     /* test images */
    int *source_index;         /* [n] index in the data set's t10k file */
    int *truth, *pred;         /* [n] classes 0..K-1 */
    float *confidence;         /* [n] probability the model gave to pred */
    float *p_positive;         /* [n] probability of class 1 (binary tasks only, else NULL) */
} Predictions;

/* Allocate the arrays for n images of a K-class task (p_positive only when K == 2). */
int predictions_alloc(Predictions *p, int n, int num_classes);
void predictions_free(Predictions *p);

/* Write p to path atomically. */
int predictions_write(const char *path, const Predictions *p);
/* Read a file written by predictions_write; MNL_ERR_IO naming the file and line otherwise. */
int predictions_read(const char *path, Predictions *p);

/* 0 when a and b describe the same test images in the same order (same data set, classes and
 * source indices); otherwise -1 with why filled with the first difference. */
int predictions_same_images(const Predictions *a, const Predictions *b, char *why, int why_len);

#endif
