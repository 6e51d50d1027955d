#include "policy/suggestion.hpp"

#include <algorithm>
#include <map>
#include <string_view>

namespace sandbox {

namespace {

/// The smallest group whose rights hold `needed` (resolve_unix excluded: it
/// is --unix's).
Group smallest_group(FsAccess needed) {
    for (Group g : {Group::Ro, Group::Rox, Group::Rw}) {
        if (group_rights(g).contains_all(needed)) {
            return g;
        }
    }
    return Group::Rwx;
}

void add_unique(std::vector<int>& ports, int port) {
    if (std::find(ports.begin(), ports.end(), port) == ports.end()) {
        ports.push_back(port);
    }
}

}  // namespace

bool is_per_process_path(std::string_view path) {
    constexpr std::string_view proc = "/proc/";
    if (!path.starts_with(proc)) {
        return false;
    }
    path.remove_prefix(proc.size());
    const std::size_t end = std::min(path.find('/'), path.size());
    return end > 0 && std::all_of(path.begin(), path.begin() + static_cast<std::ptrdiff_t>(end),
                                  [](char c) { return c >= '0' && c <= '9'; });
}

Suggestion suggest(const std::vector<Denial>& denials) {
    Suggestion s;
    std::map<std::string, FsAccess> by_path;
    auto unknown = [&](const std::string& blocker) {
        if (std::find(s.unknown_blockers.begin(), s.unknown_blockers.end(), blocker) ==
            s.unknown_blockers.end()) {
            s.unknown_blockers.push_back(blocker);
        }
    };
    for (const Denial& d : denials) {
        for (const std::string& blocker : d.blockers) {
            const std::size_t dot = blocker.find('.');
            const std::string_view kind = std::string_view(blocker).substr(0, dot);
            const std::string_view name =
                dot == std::string::npos ? std::string_view() : std::string_view(blocker).substr(dot + 1);
            if (kind == "fs" && is_per_process_path(d.path)) {
                if (std::find(s.per_process_paths.begin(), s.per_process_paths.end(), d.path) ==
                    s.per_process_paths.end()) {
                    s.per_process_paths.push_back(d.path);
                }
                continue;
            }
            if (kind == "fs" && !d.path.empty()) {
                if (auto right = parse_right<AccessFs>(name)) {
                    by_path[d.path] = by_path[d.path].with(*right);
                    continue;
                }
            } else if (kind == "net" && d.port) {
                if (auto right = parse_right<AccessNet>(name)) {
                    add_unique(*right == AccessNet::BindTcp ? s.bind_tcp : s.connect_tcp, *d.port);
                    continue;
                }
            } else if (kind == "scope") {
                if (auto scope = parse_right<Scope>(name)) {
                    s.unrestricted_scopes = s.unrestricted_scopes.with(*scope);
                    continue;
                }
            }
            unknown(blocker);
        }
    }
    for (const auto& [path, access] : by_path) {
        s.rules.push_back({path, access});
        const FsAccess plain = access.without(FsAccess{AccessFs::ResolveUnix});
        if (access.contains(AccessFs::ResolveUnix)) {
            s.flags.insert(s.flags.end(), {"--unix", path});
        }
        if (!plain.empty()) {
            s.flags.insert(s.flags.end(),
                           {"--" + std::string(group_name(smallest_group(plain))), path});
        }
    }
    std::sort(s.connect_tcp.begin(), s.connect_tcp.end());
    std::sort(s.bind_tcp.begin(), s.bind_tcp.end());
    for (int port : s.connect_tcp) {
        s.flags.insert(s.flags.end(), {"--connect-tcp", std::to_string(port)});
    }
    for (int port : s.bind_tcp) {
        s.flags.insert(s.flags.end(), {"--bind-tcp", std::to_string(port)});
    }
    for (const auto& scope : scopes()) {
        if (s.unrestricted_scopes.contains(scope.right)) {
            s.flags.insert(s.flags.end(), {"--unrestricted-scope", std::string(scope.name)});
        }
    }
    return s;
}

}  // namespace sandbox
