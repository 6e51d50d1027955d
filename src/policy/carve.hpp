// --deny PATH (PRODUCT §4): Landlock only adds permissions, so "everything in
// $HOME except ~/.ssh" cannot be one rule. The carve step replaces every rule
// on an ancestor of a denied path D by rules on each of that ancestor's other
// entries, level by level down to D's parent, with the same rights. Nothing
// is added on the level directories themselves, so their directory-only
// rights (read_dir, make_*, remove_*, refer: they would reach into D) are
// dropped and reported. Rules on D or inside it are removed.
//
// Pure: the file system is a parameter (DirectoryLister), so every case can
// be tested with a fake one. The expansion is a snapshot: entries created in
// the level directories after it are not covered by any rule (denied).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "policy/access.hpp"
#include "policy/diagnostics.hpp"
#include "policy/policy.hpp"

namespace sandbox {

/// One directory entry, as the lister saw it (lstat, not following links).
struct DirEntry {
    enum class Kind { Directory, File, Symlink, Other };
    std::string name;
    Kind kind = Kind::File;
    /// Symlinks only: the canonical target (nullopt: dangling or unresolvable),
    /// and whether that target is a directory.
    std::optional<std::string> target;
    bool target_is_dir = false;
};

/// What the carve step needs to know of the file system.
class DirectoryLister {
public:
    DirectoryLister() = default;
    DirectoryLister(const DirectoryLister&) = delete;
    DirectoryLister& operator=(const DirectoryLister&) = delete;
    virtual ~DirectoryLister() = default;

    /// The canonical path (realpath), or nullopt when it does not exist.
    /// Other failures throw (the launch fails closed).
    virtual std::optional<std::string> canonical(const std::string& path) const = 0;
    /// The entries of the directory `dir` (canonical), without "." and "..",
    /// in any order; at most `limit` + 1 of them (the caller only needs to
    /// know that there are more than `limit`). Failures throw.
    virtual std::vector<DirEntry> entries(const std::string& dir, std::size_t limit) const = 0;
};

struct CarveLimits {
    /// Generated rules in total. Every rule costs an open and a Landlock rule
    /// at each launch (bench/results/design-figures.md#carve-limit); 10 000 is a large home directory's top levels,
    /// not a tree that should be carved entry by entry (deny something deeper
    /// or narrow the rule instead).
    std::size_t max_generated = 10000;
};

/// A level directory that lost directory-only rights of a replaced rule.
struct DroppedOn {
    std::string dir;
    FsAccess rights;
};

/// A rule on an ancestor of the denied path, replaced by generated rules.
struct ReplacedRule {
    PathRule rule;            ///< the rule as it was before the carve
    std::string canonical;    ///< the directory it applied to
    std::vector<DroppedOn> dropped_on;  ///< one per level, outermost first
    std::size_t generated = 0;          ///< rules added in its place
};

/// A sibling symlink that would have re-granted the denied path.
struct SkippedSymlink {
    std::string path;
    std::string target;
};

/// What one deny did.
struct Carving {
    DenyRule deny;
    std::string canonical;               ///< empty when the path does not exist
    std::vector<ReplacedRule> replaced;  ///< rules on ancestors
    std::vector<PathRule> removed;       ///< rules on the path or inside it
    std::vector<SkippedSymlink> skipped_symlinks;
};

struct CarveResult {
    std::vector<Carving> carvings;  ///< one per deny, in order
    Diagnostics diagnostics;        ///< warnings; an error (limit) means: do not launch
};

/// Carves each deny out of `rules`, in order (generated rules of one deny
/// are carved by the next ones too). Generated rules keep the replaced
/// rule's rights (without directory-only rights on entries that are not
/// directories), origin, group and source; `carved_by` names the deny, and
/// they are optional (an entry removed between the listing and the launch is
/// skipped: less, never more). Entries are taken in name order.
CarveResult carve(std::vector<PathRule>& rules, const std::vector<DenyRule>& denies,
                  const DirectoryLister& fs, const CarveLimits& limits = {});

} // namespace sandbox
