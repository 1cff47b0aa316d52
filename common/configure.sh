#!/bin/sh
# Writes the library flags the build links with, as make assignments on standard output, from
# pkg-config. The Makefile runs it only after `make deps` has installed the packages (pkg-config
# cannot answer before), and includes its output. A module pkg-config cannot find stops the build
# with one line naming the Debian package that brings it.
# Usage: configure.sh MODULE...   (pkg-config names; cunit and libxml-2.0 are always checked, for
# the tests: libxml2 parses the results page the tests make)
set -u

# deb_of MODULE: the Debian package that ships MODULE's .pc file.
deb_of() {
    case "$1" in
        gsl) echo libgsl-dev ;;
        zlib) echo zlib1g-dev ;;
        inih) echo libinih-dev ;;
        libpng) echo libpng-dev ;;
        cunit) echo libcunit1-dev ;;
        libxml-2.0) echo libxml2-dev ;;
        xgboost) echo libxgboost-dev ;;
        *) echo "that provides $1.pc" ;;
    esac
}

if ! command -v pkg-config >/dev/null 2>&1; then
    echo "mnistlab: pkg-config is missing; install the Debian package pkg-config (make deps)" >&2
    exit 1
fi
for module in "$@" cunit libxml-2.0; do
    if ! pkg-config --exists "$module"; then
        echo "mnistlab: pkg-config finds no '$module'; install the Debian package $(deb_of "$module") (make deps)" >&2
        exit 1
    fi
done

# libsvm and liblinear ship no .pc file: a header and a library found by the compiler stand in for
# it, and their absence is named by the Debian package the same way.
CC=${CC:-cc}
nopc_lib() {   # nopc_lib HEADER FUNCTION LIB PACKAGE
    printf '#include <%s>\nint main(void) { return (int)(long)&%s; }\n' "$1" "$2" |
        "$CC" -x c - -l"$3" -o /dev/null 2>/dev/null && return 0
    echo "mnistlab: the compiler finds no $1 with -l$3; install the Debian package $4 (make deps)" >&2
    exit 1
}
nopc_lib libsvm/svm.h svm_train svm libsvm-dev
nopc_lib linear.h train linear liblinear-dev

libs="$(pkg-config --libs "$@") -lsvm -llinear"
echo "# made by common/configure.sh from pkg-config; remove it (or make clean) to make it again"
echo "PKG_CFLAGS := $(pkg-config --cflags "$@")"
echo "PKG_LIBS   := $libs"
echo "CUNIT_LIBS := $(pkg-config --libs cunit)"
echo "TEST_CFLAGS := $(pkg-config --cflags libxml-2.0)"
echo "TEST_LIBS  := $(pkg-config --libs libxml-2.0)"
