// Compiler-style diagnostics for policy problems, collected and printed at once:
//   policies/dev.json:14:23: error: unknown filesystem access right "raed_file"
//     hint: did you mean "read_file"?
#pragma once

#include <string>
#include <vector>

#include "base/error.hpp"

namespace sandbox {

/// Where a rule or a problem comes from. `file` empty = the command line,
/// in which case `option` names the flag ("--ro").
struct SourceLocation {
    std::string file;
    int line = 0;    ///< 1-based; 0 = whole file
    int column = 0;  ///< 1-based; 0 = whole line
    std::string option;

    /// "file:line:col", "file", "command line (--ro)", or "sandbox" when
    /// the problem has no particular source.
    std::string to_string() const;
    friend bool operator==(const SourceLocation&, const SourceLocation&) = default;
};

enum class Severity { Error, Warning };

struct Diagnostic {
    SourceLocation where;
    Severity severity = Severity::Error;
    std::string message;
    std::vector<std::string> hints;
};

/// "file:12:7: error: message\n  hint: ...\n" (always ends with a newline).
std::string format_diagnostic(const Diagnostic& d);

class Diagnostics {
public:
    void error(SourceLocation where, std::string message, std::vector<std::string> hints = {});
    void warning(SourceLocation where, std::string message,
                 std::vector<std::string> hints = {});
    void append(const Diagnostics& other);

    bool has_errors() const;
    std::size_t error_count() const;
    const std::vector<Diagnostic>& items() const { return items_; }
    /// All diagnostics, formatted, in the order they were found.
    std::string format() const;

private:
    std::vector<Diagnostic> items_;
};

/// Thrown when policy input is invalid; carries every diagnostic found.
class PolicyError : public Error {
public:
    /// `summary` is the closing one-line message ("invalid policy").
    explicit PolicyError(Diagnostics diagnostics, std::string summary = "invalid policy");
    const Diagnostics& diagnostics() const { return diagnostics_; }
    const std::string& summary() const { return summary_; }

private:
    Diagnostics diagnostics_;
    std::string summary_;
};

} // namespace sandbox
