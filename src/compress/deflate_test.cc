#include "compress/deflate.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "base/io.h"

namespace ocitree {
namespace {

// Inflates a whole raw DEFLATE stream.
std::string Inflate(ByteView stream) {
  MemoryReader source(stream);
  InflateReader inflate(source);
  std::string out;
  std::vector<uint8_t> buf(4096);
  for (;;) {
    auto n = inflate.Read(buf);
    EXPECT_TRUE(n.ok()) << n.status().message();
    if (!n.ok() || *n == 0) break;
    out.append(reinterpret_cast<const char*>(buf.data()), *n);
  }
  return out;
}

// What the writer wrote to a SOCK_SEQPACKET socket, one string per write(2).
std::vector<std::string> Writes(int fd) {
  std::vector<std::string> writes;
  std::vector<char> buf(1 << 18);
  for (;;) {
    ssize_t n = recv(fd, buf.data(), buf.size(), MSG_DONTWAIT);
    if (n <= 0) break;
    writes.emplace_back(buf.data(), static_cast<size_t>(n));
  }
  return writes;
}

std::string Text(size_t size) {
  std::string text;
  for (size_t i = 0; text.size() < size; i++) text += "line " + std::to_string(i * 7919 % 1000) + "\n";
  text.resize(size);
  return text;
}

TEST(DeflateWriterTest, WriteAndFinishSendsASmallObjectInOneWrite) {
  for (size_t size : {size_t{0}, size_t{1}, size_t{700}, size_t{2048}, size_t{20000}}) {
    int fds[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds), 0);
    const std::string header = "HEADER", data = Text(size);
    {
      DeflateWriter deflate(fds[0], 1, nullptr, AsBytes(header));
      ASSERT_TRUE(deflate.WriteAndFinish(AsBytes(data)).ok());
    }
    std::vector<std::string> writes = Writes(fds[1]);
    close(fds[0]);
    close(fds[1]);
    ASSERT_EQ(writes.size(), 1u) << size << " bytes";
    ASSERT_EQ(writes[0].compare(0, header.size(), header), 0);
    EXPECT_EQ(Inflate(AsBytes(writes[0]).subspan(header.size())), data) << size << " bytes";
  }
}

TEST(DeflateWriterTest, ALargeInputInflatesBack) {
  char name[] = "/tmp/deflate-test-XXXXXX";
  int fd = mkstemp(name);
  ASSERT_GE(fd, 0);
  unlink(name);
  const std::string data = Text(3 << 20);  // more than the output buffer: several writes
  {
    DeflateWriter deflate(fd, 1);
    ASSERT_TRUE(deflate.WriteAndFinish(AsBytes(data)).ok());
  }
  off_t size = lseek(fd, 0, SEEK_END);
  ASSERT_GT(size, 0);
  std::vector<uint8_t> stream(static_cast<size_t>(size));
  ASSERT_EQ(pread(fd, stream.data(), stream.size(), 0), size);
  close(fd);
  EXPECT_EQ(Inflate(stream), data);
}

}  // namespace
}  // namespace ocitree
