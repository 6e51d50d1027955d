#include "policy/learned_policy.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <string_view>

#include <fmt/format.h>

#include "base/path.hpp"

namespace sandbox {

namespace {

using Entries = std::map<std::string, PathUse>;

const FsAccess kReadOnly{AccessFs::ReadFile, AccessFs::ReadDir};

std::size_t depth(std::string_view path) {
    return static_cast<std::size_t>(std::count(path.begin(), path.end(), '/')) -
           (path == "/" ? 1 : 0);
}

/// Rule 1: rights of created or vanished objects move up to the nearest
/// directory that existed before the run and still exists.
Entries fold(const Observations& seen, const std::set<std::string>& gone) {
    auto movable = [&](const std::string& path) {
        auto it = seen.paths.find(path);
        const bool created = it != seen.paths.end() && it->second.created;
        return created || gone.count(path) != 0;
    };
    Entries out;
    for (const auto& [path, use] : seen.paths) {
        std::string target = path;
        bool directory = use.directory;
        while (target != "/" && movable(target)) {
            target = parent_directory(target);
            directory = true;
        }
        PathUse& u = out[target];
        u.access |= use.access;
        u.directory = u.directory || directory;
    }
    return out;
}

/// Removes from `entries` what `policy` grants; true when it granted anything.
bool subtract(Entries& entries, const Policy& policy) {
    bool any = false;
    for (auto it = entries.begin(); it != entries.end();) {
        const FsAccess granted = granted_rights(policy, it->first, it->second.access);
        if (!granted.empty()) {
            any = true;
            it->second.access = it->second.access.without(granted);
        }
        it = it->second.access.empty() ? entries.erase(it) : std::next(it);
    }
    return any;
}

bool subtract_ports(std::set<std::uint16_t>& ports, const Policy& policy, AccessNet right) {
    bool any = false;
    for (const PortRule& r : policy.ports) {
        if (r.right == right && ports.erase(r.port) != 0) {
            any = true;
        }
    }
    return any;
}

/// Rule 4's limits: may reads below `dir` become one rule on it?
bool may_collapse_onto(const std::string& dir, const LearnContext& c) {
    static constexpr std::array<std::string_view, 5> kNever = {"/etc", "/home", "/root",
                                                               "/var", "/tmp"};
    if (depth(dir) < 2 || std::find(kNever.begin(), kNever.end(), dir) != kNever.end()) {
        return false;
    }
    if (!c.home.empty() && is_within(c.home, dir)) {
        return false;  // $HOME itself or a directory above it
    }
    if (dir == c.tmpdir || (!c.pwd.empty() && c.pwd != dir && is_within(c.pwd, dir))) {
        return false;  // $TMPDIR, or above $PWD (its siblings)
    }
    return !dir.starts_with("/proc/") && !dir.starts_with("/dev/");
}

/// Rule 4: read-only entries of one directory, kCollapseAt or more, become a
/// rule on the directory; deepest directories first, until nothing changes.
void collapse(Entries& entries, const LearnContext& c) {
    for (bool changed = true; changed;) {
        changed = false;
        std::map<std::string, std::vector<std::string>> by_parent;
        for (const auto& [path, use] : entries) {
            if (path != "/" && kReadOnly.contains_all(use.access)) {
                by_parent[parent_directory(path)].push_back(path);
            }
        }
        std::vector<std::string> parents;
        for (const auto& [dir, children] : by_parent) {
            if (children.size() >= kCollapseAt && may_collapse_onto(dir, c)) {
                parents.push_back(dir);
            }
        }
        std::sort(parents.begin(), parents.end(), [](const std::string& a, const std::string& b) {
            return depth(a) != depth(b) ? depth(a) > depth(b) : a < b;
        });
        if (parents.empty()) {
            return;
        }
        // One level per round, so that a collapsed directory can collapse again.
        const std::size_t deepest = depth(parents.front());
        for (const std::string& dir : parents) {
            if (depth(dir) != deepest) {
                break;
            }
            FsAccess rights;
            for (const std::string& child : by_parent[dir]) {
                rights |= entries[child].access;
                entries.erase(child);
            }
            PathUse& u = entries[dir];
            u.access |= rights;
            u.directory = true;
            changed = true;
        }
    }
}

/// Removes the rights a rule on a directory above already grants (after a
/// collapse, deeper entries of the collapsed directory are redundant).
void drop_covered(Entries& entries) {
    for (auto it = entries.begin(); it != entries.end();) {
        FsAccess above;
        for (std::string dir = it->first; dir != "/";) {
            dir = parent_directory(dir);
            if (auto a = entries.find(dir); a != entries.end()) {
                above |= a->second.access;
            }
        }
        it->second.access = it->second.access.without(above);
        it = it->second.access.empty() ? entries.erase(it) : std::next(it);
    }
}

/// "/proc/1234/status" -> "/proc/self/status": process directories differ
/// from run to run.
std::string generic_proc(const std::string& path) {
    if (!path.starts_with("/proc/")) {
        return path;
    }
    const std::size_t start = 6;
    std::size_t end = start;
    while (end < path.size() && std::isdigit(static_cast<unsigned char>(path[end])) != 0) {
        ++end;
    }
    if (end == start || (end < path.size() && path[end] != '/')) {
        return path;
    }
    return "/proc/self" + path.substr(end);
}

/// Rule 5: the longest of $PWD, $HOME, $TMPDIR that the path lies in.
std::string with_variables(const std::string& path, const LearnContext& c) {
    const std::array<std::pair<std::string_view, std::string_view>, 3> vars = {{
        {c.pwd, "${PWD}"}, {c.home, "${HOME}"}, {c.tmpdir, "${TMPDIR:-/tmp}"}}};
    std::string_view best_value;
    std::string_view best_name;
    for (const auto& [value, name] : vars) {
        if (value.size() > 1 && is_within(path, value) && value.size() > best_value.size()) {
            best_value = value;
            best_name = name;
        }
    }
    if (best_value.empty()) {
        return path;
    }
    return std::string(best_name) + path.substr(best_value.size());
}

std::string quoted(std::string_view text) {
    std::string out = "\"";
    for (char ch : text) {
        const auto u = static_cast<unsigned char>(ch);
        if (ch == '"' || ch == '\\') {
            out += '\\';
            out += ch;
        } else if (u < 0x20) {
            out += fmt::format("\\u{:04x}", u);
        } else {
            out += ch;
        }
    }
    return out + "\"";
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& item : items) {
        out += (out.empty() ? "" : ", ") + item;
    }
    return out;
}

} // namespace

FsAccess granted_rights(const Policy& policy, const std::string& path, FsAccess rights) {
    FsAccess granted;
    for (const PathRule& rule : policy.paths) {
        if (is_within(path, rule.path)) {
            granted |= rule.access.intersect(rights);
        }
    }
    return granted;
}

LearnedPolicy generalise(const Observations& seen, const LearnContext& context) {
    Entries entries = fold(seen, context.gone);
    // /proc/PID entries are named for every process alike.
    Entries named;
    for (auto& [path, use] : entries) {
        PathUse& u = named[generic_proc(path)];
        u.access |= use.access;
        u.directory = u.directory || use.directory;
    }
    entries = std::move(named);
    for (auto it = entries.begin(); it != entries.end();) {
        // Only directories carry directory rights; nothing left: no rule.
        if (!it->second.directory) {
            it->second.access = mask_for_file(it->second.access);
        }
        it = it->second.access.empty() ? entries.erase(it) : std::next(it);
    }

    LearnedPolicy out;
    out.bind_tcp = seen.bind_tcp;
    out.connect_tcp = seen.connect_tcp;
    for (const KnownPolicy& p : context.given) {
        subtract(entries, p.policy);
        subtract_ports(out.bind_tcp, p.policy, AccessNet::BindTcp);
        subtract_ports(out.connect_tcp, p.policy, AccessNet::ConnectTcp);
        out.includes.push_back(p.name);
    }
    for (const KnownPolicy& block : context.building_blocks) {
        bool used = subtract(entries, block.policy);
        used = subtract_ports(out.bind_tcp, block.policy, AccessNet::BindTcp) || used;
        used = subtract_ports(out.connect_tcp, block.policy, AccessNet::ConnectTcp) || used;
        if (used && std::find(out.includes.begin(), out.includes.end(), block.name) ==
                        out.includes.end()) {
            out.includes.push_back(block.name);
        }
    }
    collapse(entries, context);
    drop_covered(entries);

    for (const auto& [path, use] : entries) {
        if (path.find("${") != std::string::npos) {
            out.unwritable.push_back(path);  // the loader would expand it
            continue;
        }
        out.rules.push_back({with_variables(path, context), use.access, use.directory});
    }
    std::sort(out.rules.begin(), out.rules.end(),
              [](const LearnedRule& a, const LearnedRule& b) { return a.path < b.path; });
    out.unrestricted_scopes = seen.outside;
    out.description = fmt::format(
        "Learned by sandbox --learn on {} from: {}. It allows only what that run did "
        "(in ${{PWD}}, ${{HOME}} and ${{TMPDIR:-/tmp}} as they were then); other inputs or "
        "options may need more: learn again or add rules.",
        context.date, context.command);
    return out;
}

std::string render_policy(const LearnedPolicy& policy) {
    const FsAccess ro_file{AccessFs::ReadFile};
    const FsAccess rox_file{AccessFs::ReadFile, AccessFs::Execute};
    std::vector<std::string> ro;
    std::vector<std::string> rox;
    std::vector<std::string> unix_sockets;
    std::vector<std::string> rules;
    for (const LearnedRule& r : policy.rules) {
        FsAccess rights = r.access;
        if (rights.contains(AccessFs::ResolveUnix)) {
            unix_sockets.push_back(quoted(r.path));  // a group: narrows below ABI 9
            rights = rights.without(FsAccess{AccessFs::ResolveUnix});
        }
        if (rights.empty()) {
            continue;
        }
        if (rights == ro_file || (r.directory && rights == kReadOnly)) {
            ro.push_back(quoted(r.path));
        } else if (!r.directory && rights == rox_file) {
            rox.push_back(quoted(r.path));
        } else {
            std::vector<std::string> names;
            for (const std::string& n : right_names(rights)) {
                names.push_back(quoted(n));
            }
            rules.push_back(fmt::format("{{\"path\": {}, \"access\": [{}]}}", quoted(r.path),
                                        join(names)));
        }
    }
    std::vector<std::string> sections;
    sections.push_back("  \"$schema\": \"sandbox-policy.schema.json\"");
    sections.push_back("  \"description\": " + quoted(policy.description));
    if (!policy.includes.empty()) {
        std::vector<std::string> names;
        for (const std::string& n : policy.includes) {
            names.push_back(quoted(n));
        }
        sections.push_back("  \"include\": [" + join(names) + "]");
    }
    std::vector<std::string> fs;
    auto list = [&fs](std::string_view key, const std::vector<std::string>& items) {
        if (items.empty()) {
            return;
        }
        std::string text = fmt::format("    \"{}\": [\n", key);
        for (std::size_t i = 0; i < items.size(); ++i) {
            text += "      " + items[i] + (i + 1 < items.size() ? ",\n" : "\n");
        }
        fs.push_back(text + "    ]");
    };
    list("rox", rox);
    list("ro", ro);
    list("unix", unix_sockets);
    list("rules", rules);
    if (!fs.empty()) {
        std::string text = "  \"filesystem\": {\n";
        for (std::size_t i = 0; i < fs.size(); ++i) {
            text += fs[i] + (i + 1 < fs.size() ? ",\n" : "\n");
        }
        sections.push_back(text + "  }");
    }
    std::vector<std::string> net;
    auto ports = [&net](std::string_view key, const std::set<std::uint16_t>& set) {
        if (!set.empty()) {
            std::vector<std::string> items;
            items.reserve(set.size());
            for (std::uint16_t p : set) {
                items.push_back(std::to_string(p));
            }
            net.push_back(fmt::format("\"{}\": [{}]", key, join(items)));
        }
    };
    ports("bind_tcp", policy.bind_tcp);
    ports("connect_tcp", policy.connect_tcp);
    if (!net.empty()) {
        sections.push_back("  \"network\": {" + join(net) + "}");
    }
    if (!policy.unrestricted_scopes.empty()) {
        std::vector<std::string> names;
        for (const std::string& n : right_names(policy.unrestricted_scopes)) {
            names.push_back(quoted(n));
        }
        sections.push_back("  \"scopes\": {\"unrestricted\": [" + join(names) + "]}");
    }
    std::string text = "{\n";
    for (std::size_t i = 0; i < sections.size(); ++i) {
        text += sections[i] + (i + 1 < sections.size() ? ",\n" : "\n");
    }
    return text + "}\n";
}

} // namespace sandbox
