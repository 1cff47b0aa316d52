#!/bin/sh
# tests/docs_claims.sh — every number docs/guide.md and docs/results.md state about a run, checked
# against the runs docs/runs.sh made (results/docs/, or RUNS=DIR). A claim is the sentence as the
# doc prints it, with @ where the number stands; it must be found in the doc, and the number there
# must match the run's within the stated tolerance (half a unit of the last digit printed, unless
# said otherwise). Fails, naming the doc, the claim, the number written and the number measured, on
# the first false or missing claim. DOCS=DIR checks the docs of another tree (the test of this
# checker plants a false claim in a copy).
#   sh tests/docs_claims.sh              (make docs-check runs it after docs/runs.sh)
# What is not checked here: seconds and images per second (timings of a shared machine; results.md
# says on which machine and when) and the bench tables (make bench).
set -eu
cd "$(dirname "$0")/.."
RUNS=${RUNS:-results/docs}
DOCS=${DOCS:-.}
failures=0 checked=0

[ -d "$RUNS" ] || { echo "docs-check: no $RUNS: run make docs-results first" >&2; exit 1; }

# claim DOC 'text with @' MEASURED [TOLERANCE]: the number at @ in DOC equals MEASURED within
# TOLERANCE (default: half a unit of the last decimal the doc prints)
claim() {
    doc=$1 text=$2 measured=$3 tol=${4:-}
    written=$(DOCS_TEXT=$text perl -0777 -ne '
        my $t = $ENV{DOCS_TEXT}; my ($a, $b) = split /\@/, $t, 2;
        my $re = quotemeta($a) . "(-?[0-9][0-9,]*(?:\\.[0-9]+)?(?:e[-+]?[0-9]+)?)" . quotemeta($b);
        $re =~ s/\\\s+/\\s+/g;                 # a line break in the doc counts as a blank
        $re =~ s/\\~/[^|\\n]*?/g;               # ~: any text within one table cell or line
        if (/$re/) { my $n = $1; $n =~ s/,//g; print $n }' "$DOCS/$doc")
    checked=$((checked + 1))
    if [ -z "$written" ]; then
        echo "docs-check: $doc: claim not found: \"$text\" (measured: $measured)" >&2
        failures=$((failures + 1))
        return 0
    fi
    if [ -z "$tol" ]; then
        tol=$(echo "$written" | awk '{ d = index($0, ".") ? length($0) - index($0, ".") : 0;
                                       split($0, e, "e"); if (e[2] != "") { printf "%g", 0.5 * 10 ^ (e[2] - (index(e[1], ".") ? length(e[1]) - index(e[1], ".") : 0)); exit }
                                       printf "%.10g", 0.5 * 10 ^ -d }')
    fi
    if ! awk -v w="$written" -v m="$measured" -v t="$tol" 'BEGIN { d = w - m; if (d < 0) d = -d; exit !(d <= t * 1.000001 + 1e-12) }'; then
        echo "docs-check: $doc: \"$text\" says $written, the run measured $measured (tolerance $tol)" >&2
        failures=$((failures + 1))
    fi
}

# key RUN KEY: a value of RUN's summary.txt
key() { sed -n "s/^$2 = //p" "$RUNS/$1/summary.txt" | head -n 1; }
pct() { awk -v x="$1" 'BEGIN { printf "%.6f", 100 * x }'; }
# rise RUN: how far the end mean is above the lowest held-out loss, in percent
rise() { awk -v x="$(key "$1" end_over_best_loss)" 'BEGIN { printf "%.6f", 100 * (x - 1) }'; }
# over_seeds DIR KEY mean|sd|min|max [SCALE] [SEEDS]: a summary value over DIR/seedN/ for every N
# (or the N listed in SEEDS), with the sample standard deviation
over_seeds() {
    for f in "$RUNS/$1"/seed*/summary.txt; do
        n=${f%/summary.txt}; n=${n##*/seed}
        if [ -n "${5:-}" ] && ! echo " $5 " | grep -q " $n "; then continue; fi
        [ -f "$f" ] && sed -n "s/^$2 = //p" "$f"
    done | awk -v what="$3" -v s="${4:-1}" '
        { v = $1 * s; n++; sum += v; sq += v * v; if (n == 1 || v < lo) lo = v; if (n == 1 || v > hi) hi = v }
        END { if (!n) exit 1; m = sum / n
              if (what == "mean") printf "%.6f", m
              if (what == "sd") printf "%.6f", (n > 1 ? sqrt((sq - n * m * m) / (n - 1)) : 0)
              if (what == "min") printf "%.6f", lo
              if (what == "max") printf "%.6f", hi }'
}
# sweep_cell SWEEP VALUE COLUMN mean|sd: a cell of the per-value table of SWEEP/SWEEP.md ("93.60 ±
# 0.00%": mean 93.60, sd 0.00), COLUMN counted from 1 at the value
sweep_cell() {
    awk -F'|' -v v="$2" -v c="$3" -v what="$4" '
        /^## Every run/ { exit }
        { x = $2; gsub(/ /, "", x) }
        x == v { cell = $(c + 1); gsub(/[%]/, "", cell); split(cell, p, "±"); n = what == "sd" ? p[2] : p[1]
                 gsub(/ /, "", n); print n; exit }' "$RUNS/$1/SWEEP.md"
}
# table_cell FILE ROW COLUMN mean|sd: a cell of a Markdown table under $RUNS (a lesson's TABLE.md),
# the row whose first cell is ROW, COLUMN counted from 1 at that first cell ("99.04 ± 0.36 %": mean
# 99.04, sd 0.36; a cell without ± is its mean)
table_cell() {
    awk -F'|' -v row="$2" -v c="$3" -v what="$4" '
        { x = $2; gsub(/^ +| +$/, "", x) }
        x == row { cell = $(c + 1); gsub(/[%]/, "", cell); n = split(cell, p, "±")
                   v = what == "sd" ? p[2] : p[1]; gsub(/ /, "", v); print v; exit }' "$RUNS/$1"
}
# logged RUN 'sed expression': a number from RUN.log
logged() { sed -n "$2" "$RUNS/$1.log" | head -n 1; }

# The claims: every tests/docs_claims*.list, in name order (or only the file CLAIMS names). Each
# helper adds its own file, tests/docs_claims-TOPIC.list, for the numbers its docs state about the
# runs of its group of docs/runs.sh (docs/runs/GROUP.sh): one line per number,
#   claim DOC 'the sentence as the doc prints it, @ for the number, ~ for any text' MEASURED [TOL]
# with the helpers above (key, pct, rise, over_seeds, sweep_cell, table_cell, logged) reading the
# runs under $RUNS. A claim whose runs are missing fails like a false one.
if [ -n "${CLAIMS:-}" ]; then
    . "$CLAIMS"
else
    for claims_file in tests/docs_claims*.list; do
        [ -f "$claims_file" ] || continue
        claims_before=$checked
        . "./$claims_file"
        echo "docs-check: $claims_file: $((checked - claims_before)) claims"
    done
fi

echo "docs-check: $checked claims about runs checked against $RUNS, $failures false or missing"
[ "$failures" -eq 0 ]
