#include "policy/json.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <variant>

namespace sandbox::json {
namespace {

using namespace std::string_literals;

Value parse_ok(std::string_view text) {
    auto result = parse(text);
    if (const auto* error = std::get_if<ParseError>(&result)) {
        ADD_FAILURE() << "unexpected error for <" << text << ">: " << error->pos.line << ":"
                      << error->pos.column << ": " << error->message;
        return {};
    }
    return std::get<Value>(std::move(result));
}

ParseError parse_error(std::string_view text, Limits limits = {}) {
    auto result = parse(text, limits);
    if (std::holds_alternative<Value>(result)) {
        ADD_FAILURE() << "expected an error for <" << text << ">";
        return {};
    }
    return std::get<ParseError>(std::move(result));
}

TEST(JsonKindName, AllKinds) {
    EXPECT_EQ(kind_name(Kind::Null), "null");
    EXPECT_EQ(kind_name(Kind::Bool), "boolean");
    EXPECT_EQ(kind_name(Kind::Number), "number");
    EXPECT_EQ(kind_name(Kind::String), "string");
    EXPECT_EQ(kind_name(Kind::Array), "array");
    EXPECT_EQ(kind_name(Kind::Object), "object");
}

TEST(JsonParse, Scalars) {
    Value v = parse_ok("null");
    EXPECT_EQ(v.kind, Kind::Null);
    EXPECT_EQ(v.pos, (Position{1, 1}));

    v = parse_ok("true");
    EXPECT_EQ(v.kind, Kind::Bool);
    EXPECT_TRUE(v.boolean);

    v = parse_ok("  false ");
    EXPECT_EQ(v.kind, Kind::Bool);
    EXPECT_FALSE(v.boolean);
    EXPECT_EQ(v.pos, (Position{1, 3}));

    v = parse_ok("-12.5e+3");
    EXPECT_EQ(v.kind, Kind::Number);
    EXPECT_EQ(v.text, "-12.5e+3");

    v = parse_ok(R"("hi")");
    EXPECT_EQ(v.kind, Kind::String);
    EXPECT_EQ(v.text, "hi");

    v = parse_ok("[]");
    EXPECT_EQ(v.kind, Kind::Array);
    EXPECT_TRUE(v.items.empty());

    v = parse_ok("{}");
    EXPECT_EQ(v.kind, Kind::Object);
    EXPECT_TRUE(v.members.empty());

    v = parse_ok("[ ]");
    EXPECT_EQ(v.kind, Kind::Array);
    v = parse_ok("{\n}");
    EXPECT_EQ(v.kind, Kind::Object);
}

TEST(JsonParse, NestedPositions) {
    const std::string text =
        "{\n"                               // line 1
        "  \"name\": \"demo\",\n"           // line 2
        "\t\"list\": [1,\n"                 // line 3
        "     {\"k\" :  null}, true],\n"    // line 4
        "  \"obj\":{}\n"                    // line 5
        "}\n";
    const Value v = parse_ok(text);
    ASSERT_EQ(v.kind, Kind::Object);
    EXPECT_EQ(v.pos, (Position{1, 1}));
    ASSERT_EQ(v.members.size(), 3u);

    const Member& name = v.members[0];
    EXPECT_EQ(name.key, "name");
    EXPECT_EQ(name.key_pos, (Position{2, 3}));
    EXPECT_EQ(name.value.kind, Kind::String);
    EXPECT_EQ(name.value.text, "demo");
    EXPECT_EQ(name.value.pos, (Position{2, 11}));

    const Member& list = v.members[1];
    EXPECT_EQ(list.key, "list");
    EXPECT_EQ(list.key_pos, (Position{3, 2}));  // a tab is one column
    ASSERT_EQ(list.value.kind, Kind::Array);
    EXPECT_EQ(list.value.pos, (Position{3, 10}));
    ASSERT_EQ(list.value.items.size(), 3u);
    EXPECT_EQ(list.value.items[0].pos, (Position{3, 11}));
    EXPECT_EQ(list.value.items[0].text, "1");

    const Value& inner = list.value.items[1];
    ASSERT_EQ(inner.kind, Kind::Object);
    EXPECT_EQ(inner.pos, (Position{4, 6}));
    ASSERT_EQ(inner.members.size(), 1u);
    EXPECT_EQ(inner.members[0].key, "k");
    EXPECT_EQ(inner.members[0].key_pos, (Position{4, 7}));
    EXPECT_EQ(inner.members[0].value.kind, Kind::Null);
    EXPECT_EQ(inner.members[0].value.pos, (Position{4, 14}));

    EXPECT_EQ(list.value.items[2].kind, Kind::Bool);
    EXPECT_EQ(list.value.items[2].pos, (Position{4, 21}));

    const Member& obj = v.members[2];
    EXPECT_EQ(obj.key_pos, (Position{5, 3}));
    EXPECT_EQ(obj.value.kind, Kind::Object);
    EXPECT_EQ(obj.value.pos, (Position{5, 9}));
}

TEST(JsonParse, PositionsCountBytesNotCharacters) {
    // "é" is two bytes, so the value after it starts two columns later.
    const Value v = parse_ok("[\"\xC3\xA9\", 1]");
    ASSERT_EQ(v.items.size(), 2u);
    EXPECT_EQ(v.items[1].pos, (Position{1, 8}));
}

TEST(JsonParse, CrLfCountsAsOneLine) {
    const Value v = parse_ok("[\r\n1,\r\n\r\n  2,\r3]");
    ASSERT_EQ(v.items.size(), 3u);
    EXPECT_EQ(v.items[0].pos, (Position{2, 1}));
    EXPECT_EQ(v.items[1].pos, (Position{4, 3}));
    EXPECT_EQ(v.items[2].pos, (Position{4, 6}));  // lone '\r' stays on the line

    const ParseError e = parse_error("{\r\n\"a\" 1}");
    EXPECT_EQ(e.pos, (Position{2, 5}));
}

TEST(JsonParse, DuplicateKeysKeptInOrder) {
    const Value v = parse_ok(R"({"a": 1, "b": 2, "a": 3})");
    ASSERT_EQ(v.members.size(), 3u);
    EXPECT_EQ(v.members[0].key, "a");
    EXPECT_EQ(v.members[0].value.text, "1");
    EXPECT_EQ(v.members[1].key, "b");
    EXPECT_EQ(v.members[2].key, "a");
    EXPECT_EQ(v.members[2].value.text, "3");
    EXPECT_EQ(v.members[2].key_pos, (Position{1, 18}));
}

struct StringCase {
    std::string input;
    std::string decoded;
};

class JsonStrings : public testing::TestWithParam<StringCase> {};

TEST_P(JsonStrings, Decodes) {
    const Value v = parse_ok(GetParam().input);
    EXPECT_EQ(v.kind, Kind::String);
    EXPECT_EQ(v.text, GetParam().decoded);
}

INSTANTIATE_TEST_SUITE_P(
    Escapes, JsonStrings,
    testing::Values(
        StringCase{R"("")", ""},
        StringCase{R"("\"\\\/\b\f\n\r\t")", "\"\\/\b\f\n\r\t"},
        StringCase{R"("\u0041\u00e9\u20AC")", "A\xC3\xA9\xE2\x82\xAC"},
        StringCase{R"("\u007f\u0080\u07ff\u0800\uffff")",
                   "\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF"},
        StringCase{R"("\ud83d\ude00")", "\xF0\x9F\x98\x80"},   // U+1F600
        StringCase{R"("\uD800\uDC00")", "\xF0\x90\x80\x80"},   // U+10000
        StringCase{R"("\uDBFF\uDFFF")", "\xF4\x8F\xBF\xBF"},   // U+10FFFF
        StringCase{R"("a\u0000b")", "a\0b"s},
        StringCase{"\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF\"",
                   "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF"},
        StringCase{"\"\xED\x9F\xBF\xEE\x80\x80\"", "\xED\x9F\xBF\xEE\x80\x80"},  // U+D7FF U+E000
        StringCase{"\"tab\x7F del\"", "tab\x7F del"}));

TEST(JsonParse, EmbeddedNulDecodesToNulByte) {
    const Value v = parse_ok(R"({"k\u0000ey": "\u0000"})");
    ASSERT_EQ(v.members.size(), 1u);
    EXPECT_EQ(v.members[0].key, "k\0ey"s);
    EXPECT_EQ(v.members[0].key.size(), 4u);
    EXPECT_EQ(v.members[0].value.text, "\0"s);
}

TEST(JsonParse, ValidNumbers) {
    for (const char* text : {"0", "-0", "1", "-1", "10", "1234567890", "0.5", "-0.0", "1e5", "1E5",
                             "1e+5", "1e-5", "1.25e-10", "-0e0", "99999999999999999999999",
                             "1.000000000000000000001"}) {
        const Value v = parse_ok(text);
        EXPECT_EQ(v.kind, Kind::Number) << text;
        EXPECT_EQ(v.text, text);
    }
}

struct ErrorCase {
    std::string input;
    Position pos;
    std::string message;
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << testing::PrintToString(c.input); }

constexpr const char* bad_hex = "invalid escape sequence: '\\u' must be followed by 4 hex digits";

class JsonErrors : public testing::TestWithParam<ErrorCase> {};

TEST_P(JsonErrors, ReportsMessageAndPosition) {
    const ErrorCase& c = GetParam();
    const ParseError e = parse_error(c.input);
    EXPECT_EQ(e.message, c.message);
    EXPECT_EQ(e.pos, c.pos) << "got " << e.pos.line << ":" << e.pos.column;
}

INSTANTIATE_TEST_SUITE_P(
    Syntax, JsonErrors,
    testing::Values(
        ErrorCase{"", {1, 1}, "empty document"},
        ErrorCase{" \n\t\r\n  ", {3, 3}, "empty document"},
        ErrorCase{"\xEF\xBB\xBF{}", {1, 1}, "byte order mark is not allowed"},
        ErrorCase{"{} x", {1, 4}, "extra data after the JSON value"},
        ErrorCase{"1\n2", {2, 1}, "extra data after the JSON value"},
        ErrorCase{"truex", {1, 5}, "extra data after the JSON value"},
        ErrorCase{"x", {1, 1}, "unexpected character 'x'"},
        ErrorCase{"[1, @]", {1, 5}, "unexpected character '@'"},
        ErrorCase{"\x01", {1, 1}, "unexpected character byte 0x01"},
        ErrorCase{"[\0]"s, {1, 2}, "unexpected character byte 0x00"},
        ErrorCase{"\xC3\xA9", {1, 1}, "unexpected character byte 0xc3"},
        ErrorCase{"\x0B", {1, 1}, "unexpected character byte 0x0b"},
        ErrorCase{"tru", {1, 1}, "invalid literal, expected 'true'"},
        ErrorCase{"[nul]", {1, 2}, "invalid literal, expected 'null'"},
        ErrorCase{"fals", {1, 1}, "invalid literal, expected 'false'"},
        ErrorCase{"True", {1, 1}, "unexpected character 'T'"},
        // strings
        ErrorCase{"\"abc", {1, 5}, "unexpected end of file inside string"},
        ErrorCase{"[\"a\\", {1, 5}, "unexpected end of file inside string"},
        ErrorCase{"\"\\u12", {1, 6}, "unexpected end of file inside string"},
        ErrorCase{"\"a\nb\"", {1, 3}, "control character U+000A must be escaped in string"},
        ErrorCase{"\"\t\"", {1, 2}, "control character U+0009 must be escaped in string"},
        ErrorCase{"\"\x1F\"", {1, 2}, "control character U+001F must be escaped in string"},
        ErrorCase{"\"a\0\""s, {1, 3}, "control character U+0000 must be escaped in string"},
        ErrorCase{R"("ab\q")", {1, 4}, "invalid escape sequence '\\q'"},
        ErrorCase{R"("\x41")", {1, 2}, "invalid escape sequence '\\x'"},
        ErrorCase{R"("\U0041")", {1, 2}, "invalid escape sequence '\\U'"},
        ErrorCase{"\"\\\n\"", {1, 2}, "invalid escape sequence '\\' followed by byte 0x0a"},
        ErrorCase{R"("\u12g4")", {1, 2}, bad_hex},
        ErrorCase{R"("\u")", {1, 2}, bad_hex},
        ErrorCase{R"("x\ud800")", {1, 3}, "unpaired surrogate in '\\u' escape"},
        ErrorCase{R"("\ud800x")", {1, 2}, "unpaired surrogate in '\\u' escape"},
        ErrorCase{R"("\ud800\n")", {1, 2}, "unpaired surrogate in '\\u' escape"},
        ErrorCase{R"("\ud800\u0041")", {1, 2}, "unpaired surrogate in '\\u' escape"},
        ErrorCase{R"("\ud800\ud800")", {1, 2}, "unpaired surrogate in '\\u' escape"},
        ErrorCase{R"("\udc00")", {1, 2}, "unpaired surrogate in '\\u' escape"},
        ErrorCase{R"("\udfff\ud800")", {1, 2}, "unpaired surrogate in '\\u' escape"},
        ErrorCase{R"("\ud800\u12)", {1, 12}, "unexpected end of file inside string"},
        ErrorCase{R"("\ud800\u12x4")", {1, 8}, bad_hex},
        // objects
        ErrorCase{"{\"a\" 1}", {1, 6}, "expected ':' after object key"},
        ErrorCase{"{\"a\"", {1, 5}, "unexpected end of file inside object"},
        ErrorCase{"{\"a\":", {1, 6}, "unexpected end of file inside object"},
        ErrorCase{"{\"a\":1", {1, 7}, "unexpected end of file inside object"},
        ErrorCase{"{\"a\":1,", {1, 8}, "unexpected end of file inside object"},
        ErrorCase{"{", {1, 2}, "unexpected end of file inside object"},
        ErrorCase{"{\"a\":1 \"b\":2}", {1, 8}, "expected ',' or '}' after object member"},
        ErrorCase{"{\"a\":1]", {1, 7}, "expected ',' or '}' after object member"},
        ErrorCase{"{\"a\":1,\n  }", {1, 7}, "trailing comma before '}'"},
        ErrorCase{"{1:2}", {1, 2}, "expected string as object key"},
        ErrorCase{"{a:2}", {1, 2}, "expected string as object key"},
        ErrorCase{"{,}", {1, 2}, "expected string as object key"},
        ErrorCase{"{\"a\":}", {1, 6}, "unexpected character '}'"},
        // arrays
        ErrorCase{"[", {1, 2}, "unexpected end of file inside array"},
        ErrorCase{"[1", {1, 3}, "unexpected end of file inside array"},
        ErrorCase{"[1,\n", {2, 1}, "unexpected end of file inside array"},
        ErrorCase{"[1 2]", {1, 4}, "expected ',' or ']' after array element"},
        ErrorCase{"[1}", {1, 3}, "expected ',' or ']' after array element"},
        ErrorCase{"[1, ]", {1, 3}, "trailing comma before ']'"},
        ErrorCase{"[,]", {1, 2}, "unexpected character ','"},
        // numbers
        ErrorCase{"01", {1, 1}, "leading zeros are not allowed in numbers"},
        ErrorCase{"-007", {1, 2}, "leading zeros are not allowed in numbers"},
        ErrorCase{"+1", {1, 1}, "unexpected character '+'"},
        ErrorCase{".5", {1, 1}, "unexpected character '.'"},
        ErrorCase{"NaN", {1, 1}, "unexpected character 'N'"},
        ErrorCase{"Infinity", {1, 1}, "unexpected character 'I'"},
        ErrorCase{"-Infinity", {1, 2}, "expected digit after '-' in number"},
        ErrorCase{"-", {1, 2}, "expected digit after '-' in number"},
        ErrorCase{"[- 1]", {1, 3}, "expected digit after '-' in number"},
        ErrorCase{"1.", {1, 3}, "expected digit after '.' in number"},
        ErrorCase{"1.e5", {1, 3}, "expected digit after '.' in number"},
        ErrorCase{"1e", {1, 3}, "expected digit in exponent in number"},
        ErrorCase{"1e+", {1, 4}, "expected digit in exponent in number"},
        ErrorCase{"1E-x", {1, 4}, "expected digit in exponent in number"},
        ErrorCase{"1.5.3", {1, 4}, "extra data after the JSON value"},
        ErrorCase{"0x10", {1, 2}, "extra data after the JSON value"},
        ErrorCase{"[1e5e]", {1, 5}, "expected ',' or ']' after array element"}));

// Raw bytes that are not valid UTF-8; the error points at the first byte of the bad sequence.
INSTANTIATE_TEST_SUITE_P(
    Utf8, JsonErrors,
    testing::Values(
        ErrorCase{"\"a\x80\"", {1, 3}, "invalid UTF-8 in string"},              // lone continuation
        ErrorCase{"\"\xBF\"", {1, 2}, "invalid UTF-8 in string"},  // lone continuation
        ErrorCase{"\"\xC0\xAF\"", {1, 2}, "invalid UTF-8 in string"},            // overlong '/'
        ErrorCase{"\"\xC1\xBF\"", {1, 2}, "invalid UTF-8 in string"},            // overlong
        ErrorCase{"\"\xE0\x80\xAF\"", {1, 2}, "invalid UTF-8 in string"},        // overlong 3-byte
        ErrorCase{"\"\xE0\x9F\xBF\"", {1, 2}, "invalid UTF-8 in string"},        // overlong 3-byte
        ErrorCase{"\"\xF0\x8F\xBF\xBF\"", {1, 2}, "invalid UTF-8 in string"},    // overlong 4-byte
        ErrorCase{"\"\xED\xA0\x80\"", {1, 2}, "invalid UTF-8 in string"},        // U+D800
        ErrorCase{"\"\xED\xBF\xBF\"", {1, 2}, "invalid UTF-8 in string"},        // U+DFFF
        ErrorCase{"\"\xF4\x90\x80\x80\"", {1, 2}, "invalid UTF-8 in string"},    // U+110000
        ErrorCase{"\"\xF5\x80\x80\x80\"", {1, 2}, "invalid UTF-8 in string"},    // bad lead
        ErrorCase{"\"\xFF\"", {1, 2}, "invalid UTF-8 in string"},                // bad lead
        ErrorCase{"\"\xFE\"", {1, 2}, "invalid UTF-8 in string"},                // bad lead
        ErrorCase{"\"\xC3\"", {1, 2}, "invalid UTF-8 in string"},                // truncated
        ErrorCase{"\"\xE2\x82\"", {1, 2}, "invalid UTF-8 in string"},            // truncated
        ErrorCase{"\"\xF0\x9F\x98\"", {1, 2}, "invalid UTF-8 in string"},        // truncated
        ErrorCase{"\"ab\xF0\x9F\x98", {1, 4}, "invalid UTF-8 in string"},        // truncated at EOF
        ErrorCase{"\"\xC3", {1, 2}, "invalid UTF-8 in string"},                  // truncated at EOF
        ErrorCase{"\"\xE2\x28\xA1\"", {1, 2}, "invalid UTF-8 in string"},       // bad 2nd byte
        ErrorCase{"\"\xF0\x9F\x28\x80\"", {1, 2}, "invalid UTF-8 in string"},   // bad 3rd byte
        ErrorCase{"{\"k\xC3\x28\": 1}", {1, 4}, "invalid UTF-8 in string"}));   // in a key

TEST(JsonParse, ErrorPositionAfterNewlines) {
    const ParseError e = parse_error("{\n  \"a\": 1,\n  \"b\": [1, 2,]\n}\n");
    EXPECT_EQ(e.message, "trailing comma before ']'");
    EXPECT_EQ(e.pos, (Position{3, 13}));

    const ParseError eof = parse_error("[\n1,\n2\n");
    EXPECT_EQ(eof.message, "unexpected end of file inside array");
    EXPECT_EQ(eof.pos, (Position{4, 1}));
}

TEST(JsonDepth, LimitIsEnforced) {
    const std::string ok = std::string(64, '[') + std::string(64, ']');
    EXPECT_EQ(parse_ok(ok).kind, Kind::Array);

    const ParseError e = parse_error(std::string(65, '[') + std::string(65, ']'));
    EXPECT_EQ(e.message, "nesting deeper than 64 levels");
    EXPECT_EQ(e.pos, (Position{1, 65}));

    std::string objects;
    for (int i = 0; i < 65; ++i) objects += "{\"a\":";
    const ParseError eo = parse_error(objects);
    EXPECT_EQ(eo.message, "nesting deeper than 64 levels");
    EXPECT_EQ(eo.pos, (Position{1, 64 * 5 + 1}));
}

TEST(JsonDepth, CustomLimit) {
    EXPECT_EQ(parse_error("[[[]]]", Limits{2}).message, "nesting deeper than 2 levels");
    EXPECT_FALSE(std::holds_alternative<ParseError>(parse("[[]]", Limits{2})));
    EXPECT_EQ(parse_error("[]", Limits{0}).message, "nesting deeper than 0 levels");
    EXPECT_FALSE(std::holds_alternative<ParseError>(parse("1", Limits{0})));
}

TEST(JsonDepth, VeryDeepInputIsAnErrorNotACrash) {
    const std::string deep(100000, '[');
    const ParseError e = parse_error(deep);
    EXPECT_EQ(e.message, "nesting deeper than 64 levels");
    EXPECT_EQ(e.pos, (Position{1, 65}));

    std::string mixed;
    for (int i = 0; i < 50000; ++i) mixed += "{\"k\":[";
    EXPECT_EQ(parse_error(mixed).message, "nesting deeper than 64 levels");
}

} // namespace
} // namespace sandbox::json
