// Tests for the --ldd resolver (src/command/ldd.cpp) and the ELF reader
// (src/command/elf.cpp). Fixtures are built at test time with `cc` in
// temporary directories and checked against the system's ld.so (in the trace
// mode that ldd uses).
#include "command/elf.hpp"
#include "command/ldd.hpp"
#include "base/error.hpp"
#include "base/unique_fd.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sandbox {
namespace {

namespace fs = std::filesystem;

constexpr const char* system_loader = "/lib64/ld-linux-x86-64.so.2";

// ------------------------------------------------------------- helpers

using sandbox_it::TempDir;

/// Changes the current directory for the lifetime of the object.
class ScopedChdir {
public:
    explicit ScopedChdir(const std::string& dir) : old_(fs::current_path()) {
        fs::current_path(dir);
    }
    ScopedChdir(const ScopedChdir&) = delete;
    ScopedChdir& operator=(const ScopedChdir&) = delete;
    ~ScopedChdir() {
        std::error_code ignored;
        fs::current_path(old_, ignored);
    }

private:
    fs::path old_;
};

void write_file(const std::string& path, const std::string& text) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    ASSERT_TRUE(out.good()) << path;
}

void write_bytes(const std::string& path, const std::vector<unsigned char>& bytes) {
    write_file(path, std::string(bytes.begin(), bytes.end()));
}

std::vector<unsigned char> read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Runs a shell command and returns its standard output.
std::string capture(const std::string& command) {
    std::unique_ptr<FILE, decltype(&::pclose)> pipe(::popen(command.c_str(), "r"), &::pclose);
    if (!pipe) {
        return {};
    }
    std::string out;
    std::array<char, 4096> buffer{};
    std::size_t n = 0;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe.get())) > 0) {
        out.append(buffer.data(), n);
    }
    return out;
}

bool have_compiler() {
    static const bool have = std::system("cc --version >/dev/null 2>&1") == 0;
    return have;
}

bool have_system_loader() {
    return ::access(system_loader, X_OK) == 0;
}

/// Compiles with cc in `dir`; `args` are appended as they are (shell syntax).
void compile_in(const std::string& dir, const std::string& args) {
    // --no-as-needed: keep DT_NEEDED entries even for unused libraries.
    const std::string command = "cd '" + dir + "' && cc -w -Wl,--no-as-needed " + args + " 2>&1";
    const std::string output = capture(command + "; echo \"rc=$?\"");
    ASSERT_NE(output.find("rc=0"), std::string::npos) << command << "\n" << output;
}

void compile(const std::string& args) {
    compile_in("/", args);
}

std::string real_path(const std::string& path) {
    std::error_code error;
    const fs::path real = fs::canonical(path, error);
    return error ? path : real.string();
}

std::set<std::string> real_paths(const std::vector<std::string>& paths) {
    std::set<std::string> out;
    for (const std::string& path : paths) {
        out.insert(real_path(path));
    }
    return out;
}

struct LoaderListing {
    std::set<std::string> libraries;  ///< real paths, interpreter excluded
    std::set<std::string> missing;
};

/// What the system's ld.so reports in trace mode (as ldd runs it; unlike
/// "ld.so --list" it goes on after a missing library), with a clean
/// environment.
LoaderListing list_with_system_loader(const std::string& path,
                                      const std::string& ld_library_path = "") {
    std::string command = "env -i LD_TRACE_LOADED_OBJECTS=1 ";
    if (!ld_library_path.empty()) {
        command += "LD_LIBRARY_PATH='" + ld_library_path + "' ";
    }
    command += std::string(system_loader) + " '" + path + "' 2>/dev/null";
    LoaderListing listing;
    std::istringstream lines(capture(command));
    const std::string interpreter = real_path(system_loader);
    for (std::string line; std::getline(lines, line);) {
        const std::size_t arrow = line.find(" => ");
        if (arrow == std::string::npos) {
            continue;  // vdso and the interpreter
        }
        std::string name = line.substr(0, arrow);
        name.erase(0, name.find_first_not_of(" \t"));
        std::string target = line.substr(arrow + 4);
        if (target.starts_with("not found")) {
            listing.missing.insert(name);
            continue;
        }
        target = target.substr(0, target.rfind(" ("));
        if (real_path(target) != interpreter) {
            listing.libraries.insert(real_path(target));
        }
    }
    return listing;
}

/// Our result must match the system's ld.so (as sets of real paths).
void expect_same_as_system_loader(const std::string& path, const LddOptions& options = {}) {
    if (!have_system_loader()) {
        GTEST_SKIP() << system_loader << " not found";
    }
    const LibraryClosure closure = resolve_library_closure(path, options);
    const LoaderListing expected = list_with_system_loader(path, options.ld_library_path);
    std::set<std::string> ours = real_paths(closure.libraries);
    ours.erase(real_path(system_loader));
    EXPECT_EQ(ours, expected.libraries) << path;
    EXPECT_EQ(std::set<std::string>(closure.missing.begin(), closure.missing.end()),
              expected.missing)
        << path;
}

bool contains(const std::vector<std::string>& items, const std::string& item) {
    return std::find(items.begin(), items.end(), item) != items.end();
}

/// Options that ignore the machine's ld.so.conf, so fixtures are hermetic
/// apart from the default directories.
LddOptions hermetic_options(const TempDir& dir) {
    LddOptions options;
    options.ld_so_conf = dir / "no-such-ld.so.conf";
    return options;
}

// ------------------------------------------------------------ fixtures

/// Builds a tree of small programs and libraries in a temporary directory.
class LddFixture : public ::testing::Test {
protected:
    void SetUp() override {
        if (!have_compiler()) {
            GTEST_SKIP() << "cc not available";
        }
        write_file(dir_ / "src/main.c",
                   "int priv(void);\nint main(void) { return priv(); }\n");
        write_file(dir_ / "src/priv.c", "int priv(void) { return 0; }\n");
        write_file(dir_ / "src/empty.c", "int main(void) { return 0; }\n");
    }

    /// A library whose soname is its file name, built into dir/name.
    void build_library(const std::string& dir, const std::string& name,
                       const std::string& extra = "") {
        fs::create_directories(dir);
        compile("-shared -fPIC -o " + dir + "/" + name + " " + dir_ / "src/priv.c" +
                " -Wl,-soname," + name + " " + extra);
    }

    /// A program needing libpriv.so (found in `link_dir` at link time).
    void build_program(const std::string& output, const std::string& link_dir,
                       const std::string& extra = "") {
        fs::create_directories(fs::path(output).parent_path());
        compile("-o " + output + " " + dir_ / "src/main.c" + " -L" + link_dir + " -lpriv " +
                extra);
    }

    ElfDynamicInfo dynamic_info(const std::string& path) {
        const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        EXPECT_TRUE(fd.valid()) << path;
        return ElfFile(fd.get(), path).read_dynamic_info();
    }

    TempDir dir_;
};

// ------------------------------------------------- system binaries

TEST(LddSystem, ResolvesTrue) {
    const LibraryClosure closure = resolve_library_closure("/bin/true");
    EXPECT_TRUE(closure.is_elf);
    EXPECT_EQ(closure.executable, "/bin/true");
    EXPECT_EQ(closure.interpreter, "/lib64/ld-linux-x86-64.so.2");
    ASSERT_FALSE(closure.libraries.empty());
    EXPECT_TRUE(std::any_of(closure.libraries.begin(), closure.libraries.end(),
                            [](const std::string& p) { return p.ends_with("/libc.so.6"); }));
    EXPECT_TRUE(closure.missing.empty());
    for (const std::string& library : closure.libraries) {
        EXPECT_TRUE(library.starts_with('/')) << library;
        // libc.so.6 needs ld-linux-x86-64.so.2: that is the interpreter.
        EXPECT_EQ(library.find("ld-linux"), std::string::npos) << library;
    }
}

TEST(LddSystem, ResolvesShell) {
    const LibraryClosure closure = resolve_library_closure("/bin/sh");
    EXPECT_TRUE(closure.is_elf);
    EXPECT_EQ(closure.interpreter, "/lib64/ld-linux-x86-64.so.2");
    EXPECT_TRUE(std::any_of(closure.libraries.begin(), closure.libraries.end(),
                            [](const std::string& p) { return p.ends_with("/libc.so.6"); }));
    EXPECT_TRUE(closure.missing.empty());
}

TEST(LddSystem, DefaultDirectoriesComeFromTheMachine) {
    TempDir dir;
    const LibraryClosure closure = resolve_library_closure("/bin/true", hermetic_options(dir));
    ASSERT_EQ(closure.libraries.size(), 1U);
    if (fs::is_directory("/lib/x86_64-linux-gnu")) {
        EXPECT_EQ(closure.libraries[0], "/lib/x86_64-linux-gnu/libc.so.6");
    }
}

TEST(LddSystem, MatchesSystemLoader) {
    const std::vector<std::string> candidates = {
        "/usr/bin/python3", "/bin/bash",     "/usr/bin/ssh",   "/usr/bin/curl",
        "/usr/bin/git",     "/usr/bin/cmake", "/usr/bin/gdb",  "/usr/bin/perl",
        "/usr/bin/gpg",     "/usr/bin/systemctl",
    };
    int compared = 0;
    for (const std::string& path : candidates) {
        if (::access(path.c_str(), X_OK) == 0) {
            expect_same_as_system_loader(path);
            ++compared;
        }
    }
    EXPECT_GE(compared, 2);
}

TEST(LddSystem, ScriptIsNotElf) {
    TempDir dir;
    write_file(dir / "script.sh", "#!/bin/sh\necho hello\n");
    const LibraryClosure closure = resolve_library_closure(dir / "script.sh");
    EXPECT_FALSE(closure.is_elf);
    EXPECT_TRUE(closure.interpreter.empty());
    EXPECT_TRUE(closure.libraries.empty());
    EXPECT_TRUE(closure.missing.empty());
}

TEST(LddSystem, RelativeExecutableIsMadeAbsolute) {
    TempDir dir;
    write_file(dir / "script", "#!/bin/sh\n");
    const ScopedChdir chdir(dir.path());
    EXPECT_EQ(resolve_library_closure("script").executable, real_path(dir.path()) + "/script");
}

TEST(LddSystem, MissingExecutableIsSysError) {
    try {
        resolve_library_closure("/nonexistent/program");
        FAIL() << "expected SysError";
    } catch (const SysError& error) {
        EXPECT_EQ(error.error(), ENOENT);
        EXPECT_EQ(error.operation(), "cannot open \"/nonexistent/program\" for --ldd");
    }
}

TEST(LddSystem, DirectoryIsLaunchError) {
    EXPECT_THROW(resolve_library_closure("/tmp"), LaunchError);
}

TEST(LddSystem, TextFileIsLaunchError) {
    TempDir dir;
    write_file(dir / "text", "hello\n");
    EXPECT_THROW(resolve_library_closure(dir / "text"), LaunchError);
    write_file(dir / "empty", "");
    EXPECT_THROW(resolve_library_closure(dir / "empty"), LaunchError);
}

// ------------------------------------------------ search-path fixtures

TEST_F(LddFixture, RunpathOriginIsResolved) {
    build_library(dir_ / "app/lib", "libpriv.so");
    build_program(dir_ / "app/bin/prog", dir_ / "app/lib", "-Wl,--enable-new-dtags,-rpath,'$ORIGIN/../lib'");
    const ElfDynamicInfo info = dynamic_info(dir_ / "app/bin/prog");
    ASSERT_EQ(info.runpath, "$ORIGIN/../lib");
    EXPECT_FALSE(info.rpath);

    const LibraryClosure closure = resolve_library_closure(dir_ / "app/bin/prog");
    EXPECT_TRUE(contains(closure.libraries, dir_ / "app/bin/../lib/libpriv.so"));
    EXPECT_TRUE(closure.missing.empty());
    expect_same_as_system_loader(dir_ / "app/bin/prog");
}

TEST_F(LddFixture, OriginOfExecutableIsItsRealDirectory) {
    build_library(dir_ / "app/lib", "libpriv.so");
    build_program(dir_ / "app/bin/prog", dir_ / "app/lib", "-Wl,-rpath,'${ORIGIN}/../lib'");
    fs::create_directories(dir_ / "elsewhere/deeper");
    fs::create_symlink(dir_ / "app/bin/prog", dir_ / "elsewhere/deeper/link");
    const LibraryClosure closure = resolve_library_closure(dir_ / "elsewhere/deeper/link");
    EXPECT_TRUE(contains(closure.libraries, real_path(dir_.path()) + "/app/bin/../lib/libpriv.so"))
        << ::testing::PrintToString(closure.libraries);
    EXPECT_TRUE(closure.missing.empty());
}

TEST_F(LddFixture, RpathIsResolvedAndInherited) {
    // prog (DT_RPATH=rdir) -> libpriv.so (no paths) -> libdep.so, found only
    // through prog's DT_RPATH: ld.so searches the RPATH of the loaders too.
    build_library(dir_ / "rdir", "libdep.so");
    build_library(dir_ / "rdir", "libpriv.so", "-L" + dir_ / "rdir" + " -ldep");
    build_program(dir_ / "bin/prog", dir_ / "rdir",
                  "-Wl,--disable-new-dtags,-rpath," + dir_ / "rdir");
    const ElfDynamicInfo info = dynamic_info(dir_ / "bin/prog");
    ASSERT_EQ(info.rpath, dir_ / "rdir");
    EXPECT_FALSE(info.runpath);

    const LibraryClosure closure = resolve_library_closure(dir_ / "bin/prog");
    EXPECT_TRUE(contains(closure.libraries, dir_ / "rdir/libpriv.so"));
    EXPECT_TRUE(contains(closure.libraries, dir_ / "rdir/libdep.so"));
    EXPECT_TRUE(closure.missing.empty());
    expect_same_as_system_loader(dir_ / "bin/prog");
}

TEST_F(LddFixture, RunpathIsNotInherited) {
    // Same as above with DT_RUNPATH: it only applies to prog's own needs.
    build_library(dir_ / "rdir", "libdep.so");
    build_library(dir_ / "rdir", "libpriv.so", "-L" + dir_ / "rdir" + " -ldep");
    build_program(dir_ / "bin/prog", dir_ / "rdir",
                  "-Wl,--enable-new-dtags,-rpath," + dir_ / "rdir");
    const LibraryClosure closure = resolve_library_closure(dir_ / "bin/prog", hermetic_options(dir_));
    EXPECT_TRUE(contains(closure.libraries, dir_ / "rdir/libpriv.so"));
    EXPECT_EQ(closure.missing, std::vector<std::string>{"libdep.so"});
    expect_same_as_system_loader(dir_ / "bin/prog");
}

TEST_F(LddFixture, LdLibraryPathOption) {
    build_library(dir_ / "llp", "libpriv.so");
    build_program(dir_ / "bin/prog", dir_ / "llp");

    LddOptions options = hermetic_options(dir_);
    const LibraryClosure without = resolve_library_closure(dir_ / "bin/prog", options);
    EXPECT_EQ(without.missing, std::vector<std::string>{"libpriv.so"});

    options.ld_library_path = dir_ / "nonexistent" + ":" + dir_ / "llp/";
    const LibraryClosure with = resolve_library_closure(dir_ / "bin/prog", options);
    EXPECT_TRUE(contains(with.libraries, dir_ / "llp/libpriv.so"));
    EXPECT_TRUE(with.missing.empty());

    options.ld_library_path = "$ORIGIN/../llp";  // tokens work there too
    EXPECT_TRUE(contains(resolve_library_closure(dir_ / "bin/prog", options).libraries,
                         dir_ / "bin/../llp/libpriv.so"));

    LddOptions compare;
    compare.ld_library_path = dir_ / "llp";
    expect_same_as_system_loader(dir_ / "bin/prog", compare);
}

TEST_F(LddFixture, SearchOrderRpathThenLdLibraryPathThenRunpath) {
    build_library(dir_ / "one", "libpriv.so");
    build_library(dir_ / "two", "libpriv.so");
    build_program(dir_ / "bin/with-rpath", dir_ / "one",
                  "-Wl,--disable-new-dtags,-rpath," + dir_ / "one");
    build_program(dir_ / "bin/with-runpath", dir_ / "one",
                  "-Wl,--enable-new-dtags,-rpath," + dir_ / "one");
    LddOptions options = hermetic_options(dir_);
    options.ld_library_path = dir_ / "two";
    EXPECT_EQ(resolve_library_closure(dir_ / "bin/with-rpath", options).libraries[0],
              dir_ / "one/libpriv.so");
    EXPECT_EQ(resolve_library_closure(dir_ / "bin/with-runpath", options).libraries[0],
              dir_ / "two/libpriv.so");
}

TEST_F(LddFixture, LibAndPlatformTokens) {
    build_library(dir_ / "app/lib/x86_64-linux-gnu", "libpriv.so");
    build_program(dir_ / "app/bin/prog", dir_ / "app/lib/x86_64-linux-gnu",
                  "-Wl,-rpath,'$ORIGIN/$PLATFORM:$ORIGIN/../$LIB'");
    build_program(dir_ / "app/bin/prog2", dir_ / "app/lib/x86_64-linux-gnu",
                  "-Wl,-rpath,'${ORIGIN}/${PLATFORM}'");
    build_library(dir_ / "app/bin/x86_64", "libpriv.so");
    const LibraryClosure closure = resolve_library_closure(dir_ / "app/bin/prog2");
    EXPECT_EQ(closure.libraries.at(0), dir_ / "app/bin/x86_64/libpriv.so");
    expect_same_as_system_loader(dir_ / "app/bin/prog2");

    fs::remove_all(dir_ / "app/bin/x86_64");
    expect_same_as_system_loader(dir_ / "app/bin/prog");
    if (fs::is_directory("/lib/x86_64-linux-gnu")) {  // Debian: $LIB = lib/<triplet>
        EXPECT_EQ(resolve_library_closure(dir_ / "app/bin/prog").libraries.at(0),
                  dir_ / "app/bin/../lib/x86_64-linux-gnu/libpriv.so");
    }
}

TEST_F(LddFixture, MissingLibraryIsReported) {
    build_library(dir_ / "gone", "libpriv.so");
    build_program(dir_ / "bin/prog", dir_ / "gone");
    fs::remove_all(dir_ / "gone");
    const LibraryClosure closure = resolve_library_closure(dir_ / "bin/prog");
    EXPECT_TRUE(closure.is_elf);
    EXPECT_EQ(closure.missing, std::vector<std::string>{"libpriv.so"});
    EXPECT_TRUE(std::any_of(closure.libraries.begin(), closure.libraries.end(),
                            [](const std::string& p) { return p.ends_with("/libc.so.6"); }));
    expect_same_as_system_loader(dir_ / "bin/prog");
}

TEST_F(LddFixture, IncompatibleLibrariesAreSkipped) {
    // An ELF32 i386 "libpriv.so" first on LD_LIBRARY_PATH is skipped, as
    // ld.so does; the x86_64 one after it is used.
    std::vector<unsigned char> header(4096, 0);  // ld.so wants at least an Elf64_Ehdr
    const std::array<unsigned char, 16> ident = {0x7f, 'E', 'L', 'F', ELFCLASS32, ELFDATA2LSB,
                                                 EV_CURRENT};
    for (std::size_t i = 0; i < ident.size(); ++i) {
        header[i] = ident[i];
    }
    header[16] = ET_DYN;
    header[18] = EM_386;
    header[20] = EV_CURRENT;
    write_bytes(dir_ / "i386/libpriv.so", header);
    build_library(dir_ / "amd64", "libpriv.so");
    build_program(dir_ / "bin/prog", dir_ / "amd64");
    LddOptions options = hermetic_options(dir_);
    options.ld_library_path = dir_ / "i386:" + dir_ / "amd64";
    const LibraryClosure closure = resolve_library_closure(dir_ / "bin/prog", options);
    EXPECT_EQ(closure.libraries.at(0), dir_ / "amd64/libpriv.so");
    expect_same_as_system_loader(dir_ / "bin/prog", options);
}

TEST_F(LddFixture, StaticBinaryHasNothing) {
    const std::string output = capture("cc -static -o " + dir_ / "static" + " " +
                                       dir_ / "src/empty.c" + " 2>&1; echo rc=$?");
    if (output.find("rc=0") == std::string::npos) {
        GTEST_SKIP() << "cannot link statically: " << output;
    }
    const LibraryClosure closure = resolve_library_closure(dir_ / "static");
    EXPECT_TRUE(closure.is_elf);
    EXPECT_TRUE(closure.interpreter.empty());
    EXPECT_TRUE(closure.libraries.empty());
    EXPECT_TRUE(closure.missing.empty());
}

TEST_F(LddFixture, NeededWithSlashIsAPath) {
    // Without a soname, DT_NEEDED is the path given to the linker.
    fs::create_directories(dir_ / "lib");
    compile("-shared -fPIC -o " + dir_ / "lib/libnosoname.so" + " " + dir_ / "src/priv.c");
    compile("-o " + dir_ / "absolute" + " " + dir_ / "src/main.c" + " " +
            dir_ / "lib/libnosoname.so");
    compile_in(dir_.path(), "-o relative src/main.c lib/libnosoname.so");

    EXPECT_TRUE(contains(resolve_library_closure(dir_ / "absolute").libraries,
                         dir_ / "lib/libnosoname.so"));
    const ElfDynamicInfo info = dynamic_info(dir_ / "relative");
    ASSERT_TRUE(contains(info.needed, "lib/libnosoname.so"));
    {
        const ScopedChdir chdir(dir_.path());
        const LibraryClosure closure = resolve_library_closure("relative");
        EXPECT_TRUE(contains(closure.libraries, real_path(dir_.path()) + "/lib/libnosoname.so"));
        EXPECT_TRUE(closure.missing.empty());
    }
    const ScopedChdir chdir("/");
    EXPECT_EQ(resolve_library_closure(dir_ / "relative").missing,
              std::vector<std::string>{"lib/libnosoname.so"});
}

TEST_F(LddFixture, CyclesAreResolvedOnce) {
    // libpriv.so <-> libb.so
    build_library(dir_ / "lib", "libpriv.so");
    build_library(dir_ / "lib", "libb.so", "-L" + dir_ / "lib" + " -lpriv");
    build_library(dir_ / "lib", "libpriv.so", "-L" + dir_ / "lib" + " -lb");
    build_program(dir_ / "bin/prog", dir_ / "lib", "-Wl,-rpath," + dir_ / "lib");
    LddOptions options = hermetic_options(dir_);
    options.ld_library_path = dir_ / "lib";
    const LibraryClosure closure = resolve_library_closure(dir_ / "bin/prog", options);
    EXPECT_TRUE(contains(closure.libraries, dir_ / "lib/libpriv.so"));
    EXPECT_TRUE(contains(closure.libraries, dir_ / "lib/libb.so"));
    const std::set<std::string> unique(closure.libraries.begin(), closure.libraries.end());
    EXPECT_EQ(unique.size(), closure.libraries.size());
    expect_same_as_system_loader(dir_ / "bin/prog");
}

TEST_F(LddFixture, NodefaultlibSkipsDefaultDirectories) {
    compile("-o " + dir_ / "prog" + " " + dir_ / "src/empty.c" + " -Wl,-z,nodefaultlib");
    EXPECT_NE(dynamic_info(dir_ / "prog").flags_1 & DF_1_NODEFLIB, 0U);
    const LibraryClosure closure = resolve_library_closure(dir_ / "prog");
    EXPECT_EQ(closure.missing, std::vector<std::string>{"libc.so.6"});
    expect_same_as_system_loader(dir_ / "prog");
}

TEST_F(LddFixture, CorruptLibraryOnSearchPathIsLaunchError) {
    build_library(dir_ / "good", "libpriv.so");
    build_program(dir_ / "bin/prog", dir_ / "good");
    write_file(dir_ / "bad/libpriv.so", "INPUT(-lpriv)\n");
    LddOptions options = hermetic_options(dir_);
    options.ld_library_path = dir_ / "bad:" + dir_ / "good";
    try {
        resolve_library_closure(dir_ / "bin/prog", options);
        FAIL() << "expected LaunchError";
    } catch (const LaunchError& error) {
        EXPECT_NE(std::string(error.what()).find(dir_ / "bad/libpriv.so"), std::string::npos)
            << error.what();
        ASSERT_FALSE(error.hints().empty());
        EXPECT_NE(error.hints().back().find("needed by"), std::string::npos);
    }
}

// ------------------------------------------------------------ ld.so.conf

TEST_F(LddFixture, LdSoConfWithIncludes) {
    build_library(dir_ / "libs/first", "libpriv.so");
    build_library(dir_ / "libs/second", "libpriv.so");
    build_library(dir_ / "libs/absolute", "libother.so");
    build_program(dir_ / "bin/prog", dir_ / "libs/first");
    write_file(dir_ / "etc/ld.so.conf",
               "# comment\n"
               "\n"
               "hwcap 0 nosegneg\n"
               "   include ld.so.conf.d/*.conf   # relative to this file\n"
               "include " + dir_ / "etc/ld.so.conf" + "\n");  // a loop is harmless
    // Sorted glob: a.conf before b.conf; "=TYPE" suffixes and slashes ignored.
    write_file(dir_ / "etc/ld.so.conf.d/b.conf", dir_ / "libs/second" + "\n");
    write_file(dir_ / "etc/ld.so.conf.d/a.conf",
               "  " + dir_ / "libs/nothing-here" + "  \n" + dir_.path() + "/libs/first//=libc6 # x\n");
    write_file(dir_ / "etc/ld.so.conf.d/ignored.txt", dir_ / "libs/second" + "\n");
    LddOptions options;
    options.ld_so_conf = dir_ / "etc/ld.so.conf";
    const LibraryClosure closure = resolve_library_closure(dir_ / "bin/prog", options);
    EXPECT_EQ(closure.libraries.at(0), dir_ / "libs/first/libpriv.so");
    EXPECT_TRUE(closure.missing.empty());

    // The configured directories come before the default ones.
    fs::copy_file(real_path("/lib/x86_64-linux-gnu/libc.so.6"), dir_ / "libs/second/libc.so.6");
    const LibraryClosure with_libc = resolve_library_closure(dir_ / "bin/prog", options);
    EXPECT_TRUE(contains(with_libc.libraries, dir_ / "libs/second/libc.so.6"));
}

TEST_F(LddFixture, DefaultDirectoriesOption) {
    fs::create_directories(dir_ / "defaults");
    fs::copy_file(real_path("/lib/x86_64-linux-gnu/libc.so.6"), dir_ / "defaults/libc.so.6");
    LddOptions options = hermetic_options(dir_);
    options.default_dirs = {dir_ / "defaults/"};
    const LibraryClosure closure = resolve_library_closure("/bin/true", options);
    EXPECT_EQ(closure.libraries, std::vector<std::string>{dir_ / "defaults/libc.so.6"});
}

// --------------------------------------------------- hand-made ELF files

struct ElfSpec {
    ElfClass elf_class = ElfClass::Elf64;
    ElfByteOrder byte_order = ElfByteOrder::Little;
    std::uint16_t machine = EM_X86_64;
    std::uint16_t type = ET_DYN;
    std::string interpreter;
    std::vector<std::string> needed;
    std::optional<std::string> rpath;
    std::optional<std::string> runpath;
    std::optional<std::string> soname;
};

/// Writes integers of the spec's width and byte order.
class ElfWriter {
public:
    explicit ElfWriter(const ElfSpec& spec)
        : is_64_(spec.elf_class == ElfClass::Elf64),
          little_(spec.byte_order == ElfByteOrder::Little) {}

    void put(std::vector<unsigned char>& out, std::size_t offset, std::uint64_t value,
             std::size_t width) const {
        for (std::size_t i = 0; i < width; ++i) {
            const std::size_t shift = 8 * (little_ ? i : width - 1 - i);
            out.at(offset + i) = static_cast<unsigned char>(value >> shift);
        }
    }
    std::size_t word() const { return is_64_ ? 8 : 4; }
    std::size_t ehdr_size() const { return is_64_ ? 64 : 52; }
    std::size_t phdr_size() const { return is_64_ ? 56 : 32; }

    /// One program header at `at`.
    void phdr(std::vector<unsigned char>& out, std::size_t at, std::uint32_t type,
              std::uint64_t offset, std::uint64_t size) const {
        put(out, at, type, 4);
        if (is_64_) {
            put(out, at + 4, PF_R, 4);
            put(out, at + 8, offset, 8);
            put(out, at + 16, offset, 8);  // vaddr == offset
            put(out, at + 24, offset, 8);
            put(out, at + 32, size, 8);
            put(out, at + 40, size, 8);
        } else {
            put(out, at + 4, offset, 4);
            put(out, at + 8, offset, 4);
            put(out, at + 12, offset, 4);
            put(out, at + 16, size, 4);
            put(out, at + 20, size, 4);
            put(out, at + 24, PF_R, 4);
        }
    }

private:
    bool is_64_;
    bool little_;
};

/// A minimal ELF file: header, PT_LOAD covering the whole file, optional
/// PT_INTERP, PT_DYNAMIC, then the interpreter, the strings and the dynamic
/// entries.
std::vector<unsigned char> build_elf(const ElfSpec& spec) {
    const ElfWriter w(spec);
    std::string strings(1, '\0');
    const auto add_string = [&](const std::string& s) {
        const std::size_t at = strings.size();
        strings += s;
        strings.push_back('\0');
        return at;
    };
    std::vector<std::pair<std::uint64_t, std::uint64_t>> dynamic;
    for (const std::string& name : spec.needed) {
        dynamic.emplace_back(DT_NEEDED, add_string(name));
    }
    if (spec.rpath) {
        dynamic.emplace_back(DT_RPATH, add_string(*spec.rpath));
    }
    if (spec.runpath) {
        dynamic.emplace_back(DT_RUNPATH, add_string(*spec.runpath));
    }
    if (spec.soname) {
        dynamic.emplace_back(DT_SONAME, add_string(*spec.soname));
    }

    const std::size_t phnum = spec.interpreter.empty() ? 2 : 3;
    const std::size_t interp_at = w.ehdr_size() + phnum * w.phdr_size();
    const std::size_t interp_size = spec.interpreter.empty() ? 0 : spec.interpreter.size() + 1;
    const std::size_t strtab_at = interp_at + interp_size;
    const std::size_t dynamic_at = (strtab_at + strings.size() + 7) / 8 * 8;
    dynamic.emplace_back(DT_STRTAB, strtab_at);
    dynamic.emplace_back(DT_STRSZ, strings.size());
    dynamic.emplace_back(DT_NULL, 0);
    const std::size_t dynamic_size = dynamic.size() * 2 * w.word();
    const std::size_t total = dynamic_at + dynamic_size;

    std::vector<unsigned char> out(total, 0);
    const std::array<unsigned char, 7> ident = {
        0x7f, 'E', 'L', 'F', static_cast<unsigned char>(spec.elf_class),
        static_cast<unsigned char>(spec.byte_order), EV_CURRENT};
    for (std::size_t i = 0; i < ident.size(); ++i) {
        out[i] = ident[i];
    }
    w.put(out, 16, spec.type, 2);
    w.put(out, 18, spec.machine, 2);
    w.put(out, 20, EV_CURRENT, 4);
    const std::size_t phoff_at = spec.elf_class == ElfClass::Elf64 ? 32 : 28;
    const std::size_t sizes_at = spec.elf_class == ElfClass::Elf64 ? 52 : 40;
    w.put(out, phoff_at, w.ehdr_size(), w.word());
    w.put(out, sizes_at, w.ehdr_size(), 2);       // e_ehsize
    w.put(out, sizes_at + 2, w.phdr_size(), 2);   // e_phentsize
    w.put(out, sizes_at + 4, phnum, 2);           // e_phnum

    std::size_t ph = w.ehdr_size();
    if (!spec.interpreter.empty()) {
        w.phdr(out, ph, PT_INTERP, interp_at, interp_size);
        ph += w.phdr_size();
        std::copy(spec.interpreter.begin(), spec.interpreter.end(), out.begin() + interp_at);
    }
    w.phdr(out, ph, PT_LOAD, 0, total);
    w.phdr(out, ph + w.phdr_size(), PT_DYNAMIC, dynamic_at, dynamic_size);
    std::copy(strings.begin(), strings.end(), out.begin() + strtab_at);
    for (std::size_t i = 0; i < dynamic.size(); ++i) {
        w.put(out, dynamic_at + i * 2 * w.word(), dynamic[i].first, w.word());
        w.put(out, dynamic_at + (i * 2 + 1) * w.word(), dynamic[i].second, w.word());
    }
    return out;
}

ElfDynamicInfo read_info(const std::string& path, ElfIdentity* identity = nullptr) {
    const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) {
        throw SysError(errno, "open " + path);
    }
    const ElfFile elf(fd.get(), path);
    if (identity != nullptr) {
        *identity = elf.identity();
    }
    return elf.read_dynamic_info();
}

TEST(ElfReader, ReadsAllClassesAndByteOrders) {
    TempDir dir;
    for (const ElfClass elf_class : {ElfClass::Elf32, ElfClass::Elf64}) {
        for (const ElfByteOrder order : {ElfByteOrder::Little, ElfByteOrder::Big}) {
            ElfSpec spec;
            spec.elf_class = elf_class;
            spec.byte_order = order;
            spec.machine = EM_PPC;
            spec.type = ET_EXEC;
            spec.interpreter = "/lib/ld.so.1";
            spec.needed = {"liba.so.1", "libb.so.2"};
            spec.rpath = "/opt/r";
            spec.runpath = "$ORIGIN/../lib";
            spec.soname = "libself.so";
            write_bytes(dir / "elf", build_elf(spec));
            ElfIdentity identity;
            const ElfDynamicInfo info = read_info(dir / "elf", &identity);
            EXPECT_EQ(identity.elf_class, elf_class);
            EXPECT_EQ(identity.byte_order, order);
            EXPECT_EQ(identity.machine, EM_PPC);
            EXPECT_EQ(identity.type, ET_EXEC);
            EXPECT_EQ(info.interpreter, "/lib/ld.so.1");
            EXPECT_TRUE(info.has_dynamic);
            EXPECT_EQ(info.needed, (std::vector<std::string>{"liba.so.1", "libb.so.2"}));
            EXPECT_EQ(info.rpath, "/opt/r");
            EXPECT_EQ(info.runpath, "$ORIGIN/../lib");
            EXPECT_EQ(info.soname, "libself.so");
        }
    }
}

TEST(ElfReader, SniffsFormats) {
    TempDir dir;
    const auto sniff = [&](const std::string& text) {
        write_file(dir / "f", text);
        const UniqueFd fd(::open((dir / "f").c_str(), O_RDONLY | O_CLOEXEC));
        return sniff_file_format(fd.get(), dir / "f");
    };
    EXPECT_EQ(sniff("\x7f" "ELF\x02"), FileFormat::Elf);
    EXPECT_EQ(sniff("#!/bin/sh\n"), FileFormat::Script);
    EXPECT_EQ(sniff("#"), FileFormat::Other);
    EXPECT_EQ(sniff(""), FileFormat::Other);
    EXPECT_EQ(sniff("\x7f" "EL"), FileFormat::Other);
}

TEST(LddCrafted, InterpreterSonameSatisfiesNeeded) {
    TempDir dir;
    ElfSpec interp;
    interp.soname = "ld-test.so.1";
    write_bytes(dir / "ld.so", build_elf(interp));
    ElfSpec program;
    program.interpreter = dir / "ld.so";
    program.needed = {"ld-test.so.1", dir / "ld.so", "libself.so"};
    write_bytes(dir / "prog", build_elf(program));
    ElfSpec library;
    library.soname = "libself.so";
    library.needed = {"ld-test.so.1", "libself.so"};  // itself, by soname
    write_bytes(dir / "lib/libself.so", build_elf(library));
    LddOptions options = hermetic_options(dir);
    options.ld_library_path = dir / "lib";
    const LibraryClosure closure = resolve_library_closure(dir / "prog", options);
    EXPECT_EQ(closure.interpreter, dir / "ld.so");
    EXPECT_EQ(closure.libraries, std::vector<std::string>{dir / "lib/libself.so"});
    EXPECT_TRUE(closure.missing.empty());
}

TEST(LddCrafted, SameFileUnderTwoNamesIsLoadedOnce) {
    TempDir dir;
    ElfSpec library;
    library.needed = {"libalias.so"};
    write_bytes(dir / "lib/libreal.so", build_elf(library));
    fs::create_symlink("libreal.so", dir / "lib/libalias.so");
    ElfSpec program;
    program.needed = {"libreal.so"};
    write_bytes(dir / "prog", build_elf(program));
    LddOptions options = hermetic_options(dir);
    options.ld_library_path = dir / "lib";
    const LibraryClosure closure = resolve_library_closure(dir / "prog", options);
    EXPECT_EQ(closure.libraries,
              (std::vector<std::string>{dir / "lib/libreal.so", dir / "lib/libalias.so"}));
}

TEST(LddCrafted, AbsurdClosureIsLaunchError) {
    EXPECT_EQ(LddOptions().max_libraries, 4096U);
    TempDir dir;
    ElfSpec library;
    const std::vector<unsigned char> bytes = build_elf(library);
    ElfSpec program;
    for (int i = 0; i < 21; ++i) {
        const std::string name = "lib" + std::to_string(i) + ".so";
        program.needed.push_back(name);
        write_bytes(dir / "lib/" + name, bytes);
    }
    write_bytes(dir / "prog", build_elf(program));
    LddOptions options = hermetic_options(dir);
    options.ld_library_path = dir / "lib";
    options.max_libraries = 20;
    try {
        resolve_library_closure(dir / "prog", options);
        FAIL() << "expected LaunchError";
    } catch (const LaunchError& error) {
        EXPECT_NE(std::string(error.what()).find("needs more than 20 shared libraries"),
                  std::string::npos)
            << error.what();
    }
    options.max_libraries = 21;
    EXPECT_EQ(resolve_library_closure(dir / "prog", options).libraries.size(), 21U);
}

// ------------------------------------------------------ corrupted files

/// A copy of /bin/true with the given bytes changed.
class CorruptElf : public ::testing::Test {
protected:
    void SetUp() override {
        original_ = read_bytes("/bin/true");
        ASSERT_GE(original_.size(), sizeof(Elf64_Ehdr));
        std::memcpy(&header_, original_.data(), sizeof header_);
        ASSERT_EQ(header_.e_ident[EI_CLASS], ELFCLASS64);
        ASSERT_EQ(header_.e_ident[EI_DATA], ELFDATA2LSB);  // tests below assume native x86_64
        for (std::size_t i = 0; i < header_.e_phnum; ++i) {
            Elf64_Phdr ph{};
            std::memcpy(&ph, original_.data() + header_.e_phoff + i * sizeof ph, sizeof ph);
            if (ph.p_type == PT_DYNAMIC) {
                dynamic_ = ph;
            }
            if (ph.p_type == PT_INTERP) {
                interp_ = ph;
            }
        }
        ASSERT_NE(dynamic_.p_type, 0U);
        ASSERT_NE(interp_.p_type, 0U);
    }

    template <typename T>
    void patch(std::vector<unsigned char>& bytes, std::size_t offset, T value) {
        ASSERT_LE(offset + sizeof value, bytes.size());
        std::memcpy(bytes.data() + offset, &value, sizeof value);
    }

    /// Offset of the value of the first dynamic entry with `tag`.
    std::size_t dynamic_value_offset(std::int64_t tag) {
        for (std::size_t at = dynamic_.p_offset; at + sizeof(Elf64_Dyn) <= dynamic_.p_offset + dynamic_.p_filesz;
             at += sizeof(Elf64_Dyn)) {
            Elf64_Dyn entry{};
            std::memcpy(&entry, original_.data() + at, sizeof entry);
            if (entry.d_tag == tag) {
                return at + offsetof(Elf64_Dyn, d_un);
            }
        }
        ADD_FAILURE() << "no dynamic tag " << tag;
        return 0;
    }

    /// The corrupted file must give a LaunchError naming it, and mention `reason`.
    void expect_invalid(const std::vector<unsigned char>& bytes, const std::string& reason) {
        write_bytes(dir_ / "corrupt", bytes);
        try {
            resolve_library_closure(dir_ / "corrupt");
            ADD_FAILURE() << "expected LaunchError (" << reason << ")";
        } catch (const LaunchError& error) {
            const std::string message = error.what();
            EXPECT_TRUE(message.starts_with("\"" + dir_ / "corrupt" + "\" is not a valid ELF file: "))
                << message;
            EXPECT_NE(message.find(reason), std::string::npos) << message;
        }
    }

    TempDir dir_;
    std::vector<unsigned char> original_;
    Elf64_Ehdr header_{};
    Elf64_Phdr dynamic_{};
    Elf64_Phdr interp_{};
};

TEST_F(CorruptElf, TruncatedHeader) {
    expect_invalid({original_.begin(), original_.begin() + 20}, "too short");
    expect_invalid({original_.begin(), original_.begin() + 63}, "too short");
}

TEST_F(CorruptElf, BadIdentification) {
    std::vector<unsigned char> bytes = original_;
    bytes[EI_CLASS] = 7;
    expect_invalid(bytes, "unknown ELF class 7");
    bytes = original_;
    bytes[EI_DATA] = 0;
    expect_invalid(bytes, "byte order");
    bytes = original_;
    bytes[EI_VERSION] = 2;
    expect_invalid(bytes, "version");
}

TEST_F(CorruptElf, ProgramHeadersBeyondEndOfFile) {
    std::vector<unsigned char> bytes = original_;
    patch<std::uint64_t>(bytes, offsetof(Elf64_Ehdr, e_phoff), original_.size() + 100);
    expect_invalid(bytes, "program header table lies outside the file");
    patch<std::uint64_t>(bytes, offsetof(Elf64_Ehdr, e_phoff), ~std::uint64_t{0} - 8);
    expect_invalid(bytes, "program header table lies outside the file");
}

TEST_F(CorruptElf, HugeProgramHeaderCount) {
    std::vector<unsigned char> bytes = original_;
    patch<std::uint16_t>(bytes, offsetof(Elf64_Ehdr, e_phnum), 0xfffe);
    expect_invalid(bytes, "too many program headers");
    patch<std::uint16_t>(bytes, offsetof(Elf64_Ehdr, e_phnum), PN_XNUM);
    expect_invalid(bytes, "PN_XNUM");
    bytes = original_;
    patch<std::uint16_t>(bytes, offsetof(Elf64_Ehdr, e_phentsize), 12);
    expect_invalid(bytes, "program header entries");
}

TEST_F(CorruptElf, StringTableOutsideAnyLoadSegment) {
    std::vector<unsigned char> bytes = original_;
    patch<std::uint64_t>(bytes, dynamic_value_offset(DT_STRTAB), 0xdead0000000ULL);
    expect_invalid(bytes, "DT_STRTAB");
}

TEST_F(CorruptElf, NeededStringOutsideStringTable) {
    std::vector<unsigned char> bytes = original_;
    patch<std::uint64_t>(bytes, dynamic_value_offset(DT_NEEDED), 0x7fffffff);
    expect_invalid(bytes, "outside the string table");
}

TEST_F(CorruptElf, UnterminatedString) {
    // Shrink DT_STRSZ so that the DT_NEEDED string runs past its end.
    std::vector<unsigned char> bytes = original_;
    std::uint64_t needed = 0;
    std::memcpy(&needed, original_.data() + dynamic_value_offset(DT_NEEDED), sizeof needed);
    patch<std::uint64_t>(bytes, dynamic_value_offset(DT_STRSZ), needed + 3);
    expect_invalid(bytes, "not NUL-terminated");
}

TEST_F(CorruptElf, BadInterpreter) {
    std::vector<unsigned char> bytes = original_;
    bytes.at(interp_.p_offset + interp_.p_filesz - 1) = 'x';
    expect_invalid(bytes, "PT_INTERP is not NUL-terminated");
    bytes = original_;
    const std::size_t interp_header = header_.e_phoff;  // find it again by type
    for (std::size_t i = 0; i < header_.e_phnum; ++i) {
        const std::size_t at = interp_header + i * sizeof(Elf64_Phdr);
        Elf64_Phdr ph{};
        std::memcpy(&ph, bytes.data() + at, sizeof ph);
        if (ph.p_type == PT_INTERP) {
            patch<std::uint64_t>(bytes, at + offsetof(Elf64_Phdr, p_offset), original_.size() - 4);
        }
    }
    expect_invalid(bytes, "PT_INTERP lies outside the file");
}

TEST_F(CorruptElf, DynamicSegmentTooLarge) {
    std::vector<unsigned char> bytes = original_;
    for (std::size_t i = 0; i < header_.e_phnum; ++i) {
        const std::size_t at = header_.e_phoff + i * sizeof(Elf64_Phdr);
        Elf64_Phdr ph{};
        std::memcpy(&ph, bytes.data() + at, sizeof ph);
        if (ph.p_type == PT_DYNAMIC) {
            patch<std::uint64_t>(bytes, at + offsetof(Elf64_Phdr, p_filesz), 0x10000);
        }
    }
    expect_invalid(bytes, "dynamic section");
}

TEST_F(CorruptElf, EveryTruncationFailsCleanly) {
    // Cut the file at many lengths: each must be a LaunchError or (if all
    // that is needed is still there) a result, never a crash.
    std::size_t errors = 0;
    for (std::size_t size = 0; size < original_.size(); size += 97) {
        write_bytes(dir_ / "cut", {original_.begin(), original_.begin() + static_cast<long>(size)});
        try {
            resolve_library_closure(dir_ / "cut");
        } catch (const LaunchError&) {
            ++errors;
        }
    }
    EXPECT_GT(errors, 0U);
}

TEST_F(CorruptElf, RandomMutationsNeverCrash) {
    // Flip bytes in the headers, the program headers and the dynamic
    // section. Only LaunchError (or success) is acceptable.
    std::mt19937 random(12345);
    const std::size_t header_end = header_.e_phoff + header_.e_phnum * sizeof(Elf64_Phdr);
    std::vector<std::pair<std::size_t, std::size_t>> regions = {
        {0, header_end}, {dynamic_.p_offset, dynamic_.p_offset + dynamic_.p_filesz}};
    for (int round = 0; round < 400; ++round) {
        std::vector<unsigned char> bytes = original_;
        for (int flips = 0; flips < 1 + round % 4; ++flips) {
            const auto& [begin, end] = regions[random() % regions.size()];
            const std::size_t at = begin + random() % (end - begin);
            bytes[at] = static_cast<unsigned char>(random());
        }
        write_bytes(dir_ / "mutant", bytes);
        try {
            resolve_library_closure(dir_ / "mutant", hermetic_options(dir_));
        } catch (const LaunchError&) {
        }
    }
}

} // namespace
} // namespace sandbox
