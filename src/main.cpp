// sandbox: wiring only. Every failure is caught here, once, and becomes a
// one-line message with hints and exit status 125 (126/127 for exec).
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <exception>

#include <fmt/format.h>

#include "app/dynamic_launcher.hpp"
#include "app/launch.hpp"
#include "app/log.hpp"
#include "base/error.hpp"
#include "enforce/restrict.hpp"

namespace {

/// Refuses secure-execution mode with one line and a hint; true when refused.
bool refuse_privileges() {
    using sandbox::print_error;
    if (geteuid() != getuid() || getegid() != getgid()) {
        print_error("refusing to run setuid or setgid",
                    {"sandbox needs no privileges; install it without the setuid bit"});
        return true;
    }
    // AT_SECURE: the kernel ran us in secure-execution mode (setuid, setgid or
    // file capabilities), which the uid checks alone miss for capabilities.
    if (getauxval(AT_SECURE) != 0) {
        print_error("refusing to run with elevated privileges (setuid, setgid or file "
                    "capabilities: AT_SECURE is set)",
                    {"sandbox needs no privileges; remove them, e.g. setcap -r on the binary"});
        return true;
    }
    return false;
}

/// For comma lists on the command line: does the whole value name a path?
bool path_exists(const std::string& path) {
    struct stat st {};
    return lstat(path.c_str(), &st) == 0;
}

/// Output that could not be written (e.g. `--features >/dev/full`) is a failure.
int check_stdout(int status) {
    if (std::fflush(stdout) != 0 || std::ferror(stdout) != 0) {
        const int err = errno;
        sandbox::print_error("cannot write the output: " + sandbox::describe_errno(err),
                             {"check where standard output goes (a full disk, a closed pipe)"});
        return status == 0 ? 125 : status;
    }
    return status;
}

/// Policy problems: "FILE:LINE:COL: error: ..." lines, then a summary line. A
/// lone problem of the command line itself (--profile NAME not found, --policy
/// FILE that is a directory) reads like every other launcher error instead.
void report_policy_error(const sandbox::PolicyError& e) {
    using namespace sandbox;
    const Diagnostics& d = e.diagnostics();
    const bool from_files = std::any_of(d.items().begin(), d.items().end(),
                                        [](const Diagnostic& x) { return !x.where.file.empty(); });
    if (!from_files && d.error_count() == 1) {
        for (const Diagnostic& x : d.items()) {
            if (x.severity != Severity::Error) {
                std::fputs(format_diagnostic(x).c_str(), stderr);
            } else if (x.where.option.empty()) {
                print_error(x.message, x.hints);
            } else {
                print_error(fmt::format("{}: {}", x.where.option, x.message), x.hints);
            }
        }
        return;
    }
    print_diagnostics(d);
    if (d.error_count() > 1 || from_files) {
        print_error(fmt::format("{}: {} error(s)", e.summary(), d.error_count()));
    }
}

int run_main(int argc, char** argv) {
    using namespace sandbox;
    try {
        CommandLine cl = parse_command_line(argc, argv, {process_environment(), path_exists});
#ifdef SANDBOX_STATIC_LAUNCHER
        if (!cl.preload.empty()) {
            exec_dynamic_launcher(SANDBOX_HELPER_NAME, SANDBOX_HELPER_FROM_BINDIR, argv);
        }
#endif
        setup_logging(cl.log_level);
        return run(cl);
    } catch (const PolicyError& e) {
        report_policy_error(e);
        return e.exit_status();
    } catch (const Error& e) {
        print_error(e.what(), e.hints());
        return e.exit_status();
    } catch (const std::exception& e) {
        print_error(e.what());
    }
    return 125;
}

} // namespace

int main(int argc, char** argv) {
    if (refuse_privileges()) {
        // A privileged process does nothing more: no exit-time work of the
        // runtime or of libraries (a leak checker cannot even run here).
        std::fflush(nullptr);
        _exit(125);
    }
    const int status = run_main(argc, argv);
    if (sandbox::restriction_started()) {
        // A failure after enforcement began (e.g. exec denied): the process may
        // be inside the domain, so no exit-time work (atexit handlers of
        // libraries, sanitizer leak checks) that the domain may deny.
        std::fflush(nullptr);
        _exit(status);
    }
    return check_stdout(status);
}
