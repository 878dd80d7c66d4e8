/* dispatch.h - from the syslog tag to the families whose recognisers
 * read the line: the table of families, the program map (built-in names
 * and the `programs` parameter) and the call of the recognisers.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef AP_DISPATCH_H
#define AP_DISPATCH_H

#include "recognisers/recogniser.h"

/* a set of families: bit (1 << ap_family); room for 64 */
typedef uint64_t ap_famset;
#define AP_FAMSET(f) ((ap_famset)1 << (f))
_Static_assert(AP_FAM__COUNT <= 64, "ap_famset holds 64 families");

typedef struct ap_progmap ap_progmap;
ap_progmap *ap_progmap_new(const char *const *extra, size_t nextra, ap_log_fn log,
			   void *cookie) AP_HIDDEN;
void ap_progmap_free(ap_progmap *m) AP_HIDDEN;
/* families for a program name whose last '/' is slash (NULL: none, as
 * ap_tag_program_slash gives it); 0 = none (the untagged PAM line may
 * apply), AP_FAMSET(AP_FAM_NONE) alone = a family's program whose lines
 * none of its recognisers reads (postfix's services other than smtpd) */
ap_famset ap_progmap_lookup_slash(const ap_progmap *m, const char *prog, size_t n,
				  const char *slash) AP_HIDDEN;
/* the built-in map (no extra programs) */
const ap_progmap *ap_progmap_builtin(void) AP_HIDDEN;

/* reduce a tag to the program part: strip "[pid]", "[pid" (broken tags),
 * "(n)", trailing ':' and blanks; "[prog]:" (a bracketed program name
 * without pid) gives prog.  Returns, from the same pass, the last '/' of
 * the program part (NULL: none) for ap_progmap_lookup_slash */
const char *ap_tag_program_slash(const char *tag, size_t taglen, const char **prog,
				 size_t *proglen) AP_HIDDEN;

/* recognise with a given family set; 1 event */
int ap_recognise(ap_famset families, const ap_line *ln, ap_event *ev) AP_HIDDEN;
/* a line whose tag maps to no family: the generic PAM line (any program
 * runs PAM; sshd's own lines are its family's), tried only when the
 * message starts with a PAM marker; 1 event */
int ap_recognise_untagged(const ap_line *ln, ap_event *ev) AP_HIDDEN;

#endif
