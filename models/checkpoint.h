/* models/checkpoint: one file that holds everything needed to use or resume a run: a magic and
 * version, the experiment's settings as text, every parameter tensor, the optimizer's state, the
 * epoch, an opaque run state (RNG), and a CRC32 (zlib) over all of it. Written to a temp file and
 * renamed; loading verifies everything before it touches a model.
 *
 * File format, version 1. Every integer is little-endian; floats are IEEE-754 binary32 stored as
 * their little-endian bit patterns (so values, -0 and NaNs come back bit for bit).
 *   u8[8]  magic "MNLCKPT\0"
 *   u32    version (1)
 *   u32    config length C, then u8[C] config text (no terminating NUL)
 *   i32    epoch (epochs completed, >= 0)
 *   u32    run-state length R, then u8[R] opaque run state
 *   u32    tensor count T (at most CKPT_MAX_TENSORS), then T times:
 *            u16 name length L (1..CKPT_NAME_MAX-1), u8[L] name,
 *            u32 rank (0..4), u32 dims[rank], u64 n (= product of dims), f32 data[n]
 *   u32    optimizer kind: 0 none, 1 SGD, 2 Adam
 *   i64    step (>= 0)
 *   u64    n (values per buffer: the model's parameter count, 0 for none)
 *   u32    buffer count B (none 0; SGD 0 plain or 1 momentum; Adam 2), then B times f32[n]
 *          (Adam: m then v), laid out like the model's parameter block
 *   version 2 only (a fitted family, models/fitted.h; networks are still written as version 1):
 *   u64    fitted-model length F, then u8[F] the family's own model format (libsvm's and XGBoost's
 *          model files, liblinear's, the plain-C trees', k-NN's stored images), then
 *   u32    CRC32 of those F bytes (the section is checked on its own before the family parses it)
 *   u32    CRC32 (zlib crc32) of every byte before it
 * Nothing may follow the CRC. */
#ifndef MNL_CHECKPOINT_H
#define MNL_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>
#include "common/fileio.h"
#include "models/model.h"
#include "models/optim.h"

#define CKPT_VERSION      1u          /* a network */
#define CKPT_VERSION_FITTED 2u        /* a fitted model: version 1 + its section */
#define CKPT_NAME_MAX     32          /* = sizeof ParamTensor.name, NUL included */
#define CKPT_MAX_RANK     4
#define CKPT_MAX_TENSORS  65536u
#define CKPT_MAX_FILE     ((size_t)1 << 30)   /* files above 1 GiB are refused unread */

enum { CKPT_OPT_NONE = 0, CKPT_OPT_SGD = 1, CKPT_OPT_ADAM = 2 };

/* One tensor of a loaded checkpoint; data points into Checkpoint.buf (n little-endian f32). */
typedef struct {
    char name[CKPT_NAME_MAX];
    int rank;
    uint32_t dims[CKPT_MAX_RANK];
    size_t n;
    const unsigned char *data;
} CkptTensor;

typedef struct {
    char *config_text;        /* the experiment settings the model was built from (owned) */
    int epoch;                /* epochs completed */
    unsigned char *run_state; /* opaque bytes the runner saved (RNG state ...) (owned) */
    size_t run_state_len;
    /* internal: the verified file contents and what the parser found in them */
    unsigned char *buf;
    size_t len;
    char path[MNL_PATH_LEN];          /* for error details */
    CkptTensor *tensors;      /* owned */
    int n_tensors;
    int opt_kind;             /* CKPT_OPT_* */
    long opt_step;
    size_t opt_n;
    int opt_nbuf;
    const unsigned char *opt_data[2];   /* into buf: m, v */
    const unsigned char *fitted;        /* into buf: the fitted model's section, or NULL */
    size_t fitted_len;
} Checkpoint;

/* Save atomically (path.tmp.PID, fsync, rename). opt may be NULL (no optimizer state stored).
 * config_text may be NULL (stored as empty). A failure leaves any earlier file at path intact. */
int checkpoint_save(const char *path, const char *config_text, const Model *m,
                    const Optimizer *opt, int epoch, const void *run_state, size_t run_state_len);
/* Read and verify the whole file (magic, version, CRC, then every length against the bytes that
 * remain, before any allocation it implies); fills ck. On failure ck holds nothing to free. */
int checkpoint_load(const char *path, Checkpoint *ck);
/* MNL_ERR_CKPT naming the file unless its tensors are tensors[0..n) (names, ranks, shapes): with
 * model_plan's list, a checkpoint is checked against its settings before a model is built. */
int checkpoint_check_shapes(const Checkpoint *ck, const ParamTensor *tensors, int n);
/* Copy the tensors into a model built from ck->config_text (names and shapes must match) and, when
 * opt != NULL, the optimizer state (its kind and size must match); a fitted model loads its
 * section. Nothing is copied unless everything matches. */
int checkpoint_apply(const Checkpoint *ck, Model *m, Optimizer *opt);
void checkpoint_free(Checkpoint *ck);

#endif
