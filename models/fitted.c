/* models/fitted: what the fitted families share: the score of a set of probabilities, and the
 * little-endian byte buffer their model formats are written through. */
#include "models/fitted.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fileio.h"


void fitted_score(const float *probs, const int *y, int n, int K, double *loss, double *acc)
{
    double sum = 0.0;
    long right = 0;
    for (int i = 0; i < n; i++) {
        const float *p = probs + (size_t)i * K;
        int best = 0;
        for (int c = 1; c < K; c++)
            best = p[c] > p[best] ? c : best;
        right += best == y[i];
        double q = p[y[i]] < 1e-15f ? 1e-15 : (double)p[y[i]];
        sum -= log(q);
    }
    *loss = n ? sum / n : NAN;
    *acc = n ? (double)right / n : NAN;
}

void blob_put(Blob *b, const void *data, size_t n)
{
    if (b->failed || n == 0)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        unsigned char *p = realloc(b->p, cap);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->p = p, b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

void blob_put_u32(Blob *b, unsigned v)
{
    unsigned char le[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                           (unsigned char)(v >> 24)};
    blob_put(b, le, 4);
}

void blob_put_f32(Blob *b, float v)
{
    uint32_t u;
    memcpy(&u, &v, 4);
    blob_put_u32(b, u);
}

int blob_get(BlobReader *r, void *out, size_t n)
{
    if (r->failed || n > r->len - r->pos) {
        r->failed = 1;
        memset(out, 0, n);
        return -1;
    }
    memcpy(out, r->p + r->pos, n);
    r->pos += n;
    return 0;
}

unsigned blob_get_u32(BlobReader *r)
{
    unsigned char le[4];
    if (blob_get(r, le, 4))
        return 0;
    return (unsigned)le[0] | (unsigned)le[1] << 8 | (unsigned)le[2] << 16 | (unsigned)le[3] << 24;
}

float blob_get_f32(BlobReader *r)
{
    uint32_t u = blob_get_u32(r);
    float v;
    memcpy(&v, &u, 4);
    return v;
}

static int temp_file(char *path, size_t n)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, n, "%s/mnistlab-model-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        return mnl_fail(MNL_ERR_IO, "%s: cannot make a temporary file for the model", path);
    close(fd);
    return MNL_OK;
}

int fitted_save_via_file(int (*save)(const char *path, const void *model), const void *model,
                         const char *what, unsigned char **blob, size_t *len)
{
    char path[MNL_PATH_LEN];
    int rc = temp_file(path, sizeof path);
    if (rc)
        return rc;
    if (save(path, model) != 0)
        rc = mnl_fail(MNL_ERR_IO, "%s: could not save its model to %s", what, path);
    else
        rc = file_read_all(path, (size_t)1 << 30, blob, len);
    unlink(path);
    return rc;
}

int fitted_load_via_file(void *(*load)(const char *path), const unsigned char *blob, size_t len,
                         const char *what, void **model)
{
    char path[MNL_PATH_LEN];
    int rc = temp_file(path, sizeof path);
    if (rc)
        return rc;
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(blob, 1, len, f) == len;
    if (f && fclose(f) != 0)
        ok = 0;
    *model = ok ? load(path) : NULL;
    unlink(path);
    if (!ok)
        return mnl_fail(MNL_ERR_IO, "%s: cannot write its model to %s", what, path);
    if (!*model)
        return mnl_fail(MNL_ERR_CKPT, "%s: the library does not read the saved model", what);
    return MNL_OK;
}
