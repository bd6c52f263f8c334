// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "kernel_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <zlib.h>

#define HZ_KEY "CONFIG_HZ="

/* The value of a "CONFIG_HZ=N" line, 0 for any other line. */
static unsigned long hz_of_line(const char *line)
{
	char *end;
	unsigned long hz;

	if (strncmp(line, HZ_KEY, strlen(HZ_KEY)))
		return 0;
	hz = strtoul(line + strlen(HZ_KEY), &end, 10);
	/* the kernel allows 24..8192 (kernel/Kconfig.hz and its users) */
	if ((*end != '\n' && *end != '\0') || hz < 24 || hz > 8192)
		return 0;
	return hz;
}

unsigned long kernel_config_hz_of(const char *text)
{
	for (const char *line = text; line && *line; line = strchr(line, '\n')) {
		unsigned long hz;

		if (*line == '\n')
			line++;
		hz = hz_of_line(line);
		if (hz)
			return hz;
	}
	return 0;
}

/* zlib reads plain files too: one reader for both places. */
static unsigned long hz_of_file(const char *path)
{
	gzFile f = gzopen(path, "rb");
	unsigned long hz = 0;
	char line[256];

	if (!f)
		return 0;
	while (!hz && gzgets(f, line, sizeof(line)))
		hz = hz_of_line(line);
	gzclose(f);
	return hz;
}

unsigned long kernel_config_hz(void)
{
	struct utsname u;
	char path[sizeof(u.release) + 16];
	unsigned long hz = 0;

	if (!uname(&u)) {
		snprintf(path, sizeof(path), "/boot/config-%s", u.release);
		hz = hz_of_file(path);
	}
	return hz ? hz : hz_of_file("/proc/config.gz");
}
