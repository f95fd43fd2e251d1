/*
 * fuzz.h: what the libFuzzer targets in tests/fuzz share.  Each target
 * is one file fuzz_NAME.c with its seed corpus in corpus/NAME/; `make
 * fuzz-check` (part of `make check`) and `make fuzz` run them.
 */
#ifndef VAKT_FUZZ_H
#define VAKT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* data as a NUL-terminated string (cut at its first NUL); free it. */
static inline char *
fz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* A property the parser promises failed: libFuzzer reports a crash. */
#define FZ_CHECK(cond)                                                         \
	do {                                                                   \
		if (!(cond))                                                   \
			__builtin_trap();                                      \
	} while (0)

#endif
