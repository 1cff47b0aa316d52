/* experiments/bench: training steps and evaluation passes timed from inside (see bench.h). */
#include "experiments/bench.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include <gsl/gsl_rng.h>

#include "common/dataset.h"
#include "common/error.h"
#include "common/escape.h"
#include "common/progress.h"
#include "experiments/evaluate.h"
#include "experiments/setup.h"
#include "models/optim.h"

static long peak_rss_kb(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : 0;
}

/* What one bench holds: the experiment, the shuffle, the two batch iterators. */
typedef struct {
    Experiment ex;
    gsl_rng *shuffle_rng;
    BatchIter train_it, eval_it;
} Bench;

static int bench_open(Bench *b, const BenchOptions *o)
{
    memset(b, 0, sizeof *b);
    int rc = experiment_setup(&b->ex, o->conf_path, o->sets, o->n_sets, o->threads);
    if (rc)
        return rc;
    b->ex.model.kernels = o->kernels;
    if (o->kernels == KERNELS_REFERENCE)          /* the reference path is one thread */
        b->ex.threads = b->ex.model.threads = 1;
    if (!(b->shuffle_rng = gsl_rng_alloc(gsl_rng_mt19937)))
        return mnl_fail(MNL_ERR_NOMEM, "cannot allocate an RNG");
    rc = batch_iter_init(&b->train_it, &b->ex.data.train, b->ex.cfg.batch);
    b->train_it.threads = b->ex.threads;
    return rc;
}

static void bench_close(Bench *b)
{
    batch_iter_free(&b->train_it);
    batch_iter_free(&b->eval_it);
    if (b->shuffle_rng)
        gsl_rng_free(b->shuffle_rng);
    experiment_free(&b->ex);
}

/* warmup untimed steps, then `batches` timed ones, every batch full-size; images/s. */
static double time_training(Bench *b, int warmup, int batches)
{
    Model *m = &b->ex.model;
    long images = 0;
    double t0 = 0;
    batch_iter_reset(&b->train_it, b->shuffle_rng);
    for (int step = 0; step < warmup + batches; step++) {
        if (step == warmup)
            t0 = now_seconds(), images = 0;
        int n = batch_iter_next(&b->train_it);
        if (n < b->ex.cfg.batch) {        /* wrap around */
            batch_iter_reset(&b->train_it, b->shuffle_rng);
            n = batch_iter_next(&b->train_it);
        }
        model_forward(m, b->train_it.x, n, 1);
        model_loss(m, b->train_it.y, n, b->ex.pred);
        model_zero_grad(m);
        model_backward(m, b->train_it.x, n);
        optim_step(&b->ex.opt, m);
        images += n;
    }
    return images / (now_seconds() - t0);
}

/* Evaluation as the PyTorch twin times it: one untimed pass, then whole passes over the test set
 * until at least a second has gone (one pass of softmax takes 3 ms). *rate: images/s. */
static int time_evaluation(Bench *b, double *rate)
{
    const Dataset *t = &b->ex.data.test;
    double loss, acc, seconds = 0.0;
    long passes = 0;
    int rc = evaluate_set(&b->ex.model, &b->eval_it, t, b->ex.cfg.batch, b->ex.pred, &loss, &acc,
                          NULL);
    for (double t1 = now_seconds(); !rc && (passes == 0 || seconds < 1.0);
         seconds = now_seconds() - t1) {
        rc = evaluate_set(&b->ex.model, &b->eval_it, t, b->ex.cfg.batch, b->ex.pred, &loss, &acc,
                          NULL);
        passes++;
    }
    *rate = rc ? 0.0 : (double)passes * t->n / seconds;
    return rc;
}

int bench_run(const BenchOptions *o)
{
    Bench b;
    double eval_rate = 0.0;
    int rc = bench_open(&b, o);
    double train_rate = rc ? 0.0 : time_training(&b, o->warmup, o->batches);
    if (!rc && !o->no_eval)
        rc = time_evaluation(&b, &eval_rate);
    if (!rc) {
        const Model *m = &b.ex.model;
        esc_say(stdout, "experiment=", b.ex.cfg.name, "\n");
        printf("kernels=%s\nthreads=%d\nbatch=%d\ntrain_batches=%d\n", kernels_name(m->kernels),
               b.ex.threads, b.ex.cfg.batch, o->batches);
        printf("train_images_per_s=%.1f\n", train_rate);
        if (o->no_eval)
            printf("eval_images_per_s=NA\n");
        else
            printf("eval_images_per_s=%.1f\n", eval_rate);
        printf("train_images=%d\n", b.ex.data.train.n);
        printf("train_mflop_per_image=%.4f\npeak_rss_mb=%.1f\n", 3.0 * model_mflops(m),
               peak_rss_kb() / 1024.0);
    }
    bench_close(&b);
    return rc;
}
