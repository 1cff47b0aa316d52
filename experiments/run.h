/* experiments/run: one training run's state (settings, data, model, optimizer, RNGs, records, the
 * folder) and everything it does outside the training loop: opening (a fresh start or a resume
 * from the checkpoint), the log, the per-epoch save (checkpoint, metrics.csv, best.ckpt), early
 * stopping, closing. experiments/runner holds the loop itself. */
#ifndef MNL_RUN_H
#define MNL_RUN_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "common/augment.h"
#include "common/dataset.h"
#include "common/metrics.h"
#include "experiments/evaluate.h"
#include "experiments/fit.h"
#include "experiments/report.h"
#include "experiments/rundir.h"
#include "experiments/setup.h"
#include "models/lr_schedule.h"
#include "models/model.h"

/* How `mnistlab train` asks for a run (experiments/main, and experiments/sweep for each of its
 * runs). */
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

/* Progress inside an epoch, kept so an interrupted run resumes at the next batch. */
typedef struct {
    int epoch;                /* 1-based epoch in progress (0: none) */
    int next_batch;           /* batches of it already done */
    MeanMeter meter;
    double seconds;           /* training time spent in it so far */
} EpochProgress;

typedef struct Run {
    Experiment ex;            /* settings, data, model, optimizer (experiments/setup) */
    char dir[MNL_PATH_LEN];
    char ckpt_path[MNL_PATH_LEN], metrics_path[MNL_PATH_LEN], log_path[MNL_PATH_LEN];
    char best_path[MNL_PATH_LEN];     /* best.ckpt: the epoch of lowest held-out loss */
    gsl_rng *shuffle_rng;
    ScheduleSpec schedule;
    Augmenter aug;            /* used when aug_on (data.augment is not none) */
    int aug_on;
    int stopped_early;        /* the epoch after which train.early_stop ended the run, or 0 */
    BatchIter train_it, eval_it;
    EpochRecord *records;     /* one per evaluated epoch */
    int n_records, cap_records;
    EpochProgress progress;
    TestView view;
    RunDir folder;            /* the output folder, held for the whole run (experiments/rundir) */
    int already_finished;     /* --resume of a run whose completion mark verifies */
    char *ckpt_metrics;       /* on resume: metrics.csv as the checkpoint recorded it, or NULL */
    double epoch1_loss;       /* training loss of epoch 1 (0: not known), for blow_up() */
    int metrics_short;        /* on resume: metrics.csv lacked the last row the checkpoint holds */
    double live_interval;     /* $MNISTLAB_LIVE_INTERVAL in seconds, or -1 when not set */
    char *log;                /* every line printed; written as log.txt with each save */
    size_t log_len, log_cap;
    double total_seconds;
    int first_epoch;          /* the epoch the loop starts at (after --resume: the next one) */
    FitCost fit_cost;         /* a fitted family: what the fit cost (experiments/fit.c) */
    double test_ms_per_1000;  /* a network: milliseconds its last test evaluation took per 1,000
                                 images (0: none in this process), its prediction cost */
    float *test_probs;        /* a fitted family: [test n, K] the probabilities of the last test
                                 evaluation, so predictions.csv needs no second pass; owned */
    int test_probs_valid;
} Run;


/* Print a line to stdout and keep it for log.txt. */
void run_say(Run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Settings, data, model and optimizer; the folder taken (experiments/rundir); with --resume the
 * checkpoint's state and records. r->already_finished: a --resume of a finished run (nothing was
 * written). r->first_epoch: where the loop starts. */
int run_open(Run *r, const TrainOptions *o);
/* What is said before the first batch: the banner, notes on the folder, the loss check. */
int run_begin(Run *r);
void run_close(Run *r);

int run_add_record(Run *r, const EpochRecord *rec);
/* After epoch e: the checkpoint, config.used, log.txt, metrics.csv, and best.ckpt when the evaluated
 * epoch has the lowest held-out loss so far. */
int run_save_epoch(Run *r, int e, int evaluated);
int run_save_checkpoint(Run *r, int epochs_done);
/* best.ckpt of the model as it stands. */
int run_save_best(Run *r, int epochs_done);
/* best.ckpt of a fitted run, after model.ckpt: the model of its best round (lowest held-out loss,
 * report_best_epoch). When that is the whole model (a one-shot fit, or the last round was best),
 * best.ckpt is a second name of model.ckpt (a hard link; a copy where the file system has none),
 * so a 188 MB k-NN model is written once; else it holds the first rounds only (a forest's first
 * trees, the booster sliced after the best round: models/fitted.h save_rounds). */
int run_save_best_fitted(Run *r);
int run_write_metrics(const Run *r);
/* config.used and log.txt, beside each checkpoint. */
int run_write_settings_and_log(const Run *r);
/* train.early_stop = N: N evaluated epochs have passed since the best one. */
int run_early_stop_due(const Run *r);
void run_announce_early_stop(Run *r);
/* What report_write_run draws from: the records so far and the last test evaluation. */
RunFiles run_files(const Run *r);

#endif
