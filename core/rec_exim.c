/* rec_exim.c - TODO(issue 3): recogniser not written yet. */
#include "internal.h"

int ap_rec_exim(const ap_line *ln, ap_event *ev)
{
	(void)ln;
	(void)ev;
	return 0;
}
