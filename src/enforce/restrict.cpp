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

#include "enforce/landlock.hpp"
#include "enforce/syscall_trace.hpp"
#include "enforce/sys_error.hpp"
#include "enforce/unique_fd.hpp"

namespace sandbox {

std::string_view method_name(EnforcementMethod m) {
    switch (m) {
    case EnforcementMethod::KernelTsync: return "kernel TSYNC";
    case EnforcementMethod::SingleThread: return "single thread";
    case EnforcementMethod::Emulation: return "emulation";
    }
    return "?";
}

std::string thread_name(pid_t tid) {
    UniqueFd fd(open(fmt::format("/proc/self/task/{}/comm", tid).c_str(), O_RDONLY | O_CLOEXEC));
    char buf[64];
    ssize_t n = fd.valid() ? read(fd.get(), buf, sizeof buf) : -1;
    if (n <= 0) {
        return {};
    }
    std::string name(buf, static_cast<std::size_t>(n));
    if (name.back() == '\n') {
        name.pop_back();
    }
    return name;
}

std::vector<pid_t> list_threads() {
    std::vector<pid_t> tids;
    DIR* dir = opendir("/proc/self/task");
    if (dir == nullptr) {
        throw SysError(errno, "cannot list the launcher's threads in /proc/self/task",
                       {"sandbox must see all its threads before restricting them: mount /proc, "
                        "or inside another sandbox allow --ro /proc"});
    }
    while (const dirent* e = readdir(dir)) {
        if (e->d_name[0] >= '0' && e->d_name[0] <= '9') {
            tids.push_back(static_cast<pid_t>(std::strtol(e->d_name, nullptr, 10)));
        }
    }
    closedir(dir);
    return tids;
}

std::vector<std::string> restrict_hints(int err, std::uint32_t flags) {
    std::vector<std::string> hints;
    if (err == E2BIG) {
        hints.emplace_back("this process is already inside 16 nested Landlock domains, the "
                           "kernel's limit");
    } else if (err == EINVAL && flags != 0) {
        hints.emplace_back("the kernel rejected the restrict flags (--log-*, TSYNC)");
    } else if (err == EPERM) {
        hints.emplace_back("no_new_privs is not set on this thread");
    }
    return hints;
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

void restrict_self_or_throw(int ruleset_fd, std::uint32_t flags) {
    if (landlock::restrict_self(ruleset_fd, flags) != 0) {
        const int err = errno;
        throw SysError(err, "cannot enforce the Landlock ruleset", restrict_hints(err, flags));
    }
}

/// After NNP: landlock_restrict_self(-1, TSYNC) answers EBADF when the kernel
/// knows the flag, EINVAL when it does not.
bool kernel_has_tsync() {
    if (landlock::restrict_self(-1, uapi::restrict_tsync) == 0) {
        throw LaunchError("landlock_restrict_self(-1, TSYNC) succeeded; refusing to trust "
                          "this kernel");
    }
    return errno == EBADF;
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
        throw SysError(errno, "cannot set no_new_privs");
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
