/* models/checkpoint: one file that holds everything needed to use or resume a run: a magic and
 * version, the experiment's settings as text, every parameter tensor, the optimizer's state, the
 * epoch, an opaque run state (RNG), and a CRC32 (zlib) over all of it. Written to a temp file and
 * renamed; loading verifies everything before it touches a model. */
#ifndef MNL_CHECKPOINT_H
#define MNL_CHECKPOINT_H

#include <stddef.h>
#include "models/model.h"
#include "models/optim.h"

typedef struct {
    char *config_text;        /* the experiment settings the model was built from (owned) */
    int epoch;                /* epochs completed */
    unsigned char *run_state; /* opaque bytes the runner saved (RNG state ...) (owned) */
    size_t run_state_len;
    /* internal: the verified file contents */
    unsigned char *buf;
    size_t len;
} Checkpoint;

/* Save atomically (path.tmp, fsync, rename). opt may be NULL (no optimizer state stored). */
int checkpoint_save(const char *path, const char *config_text, const Model *m,
                    const Optimizer *opt, int epoch, const void *run_state, size_t run_state_len);
/* Read and verify the whole file (magic, version, lengths, CRC); fills ck. */
int checkpoint_load(const char *path, Checkpoint *ck);
/* Copy the tensors into a model built from ck->config_text (names and shapes must match) and, when
 * opt != NULL, the optimizer state (its kind must match). */
int checkpoint_apply(const Checkpoint *ck, Model *m, Optimizer *opt);
void checkpoint_free(Checkpoint *ck);

#endif
