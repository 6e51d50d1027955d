// Hostile policy files: every one is refused with exit 125, the exact
// FILE:LINE:COLUMN diagnostic and the summary line, and the command (which
// would create a marker file) never runs. Nothing hangs, nothing crashes.
#include <sys/stat.h>

#include <fstream>
#include <string>

#include "harness.hpp"

namespace sandbox_it {
namespace {

using nlohmann::json;

const char* const kSummary1 = "sandbox: error: invalid policy: 1 error(s)";

class HostilePolicy : public SandboxTest {
protected:
    void SetUp() override {
        SandboxTest::SetUp();
        make_dir("w");
    }

    // Runs the launcher with `policy`; the command would write w/marker.
    RunResult run_with(const std::string& policy) {
        return run_sandbox(
            concat({exec_flags(), marker_rule(), {"--policy", policy}, marker_command()}));
    }

    std::string write_raw(const std::string& name, const std::string& bytes) {
        std::ofstream f(path(name), std::ios::binary);
        f << bytes;
        return path(name);
    }

    // Exit 125, the first line is `first`, the last is `last`, nothing ran.
    void expect_refused(const RunResult& r, const std::string& first,
                        const std::string& last = kSummary1) {
        EXPECT_EQ(125, r.exit_status) << r.describe();
        EXPECT_EQ(0, r.term_signal) << r.describe();
        const auto err = r.err_lines();
        ASSERT_FALSE(err.empty()) << r.describe();
        EXPECT_EQ(first, err.front()) << r.describe();
        EXPECT_EQ(last, err.back()) << r.describe();
        EXPECT_EQ("", r.out);
        EXPECT_FALSE(ran()) << "the command ran after a policy error";
    }
};

struct TextCase {
    const char* name;
    std::string text;
    const char* diagnostic;  // after "FILE:"
};

void PrintTo(const TextCase& c, std::ostream* os) { *os << c.name; }

class HostileText : public HostilePolicy, public ::testing::WithParamInterface<TextCase> {};

TEST_P(HostileText, RefusedWithExactDiagnostic) {
    const TextCase& c = GetParam();
    const std::string file = write_raw("policy.json", c.text);
    expect_refused(run_with(file), file + ":" + c.diagnostic);
}

std::string nested(char open, char close, int depth, const std::string& inner = "") {
    std::string key = open == '{' ? "\"a\":" : "";
    std::string s;
    for (int i = 0; i < depth; ++i) {
        s += open;
        if (i + 1 < depth || !inner.empty()) {
            s += key;
        }
    }
    s += inner;
    s.append(static_cast<std::size_t>(depth), close);
    return s;
}

using namespace std::string_literals;

// clang-format off
const TextCase kTextCases[] = {
    {"empty_file", "", "1:1: error: empty document"},
    {"binary_garbage", "\x7f" "ELF\x02\x01\x01\x00\x00"s, "1:1: error: unexpected character byte 0x7f"},
    {"truncated", R"({"filesystem": {"ro": ["/usr")", "1:30: error: unexpected end of file inside array"},
    {"top_level_array", "[1, 2]\n", "1:1: error: a policy must be a JSON object, not an array"},
    {"top_level_string", "\"policy\"\n", "1:1: error: a policy must be a JSON object, not a string"},
    {"top_level_null", "null\n", "1:1: error: a policy must be a JSON object, not a null"},
    {"top_level_number", "42\n", "1:1: error: a policy must be a JSON object, not a number"},
    {"duplicate_top_key", R"({"description":"a","description":"b"})",
     "1:20: error: duplicate key \"description\" in policy (first at line 1, column 2)"},
    {"duplicate_nested_key", R"({"filesystem": {"ro": [], "ro": []}})",
     "1:27: error: duplicate key \"ro\" in \"filesystem\" (first at line 1, column 17)"},
    {"unknown_top_key", R"({"bogus": 1})", "1:2: error: unknown key \"bogus\" in policy"},
    {"unknown_nested_key", R"({"filesystem": {"rox2": []}})",
     "1:17: error: unknown key \"rox2\" in \"filesystem\""},
    {"wrong_type_list", R"({"filesystem": {"ro": "/usr"}})",
     "1:23: error: \"ro\" must be an array, not a string"},
    {"wrong_type_min_abi", R"({"min_abi": "4"})", "1:13: error: \"min_abi\" must be a number, not a string"},
    {"wrong_type_port_bool", R"({"network": {"connect_tcp": [true]}})",
     "1:30: error: port must be a number, not a boolean"},
    {"unknown_right", R"({"filesystem": {"rules": [{"path": "/usr", "access": ["read_file", "fly"]}]}})",
     "1:68: error: unknown filesystem access right \"fly\""},
    {"nul_in_path", R"({"filesystem": {"ro": ["/usr\u0000/etc"]}})", "1:24: error: path contains a NUL character"},
    {"nul_in_key", R"({"desc\u0000ription": "x"})", "1:2: error: unknown key \"desc\\x00ription\" in policy"},
    {"invalid_utf8", "{\"description\": \"\xff\xfe\"}", "1:18: error: invalid UTF-8 in string"},
    {"overlong_utf8", "{\"description\": \"\xc0\xaf\"}", "1:18: error: invalid UTF-8 in string"},
    {"unpaired_surrogate", R"({"description": "\ud800"})", "1:18: error: unpaired surrogate in '\\u' escape"},
    {"byte_order_mark", "\xef\xbb\xbf{}", "1:1: error: byte order mark is not allowed"},
    {"trailing_data", "{} x\n", "1:4: error: extra data after the JSON value"},
    {"comment", "// c\n{}", "1:1: error: unexpected character '/'"},
    {"trailing_comma", R"({"filesystem": {"ro": ["/usr",]}})", "1:30: error: trailing comma before ']'"},
    {"arrays_100000_deep", nested('[', ']', 100000), "1:33: error: nesting deeper than 32 levels"},
    {"objects_100000_deep", nested('{', '}', 100000, "1"), "1:161: error: nesting deeper than 32 levels"},
    {"port_65536", R"({"network": {"connect_tcp": [65536]}})", "1:30: error: port 65536 is out of range (1-65535)"},
    {"port_negative", R"({"network": {"connect_tcp": [-1]}})", "1:30: error: port -1 is out of range (1-65535)"},
    {"port_0_connect", R"({"network": {"connect_tcp": [0]}})", "1:30: error: port 0 is out of range (1-65535)"},
    // 4294967739 = 2^32 + 443: must not wrap to 443.
    {"port_wraps_32_bits", R"({"network": {"connect_tcp": [4294967739]}})",
     "1:30: error: port 4294967739 is out of range (1-65535)"},
    {"port_fractional", R"({"network": {"connect_tcp": [443.5]}})", "1:30: error: port must be a whole number, not 443.5"},
    {"port_huge_exponent", R"({"network": {"connect_tcp": [1e400]}})", "1:30: error: port must be a whole number, not 1e400"},
    {"port_exponent_form", R"({"network": {"connect_tcp": [4.43e2]}})", "1:30: error: port must be a whole number, not 4.43e2"},
    {"port_string", R"({"network": {"connect_tcp": ["443"]}})", "1:30: error: port must be a number, not a string"},
    {"min_abi_huge_exponent", R"({"min_abi": 1e999999})", "1:13: error: \"min_abi\" must be a whole number, not 1e999999"},
    {"min_abi_huge_integer", R"({"min_abi": 99999999999999999999999})",
     "1:13: error: \"min_abi\" 99999999999999999999999 is out of range (1-9)"},
    {"min_abi_negative", R"({"min_abi": -3})", "1:13: error: \"min_abi\" -3 is out of range (1-9)"},
    {"min_abi_zero", R"({"min_abi": 0})", "1:13: error: \"min_abi\" 0 is out of range (1-9)"},
    {"unset_variable", R"({"filesystem": {"ro": ["${SANDBOX_ADV_NOT_SET}"]}})",
     "1:25: error: environment variable SANDBOX_ADV_NOT_SET is not set"},
};
// clang-format on

INSTANTIATE_TEST_SUITE_P(Json, HostileText, ::testing::ValuesIn(kTextCases),
                         [](const auto& p) { return std::string(p.param.name); });

// ---------------------------------------------------------------------------
// Files that are not small regular files. None of them may block the launcher.

std::string not_regular(const std::string& file) {
    return "sandbox: error: --policy " + file + ": policy file \"" + file +
           "\" is not a regular file";
}

TEST_F(HostilePolicy, FifoDoesNotHang) {
    const std::string fifo = path("fifo.json");
    ASSERT_EQ(0, mkfifo(fifo.c_str(), 0644));
    RunResult r = run_with(fifo);
    EXPECT_FALSE(r.timed_out);
    expect_refused(r, not_regular(fifo), not_regular(fifo));
}

TEST_F(HostilePolicy, DirectoryIsRefused) {
    const std::string dir = make_dir("dir.json");
    expect_refused(run_with(dir), not_regular(dir), not_regular(dir));
}

TEST_F(HostilePolicy, DevZeroIsRefused) {
    expect_refused(run_with("/dev/zero"), not_regular("/dev/zero"), not_regular("/dev/zero"));
}

TEST_F(HostilePolicy, FileOver16MiBIsRefused) {
    const std::string file =
        write_raw("huge.json", "{\"description\": \"" + std::string(17u << 20, 'a') + "\"}");
    const std::string line = "sandbox: error: --policy " + file + ": policy file \"" + file +
                             "\" is larger than 16777216 bytes";
    expect_refused(run_with(file), line, line);
}

// ---------------------------------------------------------------------------
// Includes: cycles, depth, fan-out.

TEST_F(HostilePolicy, IncludeCycle) {
    write_raw("a.json", R"({"include": ["./b.json"]})");
    write_raw("b.json", R"({"include": ["./a.json"]})");
    expect_refused(run_with(path("a.json")),
                   path("b.json") + ":1:14: error: include cycle: " + path("a.json") + " -> " +
                       path("b.json") + " -> " + path("a.json"));
}

TEST_F(HostilePolicy, SelfInclude) {
    write_raw("self.json", R"({"include": ["self.json"]})");
    expect_refused(run_with(path("self.json")),
                   path("self.json") + ":1:14: error: include cycle: " + path("self.json") +
                       " -> " + path("self.json"));
}

TEST_F(HostilePolicy, IncludeChainDeeperThan16) {
    for (int i = 0; i < 20; ++i) {
        write_raw("d" + std::to_string(i) + ".json",
                  i < 19 ? R"({"include": ["d)" + std::to_string(i + 1) + R"(.json"]})" : "{}");
    }
    expect_refused(run_with(path("d0.json")),
                   path("d16.json") + ":1:14: error: includes nested deeper than 16 levels");
}

// Each file includes ten others, three levels: 1111 files, cut at 256.
TEST_F(HostilePolicy, FanOutBombStopsAt256Files) {
    for (int level = 0; level < 4; ++level) {
        int count = 1;
        for (int k = 0; k < level; ++k) {
            count *= 10;
        }
        for (int i = 0; i < count; ++i) {
            json p = {{"description", "leaf"}};
            if (level < 3) {
                json inc = json::array();
                for (int k = 0; k < 10; ++k) {
                    inc.push_back("f" + std::to_string(level + 1) + "_" + std::to_string(i * 10 + k) +
                                  ".json");
                }
                p = {{"include", inc}};
            }
            write_policy("f" + std::to_string(level) + "_" + std::to_string(i) + ".json", p);
        }
    }
    RunResult r = run_with(path("f0_0.json"));
    EXPECT_EQ(125, r.exit_status) << r.describe();
    EXPECT_FALSE(ran());
    const auto err = r.err_lines();
    ASSERT_GE(err.size(), 2u) << r.describe();
    for (std::size_t i = 0; i + 1 < err.size(); ++i) {
        EXPECT_TRUE(err[i].ends_with(": error: more than 256 policy files")) << err[i];
    }
    EXPECT_EQ("sandbox: error: invalid policy: " + std::to_string(err.size() - 1) + " error(s)",
              err.back());
}

}  // namespace
}  // namespace sandbox_it
