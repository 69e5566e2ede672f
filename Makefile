# CNI plugin suite in C. `make` builds every plugin into bin/; `make install` copies them to
# $(DESTDIR)$(PREFIX) (default /opt/cni/bin); `make check` runs the whole test suite.

PREFIX      ?= /opt/cni/bin
SBINDIR     ?= /usr/local/sbin
RTPROTOS_DIR ?= /etc/iproute2/rt_protos.d
INSTALL_STRIP ?= -s  # make install INSTALL_STRIP= keeps the debug information
DESTDIR     ?=
O           ?= .
CC          ?= cc
VERSION     := $(shell git describe --always --dirty 2>/dev/null || echo 0.1.0)

WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes \
           -Wvla -Wno-missing-field-initializers -fno-common
CFLAGS  ?= -O2 -g
# What the code needs, whatever CFLAGS the user passes (`make CFLAGS=-O0` keeps these).
override CFLAGS += -std=gnu11 -D_GNU_SOURCE $(WARN) -ffunction-sections -fdata-sections \
           -DCNI_SUITE_VERSION='"$(VERSION)"' -Ipkg
override LDFLAGS += -Wl,--gc-sections -Wl,--as-needed
# jansson and libnftnl are linked statically (one less library for the loader at every
# exec: a plugin that writes no nftables rule pays nothing for them); libmnl has no static
# archive in Debian and stays shared.
LDLIBS  := -Wl,-Bstatic -ljansson -lnftnl -Wl,-Bdynamic -lmnl

# SAN=1: AddressSanitizer + UBSan build (use with O=build/san).
ifeq ($(SAN),1)
override CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
override LDFLAGS += -fsanitize=address,undefined
LDLIBS  := -ljansson -lnftnl -lmnl
endif

BUILD   := $(O)/build/obj
BIN     := $(O)/bin

PKG_SRC := $(wildcard pkg/*.c)
PKG_OBJ := $(PKG_SRC:%.c=$(BUILD)/%.o)
PKG_LIB := $(BUILD)/libcnipkg.a

# One multicall executable holds every plugin (plugins/main.c picks one by argv[0]);
# bin/<plugin> are hard links to it. A plugin's directory is its name.
PLUGIN_DIRS := $(sort $(dir $(wildcard plugins/*/*.c ipam/*/*.c)))
PLUGINS     := $(foreach d,$(PLUGIN_DIRS),$(notdir $(patsubst %/,%,$(d))))
PLUGIN_SRC  := $(wildcard plugins/*/*.c ipam/*/*.c) plugins/main.c
MULTI       := $(O)/build/cni-c
BINARIES    := $(addprefix $(BIN)/,$(PLUGINS))

# The node agent (node/): a daemon of its own, not part of the multicall plugin binary
# (it links libcurl, which no plugin should load).
NODE_SRC    := $(wildcard node/*.c)
NODE_LIB_SRC := $(filter-out node/main.c,$(NODE_SRC))
NODE_BIN    := $(BIN)/cni-c-node
NODE_LIBS   := -Wl,-Bstatic -ljansson -lnftnl -Wl,-Bdynamic -lcurl -lmnl
ifeq ($(SAN),1)
NODE_LIBS   := -ljansson -lcurl -lnftnl -lmnl
endif

.PHONY: all install uninstall clean check test unit blackbox bench demo soak fuzz fuzz-build fuzz-smoke fuzz-merge
all: $(BINARIES) $(NODE_BIN)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Iplugins -MMD -MP -c -o $@ $<

$(PKG_LIB): $(PKG_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(MULTI): $(PLUGIN_SRC:%.c=$(BUILD)/%.o) $(PKG_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BINARIES): $(MULTI)
	@mkdir -p $(BIN)
	ln -f $(MULTI) $@

$(NODE_BIN): $(NODE_SRC:%.c=$(BUILD)/%.o) $(PKG_LIB)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(NODE_LIBS)

# ---- tests ----
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lrt -lm)
# host-local's modules other than its main() are unit-tested directly.
HL_LIB_SRC   := $(filter-out ipam/host-local/host-local.c,$(wildcard ipam/host-local/*.c))
UNIT_SRC     := $(wildcard test/unit/*.c)
NODE_TEST_SRC := $(wildcard test/node/*.c)
BB_SRC       := $(wildcard test/blackbox/*.c test/lib/*.c)
UNIT_BIN     := $(O)/build/unit-tests
BB_BIN       := $(O)/build/blackbox-tests
TEST_CFLAGS  := -Itest/lib -Iipam/host-local -Wno-missing-prototypes

$(BUILD)/test/%.o: test/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(TEST_CFLAGS) -MMD -MP -c -o $@ $<

# One runner for every suite: the plugins' modules, host-local's, and the node agent's.
$(UNIT_BIN): $(UNIT_SRC:%.c=$(BUILD)/%.o) $(NODE_TEST_SRC:%.c=$(BUILD)/%.o) $(HL_LIB_SRC:%.c=$(BUILD)/%.o) \
		$(NODE_LIB_SRC:%.c=$(BUILD)/%.o) $(PKG_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(NODE_LIBS) $(CHECK_LIBS)

$(BB_BIN): $(BB_SRC:%.c=$(BUILD)/%.o) $(PKG_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(CHECK_LIBS)

# The node agent's unit tests (test/node) link its modules (all but main.c) directly.
$(BUILD)/test/node/%.o: test/node/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(TEST_CFLAGS) -Inode -MMD -MP -c -o $@ $<

# The cluster simulation's traffic tool (test/cluster/sim.sh).
SIMPEER := $(O)/build/simpeer
$(SIMPEER): test/cluster/simpeer.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $<

# The node agent's benchmark driver (test/bench/node-bench.sh).
NODEBENCH := $(O)/build/nodebench
$(NODEBENCH): $(BUILD)/test/bench/nodebench.o $(NODE_LIB_SRC:%.c=$(BUILD)/%.o) $(PKG_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(NODE_LIBS)
$(BUILD)/test/bench/nodebench.o: test/bench/nodebench.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Inode -MMD -MP -c -o $@ $<

# Unit tests: pure modules need no root; kernel-facing ones run when root, each in a
# private namespace.
unit: $(UNIT_BIN)
	$(UNIT_BIN)

# Black-box tests exec bin/* in namespaces they create, inside a throwaway "host" namespace.
blackbox: all $(BB_BIN) $(SIMPEER)
	scripts/run-blackbox.sh $(BB_BIN) $(abspath $(BIN))

# ---- robustness: crash injection, storms (the soak lane) and fuzzing ----

# Long crash-injection and storm runs (root; minutes): CRASH_KILLS kills per mode (bridge,
# bridge + Go host-local, host-local; ipvlan in the VM with SOAK_VM=1), a storm of
# STORM_PODS pods STORM_CONC-way with the Go host-local on the same store. The short
# versions run in scripts/test.sh's robust stage. Results: docs/robustness.md.
CRASH_KILLS ?= 1000
STORM_PODS  ?= 1000
STORM_CONC  ?= 64
SOAK_VM     ?= 0
soak: all $(BB_BIN)
	CNI_TEST_LANE=soak CNI_CRASH_KILLS=$(CRASH_KILLS) CNI_STORM_PODS=$(STORM_PODS) \
		CNI_STORM_CONC=$(STORM_CONC) CK_VERBOSITY=normal \
		scripts/run-blackbox.sh $(BB_BIN) $(abspath $(BIN))
	if [ "$(SOAK_VM)" = 1 ]; then \
		test/vm/setup.sh && CK_RUN_SUITE=crash CNI_CRASH_KILLS=$(CRASH_KILLS) LANE_NO_SAN=1 \
			CNI_VM_TIMEOUT=14400 test/vm/lane.sh $(abspath $(BIN)); fi

# libFuzzer harnesses: test/fuzz/fuzz_<name>.c, each with its corpus in
# test/fuzz/corpus/<name>/ (test/fuzz/README.md). Built with clang, ASan + UBSan, against
# the product sources compiled the same way; FUZZ_EXTRA_<name> lists more sources a
# harness needs. `make fuzz` is the long campaign (FUZZ_RUNS execs per harness, or
# FUZZ_TIME seconds; FUZZ=<names> picks some), `make fuzz-smoke` a few seconds each over
# the committed corpus (the test command's fuzz stage), `make fuzz-merge` minimizes the
# campaign's findings into the committed corpora.
FUZZ_CC      ?= clang-14
FUZZ_O       := build/fuzz
FUZZ_CFLAGS  := -std=gnu11 -D_GNU_SOURCE $(WARN) -g -O1 -fno-omit-frame-pointer \
		-fsanitize=address,undefined -fno-sanitize-recover=undefined \
		-DCNI_SUITE_VERSION='"$(VERSION)"' -Ipkg -Iplugins -Iipam/host-local -Inode -Itest/fuzz
FUZZ_NAMES   := $(patsubst test/fuzz/fuzz_%.c,%,$(wildcard test/fuzz/fuzz_*.c))
FUZZ_BINS    := $(addprefix $(FUZZ_O)/fuzz_,$(FUZZ_NAMES))
FUZZ_LIB_OBJ := $(patsubst %.c,$(FUZZ_O)/obj/%.o,$(PKG_SRC) $(HL_LIB_SRC))
FUZZ_LIB     := $(FUZZ_O)/libcni-fuzz.a

$(FUZZ_O)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

FUZZ_EXTRA_conf_bridge := plugins/bridge/netfilter.c
FUZZ_EXTRA_nodelist    := node/nodes.c
FUZZ_EXTRA_watch       := node/nodes.c
FUZZ_EXTRA_kubeconfig  := node/kubeconfig.c

$(FUZZ_LIB): $(FUZZ_LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

.SECONDEXPANSION:
$(FUZZ_O)/fuzz_%: test/fuzz/fuzz_%.c $(FUZZ_LIB) $$(FUZZ_EXTRA_$$*)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Wno-missing-prototypes -fsanitize=fuzzer -MMD -MP -MF $@.d -o $@ \
		$< $(FUZZ_EXTRA_$*) $(FUZZ_LIB) -ljansson -lnftnl -lmnl

fuzz-build: $(FUZZ_BINS)

fuzz-smoke: fuzz-build
	test/fuzz/run.sh smoke $(FUZZ)

fuzz: fuzz-build
	test/fuzz/run.sh long $(FUZZ)

fuzz-merge: fuzz-build
	test/fuzz/run.sh merge $(FUZZ)

# The whole suite, as CI runs it (see scripts/test.sh, which also installs dependencies).
check test: all
	scripts/test.sh --no-deps

# Ours against the reference Go plugins ($(REF)), side by side in one run, in a throwaway
# namespace; prints the Markdown report (docs/benchmark.md). Root; installs what it needs
# and builds bin/ itself. N, CONC, CPODS, SCALE_N, PHASES, OUT... are passed through.
# Then the netfilter features (nf-bench.sh: PM_N...) and the node agent (node-bench.sh).
REF ?= /usr/lib/cni
bench:
	BIN=$(abspath $(BIN)) REF=$(REF) test/bench/bench.sh
	BIN=$(abspath $(BIN)) REF=$(REF) N=100 test/bench/nf-bench.sh
	test/bench/node-bench.sh

# The main job: wire three pods through loopback + bridge + host-local and show them talking.
demo:
	scripts/demo.sh

# Each name is replaced atomically (link + rename) by a link to one new file, so a runtime
# executing a plugin during the upgrade never sees a partial binary.
install: all
	install -d $(DESTDIR)$(PREFIX)
	install -m 0755 $(INSTALL_STRIP) $(MULTI) $(DESTDIR)$(PREFIX)/.cni-c.new
	for b in $(PLUGINS); do \
		ln -f $(DESTDIR)$(PREFIX)/.cni-c.new $(DESTDIR)$(PREFIX)/.$$b.new && \
		mv -f $(DESTDIR)$(PREFIX)/.$$b.new $(DESTDIR)$(PREFIX)/$$b || exit 1; \
	done
	rm -f $(DESTDIR)$(PREFIX)/.cni-c.new
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(RTPROTOS_DIR)
	install -m 0755 $(INSTALL_STRIP) $(NODE_BIN) $(DESTDIR)$(SBINDIR)/.cni-c-node.new
	mv -f $(DESTDIR)$(SBINDIR)/.cni-c-node.new $(DESTDIR)$(SBINDIR)/cni-c-node
	printf '# routes of the cni-c node agent (cni-c-node)\n147\tcni-c\n' >$(DESTDIR)$(RTPROTOS_DIR)/cni-c.conf

uninstall:
	for b in $(PLUGINS); do rm -f $(DESTDIR)$(PREFIX)/$$b; done
	rm -f $(DESTDIR)$(SBINDIR)/cni-c-node $(DESTDIR)$(RTPROTOS_DIR)/cni-c.conf

clean:
	rm -rf $(O)/build $(O)/bin

-include $(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_BINS:=.d)
-include $(PKG_OBJ:.o=.d) $(wildcard $(BUILD)/plugins/*.d $(BUILD)/plugins/*/*.d $(BUILD)/ipam/*/*.d $(BUILD)/node/*.d $(BUILD)/test/*/*.d)
