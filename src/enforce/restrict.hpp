// no_new_privs + landlock_restrict_self for the whole launcher process.
//
// landlock_restrict_self() restricts only the calling thread. Until the
// all-threads work lands (TSYNC, userspace emulation), the launcher checks
// that it is single-threaded and refuses to restrict otherwise: a sibling
// thread left unrestricted would be a partial sandbox.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace sandbox {

enum class EnforcementMethod { SingleThread };
std::string_view method_name(EnforcementMethod m);

struct ThreadResult {
    pid_t tid = 0;
    int error = 0;  ///< 0 = restricted
};

struct EnforcementReport {
    EnforcementMethod method = EnforcementMethod::SingleThread;
    std::vector<ThreadResult> threads;
};

/// Thread ids of this process, from /proc/self/task.
std::vector<pid_t> list_threads();

/// Sets PR_SET_NO_NEW_PRIVS and restricts the process. Throws LaunchError
/// if the process has more than one thread, SysError if the kernel refuses.
EnforcementReport restrict_process(int ruleset_fd, std::uint32_t flags);

} // namespace sandbox
