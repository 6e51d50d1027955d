// build_ruleset / add_path_rules against the running kernel: each distinct
// path is opened once and added with the union of its rights, then closed (a
// low RLIMIT_NOFILE does not bound the rule count); results, skips and errors
// come in plan order, with or without worker threads. Whether the rules took
// effect is checked in forked children that restrict themselves.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "enforce/features.hpp"
#include "enforce/landlock.hpp"
#include "enforce/path_rules.hpp"
#include "enforce/ruleset.hpp"
#include "base/error.hpp"
#include "enforce/workers.hpp"
#include "harness.hpp"
#include "policy/plan.hpp"
#include "rule_builders.hpp"

namespace sandbox {
namespace {

using sandbox_it::in_child;
using sandbox_it::TempDir;

/// errno of open(path, flags) (0: it worked).
int open_errno(const std::string& path, int flags) {
    const int fd = open(path.c_str(), flags | O_CLOEXEC, 0644);
    if (fd < 0) {
        return errno;
    }
    close(fd);
    return 0;
}

class Resolve : public ::testing::Test {
protected:
    void SetUp() override {
        std::filesystem::create_directories(path("d"));
        std::ofstream(path("d/f")) << "x";
        std::ofstream(path("outside")) << "x";
        std::filesystem::create_directory_symlink(path("d"), path("link"));
        int err = 0;
        abi_ = probe_abi(&err);
        ASSERT_GE(abi_, 1) << "Landlock is not available: " << describe_errno(err);
    }
    std::string path(const std::string& relative) const { return dir_ / relative; }

    /// The plan refers to its policy's rules: the fixture keeps every policy.
    RulesetPlan plan(std::vector<PathRule> rules, Tolerance tolerance = Tolerance::Strict) const {
        Policy& policy = policies_.emplace_back();
        policy.paths = std::move(rules);
        PlanOptions options;
        options.tolerance = tolerance;
        RulesetPlan p = make_plan(policy, abi_, options);
        EXPECT_TRUE(p.ok()) << p.diagnostics.format();
        return p;
    }

    /// Restricts a forked child with `ruleset` and runs `check` there.
    static int restricted(const UniqueFd& ruleset, const std::function<int()>& check) {
        return in_child([&] {
            if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
                landlock::restrict_self(ruleset.get(), 0) != 0) {
                return 99;
            }
            return check();
        });
    }

    TempDir dir_{"/tmp", "sandbox-path-rules"};
    int abi_ = 0;
    mutable std::deque<Policy> policies_;
};

TEST_F(Resolve, DirectoryAndFileRulesAreRecordedInPlanOrder) {
    const RulesetPlan p =
        plan({group_rule(path("d"), Group::Rw), group_rule(path("d/f"), Group::Rw)});
    Ruleset r = build_ruleset(p, {});
    ASSERT_TRUE(r.fd.valid());
    ASSERT_EQ(2U, r.rules.rules.size());
    EXPECT_TRUE(r.rules.skipped.empty());
    EXPECT_TRUE(r.rules.diagnostics.items().empty());

    const ResolvedRule& dir = r.rules.rules[0];
    EXPECT_EQ(0U, dir.planned);
    EXPECT_TRUE(dir.is_dir);
    EXPECT_EQ(p.paths[0].granted, dir.effective);
    EXPECT_TRUE(dir.masked.empty());
    EXPECT_EQ("", dir.resolved);  // Naming::Skip

    const ResolvedRule& file = r.rules.rules[1];
    EXPECT_EQ(1U, file.planned);
    EXPECT_FALSE(file.is_dir);
    EXPECT_EQ(mask_for_file(p.paths[1].granted), file.effective);
    EXPECT_EQ(p.paths[1].granted.without(file.effective), file.masked);
    EXPECT_FALSE(file.masked.empty());
}

TEST_F(Resolve, NamingResolveRecordsWhatTheDescriptorPointedAt) {
    const RulesetPlan p = plan({group_rule(path("link"), Group::Ro),
                                group_rule(path("link"), Group::Rw)});
    PathRuleOptions options;
    options.naming = Naming::Resolve;
    Ruleset r = build_ruleset(p, options);
    ASSERT_EQ(2U, r.rules.rules.size());
    const std::string real = std::filesystem::canonical(path("d")).string();
    EXPECT_EQ(real, r.rules.rules[0].resolved);
    EXPECT_EQ(real, r.rules.rules[1].resolved);  // the same path: named once, for both
}

// Rules on one path are added once, with the union of their rights.
TEST_F(Resolve, IdenticalPathsGetTheUnionOfTheirRights) {
    const RulesetPlan p =
        plan({group_rule(path("d"), Group::Ro),
              explicit_rule(path("d"), FsAccess{AccessFs::WriteFile, AccessFs::MakeReg})});
    Ruleset r = build_ruleset(p, {});
    ASSERT_EQ(2U, r.rules.rules.size());
    EXPECT_EQ(p.paths[1].granted, r.rules.rules[1].effective);
    EXPECT_EQ(0, restricted(r.fd, [&] {
        if (open_errno(path("d/f"), O_RDONLY) != 0) {
            return 1;  // --ro
        }
        if (open_errno(path("d/new"), O_WRONLY | O_CREAT | O_EXCL) != 0) {
            return 2;  // the explicit rule
        }
        if (open_errno(path("outside"), O_RDONLY) != EACCES) {
            return 3;
        }
        return 0;
    }));
}

// A file rule left without rights (best-effort) is skipped; a later rule on
// the same file still gets its own.
TEST_F(Resolve, FileWithoutRightsIsSkippedButItsTwinIsAdded) {
    const RulesetPlan p = plan({explicit_rule(path("d/f"), FsAccess{AccessFs::MakeDir}),
                                group_rule(path("d/f"), Group::Ro)},
                               Tolerance::BestEffort);
    PathRuleOptions options;
    options.tolerance = Tolerance::BestEffort;
    Ruleset r = build_ruleset(p, options);
    ASSERT_EQ(1U, r.rules.skipped.size());
    EXPECT_EQ(0U, r.rules.skipped[0].planned);
    EXPECT_EQ(0, r.rules.skipped[0].error);
    ASSERT_EQ(1U, r.rules.diagnostics.items().size());
    ASSERT_EQ(1U, r.rules.rules.size());
    EXPECT_EQ(FsAccess{AccessFs::ReadFile}, r.rules.rules[0].effective);
    EXPECT_EQ(0, restricted(r.fd, [&] {
        const bool ok = open_errno(path("d/f"), O_RDONLY) == 0 &&
                        open_errno(path("outside"), O_RDONLY) == EACCES;
        return ok ? 0 : 1;
    }));
}

TEST_F(Resolve, DirectoryOnlyRightsOnAFileAreAnErrorWhenStrict) {
    const RulesetPlan p = plan({explicit_rule(path("d/f"), FsAccess{AccessFs::MakeDir})});
    try {
        build_ruleset(p, {});
        FAIL() << "no error";
    } catch (const LaunchError& e) {
        EXPECT_EQ("\"" + path("d/f") +
                      "\" is not a directory, but its rule names directory-only rights: make_dir",
                  e.what());
    }
}

TEST_F(Resolve, MissingPathsAreSkippedOnlyWhenAllowed) {
    PathRule optional = group_rule(path("missing-1"), Group::Ro);
    optional.optional = true;
    const RulesetPlan p = plan({optional, group_rule(path("missing-2"), Group::Ro),
                                group_rule(path("d"), Group::Ro)});
    PathRuleOptions ignore;
    ignore.missing = MissingPaths::Ignore;
    Ruleset r = build_ruleset(p, ignore);
    ASSERT_EQ(2U, r.rules.skipped.size());
    EXPECT_EQ(ENOENT, r.rules.skipped[0].error);
    EXPECT_EQ(1U, r.rules.skipped[1].planned);
    EXPECT_EQ(1U, r.rules.rules.size());
    try {
        build_ruleset(p, {});
        FAIL() << "no error";
    } catch (const SysError& e) {
        EXPECT_EQ("cannot open \"" + path("missing-2") +
                      "\" for a rule: No such file or directory (ENOENT)",
                  std::string(e.what()));
    }
}

// The first failing rule in plan order is reported, also when workers open
// the paths in parallel; magic links are refused.
TEST_F(Resolve, FirstErrorInPlanOrderWithOrWithoutWorkers) {
    std::vector<PathRule> rules;
    for (int i = 0; i < 200; ++i) {
        rules.push_back(group_rule(path("d"), Group::Ro));
    }
    rules.push_back(group_rule("/proc/self/root", Group::Ro));
    rules.push_back(group_rule(path("missing"), Group::Ro));
    const RulesetPlan p = plan(rules);
    WorkerPool pool(3);
    for (WorkerPool* with : {static_cast<WorkerPool*>(nullptr), &pool}) {
        try {
            build_ruleset(p, {}, with);
            FAIL() << "no error";
        } catch (const SysError& e) {
            EXPECT_EQ(ELOOP, e.error());
            EXPECT_EQ("cannot open \"/proc/self/root\" for a rule: Too many levels of symbolic "
                      "links (ELOOP)",
                      std::string(e.what()));
        }
    }
}

// 2000 distinct path names (200 directories, ten spellings each) under
// RLIMIT_NOFILE 16, with and without workers: one descriptor at a time.
TEST_F(Resolve, ManyRulesUnderALowDescriptorLimit) {
    std::vector<PathRule> rules;
    for (int i = 0; i < 200; ++i) {
        std::filesystem::create_directories(path("t/" + std::to_string(i)));
        for (int slashes = 1; slashes <= 10; ++slashes) {
            rules.push_back(group_rule(path("t") + std::string(slashes, '/') + std::to_string(i),
                                       Group::Ro));
        }
    }
    std::ofstream(path("t/199/inside")) << "x";
    const RulesetPlan p = plan(rules);
    for (int threads : {0, 2}) {
        EXPECT_EQ(0, in_child([&] {
            const rlimit low{16, 16};
            if (setrlimit(RLIMIT_NOFILE, &low) != 0) {
                return 98;
            }
            std::optional<WorkerPool> pool;
            if (threads > 0) {
                pool.emplace(threads);
            }
            Ruleset r;
            try {
                r = build_ruleset(p, {}, pool ? &*pool : nullptr);
            } catch (const std::exception&) {
                return 1;
            }
            if (r.rules.rules.size() != 2000) {
                return 2;
            }
            if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
                landlock::restrict_self(r.fd.get(), 0) != 0) {
                return 99;
            }
            return open_errno(path("t/199/inside"), O_RDONLY) == 0 &&
                           open_errno(path("outside"), O_RDONLY) == EACCES
                       ? 0
                       : 3;
        })) << "threads: " << threads;
    }
}

TEST_F(Resolve, WorkersGiveTheSameResults) {
    std::vector<PathRule> rules;
    for (int i = 0; i < 100; ++i) {
        rules.push_back(group_rule(path(i % 2 ? "d" : "d/f"), i % 3 ? Group::Ro : Group::Rw));
        rules.push_back(group_rule(path("link"), Group::Rox));
    }
    const RulesetPlan p = plan(rules);
    WorkerPool pool(4);
    Ruleset one = build_ruleset(p, {});
    Ruleset many = build_ruleset(p, {}, &pool);
    ASSERT_EQ(one.rules.rules.size(), many.rules.rules.size());
    for (std::size_t i = 0; i < one.rules.rules.size(); ++i) {
        const ResolvedRule& a = one.rules.rules[i];
        const ResolvedRule& b = many.rules.rules[i];
        EXPECT_EQ(a.planned, b.planned) << i;
        EXPECT_EQ(a.is_dir, b.is_dir) << i;
        EXPECT_EQ(a.effective, b.effective) << i;
        EXPECT_EQ(a.masked, b.masked) << i;
    }
}

} // namespace
} // namespace sandbox
