/* common/config: the key table, value parsers and inih glue for experiment files. */
#include "common/config.h"

#include <errno.h>
#include <float.h>
#include <ini.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/escape.h"
#include "common/fileio.h"
#include "common/parse.h"
#include "common/suggest.h"

/* inih (as Debian builds it) reads at most 200 bytes a line; longer values are continued on an
 * indented next line, which inih hands over as another value of the same key. */
#define CONFIG_MAX_LINE 200
#define CONFIG_LAYERS_WORD_MAX 32   /* longest word of a layer spec ("maxpool", "0.25" ...) */

/* ---- value parsers of the SETTING_TEXT keys: each returns 0 or writes a reason into why ---- */

typedef int (*ValueParser)(ExpConfig *c, const char *value, char *why, size_t why_len);

/* Room for a reason that quotes the longest value a setting can have: a message must never lose
 * its reason to the value it quotes. */
#define CONFIG_WHY_LEN (CONFIG_LAYERS_LEN + 256)

/* v as a float: finite, not rounded to zero or into the subnormals (a learning rate of 1e-300
 * would train with 0), and within lo..hi after rounding, since the float is what the run uses. */
static int parse_float_in(const char *s, double lo, double hi, int lo_open, float *out, char *why,
                          size_t n)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    while (*end == ' ' || *end == '\t')
        end++;
    if (end == s || *end != '\0') {
        snprintf(why, n, "\"%s\" is not a number", s);
        return -1;
    }
    float f = (float)v;
    if (!isfinite(v) || (errno == ERANGE && fabs(v) > 1.0) || isinf(f)) {
        snprintf(why, n, "%s is not a finite number", s);
        return -1;
    }
    if (v != 0.0 && fabsf(f) < FLT_MIN) {
        snprintf(why, n, "%s is too small for a float (32-bit), the type the run computes in; the "
                 "smallest is %g", s, (double)FLT_MIN);
        return -1;
    }
    /* the bounds as floats too: 0.999 as a float is 0.99900001, and must be allowed as 0.999 */
    if (f < (float)lo || f > (float)hi || (lo_open && f == (float)lo)) {
        snprintf(why, n, "%s is out of range (%s%g to %g]", s, lo_open ? "above " : "", lo, hi);
        return -1;
    }
    *out = f;
    return 0;
}

#define SEPS " \t,"

static int p_normalize(ExpConfig *c, const char *v, char *why, size_t n)
{
    if (strcmp(v, "dataset") == 0) {
        c->norm = NORM_DATASET;
        c->mean = 0.0f;
        c->std = 1.0f;
        return 0;
    }
    if (strcmp(v, "none") == 0 || strcmp(v, "-1..1") == 0) {
        c->norm = v[0] == 'n' ? NORM_NONE : NORM_MINUS1_1;
        c->mean = 0.0f;
        c->std = 1.0f;
        return 0;
    }
    char buf[128], *w[2];
    snprintf(buf, sizeof buf, "%s", v);
    if (split_words(buf, SEPS, w, 2) != 2) {
        snprintf(why, n, "\"%s\" is not none, -1..1, dataset, or MEAN STD", v);
        return -1;
    }
    float mean, std;
    if (parse_float_in(w[0], -1e6, 1e6, 0, &mean, why, n) ||
        parse_float_in(w[1], 0, 1e6, 1, &std, why, n))
        return -1;
    c->norm = NORM_MEAN_STD;
    c->mean = mean;
    c->std = std;
    return 0;
}

static int p_classes(ExpConfig *c, const char *v, char *why, size_t n)
{
    if (strcmp(v, "all") == 0) {
        c->n_classes = 0;
        c->classes_named = 0;
        return 0;
    }
    char buf[128], *w[DATASET_MAX_CLASSES];
    snprintf(buf, sizeof buf, "%s", v);
    int k = split_words(buf, SEPS, w, DATASET_MAX_CLASSES);
    if (k < 2 || k > DATASET_MAX_CLASSES) {
        snprintf(why, n, "\"%s\": give 2 to 10 distinct classes (0-9, or Fashion-MNIST's names: "
                 "sneaker ankle-boot ...), or all", v);
        return -1;
    }
    int named = dataset_fashion_class(w[0]) >= 0;
    for (int i = 0; i < k; i++) {
        int cls = dataset_fashion_class(w[i]);
        if (named != (cls >= 0)) {
            snprintf(why, n, "\"%s\": give the classes all as numbers or all as names", v);
            return -1;
        }
        if (!named && parse_int(w[i], 0, 9, &cls, why, n)) {
            if (strspn(w[i], "0123456789-+") != strlen(w[i]))   /* a word, not a number */
                snprintf(why, n, "\"%s\" is not a class: 0-9, or one of Fashion-MNIST's t-shirt "
                         "trouser pullover dress coat sandal shirt sneaker bag ankle-boot", w[i]);
            return -1;
        }
        for (int j = 0; j < i; j++)
            if (c->classes[j] == cls) {
                snprintf(why, n, "class %s is listed twice", w[i]);
                return -1;
            }
        c->classes[i] = cls;
    }
    c->n_classes = k;
    c->classes_named = named;
    return 0;
}

static int p_subset(ExpConfig *c, const char *v, char *why, size_t n)
{
    if (strcmp(v, "none") == 0 || strcmp(v, "all") == 0) {
        c->subset_train = c->subset_test = 0;
        return 0;
    }
    char buf[128], *w[2];
    snprintf(buf, sizeof buf, "%s", v);
    if (split_words(buf, SEPS, w, 2) != 2) {
        snprintf(why, n, "\"%s\": give TRAIN TEST image counts (e.g. 2000 500), or all", v);
        return -1;
    }
    int tr, te;
    if (parse_int(w[0], 1, 10000000, &tr, why, n) || parse_int(w[1], 1, 10000000, &te, why, n))
        return -1;
    c->subset_train = tr;
    c->subset_test = te;
    return 0;
}

static int p_validation(ExpConfig *c, const char *v, char *why, size_t n)
{
    if (strcmp(v, "none") == 0) {
        c->split = SPLIT_NONE;
        c->split_n = 0;
        return 0;
    }
    char buf[128], *w[2];
    snprintf(buf, sizeof buf, "%s", v);
    int count;
    if (split_words(buf, SEPS, w, 2) != 2 || (strcmp(w[0], "random") && strcmp(w[0], "last"))) {
        snprintf(why, n, "\"%s\": give none, random N, or last N", v);
        return -1;
    }
    if (parse_int(w[1], 1, 10000000, &count, why, n))
        return -1;
    c->split = strcmp(w[0], "random") == 0 ? SPLIT_RANDOM : SPLIT_LAST;
    c->split_n = count;
    return 0;
}

static int p_family(ExpConfig *c, const char *v, char *why, size_t n)
{
    if (!*v || strlen(v) >= sizeof c->family || strpbrk(v, " \t,")) {
        snprintf(why, n, "\"%s\" is not a family name", v);
        return -1;
    }
    snprintf(c->family, sizeof c->family, "%s", v);
    return 0;
}

static int p_hidden(ExpConfig *c, const char *v, char *why, size_t n)
{
    char buf[CONFIG_MAX_LINE * 2], *w[CONFIG_MAX_HIDDEN];
    snprintf(buf, sizeof buf, "%s", v);
    int k = split_words(buf, SEPS, w, CONFIG_MAX_HIDDEN);
    if (k > CONFIG_MAX_HIDDEN) {
        snprintf(why, n, "more than %d hidden layers", CONFIG_MAX_HIDDEN);
        return -1;
    }
    if (k == 1 && strcmp(w[0], "none") == 0)
        k = 0;
    for (int i = 0; i < k; i++)
        if (parse_int(w[i], 1, 65536, &c->hidden[i], why, n))
            return -1;
    c->n_hidden = k;
    return 0;
}

/* Length of the longest run of characters other than blanks and commas. */
static size_t longest_word(const char *v)
{
    size_t longest = 0;
    while (*v) {
        size_t len = strcspn(v, SEPS);
        longest = len > longest ? len : longest;
        v += len + (v[len] != '\0');
    }
    return longest;
}

static int p_layers(ExpConfig *c, const char *v, char *why, size_t n)
{
    if (strlen(v) >= sizeof c->layers) {
        snprintf(why, n, "layer spec longer than %zu characters", sizeof c->layers - 1);
        return -1;
    }
    /* no layer kind or number is this long; the limit lets config_to_text wrap any spec */
    if (longest_word(v) > CONFIG_LAYERS_WORD_MAX) {
        snprintf(why, n, "\"%.40s...\" has a word longer than %d characters", v,
                 CONFIG_LAYERS_WORD_MAX);
        return -1;
    }
    snprintf(c->layers, sizeof c->layers, "%s", v);
    return 0;
}

static int p_init(ExpConfig *c, const char *v, char *why, size_t n)
{
    char buf[64], *w[2];
    snprintf(buf, sizeof buf, "%s", v);
    int k = split_words(buf, SEPS, w, 2);
    if (k == 2 && strcmp(w[0], "uniform") == 0) {
        if (parse_float_in(w[1], 0, 100, 1, &c->init_scale, why, n))
            return -1;
        snprintf(c->init, sizeof c->init, "uniform");
        return 0;
    }
    if (k == 1 && (strcmp(w[0], "pytorch") == 0 || strcmp(w[0], "he") == 0)) {
        snprintf(c->init, sizeof c->init, "%s", w[0]);
        return 0;
    }
    snprintf(why, n, "\"%s\": give pytorch, he, or uniform A", v);
    return -1;
}

static int p_augment(ExpConfig *c, const char *v, char *why, size_t n)
{
    return augment_parse(v, &c->augment, why, n);
}

/* constant | step E G | cosine */
static int p_schedule(ExpConfig *c, const char *v, char *why, size_t n)
{
    char buf[128], *w[3];
    snprintf(buf, sizeof buf, "%s", v);
    int k = split_words(buf, SEPS, w, 3);
    if (k == 1 && (strcmp(w[0], "constant") == 0 || strcmp(w[0], "cosine") == 0)) {
        snprintf(c->schedule, sizeof c->schedule, "%s", w[0]);
        c->schedule_every = 0;
        c->schedule_gamma = 0.0f;
        return 0;
    }
    if (k == 3 && strcmp(w[0], "step") == 0) {
        int every;
        float gamma;
        if (parse_int(w[1], 1, 100000, &every, why, n) ||
            parse_float_in(w[2], 0.0, 10.0, 1, &gamma, why, n))
            return -1;
        snprintf(c->schedule, sizeof c->schedule, "step");
        c->schedule_every = every;
        c->schedule_gamma = gamma;
        return 0;
    }
    snprintf(why, n, "\"%s\": give constant, cosine, or step E G (the rate times G every E epochs)",
             v);
    return -1;
}

/* default | R: a learning rate above 0, or the optimizer's own (-1: config_lr says which) */
static int p_lr(ExpConfig *c, const char *v, char *why, size_t n)
{
    if (strcmp(v, "default") == 0) {
        c->lr = -1.0f;
        return 0;
    }
    return parse_float_in(v, 0.0, 1000.0, 1, &c->lr, why, n);
}

double config_lr(const ExpConfig *c)
{
    if (c->lr >= 0.0f)
        return c->lr;
    /* Chen et al. 2023 (Lion) take a rate 3-10x smaller than AdamW's: the sign step moves every
     * weight by the whole rate, where Adam's moves most by less */
    return strcmp(c->optimizer, "lion") == 0 ? 1e-4 : 1e-3;
}

/* default | B: a second-moment decay, or the optimizer's own (-1) */
static int p_beta2(ExpConfig *c, const char *v, char *why, size_t n)
{
    if (strcmp(v, "default") == 0) {
        c->beta2 = -1.0f;
        return 0;
    }
    return parse_float_in(v, 0.0, 0.99999, 0, &c->beta2, why, n);
}

/* scale | a number above 0 (svm gamma; 0 stands for scale inside) */
static int p_gamma(ExpConfig *c, const char *v, char *why, size_t n)
{
    if (strcmp(v, "scale") == 0) {
        c->gamma = 0.0f;
        return 0;
    }
    float g;
    if (parse_float_in(v, -1e30, 1e30, 0, &g, why, n))
        return -1;
    if (!(g > 0.0f)) {
        snprintf(why, n, "%s: gamma must be above 0 (or scale: 1 / (features * variance))", v);
        return -1;
    }
    c->gamma = g;
    return 0;
}

/* ---- the canonical text of the SETTING_TEXT values ---- */

/* The shortest decimal that reads back as the same float (0.1307, not 0.130700007). */
static const char *float_text(float v, char *buf, size_t n)
{
    for (int digits = 6; digits <= 9; digits++) {
        snprintf(buf, n, "%.*g", digits, v);
        if (strtof(buf, NULL) == v)
            break;
    }
    return buf;
}

static void f_normalize(const ExpConfig *c, char *buf, size_t n)
{
    char m[32], s[32];
    if (c->norm == NORM_MEAN_STD)
        snprintf(buf, n, "%s %s", float_text(c->mean, m, sizeof m), float_text(c->std, s, sizeof s));
    else
        snprintf(buf, n, "%s", c->norm == NORM_NONE      ? "none"
                               : c->norm == NORM_DATASET ? "dataset"
                                                         : "-1..1");
}

static void int_list(const int *v, int k, const char *empty, char *buf, size_t n)
{
    size_t used = 0;
    snprintf(buf, n, "%s", k ? "" : empty);
    for (int i = 0; i < k && used < n; i++)
        used += (size_t)snprintf(buf + used, n - used, "%s%d", i ? " " : "", v[i]);
}

static void f_classes(const ExpConfig *c, char *buf, size_t n)
{
    if (!c->classes_named) {
        int_list(c->classes, c->n_classes, "all", buf, n);
        return;
    }
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < c->n_classes && used < n; i++)
        used += (size_t)snprintf(buf + used, n - used, "%s%s", i ? " " : "",
                                 dataset_fashion_class_name(c->classes[i]));
}

static void f_subset(const ExpConfig *c, char *buf, size_t n)
{
    if (c->subset_train)
        snprintf(buf, n, "%d %d", c->subset_train, c->subset_test);
    else
        snprintf(buf, n, "all");
}

static void f_validation(const ExpConfig *c, char *buf, size_t n)
{
    if (c->split == SPLIT_NONE)
        snprintf(buf, n, "none");
    else
        snprintf(buf, n, "%s %d", c->split == SPLIT_RANDOM ? "random" : "last", c->split_n);
}

static void f_family(const ExpConfig *c, char *buf, size_t n)
{
    snprintf(buf, n, "%s", c->family);
}

static void f_hidden(const ExpConfig *c, char *buf, size_t n)
{
    int_list(c->hidden, c->n_hidden, "none", buf, n);
}

/* A long layer spec is wrapped onto indented continuation lines (inih's limit), at a comma past
 * column 100, or at a blank past 150 when the items are long; the reader joins the lines with one
 * blank, and words are short (p_layers), so every line stays well under 199 characters. */
static void f_layers(const ExpConfig *c, char *layers, size_t n)
{
    size_t lk = 0, col = 0;
    for (const char *p = c->layers; *p && lk + 8 < n; p++) {
        int blank = *p == ' ' || *p == '\t', wrap;
        if (blank) {
            /* a run of blanks is written as one space (the layer parser splits on any run), so
             * the text reads back to a spec that is written the same again */
            while (p[1] == ' ' || p[1] == '\t')
                p++;
            wrap = col > 150;
            if (!wrap)
                layers[lk++] = ' ', col++;
        } else {
            layers[lk++] = *p, col++;
            wrap = *p == ',' && col > 100;
        }
        if (wrap) {
            memcpy(layers + lk, "\n   ", 4);
            lk += 4;
            col = 0;
            while (p[1] == ' ' || p[1] == '\t')
                p++;
        }
    }
    layers[lk] = '\0';
}

static void f_augment(const ExpConfig *c, char *buf, size_t n)
{
    augment_format(&c->augment, buf, n);
}

static void f_schedule(const ExpConfig *c, char *buf, size_t n)
{
    char g[32];
    if (strcmp(c->schedule, "step") == 0)
        snprintf(buf, n, "step %d %s", c->schedule_every, float_text(c->schedule_gamma, g, sizeof g));
    else
        snprintf(buf, n, "%s", c->schedule);
}

static void f_lr(const ExpConfig *c, char *buf, size_t n)
{
    if (c->lr < 0.0f)
        snprintf(buf, n, "default");
    else
        float_text(c->lr, buf, n);
}

static void f_beta2(const ExpConfig *c, char *buf, size_t n)
{
    if (c->beta2 < 0.0f)
        snprintf(buf, n, "default");
    else
        float_text(c->beta2, buf, n);
}

static void f_gamma(const ExpConfig *c, char *buf, size_t n)
{
    if (c->gamma == 0.0f)
        snprintf(buf, n, "scale");
    else
        float_text(c->gamma, buf, n);
}

static void f_init(const ExpConfig *c, char *buf, size_t n)
{
    char f[32];
    if (strcmp(c->init, "uniform") == 0)
        snprintf(buf, n, "uniform %s", float_text(c->init_scale, f, sizeof f));
    else
        snprintf(buf, n, "%s", c->init);
}

/* ---- the settings table: every key once. Adding a key is one row (and its ExpConfig field). ---- */

#define FIELD(f) .offset = offsetof(ExpConfig, f), .size = sizeof(((ExpConfig *)0)->f)
/* A number: its type is the field's C type, so it is checked as the code will hold it. */
#define NUMBER(sec, k, f, lo_, hi_, dflt_, meaning_)                                               \
    .section = sec, .key = k, FIELD(f), .lo = lo_, .hi = hi_, .dflt = dflt_, .meaning = meaning_,   \
    .type = _Generic(((ExpConfig *)0)->f, float: SETTING_FLOAT, int: SETTING_INT,                 \
                     unsigned long: SETTING_ULONG)
/* One word of a list, into a char[] field. */
#define WORD(sec, k, f, choices_, dflt_, meaning_)                                                 \
    .section = sec, .key = k, FIELD(f), .type = SETTING_WORD, .choices = choices_, .dflt = dflt_,  \
    .meaning = meaning_
/* Its own parser p_NAME and formatter f_NAME; range is the text --help shows. */
#define TEXT(sec, k, name, range_, dflt_, meaning_)                                                \
    .section = sec, .key = k, .type = SETTING_TEXT, .parse = p_##name, .format = f_##name,         \
    .choices = range_, .dflt = dflt_, .meaning = meaning_

static const Setting settings[] = {
    {WORD("data", "dataset", dataset, "mnist fashion", "mnist", "the data set")},
    {TEXT("data", "normalize", normalize, "none | -1..1 | MEAN STD | dataset", "none",
          "pixel scaling: none = pixels/255, -1..1, (p/255 - MEAN) / STD, or dataset: the "
          "training images' own mean and std")},
    {TEXT("data", "classes", classes, "all | 2-10 digits | 2-10 Fashion names", "all",
          "the classes to keep, renumbered 0.. in the order given (4 9: 4 -> 0, 9 -> 1; on "
          "Fashion-MNIST also by name: sneaker ankle-boot)")},
    {TEXT("data", "subset", subset, "all | TRAIN TEST", "all",
          "a random TRAIN training and TEST test images of those classes, drawn with the seed")},
    {TEXT("data", "validation", validation, "none | random N | last N", "none",
          "hold N training images out for validation (the best epoch is chosen on them)")},
    {TEXT("data", "augment", augment, "none | shift N, rotate D", "none",
          "training batches only: random shifts of up to N pixels, rotations of up to D degrees")},
    {NUMBER("data", "label_noise", label_noise, 0.0, 1.0, "0",
            "a fraction of the training labels replaced by another class, at random (seeded); "
            "validation and test labels stay true")},
    {NUMBER("data", "shuffle_labels", shuffle_labels, 0, 1, "0",
            "1 = the training labels shuffled among the training images: nothing left to learn "
            "but the images themselves")},
    {NUMBER("data", "leak_test", leak_test, 0.0, 1.0, "0",
            "a fraction of the test images copied, with their labels, into the training set (a "
            "leak, to see what one looks like)")},
    {NUMBER("data", "permute_pixels", permute_pixels, 0, 1, "0",
            "1 = one fixed random permutation (seeded) of the pixels of every image, training and "
            "test alike")},
    {WORD("data", "features", features, "pixels hog", "pixels",
          "what a model reads: the pixels, or their HOG features (histograms of oriented gradients)")},
    {NUMBER("data", "hog_cell", hog_cell, 2, 28, "7", "hog: pixels per cell side"),
     .only_with = "features=hog"},
    {NUMBER("data", "hog_block", hog_block, 1, 14, "2", "hog: cells per block side (blocks "
            "normalised L2-Hys, one cell apart)"), .only_with = "features=hog"},
    {NUMBER("data", "hog_orientations", hog_orientations, 2, 36, "9",
            "hog: gradient direction bins over 0..180 degrees"), .only_with = "features=hog"},
    {TEXT("model", "family", family, "softmax | mlp | cnn | knn | svm | linear | boosted-trees | "
          "tree | forest", "",
          "the model family (models/registry.c); required")},
    {TEXT("model", "hidden", hidden, "none | widths 1..65536", "none",
          "mlp: widths of the hidden dense+ReLU layers"), .continues = 1, .per_family = 1},
    {TEXT("model", "layers", layers, "layer spec", "",
          "cnn: the layers, e.g. conv 16 3 pad 1, relu, maxpool 2, dropout 0.25, dense 10"),
     .continues = 1, .per_family = 1},
    {WORD("model", "head", head, "softmax sigmoid", "softmax",
          "softmax cross-entropy over K classes, or one sigmoid output (two classes)")},
    {TEXT("model", "init", init, "pytorch | he | uniform A", "pytorch",
          "weight initialisation (uniform A: U(-A, A), biases 0)")},
    {NUMBER("model", "dropout", dropout, 0.0, 0.95, "0",
            "mlp: dropout probability after each hidden ReLU (a cnn takes a dropout P layer)"),
     .per_family = 1},
    {NUMBER("model", "k", k, 1, 1000000, "3", "knn: neighbours that vote"), .per_family = 1},
    {WORD("model", "metric", metric, "l2 l1", "l2", "knn: distance, Euclidean (l2) or Manhattan (l1)"),
     .per_family = 1},
    {WORD("model", "weights", weights, "uniform distance", "uniform",
          "knn: one vote per neighbour, or votes weighted by 1 / distance"), .per_family = 1},
    {WORD("model", "kernel", kernel, "rbf poly linear", "rbf", "svm: the kernel"), .per_family = 1},
    {NUMBER("model", "c", c, 0.0, 1e6, "1", "svm, linear: the cost C of a margin violation (larger: "
            "less regularised)"), .lo_open = 1, .per_family = 1},
    {TEXT("model", "gamma", gamma, "scale | above 0", "scale",
          "svm rbf/poly: kernel width; scale = 1 / (features * pixel variance)"), .per_family = 1},
    {NUMBER("model", "degree", degree, 1, 10, "3", "svm poly: the polynomial's degree"),
     .per_family = 1},
    {NUMBER("model", "probability", probability, 0, 1, "0",
            "svm: 1 = Platt-scaled probabilities (libsvm fits 5 more times); 0 = the vote"),
     .per_family = 1},
    {WORD("model", "solver", solver, "logreg svm", "logreg",
          "linear: L2-regularised logistic regression or linear SVM, one-vs-rest (liblinear)"),
     .per_family = 1},
    {WORD("model", "criterion", criterion, "gini entropy", "gini",
          "tree, forest: the impurity a split lowers"), .per_family = 1},
    {NUMBER("model", "max_depth", max_depth, 0, 1000, "0",
            "tree, forest: deepest level (0: no limit); boosted-trees: depth of each tree"),
     .per_family = 1},
    {NUMBER("model", "min_leaf", min_leaf, 1, 1000000, "1",
            "tree, forest: fewest training images in a leaf"), .per_family = 1},
    {NUMBER("model", "trees", trees, 1, 100000, "100", "forest: trees grown"), .per_family = 1},
    {NUMBER("model", "split_features", split_features, 0, 1000000, "0",
            "forest: features tried per split (0: the square root of their number)"),
     .per_family = 1},
    {NUMBER("model", "rounds", rounds, 1, 100000, "100", "boosted-trees: boosting rounds (trees "
            "per class)"), .per_family = 1},
    {NUMBER("model", "eta", eta, 0.0, 1.0, "0.3", "boosted-trees: learning rate (shrinkage)"),
     .lo_open = 1, .per_family = 1},
    {WORD("train", "optimizer", optimizer, "sgd adam adamw radam lion", "adam",
          "the optimizer (adamw: Adam with decoupled weight decay; radam: Adam with its step "
          "rectified while the second moment is young; lion: the sign of a momentum, Chen et al. "
          "2023, wants a rate 3-10x below adam's)")},
    {TEXT("train", "lr", lr, "default | above 0 to 1000", "default",
          "learning rate; default: 0.0001 for lion (Chen et al. 2023 take 3-10x below AdamW's), "
          "0.001 for every other optimizer")},
    {NUMBER("train", "l2", l2, 0.0, 1000.0, "0", "sgd: L2 penalty lambda on the weights"),
     .only_with = "optimizer=sgd"},
    {NUMBER("train", "momentum", momentum, 0.0, 0.999, "0", "sgd: momentum"),
     .only_with = "optimizer=sgd"},
    {NUMBER("train", "weight_decay", weight_decay, 0.0, 1000.0, "0",
            "adam: weight decay added to the gradient (torch.optim.Adam's); adamw: decoupled, "
            "w *= 1 - lr*decay; radam: as adam; lion: decoupled, w -= lr (sign + decay*w)"),
     .only_with = "optimizer=adam adamw radam lion"},
    {NUMBER("train", "batch", batch, 1, 65536, "64", "images per training step")},
    {NUMBER("train", "epochs", epochs, 1, 100000, "10", "passes over the training images")},
    {NUMBER("train", "seed", seed, 0, 4294967295.0, "1",
            "seeds the initial weights, shuffling, dropout, augmentation and subset draws")},
    {NUMBER("train", "threads", threads, 0, 256, "0",
            "threads (0: all cores, or $MNISTLAB_THREADS); --threads overrides")},
    {NUMBER("train", "eval_every", eval_every, 1, 100000, "1",
            "evaluate (and record a metrics row) every N epochs, and after the last")},
    {NUMBER("train", "early_stop", early_stop, 0, 100000, "0",
            "stop after N evaluated epochs without a lower held-out loss (0: never)")},
    {TEXT("train", "schedule", schedule, "constant | step E G | cosine", "constant",
          "learning rate per epoch: constant, times G every E epochs, or a cosine down to 0")},
    {NUMBER("train", "warmup", warmup, 0, 100000, "0",
            "epochs of linear learning-rate warm-up before the schedule (lr * e / (W + 1))")},
    {NUMBER("train", "nesterov", nesterov, 0, 1, "0",
            "sgd: 1 = Nesterov momentum (the step from where momentum carries the weights)"),
     .only_with = "optimizer=sgd"},
    {NUMBER("train", "beta1", beta1, 0.0, 0.9999, "0.9",
            "adam, adamw, radam: decay of the first moment; lion: weight of the momentum in the "
            "sign"), .only_with = "optimizer=adam adamw radam lion"},
    {TEXT("train", "beta2", beta2, "default | 0 to 0.99999", "default",
          "adam, adamw, radam: decay of the second moment (default 0.999); lion: decay of the "
          "momentum (default 0.99)"), .only_with = "optimizer=adam adamw radam lion"},
    {NUMBER("train", "eps", eps, 0.0, 1.0, "1e-08",
            "adam, adamw, radam: added to the root of the second moment"), .lo_open = 1,
     .only_with = "optimizer=adam adamw radam"},
    {WORD("plot", "loss_axis", loss_axis, "auto linear log", "auto",
          "curves.png's loss axis: log when the losses span over 20x (auto), or forced")},
};
#define N_SETTINGS ((int)(sizeof settings / sizeof settings[0]))
_Static_assert(sizeof settings / sizeof settings[0] <= CONFIG_MAX_SETTINGS,
               "raise CONFIG_MAX_SETTINGS");

const Setting *config_setting_at(int i)
{
    return i >= 0 && i < N_SETTINGS ? &settings[i] : NULL;
}

const Setting *config_setting_find(const char *section, const char *key)
{
    for (int i = 0; i < N_SETTINGS; i++)
        if (strcmp(settings[i].section, section) == 0 && strcmp(settings[i].key, key) == 0)
            return &settings[i];
    return NULL;
}

const Setting *config_setting_guess(const char *word)
{
    const char *full[CONFIG_MAX_SETTINGS], *keys[CONFIG_MAX_SETTINGS];
    char names[CONFIG_MAX_SETTINGS][64];
    for (int i = 0; i < N_SETTINGS; i++) {
        if (strcmp(settings[i].key, word) == 0)
            return &settings[i];
        snprintf(names[i], sizeof names[i], "%s.%s", settings[i].section, settings[i].key);
        full[i] = names[i];
        keys[i] = settings[i].key;
    }
    const char *near = suggest_closest(word, full, N_SETTINGS);
    if (!near)
        near = suggest_closest(word, keys, N_SETTINGS);
    for (int i = 0; near && i < N_SETTINGS; i++)
        if (near == full[i] || near == keys[i])
            return &settings[i];
    return NULL;
}

/* " (did you mean --set train.lr=0.1?)" for the assignment word=value, or "" when nothing is near. */
static void set_hint(const char *word, const char *value, char *buf, size_t n)
{
    const Setting *s = config_setting_guess(word);
    if (s)
        snprintf(buf, n, " (did you mean --set %s.%s=%.60s?)", s->section, s->key, value);
    else
        buf[0] = '\0';
}

static int section_known(const char *section)
{
    for (int i = 0; i < N_SETTINGS; i++)
        if (strcmp(settings[i].section, section) == 0)
            return 1;
    return 0;
}

/* "a, b, c": the sections, or the keys of one section, for messages. */
static void list_names(const char *section, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < N_SETTINGS && used < n; i++) {
        const Setting *s = &settings[i];
        if (section ? strcmp(s->section, section) != 0 : i > 0 && !strcmp(s->section, settings[i - 1].section))
            continue;
        used += (size_t)snprintf(buf + used, n - used, "%s%s", used ? ", " : "",
                                 section ? s->key : s->section);
    }
}

/* A value into its field, checked in the field's type. */
static int parse_setting(const Setting *s, ExpConfig *c, const char *v, char *why, size_t n)
{
    void *field = (char *)c + s->offset;
    switch (s->type) {
    case SETTING_INT:
    case SETTING_ULONG: {
        long lo = (long)s->lo, hi = (long)s->hi, x;
        if (parse_long(v, lo, hi, &x, why, n))
            return -1;
        if (s->type == SETTING_INT)
            *(int *)field = (int)x;
        else
            *(unsigned long *)field = (unsigned long)x;
        return 0;
    }
    case SETTING_FLOAT:
        return parse_float_in(v, s->lo, s->hi, s->lo_open, field, why, n);
    case SETTING_WORD: {
        size_t len = strlen(v);
        for (const char *w = s->choices; *w; w += strcspn(w, " ") , w += *w == ' ') {
            size_t wl = strcspn(w, " ");
            if (wl == len && strncmp(w, v, len) == 0 && len < s->size) {
                memcpy(field, v, len + 1);
                return 0;
            }
        }
        snprintf(why, n, "\"%s\" is not one of: %s", v, s->choices);
        return -1;
    }
    case SETTING_TEXT:
        return s->parse(c, v, why, n);
    }
    return -1;
}

void config_format_value(const ExpConfig *c, const Setting *s, char *buf, size_t n)
{
    const void *field = (const char *)c + s->offset;
    switch (s->type) {
    case SETTING_INT:
        snprintf(buf, n, "%d", *(const int *)field);
        return;
    case SETTING_ULONG:
        snprintf(buf, n, "%lu", *(const unsigned long *)field);
        return;
    case SETTING_FLOAT:
        float_text(*(const float *)field, buf, n);
        return;
    case SETTING_WORD:
        snprintf(buf, n, "%s", (const char *)field);
        return;
    case SETTING_TEXT:
        s->format(c, buf, n);
        return;
    }
}

int config_is_default(const ExpConfig *c, const Setting *s)
{
    ExpConfig d;
    config_defaults(&d);
    char mine[2 * CONFIG_LAYERS_LEN], theirs[2 * CONFIG_LAYERS_LEN];
    config_format_value(c, s, mine, sizeof mine);
    config_format_value(&d, s, theirs, sizeof theirs);
    return strcmp(mine, theirs) == 0;
}

static int word_in(const char *word, const char *list)
{
    size_t n = strlen(word);
    for (const char *w = list ? list : ""; *w; w += strcspn(w, " "), w += *w == ' ')
        if (strcspn(w, " ") == n && strncmp(w, word, n) == 0)
            return 1;
    return 0;
}

int config_diff(const ExpConfig *base, const ExpConfig *c, const char *skip, char *buf, size_t n)
{
    char mine[2 * CONFIG_LAYERS_LEN], theirs[2 * CONFIG_LAYERS_LEN];
    size_t used = 0;
    int count = 0;
    buf[0] = '\0';
    for (int i = 0; i < N_SETTINGS; i++) {
        const Setting *s = &settings[i];
        if (word_in(s->key, skip))
            continue;
        config_format_value(c, s, mine, sizeof mine);
        config_format_value(base, s, theirs, sizeof theirs);
        if (strcmp(mine, theirs) == 0)
            continue;
        for (char *p = mine; *p; p++)   /* a wrapped layer spec is one line here */
            *p = *p == '\n' ? ' ' : *p;
        count++;
        if (used < n)
            used += (size_t)snprintf(buf + used, n - used, "%s%s=%.48s%s", used ? ", " : "", s->key,
                                     mine[0] ? mine : "(none)", strlen(mine) > 48 ? "..." : "");
    }
    return count;
}

int config_line(const ExpConfig *c, const char *section, const char *key)
{
    const Setting *s = config_setting_find(section, key);
    return s ? c->lines[s - settings] : 0;
}

/* "1 to 65536", "above 0 to 1000", "sgd | adam", or the row's own range text. */
static void range_text(const Setting *s, char *buf, size_t n)
{
    if (s->type == SETTING_INT || s->type == SETTING_ULONG)
        snprintf(buf, n, "%.0f..%.0f", s->lo, s->hi);
    else if (s->type == SETTING_FLOAT)
        snprintf(buf, n, "%s%g to %g", s->lo_open ? "above " : "", s->lo, s->hi);
    else if (s->type == SETTING_WORD) {
        size_t k = 0;
        for (const char *w = s->choices; *w && k < n; w += strcspn(w, " "), w += *w == ' ')
            k += (size_t)snprintf(buf + k, n - k, "%s%.*s", k ? " | " : "", (int)strcspn(w, " "), w);
    } else
        snprintf(buf, n, "%s", s->choices);
}

/* A table cell: '|' would end it, so it is escaped. */
static void markdown_cell(FILE *out, const char *s)
{
    for (; *s; s++)
        fputs(*s == '|' ? "\\|" : (char[2]){*s, 0}, out);
}

void config_print_help(FILE *out, int markdown)
{
    if (markdown)
        fprintf(out, "| key | default | range | meaning |\n|---|---|---|---|\n");
    for (int i = 0; i < N_SETTINGS; i++) {
        const Setting *s = &settings[i];
        char range[128], dflt[64];
        range_text(s, range, sizeof range);
        snprintf(dflt, sizeof dflt, "%s", s->dflt[0] ? s->dflt : "(none)");
        if (markdown) {
            fprintf(out, "| `%s.%s` | `%s` | ", s->section, s->key, dflt);
            markdown_cell(out, range);
            fputs(" | ", out);
            markdown_cell(out, s->meaning);
            fputs(" |\n", out);
            continue;
        }
        if (i == 0 || strcmp(s->section, settings[i - 1].section))
            fprintf(out, "\n[%s]\n", s->section);
        fprintf(out, "  %-12s = %-9s  (%s)\n      %s\n", s->key, dflt, range, s->meaning);
    }
}

/* Parse a value with its key's parser, after the rules every key shares. No ';' or '#': inih
 * takes ' ;' as the start of a comment and a line starting with either as a comment line, so a
 * value holding one (inih passes "=;x" through) would not read back from config_to_text's text
 * the same (a config.used or checkpoint whose settings changed on the way). */
static int parse_value(const Setting *s, ExpConfig *c, const char *v, char *why, size_t n)
{
    if (strpbrk(v, ";#")) {
        snprintf(why, n, "\"%s\": no value may hold ';' or '#', which start comments", v);
        return -1;
    }
    /* nor control characters: inih strips them from the ends of lines, so they would not survive
     * being written and read back either, and no setting has a use for them */
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f) {
            snprintf(why, n, "holds the control character 0x%02x", *p);
            return -1;
        }
    return parse_setting(s, c, v, why, n);
}

void config_defaults(ExpConfig *c)
{
    memset(c, 0, sizeof *c);
    char why[300];
    for (int i = 0; i < N_SETTINGS; i++)
        if (settings[i].dflt[0])   /* every default parses: test_config checks it */
            parse_setting(&settings[i], c, settings[i].dflt, why, sizeof why);
}

/* ---- reading a file with inih, line by line, so every message can name its line ---- */

typedef struct {
    ExpConfig *cfg;
    /* the reader's side */
    FILE *file;            /* reading a file, or */
    const char *text;      /* reading a string */
    int line;              /* number of the line just read */
    int line_indented;     /* it started with white space (a continuation) */
    int long_line;         /* first line over CONFIG_MAX_LINE, or 0 */
    int nul_line;          /* first line holding a NUL byte, or 0 */
    int open_section_line; /* first "[name" line without its "]", or 0 */
    char open_section[48]; /* its start, for the message */
    /* the handler's side */
    const Setting *last_key;
    char accumulated[CONFIG_LAYERS_LEN];  /* value of a key continued over several lines */
    unsigned char seen[CONFIG_MAX_SETTINGS];
    int error_line;
    char error[CONFIG_WHY_LEN + 600];
} ParseState;

/* One line of the file into str (at most num - 1 bytes), like fgets, except that it sees a NUL
 * byte (fgets would end the string there, and the rest would read as a line too long). */
static char *read_file_line(ParseState *ps, char *str, int num, int *has_nul)
{
    int n = 0, c = EOF;
    *has_nul = 0;
    while (n < num - 1 && (c = getc(ps->file)) != EOF) {
        if (c == '\0') {
            *has_nul = 1;
            c = ' ';
        }
        str[n++] = (char)c;
        if (c == '\n')
            break;
    }
    str[n] = '\0';
    return n ? str : NULL;
}

/* A section line, "[name]", that lost its "]": inih skips it and goes on in the previous
 * section, so its message would blame the next line. */
static void note_open_section(ParseState *ps, const char *str)
{
    const char *p = str;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p != '[' || ps->open_section_line)
        return;
    const char *end = p + strcspn(p, ";#\r\n");
    if (memchr(p, ']', (size_t)(end - p)))
        return;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    ps->open_section_line = ps->line;
    snprintf(ps->open_section, sizeof ps->open_section, "%.*s", (int)(end - p > 40 ? 40 : end - p), p);
}

static char *read_line(char *str, int num, void *stream)
{
    ParseState *ps = stream;
    char *got;
    int has_nul = 0;
    if (ps->file) {
        got = read_file_line(ps, str, num, &has_nul);
    } else {
        if (!*ps->text)
            return NULL;
        const char *nl = strchr(ps->text, '\n');
        size_t len = nl ? (size_t)(nl - ps->text) + 1 : strlen(ps->text);
        size_t skip = len;
        if (len > (size_t)num - 1 && (ps->text[0] == ';' || ps->text[0] == '#') && num > 2) {
            /* a long comment (the first line of a run's settings names its experiment and file,
             * which may be long) is read cut, as a whole line: it sets nothing */
            len = (size_t)num - 2;
            memcpy(str, ps->text, len);
            str[len++] = '\n';
        } else {
            if (len > (size_t)num - 1)
                len = skip = (size_t)num - 1;
            memcpy(str, ps->text, len);
        }
        str[len] = '\0';
        ps->text += skip;
        got = str;
    }
    if (!got)
        return NULL;
    size_t len = strlen(str);
    int complete = len > 0 && str[len - 1] == '\n';
    int at_end;
    if (ps->file) {
        int c = getc(ps->file);
        at_end = c == EOF;
        if (!at_end)
            ungetc(c, ps->file);
    } else {
        at_end = !*ps->text;
    }
    ps->line++;
    if (has_nul && !ps->nul_line)
        ps->nul_line = ps->line;
    if (!complete && !at_end && !ps->long_line)
        ps->long_line = ps->line;
    note_open_section(ps, str);
    ps->line_indented = str[0] == ' ' || str[0] == '\t';
    return got;
}

static int record_error(ParseState *ps, const char *fmt, const char *a, const char *b, const char *c)
{
    if (!ps->error_line) {
        ps->error_line = ps->line;
        snprintf(ps->error, sizeof ps->error, fmt, a, b, c);
    }
    return 0;
}

static int handle_key(void *user, const char *section, const char *name, const char *value)
{
    ParseState *ps = user;
    if (ps->long_line)
        return record_error(ps, "line is longer than %s characters; continue a long value on an "
                                "indented next line%s%s", "199", "", "");
    if (!section_known(section)) {
        char names[128];
        list_names(NULL, names, sizeof names);
        return record_error(ps, "unknown section [%s] (sections: %s)%s", section, names, "");
    }
    const Setting *k = config_setting_find(section, name);
    if (!k) {
        char names[400], msg[640];
        list_names(section, names, sizeof names);
        char word[160];
        snprintf(word, sizeof word, "%s.%s", section, name);
        const Setting *near = config_setting_guess(word);
        if (near && strcmp(near->section, section) == 0)
            snprintf(msg, sizeof msg, "unknown key \"%s\" in [%s] (did you mean \"%s\"? its keys: %s)",
                     name, section, near->key, names);
        else if (near)
            snprintf(msg, sizeof msg, "unknown key \"%s\" in [%s] (did you mean \"%s\" in [%s]? "
                     "its keys: %s)", name, section, near->key, near->section, names);
        else
            snprintf(msg, sizeof msg, "unknown key \"%s\" in [%s] (its keys: %s)", name, section, names);
        return record_error(ps, "%s%s%s", msg, "", "");
    }
    int idx = (int)(k - settings);
    char why[CONFIG_WHY_LEN];
    const char *full = value;
    if (ps->seen[idx]) {
        if (!(k->continues && ps->last_key == k && ps->line_indented))
            return record_error(ps, "key \"%s\" in [%s] is set twice%s", name, section, "");
        size_t used = strlen(ps->accumulated);
        if (used + 2 + strlen(value) >= sizeof ps->accumulated) {
            char msg[160];
            snprintf(msg, sizeof msg, "%s.%s: the value continued up to here is longer than the "
                     "%zu characters allowed", section, name, sizeof ps->accumulated - 1);
            return record_error(ps, "%s%s%s", msg, "", "");
        }
        /* one blank between the lines' parts, none before the first ("layers = ;" is empty) */
        snprintf(ps->accumulated + used, sizeof ps->accumulated - used, used ? " %s" : "%s", value);
        full = ps->accumulated;
    } else {
        snprintf(ps->accumulated, sizeof ps->accumulated, "%s", value);
        ps->cfg->lines[idx] = ps->line;
    }
    ps->seen[idx] = 1;
    ps->last_key = k;
    if (parse_value(k, ps->cfg, full, why, sizeof why) != 0)
        return record_error(ps, "%s.%s: %s", section, name, why);
    return 1;
}

/* The first thing wrong with the file, by line: a NUL byte (a binary file), a section line
 * without its "]", or what the handler recorded. */
static int first_fault(ParseState *ps, int rc, const char *source)
{
    int line = ps->error_line, what = 0;
    if (ps->nul_line && (!line || ps->nul_line <= line))
        line = ps->nul_line, what = 1;
    if (ps->open_section_line && (!line || ps->open_section_line < line))
        line = ps->open_section_line, what = 2;
    if (what == 1)
        return mnl_fail(MNL_ERR_CONFIG, "%s:%d: the line holds a NUL byte (is this a settings file?)",
                        source, line);
    if (what == 2)
        return mnl_fail(MNL_ERR_CONFIG, "%s:%d: section line \"%s\" has no closing ]", source, line,
                        ps->open_section);
    if (line)
        return mnl_fail(MNL_ERR_CONFIG, "%s:%d: %s", source, line, ps->error);
    if (rc > 0)
        return mnl_fail(MNL_ERR_CONFIG, "%s:%d: not a [section] or key = value line", source, rc);
    return MNL_OK;
}

static int parse_with(ParseState *ps, const char *source)
{
    int rc = ini_parse_stream(read_line, ps, handle_key, ps);
    if (rc == 0 && ps->long_line && !ps->error_line) {
        ps->error_line = ps->long_line;
        snprintf(ps->error, sizeof ps->error, "line is longer than 199 characters");
    }
    if (ps->file && ferror(ps->file))
        return mnl_fail(MNL_ERR_IO, "%s: cannot read: %s", source, strerror(errno ? errno : EIO));
    int fault = first_fault(ps, rc, source);
    if (fault)
        return fault;
    if (rc < 0)
        return mnl_fail(MNL_ERR_NOMEM, "%s: inih could not allocate", source);
    if (!ps->cfg->family[0])
        return mnl_fail(MNL_ERR_CONFIG, "%s: [model] family is missing (softmax, mlp, cnn, ...)",
                        source);
    return MNL_OK;
}

/* The experiment's name: the file's base name without a final ".conf" ("a.conf.conf" is the
 * experiment "a.conf"); returns its length, *base its start. */
static size_t experiment_name_of(const char *path, const char **base)
{
    const char *slash = strrchr(path, '/');
    *base = slash ? slash + 1 : path;
    size_t len = strlen(*base);
    if (len > 5 && strcmp(*base + len - 5, ".conf") == 0)
        len -= 5;
    return len;
}

static void set_name(ExpConfig *c, const char *path)
{
    snprintf(c->source, sizeof c->source, "%s", path);
    const char *base;
    size_t len = experiment_name_of(path, &base);
    c->name_len = len;
    if (len >= sizeof c->name)
        len = sizeof c->name - 1;       /* shown cut; never a folder's name (rundir_choose) */
    snprintf(c->name, sizeof c->name, "%.*s", (int)len, base);
}

int config_load(const char *path, ExpConfig *c)
{
    config_defaults(c);
    set_name(c, path);
    ParseState ps = {.cfg = c};
    long long size;
    int rc = file_open_regular(path, &ps.file, &size);   /* not a FIFO, device or directory */
    if (rc)
        return rc;
    rc = parse_with(&ps, path);
    fclose(ps.file);
    return rc;
}

int config_load_string(const char *text, const char *source, ExpConfig *c)
{
    config_defaults(c);
    set_name(c, source);
    ParseState ps = {.cfg = c, .text = text};
    return parse_with(&ps, source);
}

int config_set(ExpConfig *c, const char *assignment)
{
    char buf[CONFIG_LAYERS_LEN + 64];
    if (strlen(assignment) >= sizeof buf) {
        /* name the key, not the whole value (a 10 000-layer spec would swamp the message) */
        size_t key_len = strcspn(assignment, "=");
        return mnl_fail(MNL_ERR_CONFIG, "--set %.*s=...: the value is %zu characters, more than the "
                        "%d allowed", key_len > 64 ? 64 : (int)key_len, assignment,
                        strlen(assignment) - key_len - (assignment[key_len] ? 1 : 0),
                        CONFIG_LAYERS_LEN - 1);
    }
    snprintf(buf, sizeof buf, "%s", assignment);
    char *eq = strchr(buf, '='), *dot = strchr(buf, '.');
    char hint[160];
    if (!eq || !dot || dot > eq) {
        if (eq)
            *eq = '\0';
        set_hint(buf, eq ? eq + 1 : "VALUE", hint, sizeof hint);
        return mnl_fail(MNL_ERR_CONFIG, "--set %s: expected section.key=value%s", assignment, hint);
    }
    *eq = '\0';
    *dot = '\0';
    const char *section = buf, *key = dot + 1;
    const char *value = eq + 1;
    if (!section_known(section)) {
        char names[128], word[sizeof buf + 2];
        list_names(NULL, names, sizeof names);
        snprintf(word, sizeof word, "%s.%s", section, key);
        set_hint(word, value, hint, sizeof hint);
        return mnl_fail(MNL_ERR_CONFIG, "--set %s: unknown section \"%s\" (sections: %s)%s",
                        assignment, section, names, hint);
    }
    const Setting *k = config_setting_find(section, key);
    if (!k) {
        char names[400], word[sizeof buf + 2];
        list_names(section, names, sizeof names);
        snprintf(word, sizeof word, "%s.%s", section, key);
        set_hint(word, value, hint, sizeof hint);
        return mnl_fail(MNL_ERR_CONFIG, "--set %s: unknown key \"%s.%s\" (keys of [%s]: %s; "
                        "mnistlab train --help explains each)%s", assignment, section, key, section,
                        names, hint);
    }
    char why[CONFIG_WHY_LEN];
    if (parse_value(k, c, value, why, sizeof why) != 0) {
        if (strlen(value) > 60)     /* the reason quotes the value already */
            return mnl_fail(MNL_ERR_CONFIG, "--set %s.%s=(%zu characters): %s", section, key,
                            strlen(value), why);
        return mnl_fail(MNL_ERR_CONFIG, "--set %s: %s", assignment, why);
    }
    c->lines[k - settings] = 0;
    return MNL_OK;
}

/* A setting whose only_with condition ("optimizer=sgd") does not hold, set to other than its
 * default, would change nothing: refuse it by name. */
static int check_only_with(const ExpConfig *c, const Setting *s)
{
    if (!s->only_with || config_is_default(c, s))
        return MNL_OK;
    char key[32], value[64];
    size_t kl = strcspn(s->only_with, "=");
    snprintf(key, sizeof key, "%.*s", (int)kl, s->only_with);
    const Setting *cond = config_setting_find(s->section, key);
    if (!cond)
        return MNL_OK;
    config_format_value(c, cond, value, sizeof value);
    const char *allowed = s->only_with + kl + 1;
    for (const char *w = allowed; *w; w += strcspn(w, " "), w += *w == ' ')
        if (strlen(value) == strcspn(w, " ") && strncmp(w, value, strlen(value)) == 0)
            return MNL_OK;
    char mine[64], where[32] = "";
    config_format_value(c, s, mine, sizeof mine);
    if (c->lines[s - settings])
        snprintf(where, sizeof where, ":%d", c->lines[s - settings]);
    return mnl_fail(MNL_ERR_CONFIG, "%s%s: %s.%s = %s is not used with %s.%s = %s (only with %s); "
                    "remove it or change %s.%s", c->source, where, s->section, s->key, mine,
                    cond->section, cond->key, value, allowed, cond->section, cond->key);
}

int config_validate(const ExpConfig *c)
{
    const char *src = c->source;
    for (int i = 0; i < N_SETTINGS; i++) {
        int rc = check_only_with(c, &settings[i]);
        if (rc)
            return rc;
    }
    if (c->eval_every > c->epochs)
        return mnl_fail(MNL_ERR_CONFIG, "%s: train.eval_every = %d is more than train.epochs = %d", src,
                        c->eval_every, c->epochs);
    if (c->nesterov && c->momentum <= 0.0f)
        return mnl_fail(MNL_ERR_CONFIG, "%s: train.nesterov = 1 needs train.momentum > 0", src);
    if (c->warmup >= c->epochs)
        return mnl_fail(MNL_ERR_CONFIG, "%s: train.warmup = %d leaves no epoch after it (train.epochs "
                        "= %d)", src, c->warmup, c->epochs);
    if (c->classes_named && strcmp(c->dataset, "fashion") != 0) {
        char where[32] = "", value[128];
        if (config_line(c, "data", "classes"))
            snprintf(where, sizeof where, ":%d", config_line(c, "data", "classes"));
        f_classes(c, value, sizeof value);
        return mnl_fail(MNL_ERR_CONFIG, "%s%s: data.classes = %s names Fashion-MNIST classes, a "
                        "setting only data.dataset = fashion has (data.dataset = %s: its classes are "
                        "the digits 0-9)", src, where, value, c->dataset);
    }
    if (strcmp(c->head, "sigmoid") == 0 && c->n_classes != 2)
        return mnl_fail(MNL_ERR_CONFIG,
                        "%s: model.head = sigmoid needs exactly two classes (data.classes = A B)", src);
    if (strcmp(c->family, "cnn") == 0 && !c->layers[0])
        return mnl_fail(MNL_ERR_CONFIG, "%s: model.family = cnn needs model.layers", src);
    if (strcmp(c->family, "mlp") == 0 && c->n_hidden == 0)
        return mnl_fail(MNL_ERR_CONFIG, "%s: model.family = mlp needs model.hidden (e.g. 256 128)",
                        src);
    return MNL_OK;
}

/* ---- canonical text ---- */

char *config_to_text(const ExpConfig *c)
{
    size_t cap = 8192 + 2 * sizeof c->layers, used = 0;
    char *t = malloc(cap), value[2 * CONFIG_LAYERS_LEN];
    if (!t)
        return NULL;
    /* the first line is a comment: a name or path holding a newline must not add settings */
    char head[3 * sizeof c->source + 2 * sizeof c->name + 64];
    FILE *h = fmemopen(head, sizeof head, "w");
    if (!h) {
        free(t);
        return NULL;
    }
    fputs("; settings of experiment ", h);
    esc_text(h, c->name);
    fputs(" (from ", h);
    esc_line_path(h, c->source);
    fputs(")\n", h);
    fputc('\0', h);
    fclose(h);
    head[sizeof head - 1] = '\0';
    used += (size_t)snprintf(t, cap, "%s", head);
    for (int i = 0; i < N_SETTINGS && used < cap; i++) {
        const Setting *s = &settings[i];
        if (i == 0 || strcmp(s->section, settings[i - 1].section))
            used += (size_t)snprintf(t + used, cap - used, "[%s]\n", s->section);
        config_format_value(c, s, value, sizeof value);
        if (value[0] && used < cap)   /* an empty value (no layer spec) is the default: no line */
            used += (size_t)snprintf(t + used, cap - used, "%s = %s\n", s->key, value);
    }
    return t;
}
