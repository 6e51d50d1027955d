#include "policy/plan.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "policy/profile_path.hpp"

namespace sandbox {

std::string_view log_flag_name(LogFlag flag) {
    switch (flag) {
    case LogFlag::SameExecOff: return "log-same-exec-off";
    case LogFlag::NewExecOn: return "log-new-exec-on";
    case LogFlag::SubdomainsOff: return "log-subdomains-off";
    }
    return "?";
}

int resolve_unix_abi() { return info(AccessFs::ResolveUnix).since_abi; }

std::string RulesetPlan::unenforced_summary() const {
    std::vector<std::string> parts;
    for (const auto& u : unenforced) {
        parts.push_back(fmt::format("{} (needs ABI {})", u.what, u.needs_abi));
    }
    if (parts.empty()) {
        return {};
    }
    return fmt::format("not restricted on Landlock ABI {}: {}", abi, fmt::join(parts, ", "));
}

namespace {

const char* best_effort_hint = "add --best-effort to run with what this kernel supports";

/// Reports a request the kernel cannot satisfy: an error, or a warning
/// under --best-effort.
void unsatisfiable(RulesetPlan& plan, const PlanOptions& options, SourceLocation where,
                   std::string message) {
    if (options.tolerance == Tolerance::BestEffort) {
        plan.diagnostics.warning(std::move(where), message + " (dropped: --best-effort)");
    } else {
        std::vector<std::string> hints{best_effort_hint};
        if (auto shipped = shipped_profile_hint(where.file)) {
            hints.push_back(*shipped);
        }
        plan.diagnostics.error(std::move(where), std::move(message), std::move(hints));
    }
}

void plan_filesystem(const Policy& policy, const PlanOptions& options, RulesetPlan& plan) {
    const int abi = plan.abi;
    if (policy.unrestricted_filesystem) {
        return;
    }
    plan.handled_fs = supported_rights<AccessFs>(abi);
    if (policy.unrestricted_unix) {
        plan.handled_fs = plan.handled_fs.without({AccessFs::ResolveUnix});
    }
    for (const auto& row : fs_rights()) {
        // resolve_unix has a fallback of its own (plan_unix_sockets).
        if (row.since_abi > abi && row.right != AccessFs::ResolveUnix) {
            plan.unenforced.push_back({fmt::format("filesystem right {}", row.name), row.since_abi});
        }
    }
    plan.paths.reserve(policy.paths.size());
    for (const auto& rule : policy.paths) {
        PlannedPath p{rule, rule.access.intersect(plan.handled_fs),
                      rule.access.without(plan.handled_fs)};
        if (!p.dropped.empty() && rule.origin == RightsOrigin::Explicit) {
            int needs = 0;
            for (const auto& row : fs_rights()) {
                if (p.dropped.contains(row.right)) {
                    needs = std::max(needs, row.since_abi);
                }
            }
            unsatisfiable(plan, options, rule.source,
                          fmt::format("access right {} on \"{}\" needs Landlock ABI {}; "
                                      "this kernel has ABI {}",
                                      join_right_names(p.dropped), rule.path, needs, abi));
        }
        if (p.granted.empty()) {
            continue;  // nothing left to allow; the kernel rejects empty rules
        }
        plan.paths.push_back(std::move(p));
    }
}

void plan_network(const Policy& policy, const PlanOptions& options, RulesetPlan& plan) {
    const int tcp_abi = first_abi<AccessNet>();
    if (policy.unrestricted_network) {
        return;
    }
    if (plan.abi < tcp_abi) {
        plan.unenforced.push_back({"network", tcp_abi});
        for (const auto& port : policy.ports) {
            unsatisfiable(plan, options, port.source,
                          fmt::format("TCP port rule {} {} needs Landlock ABI {}; this "
                                      "kernel has ABI {}",
                                      info(port.right).name, port.port, tcp_abi, plan.abi));
        }
        return;
    }
    plan.handled_net = supported_rights<AccessNet>(plan.abi);
    plan.ports = policy.ports;
}

void plan_scopes(const Policy& policy, RulesetPlan& plan) {
    const int scope_abi = first_abi<Scope>();
    const ScopeSet wanted = all_rights<Scope>().without(policy.unrestricted_scopes);
    if (wanted.empty()) {
        return;
    }
    if (plan.abi < scope_abi) {
        plan.unenforced.push_back({fmt::format("scopes ({})", join_right_names(wanted)),
                                   scope_abi});
        return;
    }
    plan.scoped = wanted.intersect(supported_rights<Scope>(plan.abi));
}

/// Below ABI 9 Landlock cannot restrict connect() to a pathname UNIX socket:
/// the seccomp guard denies creating AF_UNIX sockets instead, unless the
/// policy asks for UNIX sockets (a resolve_unix right, which then reaches
/// every socket: warned) or opts out (--unrestricted-unix).
void plan_unix_sockets(const Policy& policy, RulesetPlan& plan) {
    if (policy.unrestricted_filesystem || policy.unrestricted_unix) {
        plan.unix_sockets = UnixSockets::Unrestricted;
    } else if (plan.handled_fs.contains(AccessFs::ResolveUnix)) {
        plan.unix_sockets = UnixSockets::Landlock;
    } else if (policy.allows_unix_sockets() ||
               policy.unrestricted_scopes.contains(Scope::AbstractUnixSocket)) {
        // Both need socket(AF_UNIX), which cannot be allowed for one kind only.
        plan.unix_sockets = UnixSockets::Unrestricted;
        plan.unenforced.push_back(
            {fmt::format("pathname UNIX sockets ({}, so every socket is reachable)",
                         policy.allows_unix_sockets() ? "a rule allows resolve_unix"
                                                      : "abstract UNIX sockets are unrestricted"),
             resolve_unix_abi()});
    } else {
        plan.unix_sockets = UnixSockets::SeccompDeny;
    }
}

void plan_log_flags(const PlanOptions& options, RulesetPlan& plan) {
    if (options.log_flags.empty()) {
        return;
    }
    if (plan.abi >= log_flags_abi) {
        plan.log_flags = options.log_flags;
        return;
    }
    for (LogFlag f : {LogFlag::SameExecOff, LogFlag::NewExecOn, LogFlag::SubdomainsOff}) {
        if (options.log_flags.contains(f)) {
            unsatisfiable(plan, options, SourceLocation{"", 0, 0, fmt::format("--{}", log_flag_name(f))},
                          fmt::format("--{} needs Landlock ABI {}; this kernel has ABI {}",
                                      log_flag_name(f), log_flags_abi, plan.abi));
        }
    }
}

} // namespace

RulesetPlan make_plan(const Policy& policy, int abi, const PlanOptions& options) {
    RulesetPlan plan;
    plan.abi = abi;
    if (abi < 1) {
        plan.diagnostics.error({}, "Landlock is not available on this kernel");
        return plan;
    }
    const int min_abi = std::max(options.min_abi, policy.min_abi);
    if (abi < min_abi) {
        plan.diagnostics.error(
            {}, fmt::format("this kernel has Landlock ABI {}, below the required minimum {}", abi,
                            min_abi),
            {"the minimum comes from --min-abi or a policy's \"min_abi\""});
        return plan;
    }
    plan_filesystem(policy, options, plan);
    plan_network(policy, options, plan);
    plan_scopes(policy, plan);
    plan_unix_sockets(policy, plan);
    plan_log_flags(options, plan);
    if (plan.handled_fs.empty() && plan.handled_net.empty() && plan.scoped.empty()) {
        plan.diagnostics.error({}, "nothing to restrict: every category is unrestricted or "
                                   "unsupported by this kernel",
                               {"sandbox never runs a command without a sandbox; drop an "
                                "--unrestricted-* option"});
    }
    return plan;
}

} // namespace sandbox
