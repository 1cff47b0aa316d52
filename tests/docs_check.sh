#!/bin/sh
# make docs-check: the docs' commands, run as written.
#   docs/architecture.md — its worked example (a fourth model family) is applied step by step to a
#     scratch copy of the project, which is then built and run.
#   docs/guide.md and README.md — the shell blocks marked cheap are run in the project itself.
# A block is picked up when the line before its opening fence is one of:
#   <!-- docs-check: run -->                       run the block with sh -e
#   <!-- docs-check: create PATH -->               write the block to PATH
#   <!-- docs-check: insert PATH before "LINE" --> insert the block into PATH above LINE
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

# Turn the marked blocks of a markdown file into a shell script on stdout.
extract() {
    awk '
    function shq(s) { gsub(/\047/, "\047\\\047\047", s); return "\047" s "\047" }
    /^<!-- docs-check: / {
        action = $0
        sub(/^<!-- docs-check: /, "", action); sub(/ -->$/, "", action)
        pending = 1; next
    }
    pending && /^```/ { inblock = 1; pending = 0; n = 0; next }
    inblock && /^```$/ {
        inblock = 0
        split(action, a, " ")
        if (a[1] == "run") {
            print "echo \"docs-check: running block at " FILENAME " line " NR "\""
            for (i = 1; i <= n; i++) print body[i]
        } else if (a[1] == "create") {
            print "mkdir -p \"$(dirname " shq(a[2]) ")\""
            print "cat > " shq(a[2]) " <<\047DOCS_CHECK_EOF\047"
            for (i = 1; i <= n; i++) print body[i]
            print "DOCS_CHECK_EOF"
        } else if (a[1] == "insert") {
            marker = action; sub(/^[^"]*"/, "", marker); sub(/"$/, "", marker)
            print "cat > .docs-check-block <<\047DOCS_CHECK_EOF\047"
            for (i = 1; i <= n; i++) print body[i]
            print "DOCS_CHECK_EOF"
            print "grep -qxF " shq(marker) " " shq(a[2]) " || { echo \"docs-check: marker not found in " a[2] "\" >&2; exit 1; }"
            print "awk -v m=" shq(marker) " \047$0 == m { while ((getline l < \".docs-check-block\") > 0) print l } { print }\047 " shq(a[2]) " > .docs-check-tmp && mv .docs-check-tmp " shq(a[2]) " && rm -f .docs-check-block"
        }
        next
    }
    inblock { body[++n] = $0 }
    ' "$1"
}

# 1. The worked example, in a scratch copy (the real tree is never touched).
scratch=$(mktemp -d "${TMPDIR:-/tmp}/mnistlab-docs.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
git ls-files -co --exclude-standard | tar -cf - -T - | tar -xf - -C "$scratch"
[ -d data/mnist ] && ln -s "$top/data/mnist" "$scratch/data/mnist"
extract docs/architecture.md > "$scratch/.docs-check.sh"
echo "docs-check: docs/architecture.md in $scratch"
(cd "$scratch" && sh -e .docs-check.sh)

# 2. The cheap commands of the guide and the README, in the project.
for doc in docs/guide.md README.md; do
    [ -f "$doc" ] || continue
    extract "$doc" > "$scratch/.docs-run.sh"
    echo "docs-check: $doc"
    sh -e "$scratch/.docs-run.sh"
done
echo "docs-check: all marked blocks ran"

# 3. Every picture the docs show is made by docs/images.sh, and prints the command that makes it on
#    the line after it; no lesson writes into docs/img (a lesson writes under results/ only).
bad=0
for doc in docs/guide.md docs/results.md; do
    awk -v doc="$doc" '
        pending && NF { if ($0 !~ /^<sub>made by `/) { print doc ":" pending_line ": " pending " prints no command"; bad = 1 } pending = "" }
        /^!\[/ { n = split($0, parts, /\]\(img\//); for (i = 2; i <= n; i++) { sub(/\).*/, "", parts[i]); print "IMG " parts[i] }
                  pending = $0; pending_line = NR }
        END { exit bad }' "$doc" > .docs-check-pics || bad=1
    grep -v '^IMG ' .docs-check-pics >&2 || true
    for pic in $(sed -n 's/^IMG //p' .docs-check-pics); do
        grep -q "^pic $pic " docs/images.sh ||
            { echo "docs-check: $doc shows img/$pic, which docs/images.sh does not make" >&2; bad=1; }
    done
done
rm -f .docs-check-pics
if grep -n 'docs/img' experiments/overfitting/lesson.sh experiments/*.c docs/runs.sh docs/runs/*.sh | grep -v ':#'; then
    echo "docs-check: a lesson or run writes into docs/img (lessons write under results/ only)" >&2
    bad=1
fi
[ "$bad" -eq 0 ] || exit 1
echo "docs-check: every picture is made by docs/images.sh and names its command"
