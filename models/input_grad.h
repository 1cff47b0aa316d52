/* models/input_grad: how the loss changes with the image itself. The gradient of each image's loss
 * with respect to its pixels, through the model's own backward on either path (fast or
 * reference), the saliency map of a class score, and the fast gradient sign method (Goodfellow,
 * Shlens and Szegedy 2015, "Explaining and Harnessing Adversarial Examples") built on them. */
#ifndef MNL_INPUT_GRAD_H
#define MNL_INPUT_GRAD_H

#include "models/model.h"

/* x: [B, in_c, in_h, in_w], y: [B]. dx: [B, in_c, in_h, in_w] = d loss_i / d x_i, the gradient of
 * image i's own loss (not the batch mean's), in evaluation mode (no dropout). loss: the batch's
 * mean loss (may be NULL). Uses the model's batch buffers (B <= max_batch) and leaves every
 * parameter gradient at zero. MNL_ERR_ARG for a bad batch. Batch norm takes its running statistics, as
 * in evaluation: an affine map per channel, whose backward is its own (models/layers.c). */
int model_input_gradient(Model *m, const float *x, const int *y, int B, float *dx, double *loss);

/* Saliency (Simonyan, Vedaldi and Zisserman 2014): dx: [B, in_c, in_h, in_w] = d z_c / d x_i, the
 * gradient of class cls[i]'s score -- its logit, before the softmax -- with respect to image i, in
 * evaluation mode. With the sigmoid head the one logit z is class 1's score and -z class 0's.
 * Errors as model_input_gradient. */
int model_saliency(Model *m, const float *x, const int *cls, int B, float *dx);

/* The fast gradient sign method: adv = clamp(x + eps sign(d loss_i / d x_i), lo, hi), one step up
 * each image's loss that moves every pixel by eps (in the units of x: after normalisation by std,
 * a pixel step e is e / std), kept within the image's range [lo, hi]. sign(0) = 0. adv: [B, ...]
 * (may be x itself). dx: scratch [B, in_c, in_h, in_w]. Errors as model_input_gradient. */
int model_fgsm(Model *m, const float *x, const int *y, int B, float eps, float lo, float hi,
               float *dx, float *adv);

#endif
