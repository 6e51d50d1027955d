// One typed wrapper per Landlock syscall: the only place that calls the
// Landlock system calls. (Other syscall() users call what libc does not
// wrap or must not touch here: gettid, openat2, tgkill, futex, seccomp,
// capget, close_range, and raw openat/getdents64/close in all_threads.cpp.)
// Each returns the raw result; on failure -1 with errno set, like libc.
#pragma once

#include <cstdint>

#include "enforce/uapi.hpp"

namespace sandbox::landlock {

/// landlock_create_ruleset(attr, sizeof *attr, 0): a new ruleset fd.
int create_ruleset(const uapi::RulesetAttr& attr, std::size_t size);
/// landlock_create_ruleset(NULL, 0, VERSION): the ABI, or -1 (ENOSYS/EOPNOTSUPP).
int abi_version();
/// landlock_create_ruleset(NULL, 0, ERRATA): bitmask of fixed errata, or -1.
int errata();
/// landlock_add_rule(ruleset, PATH_BENEATH, attr, 0)
int add_path_rule(int ruleset_fd, const uapi::PathBeneathAttr& attr);
/// landlock_add_rule(ruleset, NET_PORT, attr, 0)
int add_port_rule(int ruleset_fd, const uapi::NetPortAttr& attr);
/// landlock_restrict_self(ruleset, flags)
int restrict_self(int ruleset_fd, std::uint32_t flags);

} // namespace sandbox::landlock
