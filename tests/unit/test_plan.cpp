// The plan for every ABI from 1 to 9, with a mocked ABI (no kernel).
#include <gtest/gtest.h>

#include "policy/plan.hpp"
#include "rule_builders.hpp"

namespace sandbox {
namespace {

/// Plans refer to their policy's rules, so the base policy lives for ever.
const Policy& base_policy() {
    static const Policy p = [] {
        Policy q;
        q.paths.push_back(group_rule("/usr", Group::Rox));
        q.paths.push_back(group_rule("/tmp", Group::Rw));
        return q;
    }();
    return p;
}

bool has_unenforced(const RulesetPlan& plan, const std::string& what) {
    for (const auto& u : plan.unenforced) {
        if (u.what == what) {
            return true;
        }
    }
    return false;
}

class PlanPerAbi : public ::testing::TestWithParam<int> {};

TEST_P(PlanPerAbi, DenyByDefaultHandlesEverythingTheAbiKnows) {
    const int abi = GetParam();
    RulesetPlan plan = make_plan(base_policy(), abi, {});
    ASSERT_TRUE(plan.ok()) << plan.diagnostics.format();
    EXPECT_EQ(plan.abi, abi);
    EXPECT_EQ(plan.handled_fs, supported_rights<AccessFs>(abi));
    EXPECT_EQ(plan.handled_net.empty(), abi < 4);
    EXPECT_EQ(plan.scoped, abi >= 6 ? all_rights<Scope>() : ScopeSet{});
    EXPECT_EQ(has_unenforced(plan, "network"), abi < 4);
    EXPECT_EQ(has_unenforced(plan, "scopes (abstract_unix_socket,signal)"), abi < 6);
    EXPECT_EQ(has_unenforced(plan, "filesystem right refer"), abi < 2);
    EXPECT_EQ(has_unenforced(plan, "filesystem right truncate"), abi < 3);
    EXPECT_EQ(has_unenforced(plan, "filesystem right ioctl_dev"), abi < 5);
    // Below ABI 9 the seccomp guard stands in for resolve_unix: nothing unenforced.
    EXPECT_FALSE(has_unenforced(plan, "filesystem right resolve_unix"));
    EXPECT_EQ(plan.unix_sockets, abi < 9 ? UnixSockets::SeccompDeny : UnixSockets::Landlock);
    ASSERT_EQ(plan.paths.size(), 2U);
    // Groups narrow silently to the ABI; requested and granted stay apart.
    const PlannedPath& tmp = plan.paths[1];
    EXPECT_EQ(tmp.rule.access, group_rights(Group::Rw));
    EXPECT_EQ(tmp.granted, group_rights(Group::Rw).intersect(supported_rights<AccessFs>(abi)));
    EXPECT_EQ(tmp.dropped, group_rights(Group::Rw).without(supported_rights<AccessFs>(abi)));
    EXPECT_EQ(tmp.dropped.contains(AccessFs::Truncate), abi < 3);
    // The one-line warning names everything the kernel cannot restrict.
    const std::string summary = plan.unenforced_summary();
    EXPECT_EQ(summary.find("network (needs ABI 4)") != std::string::npos, abi < 4);
    EXPECT_EQ(summary.find("filesystem right ioctl_dev (needs ABI 5)") != std::string::npos,
              abi < 5);
    EXPECT_EQ(summary.empty(), abi >= 6);
}

TEST_P(PlanPerAbi, PortRulesNeedAbi4) {
    const int abi = GetParam();
    Policy p = base_policy();
    p.ports.push_back({443, AccessNet::ConnectTcp, {"", 0, 0, "--connect-tcp 443"}});
    p.ports.push_back({0, AccessNet::BindTcp, {"", 0, 0, "--bind-tcp 0"}});
    RulesetPlan strict = make_plan(p, abi, {});
    EXPECT_EQ(strict.ok(), abi >= 4);
    EXPECT_EQ(strict.ports.size(), abi >= 4 ? 2U : 0U);
    RulesetPlan lenient = make_plan(p, abi, {Tolerance::BestEffort, 0, {}});
    EXPECT_TRUE(lenient.ok());
    EXPECT_EQ(lenient.diagnostics.items().size(), abi >= 4 ? 0U : 2U);
    if (abi < 4) {
        EXPECT_NE(lenient.diagnostics.items()[0].message.find("needs Landlock ABI 4"),
                  std::string::npos);
    }
}

TEST_P(PlanPerAbi, ExplicitRightsAreEnforcedOrFail) {
    const int abi = GetParam();
    Policy p;
    p.paths.push_back(explicit_rule("/var/log/app.log",
                                    FsAccess{AccessFs::WriteFile, AccessFs::Truncate}));
    RulesetPlan strict = make_plan(p, abi, {});
    EXPECT_EQ(strict.ok(), abi >= 3);
    if (abi < 3) {
        const Diagnostic& d = strict.diagnostics.items().at(0);
        EXPECT_EQ(d.where.to_string(), "p.json:3:5");
        EXPECT_EQ(d.message, "access right truncate on \"/var/log/app.log\" needs Landlock ABI 3; "
                             "this kernel has ABI " + std::to_string(abi));
        EXPECT_EQ(d.hints.at(0), "add --best-effort to run with what this kernel supports");
    }
    RulesetPlan lenient = make_plan(p, abi, {Tolerance::BestEffort, 0, {}});
    ASSERT_TRUE(lenient.ok());
    ASSERT_EQ(lenient.paths.size(), 1U);
    EXPECT_EQ(lenient.paths[0].granted.contains(AccessFs::Truncate), abi >= 3);
    EXPECT_TRUE(lenient.paths[0].rule.access.contains(AccessFs::Truncate));
}

TEST_P(PlanPerAbi, AuditFlagsNeedAbi7) {
    const int abi = GetParam();
    PlanOptions options{Tolerance::Strict, 0, LogFlags{LogFlag::NewExecOn}};
    RulesetPlan plan = make_plan(base_policy(), abi, options);
    EXPECT_EQ(plan.ok(), abi >= 7);
    EXPECT_EQ(plan.log_flags, abi >= 7 ? LogFlags{LogFlag::NewExecOn} : LogFlags{});
    options.tolerance = Tolerance::BestEffort;
    EXPECT_TRUE(make_plan(base_policy(), abi, options).ok());
}

TEST_P(PlanPerAbi, MinimumAbi) {
    const int abi = GetParam();
    EXPECT_EQ(make_plan(base_policy(), abi, {Tolerance::Strict, 5, {}}).ok(), abi >= 5);
    Policy p = base_policy();
    p.min_abi = 6;
    // --best-effort never lowers a minimum.
    EXPECT_EQ(make_plan(p, abi, {Tolerance::BestEffort, 0, {}}).ok(), abi >= 6);
}

TEST_P(PlanPerAbi, ResolveUnixAloneIsDroppedBeforeAbi9) {
    const int abi = GetParam();
    Policy p;
    p.paths.push_back(explicit_rule("/run/sock", FsAccess{AccessFs::ResolveUnix}));
    RulesetPlan plan = make_plan(p, abi, {Tolerance::BestEffort, 0, {}});
    ASSERT_TRUE(plan.ok());
    EXPECT_EQ(plan.paths.size(), abi >= 9 ? 1U : 0U);
}

INSTANTIATE_TEST_SUITE_P(Abi, PlanPerAbi, ::testing::Range(1, 10));

// The plan owns the rules it refers to: it stays whole when the policy it
// was made from is gone, and an index from elsewhere fails loudly.
TEST(Plan, OwnsItsRulesAndChecksIndices) {
    RulesetPlan plan;
    {
        Policy policy = base_policy();
        policy.paths.push_back(PathRule::of_group("/srv/data", Group::Ro, {}));
        plan = make_plan(policy, 6, {});
        policy.paths.clear();
        policy.paths.shrink_to_fit();
    }
    ASSERT_TRUE(plan.ok()) << plan.diagnostics.format();
    ASSERT_EQ(plan.paths.size(), 3U);
    EXPECT_EQ(plan.path(2).rule.path, "/srv/data");
    EXPECT_EQ(plan.path(2).granted, group_rights(Group::Ro));
    EXPECT_THROW((void)plan.path(3), std::out_of_range);
}

TEST(Plan, UnrestrictedCategories) {
    Policy p = base_policy();
    p.unrestricted_filesystem = true;
    p.ports.push_back({80, AccessNet::ConnectTcp, {}});
    RulesetPlan plan = make_plan(p, 7, {});
    ASSERT_TRUE(plan.ok());
    EXPECT_TRUE(plan.handled_fs.empty());
    EXPECT_TRUE(plan.paths.empty());
    EXPECT_EQ(plan.handled_net, all_rights<AccessNet>());

    p.unrestricted_network = true;
    plan = make_plan(p, 7, {});
    ASSERT_TRUE(plan.ok());
    EXPECT_TRUE(plan.handled_net.empty());
    EXPECT_TRUE(plan.ports.empty());
    EXPECT_EQ(plan.scoped, all_rights<Scope>());

    p.unrestricted_scopes = ScopeSet{Scope::Signal};
    plan = make_plan(p, 7, {});
    EXPECT_EQ(plan.scoped, ScopeSet{Scope::AbstractUnixSocket});

    p.unrestricted_scopes = all_rights<Scope>();
    plan = make_plan(p, 7, {});
    EXPECT_FALSE(plan.ok());
    EXPECT_NE(plan.diagnostics.format().find("nothing to restrict"), std::string::npos);
}

TEST(Plan, UnrestrictedNetworkOnOldKernelIsNotAWarning) {
    Policy p = base_policy();
    p.unrestricted_network = true;
    p.unrestricted_scopes = all_rights<Scope>();
    RulesetPlan plan = make_plan(p, 5, {});
    ASSERT_TRUE(plan.ok());
    // Only what was left restricted and the kernel cannot restrict is named:
    // the abstract scope opt-out needs socket(AF_UNIX), so no UNIX guard.
    EXPECT_EQ(plan.unenforced_summary(),
              "not restricted on Landlock ABI 5: pathname UNIX sockets (abstract UNIX sockets "
              "are unrestricted, so every socket is reachable) (needs ABI 9)");
}

TEST(Plan, NoLandlock) {
    RulesetPlan plan = make_plan(base_policy(), 0, {Tolerance::BestEffort, 0, {}});
    EXPECT_FALSE(plan.ok());
}

TEST(Plan, SummaryLine) {
    RulesetPlan plan = make_plan(base_policy(), 3, {});
    EXPECT_EQ(plan.unenforced_summary(),
              "not restricted on Landlock ABI 3: filesystem right ioctl_dev (needs ABI 5), "
              "network (needs ABI 4), scopes (abstract_unix_socket,signal) (needs ABI 6)");
}

/// Pathname UNIX sockets for ABI 1-9: Landlock from 9 on, the seccomp guard
/// below, nothing when the policy asks for UNIX sockets or opts out.
TEST_P(PlanPerAbi, UnixSockets) {
    const int abi = GetParam();
    Policy p = base_policy();
    const std::size_t grant = p.paths.size();
    p.paths.push_back(group_rule("/run/agent.sock", Group::Unix));
    RulesetPlan plan = make_plan(p, abi, {});
    ASSERT_TRUE(plan.ok()) << plan.diagnostics.format();
    EXPECT_EQ(plan.unix_sockets, abi < 9 ? UnixSockets::Unrestricted : UnixSockets::Landlock);
    const std::string summary = plan.unenforced_summary();
    EXPECT_EQ(summary.find("pathname UNIX sockets") != std::string::npos, abi < 9) << summary;
    // The group rule narrows silently: below 9 it has no right left to add.
    EXPECT_EQ(plan.paths.size(), abi < 9 ? grant : grant + 1);

    // An explicit request (--unix, a named right) fails below 9 unless --best-effort.
    p.paths.back().origin = RightsOrigin::Explicit;
    plan = make_plan(p, abi, {});
    EXPECT_EQ(plan.ok(), abi >= 9) << plan.diagnostics.format();
    plan = make_plan(p, abi, {Tolerance::BestEffort, 0, {}});
    ASSERT_TRUE(plan.ok());
    EXPECT_EQ(plan.unix_sockets, abi < 9 ? UnixSockets::Unrestricted : UnixSockets::Landlock);

    // The opt-out: no guard, and on ABI 9 resolve_unix is not handled.
    Policy out = base_policy();
    out.unrestricted_unix = true;
    plan = make_plan(out, abi, {});
    ASSERT_TRUE(plan.ok());
    EXPECT_EQ(plan.unix_sockets, UnixSockets::Unrestricted);
    EXPECT_FALSE(plan.handled_fs.contains(AccessFs::ResolveUnix));
    EXPECT_EQ(plan.unenforced_summary().find("UNIX"), std::string::npos);

    // An unrestricted filesystem restricts no socket either.
    Policy fs = base_policy();
    fs.unrestricted_filesystem = true;
    plan = make_plan(fs, abi, {});
    EXPECT_EQ(plan.ok(), abi >= 4);  // below 4 nothing would be left to restrict
    EXPECT_EQ(plan.unix_sockets, UnixSockets::Unrestricted);
}

} // namespace
} // namespace sandbox
