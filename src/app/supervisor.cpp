#include "app/supervisor.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "app/report_output.hpp"
#include "enforce/audit.hpp"
#include "enforce/audit_switch.hpp"
#include "enforce/features.hpp"
#include "base/error.hpp"
#include "base/process.hpp"
#include "policy/plan.hpp"
#include "policy/profile_path.hpp"

namespace sandbox {

namespace {

using Clock = std::chrono::steady_clock;

/// How long to wait, after the command ended, for records still queued in
/// the kernel (behind a barrier message) and for its domain's deallocation
/// record, which follows the reaping of the domain's last process
/// (bench/results/design-figures.md#deallocation-record).
constexpr auto kBarrierWait = std::chrono::seconds(2);
constexpr auto kDeallocationWait = std::chrono::milliseconds(1500);

void check_abi() {
    const int abi = required_abi();
    if (abi < log_flags_abi) {
        throw LaunchError(
            fmt::format("--report-denials needs Landlock's audit records (ABI {}); this kernel has "
                        "ABI {}",
                        log_flags_abi, abi),
            {"use Linux 6.15 or later, or run without --report-denials (-v shows what is "
             "enforced)"});
    }
}

AuditLog subscribe() {
    if (!has_capability(CAP_AUDIT_READ)) {
        throw LaunchError("--report-denials needs CAP_AUDIT_READ to read the kernel's audit "
                          "records",
                          {"run it as root (sudo sandbox --report-denials ...)"});
    }
    return AuditLog::subscribe();
}

UniqueFd open_report_file(const std::string& path) {
    if (path.empty()) {
        return UniqueFd(fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3));
    }
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        const int err = errno;
        throw SysError(err, fmt::format("--report-to: cannot open \"{}\"", path),
                       {"check that its directory exists and is writable"});
    }
    return UniqueFd(fd);
}

void write_all(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return;
        }
        done += static_cast<std::size_t>(n);
    }
}

/// The supervisor's side, from fork to the report.
class Supervisor {
public:
    Supervisor(const CommandLine& cl, pid_t child, AuditLog log, AuditControl& control,
               AuditSwitch& audit, UniqueFd restricted, UniqueFd report, std::uint32_t lost_before)
        : cl_(cl),
          child_(child),
          log_(std::move(log)),
          control_(control),
          audit_(audit),
          restricted_(std::move(restricted)),
          report_(std::move(report)),
          lost_before_(lost_before),
          exe_(executable_path().value_or("")),
          collector_(DenialFilter{
              [child](long pid) { return descends_from(pid, child); },
              [this](long pid, const std::string& exe, long number) {
                  // Maybe the launcher itself after its exec of the command
                  // failed (the reads for its hints): decided at the end.
                  return pid == child_ && exe == exe_ && number != SYS_execve &&
                         number != SYS_execveat;
              }}) {}

    int run() {
        sigset_t set = forwarded_signals();
        signals_.reset(signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
        while (!status_) {
            wait_events(-1);
        }
        finish_records();
        const std::string restored = audit_.release();
        if (!restored.empty()) {
            spdlog::info("--report-denials: {}", restored);
        }
        if (started_) {
            write_all(report_.get(), render());
        }
        return *status_;
    }

    /// The signal that killed the command, if one did.
    [[nodiscard]] std::optional<int> killed_by() const { return signal_; }

private:
    /// One poll round: records, the restricted byte, signals.
    void wait_events(int timeout_ms) {
        pollfd fds[3] = {{log_.fd(), POLLIN, 0},
                         {restricted_.valid() ? restricted_.get() : -1, POLLIN, 0},
                         {signals_.valid() ? signals_.get() : -1, POLLIN, 0}};
        const int n = poll(fds, 3, timeout_ms);
        if (n < 0 && errno != EINTR) {
            const int err = errno;
            throw SysError(err, "--report-denials: poll");
        }
        if (n <= 0) {
            return;
        }
        // The pipe first: 'F' is written before the records it explains.
        if (fds[1].revents != 0) {
            char bytes[8];
            const ssize_t got = read(restricted_.get(), bytes, sizeof bytes);
            for (ssize_t i = 0; i < got; ++i) {
                started_ = true;
                unix_guard_ = unix_guard_ || bytes[i] == 'U';
                exec_failed_ = exec_failed_ || bytes[i] == 'F';
            }
            if (got == 0) {
                restricted_.reset();
            }
        }
        if (fds[0].revents != 0) {
            read_records();
        }
        if (fds[2].revents != 0) {
            take_signals();
        }
    }

    void read_records() {
        overflows_ += log_.drain([this](int type, std::string_view text) {
            // Only what the report reads: the rest (PROCTITLE, PATH, CWD, ...
            // of every event) is most of the traffic.
            if (type != audit_type::landlock_access && type != audit_type::landlock_domain &&
                type != audit_type::syscall && type != audit_type::eoe &&
                type != audit_type::user) {
                return;
            }
            static constexpr std::string_view syscall_fields[] = {"syscall", "pid", "comm",
                                                                  "exe"};
            const std::span<const std::string_view> only =
                type == audit_type::syscall ? std::span<const std::string_view>(syscall_fields)
                                            : std::span<const std::string_view>();
            if (auto record = parse_audit_record(type, text, only)) {
                collector_.add(std::move(*record));
            }
        });
    }

    void take_signals() {
        signalfd_siginfo info{};
        while (read(signals_.get(), &info, sizeof info) == sizeof info) {
            const int sig = static_cast<int>(info.ssi_signo);
            if (sig == SIGCHLD) {
                reap();
                continue;
            }
            // A signal from the terminal (SI_KERNEL) reached the command too:
            // it is in the same process group. One sent to the supervisor by a
            // process is forwarded.
            if (info.ssi_code != SI_KERNEL && static_cast<pid_t>(info.ssi_pid) != child_) {
                kill(child_, sig);
            }
        }
    }

    void reap() {
        int wstatus = 0;
        const pid_t got = waitpid(child_, &wstatus, WNOHANG);
        if (got != child_) {
            return;
        }
        if (WIFEXITED(wstatus)) {
            status_ = WEXITSTATUS(wstatus);
            exit_ = WEXITSTATUS(wstatus);
        } else if (WIFSIGNALED(wstatus)) {
            signal_ = WTERMSIG(wstatus);
            status_ = 128 + *signal_;
        }
    }

    /// After the command ended: every record queued before it ended, then
    /// the deallocation of each of its domains (bounded waits).
    void finish_records() {
        if (!started_) {
            return;
        }
        const std::string barrier = fmt::format("sandbox-report-barrier pid={} child={}",
                                                getpid(), child_);
        const bool sent = control_.send_user_message(barrier) == 0;
        auto deadline = Clock::now() + (sent ? kBarrierWait : std::chrono::milliseconds(300));
        while (Clock::now() < deadline && !(sent && collector_.saw_user_message(barrier))) {
            wait_events(50);
        }
        if (sent && !collector_.saw_user_message(barrier)) {
            notes_.emplace_back("the kernel's audit queue did not drain in time: records may "
                                "be missing");
        }
        deadline = Clock::now() + kDeallocationWait;
        collector_.finish();
        while (Clock::now() < deadline && !collector_.all_deallocated()) {
            wait_events(50);
            collector_.finish();
        }
        if (!collector_.all_deallocated()) {
            notes_.emplace_back("a process the command started is still running (its Landlock "
                                "domain is alive): denials after the command ended are not in "
                                "this report");
        }
        try {
            const std::uint32_t lost_after = control_.status().lost;
            audit_lost_ = lost_after - lost_before_;
        } catch (const SysError&) {
            // the count is informative; the comparison below still holds
        }
    }

    std::string render() {
        RunReport r;
        r.command = cl_.command;
        r.exit_status = exit_;
        r.signal = signal_;
        r.domains = collector_.domains();
        r.received = collector_.received();
        r.kernel_count = collector_.kernel_count();
        if (r.kernel_count && *r.kernel_count > r.received) {
            r.lost = *r.kernel_count - r.received;
            r.notes.push_back(fmt::format(
                "the kernel counted {} denial(s), {} record(s) arrived{}", *r.kernel_count,
                r.received,
                audit_lost_ > 0 ? fmt::format(" (the audit subsystem dropped {} record(s): "
                                              "backlog limit or rate limit)",
                                              audit_lost_)
                                : std::string()));
        } else if (!r.kernel_count && audit_lost_ > 0) {
            r.lost = audit_lost_;
            r.notes.push_back(fmt::format("the audit subsystem dropped {} record(s) during the "
                                          "run (backlog limit or rate limit; system-wide count)",
                                          audit_lost_));
        }
        if (overflows_ > 0) {
            r.notes.push_back(fmt::format("the report's receive buffer overflowed {} time(s): "
                                          "records were lost",
                                          overflows_));
            r.lost = std::max<std::uint64_t>(r.lost, 1);
        }
        const std::uint64_t launcher_own = collector_.set_aside_count();
        if (exec_failed_ && launcher_own > 0) {
            r.notes.push_back(fmt::format("{} denial(s) of the launcher itself after the exec "
                                          "failed (while it looked for hints) are not listed",
                                          launcher_own));
        } else {
            collector_.take_aside();  // the exec worked: they were the command's (a sandbox)
        }
        if (unix_guard_) {
            r.notes.emplace_back("below Landlock ABI 9, socket(AF_UNIX) is refused by the seccomp "
                                 "guard, which leaves no audit record (--unrestricted-unix "
                                 "allows it)");
        }
        r.notes.insert(r.notes.end(), notes_.begin(), notes_.end());
        r.denials = collector_.denials();
        r.suggestion = suggest(r.denials);
        return cl_.report == OutputFormat::Json ? report_json(r) : report_text(r);
    }

    const CommandLine& cl_;
    pid_t child_;
    AuditLog log_;
    AuditControl& control_;
    AuditSwitch& audit_;
    UniqueFd restricted_;
    UniqueFd report_;
    UniqueFd signals_;
    std::uint32_t lost_before_;
    std::string exe_;
    DenialCollector collector_;
    bool started_ = false;
    bool unix_guard_ = false;
    bool exec_failed_ = false;
    std::optional<int> status_;
    std::optional<int> exit_;
    std::optional<int> signal_;
    std::uint64_t overflows_ = 0;
    std::uint32_t audit_lost_ = 0;
    std::vector<std::string> notes_;
};

}  // namespace

std::optional<int> supervise(const CommandLine& cl, SupervisedChild& child) {
    check_abi();
    UniqueFd report = open_report_file(cl.report_to);
    AuditLog log = subscribe();
    AuditControl control = AuditControl::open();
    const std::uint32_t lost_before = control.status().lost;
    AuditSwitch audit(control);  // on before fork: the child needs an audit context
    if (audit.turned_on()) {
        spdlog::info("--report-denials: turned the kernel's audit switch on (it is turned off "
                     "again when the report ends)");
    }
    if (audit.raised_backlog_from() != 0) {
        spdlog::info("--report-denials: raised the audit backlog limit from {} to {} (set back "
                     "when the report ends)",
                     audit.raised_backlog_from(), AuditSwitch::kReportBacklog);
    }
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
        const int err = errno;
        throw SysError(err, "--report-denials: pipe");
    }
    UniqueFd read_end(pipe_fds[0]);
    UniqueFd write_end(pipe_fds[1]);
    const sigset_t set = forwarded_signals();
    sigset_t old_mask;
    sigprocmask(SIG_BLOCK, &set, &old_mask);
    const pid_t supervisor = getpid();
    const pid_t pid = fork();
    if (pid < 0) {
        const int err = errno;
        sigprocmask(SIG_SETMASK, &old_mask, nullptr);
        throw SysError(err, "--report-denials: cannot start the command's process (fork)");
    }
    if (pid == 0) {
        // The child holds nothing of the supervisor's.
        log.close();
        report.reset();
        read_end.reset();
        audit.forget();
        sigprocmask(SIG_SETMASK, &old_mask, nullptr);
        // Without its supervisor the command does not run on unreported.
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != supervisor) {
            _exit(125);
        }
        child.restricted_fd = write_end.release();
        return std::nullopt;
    }
    write_end.reset();
    // Not ptrace-able nor readable through /proc by the command's processes.
    prctl(PR_SET_DUMPABLE, 0);
    signal(SIGPIPE, SIG_IGN);
    Supervisor supervisor_loop(cl, pid, std::move(log), control, audit, std::move(read_end),
                               std::move(report), lost_before);
    const int status = supervisor_loop.run();
    if (auto sig = supervisor_loop.killed_by()) {
        die_by(*sig);
    }
    return status;
}

}  // namespace sandbox
