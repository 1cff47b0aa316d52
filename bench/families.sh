#!/bin/sh
# bench/families.sh: the fitted families against the other implementations on the same data and
# threads, for `make bench-families` (and `make bench`), interleaved mnistlab, other, other,
# mnistlab, ... (REPS rounds, the order turned each round), medians into
# results/bench/BENCH-families.md:
#   knn     prediction against scikit-learn's KNeighborsClassifier (brute force), all 60,000 images
#   forest  fit against scikit-learn's RandomForestClassifier (100 trees), all 60,000 images
#   svm     fit against Debian's python3-libsvm (svmutil): the same libsvm, the same parameters
#   boosted fit against Debian's python3-xgboost: the same XGBoost, the same parameters, ROUNDS rounds
# svm and boosted fit the first TRAIN training images (default 10,000; --train 60000 for all), which
# both sides read from one folder of IDX files (MNIST_DIR), and predict all 10,000 test images.
# MNISTLAB=PATH times another build of mnistlab (default bin/mnistlab).
# Usage: bench/families.sh [--threads T] [--reps R] [--families "knn forest svm boosted"]
#                          [--train N] [--rounds R]
set -u
cd "$(dirname "$0")/.." || exit 1
THREADS=$(nproc); REPS=5; FAMILIES="knn forest svm boosted"; TRAIN=10000; ROUNDS=50
while [ $# -gt 0 ]; do
    case $1 in
        --threads) THREADS=$2; shift 2 ;;
        --reps) REPS=$2; shift 2 ;;
        --families) FAMILIES=$2; shift 2 ;;
        --train) TRAIN=$2; shift 2 ;;
        --rounds) ROUNDS=$2; shift 2 ;;
        *) echo "usage: bench/families.sh [--threads T] [--reps R] [--families \"knn forest svm boosted\"] [--train N] [--rounds R]" >&2; exit 2 ;;
    esac
done
PY=${PY:-/usr/bin/python3}
M=${MNISTLAB:-bin/mnistlab}
OUT=results/bench; mkdir -p "$OUT"
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
MNIST=${MNIST_DIR:-data/mnist}
"$PY" bench/families.py subset --train "$TRAIN" --out "$TMP/subset" --mnist "$MNIST" || exit 1
conf_of() { case $1 in knn) echo knn ;; forest) echo random-forest ;; svm) echo svm ;; boosted) echo boosted-trees ;; esac; }
other_of() { case $1 in knn) echo knn ;; forest) echo forest ;; svm) echo libsvm ;; boosted) echo xgboost ;; esac; }
data_of() { case $1 in svm|boosted) echo "$TMP/subset" ;; *) echo "$MNIST" ;; esac; }
images_of() { case $1 in svm|boosted) echo "$TRAIN" ;; *) echo 60000 ;; esac; }
sets_of() { case $1 in boosted) echo "--set model.rounds=$ROUNDS" ;; esac; }
median() { sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
# mnistlab's cost line: "cost: fit 12 s (12.3 s), prediction 812.5 ms per 1,000 images, ..."
ours() {
    MNIST_DIR=$(data_of "$1") "$M" train "experiments/$(conf_of "$1").conf" --threads "$THREADS" \
        --out "$TMP/$1" --overwrite --no-live $(sets_of "$1") > "$TMP/log" 2>&1 \
        || { cat "$TMP/log" >&2; exit 1; }
    fit=$(sed -n 's/^cost: fit .* (\([0-9.]*\) s), prediction.*/\1/p' "$TMP/log")
    pred=$(sed -n 's/^cost: .*prediction \([0-9.]*\) ms per 1,000.*/\1/p' "$TMP/log")
    acc=$(sed -n 's/^final_test_acc = //p' "$TMP/$1/summary.txt")
    sed -n 's/^cost: .*, model \([0-9]*\) support vectors.*/\1/p' "$TMP/log" > "$TMP/our-sv"
    echo "$fit $pred $acc"
}
theirs() {
    "$PY" bench/families.py "$(other_of "$1")" --threads "$THREADS" --mnist "$(data_of "$1")" \
        --rounds "$ROUNDS" > "$TMP/py" || exit 1
    sed -n 's/^version=//p' "$TMP/py" > "$TMP/version-$1"
    sed -n 's/^support_vectors=//p' "$TMP/py" > "$TMP/their-sv"
    echo "$(sed -n 's/^fit_s=//p' "$TMP/py") $(sed -n 's/^predict_ms_per_1000=//p' "$TMP/py") $(sed -n 's/^test_acc=//p' "$TMP/py")"
}
{
    echo "# The fitted families against other implementations ($THREADS threads, medians of $REPS interleaved runs)"
    echo
    echo "$(date -u +%Y-%m-%d), $(nproc) cores. boosted: $ROUNDS rounds."
    echo
    echo "| family | training images | against | mnistlab fit s | their fit s | fit ratio | mnistlab predict ms/1000 | their predict ms/1000 | predict ratio | test acc (mnistlab / theirs) |"
    echo "|---|---:|---|---:|---:|---:|---:|---:|---:|---|"
} > "$TMP/md"
for f in $FAMILIES; do
    : > "$TMP/a"; : > "$TMP/b"
    for r in $(seq "$REPS"); do
        # A B, then B A: a machine that slows or speeds up through the runs favours neither side
        if [ $((r % 2)) = 1 ]; then ours "$f" >> "$TMP/a"; theirs "$f" >> "$TMP/b"
        else theirs "$f" >> "$TMP/b"; ours "$f" >> "$TMP/a"; fi
        echo "  $f round $r: mnistlab $(tail -1 "$TMP/a"), $(cat "$TMP/version-$f") $(tail -1 "$TMP/b")" >&2
    done
    af=$(cut -d' ' -f1 "$TMP/a" | median); ap=$(cut -d' ' -f2 "$TMP/a" | median); aa=$(cut -d' ' -f3 "$TMP/a" | head -1)
    bf=$(cut -d' ' -f1 "$TMP/b" | median); bp=$(cut -d' ' -f2 "$TMP/b" | median); ba=$(cut -d' ' -f3 "$TMP/b" | head -1)
    awk -v f="$f" -v n="$(images_of "$f")" -v who="$(cat "$TMP/version-$f")" -v af="$af" -v bf="$bf" \
        -v ap="$ap" -v bp="$bp" -v aa="$aa" -v ba="$ba" 'BEGIN {
        printf "| %s | %d | %s | %.2f | %.2f | %.2fx | %.0f | %.0f | %.2fx | %.2f%% / %.2f%% |\n", f, n, who,
               af, bf, (af > 0 ? bf / af : 0), ap, bp, (ap > 0 ? bp / ap : 0), 100 * aa, 100 * ba }' >> "$TMP/md"
done
echo >> "$TMP/md"
echo "A ratio above 1 means mnistlab is faster (their time / mnistlab's)." >> "$TMP/md"
case " $FAMILIES " in *" svm "*)
    echo >> "$TMP/md"
    if [ -s "$TMP/our-sv" ] && [ "$(cat "$TMP/our-sv")" = "$(cat "$TMP/their-sv")" ]; then
        echo "svm: both sides call the same libsvm with the same gamma (summed in the same order) and fit the same model ($(cat "$TMP/our-sv") support vectors on each side); the test accuracies differ only on images whose one-vs-one vote ties, which libsvm gives to the class it met first in the training data and mnistlab to the lowest digit."
    else
        echo "svm: **the two fits differ**: mnistlab kept $(cat "$TMP/our-sv") support vectors, svmutil $(cat "$TMP/their-sv")."
    fi >> "$TMP/md" ;;
esac
mv "$TMP/md" "$OUT/BENCH-families.md"
cat "$OUT/BENCH-families.md"
