#include "command/learn_filter.hpp"

#include <seccomp.h>

#include <array>
#include <cerrno>
#include <memory>

#include <fmt/format.h>

#include "base/error.hpp"

namespace sandbox {

namespace {

constexpr std::array<std::string_view, 32> kNames = {
    "open",    "openat",   "openat2",   "creat",     "execve",   "execveat", "mkdir",
    "mkdirat", "mknod",    "mknodat",   "symlink",   "symlinkat", "link",    "linkat",
    "unlink",  "unlinkat", "rmdir",     "rename",    "renameat", "renameat2", "truncate",
    "ftruncate", "ioctl",  "bind",      "connect",   "sendto",   "kill",     "tkill",
    "tgkill",  "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_send_signal"};
static_assert(kNames.size() == static_cast<std::size_t>(TracedCall::PidfdSendSignal) + 1);

/// The native number of a call, or a negative value where the architecture
/// has no such call (aarch64 has no open, mkdir, ...).
int number_of(std::string_view name) {
    return seccomp_syscall_resolve_name(std::string(name).c_str());
}

struct ContextDeleter {
    void operator()(scmp_filter_ctx ctx) const { seccomp_release(ctx); }
};

} // namespace

std::string_view traced_call_name(TracedCall call) {
    return kNames.at(static_cast<std::size_t>(call));
}

TracedCalls::TracedCalls() {
    for (std::size_t i = 0; i < kNames.size(); ++i) {
        const int nr = number_of(kNames[i]);
        if (nr >= 0 && nr < kMax) {
            calls_[nr] = static_cast<TracedCall>(i);
            traced_[nr] = true;
        }
    }
}

const TracedCall* TracedCalls::find(int number) const {
    if (number < 0 || number >= kMax || !traced_[number]) {
        return nullptr;
    }
    return &calls_[number];
}

UniqueFd install_learn_filter() {
    std::unique_ptr<void, ContextDeleter> ctx(seccomp_init(SCMP_ACT_ALLOW));
    if (!ctx) {
        throw SysError(ENOMEM, "--learn: seccomp_init");
    }
    for (std::size_t i = 0; i < kNames.size(); ++i) {
        const int nr = number_of(kNames[i]);
        if (nr < 0) {
            continue;
        }
        // sendto() without an address (args[4]) reaches nothing new: only a
        // UNIX datagram to a named socket needs a right.
        const int rc = static_cast<TracedCall>(i) == TracedCall::SendTo
                           ? seccomp_rule_add(ctx.get(), SCMP_ACT_NOTIFY, nr, 1,
                                              SCMP_A4(SCMP_CMP_NE, 0))
                           : seccomp_rule_add(ctx.get(), SCMP_ACT_NOTIFY, nr, 0);
        if (rc != 0) {
            throw SysError(-rc, fmt::format("--learn: seccomp_rule_add({})", kNames[i]));
        }
    }
    // The launcher sets no_new_privs itself; libseccomp must not fail when it
    // cannot (it can: the bit is already set).
    if (const int rc = seccomp_load(ctx.get()); rc != 0) {
        throw SysError(-rc, "--learn: cannot install the seccomp filter (seccomp_load)",
                       {"the kernel needs seccomp user notification (Linux 5.0 or later, "
                        "CONFIG_SECCOMP_FILTER)"});
    }
    const int fd = seccomp_notify_fd(ctx.get());
    if (fd < 0) {
        throw SysError(-fd, "--learn: seccomp_notify_fd");
    }
    return UniqueFd(fd);
}

} // namespace sandbox
