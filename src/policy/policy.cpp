#include "policy/policy.hpp"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>

namespace sandbox {

PathRule PathRule::of_group(std::string path, Group group, SourceLocation source,
                            RightsOrigin origin) {
    PathRule rule;
    rule.path = std::move(path);
    rule.access = group_rights(group);
    rule.origin = origin;
    rule.group = group;
    rule.source = std::move(source);
    return rule;
}

std::string PathRule::describe_source() const {
    if (carved_by.empty()) {
        return source.to_string();
    }
    return fmt::format("{} (carved by {})", source.to_string(), carved_by);
}

bool Policy::allows_unix_sockets() const {
    return std::any_of(paths.begin(), paths.end(),
                       [](const PathRule& r) { return r.access.contains(AccessFs::ResolveUnix); });
}

void Policy::merge(const Policy& other) {
    descriptions.insert(descriptions.end(), other.descriptions.begin(),
                        other.descriptions.end());
    paths.insert(paths.end(), other.paths.begin(), other.paths.end());
    denies.insert(denies.end(), other.denies.begin(), other.denies.end());
    unexpanded.insert(unexpanded.end(), other.unexpanded.begin(), other.unexpanded.end());
    ports.insert(ports.end(), other.ports.begin(), other.ports.end());
    unrestricted_filesystem = unrestricted_filesystem || other.unrestricted_filesystem;
    unrestricted_network = unrestricted_network || other.unrestricted_network;
    unrestricted_unix = unrestricted_unix || other.unrestricted_unix;
    unrestricted_scopes |= other.unrestricted_scopes;
    min_abi = std::max(min_abi, other.min_abi);
    env.clear = env.clear || other.env.clear;
    env.set.insert(env.set.end(), other.env.set.begin(), other.env.set.end());
    env.unset.insert(env.unset.end(), other.env.unset.begin(), other.env.unset.end());
    for (const auto& f : other.files) {
        if (std::find(files.begin(), files.end(), f) == files.end()) {
            files.push_back(f);
        }
    }
}

void Policy::merge(Policy&& other) {
    if (paths.empty()) {
        paths = std::move(other.paths);
    } else {
        paths.insert(paths.end(), std::make_move_iterator(other.paths.begin()),
                     std::make_move_iterator(other.paths.end()));
    }
    other.paths.clear();
    merge(static_cast<const Policy&>(other));
}

} // namespace sandbox
