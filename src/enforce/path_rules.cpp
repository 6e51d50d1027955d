#include "enforce/path_rules.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <string_view>
#include <unordered_map>
#include <fmt/format.h>

#include "enforce/landlock.hpp"
#include "base/error.hpp"
#include "base/unique_fd.hpp"
#include "policy/profile_path.hpp"

namespace sandbox {

int open_rule_path(const std::string& path, int extra_flags) {
    struct open_how how {};
    how.flags = static_cast<std::uint64_t>(O_PATH | O_CLOEXEC | extra_flags);
    how.resolve = RESOLVE_NO_MAGICLINKS;
    return static_cast<int>(syscall(SYS_openat2, AT_FDCWD, path.c_str(), &how, sizeof how));
}

namespace {

std::string fd_path(int fd) {
    char link[32];
    std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    char buf[4096];
    ssize_t n = readlink(link, buf, sizeof buf);
    if (n < 0) {
        return {};
    }
    return std::string(buf, static_cast<std::size_t>(n));
}

std::vector<std::string> open_hints(int err, const PlannedPath& p) {
    std::vector<std::string> hints;
    const auto shipped = shipped_profile_hint(p.rule.source.file);
    switch (err) {
    case ENOENT:
        hints.emplace_back(shipped ? "rules bind existing files: create it first, or pass "
                                     "--ignore-missing"
                                   : "rules bind existing files: create it first, mark it "
                                     "\"optional\" in a policy, or pass --ignore-missing");
        break;
    case ELOOP:
        hints.emplace_back("magic links such as /proc/self/root or /proc/PID/fd/N would grant "
                           "whole trees; name the real path instead");
        break;
    case EACCES:
        hints.emplace_back("the launcher itself may not open it (an outer sandbox?)");
        break;
    case EMFILE:
    case ENFILE:
        hints.emplace_back("rule paths are opened one at a time (one per thread with --threads), "
                           "and the launcher needs a few descriptors of its own: raise the limit "
                           "(ulimit -n)");
        break;
    default:
        break;
    }
    hints.push_back(fmt::format("the rule comes from {}", p.rule.describe_source()));
    if (shipped) {
        hints.push_back(*shipped);
    }
    return hints;
}

/// One distinct rule path: what became of it (its descriptor is closed).
struct Distinct {
    std::size_t first = 0;  ///< plan index of its first rule
    FsAccess rights;        ///< the union of the rights of every rule on it
    int error = 0;                 ///< errno of the open
    int add_error = 0;             ///< errno of landlock_add_rule
    bool is_dir = false;
};

/// Identical paths are opened once: 100 000 rules on one directory need one
/// open, not 100 000.
struct Grouped {
    std::vector<std::uint32_t> id;  ///< plan index -> index into `distinct`
    std::vector<Distinct> distinct;
};

Grouped group_paths(const std::vector<PlannedPath>& paths) {
    Grouped g;
    g.id.reserve(paths.size());
    std::unordered_map<std::string_view, std::uint32_t> seen;  // path -> index into distinct
    seen.reserve(paths.size());
    for (std::size_t i = 0; i < paths.size(); ++i) {
        const auto [at, added] =
            seen.try_emplace(paths[i].rule.path, static_cast<std::uint32_t>(g.distinct.size()));
        if (added) {
            g.distinct.emplace_back().first = i;
        }
        g.id.push_back(at->second);
        Distinct& d = g.distinct[at->second];
        d.rights = d.rights.with(paths[i].granted);
    }
    return g;
}

/// The rights a rule on this path is added with: no directory-only ones on a file.
FsAccess effective(const Distinct& d, FsAccess granted) {
    return d.is_dir ? granted : mask_for_file(granted);
}

/// open → add_rule → close, for one distinct path. Must not throw (it runs
/// on pool workers): failures are recorded, reported in plan order.
///
/// Whether it is a directory comes from the open itself: O_DIRECTORY first,
/// and only on ENOTDIR a second open for a file. Most rules name
/// directories, so a rule costs three system calls, not four with an fstat
/// (bench/results/design-figures.md#open-rule-path). Should the path turn from a file into a directory
/// between the two opens, its rule gets file rights only: less, never more.
void open_and_add(int ruleset, const std::string& path, Distinct& d, std::string* name) {
    UniqueFd fd(open_rule_path(path, O_DIRECTORY));
    d.is_dir = fd.valid();
    if (!fd.valid() && errno == ENOTDIR) {
        fd = UniqueFd(open_rule_path(path));
    }
    if (!fd.valid()) {
        d.error = errno;
        return;
    }
    if (name != nullptr) {
        *name = fd_path(fd.get());
    }
    const FsAccess rights = effective(d, d.rights);
    if (rights.empty()) {
        return;  // every rule on it is skipped (no rights left for a file)
    }
    uapi::PathBeneathAttr attr;
    attr.allowed_access = rights.bits();
    attr.parent_fd = fd.get();
    if (landlock::add_path_rule(ruleset, attr) != 0) {
        d.add_error = errno;
    }
}

} // namespace

ResolvedRules add_path_rules(int ruleset, const RulesetPlan& plan,
                             const PathRuleOptions& options, WorkerPool* pool) {
    const std::vector<PlannedPath>& paths = plan.paths;
    Grouped g = group_paths(paths);
    std::vector<std::string> names;  // per distinct path, with Naming::Resolve
    if (options.naming == Naming::Resolve) {
        names.resize(g.distinct.size());
    }
    auto job = [&](std::size_t k) {
        Distinct& d = g.distinct[k];
        open_and_add(ruleset, paths[d.first].rule.path, d, names.empty() ? nullptr : &names[k]);
    };
    if (pool != nullptr && pool->size() > 0) {
        pool->for_each(g.distinct.size(), job);
    } else {
        for (std::size_t k = 0; k < g.distinct.size(); ++k) {
            job(k);
        }
    }

    // Checks and results in plan order; nothing is enforced if one throws.
    ResolvedRules out;
    out.rules.reserve(paths.size());
    const PlannedPath* refused = nullptr;  // the first rule the kernel refused
    const Distinct* refused_path = nullptr;
    for (std::size_t i = 0; i < paths.size(); ++i) {
        const PlannedPath& p = paths[i];
        const Distinct& d = g.distinct[g.id[i]];
        if (d.error != 0) {
            if (d.error == ENOENT &&
                (p.rule.optional || options.missing == MissingPaths::Ignore)) {
                out.skipped.push_back({i, d.error});
                continue;
            }
            throw SysError(d.error,
                           fmt::format("cannot open \"{}\" for a rule", p.rule.path),
                           open_hints(d.error, p));
        }
        ResolvedRule r{i, names.empty() ? std::string() : names[g.id[i]], d.is_dir,
                       effective(d, p.granted), {}};
        r.masked = p.granted.without(r.effective);
        if (!r.masked.empty() && p.rule.origin == RightsOrigin::Explicit) {
            std::string message =
                fmt::format("\"{}\" is not a directory, but its rule names directory-only "
                            "rights: {}",
                            p.rule.path, join_right_names(r.masked));
            if (options.tolerance == Tolerance::Strict) {
                throw LaunchError(message, {fmt::format("the rule comes from {}",
                                                        p.rule.describe_source()),
                                            "drop those rights or name the parent directory"});
            }
            out.diagnostics.warning(p.rule.source, message + " (dropped: --best-effort)");
        }
        if (r.effective.empty()) {
            out.skipped.push_back({i, 0});
            continue;
        }
        if (d.add_error != 0 && refused == nullptr) {
            refused = &p;
            refused_path = &d;
        }
        out.rules.push_back(std::move(r));
    }
    if (refused != nullptr) {
        throw SysError(refused_path->add_error,
                       fmt::format("cannot add the rule for \"{}\" ({})", refused->rule.path,
                                   join_right_names(effective(*refused_path,
                                                              refused_path->rights))),
                       {fmt::format("the rule comes from {}", refused->rule.describe_source())});
    }
    return out;
}

} // namespace sandbox
