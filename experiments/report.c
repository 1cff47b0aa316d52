/* experiments/report: summary.txt, the run's three plots, and the cross-run REPORT.md. */
#include "experiments/report.h"

#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/fileio.h"
#include "plots/plot.h"

int report_best_epoch(const EpochRecord *records, int n, int *on_validation)
{
    int valid = n > 0 && !isnan(records[0].valid_loss);
    int best = -1;
    for (int i = 0; i < n; i++) {
        double l = valid ? records[i].valid_loss : records[i].test_loss;
        double bl = best < 0 ? INFINITY : (valid ? records[best].valid_loss : records[best].test_loss);
        if (l < bl)
            best = i;
    }
    if (on_validation)
        *on_validation = valid;
    return best;
}

/* Overfitting, as a learner is taught to see it: the held-out loss rose after its best epoch
 * while the training loss went on falling (a run stuck at chance, whose losses both wander, is
 * not overfitting). */
static int report_overfits(const EpochRecord *r, int n, int best, int on_valid)
{
    if (best < 0 || best >= n - 1)
        return 0;
    double held_best = on_valid ? r[best].valid_loss : r[best].test_loss;
    double held_last = on_valid ? r[n - 1].valid_loss : r[n - 1].test_loss;
    return held_last > held_best && r[n - 1].train_loss < r[best].train_loss;
}

/* ---- summary.txt: "key = value" lines, read back by report_compare ---- */

static int write_summary(const RunFiles *f, int best, int on_valid)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/summary.txt", f->dir);
    AtomicFile a;
    int rc = atomic_open(&a, path);
    if (rc)
        return rc;
    const EpochRecord *last = &f->records[f->n_records - 1], *b = &f->records[best];
    double best_acc = 0.0;
    for (int i = 0; i < f->n_records; i++)
        best_acc = f->records[i].test_acc > best_acc ? f->records[i].test_acc : best_acc;
    int overfit = report_overfits(f->records, f->n_records, best, on_valid);
    FILE *o = a.f;
    fprintf(o, "experiment = %s\nfamily = %s\ndataset = %s\nseed = %lu\n", f->cfg->name,
            f->cfg->family, f->cfg->dataset, f->cfg->seed);
    fprintf(o, "parameters = %zu\nmflops_per_image = %.4f\nthreads = %d\n", f->params, f->mflops,
            f->threads);
    fprintf(o, "epochs = %d\nepochs_planned = %d\n", last->epoch, f->cfg->epochs);
    if (f->stopped_early)
        fprintf(o, "stopped_early = after epoch %d (train.early_stop = %d)\n", f->stopped_early,
                f->cfg->early_stop);
    fprintf(o, "total_seconds = %.2f\nseconds_per_epoch = %.3f\n", f->total_seconds,
            f->total_seconds / last->epoch);
    fprintf(o, "final_train_loss = %.6f\nfinal_train_acc = %.6f\n", last->train_loss, last->train_acc);
    if (on_valid)
        fprintf(o, "final_valid_loss = %.6f\nfinal_valid_acc = %.6f\n", last->valid_loss,
                last->valid_acc);
    fprintf(o, "final_test_loss = %.6f\nfinal_test_acc = %.6f\nbest_test_acc = %.6f\n",
            last->test_loss, last->test_acc, best_acc);
    fprintf(o, "best_epoch = %d\nbest_loss_on = %s\nbest_loss = %.6f\nbest_epoch_test_acc = %.6f\n",
            b->epoch, on_valid ? "validation" : "test", on_valid ? b->valid_loss : b->test_loss,
            b->test_acc);
    if (overfit)
        fprintf(o, "overfitting_from_epoch = %d\nfinal_over_best_loss = %.3f\n", b->epoch,
                (on_valid ? last->valid_loss : last->test_loss) / (on_valid ? b->valid_loss : b->test_loss));
    else
        fprintf(o, "overfitting_from_epoch = none\n");
    return atomic_commit(&a);
}

/* ---- curves.png ---- */

static int write_curves(const RunFiles *f, int best, int on_valid)
{
    char in[1100], out[1100], q_in[2300], q_t[512], q_label[512], title[256], label[256];
    snprintf(in, sizeof in, "%s/metrics.csv", f->dir);
    snprintf(out, sizeof out, "%s/curves.png", f->dir);
    const EpochRecord *b = &f->records[best], *last = &f->records[f->n_records - 1];
    double best_loss = on_valid ? b->valid_loss : b->test_loss;
    const char *which = on_valid ? "validation" : "test";
    if (report_overfits(f->records, f->n_records, best, on_valid))
        snprintf(label, sizeof label, "lowest %s loss %.4f at epoch %d: overfitting begins", which,
                 best_loss, b->epoch);
    else
        snprintf(label, sizeof label, "lowest %s loss %.4f at epoch %d", which, best_loss, b->epoch);
    int k = f->data->num_classes;
    double chance = 1.0 / k, acc_min = chance;
    for (int i = 0; i < f->n_records; i++) {
        double a = f->records[i].test_acc;
        if (!isnan(f->records[i].valid_acc) && f->records[i].valid_acc < a)
            a = f->records[i].valid_acc;
        if (a < acc_min)
            acc_min = a;
    }
    acc_min = floor((acc_min - 0.02) * 20.0) / 20.0;
    double lo = INFINITY, hi = 0.0;
    for (int i = 0; i < f->n_records; i++) {
        const EpochRecord *e = &f->records[i];
        double v[3] = {e->train_loss, e->test_loss, e->valid_loss};
        for (int j = 0; j < 3; j++)
            if (v[j] > 0 && isfinite(v[j]))
                lo = v[j] < lo ? v[j] : lo, hi = v[j] > hi ? v[j] : hi;
    }
    int log_loss = hi > 20.0 * lo;
    snprintf(title, sizeof title, "%s: %s on %s, %d epochs", f->cfg->name, f->cfg->family,
             f->cfg->dataset, last->epoch);
    return plot_run("curves", out,
                    "in='%s'; title='%s'; has_valid=%d; chance=%g; best_epoch=%d; best_loss=%g; "
                    "best_label='%s'; last_epoch=%d; acc_min=%g; log_loss=%d",
                    plot_quote(in, q_in, sizeof q_in), plot_quote(title, q_t, sizeof q_t), on_valid,
                    chance, b->epoch, best_loss, plot_quote(label, q_label, sizeof q_label),
                    last->epoch, acc_min < 0 ? 0.0 : acc_min, log_loss);
}

/* ---- samples.png: a row of correct and a row of wrong test images ---- */

static int write_samples(const RunFiles *f)
{
    const Dataset *t = &f->data->test;
    int n = f->n_correct + f->n_wrong;
    if (n == 0)
        return MNL_OK;
    size_t px = (size_t)t->h * t->w;
    float *images = malloc(sizeof(float) * px * 2 * 10);
    char (*text)[40] = malloc(sizeof *text * 20);
    const char *labels[20];
    int bad[20];
    if (!images || !text) {
        free(images);
        free(text);
        return mnl_fail(MNL_ERR_NOMEM, "cannot allocate the sample grid");
    }
    /* Slot i < 10: correct ones; 10..19: wrong ones; unused slots stay blank. */
    int used = 0;
    for (int i = 0; i < 20; i++) {
        int wrong = i >= 10, j = i % 10;
        int have = wrong ? f->n_wrong : f->n_correct;
        if (j >= have) {
            memset(images + (size_t)i * px, 0, sizeof(float) * px);
            text[i][0] = '\0';
        } else {
            int idx = wrong ? f->wrong_idx[j] : f->correct_idx[j];
            int pred = wrong ? f->wrong_pred[j] : f->correct_pred[j];
            float conf = wrong ? f->wrong_conf[j] : f->correct_conf[j];
            memcpy(images + (size_t)i * px, t->x + (size_t)idx * px, sizeof(float) * px);
            snprintf(text[i], sizeof text[i], "T:%d P:%d (%.2f)", f->data->class_names[t->y[idx]],
                     f->data->class_names[pred], conf);
            used = i + 1;
        }
        labels[i] = text[i];
        bad[i] = wrong;
    }
    char out[1100], title[200];
    snprintf(out, sizeof out, "%s/samples.png", f->dir);
    snprintf(title, sizeof title, "%s: correct (top) and misclassified (bottom, red) test images",
             f->cfg->name);
    int rc = plot_image_grid(out, title, images, used > 10 ? 20 : used, t->h, t->w, 10, labels, bad);
    free(images);
    free(text);
    return rc;
}

/* ---- confusion.png ---- */

static int write_confusion(const RunFiles *f)
{
    const Confusion *c = f->confusion;
    char dat[1100], out[1100], names[64] = "", q_dat[2300], q_t[300], title[200];
    snprintf(dat, sizeof dat, "%s/confusion.dat", f->dir);
    snprintf(out, sizeof out, "%s/confusion.png", f->dir);
    AtomicFile a;
    int rc = atomic_open(&a, dat);
    if (rc)
        return rc;
    long maxv = 1;
    for (int i = 0; i < c->k; i++) {
        for (int j = 0; j < c->k; j++) {
            fprintf(a.f, j ? " %ld" : "%ld", c->counts[i][j]);
            maxv = c->counts[i][j] > maxv ? c->counts[i][j] : maxv;
        }
        fputc('\n', a.f);
    }
    if ((rc = atomic_commit(&a)))
        return rc;
    for (int i = 0, k = 0; i < c->k; i++)
        k += snprintf(names + k, sizeof names - (size_t)k, "%s%d", i ? " " : "", f->data->class_names[i]);
    snprintf(title, sizeof title, "%s: confusion matrix", f->cfg->name);
    return plot_run("confusion", out, "in='%s'; names='%s'; maxv=%ld; title='%s'; accuracy=%.2f",
                    plot_quote(dat, q_dat, sizeof q_dat), names, maxv,
                    plot_quote(title, q_t, sizeof q_t), 100.0 * confusion_accuracy(c));
}

int report_write_run(const RunFiles *f)
{
    if (f->n_records == 0)
        return MNL_OK;
    int on_valid;
    int best = report_best_epoch(f->records, f->n_records, &on_valid);
    int rc = write_summary(f, best, on_valid);
    if (!rc)
        rc = write_curves(f, best, on_valid);
    if (!rc && f->confusion)
        rc = write_samples(f);
    if (!rc && f->confusion)
        rc = write_confusion(f);
    return rc;
}

int report_write_curves(const RunFiles *f)
{
    if (f->n_records == 0)
        return MNL_OK;
    int on_valid;
    int best = report_best_epoch(f->records, f->n_records, &on_valid);
    return write_curves(f, best, on_valid);
}

/* ==== results/REPORT.md across runs ==== */

typedef struct {
    char dir[1024];         /* results/NAME or results/NAME/seedK */
    char group[128];        /* NAME: the top directory */
    int is_seed;            /* a results/NAME/seedK run */
    char experiment[64], family[32], dataset[32];  /* (names up to 31 characters) */
    unsigned long seed;
    long params;
    double mflops, total_s, per_epoch_s, final_acc, best_acc, final_loss;
    int epochs, best_epoch;
    char overfit[16];
} RunSummary;

static int read_summary(const char *dir, RunSummary *s)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/summary.txt", dir);
    FILE *f;
    long long size;
    if (file_open_regular(path, &f, &size) != MNL_OK) {   /* a FIFO named summary.txt would hang */
        mnl_clear_error();
        return -1;
    }
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    char line[256], key[64], val[32];
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "%63s = %31s", key, val) != 2)
            continue;
        if (!strcmp(key, "experiment")) snprintf(s->experiment, sizeof s->experiment, "%s", val);
        else if (!strcmp(key, "family")) snprintf(s->family, sizeof s->family, "%s", val);
        else if (!strcmp(key, "dataset")) snprintf(s->dataset, sizeof s->dataset, "%s", val);
        else if (!strcmp(key, "seed")) s->seed = strtoul(val, NULL, 10);
        else if (!strcmp(key, "parameters")) s->params = atol(val);
        else if (!strcmp(key, "mflops_per_image")) s->mflops = atof(val);
        else if (!strcmp(key, "epochs")) s->epochs = atoi(val);
        else if (!strcmp(key, "total_seconds")) s->total_s = atof(val);
        else if (!strcmp(key, "seconds_per_epoch")) s->per_epoch_s = atof(val);
        else if (!strcmp(key, "final_test_acc")) s->final_acc = atof(val);
        else if (!strcmp(key, "best_test_acc")) s->best_acc = atof(val);
        else if (!strcmp(key, "final_test_loss")) s->final_loss = atof(val);
        else if (!strcmp(key, "best_epoch")) s->best_epoch = atoi(val);
        else if (!strcmp(key, "overfitting_from_epoch")) snprintf(s->overfit, sizeof s->overfit, "%.15s", val);
    }
    fclose(f);
    return s->experiment[0] ? 0 : -1;
}

/* Names in natural order: a run of digits compares as a number, so seed2 comes before seed10. */
static int natural_compare(const char *a, const char *b)
{
    while (*a && *b) {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            while (*a == '0' && isdigit((unsigned char)a[1]))
                a++;
            while (*b == '0' && isdigit((unsigned char)b[1]))
                b++;
            size_t na = strspn(a, "0123456789"), nb = strspn(b, "0123456789");
            if (na != nb)
                return na < nb ? -1 : 1;
            int c = strncmp(a, b, na);
            if (c)
                return c;
            a += na, b += nb;
        } else {
            if (*a != *b)
                return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
            a++, b++;
        }
    }
    return (unsigned char)*a - (unsigned char)*b;
}

static int by_name(const void *a, const void *b)
{
    return natural_compare(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of the subdirectories of dir (entries are malloc'd). */
static int list_dirs(const char *dir, char ***out)
{
    *out = NULL;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0, cap = 0;
    char **names = NULL;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        DIR *sub = opendir(path);
        if (!sub)
            continue;
        closedir(sub);
        if (n == cap) {
            cap = cap ? 2 * cap : 32;
            char **p = realloc(names, sizeof *p * (size_t)cap);
            if (!p)
                break;
            names = p;
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    if (n > 1)            /* names is NULL for a folder without subfolders */
        qsort(names, (size_t)n, sizeof *names, by_name);
    *out = names;
    return n;
}

static void free_names(char **names, int n)
{
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Every run under results_dir: NAME/summary.txt and NAME/seedK/summary.txt. */
static int collect_runs(const char *results_dir, RunSummary **out)
{
    char **top;
    int nt = list_dirs(results_dir, &top), n = 0, cap = 0;
    RunSummary *runs = NULL;
    for (int i = 0; i < nt; i++) {
        char dir[768];
        snprintf(dir, sizeof dir, "%s/%s", results_dir, top[i]);
        char **sub;
        int ns = list_dirs(dir, &sub);
        for (int j = -1; j < ns; j++) {
            char run_dir[1024];
            if (j < 0)
                snprintf(run_dir, sizeof run_dir, "%s", dir);
            else if (strncmp(sub[j], "seed", 4) == 0)
                snprintf(run_dir, sizeof run_dir, "%s/%s", dir, sub[j]);
            else
                continue;
            if (n == cap) {
                cap = cap ? 2 * cap : 32;
                RunSummary *p = realloc(runs, sizeof *p * (size_t)cap);
                if (!p)
                    break;
                runs = p;
            }
            if (read_summary(run_dir, &runs[n]) == 0) {
                snprintf(runs[n].group, sizeof runs[n].group, "%s", top[i]);
                runs[n].is_seed = j >= 0;
                n++;
            }
        }
        free_names(sub, ns);
    }
    free_names(top, nt);
    *out = runs;
    return n;
}

static void mean_std(const double *v, int n, double *mean, double *sd)
{
    double s = 0, ss = 0;
    for (int i = 0; i < n; i++)
        s += v[i];
    *mean = s / n;
    for (int i = 0; i < n; i++)
        ss += (v[i] - *mean) * (v[i] - *mean);
    *sd = n > 1 ? sqrt(ss / (n - 1)) : 0.0;
}

/* One table row for the runs of one experiment (one or several seeds). */
static void write_group_row(FILE *o, const char *results_dir, const RunSummary *g, int n)
{
    double fin[256], best[256], loss[256], m_fin, s_fin, m_best, s_best, m_loss, s_loss;
    int k = n < 256 ? n : 256;
    for (int i = 0; i < k; i++)
        fin[i] = 100 * g[i].final_acc, best[i] = 100 * g[i].best_acc, loss[i] = g[i].final_loss;
    mean_std(fin, k, &m_fin, &s_fin);
    mean_std(best, k, &m_best, &s_best);
    mean_std(loss, k, &m_loss, &s_loss);
    const char *rel = g[0].dir + strlen(results_dir) + 1;
    fprintf(o, "| [%s](%s/) | %s | %s | %ld | %.3f | %d | %.1f | %.2f | ", g[0].experiment, rel,
            g[0].family, g[0].dataset, g[0].params, g[0].mflops, g[0].epochs, g[0].total_s,
            g[0].per_epoch_s);
    if (n == 1)
        fprintf(o, "%.2f%% | %.2f%% | %.4f | %d | %s | 1 (seed %lu) | [curves](%s/curves.png) "
                   "[samples](%s/samples.png) [confusion](%s/confusion.png) |\n",
                m_best, m_fin, m_loss, g[0].best_epoch, g[0].overfit, g[0].seed, rel, rel, rel);
    else {
        fprintf(o, "%.2f±%.2f%% | %.2f±%.2f%% | %.4f±%.4f | – | – | %d (seeds", m_best, s_best, m_fin,
                s_fin, m_loss, s_loss, n);
        for (int i = 0; i < n; i++)
            fprintf(o, " [%lu](%s/)", g[i].seed, g[i].dir + strlen(results_dir) + 1);
        fprintf(o, ") | [curves](%s/curves.png) |\n", rel);
    }
}

static int write_report_md(const char *results_dir, const RunSummary *runs, int n)
{
    char path[700];
    snprintf(path, sizeof path, "%s/REPORT.md", results_dir);
    AtomicFile a;
    int rc = atomic_open(&a, path);
    if (rc)
        return rc;
    FILE *o = a.f;
    fprintf(o, "# mnistlab: comparison of every finished run\n\n");
    fprintf(o, "Accuracies are on the test set; *best* is the highest over the evaluated epochs, "
               "*final* the last. With several seeds: mean ± standard deviation. *Best epoch* is the "
               "epoch of lowest validation loss (test loss when there is no validation split); "
               "*overfitting from* names it when the loss rose after it.\n\n");
    fprintf(o, "| run | family | data | parameters | MFLOP/image | epochs | total s | s/epoch | "
               "best test acc | final test acc | final test loss | best epoch | overfitting from | "
               "seeds | plots |\n");
    fprintf(o, "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|\n");
    /* Runs of one top directory are adjacent; its seedK runs, when there are any, stand for it. */
    for (int i = 0, j; i < n; i = j) {
        int seeds = 0;
        for (j = i; j < n && strcmp(runs[j].group, runs[i].group) == 0; j++)
            seeds += runs[j].is_seed;
        const RunSummary *first = &runs[i];
        while (seeds && !first->is_seed)
            first++;
        write_group_row(o, results_dir, first, seeds ? seeds : 1);
    }
    fprintf(o, "\n![test accuracy per epoch of every run](compare.png)\n");
    return atomic_commit(&a);
}

static int write_compare_plot(const char *results_dir, const RunSummary *runs, int n)
{
    char files[8192] = "", names[4096] = "", out[700];
    size_t kf = 0, kn = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && strcmp(runs[i].group, runs[i - 1].group) == 0)
            continue;   /* one curve per experiment: the first run of its directory */
        kf += (size_t)snprintf(files + kf, sizeof files - kf, "%s%s/metrics.csv", kf ? " " : "",
                               runs[i].dir);
        kn += (size_t)snprintf(names + kn, sizeof names - kn, "%s%s", kn ? " " : "", runs[i].experiment);
        if (kf >= sizeof files || kn >= sizeof names)
            return mnl_fail(MNL_ERR_PLOT, "too many runs to draw in one chart");
    }
    snprintf(out, sizeof out, "%s/compare.png", results_dir);
    return plot_run("compare", out, "files='%s'; names='%s'; title='Test accuracy of every run'",
                    files, names);
}

int report_compare(const char *results_dir, int *runs_found)
{
    RunSummary *runs;
    int n = collect_runs(results_dir, &runs);
    *runs_found = n;
    if (n == 0) {
        free(runs);
        return mnl_fail(MNL_ERR_IO, "%s: no finished runs (summary.txt) found", results_dir);
    }
    int rc = write_report_md(results_dir, runs, n);
    if (!rc)
        rc = write_compare_plot(results_dir, runs, n);
    free(runs);
    return rc;
}
