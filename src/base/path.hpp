// Path strings: lexical operations (no file system access) and the few that
// need the working directory. Every layer uses these instead of its own copy.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sandbox {

/// Lexical dirname: "/a/b" -> "/a", "/a" -> "/", "a" -> ".".
std::string parent_directory(std::string_view path);

/// Lexical basename: "/a/b" -> "b", "b" -> "b".
std::string_view base_name(std::string_view path);

/// Removes trailing slashes, except from "/" itself.
std::string strip_trailing_slashes(std::string path);

/// `dir` + "/" + `name`; an empty directory is the current directory.
std::string join_path(std::string_view dir, std::string_view name);

/// Whether `path` is `dir` or lies below it (lexically).
bool is_within(std::string_view path, std::string_view dir);

/// "/a/b/../c/./d" -> "/a/c/d", for absolute paths, without looking at the
/// file system ("/.." is "/").
std::string lexically_normal(std::string_view path);

/// realpath(), or nullopt with errno set.
std::optional<std::string> real_path(const std::string& path);

/// The working directory. Throws SysError, naming `purpose`.
std::string current_directory(std::string_view purpose);

/// `path` if absolute, else the working directory joined with it.
std::string make_absolute(const std::string& path, std::string_view purpose);

/// "~" and "~/..." with `home` for "~"; other paths unchanged. nullopt when
/// the path starts with "~" and `home` is missing or empty.
std::optional<std::string> expand_home(std::string_view path,
                                       const std::optional<std::string>& home);

} // namespace sandbox
