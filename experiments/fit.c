/* experiments/fit: fitting a fitted family, as the runner sees it (see fit.h). */
#include "experiments/fit.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "common/progress.h"


typedef struct {
    const FitRunner *fr;
    double start, last_round, last_draw;
    int tty;
    int stopped;
    int rounds;               /* rounds recorded */
    int n_train;
    const char *what;         /* "pairs", "trees", "rounds" */
    int early_stop;           /* train.early_stop: rounds without a lower held-out loss, 0 off */
    double best_loss;         /* the lowest held-out loss so far (validation, else test) */
    int best_round;
} FitState;

static void sayf(const FitRunner *fr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sayf(const FitRunner *fr, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fr->say(fr->ctx, line);
}

static const char *duration(double s, char *buf, size_t n)
{
    if (s < 90)
        snprintf(buf, n, "%.0f s", s);
    else if (s < 5400)
        snprintf(buf, n, "%.1f min", s / 60);
    else
        snprintf(buf, n, "%.1f h", s / 3600);
    return buf;
}

/* The progress line on stderr (a terminal only), with the time left at the pace so far. */
static void on_progress(void *ctx, double done, double total)
{
    FitState *st = ctx;
    double t = now_seconds(), spent = t - st->start;
    if (!st->tty || (t - st->last_draw < 0.5 && done < total))
        return;
    st->last_draw = t;
    char a[32], b[32];
    fprintf(stderr, "\r  fitting: %.0f/%.0f %s, %s spent, about %s left   ", done, total, st->what,
            duration(spent, a, sizeof a), duration(done > 0 ? spent * (total - done) / done : 0, b,
                                                    sizeof b));
    if (done >= total)
        fputs("\r\033[K", stderr);
    fflush(stderr);
}

static int on_round(void *ctx, int r, int total, const RoundScores *s)
{
    FitState *st = ctx;
    double t = now_seconds();
    EpochRecord rec = {.epoch = r, .train_loss = s->loss[WATCH_TRAIN], .train_acc = s->acc[WATCH_TRAIN],
                       .valid_loss = s->loss[WATCH_VALID], .valid_acc = s->acc[WATCH_VALID],
                       .test_loss = s->loss[WATCH_TEST], .test_acc = s->acc[WATCH_TEST],
                       .seconds = t - st->last_round, .lr = NAN};
    rec.images_per_s = rec.seconds > 0 ? st->n_train / rec.seconds : 0.0;
    st->last_round = t;
    st->rounds = r;
    if (st->fr->record(st->fr->ctx, &rec) != MNL_OK)
        return 1;
    if (st->tty)
        fputs("\r\033[K", stderr);
    if (r <= 10 || r % 10 == 0 || r == total)
        sayf(st->fr, "%s %4d/%d  train loss %.4f acc %6.2f%%  test loss %.4f acc %6.2f%%  %.2fs\n",
             st->what[0] == 't' ? "tree " : "round", r, total, rec.train_loss, 100 * rec.train_acc,
             rec.test_loss, 100 * rec.test_acc, rec.seconds);
    if (st->fr->stop && *st->fr->stop)
        st->stopped = 1;
    /* train.early_stop, as for a network's epochs: the held-out loss is the validation set's when
     * there is one, else the test set's */
    double held_out = isnan(rec.valid_loss) ? rec.test_loss : rec.valid_loss;
    if (r == 1 || held_out < st->best_loss)
        st->best_loss = held_out, st->best_round = r;
    if (st->early_stop > 0 && r - st->best_round >= st->early_stop && r < total) {
        sayf(st->fr, "early stop: no lower %s loss in %d rounds since round %d; stopped after round "
             "%d of %d\n", isnan(rec.valid_loss) ? "test" : "validation", st->early_stop,
             st->best_round, r, total);
        return 1;
    }
    return st->stopped;
}

/* What the console says before a fit that takes a while, from this machine's measurements. */
static void announce(const Experiment *ex, const FitRunner *fr, int n)
{
    const char *family = ex->cfg.family;
    double scale = (double)n / 60000.0;
    char t[32];
    /* the fits of make docs-results on a 2-core machine (2026-12-06): the RBF SVM 492 s on MNIST,
     * 934 s on Fashion-MNIST (its classes overlap more: 18,802 support vectors against 11,699);
     * liblinear 35 s and 78 s */
    int fashion = !strcmp(ex->cfg.dataset, "fashion");
    if (!strcmp(family, "svm"))
        sayf(fr, "libsvm fits %d two-class machines one after another on one core; on all 60,000 "
             "%s images the RBF fit took about %s here, so expect about %s for %d images "
             "(it grows faster than the image count)%s\n", ex->data.num_classes *
             (ex->data.num_classes - 1) / 2, fashion ? "Fashion-MNIST" : "MNIST",
             fashion ? "16 min" : "8 min", duration((fashion ? 934 : 492) * scale * scale, t, sizeof t),
             n, ex->cfg.probability ? ", and six times that with model.probability = 1" : "");
    else if (!strcmp(family, "linear"))
        sayf(fr, "liblinear fits one classifier per class on one core: expect about %s for %d "
             "images\n", duration((fashion ? 78 : 35) * scale, t, sizeof t), n);
    else if (!strcmp(family, "knn"))
        sayf(fr, "k-NN stores the %d images: the cost comes at prediction\n", n);
}

/* The first n images of d, as a view. */
static Dataset head_of(const Dataset *d, int n)
{
    Dataset v = *d;
    v.n = n < d->n ? n : d->n;
    return v;
}

static FitSet fit_set(const Dataset *d)
{
    return (FitSet){d->x, d->y, d->n, d->h * d->w};
}

static int fit_cost(Experiment *ex, const FitRunner *fr, FitCost *cost, EpochRecord *last)
{
    double t0 = now_seconds();
    const Dataset *test = &ex->data.test;
    int rc = fr->evaluate(fr->ctx, test, &last->test_loss, &last->test_acc);
    double ms = (now_seconds() - t0) * 1000.0;
    cost->predict_ms_per_1000 = test->n ? ms * 1000.0 / test->n : 0.0;
    model_size(&ex->model, &cost->size);
    return rc;
}

/* ---- a one-shot fit in a worker thread ----
 * libsvm, liblinear, k-NN's store and the plain-C tree fit in one call that cannot be stopped
 * half-way. The call runs in a worker thread while this thread waits for its end or a signal, so
 * that Ctrl-C is answered at once. A fit abandoned that way keeps running until the process exits:
 * the job, the Fitted object and the data it reads are handed to it for good (never freed, never
 * touched again by the run), so the run closes without pulling memory from under it. */
typedef struct {
    Model model;              /* a shallow copy: model_fit reaches only its Fitted object */
    FitSet train;
    const FitSet *watch[WATCH_SETS];
    FitSet w_train, w_valid, w_test;
    FitState st;
    FitHooks hooks;
    DataSplits data;          /* once abandoned: the data the fit reads, the job's from then on */
    int rc;
    char why[MNL_DETAIL_MAX]; /* the fit's error message (error details are per thread) */
    int done[2];              /* a pipe: the worker writes one byte when the fit has ended */
    pthread_t thread;
} FitJob;

static FitJob *abandoned_jobs[8];   /* still reachable: a leak checker sees them owned */
static int n_abandoned;

static void *fit_worker(void *arg)
{
    FitJob *j = arg;
    j->rc = model_fit(&j->model, &j->train, j->watch, &j->hooks);
    if (j->rc)
        snprintf(j->why, sizeof j->why, "%s", mnl_last_error());
    char c = 1;
    while (write(j->done[1], &c, 1) < 0 && errno == EINTR) {
    }
    return NULL;
}

/* Start the worker with SIGINT and SIGTERM blocked in it, so that they reach this thread. */
static int start_worker(FitJob *j)
{
    if (pipe(j->done) != 0)
        return mnl_fail(MNL_ERR_IO, "cannot make a pipe for the fit: %s", strerror(errno));
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int err = pthread_create(&j->thread, NULL, fit_worker, j);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err) {
        close(j->done[0]), close(j->done[1]);
        return mnl_fail(MNL_ERR_NOMEM, "cannot start the fit's thread: %s", strerror(err));
    }
    return MNL_OK;
}

/* Wait for the fit's end, or a signal (*stop set; a signal also cuts poll short). 1: it ended. */
static int wait_for_fit(FitJob *j, const atomic_int *stop)
{
    struct pollfd p = {.fd = j->done[0], .events = POLLIN};
    while (!(stop && *stop)) {
        int n = poll(&p, 1, 250);     /* the timeout only bounds a signal caught between checks */
        if (n > 0)
            return 1;
    }
    return 0;
}

/* The fit goes on without us: its thread, the job, the model's Fitted object and the data are
 * left to it (ex no longer owns them), and the run closes as if there were no data loaded. */
static void abandon_fit(FitJob *j, Experiment *ex)
{
    j->data = ex->data;
    memset(&ex->data, 0, sizeof ex->data);
    ex->has_data = 0;
    ex->model.fitted = NULL;
    pthread_detach(j->thread);
    if (n_abandoned < (int)(sizeof abandoned_jobs / sizeof abandoned_jobs[0]))
        abandoned_jobs[n_abandoned++] = j;
}

/* model_fit(&ex->model, ...) of a one-shot family, answering a signal at once. */
static int fit_once(Experiment *ex, const FitSet *train, const FitSet *const *watch, FitState *st,
                    const FitRunner *fr, int *abandoned)
{
    FitJob *j = calloc(1, sizeof *j);
    if (!j)
        return mnl_fail(MNL_ERR_NOMEM, "cannot allocate the fit's job");
    j->model = ex->model;
    j->train = *train;
    FitSet *mine[WATCH_SETS] = {&j->w_train, &j->w_valid, &j->w_test};
    for (int i = 0; i < WATCH_SETS; i++)
        if (watch[i]) {
            *mine[i] = *watch[i];
            j->watch[i] = mine[i];
        }
    j->st = *st;
    j->hooks = (FitHooks){&j->st, NULL, on_progress};
    int rc = start_worker(j);
    if (rc) {
        free(j);
        return rc;
    }
    if (!wait_for_fit(j, fr->stop)) {
        abandon_fit(j, ex);
        *abandoned = 1;
        return MNL_ERR_INTERRUPTED;
    }
    pthread_join(j->thread, NULL);
    close(j->done[0]), close(j->done[1]);
    rc = j->rc ? mnl_fail(j->rc, "%s", j->why) : MNL_OK;
    free(j);
    return rc;
}

int fit_experiment(Experiment *ex, const FitRunner *fr, FitCost *cost)
{
    memset(cost, 0, sizeof *cost);
    DataSplits *d = &ex->data;
    Dataset scored = head_of(&d->train, FIT_TRAIN_SCORED);
    FitSet train = fit_set(&d->train), w_train = fit_set(&scored), w_valid = fit_set(&d->valid),
           w_test = fit_set(&d->test);
    const FitSet *watch[WATCH_SETS] = {&w_train, d->valid.n ? &w_valid : NULL, &w_test};
    int per_round = !strcmp(ex->cfg.family, "forest") || !strcmp(ex->cfg.family, "boosted-trees");
    FitState st = {.fr = fr, .tty = isatty(2), .n_train = train.n, .early_stop = ex->cfg.early_stop,
                   .what = !strcmp(ex->cfg.family, "svm")      ? "pairs"
                           : !strcmp(ex->cfg.family, "forest") ? "trees"
                                                               : "rounds"};
    FitHooks hooks = {&st, per_round ? on_round : NULL, on_progress};
    announce(ex, fr, train.n);
    st.start = st.last_round = st.last_draw = now_seconds();
    int rc = per_round ? model_fit(&ex->model, &train, watch, &hooks)
                       : fit_once(ex, &train, watch, &st, fr, &cost->abandoned);
    cost->fit_seconds = now_seconds() - st.start;
    if (st.tty)
        fputs("\r\033[K", stderr);
    if (rc)
        return rc;
    EpochRecord rec = {.epoch = 1, .valid_loss = NAN, .valid_acc = NAN, .lr = NAN,
                       .seconds = cost->fit_seconds};
    rec.images_per_s = rec.seconds > 0 ? train.n / rec.seconds : 0.0;
    if (!per_round) {         /* one record: the whole fit */
        rc = fr->evaluate(fr->ctx, &scored, &rec.train_loss, &rec.train_acc);
        if (!rc && d->valid.n)
            rc = fr->evaluate(fr->ctx, &d->valid, &rec.valid_loss, &rec.valid_acc);
    }
    if (!rc)
        rc = fit_cost(ex, fr, cost, &rec);
    if (!rc && !per_round && (rc = fr->record(fr->ctx, &rec)) == MNL_OK)
        sayf(fr, "fitted  train loss %.4f acc %6.2f%% (first %d images)  test loss %.4f acc %6.2f%%\n",
             rec.train_loss, 100 * rec.train_acc, scored.n, rec.test_loss, 100 * rec.test_acc);
    if (rc)
        return rc;
    char t[32];
    sayf(fr, "cost: fit %s (%.1f s), prediction %.1f ms per 1,000 images, model %.0f %s (%zu "
         "bytes)\n", duration(cost->fit_seconds, t, sizeof t), cost->fit_seconds,
         cost->predict_ms_per_1000, cost->size.count, cost->size.unit, cost->size.bytes);
    return st.stopped ? MNL_ERR_INTERRUPTED : MNL_OK;
}
