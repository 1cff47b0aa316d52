/* models/cnn: a network from a layer spec, comma-separated items such as
 * "conv 16 3 pad 1, relu, maxpool 2, ..., dense 10". Each item is looked up in the layer-kind table
 * (models/layers.c), which parses it and infers its shape; this file only splits the list. */
#include <ctype.h>
#include <string.h>

#include "common/error.h"
#include "models/layers.h"

/* Copy p[0..len) without its surrounding blanks into item (truncated if huge: the layer parser
 * then reports it as too long). */
static void trimmed_item(const char *p, size_t len, char *item, size_t cap)
{
    while (len && isspace((unsigned char)*p))
        p++, len--;
    while (len && isspace((unsigned char)p[len - 1]))
        len--;
    if (len >= cap)
        len = cap - 1;
    memcpy(item, p, len);
    item[len] = '\0';
}

static int build_cnn(Model *m, const ModelSpec *spec, gsl_rng *rng)
{
    char item[2 * LAYER_ITEM_LEN];
    (void)rng;
    if (!memchr(spec->layers, '\0', sizeof spec->layers))
        return mnl_fail(MNL_ERR_SPEC, "cnn: the layer spec is not terminated");
    const char *p = spec->layers;
    trimmed_item(p, strlen(p), item, sizeof item);
    if (!item[0])
        return mnl_fail(MNL_ERR_SPEC, "cnn: the layer spec is empty");
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        trimmed_item(p, len, item, sizeof item);
        int rc = model_add_layer(m, item);
        if (rc)
            return rc;
        if (!comma)
            return 0;
        p = comma + 1;
    }
}

const ModelFamily cnn_family = {
    "cnn", "any stack of conv, maxpool, relu, dropout, flatten and dense layers", build_cnn,
    "layers", NULL, NULL,
};
