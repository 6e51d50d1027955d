// --report-denials (PRODUCT §10): the launcher forks. The child runs the
// command exactly as without the flag, with Landlock's log-new-exec-on; the
// parent stays outside the domain as the supervisor: it reads the kernel's
// audit records for the child's domain, forwards signals, and when the
// command ends writes the report and passes the exit status (or death by
// signal) on.
#pragma once

#include <optional>

#include "policy/flags.hpp"

namespace sandbox {

/// What the child needs from the supervisor.
struct SupervisedChild {
    /// Write end of a close-on-exec pipe: the launch writes one byte to it
    /// once the child is restricted ('R', or 'U' when the seccomp guard also
    /// refuses UNIX sockets), so the supervisor knows the command started;
    /// 'F' follows when the exec failed.
    int restricted_fd = -1;
};

/// Checks what the report needs (Landlock ABI 7, CAP_AUDIT_READ, the audit
/// switch), then forks. In the child: returns nullopt with `child` filled.
/// In the supervisor: returns the command's exit status once the report is
/// written; a command killed by a signal is reproduced (no return). Throws
/// LaunchError/SysError before anything ran.
std::optional<int> supervise(const CommandLine& cl, SupervisedChild& child);

}  // namespace sandbox
