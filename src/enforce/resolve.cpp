#include "enforce/resolve.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
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
    default:
        break;
    }
    hints.push_back(fmt::format("the rule comes from {}", p.rule.source.to_string()));
    return hints;
}

} // namespace

ResolvedRules resolve_rules(const RulesetPlan& plan, MissingPaths missing, Tolerance tolerance) {
    ResolvedRules out;
    out.rules.reserve(plan.paths.size());
    for (const auto& p : plan.paths) {
        UniqueFd fd(open_rule_path(p.rule.path));
        if (!fd.valid()) {
            const int err = errno;
            if (err == ENOENT && (p.rule.optional || missing == MissingPaths::Ignore)) {
                out.skipped.push_back({p, err});
                continue;
            }
            throw SysError(err, fmt::format("cannot open \"{}\" for a rule", p.rule.path),
                           open_hints(err, p));
        }
        struct stat st {};
        if (fstat(fd.get(), &st) != 0) {
            throw SysError(errno, fmt::format("cannot stat \"{}\" for a rule", p.rule.path));
        }
        ResolvedRule r{p, std::move(fd), {}, S_ISDIR(st.st_mode), p.granted, {}};
        r.resolved = fd_path(r.fd.get());
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
        out.rules.push_back(std::move(r));
    }
    return out;
}

} // namespace sandbox
