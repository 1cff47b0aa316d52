/* models/rows: strided row copies, adds and the ReLU pair, in AVX-512, AVX2 and portable C (the
 * portable variant is the reference functions row by row, so ReLU is written once as a formula
 * and once as a vector operation, rows_simd.inc's row_op). */
#include "models/rows.h"

#include "models/isa.h"
#include "models/reference/reference.h"

#if defined(__x86_64__)
#include "models/simd_avx512.inc"
#include "models/rows_simd.inc"
#include "models/simd_end.inc"

#include "models/simd_avx2.inc"
#include "models/rows_simd.inc"
#include "models/simd_end.inc"
#endif

static void rows_move_c(RowsMode mode, int rows, int len, const float *src, ptrdiff_t sld,
                        float *dst, ptrdiff_t dld, const float *mask, ptrdiff_t mld)
{
    for (int r = 0; r < rows; r++, src += sld, dst += dld, mask += mld)
        switch (mode) {
        case ROWS_ADD:
            for (int x = 0; x < len; x++)
                dst[x] += src[x];
            break;
        case ROWS_RELU: relu_forward_ref(dst, src, (size_t)len); break;
        case ROWS_WHERE_POSITIVE: relu_backward_ref(dst, src, mask, (size_t)len); break;
        default:
            for (int x = 0; x < len; x++)
                dst[x] = src[x];
        }
}

static void rows_copy_relu_c(int rows, int len, const float *src, ptrdiff_t sld, float *dst,
                             float *relu_dst, ptrdiff_t dld)
{
    rows_move_c(ROWS_COPY, rows, len, src, sld, dst, dld, src, sld);
    rows_move_c(ROWS_RELU, rows, len, src, sld, relu_dst, dld, src, sld);
}

typedef void (*MoveFn)(RowsMode mode, int rows, int len, const float *src, ptrdiff_t sld,
                       float *dst, ptrdiff_t dld, const float *mask, ptrdiff_t mld);
typedef void (*CopyReluFn)(int rows, int len, const float *src, ptrdiff_t sld, float *dst,
                           float *relu_dst, ptrdiff_t dld);

static const MoveFn move_variants[ISA_COUNT] =
    ISA_VARIANTS(rows_move_c, rows_move_avx2, rows_move_avx512);
static const CopyReluFn copy_relu_variants[ISA_COUNT] =
    ISA_VARIANTS(rows_copy_relu_c, rows_copy_relu_avx2, rows_copy_relu_avx512);

void rows_move(RowsMode mode, int rows, int len, const float *src, ptrdiff_t sld, float *dst,
               ptrdiff_t dld, const float *mask, ptrdiff_t mld)
{
    if (rows <= 0 || len <= 0)
        return;
    if (!mask)
        mask = src, mld = sld;              /* read by no mode but ROWS_WHERE_POSITIVE */
    move_variants[isa_active()](mode, rows, len, src, sld, dst, dld, mask, mld);
}

void rows_copy_relu(int rows, int len, const float *src, ptrdiff_t sld, float *dst,
                    float *relu_dst, ptrdiff_t dld)
{
    if (rows > 0 && len > 0)
        copy_relu_variants[isa_active()](rows, len, src, sld, dst, relu_dst, dld);
}

void rows_copy(int rows, int len, const float *src, ptrdiff_t sld, float *dst, ptrdiff_t dld)
{
    rows_move(ROWS_COPY, rows, len, src, sld, dst, dld, NULL, 0);
}

void rows_add(int rows, int len, const float *src, ptrdiff_t sld, float *dst, ptrdiff_t dld)
{
    rows_move(ROWS_ADD, rows, len, src, sld, dst, dld, NULL, 0);
}
