// The launcher's own threads: listing and naming them, and restricting the
// calling thread. Shared by restrict.* (the method per process) and
// all_threads.* (the userspace emulation of TSYNC).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace sandbox {

struct ThreadResult {
    pid_t tid = 0;
    std::string name;  ///< /proc/self/task/TID/comm
    int error = 0;     ///< 0 = restricted
};

/// Thread ids of this process, from /proc/self/task.
std::vector<pid_t> list_threads();

/// /proc/self/task/TID/comm, or "" when the thread is gone.
std::string thread_name(pid_t tid);

/// errno-keyed hints for a failed landlock_restrict_self().
std::vector<std::string> restrict_hints(int err, std::uint32_t flags);

/// landlock_restrict_self() on the calling thread; SysError with the hints
/// above on failure.
void restrict_self_or_throw(int ruleset_fd, std::uint32_t flags);

} // namespace sandbox
