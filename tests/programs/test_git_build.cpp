// Profiles git-ro, git and build: read-only history in a repository, commits in a
// repository, make + gcc/g++ building and running programs in ${PWD}.
#include "program_test.hpp"

namespace sandbox_programs {
namespace {

using sandbox_it::exists;
using sandbox_it::read_file;

const std::vector<std::string> kIdentity = {
    "GIT_AUTHOR_NAME=Sandbox Test", "GIT_AUTHOR_EMAIL=test@example.invalid",
    "GIT_COMMITTER_NAME=Sandbox Test", "GIT_COMMITTER_EMAIL=test@example.invalid",
    "GIT_CONFIG_NOSYSTEM=1"};

class GitBuild : public ProgramTest {
protected:
    // A repository in work/ with one commit "first" of a.txt, made without a sandbox.
    void make_repo(const std::string& git) {
        make_file("work/a.txt", "one\n");
        for (const Args& step : {Args{git, "init", "-q", "."}, Args{git, "add", "a.txt"},
                                 Args{git, "commit", "-q", "-m", "first"}}) {
            RunResult r = run_plain(work_, step, kIdentity);
            ASSERT_EQ(r.exit_status, 0) << r.describe();
        }
    }
};

TEST_F(GitBuild, GitRoShowsLogStatusAndDiff) {
    NEED_PROGRAM(git, "git");
    ASSERT_NO_FATAL_FAILURE(make_repo(git));
    make_file("work/a.txt", "one\ntwo\n");
    RunResult r = run_profile("git-ro", {git, "log", "--format=%s"}, {}, kIdentity);
    ASSERT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_EQ(r.out, "first\n");
    r = run_profile("git-ro", {git, "status", "--short"}, {}, kIdentity);
    ASSERT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_EQ(r.out, " M a.txt\n");
    r = run_profile("git-ro", {git, "diff", "--numstat"}, {}, kIdentity);
    ASSERT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_EQ(r.out, "1\t0\ta.txt\n");
}

TEST_F(GitBuild, GitRoCannotCommit) {
    NEED_PROGRAM(git, "git");
    ASSERT_NO_FATAL_FAILURE(make_repo(git));
    make_file("work/a.txt", "one\ntwo\n");
    RunResult r = run_profile("git-ro", {git, "commit", "-q", "-am", "second"}, {}, kIdentity);
    EXPECT_EQ(r.exit_status, 128) << r.describe();
    EXPECT_EQ(r.err, "fatal: Unable to create '" + work_ + "/.git/index.lock': Permission denied\n");
    RunResult log = run_plain(work_, {git, "log", "--format=%s"}, kIdentity);
    EXPECT_EQ(log.out, "first\n");
}

TEST_F(GitBuild, GitInitsAndCommits) {
    NEED_PROGRAM(git, "git");
    make_file("work/a.txt", "one\n");
    for (const Args& step : {Args{git, "init", "-q", "."}, Args{git, "add", "a.txt"},
                             Args{git, "commit", "-q", "-m", "made in the sandbox"}}) {
        RunResult r = run_profile("git", step, {}, kIdentity);
        ASSERT_EQ(r.exit_status, 0) << r.describe();
    }
    RunResult log = run_plain(work_, {git, "log", "--format=%s"}, kIdentity);
    EXPECT_EQ(log.out, "made in the sandbox\n");
}

TEST_F(GitBuild, GitCannotReadSshKeyOrWriteOutsideTheRepository) {
    NEED_PROGRAM(git, "git");
    RunResult r = run_profile("git", {git, "config", "--file", secret_, "--list"}, {}, kIdentity);
    EXPECT_EQ(r.exit_status, 128) << r.describe();
    EXPECT_TRUE(contains(r.err, "fatal: unable to read config file '" + secret_ +
                                    "': Permission denied\n"));
    r = run_profile("git", {git, "init", "-q", home_ + "/repo"}, {}, kIdentity);
    EXPECT_EQ(r.exit_status, 128) << r.describe();
    EXPECT_TRUE(contains(r.err, home_ + "/repo"));
    EXPECT_TRUE(contains(r.err, "Permission denied"));
    EXPECT_FALSE(exists(home_ + "/repo"));
}

TEST_F(GitBuild, BuildCompilesLinksAndRunsCAndCxxWithMake) {
    NEED_PROGRAM(make, "make");
    NEED_PROGRAM(gcc, "gcc");
    NEED_PROGRAM(gxx, "g++");
    make_file("work/hello.c", "#include <stdio.h>\nint main(void) { puts(\"hello c\"); return 0; }\n");
    make_file("work/hello.cpp",
              "#include <iostream>\nint main() { std::cout << \"hello c++\" << std::endl; }\n");
    make_file("work/Makefile",
              "all: hello hellopp\n\t@./hello\n\t@./hellopp\n"
              "hello: hello.c\n\t@$(CC) -O2 -o $@ $<\n"
              "hellopp: hello.cpp\n\t@$(CXX) -O2 -o $@ $<\n");
    RunResult r = run_profile("build", {make, "CC=gcc", "CXX=g++"}, {}, {"TMPDIR=" + tmp_});
    ASSERT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_EQ(r.out, "hello c\nhello c++\n");
    EXPECT_TRUE(exists(path("work/hello")));
    EXPECT_TRUE(exists(path("work/hellopp")));
}

TEST_F(GitBuild, BuildCannotWriteOutsideOrReadSshKey) {
    NEED_PROGRAM(gcc, "gcc");
    NEED_PROGRAM(make, "make");
    make_file("work/hello.c", "int main(void) { return 0; }\n");
    RunResult r = run_profile("build", {gcc, "-o", home_ + "/hello", "hello.c"}, {},
                              {"TMPDIR=" + tmp_});
    EXPECT_EQ(r.exit_status, 1) << r.describe();
    EXPECT_TRUE(contains(r.err, "cannot open output file " + home_ + "/hello: Permission denied"));
    EXPECT_FALSE(exists(home_ + "/hello"));
    r = run_profile("build", {make, "-f", secret_}, {}, {"TMPDIR=" + tmp_});
    EXPECT_EQ(r.exit_status, 2) << r.describe();
    EXPECT_TRUE(contains(r.err, secret_ + ": Permission denied"));
}

}  // namespace
}  // namespace sandbox_programs
