#include "policy/audit_record.hpp"

#include <algorithm>
#include <charconv>

namespace sandbox {

namespace {

/// Fields whose values the kernel logs with audit_log_untrustedstring():
/// quoted when printable, else hex without quotes.
bool is_untrusted_string(std::string_view key) {
    static constexpr std::string_view keys[] = {"path", "comm", "exe", "ocomm", "name",
                                                "proctitle", "cwd"};
    return std::find(std::begin(keys), std::end(keys), key) != std::end(keys);
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

/// "audit(1796586627.240:17): " → 17, and `text` advanced past it.
std::optional<std::uint64_t> take_serial(std::string_view& text) {
    constexpr std::string_view prefix = "audit(";
    if (!text.starts_with(prefix)) {
        return std::nullopt;
    }
    const std::size_t close = text.find("):");
    const std::size_t colon = text.rfind(':', close);
    if (close == std::string_view::npos || colon == std::string_view::npos ||
        colon < prefix.size()) {
        return std::nullopt;
    }
    std::uint64_t serial = 0;
    const char* first = text.data() + colon + 1;
    const char* last = text.data() + close;
    auto [end, ec] = std::from_chars(first, last, serial);
    if (ec != std::errc() || end != last || first == last) {
        return std::nullopt;
    }
    text.remove_prefix(close + 2);
    return serial;
}

}  // namespace

const std::string* AuditRecord::field(std::string_view key) const {
    for (const auto& [k, v] : fields) {
        if (k == key) {
            return &v;
        }
    }
    return nullptr;
}

std::optional<std::string> decode_audit_hex(std::string_view text) {
    if (text.empty() || text.size() % 2 != 0) {
        return std::nullopt;
    }
    std::string out;
    out.reserve(text.size() / 2);
    for (std::size_t i = 0; i < text.size(); i += 2) {
        const int hi = hex_digit(text[i]);
        const int lo = hex_digit(text[i + 1]);
        if (hi < 0 || lo < 0) {
            return std::nullopt;
        }
        out.push_back(static_cast<char>(hi * 16 + lo));
    }
    return out;
}

std::optional<AuditRecord> parse_audit_record(int type, std::string_view text,
                                              std::span<const std::string_view> only) {
    AuditRecord record;
    record.type = type;
    auto serial = take_serial(text);
    if (!serial) {
        return std::nullopt;
    }
    record.serial = *serial;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && text[i] == ' ') {
            ++i;
        }
        const std::size_t eq = text.find('=', i);
        if (i >= text.size() || eq == std::string_view::npos) {
            break;
        }
        const std::string_view key_view = text.substr(i, eq - i);
        const bool wanted =
            only.empty() || std::find(only.begin(), only.end(), key_view) != only.end();
        std::string key = wanted ? std::string(key_view) : std::string();
        i = eq + 1;
        std::string value;
        if (i < text.size() && (text[i] == '"' || text[i] == '\'')) {
            // Quoted: up to the matching quote (the kernel never puts one inside:
            // a string containing a quote is logged in hex).
            const char quote = text[i];
            const std::size_t end = text.find(quote, i + 1);
            const std::size_t stop = end == std::string_view::npos ? text.size() : end;
            if (wanted) {
                value = std::string(text.substr(i + 1, stop - i - 1));
            }
            i = stop == text.size() ? stop : stop + 1;
        } else {
            const std::size_t end = std::min(text.find(' ', i), text.size());
            const std::string_view raw = text.substr(i, end - i);
            std::optional<std::string> decoded;
            if (wanted && is_untrusted_string(key) && raw != "(null)" && raw != "(none)") {
                decoded = decode_audit_hex(raw);
            }
            if (wanted) {
                value = decoded ? std::move(*decoded) : std::string(raw);
            }
            i = end;
        }
        if (wanted) {
            record.fields.emplace_back(std::move(key), std::move(value));
        }
    }
    return record;
}

}  // namespace sandbox
