/* tests/fuzz/fuzz_checkpoint: the checkpoint loader (models/checkpoint) on arbitrary bytes. A
 * mutated file almost always fails its CRC, so when it does the CRC is recomputed and the file
 * loaded again: the parser behind the envelope gets fuzzed too. A checkpoint that loads has its
 * settings read; when they describe a model, it is built (with its optimizer) and the checkpoint
 * applied to it, then one training step taken, as predict and --resume do. Refusals must name
 * the file (or the settings' source). */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/config.h"
#include "common/error.h"
#include "models/checkpoint.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_ASAN_OPTIONS(64)

#define SETTINGS "fuzz-checkpoint settings"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A copy of data with its last four bytes replaced by the CRC32 of the rest (little-endian). */
static uint8_t *with_valid_crc(const uint8_t *data, size_t size)
{
    uint8_t *b = malloc(size);
    if (!b)
        abort();
    memcpy(b, data, size);
    uLong crc = crc32(crc32(0L, Z_NULL, 0), b, (uInt)(size - 4));
    for (int i = 0; i < 4; i++)
        b[size - 4 + i] = (uint8_t)(crc >> (8 * i));
    return b;
}

static void apply_to_model(const Checkpoint *ck, const char *path)
{
    ExpConfig c;
    int rc = config_load_string(ck->config_text, SETTINGS, &c);
    if (!rc)
        rc = config_validate(&c);
    if (rc) {
        fuzz_check_refusal(rc, SETTINGS);
        return;
    }
    Model m;
    Optimizer opt;
    if (fuzz_model_from_config(&c, &m, &opt) != MNL_OK)
        return;
    rc = checkpoint_apply(ck, &m, NULL);            /* what predict does */
    if (rc)
        fuzz_check_refusal(rc, path);
    rc = checkpoint_apply(ck, &m, &opt);            /* what --resume does */
    if (rc)
        fuzz_check_refusal(rc, path);
    else
        fuzz_train_step(&m, &opt);
    fuzz_model_free(&m, &opt);
}

static int load(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(data, size);
    Checkpoint ck;
    int rc = checkpoint_load(path, &ck);
    if (rc) {
        fuzz_check_refusal(rc, path);
        return rc;
    }
    if (!ck.config_text || ck.epoch < 0 || ck.n_tensors < 0)
        abort();
    apply_to_model(&ck, path);
    checkpoint_free(&ck);
    return MNL_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (load(data, size) == MNL_ERR_CKPT && size >= 16 && strstr(mnl_last_error(), "CRC mismatch")) {
        uint8_t *fixed = with_valid_crc(data, size);
        load(fixed, size);
        free(fixed);
    }
    return 0;
}
