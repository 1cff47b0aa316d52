/* tests/fuzz/fuzz_config: the experiment-file reader (common/config, through inih) and, for
 * settings that load, the layer-spec parser and shape inference (models/layers.c, the families)
 * via model_build, and one training step of a small model. Properties checked:
 *   - a refusal is MNL_ERR_CONFIG (or MNL_ERR_SPEC from a family) naming the source;
 *   - settings that load come back from their canonical text (config_to_text, what config.used
 *     and every checkpoint hold) unchanged: text -> settings -> text is a fixed point;
 *   - a built model's shapes fit its kernels (ASan), and a model too large to allocate is
 *     MNL_ERR_NOMEM or a spec error, never a crash. */
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/error.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_ASAN_OPTIONS(64)

#define SOURCE "fuzz.conf"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The canonical text must read back to settings whose canonical text is the same. */
static void check_round_trip(const ExpConfig *c)
{
    char *text = config_to_text(c);
    ExpConfig again;
    if (!text || config_load_string(text, SOURCE, &again) != MNL_OK) {
        fprintf(stderr, "canonical text does not load: %s\n%s", mnl_last_error(), text);
        abort();
    }
    char *text2 = config_to_text(&again);
    if (!text2 || strcmp(text, text2) != 0) {
        fprintf(stderr, "canonical text changes on reload:\n%s---\n%s", text, text2);
        abort();
    }
    free(text);
    free(text2);
}

static void build_and_step(const ExpConfig *c)
{
    Model m;
    Optimizer opt;
    int rc = fuzz_model_from_config(c, &m, &opt);
    if (rc) {
        if (rc != MNL_ERR_NOMEM && rc != MNL_ERR_SPEC && rc != MNL_ERR_ARG)
            abort();
        return;
    }
    fuzz_train_step(&m, &opt);
    fuzz_model_free(&m, &opt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    ExpConfig c;
    int rc = config_load_string(text, SOURCE, &c);
    free(text);
    if (rc) {
        fuzz_check_refusal(rc, SOURCE);
        return 0;
    }
    check_round_trip(&c);
    rc = config_validate(&c);
    if (rc) {
        fuzz_check_refusal(rc, SOURCE);
        return 0;
    }
    build_and_step(&c);
    return 0;
}
