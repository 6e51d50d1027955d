// The denial report (PRODUCT §10) as text for a person or as JSON (the shape
// sandbox(1) documents). Pure rendering of what the supervisor collected.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "policy/denials.hpp"
#include "policy/suggestion.hpp"

namespace sandbox {

struct RunReport {
    std::vector<std::string> command;
    std::optional<int> exit_status;  ///< the command exited with this
    std::optional<int> signal;       ///< or was killed by this
    std::vector<std::string> domains;  ///< the command's domain first, then nested ones
    std::vector<Denial> denials;
    Suggestion suggestion;
    std::uint64_t received = 0;                ///< access records of the run's domains
    std::optional<std::uint64_t> kernel_count;  ///< the kernel's denials= for them
    std::uint64_t lost = 0;                    ///< records known to be missing
    std::vector<std::string> notes;            ///< what the report cannot show, and why
};

std::string report_text(const RunReport& report);
std::string report_json(const RunReport& report);

/// `word` quoted for a POSIX shell when it needs it: /tmp/a b → '/tmp/a b'.
std::string shell_quote(const std::string& word);

}  // namespace sandbox
