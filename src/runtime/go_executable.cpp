#include "runtime/go_executable.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace yunfn::runtime {

int host_elf_machine() {
#if defined(__x86_64__)
  return EM_X86_64;
#elif defined(__aarch64__)
  return EM_AARCH64;
#elif defined(__i386__)
  return EM_386;
#elif defined(__arm__)
  return EM_ARM;
#else
  return EM_NONE;
#endif
}

std::string elf_machine_name(int machine) {
  switch (machine) {
    case EM_X86_64:
      return "amd64";
    case EM_AARCH64:
      return "arm64";
    case EM_386:
      return "386";
    case EM_ARM:
      return "arm";
    case EM_RISCV:
      return "riscv64";
    case EM_PPC64:
      return "ppc64";
    case EM_S390:
      return "s390x";
    case EM_MIPS:
      return "mips";
    default:
      return "ELF machine " + std::to_string(machine);
  }
}

std::optional<int> elf_machine(std::string_view header) {
  // e_ident (16 bytes), e_type (2), then e_machine (2) in the file's byte order.
  if (header.size() < 20 || header.substr(0, 4) !=
                                "\x7f"
                                "ELF")
    return std::nullopt;
  const auto lo = static_cast<unsigned char>(header[18]);
  const auto hi = static_cast<unsigned char>(header[19]);
  return header[EI_DATA] == ELFDATA2MSB ? (lo << 8) | hi : (hi << 8) | lo;
}

std::optional<GoHandlerProblem> check_go_handler(const std::string& code_dir,
                                                 const std::string& handler) {
  if (handler.empty() || handler.find('/') != std::string::npos || handler == "." ||
      handler == "..") {
    return GoHandlerProblem{"HandlerNotFound", "Handler '" + handler +
                                                   "' names no executable: a Go1 handler is the "
                                                   "file name of the executable at the root of the "
                                                   "code package, e.g. main"};
  }
  const std::string path = code_dir + "/" + handler;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return GoHandlerProblem{"HandlerNotFound", "Handler '" + handler +
                                                   "' names no executable: the code package has no "
                                                   "file " +
                                                   handler + " at its root"};
  }
  if (::access(path.c_str(), X_OK) != 0) {
    return GoHandlerProblem{"PermissionDenied",
                            "Handler '" + handler + "': the file " + handler +
                                " in the code package is not executable; zip it with mode 755"};
  }
  char buf[64];
  ssize_t n = -1;
  if (int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC); fd >= 0) {
    n = ::read(fd, buf, sizeof buf);
    ::close(fd);
  }
  const auto machine = elf_machine(std::string_view(buf, n > 0 ? static_cast<size_t>(n) : 0));
  if (machine && *machine != host_elf_machine()) {
    return GoHandlerProblem{
        "ExecFormatError",
        "Handler '" + handler + "': the executable is built for " + elf_machine_name(*machine) +
            " but this node runs " + elf_machine_name(host_elf_machine()) +
            "; build it with GOOS=linux GOARCH=" + elf_machine_name(host_elf_machine())};
  }
  return std::nullopt;
}

}  // namespace yunfn::runtime
