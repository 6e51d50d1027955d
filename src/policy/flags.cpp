#include "policy/flags.hpp"

#include <algorithm>
#include <iterator>
#include <optional>
#include <string_view>

#include <fmt/format.h>

#include "policy/flag_table.hpp"
#include "policy/flag_values.hpp"

namespace sandbox {

namespace {

using flags_detail::Kind;
using flags_detail::kOptions;
using flags_detail::OptionSpec;
using flags_detail::parse_int;
using flags_detail::path_items;
using flags_detail::RawFlags;
using flags_detail::split_list;

const OptionSpec* find_long(std::string_view name) {
    for (const OptionSpec& o : kOptions) {
        if (o.name == name) {
            return &o;
        }
    }
    return nullptr;
}

const OptionSpec* find_short(char c) {
    for (const OptionSpec& o : kOptions) {
        if (o.short_name != 0 && o.short_name == c) {
            return &o;
        }
    }
    return nullptr;
}

/// Reads the options of argv into RawFlags, from argv[1] up to "--" or the
/// first word that is not an option (COMMAND). Only the first usage error is
/// kept, and only reported if -h/--help was not given: `--bogus --help` shows
/// the help, as `--help` alone does.
class Scanner {
public:
    Scanner(int argc, const char* const* argv) : argc_(argc), argv_(argv) {}

    /// Returns the index of the first word of the command (argc if none).
    int scan() {
        int i = 1;
        for (; i < argc_; ++i) {
            const std::string_view arg = argv_[i];
            if (arg == "--") {
                return i + 1;
            }
            if (arg.size() < 2 || arg[0] != '-') {
                return i;  // COMMAND ("-" alone is a command name too)
            }
            if (arg[1] == '-') {
                i = long_option(arg, i);
            } else {
                short_options(arg);
            }
        }
        return i;
    }

    RawFlags flags;
    std::optional<std::string> error;  ///< the first usage error

private:
    void fail(std::string message) {
        if (!error) {
            error = std::move(message);
        }
    }

    /// "-v", "-vv", "-hv": a word of single-letter flags. Applied only if every
    /// letter is known; "-probe" is one unknown option, not -p -r -o -b -e.
    void short_options(std::string_view arg) {
        for (char c : arg.substr(1)) {
            if (find_short(c) == nullptr) {
                fail(fmt::format("unknown option \"{}\"", arg));
                return;
            }
        }
        for (char c : arg.substr(1)) {
            set_flag(*find_short(c));
        }
    }

    void set_flag(const OptionSpec& o) {
        if (o.kind == Kind::Count) {
            ++(flags.*o.count);
        } else {
            flags.*o.flag = true;
        }
    }

    /// "--name", "--name=value" or "--name value"; returns the index of the
    /// last word used (i + 1 when the value is the next word).
    int long_option(std::string_view arg, int i) {
        const auto eq = arg.find('=');
        const OptionSpec* found = find_long(arg.substr(2, eq - 2));
        if (found == nullptr) {
            fail(fmt::format("unknown option \"{}\"", arg));
            return i;
        }
        const OptionSpec& o = *found;
        std::optional<std::string_view> value;
        if (eq != std::string_view::npos) {
            value = arg.substr(eq + 1);
        }
        switch (o.kind) {
        case Kind::Flag:
        case Kind::Count:
            if (value) {
                fail(fmt::format("--{}: takes no value, but \"{}\" was given", o.name, *value));
            } else {
                set_flag(o);
            }
            return i;
        case Kind::OptionalValue:
            // Only "--explain=json": in "--explain json", json is the command.
            set_value(o, value.value_or(""));
            return i;
        case Kind::Value:
        case Kind::List:
            // Like getopt, the next word is the value even if it looks like an
            // option or is "--": "--ro -- cmd" reads "--" as a path and fails
            // later instead of silently running cmd.
            if (!value) {
                if (i + 1 >= argc_) {
                    fail(fmt::format("--{}: missing {}", o.name, o.value_name));
                    return i;
                }
                value = argv_[++i];
            }
            if (o.kind == Kind::Value) {
                set_value(o, *value);
            } else {
                add_items(o, *value);
            }
            return i;
        }
        return i;
    }

    /// Singletons given twice are errors, even with the same value: never a
    /// silent "last one wins" that could weaken what a script meant.
    void set_value(const OptionSpec& o, std::string_view value) {
        std::optional<std::string>& slot = flags.*o.value;
        if (slot) {
            fail(fmt::format("--{}: given more than once", o.name));
            return;
        }
        slot = std::string(value);
    }

    /// "a,b,c" adds three items for options split Always; other lists keep
    /// the value whole here (path lists are split by build(), which can ask
    /// whether the whole value names a path). A lone empty value is one empty
    /// item, refused by build() with the option's own message; an empty item
    /// in a list ("a,,b", "a,") is refused here.
    void add_items(const OptionSpec& o, std::string_view value) {
        std::vector<std::string>& items = flags.*o.list;
        if (o.split != flags_detail::Split::Always) {
            items.emplace_back(value);
            return;
        }
        if (auto problem = split_list(value, items)) {
            fail(fmt::format("--{}: {}", o.name, *problem));
        }
    }

    int argc_;
    const char* const* argv_;
};


void add_paths(Policy& p, const std::vector<std::string>& values, Group g, RightsOrigin origin,
               const ParseContext& ctx) {
    const std::string option(group_name(g));
    for (auto& path : path_items(values, option, flags_detail::Split::Paths, ctx)) {
        SourceLocation source{"", 0, 0, fmt::format("--{} {}", option, path)};
        p.paths.push_back(PathRule::of_group(std::move(path), g, std::move(source), origin));
    }
}

void add_denies(Policy& p, const std::vector<std::string>& values, const ParseContext& ctx) {
    for (auto& path : path_items(values, "deny", flags_detail::Split::Paths, ctx)) {
        DenyRule deny;
        deny.source = {"", 0, 0, fmt::format("--deny {}", path)};
        deny.path = std::move(path);
        p.denies.push_back(std::move(deny));
    }
}

void add_ports(Policy& p, const std::vector<std::string>& ports, AccessNet right) {
    const std::string option = right == AccessNet::BindTcp ? "--bind-tcp" : "--connect-tcp";
    const long long lowest = right == AccessNet::BindTcp ? 0 : 1;
    for (const auto& text : ports) {
        int port = parse_int(text, option, lowest, 65535);
        p.ports.push_back({static_cast<std::uint16_t>(port), right,
                           {"", 0, 0, fmt::format("{} {}", option, text)}});
    }
}

OutputFormat parse_format(const std::string& value, std::string_view option) {
    if (value.empty() || value == "text") {
        return OutputFormat::Text;
    }
    if (value == "json") {
        return OutputFormat::Json;
    }
    throw UsageError(fmt::format("{}: unknown format \"{}\" (use text or json)", option, value));
}

std::string level_for(const RawFlags& f) {
    static constexpr std::string_view levels[] = {"trace", "debug", "info",
                                                  "warning", "error", "off"};
    if (f.log_level) {
        if (f.log_level->empty()) {
            throw UsageError(
                "--log-level: empty level (use trace, debug, info, warning, error or off)");
        }
        if (std::find(std::begin(levels), std::end(levels), *f.log_level) == std::end(levels)) {
            throw UsageError(fmt::format("--log-level: unknown level \"{}\" (use trace, debug, "
                                         "info, warning, error or off)",
                                         *f.log_level));
        }
        return *f.log_level;
    }
    switch (f.verbose) {
    case 0: return "warning";
    case 1: return "info";
    case 2: return "debug";
    default: return "trace";
    }
}

CommandLine build(const RawFlags& f, const ParseContext& ctx) {
    CommandLine cl;
    Policy& p = cl.flag_policy;
    add_paths(p, f.ro, Group::Ro, RightsOrigin::Group, ctx);
    add_paths(p, f.rox, Group::Rox, RightsOrigin::Group, ctx);
    add_paths(p, f.rw, Group::Rw, RightsOrigin::Group, ctx);
    add_paths(p, f.rwx, Group::Rwx, RightsOrigin::Group, ctx);
    // --unix is an explicit request: below ABI 9 an error unless --best-effort.
    add_paths(p, f.unix, Group::Unix, RightsOrigin::Explicit, ctx);
    add_denies(p, f.deny, ctx);
    add_ports(p, f.bind_tcp, AccessNet::BindTcp);
    add_ports(p, f.connect_tcp, AccessNet::ConnectTcp);
    p.unrestricted_filesystem = f.unrestricted_filesystem;
    p.unrestricted_network = f.unrestricted_network;
    p.unrestricted_unix = f.unrestricted_unix;
    if (f.unrestricted_scoped) {
        p.unrestricted_scopes = all_rights<Scope>();
    }
    for (const auto& name : f.unrestricted_scope) {
        auto s = parse_right<Scope>(name);
        if (!s) {
            throw UsageError(fmt::format("--unrestricted-scope: unknown scope \"{}\" (use "
                                         "signal or abstract_unix_socket)",
                                         name));
        }
        p.unrestricted_scopes = p.unrestricted_scopes.with(*s);
    }
    p.env.clear = f.clearenv;
    for (const auto& e : f.env) {
        auto eq = e.find('=');
        std::string key = e.substr(0, eq);
        if (key.empty()) {
            throw UsageError(fmt::format("--env: \"{}\" has no variable name", e));
        }
        std::optional<std::string> value;
        if (eq != std::string::npos) {
            value = e.substr(eq + 1);
        }
        p.env.set.push_back({key, value, {"", 0, 0, "--env"}});
    }
    for (const auto& key : f.unsetenv) {
        if (key.empty() || key.find('=') != std::string::npos) {
            throw UsageError(fmt::format("--unsetenv: invalid variable name \"{}\"", key));
        }
        p.env.unset.push_back(key);
    }
    // The --policy files first, then the --profile names, each in command-line order.
    for (const auto& name : path_items(f.policy, "policy", flags_detail::Split::Paths, ctx)) {
        cl.policies.push_back({name, PolicyRef::Kind::File, {"", 0, 0, "--policy " + name}});
    }
    for (const auto& name : f.profile) {
        cl.policies.push_back({name, PolicyRef::Kind::Profile, {"", 0, 0, "--profile " + name}});
    }
    cl.tolerance = f.best_effort ? Tolerance::BestEffort : Tolerance::Strict;
    // Presence, not an empty value: `--min-abi ""` is an error.
    if (f.min_abi) {
        cl.min_abi = parse_int(*f.min_abi, "--min-abi", 1, 99);
    }
    cl.ignore_missing = f.ignore_missing;
    cl.ldd = f.ldd;
    cl.add_exec = f.add_exec || f.ldd;
    for (const auto& fd : f.keep_fd) {
        cl.keep_fds.push_back(parse_int(fd, "--keep-fd", 0, 1 << 30));
    }
    if (f.tsync) {
        static const std::pair<const char*, Tsync> modes[] = {
            {"auto", Tsync::Auto}, {"kernel", Tsync::Kernel}, {"emulate", Tsync::Emulate}};
        auto it = std::find_if(std::begin(modes), std::end(modes),
                               [&](const auto& m) { return *f.tsync == m.first; });
        if (it == std::end(modes)) {
            throw UsageError(fmt::format("--tsync: unknown mode \"{}\" (use auto, kernel or "
                                         "emulate)",
                                         *f.tsync));
        }
        cl.tsync = it->second;
    }
    if (f.threads) {
        cl.threads = parse_int(*f.threads, "--threads", 0, 4096);
    }
    cl.preload = path_items(f.preload, "preload", flags_detail::Split::Library, ctx);
    if (f.log_same_exec_off) cl.log_flags = cl.log_flags.with(LogFlag::SameExecOff);
    if (f.log_new_exec_on) cl.log_flags = cl.log_flags.with(LogFlag::NewExecOn);
    if (f.log_subdomains_off) cl.log_flags = cl.log_flags.with(LogFlag::SubdomainsOff);
    cl.log_level = level_for(f);

    int actions = 0;
    if (f.explain) {
        cl.action = Action::Explain;
        cl.format = parse_format(*f.explain, "--explain");
        ++actions;
    }
    if (f.features) {
        cl.action = Action::Features;
        cl.format = parse_format(*f.features, "--features");
        ++actions;
    }
    if (f.validate) {
        cl.action = Action::Validate;
        ++actions;
    }
    if (f.version) {
        cl.action = Action::Version;
        ++actions;
    }
    if (actions > 1) {
        throw UsageError("--explain, --features, --validate and --version exclude each other");
    }
    if (f.report_denials) {
        if (actions > 0) {
            throw UsageError("--report-denials runs the command: it excludes --explain, "
                             "--features, --validate and --version");
        }
        cl.report = parse_format(*f.report_denials, "--report-denials");
    }
    if (f.report_to) {
        if (!f.report_denials) {
            throw UsageError("--report-to only applies to --report-denials");
        }
        if (f.report_to->empty()) {
            throw UsageError("--report-to: empty FILE");
        }
        cl.report_to = *f.report_to;
    }
    if (f.learn) {
        if (actions > 0 || f.report_denials) {
            throw UsageError("--learn runs the command: it excludes --explain, --features, "
                             "--validate, --version and --report-denials");
        }
        if (f.learn->empty()) {
            throw UsageError("--learn: empty FILE");
        }
        cl.learn = *f.learn;
        cl.learn_check = f.learn_check;
    } else if (f.learn_check) {
        throw UsageError("--learn-check only applies to --learn");
    }
    if (f.strict) {
        if (!f.validate) {
            throw UsageError("--strict only applies to --validate");
        }
        cl.missing_check = MissingPathCheck::Fail;
    }
    return cl;
}

} // namespace

CommandLine parse_command_line(int argc, const char* const* argv, const ParseContext& ctx) {
    Scanner scanner(argc, argv);
    const int command = scanner.scan();
    if (scanner.flags.help) {
        CommandLine cl;
        cl.action = Action::Help;
        cl.help_text = help_text();
        return cl;
    }
    if (scanner.error) {
        throw UsageError(*scanner.error);
    }
    CommandLine cl = build(scanner.flags, ctx);
    for (int i = command; i < argc; ++i) {
        cl.command.emplace_back(argv[i]);
    }
    if (cl.action == Action::Run && cl.command.empty()) {
        throw UsageError("no command given");
    }
    return cl;
}

} // namespace sandbox
