# fuzz.mk - libFuzzer harnesses for the parsers of outside input.
#
# Included from the top-level Makefile (after ra.mk: uses RA_SRC, RA_CFLAGS,
# RA_LIBS).  Every harness is built with clang, -fsanitize=fuzzer and
# ASan + UBSan, from its own copies of the objects it tests (in
# $(B)/fuzz/obj, instrumented for coverage), whatever CC and CFLAGS the rest
# of the build uses.
#
#   make fuzz                    build the harnesses ($(B)/fuzz/bin/fuzz_*)
#   make fuzz FUZZ_SECONDS=600   and run each for 600 s (tests/fuzz/run.sh)
#   make fuzz FUZZ_SECONDS=60 FUZZ_ONLY="seal csr"   only some of them
#
# make check runs each over its seed corpus (tests/fuzz/corpus/NAME) plus a
# few seconds (tests/fuzz/test_fuzz.sh).  Without clang the harnesses are
# not built and that suite says so with a SKIP.

FUZZ_CC     ?= clang
HAVE_FUZZ_CC := $(shell command -v $(FUZZ_CC) >/dev/null 2>&1 && echo yes)
FUZZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -O1 -g -fno-omit-frame-pointer $(FUZZ_SAN) -std=c11 $(WARN) -pthread
FB          := $(B)/fuzz

FUZZ_KIOSK  := seal text validate config replies picture
FUZZ_RA     := csr ra_body ra_form peer
FUZZ_NAMES  := $(FUZZ_KIOSK) $(FUZZ_RA)
FUZZ_BIN    := $(FUZZ_NAMES:%=$(FB)/bin/fuzz_%)

# The code under test, instrumented, in two archives: a harness pulls in
# only the members it needs.
FUZZ_KIOSK_OBJ := $(patsubst %.c,$(FB)/obj/%.o,$(CORE_SRC))
FUZZ_RA_OBJ    := $(patsubst %.c,$(FB)/obj/%.o,$(filter-out src/ra/main.c,$(RA_SRC)) \
                    $(wildcard src/common/*.c))

$(FB)/obj/src/ra/%.o: src/ra/%.c | $(DEPS_FIRST)
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $<"
	@$(FUZZ_CC) $(CPPFLAGS) $(RA_CFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link \
	    -MMD -MP -c -o $@ $<

$(FB)/obj/%.o: %.c | $(DEPS_FIRST) $(B)/gen/art.h $(B)/gen/paths.h
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $<"
	@$(FUZZ_CC) $(CPPFLAGS) $(PKG_CFLAGS) $(RA_CFLAGS) $(FUZZ_CFLAGS) \
	    -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FB)/libkiosk.a: $(FUZZ_KIOSK_OBJ)
	@rm -f $@ && ar rcs $@ $^
$(FB)/libra.a: $(FUZZ_RA_OBJ)
	@rm -f $@ && ar rcs $@ $^

define fuzz_link
	@mkdir -p $(dir $@)
	@echo "  FUZZLD  $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $(filter %.o %.a,$^)
endef
$(FUZZ_KIOSK:%=$(FB)/bin/fuzz_%): $(FB)/bin/fuzz_%: $(FB)/obj/tests/fuzz/fuzz_%.o \
    $(FB)/obj/tests/fuzz/fuzz_util.o $(FB)/libkiosk.a
	$(fuzz_link) $(PKG_LIBS) -lm
$(FUZZ_RA:%=$(FB)/bin/fuzz_%): $(FB)/bin/fuzz_%: $(FB)/obj/tests/fuzz/fuzz_%.o \
    $(FB)/obj/tests/fuzz/fuzz_util.o $(FB)/obj/tests/fuzz/fuzz_ra.o $(FB)/libra.a
	$(fuzz_link) $(RA_LIBS)

.PHONY: fuzz
ifeq ($(HAVE_FUZZ_CC),yes)
fuzz: $(FUZZ_BIN)
ifneq ($(FUZZ_SECONDS),)
	@sh tests/fuzz/run.sh $(FB)/bin $(FUZZ_SECONDS) $(or $(FUZZ_ONLY),$(FUZZ_NAMES))
endif
check-build: $(FUZZ_BIN)
else
fuzz:
	@echo "make fuzz needs $(FUZZ_CC) (kiosk/install-deps.sh installs clang)" >&2; exit 1
endif

