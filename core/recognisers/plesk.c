/* plesk.c - Plesk panel logins, /var/log/plesk/panel.log (Plesk Onyx,
 * Obsidian), read through imfile (tags plesk, plesk-panel): the whole
 * line is the message.  Service panel.
 *
 *   [<stamp>] ERR [panel] [Action Log] Failed login attempt with login '<user>' from IP <ip>
 *   [<stamp>] ERR [panel] Failed login attempt with login '<user>' from IP <ip>
 *       -> failure (Plesk does not say whether the login or the password
 *          was wrong: no reason)
 *
 * <stamp> is "YYYY-MM-DD HH:MM:SS[.mmm]", local time without a zone: read
 * as UTC into ev->time (the brackets may be missing).  Between the stamp
 * and the level Obsidian may write "<pid>:<hex id> "; any level word is
 * accepted.  Plesk logs no successful panel login in panel.log (the
 * Action Log in the database has it): only failures are events.  Other
 * panel.log lines ("[extension/...]", task errors) are not events even
 * when they quote such text: the phrase must follow "[panel] " directly.
 *
 * Threat model: Plesk is closed source; the shape comes from published
 * panel.log excerpts.  <user> is the login the client typed, quoted but not
 * escaped, so it may hold "' from IP 6.6.6.6".  The stamp, the "[panel]"
 * facility and the phrase "Failed login attempt with login '" come before
 * it and are the daemon's; the address is the last word, written after the
 * user, and never holds a blank or a quote.  So the address is read after
 * the last "' from IP ", and a planted one stays inside the user.  Nothing
 * is redacted (the line carries no password).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

static int is_hex(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

static int rec_plesk(const ap_line *ln, ap_event *ev)
{
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	while (c.e > c.p && (c.e[-1] == ' ' || c.e[-1] == '\t' || c.e[-1] == '\r'))
		c.e--;
	int bracket = ap_cur_eatc(&c, '[');
	size_t sn = ap_parse_ymdhms(c.p, ap_cur_left(&c), ' ', &ev->time);
	if (sn == 0)
		return 0;
	c.p += sn;
	if ((bracket && !ap_cur_eatc(&c, ']')) || !AP_EAT(&c, " "))
		return 0;
	/* "<pid>:<hex> " (Obsidian) */
	const char *s = c.p;
	while (s < c.e && *s >= '0' && *s <= '9')
		s++;
	if (s > c.p && s < c.e && *s == ':') {
		const char *h = ++s;
		while (s < c.e && is_hex(*s))
			s++;
		if (s > h && s < c.e && *s == ' ')
			c.p = s + 1;
	}
	ap_span level = ap_cur_word(&c);
	if (level.n == 0 || level.n > 8 || !AP_EAT(&c, " [panel] "))
		return 0;
	AP_EAT(&c, "[Action Log] ");
	if (!AP_EAT(&c, "Failed login attempt with login '"))
		return 0;
	const char *f = AP_MEMRMEM(c.p, ap_cur_left(&c), "' from IP ");
	if (f == NULL)
		return 0;
	ap_span ip = ap_span_make(f + AP_LEN("' from IP "),
				  (size_t)(c.e - f) - AP_LEN("' from IP "));
	if (ip.n == 0 || memchr(ip.p, ' ', ip.n) != NULL || memchr(ip.p, '\t', ip.n) != NULL)
		return 0;
	ev->outcome = AP_OUT_FAILURE;
	ev->daemon = "plesk";
	ev->service = "panel";
	ap_set_user(ev, c.p, (size_t)(f - c.p));
	ap_set_ip(&ev->ip, ip.p, ip.n);
	return 1;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_plesk = {
	AP_FAM_PLESK,
	"plesk",
	rec_plesk,
	(const char *const[]){ "plesk", "plesk-panel", NULL },
};
