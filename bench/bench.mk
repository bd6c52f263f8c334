# bench/bench.mk - the rstsnoop benchmark (issue 4); `include bench/bench.mk`
# from the top Makefile.
#   make bench        build rstsnoop and rstgen, run bench/run.sh (root;
#                     ~12 min with the defaults), print the table and write
#                     bench/results.md, then bench/scale.sh --record (the
#                     "## Scale" section: multi-CPU storm, start-up with
#                     100,000 sockets, a 1M-event burst; ~3 min)
#   make bench-build  build the benchmark and check its scripts without
#                     running it (what CI does: a measurement, not a test)
# Knobs go through the environment: BENCH_SECONDS=5 BENCH_ROUNDS=7 make bench
# (all of them are listed at the top of bench/run.sh).

# rstsnoop and the load generator rstgen are built by the top Makefile.

# The per-packet cost's baseline: an empty program on the same tracepoint.
BENCH_EMPTY := $(OUT)/bench/empty_packet.bpf.o $(OUT)/bench/attach_empty

$(OUT)/bench:
	mkdir -p $@

$(OUT)/bench/empty_packet.bpf.o: bench/empty_packet.bpf.c $(VMLINUX_H) | $(OUT)/bench
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/bench/attach_empty: bench/attach_empty.c | $(OUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< $(LDFLAGS) $(LDLIBS) -o $@

# The formatters alone: ns per JSON record and per table line.
$(OUT)/bench/format_bench: bench/format_bench.c $(UNIT_LIB_OBJS) $(OUT)/build-flags | $(OUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Iuser $(LDFLAGS) $(filter %.c %.o,$^) $(LDLIBS) -o $@

.PHONY: bench bench-build
bench: $(OUT)/rstsnoop $(OUT)/rstgen $(BENCH_EMPTY) $(OUT)/bench/format_bench
	$(OUT)/bench/format_bench
	RSTSNOOP=$(OUT)/rstsnoop RSTGEN=$(OUT)/rstgen BENCH_EMPTY_DIR=$(OUT)/bench bench/run.sh
	RSTSNOOP=$(OUT)/rstsnoop RSTGEN=$(OUT)/rstgen bench/scale.sh --record

bench-build: $(OUT)/rstsnoop $(OUT)/rstgen $(BENCH_EMPTY) $(OUT)/bench/format_bench
	bash -n bench/soak.sh
	bash -n bench/scale.sh
	bash -n bench/run.sh
	python3 -c 'import ast, sys; ast.parse(open(sys.argv[1]).read())' bench/report.py
