// Diagnostics on stderr (never stdout): spdlog for -v levels, and the
// fixed "sandbox: error: ..." + "  hint: ..." format for failures.
#pragma once

#include <string>
#include <vector>

#include "policy/diagnostics.hpp"

namespace sandbox {

/// Level names as --log-level takes them.
void setup_logging(const std::string& level);

/// "sandbox: error: MESSAGE" then "  hint: ..." lines.
void print_error(const std::string& message, const std::vector<std::string>& hints = {});

/// Policy diagnostics, compiler style, to stderr.
void print_diagnostics(const Diagnostics& diagnostics);

} // namespace sandbox
