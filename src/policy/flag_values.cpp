#include "policy/flag_values.hpp"

#include <charconv>

#include <fmt/format.h>

#include "base/path.hpp"

namespace sandbox::flags_detail {

std::optional<std::string> split_list(std::string_view value, std::vector<std::string>& items) {
    std::size_t start = 0;
    for (;;) {
        const auto comma = value.find(',', start);
        const std::string_view item = value.substr(start, comma - start);
        if (item.empty()) {
            return fmt::format("empty item in \"{}\"", value);
        }
        items.emplace_back(item);
        if (comma == std::string_view::npos) {
            return std::nullopt;
        }
        start = comma + 1;
    }
}

int parse_int(std::string_view text, std::string_view option, long long lo, long long hi) {
    long long n = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || n < lo ||
        n > hi) {
        throw UsageError(fmt::format("{}: \"{}\" is not a number from {} to {}", option, text,
                                     lo, hi));
    }
    return static_cast<int>(n);
}

std::string expand_tilde(const std::string& path, const EnvLookup& env) {
    auto expanded = expand_home(path, env("HOME"));
    if (!expanded) {
        throw UsageError(fmt::format("cannot expand \"{}\": HOME is not set", path));
    }
    return *expanded;
}

std::vector<std::string> path_items(const std::vector<std::string>& values,
                                    std::string_view option, Split how, const ParseContext& ctx) {
    std::vector<std::string> out;
    for (const auto& value : values) {
        if (value.empty()) {
            throw UsageError(fmt::format("--{}: empty {}", option,
                                         how == Split::Library ? "library name" : "path"));
        }
        const std::string whole = expand_tilde(value, ctx.env);
        if (value.find(',') == std::string::npos || (ctx.exists && ctx.exists(whole))) {
            out.push_back(whole);
            continue;
        }
        std::vector<std::string> pieces;
        if (auto error = split_list(value, pieces)) {
            throw UsageError(fmt::format("--{}: {}", option, *error));
        }
        for (const auto& piece : pieces) {
            std::string path = expand_tilde(piece, ctx.env);
            const bool bare_name =
                how == Split::Library && path.find('/') == std::string::npos;
            if (!path.starts_with('/') && !bare_name) {
                throw UsageError(fmt::format(
                    "--{}: \"{}\" in the list \"{}\" is not an absolute path (no such path "
                    "\"{}\" exists either, so the value was split at its commas)",
                    option, piece, value, whole));
            }
            out.push_back(std::move(path));
        }
    }
    return out;
}

} // namespace sandbox::flags_detail
