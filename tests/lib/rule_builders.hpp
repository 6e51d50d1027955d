// PathRules as the command line (group) and a policy file (explicit rights)
// make them, for the plan and resolve unit tests.
#pragma once

#include <string>

#include "policy/policy.hpp"

namespace sandbox {

inline PathRule group_rule(const std::string& path, Group g) {
    PathRule r;
    r.path = path;
    r.access = group_rights(g);
    r.group = g;
    r.source = {"", 0, 0, "--" + std::string(group_name(g))};
    return r;
}

inline PathRule explicit_rule(const std::string& path, FsAccess access) {
    PathRule r;
    r.path = path;
    r.access = access;
    r.origin = RightsOrigin::Explicit;
    r.source = {"p.json", 3, 5, {}};
    return r;
}

} // namespace sandbox
