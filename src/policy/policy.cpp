#include "policy/policy.hpp"

#include <algorithm>
#include <iterator>

namespace sandbox {

void Policy::merge(const Policy& other) {
    descriptions.insert(descriptions.end(), other.descriptions.begin(),
                        other.descriptions.end());
    paths.insert(paths.end(), other.paths.begin(), other.paths.end());
    ports.insert(ports.end(), other.ports.begin(), other.ports.end());
    unrestricted_filesystem = unrestricted_filesystem || other.unrestricted_filesystem;
    unrestricted_network = unrestricted_network || other.unrestricted_network;
    unrestricted_scopes |= other.unrestricted_scopes;
    min_abi = std::max(min_abi, other.min_abi);
    env.clear = env.clear || other.env.clear;
    env.set.insert(env.set.end(), other.env.set.begin(), other.env.set.end());
    env.unset.insert(env.unset.end(), other.env.unset.begin(), other.env.unset.end());
    expansions.insert(expansions.end(), other.expansions.begin(), other.expansions.end());
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
