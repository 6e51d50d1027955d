// The launch sequence as a table of contents:
//   parse → load policies → exec plan (--add-exec, --ldd) → carve out --deny
//   → Landlock plan
//   → ruleset (each rule path opened, added, closed) → [explain] → restrict
//   → exec.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "command/exec.hpp"
#include "command/ldd.hpp"
#include "enforce/path_rules.hpp"
#include "enforce/restrict.hpp"
#include "base/unique_fd.hpp"
#include "enforce/workers.hpp"
#include "policy/carve.hpp"
#include "policy/flags.hpp"
#include "policy/plan.hpp"

namespace sandbox {

/// How a run would end before the command starts (--explain): the exit status
/// and the error line with its hints that the run would print.
struct WouldFail {
    int status = 125;
    std::string message;
    std::vector<std::string> hints;
};

/// Everything decided before the kernel is asked to enforce anything.
struct Prepared {
    Policy policy;                 ///< union of files, flags and command additions
    std::optional<ExecPlan> exec;  ///< when a command was given
    std::optional<std::string> script_interpreter;
    std::vector<std::string> preloaded;     ///< --preload libraries, resolved
    CarveResult carved;                     ///< what --deny did, for --explain
    EnforcementPreview enforcement;         ///< for --explain
    std::string kernel_release;
    RulesetPlan plan;
    UniqueFd ruleset;        ///< every rule added
    ResolvedRules resolved;  ///< what was added, for --explain and exec hints
    std::optional<WouldFail> would_fail;  ///< --explain: the run's pre-start checks failed
};

/// Loads and validates the policy, loads --preload libraries and builds the
/// ruleset (rule paths opened and added in parallel on `pool`'s workers, if
/// any). Throws PolicyError, SysError, LaunchError or ExecError.
Prepared prepare(const CommandLine& cl, WorkerPool* pool);

/// Restricts every thread and execs; returns only by throwing. When
/// `restricted_fd` is a descriptor (--report-denials), one byte is written to
/// it once the process is restricted: 'U' when the seccomp guard also
/// refuses UNIX sockets, else 'R'; and 'F' when the exec then failed.
[[noreturn]] void launch(const CommandLine& cl, Prepared prepared, int restricted_fd = -1);

/// -v: the method and every thread with its result.
void log_report(const EnforcementReport& report);

/// Dispatches on the action; returns the exit status. With --report-denials
/// the command runs in a child under the supervisor (app/supervisor.hpp).
int run(const CommandLine& cl);

} // namespace sandbox
