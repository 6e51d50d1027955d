// Why an exec failed (or would fail, for --explain): which right the
// policy lacks on the command, its interpreters or libraries, found by file
// identity (st_dev, st_ino) against the added rules, and PATH shims.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/launch.hpp"

namespace sandbox {

/// Hints for an exec that failed with `err` (only EACCES gets any).
std::vector<std::string> exec_hints(const Prepared& p, int err);

/// --explain: the run's checks before the command starts (the rights execve
/// and the loader need), as the run would report them.
std::optional<WouldFail> precheck_exec(const Prepared& p);

} // namespace sandbox
