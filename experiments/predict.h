/* experiments/predict: using a trained model. `predict` classifies a test image or a user's own
 * PNG/PGM (preprocessed the MNIST way) and draws predict.png; `features` draws the feature maps of
 * every conv/ReLU/pool stage for one test image, or a softmax model's ten weight templates. */
#ifndef MNL_PREDICT_H
#define MNL_PREDICT_H

#include <stddef.h>

#include "experiments/setup.h"

/* argv: the words after the subcommand. Return an MnlStatus (the detail says what went wrong). */
int predict_main(int argc, char **argv);
int features_main(int argc, char **argv);

/* The model of a checkpoint back as predict rebuilds it (its settings checked against its tensors
 * and size before anything is built), for batches of up to `batch` images, no data loaded yet;
 * name: the experiment's name. ex is freed by the caller (experiment_free) either way. */
int predict_open_model(const char *ckpt_path, int batch, Experiment *ex, char *name, size_t n);

#endif
