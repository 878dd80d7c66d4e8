/* detect.c - attack detection: TODO(issue 5). */
#include <stdlib.h>
#include "internal.h"

ap_detect *ap_detect_new(const ap_config *cfg, ap_log_fn log, void *cookie, int *err)
{
	(void)cfg;
	if (log)
		log(cookie, AP_LOG_ERR, "detection is not available yet");
	*err = 1;
	return NULL;
}

void ap_detect_free(ap_detect *d) { (void)d; }

void ap_detect_feed(ap_detect *d, const ap_event *ev, int64_t t, ap_alerts *out, ap_stats *st)
{
	(void)d; (void)ev; (void)t; (void)st;
	out->fired = 0;
	out->nrelated = 0;
}

void ap_alerts_to_json(struct fjson_object *ev, const ap_alerts *a)
{
	(void)ev;
	(void)a;
}
