#!/bin/sh
# experiments/diagnose/lesson.sh STEP... - `make lesson-diagnose` (steps 1 2 3 4) and
# `make lesson-diagnose-N`: the walkthrough's four-step diagnosis, each step a broken run beside
# its fix, every run on each seed, into results/lesson-diagnose/stepN/RUN/seedK/:
#   1. the training loss does not fall: a model too small (an mlp with 2 hidden units) -> more
#      parameters (256 and 128);
#   2. the test accuracy stays at the baseline: the labels (data.shuffle_labels, data.label_noise):
#      the network memorises them, its training loss falls, and the stuck flag names the run ->
#      the true labels;
#   3. no overfitting and a test accuracy too good: test images leaked into training
#      (data.leak_test; the overlap warning says so) -> no leak;
#   4. quick overfitting (cnn-4v9's baseline of the overfitting chapter) -> fewer parameters,
#      Mish, RAdam, Lion (the other remedies: make lesson-overfitting).
# Each step writes stepN/TABLE.md (mean ± std over the seeds, the subset named) and stepN/chart.png
# (plots/diagnose.gp); results/lesson-diagnose/TABLE.md gathers the steps made.
#
#   MNISTLAB=bin/mnistlab SEEDS="1 2 3" sh experiments/diagnose/lesson.sh 1 2 3 4
#   KERNELS=reference ...  the same on the plain loops of models/reference/ (slow)
#   TRAIN=0 ...            the tables and charts of the runs already made
set -e
. "$(dirname "$0")/../lesson-lib.sh"
lesson_check_seeds
OUT=${OUT:-results/lesson-diagnose}
[ $# -gt 0 ] || set -- 1 2 3 4

# Each step: its title, experiment file, the settings every run of it shares, and its runs as
# "name|key label|table label|settings" (settings: section.key=value joined by ';'; a broken run's
# name starts with "broken").
step_def() {
    case $1 in
    1) TITLE="Step 1: the training loss does not fall -> more parameters"
       CONF=experiments/mlp.conf
       COMMON="data.subset=10000 2000;train.epochs=10"
       SUBSET="10,000 training / 2,000 test images, 10 epochs"
       RUNS="broken-hidden-2|2 hidden units|broken: mlp with 2 hidden units (1,600 parameters)|model.hidden=2
fix-hidden-256-128|256-128 hidden units|fix: mlp 256-128 (235,146 parameters)|model.hidden=256 128" ;;
    2) TITLE="Step 2: the test accuracy stays at the baseline -> check the labels"
       CONF=experiments/mlp.conf
       COMMON="data.subset=2000 500;train.epochs=40"
       SUBSET="2,000 training / 500 test images, 40 epochs"
       RUNS="broken-shuffled|labels shuffled|broken: data.shuffle_labels = 1 (every label shuffled)|data.shuffle_labels=1
broken-noise-half|half the labels random|broken: data.label_noise = 0.5 (half the labels random)|data.label_noise=0.5
fix-true-labels|true labels|fix: the true labels|data.label_noise=0" ;;
    3) TITLE="Step 3: no overfitting and a test accuracy too good -> look for a leak"
       CONF=experiments/mlp.conf
       COMMON="data.subset=2000 500;train.epochs=40"
       SUBSET="2,000 training / 500 test images, 40 epochs"
       RUNS="broken-leak|test images leaked|broken: data.leak_test = 1 (the 500 test images also trained on)|data.leak_test=1
fix-no-leak|no leak|fix: no leak|data.leak_test=0" ;;
    4) TITLE="Step 4: quick overfitting -> fewer parameters, Mish, RAdam, Lion"
       CONF=experiments/overfitting/overfit-baseline.conf
       COMMON="train.epochs=40"
       SUBSET="cnn-4v9: 2,000 training / 500 test images of 4 and 9, 40 epochs"
       RUNS="broken-baseline|baseline (overfits)|broken: the overfitting baseline (cnn-4v9, Adam 0.004, 1,521 parameters)|train.optimizer=adam
fix-fewer-parameters|fewer parameters|fewer parameters: conv 2, 4, 8 channels (401)|model.layers=conv 2 3, relu, maxpool 2, conv 4 3, relu, maxpool 2, conv 8 3, relu, maxpool 2, dense 1
fix-mish|Mish|Mish instead of ReLU|model.layers=conv 4 3, mish, maxpool 2, conv 8 3, mish, maxpool 2, conv 16 3, mish, maxpool 2, dense 1
fix-radam|RAdam|RAdam 0.004|train.optimizer=radam
fix-lion|Lion|Lion 0.0004 (10x below Adam's rate)|train.optimizer=lion;train.lr=0.0004" ;;
    *) echo "lesson-diagnose: no step \"$1\" (steps 1 2 3 4)" >&2; exit 2 ;;
    esac
}

# lesson_train with the step's shared settings and a run's own, ';'-separated
train_run() {
    _where=$1 _sets="$COMMON;$2;train.seed=$3"
    old=$IFS; IFS=';'
    set -- $_sets
    IFS=$old
    args=""
    for kv in "$@"; do
        [ -n "$kv" ] && args="$args--set
$kv
"
    done
    old=$IFS; IFS='
'
    set -- $args
    IFS=$old
    lesson_train "$_where" "$CONF" "$@"
}

# One line per run folder: final train loss, final test loss, lowest test loss, its epoch, final
# test accuracy, final train accuracy (metrics.csv columns 2 6 6 1 7 3), epochs
run_line() {
    awk -F, 'NR == 1 { next } { n++; ep[n] = $1; trl[n] = $2; tra[n] = $3; tl[n] = $6; ta[n] = $7 }
             END { lo = 1; for (i = 2; i <= n; i++) if (tl[i] < tl[lo]) lo = i
                   printf "%.6g %.6g %.6g %d %.6g %.6g %d\n", trl[n], tl[n], tl[lo], ep[lo], ta[n], tra[n], ep[n] }' \
        "$1/metrics.csv"
}

# "a ± b" of column c of the run lines in file f
col() {
    awk -v c="$2" '{ print $c }' "$1" | lesson_mean_sd | awk -v f="$3" '{ printf f " ± " f, $1, $2 }'
}

make_step() {
    step_def "$1"
    dir="$OUT/step$1"
    mkdir -p "$dir"
    if [ "${TRAIN:-1}" = 1 ]; then
        echo "$RUNS" | while IFS='|' read -r name short label sets; do
            for s in $SEEDS; do
                train_run "$dir/$name/seed$s" "$sets" "$s"
            done
        done
    fi
    # per run: the mean curves over the seeds (one gnuplot block: epoch, train loss, test loss,
    # train acc, test acc), the table row, the label
    : > "$dir/curves.dat"
    : > "$dir/titles.txt"
    {
        echo "$TITLE ($SUBSET; mean ± std over $(echo $SEEDS | wc -w) seeds; \`make lesson-diagnose-$1\`)"
        echo
        echo "| run | final training loss | final test loss | lowest test loss (epoch) | final training accuracy | final test accuracy | flags |"
        echo "|---|---|---|---|---|---|---|"
    } > "$dir/TABLE.md"
    echo "$RUNS" | while IFS='|' read -r name short label sets; do
        lines="$dir/$name/runs.txt"
        : > "$lines"
        files=""
        stuck=0 leaks=0 overfit=0 n=0
        for s in $SEEDS; do
            run="$dir/$name/seed$s"
            [ -f "$run/metrics.csv" ] || continue
            run_line "$run" >> "$lines"
            files="$files $run/metrics.csv"
            n=$((n + 1))
            [ "$(lesson_value "$run" degenerate)" = no ] || stuck=$((stuck + 1))
            [ "$(lesson_value "$run" overfitting_from_epoch)" = none ] || overfit=$((overfit + 1))
            grep -q '^warning: [0-9]* of the [0-9]* test images are also in the training set' \
                "$run/log.txt" && leaks=$((leaks + 1))
        done
        [ "$n" -gt 0 ] || continue
        flags=""
        [ "$stuck" -gt 0 ] && flags="$flags STUCK ($stuck of $n: $(lesson_value "$dir/$name/seed$(echo $SEEDS | cut -d' ' -f1)" degenerate));"
        [ "$leaks" -gt 0 ] && flags="$flags overlap warning ($leaks of $n: $(grep -o '[0-9]* of the [0-9]* test images are also in the training set' "$dir/$name/seed$(echo $SEEDS | cut -d' ' -f1)/log.txt" | head -1));"
        [ "$overfit" -gt 0 ] && flags="$flags overfitting ($overfit of $n);"
        [ -n "$flags" ] || flags=" none"
        printf '| %s | %s | %s | %s (%s) | %s %% | %s %% |%s |\n' "$label" \
            "$(col "$lines" 1 %.4f)" "$(col "$lines" 2 %.4f)" "$(col "$lines" 3 %.4f)" \
            "$(col "$lines" 4 %.1f)" "$(awk '{ print 100 * $6 }' "$lines" | lesson_mean_sd | awk '{ printf "%.2f ± %.2f", $1, $2 }')" \
            "$(awk '{ print 100 * $5 }' "$lines" | lesson_mean_sd | awk '{ printf "%.2f ± %.2f", $1, $2 }')" \
            "$flags" >> "$dir/TABLE.md"
        echo "# $name: $label" >> "$dir/curves.dat"
        awk -F, 'FNR == 1 { runs++; next }
                 { a[$1] += $2; b[$1] += $6; c[$1] += $3; d[$1] += $7; k[$1]++; if ($1 > max) max = $1 }
                 END { for (e = 1; e <= max && k[e] == runs; e++)
                           printf "%d %.6g %.6g %.6g %.6g\n", e, a[e] / k[e], b[e] / k[e], c[e] / k[e], d[e] / k[e] }' \
            $files >> "$dir/curves.dat"
        printf '\n\n' >> "$dir/curves.dat"
        case $name in broken*) echo "broken: $short" ;; *) echo "$short" ;; esac >> "$dir/titles.txt"
    done
    printf '%s\n' "$TITLE" > "$dir/title.txt"
    chance=$([ "$1" = 4 ] && echo 0.5 || echo 0.1)
    cat "$dir/title.txt" "$dir/titles.txt" > "$dir/labels.txt"
    lesson_draw diagnose "$dir/curves.dat" "$dir/chart.png" "$dir/labels.txt" step="$1" chance="$chance" \
        logy="$([ "$1" = 4 ] && echo 1 || echo 0)"
    cat "$dir/TABLE.md"
    echo "wrote $dir/TABLE.md and $dir/chart.png"
}

for step in "$@"; do
    make_step "$step"
done
# every step made so far, in one table
{
    for step in 1 2 3 4; do
        [ -f "$OUT/step$step/TABLE.md" ] && { cat "$OUT/step$step/TABLE.md"; echo; }
    done
} > "$OUT/TABLE.md.tmp"
mv "$OUT/TABLE.md.tmp" "$OUT/TABLE.md"
echo "wrote $OUT/TABLE.md"
