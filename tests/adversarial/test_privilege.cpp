// Privilege (issue 6 item 3): the launcher refuses to run setuid, setgid or
// with file capabilities (exit 125, one line and a hint, nothing run), and a
// setuid-root program started inside the sandbox gains nothing (no_new_privs).
// The privileged copies are run as the unprivileged user 65534 via setpriv.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "harness.hpp"

namespace sandbox_it {
namespace {

const char* const kSetpriv = "/usr/bin/setpriv";
const char* const kSetcap = "/usr/sbin/setcap";

Args as_nobody(const Args& argv) {
    return concat({{kSetpriv, "--reuid=65534", "--regid=65534", "--clear-groups"}, argv});
}

class PrivilegeTest : public SandboxTest {
protected:
    void SetUp() override {
        SandboxTest::SetUp();
        if (geteuid() != 0) {
            GTEST_SKIP() << "making setuid-root copies needs root";
        }
        std::filesystem::permissions(dir_, std::filesystem::perms(0755));
    }

    // A root-owned copy of the launcher with `mode`.
    std::string launcher_copy(mode_t mode) {
        std::string copy = copy_program(sandbox_bin(), "sandbox");
        EXPECT_EQ(0, chown(copy.c_str(), 0, 0));
        EXPECT_EQ(0, chmod(copy.c_str(), mode));
        return copy;
    }
};

// The control: the same copy without privileges runs for user 65534.
TEST_F(PrivilegeTest, PlainCopyRunsAsNobody) {
    RunResult r = run(as_nobody({launcher_copy(0755), "--version"}));
    EXPECT_EQ(0, r.exit_status) << r.describe();
    EXPECT_TRUE(r.out.starts_with("sandbox ")) << r.describe();
}

TEST_F(PrivilegeTest, SetuidRootIsRefused) {
    RunResult r = run(as_nobody({launcher_copy(04755), "--version"}));
    EXPECT_TRUE(is_launcher_error(r));
    ASSERT_FALSE(r.err_lines().empty()) << r.describe();
    EXPECT_EQ("sandbox: error: refusing to run setuid or setgid", r.err_lines().front());
    EXPECT_EQ("", r.out);
}

TEST_F(PrivilegeTest, SetgidRootIsRefused) {
    RunResult r = run(as_nobody({launcher_copy(02755), "--version"}));
    EXPECT_TRUE(is_launcher_error(r));
    ASSERT_FALSE(r.err_lines().empty()) << r.describe();
    EXPECT_EQ("sandbox: error: refusing to run setuid or setgid", r.err_lines().front());
    EXPECT_EQ("", r.out);
}

// File capabilities leave uid == euid: only AT_SECURE tells.
TEST_F(PrivilegeTest, FileCapabilitiesAreRefused) {
    std::string copy = launcher_copy(0755);
    RunResult setcap = run({kSetcap, "cap_net_bind_service+ep", copy});
    ASSERT_EQ(0, setcap.exit_status) << setcap.describe();
    RunResult r = run(as_nobody({copy, "--version"}));
    EXPECT_TRUE(is_launcher_error(r));
    ASSERT_FALSE(r.err_lines().empty()) << r.describe();
    EXPECT_EQ("sandbox: error: refusing to run with elevated privileges (setuid, setgid or file "
              "capabilities: AT_SECURE is set)",
              r.err_lines().front());
    EXPECT_EQ("", r.out);
}

// Refused before anything runs: the command never starts.
TEST_F(PrivilegeTest, SetuidLauncherRunsNothing) {
    make_dir("w");
    std::filesystem::permissions(path("w"), std::filesystem::perms(0777));
    RunResult r = run(as_nobody(
        concat({{launcher_copy(04755)}, exec_flags(), marker_rule(), marker_command()})));
    EXPECT_TRUE(is_launcher_error(r));
    EXPECT_FALSE(ran());
}

class SetuidInside : public PrivilegeTest {
protected:
    void SetUp() override {
        PrivilegeTest::SetUp();
        if (IsSkipped()) {
            return;
        }
        helper_ = copy_program(probe_bin(), "suid-probe");
        ASSERT_EQ(0, chown(helper_.c_str(), 0, 0));
        ASSERT_EQ(0, chmod(helper_.c_str(), 04755));
    }
    std::string helper_;
};

// The control: outside the sandbox the setuid bit works (the filesystem is not nosuid).
TEST_F(SetuidInside, ControlOutsideGainsRoot) {
    RunResult r = run(as_nobody({helper_, "euid", "-"}));
    EXPECT_EQ(0, r.exit_status) << r.describe();
    EXPECT_EQ("0\n", r.out);
}

TEST_F(SetuidInside, InsideTheSandboxGainsNothing) {
    RunResult r = run(as_nobody(
        concat({{sandbox_bin()}, exec_flags(), {"--rox", dir_.string(), "--", helper_, "euid", "-"}})));
    EXPECT_EQ(0, r.exit_status) << r.describe();
    EXPECT_EQ("65534\n", r.out);
}

}  // namespace
}  // namespace sandbox_it
