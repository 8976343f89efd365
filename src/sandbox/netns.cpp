#include "sandbox/netns.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sandbox/sandbox.h"

namespace yunfn::sandbox {
namespace {

Error sys_error(const std::string& what, int e) {
  return make_error(errc::kInternalErrorSystem, what + ": " + std::strerror(e));
}

}  // namespace

Status bring_up_loopback() {
  int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return sys_error("socket", errno);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  int rc = ::ioctl(s, SIOCGIFFLAGS, &ifr);
  if (rc == 0) {
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
    rc = ::ioctl(s, SIOCSIFFLAGS, &ifr);
  }
  int e = errno;
  ::close(s);
  if (rc != 0) return sys_error("bring up lo", e);
  return ok_status();
}

Result<int> listen_tcp(const std::string& host, unsigned short port) {
  int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return sys_error("socket", errno);
  int one = 1;
  ::setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    ::close(s);
    return make_error(errc::kInternalErrorSystem, "bad listen address " + host);
  }
  if (::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(s, SOMAXCONN) != 0) {
    int e = errno;
    ::close(s);
    return sys_error("listen on " + host + ":" + std::to_string(port), e);
  }
  return s;
}

Status send_fds(int sock, char tag, const std::vector<int>& fds) {
  iovec iov{&tag, 1};
  std::vector<char> buf(CMSG_SPACE(sizeof(int) * fds.size()));
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = buf.data();
  msg.msg_controllen = buf.size();
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
  std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  if (::sendmsg(sock, &msg, MSG_NOSIGNAL) != 1) return sys_error("sendmsg", errno);
  return ok_status();
}

}  // namespace yunfn::sandbox
