#include "enforce/workers.hpp"

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include <fmt/format.h>

#include "base/error.hpp"

namespace sandbox {

WorkerPool::WorkerPool(int threads, const char* name) {
    threads_.reserve(static_cast<std::size_t>(threads));
    tids_.resize(static_cast<std::size_t>(threads));
    try {
        for (int i = 0; i < threads; ++i) {
            threads_.emplace_back([this, i] { work(static_cast<std::size_t>(i)); });
            pthread_setname_np(threads_.back().native_handle(),
                               fmt::format("{}{}", name, i).c_str());
        }
    } catch (...) {
        stop_and_join();  // the threads already started must not outlive a failed pool
        throw;
    }
}

WorkerPool::~WorkerPool() { stop_and_join(); }

void WorkerPool::stop_and_join() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) {
        if (t.joinable()) {
            t.join();
        }
    }
}

void WorkerPool::join_and_wait_gone() {
    stop_and_join();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    for (const pid_t tid : tids_) {
        const std::string entry = fmt::format("/proc/self/task/{}", tid);
        while (access(entry.c_str(), F_OK) == 0) {
            if (std::chrono::steady_clock::now() > deadline) {
                throw LaunchError(fmt::format("thread {} that opened rule paths did not exit", tid),
                                  {"sandbox never restricts a process whose threads it does "
                                   "not know; please report this"});
            }
            sched_yield();
        }
    }
}

std::size_t WorkerPool::drain() {
    std::size_t ran = 0;
    for (;;) {
        std::size_t i = 0;
        const std::function<void(std::size_t)>* job = nullptr;
        {
            std::lock_guard lock(mutex_);
            if (next_ >= count_) {
                completed_ += ran;
                if (completed_ == count_) {
                    finished_.notify_all();
                }
                return ran;
            }
            i = next_++;
            job = job_;
        }
        (*job)(i);
        ++ran;
    }
}

void WorkerPool::work(std::size_t index) {
    tids_[index] = gettid();  // read after join(), which orders it
    unsigned seen = 0;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
            if (stop_) {
                return;
            }
            seen = generation_;
        }
        drain();
    }
}

void WorkerPool::for_each(std::size_t count, const std::function<void(std::size_t)>& job) {
    {
        std::lock_guard lock(mutex_);
        job_ = &job;
        next_ = 0;
        count_ = count;
        completed_ = 0;
        ++generation_;
    }
    wake_.notify_all();
    drain();
    std::unique_lock lock(mutex_);
    finished_.wait(lock, [&] { return completed_ == count_; });
    job_ = nullptr;
}

} // namespace sandbox
