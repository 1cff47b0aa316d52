/* common/dataset: from the four IDX files to normalised float splits, in one fixed order:
 * load -> class filter + relabel -> random subset draw -> validation split -> normalise;
 * and the mini-batch iterator. */
#include "common/dataset.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <gsl/gsl_randist.h>

#include "common/error.h"
#include "common/fileio.h"
#include "common/hugemem.h"
#include "common/idx.h"
#include "common/threads.h"

/* Each random draw has its own mt19937 stream, seeded from spec->seed and a stream number, so
 * that adding a validation split does not change which images the subset draw picks, and the
 * test subset does not depend on the size of the training subset. */
enum { STREAM_SUBSET_TRAIN = 1, STREAM_SUBSET_TEST = 2, STREAM_SPLIT = 3 };

/* splitmix64 of (seed, stream), folded to the 32 bits mt19937 takes; never 0, which GSL would
 * silently replace by its default seed. */
static unsigned long stream_seed(unsigned long seed, int stream)
{
    uint64_t z = (uint64_t)seed + 0x9E3779B97F4A7C15ull * (uint64_t)(stream + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    unsigned long s = (unsigned long)(z & 0xFFFFFFFFu);
    return s ? s : 1;
}

gsl_rng *dataset_stream_rng(unsigned long seed, int stream)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (r)
        gsl_rng_set(r, stream_seed(seed, stream));
    return r;
}

/* Fashion-MNIST's classes as a setting names them (data.classes = sneaker ankle-boot). */
static const char *const fashion_names[10] = {
    "t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot",
};

int dataset_fashion_class(const char *name)
{
    for (int c = 0; c < 10; c++)
        if (strcasecmp(name, fashion_names[c]) == 0)
            return c;
    if (strcasecmp(name, "top") == 0 || strcasecmp(name, "t-shirt/top") == 0)
        return 0;
    return strcasecmp(name, "boot") == 0 ? 9 : -1;
}

const char *dataset_fashion_class_name(int cls)
{
    return cls >= 0 && cls < 10 ? fashion_names[cls] : "?";
}

const char *dataset_class_label(const char *dataset, int cls)
{
    static const char *const digits[10] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
    static const char *const fashion[10] = {"T-shirt", "Trouser", "Pullover", "Dress", "Coat",
                                            "Sandal",  "Shirt",   "Sneaker",  "Bag",   "Boot"};
    if (cls < 0 || cls > 9)
        return "?";
    return dataset && strcmp(dataset, "fashion") == 0 ? fashion[cls] : digits[cls];
}

const char *dataset_default_dir(const char *name)
{
    const char *env = NULL, *dflt = NULL;
    if (name && strcmp(name, "mnist") == 0)
        env = getenv("MNIST_DIR"), dflt = "data/mnist";
    else if (name && strcmp(name, "fashion") == 0)
        env = getenv("FASHION_DIR"), dflt = "/usr/share/datasets/fashion-mnist";
    else
        return NULL;
    return env && *env ? env : dflt;
}

/* ---- spec validation ------------------------------------------------------------------------- */

static int check_classes(const DataSpec *spec)
{
    if (spec->n_classes == 0)
        return MNL_OK;
    if (spec->n_classes < 2 || spec->n_classes > DATASET_MAX_CLASSES)
        return mnl_fail(MNL_ERR_CONFIG, "classes: %d given, a subset needs 2..%d", spec->n_classes,
                        DATASET_MAX_CLASSES);
    int seen[DATASET_MAX_CLASSES] = {0};
    for (int i = 0; i < spec->n_classes; i++) {
        int c = spec->classes[i];
        if (c < 0 || c >= DATASET_MAX_CLASSES)
            return mnl_fail(MNL_ERR_CONFIG, "classes: %d is not a class (0..%d)", c, DATASET_MAX_CLASSES - 1);
        if (seen[c]++)
            return mnl_fail(MNL_ERR_CONFIG, "classes: %d appears twice", c);
    }
    return MNL_OK;
}

/* What can be checked before reading a byte; sizes are checked once the files are loaded. */
static int check_spec(const DataSpec *spec)
{
    if (!spec)
        return mnl_fail(MNL_ERR_ARG, "dataset_load: no spec");
    if (!spec->dir[0] && !dataset_default_dir(spec->name))
        return mnl_fail(MNL_ERR_CONFIG, "dataset: \"%s\" is not mnist or fashion", spec->name);
    if (spec->norm == NORM_MEAN_STD && !(isfinite(spec->mean) && isfinite(spec->std) && spec->std > 0))
        return mnl_fail(MNL_ERR_CONFIG, "normalize: mean %g std %g: std must be positive and both finite",
                        spec->mean, spec->std);
    if (spec->norm != NORM_NONE && spec->norm != NORM_MEAN_STD && spec->norm != NORM_MINUS1_1 &&
        spec->norm != NORM_DATASET)
        return mnl_fail(MNL_ERR_ARG, "normalize: unknown kind %d", (int)spec->norm);
    if (spec->subset_train < 0 || spec->subset_test < 0)
        return mnl_fail(MNL_ERR_CONFIG, "subset = %d %d: sizes cannot be negative", spec->subset_train,
                        spec->subset_test);
    if (spec->split != SPLIT_NONE && spec->split != SPLIT_RANDOM && spec->split != SPLIT_LAST)
        return mnl_fail(MNL_ERR_ARG, "validation: unknown kind %d", (int)spec->split);
    if (spec->split != SPLIT_NONE && spec->split_n < 1)
        return mnl_fail(MNL_ERR_CONFIG, "validation = %s %d: needs at least one image",
                        spec->split == SPLIT_RANDOM ? "random" : "last", spec->split_n);
    return check_classes(spec);
}

/* ---- loading ------------------------------------------------------------------------------- */

/* Why a data file is missing when the folder itself is the cause, naming the variable that chose
 * the folder ("" when the folder is there). */
static const char *folder_note(const char *dir)
{
    static char note[MNL_PATH_LEN + 256];
    struct stat st;
    int found = stat(dir, &st) == 0, err = errno;
    if (found && S_ISDIR(st.st_mode))
        return "";
    const char *vars[2] = {"MNIST_DIR", "FASHION_DIR"}, *var = NULL;
    for (int i = 0; i < 2; i++) {
        const char *env = getenv(vars[i]);
        if (env && *env && strcmp(env, dir) == 0)
            var = vars[i];
    }
    char what[160];
    if (found || err == ENOENT)
        snprintf(what, sizeof what, "%s", found ? "is not a folder" : "does not exist");
    else
        snprintf(what, sizeof what, "cannot be reached (%s)", strerror(err));
    snprintf(note, sizeof note, ": the folder %s %s%s%s", dir, what, var ? ", and " : "",
             var ? var : "");
    if (var)
        snprintf(note + strlen(note), sizeof note - strlen(note), " names it");
    return note;
}

/* dir/name, or dir/name.gz when only that exists. */
static int find_file(char *out, size_t size, const char *dir, const char *name)
{
    if (snprintf(out, size, "%s/%s", dir, name) >= (int)size)
        return mnl_fail(MNL_ERR_IO, "%s/%s: path too long", dir, name);
    if (path_present(out))
        return MNL_OK;
    snprintf(out, size, "%s/%s.gz", dir, name);
    if (path_present(out))
        return MNL_OK;
    return mnl_fail(MNL_ERR_IO, "%s/%s: no such file (nor %s.gz)%s; run `make data` or set the data "
                    "directory", dir, name, name, folder_note(dir));
}

#define SET_PATH_LEN MNL_PATH_LEN
/* One set (train or t10k): the image file opened (its images are read once picked), the labels
 * read, counts checked against each other. im->path borrows ip. */
static int load_set(const char *dir, const char *prefix, IdxImageFile *im, IdxLabels *lb,
                    char ip[SET_PATH_LEN])
{
    char lp[MNL_PATH_LEN], name[64];
    snprintf(name, sizeof name, "%s-images-idx3-ubyte", prefix);
    int rc = find_file(ip, SET_PATH_LEN, dir, name);
    if (rc)
        return rc;
    snprintf(name, sizeof name, "%s-labels-idx1-ubyte", prefix);
    if ((rc = find_file(lp, sizeof lp, dir, name)) != 0)
        return rc;
    if ((rc = idx_images_open(ip, im)) != 0)
        return rc;
    if ((rc = idx_read_labels(lp, DATASET_MAX_CLASSES, lb)) == 0)
        rc = idx_check_pair(ip, im->n, lp, lb);
    if (rc) {
        idx_images_close(im);
        idx_labels_free(lb);
    }
    return rc;
}

/* ---- selection: which source indices go where ------------------------------------------------ */

/* An ordered list of indices into one IDX file. */
typedef struct {
    int *idx;
    int n;
} Picks;

static int picks_alloc(Picks *p, int n)
{
    p->n = n;
    p->idx = malloc((size_t)(n > 0 ? n : 1) * sizeof *p->idx);
    return p->idx ? MNL_OK : mnl_fail(MNL_ERR_NOMEM, "dataset: cannot allocate %d indices", n);
}

/* Indices whose label is one of the chosen classes (relabel[c] >= 0), in file order. */
static int pick_classes(const IdxLabels *lb, const int *relabel, Picks *out)
{
    int rc = picks_alloc(out, lb->n);
    if (rc)
        return rc;
    int k = 0;
    for (int i = 0; i < lb->n; i++)
        if (relabel[lb->labels[i]] >= 0)
            out->idx[k++] = i;
    out->n = k;
    return MNL_OK;
}

/* A uniformly random n of p, without replacement, kept in file order: gsl_ran_choose is Knuth's
 * selection sampling, which returns the chosen items in their input order. */
static int draw_subset(Picks *p, int n, unsigned long seed, int stream)
{
    if (n <= 0 || n == p->n)
        return MNL_OK;
    Picks chosen;
    int rc = picks_alloc(&chosen, n);
    if (rc)
        return rc;
    gsl_rng *r = dataset_stream_rng(seed, stream);
    if (!r) {
        free(chosen.idx);
        return mnl_fail(MNL_ERR_NOMEM, "dataset: cannot allocate a random generator");
    }
    gsl_ran_choose(r, chosen.idx, (size_t)n, p->idx, (size_t)p->n, sizeof *p->idx);
    gsl_rng_free(r);
    free(p->idx);
    *p = chosen;
    return MNL_OK;
}

/* The ascending positions (0..total-1) within train that go to validation: the last n, or a
 * seeded uniformly random n (selection sampling keeps them ascending). */
static int valid_positions(int *pos, int n, int total, const DataSpec *spec)
{
    if (spec->split == SPLIT_LAST) {
        for (int i = 0; i < n; i++)
            pos[i] = total - n + i;
        return MNL_OK;
    }
    Picks all;
    int rc = picks_alloc(&all, total);
    if (rc)
        return rc;
    gsl_rng *r = dataset_stream_rng(spec->seed, STREAM_SPLIT);
    if (!r) {
        free(all.idx);
        return mnl_fail(MNL_ERR_NOMEM, "dataset: cannot allocate a random generator");
    }
    for (int i = 0; i < total; i++)
        all.idx[i] = i;
    gsl_ran_choose(r, pos, (size_t)n, all.idx, (size_t)total, sizeof *pos);
    gsl_rng_free(r);
    free(all.idx);
    return MNL_OK;
}

/* Moves spec->split_n images of train into valid; both parts stay in file order. */
static int split_valid(Picks *train, Picks *valid, const DataSpec *spec)
{
    int n = spec->split_n, total = train->n;
    Picks rest = {NULL, 0};
    int rc = picks_alloc(valid, n);
    if (!rc)
        rc = picks_alloc(&rest, total - n);
    if (!rc)
        rc = valid_positions(valid->idx, n, total, spec);
    if (rc) {
        free(valid->idx), free(rest.idx);
        *valid = (Picks){NULL, 0};
        return rc;
    }
    /* One walk over train: a position listed in valid (ascending) is replaced by its file index
     * there, every other position goes to rest. */
    for (int i = 0, j = 0, k = 0; i < total; i++) {
        if (j < n && valid->idx[j] == i)
            valid->idx[j++] = train->idx[i];
        else
            rest.idx[k++] = train->idx[i];
    }
    free(train->idx);
    *train = rest;
    return MNL_OK;
}

/* ---- building float datasets ---------------------------------------------------------------- */

/* The 256 possible float values of a pixel under spec's normalisation: one table lookup per
 * pixel instead of arithmetic, and the same float for the same byte everywhere. */
static void norm_table(NormKind norm, float mean, float std, float lut[256])
{
    for (int p = 0; p < 256; p++) {
        double v = p / 255.0;
        if (norm == NORM_MEAN_STD)
            v = (v - mean) / std;
        else if (norm == NORM_MINUS1_1)
            v = p / 127.5 - 1.0;
        lut[p] = (float)v;
    }
}

/* Room for a data set's images, freed with free(): a shuffled batch reads 3 KB images at random
 * places in up to 188 MB, and with 4 KiB pages nearly every image costs a TLB miss and a page walk
 * (2 MiB pages: 94 entries cover all of it). */
static float *alloc_images(size_t floats)
{
    return huge_alloc(floats * sizeof(float));
}

/* The picked images of one split, [p->n, rows, cols] bytes in pick order (*px malloc'd; the
 * caller frees it). */
static int read_picked(const IdxImageFile *im, const Picks *p, uint8_t **px)
{
    size_t bytes = (size_t)p->n * (size_t)im->rows * (size_t)im->cols;
    *px = malloc(bytes ? bytes : 1);
    if (!*px)
        return mnl_fail(MNL_ERR_NOMEM, "%s: cannot allocate %zu bytes for %d images", im->path, bytes,
                        p->n);
    int rc = idx_images_read(im, p->idx, p->n, *px);
    if (rc) {
        free(*px);
        *px = NULL;
    }
    return rc;
}

/* The mean and standard deviation of p/255 over every pixel of px [count bytes], from a histogram
 * of the byte values (exact sums in integers, one pass). */
static void pixel_stats(const uint8_t *px, size_t count_px, float *mean, float *std)
{
    unsigned long long count[256] = {0};
    for (size_t j = 0; j < count_px; j++)
        count[px[j]]++;
    double n = 0, sum = 0, sq = 0;
    for (int v = 0; v < 256; v++) {
        double x = v / 255.0;
        n += (double)count[v];
        sum += (double)count[v] * x;
        sq += (double)count[v] * x * x;
    }
    double m = n > 0 ? sum / n : 0.0, var = n > 0 ? sq / n - m * m : 0.0;
    *mean = (float)m;
    *std = (float)(var > 1e-12 ? sqrt(var) : 1.0);   /* a blank training set: no scaling */
}

/* x: [n, 1, h, w] from the picked images px [n, h, w] (read_picked), y relabelled, orig_index =
 * the picks. */
static int build_dataset(Dataset *d, const IdxImageFile *im, const uint8_t *px_picked,
                         const IdxLabels *lb, const Picks *p, const int *relabel,
                         const float lut[256], int num_classes)
{
    memset(d, 0, sizeof *d);
    size_t hw = (size_t)im->rows * (size_t)im->cols, n = (size_t)p->n;
    d->x = alloc_images((n ? n : 1) * hw);
    d->y = malloc((n ? n : 1) * sizeof *d->y);
    d->orig_index = malloc((n ? n : 1) * sizeof *d->orig_index);
    if (!d->x || !d->y || !d->orig_index) {
        dataset_free(d);
        return mnl_fail(MNL_ERR_NOMEM, "dataset: cannot allocate %zu images of %zux%d", n,
                        (size_t)im->rows, im->cols);
    }
    for (size_t i = 0; i < n; i++) {
        int src = p->idx[i];
        const uint8_t *px = px_picked + i * hw;
        float *dst = d->x + i * hw;
        for (size_t j = 0; j < hw; j++)
            dst[j] = lut[px[j]];
        d->y[i] = relabel[lb->labels[src]];
        d->orig_index[i] = src;
    }
    d->n = p->n;
    d->h = im->rows;
    d->w = im->cols;
    d->num_classes = num_classes;
    return MNL_OK;
}

/* read_picked, then build_dataset. */
static int build_split(Dataset *d, const IdxImageFile *im, const IdxLabels *lb, const Picks *p,
                       const int *relabel, const float lut[256], int num_classes)
{
    uint8_t *px;
    int rc = read_picked(im, p, &px);
    if (!rc)
        rc = build_dataset(d, im, px, lb, p, relabel, lut, num_classes);
    free(px);
    return rc;
}

/* ---- the whole pipeline ---------------------------------------------------------------------- */

typedef struct {
    IdxImageFile tr_im, te_im;
    IdxLabels tr_lb, te_lb;
    Picks train, valid, test;
    char tr_path[MNL_PATH_LEN], te_path[MNL_PATH_LEN];   /* the image files, for messages */
} LoadState;

static void load_state_free(LoadState *s)
{
    idx_images_close(&s->tr_im), idx_images_close(&s->te_im);
    idx_labels_free(&s->tr_lb), idx_labels_free(&s->te_lb);
    free(s->train.idx), free(s->valid.idx), free(s->test.idx);
}

/* A set with no image cannot be trained on or measured: its mean loss would be 0/0, the NaN a
 * run would report as divergence (or, for training, keep as a result). */
static int check_not_empty(const DataSpec *spec, const LoadState *s)
{
    const char *what = spec->n_classes ? " of the chosen classes" : "";
    if (s->train.n == 0)
        return mnl_fail(MNL_ERR_IDX_COUNT, "%s: holds no training images%s (%d in the file); a run "
                        "needs at least one batch", s->tr_path, what, s->tr_im.n);
    if (s->test.n == 0)
        return mnl_fail(MNL_ERR_IDX_COUNT, "%s: holds no test images%s (%d in the file); a run "
                        "needs at least one to measure", s->te_path, what, s->te_im.n);
    return MNL_OK;
}

static int check_sizes(const DataSpec *spec, const LoadState *s)
{
    int rc = check_not_empty(spec, s);
    if (rc)
        return rc;
    if (s->tr_im.rows != s->te_im.rows || s->tr_im.cols != s->te_im.cols)
        return mnl_fail(MNL_ERR_IDX_COUNT, "%s: training images are %dx%d but test images %dx%d",
                        spec->dir, s->tr_im.rows, s->tr_im.cols, s->te_im.rows, s->te_im.cols);
    if (spec->subset_train > s->train.n || spec->subset_test > s->test.n)
        return mnl_fail(MNL_ERR_CONFIG, "subset = %d %d: only %d training and %d test images%s",
                        spec->subset_train, spec->subset_test, s->train.n, s->test.n,
                        spec->n_classes ? " of the chosen classes" : "");
    return MNL_OK;
}

/* relabel[original class] = new class, or -1 for a class left out (identity when all ten are
 * kept); class_names the inverse. Returns the number of classes. */
static int class_maps(const DataSpec *spec, int relabel[DATASET_MAX_CLASSES],
                      int class_names[DATASET_MAX_CLASSES])
{
    int k = spec->n_classes ? spec->n_classes : DATASET_MAX_CLASSES;
    for (int c = 0; c < DATASET_MAX_CLASSES; c++)
        relabel[c] = spec->n_classes ? -1 : c, class_names[c] = c;
    for (int i = 0; i < spec->n_classes; i++) {
        relabel[spec->classes[i]] = i;
        class_names[i] = spec->classes[i];
    }
    return k;
}

static int select_images(const DataSpec *spec, LoadState *s, const int *relabel)
{
    int rc = pick_classes(&s->tr_lb, relabel, &s->train);
    if (!rc)
        rc = pick_classes(&s->te_lb, relabel, &s->test);
    if (!rc)
        rc = check_sizes(spec, s);
    if (!rc)
        rc = draw_subset(&s->train, spec->subset_train, spec->seed, STREAM_SUBSET_TRAIN);
    if (!rc)
        rc = draw_subset(&s->test, spec->subset_test, spec->seed, STREAM_SUBSET_TEST);
    if (!rc && spec->split != SPLIT_NONE) {
        if (spec->split_n >= s->train.n)   /* counted after the filter and the subset draw */
            return mnl_fail(MNL_ERR_CONFIG, "validation = %s %d: must be smaller than the %d training "
                            "images", spec->split == SPLIT_RANDOM ? "random" : "last", spec->split_n,
                            s->train.n);
        rc = split_valid(&s->train, &s->valid, spec);
    }
    return rc;
}

int dataset_load(const DataSpec *spec, DataSplits *out)
{
    memset(out, 0, sizeof *out);
    int rc = check_spec(spec);
    if (rc)
        return rc;
    const char *dir = spec->dir[0] ? spec->dir : dataset_default_dir(spec->name);
    LoadState s;
    memset(&s, 0, sizeof s);
    int relabel[DATASET_MAX_CLASSES];
    int k = class_maps(spec, relabel, out->class_names);
    rc = load_set(dir, "train", &s.tr_im, &s.tr_lb, s.tr_path);
    if (!rc)
        rc = load_set(dir, "t10k", &s.te_im, &s.te_lb, s.te_path);
    if (!rc)
        rc = select_images(spec, &s, relabel);
    uint8_t *train_px = NULL;   /* the training images, kept for the statistics */
    if (!rc)
        rc = read_picked(&s.tr_im, &s.train, &train_px);
    out->norm = spec->norm;
    out->mean = spec->mean;
    out->std = spec->std;
    if (!rc && spec->norm == NORM_DATASET) {
        pixel_stats(train_px, (size_t)s.train.n * s.tr_im.rows * s.tr_im.cols, &out->mean, &out->std);
        out->norm = NORM_MEAN_STD;
    }
    float lut[256];
    norm_table(out->norm, out->mean, out->std, lut);
    if (!rc)
        rc = build_dataset(&out->train, &s.tr_im, train_px, &s.tr_lb, &s.train, relabel, lut, k);
    free(train_px);
    if (!rc)
        rc = build_split(&out->valid, &s.tr_im, &s.tr_lb, &s.valid, relabel, lut, k);
    if (!rc)
        rc = build_split(&out->test, &s.te_im, &s.te_lb, &s.test, relabel, lut, k);
    load_state_free(&s);
    if (rc) {
        dataset_splits_free(out);
        return rc;
    }
    out->num_classes = k;
    return MNL_OK;
}

void dataset_free(Dataset *d)
{
    if (!d)
        return;
    free(d->x), free(d->y), free(d->orig_index), free(d->pixels);
    memset(d, 0, sizeof *d);
}

void dataset_splits_free(DataSplits *s)
{
    if (!s)
        return;
    dataset_free(&s->train), dataset_free(&s->valid), dataset_free(&s->test);
}

/* ---- batches ------------------------------------------------------------------------------- */

int batch_iter_init(BatchIter *it, const Dataset *d, int batch)
{
    memset(it, 0, sizeof *it);
    if (!d || batch < 1)
        return mnl_fail(MNL_ERR_ARG, "batch iterator: batch %d, must be at least 1", batch);
    size_t hw = (size_t)d->h * (size_t)d->w;
    it->d = d;
    it->batch = batch;
    it->threads = 1;
    it->order = malloc((size_t)(d->n > 0 ? d->n : 1) * sizeof *it->order);
    it->gather_x = malloc((size_t)batch * hw * sizeof *it->gather_x);
    it->gather_y = malloc((size_t)batch * sizeof *it->gather_y);
    if (!it->order || !it->gather_x || !it->gather_y) {
        batch_iter_free(it);
        return mnl_fail(MNL_ERR_NOMEM, "batch iterator: cannot allocate a batch of %d", batch);
    }
    batch_iter_reset(it, NULL);
    return MNL_OK;
}

/* The order restarts from 0..n-1 before each shuffle, so an epoch's batches depend only on the
 * rng's state at its start: saving that state is enough to resume a run batch for batch. */
void batch_iter_reset(BatchIter *it, gsl_rng *rng)
{
    for (int i = 0; i < it->d->n; i++)
        it->order[i] = i;
    it->shuffled = rng != NULL;
    if (rng && it->d->n > 1)
        gsl_ran_shuffle(rng, it->order, (size_t)it->d->n, sizeof *it->order);
    it->pos = 0;
}

int batch_iter_restore_order(BatchIter *it, const void *bytes, int n)
{
    if (n != it->d->n)
        return -1;
    const unsigned char *p = bytes;
    for (int i = 0; i < n; i++) {
        int v;
        memcpy(&v, p + (size_t)i * sizeof v, sizeof v);
        if (v < 0 || v >= n)
            return -1;
    }
    memcpy(it->order, bytes, (size_t)n * sizeof *it->order);
    it->shuffled = 1;
    it->pos = 0;
    return 0;
}

/* Images this many positions ahead are prefetched while one is copied: a shuffled gather reads
 * whole images at random places in a data set far larger than the caches, and each one would
 * otherwise wait for DRAM. */
enum { PREFETCH_AHEAD = 4 };

static void prefetch_image(const float *p, size_t floats)
{
    const char *c = (const char *)p;
    for (size_t off = 0; off < floats * sizeof *p; off += 64)
        __builtin_prefetch(c + off, 0, 0);
}

/* Images [lo, hi) of the batch at it->pos, copied along the order. */
static void gather_images(BatchIter *it, int lo, int hi)
{
    const Dataset *d = it->d;
    size_t hw = (size_t)d->h * (size_t)d->w;
    const int *order = it->order + it->pos;
    for (int i = lo; i < hi && i < lo + PREFETCH_AHEAD; i++)
        prefetch_image(d->x + (size_t)order[i] * hw, hw);
    for (int i = lo; i < hi; i++) {
        if (i + PREFETCH_AHEAD < hi)
            prefetch_image(d->x + (size_t)order[i + PREFETCH_AHEAD] * hw, hw);
        memcpy(it->gather_x + (size_t)i * hw, d->x + (size_t)order[i] * hw, hw * sizeof *d->x);
        it->gather_y[i] = d->y[order[i]];
    }
}

typedef struct {
    BatchIter *it;
    int b;
} GatherJob;

static void gather_piece(void *arg, int t, int n)
{
    const GatherJob *j = arg;
    long lo, hi;
    threads_piece(j->b, 1, t, n, &lo, &hi);
    gather_images(j->it, (int)lo, (int)hi);
}

/* The copies wait on DRAM (whole images at random places), so two threads fetch about twice as
 * fast; each thread's images are then in its own cache, where the model's first layer, split among
 * the same threads, reads about half of them. A batch under 64 kB is not worth a start. */
static void gather_batch(BatchIter *it, int b)
{
    GatherJob j = {.it = it, .b = b};
    size_t bytes = (size_t)b * (size_t)it->d->h * (size_t)it->d->w * sizeof *it->d->x;
    threads_run(bytes < 65536 ? 1 : it->threads, gather_piece, &j);
    it->x = it->gather_x;
    it->y = it->gather_y;
}

int batch_iter_next(BatchIter *it)
{
    int left = it->d->n - it->pos;
    if (left <= 0)
        return 0;
    int b = left < it->batch ? left : it->batch;   /* the last batch may be short (drop_last=False) */
    if (it->shuffled) {
        gather_batch(it, b);
    } else {
        it->x = it->d->x + (size_t)it->pos * (size_t)it->d->h * (size_t)it->d->w;
        it->y = it->d->y + it->pos;
    }
    it->pos += b;
    return b;
}

int batch_iter_count(const BatchIter *it) { return (it->d->n + it->batch - 1) / it->batch; }

void batch_iter_free(BatchIter *it)
{
    if (!it)
        return;
    free(it->order), free(it->gather_x), free(it->gather_y);
    memset(it, 0, sizeof *it);
}
