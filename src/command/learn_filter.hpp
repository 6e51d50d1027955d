// --learn: the seccomp filter that makes the command's system calls visible.
// Every system call Landlock controls (opens, execs, creating, removing,
// renaming and linking files, truncate, ioctl, TCP bind/connect, UNIX socket
// connects and sends with an address, signals) raises a user notification
// (SECCOMP_RET_USER_NOTIF) that the launcher reads on the filter's listener
// and answers with "continue": the call then runs as without the filter.
// Nothing is denied. Built with libseccomp for the native architecture;
// calls of another architecture (x86-64's i386 and x32 calls) are not seen.
#pragma once

#include <string_view>

#include "base/unique_fd.hpp"

namespace sandbox {

/// What a traced system call is, for the tracer's dispatch.
enum class TracedCall {
    Open, OpenAt, OpenAt2, Creat, Execve, ExecveAt,
    Mkdir, MkdirAt, Mknod, MknodAt, Symlink, SymlinkAt, Link, LinkAt,
    Unlink, UnlinkAt, Rmdir, Rename, RenameAt, RenameAt2,
    Truncate, Ftruncate, Ioctl, Bind, Connect, SendTo,
    Kill, Tkill, Tgkill, RtSigqueueinfo, RtTgsigqueueinfo, PidfdSendSignal,
};

/// The kernel's system call name (libseccomp's) of each traced call.
std::string_view traced_call_name(TracedCall call);

/// The system call number → TracedCall table of the native architecture.
class TracedCalls {
public:
    TracedCalls();
    /// nullptr for a number the filter does not trace.
    const TracedCall* find(int number) const;

private:
    static constexpr int kMax = 512;
    TracedCall calls_[kMax] = {};
    bool traced_[kMax] = {};
};

/// Installs the filter on the calling thread (inherited by every thread and
/// child it creates) and returns the listener. The caller must have set
/// PR_SET_NO_NEW_PRIVS (or have CAP_SYS_ADMIN). Throws SysError.
UniqueFd install_learn_filter();

} // namespace sandbox
