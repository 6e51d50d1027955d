#include "command/preload.hpp"

#include <dlfcn.h>
#include <link.h>

#include <cstdlib>

#include <fmt/format.h>

#include "base/error.hpp"

namespace sandbox {

std::string preload_library(const std::string& lib) {
    void* handle = dlopen(lib.c_str(), RTLD_NOW | RTLD_GLOBAL);
    if (handle == nullptr) {
        const char* why = dlerror();
        throw LaunchError(fmt::format("--preload: cannot load \"{}\": {}", lib,
                                      why ? why : "unknown error"),
                          {"give a path to a shared library for this architecture"});
    }
    // The handle stays open: the library stays loaded until exec.
    link_map* map = nullptr;
    char* real = nullptr;
    if (dlinfo(handle, RTLD_DI_LINKMAP, &map) == 0 && map != nullptr && map->l_name != nullptr) {
        real = realpath(map->l_name, nullptr);
    }
    if (real == nullptr) {
        throw LaunchError(fmt::format("--preload: cannot tell where \"{}\" was loaded from", lib),
                          {"give the library's absolute path"});
    }
    std::string path = real;
    free(real);  // NOLINT(cppcoreguidelines-no-malloc)
    return path;
}

} // namespace sandbox
