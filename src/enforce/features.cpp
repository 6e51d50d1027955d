#include "enforce/features.hpp"

#include <sys/prctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <array>
#include <cerrno>

#include <fmt/format.h>

#include "enforce/landlock.hpp"
#include "base/error.hpp"
#include "base/unique_fd.hpp"

namespace sandbox {

int probe_abi(int* err) {
    int abi = landlock::abi_version();
    if (abi < 0) {
        *err = errno;
        return 0;
    }
    *err = 0;
    return abi;
}

int required_abi() {
    int err = 0;
    const int abi = probe_abi(&err);
    if (abi < 1) {
        throw SysError(err,
                       fmt::format("cannot use Landlock: {}", landlock_unavailable_reason(err)),
                       {landlock_unavailable_hint(err),
                        "sandbox never runs a command without a sandbox"});
    }
    return abi;
}

Probe probe_tsync(int* answer_errno) {
    pid_t pid = fork();
    if (pid < 0) {
        *answer_errno = errno;
        return Probe::Unknown;
    }
    if (pid == 0) {
        int code = 0;
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
            landlock::restrict_self(-1, uapi::restrict_tsync) != 0) {
            code = errno;
        }
        _exit(code & 0xff);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            *answer_errno = errno;
            return Probe::Unknown;
        }
    }
    if (!WIFEXITED(status)) {
        *answer_errno = 0;
        return Probe::Unknown;
    }
    *answer_errno = WEXITSTATUS(status);
    return tsync_answer(*answer_errno);
}

Probe tsync_answer(int err) {
    if (err == EBADF) {
        return Probe::Yes;
    }
    if (err == EINVAL || err == ENOSYS || err == EOPNOTSUPP) {
        return Probe::No;
    }
    return Probe::Unknown;
}

namespace {

/// The first line of a small file (/sys/kernel/security/lsm), read with one
/// read() (no iostreams: they would link libstdc++'s locale machinery into
/// the static launcher).
std::optional<std::string> read_first_line(const char* path) {
    const UniqueFd fd(open(path, O_RDONLY | O_CLOEXEC));
    std::array<char, 4096> buf{};
    const ssize_t n = fd.get() < 0 ? -1 : read(fd.get(), buf.data(), buf.size());
    if (n <= 0) {
        return std::nullopt;
    }
    const std::string_view text(buf.data(), static_cast<std::size_t>(n));
    return std::string(text.substr(0, text.find('\n')));
}

/// A process inside a Landlock domain cannot ptrace-read a process outside
/// it. As root (which passes the DAC check), reading /proc/1's namespace
/// links therefore tells whether we are in a domain pid 1 is not in.
Probe probe_in_domain(std::string& reason) {
    if (geteuid() != 0) {
        reason = "probe needs root (it inspects /proc/1)";
        return Probe::Unknown;
    }
    char buf[256];
    if (readlink("/proc/1/ns/mnt", buf, sizeof buf) >= 0) {
        reason = "pid 1 is reachable by ptrace checks";
        return Probe::No;
    }
    if (errno == EACCES || errno == EPERM) {
        reason = "ptrace access to pid 1 is denied, as inside a Landlock domain";
        return Probe::Yes;
    }
    reason = "cannot inspect /proc/1";
    return Probe::Unknown;
}

} // namespace

KernelFeatures probe_features() {
    KernelFeatures f;
    f.abi = probe_abi(&f.abi_errno);
    if (f.abi >= 1) {
        int e = landlock::errata();
        if (e >= 0) {
            f.errata = static_cast<unsigned>(e);
        }
        f.tsync = probe_tsync(&f.tsync_errno);
    } else {
        f.tsync = Probe::No;
        f.tsync_errno = f.abi_errno;
    }
    f.lsm_list = read_first_line("/sys/kernel/security/lsm");
    f.in_domain = probe_in_domain(f.in_domain_reason);
    f.kernel_release = kernel_release();
    return f;
}

std::string kernel_release() {
    struct utsname u {};
    return uname(&u) == 0 ? u.release : "";
}

std::string landlock_unavailable_reason(int err) {
    switch (err) {
    case ENOSYS: return "this kernel is built without Landlock";
    case EOPNOTSUPP: return "Landlock is built into this kernel but disabled at boot";
    default: return "Landlock is not usable";
    }
}

std::string landlock_unavailable_hint(int err) {
    switch (err) {
    case ENOSYS: return "use a kernel built with CONFIG_SECURITY_LANDLOCK=y (Linux 5.13 or later)";
    case EOPNOTSUPP:
        return "add landlock to the kernel's lsm= boot parameter, e.g. lsm=landlock,lockdown,yama,"
               "integrity,apparmor";
    default: return "check that Landlock is enabled in this kernel";
    }
}

} // namespace sandbox
