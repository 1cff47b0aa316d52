/* common/metrics: running mean loss and accuracy, the KxK confusion matrix with per-class accuracy
 * and the most frequent confusions, and the per-epoch record written as one CSV row. */
#ifndef MNL_METRICS_H
#define MNL_METRICS_H

#include <stddef.h>
#include <stdio.h>

#define METRICS_MAX_CLASSES 10

typedef struct {
    double loss_sum;        /* sum of per-image losses, in double */
    long correct, count;
} MeanMeter;

void meter_reset(MeanMeter *m);
/* Add a batch: its mean loss, its size and how many it got right. */
void meter_add(MeanMeter *m, double batch_mean_loss, int batch_size, int correct);
double meter_loss(const MeanMeter *m);        /* NaN when empty */
double meter_accuracy(const MeanMeter *m);    /* in [0, 1]; NaN when empty */

typedef struct {
    int k;
    long counts[METRICS_MAX_CLASSES][METRICS_MAX_CLASSES];   /* [true][predicted] */
} Confusion;

void confusion_reset(Confusion *c, int k);
void confusion_add(Confusion *c, int truth, int pred);
double confusion_class_accuracy(const Confusion *c, int cls);   /* recall of cls; NaN if no items */
double confusion_accuracy(const Confusion *c);

typedef struct { int truth, pred; long count; } ConfusionPair;
/* The off-diagonal cells, most frequent first (ties: smaller truth, then pred); returns how many. */
int confusion_top(const Confusion *c, ConfusionPair *out, int max);

/* A stuck or degenerate model: its accuracy is within noise of always answering the most common
 * class (at most the majority share plus two standard errors of a proportion over the n test
 * images, 2 sqrt(m (1 - m) / n)), or it answers one class for at least 90% of the images when that
 * class is the truth for at least 10 points fewer. Either way it has learned nothing worth its
 * accuracy: lesson-lr at lr 0.5 answers "9" for all 500 images and scores 53%, the share of 9s. */
#define DEGENERATE_ONE_CLASS_SHARE 0.9
typedef struct {
    int degenerate;          /* 1 when either rule holds */
    int majority;            /* the most common true class (ties: the smaller index) */
    double majority_share;   /* its share of the images: what always answering it scores */
    int top_pred;            /* the class answered most often */
    double top_pred_share;   /* the share of images it is answered for */
    double accuracy;
    double noise;            /* two standard errors of majority_share */
} Degeneracy;

/* Judge the confusion matrix of one evaluation (an empty one is not degenerate). */
void confusion_degeneracy(const Confusion *c, Degeneracy *d);
/* "no better than always answering 9: it answers 9 for 100% of the 500 test images, 53.0% of
 * them are 9 (test accuracy 53.0%)"; names[k] names class k as a person does. "" when not
 * degenerate. */
void degeneracy_describe(const Degeneracy *d, const char *const *names, long images, char *buf,
                         size_t n);

/* One evaluated epoch (a row of metrics.csv; rows of older files without lr read it as NaN). NaN fields (no validation split) are written as empty CSV cells. */
typedef struct {
    int epoch;
    double train_loss, train_acc;
    double valid_loss, valid_acc;
    double test_loss, test_acc;
    double seconds, images_per_s;
    double lr;              /* the learning rate the epoch trained with (after any schedule) */
} EpochRecord;

void metrics_csv_header(FILE *f);
void metrics_csv_row(FILE *f, const EpochRecord *r);
/* Parse a row written by metrics_csv_row (for resume and the comparison report); 0 or error. */
int metrics_csv_parse(const char *line, EpochRecord *r);

#endif
