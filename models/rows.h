/* models/rows: the data movement around the products (im2col padding, col2im, a convolution's
 * output) and the fast ReLU, as strided row operations in the vector width models/isa picks.
 * dst[r*dld + x] = op(src[r*sld + x]) for r < rows, x < len; nothing outside those elements is
 * read, and nothing is written but them and, except for ROWS_ADD, +0 into the gap between a row's
 * end and the next row's start (dld > len; padding and junk columns in every caller). */
#ifndef MNL_ROWS_H
#define MNL_ROWS_H

#include <stddef.h>

/* ROWS_COPY dst = src; ROWS_ADD dst += src; ROWS_RELU dst = relu(src) (src > 0 ? src : 0, so -0
 * and NaN give +0, as relu_forward_ref); ROWS_WHERE_POSITIVE dst = mask > 0 ? src : 0 (ReLU's
 * gradient, mask[r*mld + x] being the ReLU's output, as relu_backward_ref). */
typedef enum { ROWS_COPY, ROWS_ADD, ROWS_RELU, ROWS_WHERE_POSITIVE } RowsMode;
void rows_move(RowsMode mode, int rows, int len, const float *src, ptrdiff_t sld, float *dst,
               ptrdiff_t dld, const float *mask, ptrdiff_t mld);
void rows_copy(int rows, int len, const float *src, ptrdiff_t sld, float *dst, ptrdiff_t dld);
void rows_add(int rows, int len, const float *src, ptrdiff_t sld, float *dst, ptrdiff_t dld);
/* rows_copy into dst and ReLU into relu_dst (same layout) in one pass over src. */
void rows_copy_relu(int rows, int len, const float *src, ptrdiff_t sld, float *dst,
                    float *relu_dst, ptrdiff_t dld);

#endif
