/* experiments/bench: a fixed number of training steps and passes over the test set, timed from
 * inside the process (`mnistlab bench`, which `make bench` runs beside the PyTorch twin). */
#ifndef MNL_BENCH_H
#define MNL_BENCH_H

#include "experiments/run.h"

typedef struct {
    const char *conf_path;
    const char *sets[RUNNER_MAX_SETS];
    int n_sets;
    int threads;
    Kernels kernels;
    int batches;                           /* timed training batches */
    int warmup;                            /* untimed batches first */
    int no_eval;                           /* time training only (the slow reference path) */
} BenchOptions;

/* Time `batches` training steps and one pass over the test set; prints key=value lines. */
int bench_run(const BenchOptions *o);

#endif
