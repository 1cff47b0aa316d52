/* experiments/runner: an experiment from settings to plots. A Run owns everything one training run
 * holds (settings, data, model, optimizer, RNGs, the per-epoch records); the functions below walk
 * it through setup, optional resume, epochs, and the files of results/NAME/. */
#include "experiments/runner.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsl/gsl_rng.h>

#include "common/augment.h"
#include "common/config.h"
#include "common/dataset.h"
#include "common/env.h"
#include "common/error.h"
#include "common/escape.h"
#include "common/fileio.h"
#include "common/metrics.h"
#include "common/progress.h"
#include "common/threads.h"
#include "experiments/predictions.h"
#include "experiments/report.h"
#include "experiments/roc.h"
#include "experiments/setup.h"
#include "models/checkpoint.h"
#include "models/model.h"
#include "models/optim.h"
#include "models/lr_schedule.h"

#define N_SAMPLES 10          /* correct and wrong test images kept for samples.png */

/* What the last evaluation of the test set saw, for samples.png and confusion.png. */
typedef struct {
    Confusion confusion;
    int correct_idx[N_SAMPLES], wrong_idx[N_SAMPLES];   /* indices into the test set */
    int correct_pred[N_SAMPLES], wrong_pred[N_SAMPLES];
    float correct_conf[N_SAMPLES], wrong_conf[N_SAMPLES];
    int n_correct, n_wrong;
    int valid;                                           /* an evaluation has happened */
} TestView;

/* Progress inside an epoch, kept so an interrupted run resumes at the next batch. */
typedef struct {
    int epoch;                /* 1-based epoch in progress (0: none) */
    int next_batch;           /* batches of it already done */
    MeanMeter meter;
    double seconds;           /* training time spent in it so far */
} EpochProgress;

typedef struct {
    Experiment ex;            /* settings, data, model, optimizer (experiments/setup) */
    char dir[1024];
    char ckpt_path[1100], metrics_path[1100], log_path[1100];
    char best_path[1100];     /* best.ckpt: the epoch of lowest held-out loss */
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
    DirLock lock;             /* the output folder, held for the whole run */
    int temps_removed;        /* temporary files of a dead run removed when taking the folder */
    char *ckpt_metrics;       /* on resume: metrics.csv as the checkpoint recorded it, or NULL */
    double epoch1_loss;       /* training loss of epoch 1 (0: not known), for blow_up() */
    int metrics_short;        /* on resume: metrics.csv lacked the last row the checkpoint holds */
    double live_interval;     /* $MNISTLAB_LIVE_INTERVAL in seconds, or -1 when not set */
    char *log;                /* every line printed; written as log.txt with each save */
    size_t log_len, log_cap;
    double total_seconds;
} Run;

/* ---- signals: the first finishes the batch and saves, the second quits at once ---- */

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    if (stop_signal) {
        /* files are only ever renamed into place: nothing half-written; the next run into the
         * folder removes our temporary files */
        const char *lock = dir_lock_path();
        if (lock[0])
            unlink(lock);
        _exit(128 + sig);
    }
    stop_signal = sig;
}

static void install_signal_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    stop_signal = 0;
}

static void restore_signal_handlers(void)
{
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
}

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

static void say(Run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(Run *r, const char *fmt, ...)
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

/* ---- run state blob inside the checkpoint: RNG states, the epoch in progress ---- */

/* Version 2 adds metrics.csv as it stood at the checkpoint (a length, then the text), so that a
 * resume can tell a damaged metrics.csv from the real one. Version 1 checkpoints still resume. */
#define RUN_STATE_VERSION 2u

typedef struct {
    uint32_t version;
    uint32_t shuffle_size, dropout_size;
    int32_t epoch, next_batch;
    int32_t n_order;
    double loss_sum, seconds;
    int64_t correct, count;
} RunStateHeader;

static char *metrics_text(const Run *r, size_t *len);

static unsigned char *pack_run_state(const Run *r, size_t *len)
{
    const Model *m = &r->ex.model;
    RunStateHeader h = {
        .version = RUN_STATE_VERSION,
        .shuffle_size = (uint32_t)gsl_rng_size(r->shuffle_rng),
        .dropout_size = (uint32_t)gsl_rng_size(m->dropout_rng),
        .epoch = r->progress.epoch,
        .next_batch = r->progress.next_batch,
        .n_order = r->progress.epoch ? r->train_it.d->n : 0,
        .loss_sum = r->progress.meter.loss_sum,
        .seconds = r->progress.seconds,
        .correct = r->progress.meter.correct,
        .count = r->progress.meter.count,
    };
    size_t text_len;
    char *text = metrics_text(r, &text_len);
    if (!text || text_len > UINT32_MAX) {
        free(text);
        return NULL;
    }
    uint32_t tl = (uint32_t)text_len;
    size_t n = sizeof h + h.shuffle_size + h.dropout_size + (size_t)h.n_order * sizeof(int) +
               sizeof tl + text_len;
    unsigned char *buf = malloc(n), *p = buf;
    if (!buf) {
        free(text);
        return NULL;
    }
    memcpy(p, &h, sizeof h), p += sizeof h;
    memcpy(p, gsl_rng_state(r->shuffle_rng), h.shuffle_size), p += h.shuffle_size;
    memcpy(p, gsl_rng_state(m->dropout_rng), h.dropout_size), p += h.dropout_size;
    if (h.n_order)
        memcpy(p, r->train_it.order, (size_t)h.n_order * sizeof(int)), p += (size_t)h.n_order * sizeof(int);
    memcpy(p, &tl, sizeof tl), p += sizeof tl;
    memcpy(p, text, text_len);
    free(text);
    *len = n;
    return buf;
}

/* The metrics text at the end of a version 2 run state into r->ckpt_metrics; end: the state's end. */
static int unpack_metrics_text(Run *r, const unsigned char *p, const unsigned char *end)
{
    uint32_t tl;
    if ((size_t)(end - p) < sizeof tl)
        return -1;
    memcpy(&tl, p, sizeof tl), p += sizeof tl;
    if ((size_t)(end - p) != tl || memchr(p, '\0', tl))
        return -1;
    if (!(r->ckpt_metrics = malloc((size_t)tl + 1)))
        return -1;
    memcpy(r->ckpt_metrics, p, tl);
    r->ckpt_metrics[tl] = '\0';
    return 0;
}

static int unpack_run_state(Run *r, const Checkpoint *ck)
{
    RunStateHeader h;
    Model *m = &r->ex.model;
    if (ck->run_state_len < sizeof h)
        return mnl_fail(MNL_ERR_CKPT, "%s: run state missing", r->ckpt_path);
    memcpy(&h, ck->run_state, sizeof h);
    size_t need = sizeof h + (size_t)h.shuffle_size + h.dropout_size +
                  (h.n_order > 0 ? (size_t)h.n_order * sizeof(int) : 0);
    int v2 = h.version == 2u;
    if ((h.version != 1u && !v2) || h.shuffle_size != gsl_rng_size(r->shuffle_rng) ||
        h.dropout_size != gsl_rng_size(m->dropout_rng) || h.n_order < 0 ||
        (h.n_order && h.n_order != r->train_it.d->n) ||
        (v2 ? need > ck->run_state_len : need != ck->run_state_len) ||
        h.next_batch < 0 || h.next_batch > batch_iter_count(&r->train_it))
        return mnl_fail(MNL_ERR_CKPT, "%s: run state does not match this experiment", r->ckpt_path);
    const unsigned char *p = ck->run_state + sizeof h;
    memcpy(gsl_rng_state(r->shuffle_rng), p, h.shuffle_size), p += h.shuffle_size;
    memcpy(gsl_rng_state(m->dropout_rng), p, h.dropout_size), p += h.dropout_size;
    if (h.n_order && batch_iter_restore_order(&r->train_it, p, h.n_order))
        return mnl_fail(MNL_ERR_CKPT, "%s: run state holds a bad batch order", r->ckpt_path);
    p += h.n_order > 0 ? (size_t)h.n_order * sizeof(int) : 0;
    if (v2 && unpack_metrics_text(r, p, ck->run_state + ck->run_state_len) != 0)
        return mnl_fail(MNL_ERR_CKPT, "%s: run state holds a bad copy of metrics.csv", r->ckpt_path);
    r->progress.epoch = h.epoch;
    r->progress.next_batch = h.next_batch;
    r->progress.meter.loss_sum = h.loss_sum;
    r->progress.meter.correct = h.correct;
    r->progress.meter.count = h.count;
    r->progress.seconds = h.seconds;
    return MNL_OK;
}

/* ---- records and metrics.csv ---- */

static int add_record(Run *r, const EpochRecord *rec)
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
    char *text = NULL;
    FILE *f = open_memstream(&text, len);
    if (!f)
        return NULL;
    metrics_csv_header(f);
    for (int i = 0; i < r->n_records; i++)
        metrics_csv_row(f, &r->records[i]);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

static int write_metrics(const Run *r)
{
    size_t len;
    char *text = metrics_text(r, &len);
    if (!text)
        return mnl_fail(MNL_ERR_NOMEM, "cannot format %s", r->metrics_path);
    int rc = atomic_write_file(r->metrics_path, text, len);
    free(text);
    return rc;
}

/* The records of a metrics text (file name for messages): every row must parse, and epochs rise
 * strictly, each at most up_to_epoch. */
static int parse_metrics(Run *r, const char *text, const char *name, int up_to_epoch)
{
    int lineno = 0, last = 0;
    for (const char *line = text; *line;) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        char row[1024];
        ++lineno;
        if (n >= sizeof row)
            return mnl_fail(MNL_ERR_CKPT, "%s:%d: not a metrics row (%zu characters)", name, lineno, n);
        memcpy(row, line, n);
        row[n] = '\0';
        line += n + (nl ? 1 : 0);
        if (lineno == 1)
            continue;
        EpochRecord rec;
        if (metrics_csv_parse(row, &rec) != 0)
            return mnl_fail(MNL_ERR_CKPT, "%s:%d: not a metrics row", name, lineno);
        if (rec.epoch <= last)
            return mnl_fail(MNL_ERR_CKPT, "%s:%d: epoch %d %s; refusing to resume from a damaged "
                            "record", name, lineno, rec.epoch,
                            rec.epoch == last ? "appears twice" : "comes after a later epoch");
        if (rec.epoch > up_to_epoch)
            return mnl_fail(MNL_ERR_CKPT, "%s:%d: epoch %d, but the checkpoint holds only %d epochs; "
                            "refusing to resume from a damaged record", name, lineno, rec.epoch,
                            up_to_epoch);
        last = rec.epoch;
        int rc = add_record(r, &rec);
        if (rc)
            return rc;
    }
    return MNL_OK;
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
    char recorded[1300];
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
    unsigned char *buf = NULL;
    size_t len;
    int rc = file_read_all(r->metrics_path, (size_t)64 << 20, &buf, &len);
    if (rc && up_to_epoch == 0 && !path_present(r->metrics_path)) {
        mnl_clear_error();
        return MNL_OK;
    }
    if (!rc && memchr(buf, '\0', len))
        rc = mnl_fail(MNL_ERR_CKPT, "%s: holds a NUL byte; refusing to resume from a damaged record",
                      r->metrics_path);
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
static int write_settings_and_log(const Run *r)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/config.used", r->dir);
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
    int rc = checkpoint_save(path, r->ex.config_text, &r->ex.model, &r->ex.opt, epochs_done, state,
                             len);
    free(state);
    return rc;
}

static int save_checkpoint(Run *r, int epochs_done)
{
    int rc = save_checkpoint_to(r, r->ckpt_path, epochs_done);
    return rc ? rc : write_settings_and_log(r);
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
static int early_stop_due(const Run *r)
{
    int on_valid, best = report_best_epoch(r->records, r->n_records, &on_valid);
    return r->ex.cfg.early_stop > 0 && best >= 0 && r->n_records - 1 - best >= r->ex.cfg.early_stop;
}

static void announce_early_stop(Run *r)
{
    int on_valid, best = report_best_epoch(r->records, r->n_records, &on_valid);
    r->stopped_early = r->records[r->n_records - 1].epoch;
    say(r, "early stop: no lower %s loss in %d evaluated epochs since epoch %d; stopped after epoch "
           "%d of %d (best.ckpt holds epoch %d)\n", on_valid ? "validation" : "test",
        r->ex.cfg.early_stop, r->records[best].epoch, r->stopped_early, r->ex.cfg.epochs,
        r->records[best].epoch);
}

/* ---- what one training step sees: the scheduled rate, the (augmented) batch ---- */

static void apply_schedule(Run *r, int e)
{
    r->ex.opt.spec.lr = (float)schedule_lr(&r->schedule, r->ex.cfg.lr, e, r->ex.cfg.epochs);
}

/* Batch `batch` of epoch e as the network is trained on it: the images themselves, or their
 * randomly shifted and rotated copies (data.augment). */
static const float *training_input(Run *r, int e, int batch, int B)
{
    if (!r->aug_on)
        return r->train_it.x;
    return augmenter_apply(&r->aug, r->train_it.x, B, r->ex.cfg.seed, e, batch, r->ex.threads);
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

/* ---- evaluation ---- */

static void view_collect(TestView *v, int index, int truth, int pred, float conf)
{
    confusion_add(&v->confusion, truth, pred);
    if (pred == truth && v->n_correct < N_SAMPLES) {
        v->correct_idx[v->n_correct] = index;
        v->correct_pred[v->n_correct] = pred;
        v->correct_conf[v->n_correct++] = conf;
    } else if (pred != truth && v->n_wrong < N_SAMPLES) {
        v->wrong_idx[v->n_wrong] = index;
        v->wrong_pred[v->n_wrong] = pred;
        v->wrong_conf[v->n_wrong++] = conf;
    }
}

/* Mean loss and accuracy of the model on d, in order; fills view when it is not NULL. MNL_OK, or
 * MNL_ERR_NOMEM when the iterator cannot be made. */
static int evaluate(Run *r, const Dataset *d, double *loss, double *acc, TestView *view)
{
    Model *m = &r->ex.model;
    int *pred = r->ex.pred;
    MeanMeter meter;
    meter_reset(&meter);
    if (view) {
        memset(view, 0, sizeof *view);
        confusion_reset(&view->confusion, d->num_classes);
        view->valid = 1;
    }
    if (r->eval_it.d != d) {            /* in order, its batches are views: nothing to gather */
        batch_iter_free(&r->eval_it);
        int rc = batch_iter_init(&r->eval_it, d, r->ex.cfg.batch);
        if (rc)
            return rc;
    }
    batch_iter_reset(&r->eval_it, NULL);
    int start = 0;
    for (int b; (b = batch_iter_next(&r->eval_it)) > 0; start += b) {
        model_forward(m, r->eval_it.x, b, 0);
        double l = model_loss(m, r->eval_it.y, b, pred);
        int correct = 0;
        for (int i = 0; i < b; i++) {
            correct += pred[i] == r->eval_it.y[i];
            if (view)
                view_collect(view, start + i, r->eval_it.y[i], pred[i],
                             m->probs[(size_t)i * d->num_classes + pred[i]]);
        }
        meter_add(&meter, l, b, correct);
    }
    *loss = meter_loss(&meter);
    *acc = meter_accuracy(&meter);
    return MNL_OK;
}

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
        model_forward(m, r->eval_it.x, b, 0);
        model_loss(m, r->eval_it.y, b, r->ex.pred);
        for (int i = 0; i < b; i++) {
            const float *pr = m->probs + (size_t)i * K;     /* probs: [B, K] */
            p.source_index[start + i] = t->orig_index[start + i];
            p.truth[start + i] = r->eval_it.y[i];
            p.pred[start + i] = r->ex.pred[i];
            p.confidence[start + i] = pr[r->ex.pred[i]];
            if (p.p_positive)
                p.p_positive[start + i] = pr[1];
        }
    }
    char path[1100], said[2048] = "";
    snprintf(path, sizeof path, "%s/" PREDICTIONS_FILE, r->dir);
    if (!rc)
        rc = predictions_write(path, &p);
    if (!rc && p.p_positive)
        rc = roc_write_run(r->dir, r->ex.cfg.name, &p, said, sizeof said);
    if (!rc && said[0])
        say(r, "%s", said);
    predictions_free(&p);
    return rc;
}

/* ---- the loss by hand, beside the library's ---- */

/* Cross-entropy written out for the first test batch of the untrained model, next to what
 * model_loss returns: the head is nothing but this formula (docs/models.md).
 *   softmax:  -mean_i log( exp(z[i][y_i]) / sum_k exp(z[i][k]) )
 *   sigmoid:  -mean_i [ y_i log s(z_i) + (1 - y_i) log(1 - s(z_i)) ],  s(z) = 1 / (1 + exp(-z))
 * in double, with the largest logit taken out before exp (the values are the same, no overflow). */
static void loss_check(Run *r)
{
    Model *m = &r->ex.model;
    batch_iter_reset(&r->eval_it, NULL);
    int B = batch_iter_next(&r->eval_it), K = m->num_outputs;
    if (B <= 0)
        return;
    const float *z = model_forward(m, r->eval_it.x, B, 0);    /* z: [B, K] logits */
    const int *y = r->eval_it.y;
    double by_hand = 0.0;
    for (int i = 0; i < B; i++) {
        const float *zi = z + (size_t)i * K;
        if (m->head == HEAD_SIGMOID) {
            double s = 1.0 / (1.0 + exp(-(double)zi[0]));
            by_hand -= y[i] ? log(s) : log(1.0 - s);
        } else {
            double top = zi[0], sum = 0.0;
            for (int k = 1; k < K; k++)
                top = zi[k] > top ? zi[k] : top;
            for (int k = 0; k < K; k++)
                sum += exp(zi[k] - top);
            by_hand -= (zi[y[i]] - top) - log(sum);
        }
    }
    by_hand /= B;
    double library = model_loss(m, y, B, r->ex.pred);
    say(r, "loss check, first %d test images, untrained: cross-entropy by hand %.6f, model_loss "
           "%.6f (%s)\n", B, by_hand, library,
        fabs(by_hand - library) <= 1e-5 * (1.0 + fabs(by_hand)) ? "the same" : "THEY DIFFER");
}

/* ---- one epoch of training ---- */

static int weights_finite(const Model *m)
{
    for (size_t i = 0; i < m->n_param_values; i++)
        if (!isfinite(m->param_block[i]))
            return 0;
    return 1;
}

/* A finite blow-up is a divergence too (docs/guide.md, "When training diverges"): a mean loss
 * above BLOW_UP_CHANCE times the chance level ln K (what predicting 1/K for every class costs,
 * where a fresh network starts), or a training loss that rose above chance and to more than
 * BLOW_UP_RISE times its epoch-1 value. Honest runs stay far below both: an overfitting network's
 * held-out loss rises by tens of percent, not tenfold. */
#define BLOW_UP_CHANCE 10.0
#define BLOW_UP_RISE   10.0

static int blow_up(Run *r, int e, const char *which, double loss)
{
    int k = r->ex.data.num_classes > 1 ? r->ex.data.num_classes : 2;
    double chance = log((double)k);
    if (loss > BLOW_UP_CHANCE * chance)
        return mnl_fail(MNL_ERR_DIVERGED, "diverged at epoch %d: %s loss %.4g is more than %g times "
                        "the chance level %.4g (ln %d) (lr %g)", e, which, loss, BLOW_UP_CHANCE,
                        chance, k, r->ex.opt.spec.lr);
    if (e > 1 && r->epoch1_loss > 0 && loss > chance && loss > BLOW_UP_RISE * r->epoch1_loss &&
        strcmp(which, "training") == 0)
        return mnl_fail(MNL_ERR_DIVERGED, "diverged at epoch %d: training loss %.4g rose to more "
                        "than %g times epoch 1's %.4g (lr %g)", e, loss, BLOW_UP_RISE, r->epoch1_loss,
                        r->ex.opt.spec.lr);
    return MNL_OK;
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
        if (!isfinite(loss)) {
            progress_clear(&bar);
            return mnl_fail(MNL_ERR_DIVERGED, "diverged at epoch %d, batch %d: loss is %s (lr %g)", e,
                            pg->next_batch + 1, isnan(loss) ? "nan" : "inf", r->ex.opt.spec.lr);
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
    if (!weights_finite(m))
        return mnl_fail(MNL_ERR_DIVERGED, "diverged at epoch %d, batch %d: a weight is not finite "
                        "(lr %g)", e, pg->next_batch, r->ex.opt.spec.lr);
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
    rec.lr = r->ex.opt.spec.lr;
    DataSplits *d = &r->ex.data;
    double t0 = now_seconds();
    int rc = d->valid.n > 0 ? evaluate(r, &d->valid, &rec.valid_loss, &rec.valid_acc, NULL) : MNL_OK;
    if (rc || (rc = evaluate(r, &d->test, &rec.test_loss, &rec.test_acc, &r->view)))
        return rc;
    double eval_s = now_seconds() - t0;
    r->total_seconds += rec.seconds;
    if (!isfinite(rec.test_loss))
        return mnl_fail(MNL_ERR_DIVERGED, "diverged at epoch %d: test loss is %s (lr %g)", e,
                        isnan(rec.test_loss) ? "nan" : "inf", r->ex.cfg.lr);
    if ((rc = blow_up(r, e, "test", rec.test_loss)) ||
        (d->valid.n > 0 && (rc = blow_up(r, e, "validation", rec.valid_loss))))
        return rc;
    char valid[96] = "";
    if (d->valid.n > 0)
        snprintf(valid, sizeof valid, "  valid loss %.4f acc %6.2f%%", rec.valid_loss,
                 100 * rec.valid_acc);
    say(r, "epoch %3d/%d  train loss %.4f acc %6.2f%%%s  test loss %.4f acc %6.2f%%  %.2fs "
           "(%.0f img/s, eval %.2fs)\n", e, r->ex.cfg.epochs, rec.train_loss, 100 * rec.train_acc,
        valid, rec.test_loss, 100 * rec.test_acc, rec.seconds, rec.images_per_s, eval_s);
    return add_record(r, &rec);
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

/* The longest output folder name: every file of the run (DIR/features-conv1.png.tmp.PID.log and
 * the like) must fit the path buffers, and a name cut short would be another folder. Checked
 * before anything is created. */
#define RUN_DIR_MAX 960

static int choose_dir(Run *r, const TrainOptions *o)
{
    const char *out = o->out_dir;
    if (out && strlen(out) > RUN_DIR_MAX)
        return mnl_fail(MNL_ERR_CONFIG, "--out %.40s...: the folder name is %zu characters, more "
                        "than the %d allowed; nothing was created", out, strlen(out), RUN_DIR_MAX);
    if (out && !*out)
        return mnl_fail(MNL_ERR_CONFIG, "--out: the folder name is empty");
    if (out)
        snprintf(r->dir, sizeof r->dir, "%s", out);
    else
        snprintf(r->dir, sizeof r->dir, "results/%s", r->ex.cfg.name);
    return MNL_OK;
}

/* The variables a run reads besides the settings, checked before anything is written. */
static int read_environment(Run *r)
{
    int given;
    int rc = env_double("MNISTLAB_LIVE_INTERVAL", 0.0, 86400.0, "the seconds between live redraws of curves.png",
                        &r->live_interval, &given);
    if (!given)
        r->live_interval = -1.0;
    const char *plots = getenv("MNISTLAB_PLOTS");
    char probe[1200];
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
    int rc = dir_lock(&r->lock, r->dir);
    if (!rc)
        rc = dir_remove_dead_temps(r->dir, &r->temps_removed);
    return rc;
}

/* What take_folder found, said once the log has begun. */
static void print_folder_notes(Run *r)
{
    if (r->lock.stale_pid)
        say(r, "note: %s/.mnistlab.lock was left by process %ld, no longer running; taken over\n",
            r->dir, r->lock.stale_pid);
    if (r->temps_removed)
        say(r, "note: removed %d temporary file%s an interrupted run left in %s\n", r->temps_removed,
            r->temps_removed == 1 ? "" : "s", r->dir);
}

/* Pictures drawn from a model by predict and features (predict.png, features-*.png, weights.png
 * and their data files): they belong to the model they were drawn from, and never stay beside
 * another one. */
static void remove_model_pictures(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d));) {
        const char *n = e->d_name;
        if (strncmp(n, "predict.", 8) && strncmp(n, "features-", 9) && strncmp(n, "weights.", 8))
            continue;
        char path[1400];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, n);
        if (lstat(path, &st) == 0 && S_ISREG(st.st_mode))
            file_remove_journaled(path);
    }
    closedir(d);
}

/* A fresh run into a folder that holds a run with other settings (its config.used) would destroy
 * it: refused, naming what differs and the two ways on, unless --overwrite asks for it. The same
 * settings again (make exp-NAME twice) reproduce the run and may replace it. */
static int check_folder_is_ours(const Run *r, const TrainOptions *o)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/config.used", r->dir);
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
    snprintf(r->ckpt_path, sizeof r->ckpt_path, "%s/model.ckpt", r->dir);
    snprintf(r->metrics_path, sizeof r->metrics_path, "%s/metrics.csv", r->dir);
    snprintf(r->log_path, sizeof r->log_path, "%s/log.txt", r->dir);
    snprintf(r->best_path, sizeof r->best_path, "%s/best.ckpt", r->dir);
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
    if (!o->resume && (rc = check_folder_is_ours(r, o)))   /* a folder in use says so first */
        return rc;
    journal_begin();            /* from here every file replaced or removed can be put back */
    if (!o->resume)
        remove_model_pictures(r->dir);
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
    return batch_iter_init(&r->eval_it, &r->ex.data.test, r->ex.cfg.batch);
}

static void close_run(Run *r)
{
    dir_unlock(&r->lock);
    free(r->ckpt_metrics);
    batch_iter_free(&r->train_it);
    batch_iter_free(&r->eval_it);
    if (r->aug_on)
        augmenter_free(&r->aug);
    if (r->shuffle_rng)
        gsl_rng_free(r->shuffle_rng);
    free(r->log);
    free(r->records);
    experiment_free(&r->ex);
}

/* What report_write_run draws from: the records so far and the last test evaluation. */
static RunFiles run_files(const Run *r)
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
    };
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

/* Live curves: curves.png redrawn after an evaluated epoch, so a learner who keeps it open in an
 * image viewer watches it grow. At most every LIVE_MIN_INTERVAL seconds, and never more often than
 * LIVE_COST_FACTOR times what the last drawing took, so gnuplot costs at most 1/LIVE_COST_FACTOR
 * of the wall time however fast the epochs are. The final drawing is write_outputs' own. */
#define LIVE_MIN_INTERVAL 2.0
#define LIVE_COST_FACTOR 80.0

typedef struct {
    double last_draw;         /* now_seconds() when the last drawing finished (0: at the start) */
    double last_cost;         /* seconds it took */
    double total_cost;        /* seconds of every drawing */
    int drawn;
} LiveCurves;

/* $MNISTLAB_LIVE_INTERVAL=S replaces both limits by S seconds (0: after every evaluated epoch, as
 * the tests use it). */
static void live_redraw(Run *r, LiveCurves *lc)
{
    double t = now_seconds(), since = t - lc->last_draw;
    if (r->live_interval >= 0) {
        if (since < r->live_interval)
            return;
    } else if (since < LIVE_MIN_INTERVAL || since < LIVE_COST_FACTOR * lc->last_cost) {
        return;
    }
    RunFiles f = run_files(r);
    if (report_write_curves(&f) == MNL_OK)
        lc->drawn++;
    else
        mnl_clear_error();     /* a picture that could not be drawn now is drawn at the end */
    lc->last_draw = now_seconds();
    lc->last_cost = lc->last_draw - t;
    lc->total_cost += lc->last_cost;
}

/* The plots and summary of whatever was completed. */
static int write_outputs(Run *r)
{
    if (r->n_records == 0)
        return MNL_OK;
    RunFiles f = run_files(r);
    remove_model_pictures(r->dir);
    int rc = report_write_run(&f);
    if (!rc && weights_finite(&r->ex.model))
        rc = write_predictions(r);
    if (!rc)
        say(r, "wrote %s/{metrics.csv, curves.png, samples.png, confusion.png, summary.txt, "
               "predictions.csv, model.ckpt, best.ckpt, log.txt}\n", r->dir);
    return rc ? rc : write_settings_and_log(r);
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
    say(r, "STUCK: %s\n", text);
}

/* The REPORT.md of the results folder this run belongs to (report_root_of), as `mnistlab compare`
 * writes it: a finished, resumed or stopped run is in it at once. The run's own files are saved by now, so a
 * report that cannot be written is said, not a failure of the run. */
static void refresh_report(Run *r)
{
    char root[1024];
    if (!report_root_of(r->dir, root, sizeof root)) {
        say(r, "compare it with other runs: bin/mnistlab compare %s\n", root);
        return;
    }
    int n = 0;
    if (report_compare(root, &n) == MNL_OK)
        say(r, "refreshed %s/REPORT.md (%d run%s)\n", root, n, n == 1 ? "" : "s");
    else
        say(r, "could not refresh %s/REPORT.md: %s\n", root, mnl_last_error());
    mnl_clear_error();
}

static void print_resume_hint(Run *r, const TrainOptions *o)
{
    /* a command to paste into a shell: every name and value one quoted word */
    char *cmd = NULL;
    size_t len = 0;
    FILE *c = open_memstream(&cmd, &len);
    if (!c)
        return;
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
    fclose(c);
    if (r->progress.next_batch > 0)
        say(r, "stopped in epoch %d after batch %d (saved); to continue:\n  %s --resume\n",
            r->progress.epoch, r->progress.next_batch, cmd);
    else
        say(r, "stopped after epoch %d (saved); to continue:\n  %s --resume\n",
            r->progress.epoch - 1, cmd);
    free(cmd);
}

static void print_banner(Run *r, int first_epoch)
{
    const Experiment *ex = &r->ex;
    say(r, "mnistlab: %s  (%s, %zu parameters, %.2f MFLOP/image forward, %d thread%s%s)\n",
        ex->cfg.name, ex->cfg.family, model_param_count(&ex->model), model_mflops(&ex->model),
        ex->threads, ex->threads == 1 ? "" : "s",
        ex->model.kernels == KERNELS_REFERENCE ? ", reference kernels" : "");
    say(r, "data: %s  train %d  valid %d  test %d  classes %d\n", ex->cfg.dataset,
        ex->data.train.n, ex->data.valid.n, ex->data.test.n, ex->data.num_classes);
    if (ex->cfg.norm == NORM_DATASET)
        say(r, "normalize = dataset: mean %.4f, std %.4f (of these %d training images' pixels)\n",
            ex->data.mean, ex->data.std, ex->data.train.n);
    if (first_epoch > 1 || r->progress.next_batch > 0)
        say(r, "resuming at epoch %d, batch %d\n", first_epoch, r->progress.next_batch + 1);
    fputs("--- settings ---\n", stdout);
    fputs(ex->config_text, stdout);
    fputs("----------------\n", stdout);
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

int runner_train(const TrainOptions *o, int *signal_out)
{
    Run r;
    memset(&r, 0, sizeof r);
    *signal_out = 0;
    int rc = open_run(&r, o), epochs_done = 0;
    if (!rc && o->profile)      /* --profile: time every layer (models/model.h), table at the end */
        rc = model_profile_enable(&r.ex.model, 1);
    if (!rc && o->resume)
        rc = resume_from_checkpoint(&r, &epochs_done);
    if (rc) {
        settle_files(&r, rc);
        close_run(&r);
        return rc;
    }
    int first = epochs_done + 1;
    if (r.progress.epoch == first && r.progress.next_batch == 0)
        r.progress.epoch = 0;
    for (int i = 0; i < r.n_records; i++)
        r.total_seconds += r.records[i].seconds;
    if (r.n_records && r.records[0].epoch == 1)
        r.epoch1_loss = r.records[0].train_loss;
    print_banner(&r, first);
    print_folder_notes(&r);
    if (r.metrics_short) {
        say(&r, "note: %s lacked epoch %d's row (the run stopped between two writes); restored from "
            "the checkpoint\n", r.metrics_path, r.records[r.n_records - 1].epoch);
        rc = write_metrics(&r);
    }
    if (first == 1 && r.progress.next_batch == 0)
        loss_check(&r);
    LiveCurves live = {.last_draw = now_seconds()};
    if (early_stop_due(&r))            /* resuming a run that had already stopped early */
        announce_early_stop(&r);
    install_signal_handlers();
    for (int e = first; !rc && !r.stopped_early && e <= r.ex.cfg.epochs; e++) {
        rc = train_epoch(&r, e);
        if (rc)
            break;
        int evaluate_now = e % r.ex.cfg.eval_every == 0 || e == r.ex.cfg.epochs;
        if (evaluate_now && (rc = finish_epoch(&r, e)))
            break;
        if (!evaluate_now)
            r.total_seconds += r.progress.seconds;
        r.progress.epoch = 0;         /* epoch e complete */
        r.progress.next_batch = 0;
        if ((rc = save_checkpoint(&r, e)) || (rc = write_metrics(&r)))
            break;
        if (evaluate_now && (rc = save_best_if_improved(&r, e)))
            break;
        if (evaluate_now && early_stop_due(&r)) {
            announce_early_stop(&r);
            break;
        }
        if (evaluate_now && !o->no_live && e < r.ex.cfg.epochs)
            live_redraw(&r, &live);
        if (stop_signal && e < r.ex.cfg.epochs) {
            rc = MNL_ERR_INTERRUPTED;
            r.progress.epoch = e + 1;
            r.progress.next_batch = 0;
            meter_reset(&r.progress.meter);
            r.progress.seconds = 0;
            break;
        }
    }
    restore_signal_handlers();
    if (live.drawn)
        say(&r, "curves.png was redrawn %d time%s while training (%.2fs in all)\n", live.drawn,
            live.drawn == 1 ? "" : "s", live.total_cost);
    if (rc == MNL_ERR_INTERRUPTED) {
        *signal_out = stop_signal;
        int src = save_checkpoint(&r, r.progress.epoch - 1);
        if (!src)
            src = write_metrics(&r);
        if (!src)
            src = write_outputs(&r);
        if (src)
            rc = src;
        else {
            refresh_report(&r);
            print_resume_hint(&r, o);
            mnl_fail(MNL_ERR_INTERRUPTED, "interrupted by signal %d; checkpoint saved", stop_signal);
        }
    } else if (rc == MNL_ERR_DIVERGED) {
        static char why[MNL_DETAIL_MAX];   /* write_outputs may record details of its own */
        snprintf(why, sizeof why, "%s", mnl_last_error());
        int wrc = write_outputs(&r);       /* the last good epochs; their checkpoint is untouched */
        if (wrc)
            rc = wrc;
        else if (r.n_records)
            mnl_fail(MNL_ERR_DIVERGED, "%s; kept the checkpoint, metrics and plots of epoch %d", why,
                     r.records[r.n_records - 1].epoch);
        else
            mnl_fail(MNL_ERR_DIVERGED, "%s; no epoch had completed, nothing was saved", why);
    } else if (!rc) {
        say_if_stuck(&r);
        rc = write_outputs(&r);
        if (!rc)
            refresh_report(&r);
    }
    settle_files(&r, rc);
    if (o->profile)
        model_profile_print(&r.ex.model, stdout);
    close_run(&r);
    return rc;
}

/* ---- bench: a fixed number of steps, timed from inside ---- */

static long peak_rss_kb(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : 0;
}

int runner_bench(const BenchOptions *o)
{
    Run r;
    memset(&r, 0, sizeof r);
    int rc = experiment_setup(&r.ex, o->conf_path, o->sets, o->n_sets, o->threads);
    if (!rc)
        use_kernels(&r.ex, o->kernels);
    if (!rc) {
        r.shuffle_rng = gsl_rng_alloc(gsl_rng_mt19937);
        rc = r.shuffle_rng ? batch_iter_init(&r.train_it, &r.ex.data.train, r.ex.cfg.batch)
                           : mnl_fail(MNL_ERR_NOMEM, "cannot allocate an RNG");
    }
    if (rc) {
        close_run(&r);
        return rc;
    }
    Model *m = &r.ex.model;
    long images = 0;
    double t0 = 0;
    batch_iter_reset(&r.train_it, r.shuffle_rng);
    for (int step = 0; step < o->warmup + o->batches; step++) {
        if (step == o->warmup)
            t0 = now_seconds(), images = 0;
        int b = batch_iter_next(&r.train_it);
        if (b < r.ex.cfg.batch) {        /* wrap around; keep every timed batch full-size */
            batch_iter_reset(&r.train_it, r.shuffle_rng);
            b = batch_iter_next(&r.train_it);
        }
        model_forward(m, r.train_it.x, b, 1);
        model_loss(m, r.train_it.y, b, r.ex.pred);
        model_zero_grad(m);
        model_backward(m, r.train_it.x, b);
        optim_step(&r.ex.opt, m);
        images += b;
    }
    double train_s = now_seconds() - t0;
    /* Evaluation as the PyTorch twin times it: one untimed pass, then whole passes over the test
     * set until at least a second has gone (one pass of softmax takes 3 ms). */
    double loss, acc, eval_s = 0.0;
    long eval_passes = 0;
    if (!o->no_eval)
        rc = evaluate(&r, &r.ex.data.test, &loss, &acc, NULL);
    for (double t1 = now_seconds(); !rc && !o->no_eval && (eval_passes == 0 || eval_s < 1.0);
         eval_s = now_seconds() - t1) {
        rc = evaluate(&r, &r.ex.data.test, &loss, &acc, NULL);
        eval_passes++;
    }
    if (rc) {
        close_run(&r);
        return rc;
    }
    printf("experiment=%s\nkernels=%s\nthreads=%d\nbatch=%d\ntrain_batches=%d\n", r.ex.cfg.name,
           kernels_name(m->kernels), r.ex.threads, r.ex.cfg.batch, o->batches);
    printf("train_images_per_s=%.1f\n", images / train_s);
    if (o->no_eval)
        printf("eval_images_per_s=NA\n");
    else
        printf("eval_images_per_s=%.1f\n", (double)eval_passes * r.ex.data.test.n / eval_s);
    printf("train_images=%d\n", r.ex.data.train.n);
    printf("train_mflop_per_image=%.4f\npeak_rss_mb=%.1f\n", 3.0 * model_mflops(m),
           peak_rss_kb() / 1024.0);
    close_run(&r);
    return MNL_OK;
}
