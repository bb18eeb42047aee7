/*
 * standalone_driver.c: replay a fuzz corpus without libFuzzer.
 *
 * Linked with one fuzz target (tests/fuzz/fuzz_*.c) in every build, so the
 * corpus in tests/fuzz/corpus/<name>/ runs as an ordinary test under
 * whatever sanitizers the build uses. Each argument is a file, which is
 * run once, or a directory, whose regular files are run in name order (so
 * the output is stable). Every input is read into a buffer of exactly its
 * size, so a read past the end is caught by AddressSanitizer as it would
 * be under libFuzzer.
 *
 * A failing input crashes or aborts; reaching the end means every input
 * passed, and the last line is "N passed, 0 failed". A missing argument,
 * a missing or unreadable path, or a directory with no inputs counts as a
 * failure and exits 1: a corpus that vanished must fail the test, not
 * pass vacuously.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *data;
	long size;

	if (!f) {
		fprintf(stderr, "error: cannot open '%s': %s\n", path,
			strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) < 0) {
		fprintf(stderr, "error: cannot read '%s': %s\n", path,
			strerror(errno));
		fclose(f);
		return -1;
	}
	/* Exactly size bytes (at least one allocated), no terminator. */
	data = malloc(size ? (size_t)size : 1);
	if (!data || fread(data, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "error: cannot read '%s'\n", path);
		free(data);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(data, (size_t)size);
	free(data);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run every regular file in dir; returns how many, or -1. */
static long run_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t nr = 0, alloc = 0, i;
	long ran = 0;

	if (!d) {
		fprintf(stderr, "error: cannot open directory '%s': %s\n", dir,
			strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (nr == alloc) {
			alloc = alloc ? 2 * alloc : 64;
			names = realloc(names, alloc * sizeof(*names));
			if (!names)
				abort();
		}
		if (!(names[nr++] = strdup(de->d_name)))
			abort();
	}
	closedir(d);
	if (nr)
		qsort(names, nr, sizeof(*names), cmp_names);

	for (i = 0; i < nr; i++) {
		size_t len = strlen(dir) + strlen(names[i]) + 2;
		char *path = malloc(len);
		struct stat st;

		if (!path)
			abort();
		snprintf(path, len, "%s/%s", dir, names[i]);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (run_file(path) < 0)
				ran = -1;
			else if (ran >= 0)
				ran++;
		}
		free(path);
		free(names[i]);
	}
	free(names);
	if (ran == 0)
		fprintf(stderr, "error: no inputs in '%s'\n", dir);
	return ran;
}

int main(int argc, char **argv)
{
	long passed = 0;
	int i, failed = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s <corpus-dir | input>...\n", argv[0]);
		return 1;
	}
	for (i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "error: '%s': %s\n", argv[i],
				strerror(errno));
			failed++;
		} else if (S_ISDIR(st.st_mode)) {
			long n = run_dir(argv[i]);

			if (n <= 0)
				failed++;
			else
				passed += n;
		} else if (run_file(argv[i]) < 0) {
			failed++;
		} else {
			passed++;
		}
	}
	printf("%ld passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
