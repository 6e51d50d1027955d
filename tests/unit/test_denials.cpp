// The denial report's pure parts: audit record parsing, grouping records into
// events and denials of the run's domains, and the suggestion (the rendering:
// tests/system/test_report_output.cpp).
#include <gtest/gtest.h>

#include "policy/audit_record.hpp"
#include "denial_builders.hpp"
#include "policy/denials.hpp"
#include "policy/suggestion.hpp"

namespace sandbox {
namespace {

AuditRecord record(int type, const std::string& text) {
    auto r = parse_audit_record(type, text);
    EXPECT_TRUE(r.has_value()) << text;
    return r.value_or(AuditRecord{});
}

TEST(AuditRecord, FieldsQuotedPlainAndHex) {
    AuditRecord r = record(1423, "audit(1796586627.240:17): domain=182cde421 blockers=fs.read_file,"
                                 "fs.execute path=\"/usr/bin/dash\" dev=\"vda\" ino=247230");
    EXPECT_EQ(17U, r.serial);
    ASSERT_NE(nullptr, r.field("blockers"));
    EXPECT_EQ("fs.read_file,fs.execute", *r.field("blockers"));
    EXPECT_EQ("/usr/bin/dash", *r.field("path"));
    EXPECT_EQ("247230", *r.field("ino"));
    EXPECT_EQ(nullptr, r.field("nothing"));
    // An untrusted string with a space is logged in hex, without quotes.
    AuditRecord h = record(1423, "audit(1.2:3): domain=1 blockers=fs.read_file path=2F746D702F6120620A");
    EXPECT_EQ("/tmp/a b\n", *h.field("path"));
    // Hex-looking values of other fields stay as written.
    AuditRecord d = record(1424, "audit(1.2:4): domain=182cde421 status=allocated pid=12");
    EXPECT_EQ("182cde421", *d.field("domain"));
}

TEST(AuditRecord, OnlyTheWantedFields) {
    constexpr std::string_view only[] = {"pid", "exe"};
    auto r = parse_audit_record(1300, "audit(1.2:3): arch=c000003e syscall=257 pid=12 comm=\"cat\" "
                                      "exe=2F7573722F62696E2F636174 key=(null)",
                                only);
    ASSERT_TRUE(r);
    ASSERT_EQ(2U, r->fields.size());
    EXPECT_EQ("12", *r->field("pid"));
    EXPECT_EQ("/usr/bin/cat", *r->field("exe"));
    EXPECT_EQ(nullptr, r->field("comm"));
}

TEST(AuditRecord, RejectsTextWithoutStamp) {
    EXPECT_FALSE(parse_audit_record(1423, "domain=1 blockers=fs.read_file"));
    EXPECT_FALSE(parse_audit_record(1423, "audit(1.2:x): domain=1"));
    EXPECT_FALSE(parse_audit_record(1423, "audit(1.2:3"));
    EXPECT_FALSE(decode_audit_hex("2F7"));
    EXPECT_FALSE(decode_audit_hex("ZZ"));
}

// Feeds one event: access records, optionally an allocation, the syscall
// record and the end of event.
void event(DenialCollector& c, int serial, const std::vector<std::string>& access,
           const std::string& allocated_pid, const std::string& pid, const std::string& comm,
           const std::string& domain = "d1") {
    const std::string stamp = "audit(100.1:" + std::to_string(serial) + "): ";
    for (const auto& a : access) {
        c.add(record(1423, stamp + "domain=" + domain + " " + a));
    }
    if (!allocated_pid.empty()) {
        c.add(record(1424, stamp + "domain=" + domain + " status=allocated mode=enforcing pid=" +
                               allocated_pid + " uid=0 exe=\"/usr/bin/sandbox\" comm=\"sandbox\""));
    }
    c.add(record(1300, stamp + "arch=c000003e syscall=257 success=no exit=-13 pid=" + pid +
                           " comm=\"" + comm + "\" exe=\"/usr/bin/" + comm + "\""));
    c.add(record(1320, stamp));
}

DenialFilter owns(long pid) {
    return {[pid](long p) { return p == pid; }, {}};
}

TEST(DenialCollector, CountsDistinctDenialsOfTheRunsDomainOnly) {
    DenialCollector c(owns(10));
    event(c, 1, {"blockers=fs.read_file path=\"/etc/a\" dev=\"vda\" ino=1"}, "10", "11", "cat");
    event(c, 2, {"blockers=fs.read_file path=\"/etc/a\" dev=\"vda\" ino=1"}, "", "12", "head");
    // Another sandbox's domain, allocated by another pid.
    event(c, 3, {"blockers=fs.read_file path=\"/etc/b\" dev=\"vda\" ino=2"}, "99", "99", "x", "d2");
    event(c, 4, {"blockers=net.connect_tcp daddr=127.0.0.1 dest=443"}, "", "11", "cat");
    c.finish();
    ASSERT_EQ(2U, c.denials().size());
    EXPECT_EQ("/etc/a", c.denials()[0].path);
    EXPECT_EQ(2U, c.denials()[0].count);
    EXPECT_EQ(11, c.denials()[0].pid);  // the first process
    EXPECT_EQ("cat", c.denials()[0].comm);
    EXPECT_EQ("/usr/bin/cat", c.denials()[0].exe);
    EXPECT_EQ(443, c.denials()[1].port.value_or(0));
    EXPECT_EQ("127.0.0.1", c.denials()[1].address);
    EXPECT_EQ(std::vector<std::string>{"d1"}, c.domains());
    EXPECT_EQ(3U, c.received());
}

TEST(DenialCollector, KernelCountAfterDeallocation) {
    DenialCollector c(owns(10));
    EXPECT_FALSE(c.kernel_count());  // no domain yet
    event(c, 1, {"blockers=fs.make_reg path=\"/tmp\" dev=\"vda\" ino=1"}, "10", "10", "sh");
    EXPECT_FALSE(c.all_deallocated());
    EXPECT_FALSE(c.kernel_count());
    c.add(record(1424, "audit(100.1:9): domain=d2 status=deallocated denials=5"));
    EXPECT_FALSE(c.kernel_count());
    c.add(record(1424, "audit(100.1:9): domain=d1 status=deallocated denials=3"));
    EXPECT_TRUE(c.all_deallocated());
    EXPECT_EQ(3U, c.kernel_count().value_or(0));
}

TEST(DenialCollector, EventsWithoutEndAreTakenAtFinish) {
    DenialCollector c(owns(10));
    c.add(record(1423, "audit(1.1:5): domain=d1 blockers=scope.signal opid=7 ocomm=\"sleep\""));
    c.add(record(1424, "audit(1.1:5): domain=d1 status=allocated mode=enforcing pid=10"));
    EXPECT_TRUE(c.denials().empty());
    c.finish();
    ASSERT_EQ(1U, c.denials().size());
    EXPECT_EQ(7, c.denials()[0].other_pid.value_or(0));
    EXPECT_EQ("sleep", c.denials()[0].other_comm);
}

TEST(DenialCollector, SetAsideEventsAreCountedAndTakenOnRequest) {
    DenialFilter f = owns(10);
    f.set_aside = [](long pid, const std::string&, long) { return pid == 10; };
    DenialCollector c(f);
    event(c, 1, {"blockers=fs.read_file path=\"/etc/ld.so.conf\" dev=\"vda\" ino=1"}, "10", "10",
          "sandbox");
    event(c, 2, {"blockers=fs.read_file path=\"/etc/ld.so.conf\" dev=\"vda\" ino=1"}, "", "11",
          "cat");
    ASSERT_EQ(1U, c.denials().size());
    EXPECT_EQ(1U, c.denials()[0].count);
    EXPECT_EQ(2U, c.received());
    EXPECT_EQ(1U, c.set_aside_count());
    c.take_aside();
    ASSERT_EQ(1U, c.denials().size());
    EXPECT_EQ(2U, c.denials()[0].count);
    EXPECT_EQ(0U, c.set_aside_count());
}

TEST(DenialCollector, UserMessagesAreBarriers) {
    DenialCollector c(owns(10));
    c.add(record(1005, "audit(1.1:6): pid=1 uid=0 msg='sandbox-report-barrier pid=1 child=2'"));
    EXPECT_TRUE(c.saw_user_message("sandbox-report-barrier pid=1 child=2"));
    EXPECT_FALSE(c.saw_user_message("sandbox-report-barrier pid=1 child=3"));
}

TEST(Suggestion, SmallestGroupPerPathAndExactRights) {
    Denial tcp;
    tcp.blockers = {"net.connect_tcp"};
    tcp.port = 443;
    Denial bind;
    bind.blockers = {"net.bind_tcp"};
    bind.port = 0;
    Denial sig;
    sig.blockers = {"scope.signal"};
    Suggestion s = suggest({fs_denial("/usr/bin/x", {"fs.execute", "fs.read_file"}),
                            fs_denial("/etc/hosts", {"fs.read_file"}),
                            fs_denial("/tmp", {"fs.make_reg"}),
                            fs_denial("/etc/hosts", {"fs.read_dir"}), tcp, bind, sig, tcp,
                            fs_denial("/run/s", {"fs.resolve_unix"}),
                            fs_denial("/x", {"fs.future_right"})});
    EXPECT_EQ((std::vector<std::string>{"--ro", "/etc/hosts", "--unix", "/run/s", "--rw", "/tmp",
                                        "--rox", "/usr/bin/x", "--connect-tcp", "443",
                                        "--bind-tcp", "0", "--unrestricted-scope", "signal"}),
              s.flags);
    ASSERT_EQ(4U, s.rules.size());
    EXPECT_EQ((FsAccess{AccessFs::ReadFile, AccessFs::ReadDir}), s.rules[0].access);
    EXPECT_EQ((FsAccess{AccessFs::MakeReg}), s.rules[2].access);
    EXPECT_EQ(std::vector<std::string>{"fs.future_right"}, s.unknown_blockers);
    EXPECT_EQ(std::vector<int>{443}, s.connect_tcp);
}

TEST(Suggestion, WriteAndExecuteIsRwx) {
    Suggestion s =
        suggest({fs_denial("/w/f", {"fs.write_file"}), fs_denial("/w/f", {"fs.execute"})});
    EXPECT_EQ((std::vector<std::string>{"--rwx", "/w/f"}), s.flags);
}

TEST(Suggestion, PerProcessPathsGetNoRule) {
    EXPECT_TRUE(is_per_process_path("/proc/123/status"));
    EXPECT_TRUE(is_per_process_path("/proc/123"));
    EXPECT_FALSE(is_per_process_path("/proc/self/status"));
    EXPECT_FALSE(is_per_process_path("/proc/sys/kernel"));
    EXPECT_FALSE(is_per_process_path("/procs/1"));
    Suggestion s = suggest({fs_denial("/proc/77/mounts", {"fs.read_file"})});
    EXPECT_TRUE(s.flags.empty());
    EXPECT_EQ(std::vector<std::string>{"/proc/77/mounts"}, s.per_process_paths);
}

}  // namespace
}  // namespace sandbox
