/* models/mlp: a multi-layer perceptron, `hidden = 256 128`: for each width a dense layer and a ReLU
 * (and dropout when spec->dropout > 0), then a dense layer to the head's logits. */
#include <stdio.h>
#include <stdlib.h>

#include "common/error.h"
#include "models/layers.h"

/* The shortest "dropout P" whose P reads back as the same float. */
static void dropout_item(char *item, size_t len, float p)
{
    for (int digits = 6; digits <= 9; digits++) {
        snprintf(item, len, "dropout %.*g", digits, (double)p);
        if (strtof(item + 8, NULL) == p)
            return;
    }
}

static int build_mlp(Model *m, const ModelSpec *spec, gsl_rng *rng)
{
    char item[LAYER_ITEM_LEN];
    int rc;
    (void)rng;
    if (spec->n_hidden < 0 || spec->n_hidden > MODEL_MAX_HIDDEN)
        return mnl_fail(MNL_ERR_SPEC, "mlp: %d hidden layers, expected 0..%d", spec->n_hidden,
                        MODEL_MAX_HIDDEN);
    for (int i = 0; i < spec->n_hidden; i++) {
        snprintf(item, sizeof item, "dense %d", spec->hidden[i]);
        if ((rc = model_add_layer(m, item)) || (rc = model_add_layer(m, "relu")))
            return rc;
        if (spec->dropout != 0.0f) {
            dropout_item(item, sizeof item, spec->dropout);
            if ((rc = model_add_layer(m, item)))
                return rc;
        }
    }
    snprintf(item, sizeof item, "dense %d", m->num_outputs);
    return model_add_layer(m, item);
}

const ModelFamily mlp_family = {
    "mlp", "multi-layer perceptron: (dense + ReLU [+ dropout]) per hidden width, then dense",
    build_mlp, "hidden dropout", NULL, NULL,
};
