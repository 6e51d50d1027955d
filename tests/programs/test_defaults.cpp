// Security defaults a new user tripped over (issue 13 items 1, 2 and 4), each
// reproduced with the shipped profiles as a user would run them:
//   - ${PWD} is the real working directory, whatever the PWD variable says,
//     and an expansion may not grant writes on /, $HOME or above it;
//   - a comma inside a path never widens a grant;
//   - agent and session variables do not reach the program, except the ssh
//     agent under the ssh profile, which reaches exactly that socket.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <filesystem>
#include <string>

#include "program_test.hpp"

namespace sandbox_programs {
namespace {

using sandbox_it::concat;
using sandbox_it::exists;

const char* const kSetpriv = "/usr/bin/setpriv";

class Defaults : public ProgramTest {
protected:
    // The fixed environment with PWD replaced by `pwd`.
    std::vector<std::string> env_with_pwd(const std::string& cwd, const std::string& pwd) const {
        std::vector<std::string> env = program_env(cwd, {});
        for (auto& e : env) {
            if (e.starts_with("PWD=")) {
                e = "PWD=" + pwd;
            }
        }
        return env;
    }
};

// ---------------------------------------------------------------------------
// 1. ${PWD}

TEST_F(Defaults, RwPwdInHomeIsRefusedBeforeAnythingRuns) {
    NEED_PROGRAM(sh, "sh");
    const std::string keys = home_ + "/.ssh/authorized_keys";
    RunResult r = run_profile_in(
        home_, "shell", {sh, "-c", "cat \"$HOME/.ssh/id_rsa\"; echo x >>\"$HOME/.ssh/authorized_keys\""});
    EXPECT_EQ(125, r.exit_status) << r.describe();
    EXPECT_EQ("", r.out);  // the secret was not read
    EXPECT_FALSE(exists(keys));
    // One line naming the rule, the file:line it came from and what it expanded to.
    EXPECT_TRUE(contains(r.err, "/shell.json:"));
    EXPECT_TRUE(contains(r.err, "\"rw\" rule \"${PWD}\" expands to \"" + home_ +
                                    "\", your home directory: an expansion may not grant"));
    EXPECT_TRUE(contains(r.err, "  hint: cd into a project directory, or pass --rw DIR yourself"));
}

TEST_F(Defaults, RwPwdInRootIsRefusedByExplainToo) {
    NEED_PROGRAM(sh, "sh");
    RunResult r = run_plain(
        "/", {sandbox_it::sandbox_bin(), "--explain", "--profile", "shell", "--", sh},
        {"TMPDIR=" + tmp_});
    EXPECT_EQ(125, r.exit_status) << r.describe();
    EXPECT_TRUE(contains(r.err, "\"${PWD}\" expands to \"/\", the root directory"));
    EXPECT_FALSE(contains(r.out, "/ (directory, rw)"));
}

TEST_F(Defaults, RwPwdAboveHomeIsRefused) {
    NEED_PROGRAM(sh, "sh");
    RunResult r = run_profile_in(dir_.string(), "shell", {sh, "-c", "true"});
    EXPECT_EQ(125, r.exit_status) << r.describe();
    EXPECT_TRUE(contains(r.err, "a directory above your home directory"));
}

TEST_F(Defaults, PwdIsTheWorkingDirectoryNotTheVariable) {
    NEED_PROGRAM(python3, "python3");
    const std::string other = make_dir("other");
    sandbox_it::RunOptions options = sandbox_it::with_env(env_with_pwd(work_, other));
    RunResult r = sandbox_it::run(
        sandboxed("python3", {}, {python3, "-c", "open('made', 'w').write('ok')"}, work_), options);
    EXPECT_EQ(0, r.exit_status) << r.describe();
    EXPECT_EQ("ok", sandbox_it::read_file(work_ + "/made"));
    // The explanation names the real directory, never the variable's.
    r = sandbox_it::run(sandboxed("python3", {"--explain"}, {python3}, work_), options);
    EXPECT_TRUE(contains(r.out, work_ + " (directory, rw)"));
    EXPECT_FALSE(contains(r.out, other));
}

TEST_F(Defaults, CommandLinePathsAreTheUsersChoice) {
    NEED_PROGRAM(sh, "sh");
    RunResult r = run_plain(home_, concat({{sandbox_it::sandbox_bin(), "--rw", home_},
                                           sandbox_it::exec_flags(),
                                           {"--", sh, "-c", "echo typed >typed"}}));
    EXPECT_EQ(0, r.exit_status) << r.describe();
    EXPECT_EQ("typed\n", sandbox_it::read_file(home_ + "/typed"));
}

TEST_F(Defaults, ReadOnlyExpansionOnHomeWarns) {
    NEED_PROGRAM(sh, "sh");
    const std::string policy = write_policy("home-ro.json", {{"filesystem", {{"ro", {"~"}}}}});
    RunResult r = run_plain(work_, concat({{sandbox_it::sandbox_bin(), "--policy", policy},
                                           sandbox_it::exec_flags(), {"--", sh, "-c", "true"}}));
    EXPECT_EQ(0, r.exit_status) << r.describe();
    EXPECT_TRUE(contains(r.err, "warning: \"ro\" rule \"~\" expands to \"" + home_ +
                                    "\", your home directory: everything below it is readable"));
}

TEST_F(Defaults, RefusedAsUnprivilegedUserToo) {
    NEED_PROGRAM(sh, "sh");
    skip_denial_report();
    std::filesystem::permissions(dir_, std::filesystem::perms(0755));
    std::filesystem::permissions(home_, std::filesystem::perms(0777));
    std::filesystem::permissions(work_, std::filesystem::perms(0777));
    sandbox_it::RunOptions options = sandbox_it::with_env(program_env(home_, {}));
    RunResult r = sandbox_it::run(
        concat({{kSetpriv, "--reuid=65534", "--regid=65534", "--clear-groups"},
                sandboxed("shell", {}, {sh, "-c", "echo x >>\"$HOME/written\""}, home_)}),
        options);
    EXPECT_EQ(125, r.exit_status) << r.describe();
    EXPECT_FALSE(exists(home_ + "/written"));
    options = sandbox_it::with_env(program_env(work_, {}));
    r = sandbox_it::run(concat({{kSetpriv, "--reuid=65534", "--regid=65534", "--clear-groups"},
                                sandboxed("shell", {}, {sh, "-c", "echo x >written"}, work_)}),
                        options);
    EXPECT_EQ(0, r.exit_status) << r.describe();
    EXPECT_TRUE(exists(work_ + "/written"));
}

// ---------------------------------------------------------------------------
// 2. Commas

TEST_F(Defaults, ACommaInAnExistingNameIsNotSplit) {
    NEED_PROGRAM(sh, "sh");
    make_file("work/x");
    const std::string odd = make_file("work/x,..");
    RunResult r = run_plain(work_, concat({{sandbox_it::sandbox_bin(), "--rw", odd},
                                           sandbox_it::exec_flags(),
                                           {"--", sh, "-c", "echo no >\"$1/escaped\"", "sh",
                                            dir_.string()}}));
    EXPECT_NE(0, r.exit_status) << r.describe();
    EXPECT_FALSE(exists(path("escaped")));
    r = run_plain(work_, concat({{sandbox_it::sandbox_bin(), "--explain=json", "--rw", odd},
                                 sandbox_it::exec_flags(), {"--", sh}}));
    ASSERT_EQ(0, r.exit_status) << r.describe();
    const auto rules = nlohmann::json::parse(r.out)["rules"];
    // The odd name is one rule; nothing was granted on its parent.
    bool found = false;
    for (const auto& rule : rules) {
        EXPECT_NE(work_, rule["path"]) << r.out;
        found = found || rule["path"] == odd;
    }
    EXPECT_TRUE(found) << r.out;
}

TEST_F(Defaults, ASplitListNeedsAbsolutePieces) {
    NEED_PROGRAM(sh, "sh");
    make_file("work/x");
    RunResult r = run_plain(work_, {sandbox_it::sandbox_bin(), "--rw", work_ + "/x,..", "--", sh});
    EXPECT_EQ(125, r.exit_status) << r.describe();
    EXPECT_TRUE(contains(r.err, "sandbox: error: --rw: \"..\" in the list \"" + work_ +
                                    "/x,..\" is not an absolute path"));
    // Absolute pieces are fine.
    r = run_plain(work_, concat({{sandbox_it::sandbox_bin(), "--explain", "--ro", "/usr,/etc"},
                                 sandbox_it::exec_flags(), {"--", sh}}));
    EXPECT_EQ(0, r.exit_status) << r.describe();
}

// ---------------------------------------------------------------------------
// 4. Agents and session buses

// A listening pathname socket that answers like nothing in particular.
class AgentSocket {
public:
    explicit AgentSocket(const std::string& path) {
        fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::memcpy(a.sun_path, path.data(), path.size());
        ok_ = fd_ >= 0 && bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
              listen(fd_, 8) == 0;
    }
    ~AgentSocket() { close(fd_); }
    AgentSocket(const AgentSocket&) = delete;
    AgentSocket& operator=(const AgentSocket&) = delete;
    [[nodiscard]] bool ok() const { return ok_; }

private:
    int fd_ = -1;
    bool ok_ = false;
};

TEST_F(Defaults, ProgramProfilesDropAgentVariables) {
    NEED_PROGRAM(sh, "sh");
    const std::vector<std::string> session = {
        "SSH_AUTH_SOCK=" + path("agent"), "DBUS_SESSION_BUS_ADDRESS=unix:path=" + path("bus"),
        "DISPLAY=:0", "TMUX=" + path("tmux") + ",1,0", "DOCKER_HOST=unix://" + path("docker")};
    RunResult r = run_profile("shell", {sh, "-c", "env | grep -E '^(SSH_AUTH_SOCK|DBUS_SESSION"
                                                  "_BUS_ADDRESS|DISPLAY|TMUX|DOCKER_HOST)=' "
                                                  "|| echo none"},
                              {}, session);
    EXPECT_EQ(0, r.exit_status) << r.describe();
    EXPECT_EQ("none\n", r.out);
}

TEST_F(Defaults, SshProfileKeepsItsAgentAndReachesExactlyIt) {
    NEED_PROGRAM(ssh_add, "ssh-add");
    NEED_PROGRAM(ssh_agent, "ssh-agent");
    const std::string sock = path("agent.sock");
    BackgroundProcess agent({ssh_agent, "-D", "-a", sock}, program_env(work_, {}),
                            path("agent.log"));
    for (int i = 0; i < 200 && !exists(sock); ++i) {
        usleep(10000);
    }
    ASSERT_TRUE(exists(sock)) << sandbox_it::read_file(path("agent.log"));
    // ssh-add talks to the agent the way ssh does; the profile allows ssh
    // only, so the test adds ssh-add itself.
    RunResult r = run_profile("ssh", {ssh_add, "-l"}, {"--rox", ssh_add},
                              {"SSH_AUTH_SOCK=" + sock, "DISPLAY=:0"});
    EXPECT_EQ(1, r.exit_status) << r.describe();  // 1: connected, no identities
    EXPECT_TRUE(contains(r.out, "The agent has no identities."));
    // Without the agent variable no UNIX socket is reachable (below ABI 9 the
    // guard is on; on ABI 9 nothing is granted).
    const std::string bus = path("bus.sock");
    AgentSocket other(bus);
    ASSERT_TRUE(other.ok());
    r = run_profile("ssh", {sandbox_it::probe_bin(), "unix-connect", bus},
                    {"--rox", sandbox_it::probe_dir()});
    EXPECT_EQ("EACCES\n", r.out) << r.describe();
}

}  // namespace
}  // namespace sandbox_programs
