#include <gtest/gtest.h>

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "config.h"
#include "policy/json_loader.hpp"
#include "policy/profile_path.hpp"

namespace sandbox {
namespace {

namespace fs = std::filesystem;

EnvLookup test_env() {
    return [](std::string_view name) -> std::optional<std::string> {
        if (name == "HOME") {
            return "/home/test";
        }
        return std::nullopt;
    };
}

LoadOptions options() {
    return {test_env(), {fs::path(SANDBOX_TEST_DATA) / "profiles"}, {}};
}

PolicyRef file(const std::string& path) {
    return {path, PolicyRef::Kind::File, {"", 0, 0, "--policy"}};
}

class TempDir : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/sandbox-loader-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override { fs::remove_all(dir_); }
    std::string write(const std::string& name, const std::string& text) {
        std::string p = dir_ + "/" + name;
        std::ofstream(p) << text;
        return p;
    }
    std::string dir_;
};

TEST(Loader, FullPolicyAndIncludesAreAUnion) {
    const std::string path = fs::path(SANDBOX_TEST_DATA) / "good/full.json";
    LoadResult r = load_policies({file(path)}, options());
    ASSERT_FALSE(r.diagnostics.has_errors()) << r.diagnostics.format();
    const Policy& p = r.policy;
    // full.json, base (profile) and extra.json; base is included twice but loaded once.
    ASSERT_EQ(p.files.size(), 3U);
    EXPECT_EQ(p.files[0], path);
    EXPECT_EQ(p.descriptions,
              (std::vector<std::string>{"every field", "base profile", "extra"}));
    EXPECT_EQ(p.min_abi, 4);
    std::vector<std::string> paths;
    for (const auto& rule : p.paths) {
        paths.push_back(rule.path);
    }
    EXPECT_EQ(paths, (std::vector<std::string>{"/etc/ssl", "/home/test/.curlrc", "/usr",
                                               "/home/test/work", "/var/log/app.log", "/lib",
                                               "/opt/extra"}));
    EXPECT_TRUE(p.paths[1].optional);
    EXPECT_FALSE(p.paths[0].optional);
    EXPECT_EQ(p.paths[2].access, group_rights(Group::Rox));
    EXPECT_EQ(p.paths[4].origin, RightsOrigin::Explicit);
    EXPECT_EQ(p.paths[4].access, (FsAccess{AccessFs::WriteFile, AccessFs::Truncate}));
    EXPECT_EQ(p.paths[4].source.to_string(), path + ":11:15");
    ASSERT_EQ(p.ports.size(), 3U);
    EXPECT_EQ(p.ports[2].port, 0);
    EXPECT_EQ(p.ports[2].right, AccessNet::BindTcp);
    EXPECT_EQ(p.unrestricted_scopes, ScopeSet{Scope::Signal});
    EXPECT_TRUE(p.env.clear);
    ASSERT_EQ(p.env.set.size(), 1U);
    EXPECT_EQ(p.env.set[0].value, "C.UTF-8");
    EXPECT_EQ(p.env.unset, (std::vector<std::string>{"SSH_AUTH_SOCK"}));
}

TEST_F(TempDir, UnionNeverRemovesPermissions) {
    std::string a = write("a.json", R"({"network": {"unrestricted": true}})");
    std::string b = write("b.json", R"({"network": {"unrestricted": false}, "min_abi": 2})");
    LoadResult r = load_policies({file(a), file(b)}, options());
    ASSERT_FALSE(r.diagnostics.has_errors()) << r.diagnostics.format();
    EXPECT_TRUE(r.policy.unrestricted_network);
    EXPECT_EQ(r.policy.min_abi, 2);
}

TEST_F(TempDir, IncludesResolveRelativeToTheIncludingFile) {
    fs::create_directories(dir_ + "/sub");
    write("sub/inner.json", R"({"filesystem": {"ro": ["/inner"]}})");
    std::string outer = write("outer.json", R"({"include": ["sub/inner.json"]})");
    LoadResult r = load_policies({file(outer)}, options());
    ASSERT_FALSE(r.diagnostics.has_errors()) << r.diagnostics.format();
    ASSERT_EQ(r.policy.paths.size(), 1U);
    EXPECT_EQ(r.policy.paths[0].source.file, dir_ + "/sub/inner.json");
}

TEST_F(TempDir, IncludeDepthLimit) {
    // level0 -> level1 -> ... -> levelN
    auto chain = [&](int n) {
        for (int i = 0; i < n; ++i) {
            write(fmt::format("level{}.json", i),
                  fmt::format(R"({{"include": ["level{}.json"]}})", i + 1));
        }
        write(fmt::format("level{}.json", n), R"({"filesystem": {"ro": ["/deep"]}})");
        return load_policies({file(dir_ + "/level0.json")}, options());
    };
    LoadResult ok = chain(16);
    EXPECT_FALSE(ok.diagnostics.has_errors()) << ok.diagnostics.format();
    EXPECT_EQ(ok.policy.paths.size(), 1U);
    LoadResult deep = chain(17);
    ASSERT_TRUE(deep.diagnostics.has_errors());
    EXPECT_NE(deep.diagnostics.format().find("includes nested deeper than 16 levels"),
              std::string::npos);
}

TEST_F(TempDir, IncludeCountLimit) {
    std::string list;
    for (int i = 0; i < 300; ++i) {
        write(fmt::format("f{}.json", i), "{}");
        list += fmt::format("{}\"f{}.json\"", i ? "," : "", i);
    }
    std::string top = write("top.json", fmt::format(R"({{"include": [{}]}})", list));
    LoadResult r = load_policies({file(top)}, options());
    ASSERT_TRUE(r.diagnostics.has_errors());
    EXPECT_EQ(r.diagnostics.error_count(), 300U - 255U);
    EXPECT_NE(r.diagnostics.format().find("more than 256 policy files"), std::string::npos);
}

TEST_F(TempDir, SelfIncludeIsACycle) {
    std::string self = write("self.json", R"({"include": ["self.json"]})");
    LoadResult r = load_policies({file(self)}, options());
    ASSERT_EQ(r.diagnostics.error_count(), 1U);
    EXPECT_NE(r.diagnostics.format().find("include cycle"), std::string::npos);
}

TEST_F(TempDir, NotRegularFilesAreRejected) {
    ASSERT_EQ(mkfifo((dir_ + "/fifo.json").c_str(), 0600), 0);
    for (const std::string& path : {dir_ + "/fifo.json", dir_, std::string("/dev/zero")}) {
        LoadResult r = load_policies({file(path)}, options());
        ASSERT_EQ(r.diagnostics.error_count(), 1U) << path;
        EXPECT_NE(r.diagnostics.format().find("is not a regular file"), std::string::npos)
            << r.diagnostics.format();
    }
}

TEST_F(TempDir, AMissingIncludeNamesTheErrno) {
    std::string outer = write("outer.json", R"({"include": ["gone.json"]})");
    LoadResult r = load_policies({file(outer)}, options());
    ASSERT_EQ(r.diagnostics.error_count(), 1U);
    EXPECT_EQ(r.diagnostics.format(),
              fmt::format("{0}/outer.json:1:14: error: cannot open policy file "
                          "\"{0}/gone.json\": No such file or directory (ENOENT)\n",
                          dir_));
}

TEST_F(TempDir, AnUnopenableIncludeNamesTheErrno) {
    // A symlink loop: open() fails even for root, which reads a mode-000 file.
    ASSERT_EQ(symlink("loop.json", (dir_ + "/loop.json").c_str()), 0);
    std::string outer = write("outer.json", R"({"include": ["loop.json"]})");
    LoadResult r = load_policies({file(outer)}, options());
    ASSERT_EQ(r.diagnostics.error_count(), 1U);
    EXPECT_NE(r.diagnostics.format().find("/loop.json\": Too many levels of symbolic links "
                                          "(ELOOP)"),
              std::string::npos)
        << r.diagnostics.format();
}

TEST_F(TempDir, SizeLimit) {
    std::string big = write("big.json", std::string(2000, ' ') + "{}");
    LoadOptions o = options();
    o.limits.max_file_bytes = 1000;
    LoadResult r = load_policies({file(big)}, o);
    ASSERT_EQ(r.diagnostics.error_count(), 1U);
    EXPECT_NE(r.diagnostics.format().find("larger than 1000 bytes"), std::string::npos);
}

TEST_F(TempDir, ProfilesFromTheSearchPath) {
    fs::create_directories(dir_ + "/first");
    fs::create_directories(dir_ + "/second");
    write("first/tool.json", R"({"description": "first"})");
    write("second/tool.json", R"({"description": "second"})");
    LoadOptions o{test_env(), {dir_ + "/first", dir_ + "/second"}, {}};
    LoadResult r = load_policies({{"tool", PolicyRef::Kind::Profile, {}}}, o);
    ASSERT_FALSE(r.diagnostics.has_errors()) << r.diagnostics.format();
    EXPECT_EQ(r.policy.descriptions, (std::vector<std::string>{"first"}));
    LoadResult bad = load_policies({{"../etc/passwd", PolicyRef::Kind::Profile, {}}}, o);
    EXPECT_TRUE(bad.diagnostics.has_errors());
}

TEST(ProfilePath, SearchOrder) {
    EnvLookup env = [](std::string_view name) -> std::optional<std::string> {
        if (name == "SANDBOX_POLICY_PATH") {
            return "/a::/b";
        }
        if (name == "HOME") {
            return "/home/u";
        }
        return std::nullopt;
    };
    auto dirs = profile_search_path(env, BuildTree::No);
    ASSERT_GE(dirs.size(), 5U);
    EXPECT_EQ(dirs[0], "/a");
    EXPECT_EQ(dirs[1], "/b");
    EXPECT_EQ(dirs[2], "/home/u/.config/sandbox/policies");
    EXPECT_EQ(dirs[3], "/etc/sandbox/policies");
    EXPECT_EQ(profile_search_path(env, BuildTree::Yes).size(), dirs.size() + 1);
    EXPECT_TRUE(is_profile_name("curl"));
    EXPECT_TRUE(is_profile_name("git-ro"));
    EXPECT_FALSE(is_profile_name("a/b"));
    EXPECT_FALSE(is_profile_name("x.json"));
    EXPECT_FALSE(is_profile_name(".hidden"));
    EXPECT_FALSE(is_profile_name(""));
}

TEST(Loader, ErrorsCarryPositions) {
    Diagnostics d;
    LoadOptions o = options();
    parse_policy_text("{\n  \"network\": {\"connect_tcp\": [65536]}\n}", "t.json", o, d);
    ASSERT_EQ(d.error_count(), 1U);
    EXPECT_EQ(d.items()[0].where.to_string(), "t.json:2:31");
}

/// An optional entry that names an unset variable is left out, not an error
/// (the ssh profile's agent socket without an agent); what was expanded is
/// remembered for the expansion guard.
TEST(Loader, OptionalEntriesWithUnsetVariablesAreSkipped) {
    Diagnostics d;
    ParsedFile f = parse_policy_text(R"({"filesystem": {
  "unix": [{"path": "${AGENT}", "optional": true}],
  "ro": ["~/docs", "/etc"],
  "rules": [{"path": "${AGENT}/x", "access": ["read_file"], "optional": true}]
}})",
                                     "t.json", options(), d);
    EXPECT_FALSE(d.has_errors()) << d.format();
    ASSERT_EQ(f.policy.unexpanded.size(), 2U);
    EXPECT_EQ(f.policy.unexpanded[0].written, "${AGENT}");
    EXPECT_EQ(f.policy.unexpanded[0].variable, "AGENT");
    EXPECT_EQ(f.policy.unexpanded[0].source.to_string(), "t.json:2:21");
    ASSERT_EQ(f.policy.paths.size(), 2U);
    EXPECT_EQ(f.policy.paths[0].path, "/home/test/docs");
    EXPECT_EQ(f.policy.paths[0].written, "~/docs");
    EXPECT_EQ(f.policy.paths[1].written, "");  // nothing expanded
    EXPECT_FALSE(f.policy.allows_unix_sockets());

    // Without "optional" the same entry is an error.
    Diagnostics strict;
    parse_policy_text(R"({"filesystem": {"unix": ["${AGENT}"]}})", "s.json", options(), strict);
    EXPECT_EQ(strict.error_count(), 1U);
}

TEST(Loader, DenyEntries) {
    Diagnostics d;
    ParsedFile f = parse_policy_text(R"({"filesystem": {
  "rw": ["~"],
  "deny": ["~/.ssh", {"path": "${NOPE}/x", "optional": true}, {"path": "/k", "optional": true}]
}})",
                                     "t.json", options(), d);
    EXPECT_FALSE(d.has_errors()) << d.format();
    ASSERT_EQ(f.policy.denies.size(), 2U);
    EXPECT_EQ(f.policy.denies[0].path, "/home/test/.ssh");
    EXPECT_EQ(f.policy.denies[0].written, "~/.ssh");
    EXPECT_EQ(f.policy.denies[0].source.to_string(), "t.json:3:12");
    EXPECT_FALSE(f.policy.denies[0].optional);
    EXPECT_EQ(f.policy.denies[1].path, "/k");
    EXPECT_TRUE(f.policy.denies[1].optional);
    ASSERT_EQ(f.policy.unexpanded.size(), 1U);  // the optional entry naming an unset variable
    ASSERT_EQ(f.policy.paths.size(), 1U);

    Diagnostics bad;
    parse_policy_text(R"({"filesystem": {"deny": ["rel", 3, {"optional": true}, {"path": "/a", "x": 1}]}})",
                      "b.json", options(), bad);
    EXPECT_EQ(bad.error_count(), 4U) << bad.format();

    // Merged by union.
    Policy a;
    a.denies.push_back({"/a", "", false, {}});
    Policy b;
    b.denies.push_back({"/b", "", false, {}});
    a.merge(std::move(b));
    EXPECT_EQ(a.denies.size(), 2U);
}

TEST(Loader, DeepJsonIsAnErrorNotACrash) {
    Diagnostics d;
    std::string deep(100000, '[');
    parse_policy_text(deep, "deep.json", options(), d);
    ASSERT_EQ(d.error_count(), 1U);
    EXPECT_NE(d.format().find("nesting deeper than"), std::string::npos);
}

// Words people write for a right get a "did you mean" like near misses do
// (issue 13 item 5): edit distance alone misses "read" and "write".
struct RightHintCase {
    const char* written;
    const char* hint;
};

class RightHints : public ::testing::TestWithParam<RightHintCase> {};

TEST_P(RightHints, UnknownRightGetsAHint) {
    const RightHintCase& c = GetParam();
    Diagnostics d;
    const std::string text = fmt::format(
        "{{\"filesystem\": {{\"rules\": [{{\"path\": \"/x\", \"access\": [\"{}\"]}}]}}}}",
        c.written);
    parse_policy_text(text, "t.json", options(), d);
    ASSERT_EQ(d.error_count(), 1U) << d.format();
    ASSERT_EQ(d.items()[0].hints.size(), 1U) << d.format();
    EXPECT_EQ(d.items()[0].hints[0], c.hint);
}

INSTANTIATE_TEST_SUITE_P(
    Loader, RightHints,
    ::testing::Values(RightHintCase{"read", "did you mean \"read_file\" (or \"read_dir\")?"},
                      RightHintCase{"READ", "did you mean \"read_file\" (or \"read_dir\")?"},
                      RightHintCase{"write", "did you mean \"write_file\"?"},
                      RightHintCase{"exec", "did you mean \"execute\"?"},
                      RightHintCase{"delete", "did you mean \"remove_file\" (or \"remove_dir\")?"},
                      RightHintCase{"raed_file", "did you mean \"read_file\"?"},
                      RightHintCase{"write_access", "did you mean \"write_file\"?"}),
    [](const auto& p) {
        std::string name = p.param.written;
        for (char& ch : name) {
            if (ch == '_') {
                ch = 'x';
            }
        }
        return name;
    });

// Problems in shipped profiles (installed or in the source tree) name the
// profile and what to do instead of editing it; other files get no such hint.
TEST(ProfilePath, ShippedProfilesAreRecognised) {
    EXPECT_EQ(shipped_profile_name(SANDBOX_SOURCE_POLICIES "/curl.json"), "curl");
    EXPECT_EQ(shipped_profile_name(SANDBOX_DATADIR_POLICIES "/git-ro.json"), "git-ro");
    EXPECT_EQ(shipped_profile_name("/home/u/.config/sandbox/policies/curl.json"), std::nullopt);
    EXPECT_EQ(shipped_profile_name(SANDBOX_SOURCE_POLICIES "x/curl.json"), std::nullopt);
    EXPECT_EQ(shipped_profile_name("t.json"), std::nullopt);
    const auto hint = shipped_profile_hint(SANDBOX_SOURCE_POLICIES "/curl.json");
    ASSERT_TRUE(hint);
    EXPECT_EQ(*hint,
              "the profile \"curl\" is shipped with sandbox; add what you need with flags (e.g. "
              "--ro PATH, --ignore-missing) or copy it to ~/.config/sandbox/policies/curl.json and "
              "change the copy");
}

} // namespace
} // namespace sandbox
