// Adds the path rules to a ruleset, streaming: each distinct rule path is
// opened (openat2 + RESOLVE_NO_MAGICLINKS, O_PATH | O_CLOEXEC) with
// O_DIRECTORY, and only when that fails with ENOTDIR opened again as a file;
// masked (directory-only rights removed on files), added with
// landlock_add_rule on the descriptor that was opened, and closed right away.
// No fstat: the open that succeeded says what the path is. A path that
// changes type between the two opens gets file rights only (the second open
// is the file open): less, never more. No more than one rule descriptor per
// thread is open at a time: the rule count is not bounded by RLIMIT_NOFILE.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "enforce/workers.hpp"
#include "policy/plan.hpp"

namespace sandbox {

/// A rule that was added: what --explain and the exec hints need of it.
/// `planned` points into the RulesetPlan's paths, which must outlive it (a
/// moved vector keeps its elements in place).
/// `planned` is an index into RulesetPlan::paths (plan.path(i)): it stays
/// valid however the plan is moved or copied.
struct ResolvedRule {
    std::size_t planned = 0;
    std::string resolved;  ///< what the descriptor pointed at; only with Naming::Resolve
    bool is_dir = false;
    FsAccess effective;  ///< rights the rule is added with
    FsAccess masked;     ///< directory-only rights removed because it is a file
};

struct SkippedRule {
    std::size_t planned = 0;  ///< as in ResolvedRule
    int error = 0;  ///< ENOENT, ...
};

struct ResolvedRules {
    std::vector<ResolvedRule> rules;
    std::vector<SkippedRule> skipped;  ///< optional or --ignore-missing paths
    Diagnostics diagnostics;           ///< warnings (best-effort drops)
};

enum class MissingPaths { Error, Ignore };

/// Naming::Resolve reads /proc/self/fd/N for each path while it is open (for
/// --explain); the launch path skips that: one readlink per rule, for nothing
/// the kernel needs.
enum class Naming { Skip, Resolve };

struct PathRuleOptions {
    MissingPaths missing = MissingPaths::Error;
    Tolerance tolerance = Tolerance::Strict;
    Naming naming = Naming::Skip;
};

/// Adds every path rule of `plan` to `ruleset`. Identical paths are opened
/// once and added once, with the union of their rights (what the kernel makes
/// of repeated rules on one inode anyway).
/// Throws SysError for a path that cannot be opened (unless it may be
/// skipped), for magic links and for a rule the kernel refuses, and
/// LaunchError for explicitly named directory-only rights on a file (unless
/// best-effort); errors are reported for the first failing rule in plan order.
/// With a pool, the paths are opened and added in parallel on its workers.
ResolvedRules add_path_rules(int ruleset, const RulesetPlan& plan,
                             const PathRuleOptions& options, WorkerPool* pool = nullptr);

/// openat2(AT_FDCWD, path, O_PATH|O_CLOEXEC|extra_flags, RESOLVE_NO_MAGICLINKS);
/// -1 + errno.
int open_rule_path(const std::string& path, int extra_flags = 0);

} // namespace sandbox
