/* tests/test_config: experiment files are read strictly, and every mistake names file and line. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/suggest.h"
#include "common/error.h"
#include "experiments/setup.h"
#include "tests/test_util.h"

static const char *good_conf =
    "; a comment\n"
    "[data]\n"
    "dataset   = mnist          ; mnist | fashion\n"
    "normalize = 0.1307 0.3081\n"
    "classes = 4 9\n"
    "subset = 2000 500\n"
    "validation = random 1000\n"
    "augment = shift 2, rotate 10\n"
    "[model]\n"
    "family    = cnn\n"
    "layers    = conv 4 3, relu, maxpool 2,\n"
    "    conv 8 3, relu, maxpool 2, dense 1\n"
    "head = sigmoid\n"
    "init = uniform 0.08\n"
    "[train]\n"
    "optimizer = sgd\n"
    "lr        = 0.004\n"
    "l2 = 1e-4\n"
    "batch     = 100\n"
    "epochs    = 40\n"
    "seed      = 7\n"
    "early_stop = 5\n"
    "schedule = step 10 0.5\n"
    "warmup = 2\n";

/* Writes text as NAME.conf in the temp dir, loads it, returns the status. */
static int load_text(const char *name, const char *text, ExpConfig *c)
{
    const char *path = test_path(name);
    CU_ASSERT_FATAL(test_write_file(path, text, strlen(text)) == 0);
    mnl_clear_error();
    return config_load(path, c);
}

/* The detail of the last failure contains "NAME:LINE:" and the given words. */
static void assert_error_names(const char *file, int line, const char *words)
{
    char where[128];
    snprintf(where, sizeof where, "%s:%d:", file, line);
    const char *msg = mnl_last_error();
    if (!strstr(msg, where) || !strstr(msg, words))
        fprintf(stderr, "\n    message was: %s\n", msg);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, where));
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, words));
}

static void test_config_reads_every_section(void)
{
    ExpConfig c;
    CU_ASSERT_EQUAL_FATAL(load_text("good.conf", good_conf, &c), MNL_OK);
    CU_ASSERT_STRING_EQUAL(c.name, "good");
    CU_ASSERT_EQUAL(c.norm, NORM_MEAN_STD);
    CU_ASSERT_DOUBLE_EQUAL(c.mean, 0.1307, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(c.std, 0.3081, 1e-6);
    CU_ASSERT_EQUAL(c.n_classes, 2);
    CU_ASSERT_EQUAL(c.classes[0], 4);
    CU_ASSERT_EQUAL(c.classes[1], 9);
    CU_ASSERT_EQUAL(c.subset_train, 2000);
    CU_ASSERT_EQUAL(c.subset_test, 500);
    CU_ASSERT_EQUAL(c.split, SPLIT_RANDOM);
    CU_ASSERT_EQUAL(c.split_n, 1000);
    CU_ASSERT_STRING_EQUAL(c.family, "cnn");
    CU_ASSERT_STRING_EQUAL(c.layers, "conv 4 3, relu, maxpool 2, conv 8 3, relu, maxpool 2, dense 1");
    CU_ASSERT_EQUAL(config_line(&c, "model", "layers"), 11);
    CU_ASSERT(c.augment.max_shift == 2 && c.augment.max_rotate == 10.0f);
    CU_ASSERT_STRING_EQUAL(c.head, "sigmoid");
    CU_ASSERT_STRING_EQUAL(c.init, "uniform");
    CU_ASSERT_DOUBLE_EQUAL(c.init_scale, 0.08, 1e-7);
    CU_ASSERT_STRING_EQUAL(c.optimizer, "sgd");
    CU_ASSERT_DOUBLE_EQUAL(c.lr, 0.004, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(c.l2, 1e-4, 1e-10);
    CU_ASSERT_EQUAL(c.batch, 100);
    CU_ASSERT_EQUAL(c.epochs, 40);
    CU_ASSERT_EQUAL(c.seed, 7);
    CU_ASSERT_EQUAL(c.early_stop, 5);
    CU_ASSERT_STRING_EQUAL(c.schedule, "step");
    CU_ASSERT(c.schedule_every == 10 && c.schedule_gamma == 0.5f && c.warmup == 2);
    CU_ASSERT_EQUAL(config_validate(&c), MNL_OK);
}

static void test_config_rejects_unknown_key_with_line(void)
{
    ExpConfig c;
    CU_ASSERT_EQUAL(load_text("typo.conf", "[model]\nfamily = mlp\n[train]\nepochs = 2\nlearning_rate = 0.1\n",
                              &c), MNL_ERR_CONFIG);
    assert_error_names("typo.conf", 5, "unknown key \"learning_rate\"");
}

static void test_config_rejects_unknown_section(void)
{
    ExpConfig c;
    CU_ASSERT_EQUAL(load_text("sect.conf", "[model]\nfamily = mlp\n[training]\nepochs = 2\n", &c),
                    MNL_ERR_CONFIG);
    assert_error_names("sect.conf", 4, "unknown section [training]");
}

static void test_config_rejects_line_without_equals(void)
{
    ExpConfig c;
    CU_ASSERT_EQUAL(load_text("noeq.conf", "[model]\nfamily = mlp\nhidden 256\n", &c), MNL_ERR_CONFIG);
    assert_error_names("noeq.conf", 3, "key = value");
}

/* Each bad value is refused, naming the line (line 3: [model] family first). */
static void test_config_rejects_bad_values(void)
{
    static const struct { const char *line, *words; } cases[] = {
        {"[train]\nbatch = 0", "train.batch: 0 is out of range"},
        {"[train]\nepochs = -1", "train.epochs: -1 is out of range"},
        {"[train]\nepochs = 2.5", "not a whole number"},
        {"[train]\nlr = nan", "train.lr: nan is not a finite number"},
        {"[train]\nlr = 1e400", "train.lr: 1e400 is not a finite number"},
        {"[train]\nlr = 0", "train.lr: 0 is out of range"},
        {"[train]\nlr = fast", "not a number"},
        {"[train]\noptimizer = rmsprop", "\"rmsprop\" is not one of: sgd adam"},
        {"[data]\nclasses = 4 4", "class 4 is listed twice"},
        {"[data]\nclasses = 11", "give 2 to 10 distinct classes"},
        {"[data]\nclasses = 4 11", "11 is out of range"},
        {"[data]\nnormalize = 0.5 0", "out of range"},
        {"[data]\ndataset = cifar", "not one of: mnist fashion"},
        {"[data]\nvalidation = first 10", "give none, random N, or last N"},
        {"[model]\nhidden = 256 0", "0 is out of range"},
        {"[model]\ninit = xavier", "give pytorch, he, or uniform A"},
        {"[train]\nepochs = 3\nepochs = 4", "set twice"},
        {"[data]\naugment = zoom 2", "give none, or shift N and/or rotate D"},
        {"[data]\naugment = shift 20", "give whole pixels from 0 to 8"},
        {"[train]\nschedule = linear", "give constant, cosine, or step E G"},
        {"[train]\nschedule = step 0 0.5", "train.schedule: 0 is out of range"},
        {"[train]\nschedule = step 5 0", "out of range"},
        {"[train]\nearly_stop = -1", "train.early_stop: -1 is out of range"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[256];
        snprintf(text, sizeof text, "[model]\nfamily = mlp\n%s\n", cases[i].line);
        ExpConfig c;
        CU_ASSERT_EQUAL(load_text("bad.conf", text, &c), MNL_ERR_CONFIG);
        int line = 3;
        for (const char *p = cases[i].line; (p = strchr(p, '\n')); p++)
            line++;
        assert_error_names("bad.conf", line, cases[i].words);
    }
}

static void test_config_rejects_overlong_line(void)
{
    char text[600];
    int k = snprintf(text, sizeof text, "[model]\nfamily = cnn\nlayers = ");
    while (k < 400)
        k += snprintf(text + k, sizeof text - (size_t)k, "relu, ");
    snprintf(text + k, sizeof text - (size_t)k, "dense 10\n");
    ExpConfig c;
    CU_ASSERT_EQUAL(load_text("long.conf", text, &c), MNL_ERR_CONFIG);
    assert_error_names("long.conf", 3, "longer than 199 characters");
}

static void test_config_missing_file_names_path(void)
{
    ExpConfig c;
    CU_ASSERT_EQUAL(config_load(test_path("nope.conf"), &c), MNL_ERR_IO);
    CU_ASSERT_PTR_NOT_NULL(strstr(mnl_last_error(), "nope.conf: cannot open"));
}

static void test_config_requires_family(void)
{
    ExpConfig c;
    CU_ASSERT_EQUAL(load_text("nofam.conf", "[train]\nepochs = 2\n", &c), MNL_ERR_CONFIG);
    CU_ASSERT_PTR_NOT_NULL(strstr(mnl_last_error(), "family is missing"));
}

static void test_config_set_overrides_and_checks(void)
{
    ExpConfig c;
    CU_ASSERT_EQUAL_FATAL(load_text("good.conf", good_conf, &c), MNL_OK);
    CU_ASSERT_EQUAL(config_set(&c, "train.epochs=2"), MNL_OK);
    CU_ASSERT_EQUAL(c.epochs, 2);
    CU_ASSERT_EQUAL(config_set(&c, "data.classes=3 8"), MNL_OK);
    CU_ASSERT_EQUAL(c.classes[1], 8);
    CU_ASSERT_EQUAL(config_set(&c, "train.epoch=2"), MNL_ERR_CONFIG);
    CU_ASSERT_PTR_NOT_NULL(strstr(mnl_last_error(), "unknown key \"train.epoch\""));
    CU_ASSERT_EQUAL(config_set(&c, "train.batch=-3"), MNL_ERR_CONFIG);
    CU_ASSERT_PTR_NOT_NULL(strstr(mnl_last_error(), "--set train.batch=-3"));
    CU_ASSERT_EQUAL(config_set(&c, "epochs=2"), MNL_ERR_CONFIG);
}

static void test_config_validate_cross_checks(void)
{
    ExpConfig c;
    CU_ASSERT_EQUAL_FATAL(load_text("good.conf", good_conf, &c), MNL_OK);
    CU_ASSERT_EQUAL(config_set(&c, "data.classes=all"), MNL_OK);
    CU_ASSERT_EQUAL(config_validate(&c), MNL_ERR_CONFIG);
    CU_ASSERT_PTR_NOT_NULL(strstr(mnl_last_error(), "sigmoid needs exactly two classes"));
    CU_ASSERT_EQUAL_FATAL(load_text("good.conf", good_conf, &c), MNL_OK);
    CU_ASSERT_EQUAL(config_set(&c, "train.eval_every=41"), MNL_OK);
    CU_ASSERT_EQUAL(config_validate(&c), MNL_ERR_CONFIG);
    CU_ASSERT_EQUAL_FATAL(load_text("good.conf", good_conf, &c), MNL_OK);
    CU_ASSERT_EQUAL(config_set(&c, "train.warmup=40"), MNL_OK);
    CU_ASSERT_EQUAL(config_validate(&c), MNL_ERR_CONFIG);
    CU_ASSERT_PTR_NOT_NULL(strstr(mnl_last_error(), "train.warmup = 40 leaves no epoch"));
}

/* radam and lion are optimizers; their betas are checked in range, a beta2 of "default" is each
 * optimizer's own (adam 0.999, lion 0.99), and a setting the optimizer does not use is refused. */
static void test_config_optimizer_settings_are_checked(void)
{
    ExpConfig c;
    OptimSpec os;
    CU_ASSERT_EQUAL_FATAL(load_text("good.conf", good_conf, &c), MNL_OK);
    CU_ASSERT_EQUAL(config_set(&c, "train.l2=0"), MNL_OK);      /* sgd's */
    CU_ASSERT_EQUAL(config_set(&c, "train.optimizer=lion"), MNL_OK);
    CU_ASSERT_EQUAL(config_validate(&c), MNL_OK);
    experiment_optim_spec(&c, &os);
    CU_ASSERT(os.kind == OPT_LION && os.beta1 == 0.9 && os.beta2 == 0.99);
    CU_ASSERT_EQUAL(config_set(&c, "train.optimizer=radam"), MNL_OK);
    CU_ASSERT_EQUAL(config_set(&c, "train.beta1=0.95"), MNL_OK);
    experiment_optim_spec(&c, &os);      /* the decimal as written, not the float's 0.949999988 */
    CU_ASSERT(os.kind == OPT_RADAM && os.beta1 == 0.95 && os.beta2 == 0.999 && os.eps == 1e-8);
    CU_ASSERT_EQUAL(config_set(&c, "train.beta2=1"), MNL_ERR_CONFIG);
    CU_ASSERT_EQUAL(config_set(&c, "train.beta1=1"), MNL_ERR_CONFIG);
    CU_ASSERT_EQUAL(config_set(&c, "train.eps=0"), MNL_ERR_CONFIG);
    CU_ASSERT_EQUAL(config_set(&c, "train.beta2=0.98"), MNL_OK);
    CU_ASSERT_EQUAL(c.beta2, 0.98f);
    CU_ASSERT_EQUAL(config_set(&c, "train.beta2=default"), MNL_OK);
    CU_ASSERT(c.beta2 < 0.0f);
    CU_ASSERT_EQUAL(config_set(&c, "train.optimizer=lion"), MNL_OK);
    CU_ASSERT_EQUAL(config_set(&c, "train.eps=1e-6"), MNL_OK);
    CU_ASSERT_EQUAL(config_validate(&c), MNL_ERR_CONFIG);     /* lion divides by nothing */
    CU_ASSERT_PTR_NOT_NULL(strstr(mnl_last_error(), "train.eps = 1e-06 is not used with "
                                                    "train.optimizer = lion"));
    CU_ASSERT_EQUAL_FATAL(load_text("good.conf", good_conf, &c), MNL_OK);    /* sgd */
    CU_ASSERT_EQUAL(config_set(&c, "train.beta1=0.8"), MNL_OK);
    CU_ASSERT_EQUAL(config_validate(&c), MNL_ERR_CONFIG);
    CU_ASSERT_EQUAL(config_set(&c, "train.optimizer=adagrad"), MNL_ERR_CONFIG);
}

static void test_config_text_round_trips(void)
{
    ExpConfig a, b;
    CU_ASSERT_EQUAL_FATAL(load_text("good.conf", good_conf, &a), MNL_OK);
    /* a spec long enough to need wrapping */
    CU_ASSERT_EQUAL(config_set(&a, "model.layers=conv 16 3 pad 1, relu, maxpool 2, conv 32 3 pad 1, relu, "
                                   "maxpool 2, conv 32 3 pad 1, relu, maxpool 2, conv 32 3 pad 1, relu, "
                                   "dense 128, relu, dense 64, relu, dense 32, relu, dense 1"), MNL_OK);
    char *text = config_to_text(&a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_EQUAL(config_load_string(text, a.source, &b), MNL_OK);
    CU_ASSERT_STRING_EQUAL(a.layers, b.layers);
    memset(a.lines, 0, sizeof a.lines);
    memset(b.lines, 0, sizeof b.lines);
    CU_ASSERT(memcmp(&a, &b, sizeof a) == 0);
    free(text);
}

/* A run folder named with 250 bytes: its settings' first line (a comment naming the experiment and
 * its file) is longer than a settings line may be, and the text still reads back. */
static void test_config_text_of_a_long_experiment_name_round_trips(void)
{
    ExpConfig a, b;
    CU_ASSERT_EQUAL_FATAL(load_text("good.conf", good_conf, &a), MNL_OK);
    memset(a.name, 'n', sizeof a.name - 1);
    a.name[sizeof a.name - 1] = '\0';
    snprintf(a.source, sizeof a.source, "results/%0250d/model.ckpt", 0);
    char *text = config_to_text(&a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT(strcspn(text, "\n") > 199);
    CU_ASSERT_EQUAL(config_load_string(text, a.source, &b), MNL_OK);
    CU_ASSERT_EQUAL(b.epochs, a.epochs);
    CU_ASSERT_STRING_EQUAL(b.family, a.family);
    free(text);
    /* a long setting line is still refused */
    char line[400];
    snprintf(line, sizeof line, "[model]\nfamily = softmax\n[train]\nlr = 0.%0250d1\n", 0);
    CU_ASSERT_EQUAL(config_load_string(line, "x.conf", &b), MNL_ERR_CONFIG);
}

/* The name is the file's name without a final .conf; a name longer than the name field is kept
 * cut, with its whole length, so that it never names a folder (experiments/rundir refuses it). */
static void test_config_name_keeps_its_whole_length(void)
{
    ExpConfig c;
    char file[80];
    snprintf(file, sizeof file, "%.*s.conf", (int)sizeof c.name - 1,
             "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz");
    CU_ASSERT_EQUAL(load_text(file, good_conf, &c), MNL_OK);
    CU_ASSERT_EQUAL(c.name_len, sizeof c.name - 1);
    CU_ASSERT_EQUAL(strncmp(c.name, file, sizeof c.name - 1), 0);
    snprintf(file, sizeof file, "%.*s.conf", (int)sizeof c.name,
             "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz");
    CU_ASSERT_EQUAL(load_text(file, good_conf, &c), MNL_OK);
    CU_ASSERT_EQUAL(c.name_len, sizeof c.name);
    CU_ASSERT_EQUAL(strlen(c.name), sizeof c.name - 1);
    CU_ASSERT_EQUAL(load_text("twice.conf.conf", good_conf, &c), MNL_OK);
    CU_ASSERT_STRING_EQUAL(c.name, "twice.conf");
    CU_ASSERT_EQUAL(load_text("plain", good_conf, &c), MNL_OK);
    CU_ASSERT_STRING_EQUAL(c.name, "plain");
}

/* ---- did you mean: common/suggest and config_setting_guess ---- */

static void test_edit_distance_counts_a_swap_as_one(void)
{
    CU_ASSERT_EQUAL(edit_distance("trian", "train"), 1);
    CU_ASSERT_EQUAL(edit_distance("cnnn", "cnn"), 1);
    CU_ASSERT_EQUAL(edit_distance("", "abc"), 3);
    CU_ASSERT_EQUAL(edit_distance("kitten", "sitting"), 3);
}

static void test_suggest_closest_refuses_far_words(void)
{
    const char *const words[] = {"train", "info", "predict", "sweep"};
    CU_ASSERT_STRING_EQUAL(suggest_closest("trian", words, 4), "train");
    CU_ASSERT_STRING_EQUAL(suggest_closest("swep", words, 4), "sweep");
    CU_ASSERT_PTR_NULL(suggest_closest("compile", words, 4));
    CU_ASSERT_PTR_NULL(suggest_closest("x", words, 4));
}

static void test_setting_guess_finds_bare_and_misspelt_keys(void)
{
    const Setting *s = config_setting_guess("lr");
    CU_ASSERT_FATAL(s != NULL);
    CU_ASSERT_STRING_EQUAL(s->section, "train");
    s = config_setting_guess("train.ephocs");
    CU_ASSERT_FATAL(s != NULL);
    CU_ASSERT_STRING_EQUAL(s->key, "epochs");
    s = config_setting_guess("nomalize");
    CU_ASSERT_FATAL(s != NULL);
    CU_ASSERT_STRING_EQUAL(s->key, "normalize");
    CU_ASSERT_PTR_NULL(config_setting_guess("learning_rate_schedule_thing"));
}

static void test_config_unknown_key_in_file_suggests_the_nearest(void)
{
    ExpConfig c;
    CU_ASSERT_EQUAL(config_load_string("[train]\nepoch = 2\n", "x.conf", &c), MNL_ERR_CONFIG);
    CU_ASSERT_PTR_NOT_NULL(strstr(mnl_last_error(), "did you mean \"epochs\"?"));
}

/* Lion's rate by default is the paper's (Chen et al. 2023: 3-10x below AdamW's), 1e-4; every other
 * optimizer's 1e-3; a rate that is set is the rate, whatever the optimizer, and says so in the text. */
static void test_config_lion_takes_the_papers_rate_by_default(void)
{
    ExpConfig c;
    OptimSpec os;
    CU_ASSERT_EQUAL_FATAL(config_load_string("[model]\nfamily = mlp\nhidden = 8\n[train]\n"
                                             "optimizer = lion\n", "lion.conf", &c), MNL_OK);
    CU_ASSERT_EQUAL(config_lr(&c), 1e-4);
    experiment_optim_spec(&c, &os);
    CU_ASSERT_EQUAL(os.lr, 1e-4f);
    CU_ASSERT_EQUAL(config_set(&c, "train.optimizer=adam"), MNL_OK);
    CU_ASSERT_EQUAL(config_lr(&c), 1e-3);
    CU_ASSERT_EQUAL(config_set(&c, "train.optimizer=lion"), MNL_OK);
    CU_ASSERT_EQUAL(config_set(&c, "train.lr=0.0003"), MNL_OK);
    CU_ASSERT_EQUAL(config_lr(&c), 0.0003f);
    char v[32];
    config_format_value(&c, config_setting_find("train", "lr"), v, sizeof v);
    CU_ASSERT_STRING_EQUAL(v, "0.0003");
    CU_ASSERT_EQUAL(config_set(&c, "train.lr=default"), MNL_OK);
    config_format_value(&c, config_setting_find("train", "lr"), v, sizeof v);
    CU_ASSERT_STRING_EQUAL(v, "default");
}

/* Fashion-MNIST's class names are a setting only Fashion has: they pick its classes there, and on
 * MNIST they are refused, naming the file, the line, the key and the dataset. */
static void test_fashion_class_names_pick_fashion_classes(void)
{
    ExpConfig c;
    CU_ASSERT_EQUAL_FATAL(load_text("fnames.conf", "[data]\ndataset = fashion\nclasses = Sneaker "
                                    "ankle-boot\n[model]\nfamily = knn\n", &c), MNL_OK);
    CU_ASSERT_EQUAL_FATAL(config_validate(&c), MNL_OK);
    CU_ASSERT_EQUAL(c.n_classes, 2);
    CU_ASSERT(c.classes[0] == 7 && c.classes[1] == 9);
    char *text = config_to_text(&c);        /* config.used keeps the names */
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "classes = sneaker ankle-boot\n"));
    free(text);
}

static void test_a_fashion_only_setting_on_mnist_is_refused_by_name(void)
{
    ExpConfig c;
    CU_ASSERT_EQUAL_FATAL(load_text("mnames.conf", "[data]\ndataset = mnist\nclasses = sneaker "
                                    "ankle-boot\n[model]\nfamily = knn\n", &c), MNL_OK);
    mnl_clear_error();
    CU_ASSERT_EQUAL(config_validate(&c), MNL_ERR_CONFIG);
    assert_error_names("mnames.conf", 3, "data.classes = sneaker ankle-boot names Fashion-MNIST "
                       "classes, a setting only data.dataset = fashion has");
    CU_ASSERT_EQUAL(load_text("mixed.conf", "[data]\ndataset = fashion\nclasses = sneaker 9\n", &c),
                    MNL_ERR_CONFIG);
    CU_ASSERT_PTR_NOT_NULL(strstr(mnl_last_error(), "all as numbers or all as names"));
}

int register_config_tests(void)
{
    CU_pSuite s = CU_add_suite("config", NULL, NULL);
    if (!s)
        return -1;
    if (!CU_add_test(s, "config_reads_every_section", test_config_reads_every_section) ||
        !CU_add_test(s, "config_rejects_unknown_key_with_line", test_config_rejects_unknown_key_with_line) ||
        !CU_add_test(s, "config_rejects_unknown_section", test_config_rejects_unknown_section) ||
        !CU_add_test(s, "config_rejects_line_without_equals", test_config_rejects_line_without_equals) ||
        !CU_add_test(s, "config_rejects_bad_values", test_config_rejects_bad_values) ||
        !CU_add_test(s, "config_rejects_overlong_line", test_config_rejects_overlong_line) ||
        !CU_add_test(s, "config_missing_file_names_path", test_config_missing_file_names_path) ||
        !CU_add_test(s, "config_requires_family", test_config_requires_family) ||
        !CU_add_test(s, "config_set_overrides_and_checks", test_config_set_overrides_and_checks) ||
        !CU_add_test(s, "config_validate_cross_checks", test_config_validate_cross_checks) ||
        !CU_add_test(s, "config_optimizer_settings_are_checked",
                     test_config_optimizer_settings_are_checked) ||
        !CU_add_test(s, "config_lion_takes_the_papers_rate_by_default",
                     test_config_lion_takes_the_papers_rate_by_default) ||
        !CU_add_test(s, "config_text_round_trips", test_config_text_round_trips) ||
        !CU_add_test(s, "config_text_of_a_long_experiment_name_round_trips",
                     test_config_text_of_a_long_experiment_name_round_trips) ||
        !CU_add_test(s, "config_name_keeps_its_whole_length", test_config_name_keeps_its_whole_length) ||
        !CU_add_test(s, "edit_distance_counts_a_swap_as_one", test_edit_distance_counts_a_swap_as_one) ||
        !CU_add_test(s, "suggest_closest_refuses_far_words", test_suggest_closest_refuses_far_words) ||
        !CU_add_test(s, "setting_guess_finds_bare_and_misspelt_keys",
                     test_setting_guess_finds_bare_and_misspelt_keys) ||
        !CU_add_test(s, "config_unknown_key_in_file_suggests_the_nearest",
                     test_config_unknown_key_in_file_suggests_the_nearest) ||
        !CU_add_test(s, "fashion_class_names_pick_fashion_classes",
                     test_fashion_class_names_pick_fashion_classes) ||
        !CU_add_test(s, "a_fashion_only_setting_on_mnist_is_refused_by_name",
                     test_a_fashion_only_setting_on_mnist_is_refused_by_name))
        return -1;
    return 0;
}
