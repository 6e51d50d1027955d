// RulesetPlan → a Landlock ruleset descriptor, the path rules streamed into
// it (path_rules.hpp).
#pragma once

#include "enforce/path_rules.hpp"
#include "base/unique_fd.hpp"
#include "enforce/workers.hpp"
#include "policy/plan.hpp"

namespace sandbox {

struct Ruleset {
    UniqueFd fd;
    ResolvedRules rules;  ///< the path rules added, for --explain and exec hints
};

/// Creates the ruleset from the plan's handled rights, then adds every path
/// rule (add_path_rules, on `pool`'s workers if any) and every port rule.
/// Throws SysError or LaunchError.
Ruleset build_ruleset(const RulesetPlan& plan, const PathRuleOptions& options,
                      WorkerPool* pool = nullptr);

/// The landlock_restrict_self() flags for the plan's audit flags.
std::uint32_t restrict_flags(const RulesetPlan& plan);

} // namespace sandbox
