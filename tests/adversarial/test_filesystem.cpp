// Filesystem tricks: symlinked and magic-link rule paths, a rule path swapped
// between a directory and a symlink while the launcher starts, bind-mounted
// aliases, /proc, inherited descriptors, truncation, rename/link across
// directories. Each case asserts the errno the kernel gives the command.
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <thread>

#include "harness.hpp"

namespace sandbox_it {
namespace {

using nlohmann::json;

// Tree: real/f ("real")  secret/f ("secret")  outside/f ("outside")
//       link -> real     flink -> real/f
class FsTricks : public SandboxTest {
protected:
    void SetUp() override {
        SandboxTest::SetUp();
        make_dir("real");
        make_dir("secret");
        make_dir("outside");
        make_dir("w");
        make_file("real/f", "real");
        make_file("secret/f", "secret");
        make_file("outside/f", "outside");
        std::filesystem::create_directory_symlink(path("real"), path("link"));
        std::filesystem::create_symlink(path("real/f"), path("flink"));
    }
    void expect_refused(const RunResult& r, const std::string& first) {
        EXPECT_TRUE(is_launcher_error(r));
        ASSERT_FALSE(r.err_lines().empty()) << r.describe();
        EXPECT_EQ(first, r.err_lines().front());
        EXPECT_FALSE(ran()) << "the command ran after an error";
    }
};

// A rule on a symlink's name lands on its target, and --explain says so.
TEST_F(FsTricks, SymlinkedDirectoryRuleAppliesToTheTarget) {
    EXPECT_EQ("OK", probe({"--ro", path("link")}, {"read", path("real/f")}));
    EXPECT_EQ("OK", probe({"--ro", path("link")}, {"read", path("link/f")}));
    EXPECT_EQ("EACCES", probe({"--ro", path("link")}, {"read", path("secret/f")}));
    RunResult r = run_sandbox(concat({exec_flags(), {"--ro", path("link"), "--explain=json", "--", "/bin/true"}}));
    ASSERT_EQ(0, r.exit_status) << r.describe();
    bool found = false;
    const json explained = json::parse(r.out);
    for (const auto& rule : explained.at("rules")) {
        if (rule.at("path") == path("link")) {
            found = true;
            EXPECT_EQ(path("real"), rule.at("resolved"));
            EXPECT_EQ("directory", rule.at("type"));
        }
    }
    EXPECT_TRUE(found) << r.out;
    RunResult text = run_sandbox(concat({exec_flags(), {"--ro", path("link"), "--explain", "--", "/bin/true"}}));
    EXPECT_TRUE(has_line_starting_with(lines(text.out), "  " + path("link") + " -> " + path("real") +
                                                            " (directory, ro)"))
        << text.out;
}

TEST_F(FsTricks, SymlinkedFileRuleAppliesToTheTarget) {
    EXPECT_EQ("OK", probe({"--ro", path("flink")}, {"read", path("real/f")}));
    EXPECT_EQ("EACCES", probe({"--ro", path("flink")}, {"readdir", path("real")}));
}

struct MagicCase {
    const char* name;
    const char* path;
};
void PrintTo(const MagicCase& c, std::ostream* os) { *os << c.name; }
class MagicLink : public FsTricks, public ::testing::WithParamInterface<MagicCase> {};

TEST_P(MagicLink, RefusedWithEloop) {
    const std::string p = GetParam().path;
    expect_refused(run_sandbox(concat({exec_flags(), {"--rw", path("w"), "--ro", p}, marker_command()})),
                   "sandbox: error: cannot open \"" + p +
                       "\" for a rule: Too many levels of symbolic links (ELOOP)");
}

// clang-format off
const MagicCase kMagicCases[] = {
    {"proc_self_root", "/proc/self/root"},
    {"proc_self_cwd", "/proc/self/cwd"},
    {"proc_self_fd_0", "/proc/self/fd/0"},
    {"proc_self_exe", "/proc/self/exe"},
    {"proc_thread_self_root", "/proc/thread-self/root"},
    {"through_proc_self_root", "/proc/self/root/etc"},
};
// clang-format on
INSTANTIATE_TEST_SUITE_P(Fs, MagicLink, ::testing::ValuesIn(kMagicCases),
                         [](const auto& p) { return std::string(p.param.name); });

// An ordinary symlink that points at a magic link is refused too.
TEST_F(FsTricks, SymlinkToMagicLinkRefused) {
    std::filesystem::create_symlink("/proc/self/root", path("root-alias"));
    expect_refused(run_sandbox(concat({exec_flags(), {"--rw", path("w"), "--ro", path("root-alias")},
                                       marker_command()})),
                   "sandbox: error: cannot open \"" + path("root-alias") +
                       "\" for a rule: Too many levels of symbolic links (ELOOP)");
}

// The rule path flips between a directory (real, granted by name) and a
// symlink to a file while the launcher starts. The launcher opens it with
// O_DIRECTORY and, on ENOTDIR, again as a file; the rule is added on the
// descriptor that was opened and masked by what that open found, so a type
// change between the two opens gives file rights only: the run never fails
// on a stale type, never grants "outside" (never named), and the command
// runs sandboxed.
TEST_F(FsTricks, RulePathSwappedDuringLaunch) {
    make_dir("race-dir");
    make_file("race-file", "file");
    std::filesystem::create_symlink(path("race-file"), path("race-link"));
    std::atomic<bool> stop{false};
    const std::string a = path("race-dir");
    const std::string b = path("race-link");
    std::thread swapper([&] {
        while (!stop.load()) {
            renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE);
        }
    });
    int ran = 0;
    for (int i = 0; i < 40; ++i) {
        RunResult r = run_sandbox(concat({exec_flags(), {"--rw", a, "--", "/bin/sh", "-c",
                                                         "\"$0\" read \"$1\"; \"$0\" readdir \"$2\"",
                                                         probe_bin(), path("outside/f"), path("outside")}}));
        EXPECT_EQ(0, r.term_signal) << r.describe();
        EXPECT_EQ(1, r.exit_status) << r.describe();  // the last probe's EACCES
        EXPECT_EQ("EACCES\nEACCES\n", r.out) << r.describe();
        ran += r.out == "EACCES\nEACCES\n" ? 1 : 0;
    }
    stop = true;
    swapper.join();
    EXPECT_EQ(40, ran);
}

// ---------------------------------------------------------------------------
// Bind mounts, in a private mount namespace of a child (nothing leaks).
// Landlock follows the path through the mount hierarchy: a denied directory
// bind-mounted under an allowed one becomes reachable through the allowed
// path, and an allowed directory's alias elsewhere stays allowed (the alias's
// root is the same inode). SECURITY.md says so.

// Runs `argv` in a child with its own mount namespace where each
// {source, target} is bind-mounted first. Returns the probe's output or an error.
std::string run_with_binds(const std::vector<std::pair<std::string, std::string>>& binds,
                           const Args& argv) {
    int p[2];
    if (pipe(p) != 0) {
        return "<pipe failed>";
    }
    const pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        std::string out;
        if (unshare(CLONE_NEWNS) != 0 ||
            mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
            out = "<unshare/mount failed: " + std::string(strerror(errno)) + ">";
        } else {
            for (const auto& [from, to] : binds) {
                if (mount(from.c_str(), to.c_str(), nullptr, MS_BIND, nullptr) != 0) {
                    out = "<bind mount failed: " + std::string(strerror(errno)) + ">";
                }
            }
            if (out.empty()) {
                RunResult r = run(argv);
                out = (r.exit_status == 0 || r.exit_status == 1) ? r.out : "<" + r.describe() + ">";
            }
        }
        (void)!write(p[1], out.data(), out.size());
        _exit(0);
    }
    close(p[1]);
    std::string out;
    char buf[4096];
    ssize_t n = 0;
    while ((n = read(p[0], buf, sizeof buf)) > 0) {
        out.append(buf, static_cast<std::size_t>(n));
    }
    close(p[0]);
    waitpid(pid, nullptr, 0);
    while (!out.empty() && out.back() == '\n') {
        out.pop_back();
    }
    return out;
}

class BindMounts : public FsTricks {
protected:
    void SetUp() override {
        FsTricks::SetUp();
        if (geteuid() != 0) {
            GTEST_SKIP() << "bind mounts need root (CAP_SYS_ADMIN)";
        }
        make_dir("real/mnt");
        make_dir("outside/alias");
    }
    Args probe_argv(const Args& flags, const Args& op) {
        return concat({{sandbox_bin()}, exec_flags(), flags, {"--", probe_bin()}, op});
    }
};

TEST_F(BindMounts, DeniedDirMountedUnderAllowedIsReachableThere) {
    const auto binds = {std::pair{path("secret"), path("real/mnt")}};
    EXPECT_EQ("OK", run_with_binds(binds, probe_argv({"--ro", path("real")}, {"read", path("real/mnt/f")})));
}

TEST_F(BindMounts, DeniedDirStaysDeniedUnderItsOwnName) {
    const auto binds = {std::pair{path("secret"), path("real/mnt")}};
    EXPECT_EQ("EACCES", run_with_binds(binds, probe_argv({"--ro", path("real")}, {"read", path("secret/f")})));
}

TEST_F(BindMounts, AllowedDirAliasElsewhereStaysAllowed) {
    const auto binds = {std::pair{path("real"), path("outside/alias")}};
    EXPECT_EQ("OK", run_with_binds(binds, probe_argv({"--ro", path("real")}, {"read", path("outside/alias/f")})));
    EXPECT_EQ("EACCES", run_with_binds(binds, probe_argv({"--ro", path("real")}, {"read", path("outside/f")})));
}

// ---------------------------------------------------------------------------
// /proc: filesystem rules cover procfs like any other tree; with /proc allowed,
// the Landlock domain still keeps ptrace-level files of outside processes closed.

TEST_F(FsTricks, ProcDeniedWithoutARule) {
    EXPECT_EQ("EACCES", probe({}, {"read", "/proc/self/status"}));
}

TEST_F(FsTricks, ProcSelfReadableWithProcAllowed) {
    EXPECT_EQ("OK", probe({"--ro", "/proc"}, {"read", "/proc/self/status"}));
    EXPECT_EQ("OK", probe({"--ro", "/proc"}, {"read", "/proc/self/environ"}));
}

// Measured on Linux 6.18: Landlock denies ptrace-attach-level access to an
// outside process (/proc/PID/mem) but not read-level files: its environment,
// status and command line stay readable when /proc is allowed. SECURITY.md
// warns about exactly this.
TEST_F(FsTricks, OutsideProcessProcFiles) {
    IdleChild outside;
    const std::string dir = "/proc/" + std::to_string(outside.pid());
    EXPECT_EQ("EACCES", probe({"--ro", "/proc"}, {"read", dir + "/mem"}));
    EXPECT_EQ("OK", probe({"--ro", "/proc"}, {"read", dir + "/environ"}));
    EXPECT_EQ("OK", probe({"--ro", "/proc"}, {"read", dir + "/status"}));
    EXPECT_EQ("OK", probe({"--ro", "/proc"}, {"read", dir + "/cmdline"}));
    // Signals to it are scoped (ABI 6).
    if (!abi_shortfall(6)) {
        EXPECT_EQ("EPERM", probe({"--ro", "/proc"}, {"kill", std::to_string(outside.pid())}));
    }
}

// ---------------------------------------------------------------------------
// Inherited descriptors.

class InheritedFd : public FsTricks {
protected:
    int open_fd(const std::string& p, int flags) {
        int fd = open(p.c_str(), flags | O_CLOEXEC);
        EXPECT_GE(fd, 0) << p;
        fds_.push_back(fd);
        return fd;
    }
    void TearDown() override {
        for (int fd : fds_) {
            close(fd);
        }
        FsTricks::TearDown();
    }
    std::vector<int> fds_;
};

TEST_F(InheritedFd, ClosedUnlessKept) {
    const int fd = open_fd(path("secret/f"), O_RDONLY);
    RunOptions options = with_fds({{5, fd}});
    EXPECT_EQ("EBADF", probe({}, {"read-fd", "5"}, options));
}

// With --keep-fd the command uses the open file: Landlock checks at open time.
TEST_F(InheritedFd, KeptFileStaysUsable) {
    const int fd = open_fd(path("secret/f"), O_RDONLY);
    EXPECT_EQ("OK", probe({"--keep-fd", "5"}, {"read-fd", "5"}, with_fds({{5, fd}})));
}

// A kept directory descriptor does not open its children: openat() is checked
// on the resulting path.
TEST_F(InheritedFd, KeptDirectoryDoesNotGrantItsChildren) {
    const int fd = open_fd(path("secret"), O_RDONLY | O_DIRECTORY);
    EXPECT_EQ("EACCES", probe({"--keep-fd", "5"}, {"fd-read", "5", "f"}, with_fds({{5, fd}})));
}

// ---------------------------------------------------------------------------
// Truncation and creat() on files the policy does not let the command truncate.

TEST_F(FsTricks, TruncateReadOnlyFile) {
    EXPECT_EQ("EACCES", probe({"--ro", path("real")}, {"trunc-open", path("real/f")}));
    EXPECT_EQ("EACCES", probe({"--ro", path("real")}, {"truncate", path("real/f")}));
    // write-file is creat(): O_WRONLY|O_CREAT|O_TRUNC.
    EXPECT_EQ("EACCES", probe({"--ro", path("real")}, {"write-file", path("real/f"), "x"}));
    EXPECT_EQ("real", read_file(path("real/f")));
}

// write_file without truncate: writing works, O_TRUNC, truncate() and creat() do not.
TEST_F(FsTricks, WriteWithoutTruncateRight) {
    const std::string policy = write_policy(
        "p.json", {{"filesystem", {{"rules", {{{"path", path("real/f")},
                                               {"access", {"read_file", "write_file"}}}}}}}});
    EXPECT_EQ("OK", probe({"--policy", policy}, {"write", path("real/f")}));
    EXPECT_EQ("EACCES", probe({"--policy", policy}, {"trunc-open", path("real/f")}));
    EXPECT_EQ("EACCES", probe({"--policy", policy}, {"truncate", path("real/f")}));
    EXPECT_EQ("EACCES", probe({"--policy", policy}, {"write-file", path("real/f"), "x"}));
    EXPECT_EQ("real", read_file(path("real/f")));
}

// ---------------------------------------------------------------------------
// rename/link across directories need "refer".

class Refer : public FsTricks {
protected:
    void SetUp() override {
        FsTricks::SetUp();
        make_dir("a");
        make_dir("b");
        make_file("a/m", "moved");
        // Everything --rw grants except refer.
        policy_ = write_policy(
            "p.json",
            {{"filesystem",
              {{"rules",
                {{{"path", path("a")},
                  {"access", {"read_file", "write_file", "read_dir", "remove_file", "make_reg"}}},
                 {{"path", path("b")},
                  {"access", {"read_file", "write_file", "read_dir", "remove_file", "make_reg"}}}}}}}});
    }
    std::string policy_;
};

TEST_F(Refer, RenameAcrossDirectoriesWithoutReferIsExdev) {
    EXPECT_EQ("EXDEV", probe({"--policy", policy_}, {"rename", path("a/m"), path("b/m")}));
    EXPECT_TRUE(exists(path("a/m")));
}

TEST_F(Refer, LinkAcrossDirectoriesWithoutReferIsExdev) {
    EXPECT_EQ("EXDEV", probe({"--policy", policy_}, {"link", path("a/m"), path("b/m")}));
    EXPECT_FALSE(exists(path("b/m")));
}

TEST_F(Refer, RenameWithinADirectoryNeedsNoRefer) {
    EXPECT_EQ("OK", probe({"--policy", policy_}, {"rename", path("a/m"), path("a/n")}));
}

TEST_F(Refer, RenameAcrossWithRwIsAllowed) {
    EXPECT_EQ("OK", probe({"--rw", path("a"), "--rw", path("b")}, {"rename", path("a/m"), path("b/m")}));
}

}  // namespace
}  // namespace sandbox_it
