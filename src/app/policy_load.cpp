#include "app/policy_load.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "app/log.hpp"
#include "base/error.hpp"
#include "base/unique_fd.hpp"
#include "enforce/dir_lister.hpp"
#include "enforce/path_rules.hpp"
#include "policy/expansion_guard.hpp"
#include "policy/json_loader.hpp"
#include "policy/profile_path.hpp"

namespace sandbox {

namespace {

/// The environment policy files expand from: the process environment, except
/// that ${PWD} is always the real working directory (getcwd), never the
/// variable, which a parent process may have left pointing elsewhere.
/// Resolved only when a file names ${PWD}: a launch from flags alone pays
/// nothing for it.
EnvLookup policy_environment() {
    return [env = process_environment()](std::string_view name) {
        return name == "PWD" ? real_path(".") : env(name);
    };
}

/// Whether a rule's path came from an expansion (only those are checked).
bool has_expanded_rules(const Policy& policy) {
    return std::any_of(policy.paths.begin(), policy.paths.end(),
                       [](const PathRule& r) { return !r.written.empty(); });
}

LoadResult load_files(const CommandLine& cl) {
    LoadOptions options;
    options.env = policy_environment();
    options.search_path = profile_search_path(options.env, running_from_build_tree());
    LoadResult loaded = load_policies(cl.policies, options);
    if (has_expanded_rules(loaded.policy)) {
        const std::optional<std::string> home = options.env("HOME");
        const std::optional<std::string> real_home =
            home && !home->empty() ? real_path(*home) : std::nullopt;
        check_expanded_rules(loaded.policy, real_home.value_or(home.value_or("")), real_path,
                             loaded.diagnostics);
    }
    for (const auto& u : loaded.policy.unexpanded) {
        spdlog::info("skipped optional entry \"{}\" ({}): {} is not set", u.written,
                     u.source.to_string(), u.variable);
    }
    return loaded;
}

/// -v -v: every ${...} and ~/ in the policy files and what it became.
void log_expansions(const Policy& policy) {
    for (const auto& r : policy.paths) {
        if (!r.written.empty()) {
            spdlog::debug("{}: \"{}\" expands to \"{}\"", r.source.to_string(), r.written, r.path);
        }
    }
}

/// --validate: each required (not optional) rule path that does not exist,
/// which makes a run fail, as a warning (an error with --strict). Opened as
/// the run opens rule paths.
Diagnostics missing_required_paths(const CommandLine& cl, const Policy& files) {
    Diagnostics out;
    if (cl.ignore_missing) {
        return out;  // the run skips them
    }
    auto check = [&](const PathRule& rule) {
        if (rule.optional) {
            return;
        }
        const int raw = open_rule_path(rule.path);
        const int err = raw < 0 ? errno : 0;
        const UniqueFd fd(raw);
        if (err != ENOENT && err != ENOTDIR) {
            return;
        }
        std::string message = fmt::format("required path \"{}\" does not exist: a run would fail "
                                          "({})",
                                          rule.path, describe_errno(err));
        std::vector<std::string> hints;
        if (auto shipped = shipped_profile_hint(rule.source.file)) {
            hints.emplace_back("create it first, or run with --ignore-missing");
            hints.push_back(*shipped);
        } else {
            hints.emplace_back("create it first, mark it \"optional\" in the policy, or run "
                               "with --ignore-missing");
        }
        if (cl.missing_check == MissingPathCheck::Fail) {
            out.error(rule.source, std::move(message), std::move(hints));
        } else {
            out.warning(rule.source, std::move(message), std::move(hints));
        }
    };
    for (const auto& rule : files.paths) {
        check(rule);
    }
    for (const auto& rule : cl.flag_policy.paths) {
        check(rule);
    }
    return out;
}

} // namespace

Policy load_policy(const CommandLine& cl) {
    LoadResult loaded = load_files(cl);
    if (loaded.diagnostics.has_errors()) {
        throw PolicyError(loaded.diagnostics);
    }
    print_diagnostics(loaded.diagnostics);
    if (spdlog::should_log(spdlog::level::debug)) {
        log_expansions(loaded.policy);
    }
    loaded.policy.merge(cl.flag_policy);
    return std::move(loaded.policy);  // a member: not moved implicitly
}

CarveResult carve_denies(Policy& policy) {
    if (policy.denies.empty()) {
        return {};
    }
    if (policy.unrestricted_filesystem) {
        Diagnostics d;
        d.error(policy.denies.front().source,
                "cannot deny a path when the filesystem is unrestricted",
                {"drop --unrestricted-filesystem (or \"unrestricted\": true in \"filesystem\")"});
        throw PolicyError(d);
    }
    const SystemDirectoryLister fs;
    CarveResult carved = carve(policy.paths, policy.denies, fs);
    if (carved.diagnostics.has_errors()) {
        throw PolicyError(carved.diagnostics, "cannot carve out --deny");
    }
    return carved;
}

int validate(const CommandLine& cl) {
    LoadResult loaded = load_files(cl);
    if (!loaded.diagnostics.has_errors()) {
        loaded.diagnostics.append(missing_required_paths(cl, loaded.policy));
    }
    print_diagnostics(loaded.diagnostics);
    if (loaded.diagnostics.has_errors()) {
        print_error(fmt::format("{} error(s) in the policy", loaded.diagnostics.error_count()));
        return 125;
    }
    for (const auto& f : loaded.policy.files) {
        std::printf("%s: ok\n", f.c_str());
    }
    std::printf("valid: %zu file(s), %zu path rule(s), %zu port rule(s)\n",
                loaded.policy.files.size(), loaded.policy.paths.size() + cl.flag_policy.paths.size(),
                loaded.policy.ports.size() + cl.flag_policy.ports.size());
    return 0;
}

} // namespace sandbox
