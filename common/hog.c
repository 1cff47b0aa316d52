/* common/hog: HOG features, in plain loops a learner reads at once (see hog.h). */
#include "common/hog.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

#define PI 3.14159265358979323846

int hog_size(const HogSpec *s, int h, int w)
{
    int cy = h / s->cell, cx = w / s->cell;
    int by = cy - s->block + 1, bx = cx - s->block + 1;
    if (by < 1 || bx < 1)
        return 0;
    return by * bx * s->block * s->block * s->orientations;
}

void hog_image(const HogSpec *s, const float *img, int h, int w, float *out)
{
    int cy = h / s->cell, cx = w / s->cell, nb = s->orientations;
    double *hist = calloc((size_t)cy * cx * nb, sizeof(double));   /* [cy, cx, nb] */
    if (!hist)
        return;
    /* gradients by central differences (0 on the border), into their cell's histogram */
    for (int y = 0; y < cy * s->cell; y++)
        for (int x = 0; x < cx * s->cell; x++) {
            double gx = (x > 0 && x < w - 1) ? img[y * w + x + 1] - img[y * w + x - 1] : 0.0;
            double gy = (y > 0 && y < h - 1) ? img[(y + 1) * w + x] - img[(y - 1) * w + x] : 0.0;
            double mag = sqrt(gx * gx + gy * gy);
            double angle = atan2(gy, gx) * 180.0 / PI;          /* -180..180 */
            if (angle < 0)
                angle += 180.0;                                  /* unsigned: 0..180 */
            int bin = (int)(angle / (180.0 / nb));
            bin = bin >= nb ? nb - 1 : bin;
            hist[((y / s->cell) * cx + x / s->cell) * nb + bin] += mag;
        }
    /* blocks of block x block cells, one cell apart, each normalised L2-Hys */
    int k = 0, per_block = s->block * s->block * nb;
    for (int by = 0; by + s->block <= cy; by++)
        for (int bx = 0; bx + s->block <= cx; bx++) {
            float *v = out + k;
            for (int i = 0; i < s->block; i++)
                for (int j = 0; j < s->block; j++)
                    for (int b = 0; b < nb; b++)
                        out[k++] = (float)hist[((by + i) * cx + bx + j) * nb + b];
            for (int pass = 0; pass < 2; pass++) {
                double sq = 0.0;
                for (int i = 0; i < per_block; i++)
                    sq += (double)v[i] * v[i];
                double norm = sqrt(sq + 1e-10);
                for (int i = 0; i < per_block; i++) {
                    v[i] = (float)(v[i] / norm);
                    if (pass == 0 && v[i] > 0.2f)
                        v[i] = 0.2f;
                }
            }
        }
    free(hist);
}

int hog_transform(const HogSpec *s, Dataset *d)
{
    int f = hog_size(s, d->h, d->w);
    if (f < 1)
        return mnl_fail(MNL_ERR_CONFIG, "data.features = hog: %dx%d images hold no block of %dx%d "
                        "cells of %d pixels", d->h, d->w, s->block, s->block, s->cell);
    if (d->n == 0) {
        d->h = 1, d->w = f;
        return MNL_OK;
    }
    float *x = malloc(sizeof(float) * (size_t)d->n * f);
    if (!x)
        return mnl_fail(MNL_ERR_NOMEM, "HOG features of %d images", d->n);
    for (int i = 0; i < d->n; i++)
        hog_image(s, d->x + (size_t)i * d->h * d->w, d->h, d->w, x + (size_t)i * f);
    d->pixels = d->x, d->ph = d->h, d->pw = d->w;   /* kept for the pictures */
    d->x = x;
    d->h = 1, d->w = f;
    return MNL_OK;
}
