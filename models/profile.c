/* models/profile: `mnistlab train --profile`, seconds per layer (forward in training and in
 * evaluation, backward), loss and optimizer, summed over the run and printed per batch, with each
 * layer's GFLOP/s and its share of the FMA peak (models/peak, measured when the table is printed).
 * The walks report to it from outside their logic: the fast walk times each adapter call on
 * thread 0. */
#include "models/profile.h"

#include <stdlib.h>
#include <time.h>

#include "common/error.h"
#include "models/isa.h"
#include "models/layers.h"
#include "models/peak.h"

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
    if (i > 0 && i < m->n_layers && walk_fuses_next_relu(m, i - 1) &&
        !m->layers[i - 1].kind->per_image) {
        *name = m->layers[i].name, *spec = "(in dense layers)";
    } else if (i > 0 && i < m->n_layers && walk_fuses_next_relu(m, i - 1)) {
        *name = m->layers[i].name, *spec = "(in the layer above)";
    } else if (i > 1 && i < m->n_layers && walk_fuses_pool_forward(m, i - 2)) {
        *name = m->layers[i].name, *spec = "2x2, in conv";
    } else if (i > 1 && i < m->n_layers && walk_fuses_pool_backward(m, i - 2)) {
        *name = m->layers[i].name, *spec = "2x2, bwd in conv";
    } else if (i < m->n_layers) {
        *name = m->layers[i].name, *spec = m->layers[i].item;
    } else if (i == m->n_layers) {
        *name = "loss", *spec = m->head == HEAD_SIGMOID ? "sigmoid BCE" : "softmax CE";
    } else {
        *name = "optimizer", *spec = "zero_grad + step";
    }
}

/* FLOPs per image of row i's forward and backward: a layer with parameters computes its weights'
 * gradient (one forward's worth of multiply-adds) and, except the first layer, whose input gradient
 * nobody needs, its input gradient (another). Rows without products (pooling, ReLU, the loss, the
 * optimizer) count 0: their time is memory, not arithmetic. */
static void row_flops(const Model *m, int i, double *fwd, double *bwd)
{
    *fwd = *bwd = 0.0;
    if (i >= m->n_layers)
        return;
    const Layer *l = &m->layers[i];
    *fwd = l->kind->flops(l);
    if (l->n_w)
        *bwd = *fwd * (i > 0 ? 2.0 : 1.0);
}

/* "GFLOP/s  %peak" of flops in seconds, or blanks when there is nothing to rate */
static void print_rate(FILE *out, double flops, double seconds, double peak)
{
    if (flops > 0.0 && seconds > 0.0) {
        const double g = flops / seconds * 1e-9;
        fprintf(out, " %8.1f %6.1f%%", g, peak > 0.0 ? 100.0 * g / peak : 0.0);
    } else {
        fprintf(out, " %8s %7s", "-", "-");
    }
}

void model_profile_print(const Model *m, FILE *out)
{
    if (!m->profile)
        return;
    const int rows = m->n_layers + PROFILE_EXTRA_ROWS;
    double step = 0.0, eval = 0.0, step_flops = 0.0, eval_flops = 0.0;
    for (int i = 0; i < rows; i++) {
        const ProfileRow *r = &m->profile[i];
        double ff, bf;
        row_flops(m, i, &ff, &bf);
        step += per_call_ms(r->train_fwd_s, r->train_fwd_n) + per_call_ms(r->bwd_s, r->bwd_n);
        eval += per_call_ms(r->eval_fwd_s, r->eval_fwd_n);
        if (r->train_fwd_n)
            step_flops += ff * r->train_fwd_img / (double)r->train_fwd_n;
        if (r->bwd_n && i < m->n_layers)
            step_flops += bf * r->bwd_img / (double)r->bwd_n;
        if (r->eval_fwd_n)
            eval_flops += ff * r->eval_fwd_img / (double)r->eval_fwd_n;
    }
    int used = m->threads;
    const double peak = fma_peak_gflops(m->threads, &used);
    fprintf(out, "\nprofile: milliseconds per batch, wall clock, %d thread%s; GFLOP/s and %% of the FMA "
            "peak, %.1f GFLOP/s (%s, measured now on %d thread%s)\n", m->threads,
            m->threads == 1 ? "" : "s", peak, isa_name(isa_active()), used, used == 1 ? "" : "s");
    fprintf(out, "%-10s %-20s %10s %10s %7s %10s %8s %7s %8s %7s\n", "layer", "spec", "train fwd",
            "backward", "share", "eval fwd", "train GF", "%peak", "eval GF", "%peak");
    for (int i = 0; i < rows; i++) {
        const ProfileRow *r = &m->profile[i];
        const char *name, *spec;
        profile_row_label(m, i, &name, &spec);
        double fwd = per_call_ms(r->train_fwd_s, r->train_fwd_n), bwd = per_call_ms(r->bwd_s, r->bwd_n);
        double ff, bf;
        row_flops(m, i, &ff, &bf);
        fprintf(out, "%-10s %-20.20s %10.3f %10.3f %6.1f%% %10.3f", name, spec, fwd, bwd,
                step > 0 ? 100.0 * (fwd + bwd) / step : 0.0, per_call_ms(r->eval_fwd_s, r->eval_fwd_n));
        print_rate(out, ff * r->train_fwd_img + bf * r->bwd_img, r->train_fwd_s + r->bwd_s, peak);
        print_rate(out, ff * r->eval_fwd_img, r->eval_fwd_s, peak);
        fputc('\n', out);
    }
    fprintf(out, "%-10s %-20s %21.3f %7s %10.3f", "total", "(training step)", step, "", eval);
    print_rate(out, step_flops, step * 1e-3, peak);
    print_rate(out, eval_flops, eval * 1e-3, peak);
    fputc('\n', out);
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

void profile_count(Model *m, int first, int end, int backward, int B)
{
    for (int i = first; i < end && m->profile; i++) {
        ProfileRow *r = &m->profile[i];
        if (backward)
            r->bwd_n++, r->bwd_img += B;
        else if (m->train)
            r->train_fwd_n++, r->train_fwd_img += B;
        else
            r->eval_fwd_n++, r->eval_fwd_img += B;
    }
}

