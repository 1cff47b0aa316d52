/* models/softmax: softmax regression, a single dense layer from the flattened image to the head's
 * logits (K, or 1 for the sigmoid head). Its L2 penalty lives in the optimizer (lambda on weights). */
#include <stdio.h>

#include "models/layers.h"

static int build_softmax(Model *m, const ModelSpec *spec, gsl_rng *rng)
{
    char item[LAYER_ITEM_LEN];
    (void)spec, (void)rng;
    snprintf(item, sizeof item, "dense %d", m->num_outputs);
    return model_add_layer(m, item);
}

const ModelFamily softmax_family = {
    "softmax", "softmax regression: one dense layer, input -> classes", build_softmax, "", NULL,
    NULL,
};
