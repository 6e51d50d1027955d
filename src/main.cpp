// sandbox: wiring only. Every failure is caught here, once, and becomes a
// one-line message with hints and exit status 125 (126/127 for exec).
#include <sys/auxv.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <exception>

#include <fmt/format.h>

#include "app/launch.hpp"
#include "app/log.hpp"
#include "enforce/restrict.hpp"

namespace {

int run_main(int argc, char** argv) {
    using namespace sandbox;
    try {
        if (geteuid() != getuid() || getegid() != getgid()) {
            print_error("refusing to run setuid or setgid",
                        {"sandbox needs no privileges; install it without the setuid bit"});
            return 125;
        }
        // AT_SECURE: the kernel ran us in secure-execution mode (setuid, setgid
        // or file capabilities), which the uid checks alone miss for capabilities.
        if (getauxval(AT_SECURE) != 0) {
            print_error("refusing to run with elevated privileges (setuid, setgid or file "
                        "capabilities: AT_SECURE is set)",
                        {"sandbox needs no privileges; remove them, e.g. setcap -r on the "
                         "binary"});
            return 125;
        }
        CommandLine cl = parse_command_line(argc, argv, process_environment());
        setup_logging(cl.log_level);
        return run(cl);
    } catch (const UsageError& e) {
        print_error(e.what(), {"see sandbox --help"});
    } catch (const PolicyError& e) {
        const Diagnostics& d = e.diagnostics();
        print_diagnostics(d);
        // A lone error without a file already reads "sandbox: error: ...".
        const bool from_files = std::any_of(d.items().begin(), d.items().end(),
                                            [](const Diagnostic& x) { return !x.where.file.empty(); });
        if (d.error_count() > 1 || from_files) {
            print_error(fmt::format("{}: {} error(s)", e.summary(), d.error_count()));
        }
    } catch (const ExecError& e) {
        print_error(e.what(), e.hints());
        return e.exit_status();
    } catch (const SysError& e) {
        print_error(e.what(), e.hints());
    } catch (const LaunchError& e) {
        print_error(e.what(), e.hints());
    } catch (const std::exception& e) {
        print_error(e.what());
    }
    return 125;
}

} // namespace

int main(int argc, char** argv) {
    const int status = run_main(argc, argv);
    if (sandbox::restriction_started()) {
        // A failure after enforcement began (e.g. exec denied): the process may
        // be inside the domain, so no exit-time work (atexit handlers of
        // libraries, sanitizer leak checks) that the domain may deny.
        std::fflush(nullptr);
        _exit(status);
    }
    return status;
}
