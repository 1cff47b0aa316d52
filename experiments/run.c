/* experiments/run: one training run outside its loop (see run.h). */
#include "experiments/run.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/env.h"
#include "common/error.h"
#include "common/escape.h"
#include "common/fileio.h"
#include "models/checkpoint.h"
#include "models/model.h"
#include "models/optim.h"

/* ---- output: stdout and log.txt get the same lines ---- */

/* Keep a line for log.txt, which is only ever replaced whole (so a failed run leaves the
 * previous run's log.txt as it was). */
static void log_append(Run *r, const char *text, size_t n)
{
    if (r->log_len + n + 1 > r->log_cap) {
        size_t cap = (r->log_len + n + 1) * 2;
        char *p = realloc(r->log, cap);
        if (!p)
            return;             /* the log is a convenience; training goes on without it */
        r->log = p;
        r->log_cap = cap;
    }
    memcpy(r->log + r->log_len, text, n);
    r->log_len += n;
    r->log[r->log_len] = '\0';
}

void run_say(Run *r, const char *fmt, ...)
{
    char *raw = NULL, *line = NULL;
    size_t raw_len = 0, len = 0;
    FILE *m = open_memstream(&raw, &raw_len);
    if (!m)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(m, fmt, ap);
    va_end(ap);
    fclose(m);
    /* names in the line never reach the terminal or log.txt as control bytes (an ESC sequence) */
    FILE *e = open_memstream(&line, &len);
    if (e) {
        esc_terminal(e, raw);
        fclose(e);
        fputs(line, stdout);
        fflush(stdout);
        log_append(r, line, len);
    }
    free(line);
    free(raw);
}

/* ---- the run state inside the checkpoint (its format: experiments/rundir) ---- */

static char *metrics_text(const Run *r, size_t *len);

static unsigned char *pack_run_state(const Run *r, size_t *len)
{
    const Model *m = &r->ex.model;
    size_t text_len;
    char *text = metrics_text(r, &text_len);
    if (!text)
        return NULL;
    RunState s = {
        .epoch = r->progress.epoch,
        .next_batch = r->progress.next_batch,
        .loss_sum = r->progress.meter.loss_sum,
        .seconds = r->progress.seconds,
        .correct = r->progress.meter.correct,
        .count = r->progress.meter.count,
        .shuffle_state = gsl_rng_state(r->shuffle_rng),
        .shuffle_size = gsl_rng_size(r->shuffle_rng),
        .dropout_state = gsl_rng_state(m->dropout_rng),
        .dropout_size = gsl_rng_size(m->dropout_rng),
        .order = r->progress.epoch ? r->train_it.order : NULL,
        .n_order = r->progress.epoch ? r->train_it.d->n : 0,
        .metrics_text = text,
    };
    unsigned char *blob = rundir_pack_state(&s, len);
    free(text);
    return blob;
}

static int unpack_run_state(Run *r, const Checkpoint *ck)
{
    Model *m = &r->ex.model;
    RunState s;
    int rc = rundir_unpack_state(ck->run_state, ck->run_state_len, r->ckpt_path, &s);
    if (!rc && (s.shuffle_size != gsl_rng_size(r->shuffle_rng) ||
                s.dropout_size != gsl_rng_size(m->dropout_rng) ||
                (s.n_order && s.n_order != r->train_it.d->n) ||
                s.next_batch > batch_iter_count(&r->train_it)))
        rc = mnl_fail(MNL_ERR_CKPT, "%s: run state does not match this experiment", r->ckpt_path);
    if (rc) {
        rundir_state_free(&s);
        return rc;
    }
    memcpy(gsl_rng_state(r->shuffle_rng), s.shuffle_state, s.shuffle_size);
    memcpy(gsl_rng_state(m->dropout_rng), s.dropout_state, s.dropout_size);
    if (s.n_order && batch_iter_restore_order(&r->train_it, s.order, s.n_order))
        rc = mnl_fail(MNL_ERR_CKPT, "%s: run state holds a bad batch order", r->ckpt_path);
    r->ckpt_metrics = s.owned_text;          /* now the run's, or NULL (version 1) */
    s.owned_text = NULL;
    if (rc)
        return rc;
    r->progress.epoch = s.epoch;
    r->progress.next_batch = s.next_batch;
    r->progress.meter.loss_sum = s.loss_sum;
    r->progress.meter.correct = s.correct;
    r->progress.meter.count = s.count;
    r->progress.seconds = s.seconds;
    return MNL_OK;
}

/* ---- records and metrics.csv ---- */

int run_add_record(Run *r, const EpochRecord *rec)
{
    if (r->n_records == r->cap_records) {
        int cap = r->cap_records ? 2 * r->cap_records : 64;
        EpochRecord *p = realloc(r->records, (size_t)cap * sizeof *p);
        if (!p)
            return mnl_fail(MNL_ERR_NOMEM, "cannot grow the metrics table");
        r->records = p;
        r->cap_records = cap;
    }
    r->records[r->n_records++] = *rec;
    return MNL_OK;
}

/* metrics.csv's whole text for the records so far (malloc'd). */
static char *metrics_text(const Run *r, size_t *len)
{
    return rundir_metrics_text(r->records, r->n_records, len);
}

int run_write_metrics(const Run *r)
{
    return rundir_write_metrics(r->dir, r->records, r->n_records);
}

/* The records of a metrics text (file name for messages), checked by rundir_parse_metrics. */
static int parse_metrics(Run *r, const char *text, const char *name, int up_to_epoch)
{
    EpochRecord *rows;
    int n, rc = rundir_parse_metrics(text, name, up_to_epoch, &rows, &n);
    for (int i = 0; !rc && i < n; i++)
        rc = run_add_record(r, &rows[i]);
    free(rows);
    return rc;
}

/* Line number (1-based) of the first line where a and b differ. */
static int first_differing_line(const char *a, const char *b)
{
    int line = 1;
    for (; *a && *a == *b; a++, b++)
        line += *a == '\n';
    return line;
}

/* metrics.csv against the checkpoint's own copy: the same text, or the copy's text with its last
 * row missing (the run stopped between writing the checkpoint and metrics.csv). Anything else
 * is damage, refused with the file and line. */
static int check_metrics_against_checkpoint(Run *r, const char *file, int ck_epoch)
{
    const char *ck = r->ckpt_metrics;
    size_t fl = strlen(file), cl = strlen(ck);
    if (fl == cl && memcmp(file, ck, fl) == 0)
        return MNL_OK;
    if (fl < cl && memcmp(file, ck, fl) == 0 && (fl == 0 || file[fl - 1] == '\n') &&
        !memchr(ck + fl, '\n', cl - fl - 1)) {
        r->metrics_short = 1;            /* one row short: it is in the checkpoint */
        return MNL_OK;
    }
    int line = first_differing_line(file, ck), rows = 0;
    for (const char *p = ck; (p = strchr(p, '\n')); p++)
        rows++;
    rows = rows > 0 ? rows - 1 : 0;
    char recorded[MNL_PATH_LEN + 256];
    snprintf(recorded, sizeof recorded, "%s recorded %d row%s up to epoch %d; refusing to resume from "
             "a damaged record (restore the file, or train again without --resume)", r->ckpt_path,
             rows, rows == 1 ? "" : "s", ck_epoch);
    const char *here = file;                  /* the file's line `line`, and its epoch */
    for (int i = 1; i < line && here; i++)
        here = strchr(here, '\n') ? strchr(here, '\n') + 1 : NULL;
    if (!here || !*here)
        return mnl_fail(MNL_ERR_CKPT, "%s:%d: the file ends here, but %s", r->metrics_path, line,
                        recorded);
    int epoch = atoi(here), seen = 0;
    for (const char *p = strchr(file, '\n'); p && p + 1 < here; p = strchr(p + 1, '\n'))
        seen |= atoi(p + 1) == epoch;
    if (line > 1 && seen)
        return mnl_fail(MNL_ERR_CKPT, "%s:%d: epoch %d appears twice; %s", r->metrics_path, line,
                        epoch, recorded);
    if (line > rows + 1)
        return mnl_fail(MNL_ERR_CKPT, "%s:%d: a row the checkpoint does not have (epoch %d); %s",
                        r->metrics_path, line, epoch, recorded);
    return mnl_fail(MNL_ERR_CKPT, "%s:%d: %s from the row %s", r->metrics_path, line,
                    line == 1 ? "the header differs" : "differs", recorded);
}

/* On resume: the records up to the checkpoint's epoch, from metrics.csv checked against the
 * checkpoint (version 2), or from metrics.csv alone with its rows checked (version 1). */
static int read_metrics(Run *r, int up_to_epoch)
{
    char *buf = NULL;
    int rc = rundir_read_metrics_text(r->dir, &buf);
    if (rc && up_to_epoch == 0 && !path_present(r->metrics_path)) {
        mnl_clear_error();
        return MNL_OK;
    }
    if (!rc && r->ckpt_metrics)
        rc = check_metrics_against_checkpoint(r, (const char *)buf, up_to_epoch);
    if (!rc)
        rc = r->ckpt_metrics ? parse_metrics(r, r->ckpt_metrics, r->ckpt_path, up_to_epoch)
                             : parse_metrics(r, (const char *)buf, r->metrics_path, up_to_epoch);
    free(buf);
    return rc;
}

/* ---- checkpoint ---- */

/* The settings and the log, beside each checkpoint. */
int run_write_settings_and_log(const Run *r)
{
    char path[MNL_PATH_LEN];
    rundir_path(r->dir, RUNDIR_CONFIG, path, sizeof path);
    int rc = atomic_write_file(path, r->ex.config_text, strlen(r->ex.config_text));
    if (!rc)
        rc = atomic_write_file(r->log_path, r->log ? r->log : "", r->log_len);
    return rc;
}

static int save_checkpoint_to(Run *r, const char *path, int epochs_done)
{
    size_t len;
    unsigned char *state = pack_run_state(r, &len);
    if (!state)
        return mnl_fail(MNL_ERR_NOMEM, "cannot pack the run state");
    int rc = checkpoint_save(path, r->ex.config_text, &r->ex.model,
                             r->ex.has_opt ? &r->ex.opt : NULL, epochs_done, state, len);
    free(state);
    return rc;
}

int run_save_checkpoint(Run *r, int epochs_done)
{
    int rc = save_checkpoint_to(r, r->ckpt_path, epochs_done);
    return rc ? rc : run_write_settings_and_log(r);
}

int run_save_best(Run *r, int epochs_done)
{
    return save_checkpoint_to(r, r->best_path, epochs_done);
}

int run_save_best_fitted(Run *r)
{
    int on_valid, best = report_best_epoch(r->records, r->n_records, &on_valid);
    if (best < 0 || best == r->n_records - 1) {      /* the model model.ckpt holds */
        if (atomic_link_file(r->ckpt_path, r->best_path) == MNL_OK)
            return MNL_OK;
        mnl_clear_error();                            /* no hard links here: a copy */
        return run_save_best(r, r->n_records);
    }
    Fitted *f = r->ex.model.fitted;
    int round = r->records[best].epoch;
    f->save_rounds = round;
    int rc = save_checkpoint_to(r, r->best_path, round);
    f->save_rounds = 0;
    return rc;
}

/* A run is resumed forwards only: train.epochs below what the checkpoint holds (the epochs done,
 * and the one in progress) would drop work and record a shorter run as finished. */
static int check_resume_epochs(const Run *r, int done)
{
    int want = r->ex.cfg.epochs, partial = r->progress.epoch == done + 1 && r->progress.next_batch > 0;
    if (want >= done + partial)
        return MNL_OK;
    char held[160];
    if (partial)
        snprintf(held, sizeof held, "%d epoch%s done and epoch %d in progress (batch %d)", done,
                 done == 1 ? "" : "s", done + 1, r->progress.next_batch);
    else
        snprintf(held, sizeof held, "%d epoch%s done", done, done == 1 ? "" : "s");
    return mnl_fail(MNL_ERR_CONFIG, "--resume with train.epochs = %d, but %s holds %s; a run is not "
                    "resumed backwards: resume with train.epochs = %d or more, or train again without "
                    "--resume", want, r->ckpt_path, held, done + partial);
}

/* ---- the best epoch: best.ckpt and early stopping ---- */

/* After evaluated epoch e: when it has the lowest held-out loss so far (report_best_epoch, the
 * definition summary.txt and curves.png use), its model becomes best.ckpt. */
static int save_best_if_improved(Run *r, int e)
{
    int on_valid;
    if (report_best_epoch(r->records, r->n_records, &on_valid) != r->n_records - 1)
        return MNL_OK;
    return save_checkpoint_to(r, r->best_path, e);
}

/* train.early_stop = N: N evaluated epochs have passed since the one of lowest held-out loss. */
int run_early_stop_due(const Run *r)
{
    int on_valid, best = report_best_epoch(r->records, r->n_records, &on_valid);
    return r->ex.cfg.early_stop > 0 && best >= 0 && r->n_records - 1 - best >= r->ex.cfg.early_stop;
}

void run_announce_early_stop(Run *r)
{
    int on_valid, best = report_best_epoch(r->records, r->n_records, &on_valid);
    r->stopped_early = r->records[r->n_records - 1].epoch;
    run_say(r, "early stop: no lower %s loss in %d evaluated epochs since epoch %d; stopped after epoch "
           "%d of %d (" RUNDIR_BEST " holds epoch %d)\n", on_valid ? "validation" : "test",
        r->ex.cfg.early_stop, r->records[best].epoch, r->stopped_early, r->ex.cfg.epochs,
        r->records[best].epoch);
}

static int resume_from_checkpoint(Run *r, int *epochs_done)
{
    Checkpoint ck;
    int rc = checkpoint_load(r->ckpt_path, &ck);
    if (rc)
        return rc;
    rc = experiment_check_same(&r->ex, ck.config_text, r->ckpt_path);
    if (!rc)
        rc = checkpoint_apply(&ck, &r->ex.model, &r->ex.opt);
    if (!rc)
        rc = unpack_run_state(r, &ck);
    if (!rc)
        rc = check_resume_epochs(r, ck.epoch);
    if (!rc)
        rc = read_metrics(r, ck.epoch);
    if (!rc)
        *epochs_done = ck.epoch;
    checkpoint_free(&ck);
    return rc;
}

/* The untrained model's loss written out by hand, beside model_loss (experiments/evaluate). */
static void loss_check(Run *r)
{
    int B;
    double by_hand, library;
    evaluate_loss_by_hand(&r->ex.model, &r->eval_it, r->ex.pred, &B, &by_hand, &library);
    if (B > 0)
        run_say(r, "loss check, first %d test images, untrained: cross-entropy by hand %.6f, "
               "model_loss %.6f (%s)\n", B, by_hand, library,
            fabs(by_hand - library) <= 1e-5 * (1.0 + fabs(by_hand)) ? "the same" : "THEY DIFFER");
}

/* ---- setup and teardown ---- */

/* Create (and remove) a temp file where the checkpoint will go, so that a results directory that
 * cannot be written (read-only, full) is reported before training, not after the first epoch. */
static int probe_writable(const char *path)
{
    AtomicFile a;
    int rc = atomic_open(&a, path);
    if (!rc)
        atomic_abort(&a);
    return rc;
}

static int choose_dir(Run *r, const TrainOptions *o)
{
    return rundir_choose(o->out_dir, &r->ex.cfg, r->dir, sizeof r->dir);
}

/* The variables a run reads besides the settings, checked before anything is written. */
static int read_environment(Run *r)
{
    int given;
    int rc = env_double("MNISTLAB_LIVE_INTERVAL", 0.0, 86400.0, "the seconds between live redraws of "
                        RUNDIR_CURVES,
                        &r->live_interval, &given);
    if (!given)
        r->live_interval = -1.0;
    const char *plots = getenv("MNISTLAB_PLOTS");
    char probe[MNL_PATH_LEN];
    if (!rc && plots && *plots && (snprintf(probe, sizeof probe, "%s/curves.gp", plots) >=
                                       (int)sizeof probe || access(probe, R_OK) != 0))
        rc = mnl_fail(MNL_ERR_CONFIG, "MNISTLAB_PLOTS=%s: no curves.gp there (it names the folder of "
                      "mnistlab's gnuplot scripts; unset it to use the suite's own)", plots);
    return rc;
}

/* Hold the folder for this run (a second run into it is refused, naming the holder), then clear
 * what a dead run left: its lock (taken over) and its temporary files. */
static int take_folder(Run *r)
{
    return rundir_take(&r->folder, r->dir);
}

/* What take_folder found, said once the log has begun. */
static void print_folder_notes(Run *r)
{
    const RunDir *f = &r->folder;
    char dir[ESC_NAME_LEN];          /* a name on the terminal: one line, no control byte */
    esc_to_buf(esc_text, r->dir, dir, sizeof dir);
    if (f->lock.stale_pid)
        run_say(r, "note: %s/.mnistlab.lock was left by process %ld, no longer running; taken over\n",
            dir, f->lock.stale_pid);
    if (f->temps_removed)
        run_say(r, "note: removed %d temporary file%s an interrupted run left in %s\n", f->temps_removed,
            f->temps_removed == 1 ? "" : "s", dir);
    if (f->legacy && f->had_files)
        run_say(r, "note: %s was written by an earlier mnistlab, without a manifest; its %d files are "
            "listed in %s/" RUNDIR_MANIFEST " from now on\n", dir, f->n_names, dir);
}


/* A fresh run into a folder that holds a run with other settings (its config.used) would destroy
 * it: refused, naming what differs and the two ways on, unless --overwrite asks for it. The same
 * settings again (make exp-NAME twice) reproduce the run and may replace it. */
static int check_folder_is_ours(const Run *r, const TrainOptions *o)
{
    char path[MNL_PATH_LEN];
    rundir_path(r->dir, RUNDIR_CONFIG, path, sizeof path);
    if (o->overwrite || access(path, F_OK) != 0)
        return MNL_OK;
    ExpConfig theirs;
    if (config_load(path, &theirs) != MNL_OK)
        return mnl_fail(MNL_ERR_CONFIG, "%s holds a run whose settings (%s) do not read; train into "
                        "another folder with --out DIR, or add --overwrite to replace it", r->dir, path);
    char there[512], here[512];
    if (config_diff(&r->ex.cfg, &theirs, "threads", there, sizeof there) == 0)
        return MNL_OK;
    config_diff(&theirs, &r->ex.cfg, "threads", here, sizeof here);
    return mnl_fail(MNL_ERR_CONFIG, "%s holds a run with other settings (there %s; here %s): keep it "
                    "by training into another folder (--out DIR), or add --overwrite to replace it",
                    r->dir, there, here);
}

/* The reference path is one thread by definition; the banner and summary say so. */
static void use_kernels(Experiment *ex, Kernels k)
{
    ex->model.kernels = k;
    if (k == KERNELS_REFERENCE)
        ex->threads = ex->model.threads = 1;
}

static int open_run(Run *r, const TrainOptions *o)
{
    int rc = experiment_setup(&r->ex, o->conf_path, o->sets, o->n_sets, o->threads);
    if (rc)
        return rc;
    use_kernels(&r->ex, o->kernels);
    if ((rc = choose_dir(r, o)) || (rc = read_environment(r)))
        return rc;
    if ((rc = make_dirs(r->dir)))
        return rc;
    rundir_path(r->dir, RUNDIR_CKPT, r->ckpt_path, sizeof r->ckpt_path);   /* the name fits: */
    rundir_path(r->dir, RUNDIR_METRICS, r->metrics_path, sizeof r->metrics_path);   /* choose_dir */
    rundir_path(r->dir, RUNDIR_LOG, r->log_path, sizeof r->log_path);
    rundir_path(r->dir, RUNDIR_BEST, r->best_path, sizeof r->best_path);
    experiment_schedule_spec(&r->ex.cfg, &r->schedule);
    if (augment_enabled(&r->ex.cfg.augment)) {
        const Dataset *tr = &r->ex.data.train;
        if ((rc = augmenter_init(&r->aug, &r->ex.cfg.augment, experiment_background(&r->ex),
                                 r->ex.cfg.batch, tr->h, tr->w)))
            return rc;
        r->aug_on = 1;
    }
    if ((rc = probe_writable(r->ckpt_path)) || (rc = take_folder(r)))
        return rc;
    /* finished, and asked for no more epochs than it planned: nothing to do */
    if (o->resume && rundir_is_finished(&r->folder) &&
        r->ex.cfg.epochs == rundir_planned_epochs(r->dir)) {
        r->already_finished = 1;            /* nothing is written */
        return MNL_OK;
    }
    if (o->resume && r->ex.model.fitted)       /* refused before anything is written */
        return mnl_fail(MNL_ERR_CONFIG, "--resume: a %s model is fitted in one go, not resumed; run "
                        "again without --resume", r->ex.cfg.family);
    if (!o->resume && (rc = check_folder_is_ours(r, o)))   /* a folder in use says so first */
        return rc;
    journal_begin();            /* from here every file replaced or removed can be put back */
    if ((rc = rundir_claim(&r->folder)))
        return rc;
    if (!o->resume)
        rundir_remove_pictures(&r->folder);
    if (o->resume) {            /* the log goes on from where the interrupted run left it */
        unsigned char *old;
        size_t n;
        if (file_read_all(r->log_path, (size_t)64 << 20, &old, &n) == MNL_OK) {
            log_append(r, (const char *)old, n);
            free(old);
        }
        mnl_clear_error();
    }
    r->shuffle_rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!r->shuffle_rng)
        return mnl_fail(MNL_ERR_NOMEM, "cannot allocate an RNG");
    /* Its own stream: the shuffle order does not depend on how many numbers init drew. */
    gsl_rng_set(r->shuffle_rng, r->ex.cfg.seed * 2654435761UL + 12345UL);
    if ((rc = batch_iter_init(&r->train_it, &r->ex.data.train, r->ex.cfg.batch)))
        return rc;
    r->train_it.threads = r->ex.threads;
    return batch_iter_init(&r->eval_it, &r->ex.data.test, r->ex.cfg.batch);
}

static void print_banner(Run *r, int first_epoch)
{
    const Experiment *ex = &r->ex;
    char name[ESC_NAME_LEN];
    run_say(r, "mnistlab: %s  (%s, %zu parameters, %.2f MFLOP/image forward, %d thread%s%s)\n",
        esc_to_buf(esc_text, ex->cfg.name, name, sizeof name), ex->cfg.family,
        model_param_count(&ex->model), model_mflops(&ex->model),
        ex->threads, ex->threads == 1 ? "" : "s",
        ex->model.kernels == KERNELS_REFERENCE ? ", reference kernels" : "");
    run_say(r, "data: %s  train %d  valid %d  test %d  classes %d\n", ex->cfg.dataset,
        ex->data.train.n, ex->data.valid.n, ex->data.test.n, ex->data.num_classes);
    if (ex->test_in_train > 0)    /* whatever the settings: a leak makes the test accuracy a lie */
        run_say(r, "warning: %ld of the %d test images are also in the training set (the same "
                "pixels): the test accuracy overstates what the model does on unseen images\n",
                ex->test_in_train, ex->data.test.n);
    if (ex->cfg.norm == NORM_DATASET)
        run_say(r, "normalize = dataset: mean %.4f, std %.4f (of these %d training images' "
                "pixels)\n", ex->data.mean, ex->data.std, ex->data.train.n);
    if (first_epoch > 1 || r->progress.next_batch > 0)
        run_say(r, "resuming at epoch %d, batch %d\n", first_epoch, r->progress.next_batch + 1);
    fputs("--- settings ---\n", stdout);
    fputs(ex->config_text, stdout);
    fputs("----------------\n", stdout);
}

int run_open(Run *r, const TrainOptions *o)
{
    memset(r, 0, sizeof *r);
    int rc = open_run(r, o), epochs_done = 0;
    if (rc || r->already_finished)
        return rc;
    if (o->profile)             /* --profile: time every layer (models/profile), table at the end */
        rc = model_profile_enable(&r->ex.model, 1);
    if (!rc && o->resume)
        rc = resume_from_checkpoint(r, &epochs_done);
    if (rc)
        return rc;
    r->first_epoch = epochs_done + 1;
    if (r->progress.epoch == r->first_epoch && r->progress.next_batch == 0)
        r->progress.epoch = 0;
    for (int i = 0; i < r->n_records; i++)
        r->total_seconds += r->records[i].seconds;
    if (r->n_records && r->records[0].epoch == 1)
        r->epoch1_loss = r->records[0].train_loss;
    return MNL_OK;
}

int run_begin(Run *r)
{
    int rc = MNL_OK;
    print_banner(r, r->first_epoch);
    print_folder_notes(r);
    if (r->metrics_short) {
        char shown[ESC_NAME_LEN];
        run_say(r, "note: %s lacked epoch %d's row (the run stopped between two writes); restored "
                "from the checkpoint\n", esc_to_buf(esc_text, r->metrics_path, shown, sizeof shown),
                r->records[r->n_records - 1].epoch);
        rc = run_write_metrics(r);
    }
    if (r->first_epoch == 1 && r->progress.next_batch == 0 && !r->ex.model.fitted)
        loss_check(r);             /* a fitted model has no untrained loss to check */
    if (run_early_stop_due(r))            /* resuming a run that had already stopped early */
        run_announce_early_stop(r);
    return rc;
}

int run_save_epoch(Run *r, int e, int evaluated)
{
    if (!evaluated)
        r->total_seconds += r->progress.seconds;
    r->progress.epoch = 0;            /* epoch e complete */
    r->progress.next_batch = 0;
    int rc = run_save_checkpoint(r, e);
    if (!rc)
        rc = run_write_metrics(r);
    if (!rc && evaluated)
        rc = save_best_if_improved(r, e);
    return rc;
}

void run_close(Run *r)
{
    rundir_release(&r->folder);
    free(r->ckpt_metrics);
    batch_iter_free(&r->train_it);
    batch_iter_free(&r->eval_it);
    if (r->aug_on)
        augmenter_free(&r->aug);
    if (r->shuffle_rng)
        gsl_rng_free(r->shuffle_rng);
    free(r->log);
    free(r->records);
    free(r->test_probs);
    experiment_free(&r->ex);
}


