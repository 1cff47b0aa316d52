/* experiments/sweep: plan the runs (every value, or pair of values, times every seed), check every
 * run's settings before training any, train them one after the other through the runner, read
 * back their metrics.csv, and write the sweep's table and plots. */
#include "experiments/sweep.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/escape.h"
#include "common/fileio.h"
#include "common/metrics.h"
#include "experiments/html.h"
#include "experiments/report.h"
#include "experiments/rundir.h"
#include "experiments/setup.h"
#include "plots/plot.h"

#define SWEEP_MAX_RUNS (SWEEP_MAX_VALUES * SWEEP_MAX_VALUES * SWEEP_MAX_SEEDS)

/* ---- arguments ---- */

int sweep_parse_vary(const char *arg, SweepAxis *axis)
{
    memset(axis, 0, sizeof *axis);
    const char *eq = strchr(arg, '=');
    const char *dot = strchr(arg, '.');
    if (!eq || !dot || dot > eq || dot == arg || eq == dot + 1 || (size_t)(eq - arg) >= sizeof axis->key)
        return mnl_fail(MNL_ERR_ARG, "--vary \"%s\": expected section.key=v1,v2,... (e.g. "
                        "train.lr=0.001,0.01)", arg);
    snprintf(axis->key, sizeof axis->key, "%.*s", (int)(eq - arg), arg);
    for (const char *s = eq + 1;;) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        while (len && *s == ' ')
            s++, len--;
        while (len && s[len - 1] == ' ')
            len--;
        if (len == 0 || len >= sizeof axis->values[0])
            return mnl_fail(MNL_ERR_ARG, "--vary %s: value %d is %s", axis->key, axis->n_values + 1,
                            len ? "too long" : "empty");
        if (axis->n_values == SWEEP_MAX_VALUES)
            return mnl_fail(MNL_ERR_ARG, "--vary %s: more than %d values", axis->key,
                            SWEEP_MAX_VALUES);
        snprintf(axis->values[axis->n_values++], sizeof axis->values[0], "%.*s", (int)len, s);
        if (!comma)
            break;
        s = comma + 1;
    }
    for (int i = 0; i < axis->n_values; i++)
        for (int j = 0; j < i; j++)
            if (!strcmp(axis->values[i], axis->values[j]))
                return mnl_fail(MNL_ERR_ARG, "--vary %s: value \"%s\" is given twice", axis->key,
                                axis->values[i]);
    return MNL_OK;
}

int sweep_parse_seeds(const char *arg, unsigned long *seeds, int *n)
{
    *n = 0;
    for (const char *s = arg; *s;) {
        if (*s == ' ' || *s == ',') {
            s++;
            continue;
        }
        char *end;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (end == s || errno || (*end && *end != ' ' && *end != ',') || *s == '-')
            return mnl_fail(MNL_ERR_ARG, "--seeds \"%s\": seeds are whole numbers, e.g. \"1 2 3\"",
                            arg);
        if (*n == SWEEP_MAX_SEEDS)
            return mnl_fail(MNL_ERR_ARG, "--seeds: more than %d seeds", SWEEP_MAX_SEEDS);
        for (int j = 0; j < *n; j++)      /* one run counted twice would shrink the spread */
            if (seeds[j] == v)
                return mnl_fail(MNL_ERR_ARG, "--seeds \"%s\": seed %lu is given twice", arg, v);
        seeds[(*n)++] = v;
        s = end;
    }
    return *n ? MNL_OK : mnl_fail(MNL_ERR_ARG, "--seeds \"%s\": no seed given", arg);
}

/* ---- the plan ---- */

typedef struct {
    int v[SWEEP_MAX_VARY];          /* value index on each axis */
    int cell;                       /* v[0] + n_values[0] * v[1] */
    unsigned long seed;
    char dir[MNL_PATH_LEN];
    char set_value[SWEEP_MAX_VARY][200], set_seed[64];
    char status[600];               /* "finished", "kept (finished earlier)", "diverged at ..." */
    char stuck[320];                /* summary.txt's degenerate verdict, "" for a run that learned */
    int ok;                         /* finished: counts in the means */
    EpochRecord *rec;
    int n_rec, best, on_valid;
    long params;
    double seconds;
} SweepRun;

typedef struct {
    int n_ok, n_fail;
    double final_acc[2], best_acc[2], final_loss[2], low_loss[2];   /* mean, std */
    double train_acc[2], train_loss[2];                               /* final, on the training set */
    double params, seconds;
} SweepCell;

typedef struct {
    const SweepOptions *o;
    char out[MNL_PATH_LEN];
    char name[64];                  /* the experiment */
    int num_classes;
    SweepRun *runs;
    int n_runs, n_cells;
    SweepCell cells[SWEEP_MAX_VALUES * SWEEP_MAX_VALUES];
} Sweep;

/* "train.lr" -> "lr": folder names and labels use the key without its section. */
static const char *short_key(const char *key)
{
    const char *dot = strchr(key, '.');
    return dot ? dot + 1 : key;
}

/* A value as part of a folder name: spaces and slashes become '_'. */
static void folder_safe(const char *s, char *out, size_t n)
{
    size_t k = 0;
    for (; *s && k + 1 < n; s++)
        out[k++] = (*s == ' ' || *s == '/' || *s == '\t') ? '_' : *s;
    out[k] = '\0';
}

static void cell_name(const Sweep *w, const int *v, char *out, size_t n, int for_folder)
{
    size_t k = 0;
    out[0] = '\0';
    for (int a = 0; a < w->o->n_axes && k < n; a++) {
        char val[200];
        if (for_folder)
            folder_safe(w->o->axes[a].values[v[a]], val, sizeof val);
        else
            snprintf(val, sizeof val, "%s", w->o->axes[a].values[v[a]]);
        k += (size_t)snprintf(out + k, n - k, "%s%s=%s", a ? "," : "", short_key(w->o->axes[a].key),
                              val);
    }
}

/* The settings of one run: the fixed --set options, then the swept values, then the seed. */
static int run_sets(const Sweep *w, SweepRun *r, const char **sets)
{
    int n = 0;
    for (int i = 0; i < w->o->n_sets; i++)
        sets[n++] = w->o->sets[i];
    for (int a = 0; a < w->o->n_axes; a++) {
        snprintf(r->set_value[a], sizeof r->set_value[a], "%s=%s", w->o->axes[a].key,
                 w->o->axes[a].values[r->v[a]]);
        sets[n++] = r->set_value[a];
    }
    snprintf(r->set_seed, sizeof r->set_seed, "train.seed=%lu", r->seed);
    sets[n++] = r->set_seed;
    return n;
}

/* Every run's settings are checked before any is trained, so a typo in the last value does not
 * surface after an hour. */
static int plan_runs(Sweep *w)
{
    const SweepOptions *o = w->o;
    Experiment ex;
    int rc = experiment_configure(&ex, o->conf_path, o->sets, o->n_sets);
    if (rc) {
        experiment_free(&ex);
        return rc;
    }
    snprintf(w->name, sizeof w->name, "%s", ex.cfg.name);
    unsigned long own_seed = ex.cfg.seed;
    rc = o->out_dir ? MNL_OK : rundir_name_fits(&ex.cfg);     /* it names results/sweep-NAME-KEY */
    experiment_free(&ex);
    if (rc)
        return rc;
    if (o->out_dir)
        snprintf(w->out, sizeof w->out, "%s", o->out_dir);
    else if (o->n_axes == 1)
        snprintf(w->out, sizeof w->out, "results/sweep-%s-%s", w->name, short_key(o->axes[0].key));
    else
        snprintf(w->out, sizeof w->out, "results/sweep-%s-%s-%s", w->name,
                 short_key(o->axes[0].key), short_key(o->axes[1].key));
    int n0 = o->axes[0].n_values, n1 = o->n_axes > 1 ? o->axes[1].n_values : 1;
    int ns = o->n_seeds ? o->n_seeds : 1;
    w->n_cells = n0 * n1;
    w->runs = calloc((size_t)(w->n_cells * ns), sizeof *w->runs);
    if (!w->runs)
        return mnl_fail(MNL_ERR_NOMEM, "cannot plan %d runs", w->n_cells * ns);
    for (int j = 0; j < n1; j++)
        for (int i = 0; i < n0; i++)
            for (int s = 0; s < ns; s++) {
                SweepRun *r = &w->runs[w->n_runs++];
                r->v[0] = i, r->v[1] = j, r->cell = i + n0 * j;
                r->seed = o->n_seeds ? o->seeds[s] : own_seed;
                char folder[600];
                cell_name(w, r->v, folder, sizeof folder, 1);
                if (snprintf(r->dir, sizeof r->dir, "%s/%s/seed%lu", w->out, folder, r->seed) >=
                    (int)sizeof r->dir)
                    return path_leaves_room("sweep run folder", w->out, PATH_MAX);
                if ((rc = path_leaves_room("sweep run folder", r->dir, RUNDIR_FILE_ROOM)))
                    return rc;
                const char *sets[RUNNER_MAX_SETS + SWEEP_MAX_VARY + 1];
                int n = run_sets(w, r, sets);
                rc = experiment_configure(&ex, o->conf_path, sets, n);
                if (!rc && s == 0 && i == 0 && j == 0)
                    w->num_classes = ex.cfg.n_classes ? ex.cfg.n_classes : 10;
                experiment_free(&ex);
                if (rc) {
                    char why[600];
                    snprintf(why, sizeof why, "%s", mnl_last_error());
                    return mnl_fail(MNL_ERR_CONFIG, "sweep run %s: %s", folder, why);
                }
            }
    return MNL_OK;
}

/* ---- running ---- */

/* A folder that already holds this run, finished, with exactly these settings: kept. */
static int already_finished(const Sweep *w, SweepRun *r, const char **sets, int n_sets)
{
    char path[MNL_PATH_LEN];
    rundir_path(r->dir, RUNDIR_CONFIG, path, sizeof path);
    unsigned char *used = NULL;
    size_t n;
    int same = 0;
    /* Compared as settings, not as text: the earlier config.used read by today's parser, so a
     * setting added to the suite since (which the old text lacks) takes its default in both. */
    Experiment ex, old;
    memset(&old, 0, sizeof old);
    if (file_read_all(path, 1 << 20, &used, &n) == MNL_OK &&
        experiment_configure(&ex, w->o->conf_path, sets, n_sets) == MNL_OK &&
        experiment_configure_text(&old, (const char *)used, path) == MNL_OK)
        same = strcmp(strchr(old.config_text, '\n') ? strchr(old.config_text, '\n') : "",
                      strchr(ex.config_text, '\n') ? strchr(ex.config_text, '\n') : "") == 0;
    experiment_free(&ex);
    experiment_free(&old);
    free(used);
    mnl_clear_error();
    /* finished: its completion mark verifies (experiments/rundir), nothing less */
    RunDirStatus st;
    int upgraded, done = same && rundir_status(r->dir, &st, &upgraded) == RUNDIR_DONE;
    if (done && upgraded)
        esc_say(stdout, "note: ", r->dir, " was written by an earlier mnistlab; its files are whole, "
                "so it now has a manifest and a completion mark (once)\n");
    return done;
}

static int train_one(Sweep *w, SweepRun *r, int k, int *signal_out)
{
    const char *sets[RUNNER_MAX_SETS + SWEEP_MAX_VARY + 1];
    int n = run_sets(w, r, sets);
    char name[600];
    cell_name(w, r->v, name, sizeof name, 0);
    if (already_finished(w, r, sets, n)) {
        printf("=== sweep run %d/%d: ", k + 1, w->n_runs);
        esc_say(stdout, "", name, "");
        printf(" seed %lu: finished earlier, kept (", r->seed);
        esc_say(stdout, "", r->dir, ") ===\n");
        snprintf(r->status, sizeof r->status, "finished (kept from an earlier sweep)");
        r->ok = 1;
        return MNL_OK;
    }
    printf("=== sweep run %d/%d: ", k + 1, w->n_runs);
    esc_say(stdout, "", name, "");
    printf(" seed %lu -> ", r->seed);
    esc_say(stdout, "", r->dir, " ===\n");
    fflush(stdout);
    TrainOptions t;
    memset(&t, 0, sizeof t);
    t.conf_path = w->o->conf_path;
    t.out_dir = r->dir;
    t.threads = w->o->threads;
    if (n > RUNNER_MAX_SETS)
        return mnl_fail(MNL_ERR_ARG, "sweep: too many --set options");
    for (int i = 0; i < n; i++)
        t.sets[i] = sets[i];
    t.n_sets = n;
    mnl_clear_error();
    int rc = runner_train(&t, signal_out);
    if (rc == MNL_ERR_INTERRUPTED)
        return rc;
    r->ok = rc == MNL_OK;
    if (rc == MNL_OK)
        snprintf(r->status, sizeof r->status, "finished");
    else
        snprintf(r->status, sizeof r->status, "%s: %s", rc == MNL_ERR_DIVERGED ? "diverged" : "failed",
                 mnl_last_error()[0] ? mnl_last_error() : mnl_strerror(rc));
    if (rc) {
        esc_say(stderr, "mnistlab: sweep run ", name, "");
        fprintf(stderr, " seed %lu ", r->seed);
        esc_say(stderr, "", r->status, "; the sweep goes on\n");
    }
    return MNL_OK;
}

/* ---- reading the runs back ---- */

static void read_run(SweepRun *r)
{
    int rc = rundir_read_metrics(r->dir, &r->rec, &r->n_rec);   /* experiments/rundir */
    char why[700] = "";
    if (rc)
        snprintf(why, sizeof why, "%.600s", mnl_last_error());
    mnl_clear_error();
    r->best = report_best_epoch(r->rec, r->n_rec, &r->on_valid);
    RunDirStatus st;
    int upgraded;
    if (r->ok && rundir_status(r->dir, &st, &upgraded) != RUNDIR_DONE) {
        r->ok = 0;
        snprintf(r->status, sizeof r->status, "%.300s", st.text);
    } else if (r->ok && r->n_rec == 0) {
        r->ok = 0;
        snprintf(r->status, sizeof r->status, "failed: %.300s",
                 why[0] ? why : RUNDIR_METRICS " has no rows");
    }
    char *summary = NULL, v[64];
    r->params = 0;
    r->seconds = NAN;
    if (rundir_read_summary(r->dir, &summary) == MNL_OK) {
        if (rundir_summary_value(summary, "parameters", v, sizeof v) == 0)
            r->params = atol(v);
        if (rundir_summary_value(summary, "total_seconds", v, sizeof v) == 0)
            r->seconds = atof(v);
        char stuck[sizeof r->stuck];      /* "no", or why the run is stuck */
        r->stuck[0] = '\0';
        if (rundir_summary_value(summary, "degenerate", stuck, sizeof stuck) == 0 &&
            strcmp(stuck, "no") != 0)
            snprintf(r->stuck, sizeof r->stuck, "%s", stuck);
        free(summary);
    }
    mnl_clear_error();
}

static double held_out(const EpochRecord *e, int on_valid)
{
    return on_valid ? e->valid_loss : e->test_loss;
}

static void mean_sd(const double *v, int n, double out[2])
{
    double s = 0, ss = 0;
    for (int i = 0; i < n; i++)
        s += v[i];
    out[0] = n ? s / n : NAN;
    for (int i = 0; i < n; i++)
        ss += (v[i] - out[0]) * (v[i] - out[0]);
    out[1] = n > 1 ? sqrt(ss / (n - 1)) : 0.0;
}

/* A finished run that learned nothing is worth saying so in its row (a learning rate so large
 * that Adam's first steps kill every unit answers one class for everything, without a NaN): the
 * verdict its summary.txt gives (common/metrics' rule). */
static void mark_stuck_runs(Sweep *w)
{
    for (int i = 0; i < w->n_runs; i++) {
        SweepRun *r = &w->runs[i];
        if (r->ok && r->stuck[0])
            snprintf(r->status + strlen(r->status), sizeof r->status - strlen(r->status),
                     ", STUCK: %s", r->stuck);
    }
}

static void summarize_cells(Sweep *w)
{
    for (int c = 0; c < w->n_cells; c++) {
        double fa[SWEEP_MAX_SEEDS], ba[SWEEP_MAX_SEEDS], fl[SWEEP_MAX_SEEDS], ll[SWEEP_MAX_SEEDS];
        double ta[SWEEP_MAX_SEEDS], tl[SWEEP_MAX_SEEDS];
        double pa = 0, se = 0;
        SweepCell *cell = &w->cells[c];
        memset(cell, 0, sizeof *cell);
        int k = 0;
        for (int i = 0; i < w->n_runs; i++) {
            const SweepRun *r = &w->runs[i];
            if (r->cell != c)
                continue;
            if (!r->ok) {
                cell->n_fail++;
                continue;
            }
            const EpochRecord *last = &r->rec[r->n_rec - 1], *b = &r->rec[r->best];
            fa[k] = last->test_acc, ba[k] = b->test_acc;
            ta[k] = last->train_acc, tl[k] = last->train_loss;
            fl[k] = held_out(last, r->on_valid), ll[k] = held_out(b, r->on_valid);
            pa += (double)r->params, se += r->seconds;
            k++;
        }
        cell->n_ok = k;
        mean_sd(fa, k, cell->final_acc);
        mean_sd(ta, k, cell->train_acc);
        mean_sd(tl, k, cell->train_loss);
        mean_sd(ba, k, cell->best_acc);
        mean_sd(fl, k, cell->final_loss);
        mean_sd(ll, k, cell->low_loss);
        cell->params = k ? pa / k : NAN;
        cell->seconds = k ? se / k : NAN;
    }
}

/* ---- positions on the x axis ---- */

/* The leading number of a value ("250 500" -> 250); 0 when it does not start with one. */
static int leading_number(const char *s, double *x)
{
    char *end;
    *x = strtod(s, &end);
    return end != s && (*end == '\0' || *end == ' ') && isfinite(*x);
}

/* x of each value on axis 0 (or of each cell's parameter count), and whether to draw it on a log
 * axis: numbers spanning a decade or more are (0 then sits a decade below the smallest). Values
 * that are not numbers are placed 1, 2, 3 ... in the order given. */
static int x_positions(const Sweep *w, double *x, int n)
{
    const SweepAxis *ax = &w->o->axes[0];
    int numeric = 1, zeros = 0;
    double lo = INFINITY, hi = 0;
    for (int i = 0; i < n; i++) {
        if (w->o->against_params)
            x[i] = w->cells[i].params;
        else if (!leading_number(ax->values[i], &x[i]))
            numeric = 0;
        if (numeric && x[i] < 0)
            numeric = 0;
        if (numeric && x[i] == 0)
            zeros++;
        if (numeric && x[i] > 0)
            lo = x[i] < lo ? x[i] : lo, hi = x[i] > hi ? x[i] : hi;
    }
    if (!numeric) {
        for (int i = 0; i < n; i++)
            x[i] = i + 1;
        return 0;
    }
    int logx = isfinite(lo) && hi >= 10 * lo && zeros <= 1;
    for (int i = 0; logx && i < n; i++)
        if (x[i] == 0)
            x[i] = lo / 10;
    return logx;
}

static void format_params(double p, char *out, size_t n)
{
    if (!isfinite(p))
        snprintf(out, n, "?");
    else if (p >= 1e6)
        snprintf(out, n, "%.2fM", p / 1e6);
    else if (p >= 1e4)
        snprintf(out, n, "%.0fk", p / 1e3);
    else if (p >= 1e3)
        snprintf(out, n, "%.1fk", p / 1e3);
    else
        snprintf(out, n, "%.0f", p);
}

/* ---- SWEEP.md ---- */

/* The swept values of a run or cell, each its own escaped cell: "0.01 | 64". */
static void md_cell_value(const Sweep *w, FILE *o, const int *v)
{
    for (int a = 0; a < w->o->n_axes; a++) {
        fputs(a ? " | " : "", o);
        esc_md_cell(o, w->o->axes[a].values[v[a]]);
    }
}

static void md_axis_headers(const Sweep *w, FILE *o)
{
    for (int a = 0; a < w->o->n_axes; a++) {
        fputc(' ', o);
        esc_md_cell(o, w->o->axes[a].key);
        fputs(" |", o);
    }
}

static void write_md_means(const Sweep *w, FILE *o, const char *held)
{
    fprintf(o, "## Mean ± standard deviation over seeds\n\n|");
    md_axis_headers(w, o);
    fprintf(o, " runs | final test acc | test acc at best epoch | final %s loss | lowest %s loss | "
               "parameters | train s |\n|", held, held);
    for (int a = 0; a < w->o->n_axes; a++)
        fprintf(o, "---|");
    fprintf(o, "---|---:|---:|---:|---:|---:|---:|\n");
    int n0 = w->o->axes[0].n_values;
    for (int c = 0; c < w->n_cells; c++) {
        const SweepCell *s = &w->cells[c];
        int v[2] = {c % n0, c / n0};
        char runs[64], par[32];
        snprintf(runs, sizeof runs, s->n_fail ? "%d (%d failed)" : "%d", s->n_ok + s->n_fail, s->n_fail);
        format_params(s->params, par, sizeof par);
        fputs("| ", o);
        md_cell_value(w, o, v);
        if (s->n_ok == 0) {
            fprintf(o, " | %s | – | – | – | – | – | – |\n", runs);
            continue;
        }
        fprintf(o, " | %s | %.2f ± %.2f%% | %.2f ± %.2f%% | %.4f ± %.4f | %.4f ± %.4f | %s | %.1f |\n",
                runs, 100 * s->final_acc[0], 100 * s->final_acc[1], 100 * s->best_acc[0],
                100 * s->best_acc[1], s->final_loss[0], s->final_loss[1], s->low_loss[0],
                s->low_loss[1], par, s->seconds);
    }
}

static void write_md_runs(const Sweep *w, FILE *o, const char *held)
{
    fprintf(o, "\n## Every run\n\n|");
    md_axis_headers(w, o);
    fprintf(o, " seed | status | epochs | final test acc | best epoch | test acc there | "
               "lowest %s loss | train s | plots |\n|", held);
    for (int a = 0; a < w->o->n_axes; a++)
        fprintf(o, "---|");
    fprintf(o, "---:|---|---:|---:|---:|---:|---:|---:|---|\n");
    size_t skip = strlen(w->out) + 1;
    for (int i = 0; i < w->n_runs; i++) {
        const SweepRun *r = &w->runs[i];
        const char *rel = r->dir + skip;
        fputs("| ", o);
        md_cell_value(w, o, r->v);
        fprintf(o, " | %lu | ", r->seed);
        esc_md_cell(o, r->status);
        fputs(" | ", o);
        if (r->n_rec == 0) {
            fprintf(o, "0 | – | – | – | – | – | |\n");
            continue;
        }
        const EpochRecord *last = &r->rec[r->n_rec - 1], *b = &r->rec[r->best];
        char target[sizeof r->dir + 16];
        snprintf(target, sizeof target, "%s/" RUNDIR_CURVES, rel);
        fprintf(o, "%d | %.2f%% | %d | %.2f%% | %.4f | %.1f | [curves](", last->epoch,
                100 * last->test_acc, b->epoch, 100 * b->test_acc, held_out(b, r->on_valid),
                r->seconds);
        esc_md_link(o, target);
        fputs(") |\n", o);
    }
}

static int write_sweep_md(const Sweep *w, const char *held)
{
    char path[MNL_PATH_LEN];
    if (rundir_path(w->out, RUNDIR_SWEEP_MD, path, sizeof path))
        return MNL_ERR_ARG;
    AtomicFile a;
    int rc = atomic_open(&a, path);
    if (rc)
        return rc;
    FILE *o = a.f;
    fputs("# Sweep of ", o);
    esc_md_cell(o, w->name);
    fputs(" over ", o);
    for (int a2 = 0; a2 < w->o->n_axes; a2++) {
        fputs(a2 ? " and " : "", o);
        esc_md_cell(o, w->o->axes[a2].key);
    }
    fputs("\n\nExperiment file ", o);
    esc_md_cell(o, w->o->conf_path);
    for (int i = 0; i < w->o->n_sets; i++) {
        fputs(i ? ", " : "; settings ", o);
        esc_md_cell(o, w->o->sets[i]);
    }
    fprintf(o, "; %d run%s. *Best epoch*: the epoch of lowest %s loss; a failed run is not in the "
               "means.\n\n", w->n_runs, w->n_runs == 1 ? "" : "s", held);
    fprintf(o, "![accuracy and %s loss against the value](./" RUNDIR_SWEEP_PNG ")\n\n", held);
    fprintf(o, "![%s loss per epoch of every run](./" RUNDIR_SWEEP_CURVES ")\n\n", held);
    if (w->o->n_axes == 2)
        fprintf(o, "![final test accuracy of every pair of values](./" RUNDIR_HEATMAP ")\n\n");
    write_md_means(w, o, held);
    write_md_runs(w, o, held);
    return atomic_commit(&a);
}

/* ---- sweep.png ---- */

/* sweep.dat: one block per value of the second axis (one block for one axis), a row per value of
 * the first: x "label" n_ok n_fail acc sd best_acc sd final_loss sd low_loss sd params seconds;
 * sweep.fail.dat: where runs failed, "x chance "label"". */
static int write_sweep_dat(const Sweep *w, const double *x, char *fails_path, size_t fails_n)
{
    char path[MNL_PATH_LEN];
    int n0 = w->o->axes[0].n_values, n1 = w->o->n_axes > 1 ? w->o->axes[1].n_values : 1;
    rundir_path(w->out, RUNDIR_SWEEP_DAT, path, sizeof path);
    rundir_path(w->out, RUNDIR_SWEEP_FAIL_DAT, fails_path, fails_n);
    AtomicFile a, f;
    int rc = atomic_open(&a, path);
    if (rc)
        return rc;
    if ((rc = atomic_open(&f, fails_path))) {
        atomic_abort(&a);
        return rc;
    }
    fprintf(a.f, "# x label n_ok n_fail final_acc sd best_epoch_acc sd final_heldout_loss sd "
                 "lowest_heldout_loss sd params train_seconds final_train_acc sd "
                 "final_train_loss sd \"value\"\n");
    fprintf(f.f, "# x y label\n");
    int any_fail = 0;
    for (int j = 0; j < n1; j++) {
        if (j)
            fprintf(a.f, "\n\n");
        for (int i = 0; i < n0; i++) {
            const SweepCell *s = &w->cells[i + n0 * j];
            char label[160], par[32];
            format_params(s->params, par, sizeof par);
            snprintf(label, sizeof label, "%s", w->o->against_params ? par : w->o->axes[0].values[i]);
            double lead;
            if (!w->o->against_params && strchr(label, ' ') && leading_number(label, &lead))
                label[strcspn(label, " ")] = '\0';      /* "250 500" -> "250": the tick stays short */
            fprintf(a.f, "%.9g ", x[i]);
            esc_gnuplot_datafield(a.f, label);
            fprintf(a.f, " %d %d", s->n_ok, s->n_fail);
            const double *m[6] = {s->final_acc, s->best_acc, s->final_loss, s->low_loss,
                                  s->train_acc, s->train_loss};
            for (int k = 0; k < 4; k++)
                if (s->n_ok)
                    fprintf(a.f, " %.6g %.6g", m[k][0], m[k][1]);
                else
                    fprintf(a.f, " NaN NaN");
            fprintf(a.f, " %.0f %.3f", s->n_ok ? s->params : 0.0, s->n_ok ? s->seconds : 0.0);
            for (int k = 4; k < 6; k++)
                if (s->n_ok)
                    fprintf(a.f, " %.6g %.6g", m[k][0], m[k][1]);
                else
                    fprintf(a.f, " NaN NaN");
            fputc(' ', a.f);
            esc_gnuplot_datafield(a.f, w->o->axes[0].values[i]);
            fputc('\n', a.f);
            if (s->n_fail) {
                fprintf(f.f, "%.9g %.6g \"%d/%d failed\"\n", x[i], 1.0 / w->num_classes, s->n_fail,
                        s->n_fail + s->n_ok);
                any_fail = 1;
            }
        }
    }
    if (!any_fail)           /* gnuplot refuses an empty file: one point outside the chart */
        fprintf(f.f, "NaN NaN \"\"\n");
    rc = atomic_commit(&a);
    int rc2 = atomic_commit(&f);
    return rc ? rc : rc2;
}

static int write_sweep_png(const Sweep *w, const double *x, int logx, const char *held)
{
    char fails[MNL_PATH_LEN], dat[MNL_PATH_LEN], png[MNL_PATH_LEN], title[400], xlabel[400];
    char names[SWEEP_MAX_VALUES][320];
    const char *name_list[SWEEP_MAX_VALUES];
    int rc = write_sweep_dat(w, x, fails, sizeof fails);
    if (rc)
        return rc;
    rundir_path(w->out, RUNDIR_SWEEP_DAT, dat, sizeof dat);
    rundir_path(w->out, RUNDIR_SWEEP_PNG, png, sizeof png);
    int series = w->o->n_axes > 1 ? w->o->axes[1].n_values : 1;
    for (int j = 0; w->o->n_axes > 1 && j < series && j < SWEEP_MAX_VALUES; j++) {
        snprintf(names[j], sizeof names[j], "%s=%s", short_key(w->o->axes[1].key),
                 w->o->axes[1].values[j]);
        name_list[j] = names[j];
    }
    int ns = w->o->n_seeds ? w->o->n_seeds : 1;
    snprintf(title, sizeof title, "%s: sweep of %s (%d seed%s per value%s)", w->name,
             w->o->axes[0].key, ns, ns == 1 ? "" : "s", ns > 1 ? ", mean ± std" : "");
    if (w->o->against_params)
        snprintf(xlabel, sizeof xlabel, "parameters (log scale; %s on the top axis)",
                 w->o->axes[0].key);
    else
        snprintf(xlabel, sizeof xlabel, "%s%s%s", w->o->axes[0].key,
                 strchr(w->o->axes[0].values[0], ' ') ? " (its first number)" : "",
                 logx ? " (log scale)" : "");
    /* the x range hugs the values (gnuplot's log autoscale would widen it to whole decades) */
    double lo = x[0], hi = x[0];
    for (int i = 1; i < w->o->axes[0].n_values; i++)
        lo = x[i] < lo ? x[i] : lo, hi = x[i] > hi ? x[i] : hi;
    double pad = logx ? 1.25 : 0.0, span = hi - lo > 0 ? hi - lo : 1.0;
    double xmin = logx ? lo / pad : lo - 0.06 * span, xmax = logx ? hi * pad : hi + 0.06 * span;
    /* chance on the accuracy axis only when a value is anywhere near it (or a run failed) */
    int show_chance = 0;
    for (int c = 0; c < w->n_cells; c++)
        show_chance |= w->cells[c].n_fail > 0 ||
                       (w->cells[c].n_ok && w->cells[c].final_acc[0] < 1.0 / w->num_classes + 0.2);
    Plot p;
    if ((rc = plot_begin(&p)))
        return rc;
    plot_add_file(&p, "in", dat);
    plot_add_file(&p, "fails", fails);
    plot_set_str(&p, "title", title);
    plot_set_str(&p, "xlabel", xlabel);
    plot_set_int(&p, "logx", logx);
    plot_set_int(&p, "series", series);
    plot_set_str_array(&p, "names", name_list, w->o->n_axes > 1 ? series : 0);
    plot_set_num(&p, "chance", 1.0 / w->num_classes);
    plot_set_str(&p, "held", held);
    plot_set_int(&p, "against_params", w->o->against_params);
    plot_set_num(&p, "xmin", xmin);
    plot_set_num(&p, "xmax", xmax);
    plot_set_int(&p, "show_chance", show_chance);
    plot_set_layout(&p, "sweep");
    return plot_draw_svg(&p, "sweep", png);
}

/* ---- sweep-curves.png: every run's held-out loss per epoch, one colour per value ---- */

static int write_curves_png(const Sweep *w, const char *held)
{
    char png[MNL_PATH_LEN], title[400];
    char (*names)[600] = calloc((size_t)(w->n_runs ? w->n_runs : 1), sizeof *names);
    const char **titles = calloc((size_t)(w->n_runs ? w->n_runs : 1), sizeof *titles);
    long *colours = calloc((size_t)(w->n_runs ? w->n_runs : 1), sizeof *colours);
    Plot p;
    int rc = !names || !titles || !colours ? mnl_fail(MNL_ERR_NOMEM, "cannot list the sweep's curves")
                                           : plot_begin(&p);
    int drawn = 0, lo_set = 0, on_valid = 0;
    double lo = INFINITY, hi = 0;
    for (int i = 0; !rc && i < w->n_runs; i++) {
        const SweepRun *r = &w->runs[i];
        if (r->n_rec == 0)
            continue;
        on_valid = r->on_valid;
        int first_of_cell = 1;
        for (int j = 0; j < i; j++)
            first_of_cell &= !(w->runs[j].cell == r->cell && w->runs[j].n_rec > 0);
        if (first_of_cell)
            cell_name(w, r->v, names[drawn], sizeof names[drawn], 1);
        titles[drawn] = names[drawn];       /* "" for a further seed: no key entry */
        colours[drawn] = r->cell + 1;
        char metrics[MNL_PATH_LEN], var[32];
        rundir_path(r->dir, RUNDIR_METRICS, metrics, sizeof metrics);
        snprintf(var, sizeof var, "run%d", ++drawn);
        plot_add_file(&p, var, metrics);
        for (int e = 0; e < r->n_rec; e++) {
            double l = held_out(&r->rec[e], r->on_valid);
            if (l > 0 && isfinite(l))
                lo = l < lo ? l : lo, hi = l > hi ? l : hi, lo_set = 1;
        }
    }
    if (!rc && drawn) {
        rundir_path(w->out, RUNDIR_SWEEP_CURVES, png, sizeof png);
        snprintf(title, sizeof title, "%s: %s loss per epoch of every run (thin: further seeds)",
                 w->name, held);
        plot_set_str_array(&p, "titles", titles, drawn);
        plot_set_int_array(&p, "colours", colours, drawn);
        plot_set_str(&p, "title", title);
        plot_set_int(&p, "column", on_valid ? 4 : 6);
        plot_set_int(&p, "logy", lo_set && hi > 20 * lo);
        plot_set_str(&p, "held", held);
        rc = plot_draw_svg(&p, "sweep_curves", png);
    } else if (!rc) {
        plot_discard(&p);
    }
    free(names), free(titles), free(colours);
    return rc;
}

/* ---- heatmap.png (two axes) ---- */

static int write_heatmap(const Sweep *w)
{
    const SweepAxis *a0 = &w->o->axes[0], *a1 = &w->o->axes[1];
    char dat[MNL_PATH_LEN], png[MNL_PATH_LEN], title[400];
    rundir_path(w->out, RUNDIR_HEATMAP_DAT, dat, sizeof dat);
    rundir_path(w->out, RUNDIR_HEATMAP, png, sizeof png);
    AtomicFile a;
    int rc = atomic_open(&a, dat);
    if (rc)
        return rc;
    fprintf(a.f, "# i j final_test_acc_percent (NaN: every run failed)\n");
    double lo = 100, hi = 0;
    for (int j = 0; j < a1->n_values; j++) {
        for (int i = 0; i < a0->n_values; i++) {
            const SweepCell *s = &w->cells[i + a0->n_values * j];
            double v = s->n_ok ? 100 * s->final_acc[0] : NAN;
            if (s->n_ok)
                lo = v < lo ? v : lo, hi = v > hi ? v : hi;
            fprintf(a.f, s->n_ok ? "%d %d %.4f\n" : "%d %d NaN\n", i, j, v);
        }
        fputc('\n', a.f);
    }
    if ((rc = atomic_commit(&a)))
        return rc;
    const char *xt[SWEEP_MAX_VALUES], *yt[SWEEP_MAX_VALUES];
    for (int i = 0; i < a0->n_values; i++)
        xt[i] = a0->values[i];
    for (int j = 0; j < a1->n_values; j++)
        yt[j] = a1->values[j];
    snprintf(title, sizeof title, "%.63s: final test accuracy (%%) of %.63s against %.63s", w->name,
             a1->key, a0->key);
    Plot p;
    if ((rc = plot_begin(&p)))
        return rc;
    plot_add_file(&p, "in", dat);
    plot_set_str(&p, "title", title);
    plot_set_str_array(&p, "xtics_names", xt, a0->n_values);
    plot_set_str_array(&p, "ytics_names", yt, a1->n_values);
    plot_set_str(&p, "xlabel", a0->key);
    plot_set_str(&p, "ylabel", a1->key);
    plot_set_int(&p, "nx", a0->n_values);
    plot_set_int(&p, "ny", a1->n_values);
    plot_set_num(&p, "lo", lo);
    plot_set_num(&p, "hi", hi > lo ? hi : lo + 1);
    return plot_draw(&p, "heatmap", png);
}

/* ---- the whole sweep ---- */

static void sweep_free(Sweep *w)
{
    for (int i = 0; i < w->n_runs; i++)
        free(w->runs[i].rec);
    free(w->runs);
}

static int write_sweep_files(Sweep *w)
{
    for (int i = 0; i < w->n_runs; i++)
        read_run(&w->runs[i]);
    mark_stuck_runs(w);
    summarize_cells(w);
    int on_valid = 0;
    for (int i = 0; i < w->n_runs; i++)
        on_valid |= w->runs[i].n_rec > 0 && w->runs[i].on_valid;
    const char *held = on_valid ? "validation" : "test";
    double x[SWEEP_MAX_VALUES];
    int logx = x_positions(w, x, w->o->axes[0].n_values);
    int rc = write_sweep_md(w, held);
    if (!rc)
        rc = write_sweep_png(w, x, logx, held);
    if (!rc)
        rc = write_curves_png(w, held);
    if (!rc && w->o->n_axes == 2)
        rc = write_heatmap(w);
    return rc;
}

/* Between runs (the runner catches them during one), SIGINT and SIGTERM only set this, so the
 * sweep stops at the next gap with a message instead of dying silently. Every way out of sweep_run
 * releases the sweep folder's lock: the returns below, and a signal while the charts are drawn
 * (experiments/main's handler removes every lock this process holds, common/fileio
 * dir_locks_abandon, as the runner's second signal does). */
static atomic_int sweep_signal;   /* atomic: the handler may run on any thread */

static void on_sweep_signal(int sig)
{
    sweep_signal = sig;
}

static void sweep_catch_signals(int on)
{
    static struct sigaction old_int, old_term;
    if (on) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_sweep_signal;
        sigemptyset(&sa.sa_mask);
        sweep_signal = 0;
        sigaction(SIGINT, &sa, &old_int);
        sigaction(SIGTERM, &sa, &old_term);
    } else {
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
    }
}

int sweep_run(const SweepOptions *o, int *signal_out)
{
    *signal_out = 0;
    if (o->n_axes < 1 || o->n_axes > SWEEP_MAX_VARY)
        return mnl_fail(MNL_ERR_ARG, "sweep needs one or two --vary section.key=v1,v2,...");
    if (o->n_axes == 2 && !strcmp(o->axes[0].key, o->axes[1].key))
        return mnl_fail(MNL_ERR_ARG, "sweep: --vary %s is given twice", o->axes[0].key);
    if (o->against_params && o->n_axes != 1)
        return mnl_fail(MNL_ERR_ARG, "sweep: --against params needs exactly one --vary");
    for (int a = 0; a < o->n_axes; a++)
        if (!strcmp(o->axes[a].key, "train.seed"))
            return mnl_fail(MNL_ERR_ARG, "sweep: vary the seed with --seeds, not --vary train.seed");
    if (o->n_sets + o->n_axes + 1 > RUNNER_MAX_SETS)
        return mnl_fail(MNL_ERR_ARG, "sweep: too many --set options");
    Sweep w;
    DirLock lock = {.fd = -1};
    memset(&w, 0, sizeof w);
    w.o = o;
    int rc = plan_runs(&w);
    static const char *const outputs[] = {RUNDIR_SWEEP_MD, RUNDIR_SWEEP_PNG, RUNDIR_SWEEP_DAT,
                                          RUNDIR_SWEEP_FAIL_DAT, RUNDIR_SWEEP_CURVES,
                                          RUNDIR_HEATMAP, RUNDIR_HEATMAP_DAT, NULL};
    if (!rc)
        rc = rundir_take_sweep(&lock, w.out);   /* one sweep at a time in a folder */
    if (!rc)                                    /* before any run: nothing of the user's replaced */
        rc = rundir_claim_outputs(w.out, outputs, RUNDIR_SWEEP_MD);
    sweep_catch_signals(1);
    for (int i = 0; !rc && i < w.n_runs; i++) {
        if (sweep_signal) {                     /* a Ctrl-C between two runs */
            *signal_out = sweep_signal;
            rc = MNL_ERR_INTERRUPTED;
            break;
        }
        rc = train_one(&w, &w.runs[i], i, signal_out);
    }
    if (!rc && sweep_signal) {                  /* a Ctrl-C after the last run ended */
        *signal_out = sweep_signal;
        rc = MNL_ERR_INTERRUPTED;
    }
    sweep_catch_signals(0);
    if (rc == MNL_ERR_INTERRUPTED) {
        int done = 0;
        for (int i = 0; i < w.n_runs; i++)
            done += w.runs[i].ok;
        sweep_free(&w);
        dir_unlock(&lock);
        return mnl_fail(MNL_ERR_INTERRUPTED, "sweep interrupted by signal %d with %d of %d runs "
                        "finished (kept); run the same command again to train the others",
                        *signal_out, done, w.n_runs);
    }
    if (!rc)
        rc = write_sweep_files(&w);
    if (!rc) {
        int failed = 0;
        for (int i = 0; i < w.n_runs; i++)
            failed += !w.runs[i].ok;
        esc_say(stdout, "wrote ", w.out, "");
        printf("/{" RUNDIR_SWEEP_MD ", " RUNDIR_SWEEP_PNG ", " RUNDIR_SWEEP_CURVES "%s} (%d run%s, "
               "%d failed)\n", o->n_axes == 2 ? ", " RUNDIR_HEATMAP : "", w.n_runs,
               w.n_runs == 1 ? "" : "s", failed);
        html_refresh_around(w.out);      /* the page lists the sweeps */
    }
    sweep_free(&w);
    dir_unlock(&lock);
    return rc;
}

/* ---- the command ---- */

int sweep_main(int argc, char **argv, int *signal_out)
{
    static SweepOptions o;
    memset(&o, 0, sizeof o);
    *signal_out = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int rc;
        if (!strcmp(a, "--vary") && i + 1 < argc) {
            if (o.n_axes == SWEEP_MAX_VARY)
                return mnl_fail(MNL_ERR_ARG, "sweep: at most %d --vary options (a grid)",
                                SWEEP_MAX_VARY);
            if ((rc = sweep_parse_vary(argv[++i], &o.axes[o.n_axes++])))
                return rc;
        } else if (!strcmp(a, "--seeds") && i + 1 < argc) {
            if ((rc = sweep_parse_seeds(argv[++i], o.seeds, &o.n_seeds)))
                return rc;
        } else if (!strcmp(a, "--set") && i + 1 < argc) {
            if (o.n_sets == RUNNER_MAX_SETS - SWEEP_MAX_VARY - 1)
                return mnl_fail(MNL_ERR_ARG, "sweep: too many --set options");
            o.sets[o.n_sets++] = argv[++i];
        } else if (!strcmp(a, "--out") && i + 1 < argc) {
            o.out_dir = argv[++i];
            if ((rc = path_leaves_room("sweep --out", o.out_dir, RUNDIR_FILE_ROOM)))
                return rc;
        } else if (!strcmp(a, "--threads") && i + 1 < argc) {
            char *end;
            long t = strtol(argv[++i], &end, 10);
            if (*end || t < 1 || t > 256)
                return mnl_fail(MNL_ERR_ARG, "sweep: --threads takes a number from 1 to 256");
            o.threads = (int)t;
        } else if (!strcmp(a, "--against") && i + 1 < argc) {
            if (strcmp(argv[++i], "params"))
                return mnl_fail(MNL_ERR_ARG, "sweep: --against takes \"params\" (the x axis is "
                                "otherwise the swept value)");
            o.against_params = 1;
        } else if (a[0] == '-' || o.conf_path) {
            return mnl_fail(MNL_ERR_ARG, "sweep: unexpected argument \"%s\"", a);
        } else {
            o.conf_path = a;
        }
    }
    if (!o.conf_path)
        return mnl_fail(MNL_ERR_ARG, "sweep needs an experiment file, e.g. sweep "
                        "experiments/cnn-4v9.conf --vary train.lr=0.0001,0.001,0.01");
    if (o.n_axes == 0)
        return mnl_fail(MNL_ERR_ARG, "sweep needs --vary section.key=v1,v2,... (e.g. "
                        "--vary train.lr=0.0001,0.001,0.01)");
    return sweep_run(&o, signal_out);
}
