#include "base/path.hpp"

#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <vector>

#include <fmt/format.h>

#include "base/error.hpp"

namespace sandbox {

std::string parent_directory(std::string_view path) {
    const std::size_t slash = path.find_last_of('/');
    if (slash == std::string_view::npos) {
        return ".";
    }
    return slash == 0 ? "/" : std::string(path.substr(0, slash));
}

std::string_view base_name(std::string_view path) {
    const std::size_t slash = path.find_last_of('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string strip_trailing_slashes(std::string path) {
    while (path.size() > 1 && path.back() == '/') {
        path.pop_back();
    }
    return path;
}

std::string join_path(std::string_view dir, std::string_view name) {
    if (dir.empty()) {
        return std::string(name);
    }
    return dir.back() == '/' ? fmt::format("{}{}", dir, name) : fmt::format("{}/{}", dir, name);
}

bool is_within(std::string_view path, std::string_view dir) {
    if (path == dir) {
        return true;
    }
    if (dir == "/") {
        return path.starts_with('/');
    }
    return path.starts_with(dir) && path.size() > dir.size() && path[dir.size()] == '/';
}

std::string lexically_normal(std::string_view path) {
    std::vector<std::string_view> parts;
    while (!path.empty()) {
        const auto slash = path.find('/');
        const auto part = path.substr(0, slash);
        if (part == "..") {
            if (!parts.empty()) {
                parts.pop_back();
            }
        } else if (!part.empty() && part != ".") {
            parts.push_back(part);
        }
        path = slash == std::string_view::npos ? "" : path.substr(slash + 1);
    }
    return parts.empty() ? "/" : fmt::format("/{}", fmt::join(parts, "/"));
}

std::optional<std::string> real_path(const std::string& path) {
    char* real = ::realpath(path.c_str(), nullptr);
    if (real == nullptr) {
        return std::nullopt;
    }
    std::string out = real;
    std::free(real);  // NOLINT(cppcoreguidelines-no-malloc)
    return out;
}

std::string current_directory(std::string_view purpose) {
    char buffer[PATH_MAX];
    if (::getcwd(buffer, sizeof buffer) == nullptr) {
        const int err = errno;
        throw SysError(err, fmt::format("cannot get the current directory{}{}",
                                        purpose.empty() ? "" : " for ", purpose));
    }
    return buffer;
}

std::string make_absolute(const std::string& path, std::string_view purpose) {
    if (path.starts_with('/')) {
        return path;
    }
    return join_path(current_directory(purpose), path);
}

std::optional<std::string> expand_home(std::string_view path,
                                       const std::optional<std::string>& home) {
    if (path != "~" && !path.starts_with("~/")) {
        return std::string(path);
    }
    if (!home || home->empty()) {
        return std::nullopt;
    }
    return *home + std::string(path.substr(1));
}

} // namespace sandbox
