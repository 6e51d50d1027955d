#include "program_test.hpp"
#include "processes.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace sandbox_programs {

using sandbox_it::fail_sys;

namespace {

sockaddr_in loopback(int port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

int tcp_socket() {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        fail_sys("socket");
    }
    return fd;
}

int connect_loopback(int port) {
    int fd = tcp_socket();
    sockaddr_in a = loopback(port);
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

// Reads until EOF or until `stop_at` appears, with a per-read timeout.
std::string read_some(int fd, const std::string& stop_at, int timeout_ms) {
    std::string got;
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, timeout_ms) <= 0) {
            break;
        }
        char buf[4096];
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) {
            break;
        }
        got.append(buf, static_cast<std::size_t>(n));
        if (!stop_at.empty() && got.find(stop_at) != std::string::npos) {
            break;
        }
    }
    return got;
}

void write_all(int fd, const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
        ssize_t n = write(fd, data.data() + done, data.size() - done);
        if (n <= 0) {
            return;  // the peer went away; the test checks what it saw
        }
        done += static_cast<std::size_t>(n);
    }
}

}  // namespace

std::string find_program(const std::string& name) {
    for (const char* dir : {"/usr/bin", "/bin", "/usr/local/bin"}) {
        std::string p = std::string(dir) + "/" + name;
        if (access(p.c_str(), X_OK) == 0) {
            return p;
        }
    }
    return "";
}

LoopbackServer::LoopbackServer(std::string reply)
    : port_(socket_.port()), reply_(std::move(reply)) {
    thread_ = std::thread([this] { serve(); });
}

LoopbackServer::~LoopbackServer() {
    stop_ = true;
    thread_.join();
}

void LoopbackServer::serve() {
    while (!stop_) {
        pollfd p{socket_.fd(), POLLIN, 0};
        if (poll(&p, 1, 50) <= 0) {
            continue;
        }
        int c = accept4(socket_.fd(), nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) {
            continue;
        }
        ++connections_;
        if (reply_.starts_with("HTTP/")) {
            (void)read_some(c, "\r\n\r\n", 5000);
        }
        write_all(c, reply_);
        close(c);
    }
}

std::string LoopbackServer::http_ok(const std::string& body) {
    return "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

bool port_accepts(int port) {
    int fd = connect_loopback(port);
    if (fd < 0) {
        return false;
    }
    close(fd);
    return true;
}

bool port_free(int port) {
    int fd = tcp_socket();
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a = loopback(port);
    bool ok = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(fd);
    return ok;
}

std::string http_get(int port, const std::string& path) {
    int fd = connect_loopback(port);
    if (fd < 0) {
        return "";
    }
    write_all(fd, "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    std::string response = read_some(fd, "", 10000);
    close(fd);
    return response;
}

void ProgramTest::SetUp() {
    SandboxTest::SetUp();
    home_ = make_dir("home");
    make_dir("home/.ssh");
    secret_ = make_file("home/.ssh/id_rsa", "-----BEGIN FAKE PRIVATE KEY-----\n",
                        std::filesystem::perms(0600));
    work_ = make_dir("work");
    tmp_ = make_dir("tmp");
    const char* report = std::getenv("SANDBOX_TEST_REPORT_DENIALS");
    if (report != nullptr && std::string(report) == "1") {
        reports_ = make_dir("reports");
    }
}

namespace {

// `path` with the test's directories as $HOME, $WORK, $TMP, $DIR.
std::string placeholders(std::string path, const std::vector<std::pair<std::string, std::string>>& dirs) {
    for (const auto& [dir, name] : dirs) {
        if (path == dir || path.starts_with(dir + "/")) {
            return name + path.substr(dir.size());
        }
    }
    return path;
}

// "fs.read_file $HOME/.ssh/id_rsa", "net.connect_tcp port", "scope.signal".
std::string denial_text(const nlohmann::json& d,
                        const std::vector<std::pair<std::string, std::string>>& dirs) {
    std::string blockers;
    for (const auto& b : d["blockers"]) {
        blockers += (blockers.empty() ? "" : ",") + b.get<std::string>();
    }
    if (d.contains("port")) {
        return blockers + " port";
    }
    if (d.contains("path")) {
        return blockers + " " + placeholders(d["path"].get<std::string>(), dirs);
    }
    return blockers;
}

const nlohmann::json& intended_denials() {
    static const nlohmann::json table = nlohmann::json::parse(sandbox_it::read_file(
        sandbox_it::source_root() + "/tests/programs/intended_denials.json"));
    return table;
}

}  // namespace

void ProgramTest::TearDown() {
    if (!reports_.empty()) {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        const std::string name = std::string(info->test_suite_name()) + "." + info->name();
        const auto& table = intended_denials();
        const nlohmann::json intended = table.contains(name) ? table[name] : nlohmann::json::array();
        const std::vector<std::pair<std::string, std::string>> dirs = {
            {home_, "$HOME"}, {work_, "$WORK"}, {tmp_, "$TMP"}, {dir_.string(), "$DIR"}};
        for (const auto& entry : std::filesystem::directory_iterator(reports_)) {
            const std::string text = sandbox_it::read_file(entry.path().string());
            if (text.empty()) {
                continue;  // a run killed with its supervisor (a background server)
            }
            const nlohmann::json report = nlohmann::json::parse(text);
            for (const auto& d : report["denials"]) {
                const std::string what = denial_text(d, dirs);
                const bool listed = std::any_of(intended.begin(), intended.end(), [&](const auto& i) {
                    return fnmatch(i["denial"].template get<std::string>().c_str(), what.c_str(), 0) == 0;
                });
                EXPECT_TRUE(listed) << "denial not listed in tests/programs/intended_denials.json "
                                       "for "
                                    << name << ": \"" << what << "\" by " << d["comm"]
                                    << ": fix the profile, or list it there with the reason";
            }
        }
    }
    SandboxTest::TearDown();
}

std::vector<std::string> ProgramTest::program_env(const std::string& cwd,
                                                  const std::vector<std::string>& extra) const {
    std::vector<std::string> env = {
        "PATH=/usr/local/bin:/usr/bin:/bin",
        "HOME=" + home_,
        "PWD=" + cwd,
        "LANG=C.UTF-8",
        "USER=sandbox-test",
        "SANDBOX_POLICY_PATH=" + std::string(std::getenv("SANDBOX_POLICY_PATH") != nullptr
                                                 ? std::getenv("SANDBOX_POLICY_PATH")
                                                 : ""),
    };
    env.insert(env.end(), extra.begin(), extra.end());
    return env;
}

Args ProgramTest::sandboxed(const std::string& profile, const Args& flags, const Args& command,
                            const std::string& cwd) const {
    Args report;
    const bool runs = std::none_of(flags.begin(), flags.end(), [](const std::string& f) {
        return f.starts_with("--explain") || f == "--validate";
    });
    if (!reports_.empty() && runs) {
        report = {"--report-denials=json", "--report-to",
                  reports_ + "/" + std::to_string(++report_count_) + ".json"};
    }
    return sandbox_it::concat({{"/usr/bin/env", "-C", cwd, sandbox_it::sandbox_bin(),
                                "--profile", profile},
                               report,
                               flags,
                               {"--"},
                               command});
}

RunResult ProgramTest::run_profile(const std::string& profile, const Args& command,
                                   const Args& flags, const std::vector<std::string>& extra_env) {
    return run_profile_in(work_, profile, command, flags, extra_env);
}

RunResult ProgramTest::run_profile_in(const std::string& cwd, const std::string& profile,
                                      const Args& command, const Args& flags,
                                      const std::vector<std::string>& extra_env) {
    sandbox_it::RunOptions options = sandbox_it::with_env(program_env(cwd, extra_env));
    options.timeout = std::chrono::seconds(60);
    return sandbox_it::run(sandboxed(profile, flags, command, cwd), options);
}

RunResult ProgramTest::run_plain(const std::string& cwd, const Args& command,
                                 const std::vector<std::string>& extra_env) {
    sandbox_it::RunOptions options = sandbox_it::with_env(program_env(cwd, extra_env));
    options.timeout = std::chrono::seconds(60);
    return sandbox_it::run(sandbox_it::concat({{"/usr/bin/env", "-C", cwd}, command}), options);
}

::testing::AssertionResult contains(const std::string& text, const std::string& needle) {
    if (text.find(needle) != std::string::npos) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << "expected to find\n  " << needle << "\nin\n"
                                         << text;
}

}  // namespace sandbox_programs
