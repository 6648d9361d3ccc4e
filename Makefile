# crmpolicy: one non-recursive Makefile.
#   make            build the module, the command, the core library and the catalogs
#   make check      install build dependencies, build, run every test (also under ASan/UBSan and valgrind)
#   make demo       install dependencies, build, run the sandboxed walk-through
#   make install    install into $(DESTDIR) (PREFIX, LIBDIR, SECUREDIR, SYSTEMDUNITDIR,
#                   DOCDIR, LOCALEDIR honoured); the Kamailio registrar example
#                   goes to $(DOCDIR)/examples/kamailio
#   make pot        regenerate the translation template po/crmpolicy.pot
#   make po-update  merge po/<lang>.po with a fresh template, show what is missing
#   make e2e        as root: build the package, install it and test it with real
#                   programs (sshd, Apache, mail, Kamailio with SIPp, su, login,
#                   sudo, cron); make check runs it too when it runs as root
#   make fuzz       install clang, build the fuzz targets with libFuzzer and run
#                   each for FUZZ_SECONDS (default 60)

VERSION   := 0.2.0
CC        ?= gcc
BUILD     ?= build
PREFIX    ?= /usr
SBINDIR   ?= $(PREFIX)/sbin
SYSCONFDIR ?= /etc
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
SECUREDIR ?= /lib/$(MULTIARCH)/security
SYSTEMDUNITDIR ?= /lib/systemd/system
BACKUPDIR ?= /var/backups/crmpolicy
LOCALEDIR ?= $(PREFIX)/share/locale
DOCDIR    ?= $(PREFIX)/share/doc/libpam-crmpolicy
DESTDIR   ?=

PKGS      := libsodium sqlite3 libpq libmaxminddb liboath nettle
WARN      := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wconversion \
             -Wstrict-prototypes -Wmissing-prototypes -Wvla
HARDEN    := -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIC
CPPFLAGS  += -Iinclude -D_GNU_SOURCE -DCRM_VERSION=\"$(VERSION)\" \
             -DCRM_LOCALEDIR=\"$(LOCALEDIR)\" \
             -DCRM_HELPER_PATH=\"$(SBINDIR)/crmpolicy_helper\"
# FUZZ=1 is the clang build of make fuzz (below), at -O1 -g unless
# CFLAGS says otherwise.
ifeq ($(FUZZ),1)
CFLAGS    ?= -O1 -g
endif
CFLAGS    ?= -O2 -g
CFLAGS    += -std=c11 $(WARN) $(HARDEN) -fvisibility=hidden \
             $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDFLAGS   += -Wl,-z,relro,-z,now -Wl,--as-needed
# libxcrypt (libcrypt-dev) verifies the crypt(3) hashes of /etc/shadow.
LIBS      := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcrypt

ifeq ($(SAN),1)
CFLAGS    += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS   += -fsanitize=address,undefined
endif
# It instruments every object for libFuzzer and the sanitizers; only the
# targets link libFuzzer's main. clang also flags a positional initializer
# that leaves the last fields zero, as the key table of lib/config.c does
# on purpose.
ifeq ($(FUZZ),1)
CFLAGS    += -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
             -fno-sanitize-recover=undefined -Wno-missing-field-initializers
LDFLAGS   += -fsanitize=address,undefined
endif

LIB_SRC   := $(sort $(wildcard lib/*.c))
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
MOD_SRC   := $(sort $(wildcard pam_crmpolicy/*.c))
MOD_OBJ   := $(MOD_SRC:%.c=$(BUILD)/%.o)
CLI_SRC   := $(sort $(wildcard tools/*.c))
CLI_OBJ   := $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
UNIT_SUP  := $(filter-out $(UNIT_SRC),$(sort $(wildcard tests/unit/*.c)))
PAMT_SRC  := $(sort $(wildcard tests/pam/test_*.c))
PAMT_BIN  := $(PAMT_SRC:tests/pam/%.c=$(BUILD)/tests/pam_%)
# pamdrive.c is a program of its own (PAMDRIVE below), not test support.
PAMT_SUP  := $(filter-out $(PAMT_SRC) tests/pam/pamdrive.c,$(sort $(wildcard tests/pam/*.c)))

# The phase flow and the helper wire, shared by the module and the helper.
FLOW_OBJ  := $(BUILD)/pam_crmpolicy/flow.o $(BUILD)/pam_crmpolicy/wire.o
HELPER_OBJ := $(BUILD)/helper/crmpolicy_helper.o
# The registrar daemon and its line protocol.
REG_OBJ   := $(BUILD)/registrar/crmpolicy_registrar.o $(BUILD)/registrar/proto.o
# The fuzz targets, one program each (see "Fuzzing" below).
FUZZ_SRC  := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN  := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/tests/fuzz/%)

CORE      := $(BUILD)/libcrmcore.a
MODULE    := $(BUILD)/pam_crmpolicy.so
CLI       := $(BUILD)/crmpasswd
HELPER    := $(BUILD)/crmpolicy_helper
REGISTRAR := $(BUILD)/crmpolicy_registrar
# The message catalogs: one per language of po/LINGUAS (comments start
# with #), built into $(BUILD)/locale as they are installed under LOCALEDIR.
LINGUAS   := $(shell sed 's/[\#].*//' po/LINGUAS)
MO        := $(LINGUAS:%=$(BUILD)/locale/%/LC_MESSAGES/crmpolicy.mo)

.PHONY: demo-fleet all tests check demo install deb bench bench-timing valgrind-long fuzz fuzz-targets e2e clean deps pot po-update
all: $(CORE) $(MODULE) $(CLI) $(HELPER) $(REGISTRAR) $(MO)

$(BUILD)/%.o: %.c $(wildcard include/crmpolicy/*.h include/crmpolicy/*.def) $(wildcard lib/*.h) $(wildcard tests/*/*.h) $(wildcard tools/*.h) $(wildcard pam_crmpolicy/*.h) $(wildcard registrar/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(CORE): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

# The module exports only pam_sm_*: hidden visibility plus a version script.
# -z nodelete: once a process has loaded the module it stays mapped, with
# SQLite and the other libraries, instead of being unmapped at each
# pam_end and mapped and relocated again at the next pam_start (a web
# server's or a mail server's authentication worker starts one handle per
# request). It holds no state between handles (see README, Performance).
$(MODULE): $(MOD_OBJ) $(CORE) pam_crmpolicy/exports.map
	$(CC) -shared $(LDFLAGS) -Wl,--version-script=pam_crmpolicy/exports.map \
	  -Wl,--no-undefined -Wl,-z,nodelete -o $@ $(MOD_OBJ) $(CORE) $(LIBS) -lpam

# The setuid helper for callers without root: the module's flow, run
# over the wire instead of a PAM handle.
$(HELPER): $(HELPER_OBJ) $(FLOW_OBJ) $(CORE)
	$(CC) -pie $(LDFLAGS) -o $@ $(HELPER_OBJ) $(FLOW_OBJ) $(CORE) $(LIBS) -lpam

# The daemon SIP registrars ask (crmpolicy_registrar(8)).
$(REGISTRAR): $(REG_OBJ) $(CORE)
	$(CC) -pie $(LDFLAGS) -o $@ $(REG_OBJ) $(CORE) $(LIBS)

$(CLI): $(CLI_OBJ) $(CORE)
	$(CC) -pie $(LDFLAGS) -o $@ $(CLI_OBJ) $(CORE) $(LIBS) \
	  $(shell pkg-config --libs libqrencode) -lpam -lpam_misc

# A language's compiled catalog. --check refuses a translation whose
# printf directives differ from the original's, or a bad header.
$(BUILD)/locale/%/LC_MESSAGES/crmpolicy.mo: po/%.po
	@mkdir -p $(dir $@)
	msgfmt --check -o $@.tmp $< && mv -f $@.tmp $@

tests: all $(UNIT_BIN) $(PAMT_BIN) $(FUZZ_BIN)

# Tests build without -Wconversion: cmocka's assert macros convert every
# argument to uintmax_t, which that warning flags at each call.
$(BUILD)/tests/test_%: tests/unit/test_%.c $(UNIT_SUP) $(CORE)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-conversion -o $@ $< $(UNIT_SUP) $(CORE) \
	  $(LDFLAGS) $(LIBS) $(shell pkg-config --libs cmocka)

$(BUILD)/tests/pam_test_%: tests/pam/test_%.c $(PAMT_SUP) $(CORE)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-conversion -o $@ $< $(PAMT_SUP) $(CORE) \
	  $(LDFLAGS) $(LIBS) $(shell pkg-config --libs cmocka libpamtest) -lpam

# Fuzzing. Each tests/fuzz/fuzz_NAME.c is a libFuzzer target over one
# parser of the core, the helper's wire or the registrar's protocol (the
# last two from an archive, so that a target takes only what it uses).
# The test builds (here and in $(BUILD)/asan) link each with
# replay_main.c, which runs it once over every file it is given: make
# check replays the committed corpus and regressions through them
# (tests/fuzz/run-regress.sh). make fuzz builds them again with clang
# and libFuzzer (FUZZ=1) in $(BUILD)/fuzz.
FUZZ_ADAPT := $(BUILD)/tests/fuzz/adapters.a
FUZZ_DEFS := -DCRM_FUZZ_DATA=\"$(CURDIR)/tests/fuzz/data\"
ifeq ($(FUZZ),1)
FUZZ_MAIN :=
FUZZ_LINK := -fsanitize=fuzzer
else
FUZZ_MAIN := tests/fuzz/replay_main.c
FUZZ_LINK :=
endif

$(FUZZ_ADAPT): $(BUILD)/pam_crmpolicy/wire.o $(BUILD)/registrar/proto.o
	@mkdir -p $(dir $@)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/tests/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_MAIN) $(FUZZ_ADAPT) $(CORE)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(FUZZ_DEFS) $(CFLAGS) -Wno-conversion -o $@ $< \
	  $(FUZZ_MAIN) $(FUZZ_ADAPT) $(CORE) $(LDFLAGS) $(FUZZ_LINK) $(LIBS)

# The targets alone: what make fuzz builds with FUZZ=1.
fuzz-targets: $(FUZZ_BIN)

# clang (installed when missing) builds every target with libFuzzer,
# ASan and UBSan; scripts/fuzz.sh runs each for FUZZ_SECONDS from a copy
# of its corpus and fails on a crash or a leak, whose input it keeps in
# tests/fuzz/regress/. The rates and coverage go to $(BUILD)/fuzz/report.txt.
FUZZ_SECONDS ?= 60
fuzz:
	@scripts/install-deps.sh clang libclang-rt-dev
	$(MAKE) BUILD=$(BUILD)/fuzz CC=clang FUZZ=1 SAN= fuzz-targets
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh $(BUILD)/fuzz

deps:
	@scripts/install-deps.sh

# Every test: the normal build, the ASan/UBSan build, and valgrind over
# 1,000 PAM transactions in one process.
check: deps
	$(MAKE) tests
	scripts/run-tests.sh $(BUILD)
	$(MAKE) BUILD=$(BUILD)/asan SAN=1 tests
	scripts/run-tests.sh $(BUILD)/asan
	scripts/valgrind-check.sh $(BUILD)
	@scripts/summary.sh $(BUILD) $(BUILD)/asan
	@if [ "$$(id -u)" -eq 0 ]; then $(MAKE) e2e; \
	else echo "check: the end-to-end suite needs root: sudo make e2e"; fi

# The end-to-end suite installs, upgrades and purges the package and starts
# real services on loopback: root only (tests/e2e/run.py says why it stops).
e2e:
	@scripts/install-e2e-deps.sh
	$(MAKE) deb
	tests/e2e/run.py

demo: deps all
	scripts/demo.sh $(BUILD)

# The second act: two hosts sharing one lockout through a throwaway
# PostgreSQL cluster.
demo-fleet: deps all
	scripts/demo-fleet.sh $(BUILD)

# The benchmarks write their tables into bench/RESULTS.md (and its plot).
bench: all
	rm -rf $(BUILD)/bench/results
	BENCH_OUT=$(BUILD)/bench/results scripts/bench.sh $(BUILD)
	BENCH_OUT=$(BUILD)/bench/results scripts/bench-pam.sh $(BUILD)
	BENCH_OUT=$(BUILD)/bench/results scripts/bench-sip.sh $(BUILD)
	BENCH_OUT=$(BUILD)/bench/results scripts/bench-timing.sh $(BUILD)
	scripts/bench-results.py bench/RESULTS.md $(BUILD)/bench/results

# valgrind over 10,000 mixed transactions in one process (make check runs
# 1,000): auth, account, session, password changes, TOTP, e-mailed codes.
valgrind-long: tests
	CRM_VG_N=10000 scripts/valgrind-check.sh $(BUILD)

# Whether a refusal's time tells an account's state (part of make bench).
bench-timing: all $(BUILD)/bench/pamtx
	mkdir -p $(BUILD)/bench/results
	BENCH_OUT=$(BUILD)/bench/results scripts/bench-timing.sh $(BUILD)
	scripts/bench-results.py bench/RESULTS.md $(BUILD)/bench/results

# Runtime directories belong to the host, not to a staged tree: installing
# without DESTDIR creates the backup directory (the only place the backup
# service may write besides the store's), "crmpasswd init" the store's; a
# package build (DESTDIR set) leaves both to the package's postinst.
install: all
	install -d $(DESTDIR)$(SECUREDIR) $(DESTDIR)$(PREFIX)/bin \
	  $(DESTDIR)$(SYSCONFDIR)/security $(DESTDIR)$(SYSCONFDIR)/pam.d \
	  $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5 \
	  $(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(PREFIX)/share/pam-configs
	install -m 0644 $(MODULE) $(DESTDIR)$(SECUREDIR)/pam_crmpolicy.so
	install -m 4755 $(CLI) $(DESTDIR)$(PREFIX)/bin/crmpasswd
	install -d $(DESTDIR)$(SBINDIR)
	install -m 4755 $(HELPER) $(DESTDIR)$(SBINDIR)/crmpolicy_helper
	install -m 0755 $(REGISTRAR) $(DESTDIR)$(SBINDIR)/crmpolicy_registrar
	install -m 0644 etc/crmpolicy.conf $(DESTDIR)$(SYSCONFDIR)/security/crmpolicy.conf
	install -m 0644 etc/crmpolicy.badwords $(DESTDIR)$(SYSCONFDIR)/security/crmpolicy.badwords
	install -m 0644 etc/pam.d/crmpasswd $(DESTDIR)$(SYSCONFDIR)/pam.d/crmpasswd
	install -m 0644 etc/pam-configs/crmpolicy $(DESTDIR)$(PREFIX)/share/pam-configs/crmpolicy
	install -m 0644 man/crmpasswd.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 man/crmpolicy.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 man/pam_crmpolicy.8 man/crmpolicy_helper.8 \
	  man/crmpolicy_registrar.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	sed 's|/usr/bin/crmpasswd|$(PREFIX)/bin/crmpasswd|' etc/systemd/crmpolicy-backup.service \
	  > $(DESTDIR)$(SYSTEMDUNITDIR)/crmpolicy-backup.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/crmpolicy-backup.service
	install -m 0644 etc/systemd/crmpolicy-backup.timer $(DESTDIR)$(SYSTEMDUNITDIR)/
	sed 's|/usr/sbin/crmpolicy_registrar|$(SBINDIR)/crmpolicy_registrar|' \
	  etc/systemd/crmpolicy-registrar.service \
	  > $(DESTDIR)$(SYSTEMDUNITDIR)/crmpolicy-registrar.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/crmpolicy-registrar.service
	install -d $(DESTDIR)$(DOCDIR)/examples/kamailio
	install -m 0644 etc/kamailio/kamailio-crmpolicy.cfg etc/kamailio/crmpolicy.lua \
	  $(DESTDIR)$(DOCDIR)/examples/kamailio/
	for l in $(LINGUAS); do \
	  install -d $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES && \
	  install -m 0644 $(BUILD)/locale/$$l/LC_MESSAGES/crmpolicy.mo \
	    $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/crmpolicy.mo || exit 1; \
	done
	if [ -z "$(DESTDIR)" ]; then install -d -m 0700 $(BACKUPDIR); fi

clean:
	rm -rf $(BUILD)

# The PAM conversation driver used by the demo and the shell tests: runs
# PAM operations for one service and user, answering prompts from stdin.
PAMDRIVE  := $(BUILD)/tests/pamdrive
tests all: $(PAMDRIVE)
# It links libcrypt as login and sshd do, for pam_unix: under ASan the
# crypt_r interceptor finds the real one only in a library loaded at start.
$(PAMDRIVE): tests/pam/pamdrive.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS) -lpam \
	  -Wl,--no-as-needed -lcrypt -Wl,--as-needed

# Benchmarks (make bench): not part of make check.
# The translation template: every user-visible string is marked with _(),
# N_() or ngettext_() in the files po/POTFILES.in names; scripts/po-template.sh
# holds the xgettext command (tests/cli/test_catalogs.sh runs it too).
pot:
	scripts/po-template.sh po/crmpolicy.pot $(VERSION)

# Every catalog merged with a fresh template: new messages come in
# untranslated, changed ones fuzzy with their previous msgid (#|) beside
# them; then each catalog's counts. A complete catalog shows only
# "N translated messages."
po-update: pot
	@for l in $(LINGUAS); do \
	  echo "msgmerge po/$$l.po"; \
	  msgmerge --quiet --update --backup=none --previous po/$$l.po po/crmpolicy.pot || exit 1; \
	done
	@for l in $(LINGUAS); do \
	  printf '%s: ' po/$$l.po; \
	  msgfmt --check --statistics -o /dev/null po/$$l.po 2>&1 || exit 1; \
	done

# Debian package: make deb leaves libpam-crmpolicy_<version>_<arch>.deb in
# the top directory. dpkg-buildpackage writes to the parent directory, so
# its results are moved out of it even when the build fails: the .deb here,
# the dbgsym package, .buildinfo and .changes into $(BUILD)/deb. The package
# build does not inherit SAN, BUILD or MAKEFLAGS from this make.
deb:
	@scripts/install-deb-deps.sh
	@v=$$(dpkg-parsechangelog -S Version) && a=$$(dpkg-architecture -qDEB_HOST_ARCH) && \
	p=libpam-crmpolicy && rc=0 && \
	{ env -u MAKEFLAGS -u MAKEOVERRIDES -u MFLAGS -u MAKELEVEL -u SAN -u BUILD \
		dpkg-buildpackage -us -uc -b || rc=$$?; } && \
	mkdir -p $(BUILD)/deb && \
	for f in ../$${p}-dbgsym_$${v}_$${a}.deb ../$${p}_$${v}_$${a}.buildinfo \
		../$${p}_$${v}_$${a}.changes; do [ ! -e "$$f" ] || mv -f "$$f" $(BUILD)/deb/; done && \
	if [ -e ../$${p}_$${v}_$${a}.deb ]; then mv -f ../$${p}_$${v}_$${a}.deb .; fi && \
	if [ $$rc -ne 0 ]; then exit $$rc; fi && \
	echo "built: $(CURDIR)/$${p}_$${v}_$${a}.deb"

# Source-IP rules benchmark (make bench): crm_rules_decide over 1,000 rules.
bench: $(BUILD)/bench/rules
$(BUILD)/bench/rules: bench/rules.c bench/bench.h $(CORE)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(CORE) $(LDFLAGS) $(LIBS)
bench: $(BUILD)/bench/geo
$(BUILD)/bench/geo: bench/geo.c bench/bench.h $(CORE)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(CORE) $(LDFLAGS) $(LIBS)
bench: $(BUILD)/bench/mfa
$(BUILD)/bench/mfa: bench/mfa.c bench/bench.h $(CORE)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(CORE) $(LDFLAGS) $(LIBS)
# SIPp's response times with a clock finer than CLOCK_MONOTONIC_COARSE.
bench: $(BUILD)/bench/fineclock.so
$(BUILD)/bench/fineclock.so: bench/fineclock.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -shared -o $@ $< $(LDFLAGS) -ldl
# The PAM transaction driver of every benchmark. Exported symbols: its
# syslog stands in for libc's in the modules it loads.
bench: $(BUILD)/bench/pamtx
$(BUILD)/bench/pamtx: bench/pamtx.c bench/bench.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -rdynamic -o $@ $< $(LDFLAGS) -lpam
# One argon2id verification at the default cost: the standalone bound.
bench: $(BUILD)/bench/kdf
$(BUILD)/bench/kdf: bench/kdf.c bench/bench.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS) $(LIBS)
# The scale benchmark's store: accounts, history and a chained trail.
bench: $(BUILD)/bench/bulkgen
$(BUILD)/bench/bulkgen: bench/bulkgen.c bench/bench.h $(CORE)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(CORE) $(LDFLAGS) $(LIBS)
