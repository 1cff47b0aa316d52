/* tests/fuzz/fuzz_image: the user-image decoders (common/image: PNG through libpng, PGM P2/P5) on
 * arbitrary bytes, then the MNIST preprocessing of whatever decodes. A decoded picture must have
 * the size it claims within the caps; the 28x28 result must be finite and in [0, 1]; a refusal
 * must name the file. */
#include <math.h>
#include <stdlib.h>

#include "common/error.h"
#include "common/image.h"
#include "tests/fuzz/fuzz_util.h"

/* 64 Mpixels (the cap) need 256 MiB of floats in image_to_mnist: that much may be allocated. */
FUZZ_ASAN_OPTIONS(320)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *name = "fuzz-input";
    GrayImage img;
    int rc = image_decode(data, size, name, &img);
    if (rc) {
        fuzz_check_refusal(rc, name);
        if (img.px || img.w || img.h)      /* a failed decode leaves nothing to free */
            abort();
        return 0;
    }
    if (img.w < 1 || img.h < 1 || img.w > IMAGE_MAX_SIDE || img.h > IMAGE_MAX_SIDE ||
        (size_t)img.w * (size_t)img.h > IMAGE_MAX_PIXELS)
        abort();
    float out[IMAGE_MNIST_SIDE * IMAGE_MNIST_SIDE];
    rc = image_to_mnist(&img, name, out);
    if (rc)
        fuzz_check_refusal(rc, name);
    for (int i = 0; !rc && i < IMAGE_MNIST_SIDE * IMAGE_MNIST_SIDE; i++)
        if (!isfinite(out[i]) || out[i] < 0.0f || out[i] > 1.0f + 1e-5f)
            abort();
    image_free(&img);
    return 0;
}
