// --log-level trace: a record of the enforcement's system calls (Landlock,
// no_new_privs) with their results. Fixed storage and lock-free appends: the
// emulation's parked threads record from a signal handler, rule paths are
// added on helper threads. Off by default: one relaxed atomic load per call.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sandbox::syscall_trace {

enum class Call : std::uint8_t { CreateRuleset, AddPathRule, AddPortRule, RestrictSelf, NoNewPrivs };

struct Record {
    Call call = Call::CreateRuleset;
    pid_t tid = 0;
    std::uint64_t args[3] = {};  ///< the call's interesting arguments (see describe)
    long result = 0;
    int err = 0;  ///< errno when result < 0
};

/// Starts recording (before the ruleset is created).
void enable();
bool enabled();

/// Appends one record when enabled; async-signal-safe; keeps errno.
void record(Call call, std::uint64_t a0, std::uint64_t a1, std::uint64_t a2, long result);

/// The records so far, in the order the calls returned, and how many did
/// not fit. Not async-signal-safe; call when no other thread records.
struct Recorded {
    std::vector<Record> records;
    std::size_t dropped = 0;
};
Recorded recorded();

/// "[tid 123] landlock_add_rule(3, LANDLOCK_RULE_PATH_BENEATH, {allowed_access=0x7,
/// parent_fd=5}, 0) = 0".
std::string describe(const Record& r);

} // namespace sandbox::syscall_trace
