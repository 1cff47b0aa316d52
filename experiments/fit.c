/* experiments/fit: fitting a fitted family, as the runner sees it (see fit.h). */
#include "experiments/fit.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
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
    if (!strcmp(family, "svm"))
        sayf(fr, "libsvm fits %d two-class machines one after another on one core; on all 60,000 "
             "images the RBF fit took about 4 min here, so expect about %s for %d images "
             "(it grows faster than the image count)%s\n", ex->data.num_classes *
             (ex->data.num_classes - 1) / 2, duration(240 * scale * scale, t, sizeof t), n,
             ex->cfg.probability ? ", and six times that with model.probability = 1" : "");
    else if (!strcmp(family, "linear"))
        sayf(fr, "liblinear fits one classifier per class on one core: expect about %s for %d "
             "images\n", duration(110 * scale, t, sizeof t), n);
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
    int rc = model_fit(&ex->model, &train, watch, &hooks);
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
