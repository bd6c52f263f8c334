# tests/fuzz/fuzz.mk - libFuzzer targets (clang, ASan, UBSan); included by
# the top Makefile.
#   make fuzz-build        build every target into $(FUZZ_OUT)
#   make fuzz FUZZ_SECONDS=N
#                          run each target N seconds (default 60) from its
#                          committed seed corpus; crashes are saved in
#                          $(FUZZ_OUT)/artifacts and fail the run
# `make test` runs each target briefly (FUZZ_SMOKE_SECONDS in tests/run.sh).

FUZZ_OUT ?= $(OUT)/fuzz
FUZZ_CC := clang
FUZZ_SECONDS ?= 60
FUZZ_FLAGS := -g -O1 -std=gnu11 -fno-omit-frame-pointer -fno-sanitize-recover=all \
	-Ibpf -Iuser -Itests/fuzz -I$(OUT)
# Objects are instrumented for coverage; only targets link libFuzzer's main.
FUZZ_SAN := -fsanitize=fuzzer-no-link,address,undefined
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,$(FUZZ_OUT)/%,$(FUZZ_SRCS))
# The modules the targets link: the Makefile's PURE_MODULES, the same list
# the unit tests link.
FUZZ_LIB_OBJS := $(PURE_MODULES:%=$(FUZZ_OUT)/user/%.o)

.PHONY: fuzz fuzz-build
.SECONDARY: $(FUZZ_LIB_OBJS) $(FUZZ_TARGETS:=.o)

$(FUZZ_OUT)/user:
	$(Q)mkdir -p $@

$(FUZZ_OUT)/user/%.o: user/%.c $(SKELS) | $(FUZZ_OUT)/user
	$(call msg,FUZZCC,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) $(FUZZ_SAN) -MMD -MP -c $< -o $@

$(FUZZ_OUT)/%.o: tests/fuzz/%.c | $(FUZZ_OUT)/user
	$(call msg,FUZZCC,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) $(FUZZ_SAN) -MMD -MP -c $< -o $@

$(FUZZ_OUT)/fuzz_%: $(FUZZ_OUT)/fuzz_%.o $(FUZZ_LIB_OBJS)
	$(call msg,FUZZ,$@)
	$(Q)$(FUZZ_CC) -fsanitize=fuzzer,address,undefined $^ $(LDLIBS) -o $@

fuzz-build: $(FUZZ_TARGETS)

fuzz: fuzz-build
	tests/fuzz/run.sh $(FUZZ_OUT) $(FUZZ_SECONDS)

-include $(wildcard $(FUZZ_OUT)/*.d $(FUZZ_OUT)/user/*.d)
