/* tests/test_robustness: what `mnistlab robustness` promises. Each change is exact on a tiny image
 * (a shift moves pixels and fills the background, a rotation by 0 and an occlusion of side 0 change
 * nothing, noise stays in the pixel range and is the same for the same image and seed, an occlusion
 * blanks exactly its square); level 0 of every transform is the run's own test accuracy; the same
 * command gives the same numbers; the runs of DIR/seedN/ form one group; an unfinished run and
 * every bad value are refused by name with exit 2. The command-line tests train tiny softmax runs
 * on real MNIST (a second or two each). */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "experiments/robustness.h"
#include "tests/test_util.h"

enum { H = 4, W = 5 };

static void ramp(float *img)
{
    for (int i = 0; i < H * W; i++)
        img[i] = 0.05f * (float)(i + 1);
}

static void test_robustness_shift_moves_pixels_exactly_and_fills_the_background(void)
{
    float in[H * W], out[H * W];
    ramp(in);
    robust_shift(out, in, H, W, 2, -1, -0.5f);     /* right by 2, up by 1 */
    int ok = 1;
    for (int i = 0; i < H; i++)
        for (int j = 0; j < W; j++) {
            int si = i + 1, sj = j - 2;
            float want = si < H && sj >= 0 ? in[si * W + sj] : -0.5f;
            ok &= out[i * W + j] == want;
        }
    CU_ASSERT(ok);
    robust_shift(out, in, H, W, 0, 0, -0.5f);
    CU_ASSERT_EQUAL(memcmp(in, out, sizeof in), 0);
}

static void test_robustness_rotation_by_zero_is_the_image_and_a_quarter_turn_moves_a_corner(void)
{
    enum { N = 5 };
    float in[N * N], out[N * N];
    memset(in, 0, sizeof in);
    in[0 * N + 4] = 1.0f;
    robust_rotate(out, in, N, N, 0.0f, 0.0f);
    CU_ASSERT_EQUAL(memcmp(in, out, sizeof in), 0);
    robust_rotate(out, in, N, N, 90.0f, 0.0f);
    CU_ASSERT_DOUBLE_EQUAL(out[4 * N + 4], 1.0, 1e-5);     /* top right to bottom right */
    CU_ASSERT_DOUBLE_EQUAL(out[0 * N + 4], 0.0, 1e-5);
}

static void test_robustness_noise_of_zero_is_the_image(void)
{
    float in[H * W], out[H * W];
    ramp(in);
    robust_noise(out, in, H, W, 0.0f, 3.0f, -0.4f, 1, 7);
    CU_ASSERT_EQUAL(memcmp(in, out, sizeof in), 0);
}

static void test_robustness_noise_stays_in_the_pixel_range_and_repeats_for_the_same_image(void)
{
    /* normalisation x = 2 p - 1: pixels 0 and 1 are -1 and 1 */
    float in[H * W], a[H * W], b[H * W], c[H * W];
    for (int i = 0; i < H * W; i++)
        in[i] = i % 2 ? 1.0f : -1.0f;
    robust_noise(a, in, H, W, 0.5f, 2.0f, -1.0f, 3, 11);
    robust_noise(b, in, H, W, 0.5f, 2.0f, -1.0f, 3, 11);
    robust_noise(c, in, H, W, 0.5f, 2.0f, -1.0f, 3, 12);
    int in_range = 1, changed = 0;
    for (int i = 0; i < H * W; i++) {
        in_range &= a[i] >= -1.0f && a[i] <= 1.0f;
        changed += a[i] != in[i];
    }
    CU_ASSERT(in_range);
    CU_ASSERT(changed > 0);
    CU_ASSERT_EQUAL(memcmp(a, b, sizeof a), 0);         /* same seed and image: same noise */
    CU_ASSERT_NOT_EQUAL(memcmp(a, c, sizeof a), 0);     /* another image: other noise */
}

static void test_robustness_noise_has_the_asked_standard_deviation(void)
{
    /* mid-grey pixels far from the clipping: the sample deviation of p is sigma */
    enum { S = 64 };
    static float in[S * S], out[S * S];
    for (int i = 0; i < S * S; i++)
        in[i] = 0.5f;
    robust_noise(out, in, S, S, 0.1f, 1.0f, 0.0f, 1, 0);
    double s = 0, ss = 0;
    for (int i = 0; i < S * S; i++)
        s += out[i] - 0.5, ss += (out[i] - 0.5) * (out[i] - 0.5);
    double mean = s / (S * S), sd = sqrt(ss / (S * S) - mean * mean);
    CU_ASSERT(fabs(mean) < 0.01);
    CU_ASSERT(fabs(sd - 0.1) < 0.005);
}

static void test_robustness_occlusion_blanks_exactly_its_square(void)
{
    float in[H * W], out[H * W];
    ramp(in);
    robust_occlude(out, in, H, W, 2, 1, 2, -9.0f);
    int ok = 1, blank = 0;
    for (int i = 0; i < H; i++)
        for (int j = 0; j < W; j++) {
            int inside = i >= 1 && i < 3 && j >= 2 && j < 4;
            ok &= out[i * W + j] == (inside ? -9.0f : in[i * W + j]);
            blank += inside;
        }
    CU_ASSERT(ok);
    CU_ASSERT_EQUAL(blank, 4);
    robust_occlude(out, in, H, W, 0, 1, 2, -9.0f);
    CU_ASSERT_EQUAL(memcmp(in, out, sizeof in), 0);
}

static void test_robustness_draws_are_uniform_and_repeat(void)
{
    double s = 0;
    int in_range = 1;
    for (long i = 0; i < 10000; i++) {
        double u = robust_uniform(5, i, 1000);
        in_range &= u >= 0.0 && u < 1.0;
        s += u;
    }
    CU_ASSERT(in_range);
    CU_ASSERT(fabs(s / 10000 - 0.5) < 0.02);
    CU_ASSERT_EQUAL(robust_uniform(5, 17, 3), robust_uniform(5, 17, 3));
    CU_ASSERT(robust_uniform(5, 17, 3) != robust_uniform(6, 17, 3));
}

/* ---- the command ---- */

static int run(const char *args)
{
    return test_run_program(NULL, args, 0, test_path("rob.out"), test_path("rob.err"));
}

static const char *err_text(void)
{
    return test_slurp(test_path("rob.err"));
}

/* A refused command line: exit 2, one line naming every fragment. */
static void assert_refused(const char *args, const char *a, const char *b)
{
    int rc = run(args);
    const char *e = err_text();
    int ok = rc == 2 && strstr(e, a) && (!b || strstr(e, b)) && strchr(e, '\n') == strrchr(e, '\n');
    if (!ok)
        fprintf(stderr, "\n    %s: exit %d, stderr: %s", args, rc, e);
    CU_ASSERT(ok);
}

static void test_robustness_refuses_bad_levels_by_name(void)
{
    assert_refused("robustness somewhere --shift 0,x", "--shift 0,x", "numbers separated by commas");
    assert_refused("robustness somewhere --shift 0,20", "--shift 0,20", "20 is outside 0..14 pixels");
    assert_refused("robustness somewhere --occlude 0,1.5", "--occlude 0,1.5", "not a whole number");
    assert_refused("robustness somewhere --rotate 10,5", "--rotate 10,5", "rising");
    assert_refused("robustness somewhere --noise -1", "--noise -1", "outside 0..2");
    assert_refused("robustness somewhere --noise 0,", "--noise 0,", "missing after the last comma");
    assert_refused("robustness somewhere --rotate", "--rotate needs its levels", NULL);
    assert_refused("robustness somewhere --shift 0 --shift 1", "--shift is given twice", NULL);
    assert_refused("robustness somewhere --blur 1", "unknown option \"--blur\"", "--occlude");
    assert_refused("robustness somewhere", "needs a transform", "--shift");
    assert_refused("robustness --shift 0,1", "needs run folders", NULL);
    assert_refused("robustness somewhere --shift 0 --seed x", "--seed takes a whole number", NULL);
}

static const char *tiny(void)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s", test_path("rob-tiny.conf"));
    const char *conf =
        "[data]\ndataset = mnist\nnormalize = 0.1307 0.3081\nsubset = 600 200\n"
        "[model]\nfamily = softmax\ninit = uniform 0.08\n"
        "[train]\noptimizer = sgd\nlr = 0.1\nbatch = 50\nepochs = 1\nseed = 1\n";
    test_write_file(path, conf, strlen(conf));
    return path;
}

static int runs_ready;

/* Two seeds of one setting in RUNS/soft/seedN and a permuted run in RUNS/perm. */
static void train_runs(void)
{
    if (runs_ready)
        return;
    char args[4096];
    int ok = 1;
    for (int s = 1; s <= 2; s++) {
        snprintf(args, sizeof args, "train %s --set train.seed=%d --out %s/soft/seed%d --no-live",
                 tiny(), s, test_path("rob-runs"), s);
        ok &= run(args) == 0;
    }
    snprintf(args, sizeof args, "train %s --set data.permute_pixels=1 --out %s/perm --no-live",
             tiny(), test_path("rob-runs"));
    ok &= run(args) == 0;
    CU_ASSERT(ok);
    runs_ready = ok;
}

/* The value after "KEY = " in FILE. */
static double key_of(const char *file, const char *key)
{
    const char *t = test_slurp(file), *p = strstr(t, key);
    return p ? atof(p + strlen(key) + 3) : -1;
}

/* A column of ROBUSTNESS.md's row for group g in the first table ("| g | family | runs | ..."):
 * the mean of level column k (0-based), in percent. */
static double cell(const char *md, const char *g, int k)
{
    char row[128];
    snprintf(row, sizeof row, "\n| %s |", g);
    const char *p = strstr(md, row);
    if (!p)
        return -1;
    p += strlen(row);
    for (int bars = 0; bars < 2 + k && (p = strchr(p, '|')); bars++)
        p++;
    return p ? atof(p) : -1;
}

static void test_robustness_level_zero_is_each_runs_own_test_accuracy(void)
{
    if (!test_need_mnist())
        return;
    train_runs();
    if (!runs_ready)
        return;
    char args[4096], out[1024];
    snprintf(out, sizeof out, "%s", test_path("rob-out"));
    snprintf(args, sizeof args, "robustness %s/soft/seed1 %s/soft/seed2 %s/perm --shift 0,2 "
             "--rotate 0,20 --noise 0,0.5 --occlude 0,10 --out %s", test_path("rob-runs"),
             test_path("rob-runs"), test_path("rob-runs"), out);
    CU_ASSERT_EQUAL_FATAL(run(args), 0);
    char md_path[1100];
    snprintf(md_path, sizeof md_path, "%s/ROBUSTNESS.md", out);
    char md[16384];
    snprintf(md, sizeof md, "%s", test_slurp(md_path));
    char sum[1100];
    snprintf(sum, sizeof sum, "%s/soft/seed1/summary.txt", test_path("rob-runs"));
    double a1 = key_of(sum, "final_test_acc");
    snprintf(sum, sizeof sum, "%s/soft/seed2/summary.txt", test_path("rob-runs"));
    double a2 = key_of(sum, "final_test_acc");
    snprintf(sum, sizeof sum, "%s/perm/summary.txt", test_path("rob-runs"));
    double ap = key_of(sum, "final_test_acc");
    /* the two seeds are one group, "soft", at their mean; the permuted run its own group */
    CU_ASSERT_DOUBLE_EQUAL(cell(md, "soft", 0), 100 * (a1 + a2) / 2, 0.0051);
    CU_ASSERT_DOUBLE_EQUAL(cell(md, "perm", 0), 100 * ap, 0.0051);
    CU_ASSERT(strstr(md, "| soft | softmax | 2 |") != NULL);
    /* a shift of 2 pixels costs a softmax model accuracy, permuted or not: the change reached it */
    CU_ASSERT(cell(md, "soft", 1) < cell(md, "soft", 0));
    CU_ASSERT(cell(md, "perm", 1) < cell(md, "perm", 0));
    static const char *const pics[] = {"shift", "rotate", "noise", "occlude"};
    for (int i = 0; i < 4; i++) {
        char png[1100];
        unsigned w, h;
        snprintf(png, sizeof png, "%s/robustness-%s.png", out, pics[i]);
        CU_ASSERT(test_png_size(png, &w, &h) == 0 && w > 0);
    }
    /* the same command, the same numbers */
    CU_ASSERT_EQUAL_FATAL(run(args), 0);
    CU_ASSERT_STRING_EQUAL(test_slurp(md_path), md);
}

static void test_robustness_on_the_reference_path_gives_the_same_accuracies(void)
{
    if (!test_need_mnist())
        return;
    train_runs();
    if (!runs_ready)
        return;
    char args[4096], fast[16384];
    for (int ref = 0; ref < 2; ref++) {
        snprintf(args, sizeof args, "robustness %s/soft/seed1 %s/perm --shift 0,2 --noise 0,0.3 "
                 "--out %s/rob-kern%d%s", test_path("rob-runs"), test_path("rob-runs"),
                 test_path("rob-runs"), ref, ref ? " --kernels reference" : "");
        CU_ASSERT_EQUAL_FATAL(run(args), 0);
        snprintf(args, sizeof args, "%s/rob-kern%d/ROBUSTNESS.md", test_path("rob-runs"), ref);
        if (!ref)
            snprintf(fast, sizeof fast, "%s", test_slurp(args));
        else
            CU_ASSERT_STRING_EQUAL(test_slurp(args), fast);
    }
    assert_refused("robustness somewhere --shift 0 --kernels slow", "--kernels is fast or reference",
                   NULL);
}

static void test_robustness_refuses_an_unfinished_run_by_name(void)
{
    if (!test_need_mnist())
        return;
    train_runs();
    if (!runs_ready)
        return;
    char args[4096], dir[1100];
    snprintf(dir, sizeof dir, "%s/soft-cut", test_path("rob-runs"));
    snprintf(args, sizeof args, "rm -rf %s && cp -r %s/soft/seed1 %s && rm %s/finished.txt", dir,
             test_path("rob-runs"), dir, dir);
    CU_ASSERT_EQUAL_FATAL(system(args), 0);
    snprintf(args, sizeof args, "robustness %s --shift 0,1 --out %s", dir, test_path("rob-out2"));
    CU_ASSERT_NOT_EQUAL(run(args), 0);
    CU_ASSERT(strstr(err_text(), "soft-cut") && strstr(err_text(), "robustness tests finished runs"));
}

int register_robustness_tests(void)
{
    CU_pSuite s = CU_add_suite("robustness", NULL, NULL);
    if (!s)
        return -1;
    struct { const char *name; CU_TestFunc fn; } tests[] = {
        {"shift_moves_pixels_exactly_and_fills_the_background",
         test_robustness_shift_moves_pixels_exactly_and_fills_the_background},
        {"rotation_by_zero_is_the_image_and_a_quarter_turn_moves_a_corner",
         test_robustness_rotation_by_zero_is_the_image_and_a_quarter_turn_moves_a_corner},
        {"noise_of_zero_is_the_image", test_robustness_noise_of_zero_is_the_image},
        {"noise_stays_in_the_pixel_range_and_repeats_for_the_same_image",
         test_robustness_noise_stays_in_the_pixel_range_and_repeats_for_the_same_image},
        {"noise_has_the_asked_standard_deviation", test_robustness_noise_has_the_asked_standard_deviation},
        {"occlusion_blanks_exactly_its_square", test_robustness_occlusion_blanks_exactly_its_square},
        {"draws_are_uniform_and_repeat", test_robustness_draws_are_uniform_and_repeat},
        {"refuses_bad_levels_by_name", test_robustness_refuses_bad_levels_by_name},
        {"level_zero_is_each_runs_own_test_accuracy",
         test_robustness_level_zero_is_each_runs_own_test_accuracy},
        {"on_the_reference_path_gives_the_same_accuracies",
         test_robustness_on_the_reference_path_gives_the_same_accuracies},
        {"refuses_an_unfinished_run_by_name", test_robustness_refuses_an_unfinished_run_by_name},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            return -1;
    return 0;
}
