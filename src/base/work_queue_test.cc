#include "base/work_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

namespace ocitree {
namespace {

// A gate jobs wait at until the test opens it.
class Gate {
 public:
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void Pass() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

TEST(WorkQueueTest, RunsEveryJobOnSeveralThreads) {
  WorkQueue queue(3, 1 << 20);
  std::atomic<int> done{0};
  std::mutex mu;
  std::set<std::thread::id> threads;
  for (int i = 0; i < 1000; i++)
    ASSERT_TRUE(queue
                    .Submit(10,
                            [&] {
                              {
                                std::lock_guard<std::mutex> lock(mu);
                                threads.insert(std::this_thread::get_id());
                              }
                              std::this_thread::sleep_for(std::chrono::microseconds(50));
                              done++;
                              return Status();
                            })
                    .ok());
  ASSERT_TRUE(queue.Wait().ok());
  EXPECT_EQ(done.load(), 1000);
  EXPECT_GT(threads.size(), 1u);
  EXPECT_LE(threads.size(), 3u);
  EXPECT_EQ(threads.count(std::this_thread::get_id()), 0u);
}

TEST(WorkQueueTest, SubmitWaitsWhileTheJobsHoldTheBound) {
  WorkQueue queue(1, 300);
  Gate gate;
  std::atomic<int> submitted{0};
  std::thread producer([&] {
    for (int i = 0; i < 4; i++) {
      ASSERT_TRUE(queue.Submit(100, [&] {
                         gate.Pass();
                         return Status();
                       })
                      .ok());
      submitted++;
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(submitted.load(), 3);  // the fourth would hold 400 bytes
  gate.Open();
  producer.join();
  EXPECT_EQ(submitted.load(), 4);
  EXPECT_TRUE(queue.Wait().ok());
}

TEST(WorkQueueTest, AJobBiggerThanTheBoundStillRuns) {
  WorkQueue queue(2, 100);
  std::atomic<int> done{0};
  for (int i = 0; i < 3; i++)
    ASSERT_TRUE(queue.Submit(1000, [&] {
                       done++;
                       return Status();
                     })
                    .ok());
  EXPECT_TRUE(queue.Wait().ok());
  EXPECT_EQ(done.load(), 3);
}

TEST(WorkQueueTest, TheFirstErrorStopsWhatIsQueuedAndIsReturnedFromThenOn) {
  WorkQueue queue(1, 1 << 20);
  Gate gate;
  std::atomic<int> later_ran{0};
  ASSERT_TRUE(queue.Submit(1, [&] {
                     gate.Pass();
                     return Internal("first failure");
                   })
                  .ok());
  // Queued behind the failing job on the one worker: never run.
  for (int i = 0; i < 5; i++)
    ASSERT_TRUE(queue.Submit(1, [&] {
                       later_ran++;
                       return Internal("second failure");
                     })
                    .ok());
  gate.Open();
  Status waited = queue.Wait();
  ASSERT_FALSE(waited.ok());
  EXPECT_EQ(waited.message(), "first failure");
  EXPECT_EQ(later_ran.load(), 0);
  Status submitted = queue.Submit(1, [&] {
    later_ran++;
    return Status();
  });
  ASSERT_FALSE(submitted.ok());
  EXPECT_EQ(submitted.message(), "first failure");
  EXPECT_FALSE(queue.Wait().ok());
  EXPECT_EQ(later_ran.load(), 0);
}

TEST(WorkQueueTest, DestructionWaitsForTheJobs) {
  std::atomic<int> done{0};
  {
    WorkQueue queue(2, 1 << 20);
    for (int i = 0; i < 20; i++)
      ASSERT_TRUE(queue.Submit(1, [&] {
                         std::this_thread::sleep_for(std::chrono::milliseconds(2));
                         done++;
                         return Status();
                       })
                      .ok());
  }
  EXPECT_EQ(done.load(), 20);
}

TEST(WorkQueueTest, NoJobsNoThreads) {
  WorkQueue queue(4, 100);
  EXPECT_TRUE(queue.Wait().ok());
}

}  // namespace
}  // namespace ocitree
