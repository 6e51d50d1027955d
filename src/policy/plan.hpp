// Policy × Landlock ABI → RulesetPlan: what will be handled, which rules
// will be added with which rights, and what could not be enforced and why.
// Pure: the ABI is a parameter, so every ABI can be tested without a kernel.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "policy/access.hpp"
#include "policy/diagnostics.hpp"
#include "policy/policy.hpp"

namespace sandbox {

/// Landlock audit flags of landlock_restrict_self (ABI 7).
enum class LogFlag : std::uint8_t { SameExecOff = 0, NewExecOn = 1, SubdomainsOff = 2 };
using LogFlags = AccessSet<LogFlag>;
std::string_view log_flag_name(LogFlag flag);  ///< "log-same-exec-off"
inline constexpr int log_flags_abi = 7;

enum class Tolerance { Strict, BestEffort };

/// --tsync: how every thread is restricted (PRODUCT §6). Auto: kernel TSYNC
/// when the probe finds it, else plain restrict_self for a single thread,
/// else the userspace emulation.
enum class Tsync { Auto, Kernel, Emulate };

struct PlanOptions {
    Tolerance tolerance = Tolerance::Strict;
    int min_abi = 0;      ///< --min-abi; the policy's own min_abi also counts
    LogFlags log_flags;   ///< requested audit flags
};

struct PlannedPath {
    PathRule rule;     ///< as requested (a copy: the plan owns what it refers to)
    FsAccess granted;  ///< rights that will be put in the rule (before file masking)
    FsAccess dropped;  ///< requested rights this ABI does not know
};

/// Something the kernel will not enforce, with the ABI that would. Every
/// entry is named in the one-line warning of every run (PRODUCT §5).
struct Unenforced {
    std::string what;  ///< "network", "scopes", "filesystem right truncate"
    int needs_abi = 0;
};

/// How connect() to pathname UNIX sockets is restricted (PRODUCT §5).
enum class UnixSockets {
    Landlock,      ///< ABI >= 9: resolve_unix is handled like every other right
    SeccompDeny,   ///< ABI < 9: the seccomp guard makes socket(AF_UNIX) fail (EACCES)
    Unrestricted,  ///< the policy allows UNIX sockets, or the filesystem is unrestricted
};
/// The first Landlock ABI that can restrict connect() to pathname UNIX sockets.
int resolve_unix_abi();

struct RulesetPlan {
    int abi = 0;
    FsAccess handled_fs;
    NetAccess handled_net;
    ScopeSet scoped;
    UnixSockets unix_sockets = UnixSockets::Unrestricted;
    std::vector<PlannedPath> paths;
    std::vector<PortRule> ports;  ///< empty unless TCP is handled
    LogFlags log_flags;           ///< flags that will be passed to restrict_self
    std::vector<Unenforced> unenforced;
    Diagnostics diagnostics;      ///< errors make the plan unusable

    bool ok() const { return !diagnostics.has_errors(); }
    /// The one-line warning for categories the kernel cannot restrict, or "".
    std::string unenforced_summary() const;

    /// paths[index], checked: an index from another plan fails loudly.
    const PlannedPath& path(std::size_t index) const { return paths.at(index); }
};

/// The plan refers to POLICY's path rules (no copy per rule): POLICY must
/// outlive it and keep its rules in place.
RulesetPlan make_plan(const Policy& policy, int abi, const PlanOptions& options);
RulesetPlan make_plan(Policy&& policy, int abi, const PlanOptions& options) = delete;

} // namespace sandbox
