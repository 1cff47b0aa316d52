/* experiments/predict: using a trained model. `predict` classifies a test image or a user's own
 * PNG/PGM (preprocessed the MNIST way) and draws predict.png; `features` draws the feature maps of
 * every conv/ReLU/pool stage for one test image, or a softmax model's ten weight templates. */
#ifndef MNL_PREDICT_H
#define MNL_PREDICT_H

/* argv: the words after the subcommand. Return an MnlStatus (the detail says what went wrong). */
int predict_main(int argc, char **argv);
int features_main(int argc, char **argv);

#endif
