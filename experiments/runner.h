/* experiments/runner: the one place that ties data, models and plots together. Trains an
 * experiment epoch by epoch, records metrics, checkpoints atomically, stops cleanly on Ctrl-C or
 * divergence, resumes, and draws the run's plots (the bench is experiments/bench). */
#ifndef MNL_RUNNER_H
#define MNL_RUNNER_H

#include "experiments/run.h"

/* Train; returns an MnlStatus (MNL_ERR_INTERRUPTED after a clean stop on a signal, with
 * *signal_out set to the signal's number). */
int runner_train(const TrainOptions *o, int *signal_out);

#endif
