// Status and Result<T>: the one way ocitree reports errors.
//
// Every fallible call returns a Status (no value) or a Result<T> (a value or
// a Status). No exception crosses a module boundary. A Status carries a
// category, the errno that caused it (0 if none) and a message that callers
// extend with context as the error travels up ("fsck: objects/ab/...: ...").
#ifndef OCITREE_STATUS_H_
#define OCITREE_STATUS_H_

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace ocitree {

enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,  // the caller asked for something malformed
  kNotFound,         // a ref, object, path or file does not exist
  kAlreadyExists,    // the target exists and may not be replaced
  kCorrupt,          // stored or received data fails validation
  kUnsupported,      // valid, but not something ocitree does
  kIo,               // the operating system said no
  kBusy,             // a lock could not be taken in time
  kInternal,         // a bug: an invariant did not hold
  kCancelled,        // stopped on request (another part of the work failed first)
};

const char* ErrorCodeName(ErrorCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // success

  static Status Error(ErrorCode code, std::string message, int sys_errno = 0);
  // Builds a kIo (or kNotFound / kAlreadyExists / kPermission-like) status
  // from an errno value, e.g. FromErrno("open config", errno).
  static Status FromErrno(std::string_view what, int sys_errno);

  bool ok() const { return state_ == nullptr; }
  ErrorCode code() const { return state_ ? state_->code : ErrorCode::kOk; }
  int sys_errno() const { return state_ ? state_->sys_errno : 0; }
  // The full message including every context prefix; "" when ok.
  const std::string& message() const;

  // Returns a copy whose message is "context: <message>". No-op when ok.
  Status WithContext(std::string_view context) const;

 private:
  struct State {
    ErrorCode code;
    int sys_errno;
    std::string message;
  };
  std::shared_ptr<const State> state_;
};

// Shorthands for the common categories.
Status InvalidArgument(std::string message);
Status NotFound(std::string message);
Status Corrupt(std::string message);
Status Unsupported(std::string message);
Status Internal(std::string message);
Status Cancelled(std::string message);

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    if (std::get<Status>(v_).ok()) v_ = Internal("Result built from an ok Status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace ocitree

#define OCITREE_CONCAT_INNER_(a, b) a##b
#define OCITREE_CONCAT_(a, b) OCITREE_CONCAT_INNER_(a, b)

// Returns the Status of `expr` from the enclosing function if it failed.
#define OCITREE_RETURN_IF_ERROR(expr)                    \
  do {                                                   \
    ::ocitree::Status ocitree_status_ = (expr);          \
    if (!ocitree_status_.ok()) return ocitree_status_;   \
  } while (0)

// `lhs = value of expr`, or returns its Status from the enclosing function.
#define OCITREE_ASSIGN_OR_RETURN(lhs, expr) \
  OCITREE_ASSIGN_OR_RETURN_IMPL_(OCITREE_CONCAT_(ocitree_result_, __LINE__), lhs, expr)
#define OCITREE_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) return tmp.status();                  \
  lhs = std::move(tmp).value()

#endif  // OCITREE_STATUS_H_
