// A few worker threads that run jobs handed to them, in no particular order,
// with a bound on the memory the waiting jobs hold. Used where one thread
// produces work whose cost is mostly system calls that can run side by side
// (creating and writing many small files): the producer goes on with the
// next item while workers store the previous ones.
//
// Errors are sticky: the first job that fails stops every job not yet
// started, and Submit and Wait return that error from then on, so a caller
// fails at its next step instead of at the end.
#ifndef OCITREE_BASE_WORK_QUEUE_H_
#define OCITREE_BASE_WORK_QUEUE_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "ocitree/status.h"

namespace ocitree {

class WorkQueue {
 public:
  using Job = std::function<Status()>;

  // Up to `threads` workers (started on the first Submit). Submit blocks
  // while the jobs submitted and not yet finished hold more than
  // `max_bytes`, as each declared.
  WorkQueue(int threads, size_t max_bytes);
  // Waits for every job, then stops the workers.
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // Queues `job`, which holds `bytes` of memory until it has run. Returns
  // the first error of an earlier job instead (`job` is then dropped).
  Status Submit(size_t bytes, Job job);
  // Waits until every job submitted has finished; the first error of any.
  Status Wait();

 private:
  struct Queued {
    size_t bytes;
    Job job;
  };
  void Work();

  const int max_threads_;
  const size_t max_bytes_;
  std::mutex mu_;
  std::condition_variable work_;  // a job was queued, or stop_
  std::condition_variable room_;  // bytes were released, or a job finished
  std::deque<Queued> queue_;
  size_t bytes_ = 0;    // held by queued and running jobs
  size_t running_ = 0;  // jobs taken by a worker and not finished
  Status error_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace ocitree

#endif  // OCITREE_BASE_WORK_QUEUE_H_
