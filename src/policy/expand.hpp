// Variable expansion in policy paths: ${NAME}, ${NAME:-default}, and a
// leading "~/" (or a lone "~") meaning ${HOME}. A "$" not followed by "{"
// is literal. Pure: the environment is a lookup function.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace sandbox {

using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

/// The process environment (getenv).
EnvLookup process_environment();

struct ExpandError {
    std::size_t offset = 0;  ///< byte offset in the input where the problem starts
    std::string message;
    /// Set when the problem is a variable that is not set (and has no default).
    std::optional<std::string> unset_variable;
};

struct Expanded {
    std::string value;
    std::optional<ExpandError> error;
};

Expanded expand_variables(std::string_view input, const EnvLookup& env);

} // namespace sandbox
