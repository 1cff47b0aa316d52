/* tests/test_predict: `predict` and `features` on checkpoints saved here from models built by the
 * experiment setup (no training needed): what they print, which files they write, and how they
 * refuse bad arguments and bad images. Runs gnuplot; the test-set cases skip without MNIST. */
#define _DEFAULT_SOURCE   /* wait4 */
#include <CUnit/CUnit.h>
#include <dirent.h>
#include <fcntl.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/error.h"
#include "experiments/predict.h"
#include "experiments/setup.h"
#include "models/checkpoint.h"
#include "tests/test_util.h"

/* ---- fixtures ------------------------------------------------------------------------------ */

static const char *const softmax_conf =
    "[data]\nnormalize = 0.1307 0.3081\n[model]\nfamily = softmax\ninit = uniform 0.08\n"
    "[train]\nbatch = 8\nepochs = 1\nseed = 3\n";
static const char *const sigmoid_conf =
    "[data]\nnormalize = -1..1\nclasses = 4 9\n[model]\nfamily = softmax\nhead = sigmoid\n"
    "[train]\nbatch = 4\nepochs = 1\nseed = 5\n";
static const char *const mlp_conf =
    "[data]\nnormalize = none\n[model]\nfamily = mlp\nhidden = 80\n[train]\nepochs = 1\n";
static const char *const cnn_conf =
    "[data]\nnormalize = 0.1307 0.3081\nsubset = 200 50\n[model]\nfamily = cnn\n"
    "layers = conv 3 3 pad 1, relu, maxpool 2, conv 4 3, relu, maxpool 2, dense 10\n"
    "[train]\nbatch = 16\nepochs = 1\n";

/* A checkpoint of the model conf describes, freshly initialised: dir/model.ckpt. */
static const char *save_checkpoint(const char *dir, const char *conf)
{
    static char path[800];
    snprintf(path, sizeof path, "%s/model.ckpt", test_path(dir));
    char cmd[900];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", test_path(dir));
    CU_ASSERT_FATAL(system(cmd) == 0);
    Experiment ex;
    CU_ASSERT_FATAL(experiment_configure_text(&ex, conf, "test.conf") == MNL_OK);
    CU_ASSERT_FATAL(experiment_build(&ex, 1) == MNL_OK);
    CU_ASSERT_FATAL(checkpoint_save(path, ex.config_text, &ex.model, NULL, 1, NULL, 0) == MNL_OK);
    experiment_free(&ex);
    return path;
}

/* A 90x60 picture of a dark bar on light paper, as a binary PGM. */
static const char *write_bar_pgm(const char *name)
{
    char head[32];
    int k = snprintf(head, sizeof head, "P5\n90 60\n255\n");
    unsigned char b[32 + 90 * 60];
    memcpy(b, head, (size_t)k);
    for (int y = 0; y < 60; y++)
        for (int x = 0; x < 90; x++)
            b[k + y * 90 + x] = (x >= 50 && x < 58 && y >= 8 && y < 52) ? 10 : 240;
    const char *path = test_path(name);
    CU_ASSERT_FATAL(test_write_file(path, b, (size_t)k + 90 * 60) == 0);
    return path;
}

/* ---- running the commands ------------------------------------------------------------------ */

static char captured[16384];

/* Run predict_main or features_main with stdout captured into `captured`. */
static int run_captured(int (*fn)(int, char **), int argc, char **argv)
{
    const char *out = test_path("stdout.txt");
    fflush(stdout);
    int saved = dup(1), fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CU_ASSERT_FATAL(saved >= 0 && fd >= 0);
    dup2(fd, 1);
    close(fd);
    mnl_clear_error();
    int rc = fn(argc, argv);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    FILE *f = fopen(out, "r");
    size_t n = f ? fread(captured, 1, sizeof captured - 1, f) : 0;
    captured[n] = '\0';
    if (f)
        fclose(f);
    return rc;
}

static int detail_has(const char *needle)
{
    if (strstr(mnl_last_error(), needle))
        return 1;
    fprintf(stderr, "\n  detail \"%s\" lacks \"%s\"\n", mnl_last_error(), needle);
    return 0;
}

/* Width and height from a PNG's header (read with libpng); 0 when it is not a PNG. */
static int png_size(const char *path, int *w, int *h)
{
    png_image im;
    memset(&im, 0, sizeof im);
    im.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&im, path))
        return 0;
    *w = (int)im.width;
    *h = (int)im.height;
    png_image_free(&im);
    return 1;
}

static int is_png(const char *path)
{
    int w, h;
    return png_size(path, &w, &h) && w > 100 && h > 100;
}

/* The percentage printed on the line of a class ("  9   97.86%  ####..."), or -1. */
static double printed_percent(const char *class_label)
{
    char key[32];
    snprintf(key, sizeof key, "\n  %s ", class_label);
    const char *p = strstr(captured, key);
    double v;
    return p && sscanf(p + strlen(key), " %lf%%", &v) == 1 ? v : -1.0;
}

/* ---- predict ------------------------------------------------------------------------------- */

/* A checkpoint of a 784-6-10 MLP (about 19 KB of weights) whose settings say
 * hidden = 20000 20000: dir/model.ckpt, valid CRC and all. */
static const char *save_hostile_checkpoint(const char *dir)
{
    static char path[800];
    snprintf(path, sizeof path, "%s/model.ckpt", test_path(dir));
    char cmd[900];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", test_path(dir));
    CU_ASSERT_FATAL(system(cmd) == 0);
    Experiment ex;
    CU_ASSERT_FATAL(experiment_configure_text(&ex, "[model]\nfamily = mlp\nhidden = 6\n", "t.conf") ==
                    MNL_OK);
    CU_ASSERT_FATAL(experiment_build(&ex, 1) == MNL_OK);
    char *text = strstr(ex.config_text, "hidden = 6");
    CU_ASSERT_FATAL(text != NULL);
    char lie[8192];
    snprintf(lie, sizeof lie, "%.*shidden = 20000 20000%s", (int)(text - ex.config_text),
             ex.config_text, text + strlen("hidden = 6"));
    CU_ASSERT_FATAL(checkpoint_save(path, lie, &ex.model, NULL, 1, NULL, 0) == MNL_OK);
    experiment_free(&ex);
    return path;
}

/* The case: building what the settings describe would take 3.3 GB. The refusal comes from
 * comparing them with the file's own tensors first: the process never grows past a small size,
 * and the message names the file. */
static void test_predict_refuses_settings_that_outgrow_the_checkpoint_before_allocating(void)
{
    const char *ckpt = save_hostile_checkpoint("hostile-ckpt");
    fflush(stdout);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        dup2(fd, 1), dup2(fd, 2);
        char *argv[] = {(char *)ckpt, "--random"};
        int rc = predict_main(2, argv);
        int ok = rc == MNL_ERR_CKPT && strstr(mnl_last_error(), ckpt) &&
                 strstr(mnl_last_error(), "refused before building");
        _exit(ok ? 0 : 1);
    }
    int status;
    struct rusage ru;
    CU_ASSERT_FATAL(wait4(pid, &status, 0, &ru) == pid);
    CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* the 784x20000 and 20000x20000 weights alone are 1.7 GB; the test process itself (the suites
     * before this one, ASan's shadow in a SANITIZE build) is what the child starts from */
    CU_ASSERT(ru.ru_maxrss < 600 * 1024);
}

static void test_predict_without_checkpoint_is_a_usage_error(void)
{
    char *argv[] = {"--random"};
    CU_ASSERT_EQUAL(run_captured(predict_main, 1, argv), MNL_ERR_ARG);
    CU_ASSERT(detail_has("usage: mnistlab predict"));
}

static void test_predict_refuses_two_image_choices(void)
{
    char *argv[] = {"m.ckpt", "--index", "3", "--image", "x.png"};
    CU_ASSERT_EQUAL(run_captured(predict_main, 5, argv), MNL_ERR_ARG);
    CU_ASSERT(detail_has("choose one"));
}

static void test_predict_refuses_negative_index(void)
{
    char *argv[] = {"m.ckpt", "--index", "-2"};
    CU_ASSERT_EQUAL(run_captured(predict_main, 3, argv), MNL_ERR_ARG);
    CU_ASSERT(detail_has("--index"));
}

static void test_predict_missing_checkpoint_names_it(void)
{
    const char *ckpt = test_path("nowhere/model.ckpt");
    char *argv[] = {(char *)ckpt, "--image", "x.png"};
    CU_ASSERT_NOT_EQUAL(run_captured(predict_main, 3, argv), MNL_OK);
    CU_ASSERT(detail_has(ckpt));
}

static void test_predict_user_image_prints_every_class_and_writes_png_beside_checkpoint(void)
{
    const char *ckpt = save_checkpoint("p-softmax", softmax_conf);
    const char *img = write_bar_pgm("bar.pgm");
    char *argv[] = {(char *)ckpt, "--image", (char *)img};
    CU_ASSERT_EQUAL_FATAL(run_captured(predict_main, 3, argv), MNL_OK);
    double sum = 0;
    for (int k = 0; k < 10; k++) {
        char label[4];
        snprintf(label, sizeof label, "%d", k);
        double p = printed_percent(label);
        CU_ASSERT(p >= 0.0 && p <= 100.0);
        sum += p;
    }
    CU_ASSERT(sum > 99.8 && sum < 100.2);
    CU_ASSERT_PTR_NOT_NULL(strstr(captured, "prediction: "));
    CU_ASSERT_PTR_NULL(strstr(captured, "true label"));        /* a user image has none */
    int w, h;
    CU_ASSERT(png_size(test_path("p-softmax/predict.png"), &w, &h));
    CU_ASSERT(w >= 800 && h >= 500);
}

static void test_predict_sigmoid_head_names_original_digits(void)
{
    const char *ckpt = save_checkpoint("p-sigmoid", sigmoid_conf);
    const char *img = write_bar_pgm("bar2.pgm");
    const char *out = test_path("p-sigmoid/mine.png");
    char *argv[] = {(char *)ckpt, "--image", (char *)img, "--out", (char *)out};
    CU_ASSERT_EQUAL_FATAL(run_captured(predict_main, 5, argv), MNL_OK);
    double p4 = printed_percent("4"), p9 = printed_percent("9");
    CU_ASSERT(p4 >= 0.0 && p9 >= 0.0);
    CU_ASSERT(p4 + p9 > 99.9 && p4 + p9 < 100.1);              /* (1 - s, s) */
    CU_ASSERT_EQUAL(printed_percent("0"), -1.0);              /* only the model's two classes */
    CU_ASSERT(is_png(out));
}

static void test_predict_subset_model_says_which_classes_it_knows(void)
{
    const char *ckpt = save_checkpoint("p-known", sigmoid_conf);
    const char *img = write_bar_pgm("bar3.pgm");
    char *argv[] = {(char *)ckpt, "--image", (char *)img, "--out", (char *)test_path("p-known/a.png")};
    CU_ASSERT_EQUAL_FATAL(run_captured(predict_main, 5, argv), MNL_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(captured, "note: this model knows only 4 and 9;"));
    const char *ten = save_checkpoint("p-ten", softmax_conf);
    char *argv10[] = {(char *)ten, "--image", (char *)img, "--out", (char *)test_path("p-ten/a.png")};
    CU_ASSERT_EQUAL_FATAL(run_captured(predict_main, 5, argv10), MNL_OK);
    CU_ASSERT_PTR_NULL(strstr(captured, "knows only"));
}

static void test_predict_fashion_model_names_its_classes(void)
{
    static const char *const conf =
        "[data]\ndataset = fashion\nclasses = 4 6\n[model]\nfamily = softmax\n[train]\nepochs = 1\n";
    const char *ckpt = save_checkpoint("p-fashion", conf);
    const char *img = write_bar_pgm("bar4.pgm");
    char *argv[] = {(char *)ckpt, "--image", (char *)img, "--out", (char *)test_path("p-fashion/a.png")};
    CU_ASSERT_EQUAL_FATAL(run_captured(predict_main, 5, argv), MNL_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(captured, "Coat"));
    CU_ASSERT_PTR_NOT_NULL(strstr(captured, "Shirt"));
    CU_ASSERT_PTR_NOT_NULL(strstr(captured, "knows only 4 Coat and 6 Shirt"));
}

static void test_predict_refuses_bad_image_and_writes_nothing(void)
{
    const char *ckpt = save_checkpoint("p-bad", softmax_conf);
    const char *img = test_path("blank.pgm");
    const char *text = "P2 4 4 255 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9\n";
    CU_ASSERT_FATAL(test_write_file(img, text, strlen(text)) == 0);
    char *argv[] = {(char *)ckpt, "--image", (char *)img};
    CU_ASSERT_EQUAL(run_captured(predict_main, 3, argv), MNL_ERR_IMAGE);
    CU_ASSERT(detail_has(img));
    CU_ASSERT(access(test_path("p-bad/predict.png"), F_OK) != 0);
}

static void test_predict_test_image_prints_true_label(void)
{
    if (!test_need_mnist())
        return;
    const char *ckpt = save_checkpoint("p-index", softmax_conf);
    char *argv[] = {(char *)ckpt, "--index", "0"};
    CU_ASSERT_EQUAL_FATAL(run_captured(predict_main, 3, argv), MNL_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(captured, "true label 7"));   /* t10k #0 is a 7 */
    CU_ASSERT(is_png(test_path("p-index/predict.png")));
}

static void test_predict_index_beyond_test_set_names_its_size(void)
{
    if (!test_need_mnist())
        return;
    const char *ckpt = save_checkpoint("p-range", cnn_conf);
    char *argv[] = {(char *)ckpt, "--index", "50"};
    CU_ASSERT_EQUAL(run_captured(predict_main, 3, argv), MNL_ERR_ARG);
    CU_ASSERT(detail_has("50 images (0..49)"));
}

/* ---- features ------------------------------------------------------------------------------ */

static void test_features_softmax_writes_weight_templates(void)
{
    const char *ckpt = save_checkpoint("f-softmax", softmax_conf);
    char *argv[] = {(char *)ckpt};
    CU_ASSERT_EQUAL_FATAL(run_captured(features_main, 1, argv), MNL_OK);
    const char *png = test_path("f-softmax/weights.png");
    CU_ASSERT(is_png(png));
    CU_ASSERT_PTR_NOT_NULL(strstr(captured, png));             /* the path is printed */
}

static void test_features_mlp_draws_at_most_64_templates(void)
{
    const char *ckpt = save_checkpoint("f-mlp", mlp_conf);
    const char *dir = test_path("f-mlp/elsewhere");
    char *argv[] = {(char *)ckpt, "--out", (char *)dir};
    CU_ASSERT_EQUAL_FATAL(run_captured(features_main, 3, argv), MNL_OK);
    CU_ASSERT(is_png(test_path("f-mlp/elsewhere/weights.png")));
    /* the labels file lists one line per template after its header */
    FILE *f = fopen(test_path("f-mlp/elsewhere/weights.labels.dat"), "r");
    CU_ASSERT_FATAL(f != NULL);
    int lines = 0;
    for (int c; (c = fgetc(f)) != EOF;)
        lines += c == '\n';
    fclose(f);
    CU_ASSERT_EQUAL(lines, 1 + 64);
}

static void test_features_cnn_writes_one_png_per_stage(void)
{
    if (!test_need_mnist())
        return;
    const char *ckpt = save_checkpoint("f-cnn", cnn_conf);
    char *argv[] = {(char *)ckpt, "--index", "4"};
    CU_ASSERT_EQUAL_FATAL(run_captured(features_main, 3, argv), MNL_OK);
    static const char *const want[] = {"features-00-input.png", "features-01-conv1.png",
                                       "features-02-relu1.png", "features-03-maxpool1.png",
                                       "features-04-conv2.png", "features-05-relu2.png",
                                       "features-06-maxpool2.png"};
    char path[900];
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", test_path("f-cnn"), want[i]);
        CU_ASSERT(is_png(path));
    }
    /* the dense output too: its ten logits, each written under its class */
    snprintf(path, sizeof path, "%s/features-07-dense1.png", test_path("f-cnn"));
    CU_ASSERT(is_png(path));
    snprintf(path, sizeof path, "%s/features-07-dense1.labels.dat", test_path("f-cnn"));
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(path), "\"7: "));
}

/* cnn-4v9's last pool is 16 maps of 1x1, then one logit: both drawn, the logit's probability in
 * the title. */
/* features --index leaves its pictures and nothing else: no data file per stage. */
static void test_features_index_leaves_no_data_files(void)
{
    if (!test_mnist_dir())
        return;
    const char *ckpt = save_checkpoint("f-clean", cnn_conf);
    unsetenv("MNISTLAB_KEEP_PLOT_DATA");
    char *argv[] = {(char *)ckpt, "--index", "3"};
    int rc = run_captured(features_main, 3, argv);
    setenv("MNISTLAB_KEEP_PLOT_DATA", "1", 1);
    CU_ASSERT_EQUAL_FATAL(rc, MNL_OK);
    int pngs = 0, others = 0;
    DIR *d = opendir(test_path("f-clean"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len > 4 && !strcmp(e->d_name + len - 4, ".dat")) {
            fprintf(stderr, "\n    left behind: %s", e->d_name);
            others++;
        } else if (len > 4 && !strcmp(e->d_name + len - 4, ".png")) {
            pngs++;
        }
    }
    closedir(d);
    CU_ASSERT(pngs >= 8);
    CU_ASSERT_EQUAL(others, 0);
}

static void test_features_cnn_draws_a_one_by_one_pool_and_the_logit(void)
{
    if (!test_need_mnist())
        return;
    static const char *const conf =
        "[data]\nclasses = 4 9\nsubset = 200 50\n[model]\nfamily = cnn\nhead = sigmoid\n"
        "layers = conv 4 3, relu, maxpool 2, conv 8 3, relu, maxpool 2, conv 16 3, relu, maxpool 2, "
        "dense 1\n[train]\nbatch = 16\nepochs = 1\n";
    const char *ckpt = save_checkpoint("f-4v9", conf);
    char *argv[] = {(char *)ckpt, "--index", "1"};
    CU_ASSERT_EQUAL_FATAL(run_captured(features_main, 3, argv), MNL_OK);
    char path[900];
    snprintf(path, sizeof path, "%s/features-09-maxpool3.png", test_path("f-4v9"));
    CU_ASSERT(access(path, R_OK) == 0);
    snprintf(path, sizeof path, "%s/features-10-dense1.png", test_path("f-4v9"));
    CU_ASSERT(access(path, R_OK) == 0);
    snprintf(path, sizeof path, "%s/features-10-dense1.labels.dat", test_path("f-4v9"));
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(path), "logit "));
    CU_ASSERT_PTR_NOT_NULL(strstr(captured, "features-10-dense1.png"));
}

static void test_features_weights_draws_the_first_convolutions_kernels(void)
{
    const char *ckpt = save_checkpoint("f-kernels", cnn_conf);
    char *argv[] = {(char *)ckpt, "--weights"};
    CU_ASSERT_EQUAL_FATAL(run_captured(features_main, 2, argv), MNL_OK);
    char path[900];
    snprintf(path, sizeof path, "%s/weights.png", test_path("f-kernels"));
    CU_ASSERT(access(path, R_OK) == 0);
    snprintf(path, sizeof path, "%s/weights.labels.dat", test_path("f-kernels"));
    const char *labels = test_slurp(path);
    CU_ASSERT(strstr(labels, "\"1\"") && strstr(labels, "\"3\"") && !strstr(labels, "\"4\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(captured, "weights.png"));
    snprintf(path, sizeof path, "%s/features-00-input.png", test_path("f-kernels"));
    CU_ASSERT(access(path, F_OK) != 0);
}

static void test_features_unexpected_argument_is_a_usage_error(void)
{
    char *argv[] = {"m.ckpt", "--random"};
    CU_ASSERT_EQUAL(run_captured(features_main, 2, argv), MNL_ERR_ARG);
    CU_ASSERT(detail_has("usage: mnistlab features"));
}

/* The tests read the labels gnuplot drew from; a learner's run removes those files. */
static int keep_plot_data(void) { return setenv("MNISTLAB_KEEP_PLOT_DATA", "1", 1); }
static int discard_plot_data(void) { return unsetenv("MNISTLAB_KEEP_PLOT_DATA"); }

int register_predict_tests(void)
{
    CU_pSuite s = CU_add_suite("predict", keep_plot_data, discard_plot_data);
    if (!s)
        return -1;
    static const struct { const char *name; CU_TestFunc fn; } tests[] = {
        {"without_checkpoint_is_a_usage_error", test_predict_without_checkpoint_is_a_usage_error},
        {"refuses_two_image_choices", test_predict_refuses_two_image_choices},
        {"refuses_settings_that_outgrow_the_checkpoint_before_allocating",
         test_predict_refuses_settings_that_outgrow_the_checkpoint_before_allocating},
        {"refuses_negative_index", test_predict_refuses_negative_index},
        {"missing_checkpoint_names_it", test_predict_missing_checkpoint_names_it},
        {"user_image_prints_every_class_and_writes_png_beside_checkpoint",
         test_predict_user_image_prints_every_class_and_writes_png_beside_checkpoint},
        {"sigmoid_head_names_original_digits", test_predict_sigmoid_head_names_original_digits},
        {"refuses_bad_image_and_writes_nothing", test_predict_refuses_bad_image_and_writes_nothing},
        {"test_image_prints_true_label", test_predict_test_image_prints_true_label},
        {"index_beyond_test_set_names_its_size", test_predict_index_beyond_test_set_names_its_size},
        {"features_softmax_writes_weight_templates", test_features_softmax_writes_weight_templates},
        {"features_mlp_draws_at_most_64_templates", test_features_mlp_draws_at_most_64_templates},
        {"features_cnn_writes_one_png_per_stage", test_features_cnn_writes_one_png_per_stage},
        {"features_index_leaves_no_data_files", test_features_index_leaves_no_data_files},
        {"features_cnn_draws_a_one_by_one_pool_and_the_logit",
         test_features_cnn_draws_a_one_by_one_pool_and_the_logit},
        {"features_weights_draws_the_first_convolutions_kernels",
         test_features_weights_draws_the_first_convolutions_kernels},
        {"subset_model_says_which_classes_it_knows", test_predict_subset_model_says_which_classes_it_knows},
        {"fashion_model_names_its_classes", test_predict_fashion_model_names_its_classes},
        {"features_unexpected_argument_is_a_usage_error",
         test_features_unexpected_argument_is_a_usage_error},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            return -1;
    return 0;
}
