/* experiments/diff: both runs' predictions.csv read and checked to be about the same images, the
 * four counts, the images (loaded again through run A's settings) where the two disagree on who is
 * right, and the per-class chart. */
#include "experiments/diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/escape.h"
#include "common/fileio.h"
#include "common/stats.h"
#include "experiments/html.h"
#include "experiments/rundir.h"
#include "experiments/setup.h"
#include "plots/plot.h"

#define DIFF_GRID_MAX 40          /* images per grid: four rows of ten */

void diff_count(const Predictions *a, const Predictions *b, DiffCounts *c)
{
    memset(c, 0, sizeof *c);
    for (int i = 0; i < a->n; i++) {
        int ra = a->pred[i] == a->truth[i], rb = b->pred[i] == b->truth[i], t = a->truth[i];
        if (ra && rb)
            c->both++;
        else if (ra)
            c->only_a++;
        else if (rb)
            c->only_b++;
        else
            c->neither++;
        if (t >= 0 && t < 10) {
            c->class_n[t]++;
            c->class_right_a[t] += ra;
            c->class_right_b[t] += rb;
        }
    }
}

typedef struct {
    const char *dir_a, *dir_b;
    char name_a[MNL_PATH_LEN], name_b[MNL_PATH_LEN];  /* the run folders, without results/ */
    char out[MNL_PATH_LEN];
    Predictions a, b;
    Dataset test;                     /* run A's test images (owned by ex) */
    Experiment ex;
} Diff;

/* "results/cnn-4v9/seed1/" -> "cnn-4v9/seed1" */
static void run_name(const char *dir, char *out, size_t n)
{
    const char *s = strncmp(dir, "results/", 8) == 0 ? dir + 8 : dir;
    while (s[0] == '.' && s[1] == '/')
        s += 2;
    snprintf(out, n, "%s", s);
    size_t len = strlen(out);
    while (len > 1 && out[len - 1] == '/')
        out[--len] = '\0';
}

static void folder_safe(const char *s, char *out, size_t n)
{
    size_t k = 0;
    for (; *s && k + 1 < n; s++)
        out[k++] = (*s == '/' || *s == ' ') ? '_' : *s;
    out[k] = '\0';
}

/* A finished run's predictions: a run that is not (experiments/rundir) is named with its state,
 * never compared as if it were done. */
static int load_predictions(const char *dir, Predictions *p)
{
    char path[MNL_PATH_LEN];
    rundir_path(dir, RUNDIR_PREDICTIONS, path, sizeof path);
    if (!file_exists(dir))
        return mnl_fail(MNL_ERR_IO, "%s: no such run folder", dir);
    RunDirStatus st;
    int upgraded;
    RunDirState state = rundir_status(dir, &st, &upgraded);
    if (upgraded) {
        fputs("note: ", stdout);
        esc_text(stdout, dir);
        fputs(" was written by an earlier mnistlab; its files are whole, so it now has a manifest "
              "and a completion mark (once)\n", stdout);
    }
    if (state == RUNDIR_RUNNING || state == RUNDIR_INCOMPLETE)
        return mnl_fail(MNL_ERR_IO, "%s: %s; diff compares finished runs", dir, st.text);
    return predictions_read(path, p);
}

/* The test images, through run A's own settings (same data set, classes, subset and seed). */
static int load_test_images(Diff *d)
{
    char path[MNL_PATH_LEN];
    rundir_path(d->dir_a, RUNDIR_CONFIG, path, sizeof path);
    unsigned char *text;
    size_t n;
    int rc = file_read_all(path, 1 << 20, &text, &n);
    if (rc)
        return rc;
    rc = experiment_configure_text(&d->ex, (const char *)text, path);
    free(text);
    if (!rc)
        rc = experiment_load_data(&d->ex);
    if (rc)
        return rc;
    const Dataset *t = &d->ex.data.test;
    if (t->n != d->a.n)
        return mnl_fail(MNL_ERR_IO, "%s: its settings give %d test images, its predictions %d",
                        d->dir_a, t->n, d->a.n);
    for (int i = 0; i < t->n; i++)
        if (t->orig_index[i] != d->a.source_index[i])
            return mnl_fail(MNL_ERR_IO, "%s: test image %d of its settings is not the one of its "
                            "predictions", d->dir_a, i);
    d->test = *t;
    return MNL_OK;
}

typedef struct { int index; float conf; } Pick;

static int by_conf_desc(const void *x, const void *y)
{
    float a = ((const Pick *)x)->conf, b = ((const Pick *)y)->conf;
    return (a < b) - (a > b);
}

/* One grid: the images `right` gets right and `wrong` gets wrong, the wrong model's most confident
 * mistakes first; labels "A:p B:q". */
static int write_grid(Diff *d, const Predictions *right, const Predictions *wrong, const char *file,
                      const char *title_fmt, long total) __attribute__((format(printf, 5, 0)));
static int write_grid(Diff *d, const Predictions *right, const Predictions *wrong, const char *file,
                      const char *title_fmt, long total)
{
    Pick *picks = malloc(sizeof *picks * (size_t)(d->a.n ? d->a.n : 1));
    if (!picks)
        return mnl_fail(MNL_ERR_NOMEM, "cannot list the images of %s", file);
    int n = 0;
    for (int i = 0; i < d->a.n; i++)
        if (right->pred[i] == right->truth[i] && wrong->pred[i] != wrong->truth[i])
            picks[n++] = (Pick){i, wrong->confidence[i]};
    if (n == 0) {
        free(picks);
        return MNL_OK;
    }
    qsort(picks, (size_t)n, sizeof *picks, by_conf_desc);
    int shown = n < DIFF_GRID_MAX ? n : DIFF_GRID_MAX;
    int cells = shown < 10 ? 10 : shown;     /* a full first row (blank cells), room for the title */
    const Dataset *t = &d->test;          /* the images, not their features (data.features) */
    const float *pixels = t->pixels ? t->pixels : t->x;
    int ih = t->pixels ? t->ph : t->h, iw = t->pixels ? t->pw : t->w;
    size_t px = (size_t)ih * iw;
    float *images = calloc(px * (size_t)cells, sizeof(float));
    char (*text)[48] = calloc((size_t)cells, sizeof *text);
    const char *labels[DIFF_GRID_MAX];
    int bad[DIFF_GRID_MAX];
    if (!images || !text) {
        free(picks), free(images), free(text);
        return mnl_fail(MNL_ERR_NOMEM, "cannot allocate the grid %s", file);
    }
    for (int k = 0; k < shown; k++) {
        int i = picks[k].index;
        memcpy(images + (size_t)k * px, pixels + (size_t)i * px, sizeof(float) * px);
        snprintf(text[k], sizeof text[k], "A:%d B:%d", d->a.class_names[d->a.pred[i]],
                 d->b.class_names[d->b.pred[i]]);
    }
    for (int k = 0; k < cells; k++)
        labels[k] = text[k], bad[k] = 0;
    char path[MNL_PATH_LEN], title[700], sa[400], sb[400];
    if (snprintf(path, sizeof path, "%s/%s", d->out, file) >= (int)sizeof path) {
        free(picks), free(images), free(text);
        return mnl_fail(MNL_ERR_ARG, "%s/%s: the path is too long", d->out, file);
    }
    snprintf(title, sizeof title, title_fmt, total, esc_shorten(d->name_a, 80, sa, sizeof sa),
             esc_shorten(d->name_b, 80, sb, sizeof sb));
    if (shown < n)
        snprintf(title + strlen(title), sizeof title - strlen(title), " (the %d most confident)", shown);
    int rc = plot_image_grid(path, title, images, cells, ih, iw, 10, labels, bad);
    free(picks), free(images), free(text);
    return rc;
}

static int write_classes(Diff *d, const DiffCounts *c)
{
    char dat[MNL_PATH_LEN], png[MNL_PATH_LEN], title[700], sa[400], sb[400];
    if (rundir_path(d->out, RUNDIR_DIFF_CLASSES_DAT, dat, sizeof dat) ||
        rundir_path(d->out, RUNDIR_DIFF_CLASSES, png, sizeof png))
        return mnl_fail(MNL_ERR_ARG, "%s/" RUNDIR_DIFF_CLASSES ": the path is too long", d->out);
    AtomicFile f;
    int rc = atomic_open(&f, dat);
    if (rc)
        return rc;
    fprintf(f.f, "# class images accuracy_a accuracy_b\n");
    double lo = 1.0;
    for (int k = 0; k < d->a.num_classes; k++) {
        double aa = c->class_n[k] ? (double)c->class_right_a[k] / c->class_n[k] : 0;
        double ab = c->class_n[k] ? (double)c->class_right_b[k] / c->class_n[k] : 0;
        lo = aa < lo ? aa : lo, lo = ab < lo ? ab : lo;
        fprintf(f.f, "%d %ld %.6f %.6f\n", d->a.class_names[k], c->class_n[k], aa, ab);
    }
    if ((rc = atomic_commit(&f)))
        return rc;
    /* the bottom of the axis a little under the worst class, so the differences are visible */
    double bottom = (int)(lo * 20 - 1) / 20.0;
    snprintf(title, sizeof title, "Per-class test accuracy: %s (A) and %s (B)",
             esc_shorten(d->name_a, 80, sa, sizeof sa), esc_shorten(d->name_b, 80, sb, sizeof sb));
    Plot p;
    if ((rc = plot_begin(&p)))
        return rc;
    plot_add_file(&p, "in", dat);
    plot_set_str(&p, "title", title);
    plot_set_str(&p, "name_a", d->name_a);
    plot_set_str(&p, "name_b", d->name_b);
    plot_set_num(&p, "bottom", bottom < 0 ? 0 : bottom);
    return plot_draw(&p, "diff_classes", png);
}

/* McNemar's exact test on the images one run gets right and the other wrong (common/stats), the
 * run names escaped by esc for where the line goes (common/escape). */
static void verdict(const Diff *d, const DiffCounts *c, void (*esc)(FILE *, const char *),
                    char *buf, size_t n)
{
    char a[ESC_NAME_LEN], b[ESC_NAME_LEN];
    esc_to_buf(esc, d->name_a, a, sizeof a);
    esc_to_buf(esc, d->name_b, b, sizeof b);
    stats_mcnemar_verdict(a, b, c->only_a, c->only_b, buf, n);
}

static int write_md(const Diff *d, const DiffCounts *c)
{
    char path[MNL_PATH_LEN];
    if (rundir_path(d->out, RUNDIR_DIFF_MD, path, sizeof path))
        return MNL_ERR_ARG;
    AtomicFile f;
    int rc = atomic_open(&f, path);
    if (rc)
        return rc;
    FILE *o = f.f;
    long n = d->a.n;
    fputs("# ", o);
    esc_md_cell(o, d->name_a);
    fputs(" (A) against ", o);
    esc_md_cell(o, d->name_b);
    fputs(" (B)\n\n", o);
    fprintf(o, "On the same %ld test images of ", n);
    esc_md_cell(o, d->a.dataset);
    fputs(".\n\n", o);
    fprintf(o, "| | B right | B wrong |\n|---|---:|---:|\n");
    fprintf(o, "| **A right** | %ld (both) | %ld (only A) |\n", c->both, c->only_a);
    fprintf(o, "| **A wrong** | %ld (only B) | %ld (neither) |\n\n", c->only_b, c->neither);
    fprintf(o, "Test accuracy: A %.2f%%, B %.2f%%. B fixes %ld of A's %ld mistakes and makes %ld new "
               "ones.\n\n", 100.0 * (c->both + c->only_a) / n, 100.0 * (c->both + c->only_b) / n,
            c->only_b, c->only_b + c->neither, c->only_a);
    char v[2 * ESC_NAME_LEN + 400];
    verdict(d, c, esc_md_cell, v, sizeof v);
    fprintf(o, "Is the difference real? McNemar's exact test on the %ld images where exactly one of "
               "the two is right: %s.\n\n", c->only_a + c->only_b, v);
    fprintf(o, "![per-class accuracy of both](./" RUNDIR_DIFF_CLASSES ")\n\n");
    if (c->only_b)
        fprintf(o, "![images B gets right and A wrong](./" RUNDIR_DIFF_FIXED ")\n\n");
    if (c->only_a)
        fprintf(o, "![images A gets right and B wrong](./" RUNDIR_DIFF_BROKEN ")\n\n");
    fprintf(o, "| class | images | A | B |\n|---|---:|---:|---:|\n");
    for (int k = 0; k < d->a.num_classes; k++)
        if (c->class_n[k])
            fprintf(o, "| %d | %ld | %.2f%% | %.2f%% |\n", d->a.class_names[k], c->class_n[k],
                    100.0 * c->class_right_a[k] / c->class_n[k],
                    100.0 * c->class_right_b[k] / c->class_n[k]);
    return atomic_commit(&f);
}

static int run_diff(Diff *d)
{
    int rc = load_predictions(d->dir_a, &d->a);
    if (!rc)
        rc = load_predictions(d->dir_b, &d->b);
    if (rc)
        return rc;
    char why[400];
    if (predictions_same_images(&d->a, &d->b, why, sizeof why))
        return mnl_fail(MNL_ERR_IO, "diff: %s and %s were not tested on the same images: %s",
                        d->dir_a, d->dir_b, why);
    static const char *const outputs[] = {RUNDIR_DIFF_MD, RUNDIR_DIFF_FIXED, RUNDIR_DIFF_BROKEN,
                                          RUNDIR_DIFF_CLASSES, RUNDIR_DIFF_CLASSES_DAT, NULL};
    if ((rc = load_test_images(d)) || (rc = rundir_claim_outputs(d->out, outputs, RUNDIR_DIFF_MD)))
        return rc;
    DiffCounts c;
    diff_count(&d->a, &d->b, &c);
    rc = write_grid(d, &d->b, &d->a, RUNDIR_DIFF_FIXED,
                    "The %ld test images %s (A) gets wrong and %s (B) gets right", c.only_b);
    if (!rc)
        rc = write_grid(d, &d->a, &d->b, RUNDIR_DIFF_BROKEN,
                        "The %ld test images %s (A) gets right and %s (B) gets wrong", c.only_a);
    if (!rc)
        rc = write_classes(d, &c);
    if (!rc)
        rc = write_md(d, &c);
    if (rc)
        return rc;
    html_refresh_around(d->out);          /* the page lists the diffs; its line comes first, so
                                             the diff's own lines end with the verdict */
    char v[2 * ESC_NAME_LEN + 400];
    verdict(d, &c, esc_text, v, sizeof v);
    /* every name on the terminal through esc_text: one line each, no control byte */
    esc_text(stdout, d->name_a);
    fputs(" (A) against ", stdout);
    esc_text(stdout, d->name_b);
    printf(" (B), %d test images: both right %ld, only A %ld, only B %ld, neither %ld\nwrote ",
           d->a.n, c.both, c.only_a, c.only_b, c.neither);
    esc_text(stdout, d->out);
    printf("/{" RUNDIR_DIFF_MD ", " RUNDIR_DIFF_CLASSES "%s%s}\nMcNemar's exact test: %s\n",
           c.only_b ? ", " RUNDIR_DIFF_FIXED : "", c.only_a ? ", " RUNDIR_DIFF_BROKEN : "", v);
    return MNL_OK;
}

int diff_main(int argc, char **argv)
{
    Diff d;
    memset(&d, 0, sizeof d);
    const char *out = NULL;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--out") && i + 1 < argc) {
            out = argv[++i];
            if (path_leaves_room("diff --out", out, RUNDIR_FILE_ROOM))
                return MNL_ERR_ARG;
        }
        else if (argv[i][0] == '-')
            return mnl_fail(MNL_ERR_ARG, "diff: unexpected argument \"%s\"", argv[i]);
        else if (!d.dir_a)
            d.dir_a = argv[i];
        else if (!d.dir_b)
            d.dir_b = argv[i];
        else
            return mnl_fail(MNL_ERR_ARG, "diff takes two run folders, e.g. diff results/softmax "
                            "results/cnn");
    }
    if (!d.dir_b)
        return mnl_fail(MNL_ERR_ARG, "diff takes two run folders, e.g. diff results/softmax "
                        "results/cnn");
    run_name(d.dir_a, d.name_a, sizeof d.name_a);
    run_name(d.dir_b, d.name_b, sizeof d.name_b);
    if (out)
        snprintf(d.out, sizeof d.out, "%s", out);
    else {
        char a[256], b[256];
        folder_safe(d.name_a, a, sizeof a);
        folder_safe(d.name_b, b, sizeof b);
        snprintf(d.out, sizeof d.out, "results/diffs/%s-vs-%s", a, b);
    }
    int rc = run_diff(&d);
    predictions_free(&d.a);
    predictions_free(&d.b);
    experiment_free(&d.ex);
    return rc;
}
