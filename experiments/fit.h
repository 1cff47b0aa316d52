/* experiments/fit: a run of a fitted family (models/fitted.h) from the runner's side: the data as
 * feature rows, the console's estimate and progress, one metrics record per boosting round or
 * forest tree (or one for the whole fit), and the cost lines (fit seconds, prediction milliseconds
 * per 1,000 images, model size). The runner owns the files; this module only calls back. */
#ifndef MNL_FIT_H
#define MNL_FIT_H

#include <signal.h>
#include <stdatomic.h>

#include "common/metrics.h"
#include "experiments/setup.h"

/* The training images (the first ones) a fitted model is scored on for its training loss and
 * accuracy: enough for the number, without predicting all 60,000 (k-NN, SVM). */
#define FIT_TRAIN_SCORED 2000

typedef struct {
    void *ctx;
    /* Mean loss and accuracy of the model on d (the runner's evaluation: on the test set it also
     * keeps what samples.png and confusion.png show). */
    int (*evaluate)(void *ctx, const Dataset *d, double *loss, double *acc);
    int (*record)(void *ctx, const EpochRecord *rec);   /* a row of metrics.csv */
    void (*say)(void *ctx, const char *line);           /* a line of the console and log.txt */
    const atomic_int *stop;                             /* set by a signal: stop after this round */
} FitRunner;

/* What the fit cost. */
typedef struct {
    double fit_seconds;
    double predict_ms_per_1000;    /* the test set's prediction, per 1,000 images */
    FittedSize size;
    int abandoned;                 /* a one-shot fit left running when a signal came: the model
                                      (its Fitted object) and the data are no longer the run's */
} FitCost;

/* Fit ex->model on ex->data.train and record it. MNL_OK, MNL_ERR_INTERRUPTED (stopped between
 * rounds, the rounds so far forming the model; or, for a one-shot fit (knn, svm, linear, tree),
 * stopped at once by a signal with cost->abandoned set: the fit runs on in its thread, and
 * ex->model.fitted and ex->data are emptied, no longer the run's), or the error of the fit. */
int fit_experiment(Experiment *ex, const FitRunner *fr, FitCost *cost);

#endif
