#include "policy/flags.hpp"

#include <algorithm>
#include <charconv>
#include <set>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "config.h"

namespace sandbox {

namespace {

struct RawFlags {
    std::vector<std::string> ro, rox, rw, rwx, bind_tcp, connect_tcp, unrestricted_scope;
    std::vector<std::string> policy, profile, env, unsetenv, keep_fd, preload;
    bool unrestricted_filesystem = false, unrestricted_network = false;
    bool unrestricted_scoped = false, clearenv = false;
    bool best_effort = false, ignore_missing = false, add_exec = false, ldd = false;
    bool log_same_exec_off = false, log_new_exec_on = false, log_subdomains_off = false;
    bool validate = false, version = false;
    std::string explain, features, log_level, min_abi, tsync, threads;
    std::size_t verbose = 0;
};

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

/// Builds the CLI11 application; shared by parsing and --help.
void define_options(CLI::App& app, RawFlags& f) {
    app.formatter(std::make_shared<HelpFormatter>());
    auto list = [&](const char* name, std::vector<std::string>& into, const char* help) {
        return app.add_option(name, into, help)
            ->type_size(1)
            ->allow_extra_args(false)
            ->delimiter(',')
            ->take_all();
    };
    list("--ro", f.ro, "Allow reading PATH (directories: read_file, read_dir)")
        ->type_name("PATH")->group("Filesystem");
    list("--rox", f.rox, "Like --ro, and allow executing")->type_name("PATH")->group("Filesystem");
    list("--rw", f.rw, "Like --ro, and allow writing, truncating, creating, removing, "
                       "renaming (refer) below PATH")
        ->type_name("PATH")->group("Filesystem");
    list("--rwx", f.rwx, "Like --rw, and allow executing")->type_name("PATH")->group("Filesystem");
    app.add_flag("--unrestricted-filesystem", f.unrestricted_filesystem,
                 "Do not restrict the filesystem at all")->group("Filesystem");
    list("--bind-tcp", f.bind_tcp, "Allow binding TCP PORT (0: any ephemeral port)")
        ->type_name("PORT")->group("Network");
    list("--connect-tcp", f.connect_tcp, "Allow connecting to TCP PORT")
        ->type_name("PORT")->group("Network");
    app.add_flag("--unrestricted-network", f.unrestricted_network,
                 "Do not restrict TCP at all")->group("Network");
    app.add_flag("--unrestricted-scoped", f.unrestricted_scoped,
                 "Do not restrict signals and abstract UNIX sockets")->group("Scopes");
    list("--unrestricted-scope", f.unrestricted_scope,
         "Leave one scope unrestricted: signal or abstract_unix_socket")
        ->type_name("NAME")->group("Scopes");
    list("--policy", f.policy, "Load a JSON policy file (repeatable)")
        ->type_name("FILE")->group("Policies");
    list("--profile", f.profile, "Load a named policy from the profile search path")
        ->type_name("NAME")->group("Policies");
    app.add_flag("--best-effort", f.best_effort,
                 "Run even when the kernel cannot enforce something explicitly requested "
                 "(each drop is warned)")->group("Policies");
    app.add_option("--min-abi", f.min_abi, "Refuse to run on a Landlock ABI below N")
        ->type_name("N")->group("Policies");
    app.add_flag("--ignore-missing", f.ignore_missing,
                 "Skip rule paths that do not exist (reported with -v)")->group("Policies");
    app.add_flag("--add-exec", f.add_exec, "Allow executing the resolved COMMAND (rox)")
        ->group("Command");
    app.add_flag("--ldd", f.ldd,
                 "Allow COMMAND's ELF interpreter and shared libraries (implies --add-exec)")
        ->group("Command");
    list("--env", f.env, "Set KEY=VALUE, or keep KEY from the current environment")
        ->type_name("KEY[=VALUE]")->delimiter('\0')->group("Command");
    app.add_flag("--clearenv", f.clearenv, "Start the command with an empty environment")
        ->group("Command");
    list("--unsetenv", f.unsetenv, "Remove KEY from the environment")
        ->type_name("KEY")->group("Command");
    list("--keep-fd", f.keep_fd, "Keep descriptor N open (all others >= 3 are closed)")
        ->type_name("N")->group("Command");
    app.add_option("--tsync", f.tsync,
                   "How every thread is restricted: auto (kernel TSYNC, else single thread, "
                   "else emulation), kernel, emulate")
        ->type_name("MODE")->group("Threads");
    app.add_option("--threads", f.threads,
                   "Start N worker threads before enforcement (they open rule paths in "
                   "parallel and are restricted too)")
        ->type_name("N")->group("Threads");
    list("--preload", f.preload,
         "Load LIB into the launcher before enforcement, allow it in the policy, and put it "
         "in the command's LD_PRELOAD")
        ->type_name("LIB")->group("Threads");
    app.add_flag("--log-same-exec-off", f.log_same_exec_off,
                 "Landlock audit: do not log denials of this executable (ABI 7)")->group("Audit");
    app.add_flag("--log-new-exec-on", f.log_new_exec_on,
                 "Landlock audit: log denials after a new exec (ABI 7)")->group("Audit");
    app.add_flag("--log-subdomains-off", f.log_subdomains_off,
                 "Landlock audit: do not log denials of nested domains (ABI 7)")->group("Audit");
    app.add_option("--explain", f.explain,
                   "Print the effective policy and enforcement plan, run nothing "
                   "(--explain=json for JSON)")
        ->expected(0, 1)->type_name("[=FORMAT]")->group("Information");
    app.add_option("--features", f.features,
                   "Print what the running kernel supports, run nothing (--features=json)")
        ->expected(0, 1)->type_name("[=FORMAT]")->group("Information");
    app.add_flag("--validate", f.validate, "Check the given policies and print diagnostics, "
                                           "run nothing")->group("Information");
    app.add_flag("-v,--verbose", f.verbose, "More diagnostics on stderr (repeat for more)")
        ->group("Information");
    app.add_option("--log-level", f.log_level,
                   "Diagnostics level: trace, debug, info, warning, error, off")
        ->type_name("LEVEL")->group("Information");
    app.add_flag("--version", f.version, "Print the version and exit")->group("Information");
    app.set_help_flag("-h,--help", "Print this help and exit")->group("Information");
}

/// Index of the first argument that belongs to the command (argc if none):
/// after "--", or the first word that is neither an option nor an option's value.
int command_start(const CLI::App& app, int argc, const char* const* argv, bool& saw_dashdash) {
    saw_dashdash = false;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--") {
            saw_dashdash = true;
            return i;
        }
        if (arg.size() < 2 || arg[0] != '-') {
            return i;
        }
        if (arg.find('=') != std::string_view::npos) {
            continue;
        }
        const CLI::Option* opt = app.get_option_no_throw(std::string(arg));
        if (opt != nullptr && opt->get_expected_min() > 0) {
            ++i;  // its value
        }
    }
    return argc;
}

int parse_int(std::string_view text, std::string_view option, long long lo, long long hi) {
    long long n = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || n < lo ||
        n > hi) {
        throw UsageError(fmt::format("{}: \"{}\" is not a number from {} to {}", option, text,
                                     lo, hi));
    }
    return static_cast<int>(n);
}

std::string expand_tilde(const std::string& path, const EnvLookup& env) {
    if (path == "~" || path.starts_with("~/")) {
        auto home = env("HOME");
        if (!home || home->empty()) {
            throw UsageError(fmt::format("cannot expand \"{}\": HOME is not set", path));
        }
        return *home + path.substr(1);
    }
    return path;
}

void add_paths(Policy& p, const std::vector<std::string>& paths, Group g, const EnvLookup& env) {
    const std::string option = fmt::format("--{}", group_name(g));
    for (const auto& raw : paths) {
        if (raw.empty()) {
            throw UsageError(fmt::format("{}: empty path", option));
        }
        PathRule rule;
        rule.path = expand_tilde(raw, env);
        rule.access = group_rights(g);
        rule.origin = RightsOrigin::Group;
        rule.group = g;
        rule.source = {"", 0, 0, fmt::format("{} {}", option, raw)};
        p.paths.push_back(std::move(rule));
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
    static const std::set<std::string> levels{"trace", "debug", "info", "warning", "error", "off"};
    if (!f.log_level.empty()) {
        if (levels.count(f.log_level) == 0) {
            throw UsageError(fmt::format("--log-level: unknown level \"{}\" (use trace, debug, "
                                         "info, warning, error or off)",
                                         f.log_level));
        }
        return f.log_level;
    }
    switch (f.verbose) {
    case 0: return "warning";
    case 1: return "info";
    case 2: return "debug";
    default: return "trace";
    }
}

CommandLine build(const RawFlags& f, const CLI::App& app, const EnvLookup& env) {
    CommandLine cl;
    Policy& p = cl.flag_policy;
    add_paths(p, f.ro, Group::Ro, env);
    add_paths(p, f.rox, Group::Rox, env);
    add_paths(p, f.rw, Group::Rw, env);
    add_paths(p, f.rwx, Group::Rwx, env);
    add_ports(p, f.bind_tcp, AccessNet::BindTcp);
    add_ports(p, f.connect_tcp, AccessNet::ConnectTcp);
    p.unrestricted_filesystem = f.unrestricted_filesystem;
    p.unrestricted_network = f.unrestricted_network;
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
    // --policy and --profile keep their relative order on the command line.
    for (const CLI::Option* opt : {app.get_option("--policy"), app.get_option("--profile")}) {
        const bool profile = opt->get_name() == "--profile";
        for (const auto& name : profile ? f.profile : f.policy) {
            cl.policies.push_back({name, profile ? PolicyRef::Kind::Profile : PolicyRef::Kind::File,
                                   {"", 0, 0, fmt::format("{} {}", opt->get_name(), name)}});
        }
    }
    cl.tolerance = f.best_effort ? Tolerance::BestEffort : Tolerance::Strict;
    // Presence is app.count(), not an empty value: `--min-abi ""` is an error.
    if (app.count("--min-abi") > 0) {
        cl.min_abi = parse_int(f.min_abi, "--min-abi", 1, 99);
    }
    cl.ignore_missing = f.ignore_missing;
    cl.ldd = f.ldd;
    cl.add_exec = f.add_exec || f.ldd;
    for (const auto& fd : f.keep_fd) {
        cl.keep_fds.push_back(parse_int(fd, "--keep-fd", 0, 1 << 30));
    }
    if (app.count("--tsync") > 0) {
        static const std::pair<const char*, Tsync> modes[] = {
            {"auto", Tsync::Auto}, {"kernel", Tsync::Kernel}, {"emulate", Tsync::Emulate}};
        auto it = std::find_if(std::begin(modes), std::end(modes),
                               [&](const auto& m) { return f.tsync == m.first; });
        if (it == std::end(modes)) {
            throw UsageError(fmt::format("--tsync: unknown mode \"{}\" (use auto, kernel or "
                                         "emulate)",
                                         f.tsync));
        }
        cl.tsync = it->second;
    }
    if (app.count("--threads") > 0) {
        cl.threads = parse_int(f.threads, "--threads", 0, 4096);
    }
    for (const auto& lib : f.preload) {
        if (lib.empty()) {
            throw UsageError("--preload: empty library name");
        }
        cl.preload.push_back(expand_tilde(lib, env));
    }
    if (f.log_same_exec_off) cl.log_flags = cl.log_flags.with(LogFlag::SameExecOff);
    if (f.log_new_exec_on) cl.log_flags = cl.log_flags.with(LogFlag::NewExecOn);
    if (f.log_subdomains_off) cl.log_flags = cl.log_flags.with(LogFlag::SubdomainsOff);
    if (app.count("--log-level") > 0 && f.log_level.empty()) {
        throw UsageError("--log-level: empty level (use trace, debug, info, warning, error or off)");
    }
    cl.log_level = level_for(f);

    int actions = 0;
    if (app.count("--explain") > 0) {
        cl.action = Action::Explain;
        cl.format = parse_format(f.explain, "--explain");
        ++actions;
    }
    if (app.count("--features") > 0) {
        cl.action = Action::Features;
        cl.format = parse_format(f.features, "--features");
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
    return cl;
}

} // namespace

std::string help_text() {
    CLI::App app{"Run COMMAND confined by Landlock: deny by default, allow what the flags "
                 "and policies say.",
                 "sandbox"};
    RawFlags f;
    define_options(app, f);
    app.footer("Exit status: the command's own; 125 if sandbox fails; 126 if COMMAND cannot "
               "be executed; 127 if it is not found.\nSee sandbox(1) and sandbox-policy(5).");
    return app.help();
}

CommandLine parse_command_line(int argc, const char* const* argv, const EnvLookup& env) {
    CLI::App app{"sandbox", "sandbox"};
    RawFlags f;
    define_options(app, f);
    bool dashdash = false;
    const int split = command_start(app, argc, argv, dashdash);
    std::vector<std::string> args;
    for (int i = split - 1; i >= 1; --i) {
        args.emplace_back(argv[i]);  // CLI11 takes them in reverse
    }
    try {
        app.parse(std::move(args));
    } catch (const CLI::CallForHelp&) {
        CommandLine cl;
        cl.action = Action::Help;
        cl.help_text = help_text();
        return cl;
    } catch (const CLI::ParseError& e) {
        throw UsageError(e.what());
    }
    CommandLine cl = build(f, app, env);
    for (int i = split + (dashdash ? 1 : 0); i < argc; ++i) {
        cl.command.emplace_back(argv[i]);
    }
    if (cl.action == Action::Run && cl.command.empty()) {
        throw UsageError("no command given");
    }
    return cl;
}

} // namespace sandbox
