#include "policy/json_loader.hpp"

#include <algorithm>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "base/path.hpp"
#include "policy/json.hpp"
#include "policy/profile_path.hpp"

namespace sandbox {

namespace {

using json::Kind;
using json::Member;
using json::Value;

/// Walks one parsed file and turns it into a Policy, collecting every error.
class FileParser {
public:
    FileParser(const std::string& filename, const LoadOptions& options, Diagnostics& diags)
        : filename_(filename), options_(options), diags_(diags) {}

    ParsedFile parse(const Value& root) {
        if (root.kind != Kind::Object) {
            error(root.pos, fmt::format("a policy must be a JSON object, not {}",
                                        article_kind(root.kind)));
            return std::move(out_);
        }
        out_.policy.files.push_back(filename_);
        walk(root, "policy",
             {
                 {"$schema", [&](const Value& v) { expect(v, Kind::String, "\"$schema\""); }},
                 {"description", [&](const Value& v) { description(v); }},
                 {"include", [&](const Value& v) { includes(v); }},
                 {"min_abi", [&](const Value& v) { min_abi(v); }},
                 {"filesystem", [&](const Value& v) { filesystem(v); }},
                 {"network", [&](const Value& v) { network(v); }},
                 {"scopes", [&](const Value& v) { scopes(v); }},
                 {"env", [&](const Value& v) { environment(v); }},
             });
        return std::move(out_);
    }

private:
    using Handlers = std::vector<std::pair<std::string_view, std::function<void(const Value&)>>>;

    SourceLocation at(json::Position p) const { return {filename_, p.line, p.column, {}}; }

    void error(json::Position p, std::string message, std::vector<std::string> hints = {}) {
        diags_.error(at(p), std::move(message), std::move(hints));
    }

    static std::string article_kind(Kind k) {
        auto name = json::kind_name(k);
        bool vowel = name[0] == 'a' || name[0] == 'o';
        return fmt::format("{} {}", vowel ? "an" : "a", name);
    }

    bool expect(const Value& v, Kind k, std::string_view what) {
        if (v.kind == k) {
            return true;
        }
        error(v.pos, fmt::format("{} must be {}, not {}", what, article_kind(k),
                                 article_kind(v.kind)));
        return false;
    }

    /// Checks duplicate and unknown keys, then dispatches each member.
    void walk(const Value& obj, std::string_view context, const Handlers& handlers) {
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

    void unknown_key(const Member& m, std::string_view context, const Handlers& handlers) {
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

    static std::string printable(std::string_view s) {
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

    std::optional<long long> integer(const Value& v, std::string_view what, long long lo,
                                     long long hi) {
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

    /// A rule's path: a string without NUL, variables expanded, absolute.
    /// False when there is none: an error, or an optional entry that names a
    /// variable which is not set (then recorded in `unexpanded`, no error).
    bool expand_path(const Value& v, PathRule& rule) {
        if (!expect(v, Kind::String, "a path")) {
            return false;
        }
        if (v.text.empty()) {
            error(v.pos, "empty path");
            return false;
        }
        if (v.text.find('\0') != std::string::npos) {
            error(v.pos, "path contains a NUL character");
            return false;
        }
        Expanded e = expand_variables(v.text, options_.env);
        if (e.error && e.error->unset_variable && rule.optional) {
            out_.policy.unexpanded.push_back({v.text, *e.error->unset_variable, at(v.pos)});
            return false;
        }
        if (e.error) {
            json::Position p = v.pos;
            p.column += 1 + static_cast<int>(e.error->offset);
            error(p, e.error->message,
                  {"use ${NAME:-default} to give a default value, or mark the entry "
                   "\"optional\": true"});
            return false;
        }
        if (e.value.empty() || e.value[0] != '/') {
            error(v.pos, fmt::format("path \"{}\" is not absolute", e.value),
                  {"policy paths must be absolute; use ${PWD}/... for the current directory"});
            return false;
        }
        if (e.value != v.text) {
            rule.written = v.text;
        }
        rule.path = std::move(e.value);
        return true;
    }

    bool boolean(const Value& v, std::string_view what) {
        return expect(v, Kind::Bool, what) && v.boolean;
    }

    void description(const Value& v) {
        if (expect(v, Kind::String, "\"description\"")) {
            out_.policy.descriptions.push_back(v.text);
        }
    }

    void includes(const Value& v) {
        if (!expect(v, Kind::Array, "\"include\"")) {
            return;
        }
        for (const auto& item : v.items) {
            if (!expect(item, Kind::String, "an include")) {
                continue;
            }
            if (item.text.empty() || item.text.find('\0') != std::string::npos) {
                error(item.pos, "an include must name a profile or a file");
                continue;
            }
            out_.includes.push_back({item.text, at(item.pos)});
        }
    }

    void min_abi(const Value& v) {
        if (auto n = integer(v, "\"min_abi\"", 1, max_known_abi)) {
            out_.policy.min_abi = static_cast<int>(*n);
        }
    }

    void filesystem(const Value& v) {
        if (!expect(v, Kind::Object, "\"filesystem\"")) {
            return;
        }
        Handlers h{{"unrestricted",
                    [&](const Value& x) {
                        out_.policy.unrestricted_filesystem =
                            boolean(x, "\"filesystem.unrestricted\"");
                    }},
                   {"rules", [&](const Value& x) { rules(x); }},
                   {"deny", [&](const Value& x) { deny_list(x); }}};
        for (Group g : {Group::Ro, Group::Rox, Group::Rw, Group::Rwx, Group::Unix}) {
            h.emplace_back(group_name(g), [this, g](const Value& x) { group_list(x, g); });
        }
        walk(v, "\"filesystem\"", h);
    }

    void group_list(const Value& v, Group g) {
        std::string what = fmt::format("\"{}\"", group_name(g));
        if (!expect(v, Kind::Array, what)) {
            return;
        }
        // One allocation for the list instead of doubling: every fresh page of
        // a grown-and-abandoned buffer costs a fault (~1 000 for 10 000 rules).
        auto& paths = out_.policy.paths;
        if (paths.capacity() < paths.size() + v.items.size()) {
            paths.reserve(std::max(paths.size() + v.items.size(), 2 * paths.capacity()));
        }
        for (const auto& item : v.items) {
            PathRule rule = PathRule::of_group("", g, at(item.pos));
            const Value* p = &item;
            if (item.kind == Kind::Object) {
                p = nullptr;
                walk(item, fmt::format("a {} entry", what),
                     {{"path", [&](const Value& x) { p = &x; }},
                      {"optional",
                       [&](const Value& x) { rule.optional = boolean(x, "\"optional\""); }}});
                if (p == nullptr) {
                    error(item.pos, fmt::format("a {} entry needs a \"path\"", what));
                    continue;
                }
            } else if (item.kind != Kind::String) {
                error(item.pos, fmt::format("{} entries must be paths (strings) or objects "
                                            "with \"path\", not {}",
                                            what, article_kind(item.kind)));
                continue;
            }
            if (expand_path(*p, rule)) {
                out_.policy.paths.push_back(std::move(rule));
            }
        }
    }

    /// "deny": [PATH or {"path": PATH, "optional": true}, ...]
    void deny_list(const Value& v) {
        if (!expect(v, Kind::Array, "\"deny\"")) {
            return;
        }
        for (const auto& item : v.items) {
            PathRule rule;  // for expand_path: only path, written, optional
            const Value* p = &item;
            if (item.kind == Kind::Object) {
                p = nullptr;
                walk(item, "a \"deny\" entry",
                     {{"path", [&](const Value& x) { p = &x; }},
                      {"optional",
                       [&](const Value& x) { rule.optional = boolean(x, "\"optional\""); }}});
                if (p == nullptr) {
                    error(item.pos, "a \"deny\" entry needs a \"path\"");
                    continue;
                }
            } else if (item.kind != Kind::String) {
                error(item.pos, fmt::format("\"deny\" entries must be paths (strings) or "
                                            "objects with \"path\", not {}",
                                            article_kind(item.kind)));
                continue;
            }
            if (expand_path(*p, rule)) {
                out_.policy.denies.push_back(
                    {std::move(rule.path), std::move(rule.written), rule.optional, at(item.pos)});
            }
        }
    }

    void rules(const Value& v) {
        if (!expect(v, Kind::Array, "\"rules\"")) {
            return;
        }
        for (const auto& item : v.items) {
            if (!expect(item, Kind::Object, "a rule")) {
                continue;
            }
            PathRule rule;
            rule.origin = RightsOrigin::Explicit;
            rule.source = at(item.pos);
            const Value* p = nullptr;
            bool has_access = false;
            walk(item, "a rule",
                 {{"path", [&](const Value& x) { p = &x; }},
                  {"access",
                   [&](const Value& x) {
                       has_access = true;
                       rule.access = access_list(x);
                   }},
                  {"optional",
                   [&](const Value& x) { rule.optional = boolean(x, "\"optional\""); }}});
            if (p == nullptr) {
                error(item.pos, "a rule needs a \"path\"");
            }
            if (!has_access) {
                error(item.pos, "a rule needs \"access\", a list of access rights");
            }
            if (p == nullptr || !has_access) {
                continue;
            }
            if (expand_path(*p, rule) && !rule.access.empty()) {
                out_.policy.paths.push_back(std::move(rule));
            }
        }
    }

    FsAccess access_list(const Value& v) {
        FsAccess set;
        if (!expect(v, Kind::Array, "\"access\"")) {
            return set;
        }
        if (v.items.empty()) {
            error(v.pos, "\"access\" must name at least one access right");
        }
        for (const auto& item : v.items) {
            if (!expect(item, Kind::String, "an access right")) {
                continue;
            }
            if (auto r = parse_right<AccessFs>(item.text)) {
                set = set.with(*r);
                continue;
            }
            std::vector<std::string> hints;
            if (auto suggestion = fs_right_suggestion(item.text)) {
                hints.push_back(std::move(*suggestion));
            } else if (parse_right<AccessNet>(item.text)) {
                hints.push_back("TCP rights belong in \"network\": \"bind_tcp\"/\"connect_tcp\"");
            }
            error(item.pos,
                  fmt::format("unknown filesystem access right \"{}\"", printable(item.text)),
                  std::move(hints));
        }
        return set;
    }

    void network(const Value& v) {
        if (!expect(v, Kind::Object, "\"network\"")) {
            return;
        }
        walk(v, "\"network\"",
             {{"unrestricted",
               [&](const Value& x) {
                   out_.policy.unrestricted_network = boolean(x, "\"network.unrestricted\"");
               }},
              {"bind_tcp", [&](const Value& x) { ports(x, AccessNet::BindTcp); }},
              {"connect_tcp", [&](const Value& x) { ports(x, AccessNet::ConnectTcp); }}});
    }

    void ports(const Value& v, AccessNet right) {
        std::string what = fmt::format("\"{}\"", info(right).name);
        if (!expect(v, Kind::Array, what)) {
            return;
        }
        const long long lowest = right == AccessNet::BindTcp ? 0 : 1;
        for (const auto& item : v.items) {
            if (auto n = integer(item, "port", lowest, 65535)) {
                out_.policy.ports.push_back(
                    {static_cast<std::uint16_t>(*n), right, at(item.pos)});
            }
        }
    }

    void scopes(const Value& v) {
        if (!expect(v, Kind::Object, "\"scopes\"")) {
            return;
        }
        walk(v, "\"scopes\"", {{"unrestricted", [&](const Value& x) { scope_list(x); }}});
    }

    void scope_list(const Value& v) {
        if (v.kind == Kind::Bool) {
            if (v.boolean) {
                out_.policy.unrestricted_scopes = all_rights<Scope>();
            }
            return;
        }
        if (v.kind != Kind::Array) {
            error(v.pos, fmt::format("\"scopes.unrestricted\" must be true, false or a list "
                                     "of scope names, not {}",
                                     article_kind(v.kind)));
            return;
        }
        for (const auto& item : v.items) {
            if (!expect(item, Kind::String, "a scope name")) {
                continue;
            }
            if (auto s = parse_right<Scope>(item.text)) {
                out_.policy.unrestricted_scopes = out_.policy.unrestricted_scopes.with(*s);
            } else {
                error(item.pos, fmt::format("unknown scope \"{}\"", printable(item.text)),
                      {"known scopes: signal, abstract_unix_socket"});
            }
        }
    }

    void environment(const Value& v) {
        if (!expect(v, Kind::Object, "\"env\"")) {
            return;
        }
        auto& env = out_.policy.env;
        walk(v, "\"env\"",
             {{"clear", [&](const Value& x) { env.clear = boolean(x, "\"env.clear\""); }},
              {"set", [&](const Value& x) { env_set(x); }},
              {"unset", [&](const Value& x) { env_unset(x); }}});
    }

    bool env_name(std::string_view name, json::Position pos) {
        if (name.empty() || name.find('=') != std::string_view::npos ||
            name.find('\0') != std::string_view::npos) {
            error(pos, fmt::format("invalid environment variable name \"{}\"", printable(name)));
            return false;
        }
        return true;
    }

    void env_set(const Value& v) {
        if (!expect(v, Kind::Object, "\"env.set\"")) {
            return;
        }
        std::set<std::string> seen;
        for (const auto& m : v.members) {
            if (!seen.insert(m.key).second) {
                error(m.key_pos, fmt::format("duplicate key \"{}\" in \"env.set\"", m.key));
                continue;
            }
            if (!env_name(m.key, m.key_pos) ||
                !expect(m.value, Kind::String, fmt::format("the value of {}", m.key))) {
                continue;
            }
            if (m.value.text.find('\0') != std::string::npos) {
                error(m.value.pos, "environment value contains a NUL character");
                continue;
            }
            out_.policy.env.set.push_back({m.key, m.value.text, at(m.key_pos)});
        }
    }

    void env_unset(const Value& v) {
        if (!expect(v, Kind::Array, "\"env.unset\"")) {
            return;
        }
        for (const auto& item : v.items) {
            if (expect(item, Kind::String, "a variable name") && env_name(item.text, item.pos)) {
                out_.policy.env.unset.push_back(item.text);
            }
        }
    }

    const std::string& filename_;
    const LoadOptions& options_;
    Diagnostics& diags_;
    ParsedFile out_;
};

/// Reads a regular file of bounded size; reports problems as diagnostics.
std::optional<std::string> read_policy_file(const std::string& path, const SourceLocation& where,
                                            std::size_t max_bytes, Diagnostics& diags) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        int err = errno;
        diags.error(where, fmt::format("cannot open policy file \"{}\": {}", path,
                                       strerror(err)));
        return std::nullopt;
    }
    struct stat st {};
    std::optional<std::string> text;
    if (fstat(fd, &st) != 0) {
        diags.error(where, fmt::format("cannot stat policy file \"{}\": {}", path, strerror(errno)));
    } else if (!S_ISREG(st.st_mode)) {
        diags.error(where, fmt::format("policy file \"{}\" is not a regular file", path));
    } else if (static_cast<std::size_t>(st.st_size) > max_bytes) {
        diags.error(where, fmt::format("policy file \"{}\" is larger than {} bytes", path,
                                       max_bytes));
    } else {
        text.emplace();
        char buf[65536];
        for (;;) {
            ssize_t n = read(fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n < 0) {
                diags.error(where, fmt::format("cannot read policy file \"{}\": {}", path,
                                               strerror(errno)));
                text.reset();
                break;
            }
            if (n == 0) {
                break;
            }
            text->append(buf, static_cast<std::size_t>(n));
            if (text->size() > max_bytes) {
                diags.error(where, fmt::format("policy file \"{}\" is larger than {} bytes",
                                               path, max_bytes));
                text.reset();
                break;
            }
        }
    }
    close(fd);
    return text;
}

class IncludeLoader {
public:
    IncludeLoader(const LoadOptions& options, LoadResult& out) : options_(options), out_(out) {}

    void load(const PolicyRef& ref, const std::string& base_dir) {
        auto path = locate(ref, base_dir);
        if (!path) {
            return;
        }
        char* real = realpath(path->c_str(), nullptr);
        std::string canonical = real ? real : *path;
        free(real);  // NOLINT(cppcoreguidelines-no-malloc)
        if (std::find(stack_.begin(), stack_.end(), canonical) != stack_.end()) {
            std::vector<std::string> chain = stack_names_;
            chain.push_back(*path);
            out_.diagnostics.error(ref.requested_at,
                                   fmt::format("include cycle: {}", fmt::join(chain, " -> ")));
            return;
        }
        if (loaded_.count(canonical) != 0) {
            return;  // already part of the union
        }
        if (static_cast<int>(stack_.size()) > options_.limits.max_include_depth) {
            out_.diagnostics.error(ref.requested_at,
                                   fmt::format("includes nested deeper than {} levels",
                                               options_.limits.max_include_depth));
            return;
        }
        if (loaded_.size() >= options_.limits.max_files) {
            out_.diagnostics.error(ref.requested_at,
                                   fmt::format("more than {} policy files",
                                               options_.limits.max_files));
            return;
        }
        loaded_.insert(canonical);
        auto text = read_policy_file(*path, ref.requested_at, options_.limits.max_file_bytes,
                                     out_.diagnostics);
        if (!text) {
            return;
        }
        ParsedFile parsed = parse_policy_text(*text, *path, options_, out_.diagnostics);
        out_.policy.merge(std::move(parsed.policy));
        stack_.push_back(canonical);
        stack_names_.push_back(*path);
        for (const auto& inc : parsed.includes) {
            bool profile = is_profile_name(inc.name);
            load({inc.name, profile ? PolicyRef::Kind::Profile : PolicyRef::Kind::File,
                  inc.where},
                 parent_directory(*path));
        }
        stack_.pop_back();
        stack_names_.pop_back();
    }

private:
    std::optional<std::string> locate(const PolicyRef& ref, const std::string& base_dir) {
        if (ref.kind == PolicyRef::Kind::File) {
            if (ref.name.starts_with("/") || base_dir.empty()) {
                return ref.name;
            }
            // "./x" is "x": without this, names in messages grow "././././x".
            std::string_view name = ref.name;
            while (name.starts_with("./")) {
                name.remove_prefix(2);
            }
            return base_dir + "/" + std::string(name);
        }
        if (!is_profile_name(ref.name)) {
            out_.diagnostics.error(ref.requested_at,
                                   fmt::format("\"{}\" is not a profile name", ref.name),
                                   {"profile names are bare words such as \"curl\"; use "
                                    "--policy for a file"});
            return std::nullopt;
        }
        if (auto found = find_profile(ref.name, options_.search_path)) {
            return found;
        }
        out_.diagnostics.error(
            ref.requested_at, fmt::format("profile \"{}\" not found", ref.name),
            {fmt::format("searched: {}", fmt::join(options_.search_path, ", "))});
        return std::nullopt;
    }

    const LoadOptions& options_;
    LoadResult& out_;
    std::vector<std::string> stack_;
    std::vector<std::string> stack_names_;
    std::set<std::string> loaded_;
};

} // namespace

ParsedFile parse_policy_text(std::string_view text, const std::string& filename,
                             const LoadOptions& options, Diagnostics& diagnostics) {
    auto parsed = json::parse(text, json::Limits{options.limits.max_json_depth});
    if (auto* err = std::get_if<json::ParseError>(&parsed)) {
        diagnostics.error({filename, err->pos.line, err->pos.column, {}}, err->message,
                          {"policies are strict JSON (RFC 8259): no comments, no trailing commas, "
                           "strings in double quotes"});
        return {};
    }
    return FileParser(filename, options, diagnostics).parse(std::get<json::Value>(parsed));
}

LoadResult load_policies(const std::vector<PolicyRef>& refs, const LoadOptions& options) {
    LoadResult out;
    IncludeLoader loader(options, out);
    for (const auto& ref : refs) {
        loader.load(ref, "");
    }
    return out;
}

} // namespace sandbox
