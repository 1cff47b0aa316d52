#!/bin/sh
# make memcheck: every command of bin/mnistlab, and every error path of issue 6, under valgrind
# (memcheck, full leak check). A case fails when valgrind reports an error or a definite, indirect
# or possible leak (it then exits 99; the runtime's own blocks are suppressed by
# tests/valgrind.supp, which says why), or when the exit status is not the expected one.
# Prints one line per case and a total; exits 1 when any case failed. Valgrind's logs are kept in
# build/memcheck/NAME.log. Needs the real MNIST in data/mnist (make data) and a plain build (no
# ASan: it cannot run under valgrind).
#   MNISTLAB=bin/mnistlab  the program;  VALGRIND_EXTRA="..."  more valgrind options
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
prog=${MNISTLAB:-bin/mnistlab}
out=build/memcheck
rm -rf "$out"
mkdir -p "$out"
# One thread: valgrind runs threads one at a time anyway, and it keeps the logs short.
export MNISTLAB_THREADS=1

failed=0
total=0

# case NAME WANT_STATUS [FILE_LIMIT_BLOCKS] -- ARGS...: run mnistlab ARGS under valgrind.
case_() {
    name=$1 want=$2
    shift 2
    limit=""
    if [ "$1" != "--" ]; then limit=$1; shift; fi
    shift
    total=$((total + 1))
    log="$out/$name.log"
    (
        [ -n "$limit" ] && ulimit -f "$limit"
        # shellcheck disable=SC2086
        exec valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
            --show-leak-kinds=definite,indirect,possible --error-exitcode=99 \
            --suppressions=tests/valgrind.supp ${VALGRIND_EXTRA:-} --log-file="$log" \
            "$prog" "$@"
    ) >"$out/$name.out" 2>"$out/$name.err" </dev/null
    got=$?
    if [ "$got" -eq "$want" ]; then
        printf '  ok    %-34s exit %d\n' "$name" "$got"
    else
        failed=$((failed + 1))
        why="exit $got, expected $want"
        [ "$got" -eq 99 ] && why="valgrind found errors or leaks"
        printf '  FAIL  %-34s %s (see %s)\n' "$name" "$why" "$log"
        grep -E 'definitely lost|indirectly lost|Invalid|uninitialised|ERROR SUMMARY' "$log" |
            head -5 | sed 's/^/        /'
    fi
}

# ---- inputs for the error paths ----
printf '[model]\nfamily = mlp\nhidden = 32\n[train]\nlearning_rate = 0.1\n' >"$out/typo.conf"
mkdir -p "$out/trunc-data"
for f in t10k-images-idx3-ubyte t10k-labels-idx1-ubyte train-labels-idx1-ubyte; do
    ln -s "$top/data/mnist/$f" "$out/trunc-data/$f"
done
head -c 1000000 data/mnist/train-images-idx3-ubyte >"$out/trunc-data/train-images-idx3-ubyte"
: >"$out/a-file"
# a 12x10 dark "1" on light paper, the way a learner would scan or draw it
{
    printf 'P2\n12 10\n255\n'
    for y in 0 1 2 3 4 5 6 7 8 9; do
        for x in 0 1 2 3 4 5 6 7 8 9 10 11; do
            if [ "$x" -ge 5 ] && [ "$x" -le 6 ] && [ "$y" -ge 1 ] && [ "$y" -le 8 ]; then
                printf '20 '
            else
                printf '235 '
            fi
        done
        printf '\n'
    done
} >"$out/digit.pgm"
printf '\211PNG\r\n\032\n' >"$out/not-really.png"

echo "memcheck: valgrind on $prog (logs in $out/)"
# ---- commands that succeed ----
case_ train-cnn-4v9 0 -- train experiments/cnn-4v9.conf --set train.epochs=1 --out "$out/cnn"
case_ train-mlp 0 -- train experiments/mlp.conf --set "data.subset=1000 200" \
    --set train.epochs=1 --out "$out/mlp"
# once with two threads, so that the thread pool (common/threads.c) is there too
MNISTLAB_THREADS=2
case_ train-mlp-2-threads 0 -- train experiments/mlp.conf --set "data.subset=1000 200" \
    --set train.epochs=1 --out "$out/mlp-2-threads"
MNISTLAB_THREADS=1
case_ train-resume 0 -- train experiments/mlp.conf --set "data.subset=1000 200" \
    --set train.epochs=2 --out "$out/mlp" --resume
case_ predict-index 0 -- predict "$out/cnn/model.ckpt" --index 3 --out "$out/predict-index.png"
case_ predict-image 0 -- predict "$out/mlp/model.ckpt" --image "$out/digit.pgm" \
    --out "$out/predict-image.png"
case_ features-cnn 0 -- features "$out/cnn/model.ckpt" --index 0 --out "$out/features-cnn"
case_ features-mlp 0 -- features "$out/mlp/model.ckpt" --out "$out/features-mlp"
case_ info 0 -- info experiments/cnn.conf
case_ show-data 0 -- show-data --classes 4 9 --out "$out/show-data.png"
case_ compare 0 -- compare "$out"

# ---- error paths ----
case_ err-bad-key 1 -- train "$out/typo.conf" --out "$out/never"
case_ err-bad-value 1 -- train experiments/mlp.conf --set train.lr=nan --out "$out/never"
case_ err-impossible-spec 1 -- info experiments/cnn.conf --set "model.layers=conv 4 30, dense 10"
MNIST_DIR="$out/trunc-data"; export MNIST_DIR
case_ err-truncated-idx 1 -- train experiments/cnn-4v9.conf --set train.epochs=1 --out "$out/never"
unset MNIST_DIR
cp "$out/cnn/model.ckpt" "$out/damaged.ckpt"
printf 'X' | dd of="$out/damaged.ckpt" bs=1 seek=2000 conv=notrunc 2>/dev/null
case_ err-corrupt-checkpoint 1 -- predict "$out/damaged.ckpt" --index 0
case_ err-not-an-image 1 -- predict "$out/cnn/model.ckpt" --image "$out/not-really.png"
case_ err-diverging-run 1 -- train experiments/mlp.conf --set "data.subset=1000 200" \
    --set train.optimizer=sgd --set train.lr=100 --set train.epochs=1 --out "$out/diverge"
case_ err-uncreatable-dir 1 -- train experiments/mlp.conf --set "data.subset=1000 200" \
    --set train.epochs=1 --out "$out/a-file/results"
# a file size limit of 16 blocks (8 KiB in sh, 16 in bash), far below the 2.8 MB checkpoint: the
# first save fails with EFBIG, as on a full disk
case_ err-disk-full 1 16 -- train experiments/mlp.conf --set "data.subset=1000 200" \
    --set train.epochs=1 --out "$out/mlp"

echo "memcheck: $((total - failed)) of $total cases clean"
[ "$failed" -eq 0 ]
