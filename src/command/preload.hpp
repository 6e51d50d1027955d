// --preload LIB: load a library into the launcher before enforcement (its
// constructor may start threads: they get restricted like every other).
#pragma once

#include <string>

namespace sandbox {

/// dlopen()s LIB (a path or a name the dynamic linker can find) and returns
/// the path it was loaded from. Throws LaunchError with dlerror()'s text.
std::string preload_library(const std::string& lib);

} // namespace sandbox
