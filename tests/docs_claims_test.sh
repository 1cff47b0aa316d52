#!/bin/sh
# tests/docs_claims_test.sh — the claim checker must be able to fail: in a copy of the docs, one
# true number is changed (the guide's lowest test loss of cnn-4v9, results.md's final test
# accuracy of cnn, the baseline's accuracy in the guide's lesson-overfitting table) and
# tests/docs_claims.sh must reject each copy, naming the claim; the untouched copy must pass.
set -eu
cd "$(dirname "$0")/.."
scratch=$(mktemp -d "${TMPDIR:-/tmp}/mnistlab-claims.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/docs"

# plant FILE PERL-SUBSTITUTION WHAT: the checker fails on the copy with FILE so changed
plant() {
    cp docs/*.md "$scratch/docs/"
    perl -0777 -pi -e "$2" "$scratch/$1"
    if cmp -s "$1" "$scratch/$1"; then
        echo "docs-claims-test: the planted change ($3) matched nothing in $1" >&2
        exit 1
    fi
    if DOCS=$scratch sh tests/docs_claims.sh > "$scratch/out" 2>&1; then
        echo "docs-claims-test: a false claim passed: $3" >&2
        exit 1
    fi
    grep -q "says" "$scratch/out" || { cat "$scratch/out" >&2; exit 1; }
    echo "docs-claims-test: planted false claim rejected: $3"
    grep "says" "$scratch/out" | head -n 1
}

cp docs/*.md "$scratch/docs/"
DOCS=$scratch sh tests/docs_claims.sh > "$scratch/out" 2>&1 ||
    { cat "$scratch/out" >&2; echo "docs-claims-test: the untouched copy fails" >&2; exit 1; }
plant docs/guide.md 's/the lowest test loss is ([0-9.]+)/"the lowest test loss is " . ($1 + 0.01)/e' \
    "the guide's lowest test loss of cnn-4v9, 0.01 higher"
plant docs/results.md 's/(\| cnn \| cnn \|(?:[^|\n]*\|){4}) ([0-9.]+)%/"$1 " . sprintf("%.2f", $2 + 0.3) . "%"/e' \
    "results.md's final test accuracy of cnn, 0.3 points higher"
plant docs/guide.md 's/(\| baseline \(cnn-4v9\) \| )([0-9.]+)/$1 . sprintf("%.2f", $2 + 0.3)/e' \
    "the guide's lesson-overfitting table: the baseline's accuracy, 0.3 points higher"
