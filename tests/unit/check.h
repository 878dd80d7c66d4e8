/* check.h - the unit tests' verdict: check(name, ok, fmt, ...) prints
 * "PASS name" or "FAIL name: why" (tests/run counts those lines) and
 * keeps the counts in npass and nfail.  One copy per test program.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef AP_TEST_CHECK_H
#define AP_TEST_CHECK_H

#include <stdarg.h>
#include <stdio.h>

static int npass, nfail;

static void check(const char *name, int ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void check(const char *name, int ok, const char *fmt, ...)
{
	if (ok) {
		printf("PASS %s\n", name);
		npass++;
		return;
	}
	char why[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	printf("FAIL %s: %s\n", name, why);
	nfail++;
}

#endif
