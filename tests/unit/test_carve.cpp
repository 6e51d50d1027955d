// --deny: the carve step with a fake file system (no kernel, no disk).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <stdexcept>

#include "policy/carve.hpp"
#include "rule_builders.hpp"

namespace sandbox {
namespace {

using Kind = DirEntry::Kind;

/// A file system as a table: directories with their entries, and symlinks.
class FakeFs : public DirectoryLister {
public:
    /// Adds PATH (absolute) and its parents as directories.
    void dir(const std::string& path) {
        std::string at = path;
        while (at != "/") {
            const std::size_t slash = at.rfind('/');
            const std::string parent = slash == 0 ? "/" : at.substr(0, slash);
            add(parent, {at.substr(slash + 1), Kind::Directory, {}, false});
            dirs_[at];
            at = parent;
        }
    }
    void file(const std::string& path) {
        dir(parent(path));
        add(parent(path), {name(path), Kind::File, {}, false});
    }
    void symlink(const std::string& path, const std::string& target, bool target_is_dir) {
        dir(parent(path));
        // An empty target: dangling.
        add(parent(path), {name(path), Kind::Symlink,
                           target.empty() ? std::nullopt : std::optional(target), target_is_dir});
        if (!target.empty()) {
            links_[path] = target;
        }
    }

    std::optional<std::string> canonical(const std::string& path) const override {
        if (auto it = links_.find(path); it != links_.end()) {
            return it->second;
        }
        if (dirs_.count(path) != 0) {
            return path;
        }
        auto it = dirs_.find(parent(path));
        if (it != dirs_.end() &&
            std::any_of(it->second.begin(), it->second.end(),
                        [&](const DirEntry& e) { return e.name == name(path); })) {
            return path;
        }
        return std::nullopt;
    }

    std::vector<DirEntry> entries(const std::string& dir, std::size_t limit) const override {
        listed.push_back(dir);
        auto it = dirs_.find(dir);
        if (it == dirs_.end()) {
            throw std::runtime_error("not a directory: " + dir);
        }
        std::vector<DirEntry> out = it->second;
        // Reverse order: the carve must sort.
        std::reverse(out.begin(), out.end());
        if (out.size() > limit + 1) {
            out.resize(limit + 1);
        }
        return out;
    }

    mutable std::vector<std::string> listed;

private:
    static std::string parent(const std::string& p) {
        const std::size_t slash = p.rfind('/');
        return slash == 0 ? "/" : p.substr(0, slash);
    }
    static std::string name(const std::string& p) { return p.substr(p.rfind('/') + 1); }
    void add(const std::string& d, DirEntry e) {
        auto& list = dirs_[d];
        if (std::none_of(list.begin(), list.end(),
                         [&](const DirEntry& x) { return x.name == e.name; })) {
            list.push_back(std::move(e));
        }
    }
    std::map<std::string, std::vector<DirEntry>> dirs_;
    std::map<std::string, std::string> links_;
};

DenyRule deny(const std::string& path) {
    DenyRule d;
    d.path = path;
    d.source = {"", 0, 0, "--deny " + path};
    return d;
}

std::vector<std::string> paths(const std::vector<PathRule>& rules) {
    std::vector<std::string> out;
    for (const auto& r : rules) {
        out.push_back(r.path);
    }
    return out;
}

const PathRule* find(const std::vector<PathRule>& rules, const std::string& path) {
    for (const auto& r : rules) {
        if (r.path == path) {
            return &r;
        }
    }
    return nullptr;
}

/// /h: .ssh/id_rsa, docs/a, f, sub/.ssh2/k, sub/x
class CarveTest : public ::testing::Test {
protected:
    void SetUp() override {
        fs.file("/h/.ssh/id_rsa");
        fs.file("/h/docs/a");
        fs.file("/h/f");
        fs.file("/h/sub/.ssh2/k");
        fs.file("/h/sub/x");
        fs.dir("/usr/lib");
    }
    FakeFs fs;
};

TEST_F(CarveTest, OneLevelReplacesTheRuleBySiblings) {
    std::vector<PathRule> rules{group_rule("/usr", Group::Rox), group_rule("/h", Group::Rw)};
    CarveResult r = carve(rules, {deny("/h/.ssh")}, fs);
    ASSERT_FALSE(r.diagnostics.has_errors()) << r.diagnostics.format();
    EXPECT_TRUE(r.diagnostics.items().empty()) << r.diagnostics.format();
    EXPECT_EQ(paths(rules), (std::vector<std::string>{"/usr", "/h/docs", "/h/f", "/h/sub"}));
    const PathRule* docs = find(rules, "/h/docs");
    ASSERT_NE(docs, nullptr);
    EXPECT_EQ(docs->access, group_rights(Group::Rw));
    EXPECT_EQ(docs->group, Group::Rw);
    EXPECT_TRUE(docs->optional);
    EXPECT_EQ(docs->describe_source(), "command line (--rw) (carved by --deny /h/.ssh)");
    // A file gets no directory-only rights.
    EXPECT_EQ(find(rules, "/h/f")->access, mask_for_file(group_rights(Group::Rw)));

    ASSERT_EQ(r.carvings.size(), 1U);
    const Carving& c = r.carvings[0];
    EXPECT_EQ(c.canonical, "/h/.ssh");
    ASSERT_EQ(c.replaced.size(), 1U);
    EXPECT_EQ(c.replaced[0].rule.path, "/h");
    EXPECT_EQ(c.replaced[0].generated, 3U);
    ASSERT_EQ(c.replaced[0].dropped_on.size(), 1U);
    EXPECT_EQ(c.replaced[0].dropped_on[0].dir, "/h");
    EXPECT_EQ(right_names(c.replaced[0].dropped_on[0].rights),
              (std::vector<std::string>{"read_dir", "remove_dir", "remove_file", "make_char",
                                        "make_dir", "make_reg", "make_sock", "make_fifo",
                                        "make_block", "make_sym", "refer"}));
    EXPECT_TRUE(c.removed.empty());
}

TEST_F(CarveTest, DroppedRightsOfReadOnlyAreReadDir) {
    std::vector<PathRule> rules{group_rule("/h", Group::Ro)};
    CarveResult r = carve(rules, {deny("/h/.ssh")}, fs);
    ASSERT_EQ(r.carvings[0].replaced[0].dropped_on.size(), 1U);
    EXPECT_EQ(r.carvings[0].replaced[0].dropped_on[0].rights, FsAccess{AccessFs::ReadDir});
}

TEST_F(CarveTest, DeeperDenyCarvesEveryLevel) {
    std::vector<PathRule> rules{group_rule("/h", Group::Ro)};
    CarveResult r = carve(rules, {deny("/h/sub/.ssh2")}, fs);
    EXPECT_EQ(paths(rules),
              (std::vector<std::string>{"/h/.ssh", "/h/docs", "/h/f", "/h/sub/x"}));
    const ReplacedRule& rep = r.carvings[0].replaced[0];
    ASSERT_EQ(rep.dropped_on.size(), 2U);
    EXPECT_EQ(rep.dropped_on[0].dir, "/h");
    EXPECT_EQ(rep.dropped_on[1].dir, "/h/sub");
    EXPECT_EQ(rep.generated, 4U);
    EXPECT_EQ(fs.listed, (std::vector<std::string>{"/h", "/h/sub"}));
}

TEST_F(CarveTest, RuleOnRootCarvesFromRoot) {
    std::vector<PathRule> rules{group_rule("/", Group::Ro)};
    carve(rules, {deny("/h/.ssh")}, fs);
    EXPECT_EQ(paths(rules), (std::vector<std::string>{"/usr", "/h/docs", "/h/f", "/h/sub"}));
}

TEST_F(CarveTest, RulesOnOrInsideTheDenyAreRemoved) {
    std::vector<PathRule> rules{group_rule("/h/.ssh", Group::Ro),
                                group_rule("/h/.ssh/id_rsa", Group::Rw),
                                group_rule("/h/docs", Group::Rw)};
    CarveResult r = carve(rules, {deny("/h/.ssh")}, fs);
    EXPECT_EQ(paths(rules), (std::vector<std::string>{"/h/docs"}));
    EXPECT_EQ(paths(r.carvings[0].removed),
              (std::vector<std::string>{"/h/.ssh", "/h/.ssh/id_rsa"}));
    EXPECT_TRUE(r.carvings[0].replaced.empty());
    EXPECT_TRUE(r.diagnostics.items().empty());
}

TEST_F(CarveTest, UnrelatedRulesStay) {
    std::vector<PathRule> rules{group_rule("/h/docs", Group::Rw), group_rule("/usr", Group::Ro)};
    CarveResult r = carve(rules, {deny("/h/.ssh")}, fs);
    EXPECT_EQ(paths(rules), (std::vector<std::string>{"/h/docs", "/usr"}));
    ASSERT_EQ(r.diagnostics.items().size(), 1U);
    EXPECT_EQ(r.diagnostics.items()[0].severity, Severity::Warning);
    EXPECT_NE(r.diagnostics.items()[0].message.find("no rule allows anything"),
              std::string::npos);
}

TEST_F(CarveTest, MissingDenyWarnsUnlessOptional) {
    std::vector<PathRule> rules{group_rule("/h", Group::Ro)};
    CarveResult r = carve(rules, {deny("/h/nope")}, fs);
    EXPECT_EQ(paths(rules), (std::vector<std::string>{"/h"}));
    ASSERT_EQ(r.diagnostics.items().size(), 1U);
    EXPECT_EQ(r.diagnostics.items()[0].severity, Severity::Warning);
    DenyRule quiet = deny("/h/nope");
    quiet.optional = true;
    r = carve(rules, {quiet}, fs);
    EXPECT_TRUE(r.diagnostics.items().empty());
}

TEST_F(CarveTest, SymlinksToTheDenyAreSkippedOthersKept) {
    fs.symlink("/h/link", "/h/.ssh", true);
    fs.symlink("/h/key", "/h/.ssh/id_rsa", false);
    fs.symlink("/h/up", "/", true);
    fs.symlink("/h/lib", "/usr/lib", true);
    fs.symlink("/h/dangling", "", false);
    std::vector<PathRule> rules{group_rule("/h", Group::Ro)};
    CarveResult r = carve(rules, {deny("/h/.ssh")}, fs);
    EXPECT_EQ(find(rules, "/h/dangling"), nullptr);
    EXPECT_NE(find(rules, "/h/lib"), nullptr);
    EXPECT_EQ(find(rules, "/h/link"), nullptr);
    EXPECT_EQ(find(rules, "/h/key"), nullptr);
    EXPECT_EQ(find(rules, "/h/up"), nullptr);
    std::vector<std::string> skipped;
    for (const auto& s : r.carvings[0].skipped_symlinks) {
        skipped.push_back(s.path + "->" + s.target);
    }
    EXPECT_EQ(skipped, (std::vector<std::string>{"/h/key->/h/.ssh/id_rsa", "/h/link->/h/.ssh",
                                                 "/h/up->/"}));
    EXPECT_EQ(find(rules, "/h/lib")->access, group_rights(Group::Ro));
}

TEST_F(CarveTest, RuleThroughASymlinkIsCarved) {
    fs.symlink("/home", "/h", true);
    std::vector<PathRule> rules{group_rule("/home", Group::Ro)};
    CarveResult r = carve(rules, {deny("/home/.ssh")}, fs);
    // /home/.ssh is not canonical; FakeFs only knows /h/.ssh.
    EXPECT_EQ(paths(rules), (std::vector<std::string>{"/home"}));
    rules = {group_rule("/home", Group::Ro)};
    r = carve(rules, {deny("/h/.ssh")}, fs);
    EXPECT_EQ(paths(rules), (std::vector<std::string>{"/h/docs", "/h/f", "/h/sub"}));
    EXPECT_EQ(r.carvings[0].replaced[0].canonical, "/h");
}

TEST_F(CarveTest, ExplicitDirectoryOnlyRightsGiveNoFileRules) {
    std::vector<PathRule> rules{explicit_rule("/h", {AccessFs::ReadDir})};
    carve(rules, {deny("/h/.ssh")}, fs);
    EXPECT_EQ(paths(rules), (std::vector<std::string>{"/h/docs", "/h/sub"}));
    EXPECT_EQ(rules[0].origin, RightsOrigin::Explicit);
    EXPECT_EQ(rules[0].describe_source(), "p.json:3:5 (carved by --deny /h/.ssh)");
}

TEST_F(CarveTest, SeveralDeniesCarveGeneratedRulesToo) {
    std::vector<PathRule> rules{group_rule("/h", Group::Ro)};
    CarveResult r = carve(rules, {deny("/h/.ssh"), deny("/h/sub/.ssh2")}, fs);
    EXPECT_EQ(paths(rules), (std::vector<std::string>{"/h/docs", "/h/f", "/h/sub/x"}));
    EXPECT_EQ(find(rules, "/h/sub/x")->carved_by, "--deny /h/.ssh, --deny /h/sub/.ssh2");
    ASSERT_EQ(r.carvings.size(), 2U);
    EXPECT_EQ(r.carvings[1].replaced[0].rule.path, "/h/sub");
    // The other order gives the same rules.
    std::vector<PathRule> again{group_rule("/h", Group::Ro)};
    carve(again, {deny("/h/sub/.ssh2"), deny("/h/.ssh")}, fs);
    std::vector<std::string> a = paths(again);
    std::sort(a.begin(), a.end());
    EXPECT_EQ(a, paths(rules));
}

TEST_F(CarveTest, LimitIsAnError) {
    for (int i = 0; i < 20; ++i) {
        fs.file("/big/f" + std::to_string(i));
    }
    fs.dir("/big/secret");
    std::vector<PathRule> rules{group_rule("/big", Group::Ro)};
    CarveResult r = carve(rules, {deny("/big/secret")}, fs, CarveLimits{10});
    ASSERT_TRUE(r.diagnostics.has_errors());
    const Diagnostic& d = r.diagnostics.items()[0];
    EXPECT_NE(d.message.find("\"/big/secret\""), std::string::npos) << d.message;
    EXPECT_NE(d.message.find("directory \"/big\""), std::string::npos) << d.message;
    EXPECT_NE(d.message.find("more than 10 rules"), std::string::npos) << d.message;
    EXPECT_FALSE(d.hints.empty());
    // Exactly at the limit is fine: 20 files.
    std::vector<PathRule> ok{group_rule("/big", Group::Ro)};
    r = carve(ok, {deny("/big/secret")}, fs, CarveLimits{20});
    EXPECT_FALSE(r.diagnostics.has_errors()) << r.diagnostics.format();
    EXPECT_EQ(ok.size(), 20U);
}

TEST_F(CarveTest, Deterministic) {
    std::vector<PathRule> a{group_rule("/", Group::Ro)};
    std::vector<PathRule> b{group_rule("/", Group::Ro)};
    carve(a, {deny("/h/sub/.ssh2")}, fs);
    carve(b, {deny("/h/sub/.ssh2")}, fs);
    EXPECT_EQ(paths(a), paths(b));
    EXPECT_EQ(paths(a), (std::vector<std::string>{"/usr", "/h/.ssh", "/h/docs", "/h/f",
                                                  "/h/sub/x"}));
}

TEST_F(CarveTest, NoDeniesTouchNothing) {
    std::vector<PathRule> rules{group_rule("/h", Group::Ro)};
    CarveResult r = carve(rules, {}, fs);
    EXPECT_TRUE(r.carvings.empty());
    EXPECT_TRUE(fs.listed.empty());
    EXPECT_EQ(paths(rules), (std::vector<std::string>{"/h"}));
}

} // namespace
} // namespace sandbox
