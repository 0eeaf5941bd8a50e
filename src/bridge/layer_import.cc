#include "bridge/layer_import.h"

#include <unistd.h>

#include <cerrno>

#include "base/fs_util.h"
#include "base/hashing_reader.h"
#include "base/log.h"
#include "base/read_ahead_reader.h"
#include "compress/decompress.h"
#include "oci/media_types.h"

namespace ocitree {

namespace {

// Counts compressed bytes for progress, and stops when asked to.
class CountingReader : public ByteReader {
 public:
  CountingReader(ByteReader& source, const LayerReadOptions& options) : source_(source), options_(options) {}
  Result<size_t> Read(std::span<uint8_t> buf) override {
    if (options_.cancel != nullptr && options_.cancel->load(std::memory_order_relaxed))
      return Cancelled("stopped because another layer failed");
    OCITREE_ASSIGN_OR_RETURN(size_t n, source_.Read(buf));
    bytes_ += n;
    if (options_.on_bytes && n > 0) options_.on_bytes(n);
    return n;
  }
  uint64_t bytes() const { return bytes_; }

 private:
  ByteReader& source_;
  const LayerReadOptions& options_;
  uint64_t bytes_ = 0;
};

Result<LayerRead> ReadBlob(Transaction& txn, oci::ImageSource& source, const oci::Descriptor& desc,
                           const oci::Digest& diff_id, const LayerReadOptions& options) {
  static const ImportHooks kNoHooks;
  OCITREE_ASSIGN_OR_RETURN(oci::LayerType type, oci::ClassifyLayer(desc.media_type));
  std::unique_ptr<ByteReader> blob;
  if (options.downloads != nullptr) {
    OCITREE_ASSIGN_OR_RETURN(blob, options.downloads->OpenBlob(source, desc));
  } else {
    OCITREE_ASSIGN_OR_RETURN(blob, source.OpenBlob(desc));
  }
  CountingReader counted(*blob, options);
  PeekableReader peek(counted);
  OCITREE_ASSIGN_OR_RETURN(ByteView magic, peek.Peek(4));
  Compression actual = DetectCompression(magic);
  if (actual != type.compression)
    return Corrupt(std::string("media type ") + desc.media_type + " says " + CompressionName(type.compression) +
                   " but the data is " + CompressionName(actual));
  std::unique_ptr<ByteReader> decompressor;
  ByteReader* tar_bytes = &peek;
  if (type.compression != Compression::kNone) {
    OCITREE_ASSIGN_OR_RETURN(decompressor, NewDecompressor(type.compression, peek));
    tar_bytes = decompressor.get();
  }
  HashingReader diff_hash(*tar_bytes);
  // Reading, verifying and decompressing the blob run on a thread of their
  // own, overlapped with parsing, hashing and writing the files on this one.
  ReadAheadReader ahead(diff_hash);
  tar::TarReader reader(ahead);
  // A recipe grows with the layer's entry count: it waits in a scratch file.
  std::optional<RecipeWriter> recipe;
  UniqueFd recipe_file;
  if (options.with_recipe) {
    OCITREE_ASSIGN_OR_RETURN(recipe_file, OpenScratchFile(txn.store().dirfd(), "tmp"));
    recipe.emplace();
    recipe->SpillTo(recipe_file.get());
  }
  LayerReader layer(txn, options.hooks ? *options.hooks : kNoHooks, recipe ? &*recipe : nullptr);
  OCITREE_RETURN_IF_ERROR(layer.ReadAll(reader));
  // The rest of the stream (record padding) counts for the diff_id, and
  // reading to the end makes the blob reader check size and digest. Once
  // `ahead` has returned the end, its thread no longer touches the readers
  // behind it.
  OCITREE_RETURN_IF_ERROR(ReadToEnd(ahead));
  Checksum actual_diff = diff_hash.Finish();
  if (actual_diff != diff_id.sha256())
    return Corrupt("uncompressed layer has digest sha256:" + actual_diff.Hex() + " but the config's diff_id is " +
                   diff_id.ToString());
  uint8_t extra;
  OCITREE_ASSIGN_OR_RETURN(size_t more, counted.Read({&extra, 1}));
  if (more != 0) return Corrupt("data after the end of the compressed layer");
  LayerRead read;
  read.stats = layer.stats();
  read.blob_bytes = counted.bytes();
  read.symlinks = layer.symlinks();
  if (recipe) {
    OCITREE_ASSIGN_OR_RETURN(read.recipe_size, recipe->FinishSpill(reader.trailer(), actual_diff));
    read.recipe_file = std::move(recipe_file);
    if (layer.may_have_recipe_extras()) {
      // Rare (a path written twice, data of a skipped device node): the
      // recipe is read back to see which displaced contents it still needs.
      Bytes bytes(read.recipe_size);
      if (lseek(read.recipe_file.get(), 0, SEEK_SET) != 0) return Status::FromErrno("rewind the layer recipe", errno);
      FdReader file(read.recipe_file.get(), "layer recipe");
      OCITREE_ASSIGN_OR_RETURN(size_t n, ReadFull(file, bytes));
      if (n != bytes.size()) return Internal("layer recipe shorter than written");
      OCITREE_ASSIGN_OR_RETURN(read.recipe_extras, layer.RecipeExtras(bytes));
    }
  }
  read.node = layer.TakeTree();
  return read;
}

}  // namespace

Result<LayerRead> ReadLayerBlob(Transaction& txn, oci::ImageSource& source, const oci::Descriptor& desc,
                                const oci::Digest& diff_id, const LayerReadOptions& options) {
  Result<LayerRead> read = ReadBlob(txn, source, desc, diff_id, options);
  // A transfer cut short is worth keeping for the next pull; bytes that
  // decompress or parse wrong are not (a blob whose digest matches is
  // rejected the same way next time).
  ErrorCode code = read.ok() ? ErrorCode::kOk : read.status().code();
  if (options.downloads != nullptr && !read.ok() && code != ErrorCode::kIo && code != ErrorCode::kCancelled)
    options.downloads->Discard(desc.digest);
  return read;
}

}  // namespace ocitree
