/* rec_horde.c - TODO(issue 3): recogniser not written yet. */
#include "internal.h"

int ap_rec_horde(const ap_line *ln, ap_event *ev)
{
	(void)ln;
	(void)ev;
	return 0;
}
