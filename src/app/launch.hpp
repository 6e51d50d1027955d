// The launch sequence as a table of contents:
//   parse → load policies → exec plan (--add-exec, --ldd) → Landlock plan
//   → open rule paths → [explain] → ruleset → restrict → exec.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "enforce/exec.hpp"
#include "enforce/ldd.hpp"
#include "enforce/resolve.hpp"
#include "policy/flags.hpp"
#include "policy/plan.hpp"

namespace sandbox {

/// Everything decided before the kernel is asked to enforce anything.
struct Prepared {
    Policy policy;                 ///< union of files, flags and command additions
    std::optional<ExecPlan> exec;  ///< when a command was given
    std::optional<std::string> script_interpreter;
    std::optional<LibraryClosure> closure;  ///< with --ldd
    std::string kernel_release;
    RulesetPlan plan;
    ResolvedRules resolved;
};

/// Loads and validates the policy and opens every rule path. Throws
/// PolicyError, SysError, LaunchError or ExecError.
Prepared prepare(const CommandLine& cl);

/// `--validate`: returns the exit status.
int validate(const CommandLine& cl);

/// Enforces and execs; returns only by throwing.
[[noreturn]] void launch(const CommandLine& cl, Prepared prepared);

/// Dispatches on the action; returns the exit status.
int run(const CommandLine& cl);

} // namespace sandbox
