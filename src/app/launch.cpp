#include "app/launch.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <sched.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <system_error>
#include <string_view>
#include <utility>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "base/path.hpp"
#include "app/explain.hpp"
#include "app/features_report.hpp"
#include "app/log.hpp"
#include "app/supervisor.hpp"
#include "config.h"
#include "enforce/dir_lister.hpp"
#include "enforce/features.hpp"
#include "command/preload.hpp"
#include "enforce/ruleset.hpp"
#include "enforce/seccomp_guard.hpp"
#include "enforce/syscall_trace.hpp"
#include "base/unique_fd.hpp"
#include "policy/expansion_guard.hpp"
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

PathRule command_rule(const std::string& path, Group group, std::string origin) {
    return PathRule::of_group(path, group, {"", 0, 0, std::move(origin)});
}

/// --add-exec and --ldd: the command, its script interpreter, and their
/// ELF interpreters and libraries become rules.
void add_command_rules(const CommandLine& cl, Prepared& p) {
    const ExecPlan& exec = *p.exec;
    p.script_interpreter = script_interpreter(exec.path);
    if (!cl.add_exec) {
        return;
    }
    p.policy.paths.push_back(command_rule(exec.path, Group::Rox, "--add-exec"));
    std::vector<std::string> binaries{exec.path};
    if (p.script_interpreter) {
        p.policy.paths.push_back(command_rule(*p.script_interpreter, Group::Rox, "--add-exec"));
        binaries.push_back(*p.script_interpreter);
    }
    if (!cl.ldd) {
        return;
    }
    LddOptions options;
    options.ld_library_path = env_value(exec.envp, "LD_LIBRARY_PATH").value_or("");
    for (const auto& binary : binaries) {
        LibraryClosure c = resolve_library_closure(binary, options);
        if (!c.is_elf) {
            continue;
        }
        if (!c.interpreter.empty()) {
            p.policy.paths.push_back(command_rule(c.interpreter, Group::Rox, "--ldd"));
        }
        for (const auto& lib : c.libraries) {
            p.policy.paths.push_back(command_rule(lib, Group::Ro, "--ldd"));
        }
        for (const auto& name : c.missing) {
            spdlog::warn("--ldd: library {} needed by {} was not found", name, binary);
        }
    }
}

/// --preload: load each library now, allow it (and with --ldd its closure),
/// and put it first in the command's LD_PRELOAD.
void preload_libraries(const CommandLine& cl, Prepared& p) {
    for (const auto& lib : cl.preload) {
        std::string path = preload_library(lib);
        p.policy.paths.push_back(command_rule(path, Group::Ro, "--preload " + lib));
        if (cl.ldd) {
            LibraryClosure c = resolve_library_closure(path);
            for (const auto& dep : c.libraries) {
                p.policy.paths.push_back(command_rule(dep, Group::Ro, "--preload " + lib));
            }
        }
        p.preloaded.push_back(std::move(path));
    }
}

std::vector<std::string> with_preload(std::vector<std::string> env,
                                      const std::vector<std::string>& libs) {
    if (libs.empty()) {
        return env;
    }
    std::string value = fmt::format("{}", fmt::join(libs, ":"));
    if (auto old = env_value(env, "LD_PRELOAD"); old && !old->empty()) {
        value += ":" + *old;
    }
    std::erase_if(env, [](const std::string& e) { return e.starts_with("LD_PRELOAD="); });
    env.push_back("LD_PRELOAD=" + value);
    return env;
}

/// --deny: carves the denied paths out of the complete rule set (files,
/// flags, command additions), listing the directories above them now.
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

using Identity = std::pair<dev_t, ino_t>;  ///< st_dev, st_ino

/// The identities of `path` and of each directory above it, innermost first;
/// empty if it cannot be resolved.
std::vector<Identity> identity_chain(const std::string& path) {
    std::vector<Identity> chain;
    char* real = realpath(path.c_str(), nullptr);
    if (real == nullptr) {
        return chain;
    }
    std::string at = real;
    free(real);  // NOLINT(cppcoreguidelines-no-malloc)
    for (;;) {
        struct stat st {};
        if (stat(at.c_str(), &st) == 0) {
            chain.emplace_back(st.st_dev, st.st_ino);
        }
        if (at == "/") {
            return chain;
        }
        const std::size_t slash = at.rfind('/');
        at.resize(slash == 0 ? 1 : slash);
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

/// --explain: the run's checks before the command starts (command found and
/// executable, then the rights execve and the loader need), as the run would
/// report them.
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

/// -v -v: every rule path opened, what it resolved to and the rights added.
void log_rules(const RulesetPlan& plan, const ResolvedRules& resolved) {
    for (const auto& r : resolved.rules) {
        const PathRule& rule = plan.path(r.planned).rule;
        spdlog::debug("opened \"{}\"{} ({}): allow {} (from {})", rule.path,
                      r.resolved.empty() || r.resolved == rule.path ? "" : " -> " + r.resolved,
                      r.is_dir ? "directory" : "file", join_right_names(r.effective),
                      rule.source.to_string());
    }
}

void print_warnings(const Prepared& p) {
    print_diagnostics(p.carved.diagnostics);
    print_diagnostics(p.plan.diagnostics);
    print_diagnostics(p.resolved.diagnostics);
    if (auto summary = p.plan.unenforced_summary(); !summary.empty()) {
        spdlog::warn("{}", summary);
    }
    for (const auto& s : p.resolved.skipped) {
        spdlog::info("skipped rule for \"{}\": {}", p.plan.path(s.planned).rule.path,
                     s.error ? describe_errno(s.error) : "no rights left for a file");
    }
}

/// Above this many rule paths, helper threads open them beside the main
/// thread (10 000 rules on 2 CPUs: ~0.8x the wall time of one thread,
/// bench/). Below it, starting threads costs more than it saves.
constexpr std::size_t kParallelOpenRules = 2000;

/// Helpers for a large plan without --threads: one per further CPU (at most
/// 3), or none. They are joined and gone before enforcement (see prepare).
std::unique_ptr<WorkerPool> openers(const RulesetPlan& plan) {
    if (plan.paths.size() < kParallelOpenRules) {
        return nullptr;
    }
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    const int available = sched_getaffinity(0, sizeof cpus, &cpus) == 0 ? CPU_COUNT(&cpus) : 1;
    const int helpers = std::min(available - 1, 3);
    if (helpers <= 0) {
        return nullptr;
    }
    try {
        return std::make_unique<WorkerPool>(helpers, "sandbox-open");
    } catch (const std::system_error& e) {
        // Only a speed-up: without threads (RLIMIT_NPROC) one thread opens all.
        spdlog::debug("no helper threads ({}); opening rule paths on the main thread", e.what());
        return nullptr;
    }
}

} // namespace

Prepared prepare(const CommandLine& cl, WorkerPool* pool) {
    // What is allocated from here on lives until execve, and every fresh page
    // costs a fault (~3 us on the benchmark machine, ~1 KB per rule): take
    // large blocks (growing rule vectors) from the heap, where freed ones are
    // reused, instead of fresh mmap()s. 10 000 rules: ~650 faults fewer.
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    Prepared p;
    p.policy = load_policy(cl);
    check_keep_fds(cl.keep_fds);
    preload_libraries(cl, p);
    if (!cl.command.empty()) {
        ExecPlan exec;
        exec.envp = with_preload(build_environment(p.policy.env, current_environment()),
                                 p.preloaded);
        try {
            exec.path = find_command(cl.command.front(), env_value(exec.envp, "PATH"));
        } catch (const ExecError& e) {
            if (cl.action != Action::Explain) {
                throw;
            }
            p.would_fail = WouldFail{e.exit_status(), e.what(), e.hints()};
        }
        if (!p.would_fail) {
            exec.argv = cl.command;
            exec.keep_fds = cl.keep_fds;
            p.exec = std::move(exec);
            add_command_rules(cl, p);
        }
    }
    // Every change to p.policy.paths ends here: the plan points into it.
    p.carved = carve_denies(p.policy);
    p.kernel_release = kernel_release();
    PlanOptions options{cl.tolerance, cl.min_abi, cl.log_flags};
    p.plan = make_plan(p.policy, required_abi(), options);
    if (!p.plan.ok()) {
        throw PolicyError(p.plan.diagnostics,
                          fmt::format("the policy cannot be enforced on Landlock ABI {}", p.plan.abi));
    }
    PathRuleOptions rules;
    rules.missing = cl.ignore_missing ? MissingPaths::Ignore : MissingPaths::Error;
    rules.tolerance = cl.tolerance;
    const bool log_rule_paths = spdlog::should_log(spdlog::level::debug);
    rules.naming =
        cl.action == Action::Explain || log_rule_paths ? Naming::Resolve : Naming::Skip;
    std::unique_ptr<WorkerPool> helpers;
    if (pool == nullptr) {
        helpers = openers(p.plan);
        pool = helpers.get();
    }
    Ruleset ruleset = build_ruleset(p.plan, rules, pool);
    if (helpers) {
        helpers->join_and_wait_gone();  // enforcement sees only the launcher's own threads
        spdlog::debug("opened {} rule paths on the main thread and {} helper thread(s), "
                      "joined before enforcement",
                      p.plan.paths.size(), helpers->size());
    }
    p.ruleset = std::move(ruleset.fd);
    p.resolved = std::move(ruleset.rules);
    if (log_rule_paths) {
        log_rules(p.plan, p.resolved);
    }
    if (cl.action == Action::Explain && p.exec && !p.would_fail) {
        p.would_fail = precheck_exec(p);
    }
    return p;
}

namespace {

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

void log_report(const EnforcementReport& report) {
    spdlog::info("enforced with {}: {} thread(s), no_new_privs set on each",
                 method_name(report.method), report.threads.size());
    for (const auto& t : report.threads) {
        spdlog::info("  thread {} ({}): {}", t.tid, t.name,
                     t.error == 0 ? "restricted" : describe_errno(t.error));
    }
}

namespace {

/// --log-level trace: prints the recorded enforcement system calls when the
/// launch ends, by exec failure, enforcement failure or just before exec.
class TracePrinter {
public:
    TracePrinter() = default;
    TracePrinter(const TracePrinter&) = delete;
    TracePrinter& operator=(const TracePrinter&) = delete;
    ~TracePrinter() { print(); }

    void print() noexcept {
        if (printed_ || !syscall_trace::enabled()) {
            return;
        }
        printed_ = true;
        try {
            const syscall_trace::Recorded all = syscall_trace::recorded();
            for (const auto& r : all.records) {
                spdlog::trace("{}", syscall_trace::describe(r));
            }
            if (all.dropped > 0) {
                spdlog::trace("{} more system call(s) not recorded", all.dropped);
            }
        } catch (const std::exception&) {
            // tracing is best effort; the launch's own result is what counts
        }
    }

private:
    bool printed_ = false;
};

} // namespace

void launch(const CommandLine& cl, Prepared p, int restricted_fd) {
    TracePrinter trace;
    print_warnings(p);
    RestrictOptions options;
    options.mode = cl.tsync;
    options.emulation.thread_names = spdlog::should_log(spdlog::level::info);
    log_report(restrict_process(p.ruleset.get(), restrict_flags(p.plan), options));
    // no_new_privs is set on every thread now: the seccomp filter needs no privilege.
    install_seccomp_guard({p.plan.unix_sockets == UnixSockets::SeccompDeny ? UnixSocketFilter::Deny
                                                                          : UnixSocketFilter::Allow});
    trace.print();
    spdlog::trace("seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, {}) = 0",
                  p.plan.unix_sockets == UnixSockets::SeccompDeny
                      ? "terminal and UNIX socket guard"
                      : "terminal guard");
    p.ruleset.reset();
    p.exec->status_fd = restricted_fd;
    if (restricted_fd >= 0) {
        const char byte = p.plan.unix_sockets == UnixSockets::SeccompDeny ? 'U' : 'R';
        (void)!write(restricted_fd, &byte, 1);  // close-on-exec: closed by the exec
    }
    exec_target(*p.exec, [&](int err) {
        if (restricted_fd >= 0) {
            // The exec failed: what the launcher reads for its hints from now
            // on is not the command's doing.
            const char failed = 'F';
            (void)!write(restricted_fd, &failed, 1);
        }
        return exec_hints(p, err);
    });
}

namespace {

int run_action(const CommandLine& cl, int restricted_fd);

} // namespace

int run(const CommandLine& cl) {
    if (cl.action == Action::Run && cl.report) {
        SupervisedChild child;
        if (auto status = supervise(cl, child)) {
            return *status;  // the supervisor, after the report
        }
        // The child: the same launch, with denials after the exec logged.
        CommandLine inner = cl;
        inner.report.reset();
        if (std::find(cl.keep_fds.begin(), cl.keep_fds.end(), child.restricted_fd) !=
            cl.keep_fds.end()) {
            // The pipe took the number of a --keep-fd that was not open: the
            // launch must still find that descriptor missing.
            const int high = *std::max_element(cl.keep_fds.begin(), cl.keep_fds.end()) + 1;
            const int moved = fcntl(child.restricted_fd, F_DUPFD_CLOEXEC, high);
            close(child.restricted_fd);
            child.restricted_fd = moved;
        }
        inner.log_flags = inner.log_flags.with(LogFlag::NewExecOn);
        return run_action(inner, child.restricted_fd);
    }
    return run_action(cl, -1);
}

namespace {

int run_action(const CommandLine& cl, int restricted_fd) {
    switch (cl.action) {
    case Action::Help:
        std::fputs(cl.help_text.c_str(), stdout);
        return 0;
    case Action::Version:
        std::printf("sandbox %s\n", SANDBOX_VERSION);
        return 0;
    case Action::Features:
        print_features(probe_features(), cl.format);
        return 0;
    case Action::Validate:
        return validate(cl);
    case Action::Explain:
    case Action::Run:
        break;
    }
    if (spdlog::should_log(spdlog::level::trace)) {
        syscall_trace::enable();
    }
    // Worker threads start before the policy is compiled and live until exec.
    std::optional<WorkerPool> pool;
    if (cl.threads > 0) {
        try {
            pool.emplace(cl.threads);
        } catch (const std::system_error& e) {
            throw LaunchError(fmt::format("--threads {}: cannot start a worker thread: {}",
                                          cl.threads, describe_errno(e.code().value())),
                              {"the process limit (ulimit -u) may be too low for that many "
                               "threads"});
        }
    }
    Prepared prepared = prepare(cl, pool ? &*pool : nullptr);
    if (cl.action == Action::Explain) {
        int tsync_errno = 0;
        const bool tsync = probe_tsync(&tsync_errno) == Probe::Yes;
        prepared.enforcement = preview_enforcement(cl.tsync, tsync);
        print_explain(prepared, cl.format);
        if (prepared.would_fail) {
            // The run would stop here: the same line, hints and status.
            std::fflush(stdout);
            print_error(prepared.would_fail->message, prepared.would_fail->hints);
            return prepared.would_fail->status;
        }
        return 0;
    }
    launch(cl, std::move(prepared), restricted_fd);
    return 125;
}

} // namespace

} // namespace sandbox
