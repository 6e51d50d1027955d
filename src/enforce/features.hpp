// What the running kernel supports, found by asking it (never by version).
#pragma once

#include <optional>
#include <string>

namespace sandbox {

enum class Probe { Yes, No, Unknown };

struct KernelFeatures {
    int abi = 0;        ///< Landlock ABI; 0 when unavailable
    int abi_errno = 0;  ///< ENOSYS (not built) or EOPNOTSUPP (disabled) when abi == 0
    std::optional<unsigned> errata;  ///< fixed-errata bitmask (ABI 7+), if the kernel answers
    Probe tsync = Probe::Unknown;    ///< LANDLOCK_RESTRICT_SELF_TSYNC accepted
    int tsync_errno = 0;             ///< the probe's answer: EBADF = yes, EINVAL = no
    std::optional<std::string> lsm_list;  ///< /sys/kernel/security/lsm, when readable
    Probe in_domain = Probe::Unknown;     ///< already inside a Landlock domain
    std::string in_domain_reason;
    std::string kernel_release;  ///< uname -r, for information only
};

/// Runs every probe. The TSYNC probe runs in a short-lived child so the
/// caller's no_new_privs bit is not changed.
KernelFeatures probe_features();

/// uname -r, for information only.
std::string kernel_release();

/// Only the ABI (cheap: one syscall).
int probe_abi(int* err);

/// The ABI, or SysError with the reason and hints when Landlock is
/// unavailable (a run never goes on without it).
int required_abi();

/// landlock_restrict_self(-1, TSYNC) after NNP, in a child process.
Probe probe_tsync(int* answer_errno);

/// What landlock_restrict_self(-1, TSYNC) after no_new_privs says about the
/// kernel, from its errno (0: the call succeeded). EBADF: the kernel knows
/// the flag and went on to the descriptor; EINVAL (or ENOSYS, EOPNOTSUPP: no
/// Landlock): it does not; anything else, success included: Unknown. The one
/// place that interprets the probe, for --features and for restrict_process().
Probe tsync_answer(int err);

/// Hints for a kernel without Landlock (ENOSYS, EOPNOTSUPP).
std::string landlock_unavailable_reason(int err);
std::string landlock_unavailable_hint(int err);

} // namespace sandbox
