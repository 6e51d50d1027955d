// The terminal guard (PRODUCT §8): a seccomp-BPF filter that makes
// ioctl(fd, TIOCSTI) and ioctl(fd, TIOCLINUX) fail with EPERM, so a confined
// program cannot push input into the user's terminal (firejail CVE-2016-7545
// style) or use the VT console's TIOCLINUX subcommands (selection paste).
// Every other ioctl, and so job control and terminal settings, is untouched.
//
// The filter compares only the low 32 bits of the ioctl command: the kernel
// truncates it to unsigned int, so a filter comparing all 64 bits could be
// bypassed by setting high bits (CVE-2019-10063). It checks the audit arch:
// native ioctl and, on x86-64, the i386 (int 0x80) and x32 ioctl get the same
// check; a system call from any other architecture kills the process.
//
// Installing needs no privilege once no_new_privs is set; with
// SECCOMP_FILTER_FLAG_TSYNC the kernel installs it on every thread at once or
// on none.
#pragma once

namespace sandbox {

/// Installs the filter on every thread of the process. The caller must have
/// set PR_SET_NO_NEW_PRIVS. Throws SysError on any failure (the launcher
/// then exits 125 without running the command).
void install_tty_guard();

/// One line for --explain: what the guard blocks.
const char* tty_guard_summary();

} // namespace sandbox
