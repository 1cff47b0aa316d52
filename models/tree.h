/* models/tree: CART decision trees in plain C, the `tree` family and the trees of the `forest`
 * family (models/forest.c). A tree is grown from binned features: each feature's values are cut
 * into at most 256 bins (exactly its distinct values for pixels, which have 256 levels), so a
 * split is found from one class histogram per feature instead of a sort. */
#ifndef MNL_TREE_H
#define MNL_TREE_H

#include <stdint.h>
#include <gsl/gsl_rng.h>

#include "models/fitted.h"

#define TREE_MAX_BINS 256

/* The training set binned once, in two layouts: bins [d, n] feature-major (bins of feature f
 * contiguous), read by large nodes, whose images fill a column; rows [n, d] image-major, read by
 * small nodes, whose few images' rows stay in the cache for their whole subtree. And the cut
 * points that turn a value back into its bin: x <= cuts[f][b] <=> bin <= b. */
typedef struct {
    uint8_t *bins;            /* [d, n]; owned */
    uint8_t *rows;            /* [n, d] the same bins; owned */
    float *cuts;              /* [d, TREE_MAX_BINS - 1]; owned */
    int *n_cuts;              /* [d]; owned */
    const int *y;             /* [n] not owned */
    int n, d, k;
} BinnedSet;

/* A node: an inner node sends x to left when x[feature] <= threshold, else to right; a leaf
 * (feature -1) holds its class distribution at values + left * k. */
typedef struct {
    int feature;
    float threshold;
    int left, right;
} TreeNode;

typedef struct {
    TreeNode *nodes;          /* [n_nodes], root first; owned */
    int n_nodes, cap_nodes;
    float *values;            /* [n_leaves, k] class distributions; owned */
    int n_leaves, cap_leaves;
    double *importance;       /* [d] impurity decrease per feature, weighted by images; owned */
    int k, d;
} Tree;

typedef struct {
    TreeCriterion criterion;
    int max_depth;            /* 0: no limit */
    int min_leaf;
    int split_features;       /* features tried per split: d for a tree, sqrt(d) in a forest */
} GrowSpec;

/* Bin every feature of s (on up to `threads` threads; the result does not depend on them). */
int binned_make(BinnedSet *b, const FitSet *s, int k, int threads);
void binned_free(BinnedSet *b);

/* Grow a tree on the images idx[0..n) of b (an index may repeat: a bootstrap sample; ascending
 * indices are read fastest, and give the same tree as any other order). rng picks
 * the features tried at each split when split_features < d (may be NULL otherwise). */
int tree_grow(Tree *t, const BinnedSet *b, int *idx, int n, const GrowSpec *g, gsl_rng *rng);
/* The class distribution of the leaf x (d features) falls in. */
const float *tree_leaf(const Tree *t, const float *x);
void tree_free(Tree *t);
void tree_write(const Tree *t, Blob *b);
int tree_read(Tree *t, BlobReader *r, int d, int k);
/* The impurity decrease of n trees per feature, as shares of their total: one map. */
void tree_importance_map(const Tree *trees, int n, FittedMaps *out);
/* Bytes tree_write writes. */
size_t tree_bytes(const Tree *t);

#endif
