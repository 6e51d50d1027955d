#include "policy/carve.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

namespace sandbox {

namespace {

/// PATH is ROOT or below it (both canonical).
bool is_within(const std::string& path, const std::string& root) {
    if (root == "/") {
        return path.starts_with('/');
    }
    return path == root || (path.size() > root.size() && path.starts_with(root) &&
                            path[root.size()] == '/');
}

bool is_strict_ancestor(const std::string& ancestor, const std::string& path) {
    return ancestor != path && is_within(path, ancestor);
}

std::string join(const std::string& dir, const std::string& name) {
    return dir == "/" ? "/" + name : dir + "/" + name;
}

/// The name of the entry of DIR on the way to PATH (DIR a strict ancestor).
std::string next_component(const std::string& dir, const std::string& path) {
    const std::size_t start = dir == "/" ? 1 : dir.size() + 1;
    const std::size_t slash = path.find('/', start);
    return path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
}

/// How a generated rule names its deny: "--deny /h/.ssh" or "p.json:3:14".
std::string deny_name(const DenyRule& d) {
    return d.source.file.empty() ? d.source.option : d.source.to_string();
}

class Carver {
public:
    Carver(std::vector<PathRule>& rules, const std::vector<DenyRule>& denies,
           const DirectoryLister& fs, const CarveLimits& limits)
        : rules_(rules), denies_(denies), fs_(fs), limits_(limits) {}

    CarveResult run() {
        canon_.reserve(rules_.size());
        for (const auto& r : rules_) {
            canon_.push_back(fs_.canonical(r.path));
        }
        for (const auto& d : denies_) {
            deny_canon_.push_back(fs_.canonical(d.path));
        }
        for (std::size_t i = 0; i < denies_.size(); ++i) {
            if (!carve_one(i)) {
                break;
            }
        }
        return std::move(out_);
    }

private:
    /// False after an error: the caller must not launch.
    bool carve_one(std::size_t index) {
        const DenyRule& deny = denies_[index];
        Carving& c = out_.carvings.emplace_back();
        c.deny = deny;
        if (!deny_canon_[index]) {
            if (!deny.optional) {
                out_.diagnostics.warning(
                    deny.source, fmt::format("nothing to deny: \"{}\" does not exist", deny.path),
                    {"a rule that allows creating it is not carved: deny an existing path"});
            }
            return true;
        }
        const std::string& d = *deny_canon_[index];
        c.canonical = d;
        std::vector<PathRule> next;
        std::vector<std::optional<std::string>> next_canon;
        next.reserve(rules_.size());
        next_canon.reserve(rules_.size());
        for (std::size_t k = 0; k < rules_.size(); ++k) {
            const std::optional<std::string>& at = canon_[k];
            if (at && is_within(*at, d)) {
                c.removed.push_back(std::move(rules_[k]));
            } else if (at && is_strict_ancestor(*at, d)) {
                ReplacedRule& r = c.replaced.emplace_back();
                r.rule = std::move(rules_[k]);
                r.canonical = *at;
                if (!expand(r, d, deny, c, next, next_canon)) {
                    return false;
                }
            } else {
                next.push_back(std::move(rules_[k]));
                next_canon.push_back(at);
            }
        }
        rules_ = std::move(next);
        canon_ = std::move(next_canon);
        if (c.replaced.empty() && c.removed.empty()) {
            out_.diagnostics.warning(
                deny.source,
                fmt::format("nothing to deny: no rule allows anything on or above \"{}\"",
                            deny.path),
                {"without a rule it is denied anyway"});
        }
        return true;
    }

    /// A symlink whose target is the denied path, inside it or above it
    /// would grant it again (a rule lands on the symlink's target).
    bool reaches_a_deny(const std::string& target) const {
        return std::any_of(deny_canon_.begin(), deny_canon_.end(),
                           [&](const std::optional<std::string>& d) {
                               return d && (is_within(target, *d) || is_within(*d, target));
                           });
    }

    bool too_many(const DenyRule& deny, const ReplacedRule& r, const std::string& level) {
        out_.diagnostics.error(
            deny.source,
            fmt::format("cannot carve \"{}\" out of the rule on \"{}\": that needs more than {} "
                        "rules (the limit was reached in the directory \"{}\")",
                        deny.path, r.canonical, limits_.max_generated, level),
            {"deny something deeper, or narrow the rule (name the directories you need "
             "instead of \"" + r.canonical + "\")",
             fmt::format("the rule comes from {}", r.rule.describe_source())});
        return false;
    }

    /// Adds the rules that replace r.rule, level by level from its directory
    /// down to D's parent. False after the limit error.
    bool expand(ReplacedRule& r, const std::string& d, const DenyRule& deny, Carving& c,
                std::vector<PathRule>& next, std::vector<std::optional<std::string>>& next_canon) {
        const FsAccess rights = r.rule.access;
        const FsAccess file_rights = mask_for_file(rights);
        std::string level = r.canonical;
        for (;;) {
            const std::string toward = next_component(level, d);
            const FsAccess dropped = rights.without(file_rights);
            if (!dropped.empty()) {
                r.dropped_on.push_back({level, dropped});
            }
            const std::size_t remaining = limits_.max_generated - generated_;
            // One more than the budget: the entry toward D is not a rule.
            std::vector<DirEntry> entries = fs_.entries(level, remaining + 1);
            if (entries.size() > remaining + 1) {
                return too_many(deny, r, level);
            }
            std::sort(entries.begin(), entries.end(),
                      [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
            for (const DirEntry& e : entries) {
                if (e.name == toward) {
                    continue;
                }
                const std::string path = join(level, e.name);
                std::optional<std::string> lands_on = path;
                bool is_dir = e.kind == DirEntry::Kind::Directory;
                if (e.kind == DirEntry::Kind::Symlink) {
                    if (!e.target) {
                        continue;  // dangling: nothing to grant
                    }
                    if (reaches_a_deny(*e.target)) {
                        c.skipped_symlinks.push_back({path, *e.target});
                        continue;
                    }
                    lands_on = e.target;
                    is_dir = e.target_is_dir;
                }
                const FsAccess access = is_dir ? rights : file_rights;
                if (access.empty()) {
                    continue;
                }
                if (generated_ == limits_.max_generated) {
                    return too_many(deny, r, level);
                }
                ++generated_;
                ++r.generated;
                PathRule g = r.rule;
                g.path = path;
                g.written.clear();
                g.access = access;
                g.optional = true;
                g.carved_by = g.carved_by.empty() ? deny_name(deny)
                                                  : g.carved_by + ", " + deny_name(deny);
                next.push_back(std::move(g));
                next_canon.push_back(std::move(lands_on));
            }
            const std::string child = join(level, toward);
            if (child == d) {
                return true;
            }
            level = child;
        }
    }

    std::vector<PathRule>& rules_;
    const std::vector<DenyRule>& denies_;
    const DirectoryLister& fs_;
    const CarveLimits& limits_;
    std::vector<std::optional<std::string>> canon_;       ///< per rule in rules_
    std::vector<std::optional<std::string>> deny_canon_;  ///< per deny
    std::size_t generated_ = 0;
    CarveResult out_;
};

} // namespace

CarveResult carve(std::vector<PathRule>& rules, const std::vector<DenyRule>& denies,
                  const DirectoryLister& fs, const CarveLimits& limits) {
    if (denies.empty()) {
        return {};
    }
    return Carver(rules, denies, fs, limits).run();
}

} // namespace sandbox
