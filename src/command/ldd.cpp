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
// The dynamic string tokens ($ORIGIN, $PLATFORM, $LIB) and the default
// directories are described in search_path.hpp.
//
// Not modelled: the glibc-hwcaps (x86-64-v2/v3/v4) and legacy hwcap (tls/,
// x86_64/) subdirectories ld.so tries first in every directory — a library
// there is not found here, and ld.so falls back to the plain directory when
// the sandbox denies it (EACCES); ld.so.cache itself (libraries ldconfig has
// not indexed are found here but not by ld.so); secure mode for set-user-ID
// programs; LD_PRELOAD and /etc/ld.so.preload.
#include "command/ldd.hpp"
#include "command/elf.hpp"
#include "command/ld_so_conf.hpp"
#include "command/loaded_object.hpp"
#include "command/search_path.hpp"
#include "base/error.hpp"
#include "base/path.hpp"
#include "base/unique_fd.hpp"

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <deque>
#include <exception>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include <elf.h>

#include <fmt/format.h>

namespace sandbox {

namespace {

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
        conf_dirs_ = read_ld_so_conf(options_.ld_so_conf);
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
        const int err = errno;
        throw SysError(err, fmt::format("cannot open \"{}\" for --ldd", executable));
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
