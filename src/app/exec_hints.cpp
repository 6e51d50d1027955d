#include "app/exec_hints.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <utility>

#include <fmt/format.h>

#include "base/path.hpp"
#include "command/exec.hpp"
#include "command/ldd.hpp"

namespace sandbox {

namespace {

using Identity = std::pair<dev_t, ino_t>;  ///< st_dev, st_ino

/// The identities of `path` and of each directory above it, innermost first;
/// empty if it cannot be resolved.
std::vector<Identity> identity_chain(const std::string& path) {
    std::vector<Identity> chain;
    const std::optional<std::string> real = real_path(path);
    if (!real) {
        return chain;
    }
    std::string at = *real;
    for (;;) {
        struct stat st {};
        if (stat(at.c_str(), &st) == 0) {
            chain.emplace_back(st.st_dev, st.st_ino);
        }
        if (at == "/") {
            return chain;
        }
        at = parent_directory(at);
    }
}

/// The identity of each added rule's path, in rule order ({0, 0}: cannot
/// stat). Only the hints of a failed exec need them: the launch itself opens
/// each rule path once and never stats it.
std::vector<Identity> rule_identities(const RulesetPlan& plan, const ResolvedRules& rules) {
    std::vector<Identity> ids;
    ids.reserve(rules.rules.size());
    for (const auto& r : rules.rules) {
        struct stat st {};
        const bool ok = stat(plan.path(r.planned).rule.path.c_str(), &st) == 0;
        ids.emplace_back(ok ? st.st_dev : 0, ok ? st.st_ino : 0);
    }
    return ids;
}

/// Is `path` a rule's file, or beneath a rule's directory, that grants
/// `right`? Compared by identity: no name per rule.
bool allowed(const ResolvedRules& rules, const std::vector<Identity>& ids,
             const std::string& path, AccessFs right) {
    const auto chain = identity_chain(path);
    for (std::size_t k = 0; k < rules.rules.size(); ++k) {
        const ResolvedRule& r = rules.rules[k];
        if (!r.effective.contains(right) || ids[k] == Identity(0, 0)) {
            continue;
        }
        for (std::size_t i = 0; i < chain.size() && (i == 0 || r.is_dir); ++i) {
            if (chain[i] == ids[k]) {
                return true;
            }
        }
    }
    return false;
}

/// "the policy does not allow ..." for each right the command needs and no
/// rule grants: execute and read_file on the command (the kernel opens it for
/// reading too), execute and read_file on its script and ELF interpreters,
/// read_file on its libraries. Empty when everything is allowed.
std::vector<std::string> missing_exec_rights(const Prepared& p) {
    std::vector<std::string> hints;
    const std::vector<Identity> ids = rule_identities(p.plan, p.resolved);
    auto check = [&](const std::string& what, const std::string& path, AccessFs right) {
        if (p.plan.handled_fs.contains(right) && !allowed(p.resolved, ids, path, right)) {
            hints.push_back(fmt::format("the policy does not allow {} on the {} \"{}\"; add "
                                        "--rox for it or use --add-exec/--ldd",
                                        info(right).name, what, path));
        }
    };
    auto check_binary = [&](const std::string& what, const std::string& path) {
        check(what, path, AccessFs::Execute);
        check(what, path, AccessFs::ReadFile);
    };
    check_binary("command", p.exec->path);
    std::string elf = p.exec->path;
    if (p.script_interpreter) {
        check_binary("script interpreter", *p.script_interpreter);
        elf = *p.script_interpreter;
    }
    try {
        LibraryClosure c = resolve_library_closure(elf);
        if (!c.interpreter.empty()) {
            check_binary("ELF interpreter", c.interpreter);
        }
        for (const auto& lib : c.libraries) {
            check("library", lib, AccessFs::ReadFile);
        }
    } catch (const std::exception&) {
        // hints are best effort; the error itself is reported anyway
    }
    return hints;
}

/// PATH found a shim (pyenv, nvm, asdf: a script, or a file in $HOME, that
/// runs something else) while the policy allows a binary of the same name
/// elsewhere: say which is which.
std::optional<std::string> shim_hint(const Prepared& p) {
    const std::string& name = p.exec->argv.front();
    if (name.find('/') != std::string::npos) {
        return std::nullopt;  // not found through PATH
    }
    const auto home = env_value(p.exec->envp, "HOME");
    const bool in_home = home && home->size() > 1 && p.exec->path.starts_with(*home + "/");
    if (!p.script_interpreter && !in_home) {
        return std::nullopt;
    }
    for (const auto& r : p.resolved.rules) {
        const std::string& allowed_path = p.plan.path(r.planned).rule.path;
        if (!r.is_dir && r.effective.contains(AccessFs::Execute) &&
            base_name(allowed_path) == base_name(p.exec->path) && allowed_path != p.exec->path) {
            const std::string what =
                p.script_interpreter
                    ? fmt::format("a script running \"{}\"", *p.script_interpreter)
                    : std::string("a file in your home directory");
            return fmt::format("PATH found \"{}\" ({}); the policy allows \"{}\": call it by "
                               "that path, or put its directory first in PATH",
                               p.exec->path, what, allowed_path);
        }
    }
    return std::nullopt;
}

} // namespace

std::vector<std::string> exec_hints(const Prepared& p, int err) {
    if (err != EACCES) {
        return {};
    }
    std::vector<std::string> hints = missing_exec_rights(p);
    if (hints.empty()) {
        hints.emplace_back("the file may not be executable, or a filesystem is mounted noexec");
    } else if (auto shim = shim_hint(p)) {
        hints.push_back(*shim);
    }
    return hints;
}

std::optional<WouldFail> precheck_exec(const Prepared& p) {
    std::vector<std::string> missing = missing_exec_rights(p);
    if (missing.empty()) {
        return std::nullopt;
    }
    if (auto shim = shim_hint(p)) {
        missing.push_back(*shim);
    }
    const ExecError e(EACCES, fmt::format("cannot execute \"{}\"", p.exec->path));
    return WouldFail{e.exit_status(), e.what(), std::move(missing)};
}

} // namespace sandbox
