// Checking a parsed JSON document against a fixed shape, with FILE:LINE:COLUMN
// diagnostics: type checks, duplicate and unknown keys (with a "did you mean"
// hint), bounded whole numbers. Knows nothing of policies: policy_schema.cpp
// builds on it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "policy/diagnostics.hpp"
#include "policy/json.hpp"

namespace sandbox {

/// Reports every problem of one file to `diags`; nothing stops at the first.
class SchemaWalker {
public:
    /// One handler per known key of an object.
    using Handlers =
        std::vector<std::pair<std::string_view, std::function<void(const json::Value&)>>>;

    SchemaWalker(const std::string& filename, Diagnostics& diags)
        : filename_(filename), diags_(diags) {}

    SourceLocation at(json::Position p) const { return {filename_, p.line, p.column, {}}; }

    void error(json::Position p, std::string message, std::vector<std::string> hints = {});

    /// "an object", "a string", ...
    static std::string article_kind(json::Kind k);

    /// `s` with control characters written as \xNN, for messages.
    static std::string printable(std::string_view s);

    /// Whether `v` is of kind `k`; an error naming `what` if not.
    bool expect(const json::Value& v, json::Kind k, std::string_view what);

    /// Checks duplicate and unknown keys, then dispatches each member.
    void walk(const json::Value& obj, std::string_view context, const Handlers& handlers);

    /// A whole number in [lo, hi], or nullopt after an error.
    std::optional<long long> integer(const json::Value& v, std::string_view what, long long lo,
                                     long long hi);

    /// The value of a boolean; false after an error.
    bool boolean(const json::Value& v, std::string_view what);

    const std::string& filename() const { return filename_; }

private:
    void unknown_key(const json::Member& m, std::string_view context, const Handlers& handlers);

    const std::string& filename_;
    Diagnostics& diags_;
};

} // namespace sandbox
