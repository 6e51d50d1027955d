// Filesystem rights, one by one, through the real launcher and the real kernel.
#include <cctype>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include "harness.hpp"

namespace sandbox_it {
namespace {

using nlohmann::json;

// Every test starts from the same tree under its temporary directory:
//   w/f ("hello")  w/d/ (empty)  w/a/m ("moved")  w/b/ (empty)  w/t (a copy of true)
class FilesystemTest : public SandboxTest {
protected:
    void SetUp() override {
        SandboxTest::SetUp();
        make_dir("w/d");
        make_dir("w/a");
        make_dir("w/b");
        make_file("w/f", "hello");
        make_file("w/a/m", "moved");
        copy_program("/usr/bin/true", "w/t");
    }
};

// ---------------------------------------------------------------------------
// --ro / --rox / --rw / --rwx on a directory: each operation denied without the
// flag that grants it, allowed with it, and its effect on disk checked apart.

struct FlagCase {
    std::string name;
    const char* op;
    const char* target;  // relative to the temporary directory
    const char* second;  // second argument (relative), or nullptr
    const char* flag;    // flag given for "w", or nullptr for no rule at all
    const char* expected;
    const char* appears;     // exists afterwards exactly when the operation should succeed
    const char* disappears;  // is gone afterwards exactly when the operation should succeed
    bool truncates;          // w/f is empty afterwards exactly when the operation should succeed
    int min_abi;
};

void PrintTo(const FlagCase& c, std::ostream* os) { *os << c.name; }

class FlagRights : public FilesystemTest, public ::testing::WithParamInterface<FlagCase> {};

TEST_P(FlagRights, ExactErrno) {
    const FlagCase& c = GetParam();
    SANDBOX_REQUIRE_ABI(c.min_abi);
    Args flags;
    if (c.flag != nullptr) {
        flags = {c.flag, path("w")};
    }
    Args op = {c.op};
    if (c.op == std::string("symlink")) {
        op.push_back("f");  // symlink's first argument is the link's content
    }
    op.push_back(path(c.target));
    if (c.second != nullptr) {
        op.push_back(path(c.second));
    }
    EXPECT_EQ(c.expected, probe(flags, op));
    // The effect on disk, judged against the expectation, not the probe's word.
    const bool succeeded = std::string(c.expected) == "OK";
    if (c.appears != nullptr) {
        EXPECT_EQ(succeeded, exists(path(c.appears))) << c.appears;
    }
    if (c.disappears != nullptr) {
        EXPECT_EQ(succeeded, !exists(path(c.disappears))) << c.disappears;
    }
    if (c.truncates) {
        EXPECT_EQ(succeeded ? "" : "hello", read_file(path("w/f")));
    }
}

// A row for each case, or one row for a pair `NAMERo` (--ro: EACCES) and
// `NAMERw` (--rw: OK) that differ only in that.
struct FlagRow {
    const char* name;
    const char* op;
    const char* target;
    const char* second;
    const char* flag;      // as in FlagCase; nullptr for a pair
    const char* expected;  // nullptr for a pair
    const char* appears;
    const char* disappears;
    bool truncates;
    int min_abi;
};

std::vector<FlagCase> flag_cases(std::initializer_list<FlagRow> rows) {
    std::vector<FlagCase> out;
    for (const FlagRow& r : rows) {
        if (r.expected != nullptr) {
            out.push_back({r.name, r.op, r.target, r.second, r.flag, r.expected, r.appears,
                           r.disappears, r.truncates, r.min_abi});
            continue;
        }
        for (const auto& [suffix, flag, expected] :
             {std::tuple{"Ro", "--ro", "EACCES"}, std::tuple{"Rw", "--rw", "OK"}}) {
            out.push_back({std::string(r.name) + suffix, r.op, r.target, r.second, flag, expected,
                           r.appears, r.disappears, r.truncates, r.min_abi});
        }
    }
    return out;
}

// clang-format off
const std::vector<FlagCase> kFlagCases = flag_cases({
    // name (+Ro, +Rw)     op             target      second     flag       expected   appears    disappears truncates abi
    {"ReadNoRule",          "read",        "w/f",      nullptr,   nullptr,   "EACCES",  nullptr,   nullptr,   false,  1},
    {"ReadRo",              "read",        "w/f",      nullptr,   "--ro",    "OK",      nullptr,   nullptr,   false,  1},
    {"ReadDirNoRule",       "readdir",     "w",        nullptr,   nullptr,   "EACCES",  nullptr,   nullptr,   false,  1},
    {"ReadDirRo",           "readdir",     "w",        nullptr,   "--ro",    "OK",      nullptr,   nullptr,   false,  1},
    {"ReadSubdirRo",        "readdir",     "w/d",      nullptr,   "--ro",    "OK",      nullptr,   nullptr,   false,  1},
    {"Write",               "write",       "w/f",      nullptr,   nullptr,   nullptr,   nullptr,   nullptr,   false,  1},
    {"Append",              "append",      "w/f",      nullptr,   nullptr,   nullptr,   nullptr,   nullptr,   false,  1},
    {"Truncate",            "truncate",    "w/f",      nullptr,   nullptr,   nullptr,   nullptr,   nullptr,   true,   3},
    {"TruncOpen",           "trunc-open",  "w/f",      nullptr,   nullptr,   nullptr,   nullptr,   nullptr,   true,   3},
    {"Unlink",              "unlink",      "w/f",      nullptr,   nullptr,   nullptr,   nullptr,   "w/f",     false,  1},
    {"Rmdir",               "rmdir",       "w/d",      nullptr,   nullptr,   nullptr,   nullptr,   "w/d",     false,  1},
    {"Create",              "create",      "w/new",    nullptr,   nullptr,   nullptr,   "w/new",   nullptr,   false,  1},
    {"Mkdir",               "mkdir",       "w/new",    nullptr,   nullptr,   nullptr,   "w/new",   nullptr,   false,  1},
    {"Symlink",             "symlink",     "w/new",    nullptr,   nullptr,   nullptr,   "w/new",   nullptr,   false,  1},
    {"Mkfifo",              "mkfifo",      "w/new",    nullptr,   nullptr,   nullptr,   "w/new",   nullptr,   false,  1},
    {"Mksock",              "mksock",      "w/new",    nullptr,   nullptr,   nullptr,   "w/new",   nullptr,   false,  1},
    // Root may create device nodes (CAP_MKNOD): only Landlock can say EACCES here.
    {"Mkchar",              "mkchar",      "w/new",    nullptr,   nullptr,   nullptr,   "w/new",   nullptr,   false,  1},
    {"Mkblock",             "mkblock",     "w/new",    nullptr,   nullptr,   nullptr,   "w/new",   nullptr,   false,  1},
    {"RenameAcrossDirs",    "rename",      "w/a/m",    "w/b/m",   nullptr,   nullptr,   "w/b/m",   "w/a/m",   false,  2},
    {"LinkAcrossDirs",      "link",        "w/a/m",    "w/b/m",   nullptr,   nullptr,   "w/b/m",   nullptr,   false,  2},
    {"ExecNoRule",          "exec",        "w/t",      nullptr,   nullptr,   "EACCES",  nullptr,   nullptr,   false,  1},
    {"ExecRo",              "exec",        "w/t",      nullptr,   "--ro",    "EACCES",  nullptr,   nullptr,   false,  1},
    {"ExecRw",              "exec",        "w/t",      nullptr,   "--rw",    "EACCES",  nullptr,   nullptr,   false,  1},
    {"ExecRox",             "exec",        "w/t",      nullptr,   "--rox",   "OK",      nullptr,   nullptr,   false,  1},
    {"ExecRwx",             "exec",        "w/t",      nullptr,   "--rwx",   "OK",      nullptr,   nullptr,   false,  1},
    {"WriteRox",            "write",       "w/f",      nullptr,   "--rox",   "EACCES",  nullptr,   nullptr,   false,  1},
    {"WriteRwx",            "write",       "w/f",      nullptr,   "--rwx",   "OK",      nullptr,   nullptr,   false,  1},
    // Setup check: a missing file is ENOENT, not a denial.
    {"ReadMissingRo",       "read",        "w/none",   nullptr,   "--ro",    "ENOENT",  nullptr,   nullptr,   false,  1},
});
// clang-format on

INSTANTIATE_TEST_SUITE_P(Directory, FlagRights, ::testing::ValuesIn(kFlagCases),
                         [](const auto& p) { return std::string(p.param.name); });

// ---------------------------------------------------------------------------
// Each right isolated: a JSON rule on "w" that grants every right the kernel
// knows except one. The operation needing that right is denied; with every right
// it succeeds.

struct Right {
    const char* name;
    int since_abi;
};

// The kernel's filesystem rights (ABI 1-5), independent of the launcher's table.
// resolve_unix (ABI 9) is left out: naming it on an older kernel is an error.
const Right kRights[] = {
    {"execute", 1},     {"write_file", 1}, {"read_file", 1},  {"read_dir", 1},
    {"remove_dir", 1},  {"remove_file", 1}, {"make_char", 1}, {"make_dir", 1},
    {"make_reg", 1},    {"make_sock", 1},  {"make_fifo", 1},  {"make_block", 1},
    {"make_sym", 1},    {"refer", 2},      {"truncate", 3},   {"ioctl_dev", 5},
};

json all_rights_except(const std::string& left_out) {
    json out = json::array();
    for (const Right& r : kRights) {
        if (r.since_abi <= launcher_abi() && left_out != r.name) {
            out.push_back(r.name);
        }
    }
    return out;
}

struct RightCase {
    const char* name;
    const char* right;  // the right left out
    const char* op;
    const char* target;
    const char* second;
    const char* denied;  // errno name when the right is missing
    int min_abi;
};

void PrintTo(const RightCase& c, std::ostream* os) { *os << c.name; }

class IsolatedRight : public FilesystemTest, public ::testing::WithParamInterface<RightCase> {
protected:
    std::string run_with(const json& access) {
        const RightCase& c = GetParam();
        const std::string policy = write_policy(
            "policy.json", {{"filesystem", {{"rules", {{{"path", path("w")}, {"access", access}}}}}}});
        Args op = {c.op};
        if (c.op == std::string("symlink")) {
            op.push_back("f");
        }
        op.push_back(path(c.target));
        if (c.second != nullptr) {
            op.push_back(path(c.second));
        }
        return probe({"--policy", policy}, op);
    }
};

TEST_P(IsolatedRight, DeniedWithoutIt) {
    SANDBOX_REQUIRE_ABI(GetParam().min_abi);
    EXPECT_EQ(GetParam().denied, run_with(all_rights_except(GetParam().right)));
}

TEST_P(IsolatedRight, AllowedWithEveryRight) {
    SANDBOX_REQUIRE_ABI(GetParam().min_abi);
    EXPECT_EQ("OK", run_with(all_rights_except("")));
}

// clang-format off
const RightCase kRightCases[] = {
    {"Execute",       "execute",     "exec",       "w/t",   nullptr, "EACCES", 1},
    {"WriteFile",     "write_file",  "write",      "w/f",   nullptr, "EACCES", 1},
    {"ReadFile",      "read_file",   "read",       "w/f",   nullptr, "EACCES", 1},
    {"ReadDir",       "read_dir",    "readdir",    "w",     nullptr, "EACCES", 1},
    {"RemoveDir",     "remove_dir",  "rmdir",      "w/d",   nullptr, "EACCES", 1},
    {"RemoveFile",    "remove_file", "unlink",     "w/f",   nullptr, "EACCES", 1},
    {"MakeChar",      "make_char",   "mkchar",     "w/new", nullptr, "EACCES", 1},
    {"MakeDir",       "make_dir",    "mkdir",      "w/new", nullptr, "EACCES", 1},
    {"MakeReg",       "make_reg",    "create",     "w/new", nullptr, "EACCES", 1},
    {"MakeSock",      "make_sock",   "mksock",     "w/new", nullptr, "EACCES", 1},
    {"MakeFifo",      "make_fifo",   "mkfifo",     "w/new", nullptr, "EACCES", 1},
    {"MakeBlock",     "make_block",  "mkblock",    "w/new", nullptr, "EACCES", 1},
    {"MakeSym",       "make_sym",    "symlink",    "w/new", nullptr, "EACCES", 1},
    // Without refer, reparenting is refused with EXDEV even inside one rule.
    {"ReferRename",   "refer",       "rename",     "w/a/m", "w/b/m", "EXDEV",  2},
    {"ReferLink",     "refer",       "link",       "w/a/m", "w/b/m", "EXDEV",  2},
    {"Truncate",      "truncate",    "truncate",   "w/f",   nullptr, "EACCES", 3},
    {"TruncOpen",     "truncate",    "trunc-open", "w/f",   nullptr, "EACCES", 3},
};
// clang-format on

INSTANTIATE_TEST_SUITE_P(Json, IsolatedRight, ::testing::ValuesIn(kRightCases),
                         [](const auto& p) { return std::string(p.param.name); });

// ---------------------------------------------------------------------------
// refer between two separately ruled directories.

TEST_F(FilesystemTest, RenameBetweenTwoRwDirsIsAllowed) {
    SANDBOX_REQUIRE_ABI(2);
    const Args flags = {"--rw", path("w/a"), "--rw", path("w/b")};
    EXPECT_EQ("OK", probe(flags, {"rename", path("w/a/m"), path("w/b/m")}));
    EXPECT_EQ("moved", read_file(path("w/b/m")));
    EXPECT_EQ("OK", probe(flags, {"link", path("w/b/m"), path("w/a/l")}));
    EXPECT_TRUE(exists(path("w/a/l")));
}

TEST_F(FilesystemTest, RenameBetweenDirsWithoutReferIsExdev) {
    SANDBOX_REQUIRE_ABI(2);
    const json access = {"read_file", "read_dir", "write_file", "make_reg", "remove_file"};
    const std::string policy = write_policy(
        "policy.json", {{"filesystem",
                         {{"rules",
                           {{{"path", path("w/a")}, {"access", access}},
                            {{"path", path("w/b")}, {"access", access}}}}}}});
    const Args flags = {"--policy", policy};
    EXPECT_EQ("EXDEV", probe(flags, {"rename", path("w/a/m"), path("w/b/m")}));
    EXPECT_EQ("EXDEV", probe(flags, {"link", path("w/a/m"), path("w/b/m")}));
    EXPECT_TRUE(exists(path("w/a/m")));
    EXPECT_FALSE(exists(path("w/b/m")));
    // The same rights suffice inside one directory: refer is about reparenting.
    EXPECT_EQ("OK", probe(flags, {"rename", path("w/a/m"), path("w/a/renamed")}));
    EXPECT_EQ("moved", read_file(path("w/a/renamed")));
}

// ---------------------------------------------------------------------------
// ioctl_dev on a device file.

TEST_F(FilesystemTest, IoctlOnDevNullDeniedWithRo) {
    SANDBOX_REQUIRE_ABI(5);
    EXPECT_EQ("EACCES", probe({"--ro", "/dev/null"}, {"ioctl", "/dev/null"}));
}

TEST_F(FilesystemTest, IoctlOnDevNullReachesDriverWithRw) {
    SANDBOX_REQUIRE_ABI(5);
    // /dev/null is no terminal: ENOTTY comes from the driver, past Landlock.
    EXPECT_EQ("ENOTTY", probe({"--rw", "/dev/null"}, {"ioctl", "/dev/null"}));
}

TEST_F(FilesystemTest, IoctlDevRightIsolatedInJsonRule) {
    SANDBOX_REQUIRE_ABI(5);
    auto policy_with = [&](const json& access) {
        return write_policy("dev.json",
                            {{"filesystem",
                              {{"rules", {{{"path", "/dev/null"}, {"access", access}}}}}}});
    };
    EXPECT_EQ("EACCES", probe({"--policy", policy_with({"read_file", "write_file", "truncate"})},
                              {"ioctl", "/dev/null"}));
    EXPECT_EQ("ENOTTY",
              probe({"--policy", policy_with({"read_file", "ioctl_dev"})}, {"ioctl", "/dev/null"}));
}

// ---------------------------------------------------------------------------
// Rules on files: directory-only rights are masked, siblings stay denied.

TEST_F(FilesystemTest, RwOnAFileWritesThatFileOnly) {
    make_file("w/g", "sibling");
    const Args flags = {"--rw", path("w/f")};
    EXPECT_EQ("OK", probe(flags, {"write-file", path("w/f"), "written"}));
    EXPECT_EQ("written", read_file(path("w/f")));
    EXPECT_EQ("OK", probe(flags, {"read", path("w/f")}));
    EXPECT_EQ("EACCES", probe(flags, {"write", path("w/g")}));
    EXPECT_EQ("EACCES", probe(flags, {"read", path("w/g")}));
    EXPECT_EQ("EACCES", probe(flags, {"unlink", path("w/f")}));
    EXPECT_EQ("EACCES", probe(flags, {"create", path("w/new")}));
    EXPECT_EQ("sibling", read_file(path("w/g")));
}

TEST_F(FilesystemTest, RwOnAFileAllowsTruncatingIt) {
    SANDBOX_REQUIRE_ABI(3);
    EXPECT_EQ("OK", probe({"--rw", path("w/f")}, {"truncate", path("w/f")}));
    EXPECT_EQ("", read_file(path("w/f")));
}

TEST_F(FilesystemTest, RoOnAFileReadsThatFileOnly) {
    make_file("w/g", "sibling");
    const Args flags = {"--ro", path("w/f")};
    EXPECT_EQ("OK", probe(flags, {"read", path("w/f")}));
    EXPECT_EQ("EACCES", probe(flags, {"read", path("w/g")}));
    EXPECT_EQ("EACCES", probe(flags, {"readdir", path("w")}));
    EXPECT_EQ("EACCES", probe(flags, {"write", path("w/f")}));
}

TEST_F(FilesystemTest, RoxOnAFileExecutesThatFileOnly) {
    copy_program("/usr/bin/true", "w/t2");
    const Args flags = {"--rox", path("w/t")};
    EXPECT_EQ("OK", probe(flags, {"exec", path("w/t")}));
    EXPECT_EQ("EACCES", probe(flags, {"exec", path("w/t2")}));
}

TEST_F(FilesystemTest, RuleOnASymlinkLandsOnItsTarget) {
    std::filesystem::create_symlink(path("w/f"), path("link"));
    EXPECT_EQ("OK", probe({"--ro", path("link")}, {"read", path("w/f")}));
}

TEST_F(FilesystemTest, CommaSeparatedPaths) {
    make_file("w/g", "sibling");
    const Args flags = {"--ro", path("w/f") + "," + path("w/g")};
    EXPECT_EQ("OK", probe(flags, {"read", path("w/f")}));
    EXPECT_EQ("OK", probe(flags, {"read", path("w/g")}));
    EXPECT_EQ("EACCES", probe(flags, {"read", path("w/a/m")}));
}

// ---------------------------------------------------------------------------
// --unrestricted-filesystem leaves the filesystem alone and nothing else.

TEST_F(FilesystemTest, UnrestrictedFilesystemReadsAnything) {
    // No rule at all: even the probe's own directory is reachable.
    RunResult r = run_sandbox({"--unrestricted-filesystem", "--", probe_bin(), "read", path("w/f")});
    EXPECT_EQ(0, r.exit_status) << r.describe();
    EXPECT_EQ("OK\n", r.out);
    r = run_sandbox({"--unrestricted-filesystem", "--", probe_bin(), "create", path("w/new")});
    EXPECT_EQ("OK\n", r.out) << r.describe();
    EXPECT_TRUE(exists(path("w/new")));
}

// ---------------------------------------------------------------------------
// Missing paths.

TEST_F(FilesystemTest, IgnoreMissingSkipsAMissingPath) {
    const Args flags = {"--ignore-missing", "--ro", path("w/missing"), "--ro", path("w/f")};
    EXPECT_EQ("OK", probe(flags, {"read", path("w/f")}));
}

TEST_F(FilesystemTest, MissingPathWithoutIgnoreMissingIsAnError) {
    RunResult r = run_sandbox(
        concat({exec_flags(), {"--ro", path("w/missing"), "--rw", path("w"), "--", probe_bin(),
                               "create", path("w/marker")}}));
    EXPECT_TRUE(is_launcher_error(r));
    EXPECT_FALSE(exists(path("w/marker")));
}

TEST_F(FilesystemTest, OptionalMissingPathInJsonIsSkipped) {
    const std::string policy = write_policy(
        "policy.json",
        {{"filesystem",
          {{"ro", {{{"path", path("w/missing")}, {"optional", true}}, path("w/f")}}}}});
    EXPECT_EQ("OK", probe({"--policy", policy}, {"read", path("w/f")}));
}

TEST_F(FilesystemTest, NonOptionalMissingPathInJsonIsAnError) {
    const std::string policy =
        write_policy("policy.json", {{"filesystem", {{"ro", {path("w/missing")}}}}});
    RunResult r = run_sandbox(
        concat({exec_flags(), {"--policy", policy, "--", probe_bin(), "read", path("w/f")}}));
    EXPECT_TRUE(is_launcher_error(r));
    EXPECT_NE(std::string::npos, r.err.find("ENOENT")) << r.describe();
}

// ---------------------------------------------------------------------------
// Magic links would grant whole trees: refused.

class MagicLink : public SandboxTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(MagicLink, RefusedWithEloop) {
    const std::string magic = GetParam();
    RunResult r = run_sandbox(concat({exec_flags(), {"--ro", magic, "--rw", dir_.string(), "--",
                                                     probe_bin(), "create", path("marker")}}));
    EXPECT_TRUE(is_launcher_error(r));
    ASSERT_FALSE(r.err_lines().empty());
    const std::string first = r.err_lines().front();
    EXPECT_NE(std::string::npos, first.find("\"" + magic + "\"")) << first;
    EXPECT_NE(std::string::npos, first.find("(ELOOP)")) << first;
    EXPECT_FALSE(exists(path("marker")));
}

INSTANTIATE_TEST_SUITE_P(Proc, MagicLink,
                         ::testing::Values("/proc/self/root", "/proc/self/cwd", "/proc/self/exe",
                                           "/proc/self/fd/0"),
                         [](const auto& p) {
                             std::string name;
                             for (char ch : std::string(p.param)) {
                                 if (std::isalnum(static_cast<unsigned char>(ch)) != 0) {
                                     name += ch;
                                 }
                             }
                             return name;
                         });

// ---------------------------------------------------------------------------
// Policy files end to end: includes, variables, explicit rights on old kernels.

TEST_F(FilesystemTest, IncludedPolicyAndVariablesAddUp) {
    make_file("g", "included");
    write_policy("inc.json", {{"filesystem", {{"ro", {"${SANDBOX_IT_DIR}/g"}}}}});
    const std::string main_policy = write_policy(
        "main.json", {{"include", {"inc.json"}}, {"filesystem", {{"ro", {path("w/f")}}}}});
    const RunOptions env = with_env(environment_with({"SANDBOX_IT_DIR=" + dir_.string()}));
    EXPECT_EQ("OK", probe({"--policy", main_policy}, {"read", path("w/f")}, env));
    EXPECT_EQ("OK", probe({"--policy", main_policy}, {"read", path("g")}, env));
    EXPECT_EQ("EACCES", probe({"--policy", main_policy}, {"read", path("w/a/m")}, env));
}

TEST_F(FilesystemTest, UnsetVariableInPolicyIsAnError) {
    const std::string policy =
        write_policy("p.json", {{"filesystem", {{"ro", {"${SANDBOX_IT_UNSET_VARIABLE}/f"}}}}});
    RunResult r = run_sandbox(
        concat({exec_flags(), {"--policy", policy, "--", probe_bin(), "read", path("w/f")}}),
        with_env(environment_with({}, {"SANDBOX_IT_UNSET_VARIABLE"})));
    EXPECT_EQ(125, r.exit_status) << r.describe();
    EXPECT_TRUE(has_line_starting_with(r.err_lines(), policy + ":")) << r.describe();
    EXPECT_NE(std::string::npos, r.err.find("SANDBOX_IT_UNSET_VARIABLE")) << r.describe();
    EXPECT_EQ("", r.out);
}

TEST_F(FilesystemTest, RightNewerThanKernelFailsUnlessBestEffort) {
    if (launcher_abi() >= 9) {
        GTEST_SKIP() << "the kernel knows resolve_unix (ABI 9): nothing to degrade";
    }
    const std::string policy = write_policy(
        "p.json", {{"filesystem",
                    {{"rules", {{{"path", path("w")}, {"access", {"read_file", "resolve_unix"}}}}}}}});
    RunResult r = run_sandbox(
        concat({exec_flags(), {"--policy", policy, "--", probe_bin(), "read", path("w/f")}}));
    EXPECT_EQ(125, r.exit_status) << r.describe();
    EXPECT_NE(std::string::npos, r.err.find("resolve_unix")) << r.describe();
    EXPECT_NE(std::string::npos, r.err.find("--best-effort")) << r.describe();
    EXPECT_EQ("", r.out);

    // --best-effort drops the unknown right, warns, and enforces the rest.
    r = run_sandbox(concat({exec_flags(), {"--best-effort", "--policy", policy, "--", probe_bin(),
                                           "read", path("w/f")}}));
    EXPECT_EQ("OK\n", r.out) << r.describe();
    EXPECT_NE(std::string::npos, r.err.find("warning")) << r.describe();
    EXPECT_EQ("EACCES", probe({"--best-effort", "--policy", policy}, {"readdir", path("w")}));
}

// ---------------------------------------------------------------------------
// A sandbox inside a sandbox can only narrow.

TEST_F(FilesystemTest, NestedSandboxCannotWiden) {
    const std::string sandbox_dir = std::filesystem::path(sandbox_bin()).parent_path().string();
    // The inner launcher lists its threads in /proc/self/task: the outer one allows /proc.
    const Args outer = concat({exec_flags(), {"--rox", sandbox_dir, "--ro", "/proc", "--ro",
                                              path("w/f"), "--"}});
    const Args inner = concat({{sandbox_bin()}, exec_flags(), {"--ro", path("w"), "--", probe_bin()}});
    RunResult r = run_sandbox(concat({outer, inner, {"read", path("w/f")}}));
    EXPECT_EQ("OK\n", r.out) << r.describe();
    r = run_sandbox(concat({outer, inner, {"read", path("w/a/m")}}));
    EXPECT_EQ("EACCES\n", r.out) << r.describe();
}

// ---------------------------------------------------------------------------
// The README scenario, as a user would type it.

TEST_F(FilesystemTest, ReadmeScenario) {
    const std::string file = path("readme-f");
    RunResult r = run_sandbox({"--rox", "/usr", "--rox", "/lib", "--rox", "/lib64", "--rox",
                               "/bin", "--ro", "/etc", "--rw", "/tmp", "--", "sh", "-c",
                               "echo ok >" + file + "; cat " + file});
    EXPECT_EQ(0, r.exit_status) << r.describe();
    EXPECT_EQ("ok\n", r.out);
    EXPECT_EQ("ok\n", read_file(file));
}

TEST_F(FilesystemTest, ReadmeScenarioCannotWriteVarTmp) {
    const std::string var_tmp = make_temp_dir_in("/var/tmp");
    const std::string file = var_tmp + "/f";
    RunResult r = run_sandbox({"--rox", "/usr", "--rox", "/lib", "--rox", "/lib64", "--rox",
                               "/bin", "--ro", "/etc", "--rw", "/tmp", "--", "sh", "-c",
                               "echo ok >" + file});
    EXPECT_NE(0, r.exit_status) << r.describe();
    EXPECT_NE(std::string::npos, r.err.find("Permission denied")) << r.describe();
    EXPECT_FALSE(exists(file));
}

}  // namespace
}  // namespace sandbox_it
