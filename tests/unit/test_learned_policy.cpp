// --learn's pure half: operations to rights (observations.hpp) and the
// generalisation into a policy file (learned_policy.hpp).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>

#include "policy/json_loader.hpp"
#include "policy/learned_policy.hpp"

namespace sandbox {
namespace {

const FsAccess kRead{AccessFs::ReadFile};
const FsAccess kRun{AccessFs::ReadFile, AccessFs::Execute};

LearnContext context() {
    LearnContext c;
    c.home = "/home/u";
    c.pwd = "/home/u/proj";
    c.tmpdir = "/tmp";
    c.command = "prog --flag";
    c.date = "2026-12-07";
    return c;
}

KnownPolicy block(std::string name, std::vector<std::pair<std::string, FsAccess>> rules,
                  std::vector<std::uint16_t> connect = {}) {
    KnownPolicy k{std::move(name), {}};
    for (auto& [path, access] : rules) {
        PathRule r;
        r.path = path;
        r.access = access;
        k.policy.paths.push_back(r);
    }
    for (std::uint16_t port : connect) {
        k.policy.ports.push_back({port, AccessNet::ConnectTcp, {}});
    }
    return k;
}

const LearnedRule* rule(const LearnedPolicy& p, const std::string& path) {
    for (const LearnedRule& r : p.rules) {
        if (r.path == path) {
            return &r;
        }
    }
    return nullptr;
}

TEST(OpenRights, FollowTheAccessModeAndTheObject) {
    EXPECT_EQ(open_rights(O_RDONLY, FileKind::Regular), kRead);
    EXPECT_EQ(open_rights(O_RDONLY | O_DIRECTORY, FileKind::Directory), FsAccess{AccessFs::ReadDir});
    EXPECT_EQ(open_rights(O_WRONLY | O_TRUNC, FileKind::Regular),
              (FsAccess{AccessFs::WriteFile, AccessFs::Truncate}));
    EXPECT_EQ(open_rights(O_RDWR, FileKind::CharDevice),
              (FsAccess{AccessFs::ReadFile, AccessFs::WriteFile}));
    // O_TRUNC truncates regular files only; O_PATH is not checked at all.
    EXPECT_EQ(open_rights(O_WRONLY | O_TRUNC, FileKind::CharDevice), FsAccess{AccessFs::WriteFile});
    EXPECT_TRUE(open_rights(O_PATH | O_RDONLY, FileKind::Regular).empty());
}

TEST(OpenRights, MakeAndRemoveRightsPerKind) {
    EXPECT_EQ(make_right(file_kind(S_IFREG)), AccessFs::MakeReg);
    EXPECT_EQ(make_right(file_kind(0)), AccessFs::MakeReg);  // mknod(path, 0644)
    EXPECT_EQ(make_right(file_kind(S_IFDIR)), AccessFs::MakeDir);
    EXPECT_EQ(make_right(file_kind(S_IFIFO)), AccessFs::MakeFifo);
    EXPECT_EQ(make_right(file_kind(S_IFSOCK)), AccessFs::MakeSock);
    EXPECT_EQ(make_right(file_kind(S_IFCHR)), AccessFs::MakeChar);
    EXPECT_EQ(make_right(file_kind(S_IFBLK)), AccessFs::MakeBlock);
    EXPECT_EQ(make_right(file_kind(S_IFLNK)), AccessFs::MakeSym);
    EXPECT_EQ(remove_right(FileKind::Directory), AccessFs::RemoveDir);
    EXPECT_EQ(remove_right(FileKind::Symlink), AccessFs::RemoveFile);
}

TEST(LearnedPolicy, CreatedFilesFoldIntoTheDirectoryTheyWereCreatedIn) {
    Observations seen;
    seen.use("/tmp", {AccessFs::MakeReg, AccessFs::MakeDir}, true);
    seen.created("/tmp/tmp.Xa81", true);
    seen.use("/tmp/tmp.Xa81", {AccessFs::MakeReg, AccessFs::RemoveFile}, true);
    seen.created("/tmp/tmp.Xa81/f", false);
    seen.use("/tmp/tmp.Xa81/f", {AccessFs::WriteFile, AccessFs::ReadFile});
    seen.created("/tmp/out.Q2", false);
    seen.use("/tmp/out.Q2", {AccessFs::WriteFile});
    LearnedPolicy p = generalise(seen, context());
    ASSERT_EQ(p.rules.size(), 1U);
    EXPECT_EQ(p.rules[0].path, "${TMPDIR:-/tmp}");
    EXPECT_EQ(p.rules[0].access,
              (FsAccess{AccessFs::MakeReg, AccessFs::MakeDir, AccessFs::RemoveFile,
                        AccessFs::WriteFile, AccessFs::ReadFile}));
}

TEST(LearnedPolicy, GoneObjectsFoldToo) {
    Observations seen;
    seen.use("/home/u/proj", {AccessFs::RemoveFile}, true);
    seen.use("/home/u/proj/old.log", {AccessFs::ReadFile});
    LearnContext c = context();
    c.gone = {"/home/u/proj/old.log"};
    LearnedPolicy p = generalise(seen, c);
    ASSERT_EQ(p.rules.size(), 1U);
    EXPECT_EQ(p.rules[0].path, "${PWD}");
    EXPECT_EQ(p.rules[0].access, (FsAccess{AccessFs::RemoveFile, AccessFs::ReadFile}));
}

TEST(LearnedPolicy, BuildingBlocksAreIncludedOnlyWhenTheyAllowSomethingNeeded) {
    Observations seen;
    seen.use("/usr/lib/x86_64-linux-gnu/libc.so.6", kRead);
    seen.use("/usr/bin/prog", kRun);
    seen.use("/etc/passwd", kRead);
    seen.connect_tcp.insert(53);
    LearnContext c = context();
    c.building_blocks = {block("system-base", {{"/usr/lib", {AccessFs::ReadFile, AccessFs::ReadDir}}}),
                         block("tls-trust", {{"/etc/ssl/certs", kRead}}),
                         block("user-db", {{"/etc/passwd", kRead}}),
                         block("dns", {{"/etc/hosts", kRead}}, {53})};
    LearnedPolicy p = generalise(seen, c);
    EXPECT_EQ(p.includes, (std::vector<std::string>{"system-base", "user-db", "dns"}));
    ASSERT_EQ(p.rules.size(), 1U);
    EXPECT_EQ(p.rules[0].path, "/usr/bin/prog");
    EXPECT_TRUE(p.connect_tcp.empty());
}

TEST(LearnedPolicy, GivenProfilesAreIncludedAndSubtractedPartly) {
    Observations seen;
    seen.use("/home/u/proj/a.c", {AccessFs::ReadFile, AccessFs::WriteFile});
    LearnContext c = context();
    c.given = {block("/etc/sandbox/ro-proj.json", {{"/home/u/proj", kRead}})};
    LearnedPolicy p = generalise(seen, c);
    EXPECT_EQ(p.includes, (std::vector<std::string>{"/etc/sandbox/ro-proj.json"}));
    ASSERT_EQ(p.rules.size(), 1U);
    EXPECT_EQ(p.rules[0].path, "${PWD}/a.c");
    EXPECT_EQ(p.rules[0].access, FsAccess{AccessFs::WriteFile});
}

TEST(LearnedPolicy, ManyReadsBelowASystemDirectoryCollapseUpwards) {
    Observations seen;
    for (const char* f : {"a.py", "b.py", "c.py", "d.py"}) {
        seen.use(std::string("/usr/lib/python3.11/encodings/") + f, kRead);
    }
    for (const char* f : {"os.py", "re.py", "io.py"}) {
        seen.use(std::string("/usr/lib/python3.11/") + f, kRead);
    }
    seen.use("/usr/lib/python3.11", {AccessFs::ReadDir}, true);
    // Fewer than four in its directory, but below the collapsed one.
    seen.use("/usr/lib/python3.11/json/__pycache__/decoder.pyc", kRead);
    seen.use("/usr/lib/python3.11/json", {AccessFs::ReadDir}, true);
    LearnedPolicy p = generalise(seen, context());
    ASSERT_EQ(p.rules.size(), 1U);
    EXPECT_EQ(p.rules[0].path, "/usr/lib/python3.11");
    EXPECT_EQ(p.rules[0].access, (FsAccess{AccessFs::ReadFile, AccessFs::ReadDir}));
}

TEST(LearnedPolicy, NeverCollapsesOntoGuardedDirectories) {
    Observations seen;
    for (const char* f : {"a", "b", "c", "d", "e"}) {
        seen.use(std::string("/etc/") + f, kRead);        // /etc as a whole
        seen.use(std::string("/home/u/") + f, kRead);     // $HOME
        seen.use(std::string("/opt/") + f, kRead);        // a top-level directory
        seen.use(std::string("/home/u/sib") + f, kRead, true);  // siblings of ${PWD}: /home/u
    }
    LearnContext c = context();
    c.pwd = "/home/u/sibx/proj";
    for (const char* f : {"a", "b", "c", "d"}) {
        seen.use(std::string("/home/u/sibx/") + f, kRead);  // above ${PWD}
    }
    LearnedPolicy p = generalise(seen, c);
    for (const LearnedRule& r : p.rules) {
        EXPECT_NE(r.path, "/etc");
        EXPECT_NE(r.path, "${HOME}");
        EXPECT_NE(r.path, "/opt");
        EXPECT_NE(r.path, "${HOME}/sibx");
    }
    EXPECT_EQ(p.rules.size(), 24U);
}

TEST(LearnedPolicy, WritesAndExecutesAreNotCollapsed) {
    Observations seen;
    for (const char* f : {"a", "b", "c", "d", "e"}) {
        seen.use(std::string("/srv/data/") + f, {AccessFs::WriteFile});
        seen.use(std::string("/srv/bin/") + f, kRun);
    }
    LearnedPolicy p = generalise(seen, context());
    EXPECT_EQ(p.rules.size(), 10U);
}

TEST(LearnedPolicy, VariablesAndProcessDirectories) {
    Observations seen;
    seen.use("/home/u/proj/src/main.c", kRead);   // ${PWD} is longer than ${HOME}
    seen.use("/home/u/.config/prog.conf", kRead);
    seen.use("/proc/4242/status", kRead);
    seen.use("/proc/4243/status", kRead);
    seen.use("/proc/meminfo", kRead);
    seen.use("/tmp/sock", {AccessFs::ResolveUnix});
    LearnedPolicy p = generalise(seen, context());
    EXPECT_NE(rule(p, "${PWD}/src/main.c"), nullptr);
    EXPECT_NE(rule(p, "${HOME}/.config/prog.conf"), nullptr);
    EXPECT_NE(rule(p, "/proc/self/status"), nullptr);
    EXPECT_NE(rule(p, "/proc/meminfo"), nullptr);
    EXPECT_NE(rule(p, "${TMPDIR:-/tmp}/sock"), nullptr);
    EXPECT_EQ(p.rules.size(), 5U);
}

TEST(LearnedPolicy, PathsThePolicyFormatWouldExpandAreLeftOutAndListed) {
    Observations seen;
    seen.use("/srv/${HOME}", kRead);
    seen.use("/srv/$x", kRead);  // "$" without "{" is literal
    LearnedPolicy p = generalise(seen, context());
    ASSERT_EQ(p.rules.size(), 1U);
    EXPECT_EQ(p.rules[0].path, "/srv/$x");
    EXPECT_EQ(p.unwritable, std::vector<std::string>{"/srv/${HOME}"});
}

TEST(LearnedPolicy, FilesNeverCarryDirectoryRights) {
    Observations seen;
    seen.use("/srv/x", {AccessFs::ReadFile, AccessFs::ReadDir, AccessFs::MakeReg});
    LearnedPolicy p = generalise(seen, context());
    ASSERT_EQ(p.rules.size(), 1U);
    EXPECT_EQ(p.rules[0].access, kRead);
}

TEST(LearnedPolicy, RendersALoadablePolicyWithTheSameRights) {
    Observations seen;
    seen.use("/usr/bin/prog", kRun);
    seen.use("/srv/conf", kRead);
    seen.use("/srv/listing", {AccessFs::ReadDir}, true);
    seen.use("/home/u/proj", {AccessFs::MakeReg, AccessFs::WriteFile}, true);
    seen.use("/run/agent.sock", {AccessFs::ResolveUnix});
    seen.bind_tcp = {8080};
    seen.connect_tcp = {443, 80};
    seen.outside = ScopeSet{Scope::Signal};
    LearnContext c = context();
    c.command = "prog \"quoted\"";
    const std::string text = render_policy(generalise(seen, c));
    EXPECT_EQ(text, render_policy(generalise(seen, c)));  // deterministic
    EXPECT_NE(text.find("\"rox\": [\n      \"/usr/bin/prog\"\n    ]"), std::string::npos) << text;
    EXPECT_NE(text.find("\"unix\": [\n      \"/run/agent.sock\"\n    ]"), std::string::npos) << text;
    EXPECT_NE(text.find("\"network\": {\"bind_tcp\": [8080], \"connect_tcp\": [80, 443]}"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("2026-12-07"), std::string::npos);
    EXPECT_EQ(text.back(), '\n');

    Diagnostics d;
    LoadOptions o{[](std::string_view name) -> std::optional<std::string> {
                      if (name == "PWD") {
                          return "/home/u/proj";
                      }
                      return std::nullopt;
                  },
                  {},
                  {}};
    ParsedFile parsed = parse_policy_text(text, "learned.json", o, d);
    EXPECT_FALSE(d.has_errors()) << d.format();
    const Policy& loaded = parsed.policy;
    ASSERT_EQ(loaded.paths.size(), 5U);
    EXPECT_EQ(granted_rights(loaded, "/usr/bin/prog", kRun), kRun);
    EXPECT_EQ(granted_rights(loaded, "/srv/listing", FsAccess{AccessFs::ReadDir, AccessFs::ReadFile}),
              FsAccess{AccessFs::ReadDir});
    EXPECT_EQ(granted_rights(loaded, "/home/u/proj/new", FsAccess{AccessFs::WriteFile}),
              FsAccess{AccessFs::WriteFile});
    EXPECT_EQ(loaded.ports.size(), 3U);
    EXPECT_EQ(loaded.unrestricted_scopes, ScopeSet{Scope::Signal});
}

}  // namespace
}  // namespace sandbox
