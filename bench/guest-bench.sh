#!/bin/sh
# Runs inside the kernel VM (busybox, QEMU/TCG) as /extra/run, put there by
# bench/kernel.sh: bench_all_threads on the patched 6.12 kernel. /extra/params
# holds three numbers: the rounds of the main run (1, 10, 100, 1000 threads,
# the launcher's park timeout), the rounds of a 1000-thread run with a 60 s
# park timeout (how long the emulation takes when it is not cut short), and
# the host's TSC rate in MHz.
#
# The guest clock ticks in 4 ms jiffies, so the benchmark times with the TSC,
# which under TCG ticks at the host's rate (--tsc-mhz). Its output goes to
# the console line by line, prefixed with "BENCH-main| " or "BENCH-long| "
# (a run cut short still shows the rows it finished); bench/kernel.sh takes
# the tables from the console log. The RESULT lines make kernel/vm-test.sh's
# exit status meaningful.
cd /extra || exit 1
bb=/bin/busybox
read -r rounds rounds_long tsc_mhz <params
echo "BENCH-CPUS $($bb grep -c '^processor' /proc/cpuinfo)"
echo "BENCH-CLOCKSOURCE $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
echo "BENCH-ROUNDS $rounds $rounds_long"
# The TSC measured against the jiffies clock: a check that it ticks at the
# host's rate (jiffies lose ticks under TCG, so expect a few % more).
echo "BENCH-GUEST-TSC $(./bench_all_threads --print-tsc-mhz)"

# bench TAG ARGS...: runs the benchmark; output in /tmp/TAG.out, status in /tmp/TAG.rc
bench() {
	tag=$1
	shift
	: >"/tmp/$tag.out"
	read -r t0 _ </proc/uptime
	(./bench_all_threads --tsc-mhz "$tsc_mhz" "$@" 2>&1; echo $? >"/tmp/$tag.rc") |
		while IFS= read -r line; do
			echo "BENCH-$tag| $line"
			echo "$line" >>"/tmp/$tag.out"
		done
	read -r t1 _ </proc/uptime
	echo "BENCH-SECONDS $tag $($bb awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", b - a }')"
	echo "BENCH-STATUS $tag $(cat "/tmp/$tag.rc" 2>/dev/null || echo none)"
}
# rows FILE METHOD: how many rows of METHOD have a time
rows() { $bb grep -c "^| [0-9]* | $2 | [0-9]" "$1"; }
# failed FILE METHOD: how many rows of METHOD report failed samples
failed() { $bb grep -c "^| [0-9]* | $2 |.*failed" "$1"; }

bench main --rounds "$rounds"
bench long --rounds "$rounds_long" --threads 1000 --park-timeout-ms 60000
main=/tmp/main.out
long=/tmp/long.out
rc_main=$(cat /tmp/main.rc 2>/dev/null || echo none)
rc_long=$(cat /tmp/long.rc 2>/dev/null || echo none)

# Kernel TSYNC: measured (the probe saw the flag), a time in every row, no failure.
if ! $bb grep -q 'kernel TSYNC measured' $main; then
	echo "RESULT bench_kernel_tsync FAIL kernel TSYNC not available in the guest"
elif [ "$(rows $main 'kernel TSYNC')" != 4 ] || [ "$(failed $main 'kernel TSYNC')" != 0 ]; then
	echo "RESULT bench_kernel_tsync FAIL $(rows $main 'kernel TSYNC') of 4 rows timed, $(failed $main 'kernel TSYNC') with failures"
else
	echo "RESULT bench_kernel_tsync PASS 4 rows"
fi

# The emulation: 1, 10 and 100 threads timed without failure; at 1000
# threads every failure must be the park timeout (TCG is slow, see
# bench/results/all_threads_vm.md), anything else fails.
n_fail=$($bb grep -c '^sample failed:' $main)
n_timeout=$($bb grep -c '^sample failed: 1000 threads, emulation, .*did not stop for enforcement within' $main)
small_ok=$($bb grep -E '^\| (1|10|100) \| emulation \| [0-9]' $main | $bb grep -vc failed)
if [ "$small_ok" != 3 ]; then
	echo "RESULT bench_emulation FAIL 1/10/100 threads: $small_ok of 3 rows timed without failure"
elif [ "$n_fail" != "$n_timeout" ]; then
	echo "RESULT bench_emulation FAIL $((n_fail - n_timeout)) sample(s) failed otherwise than by the 1000-thread park timeout"
elif ! $bb grep -q '^| 1000 | emulation |' $main; then
	echo "RESULT bench_emulation FAIL no 1000-thread row"
else
	echo "RESULT bench_emulation PASS 1000 threads: $n_timeout park timeout(s)"
fi
case $rc_main in
0|1) echo "RESULT bench_main_status PASS status $rc_main" ;;
*) echo "RESULT bench_main_status FAIL status $rc_main" ;;
esac

# The 1000-thread run with the long park timeout: both methods timed, no failure.
if [ "$rc_long" = 0 ] && [ "$(rows $long emulation)" = 1 ] && [ "$(rows $long 'kernel TSYNC')" = 1 ] &&
	[ "$($bb grep -c '^sample failed:' $long)" = 0 ]; then
	echo "RESULT bench_1000_long_timeout PASS"
else
	echo "RESULT bench_1000_long_timeout FAIL status $rc_long: $($bb grep -m1 '^sample failed:' $long)"
fi
exit 0
