/* models/profile: `mnistlab train --profile`, seconds per layer (forward in training and in
 * evaluation, backward), loss and optimizer, summed over the run and printed per batch. The walks
 * report to it from outside their logic: the fast walk times each adapter call on thread 0. */
#include "models/profile.h"

#include <stdlib.h>
#include <time.h>

#include "common/error.h"
#include "models/layers.h"

/* Rows: one per layer, then the loss (the head), then the optimizer (zero_grad + step). */
#define PROFILE_EXTRA_ROWS 2

double model_clock(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int model_profile_enable(Model *m, int on)
{
    free(m->profile);
    m->profile = NULL;
    if (!on)
        return 0;
    m->profile = calloc((size_t)m->n_layers + PROFILE_EXTRA_ROWS, sizeof *m->profile);
    return m->profile ? 0 : mnl_fail(MNL_ERR_NOMEM, "profile rows");
}

/* optim_step calls this once per step, so the row's call count is the step count; zero_grad's
 * time is added to the same row without counting a call. */
void model_profile_optimizer(Model *m, double seconds)
{
    if (!m->profile)
        return;
    m->profile[m->n_layers + 1].bwd_s += seconds;
    m->profile[m->n_layers + 1].bwd_n++;
}

static double per_call_ms(double seconds, long calls)
{
    return calls > 0 ? 1e3 * seconds / (double)calls : 0.0;
}

static void profile_row_label(const Model *m, int i, const char **name, const char **spec)
{
    if (i > 0 && i < m->n_layers && walk_fuses_next_relu(m, i - 1)) {
        *name = m->layers[i].name, *spec = "(in the layer above)";
    } else if (i < m->n_layers) {
        *name = m->layers[i].name, *spec = m->layers[i].item;
    } else if (i == m->n_layers) {
        *name = "loss", *spec = m->head == HEAD_SIGMOID ? "sigmoid BCE" : "softmax CE";
    } else {
        *name = "optimizer", *spec = "zero_grad + step";
    }
}

void model_profile_print(const Model *m, FILE *out)
{
    if (!m->profile)
        return;
    const int rows = m->n_layers + PROFILE_EXTRA_ROWS;
    double step = 0.0, eval = 0.0;
    for (int i = 0; i < rows; i++) {
        const ProfileRow *r = &m->profile[i];
        step += per_call_ms(r->train_fwd_s, r->train_fwd_n) + per_call_ms(r->bwd_s, r->bwd_n);
        eval += per_call_ms(r->eval_fwd_s, r->eval_fwd_n);
    }
    fprintf(out, "\nprofile: milliseconds per batch, wall clock, %d thread%s\n", m->threads,
            m->threads == 1 ? "" : "s");
    fprintf(out, "%-10s %-20s %10s %10s %7s %10s\n", "layer", "spec", "train fwd", "backward",
            "share", "eval fwd");
    for (int i = 0; i < rows; i++) {
        const ProfileRow *r = &m->profile[i];
        const char *name, *spec;
        profile_row_label(m, i, &name, &spec);
        double fwd = per_call_ms(r->train_fwd_s, r->train_fwd_n), bwd = per_call_ms(r->bwd_s, r->bwd_n);
        fprintf(out, "%-10s %-20.20s %10.3f %10.3f %6.1f%% %10.3f\n", name, spec, fwd, bwd,
                step > 0 ? 100.0 * (fwd + bwd) / step : 0.0, per_call_ms(r->eval_fwd_s, r->eval_fwd_n));
    }
    fprintf(out, "%-10s %-20s %21.3f %7s %10.3f\n", "total", "(training step)", step, "", eval);
}

/* Profile: seconds of layer i measured on thread 0 (which walks its share of the chunks; the
 * others do as much at the same time), counted once per pass by the caller. */
void profile_add(Model *m, int i, int backward, double seconds)
{
    ProfileRow *r = &m->profile[i];
    if (backward)
        r->bwd_s += seconds;
    else if (m->train)
        r->train_fwd_s += seconds;
    else
        r->eval_fwd_s += seconds;
}

void profile_count(Model *m, int first, int end, int backward)
{
    for (int i = first; i < end && m->profile; i++) {
        ProfileRow *r = &m->profile[i];
        if (backward)
            r->bwd_n++;
        else if (m->train)
            r->train_fwd_n++;
        else
            r->eval_fwd_n++;
    }
}

