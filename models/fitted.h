/* models/fitted: the second shape of the plug-in interface. A network is trained epoch by epoch; a
 * fitted family (knn, svm, linear, boosted-trees, tree, forest) is fitted once on a data set by the
 * library or the plain C made for it, then predicts class probabilities for a batch of images and
 * saves and loads its own model format (stored in the checkpoint as one CRC-checked section).
 * Above this interface the model is a Model like any other: model_forward returns log-probabilities
 * as logits, so the loss, the predictions and every picture see only "probabilities". */
#ifndef MNL_FITTED_H
#define MNL_FITTED_H

#include <stddef.h>

/* The [model] settings of the fitted families (filled by experiments/setup from the config). */
typedef enum { METRIC_L2 = 0, METRIC_L1 = 1 } KnnMetric;
typedef enum { WEIGHTS_UNIFORM = 0, WEIGHTS_DISTANCE = 1 } KnnWeights;
typedef enum { KERNEL_RBF = 0, KERNEL_POLY = 1, KERNEL_LINEAR = 2 } SvmKernel;
typedef enum { SOLVER_LOGREG = 0, SOLVER_SVM = 1 } LinearSolver;
typedef enum { CRITERION_GINI = 0, CRITERION_ENTROPY = 1 } TreeCriterion;

typedef struct {
    int k;                       /* knn: neighbours */
    KnnMetric metric;
    KnnWeights weights;
    SvmKernel kernel;            /* svm */
    float c;                     /* svm, linear: the cost C */
    float gamma;                 /* svm rbf/poly: gamma; 0 = "scale", 1 / (features * var(x)) */
    int degree;                  /* svm poly */
    int probability;             /* svm: 1 = libsvm's Platt probabilities (5-fold inside the fit) */
    LinearSolver solver;         /* linear */
    TreeCriterion criterion;     /* tree, forest */
    int max_depth;               /* tree, forest: 0 = no limit; boosted-trees: >= 1 */
    int min_leaf;                /* tree, forest: fewest training images in a leaf */
    int trees;                   /* forest */
    int split_features;          /* forest: features tried per split, 0 = sqrt(features) */
    int rounds;                  /* boosted-trees */
    float eta;                   /* boosted-trees: learning rate */
    unsigned long seed;
} FitSpec;

/* A data set as a fitted model sees it: n images of d features, labels 0..K-1 (y may be NULL for
 * prediction-only sets). x: [n, d] row-major. */
typedef struct {
    const float *x;
    const int *y;
    int n, d;
} FitSet;

/* The scores of one boosting round or one more tree of a forest, on the watched sets. */
enum { WATCH_TRAIN = 0, WATCH_VALID = 1, WATCH_TEST = 2, WATCH_SETS = 3 };
typedef struct {
    double loss[WATCH_SETS], acc[WATCH_SETS];   /* NaN where the set is absent */
} RoundScores;

typedef struct {
    void *ctx;
    /* After round r (1-based) of total, with the scores of the model so far on the watched sets.
     * Returns non-zero to stop fitting after this round (early stopping, Ctrl-C). May be NULL. */
    int (*round)(void *ctx, int r, int total, const RoundScores *s);
    /* Work done so far, of total units (images scored, trees grown, ...). May be NULL. */
    void (*progress)(void *ctx, double done, double total);
} FitHooks;

/* The size of a fitted model in its own unit ("stored images", "support vectors", "tree nodes",
 * "weights") and in bytes of its saved form. */
typedef struct {
    double count;
    const char *unit;
    size_t bytes;
} FittedSize;

typedef struct Fitted Fitted;

/* Pictures of what a fitted model holds, for `mnistlab features`: n maps of d values each (28x28
 * for pixels), at most max, each with a label. images = 1: the maps are images in the training
 * normalisation (k-NN's neighbours, an SVM's support vectors); 0: values >= 0 or signed, drawn
 * red (> 0) and blue (< 0) on one scale (a tree's feature importance, a linear model's weights). */
typedef struct {
    float *maps;                 /* [max, d], filled by the family */
    int max, n;
    char (*labels)[48];          /* [max] */
    int images;
    char title[200];
} FittedMaps;

typedef struct {
    /* Check the settings against the training set (k > n is refused, naming model.k); 0 or an
     * MnlStatus with a message naming the setting. */
    int (*check)(const FitSpec *spec, int n_train, int d, int k);
    /* Fit on train; watch[WATCH_*] are the sets scored after each round (entries may be NULL). */
    int (*fit)(Fitted *f, const FitSet *train, const FitSet *const *watch, const FitHooks *hooks);
    /* probs: [B, K] class probabilities of x: [B, d]. */
    int (*predict)(const Fitted *f, const float *x, int B, float *probs);
    /* The model in the family's own format (malloc'd), and back. */
    int (*save)(const Fitted *f, unsigned char **blob, size_t *len);
    int (*load)(Fitted *f, const unsigned char *blob, size_t len);
    void (*release)(Fitted *f);            /* frees f->state */
    void (*size)(const Fitted *f, FittedSize *s);
    /* The pictures (x: [d] a test image, used by k-NN for its neighbours); NULL when the family
     * has none. 0 or an MnlStatus. */
    int (*maps)(const Fitted *f, const float *x, FittedMaps *out);
} FittedOps;

struct Fitted {
    const FittedOps *ops;
    FitSpec spec;
    int d, k;                    /* features per image, classes */
    int threads;                 /* threads for fit and predict (results never depend on it) */
    int is_fitted;               /* 1 once fitted or loaded */
    int save_rounds;             /* 0: save() writes the whole model; r > 0: only its first r rounds
                                  * (a forest's first r trees, a booster sliced after round r), as
                                  * best.ckpt holds the best round; ignored by one-shot families */
    void *state;                 /* the family's model; owned */
};

/* ---- helpers shared by the families ---- */

/* Mean cross-entropy (probabilities clipped at 1e-15, like scikit-learn's log_loss) and accuracy
 * of probs: [n, K] against y: [n]. */
void fitted_score(const float *probs, const int *y, int n, int K, double *loss, double *acc);
/* A byte buffer that grows: families write their model format through it. */
typedef struct {
    unsigned char *p;
    size_t len, cap;
    int failed;
} Blob;
void blob_put(Blob *b, const void *data, size_t n);
void blob_put_u32(Blob *b, unsigned v);
void blob_put_f32(Blob *b, float v);
/* Reading back: a cursor that refuses to step past the end (returns -1, and keeps refusing). */
typedef struct {
    const unsigned char *p;
    size_t len, pos;
    int failed;
} BlobReader;
int blob_get(BlobReader *r, void *out, size_t n);
unsigned blob_get_u32(BlobReader *r);
float blob_get_f32(BlobReader *r);

/* Libraries that save and load only through a file name (libsvm, liblinear): a private temporary
 * file ($TMPDIR or /tmp) is written by save(path, model) and read back whole, or written from the
 * bytes and handed to load(path). 0 or an MnlStatus. */
int fitted_save_via_file(int (*save)(const char *path, const void *model), const void *model,
                         const char *what, unsigned char **blob, size_t *len);
int fitted_load_via_file(void *(*load)(const char *path), const unsigned char *blob, size_t len,
                         const char *what, void **model);

#endif
