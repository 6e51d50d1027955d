// The rendering of the denial report (text and JSON). Pure, but it lives in the
// app layer (src/app/report_output), so it links more than the policy library.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "app/report_output.hpp"
#include "denial_builders.hpp"
#include "policy/denials.hpp"
#include "policy/suggestion.hpp"

namespace sandbox {
namespace {

TEST(ReportOutput, JsonShape) {
    RunReport r;
    r.command = {"cat", "/etc/hostname"};
    r.exit_status = 1;
    r.domains = {"182cde421"};
    r.denials = {fs_denial("/etc/hostname", {"fs.read_file"})};
    r.denials[0].count = 2;
    r.suggestion = suggest(r.denials);
    r.received = 2;
    r.kernel_count = 2;
    const auto j = nlohmann::json::parse(report_json(r));
    EXPECT_EQ(nlohmann::json({"cat", "/etc/hostname"}), j["command"]);
    EXPECT_EQ(nlohmann::json({{"exit", 1}}), j["status"]);
    EXPECT_EQ("182cde421", j["domain"]);
    EXPECT_EQ(0, j["lost"]);
    EXPECT_EQ(2, j["denials"][0]["count"]);
    EXPECT_EQ(nlohmann::json({"--ro", "/etc/hostname"}), j["suggestion"]["flags"]);
    EXPECT_EQ(nlohmann::json::parse(
                  R"({"filesystem": {"rules": [{"path": "/etc/hostname", "access": ["read_file"]}]}})"),
              j["suggestion"]["policy"]);
    r.signal = 15;
    r.exit_status.reset();
    EXPECT_EQ(nlohmann::json({{"signal", 15}}), nlohmann::json::parse(report_json(r))["status"]);
}

TEST(ReportOutput, TextQuotesForTheShellAndEscapesNames) {
    RunReport r;
    r.command = {"sh", "-c", "cat 'x y'"};
    r.exit_status = 0;
    Denial abstract;
    abstract.blockers = {"scope.abstract_unix_socket"};
    abstract.path = std::string("\0name\n", 6);
    r.denials = {fs_denial("/tmp/a b", {"fs.read_file"}), abstract};
    r.suggestion = suggest(r.denials);
    const std::string text = report_text(r);
    EXPECT_NE(std::string::npos, text.find("sh -c 'cat '\\''x y'\\'''")) << text;
    EXPECT_NE(std::string::npos, text.find("--ro '/tmp/a b'")) << text;
    EXPECT_NE(std::string::npos, text.find("@name\\x0a")) << text;
    EXPECT_EQ(std::string::npos, text.find('\0'));
    RunReport empty;
    empty.command = {"true"};
    EXPECT_NE(std::string::npos, report_text(empty).find("no denials"));
}

}  // namespace
}  // namespace sandbox
