/* common/metrics: loss/accuracy meters, the confusion matrix and the metrics.csv row format.
 * CSV precision: losses %.9g (9 significant digits: a float32 loss round-trips exactly, and
 * print -> parse -> print of any double gives the same text, so a resumed run rewrites old rows
 * unchanged), accuracies as fractions %.6f, seconds %.3f, images per second %.1f. */
#include "common/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

#define CSV_FIELDS 10
#define CSV_FIELDS_BEFORE_LR 9   /* rows written before the lr column existed */

void meter_reset(MeanMeter *m) { memset(m, 0, sizeof *m); }

/* The batch's mean is weighted by its size, so a short last batch counts for what it holds. */
void meter_add(MeanMeter *m, double batch_mean_loss, int batch_size, int correct)
{
    m->loss_sum += batch_mean_loss * batch_size;
    m->count += batch_size;
    m->correct += correct;
}

double meter_loss(const MeanMeter *m) { return m->count ? m->loss_sum / (double)m->count : NAN; }

double meter_accuracy(const MeanMeter *m)
{
    return m->count ? (double)m->correct / (double)m->count : NAN;
}

/* k is kept within 1..METRICS_MAX_CLASSES so the fixed array is never overrun. */
void confusion_reset(Confusion *c, int k)
{
    memset(c, 0, sizeof *c);
    c->k = k < 1 ? 1 : k > METRICS_MAX_CLASSES ? METRICS_MAX_CLASSES : k;
}

/* Out-of-range classes are ignored: a void function has no way to report them, and a wrong count
 * is better than a write past the matrix. */
void confusion_add(Confusion *c, int truth, int pred)
{
    if (truth < 0 || truth >= c->k || pred < 0 || pred >= c->k)
        return;
    c->counts[truth][pred]++;
}

double confusion_class_accuracy(const Confusion *c, int cls)
{
    if (cls < 0 || cls >= c->k)
        return NAN;
    long row = 0;
    for (int p = 0; p < c->k; p++)
        row += c->counts[cls][p];
    return row ? (double)c->counts[cls][cls] / (double)row : NAN;
}

double confusion_accuracy(const Confusion *c)
{
    long total = 0, diag = 0;
    for (int t = 0; t < c->k; t++) {
        diag += c->counts[t][t];
        for (int p = 0; p < c->k; p++)
            total += c->counts[t][p];
    }
    return total ? (double)diag / (double)total : NAN;
}

/* Most frequent first; ties by smaller truth, then smaller pred. */
static int pair_order(const void *a, const void *b)
{
    const ConfusionPair *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    if (x->truth != y->truth)
        return x->truth - y->truth;
    return x->pred - y->pred;
}

void confusion_degeneracy(const Confusion *c, Degeneracy *d)
{
    memset(d, 0, sizeof *d);
    long truth[METRICS_MAX_CLASSES] = {0}, pred[METRICS_MAX_CLASSES] = {0}, n = 0, right = 0;
    for (int t = 0; t < c->k; t++)
        for (int p = 0; p < c->k; p++) {
            truth[t] += c->counts[t][p];
            pred[p] += c->counts[t][p];
            n += c->counts[t][p];
            right += t == p ? c->counts[t][p] : 0;
        }
    if (n == 0)
        return;
    for (int k = 1; k < c->k; k++) {
        d->majority = truth[k] > truth[d->majority] ? k : d->majority;
        d->top_pred = pred[k] > pred[d->top_pred] ? k : d->top_pred;
    }
    double m = (double)truth[d->majority] / n;
    d->majority_share = m;
    d->top_pred_share = (double)pred[d->top_pred] / n;
    d->accuracy = (double)right / n;
    d->noise = 2.0 * sqrt(m * (1.0 - m) / n);
    double top_truth = (double)truth[d->top_pred] / n;
    d->degenerate = d->accuracy <= m + d->noise ||
                    (d->top_pred_share >= DEGENERATE_ONE_CLASS_SHARE &&
                     d->top_pred_share - top_truth >= 0.1);
}

void degeneracy_describe(const Degeneracy *d, const char *const *names, long images, char *buf,
                         size_t n)
{
    if (!d->degenerate) {
        snprintf(buf, n, "%s", "");
        return;
    }
    /* the baseline first (the commonest class), then what the model does: when it answers another
     * class than the commonest, the two names differ and the sentence still reads true */
    snprintf(buf, n, "no better than always answering %s, the commonest class (%.1f%% of the %ld test "
             "images): test accuracy %.1f%%, and it answers %s for %.0f%% of them",
             names[d->majority], 100.0 * d->majority_share, images, 100.0 * d->accuracy,
             names[d->top_pred], 100.0 * d->top_pred_share);
}

/* Only cells that occurred (count > 0) are listed. */
int confusion_top(const Confusion *c, ConfusionPair *out, int max)
{
    ConfusionPair all[METRICS_MAX_CLASSES * METRICS_MAX_CLASSES];
    int n = 0;
    for (int t = 0; t < c->k; t++)
        for (int p = 0; p < c->k; p++)
            if (t != p && c->counts[t][p] > 0)
                all[n++] = (ConfusionPair){t, p, c->counts[t][p]};
    qsort(all, (size_t)n, sizeof all[0], pair_order);
    if (n > max)
        n = max < 0 ? 0 : max;
    if (n)
        memcpy(out, all, (size_t)n * sizeof all[0]);
    return n;
}

void metrics_csv_header(FILE *f)
{
    fputs("epoch,train_loss,train_acc,valid_loss,valid_acc,test_loss,test_acc,seconds,images_per_s,"
          "lr\n", f);
}

/* NaN (a metric that was not measured) is an empty cell. */
static void put_cell(FILE *f, const char *fmt, double v)
{
    fputc(',', f);
    if (!isnan(v))
        fprintf(f, fmt, v);
}

void metrics_csv_row(FILE *f, const EpochRecord *r)
{
    fprintf(f, "%d", r->epoch);
    put_cell(f, "%.9g", r->train_loss);
    put_cell(f, "%.6f", r->train_acc);
    put_cell(f, "%.9g", r->valid_loss);
    put_cell(f, "%.6f", r->valid_acc);
    put_cell(f, "%.9g", r->test_loss);
    put_cell(f, "%.6f", r->test_acc);
    put_cell(f, "%.3f", r->seconds);
    put_cell(f, "%.1f", r->images_per_s);
    put_cell(f, "%.9g", r->lr);
    fputc('\n', f);
}

/* One cell [s, end): empty is NaN, anything else must be a number that strtod reads entirely. */
static int parse_cell(const char *s, const char *end, double *v)
{
    if (s == end) {
        *v = NAN;
        return 0;
    }
    char buf[64];
    size_t n = (size_t)(end - s);
    if (n >= sizeof buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *stop;
    *v = strtod(buf, &stop);   /* "inf" and "nan" too: a diverged run's loss is still a row */
    return (stop != buf && *stop == '\0') ? 0 : -1;
}

int metrics_csv_parse(const char *line, EpochRecord *r)
{
    size_t len = strcspn(line, "\r\n");
    double v[CSV_FIELDS];
    const char *s = line, *end = line + len;
    int k = 0;
    for (;;) {
        const char *comma = memchr(s, ',', (size_t)(end - s));
        const char *cell_end = comma ? comma : end;
        if (k == CSV_FIELDS || parse_cell(s, cell_end, &v[k]) != 0)
            return mnl_fail(MNL_ERR_ARG, "metrics row \"%.*s\": field %d is not a number or there are "
                            "more than %d fields", (int)len, line, k + 1, CSV_FIELDS);
        k++;
        if (!comma)
            break;
        s = comma + 1;
    }
    if (k == CSV_FIELDS_BEFORE_LR)
        v[k++] = NAN;
    if (k != CSV_FIELDS)
        return mnl_fail(MNL_ERR_ARG, "metrics row \"%.*s\": %d fields, expected %d", (int)len, line, k,
                        CSV_FIELDS);
    if (isnan(v[0]) || v[0] != floor(v[0]) || fabs(v[0]) > 1e9)
        return mnl_fail(MNL_ERR_ARG, "metrics row \"%.*s\": epoch is not a whole number", (int)len, line);
    *r = (EpochRecord){(int)v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9]};
    return MNL_OK;
}
