/* tests/fuzz/fuzz_util: the scratch file, bounded model building and refusal checks shared by the
 * fuzz targets. Built only with clang -fsanitize=fuzzer,address,undefined (make fuzz). */
#define _GNU_SOURCE   /* memfd_create */
#include "tests/fuzz/fuzz_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <gsl/gsl_rng.h>

#include "common/error.h"
#include "experiments/setup.h"

const char *fuzz_file(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        /* In memory and nameless: nothing to clean up, and nothing left behind by a crash. */
        fd = memfd_create("mnistlab-fuzz", 0);
        if (fd < 0) {
            perror("memfd_create");
            abort();
        }
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size) {
        perror("fuzz scratch file");
        abort();
    }
    return path;
}

void fuzz_check_refusal(int rc, const char *what)
{
    const char *detail = mnl_last_error();
    if (rc == MNL_OK || rc == MNL_ERR_NOMEM || !strstr(detail, what)) {
        fprintf(stderr, "bad refusal: code %d (%s), detail \"%s\" should name \"%s\"\n", rc,
                mnl_strerror(rc), detail, what);
        abort();
    }
}

int fuzz_model_from_config(const ExpConfig *c, Model *m, Optimizer *opt)
{
    ModelSpec spec;
    experiment_model_spec(c, c->n_classes ? c->n_classes : 10, 28, 28, &spec);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!rng)
        abort();
    gsl_rng_set(rng, c->seed);
    int rc = model_build(m, &spec, rng);
    gsl_rng_free(rng);
    if (rc)
        return rc;
    OptimSpec os;
    experiment_optim_spec(c, &os);
    if ((rc = optim_init(opt, &os, m)))
        model_free(m);
    return rc;
}

void fuzz_model_free(Model *m, Optimizer *opt)
{
    optim_free(opt);
    model_free(m);
}

void fuzz_train_step(Model *m, Optimizer *opt)
{
    enum { B = 2 };
    if (m->n_param_values > FUZZ_RUN_MAX_PARAMS || model_alloc_batch(m, B) != MNL_OK)
        return;
    size_t in = (size_t)m->in_c * m->in_h * m->in_w;
    float *x = calloc(B * in, sizeof *x);
    if (!x)
        return;
    int y[B] = {0, m->spec.num_classes - 1}, pred[B];
    model_forward(m, x, B, 1);
    model_loss(m, y, B, pred);
    model_zero_grad(m);
    model_backward(m, x, B);
    optim_step(opt, m);
    model_forward(m, x, B, 0);
    free(x);
}
