/* tests/test_explore: what a learner runs after the first run: `mnistlab sweep` (a run per value
 * and seed, its table and pictures, a failed run as a row, refusals before any training), `mnistlab
 * diff` (the four counts, the pictures, refusal of runs tested on other images), the binary run's
 * ROC and threshold table, predictions.csv, and the live redrawing of curves.png. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <png.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "common/error.h"
#include "common/stats.h"
#include "experiments/cost.h"
#include "experiments/diff.h"
#include "experiments/html.h"
#include "experiments/predictions.h"
#include "common/fileio.h"
#include "experiments/roc.h"
#include "experiments/sweep.h"
#include "tests/test_util.h"

/* Quick runs: the 4-vs-9 experiment (2000/500 images) for one epoch. */
#define QUICK "experiments/cnn-4v9.conf --set train.epochs=1"

static int run_cli(const char *env, const char *args)
{
    return test_run_program(env, args, 0, test_path("explore.out"), test_path("explore.err"));
}

static const char *in_dir(const char *dir, const char *name)
{
    static char bufs[8][1200];
    static int k;
    char *b = bufs[k++ % 8];
    snprintf(b, sizeof bufs[0], "%s/%s", dir, name);
    return b;
}

/* dir/run/name */
static const char *in_run(const char *dir, const char *run, const char *name)
{
    static char buf[1200];
    snprintf(buf, sizeof buf, "%s/%s/%s", dir, run, name);
    return buf;
}

static int exists(const char *path)
{
    return access(path, R_OK) == 0;
}


static void assert_png(const char *path, unsigned want_w, unsigned want_h)
{
    unsigned w = 0, h = 0;
    CU_ASSERT_EQUAL(test_png_size(path, &w, &h), 0);
    if (w != want_w || h != want_h)
        fprintf(stderr, "\n    %s is %ux%u, expected %ux%u", path, w, h, want_w, want_h);
    CU_ASSERT_EQUAL(w, want_w);
    CU_ASSERT_EQUAL(h, want_h);
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void assert_one_line_error(const char *a, const char *b)
{
    const char *err = test_slurp(test_path("explore.err"));
    int ok = count_lines(err) == 1 && strstr(err, a) && (!b || strstr(err, b));
    if (!ok)
        fprintf(stderr, "\n    stderr was: %s", err);
    CU_ASSERT(ok);
}

/* ---- sweep: arguments ---- */

static void test_sweep_parse_vary_splits_values_and_keeps_spaces(void)
{
    SweepAxis a;
    CU_ASSERT_EQUAL(sweep_parse_vary("data.subset=250 500, 1000 500", &a), MNL_OK);
    CU_ASSERT_STRING_EQUAL(a.key, "data.subset");
    CU_ASSERT_EQUAL(a.n_values, 2);
    CU_ASSERT_STRING_EQUAL(a.values[0], "250 500");
    CU_ASSERT_STRING_EQUAL(a.values[1], "1000 500");
}

static void test_sweep_parse_vary_refuses_missing_empty_and_repeated_values(void)
{
    SweepAxis a;
    CU_ASSERT_EQUAL(sweep_parse_vary("train.lr", &a), MNL_ERR_ARG);
    CU_ASSERT_EQUAL(sweep_parse_vary("lr=0.1,0.2", &a), MNL_ERR_ARG);
    CU_ASSERT_EQUAL(sweep_parse_vary("train.lr=0.1,,0.2", &a), MNL_ERR_ARG);
    CU_ASSERT_PTR_NOT_NULL(strstr(mnl_last_error(), "value 2 is empty"));
    CU_ASSERT_EQUAL(sweep_parse_vary("train.lr=0.1,0.1", &a), MNL_ERR_ARG);
    CU_ASSERT_PTR_NOT_NULL(strstr(mnl_last_error(), "given twice"));
}

static void test_sweep_parse_seeds_takes_spaces_or_commas(void)
{
    unsigned long s[SWEEP_MAX_SEEDS];
    int n;
    CU_ASSERT_EQUAL(sweep_parse_seeds("1 2,3", s, &n), MNL_OK);
    CU_ASSERT_EQUAL(n, 3);
    CU_ASSERT_EQUAL(s[2], 3);
    CU_ASSERT_EQUAL(sweep_parse_seeds("1 x", s, &n), MNL_ERR_ARG);
    CU_ASSERT_EQUAL(sweep_parse_seeds("  ", s, &n), MNL_ERR_ARG);
}

/* "1 1" would train one run and count it twice (± 0.00): refused like a repeated --vary value. */
static void test_sweep_parse_seeds_refuses_a_repeated_seed(void)
{
    unsigned long s[SWEEP_MAX_SEEDS];
    int n;
    CU_ASSERT_EQUAL(sweep_parse_seeds("1 1", s, &n), MNL_ERR_ARG);
    CU_ASSERT_PTR_NOT_NULL(strstr(mnl_last_error(), "seed 1 is given twice"));
    CU_ASSERT_EQUAL(sweep_parse_seeds("3,1,03", s, &n), MNL_ERR_ARG);   /* 03 is the seed 3 */
    CU_ASSERT_EQUAL(sweep_parse_seeds("1 2 3", s, &n), MNL_OK);
}

/* ---- sweep: runs and files ---- */

static void test_sweep_writes_a_run_per_value_and_seed_and_its_pictures(void)
{
    if (!test_need_mnist())
        return;
    const char *dir = test_path("sweep1");
    char args[1400];
    snprintf(args, sizeof args, "sweep " QUICK " --vary train.lr=0.001,0.01 --seeds \"1 2\" --out %s",
             dir);
    CU_ASSERT_EQUAL_FATAL(run_cli(NULL, args), 0);
    const char *runs[] = {"lr=0.001/seed1", "lr=0.001/seed2", "lr=0.01/seed1", "lr=0.01/seed2"};
    for (int i = 0; i < 4; i++) {
        CU_ASSERT(exists(in_run(dir, runs[i], "summary.txt")));
        CU_ASSERT(exists(in_run(dir, runs[i], "predictions.csv")));
    }
    const char *md = test_slurp(in_dir(dir, "SWEEP.md"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| 0.001 | 2 | "));      /* the mean row of each value */
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| 0.01 | 2 | "));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| 0.01 | 2 | finished |"));   /* the row of one run */
    assert_png(in_dir(dir, "sweep.png"), 1200, 560);
    assert_png(in_dir(dir, "sweep-curves.png"), 1000, 600);
    CU_ASSERT(!exists(in_dir(dir, "heatmap.png")));
}

static void test_sweep_run_again_keeps_finished_runs(void)
{
    if (!test_need_mnist())
        return;
    const char *dir = test_path("sweep1");
    char args[1400], used[8192];
    /* a run made before a setting existed: its config.used lacks that key, which has its default */
    const char *path = in_run(dir, "lr=0.01/seed2", "config.used");
    snprintf(used, sizeof used, "%s", test_slurp(path));
    char *key = strstr(used, "loss_axis = auto\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(key);
    memmove(key, key + strlen("loss_axis = auto\n"), strlen(key + strlen("loss_axis = auto\n")) + 1);
    CU_ASSERT_EQUAL(test_write_file(path, used, strlen(used)), 0);
    /* and from before manifests: read as the suite's own, and upgraded once */
    unlink(in_run(dir, "lr=0.01/seed2", "manifest.txt"));
    unlink(in_run(dir, "lr=0.01/seed2", "finished.txt"));
    snprintf(args, sizeof args, "sweep " QUICK " --vary train.lr=0.001,0.01 --seeds \"1 2\" --out %s",
             dir);
    CU_ASSERT_EQUAL_FATAL(run_cli(NULL, args), 0);
    const char *out = test_slurp(test_path("explore.out"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "sweep run 4/4: lr=0.01 seed 2: finished earlier, kept"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "written by an earlier mnistlab"));
    CU_ASSERT_PTR_NULL(strstr(out, "epoch   1/1"));
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(in_dir(dir, "SWEEP.md")), "kept from an earlier sweep"));
}

static void test_sweep_two_settings_draw_a_heatmap(void)
{
    if (!test_need_mnist())
        return;
    const char *dir = test_path("sweep2");
    char args[1400];
    snprintf(args, sizeof args, "sweep " QUICK " --vary train.lr=0.001,0.01 --vary train.batch=50,100,200"
             " --out %s", dir);
    CU_ASSERT_EQUAL_FATAL(run_cli(NULL, args), 0);
    CU_ASSERT(exists(in_dir(dir, "lr=0.01,batch=200/seed1/summary.txt")));
    /* 260 + 110 per value of the first key, or wider for the whole title (about 9 pixels a
     * character and 140 for the margins and the colour bar); 220 + 70 per value of the second */
    const char *title = "cnn-4v9: final test accuracy (%) of train.batch against train.lr";
    int w = 260 + 110 * 2, tw = 9 * (int)strlen(title) + 140;
    assert_png(in_dir(dir, "heatmap.png"), w > tw ? w : tw, 220 + 70 * 3);
    assert_png(in_dir(dir, "sweep.png"), 1200, 560);
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(in_dir(dir, "SWEEP.md")), "| 0.01 | 200 | 1 | "));
}

static void test_sweep_diverged_run_is_a_row_not_the_end(void)
{
    if (!test_need_mnist())
        return;
    const char *dir = test_path("sweep-div");
    char args[1400];
    snprintf(args, sizeof args, "sweep experiments/mlp.conf --set \"data.subset=2000 500\" --set "
             "train.optimizer=sgd --set train.epochs=1 --vary train.lr=100,0.01 --out %s", dir);
    CU_ASSERT_EQUAL_FATAL(run_cli(NULL, args), 0);
    const char *md = test_slurp(in_dir(dir, "SWEEP.md"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| 100 | 1 | diverged: diverged at epoch 1"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| 100 | 1 (1 failed) | – |"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| 0.01 | 1 | finished |"));
    CU_ASSERT(exists(in_dir(dir, "lr=0.01/seed1/summary.txt")));
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(in_dir(dir, "sweep.fail.dat")), "1/1 failed"));
    assert_png(in_dir(dir, "sweep.png"), 1200, 560);
}

static void test_sweep_bad_value_is_refused_before_any_training(void)
{
    if (!test_need_mnist())
        return;
    const char *dir = test_path("sweep-bad");
    char args[1400];
    snprintf(args, sizeof args, "sweep " QUICK " --vary train.lr=0.01,fast --out %s", dir);
    CU_ASSERT_EQUAL(run_cli(NULL, args), 1);
    assert_one_line_error("sweep run lr=fast", "lr");
    CU_ASSERT(!exists(in_dir(dir, "lr=0.01")));
}

static void test_sweep_usage_errors_name_what_is_missing(void)
{
    CU_ASSERT_EQUAL(run_cli(NULL, "sweep " QUICK), 2);
    assert_one_line_error("sweep needs --vary", NULL);
    CU_ASSERT_EQUAL(run_cli(NULL, "sweep " QUICK " --vary train.lr"), 2);
    assert_one_line_error("--vary \"train.lr\": expected section.key=v1,v2", NULL);
    CU_ASSERT_EQUAL(run_cli(NULL, "sweep " QUICK " --vary train.seed=1,2"), 2);
    assert_one_line_error("vary the seed with --seeds", NULL);
    CU_ASSERT_EQUAL(run_cli(NULL, "sweep " QUICK " --vary train.lr=0.1,0.2 --vary train.batch=1,2 "
                            "--vary train.l2=0,1"), 2);
    assert_one_line_error("at most 2 --vary", NULL);
}

/* ---- predictions.csv ---- */

static Predictions make_predictions(int n, const int *truth, const int *pred, const int *src)
{
    Predictions p;
    memset(&p, 0, sizeof p);
    snprintf(p.dataset, sizeof p.dataset, "mnist");
    p.class_names[0] = 4, p.class_names[1] = 9;
    CU_ASSERT_FATAL(predictions_alloc(&p, n, 2) == MNL_OK);
    for (int i = 0; i < n; i++) {
        p.truth[i] = truth[i], p.pred[i] = pred[i], p.source_index[i] = src[i];
        p.p_positive[i] = pred[i] ? 0.75f : 0.25f;
        p.confidence[i] = 0.75f;
    }
    return p;
}

static void test_predictions_file_round_trips(void)
{
    int truth[] = {0, 1, 1}, pred[] = {0, 0, 1}, src[] = {3, 7, 11};
    Predictions p = make_predictions(3, truth, pred, src), q;
    const char *path = test_path("pred.csv");
    CU_ASSERT_EQUAL_FATAL(predictions_write(path, &p), MNL_OK);
    CU_ASSERT_EQUAL_FATAL(predictions_read(path, &q), MNL_OK);
    CU_ASSERT_EQUAL(q.n, 3);
    CU_ASSERT_EQUAL(q.class_names[1], 9);
    CU_ASSERT_EQUAL(q.source_index[2], 11);
    CU_ASSERT_EQUAL(q.truth[1], 1);
    CU_ASSERT_EQUAL(q.pred[1], 0);
    CU_ASSERT_DOUBLE_EQUAL(q.p_positive[2], 0.75, 1e-6);
    char why[200];
    CU_ASSERT_EQUAL(predictions_same_images(&p, &q, why, sizeof why), 0);
    predictions_free(&p);
    predictions_free(&q);
}

static void test_predictions_read_refuses_a_cut_file(void)
{
    int truth[] = {0, 1, 1}, pred[] = {0, 0, 1}, src[] = {3, 7, 11};
    Predictions p = make_predictions(3, truth, pred, src), q;
    const char *path = test_path("pred-cut.csv");
    CU_ASSERT_EQUAL_FATAL(predictions_write(path, &p), MNL_OK);
    char text[4096];
    snprintf(text, sizeof text, "%s", test_slurp(path));
    *strrchr(text, '\n') = '\0';
    *(strrchr(text, '\n') + 1) = '\0';             /* drop the last row */
    test_write_file(path, text, strlen(text));
    CU_ASSERT_EQUAL(predictions_read(path, &q), MNL_ERR_IO);
    CU_ASSERT_PTR_NOT_NULL(strstr(mnl_last_error(), "ends after 2 of 3 images"));
    predictions_free(&p);
}

static void test_predictions_other_images_are_told_apart(void)
{
    int truth[] = {0, 1, 1}, pred[] = {0, 0, 1}, src[] = {3, 7, 11}, src2[] = {3, 8, 11};
    Predictions a = make_predictions(3, truth, pred, src), b = make_predictions(3, truth, pred, src2);
    char why[300];
    CU_ASSERT_EQUAL(predictions_same_images(&a, &b, why, sizeof why), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "test image 1 is image 7 of the test file in one and 8"));
    predictions_free(&a);
    predictions_free(&b);
}

static void test_diff_count_sorts_every_image_into_one_of_four(void)
{
    int truth[] = {0, 1, 1, 0, 1}, pa[] = {0, 1, 0, 1, 0}, pb[] = {0, 0, 1, 1, 1};
    int src[] = {0, 1, 2, 3, 4};
    Predictions a = make_predictions(5, truth, pa, src), b = make_predictions(5, truth, pb, src);
    DiffCounts c;
    diff_count(&a, &b, &c);
    CU_ASSERT_EQUAL(c.both, 1);        /* image 0 */
    CU_ASSERT_EQUAL(c.only_a, 1);      /* image 1 */
    CU_ASSERT_EQUAL(c.only_b, 2);      /* images 2 and 4 */
    CU_ASSERT_EQUAL(c.neither, 1);     /* image 3 */
    CU_ASSERT_EQUAL(c.class_n[1], 3);
    CU_ASSERT_EQUAL(c.class_right_a[1], 1);
    CU_ASSERT_EQUAL(c.class_right_b[1], 2);
    predictions_free(&a);
    predictions_free(&b);
}

/* ---- ROC ---- */

static void test_roc_auc_is_the_chance_a_positive_outscores_a_negative(void)
{
    float perfect[] = {0.9f, 0.8f, 0.2f, 0.1f}, ties[] = {0.5f, 0.5f, 0.5f, 0.5f};
    float mixed[] = {0.9f, 0.7f, 0.6f, 0.3f, 0.2f};
    int lab[] = {1, 1, 0, 0}, lab_mixed[] = {1, 0, 1, 0, 1};
    CU_ASSERT_DOUBLE_EQUAL(roc_auc(perfect, lab, 4), 1.0, 1e-12);
    int rev[] = {0, 0, 1, 1};
    CU_ASSERT_DOUBLE_EQUAL(roc_auc(perfect, rev, 4), 0.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(roc_auc(ties, lab, 4), 0.5, 1e-12);
    /* pairs (positive, negative) with the positive higher: (0.9 > 0.7, 0.3), (0.6 > 0.3): 3 of 6 */
    CU_ASSERT_DOUBLE_EQUAL(roc_auc(mixed, lab_mixed, 5), 3.0 / 6.0, 1e-12);
    int one_class[] = {1, 1, 1, 1};
    CU_ASSERT(isnan(roc_auc(perfect, one_class, 4)));
}

static void test_roc_at_counts_a_threshold_as_score_at_least_t(void)
{
    float s[] = {0.9f, 0.5f, 0.4f, 0.1f};
    int lab[] = {1, 0, 1, 0};
    RocPoint r = roc_at(s, lab, 4, 0.5);
    CU_ASSERT_EQUAL(r.tp, 1);
    CU_ASSERT_EQUAL(r.fp, 1);          /* 0.5 >= 0.5 */
    CU_ASSERT_EQUAL(r.fn, 1);
    CU_ASSERT_EQUAL(r.tn, 1);
    CU_ASSERT_DOUBLE_EQUAL(r.accuracy, 0.5, 1e-12);
}

static const char *summary_value(const char *summary, const char *key, char *out, size_t n)
{
    const char *p = strstr(summary, key);
    out[0] = '\0';
    if (p)
        sscanf(p + strlen(key), " = %63s", out);
    (void)n;
    return out;
}

static void test_binary_run_draws_roc_and_accuracy_at_thresholds(void)
{
    if (!test_need_mnist())
        return;
    const char *dir = test_path("roc-run");
    char args[1200], a[64], b[64];
    snprintf(args, sizeof args, "train " QUICK " --out %s", dir);
    CU_ASSERT_EQUAL_FATAL(run_cli(NULL, args), 0);
    assert_png(in_dir(dir, "roc.png"), 1100, 650);   /* the keys below the panels */
    const char *summary = test_slurp(in_dir(dir, "summary.txt"));
    double auc = atof(summary_value(summary, "roc_auc", a, sizeof a));
    CU_ASSERT(auc > 0.5 && auc <= 1.0);
    /* the 0.5 threshold is the one the run's accuracy was measured at */
    summary_value(summary, "test_acc_at_threshold_0.5", a, sizeof a);
    summary_value(summary, "final_test_acc", b, sizeof b);
    CU_ASSERT_DOUBLE_EQUAL(atof(a), atof(b), 1e-6);
    CU_ASSERT_PTR_NOT_NULL(strstr(summary, "test_acc_at_threshold_0.9 = "));
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(in_dir(dir, "thresholds.txt")), "9 found (TPR)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(test_path("explore.out")), "ROC AUC"));
}

/* A model that says p(9) = 0.6 for every image: every threshold up to 0.5 lands on (1, 1), every
 * one above on (0, 0). roc.dat gives each point one row and one label naming all its thresholds,
 * so the five labels do not pile up on two spots. */
static void test_degenerate_roc_gives_each_point_one_label(void)
{
    enum { N = 100 };
    int truth[N], pred[N], src[N];
    for (int i = 0; i < N; i++)
        truth[i] = i < 53, pred[i] = 1, src[i] = i;
    Predictions p = make_predictions(N, truth, pred, src);
    for (int i = 0; i < N; i++)
        p.p_positive[i] = 0.6f;
    const char *dir = test_path("roc-degenerate");
    CU_ASSERT_FATAL(make_dirs(dir) == MNL_OK);
    CU_ASSERT_FATAL(test_write_file(in_dir(dir, "summary.txt"), "experiment = stuck\n", 19) == 0);
    CU_ASSERT_EQUAL_FATAL(roc_write_run(dir, "stuck", &p, NULL, 0), MNL_OK);
    const char *dat = strstr(test_slurp(in_dir(dir, "roc.dat")), "# threshold fpr tpr accuracy");
    CU_ASSERT_PTR_NOT_NULL_FATAL(dat);
    CU_ASSERT_PTR_NOT_NULL(strstr(dat, "\"0.1-0.5: 53.0%\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(dat, "\"0.7-0.9: 47.0%\""));
    int rows = 0;
    for (const char *q = strchr(dat, '\n'); q && q[1]; q = strchr(q + 1, '\n'))
        rows++;
    CU_ASSERT_EQUAL(rows, 2);
    predictions_free(&p);
}

static void test_ten_class_run_has_predictions_but_no_roc(void)
{
    if (!test_need_mnist())
        return;
    const char *dir = test_path("pred-10");
    char args[1200];
    snprintf(args, sizeof args, "train experiments/softmax.conf --set train.epochs=1 --out %s", dir);
    CU_ASSERT_EQUAL_FATAL(run_cli(NULL, args), 0);
    Predictions p;
    CU_ASSERT_EQUAL_FATAL(predictions_read(in_dir(dir, "predictions.csv"), &p), MNL_OK);
    CU_ASSERT_EQUAL(p.n, 10000);
    CU_ASSERT_EQUAL(p.num_classes, 10);
    CU_ASSERT_PTR_NULL(p.p_positive);
    long right = 0;
    for (int i = 0; i < p.n; i++)
        right += p.pred[i] == p.truth[i];
    char a[64];
    summary_value(test_slurp(in_dir(dir, "summary.txt")), "final_test_acc", a, sizeof a);
    CU_ASSERT_DOUBLE_EQUAL(right / 10000.0, atof(a), 1e-6);   /* the final model's own answers */
    CU_ASSERT(!exists(in_dir(dir, "roc.png")));
    predictions_free(&p);
}

/* ---- diff ---- */

static void test_diff_counts_the_shared_test_set_and_draws_both_ways(void)
{
    if (!test_need_mnist())
        return;
    char args[2400];
    snprintf(args, sizeof args, "train " QUICK " --set train.lr=0.0003 --out %s", test_path("diff-a"));
    CU_ASSERT_EQUAL_FATAL(run_cli(NULL, args), 0);
    snprintf(args, sizeof args, "train " QUICK " --out %s", test_path("diff-b"));
    CU_ASSERT_EQUAL_FATAL(run_cli(NULL, args), 0);
    char out[800];
    snprintf(out, sizeof out, "%s", test_path("diff-ab"));
    snprintf(args, sizeof args, "diff %s %s --out %s", test_path("diff-a"), test_path("diff-b"), out);
    CU_ASSERT_EQUAL_FATAL(run_cli(NULL, args), 0);
    /* the counts, recomputed from the two predictions files */
    Predictions a, b;
    CU_ASSERT_EQUAL_FATAL(predictions_read(in_dir(test_path("diff-a"), "predictions.csv"), &a), 0);
    CU_ASSERT_EQUAL_FATAL(predictions_read(in_dir(test_path("diff-b"), "predictions.csv"), &b), 0);
    long n[4] = {0};
    for (int i = 0; i < a.n; i++)
        n[(a.pred[i] != a.truth[i]) * 2 + (b.pred[i] != b.truth[i])]++;
    char want[200];
    snprintf(want, sizeof want, "both right %ld, only A %ld, only B %ld, neither %ld", n[0], n[1], n[2],
             n[3]);
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(test_path("explore.out")), want));
    CU_ASSERT(n[2] > 0);      /* lr 0.004 fixes images that lr 0.0003 gets wrong after one epoch */
    /* it ends with McNemar's verdict on the same counts (common/stats) */
    char verdict[600], line[700];
    stats_mcnemar_verdict(test_path("diff-a"), test_path("diff-b"), n[1], n[2], verdict,
                          sizeof verdict);
    snprintf(line, sizeof line, "McNemar's exact test: %s\n", verdict);
    const char *said = test_slurp(test_path("explore.out"));
    CU_ASSERT(strlen(said) >= strlen(line) && !strcmp(said + strlen(said) - strlen(line), line));
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(in_dir(out, "DIFF.md")), verdict));
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(in_dir(out, "DIFF.md")), "| **A wrong** |"));
    assert_png(in_dir(out, "classes.png"), 1000, 520);
    unsigned w, h;
    CU_ASSERT_EQUAL(test_png_size(in_dir(out, "fixed.png"), &w, &h), 0);
    CU_ASSERT(w >= 10 * 30 * 3 + 40);     /* ten columns at least: the title fits */
    CU_ASSERT_EQUAL(exists(in_dir(out, "broken.png")), n[1] > 0);
    predictions_free(&a);
    predictions_free(&b);
}

static void test_diff_refuses_runs_tested_on_other_images(void)
{
    if (!test_need_mnist())
        return;
    char args[2400];
    snprintf(args, sizeof args, "train " QUICK " --set train.seed=2 --out %s", test_path("diff-c"));
    CU_ASSERT_EQUAL_FATAL(run_cli(NULL, args), 0);
    snprintf(args, sizeof args, "diff %s %s --out %s", test_path("diff-b"), test_path("diff-c"),
             test_path("diff-bc"));
    CU_ASSERT_EQUAL(run_cli(NULL, args), 1);
    assert_one_line_error("were not tested on the same images", "seed?");
    CU_ASSERT(!exists(test_path("diff-bc")));
    /* a ten-class run against a binary one: other classes */
    snprintf(args, sizeof args, "diff %s %s", test_path("diff-b"), test_path("pred-10"));
    CU_ASSERT_EQUAL(run_cli(NULL, args), 1);
    assert_one_line_error("were not tested on the same images", "classes differ");
}

static void test_diff_refuses_a_folder_without_predictions(void)
{
    char args[2400];
    snprintf(args, sizeof args, "diff %s %s", test_tmpdir(), test_tmpdir());
    CU_ASSERT_EQUAL(run_cli(NULL, args), 1);
    assert_one_line_error("predictions.csv: cannot open", NULL);
    CU_ASSERT_EQUAL(run_cli(NULL, "diff results/only-one"), 2);
    assert_one_line_error("diff takes two run folders", NULL);
}

/* ---- live curves ---- */

static void test_live_curves_are_redrawn_after_evaluated_epochs(void)
{
    if (!test_need_mnist())
        return;
    char args[1200];
    snprintf(args, sizeof args, "train experiments/cnn-4v9.conf --set train.epochs=3 --out %s",
             test_path("live"));
    CU_ASSERT_EQUAL_FATAL(run_cli("MNISTLAB_LIVE_INTERVAL=0", args), 0);
    /* after epochs 1 and 2; the drawing after epoch 3 is the final one */
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(test_path("explore.out")), "curves.png was redrawn 2 times"));
    assert_png(in_dir(test_path("live"), "curves.png"), 960, 860);
    snprintf(args, sizeof args, "train experiments/cnn-4v9.conf --set train.epochs=3 --no-live --out %s",
             test_path("live-off"));
    CU_ASSERT_EQUAL_FATAL(run_cli("MNISTLAB_LIVE_INTERVAL=0", args), 0);
    CU_ASSERT_PTR_NULL(strstr(test_slurp(test_path("explore.out")), "redrawn"));
}


/* ---- cost against accuracy (REPORT.md) ---- */

static void test_cost_first_reaching_counts_training_seconds_up_to_that_epoch(void)
{
    EpochRecord r[3] = {{.epoch = 1, .test_acc = 0.90, .seconds = 2.0},
                        {.epoch = 2, .test_acc = 0.97, .seconds = 3.0},
                        {.epoch = 3, .test_acc = 0.96, .seconds = 4.0}};
    double s;
    CU_ASSERT_EQUAL(cost_first_reaching(r, 3, 0.90, 9.0, &s), 1);
    CU_ASSERT_DOUBLE_EQUAL(s, 2.0, 1e-12);
    CU_ASSERT_EQUAL(cost_first_reaching(r, 3, 0.965, 9.0, &s), 2);
    CU_ASSERT_DOUBLE_EQUAL(s, 5.0, 1e-12);
    CU_ASSERT_EQUAL(cost_first_reaching(r, 3, 0.99, 9.0, &s), -1);
    CU_ASSERT(isnan(s));
    /* evaluated every other epoch: the recorded 9 s stand for a total of 18 */
    CU_ASSERT_EQUAL(cost_first_reaching(r, 3, 0.97, 18.0, &s), 2);
    CU_ASSERT_DOUBLE_EQUAL(s, 10.0, 1e-12);
}

static void test_cost_levels_span_the_runs_of_a_task(void)
{
    double ten[] = {0.925, 0.978, 0.991, 0.9885, 0.9914}, lv[COST_LEVELS];
    cost_choose_levels(ten, 5, 0.1, lv);     /* softmax, mlp, cnn, lenet, cnn-wide */
    CU_ASSERT_DOUBLE_EQUAL(lv[0], 0.90, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(lv[1], 0.97, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(lv[2], 0.99, 1e-12);
    double same[] = {0.991, 0.992}, low[] = {0.3};
    cost_choose_levels(same, 2, 0.5, lv);
    CU_ASSERT(lv[0] < lv[1] && lv[1] < lv[2]);   /* three distinct levels even when runs agree */
    CU_ASSERT_DOUBLE_EQUAL(lv[2], 0.99, 1e-12);
    cost_choose_levels(low, 1, 0.1, lv);
    CU_ASSERT(lv[0] < lv[1] && lv[1] < lv[2]);
    /* a run stuck at chance does not pull the bottom level down */
    double lr[] = {0.946, 0.991, 0.992, 0.50, 0.51};
    cost_choose_levels(lr, 5, 0.5, lv);
    CU_ASSERT_DOUBLE_EQUAL(lv[0], 0.90, 1e-12);
}

/* ---- results/index.html ---- */

static void test_html_from_markdown_makes_tables_links_and_images(void)
{
    const char *md = "# Title\n\nSome *best* text with `code`.\n\n| run | acc |\n|---|---:|\n"
                     "| [a](a/) | 1 < 2 & 3 |\n\n![the chart](compare.png)\n";
    const char *path = test_path("md.html");
    FILE *f = fopen(path, "w");
    CU_ASSERT_FATAL(f != NULL);
    html_from_markdown(f, md, "sub/", NULL, NULL);
    fclose(f);
    const char *h = test_slurp(path);
    CU_ASSERT_PTR_NOT_NULL(strstr(h, "<h2>Title</h2>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(h, "<p>Some <i>best</i> text with <code>code</code>.</p>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(h, "<tr><th>run</th><th>acc</th></tr>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(h, "<td><a href=\"./sub/a/\">a</a></td><td>1 &lt; 2 &amp; 3</td>"));
    CU_ASSERT_PTR_NULL(strstr(h, "---"));       /* the separator row is not a row */
    CU_ASSERT_PTR_NOT_NULL(strstr(h, "<img src=\"./sub/compare.png\" alt=\"the chart\""));
}

/* REPORT.md's bullet items ("* ...", wrapped lines indented) become a list, not one paragraph. */
static void test_html_from_markdown_makes_lists(void)
{
    const char *md = "Seed groups:\n\n* cnn against mlp: p = 0.01\n* mlp against softmax:\n  p = 0.4\n\n"
                     "After.\n- one\n";
    const char *path = test_path("md-list.html");
    FILE *f = fopen(path, "w");
    CU_ASSERT_FATAL(f != NULL);
    html_from_markdown(f, md, "", NULL, NULL);
    fclose(f);
    const char *h = test_slurp(path);
    CU_ASSERT_PTR_NOT_NULL(strstr(h, "<p>Seed groups:</p>\n<ul>\n<li>cnn against mlp: p = 0.01</li>\n"
                                     "<li>mlp against softmax: p = 0.4</li></ul>\n<p>After.</p>\n"
                                     "<ul>\n<li>one</li></ul>\n"));
}

/* A results folder with 1,100 sweeps: the page lists every one (it stopped at 1,024 entries of a
 * folder, silently). */
static void test_html_page_lists_every_sweep_of_a_large_folder(void)
{
    char root[900], dir[1000];
    snprintf(root, sizeof root, "%s", test_path("many-sweeps"));
    for (int i = 0; i < 1100; i++) {
        snprintf(dir, sizeof dir, "%s/s%04d", root, i);
        CU_ASSERT_FATAL(make_dirs(dir) == MNL_OK);
        strcat(dir, "/SWEEP.md");
        CU_ASSERT_FATAL(test_write_file(dir, "# a sweep\n", 10) == 0);
    }
    CU_ASSERT_EQUAL_FATAL(html_write_index(root), MNL_OK);
    snprintf(dir, sizeof dir, "%s/index.html", root);
    FILE *f = fopen(dir, "r");          /* larger than test_slurp's buffer */
    CU_ASSERT_FATAL(f != NULL);
    char *h = calloc(1 << 22, 1);
    CU_ASSERT_FATAL(h != NULL);
    size_t len = fread(h, 1, (1 << 22) - 1, f);
    fclose(f);
    CU_ASSERT(len > 0 && len < (1 << 22) - 1);
    int sections = 0;
    for (const char *p = h; (p = strstr(p, "<div class=\"sec\"")); p++)
        sections++;
    CU_ASSERT_EQUAL(sections, 1100);
    CU_ASSERT_PTR_NOT_NULL(strstr(h, "s1099/"));
    CU_ASSERT_PTR_NULL(strstr(h, "are not on this page"));
    free(h);
}

static int xml_errors;
static void count_xml_error(void *ctx, const char *msg, ...)
{
    (void)ctx;
    if (xml_errors++ == 0) {
        va_list ap;
        va_start(ap, msg);
        fputs("\n    index.html: ", stderr);
        vfprintf(stderr, msg, ap);
        va_end(ap);
    }
}

/* Every value of an XPath expression over doc, for the caller to check. */
static int each_value(xmlDocPtr doc, const char *xpath, int (*check)(const char *, void *), void *ctx)
{
    xmlXPathContextPtr x = xmlXPathNewContext(doc);
    xmlXPathObjectPtr r = x ? xmlXPathEvalExpression((const xmlChar *)xpath, x) : NULL;
    int n = 0, bad = 0;
    if (r && r->nodesetval)
        for (int i = 0; i < r->nodesetval->nodeNr; i++) {
            xmlChar *v = xmlNodeGetContent(r->nodesetval->nodeTab[i]);
            bad += !check((const char *)v, ctx);
            n++;
            xmlFree(v);
        }
    xmlXPathFreeObject(r);
    xmlXPathFreeContext(x);
    return bad ? -bad : n;
}

static int image_exists(const char *src, void *root)
{
    int ok = exists(in_dir(root, src));
    if (!ok)
        fprintf(stderr, "\n    index.html names %s, which does not exist", src);
    return ok;
}

static int anchor_exists(const char *href, void *doc)
{
    if (href[0] != '#')
        return 1;
    char xp[800];
    snprintf(xp, sizeof xp, "//*[@id='%s']", href + 1);
    xmlXPathContextPtr x = xmlXPathNewContext(doc);
    xmlXPathObjectPtr r = xmlXPathEvalExpression((const xmlChar *)xp, x);
    int ok = r && r->nodesetval && r->nodesetval->nodeNr == 1;
    if (!ok)
        fprintf(stderr, "\n    index.html links to %s, which is not one element", href);
    xmlXPathFreeObject(r);
    xmlXPathFreeContext(x);
    return ok;
}

static int contains_png(const char *src, void *want)
{
    if (strstr(src, (const char *)want))
        *(int *)((char *)want + 200) = 1;
    return 1;
}

/* Whether some img src ends with name. */
static int page_shows(xmlDocPtr doc, const char *name)
{
    struct { char name[200]; int found; } w;
    memset(&w, 0, sizeof w);
    snprintf(w.name, sizeof w.name, "%s", name);
    each_value(doc, "//*[local-name()='img']/@src", contains_png, &w);
    return w.found;
}

static void test_compare_writes_an_index_page_that_parses_and_whose_images_exist(void)
{
    if (!test_need_mnist())
        return;
    char root[512], args[4096];
    snprintf(root, sizeof root, "%s", test_path("site"));     /* test_path's buffers rotate */
    snprintf(args, sizeof args, "train " QUICK " --out %s/cnn-4v9", root);
    CU_ASSERT_EQUAL_FATAL(run_cli(NULL, args), 0);
    snprintf(args, sizeof args, "sweep " QUICK " --vary train.lr=0.001,0.01 --out %s/sweep-lr", root);
    CU_ASSERT_EQUAL_FATAL(run_cli(NULL, args), 0);
    snprintf(args, sizeof args, "diff %s/sweep-lr/lr=0.001/seed1 %s/cnn-4v9 --out %s/diffs/lr", root,
             root, root);
    CU_ASSERT_EQUAL_FATAL(run_cli(NULL, args), 0);
    snprintf(args, sizeof args, "compare %s", root);
    /* with a copy of the cost chart's series beside it, read below */
    CU_ASSERT_EQUAL_FATAL(run_cli("MNISTLAB_KEEP_PLOT_DATA=1", args), 0);
    xml_errors = 0;
    xmlSetGenericErrorFunc(NULL, count_xml_error);
    xmlDocPtr doc = xmlReadFile(in_dir(root, "index.html"), NULL, XML_PARSE_NONET);
    xmlSetGenericErrorFunc(NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    CU_ASSERT_EQUAL(xml_errors, 0);
    int images = each_value(doc, "//*[local-name()='img']/@src", image_exists, root);
    CU_ASSERT(images >= 12);
    CU_ASSERT(each_value(doc, "//*[local-name()='a']/@href", anchor_exists, doc) > 0);
    CU_ASSERT(page_shows(doc, "cnn-4v9/roc.png"));
    CU_ASSERT(page_shows(doc, "sweep-lr/sweep.png"));
    CU_ASSERT(page_shows(doc, "sweep-lr/lr=0.01/seed1/curves.png"));
    CU_ASSERT(page_shows(doc, "diffs/lr/classes.png"));
    CU_ASSERT(page_shows(doc, "compare"));
    CU_ASSERT(page_shows(doc, "cost-mnist-classes-4-9-500-test-images.png"));
    xmlFreeDoc(doc);
    /* the report's cost section: every run, the seconds to each accuracy, and its chart */
    const char *md = test_slurp(in_dir(root, "REPORT.md"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "**What the accuracy cost.**"));
    /* a network's size is its parameters, in float32 bytes (1521 * 4 = 6084 B); its prediction
     * time is its last test evaluation's */
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| [sweep-lr/lr=0.01/seed1](./sweep-lr/lr=0.01/seed1/) | 1521 "
                                      "parameters | 6084 B |"));
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(in_dir(root, "cnn-4v9/summary.txt")), "predict_ms_per_1000 = "));
    /* the chart's x axis is the size in bytes for every family (the key names each run with its
     * size in its own unit); three panels of 550 px, and the key below the first, one run a row
     * (three runs: cnn-4v9 and the two of the sweep) */
    const char *dat = test_slurp(in_dir(root, "cost-mnist-classes-4-9-500-test-images.dat"));
    CU_ASSERT_PTR_NOT_NULL(strstr(dat, "\n6084 "));
    assert_png(in_dir(root, "cost-mnist-classes-4-9-500-test-images.png"), 1650, 600 + 19 * 3);
}

int register_explore_tests(void)
{
    CU_pSuite s = CU_add_suite("explore", NULL, NULL);
    if (!s)
        return -1;
    struct { const char *name; CU_TestFunc fn; } tests[] = {
        {"sweep_parse_vary_splits_values_and_keeps_spaces",
         test_sweep_parse_vary_splits_values_and_keeps_spaces},
        {"sweep_parse_vary_refuses_missing_empty_and_repeated_values",
         test_sweep_parse_vary_refuses_missing_empty_and_repeated_values},
        {"sweep_parse_seeds_takes_spaces_or_commas", test_sweep_parse_seeds_takes_spaces_or_commas},
        {"sweep_parse_seeds_refuses_a_repeated_seed", test_sweep_parse_seeds_refuses_a_repeated_seed},
        {"sweep_writes_a_run_per_value_and_seed_and_its_pictures",
         test_sweep_writes_a_run_per_value_and_seed_and_its_pictures},
        {"sweep_run_again_keeps_finished_runs", test_sweep_run_again_keeps_finished_runs},
        {"sweep_two_settings_draw_a_heatmap", test_sweep_two_settings_draw_a_heatmap},
        {"sweep_diverged_run_is_a_row_not_the_end", test_sweep_diverged_run_is_a_row_not_the_end},
        {"sweep_bad_value_is_refused_before_any_training",
         test_sweep_bad_value_is_refused_before_any_training},
        {"sweep_usage_errors_name_what_is_missing", test_sweep_usage_errors_name_what_is_missing},
        {"predictions_file_round_trips", test_predictions_file_round_trips},
        {"predictions_read_refuses_a_cut_file", test_predictions_read_refuses_a_cut_file},
        {"predictions_other_images_are_told_apart", test_predictions_other_images_are_told_apart},
        {"diff_count_sorts_every_image_into_one_of_four",
         test_diff_count_sorts_every_image_into_one_of_four},
        {"roc_auc_is_the_chance_a_positive_outscores_a_negative",
         test_roc_auc_is_the_chance_a_positive_outscores_a_negative},
        {"roc_at_counts_a_threshold_as_score_at_least_t",
         test_roc_at_counts_a_threshold_as_score_at_least_t},
        {"binary_run_draws_roc_and_accuracy_at_thresholds",
         test_binary_run_draws_roc_and_accuracy_at_thresholds},
        {"degenerate_roc_gives_each_point_one_label", test_degenerate_roc_gives_each_point_one_label},
        {"ten_class_run_has_predictions_but_no_roc", test_ten_class_run_has_predictions_but_no_roc},
        {"diff_counts_the_shared_test_set_and_draws_both_ways",
         test_diff_counts_the_shared_test_set_and_draws_both_ways},
        {"diff_refuses_runs_tested_on_other_images", test_diff_refuses_runs_tested_on_other_images},
        {"diff_refuses_a_folder_without_predictions", test_diff_refuses_a_folder_without_predictions},
        {"live_curves_are_redrawn_after_evaluated_epochs",
         test_live_curves_are_redrawn_after_evaluated_epochs},
        {"cost_first_reaching_counts_training_seconds_up_to_that_epoch",
         test_cost_first_reaching_counts_training_seconds_up_to_that_epoch},
        {"cost_levels_span_the_runs_of_a_task", test_cost_levels_span_the_runs_of_a_task},
        {"html_from_markdown_makes_tables_links_and_images",
         test_html_from_markdown_makes_tables_links_and_images},
        {"html_from_markdown_makes_lists", test_html_from_markdown_makes_lists},
        {"html_page_lists_every_sweep_of_a_large_folder", test_html_page_lists_every_sweep_of_a_large_folder},
        {"compare_writes_an_index_page_that_parses_and_whose_images_exist",
         test_compare_writes_an_index_page_that_parses_and_whose_images_exist},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            return -1;
    return 0;
}
