/* models/init: parameter initialisation. PyTorch's default is kaiming_uniform with a = sqrt(5),
 * whose bound gain * sqrt(3 / fan_in) with gain = sqrt(2 / (1 + 5)) is exactly 1 / sqrt(fan_in);
 * its bias uses the same bound. */
#include "models/init.h"

#include <math.h>
#include <gsl/gsl_randist.h>

static void fill_uniform(float *x, size_t n, double a, gsl_rng *rng)
{
    for (size_t i = 0; i < n; i++)
        x[i] = (float)gsl_ran_flat(rng, -a, a);
}

static void fill_zero(float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = 0.0f;
}

void init_fill(float *w, size_t n_w, float *b, size_t n_b, int fan_in, InitKind kind,
               float scale, gsl_rng *rng)
{
    double bound = 1.0 / sqrt((double)fan_in);
    switch (kind) {
    case INIT_UNIFORM:
        fill_uniform(w, n_w, scale, rng);
        fill_zero(b, n_b);
        break;
    case INIT_HE:
        for (size_t i = 0; i < n_w; i++)
            w[i] = (float)gsl_ran_gaussian(rng, sqrt(2.0 / fan_in));
        fill_zero(b, n_b);
        break;
    case INIT_PYTORCH:
    default:
        fill_uniform(w, n_w, bound, rng);
        fill_uniform(b, n_b, bound, rng);
        break;
    }
}
