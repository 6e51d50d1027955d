#include "command/elf.hpp"

#include "base/error.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstddef>
#include <optional>
#include <span>
#include <stdexcept>
#include <string_view>
#include <utility>

#include <elf.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <fmt/format.h>

namespace sandbox {

namespace {

// Limits on what we are willing to read. Real files are far below them.
constexpr std::uint64_t max_program_header_bytes = 65536;  // as fs/binfmt_elf.c
constexpr std::uint64_t max_dynamic_bytes = 1U << 20;
constexpr std::size_t max_string_bytes = 1U << 16;
constexpr std::size_t string_chunk_bytes = 256;

/// Where the fields we need are, for one ELF class.
struct Layout {
    std::size_t ehdr_size;
    std::size_t phdr_size;
    std::size_t dyn_size;
    std::size_t word_size;  ///< Elf_Addr / Elf_Off / Elf_Xword / Elf_Sxword
    std::size_t e_phoff;
    std::size_t e_phentsize;
    std::size_t e_phnum;
    std::size_t p_offset;
    std::size_t p_vaddr;
    std::size_t p_filesz;
};

// Offsets from <elf.h>'s Elf64_Ehdr/Elf64_Phdr and Elf32_Ehdr/Elf32_Phdr.
constexpr Layout layout_64{64, 56, 16, 8, 32, 54, 56, 8, 16, 32};
constexpr Layout layout_32{52, 32, 8, 4, 28, 42, 44, 4, 8, 16};

// Offsets common to both classes.
constexpr std::size_t e_type_offset = 16;
constexpr std::size_t e_machine_offset = 18;
constexpr std::size_t e_version_offset = 20;
constexpr std::size_t p_type_offset = 0;

const Layout& layout_for(ElfClass elf_class) {
    return elf_class == ElfClass::Elf64 ? layout_64 : layout_32;
}

struct Segment {
    std::uint32_t type = 0;
    std::uint64_t offset = 0;
    std::uint64_t vaddr = 0;
    std::uint64_t filesz = 0;
};

/// A range of the file: [offset, offset + size).
struct FileRange {
    std::uint64_t offset = 0;
    std::uint64_t size = 0;
};

/// Whether [offset, offset + size) lies within [0, limit), without overflow.
bool fits(std::uint64_t offset, std::uint64_t size, std::uint64_t limit) {
    return offset <= limit && size <= limit - offset;
}

[[noreturn]] void throw_invalid(const std::string& path, std::string_view reason) {
    throw LaunchError(fmt::format("\"{}\" is not a valid ELF file: {}", path, reason));
}

/// Decodes an unsigned integer of `width` bytes at `offset` of `bytes`.
std::uint64_t decode(std::span<const unsigned char> bytes, std::size_t offset,
                     std::size_t width, ElfByteOrder order) {
    if (offset > bytes.size() || width > bytes.size() - offset || width > 8) {
        throw std::logic_error("ELF field decoded outside its buffer");
    }
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < width; ++i) {
        const std::size_t index = order == ElfByteOrder::Little ? width - 1 - i : i;
        value = (value << 8U) | bytes[offset + index];
    }
    return value;
}

/// Reads up to out.size() bytes at `offset`; fewer only at the end of the file.
std::size_t read_some(int fd, const std::string& path, std::uint64_t offset,
                      std::span<unsigned char> out) {
    std::size_t done = 0;
    while (done < out.size()) {
        const ssize_t n = ::pread(fd, out.data() + done, out.size() - done,
                                  static_cast<off_t>(offset + done));
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            const int err = errno;
            throw SysError(err, fmt::format("cannot read \"{}\" for --ldd", path));
        }
        if (n == 0) {
            break;
        }
        done += static_cast<std::size_t>(n);
    }
    return done;
}

/// Reads exactly out.size() bytes at `offset`; the caller has checked that
/// they lie within the file, so a short read means the file shrank.
void read_exact(int fd, const std::string& path, std::uint64_t offset,
                std::span<unsigned char> out) {
    if (read_some(fd, path, offset, out) != out.size()) {
        throw_invalid(path, "the file ended early (was it truncated while being read?)");
    }
}

std::vector<unsigned char> read_range(int fd, const std::string& path, FileRange range) {
    std::vector<unsigned char> bytes(range.size);
    read_exact(fd, path, range.offset, bytes);
    return bytes;
}

/// Everything of the dynamic section we use, before the strings are read.
struct DynamicEntries {
    std::vector<std::uint64_t> needed;
    std::optional<std::uint64_t> rpath;
    std::optional<std::uint64_t> runpath;
    std::optional<std::uint64_t> soname;
    std::optional<std::uint64_t> strtab;
    std::optional<std::uint64_t> strsz;
    std::uint64_t flags_1 = 0;

    bool has_strings() const {
        return !needed.empty() || rpath || runpath || soname;
    }
};

/// Reads the parts of an ElfFile past its header; holds what they share.
class DynamicReader {
public:
    DynamicReader(int fd, const std::string& path, std::uint64_t file_size,
                  const ElfIdentity& identity)
        : fd_(fd), path_(path), file_size_(file_size),
          layout_(layout_for(identity.elf_class)), order_(identity.byte_order) {}

    std::vector<Segment> read_segments(std::uint64_t phoff, std::uint16_t phentsize,
                                       std::uint16_t phnum) const;
    std::string read_interpreter(const Segment& interp) const;
    DynamicEntries read_dynamic(const std::vector<Segment>& segments,
                                const Segment& dynamic) const;
    ElfDynamicInfo resolve_strings(const std::vector<Segment>& segments,
                                   const DynamicEntries& entries) const;

private:
    FileRange map_address(const std::vector<Segment>& segments, std::uint64_t vaddr,
                          std::string_view what) const;
    std::string read_string(FileRange table, std::uint64_t index) const;

    int fd_;
    const std::string& path_;
    std::uint64_t file_size_;
    const Layout& layout_;
    ElfByteOrder order_;
};

std::vector<Segment> DynamicReader::read_segments(std::uint64_t phoff,
                                                  std::uint16_t phentsize,
                                                  std::uint16_t phnum) const {
    if (phnum == 0) {
        return {};
    }
    if (phnum == PN_XNUM) {
        throw_invalid(path_, "extended program header numbering (PN_XNUM) is not supported");
    }
    if (phentsize != layout_.phdr_size) {
        throw_invalid(path_, fmt::format("program header entries are {} bytes, expected {}",
                                         phentsize, layout_.phdr_size));
    }
    const std::uint64_t table_size = std::uint64_t{phnum} * phentsize;
    if (table_size > max_program_header_bytes) {
        throw_invalid(path_, fmt::format("too many program headers ({})", phnum));
    }
    if (!fits(phoff, table_size, file_size_)) {
        throw_invalid(path_, "program header table lies outside the file");
    }
    const std::vector<unsigned char> table = read_range(fd_, path_, {phoff, table_size});
    const std::span<const unsigned char> bytes(table);
    const std::size_t word = layout_.word_size;

    std::vector<Segment> segments;
    segments.reserve(phnum);
    for (std::size_t i = 0; i < phnum; ++i) {
        const auto entry = bytes.subspan(i * layout_.phdr_size, layout_.phdr_size);
        segments.push_back({
            .type = static_cast<std::uint32_t>(decode(entry, p_type_offset, 4, order_)),
            .offset = decode(entry, layout_.p_offset, word, order_),
            .vaddr = decode(entry, layout_.p_vaddr, word, order_),
            .filesz = decode(entry, layout_.p_filesz, word, order_),
        });
    }
    return segments;
}

std::string DynamicReader::read_interpreter(const Segment& interp) const {
    // The kernel's rules (fs/binfmt_elf.c): 2..PATH_MAX bytes, NUL-terminated.
    if (interp.filesz < 2 || interp.filesz > PATH_MAX) {
        throw_invalid(path_, fmt::format("PT_INTERP has an invalid size ({} bytes)",
                                         interp.filesz));
    }
    if (!fits(interp.offset, interp.filesz, file_size_)) {
        throw_invalid(path_, "PT_INTERP lies outside the file");
    }
    const std::vector<unsigned char> bytes =
        read_range(fd_, path_, {interp.offset, interp.filesz});
    if (bytes.back() != 0) {
        throw_invalid(path_, "PT_INTERP is not NUL-terminated");
    }
    std::string name(reinterpret_cast<const char*>(bytes.data()));
    if (name.empty()) {
        throw_invalid(path_, "PT_INTERP is empty");
    }
    return name;
}

/// The file range holding `vaddr` and what follows it in the same PT_LOAD
/// segment (the part of the segment backed by the file).
FileRange DynamicReader::map_address(const std::vector<Segment>& segments,
                                     std::uint64_t vaddr, std::string_view what) const {
    for (const Segment& segment : segments) {
        if (segment.type != PT_LOAD || vaddr < segment.vaddr ||
            vaddr - segment.vaddr >= segment.filesz) {
            continue;
        }
        if (!fits(segment.offset, segment.filesz, file_size_)) {
            throw_invalid(path_, fmt::format("the loadable segment holding {} lies outside "
                                             "the file", what));
        }
        const std::uint64_t delta = vaddr - segment.vaddr;
        return {segment.offset + delta, segment.filesz - delta};
    }
    throw_invalid(path_, fmt::format("{} (address {:#x}) is not in any loadable segment "
                                     "of the file", what, vaddr));
}

DynamicEntries DynamicReader::read_dynamic(const std::vector<Segment>& segments,
                                           const Segment& dynamic) const {
    if (dynamic.filesz == 0) {
        throw_invalid(path_, "PT_DYNAMIC is empty");
    }
    if (dynamic.filesz > max_dynamic_bytes) {
        throw_invalid(path_, fmt::format("PT_DYNAMIC is too large ({} bytes)", dynamic.filesz));
    }
    const FileRange where = map_address(segments, dynamic.vaddr, "the dynamic section");
    if (dynamic.filesz > where.size) {
        throw_invalid(path_, "the dynamic section extends past its loadable segment");
    }
    const std::uint64_t count = dynamic.filesz / layout_.dyn_size;
    const std::vector<unsigned char> table =
        read_range(fd_, path_, {where.offset, count * layout_.dyn_size});
    const std::span<const unsigned char> bytes(table);
    const std::size_t word = layout_.word_size;

    DynamicEntries entries;
    for (std::size_t i = 0; i < count; ++i) {
        const auto entry = bytes.subspan(i * layout_.dyn_size, layout_.dyn_size);
        const std::uint64_t tag = decode(entry, 0, word, order_);
        const std::uint64_t value = decode(entry, word, word, order_);
        switch (tag) {
        case DT_NULL: return entries;
        case DT_NEEDED: entries.needed.push_back(value); break;
        case DT_RPATH: entries.rpath = value; break;
        case DT_RUNPATH: entries.runpath = value; break;
        case DT_SONAME: entries.soname = value; break;
        case DT_STRTAB: entries.strtab = value; break;
        case DT_STRSZ: entries.strsz = value; break;
        case DT_FLAGS_1: entries.flags_1 = value; break;
        default: break;
        }
    }
    return entries;  // no DT_NULL: the end of the segment ends the table
}

std::string DynamicReader::read_string(FileRange table, std::uint64_t index) const {
    if (index >= table.size) {
        throw_invalid(path_, fmt::format("dynamic string offset {} lies outside the string "
                                         "table", index));
    }
    std::uint64_t position = table.offset + index;
    const std::uint64_t end = table.offset + table.size;
    std::string text;
    std::array<unsigned char, string_chunk_bytes> chunk{};
    while (position < end && text.size() <= max_string_bytes) {
        const std::size_t want =
            static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), end - position));
        const std::span<unsigned char> part(chunk.data(), want);
        read_exact(fd_, path_, position, part);
        for (const unsigned char c : part) {
            if (c == 0) {
                return text;
            }
            text.push_back(static_cast<char>(c));
        }
        position += want;
    }
    if (text.size() > max_string_bytes) {
        throw_invalid(path_, "a dynamic string is too long");
    }
    throw_invalid(path_, "a dynamic string is not NUL-terminated within the string table");
}

ElfDynamicInfo DynamicReader::resolve_strings(const std::vector<Segment>& segments,
                                              const DynamicEntries& entries) const {
    ElfDynamicInfo info;
    info.has_dynamic = true;
    info.flags_1 = entries.flags_1;
    if (!entries.has_strings()) {
        return info;
    }
    if (!entries.strtab) {
        throw_invalid(path_, "the dynamic section has strings but no DT_STRTAB");
    }
    FileRange table = map_address(segments, *entries.strtab, "DT_STRTAB");
    if (entries.strsz && *entries.strsz < table.size) {
        table.size = *entries.strsz;
    }
    for (const std::uint64_t index : entries.needed) {
        info.needed.push_back(read_string(table, index));
    }
    const auto read_optional = [&](const std::optional<std::uint64_t>& index) {
        return index ? std::optional<std::string>(read_string(table, *index)) : std::nullopt;
    };
    info.rpath = read_optional(entries.rpath);
    info.runpath = read_optional(entries.runpath);
    info.soname = read_optional(entries.soname);
    return info;
}

} // namespace

bool same_abi(const ElfIdentity& a, const ElfIdentity& b) noexcept {
    return a.elf_class == b.elf_class && a.byte_order == b.byte_order &&
           a.machine == b.machine;
}

FileFormat sniff_file_format(int fd, const std::string& path) {
    std::array<unsigned char, SELFMAG> start{};
    const std::size_t got = read_some(fd, path, 0, start);
    const std::string_view text(reinterpret_cast<const char*>(start.data()), got);
    if (text == std::string_view(ELFMAG, SELFMAG)) {
        return FileFormat::Elf;
    }
    if (text.starts_with("#!")) {
        return FileFormat::Script;
    }
    return FileFormat::Other;
}

ElfFile::ElfFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) {
        const int err = errno;
        throw SysError(err, fmt::format("cannot read \"{}\" for --ldd", path_));
    }
    file_size_ = static_cast<std::uint64_t>(st.st_size);

    std::array<unsigned char, layout_64.ehdr_size> header{};
    const std::size_t got = read_some(fd_, path_, 0, header);
    if (got < EI_NIDENT) {
        throw_invalid(path_, "the file is too short for an ELF header");
    }
    if (std::string_view(reinterpret_cast<const char*>(header.data()), SELFMAG) !=
        std::string_view(ELFMAG, SELFMAG)) {
        throw_invalid(path_, "it does not start with the ELF magic number");
    }
    const unsigned elf_class = header[EI_CLASS];
    if (elf_class != ELFCLASS32 && elf_class != ELFCLASS64) {
        throw_invalid(path_, fmt::format("unknown ELF class {}", elf_class));
    }
    const unsigned data = header[EI_DATA];
    if (data != ELFDATA2LSB && data != ELFDATA2MSB) {
        throw_invalid(path_, fmt::format("unknown ELF byte order {}", data));
    }
    if (header[EI_VERSION] != EV_CURRENT) {
        throw_invalid(path_, fmt::format("unknown ELF version {}", header[EI_VERSION]));
    }
    identity_.elf_class = elf_class == ELFCLASS64 ? ElfClass::Elf64 : ElfClass::Elf32;
    identity_.byte_order = data == ELFDATA2LSB ? ElfByteOrder::Little : ElfByteOrder::Big;

    const Layout& layout = layout_for(identity_.elf_class);
    if (got < layout.ehdr_size) {
        throw_invalid(path_, "the file is too short for an ELF header");
    }
    const std::span<const unsigned char> bytes(header.data(), layout.ehdr_size);
    const ElfByteOrder order = identity_.byte_order;
    if (decode(bytes, e_version_offset, 4, order) != EV_CURRENT) {
        throw_invalid(path_, "unknown ELF version in e_version");
    }
    identity_.type = static_cast<std::uint16_t>(decode(bytes, e_type_offset, 2, order));
    identity_.machine = static_cast<std::uint16_t>(decode(bytes, e_machine_offset, 2, order));
    phoff_ = decode(bytes, layout.e_phoff, layout.word_size, order);
    phentsize_ = static_cast<std::uint16_t>(decode(bytes, layout.e_phentsize, 2, order));
    phnum_ = static_cast<std::uint16_t>(decode(bytes, layout.e_phnum, 2, order));
}

ElfDynamicInfo ElfFile::read_dynamic_info() const {
    const DynamicReader reader(fd_, path_, file_size_, identity_);
    const std::vector<Segment> segments = reader.read_segments(phoff_, phentsize_, phnum_);

    const Segment* interp = nullptr;   // the kernel uses the first PT_INTERP
    const Segment* dynamic = nullptr;  // ld.so uses the last PT_DYNAMIC
    for (const Segment& segment : segments) {
        if (segment.type == PT_INTERP && interp == nullptr) {
            interp = &segment;
        } else if (segment.type == PT_DYNAMIC) {
            dynamic = &segment;
        }
    }

    ElfDynamicInfo info;
    if (dynamic != nullptr) {
        info = reader.resolve_strings(segments, reader.read_dynamic(segments, *dynamic));
    }
    if (interp != nullptr) {
        info.interpreter = reader.read_interpreter(*interp);
    }
    return info;
}

} // namespace sandbox
