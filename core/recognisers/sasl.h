/* sasl.h - reading a client's SMTP AUTH command (courieresmtpd, exim).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef AP_SASL_H
#define AP_SASL_H

#include "recognisers/recogniser.h"

/* SASL helpers  for daemons that log the client's AUTH
 * command: courieresmtpd "cmd: AUTH PLAIN <b64>", exim "SMTP protocol
 * error in \"AUTH LOGIN <b64>\"".  p/n is the text after "AUTH ":
 * "<MECH>[ <initial response>]".  Sets ev->mech; for PLAIN decodes the
 * authentication identity into ev->scratch (never decoding the password)
 * and redacts the response; for LOGIN takes the user name (base64 or as
 * given) and redacts anything after it; for other mechanisms redacts the
 * response.  Returns 1 if a mechanism word was found. */
int ap_sasl_auth_cmd(const ap_line *ln, ap_event *ev, const char *p, size_t n) AP_HIDDEN;

#endif
