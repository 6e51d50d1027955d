// Process-tree and exit-status helpers for a launcher that supervises its
// command (--report-denials): ancestry from /proc and dying the way the
// command died.
#pragma once

#include <csignal>

#include <vector>

namespace sandbox {

/// Is `pid` `ancestor` or one of its descendants (via /proc/PID/stat)?
bool descends_from(long pid, long ancestor);

/// The signals a launcher that supervises its command (--report-denials,
/// --learn) takes through a signalfd: forwarded to the command (SIGCHLD: a
/// child ended). Job-control signals (SIGTSTP, SIGTTIN, SIGTTOU, SIGCONT)
/// keep their default action: the terminal stops and continues the launcher
/// and the command together, as one job.
sigset_t forwarded_signals();

/// Every live process below `ancestor` (not itself), from /proc.
std::vector<long> descendants_of(long ancestor);

/// Ends this process by signal `sig` (default action, no core file), so that
/// the caller's shell sees 128+N as for the command itself.
[[noreturn]] void die_by(int sig);

} // namespace sandbox
