/* experiments/cost: each run's metrics.csv read again for the epochs at which it first reached the
 * chosen accuracies; the section's table; the chart's data file and gnuplot. */
#include "experiments/cost.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/escape.h"
#include "common/fileio.h"
#include "experiments/rundir.h"
#include "plots/plot.h"

static const double ladder[] = {0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995};
#define LADDER_N ((int)(sizeof ladder / sizeof ladder[0]))

int cost_first_reaching(const EpochRecord *r, int n, double level, double total_seconds,
                        double *seconds)
{
    double recorded = 0, sum = 0;
    for (int i = 0; i < n; i++)
        recorded += r[i].seconds;
    /* with eval_every > 1 the unrecorded epochs' time is in total_seconds only */
    double scale = recorded > 0 && total_seconds > recorded ? total_seconds / recorded : 1.0;
    for (int i = 0; i < n; i++) {
        sum += r[i].seconds;
        if (r[i].test_acc >= level) {
            *seconds = sum * scale;
            return r[i].epoch;
        }
    }
    *seconds = NAN;
    return -1;
}

static int highest_reached_by(const double *acc, int n, double share)
{
    int best = -1;
    for (int l = 0; l < LADDER_N; l++) {
        int k = 0;
        for (int i = 0; i < n; i++)
            k += acc[i] >= ladder[l];
        if (n > 0 && k >= share * n)
            best = l;
    }
    return best;
}

void cost_choose_levels(const double *final_acc, int n, double chance, double levels[COST_LEVELS])
{
    /* the bottom: what every run that learned something reached (one stuck at chance, as a too
     * large learning rate leaves it, would pull every level down to nothing) */
    double learned[512];
    int k = 0;
    for (int i = 0; i < n && k < 512; i++)
        if (final_acc[i] > chance + 0.1)
            learned[k++] = final_acc[i];
    int top = highest_reached_by(final_acc, n, 1e-9), bottom = highest_reached_by(learned, k, 1.0);
    if (top < 0)
        top = 0;
    if (bottom < 0)
        bottom = 0;
    if (top - bottom < 2)
        bottom = top - 2;
    if (bottom < 0)
        bottom = 0, top = 2;
    levels[0] = ladder[bottom];
    levels[1] = ladder[(bottom + top + 1) / 2];
    levels[2] = ladder[top];
}

/* A run's records (experiments/rundir, the one reader of metrics.csv); NULL (n 0) when they
 * cannot be read. */
static EpochRecord *read_records(const char *dir, int *n)
{
    EpochRecord *r = NULL;
    if (rundir_read_metrics(dir, &r, n) != MNL_OK)
        *n = 0;
    mnl_clear_error();
    return r;
}

/* "cnn-4v9" for "cnn-4v9/seed3" (the first seed of a folder carries the label), else the name. */
static int seed_group(const char *name, size_t *parent)
{
    const char *base = strrchr(name, '/');
    if (!base || strncmp(base + 1, "seed", 4) || !base[5] ||
        strspn(base + 5, "0123456789") != strlen(base + 5))
        return 0;
    *parent = (size_t)(base - name);
    return 1;
}

/* A model's size in bytes: a fitted model's saved form, a network's float32 weights. */
static long long model_bytes(const RunSummary *r)
{
    return r->size_unit[0] ? r->model_bytes : 4LL * r->params;
}

/* 7850, 60k, 1.0M: a count short enough for a label. */
static const char *compact_count(double v, char *buf, size_t n)
{
    if (v < 1e4)
        snprintf(buf, n, "%.0f", v);
    else if (v < 1e6)
        snprintf(buf, n, "%.0fk", v / 1e3);
    else
        snprintf(buf, n, "%.1fM", v / 1e6);
    return buf;
}

static void write_table(FILE *o, const RunSummary *runs, int n, EpochRecord **rec, const int *nrec,
                        const double *levels)
{
    fprintf(o, "\n**What the accuracy cost.** Training seconds (and epochs) until each run's test "
               "accuracy first reached");
    for (int l = 0; l < COST_LEVELS; l++)
        fprintf(o, "%s %.1f%%", l == 0 ? "" : l == COST_LEVELS - 1 ? " and" : ",", 100 * levels[l]);
    fprintf(o, " (– : never); a fitted model's (k-NN, SVM, trees ...) training seconds are its "
               "fit, its size is counted in its own unit, and its prediction is timed on the test "
               "set:\n\n| run | model size | bytes | train s | predict ms / 1,000 |");
    for (int l = 0; l < COST_LEVELS; l++)
        fprintf(o, " to %.1f%% |", 100 * levels[l]);
    fprintf(o, " final test acc |\n|---|---:|---:|---:|---:|");
    for (int l = 0; l < COST_LEVELS; l++)
        fprintf(o, "---:|");
    fprintf(o, "---:|\n");
    for (int i = 0; i < n; i++) {
        fputs("| [", o);
        esc_md_cell(o, runs[i].name);
        fputs("](", o);
        char target[sizeof runs[i].name + 2];
        snprintf(target, sizeof target, "%s/", runs[i].name);
        esc_md_link(o, target);
        const RunSummary *r = &runs[i];
        char bytes[32], predict[32];
        long long b = model_bytes(r);
        if (b >= 10LL << 20)
            snprintf(bytes, sizeof bytes, "%.0f MB", b / 1048576.0);
        else if (b >= 10 << 10)
            snprintf(bytes, sizeof bytes, "%.0f kB", b / 1024.0);
        else
            snprintf(bytes, sizeof bytes, "%lld B", b);
        if (r->predict_ms_per_1000 > 0)
            snprintf(predict, sizeof predict, "%.1f", r->predict_ms_per_1000);
        else
            snprintf(predict, sizeof predict, "–");
        fprintf(o, ") | %ld ", r->params);
        esc_md_cell(o, r->size_unit[0] ? r->size_unit : "parameters");   /* read from summary.txt */
        fprintf(o, " | %s | %.1f | %s |", bytes, r->total_s, predict);
        for (int l = 0; l < COST_LEVELS; l++) {
            double s;
            int e = cost_first_reaching(rec[i], nrec[i], levels[l], runs[i].total_s, &s);
            if (e < 0)
                fprintf(o, " – |");
            else
                fprintf(o, " %.1f s (%d) |", s, e);
        }
        fprintf(o, " %.2f%% |\n", 100 * runs[i].final_acc);
    }
}

static int write_chart(const char *root, const RunSummary *runs, int n, const char *slug)
{
    char png[MNL_PATH_LEN], dat[MNL_PATH_LEN], title[300];
    if (snprintf(png, sizeof png, "%s/cost-%s.png", root, slug) >= (int)sizeof png ||
        snprintf(dat, sizeof dat, "%s/cost-%s.dat", root, slug) >= (int)sizeof dat)
        return mnl_fail(MNL_ERR_ARG, "%s/cost-%s.png: the path is too long", root, slug);
    /* the series straight into the plot's private folder: beside REPORT.md only the chart (a copy
     * of the series with $MNISTLAB_KEEP_PLOT_DATA, to redraw it by hand) */
    Plot p;
    int rc = plot_begin(&p);
    if (rc)
        return rc;
    FILE *in = plot_open_data(&p, "in");
    if (!in) {
        plot_discard(&p);
        return p.rc;
    }
    fprintf(in, "# model_bytes train_seconds final_test_acc predict_ms_per_1000 \"label\" group (one "
                "row per run; a seed folder's first seed carries its label; group: the key entry "
                "it is drawn as, from 1; NaN: not measured)\n");
    /* the key's entries: one per run, or per seed folder (its first seed names it), each with its
     * size in its own unit */
    char (*names)[300] = calloc((size_t)n + 1, sizeof *names);
    const char **name_list = calloc((size_t)n + 1, sizeof *name_list);
    if (!names || !name_list) {
        free(names), free(name_list);
        plot_close_data(&p, in);
        plot_discard(&p);
        return mnl_fail(MNL_ERR_NOMEM, "%s", dat);
    }
    int groups = 0;
    for (int i = 0; i < n; i++) {
        char label[MNL_PATH_LEN];
        size_t parent;
        if (seed_group(runs[i].name, &parent)) {
            int first = i == 0 || !seed_group(runs[i - 1].name, &(size_t){0}) ||
                        strncmp(runs[i - 1].name, runs[i].name, parent + 1);
            snprintf(label, sizeof label, "%.*s", first ? (int)parent : 0, runs[i].name);
        } else {
            snprintf(label, sizeof label, "%s", runs[i].name);
        }
        char cut[200], count[32];
        const RunSummary *r = &runs[i];
        esc_shorten(label, 32, cut, sizeof cut);
        if (label[0] || groups == 0) {
            snprintf(names[groups], sizeof names[0], "%s%s%s %s", cut, cut[0] ? ": " : "",
                     compact_count((double)r->params, count, sizeof count),
                     r->size_unit[0] ? r->size_unit : "parameters");
            name_list[groups] = names[groups];
            groups++;
        }
        fprintf(in, "%lld %.4f %.6f ", model_bytes(r), r->total_s > 0 ? r->total_s : 0.01,
                r->final_acc);
        if (r->predict_ms_per_1000 > 0)
            fprintf(in, "%.3f ", r->predict_ms_per_1000);
        else
            fputs("NaN ", in);
        esc_gnuplot_datafield(in, cut);
        fprintf(in, " %d\n", groups);
    }
    plot_close_data(&p, in);
    plot_keep_data(&p, "in", dat);
    snprintf(title, sizeof title, "Final test accuracy against cost: %s", runs[0].task);
    plot_set_str(&p, "title", title);
    int have_predict = 0;
    for (int i = 0; i < n; i++)
        have_predict |= runs[i].predict_ms_per_1000 > 0;
    plot_set_int(&p, "have_predict", have_predict);
    plot_set_str_array(&p, "names", name_list, groups);
    free(names), free(name_list);
    plot_set_layout(&p, "cost");
    return plot_draw_svg(&p, "cost", png);
}

int cost_write_task(FILE *o, const char *root, const RunSummary *runs, int n, const char *slug)
{
    EpochRecord **rec = calloc((size_t)n, sizeof *rec);
    int *nrec = calloc((size_t)n, sizeof *nrec);
    double *acc = calloc((size_t)n, sizeof *acc);
    if (!rec || !nrec || !acc) {
        free(rec), free(nrec), free(acc);
        return mnl_fail(MNL_ERR_NOMEM, "cannot read the runs' metrics");
    }
    for (int i = 0; i < n; i++) {
        rec[i] = read_records(runs[i].dir, &nrec[i]);
        acc[i] = runs[i].final_acc;
    }
    int classes = 10;                 /* "all", or the chosen digits separated by spaces */
    if (strcmp(runs[0].classes, "all") && runs[0].classes[0]) {
        classes = 1;
        for (const char *p = runs[0].classes; *p; p++)
            classes += *p == ' ';
    }
    double levels[COST_LEVELS];
    cost_choose_levels(acc, n, 1.0 / classes, levels);
    write_table(o, runs, n, rec, nrec, levels);
    char png[200];
    snprintf(png, sizeof png, "cost-%s.png", slug);
    fputs("\n![final test accuracy against model size in bytes, training seconds and prediction "
          "milliseconds per 1,000 images](", o);
    esc_md_link(o, png);
    fputs(")\n", o);
    int rc = write_chart(root, runs, n, slug);
    for (int i = 0; i < n; i++)
        free(rec[i]);
    free(rec), free(nrec), free(acc);
    return rc;
}
