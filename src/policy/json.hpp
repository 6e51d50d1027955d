// A small JSON reader that remembers where every value and key starts.
//
// nlohmann/json (3.11) reports positions only for syntax errors, but policy
// diagnostics must point at the offending value ("file:12:7: error: ..."), so
// policy files are read with this parser. It is strict RFC 8259: no comments,
// no trailing commas, strings must be valid UTF-8, control characters must be
// escaped. Duplicate keys are kept (in order) so that the caller can report
// each one with its position.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sandbox::json {

/// 1-based line and column. Columns count bytes (a tab is one column).
struct Position {
    int line = 0;
    int column = 0;
    friend bool operator==(const Position&, const Position&) = default;
};

enum class Kind { Null, Bool, Number, String, Array, Object };

/// Human name of a kind, as used in messages: "null", "boolean", "number",
/// "string", "array", "object".
std::string_view kind_name(Kind kind);

struct Member;

struct Value {
    Kind kind = Kind::Null;
    Position pos;                 ///< first character of the value
    bool boolean = false;         ///< Kind::Bool
    std::string text;             ///< Kind::String: decoded UTF-8 (may hold NUL
                                  ///< from \u0000); Kind::Number: the literal
                                  ///< exactly as written, e.g. "-1.5e3"
    std::vector<Value> items;     ///< Kind::Array, in order
    std::vector<Member> members;  ///< Kind::Object, in order, duplicates kept
};

struct Member {
    std::string key;  ///< decoded
    Position key_pos; ///< the opening quote of the key
    Value value;
};

struct ParseError {
    Position pos;         ///< where the problem was detected
    std::string message;  ///< e.g. "expected ',' or '}' after object member"
};

struct Limits {
    int max_depth = 64;  ///< nesting of arrays/objects; deeper is an error,
                         ///< never a stack overflow
};

/// Parses one JSON document (surrounding whitespace allowed, nothing else).
/// Never throws on bad input; returns the first syntax error instead.
std::variant<Value, ParseError> parse(std::string_view text, Limits limits = {});

} // namespace sandbox::json
