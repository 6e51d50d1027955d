#include "enforce/restrict.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <fmt/format.h>

#include "enforce/features.hpp"
#include "enforce/landlock.hpp"
#include "enforce/syscall_trace.hpp"
#include "enforce/threads.hpp"
#include "base/error.hpp"
#include "base/unique_fd.hpp"

namespace sandbox {

std::string_view method_name(EnforcementMethod m) {
    switch (m) {
    case EnforcementMethod::KernelTsync: return "kernel TSYNC";
    case EnforcementMethod::SingleThread: return "single thread";
    case EnforcementMethod::Emulation: return "emulation";
    }
    return "?";
}

std::string tsync_missing_hint() {
    return "kernel TSYNC (LANDLOCK_RESTRICT_SELF_TSYNC) needs Linux 7.0, or Linux 6.12 with "
           "kernel/tsync.patch from this project; use --tsync auto or emulate meanwhile";
}

namespace {

std::vector<ThreadResult> all_ok(const std::vector<pid_t>& tids, bool names = true) {
    std::vector<ThreadResult> out;
    const pid_t self = static_cast<pid_t>(syscall(SYS_gettid));
    out.push_back({self, names ? thread_name(self) : "", 0});
    for (pid_t t : tids) {
        if (t != self) {
            out.push_back({t, names ? thread_name(t) : "", 0});
        }
    }
    return out;
}

/// After NNP, in this thread: does the kernel know TSYNC (tsync_answer())?
/// An unclear answer means no, and the emulation runs.
bool kernel_has_tsync() {
    if (landlock::restrict_self(-1, uapi::restrict_tsync) == 0) {
        throw LaunchError("landlock_restrict_self(-1, TSYNC) succeeded; refusing to trust "
                          "this kernel");
    }
    return tsync_answer(errno) == Probe::Yes;
}

} // namespace

EnforcementPreview preview_enforcement(Tsync mode, bool kernel_tsync) {
    EnforcementPreview preview;
    const std::vector<pid_t> threads = list_threads();
    preview.threads = all_ok(threads);
    if (mode == Tsync::Emulate) {
        preview.method = EnforcementMethod::Emulation;
    } else if (kernel_tsync) {
        preview.method = EnforcementMethod::KernelTsync;
    } else if (mode == Tsync::Kernel) {
        preview.method = EnforcementMethod::KernelTsync;
        preview.problem = tsync_missing_hint();
    } else {
        preview.method = threads.size() == 1 ? EnforcementMethod::SingleThread
                                             : EnforcementMethod::Emulation;
    }
    return preview;
}

namespace {
std::atomic<bool> started{false};
} // namespace

bool restriction_started() {
    return started.load();
}

EnforcementReport restrict_process(int ruleset_fd, std::uint32_t flags,
                                   const RestrictOptions& options) {
    started.store(true);
    if (options.mode == Tsync::Emulate) {
        return {EnforcementMethod::Emulation,
                restrict_all_threads_emulated(ruleset_fd, flags, options.emulation)};
    }
    const int nnp = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    syscall_trace::record(syscall_trace::Call::NoNewPrivs, 0, 0, 0, nnp);
    if (nnp != 0) {
        const int err = errno;
        throw SysError(err, "cannot set no_new_privs");
    }
    const bool tsync = kernel_has_tsync();
    // Thread names come from /proc, which the new domain may deny: read first.
    if (tsync) {
        std::vector<ThreadResult> threads = all_ok(list_threads(), options.emulation.thread_names);
        restrict_self_or_throw(ruleset_fd, flags | uapi::restrict_tsync);
        return {EnforcementMethod::KernelTsync, std::move(threads)};
    }
    if (options.mode == Tsync::Kernel) {
        throw LaunchError("--tsync kernel: this kernel does not support "
                          "LANDLOCK_RESTRICT_SELF_TSYNC",
                          {tsync_missing_hint()});
    }
    const std::vector<pid_t> threads = list_threads();
    if (threads.size() == 1) {
        std::vector<ThreadResult> report = all_ok(threads, options.emulation.thread_names);
        restrict_self_or_throw(ruleset_fd, flags);
        return {EnforcementMethod::SingleThread, std::move(report)};
    }
    return {EnforcementMethod::Emulation,
            restrict_all_threads_emulated(ruleset_fd, flags, options.emulation)};
}

} // namespace sandbox
