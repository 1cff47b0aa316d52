/* experiments/runner: the one place that ties data, models and plots together. Trains an
 * experiment epoch by epoch, records metrics, checkpoints atomically, stops cleanly on Ctrl-C or
 * divergence, resumes, and draws the run's plots (the bench is experiments/bench). */
#ifndef MNL_RUNNER_H
#define MNL_RUNNER_H

#include "models/model.h"

#define RUNNER_MAX_SETS 64

typedef struct {
    const char *conf_path;                 /* experiments/NAME.conf */
    const char *out_dir;                   /* NULL: results/NAME */
    const char *sets[RUNNER_MAX_SETS];     /* "section.key=value" overrides, in order */
    int n_sets;
    int resume;                            /* continue from OUT/model.ckpt */
    int overwrite;                         /* replace a run with other settings in OUT */
    int profile;                           /* print time per layer after training */
    int threads;                           /* > 0: overrides config and $MNISTLAB_THREADS */
    int no_live;                           /* do not redraw curves.png while training */
    Kernels kernels;                       /* --kernels: fast (default) or reference */
} TrainOptions;

/* Train; returns an MnlStatus (MNL_ERR_INTERRUPTED after a clean stop on a signal, with
 * *signal_out set to the signal's number). */
int runner_train(const TrainOptions *o, int *signal_out);

#endif
