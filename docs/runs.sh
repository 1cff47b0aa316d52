#!/bin/sh
# docs/runs.sh — the runs the numbers of docs/guide.md and docs/results.md are measured on, each one
# named command, into results/docs/NAME/ (make docs-results). A run already there is kept; FRESH=1
# trains every one again. tests/docs_claims.sh then checks the docs' numbers against these runs
# (make docs-check). About 5 CPU minutes on 2 cores from nothing without the fitted families, about
# 75 with them.
#   MNISTLAB=bin/mnistlab [OUT=results/docs] [FRESH=1] sh docs/runs.sh
set -eu
cd "$(dirname "$0")/.."
M=${MNISTLAB:-bin/mnistlab}
OUT=${OUT:-results/docs}
mkdir -p "$OUT"

# run NAME ARGS...: `mnistlab ARGS` with its output in OUT/NAME.log and its exit status in
# OUT/NAME.status (a diverging run exits 1: that is its result, not a failure of this script)
run() {
    name=$1
    shift
    if [ -f "$OUT/$name.status" ] && [ "${FRESH:-0}" != 1 ]; then
        return 0
    fi
    mkdir -p "$(dirname "$OUT/$name")"
    printf 'docs-results: %-28s mnistlab %s\n' "$name" "$*"
    st=0
    "$M" "$@" > "$OUT/$name.log" 2>&1 || st=$?
    echo "$st" > "$OUT/$name.status"
}
train() {   # train NAME EXPERIMENT [--set ...]: experiments/EXPERIMENT.conf into OUT/NAME
    name=$1 exp=$2
    shift 2
    run "$name" train "experiments/$exp.conf" "$@" --out "$OUT/$name" --overwrite --no-live
}

# docs/results.md's table: every experiment as `make exp-NAME` trains it (seed 1), in exp/
for e in softmax mlp cnn cnn-wide lenet cnn-4v9 cnn-4v9-full fashion-softmax fashion-mlp fashion-cnn; do
    train "exp/$e" "$e"
done
# guide §8 and results.md: the fitted families on all of MNIST and Fashion-MNIST, as make exp-NAME
# trains them (seed 1), and the SVM on HOG features (tests/docs_claims.families.list). These are
# the long ones: about 70 CPU minutes of the total on 2 cores (the two SVMs about half of it).
for e in knn linear svm svm-hog boosted-trees decision-tree random-forest \
         fashion-knn fashion-linear fashion-svm fashion-boosted-trees fashion-decision-tree \
         fashion-random-forest; do
    train "exp/$e" "$e" --threads 2
done
# the seed spread of cnn-4v9 (guide §5, results.md): seeds 1 to 20
for s in $(seq 1 20); do
    train "cnn-4v9-seeds/seed$s" cnn-4v9 --set train.seed="$s"
done
# guide §4, when training diverges
train diverge-sgd-lr20 cnn-4v9 --set train.optimizer=sgd --set train.lr=20
train diverge-mlp-adam-lr100 mlp --set train.lr=100
# the guide's pictures (docs/images.sh draws them from these runs)
train lr-too-small cnn-4v9 --set train.lr=0.00002 --set train.epochs=20
train lr-too-large cnn-4v9 --set train.optimizer=sgd --set train.lr=10 --set train.epochs=20
train less-data cnn-4v9 --set data.subset="300 500"
train more-data-20-epochs cnn-4v9-full --set train.epochs=20
train softmax-20-epochs softmax --set train.epochs=20
# guide §7: the learning-rate lesson (as make lesson-lr) and softmax against cnn
run lesson-lr sweep experiments/cnn-4v9.conf --vary train.lr=0.0001,0.001,0.004,0.02,0.1,0.5 \
    --seeds "1 2 3" --out "$OUT/lesson-lr"
run diff-softmax-cnn diff "$OUT/exp/softmax" "$OUT/exp/cnn" --out "$OUT/diff-softmax-cnn"
# the comparison of the ten experiments (results.md's chart)
run compare compare "$OUT/exp"
echo "docs-results: the runs are in $OUT/"
