// --learn FILE (PRODUCT §10, sandbox(1) LEARNING): the command runs without
// Landlock, traced by a seccomp user-notification filter that the launcher
// reads (command/learn_tracer); when the last traced process has ended, the
// observed operations become a policy (policy/learned_policy) written to
// FILE. The command's exit status (or death by signal) passes through.
//
// Ending: learning ends when the last traced process ends, so a daemon the
// command started is learned too. Once the command itself has exited, an
// interrupt (Ctrl-C, SIGTERM, SIGHUP) ends learning: the processes still
// traced get SIGTERM, then SIGKILL after two seconds (without the tracer
// their system calls would fail), and the policy is written from what was
// seen.
//
// --learn-check: the command then runs again, as `sandbox --policy FILE`
// (with --report-denials when the launcher may read audit records), and the
// replay must end the same way without a denial, or the launcher exits 125.
#pragma once

#include "policy/flags.hpp"

namespace sandbox {

/// Runs cl.command under --learn; returns its exit status. Throws
/// UsageError, PolicyError, SysError or ExecError before the command ran.
int learn(const CommandLine& cl);

} // namespace sandbox
