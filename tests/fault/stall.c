/*
 * stall.c: an LD_PRELOAD shim for the fault tests (issue 10): while the
 * file named by $VAKT_STALL_FILE exists, fsync() and fdatasync() wait
 * for it to go (at most 60 s), as they do on a frozen or failing disk.
 * Built as build/tests/fault/stall.so; never linked into vakt.
 */
#define _GNU_SOURCE /* RTLD_NEXT */
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int fsync(int fd);
int fdatasync(int fd);

static void
stall_while_asked(void)
{
	const char *path = getenv("VAKT_STALL_FILE");
	const struct timespec tick = {0, 10 * 1000 * 1000};

	if (path == NULL || path[0] == '\0')
		return;
	for (int i = 0; i < 6000 && access(path, F_OK) == 0; i++)
		(void)nanosleep(&tick, NULL);
}

int
fsync(int fd)
{
	int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fsync");

	stall_while_asked();
	return real(fd);
}

int
fdatasync(int fd)
{
	int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");

	stall_while_asked();
	return real(fd);
}
