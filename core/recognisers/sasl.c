/* sasl.c - the client's SMTP "AUTH <mech> [<initial response>]" command
 * as courieresmtpd and exim log it.
 *
 * The initial response is base64 (RFC 4954).  For PLAIN it is
 * "authzid NUL authcid NUL password" (RFC 4616): the authentication
 * identity is decoded into ev->scratch one byte at a time and decoding
 * stops at the second NUL, so the password is never decoded anywhere.
 * Redaction keeps the user readable: only the base64 characters that carry
 * a bit of the password are cut out, from the first such character to the
 * end of the response.  Base64 packs 6 bits a character, so the characters
 * left in front hold the authzid, the authcid and at least half of the
 * second NUL, and not one bit of the password; the line then reads
 * "AUTH PLAIN AGJvYkBleGFtcGxlLmNvbQ[REDACTED]", and that form parses to
 * the same user again (the decoder accepts "[REDACTED]" straight after the
 * authcid when the bits it still holds are zero, i.e. the start of the
 * NUL).  A response that does not decode to two NULs is redacted whole.
 * For LOGIN the initial response is the user name; it carries no secret,
 * so only what follows it (which a well-behaved client never sends) is
 * redacted.  Any other mechanism's response (XOAUTH2 bearer tokens, ...)
 * is redacted whole.
 *
 * The command is the client's text: these helpers never look beyond the
 * span the recogniser hands them (the recogniser finds where the command
 * ends).  No allocation; every read is bounded by n.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/sasl.h"

static int b64_val(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

/* AUTH PLAIN blob: copy the authcid into ev->scratch.  Returns 1 if one
 * was found and sets *keep to the number of leading characters that hold
 * no bit of the password (n when the password is empty; the blob's length
 * up to "[REDACTED]" when the line was redacted already). */
static int plain_user(ap_event *ev, const char *p, size_t n, size_t *keep)
{
	uint32_t acc = 0;
	int bits = 0, nuls = 0;
	size_t un = 0;
	size_t i;
	for (i = 0; i < n; i++) {
		int v = b64_val((unsigned char)p[i]);
		if (v < 0) {
			/* "[REDACTED]" right after the authcid: what is left
			 * of the second NUL (its first 4 or 6 bits) is zero */
			if (nuls == 1 && un > 0 && acc == 0
			    && AP_HAS_PREFIX(p + i, n - i, AP_REDACTED))
				break;
			return 0; /* '=' before the second NUL, or junk */
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits < 8)
			continue;
		bits -= 8;
		unsigned char byte = (unsigned char)(acc >> bits);
		acc &= (1u << bits) - 1;
		if (byte == 0) {
			if (++nuls == 2) {
				/* the password follows: stop.  Bits left over in
				 * this character are the password's */
				if (bits == 0)
					i++;
				break;
			}
			continue;
		}
		if (nuls == 1) {
			if (un >= sizeof(ev->scratch))
				return 0; /* longer than any user we keep */
			ev->scratch[un++] = (char)byte;
		}
	}
	if (un == 0 || (nuls != 2 && i == n))
		return 0;
	*keep = i;
	ev->user = ap_span_make(ev->scratch, un);
	return 1;
}

/* AUTH LOGIN initial response: a base64 user name decoding to printable
 * ASCII, decoded into ev->scratch; 1 if it was one */
static int login_user(ap_event *ev, const char *p, size_t n)
{
	if (n == 0 || n % 4 != 0 || n / 4 * 3 > sizeof(ev->scratch))
		return 0;
	size_t pad = 0;
	while (pad < 2 && pad < n && p[n - 1 - pad] == '=')
		pad++;
	uint32_t acc = 0;
	int bits = 0;
	size_t un = 0;
	for (size_t i = 0; i < n - pad; i++) {
		int v = b64_val((unsigned char)p[i]);
		if (v < 0)
			return 0;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			unsigned char byte = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
			if (byte < 0x21 || byte > 0x7e)
				return 0;
			ev->scratch[un++] = (char)byte;
		}
	}
	if (acc != 0 || un == 0)
		return 0; /* non-canonical padding bits: not base64 text */
	ev->user = ap_span_make(ev->scratch, un);
	return 1;
}

int ap_sasl_auth_cmd(const ap_line *ln, ap_event *ev, const char *p, size_t n)
{
	ap_cur c = ap_cur_make(p, n);
	ap_cur_skip_blanks(&c);
	ap_span mech = ap_cur_word(&c);
	if (mech.n == 0 || mech.n > 20)
		return 0;
	for (uint32_t i = 0; i < mech.n; i++) {
		char ch = mech.p[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z')
		      || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return 0;
	}
	ev->mech = mech;
	ap_cur_skip_blanks(&c);
	/* the response, without trailing blanks and line ends */
	const char *e = c.e;
	while (e > c.p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	if (e == c.p)
		return 1;
	size_t rn = (size_t)(e - c.p);
	if (AP_SPAN_IIS(mech, "PLAIN")) {
		ap_cur w = ap_cur_make(c.p, rn);
		ap_span blob = ap_cur_word(&w);
		size_t keep = 0;
		if (!plain_user(ev, blob.p, blob.n, &keep)) {
			ap_add_redact(ev, ln, c.p, rn);
		} else if (AP_HAS_PREFIX(blob.p + keep, blob.n - keep, AP_REDACTED)
			   && blob.n - keep == AP_LEN(AP_REDACTED) && blob.p + blob.n == e) {
			/* redacted already */
		} else {
			/* from the first character holding a password bit; a
			 * blob that ends after the second NUL holds none */
			const char *r = blob.p + keep;
			const char *q = r;
			while (q < blob.p + blob.n && *q == '=')
				q++;
			if (q < e)
				ap_add_redact(ev, ln, r, (size_t)(e - r));
		}
	} else if (AP_SPAN_IIS(mech, "LOGIN")) {
		ap_cur w = ap_cur_make(c.p, rn);
		ap_span name = ap_cur_word(&w);
		if (!login_user(ev, name.p, name.n) && !AP_SPAN_IS(name, "="))
			ap_set_user(ev, name.p, name.n);
		ap_cur_skip_blanks(&w);
		if (ap_cur_left(&w) > 0)
			ap_add_redact(ev, ln, w.p, ap_cur_left(&w));
	} else {
		ap_add_redact(ev, ln, c.p, rn);
	}
	return 1;
}
