/* tests/test_hostile: the second round of hostile input and faults, one class of input per group:
 * special files, a full disk, damaged state on resume, empty data sets, environment variables,
 * finite blow-ups, two runs in one folder, messages that must keep their reason, and temporary
 * files of dead runs. Each case drives bin/mnistlab as a learner would and expects exit status 1
 * with one line on stderr naming the real cause, and the folder left whole (no cut file, no mix of
 * two runs). A one-epoch and a two-epoch softmax on 4-vs-9 (fractions of a second) are made once
 * for the suite and copied per case. Needs real MNIST. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fileio.h"
#include "tests/test_util.h"

#define RUN_ARGS "train experiments/softmax.conf --set 'data.classes=4 9' " \
                 "--set 'data.subset=2000 500' --set data.validation=none"
/* A run slow enough to be caught in the middle of an epoch (about 1.5 s each, one image a batch). */
#define SLOW_ARGS "train experiments/mlp.conf --set 'data.subset=8000 500' --set train.batch=1 " \
                  "--no-live"
/* Every case that may hang on a special file runs under a time limit: exit 124 is a hang. */
#define LIMIT_SECONDS 60.0

static char run1[768], run2[768];     /* the one- and two-epoch runs; "" when they failed */

static int run_cli(const char *env, const char *args)
{
    char full[1400];
    snprintf(full, sizeof full, "%s timeout %.0f", env ? env : "", test_deadline(LIMIT_SECONDS));
    return test_run_program(full, args, 0, test_path("hostile.out"), test_path("hostile.err"));
}

static const char *err_text(void) { return test_slurp(test_path("hostile.err")); }
static const char *out_text(void) { return test_slurp(test_path("hostile.out")); }

/* Status 1 and exactly one line on stderr holding both fragments (b may be NULL). */
static void assert_refused(int status, const char *a, const char *b)
{
    const char *err = err_text();
    const char *nl = strchr(err, '\n');
    int one_line = nl && nl[1] == '\0';
    if (!(status == 1 && one_line && strstr(err, a) && (!b || strstr(err, b))))
        fprintf(stderr, "\n    exit status %d, stderr: %s", status, err);
    CU_ASSERT_EQUAL(status, 1);
    CU_ASSERT(one_line);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, a));
    if (b)
        CU_ASSERT_PTR_NOT_NULL(strstr(err, b));
}

static int make_runs(void)
{
    run1[0] = run2[0] = '\0';
    if (!test_mnist_dir())
        return 0;
    char args[2048];
    snprintf(args, sizeof args, RUN_ARGS " --set train.epochs=1 --out '%s'", test_path("h-run1"));
    if (run_cli(NULL, args) == 0)
        snprintf(run1, sizeof run1, "%s", test_path("h-run1"));
    snprintf(args, sizeof args, RUN_ARGS " --set train.epochs=2 --out '%s'", test_path("h-run2"));
    if (run_cli(NULL, args) == 0)
        snprintf(run2, sizeof run2, "%s", test_path("h-run2"));
    return 0;
}

/* Every case that trains, or reads a run made for the suite: 1 when the runs are there; else the
 * case is skipped (no MNIST: counted, a failure under CI) or fails (the runs could not be made). */
static int need_runs(void)
{
    if (!test_need_mnist())
        return 0;
    if (run1[0] && run2[0])
        return 1;
    CU_FAIL("the suite's one- and two-epoch runs (" RUN_ARGS ") could not be made");
    return 0;
}

/* A copy of run (1 or 2 epochs) named name; its path in a buffer of its own. NULL (and a failed
 * assertion) when the runs could not be made. */
static const char *copy_of(const char *run, const char *name)
{
    static char bufs[4][768];
    static int next;
    CU_ASSERT_FATAL(run[0] != '\0');
    char *dir = bufs[next++ % 4], cmd[2048];
    snprintf(dir, sizeof bufs[0], "%s", test_path(name));
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp -a '%s' '%s'", dir, run, dir);
    CU_ASSERT_FATAL(system(cmd) == 0);
    return dir;
}

static const char *in_dir(const char *dir, const char *name)
{
    static char bufs[4][1100];
    static int next;
    char *b = bufs[next++ % 4];
    snprintf(b, sizeof bufs[0], "%s/%s", dir, name);
    return b;
}

static void assert_same_tree(const char *expected, const char *dir)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "diff -r '%s' '%s' >&2", expected, dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

static int count_matching(const char *dir, const char *pattern)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "ls -a '%s' | grep -c -- '%s' > '%s'", dir, pattern,
             test_path("hostile.count"));
    if (system(cmd) == -1)
        return -1;
    return atoi(test_slurp(test_path("hostile.count")));
}

/* A process id that is certainly not running: a child that has exited and been reaped. */
static long dead_pid(void)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    waitpid(pid, NULL, 0);
    return (long)pid;
}

static const char *fifo_at(const char *name)
{
    const char *p = test_path(name);
    unlink(p);
    CU_ASSERT_FATAL(mkfifo(p, 0644) == 0);
    return p;
}

/* ==== 1. special files are refused, never waited on ==== */

static void test_hostile_settings_file_that_is_a_fifo_is_refused_at_once(void)
{
    char args[1200];
    snprintf(args, sizeof args, "info '%s'", fifo_at("settings.fifo"));
    assert_refused(run_cli(NULL, args), "settings.fifo: is a FIFO (named pipe), not a regular file",
                   NULL);
    unlink(test_path("settings.fifo"));
}

static void test_hostile_settings_file_dev_zero_is_refused_at_once(void)
{
    assert_refused(run_cli(NULL, "info /dev/zero"), "/dev/zero: is a character device", NULL);
}

static void test_hostile_settings_file_that_is_a_directory_is_named(void)
{
    char args[1200];
    snprintf(args, sizeof args, "info '%s'", test_tmpdir());
    assert_refused(run_cli(NULL, args), "is a directory, not a regular file", NULL);
}

/* A data directory of links to the real MNIST files, with `name` made a FIFO (kind 0), a link to
 * itself (1) or a link to nothing (2). */
static const char *data_dir_with_special(const char *dirname, const char *name, int kind)
{
    static char dir[768];
    char cmd[8192], src[2048], cwd[1024];
    snprintf(dir, sizeof dir, "%s", test_path(dirname));
    CU_ASSERT_FATAL(test_mnist_dir() != NULL && getcwd(cwd, sizeof cwd) != NULL);
    if (test_mnist_dir()[0] == '/')
        snprintf(src, sizeof src, "%s", test_mnist_dir());
    else
        snprintf(src, sizeof src, "%s/%s", cwd, test_mnist_dir());
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir '%s' && for f in '%s'/*; do ln -s \"$f\" '%s'/; "
             "done && rm -f '%s/%s' '%s/%s.gz'", dir, dir, src, dir, dir, name, dir, name);
    CU_ASSERT_FATAL(system(cmd) == 0);
    char p[1100];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    if (kind == 0)
        CU_ASSERT_FATAL(mkfifo(p, 0644) == 0);
    if (kind == 1)
        CU_ASSERT_FATAL(symlink(p, p) == 0);
    if (kind == 2)
        CU_ASSERT_FATAL(symlink("no-such-target", p) == 0);
    return dir;
}

static void train_with_data(const char *data_dir, const char *a, const char *b)
{
    char env[1100], args[2048];
    snprintf(env, sizeof env, "MNIST_DIR='%s'", data_dir);
    snprintf(args, sizeof args, RUN_ARGS " --set train.epochs=1 --out '%s'", test_path("h-data-run"));
    assert_refused(run_cli(env, args), a, b);
}

static void test_hostile_idx_file_that_is_a_fifo_is_refused_at_once(void)
{
    if (!need_runs())
        return;
    const char *d = data_dir_with_special("data-fifo", "t10k-labels-idx1-ubyte", 0);
    train_with_data(d, "t10k-labels-idx1-ubyte: is a FIFO (named pipe), not a regular file", NULL);
    unlink(in_dir(d, "t10k-labels-idx1-ubyte"));
}

static void test_hostile_checkpoint_that_is_a_fifo_is_refused_at_once(void)
{
    char args[1200];
    snprintf(args, sizeof args, "predict '%s' --index 0", fifo_at("model.ckpt"));
    assert_refused(run_cli(NULL, args), "model.ckpt: is a FIFO (named pipe)", NULL);
    unlink(test_path("model.ckpt"));
}

static void test_hostile_checkpoint_dev_zero_is_refused_at_once(void)
{
    assert_refused(run_cli(NULL, "predict /dev/zero --index 0"), "/dev/zero: is a character device",
                   NULL);
}

static void test_hostile_image_that_is_a_fifo_is_refused_at_once(void)
{
    if (!need_runs())
        return;
    const char *dir = copy_of(run1, "h-image-fifo");
    char args[2400];
    snprintf(args, sizeof args, "predict '%s' --image '%s' --out '%s'", in_dir(dir, "model.ckpt"),
             fifo_at("digit.png"), test_path("h-pred.png"));
    assert_refused(run_cli(NULL, args), "digit.png: is a FIFO (named pipe)", NULL);
    unlink(test_path("digit.png"));
}

static void test_hostile_resume_with_metrics_csv_a_fifo_is_refused_at_once(void)
{
    if (!need_runs())
        return;
    const char *dir = copy_of(run1, "h-metrics-fifo");
    CU_ASSERT_FATAL(unlink(in_dir(dir, "metrics.csv")) == 0);
    CU_ASSERT_FATAL(mkfifo(in_dir(dir, "metrics.csv"), 0644) == 0);
    char args[2048];
    snprintf(args, sizeof args, RUN_ARGS " --set train.epochs=2 --out '%s' --resume", dir);
    assert_refused(run_cli(NULL, args), "metrics.csv: is a FIFO (named pipe)", NULL);
    unlink(in_dir(dir, "metrics.csv"));
}

static void test_hostile_compare_passes_over_a_summary_that_is_a_fifo(void)
{
    if (!need_runs())
        return;
    const char *root = test_path("h-compare-root");
    char cmd[2048], args[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s/odd' && cp -a '%s' '%s/good' && "
             "mkfifo '%s/odd/summary.txt'", root, root, run1, root, root);
    CU_ASSERT_FATAL(run1[0] && system(cmd) == 0);
    snprintf(args, sizeof args, "compare '%s'", root);
    CU_ASSERT_EQUAL(run_cli(NULL, args), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out_text(), "(1 run)"));
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);    /* no FIFO left for other walks of /tmp */
    CU_ASSERT(system(cmd) == 0);
}

static void test_hostile_file_open_regular_names_the_type(void)
{
    FILE *f = NULL;
    long long size;
    CU_ASSERT_EQUAL(file_open_regular(fifo_at("unit.fifo"), &f, &size), MNL_ERR_IO);
    CU_ASSERT_PTR_NULL(f);
    CU_ASSERT_PTR_NOT_NULL(strstr(mnl_last_error(), "unit.fifo: is a FIFO (named pipe)"));
    CU_ASSERT_EQUAL(file_open_regular("/dev/null", &f, &size), MNL_ERR_IO);
    CU_ASSERT_PTR_NOT_NULL(strstr(mnl_last_error(), "/dev/null: is a character device"));
    CU_ASSERT_EQUAL(file_open_regular(test_tmpdir(), &f, &size), MNL_ERR_IO);
    CU_ASSERT_PTR_NOT_NULL(strstr(mnl_last_error(), "is a directory"));
    unlink(test_path("unit.fifo"));
}

/* ==== 2. a full disk: no cut picture, the cause named, no mixture of two runs ==== */

/* Mount a tmpfs of `size` at dir; the suite runs as root (CI does), so not mounting is a failure,
 * not a skip. */
static void mount_tmpfs(const char *dir, const char *size)
{
    char cmd[1024];
    mkdir(dir, 0777);
    snprintf(cmd, sizeof cmd, "mount -t tmpfs -o size=%s tmpfs '%s'", size, dir);
    CU_ASSERT_FATAL(system(cmd) == 0);
}

static void unmount(const char *dir)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "umount '%s'", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

static void assert_every_png_complete(const char *dir)
{
    static const char *const pngs[] = {"curves.png", "samples.png", "confusion.png"};
    for (int i = 0; i < 3; i++) {
        const char *p = in_dir(dir, pngs[i]);
        if (!path_present(p))
            continue;
        int rc = png_check_complete(p);
        if (rc)
            fprintf(stderr, "\n    %s\n", mnl_last_error());
        CU_ASSERT_EQUAL(rc, MNL_OK);
    }
    CU_ASSERT_EQUAL(count_matching(dir, "\\.tmp\\."), 0);
}

/* The case: a 200 KiB disk, the whole softmax experiment for one epoch. The disk fills
 * while gnuplot writes confusion.png, and gnuplot exits 0 anyway. */
static void test_hostile_full_disk_leaves_no_cut_picture_and_names_the_cause(void)
{
    if (!need_runs())
        return;
    char mnt[768], dir[800], args[1200];
    snprintf(mnt, sizeof mnt, "%s", test_path("h-small"));
    mount_tmpfs(mnt, "200k");
    snprintf(dir, sizeof dir, "%s/run", mnt);
    snprintf(args, sizeof args, "train experiments/softmax.conf --set train.epochs=1 --out '%s'", dir);
    assert_refused(run_cli(NULL, args), "h-small/run", NULL);
    CU_ASSERT(strstr(err_text(), "no space left on device") ||
              strstr(err_text(), "No space left on device"));
    CU_ASSERT_PTR_NULL(strstr(err_text(), "config.used"));
    assert_every_png_complete(dir);
    unmount(mnt);
}

/* Over a previous run: the checkpoint and metrics of the new epoch fit, the plots do not. The
 * folder must come out as the previous run left it, not new numbers beside old pictures. */
static void test_hostile_full_disk_over_a_previous_run_leaves_it_whole(void)
{
    if (!need_runs())
        return;
    char mnt[768], dir[800], cmd[4096], args[2048];
    snprintf(mnt, sizeof mnt, "%s", test_path("h-full-over"));
    mount_tmpfs(mnt, "1m");
    snprintf(dir, sizeof dir, "%s/run", mnt);
    /* fill the disk, then free 24 KiB: room for the checkpoint (about 19 KB) and metrics */
    snprintf(cmd, sizeof cmd, "cp -a '%s' '%s' && { dd if=/dev/zero of='%s/filler' bs=4096 "
             "2>/dev/null; truncate -s -24576 '%s/filler'; }", run1, dir, mnt, mnt);
    CU_ASSERT_FATAL(run1[0] && system(cmd) == 0);
    snprintf(args, sizeof args, RUN_ARGS " --set train.epochs=1 --set train.seed=2 --overwrite "
             "--out '%s'", dir);
    assert_refused(run_cli(NULL, args), "No space left on device", "holds the previous files as they "
                   "were before this run");
    CU_ASSERT_PTR_NOT_NULL(strstr(out_text(), "epoch   1/1"));   /* it did train and save */
    assert_same_tree(run1, dir);
    unmount(mnt);
}

static void test_hostile_png_check_reads_to_iend(void)
{
    if (!need_runs())
        return;
    CU_ASSERT_FATAL(run1[0] != '\0');
    unsigned char *png;
    size_t n;
    CU_ASSERT_FATAL(file_read_all(in_dir(run1, "curves.png"), 1 << 24, &png, &n) == MNL_OK);
    const char *p = test_path("unit.png");
    CU_ASSERT_FATAL(test_write_file(p, png, n) == 0);
    CU_ASSERT_EQUAL(png_check_complete(p), MNL_OK);
    CU_ASSERT_FATAL(test_write_file(p, png, n / 2) == 0);            /* cut, as on a full disk */
    CU_ASSERT_EQUAL(png_check_complete(p), MNL_ERR_IO);
    CU_ASSERT_PTR_NOT_NULL(strstr(mnl_last_error(), "no IEND chunk"));
    CU_ASSERT_FATAL(test_write_file(p, png, n - 12) == 0);           /* everything but IEND */
    CU_ASSERT_EQUAL(png_check_complete(p), MNL_ERR_IO);
    png[n / 2] ^= 0x40;                                             /* a flipped bit */
    CU_ASSERT_FATAL(test_write_file(p, png, n) == 0);
    CU_ASSERT_EQUAL(png_check_complete(p), MNL_ERR_IO);
    CU_ASSERT_PTR_NOT_NULL(strstr(mnl_last_error(), "bad CRC"));
    free(png);
}

/* ==== 3. resume cross-checks metrics.csv against the checkpoint ==== */

static void resume_refused(const char *dir, int epochs, const char *a, const char *b)
{
    char args[2048];
    snprintf(args, sizeof args, RUN_ARGS " --set train.epochs=%d --out '%s' --resume", epochs, dir);
    assert_refused(run_cli(NULL, args), a, b);
}

/* Rewrite dir/metrics.csv keeping the lines whose numbers (1-based) are listed, in that order. */
static void keep_metrics_lines(const char *dir, const int *lines, int n)
{
    char text[8192], out[16384] = "", *line[64];
    snprintf(text, sizeof text, "%s", test_slurp(in_dir(dir, "metrics.csv")));
    int k = 0;
    for (char *s = text; *s && k < 64;) {
        line[k++] = s;
        char *nl = strchr(s, '\n');
        if (!nl)
            break;
        *nl = '\0';
        s = nl + 1;
    }
    for (int i = 0; i < n; i++)
        if (lines[i] >= 1 && lines[i] <= k)
            snprintf(out + strlen(out), sizeof out - strlen(out), "%s\n", line[lines[i] - 1]);
    CU_ASSERT_FATAL(test_write_file(in_dir(dir, "metrics.csv"), out, strlen(out)) == 0);
}

static void test_hostile_resume_refuses_metrics_cut_to_its_header(void)
{
    if (!need_runs())
        return;
    const char *dir = copy_of(run2, "h-cut-metrics");
    keep_metrics_lines(dir, (int[]){1}, 1);
    resume_refused(dir, 3, "metrics.csv:2: the file ends here", "recorded 2 rows up to epoch 2");
}

static void test_hostile_resume_refuses_a_duplicated_row(void)
{
    if (!need_runs())
        return;
    const char *dir = copy_of(run2, "h-dup-metrics");
    keep_metrics_lines(dir, (int[]){1, 2, 2, 3}, 4);
    resume_refused(dir, 3, "metrics.csv:3: epoch 1 appears twice", NULL);
}

static void test_hostile_resume_refuses_a_row_beyond_the_checkpoint(void)
{
    if (!need_runs())
        return;
    const char *dir = copy_of(run2, "h-extra-metrics");
    keep_metrics_lines(dir, (int[]){1, 2, 3, 3}, 4);
    resume_refused(dir, 3, "metrics.csv:4: epoch 2 appears twice", NULL);
}

static void test_hostile_resume_refuses_a_row_with_other_figures(void)
{
    if (!need_runs())
        return;
    const char *dir = copy_of(run2, "h-changed-metrics");
    char text[8192];
    snprintf(text, sizeof text, "%s", test_slurp(in_dir(dir, "metrics.csv")));
    char *row2 = strstr(text, "\n2,");
    CU_ASSERT_FATAL(row2 != NULL && row2[3] == '0' && row2[4] == '.');
    row2[5] = row2[5] == '9' ? '1' : '9';                  /* epoch 2's training loss */
    CU_ASSERT_FATAL(test_write_file(in_dir(dir, "metrics.csv"), text, strlen(text)) == 0);
    resume_refused(dir, 3, "metrics.csv:3: differs from the row", "model.ckpt recorded 2 rows");
}

/* The run stopped between renaming the checkpoint and metrics.csv into place: metrics.csv lacks
 * the last row, which the checkpoint holds; the resume restores it and goes on. */
static void test_hostile_resume_restores_the_last_row_the_checkpoint_holds(void)
{
    if (!need_runs())
        return;
    const char *dir = copy_of(run2, "h-short-metrics");
    char whole[8192];
    snprintf(whole, sizeof whole, "%s", test_slurp(in_dir(run2, "metrics.csv")));
    keep_metrics_lines(dir, (int[]){1, 2}, 2);
    char args[2048];
    snprintf(args, sizeof args, RUN_ARGS " --set train.epochs=2 --out '%s' --resume", dir);
    CU_ASSERT_EQUAL(run_cli(NULL, args), 0);
    CU_ASSERT_STRING_EQUAL(test_slurp(in_dir(dir, "metrics.csv")), whole);
}

static void test_hostile_resume_refuses_fewer_epochs_than_done(void)
{
    if (!need_runs())
        return;
    const char *dir = copy_of(run2, "h-fewer-epochs");
    resume_refused(dir, 1, "--resume with train.epochs = 1", "holds 2 epochs done");
    assert_same_tree(run2, dir);
}

static pid_t spawn(const char *args, const char *out)
{
    pid_t pid = fork();
    if (pid == 0) {
        char cmd[4096];
        snprintf(cmd, sizeof cmd, "exec %s %s >'%s' 2>&1 </dev/null", test_program(), args, out);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    return pid;
}


/* Issue 14 item 5: interrupted in epoch 2, resumed with train.epochs = 1. */
static void test_hostile_resume_refuses_fewer_epochs_than_in_progress(void)
{
    if (!need_runs())
        return;
    const char *dir = test_path("h-in-progress");
    char args[2048];
    snprintf(args, sizeof args, SLOW_ARGS " --set train.epochs=3 --out '%s'", dir);
    pid_t pid = spawn(args, test_path("h-bg.out"));
    CU_ASSERT_FATAL(pid > 0);
    /* best.ckpt is the last file epoch 1 writes: epoch 2 (1.5 s and more) begins right after it */
    CU_ASSERT_EQUAL(test_wait_for(in_dir(dir, "best.ckpt"), NULL, 60.0), 0);
    kill(pid, SIGINT);
    int st;
    waitpid(pid, &st, 0);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 130);
    const char *said = test_slurp(test_path("h-bg.out"));
    if (!strstr(said, "stopped in epoch 2 after batch")) {
        CU_FAIL("the run did not stop inside epoch 2");
        fprintf(stderr, "\n    %s\n", said);
        return;
    }
    snprintf(args, sizeof args, SLOW_ARGS " --set train.epochs=1 --out '%s' --resume", dir);
    assert_refused(run_cli(NULL, args), "--resume with train.epochs = 1",
                   "holds 1 epoch done and epoch 2 in progress");
    CU_ASSERT_PTR_NOT_NULL(strstr(err_text(), "train.epochs = 2 or more"));
}

/* ==== 4. every set holds at least one image ==== */

/* A data directory of links to the real files, with `images` and `labels` (IDX basenames)
 * replaced by valid IDX files of zero items. */
static const char *data_dir_with_empty(const char *dirname, const char *images, const char *labels)
{
    const char *dir = data_dir_with_special(dirname, images, 3);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "rm -f '%s/%s' '%s/%s.gz'", dir, labels, dir, labels);
    CU_ASSERT_FATAL(system(cmd) == 0);
    const unsigned char img[16] = {0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 28, 0, 0, 0, 28};
    const unsigned char lab[8] = {0, 0, 8, 1, 0, 0, 0, 0};
    CU_ASSERT_FATAL(test_write_file(in_dir(dir, images), img, sizeof img) == 0);
    CU_ASSERT_FATAL(test_write_file(in_dir(dir, labels), lab, sizeof lab) == 0);
    return dir;
}

static void test_hostile_empty_test_set_is_refused_with_its_file(void)
{
    if (!test_need_mnist())
        return;
    const char *d = data_dir_with_empty("data-empty-test", "t10k-images-idx3-ubyte",
                                        "t10k-labels-idx1-ubyte");
    train_with_data(d, "t10k-images-idx3-ubyte: holds no test images", NULL);
}

static void test_hostile_empty_training_set_is_refused_with_its_file(void)
{
    if (!test_need_mnist())
        return;
    const char *d = data_dir_with_empty("data-empty-train", "train-images-idx3-ubyte",
                                        "train-labels-idx1-ubyte");
    char env[1100], args[2048];
    snprintf(env, sizeof env, "MNIST_DIR='%s'", d);
    /* no validation split and no subset: the empty file is all the training set there is */
    snprintf(args, sizeof args, "train experiments/softmax.conf --set data.validation=none "
             "--set train.epochs=1 --out '%s'", test_path("h-empty-train"));
    assert_refused(run_cli(env, args), "train-images-idx3-ubyte: holds no training images",
                   "at least one batch");
}

/* ==== 6. environment variables: the checks of the settings they stand for ==== */

static void test_hostile_threads_variable_out_of_range_is_refused(void)
{
    assert_refused(run_cli("MNISTLAB_THREADS=100000", "info experiments/softmax.conf"),
                   "MNISTLAB_THREADS=100000: out of range (1 to 256", NULL);
}

static void test_hostile_threads_variable_that_is_not_a_number_is_refused(void)
{
    assert_refused(run_cli("MNISTLAB_THREADS=four", "info experiments/softmax.conf"),
                   "MNISTLAB_THREADS=\"four\": not a whole number (1 to 256, as for --threads", NULL);
}

static void test_hostile_live_interval_variable_is_checked(void)
{
    if (!need_runs())
        return;
    char args[2048];
    snprintf(args, sizeof args, RUN_ARGS " --set train.epochs=1 --out '%s'", test_path("h-live"));
    assert_refused(run_cli("MNISTLAB_LIVE_INTERVAL=soon", args),
                   "MNISTLAB_LIVE_INTERVAL=\"soon\": not a finite number", NULL);
    assert_refused(run_cli("MNISTLAB_LIVE_INTERVAL=-1", args), "MNISTLAB_LIVE_INTERVAL=-1: out of "
                   "range (0 to 86400", NULL);
    CU_ASSERT_FALSE(path_present(test_path("h-live")));
}

static void test_hostile_data_dir_variable_naming_no_folder_is_refused(void)
{
    if (!need_runs())
        return;
    char args[2048];
    snprintf(args, sizeof args, RUN_ARGS " --set train.epochs=1 --out '%s'", test_path("h-nodata"));
    assert_refused(run_cli("MNIST_DIR=/no/such/mnist", args), "the folder /no/such/mnist does not "
                   "exist, and MNIST_DIR names it", NULL);
}

static void test_hostile_plots_variable_naming_no_scripts_is_named(void)
{
    if (!need_runs())
        return;
    char args[2048];
    snprintf(args, sizeof args, RUN_ARGS " --set train.epochs=1 --out '%s'", test_path("h-noplots"));
    assert_refused(run_cli("MNISTLAB_PLOTS=/no/such/plots", args),
                   "MNISTLAB_PLOTS=/no/such/plots: no curves.gp there", NULL);
    CU_ASSERT_FALSE(path_present(test_path("h-noplots")));    /* refused before training */
}

static void test_hostile_threads_variable_in_range_is_used(void)
{
    if (!need_runs())
        return;
    char args[2048];
    snprintf(args, sizeof args, RUN_ARGS " --set train.epochs=1 --out '%s'", test_path("h-threads"));
    CU_ASSERT_EQUAL(run_cli("MNISTLAB_THREADS=1", args), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out_text(), "1 thread)"));
}

/* ==== 7. a finite blow-up is a divergence ==== */

static void test_hostile_mlp_with_adam_at_lr_100_diverges(void)
{
    if (!test_need_mnist())
        return;
    char args[2048];
    snprintf(args, sizeof args, "train experiments/mlp.conf --set train.lr=100 --set train.epochs=2 "
             "--set 'data.subset=5000 1000' --out '%s'", test_path("h-blow-up"));
    assert_refused(run_cli(NULL, args), "diverged at epoch 1: training loss",
                   "times the chance level 2.303 (ln 10)");
    CU_ASSERT_FALSE(path_present(in_dir(test_path("h-blow-up"), "summary.txt")));
}

/* ==== 8. one run at a time in a folder ==== */

static void test_hostile_second_run_into_a_held_folder_is_refused_naming_the_holder(void)
{
    if (!need_runs())
        return;
    const char *dir = test_path("h-held");
    char args[2048];
    snprintf(args, sizeof args, SLOW_ARGS " --set train.epochs=50 --out '%s'", dir);
    pid_t pid = spawn(args, test_path("h-holder.out"));
    CU_ASSERT_FATAL(pid > 0);
    CU_ASSERT_EQUAL(test_wait_for(in_dir(dir, "metrics.csv"), NULL, 60.0), 0);   /* it is training */
    char holder[32];
    snprintf(holder, sizeof holder, "process %ld holds", (long)pid);
    snprintf(args, sizeof args, RUN_ARGS " --set train.epochs=1 --out '%s'", dir);
    assert_refused(run_cli(NULL, args), "h-held: in use by another run", holder);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    /* killed, it could not release the lock; the next run finds it stale and takes it over */
    CU_ASSERT_TRUE(path_present(in_dir(dir, ".mnistlab.lock")));
    snprintf(args, sizeof args, RUN_ARGS " --set train.epochs=1 --overwrite --out '%s'", dir);
    CU_ASSERT_EQUAL(run_cli(NULL, args), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out_text(), "no longer running; taken over"));
    CU_ASSERT_FALSE(path_present(in_dir(dir, ".mnistlab.lock")));
}

static void test_hostile_stale_lock_of_a_dead_process_is_taken_over(void)
{
    if (!need_runs())
        return;
    const char *dir = copy_of(run1, "h-stale");
    char pid[32], args[2048];
    snprintf(pid, sizeof pid, "%ld\n", dead_pid());
    CU_ASSERT_FATAL(test_write_file(in_dir(dir, ".mnistlab.lock"), pid, strlen(pid)) == 0);
    snprintf(args, sizeof args, RUN_ARGS " --set train.epochs=1 --out '%s'", dir);
    CU_ASSERT_EQUAL(run_cli(NULL, args), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out_text(), "no longer running; taken over"));
    CU_ASSERT_FALSE(path_present(in_dir(dir, ".mnistlab.lock")));
}

/* Released on every way out: success, a refusal after the lock was taken, an interrupt. */
static void test_hostile_lock_is_released_on_every_exit_path(void)
{
    if (!need_runs())
        return;
    const char *dir = copy_of(run2, "h-release");
    char args[2048];
    snprintf(args, sizeof args, RUN_ARGS " --set train.epochs=1 --out '%s' --resume", dir);
    CU_ASSERT_EQUAL(run_cli(NULL, args), 1);                  /* fewer epochs: refused */
    CU_ASSERT_FALSE(path_present(in_dir(dir, ".mnistlab.lock")));
    snprintf(args, sizeof args, RUN_ARGS " --set train.epochs=2 --out '%s'", dir);
    CU_ASSERT_EQUAL(run_cli(NULL, args), 0);
    CU_ASSERT_FALSE(path_present(in_dir(dir, ".mnistlab.lock")));
    snprintf(args, sizeof args, SLOW_ARGS " --set train.epochs=5 --out '%s'", test_path("h-release2"));
    pid_t pid = spawn(args, test_path("h-release.out"));
    CU_ASSERT_FATAL(pid > 0);
    const char *dir2 = test_path("h-release2");
    CU_ASSERT_EQUAL(test_wait_for(in_dir(dir2, "metrics.csv"), NULL, 60.0), 0);
    CU_ASSERT_TRUE(path_present(in_dir(dir2, ".mnistlab.lock")));
    kill(pid, SIGTERM);
    int st;
    waitpid(pid, &st, 0);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 143);
    CU_ASSERT_FALSE(path_present(in_dir(dir2, ".mnistlab.lock")));
}

/* In-process: a child holds the lock; the parent is refused with the child's process id. */
static void test_hostile_dir_lock_names_the_process_that_holds_it(void)
{
    const char *dir = test_path("h-unit-lock");
    mkdir(dir, 0777);
    int go[2], held[2];
    CU_ASSERT_FATAL(pipe(go) == 0 && pipe(held) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        DirLock l;
        char c = dir_lock(&l, dir) == MNL_OK ? 'y' : 'n';
        if (write(held[1], &c, 1) != 1 || read(go[0], &c, 1) < 0)
            _exit(2);
        dir_unlock(&l);
        _exit(0);
    }
    char c = 0;
    CU_ASSERT_FATAL(read(held[0], &c, 1) == 1 && c == 'y');
    DirLock mine;
    CU_ASSERT_EQUAL(dir_lock(&mine, dir), MNL_ERR_LOCKED);
    char want[64];
    snprintf(want, sizeof want, "process %ld holds", (long)pid);
    CU_ASSERT_PTR_NOT_NULL(strstr(mnl_last_error(), want));
    CU_ASSERT(write(go[1], "x", 1) == 1);
    waitpid(pid, NULL, 0);
    CU_ASSERT_EQUAL(dir_lock(&mine, dir), MNL_OK);          /* released: ours now */
    CU_ASSERT_EQUAL(mine.stale_pid, 0);
    dir_unlock(&mine);
    CU_ASSERT_FALSE(path_present(in_dir(dir, ".mnistlab.lock")));
    close(go[0]), close(go[1]), close(held[0]), close(held[1]);
}

/* ==== 9. every message keeps its reason ==== */

static void test_hostile_long_hidden_value_keeps_the_reason(void)
{
    char args[1024] = "info experiments/mlp.conf --set model.hidden=";
    size_t k = strlen(args);
    memset(args + k, '1', 600);
    args[k + 600] = '\0';
    assert_refused(run_cli(NULL, args), "model.hidden", "is out of range (1 to 65536)");
}

static void test_hostile_long_out_folder_keeps_the_reason_and_creates_nothing(void)
{
    if (!need_runs())
        return;
    /* a folder the system takes, but with no room under PATH_MAX for the run's files in it */
    char top[800], out[PATH_MAX + 64], args[PATH_MAX + 600];
    snprintf(top, sizeof top, "%s", test_path("h-long-out"));
    int k = snprintf(out, sizeof out, "%s", top);
    while (k < PATH_MAX - 56)
        k += snprintf(out + k, sizeof out - (size_t)k, "/%s",
                      "ddddddddddddddddddddddddddddddddddddddddddddddddd");
    snprintf(args, sizeof args, RUN_ARGS " --set train.epochs=1 --out '%s'", out);
    assert_refused(run_cli(NULL, args), "it would pass the system's limit of",
                   "nothing was created");
    CU_ASSERT_FALSE(path_present(top));
}

static void test_hostile_nul_byte_in_settings_is_named(void)
{
    const char text[] = "[model]\nfamily = soft\0max\n";
    const char *p = test_path("nul.conf");
    CU_ASSERT_FATAL(test_write_file(p, text, sizeof text - 1) == 0);
    char args[1200];
    snprintf(args, sizeof args, "info '%s'", p);
    assert_refused(run_cli(NULL, args), "nul.conf:2: the line holds a NUL byte", NULL);
}

static void test_hostile_section_line_without_its_bracket_blames_its_own_line(void)
{
    const char text[] = "[model]\nfamily = softmax\n[train\nepochs = 2\n";
    const char *p = test_path("bracket.conf");
    CU_ASSERT_FATAL(test_write_file(p, text, sizeof text - 1) == 0);
    char args[1200];
    snprintf(args, sizeof args, "info '%s'", p);
    assert_refused(run_cli(NULL, args), "bracket.conf:3: section line \"[train\" has no closing ]",
                   NULL);
}

static void test_hostile_symlink_loop_is_named_as_a_loop(void)
{
    if (!need_runs())
        return;
    const char *d = data_dir_with_special("data-loop", "train-labels-idx1-ubyte", 1);
    train_with_data(d, "train-labels-idx1-ubyte: cannot open: Too many levels of symbolic links",
                    NULL);
}

static void test_hostile_dangling_link_is_named_as_such(void)
{
    if (!need_runs())
        return;
    const char *d = data_dir_with_special("data-dangling", "train-labels-idx1-ubyte", 2);
    train_with_data(d, "train-labels-idx1-ubyte: cannot open: a symbolic link to a file that does "
                    "not exist", NULL);
}

static void test_hostile_error_detail_keeps_the_end_of_a_long_message(void)
{
    static char path[3 * MNL_DETAIL_MAX];
    memset(path, 'p', sizeof path - 1);
    path[sizeof path - 1] = '\0';
    mnl_fail(MNL_ERR_IO, "%s: cannot write: %s", path, "No space left on device");
    const char *d = mnl_last_error();
    CU_ASSERT(strlen(d) < MNL_DETAIL_MAX);
    CU_ASSERT_PTR_NOT_NULL(strstr(d, " [...] "));
    size_t n = strlen(d);
    CU_ASSERT(n > 24 && strcmp(d + n - 23, "No space left on device") == 0);
    /* a detail may quote the one before it */
    mnl_fail(MNL_ERR_IO, "first");
    mnl_fail(MNL_ERR_IO, "%s; then second", mnl_last_error());
    CU_ASSERT_STRING_EQUAL(mnl_last_error(), "first; then second");
}

/* ==== 10. temporary files of a dead run are removed by the next run ==== */

static void test_hostile_temp_files_of_a_dead_run_are_removed(void)
{
    if (!need_runs())
        return;
    const char *dir = copy_of(run1, "h-temps");
    long dead = dead_pid();
    char a[64], b[64], live[64];
    snprintf(a, sizeof a, "model.ckpt.tmp.%ld", dead);
    snprintf(b, sizeof b, "curves.png.tmp.%ld.png", dead);
    snprintf(live, sizeof live, "summary.txt.tmp.%ld", (long)getpid());   /* a live writer's */
    CU_ASSERT_FATAL(test_write_file(in_dir(dir, a), "x", 1) == 0);
    CU_ASSERT_FATAL(test_write_file(in_dir(dir, b), "x", 1) == 0);
    CU_ASSERT_FATAL(test_write_file(in_dir(dir, live), "x", 1) == 0);
    char args[2048];
    snprintf(args, sizeof args, RUN_ARGS " --set train.epochs=2 --out '%s' --resume", dir);
    CU_ASSERT_EQUAL(run_cli(NULL, args), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out_text(), "removed 2 temporary files"));
    CU_ASSERT_FALSE(path_present(in_dir(dir, a)));
    CU_ASSERT_FALSE(path_present(in_dir(dir, b)));
    CU_ASSERT_TRUE(path_present(in_dir(dir, live)));
}

int register_hostile_tests(void)
{
    CU_pSuite s = CU_add_suite("hostile", make_runs, NULL);
    if (!s)
        return -1;
    struct { const char *name; CU_TestFunc fn; } tests[] = {
#define T(name) {#name, test_##name}
        T(hostile_settings_file_that_is_a_fifo_is_refused_at_once),
        T(hostile_settings_file_dev_zero_is_refused_at_once),
        T(hostile_settings_file_that_is_a_directory_is_named),
        T(hostile_idx_file_that_is_a_fifo_is_refused_at_once),
        T(hostile_checkpoint_that_is_a_fifo_is_refused_at_once),
        T(hostile_checkpoint_dev_zero_is_refused_at_once),
        T(hostile_image_that_is_a_fifo_is_refused_at_once),
        T(hostile_resume_with_metrics_csv_a_fifo_is_refused_at_once),
        T(hostile_compare_passes_over_a_summary_that_is_a_fifo),
        T(hostile_file_open_regular_names_the_type),
        T(hostile_full_disk_leaves_no_cut_picture_and_names_the_cause),
        T(hostile_full_disk_over_a_previous_run_leaves_it_whole),
        T(hostile_png_check_reads_to_iend),
        T(hostile_resume_refuses_metrics_cut_to_its_header),
        T(hostile_resume_refuses_a_duplicated_row),
        T(hostile_resume_refuses_a_row_beyond_the_checkpoint),
        T(hostile_resume_refuses_a_row_with_other_figures),
        T(hostile_resume_restores_the_last_row_the_checkpoint_holds),
        T(hostile_resume_refuses_fewer_epochs_than_done),
        T(hostile_resume_refuses_fewer_epochs_than_in_progress),
        T(hostile_empty_test_set_is_refused_with_its_file),
        T(hostile_empty_training_set_is_refused_with_its_file),
        T(hostile_threads_variable_out_of_range_is_refused),
        T(hostile_threads_variable_that_is_not_a_number_is_refused),
        T(hostile_threads_variable_in_range_is_used),
        T(hostile_live_interval_variable_is_checked),
        T(hostile_data_dir_variable_naming_no_folder_is_refused),
        T(hostile_plots_variable_naming_no_scripts_is_named),
        T(hostile_mlp_with_adam_at_lr_100_diverges),
        T(hostile_second_run_into_a_held_folder_is_refused_naming_the_holder),
        T(hostile_stale_lock_of_a_dead_process_is_taken_over),
        T(hostile_lock_is_released_on_every_exit_path),
        T(hostile_dir_lock_names_the_process_that_holds_it),
        T(hostile_long_hidden_value_keeps_the_reason),
        T(hostile_long_out_folder_keeps_the_reason_and_creates_nothing),
        T(hostile_nul_byte_in_settings_is_named),
        T(hostile_section_line_without_its_bracket_blames_its_own_line),
        T(hostile_symlink_loop_is_named_as_a_loop),
        T(hostile_dangling_link_is_named_as_such),
        T(hostile_error_detail_keeps_the_end_of_a_long_message),
        T(hostile_temp_files_of_a_dead_run_are_removed),
#undef T
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            return -1;
    return 0;
}
