// The command line (PRODUCT §3) → CommandLine. Path and port flags become a
// Policy of their own, merged with the policy files later.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "policy/json_loader.hpp"
#include "policy/plan.hpp"
#include "policy/policy.hpp"

namespace sandbox {

enum class Action { Run, Explain, Features, Validate, Version, Help };
enum class OutputFormat { Text, Json };
/// --validate: a required rule path that does not exist is a warning, or
/// with --strict an error.
enum class MissingPathCheck { Warn, Fail };

struct CommandLine {
    Action action = Action::Run;
    OutputFormat format = OutputFormat::Text;
    Policy flag_policy;               ///< --ro/--rw/..., ports, unrestricted, env
    std::vector<PolicyRef> policies;  ///< --policy and --profile, in order
    Tolerance tolerance = Tolerance::Strict;
    int min_abi = 0;
    bool ignore_missing = false;
    MissingPathCheck missing_check = MissingPathCheck::Warn;  ///< --validate [--strict]
    bool add_exec = false;
    bool ldd = false;
    std::vector<int> keep_fds;
    Tsync tsync = Tsync::Auto;
    int threads = 0;                   ///< --threads N worker threads
    std::vector<std::string> preload;  ///< --preload LIB, in order
    LogFlags log_flags;
    std::string log_level = "warning";  ///< trace, debug, info, warning, error, off
    /// --report-denials[=FORMAT]: run under the denial-report supervisor.
    std::optional<OutputFormat> report;
    std::string report_to;              ///< --report-to FILE; "" is standard error
    /// --learn FILE: run traced, unconfined, and write the learned policy.
    std::optional<std::string> learn;
    bool learn_check = false;           ///< --learn-check: replay under it
    std::vector<std::string> command;   ///< COMMAND and its arguments, untouched
    std::string help_text;              ///< filled for Action::Help
};

/// Thrown for usage errors; main prints it with a hint to --help, exit 125.
class UsageError : public Error {
public:
    explicit UsageError(const std::string& message) : Error(message, {"see sandbox --help"}) {}
};

/// What parsing may look up: the environment ("~/", $HOME) and whether a
/// path exists (for comma lists). Both are functions so that parsing stays
/// pure; an empty `exists` means "no path exists" (every list is split).
struct ParseContext {
    using Exists = std::function<bool(const std::string& path)>;
    // NOLINTNEXTLINE(google-explicit-constructor): an EnvLookup alone is a context
    ParseContext(EnvLookup e, Exists x = {}) : env(std::move(e)), exists(std::move(x)) {}
    EnvLookup env;
    Exists exists;
};

/// Parses argv (argv[0] is the program name) with the option table of
/// flag_table.hpp. Nothing after "--" or after the first non-option word
/// (COMMAND) is parsed. "--opt value" and "--opt=value" are the same, except
/// for --explain and --features, whose optional value needs "=". Unknown
/// options, a missing value, a value given to a flag, an empty item in a comma
/// list and a single-value option given twice are usage errors; -h/--help
/// among the options wins over them. A leading "~/" in a path value means
/// $HOME (the shell does not expand "--ro=~/x"); a lone relative path stays
/// relative to the working directory. Path lists: see path_items in
/// flag_values.hpp.
CommandLine parse_command_line(int argc, const char* const* argv, const ParseContext& ctx);

/// The --help text, rendered from the option table (help.cpp).
std::string help_text();

} // namespace sandbox
