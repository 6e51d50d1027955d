#include "enforce/threads.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include <fmt/format.h>

#include "base/error.hpp"
#include "base/unique_fd.hpp"
#include "enforce/landlock.hpp"

namespace sandbox {

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
        const int err = errno;
        throw SysError(err, "cannot list the launcher's threads in /proc/self/task",
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

void restrict_self_or_throw(int ruleset_fd, std::uint32_t flags) {
    if (landlock::restrict_self(ruleset_fd, flags) != 0) {
        const int err = errno;
        throw SysError(err, "cannot enforce the Landlock ruleset", restrict_hints(err, flags));
    }
}

} // namespace sandbox
