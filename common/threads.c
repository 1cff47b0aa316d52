/* common/threads: thread count, flush-to-zero, and a pool of helper threads for the kernels.
 *
 * Why a pool of our own and not OpenMP's: libgomp's threads spin for a long time at every barrier,
 * and the spin length (OMP_WAIT_POLICY, GOMP_SPINCOUNT) can only be set before the program starts.
 * When another process holds one of the two cores, a spinning thread keeps the core its partner
 * needs, and each of the ~10 parallel regions of a step then lasts a scheduler time slice: measured
 * here, softmax on 2 threads fell from 1.7M to 10k images/s and cnn-4v9 from 108k to 6k. In this
 * pool the caller spins at most 100 us for its helpers, then sleeps on a condition variable (so a
 * helper short of a core gets the caller's); helpers spin 5 ms for the next job, then sleep; and
 * when a helper starts a job over 2 ms late or finishes its piece over 0.5 ms after the caller (it
 * had no core, or half of one), the next jobs run on the caller alone for a while: 2 ms the first
 * time, four times longer at each further starved job up to 50 ms, and 2 ms again once 32 jobs in
 * a row were not starved. Why graduated: a virtual machine's host takes a vCPU away for a moment
 * now and then (on this suite's 2-vCPU VM, 5 to 13 times in a 1.5 s cnn bench), and the flat 50 ms
 * this pool first had made each such moment cost 50 ms of one-thread work: cnn on 2 threads went
 * from 24.1k to 28.4k images/s (medians of 5 interleaved pairs) with the graduated periods; with
 * one core held by a busy loop, which starves most jobs, the periods reach 50 ms and both versions
 * ran 12.7k (measured on the first version of this change). A helper a job does not need sleeps
 * at once instead of spinning, so that with more threads than cores it takes no core from those
 * that work. Every kernel splits its work so that
 * results are bitwise the same at any thread count, so running fewer threads changes nothing but
 * the time. With one core taken by a busy loop, 2 threads ran cnn at 9.7k images/s with this
 * pool and 1.7k with OpenMP's; on an idle machine this pool was 14-21% faster for cnn, lenet and
 * mlp, and 11% slower for cnn-4v9. */
#include "common/threads.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "common/env.h"
#include "common/error.h"
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

#define POOL_MAX       64           /* threads, caller included */
#define HELPER_SPIN_NS 5000000      /* a helper waits this long for the next job spinning, then sleeps */
#define CALLER_SPIN_NS 100000       /* the caller waits this long for its helpers spinning, ditto */
#define LATE_NS        2000000      /* a helper starting a job this late had no core to run on */
#define SLOW_MIN_NS    500000       /* a helper finishing this much later than the caller, and
                                       later by half the caller's own time, was short of a core */
#define SERIAL_MIN_NS  2000000LL   /* ... and for this long the caller then works alone, */
#define SERIAL_MAX_NS  50000000LL  /* four times longer at each starved job, up to this, */
#define KEPT_UP_JOBS   32          /* until this many jobs in a row were not starved */

int threads_from_env(int *out)
{
    int given;
    *out = 0;
    return env_int("MNISTLAB_THREADS", 1, THREADS_MAX, "--threads", out, &given);
}

int threads_resolve(int flag, int configured, int *out)
{
    int env_n, rc = threads_from_env(&env_n);
    if (rc)
        return rc;
    int n = flag;
    if (n <= 0)
        n = env_n;
    if (n <= 0)
        n = configured;
    if (n <= 0)
        n = (int)sysconf(_SC_NPROCESSORS_ONLN);
    *out = n < 1 ? 1 : n > THREADS_MAX ? THREADS_MAX : n;
    return MNL_OK;
}

/* Denormals make float arithmetic 10-100x slower and change nothing a network learns. */
static void flush_denormals(void)
{
#if defined(__x86_64__) || defined(__i386__)
    _mm_setcsr(_mm_getcsr() | 0x8040);     /* flush-to-zero and denormals-are-zero */
#endif
}

int threads_setup(int n)
{
    flush_denormals();
    return n < 1 ? 1 : n;
}

void threads_piece(long n, long block, int thread, int threads, long *lo, long *hi)
{
    long blocks = (n + block - 1) / block;
    *lo = blocks * thread / threads * block;
    *hi = blocks * (thread + 1) / threads * block;
    *lo = *lo < n ? *lo : n;
    *hi = *hi < n ? *hi : n;
}

/* ---- the pool ---- */

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static struct {
    pthread_mutex_t lock;
    pthread_cond_t wake;             /* helpers sleeping until the next job */
    pthread_cond_t done;             /* the caller sleeping until the helpers finish */
    pthread_t helper[POOL_MAX];
    unsigned first_job[POOL_MAX];    /* the job number when each helper was started */
    int helpers;                     /* started so far (thread numbers 1..helpers) */
    int registered;                  /* the exit handler that stops them */
    atomic_uint job;                 /* the current job: its number << JOB_N_BITS | its thread count;
                                        helpers wait for it to change */
    atomic_int pending;              /* helpers still working on the current job */
    atomic_int asleep[POOL_MAX];     /* helper i is asleep on `wake` (or about to be) */
    atomic_int caller_asleep;
    atomic_int late;                 /* a helper started the current job late */
    atomic_int stop;
    ThreadsTask task;                /* the current job, valid while pending > 0 (read only by the
                                        helpers that take part in it, which the caller waits for) */
    void *arg;
    long long posted_ns;
    long long serial_until_ns;       /* until then, jobs run on the caller alone */
    long long serial_ns;             /* the length of the last such period; 0 again after
                                        KEPT_UP_JOBS jobs in a row whose helpers kept up */
    int kept_up;                     /* jobs in a row since the last starved one */
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER,
          .done = PTHREAD_COND_INITIALIZER};

/* The thread count travels in the job word itself: a helper that takes no part in a job must learn
 * so without reading a field the caller may already be rewriting for the next job (TSAN saw that
 * race when pool.n was a plain field: a late helper could read the next job's count and run the
 * next job twice). POOL_MAX < 2^JOB_N_BITS. */
#define JOB_N_BITS 7
_Static_assert(POOL_MAX < (1 << JOB_N_BITS), "the thread count must fit its bits of the job word");
static int job_threads(unsigned job) { return (int)(job & ((1u << JOB_N_BITS) - 1u)); }

/* Set on pool threads while they run a piece: a job started from inside a job runs inline. */
static _Thread_local int inside_job;

/* Wait until the job number differs from seen (or the pool stops): spin for spin_ns, then sleep.
 * A step's jobs come tens of microseconds apart (the loss, the optimizer and the next batch come
 * between them), so helpers spin long enough to catch the next one without a wake-up. */
static unsigned wait_for_job(int me, unsigned seen, long long spin_ns)
{
    long long start = now_ns();
    unsigned job;
    for (int spins = 0; (job = atomic_load(&pool.job)) == seen && !atomic_load(&pool.stop); spins++) {
        if ((spins & 255) != 255 || now_ns() - start < spin_ns) {
            CPU_RELAX();
            continue;
        }
        pthread_mutex_lock(&pool.lock);
        atomic_store(&pool.asleep[me], 1);
        while (atomic_load(&pool.job) == seen && !atomic_load(&pool.stop))
            pthread_cond_wait(&pool.wake, &pool.lock);
        atomic_store(&pool.asleep[me], 0);
        pthread_mutex_unlock(&pool.lock);
    }
    return job;
}

static void *helper_main(void *p)
{
    const int me = (int)(intptr_t)p;
    flush_denormals();
    inside_job = 1;
    unsigned seen = pool.first_job[me];
    int needed = 1;
    for (int jobs = 0;; jobs++) {
        /* a helper the last job did without sleeps at once: its spinning would take a core from
         * the threads that work (more threads than cores, say) */
        seen = wait_for_job(me, seen, needed ? HELPER_SPIN_NS : 0);
        if (atomic_load(&pool.stop))
            return NULL;
        const int n = job_threads(seen);
        if (!(needed = me < n))
            continue;
        if (jobs > 0 && now_ns() - pool.posted_ns > LATE_NS)   /* a new thread may start slowly */
            atomic_store(&pool.late, 1);
        pool.task(pool.arg, me, n);
        if (atomic_fetch_sub(&pool.pending, 1) == 1 && atomic_load(&pool.caller_asleep)) {
            pthread_mutex_lock(&pool.lock);
            pthread_cond_signal(&pool.done);
            pthread_mutex_unlock(&pool.lock);
        }
    }
}

/* At exit: wake the helpers, let them return, and join them. */
static void stop_helpers(void)
{
    pthread_mutex_lock(&pool.lock);
    atomic_store(&pool.stop, 1);
    pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.lock);
    for (int i = 1; i <= pool.helpers; i++)
        pthread_join(pool.helper[i], NULL);
    pool.helpers = 0;
}

/* Helpers 1..n-1 running; returns how many threads the job can have (fewer if one cannot start). */
static int start_helpers(int n)
{
    if (!pool.registered)
        pool.registered = atexit(stop_helpers) == 0 ? 1 : -1;
    if (pool.registered < 0)
        return 1;                           /* could not arrange to stop them: stay alone */
    while (pool.helpers < n - 1) {
        int id = pool.helpers + 1;
        pool.first_job[id] = atomic_load(&pool.job);
        if (pthread_create(&pool.helper[id], NULL, helper_main, (void *)(intptr_t)id) != 0)
            break;
        pool.helpers = id;
    }
    return pool.helpers + 1 < n ? pool.helpers + 1 : n;
}

static void wait_for_helpers(void)
{
    long long start = now_ns();
    for (int spins = 0; atomic_load(&pool.pending) > 0; spins++) {
        if ((spins & 255) != 255 || now_ns() - start < CALLER_SPIN_NS) {
            CPU_RELAX();
            continue;
        }
        pthread_mutex_lock(&pool.lock);
        atomic_store(&pool.caller_asleep, 1);
        while (atomic_load(&pool.pending) > 0)
            pthread_cond_wait(&pool.done, &pool.lock);
        atomic_store(&pool.caller_asleep, 0);
        pthread_mutex_unlock(&pool.lock);
    }
}

void threads_run(int n, ThreadsTask task, void *arg)
{
    if (n > POOL_MAX)
        n = POOL_MAX;
    if (n > 1 && !inside_job && pool.serial_until_ns && now_ns() < pool.serial_until_ns)
        n = 1;
    const int started = pool.helpers;
    if (n > 1 && !inside_job)
        n = start_helpers(n);
    if (n <= 1 || inside_job) {
        task(arg, 0, 1);
        return;
    }
    pool.task = task, pool.arg = arg;
    atomic_store(&pool.late, 0);
    atomic_store(&pool.pending, n - 1);
    pool.posted_ns = now_ns();
    /* the next number with this job's thread count; publishes the fields above to the helpers */
    const unsigned number = (atomic_load(&pool.job) >> JOB_N_BITS) + 1u;
    atomic_store(&pool.job, number << JOB_N_BITS | (unsigned)n);
    /* A sleeping helper takes up to a millisecond or so to wake here (a virtual machine's idle
     * vCPU) and a new one several to start, so such a job says nothing about whether helpers
     * get a core. */
    int woke = pool.helpers > started;
    for (int i = 1; i < n; i++)             /* helpers past n sleep on: not needed */
        woke |= atomic_load(&pool.asleep[i]);
    if (woke) {
        pthread_mutex_lock(&pool.lock);
        pthread_cond_broadcast(&pool.wake);
        pthread_mutex_unlock(&pool.lock);
    }
    inside_job = 1;
    task(arg, 0, n);
    inside_job = 0;
    long long mine = now_ns() - pool.posted_ns;
    wait_for_helpers();
    /* The pieces are of equal work: waiting half as long again as our own piece took means a
     * helper had only part of a core (or started late). */
    long long waited = now_ns() - pool.posted_ns - mine;
    int starved = !woke && (atomic_load(&pool.late) || (waited > SLOW_MIN_NS && 2 * waited > mine));
    pool.serial_until_ns = 0;
    if (starved) {
        long long longer = pool.serial_ns ? 4 * pool.serial_ns : SERIAL_MIN_NS;
        pool.serial_ns = longer < SERIAL_MAX_NS ? longer : SERIAL_MAX_NS;
        pool.serial_until_ns = now_ns() + pool.serial_ns;
        pool.kept_up = 0;
    } else if (!woke && ++pool.kept_up >= KEPT_UP_JOBS) {
        pool.serial_ns = 0;             /* the helpers keep up again (a woken one proves nothing) */
    }
}

long long threads_serial_ns(void)
{
    return pool.serial_ns;
}
