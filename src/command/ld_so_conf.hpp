// The system's library search path as ldconfig configures it: the directories
// listed in /etc/ld.so.conf and the files it includes. ld.so itself reads them
// from ld.so.cache; --ldd reads the configuration instead. Internal to the
// --ldd resolver (src/command/ldd.cpp).
#pragma once

#include <string>
#include <vector>

namespace sandbox {

/// Reads ld.so.conf like ldconfig's parse_conf(): one directory per line,
/// '#' starts a comment, "include PATTERN..." reads the files matching the
/// glob patterns (sorted; relative to the including file's directory),
/// "hwcap ..." lines are ignored, a "=TYPE" suffix is ignored. The
/// directories come in file order without trailing slashes or duplicates. A
/// missing file gives no directories; includes nest at most 16 deep and an
/// include loop is cut. Throws SysError if a file exists but cannot be read,
/// LaunchError if one is larger than 1 MiB.
std::vector<std::string> read_ld_so_conf(const std::string& path);

} // namespace sandbox
