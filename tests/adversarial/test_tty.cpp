// Terminal injection (issue 6 item 2): inside the sandbox, ioctl(TIOCSTI) and
// ioctl(TIOCLINUX) fail with EPERM and the byte never reaches the terminal's
// input, while terminal settings, window size and job control still work.
// Everything runs on a fresh pseudo-terminal that is the controlling terminal
// of the launched process, as in an interactive shell.
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <optional>
#include <string>

#include "harness.hpp"

namespace sandbox_it {
namespace {

struct PtyResult {
    int exit_status = -1;
    int term_signal = 0;
    bool timed_out = false;
    std::string out;       // what the program wrote to the terminal
    std::string injected;  // bytes that appeared in the terminal's input queue
};

std::string describe(const PtyResult& r) {
    return "exit " + std::to_string(r.exit_status) + " signal " + std::to_string(r.term_signal) +
           (r.timed_out ? " (timed out)" : "") + "\n--- terminal output ---\n" + r.out +
           "\n--- injected ---\n" + r.injected;
}

// Polls `fd` for input for at most `ms` milliseconds; reads what is there.
bool read_some(int fd, std::string& into, int ms) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, ms) <= 0 || (p.revents & POLLIN) == 0) {
        return false;
    }
    char buf[512];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) {
        return false;
    }
    into.append(buf, static_cast<std::size_t>(n));
    return true;
}

// Runs argv with a new session whose controlling terminal is a fresh pty
// (stdin, stdout and stderr). Afterwards a sentinel byte is typed on the
// master side; everything the slave reads before it was injected.
PtyResult run_on_pty(const Args& argv) {
    int master = -1;
    int slave = -1;
    termios raw{};
    cfmakeraw(&raw);
    if (openpty(&master, &slave, nullptr, &raw, nullptr) != 0) {
        ADD_FAILURE() << "openpty failed";
        return {};
    }
    std::vector<char*> c_argv = c_strings(argv);
    const pid_t pid = fork();
    if (pid == 0) {
        setsid();
        if (ioctl(slave, TIOCSCTTY, 0) != 0 || dup2(slave, 0) < 0 || dup2(slave, 1) < 0 ||
            dup2(slave, 2) < 0) {
            _exit(99);
        }
        close(master);
        close(slave);
        execv(c_argv[0], c_argv.data());
        _exit(98);
    }
    PtyResult r;
    const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    bool exited = false;
    while (!exited) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                              deadline - std::chrono::steady_clock::now())
                              .count();
        if (left <= 0) {
            r.timed_out = true;
            kill(pid, SIGKILL);
            break;
        }
        pollfd fds[2] = {{master, POLLIN, 0}, {pidfd, POLLIN, 0}};
        if (poll(fds, 2, static_cast<int>(left)) < 0) {
            continue;
        }
        if ((fds[0].revents & POLLIN) != 0) {
            read_some(master, r.out, 0);
        }
        exited = (fds[1].revents & POLLIN) != 0;
    }
    int status = 0;
    waitpid(pid, &status, 0);
    close(pidfd);
    r.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    while (read_some(master, r.out, 0)) {
    }
    // Type the sentinel; input the slave has before it was pushed by the program.
    if (write(master, "Z", 1) != 1) {
        ADD_FAILURE() << "cannot write the sentinel";
    }
    std::string input;
    while (input.find('Z') == std::string::npos && read_some(slave, input, 10000)) {
    }
    EXPECT_NE(std::string::npos, input.find('Z')) << "the sentinel never arrived: " << input;
    r.injected = input.substr(0, input.find('Z'));
    close(master);
    close(slave);
    return r;
}

Args probe_in_sandbox(const Args& flags, const Args& op) {
    return concat({{sandbox_bin()}, exec_flags(), flags, {"--", probe_bin()}, op});
}

std::string first_line(const std::string& s) { return s.substr(0, s.find_first_of("\r\n")); }

bool may_inject_outside() {
    // Outside any filter TIOCSTI needs legacy_tiocsti=1 or CAP_SYS_ADMIN.
    return read_file("/proc/sys/dev/tty/legacy_tiocsti").starts_with("1") || geteuid() == 0;
}

// The control: without the sandbox the byte does arrive, so the check below
// would see an injection.
TEST(TerminalInjection, ControlTiocstiOutsideInjects) {
    if (!may_inject_outside()) {
        GTEST_SKIP() << "legacy TIOCSTI is disabled and the test is not root";
    }
    PtyResult r = run_on_pty({probe_bin(), "tiocsti", "0"});
    EXPECT_EQ("OK", first_line(r.out)) << describe(r);
    EXPECT_EQ("X", r.injected) << describe(r);
}

// The kernel truncates the ioctl command to 32 bits: high bits still inject.
TEST(TerminalInjection, ControlHighBitsOutsideInject) {
    if (!may_inject_outside()) {
        GTEST_SKIP() << "legacy TIOCSTI is disabled and the test is not root";
    }
    PtyResult r = run_on_pty({probe_bin(), "tiocsti-high", "0"});
    EXPECT_EQ("OK", first_line(r.out)) << describe(r);
    EXPECT_EQ("X", r.injected) << describe(r);
}

// What a case needs from the machine, found out outside any sandbox.
enum class Needs { Nothing, I386Entry };

struct TtyCase {
    const char* name;
    const char* op;
    std::vector<std::string> flags;
    const char* expected;
    Needs needs = Needs::Nothing;
};

// Why this machine cannot run a case, or nullopt when it can. The i386 entry
// (int $0x80) exists on x86-64 only with CONFIG_IA32_EMULATION and ia32_emulation
// not switched off; without it the probe dies with SIGSEGV before any filter
// could matter, so the case says nothing about the guard.
std::optional<std::string> machine_lacks(Needs needs) {
    if (needs == Needs::Nothing) {
        return std::nullopt;
    }
    const RunResult outside = run({probe_bin(), "i386-getpid", "0"});
    if (outside.term_signal != 0) {
        return "the i386 system call entry (int $0x80) is not available to 64-bit processes "
               "here: getpid through it died with signal " +
               std::to_string(outside.term_signal) + " (" + strsignal(outside.term_signal) +
               ") outside any sandbox (CONFIG_IA32_EMULATION off or ia32_emulation=0)";
    }
    // The entry answers: anything but OK is a broken control, not a reason to skip.
    EXPECT_EQ("OK\n", outside.out) << "control: getpid through int $0x80 outside the sandbox\n"
                                   << outside.describe();
    return std::nullopt;
}

void PrintTo(const TtyCase& c, std::ostream* os) { *os << c.name; }

class TtyInside : public ::testing::TestWithParam<TtyCase> {};

TEST_P(TtyInside, ExactErrnoAndNothingInjected) {
    const TtyCase& c = GetParam();
    if (auto why = machine_lacks(c.needs)) {
        GTEST_SKIP() << *why;
    }
    PtyResult r = run_on_pty(probe_in_sandbox(c.flags, {c.op, "0"}));
    EXPECT_EQ(c.expected, first_line(r.out)) << describe(r);
    EXPECT_EQ(c.expected == std::string("OK") ? 0 : 1, r.exit_status) << describe(r);
    EXPECT_EQ("", r.injected) << describe(r);
}

// clang-format off
const TtyCase kTtyCases[] = {
    {"tiocsti_eperm",           "tiocsti",      {}, "EPERM"},
    {"tiocsti_high_bits_eperm", "tiocsti-high", {}, "EPERM"},
#if defined(__x86_64__)
    {"tiocsti_i386_entry_eperm", "tiocsti-i386", {}, "EPERM", Needs::I386Entry},
#endif
    // On a pty TIOCLINUX is ENOTTY outside; the guard answers first.
    {"tioclinux_eperm",         "tioclinux",    {}, "EPERM"},
    {"tiocsti_emulated_threads_eperm", "tiocsti", {"--tsync", "emulate", "--threads", "3"}, "EPERM"},
    {"tiocsti_worker_threads_eperm",   "tiocsti", {"--threads", "4"}, "EPERM"},
    {"tcgets_works",            "tcgets",       {}, "OK"},
    {"tcsets_works",            "tcsets",       {}, "OK"},
    {"window_size_works",       "winsz",        {}, "OK"},
    {"job_control_tcsetpgrp_works", "tcsetpgrp", {}, "OK"},
};
// clang-format on

INSTANTIATE_TEST_SUITE_P(Guard, TtyInside, ::testing::ValuesIn(kTtyCases),
                         [](const auto& p) { return std::string(p.param.name); });

// Nested launchers stack their filters: still EPERM, still nothing injected.
TEST(TerminalInjection, NestedSandboxStillBlocked) {
    Args inner = concat({{sandbox_bin()}, exec_flags(), {"--", probe_bin(), "tiocsti", "0"}});
    Args outer = concat({{sandbox_bin()}, exec_flags(),
                         {"--rox", std::filesystem::path(sandbox_bin()).parent_path().string(),
                          "--ro", "/proc", "--"},
                         inner});
    PtyResult r = run_on_pty(outer);
    EXPECT_EQ("EPERM", first_line(r.out)) << describe(r);
    EXPECT_EQ("", r.injected) << describe(r);
}

// --explain names the guard in text and JSON.
TEST(TerminalInjection, ExplainNamesTheGuard) {
    RunResult text = run_sandbox(concat({exec_flags(), {"--explain", "--", "/bin/true"}}));
    ASSERT_EQ(0, text.exit_status) << text.describe();
    EXPECT_TRUE(has_line_starting_with(
        lines(text.out),
        "terminal guard: ioctl TIOCSTI and TIOCLINUX fail with EPERM (seccomp, every thread)"))
        << text.out;
    RunResult json = run_sandbox(concat({exec_flags(), {"--explain=json", "--", "/bin/true"}}));
    ASSERT_EQ(0, json.exit_status) << json.describe();
    EXPECT_EQ("ioctl TIOCSTI and TIOCLINUX fail with EPERM (seccomp, every thread)",
              nlohmann::json::parse(json.out).at("enforcement").at("terminal_guard"));
}

}  // namespace
}  // namespace sandbox_it
