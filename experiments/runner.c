/* experiments/runner: the training loop, read top to bottom like llm.c's train_gpt2.c: for each
 * epoch, the batches (forward, loss, backward, optimizer step), then the evaluation, the record,
 * the checkpoint. Everything around it has a module of its own: the run's state, opening, resume
 * and saves (experiments/run), what a run leaves when it ends (experiments/outputs), the checks
 * for divergence (experiments/divergence), curves.png while training (experiments/live), the
 * folder (experiments/rundir), and the bench (experiments/bench). A fitted family (models/fitted.h)
 * is fitted once instead of trained epoch by epoch: fit_run below, where the loop would be, hands
 * it to experiments/fit; everything before and after is the same as for a network. */
#include "experiments/runner.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fileio.h"
#include "common/progress.h"
#include "experiments/divergence.h"
#include "experiments/fit.h"
#include "experiments/live.h"
#include "experiments/outputs.h"
#include "experiments/run.h"
#include "models/optim.h"
#include "plots/plot.h"

/* ---- signals: the first finishes the batch and saves, the second quits at once ---- */

/* Atomic (lock-free, so async-signal-safe): the handler may run on any thread of the process (a
 * library's, such as OpenBLAS's), not only on the one that reads them. */
static atomic_int stop_signal;
static atomic_int training;   /* in the loop: a first signal lets the batch finish */

/* In every phase of a run. Loading or drawing, the first signal ends gnuplot at once (its
 * temporary files removed) and the run stops after the step it is in; training, it stops after
 * the batch. The second quits at once: files are only ever renamed into place, so nothing is
 * half-written, and the next run into the folder removes our other temporary files. */
static void on_signal(int sig)
{
    int saved_errno = errno;
    if (stop_signal) {
        plot_abandon();
        file_abandon_temps();
        dir_locks_abandon();           /* the run's folder, and a sweep's around it */
        _exit(128 + sig);
    }
    stop_signal = sig;
    if (!training)
        plot_abandon();
    errno = saved_errno;
}

static struct sigaction old_sigint, old_sigterm;   /* put back when the run ends (a sweep's) */

static void install_signal_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_sigint);
    sigaction(SIGTERM, &sa, &old_sigterm);
    stop_signal = 0;
}

static void restore_signal_handlers(void)
{
    sigaction(SIGINT, &old_sigint, NULL);
    sigaction(SIGTERM, &old_sigterm, NULL);
}

/* ---- what one training step sees: the scheduled rate, the (augmented) batch ---- */

/* The schedule gives the optimizer epoch e's rate, through the optimizer's own interface. */
static void apply_schedule(Run *r, int e)
{
    optim_set_lr(&r->ex.opt, (float)schedule_lr(&r->schedule, config_lr(&r->ex.cfg), e, r->ex.cfg.epochs));
}

/* Batch `batch` of epoch e as the network is trained on it: the images themselves, or their
 * randomly shifted and rotated copies (data.augment). */
static const float *training_input(Run *r, int e, int batch, int B)
{
    if (!r->aug_on)
        return r->train_it.x;
    return augmenter_apply(&r->aug, r->train_it.x, B, r->ex.cfg.seed, e, batch, r->ex.threads);
}

/* Mean loss and accuracy on d (experiments/evaluate); the view of the test set when asked. */
static int evaluate(Run *r, const Dataset *d, double *loss, double *acc, TestView *view)
{
    return evaluate_set(&r->ex.model, &r->eval_it, d, r->ex.cfg.batch, r->ex.pred, loss, acc, view);
}

/* ---- one epoch of training ---- */

/* The rate the optimizer uses now: what every message names. */
static float lr_used(const Run *r)
{
    return optim_lr(&r->ex.opt);
}

/* A finite blow-up of an epoch's mean loss (experiments/divergence). */
static int blow_up(Run *r, int e, const char *which, double loss)
{
    return divergence_check_epoch(e, which, loss, r->ex.data.num_classes, r->epoch1_loss,
                                  lr_used(r));
}

/* Train epoch e (1-based) from r->progress.next_batch on. MNL_OK, MNL_ERR_DIVERGED or
 * MNL_ERR_INTERRUPTED (state consistent at a batch boundary). */
static int train_epoch(Run *r, int e)
{
    Model *m = &r->ex.model;
    EpochProgress *pg = &r->progress;
    if (pg->epoch != e) {            /* a fresh epoch (not resumed mid-way) */
        pg->epoch = e;
        pg->next_batch = 0;
        pg->seconds = 0.0;
        meter_reset(&pg->meter);
        batch_iter_reset(&r->train_it, r->shuffle_rng);
    }
    r->train_it.pos = pg->next_batch * r->train_it.batch;
    apply_schedule(r, e);
    int total = batch_iter_count(&r->train_it);
    Progress bar;
    progress_start(&bar, e, r->ex.cfg.epochs, total);
    double t0 = now_seconds() - pg->seconds;
    for (int b; (b = batch_iter_next(&r->train_it)) > 0;) {
        const float *x = training_input(r, e, pg->next_batch, b);
        model_forward(m, x, b, 1);
        double loss = model_loss(m, r->train_it.y, b, r->ex.pred);
        int rc = divergence_check_batch(e, pg->next_batch + 1, loss, lr_used(r));
        if (rc) {
            progress_clear(&bar);
            return rc;
        }
        model_zero_grad(m);
        model_backward(m, x, b);
        optim_step(&r->ex.opt, m);
        int correct = 0;
        for (int i = 0; i < b; i++)
            correct += r->ex.pred[i] == r->train_it.y[i];
        meter_add(&pg->meter, loss, b, correct);
        pg->next_batch++;
        pg->seconds = now_seconds() - t0;
        progress_update(&bar, pg->next_batch, meter_loss(&pg->meter), pg->meter.count);
        if (stop_signal && pg->next_batch < total) {
            progress_clear(&bar);
            return MNL_ERR_INTERRUPTED;
        }
    }
    progress_clear(&bar);
    int rc = divergence_check_weights(m, e, pg->next_batch, lr_used(r));
    if (rc)
        return rc;
    double loss = meter_loss(&pg->meter);
    if (e == 1)
        r->epoch1_loss = loss;
    return blow_up(r, e, "training", loss);
}

/* Evaluate after epoch e and record it. */
static int finish_epoch(Run *r, int e)
{
    EpochRecord rec = {.epoch = e, .valid_loss = NAN, .valid_acc = NAN};
    rec.train_loss = meter_loss(&r->progress.meter);
    rec.train_acc = meter_accuracy(&r->progress.meter);
    rec.seconds = r->progress.seconds;
    rec.images_per_s = rec.seconds > 0 ? r->progress.meter.count / rec.seconds : 0.0;
    rec.lr = lr_used(r);
    DataSplits *d = &r->ex.data;
    double t0 = now_seconds();
    int rc = d->valid.n > 0 ? evaluate(r, &d->valid, &rec.valid_loss, &rec.valid_acc, NULL) : MNL_OK;
    double t_test = now_seconds();
    if (rc || (rc = evaluate(r, &d->test, &rec.test_loss, &rec.test_acc, &r->view)))
        return rc;
    double eval_s = now_seconds() - t0;
    if (d->test.n > 0)
        r->test_ms_per_1000 = (now_seconds() - t_test) * 1000.0 * 1000.0 / d->test.n;
    r->total_seconds += rec.seconds;
    if ((rc = blow_up(r, e, "test", rec.test_loss)) ||
        (d->valid.n > 0 && (rc = blow_up(r, e, "validation", rec.valid_loss))))
        return rc;
    char valid[96] = "";
    if (d->valid.n > 0)
        snprintf(valid, sizeof valid, "  valid loss %.4f acc %6.2f%%", rec.valid_loss,
                 100 * rec.valid_acc);
    run_say(r, "epoch %3d/%d  train loss %.4f acc %6.2f%%%s  test loss %.4f acc %6.2f%%  %.2fs "
            "(%.0f img/s, eval %.2fs)  lr %g\n", e, r->ex.cfg.epochs, rec.train_loss,
            100 * rec.train_acc, valid, rec.test_loss, 100 * rec.test_acc, rec.seconds,
            rec.images_per_s, eval_s, rec.lr);
    return run_add_record(r, &rec);
}

/* ---- the run ---- */

/* Epoch e evaluates the model on the held-out sets (every train.eval_every epochs, and the last). */
static int evaluated_epoch(const Run *r, int e)
{
    return e % r->ex.cfg.eval_every == 0 || e == r->ex.cfg.epochs;
}

/* curves.png of the records so far, when experiments/live says it is time. */
static void redraw_live(const Run *r, LiveCurves *live)
{
    RunFiles f = run_files(r);
    live_redraw(live, &f);
}

/* A signal arrived during epoch e, which is complete: the run stops before epoch e + 1. */
static void stop_before(Run *r, int next)
{
    r->progress = (EpochProgress){.epoch = next};
    meter_reset(&r->progress.meter);
}

/* ---- a fitted family: one fit instead of epochs (experiments/fit) ---- */

/* The test set's evaluation also keeps every image's probabilities, for predictions.csv. */
static int fit_evaluate(void *ctx, const Dataset *d, double *loss, double *acc)
{
    Run *r = ctx;
    int test = d == &r->ex.data.test;
    if (!test)
        return evaluate(r, d, loss, acc, NULL);
    if (!r->test_probs &&
        !(r->test_probs = malloc(sizeof(float) * (size_t)(d->n ? d->n : 1) * d->num_classes)))
        return mnl_fail(MNL_ERR_NOMEM, "cannot keep the test probabilities");
    int rc = evaluate_set_probs(&r->ex.model, &r->eval_it, d, r->ex.cfg.batch, r->ex.pred, loss, acc,
                                &r->view, r->test_probs);
    r->test_probs_valid = rc == MNL_OK;
    return rc;
}

static int fit_record(void *ctx, const EpochRecord *rec)
{
    Run *r = ctx;
    r->total_seconds += rec->seconds;
    return run_add_record(r, rec);
}

static void fit_say(void *ctx, const char *line)
{
    run_say(ctx, "%s", line);
}

/* Fit, then save the model as model.ckpt, metrics.csv, and best.ckpt (the best round's model; the
 * same file as model.ckpt when that is the whole model). A fit stopped by a signal keeps the
 * rounds it made. MNL_OK, MNL_ERR_INTERRUPTED or the fit's error. */
static int fit_run(Run *r)
{
    FitRunner fr = {r, fit_evaluate, fit_record, fit_say, &stop_signal};
    int rc = fit_experiment(&r->ex, &fr, &r->fit_cost);
    if ((rc && rc != MNL_ERR_INTERRUPTED) || r->fit_cost.abandoned)
        return rc;                     /* abandoned: nothing was fitted, nothing to save */
    int src = run_save_checkpoint(r, r->n_records);        /* with config.used and log.txt */
    if (!src)
        src = run_write_metrics(r);
    if (!src)
        src = run_save_best_fitted(r);
    return src ? src : rc;
}

/* The end of every run, however it ended (experiments/outputs), with the signal that stopped it. */
static int end_run(Run *r, const TrainOptions *o, int rc, int *signal_out)
{
    rc = outputs_end_run(r, o, rc, &stop_signal);   /* pictures, mark, report; or what was kept */
    *signal_out = rc == MNL_ERR_INTERRUPTED ? stop_signal : 0;
    restore_signal_handlers();
    return rc;
}

int runner_train(const TrainOptions *o, int *signal_out)
{
    Run r;
    install_signal_handlers();             /* loading, training and drawing alike */
    int rc = run_open(&r, o);              /* settings, data, model, folder; --resume's state */
    if (rc || r.already_finished)
        return end_run(&r, o, rc, signal_out);
    rc = run_begin(&r);                    /* banner, notes, the loss by hand */
    if (!rc && stop_signal) {
        stop_before(&r, r.first_epoch);    /* a signal while loading: nothing trained yet */
        rc = MNL_ERR_INTERRUPTED;
    }
    if (r.ex.model.fitted) {               /* fitted once: no epochs, no live curves */
        training = 1;
        if (!rc)
            rc = fit_run(&r);
        training = 0;
        return end_run(&r, o, rc, signal_out);
    }
    LiveCurves live;
    live_start(&live, r.live_interval);
    training = 1;
    for (int e = r.first_epoch; !rc && !r.stopped_early && e <= r.ex.cfg.epochs; e++) {
        rc = train_epoch(&r, e);           /* batches: forward, loss, backward, step */
        int evaluated = evaluated_epoch(&r, e);
        if (!rc && evaluated)
            rc = finish_epoch(&r, e);      /* evaluation; the epoch's record */
        if (!rc)
            rc = run_save_epoch(&r, e, evaluated);   /* checkpoint, metrics.csv, best.ckpt */
        if (!rc && evaluated && run_early_stop_due(&r)) {
            run_announce_early_stop(&r);   /* r.stopped_early: the loop ends here */
            continue;
        }
        if (!rc && evaluated && !o->no_live && e < r.ex.cfg.epochs)
            redraw_live(&r, &live);
        if (!rc && stop_signal && e < r.ex.cfg.epochs) {
            stop_before(&r, e + 1);
            rc = MNL_ERR_INTERRUPTED;
        }
    }
    training = 0;
    if (live.drawn)
        run_say(&r, RUNDIR_CURVES " was redrawn %d time%s while training (%.2fs in all)\n", live.drawn,
                live.drawn == 1 ? "" : "s", live.total_cost);
    return end_run(&r, o, rc, signal_out);
}
