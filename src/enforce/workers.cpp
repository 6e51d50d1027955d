#include "enforce/workers.hpp"

#include <pthread.h>

#include <fmt/format.h>

namespace sandbox {

WorkerPool::WorkerPool(int threads) {
    threads_.reserve(static_cast<std::size_t>(threads));
    for (int i = 0; i < threads; ++i) {
        threads_.emplace_back([this] { work(); });
        pthread_setname_np(threads_.back().native_handle(),
                           fmt::format("sandbox-w{}", i).c_str());
    }
}

WorkerPool::~WorkerPool() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) {
        t.join();
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

void WorkerPool::work() {
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
