/*
 * test_build.c: the shipped binaries carry the hardening the Makefile
 * asks for (issue 10): full RELRO (GNU_RELRO + BIND_NOW), a
 * position-independent executable, the stack protector and
 * FORTIFY_SOURCE's checked calls.  Read with readelf from binutils.
 * A sanitizer build (VAKT_BUILD=build/asan) is not hardened on purpose
 * and is skipped.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "helpers.h"

/*
 * The shipped binaries are hardened; the sanitizer build (make check's
 * second run, built with the same test sources) is not, and a test of
 * it would prove nothing, so these tests exist only in the plain build.
 */
#if !defined(__SANITIZE_ADDRESS__)

#define READELF "/usr/bin/readelf"

/* readelf's output for opts on build/name; caller frees. */
static char *
readelf(const char *opts, const char *name)
{
	char *bin = vt_bin(name);
	const char *argv[] = {READELF, "-W", opts, bin, NULL};
	struct vt_run r;
	char *out;

	cr_assert_eq(access(bin, X_OK), 0, "%s is not built", bin);
	vt_run(&r, NULL, argv);
	cr_assert_eq(r.status, 0, "readelf %s %s: %s", opts, bin, r.err);
	out = r.out;
	r.out = NULL;
	vt_run_free(&r);
	free(bin);
	return out;
}

static void
check_hardened(const char *name)
{
	char *dyn, *seg, *syms, *hdr;

	hdr = readelf("-h", name);
	cr_assert(strstr(hdr, "DYN (Position-Independent Executable") != NULL,
	    "%s is not a PIE:\n%s", name, hdr);
	dyn = readelf("-d", name);
	cr_assert(strstr(dyn, "BIND_NOW") != NULL, "%s: no BIND_NOW", name);
	cr_assert(strstr(dyn, "Flags: NOW PIE") != NULL,
	    "%s: FLAGS_1 is not NOW PIE:\n%s", name, dyn);
	seg = readelf("-l", name);
	cr_assert(strstr(seg, "GNU_RELRO") != NULL, "%s: no GNU_RELRO", name);
	syms = readelf("--dyn-syms", name);
	cr_assert(strstr(syms, "__stack_chk_fail") != NULL,
	    "%s: no stack protector", name);
	cr_assert(strstr(syms, "__snprintf_chk") != NULL ||
	        strstr(syms, "__memcpy_chk") != NULL,
	    "%s: no FORTIFY_SOURCE checked calls", name);
	free(hdr);
	free(dyn);
	free(seg);
	free(syms);
}

Test(build, vaktd_is_pie_with_full_relro_stack_protector_and_fortify_issue10)
{
	check_hardened("vaktd");
}

Test(build, vaktctl_is_pie_with_full_relro_stack_protector_and_fortify_issue10)
{
	check_hardened("vaktctl");
}
#endif
