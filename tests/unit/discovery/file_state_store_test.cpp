// file_state_store (src/discovery/file_state_store.hpp) in a fresh temporary directory per test.
#include "discovery/file_state_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace staticgate::discovery {
namespace {

namespace fs = std::filesystem;

class file_state_store_test : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "staticgate-state-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(dir_, fs::perms::owner_all, ec);
    fs::remove_all(dir_, ec);
  }
  std::vector<std::string> entries() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
  static std::string read_fd(int fd) {
    std::string out;
    char buf[256];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    return out;
  }

  fs::path dir_;
};

TEST_F(file_state_store_test, load_of_a_missing_key_is_not_found_without_error) {
  file_state_store store(dir_);
  std::string error = "stale";
  EXPECT_FALSE(store.load("tg-1/alb.example.com", error));
  EXPECT_TRUE(error.empty()) << error;
}

TEST_F(file_state_store_test, save_then_load_round_trips_and_leaves_no_temporary_file) {
  file_state_store store(dir_);
  std::string error;
  ASSERT_TRUE(store.save("tg-1", "{\"schema\":1}\n", error)) << error;
  EXPECT_EQ(entries(), std::vector<std::string>{"tg-1.json"});
  const auto loaded = store.load("tg-1", error);
  ASSERT_TRUE(loaded) << error;
  EXPECT_EQ(*loaded, "{\"schema\":1}\n");

  std::string big(1 << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131);
  ASSERT_TRUE(store.save("tg-1", big, error)) << error;
  EXPECT_EQ(store.load("tg-1", error), big);
  EXPECT_EQ(entries(), std::vector<std::string>{"tg-1.json"});
}

TEST_F(file_state_store_test, save_replaces_by_rename_never_in_place) {
  file_state_store store(dir_);
  std::string error;
  ASSERT_TRUE(store.save("k", "old contents", error)) << error;
  // A reader that opened the old file keeps seeing it whole: the new bytes went to a new inode.
  const int old_fd = ::open(store.path_for("k").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(old_fd, 0);
  ASSERT_TRUE(store.save("k", "new", error)) << error;
  EXPECT_EQ(read_fd(old_fd), "old contents");
  ::close(old_fd);
  EXPECT_EQ(store.load("k", error), "new");
  EXPECT_EQ(entries(), std::vector<std::string>{"k.json"});
}

TEST_F(file_state_store_test, keys_are_sanitised_into_distinct_names_inside_the_directory) {
  EXPECT_EQ(file_state_store::file_name_for("tg-1_a.b"), "tg-1_a.b.json");
  EXPECT_EQ(file_state_store::file_name_for("a/b"), "a%2Fb.json");
  EXPECT_EQ(file_state_store::file_name_for("a:b"), "a%3Ab.json");
  EXPECT_EQ(file_state_store::file_name_for(".."), "%2E..json");
  EXPECT_EQ(file_state_store::file_name_for("a%2Fb"), "a%252Fb.json");
  EXPECT_EQ(file_state_store::file_name_for(""), "");

  file_state_store store(dir_);
  std::string error;
  ASSERT_TRUE(store.save("../../escape", "x", error)) << error;
  ASSERT_TRUE(store.save("a/b", "1", error)) << error;
  ASSERT_TRUE(store.save("a:b", "2", error)) << error;
  EXPECT_EQ(store.load("a/b", error), "1");
  EXPECT_EQ(store.load("a:b", error), "2");
  EXPECT_EQ(entries().size(), 3u);
  EXPECT_EQ(store.path_for("../../escape").parent_path(), dir_);
}

TEST_F(file_state_store_test, long_keys_get_bounded_distinct_names) {
  const std::string a(1000, 'x');
  const std::string b = a + "y";
  const auto name_a = file_state_store::file_name_for(a);
  const auto name_b = file_state_store::file_name_for(b);
  EXPECT_LE(name_a.size(), 255u);
  EXPECT_NE(name_a, name_b);
  file_state_store store(dir_);
  std::string error;
  ASSERT_TRUE(store.save(a, "a", error)) << error;
  ASSERT_TRUE(store.save(b, "b", error)) << error;
  EXPECT_EQ(store.load(a, error), "a");
  EXPECT_EQ(store.load(b, error), "b");
}

TEST_F(file_state_store_test, empty_key_is_an_error) {
  file_state_store store(dir_);
  std::string error;
  EXPECT_FALSE(store.save("", "x", error));
  EXPECT_NE(error.find("empty"), std::string::npos);
  EXPECT_FALSE(store.load("", error));
  EXPECT_NE(error.find("empty"), std::string::npos);
}

TEST_F(file_state_store_test, missing_directory_is_an_error_not_a_first_run) {
  file_state_store store(dir_ / "does-not-exist");
  std::string error;
  EXPECT_FALSE(store.load("k", error));
  EXPECT_NE(error.find("does-not-exist"), std::string::npos) << error;
  EXPECT_NE(error.find("No such file"), std::string::npos) << error;
  EXPECT_FALSE(store.save("k", "x", error));
  EXPECT_NE(error.find("create temporary file"), std::string::npos) << error;
}

TEST_F(file_state_store_test, directory_that_is_a_file_is_an_error) {
  const fs::path file = dir_ / "plain";
  std::ofstream(file) << "x";
  file_state_store store(file);
  std::string error;
  EXPECT_FALSE(store.load("k", error));
  EXPECT_NE(error.find("Not a directory"), std::string::npos) << error;
  EXPECT_FALSE(store.save("k", "x", error));
  EXPECT_NE(error.find("Not a directory"), std::string::npos) << error;
}

TEST_F(file_state_store_test, failed_rename_reports_it_and_removes_the_temporary_file) {
  file_state_store store(dir_);
  fs::create_directory(store.path_for("k"));  // the target name is taken by a directory
  std::string error;
  EXPECT_FALSE(store.save("k", "x", error));
  EXPECT_NE(error.find("rename"), std::string::npos) << error;
  EXPECT_EQ(entries(), std::vector<std::string>{"k.json"});
  EXPECT_FALSE(store.load("k", error));  // a directory where the file should be: read fails
  EXPECT_NE(error.find("read"), std::string::npos) << error;
}

TEST_F(file_state_store_test, unreadable_directory_is_an_error) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  file_state_store store(dir_);
  std::string error;
  ASSERT_TRUE(store.save("k", "x", error)) << error;
  fs::permissions(dir_, fs::perms::none);
  EXPECT_FALSE(store.load("k", error));
  EXPECT_NE(error.find("Permission denied"), std::string::npos) << error;
  EXPECT_FALSE(store.save("k", "y", error));
  EXPECT_NE(error.find("Permission denied"), std::string::npos) << error;
}

TEST_F(file_state_store_test, unreadable_file_is_an_error) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores file permissions";
  file_state_store store(dir_);
  std::string error;
  ASSERT_TRUE(store.save("k", "x", error)) << error;
  fs::permissions(store.path_for("k"), fs::perms::none);
  EXPECT_FALSE(store.load("k", error));
  EXPECT_NE(error.find("open"), std::string::npos) << error;
}

}  // namespace
}  // namespace staticgate::discovery
