#!/bin/sh
# make docs-images: regenerates the PNGs in docs/img/ that docs/guide.md shows, from short runs of
# the suite itself (about a minute). The runs go to results/docs/; only the pictures are kept.
set -eu
cd "$(dirname "$0")/.."
M=${MNISTLAB:-bin/mnistlab}
runs=results/docs
img=docs/img
mkdir -p "$img" "$runs"

train() {   # train NAME CONF [--set ...]: a quiet run into results/docs/NAME
    name=$1 conf=$2
    shift 2
    echo "docs-images: $name"
    "$M" train "experiments/$conf.conf" "$@" --out "$runs/$name" > "$runs/$name.log"
}

"$M" show-data --classes 4 9 --out "$runs/show-data-4v9.png" > /dev/null
cp "$runs/show-data-4v9.png" "$img/show-data-4v9.png"

# The overfitting lesson, exactly as `make exp-cnn-4v9` runs it.
train cnn-4v9 cnn-4v9
cp "$runs/cnn-4v9/curves.png" "$img/cnn-4v9-curves.png"
cp "$runs/cnn-4v9/samples.png" "$img/cnn-4v9-samples.png"
cp "$runs/cnn-4v9/confusion.png" "$img/cnn-4v9-confusion.png"

# What softmax regression learns: one template per digit.
train softmax softmax --set train.epochs=20
"$M" features "$runs/softmax/model.ckpt" --out "$runs/softmax" > /dev/null
cp "$runs/softmax/weights.png" "$img/softmax-weights.png"

# When things go wrong (the guide's troubleshooting section).
train lr-too-small cnn-4v9 --set train.lr=0.00002 --set train.epochs=20
cp "$runs/lr-too-small/curves.png" "$img/lr-too-small.png"
train lr-too-large cnn-4v9 --set train.optimizer=sgd --set train.lr=10 --set train.epochs=20
cp "$runs/lr-too-large/curves.png" "$img/lr-too-large.png"
train less-data cnn-4v9 --set data.subset="300 500"
cp "$runs/less-data/curves.png" "$img/overfitting-early.png"
train more-data cnn-4v9-full --set train.epochs=20
cp "$runs/more-data/curves.png" "$img/overfitting-late.png"

# The comparison, when `make exp-all` has been run.
[ -f results/compare.png ] && cp results/compare.png "$img/compare.png"
ls -l "$img"
