// The --help text, rendered by CLI11 from the option table (flag_table.hpp).
// This is the only file that includes CLI11: parsing (flags.cpp) does not
// build a CLI11 App, which cost most of the launcher's start-up.
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "policy/flag_table.hpp"
#include "policy/flags.hpp"

namespace sandbox {

namespace {

using flags_detail::Kind;
using flags_detail::kOptions;

/// CLI11 2.1.2 has no app.usage(): print our own usage line first, then the
/// description, and "--explain[=FORMAT]" without a space before an optional value.
class HelpFormatter : public CLI::Formatter {
public:
    std::string make_description(const CLI::App*) const override { return ""; }
    std::string make_usage(const CLI::App* app, std::string) const override {
        return "Usage: sandbox [OPTIONS] [--] COMMAND [ARG...]\n\n" + app->get_description() +
               "\n";
    }
    std::string make_option_opts(const CLI::Option* opt) const override {
        std::string out = CLI::Formatter::make_option_opts(opt);
        if (out.starts_with(" [=")) {
            out.erase(0, 1);
        }
        return out;
    }
};

} // namespace

std::string help_text() {
    CLI::App app{"Run COMMAND confined by Landlock: deny by default, allow what the flags "
                 "and policies say.",
                 "sandbox"};
    app.formatter(std::make_shared<HelpFormatter>());
    // Never parsed into: the variables only give CLI11 each option's shape
    // (a vector shows "PATH ...", a counter or bool shows no value).
    std::vector<std::string> items;
    std::string value;
    std::size_t count = 0;
    bool flag = false;
    for (const auto& o : kOptions) {
        std::string names;
        if (o.short_name != 0) {
            names = {'-', o.short_name, ','};  // "-v,--verbose"
        }
        names.append("--").append(o.name);
        const std::string help(o.help);
        const std::string value_name(o.value_name);
        CLI::Option* opt = nullptr;
        switch (o.kind) {
        case Kind::Flag:
            opt = o.flag == &flags_detail::RawFlags::help ? app.set_help_flag(names, help)
                                                          : app.add_flag(names, flag, help);
            break;
        case Kind::Count: opt = app.add_flag(names, count, help); break;
        case Kind::List: opt = app.add_option(names, items, help)->type_name(value_name); break;
        case Kind::Value: opt = app.add_option(names, value, help)->type_name(value_name); break;
        case Kind::OptionalValue:
            opt = app.add_option(names, value, help)->expected(0, 1)->type_name(
                "[=" + value_name + "]");
            break;
        }
        opt->group(std::string(o.group));
    }
    app.footer("Exit status: the command's own; 125 if sandbox fails; 126 if COMMAND cannot "
               "be executed; 127 if it is not found.\nSee sandbox(1) and sandbox-policy(5).");
    return app.help();
}

} // namespace sandbox
