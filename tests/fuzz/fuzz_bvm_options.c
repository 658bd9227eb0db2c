/*
 * tests/fuzz/fuzz_bvm_options.c: libFuzzer target of bvm's option parser
 * (hosted/bvm.c parse_options, with its size, count and accelerator
 * parsers): the input, split at NUL bytes, is the argument list of
 * `bvm run`. bvm.c is included so its static parser is reachable; its main
 * is renamed and never called.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int bvm_main(int argc, char **argv);
#define main bvm_main
#include "hosted/bvm.c"
#undef main

#define MAX_ARGS 32

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	stderr = fopen("/dev/null", "w"); /* bvm's one-line errors; sanitizers write to fd 2 */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *argv[MAX_ARGS + 1] = { "run" };
	struct bvm_options o;
	int argc = 1;

	memcpy(copy, data, size);
	copy[size] = 0;
	for (char *p = copy; p <= copy + size && argc < MAX_ARGS; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	optind = 0; /* glibc: start getopt over */
	(void)parse_options(argc, argv, &o);
	free(copy);
	return 0;
}
