// Opening the objects of the simulated link map for --ldd.
#include "command/loaded_object.hpp"
#include "base/error.hpp"
#include "base/path.hpp"

#include <cerrno>
#include <cstdint>

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <fmt/format.h>

namespace sandbox {

UniqueFd open_for_reading(const std::string& path) {
    return UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
}

namespace {

/// The errors that mean "this candidate is not there" rather than "something
/// is wrong": ld.so moves on to the next directory after them.
bool is_absent_error(int err) {
    return err == ENOENT || err == ENOTDIR || err == EACCES || err == EPERM || err == ELOOP ||
           err == ENAMETOOLONG || err == ENXIO;
}

} // namespace

UniqueFd open_if_present(const std::string& path) {
    UniqueFd fd = open_for_reading(path);
    if (!fd.valid()) {
        const int err = errno;
        if (!is_absent_error(err)) {
            throw SysError(err, fmt::format("cannot open \"{}\" for --ldd", path));
        }
    }
    return fd;
}

void require_regular_file(int fd, const std::string& path, FileId* id) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int err = errno;
        throw SysError(err, fmt::format("cannot read \"{}\" for --ldd", path));
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

std::optional<LoadedObject> open_candidate(const std::string& path, const ElfIdentity& abi) {
    const UniqueFd fd = open_if_present(path);
    if (!fd.valid()) {
        return std::nullopt;
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

} // namespace sandbox
