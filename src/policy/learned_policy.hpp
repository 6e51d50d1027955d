// --learn (PRODUCT §10): from what a traced run did (observations.hpp) to a
// small, readable, deterministic sandbox-policy(5) file. Pure: the caller
// resolves the building blocks and the given profiles to canonical paths.
//
// The rules, in order:
//  1. Fold: an object the run created, or one gone when the run ended,
//     cannot carry a rule (a rule needs an existing path); its rights move to
//     the nearest directory above it that existed before and still exists.
//     So files with random names in a temp directory become one rule on the
//     directory they were created in.
//  2. Subtract what the profiles given while learning allow; they are
//     included.
//  3. Building blocks, in order (system-base, user-db, tls-trust, dns, tty):
//     a block that allows something still needed is included and what it
//     allows is subtracted.
//  4. Collapse: at least kCollapseAt read-only entries (read_file, read_dir)
//     in one directory become one read rule on it, repeated upwards, but
//     never on "/", a top-level directory, /etc, /home, /root, /var, /tmp,
//     $HOME or above, $TMPDIR, or above $PWD. Writes and executes stay where
//     they were seen. Then rights a rule on a directory above already grants
//     are dropped.
//  5. Name: /proc/PID becomes /proc/self; $PWD, $HOME and $TMPDIR (longest
//     first) become ${PWD}, ${HOME} and ${TMPDIR:-/tmp}.
//  6. Write: rules sorted by path, groups (ro, rox) where the rights are
//     exactly a group's, explicit rights otherwise.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "policy/observations.hpp"
#include "policy/policy.hpp"

namespace sandbox {

inline constexpr std::size_t kCollapseAt = 4;

/// A policy the learned one includes: its include name and what it allows
/// (rule paths canonical, i.e. realpath of the expanded paths).
struct KnownPolicy {
    std::string name;
    Policy policy;
};

struct LearnContext {
    std::string home;    ///< canonical $HOME, "" if unset
    std::string pwd;     ///< canonical working directory of the run
    std::string tmpdir;  ///< canonical ${TMPDIR:-/tmp}
    std::vector<KnownPolicy> given;            ///< --profile/--policy while learning
    std::vector<KnownPolicy> building_blocks;  ///< shipped blocks, in preference order
    std::set<std::string> gone;  ///< observed paths that no longer exist
    std::string command;         ///< the command line, for the description
    std::string date;            ///< YYYY-MM-DD
};

struct LearnedRule {
    std::string path;  ///< with ${PWD}, ${HOME}, ${TMPDIR:-/tmp}
    FsAccess access;
    bool directory = false;
};

struct LearnedPolicy {
    std::string description;
    std::vector<std::string> includes;
    std::vector<LearnedRule> rules;  ///< sorted by path
    std::set<std::uint16_t> bind_tcp;
    std::set<std::uint16_t> connect_tcp;
    ScopeSet unrestricted_scopes;
    /// Paths a policy file cannot name (they contain "${", which the loader
    /// expands): left out, for a warning.
    std::vector<std::string> unwritable;
};

/// Rules 1-5 above.
LearnedPolicy generalise(const Observations& seen, const LearnContext& context);

/// Rule 6: the policy file's text (JSON, two-space indent, final newline).
std::string render_policy(const LearnedPolicy& policy);

/// The rights of `rights` that `policy` grants on `path` (a rule on the path
/// or a directory above it); for a non-directory only file rights count.
FsAccess granted_rights(const Policy& policy, const std::string& path, FsAccess rights);

} // namespace sandbox
