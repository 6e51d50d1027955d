// Profiles tar, gzip, jq, sqlite3 and rsync: round trips in ${PWD}, and reading
// ~/.ssh (or writing outside ${PWD}) fails with EACCES.
#include "program_test.hpp"

namespace sandbox_programs {
namespace {

using sandbox_it::exists;
using sandbox_it::read_file;

class FileTools : public ProgramTest {
protected:
    // work/src with a.txt ("alpha\n") and sub/b.txt ("beta\n").
    void make_source_tree() {
        make_dir("work/src/sub");
        make_file("work/src/a.txt", "alpha\n");
        make_file("work/src/sub/b.txt", "beta\n");
    }
    // COMMAND under PROFILE fails with `exit_status`, prints nothing and exactly `err`.
    void expect_refused(const std::string& profile, const Args& command, int exit_status,
                        const std::string& err) {
        RunResult r = run_profile(profile, command);
        EXPECT_EQ(r.exit_status, exit_status) << r.describe();
        EXPECT_EQ(r.out, "");
        EXPECT_EQ(r.err, err);
    }
};

TEST_F(FileTools, TarGzipRoundTrip) {
    NEED_PROGRAM(tar, "tar");
    NEED_PROGRAM(gzip, "gzip");
    make_source_tree();
    RunResult r = run_profile("tar", {tar, "-czf", "src.tgz", "src"});
    ASSERT_EQ(r.exit_status, 0) << r.describe();
    make_dir("work/out");
    r = run_profile("tar", {tar, "-xzf", "src.tgz", "-C", "out"});
    ASSERT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_EQ(read_file(path("work/out/src/a.txt")), "alpha\n");
    EXPECT_EQ(read_file(path("work/out/src/sub/b.txt")), "beta\n");
    r = run_profile("tar", {tar, "-tzf", "src.tgz"});
    ASSERT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_EQ(r.out, "src/\nsrc/sub/\nsrc/sub/b.txt\nsrc/a.txt\n");
}

TEST_F(FileTools, TarCannotArchiveSshKeysOrExtractOutside) {
    NEED_PROGRAM(tar, "tar");
    RunResult r = run_profile("tar", {tar, "-cf", "keys.tar", home_ + "/.ssh"});
    EXPECT_EQ(r.exit_status, 2) << r.describe();
    EXPECT_TRUE(contains(r.err, home_.substr(1) + "/.ssh: Cannot open: Permission denied"));
    make_file("work/x.txt", "x\n");
    r = run_profile("tar", {tar, "-cf", "x.tar", "x.txt"});
    ASSERT_EQ(r.exit_status, 0) << r.describe();
    r = run_profile("tar", {tar, "-xf", "x.tar", "-C", home_});
    EXPECT_EQ(r.exit_status, 2) << r.describe();
    EXPECT_TRUE(contains(r.err, ": " + home_ + ": Cannot open: Permission denied\n"));
    EXPECT_FALSE(exists(home_ + "/x.txt"));
}

TEST_F(FileTools, GzipCompressesAndDecompresses) {
    NEED_PROGRAM(gzip, "gzip");
    make_file("work/data.txt", "some data\n");
    RunResult r = run_profile("gzip", {gzip, "-k", "data.txt"});
    ASSERT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_TRUE(exists(path("work/data.txt.gz")));
    r = run_profile("gzip", {gzip, "-dc", "data.txt.gz"});
    ASSERT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_EQ(r.out, "some data\n");
}

TEST_F(FileTools, GzipCannotReadSshKey) {
    NEED_PROGRAM(gzip, "gzip");
    expect_refused("gzip", {gzip, "-c", secret_}, 1, "gzip: " + secret_ + ": Permission denied\n");
}

TEST_F(FileTools, JqFiltersAFile) {
    NEED_PROGRAM(jq, "jq");
    make_file("work/d.json", "{\"a\": [1, 2, 3], \"b\": {\"c\": \"x\"}}\n");
    RunResult r = run_profile("jq", {jq, "-c", "[.a[] | . * 10], .b.c", "d.json"});
    ASSERT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_EQ(r.out, "[10,20,30]\n\"x\"\n");
}

TEST_F(FileTools, JqCannotReadSshKey) {
    NEED_PROGRAM(jq, "jq");
    expect_refused("jq", {jq, ".", secret_}, 2,
                   "jq: error: Could not open file " + secret_ + ": Permission denied\n");
}

TEST_F(FileTools, Sqlite3CreatesADatabaseInTheWorkDirectory) {
    NEED_PROGRAM(sqlite3, "sqlite3");
    RunResult r = run_profile("sqlite3", {sqlite3, "t.db",
                                          "create table t(x); insert into t values (42), (7); "
                                          "select sum(x) from t;"});
    ASSERT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_EQ(r.out, "49\n");
    EXPECT_TRUE(exists(path("work/t.db")));
    r = run_profile("sqlite3", {sqlite3, "t.db", "select count(*) from t;"});
    EXPECT_EQ(r.out, "2\n");
}

TEST_F(FileTools, Sqlite3CannotOpenADatabaseOutside) {
    NEED_PROGRAM(sqlite3, "sqlite3");
    const std::string outside = make_file("home/other.db", "");
    RunResult r = run_profile("sqlite3", {sqlite3, "t.db", ".log stderr", ".open " + outside,
                                          "create table t(x);"});
    // The shell reports the failed .open and goes on; its exit status stays 0.
    EXPECT_EQ(r.exit_status, 0) << r.describe();
    // SQLite's log line carries the errno of the failed open(2): 13 is EACCES.
    EXPECT_TRUE(contains(r.err, ": (13) open(" + outside + ") - "));
    EXPECT_TRUE(contains(r.err, "Error: unable to open database \"" + outside +
                                    "\": unable to open database file\n"));
    EXPECT_EQ(read_file(outside), "");
}

TEST_F(FileTools, RsyncCopiesADirectoryLocally) {
    NEED_PROGRAM(rsync, "rsync");
    make_source_tree();
    RunResult r = run_profile("rsync", {rsync, "-a", "src/", "dst/"});
    ASSERT_EQ(r.exit_status, 0) << r.describe();
    EXPECT_EQ(read_file(path("work/dst/a.txt")), "alpha\n");
    EXPECT_EQ(read_file(path("work/dst/sub/b.txt")), "beta\n");
}

TEST_F(FileTools, RsyncCannotCopySshKeys) {
    NEED_PROGRAM(rsync, "rsync");
    RunResult r = run_profile("rsync", {rsync, "-a", home_ + "/.ssh/", "keys/"});
    EXPECT_EQ(r.exit_status, 23) << r.describe();
    EXPECT_TRUE(contains(r.err, "rsync: [sender] opendir \"" + home_ +
                                    "/.ssh/.\" failed: Permission denied (13)"));
    EXPECT_FALSE(exists(path("work/keys/id_rsa")));
}

}  // namespace
}  // namespace sandbox_programs
