# docs/runs/families.sh — the group "families" of docs/runs.sh (sourced by it): guide §8 and
# results.md's table of the fitted families on all of MNIST and Fashion-MNIST, as make exp-NAME
# trains them (seed 1), and the SVM on HOG features; their claims are
# tests/docs_claims.families.list. These are the long ones: about 70 CPU minutes on 2 cores (the two
# SVMs about half of it); DOCS_GROUPS="core lessons" leaves them out.
for e in knn linear svm svm-hog boosted-trees decision-tree random-forest \
         fashion-knn fashion-linear fashion-svm fashion-boosted-trees fashion-decision-tree \
         fashion-random-forest; do
    train "exp/$e" "$e" --threads 2
done
# guide §8's HOG paragraph: the same SVM on 3,000 / 1,000 images, on pixels and on HOG features
train svm-subset svm --set "data.subset=3000 1000" --threads 2
train svm-hog-subset svm-hog --set "data.subset=3000 1000" --threads 2
# results.md and guide §8: the Fashion tree grown pure (min_leaf = 1, as decision-tree.conf)
train fashion-decision-tree-pure fashion-decision-tree --set model.min_leaf=1 --threads 2
