// The --ldd resolver: walks DT_NEEDED breadth-first the way glibc's ld.so
// (_dl_map_object_deps / _dl_map_object, glibc 2.36) does:
//
//  * a name that is already loaded (requested under that name, or equal to an
//    object's DT_SONAME or path, the interpreter included) is not searched;
//  * a name containing '/' is opened as a path (relative to the cwd);
//  * otherwise: DT_RPATH of the requesting object and of its loaders up to
//    the executable (only if the requesting object has no DT_RUNPATH; an
//    object with DT_RUNPATH contributes no DT_RPATH), LD_LIBRARY_PATH,
//    DT_RUNPATH of the requesting object, the directories of ld.so.conf (ld.so
//    reads them from ld.so.cache), then the default directories. DF_1_NODEFLIB
//    on the requesting object skips the default directories and the
//    ld.so.conf directories that lie inside them;
//  * a candidate that cannot be opened (ENOENT, EACCES, ...) or has another
//    class, byte order or machine than the executable is skipped; one that is
//    not a valid ELF file is an error (ld.so fails in that case too);
//  * the same file (device and inode) reached under another name is loaded
//    once, but every path ld.so would open is listed.
//
// Dynamic string tokens: $ORIGIN is the directory of the path an object was
// found at (not symlink-resolved, as ld.so); for the executable it is the
// directory of its real path (ld.so reads /proc/self/exe). $PLATFORM is the
// AT_PLATFORM value for the executable's machine ("x86_64", "i686",
// "aarch64"). $LIB is what the distribution's ld.so uses: on a multiarch
// system (Debian, Ubuntu) "lib/<triplet>" e.g. "lib/x86_64-linux-gnu" — that
// is Debian's glibc (checked with LD_DEBUG=libs on Debian 12) — elsewhere
// "lib64" for 64-bit and "lib" for 32-bit executables.
//
// Not modelled: the glibc-hwcaps (x86-64-v2/v3/v4) and legacy hwcap (tls/,
// x86_64/) subdirectories ld.so tries first in every directory — a library
// there is not found here, and ld.so falls back to the plain directory when
// the sandbox denies it (EACCES); ld.so.cache itself (libraries ldconfig has
// not indexed are found here but not by ld.so); secure mode for set-user-ID
// programs; LD_PRELOAD and /etc/ld.so.preload.
#include "command/ldd.hpp"
#include "base/path.hpp"

#include "command/elf.hpp"
#include "base/error.hpp"
#include "base/unique_fd.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <elf.h>
#include <fcntl.h>
#include <glob.h>
#include <strings.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace sandbox {

namespace {

constexpr int max_include_depth = 16;
constexpr std::size_t max_conf_bytes = 1U << 20;
constexpr std::size_t no_object = static_cast<std::size_t>(-1);

// ---------------------------------------------------------------- paths

bool is_directory(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

/// The directory of the real path of `path` ($ORIGIN of the executable).
std::string real_parent_directory(const std::string& path) {
    const std::unique_ptr<char, decltype(&std::free)> real(::realpath(path.c_str(), nullptr),
                                                           &std::free);
    return parent_directory(real ? std::string(real.get()) : make_absolute(path, "--ldd"));
}

// ------------------------------------------------------------- platform

/// $PLATFORM, $LIB and the built-in search directories of ld.so for the ABI
/// of the executable.
struct Platform {
    std::optional<std::string> platform;  ///< nullopt: unknown, paths using it are dropped
    std::string lib;
    std::vector<std::string> default_dirs;
};

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

// -------------------------------------------------- dynamic string tokens

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

/// Expands $ORIGIN, $PLATFORM and $LIB (also in braces); an unknown "$X" is
/// kept as it is. nullopt if a known token has no value (ld.so then drops
/// the path).
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

/// Splits DT_RPATH / DT_RUNPATH / LD_LIBRARY_PATH into directories as
/// glibc's fillin_rpath(): an empty element is the current directory
/// (returned as ""), tokens are expanded, elements that expand to nothing
/// are dropped, trailing slashes are removed, duplicates are dropped.
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

// ----------------------------------------------------------- ld.so.conf

/// Opens `path` for reading, or returns an invalid descriptor with errno set.
UniqueFd open_for_reading(const std::string& path) {
    return UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
}

/// The errors that mean "this candidate is not there" rather than "something
/// is wrong": ld.so moves on to the next directory after them.
bool is_absent_error(int err) {
    return err == ENOENT || err == ENOTDIR || err == EACCES || err == EPERM || err == ELOOP ||
           err == ENAMETOOLONG || err == ENXIO;
}

/// The contents of a configuration file; nullopt if it does not exist.
std::optional<std::string> read_config_file(const std::string& path) {
    const UniqueFd fd = open_for_reading(path);
    if (!fd.valid()) {
        if (is_absent_error(errno)) {
            return std::nullopt;
        }
        throw SysError(errno, fmt::format("cannot open \"{}\" for --ldd", path));
    }
    std::string text;
    char buffer[4096];
    while (true) {
        const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EISDIR) {
                return std::nullopt;
            }
            throw SysError(errno, fmt::format("cannot read \"{}\" for --ldd", path));
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

/// Reads ld.so.conf like ldconfig's parse_conf(): one directory per line,
/// '#' starts a comment, "include PATTERN..." reads the files matching the
/// glob patterns (sorted; relative to the including file's directory),
/// "hwcap ..." lines are ignored, a "=TYPE" suffix is ignored.
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

// ------------------------------------------------------------- objects

struct FileId {
    dev_t dev = 0;
    ino_t ino = 0;
    friend auto operator<=>(const FileId&, const FileId&) = default;
};

/// An object in the (simulated) link map.
struct LoadedObject {
    std::string path;                ///< absolute path it was opened at
    std::string origin;              ///< $ORIGIN
    ElfDynamicInfo info;
    std::optional<FileId> id;
    std::size_t loader = no_object;  ///< the object that first needed it
    bool is_library = true;          ///< false: the executable or the interpreter
    std::optional<std::vector<std::string>> rpath_dirs;    ///< decomposed lazily
    std::optional<std::vector<std::string>> runpath_dirs;  ///< decomposed lazily
};

[[noreturn]] void throw_with_hint(const std::exception& error, const std::string& hint) {
    if (const auto* sys = dynamic_cast<const SysError*>(&error)) {
        std::vector<std::string> hints = sys->hints();
        hints.push_back(hint);
        throw SysError(sys->error(), sys->operation(), std::move(hints));
    }
    if (const auto* launch = dynamic_cast<const LaunchError*>(&error)) {
        std::vector<std::string> hints = launch->hints();
        hints.push_back(hint);
        throw LaunchError(launch->what(), std::move(hints));
    }
    // Only called from catch handlers, so there is a current exception.
    // cppcheck-suppress rethrowNoCurrentException
    throw;
}

void require_regular_file(int fd, const std::string& path, FileId* id) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        throw SysError(errno, fmt::format("cannot read \"{}\" for --ldd", path));
    }
    if (!S_ISREG(st.st_mode)) {
        throw LaunchError(fmt::format("\"{}\" is not a regular file", path));
    }
    if (id != nullptr) {
        *id = {st.st_dev, st.st_ino};
    }
}

void require_loadable(const ElfFile& elf) {
    const std::uint16_t type = elf.identity().type;
    if (type != ET_EXEC && type != ET_DYN) {
        throw LaunchError(fmt::format("\"{}\" is not an executable or shared object "
                                      "(ELF type {})", elf.path(), type));
    }
}

/// Opens a candidate library. nullopt if it is not there or is built for
/// another ABI; throws if it is there but not a valid ELF file.
std::optional<LoadedObject> open_candidate(const std::string& path, const ElfIdentity& abi) {
    const UniqueFd fd = open_for_reading(path);
    if (!fd.valid()) {
        if (is_absent_error(errno)) {
            return std::nullopt;
        }
        throw SysError(errno, fmt::format("cannot open \"{}\" for --ldd", path));
    }
    FileId id;
    require_regular_file(fd.get(), path, &id);
    const ElfFile elf(fd.get(), path);
    if (!same_abi(elf.identity(), abi)) {
        return std::nullopt;
    }
    require_loadable(elf);
    LoadedObject object;
    object.path = make_absolute(path, "--ldd");
    object.origin = parent_directory(object.path);
    object.info = elf.read_dynamic_info();
    object.id = id;
    return object;
}

// ------------------------------------------------------------ resolver

class ClosureResolver {
public:
    ClosureResolver(const LddOptions& options, const ElfIdentity& abi)
        : options_(options), abi_(abi), platform_(platform_for(abi, options.default_dirs)) {}

    void run(const std::string& executable, ElfDynamicInfo info, const FileId& id,
             LibraryClosure& closure);

private:
    void add_interpreter(const std::string& interpreter, const std::string& executable);
    void resolve_needed(std::size_t requester, const std::string& needed);
    std::optional<LoadedObject> search(std::size_t requester, const std::string& name);
    std::optional<LoadedObject> search_in(const std::vector<std::string>& dirs,
                                          const std::string& name);
    std::optional<LoadedObject> open_path(const std::string& path);
    const std::vector<std::string>& rpath_dirs(std::size_t index);
    const std::vector<std::string>& runpath_dirs(std::size_t index);
    const std::vector<std::string>& system_dirs(bool nodeflib);
    std::size_t add_object(LoadedObject object);
    void add_name(const std::string& name, std::size_t index);
    std::size_t find_loaded(const std::string& name) const;
    std::size_t find_same_file(const std::optional<FileId>& id) const;
    void add_library_path(const std::string& path);
    void add_missing(const std::string& name);

    const LddOptions& options_;
    ElfIdentity abi_;
    Platform platform_;
    std::deque<LoadedObject> objects_;  // [0] is the executable; references stay valid
    // The names an object answers to in ld.so's _dl_name_match_p: the path
    // it was opened at, the names it was requested as, its DT_SONAME. The
    // first object registered under a name wins, as in ld.so's list walk.
    std::unordered_map<std::string, std::size_t> by_name_;
    std::map<FileId, std::size_t> by_id_;
    std::size_t library_count_ = 0;
    std::vector<std::string> ld_library_path_;
    std::optional<std::vector<std::string>> conf_dirs_;
    std::optional<std::vector<std::string>> conf_dirs_nodeflib_;
    LibraryClosure* closure_ = nullptr;
    std::set<std::string> listed_;
    std::set<std::string> missing_;
};

void ClosureResolver::run(const std::string& executable, ElfDynamicInfo info, const FileId& id,
                          LibraryClosure& closure) {
    closure_ = &closure;
    LoadedObject main;
    main.path = closure.executable;
    main.origin = real_parent_directory(executable);
    main.info = std::move(info);
    main.id = id;
    main.is_library = false;
    ld_library_path_ = split_search_path(options_.ld_library_path, ":;", main.origin, platform_);
    add_object(std::move(main));
    if (!closure.interpreter.empty()) {
        add_interpreter(closure.interpreter, executable);
    }
    // Breadth first, like _dl_map_object_deps: all needs of the executable,
    // then those of its first library, and so on.
    for (std::size_t next = 0; next < objects_.size(); ++next) {
        if (next == 0 || objects_[next].is_library) {
            for (const std::string& needed : objects_[next].info.needed) {
                resolve_needed(next, needed);
            }
        }
    }
}

/// The interpreter is already in the link map when the executable's needs
/// are resolved, under its PT_INTERP path and its DT_SONAME
/// ("ld-linux-x86-64.so.2" needed by libc.so.6 is the interpreter).
void ClosureResolver::add_interpreter(const std::string& interpreter,
                                      const std::string& executable) {
    LoadedObject interp;
    interp.path = interpreter;
    interp.is_library = false;
    const UniqueFd fd = open_for_reading(interpreter);
    if (!fd.valid()) {
        add_name(std::string(base_name(interpreter)), add_object(std::move(interp)));  // exec will fail
        return;
    }
    try {
        FileId id;
        require_regular_file(fd.get(), interpreter, &id);
        interp.id = id;
        const ElfFile elf(fd.get(), interpreter);
        interp.info = elf.read_dynamic_info();
        interp.info.needed.clear();  // the interpreter is self-contained
    } catch (const std::exception& error) {
        throw_with_hint(error, fmt::format("it is the interpreter (PT_INTERP) of \"{}\"",
                                           executable));
    }
    const bool has_soname = interp.info.soname.has_value();
    const std::size_t index = add_object(std::move(interp));
    if (!has_soname) {
        add_name(std::string(base_name(interpreter)), index);
    }
}

void ClosureResolver::resolve_needed(std::size_t requester, const std::string& needed) {
    const std::optional<std::string> name =
        expand_tokens(needed, objects_[requester].origin, platform_);
    if (!name || name->empty()) {
        add_missing(needed);
        return;
    }
    if (find_loaded(*name) != no_object) {
        return;
    }
    std::optional<LoadedObject> found;
    try {
        found = name->find('/') != std::string::npos ? open_path(*name) : search(requester, *name);
    } catch (const std::exception& error) {
        throw_with_hint(error, fmt::format("\"{}\" is needed by \"{}\"", needed,
                                           objects_[requester].path));
    }
    if (!found) {
        add_missing(*name);
        return;
    }
    const std::size_t same = find_same_file(found->id);
    if (same != no_object) {
        // ld.so opens the file, sees it is loaded already and adds the name.
        add_name(*name, same);
        add_library_path(found->path);
        return;
    }
    if (++library_count_ > options_.max_libraries) {
        throw LaunchError(fmt::format("\"{}\" needs more than {} shared libraries",
                                      closure_->executable, options_.max_libraries));
    }
    found->loader = requester;
    add_library_path(found->path);
    add_name(*name, add_object(std::move(*found)));
}

std::optional<LoadedObject> ClosureResolver::search(std::size_t requester,
                                                    const std::string& name) {
    const bool has_runpath = objects_[requester].info.runpath.has_value();
    if (!has_runpath) {
        for (std::size_t i = requester; i != no_object; i = objects_[i].loader) {
            if (auto found = search_in(rpath_dirs(i), name)) {
                return found;
            }
        }
    }
    if (auto found = search_in(ld_library_path_, name)) {
        return found;
    }
    if (has_runpath) {
        if (auto found = search_in(runpath_dirs(requester), name)) {
            return found;
        }
    }
    const bool nodeflib = (objects_[requester].info.flags_1 & DF_1_NODEFLIB) != 0;
    if (auto found = search_in(system_dirs(nodeflib), name)) {
        return found;
    }
    if (!nodeflib) {
        return search_in(platform_.default_dirs, name);
    }
    return std::nullopt;
}

std::optional<LoadedObject> ClosureResolver::search_in(const std::vector<std::string>& dirs,
                                                       const std::string& name) {
    for (const std::string& dir : dirs) {
        if (auto found = open_path(join_path(dir, name))) {
            return found;
        }
    }
    return std::nullopt;
}

std::optional<LoadedObject> ClosureResolver::open_path(const std::string& path) {
    return open_candidate(path, abi_);
}

/// DT_RPATH of an object, ignored when it also has DT_RUNPATH.
const std::vector<std::string>& ClosureResolver::rpath_dirs(std::size_t index) {
    LoadedObject& object = objects_[index];
    if (!object.rpath_dirs) {
        object.rpath_dirs.emplace();
        if (object.info.rpath && !object.info.runpath) {
            object.rpath_dirs = split_search_path(*object.info.rpath, ":", object.origin,
                                                  platform_);
        }
    }
    return *object.rpath_dirs;
}

const std::vector<std::string>& ClosureResolver::runpath_dirs(std::size_t index) {
    LoadedObject& object = objects_[index];
    if (!object.runpath_dirs) {
        object.runpath_dirs.emplace();
        if (object.info.runpath) {
            object.runpath_dirs = split_search_path(*object.info.runpath, ":", object.origin,
                                                    platform_);
        }
    }
    return *object.runpath_dirs;
}

/// The ld.so.conf directories; with DF_1_NODEFLIB without those inside the
/// default directories (ld.so ignores such ld.so.cache entries then).
const std::vector<std::string>& ClosureResolver::system_dirs(bool nodeflib) {
    if (!conf_dirs_) {
        conf_dirs_ = LdSoConfParser().parse(options_.ld_so_conf);
    }
    if (!nodeflib) {
        return *conf_dirs_;
    }
    if (!conf_dirs_nodeflib_) {
        conf_dirs_nodeflib_.emplace();
        for (const std::string& dir : *conf_dirs_) {
            const bool is_default =
                std::any_of(platform_.default_dirs.begin(), platform_.default_dirs.end(),
                            [&](const std::string& d) { return is_within(dir, d); });
            if (!is_default) {
                conf_dirs_nodeflib_->push_back(dir);
            }
        }
    }
    return *conf_dirs_nodeflib_;
}

std::size_t ClosureResolver::add_object(LoadedObject object) {
    const std::size_t index = objects_.size();
    add_name(object.path, index);
    if (object.info.soname) {
        add_name(*object.info.soname, index);
    }
    if (object.id) {
        by_id_.emplace(*object.id, index);
    }
    objects_.push_back(std::move(object));
    return index;
}

void ClosureResolver::add_name(const std::string& name, std::size_t index) {
    by_name_.emplace(name, index);
}

std::size_t ClosureResolver::find_loaded(const std::string& name) const {
    const auto found = by_name_.find(name);
    return found == by_name_.end() ? no_object : found->second;
}

std::size_t ClosureResolver::find_same_file(const std::optional<FileId>& id) const {
    const auto found = id ? by_id_.find(*id) : by_id_.end();
    return found == by_id_.end() ? no_object : found->second;
}

void ClosureResolver::add_library_path(const std::string& path) {
    if (path != closure_->interpreter && listed_.insert(path).second) {
        closure_->libraries.push_back(path);
    }
}

void ClosureResolver::add_missing(const std::string& name) {
    if (missing_.insert(name).second) {
        closure_->missing.push_back(name);
    }
}

} // namespace

LibraryClosure resolve_library_closure(const std::string& executable,
                                       const LddOptions& options) {
    LibraryClosure closure;
    closure.executable = make_absolute(executable, "--ldd");

    const UniqueFd fd = open_for_reading(executable);
    if (!fd.valid()) {
        throw SysError(errno, fmt::format("cannot open \"{}\" for --ldd", executable));
    }
    FileId id;
    require_regular_file(fd.get(), executable, &id);
    switch (sniff_file_format(fd.get(), executable)) {
    case FileFormat::Script:
        return closure;
    case FileFormat::Other:
        throw LaunchError(fmt::format("\"{}\" is not a valid ELF file: it starts neither with "
                                      "the ELF magic number nor with \"#!\"", executable));
    case FileFormat::Elf:
        break;
    }
    const ElfFile elf(fd.get(), executable);
    require_loadable(elf);
    ElfDynamicInfo info = elf.read_dynamic_info();
    closure.is_elf = true;
    closure.interpreter = info.interpreter;

    ClosureResolver resolver(options, elf.identity());
    resolver.run(executable, std::move(info), id, closure);
    return closure;
}

} // namespace sandbox
