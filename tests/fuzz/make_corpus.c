/* tests/fuzz/make_corpus: writes the seed corpora of the fuzz targets, small valid inputs made by
 * the library's own writers, into DIR/{idx,config,checkpoint,image}/ (make fuzz: build/fuzz/corpus).
 *   idx:        images and labels, raw and gzip, each prefixed by the fuzz_idx mode byte
 *   config:     every experiment file given on the command line, and its canonical text
 *   checkpoint: checkpoints of tiny cnn, mlp and softmax models (Adam, SGD with and without
 *               momentum, no optimizer)
 *   image:      PNGs of every colour type and depth libpng writes, and PGMs (P2, P5 8 and 16-bit)
 * Usage: make_corpus DIR [EXPERIMENT.conf ...] */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "common/config.h"
#include "common/error.h"
#include "common/fileio.h"
#include "common/idx.h"
#include "experiments/setup.h"
#include "models/checkpoint.h"

static const char *out_dir;

static void die(const char *what)
{
    fprintf(stderr, "make_corpus: %s: %s\n", what, mnl_last_error());
    exit(1);
}

static const char *seed_path(const char *target, const char *name)
{
    static char path[2048];
    snprintf(path, sizeof path, "%s/%s/%s", out_dir, target, name);
    return path;
}

static void write_seed(const char *target, const char *name, const void *data, size_t len)
{
    if (atomic_write_file(seed_path(target, name), data, len))
        die(name);
}

/* ---- idx ---- */

/* The file the library wrote at tmp, as a fuzz_idx seed: mode byte, then its bytes. */
static void idx_seed_from_file(const char *tmp, int mode, const char *name)
{
    unsigned char *buf;
    size_t len;
    if (file_read_all(tmp, (size_t)1 << 24, &buf, &len))
        die(tmp);
    unsigned char *seed = malloc(len + 1);
    if (!seed)
        die("memory");
    seed[0] = (unsigned char)mode;
    memcpy(seed + 1, buf, len);
    write_seed("idx", name, seed, len + 1);
    free(seed);
    free(buf);
    remove(tmp);
}

static void idx_seeds(void)
{
    uint8_t pixels[3 * 4 * 5], labels[7] = {0, 1, 2, 3, 7, 8, 9};
    for (size_t i = 0; i < sizeof pixels; i++)
        pixels[i] = (uint8_t)(i * 37);
    IdxImages im = {pixels, 3, 4, 5}, none = {pixels, 0, 28, 28};
    IdxLabels lb = {labels, 7};
    char tmp[2048];
    snprintf(tmp, sizeof tmp, "%s", seed_path("idx", "tmp"));
    for (int gz = 0; gz <= 1; gz++) {
        char name[64];
        if (idx_write_images(tmp, &im, gz))
            die("images");
        snprintf(name, sizeof name, "images-3x4x5%s", gz ? ".gz" : "");
        idx_seed_from_file(tmp, 0, name);
        if (idx_write_labels(tmp, &lb, gz))
            die("labels");
        snprintf(name, sizeof name, "labels-7%s", gz ? ".gz" : "");
        idx_seed_from_file(tmp, 0, name);
    }
    /* mode 1: fuzz_idx compresses them itself; mode 5: and cuts the last two bytes */
    if (idx_write_images(tmp, &im, 0))
        die("images");
    idx_seed_from_file(tmp, 1, "images-3x4x5-to-gzip");
    if (idx_write_labels(tmp, &lb, 0))
        die("labels");
    idx_seed_from_file(tmp, 5, "labels-7-to-cut-gzip");
    if (idx_write_images(tmp, &none, 0))
        die("images");
    idx_seed_from_file(tmp, 0, "images-empty-28x28");
}

/* ---- config ---- */

static void config_seeds(int n, char **confs)
{
    for (int i = 0; i < n; i++) {
        unsigned char *buf;
        size_t len;
        if (file_read_all(confs[i], 1 << 20, &buf, &len))
            die(confs[i]);
        const char *base = strrchr(confs[i], '/');
        base = base ? base + 1 : confs[i];
        write_seed("config", base, buf, len);
        free(buf);
        ExpConfig c;
        if (config_load(confs[i], &c))
            die(confs[i]);
        char *text = config_to_text(&c), name[256];
        if (!text)
            die("config text");
        snprintf(name, sizeof name, "canonical-%s", base);
        write_seed("config", name, text, strlen(text));
        free(text);
    }
}

/* ---- checkpoint ---- */

static const char *const tiny_settings[] = {
    "[data]\nclasses = 4 9\n[model]\nfamily = cnn\nlayers = conv 2 3 pad 1, relu, maxpool 2, "
    "conv 2 3, dropout 0.5, flatten, dense 1\nhead = sigmoid\n[train]\noptimizer = adam\n",
    "[data]\nclasses = 1 2 3\n[model]\nfamily = mlp\nhidden = 3\ndropout = 0.25\n[train]\n"
    "optimizer = sgd\nmomentum = 0.9\n",
    "[data]\nclasses = 0 1\n[model]\nfamily = softmax\ninit = uniform 0.1\n[train]\n"
    "optimizer = sgd\n",
};

static void checkpoint_seed(int i, int with_optimizer)
{
    Experiment ex;
    if (experiment_configure_text(&ex, tiny_settings[i], "corpus") || experiment_build(&ex, 1))
        die("tiny model");
    /* as if a step had been taken, so the optimizer's buffers hold more than zeros */
    for (size_t k = 0; k < ex.opt.n; k++) {
        if (ex.opt.m)
            ex.opt.m[k] = 0.001f * (float)k;
        if (ex.opt.v)
            ex.opt.v[k] = 0.0001f * (float)k;
    }
    ex.opt.step = 3;
    const unsigned char run_state[8] = {1, 0, 0, 0, 2, 0, 0, 0};
    char name[64];
    snprintf(name, sizeof name, "tiny-%s-%s.ckpt", ex.cfg.family, with_optimizer ? ex.cfg.optimizer
                                                                                 : "none");
    if (checkpoint_save(seed_path("checkpoint", name), ex.config_text, &ex.model,
                        with_optimizer ? &ex.opt : NULL, 2, run_state, sizeof run_state))
        die(name);
    experiment_free(&ex);
}

/* ---- image ---- */

typedef struct {
    const char *name;
    int color_type, depth, interlace, w, h;
} PngKind;

/* A bright stroke on dark paper; for each colour type the same picture in its own sample layout. */
static void png_seed(const PngKind *k)
{
    FILE *f = fopen(seed_path("image", k->name), "wb");
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!f || !info || setjmp(png_jmpbuf(png)))
        die(k->name);
    png_init_io(png, f);
    png_set_IHDR(png, info, k->w, k->h, k->depth, k->color_type, k->interlace,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (k->color_type == PNG_COLOR_TYPE_PALETTE) {
        png_color palette[2] = {{0, 0, 0}, {250, 240, 230}};
        png_byte trans[1] = {128};
        png_set_PLTE(png, info, palette, 2);
        png_set_tRNS(png, info, trans, 1, NULL);
    }
    png_write_info(png, info);
    int channels = png_get_channels(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    png_bytep row = calloc(rowbytes ? rowbytes : 1, 1);
    int passes = png_set_interlace_handling(png);
    for (int pass = 0; pass < passes; pass++)
        for (int y = 0; y < k->h; y++) {
            memset(row, 0, rowbytes);
            for (int x = 0; x < k->w; x++) {
                int ink = abs(x - k->w / 2) <= 1 && y > 1 && y < k->h - 2;
                if (k->depth < 8) {
                    if (ink)
                        row[x * k->depth / 8] |= (png_byte)(1u << (8 - k->depth - x * k->depth % 8));
                } else {
                    /* with alpha: dark ink on a transparent canvas; without: light ink on dark */
                    int bytes = k->depth / 8, alpha = k->color_type & PNG_COLOR_MASK_ALPHA;
                    for (int c = 0; c < channels; c++) {
                        int v = alpha ? (c == channels - 1 ? (ink ? 0xff : 0) : 0x10)
                                      : (ink ? 0xf0 : 0x10);
                        memset(row + ((size_t)x * channels + c) * bytes, v, bytes);
                    }
                }
            }
            png_write_row(png, row);
        }
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    free(row);
    fclose(f);
}

static void image_seeds(void)
{
    static const PngKind kinds[] = {
        {"gray8.png", PNG_COLOR_TYPE_GRAY, 8, PNG_INTERLACE_NONE, 12, 10},
        {"gray1.png", PNG_COLOR_TYPE_GRAY, 1, PNG_INTERLACE_NONE, 9, 8},
        {"gray16.png", PNG_COLOR_TYPE_GRAY, 16, PNG_INTERLACE_NONE, 8, 8},
        {"gray-alpha.png", PNG_COLOR_TYPE_GRAY_ALPHA, 8, PNG_INTERLACE_NONE, 8, 9},
        {"rgb.png", PNG_COLOR_TYPE_RGB, 8, PNG_INTERLACE_NONE, 7, 8},
        {"rgba16-interlaced.png", PNG_COLOR_TYPE_RGB_ALPHA, 16, PNG_INTERLACE_ADAM7, 8, 8},
        {"palette1-trns.png", PNG_COLOR_TYPE_PALETTE, 1, PNG_INTERLACE_NONE, 10, 10},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        png_seed(&kinds[i]);
    const char p2[] = "P2\n# a comment\n4 3\n15\n0 0 15 0\n0 15 15 0\n0 0 15 0\n";
    write_seed("image", "ascii.pgm", p2, sizeof p2 - 1);
    unsigned char p5[64] = "P5 4 3 255\n", p16[64] = "P5\n3 2\n65535\n";
    size_t h5 = strlen((char *)p5), h16 = strlen((char *)p16);
    for (int i = 0; i < 12; i++)
        p5[h5 + i] = (unsigned char)(i % 4 == 2 ? 250 : 5);
    for (int i = 0; i < 12; i++)
        p16[h16 + i] = (unsigned char)(i % 2 ? 0x34 : (i % 6 == 2 ? 0xff : 0x01));
    write_seed("image", "binary8.pgm", p5, h5 + 12);
    write_seed("image", "binary16.pgm", p16, h16 + 12);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: make_corpus DIR [EXPERIMENT.conf ...]\n");
        return 2;
    }
    out_dir = argv[1];
    static const char *const targets[] = {"idx", "config", "checkpoint", "image"};
    for (int i = 0; i < 4; i++)
        if (make_dirs(seed_path(targets[i], "")))
            die(targets[i]);
    idx_seeds();
    config_seeds(argc - 2, argv + 2);
    for (int i = 0; i < 3; i++) {
        checkpoint_seed(i, 1);
        checkpoint_seed(i, 0);
    }
    image_seeds();
    return 0;
}
