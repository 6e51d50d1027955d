#include "enforce/ruleset.hpp"

#include <cerrno>
#include <fmt/format.h>

#include "enforce/features.hpp"
#include "enforce/landlock.hpp"
#include "base/error.hpp"

namespace sandbox {

Ruleset build_ruleset(const RulesetPlan& plan, const PathRuleOptions& options,
                      WorkerPool* pool) {
    uapi::RulesetAttr attr;
    attr.handled_access_fs = plan.handled_fs.bits();
    attr.handled_access_net = plan.handled_net.bits();
    attr.scoped = plan.scoped.bits();
    Ruleset ruleset{UniqueFd(landlock::create_ruleset(attr, sizeof attr)), {}};
    if (!ruleset.fd.valid()) {
        const int err = errno;
        std::vector<std::string> hints;
        if (err == ENOSYS || err == EOPNOTSUPP) {
            hints.push_back(landlock_unavailable_hint(err));
        }
        throw SysError(err, "cannot create the Landlock ruleset", hints);
    }
    ruleset.rules = add_path_rules(ruleset.fd.get(), plan, options, pool);
    for (const auto& port : plan.ports) {
        uapi::NetPortAttr net;
        net.allowed_access = NetAccess{port.right}.bits();
        net.port = port.port;
        if (landlock::add_port_rule(ruleset.fd.get(), net) != 0) {
            const int err = errno;
            throw SysError(err,
                           fmt::format("cannot add the rule for TCP port {} ({})", port.port,
                                       info(port.right).name),
                           {fmt::format("the rule comes from {}", port.source.to_string())});
        }
    }
    return ruleset;
}

std::uint32_t restrict_flags(const RulesetPlan& plan) {
    std::uint32_t flags = 0;
    if (plan.log_flags.contains(LogFlag::SameExecOff)) {
        flags |= uapi::restrict_log_same_exec_off;
    }
    if (plan.log_flags.contains(LogFlag::NewExecOn)) {
        flags |= uapi::restrict_log_new_exec_on;
    }
    if (plan.log_flags.contains(LogFlag::SubdomainsOff)) {
        flags |= uapi::restrict_log_subdomains_off;
    }
    return flags;
}

} // namespace sandbox
