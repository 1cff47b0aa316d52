/* experiments/setup: from an experiment file (or a checkpoint's copy of it) to the things a run
 * uses: validated settings and their canonical text, the data splits, the built model with its
 * batch buffers, the optimizer, and the thread count. Shared by train, bench, info, predict. */
#ifndef MNL_SETUP_H
#define MNL_SETUP_H

#include "common/config.h"
#include "common/dataset.h"
#include "models/model.h"
#include "models/optim.h"
#include "models/lr_schedule.h"

typedef struct {
    ExpConfig cfg;
    char *config_text;        /* canonical settings (config.used, checkpoints); owned */
    DataSplits data;          /* empty until experiment_load_data */
    Model model;
    Optimizer opt;
    int *pred;                /* [cfg.batch] predictions of the last batch; owned */
    int threads;
    long test_in_train;       /* test images whose pixels are a training image's too (a leak) */
    int has_data, has_model, has_opt;
} Experiment;

/* Settings: load the file, apply "--set" overrides, validate, make the canonical text. */
int experiment_configure(Experiment *ex, const char *conf_path, const char *const *sets, int n_sets);
/* Settings from a checkpoint's text (source names the checkpoint in messages). */
int experiment_configure_text(Experiment *ex, const char *text, const char *source);
/* The splits the settings describe, tampered with as data.label_noise, shuffle_labels, leak_test
 * and permute_pixels say (common/tamper); counts test_in_train whatever the settings. */
int experiment_load_data(Experiment *ex);
/* What the settings' model would allocate (models/model: model_plan), without allocating it;
 * *tensors as there. An error names the settings' source and line. */
int experiment_plan(const Experiment *ex, ModelPlan *plan, ParamTensor **tensors);
/* "22.3 GB": bytes for a message (powers of 1000). */
void experiment_format_bytes(double bytes, char *buf, size_t n);
/* Build the model (input 1x28x28 unless data is loaded) and its optimizer; applies threads. A model
 * or batch larger than this machine's memory is refused first, naming the setting and the bytes
 * ("cnn.conf: train.batch = 65536 needs 22.3 GB of activations"). */
int experiment_build(Experiment *ex, int threads_flag);
/* All three, for training. */
int experiment_setup(Experiment *ex, const char *conf_path, const char *const *sets, int n_sets,
                     int threads_flag);
/* MNL_ERR_CKPT unless a checkpoint's settings equal ours, apart from the keys that may change
 * between an interrupted run and its resumption (epochs, eval_every, threads, plot.loss_axis). */
int experiment_check_same(const Experiment *ex, const char *ckpt_text, const char *ckpt_path);
void experiment_free(Experiment *ex);

/* The ModelSpec an experiment's settings describe. */
void experiment_model_spec(const ExpConfig *c, int num_classes, int h, int w, ModelSpec *spec);
/* The OptimSpec they describe: the optimizer's defaults with the configured lr, l2, momentum and
 * weight decay. */
void experiment_optim_spec(const ExpConfig *c, OptimSpec *os);
/* The learning-rate schedule they describe (train.schedule, train.warmup). */
void experiment_schedule_spec(const ExpConfig *c, ScheduleSpec *s);
/* The value a black pixel has after the configured normalisation: what an augmented image is
 * filled with where its shifted or rotated source lies outside the picture. */
float experiment_background(const Experiment *ex);

#endif
