#include <gtest/gtest.h>

#include "policy/access.hpp"

namespace sandbox {
namespace {

TEST(Access, TableCoversEveryBitOnceInOrder) {
    unsigned expected_bit = 0;
    for (const auto& row : fs_rights()) {
        EXPECT_EQ(static_cast<unsigned>(row.right), expected_bit) << row.name;
        EXPECT_EQ(info(row.right).name, row.name);
        ++expected_bit;
    }
    EXPECT_EQ(expected_bit, 17U);
    EXPECT_EQ(net_rights().size(), 2U);
    EXPECT_EQ(scopes().size(), 2U);
}

TEST(Access, KernelBitValues) {
    EXPECT_EQ(FsAccess{AccessFs::Execute}.bits(), 1ULL << 0);
    EXPECT_EQ(FsAccess{AccessFs::Refer}.bits(), 1ULL << 13);
    EXPECT_EQ(FsAccess{AccessFs::Truncate}.bits(), 1ULL << 14);
    EXPECT_EQ(FsAccess{AccessFs::IoctlDev}.bits(), 1ULL << 15);
    EXPECT_EQ(FsAccess{AccessFs::ResolveUnix}.bits(), 1ULL << 16);
    EXPECT_EQ(NetAccess{AccessNet::ConnectTcp}.bits(), 1ULL << 1);
    EXPECT_EQ(ScopeSet{Scope::Signal}.bits(), 1ULL << 1);
}

TEST(Access, NamesRoundTrip) {
    for (const auto& row : fs_rights()) {
        auto parsed = parse_right<AccessFs>(row.name);
        ASSERT_TRUE(parsed.has_value()) << row.name;
        EXPECT_EQ(*parsed, row.right);
    }
    EXPECT_EQ(parse_right<AccessNet>("bind_tcp"), AccessNet::BindTcp);
    EXPECT_EQ(parse_right<Scope>("abstract_unix_socket"), Scope::AbstractUnixSocket);
    EXPECT_FALSE(parse_right<AccessFs>("READ_FILE").has_value());
    EXPECT_FALSE(parse_right<AccessFs>("").has_value());
    EXPECT_FALSE(parse_right<AccessFs>("bind_tcp").has_value());
}

TEST(Access, SuggestsCloseNames) {
    EXPECT_EQ(closest_right_name<AccessFs>("raed_file"), "read_file");
    EXPECT_EQ(closest_right_name<AccessFs>("make_dri"), "make_dir");
    EXPECT_FALSE(closest_right_name<AccessFs>("completely_different").has_value());
}

TEST(Access, JoinAndEmpty) {
    EXPECT_EQ(join_right_names(FsAccess{}), "(none)");
    EXPECT_EQ(join_right_names(FsAccess{AccessFs::ReadDir, AccessFs::Execute}), "execute,read_dir");
}

struct AbiCase {
    int abi;
    std::size_t fs_count;
    std::size_t net_count;
    std::size_t scope_count;
};

class SupportedRights : public ::testing::TestWithParam<AbiCase> {};

TEST_P(SupportedRights, PerAbi) {
    const auto& c = GetParam();
    EXPECT_EQ(right_names(supported_rights<AccessFs>(c.abi)).size(), c.fs_count);
    EXPECT_EQ(right_names(supported_rights<AccessNet>(c.abi)).size(), c.net_count);
    EXPECT_EQ(right_names(supported_rights<Scope>(c.abi)).size(), c.scope_count);
}

INSTANTIATE_TEST_SUITE_P(Abi, SupportedRights,
                         ::testing::Values(AbiCase{0, 0, 0, 0}, AbiCase{1, 13, 0, 0},
                                           AbiCase{2, 14, 0, 0}, AbiCase{3, 15, 0, 0},
                                           AbiCase{4, 15, 2, 0}, AbiCase{5, 16, 2, 0},
                                           AbiCase{6, 16, 2, 2}, AbiCase{7, 16, 2, 2},
                                           AbiCase{8, 16, 2, 2}, AbiCase{9, 17, 2, 2},
                                           AbiCase{42, 17, 2, 2}));

TEST(Access, FileMaskKeepsOnlyFileRights) {
    EXPECT_EQ(mask_for_file(group_rights(Group::Rwx)),
              (FsAccess{AccessFs::Execute, AccessFs::WriteFile, AccessFs::ReadFile,
                        AccessFs::Truncate, AccessFs::IoctlDev}));
    EXPECT_EQ(mask_for_file(group_rights(Group::Ro)), FsAccess{AccessFs::ReadFile});
    EXPECT_EQ(mask_for_file(FsAccess{AccessFs::MakeReg, AccessFs::Refer}), FsAccess{});
    for (const auto& row : fs_rights()) {
        EXPECT_EQ(mask_for_file(FsAccess{row.right}).empty(), !row.valid_on_files) << row.name;
    }
}

TEST(Access, Groups) {
    EXPECT_EQ(group_rights(Group::Ro), (FsAccess{AccessFs::ReadFile, AccessFs::ReadDir}));
    EXPECT_EQ(group_rights(Group::Rox), group_rights(Group::Ro).with(AccessFs::Execute));
    EXPECT_EQ(group_rights(Group::Rwx), group_rights(Group::Rw).with(AccessFs::Execute));
    const FsAccess rw = group_rights(Group::Rw);
    EXPECT_FALSE(rw.contains(AccessFs::Execute));
    EXPECT_FALSE(rw.contains(AccessFs::ResolveUnix));
    for (const char* name : {"write_file", "truncate", "ioctl_dev", "remove_dir", "remove_file",
                             "make_char", "make_dir", "make_reg", "make_sock", "make_fifo",
                             "make_block", "make_sym", "refer", "read_file", "read_dir"}) {
        EXPECT_TRUE(rw.contains(*parse_right<AccessFs>(name))) << name;
    }
    EXPECT_EQ(parse_group("rwx"), Group::Rwx);
    EXPECT_FALSE(parse_group("wx").has_value());
}

TEST(Access, SetOperations) {
    const FsAccess a{AccessFs::ReadFile, AccessFs::WriteFile};
    EXPECT_EQ(a.without(FsAccess{AccessFs::WriteFile}), FsAccess{AccessFs::ReadFile});
    EXPECT_EQ(a.intersect(FsAccess{AccessFs::WriteFile, AccessFs::Execute}),
              FsAccess{AccessFs::WriteFile});
    EXPECT_TRUE(a.contains_all(FsAccess{AccessFs::ReadFile}));
    EXPECT_FALSE(a.contains_all(FsAccess{AccessFs::Execute}));
}

TEST(Access, EditDistance) {
    EXPECT_EQ(edit_distance("", "abc"), 3U);
    EXPECT_EQ(edit_distance("kitten", "sitting"), 3U);
    EXPECT_EQ(edit_distance("same", "same"), 0U);
}

} // namespace
} // namespace sandbox
