// Drift between the program and its documentation: every option `sandbox
// --help` prints is documented in sandbox(1) and completed by each shell
// completion; every access right of the rights table is documented in
// sandbox-policy(5), in the right section, with the ABI that brought it and
// whether it is directory-only. Nothing is documented that does not exist.
//
// Environment (tests/docs/meson.build): SANDBOX_BIN, SANDBOX_SOURCE_ROOT.
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "harness.hpp"
#include "policy/access.hpp"

namespace {

using sandbox_it::lines;
using sandbox_it::read_file;
using sandbox_it::run_sandbox;
using sandbox_it::source_root;

std::string source_file(const std::string& relative) {
    return read_file(source_root() + "/" + relative);
}

/// "--ro", "-h", "--help", ... from the option column of `sandbox --help`.
std::set<std::string> help_options() {
    auto r = run_sandbox({"--help"});
    EXPECT_EQ(r.exit_status, 0) << r.describe();
    std::set<std::string> out;
    static const std::regex option_line(R"(^  (-[^ ]+))");
    for (const auto& line : lines(r.out)) {
        std::smatch m;
        if (!std::regex_search(line, m, option_line)) {
            continue;
        }
        std::string names = m[1].str();
        names = names.substr(0, names.find('['));  // --explain[=FORMAT]
        std::size_t start = 0;
        for (;;) {
            auto comma = names.find(',', start);
            out.insert(names.substr(start, comma - start));
            if (comma == std::string::npos) {
                break;
            }
            start = comma + 1;
        }
    }
    return out;
}

/// Lines of a man page section (from ".SH NAME" to the next ".SH").
std::vector<std::string> man_section(const std::string& page, const std::string& name) {
    std::vector<std::string> out;
    bool inside = false;
    for (const auto& line : lines(page)) {
        if (line.starts_with(".SH ")) {
            inside = line == ".SH " + name;
            continue;
        }
        if (inside) {
            out.push_back(line);
        }
    }
    return out;
}

/// Options named in the tags (the line after .TP) of the OPTIONS section,
/// with groff's "\-" turned back into "-".
std::set<std::string> man_options(const std::string& page) {
    std::set<std::string> out;
    static const std::regex option(R"((^|[ "])((\\-){1,2}[a-z][a-z0-9\\-]*))");
    const auto section = man_section(page, "OPTIONS");
    for (std::size_t i = 0; i + 1 < section.size(); ++i) {
        if (section[i] != ".TP") {
            continue;
        }
        const std::string& tag = section[i + 1];
        for (auto it = std::sregex_iterator(tag.begin(), tag.end(), option);
             it != std::sregex_iterator(); ++it) {
            std::string name = (*it)[2].str();
            out.insert(std::regex_replace(name, std::regex(R"(\\-)"), "-"));
        }
    }
    return out;
}

TEST(Drift, HelpListsOptions) {
    // The parser above must see the options, or every check below is empty.
    const auto help = help_options();
    EXPECT_GE(help.size(), 35U);
    for (const char* o : {"--ro", "--profile", "--explain", "--tsync", "-h", "--help", "-v"}) {
        EXPECT_EQ(help.count(o), 1U) << o;
    }
}

TEST(Drift, ManPageDocumentsEveryHelpOption) {
    const auto help = help_options();
    const auto man = man_options(source_file("man/sandbox.1"));
    ASSERT_FALSE(man.empty());
    for (const auto& o : help) {
        EXPECT_EQ(man.count(o), 1U) << o << " is in --help but not in man/sandbox.1 OPTIONS";
    }
    for (const auto& o : man) {
        EXPECT_EQ(help.count(o), 1U) << o << " is in man/sandbox.1 but not in --help";
    }
}

struct DocumentedRight {
    std::string section;
    int abi = 0;
    bool directory_only = false;
};

/// Rights in sandbox-policy(5): ".TP" then `.BR name " (ABI n)"`, the
/// description up to the next tag says "Directory only." for directory-only rights.
std::map<std::string, DocumentedRight> man_rights(const std::string& page) {
    std::map<std::string, DocumentedRight> out;
    static const std::regex tag(R"re(^\.BR ([a-z_]+) " \(ABI ([0-9]+)\)"$)re");
    const auto section = man_section(page, "ACCESS RIGHTS");
    std::string subsection;
    std::string current;
    for (std::size_t i = 0; i < section.size(); ++i) {
        const std::string& line = section[i];
        std::smatch m;
        if (line.starts_with(".SS ")) {
            subsection = line.substr(4);
            current.clear();
        } else if (i > 0 && section[i - 1] == ".TP" && std::regex_match(line, m, tag)) {
            current = m[1].str();
            EXPECT_EQ(out.count(current), 0U) << current << " is documented twice";
            out[current] = {subsection, std::stoi(m[2].str()), false};
        } else if (line == ".TP") {
            current.clear();
        } else if (!current.empty() && line.find("Directory only.") != std::string::npos) {
            out[current].directory_only = true;
        }
    }
    return out;
}

template <typename E>
void expect_documented(const std::map<std::string, DocumentedRight>& man,
                       std::span<const sandbox::RightInfo<E>> table,
                       const std::string& section_prefix) {
    for (const auto& row : table) {
        const std::string name(row.name);
        auto it = man.find(name);
        if (it == man.end()) {
            ADD_FAILURE() << name << " (ABI " << row.since_abi
                          << ") is missing from man/sandbox-policy.5 ACCESS RIGHTS";
            continue;
        }
        EXPECT_EQ(it->second.abi, row.since_abi) << name << ": ABI in man/sandbox-policy.5";
        EXPECT_TRUE(it->second.section.find(section_prefix) != std::string::npos)
            << name << " documented under \"" << it->second.section << "\"";
        EXPECT_EQ(it->second.directory_only, !row.valid_on_files)
            << name << ": \"Directory only.\" in man/sandbox-policy.5";
    }
}

/// landrun's options (its README, v0.1.17): each is accepted by sandbox and
/// named in the "coming from landrun" table of sandbox(1) and of the README.
const char* const kLandrunOptions[] = {
    "--ro", "--rox", "--rw", "--rwx", "--unix", "--bind-tcp", "--connect-tcp", "--env",
    "--best-effort", "--log-level", "--unrestricted-network", "--unrestricted-filesystem",
    "--unrestricted-scoped", "--ignore-missing", "--log-disable-originating",
    "--log-enable-subprocesses", "--log-disable-subdomains", "--add-exec", "--ldd",
};

TEST(Drift, LandrunTableCoversEveryLandrunOption) {
    const std::set<std::string> help = help_options();
    std::string man;
    for (const auto& line : man_section(source_file("man/sandbox.1"), "COMING FROM LANDRUN")) {
        man += line + "\n";
    }
    ASSERT_FALSE(man.empty()) << "sandbox(1) has no COMING FROM LANDRUN section";
    const std::string readme = source_file("README.md");
    const auto table = readme.find("## Coming from landrun");
    ASSERT_NE(table, std::string::npos) << "README has no \"Coming from landrun\" section";
    const std::string readme_table = readme.substr(table, readme.find("\n## ", table + 1) - table);
    for (const std::string option : kLandrunOptions) {
        EXPECT_EQ(help.count(option), 1U) << option << " (landrun) is not a sandbox option";
        std::string groff;
        for (char c : option) {
            groff += c == '-' ? std::string("\\-") : std::string(1, c);
        }
        EXPECT_NE(man.find(groff), std::string::npos) << option << " missing in sandbox(1)";
        EXPECT_NE(readme_table.find("`" + option), std::string::npos)
            << option << " missing in the README table";
    }
}

TEST(Drift, PolicyManPageDocumentsEveryRightWithItsAbi) {
    const auto man = man_rights(source_file("man/sandbox-policy.5"));
    expect_documented(man, sandbox::fs_rights(), "Filesystem rights");
    expect_documented(man, sandbox::net_rights(), "Network rights");
    expect_documented(man, sandbox::scopes(), "Scopes");
    const auto known = sandbox::fs_rights().size() + sandbox::net_rights().size() +
                       sandbox::scopes().size();
    EXPECT_EQ(man.size(), known) << "man/sandbox-policy.5 documents rights the table lacks";
    for (const auto& [name, doc] : man) {
        bool exists = sandbox::parse_right<sandbox::AccessFs>(name) ||
                      sandbox::parse_right<sandbox::AccessNet>(name) ||
                      sandbox::parse_right<sandbox::Scope>(name);
        EXPECT_TRUE(exists) << name << " is documented but not a right";
    }
}

/// Option names in a completion file: whole words "--name" / "-x" (bash, zsh),
/// or fish's "-l name" / "-s x".
std::set<std::string> completion_options(const std::string& text, bool fish) {
    std::set<std::string> out;
    if (fish) {
        static const std::regex long_opt(R"(^complete .* -l ([a-z][a-z0-9-]*))");
        static const std::regex short_opt(R"(^complete .* -s ([a-z]))");
        for (const auto& line : lines(text)) {
            std::smatch m;
            if (std::regex_search(line, m, long_opt)) {
                out.insert("--" + m[1].str());
            }
            if (std::regex_search(line, m, short_opt)) {
                out.insert("-" + m[1].str());
            }
        }
        return out;
    }
    static const std::regex word(R"((^|[^a-zA-Z0-9_-])(--?[a-z][a-z0-9-]*))");
    for (const auto& line : lines(text)) {
        if (line.starts_with("#")) {
            continue;
        }
        for (auto it = std::sregex_iterator(line.begin(), line.end(), word);
             it != std::sregex_iterator(); ++it) {
            out.insert((*it)[2].str());
        }
    }
    return out;
}

class CompletionDrift : public ::testing::TestWithParam<const char*> {};

TEST_P(CompletionDrift, CompletesEveryHelpOption) {
    const std::string file = GetParam();
    const bool fish = file.ends_with(".fish.in");
    const auto help = help_options();
    const auto completed = completion_options(source_file(file), fish);
    for (const auto& o : help) {
        EXPECT_EQ(completed.count(o), 1U) << o << " is in --help but not in " << file;
    }
    // Every long option the file completes must exist (short words such as
    // "-f" are also shell syntax, so only long ones are checked this way).
    for (const auto& o : completed) {
        if (o.starts_with("--")) {
            EXPECT_EQ(help.count(o), 1U) << o << " is in " << file << " but not in --help";
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Shells, CompletionDrift,
                         ::testing::Values("completions/sandbox.bash.in",
                                           "completions/_sandbox.in",
                                           "completions/sandbox.fish.in"));

}  // namespace
