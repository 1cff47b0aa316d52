/* tests/test_rundir: the run folder has one owner (experiments/rundir). What a learner, and a
 * hostile one, does to a results folder: train into a folder of their own files, compare a run
 * that never finished, resume a finished run, two sweeps at once, compare while a run rewrites a
 * folder, a signal while the pictures are drawn, the report and page after the first run, the
 * compare hint outside a results folder, the rate the schedule gave, and the test runner's own
 * missing-data policy. Needs real MNIST (each case trains a fraction of a second). */
#include <CUnit/CUnit.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fileio.h"
#include "experiments/rundir.h"
#include "tests/test_util.h"

#define QUICK "train experiments/softmax.conf --set 'data.classes=4 9' " \
              "--set 'data.subset=2000 500' --set data.validation=none --set train.epochs=2"

static int run_cli(const char *env, const char *args)
{
    char limit[1400];
    snprintf(limit, sizeof limit, "%s timeout %.0f", env ? env : "", test_deadline(120.0));
    return test_run_program(limit, args, 0, test_path("rundir.out"), test_path("rundir.err"));
}

static const char *out_text(void) { return test_slurp(test_path("rundir.out")); }
static const char *err_text(void) { return test_slurp(test_path("rundir.err")); }

static const char *in_dir(const char *dir, const char *name)
{
    static char bufs[8][2400];
    static int k;
    char *b = bufs[k++ % 8];
    snprintf(b, sizeof bufs[0], "%s/%s", dir, name);
    return b;
}

static void write_text(const char *path, const char *text)
{
    CU_ASSERT_FATAL(test_write_file(path, text, strlen(text)) == 0);
}

/* A finished quick run in dir (made afresh). */
static int train_quick(const char *dir, const char *more)
{
    char args[2048];
    snprintf(args, sizeof args, QUICK " %s --out '%s'", more ? more : "", dir);
    return run_cli(NULL, args);
}

/* ---- a folder of the user's is never touched ---- */

static void test_rundir_folder_of_user_files_is_refused_naming_them(void)
{
    if (!test_need_mnist())
        return;
    const char *dir = test_path("user-folder");
    mkdir(dir, 0777);
    write_text(in_dir(dir, "predict.notes"), "mine\n");
    write_text(in_dir(dir, "weights.txt"), "mine\n");
    write_text(in_dir(dir, "features-of-my-cat.png"), "mine\n");
    write_text(in_dir(dir, "curves.png"), "my own curves\n");
    write_text(in_dir(dir, "draft.tmp.999999"), "mine\n");
    char args[2048];
    snprintf(args, sizeof args, QUICK " --out '%s'", dir);
    CU_ASSERT_EQUAL(run_cli(NULL, args), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err_text(), "that mnistlab did not write"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err_text(), "predict.notes"));
    CU_ASSERT_STRING_EQUAL(test_slurp(in_dir(dir, "predict.notes")), "mine\n");
    CU_ASSERT_STRING_EQUAL(test_slurp(in_dir(dir, "weights.txt")), "mine\n");
    CU_ASSERT_STRING_EQUAL(test_slurp(in_dir(dir, "features-of-my-cat.png")), "mine\n");
    CU_ASSERT_STRING_EQUAL(test_slurp(in_dir(dir, "curves.png")), "my own curves\n");
    CU_ASSERT_STRING_EQUAL(test_slurp(in_dir(dir, "draft.tmp.999999")), "mine\n");
    CU_ASSERT_FALSE(path_present(in_dir(dir, "model.ckpt")));
}

/* A command's files in a folder that is not a run's: the folder's list (.mnistlab-files) names
 * what the suite wrote; anything else is the user's and is never replaced. */
static void test_rundir_claim_outputs_refuses_a_users_file_and_lists_its_own(void)
{
    const char *dir = test_path("claim-user");
    mkdir(dir, 0777);
    static const char *const diff_files[] = {"DIFF.md", "fixed.png", "classes.dat", NULL};
    write_text(in_dir(dir, "fixed.png"), "my picture\n");
    mnl_clear_error();
    CU_ASSERT_EQUAL(rundir_claim_outputs(dir, diff_files, "DIFF.md"), MNL_ERR_CONFIG);
    CU_ASSERT_PTR_NOT_NULL(strstr(mnl_last_error(), "claim-user/fixed.png is there and mnistlab has "
                                                    "no record of writing it"));
    CU_ASSERT_STRING_EQUAL(test_slurp(in_dir(dir, "fixed.png")), "my picture\n");
    CU_ASSERT_FALSE(path_present(in_dir(dir, RUNDIR_FILES_LIST)));   /* nothing written */
    /* the data drawn beside a picture is the picture's: a user's fixed.grid.dat is refused too */
    unlink(in_dir(dir, "fixed.png"));
    write_text(in_dir(dir, "fixed.grid.dat"), "my numbers\n");
    CU_ASSERT_EQUAL(rundir_claim_outputs(dir, diff_files, "DIFF.md"), MNL_ERR_CONFIG);
    CU_ASSERT_PTR_NOT_NULL(strstr(mnl_last_error(), "fixed.grid.dat"));
    unlink(in_dir(dir, "fixed.grid.dat"));
    /* a link in the place of a file is not the suite's file either */
    CU_ASSERT_FATAL(symlink("/etc/hostname", in_dir(dir, "classes.dat")) == 0);
    CU_ASSERT_EQUAL(rundir_claim_outputs(dir, diff_files, "DIFF.md"), MNL_ERR_CONFIG);
    unlink(in_dir(dir, "classes.dat"));
    /* a user's file of another name stays beside the outputs, untouched */
    write_text(in_dir(dir, "notes.txt"), "mine\n");
    CU_ASSERT_EQUAL(rundir_claim_outputs(dir, diff_files, "DIFF.md"), MNL_OK);
    CU_ASSERT_STRING_EQUAL(test_slurp(in_dir(dir, RUNDIR_FILES_LIST)),
                           "mnistlab files 1\nDIFF.md\nfixed.png\nclasses.dat\n");
    write_text(in_dir(dir, "fixed.png"), "drawn by the suite\n");
    write_text(in_dir(dir, "fixed.grid.dat"), "drawn by the suite\n");
    CU_ASSERT_EQUAL(rundir_claim_outputs(dir, diff_files, "DIFF.md"), MNL_OK);   /* its own */
    /* any file name is one entry of the list: a space, a newline, a '%' are written %XX */
    static const char *const odd[] = {"my pic.png", "two\nlines.png", "100%.png", NULL};
    CU_ASSERT_EQUAL(rundir_claim_outputs(dir, odd, NULL), MNL_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(in_dir(dir, RUNDIR_FILES_LIST)),
                                  "\nmy%20pic.png\ntwo%0Alines.png\n100%25.png\n"));
    write_text(in_dir(dir, "two\nlines.png"), "drawn by the suite\n");
    CU_ASSERT_EQUAL(rundir_claim_outputs(dir, odd, NULL), MNL_OK);    /* read back as written */
}

/* Folders of an earlier mnistlab, without a list: a diff's files are the suite's when its DIFF.md is
 * there; a run folder lists a command's files in its manifest. */
static void test_rundir_claim_outputs_takes_an_earlier_folder_by_its_mark(void)
{
    const char *dir = test_path("claim-legacy");
    mkdir(dir, 0777);
    static const char *const diff_files[] = {"DIFF.md", "fixed.png", NULL};
    write_text(in_dir(dir, "fixed.png"), "an earlier diff's\n");
    CU_ASSERT_EQUAL(rundir_claim_outputs(dir, diff_files, "DIFF.md"), MNL_ERR_CONFIG);  /* no mark */
    write_text(in_dir(dir, "DIFF.md"), "# an earlier diff\n");
    CU_ASSERT_EQUAL(rundir_claim_outputs(dir, diff_files, NULL), MNL_ERR_CONFIG);
    CU_ASSERT_EQUAL(rundir_claim_outputs(dir, diff_files, "DIFF.md"), MNL_OK);
    CU_ASSERT_TRUE(path_present(in_dir(dir, RUNDIR_FILES_LIST)));

    const char *run = test_path("claim-run");
    mkdir(run, 0777);
    write_text(in_dir(run, RUNDIR_MANIFEST), "mnistlab run folder manifest 1\nconfig.used\n");
    write_text(in_dir(run, "attack.csv"), "mine\n");
    static const char *const attack_files[] = {"attack.csv", "attack.png", NULL};
    CU_ASSERT_EQUAL(rundir_claim_outputs(run, attack_files, NULL), MNL_ERR_CONFIG);
    CU_ASSERT_STRING_EQUAL(test_slurp(in_dir(run, "attack.csv")), "mine\n");
    unlink(in_dir(run, "attack.csv"));
    CU_ASSERT_EQUAL(rundir_claim_outputs(run, attack_files, NULL), MNL_OK);
    CU_ASSERT_STRING_EQUAL(test_slurp(in_dir(run, RUNDIR_MANIFEST)),
                           "mnistlab run folder manifest 1\nconfig.used\nattack.csv\nattack.png\n");
    CU_ASSERT_FALSE(path_present(in_dir(run, RUNDIR_FILES_LIST)));
}

/* Every command that writes into a folder it is given refuses to replace a user's file there, and
 * leaves it as it was: diff, sweep, robustness, features, attack, predict. */
static void test_rundir_no_command_replaces_a_users_file(void)
{
    if (!test_need_mnist())
        return;
    char run[1200];                              /* test_path's buffers are reused */
    snprintf(run, sizeof run, "%s", test_path("claimed-run"));
    CU_ASSERT_EQUAL_FATAL(train_quick(run, NULL), 0);
    static const struct {
        const char *folder, *file, *args;
    } cases[] = {
        {"user-diff", "broken.png", "diff '%2$s' '%2$s' --out '%1$s'"},
        {"user-robustness", "robustness-shift.png", "robustness '%2$s' --shift 0,1 --out '%1$s'"},
        {"user-features", "weights.png", "features '%2$s/model.ckpt' --out '%1$s'"},
        {"user-attack", "attack.csv", "attack '%2$s' --images 50 --out '%1$s'"},
        {"user-predict", "mine.png", "predict '%2$s/model.ckpt' --index 1 --out '%1$s/mine.png'"},
        {"user-show-data", "mine.png", "show-data --out '%1$s/mine.png'"},
        {"user-sweep", "sweep.png", "sweep experiments/softmax.conf --vary train.lr=0.1,0.2 "
                                    "--set train.epochs=1 --set 'data.subset=500 100' --out '%1$s'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char folder[1200], args[4096];
        snprintf(folder, sizeof folder, "%s", test_path(cases[i].folder));
        mkdir(folder, 0777);
        write_text(in_dir(folder, cases[i].file), "the user's own\n");
        snprintf(args, sizeof args, cases[i].args, folder, run);   /* %1$s folder, %2$s run */
        CU_ASSERT_EQUAL(run_cli(NULL, args), 1);
        CU_ASSERT_PTR_NOT_NULL(strstr(err_text(), "has no record of writing it"));
        CU_ASSERT_PTR_NOT_NULL(strstr(err_text(), cases[i].file));
        CU_ASSERT_STRING_EQUAL(test_slurp(in_dir(folder, cases[i].file)), "the user's own\n");
    }
    /* compare, and the report a run refreshes, in a folder whose REPORT.md is the user's */
    char root[1200], args[2400];
    snprintf(root, sizeof root, "%s", test_path("user-compare"));
    CU_ASSERT_EQUAL_FATAL(train_quick(in_dir(root, "run1"), NULL), 0);
    write_text(in_dir(root, "REPORT.md"), "my notes on these runs\n");
    snprintf(args, sizeof args, "compare '%s'", root);
    CU_ASSERT_EQUAL(run_cli(NULL, args), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err_text(), "REPORT.md is there and mnistlab has no record"));
    CU_ASSERT_EQUAL(train_quick(in_dir(root, "run2"), NULL), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out_text(), "could not refresh"));
    CU_ASSERT_STRING_EQUAL(test_slurp(in_dir(root, "REPORT.md")), "my notes on these runs\n");
    CU_ASSERT_FALSE(path_present(in_dir(root, "index.html")));
}

static void test_rundir_pictures_predict_drew_are_replaced_by_the_next_run(void)
{
    if (!test_need_mnist())
        return;
    const char *dir = test_path("predicted");
    CU_ASSERT_EQUAL_FATAL(train_quick(dir, NULL), 0);
    char args[2048];
    snprintf(args, sizeof args, "predict '%s/model.ckpt' --index 3", dir);
    CU_ASSERT_EQUAL_FATAL(run_cli(NULL, args), 0);
    CU_ASSERT_TRUE(path_present(in_dir(dir, "predict.png")));
    CU_ASSERT_EQUAL(train_quick(dir, "--set train.seed=2 --overwrite"), 0);
    CU_ASSERT_FALSE(path_present(in_dir(dir, "predict.png")));     /* drawn from the old model */
}

/* ---- finished means the completion mark verifies ---- */

static void test_rundir_run_with_a_missing_picture_is_listed_as_incomplete(void)
{
    if (!test_need_mnist())
        return;
    const char *root = test_path("results-missing");
    char good[1200], cut[1200];
    snprintf(good, sizeof good, "%s/good", root);
    snprintf(cut, sizeof cut, "%s/cut", root);
    CU_ASSERT_EQUAL_FATAL(train_quick(good, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(train_quick(cut, "--set train.seed=3"), 0);
    unlink(in_dir(cut, "samples.png"));           /* as when the disk filled up while drawing */
    char args[1400];
    snprintf(args, sizeof args, "compare '%s'", root);
    CU_ASSERT_EQUAL(run_cli(NULL, args), 0);
    const char *report = test_slurp(in_dir(root, "REPORT.md"));
    CU_ASSERT_PTR_NOT_NULL(strstr(report, "| cut | incomplete: samples.png is missing"));
    CU_ASSERT_PTR_NULL(strstr(report, "[cut](./cut/)"));              /* in no table of runs */
    CU_ASSERT_PTR_NOT_NULL(strstr(report, "| [good](./good/) | softmax"));
}

static void test_rundir_completion_mark_names_every_output_with_size_and_checksum(void)
{
    if (!test_need_mnist())
        return;
    const char *dir = test_path("marked");
    CU_ASSERT_EQUAL_FATAL(train_quick(dir, NULL), 0);
    const char *mark = test_slurp(in_dir(dir, "finished.txt"));
    CU_ASSERT(strncmp(mark, "mnistlab run finished 1\n", 24) == 0);
    static const char *const outputs[] = {"metrics.csv ", "curves.png ", "samples.png ",
                                          "confusion.png ", "summary.txt ", "predictions.csv ",
                                          "model.ckpt ", "best.ckpt ", "config.used ", NULL};
    for (int i = 0; outputs[i]; i++)
        CU_ASSERT_PTR_NOT_NULL(strstr(mark, outputs[i]));
    const char *manifest = test_slurp(in_dir(dir, "manifest.txt"));
    CU_ASSERT_PTR_NOT_NULL(strstr(manifest, "\nsummary.txt\n"));
}

/* An experiment's name longer than a run folder is named by: trained with --out it is only a
 * label, without it (train, sweep) it is refused, naming the file, before anything is made; two
 * files whose names differ past the cut never share results/NAME. */
static void test_rundir_a_cut_experiment_name_never_names_a_folder(void)
{
    if (!test_need_mnist())
        return;
    char conf[1400], args[3000], cwd_results[1500];
    snprintf(conf, sizeof conf, "%s/%0100d.conf", test_path("long-names"), 7);
    char cmd[3000];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s' && cp experiments/softmax.conf '%s'",
             test_path("long-names"), conf);
    CU_ASSERT_FATAL(system(cmd) == 0);
    snprintf(args, sizeof args, "train '%s' --set 'data.subset=500 100' --set train.epochs=1 "
             "--set data.validation=none --no-live", conf);
    CU_ASSERT_EQUAL(run_cli(NULL, args), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err_text(), "the experiment's name is 100 bytes, more than the 63"));
    snprintf(cwd_results, sizeof cwd_results, "results/%063d", 0);
    CU_ASSERT_FALSE(path_present(cwd_results));
    snprintf(args, sizeof args, "sweep '%s' --vary train.lr=0.1,0.2 --set 'data.subset=500 100' "
             "--set train.epochs=1", conf);
    CU_ASSERT_EQUAL(run_cli(NULL, args), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err_text(), "the experiment's name is 100 bytes"));
    snprintf(args, sizeof args, "train '%s' --set 'data.subset=500 100' --set train.epochs=1 "
             "--set data.validation=none --no-live --out '%s'", conf, test_path("long-named-run"));
    CU_ASSERT_EQUAL(run_cli(NULL, args), 0);
}

/* A byte of path changed in place: the same size, the same file. */
static void flip_a_byte(const char *path)
{
    FILE *f = fopen(path, "r+b");
    CU_ASSERT_FATAL(f != NULL);
    int c = fgetc(f);
    fseek(f, 0, SEEK_SET);
    fputc(c ^ 1, f);
    fclose(f);
}

/* The mark records each file's time and inode beside its sums, so readers need not sum gigabytes
 * of checkpoints again; a file changed after the mark is still seen, however quickly, and a mark
 * of before stamps, or a copied folder's, is stamped anew once, when it verifies. */
static void test_rundir_stamped_mark_still_sees_a_file_changed_in_place(void)
{
    if (!test_need_mnist())
        return;
    char dir[1200], why[400];
    snprintf(dir, sizeof dir, "%s", test_path("stamped"));
    CU_ASSERT_EQUAL_FATAL(train_quick(dir, NULL), 0);
    const char *mark = test_slurp(in_dir(dir, "finished.txt"));
    unsigned long long ns, ino;
    const char *line = strstr(mark, "\nmetrics.csv ");
    CU_ASSERT_FATAL(line != NULL);
    CU_ASSERT_EQUAL(sscanf(line, "\nmetrics.csv %*d %*x %*x %llu %llu", &ns, &ino), 2);
    CU_ASSERT_EQUAL(rundir_verify(dir, why, sizeof why), 0);
    flip_a_byte(in_dir(dir, "metrics.csv"));
    CU_ASSERT_EQUAL(rundir_verify(dir, why, sizeof why), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "metrics.csv changed since the run finished"));

    /* a mark of before stamps: summed, then stamped; a later change is seen the same */
    char old_dir[1200];
    snprintf(old_dir, sizeof old_dir, "%s", test_path("unstamped"));
    CU_ASSERT_EQUAL_FATAL(train_quick(old_dir, NULL), 0);
    char *text = strdup(test_slurp(in_dir(old_dir, "finished.txt"))), old[8192] = "";
    for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n")) {
        char name[256], crc[16], adler[16];
        long long size;
        if (sscanf(l, "%255s %lld %15s %15s", name, &size, crc, adler) == 4)
            snprintf(old + strlen(old), sizeof old - strlen(old), "%s %lld %s %s\n", name, size, crc,
                     adler);
        else
            snprintf(old + strlen(old), sizeof old - strlen(old), "%s\n", l);
    }
    free(text);
    write_text(in_dir(old_dir, "finished.txt"), old);
    RunDirStatus st;
    int upgraded;
    CU_ASSERT_EQUAL(rundir_status(old_dir, &st, &upgraded), RUNDIR_DONE);
    line = strstr(test_slurp(in_dir(old_dir, "finished.txt")), "\nmetrics.csv ");
    CU_ASSERT_FATAL(line != NULL);
    CU_ASSERT_EQUAL(sscanf(line, "\nmetrics.csv %*d %*x %*x %llu %llu", &ns, &ino), 2);
    /* a copy (cp -a: the times kept, new inodes) verifies by its sums and is stamped anew */
    char copy[1200], cmd[2600];
    snprintf(copy, sizeof copy, "%s", test_path("stamped-copy"));
    snprintf(cmd, sizeof cmd, "cp -a '%s' '%s'", old_dir, copy);
    CU_ASSERT_FATAL(system(cmd) == 0);
    CU_ASSERT_EQUAL(rundir_status(copy, &st, &upgraded), RUNDIR_DONE);
    struct stat metrics_st;
    CU_ASSERT_FATAL(stat(in_dir(copy, "metrics.csv"), &metrics_st) == 0);
    line = strstr(test_slurp(in_dir(copy, "finished.txt")), "\nmetrics.csv ");
    CU_ASSERT_FATAL(line != NULL);
    CU_ASSERT_EQUAL(sscanf(line, "\nmetrics.csv %*d %*x %*x %llu %llu", &ns, &ino), 2);
    CU_ASSERT_EQUAL(ino, (unsigned long long)metrics_st.st_ino);

    flip_a_byte(in_dir(old_dir, "summary.txt"));
    CU_ASSERT_EQUAL(rundir_status(old_dir, &st, &upgraded), RUNDIR_INCOMPLETE);
    CU_ASSERT_PTR_NOT_NULL(strstr(st.text, "summary.txt changed since the run finished"));
}

static void test_rundir_resume_of_a_finished_run_changes_nothing(void)
{
    if (!test_need_mnist())
        return;
    const char *dir = test_path("finished");
    const char *copy = test_path("finished-copy");
    CU_ASSERT_EQUAL_FATAL(train_quick(dir, NULL), 0);
    char cmd[2600], args[2048];
    snprintf(cmd, sizeof cmd, "cp -a '%s' '%s'", dir, copy);
    CU_ASSERT_FATAL(system(cmd) == 0);
    snprintf(args, sizeof args, QUICK " --out '%s' --resume", dir);
    CU_ASSERT_EQUAL(run_cli(NULL, args), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out_text(), "already finished"));
    CU_ASSERT_PTR_NULL(strstr(out_text(), "resuming at epoch"));
    snprintf(cmd, sizeof cmd, "diff -r '%s' '%s' >&2", copy, dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

/* ---- one writer at a time ---- */

/* A child process holds dir's lock until told to let go (write to *go). Its pid, or -1. */
static pid_t hold_lock(const char *dir, int *go)
{
    int ready[2], release[2];
    if (pipe(ready) != 0 || pipe(release) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        DirLock l;
        char c = dir_lock(&l, dir) == MNL_OK ? 'y' : 'n';
        if (write(ready[1], &c, 1) != 1 || read(release[0], &c, 1) < 0)
            _exit(2);
        dir_unlock(&l);
        _exit(0);
    }
    char c = 0;
    if (pid < 0 || read(ready[0], &c, 1) != 1 || c != 'y')
        return -1;
    *go = release[1];
    return pid;
}

static void let_go(pid_t pid, int go)
{
    char c = 'x';
    if (write(go, &c, 1) != 1)
        kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

static void test_rundir_second_sweep_into_a_held_folder_is_refused_naming_the_holder(void)
{
    if (!test_need_mnist())
        return;
    const char *dir = test_path("sweep-held");
    mkdir(dir, 0777);
    int go;
    pid_t holder = hold_lock(dir, &go);
    CU_ASSERT_FATAL(holder > 0);
    char args[2048], who[64];
    snprintf(args, sizeof args, "sweep experiments/softmax.conf --set 'data.classes=4 9' --set "
             "'data.subset=2000 500' --set data.validation=none --set train.epochs=1 --vary "
             "train.lr=0.1,0.2 --out '%s'", dir);
    int status = run_cli(NULL, args);
    let_go(holder, go);
    snprintf(who, sizeof who, "process %ld holds", (long)holder);
    CU_ASSERT_EQUAL(status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err_text(), who));
    CU_ASSERT_FALSE(path_present(in_dir(dir, "SWEEP.md")));
}

static void test_rundir_compare_shows_a_folder_being_rewritten_as_in_progress(void)
{
    if (!test_need_mnist())
        return;
    const char *root = test_path("results-busy");
    char run[1200];
    snprintf(run, sizeof run, "%s/busy", root);
    CU_ASSERT_EQUAL_FATAL(train_quick(run, NULL), 0);
    int go;
    pid_t writer = hold_lock(run, &go);          /* as an --overwrite run that has begun */
    CU_ASSERT_FATAL(writer > 0);
    unlink(in_dir(run, "finished.txt"));         /* the first thing such a run does */
    char args[1400];
    snprintf(args, sizeof args, "compare '%s'", root);
    run_cli(NULL, args);
    let_go(writer, go);
    const char *report = test_slurp(in_dir(root, "REPORT.md"));
    CU_ASSERT_PTR_NOT_NULL(strstr(report, "| busy | in progress, epoch 3/2"));
    CU_ASSERT_PTR_NULL(strstr(report, "[busy](./busy/)"));
}

/* ---- signals while drawing ---- */

/* A copy of the suite's gnuplot scripts in which grid.gp (samples.png) first makes the file
 * `started`, then waits a minute, so that a signal lands while it draws. */
static const char *slow_plots(const char *started)
{
    const char *dir = test_path("slow-plots");
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir '%s' && cp plots/*.gp '%s'/ && "
             "{ echo \"system('touch %s')\"; echo 'pause 60'; cat plots/grid.gp; } > '%s/grid.gp'",
             dir, dir, dir, started, dir);
    CU_ASSERT_FATAL(system(cmd) == 0);
    return dir;
}

static int count_temps(const char *dir)
{
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "ls -a '%s' | grep -c '\\.tmp\\.' > '%s'", dir, test_path("temps.n"));
    if (system(cmd) == -1)
        return -1;
    return atoi(test_slurp(test_path("temps.n")));
}

static void test_rundir_signal_while_drawing_ends_gnuplot_and_resume_draws_the_rest(void)
{
    if (!test_need_mnist())
        return;
    if (access("plots/grid.gp", R_OK) != 0) {
        CU_FAIL("plots/grid.gp not found from the working directory");
        return;
    }
    char started[1200], tmp[1200], dir[1200], plots[1200], cmd[8192];
    snprintf(started, sizeof started, "%s", test_path("drawing-samples"));
    snprintf(tmp, sizeof tmp, "%s", test_path("plot-tmp"));      /* gnuplot's private folders */
    snprintf(dir, sizeof dir, "%s", test_path("drawing"));
    snprintf(plots, sizeof plots, "%s", slow_plots(started));
    mkdir(tmp, 0777);
    snprintf(cmd, sizeof cmd, "TMPDIR='%s' MNISTLAB_PLOTS='%s' exec %s " QUICK " --out '%s' >'%s' "
             "2>'%s' </dev/null", tmp, plots, test_program(), dir, test_path("draw.out"),
             test_path("draw.err"));
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    CU_ASSERT_FATAL(pid > 0);
    int drawing = test_wait_for(started, NULL, 60.0) == 0;
    kill(pid, SIGTERM);
    int st;
    waitpid(pid, &st, 0);
    CU_ASSERT_FATAL(drawing);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 143);
    const char *said = test_slurp(test_path("draw.out"));
    CU_ASSERT_PTR_NOT_NULL(strstr(said, "stopped while drawing the pictures"));
    CU_ASSERT_PTR_NOT_NULL(strstr(said, "--resume"));
    CU_ASSERT_EQUAL(count_temps(dir), 0);
    snprintf(cmd, sizeof cmd, "rmdir '%s'", tmp);          /* gnuplot's private folder is gone */
    CU_ASSERT_EQUAL(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "pgrep -f '[g]nuplot.*%s' > /dev/null", plots);
    CU_ASSERT_NOT_EQUAL(system(cmd), 0);                 /* no gnuplot left drawing */
    CU_ASSERT_FALSE(path_present(in_dir(dir, "finished.txt")));
    char args[2048];
    snprintf(args, sizeof args, QUICK " --out '%s' --resume", dir);
    CU_ASSERT_EQUAL(run_cli(NULL, args), 0);
    CU_ASSERT_EQUAL(png_check_complete(in_dir(dir, "samples.png")), MNL_OK);
    CU_ASSERT_EQUAL(png_check_complete(in_dir(dir, "confusion.png")), MNL_OK);
    CU_ASSERT_TRUE(path_present(in_dir(dir, "finished.txt")));
    mnl_clear_error();
}

/* ---- the report and the page ---- */

static void test_rundir_first_run_in_a_results_folder_writes_report_and_page(void)
{
    if (!test_need_mnist())
        return;
    char dir[1200];
    snprintf(dir, sizeof dir, "%s/first/results/softmax", test_tmpdir());
    CU_ASSERT_EQUAL_FATAL(train_quick(dir, NULL), 0);
    char root[1200];
    snprintf(root, sizeof root, "%s/first/results", test_tmpdir());
    CU_ASSERT_TRUE(path_present(in_dir(root, "REPORT.md")));
    CU_ASSERT_TRUE(path_present(in_dir(root, "index.html")));
}

static void test_rundir_compare_hint_never_names_a_folder_without_runs(void)
{
    if (!test_need_mnist())
        return;
    char alone[1200], tmp_env[1300];
    snprintf(alone, sizeof alone, "%s/alone", test_path("hint"));
    CU_ASSERT_EQUAL_FATAL(train_quick(alone, NULL), 0);
    CU_ASSERT_PTR_NULL(strstr(out_text(), "mnistlab compare"));      /* nothing beside it */
    /* beside another run, in a folder that stands for the system's temporary folder */
    char other[1200];
    snprintf(other, sizeof other, "%s/other", test_path("hint"));
    snprintf(tmp_env, sizeof tmp_env, "TMPDIR='%s'", test_path("hint"));
    char args[2048];
    snprintf(args, sizeof args, QUICK " --out '%s'", other);
    CU_ASSERT_EQUAL(run_cli(tmp_env, args), 0);
    CU_ASSERT_PTR_NULL(strstr(out_text(), "mnistlab compare"));
    /* beside another run in a folder of the learner's own: named */
    CU_ASSERT_EQUAL(train_quick(in_dir(test_path("hint"), "third"), NULL), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out_text(), "bin/mnistlab compare"));
}

/* ---- the learning rate ---- */

static void test_rundir_epoch_line_shows_the_rate_the_schedule_gave(void)
{
    if (!test_need_mnist())
        return;
    CU_ASSERT_EQUAL_FATAL(train_quick(test_path("scheduled"), "--set train.epochs=3 --set "
                                      "'train.schedule=step 1 0.5'"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out_text(), "epoch   1/3"));
    const char *e2 = strstr(out_text(), "epoch   2/3");
    CU_ASSERT_FATAL(e2 != NULL);
    const char *nl = strchr(e2, '\n');
    CU_ASSERT_PTR_NOT_NULL(strstr(e2, "lr 0.05"));
    CU_ASSERT(strstr(e2, "lr 0.05") < nl);
}

/* ---- calibration ---- */

/* Every run ends with its reliability diagram, the expected calibration error in summary.txt, and
 * with a validation split the temperature fitted on it and the error after it; REPORT.md shows
 * them and links the picture. A run without a validation split says it fitted none. */
static void test_rundir_run_writes_calibration_before_and_after_temperature(void)
{
    if (!test_need_mnist())
        return;
    char root[1100], dir[1200], nov[1200];
    snprintf(root, sizeof root, "%s", test_path("calib-root"));
    mkdir(root, 0777);
    snprintf(dir, sizeof dir, "%s/with-valid", root);
    snprintf(nov, sizeof nov, "%s/no-valid", root);
    CU_ASSERT_EQUAL_FATAL(train_quick(dir, "--set 'data.validation=random 300' --overwrite"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out_text(), "calibration: expected calibration error "));
    CU_ASSERT_PTR_NOT_NULL(strstr(out_text(), "(fitted on the validation split) makes it "));
    unsigned w = 0, h = 0;
    CU_ASSERT_EQUAL(test_png_size(in_dir(dir, "calibration.png"), &w, &h), 0);
    CU_ASSERT(w == 1100 && h == 600);            /* two panels: before and after */
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(in_dir(dir, "finished.txt")), "calibration.png "));
    const char *sum = test_slurp(in_dir(dir, "summary.txt"));
    double ece = -1, t = -1, after = -1;
    const char *e = strstr(sum, "\nece = "), *tt = strstr(sum, "\ntemperature = "),
               *a = strstr(sum, "\nece_after_temperature = ");
    CU_ASSERT_FATAL(e && tt && a);
    sscanf(e, "\nece = %lf", &ece);
    sscanf(tt, "\ntemperature = %lf", &t);
    sscanf(a, "\nece_after_temperature = %lf", &after);
    CU_ASSERT(ece > 0.0 && ece < 1.0 && t > 0.01 && t < 100.0 && after >= 0.0 && after < 1.0);
    CU_ASSERT_PTR_NOT_NULL(strstr(sum, "temperature_fitted_on = validation, 300 images"));
    CU_ASSERT_EQUAL_FATAL(train_quick(nov, "--overwrite"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(in_dir(nov, "summary.txt")),
                                  "temperature = none (no validation split)"));
    CU_ASSERT_EQUAL(test_png_size(in_dir(nov, "calibration.png"), &w, &h), 0);
    char args[1300];
    snprintf(args, sizeof args, "compare '%s'", root);
    CU_ASSERT_EQUAL_FATAL(run_cli(NULL, args), 0);
    const char *report = test_slurp(in_dir(root, "REPORT.md"));
    char row[200];
    snprintf(row, sizeof row, "| [with-valid](./with-valid/calibration.png) | %.4f | %.3f | %.4f |",
             ece, t, after);
    CU_ASSERT_PTR_NOT_NULL(strstr(report, row));
    CU_ASSERT_PTR_NOT_NULL(strstr(report, "| [no-valid](./no-valid/calibration.png) | "));
    CU_ASSERT_PTR_NOT_NULL(strstr(report, " | – | – |"));
}

/* ---- a run that stopped short says why ---- */

/* A child running "mnistlab ARGS" (through sh, exec'd) with stdout and stderr into out and err; its
 * pid, or -1. */
static pid_t start_cli(const char *env, const char *args, const char *out, const char *err)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "%s exec %s %s >'%s' 2>'%s' </dev/null", env ? env : "",
             test_program(), args, out, err);
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* Seconds since t0 (CLOCK_MONOTONIC). */
static double since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + 1e-9 * (double)(t.tv_nsec - t0->tv_nsec);
}

/* waitpid with a deadline: the exit status (as test_run_program gives it), or -1 when the child
 * had not ended by then (it is then killed). */
static int wait_child(pid_t pid, double seconds)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int st;
    for (;;) {
        pid_t got = waitpid(pid, &st, WNOHANG);
        if (got == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        if (since(&t0) > test_deadline(seconds)) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            return -1;
        }
        struct timespec nap = {0, 2000000};
        nanosleep(&nap, NULL);
    }
}

static void test_rundir_diverged_run_is_shown_as_diverged_not_incomplete(void)
{
    if (!test_need_mnist())
        return;
    char root[1200], run[1300], args[4096];
    snprintf(root, sizeof root, "%s", test_path("results-diverged"));
    snprintf(run, sizeof run, "%s/blown", root);
    snprintf(args, sizeof args, "train experiments/mlp.conf --set 'data.subset=2000 500' --set "
             "train.optimizer=sgd --set train.lr=100 --set train.epochs=2 --out '%s'", run);
    CU_ASSERT_EQUAL_FATAL(run_cli(NULL, args), 1);
    snprintf(args, sizeof args, "compare '%s'", root);
    run_cli(NULL, args);
    const char *report = test_slurp(in_dir(root, "REPORT.md"));
    CU_ASSERT_PTR_NOT_NULL(strstr(report, "| blown | diverged at epoch 1, batch"));
    CU_ASSERT_PTR_NOT_NULL(strstr(report, "loss is nan"));
    CU_ASSERT_PTR_NULL(strstr(report, "[blown](./blown/)"));        /* never as finished */
    const char *page = test_slurp(in_dir(root, "index.html"));
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "diverged at epoch 1, batch"));
    snprintf(args, sizeof args, "diff '%s' '%s' --out '%s'", run, run, test_path("diff-blown"));
    CU_ASSERT_NOT_EQUAL(run_cli(NULL, args), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(err_text(), "diverged at epoch 1, batch"));
}

static void test_rundir_interrupted_forest_counts_trees_not_epochs(void)
{
    if (!test_need_mnist())
        return;
    char root[1200], run[1300], args[2048], started[1400];
    snprintf(root, sizeof root, "%s", test_path("results-forest"));
    snprintf(run, sizeof run, "%s/woods", root);
    snprintf(args, sizeof args, "train experiments/random-forest.conf --set 'data.subset=1000 200' "
             "--set model.trees=5000 --out '%s'", run);    /* (train.epochs is refused: a forest
                                                              counts trees) */
    pid_t pid = start_cli(NULL, args, test_path("forest.out"), test_path("forest.err"));
    CU_ASSERT_FATAL(pid > 0);
    snprintf(started, sizeof started, "%s", test_path("forest.out"));
    int growing = test_wait_for(started, "tree     2/5000", 60.0) == 0;
    kill(pid, SIGINT);
    int status = wait_child(pid, 60.0);
    CU_ASSERT_FATAL(growing);
    CU_ASSERT_EQUAL(status, 130);
    snprintf(args, sizeof args, "compare '%s'", root);
    run_cli(NULL, args);
    const char *report = test_slurp(in_dir(root, "REPORT.md"));
    const char *row = strstr(report, "| woods | incomplete: ");
    CU_ASSERT_FATAL(row != NULL);
    char line[600];
    snprintf(line, sizeof line, "%.*s", (int)strcspn(row, "\n"), row);
    const char *tree = strstr(line, "tree ");                  /* "\(tree 37/5000\)" */
    CU_ASSERT(tree != NULL && strstr(tree, "/5000") != NULL);
    CU_ASSERT_PTR_NULL(strstr(line, "epoch"));                  /* never train.epochs */
}

static void test_rundir_ctrl_c_during_an_svm_fit_ends_at_once(void)
{
    if (!test_need_mnist())
        return;
    char run[1200], args[2048];
    snprintf(run, sizeof run, "%s", test_path("results-svm/svm"));
    /* 20,000 images: the fit takes tens of seconds on this machine */
    snprintf(args, sizeof args, "train experiments/svm.conf --set 'data.subset=20000 500' --out "
             "'%s'", run);
    pid_t pid = start_cli(NULL, args, test_path("svm.out"), test_path("svm.err"));
    CU_ASSERT_FATAL(pid > 0);
    int fitting = test_wait_for(test_path("svm.out"), "libsvm fits", 60.0) == 0;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    kill(pid, SIGINT);
    int status = wait_child(pid, 120.0);
    double took = since(&t0);
    CU_ASSERT_FATAL(fitting);
    if (status != 130)
        fprintf(stderr, "\n    exit status %d after %.2f s; stderr: %s", status, took,
                test_slurp(test_path("svm.err")));
    CU_ASSERT_EQUAL(status, 130);
    CU_ASSERT(took < test_deadline(3.0));                       /* not the fit's tens of seconds */
    const char *said = test_slurp(test_path("svm.out"));
    CU_ASSERT_PTR_NOT_NULL(strstr(said, "stopped during the fit"));
    CU_ASSERT_PTR_NOT_NULL(strstr(said, "to fit it again:\n  bin/mnistlab train 'experiments/svm.conf'"));
    CU_ASSERT_FALSE(path_present(in_dir(run, ".mnistlab.lock")));
    CU_ASSERT_EQUAL(count_temps(run), 0);
    CU_ASSERT_FALSE(path_present(in_dir(run, "finished.txt")));
    snprintf(args, sizeof args, "compare '%s'", test_path("results-svm"));
    run_cli(NULL, args);
    const char *report = test_slurp(in_dir(test_path("results-svm"), "REPORT.md"));
    CU_ASSERT_PTR_NOT_NULL(strstr(report, "| svm | incomplete: interrupted by signal 2 during the fit"));
}

/* ---- a signal while the report and the page are refreshed ---- */

/* A copy of the suite's gnuplot scripts in which `script` first makes the file `started`, then
 * waits a minute, so that a signal lands while it draws. */
static const char *slow_script(const char *script, const char *started)
{
    const char *dir = test_path("slow-plots-2");
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir '%s' && cp plots/*.gp '%s'/ && "
             "{ echo \"system('touch %s')\"; echo 'pause 60'; cat plots/%s; } > '%s/%s'",
             dir, dir, dir, started, script, dir, script);
    CU_ASSERT_FATAL(system(cmd) == 0);
    return dir;
}

static void test_rundir_signal_while_refreshing_the_report_names_the_compare_command(void)
{
    if (!test_need_mnist())
        return;
    char started[1200], root[1200], run[1300], plots[1200], env[2600], args[2048], cmd[2600];
    snprintf(started, sizeof started, "%s", test_path("drawing-compare"));
    snprintf(root, sizeof root, "%s/refresh/results", test_tmpdir());
    snprintf(run, sizeof run, "%s/softmax", root);
    snprintf(plots, sizeof plots, "%s", slow_script("compare.gp", started));
    snprintf(env, sizeof env, "MNISTLAB_PLOTS='%s'", plots);
    snprintf(args, sizeof args, QUICK " --out '%s'", run);
    pid_t pid = start_cli(env, args, test_path("refresh.out"), test_path("refresh.err"));
    CU_ASSERT_FATAL(pid > 0);
    int drawing = test_wait_for(started, NULL, 60.0) == 0;
    kill(pid, SIGTERM);
    int status = wait_child(pid, 60.0);
    CU_ASSERT_FATAL(drawing);
    CU_ASSERT_EQUAL(status, 143);
    const char *said = test_slurp(test_path("refresh.out"));
    CU_ASSERT_PTR_NOT_NULL(strstr(said, "stopped while refreshing"));
    snprintf(cmd, sizeof cmd, "to refresh them:\n  bin/mnistlab compare '%s'\n", root);
    CU_ASSERT_PTR_NOT_NULL(strstr(said, cmd));
    CU_ASSERT_EQUAL(count_temps(root), 0);
    CU_ASSERT_EQUAL(count_temps(run), 0);
    snprintf(cmd, sizeof cmd, "pgrep -f '[g]nuplot.*%s' > /dev/null", plots);
    CU_ASSERT_NOT_EQUAL(system(cmd), 0);                 /* no gnuplot left drawing */
    CU_ASSERT_TRUE(path_present(in_dir(run, "finished.txt")));   /* the run itself is whole */
    CU_ASSERT_FALSE(path_present(in_dir(run, ".mnistlab.lock")));
}

static void test_rundir_signal_while_a_sweep_draws_its_charts_releases_its_lock(void)
{
    if (!test_need_mnist())
        return;
    char started[1200], dir[1200], plots[1200], env[2600], args[2048];
    snprintf(started, sizeof started, "%s", test_path("drawing-sweep"));
    snprintf(dir, sizeof dir, "%s", test_path("sweep-drawing"));
    snprintf(plots, sizeof plots, "%s", slow_script("sweep.gp", started));
    snprintf(env, sizeof env, "MNISTLAB_PLOTS='%s'", plots);
    snprintf(args, sizeof args, "sweep experiments/softmax.conf --set 'data.classes=4 9' --set "
             "'data.subset=2000 500' --set data.validation=none --set train.epochs=1 --vary "
             "train.lr=0.1,0.2 --out '%s'", dir);
    pid_t pid = start_cli(env, args, test_path("sweepdraw.out"), test_path("sweepdraw.err"));
    CU_ASSERT_FATAL(pid > 0);
    int drawing = test_wait_for(started, NULL, 60.0) == 0;
    kill(pid, SIGINT);
    int status = wait_child(pid, 60.0);
    CU_ASSERT_FATAL(drawing);
    CU_ASSERT_EQUAL(status, 130);
    CU_ASSERT_FALSE(path_present(in_dir(dir, ".mnistlab.lock")));   /* never left to go stale */
    CU_ASSERT_EQUAL(count_temps(dir), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(test_path("sweepdraw.err")), "run again"));
}

static void test_rundir_signal_while_predict_draws_ends_gnuplot_and_keeps_no_temp(void)
{
    if (!test_need_mnist())
        return;
    char started[1200], run[1200], plots[1200], env[2600], args[2048], cmd[2600];
    snprintf(started, sizeof started, "%s", test_path("drawing-predict"));
    snprintf(run, sizeof run, "%s", test_path("predict-signal"));
    int trained = train_quick(run, NULL);
    if (trained != 0)
        fprintf(stderr, "\n    train: exit %d: %s", trained, out_text()),
            fprintf(stderr, "\n    stderr: %s", err_text());
    CU_ASSERT_EQUAL_FATAL(trained, 0);
    snprintf(plots, sizeof plots, "%s", slow_script("predict.gp", started));
    snprintf(env, sizeof env, "MNISTLAB_PLOTS='%s'", plots);
    snprintf(args, sizeof args, "predict '%s/model.ckpt' --index 3", run);
    pid_t pid = start_cli(env, args, test_path("predict.out"), test_path("predict.err"));
    CU_ASSERT_FATAL(pid > 0);
    int drawing = test_wait_for(started, NULL, 60.0) == 0;
    kill(pid, SIGTERM);
    int status = wait_child(pid, 60.0);
    CU_ASSERT_FATAL(drawing);
    CU_ASSERT_EQUAL(status, 143);
    const char *again = strstr(test_slurp(test_path("predict.err")), "run again:\n  bin/mnistlab ");
    CU_ASSERT(again != NULL && strstr(again, "predict") != NULL);
    CU_ASSERT_EQUAL(count_temps(run), 0);
    snprintf(cmd, sizeof cmd, "pgrep -f '[g]nuplot.*%s' > /dev/null", plots);
    CU_ASSERT_NOT_EQUAL(system(cmd), 0);                 /* no gnuplot left drawing */
}

/* ---- SIGKILL in the middle of --overwrite ---- */

static void test_rundir_sigkill_during_overwrite_is_incomplete_then_resumes(void)
{
    if (!test_need_mnist())
        return;
    char root[1200], run[1300], args[2048];
    snprintf(root, sizeof root, "%s", test_path("results-killed"));
    snprintf(run, sizeof run, "%s/over", root);
    CU_ASSERT_EQUAL_FATAL(train_quick(run, NULL), 0);             /* finished, lr 0.1 */
    const char *old = test_slurp(in_dir(run, "summary.txt"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(strstr(old, "epochs = 2"));
    /* the same folder, other settings: 40 epochs */
    snprintf(args, sizeof args, QUICK " --set train.epochs=40 --overwrite --out '%s'", run);
    pid_t pid = start_cli(NULL, args, test_path("killed.out"), test_path("killed.err"));
    CU_ASSERT_FATAL(pid > 0);
    /* the overwrite has written: epoch 2's checkpoint, config.used and metrics.csv are saved */
    int writing = test_wait_for(test_path("killed.out"), "epoch   3/40", 60.0) == 0;
    kill(pid, SIGKILL);
    int status = wait_child(pid, 60.0);
    CU_ASSERT_FATAL(writing);
    CU_ASSERT_EQUAL(status, 128 + SIGKILL);
    snprintf(args, sizeof args, "compare '%s'", root);
    run_cli(NULL, args);
    const char *report = test_slurp(in_dir(root, "REPORT.md"));
    CU_ASSERT_PTR_NOT_NULL(strstr(report, "| over | incomplete: "));
    CU_ASSERT_PTR_NULL(strstr(report, "[over](./over/)"));          /* never as finished */
    CU_ASSERT_PTR_NOT_NULL(strstr(report, "/40\\)"));    /* the new settings: "\\(epoch 2/40\\)" */
    /* --resume continues the new run and finishes it */
    snprintf(args, sizeof args, QUICK " --set train.epochs=40 --out '%s' --resume", run);
    CU_ASSERT_EQUAL(run_cli(NULL, args), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out_text(), "resuming at epoch"));
    CU_ASSERT_TRUE(path_present(in_dir(run, "finished.txt")));
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(in_dir(run, "summary.txt")), "epochs = 40"));
    snprintf(args, sizeof args, "compare '%s'", root);
    CU_ASSERT_EQUAL(run_cli(NULL, args), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(in_dir(root, "REPORT.md")), "[over](./over/)"));
}

/* ---- show-data refreshes the report and the page of its results folder ---- */

static void test_rundir_show_data_refreshes_report_and_page(void)
{
    if (!test_need_mnist())
        return;
    char root[1200], png[1300];
    snprintf(root, sizeof root, "%s/shown/results", test_tmpdir());
    CU_ASSERT_EQUAL_FATAL(train_quick(in_dir(root, "softmax"), NULL), 0);
    unlink(in_dir(root, "REPORT.md"));
    unlink(in_dir(root, "index.html"));
    snprintf(png, sizeof png, "%s/digits.png", root);
    char args[1600];
    snprintf(args, sizeof args, "show-data --out '%s'", png);
    CU_ASSERT_EQUAL(run_cli(NULL, args), 0);
    CU_ASSERT_TRUE(path_present(in_dir(root, "REPORT.md")));
    CU_ASSERT_TRUE(path_present(in_dir(root, "index.html")));
}

/* ---- the folder's file names are spelled in experiments/rundir only ---- */

/* The names of the files in a run, sweep or diff folder (experiments/rundir.h documents them). */
static const char *const folder_files[] = {
    "manifest.txt", "finished.txt", "stopped.txt", "config.used", "model.ckpt", "best.ckpt",
    "metrics.csv", "log.txt", "summary.txt", "predictions.csv", "curves.png", "samples.png",
    "confusion.png", "curves.dat", "samples.grid.dat", "confusion.dat", "roc.png", "roc.dat",
    "thresholds.txt", "predict.png", "weights.png", "saliency.png", "features-model.png",
    "SWEEP.md", "sweep.png", "sweep.dat", "sweep.fail.dat", "sweep-curves.png", "heatmap.png",
    "heatmap.dat", "DIFF.md", "fixed.png", "broken.png", "classes.png", NULL,
};

static int name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
}

/* The first folder file name spelled in a string literal of the C source text (comments and
 * character literals skipped), with its line in *line; NULL when none. */
static const char *spelled_file_name(const char *src, int *line)
{
    int ln = 1;
    for (const char *p = src; *p; p++) {
        if (*p == '\n') {
            ln++;
        } else if (p[0] == '/' && p[1] == '*') {
            for (p += 2; *p && !(p[0] == '*' && p[1] == '/'); p++)
                ln += *p == '\n';
            if (!*p)
                break;
            p++;
        } else if (p[0] == '/' && p[1] == '/') {
            while (p[1] && p[1] != '\n')
                p++;
        } else if (*p == '\'') {
            for (p++; *p && *p != '\''; p++)
                p += *p == '\\' && p[1];
            if (!*p)
                break;
        } else if (*p == '"') {
            const char *start = ++p;
            for (; *p && *p != '"'; p++)
                p += *p == '\\' && p[1];
            for (int i = 0; folder_files[i]; i++) {
                size_t k = strlen(folder_files[i]);
                for (const char *q = start; q + k <= p; q++)
                    if (!strncmp(q, folder_files[i], k) && (q == start || !name_char(q[-1])) &&
                        (q + k == p || !name_char(q[k]) || q[k] == '.')) {
                        *line = ln;
                        return folder_files[i];
                    }
            }
            if (!*p)
                break;
        }
    }
    return NULL;
}

static void test_rundir_folder_file_names_are_spelled_in_rundir_only(void)
{
    static const char *const dirs[] = {"experiments", "plots"};
    int files = 0;
    for (int d = 0; d < 2; d++) {
        DIR *dp = opendir(dirs[d]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(dp);
        for (struct dirent *e; (e = readdir(dp));) {
            size_t n = strlen(e->d_name);
            if (n < 3 || strcmp(e->d_name + n - 2, ".c") || !strcmp(e->d_name, "rundir.c"))
                continue;
            char path[600];
            snprintf(path, sizeof path, "%s/%s", dirs[d], e->d_name);
            unsigned char *text = NULL;
            size_t len = 0;
            CU_ASSERT_EQUAL_FATAL(file_read_all(path, (size_t)16 << 20, &text, &len), MNL_OK);
            char *src = realloc(text, len + 1);
            CU_ASSERT_PTR_NOT_NULL_FATAL(src);
            src[len] = '\0';
            int line = 0;
            const char *name = spelled_file_name(src, &line);
            if (name)
                fprintf(stderr, "\n    %s:%d spells \"%s\" (use its RUNDIR_ name)", path, line,
                        name);
            CU_ASSERT_PTR_NULL(name);
            free(src);
            files++;
        }
        closedir(dp);
    }
    CU_ASSERT(files > 10);
}

/* ---- the test runner's policy for missing data ---- */

static void test_rundir_missing_data_is_counted_as_skipped_and_fails_under_ci(void)
{
    char self[1024];                    /* this test program, or $MNISTLAB_TESTS */
    const char *other = getenv("MNISTLAB_TESTS");
    ssize_t n = other && *other ? (ssize_t)snprintf(self, sizeof self, "%s", other)
                                : readlink("/proc/self/exe", self, sizeof self - 1);
    CU_ASSERT_FATAL(n > 0);
    self[n] = '\0';
    char env[1200];
    snprintf(env, sizeof env, "MNIST_DIR='%s' CI=false", test_path("no-mnist-here"));
    char cmd[2600];
    snprintf(cmd, sizeof cmd, "env %s '%s' predict > '%s' 2>&1", env, self, test_path("self.out"));
    CU_ASSERT_EQUAL(system(cmd), 0);
    const char *said = test_slurp(test_path("self.out"));
    CU_ASSERT_PTR_NOT_NULL(strstr(said, "4 skipped"));
    snprintf(cmd, sizeof cmd, "env MNIST_DIR='%s' CI=true '%s' predict > '%s' 2>&1",
             test_path("no-mnist-here"), self, test_path("self.out"));
    CU_ASSERT_NOT_EQUAL(system(cmd), 0);
}

int register_rundir_tests(void)
{
    CU_pSuite s = CU_add_suite("rundir", NULL, NULL);
    if (!s)
        return -1;
    struct { const char *name; CU_TestFunc fn; } tests[] = {
#define T(name) {#name, test_##name}
        T(rundir_folder_of_user_files_is_refused_naming_them),
        T(rundir_claim_outputs_refuses_a_users_file_and_lists_its_own),
        T(rundir_claim_outputs_takes_an_earlier_folder_by_its_mark),
        T(rundir_no_command_replaces_a_users_file),
        T(rundir_pictures_predict_drew_are_replaced_by_the_next_run),
        T(rundir_run_with_a_missing_picture_is_listed_as_incomplete),
        T(rundir_completion_mark_names_every_output_with_size_and_checksum),
        T(rundir_a_cut_experiment_name_never_names_a_folder),
        T(rundir_stamped_mark_still_sees_a_file_changed_in_place),
        T(rundir_resume_of_a_finished_run_changes_nothing),
        T(rundir_second_sweep_into_a_held_folder_is_refused_naming_the_holder),
        T(rundir_compare_shows_a_folder_being_rewritten_as_in_progress),
        T(rundir_signal_while_drawing_ends_gnuplot_and_resume_draws_the_rest),
        T(rundir_first_run_in_a_results_folder_writes_report_and_page),
        T(rundir_compare_hint_never_names_a_folder_without_runs),
        T(rundir_epoch_line_shows_the_rate_the_schedule_gave),
        T(rundir_run_writes_calibration_before_and_after_temperature),
        T(rundir_diverged_run_is_shown_as_diverged_not_incomplete),
        T(rundir_interrupted_forest_counts_trees_not_epochs),
        T(rundir_ctrl_c_during_an_svm_fit_ends_at_once),
        T(rundir_signal_while_refreshing_the_report_names_the_compare_command),
        T(rundir_signal_while_a_sweep_draws_its_charts_releases_its_lock),
        T(rundir_signal_while_predict_draws_ends_gnuplot_and_keeps_no_temp),
        T(rundir_sigkill_during_overwrite_is_incomplete_then_resumes),
        T(rundir_show_data_refreshes_report_and_page),
        T(rundir_folder_file_names_are_spelled_in_rundir_only),
        T(rundir_missing_data_is_counted_as_skipped_and_fails_under_ci),
#undef T
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            return -1;
    return 0;
}
