#include "enforce/landlock.hpp"

#include <sys/syscall.h>
#include <unistd.h>

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

int create_ruleset(const uapi::RulesetAttr& attr, std::size_t size) {
    return static_cast<int>(syscall(__NR_landlock_create_ruleset, &attr, size, 0U));
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
    return static_cast<int>(
        syscall(__NR_landlock_add_rule, ruleset_fd, uapi::rule_path_beneath, &attr, 0U));
}

int add_port_rule(int ruleset_fd, const uapi::NetPortAttr& attr) {
    return static_cast<int>(
        syscall(__NR_landlock_add_rule, ruleset_fd, uapi::rule_net_port, &attr, 0U));
}

int restrict_self(int ruleset_fd, std::uint32_t flags) {
    return static_cast<int>(syscall(__NR_landlock_restrict_self, ruleset_fd, flags));
}

} // namespace sandbox::landlock
