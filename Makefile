# cakiosk - self-service certificate kiosk and its reference backend.
#
#   make          build both programs and the catalogue (installs nothing)
#   make deps     install the missing Debian packages (kiosk/install-deps.sh)
#   make run      make deps, build, start the demo
#   make check    make deps, build and run every test suite (unit, screen)
#   make asan     the same suite under AddressSanitizer + UBSan
#   make fuzz     libFuzzer harnesses (FUZZ_SECONDS=N runs each N s)
#   make lint     cppcheck over both programs and their tests; no include cycles
#   make format   clang-format every C file (make format-check lists them)
#   make bench    benchmarks (on demand, prints figures)
#   make install  PREFIX=/usr/local DESTDIR= (both programs, the catalogue,
#                 the units, the udev rule, the examples, the man pages)
#   make uninstall  removes what make install put

VERSION   := 0.1.0
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
SBINDIR   ?= $(PREFIX)/sbin
DATADIR   ?= $(PREFIX)/share
LOCALEDIR ?= $(DATADIR)/locale
SYSCONFDIR ?= /etc
MANDIR    ?= $(DATADIR)/man
# systemd, udev and sysusers read /usr/local/lib as well as /usr/lib.
UNITDIR   ?= $(PREFIX)/lib/systemd/system
UDEVRULESDIR ?= $(PREFIX)/lib/udev/rules.d
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
DESTDIR   ?=

# Build products live in $(B); an ASan build uses its own directory so the
# two never mix objects.
B         ?= build

CC        ?= cc
PKG_CONFIG ?= pkg-config
WARN      := -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes \
             -Wmissing-prototypes -Wwrite-strings -Werror
CFLAGS    ?= -O2 -g
# override: a CFLAGS given on the command line (make asan) keeps these.
override CFLAGS += -std=c11 $(WARN) -pthread
# The kiosk's source folders, by concern (README "Layout"); each is on the
# include path, so a module includes another's header by its bare name.
KIOSK_DIRS := core flow svc token client common
KIOSK_INC  := $(addprefix -Isrc/,$(KIOSK_DIRS))
# override: a CPPFLAGS given on the command line (a packaging build's
# -D_FORTIFY_SOURCE=2) keeps the project's own.
override CPPFLAGS += -D_DEFAULT_SOURCE -D_XOPEN_SOURCE=700 -DNCURSES_WIDECHAR=1 \
             -DVERSION='"$(VERSION)"' -Isrc $(KIOSK_INC) -I$(B)/gen

# Only the ones we ask for; every library through pkg-config.  libcurl's
# headers only: the kiosk loads it on its first backend call
# (src/client/curl_lazy.h), so it is no part of every start.
KIOSK_PKGS := ncursesw inih libcrypto jansson libqrencode libpng libjpeg libp11 p11-kit-1
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(KIOSK_PKGS) libcurl | sed 's/-D_XOPEN_SOURCE=[0-9]*//; s/-D_DEFAULT_SOURCE//')
PKG_LIBS   = $(shell $(PKG_CONFIG) --libs $(KIOSK_PKGS))
CMOCKA_CFLAGS = $(shell $(PKG_CONFIG) --cflags cmocka)
CMOCKA_LIBS   = $(shell $(PKG_CONFIG) --libs cmocka)

# Core modules: everything but main.c, so unit tests can link them.
CORE_SRC   := $(wildcard $(addsuffix /*.c,$(addprefix src/,$(KIOSK_DIRS))))
SCREEN_SRC := $(wildcard screens/*.c screens/*/*.c)
CORE_OBJ   := $(CORE_SRC:%.c=$(B)/%.o)
SCREEN_OBJ := $(SCREEN_SRC:%.c=$(B)/%.o)
MAIN_OBJ   := $(B)/src/main.o

UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
TOOL_SRC   := $(wildcard tests/tools/*.c)
TOOL_BIN   := $(TOOL_SRC:tests/tools/%.c=$(B)/tools/%)

PO_FILES   := $(wildcard assets/po/*.po)
MO_FILES   := $(PO_FILES:assets/po/%.po=$(B)/locale/%/LC_MESSAGES/cakiosk.mo)

DEPS       := kiosk/install-deps.sh
STAMP      := $(B)/.deps-ok
# The plain build never installs packages (a packaging build must not):
# only the goals that run something install what is missing first.  Every
# build rule waits for $(DEPS_FIRST) (order-only), so make -j compiles
# nothing before the packages are there.
DEPS_GOALS := deps run check unit screen asan bench lint fuzz
DEPS_FIRST := $(if $(filter $(DEPS_GOALS),$(MAKECMDGOALS)),$(STAMP))

# The reference backend (src/ra/), built beside the kiosk: defines RA_BIN.
# Its rules come first in the file, so the default goal is named here.
.DEFAULT_GOAL := all
include src/ra/ra.mk
# The libFuzzer harnesses (make fuzz); adds them to check when clang is there.
include tests/fuzz/fuzz.mk

.PHONY: all deps run check check-build unit screen asan lint format format-check install \
        uninstall clean bench pot units
all: $(B)/cakiosk $(RA_BIN) $(MO_FILES) units

# The install step: a no-op when everything is there, apt-get otherwise.
deps $(STAMP): $(DEPS)
	@sh $(DEPS)
	@mkdir -p $(B) && touch $(STAMP)
run check check-build unit screen bench lint: $(STAMP)

# Installation paths compiled in; rewritten only when they change, so
# "make install PREFIX=/usr" after a plain "make" rebuilds what uses them.
$(B)/gen/paths.h: FORCE | $(DEPS_FIRST)
	@mkdir -p $(dir $@)
	@printf '#define LOCALEDIR "%s"\n#define SYSCONFDIR "%s"\n' \
	    '$(LOCALEDIR)' '$(SYSCONFDIR)' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
FORCE:

$(B)/src/main.o $(B)/src/core/config.o $(B)/src/core/i18n.o: $(B)/gen/paths.h

# Art from assets/art/, as C string arrays.
$(B)/gen/art.h: $(wildcard assets/art/*.txt) kiosk/art2c.sh | $(DEPS_FIRST)
	@mkdir -p $(dir $@)
	sh kiosk/art2c.sh $(wildcard assets/art/*.txt) > $@

$(SCREEN_OBJ): $(B)/gen/art.h

$(B)/%.o: %.c | $(DEPS_FIRST)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(B)/cakiosk: $(MAIN_OBJ) $(CORE_OBJ) $(SCREEN_OBJ)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/locale/%/LC_MESSAGES/cakiosk.mo: assets/po/%.po | $(DEPS_FIRST)
	@mkdir -p $(dir $@)
	msgfmt --check -o $@ $<

$(B)/tests/%: tests/unit/%.c $(CORE_OBJ) $(SCREEN_OBJ) | $(DEPS_FIRST)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	@$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CMOCKA_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ \
	    $(PKG_LIBS) $(CMOCKA_LIBS)

$(B)/tools/mkseal: tests/tools/mkseal.c tests/tools/sealgen.h $(B)/src/common/sesseal.o | $(DEPS_FIRST)
	@mkdir -p $(dir $@)
	@echo "  TOOL    $@"
	@$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/src/common/sesseal.o \
	    $(shell $(PKG_CONFIG) --libs libpng libcrypto)

# A process that keeps a PKCS#11 module loaded (tests/token/test_testp11.sh).
$(B)/tools/p11poll: tests/tools/p11poll.c | $(DEPS_FIRST)
	@mkdir -p $(dir $@)
	@echo "  TOOL    $@"
	@$(CC) $(CPPFLAGS) $(shell $(PKG_CONFIG) --cflags p11-kit-1) $(CFLAGS) $(LDFLAGS) -o $@ $< -ldl

$(B)/tools/%: tests/tools/%.c | $(DEPS_FIRST)
	@mkdir -p $(dir $@)
	@echo "  TOOL    $@"
	@$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $<

# Token tests: the PKCS#11 test module (never sanitized: pkcs11-tool loads
# it too) and the token test programs, which the unit runner picks up.
TESTP11   := $(B)/tests/p11/cakiosk-testp11.so
TOKEN_BIN := $(patsubst tests/token/%.c,$(B)/tests/%,$(wildcard tests/token/test_*.c))
$(TOKEN_BIN): tests/token/bed.h
check-build unit: $(TESTP11) $(TOKEN_BIN) $(B)/tests/unlockrun $(B)/tests/renewrun $(B)/tests/changerun \
	$(B)/tests/pzrun $(B)/tests/soakrun
$(TESTP11): $(wildcard tests/p11/*.c) tests/p11/testp11.h | $(DEPS_FIRST)
	@mkdir -p $(dir $@)
	@echo "  SO      $@"
	@$(CC) $(CPPFLAGS) $(shell $(PKG_CONFIG) --cflags p11-kit-1) -std=c11 $(WARN) -O2 -g \
	    -fPIC -shared -fvisibility=hidden -o $@ $(filter %.c,$^) -ldl -pthread
# A program linked with the kiosk's own objects (token tests, benchmarks);
# some drive the sandbox backend with libcurl themselves (renew_drive.h), so
# they link it (the kiosk's objects load the same one when they call).
define link_core
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	@$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CMOCKA_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ \
	    $(filter %.c %.o,$^) $(PKG_LIBS) $(shell $(PKG_CONFIG) --libs libcurl) $(CMOCKA_LIBS)
endef
$(TOKEN_BIN) $(B)/tests/tokbench $(B)/tests/unlockrun $(B)/tests/renewrun $(B)/tests/changerun \
	$(B)/tests/pzrun: $(B)/tests/%: tests/token/%.c $(CORE_OBJ) $(SCREEN_OBJ) | $(DEPS_FIRST)
	$(link_core)
# One kiosk process through many visits (tests/soak/).
$(B)/tests/soakrun: tests/soak/soakrun.c $(CORE_OBJ) $(SCREEN_OBJ) | $(DEPS_FIRST)
	$(link_core)
# The renewal benchmark's kiosk side (tests/bench/renew-bench.sh).
$(B)/tests/renewbench: tests/bench/renewbench.c $(CORE_OBJ) $(SCREEN_OBJ) | $(DEPS_FIRST)
	$(link_core)

# Message catalogue template, from the sources.
pot: assets/po/cakiosk.pot
KIOSK_TEXT_SRC = src/main.c $(CORE_SRC) $(SCREEN_SRC) \
    $(wildcard $(addsuffix /*.h,$(addprefix src/,$(KIOSK_DIRS))))
assets/po/cakiosk.pot: $(KIOSK_TEXT_SRC)
	xgettext --from-code=UTF-8 -k_ -kN_ -kM_ -ktoken_tr -kC_:1c,2 --add-comments=TRANSLATORS \
	    --package-name=cakiosk --package-version=$(VERSION) \
	    --sort-by-file -o $@ $^

run: all $(TESTP11)
	@sh kiosk/demo.sh $(B)

# The programs and tests are built a job per processor first (a fresh
# build took over two minutes one at a time), then the suites run.
check:
	@$(MAKE) --no-print-directory -j$$(nproc) check-build
	@B=$(B) sh tests/run.sh
check-build: all $(UNIT_BIN) $(TOOL_BIN) $(RA_BIN)

unit: $(UNIT_BIN)
	@B=$(B) SUITES=unit sh tests/run.sh

screen: all $(TOOL_BIN)
	@B=$(B) SUITES=screen sh tests/run.sh

# Whole suite under AddressSanitizer + UndefinedBehaviorSanitizer.  ASan keeps
# freed blocks in quarantine, untouched, where malloc would reuse them: freed
# memory is filled, so the memory proofs (tests/tools/memgrep) look at live
# copies here, as in the plain build.
asan:
	@ASAN_OPTIONS="$${ASAN_OPTIONS:+$$ASAN_OPTIONS:}max_free_fill_size=1048576:free_fill_byte=0" \
	JOBS="$${JOBS:-$$(nproc)}" $(MAKE) --no-print-directory B=build-asan \
	    CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" \
	    LDFLAGS="-fsanitize=address,undefined" check

# Every C file of both programs and their tests: lint and format cover the
# kiosk and the backend alike.
C_FILES = $(shell find src screens tests -name '*.[ch]' | sort)
LINT_EXCLUDE ?=
lint: $(STAMP) $(B)/gen/art.h $(B)/gen/paths.h format-check
	cppcheck --quiet --error-exitcode=1 --enable=warning,style,performance,portability \
	    --std=c11 --inline-suppr --suppress=missingIncludeSystem \
	    -Isrc $(KIOSK_INC) -I$(B)/gen $(LINT_EXCLUDE) src screens tests
	sh kiosk/include-cycles.sh

# One formatting for all (.clang-format); format-check lists the files that
# differ from it and fails when there is one (make lint runs it).
format:
	clang-format -i $(C_FILES)

format-check:
	@n=0; for f in $(C_FILES); do \
	    clang-format "$$f" | cmp -s - "$$f" || { echo "not formatted: $$f"; n=$$((n + 1)); }; \
	done; echo "$$n file(s) not formatted (make format fixes them)"; test $$n -eq 0

# Every benchmark runs even if one before it failed (-): the last table,
# tests/bench/goals.sh, gives each goal its figure of this run, or says that
# its benchmark did not run.  RA_BEFORE=path/to/an/earlier/cakiosk-ra gives
# the reads their before figure.
bench: all $(TESTP11) $(B)/tests/renewbench $(B)/tests/unlockrun $(B)/tests/pzrun
	@rm -f $(B)/bench/figures
	-@sh tests/bench/startup.sh $(B)
	-@sh tests/bench/display-startup.sh $(B)
	-@sh tests/bench/idle.sh $(B)
	-@sh tests/bench/token-bench.sh $(B)
	-@sh tests/bench/ra-bench.sh $(B)
	-@sh tests/bench/stores-bench.sh $(B)
	-@sh tests/bench/issue-bench.sh $(B)
	-@sh tests/bench/renew-bench.sh $(B)
	-@sh tests/bench/unlock-bench.sh $(B)
	-@sh tests/bench/personalize-bench.sh $(B)
	-@sh tests/bench/upload-bench.sh $(B)
	@sh tests/bench/goals.sh $(B)

# The systemd units, from kiosk/*.service.in and *.timer.in (and
# kiosk/display/'s) with the installation paths put in; regenerated when a
# path changes.
UNIT_IN  := $(wildcard kiosk/*.service.in kiosk/*.timer.in kiosk/display/*.service.in)
UNITS    := $(addprefix $(B)/units/,$(notdir $(UNIT_IN:.in=)))
SUBST     = sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SBINDIR@|$(SBINDIR)|g' \
            -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@DATADIR@|$(DATADIR)|g'
units: $(UNITS)
$(B)/gen/subst: FORCE
	@mkdir -p $(dir $@)
	@printf '%s\n' '$(BINDIR)' '$(SBINDIR)' '$(SYSCONFDIR)' '$(DATADIR)' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
$(B)/units/%: kiosk/%.in $(B)/gen/subst
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	@$(SUBST) $< > $@
$(B)/units/%: kiosk/display/%.in $(B)/gen/subst
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	@$(SUBST) $< > $@

# What make install puts where (make uninstall removes exactly these).
MAN_PAGES := man/cakiosk.1 man/cakiosk.conf.5 man/cakiosk-ra.8
DOCDIR    ?= $(DATADIR)/doc/cakiosk
INSTALL   ?= install
install: all $(RA_CONF_EXAMPLE)
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(SYSCONFDIR)/cakiosk \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(UDEVRULESDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(DOCDIR)
	$(INSTALL) -m 0755 $(B)/cakiosk $(DESTDIR)$(BINDIR)/cakiosk
	$(INSTALL) -m 0755 $(B)/cakiosk-ra $(DESTDIR)$(SBINDIR)/cakiosk-ra
	for mo in $(MO_FILES); do \
	    l=$${mo#$(B)/locale/}; \
	    $(INSTALL) -D -m 0644 $$mo $(DESTDIR)$(LOCALEDIR)/$$l; \
	done
	$(INSTALL) -m 0644 $(UNITS) $(DESTDIR)$(UNITDIR)/
	$(INSTALL) -m 0644 kiosk/90-cakiosk-ukey.rules $(DESTDIR)$(UDEVRULESDIR)/90-cakiosk-ukey.rules
	$(INSTALL) -m 0644 kiosk/cakiosk.sysusers $(DESTDIR)$(SYSUSERSDIR)/cakiosk.conf
	$(INSTALL) -m 0644 kiosk/cakiosk.conf.example $(DESTDIR)$(SYSCONFDIR)/cakiosk/cakiosk.conf.example
	$(INSTALL) -m 0644 kiosk/cakiosk-ra.default.example \
	    $(DESTDIR)$(SYSCONFDIR)/cakiosk/cakiosk-ra.default.example
	$(INSTALL) -m 0644 $(RA_CONF_EXAMPLE) $(DESTDIR)$(SYSCONFDIR)/cakiosk/cakiosk-ra.conf.example
	for m in $(MAN_PAGES); do \
	    s=$${m##*.}; $(INSTALL) -D -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/$${m#man/}; \
	done
	$(INSTALL) -m 0644 kiosk/LOCKDOWN.md $(DESTDIR)$(DOCDIR)/LOCKDOWN.md
	$(INSTALL) -m 0755 kiosk/display/xinitrc $(DESTDIR)$(SYSCONFDIR)/cakiosk/xinitrc
	$(INSTALL) -m 0644 kiosk/display/Xresources $(DESTDIR)$(SYSCONFDIR)/cakiosk/Xresources
	$(INSTALL) -D -m 0644 kiosk/display/50-cakiosk.conf \
	    $(DESTDIR)$(SYSCONFDIR)/X11/xorg.conf.d/50-cakiosk.conf

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/cakiosk $(DESTDIR)$(SBINDIR)/cakiosk-ra
	for mo in $(MO_FILES); do rm -f $(DESTDIR)$(LOCALEDIR)/$${mo#$(B)/locale/}; done
	rm -f $(addprefix $(DESTDIR)$(UNITDIR)/,$(notdir $(UNITS)))
	rm -f $(DESTDIR)$(UDEVRULESDIR)/90-cakiosk-ukey.rules $(DESTDIR)$(SYSUSERSDIR)/cakiosk.conf
	rm -f $(DESTDIR)$(SYSCONFDIR)/cakiosk/cakiosk.conf.example \
	    $(DESTDIR)$(SYSCONFDIR)/cakiosk/cakiosk-ra.default.example \
	    $(DESTDIR)$(SYSCONFDIR)/cakiosk/cakiosk-ra.conf.example
	for m in $(MAN_PAGES); do rm -f $(DESTDIR)$(MANDIR)/man$${m##*.}/$${m#man/}; done
	rm -f $(DESTDIR)$(DOCDIR)/LOCKDOWN.md
	rm -f $(DESTDIR)$(SYSCONFDIR)/cakiosk/xinitrc $(DESTDIR)$(SYSCONFDIR)/cakiosk/Xresources \
	    $(DESTDIR)$(SYSCONFDIR)/X11/xorg.conf.d/50-cakiosk.conf
	-rmdir $(DESTDIR)$(DOCDIR) $(DESTDIR)$(SYSCONFDIR)/cakiosk 2>/dev/null

clean:
	rm -rf build build-asan

-include $(shell find $(B) -name '*.d' 2>/dev/null)
