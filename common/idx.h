/* common/idx: reads and writes IDX files (the MNIST container), raw or gzip-compressed (zlib), with
 * every header field checked against the file's real length. Unsigned-byte images [N, H, W] and
 * labels [N] only, which is what MNIST and Fashion-MNIST use. */
#ifndef MNL_IDX_H
#define MNL_IDX_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t *pixels;   /* [n, rows, cols], row-major; owned */
    int n, rows, cols;
} IdxImages;

typedef struct {
    uint8_t *labels;   /* [n]; owned */
    int n;
} IdxLabels;

/* Read path; a name ending in ".gz" (or a gzip magic) is decompressed. Errors: MNL_ERR_IO,
 * MNL_ERR_IDX_MAGIC/TYPE/RANK/TRUNCATED/OVERFLOW/GZIP, with a detail naming the file. */
int idx_read_images(const char *path, IdxImages *out);
/* Labels must lie in 0..num_classes-1 (MNL_ERR_IDX_LABEL names the first bad index). */
int idx_read_labels(const char *path, int num_classes, IdxLabels *out);
/* Image and label files of one set must agree in count (MNL_ERR_IDX_COUNT names both files). */
int idx_check_pair(const char *images_path, const IdxImages *im,
                   const char *labels_path, const IdxLabels *lb);

/* Write; gzip when gz != 0. Atomic (temp + rename). */
int idx_write_images(const char *path, const IdxImages *im, int gz);
int idx_write_labels(const char *path, const IdxLabels *lb, int gz);

void idx_images_free(IdxImages *im);
void idx_labels_free(IdxLabels *lb);

#endif
