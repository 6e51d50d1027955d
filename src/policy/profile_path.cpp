#include "policy/profile_path.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "config.h"

namespace sandbox {

std::vector<std::string> profile_search_path(const EnvLookup& env, BuildTree build_tree) {
    std::vector<std::string> dirs;
    if (auto p = env("SANDBOX_POLICY_PATH"); p && !p->empty()) {
        std::string_view rest = *p;
        while (!rest.empty()) {
            auto colon = rest.find(':');
            auto dir = rest.substr(0, colon);
            if (!dir.empty()) {
                dirs.emplace_back(dir);
            }
            rest = colon == std::string_view::npos ? "" : rest.substr(colon + 1);
        }
    }
    if (auto xdg = env("XDG_CONFIG_HOME"); xdg && !xdg->empty()) {
        dirs.push_back(*xdg + "/sandbox/policies");
    } else if (auto home = env("HOME"); home && !home->empty()) {
        dirs.push_back(*home + "/.config/sandbox/policies");
    }
    dirs.emplace_back("/etc/sandbox/policies");
    dirs.emplace_back(SANDBOX_DATADIR_POLICIES);
    if (build_tree == BuildTree::Yes) {
        dirs.emplace_back(SANDBOX_SOURCE_POLICIES);
    }
    return dirs;
}

BuildTree running_from_build_tree() {
    char buf[4096];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) {
        return BuildTree::No;
    }
    std::string exe(buf, static_cast<std::size_t>(n));
    std::string dir = exe.substr(0, exe.rfind('/'));
    // Tests live one level below the build root.
    for (int up = 0; up < 3 && !dir.empty(); ++up) {
        struct stat st {};
        if (stat((dir + "/meson-private").c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
            return BuildTree::Yes;
        }
        dir = dir.substr(0, dir.rfind('/'));
    }
    return BuildTree::No;
}

bool is_profile_name(std::string_view name) {
    if (name.empty() || name[0] == '.' || name.size() > 128) {
        return false;
    }
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.';
        if (!ok) {
            return false;
        }
    }
    return !name.ends_with(".json");
}

std::optional<std::string> find_profile(std::string_view name,
                                        const std::vector<std::string>& search_path) {
    for (const auto& dir : search_path) {
        std::string candidate = fmt::format("{}/{}.json", dir, name);
        struct stat st {};
        if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
            return candidate;
        }
    }
    return std::nullopt;
}

} // namespace sandbox
