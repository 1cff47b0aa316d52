/* tests/test_idx: the IDX reader and writer: round trips raw and gzip, one specific error per kind
 * of damage (each fixture written here, in test_tmpdir()), and the real MNIST files when present. */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "common/error.h"
#include "common/fileio.h"
#include "common/idx.h"
#include "tests/test_util.h"

/* ---- fixtures ------------------------------------------------------------------------------ */

/* Pixels that do not compress well, so a cut in a gzip file lands inside the data. */
static void fill_noise(uint8_t *p, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        p[i] = (uint8_t)(seed >> 24);
    }
}

static IdxImages make_images(int n, int rows, int cols, uint32_t seed)
{
    IdxImages im = {malloc((size_t)n * rows * cols), n, rows, cols};
    fill_noise(im.pixels, (size_t)n * rows * cols, seed);
    return im;
}

static IdxLabels make_labels(int n, int k)
{
    IdxLabels lb = {malloc((size_t)n), n};
    for (int i = 0; i < n; i++)
        lb.labels[i] = (uint8_t)((i * 7) % k);
    return lb;
}

/* An IDX header with any magic/type/rank/dims, followed by body_len bytes of zeros. */
static const char *write_raw_idx(const char *name, uint8_t m0, uint8_t type, uint8_t rank,
                                 const uint32_t *dims, int ndims, size_t body_len)
{
    size_t len = 4 + 4 * (size_t)ndims + body_len;
    uint8_t *b = calloc(len, 1);
    b[0] = m0;
    b[1] = 0;
    b[2] = type;
    b[3] = rank;
    for (int i = 0; i < ndims; i++) {
        uint8_t *d = b + 4 + 4 * i;
        d[0] = (uint8_t)(dims[i] >> 24), d[1] = (uint8_t)(dims[i] >> 16);
        d[2] = (uint8_t)(dims[i] >> 8), d[3] = (uint8_t)dims[i];
    }
    const char *path = test_path(name);
    CU_ASSERT_FATAL(test_write_file(path, b, len) == 0);
    free(b);
    return path;
}

/* idx_read_images's code; idx_images_open must refuse the same file with the same code and the
 * same one-line detail (it is the path common/dataset reads through). */
static int read_images_code(const char *path)
{
    IdxImageFile f;
    mnl_clear_error();
    int rc_open = idx_images_open(path, &f);
    char open_detail[1024];
    snprintf(open_detail, sizeof open_detail, "%s", mnl_last_error());
    if (rc_open == MNL_OK)
        idx_images_close(&f);
    else
        CU_ASSERT(f.f == NULL && f.body == NULL);   /* a failed open leaves nothing to close */
    IdxImages im;
    mnl_clear_error();
    int rc = idx_read_images(path, &im);
    if (rc == MNL_OK)
        idx_images_free(&im);
    else
        CU_ASSERT_PTR_NULL(im.pixels);   /* a failed read leaves nothing to free */
    CU_ASSERT_EQUAL(rc_open, rc);
    if (rc != MNL_OK)
        CU_ASSERT_STRING_EQUAL(open_detail, mnl_last_error());
    return rc;
}

static int detail_has(const char *needle)
{
    if (strstr(mnl_last_error(), needle))
        return 1;
    fprintf(stderr, "\n  detail \"%s\" lacks \"%s\"\n", mnl_last_error(), needle);
    return 0;
}

static unsigned char *slurp(const char *path, size_t *len)
{
    unsigned char *b;
    CU_ASSERT_FATAL(file_read_all(path, 1u << 26, &b, len) == MNL_OK);
    return b;
}

/* ---- round trips --------------------------------------------------------------------------- */

static void round_trip(const char *img_name, const char *lbl_name, int gz)
{
    IdxImages im = make_images(17, 5, 3, 42), im2;
    IdxLabels lb = make_labels(17, 10), lb2;
    const char *ip = test_path(img_name), *lp = test_path(lbl_name);
    CU_ASSERT_EQUAL_FATAL(idx_write_images(ip, &im, gz), MNL_OK);
    CU_ASSERT_EQUAL_FATAL(idx_write_labels(lp, &lb, gz), MNL_OK);
    CU_ASSERT_EQUAL_FATAL(idx_read_images(ip, &im2), MNL_OK);
    CU_ASSERT_EQUAL_FATAL(idx_read_labels(lp, 10, &lb2), MNL_OK);
    CU_ASSERT_EQUAL(im2.n, 17);
    CU_ASSERT_EQUAL(im2.rows, 5);
    CU_ASSERT_EQUAL(im2.cols, 3);
    CU_ASSERT_EQUAL(memcmp(im.pixels, im2.pixels, 17 * 5 * 3), 0);
    CU_ASSERT_EQUAL(lb2.n, 17);
    CU_ASSERT_EQUAL(memcmp(lb.labels, lb2.labels, 17), 0);
    CU_ASSERT_EQUAL(idx_check_pair(ip, im2.n, lp, &lb2), MNL_OK);
    idx_images_free(&im), idx_images_free(&im2);
    idx_labels_free(&lb), idx_labels_free(&lb2);
}

static void test_idx_round_trip_raw(void)
{
    round_trip("rt-images", "rt-labels", 0);
    size_t len;
    unsigned char *b = slurp(test_path("rt-images"), &len);
    /* 00 00 08 03, then 17 5 3 big-endian, then the pixels. */
    static const unsigned char want[16] = {0, 0, 8, 3, 0, 0, 0, 17, 0, 0, 0, 5, 0, 0, 0, 3};
    CU_ASSERT_EQUAL(len, 16 + 17 * 5 * 3);
    CU_ASSERT_EQUAL(memcmp(b, want, 16), 0);
    free(b);
}

static void test_idx_round_trip_gzip(void)
{
    round_trip("rt-images.gz", "rt-labels.gz", 1);
    size_t len;
    unsigned char *b = slurp(test_path("rt-images.gz"), &len);
    CU_ASSERT(len > 2 && b[0] == 0x1f && b[1] == 0x8b);
    free(b);
}

/* im written to test_path(name) (gzip when gz) and opened for idx_images_read into *f; the path. */
static const char *write_and_open(const char *name, const IdxImages *im, int gz, IdxImageFile *f)
{
    const char *p = test_path(name);
    CU_ASSERT_EQUAL_FATAL(idx_write_images(p, im, gz), MNL_OK);
    CU_ASSERT_EQUAL_FATAL(idx_images_open(p, f), MNL_OK);
    return p;
}

/* The picked images, in the order asked (runs, jumps, a repeat, backwards), are the same bytes
 * as the whole file's; raw (one read per run) and gzip (decompressed at open). */
static void images_read_gathers(const char *name, int gz)
{
    IdxImages im = make_images(17, 5, 3, 11), all;
    IdxImageFile f;
    const char *p = write_and_open(name, &im, gz, &f);
    CU_ASSERT_EQUAL_FATAL(idx_read_images(p, &all), MNL_OK);
    CU_ASSERT(f.n == 17 && f.rows == 5 && f.cols == 3);
    CU_ASSERT((f.f != NULL) == !gz && (f.body != NULL) == !!gz);
    static const int picks[] = {16, 0, 1, 2, 9, 9, 5, 6, 7, 3};
    enum { K = sizeof picks / sizeof picks[0], HW = 15 };
    uint8_t out[K * HW];
    memset(out, 0xAB, sizeof out);
    CU_ASSERT_EQUAL(idx_images_read(&f, picks, K, out), MNL_OK);
    for (int i = 0; i < K; i++)
        CU_ASSERT_EQUAL(memcmp(out + i * HW, all.pixels + picks[i] * HW, HW), 0);
    int every[17];
    for (int i = 0; i < 17; i++)
        every[i] = i;
    uint8_t whole[17 * HW];
    CU_ASSERT_EQUAL(idx_images_read(&f, every, 17, whole), MNL_OK);
    CU_ASSERT_EQUAL(memcmp(whole, all.pixels, sizeof whole), 0);
    CU_ASSERT_EQUAL(idx_images_read(&f, every, 0, whole), MNL_OK);   /* nothing asked, nothing read */
    idx_images_close(&f);
    idx_images_free(&im), idx_images_free(&all);
}

static void test_idx_images_read_gathers_the_picked_images(void)
{
    images_read_gathers("gather-images", 0);
    images_read_gathers("gather-images.gz", 1);
}

static void test_idx_images_read_refuses_an_image_outside_the_file(void)
{
    IdxImages im = make_images(4, 2, 2, 5);
    IdxImageFile f;
    const char *p = write_and_open("gather-outside", &im, 0, &f);
    uint8_t out[2 * 4];
    const int past[] = {0, 4}, negative[] = {-1};
    CU_ASSERT_EQUAL(idx_images_read(&f, past, 2, out), MNL_ERR_ARG);
    CU_ASSERT(detail_has(p) && detail_has("image 4 asked for, the file holds 4"));
    CU_ASSERT_EQUAL(idx_images_read(&f, negative, 1, out), MNL_ERR_ARG);
    idx_images_close(&f);
    idx_images_free(&im);
}

/* A raw file cut after its size was checked: the images still there read, the next one is refused
 * by name (not read as zeros, not a crash). */
static void test_idx_images_read_reports_a_file_that_shrank_after_open(void)
{
    IdxImages im = make_images(10, 4, 4, 9);
    IdxImageFile f;
    const char *p = write_and_open("gather-shrinks", &im, 0, &f);
    CU_ASSERT_EQUAL_FATAL(truncate(p, 16 + 6 * 16 + 5), 0);   /* images 0..5 and 5 bytes of 6 */
    uint8_t out[2 * 16];
    const int kept[] = {4, 5}, cut[] = {5, 6};
    CU_ASSERT_EQUAL(idx_images_read(&f, kept, 2, out), MNL_OK);
    CU_ASSERT_EQUAL(memcmp(out, im.pixels + 4 * 16, 2 * 16), 0);
    CU_ASSERT_EQUAL(idx_images_read(&f, cut, 2, out), MNL_ERR_IDX_TRUNCATED);
    CU_ASSERT(detail_has(p) && detail_has("the file ends at byte 117") && detail_has("shrank"));
    idx_images_close(&f);
    idx_images_free(&im);
}

static void test_idx_detects_gzip_by_content_not_name(void)
{
    IdxImages im = make_images(4, 2, 2, 7), im2;
    const char *p = test_path("gz-without-suffix");
    CU_ASSERT_EQUAL_FATAL(idx_write_images(p, &im, 1), MNL_OK);
    CU_ASSERT_EQUAL_FATAL(idx_read_images(p, &im2), MNL_OK);
    CU_ASSERT_EQUAL(memcmp(im.pixels, im2.pixels, 16), 0);
    idx_images_free(&im), idx_images_free(&im2);
}

static void test_idx_reads_empty_set(void)
{
    IdxLabels lb = {NULL, 0}, lb2;
    const char *p = test_path("empty-labels");
    CU_ASSERT_EQUAL_FATAL(idx_write_labels(p, &lb, 0), MNL_OK);
    CU_ASSERT_EQUAL_FATAL(idx_read_labels(p, 10, &lb2), MNL_OK);
    CU_ASSERT_EQUAL(lb2.n, 0);
    idx_labels_free(&lb2);
}

/* ---- damage, one code each ------------------------------------------------------------------- */

static void test_idx_rejects_missing_file(void)
{
    const char *p = test_path("no-such-file");
    CU_ASSERT_EQUAL(read_images_code(p), MNL_ERR_IO);
    CU_ASSERT(detail_has(p));
}

static void test_idx_rejects_bad_magic(void)
{
    uint32_t d[3] = {1, 2, 2};
    const char *p = write_raw_idx("bad-magic", 0x12, 0x08, 3, d, 3, 4);
    CU_ASSERT_EQUAL(read_images_code(p), MNL_ERR_IDX_MAGIC);
    CU_ASSERT(detail_has(p) && detail_has("expected 00 00"));
}

static void test_idx_rejects_wrong_type(void)
{
    uint32_t d[3] = {1, 2, 2};
    const char *p = write_raw_idx("float-type", 0, 0x0D, 3, d, 3, 16);
    CU_ASSERT_EQUAL(read_images_code(p), MNL_ERR_IDX_TYPE);
    CU_ASSERT(detail_has("0x0d") && detail_has("expected 0x08"));
}

static void test_idx_rejects_wrong_rank(void)
{
    IdxLabels lb = make_labels(5, 10);
    const char *p = test_path("labels-as-images");
    CU_ASSERT_EQUAL_FATAL(idx_write_labels(p, &lb, 0), MNL_OK);
    CU_ASSERT_EQUAL(read_images_code(p), MNL_ERR_IDX_RANK);
    CU_ASSERT(detail_has("rank 1, expected 3"));
    idx_labels_free(&lb);
}

static void test_idx_rejects_truncated_raw_file(void)
{
    uint32_t d[3] = {3, 4, 5};
    const char *p = write_raw_idx("truncated-raw", 0, 0x08, 3, d, 3, 34);
    CU_ASSERT_EQUAL(read_images_code(p), MNL_ERR_IDX_TRUNCATED);
    char want[900];
    snprintf(want, sizeof want, "%s: truncated: header says 3x4x5 = 76 bytes, file has 50 bytes", p);
    CU_ASSERT_STRING_EQUAL(mnl_last_error(), want);
}

static void test_idx_rejects_truncated_header(void)
{
    const char *p = test_path("short-header");
    static const uint8_t b[9] = {0, 0, 8, 3, 0, 0, 0, 1, 0};
    CU_ASSERT_FATAL(test_write_file(p, b, sizeof b) == 0);
    CU_ASSERT_EQUAL(read_images_code(p), MNL_ERR_IDX_TRUNCATED);
    CU_ASSERT_FATAL(test_write_file(p, b, 2) == 0);
    CU_ASSERT_EQUAL(read_images_code(p), MNL_ERR_IDX_TRUNCATED);
}

static void test_idx_rejects_trailing_bytes(void)
{
    uint32_t d[3] = {2, 2, 2};
    const char *p = write_raw_idx("trailing", 0, 0x08, 3, d, 3, 9);
    CU_ASSERT_EQUAL(read_images_code(p), MNL_ERR_IDX_TRUNCATED);
    CU_ASSERT(detail_has("size mismatch") && detail_has("file has 25 bytes"));
}

/* Writes a valid gzip IDX of noise and returns its bytes for the test to damage. */
static unsigned char *gzip_fixture(const char *name, size_t *len)
{
    IdxImages im = make_images(50, 10, 10, 3);
    const char *p = test_path(name);
    CU_ASSERT_EQUAL_FATAL(idx_write_images(p, &im, 1), MNL_OK);
    idx_images_free(&im);
    return slurp(p, len);
}

static void test_idx_rejects_truncated_gzip_stream(void)
{
    size_t len;
    unsigned char *b = gzip_fixture("cut.gz", &len);
    const char *p = test_path("cut.gz");
    CU_ASSERT_FATAL(test_write_file(p, b, len / 2) == 0);
    CU_ASSERT_EQUAL(read_images_code(p), MNL_ERR_IDX_TRUNCATED);
    CU_ASSERT(detail_has(p) && detail_has("ends early"));
    /* Cut inside the 8-byte trailer: every pixel arrives, the checksum does not. */
    CU_ASSERT_FATAL(test_write_file(p, b, len - 4) == 0);
    CU_ASSERT_EQUAL(read_images_code(p), MNL_ERR_IDX_TRUNCATED);
    free(b);
}

/* Gzip any bytes (zlib directly, so the content need not be a valid IDX). */
static const char *write_gzip_bytes(const char *name, const uint8_t *data, size_t len)
{
    const char *p = test_path(name);
    gzFile gz = gzopen(p, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(gz);
    CU_ASSERT_EQUAL(gzwrite(gz, data, (unsigned)len), (int)len);
    CU_ASSERT_EQUAL(gzclose(gz), Z_OK);
    return p;
}

/* A gzip IDX whose header claims n 28x28 images but which holds only 10. */
static const char *gzip_with_claimed_count(const char *name, uint32_t n)
{
    size_t len = 16 + 10 * 784;
    uint8_t *raw = calloc(len, 1);
    uint8_t hdr[16] = {0, 0, 8, 3, (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n,
                       0, 0, 0, 28, 0, 0, 0, 28};
    memcpy(raw, hdr, 16);
    const char *p = write_gzip_bytes(name, raw, len);
    free(raw);
    return p;
}

static void test_idx_rejects_complete_gzip_of_short_data(void)
{
    const char *p = gzip_with_claimed_count("short-data.gz", 11);
    CU_ASSERT_EQUAL(read_images_code(p), MNL_ERR_IDX_TRUNCATED);
    CU_ASSERT(detail_has("header says 11x28x28 = 8640 bytes, gzip stream holds 7856 bytes"));
}

/* The claim is within the caps (784 MB) but the stream holds 8 kB: the reader grows its buffer
 * with the data that arrives, so the lie costs nothing. */
static void test_idx_gzip_header_claiming_more_than_the_stream_is_truncated(void)
{
    const char *p = gzip_with_claimed_count("lying.gz", 1000000);
    CU_ASSERT_EQUAL(read_images_code(p), MNL_ERR_IDX_TRUNCATED);
}

static void test_idx_rejects_gzip_with_overflowing_dimensions(void)
{
    static const uint8_t hdr[16] = {0, 0, 8, 3, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                    0xFF, 0xFF, 0xFF, 0xFF};
    CU_ASSERT_EQUAL(read_images_code(write_gzip_bytes("overflow.gz", hdr, 16)), MNL_ERR_IDX_OVERFLOW);
}

static void test_idx_rejects_corrupt_gzip_checksum(void)
{
    size_t len;
    unsigned char *b = gzip_fixture("bad-crc.gz", &len);
    b[len - 8] ^= 0xFF;   /* the CRC-32 of the trailer */
    const char *p = test_path("bad-crc.gz");
    CU_ASSERT_FATAL(test_write_file(p, b, len) == 0);
    CU_ASSERT_EQUAL(read_images_code(p), MNL_ERR_IDX_GZIP);
    CU_ASSERT(detail_has(p) && detail_has("corrupt gzip"));
    free(b);
}

static void test_idx_rejects_corrupt_gzip_data(void)
{
    size_t len;
    unsigned char *b = gzip_fixture("bad-data.gz", &len);
    /* 0xFF right after the 10-byte gzip header is a deflate block of the reserved type 3. */
    memset(b + 10, 0xFF, len - 18);
    const char *p = test_path("bad-data.gz");
    CU_ASSERT_FATAL(test_write_file(p, b, len) == 0);
    CU_ASSERT_EQUAL(read_images_code(p), MNL_ERR_IDX_GZIP);
    free(b);
}

static void test_idx_check_pair_rejects_count_mismatch(void)
{
    IdxImages im = make_images(5, 2, 2, 1);
    IdxLabels lb = make_labels(4, 10);
    mnl_clear_error();
    CU_ASSERT_EQUAL(idx_check_pair("a-images", im.n, "a-labels", &lb), MNL_ERR_IDX_COUNT);
    CU_ASSERT_STRING_EQUAL(mnl_last_error(), "a-images has 5 images but a-labels has 4 labels");
    idx_images_free(&im), idx_labels_free(&lb);
}

static void test_idx_rejects_label_out_of_range(void)
{
    IdxLabels lb = make_labels(20, 10), lb2;
    lb.labels[13] = 10;
    const char *p = test_path("bad-label");
    CU_ASSERT_EQUAL_FATAL(idx_write_labels(p, &lb, 0), MNL_OK);
    mnl_clear_error();
    CU_ASSERT_EQUAL(idx_read_labels(p, 10, &lb2), MNL_ERR_IDX_LABEL);
    CU_ASSERT_PTR_NULL(lb2.labels);
    CU_ASSERT(detail_has("label 10 at index 13, expected 0..9"));
    /* The same file is fine for a reader that expects eleven classes. */
    CU_ASSERT_EQUAL(idx_read_labels(p, 11, &lb2), MNL_OK);
    idx_labels_free(&lb), idx_labels_free(&lb2);
}

/* Under SANITIZE=1 an attempt to allocate what these headers claim would abort the run, so a
 * passing test also shows that nothing was allocated from them. */
static void test_idx_rejects_dimensions_whose_product_overflows(void)
{
    uint32_t d[3] = {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu};
    const char *p = write_raw_idx("overflow", 0, 0x08, 3, d, 3, 100);
    CU_ASSERT_EQUAL(read_images_code(p), MNL_ERR_IDX_OVERFLOW);
    CU_ASSERT(detail_has("4294967295x4294967295x4294967295") && detail_has("overflows"));
}

static void test_idx_rejects_count_in_the_billions(void)
{
    uint32_t d[3] = {3000000000u, 28, 28};
    const char *p = write_raw_idx("billions", 0, 0x08, 3, d, 3, 784);
    CU_ASSERT_EQUAL(read_images_code(p), MNL_ERR_IDX_OVERFLOW);
    CU_ASSERT(detail_has("3000000000 items"));
    uint32_t l[1] = {3000000000u};
    p = write_raw_idx("billions-labels", 0, 0x08, 1, l, 1, 10);
    IdxLabels lb;
    CU_ASSERT_EQUAL(idx_read_labels(p, 10, &lb), MNL_ERR_IDX_OVERFLOW);
}

static void test_idx_rejects_absurd_image_side(void)
{
    uint32_t zero[3] = {10, 0, 28}, huge[3] = {1, 5000, 5000};
    CU_ASSERT_EQUAL(read_images_code(write_raw_idx("side0", 0, 0x08, 3, zero, 3, 0)), MNL_ERR_IDX_OVERFLOW);
    CU_ASSERT_EQUAL(read_images_code(write_raw_idx("side5000", 0, 0x08, 3, huge, 3, 0)), MNL_ERR_IDX_OVERFLOW);
}

static void test_idx_rejects_product_beyond_the_byte_cap(void)
{
    /* Each dimension within its cap, the product (10^7 * 784 bytes) beyond IDX_MAX_BYTES. */
    uint32_t d[3] = {10000000u, 28, 28};
    CU_ASSERT_EQUAL(read_images_code(write_raw_idx("too-many-bytes", 0, 0x08, 3, d, 3, 0)),
                    MNL_ERR_IDX_OVERFLOW);
}

static void test_idx_write_rejects_impossible_images(void)
{
    uint8_t px[4] = {0};
    IdxImages im = {px, 1, 0, 4};
    CU_ASSERT_EQUAL(idx_write_images(test_path("never"), &im, 0), MNL_ERR_ARG);
    CU_ASSERT_FALSE(file_exists(test_path("never")));
}

/* ---- the real files ------------------------------------------------------------------------ */

static const char *real_path(const char *name)
{
    static char p[2][1200];
    static int k;
    const char *dir = test_mnist_dir();
    if (!dir)
        return NULL;
    char *b = p[k++ % 2];
    snprintf(b, sizeof p[0], "%s/%s", dir, name);
    if (!file_exists(b))
        snprintf(b, sizeof p[0], "%s/%s.gz", dir, name);
    return b;
}

static int skip_without_mnist(const char *test)
{
    if (test_mnist_dir())
        return 0;
    char why[300];
    snprintf(why, sizeof why, "%s needs the MNIST files (data/mnist or $MNIST_DIR)", test);
    return test_skip(why);
}

static void test_idx_real_mnist_sizes(void)
{
    if (skip_without_mnist("real_mnist_sizes"))
        return;
    IdxImages tr, te;
    CU_ASSERT_EQUAL_FATAL(idx_read_images(real_path("train-images-idx3-ubyte"), &tr), MNL_OK);
    CU_ASSERT_EQUAL_FATAL(idx_read_images(real_path("t10k-images-idx3-ubyte"), &te), MNL_OK);
    CU_ASSERT_EQUAL(tr.n, 60000);
    CU_ASSERT_EQUAL(te.n, 10000);
    CU_ASSERT(tr.rows == 28 && tr.cols == 28 && te.rows == 28 && te.cols == 28);
    idx_images_free(&tr), idx_images_free(&te);
}

static void test_idx_real_mnist_training_label_counts(void)
{
    if (skip_without_mnist("real_mnist_training_label_counts"))
        return;
    IdxLabels lb;
    CU_ASSERT_EQUAL_FATAL(idx_read_labels(real_path("train-labels-idx1-ubyte"), 10, &lb), MNL_OK);
    CU_ASSERT_EQUAL_FATAL(lb.n, 60000);
    static const int want[10] = {5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949};
    int counts[10] = {0};
    for (int i = 0; i < lb.n; i++)
        counts[lb.labels[i]]++;
    for (int c = 0; c < 10; c++)
        CU_ASSERT_EQUAL(counts[c], want[c]);
    idx_labels_free(&lb);
}

static void test_idx_real_mnist_first_labels(void)
{
    if (skip_without_mnist("real_mnist_first_labels"))
        return;
    IdxLabels tr, te;
    CU_ASSERT_EQUAL_FATAL(idx_read_labels(real_path("train-labels-idx1-ubyte"), 10, &tr), MNL_OK);
    CU_ASSERT_EQUAL_FATAL(idx_read_labels(real_path("t10k-labels-idx1-ubyte"), 10, &te), MNL_OK);
    static const uint8_t want_tr[6] = {5, 0, 4, 1, 9, 2}, want_te[6] = {7, 2, 1, 0, 4, 1};
    CU_ASSERT_EQUAL(te.n, 10000);
    CU_ASSERT_EQUAL(memcmp(tr.labels, want_tr, 6), 0);
    CU_ASSERT_EQUAL(memcmp(te.labels, want_te, 6), 0);
    idx_labels_free(&tr), idx_labels_free(&te);
}

int register_idx_tests(void)
{
    CU_pSuite s = CU_add_suite("idx", NULL, NULL);
    if (!s)
        return -1;
    static const struct { const char *name; CU_TestFunc fn; } tests[] = {
        {"round_trip_raw", test_idx_round_trip_raw},
        {"round_trip_gzip", test_idx_round_trip_gzip},
        {"detects_gzip_by_content_not_name", test_idx_detects_gzip_by_content_not_name},
        {"images_read_gathers_the_picked_images", test_idx_images_read_gathers_the_picked_images},
        {"images_read_refuses_an_image_outside_the_file",
         test_idx_images_read_refuses_an_image_outside_the_file},
        {"images_read_reports_a_file_that_shrank_after_open",
         test_idx_images_read_reports_a_file_that_shrank_after_open},
        {"reads_empty_set", test_idx_reads_empty_set},
        {"rejects_missing_file", test_idx_rejects_missing_file},
        {"rejects_bad_magic", test_idx_rejects_bad_magic},
        {"rejects_wrong_type", test_idx_rejects_wrong_type},
        {"rejects_wrong_rank", test_idx_rejects_wrong_rank},
        {"rejects_truncated_raw_file", test_idx_rejects_truncated_raw_file},
        {"rejects_truncated_header", test_idx_rejects_truncated_header},
        {"rejects_trailing_bytes", test_idx_rejects_trailing_bytes},
        {"rejects_truncated_gzip_stream", test_idx_rejects_truncated_gzip_stream},
        {"rejects_complete_gzip_of_short_data", test_idx_rejects_complete_gzip_of_short_data},
        {"gzip_header_claiming_more_than_the_stream_is_truncated",
         test_idx_gzip_header_claiming_more_than_the_stream_is_truncated},
        {"rejects_gzip_with_overflowing_dimensions", test_idx_rejects_gzip_with_overflowing_dimensions},
        {"rejects_corrupt_gzip_checksum", test_idx_rejects_corrupt_gzip_checksum},
        {"rejects_corrupt_gzip_data", test_idx_rejects_corrupt_gzip_data},
        {"check_pair_rejects_count_mismatch", test_idx_check_pair_rejects_count_mismatch},
        {"rejects_label_out_of_range", test_idx_rejects_label_out_of_range},
        {"rejects_dimensions_whose_product_overflows", test_idx_rejects_dimensions_whose_product_overflows},
        {"rejects_count_in_the_billions", test_idx_rejects_count_in_the_billions},
        {"rejects_absurd_image_side", test_idx_rejects_absurd_image_side},
        {"rejects_product_beyond_the_byte_cap", test_idx_rejects_product_beyond_the_byte_cap},
        {"write_rejects_impossible_images", test_idx_write_rejects_impossible_images},
        {"real_mnist_sizes", test_idx_real_mnist_sizes},
        {"real_mnist_training_label_counts", test_idx_real_mnist_training_label_counts},
        {"real_mnist_first_labels", test_idx_real_mnist_first_labels},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            return -1;
    return 0;
}
