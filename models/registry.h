/* models/registry: the table of model families by name (models/registry.c). */
#ifndef MNL_REGISTRY_H
#define MNL_REGISTRY_H

#include "models/network.h"

const ModelFamily *model_family_find(const char *name);      /* NULL when unknown */
const ModelFamily *model_family_at(int i);                    /* NULL past the end */

#endif
