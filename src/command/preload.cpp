#include "command/preload.hpp"

#include <dlfcn.h>
#include <link.h>

#include <cstdlib>

#include <fmt/format.h>

#include "base/error.hpp"
#include "base/path.hpp"

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
    std::optional<std::string> real;
    if (dlinfo(handle, RTLD_DI_LINKMAP, &map) == 0 && map != nullptr && map->l_name != nullptr) {
        real = real_path(map->l_name);
    }
    if (!real) {
        throw LaunchError(fmt::format("--preload: cannot tell where \"{}\" was loaded from", lib),
                          {"give the library's absolute path"});
    }
    return *real;
}

} // namespace sandbox
