/* experiments/divergence: the checks that end a diverged run (see divergence.h). */
#include "experiments/divergence.h"

#include <math.h>
#include <string.h>

#include "common/error.h"

/* A finite blow-up is a divergence too: a mean loss above BLOW_UP_CHANCE times the chance level
 * ln K (what predicting 1/K for every class costs, where a fresh network starts), or a training
 * loss that rose above chance and to more than BLOW_UP_RISE times its epoch-1 value. Honest runs
 * stay far below both: an overfitting network's held-out loss rises by tens of percent, not
 * tenfold. */
#define BLOW_UP_CHANCE 10.0
#define BLOW_UP_RISE   10.0

int weights_finite(const Model *m)
{
    for (size_t i = 0; i < m->n_param_values; i++)
        if (!isfinite(m->param_block[i]))
            return 0;
    return 1;
}

int divergence_check_batch(int epoch, int batch, double loss, float lr)
{
    if (isfinite(loss))
        return MNL_OK;
    return mnl_fail(MNL_ERR_DIVERGED, "diverged at epoch %d, batch %d: loss is %s (lr %g)", epoch,
                    batch, isnan(loss) ? "nan" : "inf", lr);
}

int divergence_check_weights(const Model *m, int epoch, int batches, float lr)
{
    if (weights_finite(m))
        return MNL_OK;
    return mnl_fail(MNL_ERR_DIVERGED, "diverged at epoch %d, batch %d: a weight is not finite "
                    "(lr %g)", epoch, batches, lr);
}

int divergence_check_epoch(int epoch, const char *which, double loss, int K, double epoch1_loss,
                           float lr)
{
    int k = K > 1 ? K : 2;
    double chance = log((double)k);
    if (!isfinite(loss))
        return mnl_fail(MNL_ERR_DIVERGED, "diverged at epoch %d: %s loss is %s (lr %g)", epoch,
                        which, isnan(loss) ? "nan" : "inf", lr);
    if (loss > BLOW_UP_CHANCE * chance)
        return mnl_fail(MNL_ERR_DIVERGED, "diverged at epoch %d: %s loss %.4g is more than %g times "
                        "the chance level %.4g (ln %d) (lr %g)", epoch, which, loss, BLOW_UP_CHANCE,
                        chance, k, lr);
    if (epoch > 1 && epoch1_loss > 0 && loss > chance && loss > BLOW_UP_RISE * epoch1_loss &&
        strcmp(which, "training") == 0)
        return mnl_fail(MNL_ERR_DIVERGED, "diverged at epoch %d: training loss %.4g rose to more "
                        "than %g times epoch 1's %.4g (lr %g)", epoch, loss, BLOW_UP_RISE,
                        epoch1_loss, lr);
    return MNL_OK;
}
