/* common/dataset: float images and int labels ready for a model, built from IDX files by one
 * description (which data set, normalisation, class subset, random subset, validation split), and
 * the seeded mini-batch iterator that reshuffles every epoch. Same seed, same batches. */
#ifndef MNL_DATASET_H
#define MNL_DATASET_H

#include <gsl/gsl_rng.h>

#include "common/fileio.h"

#define DATASET_MAX_CLASSES 10

/* NORM_DATASET: like NORM_MEAN_STD with the mean and standard deviation of the pixels (p/255) of
 * the training images the run trains on (after the class filter, subset draw and validation
 * split), computed by dataset_load: Fashion-MNIST gets its own statistics, not MNIST's. */
typedef enum { NORM_NONE = 0, NORM_MEAN_STD = 1, NORM_MINUS1_1 = 2, NORM_DATASET = 3 } NormKind;
typedef enum { SPLIT_NONE = 0, SPLIT_RANDOM = 1, SPLIT_LAST = 2 } SplitKind;

typedef struct {
    char name[32];          /* "mnist" | "fashion" */
    char dir[MNL_PATH_LEN];         /* directory holding the four IDX files (raw or .gz) */
    NormKind norm;
    float mean, std;        /* NORM_MEAN_STD: x = (p/255 - mean) / std */
    int classes[DATASET_MAX_CLASSES];   /* class subset, relabelled in this order: {4, 9} -> 4:0 9:1 */
    int n_classes;          /* 0 = all ten */
    int subset_train;       /* 0 = all; else a random N of the (class-filtered) training set */
    int subset_test;        /* 0 = all; else a random N of the (class-filtered) test set */
    SplitKind split;
    int split_n;            /* images moved from train to validation */
    unsigned long seed;     /* drives the subset draw and the random split */
} DataSpec;

typedef struct {
    float *x;               /* [n, 1, h, w]; owned */
    int *y;                 /* [n], relabelled to 0..num_classes-1; owned */
    int *orig_index;        /* [n]: index in the source IDX file (for showing images); owned */
    int n, h, w;
    int num_classes;
    float *pixels;          /* [n, ph, pw] the images themselves when x holds features computed
                               from them (data.features = hog, common/hog), else NULL; owned */
    int ph, pw;
} Dataset;

typedef struct {
    Dataset train, valid, test;    /* valid.n == 0 when no split */
    int num_classes;
    int class_names[DATASET_MAX_CLASSES];   /* original digit of each relabelled class */
    NormKind norm;          /* the normalisation applied: NORM_DATASET resolved to NORM_MEAN_STD */
    float mean, std;        /* with it: x = (p/255 - mean) / std */
} DataSplits;

/* What a person calls class cls (0..9) of a data set: "Coat" for fashion 4, "4" for mnist 4.
 * Fashion's names are defined here only; every picture, summary and prediction takes them. */
const char *dataset_class_label(const char *dataset, int cls);
/* The Fashion-MNIST class a setting names: t-shirt (or top), trouser, pullover, dress, coat,
 * sandal, shirt, sneaker, bag, ankle-boot (or boot), any case; 0..9, or -1 for no such name. */
int dataset_fashion_class(const char *name);
/* Its name as above (the first spelling), "?" outside 0..9. */
const char *dataset_fashion_class_name(int cls);

/* Directory for a data set name: $MNIST_DIR / $FASHION_DIR, else data/mnist or
 * /usr/share/datasets/fashion-mnist. */
const char *dataset_default_dir(const char *name);

/* Load, filter, draw, split and normalise as spec says, in this order:
 *   1. read train-* and t10k-* from spec->dir (or dataset_default_dir(spec->name)); each file raw or
 *      with ".gz" appended, raw tried first;
 *   2. keep the images of spec->classes and relabel them in that order;
 *   3. subset_train / subset_test: a uniformly random N without replacement (gsl_ran_choose),
 *      kept in their original file order;
 *   4. validation: SPLIT_LAST moves the last split_n training images, SPLIT_RANDOM a uniformly
 *      random split_n (again kept in file order);
 *   5. normalise every pixel (NORM_DATASET: with the training images' own mean and std, which
 *      out->mean and out->std then hold).
 * The train subset, test subset and random split each use their own mt19937 stream derived from
 * spec->seed, so turning the split on does not change which images the subset draw picks.
 * Errors: MNL_ERR_CONFIG for an impossible spec (class repeated or not 0..9, a subset larger than
 * what the classes hold, split_n not smaller than the training set, std <= 0), MNL_ERR_IO and
 * the IDX codes from common/idx for the files. On failure *out is empty. */
int dataset_load(const DataSpec *spec, DataSplits *out);
void dataset_splits_free(DataSplits *s);
void dataset_free(Dataset *d);

/* An mt19937 seeded from (seed, stream) by splitmix64, never with 0: independent random streams
 * of one seed. Streams 1-3 are dataset_load's, 10-19 common/tamper's. NULL when out of memory. */
gsl_rng *dataset_stream_rng(unsigned long seed, int stream);

/* Mini-batches over a dataset: a permutation reshuffled at every epoch start with the given rng
 * (gsl_ran_shuffle on mt19937), or in order when rng is NULL (evaluation). */
typedef struct {
    const Dataset *d;
    int *order;             /* [n]; owned */
    int batch;
    int pos;
    int shuffled;           /* 0: order is 0..n-1, and batches are views into d (no copy) */
    const float *x;         /* [batch, 1, h, w] the current batch: gather_x, or a view into d */
    const int *y;           /* [batch] its labels: gather_y, or a view into d */
    float *gather_x;        /* [batch, 1, h, w] owned */
    int *gather_y;          /* [batch] owned */
    int threads;            /* threads a shuffled batch is gathered on (common/threads); 1 after
                               init: the caller sets its model's */
} BatchIter;

/* The iterator starts in order (as after batch_iter_reset(it, NULL)); batch >= 1. */
int batch_iter_init(BatchIter *it, const Dataset *d, int batch);
/* Start an epoch: the order restarts at 0..n-1 and is shuffled when rng != NULL, so an epoch's
 * batches depend only on the rng's state at its start (what a resumed run has to restore). */
void batch_iter_reset(BatchIter *it, gsl_rng *rng);
/* Restore an epoch's order saved from it->order (n native ints at bytes, any alignment), as a
 * resumed run does; the batches are then gathered along it. -1, it unchanged, unless n is the data
 * set's size and every entry is an index into it. */
int batch_iter_restore_order(BatchIter *it, const void *bytes, int n);
/* Point it->x / it->y at the next batch (gathered when shuffled, else a view into the dataset);
 * returns its size (the last may be short), 0 at end. */
int batch_iter_next(BatchIter *it);
int batch_iter_count(const BatchIter *it);     /* batches per epoch */
void batch_iter_free(BatchIter *it);

#endif
