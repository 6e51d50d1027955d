// Strict RFC 8259 reader with positions; see json.hpp.
#include "policy/json.hpp"

#include <cstdint>
#include <cstring>
#include <utility>

namespace sandbox::json {

std::string_view kind_name(Kind kind) {
    switch (kind) {
    case Kind::Null: return "null";
    case Kind::Bool: return "boolean";
    case Kind::Number: return "number";
    case Kind::String: return "string";
    case Kind::Array: return "array";
    case Kind::Object: return "object";
    }
    return "unknown";
}

namespace {

/// True when none of the 8 bytes of `v` ends a plain run in a string: no quote,
/// backslash, control character (< 0x20) or non-ASCII byte (>= 0x80). SWAR: a
/// borrow can only mark a byte above one that really matches, so "any" is exact.
constexpr bool plain8(std::uint64_t v) {
    constexpr std::uint64_t ones = 0x0101010101010101ULL;
    constexpr std::uint64_t high = 0x8080808080808080ULL;
    auto has_zero = [](std::uint64_t x) { return (x - ones) & ~x & high; };
    const std::uint64_t below_space_or_high = ((v - ones * 0x20) | v) & high;
    return (below_space_or_high | has_zero(v ^ (ones * '"')) | has_zero(v ^ (ones * '\\'))) == 0;
}
static_assert(plain8(0x6867666564636261ULL));   // "abcdefgh"
static_assert(plain8(0x7e7e7e7e7e7e7e20ULL));   // " ~~~~~~~"
static_assert(!plain8(0x6867666564632261ULL));  // a quote
static_assert(!plain8(0x5c67666564636261ULL));  // a backslash last
static_assert(!plain8(0x686766651f636261ULL));  // a control character
static_assert(!plain8(0x68676665c3636261ULL));  // a UTF-8 lead byte
static_assert(!plain8(0x0067666564636261ULL));  // NUL

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool is_printable(char c) { return c > 0x20 && c < 0x7f; }

std::string hex_byte(char c, const char* digits = "0123456789abcdef") {
    const auto b = static_cast<unsigned char>(c);
    return {digits[b >> 4], digits[b & 0xf]};
}

/// "'x'" for printable ASCII, "byte 0x0a" for anything else.
std::string describe_byte(char c) {
    return is_printable(c) ? std::string{'\'', c, '\''} : "byte 0x" + hex_byte(c);
}

void append_utf8(std::string& out, std::uint32_t cp) {
    auto put = [&out](std::uint32_t b) { out.push_back(static_cast<char>(b)); };
    if (cp < 0x80) {
        put(cp);
    } else if (cp < 0x800) {
        put(0xC0 | (cp >> 6));
        put(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        put(0xE0 | (cp >> 12));
        put(0x80 | ((cp >> 6) & 0x3F));
        put(0x80 | (cp & 0x3F));
    } else {
        put(0xF0 | (cp >> 18));
        put(0x80 | ((cp >> 12) & 0x3F));
        put(0x80 | ((cp >> 6) & 0x3F));
        put(0x80 | (cp & 0x3F));
    }
}

class Parser {
public:
    Parser(std::string_view text, Limits limits) : text_(text), max_depth_(limits.max_depth) {}

    std::variant<Value, ParseError> run() {
        Value root;
        if (text_.starts_with("\xEF\xBB\xBF")) {
            fail(pos(), "byte order mark is not allowed");
        } else {
            skip_whitespace();
            if (at_end()) {
                fail(pos(), "empty document");
            } else if (parse_value(root, 0)) {
                skip_whitespace();
                if (!at_end()) fail(pos(), "extra data after the JSON value");
            }
        }
        if (failed_) return std::move(error_);
        return root;
    }

private:
    std::string_view text_;
    std::size_t i_ = 0;
    int line_ = 1;
    std::size_t line_start_ = 0;
    int max_depth_;
    bool failed_ = false;
    ParseError error_;

    bool at_end() const { return i_ >= text_.size(); }
    char peek() const { return text_[i_]; }

    /// Position of byte `index`, which must be on the current line.
    Position at(std::size_t index) const {
        return {line_, static_cast<int>(index - line_start_) + 1};
    }
    Position pos() const { return at(i_); }

    bool fail(Position where, std::string message) {
        if (!failed_) {
            failed_ = true;
            error_ = {where, std::move(message)};
        }
        return false;
    }

    void skip_whitespace() {
        while (!at_end()) {
            const char c = peek();
            if (c == '\n') {
                ++line_;
                line_start_ = i_ + 1;
            } else if (c != ' ' && c != '\t' && c != '\r') {
                return;
            }
            ++i_;
        }
    }

    bool parse_value(Value& out, int depth) {
        out.pos = pos();
        if (at_end()) return fail(pos(), "unexpected end of file, expected a value");
        const char c = peek();
        switch (c) {
        case '{':
        case '[':
            if (depth >= max_depth_) {
                return fail(pos(), "nesting deeper than " + std::to_string(max_depth_) + " levels");
            }
            return c == '{' ? parse_object(out, depth + 1) : parse_array(out, depth + 1);
        case '"':
            out.kind = Kind::String;
            return parse_string(out.text);
        case 't':
            out.kind = Kind::Bool;
            out.boolean = true;
            return parse_literal("true");
        case 'f':
            out.kind = Kind::Bool;
            return parse_literal("false");
        case 'n':
            out.kind = Kind::Null;
            return parse_literal("null");
        default:
            if (c == '-' || is_digit(c)) {
                out.kind = Kind::Number;
                return parse_number(out.text);
            }
            return fail(pos(), "unexpected character " + describe_byte(c));
        }
    }

    bool parse_literal(std::string_view word) {
        if (!text_.substr(i_).starts_with(word)) {
            return fail(pos(), "invalid literal, expected '" + std::string(word) + "'");
        }
        i_ += word.size();
        return true;
    }

    bool parse_array(Value& out, int depth) {
        out.kind = Kind::Array;
        ++i_;  // '['
        skip_whitespace();
        if (!at_end() && peek() == ']') {
            ++i_;
            return true;
        }
        for (;;) {
            skip_whitespace();
            if (at_end()) return fail(pos(), "unexpected end of file inside array");
            if (!parse_value(out.items.emplace_back(), depth)) return false;
            skip_whitespace();
            if (at_end()) return fail(pos(), "unexpected end of file inside array");
            const char c = peek();
            if (c == ']') {
                ++i_;
                return true;
            }
            if (c != ',') return fail(pos(), "expected ',' or ']' after array element");
            const Position comma = pos();
            ++i_;
            skip_whitespace();
            if (!at_end() && peek() == ']') return fail(comma, "trailing comma before ']'");
        }
    }

    bool parse_object(Value& out, int depth) {
        out.kind = Kind::Object;
        ++i_;  // '{'
        skip_whitespace();
        if (!at_end() && peek() == '}') {
            ++i_;
            return true;
        }
        for (;;) {
            skip_whitespace();
            if (at_end()) return fail(pos(), "unexpected end of file inside object");
            if (peek() != '"') return fail(pos(), "expected string as object key");
            Member& member = out.members.emplace_back();
            member.key_pos = pos();
            if (!parse_string(member.key)) return false;
            skip_whitespace();
            if (at_end()) return fail(pos(), "unexpected end of file inside object");
            if (peek() != ':') return fail(pos(), "expected ':' after object key");
            ++i_;
            skip_whitespace();
            if (at_end()) return fail(pos(), "unexpected end of file inside object");
            if (!parse_value(member.value, depth)) return false;
            skip_whitespace();
            if (at_end()) return fail(pos(), "unexpected end of file inside object");
            const char c = peek();
            if (c == '}') {
                ++i_;
                return true;
            }
            if (c != ',') return fail(pos(), "expected ',' or '}' after object member");
            const Position comma = pos();
            ++i_;
            skip_whitespace();
            if (!at_end() && peek() == '}') return fail(comma, "trailing comma before '}'");
        }
    }

    /// Reads the digits of a number component; fails with `what` if there are none.
    bool parse_digits(const char* what) {
        if (at_end() || !is_digit(peek())) {
            return fail(pos(), std::string("expected digit ") + what + " in number");
        }
        while (!at_end() && is_digit(peek())) ++i_;
        return true;
    }

    bool parse_number(std::string& out) {
        const std::size_t start = i_;
        if (peek() == '-') ++i_;
        if (!at_end() && peek() == '0') {
            ++i_;
            if (!at_end() && is_digit(peek())) {
                return fail(at(i_ - 1), "leading zeros are not allowed in numbers");
            }
        } else if (!parse_digits("after '-'")) {
            return false;
        }
        if (!at_end() && peek() == '.') {
            ++i_;
            if (!parse_digits("after '.'")) return false;
        }
        if (!at_end() && (peek() == 'e' || peek() == 'E')) {
            ++i_;
            if (!at_end() && (peek() == '+' || peek() == '-')) ++i_;
            if (!parse_digits("in exponent")) return false;
        }
        out.assign(text_.substr(start, i_ - start));
        return true;
    }

    /// Reads 4 hex digits of a \u escape whose backslash is at `backslash`.
    bool parse_hex4(std::size_t backslash, std::uint32_t& cp) {
        cp = 0;
        for (std::size_t k = backslash + 2; k < backslash + 6; ++k) {
            if (k >= text_.size()) {
                i_ = text_.size();
                return fail(pos(), "unexpected end of file inside string");
            }
            const int h = hex_value(text_[k]);
            if (h < 0) {
                return fail(at(backslash),
                            "invalid escape sequence: '\\u' must be followed by 4 hex digits");
            }
            cp = cp * 16 + static_cast<std::uint32_t>(h);
        }
        i_ = backslash + 6;
        return true;
    }

    /// Handles the escape whose backslash is at i_.
    bool parse_escape(std::string& out) {
        const std::size_t backslash = i_;
        if (i_ + 1 >= text_.size()) {
            i_ = text_.size();
            return fail(pos(), "unexpected end of file inside string");
        }
        const char c = text_[i_ + 1];
        char simple = 0;
        switch (c) {
        case '"': simple = '"'; break;
        case '\\': simple = '\\'; break;
        case '/': simple = '/'; break;
        case 'b': simple = '\b'; break;
        case 'f': simple = '\f'; break;
        case 'n': simple = '\n'; break;
        case 'r': simple = '\r'; break;
        case 't': simple = '\t'; break;
        case 'u': break;
        default: {
            const std::string what = is_printable(c) ? std::string("'\\") + c + "'"
                                                     : "'\\' followed by " + describe_byte(c);
            return fail(at(backslash), "invalid escape sequence " + what);
        }
        }
        if (simple != 0) {
            out.push_back(simple);
            i_ += 2;
            return true;
        }
        std::uint32_t cp = 0;
        if (!parse_hex4(backslash, cp)) return false;
        const auto unpaired = [&] {
            return fail(at(backslash), "unpaired surrogate in '\\u' escape");
        };
        if (cp >= 0xDC00 && cp <= 0xDFFF) return unpaired();
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (!text_.substr(i_).starts_with("\\u")) return unpaired();
            std::uint32_t low = 0;
            if (!parse_hex4(i_, low)) return false;
            if (low < 0xDC00 || low > 0xDFFF) return unpaired();
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        append_utf8(out, cp);
        return true;
    }

    /// Validates one raw multi-byte UTF-8 sequence at i_ and copies it.
    bool parse_utf8(std::string& out) {
        const auto byte = [this](std::size_t k) {
            return static_cast<unsigned char>(text_[k]);
        };
        const unsigned char lead = byte(i_);
        std::size_t length = 0;
        unsigned char lo = 0x80;  // allowed range of the second byte
        unsigned char hi = 0xBF;
        if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            length = 3;
            if (lead == 0xE0) lo = 0xA0;  // overlong
            if (lead == 0xED) hi = 0x9F;  // UTF-16 surrogates
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4;
            if (lead == 0xF0) lo = 0x90;  // overlong
            if (lead == 0xF4) hi = 0x8F;  // above U+10FFFF
        } else {
            return fail(pos(), "invalid UTF-8 in string");
        }
        if (i_ + length > text_.size()) return fail(pos(), "invalid UTF-8 in string");
        for (std::size_t k = 1; k < length; ++k) {
            const unsigned char b = byte(i_ + k);
            const bool ok = k == 1 ? (b >= lo && b <= hi) : (b >= 0x80 && b <= 0xBF);
            if (!ok) return fail(pos(), "invalid UTF-8 in string");
        }
        out.append(text_.substr(i_, length));
        i_ += length;
        return true;
    }

    /// Parses a string starting at the opening quote at i_.
    bool parse_string(std::string& out) {
        ++i_;  // opening quote
        for (;;) {
            if (at_end()) return fail(pos(), "unexpected end of file inside string");
            const char c = peek();
            const auto b = static_cast<unsigned char>(c);
            if (c == '"') {
                ++i_;
                return true;
            }
            if (c == '\\') {
                if (!parse_escape(out)) return false;
            } else if (b < 0x20) {
                return fail(pos(), "control character U+00" + hex_byte(c, "0123456789ABCDEF") +
                                       " must be escaped in string");
            } else if (b < 0x80) {
                // A run of plain ASCII is appended at once (policies are mostly paths).
                std::size_t end = i_ + 1;
                for (std::uint64_t word = 0; end + 8 <= text_.size(); end += 8) {
                    std::memcpy(&word, text_.data() + end, 8);
                    if (!plain8(word)) break;
                }
                while (end < text_.size()) {
                    const auto d = static_cast<unsigned char>(text_[end]);
                    if (d < 0x20 || d >= 0x80 || d == '"' || d == '\\') break;
                    ++end;
                }
                out.append(text_.data() + i_, end - i_);
                i_ = end;
            } else if (!parse_utf8(out)) {
                return false;
            }
        }
    }
};

} // namespace

std::variant<Value, ParseError> parse(std::string_view text, Limits limits) {
    return Parser(text, limits).run();
}

} // namespace sandbox::json
