/* models/profile: `mnistlab train --profile`, seconds per layer, loss and optimizer: the switch and
 * the table, and what the walks, the loss and the optimizer report to it. */
#ifndef MNL_PROFILE_H
#define MNL_PROFILE_H

#include <stdio.h>

#include "models/network.h"

/* ---- per-layer timing (`mnistlab train --profile`) ---- */
/* on=1: start summing wall-clock seconds per layer (forward, backward), loss and optimizer step
 * (optim_step reports to it); on=0: stop and forget. 0, or MNL_ERR_NOMEM. */
int model_profile_enable(Model *m, int on);
/* Add seconds to the optimizer's row (zero_grad and optim_step); no-op when profiling is off. */
void model_profile_optimizer(Model *m, double seconds);
/* The table: milliseconds per batch for each layer's training forward, backward and evaluation
 * forward, and each row's share of the training step. Prints nothing when profiling is off. */
void model_profile_print(const Model *m, FILE *out);
/* Wall clock in seconds, for the profile. */
double model_clock(void);

/* Seconds of row i (a layer, n_layers: the loss) of the current pass (backward, or m->train's
 * forward); no-op when profiling is off. */
void profile_add(Model *m, int i, int backward, double seconds);
/* One more pass over rows [first, end). */
void profile_count(Model *m, int first, int end, int backward);

#endif
