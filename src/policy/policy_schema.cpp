#include "policy/policy_schema.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "policy/schema_walker.hpp"

namespace sandbox {

namespace {

using json::Kind;
using json::Value;

/// Walks one parsed file and turns it into a Policy, collecting every error.
class FileParser : SchemaWalker {
public:
    FileParser(const std::string& filename, const EnvLookup& env, Diagnostics& diags)
        : SchemaWalker(filename, diags), env_(env) {}

    ParsedFile parse(const Value& root) {
        if (root.kind != Kind::Object) {
            error(root.pos, fmt::format("a policy must be a JSON object, not {}",
                                        article_kind(root.kind)));
            return std::move(out_);
        }
        out_.policy.files.push_back(filename());
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
        Expanded e = expand_variables(v.text, env_);
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

    const EnvLookup& env_;
    ParsedFile out_;
};

} // namespace

ParsedFile parse_policy_document(const json::Value& root, const std::string& filename,
                                 const EnvLookup& env, Diagnostics& diagnostics) {
    return FileParser(filename, env, diagnostics).parse(root);
}

} // namespace sandbox
