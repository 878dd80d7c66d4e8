/* mysql.c - MySQL and MariaDB "Access denied" lines of the error log (and
 * of the general query log), through syslog (tags mysqld, mariadbd) or the
 * file read by imfile (tag mysql or mariadb; then the line starts with the
 * server's own stamp).  Service mysql; daemon mariadb under the mariadb
 * tags, mysql otherwise.  The server logs no successful login in the
 * error log: only failures are events.
 *
 *   [STAMP ][THREAD ][Level] [MY-010926] [Server] Access denied for user 'U'@'H' (using password: YES)
 *       failure, no reason (wrong password and unknown account read alike)
 *   ... Access denied for user 'U'@'H' (using password: NO)    failure no_password
 *   ... Access denied for user 'U'@'H'                         failure, no reason
 *       (MariaDB's ER_ACCESS_DENIED_NO_PASSWORD_ERROR, MySQL's
 *       ER_ACCESS_DENIED_ERROR_WITHOUT_PASSWORD: an authentication plugin
 *       refused the client without a password exchange)
 *
 * STAMP is any of "130324  0:04:00" (5.1/5.5), "2015-10-07 06:09:42"
 * (5.6, MariaDB; "2015-10-07  8:25:38" with a blank-padded hour),
 * "2016-02-24T15:26:18.237955" (5.7) and "2019-01-03T08:50:04.634875Z"
 * (8.x; the Z stamp is the event's time); THREAD is the connection id; the
 * general log's "Connect" command word may stand before the text.
 *
 * Threat model.  MySQL 8 (sql_authentication.cc, login_failed_error) and
 * MariaDB (sql_acl.cc, login_failed_error) print the user name the client
 * sent, unescaped, between quotes: it may hold "'@'", "' (using password:
 * NO)" or anything else.  H is the server's host_or_ip: the client's
 * address, or the host name the server resolved and checked forward
 * (hostname.cc), or "localhost"; it never holds a quote.  Everything after
 * the user name is the server's: the line is read from its end.  A line
 * ending in ")" must end in the server's " (using password: YES|NO)", and
 * before it comes "'@'H'" with H free of quotes and blanks: the last
 * "'@'" is the server's.  A line ending in "'" is the suffix-less form,
 * read the same way; the general log's "to database 'DB'" form (an
 * authenticated user refused a database, DB typed by the client) also ends
 * in "'", so a suffix-less line holding "' to database '" keeps its
 * failure but no address (ambiguous).  The prefix before "Access denied"
 * is the server's (stamp, thread id, bracketed level and codes): only
 * those tokens may precede it.  An address is a host name (rdns) when it
 * is not an IP address.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

static int stamp_char(char ch)
{
	return (ch >= '0' && ch <= '9') || ch == '-' || ch == ':' || ch == '.' || ch == 'T'
	       || ch == 'Z' || ch == '+';
}

/* one token of the server's prefix at c: digits and stamp punctuation,
 * "[Word]" without blanks, or "Connect"; the cursor moves past it and the
 * blanks after it */
static int prefix_token(ap_cur *c)
{
	const char *s = c->p;
	if (AP_EAT(c, "Connect")) {
		/* only as a word of its own */
	} else if (AP_AT(c, "[")) {
		c->p++;
		while (c->p < c->e && *c->p != ']' && *c->p != ' ' && *c->p != '\t' && *c->p != '\''
		       && c->p - s < 32)
			c->p++;
		if (!ap_cur_eatc(c, ']'))
			return 0;
	} else {
		while (c->p < c->e && stamp_char(*c->p))
			c->p++;
	}
	if (c->p == s || c->p == c->e || (*c->p != ' ' && *c->p != '\t'))
		return 0;
	ap_cur_skip_blanks(c);
	return 1;
}

static int host_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
	       || ch == '.' || ch == ':' || ch == '-' || ch == '_' || ch == '%';
}

/* the Z stamp of MySQL 8 at the start of the line */
static void stamp_time(const ap_line *ln, ap_event *ev)
{
	int64_t t;
	size_t n = ap_parse_ymdhms(ln->msg, ln->len, 'T', &t);
	if (n > 0 && n < ln->len && ln->msg[n] == 'Z')
		ev->time = t;
}

static int rec_mysql(const ap_line *ln, ap_event *ev)
{
	ap_cur c = ap_cur_make(ln->msg, ln->len);
	static const char lead[] = "Access denied for user '";
	int ntok = 0;
	while (!AP_AT(&c, lead)) {
		if (++ntok > 8 || !prefix_token(&c))
			return 0;
	}
	c.p += AP_LEN(lead);

	ev->daemon = AP_HAS_IPREFIX(ln->prog, ln->proglen, "mariadb") ? "mariadb" : "mysql";
	ev->service = "mysql";
	ev->outcome = AP_OUT_FAILURE;
	if (ntok > 0)
		stamp_time(ln, ev);

	const char *u = c.p, *e = c.e;
	while (e > u && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	int suffixed = 0;
	if (e > u && e[-1] == ')') {
		if (AP_HAS_ISUFFIX(u, (size_t)(e - u), "' (using password: NO)")) {
			ev->reason = AP_R_NO_PASSWORD;
			e -= AP_LEN(" (using password: NO)");
		} else if (AP_HAS_ISUFFIX(u, (size_t)(e - u), "' (using password: YES)")) {
			e -= AP_LEN(" (using password: YES)");
		} else {
			return 0;
		}
		suffixed = 1;
	}
	/* now e follows the closing quote of H */
	if (e <= u || e[-1] != '\'')
		return 0;
	const char *hend = e - 1, *h = hend;
	while (h > u && host_char(h[-1]))
		h--;
	if (h - u < (ptrdiff_t)AP_LEN("'@'")
	    || memcmp(h - AP_LEN("'@'"), "'@'", AP_LEN("'@'")) != 0)
		return 0;
	const char *uend = h - AP_LEN("'@'");
	ap_set_user(ev, u, (size_t)(uend - u));
	if (!suffixed && AP_MEMMEM(u, (size_t)(hend - u), "' to database '") != NULL) {
		ev->ambiguous = true;
		return 1;
	}
	ap_set_ip_or_rdns(ev, ap_span_make(h, (size_t)(hend - h)));
	return 1;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_mysql = {
	AP_FAM_MYSQL,
	"mysql",
	rec_mysql,
	(const char *const[]){ "mysqld", "mariadbd", "mysql", "mariadb", NULL },
};
