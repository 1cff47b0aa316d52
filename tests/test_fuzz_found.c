/* tests/test_fuzz_found: what the fuzz targets of tests/fuzz/ found, each input fed again to the
 * function that failed on it, with the property that target checks. The inputs are the fuzzer's
 * bytes where they are short, and rebuilt by code (keeping what mattered) where they are long.
 * fuzz_config's property: settings that load read back from their canonical text
 * (config_to_text, what config.used and every checkpoint hold) into the same canonical text. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/error.h"

/* 1 when text -> settings -> text -> settings -> text gives the same text twice. */
static int canonical_text_reads_back(const ExpConfig *c)
{
    char *once = config_to_text(c), *twice = NULL;
    ExpConfig again;
    if (once && config_load_string(once, "fuzz.conf", &again) == MNL_OK)
        twice = config_to_text(&again);
    int same = once && twice && strcmp(once, twice) == 0;
    if (!same)
        fprintf(stderr, "\n    canonical text:\n%s\n    read back as:\n%s", once ? once : "(none)",
                twice ? twice : mnl_last_error());
    free(once);
    free(twice);
    return same;
}

/* The settings a fuzzer-made file describes must be refused, with both fragments in the detail. */
static void assert_config_refused(const char *text, const char *a, const char *b)
{
    ExpConfig c;
    mnl_clear_error();
    CU_ASSERT_EQUAL(config_load_string(text, "fuzz.conf", &c), MNL_ERR_CONFIG);
    CU_ASSERT_PTR_NOT_NULL(strstr(mnl_last_error(), a));
    CU_ASSERT_PTR_NOT_NULL(strstr(mnl_last_error(), b));
}

/* fuzz_config, first finding: inih passes "=;" through, so the family was ";...", which the
 * canonical text wrote as "family = ;...", a comment on reading. */
static void test_fuzz_config_value_starting_with_a_semicolon_is_refused(void)
{
    static const char input[] = "; The 32/64-channel CNN.\n[data]\ndataset    = mnist\n"
                                "normalize  = -1..1\n[model]\nfamily     =; Fashion-M cn\xff" "N";
    assert_config_refused(input, "fuzz.conf:6: model.family", "no value may hold ';' or '#'");
}

/* The same for a key the family ignores (an mlp's layers), where nothing else would refuse it and
 * the run's checkpoint would hold settings that no longer match on --resume. */
static void test_fuzz_config_ignored_layers_starting_with_a_semicolon_are_refused(void)
{
    assert_config_refused("[model]\nfamily = mlp\nhidden = 8\nlayers =;x\n", "fuzz.conf:4: model.layers",
                          "no value may hold ';' or '#'");
}

/* "experiments/cnn.conf" with `pad` spelled out of a 120-byte run: one "word" too long for the
 * canonical text to wrap under inih's 199 characters a line, now refused by the reader. */
static void test_fuzz_config_layer_word_too_long_to_wrap_is_refused(void)
{
    char word[121], text[1024];
    memset(word, 0x90, 120);
    word[120] = '\0';
    snprintf(text, sizeof text, "[data]\ndataset = mnist\nnormalize = -1..1\n[model]\nfamily = cnn\n"
             "layers = conv 32 3 pad 1, rule, maxpool 2, conv 64 3 pad 1, relu, maxpool 2,\n"
             "   dense 256,%s relu, dense 10\n", word);
    assert_config_refused(text, "fuzz.conf:7: model.layers", "has a word longer than 32 characters");
}

/* Runs of blanks across column 150 of a long spec: the canonical text wrapped inside the run and
 * the reader joined the lines with one blank, so the next writing wrapped elsewhere. */
static void test_fuzz_config_long_runs_of_blanks_read_back_the_same(void)
{
    char text[1024];
    snprintf(text, sizeof text, "[model]\nfamily = cnn\nlayers = conv 32 3 pad 1, relu, maxpool 2, "
             "conv 64 3 pad 1, %95s E    el       =u, maxpool 2,\n        ool 2, conv 16 3, relu, "
             "maxpool 2,t       = pytorch\n", "");
    ExpConfig c;
    CU_ASSERT_EQUAL_FATAL(config_load_string(text, "fuzz.conf", &c), MNL_OK);
    CU_ASSERT(canonical_text_reads_back(&c));
}

/* A long stretch without commas (items of an ignored key, say) came out on one line past inih's
 * 199 characters; it is now wrapped at a blank past column 150. */
static void test_fuzz_config_long_stretch_without_commas_is_wrapped_at_a_blank(void)
{
    char text[1024];
    int k = snprintf(text, sizeof text, "[model]\nfamily = mlp\nhidden = 8\nlayers = dense 8,%85s,\n  ",
                     "");
    for (int i = 0; i < 36; i++)
        k += snprintf(text + k, sizeof text - (size_t)k, " relu");
    snprintf(text + k, sizeof text - (size_t)k, "\n");
    ExpConfig c;
    CU_ASSERT_EQUAL_FATAL(config_load_string(text, "fuzz.conf", &c), MNL_OK);
    CU_ASSERT(canonical_text_reads_back(&c));
}

/* "layers = ;" is an empty value (inih drops " ;..." as a comment) continued on the next line: the
 * reader joined "" and the next part with a blank, and the canonical text's leading blank was
 * stripped on reading. The fuzzer's bytes up to their first NUL (where the reading stops). */
static void test_fuzz_config_value_continued_from_an_empty_line_reads_back_the_same(void)
{
    static const char input[] = "; settings of ehiddxperom experiments/c= none\n[model]\nfamily = cnn\n"
                                "hidden = none\nlayers = ;\n   \xd7timizer conv 4 3, r\xdflu, maxpool 2, "
                                "conv 8 3, relu, maxpool ";
    ExpConfig c;
    CU_ASSERT_EQUAL_FATAL(config_load_string(input, "fuzz.conf", &c), MNL_OK);
    CU_ASSERT_EQUAL(c.layers[0], '\xd7');
    CU_ASSERT(canonical_text_reads_back(&c));
}

/* The input as the fuzzer found it had a DEL byte before the blanks: control characters are now
 * refused in every value (inih strips some of them at line ends, so they cannot read back). */
static void test_fuzz_config_control_character_is_refused(void)
{
    char text[1024];
    snprintf(text, sizeof text, "[model]\nfamily = cnn\nlayers = conv 32 3 pad 1, relu, maxpool 2, "
             "conv 64 3 pad 1, \x7f%95s E    el       =u, maxpool 2\n", "");
    assert_config_refused(text, "fuzz.conf:3: model.layers", "control character 0x7f");
}

int register_fuzz_found_tests(void)
{
    CU_pSuite s = CU_add_suite("fuzz_found", NULL, NULL);
    if (!s)
        return -1;
    struct { const char *name; CU_TestFunc fn; } tests[] = {
#define T(name) {#name, test_##name}
        T(fuzz_config_value_starting_with_a_semicolon_is_refused),
        T(fuzz_config_ignored_layers_starting_with_a_semicolon_are_refused),
        T(fuzz_config_layer_word_too_long_to_wrap_is_refused),
        T(fuzz_config_long_runs_of_blanks_read_back_the_same),
        T(fuzz_config_long_stretch_without_commas_is_wrapped_at_a_blank),
        T(fuzz_config_control_character_is_refused),
        T(fuzz_config_value_continued_from_an_empty_line_reads_back_the_same),
#undef T
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            return -1;
    return 0;
}
