# ra.mk - the reference backend cakiosk-ra and its test tools.
#
# Included from the top-level Makefile, which defines B, CC, CFLAGS,
# CPPFLAGS, LDFLAGS, PKG_CONFIG and DEPS_FIRST.  Defines $(B)/cakiosk-ra,
# $(B)/ra-tools/jget (a tiny JSON reader for the shell test suites),
# $(B)/ra-tools/loadgen (the benchmark's client when wrk is missing) and
# $(B)/ra-tools/p11attr (a token's key attributes), $(B)/ra-tools/gcwait
# (the store's waits for its sync, linked with the backend's objects),
# $(B)/ra-tools/flood (many plain connections at once), and
# adds them to RA_BIN; $(RA_CONF_EXAMPLE), the reference configuration.

RA_PKGS    := libmicrohttpd gnutls sqlite3 libpq jansson openssl inih libp11
# p11-kit-1 for <p11-kit/pkcs11.h> alone (ca init's key generation).
RA_CFLAGS   = $(shell $(PKG_CONFIG) --cflags $(RA_PKGS) p11-kit-1)
RA_LIBS     = $(shell $(PKG_CONFIG) --libs $(RA_PKGS))
RA_SRC     := $(wildcard src/ra/*.c)
# What both programs need (src/common/): compiled once by the kiosk's rule,
# linked into both.
RA_COMMON  := $(patsubst %.c,$(B)/%.o,$(wildcard src/common/*.c))
RA_OBJ     := $(RA_SRC:%.c=$(B)/%.o)
RA_JGET    := $(B)/ra-tools/jget
RA_LOADGEN := $(B)/ra-tools/loadgen
RA_P11ATTR := $(B)/ra-tools/p11attr
RA_GCWAIT  := $(B)/ra-tools/gcwait
RA_FLOOD   := $(B)/ra-tools/flood

RA_BIN     += $(B)/cakiosk-ra $(RA_JGET) $(RA_LOADGEN) $(RA_P11ATTR) $(RA_GCWAIT) \
	      $(RA_FLOOD)
# The reference configuration file, printed by the server itself (make install
# puts it in /etc/cakiosk/ as cakiosk-ra.conf.example).
RA_CONF_EXAMPLE := $(B)/cakiosk-ra.conf.example

$(B)/src/ra/%.o: src/ra/%.c | $(DEPS_FIRST)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS) $(RA_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(B)/cakiosk-ra: $(RA_OBJ) $(RA_COMMON)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(RA_LIBS)

$(RA_CONF_EXAMPLE): $(B)/cakiosk-ra
	@echo "  GEN     $@"
	@$(B)/cakiosk-ra --config-reference > $@

$(RA_JGET): tests/ra/jget.c | $(DEPS_FIRST)
	@mkdir -p $(dir $@)
	@echo "  TOOL    $@"
	@$(CC) $(CPPFLAGS) $(RA_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< \
	    $(shell $(PKG_CONFIG) --libs jansson)

$(RA_LOADGEN): tests/ra/loadgen.c | $(DEPS_FIRST)
	@mkdir -p $(dir $@)
	@echo "  TOOL    $@"
	@$(CC) $(CPPFLAGS) $(shell $(PKG_CONFIG) --cflags libcurl openssl) $(CFLAGS) $(LDFLAGS) -o $@ $< \
	    $(shell $(PKG_CONFIG) --libs libcurl openssl)

# Many plain connections at once (test_lanes.sh).
$(RA_FLOOD): tests/ra/flood.c | $(DEPS_FIRST)
	@mkdir -p $(dir $@)
	@echo "  TOOL    $@"
	@$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $<

# What a token says of the CA's key (the HSM suite's proof it stays in).
$(RA_P11ATTR): tests/ra/p11attr.c | $(DEPS_FIRST)
	@mkdir -p $(dir $@)
	@echo "  TOOL    $@"
	@$(CC) $(CPPFLAGS) $(shell $(PKG_CONFIG) --cflags p11-kit-1) $(CFLAGS) $(LDFLAGS) -o $@ $<

# The store's group commit seen from inside (test_group_commit.sh).
$(RA_GCWAIT): $(B)/tests/ra/gcwait.o $(filter-out $(B)/src/ra/main.o,$(RA_OBJ)) $(RA_COMMON)
	@mkdir -p $(dir $@)
	@echo "  TOOL    $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(RA_LIBS)

$(B)/tests/ra/gcwait.o: tests/ra/gcwait.c | $(DEPS_FIRST)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS) $(RA_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(RA_OBJ:.o=.d) $(B)/tests/ra/gcwait.d
