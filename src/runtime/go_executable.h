// Checks of a Go1 function's handler before the Go runtime adapter starts it:
// the handler names an executable at the root of the code package, built for
// this machine. Pure functions over the file system; any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace yunfn::runtime {

// Why the handler cannot be started, as an init error's errorType and message.
struct GoHandlerProblem {
  std::string type;  // HandlerNotFound, PermissionDenied or ExecFormatError
  std::string message;
};

// The ELF machine number of the executables this machine runs (EM_X86_64, ...).
int host_elf_machine();
// A name for an ELF machine number, as GOARCH spells it where there is one.
std::string elf_machine_name(int machine);

// The ELF machine of an executable's first bytes, or nullopt when they are
// not an ELF header (a script, say).
std::optional<int> elf_machine(std::string_view header);

// Why `code_dir`/`handler` cannot run here, or nullopt when it can.
std::optional<GoHandlerProblem> check_go_handler(const std::string& code_dir,
                                                 const std::string& handler);

}  // namespace yunfn::runtime
