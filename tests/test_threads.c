/* tests/test_threads: the thread pool of common/threads.c, directly: jobs of 0, 1 and many pieces,
 * each piece run exactly once with the job's own (thread, threads); the serial fallback after a
 * helper was short of a core; a job started inside a job runs inline; and the piece arithmetic the
 * kernels split their work with. Run under ThreadSanitizer by `make test TSAN=1`. */
#include <CUnit/CUnit.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/threads.h"

#define MAX_T 16

/* What one job saw: how often each piece ran, and the thread count it was told. */
typedef struct {
    atomic_int runs[MAX_T];
    atomic_int told[MAX_T];
    atomic_int calls;
} Seen;

static void record(void *arg, int t, int n)
{
    Seen *s = arg;
    atomic_fetch_add(&s->calls, 1);
    if (t >= 0 && t < MAX_T) {
        atomic_fetch_add(&s->runs[t], 1);
        atomic_store(&s->told[t], n);
    }
}

static void seen_clear(Seen *s)
{
    memset(s, 0, sizeof *s);
}

/* Every piece 0..n-1 ran once, each told n, and nothing else ran. */
static int ran_once_each(Seen *s, int n)
{
    int ok = atomic_load(&s->calls) == n;
    for (int t = 0; t < MAX_T; t++)
        ok &= atomic_load(&s->runs[t]) == (t < n) && (t >= n || atomic_load(&s->told[t]) == n);
    return ok;
}

static void sleep_us(long us)
{
    struct timespec d = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&d, NULL);
}

/* ---- pieces ---- */

static void test_piece_splits_are_contiguous_block_aligned_and_cover_the_range(void)
{
    static const long sizes[] = {0, 1, 15, 16, 17, 100003};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
        for (int n = 1; n <= 7; n++) {
            long end = 0;
            for (int t = 0; t < n; t++) {
                long lo, hi;
                threads_piece(sizes[k], 16, t, n, &lo, &hi);
                CU_ASSERT(lo == end);                    /* in thread order, no gap, no overlap */
                CU_ASSERT(hi >= lo);
                CU_ASSERT(lo % 16 == 0 || lo == sizes[k]);
                end = hi;
            }
            CU_ASSERT(end == sizes[k]);
        }
}

/* ---- jobs of 0, 1 and many pieces ---- */

static void test_a_job_of_zero_threads_runs_once_on_the_caller(void)
{
    Seen s;
    seen_clear(&s);
    threads_run(0, record, &s);
    CU_ASSERT(ran_once_each(&s, 1));
    seen_clear(&s);
    threads_run(-3, record, &s);
    CU_ASSERT(ran_once_each(&s, 1));
}

static void test_a_job_of_one_piece_runs_on_the_caller(void)
{
    Seen s;
    seen_clear(&s);
    threads_run(1, record, &s);
    CU_ASSERT(ran_once_each(&s, 1));
}

/* Zero elements split among many threads: every piece is empty, and each still runs once. */
typedef struct {
    long n;
    atomic_int *hits;
    atomic_int pieces;
} SplitJob;

static void split_task(void *arg, int t, int n)
{
    SplitJob *j = arg;
    long lo, hi;
    threads_piece(j->n, 16, t, n, &lo, &hi);
    for (long i = lo; i < hi; i++)
        atomic_fetch_add(&j->hits[i], 1);
    atomic_fetch_add(&j->pieces, 1);
}

static int split_covers_once(long n, int threads)
{
    SplitJob j = {.n = n, .hits = calloc((size_t)(n ? n : 1), sizeof(atomic_int))};
    atomic_init(&j.pieces, 0);
    threads_run(threads, split_task, &j);
    int ok = atomic_load(&j.pieces) >= 1 && atomic_load(&j.pieces) <= threads;
    for (long i = 0; i < n; i++)
        ok &= atomic_load(&j.hits[i]) == 1;
    free(j.hits);
    return ok;
}

static void test_an_empty_range_split_among_threads_touches_nothing(void)
{
    CU_ASSERT(split_covers_once(0, 4));
}

static void test_a_job_of_many_pieces_covers_every_element_once(void)
{
    CU_ASSERT(split_covers_once(100003, 2));
    CU_ASSERT(split_covers_once(100003, 3));
    CU_ASSERT(split_covers_once(100003, 8));
}

/* Jobs of changing width, back to back: each runs each of its pieces once, told its own count.
 * (Before the count travelled in the job word, a helper left out of one job could read the next
 * job's count and run that job twice; ThreadSanitizer reported the race.) */
static void test_jobs_of_changing_width_run_each_piece_once(void)
{
    static const int widths[] = {3, 2, 1, 4, 2, 3, 1, 2};
    int bad = 0;
    for (int rep = 0; rep < 300; rep++) {
        const int n = widths[rep % 8];
        Seen s;
        seen_clear(&s);
        threads_run(n, record, &s);
        /* with fewer threads than asked (the serial fallback), still once each of its count */
        int used = atomic_load(&s.told[0]);
        bad += !(used >= 1 && used <= n && ran_once_each(&s, used));
    }
    CU_ASSERT_EQUAL(bad, 0);
}

/* ---- the serial fallback ---- */

/* Helpers that take much longer than the caller (no core to run on) switch the pool to the caller
 * alone for a while (2 ms the first time, up to 50 ms), then it uses helpers again. Forced here by
 * pieces that sleep 3 ms on the helpers only; tried a few times, as a helper that fell asleep first
 * hides the signal. */
static void slow_helpers(void *arg, int t, int n)
{
    (void)arg, (void)n;
    if (t > 0)
        sleep_us(3000);
}

static void test_a_starved_helper_makes_the_next_jobs_serial_for_a_while(void)
{
    int serial_seen = 0, restored = 0;
    for (int attempt = 0; attempt < 10 && !serial_seen; attempt++) {
        Seen warm, after;
        seen_clear(&warm);
        threads_run(2, record, &warm);           /* the helper is up and spinning */
        threads_run(2, slow_helpers, NULL);
        seen_clear(&after);
        threads_run(2, record, &after);
        if (atomic_load(&after.told[0]) == 1) {
            serial_seen = ran_once_each(&after, 1);
            sleep_us(80000);                     /* past the serial period */
            Seen later;
            seen_clear(&later);
            threads_run(2, record, &later);
            restored = ran_once_each(&later, 2);
        }
        sleep_us(80000);
    }
    CU_ASSERT(serial_seen);
    CU_ASSERT(restored);
}

/* A piece of 3 ms of work on every thread: a helper's stall of up to 1.5 ms (a busy virtual
 * machine's vCPU) is not starvation next to it, as it is next to an empty piece. */
static void busy_piece(void *arg, int t, int n)
{
    (void)arg, (void)t, (void)n;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do
        clock_gettime(CLOCK_MONOTONIC, &t1);
    while ((t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec) < 3000000L);
}

/* Whether a `record` job now runs on the caller alone, and nothing else went wrong. */
static int runs_serial_now(int *bad)
{
    Seen s;
    seen_clear(&s);
    threads_run(2, record, &s);
    const int used = atomic_load(&s.told[0]);
    if (!ran_once_each(&s, used))
        (*bad)++;
    return used == 1;
}

/* Jobs whose helpers keep up until the pool is back to its shortest serial period (32 in a row);
 * whether it got there (under another process's load, helpers cannot keep up). */
static int back_to_the_shortest_period(void)
{
    for (int i = 0; i < 200 && threads_serial_ns() != 0; i++)
        threads_run(2, busy_piece, NULL);
    return threads_serial_ns() == 0;
}

/* After jobs whose helpers kept up, one starved job costs a short serial period (2 ms), and 6 ms
 * later the pool uses its helpers again. A virtual machine's host taking a vCPU away for a moment
 * costs that little; under the flat 50 ms this pool once had, it cost 50 ms of one-thread work. */
static void test_a_lone_starved_job_makes_only_a_short_serial_period(void)
{
    int short_seen = 0, bad = 0;
    for (int attempt = 0; attempt < 10 && !short_seen; attempt++) {
        if (back_to_the_shortest_period()) {
            threads_run(2, slow_helpers, NULL);
            if (threads_serial_ns() == 2000000 && runs_serial_now(&bad)) {
                sleep_us(6000);
                short_seen = !runs_serial_now(&bad);
            }
        }
        sleep_us(80000);
    }
    CU_ASSERT(short_seen);
    CU_ASSERT_EQUAL(bad, 0);
}

/* Each starved job right after a serial period makes the next period four times longer, up to
 * 50 ms: 2, 8, 32, 50, 50 ms. A core held by another process starves job after job, and the pool
 * then works alone most of the time; it never stays serial past the period it set. */
static void test_starved_jobs_in_a_row_make_the_serial_period_longer(void)
{
    static const long long expect_ms[] = {2, 8, 32, 50, 50};
    int longest_seen = 0, restored = 0, bad = 0;
    for (int attempt = 0; attempt < 10 && !longest_seen; attempt++) {
        int k = 0;
        if (back_to_the_shortest_period())
            for (; k < 5; k++) {
                threads_run(2, busy_piece, NULL);    /* wakes a helper asleep after a long
                                                        period (a job that proves nothing) */
                threads_run(2, slow_helpers, NULL);  /* starved, if the helper ran it */
                if (threads_serial_ns() != expect_ms[k] * 1000000 || !runs_serial_now(&bad))
                    break;
                sleep_us(expect_ms[k] * 1000 + 1000);     /* just past the period */
            }
        if (k == 5) {
            longest_seen = 1;
            restored = !runs_serial_now(&bad);
        }
        sleep_us(80000);
    }
    CU_ASSERT(longest_seen);
    CU_ASSERT(restored);
    CU_ASSERT_EQUAL(bad, 0);
}

/* ---- a job inside a job ---- */

typedef struct {
    Seen outer;
    atomic_int inner_calls, inner_bad;
} NestJob;

typedef struct {
    NestJob *nest;
    pthread_t parent;
} InnerArg;

static void inner_task(void *arg, int t, int n)
{
    InnerArg *a = arg;
    atomic_fetch_add(&a->nest->inner_calls, 1);
    if (t != 0 || n != 1 || !pthread_equal(pthread_self(), a->parent))
        atomic_fetch_add(&a->nest->inner_bad, 1);
}

static void outer_task(void *arg, int t, int n)
{
    NestJob *j = arg;
    record(&j->outer, t, n);
    InnerArg a = {.nest = j, .parent = pthread_self()};
    threads_run(4, inner_task, &a);              /* must run inline, on this thread */
}

static void test_a_job_inside_a_job_runs_inline_on_its_thread(void)
{
    NestJob j;
    memset(&j, 0, sizeof j);
    threads_run(2, outer_task, &j);
    const int used = atomic_load(&j.outer.told[0]);
    CU_ASSERT(ran_once_each(&j.outer, used));
    CU_ASSERT_EQUAL(atomic_load(&j.inner_calls), used);
    CU_ASSERT_EQUAL(atomic_load(&j.inner_bad), 0);
}

int register_threads_tests(void)
{
    CU_pSuite s = CU_add_suite("threads", NULL, NULL);
    if (!s)
        return -1;
    static const struct {
        const char *name;
        void (*fn)(void);
    } tests[] = {
        {"piece_splits_are_contiguous_block_aligned_and_cover_the_range",
         test_piece_splits_are_contiguous_block_aligned_and_cover_the_range},
        {"a_job_of_zero_threads_runs_once_on_the_caller", test_a_job_of_zero_threads_runs_once_on_the_caller},
        {"a_job_of_one_piece_runs_on_the_caller", test_a_job_of_one_piece_runs_on_the_caller},
        {"an_empty_range_split_among_threads_touches_nothing",
         test_an_empty_range_split_among_threads_touches_nothing},
        {"a_job_of_many_pieces_covers_every_element_once",
         test_a_job_of_many_pieces_covers_every_element_once},
        {"jobs_of_changing_width_run_each_piece_once", test_jobs_of_changing_width_run_each_piece_once},
        {"a_starved_helper_makes_the_next_jobs_serial_for_a_while",
         test_a_starved_helper_makes_the_next_jobs_serial_for_a_while},
        {"a lone starved job makes only a short serial period",
         test_a_lone_starved_job_makes_only_a_short_serial_period},
        {"starved jobs in a row make the serial period longer",
         test_starved_jobs_in_a_row_make_the_serial_period_longer},
        {"a_job_inside_a_job_runs_inline_on_its_thread", test_a_job_inside_a_job_runs_inline_on_its_thread},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            return -1;
    return 0;
}
