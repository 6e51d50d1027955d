// --report-denials on the real kernel (PRODUCT §10): for every blocker family
// this kernel has, the report names the exact blocker and object, and the same
// command line with suggestion.flags appended runs with an empty report. Exit
// status and signal passthrough, a concurrent sandbox's denials, the audit
// switch, and the unprivileged refusal. Needs root (CAP_AUDIT_READ).
#include <fcntl.h>
#include <pty.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netinet/in.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <string>
#include <thread>

#include "enforce/audit.hpp"
#include "harness.hpp"
#include "tcp.hpp"

namespace sandbox_it {
namespace {

using nlohmann::json;

constexpr const char* kSetpriv = "/usr/bin/setpriv";

// The kernel's audit switch, read and set through the launcher's own netlink code.
std::uint32_t audit_enabled() { return sandbox::AuditControl::open().status().enabled; }
void set_audit(bool on) { sandbox::AuditControl::open().set_enabled(on); }

// Restores the audit switch the test found.
class AuditState {
public:
    AuditState() : was_(audit_enabled()) {}
    ~AuditState() {
        if (was_ <= 1 && audit_enabled() != was_) {
            set_audit(was_ == 1);
        }
    }
    AuditState(const AuditState&) = delete;
    AuditState& operator=(const AuditState&) = delete;

private:
    std::uint32_t was_;
};

class ReportTest : public SandboxTest {
protected:
    void SetUp() override {
        SandboxTest::SetUp();
        if (geteuid() != 0) {
            GTEST_SKIP() << "--report-denials needs root (CAP_AUDIT_READ)";
        }
        SANDBOX_REQUIRE_ABI(7);
        report_ = path("report.json");
    }

    // The probe's loader reads the cache: allowed, so that it is no denial.
    static Args base() {
        Args flags = exec_flags();
        // ... and coreutils (sleep, touch) the locale aliases.
        for (const char* file : {"/etc/ld.so.cache", "/etc/locale.alias"}) {
            if (exists(file)) {
                flags.insert(flags.end(), {"--ro", file});
            }
        }
        return flags;
    }

    // `sandbox --report-denials=json --report-to FILE base() FLAGS -- COMMAND`.
    RunResult reported(const Args& flags, const Args& command, const RunOptions& options = {}) {
        std::filesystem::remove(report_);
        return run_sandbox(concat({{"--report-denials=json", "--report-to", report_}, base(),
                                   flags, {"--"}, command}),
                           options);
    }

    [[nodiscard]] json report() const {
        const std::string text = read_file(report_);
        return json::parse(text.empty() ? "null" : text);
    }

    // Runs the probe with a report; expects exactly one distinct denial with
    // these blockers on `object` (a path, or a port for net.*); then runs the
    // same command line with suggestion.flags appended and expects `after`
    // from the probe and no denial. Returns the report of the first run.
    json expect_round_trip(const Args& flags, const Args& op, const std::vector<std::string>& blockers,
                           const json& object, const std::string& after = "OK",
                           const std::string& denied = "EACCES") {
        RunResult r = reported(flags, concat({{probe_bin()}, op}));
        EXPECT_EQ(denied + "\n", r.out) << r.describe();
        json j = report();
        EXPECT_EQ(1, j["denials"].size()) << j.dump(2);
        if (j["denials"].size() != 1) {
            return j;
        }
        const json& d = j["denials"][0];
        EXPECT_EQ(json(blockers), d["blockers"]) << j.dump(2);
        if (object.is_number()) {
            EXPECT_EQ(object, d["port"]) << j.dump(2);
        } else if (object.is_string()) {
            EXPECT_EQ(object, d["path"]) << j.dump(2);
        }
        EXPECT_EQ("probe", d["comm"]);
        EXPECT_EQ(1, d["count"]);
        EXPECT_EQ(0, j["lost"]) << j.dump(2);
        EXPECT_EQ(j["status"], json({{"exit", 1}}));
        const Args suggested = j["suggestion"]["flags"].get<Args>();
        RunResult again = reported(concat({flags, suggested}), concat({{probe_bin()}, op}));
        EXPECT_EQ(after + "\n", again.out) << again.describe();
        const json k = report();
        EXPECT_TRUE(k["denials"].empty()) << k.dump(2);
        EXPECT_TRUE(k["suggestion"]["flags"].empty()) << k.dump(2);
        return j;
    }

    std::string report_;
};

// --- every filesystem right of ABI 7 ----------------------------------------

TEST_F(ReportTest, ReadFile) {
    const std::string f = make_file("f", "x");
    json j = expect_round_trip({}, {"read", f}, {"fs.read_file"}, f);
    EXPECT_EQ(json(Args{"--ro", f}), j["suggestion"]["flags"]);
    EXPECT_EQ(json::parse(R"({"filesystem": {"rules": [{"path": ")" + f +
                          R"(", "access": ["read_file"]}]}})"),
              j["suggestion"]["policy"]);
}

TEST_F(ReportTest, ReadDir) {
    const std::string d = make_dir("d");
    json j = expect_round_trip({}, {"readdir", d}, {"fs.read_dir"}, d);
    EXPECT_EQ(json(Args{"--ro", d}), j["suggestion"]["flags"]);
}

TEST_F(ReportTest, WriteFile) {
    const std::string f = make_file("f", "x");
    json j = expect_round_trip({"--ro", f}, {"write", f}, {"fs.write_file"}, f);
    EXPECT_EQ(json(Args{"--rw", f}), j["suggestion"]["flags"]);
}

TEST_F(ReportTest, Truncate) {
    const std::string f = make_file("f", "x");
    expect_round_trip({"--ro", f}, {"truncate", f}, {"fs.truncate"}, f);
}

TEST_F(ReportTest, Execute) {
    const std::string dir = make_dir("bin");
    const std::string program = copy_program("/usr/bin/true", "bin/true");
    json j = expect_round_trip({"--ro", dir}, {"exec", program}, {"fs.execute"}, program);
    EXPECT_EQ(json(Args{"--rox", program}), j["suggestion"]["flags"]);
}

TEST_F(ReportTest, IoctlDev) {
    // TCGETS on /dev/null: with ioctl_dev the driver answers ENOTTY.
    expect_round_trip({"--ro", "/dev/null"}, {"ioctl", "/dev/null"}, {"fs.ioctl_dev"}, "/dev/null",
                      "ENOTTY");
}

struct DirOp {
    const char* op;
    const char* blocker;
    bool needs_existing;  // the operation removes an existing entry
    bool directory;       // ... which is a directory
};

class ReportDirTest : public ReportTest, public ::testing::WithParamInterface<DirOp> {};

TEST_P(ReportDirTest, BlockerOnTheParentDirectory) {
    const DirOp& p = GetParam();
    const std::string d = make_dir("d");
    if (p.needs_existing) {
        p.directory ? (void)make_dir("d/e") : (void)make_file("d/e", "");
    }
    Args op{p.op, path("d/e")};
    if (std::string(p.op) == "symlink") {
        op = {"symlink", "/nowhere", path("d/e")};
    }
    json j = expect_round_trip({"--ro", d}, op, {p.blocker}, d);
    EXPECT_EQ(json(Args{"--rw", d}), j["suggestion"]["flags"]);
}

INSTANTIATE_TEST_SUITE_P(
    EveryRight, ReportDirTest,
    ::testing::Values(DirOp{"create", "fs.make_reg", false, false},
                      DirOp{"mkdir", "fs.make_dir", false, false},
                      DirOp{"mkfifo", "fs.make_fifo", false, false},
                      DirOp{"mksock", "fs.make_sock", false, false},
                      DirOp{"mkchar", "fs.make_char", false, false},
                      DirOp{"mkblock", "fs.make_block", false, false},
                      DirOp{"symlink", "fs.make_sym", false, false},
                      DirOp{"unlink", "fs.remove_file", true, false},
                      DirOp{"rmdir", "fs.remove_dir", true, true}),
    [](const auto& test) { return std::string(test.param.op); });

TEST_F(ReportTest, Refer) {
    // Each directory has the right for its half of the rename, not refer.
    make_dir("a");
    make_file("a/f", "x");
    make_dir("b");
    const std::string policy = write_policy(
        "p.json", {{"filesystem",
                    {{"rules",
                      {{{"path", path("a")}, {"access", {"read_file", "read_dir", "remove_file"}}},
                       {{"path", path("b")}, {"access", {"read_file", "read_dir", "make_reg"}}}}}}}});
    RunResult r = reported({"--policy", policy}, {probe_bin(), "rename", path("a/f"), path("b/f")});
    // Moving a file to another directory needs refer on both.
    EXPECT_EQ("EXDEV\n", r.out) << r.describe();
    json j = report();
    ASSERT_EQ(2, j["denials"].size()) << j.dump(2);
    for (const auto& d : j["denials"]) {
        EXPECT_EQ(json({"fs.refer"}), d["blockers"]) << j.dump(2);
    }
    const Args suggested = j["suggestion"]["flags"].get<Args>();
    EXPECT_EQ((Args{"--rw", path("a"), "--rw", path("b")}), suggested);
    RunResult again = reported({"--policy", policy, suggested[0], suggested[1], suggested[2],
                                suggested[3]},
                               {probe_bin(), "rename", path("a/f"), path("b/f")});
    EXPECT_EQ("OK\n", again.out) << again.describe();
    EXPECT_TRUE(report()["denials"].empty());
}

// --- network and scopes -----------------------------------------------------

TEST_F(ReportTest, ConnectTcp) {
    TcpSocket server(TcpSocket::Listen::Yes);
    json j = expect_round_trip({}, {"connect", server.port_text()}, {"net.connect_tcp"},
                               server.port());
    EXPECT_EQ(json(Args{"--connect-tcp", server.port_text()}), j["suggestion"]["flags"]);
    EXPECT_EQ("127.0.0.1", j["denials"][0]["address"]);
}

TEST_F(ReportTest, BindTcp) {
    TcpSocket taken(TcpSocket::Listen::No);
    const std::string port = taken.port_text();
    taken.close_now();  // a port that was free a moment ago
    json j = expect_round_trip({}, {"bind", port}, {"net.bind_tcp"}, std::stoi(port));
    EXPECT_EQ(json(Args{"--bind-tcp", port}), j["suggestion"]["flags"]);
}

TEST_F(ReportTest, SignalScope) {
    IdleChild outside;
    json j = expect_round_trip({}, {"kill", std::to_string(outside.pid())}, {"scope.signal"},
                               nullptr, "OK", "EPERM");
    EXPECT_EQ(outside.pid(), j["denials"][0]["opid"]);
    EXPECT_EQ(json(Args{"--unrestricted-scope", "signal"}), j["suggestion"]["flags"]);
}

TEST_F(ReportTest, AbstractUnixSocketScope) {
    // A listening abstract socket of the test process, outside the domain.
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    const std::string name = "sandbox-report-test-" + std::to_string(getpid());
    std::memcpy(a.sun_path + 1, name.data(), name.size());
    const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
    ASSERT_EQ(0, bind(fd, reinterpret_cast<sockaddr*>(&a), len));
    ASSERT_EQ(0, listen(fd, 4));
    // --unrestricted-unix: below ABI 9 the seccomp guard would refuse socket() first.
    json j = expect_round_trip({"--unrestricted-unix"}, {"abstract-connect", name},
                               {"scope.abstract_unix_socket"}, nullptr, "OK", "EPERM");
    EXPECT_EQ(json(Args{"--unrestricted-scope", "abstract_unix_socket"}), j["suggestion"]["flags"]);
    close(fd);
}

// --- the run as a whole -----------------------------------------------------

TEST_F(ReportTest, NoDenialsIsAReportToo) {
    RunResult r = reported({}, {probe_bin(), "euid", "-"});
    EXPECT_EQ(0, r.exit_status) << r.describe();
    json j = report();
    EXPECT_TRUE(j["denials"].empty()) << j.dump(2);
    EXPECT_EQ(json({{"exit", 0}}), j["status"]);
    EXPECT_EQ(json(Args{probe_bin(), "euid", "-"}), j["command"]);
    // Text: says so in words, on standard error.
    RunResult t = run_sandbox(concat({{"--report-denials"}, base(), {"--", probe_bin(), "euid", "-"}}));
    EXPECT_EQ(0, t.exit_status) << t.describe();
    EXPECT_NE(std::string::npos, t.err.find("no denials")) << t.describe();
}

TEST_F(ReportTest, TextReportNamesDenialAndFlags) {
    const std::string f = make_file("secret file", "x");
    RunResult r = run_sandbox(concat({{"--report-denials"}, base(), {"--", probe_bin(), "read", f}}));
    EXPECT_EQ(1, r.exit_status) << r.describe();
    EXPECT_NE(std::string::npos, r.err.find("fs.read_file  " + f)) << r.err;
    EXPECT_NE(std::string::npos, r.err.find("--ro '" + f + "'")) << r.err;
}

TEST_F(ReportTest, ExitStatusPassesThrough) {
    RunResult r = reported({}, {"/bin/sh", "-c", "exit 7"});
    EXPECT_EQ(7, r.exit_status) << r.describe();
    EXPECT_EQ(json({{"exit", 7}}), report()["status"]);
}

TEST_F(ReportTest, DeathBySignalIsReproduced) {
    RunResult r = reported({}, {"/bin/sh", "-c", "kill -TERM $$"});
    EXPECT_EQ(SIGTERM, r.term_signal) << r.describe();
    EXPECT_EQ(json({{"signal", SIGTERM}}), report()["status"]);
}

// Waits until `path` exists (the command has started), at most ~10 s.
bool wait_for_file(const std::string& path) {
    for (int i = 0; i < 1000 && !exists(path); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return exists(path);
}

TEST_F(ReportTest, SigtermToTheSupervisorIsForwarded) {
    AuditState restore;
    set_audit(false);
    const std::string started = path("started");
    BackgroundProcess launcher(
        concat({{sandbox_bin(), "--report-denials=json", "--report-to", report_}, base(),
                {"--rw", dir_.string(), "--"},
                {"/bin/sh", "-c", "touch " + started + "; exec sleep 30"}}));
    ASSERT_TRUE(wait_for_file(started));
    EXPECT_EQ(1U, audit_enabled()) << "the launcher turned audit on for the run";
    kill(launcher.pid(), SIGTERM);
    const int status = launcher.wait();
    ASSERT_TRUE(WIFSIGNALED(status)) << status;
    EXPECT_EQ(SIGTERM, WTERMSIG(status));
    EXPECT_EQ(json({{"signal", SIGTERM}}), report()["status"]);
    EXPECT_EQ(0U, audit_enabled()) << "the audit switch is off again, as it was";
}

TEST_F(ReportTest, SigintFromTheTerminalReachesTheCommand) {
    int master = -1;
    const std::string started = path("started");
    const pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        // forkpty: a new session with the pty as controlling terminal, this
        // process group in the foreground.
        std::vector<std::string> argv =
            concat({{sandbox_bin(), "--report-denials=json", "--report-to", report_}, base(),
                    {"--rw", dir_.string(), "--"},
                    {"/bin/sh", "-c", "touch " + started + "; exec sleep 30"}});
        std::vector<char*> args = c_strings(argv);
        execv(args[0], args.data());
        _exit(127);
    }
    ASSERT_TRUE(wait_for_file(started));
    const char ctrl_c = 3;
    ASSERT_EQ(1, write(master, &ctrl_c, 1));
    const int status = wait_status(pid);
    close(master);
    ASSERT_TRUE(WIFSIGNALED(status)) << status;
    EXPECT_EQ(SIGINT, WTERMSIG(status));
    EXPECT_EQ(json({{"signal", SIGINT}}), report()["status"]);
}

TEST_F(ReportTest, CtrlZStopsTheJobAndItContinues) {
    // A shell with job control on a terminal runs the launcher as a job: ^Z
    // must stop the job (shell sees 148), and fg must continue it to its end.
    int master = -1;
    const std::string started = path("started");
    const std::string finished = path("finished");
    const pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        std::string launcher;
        for (const auto& word : concat({{sandbox_bin(), "--report-denials=json", "--report-to",
                                         report_},
                                        base(), {"--rw", dir_.string()}})) {
            launcher += "'" + word + "' ";
        }
        const std::string script = launcher + "-- /bin/sh -c 'touch " + started +
                                   "; sleep 1; touch " + finished +
                                   "'; echo stopped=$?; fg >/dev/null; echo exit=$?";
        execl("/bin/sh", "sh", "-m", "-c", script.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    ASSERT_TRUE(wait_for_file(started));
    const char ctrl_z = 26;
    ASSERT_EQ(1, write(master, &ctrl_z, 1));
    std::string out;
    char buffer[256];
    for (;;) {
        const ssize_t n = read(master, buffer, sizeof buffer);
        if (n <= 0) {
            break;  // EIO: the shell and the job are gone
        }
        out.append(buffer, static_cast<std::size_t>(n));
    }
    const int status = wait_status(pid);
    close(master);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    EXPECT_NE(std::string::npos, out.find("stopped=148")) << out;
    EXPECT_NE(std::string::npos, out.find("exit=0")) << out;
    EXPECT_TRUE(exists(finished));
    EXPECT_EQ(json({{"exit", 0}}), report()["status"]);
}

TEST_F(ReportTest, AuditSwitchIsRestoredBothWays) {
    AuditState restore;
    const std::uint32_t backlog = sandbox::AuditControl::open().status().backlog_limit;
    for (bool on : {false, true}) {
        set_audit(on);
        reported({}, {probe_bin(), "read", make_file("f", "x")});
        EXPECT_EQ(on ? 1U : 0U, audit_enabled());
        EXPECT_EQ(backlog, sandbox::AuditControl::open().status().backlog_limit);
        // Also when the command is killed.
        RunResult r = reported({}, {"/bin/sh", "-c", "kill -KILL $$"});
        EXPECT_EQ(SIGKILL, r.term_signal) << r.describe();
        EXPECT_EQ(on ? 1U : 0U, audit_enabled());
    }
}

TEST_F(ReportTest, AnotherSandboxsDenialsNeverAppear) {
    // An unrelated sandbox, reported too, denies reads of `noise` in a loop
    // while three reported runs deny reads of `mine`.
    const std::string noise = make_file("noise", "x");
    const std::string stop = make_dir("stop-dir") + "/stop";
    const std::string other_report = path("other.json");
    BackgroundProcess other(concat(
        {{sandbox_bin(), "--report-denials=json", "--report-to", other_report}, base(),
         {"--ro", path("stop-dir"), "--"},
         {"/bin/sh", "-c",
          "while [ ! -e " + stop + " ]; do " + probe_bin() + " read " + noise + "; done; true"}}));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const std::string mine = make_file("mine", "x");
    for (int i = 0; i < 3; ++i) {
        reported({}, {"/bin/sh", "-c", probe_bin() + " read " + mine + "; sleep 0.2"});
        const json j = report();
        ASSERT_EQ(1, j["denials"].size()) << j.dump(2);
        EXPECT_EQ(mine, j["denials"][0]["path"]) << j.dump(2);
    }
    make_file("stop-dir/stop", "");
    const int status = other.wait();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    // The noise was there, in the other report only.
    const json o = json::parse(read_file(other_report));
    ASSERT_EQ(1, o["denials"].size()) << o.dump(2);
    EXPECT_EQ(noise, o["denials"][0]["path"]);
    EXPECT_GT(o["denials"][0]["count"].get<int>(), 3) << o.dump(2);
}

TEST_F(ReportTest, WithoutPrivilegesNothingRuns) {
    namespace fs = std::filesystem;
    fs::permissions(dir_, fs::perms(0777));
    const std::string marker = path("ran");
    RunResult r = run(concat({{kSetpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
                               sandbox_bin(), "--report-denials"},
                              base(), {"--rw", dir_.string(), "--"},
                              {"/bin/sh", "-c", "touch " + marker}}));
    EXPECT_TRUE(is_launcher_error(r)) << r.describe();
    EXPECT_NE(std::string::npos, r.err_lines().at(0).find("CAP_AUDIT_READ")) << r.describe();
    EXPECT_FALSE(exists(marker)) << "the command ran";
}

TEST_F(ReportTest, UnwritableReportFileIsRefusedBeforeRunning) {
    const std::string marker = path("ran");
    RunResult r = run_sandbox(concat({{"--report-denials", "--report-to", path("no/such/dir/r")},
                                      base(), {"--rw", dir_.string(), "--"},
                                      {"/bin/sh", "-c", "touch " + marker}}));
    EXPECT_TRUE(is_launcher_error(r)) << r.describe();
    EXPECT_FALSE(exists(marker));
}

TEST_F(ReportTest, ExecFailureReportsTheExecNotTheLaunchersHints) {
    // The command itself may not be executed: 126, and the report names
    // execute on it (the launcher's own reads for its hints are not listed).
    const std::string dir = make_dir("bin");
    const std::string program = copy_program("/usr/bin/true", "bin/true");
    RunResult r = reported({"--ro", dir}, {program});
    EXPECT_EQ(126, r.exit_status) << r.describe();
    const json j = report();
    ASSERT_EQ(1, j["denials"].size()) << j.dump(2);
    EXPECT_EQ(json({"fs.execute"}), j["denials"][0]["blockers"]);
    EXPECT_EQ(program, j["denials"][0]["path"]);
    RunResult again = reported(concat({{"--ro", dir}, j["suggestion"]["flags"].get<Args>()}),
                               {program});
    EXPECT_EQ(0, again.exit_status) << again.describe();
    EXPECT_TRUE(report()["denials"].empty()) << report().dump(2);
}

TEST_F(ReportTest, SuggestedPolicyFragmentValidates) {
    TcpSocket server(TcpSocket::Listen::Yes);
    const std::string f = make_file("f", "x");
    reported({}, {"/bin/sh", "-c",
                  probe_bin() + " read " + f + "; " + probe_bin() + " connect " + server.port_text()});
    const json j = report();
    ASSERT_EQ(2, j["denials"].size()) << j.dump(2);
    const std::string policy = write_policy("fragment.json", j["suggestion"]["policy"]);
    RunResult v = run_sandbox({"--validate", "--policy", policy});
    EXPECT_EQ(0, v.exit_status) << v.describe();
    // And it allows what was denied.
    RunResult again = reported({"--policy", policy}, {"/bin/sh", "-c",
                                probe_bin() + " read " + f + " && " + probe_bin() + " connect " +
                                    server.port_text()});
    EXPECT_EQ(0, again.exit_status) << again.describe();
    EXPECT_TRUE(report()["denials"].empty()) << report().dump(2);
}

}  // namespace
}  // namespace sandbox_it
