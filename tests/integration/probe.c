// probe: attempt exactly one operation and print its outcome as an errno
// name ("OK", "EACCES", "ENOENT", ...) on stdout, so tests can tell a
// Landlock denial from a setup mistake. Exit status: 0 if the operation
// succeeded, 1 if it failed, 2 on usage errors.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static int report(int ok) {
    int err = errno;
    if (ok) {
        puts("OK");
        return 0;
    }
    const char* name = strerrorname_np(err);
    puts(name ? name : "EUNKNOWN");
    return 1;
}

static int do_open(const char* path, int flags) {
    int fd = open(path, flags | O_CLOEXEC, 0644);
    if (fd < 0) {
        return 0;
    }
    close(fd);
    return 1;
}

static int do_read(const char* path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return 0;
    }
    char c;
    ssize_t n = read(fd, &c, 1);
    int saved = errno;
    close(fd);
    errno = saved;
    return n >= 0;
}

static int do_exec(const char* path) {
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0) {
        return 0;
    }
    pid_t pid = fork();
    if (pid == 0) {
        char* argv[] = {(char*)path, NULL};
        char* envp[] = {NULL};
        execve(path, argv, envp);
        int err = errno;
        (void)!write(pipefd[1], &err, sizeof err);
        _exit(127);
    }
    close(pipefd[1]);
    int err = 0;
    ssize_t n = read(pipefd[0], &err, sizeof err);
    close(pipefd[0]);
    int status;
    waitpid(pid, &status, 0);
    if (n == (ssize_t)sizeof err) {
        errno = err;
        return 0;
    }
    return 1;
}

static int tcp(int port, int do_bind) {
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
        return 0;
    }
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int r = do_bind ? bind(s, (struct sockaddr*)&a, sizeof a)
                    : connect(s, (struct sockaddr*)&a, sizeof a);
    int saved = errno;
    close(s);
    errno = saved;
    return r == 0;
}

static int unix_socket(const char* name, int abstract, int do_bind) {
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
        return 0;
    }
    struct sockaddr_un a = {0};
    a.sun_family = AF_UNIX;
    size_t len = strlen(name);
    if (len + 2 > sizeof a.sun_path) {
        errno = ENAMETOOLONG;
        return 0;
    }
    memcpy(a.sun_path + (abstract ? 1 : 0), name, len);
    socklen_t size = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (abstract ? 1 : 0));
    int r = do_bind ? bind(s, (struct sockaddr*)&a, size) : connect(s, (struct sockaddr*)&a, size);
    int saved = errno;
    close(s);
    errno = saved;
    return r == 0;
}

// The three ways to a UNIX socket that the guard below ABI 9 decides on.
static int unix_only_socket(void) {
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
        return 0;
    }
    close(s);
    return 1;
}

static int unix_socketpair(void) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        return 0;
    }
    int ok = write(sv[0], "x", 1) == 1;
    char c = 0;
    ok = ok && read(sv[1], &c, 1) == 1 && c == 'x';
    close(sv[0]);
    close(sv[1]);
    return ok;
}

#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif
// io_uring_setup(1, params): OK when a ring was created.
static int io_uring(void) {
    unsigned char params[120] = {0};  // struct io_uring_params
    long fd = syscall(__NR_io_uring_setup, 1, params);
    if (fd < 0) {
        return 0;
    }
    close((int)fd);
    return 1;
}

static int do_ioctl(const char* path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return 0;
    }
    struct termios t;
    int r = ioctl(fd, TCGETS, &t);
    int saved = errno;
    close(fd);
    errno = saved;
    return r == 0;
}

#if defined(__x86_64__)
// TIOCSTI through the i386 system call entry (int 0x80, i386 ioctl = 54).
static int tiocsti_i386(int fd) {
    char* c = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
                   -1, 0);
    if (c == MAP_FAILED) return 0;
    c[0] = 'X';
    long r;
    __asm__ volatile("int $0x80"
                     : "=a"(r)
                     : "a"(54L), "b"((long)fd), "c"((long)TIOCSTI), "d"((long)(unsigned long)c)
                     : "memory", "r8", "r9", "r10", "r11");
    if (r < 0) {
        errno = (int)-r;
        return 0;
    }
    return 1;
}

// getpid through the i386 system call entry (i386 getpid = 20). Where the kernel
// does not offer that entry to 64-bit processes (ia32_emulation=0) the process
// dies with SIGSEGV: tests run this outside any sandbox to find out.
static int getpid_i386(void) {
    long r;
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory", "r8", "r9", "r10", "r11");
    if (r < 0) {
        errno = (int)-r;
        return 0;
    }
    return r == (long)getpid();
}
#endif

// Terminal ioctls on descriptor `fd` (tests/adversarial/test_tty.cpp).
static int tty_op(const char* op, int fd) {
    char c = 'X';
#if defined(__x86_64__)
    if (!strcmp(op, "tiocsti-i386")) return tiocsti_i386(fd);
#endif
    if (!strcmp(op, "tiocsti")) return ioctl(fd, TIOCSTI, &c) == 0;
    // The kernel truncates the command to 32 bits: high bits must not bypass a filter.
    if (!strcmp(op, "tiocsti-high"))
        return syscall(SYS_ioctl, fd, 0xffffffff00000000UL | TIOCSTI, &c) == 0;
    if (!strcmp(op, "tioclinux")) {
        char sub = 2;  // TIOCL_SETSEL: the subcommand byte
        return ioctl(fd, TIOCLINUX, &sub) == 0;
    }
    if (!strcmp(op, "tcgets")) {
        struct termios t;
        return tcgetattr(fd, &t) == 0;
    }
    if (!strcmp(op, "tcsets")) {
        struct termios t;
        return tcgetattr(fd, &t) == 0 && tcsetattr(fd, TCSANOW, &t) == 0;
    }
    if (!strcmp(op, "winsz")) {
        struct winsize w;
        return ioctl(fd, TIOCGWINSZ, &w) == 0;
    }
    // Job control: a child becomes its own process group and the foreground one.
    if (!strcmp(op, "tcsetpgrp")) {
        pid_t pid = fork();
        if (pid == 0) {
            signal(SIGTTOU, SIG_IGN);
            if (setpgid(0, 0) != 0 || tcsetpgrp(fd, getpid()) != 0 || tcgetpgrp(fd) != getpid())
                _exit(errno ? errno : 255);
            _exit(0);
        }
        int status;
        if (pid < 0 || waitpid(pid, &status, 0) < 0) return 0;
        errno = WIFEXITED(status) ? WEXITSTATUS(status) : EINTR;
        if (errno == 0) {
            signal(SIGTTOU, SIG_IGN);
            return tcsetpgrp(fd, getpgrp()) == 0;  // take the terminal back
        }
        return 0;
    }
    errno = EINVAL;
    return 0;
}

static int udp_sendto(int port) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
        return 0;
    }
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ssize_t n = sendto(s, "u", 1, 0, (struct sockaddr*)&a, sizeof a);
    int saved = errno;
    close(s);
    errno = saved;
    return n == 1;
}

// Reads NAME relative to the inherited directory descriptor DIRFD.
static int fd_read(int dirfd, const char* name) {
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return 0;
    }
    close(fd);
    return 1;
}

int main(int argc, char** argv) {
    if (argc < 3) {
        fprintf(stderr,
                "usage: probe OP ARG...\n"
                "  read|readdir|write|append|trunc-open|truncate|create|mkdir|rmdir|unlink PATH\n"
                "  mkfifo|mksock|mkchar|mkblock|exec|ioctl PATH\n"
                "  symlink|rename|link FROM TO\n"
                "  bind|connect PORT\n"
                "  kill PID\n"
                "  fd N\n"
                "  abstract-connect|abstract-bind NAME\n"
                "  unix-connect|unix-bind PATH\n"
                "  unix-socket|socketpair|io-uring -\n"
                "  write-file PATH TEXT\n"
                "  tiocsti|tiocsti-high|tioclinux|tcgets|tcsets|winsz|tcsetpgrp FD\n"
                "  udp-sendto PORT\n"
                "  fd-read DIRFD NAME\n"
                "  read-fd FD\n"
                "  i386-getpid 0   (x86-64: getpid through int $0x80)\n");
        return 2;
    }
    const char* op = argv[1];
    const char* a = argv[2];
    const char* b = argc > 3 ? argv[3] : NULL;
    errno = 0;
    if (!strcmp(op, "read")) return report(do_read(a));
    if (!strcmp(op, "readdir")) return report(do_open(a, O_RDONLY | O_DIRECTORY));
    if (!strcmp(op, "write")) return report(do_open(a, O_WRONLY));
    if (!strcmp(op, "append")) return report(do_open(a, O_WRONLY | O_APPEND));
    if (!strcmp(op, "trunc-open")) return report(do_open(a, O_WRONLY | O_TRUNC));
    if (!strcmp(op, "truncate")) return report(truncate(a, 0) == 0);
    if (!strcmp(op, "create")) return report(do_open(a, O_WRONLY | O_CREAT | O_EXCL));
    if (!strcmp(op, "mkdir")) return report(mkdir(a, 0755) == 0);
    if (!strcmp(op, "rmdir")) return report(rmdir(a) == 0);
    if (!strcmp(op, "unlink")) return report(unlink(a) == 0);
    if (!strcmp(op, "mkfifo")) return report(mkfifo(a, 0644) == 0);
    if (!strcmp(op, "mkchar")) return report(mknod(a, S_IFCHR | 0644, makedev(1, 3)) == 0);
    if (!strcmp(op, "mkblock")) return report(mknod(a, S_IFBLK | 0644, makedev(7, 0)) == 0);
    // mknod(S_IFSOCK) needs make_sock exactly as bind() does, without a socket.
    if (!strcmp(op, "mksock")) return report(mknod(a, S_IFSOCK | 0644, 0) == 0);
    if (!strcmp(op, "exec")) return report(do_exec(a));
    if (!strcmp(op, "ioctl")) return report(do_ioctl(a));
    if (!strcmp(op, "bind")) return report(tcp(atoi(a), 1));
    if (!strcmp(op, "connect")) return report(tcp(atoi(a), 0));
    if (!strcmp(op, "kill")) return report(kill((pid_t)atoi(a), 0) == 0);
    if (!strcmp(op, "fd")) return report(fcntl(atoi(a), F_GETFD) >= 0);
    if (!strcmp(op, "abstract-connect")) return report(unix_socket(a, 1, 0));
    if (!strcmp(op, "abstract-bind")) return report(unix_socket(a, 1, 1));
    if (!strcmp(op, "unix-connect")) return report(unix_socket(a, 0, 0));
    if (!strcmp(op, "unix-bind")) return report(unix_socket(a, 0, 1));
    if (!strcmp(op, "unix-socket")) return report(unix_only_socket());
    if (!strcmp(op, "socketpair")) return report(unix_socketpair());
    if (!strcmp(op, "io-uring")) return report(io_uring());
    if (!strncmp(op, "tiocsti", 7) || !strcmp(op, "tioclinux") || !strcmp(op, "tcgets") ||
        !strcmp(op, "tcsets") || !strcmp(op, "winsz") || !strcmp(op, "tcsetpgrp"))
        return report(tty_op(op, atoi(a)));
    if (!strcmp(op, "udp-sendto")) return report(udp_sendto(atoi(a)));
    if (!strcmp(op, "read-fd")) {
        char c;
        return report(read(atoi(a), &c, 1) >= 0);
    }
#if defined(__x86_64__)
    if (!strcmp(op, "i386-getpid")) return report(getpid_i386());
#endif
    if (!strcmp(op, "euid")) return printf("%d\n", (int)geteuid()) < 0;
    if (b != NULL) {
        if (!strcmp(op, "fd-read")) return report(fd_read(atoi(a), b));
        if (!strcmp(op, "symlink")) return report(symlink(a, b) == 0);
        if (!strcmp(op, "rename")) return report(rename(a, b) == 0);
        if (!strcmp(op, "link")) return report(link(a, b) == 0);
        if (!strcmp(op, "write-file")) {
            int fd = open(a, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (fd < 0) return report(0);
            ssize_t n = write(fd, b, strlen(b));
            close(fd);
            return report(n == (ssize_t)strlen(b));
        }
    }
    fprintf(stderr, "probe: unknown operation or missing argument: %s\n", op);
    return 2;
}
