/* common/config: an experiment's settings, read from an INI file with inih, every key checked
 * (name, type, range) with errors that name file and line, `--set section.key=value` overrides, and
 * the canonical text form saved as config.used and inside checkpoints. Knows nothing of models:
 * the model section stays as plain values that the runner hands to a family. */
#ifndef MNL_CONFIG_H
#define MNL_CONFIG_H

#include <stdio.h>

#include "common/augment.h"
#include "common/dataset.h"

#define CONFIG_MAX_HIDDEN 16
#define CONFIG_LAYERS_LEN 2048

typedef struct {
    char source[1024];       /* file the settings came from, for messages */
    char name[64];           /* experiment name: the file's base name without .conf */

    /* [data] */
    char dataset[32];        /* mnist | fashion */
    NormKind norm;
    float mean, std;
    int classes[DATASET_MAX_CLASSES], n_classes;
    int subset_train, subset_test;
    SplitKind split;
    int split_n;
    AugmentSpec augment;     /* training batches only */

    /* [model] */
    char family[32];
    int hidden[CONFIG_MAX_HIDDEN], n_hidden;
    char layers[CONFIG_LAYERS_LEN];
    char head[16];           /* softmax | sigmoid */
    char init[16];           /* pytorch | uniform | he */
    float init_scale;        /* uniform A */
    float dropout;

    /* [train] */
    char optimizer[16];      /* sgd | adam */
    float lr, l2, momentum, weight_decay;
    int batch, epochs;
    unsigned long seed;
    int threads;             /* 0 = all cores */
    int eval_every;
    int early_stop;          /* stop after N evaluated epochs without a lower held-out loss; 0 off */
    char schedule[16];       /* constant | step | cosine */
    int schedule_every;      /* step: every E epochs ... */
    float schedule_gamma;    /* ... the rate times G */
    int warmup;              /* epochs of linear warm-up */

    /* where some keys were set, so later checks (family, layer spec) can name the line */
    int line_family, line_layers, line_hidden;
} ExpConfig;

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
/* Canonical INI text of every key; malloc'd, caller frees. */
char *config_to_text(const ExpConfig *c);

#endif
