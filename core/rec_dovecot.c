/* rec_dovecot.c - TODO(issue 3): recogniser not written yet. */
#include "internal.h"

int ap_rec_dovecot(const ap_line *ln, ap_event *ev)
{
	(void)ln;
	(void)ev;
	return 0;
}
