/* bench/parity.c - the C half of `make parity` (bench/parity.py is the other half): trains an
 * experiment's model for a given number of steps from parameters and batch indices that PyTorch
 * chose, so that the two implementations can be compared step by step.
 *
 *   build/bench/parity EXP.conf THREADS [OPTIONS]                       parameter tensors: "name count" lines
 *   build/bench/parity EXP.conf THREADS INIT.bin IDX.bin STEPS OUT.bin [OPTIONS]
 *
 * OPTIONS: --set section.key=value (as for train), and --epoch-steps K: steps 1..K are epoch 1,
 * K+1..2K epoch 2, ..., each trained at the rate train.schedule gives that epoch (as the runner does).
 *
 * The experiment is loaded with data.validation = none and data.subset = all, so the training set
 * is every image of the configured classes in file order, normalised by mnistlab itself.
 * INIT.bin: float32 [every parameter, in the order of the listing]. IDX.bin: int32 [STEPS, batch]
 * training-set indices. OUT.bin: float32 [STEPS] losses, then float32 [every parameter] after the
 * last step. Each step is the runner's: gather, forward, loss, zero_grad, backward, optimizer step. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "experiments/setup.h"

static int read_exactly(const char *path, void *buf, size_t size, size_t count)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return mnl_fail(MNL_ERR_IO, "%s: cannot open", path);
    size_t got = fread(buf, size, count, f);
    int extra = fgetc(f) != EOF;
    fclose(f);
    if (got != count || extra)
        return mnl_fail(MNL_ERR_IO, "%s: expected %zu values of %zu bytes", path, count, size);
    return MNL_OK;
}

static int train_steps(Experiment *ex, const int *idx, int steps, int epoch_steps, float *losses)
{
    ScheduleSpec sched;
    experiment_schedule_spec(&ex->cfg, &sched);
    Model *m = &ex->model;
    const Dataset *d = &ex->data.train;
    int B = ex->cfg.batch;
    size_t hw = (size_t)d->h * (size_t)d->w;
    float *x = malloc(sizeof *x * hw * (size_t)B);
    int *y = malloc(sizeof *y * (size_t)B);
    if (!x || !y) {
        free(x), free(y);
        return mnl_fail(MNL_ERR_NOMEM, "parity: batch buffers");
    }
    int rc = MNL_OK;
    for (int s = 0; s < steps && rc == MNL_OK; s++) {
        for (int i = 0; i < B; i++) {
            int j = idx[(size_t)s * B + i];
            if (j < 0 || j >= d->n) {
                rc = mnl_fail(MNL_ERR_ARG, "parity: index %d outside the %d training images", j, d->n);
                break;
            }
            memcpy(x + (size_t)i * hw, d->x + (size_t)j * hw, hw * sizeof *x);
            y[i] = d->y[j];
        }
        if (rc != MNL_OK)
            break;
        if (epoch_steps > 0)
            ex->opt.spec.lr = (float)schedule_lr(&sched, ex->cfg.lr, s / epoch_steps + 1,
                                                 ex->cfg.epochs);
        model_forward(m, x, B, 1);
        losses[s] = (float)model_loss(m, y, B, NULL);
        model_zero_grad(m);
        model_backward(m, x, B);
        optim_step(&ex->opt, m);
    }
    free(x), free(y);
    return rc;
}

#define MAX_SETS 16

static int run(int argc, char **argv, Experiment *ex, int epoch_steps, const char **extra,
               int n_extra)
{
    char threads[48];
    snprintf(threads, sizeof threads, "train.threads=%d", atoi(argv[2]));
    const char *sets[3 + MAX_SETS] = {"data.validation=none", "data.subset=all", threads};
    for (int i = 0; i < n_extra; i++)
        sets[3 + i] = extra[i];
    int rc = experiment_setup(ex, argv[1], sets, 3 + n_extra, 0);
    if (rc)
        return rc;
    Model *m = &ex->model;
    if (argc == 3) {
        printf("batch %d\n", ex->cfg.batch);
        for (int i = 0; i < m->n_params; i++)
            printf("%s %zu\n", m->params[i].name, m->params[i].n);
        return MNL_OK;
    }
    int steps = atoi(argv[5]);
    if (steps <= 0)
        return mnl_fail(MNL_ERR_ARG, "parity: STEPS must be > 0");
    size_t n_idx = (size_t)steps * (size_t)ex->cfg.batch;
    int *idx = malloc(sizeof *idx * n_idx);
    float *losses = malloc(sizeof *losses * (size_t)steps);
    if (!idx || !losses)
        rc = mnl_fail(MNL_ERR_NOMEM, "parity: %d steps", steps);
    if (!rc)
        rc = read_exactly(argv[3], m->param_block, sizeof(float), m->n_param_values);
    if (!rc)
        rc = read_exactly(argv[4], idx, sizeof(int), n_idx);
    if (!rc)
        rc = train_steps(ex, idx, steps, epoch_steps, losses);
    if (!rc) {
        FILE *f = fopen(argv[6], "wb");
        if (!f || fwrite(losses, sizeof *losses, (size_t)steps, f) != (size_t)steps ||
            fwrite(m->param_block, sizeof(float), m->n_param_values, f) != m->n_param_values)
            rc = mnl_fail(MNL_ERR_IO, "%s: cannot write", argv[6]);
        if (f && fclose(f) && !rc)
            rc = mnl_fail(MNL_ERR_IO, "%s: cannot write", argv[6]);
    }
    free(idx), free(losses);
    return rc;
}

int main(int argc, char **argv)
{
    /* the options are taken out; what remains are the positional arguments */
    char *pos[8];
    const char *extra[MAX_SETS];
    int n_pos = 0, n_extra = 0, epoch_steps = 0, bad = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--set") && i + 1 < argc && n_extra < MAX_SETS)
            extra[n_extra++] = argv[++i];
        else if (!strcmp(argv[i], "--epoch-steps") && i + 1 < argc)
            bad |= (epoch_steps = atoi(argv[++i])) <= 0;
        else if (n_pos < 8)
            pos[n_pos++] = argv[i];
        else
            bad = 1;
    }
    if (bad || (n_pos != 3 && n_pos != 7)) {
        fprintf(stderr, "usage: parity EXP.conf THREADS [INIT.bin IDX.bin STEPS OUT.bin] "
                        "[--set section.key=value]... [--epoch-steps K]\n");
        return 2;
    }
    Experiment ex = {0};
    int rc = run(n_pos, pos, &ex, epoch_steps, extra, n_extra);
    experiment_free(&ex);
    if (rc) {
        fprintf(stderr, "parity: %s\n", mnl_last_error());
        return 1;
    }
    return 0;
}
