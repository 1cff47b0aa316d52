/* tests/test_cli: the mnistlab program as a learner meets it: a short run writes every file, runs
 * are reproducible, --resume and Ctrl-C lose nothing, and every mistake ends in one line naming
 * the file, line or epoch with a non-zero exit. Runs bin/mnistlab ($MNISTLAB) on real MNIST. */
#include <CUnit/CUnit.h>
#include <dirent.h>
#include <png.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "models/checkpoint.h"
#include "tests/test_util.h"

/* A quick run: the 4-vs-9 experiment (2000/500 images) for two epochs. */
#define QUICK "experiments/cnn-4v9.conf --set train.epochs=2"

/* Run "ENV mnistlab ARGS"; stdout and stderr kept in test_path("cli.out"), test_path("cli.err"). */
static int run_cli(const char *env, const char *args)
{
    return test_run_program(env, args, 0, test_path("cli.out"), test_path("cli.err"));
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* stderr was exactly one line containing every given fragment. */
static void assert_one_line_error(const char *a, const char *b)
{
    const char *err = test_slurp(test_path("cli.err"));
    int ok = count_lines(err) == 1 && strstr(err, a) && (!b || strstr(err, b));
    if (!ok)
        fprintf(stderr, "\n    stderr was: %s", err);
    CU_ASSERT(ok);
}

static const char *in_dir(const char *dir, const char *name)
{
    static char bufs[4][1024];
    static int k;
    char *b = bufs[k++ % 4];
    snprintf(b, sizeof bufs[0], "%s/%s", dir, name);
    return b;
}

/* metrics.csv without its time columns (seconds, images_per_s, the 8th and 9th): what must
 * reproduce. */
static void metrics_without_time(const char *dir, char *out, size_t n)
{
    const char *csv = test_slurp(in_dir(dir, "metrics.csv"));
    size_t k = 0;
    for (const char *line = csv; *line && k + 1 < n;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        int commas = 0;
        for (size_t i = 0; i < len && k + 1 < n; i++) {
            commas += line[i] == ',';
            if (commas < 7 || commas >= 9)
                out[k++] = line[i];
        }
        out[k++] = '\n';
        line += len + (end ? 1 : 0);
    }
    out[k] = '\0';
}


static void assert_png(const char *dir, const char *name, unsigned want_w, unsigned want_h)
{
    unsigned w = 0, h = 0;
    CU_ASSERT_EQUAL(test_png_size(in_dir(dir, name), &w, &h), 0);
    if (w != want_w || h != want_h)
        fprintf(stderr, "\n    %s is %ux%u, expected %ux%u", name, w, h, want_w, want_h);
    CU_ASSERT_EQUAL(w, want_w);
    CU_ASSERT_EQUAL(h, want_h);
}

/* ---- a short run writes every file ---- */

static void test_cli_short_run_writes_every_file(void)
{
    if (!test_need_mnist())
        return;
    const char *dir = test_path("e2e");
    char args[1200];
    snprintf(args, sizeof args, "train " QUICK " --out %s", dir);
    CU_ASSERT_EQUAL_FATAL(run_cli(NULL, args), 0);
    const char *files[] = {"metrics.csv", "curves.png", "samples.png", "confusion.png", "model.ckpt",
                           "best.ckpt",   "summary.txt", "log.txt",    "config.used"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        CU_ASSERT(access(in_dir(dir, files[i]), R_OK) == 0);
    const char *csv = test_slurp(in_dir(dir, "metrics.csv"));
    CU_ASSERT_EQUAL(count_lines(csv), 3);
    CU_ASSERT(strncmp(csv, "epoch,train_loss,train_acc,valid_loss,valid_acc,test_loss,test_acc,"
                           "seconds,images_per_s,lr\n", 90) == 0);
    int commas = 0;
    for (const char *p = strchr(csv, '\n') + 1; *p && *p != '\n'; p++)
        commas += *p == ',';
    CU_ASSERT_EQUAL(commas, 9);
    assert_png(dir, "curves.png", 960, 860);
    assert_png(dir, "confusion.png", 480, 440);
    /* 10 columns of 30x37-pixel cells at 4 screen pixels per pixel, plus margins */
    assert_png(dir, "samples.png", 10 * 30 * 4 + 40, 2 * 37 * 4 + 70);
    const char *summary = test_slurp(in_dir(dir, "summary.txt"));
    CU_ASSERT_PTR_NOT_NULL(strstr(summary, "parameters = 1521\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(summary, "epochs = 2\n"));
    /* no temp file is left behind */
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "ls '%s' | grep -q tmp", dir);
    CU_ASSERT_NOT_EQUAL(system(cmd), 0);
}

/* ---- reproducibility ---- */

static void test_cli_same_seed_same_metrics_other_seed_differs(void)
{
    if (!test_need_mnist())
        return;
    char args[1200], a[4096], b[4096], c[4096];
    const char *keep = "MNISTLAB_KEEP_PLOT_DATA=1";      /* samples.labels.dat is read below */
    snprintf(args, sizeof args, "train " QUICK " --out %s", test_path("seed-a"));
    CU_ASSERT_EQUAL_FATAL(run_cli(keep, args), 0);
    snprintf(args, sizeof args, "train " QUICK " --out %s", test_path("seed-b"));
    CU_ASSERT_EQUAL_FATAL(run_cli(keep, args), 0);
    snprintf(args, sizeof args, "train " QUICK " --set train.seed=2 --out %s", test_path("seed-c"));
    CU_ASSERT_EQUAL_FATAL(run_cli(keep, args), 0);
    metrics_without_time(test_path("seed-a"), a, sizeof a);
    metrics_without_time(test_path("seed-b"), b, sizeof b);
    metrics_without_time(test_path("seed-c"), c, sizeof c);
    CU_ASSERT_STRING_EQUAL(a, b);
    CU_ASSERT_STRING_NOT_EQUAL(a, c);
    /* seed 2 also draws another 2000/500 subset: the first wrong test images differ */
    char sa[8192];
    snprintf(sa, sizeof sa, "%s", test_slurp(in_dir(test_path("seed-a"), "samples.labels.dat")));
    CU_ASSERT_STRING_NOT_EQUAL(sa, test_slurp(in_dir(test_path("seed-c"), "samples.labels.dat")));
}

static void test_cli_resume_from_epoch_one_matches_uninterrupted_run(void)
{
    if (!test_need_mnist())
        return;
    char args[1200], whole[4096], resumed[4096];
    snprintf(args, sizeof args, "train " QUICK " --out %s", test_path("whole"));
    CU_ASSERT_EQUAL_FATAL(run_cli(NULL, args), 0);
    snprintf(args, sizeof args, "train experiments/cnn-4v9.conf --set train.epochs=1 --out %s",
             test_path("resumed"));
    CU_ASSERT_EQUAL_FATAL(run_cli(NULL, args), 0);
    snprintf(args, sizeof args, "train " QUICK " --out %s --resume", test_path("resumed"));
    CU_ASSERT_EQUAL_FATAL(run_cli(NULL, args), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(test_path("cli.out")), "resuming at epoch 2"));
    metrics_without_time(test_path("whole"), whole, sizeof whole);
    metrics_without_time(test_path("resumed"), resumed, sizeof resumed);
    CU_ASSERT_STRING_EQUAL(whole, resumed);
}

/* Start a run in the background; returns its pid. */
static pid_t spawn_cli(const char *args)
{
    pid_t pid = fork();
    if (pid == 0) {
        char cmd[4096];
        snprintf(cmd, sizeof cmd, "exec %s %s >'%s' 2>'%s' </dev/null", test_program(), args,
                 test_path("bg.out"), test_path("bg.err"));
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    return pid;
}

static void interrupt_and_resume(int sig, int want_status)
{
    if (!test_need_mnist())
        return;
    const char *dir = test_path(sig == SIGINT ? "sigint" : "sigterm");
    const char *whole = test_path("sig-whole");
    char args[1200], a[8192], b[8192];
    /* with the remedies that hold state or draw numbers: augmentation, a schedule, and batch
     * norm (whose running statistics the checkpoint must carry) */
    const char *run = "train experiments/cnn-4v9.conf --set train.epochs=12 "
                      "--set 'data.augment=shift 2, rotate 10' --set 'train.schedule=step 3 0.5' "
                      "--set train.warmup=1 --set 'model.layers=conv 4 3, batchnorm, relu, "
                      "maxpool 2, conv 8 3, relu, maxpool 2, conv 16 3, relu, maxpool 2, dense 1'";
    snprintf(args, sizeof args, "%s --out %s", run, whole);
    if (access(in_dir(whole, "summary.txt"), R_OK) != 0)
        CU_ASSERT_EQUAL_FATAL(run_cli(NULL, args), 0);

    snprintf(args, sizeof args, "%s --out %s", run, dir);
    pid_t pid = spawn_cli(args);
    CU_ASSERT_FATAL(pid > 0);
    CU_ASSERT_EQUAL(test_wait_for(in_dir(dir, "metrics.csv"), NULL, 60.0), 0);   /* epoch 1 is done */
    kill(pid, sig);
    int st;
    waitpid(pid, &st, 0);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == want_status);
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(test_path("bg.out")), "--resume"));
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(test_path("bg.err")), "interrupted by signal"));
    CU_ASSERT(access(in_dir(dir, "curves.png"), R_OK) == 0);
    CU_ASSERT(access(in_dir(dir, "model.ckpt"), R_OK) == 0);

    snprintf(args, sizeof args, "%s --out %s --resume", run, dir);
    CU_ASSERT_EQUAL(run_cli(NULL, args), 0);
    metrics_without_time(whole, a, sizeof a);
    metrics_without_time(dir, b, sizeof b);
    CU_ASSERT_STRING_EQUAL(a, b);
}

static void test_cli_sigint_saves_and_resume_ends_like_uninterrupted(void)
{
    interrupt_and_resume(SIGINT, 130);
}

static void test_cli_sigterm_exits_143_and_resumes(void)
{
    interrupt_and_resume(SIGTERM, 143);
}

/* ---- early stopping and the best checkpoint ---- */

static int summary_int(const char *summary, const char *key)
{
    const char *p = strstr(summary, key);
    return p ? atoi(p + strlen(key)) : -1;
}

/* With train.early_stop = 2 the 4-vs-9 run (whose test loss turns up within 40 epochs) stops two
 * evaluated epochs after its lowest test loss, says so, and best.ckpt holds that epoch's model,
 * which predict reads like model.ckpt. */
static void test_cli_early_stop_ends_two_epochs_after_the_best_which_best_ckpt_holds(void)
{
    if (!test_need_mnist())
        return;
    char dir[512], args[1200];
    snprintf(dir, sizeof dir, "%s", test_path("early"));    /* test_path's buffers rotate */
    snprintf(args, sizeof args, "train experiments/cnn-4v9.conf --set train.early_stop=2 --out %s",
             dir);
    CU_ASSERT_EQUAL_FATAL(run_cli(NULL, args), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(test_path("cli.out")), "early stop: no lower test loss "
                                                                   "in 2 evaluated epochs"));
    char summary[4096];
    snprintf(summary, sizeof summary, "%s", test_slurp(in_dir(dir, "summary.txt")));
    int epochs = summary_int(summary, "\nepochs = "), best = summary_int(summary, "best_epoch = ");
    CU_ASSERT(epochs > 2 && epochs < 40);
    CU_ASSERT_EQUAL(best, epochs - 2);
    CU_ASSERT_EQUAL(summary_int(summary, "stopped_early = after epoch "), epochs);
    CU_ASSERT_EQUAL(count_lines(test_slurp(in_dir(dir, "metrics.csv"))), epochs + 1);
    Checkpoint ck;
    CU_ASSERT_EQUAL_FATAL(checkpoint_load(in_dir(dir, "best.ckpt"), &ck), 0);
    CU_ASSERT_EQUAL(ck.epoch, best);
    checkpoint_free(&ck);
    CU_ASSERT_EQUAL_FATAL(checkpoint_load(in_dir(dir, "model.ckpt"), &ck), 0);
    CU_ASSERT_EQUAL(ck.epoch, epochs);
    checkpoint_free(&ck);
    snprintf(args, sizeof args, "predict %s --index 3 --out %s", in_dir(dir, "best.ckpt"),
             in_dir(dir, "p.png"));
    CU_ASSERT_EQUAL(run_cli(NULL, args), 0);
    /* resumed, a run that has stopped early is finished: it stays as it is */
    snprintf(args, sizeof args, "train experiments/cnn-4v9.conf --set train.early_stop=2 --out %s "
             "--resume", dir);
    CU_ASSERT_EQUAL(run_cli(NULL, args), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(test_path("cli.out")), "already finished"));
    CU_ASSERT_EQUAL(count_lines(test_slurp(in_dir(dir, "metrics.csv"))), epochs + 1);
}

/* The effective rate of each epoch is metrics.csv's lr column. */
static void test_cli_schedule_rate_is_written_per_epoch(void)
{
    if (!test_need_mnist())
        return;
    char dir[512], args[1200];
    snprintf(dir, sizeof dir, "%s", test_path("sched"));
    snprintf(args, sizeof args, "train experiments/cnn-4v9.conf --set train.epochs=4 --set "
             "'train.schedule=step 2 0.5' --set train.warmup=1 --out %s", dir);
    CU_ASSERT_EQUAL_FATAL(run_cli(NULL, args), 0);
    const char *csv = test_slurp(in_dir(dir, "metrics.csv"));
    const double want[4] = {0.002, 0.004, 0.004, 0.002};
    const char *line = strchr(csv, '\n');
    for (int e = 0; e < 4 && line; e++, line = strchr(line + 1, '\n')) {
        const char *end = strchr(line + 1, '\n'), *lr = end;
        while (lr > line && lr[-1] != ',')
            lr--;
        CU_ASSERT_DOUBLE_EQUAL(atof(lr), want[e], 1e-9);
    }
}

/* show-data --augment: two rows per ten images (originals, copies), each copy labelled with its
 * shift and angle; a bad setting is a usage error naming it. */
static void test_cli_show_data_augment_draws_originals_and_copies(void)
{
    if (!test_need_mnist())
        return;
    char out[512], args[1200];
    snprintf(out, sizeof out, "%s", test_path("aug.png"));
    snprintf(args, sizeof args, "show-data --classes 4 9 --augment 'shift 2, rotate 10' --out %s",
             out);
    CU_ASSERT_EQUAL_FATAL(run_cli("MNISTLAB_KEEP_PLOT_DATA=1", args), 0);
    unsigned w = 0, h = 0;
    CU_ASSERT_EQUAL(test_png_size(out, &w, &h), 0);
    const char *labels = test_slurp(test_path("aug.labels.dat"));
    CU_ASSERT_EQUAL(count_lines(labels), 1 + 40);          /* a comment line, then one per image */
    CU_ASSERT_PTR_NOT_NULL(strstr(labels, "°"));
    CU_ASSERT_EQUAL(run_cli(NULL, "show-data --augment 'zoom 2'"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(test_path("cli.err")), "show-data --augment"));
}

/* ---- mistakes ---- */

static void test_cli_unknown_config_key_names_file_and_line(void)
{
    const char *conf = test_path("typo.conf");
    const char *text = "[model]\nfamily = mlp\nhidden = 32\n[train]\nlearning_rate = 0.1\n";
    CU_ASSERT_FATAL(test_write_file(conf, text, strlen(text)) == 0);
    char args[1200];
    snprintf(args, sizeof args, "train %s --out %s", conf, test_path("typo-out"));
    CU_ASSERT_EQUAL(run_cli(NULL, args), 1);
    assert_one_line_error("typo.conf:5:", "unknown key \"learning_rate\"");
}

static void test_cli_impossible_layer_spec_names_line_and_item(void)
{
    const char *conf = test_path("spec.conf");
    const char *text = "[model]\nfamily = cnn\n\nlayers = conv 8 3, relu, maxpool 2, maxpool 2, "
                       "maxpool 2, maxpool 2, maxpool 2, dense 10\n";
    CU_ASSERT_FATAL(test_write_file(conf, text, strlen(text)) == 0);
    char args[1200];
    snprintf(args, sizeof args, "info %s", conf);
    CU_ASSERT_EQUAL(run_cli(NULL, args), 1);
    assert_one_line_error("spec.conf:4:", "maxpool 2");
}

static void test_cli_bad_set_value_is_refused(void)
{
    CU_ASSERT_EQUAL(run_cli(NULL, "train experiments/cnn-4v9.conf --set train.lr=nan --out /tmp/x"), 1);
    assert_one_line_error("train.lr", "not a finite number");
}

static void test_cli_truncated_idx_names_the_file(void)
{
    const char *dir = test_path("trunc");
    CU_ASSERT_FATAL(mkdir(dir, 0777) == 0);
    if (!test_need_mnist())
        return;
    const char *src = test_mnist_dir();
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cp %s/t10k-* %s/ && cp %s/train-labels-idx1-ubyte %s/ && "
             "head -c 1000000 %s/train-images-idx3-ubyte > %s/train-images-idx3-ubyte",
             src, dir, src, dir, src, dir);
    CU_ASSERT_FATAL(system(cmd) == 0);
    char env[1200], args[1200];
    snprintf(env, sizeof env, "MNIST_DIR=%s", dir);
    snprintf(args, sizeof args, "train " QUICK " --out %s", test_path("trunc-out"));
    CU_ASSERT_EQUAL(run_cli(env, args), 1);
    assert_one_line_error("train-images-idx3-ubyte", "truncated");
}

static void test_cli_missing_data_dir_names_the_path(void)
{
    char args[1200];
    snprintf(args, sizeof args, "train " QUICK " --out %s", test_path("nodata-out"));
    CU_ASSERT_EQUAL(run_cli("MNIST_DIR=/nonexistent/mnist", args), 1);
    assert_one_line_error("/nonexistent/mnist/", NULL);
}

static void test_cli_unwritable_results_dir_names_the_path(void)
{
    if (!test_need_mnist())
        return;
    const char *blocker = test_path("a-file");
    CU_ASSERT_FATAL(test_write_file(blocker, "x", 1) == 0);
    char args[1200];
    snprintf(args, sizeof args, "train " QUICK " --out %s/results", blocker);
    CU_ASSERT_EQUAL(run_cli(NULL, args), 1);
    assert_one_line_error("a-file", "not a directory");
}

static void test_cli_divergence_stops_with_epoch_and_batch(void)
{
    if (!test_need_mnist())
        return;
    char args[1200];
    snprintf(args, sizeof args, "train experiments/mlp.conf --set data.subset=2000\\ 500 --set "
             "train.optimizer=sgd --set train.lr=100 --set train.epochs=2 --out %s",
             test_path("diverge"));
    CU_ASSERT_EQUAL(run_cli(NULL, args), 1);
    assert_one_line_error("diverged at epoch 1, batch", "loss is nan (lr 100)");
}

static void test_cli_failed_run_leaves_earlier_results_untouched(void)
{
    if (!test_need_mnist())
        return;
    const char *dir = test_path("keep");
    char args[1200];
    snprintf(args, sizeof args, "train " QUICK " --out %s", dir);
    CU_ASSERT_EQUAL_FATAL(run_cli(NULL, args), 0);
    static const char *kept[] = {"metrics.csv", "config.used", "log.txt", "summary.txt"};
    static char before[4][8192];
    struct stat ck_before, ck_after;
    for (int i = 0; i < 4; i++)
        snprintf(before[i], sizeof before[i], "%s", test_slurp(in_dir(dir, kept[i])));
    CU_ASSERT_EQUAL_FATAL(stat(in_dir(dir, "model.ckpt"), &ck_before), 0);
    /* a run that diverges in its first epoch, into the same directory */
    snprintf(args, sizeof args, "train experiments/mlp.conf --set data.subset=2000\\ 500 --set "
             "train.optimizer=sgd --set train.lr=100 --set train.epochs=2 --out %s", dir);
    CU_ASSERT_EQUAL(run_cli(NULL, args), 1);
    for (int i = 0; i < 4; i++)
        CU_ASSERT_STRING_EQUAL(before[i], test_slurp(in_dir(dir, kept[i])));
    CU_ASSERT_EQUAL_FATAL(stat(in_dir(dir, "model.ckpt"), &ck_after), 0);
    CU_ASSERT_EQUAL(ck_before.st_mtime, ck_after.st_mtime);
    CU_ASSERT_EQUAL(ck_before.st_ino, ck_after.st_ino);
}

static void test_cli_unknown_command_is_a_usage_error(void)
{
    CU_ASSERT_EQUAL(run_cli(NULL, "trian experiments/cnn.conf"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(test_path("cli.err")), "unknown command \"trian\""));
}

/* ---- a stuck run is named wherever it is shown ---- */

/* cnn-4v9 with Adam at 0.5, seed 2: the first steps kill every unit, and the model answers one
 * class for all 500 test images. The console, summary.txt, SWEEP.md and REPORT.md say so. */
static void test_cli_stuck_run_is_named_everywhere(void)
{
    if (!test_need_mnist())
        return;
    char args[1400], sweep[512];
    snprintf(sweep, sizeof sweep, "%s", test_path("stuck/lr"));
    snprintf(args, sizeof args, "sweep experiments/cnn-4v9.conf --vary train.lr=0.5 --seeds 2 "
             "--set train.epochs=1 --out %s", sweep);
    CU_ASSERT_EQUAL_FATAL(run_cli(NULL, args), 0);
    const char *verdict = "no better than always answering 9";
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(test_path("cli.out")), "STUCK: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(test_path("cli.out")), verdict));
    char summary[900];
    snprintf(summary, sizeof summary, "%s/lr=0.5/seed2/summary.txt", sweep);
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(summary), "\ndegenerate = no better than always answering"));
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(in_dir(sweep, "SWEEP.md")), "finished, STUCK: no better than"));
    snprintf(args, sizeof args, "compare %s", test_path("stuck"));
    CU_ASSERT_EQUAL_FATAL(run_cli(NULL, args), 0);
    const char *report = test_slurp(in_dir(test_path("stuck"), "REPORT.md"));
    CU_ASSERT_PTR_NOT_NULL(strstr(report, "**stuck**"));
    CU_ASSERT_PTR_NOT_NULL(strstr(report, "lr/lr=0.5/seed2: no better than always answering"));
}

/* A run that learned is not called stuck. */
static void test_cli_learning_run_is_not_called_stuck(void)
{
    if (!test_need_mnist())
        return;
    char args[1200];
    snprintf(args, sizeof args, "train " QUICK " --out %s", test_path("learned"));
    CU_ASSERT_EQUAL_FATAL(run_cli(NULL, args), 0);
    CU_ASSERT_PTR_NULL(strstr(test_slurp(test_path("cli.out")), "STUCK"));
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(in_dir(test_path("learned"), "summary.txt")),
                                  "\ndegenerate = no\n"));
}

/* ---- a learner's slips: one line that names what was probably meant ---- */

static void test_cli_unknown_command_suggests_the_nearest(void)
{
    CU_ASSERT_EQUAL(run_cli(NULL, "trian experiments/cnn.conf"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(test_path("cli.err")), "did you mean \"train\"?"));
}

static void test_cli_missing_experiment_file_suggests_the_nearest(void)
{
    CU_ASSERT_EQUAL(run_cli(NULL, "train experiments/cnnn.conf"), 1);
    assert_one_line_error("experiments/cnnn.conf: no such experiment file",
                          "did you mean experiments/cnn.conf?");
}

static void test_cli_setting_written_as_a_flag_suggests_set(void)
{
    CU_ASSERT_EQUAL(run_cli(NULL, "train experiments/cnn.conf --epochs 2"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(test_path("cli.err")),
                                  "unknown option \"--epochs\" (did you mean --set train.epochs=2?)"));
}

static void test_cli_misspelt_flag_suggests_the_nearest(void)
{
    CU_ASSERT_EQUAL(run_cli(NULL, "train experiments/cnn.conf --ovewrite"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(test_path("cli.err")), "did you mean --overwrite?"));
}

static void test_cli_set_without_section_suggests_the_full_key(void)
{
    CU_ASSERT_EQUAL(run_cli(NULL, "train experiments/cnn.conf --set lr=0.1"), 1);
    assert_one_line_error("--set lr=0.1", "did you mean --set train.lr=0.1?");
    CU_ASSERT_EQUAL(run_cli(NULL, "train experiments/cnn.conf --set train.ephocs=2"), 1);
    assert_one_line_error("unknown key \"train.ephocs\"", "did you mean --set train.epochs=2?");
}

static void test_cli_train_help_lists_layer_kinds_and_activations(void)
{
    CU_ASSERT_EQUAL_FATAL(run_cli(NULL, "train --help"), 0);
    const char *out = test_slurp(test_path("cli.out"));
    static const char *const kinds[] = {"conv OUT K [pad P]", "maxpool 2", "dense N", "dropout P",
                                        "batchnorm", "flatten", "relu", "tanh", "sigmoid",
                                        "leakyrelu [A]", "gelu", "mish"};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (!strstr(out, kinds[i])) {
            fprintf(stderr, "\n    train --help does not list %s", kinds[i]);
            CU_FAIL("a layer kind is missing from train --help");
        }
}

/* The files of dir other than "." and ".." and the list of the suite's files there
 * (.mnistlab-files, experiments/rundir), as "a b c" in readdir order; their count. */
static int list_dir(const char *dir, char *names, size_t n)
{
    int count = 0;
    names[0] = '\0';
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
            !strcmp(e->d_name, ".mnistlab-files"))
            continue;
        count++;
        size_t used = strlen(names);
        snprintf(names + used, n - used, "%s%s", used ? " " : "", e->d_name);
    }
    if (d)
        closedir(d);
    return count;
}

static void test_cli_show_data_writes_one_png_where_asked(void)
{
    if (!test_need_mnist())
        return;
    char dir[512], args[1200], names[2048];
    snprintf(dir, sizeof dir, "%s", test_path("show-data-out"));
    CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0777), 0);
    snprintf(args, sizeof args, "show-data --classes 4 9 --out %s/fours.png", dir);
    CU_ASSERT_EQUAL_FATAL(run_cli(NULL, args), 0);
    CU_ASSERT_EQUAL(list_dir(dir, names, sizeof names), 1);
    CU_ASSERT_STRING_EQUAL(names, "fours.png");
    CU_ASSERT_STRING_EQUAL(test_slurp(in_dir(dir, ".mnistlab-files")), "mnistlab files 1\nfours.png\n");
}

/* Without --out the picture goes to results/show-data.png of the folder it runs in, never into
 * the folder itself. */
static void test_cli_show_data_defaults_under_results(void)
{
    if (!test_need_mnist())
        return;
    char dir[512], env[2048], mnist[1100], names[2048];
    snprintf(dir, sizeof dir, "%s", test_path("show-data-here"));
    CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0777), 0);
    char cwd[1024];
    CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof cwd));
    snprintf(mnist, sizeof mnist, "%s%s%s", test_mnist_dir()[0] == '/' ? "" : cwd,
             test_mnist_dir()[0] == '/' ? "" : "/", test_mnist_dir());
    /* run from dir, with the program's absolute path (it finds plots/ beside itself) */
    snprintf(env, sizeof env, "MNIST_DIR=%s sh -c 'p=$(realpath \"$0\") && cd %s && exec \"$p\" \"$@\"'",
             mnist, dir);
    CU_ASSERT_EQUAL_FATAL(run_cli(env, "show-data"), 0);
    CU_ASSERT_EQUAL(list_dir(dir, names, sizeof names), 1);
    CU_ASSERT_STRING_EQUAL(names, "results");
    CU_ASSERT_EQUAL(list_dir(in_dir(dir, "results"), names, sizeof names), 1);
    CU_ASSERT_STRING_EQUAL(names, "show-data.png");
}

/* A batch whose activations (401418 floats an image, twice, 65536 images: 210 GB) no machine here
 * holds is refused before the model is allocated, naming the file, the setting and the bytes. */
static void test_cli_batch_too_large_for_memory_names_the_setting_and_bytes(void)
{
    if (!test_need_mnist())
        return;
    char args[1024];
    snprintf(args, sizeof args, "train experiments/cnn.conf --set train.batch=65536 "
             "--set 'model.layers=conv 256 3 pad 1, relu, dense 10' --out %s", test_path("huge-batch"));
    CU_ASSERT_EQUAL(run_cli(NULL, args), 1);
    assert_one_line_error("experiments/cnn.conf: train.batch = 65536 needs 210.5 GB of activations",
                          "401418 floats an image");
    CU_ASSERT_EQUAL(access(test_path("huge-batch"), F_OK), -1);
}

int register_cli_tests(void)
{
    CU_pSuite s = CU_add_suite("cli", NULL, NULL);
    if (!s)
        return -1;
    struct { const char *name; CU_TestFunc fn; } tests[] = {
        {"cli_short_run_writes_every_file", test_cli_short_run_writes_every_file},
        {"cli_batch_too_large_for_memory_names_the_setting_and_bytes",
         test_cli_batch_too_large_for_memory_names_the_setting_and_bytes},
        {"cli_same_seed_same_metrics_other_seed_differs",
         test_cli_same_seed_same_metrics_other_seed_differs},
        {"cli_resume_from_epoch_one_matches_uninterrupted_run",
         test_cli_resume_from_epoch_one_matches_uninterrupted_run},
        {"cli_sigint_saves_and_resume_ends_like_uninterrupted",
         test_cli_sigint_saves_and_resume_ends_like_uninterrupted},
        {"cli_sigterm_exits_143_and_resumes", test_cli_sigterm_exits_143_and_resumes},
        {"cli_early_stop_ends_two_epochs_after_the_best_which_best_ckpt_holds",
         test_cli_early_stop_ends_two_epochs_after_the_best_which_best_ckpt_holds},
        {"cli_schedule_rate_is_written_per_epoch", test_cli_schedule_rate_is_written_per_epoch},
        {"cli_show_data_augment_draws_originals_and_copies",
         test_cli_show_data_augment_draws_originals_and_copies},
        {"cli_unknown_config_key_names_file_and_line", test_cli_unknown_config_key_names_file_and_line},
        {"cli_impossible_layer_spec_names_line_and_item",
         test_cli_impossible_layer_spec_names_line_and_item},
        {"cli_bad_set_value_is_refused", test_cli_bad_set_value_is_refused},
        {"cli_truncated_idx_names_the_file", test_cli_truncated_idx_names_the_file},
        {"cli_missing_data_dir_names_the_path", test_cli_missing_data_dir_names_the_path},
        {"cli_unwritable_results_dir_names_the_path", test_cli_unwritable_results_dir_names_the_path},
        {"cli_divergence_stops_with_epoch_and_batch", test_cli_divergence_stops_with_epoch_and_batch},
        {"cli_failed_run_leaves_earlier_results_untouched",
         test_cli_failed_run_leaves_earlier_results_untouched},
        {"cli_unknown_command_is_a_usage_error", test_cli_unknown_command_is_a_usage_error},
        {"cli_unknown_command_suggests_the_nearest", test_cli_unknown_command_suggests_the_nearest},
        {"cli_stuck_run_is_named_everywhere", test_cli_stuck_run_is_named_everywhere},
        {"cli_learning_run_is_not_called_stuck", test_cli_learning_run_is_not_called_stuck},
        {"cli_missing_experiment_file_suggests_the_nearest",
         test_cli_missing_experiment_file_suggests_the_nearest},
        {"cli_setting_written_as_a_flag_suggests_set", test_cli_setting_written_as_a_flag_suggests_set},
        {"cli_misspelt_flag_suggests_the_nearest", test_cli_misspelt_flag_suggests_the_nearest},
        {"cli_set_without_section_suggests_the_full_key",
         test_cli_set_without_section_suggests_the_full_key},
        {"cli_train_help_lists_layer_kinds_and_activations",
         test_cli_train_help_lists_layer_kinds_and_activations},
        {"cli_show_data_writes_one_png_where_asked", test_cli_show_data_writes_one_png_where_asked},
        {"cli_show_data_defaults_under_results", test_cli_show_data_defaults_under_results},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            return -1;
    return 0;
}
