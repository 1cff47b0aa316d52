/* tests/test_augment: what data.augment promises: whole shifts move pixels exactly, rotations turn
 * the picture about its centre, a sample from outside the picture is the background, the settings
 * text reads back, and a batch's augmentation depends on (seed, epoch, batch) only, bitwise, at
 * any thread count. Also the learning-rate schedules of models/schedule. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/augment.h"
#include "models/lr_schedule.h"
#include "tests/test_util.h"

#define H 7
#define W 9

static void ramp(float *img, int h, int w)
{
    for (int i = 0; i < h * w; i++)
        img[i] = (float)(i % 13) * 0.25f + (float)(i / 13);
}

static void test_augment_identity_copies_the_image(void)
{
    float in[H * W], out[H * W];
    ramp(in, H, W);
    augment_image_ref(out, in, H, W, 0.0f, 0.0f, 0.0f, -5.0f);
    CU_ASSERT_EQUAL(memcmp(in, out, sizeof in), 0);
}

static void test_augment_whole_shift_moves_pixels_exactly_and_fills_the_edge(void)
{
    float in[H * W], out[H * W];
    ramp(in, H, W);
    const float fill = -0.4242f;
    augment_image_ref(out, in, H, W, 2.0f, -1.0f, 0.0f, fill);   /* right by 2, up by 1 */
    int ok = 1;
    for (int i = 0; i < H; i++)
        for (int j = 0; j < W; j++) {
            int si = i + 1, sj = j - 2;
            float want = (si < H && sj >= 0) ? in[si * W + sj] : fill;
            ok &= out[i * W + j] == want;
        }
    CU_ASSERT(ok);
}

static void test_augment_quarter_turn_rotates_about_the_centre(void)
{
    /* a square image: the quarter turn maps the grid onto itself */
    enum { N = 5 };
    float in[N * N], out[N * N];
    memset(in, 0, sizeof in);
    in[0 * N + 4] = 1.0f;          /* top right corner */
    in[2 * N + 2] = 7.0f;          /* the centre stays */
    augment_image_ref(out, in, N, N, 0.0f, 0.0f, 90.0f, 0.0f);
    /* y points down the rows, so a positive angle turns the picture clockwise on the screen:
     * the top-right corner goes to the bottom right */
    CU_ASSERT_DOUBLE_EQUAL(out[4 * N + 4], 1.0, 1e-5);
    CU_ASSERT_DOUBLE_EQUAL(out[2 * N + 2], 7.0, 1e-5);
    CU_ASSERT_DOUBLE_EQUAL(out[0 * N + 4], 0.0, 1e-5);
    double sum = 0;
    for (int i = 0; i < N * N; i++)
        sum += out[i];
    CU_ASSERT_DOUBLE_EQUAL(sum, 8.0, 1e-4);
}

static void test_augment_half_pixel_shift_averages_neighbours(void)
{
    float in[H * W], out[H * W];
    ramp(in, H, W);
    augment_image_ref(out, in, H, W, 0.5f, 0.0f, 0.0f, 0.0f);
    /* out(i, j) reads the input at x = j - 0.5: the mean of columns j-1 and j */
    CU_ASSERT_DOUBLE_EQUAL(out[3 * W + 4], 0.5 * (in[3 * W + 3] + in[3 * W + 4]), 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(out[3 * W + 0], 0.5 * in[3 * W + 0], 1e-6);    /* half from outside (0) */
}

static void test_augment_parse_reads_back_its_text(void)
{
    AugmentSpec s;
    char why[200], text[128];
    CU_ASSERT_EQUAL_FATAL(augment_parse("shift 2, rotate 10", &s, why, sizeof why), 0);
    CU_ASSERT(s.max_shift == 2 && s.max_rotate == 10.0f);
    augment_format(&s, text, sizeof text);
    CU_ASSERT_STRING_EQUAL(text, "shift 2, rotate 10");
    CU_ASSERT_EQUAL_FATAL(augment_parse("rotate 7.5", &s, why, sizeof why), 0);
    CU_ASSERT(s.max_shift == 0 && s.max_rotate == 7.5f && augment_enabled(&s));
    augment_format(&s, text, sizeof text);
    CU_ASSERT_STRING_EQUAL(text, "rotate 7.5");
    CU_ASSERT_EQUAL_FATAL(augment_parse("none", &s, why, sizeof why), 0);
    CU_ASSERT(!augment_enabled(&s));
    augment_format(&s, text, sizeof text);
    CU_ASSERT_STRING_EQUAL(text, "none");
}

static void test_augment_parse_rejects_bad_settings(void)
{
    AugmentSpec s = {1, 1.0f};
    char why[200];
    const char *bad[] = {"", "shift", "shift 1.5", "shift -1", "shift 9", "rotate 181", "zoom 2",
                         "shift 2, shift 3", "shift 2 rotate 10", "rotate x", ","};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why[0] = '\0';
        int rc = augment_parse(bad[i], &s, why, sizeof why);
        if (rc == 0)
            fprintf(stderr, "\n    accepted \"%s\"", bad[i]);
        CU_ASSERT(rc != 0 && why[0]);
    }
    CU_ASSERT(s.max_shift == 1 && s.max_rotate == 1.0f);   /* untouched by a refusal */
}

enum { AB = 37, AH = 28, AW = 28 };

static float *augmented_batch(int threads, unsigned long seed, int epoch, int batch)
{
    static float in[AB * AH * AW];
    for (int i = 0; i < AB * AH * AW; i++)
        in[i] = (float)((i * 7919) % 256) / 255.0f;
    Augmenter a;
    AugmentSpec s = {2, 10.0f};
    if (augmenter_init(&a, &s, 0.0f, AB, AH, AW) != 0)
        return NULL;
    float *copy = malloc(sizeof in);
    if (copy)
        memcpy(copy, augmenter_apply(&a, in, AB, seed, epoch, batch, threads), sizeof in);
    augmenter_free(&a);
    return copy;
}

static void test_augment_batch_depends_only_on_seed_epoch_batch_at_any_thread_count(void)
{
    float *one = augmented_batch(1, 5, 3, 4), *two = augmented_batch(2, 5, 3, 4);
    float *other_batch = augmented_batch(2, 5, 3, 5), *other_epoch = augmented_batch(1, 5, 4, 4);
    float *other_seed = augmented_batch(1, 6, 3, 4);
    CU_ASSERT_FATAL(one && two && other_batch && other_epoch && other_seed);
    size_t n = sizeof(float) * AB * AH * AW;
    CU_ASSERT_EQUAL(memcmp(one, two, n), 0);
    CU_ASSERT_NOT_EQUAL(memcmp(one, other_batch, n), 0);
    CU_ASSERT_NOT_EQUAL(memcmp(one, other_epoch, n), 0);
    CU_ASSERT_NOT_EQUAL(memcmp(one, other_seed, n), 0);
    free(one), free(two), free(other_batch), free(other_epoch), free(other_seed);
}

static void test_augment_batch_transforms_stay_within_the_settings(void)
{
    static float in[AB * AH * AW];
    Augmenter a;
    AugmentSpec s = {2, 10.0f};
    CU_ASSERT_FATAL(augmenter_init(&a, &s, 0.0f, AB, AH, AW) == 0);
    int shifts_seen[5] = {0};
    for (int batch = 0; batch < 20; batch++) {
        augmenter_apply(&a, in, AB, 1, 1, batch, 1);
        for (int i = 0; i < AB; i++) {
            const float *p = a.params + 3 * i;
            CU_ASSERT(p[0] == floorf(p[0]) && fabsf(p[0]) <= 2 && fabsf(p[1]) <= 2);
            CU_ASSERT(fabsf(p[2]) <= 10.0f);
            shifts_seen[(int)p[0] + 2]++;
        }
    }
    for (int k = 0; k < 5; k++)      /* each of -2..2 is drawn (740 draws) */
        CU_ASSERT(shifts_seen[k] > 100);
    augmenter_free(&a);
}

/* ---- learning-rate schedules ---- */

static void test_schedule_constant_keeps_the_base_rate(void)
{
    ScheduleSpec s = {SCHED_CONSTANT, 0, 0.0f, 0};
    for (int e = 1; e <= 10; e++)
        CU_ASSERT_DOUBLE_EQUAL(schedule_lr(&s, 0.01, e, 10), 0.01, 0.0);
}

static void test_schedule_step_multiplies_every_e_epochs(void)
{
    ScheduleSpec s = {SCHED_STEP, 3, 0.5f, 0};
    const double want[8] = {1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25};
    for (int e = 1; e <= 8; e++)
        CU_ASSERT_DOUBLE_EQUAL(schedule_lr(&s, 1.0, e, 8), want[e - 1], 1e-12);
}

static void test_schedule_cosine_falls_from_base_towards_zero(void)
{
    ScheduleSpec s = {SCHED_COSINE, 0, 0.0f, 0};
    CU_ASSERT_DOUBLE_EQUAL(schedule_lr(&s, 2.0, 1, 4), 2.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(schedule_lr(&s, 2.0, 3, 4), 1.0, 1e-12);    /* half way: half the rate */
    CU_ASSERT_DOUBLE_EQUAL(schedule_lr(&s, 2.0, 4, 4), 1.0 - sqrt(0.5), 1e-12);
}

static void test_schedule_warmup_rises_linearly_then_hands_over(void)
{
    ScheduleSpec s = {SCHED_COSINE, 0, 0.0f, 3};
    CU_ASSERT_DOUBLE_EQUAL(schedule_lr(&s, 1.0, 1, 7), 0.25, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(schedule_lr(&s, 1.0, 3, 7), 0.75, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(schedule_lr(&s, 1.0, 4, 7), 1.0, 1e-12);    /* cosine starts at the top */
    CU_ASSERT_DOUBLE_EQUAL(schedule_lr(&s, 1.0, 6, 7), 0.5, 1e-12);
    ScheduleSpec st = {SCHED_STEP, 2, 0.1f, 1};
    CU_ASSERT_DOUBLE_EQUAL(schedule_lr(&st, 1.0, 1, 9), 0.5, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(schedule_lr(&st, 1.0, 3, 9), 1.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(schedule_lr(&st, 1.0, 4, 9), 0.1f, 1e-9);
}

int register_augment_tests(void)
{
    CU_pSuite s = CU_add_suite("augment", NULL, NULL);
    if (!s)
        return -1;
    static const struct { const char *name; CU_TestFunc fn; } tests[] = {
        {"identity_copies_the_image", test_augment_identity_copies_the_image},
        {"whole_shift_moves_pixels_exactly_and_fills_the_edge",
         test_augment_whole_shift_moves_pixels_exactly_and_fills_the_edge},
        {"quarter_turn_rotates_about_the_centre", test_augment_quarter_turn_rotates_about_the_centre},
        {"half_pixel_shift_averages_neighbours", test_augment_half_pixel_shift_averages_neighbours},
        {"parse_reads_back_its_text", test_augment_parse_reads_back_its_text},
        {"parse_rejects_bad_settings", test_augment_parse_rejects_bad_settings},
        {"batch_depends_only_on_seed_epoch_batch_at_any_thread_count",
         test_augment_batch_depends_only_on_seed_epoch_batch_at_any_thread_count},
        {"batch_transforms_stay_within_the_settings",
         test_augment_batch_transforms_stay_within_the_settings},
        {"schedule_constant_keeps_the_base_rate", test_schedule_constant_keeps_the_base_rate},
        {"schedule_step_multiplies_every_e_epochs", test_schedule_step_multiplies_every_e_epochs},
        {"schedule_cosine_falls_from_base_towards_zero",
         test_schedule_cosine_falls_from_base_towards_zero},
        {"schedule_warmup_rises_linearly_then_hands_over",
         test_schedule_warmup_rises_linearly_then_hands_over},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            return -1;
    return 0;
}
