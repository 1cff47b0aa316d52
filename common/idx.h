/* common/idx: reads and writes IDX files (the MNIST container), raw or gzip-compressed (zlib), with
 * every header field checked against the file's real length. Unsigned-byte images [N, H, W] and
 * labels [N] only, which is what MNIST and Fashion-MNIST use. */
#ifndef MNL_IDX_H
#define MNL_IDX_H

#include <stddef.h>
#include <stdint.h>

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
/* Image and label files of one set must agree in count (MNL_ERR_IDX_COUNT names both files). */
int idx_check_pair(const char *images_path, const IdxImages *im,
                   const char *labels_path, const IdxLabels *lb);

/* Write; gzip when gz != 0. Atomic (temp + rename). MNL_ERR_ARG for dimensions beyond the caps. */
int idx_write_images(const char *path, const IdxImages *im, int gz);
int idx_write_labels(const char *path, const IdxLabels *lb, int gz);

void idx_images_free(IdxImages *im);
void idx_labels_free(IdxLabels *lb);

#endif
