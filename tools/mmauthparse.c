/* mmauthparse.c - the command-line tool: runs the mmauthparse core over
 * log files or standard input and prints one JSON event per recognised
 * line (`parse`, the default command), and reads such events back to
 * report on them (`report`, `follow`: report/).
 *
 * Only the public API (authparse.h) is used, as the rsyslog module does.
 *
 * Exit status: 0 success, 1 an input could not be read (the others are
 * still processed) or output failed, 2 usage or configuration error.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <getopt.h>
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "authparse.h"
#include "common.h"
#include "lines.h"
#include "report/report.h"

static const char usage_text[] =
	"usage: mmauthparse [parse] [options] [FILE...]\n"
	"       mmauthparse report [options] [FILE...]\n"
	"       mmauthparse follow [options] FILE\n"
	"\n"
	"parse (the default command) reads log lines from the FILEs (standard input\n"
	"when none is given or FILE is \"-\") and prints one JSON object per line that\n"
	"is an authentication event.  Lines are split into time, host, tag and message\n"
	"as syslog files hold them; a line without a syslog frame is tried as a line of\n"
	"the file formats (tags exim, cpanel, xeams, roundcube, horde, in that order)\n"
	"unless --no-auto is given.\n"
	"\n"
	"options:\n"
	"  -a, --aligned           print one line per input line: {} when not an event\n"
	"  -t, --tag TAG           every line is a message under TAG (as imfile hands\n"
	"                          a file to rsyslog): cpanel, xeams, exim, roundcube...\n"
	"      --auto              try the file-format tags on lines without a syslog\n"
	"                          frame (the default)\n"
	"      --no-auto           do not: such lines are not events\n"
	"  -y, --year N            year of year-less syslog stamps (default: the current\n"
	"                          year, or the previous one for a stamp more than two\n"
	"                          days in the future)\n"
	"  -p, --program TAG=FAMILY  map a further tag to a family (repeatable)\n"
	"  -g, --geoip FILE        MaxMind/DB-IP .mmdb database (repeatable)\n"
	"      --geoip-language L  language of geo names (default en)\n"
	"  -d, --detect            run the attack detectors (alert members)\n"
	"      --DETECTOR T/W      threshold T within W seconds for DETECTOR, one of\n"
	"                          bruteforce, dictionary, distributed, compromise,\n"
	"                          insecure, stale (T=0 turns it off); implies --detect\n"
	"      --set NAME=VALUE    DETECTOR.threshold, DETECTOR.window, stale.suppress,\n"
	"                          bruteforce.resetOnSuccess (on/off), detect.maxKeys,\n"
	"                          geoip.cacheSize; a detect setting implies --detect\n"
	"      --state-file FILE   detection state kept across runs; implies --detect\n"
	"      --no-redact         keep attempted passwords in the message text\n"
	"  -m, --with-message      add \"time\" (ISO 8601), \"host\" and \"message\" (the\n"
	"                          message text, passwords cut out) to each event\n"
	"  -s, --stats             print the core's counters to standard error at the end\n"
	"  -v, --verbose           also print the core's informational messages\n"
	"  -h, --help              this text\n"
	"  -V, --version           the version\n"
	"\n"
	"Run \"mmauthparse report --help\" and \"mmauthparse follow --help\" for the others.\n"
	"Exit status: 0 ok, 1 an input could not be read, 2 usage or configuration error.\n";

typedef struct opts {
	ap_config cfg;
	int aligned;
	int auto_tags;
	int with_message;
	int stats;
	int verbose;
	int year;
	const char *tag;
	const char **programs;
	size_t nprograms;
	const char **geo;
	size_t ngeo;
} opts;

static void die_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, PROG ": ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'mmauthparse --help'.\n");
	exit(2);
}

/* ------------------------------------------------------------------ */
/* options                                                             */

static unsigned long parse_num(const char *s, const char *what, unsigned long max)
{
	char *end;
	errno = 0;
	if (s[0] < '0' || s[0] > '9')
		die_usage("%s: not a number", what);
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end != '\0' || v > max)
		die_usage("%s: not a number in range", what);
	return v;
}

static int detector_by_name(const char *s, size_t n)
{
	for (int d = 0; d < AP_DET__COUNT; d++) {
		const char *name = ap_detector_name((ap_detector)d);
		if (strlen(name) == n && strncasecmp(s, name, n) == 0)
			return d;
	}
	return -1;
}

/* "T/W" for a detector */
static void set_detector_tw(opts *o, int d, const char *val, const char *optname)
{
	char buf[64];
	const char *slash = strchr(val, '/');
	if (slash == NULL || (size_t)(slash - val) >= sizeof(buf))
		die_usage("--%s wants THRESHOLD/WINDOW, e.g. 10/600", optname);
	memcpy(buf, val, (size_t)(slash - val));
	buf[slash - val] = '\0';
	o->cfg.det[d].threshold = (uint32_t)parse_num(buf, optname, UINT32_MAX);
	o->cfg.det[d].window = (uint32_t)parse_num(slash + 1, optname, UINT32_MAX);
	o->cfg.detect = true;
}

/* a setting name, compared without case, against a literal */
#define NAME_IS(p, n, lit) ((n) == sizeof(lit) - 1 && strncasecmp((p), (lit), sizeof(lit) - 1) == 0)

static void set_name_value(opts *o, const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (eq == NULL || eq == arg)
		die_usage("--set wants NAME=VALUE, got '%s'", arg);
	const char *name = arg;
	size_t nlen = (size_t)(eq - arg);
	const char *val = eq + 1;
	const char *dot = memchr(name, '.', nlen);
	if (dot != NULL) {
		int d = detector_by_name(name, (size_t)(dot - name));
		const char *field = dot + 1;
		size_t flen = nlen - (size_t)(field - name);
		if (d >= 0 && NAME_IS(field, flen, "threshold")) {
			o->cfg.det[d].threshold = (uint32_t)parse_num(val, arg, AP_MAX_THRESHOLD);
			o->cfg.detect = true;
			return;
		}
		if (d >= 0 && NAME_IS(field, flen, "window")) {
			o->cfg.det[d].window = (uint32_t)parse_num(val, arg, AP_MAX_WINDOW);
			o->cfg.detect = true;
			return;
		}
	}
	if (NAME_IS(name, nlen, "detect.maxKeys")) {
		o->cfg.detect_max_keys = (uint32_t)parse_num(val, arg, AP_MAX_KEYS);
		o->cfg.detect = true;
		return;
	}
	if (NAME_IS(name, nlen, "geoip.cacheSize")) {
		o->cfg.geo_cache_size = (uint32_t)parse_num(val, arg, AP_MAX_GEO_CACHE);
		return;
	}
	if (NAME_IS(name, nlen, "stale.suppress")
	    || NAME_IS(name, nlen, "bruteforce.resetOnSuccess")) {
		bool on = !strcasecmp(val, "on");
		if (!on && strcasecmp(val, "off") != 0)
			die_usage("%s: \"on\" or \"off\"", arg);
		if (NAME_IS(name, nlen, "stale.suppress"))
			o->cfg.stale_suppress = on;
		else
			o->cfg.bruteforce_reset_on_success = on;
		o->cfg.detect = true;
		return;
	}
	die_usage("--set: unknown setting '%s' (DETECTOR.threshold, DETECTOR.window, "
		  "stale.suppress, bruteforce.resetOnSuccess, detect.maxKeys, geoip.cacheSize)",
		  arg);
}

static void push(const char ***arr, size_t *n, const char *v)
{
	const char **a = realloc(*arr, (*n + 1) * sizeof(**arr));
	if (a == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		exit(1);
	}
	a[(*n)++] = v;
	*arr = a;
}

enum {
	O_AUTO = 256,
	O_NOAUTO,
	O_GEOLANG,
	O_SET,
	O_STATE,
	O_NOREDACT,
	O_DET0 /* O_DET0 + ap_detector */
};

static int parse_options(int argc, char **argv, opts *o)
{
	static const struct option fixed[] = {
		{ "aligned", no_argument, NULL, 'a' },
		{ "tag", required_argument, NULL, 't' },
		{ "auto", no_argument, NULL, O_AUTO },
		{ "no-auto", no_argument, NULL, O_NOAUTO },
		{ "year", required_argument, NULL, 'y' },
		{ "program", required_argument, NULL, 'p' },
		{ "geoip", required_argument, NULL, 'g' },
		{ "geoip-language", required_argument, NULL, O_GEOLANG },
		{ "detect", no_argument, NULL, 'd' },
		{ "set", required_argument, NULL, O_SET },
		{ "state-file", required_argument, NULL, O_STATE },
		{ "no-redact", no_argument, NULL, O_NOREDACT },
		{ "with-message", no_argument, NULL, 'm' },
		{ "stats", no_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
	};
	/* then --DETECTOR T/W for each detector the core names, and the end */
	enum { NFIXED = sizeof(fixed) / sizeof(fixed[0]) };
	struct option lo[NFIXED + AP_DET__COUNT + 1];
	memcpy(lo, fixed, sizeof(fixed));
	for (int d = 0; d < AP_DET__COUNT; d++)
		lo[NFIXED + d] = (struct option){ ap_detector_name((ap_detector)d),
						  required_argument, NULL, O_DET0 + d };
	lo[NFIXED + AP_DET__COUNT] = (struct option){ NULL, 0, NULL, 0 };
	int c, li;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":at:y:p:g:dmsvhV", lo, &li)) != -1) {
		switch (c) {
		case 'a': o->aligned = 1; break;
		case 't':
			if (optarg[0] == '\0')
				die_usage("%s", "--tag wants a non-empty tag");
			o->tag = optarg;
			break;
		case O_AUTO: o->auto_tags = 1; break;
		case O_NOAUTO: o->auto_tags = 0; break;
		case 'y':
			o->year = (int)parse_num(optarg, "--year", 9999);
			if (o->year < 1970)
				die_usage("%s", "--year: not a year after 1970");
			break;
		case 'p': push(&o->programs, &o->nprograms, optarg); break;
		case 'g': push(&o->geo, &o->ngeo, optarg); break;
		case O_GEOLANG: o->cfg.geo_language = optarg; break;
		case 'd': o->cfg.detect = true; break;
		case O_SET: set_name_value(o, optarg); break;
		case O_STATE:
			o->cfg.detect_state_file = optarg;
			o->cfg.detect = true;
			break;
		case O_NOREDACT: o->cfg.redact_passwords = false; break;
		case 'm': o->with_message = 1; break;
		case 's': o->stats = 1; break;
		case 'v': o->verbose = 1; break;
		case 'h': fputs(usage_text, stdout); exit(0);
		case 'V': printf("mmauthparse %s\n", ap_version()); exit(0);
		case ':': die_usage("option '%s' needs an argument", argv[optind - 1]); break;
		case '?': die_usage("unknown option '%s'", argv[optind - 1]); break;
		default:
			if (c >= O_DET0 && c < O_DET0 + AP_DET__COUNT)
				set_detector_tw(o, c - O_DET0, optarg, lo[li].name);
			else
				die_usage("%s", "bad option");
		}
	}
	o->cfg.programs = o->programs;
	o->cfg.nprograms = o->nprograms;
	o->cfg.geo_files = o->geo;
	o->cfg.ngeo_files = o->ngeo;
	return optind;
}

/* ------------------------------------------------------------------ */
/* processing                                                          */

typedef struct runner {
	opts *o;
	ap_ctx *ctx;
	ap_worker *w;
	tool_parser p;
} runner;

static void log_cb(void *cookie, ap_loglevel lvl, const char *msg)
{
	const int *verbose = cookie;
	if (lvl == AP_LOG_INFO && !*verbose)
		return;
	fprintf(stderr, PROG ": %s: %s\n",
		lvl == AP_LOG_ERR       ? "error"
		: lvl == AP_LOG_WARNING ? "warning"
					: "info",
		msg);
}

static void process_line(runner *r, const char *line, size_t len)
{
	struct fjson_object *obj = tp_event(&r->p, line, len, r->o->with_message);
	if (obj == NULL) {
		if (r->o->aligned)
			fputs("{}\n", stdout);
		return;
	}
	const char *s = json_object_to_json_string_ext(obj, FJSON_TO_STRING_PLAIN);
	if (s != NULL) {
		fputs(s, stdout);
		putchar('\n');
	}
	json_object_put(obj);
}

static int process_stream(runner *r, FILE *fp, const char *name)
{
	line_reader lr;
	struct stat st;
	int interactive = fstat(fileno(fp), &st) == 0 && !S_ISREG(st.st_mode);
	if (lr_init(&lr, fp) != 0) {
		fprintf(stderr, PROG ": out of memory\n");
		exit(1);
	}
	while (lr_next(&lr)) {
		process_line(r, lr.buf, lr.len);
		if (interactive)
			fflush(stdout);
	}
	int err = lr.error;
	lr_free(&lr);
	if (err) {
		fprintf(stderr, PROG ": %s: %s\n", name, strerror(err));
		return 1;
	}
	return 0;
}

static void print_stats(ap_ctx *ctx)
{
	const ap_stats *s = ap_ctx_stats(ctx);
	fprintf(stderr, "parsed=%llu\nunparsed=%llu\n", (unsigned long long)s->parsed,
		(unsigned long long)s->unparsed);
	fprintf(stderr,
		"outcome.success=%llu\noutcome.failure=%llu\noutcome.unknown=%llu\nblocks=%llu\n",
		(unsigned long long)s->outcome[AP_OUT_SUCCESS],
		(unsigned long long)s->outcome[AP_OUT_FAILURE],
		(unsigned long long)s->outcome[AP_OUT_UNKNOWN], (unsigned long long)s->outcome[0]);
	for (int f = 1; f < AP_FAM__COUNT; f++)
		if (s->family[f] != 0)
			fprintf(stderr, "family.%s=%llu\n", ap_family_name((ap_family)f),
				(unsigned long long)s->family[f]);
	fprintf(stderr, "redacted=%llu\ngeo.hits=%llu\ngeo.misses=%llu\ngeo.reloads=%llu\n",
		(unsigned long long)s->redacted, (unsigned long long)s->geo_hits,
		(unsigned long long)s->geo_misses, (unsigned long long)s->geo_reloads);
	for (int d = 0; d < AP_DET__COUNT; d++)
		fprintf(stderr, "alerts.%s=%llu\n", ap_detector_name((ap_detector)d),
			(unsigned long long)s->alerts[d]);
	fprintf(stderr, "detect.keys=%llu\ndetect.evictions=%llu\n",
		(unsigned long long)s->detect_keys, (unsigned long long)s->detect_evictions);
}

static int parse_main(int argc, char **argv)
{
	opts o;
	memset(&o, 0, sizeof(o));
	ap_config_defaults(&o.cfg);
	o.auto_tags = 1;
	int first = parse_options(argc, argv, &o);

	runner r;
	memset(&r, 0, sizeof(r));
	r.o = &o;
	o.cfg.geo_files_required = true; /* a database named on the command line must open */
	ap_status st = ap_ctx_open(&o.cfg, log_cb, &o.verbose, &r.ctx);
	if (st != AP_OK) {
		fprintf(stderr, PROG ": %s (see above)\n", ap_strerror(st));
		free(o.programs);
		free(o.geo);
		return 2;
	}
	r.w = ap_worker_new(r.ctx);
	if (r.w == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		ap_ctx_free(r.ctx);
		free(o.programs);
		free(o.geo);
		return 1;
	}
	tp_init(&r.p, r.ctx, r.w, o.tag, o.auto_tags, o.year);

	int status = 0;
	if (first >= argc) {
		status |= process_stream(&r, stdin, "standard input");
	} else {
		for (int i = first; i < argc; i++) {
			if (strcmp(argv[i], "-") == 0) {
				status |= process_stream(&r, stdin, "standard input");
				continue;
			}
			FILE *fp = fopen(argv[i], "r");
			if (fp == NULL) {
				fprintf(stderr, PROG ": %s: %s\n", argv[i], strerror(errno));
				status = 1;
				continue;
			}
			status |= process_stream(&r, fp, argv[i]);
			fclose(fp);
		}
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, PROG ": standard output: %s\n", strerror(errno));
		status = 1;
	}
	if (o.stats)
		print_stats(r.ctx);
	ap_worker_free(r.w);
	ap_ctx_free(r.ctx);
	tp_free(&r.p);
	free(o.programs);
	free(o.geo);
	return status;
}

int main(int argc, char **argv)
{
	if (argc >= 2) {
		if (strcmp(argv[1], "parse") == 0)
			return parse_main(argc - 1, argv + 1);
		if (strcmp(argv[1], "report") == 0)
			return report_main(argc - 1, argv + 1);
		if (strcmp(argv[1], "follow") == 0)
			return follow_main(argc - 1, argv + 1);
	}
	return parse_main(argc, argv);
}
