#include "base/work_queue.h"

#include <utility>

namespace ocitree {

WorkQueue::WorkQueue(int threads, size_t max_bytes) : max_threads_(threads < 1 ? 1 : threads), max_bytes_(max_bytes) {}

WorkQueue::~WorkQueue() {
  (void)Wait();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  work_.notify_all();
  for (std::thread& t : threads_) t.join();
}

Status WorkQueue::Submit(size_t bytes, Job job) {
  std::unique_lock<std::mutex> lock(mu_);
  // One job alone may hold more than the bound; it then waits for an empty queue.
  room_.wait(lock, [&] { return !error_.ok() || bytes_ == 0 || bytes_ + bytes <= max_bytes_; });
  if (!error_.ok()) return error_;
  bytes_ += bytes;
  queue_.push_back(Queued{bytes, std::move(job)});
  // Another worker only when the ones there are all busy.
  if (threads_.size() < static_cast<size_t>(max_threads_) && running_ + queue_.size() > threads_.size())
    threads_.emplace_back([this] { Work(); });
  lock.unlock();
  work_.notify_one();
  return {};
}

Status WorkQueue::Wait() {
  std::unique_lock<std::mutex> lock(mu_);
  room_.wait(lock, [&] { return queue_.empty() && running_ == 0; });
  return error_;
}

void WorkQueue::Work() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    work_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stop_
    Queued item = std::move(queue_.front());
    queue_.pop_front();
    running_++;
    Status st;
    if (error_.ok()) {
      lock.unlock();
      st = item.job();
      item.job = nullptr;  // what the job holds is freed outside the lock
      lock.lock();
    }
    if (!st.ok() && error_.ok()) error_ = std::move(st);
    bytes_ -= item.bytes;
    running_--;
    room_.notify_all();
  }
}

}  // namespace ocitree
