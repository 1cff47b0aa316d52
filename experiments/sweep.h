/* experiments/sweep: `mnistlab sweep`, one experiment trained once per value (or pair of values)
 * of one or two settings and per seed, each run in its own folder; then SWEEP.md (every run and
 * the mean ± std per value), sweep.png (accuracy and held-out loss against the value),
 * sweep-curves.png (the runs' held-out loss per epoch) and, for two settings, heatmap.png. */
#ifndef MNL_SWEEP_H
#define MNL_SWEEP_H

#include "experiments/runner.h"

#define SWEEP_MAX_VARY 2
#define SWEEP_MAX_VALUES 32
#define SWEEP_MAX_SEEDS 16

typedef struct {
    char key[64];                           /* "train.lr" */
    char values[SWEEP_MAX_VALUES][128];     /* "0.001", "250 500" */
    int n_values;
} SweepAxis;

typedef struct {
    const char *conf_path;
    const char *out_dir;                    /* NULL: results/sweep-NAME-KEY[-KEY2] */
    const char *sets[RUNNER_MAX_SETS];      /* fixed overrides for every run */
    int n_sets;
    SweepAxis axes[SWEEP_MAX_VARY];
    int n_axes;
    unsigned long seeds[SWEEP_MAX_SEEDS];
    int n_seeds;                            /* 0: the experiment's own seed */
    int threads;
    int against_params;                     /* x axis: parameter count instead of the value */
} SweepOptions;

/* Parse "section.key=v1,v2,..." into axis; MNL_ERR_ARG with a message naming what is wrong. */
int sweep_parse_vary(const char *arg, SweepAxis *axis);
/* Parse "1 2 3" (spaces or commas) into seeds; MNL_ERR_ARG when empty or not whole numbers. */
int sweep_parse_seeds(const char *arg, unsigned long *seeds, int *n);

/* Run the sweep and write its files. A run that diverges or fails is a row saying so; Ctrl-C
 * stops the sweep (MNL_ERR_INTERRUPTED, *signal_out set) after its current run saved, and running
 * the same command again skips the runs already finished. */
int sweep_run(const SweepOptions *o, int *signal_out);

/* The `mnistlab sweep` command: arguments after "sweep". */
int sweep_main(int argc, char **argv, int *signal_out);

#endif
