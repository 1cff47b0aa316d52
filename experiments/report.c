/* experiments/report: summary.txt, the run's three plots, and the cross-run REPORT.md. */
#define _XOPEN_SOURCE 700   /* realpath */
#include "experiments/report.h"

#include <ctype.h>
#include <stddef.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "common/escape.h"
#include "common/fileio.h"
#include "experiments/cost.h"
#include "experiments/fit.h"
#include "experiments/rundir.h"
#include "experiments/significance.h"
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

/* ---- the best epoch, and whether the run overfits ---- */

static double held_loss(const EpochRecord *r, int on_valid)
{
    return on_valid ? r->valid_loss : r->test_loss;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The rule docs/guide.md §3 states: overfitting is named only when, after the epoch of lowest
 * held-out loss, (1) at least three evaluated epochs follow; (2) the mean held-out loss of the last
 * (up to) five of them is more than 5% above the lowest, and above it by more than twice the noise
 * of such a mean (the median epoch-to-epoch change after the best, over the square root of the
 * number of epochs averaged); and (3) the training loss over those epochs is still below its value
 * at the best epoch. A flat curve wandering by noise (softmax's 200 epochs) or a run stuck at
 * chance, whose losses both wander, is not overfitting. */
void report_judge(const EpochRecord *r, int n, Judgement *j)
{
    memset(j, 0, sizeof *j);
    j->best = report_best_epoch(r, n, &j->on_validation);
    if (j->best < 0)
        return;
    int v = j->on_validation, after = n - 1 - j->best;
    j->best_loss = held_loss(&r[j->best], v);
    j->end_loss = j->best_loss;
    if (after < 1)
        return;
    j->tail = after < 5 ? after : 5;
    double end = 0.0, train_end = 0.0;
    for (int i = n - j->tail; i < n; i++)
        end += held_loss(&r[i], v), train_end += r[i].train_loss;
    j->end_loss = end / j->tail;
    train_end /= j->tail;
    double steps[512];
    int k = 0;
    for (int i = n - after < 1 ? 1 : n - after; i < n && k < 512; i++)
        steps[k++] = fabs(held_loss(&r[i], v) - held_loss(&r[i - 1], v));
    qsort(steps, (size_t)k, sizeof *steps, compare_double);
    j->noise = k % 2 ? steps[k / 2] : 0.5 * (steps[k / 2 - 1] + steps[k / 2]);
    double rise = j->end_loss - j->best_loss;
    j->overfits = after >= 3 && rise > 0.05 * j->best_loss &&
                  rise > 2.0 * j->noise / sqrt((double)j->tail) && train_end < r[j->best].train_loss;
}

/* ---- summary.txt: "key = value" lines, read back by report_list_runs ---- */

static void classes_text(const ExpConfig *c, char *buf, size_t n)
{
    snprintf(buf, n, "all");
    for (int i = 0, k = 0; i < c->n_classes && (size_t)k < n; i++)
        k += snprintf(buf + k, n - (size_t)k, "%s%d", i ? " " : "", c->classes[i]);
}

static const char *label_of(const RunFiles *f, int k);

/* "no better than always answering 9, the commonest class ..." when the last test evaluation was
 * stuck or degenerate (common/metrics' rule), else "". short: the line curves.png has room for. */
static void stuck_text(const RunFiles *f, int short_form, char *buf, size_t n)
{
    buf[0] = '\0';
    if (!f->confusion)
        return;
    Degeneracy d;
    confusion_degeneracy(f->confusion, &d);
    const char *names[METRICS_MAX_CLASSES];
    for (int k = 0; k < f->confusion->k; k++)
        names[k] = label_of(f, k);
    if (!short_form)
        degeneracy_describe(&d, names, f->data->test.n, buf, n);
    else if (d.degenerate)
        snprintf(buf, n, "no better than always answering %s (%.0f%% of the test images are %s); it "
                 "answers %s for %.0f%%", names[d.majority], 100.0 * d.majority_share,
                 names[d.majority], names[d.top_pred], 100.0 * d.top_pred_share);
}

static int write_summary(const RunFiles *f, const Judgement *j)
{
    char classes[64], *text = NULL;
    size_t len = 0;
    classes_text(f->cfg, classes, sizeof classes);
    FILE *o = open_memstream(&text, &len);
    if (!o)
        return mnl_fail(MNL_ERR_NOMEM, "%s/" RUNDIR_SUMMARY, f->dir);
    const EpochRecord *last = &f->records[f->n_records - 1], *b = &f->records[j->best];
    int on_valid = j->on_validation;
    fputs("experiment = ", o);      /* the file's name: one line, whatever its bytes */
    esc_text(o, f->cfg->name);
    fprintf(o, "\nfamily = %s\ndataset = %s\nclasses = %s\nseed = %lu\n", f->cfg->family,
            f->cfg->dataset, classes, f->cfg->seed);
    fputs("class_names =", o);
    for (int k = 0; k < f->data->num_classes; k++)
        fprintf(o, " %s", dataset_class_label(f->cfg->dataset, f->data->class_names[k]));
    fputc('\n', o);
    fprintf(o, "train_images = %d\nvalid_images = %d\ntest_images = %d\n", f->data->train.n,
            f->data->valid.n, f->data->test.n);
    fprintf(o, "parameters = %zu\nmflops_per_image = %.4f\nthreads = %d\n", f->params, f->mflops,
            f->threads);
    fprintf(o, "epochs = %d\nepochs_planned = %d\n", last->epoch,
            f->size_unit ? f->rounds_planned : f->cfg->epochs);
    if (f->size_unit)    /* a fitted model: epochs are boosting rounds or trees, 1 for one fit */
        fprintf(o, "model_size = %zu %s\nmodel_bytes = %zu\npredict_ms_per_1000 = %.2f\n", f->params,
                f->size_unit, f->size_bytes, f->predict_ms_per_1000);
    else if (f->predict_ms_per_1000 > 0)   /* a network: its last test evaluation */
        fprintf(o, "predict_ms_per_1000 = %.2f\n", f->predict_ms_per_1000);
    if (f->stopped_early)
        fprintf(o, "stopped_early = after epoch %d (train.early_stop = %d)\n", f->stopped_early,
                f->cfg->early_stop);
    fprintf(o, "total_seconds = %.2f\nseconds_per_epoch = %.3f\n", f->total_seconds,
            f->total_seconds / last->epoch);
    fprintf(o, "final_train_loss = %.6f\nfinal_train_acc = %.6f\n", last->train_loss, last->train_acc);
    if (on_valid)
        fprintf(o, "final_valid_loss = %.6f\nfinal_valid_acc = %.6f\n", last->valid_loss,
                last->valid_acc);
    fprintf(o, "final_test_loss = %.6f\nfinal_test_acc = %.6f\n", last->test_loss, last->test_acc);
    /* The best epoch is chosen on held-out loss, never on test accuracy: the highest test accuracy
     * over the epochs is picked on the test set itself, and is not a result. */
    fprintf(o, "best_epoch = %d\nbest_epoch_chosen_on = %s\nbest_loss = %.6f\n"
               "best_epoch_test_acc = %.6f\n",
            b->epoch, on_valid ? "validation loss" : "test loss (no validation split, so the test "
                                 "set chose it and its accuracy there is optimistic)",
            j->best_loss, b->test_acc);
    fprintf(o, "end_loss = %.6f\nend_over_best_loss = %.6f\nheld_out_noise = %.6f\n", j->end_loss,
            j->end_loss / j->best_loss, j->noise);
    char stuck[320];
    stuck_text(f, 0, stuck, sizeof stuck);
    fprintf(o, "degenerate = %s\n", stuck[0] ? stuck : "no");
    if (j->overfits)
        fprintf(o, "overfitting_from_epoch = %d\n", b->epoch);
    else
        fprintf(o, "overfitting_from_epoch = none\n");
    if (fclose(o) != 0) {
        free(text);
        return mnl_fail(MNL_ERR_NOMEM, "%s/" RUNDIR_SUMMARY, f->dir);
    }
    int rc = rundir_write_summary(f->dir, text, len);        /* experiments/rundir: the one writer */
    free(text);
    return rc;
}

/* ---- curves.png ---- */

/* Main panel's loss axis: plot.loss_axis, or by itself log when the losses span over 20x. */
int report_log_loss_axis(const char *loss_axis, const EpochRecord *r, int n)
{
    if (!strcmp(loss_axis, "linear"))
        return 0;
    if (!strcmp(loss_axis, "log"))
        return 1;
    double lo = INFINITY, hi = 0.0;
    for (int i = 0; i < n; i++) {
        const EpochRecord *e = &r[i];
        double v[3] = {e->train_loss, e->test_loss, e->valid_loss};
        for (int j = 0; j < 3; j++)
            if (v[j] > 0 && isfinite(v[j]))
                lo = v[j] < lo ? v[j] : lo, hi = v[j] > hi ? v[j] : hi;
    }
    return hi > 20.0 * lo;
}


/* curves.png of a model fitted once: no curve and no verdict, the training, validation and test
 * accuracy as bars with their numbers, and what the fit cost (plots/fitted.gp). */
static int write_fitted_once(const RunFiles *f)
{
    const EpochRecord *e = &f->records[f->n_records - 1];
    char out[MNL_PATH_LEN], title[400], cost[300], note[200];
    rundir_path(f->dir, RUNDIR_CURVES, out, sizeof out);
    snprintf(title, sizeof title, "%s: %s on %s, fitted once (no curve: one fit, one evaluation)",
             f->cfg->name, f->cfg->family, f->cfg->dataset);
    double bytes = (double)f->size_bytes;
    snprintf(cost, sizeof cost, "fit %.1f s  |  prediction %.1f ms per 1,000 images  |  model: %zu %s, "
             "%.1f %s", f->total_seconds, f->predict_ms_per_1000, f->params, f->size_unit,
             bytes >= 1048576 ? bytes / 1048576 : bytes / 1024, bytes >= 1048576 ? "MB" : "kB");
    snprintf(note, sizeof note, "training accuracy on the first %d training images; test accuracy "
             "on all %d test images", f->data->train.n < FIT_TRAIN_SCORED ? f->data->train.n : FIT_TRAIN_SCORED,
             f->data->test.n);
    Plot p;
    int rc = plot_begin(&p);
    if (rc)
        return rc;
    plot_set_str(&p, "title", title);
    plot_set_num(&p, "train_acc", e->train_acc);
    plot_set_num(&p, "test_acc", e->test_acc);
    plot_set_int(&p, "has_valid", f->data->valid.n > 0);
    plot_set_num(&p, "valid_acc", f->data->valid.n > 0 ? e->valid_acc : 0.0);
    plot_set_str(&p, "cost", cost);
    plot_set_str(&p, "note", note);
    return plot_draw(&p, "fitted", out);
}

/* The bottom panel: from the first epoch whose held-out loss is within twice the lowest (past the
 * steep first drop); its loss range is set by the epochs from the best on, with room above for the
 * descent into it, so that what happened after the best fills the panel (a rise of 0.026 to 0.033
 * is a third of its height, not a sliver). */
void report_zoom_range(const EpochRecord *r, int n, const Judgement *j, int *from, double *lo,
                       double *hi)
{
    int v = j->on_validation, first = 0;
    while (first < j->best && held_loss(&r[first], v) > 2.0 * j->best_loss)
        first++;
    *lo = j->best_loss, *hi = j->best_loss;
    /* a best at the last epoch has nothing after it: the range of the descent into it, then */
    for (int i = j->best < n - 1 ? j->best : first; i < n; i++) {
        double l = held_loss(&r[i], v);
        if (isfinite(l))
            *hi = l > *hi ? l : *hi;
    }
    double span = *hi - *lo;
    if (span <= 0)    /* a flat line */
        span = 0.25 * fabs(*lo) + 1e-6;
    *lo -= 0.15 * span, *hi += 0.6 * span;
    *from = r[first].epoch;
}

static int write_curves(const RunFiles *f, const Judgement *j)
{
    if (f->size_unit && f->rounds_planned <= 1)
        return write_fitted_once(f);
    char in[MNL_PATH_LEN], out[MNL_PATH_LEN], title[400];
    char label[256], zoom[256];
    rundir_path(f->dir, RUNDIR_METRICS, in, sizeof in);
    rundir_path(f->dir, RUNDIR_CURVES, out, sizeof out);
    const EpochRecord *b = &f->records[j->best], *last = &f->records[f->n_records - 1];
    const char *which = j->on_validation ? "validation" : "test";
    snprintf(label, sizeof label, "lowest %s loss %.4f at epoch %d (test accuracy there %.2f%%)%s",
             which, j->best_loss, b->epoch, 100 * b->test_acc,
             j->overfits ? ": overfitting begins" : "");
    if (j->tail > 0)
        snprintf(zoom, sizeof zoom, "%s loss zoomed: lowest %.4f (dotted, epoch %d), mean of the "
                 "last %d %.4f (dark red bar) %+.0f%%: %s", which, j->best_loss, b->epoch, j->tail,
                 j->end_loss, 100.0 * (j->end_loss / j->best_loss - 1.0),
                 j->overfits ? "it has risen, overfitting" : "no real rise");
    else if (f->n_records == 1)      /* one point says nothing of falling or rising */
        snprintf(zoom, sizeof zoom, "%s loss after the only epoch: %.4f (one point: no trend yet, "
                 "train longer to see one)", which, j->best_loss);
    else
        snprintf(zoom, sizeof zoom, "%s loss, zoomed: lowest %.4f at the last epoch, %d: still "
                 "falling, no overfitting yet", which, j->best_loss, b->epoch);
    int k = f->data->num_classes;
    double chance = 1.0 / k, acc_min = 1.0;
    for (int i = 0; i < f->n_records; i++) {
        const EpochRecord *e = &f->records[i];
        double a[3] = {e->test_acc, e->valid_acc, e->train_acc};
        for (int q = 0; q < 3; q++)
            if (!isnan(a[q]) && a[q] < acc_min)
                acc_min = a[q];
    }
    /* The accuracy axis shows chance only when some accuracy comes near it; otherwise it starts
     * just below the lowest accuracy, so the gap between training and test accuracy is seen. */
    int show_chance = acc_min - chance < 0.25;
    if (show_chance && chance < acc_min)
        acc_min = chance;
    acc_min = floor((acc_min - 0.02) * 20.0) / 20.0;
    int zoom_from;
    double zoom_lo, zoom_hi;
    report_zoom_range(f->records, f->n_records, j, &zoom_from, &zoom_lo, &zoom_hi);
    int end_from = f->records[f->n_records - (j->tail > 0 ? j->tail : 1)].epoch;
    if (f->size_unit && f->rounds_planned > 1)   /* a fitted family: its rounds are the epochs */
        snprintf(title, sizeof title, "%s: %s on %s, %d %s (one per epoch)", f->cfg->name,
                 f->cfg->family, f->cfg->dataset, last->epoch,
                 strcmp(f->cfg->family, "forest") ? "boosting rounds" : "trees");
    else
        snprintf(title, sizeof title, "%s: %s on %s, %d epoch%s", f->cfg->name, f->cfg->family,
                 f->cfg->dataset, last->epoch, last->epoch == 1 ? "" : "s");
    char stuck[320];
    stuck_text(f, 1, stuck, sizeof stuck);
    Plot p;
    int rc = plot_begin(&p);
    if (rc)
        return rc;
    plot_add_file(&p, "in", in);
    plot_set_str(&p, "title", title);
    plot_set_int(&p, "has_valid", j->on_validation);
    plot_set_num(&p, "chance", chance);
    plot_set_int(&p, "best_epoch", b->epoch);
    plot_set_num(&p, "best_loss", j->best_loss);
    plot_set_str(&p, "best_label", label);
    plot_set_int(&p, "last_epoch", last->epoch);
    plot_set_num(&p, "acc_min", acc_min < 0 ? 0.0 : acc_min);
    plot_set_int(&p, "show_chance", show_chance);
    plot_set_int(&p, "log_loss", report_log_loss_axis(f->cfg->loss_axis, f->records, f->n_records));
    plot_set_int(&p, "zoom_from", zoom_from);
    plot_set_num(&p, "zoom_lo", zoom_lo);
    plot_set_num(&p, "zoom_hi", zoom_hi);
    plot_set_int(&p, "end_from", end_from);
    plot_set_num(&p, "end_loss", j->end_loss);
    plot_set_str(&p, "zoom_label", zoom);
    plot_set_str(&p, "stuck", stuck);
    plot_set_layout(&p, "curves");
    return f->live ? plot_draw(&p, "curves", out) : plot_draw_svg(&p, "curves", out);
}

/* ---- samples.png: a row of correct and a row of wrong test images ---- */

/* "4", or "Coat" for Fashion-MNIST: relabelled class k as a person names it. */
static const char *label_of(const RunFiles *f, int k)
{
    return dataset_class_label(f->cfg->dataset, f->data->class_names[k]);
}

static int write_samples(const RunFiles *f)
{
    const Dataset *t = &f->data->test;
    int n = f->n_correct + f->n_wrong;
    if (n == 0)
        return MNL_OK;
    const float *pixels = t->pixels ? t->pixels : t->x;     /* the images, not their features */
    int ih = t->pixels ? t->ph : t->h, iw = t->pixels ? t->pw : t->w;
    size_t px = (size_t)ih * iw;
    float *images = malloc(sizeof(float) * px * 2 * 10);
    char (*text)[48] = malloc(sizeof *text * 20);
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
            memcpy(images + (size_t)i * px, pixels + (size_t)idx * px, sizeof(float) * px);
            snprintf(text[i], sizeof text[i], "T:%s P:%s (%.2f)", label_of(f, t->y[idx]),
                     label_of(f, pred), conf);
            used = i + 1;
        }
        labels[i] = text[i];
        bad[i] = wrong;
    }
    char out[MNL_PATH_LEN], title[200];
    rundir_path(f->dir, RUNDIR_SAMPLES, out, sizeof out);
    snprintf(title, sizeof title, "%s: correct (top) and misclassified (bottom, red) test images, "
             "T = true class, P = predicted (confidence)", f->cfg->name);
    int rc = plot_image_grid(out, title, images, used > 10 ? 20 : used, ih, iw, 10, labels, bad);
    free(images);
    free(text);
    return rc;
}

/* ---- confusion.png ---- */

static int write_confusion(const RunFiles *f)
{
    const Confusion *c = f->confusion;
    char dat[MNL_PATH_LEN], out[MNL_PATH_LEN], names[160] = "", title[400];
    rundir_path(f->dir, RUNDIR_CONFUSION_DAT, dat, sizeof dat);
    rundir_path(f->dir, RUNDIR_CONFUSION, out, sizeof out);
    AtomicFile a;
    int rc = atomic_open(&a, dat);
    if (rc)
        return rc;
    for (int i = 0, k = 0; i < c->k; i++)   /* class names hold no blanks: words of one list */
        k += snprintf(names + k, sizeof names - (size_t)k, "%s%s", i ? " " : "", label_of(f, i));
    fprintf(a.f, "# counts: row = true class, column = predicted, in the order %s\n", names);
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
    snprintf(title, sizeof title, "%s: confusion matrix", f->cfg->name);
    const char *class_names[DATASET_MAX_CLASSES];
    int k = c->k < DATASET_MAX_CLASSES ? c->k : DATASET_MAX_CLASSES;
    for (int i = 0; i < k; i++)
        class_names[i] = label_of(f, i);
    Plot p;
    if ((rc = plot_begin(&p)))
        return rc;
    plot_add_file(&p, "in", dat);
    plot_set_str_array(&p, "names", class_names, k);
    plot_set_int(&p, "maxv", maxv);
    plot_set_str(&p, "title", title);
    plot_set_num(&p, "accuracy", 100.0 * confusion_accuracy(c));
    return plot_draw(&p, "confusion", out);
}

int report_write_run(const RunFiles *f)
{
    if (f->n_records == 0)
        return MNL_OK;
    Judgement j;
    report_judge(f->records, f->n_records, &j);
    int rc = write_summary(f, &j);
    if (!rc)
        rc = write_curves(f, &j);
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
    Judgement j;
    report_judge(f->records, f->n_records, &j);
    return write_curves(f, &j);
}

/* ==== REPORT.md across runs ==== */

/* Names in natural order: a run of digits compares as a number, so seed2 comes before seed10. */
static int natural_compare(const char *a, const char *b)
{
    while (*a && *b) {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            /* a number as its value, decimals included: seed2 before seed10, and a sweep's
             * lr=0.0001 before 0.001 before 0.02 before 0.1, each with its seeds together */
            char *ea, *eb;
            double va = strtod(a, &ea), vb = strtod(b, &eb);
            if (va != vb)
                return va < vb ? -1 : 1;
            size_t na = (size_t)(ea - a), nb = (size_t)(eb - b);
            int c = strncmp(a, b, na < nb ? na : nb);
            if (c || na != nb)
                return c ? c : (na < nb ? -1 : 1);
            a = ea, b = eb;
        } else {
            /* '/' first: a folder's runs (cnn-4v9/seed1) come right after it, before cnn-4v9-x */
            int ca = *a == '/' ? 1 : (unsigned char)*a, cb = *b == '/' ? 1 : (unsigned char)*b;
            if (ca != cb)
                return ca < cb ? -1 : 1;
            a++, b++;
        }
    }
    return (unsigned char)*a - (unsigned char)*b;
}

/* The "key = value" lines of a run's summary.txt (read by experiments/rundir) into s. 0, or -1
 * when it is not one. */
static int read_summary(const char *dir, RunSummary *s)
{
    char *text;
    if (rundir_read_summary(dir, &text) != MNL_OK) {   /* a FIFO named summary.txt is refused */
        mnl_clear_error();
        return -1;
    }
    char v[512];
#define TEXT(key, field) if (rundir_summary_value(text, key, v, sizeof v) == 0) \
        snprintf(s->field, sizeof s->field, "%.*s", (int)sizeof s->field - 1, v)
#define NUM(key, field, conv) if (rundir_summary_value(text, key, v, sizeof v) == 0) s->field = conv
    snprintf(s->classes, sizeof s->classes, "all");
    s->best_on_validation = -1;
    TEXT("experiment", experiment);
    TEXT("family", family);
    TEXT("dataset", dataset);
    TEXT("classes", classes);
    NUM("seed", seed, strtoul(v, NULL, 10));
    NUM("test_images", test_images, atol(v));
    NUM("parameters", params, atol(v));
    if (rundir_summary_value(text, "model_size", v, sizeof v) == 0) {   /* "COUNT UNIT" */
        const char *unit = strchr(v, ' ');
        snprintf(s->size_unit, sizeof s->size_unit, "%.*s", (int)sizeof s->size_unit - 1,
                 unit ? unit + 1 : "");
    }
    NUM("model_bytes", model_bytes, atoll(v));
    NUM("predict_ms_per_1000", predict_ms_per_1000, atof(v));
    NUM("mflops_per_image", mflops, atof(v));
    NUM("epochs", epochs, atoi(v));
    NUM("epochs_planned", epochs_planned, atoi(v));
    NUM("stopped_early", stopped_early, 1);
    NUM("total_seconds", total_s, atof(v));
    NUM("seconds_per_epoch", per_epoch_s, atof(v));
    NUM("final_test_acc", final_acc, atof(v));
    NUM("final_test_loss", final_loss, atof(v));
    NUM("best_epoch", best_epoch, atoi(v));
    NUM("best_epoch_test_acc", best_epoch_acc, atof(v));
    NUM("best_epoch_chosen_on", best_on_validation, !strncmp(v, "validation", 10));
    NUM("end_over_best_loss", end_over_best, atof(v));
    NUM("overfitting_from_epoch", overfits, strcmp(v, "none") != 0);
    s->ece = s->temperature = s->ece_after = NAN;
    NUM("ece", ece, atof(v));
    if (rundir_summary_value(text, "temperature", v, sizeof v) == 0 && strncmp(v, "none", 4) != 0)
        s->temperature = atof(v);
    NUM("ece_after_temperature", ece_after, atof(v));
    if (rundir_summary_value(text, "degenerate", v, sizeof v) == 0 && strcmp(v, "no") != 0)
        snprintf(s->stuck, sizeof s->stuck, "%.*s", (int)sizeof s->stuck - 1, v);
#undef TEXT
#undef NUM
    free(text);
    if (!s->epochs_planned)
        s->epochs_planned = s->epochs;
    return s->experiment[0] ? 0 : -1;
}

/* The experiment file PATH that config.used names, into base: PATH as written is relative to
 * where the run was started; compare may run elsewhere, so a relative PATH is also tried against
 * each folder above the run (results/cnn inside the project finds the project's
 * experiments/cnn.conf). 0, or -1 when none loads. */
static int load_named_experiment(const char *dir, const char *from, ExpConfig *base)
{
    if (config_load(from, base) == MNL_OK)
        return 0;
    mnl_clear_error();
    char up[MNL_PATH_LEN], path[2 * MNL_PATH_LEN];
    if (from[0] == '/' || !realpath(dir, up))
        return -1;
    for (char *slash; (slash = strrchr(up, '/'));) {
        *slash = '\0';
        snprintf(path, sizeof path, "%s/%s", up, from);
        if (config_load(path, base) == MNL_OK)
            return 0;
        mnl_clear_error();
    }
    return -1;
}

/* What the run's config.used changes from the experiment file it names ("; settings of
 * experiment NAME (from PATH)"). */
static void read_differences(const char *dir, RunSummary *s)
{
    char path[MNL_PATH_LEN];
    rundir_path(dir, RUNDIR_CONFIG, path, sizeof path);
    ExpConfig used, base;
    if (config_load(path, &used) != MNL_OK) {
        snprintf(s->differs, sizeof s->differs, "(no readable " RUNDIR_CONFIG ")");
        snprintf(s->differs_but_seed, sizeof s->differs_but_seed, "%s", s->differs);
        mnl_clear_error();
        return;
    }
    char first[3 * MNL_PATH_LEN + 64] = "", from[3 * MNL_PATH_LEN + 64] = "";
    FILE *f = file_open_text(path);   /* a FIFO or device would block or never end */
    if (f) {
        if (!fgets(first, sizeof first, f))
            first[0] = '\0';
        fclose(f);
    }
    const char *p = strstr(first, " (from ");
    if (p) {
        snprintf(from, sizeof from, "%s", p + 7);
        char *close = strrchr(from, ')');
        if (close)
            *close = '\0';
        esc_line_path_decode(from);     /* config.c wrote its control bytes and '%' as %XX */
    }
    if (!from[0] || load_named_experiment(dir, from, &base) != 0) {
        snprintf(s->differs, sizeof s->differs, "(experiment file %s not found)", from[0] ? from : "?");
        snprintf(s->differs_but_seed, sizeof s->differs_but_seed, "%s", s->differs);
        mnl_clear_error();
        return;
    }
    config_diff(&base, &used, "threads", s->differs, sizeof s->differs);
    config_diff(&base, &used, "threads seed", s->differs_but_seed, sizeof s->differs_but_seed);
}

static void describe_task(RunSummary *s)
{
    int k = 10;
    if (strcmp(s->classes, "all")) {
        k = 1;
        for (const char *p = s->classes; *p; p++)
            k += *p == ' ';
    }
    if (k == 10)
        snprintf(s->task, sizeof s->task, "%s, 10 classes, %ld test images", s->dataset, s->test_images);
    else
        snprintf(s->task, sizeof s->task, "%s, classes %s, %ld test images", s->dataset, s->classes,
                 s->test_images);
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

typedef struct {
    RunSummary *runs;
    int n, cap;
    const char *root;
    int finished;                /* list the finished runs (1) or the others (0) */
} RunList;

/* The longest "/NAME" a report writes in its results root, a temp file's suffix included
 * ("/compare-SLUG.png.tmp.PID.old", the task's slug under 120 bytes): the root leaves this much
 * under PATH_MAX. */
#define REPORT_FILE_ROOM 160

/* Folders below the root searched for runs: a sweep's runs are root/SWEEP/VALUE/seedK, and a name
 * may itself hold slashes. */
#define REPORT_MAX_DEPTH 8

static void relative_name(const RunList *l, const char *dir, RunSummary *s)
{
    size_t rl = strlen(l->root);
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    snprintf(s->name, sizeof s->name, "%s", dir[rl] == '/' ? dir + rl + 1 : ".");
}

/* A run folder, as its owner (experiments/rundir) sees it: finished runs with their summary, the
 * others by their state ("in progress, epoch 12/150", "incomplete: ..."). */
static void find_runs(RunList *l, const char *dir, int depth)
{
    RunDirStatus st;
    int upgraded = 0;
    RunDirState state = rundir_status(dir, &st, &upgraded);
    if (upgraded) {
        fputs("note: ", stdout);
        esc_text(stdout, dir);
        fputs(" was written by an earlier mnistlab; its files are whole, so it now has a manifest "
              "and a completion mark (once)\n", stdout);
    }
    if (state != RUNDIR_NONE && (state == RUNDIR_DONE) == l->finished) {
        if (l->n == l->cap) {
            int cap = l->cap ? 2 * l->cap : 32;
            RunSummary *p = realloc(l->runs, sizeof *p * (size_t)cap);
            if (!p)
                return;
            l->runs = p, l->cap = cap;
        }
        RunSummary *s = &l->runs[l->n];
        memset(s, 0, sizeof *s);
        snprintf(s->state, sizeof s->state, "%s", st.text);
        if (!l->finished) {
            relative_name(l, dir, s);
            l->n++;
        } else if (read_summary(dir, s) == 0) {
            relative_name(l, dir, s);
            read_differences(dir, s);
            describe_task(s);
            l->n++;
        }
    }
    if (depth == REPORT_MAX_DEPTH)
        return;
    DIR *d = opendir(dir);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d));) {
        char sub[MNL_PATH_LEN];
        /* every name but . and .. (a run folder named "..." is a run like any other); a path that
         * does not fit is skipped, never cut into another folder's name */
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
            snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name) >= (int)sizeof sub)
            continue;
        if (is_dir(sub))
            find_runs(l, sub, depth + 1);
    }
    closedir(d);
}

/* Tasks: MNIST before Fashion, more classes first, the larger test set first; then names. */
static int by_task_then_name(const void *pa, const void *pb)
{
    const RunSummary *a = pa, *b = pb;
    int da = strcmp(a->dataset, "mnist") != 0, db = strcmp(b->dataset, "mnist") != 0;
    if (da != db)
        return da - db;
    int c = strcmp(a->dataset, b->dataset);
    if (c)
        return c;
    int ka = !strcmp(a->classes, "all"), kb = !strcmp(b->classes, "all");
    if (ka != kb)
        return kb - ka;
    if ((c = natural_compare(a->classes, b->classes)))
        return c;
    if (a->test_images != b->test_images)
        return a->test_images > b->test_images ? -1 : 1;
    return natural_compare(a->name, b->name);
}

int report_list_runs(const char *root, RunSummary **runs)
{
    RunList l = {.root = root, .finished = 1};
    find_runs(&l, root, 0);
    if (l.n)
        qsort(l.runs, (size_t)l.n, sizeof *l.runs, by_task_then_name);
    *runs = l.runs;
    return l.n;
}

static int by_name(const void *pa, const void *pb)
{
    return natural_compare(((const RunSummary *)pa)->name, ((const RunSummary *)pb)->name);
}

int report_list_unfinished(const char *root, RunSummary **runs)
{
    RunList l = {.root = root, .finished = 0};
    find_runs(&l, root, 0);
    if (l.n)
        qsort(l.runs, (size_t)l.n, sizeof *l.runs, by_name);
    *runs = l.runs;
    return l.n;
}

int report_root_of(const char *run_dir, char *root, size_t n)
{
    char buf[MNL_PATH_LEN];
    snprintf(buf, sizeof buf, "%s", run_dir);
    size_t len = strlen(buf);
    while (len > 1 && buf[len - 1] == '/')
        buf[--len] = '\0';
    char *slash = strrchr(buf, '/');
    char parent[MNL_PATH_LEN];
    snprintf(parent, sizeof parent, "%s", !slash ? "." : slash == buf ? "/" : buf);
    if (slash && slash != buf)
        parent[slash - buf] = '\0';
    /* the nearest folder above named results: where make exp-NAME and compare keep REPORT.md */
    while ((slash = strrchr(buf, '/'))) {
        *slash = '\0';
        const char *base = strrchr(buf, '/');
        base = base ? base + 1 : buf;
        if (!strcmp(base, "results")) {
            snprintf(root, n, "%s", buf);
            return 1;
        }
    }
    /* else a folder the learner compares by hand, once it holds a REPORT.md */
    char report[MNL_PATH_LEN];
    if (snprintf(report, sizeof report, "%s/REPORT.md", parent) < (int)sizeof report &&
        access(report, F_OK) == 0) {
        snprintf(root, n, "%s", parent);
        return 1;
    }
    snprintf(root, n, "%s", parent);
    return 0;
}

/* ---- the groups of the report: a lone run, or the seedK runs of one folder and settings ---- */

static int is_seed_folder(const char *name)
{
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    return !strncmp(base, "seed", 4) && base[4] && strspn(base + 4, "0123456789") == strlen(base + 4);
}

static size_t parent_len(const char *name)
{
    const char *slash = strrchr(name, '/');
    return slash ? (size_t)(slash - name) : 0;
}

/* Runs [i, end) of one group: seed folders beside each other with the same settings but the seed. */
static int group_end(const RunSummary *r, int n, int i)
{
    int j = i + 1;
    if (!is_seed_folder(r[i].name))
        return j;
    size_t pl = parent_len(r[i].name);
    while (j < n && !strcmp(r[j].task, r[i].task) && is_seed_folder(r[j].name) &&
           parent_len(r[j].name) == pl && !strncmp(r[j].name, r[i].name, pl) &&
           !strcmp(r[j].differs_but_seed, r[i].differs_but_seed))
        j++;
    return j;
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

/* "98.00%", or "98.00±1.00%" over a group. */
static void percent_cell(const RunSummary *g, int n, size_t offset, char *buf, size_t len)
{
    double v[512] = {0}, m, sd;
    int k = n < 512 ? n : 512;
    for (int i = 0; i < k; i++)
        v[i] = 100.0 * *(const double *)((const char *)&g[i] + offset);
    mean_std(v, k, &m, &sd);
    if (n == 1)
        snprintf(buf, len, "%.2f%%", m);
    else
        snprintf(buf, len, "%.2f\u00b1%.2f%%", m, sd);
}

/* [text](./percent-encoded/target): a link whose text and target are both escaped. */
static void md_link(FILE *o, const char *text, const char *target)
{
    fputc('[', o);
    esc_md_cell(o, text);
    fputs("](", o);
    esc_md_link(o, target);
    fputc(')', o);
}

/* A run's file as a link: [label](./NAME/file). */
static void md_file_link(FILE *o, const char *label, const char *name, const char *file)
{
    char *target = NULL;
    size_t len = 0;
    FILE *t = open_memstream(&target, &len);
    if (!t)
        return;
    fprintf(t, "%s/%s", name, file);
    fclose(t);
    md_link(o, label, target);
    free(target);
}

static void write_group_row(FILE *o, const RunSummary *g, int n)
{
    char best_acc[48], final_acc[80], loss[48];
    percent_cell(g, n, offsetof(RunSummary, best_epoch_acc), best_acc, sizeof best_acc);
    if (n == 1)   /* a lone run: with its 95% Wilson interval (experiments/significance) */
        significance_accuracy_cell(g->final_acc, g->test_images, final_acc, sizeof final_acc);
    else
        percent_cell(g, n, offsetof(RunSummary, final_acc), final_acc, sizeof final_acc);
    double ls[512] = {0}, m_loss, s_loss;
    int k = n < 512 ? n : 512, overfit = 0;
    for (int i = 0; i < k; i++)
        ls[i] = g[i].final_loss, overfit += g[i].overfits;
    mean_std(ls, k, &m_loss, &s_loss);
    if (n == 1)
        snprintf(loss, sizeof loss, "%.4f", m_loss);
    else
        snprintf(loss, sizeof loss, "%.4f\u00b1%.4f", m_loss, s_loss);
    fputs("| ", o);
    if (n == 1) {
        md_file_link(o, g->name, g->name, "");
    } else {
        char parent[sizeof g->name];
        snprintf(parent, sizeof parent, "%.*s", (int)parent_len(g->name), g->name);
        esc_md_cell(o, parent);
        fputs("/seed*", o);     /* the name's own asterisks are escaped: this one pairs with none */
    }
    fputs(" | ", o);
    esc_md_cell(o, g->family);
    fputs(" | ", o);
    const char *diff = n == 1 ? g->differs : g->differs_but_seed;
    esc_md_cell(o, diff[0] ? diff : "–");
    fprintf(o, " | %ld | %.3f | ", g->params, g->mflops);
    if (g->epochs < g->epochs_planned)
        fprintf(o, "%d of %d (%s) | ", g->epochs, g->epochs_planned,
                g->stopped_early ? "early stop" : "stopped");
    else
        fprintf(o, "%d | ", g->epochs);
    fprintf(o, "%.2f | ", g->per_epoch_s);
    if (n == 1)
        fprintf(o, "%d (%s) | ", g->best_epoch, g->best_on_validation == 1 ? "valid" : "test");
    else
        fprintf(o, "– | ");
    int stuck = 0;
    for (int i = 0; i < n; i++)
        stuck += g[i].stuck[0] != 0;
    if (stuck && n == 1)
        fprintf(o, "%s | %s **stuck** | %s | ", best_acc, final_acc, loss);
    else if (stuck)
        fprintf(o, "%s | %s (**%d of %d stuck**) | %s | ", best_acc, final_acc, stuck, n, loss);
    else
        fprintf(o, "%s | %s | %s | ", best_acc, final_acc, loss);
    if (n == 1 && g->overfits)
        fprintf(o, "from epoch %d (end %+.0f%%) | ", g->best_epoch, 100.0 * (g->end_over_best - 1.0));
    else if (n == 1)
        fprintf(o, "no | ");
    else
        fprintf(o, "%d of %d seeds | ", overfit, n);
    if (n == 1) {
        fprintf(o, "%lu | ", g->seed);
        md_file_link(o, "curves", g->name, RUNDIR_CURVES);
        fputc(' ', o);
        md_file_link(o, "samples", g->name, RUNDIR_SAMPLES);
        fputc(' ', o);
        md_file_link(o, "confusion", g->name, RUNDIR_CONFUSION);
        fputs(" |\n", o);
    } else {
        fprintf(o, "%d:", n);
        for (int i = 0; i < n; i++) {
            char seed[32];
            snprintf(seed, sizeof seed, "%lu", g[i].seed);
            fputc(' ', o);
            md_file_link(o, seed, g[i].name, "");
        }
        fputs(" | ", o);
        md_file_link(o, "curves", g->name, RUNDIR_CURVES);
        fputs(" |\n", o);
    }
}

/* compare-SLUG.png for a task: its words joined by '-' ("mnist-classes-4-9-500-test-images"). */
static void task_slug(const char *task, char *buf, size_t n)
{
    size_t k = 0;
    for (const char *p = task; *p && k + 1 < n; p++) {
        if (isalnum((unsigned char)*p))
            buf[k++] = (char)tolower((unsigned char)*p);
        else if (k && buf[k - 1] != '-')
            buf[k++] = '-';
    }
    while (k && buf[k - 1] == '-')
        k--;
    buf[k] = '\0';
}

enum { CHART_MAX_EPOCHS = 100000, CHART_MAX_LINES = 10 };
/* Key entries are cut to this many characters in the middle (a line of the key below the chart);
 * the table has the full names. */
#define CHART_KEY_CHARS 100
/* Text every drawn name shares at its start or end, when at least this long, is left out of the
 * key ("…"), so the part that tells runs apart is what the key shows. */
#define CHART_COMMON_MIN 12

/* The test accuracy per epoch of a run's metrics.csv (read through experiments/rundir): acc[e - 1]
 * for epochs 1..*epochs (NaN where an epoch was not evaluated). 0, or -1 when it does not read. */
static int read_test_acc(const char *dir, double **acc, int *epochs)
{
    EpochRecord *rows = NULL;
    int n = 0;
    *acc = NULL, *epochs = 0;
    if (rundir_read_metrics(dir, &rows, &n) != MNL_OK) {
        mnl_clear_error();
        return -1;
    }
    int last = 0;
    for (int k = 0; k < n; k++)
        if (rows[k].epoch >= 1 && rows[k].epoch <= CHART_MAX_EPOCHS && rows[k].epoch > last)
            last = rows[k].epoch;
    if (last && (*acc = malloc(sizeof **acc * (size_t)last))) {
        for (int e = 0; e < last; e++)
            (*acc)[e] = NAN;
        for (int k = 0; k < n; k++)
            if (rows[k].epoch >= 1 && rows[k].epoch <= last)
                (*acc)[rows[k].epoch - 1] = rows[k].test_acc;
        *epochs = last;
    }
    free(rows);
    return *acc ? 0 : -1;
}

/* Whether s[at] is a separator a key may be cut at (space - _ = / : and a '.' or ',' that is not
 * inside a number), so no word or number is cut. */
static int is_cut_point(const char *s, size_t total, size_t at)
{
    char c = s[at];
    if (c == '.' || c == ',') {
        int digit_before = at > 0 && isdigit((unsigned char)s[at - 1]);
        int digit_after = at + 1 < total && isdigit((unsigned char)s[at + 1]);
        return !digit_before && !digit_after;
    }
    return c == ' ' || c == '-' || c == '_' || c == '=' || c == '/' || c == ':';
}

size_t report_common_part(const char *const *names, int n, int from_end)
{
    if (n < 2)
        return 0;
    size_t len = strlen(names[0]);
    for (int i = 1; i < n; i++) {
        size_t li = strlen(names[i]), k = 0;
        while (k < len && k < li &&
               (from_end ? names[0][strlen(names[0]) - 1 - k] == names[i][li - 1 - k]
                         : names[0][k] == names[i][k]))
            k++;
        len = k;
    }
    const char *s = names[0];
    size_t total = strlen(s);
    while (len > 0 && !is_cut_point(s, total, from_end ? total - len : len - 1))
        len--;
    for (int i = 0; i < n; i++)
        if (strlen(names[i]) <= len + 3)
            return 0;
    return len >= CHART_COMMON_MIN ? len : 0;
}

/* One block of compare-SLUG.dat for the group r[g, ge): "epoch mean std runs" of the test accuracy
 * at every epoch some member evaluated (the band is 0 wide for one run). Returns the last epoch,
 * 0 when no member could be read. */
static int write_group_block(FILE *o, const RunSummary *r, int g, int ge, double *final_mean)
{
    double *acc[512];
    int ep[512], k = 0, last = 0;
    for (int i = g; i < ge && k < 512; i++)
        if (read_test_acc(r[i].dir, &acc[k], &ep[k]) == 0) {
            last = ep[k] > last ? ep[k] : last;
            k++;
        }
    *final_mean = NAN;
    for (int e = 1; e <= last; e++) {
        double v[512], m, sd;
        int n = 0;
        for (int i = 0; i < k; i++)
            if (e <= ep[i] && !isnan(acc[i][e - 1]))
                v[n++] = acc[i][e - 1];
        if (!n)
            continue;
        mean_std(v, n, &m, &sd);
        fprintf(o, "%d %.6f %.6f %d\n", e, m, n > 1 ? sd : 0.0, n);
        *final_mean = m;
    }
    fprintf(o, "\n\n");
    for (int i = 0; i < k; i++)
        free(acc[i]);
    return last;
}

typedef struct { int g, ge; double final; } ChartLine;

/* The units of a run's steps (experiments/rundir: rundir_planned), as bits. */
enum { UNIT_EPOCH = 1, UNIT_ROUND = 2, UNIT_TREE = 4, UNIT_FIT = 8 };
static int unit_bit(const char *unit)
{
    return !strcmp(unit, "round") ? UNIT_ROUND : !strcmp(unit, "tree") ? UNIT_TREE :
           !strcmp(unit, "fit") ? UNIT_FIT : UNIT_EPOCH;
}

static int by_final_desc(const void *pa, const void *pb)
{
    const ChartLine *a = pa, *b = pb;
    return (a->final < b->final) - (a->final > b->final);
}

/* One chart for the runs [i, end) of a task: test accuracy per epoch, one line per group (a seed
 * group's mean over its seeds, with a band of ± one standard deviation; its members are not drawn
 * again), on a linear epoch axis (log only when the epochs span three decades, and then said; a
 * booster's rounds or a forest's trees beside a network's epochs share the axis, each line's unit
 * in the key, log when they reach ten times the epochs). At
 * most CHART_MAX_LINES lines, the groups of the highest final accuracy: the title says how many
 * more the table lists. */
static int write_task_chart(FILE *o, const char *root, const RunSummary *r, int i, int end,
                            const char *png)
{
    ChartLine *lines = malloc(sizeof *lines * (size_t)(end - i + 1));
    if (!lines)
        return mnl_fail(MNL_ERR_NOMEM, "cannot list the runs of %s", png);
    int n_lines = 0;
    for (int g = i, ge; g < end; g = ge) {
        ge = group_end(r, end, g);
        double m = 0;
        for (int k = g; k < ge; k++)
            m += r[k].final_acc;
        lines[n_lines++] = (ChartLine){g, ge, m / (ge - g)};
    }
    qsort(lines, (size_t)n_lines, sizeof *lines, by_final_desc);
    int shown = n_lines < CHART_MAX_LINES ? n_lines : CHART_MAX_LINES;
    char dat[MNL_PATH_LEN], out[MNL_PATH_LEN], title[400], slug[1000];
    snprintf(slug, sizeof slug, "%s", png);
    size_t len = strlen(slug);
    if (len > 4 && !strcmp(slug + len - 4, ".png"))
        slug[len - 4] = '\0';
    if (snprintf(dat, sizeof dat, "%s/%s.dat", root, slug) >= (int)sizeof dat ||
        snprintf(out, sizeof out, "%s/%s", root, png) >= (int)sizeof out) {
        free(lines);
        return mnl_fail(MNL_ERR_IO, "%s: path too long", root);
    }
    /* the series straight into the plot's private folder: beside REPORT.md only the chart (a
     * copy of the series with $MNISTLAB_KEEP_PLOT_DATA, to redraw it by hand) */
    Plot p;
    int rc = plot_begin(&p), last = 1, last_epochs = 0, step_units = 0;
    FILE *in = rc ? NULL : plot_open_data(&p, "in");
    if (!rc && !in)
        rc = p.rc;
    char (*names)[CHART_KEY_CHARS * 4 + 64] = calloc((size_t)(shown ? shown : 1), sizeof *names);
    const char **keys = calloc((size_t)(shown ? shown : 1), sizeof *keys);
    if (!rc && (!names || !keys))
        rc = mnl_fail(MNL_ERR_NOMEM, "cannot list the runs of %s", png);
    /* a group's name: its folder, "PARENT/seed*" for a seed group */
    char (*raw)[MNL_PATH_LEN] = calloc((size_t)(shown ? shown : 1), sizeof *raw);
    const char **raws = calloc((size_t)(shown ? shown : 1), sizeof *raws);
    for (int l = 0; raw && raws && l < shown; l++) {
        const RunSummary *g = &r[lines[l].g];
        if (lines[l].ge - lines[l].g > 1)
            snprintf(raw[l], sizeof raw[l], "%.*s/seed*", (int)parent_len(g->name), g->name);
        else
            snprintf(raw[l], sizeof raw[l], "%s", g->name);
        raws[l] = raw[l];
    }
    size_t head = raw && raws ? report_common_part(raws, shown, 0) : 0;
    size_t tail = raw && raws ? report_common_part(raws, shown, 1) : 0;
    if (!rc && (!raw || !raws))
        rc = mnl_fail(MNL_ERR_NOMEM, "cannot list the runs of %s", png);
    for (int l = 0; !rc && l < shown; l++) {
        double final;
        int e = write_group_block(in, r, lines[l].g, lines[l].ge, &final);
        if (!e)            /* an unreadable metrics.csv: an empty block keeps the order */
            fprintf(in, "1 NaN 0 0\n\n\n");
        last = e > last ? e : last;
        int n = lines[l].ge - lines[l].g;
        char cut[CHART_KEY_CHARS * 4 + 8], *distinct = NULL;
        size_t rlen = strlen(raw[l]), dlen = 0;
        FILE *d = open_memstream(&distinct, &dlen);
        if (d) {     /* the shared start and end left out: "…learning rate 0.5 and seed 4…" */
            fprintf(d, "%s%.*s%s", head ? "\u2026" : "", (int)(rlen - head - tail), raw[l] + head,
                    tail ? "\u2026" : "");
            fclose(d);
        }
        esc_shorten(distinct ? distinct : raw[l], CHART_KEY_CHARS, cut, sizeof cut);
        free(distinct);
        const char *unit = "epoch";
        rundir_planned(r[lines[l].g].dir, &unit);
        step_units |= unit_bit(unit);
        if (!strcmp(unit, "epoch") && e > 0)
            last_epochs = e > last_epochs ? e : last_epochs;
        const char *per = !strcmp(unit, "round") ? " (per round)" : !strcmp(unit, "tree") ?
                          " (per tree)" : !strcmp(unit, "fit") ? " (one fit)" : "";
        if (n > 1)
            snprintf(names[l], sizeof names[l], "%s (mean of %d)%s", cut, n, per);
        else
            snprintf(names[l], sizeof names[l], "%s%s", cut, per);
        keys[l] = names[l];
    }
    if (in)
        rc = plot_close_data(&p, in) ? p.rc : rc;
    if (!rc)
        rc = plot_keep_data(&p, "in", dat);
    if (n_lines > shown)
        snprintf(title, sizeof title, "Test accuracy per %s: %s, the best %d of %d (all in the "
                 "tables)", step_units & (UNIT_ROUND | UNIT_TREE) ? "step" : "epoch", r[i].task,
                 shown, n_lines);
    else
        snprintf(title, sizeof title, "Test accuracy per %s: %s",
                 step_units & (UNIT_ROUND | UNIT_TREE) ? "step" : "epoch", r[i].task);
    if (!rc) {
        /* a network's epochs beside a booster's rounds or a forest's trees: one axis of steps, each
         * line in its own unit (the key says which), log when the steps differ tenfold */
        char xname[80];
        snprintf(xname, sizeof xname, "%s%s%s", step_units & UNIT_EPOCH ? "epoch" : "",
                 step_units & UNIT_ROUND ? (step_units & UNIT_EPOCH ? " / boosting round" :
                                            "boosting round") : "",
                 step_units & UNIT_TREE ? (step_units & (UNIT_EPOCH | UNIT_ROUND) ? " / trees" :
                                           "trees") : "");
        if (!xname[0])
            snprintf(xname, sizeof xname, "epoch");
        int mixed = (step_units & (UNIT_ROUND | UNIT_TREE)) && last_epochs > 0;
        plot_set_str_array(&p, "names", keys, shown);
        plot_set_int(&p, "logx", last >= 1000 || (mixed && last >= 10 * last_epochs));
        plot_set_int(&p, "last_epoch", last);
        plot_set_str(&p, "xname", xname);
        plot_set_str(&p, "title", title);
        plot_set_layout(&p, "compare");
        rc = plot_draw_svg(&p, "compare", out);   /* removes the private folder */
    } else {
        plot_discard(&p);
    }
    if (!rc && n_lines > shown) {
        fprintf(o, "\nThe chart draws the %d of %d rows with the highest final test accuracy; not "
                   "drawn:", shown, n_lines);
        for (int l = shown; l < n_lines; l++) {
            fputs(l == shown ? " " : ", ", o);
            esc_md_cell(o, r[lines[l].g].name);
        }
        fputs(".\n", o);
    }
    free(names), free(keys), free(lines), free(raw), free(raws);
    return rc;
}

/* The seed groups of the task's runs [i, end) compared by Welch's t-test (experiments/significance). */
static void write_seed_tests(FILE *o, const RunSummary *r, int i, int end)
{
    enum { MAX_GROUPS = 64 };
    SeedGroup groups[MAX_GROUPS];
    char (*names)[MNL_PATH_LEN] = malloc(MAX_GROUPS * sizeof *names);
    double *acc = malloc(sizeof *acc * (size_t)(end - i));
    int k = 0;
    if (!acc || !names) {
        free(acc), free(names);
        return;
    }
    for (int g = i, ge; g < end && k < MAX_GROUPS; g = ge) {
        ge = group_end(r, end, g);
        if (ge - g < 2)
            continue;
        snprintf(names[k], sizeof names[k], "%.*s", (int)parent_len(r[g].name), r[g].name);
        for (int s = g; s < ge; s++)
            acc[s - i] = r[s].final_acc;
        groups[k] = (SeedGroup){names[k], acc + (g - i), ge - g};
        k++;
    }
    significance_write_seed_tests(o, groups, k, esc_md_cell);
    free(acc), free(names);
}

/* The sweep or lesson a run belongs to: the deepest folder above it, below root, that holds a
 * SWEEP.md ("lesson-lr" for lesson-lr/lr=0.5/seed2) or a lesson's TABLE.md ("lesson-overfitting"
 * for lesson-overfitting/overfit-adamw/seed3), its name relative to root in buf. 0 when none. */
static int sweep_or_lesson_of(const char *root, const char *name, char *buf, size_t n,
                              const char **file)
{
    char sub[MNL_PATH_LEN];
    size_t len = strlen(name);
    for (size_t k = len; k > 0; k--) {
        if (name[k] != '/' && k != len)
            continue;
        if (k == len)
            continue;                      /* the run's own folder is no sweep */
        snprintf(sub, sizeof sub, "%.*s", (int)k, name);
        if (rundir_is_sweep(root, sub) || rundir_is_lesson(root, sub)) {
            snprintf(buf, n, "%.*s", (int)k, name);
            if (file)
                *file = rundir_is_sweep(root, sub) ? RUNDIR_SWEEP_MD : RUNDIR_LESSON_MD;
            return 1;
        }
    }
    return 0;
}

static int sweep_of(const char *root, const char *name, char *buf, size_t n)
{
    return sweep_or_lesson_of(root, name, buf, n, NULL);
}

static void write_table_head(FILE *o, const char *before)
{
    fprintf(o, "%s| run | family | settings changed | parameters | MFLOP/image | epochs | s/epoch | "
               "best epoch | test acc at best | final test acc | final test loss | overfitting | "
               "seed | plots |\n", before);
    fprintf(o, "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|\n");
}


/* The runs that are not finished, by name and state: never in the tables above. */
static void write_unfinished(FILE *o, const RunSummary *u, int n)
{
    if (n == 0)
        return;
    fprintf(o, "\n## Runs not finished (%d)\n\nThese folders hold runs that were stopped, failed, "
               "or are still training; they are in no table or chart above.\n\n| run | state |\n"
               "|---|---|\n", n);
    for (int i = 0; i < n; i++) {          /* names are data: escaped for a Markdown cell */
        fputs("| ", o);
        esc_md_cell(o, u[i].name);
        fputs(" | ", o);
        esc_md_cell(o, u[i].state);
        fputs(" |\n", o);
    }
}

/* "0.0347", or "0.0347±0.0021" over the group's runs that have the value (NaN: none has it). */
static void mean_cell(const RunSummary *g, int n, size_t offset, const char *fmt_one,
                      const char *fmt_group, char *buf, size_t len)
{
    double v[512], m, sd;
    int k = 0;
    for (int i = 0; i < n && k < 512; i++) {
        double x = *(const double *)((const char *)&g[i] + offset);
        if (!isnan(x))
            v[k++] = x;
    }
    if (k == 0) {
        snprintf(buf, len, "–");
        return;
    }
    mean_std(v, k, &m, &sd);
    if (k == 1)
        snprintf(buf, len, fmt_one, m);
    else
        snprintf(buf, len, fmt_group, m, sd);
}

/* How far each run's (group's) confidence can be trusted: its expected calibration error on the
 * test images, and the temperature fitted on its validation split with the error after it
 * (experiments/calibrate); the reliability diagram is the run's calibration.png. */
static void write_calibration(FILE *o, const RunSummary *r, int i, int end)
{
    int any = 0;
    for (int k = i; k < end; k++)
        any |= !isnan(r[k].ece);
    if (!any)
        return;
    fprintf(o, "\nCalibration: the expected calibration error (ECE) of the test images over 15 "
               "confidence bins (0 is a model exactly as sure as it is right); the remedy, one "
               "temperature dividing every logit, is fitted on the run's validation split (none "
               "without one). Each run's calibration.png is its reliability diagram.\n\n"
               "| run | ECE | temperature | ECE after |\n|---|---|---|---|\n");
    for (int g = i, ge; g < end; g = ge) {
        ge = group_end(r, end, g);
        char ece[48], t[48], after[48];
        mean_cell(&r[g], ge - g, offsetof(RunSummary, ece), "%.4f", "%.4f\u00b1%.4f", ece,
                  sizeof ece);
        if (isnan(r[g].ece))
            continue;
        mean_cell(&r[g], ge - g, offsetof(RunSummary, temperature), "%.3f", "%.3f\u00b1%.3f", t,
                  sizeof t);
        mean_cell(&r[g], ge - g, offsetof(RunSummary, ece_after), "%.4f", "%.4f\u00b1%.4f", after,
                  sizeof after);
        fputs("| ", o);
        if (ge - g == 1) {
            md_file_link(o, r[g].name, r[g].name, RUNDIR_CALIBRATION);
        } else {
            char parent[sizeof r[g].name];
            snprintf(parent, sizeof parent, "%.*s", (int)parent_len(r[g].name), r[g].name);
            esc_md_cell(o, parent);
            fprintf(o, "/seed* (%d)", ge - g);
        }
        fprintf(o, " | %s | %s | %s |\n", ece, t, after);
    }
}

static int write_report(const char *root, const RunSummary *r, int n, const RunSummary *u,
                        int n_unfinished)
{
    char path[MNL_PATH_LEN];
    snprintf(path, sizeof path, "%s/" RUNDIR_REPORT_MD, root);
    AtomicFile a;
    int rc = atomic_open(&a, path);
    if (rc)
        return rc;
    FILE *o = a.f;
    char (*done)[MNL_PATH_LEN] = malloc(64 * sizeof *done);     /* the sweeps written, per task */
    if (!done) {
        atomic_abort(&a);
        return mnl_fail(MNL_ERR_NOMEM, "%s: no memory to list its sweeps", path);
    }
    fprintf(o, RUNDIR_REPORT_HEAD "\n\n"
               "Each run is named by its folder. Runs are compared only within one task (data set, "
               "classes, test images). *Settings changed* lists what differs from the run's "
               "experiment file. *Best epoch* is the epoch of lowest validation loss (*valid*), or of "
               "lowest test loss when the experiment holds out no validation set (*test*: the test "
               "set chose it, so the accuracy there is optimistic); *test acc at best* is the test "
               "accuracy at that epoch, *final* at the last. Seeds of one folder and settings are "
               "one row, mean ± standard deviation. A lone run's final test accuracy is followed by its "
               "95%% interval (Wilson's score interval over the test images): runs whose intervals "
               "overlap widely may not differ at all (`mnistlab diff` tests two runs image by image). "
               "*Overfitting* follows the rule of docs/guide.md §3.\n");
    for (int i = 0, end; i < n; i = end) {
        for (end = i; end < n && !strcmp(r[end].task, r[i].task); end++)
            ;
        char slug[160], png[200];
        task_slug(r[i].task, slug, sizeof slug);
        snprintf(png, sizeof png, "compare-%s.png", slug);
        fputs("\n## ", o);
        esc_md_cell(o, r[i].task);
        fprintf(o, " (%d run%s)\n", end - i, end - i == 1 ? "" : "s");
        /* the experiments first, then each sweep or lesson in a section of its own */
        char sweep[MNL_PATH_LEN];
        int n_done = 0, any_plain = 0;
        for (int g = i, ge; g < end; g = ge) {
            ge = group_end(r, end, g);
            if (sweep_of(root, r[g].name, sweep, sizeof sweep))
                continue;
            if (!any_plain++)
                write_table_head(o, "\n");
            write_group_row(o, &r[g], ge - g);
        }
        for (int s0 = i; s0 < end; s0++) {
            const char *file = RUNDIR_SWEEP_MD;
            if (!sweep_or_lesson_of(root, r[s0].name, sweep, sizeof sweep, &file))
                continue;
            int seen = 0;
            for (int d = 0; d < n_done; d++)
                seen |= !strcmp(done[d], sweep);
            if (seen || n_done == 64)
                continue;
            snprintf(done[n_done++], sizeof done[0], "%s", sweep);
            char link[MNL_PATH_LEN + 16];
            snprintf(link, sizeof link, "%s/%s", sweep, file);
            fprintf(o, "\n### %s ", strcmp(file, RUNDIR_SWEEP_MD) ? "Lesson" : "Sweep");
            esc_md_cell(o, sweep);
            fprintf(o, ": [%s](", file);
            esc_md_link(o, link);
            fputs(")\n", o);
            write_table_head(o, "\n");
            char other[MNL_PATH_LEN];
            for (int g = i, ge; g < end; g = ge) {
                ge = group_end(r, end, g);
                if (sweep_of(root, r[g].name, other, sizeof other) && !strcmp(other, sweep))
                    write_group_row(o, &r[g], ge - g);
            }
        }
        int stuck_heading = 0;
        for (int k = i; k < end; k++)
            if (r[k].stuck[0]) {
                if (!stuck_heading++)
                    fprintf(o, "\nStuck runs (a model that learned nothing worth its accuracy):\n\n");
                fprintf(o, "* ");
                esc_md_cell(o, r[k].name);
                fprintf(o, ": ");
                esc_md_cell(o, r[k].stuck);
                fputc('\n', o);
            }
        write_seed_tests(o, r, i, end);
        fputs("\n![test accuracy per epoch: ", o);
        esc_md_cell(o, r[i].task);
        fputs("](", o);
        esc_md_link(o, png);
        fputs(")\n", o);
        if ((rc = write_task_chart(o, root, r, i, end, png)) ||
            (rc = cost_write_task(o, root, r + i, end - i, slug))) {    /* experiments/cost */
            atomic_abort(&a);
            free(done);
            return rc;
        }
        write_calibration(o, r, i, end);     /* after the cost: the runs' own table comes first */
    }
    free(done);
    write_unfinished(o, u, n_unfinished);
    return atomic_commit(&a);
}

/* REPORT.md, index.html and each task's compare and cost charts may be written into root
 * (experiments/rundir: nothing there that the suite did not write is replaced); asked before any
 * is written. */
static int claim_outputs(const char *root, const RunSummary *r, int n)
{
    char (*charts)[200] = malloc((size_t)(2 * n + 1) * sizeof *charts);
    const char **names = malloc((size_t)(2 * n + 3) * sizeof *names);
    if (!charts || !names) {
        free(charts), free(names);
        return mnl_fail(MNL_ERR_NOMEM, "%s: no memory to list its charts", root);
    }
    int k = 0, n_names = 0;
    names[n_names++] = RUNDIR_REPORT_MD;
    names[n_names++] = RUNDIR_INDEX_HTML;
    for (int i = 0; i < n; i++) {
        if (i > 0 && !strcmp(r[i].task, r[i - 1].task))
            continue;                    /* the runs come grouped by task: one pair of charts each */
        char slug[160];
        task_slug(r[i].task, slug, sizeof slug);
        snprintf(charts[k], sizeof charts[0], "compare-%s.png", slug);
        names[n_names++] = charts[k++];
        snprintf(charts[k], sizeof charts[0], "cost-%s.png", slug);
        names[n_names++] = charts[k++];
    }
    names[n_names] = NULL;
    int rc = rundir_claim_outputs(root, names, RUNDIR_REPORT_MD);
    free(charts), free(names);
    return rc;
}

int report_compare(const char *root, int *runs_found)
{
    *runs_found = 0;
    /* ROOT/compare-SLUG.png.tmp.PID and the like must be paths the system takes: a longer root is
     * refused by name, never cut into another folder's */
    int rc = path_leaves_room("results folder", root, REPORT_FILE_ROOM);
    if (rc)
        return rc;
    RunSummary *runs, *others;
    int n = report_list_runs(root, &runs);
    int n_others = report_list_unfinished(root, &others);
    *runs_found = n;
    if (n == 0 && n_others == 0) {
        free(runs), free(others);
        return mnl_fail(MNL_ERR_IO, "%s: no runs found (a run folder holds %s)", root,
                        RUNDIR_MANIFEST " or " RUNDIR_SUMMARY);
    }
    for (int i = 0; i < n_others; i++) {   /* no control bytes of a name reach the terminal */
        fputs("not finished: ", stdout);
        esc_text(stdout, others[i].name);
        fputs(": ", stdout);
        esc_text(stdout, others[i].state);
        fputc('\n', stdout);
    }
    rc = claim_outputs(root, runs, n);
    if (!rc)
        rc = write_report(root, runs, n, others, n_others);
    free(runs), free(others);
    return rc;
}
