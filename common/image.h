/* common/image: a user's own picture of a digit. Reads PNG (libpng, any bit depth and colour type)
 * or PGM (P2/P5, maxval up to 65535) into 8-bit grayscale, refusing absurd sizes before allocating,
 * and turns it into a 28x28 MNIST-style image the way the original set was made. */
#ifndef MNL_IMAGE_H
#define MNL_IMAGE_H

#include <stddef.h>

#define IMAGE_MAX_SIDE   16384                     /* pixels per side */
#define IMAGE_MAX_PIXELS ((size_t)64 << 20)        /* 64 Mpixels in all */
#define IMAGE_MAX_FILE   ((size_t)256 << 20)       /* bigger files are refused unread */
#define IMAGE_MNIST_SIDE 28                        /* output image side */
#define IMAGE_MNIST_BOX  20                        /* the ink's box is scaled to fit this */
#define IMAGE_INK_LEVEL  0.1f                      /* after inversion and stretch: ink above */

/* An 8-bit grayscale picture as it looks: 0 black .. 255 white. px: [h, w] row-major; owned. */
typedef struct {
    unsigned char *px;
    int w, h;
} GrayImage;

/* Decode a PNG or PGM held in memory (what the fuzzer calls); name is the file for messages.
 * Transparent pixels are composited over white (a digit drawn on a transparent canvas).
 * Errors: MNL_ERR_IMAGE with "NAME: ..." (not an image, corrupt, truncated, too large), NOMEM.
 * On failure *img is empty. */
int image_decode(const unsigned char *buf, size_t len, const char *name, GrayImage *img);
/* Read a whole file (at most IMAGE_MAX_FILE bytes) and decode it. */
int image_load(const char *path, GrayImage *img);
void image_free(GrayImage *img);

/* The MNIST preprocessing. out: [28, 28] in [0, 1], ink 1, background 0:
 *   1. invert when the border is light (mean > 0.5: dark ink on light paper);
 *   2. stretch so the paper is 0 and the brightest ink 1; the paper's level is the border's
 *      median plus three median absolute deviations, so grain and noise become a clean 0;
 *   3. crop to the bounding box of the pixels above IMAGE_INK_LEVEL;
 *   4. scale the box to fit 20x20 keeping its aspect ratio (area average when shrinking,
 *      bilinear when enlarging);
 *   5. place it in 28x28 so that its centre of mass (pixel-index coordinates) lands at (14, 14),
 *      the shift rounded, pixels pushed past an edge dropped.
 * MNL_ERR_IMAGE "NAME: no ink ..." for a blank or near-uniform picture; NOMEM. */
int image_to_mnist(const GrayImage *img, const char *name, float *out);

#endif
