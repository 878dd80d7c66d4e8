/* report.h - the report and follow commands (report.c), called by the
 * command-line tool's main (tools/mmauthparse.c).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef MMAUTHPARSE_REPORT_H
#define MMAUTHPARSE_REPORT_H

/* The `report` and `follow` commands: argv[0] is the command name.
 * Return the process exit status. */
int report_main(int argc, char **argv);
int follow_main(int argc, char **argv);

#endif
