// The seccomp guard (PRODUCT §5, §8): one seccomp-BPF filter, installed on
// every thread after Landlock, for what Landlock itself cannot restrict.
//
// Terminal: ioctl(fd, TIOCSTI) and ioctl(fd, TIOCLINUX) fail with EPERM, so a
// confined program cannot push input into the user's terminal (firejail
// CVE-2016-7545 style) or use the VT console's TIOCLINUX subcommands
// (selection paste). Every other ioctl, and so job control and terminal
// settings, is untouched. Only the low 32 bits of the command are compared:
// the kernel truncates it to unsigned int, so a filter comparing all 64 bits
// could be bypassed by setting high bits (CVE-2019-10063).
//
// UNIX sockets (only when the plan asks for it: Landlock ABI < 9, whose
// kernels cannot restrict connect() to a pathname UNIX socket):
// socket(AF_UNIX, ...) fails with EACCES, so the program reaches no agent,
// session bus, X server or docker.sock. socketpair() keeps working (an
// anonymous pair reaches nothing). Where the domain is not visible to the
// filter it is refused by call, not by domain: the i386 socketcall(SYS_SOCKET)
// multiplexer (its arguments are in memory) fails with EACCES for every
// domain, and io_uring_setup fails with EPERM (IORING_OP_SOCKET and
// IORING_OP_CONNECT would create and connect sockets without a system call
// the filter sees; EPERM is what a kernel with io_uring disabled answers).
//
// Architectures: the filter checks the audit arch. Native calls and, on
// x86-64, i386 (int 0x80) and x32 calls get the same checks; a system call
// from any other architecture kills the process.
//
// Installing needs no privilege once no_new_privs is set; with
// SECCOMP_FILTER_FLAG_TSYNC the kernel installs it on every thread at once or
// on none.
#pragma once

#include <linux/filter.h>

#include <vector>

namespace sandbox {

enum class UnixSocketFilter { Allow, Deny };

struct GuardOptions {
    UnixSocketFilter unix_sockets = UnixSocketFilter::Allow;
};

/// The BPF program for these options (exposed for tests).
std::vector<sock_filter> guard_program(const GuardOptions& options);

/// Installs the filter on every thread of the process. The caller must have
/// set PR_SET_NO_NEW_PRIVS. Throws SysError on any failure (the launcher
/// then exits 125 without running the command).
void install_seccomp_guard(const GuardOptions& options);

/// One line for --explain: what the terminal guard blocks.
const char* tty_guard_summary();

/// One line for --explain: what the UNIX socket guard blocks.
const char* unix_guard_summary();

} // namespace sandbox
