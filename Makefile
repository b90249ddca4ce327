# SPDX-License-Identifier: MIT
#
# tinydump: one non-recursive Makefile; each folder appends its sources in
# its build.mk.  Targets: all (default), test, demo, bench, fuzz, deps,
# install, clean.  Variables: O= (output dir), V=1 (verbose),
# CROSS_COMPILE= (payload toolchain prefix), HOSTCC= (host tools' compiler;
# O=build-arm64 HOSTCC=aarch64-linux-gnu-gcc host-tools builds them for arm64),
# FALLBACK_UART= (console used when the DTB is unusable, e.g.
# pl011@0x9000000; empty by default).

O ?= build
CROSS_COMPILE ?= aarch64-linux-gnu-
HOSTCC ?= cc
FUZZCC ?= clang
PYTHON ?= /usr/bin/python3
FALLBACK_UART ?=
PREFIX ?= /usr/local

ifeq ($(V),1)
Q :=
else
Q := @
endif

CC := $(CROSS_COMPILE)gcc
OBJCOPY := $(CROSS_COMPILE)objcopy

# Debian 12's arm64 libraries (libfdt-dev:arm64, liblz4-dev:arm64,
# picolibc-aarch64-linux-gnu), linked into the freestanding payload.
ARM64_LIBDIR ?= /usr/lib/aarch64-linux-gnu
PICOLIBC ?= /usr/lib/picolibc/aarch64-linux-gnu
SYSINC := $(O)/sysinc

# Filled in by the build.mk files below.
payload-asm-y :=	# assembly, payload only
payload-early-y :=	# C that runs with the MMU off: -mstrict-align
payload-y :=		# C, payload only
shared-y :=		# C compiled for the payload and for the host
host-tool-y :=		# the tinydump CLI
host-gen-y :=		# the fixture generator
unit-support-y :=	# host-only test support linked into every unit test

include purgatory/build.mk
include payload/build.mk
include fdt/build.mk
include drivers/build.mk
include host-tools/build.mk
include tests/build.mk

# A source appended twice (several build.mk lines) is built once.
payload-asm-y := $(sort $(payload-asm-y))
payload-early-y := $(sort $(payload-early-y))
payload-y := $(sort $(payload-y))
shared-y := $(sort $(shared-y))
host-tool-y := $(sort $(host-tool-y))
host-gen-y := $(sort $(host-gen-y))
unit-support-y := $(sort $(unit-support-y))

WARN := -Wall -Wextra -Werror
PAYLOAD_CFLAGS := -std=c11 -Os -g $(WARN) -ffreestanding -fpie \
	-fvisibility=hidden -fno-stack-protector -fno-common \
	-ffunction-sections -fdata-sections -mcpu=cortex-a53 \
	--specs=picolibc.specs -isystem $(SYSINC) -I. -MMD -MP
ifneq ($(FALLBACK_UART),)
PAYLOAD_CFLAGS += -DFALLBACK_UART='"$(FALLBACK_UART)"'
endif
# The payload is built for size (image_size is what crashkernel= must
# hold); the files the dump's throughput depends on are built for speed.
PAYLOAD_HOT := payload/lz4_block.c payload/crc32c.c payload/engine.c \
	payload/stream_enc.c payload/frame.c payload/pagefilter.c \
	payload/kvaddr.c
$(patsubst %.c,$(O)/payload/%.o,$(PAYLOAD_HOT)): PAYLOAD_CFLAGS += -O2

# Code that runs before the MMU is on: every access is Device memory then,
# where unaligned accesses fault; and no library calls may be generated.
EARLY_CFLAGS := -mstrict-align -mgeneral-regs-only \
	-fno-tree-loop-distribute-patterns
PAYLOAD_LIBS := $(ARM64_LIBDIR)/libfdt.a \
	$(PICOLIBC)/lib/libc.a $(shell $(CC) -print-libgcc-file-name 2>/dev/null)
PAYLOAD_LDFLAGS := -nostdlib -static-pie -Wl,--no-dynamic-linker \
	-Wl,-z,notext -Wl,-z,norelro -Wl,--gc-sections -Wl,--build-id=none \
	-Wl,-z,max-page-size=4096 -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments \
	-T linker/payload.ld -Wl,-Map,$(O)/payload.map

HOST_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -DTINYDUMP_HOST -O2 -g $(WARN) -I. \
	-MMD -MP
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
UNIT_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -DTINYDUMP_HOST -O1 -g $(WARN) \
	$(SAN) -I. -MMD -MP
# libfdt-dev is not Multi-Arch: same, and the payload needs its arm64
# libfdt.a; host code links the amd64 runtime (libfdt1) by its file name and
# uses the (architecture-independent) headers the arm64 package installed.
HOST_LIBS := -llz4 -lz -l:libfdt.so.1

payload-objs := $(patsubst %.S,$(O)/payload/%.o,$(payload-asm-y)) \
	$(patsubst %.c,$(O)/payload/%.o,$(payload-early-y) $(payload-y) $(shared-y))
unit-lib-objs := $(patsubst %.c,$(O)/unit/%.o,$(shared-y) $(unit-support-y))
unit-srcs := $(wildcard tests/unit/test_*.c)
unit-bins := $(patsubst tests/unit/%.c,$(O)/tests/%,$(unit-srcs))
host-lib-objs := $(patsubst %.c,$(O)/host/%.o,$(shared-y))
host-tool-objs := $(patsubst %.c,$(O)/host/%.o,$(host-tool-y))
host-gen-objs := $(patsubst %.c,$(O)/host/%.o,$(host-gen-y))
fuzz-srcs := $(wildcard tests/fuzz/fuzz_*.c)
fuzz-bins := $(patsubst tests/fuzz/%.c,$(O)/fuzz/%,$(fuzz-srcs))

.PHONY: all payload host-tools unit-tests test check demo bench fuzz deps \
	install clean size
all: payload host-tools unit-tests

payload: $(O)/payload.bin size
host-tools: $(if $(host-tool-y),$(O)/tinydump) \
	$(if $(host-gen-y),$(O)/tinydump-fixture) $(O)/tests/qemu-shim.bin \
	$(O)/tests/netdump-send
unit-tests: $(unit-bins)

# --- payload ---------------------------------------------------------------
$(SYSINC)/.stamp:
	$(Q)mkdir -p $(SYSINC)
	$(Q)for h in libfdt.h libfdt_env.h fdt.h lz4.h; do \
		ln -sf /usr/include/$$h $(SYSINC)/$$h; done
	$(Q)touch $@

$(O)/payload/%.o: %.S $(SYSINC)/.stamp
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS      $<")
	$(Q)$(CC) $(PAYLOAD_CFLAGS) -D__ASSEMBLY__ -c $< -o $@

$(patsubst %.c,$(O)/payload/%.o,$(payload-early-y)): $(O)/payload/%.o: %.c $(SYSINC)/.stamp
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC-EARLY $<")
	$(Q)$(CC) $(PAYLOAD_CFLAGS) $(EARLY_CFLAGS) -c $< -o $@

$(O)/payload/%.o: %.c $(SYSINC)/.stamp
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(PAYLOAD_CFLAGS) -c $< -o $@

$(O)/payload.elf: $(payload-objs) linker/payload.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(PAYLOAD_CFLAGS) $(PAYLOAD_LDFLAGS) -o $@ $(payload-objs) \
		-Wl,--start-group $(PAYLOAD_LIBS) -Wl,--end-group
	$(Q)$(PYTHON) scripts/check-relocs.py $@

$(O)/payload.bin: $(O)/payload.elf
	@$(if $(Q),echo "  OBJCOPY $@")
	$(Q)$(OBJCOPY) -O binary $< $@

size: $(O)/payload.bin
	@$(PYTHON) scripts/image-info.py $(O)/payload.bin

# --- host ------------------------------------------------------------------
$(O)/host/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $<")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -c $< -o $@

# The shared code as an archive: host programs take only what they use
# (the tool needs no UART driver, and drivers need a register file).
HOST_LIB := $(O)/host/libtinydump-shared.a
$(HOST_LIB): $(host-lib-objs)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(O)/tinydump: $(host-tool-objs) $(HOST_LIB)
	@$(if $(Q),echo "  HOSTLD  $@")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -o $@ $(host-tool-objs) $(HOST_LIB) $(HOST_LIBS)

$(O)/tinydump-fixture: $(host-gen-objs) $(HOST_LIB)
	@$(if $(Q),echo "  HOSTLD  $@")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -o $@ $(host-gen-objs) $(HOST_LIB) $(HOST_LIBS)

# A board's net sink without the board (tests/test_net_recv.py): the
# payload's sender over a host UDP socket.
$(O)/tests/netdump-send: tests/net/netdump_send.c $(HOST_LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTLD  $@")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -o $@ $< $(HOST_LIB) $(HOST_LIBS)

# The test shim plays kexec's last step in QEMU: x0 = DTB, jump to payload.
$(O)/tests/qemu-shim.elf: tests/qemu/shim.S
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS      $<")
	$(Q)$(CC) -nostdlib -static -Wl,-Ttext=0 -Wl,--build-id=none -o $@ $<
$(O)/tests/qemu-shim.bin: $(O)/tests/qemu-shim.elf
	$(Q)$(OBJCOPY) -O binary $< $@

# --- benchmarks (host, the payload's shared code at -O2) -------------------
$(O)/bench/engine-bench: bench/engine_bench.c $(HOST_LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTLD  $@")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -o $@ $< $(HOST_LIB) $(HOST_LIBS)

# --- unit tests (host, ASan/UBSan, same sources as the payload) -------------
$(O)/unit/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  UNITCC  $<")
	$(Q)$(HOSTCC) $(UNIT_CFLAGS) -c $< -o $@

# UNIT_LDFLAGS: per-test link flags, set target-specifically in tests/build.mk.
$(O)/tests/%: $(O)/unit/tests/unit/%.o $(unit-lib-objs)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  UNITLD  $@")
	$(Q)$(HOSTCC) $(UNIT_CFLAGS) $(UNIT_LDFLAGS) -o $@ $^ $(HOST_LIBS)

# Legacy virtio-mmio finds a queue by a 32-bit page number (QueuePFN): the
# virtio tests link without PIE so the drivers' static rings sit low in
# memory, as they do in the payload, instead of above 16 TiB.
$(O)/tests/test_virtio_%: UNIT_LDFLAGS := -no-pie

# --- fuzzing (libFuzzer) -----------------------------------------------------
FUZZ_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -DTINYDUMP_HOST -O1 -g -I. \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
$(O)/fuzz/%: tests/fuzz/%.c $(shared-y) $(unit-support-y)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $@")
	$(Q)$(FUZZCC) $(FUZZ_CFLAGS) -o $@ $< $(shared-y) $(unit-support-y) $(HOST_LIBS)

FUZZ_SECONDS ?= 120
fuzz: $(fuzz-bins)
	$(Q)for f in $(fuzz-bins); do echo "== $$f ($(FUZZ_SECONDS)s)"; \
		mkdir -p $(O)/fuzz/corpus/$$(basename $$f); \
		$$f -max_total_time=$(FUZZ_SECONDS) $(O)/fuzz/corpus/$$(basename $$f) \
			tests/fuzz/seeds/$$(basename $$f) || exit 1; done

# --- the two commands -----------------------------------------------------------
deps:
	$(Q)./scripts/install-deps.sh

# The README's test command: installs, builds, runs every test.
test: deps
	$(Q)$(MAKE) --no-print-directory all $(if $(fuzz-srcs),fuzz-build)
	$(Q)$(MAKE) --no-print-directory O=$(O)/fallback FALLBACK_UART=pl011@0x9000000 payload
	$(Q)$(PYTHON) -m pytest -q -p no:cacheprovider tests $(PYTEST_ARGS)
check: test

.PHONY: fuzz-build
fuzz-build: $(fuzz-bins)

demo: deps all
	$(Q)./scripts/demo.sh

bench: deps all $(O)/bench/engine-bench
	$(Q)O=$(O) ./bench/run.sh

# make install PREFIX=/usr gives /usr/sbin/tinydump-load and the paths
# docs/loader.md uses; the installed files are rewritten to agree on PREFIX.
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/tinydump
	install -m 0755 $(O)/tinydump $(DESTDIR)$(PREFIX)/bin/tinydump
	install -m 0644 $(O)/payload.bin $(DESTDIR)$(PREFIX)/lib/tinydump/payload.bin
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/lib/systemd/system $(DESTDIR)/etc/default
	sed 's|^DEFAULT_PAYLOAD=.*|DEFAULT_PAYLOAD=$(PREFIX)/lib/tinydump/payload.bin|' \
		scripts/tinydump-load > $(DESTDIR)$(PREFIX)/sbin/tinydump-load
	chmod 0755 $(DESTDIR)$(PREFIX)/sbin/tinydump-load
	sed 's|/usr/sbin/tinydump-load|$(PREFIX)/sbin/tinydump-load|g' \
		scripts/tinydump.service > $(DESTDIR)$(PREFIX)/lib/systemd/system/tinydump.service
	chmod 0644 $(DESTDIR)$(PREFIX)/lib/systemd/system/tinydump.service
	sed 's|^DEFAULT_TINYDUMP=.*|DEFAULT_TINYDUMP=$(PREFIX)/bin/tinydump|' \
		scripts/tinydump-save > $(DESTDIR)$(PREFIX)/sbin/tinydump-save
	chmod 0755 $(DESTDIR)$(PREFIX)/sbin/tinydump-save
	sed 's|/usr/sbin/tinydump-save|$(PREFIX)/sbin/tinydump-save|g' \
		scripts/tinydump-save.service > $(DESTDIR)$(PREFIX)/lib/systemd/system/tinydump-save.service
	chmod 0644 $(DESTDIR)$(PREFIX)/lib/systemd/system/tinydump-save.service
	test -e $(DESTDIR)/etc/default/tinydump || \
		sed 's|/usr/lib/tinydump/payload.bin|$(PREFIX)/lib/tinydump/payload.bin|' \
		scripts/tinydump.default > $(DESTDIR)/etc/default/tinydump

clean:
	rm -rf $(O)

-include $(shell find $(O) -name '*.d' 2>/dev/null)
