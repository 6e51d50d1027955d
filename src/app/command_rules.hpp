// What the command adds to the policy: --add-exec and --ldd rules for the
// command, its interpreters and libraries; --preload libraries, loaded now
// and put first in the command's LD_PRELOAD.
#pragma once

#include <string>
#include <vector>

#include "app/launch.hpp"

namespace sandbox {

/// --add-exec and --ldd: the command, its script interpreter, and their
/// ELF interpreters and libraries become rules. Sets p.script_interpreter.
void add_command_rules(const CommandLine& cl, Prepared& p);

/// --preload: load each library now, allow it (and with --ldd its closure).
void preload_libraries(const CommandLine& cl, Prepared& p);

/// `env` with the preloaded libraries first in LD_PRELOAD.
std::vector<std::string> with_preload(std::vector<std::string> env,
                                      const std::vector<std::string>& libs);

} // namespace sandbox
