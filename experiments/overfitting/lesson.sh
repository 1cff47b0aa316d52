#!/bin/sh
# experiments/overfitting/lesson.sh - `make lesson-overfitting`: the measured chapter "Fighting
# overfitting" of docs/guide.md. Trains every remedy of experiments/overfitting/ (and the shipped
# cnn-4v9-full) on each seed into results/lesson-overfitting/NAME/seedK/, then writes
#   results/lesson-overfitting/TABLE.md       final test accuracy (mean ± std over the seeds), final
#                                              over lowest test loss, epoch of the lowest test loss,
#                                              epochs trained, training seconds
#   results/lesson-overfitting/curves.dat     mean test loss per epoch of each remedy (gnuplot blocks)
#   results/lesson-overfitting/remedies.png   the chart (plots/remedies.gp; make docs-images copies it
#                                              for the guide: a lesson writes under results/ only),
#                                              and remedies.svg, the same for the results page
# "Final" is the model a run leaves you: model.ckpt, or best.ckpt for a run with train.early_stop.
#
#   MNISTLAB=bin/mnistlab SEEDS="1 2 3 4 5" sh experiments/overfitting/lesson.sh
#   TRAIN=0 sh experiments/overfitting/lesson.sh      the table and chart of the runs already made
set -e
set -f          # no pathname expansion of SEEDS' words
M=${MNISTLAB:-bin/mnistlab}
SEEDS=${SEEDS:-1 2 3 4 5}
. "$(dirname "$0")/../lesson-lib.sh"     # M, SEEDS, lesson_check_seeds
lesson_check_seeds
OUT=${OUT:-results/lesson-overfitting}

# name|file|label, in the order of the chapter
ROWS="overfit-baseline|experiments/overfitting/overfit-baseline.conf|baseline (cnn-4v9)
overfit-early-stop|experiments/overfitting/overfit-early-stop.conf|early stopping (400 held out, patience 5)
overfit-weight-decay|experiments/overfitting/overfit-weight-decay.conf|L2: Adam weight_decay 5e-4
overfit-adamw|experiments/overfitting/overfit-adamw.conf|AdamW, decoupled decay 0.05
overfit-dropout|experiments/overfitting/overfit-dropout.conf|dropout 0.25 before the output
overfit-augment|experiments/overfitting/overfit-augment.conf|augmentation: shift 2, rotate 10
overfit-batchnorm|experiments/overfitting/overfit-batchnorm.conf|batch norm after each conv
overfit-all-data|experiments/overfitting/overfit-all-data.conf|all 11791 training images
cnn-4v9-full|experiments/cnn-4v9-full.conf|cnn-4v9-full as shipped (lr 1e-3, 1991 test)"

mkdir -p "$OUT"
[ "${TRAIN:-1}" = 1 ] && echo "$ROWS" | while IFS='|' read -r name conf label; do
    [ -f "$conf" ] || { echo "lesson: $conf is missing, skipped" >&2; continue; }
    for s in $SEEDS; do
        dir="$OUT/$name/seed$s"
        mkdir -p "$dir"
        printf 'lesson: %-22s seed %s ... ' "$name" "$s"
        # --overwrite: these folders belong to this target, and a changed experiment file replaces
        # its runs; --no-live: no curves.png redrawn during the run
        "$M" train "$conf" --set train.seed="$s" --out "$dir" --overwrite --no-live > "$dir.log" 2>&1 ||
            { echo "failed (see $dir.log)"; exit 1; }
        grep '^total_seconds' "$dir/summary.txt" | sed 's/.*= /done, /; s/$/ s/'
    done
done

# One line per run: name final_acc final/lowest lowest_epoch epochs seconds, from its metrics.csv
# (test_loss column 6, test_acc 7, valid_loss 4), config.used (early_stop) and summary.txt.
run_line() {
    es=$(sed -n 's/^early_stop = //p' "$2/config.used")
    secs=$(sed -n 's/^total_seconds = //p' "$2/summary.txt")
    awk -F, -v name="$1" -v es="${es:-0}" -v secs="$secs" '
        NR == 1 { next }
        { n++; ep[n] = $1; tl[n] = $6; ta[n] = $7; vl[n] = $4 }
        END {
            lo = 1; pick = n
            for (i = 2; i <= n; i++) if (tl[i] < tl[lo]) lo = i
            if (es > 0) {            # best.ckpt: lowest validation loss, else lowest test loss
                pick = 1
                for (i = 2; i <= n; i++)
                    if ((vl[1] != "" ? vl[i] < vl[pick] : tl[i] < tl[pick])) pick = i
            }
            printf "%s %.6f %.6f %d %d %s\n", name, ta[pick], tl[pick] / tl[lo], ep[lo], ep[n], secs
        }' "$2/metrics.csv"
}

RUNS="$OUT/runs.txt"
: > "$RUNS"
echo "$ROWS" | while IFS='|' read -r name conf label; do
    for s in $SEEDS; do
        # (an if, not &&: a remedy without runs must not end the script under set -e)
        if [ -f "$OUT/$name/seed$s/metrics.csv" ]; then
            run_line "$name" "$OUT/$name/seed$s" >> "$RUNS"
        fi
    done
done

# The table: mean ± sample standard deviation over the seeds.
{
    echo "| remedy | final test accuracy | final / lowest test loss | epoch of lowest test loss | epochs trained | seconds |"
    echo "|---|---|---|---|---|---|"
    echo "$ROWS" | while IFS='|' read -r name conf label; do
        awk -v name="$name" -v label="$label" '
            $1 == name { k++; a += $2 * 100; aa += ($2 * 100) ^ 2; r += $3; rr += $3 ^ 2; e += $4; ee += $4 ^ 2; n += $5; nn += $5 ^ 2; s += $6 }
            END {
                if (!k) exit
                acc = sprintf("%.2f ± %.2f %%", a / k, k > 1 ? sqrt((aa - a * a / k) / (k - 1)) : 0)
                rat = sprintf("%.2f ± %.2f", r / k, k > 1 ? sqrt((rr - r * r / k) / (k - 1)) : 0)
                ep = sprintf("%.1f ± %.1f", e / k, k > 1 ? sqrt((ee - e * e / k) / (k - 1)) : 0)
                tr = sprintf("%.1f", n / k)
                printf "| %s | %s | %s | %s | %s | %.1f |\n", label, acc, rat, ep, tr, s / k
            }' "$RUNS"
    done
} > "$OUT/TABLE.md"

# The chart's data: per remedy one block of "epoch mean_test_loss seeds", blocks in ROWS order,
# up to the last epoch every seed reached (an early-stopped remedy's line ends where its first
# seed stopped, rather than averaging ever fewer runs).
CURVES="$OUT/curves.dat"
: > "$CURVES"
TITLES=""
echo "$ROWS" | while IFS='|' read -r name conf label; do
    # the one pathname expansion of this script (set -f is for SEEDS' words): its seed folders
    set +f
    files=$(ls "$OUT/$name"/seed*/metrics.csv 2>/dev/null) || { set -f; continue; }
    set -f
    [ -n "$files" ] || continue
    echo "# $name: $label" >> "$CURVES"
    awk -F, 'FNR == 1 { runs++; next } { s[$1] += $6; k[$1]++; if ($1 > max) max = $1 }
             END { for (e = 1; e <= max && k[e] == runs; e++) printf "%d %.9g %d\n", e, s[e] / k[e], k[e] }' \
        $files >> "$CURVES"
    printf '\n\n' >> "$CURVES"
    echo "$label" >> "$OUT/titles.txt.tmp"
done
mv "$OUT/titles.txt.tmp" "$OUT/titles.txt"

# gnuplot reads only names we made, in a private folder (plots/plot.h says why): the data as
# in.dat, the labels as single-quoted literals (a quote doubled) of an array in vars.gp.
PLOTS=$(cd "${MNISTLAB_PLOTS:-plots}" && pwd)
n_seeds=$(echo "$SEEDS" | wc -w)
private=$(mktemp -d "${TMPDIR:-/tmp}/mnistlab-plot-XXXXXX")
cp "$CURVES" "$private/in.dat"
{
    echo "in = 'in.dat'"
    echo "seeds = $n_seeds"
    echo "out = 'out.png'"
    echo "array titles[$(wc -l < "$OUT/titles.txt")]"
    i=0
    tr -d '\000-\010\013-\037' < "$OUT/titles.txt" | while IFS= read -r t; do
        i=$((i + 1))
        printf "titles[%d] = '%s'\n" "$i" "$(printf '%s' "$t" | sed "s/'/''/g")"
    done
} > "$private/vars.gp"
(cd "$private" && gnuplot vars.gp "$PLOTS/remedies.gp")
# and the same chart as SVG for the results page (gnuplot's svg terminal, mouse, standalone; the
# labels are this script's own, none holds a '>', so the SVG is well-formed as gnuplot writes it)
printf "svg = 1\nout = 'out.svg'\n" > "$private/svg.gp"
(cd "$private" && gnuplot vars.gp svg.gp "$PLOTS/remedies.gp")
mv "$private/out.png" "$OUT/remedies.png.tmp"
mv "$private/out.svg" "$OUT/remedies.svg.tmp"
rm -rf "$private"
mv "$OUT/remedies.png.tmp" "$OUT/remedies.png"
mv "$OUT/remedies.svg.tmp" "$OUT/remedies.svg"
cat "$OUT/TABLE.md"
echo "wrote $OUT/TABLE.md and $OUT/remedies.png"
