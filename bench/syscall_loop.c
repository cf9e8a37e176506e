/* syscall_loop: a cheap-syscall workload for measuring filter overhead.
 * Usage: syscall_loop N [self-filter]
 *   N rounds of getppid + 1-byte write + 1-byte read on a pipe.
 *   self-filter: first load a one-instruction "allow everything" seccomp
 *   filter, the least any filter can cost: the kernel's own floor.
 * Prints the CPU time the loop took, in nanoseconds: unlike wall time it
 * leaves out the start of whatever launched the loop, and the time a
 * virtual machine's CPU was taken away (steal).
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int load_allow_everything(void)
{
    struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    struct sock_fprog program = {.len = 1, .filter = &allow};

    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program);
}

int main(int argc, char **argv)
{
    long rounds = argc > 1 ? atol(argv[1]) : 1000000;
    int fds[2];
    char byte = 'x';

    if (argc > 2 && strcmp(argv[2], "self-filter") == 0 && load_allow_everything() != 0) {
        perror("seccomp");
        return 1;
    }
    if (pipe(fds) != 0) {
        perror("pipe");
        return 1;
    }
    struct timespec started, ended;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &started);
    for (long i = 0; i < rounds; i++) {
        syscall(SYS_getppid);
        if (write(fds[1], &byte, 1) != 1 || read(fds[0], &byte, 1) != 1) {
            perror("pipe io");
            return 1;
        }
    }
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ended);
    printf("%lld\n", (long long)(ended.tv_sec - started.tv_sec) * 1000000000LL
                         + (ended.tv_nsec - started.tv_nsec));
    return 0;
}
