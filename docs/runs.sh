#!/bin/sh
# docs/runs.sh — the runs the numbers of docs/guide.md and docs/results.md are measured on, each one
# named command, into results/docs/NAME/ (make docs-results). A run already there is kept; FRESH=1
# trains every one again. tests/docs_claims.sh then checks the docs' numbers against these runs
# (make docs-check).
#   MNISTLAB=bin/mnistlab [OUT=results/docs] [FRESH=1] [DOCS_GROUPS="core lessons"] sh docs/runs.sh
#
# Groups. The runs below are the group "core". Every file docs/runs/GROUP.sh is a further group,
# read (sourced) after them in name order; DOCS_GROUPS="core lessons" makes only the groups named. A
# group file only calls the two functions defined here, and uses $OUT:
#   train NAME EXPERIMENT [--set key=value ...]   bin/mnistlab train experiments/EXPERIMENT.conf
#                                                 into $OUT/NAME (as `make exp-EXPERIMENT` would)
#   run NAME ARGS...                              bin/mnistlab ARGS (give it --out "$OUT/NAME")
#   cmd NAME PROGRAM ARGS...                      any other command (a lesson's script)
# Each keeps its output in $OUT/NAME.log and its exit status in $OUT/NAME.status, and is skipped
# when that status file is there (unless FRESH=1).
# and prints nothing else. To add claims about your runs, add a file tests/docs_claims-GROUP.list
# (see tests/docs_claims.sh: make docs-check reads every tests/docs_claims*.list).
set -eu
cd "$(dirname "$0")/.."
M=${MNISTLAB:-bin/mnistlab}
OUT=${OUT:-results/docs}
mkdir -p "$OUT"

# group NAME: true when the group NAME is to be made (DOCS_GROUPS unset, or it names NAME)
group() { [ -z "${DOCS_GROUPS:-}" ] || echo " $DOCS_GROUPS " | grep -q " $1 "; }

# cmd NAME PROGRAM ARGS...: PROGRAM ARGS with its output in OUT/NAME.log and its exit status in
# OUT/NAME.status (a diverging run exits 1: that is its result, not a failure of this script)
cmd() {
    name=$1
    shift
    if [ -f "$OUT/$name.status" ] && [ "${FRESH:-0}" != 1 ]; then
        return 0
    fi
    mkdir -p "$(dirname "$OUT/$name")"
    printf 'docs-results: %-28s %s\n' "$name" "$*"
    st=0
    "$@" > "$OUT/$name.log" 2>&1 || st=$?
    echo "$st" > "$OUT/$name.status"
}
run() {     # run NAME ARGS...: bin/mnistlab ARGS
    name=$1
    shift
    cmd "$name" "$M" "$@"
}
train() {   # train NAME EXPERIMENT [--set ...]: experiments/EXPERIMENT.conf into OUT/NAME
    name=$1 exp=$2
    shift 2
    run "$name" train "experiments/$exp.conf" "$@" --out "$OUT/$name" --overwrite --no-live
}

if group core; then
    # docs/results.md's table: every experiment as `make exp-NAME` trains it (seed 1), in exp/
    for e in softmax mlp cnn cnn-wide lenet cnn-4v9 cnn-4v9-full fashion-softmax fashion-mlp fashion-cnn; do
        train "exp/$e" "$e"
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
    # guide §7: softmax against cnn (the lessons are the group docs/runs/lessons.sh)
    run diff-softmax-cnn diff "$OUT/exp/softmax" "$OUT/exp/cnn" --out "$OUT/diff-softmax-cnn"
    # the comparison of the ten experiments (results.md's chart)
    run compare compare "$OUT/exp"
fi

# the other groups, docs/runs/*.sh, in name order
for docs_group_file in docs/runs/*.sh; do
    [ -f "$docs_group_file" ] || continue
    docs_group=${docs_group_file##*/}
    if group "${docs_group%.sh}"; then
        . "./$docs_group_file"
    fi
done
echo "docs-results: the runs are in $OUT/"
