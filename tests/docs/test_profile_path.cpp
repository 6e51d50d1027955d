// The profile search path (PRODUCT §4, sandbox-policy(5)) with the real
// binary: the build tree's policies/, $SANDBOX_POLICY_PATH first (first
// directory wins), the user's $XDG_CONFIG_HOME or ~/.config shadowing the
// system profile, includes by name, --explain naming the file each rule came
// from, and the error for an unknown profile.
//
// Environment (tests/docs/meson.build): SANDBOX_BIN, SANDBOX_SOURCE_ROOT,
// SANDBOX_DATADIR_POLICIES (the compiled-in installed policies directory).
#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "harness.hpp"

namespace {

using namespace sandbox_it;

std::string datadir_policies() {
    const char* d = std::getenv("SANDBOX_DATADIR_POLICIES");
    return d != nullptr ? d : "";
}

class ProfilePath : public SandboxTest {
protected:
    void SetUp() override {
        SandboxTest::SetUp();
        ASSERT_FALSE(datadir_policies().empty()) << "SANDBOX_DATADIR_POLICIES is not set";
        home_ = make_dir("home");
        target_ = make_dir("target");
    }

    /// A profile whose only rule is "ro" on target_, at line 3 column 25.
    std::string write_profile(const std::string& dir, const std::string& name) {
        make_dir(dir);
        return make_file(dir + "/" + name + ".json",
                         "{\n  \"include\": [],\n  \"filesystem\": {\"ro\": [\"" + target_ +
                             "\"]}\n}\n");
    }

    /// The environment with HOME in the test directory, no XDG_CONFIG_HOME
    /// and no SANDBOX_POLICY_PATH, plus `set`.
    std::vector<std::string> env(std::vector<std::string> set = {}) const {
        set.push_back("HOME=" + home_);
        return environment_with(set, {"XDG_CONFIG_HOME", "SANDBOX_POLICY_PATH"});
    }

    RunResult explain(const std::string& profile, const std::vector<std::string>& e) {
        return run_sandbox({"--explain", "--profile", profile}, with_env(e));
    }

    /// The "from:" line under target_'s rule.
    std::string target_from(const RunResult& r) const {
        const auto all = lines(r.out);
        for (std::size_t i = 0; i < all.size(); ++i) {
            if (all[i].starts_with("  " + target_ + " ")) {
                for (std::size_t j = i + 1; j < all.size() && all[j].starts_with("      "); ++j) {
                    if (all[j].starts_with("      from: ")) {
                        return all[j].substr(12);
                    }
                }
            }
        }
        return "<no rule for " + target_ + " in --explain>";
    }

    static std::string policy_files(const RunResult& r) {
        for (const auto& line : lines(r.out)) {
            if (line.starts_with("policy files: ")) {
                return line.substr(14);
            }
        }
        return "<no policy files line>";
    }

    std::string home_;
    std::string target_;
};

TEST_F(ProfilePath, BuildTreeFindsTheSourceTreeProfile) {
    // The first of the system directories that has shell.json; on a machine
    // without an installed sandbox that is the source tree's policies/.
    std::string expected;
    for (const std::string& dir : {std::string("/etc/sandbox/policies"), datadir_policies(),
                                  source_root() + "/policies"}) {
        if (exists(dir + "/shell.json")) {
            expected = dir + "/shell.json";
            break;
        }
    }
    ASSERT_EQ(expected.empty(), false);
    auto r = explain("shell", env());
    ASSERT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_TRUE(policy_files(r).starts_with(expected + ", ")) << policy_files(r);
}

TEST_F(ProfilePath, SandboxPolicyPathComesFirstAndTheFirstDirectoryWins) {
    auto a = write_profile("a", "shell");
    auto b = write_profile("b", "shell");
    auto r = explain("shell", env({"SANDBOX_POLICY_PATH=" + path("a") + ":" + path("b")}));
    ASSERT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_EQ(policy_files(r), a);
    EXPECT_EQ(target_from(r), a + ":3:25");

    r = explain("shell", env({"SANDBOX_POLICY_PATH=::" + path("b") + "::" + path("a")}));
    ASSERT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_EQ(policy_files(r), b);
    EXPECT_EQ(target_from(r), b + ":3:25");
}

TEST_F(ProfilePath, XdgConfigHomeShadowsTheSystemProfile) {
    auto mine = write_profile("xdg/sandbox/policies", "shell");
    write_profile("home/.config/sandbox/policies", "shell");
    auto r = explain("shell", env({"XDG_CONFIG_HOME=" + path("xdg")}));
    ASSERT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_EQ(policy_files(r), mine);
    EXPECT_EQ(target_from(r), mine + ":3:25");
}

TEST_F(ProfilePath, DotConfigShadowsTheSystemProfileWhenXdgIsUnsetOrEmpty) {
    auto mine = write_profile("home/.config/sandbox/policies", "shell");
    auto r = explain("shell", env());
    ASSERT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_EQ(policy_files(r), mine);
    EXPECT_EQ(target_from(r), mine + ":3:25");

    r = explain("shell", env({"XDG_CONFIG_HOME="}));
    ASSERT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_EQ(policy_files(r), mine);
}

TEST_F(ProfilePath, SandboxPolicyPathBeatsTheUserDirectory) {
    write_profile("home/.config/sandbox/policies", "shell");
    auto first = write_profile("first", "shell");
    auto r = explain("shell", env({"SANDBOX_POLICY_PATH=" + path("first")}));
    ASSERT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_EQ(policy_files(r), first);
}

TEST_F(ProfilePath, IncludeByNameUsesTheSameSearch) {
    auto base = write_profile("home/.config/sandbox/policies", "docs-base");
    auto top = make_file("top.json", "{\"include\": [\"docs-base\"]}\n");
    auto r = run_sandbox({"--explain", "--policy", top}, with_env(env()));
    ASSERT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_EQ(policy_files(r), top + ", " + base);
    EXPECT_EQ(target_from(r), base + ":3:25");

    // A profile on SANDBOX_POLICY_PATH shadows it, for includes too.
    auto over = write_profile("over", "docs-base");
    r = run_sandbox({"--explain", "--policy", top},
                    with_env(env({"SANDBOX_POLICY_PATH=" + path("over")})));
    ASSERT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_EQ(policy_files(r), top + ", " + over);
    EXPECT_EQ(target_from(r), over + ":3:25");
}

TEST_F(ProfilePath, UnknownProfileIsOneErrorWithTheDirectoriesSearched) {
    auto r = run_sandbox({"--profile", "docs-no-such-profile", "--", "true"},
                         with_env(env({"SANDBOX_POLICY_PATH=" + path("p1") + ":" + path("p2"),
                                       "XDG_CONFIG_HOME=" + path("xdg")})));
    EXPECT_EQ(r.exit_status, 125) << r.describe();
    EXPECT_EQ(r.out, "");
    const std::vector<std::string> expected{
        "sandbox: error: --profile docs-no-such-profile: profile \"docs-no-such-profile\" "
        "not found",
        "  hint: searched: " + path("p1") + ", " + path("p2") + ", " + path("xdg") +
            "/sandbox/policies, /etc/sandbox/policies, " + datadir_policies() + ", " +
            source_root() + "/policies"};
    EXPECT_EQ(r.err_lines(), expected) << r.describe();
}

TEST_F(ProfilePath, UnknownIncludeNamesTheIncludingFile) {
    auto top = make_file("top.json", "{\n  \"include\": [\"docs-no-such-profile\"]\n}\n");
    auto r = run_sandbox({"--policy", top, "--", "true"}, with_env(env()));
    EXPECT_EQ(r.exit_status, 125) << r.describe();
    const std::vector<std::string> expected{
        top + ":2:15: error: profile \"docs-no-such-profile\" not found",
        "  hint: searched: " + home_ + "/.config/sandbox/policies, /etc/sandbox/policies, " +
            datadir_policies() + ", " + source_root() + "/policies",
        "sandbox: error: invalid policy: 1 error(s)"};
    EXPECT_EQ(r.err_lines(), expected) << r.describe();
}

}  // namespace
