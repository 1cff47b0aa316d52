/* experiments/calibrate: logits of a data set, the reliability before and after temperature
 * scaling, and calibration.png with its summary lines. */
#include "experiments/calibrate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/fileio.h"
#include "experiments/rundir.h"
#include "plots/plot.h"

/* log(1e-7): a tree's probability 0 would be a logit of minus infinity, and every temperature
 * would then give the test an infinite loss */
#define FITTED_LOG_FLOOR -16.118096f

int calibrate_logits(Model *m, const Dataset *d, int batch, float **logits, int **labels, int *K)
{
    const int outs = m->num_outputs, k = outs == 1 ? 2 : outs;
    *logits = NULL, *labels = NULL, *K = k;
    if (d->n < 1)
        return mnl_fail(MNL_ERR_ARG, "calibration: an empty data set");
    BatchIter it;
    int rc = batch_iter_init(&it, d, batch);
    if (rc)
        return rc;
    float *z = malloc(sizeof *z * (size_t)d->n * (size_t)k);
    int *y = malloc(sizeof *y * (size_t)d->n);
    if (!z || !y) {
        free(z), free(y), batch_iter_free(&it);
        return mnl_fail(MNL_ERR_NOMEM, "calibration: logits of %d images", d->n);
    }
    int start = 0;
    for (int b; (b = batch_iter_next(&it)) > 0; start += b) {
        const float *out = model_forward(m, it.x, b, 0);       /* [b, outs] */
        for (int i = 0; i < b; i++) {
            float *row = z + (size_t)(start + i) * k;
            y[start + i] = it.y[i];
            if (m->fitted)                  /* log-probabilities, floored */
                for (int c = 0; c < k; c++) {
                    const float v = out[(size_t)i * k + c];
                    row[c] = v > FITTED_LOG_FLOOR ? v : FITTED_LOG_FLOOR;
                }
            else if (outs == 1)
                row[0] = 0.0f, row[1] = out[i];
            else
                memcpy(row, out + (size_t)i * k, sizeof *row * (size_t)k);
        }
    }
    batch_iter_free(&it);
    *logits = z, *labels = y;
    return MNL_OK;
}

int calibrate_logits_of_probs(const float *probs, const int *y, long n, int K, float **logits,
                              int **labels)
{
    float *z = malloc(sizeof *z * (size_t)n * (size_t)K);
    int *l = malloc(sizeof *l * (size_t)n);
    if (!z || !l) {
        free(z), free(l);
        return mnl_fail(MNL_ERR_NOMEM, "calibration: logits of %ld images", n);
    }
    for (size_t i = 0; i < (size_t)n * (size_t)K; i++)
        z[i] = probs[i] > 1e-7f ? logf(probs[i]) : FITTED_LOG_FLOOR;
    memcpy(l, y, sizeof *l * (size_t)n);
    *logits = z, *labels = l;
    return MNL_OK;
}

/* The reliability of softmax(logits / T). */
static int reliability_at(const float *logits, const int *y, long n, int K, double T,
                          Reliability *r)
{
    float *p = malloc(sizeof *p * (size_t)n * (size_t)K);
    if (!p)
        return mnl_fail(MNL_ERR_NOMEM, "calibration: probabilities of %ld images", n);
    calib_softmax(logits, n, K, T, p);
    int rc = calib_reliability(p, y, n, K, CALIBRATE_BINS, r);
    free(p);
    return rc;
}

int calibrate_measure(const float *test, const int *test_y, long test_n, const float *valid,
                      const int *valid_y, long valid_n, int K, CalibReport *r)
{
    memset(r, 0, sizeof *r);
    r->temperature = 1.0;
    int rc = reliability_at(test, test_y, test_n, K, 1.0, &r->before);
    if (rc || valid_n < 1)
        return rc;
    r->n_valid = valid_n;
    if ((rc = calib_fit_temperature(valid, valid_y, valid_n, K, &r->temperature)))
        return rc;
    r->fitted = 1;
    return reliability_at(test, test_y, test_n, K, r->temperature, &r->after);
}

/* One block per reliability: "lo hi confidence accuracy count" per bin (NaN for an empty one). */
static void write_block(FILE *f, const Reliability *r, const char *what)
{
    fprintf(f, "# %s: bin_lo bin_hi mean_confidence accuracy images\n", what);
    for (int b = 0; b < r->bins; b++)
        fprintf(f, "%.6g %.6g %.6g %.6g %ld\n", (double)b / r->bins, (double)(b + 1) / r->bins,
                r->confidence[b], r->accuracy[b], r->count[b]);
    fputs("\n\n", f);
}

int calibrate_write_run(const char *dir, const char *run_name, const CalibReport *r, char *said,
                        size_t said_len)
{
    char dat[MNL_PATH_LEN], png[MNL_PATH_LEN], title[700], after[200], summary[600];
    if (rundir_path(dir, RUNDIR_CALIBRATION_DAT, dat, sizeof dat) ||
        rundir_path(dir, RUNDIR_CALIBRATION, png, sizeof png))
        return mnl_fail(MNL_ERR_ARG, "%s: the folder's name is too long", dir);
    AtomicFile a;
    int rc = atomic_open(&a, dat);
    if (rc)
        return rc;
    write_block(a.f, &r->before, "as trained (T = 1)");
    if (r->fitted)
        write_block(a.f, &r->after, "after temperature scaling");
    if ((rc = atomic_commit(&a)))
        return rc;
    snprintf(title, sizeof title, "%s: reliability on %ld test images", run_name, r->before.n);
    if (r->fitted)
        snprintf(after, sizeof after, "T = %.3f (fitted on %ld validation images): ECE %.4f",
                 r->temperature, r->n_valid, r->after.ece);
    else
        snprintf(after, sizeof after, "no validation split to fit a temperature on "
                 "(data.validation = random N)");
    Plot p;
    if ((rc = plot_begin(&p)))
        return rc;
    plot_add_file(&p, "in", dat);
    plot_set_str(&p, "title", title);
    plot_set_num(&p, "ece", r->before.ece);
    plot_set_int(&p, "fitted", r->fitted);
    plot_set_str(&p, "after_text", after);
    if ((rc = plot_draw(&p, "calibration", png)))
        return rc;
    int k = snprintf(summary, sizeof summary, "ece = %.6f\nece_bins = %d\n", r->before.ece,
                     CALIBRATE_BINS);
    if (r->fitted)
        snprintf(summary + k, sizeof summary - (size_t)k, "temperature = %.6f\n"
                 "temperature_fitted_on = validation, %ld images\nece_after_temperature = %.6f\n",
                 r->temperature, r->n_valid, r->after.ece);
    else
        snprintf(summary + k, sizeof summary - (size_t)k, "temperature = none (no validation split)\n");
    if ((rc = rundir_append_summary(dir, summary)))
        return rc;
    if (said && r->fitted)
        snprintf(said, said_len, "calibration: expected calibration error %.4f; temperature %.3f "
                 "(fitted on the validation split) makes it %.4f (calibration.png)\n", r->before.ece,
                 r->temperature, r->after.ece);
    else if (said)
        snprintf(said, said_len, "calibration: expected calibration error %.4f (calibration.png; no "
                 "validation split to fit a temperature on)\n", r->before.ece);
    return MNL_OK;
}
