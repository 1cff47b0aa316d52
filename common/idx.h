/* common/idx: reads and writes IDX files (the MNIST container), raw or gzip-compressed (zlib), with
 * every header field checked against the file's real length. Unsigned-byte images [N, H, W] and
 * labels [N] only, which is what MNIST and Fashion-MNIST use. */
#ifndef MNL_IDX_H
#define MNL_IDX_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Caps on what a header may claim, checked (with overflow-checked products) before any allocation
 * that depends on the header: anything beyond them is MNL_ERR_IDX_OVERFLOW. */
#define IDX_MAX_ITEMS  10000000L        /* images or labels in one file */
#define IDX_MAX_SIDE   4096L            /* rows and cols, each at least 1 */
#define IDX_MAX_BYTES  2147483647L      /* n * rows * cols, so every pixel index fits an int */

typedef struct {
    uint8_t *pixels;   /* [n, rows, cols], row-major; owned */
    int n, rows, cols;
} IdxImages;

typedef struct {
    uint8_t *labels;   /* [n]; owned */
    int n;
} IdxLabels;

/* Read path; a gzip stream is recognised by its magic bytes (1f 8b), whatever the name, and
 * decompressed as it is read. Errors, each with a one-line detail naming the file:
 *   MNL_ERR_IO         cannot open or read
 *   MNL_ERR_IDX_MAGIC  first two bytes not zero
 *   MNL_ERR_IDX_TYPE   element type not 0x08 (unsigned byte)
 *   MNL_ERR_IDX_RANK   rank not 3 (images) / 1 (labels)
 *   MNL_ERR_IDX_OVERFLOW  dimensions overflow or exceed the caps above
 *   MNL_ERR_IDX_TRUNCATED the data is shorter than the header says (raw: checked against the file's
 *                      size before allocating; gzip: the stream ended early) or longer (trailing
 *                      bytes mean the header's dimensions are wrong too)
 *   MNL_ERR_IDX_GZIP   corrupt gzip stream (bad data or CRC) */
int idx_read_images(const char *path, IdxImages *out);
/* Labels must lie in 0..num_classes-1 (MNL_ERR_IDX_LABEL names the first bad index);
 * num_classes is 1..256. */
int idx_read_labels(const char *path, int num_classes, IdxLabels *out);
/* An image file opened to read only some of its images (common/dataset reads the ones it picked,
 * so a run on 500 images does not read 47 MB). Opening checks what idx_read_images checks before
 * reading: the header and, for a raw file, its size; a gzip file is decompressed whole at open,
 * since its length is only known at the stream's end. */
typedef struct {
    int n, rows, cols;
    const char *path;   /* borrowed from the caller, for messages */
    FILE *f;            /* raw: the open file; NULL for gzip */
    size_t hdr;         /* raw: bytes before the first image */
    uint8_t *body;      /* gzip: [n, rows, cols]; owned */
} IdxImageFile;

/* The same errors as idx_read_images. */
int idx_images_open(const char *path, IdxImageFile *out);
/* out [count, rows, cols] = the images idx[0..count-1] (each 0..n-1, in any order; consecutive
 * ones are read together). MNL_ERR_ARG for an index outside the file; MNL_ERR_IDX_TRUNCATED when a
 * raw file has shrunk since it was opened. */
int idx_images_read(const IdxImageFile *f, const int *idx, int count, uint8_t *out);
void idx_images_close(IdxImageFile *f);

/* Image and label files of one set must agree in count (MNL_ERR_IDX_COUNT names both files). */
int idx_check_pair(const char *images_path, int images, const char *labels_path,
                   const IdxLabels *lb);

/* Write; gzip when gz != 0. Atomic (temp + rename). MNL_ERR_ARG for dimensions beyond the caps. */
int idx_write_images(const char *path, const IdxImages *im, int gz);
int idx_write_labels(const char *path, const IdxLabels *lb, int gz);

void idx_images_free(IdxImages *im);
void idx_labels_free(IdxLabels *lb);

#endif
