/* syscall_loop: a cheap-syscall workload for measuring filter overhead.
 * Usage: syscall_loop N   -- N x (getppid + 1-byte write + 1-byte read on a pipe)
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long rounds = argc > 1 ? atol(argv[1]) : 1000000;
    int fds[2];
    char byte = 'x';

    if (pipe(fds) != 0) {
        perror("pipe");
        return 1;
    }
    for (long i = 0; i < rounds; i++) {
        syscall(SYS_getppid);
        if (write(fds[1], &byte, 1) != 1 || read(fds[0], &byte, 1) != 1) {
            perror("pipe io");
            return 1;
        }
    }
    return 0;
}
