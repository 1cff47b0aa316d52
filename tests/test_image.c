/* tests/test_image: user images. PNG (written here with libpng) and PGM (P2, P5, 16-bit) decode to
 * the right gray levels; a large, off-centre, dark-on-light digit comes out as MNIST would have it;
 * and every kind of bad file is refused with MNL_ERR_IMAGE and a detail naming the file. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <png.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/error.h"
#include "common/image.h"
#include "tests/test_util.h"

/* ---- fixtures ------------------------------------------------------------------------------ */

enum { DIGIT_W = 200, DIGIT_H = 120 };

/* A "9"-like blob, dark ink (20) on light paper (230), well off the picture's centre:
 * a ring of radii 22x18 centred at (150, 38) and a stem down its right side. px: [120, 200]. */
static void draw_digit(unsigned char *px)
{
    for (int y = 0; y < DIGIT_H; y++)
        for (int x = 0; x < DIGIT_W; x++) {
            double dx = (x - 150) / 22.0, dy = (y - 38) / 18.0, r = sqrt(dx * dx + dy * dy);
            int ring = r > 0.65 && r < 1.0;
            int stem = x >= 164 && x <= 172 && y >= 38 && y <= 100;
            px[y * DIGIT_W + x] = ring || stem ? 20 : 230;
        }
}

static const char *write_png(const char *name, const void *px, int w, int h, uint32_t format)
{
    png_image im;
    memset(&im, 0, sizeof im);
    im.version = PNG_IMAGE_VERSION;
    im.width = (png_uint_32)w;
    im.height = (png_uint_32)h;
    im.format = format;
    const char *path = test_path(name);
    CU_ASSERT_FATAL(png_image_write_to_file(&im, path, 0, px, 0, NULL) != 0);
    return path;
}

/* P5 with 8-bit samples after a header that carries a comment. */
static const char *write_pgm_p5(const char *name, const unsigned char *px, int w, int h)
{
    char head[64];
    int k = snprintf(head, sizeof head, "P5\n# drawn by a test\n%d %d\n255\n", w, h);
    size_t len = (size_t)k + (size_t)w * h;
    unsigned char *b = malloc(len);
    memcpy(b, head, (size_t)k);
    memcpy(b + k, px, (size_t)w * h);
    const char *path = test_path(name);
    CU_ASSERT_FATAL(test_write_file(path, b, len) == 0);
    free(b);
    return path;
}

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

/* One PNG chunk: length, type, data, CRC32 of type and data (zlib's crc32 is PNG's CRC). */
static size_t put_chunk(unsigned char *p, const char *type, const unsigned char *data, uint32_t n)
{
    put_be32(p, n);
    memcpy(p + 4, type, 4);
    if (n)
        memcpy(p + 8, data, n);
    put_be32(p + 8 + n, (uint32_t)crc32(0, p + 4, 4 + n));
    return 12 + n;
}

/* A well-formed PNG whose IHDR declares w x h 8-bit gray pixels, with a tiny IDAT and IEND. */
static const char *write_png_header_only(const char *name, uint32_t w, uint32_t h)
{
    static const unsigned char sig[8] = {137, 'P', 'N', 'G', '\r', '\n', 26, '\n'};
    unsigned char b[128], ihdr[13] = {0}, idat[8];
    put_be32(ihdr, w);
    put_be32(ihdr + 4, h);
    ihdr[8] = 8;        /* bit depth; colour type 0 (gray), no interlace */
    uLongf idat_len = sizeof idat;
    static const unsigned char row[1] = {0};
    compress(idat, &idat_len, row, 1);
    size_t k = 8;
    memcpy(b, sig, 8);
    k += put_chunk(b + k, "IHDR", ihdr, 13);
    k += put_chunk(b + k, "IDAT", idat, (uint32_t)idat_len);
    k += put_chunk(b + k, "IEND", NULL, 0);
    const char *path = test_path(name);
    CU_ASSERT_FATAL(test_write_file(path, b, k) == 0);
    return path;
}

/* ---- helpers ------------------------------------------------------------------------------- */

static int detail_has(const char *needle)
{
    if (strstr(mnl_last_error(), needle))
        return 1;
    fprintf(stderr, "\n  detail \"%s\" lacks \"%s\"\n", mnl_last_error(), needle);
    return 0;
}

static int load_code(const char *path)
{
    GrayImage img;
    mnl_clear_error();
    int rc = image_load(path, &img);
    if (rc == MNL_OK)
        image_free(&img);
    else
        CU_ASSERT_PTR_NULL(img.px);     /* a failed load leaves nothing to free */
    return rc;
}

static int preprocess_file(const char *path, float *out)
{
    GrayImage img;
    mnl_clear_error();
    int rc = image_load(path, &img);
    if (rc == MNL_OK)
        rc = image_to_mnist(&img, path, out);
    image_free(&img);
    return rc;
}

typedef struct {
    double cx, cy, max;
    int x0, y0, x1, y1;       /* bounding box of every non-zero pixel */
} Stats;

static Stats mnist_stats(const float *m)
{
    Stats s = {0, 0, 0, 28, 28, -1, -1};
    double mass = 0;
    for (int y = 0; y < 28; y++)
        for (int x = 0; x < 28; x++) {
            double v = m[y * 28 + x];
            mass += v;
            s.cx += v * x;
            s.cy += v * y;
            s.max = v > s.max ? v : s.max;
            if (v > 0) {
                s.x0 = x < s.x0 ? x : s.x0, s.x1 = x > s.x1 ? x : s.x1;
                s.y0 = y < s.y0 ? y : s.y0, s.y1 = y > s.y1 ? y : s.y1;
            }
        }
    s.cx /= mass;
    s.cy /= mass;
    return s;
}

/* What MNIST looks like: ink bright on black, centre of mass at (14, 14), inside a 20x20 box. */
static void assert_mnist_like(const float *m)
{
    Stats s = mnist_stats(m);
    CU_ASSERT(fabs(s.cx - 14.0) <= 1.0);
    CU_ASSERT(fabs(s.cy - 14.0) <= 1.0);
    CU_ASSERT(s.x1 - s.x0 + 1 <= 20);
    CU_ASSERT(s.y1 - s.y0 + 1 <= 20);
    CU_ASSERT(s.y1 - s.y0 + 1 >= 19);       /* the digit is taller than wide: its height fills 20 */
    CU_ASSERT(s.max >= 0.9);
    for (int i = 0; i < 28 * 28; i++)
        CU_ASSERT_FATAL(m[i] >= 0.0f && m[i] <= 1.0f);
    CU_ASSERT_EQUAL(m[0], 0.0f);            /* the paper is black */
    CU_ASSERT_EQUAL(m[27 * 28 + 27], 0.0f);
}

/* ---- decoding ------------------------------------------------------------------------------ */

static void test_image_png_gray_reads_exact_levels(void)
{
    unsigned char px[6] = {0, 50, 100, 150, 200, 255};
    const char *path = write_png("levels.png", px, 3, 2, PNG_FORMAT_GRAY);
    GrayImage img;
    CU_ASSERT_EQUAL_FATAL(image_load(path, &img), MNL_OK);
    CU_ASSERT_EQUAL(img.w, 3);
    CU_ASSERT_EQUAL(img.h, 2);
    CU_ASSERT_EQUAL(memcmp(img.px, px, 6), 0);
    image_free(&img);
}

static void test_image_png_transparent_canvas_reads_as_white_paper(void)
{
    /* RGBA: a transparent pixel (whatever its colour), an opaque black one, a half-covered black */
    unsigned char px[3 * 4] = {0, 0, 0, 0, 0, 0, 0, 255, 0, 0, 0, 128};
    const char *path = write_png("alpha.png", px, 3, 1, PNG_FORMAT_RGBA);
    GrayImage img;
    CU_ASSERT_EQUAL_FATAL(image_load(path, &img), MNL_OK);
    CU_ASSERT_EQUAL(img.px[0], 255);
    CU_ASSERT_EQUAL(img.px[1], 0);
    CU_ASSERT(abs(img.px[2] - 127) <= 1);
    image_free(&img);
}

static void test_image_png_colour_becomes_gray(void)
{
    unsigned char px[3 * 3] = {255, 255, 255, 0, 0, 0, 128, 128, 128};
    const char *path = write_png("rgb.png", px, 3, 1, PNG_FORMAT_RGB);
    GrayImage img;
    CU_ASSERT_EQUAL_FATAL(image_load(path, &img), MNL_OK);
    CU_ASSERT_EQUAL(img.px[0], 255);
    CU_ASSERT_EQUAL(img.px[1], 0);
    CU_ASSERT(abs(img.px[2] - 128) <= 1);
    image_free(&img);
}

static void test_image_pgm_ascii_with_comments_scales_maxval(void)
{
    const char *text = "P2 # plain\n3 2\n# maxval next\n15\n0 15 # a comment in the raster\n5\n10 1 14\n";
    const char *path = test_path("ascii.pgm");
    CU_ASSERT_FATAL(test_write_file(path, text, strlen(text)) == 0);
    GrayImage img;
    CU_ASSERT_EQUAL_FATAL(image_load(path, &img), MNL_OK);
    const unsigned char want[6] = {0, 255, 85, 170, 17, 238};   /* v * 255 / 15 */
    CU_ASSERT_EQUAL(img.w, 3);
    CU_ASSERT_EQUAL(img.h, 2);
    CU_ASSERT_EQUAL(memcmp(img.px, want, 6), 0);
    image_free(&img);
}

static void test_image_pgm_16bit_samples_are_big_endian(void)
{
    const unsigned char b[] = {'P', '5', ' ', '2', ' ', '1', ' ', '6', '5', '5', '3', '5', '\n',
                               0xFF, 0xFF, 0x80, 0x00};
    const char *path = test_path("deep.pgm");
    CU_ASSERT_FATAL(test_write_file(path, b, sizeof b) == 0);
    GrayImage img;
    CU_ASSERT_EQUAL_FATAL(image_load(path, &img), MNL_OK);
    CU_ASSERT_EQUAL(img.px[0], 255);
    CU_ASSERT_EQUAL(img.px[1], 128);     /* 0x8000 of 65535 */
    image_free(&img);
}

/* ---- preprocessing ------------------------------------------------------------------------- */

static void test_image_offcentre_dark_on_light_png_lands_centred(void)
{
    unsigned char *px = malloc(DIGIT_W * DIGIT_H);
    draw_digit(px);
    const char *path = write_png("digit.png", px, DIGIT_W, DIGIT_H, PNG_FORMAT_GRAY);
    free(px);
    float m[28 * 28];
    CU_ASSERT_EQUAL_FATAL(preprocess_file(path, m), MNL_OK);
    assert_mnist_like(m);
}

static void test_image_offcentre_dark_on_light_pgm_lands_centred(void)
{
    unsigned char *px = malloc(DIGIT_W * DIGIT_H);
    draw_digit(px);
    const char *path = write_pgm_p5("digit.pgm", px, DIGIT_W, DIGIT_H);
    free(px);
    float m[28 * 28];
    CU_ASSERT_EQUAL_FATAL(preprocess_file(path, m), MNL_OK);
    assert_mnist_like(m);
}

static void test_image_light_on_dark_digit_is_not_inverted(void)
{
    unsigned char *px = malloc(DIGIT_W * DIGIT_H);
    draw_digit(px);
    for (int i = 0; i < DIGIT_W * DIGIT_H; i++)
        px[i] = (unsigned char)(255 - px[i]);
    GrayImage img = {px, DIGIT_W, DIGIT_H};
    float m[28 * 28];
    CU_ASSERT_EQUAL_FATAL(image_to_mnist(&img, "light-on-dark", m), MNL_OK);
    assert_mnist_like(m);
    free(px);
}

static void test_image_paper_grain_becomes_clean_black(void)
{
    /* the same digit on paper with +-8 levels of grain: where the clean picture gives exact 0,
     * so must the grainy one (MNIST's background is exactly 0) */
    unsigned char *clean = malloc(DIGIT_W * DIGIT_H), *grainy = malloc(DIGIT_W * DIGIT_H);
    draw_digit(clean);
    uint32_t seed = 12345;
    for (int i = 0; i < DIGIT_W * DIGIT_H; i++) {
        seed = seed * 1664525u + 1013904223u;
        int grain = (int)(seed >> 24) % 17 - 8;
        grainy[i] = (unsigned char)(clean[i] + grain);
    }
    GrayImage a = {clean, DIGIT_W, DIGIT_H}, b = {grainy, DIGIT_W, DIGIT_H};
    float ma[28 * 28], mb[28 * 28];
    CU_ASSERT_EQUAL_FATAL(image_to_mnist(&a, "clean", ma), MNL_OK);
    CU_ASSERT_EQUAL_FATAL(image_to_mnist(&b, "grainy", mb), MNL_OK);
    int stray = 0;
    for (int i = 0; i < 28 * 28; i++)
        stray += ma[i] == 0.0f && mb[i] != 0.0f;
    CU_ASSERT_EQUAL(stray, 0);
    assert_mnist_like(mb);
    free(clean);
    free(grainy);
}

static void test_image_small_digit_is_enlarged_to_fill_20_pixels(void)
{
    /* a 4 wide, 10 tall bar in a 40x40 black picture */
    unsigned char px[40 * 40] = {0};
    for (int y = 5; y < 15; y++)
        for (int x = 3; x < 7; x++)
            px[y * 40 + x] = 255;
    GrayImage img = {px, 40, 40};
    float m[28 * 28];
    CU_ASSERT_EQUAL_FATAL(image_to_mnist(&img, "small", m), MNL_OK);
    Stats s = mnist_stats(m);
    CU_ASSERT_EQUAL(s.y1 - s.y0 + 1, 20);
    CU_ASSERT_EQUAL(s.x1 - s.x0 + 1, 8);
    CU_ASSERT(fabs(s.cx - 14.0) <= 1.0 && fabs(s.cy - 14.0) <= 1.0);
}

static void test_image_shrinking_averages_areas_instead_of_sampling(void)
{
    /* 60x60 of alternating one-pixel ink columns shrunk 3:1: each output pixel covers three
     * columns, two or one of them ink, so an area average gives 2/3 and 1/3 where sampling
     * (nearest, or bilinear at the centre of each 3-pixel cell) gives stripes of 1 and 0 */
    unsigned char px[64 * 64] = {0};
    for (int y = 2; y < 62; y++)
        for (int x = 2; x < 62; x++)
            px[y * 64 + x] = (x % 2 == 0) ? 255 : 0;
    px[2 * 64 + 61] = 255;      /* let the box span all 60 columns */
    GrayImage img = {px, 64, 64};
    float m[28 * 28];
    CU_ASSERT_EQUAL_FATAL(image_to_mnist(&img, "stripes", m), MNL_OK);
    Stats s = mnist_stats(m);
    CU_ASSERT_EQUAL(s.x1 - s.x0 + 1, 20);
    int inner = 0;
    for (int y = s.y0 + 1; y < s.y1; y++)
        for (int x = s.x0 + 1; x < s.x1; x++, inner++) {
            double v = m[y * 28 + x], want = (x - s.x0) % 2 == 0 ? 2.0 / 3 : 1.0 / 3;
            CU_ASSERT(fabs(v - want) < 0.02);
        }
    CU_ASSERT(inner == 18 * 18);
}

/* ---- refusals ------------------------------------------------------------------------------ */

static void test_image_refuses_png_declaring_100000x100000(void)
{
    const char *path = write_png_header_only("huge.png", 100000, 100000);
    CU_ASSERT_EQUAL(load_code(path), MNL_ERR_IMAGE);
    CU_ASSERT(detail_has(path));
    CU_ASSERT(detail_has("100000x100000"));
}

static void test_image_refuses_png_over_the_pixel_count_cap(void)
{
    /* each side is allowed on its own; 100 Mpixels together are not */
    const char *path = write_png_header_only("many.png", 10000, 10000);
    CU_ASSERT_EQUAL(load_code(path), MNL_ERR_IMAGE);
    CU_ASSERT(detail_has(path));
    CU_ASSERT(detail_has("10000x10000"));
}

static void test_image_refuses_pgm_declaring_100000x100000(void)
{
    const char *text = "P5\n100000 100000\n255\n\x01\x02\x03";
    const char *path = test_path("huge.pgm");
    CU_ASSERT_FATAL(test_write_file(path, text, strlen(text)) == 0);
    CU_ASSERT_EQUAL(load_code(path), MNL_ERR_IMAGE);
    CU_ASSERT(detail_has(path));
    CU_ASSERT(detail_has("100000x100000"));
}

static void test_image_refuses_truncated_png(void)
{
    unsigned char *px = malloc(DIGIT_W * DIGIT_H);
    draw_digit(px);
    const char *path = write_png("cut.png", px, DIGIT_W, DIGIT_H, PNG_FORMAT_GRAY);
    free(px);
    unsigned char *b;
    size_t len;
    FILE *f = fopen(path, "rb");
    CU_ASSERT_FATAL(f != NULL);
    fseek(f, 0, SEEK_END);
    len = (size_t)ftell(f);
    rewind(f);
    b = malloc(len);
    CU_ASSERT_FATAL(fread(b, 1, len, f) == len);
    fclose(f);
    CU_ASSERT_FATAL(test_write_file(path, b, len / 2) == 0);
    free(b);
    CU_ASSERT_EQUAL(load_code(path), MNL_ERR_IMAGE);
    CU_ASSERT(detail_has(path));
}

static void test_image_refuses_truncated_pgm(void)
{
    unsigned char px[30 * 20];
    memset(px, 200, sizeof px);
    const char *path = write_pgm_p5("cut.pgm", px, 30, 20);
    /* header is 27 bytes; keep 100 of the 600 pixel bytes */
    unsigned char b[127];
    FILE *f = fopen(path, "rb");
    CU_ASSERT_FATAL(f != NULL && fread(b, 1, sizeof b, f) == sizeof b);
    fclose(f);
    CU_ASSERT_FATAL(test_write_file(path, b, sizeof b) == 0);
    CU_ASSERT_EQUAL(load_code(path), MNL_ERR_IMAGE);
    CU_ASSERT(detail_has(path));
    CU_ASSERT(detail_has("truncated"));
}

static void test_image_refuses_truncated_ascii_pgm(void)
{
    const char *text = "P2\n3 3\n255\n1 2 3 4\n";
    const char *path = test_path("cut-ascii.pgm");
    CU_ASSERT_FATAL(test_write_file(path, text, strlen(text)) == 0);
    CU_ASSERT_EQUAL(load_code(path), MNL_ERR_IMAGE);
    CU_ASSERT(detail_has(path));
    CU_ASSERT(detail_has("4 of 9"));
}

static void test_image_refuses_pgm_maxval_out_of_range(void)
{
    const char *text = "P5 1 1 65536\n\x01\x01";
    const char *path = test_path("maxval.pgm");
    CU_ASSERT_FATAL(test_write_file(path, text, strlen(text)) == 0);
    CU_ASSERT_EQUAL(load_code(path), MNL_ERR_IMAGE);
    CU_ASSERT(detail_has("maxval 65536"));
}

static void test_image_refuses_pixel_above_maxval(void)
{
    const char *text = "P2 2 1 100 50 101\n";
    const char *path = test_path("above.pgm");
    CU_ASSERT_FATAL(test_write_file(path, text, strlen(text)) == 0);
    CU_ASSERT_EQUAL(load_code(path), MNL_ERR_IMAGE);
    CU_ASSERT(detail_has("above maxval"));
}

static void test_image_refuses_non_image_file(void)
{
    const char *text = "[model]\nfamily = cnn\n";
    const char *path = test_path("not-an-image.png");
    CU_ASSERT_FATAL(test_write_file(path, text, strlen(text)) == 0);
    CU_ASSERT_EQUAL(load_code(path), MNL_ERR_IMAGE);
    CU_ASSERT(detail_has(path));
    CU_ASSERT(detail_has("not a PNG or PGM"));
}

static void test_image_refuses_empty_file(void)
{
    const char *path = test_path("empty.pgm");
    CU_ASSERT_FATAL(test_write_file(path, "", 0) == 0);
    CU_ASSERT_EQUAL(load_code(path), MNL_ERR_IMAGE);
    CU_ASSERT(detail_has(path));
}

static void test_image_refuses_png_with_corrupt_crc(void)
{
    unsigned char px[16 * 16];
    memset(px, 90, sizeof px);
    const char *path = write_png("crc.png", px, 16, 16, PNG_FORMAT_GRAY);
    unsigned char b[4096];
    FILE *f = fopen(path, "rb");
    CU_ASSERT_FATAL(f != NULL);
    size_t len = fread(b, 1, sizeof b, f);
    fclose(f);
    b[8 + 8 + 2] ^= 0x01;       /* a byte of IHDR's width, so IHDR's CRC no longer matches */
    CU_ASSERT_FATAL(test_write_file(path, b, len) == 0);
    CU_ASSERT_EQUAL(load_code(path), MNL_ERR_IMAGE);
    CU_ASSERT(detail_has(path));
}

static void test_image_missing_file_is_an_io_error(void)
{
    const char *path = test_path("no-such-image.png");
    CU_ASSERT_EQUAL(load_code(path), MNL_ERR_IO);
    CU_ASSERT(detail_has(path));
}

static void test_image_all_white_picture_has_no_ink(void)
{
    unsigned char px[64 * 48];
    memset(px, 255, sizeof px);
    const char *path = write_png("white.png", px, 64, 48, PNG_FORMAT_GRAY);
    float m[28 * 28];
    CU_ASSERT_EQUAL(preprocess_file(path, m), MNL_ERR_IMAGE);
    CU_ASSERT(detail_has(path));
    CU_ASSERT(detail_has("no ink"));
}

static void test_image_faint_noise_is_not_ink(void)
{
    unsigned char px[32 * 32];
    for (int i = 0; i < 32 * 32; i++)
        px[i] = (unsigned char)(240 + i % 7);     /* paper with a little grain, nothing written */
    GrayImage img = {px, 32, 32};
    float m[28 * 28];
    mnl_clear_error();
    CU_ASSERT_EQUAL(image_to_mnist(&img, "grain.png", m), MNL_ERR_IMAGE);
    CU_ASSERT(detail_has("grain.png"));
}

int register_image_tests(void)
{
    CU_pSuite s = CU_add_suite("image", NULL, NULL);
    if (!s)
        return -1;
    static const struct { const char *name; CU_TestFunc fn; } tests[] = {
        {"png_gray_reads_exact_levels", test_image_png_gray_reads_exact_levels},
        {"png_transparent_canvas_reads_as_white_paper",
         test_image_png_transparent_canvas_reads_as_white_paper},
        {"png_colour_becomes_gray", test_image_png_colour_becomes_gray},
        {"pgm_ascii_with_comments_scales_maxval", test_image_pgm_ascii_with_comments_scales_maxval},
        {"pgm_16bit_samples_are_big_endian", test_image_pgm_16bit_samples_are_big_endian},
        {"offcentre_dark_on_light_png_lands_centred",
         test_image_offcentre_dark_on_light_png_lands_centred},
        {"offcentre_dark_on_light_pgm_lands_centred",
         test_image_offcentre_dark_on_light_pgm_lands_centred},
        {"light_on_dark_digit_is_not_inverted", test_image_light_on_dark_digit_is_not_inverted},
        {"paper_grain_becomes_clean_black", test_image_paper_grain_becomes_clean_black},
        {"small_digit_is_enlarged_to_fill_20_pixels",
         test_image_small_digit_is_enlarged_to_fill_20_pixels},
        {"shrinking_averages_areas_instead_of_sampling",
         test_image_shrinking_averages_areas_instead_of_sampling},
        {"refuses_png_declaring_100000x100000", test_image_refuses_png_declaring_100000x100000},
        {"refuses_png_over_the_pixel_count_cap", test_image_refuses_png_over_the_pixel_count_cap},
        {"refuses_pgm_declaring_100000x100000", test_image_refuses_pgm_declaring_100000x100000},
        {"refuses_truncated_png", test_image_refuses_truncated_png},
        {"refuses_truncated_pgm", test_image_refuses_truncated_pgm},
        {"refuses_truncated_ascii_pgm", test_image_refuses_truncated_ascii_pgm},
        {"refuses_pgm_maxval_out_of_range", test_image_refuses_pgm_maxval_out_of_range},
        {"refuses_pixel_above_maxval", test_image_refuses_pixel_above_maxval},
        {"refuses_non_image_file", test_image_refuses_non_image_file},
        {"refuses_empty_file", test_image_refuses_empty_file},
        {"refuses_png_with_corrupt_crc", test_image_refuses_png_with_corrupt_crc},
        {"missing_file_is_an_io_error", test_image_missing_file_is_an_io_error},
        {"all_white_picture_has_no_ink", test_image_all_white_picture_has_no_ink},
        {"faint_noise_is_not_ink", test_image_faint_noise_is_not_ink},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            return -1;
    return 0;
}
