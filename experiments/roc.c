/* experiments/roc: ROC points by sorting the test images on p(class 1), the AUC as the trapezoid
 * area (equal to the rank statistic), the threshold table, and roc.png. */
#include "experiments/roc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/fileio.h"
#include "experiments/rundir.h"
#include "plots/plot.h"

const double roc_thresholds[ROC_N_THRESHOLDS] = {0.1, 0.3, 0.5, 0.7, 0.9};

typedef struct { float score; int label; } Scored;

static int by_score_desc(const void *a, const void *b)
{
    float x = ((const Scored *)a)->score, y = ((const Scored *)b)->score;
    return (x < y) - (x > y);
}

/* The images sorted by score, highest first; NULL when out of memory. */
static Scored *sorted_scores(const float *scores, const int *labels, int n)
{
    Scored *s = malloc(sizeof *s * (size_t)(n > 0 ? n : 1));
    if (!s)
        return NULL;
    for (int i = 0; i < n; i++)
        s[i] = (Scored){scores[i], labels[i] != 0};
    qsort(s, (size_t)n, sizeof *s, by_score_desc);
    return s;
}

/* Walk the thresholds from high to low: each distinct score is one corner of the curve, so tied
 * images move together (a diagonal step, which the trapezoid counts half). */
static double walk_curve(const Scored *s, int n, long pos, long neg, FILE *dat)
{
    long tp = 0, fp = 0;
    double area = 0.0, prev_tpr = 0.0, prev_fpr = 0.0;
    if (dat)
        fprintf(dat, "# threshold fpr tpr\n1 0 0\n");
    for (int i = 0; i < n;) {
        float t = s[i].score;
        for (; i < n && s[i].score == t; i++)
            s[i].label ? tp++ : fp++;
        double tpr = (double)tp / pos, fpr = (double)fp / neg;
        area += (fpr - prev_fpr) * (tpr + prev_tpr) / 2.0;
        if (dat)
            fprintf(dat, "%.6g %.6g %.6g\n", t, fpr, tpr);
        prev_tpr = tpr, prev_fpr = fpr;
    }
    return area;
}

static void count_classes(const int *labels, int n, long *pos, long *neg)
{
    *pos = *neg = 0;
    for (int i = 0; i < n; i++)
        labels[i] ? (*pos)++ : (*neg)++;
}

double roc_auc(const float *scores, const int *labels, int n)
{
    long pos, neg;
    count_classes(labels, n, &pos, &neg);
    if (pos == 0 || neg == 0)
        return NAN;
    Scored *s = sorted_scores(scores, labels, n);
    if (!s)
        return NAN;
    double auc = walk_curve(s, n, pos, neg, NULL);
    free(s);
    return auc;
}

RocPoint roc_at(const float *scores, const int *labels, int n, double t)
{
    RocPoint r = {.threshold = t};
    for (int i = 0; i < n; i++) {
        int said = scores[i] >= t;
        if (labels[i])
            said ? r.tp++ : r.fn++;
        else
            said ? r.fp++ : r.tn++;
    }
    r.accuracy = n ? (double)(r.tp + r.tn) / n : NAN;
    r.tpr = r.tp + r.fn ? (double)r.tp / (r.tp + r.fn) : NAN;
    r.fpr = r.fp + r.tn ? (double)r.fp / (r.fp + r.tn) : NAN;
    return r;
}

static int write_thresholds(const char *dir, const Predictions *p, const RocPoint *pts, double auc,
                            char *said, size_t said_len)
{
    char table[2048], summary[1024], path[MNL_PATH_LEN];
    int pos = p->class_names[1], neg = p->class_names[0];
    int k = snprintf(table, sizeof table, "call it %d when p(%d) >= threshold:\n"
                     "  threshold  test accuracy  %d found (TPR)  %d called %d (FPR)  "
                     "%d called %d  %d called %d\n", pos, pos, pos, neg, pos, neg, pos, pos, neg);
    int s = snprintf(summary, sizeof summary, "roc_auc = %.6f\n", auc);
    for (int i = 0; i < ROC_N_THRESHOLDS; i++) {
        const RocPoint *r = &pts[i];
        k += snprintf(table + k, sizeof table - (size_t)k,
                      "  %9.1f  %12.2f%%  %14.4f  %15.4f  %10ld  %10ld\n", r->threshold,
                      100 * r->accuracy, r->tpr, r->fpr, r->fp, r->fn);
        s += snprintf(summary + s, sizeof summary - (size_t)s, "test_acc_at_threshold_%.1f = %.6f\n",
                      r->threshold, r->accuracy);
    }
    rundir_path(dir, RUNDIR_THRESHOLDS, path, sizeof path);
    int rc = atomic_write_file(path, table, strlen(table));
    if (!rc)
        rc = rundir_append_summary(dir, summary);
    if (!rc && said)
        snprintf(said, said_len, "ROC AUC %.4f (" RUNDIR_ROC "); %s", auc, table);
    return rc;
}

int roc_write_run(const char *dir, const char *run_name, const Predictions *p, char *said,
                  size_t said_len)
{
    if (!p->p_positive || p->num_classes != 2)
        return mnl_fail(MNL_ERR_ARG, "%s: ROC needs a binary run", dir);
    long pos, neg;
    count_classes(p->truth, p->n, &pos, &neg);
    if (said)
        said[0] = '\0';
    if (pos == 0 || neg == 0)
        return MNL_OK;          /* a test set of one class has no ROC */
    Scored *s = sorted_scores(p->p_positive, p->truth, p->n);
    if (!s)
        return mnl_fail(MNL_ERR_NOMEM, "cannot sort %d scores", p->n);
    char dat[MNL_PATH_LEN], png[MNL_PATH_LEN], title[400], pos_name[16], neg_name[16];
    rundir_path(dir, RUNDIR_ROC_DAT, dat, sizeof dat);
    rundir_path(dir, RUNDIR_ROC, png, sizeof png);
    AtomicFile a;
    int rc = atomic_open(&a, dat);
    if (rc) {
        free(s);
        return rc;
    }
    double auc = walk_curve(s, p->n, pos, neg, a.f);
    free(s);
    /* a second block (gnuplot's index 1): the thresholds of the table, marked on the curve, one
     * row and one label per point: thresholds that land on the same point share it ("0.1-0.5:
     * 53.0%"), so a model that answers one class does not pile five labels on one spot */
    RocPoint pts[ROC_N_THRESHOLDS];
    char labels[ROC_N_THRESHOLDS][64];
    const char *label_of[ROC_N_THRESHOLDS];
    int n_labels = 0;
    for (int i = 0; i < ROC_N_THRESHOLDS; i++)
        pts[i] = roc_at(p->p_positive, p->truth, p->n, roc_thresholds[i]);
    fprintf(a.f, "\n\n# threshold fpr tpr accuracy \"label\"\n");
    for (int i = 0, j; i < ROC_N_THRESHOLDS; i = j) {
        for (j = i + 1; j < ROC_N_THRESHOLDS && pts[j].fpr == pts[i].fpr && pts[j].tpr == pts[i].tpr;
             j++)
            ;
        char *label = labels[n_labels];
        label_of[n_labels++] = label;
        if (j - i > 1)
            snprintf(label, sizeof labels[0], "%g-%g: %.1f%%", pts[i].threshold,
                     pts[j - 1].threshold, 100 * pts[i].accuracy);
        else
            snprintf(label, sizeof labels[0], "%g: %.1f%%", pts[i].threshold, 100 * pts[i].accuracy);
        fprintf(a.f, "%g %.6g %.6g %.6g \"%s\"\n", pts[i].threshold, pts[i].fpr, pts[i].tpr,
                100 * pts[i].accuracy, label);
    }
    if ((rc = atomic_commit(&a)))
        return rc;
    snprintf(title, sizeof title, "%s: ROC of \"%d\" against \"%d\" on %d test images (AUC %.4f)",
             run_name, p->class_names[1], p->class_names[0], p->n, auc);
    snprintf(pos_name, sizeof pos_name, "%d", p->class_names[1]);
    snprintf(neg_name, sizeof neg_name, "%d", p->class_names[0]);
    Plot plot;
    if ((rc = plot_begin(&plot)))
        return rc;
    plot_add_file(&plot, "in", dat);
    plot_set_str(&plot, "title", title);
    plot_set_str(&plot, "positive", pos_name);
    plot_set_str(&plot, "negative", neg_name);
    plot_set_str_array(&plot, "labels", label_of, n_labels);
    plot_set_layout(&plot, "roc");
    rc = plot_draw_svg(&plot, "roc", png);
    return rc ? rc : write_thresholds(dir, p, pts, auc, said, said_len);
}
