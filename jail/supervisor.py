"""Watch the sandbox's denied calls through seccomp user notification.

The target loads the report filters (jail.report_filter) with a listener;
pyjail takes the listener from it and answers each notified call with what
the profile's real filter stack says (jail.bpf_eval): its errno, a kill, or
"continue" for a call the stack allows after all. Each denial is reported
once per syscall name and process on stderr and, with --log, as a JSON line.

Handing the listener over without a denied call in the way: the target
tells pyjail, before loading, which fd number the listener will get (the
lowest free one), loads, and then waits in read() until pyjail has copied
that fd out of it with pidfd_getfd. If the profile denies read(), that read
is itself a notification, answered once pyjail holds the listener, so the
hand-over cannot deadlock whatever the profile denies. The listener is
close-on-exec: the target never keeps it, so it cannot answer for itself.

If pyjail dies, the sandbox dies with it (parent death signal, PID 1 of the
namespace). If the supervising thread fails, it kills the sandbox. A denied
call is never let through: with no listener left, the kernel answers ENOSYS.

Modes: "report" answers as the profile does; "audit" lets every call
through and only records; "record" (pyjail build) notes every call made.
"""

from __future__ import annotations

import errno
import os
import select
import struct
import time

from jail import _sys

# struct seccomp_notif: id, pid, flags, then struct seccomp_data.
_NOTIF = struct.Struct("<QII" + "iIQ6Q")
# struct seccomp_notif_resp: id, val, error, flags.
_RESP = struct.Struct("<QqiI")
_IOCTL_RECV = 0xC0502100
_IOCTL_SEND = 0xC0182101
_IOCTL_ID_VALID = 0x40082102
_FLAG_CONTINUE = 1
_SIGSYS = 31
_SIGKILL = 9
# How long pyjail waits for the target to load its filters.
HANDOVER_TIMEOUT = 30.0


class Supervisor:
    """The pyjail half of report, audit and record mode."""

    def __init__(self, mode, programs, stack, roles, arch, profile_loader, quiet=False, log_path=None):
        self.mode = mode
        self.programs = programs  # loaded by the target, listener last
        self.stack = stack  # the profile's own stack: the answers
        self.roles = roles
        self.arch = arch
        self._profile_loader = profile_loader
        self._profile = None
        self.quiet = quiet
        self.log_fd = _open_log(log_path) if log_path else None
        self.events: list = []  # one per reported (process, syscall)
        self.counts: dict = {}  # (name, profile file, rule, action) -> calls
        self.first_args: dict = {}  # the same key -> arguments of the first call
        self.used: set = set()  # (audit arch, number), record mode
        self.killed: set = set()
        self.failure = None
        self._reported: set = set()
        self._listener = None
        self._stop = False
        self._done = None
        self._number_r, self._number_w = os.pipe2(os.O_CLOEXEC)
        self._go_r, self._go_w = os.pipe2(os.O_CLOEXEC)

    # --- in the target -----------------------------------------------------

    def load_in_target(self) -> None:
        """The target's seccomp step: load, hand over the listener, wait."""
        os.close(self._number_r)
        os.close(self._go_w)
        for program in self.programs[:-1]:
            _sys.load_bpf(program)
        predicted = _lowest_free_fd(self._number_w)
        os.write(self._number_w, f"{predicted}\n".encode())
        os.close(self._number_w)

        listener = _sys.load_bpf(self.programs[-1], _sys.SECCOMP_FILTER_FLAG_NEW_LISTENER)
        if listener != predicted:
            raise OSError(errno.EBADF, f"seccomp listener came as fd {listener}, not {predicted}")
        try:
            os.read(self._go_r, 1)
        except OSError:
            pass  # a profile that denies read(): pyjail answered it, so it holds the fd

    # --- in pyjail -----------------------------------------------------------

    def after_fork(self) -> None:
        os.close(self._number_w)
        os.close(self._go_r)

    def take_listener(self, target_pid: int) -> None:
        """Copy the listener out of the target and start answering."""
        predicted = _read_line(self._number_r)
        os.close(self._number_r)
        if predicted is None:
            os.close(self._go_w)
            return  # the target failed before its filter step; it says why
        pidfd = os.pidfd_open(target_pid)
        try:
            self._listener = _grab(pidfd, int(predicted))
        finally:
            os.close(pidfd)
        # The target may go on at once: a call it makes before the thread
        # below reads the listener waits in the kernel until then.
        os.write(self._go_w, b"go")
        os.close(self._go_w)
        if self._listener is not None:
            import _thread

            self._done = _thread.allocate_lock()
            self._done.acquire()
            _thread.start_new_thread(self._serve, (target_pid,))

    def stop(self) -> None:
        """Answer what is still pending, then stop (the target has ended)."""
        self._stop = True
        if self._done is not None:
            self._done.acquire(timeout=5)
        if self._listener is not None:
            os.close(self._listener)
            self._listener = None

    def exit_status(self, status: int, target_pid: int | None = None) -> int:
        """A target that pyjail killed for the filter died of SIGSYS, as in the kernel."""
        if self.killed and status == 128 + _SIGKILL:
            return 128 + _SIGSYS
        return status

    def _serve(self, target_pid: int) -> None:
        try:
            poller = select.poll()
            poller.register(self._listener, select.POLLIN)
            while True:
                events = poller.poll(0 if self._stop else 100)
                if not events and self._stop:
                    return
                for _fd, mask in events:
                    if mask & select.POLLIN:
                        self._receive()
                    elif mask & (select.POLLHUP | select.POLLERR):
                        return  # no task uses the filter any more
        except BaseException as error:  # never leave the sandbox unsupervised
            self.failure = f"{type(error).__name__}: {error}"
            _kill(target_pid, _SIGKILL)
            os.write(2, f"pyjail: supervisor failed, sandbox killed: {self.failure}\n".encode())
        finally:
            self._done.release()

    def _receive(self) -> None:
        buffer = bytearray(_NOTIF.size)
        try:
            import fcntl

            fcntl.ioctl(self._listener, _IOCTL_RECV, buffer, True)
        except OSError as error:
            if error.errno in (errno.ENOENT, errno.EINTR):
                return  # the caller died or was interrupted meanwhile
            raise
        ident, tid, _flags, nr, arch, pointer, *args = _NOTIF.unpack(buffer)
        if self.mode == "record":
            self.used.add((arch, nr))
            return self._respond(ident, 0, _FLAG_CONTINUE)

        from jail import bpf_eval  # first denial only: most launches see none

        answer, deciding = bpf_eval.stack_answer(self.stack, nr, arch, args, pointer)
        if not bpf_eval.denies(answer):
            return self._respond(ident, 0, _FLAG_CONTINUE)
        self._note(tid, ident, nr, arch, args, answer, deciding)
        if self.mode == "audit":
            return self._respond(ident, 0, _FLAG_CONTINUE)
        if answer & bpf_eval.ACTION_MASK == bpf_eval.RET_ERRNO:
            return self._respond(ident, -(answer & bpf_eval.DATA_MASK), 0)
        self._kill_caller(tid, ident)

    def _respond(self, ident: int, error: int, flags: int) -> None:
        import fcntl

        try:
            fcntl.ioctl(self._listener, _IOCTL_SEND, _RESP.pack(ident, 0, error, flags))
        except OSError as failure:
            if failure.errno != errno.ENOENT:  # ENOENT: the caller is gone
                raise

    def _still_waiting(self, ident: int) -> bool:
        import fcntl

        try:
            fcntl.ioctl(self._listener, _IOCTL_ID_VALID, struct.pack("<Q", ident))
            return True
        except OSError:
            return False

    def _kill_caller(self, tid: int, ident: int) -> None:
        """Kill the process whose call a kill or trap rule denies.

        SIGSYS when the process would die of it, as under the kernel's own
        kill; SIGKILL when it catches, ignores or blocks SIGSYS.
        Limitation: a kill-thread rule kills the whole process, a trap rule
        evaluated here kills instead of raising a catchable SIGSYS, and the
        parent of a process killed with SIGKILL sees SIGKILL, not SIGSYS.
        """
        tgid = _tgid(tid)
        if tgid is None:
            return
        pidfd = os.pidfd_open(tgid)
        try:
            if not self._still_waiting(ident):
                return  # the caller is gone: the pid may be someone else's
            number = _SIGSYS if _dies_of_sigsys(tid) else _SIGKILL
            import signal

            signal.pidfd_send_signal(pidfd, number)
            self.killed.add(tgid)
        finally:
            os.close(pidfd)

    def _note(self, tid, ident, nr, arch, args, answer, deciding) -> None:
        from jail import denials

        profile = self.profile()
        arch_name = _arch_token(arch, self.arch)
        name = denials.syscall_name(arch_name, nr)
        rule = denials.explain(profile, self.roles, deciding, answer, name, args)
        denial = denials.Denial(arch_name, nr, args, answer, rule)
        key = (denial.name, denial.profile_file, denial.rule, denial.action)
        if key not in self.counts:
            self.first_args[key] = denial.args
        self.counts[key] = self.counts.get(key, 0) + 1
        tgid = _tgid(tid) or tid
        if (tgid, denial.name) in self._reported:
            return
        self._reported.add((tgid, denial.name))
        executable = _executable(tid) if self._still_waiting(ident) else "?"
        self.events.append((tgid, executable, denial))
        verb = "would deny" if self.mode == "audit" else "denied"
        if not self.quiet:
            line = f"pyjail: {verb} {denial.call_text()} in pid {tgid} ({executable}): {denial.rule_text()}\n"
            os.write(2, line.encode(errors="replace"))
        if self.log_fd is not None:
            _log(self.log_fd, tgid, tid, executable, denial, self.mode)

    def profile(self):
        if self._profile is None:
            self._profile = self._profile_loader()
        return self._profile


def _open_log(path: str) -> int:
    from jail.errors import UsageError

    try:
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)
    except OSError as error:
        raise UsageError(f"--log {path}: {error.strerror}") from None


def _log(fd: int, tgid: int, tid: int, executable: str, denial, mode: str) -> None:
    import datetime
    import json

    event = {
        "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="microseconds"),
        "pid": tgid,
        "tid": tid,
        "executable": executable,
        "syscall": denial.name,
        "number": denial.number,
        "arch": denial.arch,
        "args": denial.args,
        "action": denial.action,
        "profile": denial.profile_file,
        "rule": denial.rule,
        "mode": mode,
    }
    os.write(fd, (json.dumps(event) + "\n").encode())


def _lowest_free_fd(open_fd: int) -> int:
    """The number the kernel gives the next new fd (the lowest free one)."""
    probe = os.dup(open_fd)
    os.close(probe)
    return probe


def _read_line(fd: int) -> str | None:
    data = b""
    while not data.endswith(b"\n"):
        try:
            chunk = os.read(fd, 64)
        except InterruptedError:
            continue
        if not chunk:
            return None
        data += chunk
    return data.decode().strip()


def _grab(pidfd: int, number: int) -> int | None:
    """Copy fd `number` out of the target once it is the seccomp listener."""
    deadline = time.monotonic() + HANDOVER_TIMEOUT
    while time.monotonic() < deadline:
        try:
            copy = _sys.pidfd_getfd(pidfd, number)
        except OSError as error:
            if error.errno == errno.ESRCH:
                return None  # the target failed; its report says why
            time.sleep(0.00005)  # the target is loading it right now
            continue
        if os.readlink(f"/proc/self/fd/{copy}") == "anon_inode:seccomp notify":
            os.set_inheritable(copy, False)
            return copy
        os.close(copy)
        time.sleep(0.0002)
    return None


def _tgid(tid: int) -> int | None:
    try:
        with open(f"/proc/{tid}/status") as handle:
            for line in handle:
                if line.startswith("Tgid:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _dies_of_sigsys(tid: int) -> bool:
    """SIGSYS neither caught nor ignored by the process, nor blocked by the thread."""
    bit = 1 << (_SIGSYS - 1)
    try:
        with open(f"/proc/{tid}/status") as handle:
            fields = dict(line.split(":", 1) for line in handle if ":" in line)
    except OSError:
        return False
    return not any(int(fields[key].strip(), 16) & bit for key in ("SigBlk", "SigIgn", "SigCgt"))


def _executable(tid: int) -> str:
    try:
        return os.readlink(f"/proc/{tid}/exe")
    except OSError:
        return "?"


def _kill(pid: int, number: int) -> None:
    try:
        os.kill(pid, number)
    except ProcessLookupError:
        pass


def _arch_token(audit_arch: int, native: str) -> str:
    from jail.seccomp_compiler import ARCH_NAMES
    from jail.libseccomp import binding

    library = binding()
    for token, attribute in ARCH_NAMES.items():
        if getattr(library.Arch, attribute, None) == audit_arch:
            return token
    return native


def attach(plan, record: dict, profile_loader, mode="report", quiet=False, log_path=None, programs=None):
    """Make `plan` load the report filters and hand their listener to a Supervisor.

    Returns the Supervisor, or None when the profile runs with its plain
    stack (see report_filter.compile_report_programs).
    """
    programs = programs if programs is not None else record.get("report")
    if not programs:
        return None
    supervisor = Supervisor(
        mode,
        [bpf for _role, bpf in programs],
        [bpf for _role, bpf in record["programs"]],
        [role for role, _bpf in record["programs"]],
        os.uname().machine,
        profile_loader,
        quiet=quiet,
        log_path=log_path,
    )
    plan.child_steps = [
        (step, supervisor.load_in_target if step == "seccomp" else action)
        for step, action in plan.child_steps
    ]
    previous = plan.on_target_started

    def started(target_pid: int) -> None:
        if previous is not None:
            previous(target_pid)
        supervisor.after_fork()
        supervisor.take_listener(target_pid)

    plan.on_target_started = started
    return supervisor


def run(plan, supervisor) -> int:
    """launcher.run, then let the supervisor finish and adjust the status."""
    from jail import launcher

    if supervisor is None:
        return launcher.run(plan)
    try:
        status = launcher.run(plan)
    finally:
        supervisor.stop()
    return supervisor.exit_status(status)
