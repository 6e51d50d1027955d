#include "policy/expand.hpp"

#include <algorithm>
#include <cstdlib>
#include <fmt/format.h>

#include "base/path.hpp"

namespace sandbox {

EnvLookup process_environment() {
    return [](std::string_view name) -> std::optional<std::string> {
        const char* v = std::getenv(std::string(name).c_str());
        if (v == nullptr) {
            return std::nullopt;
        }
        return std::string(v);
    };
}

namespace {

bool valid_name(std::string_view name) {
    if (name.empty() || (name[0] >= '0' && name[0] <= '9')) {
        return false;
    }
    for (char c : name) {
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '_';
        if (!ok) {
            return false;
        }
    }
    return true;
}

} // namespace

Expanded expand_variables(std::string_view input, const EnvLookup& env) {
    Expanded out;
    std::size_t i = 0;
    if (input.substr(0, input.find('/')) == "~") {
        auto home = expand_home("~", env("HOME"));
        if (!home) {
            out.error = ExpandError{0, "\"~\" needs HOME, which is not set", "HOME"};
            return out;
        }
        out.value = *home;
        i = 1;
    }
    while (i < input.size()) {
        if (input[i] != '$' || i + 1 >= input.size() || input[i + 1] != '{') {
            // Up to the next '$' at once.
            const std::size_t next = std::min(input.find('$', i + 1), input.size());
            out.value.append(input.substr(i, next - i));
            i = next;
            continue;
        }
        const std::size_t start = i;
        const std::size_t close = input.find('}', i + 2);
        if (close == std::string_view::npos) {
            out.error = ExpandError{start, "unterminated \"${\"", std::nullopt};
            return out;
        }
        std::string_view body = input.substr(i + 2, close - i - 2);
        std::optional<std::string_view> fallback;
        if (auto sep = body.find(":-"); sep != std::string_view::npos) {
            fallback = body.substr(sep + 2);
            body = body.substr(0, sep);
        }
        if (!valid_name(body)) {
            out.error = ExpandError{start, fmt::format("invalid variable name \"{}\"", body),
                                    std::nullopt};
            return out;
        }
        auto value = env(body);
        if (value && !(fallback && value->empty())) {
            out.value += *value;
        } else if (fallback) {
            out.value += *fallback;
        } else if (body == "PWD") {
            out.error = ExpandError{start, "${PWD} is the working directory, which cannot be "
                                           "determined (was it removed?)",
                                    std::string(body)};
            return out;
        } else {
            out.error = ExpandError{start, fmt::format("environment variable {} is not set", body),
                                    std::string(body)};
            return out;
        }
        i = close + 1;
    }
    return out;
}

} // namespace sandbox
