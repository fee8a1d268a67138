/* /init of the Linux guest's initramfs: the first userspace program of Debian's kernel under the model. It
 * mounts devtmpfs to reach the console (the cpio holds no device nodes, so it can be built without root),
 * prints markers the host checks, writes a buffer and reads it back through the kernel's page tables and
 * the modelled caches, and powers the machine off through reboot(RB_POWER_OFF), which the kernel turns into
 * PSCI SYSTEM_OFF. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#define BUFFER_WORDS (1u << 18) /* 2 MiB of 64-bit words */

static void console(void)
{
    mkdir("/dev", 0755);
    if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) != 0 && access("/dev/console", F_OK) != 0)
        return;
    const int fd = open("/dev/console", O_RDWR);
    if (fd < 0)
        return;
    dup2(fd, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    if (fd > 2)
        close(fd);
}

int main(void)
{
    console();
    setvbuf(stdout, NULL, _IONBF, 0);
    struct utsname name;
    uname(&name);
    printf("vcm-init: started on %s %s\n", name.sysname, name.release);
    uint64_t *buffer = malloc(BUFFER_WORDS * sizeof *buffer);
    uint64_t wrong = BUFFER_WORDS;
    if (buffer != NULL) {
        for (uint64_t i = 0; i < BUFFER_WORDS; ++i)
            buffer[i] = 0x9e3779b97f4a7c15ull * (i + 1);
        wrong = 0;
        for (uint64_t i = 0; i < BUFFER_WORDS; ++i)
            wrong += buffer[i] != 0x9e3779b97f4a7c15ull * (i + 1);
    }
    printf("vcm-init: buffer of %u words checked, %llu wrong\n", BUFFER_WORDS, (unsigned long long)wrong);
    printf("vcm-init: %s, powering off\n", wrong == 0 ? "PASS" : "FAIL");
    sync();
    reboot(RB_POWER_OFF);
    return 1;
}
