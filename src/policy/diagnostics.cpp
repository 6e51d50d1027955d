#include "policy/diagnostics.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace sandbox {

std::string SourceLocation::to_string() const {
    if (file.empty()) {
        return option.empty() ? "sandbox" : fmt::format("command line ({})", option);
    }
    if (line == 0) {
        return file;
    }
    if (column == 0) {
        return fmt::format("{}:{}", file, line);
    }
    return fmt::format("{}:{}:{}", file, line, column);
}

namespace {
const char* severity_name(Severity s) {
    switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    }
    return "error";
}
} // namespace

std::string format_diagnostic(const Diagnostic& d) {
    std::string out = fmt::format("{}: {}: {}\n", d.where.to_string(),
                                  severity_name(d.severity), d.message);
    for (const auto& hint : d.hints) {
        out += fmt::format("  hint: {}\n", hint);
    }
    return out;
}

void Diagnostics::error(SourceLocation where, std::string message,
                        std::vector<std::string> hints) {
    items_.push_back({std::move(where), Severity::Error, std::move(message), std::move(hints)});
}

void Diagnostics::warning(SourceLocation where, std::string message,
                          std::vector<std::string> hints) {
    items_.push_back(
        {std::move(where), Severity::Warning, std::move(message), std::move(hints)});
}

void Diagnostics::append(const Diagnostics& other) {
    items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

bool Diagnostics::has_errors() const { return error_count() > 0; }

std::size_t Diagnostics::error_count() const {
    return static_cast<std::size_t>(std::count_if(
        items_.begin(), items_.end(), [](const Diagnostic& d) { return d.severity == Severity::Error; }));
}

std::string Diagnostics::format() const {
    std::string out;
    for (const auto& d : items_) {
        out += format_diagnostic(d);
    }
    return out;
}

PolicyError::PolicyError(Diagnostics diagnostics, std::string summary)
    : Error(diagnostics.format()), diagnostics_(std::move(diagnostics)),
      summary_(std::move(summary)) {}

} // namespace sandbox
