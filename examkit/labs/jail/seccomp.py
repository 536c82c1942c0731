"""A seccomp-bpf filter that takes the network away from a process and everything it starts, for
the jail without bubblewrap (a Gradescope container): socket() fails with EACCES for every address
family but AF_UNIX (multiprocessing, torch's shared memory and the like need it), io_uring_setup
fails too (io_uring can open sockets of its own), x32 system calls fail, and a system call of a
foreign architecture (i386 through int 0x80, where socketcall lives) kills the process.

Unprivileged: PR_SET_NO_NEW_PRIVS first, then PR_SET_SECCOMP. x86_64 and aarch64; elsewhere
`install` raises and Gradescope mode refuses to grade. The program is built before the fork, so the
child only makes two prctl calls."""

from __future__ import annotations

import ctypes
import errno
import platform
import struct

# (audit architecture, socket, io_uring_setup): <linux/audit.h>, the architecture's syscall table
ARCHES = {
    "x86_64": (0xC000003E, 41, 425),
    "aarch64": (0xC00000B7, 198, 425),
    "arm64": (0xC00000B7, 198, 425),
}
X32_BIT = 0x40000000  # x86_64 system calls of the x32 ABI carry this bit
AF_UNIX = 1

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
RET_KILL_PROCESS = 0x80000000
RET_ERRNO = 0x00050000
RET_ALLOW = 0x7FFF0000
LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS: load 32 bits of struct seccomp_data
JEQ = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
JSET = 0x45  # BPF_JMP | BPF_JSET | BPF_K
RET = 0x06  # BPF_RET | BPF_K
NR, ARCH, ARG0 = 0, 4, 16  # offsets in struct seccomp_data (nr, arch, args[0]: its low 32 bits)


class SeccompUnavailable(OSError):
    pass


def program(machine: str | None = None) -> list[tuple[int, int, int, int]]:
    """The filter as (code, jump if true, jump if false, k) instructions."""
    machine = machine or platform.machine()
    if machine not in ARCHES:
        raise SeccompUnavailable(f"no network filter for {machine} (x86_64 and aarch64 only)")
    arch, socket_nr, io_uring_nr = ARCHES[machine]
    # labels: the three returns at the end; jumps are counted from the next instruction
    code: list = [
        (LD_W_ABS, 0, 0, ARCH),
        (JEQ, 0, "kill", arch),
        (LD_W_ABS, 0, 0, NR),
    ]
    if arch == ARCHES["x86_64"][0]:
        code.append((JSET, "deny", 0, X32_BIT))
    code += [
        (JEQ, "deny", 0, io_uring_nr),
        (JEQ, 0, "allow", socket_nr),
        (LD_W_ABS, 0, 0, ARG0),
        (JEQ, "allow", "deny", AF_UNIX),
    ]
    ends = {"allow": len(code), "deny": len(code) + 1, "kill": len(code) + 2}
    code += [(RET, 0, 0, RET_ALLOW), (RET, 0, 0, RET_ERRNO | errno.EACCES), (RET, 0, 0, RET_KILL_PROCESS)]

    def jump(at: int, target) -> int:
        return ends[target] - at - 1 if isinstance(target, str) else target

    return [(c, jump(i, t), jump(i, f), k) for i, (c, t, f, k) in enumerate(code)]


class _Fprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


class NetworkFilter:
    """Built in the parent; `install()` runs in the child (a preexec function) before exec."""

    def __init__(self):
        instructions = program()
        self._buffer = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *i) for i in instructions))
        self._fprog = _Fprog(len(instructions), ctypes.addressof(self._buffer))
        self._prctl = ctypes.CDLL(None, use_errno=True).prctl
        self._prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
        self._prctl.restype = ctypes.c_int

    def install(self):
        if self._prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise SeccompUnavailable(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        if self._prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(self._fprog), 0, 0) != 0:
            raise SeccompUnavailable(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) failed: no seccomp-bpf here")
