#include "enforce/resolve.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>
#include <unordered_map>
#include <fmt/format.h>

#include "enforce/sys_error.hpp"

namespace sandbox {

int open_rule_path(const std::string& path) {
    struct open_how how {};
    how.flags = O_PATH | O_CLOEXEC;
    how.resolve = RESOLVE_NO_MAGICLINKS;
    return static_cast<int>(syscall(SYS_openat2, AT_FDCWD, path.c_str(), &how, sizeof how));
}

namespace {

std::string fd_path(int fd) {
    char buf[4096];
    ssize_t n = readlink(fmt::format("/proc/self/fd/{}", fd).c_str(), buf, sizeof buf);
    if (n < 0) {
        return {};
    }
    return std::string(buf, static_cast<std::size_t>(n));
}

std::vector<std::string> open_hints(int err, const PlannedPath& p) {
    std::vector<std::string> hints;
    switch (err) {
    case ENOENT:
        hints.emplace_back("rules bind existing files: create it first, mark it \"optional\" in "
                           "a policy, or pass --ignore-missing");
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
        hints.emplace_back("every rule path stays open until the ruleset is built, one "
                           "descriptor per rule: raise the limit (ulimit -n) or use fewer, "
                           "broader rules");
        break;
    default:
        break;
    }
    hints.push_back(fmt::format("the rule comes from {}", p.rule.source.to_string()));
    return hints;
}

} // namespace

namespace {

/// One rule path, opened and fstat()ed; `error` is the errno of whichever failed.
struct Opened {
    UniqueFd fd;
    struct stat st {};
    int error = 0;
    const char* failed = nullptr;  ///< "open" or "stat"
};

Opened open_and_stat(const std::string& path) {
    Opened o;
    o.fd = UniqueFd(open_rule_path(path));
    if (!o.fd.valid()) {
        o.error = errno;
        o.failed = "open";
    } else if (fstat(o.fd.get(), &o.st) != 0) {
        o.error = errno;
        o.failed = "stat";
    }
    return o;
}

/// For each path, the index of its first occurrence (itself if it is the first).
std::vector<std::size_t> first_occurrences(const std::vector<PlannedPath>& paths) {
    std::unordered_map<std::string_view, std::size_t> seen;
    std::vector<std::size_t> first(paths.size());
    for (std::size_t i = 0; i < paths.size(); ++i) {
        first[i] = seen.try_emplace(paths[i].rule.path, i).first->second;
    }
    return first;
}

/// Opens each distinct path once: 100 000 rules on one directory need one
/// descriptor, not 100 000. Repeats get the first one's stat and error.
std::vector<Opened> open_all(const std::vector<PlannedPath>& paths,
                             const std::vector<std::size_t>& first, WorkerPool* pool) {
    std::vector<Opened> opened(paths.size());
    auto job = [&](std::size_t i) {
        if (first[i] == i) {
            opened[i] = open_and_stat(paths[i].rule.path);
        }
    };
    if (pool != nullptr && pool->size() > 0) {
        pool->for_each(paths.size(), job);
    } else {
        for (std::size_t i = 0; i < paths.size(); ++i) {
            job(i);
        }
    }
    return opened;
}

} // namespace

ResolvedRules resolve_rules(const RulesetPlan& plan, MissingPaths missing, Tolerance tolerance,
                            WorkerPool* pool) {
    ResolvedRules out;
    out.rules.reserve(plan.paths.size());
    const std::vector<std::size_t> first = first_occurrences(plan.paths);
    std::vector<Opened> opened = open_all(plan.paths, first, pool);
    std::vector<int> rule_index(plan.paths.size(), -1);  // plan index -> out.rules index
    for (std::size_t i = 0; i < plan.paths.size(); ++i) {
        const PlannedPath& p = plan.paths[i];
        if (first[i] != i) {
            opened[i].st = opened[first[i]].st;
            opened[i].error = opened[first[i]].error;
            opened[i].failed = opened[first[i]].failed;
        }
        Opened& o = opened[i];
        if (o.error != 0) {
            if (o.error == ENOENT && (p.rule.optional || missing == MissingPaths::Ignore)) {
                out.skipped.push_back({p, o.error});
                continue;
            }
            throw SysError(o.error,
                           fmt::format("cannot {} \"{}\" for a rule", o.failed, p.rule.path),
                           open_hints(o.error, p));
        }
        ResolvedRule r{p, std::move(o.fd), -1, {}, S_ISDIR(o.st.st_mode), p.granted, {}};
        if (first[i] != i) {
            r.same_as = rule_index[first[i]];
            if (r.same_as < 0) {  // the first one was skipped (no rights left for a file)
                Opened again = open_and_stat(p.rule.path);
                if (again.error == 0 && S_ISDIR(again.st.st_mode) != r.is_dir) {
                    again.error = ESTALE;
                    again.failed = "reopen";
                }
                if (again.error != 0) {
                    throw SysError(again.error,
                                   fmt::format("cannot {} \"{}\" for a rule", again.failed,
                                               p.rule.path),
                                   open_hints(again.error, p));
                }
                r.fd = std::move(again.fd);
            }
        }
        if (!r.is_dir) {
            r.effective = mask_for_file(p.granted);
            r.masked = p.granted.without(r.effective);
        }
        if (!r.masked.empty() && p.rule.origin == RightsOrigin::Explicit) {
            std::string message =
                fmt::format("\"{}\" is not a directory, but its rule names directory-only "
                            "rights: {}",
                            p.rule.path, join_right_names(r.masked));
            if (tolerance == Tolerance::Strict) {
                throw LaunchError(message, {fmt::format("the rule comes from {}",
                                                        p.rule.source.to_string()),
                                            "drop those rights or name the parent directory"});
            }
            out.diagnostics.warning(p.rule.source, message + " (dropped: --best-effort)");
        }
        if (r.effective.empty()) {
            out.skipped.push_back({p, 0});
            continue;
        }
        if (r.same_as < 0 && rule_index[first[i]] < 0) {
            rule_index[first[i]] = static_cast<int>(out.rules.size());  // holds the fd
        }
        out.rules.push_back(std::move(r));
    }
    return out;
}

void name_resolved_rules(ResolvedRules& rules) {
    for (auto& r : rules.rules) {
        const int fd = r.same_as >= 0 ? rules.rules[static_cast<std::size_t>(r.same_as)].fd.get()
                                      : r.fd.get();
        r.resolved = fd_path(fd);
    }
}

} // namespace sandbox
