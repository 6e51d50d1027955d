// What would allow a run's denials: the smallest command-line flags, and an
// exact policy fragment with only the blocked rights (PRODUCT §10). Pure.
#pragma once

#include <string>
#include <vector>

#include "policy/access.hpp"
#include "policy/denials.hpp"

namespace sandbox {

struct SuggestedRule {
    std::string path;
    FsAccess access;  ///< exactly the blocked rights
};

struct Suggestion {
    /// An argv fragment: appended to the same command line, it allows every
    /// denial ("--ro", "/etc/hostname", "--connect-tcp", "443", ...).
    std::vector<std::string> flags;
    std::vector<SuggestedRule> rules;  ///< by path, sorted
    std::vector<int> connect_tcp;      ///< sorted, unique
    std::vector<int> bind_tcp;
    ScopeSet unrestricted_scopes;
    /// Blockers this version cannot turn into a rule (a newer kernel's).
    std::vector<std::string> unknown_blockers;
    /// Paths below /proc/PID/ of a process of this run: a rule on them would
    /// not match the next run (other pids), so no flag is suggested.
    std::vector<std::string> per_process_paths;

    [[nodiscard]] bool empty() const {
        return flags.empty() && unknown_blockers.empty() && per_process_paths.empty();
    }
};

Suggestion suggest(const std::vector<Denial>& denials);

/// Is `path` below /proc/PID/ (a numeric directory), or that directory?
bool is_per_process_path(std::string_view path);

}  // namespace sandbox
