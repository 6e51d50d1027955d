// A minimal, defensive ELF reader: just enough for --ldd. It reads the ELF
// header, PT_INTERP and the DT_NEEDED / DT_RPATH / DT_RUNPATH / DT_SONAME /
// DT_FLAGS_1 entries of the dynamic section, for ELF32 and ELF64 in either
// byte order.
//
// The file is read with pread() from a descriptor the caller owns. Every
// offset, size and count taken from the file is checked against the file size
// (and against fixed limits) before it is used, so a truncated or hostile file
// gives a LaunchError ("... is not a valid ELF file: ..."), never a crash or an
// out-of-bounds read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sandbox {

enum class ElfClass : std::uint8_t { Elf32 = 1, Elf64 = 2 };
enum class ElfByteOrder : std::uint8_t { Little = 1, Big = 2 };

/// What ld.so compares before it accepts a library for an executable.
struct ElfIdentity {
    ElfClass elf_class = ElfClass::Elf64;
    ElfByteOrder byte_order = ElfByteOrder::Little;
    std::uint16_t type = 0;     ///< e_type: ET_EXEC, ET_DYN, ...
    std::uint16_t machine = 0;  ///< e_machine: EM_X86_64, EM_386, ...
};

/// Same class, byte order and machine: a library built for `a` can be loaded
/// into a process of `b` (ld.so silently skips the others while searching).
bool same_abi(const ElfIdentity& a, const ElfIdentity& b) noexcept;

/// The parts of the program headers and the dynamic section ld.so looks at.
struct ElfDynamicInfo {
    std::string interpreter;             ///< PT_INTERP up to its NUL; empty if none
    bool has_dynamic = false;            ///< there is a PT_DYNAMIC segment
    std::vector<std::string> needed;     ///< DT_NEEDED, in order
    std::optional<std::string> rpath;    ///< DT_RPATH (the last one, as ld.so)
    std::optional<std::string> runpath;  ///< DT_RUNPATH
    std::optional<std::string> soname;   ///< DT_SONAME
    std::uint64_t flags_1 = 0;           ///< DT_FLAGS_1 (DF_1_NODEFLIB, ...)
};

enum class FileFormat { Elf, Script, Other };

/// Looks at the first bytes of the file: the ELF magic, "#!", or anything else
/// (including a file shorter than the magic). Throws SysError if pread fails.
FileFormat sniff_file_format(int fd, const std::string& path);

/// An ELF file being read through a descriptor it does not own; the
/// descriptor must stay open while the object is used.
class ElfFile {
public:
    /// Reads and checks the ELF identification and header (magic, class, byte
    /// order, version, size). `path` is only used in messages. Throws SysError
    /// if fstat/pread fail and LaunchError if the header is invalid. The
    /// program headers are only checked by read_dynamic_info(), so that the
    /// caller can look at identity() first, as ld.so does.
    ElfFile(int fd, std::string path);

    const ElfIdentity& identity() const noexcept { return identity_; }
    const std::string& path() const noexcept { return path_; }

    /// Reads the program headers, PT_INTERP and the dynamic section, and the
    /// strings they refer to. The dynamic section and DT_STRTAB are located
    /// through their virtual addresses and the PT_LOAD segments, as ld.so
    /// sees them in memory. Throws like the constructor.
    ElfDynamicInfo read_dynamic_info() const;

private:
    int fd_;
    std::string path_;
    std::uint64_t file_size_ = 0;
    ElfIdentity identity_;
    std::uint64_t phoff_ = 0;
    std::uint16_t phentsize_ = 0;
    std::uint16_t phnum_ = 0;
};

} // namespace sandbox
