#include "ocitree/status.h"

#include <cerrno>
#include <cstring>

namespace ocitree {

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return "ok";
    case ErrorCode::kInvalidArgument: return "invalid argument";
    case ErrorCode::kNotFound: return "not found";
    case ErrorCode::kAlreadyExists: return "already exists";
    case ErrorCode::kCorrupt: return "corrupt";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kIo: return "i/o error";
    case ErrorCode::kBusy: return "busy";
    case ErrorCode::kInternal: return "internal error";
    case ErrorCode::kCancelled: return "cancelled";
  }
  return "unknown";
}

Status Status::Error(ErrorCode code, std::string message, int sys_errno) {
  Status s;
  s.state_ = std::make_shared<const State>(State{code, sys_errno, std::move(message)});
  return s;
}

Status Status::FromErrno(std::string_view what, int sys_errno) {
  ErrorCode code = ErrorCode::kIo;
  if (sys_errno == ENOENT) code = ErrorCode::kNotFound;
  if (sys_errno == EEXIST) code = ErrorCode::kAlreadyExists;
  if (sys_errno == EWOULDBLOCK) code = ErrorCode::kBusy;
  std::string msg(what);
  msg += ": ";
  msg += std::strerror(sys_errno);
  return Error(code, std::move(msg), sys_errno);
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return state_ ? state_->message : kEmpty;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string msg(context);
  msg += ": ";
  msg += state_->message;
  return Error(state_->code, std::move(msg), state_->sys_errno);
}

Status InvalidArgument(std::string m) { return Status::Error(ErrorCode::kInvalidArgument, std::move(m)); }
Status NotFound(std::string m) { return Status::Error(ErrorCode::kNotFound, std::move(m)); }
Status Corrupt(std::string m) { return Status::Error(ErrorCode::kCorrupt, std::move(m)); }
Status Unsupported(std::string m) { return Status::Error(ErrorCode::kUnsupported, std::move(m)); }
Status Internal(std::string m) { return Status::Error(ErrorCode::kInternal, std::move(m)); }
Status Cancelled(std::string m) { return Status::Error(ErrorCode::kCancelled, std::move(m)); }

}  // namespace ocitree
