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
    UniqueFd fd;
    std::string resolved;  ///< what the descriptor points at (/proc/self/fd)
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

/// openat2(AT_FDCWD, path, O_PATH|O_CLOEXEC, RESOLVE_NO_MAGICLINKS); -1 + errno.
int open_rule_path(const std::string& path);

} // namespace sandbox
