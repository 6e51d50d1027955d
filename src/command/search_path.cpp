// The library search path of --ldd: $PLATFORM, $LIB and the default
// directories per ELF ABI, dynamic string token expansion, and the splitting
// of DT_RPATH / DT_RUNPATH / LD_LIBRARY_PATH.
#include "command/search_path.hpp"
#include "base/path.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <set>

#include <elf.h>
#include <sys/auxv.h>
#include <sys/stat.h>

namespace sandbox {

namespace {

bool is_directory(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::optional<std::string> multiarch_triplet(const ElfIdentity& abi) {
    const bool is_64 = abi.elf_class == ElfClass::Elf64;
    const bool is_little = abi.byte_order == ElfByteOrder::Little;
    switch (abi.machine) {
    case EM_X86_64: return is_64 ? "x86_64-linux-gnu" : "x86_64-linux-gnux32";
    case EM_386: return "i386-linux-gnu";
    case EM_AARCH64: return is_little ? "aarch64-linux-gnu" : "aarch64_be-linux-gnu";
    case EM_PPC64: return is_little ? "powerpc64le-linux-gnu" : "powerpc64-linux-gnu";
    case EM_RISCV: return is_64 ? std::optional<std::string>("riscv64-linux-gnu") : std::nullopt;
    case EM_S390: return is_64 ? std::optional<std::string>("s390x-linux-gnu") : std::nullopt;
    default: return std::nullopt;
    }
}

/// AT_PLATFORM as the kernel gives it to a process of this ABI.
std::optional<std::string> platform_name(const ElfIdentity& abi) {
    switch (abi.machine) {
    case EM_X86_64: return "x86_64";
    case EM_386: return "i686";
    case EM_AARCH64: return "aarch64";
    default: break;
    }
    const bool host_is_64 = sizeof(void*) == 8;
    // getauxval returns the string's address as an integer.
    const auto* value = reinterpret_cast<const char*>(::getauxval(AT_PLATFORM));  // NOLINT(performance-no-int-to-ptr)
    if (value != nullptr && (abi.elf_class == ElfClass::Elf64) == host_is_64) {
        return value;
    }
    return std::nullopt;
}

/// glibc's is_dst(): the length of "NAME" or "{NAME}" at the start of
/// `input` (just after a '$'), or 0 if it is not that token.
std::size_t match_token(std::string_view input, std::string_view name) {
    const bool braced = input.starts_with('{');
    if (braced) {
        input.remove_prefix(1);
    }
    if (!input.starts_with(name)) {
        return 0;
    }
    if (braced) {
        return input.size() > name.size() && input[name.size()] == '}' ? name.size() + 2 : 0;
    }
    if (input.size() > name.size()) {
        const unsigned char next = static_cast<unsigned char>(input[name.size()]);
        if (std::isalnum(next) != 0 || next == '_') {
            return 0;
        }
    }
    return name.size();
}

} // namespace

std::string real_parent_directory(const std::string& path) {
    const std::optional<std::string> real = real_path(path);
    return parent_directory(real ? *real : make_absolute(path, "--ldd"));
}

Platform platform_for(const ElfIdentity& abi, const std::vector<std::string>& override_dirs) {
    Platform platform;
    platform.platform = platform_name(abi);
    const std::optional<std::string> triplet = multiarch_triplet(abi);
    if (triplet && (is_directory("/lib/" + *triplet) || is_directory("/usr/lib/" + *triplet))) {
        // Debian's ld.so: slibdir, libdir, then /lib and /usr/lib.
        platform.lib = "lib/" + *triplet;
        platform.default_dirs = {"/lib/" + *triplet, "/usr/lib/" + *triplet, "/lib", "/usr/lib"};
    } else if (abi.elf_class == ElfClass::Elf64) {
        platform.lib = "lib64";
        platform.default_dirs = {"/lib64", "/usr/lib64"};
    } else {
        platform.lib = "lib";
        platform.default_dirs = {"/lib", "/usr/lib"};
    }
    if (!override_dirs.empty()) {
        platform.default_dirs.clear();
        for (const std::string& dir : override_dirs) {
            platform.default_dirs.push_back(strip_trailing_slashes(dir));
        }
    }
    return platform;
}

std::optional<std::string> expand_tokens(std::string_view text, const std::string& origin,
                                         const Platform& platform) {
    struct Token {
        std::string_view name;
        const std::optional<std::string> value;
    };
    const std::array<Token, 3> tokens{{
        {"ORIGIN", origin},
        {"PLATFORM", platform.platform},
        {"LIB", platform.lib},
    }};
    std::string out;
    while (!text.empty()) {
        const char c = text.front();
        text.remove_prefix(1);
        if (c != '$') {
            out.push_back(c);
            continue;
        }
        const auto token = std::find_if(tokens.begin(), tokens.end(), [&](const Token& t) {
            return match_token(text, t.name) != 0;
        });
        if (token == tokens.end()) {
            out.push_back('$');
            continue;
        }
        if (!token->value) {
            return std::nullopt;
        }
        out += *token->value;
        text.remove_prefix(match_token(text, token->name));
    }
    return out;
}

std::vector<std::string> split_search_path(std::string_view value, std::string_view separators,
                                           const std::string& origin, const Platform& platform) {
    std::vector<std::string> dirs;
    std::set<std::string> seen;
    while (true) {
        const std::size_t end = value.find_first_of(separators);
        const std::string_view element = value.substr(0, end);
        std::optional<std::string> dir = std::string();
        if (!element.empty()) {
            dir = expand_tokens(element, origin, platform);
            if (dir && !dir->empty()) {
                *dir = strip_trailing_slashes(*dir);
            } else {
                dir.reset();
            }
        }
        if (dir && seen.insert(*dir).second) {
            dirs.push_back(*dir);
        }
        if (end == std::string_view::npos) {
            break;
        }
        value.remove_prefix(end + 1);
    }
    return dirs;
}

} // namespace sandbox
