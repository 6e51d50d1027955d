// no_new_privs + Landlock restriction of EVERY thread of the launcher
// (PRODUCT §6). landlock_restrict_self() alone restricts only the calling
// thread, so the method is chosen per process:
//   kernel:    LANDLOCK_RESTRICT_SELF_TSYNC (Linux 7.0, or 6.12 + kernel/tsync.patch)
//   single:    plain restrict_self when the process has one thread
//   emulation: the userspace emulation (all_threads.hpp)
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "enforce/all_threads.hpp"
#include "enforce/threads.hpp"
#include "policy/plan.hpp"

namespace sandbox {

enum class EnforcementMethod { KernelTsync, SingleThread, Emulation };

std::string_view method_name(EnforcementMethod m);

struct EnforcementReport {
    EnforcementMethod method = EnforcementMethod::SingleThread;
    std::vector<ThreadResult> threads;  ///< every thread found, caller first
};

struct RestrictOptions {
    Tsync mode = Tsync::Auto;
    EmulationOptions emulation;
};

/// True once restrict_process() has started: from then on the process may be
/// inside the new domain and must not run exit-time work (destructors, atexit
/// handlers of libraries or sanitizer runtimes) that the domain may deny.
bool restriction_started();

/// Sets PR_SET_NO_NEW_PRIVS and restricts every thread of the process.
/// TSYNC is detected by probing after NNP (EBADF = supported). Throws
/// LaunchError/SysError on any failure; the caller must then not exec.
EnforcementReport restrict_process(int ruleset_fd, std::uint32_t flags,
                                   const RestrictOptions& options = {});

/// What restrict_process() would do now, for --explain: the method for this
/// mode, kernel and thread count, and why it would fail (empty if it would not).
struct EnforcementPreview {
    EnforcementMethod method = EnforcementMethod::SingleThread;
    std::string problem;
    std::vector<ThreadResult> threads;  ///< error = 0 means "to be restricted"
};
EnforcementPreview preview_enforcement(Tsync mode, bool kernel_tsync);

/// The hint for `--tsync kernel` on a kernel without TSYNC.
std::string tsync_missing_hint();

} // namespace sandbox
