// Denials as the collector makes them, for the suggestion and report tests.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "policy/denials.hpp"

namespace sandbox {

/// A filesystem denial of `path` by `blockers` ("fs.read_file", ...).
inline Denial fs_denial(const std::string& path, std::vector<std::string> blockers) {
    Denial d;
    d.path = path;
    d.blockers = std::move(blockers);
    return d;
}

} // namespace sandbox
