# rstsnoop build.  `make` -> build/rstsnoop; `make STATIC=1` -> a static
# binary (for the kernel matrix); `make test`, `make bench`; V=1 shows commands.
# ARCH=arm64 (from an x86-64 host): cross-built with aarch64-linux-gnu-gcc
# against the arm64 libbpf/libelf/zlib of Debian multiarch, BPF objects
# against vmlinux/arm64/vmlinux.h, in build/arm64 (`make ARCH=arm64 STATIC=1`;
# scripts/setup.sh installs the cross tools).  ARCH=x86 is the other one.
# SANITIZE=1: the loader and its tests built with ASan and UBSan, in their
# own folder; `make test SANITIZE=1` runs the suite against them.
# MUTATE=name: one deliberate fault (#ifdef RST_MUTATE_<NAME> in the
# product) compiled in, in build/mutant-name; tests/mutation-smoke.sh
# (`make mutation-smoke`) checks that the fast tests catch each.
ifneq ($(MUTATE),)
MUTATE_FLAG := -DRST_MUTATE_$(shell echo '$(MUTATE)' | tr a-z A-Z)
OUT ?= build/mutant-$(MUTATE)
endif
ifeq ($(SANITIZE),1)
ifeq ($(STATIC),1)
$(error SANITIZE=1 and STATIC=1 exclude each other: ASan has no static runtime)
endif
OUT ?= build/sanitize
# clang: gcc's combined ASan+UBSan runtime ignores log_path for UBSan
# reports, which tests/run.sh collects from files.
CC := clang
SANITIZE_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
endif
# ARCH: the kernel's name of the target (x86, arm64), as in
# __TARGET_ARCH_$(ARCH) and the kernel tree; uname's names are taken too.
HOST_ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
ARCH ?= $(HOST_ARCH)
override ARCH := $(patsubst x86_64,x86,$(patsubst amd64,x86,$(patsubst aarch64,arm64,$(ARCH))))
ifeq ($(filter x86 arm64,$(ARCH)),)
$(error ARCH=$(ARCH) is not built: ARCH=x86 or ARCH=arm64)
endif
ifneq ($(ARCH),$(HOST_ARCH))
CROSS_COMPILE ?= $(if $(filter arm64,$(ARCH)),aarch64-linux-gnu-,x86_64-linux-gnu-)
MULTIARCH := $(patsubst %-,%,$(CROSS_COMPILE))
# make's built-in CC is cc, the host's compiler: a cross build must not use it
ifeq ($(origin CC),default)
CC := $(CROSS_COMPILE)gcc
endif
# the target's libbpf.pc, libelf.pc (Debian multiarch), not the host's
export PKG_CONFIG_LIBDIR := /usr/lib/$(MULTIARCH)/pkgconfig:/usr/share/pkgconfig
OUT ?= build/$(ARCH)
endif
OUT ?= build
CLANG ?= clang
CC ?= cc
BPFTOOL ?= bpftool

# The vmlinux.h files are committed, so the build needs no BTF on the build
# machine; CO-RE adapts them to the running kernel.
#   vmlinux/vmlinux.h        x86, from a 6.18 kernel's BTF; `make vmlinux`
#                            regenerates it from this machine's kernel
#   vmlinux/arm64/vmlinux.h  arm64, from Debian's 6.12 cloud-arm64 kernel;
#                            vmlinux/arm64/regenerate.sh (see there)
ifeq ($(ARCH),x86)
VMLINUX_DIR := vmlinux
else
VMLINUX_DIR := vmlinux/$(ARCH)
endif
VMLINUX_H := $(VMLINUX_DIR)/vmlinux.h

CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Wshadow -Wno-unused-parameter -Ibpf -I$(OUT) -MMD -MP
CFLAGS += $(SANITIZE_FLAGS) $(MUTATE_FLAG) -DRST_TARGET_ARCH=$(ARCH)
LDFLAGS += $(SANITIZE_FLAGS)
BPF_CFLAGS := -O2 -g -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -I$(VMLINUX_DIR) -Ibpf -MMD -MP $(MUTATE_FLAG)

ifeq ($(STATIC),1)
LDFLAGS += -static
LDLIBS := $(shell pkg-config --static --libs libbpf 2>/dev/null || echo -lbpf -lelf -lz)
else
LDLIBS := $(shell pkg-config --libs libbpf 2>/dev/null || echo -lbpf)
# zlib: user/kernel_config.c reads /proc/config.gz
LDLIBS += -lz
endif
# the --metrics-listen thread (user/metrics_http.c)
LDLIBS += -pthread

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# Each bpf/*.bpf.c is one compilation unit; `bpftool gen object` links them
# into one object (shared maps are __weak, so each exists once), and one
# skeleton serves the loader.
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUT)/%.bpf.o,$(wildcard bpf/*.bpf.c))
SKELS := $(OUT)/rstsnoop.skel.h $(OUT)/rstsnoop_nokfunc.skel.h
# The same object without the one kfunc extern (bpf_rdonly_cast, 6.2+):
# libbpf resolves every extern of an object, also those of programs that do
# not load, and where vmlinux lacks one it walks the modules' BTF, which
# needs CAP_SYS_ADMIN, so with the systemd unit's capabilities a kernel
# before 6.2 refused the whole load.  Its only users load on 6.10+; on
# older kernels the loader opens this twin (user/tracer.c).  Same programs,
# maps and globals, so one skeleton serves both.
NOKFUNC_BPF_OBJS := $(patsubst $(OUT)/send_reset_btf_reason.bpf.o,$(OUT)/nokfunc/send_reset_btf_reason.bpf.o,$(BPF_OBJS))
USER_SRCS := $(wildcard user/*.c)
USER_OBJS := $(patsubst user/%.c,$(OUT)/user/%.o,$(USER_SRCS))
LIB_OBJS := $(filter-out $(OUT)/user/main.o,$(USER_OBJS))

.DELETE_ON_ERROR:
.SECONDARY: $(BPF_OBJS) $(NOKFUNC_BPF_OBJS) $(OUT)/rstsnoop.linked.o $(OUT)/rstsnoop_nokfunc.linked.o $(SKELS)
.PHONY: all clean image test unit bpf-unit mutation-smoke vmlinux install uninstall FORCE sanitize-build

all: $(OUT)/rstsnoop

$(OUT) $(OUT)/user $(OUT)/tests $(OUT)/nokfunc:
	$(Q)mkdir -p $@

# The flags that shape the user-space objects and the binary.  Make only
# compares file times, so `make STATIC=1` after `make` would keep the
# dynamic binary: this file changes whenever the flags do, and everything
# they shape depends on it.
BUILD_FLAGS := $(CC) $(CFLAGS) | $(LDFLAGS) | $(LDLIBS)
$(OUT)/build-flags: FORCE | $(OUT)
	$(Q)echo '$(BUILD_FLAGS)' | cmp -s - $@ || echo '$(BUILD_FLAGS)' >$@

# The same for the BPF objects: ARCH=arm64 into an OUT that held x86
# objects must rebuild them (another -D__TARGET_ARCH, another vmlinux.h).
BPF_BUILD_FLAGS := $(CLANG) $(BPF_CFLAGS)
$(OUT)/bpf-flags: FORCE | $(OUT)
	$(Q)echo '$(BPF_BUILD_FLAGS)' | cmp -s - $@ || echo '$(BPF_BUILD_FLAGS)' >$@

$(OUT)/%.bpf.o: bpf/%.bpf.c $(VMLINUX_H) $(OUT)/bpf-flags | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	$(Q)llvm-strip -g $@ 2>/dev/null || true

# The drop-reason programs count with compare-and-swap (BPF atomics, 5.12+,
# which the BTF-typed set needs anyway): instruction set v3.
$(OUT)/drops_btf.bpf.o $(OUT)/drops_btf_rx_sk.bpf.o: BPF_CFLAGS += -mcpu=v3

$(OUT)/rstsnoop.linked.o: $(BPF_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(OUT)/rstsnoop.skel.h: $(OUT)/rstsnoop.linked.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name rstsnoop_bpf > $@

$(OUT)/nokfunc/send_reset_btf_reason.bpf.o: bpf/send_reset_btf_reason.bpf.c $(VMLINUX_H) $(OUT)/bpf-flags | $(OUT)/nokfunc
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -DRST_NO_KFUNC -c $< -o $@
	$(Q)llvm-strip -g $@ 2>/dev/null || true

$(OUT)/rstsnoop_nokfunc.linked.o: $(NOKFUNC_BPF_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

# Its skeleton but for the name and the object's bytes must be the other's:
# the loader opens the twin through rstsnoop.skel.h's view of it.
SKEL_VIEW = sed -e 's/rstsnoop_nokfunc_bpf/rstsnoop_bpf/g' -e 's/RSTSNOOP_NOKFUNC_BPF/RSTSNOOP_BPF/g' \
	-e '/elf_bytes(size_t \*sz)$$/,$$d'
$(OUT)/rstsnoop_nokfunc.skel.h: $(OUT)/rstsnoop_nokfunc.linked.o $(OUT)/rstsnoop.skel.h
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name rstsnoop_nokfunc_bpf > $@.tmp
	$(Q)$(SKEL_VIEW) $(OUT)/rstsnoop.skel.h >$@.want && $(SKEL_VIEW) $@.tmp >$@.got
	$(Q)cmp -s $@.want $@.got || { echo "$@: the object without kfuncs differs from rstsnoop.skel.h's in programs, maps or globals" >&2; rm -f $@.tmp; exit 1; }
	$(Q)rm -f $@.want $@.got && mv $@.tmp $@

# Every user object may include a skeleton: build them first.
$(OUT)/user/%.o: user/%.c $(SKELS) $(OUT)/build-flags | $(OUT)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUT)/rstsnoop: $(USER_OBJS) $(OUT)/build-flags
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $(USER_OBJS) $(LDLIBS) -o $@

$(OUT)/rstgen: tests/tools/rstgen.c $(OUT)/build-flags | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) -O2 -Wall -Wextra $(LDFLAGS) $< -o $@ -lpthread

$(OUT)/rawrst: tests/tools/rawrst.c $(OUT)/build-flags | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) -O2 -Wall -Wextra $(LDFLAGS) $< -o $@

# `make install` (root) or `make install DESTDIR=/tmp/pkg` (packaging).  A
# root tool goes to sbin; the unit goes where systemd looks for packaged
# units (/usr/lib/systemd/system with PREFIX=/usr, the packaging default).
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share
UNITDIR ?= $(PREFIX)/lib/systemd/system
INSTALLED := $(SBINDIR)/rstsnoop $(MANDIR)/man8/rstsnoop.8 \
	$(DATADIR)/bash-completion/completions/rstsnoop $(DATADIR)/rstsnoop/rstsnoop.schema.json \
	$(UNITDIR)/rstsnoop.service

install: $(OUT)/rstsnoop
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -D -m 0755 $(OUT)/rstsnoop $(DESTDIR)$(SBINDIR)/rstsnoop
	$(Q)install -D -m 0644 dist/rstsnoop.8 $(DESTDIR)$(MANDIR)/man8/rstsnoop.8
	$(Q)install -D -m 0644 dist/rstsnoop.bash $(DESTDIR)$(DATADIR)/bash-completion/completions/rstsnoop
	$(Q)install -D -m 0644 dist/rstsnoop.schema.json $(DESTDIR)$(DATADIR)/rstsnoop/rstsnoop.schema.json
	$(Q)sed 's|/usr/sbin/rstsnoop|$(SBINDIR)/rstsnoop|' dist/rstsnoop.service >$(OUT)/rstsnoop.service
	$(Q)install -D -m 0644 $(OUT)/rstsnoop.service $(DESTDIR)$(UNITDIR)/rstsnoop.service

uninstall:
	$(Q)rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	$(Q)rmdir $(DESTDIR)$(DATADIR)/rstsnoop 2>/dev/null || true

# `make image`: the container image (Containerfile: FROM scratch, the static
# binary, busybox-static as /bin/test for the readiness probe), tagged
# $(IMAGE_NAME):<the version when HEAD is tagged vVERSION, else dev>.
# PODMAN= another podman (tests/integration/test_image.sh: its own storage).
IMAGE_NAME ?= rstsnoop
IMAGE_TAG ?= $(or $(shell git describe --tags --exact-match --match 'v*' 2>/dev/null | sed 's/^v//'),dev)
PODMAN ?= podman
BUSYBOX ?= /bin/busybox
image:
	$(Q)$(MAKE) --no-print-directory STATIC=1 OUT=$(OUT)/static $(OUT)/static/rstsnoop
	$(call msg,IMAGE,$(IMAGE_NAME):$(IMAGE_TAG))
	$(Q)file -b $(BUSYBOX) | grep -q 'statically linked' || \
		{ echo "make image: $(BUSYBOX) is not busybox-static (scripts/setup.sh --test)" >&2; exit 1; }
	$(Q)rm -rf $(OUT)/image && mkdir -p $(OUT)/image
	$(Q)strip -o $(OUT)/image/rstsnoop $(OUT)/static/rstsnoop
	$(Q)cp $(BUSYBOX) $(OUT)/image/test
	$(Q)$(PODMAN) build -q -f Containerfile -t $(IMAGE_NAME):$(IMAGE_TAG) $(OUT)/image

$(OUT)/jsonq: tests/tools/jsonq.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) -O2 -Wall -Wextra $(LDFLAGS) $< -o $@

vmlinux:
ifeq ($(ARCH),$(HOST_ARCH))
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $(VMLINUX_H)
else
	$(VMLINUX_DIR)/regenerate.sh
endif

clean:
	rm -rf $(OUT)

-include $(wildcard $(OUT)/*.d $(OUT)/nokfunc/*.d $(OUT)/user/*.d $(OUT)/tests/*.d)

# ---- tests ---------------------------------------------------------------
# The loader's modules that need neither a loaded skeleton nor the running
# kernel: the unit tests and the fuzz targets (tests/fuzz/fuzz.mk) link
# these, from this one list.
PURE_MODULES := $(filter-out main run_loop tracer kernel_features feature_report preflight,$(basename $(notdir $(USER_SRCS))))
UNIT_LIB_OBJS := $(PURE_MODULES:%=$(OUT)/user/%.o)

$(OUT)/tests/unit_tests: $(wildcard tests/unit/*.c) $(UNIT_LIB_OBJS) $(OUT)/build-flags | $(OUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Iuser -Itests/unit $(LDFLAGS) $(filter %.c %.o,$^) \
		$(LDLIBS) -o $@

unit: $(OUT)/tests/unit_tests
	$(OUT)/tests/unit_tests

# BPF unit tests (tests/bpf): the kernel side's logic run with
# BPF_PROG_TEST_RUN; root.
$(OUT)/tests/logic_tests.bpf.o: tests/bpf/logic_tests.bpf.c $(VMLINUX_H) | $(OUT)/tests
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -Itests/bpf -c $< -o $@

$(OUT)/tests/logic_tests.skel.h: $(OUT)/tests/logic_tests.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name logic_tests_bpf > $@

$(OUT)/tests/bpf_tests: tests/bpf/run_bpf_tests.c $(OUT)/tests/logic_tests.skel.h $(OUT)/build-flags
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/bpf -I$(OUT)/tests $(LDFLAGS) $< $(LDLIBS) -o $@

bpf-unit: $(OUT)/tests/bpf_tests
	$(OUT)/tests/bpf_tests

# Can the tests fail?  Each MUTATE= fault against the fast tests that must
# catch it (tests/mutation-smoke.sh; root, ~5 min: not part of `make test`).
mutation-smoke:
	tests/mutation-smoke.sh $(MUTANTS)

# The whole suite: unit tests, integration tests against this kernel, the
# kernel matrix under QEMU, the integration tests again against an ASan and
# UBSan build, and a short run of every fuzz target.  Root only; prints
# "N passed, N failed, N skipped".  CI builds the benchmark (bench-build)
# but does not run it: a measurement, not a test.
# `make test SANITIZE=1`: unit and integration tests against the sanitizer
# build only (no matrix: its static binaries cannot carry ASan).
ifeq ($(SANITIZE),1)
test: $(OUT)/rstsnoop $(OUT)/rstgen $(OUT)/jsonq $(OUT)/tests/unit_tests
	OUT=$(abspath $(OUT)) RSTSNOOP_SANITIZED=1 RSTSNOOP_SKIP_MATRIX=1 tests/run.sh
else
test: $(OUT)/rstsnoop $(OUT)/rstgen $(OUT)/jsonq $(OUT)/tests/unit_tests $(OUT)/tests/bpf_tests \
		bench-build sanitize-build fuzz-build
	OUT=$(abspath $(OUT)) SANITIZE_OUT=$(abspath $(OUT)/sanitize) \
		FUZZ_OUT=$(abspath $(FUZZ_OUT)) tests/run.sh
endif

# The loader, rstgen and unit tests with sanitizers, for the suite's second pass.
sanitize-build:
	$(Q)$(MAKE) --no-print-directory SANITIZE=1 OUT=$(OUT)/sanitize \
		$(OUT)/sanitize/rstsnoop $(OUT)/sanitize/rstgen $(OUT)/sanitize/jsonq \
		$(OUT)/sanitize/tests/unit_tests

include bench/bench.mk
include tests/fuzz/fuzz.mk
