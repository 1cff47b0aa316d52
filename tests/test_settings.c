/* tests/test_settings: the settings table as a learner meets it. Every key is one row that gives
 * its default (which reads back as written), its range (checked in the C type the run uses), its
 * help text (`train --help`, docs/guide.md); a key the run would not use is refused by name; an
 * unknown key lists the keys of its section; every command answers --help. Also the shared
 * whole-number parser and word splitter (common/parse). */
#include <CUnit/CUnit.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/error.h"
#include "common/parse.h"
#include "experiments/setup.h"
#include "tests/test_util.h"

static int run_cli(const char *args)
{
    return test_run_program(NULL, args, 0, test_path("settings.out"), test_path("settings.err"));
}

static void assert_contains(const char *text, const char *part)
{
    if (!strstr(text, part))
        fprintf(stderr, "\n    expected \"%s\" in: %.300s", part, text);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, part));
}

/* ---- the table ---- */

static void test_settings_every_default_reads_back_as_written(void)
{
    ExpConfig c;
    config_defaults(&c);
    for (int i = 0; config_setting_at(i); i++) {
        const Setting *s = config_setting_at(i);
        char value[4096];
        config_format_value(&c, s, value, sizeof value);
        if (strcmp(value, s->dflt))
            fprintf(stderr, "\n    %s.%s: default \"%s\" reads as \"%s\"", s->section, s->key, s->dflt,
                    value);
        CU_ASSERT_STRING_EQUAL(value, s->dflt);
        CU_ASSERT(config_is_default(&c, s));
    }
}

static void test_settings_numeric_ranges_fit_their_field_type(void)
{
    for (int i = 0; config_setting_at(i); i++) {
        const Setting *s = config_setting_at(i);
        if (s->type == SETTING_INT) {
            CU_ASSERT_EQUAL(s->size, sizeof(int));
            CU_ASSERT(s->lo >= INT_MIN && s->hi <= INT_MAX);
        } else if (s->type == SETTING_ULONG) {
            CU_ASSERT_EQUAL(s->size, sizeof(unsigned long));
            CU_ASSERT(s->lo >= 0 && s->hi <= (double)ULONG_MAX);
        } else if (s->type == SETTING_FLOAT) {
            CU_ASSERT_EQUAL(s->size, sizeof(float));
        }
    }
}

static void test_settings_float_that_rounds_to_zero_is_refused(void)
{
    ExpConfig c;
    config_defaults(&c);
    CU_ASSERT_EQUAL(config_set(&c, "train.lr=1e-300"), MNL_ERR_CONFIG);
    assert_contains(mnl_last_error(), "too small for a float");
    CU_ASSERT_EQUAL(config_set(&c, "model.dropout=1e-42"), MNL_ERR_CONFIG);   /* a subnormal */
    CU_ASSERT_EQUAL(config_set(&c, "train.lr=1e-30"), MNL_OK);
    CU_ASSERT(c.lr > 0.0f);
}

static void test_settings_float_range_is_checked_after_rounding(void)
{
    ExpConfig c;
    config_defaults(&c);
    /* 0.9990000001 is above 0.999 as a double but rounds to 0.999f: accepted as the float it is */
    CU_ASSERT_EQUAL(config_set(&c, "train.momentum=0.9990000001"), MNL_OK);
    CU_ASSERT_EQUAL(config_set(&c, "train.momentum=0.9995"), MNL_ERR_CONFIG);
}

static void test_settings_text_has_every_key_once(void)
{
    ExpConfig c;
    config_defaults(&c);
    snprintf(c.family, sizeof c.family, "cnn");
    snprintf(c.layers, sizeof c.layers, "dense 10");
    char *text = config_to_text(&c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    for (int i = 0; config_setting_at(i); i++) {
        char line[96];
        snprintf(line, sizeof line, "\n%s = ", config_setting_at(i)->key);
        const char *at = strstr(text, line);
        CU_ASSERT_PTR_NOT_NULL(at);
        CU_ASSERT(at && !strstr(at + 1, line));
    }
    free(text);
}

/* ---- unknown keys ---- */

static void test_settings_unknown_set_key_lists_its_sections_keys(void)
{
    ExpConfig c;
    config_defaults(&c);
    CU_ASSERT_EQUAL(config_set(&c, "train.learning_rate=0.1"), MNL_ERR_CONFIG);
    const char *e = mnl_last_error();
    assert_contains(e, "unknown key \"train.learning_rate\"");
    assert_contains(e, "optimizer, lr, l2, momentum, weight_decay, batch, epochs");
    CU_ASSERT_EQUAL(config_set(&c, "trian.lr=0.1"), MNL_ERR_CONFIG);
    assert_contains(mnl_last_error(), "sections: data, model, train");
}

static void test_settings_unknown_file_key_lists_its_sections_keys(void)
{
    ExpConfig c;
    const char *text = "[model]\nfamily = mlp\nhidden = 32\nwidth = 3\n";
    CU_ASSERT_EQUAL(config_load_string(text, "typo.conf", &c), MNL_ERR_CONFIG);
    assert_contains(mnl_last_error(), "typo.conf:4: unknown key \"width\" in [model]");
    assert_contains(mnl_last_error(), "family, hidden, layers, head, init, dropout");
}

/* ---- keys the run would not use ---- */

static void test_settings_optimizer_key_of_the_other_optimizer_is_refused(void)
{
    ExpConfig c;
    const char *text = "[model]\nfamily = mlp\nhidden = 32\n[train]\noptimizer = adam\nmomentum = 0.9\n";
    CU_ASSERT_EQUAL_FATAL(config_load_string(text, "adam.conf", &c), MNL_OK);
    CU_ASSERT_EQUAL(config_validate(&c), MNL_ERR_CONFIG);
    assert_contains(mnl_last_error(), "adam.conf:6: train.momentum = 0.9 is not used with "
                                      "train.optimizer = adam (only with sgd)");
    CU_ASSERT_EQUAL(config_set(&c, "train.optimizer=sgd"), MNL_OK);
    CU_ASSERT_EQUAL(config_validate(&c), MNL_OK);
    CU_ASSERT_EQUAL(config_set(&c, "train.weight_decay=0.01"), MNL_OK);
    CU_ASSERT_EQUAL(config_validate(&c), MNL_ERR_CONFIG);
    assert_contains(mnl_last_error(), "train.weight_decay");
    CU_ASSERT_EQUAL(config_set(&c, "train.weight_decay=0"), MNL_OK);   /* the default: fine */
    CU_ASSERT_EQUAL(config_validate(&c), MNL_OK);
}

/* experiment_configure + experiment_build (what info and train do before any data is read). */
static int build(const char *conf, const char *set)
{
    Experiment ex;
    const char *sets[1] = {set};
    int rc = experiment_configure(&ex, conf, sets, set ? 1 : 0);
    if (!rc)
        rc = experiment_build(&ex, 1);
    experiment_free(&ex);
    return rc;
}

static void test_settings_cnn_refuses_model_dropout_and_names_the_layer(void)
{
    CU_ASSERT_EQUAL(build("experiments/cnn-4v9.conf", "model.dropout=0.2"), MNL_ERR_CONFIG);
    assert_contains(mnl_last_error(), "model.dropout = 0.2 is not used by family cnn (only by mlp)");
    assert_contains(mnl_last_error(), "add \"dropout 0.2\" to model.layers");
}

static void test_settings_cnn_refuses_model_hidden(void)
{
    CU_ASSERT_EQUAL(build("experiments/cnn-4v9.conf", "model.hidden=64"), MNL_ERR_CONFIG);
    assert_contains(mnl_last_error(), "model.hidden = 64 is not used by family cnn");
}

static void test_settings_mlp_refuses_model_layers(void)
{
    CU_ASSERT_EQUAL(build("experiments/mlp.conf", "model.layers=dense 10"), MNL_ERR_CONFIG);
    assert_contains(mnl_last_error(), "model.layers = dense 10 is not used by family mlp");
}

static void test_settings_family_keys_that_act_are_accepted(void)
{
    CU_ASSERT_EQUAL(build("experiments/mlp.conf", "model.dropout=0.2"), MNL_OK);
    CU_ASSERT_EQUAL(build("experiments/mlp.conf", "model.hidden=64"), MNL_OK);
    CU_ASSERT_EQUAL(build("experiments/softmax.conf", NULL), MNL_OK);
    CU_ASSERT_EQUAL(build("experiments/softmax.conf", "model.hidden=64"), MNL_ERR_CONFIG);
}

static void test_settings_every_experiment_file_sets_only_keys_it_uses(void)
{
    const char *names[] = {"softmax", "mlp", "cnn", "cnn-wide", "cnn-wide-b128-e10-pm1", "lenet",
                           "cnn-4v9", "cnn-4v9-full", "fashion-softmax", "fashion-mlp", "fashion-cnn"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[128];
        snprintf(path, sizeof path, "experiments/%s.conf", names[i]);
        int rc = build(path, NULL);
        if (rc)
            fprintf(stderr, "\n    %s: %s", path, mnl_last_error());
        CU_ASSERT_EQUAL(rc, MNL_OK);
    }
}

/* ---- help ---- */

static void test_settings_train_help_lists_every_key_with_default_and_range(void)
{
    CU_ASSERT_EQUAL_FATAL(run_cli("train --help"), 0);
    const char *out = test_slurp(test_path("settings.out"));
    for (int i = 0; config_setting_at(i); i++) {
        const Setting *s = config_setting_at(i);
        char line[128];
        snprintf(line, sizeof line, "  %-12s = %s", s->key, s->dflt[0] ? s->dflt : "(none)");
        assert_contains(out, line);
        assert_contains(out, s->meaning);
    }
    assert_contains(out, "(default | above 0 to 1000)");   /* lr */
    assert_contains(out, "(sgd | adam | adamw | radam | lion)");
}

static void test_settings_every_command_answers_help(void)
{
    const char *cmds[] = {"train", "info", "predict", "features", "show-data", "compare", "bench"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        char args[64], want[64];
        snprintf(args, sizeof args, "%s --help", cmds[i]);
        int rc = run_cli(args);
        if (rc)
            fprintf(stderr, "\n    mnistlab %s exited %d", args, rc);
        CU_ASSERT_EQUAL(rc, 0);
        snprintf(want, sizeof want, "usage: mnistlab %s ", cmds[i]);
        CU_ASSERT(strncmp(test_slurp(test_path("settings.out")), want, strlen(want)) == 0);
    }
    CU_ASSERT_EQUAL(run_cli("help features"), 0);
    CU_ASSERT(strncmp(test_slurp(test_path("settings.out")), "usage: mnistlab features", 24) == 0);
}

static void test_settings_guide_shows_the_table_as_it_is(void)
{
    char *table = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&table, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    config_print_help(m, 1);
    fclose(m);
    const char *guide = test_slurp("docs/guide.md");
    int found = strstr(guide, table) != NULL;
    if (!found)
        fprintf(stderr, "\n    docs/guide.md lacks the settings table as `bin/mnistlab train --help "
                "--markdown` prints it");
    CU_ASSERT(found);
    free(table);
}

/* ---- common/parse ---- */

static void test_parse_whole_number_takes_trailing_blanks_only(void)
{
    long v;
    char why[128];
    CU_ASSERT_EQUAL(parse_long("42 ", 0, 100, &v, why, sizeof why), 0);
    CU_ASSERT_EQUAL(v, 42);
    CU_ASSERT_EQUAL(parse_long("2.5", 0, 100, &v, why, sizeof why), -1);
    CU_ASSERT_STRING_EQUAL(why, "\"2.5\" is not a whole number");
    CU_ASSERT_EQUAL(parse_long("", 0, 100, &v, why, sizeof why), -1);
    CU_ASSERT_EQUAL(parse_long("101", 0, 100, &v, why, sizeof why), -1);
    CU_ASSERT_STRING_EQUAL(why, "101 is out of range (0 to 100)");
    CU_ASSERT_EQUAL(parse_long("99999999999999999999", 0, 100, &v, why, sizeof why), -1);
    int i;
    CU_ASSERT_EQUAL(parse_int("-3", -5, 5, &i, why, sizeof why), 0);
    CU_ASSERT_EQUAL(i, -3);
}

static void test_parse_split_words_counts_and_caps(void)
{
    char buf[64] = "  a, b\tc  ", *w[3];
    CU_ASSERT_EQUAL(split_words(buf, " \t,", w, 3), 3);
    CU_ASSERT_STRING_EQUAL(w[0], "a");
    CU_ASSERT_STRING_EQUAL(w[2], "c");
    char more[64] = "a b c d";
    CU_ASSERT_EQUAL(split_words(more, " ", w, 3), 4);
    char none[8] = " , ";
    CU_ASSERT_EQUAL(split_words(none, " ,", w, 3), 0);
}

/* What an experiment says it changes is all it changes: cnn-wide is cnn with other channels
 * (its layers), and the Fashion runs are their MNIST twins on another data set, normalised with
 * that data set's own statistics (mlp, cnn) or none (softmax). */
static const char *changes(const char *base, const char *exp)
{
    static char buf[512];
    ExpConfig a, b;
    char pa[128], pb[128];
    snprintf(pa, sizeof pa, "experiments/%s.conf", base);
    snprintf(pb, sizeof pb, "experiments/%s.conf", exp);
    if (config_load(pa, &a) || config_load(pb, &b))
        return mnl_last_error();
    config_diff(&a, &b, "", buf, sizeof buf);
    return buf;
}

static void test_settings_experiments_change_what_they_say(void)
{
    const char *wide = changes("cnn", "cnn-wide");     /* one key, its value cut with "..." */
    CU_ASSERT_NSTRING_EQUAL(wide, "layers=conv 32 3 pad 1, relu, maxpool 2, conv 64 3", 50);
    CU_ASSERT_PTR_NULL(strchr(strchr(wide, '=') + 1, '='));
    CU_ASSERT_STRING_EQUAL(changes("cnn", "fashion-cnn"), "dataset=fashion, normalize=dataset");
    CU_ASSERT_STRING_EQUAL(changes("mlp", "fashion-mlp"), "dataset=fashion, normalize=dataset");
    CU_ASSERT_STRING_EQUAL(changes("softmax", "fashion-softmax"), "dataset=fashion");
}

int register_settings_tests(void)
{
    CU_pSuite s = CU_add_suite("settings", NULL, NULL);
    if (!s)
        return -1;
#define T(name) CU_add_test(s, #name, test_##name)
    if (!T(settings_every_default_reads_back_as_written) ||
        !T(settings_experiments_change_what_they_say) ||
        !T(settings_numeric_ranges_fit_their_field_type) ||
        !T(settings_float_that_rounds_to_zero_is_refused) ||
        !T(settings_float_range_is_checked_after_rounding) ||
        !T(settings_text_has_every_key_once) ||
        !T(settings_unknown_set_key_lists_its_sections_keys) ||
        !T(settings_unknown_file_key_lists_its_sections_keys) ||
        !T(settings_optimizer_key_of_the_other_optimizer_is_refused) ||
        !T(settings_cnn_refuses_model_dropout_and_names_the_layer) ||
        !T(settings_cnn_refuses_model_hidden) ||
        !T(settings_mlp_refuses_model_layers) ||
        !T(settings_family_keys_that_act_are_accepted) ||
        !T(settings_every_experiment_file_sets_only_keys_it_uses) ||
        !T(settings_train_help_lists_every_key_with_default_and_range) ||
        !T(settings_every_command_answers_help) ||
        !T(settings_guide_shows_the_table_as_it_is) ||
        !T(parse_whole_number_takes_trailing_blanks_only) ||
        !T(parse_split_words_counts_and_caps))
        return -1;
#undef T
    return 0;
}
