/* tests/fuzz/fuzz_util: what the libFuzzer targets share: the fuzzer's bytes as a file for readers
 * that take a path, a model built from settings with its optimizer (bounded in size), and the
 * checks every target makes on a refusal. */
#ifndef MNL_FUZZ_UTIL_H
#define MNL_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "models/model.h"
#include "models/optim.h"

/* Define the target's ASan defaults: allocations above max_mb MiB return NULL instead of ending the
 * run, so that a model whose spec asks for that much must fail with MNL_ERR_NOMEM, while a reader
 * must never get there from a small input (fuzz_check_refusal catches that). */
#define FUZZ_ASAN_OPTIONS(max_mb)                                                                  \
    const char *__asan_default_options(void);                                                      \
    const char *__asan_default_options(void)                                                       \
    {                                                                                              \
        return "allocator_may_return_null=1:max_allocation_size_mb=" #max_mb;                       \
    }

/* Models above this many parameters are built (to exercise the build) but never run. */
#define FUZZ_RUN_MAX_PARAMS ((size_t)1 << 18)

/* Replace the contents of this process's one scratch file (an anonymous in-memory file) with
 * data[0..size) and return its path ("/proc/self/fd/N"). Aborts when the file cannot be made. */
const char *fuzz_file(const uint8_t *data, size_t size);

/* Abort (a finding) unless a refusal is what the reader promises: a code other than MNL_OK and
 * MNL_ERR_NOMEM (fuzz inputs are small, so a reader that runs out of memory allocated from a
 * header's claim), and a detail that names `what` (the file, or the config's source). */
void fuzz_check_refusal(int rc, const char *what);

/* Build the model an experiment's settings describe for a 1x28x28 input, as the runner does, with
 * its optimizer. 0 when both are built (free with fuzz_model_free), else an error code. */
int fuzz_model_from_config(const ExpConfig *c, Model *m, Optimizer *opt);
void fuzz_model_free(Model *m, Optimizer *opt);

/* One training step on a batch of two blank images, when the model is small enough: the layer
 * shapes the spec parser inferred must fit the kernels' buffers exactly (ASan checks). */
void fuzz_train_step(Model *m, Optimizer *opt);

#endif
