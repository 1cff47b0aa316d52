#!/bin/sh
# experiments/lessons/families.sh - the lessons of docs/guide.md "What each family assumes": every
# family of the suite on one subset of MNIST, with quick settings, over seeds.
#   LESSON=permuted   make lesson-permuted: each family trained on pixels and on one fixed random
#                     permutation of the 784 pixels (data.permute_pixels; train and test alike)
#   LESSON=shift      make lesson-shift: the pixel runs tested on test digits shifted 0-4 pixels and
#                     rotated 0-30 degrees (mnistlab robustness), beside the networks trained with
#                     random shifts and rotations (data.augment) as the remedy
#   LESSON=noise      make lesson-noise: the pixel runs tested with Gaussian pixel noise and square
#                     occlusions (mnistlab robustness)
#   LESSON=data-size  make lesson-data-size: each family trained on 100 ... 60,000 images (the slow
#                     fits only up to 10,000, FULL_FAMILIES says which go further), fit seconds beside
# The runs are shared: results/lesson-runs/CONDITION/FAMILY/seedS/ (n10000: the pixel runs every
# lesson but data-size starts from), kept when finished, so the second lesson trains only what it
# adds. Each lesson writes its table and charts under results/lesson-NAME/ (only there).
#   MNISTLAB=bin/mnistlab SEEDS="1 2 3" LESSON=permuted sh experiments/lessons/families.sh
set -e
set -f          # no pathname expansion of SEEDS' words
M=${MNISTLAB:-bin/mnistlab}
SEEDS=${SEEDS:-1 2 3}
LESSON=${LESSON:?LESSON=permuted, shift, noise or data-size}
. "$(dirname "$0")/../lesson-lib.sh"     # M, SEEDS, lesson_check_seeds
lesson_check_seeds
RUNS=${RUNS:-results/lesson-runs}
TEST=${TEST:-2000}         # test images of every run (a random 2000 of the 10,000, drawn per seed)
N=${N:-10000}              # training images of the lessons but data-size

# family|experiment file|quick settings (;-separated --set values). The quick settings keep every
# fit of 10,000 images within seconds; the guide's table states them.
FAMILIES="softmax|experiments/softmax.conf|data.validation=none;train.epochs=10
mlp|experiments/mlp.conf|train.epochs=5
cnn|experiments/cnn.conf|train.epochs=3
knn|experiments/knn.conf|
svm|experiments/svm.conf|
linear|experiments/linear.conf|
boosted-trees|experiments/boosted-trees-quick.conf|model.rounds=20
decision-tree|experiments/decision-tree.conf|
random-forest|experiments/random-forest.conf|model.trees=30"
NETWORKS="softmax mlp cnn"
# the remedy: random shifts and turns as large as the test's, for twice the epochs (more varied
# images take longer to learn)
AUGMENT="shift 4, rotate 30"
augmented_epochs() { case $1 in softmax) echo 20 ;; mlp) echo 10 ;; cnn) echo 6 ;; esac; }
SIZES=${SIZES:-100 300 1000 3000 10000 60000}
# the families fitted on 60,000 images too (the others only up to 10,000: an SVM, liblinear and
# XGBoost take minutes on the full set)
FULL_FAMILIES=${FULL_FAMILIES:-softmax mlp cnn knn decision-tree random-forest}

# train FAMILY CONDITION SEED TRAIN_IMAGES [EXTRA_SETS [FOLDER]]: one run (EXTRA_SETS: ;-separated
# settings after the quick ones) into
# RUNS/CONDITION/FOLDER/seedS/ (FOLDER: the family's name), unless it is there and finished
train() {
    line=$(echo "$FAMILIES" | grep "^$1|")
    conf=$(echo "$line" | cut -d'|' -f2)
    quick=$(echo "$line" | cut -d'|' -f3)
    dir="$RUNS/$2/${6:-$1}/seed$3"
    if [ -f "$dir/finished.txt" ]; then
        return 0
    fi
    mkdir -p "$dir"
    extra=${5:-}
    set -- train "$conf" --set train.seed="$3" --set data.subset="$4 $TEST" --out "$dir" \
        --overwrite --no-live
    old_ifs=$IFS; IFS=';'
    for q in $quick $extra; do set -- "$@" --set "$q"; done     # later settings win
    IFS=$old_ifs
    printf 'lesson: %-40s ... ' "$dir"
    "$M" "$@" > "$dir.log" 2>&1 || { echo "failed (see $dir.log)"; exit 1; }
    sed -n 's/^total_seconds = //p' "$dir/summary.txt" | sed 's/.*/done, & s/'
}

families() { echo "$FAMILIES" | cut -d'|' -f1; }

# stat DIR...: "mean sd n" of final_test_acc (and of total_seconds, columns 4-5) over the runs
stat() {
    for d in "$@"; do
        [ -f "$d/summary.txt" ] || continue
        a=$(sed -n 's/^final_test_acc = //p' "$d/summary.txt")
        t=$(sed -n 's/^total_seconds = //p' "$d/summary.txt")
        echo "$a $t"
    done | awk '{ k++; a += $1; aa += $1 * $1; t += $2; tt += $2 * $2 }
        END { if (!k) { print "NaN NaN 0 NaN NaN"; exit }
              sa = k > 1 ? sqrt((aa - a * a / k) / (k - 1)) : 0
              st = k > 1 ? sqrt((tt - t * t / k) / (k - 1)) : 0
              if (sa != sa) sa = 0; if (st != st) st = 0
              printf "%.6f %.6f %d %.3f %.3f\n", a / k, sa, k, t / k, st }'
}

seed_dirs() {   # seed_dirs CONDITION FAMILY
    for s in $SEEDS; do echo "$RUNS/$1/$2/seed$s"; done
}

# chart DAT PNG TITLE XLABEL SERIES LOGX SECONDS XMIN XMAX NAMES_FILE: plots/family_lines.gp in a
# private folder (plots/plot.h says why), every text a single-quoted literal with quotes doubled
chart() {
    PLOTS=$(cd "${MNISTLAB_PLOTS:-plots}" && pwd)
    private=$(mktemp -d "${TMPDIR:-/tmp}/mnistlab-plot-XXXXXX")
    cp "$1" "$private/in.dat"
    q() { printf "'%s'" "$(printf '%s' "$1" | tr -d '\000-\037' | sed "s/'/''/g")"; }
    n_seeds=$(echo "$SEEDS" | wc -w)
    {
        echo "in = 'in.dat'"; echo "out = 'out.png'"
        echo "title = $(q "$3")"; echo "xlabel = $(q "$4")"
        echo "ylabel = 'test accuracy'"
        echo "keytitle = $(q "test accuracy (red), mean of $n_seeds seeds with ± std band: shade and marker name the family")"
        echo "series = $5"; echo "logx = $6"; echo "seconds = $7"; echo "xmin = $8"; echo "xmax = $9"
        echo "xtics_from_labels = 1"
        echo "array names[$5]"
        i=0
        while IFS= read -r t; do
            i=$((i + 1))
            echo "names[$i] = $(q "$t")"
        done < "${10}"
    } > "$private/vars.gp"
    (cd "$private" && gnuplot vars.gp "$PLOTS/family_lines.gp")
    mv "$private/out.png" "$2.tmp"
    rm -rf "$private"
    mv "$2.tmp" "$2"
}

pct() { awk -v m="$1" -v s="$2" 'BEGIN { if (m != m + 0 || m == "NaN") print "not run"; else printf "%.2f ± %.2f %%", 100 * m, 100 * s }'; }

n_seeds=$(echo "$SEEDS" | wc -w)
case $LESSON in
permuted)
    OUT=${OUT:-results/lesson-permuted}
    for f in $(families); do
        for s in $SEEDS; do
            train "$f" "n$N" "$s" "$N"
            train "$f" "permuted$N" "$s" "$N" data.permute_pixels=1
        done
    done
    mkdir -p "$OUT"
    : > "$OUT/table.tsv"; : > "$OUT/chart.dat"; : > "$OUT/names.txt"
    for f in $(families); do
        set -- $(stat $(seed_dirs "n$N" "$f")); pm=$1 ps=$2
        set -- $(stat $(seed_dirs "permuted$N" "$f")); qm=$1 qs=$2
        printf '%s\t%s\t%s\t%s\t%s\n' "$f" "$pm" "$ps" "$qm" "$qs" >> "$OUT/table.tsv"
        printf '0 %s %s %d pixels\n1 %s %s %d permuted\n\n\n' "$pm" "$ps" "$n_seeds" "$qm" "$qs" "$n_seeds" >> "$OUT/chart.dat"
        echo "$f" >> "$OUT/names.txt"
    done
    {
        echo "# Pixels against permuted pixels, every family"
        echo
        echo "MNIST, $N training images and $TEST test images (a random subset drawn by each seed), $n_seeds seeds ($SEEDS): mean ± sample standard deviation of the final test accuracy. \"permuted\": one fixed random permutation of the 784 pixels (data.permute_pixels = 1, drawn from the run's seed) applied to every training and test image. Quick settings: softmax 10 epochs, mlp 5, cnn 3, boosted-trees 20 rounds, random-forest 30 trees; the rest as their experiment files. Made by \`make lesson-permuted\`."
        echo
        echo "| family | pixels | permuted pixels | change (points) |"
        echo "|---|---:|---:|---:|"
        awk -F'\t' '{ printf "| %s | %.2f ± %.2f %% | %.2f ± %.2f %% | %+.2f |\n", $1, 100 * $2, 100 * $3, 100 * $4, 100 * $5, 100 * ($4 - $2) }' "$OUT/table.tsv"
        echo
        echo "![test accuracy on pixels and on permuted pixels](./permuted.png)"
    } > "$OUT/TABLE.md"
    chart "$OUT/chart.dat" "$OUT/permuted.png" \
        "Pixels against one fixed permutation of them (MNIST, $N training / $TEST test images)" \
        "the same images, their pixels in place (left) or permuted (right)" \
        "$(families | wc -l)" 0 0 0 1 "$OUT/names.txt"
    rm -f "$OUT/names.txt"
    cat "$OUT/TABLE.md"; echo "wrote $OUT/TABLE.md and $OUT/permuted.png" ;;
shift|noise)
    OUT=${OUT:-results/lesson-$LESSON}
    for f in $(families); do
        for s in $SEEDS; do train "$f" "n$N" "$s" "$N"; done
    done
    set --
    for f in $(families); do for d in $(seed_dirs "n$N" "$f"); do set -- "$@" "$d"; done; done
    if [ "$LESSON" = shift ]; then
        # the group is the folder above seedN: "cnn, augmented"
        for f in $NETWORKS; do
            for s in $SEEDS; do
                train "$f" "augmented$N" "$s" "$N" "data.augment=$AUGMENT;train.epochs=$(augmented_epochs "$f")" \
                    "$f, augmented"
                set -- "$@" "$RUNS/augmented$N/$f, augmented/seed$s"
            done
        done
        "$M" robustness "$@" --shift 0,1,2,3,4 --rotate 0,10,20,30 --out "$OUT"
    else
        "$M" robustness "$@" --noise 0,0.1,0.2,0.3,0.5,0.7 --occlude 0,4,8,12,16 --out "$OUT"
    fi ;;
data-size)
    OUT=${OUT:-results/lesson-data-size}
    for n in $SIZES; do
        for f in $(families); do
            if [ "$n" -gt 10000 ] && ! echo " $FULL_FAMILIES " | grep -q " $f "; then continue; fi
            for s in $SEEDS; do train "$f" "n$n" "$s" "$n"; done
        done
    done
    mkdir -p "$OUT"
    : > "$OUT/table.tsv"; : > "$OUT/chart.dat"; : > "$OUT/names.txt"
    for f in $(families); do
        for n in $SIZES; do
            set -- $(stat $(seed_dirs "n$n" "$f"))
            [ "$3" -gt 0 ] || continue
            printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$f" "$n" "$1" "$2" "$4" "$5" >> "$OUT/table.tsv"
            printf '%s %s %s %s %s %s %s\n' "$n" "$1" "$2" "$3" "$n" "$4" "$5" >> "$OUT/chart.dat"
        done
        printf '\n\n' >> "$OUT/chart.dat"
        echo "$f" >> "$OUT/names.txt"
    done
    {
        echo "# Accuracy against the training-set size, every family"
        echo
        echo "MNIST, N training images (a random N of the 60,000, drawn by each seed) and $TEST test images, $n_seeds seeds ($SEEDS): mean ± sample standard deviation of the final test accuracy, and below it the seconds each run took (training with its evaluations: a fitted family's fit and test predictions). svm, linear and boosted-trees stop at 10,000 images (their fits take minutes on 60,000); the others go to 60,000. Quick settings: softmax 10 epochs, mlp 5, cnn 3, boosted-trees 20 rounds, random-forest 30 trees; the rest as their experiment files. Made by \`make lesson-data-size\`."
        echo
        printf '| family |'; for n in $SIZES; do printf ' %s |' "$n"; done; echo
        printf '|---|'; for n in $SIZES; do printf -- '---:|'; done; echo
        for f in $(families); do
            printf '| %s |' "$f"
            for n in $SIZES; do
                awk -F'\t' -v f="$f" -v n="$n" '$1 == f && $2 == n { printf " %.2f ± %.2f %% |", 100 * $3, 100 * $4; found = 1 }
                    END { if (!found) printf " not run |" }' "$OUT/table.tsv"
            done
            echo
        done
        echo
        echo "Seconds per run (mean over the seeds; a shared 2-core machine, so read them as ratios):"
        echo
        printf '| family |'; for n in $SIZES; do printf ' %s |' "$n"; done; echo
        printf '|---|'; for n in $SIZES; do printf -- '---:|'; done; echo
        for f in $(families); do
            printf '| %s |' "$f"
            for n in $SIZES; do
                awk -F'\t' -v f="$f" -v n="$n" '$1 == f && $2 == n { printf " %.1f |", $5; found = 1 }
                    END { if (!found) printf " not run |" }' "$OUT/table.tsv"
            done
            echo
        done
        echo
        echo "![test accuracy and seconds against the training-set size](./data-size.png)"
    } > "$OUT/TABLE.md"
    chart "$OUT/chart.dat" "$OUT/data-size.png" \
        "Test accuracy (left) and seconds (right) against the training-set size (MNIST, $TEST test images)" \
        "training images (log scale)" "$(families | wc -l)" 1 1 100 60000 "$OUT/names.txt"
    rm -f "$OUT/names.txt"
    cat "$OUT/TABLE.md"; echo "wrote $OUT/TABLE.md and $OUT/data-size.png" ;;
*)
    echo "lesson: LESSON=$LESSON: permuted, shift, noise or data-size" >&2; exit 2 ;;
esac
