/* fuzz_kvs: form and query decoding (vakt_kvs_parse, http.c). */
#include "vakt/http.h"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fz_str(data, size);
	struct vakt_kvs kvs;

	if (vakt_kvs_parse(s, &kvs) == 0) {
		for (size_t i = 0; i < kvs.n; i++) {
			FZ_CHECK(
			    kvs.v[i].key != NULL && kvs.v[i].value != NULL);
			FZ_CHECK(kvs.v[i].key[0] != '\0');
			(void)vakt_kvs_get(&kvs, kvs.v[i].key);
		}
	} else {
		FZ_CHECK(kvs.n == 0);
	}
	vakt_kvs_free(&kvs);
	free(s);
	return 0;
}
