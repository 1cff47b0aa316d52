/* experiments/predict: using a trained model (experiments/predict.h). A checkpoint back to a
 * working model, one image (a test image or the user's own, preprocessed the MNIST way) through
 * it, and pictures of what it computed: predict.png, the feature maps, the weight templates. */
#include "experiments/predict.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_rng.h>

#include "common/error.h"
#include "common/escape.h"
#include "common/hog.h"
#include "common/parse.h"
#include "common/fileio.h"
#include "common/image.h"
#include "common/tamper.h"
#include "experiments/html.h"
#include "experiments/rundir.h"
#include "experiments/setup.h"
#include "models/checkpoint.h"
#include "models/input_grad.h"
#include "plots/plot.h"

enum { SIDE = IMAGE_MNIST_SIDE, PIXELS = SIDE * SIDE, MAX_TEMPLATES = 64, BAR_WIDTH = 40 };

static const char *const predict_usage =
    "usage: mnistlab predict MODEL.ckpt [--index N | --random | --image FILE.png|FILE.pgm] "
    "[--out FILE.png]";
static const char *const features_usage =
    "usage: mnistlab features MODEL.ckpt [--index N] [--out DIR] [--weights | --saliency]";

/* A file name built from parts: MNL_ERR_ARG when it does not fit, rather than a silently cut path. */
static int format_path(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int format_path(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    if (k < 0 || (size_t)k >= n)
        return mnl_fail(MNL_ERR_ARG, "path too long: %.200s...", buf);
    return MNL_OK;
}

/* ---- a trained model back from its checkpoint ----------------------------------------------- */

typedef struct {
    Experiment ex;
    const char *ckpt_path;
    char name[64];            /* the experiment's name, for titles */
} Trained;

/* The name the runner wrote in the settings' first line: "; settings of experiment NAME (from
 * PATH)". */
static void name_from_settings(const char *text, const char *fallback, char *name, size_t n)
{
    const char *tag = "; settings of experiment ";
    snprintf(name, n, "%s", fallback);
    if (strncmp(text, tag, strlen(tag)) == 0) {
        /* the name runs to " (from PATH)" at the end of the line: it may hold spaces itself */
        const char *s = text + strlen(tag), *end = s + strcspn(s, "\n"), *from = NULL;
        for (const char *p = s; (p = strstr(p, " (from ")) && p < end; p++)
            from = p;
        size_t len = from ? (size_t)(from - s) : strcspn(s, " \n");
        if (len > 0 && len < n)
            snprintf(name, n, "%.*s", (int)len, s);
    }
}

/* Beyond the parameters (which match the file's own tensors), what one image's pass may take: a
 * model's layer outputs can outgrow its weights (a wide convolution on 28x28), but never by this
 * much for a checkpoint of that size. */
#define PREDICT_MEM_FLOOR ((double)(64 << 20))
#define PREDICT_MEM_PER_FILE_BYTE 32.0

/* A checkpoint's settings against its own tensors and size, before anything is built from them: a
 * 29 KB file whose settings say hidden = 20000 20000 is refused, not allocated. */
static int check_against_settings(Trained *t, const Checkpoint *ck)
{
    ModelPlan plan;
    ParamTensor *tensors;
    int rc = experiment_plan(&t->ex, &plan, &tensors);
    if (rc)
        return rc;
    rc = checkpoint_check_shapes(ck, tensors, plan.tensors);
    free(tensors);
    double need = model_plan_bytes(&plan, 1);
    if (rc) {
        char a[32];
        experiment_format_bytes(need, a, sizeof a);
        return mnl_fail(rc, "%s; its settings describe %zu parameters (%s to build), refused before "
                        "building them", mnl_last_error(), plan.params, a);
    }
    double limit = PREDICT_MEM_FLOOR + PREDICT_MEM_PER_FILE_BYTE * ck->len;
    if (need > limit) {
        char a[32], b[32];
        experiment_format_bytes(need, a, sizeof a);
        experiment_format_bytes((double)ck->len, b, sizeof b);
        return mnl_fail(MNL_ERR_CKPT, "%s: its settings' model needs %s for one image (%zu floats of "
                        "layer outputs), far beyond what a checkpoint of %s can describe; refused "
                        "before allocating it", t->ckpt_path, a, plan.act_per_image, b);
    }
    return MNL_OK;
}

/* Load the checkpoint, check its settings against its tensors and size, rebuild the model they
 * describe (no data yet, batches of up to `batch` images), put the weights in. t->ex must be
 * freed either way. */
static int trained_open_batch(Trained *t, const char *ckpt_path, int batch)
{
    memset(t, 0, sizeof *t);
    t->ckpt_path = ckpt_path;
    Checkpoint ck;
    int rc = checkpoint_load(ckpt_path, &ck);
    if (rc)
        return rc;
    rc = experiment_configure_text(&t->ex, ck.config_text, ckpt_path);
    if (!rc) {
        t->ex.cfg.batch = 1;      /* the checks take one image; the training batch is never needed */
        rc = check_against_settings(t, &ck);
        t->ex.cfg.batch = batch;
    }
    if (!rc) {
        name_from_settings(ck.config_text, t->ex.cfg.name, t->name, sizeof t->name);
        rc = experiment_build(&t->ex, 1);
    }
    if (!rc)
        rc = checkpoint_apply(&ck, &t->ex.model, NULL);
    checkpoint_free(&ck);
    return rc;
}

/* A batch of one image, on one thread: a single image is far too little work to share. */
static int trained_open(Trained *t, const char *ckpt_path)
{
    return trained_open_batch(t, ckpt_path, 1);
}

int predict_open_model(const char *ckpt_path, int batch, Experiment *ex, char *name, size_t n)
{
    Trained t;
    int rc = trained_open_batch(&t, ckpt_path, batch);
    *ex = t.ex;
    snprintf(name, n, "%s", t.name);
    return rc;
}

static int num_classes(const ExpConfig *c)
{
    return c->n_classes ? c->n_classes : 10;
}

/* "7", or "9 (Boot)" for Fashion-MNIST: the original class of relabelled class k. */
static const char *class_name(const ExpConfig *c, int k, char *buf, size_t n)
{
    int orig = c->n_classes ? c->classes[k] : k;
    if (strcmp(c->dataset, "fashion") == 0 && orig >= 0 && orig < 10)
        snprintf(buf, n, "%d %s", orig, dataset_class_label(c->dataset, orig));
    else
        snprintf(buf, n, "%d", orig);
    return buf;
}

/* A model trained on a class subset answers with one of its classes whatever it is shown: said
 * before its answer about an image that may be another digit. */
static void print_known_classes(const ExpConfig *c)
{
    char name[32];
    printf("note: this model knows only ");
    for (int k = 0; k < c->n_classes; k++)
        printf("%s%s", k == 0 ? "" : k == c->n_classes - 1 ? " and " : ", ",
               class_name(c, k, name, sizeof name));
    printf("; %s any other picks one of these\n",
           strcmp(c->dataset, "fashion") == 0 ? "an image of" : "a digit of");
}

/* ---- images in and out of the model's normalisation ------------------------------------------- */

/* p: [784] in [0, 1] -> x: [784] normalised exactly as common/dataset did for the training data
 * (c: the normalisation it applied, DataSplits' norm, mean and std). */
static void normalise_like_training(const DataSplits *c, const float *p, float *x)
{
    for (int i = 0; i < PIXELS; i++)
        x[i] = c->norm == NORM_MEAN_STD   ? (p[i] - c->mean) / c->std
               : c->norm == NORM_MINUS1_1 ? 2.0f * p[i] - 1.0f
                                          : p[i];
}

/* The inverse, to show a test image as pixels in [0, 1]. */
static void pixels_from_normalised(const DataSplits *c, const float *x, float *p)
{
    for (int i = 0; i < PIXELS; i++) {
        float v = c->norm == NORM_MEAN_STD   ? x[i] * c->std + c->mean
                  : c->norm == NORM_MINUS1_1 ? (x[i] + 1.0f) * 0.5f
                                             : x[i];
        p[i] = v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
    }
}

/* data.permute_pixels: the model was trained (and is tested) on images whose pixels one seeded
 * permutation rearranged (common/tamper). A user's image is rearranged the same way before the
 * model sees it (inverse = 0), and a test image back (inverse = 1) before the learner does. */
static int follow_permutation(const ExpConfig *c, float *img, int inverse)
{
    if (!c->permute_pixels)
        return MNL_OK;
    int perm[PIXELS], inv[PIXELS];
    int rc = tamper_pixel_permutation(c->seed, PIXELS, perm);
    if (rc)
        return rc;
    for (int i = 0; i < PIXELS; i++)
        inv[perm[i]] = i;
    return tamper_permute_rows(img, 1, PIXELS, inverse ? inv : perm);
}

/* One image to classify: what the model sees and what the learner sees. */
typedef struct {
    float x[PIXELS];          /* [1, 1, 28, 28] normalised */
    float pixels[PIXELS];     /* [28, 28] in [0, 1], ink 1 */
    int label;                /* relabelled true class, -1 for a user image */
    char what[MNL_PATH_LEN + 64];   /* "test image 17 of 10000 (t10k #17)" or the file name */
} Input;

static int input_from_test_set(Trained *t, int index, int picked_at_random, Input *in)
{
    int rc = t->ex.has_data ? MNL_OK : experiment_load_data(&t->ex);
    if (rc)
        return rc;
    const Dataset *d = &t->ex.data.test;
    const float *images = d->pixels ? d->pixels : d->x;   /* the images, not their features */
    int ih = d->pixels ? d->ph : d->h, iw = d->pixels ? d->pw : d->w;
    if (ih != SIDE || iw != SIDE)
        return mnl_fail(MNL_ERR_ARG, "test images are %dx%d, expected %dx%d", ih, iw, SIDE, SIDE);
    if (index < 0 || index >= d->n)
        return mnl_fail(MNL_ERR_ARG, "--index %d: the test set of %s has %d images (0..%d)", index,
                        t->name, d->n, d->n - 1);
    memcpy(in->x, images + (size_t)index * PIXELS, sizeof in->x);
    pixels_from_normalised(&t->ex.data, in->x, in->pixels);
    if ((rc = follow_permutation(&t->ex.cfg, in->pixels, 1)))
        return rc;
    in->label = d->y[index];
    snprintf(in->what, sizeof in->what, "test image %d of %d%s (%s t10k #%d)", index, d->n,
             picked_at_random ? ", picked at random" : "", t->ex.cfg.dataset, d->orig_index[index]);
    return MNL_OK;
}

static int input_from_file(Trained *t, const char *path, Input *in)
{
    GrayImage img;
    /* normalize = dataset: the training images' own statistics, which only the data can tell */
    DataSplits settings = {.norm = t->ex.cfg.norm, .mean = t->ex.cfg.mean, .std = t->ex.cfg.std};
    const DataSplits *c = &settings;
    int rc = MNL_OK;
    if (t->ex.cfg.norm == NORM_DATASET) {
        if (!t->ex.has_data && (rc = experiment_load_data(&t->ex)))
            return rc;
        c = &t->ex.data;
    }
    rc = image_load(path, &img);
    if (!rc)
        rc = image_to_mnist(&img, path, in->pixels);
    if (!rc) {
        normalise_like_training(c, in->pixels, in->x);
        rc = follow_permutation(&t->ex.cfg, in->x, 0);
        in->label = -1;
        snprintf(in->what, sizeof in->what, "%s (%dx%d, preprocessed to 28x28)", path, img.w, img.h);
    }
    image_free(&img);
    return rc;
}

/* A test index drawn with a time-seeded generator, so every run shows another image. */
static int random_test_index(Trained *t, int *index)
{
    int rc = t->ex.has_data ? MNL_OK : experiment_load_data(&t->ex);
    if (rc)
        return rc;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!rng)
        return mnl_fail(MNL_ERR_NOMEM, "cannot allocate an RNG");
    gsl_rng_set(rng, (unsigned long)time(NULL) ^ ((unsigned long)getpid() << 16));
    *index = (int)gsl_rng_uniform_int(rng, (unsigned long)t->ex.data.test.n);
    gsl_rng_free(rng);
    return MNL_OK;
}

/* Forward one image; probs: [K] class probabilities (the sigmoid head gives (1 - s, s)). */
static int classify(Trained *t, const Input *in, float *probs)
{
    Model *m = &t->ex.model;
    const ExpConfig *c = &t->ex.cfg;
    float features[PIXELS * 4];
    const float *x = in->x;
    HogSpec hs = {c->hog_cell, c->hog_block, c->hog_orientations};
    if (!strcmp(c->features, "hog") && hog_size(&hs, SIDE, SIDE) <= PIXELS * 4) {
        hog_image(&hs, in->x, SIDE, SIDE, features);    /* the features the model was fitted on */
        x = features;
    }
    model_forward(m, x, 1, 0);
    int y = in->label >= 0 ? in->label : 0, pred;   /* the loss is not used: any label will do */
    model_loss(m, &y, 1, &pred);
    memcpy(probs, m->probs, sizeof(float) * (size_t)num_classes(&t->ex.cfg));
    return pred;
}

/* ---- files beside the checkpoint ------------------------------------------------------------- */

/* dir of path ("results/cnn/model.ckpt" -> "results/cnn", "model.ckpt" -> ".") + "/" + name */
static void beside(const char *path, const char *name, char *buf, size_t n)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(buf, n, "%s", name);
    else
        snprintf(buf, n, "%.*s/%s", (int)(slash - path), path, name);
}

/* OUT.png -> OUT.SUFFIX */
static int sibling(const char *png, const char *suffix, char *buf, size_t n)
{
    char dot_suffix[64];
    snprintf(dot_suffix, sizeof dot_suffix, ".%s", suffix);
    if (path_sibling(png, ".png", dot_suffix, buf, n) != 0)
        return mnl_fail(MNL_ERR_ARG, "%s: path too long", png);
    return MNL_OK;
}

/* ---- predict --------------------------------------------------------------------------------- */

typedef struct {
    const char *ckpt, *image, *out;
    int index, random, have_index;
} PredictArgs;

static int parse_index(const char *s, int *out)
{
    char why[160];
    if (parse_int(s, 0, 100000000, out, why, sizeof why))
        return mnl_fail(MNL_ERR_ARG, "--index \"%s\": expected a test image number from 0", s);
    return MNL_OK;
}

static int parse_predict_args(int argc, char **argv, PredictArgs *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        int rc = MNL_OK;
        if (!strcmp(s, "--index") && i + 1 < argc)
            a->have_index = 1, rc = parse_index(argv[++i], &a->index);
        else if (!strcmp(s, "--random"))
            a->random = 1;
        else if (!strcmp(s, "--image") && i + 1 < argc)
            a->image = argv[++i];
        else if (!strcmp(s, "--out") && i + 1 < argc) {
            a->out = argv[++i];
            if (path_leaves_room("predict --out", a->out, PLOT_FILE_ROOM))
                return MNL_ERR_ARG;
        }
        else if (s[0] == '-' || a->ckpt)
            return mnl_fail(MNL_ERR_ARG, "predict: unexpected argument \"%s\"\n%s", s, predict_usage);
        else
            a->ckpt = s;
        if (rc)
            return rc;
    }
    if (!a->ckpt)
        return mnl_fail(MNL_ERR_ARG, "predict needs a checkpoint, e.g. results/cnn/" RUNDIR_CKPT
                        "\n%s",
                        predict_usage);
    if (a->have_index + a->random + (a->image != NULL) > 1)
        return mnl_fail(MNL_ERR_ARG, "predict: choose one of --index, --random and --image\n%s",
                        predict_usage);
    return MNL_OK;
}

static void print_probabilities(const ExpConfig *c, const float *probs, int pred)
{
    for (int k = 0; k < num_classes(c); k++) {
        char name[32], bar[BAR_WIDTH + 1];
        int n = (int)lroundf(probs[k] * BAR_WIDTH);
        memset(bar, '#', (size_t)n);
        bar[n] = '\0';
        printf("  %-10s %6.2f%%  %s%s\n", class_name(c, k, name, sizeof name), 100.0 * probs[k], bar,
               k == pred ? "  <- prediction" : "");
    }
}

/* predict.dat: [28, 28] pixels; predict.probs.dat: "k \"name\" p colour" per class. */
static int write_predict_data(const char *img_path, const char *probs_path, const ExpConfig *c,
                              const Input *in, const float *probs, int pred)
{
    AtomicFile a;
    int rc = atomic_open(&a, img_path);
    if (rc)
        return rc;
    for (int y = 0; y < SIDE; y++)
        for (int x = 0; x < SIDE; x++)
            fprintf(a.f, "%.4g%c", in->pixels[y * SIDE + x], x == SIDE - 1 ? '\n' : ' ');
    if ((rc = atomic_commit(&a)) || (rc = atomic_open(&a, probs_path)))
        return rc;
    fprintf(a.f, "# class name probability colour (true class green, a wrong prediction orange, "
            "the prediction for an unlabelled image blue)\n");
    for (int k = 0; k < num_classes(c); k++) {
        char name[32];
        int colour = k == in->label                   ? 0x2E8B3A
                     : k == pred && in->label >= 0    ? 0xE07000
                     : k == pred                      ? 0x1F4E99
                                                      : 0x9DB3C8;
        fprintf(a.f, "%d ", k);
        esc_gnuplot_datafield(a.f, class_name(c, k, name, sizeof name));
        fprintf(a.f, " %.6f %d\n", probs[k], colour);
    }
    return atomic_commit(&a);
}

static int draw_predict(const char *out, const Trained *t, const Input *in, const float *probs,
                        int pred)
{
    const ExpConfig *c = &t->ex.cfg;
    char img_path[MNL_PATH_LEN], probs_path[MNL_PATH_LEN], pred_text[64], true_text[64], name[32];
    int rc = rundir_claim_file(out, NULL);    /* nothing of the user's is replaced */
    if (!rc)
        rc = sibling(out, "dat", img_path, sizeof img_path);
    if (!rc)
        rc = sibling(out, "probs.dat", probs_path, sizeof probs_path);
    if (!rc)
        rc = write_predict_data(img_path, probs_path, c, in, probs, pred);
    if (rc)
        return rc;
    snprintf(pred_text, sizeof pred_text, "pred: %s (%.1f%%)", class_name(c, pred, name, sizeof name),
             100.0 * probs[pred]);
    true_text[0] = '\0';
    if (in->label >= 0)
        snprintf(true_text, sizeof true_text, "true: %s", class_name(c, in->label, name, sizeof name));
    char title[1400];
    char what[200];
    snprintf(title, sizeof title, "%s: %s", t->name, esc_shorten(in->what, 120, what, sizeof what));
    int ok = in->label < 0 ? -1 : in->label == pred;
    Plot p;
    if ((rc = plot_begin(&p)))
        return rc;
    plot_add_file(&p, "img", img_path);
    plot_add_file(&p, "probs", probs_path);
    plot_set_int(&p, "k", num_classes(c));
    plot_set_str(&p, "pred_text", pred_text);
    plot_set_str(&p, "true_text", true_text);
    plot_set_int(&p, "ok", ok);
    plot_set_str(&p, "title", title);
    return plot_draw(&p, "predict", out);
}

static int run_predict(const PredictArgs *a, Trained *t)
{
    int rc = trained_open(t, a->ckpt);
    if (rc)
        return rc;
    Input in;
    int index = a->index;
    if (a->image)
        rc = input_from_file(t, a->image, &in);
    else if (a->random && !(rc = random_test_index(t, &index)))
        rc = input_from_test_set(t, index, 1, &in);
    else if (!a->random)
        rc = input_from_test_set(t, index, 0, &in);
    if (rc)
        return rc;

    float probs[DATASET_MAX_CLASSES];
    int pred = classify(t, &in, probs);
    const ExpConfig *c = &t->ex.cfg;
    char name[32];
    esc_say(stdout, "model: ", a->ckpt, "");
    printf(" (%s, %s head)\n", c->family, c->head);
    esc_say(stdout, "image: ", in.what, "\n");
    if (c->n_classes && in.label < 0)
        print_known_classes(c);
    print_probabilities(c, probs, pred);
    printf("prediction: %s (%.1f%%)", class_name(c, pred, name, sizeof name), 100.0 * probs[pred]);
    if (in.label >= 0)
        printf(", true label %s: %s", class_name(c, in.label, name, sizeof name),
               in.label == pred ? "correct" : "WRONG");
    printf("\n");

    char out[MNL_PATH_LEN];
    if (a->out)
        snprintf(out, sizeof out, "%s", a->out);
    else
        beside(a->ckpt, RUNDIR_PREDICT_PICTURE, out, sizeof out);
    char dir[MNL_PATH_LEN];
    beside(out, ".", dir, sizeof dir);      /* --out may name a directory that is not there yet */
    if ((rc = make_dirs(dir)) || (rc = draw_predict(out, t, &in, probs, pred)) ||
        (rc = rundir_adopt_picture(out)))
        return rc;
    esc_say(stdout, "wrote ", out, "\n");
    html_refresh_around(dir);          /* the page shows a run's pictures */
    return MNL_OK;
}

int predict_main(int argc, char **argv)
{
    PredictArgs a;
    int rc = parse_predict_args(argc, argv, &a);
    if (rc)
        return rc;
    Trained t;
    rc = run_predict(&a, &t);
    experiment_free(&t.ex);
    return rc;
}

/* ---- features: a grid of maps in a diverging (or gray) palette -------------------------------- */

/* The grid's geometry in map pixels: each cell is the map plus a 1-pixel gap at either side and a
 * band above for its label; scale is screen pixels per map pixel, so small maps are drawn big. */
typedef struct {
    int n, h, w, cols, rows, band, scale;
} GridShape;

static GridShape grid_shape(int n, int h, int w)
{
    GridShape g = {n, h, w, n == 10 ? 5 : n < 8 ? n : 8, 0, 0, 0};
    g.rows = (n + g.cols - 1) / g.cols;
    int side = h > w ? h : w, target = n == 1 ? 280 : 112;   /* screen pixels per map */
    g.scale = (target + side - 1) / side;
    g.scale = g.scale < 3 ? 3 : g.scale > 24 ? 24 : g.scale;    /* 3x3 maps need no 112 px */
    g.band = (18 + g.scale - 1) / g.scale;
    return g;
}

/* maps: [n, h, w] raw values -> the matrix gnuplot draws, gaps and label bands at 0 (white). */
static int write_map_grid(const char *path, const float *maps, GridShape g)
{
    const int cell_w = g.w + 2, cell_h = g.h + g.band;
    AtomicFile a;
    int rc = atomic_open(&a, path);
    if (rc)
        return rc;
    for (int gy = 0; gy < g.rows * cell_h; gy++) {
        for (int gx = 0; gx < g.cols * cell_w; gx++) {
            int i = (gy / cell_h) * g.cols + gx / cell_w;
            int y = gy % cell_h - g.band, x = gx % cell_w - 1;
            float v = 0.0f;
            if (i < g.n && y >= 0 && x >= 0 && x < g.w)
                v = maps[((size_t)i * g.h + y) * g.w + x];
            fprintf(a.f, gx ? " %.4g" : "%.4g", v);
        }
        fputc('\n', a.f);
    }
    return atomic_commit(&a);
}

static int write_map_labels(const char *path, const char *const *labels, GridShape g)
{
    const int cell_w = g.w + 2, cell_h = g.h + g.band;
    AtomicFile a;
    int rc = atomic_open(&a, path);
    if (rc)
        return rc;
    /* the label's centre, the label, then the map's centre and half sizes (for its frame) */
    fprintf(a.f, "# x y label map_x map_y half_w half_h\n");
    for (int i = 0; i < g.n; i++) {
        double x = (i % g.cols) * cell_w + cell_w / 2.0 - 0.5, top = (i / g.cols) * cell_h;
        fprintf(a.f, "%.2f %.2f ", x, top + g.band / 2.0 - 0.5);
        esc_gnuplot_datafield(a.f, labels[i]);
        fprintf(a.f, " %.2f %.2f %.2f %.2f\n", x, top + g.band + g.h / 2.0 - 0.5, g.w / 2.0, g.h / 2.0);
    }
    return atomic_commit(&a);
}

/* Draw maps with plots/features.gp. signed_range > 0: blue (-R) .. white (0) .. red (+R), one
 * scale for the whole figure so maps can be compared; 0: gray pixels in [0, 1], ink dark. */
static int draw_maps(const char *out, const char *title, const float *maps, int n, int h, int w,
                     const char *const *labels, float signed_range)
{
    GridShape g = grid_shape(n, h, w);
    char grid[MNL_PATH_LEN], lab[MNL_PATH_LEN];
    int rc = rundir_claim_file(out, NULL);    /* nothing of the user's is replaced */
    if (!rc)
        rc = sibling(out, "grid.dat", grid, sizeof grid);
    if (!rc)
        rc = sibling(out, "labels.dat", lab, sizeof lab);
    if (!rc)
        rc = write_map_grid(grid, maps, g);
    if (!rc)
        rc = write_map_labels(lab, labels, g);
    if (rc)
        return rc;
    Plot p;
    if ((rc = plot_begin(&p)))
        return rc;
    plot_add_file(&p, "grid", grid);
    plot_add_file(&p, "labels", lab);
    plot_set_int(&p, "cols", g.cols);
    plot_set_int(&p, "rows", g.rows);
    plot_set_int(&p, "cell_w", g.w + 2);
    plot_set_int(&p, "cell_h", g.h + g.band);
    plot_set_int(&p, "scale", g.scale);
    plot_set_num(&p, "range", (double)signed_range);
    plot_set_str(&p, "title", title);
    rc = plot_draw(&p, "features", out);
    plot_discard_data(grid);
    plot_discard_data(lab);
    return rc;
}

static float max_abs(const float *v, size_t n)
{
    float m = 0.0f;
    for (size_t i = 0; i < n; i++)
        m = fabsf(v[i]) > m ? fabsf(v[i]) : m;
    return m > 0.0f ? m : 1.0f;
}

static int compare_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* The 99.5th percentile of |v|: weights have a few large outliers, and a scale set by them would
 * wash every template out; the outliers simply saturate. */
static float robust_abs_range(const float *v, size_t n)
{
    float *a = malloc(sizeof *a * n);
    if (!a)
        return max_abs(v, n);
    for (size_t i = 0; i < n; i++)
        a[i] = fabsf(v[i]);
    qsort(a, n, sizeof *a, compare_float);
    float r = a[(size_t)(0.995 * (double)(n - 1))];
    free(a);
    return r > 0.0f ? r : max_abs(v, n);
}


/* ---- features: the CNN's stages -------------------------------------------------------------- */

typedef struct {
    const char *ckpt, *out_dir;
    int index;
    int weights;              /* --weights: the first layer's weights instead of the stages */
    int saliency;             /* --saliency: d(class score)/d(pixel) for test image N */
} FeaturesArgs;

static int parse_features_args(int argc, char **argv, FeaturesArgs *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "--index") && i + 1 < argc) {
            int rc = parse_index(argv[++i], &a->index);
            if (rc)
                return rc;
        } else if (!strcmp(s, "--out") && i + 1 < argc) {
            a->out_dir = argv[++i];
            if (path_leaves_room("features --out", a->out_dir, RUNDIR_FILE_ROOM))
                return MNL_ERR_ARG;
        } else if (!strcmp(s, "--weights")) {
            a->weights = 1;
        } else if (!strcmp(s, "--saliency")) {
            a->saliency = 1;
        } else if (s[0] == '-' || a->ckpt) {
            return mnl_fail(MNL_ERR_ARG, "features: unexpected argument \"%s\"\n%s", s, features_usage);
        } else {
            a->ckpt = s;
        }
    }
    if (!a->ckpt)
        return mnl_fail(MNL_ERR_ARG, "features needs a checkpoint, e.g. results/cnn/" RUNDIR_CKPT
                        "\n%s",
                        features_usage);
    if (a->weights && a->saliency)
        return mnl_fail(MNL_ERR_ARG, "features: --weights or --saliency, not both\n%s",
                        features_usage);
    return MNL_OK;
}

/* Layers whose output is still an image (conv, relu, pool ... before the first dense). */
static int is_spatial(const LayerInfo *r)
{
    return r->out_h > 1 || r->out_w > 1;
}

/* Label strings "1" .. "n" in one block: labels[i] points into text. */
static void number_labels(int n, char (*text)[40], const char **labels)
{
    for (int i = 0; i < n; i++) {
        snprintf(text[i], sizeof text[i], "%d", i + 1);
        labels[i] = text[i];
    }
}

static int draw_input(const char *dir, const Trained *t, const Input *in, const char *verdict)
{
    char out[MNL_PATH_LEN], title[1600];
    char what[200];
    snprintf(title, sizeof title, "%s: input, %s", t->name,
             esc_shorten(in->what, 120, what, sizeof what));
    const char *label = verdict;
    int rc = format_path(out, sizeof out, "%s/" RUNDIR_FEATURES_PREFIX "00-input.png", dir);
    if (!rc)
        rc = draw_maps(out, title, in->pixels, 1, SIDE, SIDE, &label, 0.0f);
    if (!rc)
        rc = rundir_adopt_picture(out);      /* a later run may replace it */
    if (!rc)
        esc_say(stdout, "wrote ", out, "\n");
    return rc;
}

static int draw_stage(const char *dir, const Trained *t, int i, const LayerInfo *r, int index)
{
    int c, h, w;
    const float *maps = model_layer_output(&t->ex.model, i, 0, &c, &h, &w);   /* [c, h, w] */
    if (!maps)
        return mnl_fail(MNL_ERR_ARG, "no output for layer %d", i + 1);
    char (*text)[40] = malloc(sizeof *text * (size_t)c);
    const char **labels = malloc(sizeof *labels * (size_t)c);
    if (!text || !labels) {
        free(text), free(labels);
        return mnl_fail(MNL_ERR_NOMEM, "cannot allocate %d labels", c);
    }
    number_labels(c, text, labels);
    char out[MNL_PATH_LEN], title[400];
    const Model *m = &t->ex.model;
    char name[32];
    if (h == 1 && w == 1) {       /* a vector (a 1x1 pool, a dense output): each value written */
        for (int k = 0; k < c; k++)
            if (i < m->n_layers - 1)
                snprintf(text[k], sizeof text[k], "%d: %.3g", k + 1, maps[k]);
            else if (m->head == HEAD_SIGMOID)   /* the logit; the title gives its probability */
                snprintf(text[k], sizeof text[k], "logit %.3g", maps[k]);
            else                                /* the logits, by class */
                snprintf(text[k], sizeof text[k], "%s: %.3g", class_name(&t->ex.cfg, k, name,
                                                                          sizeof name), maps[k]);
        char sig[64] = "";
        if (i == m->n_layers - 1 && m->head == HEAD_SIGMOID)
            snprintf(sig, sizeof sig, ", sigmoid: p(%s) = %.3f", class_name(&t->ex.cfg, 1, name,
                     sizeof name), m->probs[1]);
        snprintf(title, sizeof title, "%.63s: after %.31s (%.15s), %d value%s%s, test image %d  "
                 "(red > 0 > blue)", t->name, r->name, r->kind, c, c == 1 ? "" : "s", sig, index);
    } else {
        snprintf(title, sizeof title, "%.63s: after %.31s (%.15s), %d maps of %dx%d, test image %d  "
                 "(red > 0 > blue)", t->name, r->name, r->kind, c, h, w, index);
    }
    int rc = format_path(out, sizeof out, "%s/" RUNDIR_FEATURES_PREFIX "%02d-%.31s.png", dir, i + 1,
                         r->name);
    if (!rc)
        rc = draw_maps(out, title, maps, c, h, w, labels, max_abs(maps, (size_t)c * h * w));
    free(text), free(labels);
    if (!rc)
        rc = rundir_adopt_picture(out);      /* a later run may replace it */
    if (!rc)
        esc_say(stdout, "wrote ", out, "\n");
    return rc;
}

static int run_feature_maps(const FeaturesArgs *a, Trained *t, const char *dir,
                            const LayerInfo *rows, int n_rows)
{
    Input in;
    int rc = input_from_test_set(t, a->index, 0, &in);
    if (rc)
        return rc;
    float probs[DATASET_MAX_CLASSES];
    t->ex.model.keep_maps = 1;               /* every stage's maps, the conv's before its ReLU too */
    int pred = classify(t, &in, probs);
    const ExpConfig *c = &t->ex.cfg;
    char verdict[96], p[32], l[32];
    snprintf(verdict, sizeof verdict, "label %s, predicted %s (%.1f%%)",
             class_name(c, in.label, l, sizeof l), class_name(c, pred, p, sizeof p),
             100.0 * probs[pred]);
    esc_say(stdout, "", in.what, ": ");
    printf("%s\n", verdict);
    if ((rc = draw_input(dir, t, &in, verdict)))
        return rc;
    for (int i = 0; i < n_rows && !rc; i++)   /* every stage, the vectors after the maps too */
        rc = draw_stage(dir, t, i, &rows[i], a->index);
    return rc;
}

/* --weights on a CNN: the kernels of the first convolution, one k x k map per (output, input)
 * channel pair. w: [Out, In, k, k]. */
static int run_conv_kernels(Trained *t, const char *dir, const ParamTensor *w)
{
    int out_c = w->shape[0], in_c = w->shape[1], k = w->shape[2];
    int n = out_c * in_c > MAX_TEMPLATES ? MAX_TEMPLATES : out_c * in_c;
    char (*text)[16] = malloc(sizeof *text * (size_t)n);
    const char **labels = malloc(sizeof *labels * (size_t)n);
    if (!text || !labels) {
        free(text), free(labels);
        return mnl_fail(MNL_ERR_NOMEM, "cannot allocate %d labels", n);
    }
    for (int i = 0; i < n; i++) {
        if (in_c == 1)
            snprintf(text[i], sizeof text[i], "%d", i + 1);
        else
            snprintf(text[i], sizeof text[i], "%d<-%d", i / in_c + 1, i % in_c + 1);
        labels[i] = text[i];
    }
    char out[MNL_PATH_LEN], title[400];
    snprintf(title, sizeof title, "%.63s: the %d kernels (%dx%d) of %.31s, what each map looks for "
             "(red > 0 > blue)", t->name, n, k, k, w->name);
    int rc = format_path(out, sizeof out, "%s/" RUNDIR_WEIGHTS_PICTURE, dir);
    if (!rc)
        rc = draw_maps(out, title, w->value, n, k, k, labels, max_abs(w->value, (size_t)n * k * k));
    free(text), free(labels);
    if (!rc)
        rc = rundir_adopt_picture(out);      /* a later run may replace it */
    if (!rc)
        esc_say(stdout, "wrote ", out, "\n");
    return rc;
}

/* The first convolution's weight [Out, In, k, k], or NULL. */
static const ParamTensor *first_conv_weight(const Model *m)
{
    for (int i = 0; i < m->n_params; i++)
        if (m->params[i].is_weight)
            return m->params[i].rank == 4 ? &m->params[i] : NULL;
    return NULL;
}

/* ---- features: weight templates of a first dense layer ---------------------------------------- */

/* The first weight that reads the raw image: a dense [Out, 784] (softmax, MLP). */
static const ParamTensor *first_image_weight(const Model *m)
{
    size_t in = (size_t)m->in_c * m->in_h * m->in_w;
    for (int i = 0; i < m->n_params; i++) {
        const ParamTensor *p = &m->params[i];
        if (p->is_weight && p->rank == 2 && (size_t)p->shape[1] == in)
            return p;
        if (p->is_weight)
            return NULL;      /* the first weight is something else (a conv) */
    }
    return NULL;
}

static int run_weight_templates(Trained *t, const char *dir, const ParamTensor *wt)
{
    const ExpConfig *c = &t->ex.cfg;
    int out_units = wt->shape[0], n = out_units < MAX_TEMPLATES ? out_units : MAX_TEMPLATES;
    int is_head = t->ex.model.n_layers == 1;     /* one dense layer: its rows are the classes */
    char text[MAX_TEMPLATES][32];
    const char *labels[MAX_TEMPLATES];
    char title[400], a[32], b[32];
    for (int k = 0; k < n; k++) {
        if (is_head && out_units == 1)          /* sigmoid head: one logit, class 1 against 0 */
            snprintf(text[k], sizeof text[k], "%s vs %s", class_name(c, 1, a, sizeof a),
                     class_name(c, 0, b, sizeof b));
        else if (is_head)
            class_name(c, k, text[k], sizeof text[k]);
        else
            snprintf(text[k], sizeof text[k], "unit %d", k + 1);
        labels[k] = text[k];
    }
    if (is_head)
        snprintf(title, sizeof title, "%s: weight templates, red pixels vote for the class, "
                 "blue against", t->name);
    else
        snprintf(title, sizeof title, "%s: input weights of the first %d of %d units of %s "
                 "(red > 0 > blue)", t->name, n, out_units, wt->name);
    char out[MNL_PATH_LEN];
    int rc = format_path(out, sizeof out, "%s/" RUNDIR_WEIGHTS_PICTURE, dir);
    if (!rc)
        rc = draw_maps(out, title, wt->value, n, t->ex.model.in_h, t->ex.model.in_w, labels,
                       robust_abs_range(wt->value, (size_t)n * wt->shape[1]));
    if (!rc)
        rc = rundir_adopt_picture(out);      /* a later run may replace it */
    if (!rc)
        esc_say(stdout, "wrote ", out, "\n");
    return rc;
}

/* ---- features --saliency: where the image pushes the class score ------------------------------ */

/* d(score of class cls)/d(pixel) for the input, in the picture's pixel order. */
static int saliency_map(Trained *t, const Input *in, int cls, float *map)
{
    int rc = model_saliency(&t->ex.model, in->x, &cls, 1, map);     /* models/input_grad */
    return rc ? rc : follow_permutation(&t->ex.cfg, map, 1);
}

/* saliency.png: the gradient of the predicted class's score, and of the true class's when the
 * prediction is wrong, with respect to every pixel of test image N (Simonyan et al. 2014): red
 * pixels raise the score, blue ones lower it, on one scale. */
static int run_saliency(const FeaturesArgs *a, Trained *t, const char *dir)
{
    Input in;
    int rc = input_from_test_set(t, a->index, 0, &in);
    if (rc)
        return rc;
    float probs[DATASET_MAX_CLASSES], maps[2][PIXELS];
    int pred = classify(t, &in, probs), n = pred == in.label ? 1 : 2;
    const ExpConfig *c = &t->ex.cfg;
    char text[2][96], name[32], title[1400], out[MNL_PATH_LEN];
    const char *labels[2] = {text[0], text[1]};
    int cls[2] = {pred, in.label};
    for (int k = 0; k < n && !rc; k++) {
        rc = saliency_map(t, &in, cls[k], maps[k]);
        snprintf(text[k], sizeof text[k], "%s %s (%.1f%%)", k ? "true" : "predicted",
                 class_name(c, cls[k], name, sizeof name), 100.0 * probs[cls[k]]);
    }
    if (rc)
        return rc;
    char what[200];
    snprintf(title, sizeof title, "%s: d(class score)/d(pixel), %s  (red raises it > 0 > blue)",
             t->name, esc_shorten(in.what, 120, what, sizeof what));
    if (!(rc = format_path(out, sizeof out, "%s/" RUNDIR_SALIENCY_PICTURE, dir)))
        rc = draw_maps(out, title, &maps[0][0], n, SIDE, SIDE, labels,
                       max_abs(&maps[0][0], (size_t)n * PIXELS));
    if (!rc)
        esc_say(stdout, "wrote ", out, "\n");
    return rc;
}

/* A fitted model's pictures (models/fitted.h): k-NN's nearest training images of test image
 * --index, a tree's or forest's feature importance, an SVM's support vectors, a linear model's
 * weight templates; into DIR/features-model.png. */
#define FITTED_MAPS 41
static int run_fitted_maps(const FeaturesArgs *a, Trained *t, const char *dir)
{
    const Fitted *f = t->ex.model.fitted;
    if (!f->ops->maps)
        return mnl_fail(MNL_ERR_ARG, "%s: a %s model has no picture to draw yet", a->ckpt,
                        t->ex.cfg.family);
    Input in;
    int rc = !strcmp(t->ex.cfg.family, "knn") ? input_from_test_set(t, a->index, 0, &in) : MNL_OK;
    if (rc)
        return rc;
    FittedMaps fm = {.max = FITTED_MAPS};
    fm.maps = malloc(sizeof(float) * FITTED_MAPS * (size_t)f->d);
    fm.labels = malloc(sizeof *fm.labels * FITTED_MAPS);
    const char *labels[FITTED_MAPS];
    if (!fm.maps || !fm.labels)
        rc = mnl_fail(MNL_ERR_NOMEM, "features: %d maps", FITTED_MAPS);
    if (!rc)
        rc = f->ops->maps(f, !strcmp(t->ex.cfg.family, "knn") ? in.x : NULL, &fm);
    char out[MNL_PATH_LEN], title[400];
    if (!rc)
        rc = format_path(out, sizeof out, "%s/" RUNDIR_FEATURES_MODEL, dir);
    if (!rc && (f->d != PIXELS || t->ex.model.in_h != SIDE))
        rc = mnl_fail(MNL_ERR_ARG, "%s: the model's features are not 28x28 pixels", a->ckpt);
    if (!rc) {
        float pixels[PIXELS];
        for (int i = 0; i < fm.n; i++) {
            labels[i] = fm.labels[i];
            if (fm.images) {
                pixels_from_normalised(&t->ex.data, fm.maps + (size_t)i * PIXELS, pixels);
                memcpy(fm.maps + (size_t)i * PIXELS, pixels, sizeof pixels);
            }
        }
        snprintf(title, sizeof title, "%.63s: %s", t->name, fm.title);
        rc = draw_maps(out, title, fm.maps, fm.n, SIDE, SIDE, labels,
                       fm.images ? 0.0f : max_abs(fm.maps, (size_t)fm.n * PIXELS));
    }
    if (!rc)
        rc = rundir_adopt_picture(out);      /* a later run may replace it */
    if (!rc)
        esc_say(stdout, "wrote ", out, "\n");
    free(fm.maps), free(fm.labels);
    return rc;
}

static int run_features(const FeaturesArgs *a, Trained *t)
{
    int rc = trained_open(t, a->ckpt);
    if (rc)
        return rc;
    char dir[MNL_PATH_LEN];
    if (a->out_dir)
        snprintf(dir, sizeof dir, "%s", a->out_dir);
    else
        beside(a->ckpt, "", dir, sizeof dir);
    size_t len = strlen(dir);
    if (len > 1 && dir[len - 1] == '/')
        dir[len - 1] = '\0';
    if (!dir[0])
        snprintf(dir, sizeof dir, ".");
    if ((rc = make_dirs(dir)))
        return rc;

    if (t->ex.model.fitted) {
        rc = run_fitted_maps(a, t, dir);
        if (!rc)
            html_refresh_around(dir);  /* the page shows a run's pictures */
        return rc;
    }
    LayerInfo rows[64];
    int n_rows = model_layer_info(&t->ex.model, rows, 64), spatial = 0;
    for (int i = 0; i < n_rows; i++)
        spatial += is_spatial(&rows[i]);
    const ParamTensor *conv = first_conv_weight(&t->ex.model);
    const ParamTensor *wt = first_image_weight(&t->ex.model);
    if (a->saliency)
        rc = run_saliency(a, t, dir);
    else if (a->weights && conv)
        rc = run_conv_kernels(t, dir, conv);
    else if (spatial && !a->weights)
        rc = run_feature_maps(a, t, dir, rows, n_rows);
    else if (wt)
        rc = run_weight_templates(t, dir, wt);
    else
        return mnl_fail(MNL_ERR_ARG, "%s: the model has neither feature maps nor a first dense layer "
                        "on the image to draw", a->ckpt);
    if (!rc)
        html_refresh_around(dir);      /* the page shows a run's pictures */
    return rc;
}

int features_main(int argc, char **argv)
{
    FeaturesArgs a;
    int rc = parse_features_args(argc, argv, &a);
    if (rc)
        return rc;
    Trained t;
    rc = run_features(&a, &t);
    experiment_free(&t.ex);
    return rc;
}
