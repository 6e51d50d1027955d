// The command-line options (PRODUCT §3) as one static table. The parser
// (flags.cpp) and --help (help.cpp) both read it, so they cannot disagree.
// Internal to src/policy: the public interface is flags.hpp.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sandbox::flags_detail {

/// What the command line gave, before any checking (flags.cpp checks it).
struct RawFlags {
    std::vector<std::string> ro, rox, rw, rwx, unix, deny, bind_tcp, connect_tcp, unrestricted_scope;
    std::vector<std::string> policy, profile, env, unsetenv, keep_fd, preload;
    bool unrestricted_filesystem = false, unrestricted_network = false, unrestricted_unix = false;
    bool unrestricted_scoped = false, clearenv = false;
    bool best_effort = false, ignore_missing = false, add_exec = false, ldd = false;
    bool log_same_exec_off = false, log_new_exec_on = false, log_subdomains_off = false;
    bool validate = false, strict = false, version = false, help = false;
    /// Present when given; "" for --explain/--features without "=FORMAT".
    std::optional<std::string> min_abi, tsync, threads, log_level, explain, features;
    std::optional<std::string> report_denials, report_to, learn;
    bool learn_check = false;
    std::size_t verbose = 0;
};

enum class Kind {
    Flag,           ///< --x: no value; repeating it is harmless
    Count,          ///< -v: no value; counts repeats
    List,           ///< --x V or --x=V: repeats accumulate; V is comma-split if `split`
    Value,          ///< --x V or --x=V: at most once
    OptionalValue,  ///< --x or --x=V (never the next word): at most once
};

/// How a List value is split on ','.
enum class Split {
    No,       ///< never: the value is one item (--env VALUE may contain commas)
    Always,   ///< ports, names: "80,443" is two items
    Paths,    ///< a value that names an existing path is one item; otherwise it is
              ///< split and every piece must be an absolute path (a comma never widens a grant)
    Library,  ///< as Paths, but a piece may also be a bare library name ("libm.so.6")
};

struct OptionSpec {
    std::string_view name{};        ///< long name without "--"
    char short_name = 0;            ///< 'v' for -v (Flag and Count only), 0 if none
    Split split = Split::Always;    ///< List only
    Kind kind = Kind::Flag;
    std::string_view value_name{};  ///< PATH, PORT, N, ... (options with a value only)
    std::string_view group{};       ///< --help section
    std::string_view help{};
    // Where the value goes: exactly the one member pointer that fits `kind`.
    bool RawFlags::*flag = nullptr;                        ///< Flag
    std::size_t RawFlags::*count = nullptr;                ///< Count
    std::vector<std::string> RawFlags::*list = nullptr;    ///< List
    std::optional<std::string> RawFlags::*value = nullptr; ///< Value, OptionalValue
};

// In --help order: groups appear in the order of their first option.
// clang-format off
inline constexpr OptionSpec kOptions[] = {
    {.name = "ro", .split = Split::Paths, .kind = Kind::List, .value_name = "PATH", .group = "Filesystem",
     .help = "Allow reading PATH (directories: read_file, read_dir)", .list = &RawFlags::ro},
    {.name = "rox", .split = Split::Paths, .kind = Kind::List, .value_name = "PATH", .group = "Filesystem",
     .help = "Like --ro, and allow executing", .list = &RawFlags::rox},
    {.name = "rw", .split = Split::Paths, .kind = Kind::List, .value_name = "PATH", .group = "Filesystem",
     .help = "Like --ro, and allow writing, truncating, creating, removing, renaming (refer) "
             "below PATH",
     .list = &RawFlags::rw},
    {.name = "rwx", .split = Split::Paths, .kind = Kind::List, .value_name = "PATH", .group = "Filesystem",
     .help = "Like --rw, and allow executing", .list = &RawFlags::rwx},
    {.name = "unix", .split = Split::Paths, .kind = Kind::List, .value_name = "PATH",
     .group = "Filesystem",
     .help = "Allow connecting to the pathname UNIX socket PATH, or to those below the directory "
             "PATH (resolve_unix, Landlock ABI 9; an error below it unless --best-effort)",
     .list = &RawFlags::unix},
    {.name = "deny", .split = Split::Paths, .kind = Kind::List, .value_name = "PATH",
     .group = "Filesystem",
     .help = "Carve PATH out of every broader rule: a rule on a directory above it is replaced "
             "by rules on the other entries, level by level (see --explain)",
     .list = &RawFlags::deny},
    {.name = "unrestricted-filesystem", .group = "Filesystem",
     .help = "Do not restrict the filesystem at all", .flag = &RawFlags::unrestricted_filesystem},
    {.name = "unrestricted-unix", .group = "Filesystem",
     .help = "Below Landlock ABI 9, do not deny creating UNIX sockets (every pathname socket "
             "becomes reachable)",
     .flag = &RawFlags::unrestricted_unix},

    {.name = "bind-tcp", .kind = Kind::List, .value_name = "PORT", .group = "Network",
     .help = "Allow binding TCP PORT (0: any ephemeral port)", .list = &RawFlags::bind_tcp},
    {.name = "connect-tcp", .kind = Kind::List, .value_name = "PORT", .group = "Network",
     .help = "Allow connecting to TCP PORT", .list = &RawFlags::connect_tcp},
    {.name = "unrestricted-network", .group = "Network", .help = "Do not restrict TCP at all",
     .flag = &RawFlags::unrestricted_network},

    {.name = "unrestricted-scoped", .group = "Scopes",
     .help = "Do not restrict signals and abstract UNIX sockets",
     .flag = &RawFlags::unrestricted_scoped},
    {.name = "unrestricted-scope", .kind = Kind::List, .value_name = "NAME", .group = "Scopes",
     .help = "Leave one scope unrestricted: signal or abstract_unix_socket",
     .list = &RawFlags::unrestricted_scope},

    {.name = "policy", .split = Split::Paths, .kind = Kind::List, .value_name = "FILE", .group = "Policies",
     .help = "Load a JSON policy file (repeatable)", .list = &RawFlags::policy},
    {.name = "profile", .kind = Kind::List, .value_name = "NAME", .group = "Policies",
     .help = "Load a named policy from the profile search path", .list = &RawFlags::profile},
    {.name = "best-effort", .group = "Policies",
     .help = "Run even when the kernel cannot enforce something explicitly requested (each "
             "drop is warned)",
     .flag = &RawFlags::best_effort},
    {.name = "min-abi", .kind = Kind::Value, .value_name = "N", .group = "Policies",
     .help = "Refuse to run on a Landlock ABI below N", .value = &RawFlags::min_abi},
    {.name = "ignore-missing", .group = "Policies",
     .help = "Skip rule paths that do not exist (reported with -v)",
     .flag = &RawFlags::ignore_missing},

    {.name = "add-exec", .group = "Command", .help = "Allow executing the resolved COMMAND (rox)",
     .flag = &RawFlags::add_exec},
    {.name = "ldd", .group = "Command",
     .help = "Allow COMMAND's ELF interpreter and shared libraries (implies --add-exec)",
     .flag = &RawFlags::ldd},
    // Not split: values may contain commas.
    {.name = "env", .split = Split::No, .kind = Kind::List, .value_name = "KEY[=VALUE]",
     .group = "Command", .help = "Set KEY=VALUE, or keep KEY from the current environment",
     .list = &RawFlags::env},
    {.name = "clearenv", .group = "Command", .help = "Start the command with an empty environment",
     .flag = &RawFlags::clearenv},
    {.name = "unsetenv", .kind = Kind::List, .value_name = "KEY", .group = "Command",
     .help = "Remove KEY from the environment", .list = &RawFlags::unsetenv},
    {.name = "keep-fd", .kind = Kind::List, .value_name = "N", .group = "Command",
     .help = "Keep descriptor N open (all others >= 3 are closed)", .list = &RawFlags::keep_fd},

    {.name = "tsync", .kind = Kind::Value, .value_name = "MODE", .group = "Threads",
     .help = "How every thread is restricted: auto (kernel TSYNC, else single thread, else "
             "emulation), kernel, emulate",
     .value = &RawFlags::tsync},
    {.name = "threads", .kind = Kind::Value, .value_name = "N", .group = "Threads",
     .help = "Start N worker threads before enforcement (they open rule paths in parallel and "
             "are restricted too)",
     .value = &RawFlags::threads},
    {.name = "preload", .split = Split::Library, .kind = Kind::List, .value_name = "LIB", .group = "Threads",
     .help = "Load LIB into the launcher before enforcement, allow it in the policy, and put it "
             "in the command's LD_PRELOAD",
     .list = &RawFlags::preload},

    {.name = "log-same-exec-off", .group = "Audit",
     .help = "Landlock audit: do not log denials of this executable (ABI 7)",
     .flag = &RawFlags::log_same_exec_off},
    {.name = "log-new-exec-on", .group = "Audit",
     .help = "Landlock audit: log denials after a new exec (ABI 7)",
     .flag = &RawFlags::log_new_exec_on},
    {.name = "log-subdomains-off", .group = "Audit",
     .help = "Landlock audit: do not log denials of nested domains (ABI 7)",
     .flag = &RawFlags::log_subdomains_off},
    // landrun's names for the same three flags.
    {.name = "log-disable-originating", .group = "Audit",
     .help = "Same as --log-same-exec-off (landrun's name)", .flag = &RawFlags::log_same_exec_off},
    {.name = "log-enable-subprocesses", .group = "Audit",
     .help = "Same as --log-new-exec-on (landrun's name)", .flag = &RawFlags::log_new_exec_on},
    {.name = "log-disable-subdomains", .group = "Audit",
     .help = "Same as --log-subdomains-off (landrun's name)",
     .flag = &RawFlags::log_subdomains_off},

    {.name = "report-denials", .kind = Kind::OptionalValue, .value_name = "FORMAT",
     .group = "Information",
     .help = "Run the command under a supervisor that reports every Landlock denial and the "
             "flags that would allow it (--report-denials=json for JSON; needs root: "
             "CAP_AUDIT_READ, and CAP_AUDIT_CONTROL when audit is off)",
     .value = &RawFlags::report_denials},
    {.name = "report-to", .kind = Kind::Value, .value_name = "FILE", .group = "Information",
     .help = "Write the --report-denials report to FILE instead of standard error",
     .value = &RawFlags::report_to},
    {.name = "learn", .kind = Kind::Value, .value_name = "FILE", .group = "Information",
     .help = "Run the command unconfined but traced and write the policy it needed to FILE "
             "(only what this run did; see sandbox(1), LEARNING)",
     .value = &RawFlags::learn},
    {.name = "learn-check", .group = "Information",
     .help = "With --learn: then run the command again under the learned policy and report "
             "any difference (the command runs twice)",
     .flag = &RawFlags::learn_check},
    {.name = "explain", .kind = Kind::OptionalValue, .value_name = "FORMAT", .group = "Information",
     .help = "Print the effective policy and enforcement plan, run nothing (--explain=json for "
             "JSON)",
     .value = &RawFlags::explain},
    {.name = "features", .kind = Kind::OptionalValue, .value_name = "FORMAT",
     .group = "Information",
     .help = "Print what the running kernel supports, run nothing (--features=json)",
     .value = &RawFlags::features},
    {.name = "validate", .group = "Information",
     .help = "Check the given policies and print diagnostics, run nothing",
     .flag = &RawFlags::validate},
    {.name = "strict", .group = "Information",
     .help = "With --validate: a required rule path that does not exist is an error, not a "
             "warning",
     .flag = &RawFlags::strict},
    {.name = "verbose", .short_name = 'v', .kind = Kind::Count, .group = "Information",
     .help = "More diagnostics on stderr: -v what was enforced, -vv also every rule path "
             "opened and every policy expansion, -vvv also every enforcement system call",
     .count = &RawFlags::verbose},
    {.name = "log-level", .kind = Kind::Value, .value_name = "LEVEL", .group = "Information",
     .help = "Diagnostics level: trace (-vvv), debug (-vv), info (-v), warning, error, off",
     .value = &RawFlags::log_level},
    {.name = "version", .group = "Information", .help = "Print the version and exit",
     .flag = &RawFlags::version},
    {.name = "help", .short_name = 'h', .group = "Information",
     .help = "Print this help and exit", .flag = &RawFlags::help},
};
// clang-format on

/// The table is well formed: unique names, and each entry has exactly the
/// member pointer and value name its kind needs (checked at compile time).
constexpr bool table_is_well_formed() {
    for (const OptionSpec& o : kOptions) {
        const bool takes_value = o.kind == Kind::List || o.kind == Kind::Value ||
                                 o.kind == Kind::OptionalValue;
        const int targets = (o.flag != nullptr) + (o.count != nullptr) + (o.list != nullptr) +
                            (o.value != nullptr);
        if (o.name.empty() || targets != 1 || takes_value == o.value_name.empty() ||
            (o.kind == Kind::Flag && o.flag == nullptr) ||
            (o.kind == Kind::Count && o.count == nullptr) ||
            (o.kind == Kind::List && o.list == nullptr) ||
            ((o.kind == Kind::Value || o.kind == Kind::OptionalValue) && o.value == nullptr) ||
            (o.short_name != 0 && takes_value) ||
            (o.split != Split::Always && o.kind != Kind::List)) {
            return false;
        }
        for (const OptionSpec& other : kOptions) {
            if (&other != &o && (other.name == o.name ||
                                 (o.short_name != 0 && other.short_name == o.short_name))) {
                return false;
            }
        }
    }
    return true;
}
static_assert(table_is_well_formed());

} // namespace sandbox::flags_detail
