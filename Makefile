# vakt: on-call call and SMS routing daemon.  GNU make.
#
#   make          build build/vaktd and build/vaktctl
#   make run      install missing packages, build, create the demo
#                 database and run vaktd in the foreground
#   make check    install missing packages, lint, build with -Werror and
#                 run every test, check the hardening of the binaries, run
#                 unit and integration tests again under ASan+UBSan, and
#                 fuzz each parser briefly (clang, libFuzzer)
#   make fuzz     fuzz each parser longer (FUZZ_TIME seconds each)
#   make install  PREFIX, DESTDIR, SYSCONFDIR honoured
#   make deps     install the Debian packages listed below (as root)

# The one list of Debian 12 packages vakt needs to build and test.
DEB_PACKAGES = build-essential pkg-config ca-certificates tzdata curl \
	sqlite3 libsqlite3-dev libevent-dev libcurl4-openssl-dev \
	libconfig-dev libssl-dev libjansson-dev libsystemd-dev \
	libcriterion-dev libxml2-dev python3 python3-twilio faketime \
	cppcheck clang clang-format clang-tidy libclang-rt-14-dev binutils \
	chromium chromium-driver python3-selenium
# Only for `make bench` and the report screenshot.
DEB_BENCH_PACKAGES = wrk chromium hyperfine

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
SYSCONFDIR ?= /etc
PKG_CONFIG ?= pkg-config
UNITDIR ?= $(shell $(PKG_CONFIG) --variable=systemdsystemunitdir systemd 2>/dev/null || echo /lib/systemd/system)
SYSUSERSDIR ?= /usr/lib/sysusers.d
TMPFILESDIR ?= /usr/lib/tmpfiles.d

BUILD ?= build
PKGS = libevent libcurl sqlite3 libconfig libcrypto jansson libsystemd

VAKT_WARN = -Wall -Wextra -Wpedantic -Wshadow -Wconversion \
	-Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla -Wundef \
	-Wcast-qual
# Criterion's macros trip -Wpedantic and -Wconversion; tests keep the rest.
VAKT_TEST_WARN = -Wall -Wextra -Wshadow -Wformat=2 -Wvla -Wundef
VAKT_CFLAGS = -std=c17 -g -O2 -D_DEFAULT_SOURCE -Iinclude
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo 0.1)
ifdef WERROR
VAKT_WERROR = -Werror
endif
ifdef SANITIZE
VAKT_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
endif
# FUZZ=1 (with CC=clang): the library is instrumented for libFuzzer;
# only the fuzz targets link the fuzzer's main.
ifdef FUZZ
VAKT_SAN = -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer
endif
# The shipped binaries are hardened; the sanitizer and fuzz builds are
# not (ASan and FORTIFY_SOURCE replace each other's checks).
ifeq ($(SANITIZE)$(FUZZ),)
VAKT_HARDEN = -fstack-protector-strong -U_FORTIFY_SOURCE \
	-D_FORTIFY_SOURCE=2 -fPIE
VAKT_HARDEN_LD = -pie -Wl,-z,relro,-z,now
endif

PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
TEST_PKGS = criterion libxml-2.0
CRITERION_LIBS := $(shell $(PKG_CONFIG) --libs $(TEST_PKGS) 2>/dev/null)
TEST_PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS) 2>/dev/null)

ALL_CFLAGS = $(VAKT_CFLAGS) $(VAKT_WARN) $(VAKT_WERROR) $(VAKT_SAN) \
	$(VAKT_HARDEN) $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS)
TEST_CFLAGS = $(VAKT_CFLAGS) $(VAKT_TEST_WARN) $(VAKT_WERROR) $(VAKT_SAN) \
	$(VAKT_HARDEN) -Itests $(PKG_CFLAGS) $(TEST_PKG_CFLAGS) $(CPPFLAGS) \
	$(CFLAGS)
ALL_LDFLAGS = $(VAKT_SAN) $(VAKT_HARDEN_LD) $(LDFLAGS)
VAKT_LIBS = $(PKG_LIBS) -lm
# What the objects are built with, expanded once here (a target's own
# additions, such as the version of main.o, stay out of it).
FLAGS_TEXT := $(subst ','\'',$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) \
	$(ALL_LDFLAGS) $(VAKT_LIBS))

# Every module but the two mains goes into libvakt.a.
CORE = $(filter-out main vaktctl,$(basename $(notdir $(wildcard daemon/*.c))))
LIB = $(BUILD)/libvakt.a
UNIT_SRC = $(wildcard tests/unit/*.c)
IT_SRC = $(wildcard tests/it/*.c) $(wildcard tests/fake/*.c)
BENCH_SRC = $(wildcard bench/*.c)
FUZZ_SRC = $(wildcard tests/fuzz/*.c)
FUZZ_BUILD = build/fuzz
TEST_HELPERS = $(BUILD)/tests/helpers.o
# Seconds per fuzz target: short in `make check`, longer in `make fuzz`.
FUZZ_CHECK_TIME = 15
FUZZ_TIME = 300
SAN_ENV = ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

.PHONY: all check tests lint format install uninstall run deps bench-deps \
	bench clean hdrcheck tidy fuzz fuzz-build fuzz-check hardening \
	console-screenshot FORCE

all: $(BUILD)/vaktd $(BUILD)/vaktctl

# Every object depends on the flags it was compiled with: a changed
# flag set (SANITIZE, hardening, CFLAGS, compiler) rebuilds everything.
$(BUILD)/flags.stamp: FORCE
	@mkdir -p $(@D)
	@echo '$(FLAGS_TEXT)' | cmp -s - $@ || echo '$(FLAGS_TEXT)' > $@

$(BUILD)/daemon/%.o: daemon/%.c $(BUILD)/flags.stamp
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

# The version is compiled into the two programs only, and they are
# rebuilt whenever it changes.
$(BUILD)/version.stamp: FORCE
	@mkdir -p $(@D)
	@echo '$(VERSION)' | cmp -s - $@ || echo '$(VERSION)' > $@
$(BUILD)/daemon/main.o $(BUILD)/daemon/vaktctl.o: $(BUILD)/version.stamp
$(BUILD)/daemon/main.o $(BUILD)/daemon/vaktctl.o: \
    ALL_CFLAGS += -DVAKT_VERSION='"$(VERSION)"'
FORCE:

$(BUILD)/tests/%.o: tests/%.c $(BUILD)/flags.stamp
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/bench/%.o: bench/%.c $(BUILD)/flags.stamp
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests -MMD -MP -c $< -o $@

$(LIB): $(CORE:%=$(BUILD)/daemon/%.o)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/vaktd: $(BUILD)/daemon/main.o $(LIB) $(BUILD)/flags.stamp
	$(CC) $(ALL_LDFLAGS) -o $@ $(filter-out %.stamp,$^) $(VAKT_LIBS)

$(BUILD)/vaktctl: $(BUILD)/daemon/vaktctl.o $(LIB) $(BUILD)/flags.stamp
	$(CC) $(ALL_LDFLAGS) -o $@ $(filter-out %.stamp,$^) $(VAKT_LIBS)

$(BUILD)/tests/unit/run: $(UNIT_SRC:%.c=$(BUILD)/%.o) $(TEST_HELPERS) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(VAKT_LIBS) $(CRITERION_LIBS)

$(BUILD)/tests/it/run: $(IT_SRC:%.c=$(BUILD)/%.o) $(TEST_HELPERS) $(LIB) \
    | $(BUILD)/tests/fault/stall.so
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(VAKT_LIBS) $(CRITERION_LIBS) -lpthread

# The fault tests stall vaktd's fsync with this LD_PRELOAD shim; it is
# built without sanitizers (ASan must come first in a sanitized vaktd).
$(BUILD)/tests/fault/stall.so: tests/fault/stall.c
	@mkdir -p $(@D)
	$(CC) $(VAKT_CFLAGS) $(VAKT_TEST_WARN) $(VAKT_WERROR) -fPIC -shared \
	    -o $@ $< -ldl

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(VAKT_LIBS)

# libFuzzer targets (make FUZZ=1 CC=clang BUILD=build/fuzz fuzz-build).
# A target links only the library and its own object.
$(BUILD)/fuzz/%: $(BUILD)/tests/fuzz/%.o $(LIB)
	@mkdir -p $(@D)
	$(CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(VAKT_LIBS)

fuzz-build: $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)

tests: all $(BUILD)/tests/unit/run $(BUILD)/tests/it/run

# Criterion forks each test; --jobs 2 matches the 2-core CI machine.
# The integration tests find the binaries through VAKT_BUILD; the second
# run drives the ASan+UBSan vaktd and vaktctl, and a sanitizer report in
# either fails the test (tests/helpers.c reads their stderr) and the run
# (tests/check-run.sh reads the runner's output).
check: deps
	$(MAKE) lint
	$(MAKE) WERROR=1 tests
	sh tests/check-run.sh $(BUILD)/unit.log $(BUILD)/tests/unit/run --jobs 2
	VAKT_BUILD=$(abspath $(BUILD)) sh tests/check-run.sh $(BUILD)/it.log \
	    $(BUILD)/tests/it/run --jobs 2
	VAKT_BUILD=$(abspath $(BUILD)) /usr/bin/python3 tests/browser/test_console.py
	$(MAKE) WERROR=1 SANITIZE=1 BUILD=$(BUILD)/asan tests
	$(SAN_ENV) sh tests/check-run.sh $(BUILD)/asan/unit.log \
	    $(BUILD)/asan/tests/unit/run --jobs 2
	$(SAN_ENV) VAKT_BUILD=$(abspath $(BUILD)/asan) \
	    ASAN_OPTIONS=abort_on_error=1:detect_leaks=0 \
	    VAKT_CHILD_ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 \
	    sh tests/check-run.sh $(BUILD)/asan/it.log \
	    $(BUILD)/asan/tests/it/run --jobs 2
	$(MAKE) fuzz-check

# The console as a phone shows it, for the README (docs/console.png).
console-screenshot: deps all
	VAKT_BUILD=$(abspath $(BUILD)) VAKT_SCREENSHOT_DOCS=1 \
	    /usr/bin/python3 tests/browser/test_console.py

# Each fuzz target runs from its seed corpus in tests/fuzz/corpus/NAME;
# what it finds goes to build/fuzz, never into the tree.
# Warnings are the gcc build's job; clang's own do not stop the fuzzing.
fuzz-check:
	$(MAKE) FUZZ=1 CC=clang BUILD=$(FUZZ_BUILD) fuzz-build
	sh tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_CHECK_TIME)

fuzz: deps
	$(MAKE) FUZZ=1 CC=clang BUILD=$(FUZZ_BUILD) fuzz-build
	sh tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_TIME)

# The demo: config/vakt.conf as it is, with a database next to it
# created by vaktctl init (vaktd never creates one) and filled from
# config/demo.csv the first time, with one leader who can log in to
# the console.
DEMO_SID = CA00000000000000000000000000000001
DEMO_FORM = CallSid=$(DEMO_SID) From=+4791000001 To=+4755000000
DEMO_LEADER = +4791000030
run: deps all
	@test -e config/vakt.db || { \
	    $(BUILD)/vaktctl -c config/vakt.conf init && \
	    $(BUILD)/vaktctl -c config/vakt.conf import config/demo.csv && \
	    $(BUILD)/vaktctl -c config/vakt.conf staff add lise \
	        --name "Lise Leder" --phone $(DEMO_LEADER) --role leader || \
	    { rm -f config/vakt.db config/vakt.db-wal config/vakt.db-shm; \
	    exit 1; }; }
	@printf '%s\n' \
	    'vaktd runs on http://127.0.0.1:8080 (Ctrl-C stops it).' \
	    'Simulate a call from youth U-0001 (Ola) in another terminal:' \
	    '  sig=$$($(BUILD)/vaktctl -c config/vakt.conf sign /twilio/voice $(DEMO_FORM))' \
	    '  curl -s http://127.0.0.1:8080/twilio/voice -H "X-Twilio-Signature: $$sig" $(DEMO_FORM:%=--data-urlencode %)' \
	    'Explain a plan without calling anyone:' \
	    '  $(BUILD)/vaktctl -c config/vakt.conf route --from 91000001' \
	    'The staff console: http://127.0.0.1:8080/app/ (the demo leader' \
	    '  is $(DEMO_LEADER); the login code is printed here).' \
	    'Log in as the demo leader (the code is printed below, no SMS is sent):' \
	    '  curl -s http://127.0.0.1:8080/api/v1/login/code -d '"'"'{"phone": "$(DEMO_LEADER)"}'"'"'' \
	    ''
	exec $(BUILD)/vaktd -c config/vakt.conf

# Install whichever listed packages are missing: apt-get as root,
# otherwise print the exact command and stop.
define install_missing
	@missing=$$(for p in $(1); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
	    grep -q '^install ok installed' || echo $$p; done | xargs); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	    echo "installing: $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends $$missing; \
	else \
	    echo "vakt needs these Debian packages: $$missing"; \
	    echo "run: sudo apt-get install -y $$missing"; exit 1; \
	fi
endef

deps:
	$(call install_missing,$(DEB_PACKAGES))

bench-deps:
	$(call install_missing,$(DEB_BENCH_PACKAGES))

bench: deps bench-deps all $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
	@sh bench/run.sh $(BUILD)

# Each header compiles on its own.
hdrcheck:
	@for h in include/vakt/*.h; do \
	    echo "#include \"$${h#include/}\"" | \
	    $(CC) $(ALL_CFLAGS) -x c -fsyntax-only - || exit 1; done

lint: hdrcheck tidy
	cppcheck --enable=warning,style,performance,portability --std=c17 \
	    --inline-suppr --error-exitcode=1 -q -Iinclude daemon
	clang-format --dry-run -Werror daemon/*.c include/vakt/*.h
	@! grep -l '<sqlite3.h>' daemon/*.c | grep -v store.c
	@! grep -l '<libconfig.h>' daemon/*.c | grep -v config.c
	@! grep -l '<curl/curl.h>' daemon/*.c | grep -v outbox.c
	@! grep -l '<systemd/sd-daemon.h>' daemon/*.c | grep -v main.c

# clang-tidy with .clang-tidy; warnings are errors.
tidy:
	clang-tidy --quiet daemon/*.c -- $(VAKT_CFLAGS) $(PKG_CFLAGS) \
	    -DVAKT_VERSION='"tidy"'

format:
	clang-format -i daemon/*.c include/vakt/*.h

install: all
	install -D -m 0755 $(BUILD)/vaktd $(DESTDIR)$(SBINDIR)/vaktd
	install -D -m 0755 $(BUILD)/vaktctl $(DESTDIR)$(BINDIR)/vaktctl
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/vakt
	test -e $(DESTDIR)$(SYSCONFDIR)/vakt/vakt.conf || \
	    sed -f config/install.sed \
	    config/vakt.conf > $(DESTDIR)$(SYSCONFDIR)/vakt/vakt.conf
	chmod 0640 $(DESTDIR)$(SYSCONFDIR)/vakt/vakt.conf
	@test -e $(DESTDIR)$(SYSCONFDIR)/vakt/twilio-token || echo \
	    'vaktd needs the Twilio auth token in $(SYSCONFDIR)/vakt/twilio-token'
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	    systemd/vaktd.service.in > $(BUILD)/vaktd.service
	install -D -m 0644 $(BUILD)/vaktd.service $(DESTDIR)$(UNITDIR)/vaktd.service
	install -D -m 0644 systemd/vakt.sysusers $(DESTDIR)$(SYSUSERSDIR)/vakt.conf
	install -D -m 0644 systemd/vakt.tmpfiles $(DESTDIR)$(TMPFILESDIR)/vakt.conf

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/vaktd $(DESTDIR)$(BINDIR)/vaktctl \
	    $(DESTDIR)$(UNITDIR)/vaktd.service \
	    $(DESTDIR)$(SYSUSERSDIR)/vakt.conf $(DESTDIR)$(TMPFILESDIR)/vakt.conf

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
