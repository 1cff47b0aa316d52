/* tests/test_metrics: meters, the confusion matrix and its most frequent confusions on
 * hand-computed cases, and the metrics.csv row: exact text, empty cells for NaN, round trip. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "common/metrics.h"

/* ---- meters -------------------------------------------------------------------------------- */

static void test_meter_is_nan_when_empty(void)
{
    MeanMeter m;
    meter_reset(&m);
    CU_ASSERT(isnan(meter_loss(&m)));
    CU_ASSERT(isnan(meter_accuracy(&m)));
}

static void test_meter_weights_batches_by_size(void)
{
    MeanMeter m;
    meter_reset(&m);
    meter_add(&m, 1.0, 2, 2);    /* losses sum 2 */
    meter_add(&m, 4.0, 6, 1);    /* losses sum 24: a short batch must not count as much as a long one */
    CU_ASSERT_DOUBLE_EQUAL(meter_loss(&m), 26.0 / 8.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(meter_accuracy(&m), 3.0 / 8.0, 1e-12);
    meter_reset(&m);
    CU_ASSERT(isnan(meter_loss(&m)));
}

/* ---- confusion matrix ------------------------------------------------------------------------ */

/* truth/pred pairs for k = 3:
 *   truth 0: pred 0,0,0,1      -> recall 3/4
 *   truth 1: pred 1,2,2        -> recall 1/3
 *   truth 2: pred 2,0          -> recall 1/2
 * overall 5/9; off-diagonal: (1,2)=2, (0,1)=1, (2,0)=1. */
static void fill_example(Confusion *c)
{
    static const int pairs[][2] = {{0, 0}, {0, 0}, {0, 0}, {0, 1}, {1, 1}, {1, 2}, {1, 2}, {2, 2}, {2, 0}};
    confusion_reset(c, 3);
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        confusion_add(c, pairs[i][0], pairs[i][1]);
}

static void test_confusion_counts_truth_by_prediction(void)
{
    Confusion c;
    fill_example(&c);
    CU_ASSERT_EQUAL(c.counts[0][0], 3);
    CU_ASSERT_EQUAL(c.counts[0][1], 1);
    CU_ASSERT_EQUAL(c.counts[1][2], 2);
    CU_ASSERT_EQUAL(c.counts[2][1], 0);
    CU_ASSERT_EQUAL(c.counts[2][0], 1);
}

static void test_confusion_accuracy_overall_and_per_class(void)
{
    Confusion c;
    fill_example(&c);
    CU_ASSERT_DOUBLE_EQUAL(confusion_accuracy(&c), 5.0 / 9.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(confusion_class_accuracy(&c, 0), 0.75, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(confusion_class_accuracy(&c, 1), 1.0 / 3.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(confusion_class_accuracy(&c, 2), 0.5, 1e-12);
}

static void test_confusion_class_without_items_is_nan(void)
{
    Confusion c;
    confusion_reset(&c, 4);
    CU_ASSERT(isnan(confusion_accuracy(&c)));
    confusion_add(&c, 0, 0);
    CU_ASSERT(isnan(confusion_class_accuracy(&c, 3)));
    CU_ASSERT(isnan(confusion_class_accuracy(&c, 4)));   /* beyond k */
}

static void test_confusion_ignores_out_of_range_classes(void)
{
    Confusion c;
    confusion_reset(&c, 2);
    confusion_add(&c, 2, 0);
    confusion_add(&c, 0, -1);
    confusion_add(&c, 1, 1);
    CU_ASSERT_DOUBLE_EQUAL(confusion_accuracy(&c), 1.0, 1e-12);
}

static void test_confusion_top_lists_most_frequent_first(void)
{
    Confusion c;
    fill_example(&c);
    ConfusionPair top[9];
    int n = confusion_top(&c, top, 9);
    CU_ASSERT_EQUAL_FATAL(n, 3);   /* only cells that occurred, never the diagonal */
    CU_ASSERT(top[0].truth == 1 && top[0].pred == 2 && top[0].count == 2);
    /* (0,1) and (2,0) tie at 1: smaller truth first. */
    CU_ASSERT(top[1].truth == 0 && top[1].pred == 1 && top[1].count == 1);
    CU_ASSERT(top[2].truth == 2 && top[2].pred == 0 && top[2].count == 1);
}

static void test_confusion_top_breaks_equal_truth_by_pred(void)
{
    Confusion c;
    confusion_reset(&c, 4);
    confusion_add(&c, 3, 2);
    confusion_add(&c, 3, 0);
    ConfusionPair top[2];
    CU_ASSERT_EQUAL_FATAL(confusion_top(&c, top, 2), 2);
    CU_ASSERT(top[0].pred == 0 && top[1].pred == 2);
}

static void test_confusion_top_stops_at_max(void)
{
    Confusion c;
    fill_example(&c);
    ConfusionPair top[1];
    CU_ASSERT_EQUAL(confusion_top(&c, top, 1), 1);
    CU_ASSERT(top[0].truth == 1 && top[0].pred == 2);
}

/* ---- CSV ----------------------------------------------------------------------------------- */

/* What metrics_csv_header/row wrote, as one string. */
static void capture(char *out, size_t size, const EpochRecord *r)
{
    FILE *f = tmpfile();
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    if (r)
        metrics_csv_row(f, r);
    else
        metrics_csv_header(f);
    rewind(f);
    size_t n = fread(out, 1, size - 1, f);
    out[n] = '\0';
    fclose(f);
}

static void test_csv_header_names_every_column(void)
{
    char s[256];
    capture(s, sizeof s, NULL);
    CU_ASSERT_STRING_EQUAL(s, "epoch,train_loss,train_acc,valid_loss,valid_acc,test_loss,test_acc,"
                              "seconds,images_per_s,lr\n");
}

static void test_csv_row_formats_each_field(void)
{
    EpochRecord r = {3, 0.123456789012, 0.9625, 0.25, 0.5, 1.5e-5, 0.99135, 12.3456, 51234.56,
                     0.00400000019};
    char s[256];
    capture(s, sizeof s, &r);
    CU_ASSERT_STRING_EQUAL(s, "3,0.123456789,0.962500,0.25,0.500000,1.5e-05,0.991350,12.346,51234.6,"
                              "0.00400000019\n");
}

static void test_csv_row_writes_nan_as_empty_cell(void)
{
    EpochRecord r = {1, 0.5, 0.75, NAN, NAN, 0.25, 0.875, 2.0, 100.0, NAN};
    char s[256];
    capture(s, sizeof s, &r);
    CU_ASSERT_STRING_EQUAL(s, "1,0.5,0.750000,,,0.25,0.875000,2.000,100.0,\n");
}

static void test_csv_row_round_trips(void)
{
    EpochRecord r = {40, 0.0123456789f, 0.9985, NAN, NAN, 0.0571234f, 0.987, 1.25, 8000.5, 0.001f},
                back;
    char s[256], again[256];
    capture(s, sizeof s, &r);
    CU_ASSERT_EQUAL_FATAL(metrics_csv_parse(s, &back), MNL_OK);
    CU_ASSERT_EQUAL(back.epoch, 40);
    /* A float32 loss survives %.9g exactly. */
    CU_ASSERT_EQUAL((float)back.train_loss, (float)r.train_loss);
    CU_ASSERT_EQUAL((float)back.test_loss, (float)r.test_loss);
    CU_ASSERT_DOUBLE_EQUAL(back.train_acc, 0.9985, 1e-12);
    CU_ASSERT(isnan(back.valid_loss) && isnan(back.valid_acc));
    CU_ASSERT_DOUBLE_EQUAL(back.images_per_s, 8000.5, 1e-9);
    CU_ASSERT_EQUAL((float)back.lr, 0.001f);
    /* Written again it is the same text, so a resumed run rewrites earlier rows unchanged. */
    capture(again, sizeof again, &back);
    CU_ASSERT_STRING_EQUAL(again, s);
}

static void test_csv_parse_accepts_crlf(void)
{
    EpochRecord r;
    CU_ASSERT_EQUAL_FATAL(metrics_csv_parse("2,1,0.5,,,1,0.5,1.000,10.0\r\n", &r), MNL_OK);
    CU_ASSERT_EQUAL(r.epoch, 2);
    CU_ASSERT_DOUBLE_EQUAL(r.images_per_s, 10.0, 1e-12);
}

/* metrics.csv of a run made before the lr column: its rows still read, lr unknown (NaN). */
static void test_csv_parse_reads_rows_without_the_lr_column(void)
{
    EpochRecord r;
    CU_ASSERT_EQUAL_FATAL(metrics_csv_parse("2,1,0.5,,,1,0.5,1.000,10.0\n", &r), MNL_OK);
    CU_ASSERT(r.epoch == 2 && isnan(r.lr));
    CU_ASSERT_EQUAL_FATAL(metrics_csv_parse("2,1,0.5,,,1,0.5,1.000,10.0,0.25\n", &r), MNL_OK);
    CU_ASSERT_DOUBLE_EQUAL(r.lr, 0.25, 0.0);
}

static void test_csv_parse_rejects_malformed_rows(void)
{
    EpochRecord r;
    CU_ASSERT_EQUAL(metrics_csv_parse("epoch,train_loss,train_acc,valid_loss,valid_acc,test_loss,"
                                      "test_acc,seconds,images_per_s", &r), MNL_ERR_ARG);
    CU_ASSERT_EQUAL(metrics_csv_parse("1,0.5,0.75,,,0.25,0.875,2.000", &r), MNL_ERR_ARG);
    CU_ASSERT_EQUAL(metrics_csv_parse("1,0.5,0.75,,,0.25,0.875,2.000,100.0,0.1,7", &r), MNL_ERR_ARG);
    CU_ASSERT_EQUAL(metrics_csv_parse("1,0.5x,0.75,,,0.25,0.875,2.000,100.0", &r), MNL_ERR_ARG);
    CU_ASSERT_EQUAL(metrics_csv_parse(",0.5,0.75,,,0.25,0.875,2.000,100.0", &r), MNL_ERR_ARG);
    CU_ASSERT_EQUAL(metrics_csv_parse("1.5,0.5,0.75,,,0.25,0.875,2.000,100.0", &r), MNL_ERR_ARG);
}

/* ---- stuck and degenerate models ---- */

/* n images of two classes, 265 of class 0 and 235 of class 1 (lesson-lr's 4 vs 9 test set), the
 * model answering as pred(truth, i) says. */
static void fill_4v9(Confusion *c, int (*pred)(int truth, int i))
{
    confusion_reset(c, 2);
    for (int i = 0; i < 500; i++) {
        int truth = i < 235 ? 1 : 0;
        confusion_add(c, truth, pred(truth, i));
    }
}

static int always_1(int truth, int i) { (void)truth, (void)i; return 1; }
static int right_but_one_in_50(int truth, int i) { return i % 50 == 0 ? !truth : truth; }
/* answers 0 (the majority) except for one 1 in 20, which it gets right: 55.4% */
static int nearly_always_0(int truth, int i) { return truth == 0 ? 0 : (i % 20 == 0 ? 1 : 0); }

static void test_degeneracy_flags_a_constant_answer(void)
{
    Confusion c;
    fill_4v9(&c, always_1);
    Degeneracy d;
    confusion_degeneracy(&c, &d);
    CU_ASSERT(d.degenerate);
    CU_ASSERT_EQUAL(d.top_pred, 1);
    CU_ASSERT_DOUBLE_EQUAL(d.top_pred_share, 1.0, 1e-12);
    CU_ASSERT_EQUAL(d.majority, 0);                 /* 265 of the 500 are class 0 */
    CU_ASSERT_DOUBLE_EQUAL(d.majority_share, 0.53, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(d.accuracy, 0.47, 1e-12);
}

static void test_degeneracy_passes_a_model_that_learned(void)
{
    Confusion c;
    fill_4v9(&c, right_but_one_in_50);
    Degeneracy d;
    confusion_degeneracy(&c, &d);
    CU_ASSERT(!d.degenerate);
    CU_ASSERT_DOUBLE_EQUAL(d.accuracy, 0.98, 1e-12);
}

/* 55.4% when always answering 0 gets 53%: within two standard errors (4.5 points at n = 500). */
static void test_degeneracy_flags_accuracy_within_noise_of_the_majority(void)
{
    Confusion c;
    fill_4v9(&c, nearly_always_0);
    Degeneracy d;
    confusion_degeneracy(&c, &d);
    CU_ASSERT(d.accuracy > d.majority_share);
    CU_ASSERT(d.accuracy <= d.majority_share + d.noise);
    CU_ASSERT(d.degenerate);
}

static void test_degeneracy_of_an_empty_matrix_is_none(void)
{
    Confusion c;
    confusion_reset(&c, 10);
    Degeneracy d;
    confusion_degeneracy(&c, &d);
    CU_ASSERT(!d.degenerate);
}

static void test_degeneracy_describe_names_the_constant_answer(void)
{
    Confusion c;
    confusion_reset(&c, 2);
    for (int i = 0; i < 500; i++)
        confusion_add(&c, i < 265 ? 1 : 0, 1);      /* 53% are "9", answered for everything */
    Degeneracy d;
    confusion_degeneracy(&c, &d);
    const char *names[] = {"4", "9"};
    char text[320];
    degeneracy_describe(&d, names, 500, text, sizeof text);
    CU_ASSERT_STRING_EQUAL(text, "no better than always answering 9, the commonest class (53.0% of "
                                 "the 500 test images): test accuracy 53.0%, and it answers 9 for 100% "
                                 "of them");
}

/* A model that answers the rarer class for everything: the sentence names the baseline (9, the
 * commonest) and what the model answers (4) without contradicting itself. */
static void test_degeneracy_describe_on_the_rarer_class_reads_true(void)
{
    Confusion c;
    confusion_reset(&c, 2);
    for (int i = 0; i < 500; i++)
        confusion_add(&c, i < 265 ? 1 : 0, 0);      /* 53% are "9"; it answers "4" for all */
    Degeneracy d;
    confusion_degeneracy(&c, &d);
    CU_ASSERT_TRUE(d.degenerate);
    const char *names[] = {"4", "9"};
    char text[320];
    degeneracy_describe(&d, names, 500, text, sizeof text);
    CU_ASSERT_STRING_EQUAL(text, "no better than always answering 9, the commonest class (53.0% of "
                                 "the 500 test images): test accuracy 47.0%, and it answers 4 for 100% "
                                 "of them");
}

int register_metrics_tests(void)
{
    CU_pSuite s = CU_add_suite("metrics", NULL, NULL);
    if (!s)
        return -1;
    static const struct { const char *name; CU_TestFunc fn; } tests[] = {
        {"meter_is_nan_when_empty", test_meter_is_nan_when_empty},
        {"meter_weights_batches_by_size", test_meter_weights_batches_by_size},
        {"confusion_counts_truth_by_prediction", test_confusion_counts_truth_by_prediction},
        {"confusion_accuracy_overall_and_per_class", test_confusion_accuracy_overall_and_per_class},
        {"confusion_class_without_items_is_nan", test_confusion_class_without_items_is_nan},
        {"confusion_ignores_out_of_range_classes", test_confusion_ignores_out_of_range_classes},
        {"confusion_top_lists_most_frequent_first", test_confusion_top_lists_most_frequent_first},
        {"confusion_top_breaks_equal_truth_by_pred", test_confusion_top_breaks_equal_truth_by_pred},
        {"confusion_top_stops_at_max", test_confusion_top_stops_at_max},
        {"csv_header_names_every_column", test_csv_header_names_every_column},
        {"csv_row_formats_each_field", test_csv_row_formats_each_field},
        {"csv_row_writes_nan_as_empty_cell", test_csv_row_writes_nan_as_empty_cell},
        {"csv_row_round_trips", test_csv_row_round_trips},
        {"csv_parse_accepts_crlf", test_csv_parse_accepts_crlf},
        {"csv_parse_reads_rows_without_the_lr_column", test_csv_parse_reads_rows_without_the_lr_column},
        {"csv_parse_rejects_malformed_rows", test_csv_parse_rejects_malformed_rows},
        {"degeneracy_flags_a_constant_answer", test_degeneracy_flags_a_constant_answer},
        {"degeneracy_passes_a_model_that_learned", test_degeneracy_passes_a_model_that_learned},
        {"degeneracy_flags_accuracy_within_noise_of_the_majority",
         test_degeneracy_flags_accuracy_within_noise_of_the_majority},
        {"degeneracy_of_an_empty_matrix_is_none", test_degeneracy_of_an_empty_matrix_is_none},
        {"degeneracy_describe_names_the_constant_answer",
         test_degeneracy_describe_names_the_constant_answer},
        {"degeneracy_describe_on_the_rarer_class_reads_true",
         test_degeneracy_describe_on_the_rarer_class_reads_true},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            return -1;
    return 0;
}
