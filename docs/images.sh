#!/bin/sh
# make docs-images: every picture in docs/img/, from the named runs of docs/runs.sh and its groups
# (results/docs/, trained first when missing; the lessons are the group docs/runs/lessons.sh, each
# as its make target runs it), lesson-data-size from results/lesson-data-size/ (make
# lesson-data-size; lesson-permuted, lesson-shift, lesson-noise likewise), and lesson-diagnose and
# lesson-adversarial from the group docs/runs/lessons-a.sh (results/docs/lesson-NAME/, each as its
# make target runs it). Each picture is listed with the command that makes it; a picture whose run
# is missing is named and left as it is.
set -eu
cd "$(dirname "$0")/.."
M=${MNISTLAB:-bin/mnistlab}
runs=${OUT:-results/docs}
img=docs/img
MNISTLAB=$M OUT=$runs sh docs/runs.sh
missing=0

# pic NAME.png FROM 'the command that makes it': copy FROM to docs/img/NAME.png
pic() {
    if [ -f "$2" ]; then
        cp "$2" "$img/$1"
        printf 'docs-images: %-32s %s\n' "$1" "$3"
    else
        printf 'docs-images: %-32s MISSING (%s is not there; run: %s)\n' "$1" "$2" "$3" >&2
        missing=$((missing + 1))
    fi
}

"$M" show-data --classes 4 9 --out "$runs/show-data-4v9.png" > /dev/null
pic show-data-4v9.png "$runs/show-data-4v9.png" "bin/mnistlab show-data --classes 4 9"
"$M" show-data --classes 4 9 --augment 'shift 2, rotate 10' --out "$runs/show-data-augment.png" > /dev/null
pic show-data-augment.png "$runs/show-data-augment.png" \
    "bin/mnistlab show-data --classes 4 9 --augment 'shift 2, rotate 10'"

pic cnn-4v9-curves.png "$runs/exp/cnn-4v9/curves.png" "make exp-cnn-4v9"
pic cnn-4v9-samples.png "$runs/exp/cnn-4v9/samples.png" "make exp-cnn-4v9"
pic cnn-4v9-confusion.png "$runs/exp/cnn-4v9/confusion.png" "make exp-cnn-4v9"
pic roc-cnn-4v9.png "$runs/exp/cnn-4v9/roc.png" "make exp-cnn-4v9"

"$M" features "$runs/softmax-20-epochs/model.ckpt" --out "$runs/softmax-20-epochs" > /dev/null
pic softmax-weights.png "$runs/softmax-20-epochs/weights.png" \
    "bin/mnistlab train experiments/softmax.conf --set train.epochs=20 --out DIR; bin/mnistlab features DIR/model.ckpt"

pic lr-too-small.png "$runs/lr-too-small/curves.png" \
    "bin/mnistlab train experiments/cnn-4v9.conf --set train.lr=0.00002 --set train.epochs=20"
pic lr-too-large.png "$runs/lr-too-large/curves.png" \
    "bin/mnistlab train experiments/cnn-4v9.conf --set train.optimizer=sgd --set train.lr=10 --set train.epochs=20"
pic overfitting-early.png "$runs/less-data/curves.png" \
    "bin/mnistlab train experiments/cnn-4v9.conf --set data.subset='300 500'"
pic overfitting-late.png "$runs/more-data-20-epochs/curves.png" \
    "bin/mnistlab train experiments/cnn-4v9-full.conf --set train.epochs=20"

pic diff-softmax-cnn-fixed.png "$runs/diff-softmax-cnn/fixed.png" "bin/mnistlab diff results/softmax results/cnn"
pic diff-softmax-cnn-classes.png "$runs/diff-softmax-cnn/classes.png" "bin/mnistlab diff results/softmax results/cnn"
pic compare.png "$runs/exp/compare-mnist-10-classes-10000-test-images.png" "make exp-all"

# guide §8: the fitted families (their runs are docs/runs.sh's exp/NAME, as make exp-NAME trains them)
pic families-cost.png "$runs/exp/cost-mnist-10-classes-10000-test-images.png" \
    "make exp-all (bin/mnistlab compare results): REPORT.md's cost chart"
pic families-cost-fashion.png "$runs/exp/cost-fashion-10-classes-10000-test-images.png" \
    "make exp-all (bin/mnistlab compare results): REPORT.md's cost chart of Fashion-MNIST"
pic decision-tree-fitted-once.png "$runs/exp/decision-tree/curves.png" "make exp-decision-tree"
pic random-forest-curves.png "$runs/exp/random-forest/curves.png" "make exp-random-forest"
for f in knn fashion-svm random-forest; do
    if [ -f "$runs/exp/$f/model.ckpt" ]; then
        "$M" features "$runs/exp/$f/model.ckpt" --index 0 --out "$runs/exp/$f/features" > /dev/null
    fi
done
pic knn-neighbours.png "$runs/exp/knn/features/features-model.png" \
    "make exp-knn; bin/mnistlab features results/knn/model.ckpt --index 0"
pic svm-support-vectors-fashion.png "$runs/exp/fashion-svm/features/features-model.png" \
    "make exp-fashion-svm; bin/mnistlab features results/fashion-svm/model.ckpt"
pic forest-importance.png "$runs/exp/random-forest/features/features-model.png" \
    "make exp-random-forest; bin/mnistlab features results/random-forest/model.ckpt"

pic lesson-lr.png "$runs/lesson-lr/sweep.png" "make lesson-lr"
pic lesson-data-size-4v9.png results/lesson-data-size-4v9/sweep.png "make lesson-data-size-4v9"
pic lesson-batch.png "$runs/lesson-batch/sweep.png" "make lesson-batch"
pic lesson-l2.png "$runs/lesson-l2/sweep.png" "make lesson-l2"
pic lesson-l2-weights-0.png "$runs/lesson-l2/l2=0/weights.png" "make lesson-l2"
pic lesson-l2-weights-0.1.png "$runs/lesson-l2/l2=0.1/weights.png" "make lesson-l2"
pic lesson-width.png "$runs/lesson-width/sweep.png" "make lesson-width"
pic overfitting-remedies.png "$runs/lesson-overfitting/remedies.png" "make lesson-overfitting"
pic diagnose-step1.png "$runs/lesson-diagnose/step1/chart.png" "make lesson-diagnose-1"
pic diagnose-step2.png "$runs/lesson-diagnose/step2/chart.png" "make lesson-diagnose-2"
pic diagnose-step3.png "$runs/lesson-diagnose/step3/chart.png" "make lesson-diagnose-3"
pic diagnose-step4.png "$runs/lesson-diagnose/step4/chart.png" "make lesson-diagnose-4"
pic adversarial-accuracy.png "$runs/lesson-adversarial/accuracy.png" "make lesson-adversarial"
pic adversarial-flips-mlp.png "$runs/lesson-adversarial/mlp/seed1/attack.png" "make lesson-adversarial"
pic adversarial-flips-cnn.png "$runs/lesson-adversarial/cnn/seed1/attack.png" "make lesson-adversarial"
pic calibration-mlp.png "$runs/lesson-adversarial/mlp/seed1/calibration.png" "make lesson-adversarial"
pic calibration-cnn.png "$runs/lesson-adversarial/cnn/seed1/calibration.png" "make lesson-adversarial"
pic calibration-softmax.png "$runs/lesson-adversarial/softmax/seed1/calibration.png" "make lesson-adversarial"
pic lesson-permuted.png results/lesson-permuted/permuted.png "make lesson-permuted"
pic lesson-shift.png results/lesson-shift/robustness-shift.png "make lesson-shift"
pic lesson-rotate.png results/lesson-shift/robustness-rotate.png "make lesson-shift"
pic lesson-noise.png results/lesson-noise/robustness-noise.png "make lesson-noise"
pic lesson-occlude.png results/lesson-noise/robustness-occlude.png "make lesson-noise"
pic lesson-data-size.png results/lesson-data-size/data-size.png "make lesson-data-size"

echo "docs-images: $missing picture(s) missing"
[ "$missing" -eq 0 ]
