// --threads N: worker threads started before the policy is compiled. They
// open rule paths in parallel, then stay alive, waiting, through enforcement
// (every one of them gets restricted) until execve replaces the process.
//
// The launcher also uses a pool of its own for large policies (helpers that
// open rule paths beside the main thread): those are joined, and gone from
// /proc/self/task, before enforcement begins (join_and_wait_gone).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include <sys/types.h>

namespace sandbox {

class WorkerPool {
public:
    /// Starts THREADS workers named NAME0, NAME1, ... (15 bytes at most).
    /// Throws std::system_error when a thread cannot start (RLIMIT_NPROC),
    /// after joining those that did.
    explicit WorkerPool(int threads, const char* name = "sandbox-w");
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;
    ~WorkerPool();

    int size() const { return static_cast<int>(threads_.size()); }

    /// Runs job(i) for every i in [0, count) on the workers (and the calling
    /// thread), and returns when all are done. `job` must not throw.
    void for_each(std::size_t count, const std::function<void(std::size_t)>& job);

    /// Stops and joins every worker, then waits until the kernel has removed
    /// them from /proc/self/task (a joined thread may linger there for a few
    /// microseconds after its tid was cleared). Throws LaunchError if one is
    /// still listed after a second: enforcement must not start with threads
    /// it would then have to stop.
    void join_and_wait_gone();

private:
    void work(std::size_t index);
    void stop_and_join();
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
    std::vector<pid_t> tids_;  ///< written by each worker when it starts
};

} // namespace sandbox
