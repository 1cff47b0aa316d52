/* models/init: the initial values of one layer's parameters, drawn from the GSL RNG: uniform A
 * (weights U(-A, A), biases 0), pytorch (weights and biases U(-1/sqrt(fan_in), 1/sqrt(fan_in)), what
 * nn.Linear and nn.Conv2d do by default) and he (weights N(0, 2/fan_in), biases 0). */
#ifndef MNL_INIT_H
#define MNL_INIT_H

#include <stddef.h>
#include <gsl/gsl_rng.h>

#include "models/network.h"

/* w: [n_w], b: [n_b]; fan_in: inputs feeding one output (In for dense, C*K*K for conv).
 * scale: A for INIT_UNIFORM, ignored otherwise. Draws the weights first, then the biases. */
void init_fill(float *w, size_t n_w, float *b, size_t n_b, int fan_in, InitKind kind,
               float scale, gsl_rng *rng);

#endif
