// The --help text, rendered from the option table (flag_table.hpp): one line
// per option in its group, help text at column 30 (on the next line when the
// option is wider), the layout man/sandbox.1 and the completions are checked
// against (tests/docs).
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "policy/flag_table.hpp"
#include "policy/flags.hpp"

namespace sandbox {

namespace {

using flags_detail::Kind;
using flags_detail::kOptions;

constexpr std::size_t kHelpColumn = 30;

/// "-v,--verbose", "--ro PATH ...", "--tsync MODE", "--explain[=FORMAT]".
std::string option_words(const flags_detail::OptionSpec& o) {
    std::string out;
    if (o.short_name != 0) {
        out = {'-', o.short_name, ','};
    }
    out.append("--").append(o.name);
    switch (o.kind) {
    case Kind::Flag:
    case Kind::Count: break;
    case Kind::List: out.append(" ").append(o.value_name).append(" ..."); break;
    case Kind::Value: out.append(" ").append(o.value_name); break;
    case Kind::OptionalValue: out.append("[=").append(o.value_name).append("]"); break;
    }
    return out;
}

void append_option(std::string& out, const flags_detail::OptionSpec& o) {
    const std::string words = "  " + option_words(o);
    out += words;
    if (words.size() >= kHelpColumn) {
        out += '\n';
        out.append(kHelpColumn, ' ');
    } else {
        out.append(kHelpColumn - words.size(), ' ');
    }
    out.append(o.help).append("\n");
}

} // namespace

std::string help_text() {
    std::string out =
        "Usage: sandbox [OPTIONS] [--] COMMAND [ARG...]\n\n"
        "Run COMMAND confined by Landlock: deny by default, allow what the flags and "
        "policies say.\n";
    // Groups in the order of their first option; options in table order.
    std::vector<std::string_view> groups;
    for (const auto& o : kOptions) {
        if (std::find(groups.begin(), groups.end(), o.group) == groups.end()) {
            groups.push_back(o.group);
        }
    }
    for (std::string_view group : groups) {
        out.append("\n").append(group).append(":\n");
        for (const auto& o : kOptions) {
            if (o.group == group) {
                append_option(out, o);
            }
        }
        out += '\n';
    }
    out += "Exit status: the command's own; 125 if sandbox fails; 126 if COMMAND cannot be "
           "executed; 127 if it is not found.\nSee sandbox(1) and sandbox-policy(5).\n";
    return out;
}

} // namespace sandbox
