/* experiments/outputs: what a run leaves when it ends (see outputs.c). */
#ifndef MNL_OUTPUTS_H
#define MNL_OUTPUTS_H

#include <signal.h>
#include <stdatomic.h>

#include "experiments/run.h"

/* End the run r that runner_train opened (rc: how the loop ended; *stop: the signal that stopped
 * it, or 0 -- read again after drawing, as one may arrive meanwhile) and close it: a finished run gets its pictures, summary, predictions, completion mark,
 * REPORT.md and index.html; an interrupted one keeps its checkpoint and says the command that
 * continues; a diverged one keeps its good epochs; a failed one puts the folder back as it was.
 * Returns the run's MnlStatus. */
int outputs_end_run(Run *r, const TrainOptions *o, int rc, const atomic_int *stop);

#endif
