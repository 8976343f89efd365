// Tests for common/tcp_listener.h: the connection cap and the descriptor limit.
#include "common/tcp_listener.h"

#include <sys/resource.h>

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace yunfn {
namespace {

// Waits until `pred` holds (or 5 s pass).
template <typename Pred>
bool eventually(Pred pred) {
  for (int i = 0; i < 500 && !pred(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return pred();
}

TEST(TcpListenerTest, ServesAtMostMaxConnectionsAtOnce) {
  asio::io_context io;
  std::atomic<int> served{0};
  // Each connection is held until the client closes it.
  TcpListener listener(
      io.get_executor(),
      [&served](std::shared_ptr<beast::tcp_stream> stream) -> Task<void> {
        ++served;
        char byte;
        co_await stream->async_read_some(asio::buffer(&byte, 1), asio::as_tuple(asio::use_awaitable));
      },
      2);
  listener.start("127.0.0.1", 0);
  const unsigned short port = listener.port();
  std::thread loop([&io] {
    auto guard = asio::make_work_guard(io);
    io.run();
  });

  asio::io_context client_io;
  std::vector<asio::ip::tcp::socket> clients;
  for (int i = 0; i < 3; ++i) {
    clients.emplace_back(client_io);
    clients.back().connect({asio::ip::make_address("127.0.0.1"), port});
  }
  EXPECT_TRUE(eventually([&] { return served == 2; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(served, 2);  // the third waits in the backlog
  clients.front().close();
  EXPECT_TRUE(eventually([&] { return served == 3; }));

  asio::post(io, [&] { listener.stop(); });
  io.stop();
  loop.join();
}

TEST(TcpListenerTest, RaisesTheSoftDescriptorLimitToTheHardOne) {
  rlimit before{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &before), 0);
  rlimit lowered = before;
  lowered.rlim_cur = std::min<rlim_t>(before.rlim_max, 256);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lowered), 0);
  EXPECT_EQ(raise_descriptor_limit(), static_cast<size_t>(before.rlim_max));
  rlimit after{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &after), 0);
  EXPECT_EQ(after.rlim_cur, before.rlim_max);
  ::setrlimit(RLIMIT_NOFILE, &before);
}

}  // namespace
}  // namespace yunfn
