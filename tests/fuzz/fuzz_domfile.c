/*
 * tests/fuzz/fuzz_domfile.c: libFuzzer target of bvm's domain-file parser
 * (hosted/domfile.c, the xl.cfg(5)-shaped files of docs/domains.md): the
 * input is the text of a file (none with a NUL byte or over
 * DOMFILE_MAX_TEXT bytes: bvm refuses those before it parses, hosted/manage.c),
 * parsed with domfile_parse; a file it accepts then goes through the memory
 * check and the translation into bvm run's options, as `bvm create` does.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hosted/domfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct domfile d;
	struct bvm_options o;
	char err[256], *text;

	if (size > DOMFILE_MAX_TEXT || memchr(data, 0, size))
		return 0;
	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = 0;
	if (!domfile_parse(&d, "/etc/bvm/fuzz.cfg", text, err, sizeof(err))) {
		(void)domfile_check_memory(&d, 2048, err, sizeof(err));
		domfile_to_options(&d, &o);
		(void)domfile_action_name(d.on_poweroff);
	}
	free(text);
	return 0;
}
