/* common/image: PNG and PGM decoding into 8-bit grayscale with every size checked before the
 * allocation it implies, and the MNIST preprocessing (invert, crop, fit 20x20, centre by mass). */
#include "common/image.h"

#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/fileio.h"

/* ---- sizes ------------------------------------------------------------------------------------ */

/* Every decoder calls this with the declared size before it allocates anything for the pixels. */
static int check_size(const char *name, unsigned long long w, unsigned long long h)
{
    if (w == 0 || h == 0)
        return mnl_fail(MNL_ERR_IMAGE, "%s: empty image (%llux%llu pixels)", name, w, h);
    if (w > IMAGE_MAX_SIDE || h > IMAGE_MAX_SIDE || w * h > IMAGE_MAX_PIXELS)
        return mnl_fail(MNL_ERR_IMAGE, "%s: %llux%llu pixels is larger than allowed (at most %d "
                        "per side and %zu Mpixels)", name, w, h, IMAGE_MAX_SIDE,
                        IMAGE_MAX_PIXELS >> 20);
    return MNL_OK;
}

static int alloc_gray(GrayImage *img, int w, int h, const char *name)
{
    img->px = malloc((size_t)w * (size_t)h);
    if (!img->px)
        return mnl_fail(MNL_ERR_NOMEM, "%s: cannot allocate %dx%d pixels", name, w, h);
    img->w = w;
    img->h = h;
    return MNL_OK;
}

void image_free(GrayImage *img)
{
    free(img->px);
    memset(img, 0, sizeof *img);
}

/* ---- PNG -------------------------------------------------------------------------------------- */

/* Everything the libpng run touches lives here, in the caller's frame, so nothing the run changes
 * is a local of the function that calls setjmp (those would be indeterminate after longjmp). */
typedef struct {
    const unsigned char *buf;
    size_t len, pos;
    const char *name;
    char why[200];            /* libpng's error message */
    png_structp png;
    png_infop info;
    unsigned char *raw;       /* [h, w * channels] decoded rows: gray or gray+alpha */
    png_bytep *rows;          /* [h] pointers into raw */
    int w, h, channels;
} PngRead;

static void png_on_error(png_structp png, png_const_charp msg)
{
    PngRead *r = png_get_error_ptr(png);
    snprintf(r->why, sizeof r->why, "%s", msg);
    png_longjmp(png, 1);
}

static void png_on_warning(png_structp png, png_const_charp msg)
{
    (void)png, (void)msg;     /* library code prints nothing; warnings do not stop the read */
}

static void png_read_mem(png_structp png, png_bytep out, size_t n)
{
    PngRead *r = png_get_io_ptr(png);
    if (n > r->len - r->pos)
        png_error(png, "the file is truncated");
    memcpy(out, r->buf + r->pos, n);
    r->pos += n;
}

/* Whatever the file holds, ask libpng for 8-bit gray, plus alpha when the file has transparency. */
static void png_request_gray8(png_structp png, png_infop info)
{
    int depth = png_get_bit_depth(png, info), ctype = png_get_color_type(png, info);
    if (ctype == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(png);
    if (ctype == PNG_COLOR_TYPE_GRAY && depth < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS))
        png_set_tRNS_to_alpha(png);
    if (depth == 16)
        png_set_strip_16(png);
    if (ctype & PNG_COLOR_MASK_COLOR)
        png_set_rgb_to_gray_fixed(png, 1, -1, -1);   /* 1: convert silently, default weights */
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
}

/* The libpng part: returns MNL_OK with r->raw filled, or a code (the detail is recorded). */
static int png_run(PngRead *r)
{
    if (setjmp(png_jmpbuf(r->png)))
        return mnl_fail(MNL_ERR_IMAGE, "%s: not a valid PNG: %s", r->name, r->why);
    png_set_read_fn(r->png, r, png_read_mem);
    png_set_chunk_malloc_max(r->png, (png_alloc_size_t)8 << 20);   /* text/ICC chunks: 8 MiB */
    png_read_info(r->png, r->info);
    int rc = check_size(r->name, png_get_image_width(r->png, r->info),
                        png_get_image_height(r->png, r->info));
    if (rc)
        return rc;
    r->w = (int)png_get_image_width(r->png, r->info);
    r->h = (int)png_get_image_height(r->png, r->info);
    png_request_gray8(r->png, r->info);
    r->channels = png_get_channels(r->png, r->info);
    size_t rowbytes = png_get_rowbytes(r->png, r->info);
    if (png_get_bit_depth(r->png, r->info) != 8 || r->channels < 1 || r->channels > 2 ||
        rowbytes != (size_t)r->w * (size_t)r->channels)
        return mnl_fail(MNL_ERR_IMAGE, "%s: unexpected PNG layout after conversion to gray", r->name);
    r->raw = malloc(rowbytes * (size_t)r->h);
    r->rows = malloc(sizeof *r->rows * (size_t)r->h);
    if (!r->raw || !r->rows)
        return mnl_fail(MNL_ERR_NOMEM, "%s: cannot allocate %dx%d pixels", r->name, r->w, r->h);
    for (int y = 0; y < r->h; y++)
        r->rows[y] = r->raw + (size_t)y * rowbytes;
    png_read_image(r->png, r->rows);
    png_read_end(r->png, NULL);
    return MNL_OK;
}

/* Gray+alpha over white paper: a digit drawn on a transparent canvas reads as ink on white. */
static void composite_over_white(const PngRead *r, unsigned char *px)
{
    size_t n = (size_t)r->w * (size_t)r->h;
    if (r->channels == 1) {
        memcpy(px, r->raw, n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned g = r->raw[2 * i], a = r->raw[2 * i + 1];
        px[i] = (unsigned char)((g * a + 255u * (255u - a) + 127u) / 255u);
    }
}

static int decode_png(const unsigned char *buf, size_t len, const char *name, GrayImage *img)
{
    PngRead r;
    memset(&r, 0, sizeof r);
    r.buf = buf;
    r.len = len;
    r.name = name;
    r.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &r, png_on_error, png_on_warning);
    if (!r.png)
        return mnl_fail(MNL_ERR_NOMEM, "%s: cannot start libpng", name);
    r.info = png_create_info_struct(r.png);
    int rc = r.info ? png_run(&r) : mnl_fail(MNL_ERR_NOMEM, "%s: cannot start libpng", name);
    png_destroy_read_struct(&r.png, r.info ? &r.info : NULL, NULL);
    if (!rc && !(rc = alloc_gray(img, r.w, r.h, name)))
        composite_over_white(&r, img->px);
    free(r.rows);
    free(r.raw);
    return rc;
}

/* ---- PGM -------------------------------------------------------------------------------------- */

typedef struct {
    const unsigned char *p, *end;
} Cursor;

static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Whitespace and "# ..." comments up to the end of their line. */
static void skip_blank(Cursor *c)
{
    while (c->p < c->end) {
        if (is_space(*c->p))
            c->p++;
        else if (*c->p == '#')
            while (c->p < c->end && *c->p != '\n' && *c->p != '\r')
                c->p++;
        else
            break;
    }
}

/* A decimal number after blanks. 1 when found (saturated at 10^12, so "huge" stays huge), 0 at
 * the end of the data, -1 when the next byte is not a digit. */
static int read_number(Cursor *c, unsigned long long *v)
{
    skip_blank(c);
    if (c->p == c->end)
        return 0;
    if (*c->p < '0' || *c->p > '9')
        return -1;
    *v = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        if (*v < 1000000000000ull)
            *v = *v * 10 + (unsigned)(*c->p - '0');
        c->p++;
    }
    return 1;
}

/* Width, height and maxval, each followed by a blank, as netpbm requires. */
static int pgm_header(Cursor *c, const char *name, unsigned long long dims[3])
{
    static const char *const what[3] = {"width", "height", "maxval"};
    for (int i = 0; i < 3; i++) {
        int got = read_number(c, &dims[i]);
        if (got == 0 || (got == 1 && c->p == c->end))
            return mnl_fail(MNL_ERR_IMAGE, "%s: truncated PGM header (no %s)", name, what[i]);
        if (got < 0 || !(is_space(*c->p) || *c->p == '#'))
            return mnl_fail(MNL_ERR_IMAGE, "%s: bad PGM header: %s is not a number", name, what[i]);
    }
    int rc = check_size(name, dims[0], dims[1]);
    if (!rc && (dims[2] < 1 || dims[2] > 65535))
        rc = mnl_fail(MNL_ERR_IMAGE, "%s: PGM maxval %llu is outside 1..65535", name, dims[2]);
    return rc;
}

static unsigned char scale_sample(unsigned long long v, unsigned long long maxval)
{
    return (unsigned char)((v * 255 + maxval / 2) / maxval);
}

/* P5: one whitespace byte after maxval, then w*h samples of 1 byte (maxval < 256) or 2 (MSB first). */
static int pgm_binary(Cursor *c, const char *name, unsigned maxval, GrayImage *img)
{
    c->p++;
    size_t n = (size_t)img->w * (size_t)img->h, bps = maxval < 256 ? 1 : 2;
    size_t have = (size_t)(c->end - c->p);
    if (have < n * bps)
        return mnl_fail(MNL_ERR_IMAGE, "%s: truncated PGM: %zu of %zu pixel data bytes", name,
                        have, n * bps);
    for (size_t i = 0; i < n; i++) {
        unsigned v = bps == 1 ? c->p[i] : (unsigned)c->p[2 * i] << 8 | c->p[2 * i + 1];
        if (v > maxval)
            return mnl_fail(MNL_ERR_IMAGE, "%s: PGM pixel %zu is %u, above maxval %u", name, i, v,
                            maxval);
        img->px[i] = scale_sample(v, maxval);
    }
    return MNL_OK;
}

/* P2: w*h decimal samples separated by blanks. */
static int pgm_ascii(Cursor *c, const char *name, unsigned maxval, GrayImage *img)
{
    size_t n = (size_t)img->w * (size_t)img->h;
    for (size_t i = 0; i < n; i++) {
        unsigned long long v;
        int got = read_number(c, &v);
        if (got == 0)
            return mnl_fail(MNL_ERR_IMAGE, "%s: truncated PGM: %zu of %zu pixel values", name, i, n);
        if (got < 0)
            return mnl_fail(MNL_ERR_IMAGE, "%s: PGM pixel %zu is not a number", name, i);
        if (v > maxval)
            return mnl_fail(MNL_ERR_IMAGE, "%s: PGM pixel %zu is %llu, above maxval %u", name, i, v,
                            maxval);
        img->px[i] = scale_sample(v, maxval);
    }
    return MNL_OK;
}

static int decode_pgm(const unsigned char *buf, size_t len, const char *name, GrayImage *img)
{
    Cursor c = {buf + 2, buf + len};
    int binary = buf[1] == '5';
    unsigned long long dims[3];
    int rc = pgm_header(&c, name, dims);
    if (!rc)
        rc = alloc_gray(img, (int)dims[0], (int)dims[1], name);
    if (!rc)
        rc = binary ? pgm_binary(&c, name, (unsigned)dims[2], img)
                    : pgm_ascii(&c, name, (unsigned)dims[2], img);
    if (rc)
        image_free(img);
    return rc;
}

/* ---- dispatch --------------------------------------------------------------------------------- */

int image_decode(const unsigned char *buf, size_t len, const char *name, GrayImage *img)
{
    memset(img, 0, sizeof *img);
    if (len >= 8 && png_sig_cmp(buf, 0, 8) == 0)
        return decode_png(buf, len, name, img);
    if (len >= 3 && buf[0] == 'P' && (buf[1] == '2' || buf[1] == '5') &&
        (is_space(buf[2]) || buf[2] == '#'))
        return decode_pgm(buf, len, name, img);
    return mnl_fail(MNL_ERR_IMAGE, "%s: not a PNG or PGM (P2/P5) image", name);
}

int image_load(const char *path, GrayImage *img)
{
    memset(img, 0, sizeof *img);
    unsigned char *buf;
    size_t len;
    int rc = file_read_all(path, IMAGE_MAX_FILE, &buf, &len);
    if (rc)
        return rc;
    rc = image_decode(buf, len, path, img);
    free(buf);
    return rc;
}

/* ---- MNIST preprocessing ------------------------------------------------------------------------ */

typedef struct {
    int x0, y0, w, h;
} Box;

/* The smallest value v with at least half of the counts at or below it. */
static int hist_median(const size_t hist[256], size_t total)
{
    size_t seen = 0;
    for (int v = 0; v < 256; v++)
        if ((seen += hist[v]) * 2 >= total)
            return v;
    return 255;
}

/* The paper's level from the border pixels (already inverted when the paper is light): their
 * median, robust to a stroke touching the edge, plus three median absolute deviations, so the
 * grain and noise of a scanned or photographed page fall below it and become MNIST's clean 0. */
static int paper_level(const GrayImage *img, int invert)
{
    const int w = img->w, h = img->h;
    size_t hist[256] = {0}, dev[256] = {0}, border = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x += (y == 0 || y == h - 1 || x == w - 1) ? 1 : w - 1) {
            unsigned v = img->px[(size_t)y * w + x];
            hist[invert ? 255 - v : v]++;
            border++;
        }
    int median = hist_median(hist, border);
    for (int v = 0; v < 256; v++)
        dev[abs(v - median)] += hist[v];
    int level = median + 3 * hist_median(dev, border);
    return level < 255 ? level : 255;
}

/* Light paper (the border's mean above half) means dark ink: invert so that ink is bright. */
static int paper_is_light(const GrayImage *img)
{
    const int w = img->w, h = img->h;
    double sum = 0;
    size_t border = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x += (y == 0 || y == h - 1 || x == w - 1) ? 1 : w - 1) {
            sum += img->px[(size_t)y * w + x];
            border++;
        }
    return sum / (double)border > 127.5;
}

/* ink: [h, w] in [0, 1], 1 = ink: inverted when the paper is light, then stretched so the paper's
 * level is 0 and the strongest ink 1, as in MNIST. Returns 0, or -1 when nothing stands out of
 * the paper by at least IMAGE_INK_LEVEL. */
static int ink_levels(const GrayImage *img, float *ink)
{
    const int invert = paper_is_light(img), paper = paper_level(img, invert);
    const size_t n = (size_t)img->w * (size_t)img->h;
    int peak = 0;
    for (size_t i = 0; i < n; i++) {
        int v = invert ? 255 - img->px[i] : img->px[i];
        peak = v > peak ? v : peak;
    }
    if (peak - paper < (int)(IMAGE_INK_LEVEL * 255.0f))
        return -1;
    const float scale = 1.0f / (float)(peak - paper);
    for (size_t i = 0; i < n; i++) {
        int v = invert ? 255 - img->px[i] : img->px[i];
        float s = (float)(v - paper) * scale;
        ink[i] = s < 0.0f ? 0.0f : s;
    }
    return 0;
}

/* Bounding box of the pixels above IMAGE_INK_LEVEL; 0 when there are none. */
static int ink_box(const float *ink, int w, int h, Box *b)
{
    int x0 = w, y0 = h, x1 = -1, y1 = -1;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (ink[(size_t)y * w + x] > IMAGE_INK_LEVEL) {
                x0 = x < x0 ? x : x0;
                x1 = x > x1 ? x : x1;
                y0 = y < y0 ? y : y0;
                y1 = y > y1 ? y : y1;
            }
    if (x1 < 0)
        return 0;
    *b = (Box){x0, y0, x1 - x0 + 1, y1 - y0 + 1};
    return 1;
}

/* Length of the source cell [j, j+1) that lies inside [lo, hi). */
static double overlap(int j, double lo, double hi)
{
    double a = j > lo ? j : lo, b = j + 1 < hi ? j + 1 : hi;
    return b > a ? b - a : 0.0;
}

/* Shrink box b of src (row stride sw) to out [oh, ow]: each output pixel is the mean of the source
 * area it covers, partial pixels weighted by their overlap, so thin strokes fade instead of
 * vanishing or aliasing as nearest-neighbour would make them. */
static void shrink_area(const float *src, int sw, Box b, float *out, int ow, int oh)
{
    const double rx = (double)b.w / ow, ry = (double)b.h / oh;
    for (int oy = 0; oy < oh; oy++) {
        double ylo = oy * ry, yhi = (oy + 1) * ry;
        for (int ox = 0; ox < ow; ox++) {
            double xlo = ox * rx, xhi = (ox + 1) * rx, sum = 0.0;
            for (int sy = (int)ylo; sy < b.h && sy < yhi; sy++) {
                double wy = overlap(sy, ylo, yhi);
                const float *row = src + (size_t)(b.y0 + sy) * sw + b.x0;
                for (int sx = (int)xlo; sx < b.w && sx < xhi; sx++)
                    sum += wy * overlap(sx, xlo, xhi) * row[sx];
            }
            out[oy * ow + ox] = (float)(sum / (rx * ry));
        }
    }
}

/* Enlarge box b of src to out [oh, ow] by bilinear interpolation between pixel centres. */
static void enlarge_bilinear(const float *src, int sw, Box b, float *out, int ow, int oh)
{
    const double rx = (double)b.w / ow, ry = (double)b.h / oh;
    for (int oy = 0; oy < oh; oy++) {
        double sy = fmin(fmax((oy + 0.5) * ry - 0.5, 0.0), b.h - 1);
        int y0 = (int)sy, y1 = y0 + 1 < b.h ? y0 + 1 : y0;
        double ty = sy - y0;
        for (int ox = 0; ox < ow; ox++) {
            double sx = fmin(fmax((ox + 0.5) * rx - 0.5, 0.0), b.w - 1);
            int x0 = (int)sx, x1 = x0 + 1 < b.w ? x0 + 1 : x0;
            double tx = sx - x0;
            const float *r0 = src + (size_t)(b.y0 + y0) * sw + b.x0;
            const float *r1 = src + (size_t)(b.y0 + y1) * sw + b.x0;
            double top = r0[x0] + tx * (r0[x1] - r0[x0]), bot = r1[x0] + tx * (r1[x1] - r1[x0]);
            out[oy * ow + ox] = (float)(top + ty * (bot - top));
        }
    }
}

/* small: [oh, ow] -> out [28, 28] with the centre of mass moved to (14, 14), as MNIST was made. */
static void place_by_mass(const float *small, int ow, int oh, float *out)
{
    double mass = 0, mx = 0, my = 0;
    for (int y = 0; y < oh; y++)
        for (int x = 0; x < ow; x++) {
            double v = small[y * ow + x];
            mass += v;
            mx += v * x;
            my += v * y;
        }
    const int half = IMAGE_MNIST_SIDE / 2;
    long dx = lround(half - mx / mass), dy = lround(half - my / mass);
    memset(out, 0, sizeof(float) * IMAGE_MNIST_SIDE * IMAGE_MNIST_SIDE);
    for (int y = 0; y < oh; y++)
        for (int x = 0; x < ow; x++) {
            long X = x + dx, Y = y + dy;
            if (X >= 0 && X < IMAGE_MNIST_SIDE && Y >= 0 && Y < IMAGE_MNIST_SIDE)
                out[Y * IMAGE_MNIST_SIDE + X] = small[y * ow + x];
        }
}

int image_to_mnist(const GrayImage *img, const char *name, float *out)
{
    if (!img->px || img->w < 1 || img->h < 1)
        return mnl_fail(MNL_ERR_ARG, "%s: no image to preprocess", name);
    float *ink = malloc(sizeof(float) * (size_t)img->w * (size_t)img->h);
    if (!ink)
        return mnl_fail(MNL_ERR_NOMEM, "%s: cannot allocate %dx%d floats", name, img->w, img->h);
    Box b;
    if (ink_levels(img, ink) != 0 || !ink_box(ink, img->w, img->h, &b)) {
        free(ink);
        return mnl_fail(MNL_ERR_IMAGE, "%s: no ink: the %dx%d picture is blank or has almost no "
                        "contrast", name, img->w, img->h);
    }
    /* The long side becomes 20 pixels; the short one keeps the aspect ratio (at least 1 pixel). */
    const double s = (double)IMAGE_MNIST_BOX / (b.w > b.h ? b.w : b.h);
    int ow = (int)lround(b.w * s), oh = (int)lround(b.h * s);
    ow = ow < 1 ? 1 : ow > IMAGE_MNIST_BOX ? IMAGE_MNIST_BOX : ow;
    oh = oh < 1 ? 1 : oh > IMAGE_MNIST_BOX ? IMAGE_MNIST_BOX : oh;
    float small[IMAGE_MNIST_BOX * IMAGE_MNIST_BOX];   /* [oh, ow] */
    if (s <= 1.0)
        shrink_area(ink, img->w, b, small, ow, oh);
    else
        enlarge_bilinear(ink, img->w, b, small, ow, oh);
    free(ink);
    place_by_mass(small, ow, oh, out);
    return MNL_OK;
}
