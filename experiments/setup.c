/* experiments/setup: settings -> data -> model and optimizer. */
#include "experiments/setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_rng.h>

#include "common/error.h"
#include "common/tamper.h"
#include "common/hog.h"
#include "common/threads.h"
#include "experiments/rundir.h"

int experiment_configure(Experiment *ex, const char *conf_path, const char *const *sets, int n_sets)
{
    memset(ex, 0, sizeof *ex);
    int rc = config_load(conf_path, &ex->cfg);
    for (int i = 0; !rc && i < n_sets; i++)
        rc = config_set(&ex->cfg, sets[i]);
    if (!rc)
        rc = config_validate(&ex->cfg);
    if (!rc && !(ex->config_text = config_to_text(&ex->cfg)))
        rc = mnl_fail(MNL_ERR_NOMEM, "cannot format the settings");
    return rc;
}

int experiment_configure_text(Experiment *ex, const char *text, const char *source)
{
    memset(ex, 0, sizeof *ex);
    int rc = config_load_string(text, source, &ex->cfg);
    if (!rc)
        rc = config_validate(&ex->cfg);
    if (!rc && !(ex->config_text = config_to_text(&ex->cfg)))
        rc = mnl_fail(MNL_ERR_NOMEM, "cannot format the settings");
    return rc;
}

int experiment_load_data(Experiment *ex)
{
    const ExpConfig *c = &ex->cfg;
    DataSpec ds;
    memset(&ds, 0, sizeof ds);
    snprintf(ds.name, sizeof ds.name, "%s", c->dataset);
    snprintf(ds.dir, sizeof ds.dir, "%s", dataset_default_dir(c->dataset));
    ds.norm = c->norm;
    ds.mean = c->mean;
    ds.std = c->std;
    memcpy(ds.classes, c->classes, sizeof ds.classes);
    ds.n_classes = c->n_classes;
    ds.subset_train = c->subset_train;
    ds.subset_test = c->subset_test;
    ds.split = c->split;
    ds.split_n = c->split_n;
    ds.seed = c->seed;
    int rc = dataset_load(&ds, &ex->data);
    ex->has_data = rc == MNL_OK;
    TamperSpec t = {.label_noise = c->label_noise, .shuffle_labels = c->shuffle_labels,
                    .leak_test = c->leak_test, .permute_pixels = c->permute_pixels,
                    .seed = c->seed};
    if (!rc && tamper_enabled(&t))
        rc = tamper_apply(&t, &ex->data);
    if (!rc)
        rc = tamper_count_overlap(&ex->data.train, &ex->data.test, &ex->test_in_train);
    if (!rc && !strcmp(c->features, "hog")) {   /* every split, so all see the same features */
        HogSpec hs = {c->hog_cell, c->hog_block, c->hog_orientations};
        Dataset *splits[3] = {&ex->data.train, &ex->data.valid, &ex->data.test};
        for (int i = 0; i < 3 && !rc; i++)
            rc = hog_transform(&hs, splits[i]);
        if (rc)
            rc = mnl_fail(rc, "%s:%d: %s", c->source, config_line(c, "data", "hog_cell"),
                          mnl_last_error());
    }
    return rc;
}

void experiment_model_spec(const ExpConfig *c, int num_classes, int h, int w, ModelSpec *spec)
{
    memset(spec, 0, sizeof *spec);
    snprintf(spec->family, sizeof spec->family, "%s", c->family);
    spec->in_c = 1;
    spec->in_h = h;
    spec->in_w = w;
    spec->num_classes = num_classes;
    spec->head = strcmp(c->head, "sigmoid") == 0 ? HEAD_SIGMOID : HEAD_SOFTMAX;
    spec->n_hidden = c->n_hidden;
    memcpy(spec->hidden, c->hidden, sizeof(int) * (size_t)c->n_hidden);
    snprintf(spec->layers, sizeof spec->layers, "%s", c->layers);
    spec->dropout = c->dropout;
    spec->init = strcmp(c->init, "uniform") == 0 ? INIT_UNIFORM
                 : strcmp(c->init, "he") == 0    ? INIT_HE
                                                 : INIT_PYTORCH;
    spec->init_scale = c->init_scale;
    FitSpec *f = &spec->fit;
    f->k = c->k;
    f->metric = strcmp(c->metric, "l1") == 0 ? METRIC_L1 : METRIC_L2;
    f->weights = strcmp(c->weights, "distance") == 0 ? WEIGHTS_DISTANCE : WEIGHTS_UNIFORM;
    f->kernel = strcmp(c->kernel, "poly") == 0     ? KERNEL_POLY
                : strcmp(c->kernel, "linear") == 0 ? KERNEL_LINEAR
                                                   : KERNEL_RBF;
    f->c = c->c;
    f->gamma = c->gamma;
    f->degree = c->degree;
    f->probability = c->probability;
    f->solver = strcmp(c->solver, "svm") == 0 ? SOLVER_SVM : SOLVER_LOGREG;
    f->criterion = strcmp(c->criterion, "entropy") == 0 ? CRITERION_ENTROPY : CRITERION_GINI;
    f->max_depth = c->max_depth;
    f->min_leaf = c->min_leaf;
    f->trees = c->trees;
    f->split_features = c->split_features;
    f->rounds = c->rounds;
    f->eta = c->eta;
    f->seed = c->seed;
}

/* A model error gets the settings file and the line of the key it came from. */
static int blame_line(const ExpConfig *c, int rc)
{
    const char *detail = mnl_last_error();   /* mnl_fail may format its own detail */
    int line = strcmp(c->family, "cnn") == 0   ? config_line(c, "model", "layers")
               : strcmp(c->family, "mlp") == 0 ? config_line(c, "model", "hidden")
                                               : config_line(c, "model", "family");
    if (!model_family_find(c->family))
        line = config_line(c, "model", "family");
    if (line > 0)
        return mnl_fail(rc, "%s:%d: %s", c->source, line, detail);
    return mnl_fail(rc, "%s: %s", c->source, detail);
}

void experiment_format_bytes(double bytes, char *buf, size_t n)
{
    static const char *const units[] = {"bytes", "KB", "MB", "GB", "TB", "PB"};
    int u = 0;
    while (bytes >= 1000.0 && u < 5)
        bytes /= 1000.0, u++;
    snprintf(buf, n, u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
}

/* The memory of this machine in bytes (physical pages), 0 when unknown. */
static double machine_bytes(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    return pages > 0 && size > 0 ? (double)pages * (double)size : 0.0;
}

/* The key of the model's size in the settings: model.layers, model.hidden or model.family. */
static const char *size_key(const ExpConfig *c)
{
    return strcmp(c->family, "cnn") == 0 ? "model.layers"
           : strcmp(c->family, "mlp") == 0 ? "model.hidden" : "model.family";
}

int experiment_plan(const Experiment *ex, ModelPlan *plan, ParamTensor **tensors)
{
    const ExpConfig *c = &ex->cfg;
    int k = c->n_classes ? c->n_classes : 10;
    int h = ex->has_data ? ex->data.train.h : 28, w = ex->has_data ? ex->data.train.w : 28;
    ModelSpec spec;
    experiment_model_spec(c, k, h, w, &spec);
    int rc = model_plan(&spec, plan, tensors);
    return rc ? blame_line(c, rc) : MNL_OK;
}

/* Refuse, naming the settings and the bytes, a model or batch this machine cannot hold: found from
 * the plan, before anything is allocated. */
static int check_fits(const ExpConfig *c, const ModelPlan *plan, double limit)
{
    double params = 8.0 * (double)plan->params, all = model_plan_bytes(plan, c->batch);
    double acts = all - params;
    if (limit <= 0 || all <= limit)
        return MNL_OK;
    char need[32], have[32];
    experiment_format_bytes(limit, have, sizeof have);
    if (acts >= params) {
        experiment_format_bytes(acts, need, sizeof need);
        return mnl_fail(MNL_ERR_NOMEM, "%s: train.batch = %d needs %s of activations (%zu floats "
                        "an image; this machine has %s)", c->source, c->batch, need,
                        plan->act_per_image, have);
    }
    experiment_format_bytes(params, need, sizeof need);
    return mnl_fail(MNL_ERR_NOMEM, "%s: %s describes %zu parameters, which need %s with their "
                    "gradients (this machine has %s)", c->source, size_key(c), plan->params, need,
                    have);
}

static int unknown_family(const ExpConfig *c)
{
    char names[256] = "";
    size_t k = 0;
    for (int i = 0; model_family_at(i) && k < sizeof names; i++)
        k += (size_t)snprintf(names + k, sizeof names - k, " %s", model_family_at(i)->name);
    return mnl_fail(MNL_ERR_CONFIG, "%s:%d: model.family: \"%s\" is not one of:%s", c->source,
                    config_line(c, "model", "family"), c->family, names);
}

/* 1 when word is one of the space-separated words of list. */
static int listed(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *w = list ? list : ""; *w; w += strcspn(w, " "), w += *w == ' ')
        if (strcspn(w, " ") == n && strncmp(w, word, n) == 0)
            return 1;
    return 0;
}

/* 1 when the family lists key among the [model] settings it reads. */
static int family_reads(const ModelFamily *f, const char *key)
{
    return listed(f->settings, key);
}

/* train.lr written out as the rate "default" stands for (0.001, or Lion's 0.0001), as config.used
 * and checkpoints from before the rate's "default" did: a default too. */
static int lr_is_the_optimizers_own(const ExpConfig *c, const Setting *s)
{
    if (strcmp(s->key, "lr") || c->lr < 0.0f)
        return 0;
    ExpConfig own = *c;
    own.lr = -1.0f;
    return c->lr == (float)config_lr(&own);
}

/* A fitted family reads few [train] keys (the prediction batch, the seed, the threads; early_stop
 * where it records rounds): any other set away from its default would change nothing and is
 * refused, naming the file, the line and the key. (A key at its default passes: config.used and a
 * checkpoint's settings list every key.) */
static int check_fitted_train_settings(const ExpConfig *c, const ModelFamily *f)
{
    for (int i = 0; f->fitted && config_setting_at(i); i++) {
        const Setting *s = config_setting_at(i);
        int line = config_line(c, s->section, s->key);
        if (strcmp(s->section, "train") || listed(f->train_settings, s->key) ||
            config_is_default(c, s) || lr_is_the_optimizers_own(c, s))
            continue;
        char where[32] = "", value[64], reads[160] = "";
        if (line)
            snprintf(where, sizeof where, ":%d", line);
        config_format_value(c, s, value, sizeof value);
        size_t k = 0;
        for (const char *w = f->train_settings; *w && k < sizeof reads; w += strcspn(w, " "), w += *w == ' ')
            k += (size_t)snprintf(reads + k, sizeof reads - k, "%strain.%.*s", k ? ", " : "",
                                  (int)strcspn(w, " "), w);
        return mnl_fail(MNL_ERR_CONFIG, "%s%s: train.%s = %.40s%s is not used by family %s, which is "
                        "fitted, not trained epoch by epoch (it reads only %s)", c->source, where,
                        s->key, value, strlen(value) > 40 ? "..." : "", f->name, reads);
    }
    return MNL_OK;
}

/* A [model] key the family does not read (model.hidden on a cnn, model.layers on an mlp) would
 * change nothing: refused, naming the key, the family and the families that do read it. */
static int check_family_settings(const ExpConfig *c, const ModelFamily *f)
{
    for (int i = 0; config_setting_at(i); i++) {
        const Setting *s = config_setting_at(i);
        if (!s->per_family || family_reads(f, s->key) || config_is_default(c, s))
            continue;
        char users[128] = "", hint[160] = "", where[32] = "", value[64];
        config_format_value(c, s, value, sizeof value);
        size_t k = 0;
        for (int j = 0; model_family_at(j) && k < sizeof users; j++)
            if (family_reads(model_family_at(j), s->key))
                k += (size_t)snprintf(users + k, sizeof users - k, "%s%s", k ? ", " : "",
                                      model_family_at(j)->name);
        if (!strcmp(s->key, "dropout") && family_reads(f, "layers"))
            snprintf(hint, sizeof hint, "; in a %s, dropout is a layer: add \"dropout %g\" to "
                     "model.layers where it should act", f->name, (double)c->dropout);
        if (config_line(c, s->section, s->key))
            snprintf(where, sizeof where, ":%d", config_line(c, s->section, s->key));
        return mnl_fail(MNL_ERR_CONFIG, "%s%s: %s.%s = %.40s%s is not used by family %s (only by %s)%s",
                        c->source, where, s->section, s->key, value, strlen(value) > 40 ? "..." : "",
                        f->name, users[0] ? users : "none", hint);
    }
    return MNL_OK;
}

/* The decimal a float setting was written as (0.9, not the 0.899999976 the float holds), which is
 * the double PyTorch would be given: the shortest text that reads back as the same float. */
static double as_written(float f)
{
    char buf[32];
    for (int digits = 6; digits <= 9; digits++) {
        snprintf(buf, sizeof buf, "%.*g", digits, f);
        if (strtof(buf, NULL) == f)
            break;
    }
    return strtod(buf, NULL);
}

void experiment_optim_spec(const ExpConfig *c, OptimSpec *os)
{
    static const struct { const char *name; OptimKind kind; } kinds[] = {
        {"sgd", OPT_SGD}, {"adam", OPT_ADAM}, {"adamw", OPT_ADAMW}, {"radam", OPT_RADAM},
        {"lion", OPT_LION}};
    OptimKind kind = OPT_ADAM;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(c->optimizer, kinds[i].name) == 0)
            kind = kinds[i].kind;
    optim_spec_defaults(os, kind);
    if (kind != OPT_SGD) {
        os->beta1 = as_written(c->beta1);
        if (c->beta2 >= 0.0f)
            os->beta2 = as_written(c->beta2);
        os->eps = as_written(c->eps);
    }
    os->nesterov = c->nesterov;
    os->lr = (float)config_lr(c);
    os->l2 = c->l2;
    os->momentum = c->momentum;
    os->weight_decay = c->weight_decay;
}

void experiment_schedule_spec(const ExpConfig *c, ScheduleSpec *s)
{
    memset(s, 0, sizeof *s);
    s->kind = strcmp(c->schedule, "step") == 0     ? SCHED_STEP
              : strcmp(c->schedule, "cosine") == 0 ? SCHED_COSINE
                                                   : SCHED_CONSTANT;
    s->step_every = c->schedule_every;
    s->gamma = c->schedule_gamma;
    s->warmup = c->warmup;
}

float experiment_background(const Experiment *ex)
{
    const DataSplits *d = &ex->data;
    if (d->norm == NORM_MEAN_STD)
        return (float)((0.0 - d->mean) / d->std);     /* as common/dataset's table maps byte 0 */
    return d->norm == NORM_MINUS1_1 ? -1.0f : 0.0f;
}

int experiment_build(Experiment *ex, int threads_flag)
{
    const ExpConfig *c = &ex->cfg;
    const ModelFamily *family = model_family_find(c->family);
    if (!family)
        return unknown_family(c);
    int rc = check_family_settings(c, family);
    if (!rc)
        rc = check_fitted_train_settings(c, family);
    if (rc)
        return rc;
    int k = c->n_classes ? c->n_classes : 10;
    int h = ex->has_data ? ex->data.train.h : 28, w = ex->has_data ? ex->data.train.w : 28;
    if (!ex->has_data && !strcmp(c->features, "hog")) {      /* the features' shape, as loaded */
        HogSpec hs = {c->hog_cell, c->hog_block, c->hog_orientations};
        h = 1, w = hog_size(&hs, 28, 28);
        if (w < 1)
            return mnl_fail(MNL_ERR_CONFIG, "%s: data.features = hog: no block of %dx%d cells of %d "
                            "pixels fits a 28x28 image", c->source, c->hog_block, c->hog_block,
                            c->hog_cell);
    }
    ModelSpec spec;
    experiment_model_spec(c, k, h, w, &spec);
    ModelPlan plan;
    if ((rc = experiment_plan(ex, &plan, NULL)) || (rc = check_fits(c, &plan, machine_bytes())))
        return rc;
    int threads;
    rc = threads_resolve(threads_flag, c->threads, &threads);
    if (rc)
        return rc;
    ex->threads = threads_setup(threads);

    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!rng)
        return mnl_fail(MNL_ERR_NOMEM, "cannot allocate an RNG");
    gsl_rng_set(rng, c->seed);
    rc = model_build(&ex->model, &spec, rng);
    gsl_rng_free(rng);
    if (rc)
        return blame_line(c, rc);
    ex->has_model = 1;
    ex->model.threads = ex->threads;
    if ((rc = model_alloc_batch(&ex->model, c->batch))) {
        if (rc != MNL_ERR_NOMEM)
            return mnl_fail(rc, "%s: train.batch = %d: %s", c->source, c->batch, mnl_last_error());
        char need[32];
        experiment_format_bytes(model_plan_bytes(&plan, c->batch) - 8.0 * (double)plan.params, need,
                                sizeof need);
        return mnl_fail(rc, "%s: train.batch = %d needs %s of activations, more than could be "
                        "allocated", c->source, c->batch, need);
    }
    if (!(ex->pred = malloc(sizeof(int) * (size_t)c->batch)))
        return mnl_fail(MNL_ERR_NOMEM, "cannot allocate predictions");
    if (ex->model.fitted)       /* fitted, not trained: no optimizer */
        return MNL_OK;

    OptimSpec os;
    experiment_optim_spec(c, &os);
    rc = optim_init(&ex->opt, &os, &ex->model);
    ex->has_opt = rc == MNL_OK;
    return rc;
}

int experiment_setup(Experiment *ex, const char *conf_path, const char *const *sets, int n_sets,
                     int threads_flag)
{
    int rc = experiment_configure(ex, conf_path, sets, n_sets);
    if (!rc)
        rc = experiment_load_data(ex);
    if (!rc)
        rc = experiment_build(ex, threads_flag);
    return rc;
}

int experiment_check_same(const Experiment *ex, const char *ckpt_text, const char *ckpt_path)
{
    ExpConfig theirs;
    int rc = config_load_string(ckpt_text, ckpt_path, &theirs);
    if (rc)
        return mnl_fail(MNL_ERR_CKPT, "%s: settings inside the checkpoint do not parse", ckpt_path);
    snprintf(theirs.source, sizeof theirs.source, "%s", ex->cfg.source);
    snprintf(theirs.name, sizeof theirs.name, "%s", ex->cfg.name);
    theirs.epochs = ex->cfg.epochs;
    theirs.eval_every = ex->cfg.eval_every;
    theirs.threads = ex->cfg.threads;
    memcpy(theirs.loss_axis, ex->cfg.loss_axis, sizeof theirs.loss_axis);   /* only draws */
    char *text = config_to_text(&theirs);
    if (!text)
        return mnl_fail(MNL_ERR_NOMEM, "cannot format the settings");
    int same = strcmp(text, ex->config_text) == 0;
    free(text);
    if (!same)
        return mnl_fail(MNL_ERR_CKPT, "%s: was trained with other settings than %s (compare its "
                        RUNDIR_CONFIG "); start afresh without --resume", ckpt_path, ex->cfg.source);
    return MNL_OK;
}

void experiment_free(Experiment *ex)
{
    if (ex->has_opt)
        optim_free(&ex->opt);
    if (ex->has_model)
        model_free(&ex->model);
    if (ex->has_data)
        dataset_splits_free(&ex->data);
    free(ex->pred);
    free(ex->config_text);
    memset(ex, 0, sizeof *ex);
}
