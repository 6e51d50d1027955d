// The target's environment and inherited descriptors.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <system_error>
#include <vector>

#include "harness.hpp"

namespace sandbox_it {
namespace {

// A pipe whose ends live at high descriptor numbers (CLOEXEC), so they never
// collide with the small numbers the tests map them to.
class Pipe {
public:
    Pipe() {
        int p[2];
        if (pipe2(p, O_CLOEXEC) != 0) {
            throw std::system_error(errno, std::generic_category(), "pipe2");
        }
        read_ = fcntl(p[0], F_DUPFD_CLOEXEC, 50);
        write_ = fcntl(p[1], F_DUPFD_CLOEXEC, 50);
        close(p[0]);
        close(p[1]);
        if (read_ < 0 || write_ < 0) {
            throw std::system_error(errno, std::generic_category(), "fcntl(F_DUPFD_CLOEXEC)");
        }
    }
    ~Pipe() {
        close_write();
        close(read_);
    }
    Pipe(const Pipe&) = delete;
    Pipe& operator=(const Pipe&) = delete;

    [[nodiscard]] int read_end() const { return read_; }
    [[nodiscard]] int write_end() const { return write_; }
    void close_write() {
        if (write_ >= 0) {
            close(write_);
            write_ = -1;
        }
    }
    // Everything written until every write end is closed.
    std::string read_all() {
        std::string out;
        char buf[256];
        ssize_t n = 0;
        while ((n = read(read_, buf, sizeof buf)) > 0) {
            out.append(buf, static_cast<std::size_t>(n));
        }
        return out;
    }

private:
    int read_ = -1;
    int write_ = -1;
};

std::vector<std::string> sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
}

class EnvTest : public SandboxTest {
protected:
    // Runs /usr/bin/env in the sandbox with the given launcher environment.
    RunResult run_env(const Args& flags, const std::vector<std::string>& launcher_env) {
        return run_sandbox(concat({exec_flags(), flags, {"--", "/usr/bin/env"}}),
                           with_env(launcher_env));
    }
};

TEST_F(EnvTest, ClearenvWithEnvGivesExactlyThatVariable) {
    RunResult r = run_env({"--clearenv", "--env", "A=1"}, environment_with({"A=outer"}));
    EXPECT_EQ(0, r.exit_status) << r.describe();
    EXPECT_EQ("A=1\n", r.out);
}

TEST_F(EnvTest, ClearenvAloneGivesAnEmptyEnvironment) {
    RunResult r = run_env({"--clearenv"}, environment_with({"A=outer"}));
    EXPECT_EQ(0, r.exit_status) << r.describe();
    EXPECT_EQ("", r.out);
}

TEST_F(EnvTest, ClearenvWithSeveralVariables) {
    RunResult r = run_env({"--clearenv", "--env", "A=1", "--env", "B=two words", "--env", "C="},
                          environment_with({}));
    EXPECT_EQ(0, r.exit_status) << r.describe();
    EXPECT_EQ(sorted({"A=1", "B=two words", "C="}), sorted(lines(r.out)));
}

TEST_F(EnvTest, EnvWithoutValueKeepsTheLauncherValue) {
    RunResult r = run_env({"--clearenv", "--env", "SANDBOX_IT_KEY"},
                          environment_with({"SANDBOX_IT_KEY=from launcher", "OTHER=1"}));
    EXPECT_EQ(0, r.exit_status) << r.describe();
    EXPECT_EQ("SANDBOX_IT_KEY=from launcher\n", r.out);
}

TEST_F(EnvTest, EnvWithValueOverridesTheLauncherValue) {
    const auto env = environment_with({"SANDBOX_IT_KEY=old", "OTHER=1"});
    RunResult r = run_env({"--env", "SANDBOX_IT_KEY=new"}, env);
    EXPECT_EQ(0, r.exit_status) << r.describe();
    const auto got = lines(r.out);
    EXPECT_EQ(1, std::count(got.begin(), got.end(), "SANDBOX_IT_KEY=new")) << r.out;
    EXPECT_EQ(0, std::count(got.begin(), got.end(), "SANDBOX_IT_KEY=old")) << r.out;
    EXPECT_EQ(1, std::count(got.begin(), got.end(), "OTHER=1")) << r.out;
}

TEST_F(EnvTest, UnsetenvRemovesOnlyThatVariable) {
    const std::vector<std::string> env = {"PATH=/usr/bin:/bin", "HOME=/sandbox-it-home",
                                          "SANDBOX_IT_KEEP=1", "LANG=C"};
    RunResult r = run_env({"--unsetenv", "HOME"}, env);
    EXPECT_EQ(0, r.exit_status) << r.describe();
    const auto got = lines(r.out);
    EXPECT_FALSE(has_line_starting_with(got, "HOME=")) << r.out;
    EXPECT_EQ(1, std::count(got.begin(), got.end(), "SANDBOX_IT_KEEP=1")) << r.out;
    // And nothing else changed.
    std::vector<std::string> expected;
    for (const auto& entry : env) {
        if (!entry.starts_with("HOME=")) {
            expected.push_back(entry);
        }
    }
    EXPECT_EQ(sorted(expected), sorted(got));
}

TEST_F(EnvTest, EnvironmentPassesThroughUnchangedByDefault) {
    // A known environment: the test's own may hold values with newlines.
    const std::vector<std::string> env = {"PATH=/usr/bin:/bin", "HOME=/sandbox-it-home",
                                          "SANDBOX_IT_KEEP=a=b=c", "EMPTY=", "LANG=C"};
    RunResult r = run_env({}, env);
    EXPECT_EQ(0, r.exit_status) << r.describe();
    EXPECT_EQ(sorted(env), sorted(lines(r.out)));
}

// ---------------------------------------------------------------------------
// Descriptors: all >= 3 closed unless kept.

class FdTest : public SandboxTest {};

TEST_F(FdTest, KeptDescriptorIsOpenInTheTarget) {
    Pipe pipe;
    EXPECT_EQ("OK", probe({"--keep-fd", "5"}, {"fd", "5"}, with_fds({{5, pipe.read_end()}})));
}

TEST_F(FdTest, DescriptorNotKeptIsClosed) {
    Pipe pipe;
    EXPECT_EQ("EBADF", probe({}, {"fd", "5"}, with_fds({{5, pipe.read_end()}})));
}

TEST_F(FdTest, LowestDescriptorThreeCanBeKept) {
    Pipe pipe;
    EXPECT_EQ("OK", probe({"--keep-fd", "3"}, {"fd", "3"}, with_fds({{3, pipe.read_end()}})));
    EXPECT_EQ("EBADF", probe({}, {"fd", "3"}, with_fds({{3, pipe.read_end()}})));
}

TEST_F(FdTest, OnlyTheKeptDescriptorsSurvive) {
    Pipe first;
    Pipe second;
    const RunOptions options = with_fds({{5, first.read_end()}, {6, second.read_end()}});
    EXPECT_EQ("OK", probe({"--keep-fd", "6"}, {"fd", "6"}, options));
    EXPECT_EQ("EBADF", probe({"--keep-fd", "6"}, {"fd", "5"}, options));
    EXPECT_EQ("OK", probe({"--keep-fd", "5,6"}, {"fd", "5"}, options));
}

TEST_F(FdTest, KeptDescriptorIsTheSameOpenFile) {
    // The target writes through fd 5 into the test's pipe. Landlock does not
    // cover inherited descriptors: no rule is needed for it.
    Pipe pipe;
    RunResult r = run_sandbox(
        concat({exec_flags(), {"--keep-fd", "5", "--", "/bin/sh", "-c", "echo through-5 >&5"}}),
        with_fds({{5, pipe.write_end()}}));
    pipe.close_write();
    EXPECT_EQ(0, r.exit_status) << r.describe();
    EXPECT_EQ("through-5\n", pipe.read_all());
}

TEST_F(FdTest, ProcSelfFdListsKeptDescriptorOnly) {
    Pipe pipe;
    const RunOptions options = with_fds({{5, pipe.read_end()}});
    const Args list = {"--ro", "/proc", "--", "/bin/sh", "-c", "ls /proc/self/fd"};
    RunResult kept = run_sandbox(concat({exec_flags(), {"--keep-fd", "5"}, list}), options);
    EXPECT_EQ(0, kept.exit_status) << kept.describe();
    const auto kept_fds = lines(kept.out);
    EXPECT_EQ(1, std::count(kept_fds.begin(), kept_fds.end(), "5")) << kept.out;

    RunResult closed = run_sandbox(concat({exec_flags(), list}), options);
    EXPECT_EQ(0, closed.exit_status) << closed.describe();
    const auto closed_fds = lines(closed.out);
    EXPECT_EQ(0, std::count(closed_fds.begin(), closed_fds.end(), "5")) << closed.out;
    // Standard streams stay.
    for (const char* fd : {"0", "1", "2"}) {
        EXPECT_EQ(1, std::count(closed_fds.begin(), closed_fds.end(), fd)) << closed.out;
    }
}

// ---------------------------------------------------------------------------
// Process state the target inherits.

TEST_F(FdTest, TargetRunsWithNoNewPrivs) {
    RunResult r = run_sandbox(concat(
        {exec_flags(), {"--ro", "/proc", "--", "/bin/sh", "-c", "grep NoNewPrivs /proc/self/status"}}));
    EXPECT_EQ(0, r.exit_status) << r.describe();
    EXPECT_EQ("NoNewPrivs:\t1\n", r.out);
}

}  // namespace
}  // namespace sandbox_it
