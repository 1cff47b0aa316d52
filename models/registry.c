/* models/registry: the table of model families by name. A new family is one file in models/ that
 * defines `const ModelFamily NAME_family` and one line in FAMILIES below. */
#include <string.h>

#include "models/registry.h"

#define FAMILIES(X)                                                            \
    X(softmax)     /* models/softmax.c: softmax regression, one dense layer */    \
    X(mlp)         /* models/mlp.c: dense + ReLU hidden layers */                 \
    X(cnn)         /* models/cnn.c: any stack of layer kinds from a spec */       \
    /* add a family above this line */

#define DECLARE(f) extern const ModelFamily f##_family;
FAMILIES(DECLARE)

#define ENTRY(f) &f##_family,
static const ModelFamily *const families[] = {FAMILIES(ENTRY)};

#define N_FAMILIES ((int)(sizeof families / sizeof families[0]))

const ModelFamily *model_family_find(const char *name)
{
    for (int i = 0; name && i < N_FAMILIES; i++)
        if (strcmp(families[i]->name, name) == 0)
            return families[i];
    return NULL;
}

const ModelFamily *model_family_at(int i)
{
    return i >= 0 && i < N_FAMILIES ? families[i] : NULL;
}
