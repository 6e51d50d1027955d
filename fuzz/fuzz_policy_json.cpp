// Fuzz target (a): policy text → json::parse → the loader's conversion into a
// Policy → diagnostics text → a ruleset plan for every ABI. Pure: no file is
// opened (includes are only collected, never followed) and nothing runs.
//
// Besides "no crash, no leak, no UB", it checks properties that must hold for
// every input, and aborts (a finding) when one does not:
//  - json::parse agrees with nlohmann::json on which documents are valid
//    RFC 8259 JSON, and on the decoded value (strings byte for byte, the
//    member that wins for duplicate keys is the last one);
//  - the loader reports a diagnostic whenever the JSON is invalid, and every
//    diagnostic names the file and a line/column inside the text.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "fuzz_env.hpp"
#include "policy/json.hpp"
#include "policy/json_loader.hpp"
#include "policy/plan.hpp"

namespace {

using sandbox::json::Kind;
using sandbox::json::Value;

[[noreturn]] void violated(const char* what) {
    std::fprintf(stderr, "property violated: %s\n", what);
    std::abort();
}

/// Our tree and nlohmann's describe the same JSON value.
bool same_value(const Value& ours, const nlohmann::json& theirs) {
    switch (ours.kind) {
    case Kind::Null: return theirs.is_null();
    case Kind::Bool: return theirs.is_boolean() && theirs.get<bool>() == ours.boolean;
    case Kind::Number: return theirs.is_number();
    case Kind::String: return theirs.is_string() && theirs.get_ref<const std::string&>() == ours.text;
    case Kind::Array:
        if (!theirs.is_array() || theirs.size() != ours.items.size()) return false;
        for (std::size_t i = 0; i < ours.items.size(); ++i) {
            if (!same_value(ours.items[i], theirs[i])) return false;
        }
        return true;
    case Kind::Object: {
        if (!theirs.is_object()) return false;
        std::size_t distinct = 0;
        for (std::size_t i = 0; i < ours.members.size(); ++i) {
            const auto& m = ours.members[i];
            bool last = true;  // the last of duplicate keys is the one nlohmann keeps
            for (std::size_t j = i + 1; j < ours.members.size(); ++j) {
                last = last && ours.members[j].key != m.key;
            }
            if (!last) continue;
            ++distinct;
            auto it = theirs.find(m.key);
            if (it == theirs.end() || !same_value(m.value, *it)) return false;
        }
        return distinct == theirs.size();
    }
    }
    return false;
}

/// Lines in the text, for the position check.
int line_count(std::string_view text) {
    int lines = 1;
    for (char c : text) lines += c == '\n' ? 1 : 0;
    return lines;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    // 1. The JSON layer against nlohmann. Where they differ by design, the
    // comparison is skipped: nlohmann skips a byte order mark, stops at a
    // NUL byte (the end of a C string) and rejects numbers beyond a double;
    // ours rejects the first two (strict RFC 8259) and keeps number text.
    // Depth is unlimited on both sides here.
    auto parsed = sandbox::json::parse(text, sandbox::json::Limits{1 << 20});
    const auto* value = std::get_if<Value>(&parsed);
    const bool has_nul = text.find('\0') != std::string_view::npos;
    if (has_nul && value != nullptr) {
        violated("json::parse accepts a raw NUL byte");
    }
    if (!has_nul && !text.starts_with("\xEF\xBB\xBF")) {
        // nlohmann also rejects numbers a double cannot hold ("1e400", error
        // 406); policy numbers are checked by the loader, so skip those.
        nlohmann::json theirs;
        bool rejected = false;
        bool comparable = true;
        try {
            theirs = nlohmann::json::parse(text);
        } catch (const nlohmann::json::out_of_range&) {
            comparable = false;
        } catch (const nlohmann::json::parse_error&) {
            rejected = true;
        }
        if (comparable && (value != nullptr) == rejected) {
            violated(value ? "json::parse accepts what nlohmann rejects"
                           : "json::parse rejects what nlohmann accepts");
        }
        if (comparable && value != nullptr && !same_value(*value, theirs)) {
            violated("json::parse and nlohmann decode different values");
        }
    }

    // 2. The loader's conversion, with the production limits.
    sandbox::LoadOptions options{sandbox::fuzz::fake_environment(), {}, {}};
    sandbox::Diagnostics diagnostics;
    sandbox::ParsedFile file =
        sandbox::parse_policy_text(text, "fuzz.json", options, diagnostics);
    if (value == nullptr && !diagnostics.has_errors()) {
        violated("invalid JSON loaded without an error");
    }
    const int lines = line_count(text);
    for (const auto& d : diagnostics.items()) {
        if (d.where.file != "fuzz.json" || d.where.line < 1 || d.where.line > lines ||
            d.where.column < 1) {
            violated("diagnostic outside the text");
        }
    }
    const std::string report = diagnostics.format();
    if (diagnostics.has_errors() && report.empty()) {
        violated("errors formatted as nothing");
    }

    // 3. Plans for every ABI (pure: paths are not opened here).
    if (!diagnostics.has_errors()) {
        for (int abi = 0; abi <= 8; ++abi) {
            sandbox::PlanOptions plan_options;
            plan_options.tolerance =
                abi % 2 ? sandbox::Tolerance::BestEffort : sandbox::Tolerance::Strict;
            auto plan = sandbox::make_plan(file.policy, abi, plan_options);
            (void)plan.unenforced_summary();
            (void)plan.diagnostics.format();
        }
    }
    return 0;
}
