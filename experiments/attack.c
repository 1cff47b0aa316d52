/* experiments/attack: FGSM over a run's test set at each eps (experiments/attack.h). */
#include "experiments/attack.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/escape.h"
#include "common/fileio.h"
#include "common/parse.h"
#include "common/tamper.h"
#include "experiments/html.h"
#include "experiments/predict.h"
#include "experiments/rundir.h"
#include "models/input_grad.h"
#include "plots/plot.h"

enum { SIDE = 28, PIXELS = SIDE * SIDE, ATTACK_BATCH = 100, FLIPS_SHOWN = 6 };

static const char *const attack_usage =
    "usage: mnistlab attack RUN_DIR|MODEL.ckpt [--eps \"0 0.05 0.1 0.15 0.2 0.25 0.3\"] "
    "[--show-eps E] [--images N] [--out DIR] [--kernels fast|reference]";

typedef struct {
    const char *run;             /* a run folder or a checkpoint */
    double eps[ATTACK_MAX_EPS];
    int n_eps;
    double show_eps;             /* the eps of attack.png (default: the first >= 0.1, else the last) */
    int images;                  /* the first N test images (0: all) */
    const char *out_dir;         /* default: the run folder */
    int reference;               /* --kernels reference */
} AttackArgs;

int attack_parse_eps(const char *text, double *eps, int *n)
{
    char buf[1024], *words[ATTACK_MAX_EPS + 1];
    snprintf(buf, sizeof buf, "%s", text);
    int k = split_words(buf, " ,\t", words, ATTACK_MAX_EPS);
    if (k < 1 || k > ATTACK_MAX_EPS)
        return mnl_fail(MNL_ERR_ARG, "attack: --eps \"%s\": give 1 to %d values from 0 to 1, e.g. "
                        "\"0 0.05 0.1\"", text, ATTACK_MAX_EPS);
    for (int i = 0; i < k; i++) {
        char *end;
        eps[i] = strtod(words[i], &end);
        if (*end || end == words[i] || !(eps[i] >= 0.0 && eps[i] <= 1.0))
            return mnl_fail(MNL_ERR_ARG, "attack: --eps: \"%s\" is not a step from 0 to 1 (pixels "
                            "run from 0 to 1)", words[i]);
        if (i && eps[i] <= eps[i - 1])
            return mnl_fail(MNL_ERR_ARG, "attack: --eps: %s after %s: give the steps rising",
                            words[i], words[i - 1]);
    }
    *n = k;
    return MNL_OK;
}

static int parse_args(int argc, char **argv, AttackArgs *a)
{
    memset(a, 0, sizeof *a);
    a->show_eps = -1.0;
    int rc = attack_parse_eps("0 0.05 0.1 0.15 0.2 0.25 0.3", a->eps, &a->n_eps);
    char why[200];
    for (int i = 0; !rc && i < argc; i++) {
        const char *s = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (s[0] != '-' && !a->run) {
            a->run = s;
            continue;
        }
        if (!v && (!strcmp(s, "--eps") || !strcmp(s, "--show-eps") || !strcmp(s, "--images") ||
                   !strcmp(s, "--out") || !strcmp(s, "--kernels")))
            return mnl_fail(MNL_ERR_ARG, "attack: %s needs a value\n%s", s, attack_usage);
        if (!strcmp(s, "--eps"))
            rc = attack_parse_eps(v, a->eps, &a->n_eps);
        else if (!strcmp(s, "--show-eps")) {
            char *end;
            a->show_eps = strtod(v, &end);
            if (*end || end == v || !(a->show_eps > 0.0 && a->show_eps <= 1.0))
                return mnl_fail(MNL_ERR_ARG, "attack: --show-eps %s: give a step above 0, at most 1",
                                v);
        } else if (!strcmp(s, "--images")) {
            if (parse_int(v, 1, 1000000, &a->images, why, sizeof why))
                return mnl_fail(MNL_ERR_ARG, "attack: --images: %s", why);
        } else if (!strcmp(s, "--out"))
            a->out_dir = v;
        else if (!strcmp(s, "--kernels")) {
            if (strcmp(v, "fast") && strcmp(v, "reference"))
                return mnl_fail(MNL_ERR_ARG, "attack: --kernels %s: give fast or reference", v);
            a->reference = !strcmp(v, "reference");
        } else
            return mnl_fail(MNL_ERR_ARG, "attack: unknown argument \"%s\"\n%s", s, attack_usage);
        i++;
    }
    if (!rc && !a->run)
        return mnl_fail(MNL_ERR_ARG, "attack: which run?\n%s", attack_usage);
    if (rc)
        return rc;
    if (a->show_eps < 0.0) {                 /* the first step of 0.1 or more, else the largest */
        a->show_eps = a->eps[a->n_eps - 1];
        for (int i = a->n_eps - 1; i >= 0; i--)
            if (a->eps[i] >= 0.1)
                a->show_eps = a->eps[i];
    }
    return MNL_OK;
}

/* The normalisation common/dataset applied, as a map of pixel steps and the pixel range. */
static PixelMap pixel_map(const DataSplits *d)
{
    if (d->norm == NORM_MEAN_STD)
        return (PixelMap){1.0f / d->std, -d->mean / d->std, (1.0f - d->mean) / d->std};
    if (d->norm == NORM_MINUS1_1)
        return (PixelMap){2.0f, -1.0f, 1.0f};
    return (PixelMap){1.0f, 0.0f, 1.0f};
}

/* What one eps did: the images right, and the first flipped ones (right at 0, wrong here). */
typedef struct {
    long right, n;
} EpsResult;

typedef struct {
    int index, truth, before, after;
    float p_before, p_after;
    float x[PIXELS], adv[PIXELS];     /* normalised, the model's pixel order */
} Flip;

/* Top class of each of b rows of probs [b, K] into pred, its probability into conf. */
static void top_class(const float *probs, int b, int K, int *pred, float *conf)
{
    for (int i = 0; i < b; i++) {
        const float *p = probs + (size_t)i * K;
        int best = 0;
        for (int k = 1; k < K; k++)
            best = p[k] > p[best] ? k : best;
        pred[i] = best, conf[i] = p[best];
    }
}

/* Every eps over the first n test images, in batches; flips at show_eps into flips. */
static int run_attack(Model *m, const Dataset *d, int n, const AttackArgs *a, PixelMap pm,
                      EpsResult *res, Flip *flips, int *n_flips)
{
    const int K = d->num_classes;
    float *adv = malloc(sizeof *adv * ATTACK_BATCH * PIXELS), *dx = malloc(sizeof *dx * ATTACK_BATCH * PIXELS);
    if (!adv || !dx) {
        free(adv), free(dx);
        return mnl_fail(MNL_ERR_NOMEM, "attack: a batch of %d images", ATTACK_BATCH);
    }
    int rc = MNL_OK;
    *n_flips = 0;
    for (int start = 0; !rc && start < n; start += ATTACK_BATCH) {
        const int b = n - start < ATTACK_BATCH ? n - start : ATTACK_BATCH;
        const float *x = d->x + (size_t)start * PIXELS;
        const int *y = d->y + start;
        int pred0[ATTACK_BATCH], pred[ATTACK_BATCH];
        float conf0[ATTACK_BATCH], conf[ATTACK_BATCH];
        model_forward(m, x, b, 0);
        model_loss(m, y, b, NULL);
        top_class(m->probs, b, K, pred0, conf0);
        for (int e = 0; !rc && e < a->n_eps; e++) {
            rc = model_fgsm(m, x, y, b, (float)(a->eps[e] * pm.scale), pm.lo, pm.hi, dx, adv);
            if (rc)
                break;
            model_forward(m, adv, b, 0);
            model_loss(m, y, b, NULL);
            top_class(m->probs, b, K, pred, conf);
            for (int i = 0; i < b; i++) {
                res[e].right += pred[i] == y[i];
                res[e].n++;
                if (a->eps[e] != a->show_eps || pred0[i] != y[i] || pred[i] == y[i] ||
                    *n_flips == FLIPS_SHOWN)
                    continue;
                Flip *f = &flips[(*n_flips)++];
                *f = (Flip){start + i, y[i], pred0[i], pred[i], conf0[i], conf[i], {0}, {0}};
                memcpy(f->x, x + (size_t)i * PIXELS, sizeof f->x);
                memcpy(f->adv, adv + (size_t)i * PIXELS, sizeof f->adv);
            }
        }
    }
    free(adv), free(dx);
    return rc;
}

static int write_csv(const char *path, const AttackArgs *a, const EpsResult *res)
{
    AtomicFile f;
    int rc = atomic_open(&f, path);
    if (rc)
        return rc;
    fprintf(f.f, "eps,accuracy,right,images\n");
    for (int e = 0; e < a->n_eps; e++)
        fprintf(f.f, "%g,%.6f,%ld,%ld\n", a->eps[e], (double)res[e].right / res[e].n, res[e].right,
                res[e].n);
    return atomic_commit(&f);
}

/* The model's pixel order back to the image's (data.permute_pixels), values back to 0..1. */
static int to_pixels(const ExpConfig *c, PixelMap pm, const float *x, float *p)
{
    for (int i = 0; i < PIXELS; i++)
        p[i] = (x[i] - pm.lo) / (pm.hi - pm.lo);
    if (!c->permute_pixels)
        return MNL_OK;
    int perm[PIXELS], inv[PIXELS];
    int rc = tamper_pixel_permutation(c->seed, PIXELS, perm);
    if (rc)
        return rc;
    for (int i = 0; i < PIXELS; i++)
        inv[perm[i]] = i;
    return tamper_permute_rows(p, 1, PIXELS, inv);
}

/* attack.png: two flipped digits a row, each as three images: the test image, the step FGSM added
 * (drawn as ink: black +eps, white -eps, mid-gray where clipping left the pixel as it was), and
 * the image the model then misreads (red label). */
static int draw_flips(const char *png, const char *name, const Experiment *ex, PixelMap pm,
                      const Flip *flips, int n, double eps)
{
    float *img = malloc(sizeof *img * (size_t)(3 * n) * PIXELS);
    char text[3 * FLIPS_SHOWN][96];
    const char *labels[3 * FLIPS_SHOWN];
    int bad[3 * FLIPS_SHOWN] = {0};
    if (!img)
        return mnl_fail(MNL_ERR_NOMEM, "attack: the picture");
    int rc = MNL_OK;
    const char *ds = ex->cfg.dataset;
    for (int i = 0; i < n && !rc; i++) {
        const Flip *f = &flips[i];
        float *orig = img + (size_t)(3 * i) * PIXELS, *step = orig + PIXELS, *after = step + PIXELS;
        if (!(rc = to_pixels(&ex->cfg, pm, f->x, orig)))
            rc = to_pixels(&ex->cfg, pm, f->adv, after);
        /* the step as it landed after clipping to 0..1, shown around mid-gray; the -eps and +eps
         * corners pin the grid's own scaling so that gray is 0 */
        for (int p = 0; p < PIXELS; p++)
            step[p] = 0.5f + (after[p] - orig[p]) / (float)(2.0 * eps);
        step[0] = 0.0f, step[1] = 1.0f;
        snprintf(text[3 * i], sizeof text[0], "test #%d: %s (%.0f%%)", f->index,
                 dataset_class_label(ds, ex->data.class_names[f->before]), 100.0 * f->p_before);
        snprintf(text[3 * i + 1], sizeof text[0], "+ %.2f x sign(gradient)", eps);
        snprintf(text[3 * i + 2], sizeof text[0], "= read as %s (%.0f%%)",
                 dataset_class_label(ds, ex->data.class_names[f->after]), 100.0 * f->p_after);
        labels[3 * i] = text[3 * i], labels[3 * i + 1] = text[3 * i + 1];
        labels[3 * i + 2] = text[3 * i + 2];
        bad[3 * i + 2] = 1;
    }
    char title[400];
    snprintf(title, sizeof title, "%s: digits FGSM flips at eps %.2f, every pixel moved by %.2f of its "
             "0..1 range (the step: black adds ink, white removes it, gray is clipped)", name, eps,
             eps);
    if (!rc)
        rc = plot_image_grid(png, title, img, 3 * n, SIDE, SIDE, n > 1 ? 6 : 3, labels, bad);
    free(img);
    return rc;
}

/* The run folder of a.run: the folder itself, or the folder holding the checkpoint. */
static void locate(const AttackArgs *a, char *ckpt, size_t nc, char *dir, size_t nd)
{
    size_t len = strlen(a->run);
    if (len > 5 && !strcmp(a->run + len - 5, ".ckpt")) {
        snprintf(ckpt, nc, "%s", a->run);
        const char *slash = strrchr(a->run, '/');
        snprintf(dir, nd, "%.*s", slash ? (int)(slash - a->run) : 1, slash ? a->run : ".");
    } else {
        snprintf(dir, nd, "%s", a->run);
        while (strlen(dir) > 1 && dir[strlen(dir) - 1] == '/')
            dir[strlen(dir) - 1] = '\0';
        snprintf(ckpt, nc, "%s/" RUNDIR_CKPT, dir);
    }
}

static int attack_run(const AttackArgs *a, Experiment *ex)
{
    char ckpt[MNL_PATH_LEN + 16], dir[MNL_PATH_LEN], name[64], csv[MNL_PATH_LEN], png[MNL_PATH_LEN];
    locate(a, ckpt, sizeof ckpt, dir, sizeof dir);
    if (a->out_dir)
        snprintf(dir, sizeof dir, "%s", a->out_dir);
    if (rundir_path(dir, RUNDIR_ATTACK_CSV, csv, sizeof csv) ||
        rundir_path(dir, RUNDIR_ATTACK_PICTURE, png, sizeof png))
        return MNL_ERR_ARG;
    int rc = predict_open_model(ckpt, ATTACK_BATCH, ex, name, sizeof name);
    if (rc)
        return rc;
    if (ex->model.fitted)
        return mnl_fail(MNL_ERR_ARG, "%s: a %s model has no gradient with respect to its input; "
                        "FGSM attacks networks (softmax, mlp, cnn)", ckpt, ex->cfg.family);
    if ((rc = experiment_load_data(ex)))
        return rc;
    const Dataset *d = &ex->data.test;
    if (d->pixels || d->h * d->w != PIXELS)
        return mnl_fail(MNL_ERR_ARG, "%s: the model reads features computed from the images "
                        "(data.features), not their pixels; FGSM moves pixels", ckpt);
    if (a->reference)
        ex->model.kernels = KERNELS_REFERENCE;
    const int n = a->images && a->images < d->n ? a->images : d->n;
    PixelMap pm = pixel_map(&ex->data);
    EpsResult res[ATTACK_MAX_EPS];
    memset(res, 0, sizeof res);
    Flip *flips = calloc(FLIPS_SHOWN, sizeof *flips);
    if (!flips)
        return mnl_fail(MNL_ERR_NOMEM, "attack: the flipped images");
    int n_flips = 0;
    static const char *const outputs[] = {RUNDIR_ATTACK_CSV, RUNDIR_ATTACK_PICTURE, NULL};
    rc = rundir_claim_outputs(dir, outputs, NULL);      /* nothing of the user's is replaced */
    if (!rc)
        rc = run_attack(&ex->model, d, n, a, pm, res, flips, &n_flips);
    if (!rc)
        rc = write_csv(csv, a, res);
    if (!rc && n_flips)
        rc = draw_flips(png, name, ex, pm, flips, n_flips, a->show_eps);
    free(flips);
    if (rc)
        return rc;
    fputs("FGSM on ", stdout);
    esc_text(stdout, name);
    printf(" (%d test images, %s path): accuracy at each eps (pixels run 0..1)\n", n,
           a->reference ? "reference" : "fast");
    for (int e = 0; e < a->n_eps; e++)
        printf("  eps %.3f  %6.2f%%  (%ld of %ld right)\n", a->eps[e],
               100.0 * res[e].right / res[e].n, res[e].right, res[e].n);
    fputs("wrote ", stdout);
    esc_text(stdout, csv);
    if (n_flips) {
        fputs(" and ", stdout);
        esc_text(stdout, png);
        printf(" (%d digits flipped at eps %.2f)", n_flips, a->show_eps);
    } else {
        printf(" (no digit flipped at eps %.2f: no picture)", a->show_eps);
    }
    fputc('\n', stdout);
    rc = rundir_adopt(dir, RUNDIR_ATTACK_CSV);
    if (!rc && n_flips)
        rc = rundir_adopt_picture(png);
    if (!rc)
        html_refresh_around(dir);
    return rc;
}

int attack_main(int argc, char **argv)
{
    AttackArgs a;
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc;
    Experiment ex;
    memset(&ex, 0, sizeof ex);
    rc = attack_run(&a, &ex);
    experiment_free(&ex);
    return rc;
}
