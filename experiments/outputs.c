/* experiments/outputs: what a run leaves when it ends -- the pictures, summary.txt and
 * predictions.csv of whatever was completed, the completion mark, REPORT.md and index.html of its
 * results folder -- and the one line that says what was kept and the command that continues. */
#include "experiments/outputs.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "common/escape.h"
#include "common/fileio.h"
#include "experiments/calibrate.h"
#include "experiments/divergence.h"
#include "experiments/html.h"
#include "experiments/predictions.h"
#include "experiments/roc.h"
#include "plots/plot.h"

/* predictions.csv: the final model's answer for every test image (for `mnistlab diff`), and for a
 * binary task its ROC and threshold table. One more pass over the test set, after training. */
static int write_predictions(Run *r)
{
    const Dataset *t = &r->ex.data.test;
    Model *m = &r->ex.model;
    int K = t->num_classes;
    Predictions p;
    memset(&p, 0, sizeof p);
    snprintf(p.dataset, sizeof p.dataset, "%s", r->ex.cfg.dataset);
    memcpy(p.class_names, r->ex.data.class_names, sizeof p.class_names);
    int rc = predictions_alloc(&p, t->n, K);
    if (rc)
        return rc;
    batch_iter_reset(&r->eval_it, NULL);
    if (r->eval_it.d != t)
        rc = mnl_fail(MNL_ERR_ARG, "the evaluation iterator is not on the test set");
    for (int b, start = 0; !rc && (b = batch_iter_next(&r->eval_it)) > 0; start += b) {
        const float *probs = m->probs;
        if (r->test_probs_valid) {      /* a fitted model: as its last test evaluation saw them */
            probs = r->test_probs + (size_t)start * K;
            for (int i = 0; i < b; i++) {
                int best = 0;
                for (int k = 1; k < K; k++)
                    best = probs[(size_t)i * K + k] > probs[(size_t)i * K + best] ? k : best;
                r->ex.pred[i] = best;
            }
        } else {
            model_forward(m, r->eval_it.x, b, 0);
            model_loss(m, r->eval_it.y, b, r->ex.pred);
        }
        for (int i = 0; i < b; i++) {
            const float *pr = probs + (size_t)i * K;        /* probs: [B, K] */
            p.source_index[start + i] = t->orig_index[start + i];
            p.truth[start + i] = r->eval_it.y[i];
            p.pred[start + i] = r->ex.pred[i];
            p.confidence[start + i] = pr[r->ex.pred[i]];
            if (p.p_positive)
                p.p_positive[start + i] = pr[1];
        }
    }
    char path[MNL_PATH_LEN], said[2048] = "";
    rundir_path(r->dir, RUNDIR_PREDICTIONS, path, sizeof path);
    if (!rc)
        rc = predictions_write(path, &p);
    if (!rc && p.p_positive)
        rc = roc_write_run(r->dir, r->ex.cfg.name, &p, said, sizeof said);
    if (!rc && said[0])
        run_say(r, "%s", said);
    predictions_free(&p);
    return rc;
}

/* calibration.png and the ECE before and after temperature scaling (experiments/calibrate): the
 * test set's logits, and the validation split's to fit the temperature on, one more pass each. */
static int write_calibration(Run *r)
{
    Model *m = &r->ex.model;
    const Dataset *test = &r->ex.data.test, *valid = &r->ex.data.valid;
    float *zt = NULL, *zv = NULL;
    int *yt = NULL, *yv = NULL, K = 0, Kv = 0;
    if (test->n < 1)
        return MNL_OK;
    int rc;
    if (r->test_probs_valid)     /* a fitted model: its last test evaluation, no second pass */
        K = test->num_classes,
        rc = calibrate_logits_of_probs(r->test_probs, test->y, test->n, K, &zt, &yt);
    else
        rc = calibrate_logits(m, test, r->ex.cfg.batch, &zt, &yt, &K);
    if (!rc && valid->n > 0)
        rc = calibrate_logits(m, valid, r->ex.cfg.batch, &zv, &yv, &Kv);
    CalibReport cr;
    if (!rc)
        rc = calibrate_measure(zt, yt, test->n, zv, yv, valid->n > 0 ? valid->n : 0, K, &cr);
    char said[400] = "";
    if (!rc)
        rc = calibrate_write_run(r->dir, r->ex.cfg.name, &cr, said, sizeof said);
    if (!rc)
        run_say(r, "%s", said);
    free(zt), free(zv), free(yt), free(yv);
    return rc;
}

/* What report_write_run draws from: the records so far and the last test evaluation. */
RunFiles run_files(const Run *r)
{
    RunFiles f = {
        .dir = r->dir,
        .cfg = &r->ex.cfg,
        .data = &r->ex.data,
        .records = r->records,
        .n_records = r->n_records,
        .params = model_param_count(&r->ex.model),
        .mflops = model_mflops(&r->ex.model),
        .threads = r->ex.threads,
        .total_seconds = r->total_seconds,
        .stopped_early = r->stopped_early,
        .predict_ms_per_1000 = r->test_ms_per_1000,    /* a network's; a fitted one's below */
    };
    if (r->ex.model.fitted && r->fit_cost.size.unit) {     /* its size in its own unit */
        const FitSpec *fs = &r->ex.model.spec.fit;
        f.params = (size_t)r->fit_cost.size.count;
        f.mflops = 0.0;
        f.size_unit = r->fit_cost.size.unit;
        f.size_bytes = r->fit_cost.size.bytes;
        f.predict_ms_per_1000 = r->fit_cost.predict_ms_per_1000;
        f.rounds_planned = !strcmp(r->ex.cfg.family, "forest")          ? fs->trees
                           : !strcmp(r->ex.cfg.family, "boosted-trees") ? fs->rounds
                                                                        : 1;
    }
    if (r->view.valid) {
        f.confusion = &r->view.confusion;
        f.n_correct = r->view.n_correct;
        f.n_wrong = r->view.n_wrong;
        f.correct_idx = r->view.correct_idx;
        f.wrong_idx = r->view.wrong_idx;
        f.correct_pred = r->view.correct_pred;
        f.wrong_pred = r->view.wrong_pred;
        f.correct_conf = r->view.correct_conf;
        f.wrong_conf = r->view.wrong_conf;
    }
    return f;
}

/* The plots and summary of whatever was completed. */
static int write_outputs(Run *r)
{
    if (r->n_records == 0)
        return MNL_OK;
    int rc = MNL_OK;
    if (!r->view.valid) {       /* resumed with every epoch done: the test set seen again */
        double loss, acc;
        rc = evaluate_set(&r->ex.model, &r->eval_it, &r->ex.data.test, r->ex.cfg.batch, r->ex.pred,
                          &loss, &acc, &r->view);
    }
    RunFiles f = run_files(r);
    rundir_remove_pictures(&r->folder);
    if (!rc)
        rc = report_write_run(&f);
    if (!rc && weights_finite(&r->ex.model))
        rc = write_predictions(r);
    if (!rc && weights_finite(&r->ex.model))
        rc = write_calibration(r);
    char shown[ESC_NAME_LEN];        /* a name on the terminal: one line, no control byte */
    if (!rc)
        run_say(r, "wrote %s/{" RUNDIR_METRICS ", " RUNDIR_CURVES ", " RUNDIR_SAMPLES ", "
                RUNDIR_CONFUSION ", " RUNDIR_CALIBRATION ", " RUNDIR_SUMMARY ", " RUNDIR_PREDICTIONS
                ", " RUNDIR_CKPT ", " RUNDIR_BEST ", " RUNDIR_LOG "}\n",
                esc_to_buf(esc_text, r->dir, shown, sizeof shown));
    return rc ? rc : run_write_settings_and_log(r);
}

/* The completion mark, written last, then read back: the run is finished when it verifies. */
static int mark_finished(Run *r)
{
    char why[400], shown[ESC_NAME_LEN];
    int rc = rundir_finish(&r->folder);
    if (!rc && rundir_verify(r->dir, why, sizeof why) != 0)
        rc = mnl_fail(MNL_ERR_IO, "%s: the completion mark does not verify: %s", r->dir, why);
    if (!rc)
        run_say(r, "finished: %s/" RUNDIR_FINISHED " names every output with its size and checksum\n",
            esc_to_buf(esc_text, r->dir, shown, sizeof shown));
    return rc;
}

/* A folder of the system's temporary files: never scanned for runs (it holds everybody's). */
static int system_temp_folder(const char *dir)
{
    const char *env = getenv("TMPDIR");
    const char *const temps[] = {"/tmp", "/var/tmp", "/dev/shm", env && *env ? env : "/tmp"};
    struct stat here, t;
    if (stat(dir, &here) != 0)
        return 0;
    for (int i = 0; i < 4; i++)
        if (stat(temps[i], &t) == 0 && t.st_dev == here.st_dev && t.st_ino == here.st_ino)
            return 1;
    return 0;
}

/* Another run folder (one with a manifest or a summary) directly under parent, besides ours. */
static int holds_other_runs(const char *parent, const char *ours)
{
    DIR *d = opendir(parent);
    if (!d)
        return 0;
    const char *base = strrchr(ours, '/') ? strrchr(ours, '/') + 1 : ours;
    int found = 0;
    for (struct dirent *e; !found && (e = readdir(d));) {
        char a[MNL_PATH_LEN], b[MNL_PATH_LEN];
        if (e->d_name[0] == '.' || !strcmp(e->d_name, base))
            continue;
        if (snprintf(a, sizeof a, "%s/%s/" RUNDIR_MANIFEST, parent, e->d_name) >= (int)sizeof a ||
            snprintf(b, sizeof b, "%s/%s/" RUNDIR_SUMMARY, parent, e->d_name) >= (int)sizeof b)
            continue;
        found = file_exists(a) || file_exists(b);
    }
    closedir(d);
    return found;
}

/* `bin/mnistlab compare ROOT`, ROOT one quoted word for the shell (common/escape). */
static const char *compare_command(const char *root, char *cmd, size_t n)
{
    char *text = NULL;
    size_t len = 0;
    FILE *c = open_memstream(&text, &len);
    if (!c)
        return "(out of memory)";
    fputs("bin/mnistlab compare ", c);
    esc_shell_word(c, root);
    fclose(c);
    snprintf(cmd, n, "%s", len < n ? text : "(too long to show)");
    free(text);
    return cmd;
}

/* REPORT.md and index.html of the results folder this run belongs to (report_root_of), as
 * `mnistlab compare` writes them: a finished, resumed or stopped run is in them at once. The
 * run's own files are saved by now, so a report that cannot be written is said, not a failure of
 * the run -- unless a signal stopped the refresh: gnuplot was ended (plot_abandon, in the signal
 * handler) and the temporary files removed, the line says what was kept and the command that
 * refreshes, and the run ends as interrupted. Outside a results folder, the compare hint names the
 * folder above only when it holds other runs and is no system temporary folder. */
static int refresh_report(Run *r, const atomic_int *stop)
{
    char root[MNL_PATH_LEN], word[4 * MNL_PATH_LEN], cmd[4 * MNL_PATH_LEN + 64];
    if (!report_root_of(r->dir, root, sizeof root)) {
        if (!system_temp_folder(root) && holds_other_runs(root, r->dir))
            run_say(r, "compare it with the other runs beside it: %s\n",
                    compare_command(root, cmd, sizeof cmd));
        return MNL_OK;
    }
    int n = 0, rc = html_refresh_results(root, &n);
    esc_to_buf(esc_text, root, word, sizeof word);
    if (rc == MNL_OK) {
        run_say(r, "refreshed %s/REPORT.md and %s/index.html (%d finished run%s)\n", word, word, n,
            n == 1 ? "" : "s");
    } else if (stop && *stop) {
        int sig = *stop;
        char shown[4 * MNL_PATH_LEN];
        plot_abandon();
        file_abandon_temps();
        run_say(r, "stopped while refreshing %s/REPORT.md and index.html; kept the run's files as "
                "they are (%s) and REPORT.md and index.html as they were; to refresh them:\n  %s\n",
                word, esc_to_buf(esc_text, r->dir, shown, sizeof shown),
                compare_command(root, cmd, sizeof cmd));
        return mnl_fail(MNL_ERR_INTERRUPTED, "interrupted by signal %d while refreshing the report",
                        sig);
    } else {
        run_say(r, "could not refresh %s/REPORT.md and index.html: %s\n", word,
                esc_to_buf(esc_text, mnl_last_error(), root, sizeof root));
    }
    mnl_clear_error();
    return MNL_OK;
}

/* The command that continues this run (with --resume), or that runs it again (a fit, which is
 * not resumed), to paste into a shell: every name and value one quoted word (common/escape). */
static const char *train_command(const TrainOptions *o, int resume, char *cmd, size_t n)
{
    char *text = NULL;
    size_t len = 0;
    FILE *c = open_memstream(&text, &len);
    if (!c)
        return "(out of memory)";
    fputs("bin/mnistlab train ", c);
    esc_shell_word(c, o->conf_path);
    for (int i = 0; i < o->n_sets; i++) {
        fputs(" --set ", c);
        esc_shell_word(c, o->sets[i]);
    }
    if (o->out_dir) {
        fputs(" --out ", c);
        esc_shell_word(c, o->out_dir);
    }
    if (o->kernels != KERNELS_FAST)
        fprintf(c, " --kernels %s", kernels_name(o->kernels));
    if (resume)
        fputs(" --resume", c);
    fclose(c);
    snprintf(cmd, n, "%s", len < n ? text : "(too long to show)");
    free(text);
    return cmd;
}

static const char *resume_command(const TrainOptions *o, char *cmd, size_t n)
{
    return train_command(o, 1, cmd, n);
}

static void print_resume_hint(Run *r, const TrainOptions *o)
{
    char cmd[4 * MNL_PATH_LEN];
    resume_command(o, cmd, sizeof cmd);
    if (r->progress.next_batch > 0)
        run_say(r, "stopped in epoch %d after batch %d (saved); to continue:\n  %s\n",
                r->progress.epoch, r->progress.next_batch, cmd);
    else
        run_say(r, "stopped after epoch %d (saved); to continue:\n  %s\n", r->progress.epoch - 1,
                cmd);
}

/* The files of a run stand when it ended well, was interrupted (saved, to resume) or diverged (its
 * good epochs kept); after any other failure every file it replaced is put back, so the folder
 * never holds two runs' files side by side. */
static void settle_files(Run *r, int rc)
{
    if (rc == MNL_OK || rc == MNL_ERR_INTERRUPTED || rc == MNL_ERR_DIVERGED) {
        journal_end();
        return;
    }
    if (!journal_replaced_any()) {     /* nothing was there before: the files are all this run's */
        journal_end();
        return;
    }
    journal_rollback();
    mnl_fail(rc, "%s; %s holds the previous files as they were before this run", mnl_last_error(),
             r->dir);
}

/* Stopped by a signal after its checkpoint: the outputs of what was completed, the report, and
 * the command that continues. */
static int end_interrupted(Run *r, const TrainOptions *o, int sig)
{
    int rc = run_save_checkpoint(r, r->progress.epoch - 1);
    if (!rc)
        rc = run_write_metrics(r);
    if (!rc)
        rc = write_outputs(r);
    if (rc)
        return rc;
    refresh_report(r, NULL);
    print_resume_hint(r, o);
    return mnl_fail(MNL_ERR_INTERRUPTED, "interrupted by signal %d; checkpoint saved", sig);
}

/* A fit stopped by a signal before any round (a one-shot fit is stopped at once, experiments/fit):
 * a folder that held an earlier run is put back as it was; a new one keeps its settings and log
 * and says, in stopped.txt, that it was interrupted. Either way the line names the command that
 * fits it again (a fit is not resumed). */
static int end_fit_unfitted(Run *r, const TrainOptions *o, int sig)
{
    char cmd[8192], why[200];
    train_command(o, 0, cmd, sizeof cmd);
    if (journal_replaced_any()) {
        journal_rollback();        /* the manifest and completion mark of an earlier run */
        run_say(r, "stopped during the fit (nothing fitted); %s is as it was before; to fit it "
                "again:\n  %s\n", r->dir, cmd);
    } else {
        snprintf(why, sizeof why, "incomplete: interrupted by signal %d during the fit, nothing "
                 "fitted", sig);
        int rc = run_write_settings_and_log(r);
        if (!rc)
            rc = rundir_mark_stopped(&r->folder, why);
        if (rc)
            return rc;
        run_say(r, "stopped during the fit (nothing fitted); kept %s's settings and log; to fit it "
                "again:\n  %s\n", r->dir, cmd);
    }
    return mnl_fail(MNL_ERR_INTERRUPTED, "interrupted by signal %d during the fit", sig);
}

/* A fit stopped by a signal between rounds (experiments/fit): the rounds fitted so far are saved
 * (model.ckpt, best.ckpt, metrics.csv) and drawn; a fit is not resumed, so no completion mark and
 * no --resume hint. */
static int end_fit_interrupted(Run *r, const TrainOptions *o, int sig)
{
    if (r->n_records == 0)
        return end_fit_unfitted(r, o, sig);
    int rc = write_outputs(r);
    if (rc)
        return rc;
    refresh_report(r, NULL);
    return mnl_fail(MNL_ERR_INTERRUPTED, "interrupted by signal %d; the model of the %d rounds "
                    "fitted so far is saved (a fit is not resumed: run again without --resume to "
                    "fit it whole)", sig, r->n_records);
}

/* Diverged: the pictures of the last good epochs; their checkpoint is untouched. */
static int end_diverged(Run *r)
{
    static char why[MNL_DETAIL_MAX];   /* write_outputs may record details of its own */
    snprintf(why, sizeof why, "%s", mnl_last_error());
    int rc = write_outputs(r);
    if (!rc)
        rc = rundir_mark_stopped(&r->folder, why);      /* what compare, sweep and the page show */
    if (rc)
        return rc;
    refresh_report(r, NULL);
    if (r->n_records)
        return mnl_fail(MNL_ERR_DIVERGED, "%s; kept the checkpoint, metrics and plots of epoch %d",
                        why, r->records[r->n_records - 1].epoch);
    return mnl_fail(MNL_ERR_DIVERGED, "%s; no epoch had completed, nothing was saved", why);
}

/* A signal while the pictures were drawn: gnuplot was ended and its temporary files removed
 * (plot_abandon); the epochs are all saved, and --resume draws what is missing. */
static int end_drawing_interrupted(Run *r, const TrainOptions *o, int sig)
{
    char cmd[4 * MNL_PATH_LEN];
    int done = r->n_records ? r->records[r->n_records - 1].epoch : 0;
    run_say(r, "stopped while drawing the pictures; kept the checkpoint and metrics of epoch %d; to "
            "draw the rest and finish:\n  %s\n", done, resume_command(o, cmd, sizeof cmd));
    return mnl_fail(MNL_ERR_INTERRUPTED, "interrupted by signal %d while drawing; checkpoint saved",
                    sig);
}

/* A model stuck at a constant answer looks finished: say so on the console (and in log.txt). */
static void say_if_stuck(Run *r)
{
    if (!r->view.valid)
        return;
    Degeneracy d;
    confusion_degeneracy(&r->view.confusion, &d);
    if (!d.degenerate)
        return;
    const char *names[METRICS_MAX_CLASSES];
    for (int k = 0; k < r->view.confusion.k; k++)
        names[k] = dataset_class_label(r->ex.cfg.dataset, r->ex.data.class_names[k]);
    char text[320];
    degeneracy_describe(&d, names, r->ex.data.test.n, text, sizeof text);
    run_say(r, "STUCK: %s\n", text);
}

int outputs_end_run(Run *r, const TrainOptions *o, int rc, const atomic_int *stop)
{
    int sig = *stop;
    if (r->already_finished) {
        esc_say(stdout, "", r->dir, ": already finished (its completion mark ");
        esc_say(stdout, "", r->dir, "/" RUNDIR_FINISHED " verifies); nothing to resume, nothing "
                "changed\n");
    } else if (rc == MNL_ERR_INTERRUPTED && (r->ex.model.fitted || r->fit_cost.abandoned)) {
        rc = end_fit_interrupted(r, o, sig);
    } else if (rc == MNL_ERR_INTERRUPTED) {
        rc = end_interrupted(r, o, sig);
    } else if (rc == MNL_ERR_DIVERGED) {
        rc = end_diverged(r);
    } else if (!rc) {
        say_if_stuck(r);
        rc = write_outputs(r);
        if (rc && *stop)
            rc = end_drawing_interrupted(r, o, *stop);
        if (!rc)
            rc = mark_finished(r);
        if (!rc)
            rc = refresh_report(r, stop);
    }
    if (!r->already_finished)
        settle_files(r, rc);
    if (o->profile)
        model_profile_print(&r->ex.model, stdout);
    run_close(r);
    return rc;
}
