/* experiments/robustness: trained runs tested on changed test images (experiments/robustness.h).
 * Each run is rebuilt from its model.ckpt, its own test images are loaded through its own settings,
 * and every level of every transform asked for is one pass over them; then ROBUSTNESS.md, and per
 * transform robustness-NAME.dat and robustness-NAME.png, in the output folder. */
#include "experiments/robustness.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/augment.h"
#include "common/error.h"
#include "common/escape.h"
#include "common/fileio.h"
#include "common/hog.h"
#include "common/tamper.h"
#include "experiments/rundir.h"
#include "experiments/setup.h"
#include "models/checkpoint.h"
#include "plots/plot.h"

#define ROBUST_MAX_LEVELS 16
#define ROBUST_MAX_RUNS 256

/* ---- the changes themselves ------------------------------------------------------------------ */

double robust_uniform(unsigned long seed, long image, int what)
{
    /* splitmix64 of the three numbers: neighbouring inputs give unrelated outputs */
    uint64_t z = (uint64_t)seed * 0x9e3779b97f4a7c15ull ^ (uint64_t)image * 0xbf58476d1ce4e5b9ull ^
                 (uint64_t)(unsigned)what * 0x94d049bb133111ebull;
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1.0p-53;
}

void robust_shift(float *out, const float *in, int h, int w, int dx, int dy, float bg)
{
    for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++) {
            int si = i - dy, sj = j - dx;       /* the pixel that lands on (i, j) */
            out[i * w + j] = (si >= 0 && si < h && sj >= 0 && sj < w) ? in[si * w + sj] : bg;
        }
}

void robust_rotate(float *out, const float *in, int h, int w, float angle, float bg)
{
    augment_image_ref(out, in, h, w, 0.0f, 0.0f, angle, bg);
}

void robust_noise(float *out, const float *in, int h, int w, float sigma, float scale, float bg,
                  unsigned long seed, long image)
{
    float lo = bg, hi = bg + scale;       /* pixels 0 and 1 in the model's normalisation */
    for (int k = 0; k < h * w; k++) {
        if (sigma == 0.0f) {
            out[k] = in[k];
            continue;
        }
        /* Box-Muller from two uniforms of this image and pixel */
        double u1 = robust_uniform(seed, image, 2 * k), u2 = robust_uniform(seed, image, 2 * k + 1);
        double z = sqrt(-2.0 * log(1.0 - u1)) * cos(6.283185307179586 * u2);
        float v = in[k] + (float)(scale * sigma * z);
        out[k] = v < lo ? lo : v > hi ? hi : v;
    }
}

void robust_occlude(float *out, const float *in, int h, int w, int s, int top, int left, float bg)
{
    memcpy(out, in, sizeof(float) * (size_t)h * w);
    for (int i = top; i < top + s && i < h; i++)
        for (int j = left; j < left + s && j < w; j++)
            if (i >= 0 && j >= 0)
                out[i * w + j] = bg;
}

/* ---- the table of transforms ----------------------------------------------------------------- */

/* What an entry's apply sees: a batch of B images, each [h, w] (image-space entries) or what the
 * model reads, in the model's normalisation x = scale p + bg. */
typedef struct {
    Model *model;                 /* for entries that need it (needs_gradient) */
    const int *y;                 /* [B] labels */
    const int *image;             /* [B] each image's index in its IDX file: its draws */
    int B, h, w;
    float scale, bg;
    unsigned long seed;
    float *scratch;               /* [h * w] */
} BatchCtx;

typedef struct {
    const char *name;             /* the flag is --NAME, the files robustness-NAME.* */
    const char *unit;             /* of the levels, for the axis and the message */
    const char *says;             /* what a level does, for ROBUSTNESS.md */
    double max;                   /* levels in [0, max] */
    int whole;                    /* levels are whole numbers */
    int image_space;              /* works on the pictures (see robustness.h) */
    int needs_gradient;           /* needs model_input_gradient: networks only */
    int (*apply)(const BatchCtx *c, float *x, double level);   /* x: [B, h * w], in place */
} Transform;

static int apply_shift(const BatchCtx *c, float *x, double level)
{
    int s = (int)level;
    for (int b = 0; b < c->B; b++) {
        float *img = x + (size_t)b * c->h * c->w;
        int dir = (int)(robust_uniform(c->seed, c->image[b], 1000) * 4);   /* right left down up */
        int dx = dir == 0 ? s : dir == 1 ? -s : 0, dy = dir == 2 ? s : dir == 3 ? -s : 0;
        memcpy(c->scratch, img, sizeof(float) * (size_t)c->h * c->w);
        robust_shift(img, c->scratch, c->h, c->w, dx, dy, c->bg);
    }
    return MNL_OK;
}

static int apply_rotate(const BatchCtx *c, float *x, double level)
{
    if (level == 0)
        return MNL_OK;
    for (int b = 0; b < c->B; b++) {
        float *img = x + (size_t)b * c->h * c->w;
        float sign = robust_uniform(c->seed, c->image[b], 1001) < 0.5 ? -1.0f : 1.0f;
        memcpy(c->scratch, img, sizeof(float) * (size_t)c->h * c->w);
        robust_rotate(img, c->scratch, c->h, c->w, sign * (float)level, c->bg);
    }
    return MNL_OK;
}

static int apply_noise(const BatchCtx *c, float *x, double level)
{
    for (int b = 0; b < c->B; b++) {
        float *img = x + (size_t)b * c->h * c->w;
        memcpy(c->scratch, img, sizeof(float) * (size_t)c->h * c->w);
        robust_noise(img, c->scratch, c->h, c->w, (float)level, c->scale, c->bg, c->seed,
                     c->image[b]);
    }
    return MNL_OK;
}

/* The square lies inside the central box that holds MNIST's digits (20 x 20 of 28 x 28: a margin
 * of h / 7), or inside the whole image when it is larger than that box. */
static int apply_occlude(const BatchCtx *c, float *x, double level)
{
    int s = (int)level;
    if (s == 0)
        return MNL_OK;
    int mh = c->h / 7, mw = c->w / 7;
    if (s > c->h - 2 * mh || s > c->w - 2 * mw)
        mh = mw = 0;
    for (int b = 0; b < c->B; b++) {
        float *img = x + (size_t)b * c->h * c->w;
        int top = mh + (int)(robust_uniform(c->seed, c->image[b], 1002) * (c->h - 2 * mh - s + 1));
        int left = mw + (int)(robust_uniform(c->seed, c->image[b], 1003) * (c->w - 2 * mw - s + 1));
        memcpy(c->scratch, img, sizeof(float) * (size_t)c->h * c->w);
        robust_occlude(img, c->scratch, c->h, c->w, s, top, left, c->bg);
    }
    return MNL_OK;
}

static const Transform transforms[] = {
    {"shift", "pixels", "Each test image moved this many pixels right, left, down or up (one "
     "direction drawn per image), the background filling in", 14, 1, 1, 0, apply_shift},
    {"rotate", "degrees", "Each test image turned this many degrees about its centre, clockwise or "
     "anticlockwise (drawn per image), resampled bilinearly", 180, 0, 1, 0, apply_rotate},
    {"noise", "sigma, in pixel units 0..1", "Gaussian noise of this standard deviation added to every "
     "pixel (ink is 1), clipped to 0..1", 2, 0, 1, 0, apply_noise},
    {"occlude", "square side in pixels", "A square of this side blanked to the background, placed "
     "at random inside the central 20x20 box that holds the digit", 28, 1, 1, 0, apply_occlude},
};
#define N_TRANSFORMS ((int)(sizeof transforms / sizeof transforms[0]))

/* ---- the command line ------------------------------------------------------------------------ */

typedef struct {
    const Transform *t;
    double level[ROBUST_MAX_LEVELS];
    int n;
} Asked;

typedef struct {
    const char *dir[ROBUST_MAX_RUNS];
    int n_runs;
    Asked asked[N_TRANSFORMS];
    int n_asked;
    const char *out;
    unsigned long seed;
    int threads;
    Kernels kernels;              /* --kernels reference: the plain loops, one thread */
} Args;

/* "0,1,2": levels in [0, t->max], whole when t->whole, rising, at most ROBUST_MAX_LEVELS. */
static int parse_levels(const Transform *t, const char *text, Asked *a)
{
    a->t = t;
    a->n = 0;
    const char *s = text;
    char shown[80];
    esc_to_buf(esc_text, text, shown, sizeof shown);
    if (!*s)
        return mnl_fail(MNL_ERR_ARG, "--%s: give its levels, e.g. --%s 0,%g,%g", t->name, t->name,
                        t->whole ? 1.0 : t->max / 10, t->whole ? 2.0 : t->max / 5);
    while (*s) {
        char *end;
        double v = strtod(s, &end);
        if (end == s || (*end && *end != ',') || !isfinite(v))
            return mnl_fail(MNL_ERR_ARG, "--%s %s: levels are numbers separated by commas, e.g. "
                            "0,1,2", t->name, shown);
        if (v < 0 || v > t->max)
            return mnl_fail(MNL_ERR_ARG, "--%s %s: %g is outside 0..%g %s", t->name, shown, v,
                            t->max, t->unit);
        if (t->whole && v != floor(v))
            return mnl_fail(MNL_ERR_ARG, "--%s %s: %g is not a whole number of %s", t->name, shown,
                            v, t->unit);
        if (a->n > 0 && v <= a->level[a->n - 1])
            return mnl_fail(MNL_ERR_ARG, "--%s %s: give the levels once each, rising", t->name, shown);
        if (a->n == ROBUST_MAX_LEVELS)
            return mnl_fail(MNL_ERR_ARG, "--%s %s: at most %d levels", t->name, shown,
                            ROBUST_MAX_LEVELS);
        a->level[a->n++] = v;
        s = *end ? end + 1 : end;
        if (*end && !*s)
            return mnl_fail(MNL_ERR_ARG, "--%s %s: a level is missing after the last comma",
                            t->name, shown);
    }
    return MNL_OK;
}

static const Transform *transform_named(const char *flag)
{
    for (int i = 0; i < N_TRANSFORMS; i++)
        if (!strncmp(flag, "--", 2) && !strcmp(flag + 2, transforms[i].name))
            return &transforms[i];
    return NULL;
}

static int parse_args(int argc, char **argv, Args *a)
{
    memset(a, 0, sizeof *a);
    a->out = "results/robustness";
    a->seed = 1;
    for (int i = 0; i < argc; i++) {
        const char *w = argv[i];
        const Transform *t = transform_named(w);
        char shown[80];
        esc_to_buf(esc_text, w, shown, sizeof shown);
        if (t) {
            for (int k = 0; k < a->n_asked; k++)
                if (a->asked[k].t == t)
                    return mnl_fail(MNL_ERR_ARG, "--%s is given twice", t->name);
            if (i + 1 >= argc)
                return mnl_fail(MNL_ERR_ARG, "--%s needs its levels, e.g. --%s 0,1,2", t->name,
                                t->name);
            int rc = parse_levels(t, argv[++i], &a->asked[a->n_asked]);
            if (rc)
                return rc;
            a->n_asked++;
        } else if (!strcmp(w, "--out") && i + 1 < argc) {
            a->out = argv[++i];
        } else if (!strcmp(w, "--seed") && i + 1 < argc) {
            char *end;
            const char *v = argv[++i];
            unsigned long s = strtoul(v, &end, 10);
            if (!*v || *end || v[0] == '-')
                return mnl_fail(MNL_ERR_ARG, "--seed takes a whole number (the transforms' draws)");
            a->seed = s;
        } else if (!strcmp(w, "--kernels") && i + 1 < argc) {
            if (kernels_parse(argv[++i], &a->kernels))
                return mnl_fail(MNL_ERR_ARG, "--kernels is fast or reference");
        } else if (!strcmp(w, "--threads") && i + 1 < argc) {
            char *end;
            long n = strtol(argv[++i], &end, 10);
            if (*end || n < 1 || n > 256)
                return mnl_fail(MNL_ERR_ARG, "--threads takes a number from 1 to 256");
            a->threads = (int)n;
        } else if (w[0] == '-') {
            return mnl_fail(MNL_ERR_ARG, "robustness: unknown option \"%s\" (the transforms: "
                            "--shift, --rotate, --noise, --occlude)", shown);
        } else if (a->n_runs == ROBUST_MAX_RUNS) {
            return mnl_fail(MNL_ERR_ARG, "robustness: at most %d runs", ROBUST_MAX_RUNS);
        } else {
            a->dir[a->n_runs++] = w;
        }
    }
    if (a->n_runs == 0)
        return mnl_fail(MNL_ERR_ARG, "robustness needs run folders, e.g. robustness results/cnn "
                        "results/mlp --shift 0,1,2,3,4");
    if (a->n_asked == 0)
        return mnl_fail(MNL_ERR_ARG, "robustness needs a transform: --shift, --rotate, --noise or "
                        "--occlude with its levels, e.g. --shift 0,1,2,3,4");
    return MNL_OK;
}

/* ---- one run --------------------------------------------------------------------------------- */

typedef struct {
    char group[512];              /* the folder above seedN/, else the folder itself */
    double acc[N_TRANSFORMS][ROBUST_MAX_LEVELS];
    long test_n;
    char dataset[32], family[32];
} RunResult;

/* "results/lesson-shift/cnn/seed2" -> "cnn"; "results/cnn" -> "cnn" */
static void group_of(const char *dir, char *out, size_t n)
{
    char d[PATH_MAX];
    snprintf(d, sizeof d, "%s", dir);
    size_t len = strlen(d);
    while (len > 1 && d[len - 1] == '/')
        d[--len] = '\0';
    char *base = strrchr(d, '/');
    const char *b = base ? base + 1 : d;
    int seedish = !strncmp(b, "seed", 4) && b[4] && strspn(b + 4, "0123456789") == strlen(b + 4);
    if (seedish && base && base > d) {
        *base = '\0';
        char *up = strrchr(d, '/');
        b = up ? up + 1 : d;
    }
    snprintf(out, n, "%s", b);
}

/* The run's model from its model.ckpt, its test images through its own settings. */
static int open_run(const char *dir, Experiment *ex, int threads, Kernels kernels)
{
    RunDirStatus st;
    int upgraded;
    if (!file_exists(dir))
        return mnl_fail(MNL_ERR_IO, "%s: no such run folder", dir);
    RunDirState state = rundir_status(dir, &st, &upgraded);
    if (state != RUNDIR_DONE)
        return mnl_fail(MNL_ERR_IO, "%s: %s; robustness tests finished runs", dir, st.text);
    char path[PATH_MAX + 64];
    if (rundir_path(dir, RUNDIR_CKPT, path, sizeof path))
        return MNL_ERR_ARG;
    Checkpoint ck;
    int rc = checkpoint_load(path, &ck);
    if (rc)
        return rc;
    rc = experiment_configure_text(ex, ck.config_text, path);
    if (!rc)
        rc = experiment_load_data(ex);
    if (!rc)
        rc = experiment_build(ex, threads);
    if (!rc)
        rc = checkpoint_apply(&ck, &ex->model, NULL);
    checkpoint_free(&ck);
    ex->model.kernels = kernels;
    if (kernels == KERNELS_REFERENCE)
        ex->threads = ex->model.threads = 1;
    return rc;
}

/* The scale of a pixel step in the model's normalisation: x = scale p + bg. */
static float pixel_scale(const DataSplits *d)
{
    return d->norm == NORM_MEAN_STD ? 1.0f / d->std : d->norm == NORM_MINUS1_1 ? 2.0f : 1.0f;
}

typedef struct {
    Experiment *ex;
    const Dataset *d;
    int *perm, *inv;              /* data.permute_pixels, or NULL */
    float *img, *input, *scratch; /* [B, ih*iw], [B, features], [ih*iw] */
    int *pred;
    int ih, iw, feat, B;
} Pass;

/* Accuracy of the run at one level of one transform. */
static int one_level(Pass *p, const Transform *t, double level, unsigned long seed, double *acc)
{
    const Dataset *d = p->d;
    const ExpConfig *c = &p->ex->cfg;
    const float *images = t->image_space && d->pixels ? d->pixels : d->x;
    int px = t->image_space ? p->ih * p->iw : p->feat;
    long right = 0;
    for (int start = 0; start < d->n; start += p->B) {
        int B = d->n - start < p->B ? d->n - start : p->B;
        memcpy(p->img, images + (size_t)start * px, sizeof(float) * (size_t)B * px);
        BatchCtx ctx = {&p->ex->model, d->y + start, d->orig_index + start, B,
                        t->image_space ? p->ih : 1, t->image_space ? p->iw : px,
                        pixel_scale(&p->ex->data), experiment_background(p->ex), seed, p->scratch};
        int rc = MNL_OK;
        if (t->image_space && p->inv)
            rc = tamper_permute_rows(p->img, B, px, p->inv);
        if (!rc)
            rc = t->apply(&ctx, p->img, level);
        if (!rc && t->image_space && p->perm)
            rc = tamper_permute_rows(p->img, B, px, p->perm);
        if (rc)
            return rc;
        const float *x = p->img;
        if (t->image_space && d->pixels) {       /* the features the model was fitted on */
            HogSpec hs = {c->hog_cell, c->hog_block, c->hog_orientations};
            for (int b = 0; b < B; b++)
                hog_image(&hs, p->img + (size_t)b * px, p->ih, p->iw, p->input + (size_t)b * p->feat);
            x = p->input;
        }
        model_forward(&p->ex->model, x, B, 0);
        model_loss(&p->ex->model, d->y + start, B, p->pred);
        for (int b = 0; b < B; b++)
            right += p->pred[b] == d->y[start + b];
    }
    *acc = d->n ? (double)right / d->n : 0.0;
    return MNL_OK;
}

static int run_levels(const Args *a, Experiment *ex, RunResult *r)
{
    const Dataset *d = &ex->data.test;
    Pass p = {ex, d, NULL, NULL, NULL, NULL, NULL, NULL, d->pixels ? d->ph : d->h,
              d->pixels ? d->pw : d->w, d->h * d->w, ex->model.max_batch > 0 ? ex->model.max_batch : 1};
    int hw = p.ih * p.iw, rc = MNL_OK;
    size_t per = (size_t)(hw > p.feat ? hw : p.feat);
    p.img = malloc(sizeof(float) * per * p.B);
    p.input = malloc(sizeof(float) * (size_t)p.feat * p.B);
    p.scratch = malloc(sizeof(float) * per);
    p.pred = malloc(sizeof(int) * (size_t)p.B);
    if (!p.img || !p.input || !p.scratch || !p.pred)
        rc = mnl_fail(MNL_ERR_NOMEM, "cannot allocate the test batches");
    if (!rc && ex->cfg.permute_pixels) {
        p.perm = malloc(sizeof(int) * hw);
        p.inv = malloc(sizeof(int) * hw);
        if (!p.perm || !p.inv)
            rc = mnl_fail(MNL_ERR_NOMEM, "cannot allocate the permutation");
        if (!rc)
            rc = tamper_pixel_permutation(ex->cfg.seed, hw, p.perm);
        for (int i = 0; !rc && i < hw; i++)
            p.inv[p.perm[i]] = i;
    }
    for (int k = 0; !rc && k < a->n_asked; k++) {
        const Asked *q = &a->asked[k];
        if (q->t->needs_gradient && ex->model.fitted) {
            for (int l = 0; l < q->n; l++)
                r->acc[k][l] = NAN;
            continue;
        }
        for (int l = 0; !rc && l < q->n; l++)
            rc = one_level(&p, q->t, q->level[l], a->seed, &r->acc[k][l]);
    }
    free(p.img), free(p.input), free(p.scratch), free(p.pred), free(p.perm), free(p.inv);
    return rc;
}

static int test_run(const Args *a, const char *dir, RunResult *r)
{
    Experiment ex;
    memset(&ex, 0, sizeof ex);
    group_of(dir, r->group, sizeof r->group);
    int rc = open_run(dir, &ex, a->threads, a->kernels);
    if (!rc) {
        r->test_n = ex.data.test.n;
        snprintf(r->dataset, sizeof r->dataset, "%s", ex.cfg.dataset);
        snprintf(r->family, sizeof r->family, "%s", ex.cfg.family);
        rc = run_levels(a, &ex, r);
    }
    experiment_free(&ex);
    return rc;
}

/* ---- the table and the charts ---------------------------------------------------------------- */

typedef struct {
    const char *name;
    int runs[ROBUST_MAX_RUNS];
    int n;
} Group;

static int make_groups(const RunResult *r, int n_runs, Group *g)
{
    int n = 0;
    for (int i = 0; i < n_runs; i++) {
        int k = 0;
        while (k < n && strcmp(g[k].name, r[i].group))
            k++;
        if (k == n)
            g[n++] = (Group){r[i].group, {0}, 0};
        g[k].runs[g[k].n++] = i;
    }
    return n;
}

/* Mean and sample standard deviation of a group at (transform k, level l); NaN when n/a. */
static void group_stats(const RunResult *r, const Group *g, int k, int l, double *mean, double *sd)
{
    double s = 0, ss = 0;
    for (int i = 0; i < g->n; i++)
        s += r[g->runs[i]].acc[k][l];
    *mean = s / g->n;
    for (int i = 0; i < g->n; i++)
        ss += (r[g->runs[i]].acc[k][l] - *mean) * (r[g->runs[i]].acc[k][l] - *mean);
    *sd = g->n > 1 ? sqrt(ss / (g->n - 1)) : 0.0;
}

static void level_text(const Transform *t, double v, char *buf, size_t n)
{
    snprintf(buf, n, t->whole ? "%.0f" : "%g", v);
}

static int write_table(const Args *a, const RunResult *r, const Group *g, int n_groups)
{
    char path[PATH_MAX + 64];
    if (rundir_path(a->out, RUNDIR_ROBUSTNESS_MD, path, sizeof path))
        return mnl_fail(MNL_ERR_ARG, "--out: path too long");
    AtomicFile f;
    int rc = atomic_open(&f, path);
    if (rc)
        return rc;
    FILE *o = f.f;
    long lo = r[0].test_n, hi = r[0].test_n;
    for (int i = 1; i < a->n_runs; i++)
        lo = r[i].test_n < lo ? r[i].test_n : lo, hi = r[i].test_n > hi ? r[i].test_n : hi;
    fprintf(o, "# Test accuracy on changed test images\n\n%d runs in %d groups. Each run is tested "
               "on its own test images (", a->n_runs, n_groups);
    esc_md_cell(o, r[0].dataset);
    if (lo == hi)
        fprintf(o, ", %ld per run", lo);
    else
        fprintf(o, ", %ld to %ld per run", lo, hi);
    fprintf(o, "), changed as each section says; level 0 is the run's own test accuracy. A cell is "
               "the mean ± sample standard deviation over the group's runs (its seeds); a group is "
               "the folder above seedN/, else the run's folder. The random draws (directions, "
               "noise, places) depend on the image and the transform seed (%lu) only, so every "
               "run sees the same changed images.\n", a->seed);
    for (int k = 0; k < a->n_asked; k++) {
        const Asked *q = &a->asked[k];
        fprintf(o, "\n## %s (%s)\n\n%s.\n\n| group | family | runs |", q->t->name, q->t->unit,
                q->t->says);
        for (int l = 0; l < q->n; l++) {
            char lv[32];
            level_text(q->t, q->level[l], lv, sizeof lv);
            fprintf(o, " %s |", lv);
        }
        fputs("\n|---|---|---:|", o);
        for (int l = 0; l < q->n; l++)
            fputs("---:|", o);
        fputc('\n', o);
        for (int j = 0; j < n_groups; j++) {
            fputs("| ", o);
            esc_md_cell(o, g[j].name);
            fputs(" | ", o);
            esc_md_cell(o, r[g[j].runs[0]].family);
            fprintf(o, " | %d |", g[j].n);
            for (int l = 0; l < q->n; l++) {
                double m, s;
                group_stats(r, &g[j], k, l, &m, &s);
                if (isnan(m))
                    fputs(" n/a |", o);
                else
                    fprintf(o, " %.2f ± %.2f %% |", 100 * m, 100 * s);
            }
            fputc('\n', o);
        }
        fprintf(o, "\n![test accuracy against %s](./robustness-%s.png)\n", q->t->name, q->t->name);
    }
    return atomic_commit(&f);
}

/* robustness-NAME.dat: one block per group (blank lines between), rows "level mean sd runs label",
 * the format of plots/family_lines.gp. */
static int write_chart(const Args *a, int k, const RunResult *r, const Group *g, int n_groups)
{
    const Asked *q = &a->asked[k];
    char dat[PATH_MAX + 64], png[PATH_MAX + 64], name[64];
    snprintf(name, sizeof name, "robustness-%s.dat", q->t->name);
    if (rundir_path(a->out, name, dat, sizeof dat))
        return mnl_fail(MNL_ERR_ARG, "--out: path too long");
    snprintf(name, sizeof name, "robustness-%s.png", q->t->name);
    rundir_path(a->out, name, png, sizeof png);
    AtomicFile f;
    int rc = atomic_open(&f, dat);
    if (rc)
        return rc;
    fprintf(f.f, "# level mean_test_accuracy sd runs level_text: one block per group\n");
    for (int j = 0; j < n_groups; j++) {
        fprintf(f.f, "%s# group %d\n", j ? "\n\n" : "", j + 1);
        for (int l = 0; l < q->n; l++) {
            double m, s;
            char lv[32];
            group_stats(r, &g[j], k, l, &m, &s);
            level_text(q->t, q->level[l], lv, sizeof lv);
            if (isnan(m))
                fprintf(f.f, "%.9g NaN NaN %d %s\n", q->level[l], g[j].n, lv);
            else
                fprintf(f.f, "%.9g %.9g %.9g %d %s\n", q->level[l], m, s, g[j].n, lv);
        }
    }
    if ((rc = atomic_commit(&f)))
        return rc;
    /* the key holds names cut to 40 characters (the table has them whole) */
    static char cut[ROBUST_MAX_RUNS][200];
    const char *names[ROBUST_MAX_RUNS];
    int seeds = 0;
    for (int j = 0; j < n_groups; j++) {
        names[j] = esc_shorten(g[j].name, 40, cut[j], sizeof cut[j]);
        seeds = g[j].n > seeds ? g[j].n : seeds;
    }
    char title[400], xlabel[160];
    snprintf(title, sizeof title, "Test accuracy as the test images are changed: %s", q->t->name);
    snprintf(xlabel, sizeof xlabel, "%s (%s)", q->t->name, q->t->unit);
    Plot p;
    if ((rc = plot_begin(&p)))
        return rc;
    plot_add_file(&p, "in", dat);
    plot_set_str(&p, "title", title);
    plot_set_str(&p, "xlabel", xlabel);
    plot_set_str(&p, "ylabel", "test accuracy");
    plot_set_str(&p, "keytitle", seeds > 1 ? "test accuracy (red), mean of the seeds with ± std "
                 "band: shade and marker name the group" : "test accuracy (red): shade and marker "
                 "name the group");
    plot_set_int(&p, "series", n_groups);
    plot_set_str_array(&p, "names", names, n_groups);
    plot_set_num(&p, "xmin", q->level[0]);
    plot_set_num(&p, "xmax", q->level[q->n - 1] > q->level[0] ? q->level[q->n - 1] : q->level[0] + 1);
    plot_set_int(&p, "logx", 0);
    plot_set_int(&p, "seconds", 0);
    plot_set_int(&p, "xtics_from_labels", 1);
    return plot_draw(&p, "family_lines", png);
}

static void print_summary(const Args *a, const RunResult *r, const Group *g, int n_groups)
{
    for (int k = 0; k < a->n_asked; k++) {
        const Asked *q = &a->asked[k];
        printf("test accuracy under %s (%s):\n  %-24s", q->t->name, q->t->unit, "group");
        for (int l = 0; l < q->n; l++) {
            char lv[32];
            level_text(q->t, q->level[l], lv, sizeof lv);
            printf(" %14s", lv);
        }
        putchar('\n');
        for (int j = 0; j < n_groups; j++) {
            char shown[200], cell[40];
            esc_to_buf(esc_text, g[j].name, shown, sizeof shown);    /* one line: a newline shown */
            printf("  %-24s", shown);
            for (int l = 0; l < q->n; l++) {
                double m, s;
                group_stats(r, &g[j], k, l, &m, &s);
                if (isnan(m))
                    snprintf(cell, sizeof cell, "n/a");
                else
                    snprintf(cell, sizeof cell, "%.2f±%.2f%%", 100 * m, 100 * s);
                printf(" %14s", cell);
            }
            putchar('\n');
        }
    }
}

/* The table and each transform's chart and data may be written into --out (experiments/rundir:
 * nothing there that the suite did not write is replaced); asked before any run is tested. */
static int claim_outputs(const Args *a)
{
    char names[2 * N_TRANSFORMS][64];
    const char *list[2 * N_TRANSFORMS + 2];
    int n = 0;
    list[n++] = RUNDIR_ROBUSTNESS_MD;
    for (int k = 0; k < a->n_asked; k++) {
        snprintf(names[2 * k], sizeof names[0], "robustness-%s.png", a->asked[k].t->name);
        snprintf(names[2 * k + 1], sizeof names[0], "robustness-%s.dat", a->asked[k].t->name);
        list[n++] = names[2 * k], list[n++] = names[2 * k + 1];
    }
    list[n] = NULL;
    return rundir_claim_outputs(a->out, list, RUNDIR_ROBUSTNESS_MD);
}

int robustness_main(int argc, char **argv)
{
    Args a;
    int rc = parse_args(argc, argv, &a);
    if (!rc)
        rc = claim_outputs(&a);
    if (rc)
        return rc;
    RunResult *r = calloc((size_t)a.n_runs, sizeof *r);
    Group *g = calloc((size_t)a.n_runs, sizeof *g);
    if (!r || !g) {
        free(r), free(g);
        return mnl_fail(MNL_ERR_NOMEM, "cannot allocate the results of %d runs", a.n_runs);
    }
    for (int i = 0; !rc && i < a.n_runs; i++) {
        char shown[300];
        esc_to_buf(esc_text, a.dir[i], shown, sizeof shown);
        printf("robustness: %s ...\n", shown);
        fflush(stdout);
        rc = test_run(&a, a.dir[i], &r[i]);
    }
    int n_groups = rc ? 0 : make_groups(r, a.n_runs, g);
    if (!rc)
        rc = write_table(&a, r, g, n_groups);
    for (int k = 0; !rc && k < a.n_asked; k++)
        rc = write_chart(&a, k, r, g, n_groups);
    if (!rc) {
        print_summary(&a, r, g, n_groups);
        char shown[PATH_MAX + 64];
        esc_to_buf(esc_text, a.out, shown, sizeof shown);
        printf("wrote %s/ROBUSTNESS.md and robustness-*.png\n", shown);
    }
    free(r), free(g);
    return rc;
}
