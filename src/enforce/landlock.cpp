#include "enforce/landlock.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include "enforce/syscall_trace.hpp"

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#endif
#ifndef __NR_landlock_add_rule
#define __NR_landlock_add_rule 445
#endif
#ifndef __NR_landlock_restrict_self
#define __NR_landlock_restrict_self 446
#endif

namespace sandbox::landlock {

using syscall_trace::Call;

int create_ruleset(const uapi::RulesetAttr& attr, std::size_t size) {
    const int fd = static_cast<int>(syscall(__NR_landlock_create_ruleset, &attr, size, 0U));
    syscall_trace::record(Call::CreateRuleset, attr.handled_access_fs, attr.handled_access_net,
                          attr.scoped, fd);
    return fd;
}

int abi_version() {
    return static_cast<int>(
        syscall(__NR_landlock_create_ruleset, nullptr, 0, uapi::create_ruleset_version));
}

int errata() {
    return static_cast<int>(
        syscall(__NR_landlock_create_ruleset, nullptr, 0, uapi::create_ruleset_errata));
}

int add_path_rule(int ruleset_fd, const uapi::PathBeneathAttr& attr) {
    const int r = static_cast<int>(
        syscall(__NR_landlock_add_rule, ruleset_fd, uapi::rule_path_beneath, &attr, 0U));
    syscall_trace::record(Call::AddPathRule, static_cast<std::uint64_t>(ruleset_fd),
                          attr.allowed_access, static_cast<std::uint64_t>(attr.parent_fd), r);
    return r;
}

int add_port_rule(int ruleset_fd, const uapi::NetPortAttr& attr) {
    const int r = static_cast<int>(
        syscall(__NR_landlock_add_rule, ruleset_fd, uapi::rule_net_port, &attr, 0U));
    syscall_trace::record(Call::AddPortRule, static_cast<std::uint64_t>(ruleset_fd),
                          attr.allowed_access, attr.port, r);
    return r;
}

int restrict_self(int ruleset_fd, std::uint32_t flags) {
    const int r = static_cast<int>(syscall(__NR_landlock_restrict_self, ruleset_fd, flags));
    syscall_trace::record(Call::RestrictSelf, static_cast<std::uint64_t>(ruleset_fd), flags, 0, r);
    return r;
}

} // namespace sandbox::landlock
