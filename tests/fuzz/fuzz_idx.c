/* tests/fuzz/fuzz_idx: the IDX reader (common/idx) on arbitrary bytes, raw and gzip. The first
 * byte says how the rest reaches the reader:
 *   bit 0 clear: as they are (a gzip member when they start 1f 8b, so the fuzzer also mutates
 *                compressed bytes, headers and CRCs);
 *   bit 0 set:   gzip-compressed here first, then cut short by (byte >> 1) bytes, so the fuzzer
 *                explores IDX headers and lengths inside a valid (or cut) gzip stream.
 * Both readers (images, rank 3; labels, rank 1) see every input. An image set that loads must
 * hold exactly what its header says, and idx_images_open/idx_images_read (common/dataset's path)
 * must give the same images; a refusal must name the file, and opening refuses what reading does. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/error.h"
#include "common/idx.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_ASAN_OPTIONS(64)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* data gzip-compressed into a malloc'd buffer, the last `cut` bytes dropped. */
static uint8_t *gzip_cut(const uint8_t *data, size_t size, size_t cut, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        abort();
    size_t cap = deflateBound(&z, size);
    uint8_t *out = malloc(cap);
    if (!out)
        abort();
    z.next_in = (Bytef *)data;
    z.avail_in = (uInt)size;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END)
        abort();
    *out_len = z.total_out > cut ? z.total_out - cut : 0;
    deflateEnd(&z);
    return out;
}

/* Touch every pixel, so ASan sees a buffer shorter than its dimensions. */
static unsigned checksum(const uint8_t *p, size_t n)
{
    unsigned s = 0;
    for (size_t i = 0; i < n; i++)
        s = s * 31 + p[i];
    return s;
}

/* The images at even positions, read through idx_images_open/idx_images_read (the path
 * common/dataset takes), must be those of the whole read. */
static void read_even_images(const char *path, const IdxImages *im)
{
    IdxImageFile f;
    if (idx_images_open(path, &f) != MNL_OK || f.n != im->n || f.rows != im->rows ||
        f.cols != im->cols)
        abort();
    int k = (im->n + 1) / 2;
    size_t hw = (size_t)im->rows * im->cols;
    int *idx = malloc((size_t)(k ? k : 1) * sizeof *idx);
    uint8_t *out = malloc(k ? (size_t)k * hw : 1);
    if (!idx || !out)
        abort();
    for (int i = 0; i < k; i++)
        idx[i] = 2 * i;
    if (idx_images_read(&f, idx, k, out) != MNL_OK)
        abort();
    for (int i = 0; i < k; i++)
        if (memcmp(out + (size_t)i * hw, im->pixels + (size_t)idx[i] * hw, hw) != 0)
            abort();
    free(idx), free(out);
    idx_images_close(&f);
}

static void read_as_images(const char *path, size_t file_len, int raw)
{
    IdxImages im;
    IdxImageFile f;
    int rc = idx_read_images(path, &im);
    if (rc) {
        fuzz_check_refusal(rc, path);
        if (idx_images_open(path, &f) != rc)   /* opening refuses what reading refuses */
            abort();
        return;
    }
    size_t n = (size_t)im.n * im.rows * im.cols;
    if (im.n < 0 || im.rows < 1 || im.cols < 1 || im.n > IDX_MAX_ITEMS || im.rows > IDX_MAX_SIDE ||
        im.cols > IDX_MAX_SIDE || (raw && 16 + n != file_len))
        abort();
    volatile unsigned sink = checksum(im.pixels, n);
    (void)sink;
    read_even_images(path, &im);
    idx_images_free(&im);
}

static void read_as_labels(const char *path, size_t file_len, int raw, int classes)
{
    IdxLabels lb;
    int rc = idx_read_labels(path, classes, &lb);
    if (rc) {
        fuzz_check_refusal(rc, path);
        return;
    }
    if (lb.n < 0 || (raw && 8 + (size_t)lb.n != file_len))
        abort();
    for (int i = 0; i < lb.n; i++)
        if (lb.labels[i] >= classes)
            abort();
    idx_labels_free(&lb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const int mode = data[0];
    const uint8_t *body = data + 1;
    size_t len = size - 1;
    uint8_t *packed = NULL;
    if (mode & 1) {
        packed = gzip_cut(body, len, (size_t)(mode >> 1), &len);
        body = packed;
    }
    int raw = !(len >= 2 && body[0] == 0x1f && body[1] == 0x8b);
    const char *path = fuzz_file(body, len);
    read_as_images(path, len, raw);
    read_as_labels(path, len, raw, 10);
    free(packed);
    return 0;
}
