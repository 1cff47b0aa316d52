/* experiments/attack: `mnistlab attack`, how easily a trained network is fooled. The fast gradient
 * sign method (models/input_grad: model_fgsm) moves every pixel of every test image by eps in the
 * direction that raises that image's loss; the test accuracy at each eps goes to attack.csv, and
 * the first test images the step flips, with the step itself, to attack.png. */
#ifndef MNL_ATTACK_H
#define MNL_ATTACK_H

#define ATTACK_MAX_EPS 32

/* argv: the words after "attack". Returns an MnlStatus (the detail says what went wrong). */
int attack_main(int argc, char **argv);

/* Pixel-unit eps (a pixel is 0..1) in the units of a model's normalised input x = (p - mean) /
 * std, and that input's range [lo, hi] (the images of pixels 0 and 1). */
typedef struct {
    float scale, lo, hi;
} PixelMap;

/* "0 0.05 0.1": at most ATTACK_MAX_EPS values, each in [0, 1], rising; 0, or MNL_ERR_ARG naming
 * the word. */
int attack_parse_eps(const char *text, double *eps, int *n);

#endif
