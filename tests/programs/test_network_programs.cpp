// Profiles curl, wget, ssh and http-server, on 127.0.0.1 only.
//
// Port numbers in policies are fixed JSON numbers (curl/wget: 80 and 443, ssh: 22,
// http-server: bind 8000). The tests' own servers listen on kernel-picked ports and
// are added with --connect-tcp PORT on the command line (policies and flags are a
// union); the policy's own port is proved allowed by connecting to it on 127.0.0.1
// and getting the same answer as without a sandbox (ECONNREFUSED when nothing
// listens), and a port nobody allowed fails with EACCES before any connection.
#include "program_test.hpp"

#include <chrono>
#include <thread>

namespace sandbox_programs {
namespace {

using sandbox_it::exists;
using sandbox_it::read_file;

const std::string kPage = "hello from the loopback server\n";

class NetworkPrograms : public ProgramTest {};

TEST_F(NetworkPrograms, CurlFetchesIntoTheWorkDirectory) {
    NEED_PROGRAM(curl, "curl");
    LoopbackServer server(LoopbackServer::http_ok(kPage));
    RunResult r = run_profile(
        "curl", {curl, "-sS", "-o", "page.txt", "http://127.0.0.1:" + server.port_text() + "/x"},
        {"--connect-tcp", server.port_text()});
    ASSERT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_EQ(read_file(path("work/page.txt")), kPage);
    EXPECT_EQ(server.connections(), 1);
}

TEST_F(NetworkPrograms, CurlCannotConnectToAPortNotAllowed) {
    NEED_PROGRAM(curl, "curl");
    LoopbackServer server(LoopbackServer::http_ok(kPage));
    RunResult r = run_profile("curl", {curl, "-v", "http://127.0.0.1:" + server.port_text() + "/"});
    EXPECT_EQ(r.exit_status, 7) << r.describe();
    EXPECT_TRUE(contains(r.err, "Immediate connect fail for 127.0.0.1: Permission denied"));
    EXPECT_EQ(server.connections(), 0);
}

TEST_F(NetworkPrograms, CurlMayConnectToPort80) {
    NEED_PROGRAM(curl, "curl");
    const bool listening = port_accepts(80);
    RunResult r = run_profile("curl", {curl, "-v", "-m", "10", "-o", "/dev/null",
                                       "http://127.0.0.1:80/"});
    EXPECT_FALSE(contains(r.err, "Permission denied")) << r.describe();
    if (listening) {
        EXPECT_TRUE(contains(r.err, "Connected to 127.0.0.1"));
    } else {
        EXPECT_EQ(r.exit_status, 7) << r.describe();
        EXPECT_TRUE(contains(r.err, "connect to 127.0.0.1 port 80 failed: Connection refused"));
    }
}

TEST_F(NetworkPrograms, CurlCannotWriteOutsideTheWorkDirectory) {
    NEED_PROGRAM(curl, "curl");
    LoopbackServer server(LoopbackServer::http_ok(kPage));
    RunResult r = run_profile(
        "curl", {curl, "-sS", "-o", home_ + "/page.txt", "http://127.0.0.1:" + server.port_text()},
        {"--connect-tcp", server.port_text()});
    EXPECT_EQ(r.exit_status, 23) << r.describe();
    EXPECT_FALSE(exists(home_ + "/page.txt"));
}

TEST_F(NetworkPrograms, WgetDownloadsIntoTheWorkDirectory) {
    NEED_PROGRAM(wget, "wget");
    LoopbackServer server(LoopbackServer::http_ok(kPage));
    RunResult r = run_profile(
        "wget", {wget, "-q", "-t", "1", "-O", "page.txt", "http://127.0.0.1:" + server.port_text() + "/x"},
        {"--connect-tcp", server.port_text()});
    ASSERT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_EQ(read_file(path("work/page.txt")), kPage);
    EXPECT_EQ(server.connections(), 1);
}

TEST_F(NetworkPrograms, WgetCannotConnectToAPortNotAllowedOrWriteOutside) {
    NEED_PROGRAM(wget, "wget");
    LoopbackServer server(LoopbackServer::http_ok(kPage));
    const std::string url = "http://127.0.0.1:" + server.port_text() + "/x";
    RunResult r = run_profile("wget", {wget, "-t", "1", "-O", "page.txt", url});
    EXPECT_EQ(r.exit_status, 4) << r.describe();
    EXPECT_TRUE(contains(r.err, "Connecting to 127.0.0.1:" + server.port_text() +
                                    "... failed: Permission denied."));
    EXPECT_EQ(server.connections(), 0);

    // wget opens the output file before it connects, and gives up with status 1.
    r = run_profile("wget", {wget, "-t", "1", "-O", home_ + "/page.txt", url},
                    {"--connect-tcp", server.port_text()});
    EXPECT_EQ(r.exit_status, 1) << r.describe();
    EXPECT_EQ(r.err, home_ + "/page.txt: Permission denied\n");
    EXPECT_EQ(server.connections(), 0);
    EXPECT_FALSE(exists(home_ + "/page.txt"));
}

TEST_F(NetworkPrograms, SshConnectsToTheListener) {
    NEED_PROGRAM(ssh, "ssh");
    LoopbackServer listener("not an ssh server\r\n");
    RunResult r = run_profile("ssh",
                              {ssh, "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-p",
                               listener.port_text(), "127.0.0.1", "true"},
                              {"--connect-tcp", listener.port_text()});
    EXPECT_EQ(r.exit_status, 255) << r.describe();
    EXPECT_FALSE(contains(r.err, "Permission denied")) << r.describe();
    EXPECT_EQ(listener.connections(), 1);
}

TEST_F(NetworkPrograms, SshCannotConnectToAPortNotAllowed) {
    NEED_PROGRAM(ssh, "ssh");
    LoopbackServer listener("not an ssh server\r\n");
    RunResult r = run_profile("ssh", {ssh, "-o", "BatchMode=yes", "-p", listener.port_text(),
                                      "127.0.0.1", "true"});
    EXPECT_EQ(r.exit_status, 255) << r.describe();
    EXPECT_EQ(r.err, "ssh: connect to host 127.0.0.1 port " + listener.port_text() +
                         ": Permission denied\r\n");
    EXPECT_EQ(listener.connections(), 0);
}

TEST_F(NetworkPrograms, SshMayConnectToPort22) {
    NEED_PROGRAM(ssh, "ssh");
    const bool listening = port_accepts(22);
    RunResult r = run_profile("ssh", {ssh, "-o", "BatchMode=yes", "-o", "ConnectTimeout=10",
                                      "-p", "22", "127.0.0.1", "true"});
    EXPECT_EQ(r.exit_status, 255) << r.describe();
    EXPECT_FALSE(contains(r.err, "port 22: Permission denied")) << r.describe();
    if (!listening) {
        EXPECT_EQ(r.err, "ssh: connect to host 127.0.0.1 port 22: Connection refused\r\n");
    }
}

TEST_F(NetworkPrograms, SshCannotReadOtherFilesOrRunHelpers) {
    NEED_PROGRAM(ssh, "ssh");
    const std::string config = make_file("work/ssh_config", "");
    RunResult r = run_profile("ssh", {ssh, "-F", config, "-p", "22", "127.0.0.1", "true"});
    EXPECT_EQ(r.exit_status, 255) << r.describe();
    EXPECT_TRUE(contains(r.err, "Can't open user config file " + config + ": Permission denied"));

    LoopbackServer listener("not an ssh server\r\n");
    r = run_profile("ssh", {ssh, "-o", "BatchMode=yes", "-o",
                            "ProxyCommand=exec true", "-p", listener.port_text(),
                            "127.0.0.1", "true"});
    EXPECT_EQ(r.exit_status, 255) << r.describe();
    EXPECT_TRUE(contains(r.err, "/bin/sh: Permission denied"));
    EXPECT_EQ(listener.connections(), 0);
}

// python3 -m http.server bound to the policy's port 8000 serves ${PWD} to the test.
TEST_F(NetworkPrograms, HttpServerServesTheWorkDirectoryOnPort8000) {
    NEED_PROGRAM(python3, "python3");
    ASSERT_TRUE(port_free(8000)) << "127.0.0.1:8000 is busy; the http-server policy binds "
                                    "port 8000, so this test needs it free";
    make_file("work/index.html", kPage);
    std::filesystem::create_symlink(secret_, path("work/key"));
    BackgroundProcess server(sandboxed("http-server", {},
                                       {python3, "-m", "http.server", "8000", "--bind",
                                        "127.0.0.1"},
                                       work_),
                             program_env(work_, {}), path("server.log"));
    std::string response;
    for (int i = 0; i < 200 && response.empty() && !server.exited(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        response = http_get(8000, "/index.html");
    }
    ASSERT_TRUE(response.starts_with("HTTP/1.0 200 OK\r\n"))
        << response << "\n--- server log ---\n" << read_file(path("server.log"));
    EXPECT_TRUE(response.ends_with("\r\n\r\n" + kPage)) << response;
    // A symlink to ~/.ssh/id_rsa in the served tree: the open fails (EACCES),
    // http.server answers 404.
    response = http_get(8000, "/key");
    EXPECT_TRUE(response.starts_with("HTTP/1.0 404 File not found\r\n")) << response;
}

TEST_F(NetworkPrograms, HttpServerCannotBindAnotherPort) {
    NEED_PROGRAM(python3, "python3");
    const int port = free_port();
    RunResult r = run_profile("http-server", {python3, "-m", "http.server", std::to_string(port),
                                              "--bind", "127.0.0.1"});
    EXPECT_EQ(r.exit_status, 1) << r.describe();
    EXPECT_TRUE(contains(r.err, "PermissionError: [Errno 13] Permission denied\n"));
}

}  // namespace
}  // namespace sandbox_programs
