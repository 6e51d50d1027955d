// Integration-test harness: run the real `sandbox` binary (no shell involved),
// capture its stdout, stderr and exit status with a timeout, and run the `probe`
// program inside it to learn the exact errno of one operation.
//
// Environment (set by the meson.build of each suite that runs the binary):
//   SANDBOX_BIN          the launcher under test
//   SANDBOX_PROBE        the probe program (tests/integration/probe.c)
//   SANDBOX_SOURCE_ROOT  the source tree
//   SANDBOX_TEST_REQUIRE_ABI  optional: a Landlock ABI the machine must have; tests
//                        that need at most this ABI fail instead of skipping.
//   SANDBOX_TEST_KERNEL_TSYNC=1  optional: the kernel must have
//                        LANDLOCK_RESTRICT_SELF_TSYNC; kernel-TSYNC tests fail
//                        instead of skipping (kernel_tsync_required()).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "processes.hpp"
#include "temp_dir.hpp"

namespace sandbox_it {

using Args = std::vector<std::string>;

// Concatenates argument lists: concat(exec_flags(), {"--ro", dir}, {"--", "true"}).
Args concat(std::initializer_list<Args> parts);

struct RunResult {
    int exit_status = -1;  // exit code when the process exited, else -1
    int term_signal = 0;   // signal number when it was killed by a signal
    bool timed_out = false;
    std::string out;
    std::string err;

    // Exit status, signal, stdout and stderr in one string for assertion messages.
    [[nodiscard]] std::string describe() const;
    // stderr split into lines (without the newlines).
    [[nodiscard]] std::vector<std::string> err_lines() const;
};

// Descriptor `source` of the test process becomes descriptor `target` in the child
// (without FD_CLOEXEC). Sources must not be among the targets.
struct FdMapping {
    int target;
    int source;
};

struct RunOptions {
    // The child's whole environment; nullopt inherits the test's environment.
    std::optional<std::vector<std::string>> env;
    std::vector<FdMapping> fds;
    std::chrono::milliseconds timeout = std::chrono::seconds(30);
};

RunOptions with_env(std::vector<std::string> env);
RunOptions with_fds(std::vector<FdMapping> fds);

// Forks and execs argv[0] (a path, no PATH search) with stdin from /dev/null,
// collects stdout and stderr until the child exits, kills it on timeout.
RunResult run(const Args& argv, const RunOptions& options = {});


// The value of the environment variable NAME that meson test sets; throws
// when it is missing or empty.
std::string required_env(const char* name);

// CPUs this process may run on (sched_getaffinity).
int available_cpus();

// The test's environment plus or minus some variables, for RunOptions::env.
std::vector<std::string> environment_with(const std::vector<std::string>& set,
                                          const std::vector<std::string>& unset = {});

const std::string& sandbox_bin();
const std::string& probe_bin();
std::string probe_dir();
const std::string& source_root();

// run({sandbox_bin(), args...}).
RunResult run_sandbox(const Args& args, const RunOptions& options = {});

// Flags that let the probe (and dynamically linked system programs) execute:
// --rox for /usr, /lib, /lib64 (where present) and the probe's directory. Never /.
Args exec_flags();

// Runs `sandbox exec_flags() FLAGS... -- probe OP_AND_ARGS...` and returns what the
// probe printed ("OK", "EACCES", ...). When the probe did not report (the launcher
// failed, the probe crashed), returns a "<no probe result: ...>" description instead,
// so an EXPECT_EQ shows what went wrong.
std::string probe(const Args& flags, const Args& op_and_args, const RunOptions& options = {});

// Exit 125, stderr's first line starts with "sandbox: error: ", at least one
// line starts with "  hint: ".
::testing::AssertionResult is_launcher_error(const RunResult& r);

// Lines of `text` (without the newlines).
std::vector<std::string> lines(std::string_view text);
bool has_line_starting_with(const std::vector<std::string>& all, std::string_view prefix);

// `sandbox --features=json`, run once.
const nlohmann::json& features();
// The Landlock ABI the launcher reports.
int launcher_abi();
// Why the machine cannot run a test that needs `needed`, or nullopt when it can.
std::optional<std::string> abi_shortfall(int needed);
// True when SANDBOX_TEST_REQUIRE_ABI is set to a number >= needed.
bool abi_required(int needed);
// True when SANDBOX_TEST_KERNEL_TSYNC is "1": the kernel must have
// LANDLOCK_RESTRICT_SELF_TSYNC (tests/kernel/guest-run.sh sets it).
bool kernel_tsync_required();

// Fixture: a fresh directory under /tmp per test, removed afterwards.
class SandboxTest : public ::testing::Test {
protected:
    void SetUp() override;
    void TearDown() override;

    // dir_ / relative.
    [[nodiscard]] std::string path(std::string_view relative) const;
    // Creates a regular file (parents must exist) and returns its path.
    std::string make_file(std::string_view relative, std::string_view content = "",
                          std::filesystem::perms perms = std::filesystem::perms(0644));
    // Creates a directory (and parents) and returns its path.
    std::string make_dir(std::string_view relative);
    // Copies an existing program into the temporary directory, mode 0755.
    std::string copy_program(const std::string& from, std::string_view relative);
    // Writes a JSON policy file and returns its path.
    std::string write_policy(std::string_view relative, const nlohmann::json& policy);
    // A second fresh directory under `base` (e.g. /var/tmp), removed afterwards.
    std::string make_temp_dir_in(const std::string& base);

    // `-- PROBE create DIR/w/marker`: a command that leaves w/marker when the
    // launcher runs it and a rule lets it write in w/ (marker_rule()). Creates w/.
    [[nodiscard]] Args marker_command() const;
    // `--rw DIR/w`: the rule that lets marker_command() leave its marker.
    [[nodiscard]] Args marker_rule() const;
    // Whether marker_command() ran: w/marker exists.
    [[nodiscard]] bool ran() const;
    // For the next run of marker_command().
    void forget_marker() const;

    std::filesystem::path dir_;

private:
    std::optional<TempDir> temp_;
    std::vector<TempDir> extra_dirs_;
};

std::string read_file(const std::string& path);
bool exists(const std::string& path);

}  // namespace sandbox_it

// Skips the test when the Landlock ABI is below `needed`, or fails it when
// SANDBOX_TEST_REQUIRE_ABI says the machine must have that ABI.
#define SANDBOX_REQUIRE_ABI(needed)                                    \
    do {                                                               \
        if (auto why_ = ::sandbox_it::abi_shortfall(needed)) {         \
            if (::sandbox_it::abi_required(needed)) {                  \
                FAIL() << *why_ << " (SANDBOX_TEST_REQUIRE_ABI is set)"; \
            }                                                          \
            GTEST_SKIP() << *why_;                                     \
        }                                                              \
    } while (0)
