// Profiles shell, python3, perl and node: the interpreter runs a script that
// writes in ${PWD}; reading ~/.ssh/id_rsa, writing in ${HOME} and (where the
// interpreter can say) connecting to a listening loopback port fail with EACCES.
#include "program_test.hpp"

namespace sandbox_programs {
namespace {

using sandbox_it::exists;
using sandbox_it::read_file;

class Interpreters : public ProgramTest {
protected:
    // Writes work/FILE, runs `PROGRAM FILE ARGS...` under PROFILE in work/ and
    // expects exit status 0 and exactly `out` on stdout.
    void expect_script(const std::string& profile, const std::string& program,
                       const std::string& file, const std::string& script, const std::string& out,
                       const Args& args = {}) {
        make_file("work/" + file, script);
        RunResult r = run_profile(profile, sandbox_it::concat({{program, file}, args}));
        ASSERT_EQ(r.exit_status, 0) << r.describe();
        EXPECT_EQ(r.out, out);
    }

    // expect_script() for a script that tries to escape (given a loopback
    // server's port as its argument): its output says what was denied, and
    // neither the connection nor ~/note happened.
    void expect_escape_denied(const std::string& profile, const std::string& program,
                              const std::string& file, const std::string& script,
                              const std::string& out) {
        LoopbackServer server(LoopbackServer::http_ok("x"));
        ASSERT_NO_FATAL_FAILURE(
            expect_script(profile, program, file, script, out, {server.port_text()}));
        EXPECT_EQ(server.connections(), 0);
        EXPECT_FALSE(exists(home_ + "/note"));
    }
};

TEST_F(Interpreters, ShellRunsCoreutilsInTheWorkDirectory) {
    NEED_PROGRAM(sh, "sh");
    RunResult r = run_profile("shell", {sh, "-c", "echo hi > out.txt && cat out.txt && "
                                                  "ls -l out.txt | cut -c1-10 && wc -c < out.txt"});
    ASSERT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_EQ(r.out, "hi\n-rw-r--r--\n3\n");
    EXPECT_EQ(read_file(path("work/out.txt")), "hi\n");
}

TEST_F(Interpreters, ShellCannotReadSshKeyOrWriteHome) {
    NEED_PROGRAM(sh, "sh");
    RunResult r = run_profile("shell", {sh, "-c", "cat \"$HOME/.ssh/id_rsa\""});
    EXPECT_EQ(r.exit_status, 1) << r.describe();
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "cat: " + secret_ + ": Permission denied\n");

    r = run_profile("shell", {sh, "-c", "echo x > \"$HOME/note\""});
    EXPECT_EQ(r.exit_status, 2) << r.describe();
    EXPECT_TRUE(contains(r.err, "cannot create " + home_ + "/note: Permission denied"));
    EXPECT_FALSE(exists(home_ + "/note"));
}

TEST_F(Interpreters, Python3RunsAScriptThatWritesInTheWorkDirectory) {
    NEED_PROGRAM(python3, "python3");
    ASSERT_NO_FATAL_FAILURE(expect_script("python3", python3, "job.py",
                                          "import json\n"
                                          "with open('result.json', 'w') as f:\n"
                                          "    json.dump({'sum': sum(range(10))}, f)\n"
                                          "print(open('result.json').read())\n",
                                          "{\"sum\": 45}\n"));
    EXPECT_EQ(read_file(path("work/result.json")), "{\"sum\": 45}");
}

TEST_F(Interpreters, Python3DeniesSshKeyHomeWritesAndNetwork) {
    NEED_PROGRAM(python3, "python3");
    ASSERT_NO_FATAL_FAILURE(expect_escape_denied(
        "python3", python3, "escape.py",
        "import os, socket, sys\n"
        "def errno_of(f):\n"
        "    try:\n"
        "        f()\n"
        "        return 'OK'\n"
        "    except OSError as e:\n"
        "        return str(e.errno)\n"
        "home = os.environ['HOME']\n"
        "print('read', errno_of(lambda: open(home + '/.ssh/id_rsa').read()))\n"
        "print('write', errno_of(lambda: open(home + '/note', 'w')))\n"
        "print('connect', errno_of(lambda: socket.create_connection(\n"
        "    ('127.0.0.1', int(sys.argv[1])), timeout=5)))\n",
        "read 13\nwrite 13\nconnect 13\n"));
}

TEST_F(Interpreters, PerlRunsAScriptThatWritesInTheWorkDirectory) {
    NEED_PROGRAM(perl, "perl");
    ASSERT_NO_FATAL_FAILURE(expect_script(
        "perl", perl, "job.pl",
        "use strict; use warnings; use File::Spec;\n"
        "open(my $f, '>', 'out.txt') or die \"open: $!\";\n"
        "print $f join(',', map { $_ * 2 } 1 .. 3), \"\\n\"; close $f;\n"
        "open(my $g, '<', 'out.txt') or die; print <$g>;\n",
        "2,4,6\n"));
    EXPECT_EQ(read_file(path("work/out.txt")), "2,4,6\n");
}

TEST_F(Interpreters, PerlDeniesSshKeyAndHomeWrites) {
    NEED_PROGRAM(perl, "perl");
    ASSERT_NO_FATAL_FAILURE(expect_script(
        "perl", perl, "escape.pl",
        "my $home = $ENV{HOME};\n"
        "print 'read ', (open(my $f, '<', \"$home/.ssh/id_rsa\") ? 'OK' : $! + 0), \"\\n\";\n"
        "print 'write ', (open(my $g, '>', \"$home/note\") ? 'OK' : $! + 0), \"\\n\";\n",
        "read 13\nwrite 13\n"));
    EXPECT_FALSE(exists(home_ + "/note"));
}

TEST_F(Interpreters, NodeRunsAScriptThatWritesInTheWorkDirectory) {
    NEED_PROGRAM(node, "node");
    ASSERT_NO_FATAL_FAILURE(expect_script(
        "node", node, "job.js",
        "const fs = require('fs');\n"
        "fs.writeFileSync('out.txt', JSON.stringify([1, 2, 3].map(x => x * x)));\n"
        "console.log(fs.readFileSync('out.txt', 'utf8'));\n",
        "[1,4,9]\n"));
    EXPECT_EQ(read_file(path("work/out.txt")), "[1,4,9]");
}

TEST_F(Interpreters, NodeDeniesSshKeyHomeWritesAndNetwork) {
    NEED_PROGRAM(node, "node");
    ASSERT_NO_FATAL_FAILURE(expect_escape_denied(
        "node", node, "escape.js",
        "const fs = require('fs'), net = require('net');\n"
        "const home = process.env.HOME;\n"
        "const code = f => { try { f(); return 'OK'; } catch (e) { return e.code; } };\n"
        "console.log('read', code(() => fs.readFileSync(home + '/.ssh/id_rsa')));\n"
        "console.log('write', code(() => fs.writeFileSync(home + '/note', 'x')));\n"
        "const s = net.connect(Number(process.argv[2]), '127.0.0.1');\n"
        "s.on('connect', () => { console.log('connect OK'); s.destroy(); });\n"
        "s.on('error', e => console.log('connect', e.code));\n",
        "read EACCES\nwrite EACCES\nconnect EACCES\n"));
}

}  // namespace
}  // namespace sandbox_programs
