// A fresh directory from mkdtemp, removed with its contents when the owner goes.
#pragma once

#include <stdlib.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace sandbox_it {

class TempDir {
public:
    // BASE/PREFIX.XXXXXX; throws std::system_error when mkdtemp fails.
    explicit TempDir(const std::string& base = "/tmp", std::string_view prefix = "sandbox-test") {
        std::string pattern = base + "/" + std::string(prefix) + ".XXXXXX";
        if (mkdtemp(pattern.data()) == nullptr) {
            throw std::system_error(errno, std::generic_category(), "mkdtemp in " + base);
        }
        path_ = std::move(pattern);
    }
    ~TempDir() { remove(); }
    TempDir(TempDir&& other) noexcept : path_(std::exchange(other.path_, {})) {}
    TempDir& operator=(TempDir&& other) noexcept {
        if (this != &other) {
            remove();
            path_ = std::exchange(other.path_, {});
        }
        return *this;
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    [[nodiscard]] const std::string& path() const { return path_; }
    // path() + "/" + name.
    [[nodiscard]] std::string operator/(std::string_view name) const {
        return path_ + "/" + std::string(name);
    }

private:
    void remove() {
        if (!path_.empty()) {
            std::error_code ignored;
            std::filesystem::remove_all(path_, ignored);
            path_.clear();
        }
    }

    std::string path_;
};

}  // namespace sandbox_it
