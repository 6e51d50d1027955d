// --deny PATH and "filesystem": {"deny": [...]}: the denied directory is
// unreadable, unwritable and unlistable while its siblings keep the rights of
// the broader rule; the ancestor's own directory rights are dropped and
// --explain says so. As root and as uid 65534.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "harness.hpp"

namespace sandbox_it {
namespace {

using nlohmann::json;

const char* const kSetpriv = "/usr/bin/setpriv";

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// A fake home:
//   h/.ssh/id_rsa  h/docs/a  h/f  h/sub/.ssh2/k  h/sub/x  h/link -> .ssh
class DenyTest : public SandboxTest {
protected:
    void SetUp() override {
        SandboxTest::SetUp();
        make_dir("h/.ssh");
        make_dir("h/docs");
        make_dir("h/sub/.ssh2");
        make_file("h/.ssh/id_rsa", "secret");
        make_file("h/docs/a", "doc");
        make_file("h/f", "file");
        make_file("h/sub/.ssh2/k", "key");
        make_file("h/sub/x", "x");
        std::filesystem::create_directory_symlink(".ssh", path("h/link"));
        h_ = path("h");
    }

    // Opens the tree to every user, so that as uid 65534 only Landlock denies.
    void open_to_everyone() {
        namespace fs = std::filesystem;
        fs::permissions(dir_, fs::perms(0755));
        for (const auto& e : fs::recursive_directory_iterator(dir_)) {
            if (e.is_symlink()) {
                continue;
            }
            fs::permissions(e.path(), e.is_directory() ? fs::perms(0777) : fs::perms(0666));
        }
    }

    // `sandbox exec_flags() FLAGS -- probe OP ARGS` as uid 65534.
    std::string probe_as_nobody(const Args& flags, const Args& op) {
        RunResult r = run(concat({{kSetpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
                                   sandbox_bin()},
                                  exec_flags(), flags, {"--", probe_bin()}, op}));
        std::string out = r.out;
        while (!out.empty() && out.back() == '\n') {
            out.pop_back();
        }
        if (r.term_signal == 0 && (r.exit_status == 0 || r.exit_status == 1) && !out.empty()) {
            return out;
        }
        return "<no probe result: " + r.describe() + ">";
    }

    // The key checks of `--rw h --deny h/.ssh` (given as FLAGS).
    template <typename Probe>
    void expect_ssh_carved(const Args& flags, Probe&& run_probe) {
        // Siblings: as granted (rw).
        EXPECT_EQ("OK", run_probe(flags, {"read", path("h/docs/a")}));
        EXPECT_EQ("OK", run_probe(flags, {"write", path("h/f")}));
        EXPECT_EQ("OK", run_probe(flags, {"read", path("h/f")}));
        EXPECT_EQ("OK", run_probe(flags, {"create", path("h/docs/new")}));
        EXPECT_EQ("OK", run_probe(flags, {"readdir", path("h/docs")}));
        EXPECT_EQ("OK", run_probe(flags, {"readdir", path("h/sub/.ssh2")}));
        // The denied directory: unreadable, unwritable, unlistable.
        EXPECT_EQ("EACCES", run_probe(flags, {"read", path("h/.ssh/id_rsa")}));
        EXPECT_EQ("EACCES", run_probe(flags, {"write", path("h/.ssh/id_rsa")}));
        EXPECT_EQ("EACCES", run_probe(flags, {"create", path("h/.ssh/new")}));
        EXPECT_EQ("EACCES", run_probe(flags, {"readdir", path("h/.ssh")}));
        EXPECT_EQ("EACCES", run_probe(flags, {"unlink", path("h/.ssh/id_rsa")}));
        // Not through a sibling symlink either.
        EXPECT_EQ("EACCES", run_probe(flags, {"read", path("h/link/id_rsa")}));
        // The ancestor's own directory rights are dropped.
        EXPECT_EQ("EACCES", run_probe(flags, {"readdir", h_}));
        EXPECT_EQ("EACCES", run_probe(flags, {"create", path("h/new")}));
        EXPECT_EQ("EACCES", run_probe(flags, {"mkdir", path("h/newdir")}));
        EXPECT_EQ("EACCES", run_probe(flags, {"unlink", path("h/f")}));
        // On disk: what was allowed happened, nothing else.
        EXPECT_TRUE(exists(path("h/docs/new")));
        EXPECT_TRUE(exists(path("h/.ssh/id_rsa")));
        EXPECT_FALSE(exists(path("h/.ssh/new")));
        EXPECT_FALSE(exists(path("h/new")));
        EXPECT_EQ("secret", read_file(path("h/.ssh/id_rsa")));
    }

    std::string h_;
};

auto as_root() {
    return [](const Args& flags, const Args& op) { return probe(flags, op); };
}

TEST_F(DenyTest, FlagCarvesOutTheDirectory) {
    expect_ssh_carved({"--rw", h_, "--deny", path("h/.ssh")}, as_root());
}

TEST_F(DenyTest, JsonPolicyCarvesOutTheDirectory) {
    const std::string policy =
        write_policy("p.json", {{"filesystem", {{"rw", {h_}}, {"deny", {path("h/.ssh")}}}}});
    expect_ssh_carved({"--policy", policy}, as_root());
}

TEST_F(DenyTest, JsonObjectEntryAndTilde) {
    const std::string policy = write_policy(
        "p.json", {{"filesystem", {{"ro", {"~"}}, {"deny", json::array({json::object({{"path", "~/.ssh"}})})}}}});
    RunOptions options = with_env(environment_with({"HOME=" + h_}));
    EXPECT_EQ("EACCES", probe({"--policy", policy}, {"read", path("h/.ssh/id_rsa")}, options));
    EXPECT_EQ("OK", probe({"--policy", policy}, {"read", path("h/docs/a")}, options));
}

TEST_F(DenyTest, AsUnprivilegedUser) {
    open_to_everyone();
    // Without a sandbox, uid 65534 may do all of it: only Landlock denies below.
    EXPECT_EQ("OK", probe_as_nobody({"--unrestricted-filesystem"}, {"read", path("h/.ssh/id_rsa")}));
    EXPECT_EQ("OK", probe_as_nobody({"--unrestricted-filesystem"}, {"readdir", h_}));
    expect_ssh_carved({"--rw", h_, "--deny", path("h/.ssh")},
                      [this](const Args& flags, const Args& op) {
                          return probe_as_nobody(flags, op);
                      });
    const std::string policy =
        write_policy("p.json", {{"filesystem", {{"rw", {h_}}, {"deny", {path("h/.ssh")}}}}});
    std::filesystem::permissions(policy, std::filesystem::perms(0644));
    EXPECT_EQ("EACCES", probe_as_nobody({"--policy", policy}, {"read", path("h/.ssh/id_rsa")}));
    EXPECT_EQ("EACCES", probe_as_nobody({"--policy", policy}, {"readdir", h_}));
    EXPECT_EQ("OK", probe_as_nobody({"--policy", policy}, {"write", path("h/docs/a")}));
}

TEST_F(DenyTest, DeeperDenyCarvesEveryLevel) {
    const Args flags{"--ro", h_, "--deny", path("h/sub/.ssh2")};
    EXPECT_EQ("OK", probe(flags, {"read", path("h/sub/x")}));
    EXPECT_EQ("OK", probe(flags, {"read", path("h/.ssh/id_rsa")}));
    EXPECT_EQ("OK", probe(flags, {"readdir", path("h/docs")}));
    EXPECT_EQ("EACCES", probe(flags, {"read", path("h/sub/.ssh2/k")}));
    EXPECT_EQ("EACCES", probe(flags, {"readdir", path("h/sub/.ssh2")}));
    EXPECT_EQ("EACCES", probe(flags, {"readdir", path("h/sub")}));
    EXPECT_EQ("EACCES", probe(flags, {"readdir", h_}));
    EXPECT_EQ("EACCES", probe(flags, {"write", path("h/f")}));  // ro stays ro

    RunResult r = run_sandbox(concat({flags, {"--explain=json"}}));
    ASSERT_EQ(0, r.exit_status) << r.describe();
    const json j = json::parse(r.out);
    ASSERT_EQ(1U, j.at("denied").size());
    const json& replaced = j.at("denied")[0].at("replaced");
    ASSERT_EQ(1U, replaced.size());
    const json& dropped = replaced[0].at("dropped_on");
    ASSERT_EQ(2U, dropped.size()) << dropped.dump();
    EXPECT_EQ(h_, dropped[0].at("dir"));
    EXPECT_EQ(path("h/sub"), dropped[1].at("dir"));
    EXPECT_EQ(json({"read_dir"}), dropped[1].at("rights"));
}

TEST_F(DenyTest, ExplainShowsDroppedRights) {
    const Args flags{"--rw", h_, "--deny", path("h/.ssh"), "--explain"};
    RunResult r = run_sandbox(flags);
    ASSERT_EQ(0, r.exit_status) << r.describe();
    EXPECT_TRUE(contains(r.out, "denied (carved out):\n  " + path("h/.ssh") +
                                    " (from command line (--deny " + path("h/.ssh") + "))"))
        << r.out;
    EXPECT_TRUE(contains(r.out, "    replaced the rw rule on " + h_ + " (from command line (--rw " +
                                    h_ + ")) by 3 rule(s) on the other entries"))
        << r.out;
    EXPECT_TRUE(contains(r.out, "      no read_dir,remove_dir,remove_file,make_char,make_dir,"
                                "make_reg,make_sock,make_fifo,make_block,make_sym,refer on " +
                                    h_ + " itself (would reach into " + path("h/.ssh") + ")"))
        << r.out;
    EXPECT_TRUE(contains(r.out, "    skipped symlink " + path("h/link") + " -> " +
                                    path("h/.ssh")))
        << r.out;
    EXPECT_TRUE(contains(r.out, "    snapshot: entries created in these directories after "
                                "launch are not covered (denied)"))
        << r.out;
    // Generated rules say where they come from.
    EXPECT_TRUE(contains(r.out, "      from: command line (--rw " + h_ + ") (carved by --deny " +
                                    path("h/.ssh") + ")"))
        << r.out;

    r = run_sandbox({"--rw", h_, "--deny", path("h/.ssh"), "--explain=json"});
    ASSERT_EQ(0, r.exit_status) << r.describe();
    const json j = json::parse(r.out);
    const json& d = j.at("denied").at(0);
    EXPECT_EQ(path("h/.ssh"), d.at("path"));
    EXPECT_EQ("command line (--deny " + path("h/.ssh") + ")", d.at("source"));
    const json& rep = d.at("replaced").at(0);
    EXPECT_EQ(h_, rep.at("path"));
    EXPECT_EQ("command line (--rw " + h_ + ")", rep.at("source"));
    EXPECT_EQ(3, rep.at("generated"));  // docs, f, sub (not .ssh, not the link to it)
    const json& rights = rep.at("dropped_on").at(0).at("rights");
    EXPECT_NE(rights.end(), std::find(rights.begin(), rights.end(), "read_dir"));
    EXPECT_NE(rights.end(), std::find(rights.begin(), rights.end(), "make_reg"));
    EXPECT_EQ(json::array({{{"path", path("h/link")}, {"target", path("h/.ssh")}}}),
              d.at("skipped_symlinks"));
    EXPECT_TRUE(d.at("snapshot").is_string());
    bool found = false;
    for (const auto& rule : j.at("rules")) {
        EXPECT_NE(h_, rule.at("path"));
        EXPECT_FALSE(contains(rule.at("path").get<std::string>(), "/.ssh"));
        if (rule.at("path") == path("h/docs")) {
            found = true;
            EXPECT_EQ("command line (--rw " + h_ + ") (carved by --deny " + path("h/.ssh") + ")",
                      rule.at("source"));
        }
    }
    EXPECT_TRUE(found) << j.at("rules").dump();
}

TEST_F(DenyTest, UncoveredDenyWarnsAndRuns) {
    RunResult r = run_sandbox(concat({exec_flags(),
                                      {"--ro", path("h/docs"), "--deny", path("h/.ssh"), "--",
                                       probe_bin(), "read", path("h/docs/a")}}));
    EXPECT_EQ(0, r.exit_status) << r.describe();
    EXPECT_EQ("OK\n", r.out);
    EXPECT_TRUE(contains(r.err, "warning: nothing to deny: no rule allows anything on or above"))
        << r.err;
    r = run_sandbox(concat({exec_flags(), {"--ro", path("h/docs"), "--deny", path("h/none"), "--",
                                           probe_bin(), "read", path("h/docs/a")}}));
    EXPECT_EQ(0, r.exit_status) << r.describe();
    EXPECT_TRUE(contains(r.err, "warning: nothing to deny: \"" + path("h/none") +
                                    "\" does not exist"))
        << r.err;
}

TEST_F(DenyTest, RuleInsideTheDenyIsRemoved) {
    const Args flags{"--rw", h_, "--ro", path("h/.ssh"), "--deny", path("h/.ssh")};
    EXPECT_EQ("EACCES", probe(flags, {"read", path("h/.ssh/id_rsa")}));
    RunResult r = run_sandbox(concat({flags, {"--explain=json"}}));
    ASSERT_EQ(0, r.exit_status) << r.describe();
    const json j = json::parse(r.out);
    EXPECT_EQ(path("h/.ssh"), j.at("denied").at(0).at("removed").at(0).at("path"));
}

// A rule through a symlink lands on its target, and is carved there.
TEST_F(DenyTest, RuleThroughASymlinkIsCarved) {
    std::filesystem::create_directory_symlink(h_, path("hl"));
    const Args flags{"--rw", path("hl"), "--deny", path("h/.ssh")};
    EXPECT_EQ("EACCES", probe(flags, {"read", path("h/.ssh/id_rsa")}));
    EXPECT_EQ("EACCES", probe(flags, {"read", path("hl/.ssh/id_rsa")}));
    EXPECT_EQ("OK", probe(flags, {"read", path("hl/docs/a")}));
    // And the other way round: the deny named through the symlink.
    const Args other{"--rw", h_, "--deny", path("hl/.ssh")};
    EXPECT_EQ("EACCES", probe(other, {"read", path("h/.ssh/id_rsa")}));
    EXPECT_EQ("OK", probe(other, {"read", path("h/f")}));
}

TEST_F(DenyTest, UnrestrictedFilesystemCannotDeny) {
    RunResult r = run_sandbox(concat({exec_flags(), {"--unrestricted-filesystem", "--deny",
                                                     path("h/.ssh"), "--", probe_bin(), "read",
                                                     path("h/.ssh/id_rsa")}}));
    EXPECT_TRUE(is_launcher_error(r));
    EXPECT_EQ("", r.out);
}

TEST_F(DenyTest, TooManyRulesIsAClearError) {
    make_dir("big/secret");
    for (int i = 0; i < 10001; ++i) {
        make_file("big/f" + std::to_string(i));
    }
    RunResult r = run_sandbox(concat({exec_flags(), {"--ro", path("big"), "--deny",
                                                     path("big/secret"), "--", probe_bin(),
                                                     "read", path("big/f1")}}));
    EXPECT_EQ(125, r.exit_status) << r.describe();
    EXPECT_TRUE(contains(r.err, "cannot carve \"" + path("big/secret") + "\"")) << r.err;
    EXPECT_TRUE(contains(r.err, "more than 10000 rules")) << r.err;
    EXPECT_TRUE(contains(r.err, "hint: deny something deeper")) << r.err;
    EXPECT_TRUE(is_launcher_error(r));
    EXPECT_EQ("", r.out);
}

}  // namespace
}  // namespace sandbox_it
