#include "policy/expansion_guard.hpp"

#include <fmt/format.h>

namespace sandbox {

FsAccess modifying_rights() {
    using F = AccessFs;
    return {F::WriteFile, F::Truncate,  F::RemoveDir, F::RemoveFile, F::MakeChar,
            F::MakeDir,   F::MakeReg,   F::MakeSock,  F::MakeFifo,   F::MakeBlock,
            F::MakeSym,   F::Refer};
}

Landing classify_landing(std::string_view canonical, std::string_view home) {
    if (canonical == "/") {
        return Landing::Root;
    }
    if (home.empty() || home == "/") {
        return Landing::Elsewhere;
    }
    if (canonical == home) {
        return Landing::Home;
    }
    if (home.starts_with(canonical) && home[canonical.size()] == '/') {
        return Landing::AboveHome;
    }
    return Landing::Elsewhere;
}

namespace {

std::string_view landing_name(Landing l) {
    switch (l) {
    case Landing::Root: return "the root directory";
    case Landing::Home: return "your home directory";
    case Landing::AboveHome: return "a directory above your home directory";
    case Landing::Elsewhere: break;
    }
    return "";
}

std::string rule_name(const PathRule& r) {
    return r.group ? fmt::format("\"{}\" rule", group_name(*r.group)) : "rule";
}

} // namespace

void check_expanded_rules(const Policy& policy, std::string_view home,
                          const Canonicalize& canonical, Diagnostics& out) {
    for (const PathRule& rule : policy.paths) {
        if (rule.written.empty()) {
            continue;
        }
        const std::optional<std::string> real = canonical(rule.path);
        if (!real) {
            continue;  // nothing there to grant; opening it later reports why
        }
        const Landing landing = classify_landing(*real, home);
        if (landing == Landing::Elsewhere) {
            continue;
        }
        const std::string where =
            *real == rule.path ? fmt::format("\"{}\"", *real)
                               : fmt::format("\"{}\" (\"{}\")", rule.path, *real);
        const FsAccess writes = rule.access.intersect(modifying_rights());
        if (!writes.empty()) {
            out.error(rule.source,
                      fmt::format("{} \"{}\" expands to {}, {}: an expansion may not grant {} "
                                  "there",
                                  rule_name(rule), rule.written, where, landing_name(landing),
                                  join_right_names(writes)),
                      {"cd into a project directory, or pass --rw DIR yourself (paths typed "
                       "on the command line are not checked)"});
        } else {
            out.warning(rule.source,
                        fmt::format("{} \"{}\" expands to {}, {}: everything below it is "
                                    "readable",
                                    rule_name(rule), rule.written, where, landing_name(landing)));
        }
    }
}

} // namespace sandbox
