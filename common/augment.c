/* common/augment: the reference resampler, the settings text, and the batch augmenter. */
#include "common/augment.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/threads.h"

#define AUGMENT_MAX_SHIFT  8
#define AUGMENT_MAX_ROTATE 180.0
#define AUGMENT_PI 3.14159265358979323846

int augment_enabled(const AugmentSpec *s)
{
    return s->max_shift > 0 || s->max_rotate > 0.0f;
}

static int parse_item(const char *word, const char *arg, AugmentSpec *s, char *why, size_t n)
{
    char *end;
    double v = strtod(arg, &end);
    if (end == arg || *end || !isfinite(v)) {
        snprintf(why, n, "\"%s %s\": %s takes a number", word, arg, word);
        return -1;
    }
    if (!strcmp(word, "shift")) {
        if (v != floor(v) || v < 0 || v > AUGMENT_MAX_SHIFT) {
            snprintf(why, n, "\"shift %s\": give whole pixels from 0 to %d", arg, AUGMENT_MAX_SHIFT);
            return -1;
        }
        s->max_shift = (int)v;
        return 0;
    }
    if (v < 0 || v > AUGMENT_MAX_ROTATE) {
        snprintf(why, n, "\"rotate %s\": give degrees from 0 to %g", arg, AUGMENT_MAX_ROTATE);
        return -1;
    }
    s->max_rotate = (float)v;
    return 0;
}

int augment_parse(const char *text, AugmentSpec *s, char *why, size_t why_len)
{
    AugmentSpec got = {0, 0.0f};
    char buf[128];
    if (strlen(text) >= sizeof buf) {
        snprintf(why, why_len, "\"%.40s...\" is too long", text);
        return -1;
    }
    snprintf(buf, sizeof buf, "%s", text);
    if (strcmp(buf, "none") == 0) {
        *s = got;
        return 0;
    }
    int seen_shift = 0, seen_rotate = 0, items = 0;
    for (char *item = strtok(buf, ","); item; item = strtok(NULL, ",")) {
        char word[16], arg[32], extra;
        if (sscanf(item, " %15s %31s %c", word, arg, &extra) != 2 ||
            (strcmp(word, "shift") && strcmp(word, "rotate"))) {
            snprintf(why, why_len, "\"%s\": give none, or shift N and/or rotate D "
                     "(e.g. shift 2, rotate 10)", text);
            return -1;
        }
        int *seen = word[0] == 's' ? &seen_shift : &seen_rotate;
        if ((*seen)++) {
            snprintf(why, why_len, "\"%s\": %s is given twice", text, word);
            return -1;
        }
        if (parse_item(word, arg, &got, why, why_len))
            return -1;
        items++;
    }
    if (!items) {
        snprintf(why, why_len, "\"%s\": give none, or shift N and/or rotate D", text);
        return -1;
    }
    *s = got;
    return 0;
}

void augment_format(const AugmentSpec *s, char *buf, size_t n)
{
    if (!augment_enabled(s)) {
        snprintf(buf, n, "none");
        return;
    }
    char rot[32];
    snprintf(rot, sizeof rot, "%.9g", s->max_rotate);
    if (s->max_shift && s->max_rotate > 0.0f)
        snprintf(buf, n, "shift %d, rotate %s", s->max_shift, rot);
    else if (s->max_shift)
        snprintf(buf, n, "shift %d", s->max_shift);
    else
        snprintf(buf, n, "rotate %s", rot);
}

/* ---- the reference resampler ---- */

static float pixel_or_fill(const float *in, int h, int w, int y, int x, float fill)
{
    return (y >= 0 && y < h && x >= 0 && x < w) ? in[y * w + x] : fill;
}

void augment_image_ref(float *out, const float *in, int h, int w, float dx, float dy,
                       float angle_deg, float fill)
{
    /* The inverse map: output pixel (i, j) reads the input at the point that the forward
     * transform (rotate about the centre, then shift) carries onto it. */
    double a = angle_deg * (AUGMENT_PI / 180.0), c = cos(a), s = sin(a);
    double cy = (h - 1) / 2.0, cx = (w - 1) / 2.0;
    for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++) {
            double u = j - dx - cx, v = i - dy - cy;
            double sx = cx + c * u + s * v, sy = cy - s * u + c * v;
            double x0 = floor(sx), y0 = floor(sy);
            float fx = (float)(sx - x0), fy = (float)(sy - y0);
            int xi = (int)x0, yi = (int)y0;
            float p00 = pixel_or_fill(in, h, w, yi, xi, fill);
            float p01 = pixel_or_fill(in, h, w, yi, xi + 1, fill);
            float p10 = pixel_or_fill(in, h, w, yi + 1, xi, fill);
            float p11 = pixel_or_fill(in, h, w, yi + 1, xi + 1, fill);
            float top = p00 + fx * (p01 - p00), bottom = p10 + fx * (p11 - p10);
            out[i * w + j] = top + fy * (bottom - top);
        }
}

/* ---- the batch augmenter ---- */

int augmenter_init(Augmenter *a, const AugmentSpec *s, float fill, int batch, int h, int w)
{
    memset(a, 0, sizeof *a);
    a->spec = *s;
    a->fill = fill;
    a->batch = batch;
    a->h = h;
    a->w = w;
    a->rng = gsl_rng_alloc(gsl_rng_mt19937);
    a->params = malloc((size_t)batch * 3 * sizeof *a->params);
    a->out = malloc((size_t)batch * h * w * sizeof *a->out);
    if (!a->rng || !a->params || !a->out) {
        augmenter_free(a);
        return mnl_fail(MNL_ERR_NOMEM, "cannot allocate the augmentation buffers");
    }
    return MNL_OK;
}

/* splitmix64's finaliser: nearby (seed, epoch, batch) give unrelated streams. */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void draw_params(Augmenter *a, int B, unsigned long seed, int epoch, int batch)
{
    uint64_t key = mix64(mix64(mix64((uint64_t)seed + 0x9e3779b97f4a7c15ULL) + (uint64_t)epoch) +
                         (uint64_t)batch);
    gsl_rng_set(a->rng, (unsigned long)(key ^ (key >> 32)) & 0xffffffffUL);
    int n = 2 * a->spec.max_shift + 1;
    for (int i = 0; i < B; i++) {
        float *p = a->params + 3 * i;
        p[0] = a->spec.max_shift ? (float)((int)gsl_rng_uniform_int(a->rng, (unsigned long)n) -
                                           a->spec.max_shift) : 0.0f;
        p[1] = a->spec.max_shift ? (float)((int)gsl_rng_uniform_int(a->rng, (unsigned long)n) -
                                           a->spec.max_shift) : 0.0f;
        p[2] = a->spec.max_rotate > 0.0f
                   ? (float)((2.0 * gsl_rng_uniform(a->rng) - 1.0) * a->spec.max_rotate) : 0.0f;
    }
}

typedef struct {
    Augmenter *a;
    const float *in;
    int B;
} AugmentJob;

static void augment_piece(void *arg, int thread, int threads)
{
    AugmentJob *job = arg;
    Augmenter *a = job->a;
    size_t plane = (size_t)a->h * a->w;
    long lo, hi;
    threads_piece(job->B, 1, thread, threads, &lo, &hi);
    for (long i = lo; i < hi; i++) {
        const float *p = a->params + 3 * i;
        augment_image_ref(a->out + i * plane, job->in + i * plane, a->h, a->w, p[0], p[1], p[2],
                          a->fill);
    }
}

const float *augmenter_apply(Augmenter *a, const float *in, int B, unsigned long seed, int epoch,
                             int batch, int threads)
{
    draw_params(a, B, seed, epoch, batch);
    AugmentJob job = {a, in, B};
    threads_run(threads < 1 ? 1 : threads, augment_piece, &job);
    return a->out;
}

void augmenter_free(Augmenter *a)
{
    if (a->rng)
        gsl_rng_free(a->rng);
    free(a->params);
    free(a->out);
    memset(a, 0, sizeof *a);
}
