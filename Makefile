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
tools := tools/swingctl/swingctl tools/demo/swingdemo bench/swingbench \
	tests/fuzz/swingfuzz tests/stress/swingstress
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
	$(Q)$(CC) $(CFLAGS) $$(pkg-config --cflags libkmod) -o $@ $< $(lib_a) \
		$$(pkg-config --libs libkmod) -pthread

tools/demo/swingdemo: tools/demo/swingdemo.c $(lib_a)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(lib_a) -pthread

bench/swingbench: bench/swingbench.c $(lib_a)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(lib_a) -pthread

tests/fuzz/swingfuzz: tests/fuzz/swingfuzz.c tests/totals.h $(lib_a)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(lib_a) -pthread

tests/stress/swingstress: tests/stress/swingstress.c tests/totals.h $(lib_a)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(lib_a) -pthread

tests/%: tests/%.c tests/helpers.c tests/helpers.h $(lib_a)
	$(Q)$(CC) $(CFLAGS) -o $@ $< tests/helpers.c $(lib_a) \
		$$(pkg-config --cflags --libs check) -pthread

# The suite on both supported kernels; one summary line at the end.
CHECK_KERNELS ?= $(shell ls /boot/vmlinuz-6.1.* /boot/vmlinuz-6.12.* 2>/dev/null | sed 's|/boot/vmlinuz-||' | sort -V)
check: all
	$(Q)tests/run-install
	$(Q)tests/run-all $(CHECK_KERNELS)

demo: all
	$(Q)tools/vmrun -- tools/demo/run-demo

# The fuzzer or the stress test alone, as long as you like, on one kernel
# (KVER=..., default: the newest installed).
FUZZ_SECONDS ?= 600
STRESS_SECONDS ?= 600
fuzz: all
	$(Q)tools/vmrun $(if $(KVER),--kernel $(KVER)) --timeout $$(($(FUZZ_SECONDS) + 600)) \
		-- env SWING_FUZZ_SECONDS=$(FUZZ_SECONDS) tests/run-suite fuzz/run

stress: all
	$(Q)tools/vmrun $(if $(KVER),--kernel $(KVER)) --timeout $$(($(STRESS_SECONDS) + 600)) \
		-- env SWING_STRESS_SECONDS=$(STRESS_SECONDS) tests/run-suite stress/run

# The suite on a 6.1 debug kernel (KASAN, lockdep, DEBUG_VM, kmemleak),
# built from linux-source-6.1 and cached in /var/tmp/swing-debug.
check-debug: all
	$(Q)tools/check-debug

# swing against pipe, socket, memfd, process_vm_readv, vmsplice and fork in
# a guest; CSVs and plots in bench/results/, the table in docs/benchmarks.md.
bench: all
	$(Q)bench/run $(BENCH_ARGS)

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
UDEVDIR ?= $(if $(filter /usr,$(PREFIX)),/usr/lib/udev/rules.d,$(PREFIX)/lib/udev/rules.d)
man3_links := swing_createarea:createarea swing_hook:hook swing_hook_flags:hook \
	disablehook:enablehook swing_enablehook:enablehook \
	swing_disablehook:enablehook swing_releasearea:releasearea \
	swing_getperm:swing_setperm swing_grant:swing_setperm swing_revoke:swing_setperm

# The library, header, pkg-config file, swingctl, udev rule and man pages
# (the module itself installs with dkms, see README).  DESTDIR and PREFIX
# are honoured; "make uninstall" with the same values removes it all.
install: lib tools/swingctl/swingctl
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

.PHONY: all version-check module lib check check-debug demo fuzz stress bench install uninstall clean
