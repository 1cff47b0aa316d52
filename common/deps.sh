#!/bin/sh
# Checks the Debian packages mnistlab needs (given as arguments) and the npm command.
# Silent when all are present. As root, installs what is missing with apt-get; otherwise prints the
# exact command to run and fails.
missing=""
for pkg in "$@"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)
    case "$status" in
        *"install ok installed"*) ;;
        *) missing="$missing $pkg" ;;
    esac
done
# npm may come from Debian's npm package or from a nodejs build that bundles it.
command -v npm >/dev/null 2>&1 || missing="$missing npm"

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    echo "mnistlab: installing missing packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || { echo "mnistlab: apt-get update failed" >&2; exit 1; }
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
        { echo "mnistlab: apt-get install$missing failed" >&2; exit 1; }
    exit 0
fi
echo "mnistlab: missing system packages:$missing" >&2
echo "run:  sudo apt-get install$missing" >&2
exit 1
