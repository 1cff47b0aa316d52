/* models/profile: what the walks, the loss and the optimizer report to the per-layer profile
 * (the public switch and table are model_profile_* in models/model.h). */
#ifndef MNL_PROFILE_H
#define MNL_PROFILE_H

#include "models/model.h"

/* Seconds of row i (a layer, n_layers: the loss) of the current pass (backward, or m->train's
 * forward); no-op when profiling is off. */
void profile_add(Model *m, int i, int backward, double seconds);
/* One more pass over rows [first, end), of B images. */
void profile_count(Model *m, int first, int end, int backward, int B);

#endif
