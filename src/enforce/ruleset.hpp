// RulesetPlan + opened rule paths → a Landlock ruleset descriptor.
#pragma once

#include "enforce/resolve.hpp"
#include "enforce/unique_fd.hpp"
#include "policy/plan.hpp"

namespace sandbox {

/// Creates the ruleset and adds every rule; throws SysError on failure.
UniqueFd build_ruleset(const RulesetPlan& plan, const ResolvedRules& rules);

/// The landlock_restrict_self() flags for the plan's audit flags.
std::uint32_t restrict_flags(const RulesetPlan& plan);

} // namespace sandbox
