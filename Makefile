# SPDX-License-Identifier: GPL-2.0-only
#
# make            module for every kernel with headers (or KVER=...), the
#                 library, swingctl, the demo and the tests
# make ARCH=arm64 the same cross-built for arm64 (programs statically
#                 linked) into build/arm64/, modules for the cached arm64
#                 kernels (tools/kernels fetch arm64)
# make check      the test suite in QEMU guests on 5.10, 6.1 and 6.12
# make check-arm64  the suite on arm64 6.1, 6.12 and 6.12 with 16 KiB pages
# make demo       the producer/consumer demo, then the pipeline, in a guest
# make bench      the benchmark in a guest (docs/benchmarks.md)
# make bench-python  the Python package's benchmark in a guest (the same)

uapi := include/uapi/linux/swing.h
ver = $(shell sed -n 's/^\#define SWING_VERSION_$(1)[[:space:]]*//p' $(uapi))
VERSION := $(call ver,MAJOR).$(call ver,MINOR).$(call ver,PATCH)
MAJOR := $(call ver,MAJOR)

# The target: this machine's architecture, or ARCH=arm64 (aarch64) to
# cross-build.  Cross-built programs go to build/ARCH/ with the scripts that
# run them, laid out like the tree, so that tests/run-suite runs there too.
HOST_ARCH := $(shell uname -m)
TARGET := $(or $(patsubst aarch64,arm64,$(patsubst amd64,x86_64,$(patsubst x86,x86_64,$(ARCH)))),$(HOST_ARCH))
ifeq ($(TARGET),$(HOST_ARCH))
OUT :=
else ifeq ($(TARGET),arm64)
OUT := build/arm64/
CROSS_COMPILE ?= aarch64-linux-gnu-
else
$(error ARCH=$(ARCH): swing builds for $(HOST_ARCH) or arm64)
endif

# Kernels: KVER=..., else every one of the target's with headers: the
# host's own (x86) and those tools/kernels keeps (x86 5.10, arm64).
KVERS := $(if $(KVER),$(KVER),$(shell tools/kernels kvers $(TARGET)))

ifneq ($(OUT),)
ifeq ($(origin CC),default)
CC := $(CROSS_COMPILE)gcc
endif
ifeq ($(origin AR),default)
AR := $(CROSS_COMPILE)ar
endif
LDSTATIC := -static
PKG_CONFIG_DYN := PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig pkg-config
PKG_CONFIG := $(PKG_CONFIG_DYN) --static
KMAKEFLAGS := ARCH=$(TARGET) CROSS_COMPILE=$(CROSS_COMPILE)
else
CC ?= cc
PKG_CONFIG := pkg-config
PKG_CONFIG_DYN := pkg-config
endif
CFLAGS ?= -O2 -g
CFLAGS += -Wall -Wextra -Wno-unused-parameter -D_GNU_SOURCE -Iinclude -Iinclude/uapi
LIBCFLAGS = $(CFLAGS) -fPIC -fvisibility=hidden -pthread

lib_so := lib/libswing.so.$(VERSION)
lib_a := $(OUT)lib/libswing.a
lib_src := lib/swing.c
tools := $(addprefix $(OUT),tools/swingctl/swingctl tools/demo/swingdemo \
	tools/demo/swingpipeline \
	bench/swingbench bench/python/hookloop bench/python/hookloop.so tests/fuzz/swingfuzz tests/stress/swingstress)
tests_src := $(wildcard tests/*.c)
tests := $(patsubst %.c,$(OUT)%,$(filter-out tests/helpers.c,$(tests_src)))
# What the guest runs of a cross-built tree besides the programs.
scripts := tests/run-suite tests/fuzz/run tests/stress/run tools/kernel-reports

ifeq ($(V),1)
Q :=
else
Q := @
endif

ifeq ($(OUT),)
all: version-check module lib $(tools) $(tests) python
else
all: version-check module $(lib_a) $(tools) $(tests) $(addprefix $(OUT),$(scripts)) $(OUT)build \
	python-cross
endif

# The version is defined once, in the UAPI header; dkms.conf must agree.
version-check:
	$(Q)grep -q '^PACKAGE_VERSION="$(VERSION)"$$' dkms.conf || \
		{ echo "dkms.conf: PACKAGE_VERSION is not $(VERSION)" >&2; exit 1; }

# One directory of symlinks per kernel (build/KVER), built with that
# kernel's kbuild and the compiler its headers name (gcc-10 for 5.10, from
# tools/kernels; a cross compiler for arm64).
module:
	$(Q)set -e; for k in $(KVERS); do \
		d=build/$$k; mkdir -p $$d; \
		for f in module/*.c module/*.h module/Kbuild; do \
			ln -sf ../../$$f $$d/; done; \
		kb=$$(tools/kernels build $(TARGET) $$k); \
		p=$$(tools/kernels path $(TARGET) $$k); \
		PATH=$${p:+$$p:}$$PATH $(MAKE) -s -C $$kb M=$(CURDIR)/$$d \
			$(KMAKEFLAGS) SWING_INCLUDE=$(CURDIR)/include modules; \
	done

lib: $(lib_so) $(lib_a) lib/libswing.so lib/libswing.pc

$(OUT)lib/swing.o: $(lib_src) include/swing.h $(uapi)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LIBCFLAGS) -c -o $@ $<

$(lib_so): lib/swing.o lib/libswing.map
	$(Q)$(CC) -shared -pthread -Wl,-soname,libswing.so.$(MAJOR) \
		-Wl,--version-script=lib/libswing.map -Wl,-z,defs -o $@ $<

lib/libswing.so: $(lib_so)
	$(Q)ln -sf libswing.so.$(VERSION) lib/libswing.so.$(MAJOR)
	$(Q)ln -sf libswing.so.$(VERSION) $@

$(lib_a): $(OUT)lib/swing.o
	$(Q)$(AR) rcs $@ $^

lib/libswing.pc: lib/libswing.pc.in $(uapi)
	$(Q)sed -e 's|@VERSION@|$(VERSION)|' -e 's|@PREFIX@|$(PREFIX)|' \
		-e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' $< > $@

# Programs link the static library, so the guest needs no LD_LIBRARY_PATH;
# cross-built ones link everything statically (LDSTATIC), but for swingctl:
# Debian ships libkmod as a shared library only, so the arm64 swingctl uses
# the arm64 guest userland's (tools/kernels).
$(OUT)tools/swingctl/swingctl: tools/swingctl/swingctl.c $(lib_a)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $$($(PKG_CONFIG_DYN) --cflags libkmod) -o $@ $< $(lib_a) \
		$$($(PKG_CONFIG_DYN) --libs libkmod) -pthread

# The demos: swingdemo (one snapshot, step by step), swingpipeline
# (versions and a queue, continuously).
$(OUT)tools/demo/%: tools/demo/%.c tests/totals.h $(lib_a)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(LDSTATIC) -o $@ $< $(lib_a) -pthread

$(OUT)bench/swingbench: bench/swingbench.c $(lib_a)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(LDSTATIC) -o $@ $< $(lib_a) -pthread

# The C side of bench/python's hook experiment (swing.hook against swing_hook).
$(OUT)bench/python/hookloop: bench/python/hookloop.c $(lib_a)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(LDSTATIC) -o $@ $< $(lib_a) -pthread

$(OUT)bench/python/hookloop.so: bench/python/hookloop.c $(lib_a)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -DHOOKLOOP_LIB -fPIC -shared -o $@ $< $(lib_a) -pthread

$(OUT)tests/fuzz/swingfuzz: tests/fuzz/swingfuzz.c tests/totals.h $(lib_a)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(LDSTATIC) -o $@ $< $(lib_a) -pthread

$(OUT)tests/stress/swingstress: tests/stress/swingstress.c tests/totals.h $(lib_a)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(LDSTATIC) -o $@ $< $(lib_a) -pthread

$(OUT)tests/%: tests/%.c tests/helpers.c tests/helpers.h $(lib_a)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $< tests/helpers.c $(lib_a) \
		$(LDSTATIC) $$($(PKG_CONFIG) --cflags --libs check) -pthread

ifneq ($(OUT),)
$(addprefix $(OUT),$(scripts)): $(OUT)%: %
	$(Q)mkdir -p $(@D)
	$(Q)ln -sf $(CURDIR)/$< $@

# The modules, where tests find them from tests/ (../build/KVER/swing.ko).
$(OUT)build:
	$(Q)ln -sfn $(CURDIR)/build $@
endif

# The Python package (python/), built in place for Debian's python3: its
# extension compiles libswing in, and the guests import it from python/.
PYTHON ?= /usr/bin/python3
python:
	$(Q)cd python && $(PYTHON) setup.py -q build_ext --inplace > build.log 2>&1 || \
		{ cat build.log >&2; exit 1; }

# The same extension for the arm64 guests' python3 (tools/kernels' arm64
# userland, whose headers it is built against).  Its file name says which
# interpreter and architecture it is for, so it lies beside the host's in
# python/swing/ and the guests import the same python/ directory.
ifneq ($(OUT),)
py_usr := $(shell tools/kernels userland $(TARGET) 2>/dev/null)/usr
py_ver := $(notdir $(wildcard $(py_usr)/include/aarch64-linux-gnu/python3.*))
py_ext := python/swing/_swing.cpython-$(subst .,,$(py_ver:python%=%))-aarch64-linux-gnu.so
ifneq ($(py_ver),)
python-cross: $(py_ext)
$(py_ext): python/src/_swing.c $(lib_src) include/swing.h $(uapi)
	$(Q)$(CC) $(CFLAGS) -fPIC -shared -fvisibility=hidden -pthread -Ilib \
		-I$(py_usr)/include/$(py_ver) -idirafter $(py_usr)/include -o $@ $<
else
python-cross:
	@echo "make: no python3 headers in the $(TARGET) userland (tools/kernels fetch $(TARGET)): no Python package for $(TARGET)"
endif
endif

# The suite on every supported kernel of this machine's architecture (5.10,
# 6.1, 6.12), or on arm64's three; one summary line at the end.
supported = $(shell tools/kernels list $(1) | grep -E '^(5\.10|6\.1|6\.12)\.' | grep -v swingdebug)
CHECK_KERNELS ?= $(call supported,$(HOST_ARCH))
CHECK_ARM64_KERNELS ?= $(call supported,arm64)
ifeq ($(OUT),)
check: all
	$(Q)tests/run-install
	$(Q)tests/run-all $(CHECK_KERNELS)
else
check: all
	$(Q)tests/run-all --arch $(TARGET) $(CHECK_ARM64_KERNELS)
endif

check-arm64:
	$(Q)$(MAKE) ARCH=arm64 check

# DEMO_SECONDS: how long the pipeline (the second demo) runs.
DEMO_SECONDS ?= 5
demo: all
	$(Q)tools/vmrun -- env SWING_PIPELINE_SECONDS=$(DEMO_SECONDS) tools/demo/run-demo

# The fuzzer or the stress test alone, as long as you like, on one kernel
# (KVER=..., default: the newest of the target's; ARCH=arm64 for arm64's).
FUZZ_SECONDS ?= 600
STRESS_SECONDS ?= 600
fuzz: all
	$(Q)tools/vmrun --arch $(TARGET) $(if $(KVER),--kernel $(KVER)) --timeout $$(($(FUZZ_SECONDS) + 600)) \
		-- env SWING_FUZZ_SECONDS=$(FUZZ_SECONDS) $(OUT)tests/run-suite fuzz/run

stress: all
	$(Q)tools/vmrun --arch $(TARGET) $(if $(KVER),--kernel $(KVER)) --timeout $$(($(STRESS_SECONDS) + 600)) \
		-- env SWING_STRESS_SECONDS=$(STRESS_SECONDS) $(OUT)tests/run-suite stress/run

# The suite on a 6.1 debug kernel (KASAN, lockdep, DEBUG_VM, kmemleak),
# built from linux-source-6.1 and cached in /var/tmp/swing-debug.
check-debug: all
	$(Q)tools/check-debug

# swing against pipe, socket, memfd, process_vm_readv, vmsplice and fork in
# a guest; CSVs and plots in bench/results/, the table in docs/benchmarks.md.
bench: all
	$(Q)bench/run $(BENCH_ARGS)

# bench/python (a numpy array to another Python process; the Python layer on
# a hook) in a guest: CSVs and plots in bench/results/python-KERNEL/, its
# section in docs/benchmarks.md.  About 8 minutes under TCG.
bench-python: all
	$(Q)bench/run --python $(PYBENCH_ARGS)

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
# Debian's python3 looks in /usr/lib/python3/dist-packages for /usr and in
# PREFIX/lib/python3.X/dist-packages for any other prefix (/usr/local).
PYVER = $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')
PYTHONDIR ?= $(if $(filter /usr,$(PREFIX)),$(PREFIX)/lib/python3/dist-packages,$(PREFIX)/lib/python$(PYVER)/dist-packages)
py_files = $(wildcard python/swing/*.py python/swing/*.pyi) python/swing/py.typed
UDEVDIR ?= $(if $(filter /usr,$(PREFIX)),/usr/lib/udev/rules.d,$(PREFIX)/lib/udev/rules.d)
man3_links := swing_createarea:createarea swing_hook:hook swing_hook_flags:hook \
	disablehook:enablehook swing_enablehook:enablehook \
	swing_disablehook:enablehook swing_releasearea:releasearea \
	swing_getperm:swing_setperm swing_grant:swing_setperm swing_revoke:swing_setperm \
	swing_hook_version:swing_publish

# The library, header, pkg-config file, swingctl, udev rule and man pages
# (the module itself installs with dkms, see README).  DESTDIR and PREFIX
# are honoured; "make uninstall" with the same values removes it all.
install: lib tools/swingctl/swingctl python
	install -d $(DESTDIR)$(PYTHONDIR)/swing
	install -m 644 $(py_files) $(DESTDIR)$(PYTHONDIR)/swing/
	install -m 755 python/swing/_swing.cpython-*-$(HOST_ARCH)-linux-gnu.so $(DESTDIR)$(PYTHONDIR)/swing/
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/linux \
		$(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(SBINDIR) \
		$(DESTDIR)$(UDEVDIR) $(DESTDIR)$(MANDIR)/man3 \
		$(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(MANDIR)/man8
	install -m 755 $(lib_so) $(DESTDIR)$(LIBDIR)/
	ln -sf libswing.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libswing.so.$(MAJOR)
	ln -sf libswing.so.$(MAJOR) $(DESTDIR)$(LIBDIR)/libswing.so
	install -m 644 $(lib_a) $(DESTDIR)$(LIBDIR)/
	install -m 644 include/swing.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 $(uapi) $(DESTDIR)$(INCLUDEDIR)/linux/
	sed -e 's|@VERSION@|$(VERSION)|' -e 's|@PREFIX@|$(PREFIX)|' \
		-e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
		lib/libswing.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/libswing.pc
	install -m 755 tools/swingctl/swingctl $(DESTDIR)$(SBINDIR)/
	install -m 644 udev/60-swing.rules $(DESTDIR)$(UDEVDIR)/
	install -m 644 man/*.3 $(DESTDIR)$(MANDIR)/man3/
	install -m 644 man/*.7 $(DESTDIR)$(MANDIR)/man7/
	install -m 644 man/*.8 $(DESTDIR)$(MANDIR)/man8/
	for l in $(man3_links); do \
		ln -sf $${l#*:}.3 $(DESTDIR)$(MANDIR)/man3/$${l%%:*}.3; done

uninstall:
	rm -rf $(DESTDIR)$(PYTHONDIR)/swing
	rm -f $(DESTDIR)$(LIBDIR)/libswing.so* $(DESTDIR)$(LIBDIR)/libswing.a \
		$(DESTDIR)$(INCLUDEDIR)/swing.h \
		$(DESTDIR)$(INCLUDEDIR)/linux/swing.h \
		$(DESTDIR)$(PKGCONFIGDIR)/libswing.pc \
		$(DESTDIR)$(SBINDIR)/swingctl \
		$(DESTDIR)$(UDEVDIR)/60-swing.rules \
		$(DESTDIR)$(MANDIR)/man7/swing.7 \
		$(DESTDIR)$(MANDIR)/man8/swingctl.8
	for p in $(notdir $(wildcard man/*.3)) $(foreach l,$(man3_links),$(firstword $(subst :, ,$(l))).3); do \
		rm -f $(DESTDIR)$(MANDIR)/man3/$$p; done

clean:
	$(Q)rm -rf build lib/*.o lib/*.so* lib/*.a lib/*.pc $(tools) $(tests)

.PHONY: all version-check module lib python python-cross check check-arm64 check-debug demo fuzz stress bench bench-python install uninstall clean
