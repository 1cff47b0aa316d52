# experiments/lesson-lib.sh - what the lessons of experiments/adversarial/, diagnose/, lessons/ and
# overfitting/ share (sourced, not run): the seed check, one training run into a folder of the
# lesson, the mean and sample standard deviation of numbers, and a chart drawn by a plots/*.gp
# script in a private folder (plots/plot.h says why: gnuplot reads only names we made; every label is a single-quoted
# literal with its quotes doubled, control bytes removed).

M=${MNISTLAB:-bin/mnistlab}
SEEDS=${SEEDS:-1 2 3}
set -f          # no pathname expansion of SEEDS' words

# whole numbers, each once (a repeated seed would train one run and count it twice in the means)
lesson_check_seeds() {
    for s in $SEEDS; do
        case $s in
            ''|*[!0-9]*) printf 'lesson: SEEDS="%s": seeds are whole numbers, e.g. "1 2 3"\n' "$SEEDS" >&2
                         exit 2 ;;
        esac
    done
    dup=$(for s in $SEEDS; do echo "$s"; done | awk '{ if (seen[$1 + 0]++) { print $1 + 0; exit } }')
    [ -z "$dup" ] || { printf 'lesson: SEEDS="%s": seed %s is given twice\n' "$SEEDS" "$dup" >&2; exit 2; }
}

# lesson_train DIR CONF [--set ...]...: one run into DIR (--overwrite: the lesson's folders are its
# own), its console in DIR.log; says the seconds it took.
lesson_train() {
    _run=$1; shift
    mkdir -p "$_run"
    printf 'lesson: %-48s ... ' "$_run"
    "$M" train "$@" --out "$_run" --overwrite --no-live ${KERNELS:+--kernels "$KERNELS"} \
        > "$_run.log" 2>&1 || { echo "failed (see $_run.log)"; exit 1; }
    sed -n 's/^total_seconds = \(.*\)/done, \1 s/p' "$_run/summary.txt"
}

# A summary.txt value of a run folder.
lesson_value() {
    sed -n "s/^$2 = //p" "$1/summary.txt"
}

# stdin: numbers, one a line -> "mean sd n" (sd 0 for one number)
lesson_mean_sd() {
    awk '{ s += $1; ss += $1 * $1; n++ }
         END { if (!n) { print "nan nan 0"; exit }
               m = s / n; v = n > 1 ? (ss - s * s / n) / (n - 1) : 0
               printf "%.6g %.6g %d\n", m, (v > 0 ? sqrt(v) : 0), n }'
}

# lesson_draw SCRIPT DATA OUT_PNG TITLES_FILE [name=number]...: plots/SCRIPT.gp on DATA (as in.dat),
# the lines of TITLES_FILE as the array titles, each name=number as a gnuplot variable.
lesson_draw() {
    script=$1 data=$2 png=$3 titles=$4; shift 4
    plots=$(cd "${MNISTLAB_PLOTS:-plots}" && pwd)
    private=$(mktemp -d "${TMPDIR:-/tmp}/mnistlab-plot-XXXXXX")
    cp "$data" "$private/in.dat"
    {
        echo "in = 'in.dat'"
        echo "out = 'out.png'"
        echo "array titles[$(wc -l < "$titles")]"
        i=0
        tr -d '\000-\010\013-\037' < "$titles" | while IFS= read -r t; do
            i=$((i + 1))
            printf "titles[%d] = '%s'\n" "$i" "$(printf '%s' "$t" | sed "s/'/''/g")"
        done
        for kv in "$@"; do
            case ${kv#*=} in
                ''|*[!0-9.e+-]*) echo "lesson: $kv is not a number" >&2; rm -rf "$private"; exit 1 ;;
            esac
            echo "${kv%%=*} = ${kv#*=}"
        done
    } > "$private/vars.gp"
    (cd "$private" && gnuplot vars.gp "$plots/$script.gp") || { rm -rf "$private"; exit 1; }
    mv "$private/out.png" "$png.tmp"
    rm -rf "$private"
    mv "$png.tmp" "$png"
}
