#include "policy/schema_walker.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "policy/access.hpp"

namespace sandbox {

using json::Kind;
using json::Member;
using json::Value;

void SchemaWalker::error(json::Position p, std::string message, std::vector<std::string> hints) {
    diags_.error(at(p), std::move(message), std::move(hints));
}

std::string SchemaWalker::article_kind(Kind k) {
    auto name = json::kind_name(k);
    bool vowel = name[0] == 'a' || name[0] == 'o';
    return fmt::format("{} {}", vowel ? "an" : "a", name);
}

bool SchemaWalker::expect(const Value& v, Kind k, std::string_view what) {
    if (v.kind == k) {
        return true;
    }
    error(v.pos, fmt::format("{} must be {}, not {}", what, article_kind(k),
                             article_kind(v.kind)));
    return false;
}

void SchemaWalker::walk(const Value& obj, std::string_view context, const Handlers& handlers) {
    std::vector<const Member*> seen;
    for (const auto& m : obj.members) {
        const Member* first = nullptr;
        for (const Member* s : seen) {
            if (s->key == m.key) {
                first = s;
                break;
            }
        }
        if (first != nullptr) {
            error(m.key_pos, fmt::format("duplicate key \"{}\" in {} (first at line {}, "
                                         "column {})",
                                         m.key, context, first->key_pos.line,
                                         first->key_pos.column));
            continue;
        }
        seen.push_back(&m);
        auto it = std::find_if(handlers.begin(), handlers.end(),
                               [&](const auto& h) { return h.first == m.key; });
        if (it == handlers.end()) {
            unknown_key(m, context, handlers);
            continue;
        }
        it->second(m.value);
    }
}

void SchemaWalker::unknown_key(const Member& m, std::string_view context,
                               const Handlers& handlers) {
    std::vector<std::string> hints;
    std::size_t best = 3;
    std::string_view suggestion;
    std::vector<std::string_view> names;
    for (const auto& h : handlers) {
        names.push_back(h.first);
        std::size_t d = edit_distance(m.key, h.first);
        if (d < best) {
            best = d;
            suggestion = h.first;
        }
    }
    if (!suggestion.empty()) {
        hints.push_back(fmt::format("did you mean \"{}\"?", suggestion));
    } else {
        hints.push_back(fmt::format("known keys: {}", fmt::join(names, ", ")));
    }
    error(m.key_pos, fmt::format("unknown key \"{}\" in {}", printable(m.key), context),
          std::move(hints));
}

std::string SchemaWalker::printable(std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
        if (c < 0x20 || c == 0x7f) {
            out += fmt::format("\\x{:02x}", c);
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

std::optional<long long> SchemaWalker::integer(const Value& v, std::string_view what,
                                               long long lo, long long hi) {
    if (!expect(v, Kind::Number, what)) {
        return std::nullopt;
    }
    const std::string& t = v.text;
    if (t.find_first_of(".eE") != std::string::npos) {
        error(v.pos, fmt::format("{} must be a whole number, not {}", what, t));
        return std::nullopt;
    }
    long long n = 0;
    auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
    if (ec != std::errc() || ptr != t.data() + t.size() || n < lo || n > hi) {
        error(v.pos, fmt::format("{} {} is out of range ({}-{})", what, t, lo, hi));
        return std::nullopt;
    }
    return n;
}

bool SchemaWalker::boolean(const Value& v, std::string_view what) {
    return expect(v, Kind::Bool, what) && v.boolean;
}

} // namespace sandbox
