#!/bin/sh
# bench/families.sh: the fitted families against scikit-learn on the same data and threads, for
# `make bench-families` (and `make bench`): knn's prediction against KNeighborsClassifier (brute
# force), forest's fit against RandomForestClassifier, interleaved mnistlab, scikit-learn,
# mnistlab, scikit-learn, ... (REPS rounds), medians into results/bench/BENCH-families.md.
# Usage: bench/families.sh [--threads T] [--reps R] [--families "knn forest"]
set -u
cd "$(dirname "$0")/.." || exit 1
THREADS=$(nproc); REPS=3; FAMILIES="knn forest"
while [ $# -gt 0 ]; do
    case $1 in
        --threads) THREADS=$2; shift 2 ;;
        --reps) REPS=$2; shift 2 ;;
        --families) FAMILIES=$2; shift 2 ;;
        *) echo "usage: bench/families.sh [--threads T] [--reps R] [--families \"knn forest\"]" >&2; exit 2 ;;
    esac
done
PY=${PY:-/usr/bin/python3}
OUT=results/bench; mkdir -p "$OUT"
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
conf_of() { case $1 in knn) echo knn ;; forest) echo random-forest ;; svm) echo svm ;; esac; }
median() { sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
# mnistlab's cost line: "cost: fit 12 s (12.3 s), prediction 812.5 ms per 1,000 images, ..."
ours() {
    bin/mnistlab train "experiments/$(conf_of "$1").conf" --threads "$THREADS" --out "$TMP/$1" \
        --overwrite > "$TMP/log" 2>&1 || { cat "$TMP/log" >&2; exit 1; }
    fit=$(sed -n 's/^cost: fit .* (\([0-9.]*\) s), prediction.*/\1/p' "$TMP/log")
    pred=$(sed -n 's/^cost: .*prediction \([0-9.]*\) ms per 1,000.*/\1/p' "$TMP/log")
    acc=$(sed -n 's/^final_test_acc = //p' "$TMP/$1/summary.txt")
    echo "$fit $pred $acc"
}
theirs() {
    "$PY" bench/families.py "$1" --threads "$THREADS" > "$TMP/py" || exit 1
    echo "$(sed -n 's/^fit_s=//p' "$TMP/py") $(sed -n 's/^predict_ms_per_1000=//p' "$TMP/py") $(sed -n 's/^test_acc=//p' "$TMP/py")"
}
{
    echo "# The fitted families against scikit-learn ($THREADS threads, medians of $REPS interleaved runs)"
    echo
    echo "scikit-learn $("$PY" -c 'import sklearn; print(sklearn.__version__)'), $(date -u +%Y-%m-%d), $(nproc) cores."
    echo
    echo "| family | mnistlab fit s | scikit-learn fit s | fit ratio | mnistlab predict ms/1000 | scikit-learn predict ms/1000 | predict ratio | test acc (mnistlab / scikit-learn) |"
    echo "|---|---:|---:|---:|---:|---:|---:|---|"
} > "$TMP/md"
for f in $FAMILIES; do
    : > "$TMP/a"; : > "$TMP/b"
    for r in $(seq "$REPS"); do
        ours "$f" >> "$TMP/a"; theirs "$f" >> "$TMP/b"
        echo "  $f round $r: mnistlab $(tail -1 "$TMP/a"), scikit-learn $(tail -1 "$TMP/b")" >&2
    done
    af=$(cut -d' ' -f1 "$TMP/a" | median); ap=$(cut -d' ' -f2 "$TMP/a" | median); aa=$(cut -d' ' -f3 "$TMP/a" | head -1)
    bf=$(cut -d' ' -f1 "$TMP/b" | median); bp=$(cut -d' ' -f2 "$TMP/b" | median); ba=$(cut -d' ' -f3 "$TMP/b" | head -1)
    awk -v f="$f" -v af="$af" -v bf="$bf" -v ap="$ap" -v bp="$bp" -v aa="$aa" -v ba="$ba" 'BEGIN {
        printf "| %s | %.2f | %.2f | %.2fx | %.0f | %.0f | %.2fx | %.2f%% / %.2f%% |\n", f, af, bf,
               (af > 0 ? bf / af : 0), ap, bp, (ap > 0 ? bp / ap : 0), 100 * aa, 100 * ba }' >> "$TMP/md"
done
echo >> "$TMP/md"
echo "A ratio above 1 means mnistlab is faster (scikit-learn's time / mnistlab's)." >> "$TMP/md"
mv "$TMP/md" "$OUT/BENCH-families.md"
cat "$OUT/BENCH-families.md"
