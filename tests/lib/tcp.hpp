// TCP sockets of the test process on 127.0.0.1, outside any sandbox.
#pragma once

#include <string>

namespace sandbox_it {

// A TCP socket bound to 127.0.0.1 with a port the kernel picked, listening or
// not; throws std::system_error when a step fails.
class TcpSocket {
public:
    enum class Listen { Yes, No };

    explicit TcpSocket(Listen listen_mode);
    ~TcpSocket() { close_now(); }
    TcpSocket(const TcpSocket&) = delete;
    TcpSocket& operator=(const TcpSocket&) = delete;

    [[nodiscard]] int fd() const { return fd_; }
    [[nodiscard]] int port() const { return port_; }
    [[nodiscard]] std::string port_text() const { return std::to_string(port_); }
    void close_now();

private:
    int fd_ = -1;
    int port_ = 0;
};

// A loopback port that was free a moment ago: bound by the kernel's choice, then
// released, so nothing listens on it.
int free_port();

}  // namespace sandbox_it
