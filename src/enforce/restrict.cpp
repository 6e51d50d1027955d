#include "enforce/restrict.hpp"

#include <dirent.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fmt/format.h>

#include "enforce/landlock.hpp"
#include "enforce/sys_error.hpp"

namespace sandbox {

std::string_view method_name(EnforcementMethod m) {
    switch (m) {
    case EnforcementMethod::SingleThread: return "single thread";
    }
    return "?";
}

std::vector<pid_t> list_threads() {
    std::vector<pid_t> tids;
    DIR* dir = opendir("/proc/self/task");
    if (dir == nullptr) {
        throw SysError(errno, "cannot list the launcher's threads in /proc/self/task");
    }
    while (const dirent* e = readdir(dir)) {
        if (e->d_name[0] >= '0' && e->d_name[0] <= '9') {
            tids.push_back(static_cast<pid_t>(std::strtol(e->d_name, nullptr, 10)));
        }
    }
    closedir(dir);
    return tids;
}

EnforcementReport restrict_process(int ruleset_fd, std::uint32_t flags) {
    const std::vector<pid_t> threads = list_threads();
    if (threads.size() != 1) {
        throw LaunchError(
            fmt::format("the launcher has {} threads, and landlock_restrict_self() restricts "
                        "only the calling one",
                        threads.size()),
            {"refusing to leave threads unrestricted; this build restricts single-threaded "
             "launchers only"});
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        throw SysError(errno, "cannot set no_new_privs");
    }
    if (landlock::restrict_self(ruleset_fd, flags) != 0) {
        const int err = errno;
        std::vector<std::string> hints;
        if (err == E2BIG) {
            hints.emplace_back("this process is already inside 16 nested Landlock domains, the "
                               "kernel's limit");
        } else if (err == EINVAL && flags != 0) {
            hints.emplace_back("the kernel rejected the audit flags (--log-*)");
        }
        throw SysError(err, "cannot enforce the Landlock ruleset", hints);
    }
    return {EnforcementMethod::SingleThread, {{threads.front(), 0}}};
}

} // namespace sandbox
