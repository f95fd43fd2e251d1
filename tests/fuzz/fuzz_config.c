/*
 * fuzz_config: the configuration loader (vakt_config_load, config.c),
 * fed through a memory file so that no disk is touched.
 */
#define _GNU_SOURCE /* memfd_create */
#include <sys/mman.h>

#include <stdio.h>
#include <unistd.h>

#include "vakt/config.h"
#include "vakt/util.h"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("vakt-fuzz.conf", 0);
	char path[64];
	struct vakt_config *cfg = NULL;
	struct vakt_strlist errs = {0};

	if (fd == -1 || write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (vakt_config_load(path, &cfg, &errs) == 0)
		vakt_config_free(cfg);
	else
		FZ_CHECK(errs.n > 0);
	vakt_strlist_free(&errs);
	close(fd);
	return 0;
}
