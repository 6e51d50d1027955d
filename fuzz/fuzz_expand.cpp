// Fuzz target (b): the variable expander (${NAME}, ${NAME:-default}, "~/").
//
// Input: the path to expand, then optionally a NUL byte and an environment
// block of NAME=VALUE lines (so values themselves are fuzzed). Pure: the
// environment is a lookup into that block, never getenv.
//
// Properties checked (abort = finding):
//  - an error's offset lies inside the input;
//  - an input without "${" and without a leading "~" expands to itself;
//  - expanding is deterministic (a second call gives the same result).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "policy/expand.hpp"

namespace {

[[noreturn]] void violated(const char* what) {
    std::fprintf(stderr, "property violated: %s\n", what);
    std::abort();
}

std::map<std::string, std::string, std::less<>> parse_block(std::string_view block) {
    std::map<std::string, std::string, std::less<>> env;
    while (!block.empty()) {
        const auto nl = block.find('\n');
        const std::string_view line = block.substr(0, nl);
        block = nl == std::string_view::npos ? std::string_view{} : block.substr(nl + 1);
        const auto eq = line.find('=');
        if (eq != std::string_view::npos) {
            env.insert_or_assign(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1)));
        }
    }
    return env;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view all(reinterpret_cast<const char*>(data), size);
    const auto nul = all.find('\0');
    const std::string_view input = all.substr(0, nul);
    const auto env_map = parse_block(nul == std::string_view::npos ? "" : all.substr(nul + 1));
    const sandbox::EnvLookup env = [&env_map](std::string_view name)
        -> std::optional<std::string> {
        auto it = env_map.find(name);
        if (it == env_map.end()) return std::nullopt;
        return it->second;
    };

    const sandbox::Expanded a = sandbox::expand_variables(input, env);
    if (a.error && a.error->offset >= input.size() && !input.empty()) {
        violated("error offset outside the input");
    }
    if (a.error && a.error->message.empty()) {
        violated("error without a message");
    }
    if (input.find("${") == std::string_view::npos && !input.starts_with("~")) {
        if (a.error || a.value != input) violated("plain text changed by expansion");
    }
    const sandbox::Expanded b = sandbox::expand_variables(input, env);
    if (a.value != b.value || a.error.has_value() != b.error.has_value()) {
        violated("expansion is not deterministic");
    }
    return 0;
}
