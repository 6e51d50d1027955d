// Opens every rule path once (openat2 + RESOLVE_NO_MAGICLINKS, O_PATH |
// O_CLOEXEC), fstat()s that same descriptor, and masks directory-only rights
// on files. The descriptors are what the rules are added on: the name is
// never looked up twice.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "enforce/unique_fd.hpp"
#include "enforce/workers.hpp"
#include "policy/plan.hpp"

namespace sandbox {

struct ResolvedRule {
    PlannedPath planned;
    UniqueFd fd;       ///< invalid when `same_as` names the rule that holds it
    int same_as = -1;  ///< index of an earlier rule with the same path: its fd is used
    std::string resolved;  ///< what the descriptor points at; empty until name_resolved_rules()
    bool is_dir = false;
    FsAccess effective;  ///< rights the rule is added with
    FsAccess masked;     ///< directory-only rights removed because it is a file
};

struct SkippedRule {
    PlannedPath planned;
    int error = 0;  ///< ENOENT, ...
};

struct ResolvedRules {
    std::vector<ResolvedRule> rules;
    std::vector<SkippedRule> skipped;  ///< optional or --ignore-missing paths
    Diagnostics diagnostics;           ///< warnings (best-effort drops)
};

enum class MissingPaths { Error, Ignore };

/// Throws SysError for a path that cannot be opened (unless it may be
/// skipped), for magic links, and LaunchError for explicitly named
/// directory-only rights on a file (unless best-effort).
/// With a pool, the paths are opened in parallel on its workers.
ResolvedRules resolve_rules(const RulesetPlan& plan, MissingPaths missing,
                            Tolerance tolerance, WorkerPool* pool = nullptr);

/// Fills in ResolvedRule::resolved from /proc/self/fd, for --explain. The
/// launch path skips it: one readlink per rule, for nothing the kernel needs.
void name_resolved_rules(ResolvedRules& rules);

/// openat2(AT_FDCWD, path, O_PATH|O_CLOEXEC, RESOLVE_NO_MAGICLINKS); -1 + errno.
int open_rule_path(const std::string& path);

} // namespace sandbox
