#include "command/canonical_paths.hpp"

#include <sys/stat.h>

#include "base/path.hpp"

namespace sandbox {

std::optional<std::string> CanonicalPaths::directory(const std::string& path) {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        return std::nullopt;
    }
    if (auto it = known_.find(path);
        it != known_.end() && it->second.dev == st.st_dev && it->second.ino == st.st_ino) {
        return it->second.canonical;
    }
    auto real = real_path(path);
    if (!real) {
        return std::nullopt;
    }
    if (known_.size() > 100000) {
        known_.clear();  // a bound, not an eviction policy: learning runs are short
    }
    known_[path] = {*real, st.st_dev, st.st_ino};
    return real;
}

std::optional<std::string> CanonicalPaths::name_in_directory(const std::string& path) {
    const std::string trimmed = strip_trailing_slashes(path);
    const std::string_view name = base_name(trimmed);
    if (name == "." || name == ".." || trimmed == "/") {
        return directory(trimmed);
    }
    auto dir = directory(parent_directory(trimmed));
    if (!dir) {
        return std::nullopt;
    }
    return (*dir == "/" ? std::string() : *dir) + "/" + std::string(name);
}

std::optional<std::string> CanonicalPaths::follow(const std::string& path, struct stat* st) {
    auto named = name_in_directory(path);
    if (!named) {
        return std::nullopt;
    }
    struct stat own {};
    struct stat* out = st != nullptr ? st : &own;
    if (lstat(named->c_str(), out) != 0) {
        return std::nullopt;
    }
    if (!S_ISLNK(out->st_mode)) {
        return named;
    }
    auto real = real_path(*named);
    if (!real || stat(real->c_str(), out) != 0) {
        return std::nullopt;
    }
    return real;
}

} // namespace sandbox
