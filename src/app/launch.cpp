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
#include "app/command_rules.hpp"
#include "app/exec_hints.hpp"
#include "app/explain.hpp"
#include "app/policy_load.hpp"
#include "app/features_report.hpp"
#include "app/learn.hpp"
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
/// thread; below it, starting threads costs more than it saves
/// (bench/results/design-figures.md#parallel-open).
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
    // costs a fault: take large blocks (growing rule vectors) from the heap,
    // where freed ones are reused, instead of fresh mmap()s
    // (bench/results/design-figures.md#mmap-threshold).
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
    // Every change to p.policy.paths ends here: the plan is made from it.
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
    if (cl.action == Action::Run && cl.learn) {
        return learn(cl);
    }
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
