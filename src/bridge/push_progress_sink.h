// A sink on the way to a pushed layer's blob: passes the bytes on and
// reports the layer's progress to the caller after each write.
#ifndef OCITREE_BRIDGE_PUSH_PROGRESS_SINK_H_
#define OCITREE_BRIDGE_PUSH_PROGRESS_SINK_H_

#include "base/io.h"
#include "ocitree/push.h"

namespace ocitree {

class PushProgressSink : public ByteSink {
 public:
  PushProgressSink(ByteSink& out, const PushOptions& options, PushProgress& progress)
      : out_(out), options_(options), progress_(progress) {}
  Status Write(ByteView data) override {
    OCITREE_RETURN_IF_ERROR(out_.Write(data));
    progress_.layer_bytes += data.size();
    if (options_.on_progress) options_.on_progress(progress_);
    return {};
  }

 private:
  ByteSink& out_;
  const PushOptions& options_;
  PushProgress& progress_;
};

}  // namespace ocitree

#endif  // OCITREE_BRIDGE_PUSH_PROGRESS_SINK_H_
