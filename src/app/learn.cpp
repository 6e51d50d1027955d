#include "app/learn.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "app/log.hpp"
#include "app/policy_load.hpp"
#include "base/error.hpp"
#include "base/path.hpp"
#include "base/process.hpp"
#include "command/exec.hpp"
#include "command/learn_filter.hpp"
#include "command/learn_tracer.hpp"
#include "enforce/audit.hpp"
#include "enforce/features.hpp"
#include "policy/learned_policy.hpp"

namespace sandbox {

namespace {

/// Shipped building blocks a learned policy may include, most specific
/// first where two allow the same file (user-db before dns: both read
/// nsswitch.conf, only dns adds TCP port 53).
constexpr const char* kBuildingBlocks[] = {"system-base", "user-db", "tls-trust", "dns", "tty"};

void check_learn_flags(const CommandLine& cl) {
    const Policy& f = cl.flag_policy;
    if (!f.paths.empty() || !f.ports.empty() || !f.denies.empty() || f.unrestricted_filesystem ||
        f.unrestricted_network || f.unrestricted_unix || !f.unrestricted_scopes.empty() ||
        cl.add_exec || cl.ldd || !cl.preload.empty()) {
        throw UsageError("--learn takes --profile and --policy (included in the learned policy), "
                         "not rule flags, --add-exec, --ldd or --preload");
    }
}

/// A policy's rule paths made canonical (what the tracer records); missing
/// paths dropped.
Policy canonical(Policy policy) {
    std::vector<PathRule> kept;
    for (PathRule& rule : policy.paths) {
        if (auto real = real_path(rule.path)) {
            rule.path = *real;
            kept.push_back(std::move(rule));
        }
    }
    policy.paths = std::move(kept);
    return policy;
}

Policy load_one(const CommandLine& cl, PolicyRef ref) {
    CommandLine one = cl;
    one.policies = {std::move(ref)};
    one.flag_policy = Policy{};
    return load_policy(one);
}

std::string include_name(const PolicyRef& ref) {
    return ref.kind == PolicyRef::Kind::Profile ? ref.name
                                                : make_absolute(ref.name, "--learn: --policy");
}

/// "YYYY-MM-DD" (UTC) of SOURCE_DATE_EPOCH, or of now.
std::string learn_date() {
    std::time_t t = std::time(nullptr);
    if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH")) {
        char* end = nullptr;
        const long long v = std::strtoll(epoch, &end, 10);
        if (end != epoch && *end == '\0') {
            t = static_cast<std::time_t>(v);
        }
    }
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

/// The command as a shell would take it back ('...' where needed).
std::string shell_words(const std::vector<std::string>& words) {
    std::string out;
    for (const std::string& w : words) {
        const bool plain = !w.empty() && w.find_first_not_of(
                                             "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                             "0123456789_-./=:,+%@") == std::string::npos;
        std::string word = plain ? w : "'";
        if (!plain) {
            for (char ch : w) {
                word += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
            }
            word += "'";
        }
        out += (out.empty() ? "" : " ") + word;
    }
    return out;
}

std::string canonical_or(const std::optional<std::string>& path, std::string fallback) {
    if (path && !path->empty()) {
        if (auto real = real_path(*path)) {
            return *real;
        }
    }
    return fallback;
}

void send_fd(int socket, int fd) {
    char byte = 'L';
    iovec iov{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
    if (sendmsg(socket, &msg, MSG_NOSIGNAL) != 1) {
        const int err = errno;
        throw SysError(err, "--learn: cannot pass the filter's listener to the launcher");
    }
}

/// The listener the child sent, or an invalid descriptor when it failed first.
UniqueFd receive_fd(int socket) {
    char byte = 0;
    iovec iov{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = 0;
    do {
        n = recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    const cmsghdr* c = n == 1 ? CMSG_FIRSTHDR(&msg) : nullptr;
    if (c == nullptr || c->cmsg_type != SCM_RIGHTS) {
        return {};
    }
    int fd = -1;
    std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
    return UniqueFd(fd);
}

/// The child: filter, hand the listener over, exec. Never returns.
[[noreturn]] void run_traced(const ExecPlan& plan, const sigset_t& old_mask, UniqueFd socket,
                             pid_t launcher) {
    sigprocmask(SIG_SETMASK, &old_mask, nullptr);
    // Without its tracer the command's system calls would fail (ENOSYS).
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != launcher) {
        _exit(125);
    }
    try {
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
            const int err = errno;
            throw SysError(err, "--learn: prctl(PR_SET_NO_NEW_PRIVS)");
        }
        UniqueFd listener = install_learn_filter();
        send_fd(socket.get(), listener.get());
        listener.reset();
        socket.reset();
        exec_target(plan, [](int) { return std::vector<std::string>{}; });
    } catch (const Error& e) {
        print_error(e.what(), e.hints());
        std::fflush(stderr);
        _exit(e.exit_status());
    }
}

/// The launcher's side while the command runs: notifications, signals,
/// children to reap.
class LearnLoop {
public:
    LearnLoop(LearnTracer& tracer, pid_t child) : tracer_(tracer), child_(child) {
        const sigset_t set = forwarded_signals();
        signals_.reset(signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
        if (!signals_.valid()) {
            const int err = errno;
            throw SysError(err, "--learn: signalfd");
        }
    }

    /// Until the last traced process has ended; returns the command's wait
    /// status.
    int run() {
        while (!hung_up_) {
            poll_once();
        }
        // Every traced process has exited (the listener hangs up as they
        // exit, maybe before their parent, this launcher, reaped them): reap
        // them all, the command among them, so that none is left a zombie.
        reap_all_blocking();
        return status_;
    }

private:
    using Clock = std::chrono::steady_clock;

    /// One poll round. Deadlines are checked on every round, not only when
    /// the poll times out: busy daemons keep the listener readable.
    void poll_once() {
        const Clock::time_point now = Clock::now();
        if (exited_ && !told_ && !stopping_ && now >= exited_at_ + std::chrono::seconds(1)) {
            told_ = true;
            fmt::print(stderr,
                       "sandbox: --learn: the command has exited; learning goes on while the {} "
                       "process(es) it left running run (Ctrl-C ends learning)\n",
                       descendants_of(getpid()).size());
        }
        if (stopping_ && !killed_ && now >= kill_at_) {
            killed_ = true;
            for (long pid : descendants_of(getpid())) {
                kill(static_cast<pid_t>(pid), SIGKILL);
            }
        }
        int timeout = -1;
        if (exited_ && !told_ && !stopping_) {
            timeout = until(exited_at_ + std::chrono::seconds(1), now);
        } else if (stopping_ && !killed_) {
            timeout = until(kill_at_, now);
        }
        pollfd fds[2] = {{tracer_.fd(), POLLIN, 0}, {signals_.get(), POLLIN, 0}};
        const int n = poll(fds, 2, timeout);
        if (n < 0 && errno != EINTR) {
            const int err = errno;
            throw SysError(err, "--learn: poll");
        }
        if (n <= 0) {
            return;
        }
        if ((fds[0].revents & POLLIN) != 0) {
            tracer_.handle_one();
        } else if ((fds[0].revents & (POLLHUP | POLLERR)) != 0) {
            hung_up_ = true;
        }
        if (fds[1].revents != 0) {
            take_signals();
        }
    }

    static int until(Clock::time_point when, Clock::time_point now) {
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(when - now).count();
        return static_cast<int>(std::max<long long>(ms, 0) + 1);
    }

    void take_signals() {
        signalfd_siginfo info{};
        while (read(signals_.get(), &info, sizeof info) == sizeof info) {
            const int sig = static_cast<int>(info.ssi_signo);
            if (sig == SIGCHLD) {
                reap();
                continue;
            }
            const bool ends = sig == SIGINT || sig == SIGTERM || sig == SIGHUP;
            if (exited_) {
                if (ends && !stopping_) {
                    stop_learning();
                }
                continue;
            }
            // A signal from the terminal reached the command too (same
            // process group); one sent to the launcher is forwarded.
            if (info.ssi_code != SI_KERNEL && static_cast<pid_t>(info.ssi_pid) != child_) {
                kill(child_, sig);
            }
        }
    }

    /// After the command exited: the processes it left get SIGTERM, and
    /// SIGKILL two seconds later.
    void stop_learning() {
        const auto left = descendants_of(getpid());
        std::fprintf(stderr,
                     "sandbox: --learn: interrupted: ending the %zu process(es) the command left "
                     "running and writing the policy from what was seen\n",
                     left.size());
        for (long pid : left) {
            kill(static_cast<pid_t>(pid), SIGTERM);
        }
        stopping_ = true;
        kill_at_ = Clock::now() + std::chrono::seconds(2);
    }

    /// The launcher is the subreaper of every traced process: reap them all.
    void reap() {
        for (;;) {
            int wstatus = 0;
            const pid_t got = waitpid(-1, &wstatus, WNOHANG);
            if (got <= 0) {
                return;
            }
            if (got == child_) {
                status_ = wstatus;
                exited_ = true;
                exited_at_ = Clock::now();
            }
        }
    }

    void reap_all_blocking() {
        for (;;) {
            int wstatus = 0;
            const pid_t got = waitpid(-1, &wstatus, 0);
            if (got < 0 && errno == EINTR) {
                continue;
            }
            if (got < 0) {
                break;  // ECHILD: none left
            }
            if (got == child_) {
                status_ = wstatus;
                exited_ = true;
            }
        }
        if (!exited_) {
            throw SysError(ECHILD, "--learn: the command's exit status was lost");
        }
    }

    LearnTracer& tracer_;
    pid_t child_;
    UniqueFd signals_;
    bool hung_up_ = false;
    bool told_ = false;      ///< "learning goes on" was said
    bool stopping_ = false;  ///< interrupted after the command exited: SIGTERM sent
    bool killed_ = false;    ///< SIGKILL sent
    Clock::time_point exited_at_;
    Clock::time_point kill_at_;
    bool exited_ = false;  ///< status_ holds the command's wait status
    int status_ = 0;
};

struct Traced {
    int wait_status = 0;
    Observations seen;
    std::uint64_t unreadable = 0;
};

Traced trace(const ExecPlan& plan) {
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
        const int err = errno;
        throw SysError(err, "--learn: socketpair");
    }
    UniqueFd mine(pair[0]);
    UniqueFd theirs(pair[1]);
    // Orphans of the command (daemons) are reparented here, not to init:
    // they stay ours to read (/proc, process_vm_readv) and to reap.
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    const sigset_t set = forwarded_signals();
    sigset_t old_mask;
    sigprocmask(SIG_BLOCK, &set, &old_mask);
    const pid_t launcher = getpid();
    const pid_t pid = fork();
    if (pid < 0) {
        const int err = errno;
        sigprocmask(SIG_SETMASK, &old_mask, nullptr);
        throw SysError(err, "--learn: cannot start the command's process (fork)");
    }
    if (pid == 0) {
        mine.reset();
        run_traced(plan, old_mask, std::move(theirs), launcher);
    }
    theirs.reset();
    signal(SIGPIPE, SIG_IGN);
    Traced out;
    UniqueFd listener = receive_fd(mine.get());
    if (!listener.valid()) {
        // The child failed before the command started (it said why).
        int wstatus = 0;
        while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
        }
        out.wait_status = wstatus;
        return out;
    }
    std::vector<int> inherited = {0, 1, 2};
    inherited.insert(inherited.end(), plan.keep_fds.begin(), plan.keep_fds.end());
    LearnTracer tracer(std::move(listener), std::move(inherited));
    LearnLoop loop(tracer, pid);
    out.wait_status = loop.run();
    out.seen = tracer.observations();
    out.unreadable = tracer.unreadable();
    sigprocmask(SIG_SETMASK, &old_mask, nullptr);
    return out;
}

LearnContext context_for(const CommandLine& cl, std::vector<KnownPolicy> given,
                         const Observations& seen, const std::vector<std::string>& envp) {
    LearnContext c;
    c.given = std::move(given);
    c.home = canonical_or(env_value(envp, "HOME"), "");
    c.pwd = current_directory("--learn");
    c.tmpdir = canonical_or(env_value(envp, "TMPDIR"), canonical_or(std::string("/tmp"), "/tmp"));
    for (const char* name : kBuildingBlocks) {
        try {
            c.building_blocks.push_back(
                {name, canonical(load_one(cl, {name, PolicyRef::Kind::Profile, {}}))});
        } catch (const PolicyError&) {
            spdlog::warn("--learn: the building block {} could not be loaded; its files are "
                         "listed one by one", name);
        }
    }
    for (const auto& [path, use] : seen.paths) {
        struct stat st {};
        if (lstat(path.c_str(), &st) != 0) {
            c.gone.insert(path);
        }
    }
    c.command = shell_words(cl.command);
    c.date = learn_date();
    return c;
}


void write_policy_file(const std::string& path, const std::string& text) {
    const std::string temporary = fmt::format("{}.tmp.{}", path, getpid());
    UniqueFd fd(open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!fd.valid()) {
        const int err = errno;
        throw SysError(err, fmt::format("--learn: cannot write {}", temporary),
                       {"choose a FILE in a directory you can write"});
    }
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = write(fd.get(), text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            const int err = n < 0 ? errno : EIO;
            unlink(temporary.c_str());
            throw SysError(err, fmt::format("--learn: cannot write {}", temporary));
        }
        done += static_cast<std::size_t>(n);
    }
    if (rename(temporary.c_str(), path.c_str()) != 0) {
        const int err = errno;
        unlink(temporary.c_str());
        throw SysError(err, fmt::format("--learn: cannot rename {} to {}", temporary, path));
    }
}

std::string describe_wait(int wstatus) {
    if (WIFSIGNALED(wstatus)) {
        return fmt::format("was killed by signal {} ({})", WTERMSIG(wstatus),
                           sigabbrev_np(WTERMSIG(wstatus)) != nullptr
                               ? sigabbrev_np(WTERMSIG(wstatus))
                               : "?");
    }
    return fmt::format("exited with {}", WEXITSTATUS(wstatus));
}

/// One line per denial of a --report-denials=json report.
std::vector<std::string> denial_lines(const nlohmann::json& report) {
    std::vector<std::string> lines;
    for (const auto& d : report.value("denials", nlohmann::json::array())) {
        std::string blockers;
        for (const auto& b : d.value("blockers", nlohmann::json::array())) {
            blockers += (blockers.empty() ? "" : ",") + b.get<std::string>();
        }
        std::string object = d.contains("path") ? d["path"].get<std::string>()
                             : d.contains("port") ? fmt::format("port {}", d["port"].dump())
                                                  : std::string("?");
        lines.push_back(fmt::format("denied {} on {} ({})", blockers, object,
                                    d.value("comm", std::string("?"))));
    }
    return lines;
}

/// --learn-check: the command again, confined by the learned policy.
int replay_check(const CommandLine& cl, const std::string& file, int learned) {
    int abi_errno = 0;
    const bool report = has_capability(CAP_AUDIT_READ) && probe_abi(&abi_errno) >= 7;
    std::vector<std::string> args = {"sandbox", "--policy", file};
    for (int fd : cl.keep_fds) {
        args.insert(args.end(), {"--keep-fd", std::to_string(fd)});
    }
    std::string report_file;
    if (report) {
        report_file = fmt::format("{}.check.{}", file, getpid());
        args.insert(args.end(), {"--report-denials=json", "--report-to", report_file});
    }
    args.emplace_back("--");
    args.insert(args.end(), cl.command.begin(), cl.command.end());
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (std::string& a : args) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    std::fflush(nullptr);
    const pid_t pid = fork();
    if (pid < 0) {
        const int err = errno;
        throw SysError(err, "--learn-check: fork");
    }
    if (pid == 0) {
        execv("/proc/self/exe", argv.data());
        std::perror("sandbox: --learn-check: cannot run /proc/self/exe");
        _exit(125);
    }
    int wstatus = 0;
    while (waitpid(pid, &wstatus, 0) < 0) {
        if (errno != EINTR) {
            const int err = errno;
            throw SysError(err, "--learn-check: waitpid");
        }
    }
    std::vector<std::string> denials;
    if (report) {
        std::ifstream in(report_file);
        const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
        unlink(report_file.c_str());
        if (j.is_discarded()) {
            print_error("--learn-check: the replay wrote no denial report",
                        {"run it by hand: sandbox --report-denials --policy " + file + " -- ..."});
            return 125;
        }
        denials = denial_lines(j);
    }
    const bool same = wstatus == learned;
    if (same && denials.empty()) {
        fmt::print(stderr, "sandbox: --learn-check: the replay under {} {} as the learned run did{}\n",
                   file, describe_wait(wstatus),
                   report ? ", without a denial"
                          : " (denials not checked: that needs CAP_AUDIT_READ and Landlock ABI 7)");
        return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
    }
    for (const std::string& line : denials) {
        fmt::print(stderr, "sandbox: --learn-check: {}\n", line);
    }
    print_error(fmt::format("--learn-check: the replay under {} {} (the learned run {}), with {} "
                            "denial(s)",
                            file, describe_wait(wstatus), describe_wait(learned), denials.size()),
                {"only what the learning run did is allowed: a replay that reads other inputs "
                 "or finds state the first run changed can differ",
                 "learn again from the same starting state, or add the rules "
                 "--report-denials suggests"});
    return 125;
}

}  // namespace

int learn(const CommandLine& cl) {
    check_learn_flags(cl);
    const std::string target = make_absolute(*cl.learn, "--learn");
    // Every --profile/--policy is checked before the command runs; each is
    // included by its name, and what it allows is left out.
    std::vector<KnownPolicy> given;
    Policy all;
    for (const PolicyRef& ref : cl.policies) {
        Policy one = load_one(cl, ref);
        all.merge(one);
        given.push_back({include_name(ref), canonical(std::move(one))});
    }
    check_keep_fds(cl.keep_fds);
    ExecPlan plan;
    plan.envp = build_environment(all.env, current_environment());
    plan.path = find_command(cl.command.front(), env_value(plan.envp, "PATH"));
    plan.argv = cl.command;
    plan.keep_fds = cl.keep_fds;

    const Traced run = trace(plan);
    LearnContext context = context_for(cl, std::move(given), run.seen, plan.envp);
    const LearnedPolicy learned = generalise(run.seen, context);
    for (const std::string& path : learned.unwritable) {
        spdlog::warn("--learn: \"{}\" cannot be named in a policy file (\"${{\" would be "
                     "expanded): no rule for it",
                     path);
    }
    write_policy_file(target, render_policy(learned));
    fmt::print(stderr, "sandbox: --learn: wrote {}: {} rule(s){} from {} operation(s){}\n", target,
               learned.rules.size(),
               learned.includes.empty()
                   ? std::string()
                   : fmt::format(", including {}", fmt::join(learned.includes, ", ")),
               run.seen.operations,
               run.unreadable == 0 ? std::string()
                                   : fmt::format(" ({} could not be read)", run.unreadable));
    int status = WIFEXITED(run.wait_status) ? WEXITSTATUS(run.wait_status)
                                            : 128 + WTERMSIG(run.wait_status);
    if (cl.learn_check) {
        status = replay_check(cl, target, run.wait_status);
    }
    if (WIFSIGNALED(run.wait_status) && status == 128 + WTERMSIG(run.wait_status)) {
        die_by(WTERMSIG(run.wait_status));
    }
    return status;
}

} // namespace sandbox
