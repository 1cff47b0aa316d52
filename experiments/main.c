/* experiments/main: the mnistlab command line. Parses the subcommand and its options, calls the
 * library, and is the only place that prints errors and chooses the exit status:
 * 0 success, 1 a failure (the message says which file, line or epoch), 2 a usage error,
 * 128+N after a clean stop on signal N (130 for Ctrl-C, 143 for SIGTERM). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

#include <gsl/gsl_errno.h>

#include "common/augment.h"
#include "common/config.h"
#include "common/dataset.h"
#include "common/error.h"
#include "common/escape.h"
#include "common/fileio.h"
#include "experiments/attack.h"
#include "experiments/bench.h"
#include "experiments/diff.h"
#include "experiments/html.h"
#include "common/parse.h"
#include "common/suggest.h"
#include "experiments/predict.h"
#include "experiments/robustness.h"
#include "experiments/report.h"
#include "experiments/rundir.h"
#include "experiments/runner.h"
#include "experiments/setup.h"
#include "experiments/sweep.h"
#include "models/layers.h"
#include "plots/plot.h"

/* One row per command: its usage line and what --help adds. */
typedef struct {
    const char *name, *usage, *help;
} Command;

static const Command commands[] = {
    {"train", "train EXP.conf [--set section.key=value]... [--out DIR] [--resume] [--overwrite] "
              "[--threads N] [--profile] [--kernels fast|reference] [--no-live]",
     /* the run folder's file names are spelled in experiments/rundir.h only */
     "Train an experiment into results/NAME/ (or --out DIR): " RUNDIR_METRICS ", " RUNDIR_CURVES
     ", " RUNDIR_SAMPLES ",\n" RUNDIR_CONFUSION ", " RUNDIR_SUMMARY ", " RUNDIR_CKPT ", "
     RUNDIR_CONFIG ", " RUNDIR_LOG ", " RUNDIR_MANIFEST " and, last,\n" RUNDIR_FINISHED
     " (a folder holding files mnistlab did not write is refused); then refresh the\n"
     "REPORT.md and index.html of the results folder. --resume continues an interrupted run (and\n"
     "says \"already finished\" of a finished one). A folder holding a run with other\n"
     "settings is kept: train into another (--out DIR), or --overwrite to replace it. --threads N\n"
     "overrides the settings and $MNISTLAB_THREADS; --profile prints the time per layer; --kernels\n"
     "reference trains on the plain loops of models/reference/, one thread (slow; the same numbers\n"
     "to float32 rounding). While training, " RUNDIR_CURVES " is redrawn after an evaluated epoch "
     "(at most\n"
     "every 2 s and at most 1/80 of the time; --no-live: only at the end).\n"
     "Every setting (a --set overrides the file's value; a key the model does not use is refused):\n"},
    {"info", "info EXP.conf [--set section.key=value]...",
     "Print the network an experiment builds: layers, output shapes, parameters, MFLOPs.\n"},
    {"predict", "predict MODEL.ckpt [--index N | --random | --image FILE.png|FILE.pgm] [--out FILE.png]",
     "Classify one test image (--index N, --random) or your own PNG/PGM, print the class\n"
     "probabilities, and draw the prepared input beside them.\n"},
    {"features", "features MODEL.ckpt [--index N] [--out DIR] [--weights | --saliency]",
     "Draw what each stage of a CNN sees for test image N (every layer's output), the first\n"
     "convolution's kernels (--weights), or the weight templates of a dense model; --saliency:\n"
     "the gradient of the class score with respect to every pixel of test image N.\n"},
    {"attack", "attack RUN_DIR|MODEL.ckpt [--eps \"0 0.05 0.1 0.15 0.2 0.25 0.3\"] [--show-eps E] "
               "[--images N] [--out DIR] [--kernels fast|reference]",
     "The fast gradient sign method (Goodfellow et al. 2015) against a trained network: every\n"
     "pixel of every test image (the first N with --images) moved by eps (pixels run 0..1) the way\n"
     "that raises its loss. Prints the test accuracy at each eps, writes it to attack.csv, and\n"
     "draws attack.png: digits the step of --show-eps (default: the first eps of 0.1 or more)\n"
     "flips, each beside the step and the image the model then misreads. Into the run folder,\n"
     "or --out DIR. --kernels reference: through the plain loops of models/reference/.\n"},
    {"show-data", "show-data [--dataset mnist|fashion] [--classes A B ...] [--augment 'shift N, "
                  "rotate D'] [--out FILE.png]",
     "Draw the first 40 training images (of the chosen classes) with their labels into FILE.png\n"
     "(default results/show-data.png); with --augment, rows of ten originals, each followed by the\n"
     "shifted and rotated copies a run trains on.\n"},
    {"compare", "compare [RESULTS_DIR]",
     "Write RESULTS_DIR/REPORT.md (default results/): every finished run under it, named by its\n"
     "folder, grouped by task (data set, classes, test images), seeds aggregated, with what each\n"
     "run's settings change from its experiment file; and one compare chart per task.\n"},
    {"bench", "bench EXP.conf [--batches N] [--warmup N] [--threads N] [--kernels fast|reference] "
              "[--no-eval] [--set ...]",
     "Time N training batches and evaluation passes (--no-eval: training only); prints\n"
     "key=value lines (make bench).\n"},
    {"sweep", "sweep EXP.conf --vary section.key=v1,v2,... [--vary section.key=...] "
              "[--seeds \"1 2 3\"] [--out DIR] [--set ...] [--threads N] [--against params]",
     "Train EXP.conf once per value (two --vary: per pair of values) and per seed, each run in\n"
     "DIR/KEY=VALUE/seedS/ (default DIR: results/sweep-NAME-KEY), then write DIR/" RUNDIR_SWEEP_MD
     " (every run\nand the mean ± std per value), " RUNDIR_SWEEP_PNG " (final and best-epoch test "
     "accuracy, final and\nlowest held-out loss against the value, log-scaled when the values span "
     "a decade; with\n--against params against the parameter count), " RUNDIR_SWEEP_CURVES
     " (every run's held-out loss\nper epoch) and, for two --vary, " RUNDIR_HEATMAP ". A run that "
     "diverges is a row that says so.\n"
     "Every run's settings are checked before the first is trained; running the same command\n"
     "again keeps the runs already finished.\n"},
    {"robustness", "robustness RUN_DIR... (--shift L,L,... | --rotate L,... | --noise L,... | "
                   "--occlude L,...)... [--out DIR] [--seed N] [--threads N] "
                   "[--kernels fast|reference]",
     "Test finished runs on their own test images changed at test time: shifted by L pixels,\n"
     "rotated by L degrees, with Gaussian pixel noise of standard deviation L (pixels 0..1), or with\n"
     "a square of side L blanked; level 0 is the run's own test accuracy. Runs in DIR/seedN/\n"
     "folders form one group (mean ± std over them). Writes DIR/ROBUSTNESS.md (default DIR:\n"
     "results/robustness) and robustness-NAME.png per transform, one red line per group. The\n"
     "random draws (direction, sign, noise, place) depend on the image and --seed only.\n"
     "--kernels reference: the networks through the plain loops of models/reference/.\n"},
    {"diff", "diff RUN_A RUN_B [--out DIR]",
     "Compare two finished runs on the test images they share: how many both get right, only A,\n"
     "only B, neither; " RUNDIR_DIFF_FIXED " (images B gets right and A wrong, labelled with both "
     "answers),\n" RUNDIR_DIFF_BROKEN " (the reverse), " RUNDIR_DIFF_CLASSES " (per-class accuracy "
     "side by side) and " RUNDIR_DIFF_MD ", in DIR\n"
     "(default results/diffs/A-vs-B). Refused when the runs were tested on other images.\n"},
};
#define N_COMMANDS ((int)(sizeof commands / sizeof commands[0]))

static void print_usage(FILE *out)
{
    fputs("usage: mnistlab COMMAND [ARGS]   (mnistlab COMMAND --help explains one)\n", out);
    for (int i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %s\n", commands[i].usage);
}

/* `mnistlab COMMAND --help`: the usage, what it does, and for train every setting. */
static int command_help(const Command *c)
{
    printf("usage: mnistlab %s\n\n%s", c->usage, c->help);
    if (!strcmp(c->name, "train")) {
        config_print_help(stdout, 0);
        printf("\nLayer kinds of model.layers (a cnn), comma separated, e.g. conv 16 3 pad 1, relu, "
               "maxpool 2, dense 10;\nthe activations relu, tanh, sigmoid, leakyrelu, gelu and mish "
               "go after any layer:\n");
        layer_kinds_print_help(stdout);
    }
    return 0;
}

/* `mnistlab train --help --markdown`: the settings table of docs/guide.md. */
static int wants_markdown(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--markdown"))
            return 1;
    return 0;
}

static int wants_help(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return 1;
    return 0;
}

static int usage(const char *why)
{
    if (why)
        fprintf(stderr, "mnistlab: %s\n", why);
    print_usage(stderr);
    return 2;
}

/* The one place errors are printed: one line, the detail when there is one. */
static int report_error(int rc)
{
    const char *detail = mnl_last_error();
    if (detail[0]) {         /* one line, whatever bytes the names in it hold */
        fputs("mnistlab: ", stderr);
        esc_text(stderr, detail);
        fputc('\n', stderr);
    } else
        fprintf(stderr, "mnistlab: %s\n", mnl_strerror(rc));
    return 1;
}

static int parse_int_arg(const char *s, int lo, int hi, int *out)
{
    char why[160];
    return parse_int(s, lo, hi, out, why, sizeof why);
}

/* An option the command does not know: "did you mean" a flag of its own, or, for "--epochs 2",
 * the setting it names ("--set train.epochs=2"). */
static int unknown_option(const char *cmd, const char *arg, const char *next,
                          const char *const *flags, int n_flags)
{
    char why[600];
    const char *near = suggest_closest(arg, flags, n_flags);
    const Setting *s = arg[0] == '-' && arg[1] == '-' ? config_setting_guess(arg + 2) : NULL;
    if (s && !near)
        snprintf(why, sizeof why, "%s: unknown option \"%s\" (did you mean --set %s.%s=%s?)", cmd, arg,
                 s->section, s->key, next && next[0] != '-' ? next : "VALUE");
    else if (near)
        snprintf(why, sizeof why, "%s: unknown option \"%s\" (did you mean %s?)", cmd, arg, near);
    else
        snprintf(why, sizeof why, "%s: unexpected argument \"%s\"", cmd, arg);
    return usage(why);
}

/* An experiment file that does not exist: name it, and the nearest file of its folder
 * ("experiments/cnnn.conf: no such experiment file (did you mean experiments/cnn.conf?)"). */
static int check_experiment_file(const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0)
        return 0;
    char dir[MNL_PATH_LEN], base[256];
    const char *slash = strrchr(path, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
    snprintf(base, sizeof base, "%s", slash ? slash + 1 : path);
    enum { MAX_FILES = 256 };
    char *names[MAX_FILES];
    int n = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; d && n < MAX_FILES && (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len > 5 && !strcmp(e->d_name + len - 5, ".conf") && (names[n] = strdup(e->d_name)))
            n++;
    }
    if (d)
        closedir(d);
    const char *near = suggest_closest(base, (const char *const *)names, n);
    esc_say(stderr, "mnistlab: ", path, ": no such experiment file");
    if (near) {
        esc_say(stderr, " (did you mean ", slash ? dir : "", slash ? "/" : "");
        esc_say(stderr, "", near, "?)");
    }
    fputc('\n', stderr);
    for (int i = 0; i < n; i++)
        free(names[i]);
    return 1;
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
        } else if (!strcmp(a, "--kernels") && i + 1 < argc) {
            if (kernels_parse(argv[++i], &o.kernels))
                return usage("--kernels is fast or reference");
        } else if (!strcmp(a, "--resume")) {
            o.resume = 1;
        } else if (!strcmp(a, "--overwrite")) {
            o.overwrite = 1;
        } else if (!strcmp(a, "--profile")) {
            o.profile = 1;
        } else if (!strcmp(a, "--no-live")) {
            o.no_live = 1;
        } else if (a[0] == '-' || o.conf_path) {
            static const char *const flags[] = {"--set", "--out", "--threads", "--kernels",
                                                "--resume", "--overwrite", "--profile", "--no-live"};
            return unknown_option("train", a, i + 1 < argc ? argv[i + 1] : NULL, flags,
                                  (int)(sizeof flags / sizeof flags[0]));
        } else {
            o.conf_path = a;
        }
    }
    if (!o.conf_path)
        return usage("train needs an experiment file, e.g. experiments/softmax.conf");
    if (check_experiment_file(o.conf_path))
        return 1;
    int sig = 0, rc = runner_train(&o, &sig);
    if (rc == MNL_ERR_INTERRUPTED && sig) {
        esc_say(stderr, "mnistlab: ", mnl_last_error(), "\n");
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
        } else if (!strcmp(a, "--kernels") && i + 1 < argc) {
            if (kernels_parse(argv[++i], &o.kernels))
                return usage("--kernels is fast or reference");
        } else if (!strcmp(a, "--no-eval")) {
            o.no_eval = 1;
        } else if (a[0] == '-' || o.conf_path) {
            return usage("bench: unexpected argument");
        } else {
            o.conf_path = a;
        }
    }
    if (!o.conf_path)
        return usage("bench needs an experiment file");
    int rc = bench_run(&o);
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
    if (check_experiment_file(conf))
        return 1;
    Experiment ex;
    int rc = experiment_configure(&ex, conf, sets, n_sets);
    if (!rc)
        rc = experiment_build(&ex, 1);
    if (!rc) {
        esc_say(stdout, "", ex.cfg.name, "");
        printf(": family %s, head %s, input %dx%dx%d, %d classes\n\n", ex.cfg.family,
               ex.cfg.head, ex.model.in_c, ex.model.in_h, ex.model.in_w,
               ex.cfg.n_classes ? ex.cfg.n_classes : 10);
        model_print_summary(&ex.model, stdout);
    }
    experiment_free(&ex);
    return rc ? report_error(rc) : 0;
}

/* ---- a signal while a command writes files ---- */

static char quit_line[2 * MNL_PATH_LEN + 400];   /* said when a signal ends the command */

/* gnuplot ended, the temporary files removed, one line on what was kept and how to go on. */
static void quit_on_signal(int sig)
{
    plot_abandon();
    file_abandon_temps();
    dir_locks_abandon();              /* a sweep's folder lock, taken over as stale otherwise */
    size_t n = strlen(quit_line);
    if (n && write(2, quit_line, n) < 0)
        n = 0;
    _exit(128 + sig);
}

/* From now on SIGINT and SIGTERM end the command saying `line` (and the command to rerun). */
static void quit_saying(const char *line, const char *again)
{
    snprintf(quit_line, sizeof quit_line, "mnistlab: interrupted; %s; to write them, run again:\n  %s\n",
             line, again);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = quit_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* The command line as typed, each word one quoted word for the shell (common/escape). */
static void command_text(int argc, char **argv, char *buf, size_t n)
{
    char *text = NULL;
    size_t len = 0;
    FILE *c = open_memstream(&text, &len);
    if (!c) {
        snprintf(buf, n, "bin/mnistlab ...");
        return;
    }
    fputs("bin/mnistlab", c);
    for (int i = 0; i < argc; i++) {
        fputc(' ', c);
        esc_shell_word(c, argv[i]);
    }
    fclose(c);
    snprintf(buf, n, "%s", len < n ? text : "bin/mnistlab ... (the same command)");
    free(text);
}

static int cmd_compare(int argc, char **argv)
{
    const char *dir = argc > 0 ? argv[0] : "results";
    int n = 0, rc = html_refresh_results(dir, &n);
    if (rc)
        return report_error(rc);
    esc_say(stdout, "wrote ", dir, "/REPORT.md, its compare-*.png charts and ");
    esc_say(stdout, "", dir, "");
    printf("/index.html (%d run%s)\n", n, n == 1 ? "" : "s");
    return 0;
}

static void show_label(char *text, size_t n, const char *dataset, int cls)
{
    if (!strcmp(dataset, "fashion"))
        snprintf(text, n, "%d %s", cls, dataset_class_label(dataset, cls));
    else
        snprintf(text, n, "%d", cls);
}

/* show-data --augment: rows of ten originals, each row followed by the copies a run would train
 * on, labelled with their shift and rotation. */
static int show_augmented(const char *out, const DataSpec *ds, const DataSplits *d,
                          const AugmentSpec *aug)
{
    enum { COLS = 10, PAIRS = 2, N = COLS * PAIRS };
    int n = d->train.n < N ? d->train.n : N, hw = d->train.h * d->train.w;
    Augmenter a;
    int rc = augmenter_init(&a, aug, 0.0f, n, d->train.h, d->train.w);
    if (rc)
        return rc;
    float *grid = malloc(sizeof(float) * 2 * N * (size_t)hw);
    if (!grid) {
        augmenter_free(&a);
        return mnl_fail(MNL_ERR_NOMEM, "cannot allocate the image grid");
    }
    augmenter_apply(&a, d->train.x, n, 1, 1, 0, 1);
    const char *labels[2 * N];
    char text[2 * N][48];
    int k = 0;
    for (int row = 0; row * COLS < n; row++)
        for (int copy = 0; copy < 2; copy++)
            for (int c = 0; c < COLS && row * COLS + c < n; c++, k++) {
                int i = row * COLS + c;
                const float *src = copy ? a.out + (size_t)i * hw : d->train.x + (size_t)i * hw;
                memcpy(grid + (size_t)k * hw, src, sizeof(float) * hw);
                const float *p = a.params + 3 * i;
                if (copy)
                    snprintf(text[k], sizeof text[k], "%+.0f,%+.0f %+.0f°", p[0], p[1], p[2]);
                else
                    show_label(text[k], sizeof text[k], ds->name, d->class_names[d->train.y[i]]);
                labels[k] = text[k];
            }
    char title[320], spec[96];
    augment_format(aug, spec, sizeof spec);
    snprintf(title, sizeof title, "%s, augment = %s: originals, then copies (dx,dy, angle)",
             ds->name, spec);
    rc = plot_image_grid(out, title, grid, k, d->train.h, d->train.w, COLS, labels, NULL);
    free(grid);
    augmenter_free(&a);
    return rc;
}

static int cmd_show_data(int argc, char **argv)
{
    DataSpec ds;
    memset(&ds, 0, sizeof ds);
    snprintf(ds.name, sizeof ds.name, "mnist");
    const char *out = "results/show-data.png";     /* never into the project's top folder */
    AugmentSpec aug = {0, 0.0f};
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--augment") && i + 1 < argc) {
            char why[300], msg[400];
            if (augment_parse(argv[++i], &aug, why, sizeof why)) {
                snprintf(msg, sizeof msg, "show-data --augment: %s", why);
                return usage(msg);
            }
            if (!augment_enabled(&aug))
                return usage("show-data --augment: give shift N and/or rotate D");
        } else if (!strcmp(argv[i], "--dataset") && i + 1 < argc) {
            snprintf(ds.name, sizeof ds.name, "%s", argv[++i]);
            if (strcmp(ds.name, "mnist") && strcmp(ds.name, "fashion"))
                return usage("--dataset is mnist or fashion");
        } else if (!strcmp(argv[i], "--out") && i + 1 < argc) {
            out = argv[++i];
            if (path_leaves_room("show-data --out", out, PLOT_FILE_ROOM))
                return report_error(MNL_ERR_ARG);
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
    if (!strcmp(out, "results/show-data.png") && mkdir("results", 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "mnistlab: results: cannot create: %s\n", strerror(errno));
        return 1;
    }
    /* nothing of the user's is replaced; the default picture of an earlier mnistlab is its own */
    int rc = rundir_claim_file(out, strcmp(out, "results/show-data.png") ? NULL : RUNDIR_REPORT_MD);
    if (rc)
        return report_error(rc);
    snprintf(ds.dir, sizeof ds.dir, "%s", dataset_default_dir(ds.name));
    DataSplits d;
    rc = dataset_load(&ds, &d);
    if (rc)
        return report_error(rc);
    if (augment_enabled(&aug)) {
        rc = show_augmented(out, &ds, &d, &aug);
        dataset_splits_free(&d);
        if (rc)
            return report_error(rc);
        esc_say(stdout, "wrote ", out, "\n");
        html_refresh_around(out);      /* a picture in a results folder: its report and page */
        return 0;
    }
    int n = d.train.n < 40 ? d.train.n : 40;
    const char *labels[40];
    char text[40][32];
    for (int i = 0; i < n; i++) {
        show_label(text[i], sizeof text[i], ds.name, d.class_names[d.train.y[i]]);
        labels[i] = text[i];
    }
    char title[160];
    snprintf(title, sizeof title, "%s: the first %d training images%s", ds.name, n,
             ds.n_classes ? " of the chosen classes" : "");
    rc = plot_image_grid(out, title, d.train.x, n, d.train.h, d.train.w, 10, labels, NULL);
    dataset_splits_free(&d);
    if (rc)
        return report_error(rc);
    esc_say(stdout, "wrote ", out, "\n");
    html_refresh_around(out);          /* a picture in a results folder: its report and page */
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
    for (int i = 0; i < N_COMMANDS; i++)
        if (!strcmp(cmd, commands[i].name) && wants_help(n, rest)) {
            if (i == 0 && wants_markdown(n, rest)) {
                config_print_help(stdout, 1);
                return 0;
            }
            return command_help(&commands[i]);
        }
    /* no path the system cannot take goes any further (a setting's value is no path) */
    for (int i = 0; i < n; i++) {
        if (!strcmp(rest[i], "--set") || !strcmp(rest[i], "--vary") || !strcmp(rest[i], "--seeds"))
            i++;
        else if (path_leaves_room("argument", rest[i], 0))
            return report_error(MNL_ERR_ARG);
    }
    if (!strcmp(cmd, "train"))
        return cmd_train(n, rest);
    if (!strcmp(cmd, "info"))
        return cmd_info(n, rest);
    if (!strcmp(cmd, "bench"))
        return cmd_bench(n, rest);
    char again[2 * MNL_PATH_LEN];
    command_text(argc - 1, argv + 1, again, sizeof again);
    if (!strcmp(cmd, "compare")) {
        quit_saying("REPORT.md, index.html and the charts are as they were before", again);
        return cmd_compare(n, rest);
    }
    if (!strcmp(cmd, "show-data")) {
        quit_saying("the picture, REPORT.md and index.html are as they were before", again);
        return cmd_show_data(n, rest);
    }
    if (!strcmp(cmd, "diff")) {
        quit_saying(RUNDIR_DIFF_MD " and its pictures are as they were before", again);
        int rc = diff_main(n, rest);
        if (rc == MNL_ERR_ARG) {
            esc_say(stderr, "mnistlab: ", mnl_last_error(), "\n");
            return 2;
        }
        return rc ? report_error(rc) : 0;
    }
    if (!strcmp(cmd, "robustness")) {
        int rc = robustness_main(n, rest);
        if (rc == MNL_ERR_ARG) {
            fprintf(stderr, "mnistlab: %s\n", mnl_last_error());
            return 2;
        }
        return rc ? report_error(rc) : 0;
    }
    if (!strcmp(cmd, "sweep")) {
        if (n > 0 && rest[0][0] != '-' && check_experiment_file(rest[0]))
            return 1;
        /* between runs and while a run trains, the sweep and the runner catch signals themselves */
        quit_saying("the sweep's finished runs are kept, " RUNDIR_SWEEP_MD " and its charts are as "
                    "they were before", again);
        int sig = 0, rc = sweep_main(n, rest, &sig);
        if (rc == MNL_ERR_INTERRUPTED && sig) {
            esc_say(stderr, "mnistlab: ", mnl_last_error(), "\n");
            return 128 + sig;
        }
        if (rc == MNL_ERR_ARG) {
            esc_say(stderr, "mnistlab: ", mnl_last_error(), "\n");
            return 2;
        }
        return rc ? report_error(rc) : 0;
    }
    if (!strcmp(cmd, "attack")) {
        int rc = attack_main(n, rest);
        if (rc == MNL_ERR_ARG) {
            fprintf(stderr, "mnistlab: %s\n", mnl_last_error());
            return 2;
        }
        return rc ? report_error(rc) : 0;
    }
    if (!strcmp(cmd, "predict") || !strcmp(cmd, "features")) {
        quit_saying("the pictures, REPORT.md and index.html are as they were before", again);
        int rc = !strcmp(cmd, "predict") ? predict_main(n, rest) : features_main(n, rest);
        if (rc == MNL_ERR_ARG && !mnl_last_error()[0])
            return usage(NULL);
        return rc ? report_error(rc) : 0;
    }
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        for (int i = 0; n > 0 && i < N_COMMANDS; i++)   /* mnistlab help train */
            if (!strcmp(rest[0], commands[i].name))
                return command_help(&commands[i]);
        print_usage(stdout);
        return 0;
    }
    const char *names[N_COMMANDS];
    for (int i = 0; i < N_COMMANDS; i++)
        names[i] = commands[i].name;
    const char *near = suggest_closest(cmd, names, N_COMMANDS);
    char why[300];
    if (near)
        snprintf(why, sizeof why, "unknown command \"%s\" (did you mean \"%s\"?)", cmd, near);
    else
        snprintf(why, sizeof why, "unknown command \"%s\"", cmd);
    return usage(why);
}
