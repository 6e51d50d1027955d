#include "policy/profile_path.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <memory>

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

// std::filesystem is avoided here and everywhere in the launcher: its
// operations pull libstdc++'s iostream and locale machinery into the static
// binary (tens of KB of vtables the loader must relocate at every start).
std::optional<std::string> executable_path() {
    // /proc/self/exe already names the binary by its canonical path: one
    // readlink instead of a canonicalisation walk.
    std::array<char, 4096> buf{};
    const ssize_t n = readlink("/proc/self/exe", buf.data(), buf.size());
    if (n <= 0 || static_cast<std::size_t>(n) >= buf.size() || buf[0] != '/') {
        return std::nullopt;
    }
    return std::string(buf.data(), static_cast<std::size_t>(n));
}

std::optional<std::string> build_root() {
    const std::unique_ptr<char, decltype(&std::free)> root(realpath(SANDBOX_BUILD_ROOT, nullptr),
                                                           &std::free);
    if (!root) {
        return std::nullopt;
    }
    return std::string(root.get());
}

BuildTree running_from_build_tree() {
    // Only a binary inside this build directory (the launcher at its root,
    // test and benchmark programs below tests/ and bench/) may fall back to the
    // source tree: an installed copy, wherever DESTDIR or the prefix put it,
    // uses the installed directories only.
    const auto exe = executable_path();
    if (!exe) {
        return BuildTree::No;
    }
    const auto root = build_root();
    if (!root) {
        return BuildTree::No;
    }
    const std::string_view dir = std::string_view(*exe).substr(0, exe->rfind('/'));
    if (dir == *root) {
        return BuildTree::Yes;
    }
    for (const char* sub : {"/tests", "/bench"}) {
        const std::string below = *root + sub;
        if (dir == below || dir.starts_with(below + "/")) {
            return BuildTree::Yes;
        }
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

std::optional<std::string> shipped_profile_name(std::string_view file) {
    for (std::string_view dir : {std::string_view(SANDBOX_DATADIR_POLICIES),
                                 std::string_view(SANDBOX_SOURCE_POLICIES)}) {
        if (file.size() > dir.size() + 1 && file.starts_with(dir) && file[dir.size()] == '/') {
            std::string_view name = file.substr(dir.size() + 1);
            if (name.ends_with(".json") && is_profile_name(name.substr(0, name.size() - 5))) {
                return std::string(name.substr(0, name.size() - 5));
            }
        }
    }
    return std::nullopt;
}

std::optional<std::string> shipped_profile_hint(std::string_view file) {
    auto name = shipped_profile_name(file);
    if (!name) {
        return std::nullopt;
    }
    return "the profile \"" + *name +
           "\" is shipped with sandbox; add what you need with flags (e.g. --ro PATH, "
           "--ignore-missing) or copy it to ~/.config/sandbox/policies/" + *name +
           ".json and change the copy";
}

} // namespace sandbox
