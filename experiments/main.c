/* experiments/main: the mnistlab command line. Parses the subcommand and its options, calls the
 * library, and is the only place that prints errors and chooses the exit status:
 * 0 success, 1 a failure (the message says which file, line or epoch), 2 a usage error,
 * 128+N after a clean stop on signal N (130 for Ctrl-C, 143 for SIGTERM). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "common/dataset.h"
#include "common/error.h"
#include "experiments/diff.h"
#include "experiments/predict.h"
#include "experiments/report.h"
#include "experiments/runner.h"
#include "experiments/setup.h"
#include "experiments/sweep.h"
#include "plots/plot.h"

static const char *usage_text =
    "usage: mnistlab COMMAND [ARGS]\n"
    "  train EXP.conf [--set section.key=value]... [--out DIR] [--resume] [--threads N] [--profile]\n"
    "        [--no-live]   (curves.png is redrawn while training, at most every 2 s; --no-live: not)\n"
    "  info EXP.conf [--set section.key=value]...      layer table, parameters, MFLOPs\n"
    "  predict MODEL.ckpt [--index N | --random | --image FILE.png|FILE.pgm] [--out FILE.png]\n"
    "  features MODEL.ckpt [--index N] [--out DIR]     feature maps (CNN) or weight templates\n"
    "  show-data [--dataset mnist|fashion] [--classes A B ...] [--out FILE.png]\n"
    "  compare [RESULTS_DIR]                           REPORT.md and compare.png of all runs\n"
    "  bench EXP.conf [--batches N] [--warmup N] [--threads N] [--set ...]\n"
    "  sweep EXP.conf --vary section.key=v1,v2,... [--vary ...] [--seeds \"1 2 3\"] [--out DIR]\n"
    "        [--set ...] [--threads N] [--against params]   one run per value and seed, SWEEP.md\n"
    "  diff RUN_A RUN_B [--out DIR]                    the test images one run fixes that the other\n"
    "                                                  gets wrong, per-class accuracy of both\n";

static int usage(const char *why)
{
    if (why)
        fprintf(stderr, "mnistlab: %s\n", why);
    fputs(usage_text, stderr);
    return 2;
}

/* The one place errors are printed: one line, the detail when there is one. */
static int report_error(int rc)
{
    const char *detail = mnl_last_error();
    if (detail[0])
        fprintf(stderr, "mnistlab: %s\n", detail);
    else
        fprintf(stderr, "mnistlab: %s\n", mnl_strerror(rc));
    return 1;
}

static int parse_int_arg(const char *s, int lo, int hi, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

static int cmd_train(int argc, char **argv)
{
    TrainOptions o;
    memset(&o, 0, sizeof o);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--set") && i + 1 < argc) {
            if (o.n_sets == RUNNER_MAX_SETS)
                return usage("too many --set options");
            o.sets[o.n_sets++] = argv[++i];
        } else if (!strcmp(a, "--out") && i + 1 < argc) {
            o.out_dir = argv[++i];
        } else if (!strcmp(a, "--threads") && i + 1 < argc) {
            if (parse_int_arg(argv[++i], 1, 256, &o.threads))
                return usage("--threads takes a number from 1 to 256");
        } else if (!strcmp(a, "--resume")) {
            o.resume = 1;
        } else if (!strcmp(a, "--profile")) {
            o.profile = 1;
        } else if (!strcmp(a, "--no-live")) {
            o.no_live = 1;
        } else if (a[0] == '-' || o.conf_path) {
            char why[300];
            snprintf(why, sizeof why, "train: unexpected argument \"%s\"", a);
            return usage(why);
        } else {
            o.conf_path = a;
        }
    }
    if (!o.conf_path)
        return usage("train needs an experiment file, e.g. experiments/softmax.conf");
    int sig = 0, rc = runner_train(&o, &sig);
    if (rc == MNL_ERR_INTERRUPTED && sig) {
        fprintf(stderr, "mnistlab: %s\n", mnl_last_error());
        return 128 + sig;
    }
    return rc ? report_error(rc) : 0;
}

static int cmd_bench(int argc, char **argv)
{
    BenchOptions o;
    memset(&o, 0, sizeof o);
    o.batches = 100;
    o.warmup = 10;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--set") && i + 1 < argc && o.n_sets < RUNNER_MAX_SETS) {
            o.sets[o.n_sets++] = argv[++i];
        } else if (!strcmp(a, "--batches") && i + 1 < argc) {
            if (parse_int_arg(argv[++i], 1, 1000000, &o.batches))
                return usage("--batches takes a positive number");
        } else if (!strcmp(a, "--warmup") && i + 1 < argc) {
            if (parse_int_arg(argv[++i], 0, 1000000, &o.warmup))
                return usage("--warmup takes a number");
        } else if (!strcmp(a, "--threads") && i + 1 < argc) {
            if (parse_int_arg(argv[++i], 1, 256, &o.threads))
                return usage("--threads takes a number from 1 to 256");
        } else if (a[0] == '-' || o.conf_path) {
            return usage("bench: unexpected argument");
        } else {
            o.conf_path = a;
        }
    }
    if (!o.conf_path)
        return usage("bench needs an experiment file");
    int rc = runner_bench(&o);
    return rc ? report_error(rc) : 0;
}

static int cmd_info(int argc, char **argv)
{
    const char *conf = NULL, *sets[RUNNER_MAX_SETS];
    int n_sets = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--set") && i + 1 < argc && n_sets < RUNNER_MAX_SETS)
            sets[n_sets++] = argv[++i];
        else if (argv[i][0] == '-' || conf)
            return usage("info: unexpected argument");
        else
            conf = argv[i];
    }
    if (!conf)
        return usage("info needs an experiment file");
    Experiment ex;
    int rc = experiment_configure(&ex, conf, sets, n_sets);
    if (!rc)
        rc = experiment_build(&ex, 1);
    if (!rc) {
        printf("%s: family %s, head %s, input %dx%dx%d, %d classes\n\n", ex.cfg.name, ex.cfg.family,
               ex.cfg.head, ex.model.in_c, ex.model.in_h, ex.model.in_w,
               ex.cfg.n_classes ? ex.cfg.n_classes : 10);
        model_print_summary(&ex.model, stdout);
    }
    experiment_free(&ex);
    return rc ? report_error(rc) : 0;
}

static int cmd_compare(int argc, char **argv)
{
    const char *dir = argc > 0 ? argv[0] : "results";
    int n = 0, rc = report_compare(dir, &n);
    if (rc)
        return report_error(rc);
    printf("wrote %s/REPORT.md and %s/compare.png (%d run%s)\n", dir, dir, n, n == 1 ? "" : "s");
    return 0;
}

static const char *const fashion_names[10] = {"T-shirt", "Trouser", "Pullover", "Dress", "Coat",
                                              "Sandal",  "Shirt",   "Sneaker",  "Bag",   "Boot"};

static int cmd_show_data(int argc, char **argv)
{
    DataSpec ds;
    memset(&ds, 0, sizeof ds);
    snprintf(ds.name, sizeof ds.name, "mnist");
    const char *out = "show-data.png";
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--dataset") && i + 1 < argc) {
            snprintf(ds.name, sizeof ds.name, "%s", argv[++i]);
            if (strcmp(ds.name, "mnist") && strcmp(ds.name, "fashion"))
                return usage("--dataset is mnist or fashion");
        } else if (!strcmp(argv[i], "--out") && i + 1 < argc) {
            out = argv[++i];
        } else if (!strcmp(argv[i], "--classes")) {
            while (i + 1 < argc && argv[i + 1][0] != '-') {
                int c;
                if (ds.n_classes == DATASET_MAX_CLASSES || parse_int_arg(argv[++i], 0, 9, &c))
                    return usage("--classes takes distinct digits 0-9");
                ds.classes[ds.n_classes++] = c;
            }
            if (ds.n_classes < 2)
                return usage("--classes needs at least two classes");
        } else {
            return usage("show-data: unexpected argument");
        }
    }
    snprintf(ds.dir, sizeof ds.dir, "%s", dataset_default_dir(ds.name));
    DataSplits d;
    int rc = dataset_load(&ds, &d);
    if (rc)
        return report_error(rc);
    int n = d.train.n < 40 ? d.train.n : 40;
    const char *labels[40];
    char text[40][32];
    for (int i = 0; i < n; i++) {
        int cls = d.class_names[d.train.y[i]];
        if (!strcmp(ds.name, "fashion"))
            snprintf(text[i], sizeof text[i], "%d %s", cls, fashion_names[cls]);
        else
            snprintf(text[i], sizeof text[i], "%d", cls);
        labels[i] = text[i];
    }
    char title[160];
    snprintf(title, sizeof title, "%s: the first %d training images%s", ds.name, n,
             ds.n_classes ? " of the chosen classes" : "");
    rc = plot_image_grid(out, title, d.train.x, n, d.train.h, d.train.w, 10, labels, NULL);
    dataset_splits_free(&d);
    if (rc)
        return report_error(rc);
    printf("wrote %s\n", out);
    return 0;
}

int main(int argc, char **argv)
{
    /* A file outgrowing `ulimit -f` raises SIGXFSZ, whose default action kills us mid-write with no
     * message. Ignored, the write fails with EFBIG instead: the atomic writer removes its temp file,
     * keeps the previous file and names the path, like any full disk. (gnuplot gets the default
     * back in plots/plot.c, so it cannot leave a cut PNG behind.) */
    signal(SIGXFSZ, SIG_IGN);
    /* GSL's default error handler aborts; the library validates what it passes to GSL, and with
     * the handler off any slip comes back as a status instead of killing a run. */
    gsl_set_error_handler_off();
    if (argc < 2)
        return usage(NULL);
    const char *cmd = argv[1];
    int n = argc - 2;
    char **rest = argv + 2;
    if (!strcmp(cmd, "train"))
        return cmd_train(n, rest);
    if (!strcmp(cmd, "info"))
        return cmd_info(n, rest);
    if (!strcmp(cmd, "bench"))
        return cmd_bench(n, rest);
    if (!strcmp(cmd, "compare"))
        return cmd_compare(n, rest);
    if (!strcmp(cmd, "show-data"))
        return cmd_show_data(n, rest);
    if (!strcmp(cmd, "diff")) {
        int rc = diff_main(n, rest);
        if (rc == MNL_ERR_ARG) {
            fprintf(stderr, "mnistlab: %s\n", mnl_last_error());
            return 2;
        }
        return rc ? report_error(rc) : 0;
    }
    if (!strcmp(cmd, "sweep")) {
        int sig = 0, rc = sweep_main(n, rest, &sig);
        if (rc == MNL_ERR_INTERRUPTED && sig) {
            fprintf(stderr, "mnistlab: %s\n", mnl_last_error());
            return 128 + sig;
        }
        if (rc == MNL_ERR_ARG) {
            fprintf(stderr, "mnistlab: %s\n", mnl_last_error());
            return 2;
        }
        return rc ? report_error(rc) : 0;
    }
    if (!strcmp(cmd, "predict") || !strcmp(cmd, "features")) {
        int rc = !strcmp(cmd, "predict") ? predict_main(n, rest) : features_main(n, rest);
        if (rc == MNL_ERR_ARG && !mnl_last_error()[0])
            return usage(NULL);
        return rc ? report_error(rc) : 0;
    }
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        fputs(usage_text, stdout);
        return 0;
    }
    char why[200];
    snprintf(why, sizeof why, "unknown command \"%s\"", cmd);
    return usage(why);
}
