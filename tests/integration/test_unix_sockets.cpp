// Pathname UNIX sockets (issue 13 item 3, PRODUCT §5): Landlock restricts
// connect() to them only from ABI 9 (resolve_unix). Below it, deny by default
// still holds: the seccomp guard makes socket(AF_UNIX) fail with EACCES, while
// socketpair() works; a resolve_unix grant or --unrestricted-unix leaves the
// guard out (a grant with a warning that every socket is reachable). On ABI 9
// Landlock does it and the guard is not installed. Run as root and as 65534.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include "harness.hpp"

namespace sandbox_it {
namespace {

// A listening pathname socket of the test process, outside every policy.
class PathListener {
public:
    explicit PathListener(std::string path) : path_(std::move(path)) {
        fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::memcpy(a.sun_path, path_.data(), path_.size());
        const auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path_.size());
        ok_ = fd_ >= 0 && path_.size() < sizeof a.sun_path &&
              bind(fd_, reinterpret_cast<sockaddr*>(&a), size) == 0 && listen(fd_, 16) == 0 &&
              chmod(path_.c_str(), 0777) == 0;  // connect() needs write permission
    }
    ~PathListener() {
        if (fd_ >= 0) {
            close(fd_);
        }
    }
    PathListener(const PathListener&) = delete;
    PathListener& operator=(const PathListener&) = delete;
    [[nodiscard]] bool ok() const { return ok_; }
    [[nodiscard]] const std::string& path() const { return path_; }

private:
    std::string path_;
    int fd_ = -1;
    bool ok_ = false;
};

bool guarded_kernel() { return launcher_abi() < 9; }

const char* const kSetpriv = "/usr/bin/setpriv";

class UnixSocketTest : public SandboxTest {
protected:
    void SetUp() override {
        SandboxTest::SetUp();
        // 65534 must reach the socket (DAC) for the tests as that user.
        std::filesystem::permissions(dir_, std::filesystem::perms(0755));
        listener_ = std::make_unique<PathListener>(path("agent.sock"));
        ASSERT_TRUE(listener_->ok()) << "cannot listen on " << path("agent.sock");
    }
    std::unique_ptr<PathListener> listener_;
};

TEST_F(UnixSocketTest, SetupCheckTheSocketIsReachableOutside) {
    // Without any sandbox the same probe connects: a denial below is the guard.
    RunResult r = run({probe_bin(), "unix-connect", listener_->path()});
    EXPECT_EQ("OK\n", r.out) << r.describe();
}

TEST_F(UnixSocketTest, DeniedByDefault) {
    // Below ABI 9 socket() itself fails; on ABI 9 Landlock refuses connect().
    EXPECT_EQ("EACCES", probe({}, {"unix-connect", listener_->path()}));
    EXPECT_EQ(guarded_kernel() ? "EACCES" : "OK", probe({}, {"unix-socket", "-"}));
    EXPECT_EQ("OK", probe({}, {"socketpair", "-"}));
}

TEST_F(UnixSocketTest, GuardDetailsBelowAbi9) {
    if (!guarded_kernel()) {
        GTEST_SKIP() << "Landlock ABI " << launcher_abi() << " restricts UNIX sockets itself";
    }
    // Abstract sockets too (one socket() for both), io_uring (it could create
    // and connect sockets unseen), but TCP sockets are untouched.
    EXPECT_EQ("EACCES", probe({}, {"abstract-connect", "sandbox-it-nobody"}));
    EXPECT_EQ("EPERM", probe({}, {"io-uring", "-"}));
    EXPECT_EQ("ECONNREFUSED", probe({"--unrestricted-network"}, {"connect", "1"}));
    // Making a socket file needs make_sock only, no socket.
    EXPECT_EQ("OK", probe({"--rw", path(".")}, {"mksock", path("made.sock")}));
    // The same as uid 65534.
    RunResult r = run(concat({{kSetpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
                               sandbox_bin()},
                              exec_flags(),
                              {"--", probe_bin(), "unix-connect", listener_->path()}}));
    EXPECT_EQ("EACCES\n", r.out) << r.describe();
    r = run(concat({{kSetpriv, "--reuid=65534", "--regid=65534", "--clear-groups", sandbox_bin()},
                    exec_flags(),
                    {"--", probe_bin(), "socketpair", "-"}}));
    EXPECT_EQ("OK\n", r.out) << r.describe();
}

TEST_F(UnixSocketTest, OptOutMakesItReachableWithoutWarning) {
    RunResult r = run_sandbox(concat({exec_flags(), {"--unrestricted-unix", "--", probe_bin(),
                                                     "unix-connect", listener_->path()}}));
    EXPECT_EQ("OK\n", r.out) << r.describe();
    EXPECT_EQ("", r.err);
}

TEST_F(UnixSocketTest, UnixFlagBelowAbi9FailsUnlessBestEffort) {
    if (!guarded_kernel()) {
        EXPECT_EQ("OK", probe({"--unix", listener_->path()}, {"unix-connect", listener_->path()}));
        return;
    }
    RunResult r = run_sandbox(concat({exec_flags(), {"--unix", listener_->path(), "--", probe_bin(),
                                                     "unix-connect", listener_->path()}}));
    EXPECT_TRUE(is_launcher_error(r)) << r.describe();
    EXPECT_NE(r.err.find("resolve_unix"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("needs Landlock ABI 9"), std::string::npos) << r.err;
    EXPECT_EQ("", r.out);  // the command did not run

    r = run_sandbox(concat({exec_flags(), {"--best-effort", "--unix", listener_->path(), "--",
                                           probe_bin(), "unix-connect", listener_->path()}}));
    EXPECT_EQ("OK\n", r.out) << r.describe();
    EXPECT_TRUE(has_line_starting_with(
        r.err_lines(), "sandbox: warning: not restricted on Landlock ABI"))
        << r.err;
    EXPECT_NE(r.err.find("every socket is reachable"), std::string::npos) << r.err;
}

TEST_F(UnixSocketTest, PolicyUnixListGrantsWithAWarning) {
    const std::string policy = write_policy(
        "agent.json", {{"filesystem", {{"unix", {listener_->path()}}}}});
    RunResult r = run_sandbox(concat({exec_flags(), {"--policy", policy, "--", probe_bin(),
                                                     "unix-connect", listener_->path()}}));
    EXPECT_EQ("OK\n", r.out) << r.describe();
    EXPECT_EQ(guarded_kernel(), r.err.find("every socket is reachable") != std::string::npos)
        << r.err;
}

TEST_F(UnixSocketTest, OptionalEntryWithUnsetVariableIsSkippedAndGuardStays) {
    const std::string policy = write_policy(
        "agent.json",
        {{"filesystem",
          {{"unix", {{{"path", "${SANDBOX_IT_UNSET_AGENT}"}, {"optional", true}}}}}}});
    RunResult r = run_sandbox(
        concat({exec_flags(), {"--policy", policy, "--", probe_bin(), "unix-connect",
                               listener_->path()}}),
        with_env(environment_with({}, {"SANDBOX_IT_UNSET_AGENT"})));
    EXPECT_EQ("EACCES\n", r.out) << r.describe();
    // Without "optional" the unset variable is an error.
    const std::string strict = write_policy(
        "strict.json", {{"filesystem", {{"unix", {"${SANDBOX_IT_UNSET_AGENT}"}}}}});
    r = run_sandbox(concat({exec_flags(), {"--policy", strict, "--", probe_bin(), "unix-socket",
                                           "-"}}),
                    with_env(environment_with({}, {"SANDBOX_IT_UNSET_AGENT"})));
    EXPECT_EQ(125, r.exit_status) << r.describe();
    EXPECT_NE(r.err.find("SANDBOX_IT_UNSET_AGENT is not set"), std::string::npos) << r.err;
}

TEST_F(UnixSocketTest, UnrestrictedAbstractScopeNeedsSocketsToo) {
    if (!guarded_kernel()) {
        GTEST_SKIP() << "no guard on Landlock ABI " << launcher_abi();
    }
    RunResult r = run_sandbox(concat({exec_flags(), {"--unrestricted-scope",
                                                     "abstract_unix_socket", "--", probe_bin(),
                                                     "unix-socket", "-"}}));
    EXPECT_EQ("OK\n", r.out) << r.describe();
    EXPECT_NE(r.err.find("abstract UNIX sockets are unrestricted"), std::string::npos) << r.err;
}

TEST_F(UnixSocketTest, ExplainNamesTheControl) {
    RunResult r = run_sandbox(concat({exec_flags(), {"--explain=json", "--", probe_bin()}}));
    ASSERT_EQ(0, r.exit_status) << r.describe();
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(guarded_kernel() ? "seccomp" : "landlock",
              j["enforcement"]["unix_sockets"]["control"]);
    r = run_sandbox(concat({exec_flags(), {"--unrestricted-unix", "--explain=json", "--",
                                           probe_bin()}}));
    EXPECT_EQ("unrestricted", nlohmann::json::parse(r.out)["enforcement"]["unix_sockets"]["control"]);
}

}  // namespace
}  // namespace sandbox_it
