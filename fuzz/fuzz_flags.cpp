// Fuzz target (c): the command-line parser. The input is split on NUL bytes
// into argv[1..]; argv[0] is "sandbox". Pure: parse_command_line only reads
// argv and the (fake) environment; nothing is executed or opened.
//
// A usage error is an expected outcome. Any other exception escaping the
// parser is a finding (main would turn it into a generic error, but the
// parser promises UsageError for bad input). Properties checked:
//  - COMMAND is passed untouched: it equals a tail of argv, and for the Run
//    action it is never empty;
//  - words after "--" are never parsed as options: when every word before
//    the first "--" is an "--option=value" (so none can take "--" as its
//    value), everything after that "--" is the command, byte for byte.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_env.hpp"
#include "policy/flags.hpp"

namespace {

[[noreturn]] void violated(const char* what) {
    std::fprintf(stderr, "property violated: %s\n", what);
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::vector<std::string> words{"sandbox"};
    std::string_view rest(reinterpret_cast<const char*>(data), size);
    while (!rest.empty()) {
        const auto nul = rest.find('\0');
        words.emplace_back(rest.substr(0, nul));
        rest = nul == std::string_view::npos ? std::string_view{} : rest.substr(nul + 1);
    }
    std::vector<const char*> argv;
    for (const auto& w : words) argv.push_back(w.c_str());
    argv.push_back(nullptr);
    const int argc = static_cast<int>(words.size());

    sandbox::CommandLine cl;
    try {
        cl = sandbox::parse_command_line(argc, argv.data(), sandbox::fuzz::fake_environment());
    } catch (const sandbox::UsageError& e) {
        if (std::string_view(e.what()).empty()) violated("usage error without a message");
        return 0;
    }
    if (cl.action == sandbox::Action::Help) {
        if (cl.help_text.empty()) violated("empty help text");
        return 0;
    }
    const std::size_t n = cl.command.size();
    if (n > words.size() - 1) violated("command longer than argv");
    for (std::size_t i = 0; i < n; ++i) {
        if (cl.command[i] != words[words.size() - n + i]) violated("command is not a tail of argv");
    }
    if (cl.action == sandbox::Action::Run && n == 0) violated("run without a command");
    for (std::size_t k = 1; k < words.size(); ++k) {
        if (words[k] == "--") {
            if (n != words.size() - k - 1) violated("words after \"--\" are not the command");
            break;
        }
        if (!words[k].starts_with("--") || words[k].find('=') == std::string::npos) break;
    }
    return 0;
}
