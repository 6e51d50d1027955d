// Reading ld.so.conf for --ldd, like ldconfig's parse_conf().
#include "command/ld_so_conf.hpp"
#include "command/loaded_object.hpp"
#include "base/error.hpp"
#include "base/path.hpp"

#include <cerrno>
#include <cstddef>
#include <memory>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

#include <glob.h>
#include <strings.h>
#include <unistd.h>

#include <fmt/format.h>

namespace sandbox {

namespace {

constexpr int max_include_depth = 16;
constexpr std::size_t max_conf_bytes = 1U << 20;

/// The contents of a configuration file; nullopt if it does not exist.
std::optional<std::string> read_config_file(const std::string& path) {
    const UniqueFd fd = open_if_present(path);
    if (!fd.valid()) {
        return std::nullopt;
    }
    std::string text;
    char buffer[4096];
    while (true) {
        const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n < 0) {
            const int err = errno;
            if (err == EINTR) {
                continue;
            }
            if (err == EISDIR) {
                return std::nullopt;
            }
            throw SysError(err, fmt::format("cannot read \"{}\" for --ldd", path));
        }
        if (n == 0) {
            return text;
        }
        text.append(buffer, static_cast<std::size_t>(n));
        if (text.size() > max_conf_bytes) {
            throw LaunchError(fmt::format("\"{}\" is too large for a library search path "
                                          "configuration file", path));
        }
    }
}

bool is_blank(char c) {
    return c == ' ' || c == '\t';
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/// One read_ld_so_conf(): the directories so far and the files visited.
class LdSoConfParser {
public:
    std::vector<std::string> parse(const std::string& path) {
        parse_file(path, 0);
        return std::move(dirs_);
    }

private:
    void parse_file(const std::string& path, int depth) {
        if (depth > max_include_depth || !visited_.insert(path).second) {
            return;  // include loop
        }
        const std::optional<std::string> text = read_config_file(path);
        if (!text) {
            return;
        }
        std::string_view rest = *text;
        while (!rest.empty()) {
            const std::size_t newline = rest.find('\n');
            parse_line(path, rest.substr(0, newline), depth);
            rest.remove_prefix(newline == std::string_view::npos ? rest.size() : newline + 1);
        }
    }

    void parse_line(const std::string& path, std::string_view line, int depth) {
        line = line.substr(0, line.find('#'));
        while (!line.empty() && is_space(line.front())) {
            line.remove_prefix(1);
        }
        if (line.empty()) {
            return;
        }
        if (line.size() > 7 && line.starts_with("include") && is_blank(line[7])) {
            parse_includes(path, line.substr(8), depth);
        } else if (line.size() > 5 && is_blank(line[5]) &&
                   ::strncasecmp(line.data(), "hwcap", 5) == 0) {
            return;
        } else {
            add_directory(line);
        }
    }

    void parse_includes(const std::string& path, std::string_view patterns, int depth) {
        while (!patterns.empty()) {
            const std::size_t end = patterns.find_first_of(" \t");
            const std::string pattern(patterns.substr(0, end));
            if (!pattern.empty()) {
                include_glob(path, pattern, depth);
            }
            patterns.remove_prefix(end == std::string_view::npos ? patterns.size() : end + 1);
        }
    }

    void include_glob(const std::string& path, const std::string& pattern, int depth) {
        const std::string full = !pattern.starts_with('/') && path.find('/') != std::string::npos
                                     ? parent_directory(path) + "/" + pattern
                                     : pattern;
        glob_t matches{};
        const int result = ::glob(full.c_str(), 0, nullptr, &matches);
        const std::unique_ptr<glob_t, decltype(&::globfree)> owner(&matches, &::globfree);
        if (result != 0) {
            return;  // GLOB_NOMATCH or unreadable directories: nothing to include
        }
        for (std::size_t i = 0; i < matches.gl_pathc; ++i) {
            parse_file(matches.gl_pathv[i], depth + 1);
        }
    }

    void add_directory(std::string_view line) {
        line = line.substr(0, line.find('='));
        while (!line.empty() && is_space(line.back())) {
            line.remove_suffix(1);
        }
        std::string dir = strip_trailing_slashes(std::string(line));
        if (!dir.empty() && seen_.insert(dir).second) {
            dirs_.push_back(std::move(dir));
        }
    }

    std::vector<std::string> dirs_;
    std::set<std::string> seen_;
    std::set<std::string> visited_;
};

} // namespace

std::vector<std::string> read_ld_so_conf(const std::string& path) {
    return LdSoConfParser().parse(path);
}

} // namespace sandbox
