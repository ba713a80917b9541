# SPDX-License-Identifier: GPL-2.0-only
#
# make            module for every kernel with headers (or KVER=...), the
#                 library, swingctl, the demo and the tests
# make check      the test suite in QEMU guests on 6.1 and 6.12
# make demo       the producer/consumer demo in a guest
# make bench      the benchmark in a guest (docs/benchmarks.md)

uapi := include/uapi/linux/swing.h
ver = $(shell sed -n 's/^\#define SWING_VERSION_$(1)[[:space:]]*//p' $(uapi))
VERSION := $(call ver,MAJOR).$(call ver,MINOR).$(call ver,PATCH)
MAJOR := $(call ver,MAJOR)

# Kernels: KVER=..., else every installed one with headers.
KVERS := $(if $(KVER),$(KVER),$(sort $(patsubst /lib/modules/%/build,%,$(wildcard /lib/modules/*/build))))

CC ?= cc
CFLAGS ?= -O2 -g
CFLAGS += -Wall -Wextra -Wno-unused-parameter -D_GNU_SOURCE -Iinclude -Iinclude/uapi
LIBCFLAGS = $(CFLAGS) -fPIC -fvisibility=hidden -pthread

lib_so := lib/libswing.so.$(VERSION)
lib_a := lib/libswing.a
lib_src := lib/swing.c
tools := tools/swingctl/swingctl tools/demo/swingdemo bench/swingbench
tests_src := $(wildcard tests/*.c)
tests := $(patsubst %.c,%,$(filter-out tests/helpers.c,$(tests_src)))

ifeq ($(V),1)
Q :=
else
Q := @
endif

all: version-check module lib $(tools) $(tests)

# The version is defined once, in the UAPI header; dkms.conf must agree.
version-check:
	$(Q)grep -q '^PACKAGE_VERSION="$(VERSION)"$$' dkms.conf || \
		{ echo "dkms.conf: PACKAGE_VERSION is not $(VERSION)" >&2; exit 1; }

module:
	$(Q)set -e; for k in $(KVERS); do \
		d=build/$$k; mkdir -p $$d; \
		for f in module/*.c module/*.h module/Kbuild; do \
			ln -sf ../../$$f $$d/; done; \
		$(MAKE) -s -C /lib/modules/$$k/build M=$(CURDIR)/$$d \
			SWING_INCLUDE=$(CURDIR)/include modules; \
	done

lib: $(lib_so) $(lib_a) lib/libswing.so lib/libswing.pc

lib/swing.o: $(lib_src) include/swing.h $(uapi)
	$(Q)$(CC) $(LIBCFLAGS) -c -o $@ $<

$(lib_so): lib/swing.o lib/libswing.map
	$(Q)$(CC) -shared -pthread -Wl,-soname,libswing.so.$(MAJOR) \
		-Wl,--version-script=lib/libswing.map -Wl,-z,defs -o $@ $<

lib/libswing.so: $(lib_so)
	$(Q)ln -sf libswing.so.$(VERSION) lib/libswing.so.$(MAJOR)
	$(Q)ln -sf libswing.so.$(VERSION) $@

$(lib_a): lib/swing.o
	$(Q)$(AR) rcs $@ $^

lib/libswing.pc: lib/libswing.pc.in $(uapi)
	$(Q)sed -e 's|@VERSION@|$(VERSION)|' -e 's|@PREFIX@|$(PREFIX)|' \
		-e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' $< > $@

# Programs link the static library, so the guest needs no LD_LIBRARY_PATH.
tools/swingctl/swingctl: tools/swingctl/swingctl.c $(lib_a)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(lib_a) -pthread

tools/demo/swingdemo: tools/demo/swingdemo.c $(lib_a)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(lib_a) -pthread

bench/swingbench: bench/swingbench.c $(lib_a)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(lib_a) -pthread

tests/%: tests/%.c tests/helpers.c tests/helpers.h $(lib_a)
	$(Q)$(CC) $(CFLAGS) -o $@ $< tests/helpers.c $(lib_a) \
		$$(pkg-config --cflags --libs check) -pthread

# The suite on both supported kernels; one summary line at the end.
CHECK_KERNELS ?= $(shell ls /boot/vmlinuz-6.1.* /boot/vmlinuz-6.12.* 2>/dev/null | sed 's|/boot/vmlinuz-||' | sort -V)
check: all
	$(Q)tests/run-all $(CHECK_KERNELS)

demo: all
	$(Q)tools/vmrun -- tools/demo/run-demo

# swing against pipe, socket, memfd, process_vm_readv, vmsplice and fork in
# a guest; CSVs and plots in bench/results/, the table in docs/benchmarks.md.
bench: all
	$(Q)bench/run $(BENCH_ARGS)

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include

clean:
	$(Q)rm -rf build lib/*.o lib/*.so* lib/*.a lib/*.pc $(tools) $(tests)

.PHONY: all version-check module lib check demo bench clean
