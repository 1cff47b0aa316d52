/* experiments/setup: settings -> data -> model and optimizer. */
#include "experiments/setup.h"

#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "common/error.h"
#include "common/threads.h"

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
}

/* A model error gets the settings file and the line of the key it came from. */
static int blame_line(const ExpConfig *c, int rc)
{
    const char *detail = mnl_last_error();   /* mnl_fail may format its own detail */
    int line = strcmp(c->family, "cnn") == 0 ? c->line_layers
               : strcmp(c->family, "mlp") == 0 ? c->line_hidden : c->line_family;
    if (!model_family_find(c->family))
        line = c->line_family;
    if (line > 0)
        return mnl_fail(rc, "%s:%d: %s", c->source, line, detail);
    return mnl_fail(rc, "%s: %s", c->source, detail);
}

static int unknown_family(const ExpConfig *c)
{
    char names[256] = "";
    size_t k = 0;
    for (int i = 0; model_family_at(i) && k < sizeof names; i++)
        k += (size_t)snprintf(names + k, sizeof names - k, " %s", model_family_at(i)->name);
    return mnl_fail(MNL_ERR_CONFIG, "%s:%d: model.family: \"%s\" is not one of:%s", c->source,
                    c->line_family, c->family, names);
}

void experiment_optim_spec(const ExpConfig *c, OptimSpec *os)
{
    optim_spec_defaults(os, strcmp(c->optimizer, "sgd") == 0 ? OPT_SGD : OPT_ADAM);
    os->lr = c->lr;
    os->l2 = c->l2;
    os->momentum = c->momentum;
    os->weight_decay = c->weight_decay;
}

int experiment_build(Experiment *ex, int threads_flag)
{
    const ExpConfig *c = &ex->cfg;
    if (!model_family_find(c->family))
        return unknown_family(c);
    int k = c->n_classes ? c->n_classes : 10;
    int h = ex->has_data ? ex->data.train.h : 28, w = ex->has_data ? ex->data.train.w : 28;
    ModelSpec spec;
    experiment_model_spec(c, k, h, w, &spec);
    int threads, rc = threads_resolve(threads_flag, c->threads, &threads);
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
    if ((rc = model_alloc_batch(&ex->model, c->batch)))
        return rc;
    if (!(ex->pred = malloc(sizeof(int) * (size_t)c->batch)))
        return mnl_fail(MNL_ERR_NOMEM, "cannot allocate predictions");

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
    char *text = config_to_text(&theirs);
    if (!text)
        return mnl_fail(MNL_ERR_NOMEM, "cannot format the settings");
    int same = strcmp(text, ex->config_text) == 0;
    free(text);
    if (!same)
        return mnl_fail(MNL_ERR_CKPT, "%s: was trained with other settings than %s (compare its "
                        "config.used); start afresh without --resume", ckpt_path, ex->cfg.source);
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
