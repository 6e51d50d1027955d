// --threads N: worker threads started before the policy is compiled. They
// open and fstat rule paths in parallel, then stay alive, waiting, through
// enforcement (every one of them gets restricted) until execve replaces the
// process.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sandbox {

class WorkerPool {
public:
    explicit WorkerPool(int threads);
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;
    ~WorkerPool();

    int size() const { return static_cast<int>(threads_.size()); }

    /// Runs job(i) for every i in [0, count) on the workers (and the calling
    /// thread), and returns when all are done. `job` must not throw.
    void for_each(std::size_t count, const std::function<void(std::size_t)>& job);

private:
    void work();
    /// Takes indices until none are left; returns how many this thread ran.
    std::size_t drain();

    std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable finished_;
    const std::function<void(std::size_t)>* job_ = nullptr;
    std::size_t next_ = 0;
    std::size_t count_ = 0;
    std::size_t completed_ = 0;
    unsigned generation_ = 0;
    bool stop_ = false;
    std::vector<std::thread> threads_;
};

} // namespace sandbox
