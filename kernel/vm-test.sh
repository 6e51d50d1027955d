#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# VM suite for kernel/tsync.patch (LANDLOCK_RESTRICT_SELF_TSYNC on Linux 6.12).
#
# Builds two kernels from Debian's linux-source-6.12 (patched and, as a
# control, unpatched), builds the guest tests and a busybox initramfs, boots
# each kernel under QEMU/TCG with two CPUs and turns the guest's results into
# this script's exit status.
#
#   kernel/vm-test.sh [--extra DIR] [--only patched|control] [--build-only]
#
#   --extra DIR   copy DIR into the initramfs as /extra; if /extra/run exists
#                 and is executable, the guest runs it after the kernel tests
#                 and reads its "RESULT <name> PASS|FAIL [detail]" lines
#                 (hook for the static `sandbox --tsync kernel` tests).
#                 On the control kernel every test is expected to FAIL,
#                 except those named any_* (must PASS on both kernels).
#                 Also taken from $SANDBOX_KERNEL_EXTRA.
#   --only K      build and boot only one kernel (default: both).
#   --build-only  build (or find in the cache) the kernels, boot nothing.
#
# Environment:
#   SANDBOX_KERNEL_CACHE  cache dir (default $XDG_CACHE_HOME/sandbox-kernel,
#                         i.e. ~/.cache/sandbox-kernel); built kernels are
#                         keyed by sha256(patch + config + source version).
#   SANDBOX_KERNEL_JOBS   make -j (default: nproc)
#   SANDBOX_KERNEL_NO_APT=1  do not apt-get install missing packages.
#   SANDBOX_KERNEL_TIMEOUT   seconds per VM boot (default 1500).
#   SANDBOX_KERNEL_IMAGE_PATCHED, SANDBOX_KERNEL_IMAGE_CONTROL
#                         boot these bzImages instead of building (for
#                         kernel development; the cache is not touched).
#   SANDBOX_KERNEL_KEEP_LOGS=DIR  keep the guests' console logs in DIR.
#
# Exit status: 0 when every test passed on the patched kernel and the control
# kernel showed the flag missing; 1 otherwise; 2 on setup errors.

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
patch_file=$here/tsync.patch
config_frag=$here/tsync.config
tests_dir=$here/tests
src_pkg=linux-source-6.12
cache=${SANDBOX_KERNEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sandbox-kernel}
jobs=${SANDBOX_KERNEL_JOBS:-$(nproc)}
vm_timeout=${SANDBOX_KERNEL_TIMEOUT:-1500}
extra=${SANDBOX_KERNEL_EXTRA:-}
only=
build_only=

log() { printf '[vm-test %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 2; }

while [ $# -gt 0 ]; do
	case $1 in
	--extra) extra=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	--build-only) build_only=1; shift ;;
	-h|--help) sed -n '3,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) die "unknown argument $1" ;;
	esac
done
case $only in ''|patched|control) ;; *) die "--only takes patched or control" ;; esac
if [ -n "$extra" ] && [ ! -d "$extra" ]; then die "--extra $extra: not a directory"; fi

# --- 1. packages -------------------------------------------------------------

need_pkgs="$src_pkg qemu-system-x86 busybox-static build-essential bc bison flex
libelf-dev libssl-dev cpio xz-utils gzip python3 perl kmod"
missing=
for p in $need_pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	[ "${SANDBOX_KERNEL_NO_APT:-0}" = 1 ] && die "missing packages:$missing"
	[ "$(id -u)" = 0 ] || die "missing packages:$missing (run as root or install them)"
	log "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
src_ver=$(dpkg-query -W -f='${Version}' $src_pkg)
src_tar=$(dpkg -L $src_pkg | grep -m1 '/linux-source-6\.12\.tar\.xz$') ||
	die "no tarball in $src_pkg"
busybox=$(command -v busybox || echo /bin/busybox)
[ -x "$busybox" ] || die "busybox not found"

# --- 2. sources and kernels --------------------------------------------------

mkdir -p "$cache"
hash_of() { cat "$@" | sha256sum | cut -c1-16; }
printf '%s\n' "$src_ver" > "$cache/.version-$$"
key_control=$(hash_of "$cache/.version-$$" "$config_frag")
key_patched=none
if [ "$only" != control ]; then
	[ -f "$patch_file" ] || die "missing $patch_file"
	key_patched=$(hash_of "$cache/.version-$$" "$config_frag" "$patch_file")
fi
rm -f "$cache/.version-$$"

pristine=$cache/src/linux-$src_ver
# Both kernels are built from this one tree, at a fixed path (the build
# directories record it): first unpatched, then patched in place.  It is
# recreated from the pristine tree with hard links, which keeps the pristine
# timestamps, and GNU patch replaces the files it changes, so the pristine
# tree is never modified.
worktree=$cache/src/work
unpack_pristine() {
	[ -f "$pristine/.unpacked" ] && return
	log "unpacking $src_tar ($src_ver)"
	rm -rf "$pristine" "$pristine.tmp"
	mkdir -p "$pristine.tmp"
	tar -xf "$src_tar" -C "$pristine.tmp" --strip-components=1
	touch "$pristine.tmp/.unpacked"
	mv "$pristine.tmp" "$pristine"
}

configure_kernel() {
	local out=$1 line bad=0
	rm -rf "$out"
	mkdir -p "$out"
	make -s -C "$worktree" O="$out" tinyconfig >/dev/null
	"$worktree/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" \
		"$config_frag" >/dev/null
	make -s -C "$worktree" O="$out" olddefconfig >/dev/null
	# Every option of the fragment must have survived dependency resolution.
	while IFS= read -r line; do
		case $line in CONFIG_*) ;; *) continue ;; esac
		if ! grep -qxF "$line" "$out/.config"; then
			log "config: $line did not stick"
			bad=1
		fi
	done < "$config_frag"
	[ $bad = 0 ] || die "config fragment does not apply cleanly"
}

# make_kernel NAME OUT IMAGE
make_kernel() {
	local name=$1 out=$2 img=$3 t0=$SECONDS
	log "building $name kernel (make -j$jobs bzImage, log: $out/build.log)"
	rm -f "$out/.built"
	if ! make -C "$worktree" O="$out" -j"$jobs" bzImage > "$out/build.log" 2>&1; then
		tail -40 "$out/build.log" >&2
		die "$name kernel build failed"
	fi
	mkdir -p "$cache/kernels"
	cp "$out/arch/x86/boot/bzImage" "$img.tmp"
	mv "$img.tmp" "$img"
	touch "$out/.built"
	log "$name kernel built in $((SECONDS - t0))s: $img"
}

t_start=$SECONDS
img_patched=${SANDBOX_KERNEL_IMAGE_PATCHED:-$cache/kernels/patched-$key_patched.bzImage}
img_control=${SANDBOX_KERNEL_IMAGE_CONTROL:-$cache/kernels/control-$key_control.bzImage}
want() { [ -z "$only" ] || [ "$only" = "$1" ]; }
for v in SANDBOX_KERNEL_IMAGE_PATCHED SANDBOX_KERNEL_IMAGE_CONTROL; do
	if [ -n "${!v:-}" ] && [ ! -f "${!v}" ]; then die "$v: no such file ${!v}"; fi
done

build_kernels() {
	local out_control=$cache/build/control-$key_control
	local out_patched=$cache/build/patched-$key_patched
	local need_control=0 need_patched=0
	local name img
	for name in control patched; do
		want $name || continue
		img=$(eval echo "\$img_$name")
		if [ -f "$img" ]; then
			log "$name kernel: $img (cached or given)"
		elif [ "$name" = control ]; then
			need_control=1
		else
			need_patched=1
		fi
	done
	[ $need_control = 1 ] || [ $need_patched = 1 ] || return 0

	unpack_pristine
	rm -rf "$worktree"
	cp -al "$pristine" "$worktree"
	# The unpatched build is also the base of the patched one.
	if [ $need_control = 1 ] || [ ! -f "$out_control/.built" ]; then
		log "configuring control kernel in $out_control"
		configure_kernel "$out_control"
		make_kernel control "$out_control" "$cache/kernels/control-$key_control.bzImage"
	fi
	[ $need_patched = 1 ] || return 0
	log "applying tsync.patch; patched build starts from the control objects"
	rm -rf "$out_patched"
	cp -a "$out_control" "$out_patched"
	patch -d "$worktree" -p1 --quiet < "$patch_file" || die "patch does not apply"
	make_kernel patched "$out_patched" "$cache/kernels/patched-$key_patched.bzImage"
}
build_kernels
[ -n "$build_only" ] && exit 0

# --- 3. guest tests and initramfs --------------------------------------------

work=$(mktemp -d "${TMPDIR:-/tmp}/sandbox-vm.XXXXXX")
trap 'rm -rf "$work"' EXIT

log "building guest tests"
gcc -static -O2 -g -Wall -Wextra -Werror -pthread -I "$tests_dir" \
	-o "$work/tsync-test" "$tests_dir"/tsync_test.c ||
	die "guest tests do not build"

root=$work/root
mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,etc,root}
cp "$busybox" "$root/bin/busybox"
for a in sh mount umount mkdir cat echo grep reboot sleep ls nproc dmesg \
	 head tail wc sed tr; do
	ln -s busybox "$root/bin/$a"
done
cp "$work/tsync-test" "$root/bin/tsync-test"
if [ -n "$extra" ]; then
	cp -a "$extra" "$root/extra"
fi
cat > "$root/init" <<'EOF'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
echo "GUEST-BEGIN $(uname -r)"
cpus=$(grep -c '^processor' /proc/cpuinfo)
if [ "$cpus" = 2 ]; then
	echo "RESULT guest_two_cpus PASS online=$(cat /sys/devices/system/cpu/online)"
else
	echo "RESULT guest_two_cpus FAIL cpus=$cpus"
fi
/bin/tsync-test
if [ -x /extra/run ]; then
	/extra/run || echo "RESULT extra_run FAIL exit=$?"
fi
echo "GUEST-END"
sync
reboot -f
EOF
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initramfs.gz"

# --- 4. boot -----------------------------------------------------------------

# boot NAME IMAGE: console in $work/NAME.log, results in $work/NAME.results
boot() {
	local name=$1 img=$2 logf=$work/$1.log
	log "booting $name kernel (qemu -accel tcg -smp 2,sockets=2)"
	local t0=$SECONDS rc=0 attempt
	# A guest that dies before its init starts (TCG timer trouble on a busy
	# host) is booted once more; anything after GUEST-BEGIN counts as is.
	for attempt in 1 2; do
		rc=0
		timeout --foreground -k 10 "$vm_timeout" \
			qemu-system-x86_64 -accel tcg -smp 2,sockets=2 -m 1536 \
			-display none -monitor none -serial stdio -no-reboot \
			-kernel "$img" -initrd "$work/initramfs.gz" \
			-append "console=ttyS0 panic=-1 oops=panic loglevel=4 softlockup_panic=1 no_timer_check" \
			< /dev/null > "$logf" 2>&1 || rc=$?
		grep -aq 'GUEST-BEGIN' "$logf" && break
		log "$name VM died before its init ran (attempt $attempt)"
	done
	log "$name VM finished in $((SECONDS - t0))s (qemu status $rc)"
	tr -d '\r' < "$logf" > "$logf.txt"
	grep -a '^RESULT ' "$logf.txt" > "$work/$name.results" || true
	# A test that never reported (guest crash, hang) is a failure.
	local t
	for t in $("$work/tsync-test" --list); do
		grep -q "^RESULT $t " "$work/$name.results" ||
			echo "RESULT $t FAIL never reported" >> "$work/$name.results"
	done
	if ! grep -aq '^GUEST-END' "$logf.txt"; then
		echo "RESULT guest_completed FAIL no GUEST-END (qemu status $rc)" >> "$work/$name.results"
	else
		echo "RESULT guest_completed PASS" >> "$work/$name.results"
	fi
	# Kernel complaints fail the run even when every test passed.
	local bad
	bad=$(grep -aE 'BUG:|WARNING:|Oops|Kernel panic|possible circular locking|possible recursive locking|turning off the locking correctness validator|DEBUG_LOCKS_WARN_ON|blocked for more than|INFO: task|refcount_t:|list_(add|del) corruption|general protection' "$logf.txt" | head -5 || true)
	if [ -n "$bad" ]; then
		echo "RESULT kernel_log_clean FAIL $(echo "$bad" | head -1)" >> "$work/$name.results"
		echo "$bad" >&2
	else
		echo "RESULT kernel_log_clean PASS" >> "$work/$name.results"
	fi
}

report() {
	# report NAME MODE: MODE=patched expects PASS everywhere; MODE=control
	# expects FAIL for every test that needs the flag.
	local name=$1 results=$work/$1.results n_pass=0 n_fail=0 t verdict detail
	echo
	echo "=== $name kernel ($(grep -aom1 'GUEST-BEGIN .*' "$work/$name.log.txt" | cut -d' ' -f2 || true)) ==="
	while read -r _ t verdict detail; do
		local ok=0 shown=$verdict
		if [ "$name" = patched ]; then
			[ "$verdict" = PASS ] && ok=1
		else
			case $t in
			guest_two_cpus|guest_completed|kernel_log_clean|any_*)
				[ "$verdict" = PASS ] && ok=1 ;;
			*) if [ "$verdict" = FAIL ]; then ok=1; shown="FAIL (expected)"; fi ;;
			esac
		fi
		[ "$detail" = "never reported" ] && ok=0
		if [ $ok = 1 ]; then n_pass=$((n_pass + 1)); else n_fail=$((n_fail + 1)); shown="$shown  <-- UNEXPECTED"; fi
		printf '  %-32s %s  %s\n' "$t" "$shown" "$detail"
	done < "$results"
	echo "  $name: $n_pass as expected, $n_fail unexpected"
	total_pass=$((total_pass + n_pass))
	total_fail=$((total_fail + n_fail))
}

total_pass=0
total_fail=0
if want patched; then boot patched "$img_patched"; fi
if want control; then boot control "$img_control"; fi
if want patched; then report patched; fi
if want control; then
	report control
	if ! grep -q '^RESULT flag_probe FAIL .*EINVAL' "$work/control.results"; then
		echo "  control: the probe did not report the flag missing with EINVAL  <-- UNEXPECTED"
		total_fail=$((total_fail + 1))
	fi
fi
if [ -n "${SANDBOX_KERNEL_KEEP_LOGS:-}" ]; then
	mkdir -p "$SANDBOX_KERNEL_KEEP_LOGS"
	cp "$work"/*.log.txt "$SANDBOX_KERNEL_KEEP_LOGS"/ 2>/dev/null || true
fi
echo
echo "wall time: $((SECONDS - t_start))s"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
