/* common/config: an experiment's settings. One table (config.c) says, for every key, its field,
 * type, range, default and meaning; from it come reading an INI file with inih (errors name file
 * and line), `--set section.key=value`, the defaults, the canonical text saved as config.used and
 * inside checkpoints, `mnistlab train --help` and the key list of docs/guide.md. Knows nothing of
 * models: the model section stays as plain values that the runner hands to a family. */
#ifndef MNL_CONFIG_H
#define MNL_CONFIG_H

#include <stdio.h>

#include "common/augment.h"
#include "common/dataset.h"

#define CONFIG_MAX_HIDDEN 16
#define CONFIG_LAYERS_LEN 2048
#define CONFIG_MAX_SETTINGS 64    /* rows of the settings table (config.c) */

typedef struct {
    char source[MNL_PATH_LEN];       /* file the settings came from, for messages */
    char name[64];           /* experiment name: the file's base name without .conf */
    size_t name_len;         /* its whole length: more than name holds when it was cut */

    /* [data] */
    char dataset[32];        /* mnist | fashion */
    NormKind norm;
    float mean, std;
    int classes[DATASET_MAX_CLASSES], n_classes;
    int classes_named;       /* 1: data.classes gave Fashion-MNIST class names (sneaker ankle-boot),
                                which only dataset = fashion has */
    int subset_train, subset_test;
    SplitKind split;
    int split_n;
    AugmentSpec augment;     /* training batches only */
    float label_noise;       /* fraction of training labels replaced at random (common/tamper) */
    int shuffle_labels;      /* 1: training labels shuffled among the images */
    float leak_test;         /* fraction of test images copied into the training set */
    int permute_pixels;      /* 1: one fixed permutation of the pixels, every image */
    char features[8];        /* pixels | hog (common/hog) */
    int hog_cell, hog_block, hog_orientations;

    /* [model] */
    char family[32];
    int hidden[CONFIG_MAX_HIDDEN], n_hidden;
    char layers[CONFIG_LAYERS_LEN];
    char head[16];           /* softmax | sigmoid */
    char init[16];           /* pytorch | uniform | he */
    float init_scale;        /* uniform A */
    float dropout;
    /* [model] of the fitted families (models/fitted.h) */
    int k;                   /* knn */
    char metric[8];          /* knn: l2 | l1 */
    char weights[16];        /* knn: uniform | distance */
    char kernel[8];          /* svm: rbf | poly | linear */
    float c;                 /* svm, linear */
    float gamma;             /* svm: 0 = scale */
    int degree;              /* svm poly */
    int probability;         /* svm */
    char solver[8];          /* linear: logreg | svm */
    char criterion[8];       /* tree, forest: gini | entropy */
    int max_depth;           /* tree, forest, boosted-trees */
    int min_leaf;            /* tree, forest */
    int trees;               /* forest */
    int split_features;      /* forest: 0 = sqrt */
    int rounds;              /* boosted-trees */
    float eta;               /* boosted-trees */

    /* [train] */
    char optimizer[16];      /* sgd | adam | adamw | radam | lion */
    float lr;                /* -1: the optimizer's own default (config_lr) */
    float l2, momentum, weight_decay;
    float beta1;             /* adam, adamw, radam, lion */
    float beta2;             /* the same; -1: the optimizer's own default (0.999, lion 0.99) */
    float eps;               /* adam, adamw, radam */
    int nesterov;            /* sgd: 1 = Nesterov momentum */
    int batch, epochs;
    unsigned long seed;
    int threads;             /* 0 = all cores */
    int eval_every;
    int early_stop;          /* stop after N evaluated epochs without a lower held-out loss; 0 off */
    char schedule[16];       /* constant | step | cosine */
    int schedule_every;      /* step: every E epochs ... */
    float schedule_gamma;    /* ... the rate times G */
    int warmup;              /* epochs of linear warm-up */

    /* [plot] */
    char loss_axis[8];       /* auto | linear | log: the loss axis of curves.png */

    /* the line of the file each setting was read from (0: default or --set), by table row, so
     * later checks (family, layer spec) can name it; see config_line */
    int lines[CONFIG_MAX_SETTINGS];
} ExpConfig;

/* One row of the settings table. The type says how the value is read and checked: in the C type of
 * its field (a float setting is range-checked after rounding to float, so 1e-300 for an lr is
 * refused, not turned into 0). */
typedef enum {
    SETTING_INT,      /* int field, lo..hi */
    SETTING_ULONG,    /* unsigned long field, lo..hi */
    SETTING_FLOAT,    /* float field, lo..hi (lo excluded when lo_open) */
    SETTING_WORD,     /* char[] field, one of the blank-separated words in choices */
    SETTING_TEXT,     /* anything else: its own parse and format functions */
} SettingType;

typedef struct {
    const char *section, *key;
    const char *dflt;         /* the default, written as in a file */
    const char *meaning;      /* one line for --help and the guide */
    SettingType type;
    size_t offset, size;      /* the field in ExpConfig */
    double lo, hi;            /* SETTING_INT, _ULONG, _FLOAT */
    int lo_open;              /* SETTING_FLOAT: lo itself is not allowed */
    const char *choices;      /* SETTING_WORD: the words; SETTING_TEXT: what --help shows as range */
    int (*parse)(ExpConfig *c, const char *value, char *why, size_t why_len);   /* SETTING_TEXT */
    void (*format)(const ExpConfig *c, char *buf, size_t n);                   /* SETTING_TEXT */
    int continues;            /* an indented next line continues the value */
    const char *only_with;    /* "optimizer=sgd": a value other than the default is refused unless
                                 that key has one of these (blank-separated) values */
    int per_family;           /* [model] key that only the families listing it use
                                 (ModelFamily.settings); checked by experiments/setup */
} Setting;

/* The table, row i (NULL past the end); the row of section.key (NULL when unknown). */
const Setting *config_setting_at(int i);
const Setting *config_setting_find(const char *section, const char *key);
/* The setting a learner most likely meant by word ("lr", "epochs", "trian.lr", "train.ephocs",
 * "lerning_rate" -> none): a key named exactly so, else the nearest "section.key" or key within a
 * slip (common/suggest); NULL when nothing is near. */
const Setting *config_setting_guess(const char *word);
/* The value of s in c as config.used writes it ("" for an empty layer spec). */
void config_format_value(const ExpConfig *c, const Setting *s, char *buf, size_t n);
/* 1 when c's value of s is its default. */
int config_is_default(const ExpConfig *c, const Setting *s);
/* The settings of c that differ from base, as "lr=0.001, epochs=2" (key names without their
 * section; a long value is cut with "..."), skipping the blank-separated keys in skip ("seed
 * threads"). Writes "" when none differ; returns how many differ. */
int config_diff(const ExpConfig *base, const ExpConfig *c, const char *skip, char *buf, size_t n);
/* Line of the file where section.key was set, or 0. */
int config_line(const ExpConfig *c, const char *section, const char *key);
/* Every key with its default, range and meaning: text for `train --help`, or (markdown = 1) the
 * table docs/guide.md shows. */
void config_print_help(FILE *out, int markdown);

/* Defaults for every key (an experiment file sets what differs). */
void config_defaults(ExpConfig *c);
/* Read an experiment file over the defaults. MNL_ERR_CONFIG / MNL_ERR_IO with "file:line: ..." */
int config_load(const char *path, ExpConfig *c);
/* Parse settings from text (a checkpoint's copy); source names it in messages. */
int config_load_string(const char *text, const char *source, ExpConfig *c);
/* Apply "section.key=value" over a loaded config. */
int config_set(ExpConfig *c, const char *assignment);
/* Cross-key checks after all overrides (eval_every <= epochs, sigmoid head needs 2 classes ...). */
int config_validate(const ExpConfig *c);
/* train.lr as a run uses it: the value set, or by default 0.0001 for lion and 0.001 otherwise. */
double config_lr(const ExpConfig *c);
/* Canonical INI text of every key; malloc'd, caller frees. */
char *config_to_text(const ExpConfig *c);

#endif
