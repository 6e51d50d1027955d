// --learn (PRODUCT §10): learn a policy from a real program's run, replay the
// same job under the learned policy (same exit status, output and error
// output; as root with --report-denials: not one denial), and check that what
// the program never touched stays denied: ~/.ssh/id_rsa, /etc/shadow and a
// directory beside the working directory, read or written.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <functional>
#include <thread>

#include "program_test.hpp"

namespace sandbox_programs {
namespace {

using sandbox_it::Args;
using sandbox_it::concat;
using sandbox_it::exists;
using sandbox_it::read_file;

const std::vector<std::string> kIdentity = {
    "GIT_AUTHOR_NAME=Sandbox Test", "GIT_AUTHOR_EMAIL=test@example.invalid",
    "GIT_COMMITTER_NAME=Sandbox Test", "GIT_COMMITTER_EMAIL=test@example.invalid",
    "GIT_CONFIG_NOSYSTEM=1"};

// stderr without the launcher's own lines ("sandbox: --learn: wrote ...", and
// on ABI < 9 the warning that a "unix" rule leaves UNIX sockets unrestricted).
std::string command_err(const std::string& err) {
    std::string out;
    for (const std::string& line : sandbox_it::lines(err)) {
        if (!line.starts_with("sandbox: ")) {
            out += line + "\n";
        }
    }
    return out;
}

bool waited_for(const std::function<bool()>& done) {
    for (int i = 0; i < 200; ++i) {
        if (done()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return done();
}

class Learn : public ProgramTest {
protected:
    void SetUp() override {
        ProgramTest::SetUp();
        sibling_ = make_dir("sibling");
        make_file("sibling/data", "sibling data\n");
        policy_ = path("learned.json");
        skip_denial_report();  // these runs report through their own replay
    }

    [[nodiscard]] std::vector<std::string> env(const std::vector<std::string>& extra) const {
        return program_env(work_, concat({{"TMPDIR=" + tmp_, "SOURCE_DATE_EPOCH=1796601600"},
                                          extra}));
    }

    RunResult learn(const Args& command, const Args& flags = {},
                    const std::vector<std::string>& extra_env = {}) {
        sandbox_it::RunOptions o = sandbox_it::with_env(env(extra_env));
        o.timeout = std::chrono::seconds(120);
        return sandbox_it::run(concat({{"/usr/bin/env", "-C", work_, sandbox_it::sandbox_bin(),
                                        "--learn", policy_},
                                       flags,
                                       {"--"},
                                       command}),
                               o);
    }

    // The job under the learned policy; as root, any denial fails the test.
    RunResult replay(const Args& command, const std::vector<std::string>& extra_env = {}) {
        Args report;
        const std::string report_file = path("replay-report.json");
        const bool reports = geteuid() == 0 && sandbox_it::launcher_abi() >= 7;
        if (reports) {
            report = {"--report-denials=json", "--report-to", report_file};
        }
        sandbox_it::RunOptions o = sandbox_it::with_env(env(extra_env));
        o.timeout = std::chrono::seconds(120);
        RunResult r = sandbox_it::run(concat({{"/usr/bin/env", "-C", work_,
                                               sandbox_it::sandbox_bin(), "--policy", policy_},
                                              report,
                                              {"--"},
                                              command}),
                                      o);
        if (reports) {
            const nlohmann::json j = nlohmann::json::parse(read_file(report_file));
            EXPECT_TRUE(j["denials"].empty()) << "the replay was denied:\n"
                                              << j["denials"].dump(2) << "\npolicy:\n"
                                              << read_file(policy_);
            EXPECT_EQ(j["lost"], 0);
        }
        return r;
    }

    // Empties work/ and tmp/ (the state a job starts from) and runs `setup`.
    void reset(const std::function<void()>& setup) {
        for (const std::string& dir : {work_, tmp_}) {
            for (const auto& e : std::filesystem::directory_iterator(dir)) {
                std::filesystem::remove_all(e.path());
            }
        }
        if (setup) {
            setup();
        }
    }

    // Learns the job from the state `setup` makes, replays it from the same
    // state, and compares; returns the learned run.
    RunResult learn_and_replay(const Args& command, const std::function<void()>& setup = {},
                               const std::vector<std::string>& extra_env = {}) {
        reset(setup);
        RunResult learned = learn(command, {}, extra_env);
        EXPECT_TRUE(exists(policy_)) << learned.describe();
        EXPECT_TRUE(contains(learned.err, "sandbox: --learn: wrote " + policy_));
        reset(setup);
        RunResult again = replay(command, extra_env);
        EXPECT_EQ(again.exit_status, learned.exit_status) << again.describe() << "\npolicy:\n"
                                                           << read_file(policy_);
        EXPECT_EQ(again.term_signal, learned.term_signal);
        EXPECT_EQ(again.out, learned.out);
        EXPECT_EQ(command_err(again.err), command_err(learned.err));
        expect_untouched_stay_denied();
        return learned;
    }

    // The probe, allowed to run besides the learned policy, on `path`.
    std::string probe_under_policy(const std::string& op, const std::string& target) {
        RunResult r = sandbox_it::run(
            concat({{"/usr/bin/env", "-C", work_, sandbox_it::sandbox_bin(), "--policy", policy_,
                     "--rox", sandbox_it::probe_dir(), "--", sandbox_it::probe_bin(), op, target}}),
            sandbox_it::with_env(env({})));
        return r.out.empty() ? r.describe() : r.out.substr(0, r.out.find('\n'));
    }

    void expect_untouched_stay_denied() {
        for (const std::string& target : {secret_, std::string("/etc/shadow"), sibling_ + "/data"}) {
            EXPECT_EQ(probe_under_policy("read", target), "EACCES") << target;
            EXPECT_EQ(probe_under_policy("write", target), "EACCES") << target;
        }
        EXPECT_EQ(probe_under_policy("readdir", sibling_), "EACCES");
        EXPECT_EQ(probe_under_policy("create", sibling_ + "/new"), "EACCES");
        EXPECT_EQ(probe_under_policy("create", home_ + "/new"), "EACCES");
    }

    [[nodiscard]] std::string policy_text() const { return read_file(policy_); }

    std::string sibling_;
    std::string policy_;
};

TEST_F(Learn, Tar) {
    NEED_PROGRAM(tar, "tar");
    RunResult r = learn_and_replay({tar, "-czvf", "src.tgz", "src"}, [this] {
        make_dir("work/src/sub");
        make_file("work/src/a.txt", "alpha\n");
        make_file("work/src/sub/b.txt", "beta\n");
    });
    EXPECT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_EQ(r.out, "src/\nsrc/sub/\nsrc/sub/b.txt\nsrc/a.txt\n");
    EXPECT_TRUE(contains(policy_text(), "\"system-base\""));
}

TEST_F(Learn, TheSameRunTwiceGivesTheSameFile) {
    NEED_PROGRAM(tar, "tar");
    const auto setup = [this] {
        make_dir("work/src");
        make_file("work/src/a.txt", "alpha\n");
    };
    reset(setup);
    ASSERT_EQ(learn({tar, "-cf", "src.tar", "src"}).exit_status, 0);
    const std::string first = policy_text();
    reset(setup);
    ASSERT_EQ(learn({tar, "-cf", "src.tar", "src"}).exit_status, 0);
    EXPECT_EQ(policy_text(), first);
    EXPECT_TRUE(contains(first, "Learned by sandbox --learn on 2026-12-07 from: "));
}

TEST_F(Learn, Gzip) {
    NEED_PROGRAM(gzip, "gzip");
    RunResult r = learn_and_replay({gzip, "-kv", "data.txt"},
                                   [this] { make_file("work/data.txt", "some data\n"); });
    EXPECT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_TRUE(exists(path("work/data.txt.gz")));
}

TEST_F(Learn, Jq) {
    NEED_PROGRAM(jq, "jq");
    RunResult r = learn_and_replay({jq, "-c", "[.a[] | . * 10]", "d.json"},
                                   [this] { make_file("work/d.json", "{\"a\": [1, 2, 3]}\n"); });
    EXPECT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_EQ(r.out, "[10,20,30]\n");
    // jq only reads: nothing in the policy may write.
    EXPECT_FALSE(contains(policy_text(), "write_file"));
}

TEST_F(Learn, Sqlite3) {
    NEED_PROGRAM(sqlite3, "sqlite3");
    RunResult r = learn_and_replay(
        {sqlite3, "db.sqlite", "create table t(x); insert into t values (1), (2); select sum(x) from t;"});
    EXPECT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_EQ(r.out, "3\n");
}

TEST_F(Learn, Git) {
    NEED_PROGRAM(git, "git");
    NEED_PROGRAM(sh, "sh");
    RunResult r = learn_and_replay(
        {sh, "-c", "git init -q . && git add a.txt && git commit -q -m first && git log --format=%s"},
        [this] { make_file("work/a.txt", "one\n"); }, kIdentity);
    EXPECT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_EQ(r.out, "first\n");
}

TEST_F(Learn, Python3) {
    NEED_PROGRAM(python3, "python3");
    RunResult r = learn_and_replay(
        {python3, "-c",
         "import json\nwith open('result.json', 'w') as f: json.dump({'sum': 45}, f)\n"
         "print(open('result.json').read())\n"});
    EXPECT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_EQ(r.out, "{\"sum\": 45}\n");
}

TEST_F(Learn, Perl) {
    NEED_PROGRAM(perl, "perl");
    RunResult r = learn_and_replay(
        {perl, "-e", "open(my $f, '>', 'out.txt') or die; print $f qq(x\\n); close $f; "
                     "open($f, '<', 'out.txt') or die; print scalar <$f>;"});
    EXPECT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_EQ(r.out, "x\n");
}

TEST_F(Learn, Node) {
    NEED_PROGRAM(node, "node");
    RunResult r = learn_and_replay(
        {node, "-e",
         "const fs = require('fs'); fs.writeFileSync('n.txt', 'node'); "
         "console.log(fs.readFileSync('n.txt', 'utf8'))"});
    EXPECT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_EQ(r.out, "node\n");
}

TEST_F(Learn, CurlToALoopbackServer) {
    NEED_PROGRAM(curl, "curl");
    LoopbackServer server(LoopbackServer::http_ok("learned\n"));
    RunResult r = learn_and_replay(
        {curl, "-sS", "-o", "page.html", "http://127.0.0.1:" + server.port_text() + "/"});
    EXPECT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_EQ(read_file(path("work/page.html")), "learned\n");
    EXPECT_TRUE(contains(policy_text(), "\"connect_tcp\": [" + server.port_text() + "]"));
}

TEST_F(Learn, Rsync) {
    NEED_PROGRAM(rsync, "rsync");
    RunResult r = learn_and_replay({rsync, "-a", "src/", "dst/"}, [this] {
        make_dir("work/src/sub");
        make_file("work/src/a.txt", "alpha\n");
        make_file("work/src/sub/b.txt", "beta\n");
    });
    EXPECT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_EQ(read_file(path("work/dst/sub/b.txt")), "beta\n");
}

TEST_F(Learn, MakeAndGccBuild) {
    NEED_PROGRAM(make, "make");
    NEED_PROGRAM(gcc, "gcc");
    RunResult r = learn_and_replay({make, "CC=gcc"}, [this] {
        make_file("work/hello.c",
                  "#include <stdio.h>\nint main(void) { puts(\"hello c\"); return 0; }\n");
        make_file("work/Makefile", "all: hello\n\t@./hello\nhello: hello.c\n\t@$(CC) -O2 -o $@ $<\n");
    });
    EXPECT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_EQ(r.out, "hello c\n");
}

TEST_F(Learn, ShellPipeline) {
    NEED_PROGRAM(sh, "sh");
    RunResult r = learn_and_replay(
        {sh, "-c", "cat words | sort | uniq -c | sort -rn > counts; head -n 1 counts | tr -s ' '"},
        [this] { make_file("work/words", "b\na\nb\nc\nb\n"); });
    EXPECT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_EQ(r.out, " 3 b\n");
}

TEST_F(Learn, ThreadedProgram) {
    NEED_PROGRAM(python3, "python3");
    // Each file is opened on its own thread: the filter covers every thread.
    RunResult r = learn_and_replay(
        {python3, "-c",
         "import threading\n"
         "def work(i):\n"
         "    with open(f't{i}.txt', 'w') as f: f.write(str(i))\n"
         "ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]\n"
         "[t.start() for t in ts]; [t.join() for t in ts]\n"
         "print(sum(int(open(f't{i}.txt').read()) for i in range(4)))\n"});
    EXPECT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_EQ(r.out, "6\n");
}

TEST_F(Learn, TcpBindIsLearnedByPort) {
    NEED_PROGRAM(python3, "python3");
    const std::string port = std::to_string(free_port());
    RunResult r = learn_and_replay(
        {python3, "-c",
         "import socket\ns = socket.socket()\ns.bind(('127.0.0.1', " + port +
             "))\ns.listen()\nprint('bound')\n"});
    EXPECT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_EQ(r.out, "bound\n");
    EXPECT_TRUE(contains(policy_text(), "\"bind_tcp\": [" + port + "]")) << policy_text();
}

TEST_F(Learn, SignalToAProcessOutsideLeavesTheSignalScopeOpen) {
    NEED_PROGRAM(sh, "sh");
    sandbox_it::IdleChild outside;
    const std::string pid = std::to_string(outside.pid());
    RunResult r = learn_and_replay({sh, "-c", "kill -0 " + pid + " && echo alive"});
    EXPECT_EQ(r.out, "alive\n") << r.describe();
    EXPECT_TRUE(contains(policy_text(), "\"scopes\": {\"unrestricted\": [\"signal\"]}"));
    // A signal inside the run (to itself) needs nothing.
    learn_and_replay({sh, "-c", "kill -0 $$ && echo self"});
    EXPECT_FALSE(contains(policy_text(), "\"scopes\"")) << policy_text();
}

TEST_F(Learn, UnixSocketConnectIsLearnedAsResolveUnix) {
    NEED_PROGRAM(python3, "python3");
    const std::string socket_path = path("agent.sock");
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    ASSERT_LT(socket_path.size(), sizeof a.sun_path);
    std::memcpy(a.sun_path, socket_path.data(), socket_path.size());
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(listen(fd, 16), 0);
    RunResult r = learn_and_replay(
        {python3, "-c",
         "import socket\ns = socket.socket(socket.AF_UNIX)\ns.connect('" + socket_path +
             "')\nprint('connected')\n"});
    close(fd);
    EXPECT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_EQ(r.out, "connected\n");
    // A "unix" entry: resolve_unix where the kernel has it (ABI 9), and no
    // UNIX socket guard below it.
    EXPECT_TRUE(contains(policy_text(), "\"unix\": [\n      \"" + socket_path + "\"\n    ]"))
        << policy_text();
}

TEST_F(Learn, DeviceIoctlsOnlyOnDevicesTheRunOpened) {
    NEED_PROGRAM(sh, "sh");
    // stdin is /dev/null, inherited: Landlock does not restrict it, even
    // though the run opens /dev/null as well (test -t: TCGETS).
    RunResult r = learn_and_replay({sh, "-c", "exec 3</dev/null; test -t 0; echo $?"});
    EXPECT_EQ(r.out, "1\n") << r.describe();
    EXPECT_FALSE(contains(policy_text(), "ioctl_dev")) << policy_text();
    // Its own descriptor of /dev/null needs ioctl_dev for the same TCGETS.
    r = learn_and_replay({sh, "-c", "exec 3</dev/null; test -t 3; echo $?"});
    EXPECT_EQ(r.out, "1\n") << r.describe();
    EXPECT_TRUE(contains(policy_text(), "{\"path\": \"/dev/null\", \"access\": [\"ioctl_dev\"]}"))
        << policy_text();
}

TEST_F(Learn, ProgramThatForksADaemonAndExits) {
    NEED_PROGRAM(sh, "sh");
    NEED_PROGRAM(setsid, "setsid");
    const Args job = {sh, "-c",
                      setsid + " sh -c 'sleep 1; echo late > late.txt' </dev/null >/dev/null "
                               "2>&1 & echo started"};
    reset({});
    RunResult learned = learn(job);
    ASSERT_EQ(learned.exit_status, 0) << learned.describe();
    EXPECT_EQ(learned.out, "started\n");
    // Learning ended with the daemon, not with the command: its file is there.
    EXPECT_EQ(read_file(path("work/late.txt")), "late\n");
    EXPECT_TRUE(contains(policy_text(), "\"make_reg\"")) << policy_text();
    reset({});
    RunResult again = replay(job);
    EXPECT_EQ(again.exit_status, 0) << again.describe();
    EXPECT_EQ(again.out, "started\n");
    EXPECT_TRUE(waited_for([this] { return exists(path("work/late.txt")); }))
        << "the daemon could not write under the learned policy";
    expect_untouched_stay_denied();
}

TEST_F(Learn, CommandKilledBySignalPassesTheSignalOnAndStillWritesThePolicy) {
    NEED_PROGRAM(sh, "sh");
    RunResult r = learn_and_replay({sh, "-c", "echo before; kill -TERM $$"});
    EXPECT_EQ(r.term_signal, SIGTERM) << r.describe();
    EXPECT_EQ(r.out, "before\n");
}

TEST_F(Learn, CtrlCWhileTheCommandRunsEndsItAndThePolicyIsWritten) {
    NEED_PROGRAM(sh, "sh");
    NEED_PROGRAM(sleep, "sleep");
    sandbox_it::BackgroundProcess p(
        {"/usr/bin/env", "-C", work_, sandbox_it::sandbox_bin(), "--learn", policy_, "--", sh,
         "-c", "echo ready > ready.txt; exec " + sleep + " 60"},
        env({}), path("learn.log"));
    ASSERT_TRUE(waited_for([this] { return exists(path("work/ready.txt")); }));
    // What the terminal does on Ctrl-C: SIGINT to the foreground process group.
    ASSERT_EQ(kill(-p.pid(), SIGINT), 0);
    const int status = p.wait();
    ASSERT_TRUE(WIFSIGNALED(status)) << read_file(path("learn.log"));
    EXPECT_EQ(WTERMSIG(status), SIGINT);
    EXPECT_TRUE(contains(policy_text(), "\"" + sleep + "\"")) << policy_text();
}

TEST_F(Learn, ChildrenThatOutliveTheCommandAreEndedByAnInterrupt) {
    NEED_PROGRAM(sh, "sh");
    NEED_PROGRAM(setsid, "setsid");
    sandbox_it::BackgroundProcess p(
        {"/usr/bin/env", "-C", work_, sandbox_it::sandbox_bin(), "--learn", policy_, "--", sh,
         "-c", setsid + " sleep 60 </dev/null >/dev/null 2>&1 & echo $! > daemon.pid"},
        env({}), path("learn.log"));
    ASSERT_TRUE(waited_for([this] {
        return contains(read_file(path("learn.log")), "learning goes on");
    })) << read_file(path("learn.log"));
    const pid_t daemon = std::stoi(read_file(path("work/daemon.pid")));
    EXPECT_EQ(kill(daemon, 0), 0);
    ASSERT_EQ(kill(p.pid(), SIGTERM), 0);
    const int status = p.wait();
    ASSERT_TRUE(WIFEXITED(status)) << read_file(path("learn.log"));
    EXPECT_EQ(WEXITSTATUS(status), 0);  // the command's own exit status
    EXPECT_TRUE(contains(read_file(path("learn.log")), "interrupted"));
    EXPECT_TRUE(exists(policy_));
    EXPECT_EQ(kill(daemon, 0), -1) << read_file(path("learn.log"));  // ended and reaped
    EXPECT_EQ(errno, ESRCH);
}

TEST_F(Learn, WorksAsAnUnprivilegedUser) {
    NEED_PROGRAM(sh, "sh");
    NEED_PROGRAM(setpriv, "setpriv");
    for (const std::string& d : {dir_.string(), work_, tmp_, home_}) {
        ASSERT_EQ(chown(d.c_str(), 65534, 65534), 0) << d;
    }
    const Args nobody = {setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"};
    const Args job = {sh, "-c", "echo hi > f.txt; cat f.txt; ls"};
    sandbox_it::RunOptions o = sandbox_it::with_env(env({}));
    RunResult learned = sandbox_it::run(
        concat({nobody, {"/usr/bin/env", "-C", work_, sandbox_it::sandbox_bin(), "--learn",
                         policy_, "--"},
                job}),
        o);
    ASSERT_EQ(learned.exit_status, 0) << learned.describe();
    EXPECT_EQ(learned.out, "hi\nf.txt\n");
    std::filesystem::remove(path("work/f.txt"));
    RunResult again = sandbox_it::run(
        concat({nobody, {"/usr/bin/env", "-C", work_, sandbox_it::sandbox_bin(), "--policy",
                         policy_, "--"},
                job}),
        o);
    EXPECT_EQ(again.exit_status, 0) << again.describe() << policy_text();
    EXPECT_EQ(again.out, "hi\nf.txt\n");
}

TEST_F(Learn, LearnCheckReplaysAndReportsNoDenial) {
    NEED_PROGRAM(sh, "sh");
    reset([this] { make_file("work/in.txt", "x\n"); });
    RunResult r = learn({sh, "-c", "cat in.txt > out.txt; cat out.txt"}, {"--learn-check"});
    EXPECT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_EQ(r.out, "x\nx\n");  // the job, then its replay
    if (geteuid() == 0 && sandbox_it::launcher_abi() >= 7) {
        EXPECT_TRUE(contains(r.err, "as the learned run did, without a denial")) << r.describe();
    } else {
        EXPECT_TRUE(contains(r.err, "denials not checked")) << r.describe();
    }
}

TEST_F(Learn, LearnCheckFailsWhenTheReplayEndsDifferently) {
    NEED_PROGRAM(sh, "sh");
    reset({});
    // The first run leaves a marker that makes the second one fail.
    RunResult r = learn({sh, "-c", "test -e marker && exit 3; touch marker"}, {"--learn-check"});
    EXPECT_EQ(r.exit_status, 125) << r.describe();
    EXPECT_TRUE(contains(r.err, "sandbox: error: --learn-check: the replay under " + policy_ +
                                    " exited with 3 (the learned run exited with 0)"))
        << r.describe();
    EXPECT_TRUE(contains(r.err, "  hint: "));
}

TEST_F(Learn, RefusesRuleFlags) {
    RunResult r = sandbox_it::run_sandbox({"--learn", policy_, "--ro", "/usr", "--", "/bin/true"});
    EXPECT_TRUE(sandbox_it::is_launcher_error(r)) << r.describe();
    EXPECT_TRUE(contains(r.err, "--learn takes --profile and --policy"));
    EXPECT_FALSE(exists(policy_));
}

TEST_F(Learn, GivenProfilesAreIncludedAndSubtracted) {
    NEED_PROGRAM(sh, "sh");
    reset([this] { make_file("work/in.txt", "x\n"); });
    RunResult r = learn({sh, "-c", "cat in.txt"}, {"--profile", "shell"});
    ASSERT_EQ(r.exit_status, 0) << r.describe();
    const nlohmann::json p = nlohmann::json::parse(policy_text());
    EXPECT_EQ(p["include"][0], "shell") << policy_text();
    // The shell profile allows all of it: no rule of its own is left.
    EXPECT_FALSE(p.contains("filesystem")) << policy_text();
}

}  // namespace
}  // namespace sandbox_programs
