// Userspace emulation of LANDLOCK_RESTRICT_SELF_TSYNC (PRODUCT §6), for
// kernels without the flag: every sibling thread is parked in a handler of a
// reserved real-time signal; the task list is re-read until every thread in
// it is parked (parked threads cannot create new ones); the caller restricts
// itself first, then releases the parked threads to set no_new_privs and
// restrict themselves, each reporting its result.
//
// All or nothing as far as userspace can: a thread that does not park in
// time (it blocks the signal, say) or any failure before the caller
// restricts aborts with every thread unchanged. A failure after that point
// leaves the process partly restricted; the caller must then not exec (the
// launcher exits with 125, and exit_group ends every thread).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "enforce/threads.hpp"

namespace sandbox {

struct EmulationOptions {
    std::chrono::milliseconds park_timeout{2000};
    /// Read each thread's name for the report (one /proc read per thread).
    bool thread_names = true;
};

/// Restricts every thread of the process. Returns one result per thread, the
/// caller first. Throws LaunchError naming the thread(s) on any failure.
std::vector<ThreadResult> restrict_all_threads_emulated(int ruleset_fd, std::uint32_t flags,
                                                        const EmulationOptions& options = {});

} // namespace sandbox
